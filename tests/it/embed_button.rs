//! `<consult-button>` on a foreign-origin host page: a floating launcher that opens the
//! booking form in a modal dialog a keyboard user can reach, leave with Esc and come back from
//! to the launcher; axe-core finds nothing on the host page with the dialog open. And a host
//! page with a strict CSP (no 'unsafe-inline', no 'unsafe-eval') where everything works.

use crate::support;

use support::browser::{Browser, Driver};
use support::TestServer;

/// Which element has the focus, looking into the launcher's shadow root.
async fn focus(b: &Browser) -> String {
    b.js("const a = document.activeElement;
          if (a && a.tagName === 'CONSULT-BUTTON') { const i = a.shadowRoot.activeElement; return 'launcher:' + (i ? i.className || i.tagName : 'none'); }
          return a ? a.tagName : 'none'")
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn key(b: &Browser, keys: &str) {
    b.client
        .active_element()
        .await
        .unwrap()
        .send_keys(keys)
        .await
        .unwrap();
}

const DIALOG: &str = "document.querySelector('consult-button').shadowRoot.querySelector('dialog')";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_launcher_opens_booking_in_an_accessible_modal() {
    let server = TestServer::start().await;
    let driver = Driver::start();
    let b = driver.session().await;
    b.goto(&format!("{}/button", server.host_url)).await;
    b.wait_js(
        "the launcher",
        10,
        "return !!document.querySelector('consult-button')?.shadowRoot?.querySelector('button.l')",
    )
    .await;
    let history = b.js("return history.length").await;
    // The page's own link first, then the launcher.
    b.find("a[href='#about']").await;
    b.js("document.querySelector('a[href=\"#about\"]').focus(); return true")
        .await;
    key(&b, "\u{E004}").await;
    assert_eq!(focus(&b).await, "launcher:l");
    let label = b
        .js("return document.querySelector('consult-button').shadowRoot.querySelector('button.l').textContent")
        .await;
    assert_eq!(label, "Book a video call");

    // Enter opens a modal dialog with the booking form, which loads and says so.
    key(&b, "\u{E007}").await;
    b.wait_js(
        "the dialog to open as a modal",
        5,
        &format!("const d = {DIALOG}; return d.open && d.matches(':modal')"),
    )
    .await;
    b.wait_js(
        "the booking form inside to be ready",
        20,
        "return window.__consultTest.events.some(e => e.type === 'consult:ready')",
    )
    .await;
    assert!(
        focus(&b).await.starts_with("launcher:"),
        "focus stays in the dialog"
    );
    b.axe_host_page("the launcher's dialog").await;

    // Esc closes it and the focus is back on the launcher; opening again keeps the form.
    key(&b, "\u{E00C}").await;
    b.wait_js("the dialog to close", 5, &format!("return !{DIALOG}.open"))
        .await;
    assert_eq!(focus(&b).await, "launcher:l");
    key(&b, "\u{E007}").await;
    b.wait_js("the dialog again", 5, &format!("return {DIALOG}.open"))
        .await;
    assert_eq!(
        b.js(&format!(
            "return {DIALOG}.querySelectorAll('consult-booking').length"
        ))
        .await,
        1
    );
    // The close button does the same as Esc.
    b.js(&format!(
        "{DIALOG}.querySelector('button.x').click(); return true"
    ))
    .await;
    b.wait_js("closed by its button", 5, &format!("return !{DIALOG}.open"))
        .await;
    assert_eq!(focus(&b).await, "launcher:l");
    // Nothing leaked into the page: no global style, no history entry.
    assert_eq!(
        b.js("return document.querySelectorAll('style, link[rel=stylesheet]').length")
            .await,
        0
    );
    assert_eq!(b.js("return history.length").await, history);

    // In Dutch when the element says so: the launcher, its dialog and the frame's title.
    let words = b
        .js("const e = document.createElement('consult-button');
             e.setAttribute('site', document.querySelector('consult-button').getAttribute('site'));
             e.setAttribute('lang', 'nl');
             document.body.append(e);
             const r = e.shadowRoot;
             r.querySelector('button.l').click();
             const t = r.querySelector('consult-booking').shadowRoot.querySelector('iframe').title;
             r.querySelector('dialog').close();
             return [r.querySelector('button.l').textContent,
                     r.querySelector('dialog').getAttribute('aria-label'),
                     r.querySelector('button.x').getAttribute('aria-label'), t]")
        .await;
    assert_eq!(
        words,
        serde_json::json!([
            "Videogesprek boeken",
            "Een videogesprek boeken",
            "Sluiten",
            "Een videogesprek boeken"
        ])
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_page_with_a_strict_csp_books_and_shows_the_launcher() {
    let server = TestServer::start().await;
    let driver = Driver::start();
    let b = driver.session().await;
    b.goto(&format!("{}/strict", server.host_url)).await;
    b.wait_js(
        "the launcher styled (a constructed stylesheet passes the CSP)",
        10,
        "const l = document.querySelector('consult-button')?.shadowRoot?.querySelector('button.l');
         return l && getComputedStyle(l).position === 'fixed'",
    )
    .await;
    b.enter_embed("consult-booking").await;
    b.book_in_form("Ada Lovelace", "ada@example.com").await;
    b.client.enter_parent_frame().await.unwrap();
    b.wait_js(
        "consult:booked on the strict page",
        10,
        "return window.__consultTest.events.some(e => e.type === 'consult:booked')",
    )
    .await;
    assert_eq!(
        b.js("return window.__consultTest.csp").await,
        serde_json::json!([]),
        "the host page's CSP refused something"
    );
    // Control: the page's CSP is really strict, and a refusal would have been seen.
    b.js("const s = document.createElement('style'); s.textContent = 'p {}'; document.head.appendChild(s); return true")
        .await;
    b.wait_js(
        "an inline style to be refused",
        5,
        "return window.__consultTest.csp.some(v => v.startsWith('style-src'))",
    )
    .await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_forms_on_one_page_and_a_form_removed_and_added_again() {
    let server = TestServer::start().await;
    let driver = Driver::start();
    let b = driver.session().await;
    b.open_host_page(&format!("{}/", server.host_url)).await;
    let ready = "return window.__consultTest.events.filter(e => e.type === 'consult:ready').length";
    b.wait_js("the first form", 20, &format!("{ready} === 1"))
        .await;
    // A second element on the same page: its own frame, its own ready.
    b.js(&format!(
        "const e = document.createElement('consult-booking'); e.id = 'second';
         e.setAttribute('site', '{}'); document.body.appendChild(e); return true",
        server.site
    ))
    .await;
    b.wait_js("the second form", 20, &format!("{ready} === 2"))
        .await;
    // Removed (a single-page app navigating away): its frame goes; added again: a new one.
    b.js("window.__kept = document.getElementById('second'); window.__kept.remove(); return true")
        .await;
    assert_eq!(
        b.js("return !!window.__kept.shadowRoot.querySelector('iframe')")
            .await,
        false
    );
    b.js("document.body.appendChild(window.__kept); return true")
        .await;
    b.wait_js("the re-added form", 20, &format!("{ready} === 3"))
        .await;
    assert_eq!(
        b.js("return [...document.querySelectorAll('consult-booking')].map(e => e.shadowRoot.querySelectorAll('iframe').length)")
            .await,
        serde_json::json!([1, 1])
    );
    assert_eq!(
        b.js("return window.__consultTest.logs").await,
        serde_json::json!([])
    );
    b.close().await;
}
