//! The iframe fits its content, on a phone too: no scrollbar inside the frame, and the frame
//! grows when the form grows (errors shown) and shrinks when it shrinks (the confirmation).

use crate::support;

use serde_json::{json, Value};
use support::browser::{Browser, Driver};
use support::TestServer;

/// `(iframe height on the host page, content height inside, inner viewport height)`.
async fn heights(b: &Browser) -> (f64, f64, f64) {
    b.client.enter_parent_frame().await.unwrap();
    let outer = b
        .js("return document.querySelector('consult-booking').shadowRoot.querySelector('iframe').getBoundingClientRect().height")
        .await;
    b.enter_embed("consult-booking").await;
    let inner = b
        .js("const s = document.scrollingElement; return [s.scrollHeight, s.clientHeight]")
        .await;
    let f = |v: &Value| v.as_f64().unwrap();
    (f(&outer), f(&inner[0]), f(&inner[1]))
}

/// Wait until the frame is exactly as tall as its content (the resize message is async),
/// and return that height.
async fn fitted(b: &Browser, what: &str) -> f64 {
    for _ in 0..50 {
        let (outer, content, viewport) = heights(b).await;
        if (outer - content).abs() <= 1.0 && content <= viewport + 1.0 {
            return outer;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "{what}: the frame does not fit its content: {:?}",
        heights(b).await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_frame_fits_its_content_on_a_phone() {
    let server = TestServer::start().await;
    let driver = Driver::start();
    let b = driver.session().await;
    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": true }),
    )
    .await;
    b.goto(&format!("{}/", server.host_url)).await;
    b.enter_embed("consult-booking").await;
    b.find("label.slot").await;
    let width = b.js("return document.documentElement.clientWidth").await;
    assert!(width.as_f64().unwrap() <= 390.0, "{width}");
    // Nothing wider than the phone inside the frame: no sideways scrolling either.
    let sideways = b
        .js("const s = document.scrollingElement; return s.scrollWidth > s.clientWidth")
        .await;
    assert_eq!(sideways, false);
    let form = fitted(&b, "the form").await;

    // Sending it empty adds an error under each field: the frame grows with it.
    b.click("button[type=submit]").await;
    b.find("#name-error:not(:empty)").await;
    let with_errors = fitted(&b, "the form with errors").await;
    assert!(with_errors > form, "{with_errors} after {form}");

    // The confirmation is shorter than the form: the frame shrinks.
    b.book_in_form("Ada", "ada@example.com").await;
    let confirmation = fitted(&b, "the confirmation").await;
    assert!(
        confirmation < with_errors,
        "{confirmation} after {with_errors}"
    );
    // And the host page itself scrolls as one page: one scrollbar.
    b.client.enter_parent_frame().await.unwrap();
    let host = b
        .js("const s = document.scrollingElement; return s.scrollHeight >= document.querySelector('consult-booking').getBoundingClientRect().height")
        .await;
    assert_eq!(host, true);
    b.close().await;
}
