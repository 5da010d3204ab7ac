//! What a person sees, kept as a visual check: the booking form at a phone's and a desktop's
//! width, light and dark; the waiting room on a phone; the console with someone waiting and the
//! call on both sides. Compared with approved screenshots in `tests/visual/` (tolerance and
//! approval: `tests/support/visual.rs`).

use crate::support;

use base64::Engine;
use serde_json::json;
use support::browser::{Browser, Driver};
use support::{visual, TestServer};

/// Choose a whole working day whatever the hour: the month (this or the next) with more
/// free days, and the middle one of them (neither today nor the horizon's last day).
const CHOOSE_A_FULL_DAY: &str = r#"return (async () => {
const free = () => [...document.querySelectorAll('td.free')];
const here = free().length;
const [, next] = document.querySelectorAll('button.month-nav');
if (here < 3 && next && !next.disabled) {
  next.click();
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  if (free().length <= here) document.querySelectorAll('button.month-nav')[0].click();
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
}
const days = free();
const day = days[Math.floor(days.length / 2)];
day.click();
return day.id;
})();"#;

/// Dates move every day, the form's look does not: hide the month's days, its name and the
/// chosen day's name (their places kept) and hold the grid at six weeks' height, so the check
/// compares the form rather than the calendar of the day it runs (a month of five weeks or
/// six, which days are free). What the calendar says is checked by the booking tests.
const STEADY_DATES: &str = "document.querySelectorAll('.calendar tbody, #month-label, .day-name')
  .forEach((e) => { e.style.visibility = 'hidden'; });
const t = document.querySelector('.calendar table');
if (t) t.style.height = '18rem';
return true;";

/// The lowest contrast ratio (WCAG) of the form's error texts against the page's ground.
const LOWEST_ERROR_CONTRAST: &str = "const lum = (c) => {
  const [r, g, b] = c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map((v) => {
    v = v / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
const ground = lum(getComputedStyle(document.body).backgroundColor);
const ratios = [...document.querySelectorAll('.error, .form-error')]
  .filter((e) => e.textContent.trim())
  .map((e) => { const [a, b] = [lum(getComputedStyle(e).color), ground].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05); });
return Math.min(...ratios);";

/// Emulate a device's width and height.
async fn device(b: &Browser, width: u32, height: u32, mobile: bool) {
    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile }),
    )
    .await;
}

/// The page as it is now, as PNG. Videos are hidden first (their place and frame stay): a
/// camera's picture is never the same twice.
async fn screenshot(b: &Browser) -> Vec<u8> {
    b.js("document.activeElement?.blur(); \
          document.querySelectorAll('video').forEach(v => v.style.visibility = 'hidden'); \
          return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));")
        .await;
    let shot = b
        .cdp("Page.captureScreenshot", json!({ "format": "png" }))
        .await;
    base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().expect("screenshot data"))
        .expect("base64")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_room_console_and_call_look_as_approved() {
    let server = TestServer::start().await;
    let booked = server.book("Ada Lovelace").await;
    let driver = Driver::start();
    let customer = driver.session().await;
    let agent = driver.session().await;
    device(&customer, 390, 844, true).await;
    device(&agent, 1280, 860, false).await;

    customer.wait_in_room(&booked.join_url).await;
    customer
        .wait_js(
            "the camera preview",
            20,
            "const v = document.querySelector('[data-self-video]'); return v && v.readyState >= 2",
        )
        .await;
    visual::check("waiting-phone", &screenshot(&customer).await);

    agent.goto(&server.login_url().await).await;
    agent
        .find("[data-action=admit][aria-label='Admit Ada Lovelace']")
        .await;
    visual::check("console-waiting-desktop", &screenshot(&agent).await);

    agent.admit("Ada Lovelace").await;
    agent.assert_decoding_videos("agent", 1).await;
    customer.assert_decoding_videos("customer", 1).await;
    visual::check("call-agent-desktop", &screenshot(&agent).await);
    visual::check("call-customer-phone", &screenshot(&customer).await);
    customer.close().await;
    agent.close().await;
}

#[tokio::test]
async fn the_booking_form_looks_as_approved_on_phones_and_desktops_light_and_dark() {
    let server = TestServer::start().await;
    let driver = Driver::start();
    let b = driver.session().await;
    for (kind, width, height, mobile) in [("phone", 390, 844, true), ("desktop", 1280, 860, false)]
    {
        device(&b, width, height, mobile).await;
        for theme in ["light", "dark"] {
            b.goto(&format!(
                "{}/embed/booking?site={}&theme={theme}",
                server.url,
                server.site.as_str()
            ))
            .await;
            b.find("td.free").await;
            let day = b.js(CHOOSE_A_FULL_DAY).await;
            let day = day.as_str().expect("a free day");
            b.wait_js(
                "the chosen day's times",
                10,
                &format!(
                    "return document.querySelector('td.selected')?.id === '{day}' \
                     && document.querySelectorAll('label.slot').length > 0"
                ),
            )
            .await;
            b.js("window.scrollTo(0, 0)").await;
            b.js(STEADY_DATES).await;
            let png = screenshot(&b).await;
            visual::check(&format!("booking-{kind}-{theme}"), &png);
            // The errors of an empty form read well on either ground (axe leaves some of
            // these to a person: measured here, each error's words against the page).
            b.click("form button[type=submit]").await;
            b.wait_js(
                "the form's errors",
                10,
                "return [...document.querySelectorAll('.error')].some((e) => e.textContent.trim())",
            )
            .await;
            let worst = b.js(LOWEST_ERROR_CONTRAST).await.as_f64().unwrap_or(0.0);
            assert!(
                worst >= 4.5,
                "{kind} {theme}: an error's contrast is {worst:.2}"
            );
        }
    }
    b.close().await;
}

/// A PNG of `w`×`h` grey pixels, with a black square at (x, y) of edge `s`.
fn image(w: u32, h: u32, square: Option<(u32, u32, u32)>) -> Vec<u8> {
    let mut data = vec![200u8; (w * h) as usize];
    if let Some((x0, y0, s)) = square {
        for y in y0..y0 + s {
            for x in x0..x0 + s {
                data[(y * w + x) as usize] = 0;
            }
        }
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header().unwrap().write_image_data(&data).unwrap();
    out
}

#[test]
fn small_changes_pass_and_moved_blocks_do_not() {
    let base = image(160, 160, Some((0, 0, 16)));
    assert_eq!(visual::difference(&base, &base), 0.0);
    // A 16-pixel square moved: 8 of 400 blocks change (2 %).
    let moved = image(160, 160, Some((16, 0, 16)));
    assert!((visual::difference(&base, &moved) - 0.02).abs() < 1e-9);
    // A big square appears: a layout change.
    let big = image(160, 160, Some((0, 0, 64)));
    assert!(visual::difference(&base, &big) > visual::TOLERANCE);
    // A taller page: the extra rows count as changed.
    let taller = image(160, 200, Some((0, 0, 16)));
    assert!((visual::difference(&base, &taller) - 0.2).abs() < 1e-9);
}
