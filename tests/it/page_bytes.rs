//! What each page costs a visitor, over the wire (brotli, as the server sends it): the page
//! and every file it loads from this origin (css, js, wasm). The booking frame and the call's
//! pages are their own builds; these budgets stop either from growing unnoticed (a size
//! check, not a timing: the numbers are bytes).

use crate::support;

use support::bytes::page_bytes;
use support::TestServer;

/// The booking frame's budget now. Issue 16's goal is 100 KB; the frame is its own build
/// (a third of the full app) and the rest is the work of that issue (README, "Bytes").
/// Raised from 180,000 for paging the calendar on past the first list of times (about
/// 3.4 KB: Leptos effects and signals are dear in code), which lets customers book every
/// day of a site's horizon.
pub const BOOKING_BUDGET: usize = 184_000;

/// The call page's budget now (issue 16's goal: 170 KB). Raised from 300,000 for recording
/// (issue 18: the recorder, its canvas, sound mix and uploads, the notice every page shows
/// and the host's controls; about 13 KB, carried by every call page since the wasm is one
/// build; issue 16's split would load it for recording hosts only).
pub const CALL_BUDGET: usize = 306_000;

#[tokio::test]
async fn the_booking_frame_and_the_call_page_stay_within_their_budgets() {
    let server = TestServer::start().await;
    server.state.assets.wait_compressed().await;
    let (booking, parts) =
        page_bytes(&server.url, &format!("/embed/booking?site={}", server.site)).await;
    assert!(
        parts
            .iter()
            .any(|(p, _)| p.starts_with("/widget/booking/") && p.ends_with(".wasm")),
        "the booking frame loads its own build: {parts:?}"
    );
    assert!(
        booking <= BOOKING_BUDGET,
        "booking frame: {booking} bytes: {parts:?}"
    );
    let booked = server.book("Ada Lovelace").await;
    let join = booked.join_url.trim_start_matches(&server.url).to_string();
    let (call, parts) = page_bytes(&server.url, &join).await;
    assert!(
        parts
            .iter()
            .any(|(p, _)| p.starts_with("/widget/call/") && p.ends_with(".wasm")),
        "the call page loads its own build: {parts:?}"
    );
    assert!(call <= CALL_BUDGET, "call page: {call} bytes: {parts:?}");
    // Neither loads the full app (the console's).
    let (_, full) = page_bytes(&server.url, "/console").await;
    let full_wasm = full.iter().find(|(p, _)| p.ends_with(".wasm")).unwrap().1;
    assert!(
        booking < full_wasm && call < full_wasm,
        "{booking} {call} {full_wasm}"
    );
}
