//! What the host page hears, and who may embed: a customer books in `<consult-booking>`, then
//! moves and cancels from the confirmation inside the same frame, and the host page receives
//! `consult:booked`, `consult:rescheduled` and `consult:cancelled` with their documented
//! payloads (never a join hash, no history entries); a page whose origin is not on the site's
//! list gets no form, and a `consult:error` saying why.

use crate::support;

use serde_json::Value;
use support::browser::{Browser, Driver};
use support::TestServer;

/// The host page's events of a type, once there are `n`.
async fn events(b: &Browser, kind: &str, n: usize) -> Vec<Value> {
    let all = b
        .wait_js(
            &format!("{n} × {kind} on the host page"),
            20,
            &format!(
                "const ev = window.__consultTest.events.filter(e => e.type === {kind:?}); return ev.length >= {n} && ev"
            ),
        )
        .await;
    all.as_array().unwrap().clone()
}

/// Exactly these keys, and a version.
fn keys(e: &Value, expected: &[&str]) {
    let mut got: Vec<&str> = e.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    got.sort();
    let mut want = expected.to_vec();
    want.sort();
    assert_eq!(got, want, "{e}");
    assert_eq!(e["version"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn booked_moved_and_cancelled_are_told_to_the_host_page() {
    let server = TestServer::start().await;
    let driver = Driver::start();
    let b = driver.session().await;
    b.open_host_page(&format!("{}/", server.host_url)).await;
    let history = b.js("return history.length").await;
    // `locale` names the language too (the name for `lang`).
    b.js("document.querySelector('consult-booking').setAttribute('locale', 'nl'); return true")
        .await;
    b.enter_embed("consult-booking").await;
    b.find("label.slot").await;
    assert_eq!(b.js("return document.documentElement.lang").await, "nl");
    let join = b.book_in_form("Ada", "ada@example.com").await;
    let hash = join.rsplit('/').next().unwrap().to_string();

    // Change or cancel, right in the frame: a choice of the agent's free times.
    b.click("[data-manage]").await;
    b.wait_js(
        "focus on the change-or-cancel heading",
        10,
        "return document.activeElement && document.activeElement.id === 'manage-heading'",
    )
    .await;
    b.axe("change or cancel inside the booking frame").await;
    // Another time than the booked one (the first offered may be the booked one's neighbour).
    b.choose_a_later_day().await;
    b.wait_js(
        "the free times",
        20,
        "return document.querySelectorAll('label.slot').length > 1",
    )
    .await;
    b.js("document.querySelectorAll('label.slot')[1].click()")
        .await;
    b.click(".manage form button[type=submit]").await;
    b.find("#manage-message").await;
    b.wait_js(
        "the move confirmed",
        20,
        "return document.querySelector('#manage-message').textContent.length > 0",
    )
    .await;
    b.click("#cancel-start").await;
    b.click("#cancel-yes").await;
    b.wait_js(
        "the cancellation confirmed",
        20,
        "return !document.querySelector('#cancel-start') && !document.querySelector('#cancel-yes')",
    )
    .await;

    b.client.enter_parent_frame().await.unwrap();
    let booked = events(&b, "consult:booked", 1).await.remove(0);
    let moved = events(&b, "consult:rescheduled", 1).await.remove(0);
    let cancelled = events(&b, "consult:cancelled", 1).await.remove(0);
    keys(
        &moved,
        &[
            "type",
            "version",
            "meeting",
            "starts_at",
            "ends_at",
            "time_zone",
        ],
    );
    keys(&cancelled, &["type", "version", "meeting"]);
    assert_eq!(moved["meeting"], booked["meeting"]);
    assert_eq!(cancelled["meeting"], booked["meeting"]);
    assert_eq!(moved["time_zone"], "Europe/Amsterdam");
    assert_ne!(moved["starts_at"], booked["starts_at"]);
    // The store agrees: the meeting moved to what the event says, then was cancelled.
    let (starts, status): (i64, String) =
        sqlx::query_as("SELECT starts_at, status FROM meetings WHERE id = $1")
            .bind(booked["meeting"].as_str().unwrap())
            .fetch_one(server.state.store.pool())
            .await
            .unwrap();
    let said = chrono::DateTime::parse_from_rfc3339(moved["starts_at"].as_str().unwrap()).unwrap();
    assert_eq!(starts, said.timestamp_millis());
    assert_eq!(status, "cancelled");
    let all = b.js("return window.__consultTest.events").await;
    assert!(
        !all.to_string().contains(&hash),
        "a join hash leaked: {all}"
    );
    assert_eq!(
        b.js("return history.length").await,
        history,
        "history entries were added"
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_whose_origin_is_not_listed_gets_no_form() {
    let server = TestServer::start().await;
    // A second host page, on an origin the site does not list.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let stranger = format!("http://{}", listener.local_addr().unwrap());
    let router = consult::server::demo::host_router(&server.url, &server.site);
    tokio::spawn(async move { axum::serve(listener, router).await });

    let driver = Driver::start();
    let b = driver.session().await;
    b.goto(&format!("{stranger}/")).await;
    // The frame is refused by its CSP (frame-ancestors): no form ever says it is ready, and
    // after its wait embed.js tells the page, on the element, what to check.
    let error = events(&b, "consult:error", 1).await.remove(0);
    keys(&error, &["type", "version", "code", "message"]);
    assert_eq!(error["code"], "load_failed");
    assert!(
        error["message"].as_str().unwrap().contains(&stranger),
        "{error}"
    );
    let ready = b
        .js("return window.__consultTest.events.filter(e => e.type === 'consult:ready').length")
        .await;
    assert_eq!(ready, 0);
    // The server functions refuse that origin too, whatever a page claims.
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/booking/slots", server.url))
        .header("origin", &stranger)
        .form(&[("site", server.site.as_str()), ("host_origin", &stranger)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // The listed host page, in the same browser, gets its form.
    b.goto(&format!("{}/", server.host_url)).await;
    events(&b, "consult:ready", 1).await;
    b.close().await;
}
