//! Invitation links carry their recipient's language: a Dutch customer's e-mail (text and
//! calendar file) links to pages with `lang=nl`, an English one's with `lang=en`, and the
//! page opened from the link speaks that language whatever the browser's; a `lang` we do not
//! speak is ignored (the browser's language, as before). Real SMTP sink, real Chromium.

use crate::support;

use consult::model::i18n::Lang;
use serde_json::Value;
use support::browser::Driver;
use support::smtp::SmtpSink;
use support::TestServer;

/// The parsed invitation to `address` among `all`.
fn to<'a>(all: &'a [Value], address: &str) -> &'a Value {
    all.iter()
        .find(|m| m["to"].as_str().unwrap().contains(address))
        .unwrap_or_else(|| panic!("nothing to {address}: {all:?}"))
}

/// The first link in `text` to one of the server's pages under `path` (`/join/`).
fn link(text: &str, server: &str, path: &str) -> String {
    let start = format!("{server}{path}");
    text.split_whitespace()
        .find(|w| w.starts_with(&start))
        .unwrap_or_else(|| panic!("no {path} link in {text}"))
        .to_string()
}

#[tokio::test]
async fn invitation_links_open_their_pages_in_the_recipients_language() {
    let sink = SmtpSink::start();
    let server = TestServer::start_with(|c| c.smtp = sink.config()).await;
    // The last slots offered: far enough ahead that the waiting room is not open yet, so
    // each page shows when it opens, in its language.
    let slots = server.slot_list().await.slots;
    let (first, second) = (&slots[slots.len() - 1], &slots[slots.len() - 2]);
    let mut dutch = server.booking_request(first.starts_at, "Anna", "anna@example.com");
    dutch.lang = Lang::Nl;
    let anna = consult::server::services::booking::book(&server.state, dutch, None)
        .await
        .unwrap();
    let english = server.booking_request(second.starts_at, "Ann", "ann@example.com");
    let ann = consult::server::services::booking::book(&server.state, english, None)
        .await
        .unwrap();
    // Each customer, and the agent twice.
    sink.wait_for(4, 30).await;
    let all = sink.parsed();

    let mail = to(&all, "anna@example.com");
    let text = mail["text"].as_str().unwrap();
    assert!(text.starts_with("Beste Anna,"), "{text}");
    let anna_link = link(text, &server.url, "/join/");
    assert_eq!(anna_link, format!("{}?lang=nl", anna.join_url));
    assert_eq!(
        link(text, &server.url, "/booking/"),
        format!("{}?lang=nl", anna.manage_url)
    );
    let cal = &mail["calendars"][0];
    assert_eq!(cal["url"], anna_link);
    assert!(
        cal["description"].as_str().unwrap().contains(&anna_link),
        "{cal}"
    );

    let mail = to(&all, "ann@example.com");
    let text = mail["text"].as_str().unwrap();
    assert!(text.starts_with("Dear Ann,"), "{text}");
    let ann_link = link(text, &server.url, "/join/");
    assert_eq!(ann_link, format!("{}?lang=en", ann.join_url));
    assert_eq!(mail["calendars"][0]["url"], ann_link);

    // The pages: the link's language over the browser's, both ways.
    let driver = Driver::start();
    let english_browser = driver.session_in_language("en-US").await;
    let dutch_browser = driver.session_in_language("nl").await;
    let languages = english_browser.js("return navigator.languages[0]").await;
    assert!(languages.as_str().unwrap().starts_with("en"), "{languages}");
    let status = |b: &support::browser::Browser| {
        let b = b.client.clone();
        async move {
            b.wait()
                .at_most(std::time::Duration::from_secs(60))
                .for_element(fantoccini::Locator::Css(
                    "main[data-status=too-early] .status",
                ))
                .await
                .expect("the page says when the waiting room opens")
                .text()
                .await
                .unwrap()
        }
    };
    english_browser.goto(&anna_link).await;
    let text = status(&english_browser).await;
    assert!(text.starts_with("De wachtkamer gaat open"), "{text}");
    assert_eq!(
        english_browser
            .js("return document.documentElement.lang")
            .await,
        "nl"
    );
    // The meeting's day in the page's words too, not the browser's.
    let when = english_browser
        .js("return document.querySelector('header.meeting p').textContent")
        .await;
    let when = when.as_str().unwrap().to_string();
    let days = |names: &[&str]| names.iter().any(|d| when.contains(d));
    assert!(
        days(&[
            "maandag",
            "dinsdag",
            "woensdag",
            "donderdag",
            "vrijdag",
            "zaterdag",
            "zondag"
        ]),
        "{when}"
    );
    assert!(
        !days(&[
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday"
        ]),
        "{when}"
    );
    dutch_browser.goto(&ann_link).await;
    let text = status(&dutch_browser).await;
    assert!(text.starts_with("The waiting room opens"), "{text}");
    // Without `lang`, or with one we do not speak, the browser's language, as before.
    dutch_browser
        .goto(&format!("{}?lang=xx", ann.join_url))
        .await;
    let text = status(&dutch_browser).await;
    assert!(text.starts_with("De wachtkamer gaat open"), "{text}");
    english_browser.goto(&anna.join_url).await;
    let text = status(&english_browser).await;
    assert!(text.starts_with("The waiting room opens"), "{text}");
    english_browser.close().await;
    dutch_browser.close().await;
}
