//! The interactive API reference at `/api/docs`: Swagger UI over both documents, in a real
//! Chromium, every file from Consult itself and nothing refused by the page's policy.

use crate::support;

use support::browser::Driver;
use support::TestServer;

#[tokio::test]
async fn the_interactive_reference_shows_both_apis_from_consult_alone() {
    let server = TestServer::start().await;
    let res = reqwest::get(format!("{}/api/docs", server.url))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    let html = res.text().await.unwrap();
    for src in html
        .split("src=\"")
        .skip(1)
        .chain(html.split("href=\"").skip(1))
    {
        assert!(src.starts_with('/'), "loaded from elsewhere: {src}");
    }

    let driver = Driver::start();
    let b = driver.session().await;
    b.goto(&format!("{}/api/docs", server.url)).await;
    b.wait_js(
        "the v2 operations",
        60,
        "return [...document.querySelectorAll('.opblock-summary-path')].some(e => e.textContent.includes('/api/v2/personal/meetings'))",
    )
    .await;
    // The rooms API through the selector, as a reader picks it.
    b.goto(&format!("{}/api/docs?api=rooms", server.url)).await;
    b.wait_js(
        "the rooms operations",
        60,
        "return [...document.querySelectorAll('.opblock-summary-path')].some(e => e.textContent.includes('/whereby/v1/meetings'))",
    )
    .await;
    // Open one operation: its schema and example are shown.
    b.click(".opblock-post .opblock-summary-control").await;
    b.wait_js(
        "the request body's example",
        30,
        "const body = document.querySelector('.opblock-post.is-open .opblock-body');
         return !!body && body.textContent.includes('endDate') && body.textContent.includes('roomNamePrefix')",
    )
    .await;
    // The appointments API, likewise.
    b.goto(&format!("{}/api/docs?api=appointments", server.url))
        .await;
    b.wait_js(
        "the appointments operations",
        60,
        "return [...document.querySelectorAll('.opblock-summary-path')].some(e => e.textContent.includes('/api/v1/appointments/{id}/cancel'))",
    )
    .await;
    // The recorder counts policy violations from the page's first moment.
    let violations = b.js("return window.__consultTest.csp").await;
    assert_eq!(violations, serde_json::json!([]), "{violations}");
    let errors = b.logs().await;
    assert!(errors.iter().all(|l| !l.starts_with("error")), "{errors:?}");
    b.close().await;
}
