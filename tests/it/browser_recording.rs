//! Recording in Chromium with fake devices: the host of a room that may be recorded records a
//! two-way call; everyone's page says so before anything is recorded; the chunks go up as
//! they are made (and, cut off for a while, once the network is back) and become one WebM
//! with a picture and sound of about the call's length.
//! In `local` mode the file downloads to the host's computer and nothing is uploaded.

use crate::support;

use serde_json::{json, Value};
use std::time::Duration;
use support::browser::{Browser, Driver};
use support::TestServer;

/// Note, in the page, when a recording notice first appears (the page's clock, ms).
const WATCH_NOTICE: &str = "window.__recSeen = null;
    const seen = () => { if (!window.__recSeen && document.querySelector('[data-recording]'))
        window.__recSeen = Date.now(); };
    new MutationObserver(seen).observe(document.body, { subtree: true, childList: true });
    seen();
    return true;";

/// A host and a guest in a call of a room recorded as `options` say.
async fn call(server: &TestServer, driver: &Driver, options: &str) -> (String, Browser, Browser) {
    let (room, links) = server
        .rooms_api_room_with(false, false, Some(options))
        .await;
    let host = driver.session().await;
    let guest = driver.session().await;
    host.goto(&format!("{}&displayName=Dr.%20Host", links.host))
        .await;
    host.find("main[data-status=in-call]").await;
    guest
        .goto(&format!("{}?displayName=Ada", links.guest))
        .await;
    guest.find("main[data-status=in-call]").await;
    guest.js(WATCH_NOTICE).await;
    host.assert_receiving_video("host").await;
    guest.assert_receiving_video("guest").await;
    guest.assert_receiving_audio("guest").await;
    (room.id, host, guest)
}

/// The recording of a room, as stored: (id, mode, state, bytes, started_at ms).
async fn recording_of(
    server: &TestServer,
    room: &str,
) -> Option<(String, String, String, i64, i64)> {
    sqlx::query_as("SELECT id, mode, state, bytes, started_at FROM recordings WHERE room_id = $1")
        .bind(room)
        .fetch_optional(server.state.store.pool())
        .await
        .unwrap()
}

/// How many chunks of the room's recording the server has.
async fn next_chunk(server: &TestServer, room: &str) -> i64 {
    sqlx::query_scalar("SELECT next_chunk FROM recordings WHERE room_id = $1")
        .bind(room)
        .fetch_one(server.state.store.pool())
        .await
        .unwrap()
}

/// Wait until the room's recording is in `state`.
async fn wait_state(
    server: &TestServer,
    room: &str,
    state: &str,
) -> (String, String, String, i64, i64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(r) = recording_of(server, room).await.filter(|r| r.2 == state) {
            return r;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the recording never became {state}: {:?}",
            recording_of(server, room).await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// What ffprobe finds in a file: its streams' kinds and its duration in seconds.
fn probe(file: &std::path::Path) -> (Vec<String>, f64) {
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type:format=duration",
        ])
        .args(["-of", "json"])
        .arg(file)
        .output()
        .expect("ffprobe (Debian's ffmpeg; scripts/setup.sh installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let kinds = v["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["codec_type"].as_str().unwrap_or("").to_string())
        .collect();
    let duration = v["format"]["duration"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or(0.0);
    (kinds, duration)
}

#[tokio::test]
async fn a_two_way_call_is_recorded_in_the_cloud_after_everyone_was_told() {
    let server = TestServer::start().await;
    let driver = Driver::start();
    let (room, host, guest) = call(
        &server,
        &driver,
        r#"{"type":"cloud","startTrigger":"prompt"}"#,
    )
    .await;
    // Nobody records yet; only the host has the control, and is asked (`prompt`).
    assert!(recording_of(&server, &room).await.is_none());
    assert_eq!(
        guest
            .js("return document.querySelectorAll('[data-action^=record]').length")
            .await,
        json!(0)
    );
    host.find("[data-action=record][aria-pressed=false]").await;
    // From before the recording can start to after it was stopped: the longest the file
    // can be, however slowly this machine runs the checks in between.
    let asked = std::time::Instant::now();
    host.click("[data-action=record-yes]").await;
    guest.find("[data-recording=started]").await;
    host.find("[data-recording=started]").await;
    let text = guest.find("[data-recording]").await.text().await.unwrap();
    assert!(text.contains("Dr. Host is recording this call"), "{text}");
    // Said where screen readers hear it; every control named.
    assert_eq!(
        guest
            .js("return document.querySelector('[data-recording]').closest('[aria-live]')?.getAttribute('role')")
            .await,
        json!("status")
    );
    host.axe("recording, host").await;
    guest.axe("recording, guest").await;
    // About twelve seconds of call, its uploads cut for seven of them: the chunks made
    // meanwhile wait in the page and go up once the network is back.
    tokio::time::sleep(Duration::from_secs(2)).await;
    host.cdp("Network.enable", json!({})).await;
    host.cdp("Network.setBlockedURLs", json!({ "urls": ["*/chunks/*"] }))
        .await;
    let cut = next_chunk(&server, &room).await;
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert_eq!(next_chunk(&server, &room).await, cut, "uploads were cut");
    host.cdp("Network.setBlockedURLs", json!({ "urls": [] }))
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    host.click("[data-action=record][aria-pressed=true]").await;
    let longest = asked.elapsed().as_secs_f64();
    guest
        .wait_js(
            "the recording notice to go",
            30,
            "return !document.querySelector('[data-recording]')",
        )
        .await;
    let (id, mode, _, bytes, started_at) = wait_state(&server, &room, "ready").await;
    assert_eq!(mode, "cloud");
    assert!(bytes > 50_000, "{bytes} bytes");
    // Told before anything was recorded: both pages, the guest's notice on her screen
    // before the recording (and so its first chunk, refused until then) began.
    let told = server.state.store.recording_consents(&id).await.unwrap();
    let names: Vec<&str> = told.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names.contains(&"Dr. Host") && names.contains(&"Ada"),
        "{names:?}"
    );
    assert!(told.iter().all(|t| t.at.timestamp_millis() <= started_at));
    let seen = guest.js("return window.__recSeen").await.as_i64().unwrap();
    assert!(
        seen <= started_at,
        "seen at {seen}, started at {started_at}"
    );
    // One WebM with a picture and sound, about as long as the call was recorded.
    let company = server.company().await;
    let file = server
        .data_dir()
        .join("recordings")
        .join(&company)
        .join(format!("{id}.webm"));
    assert_eq!(std::fs::metadata(&file).unwrap().len() as i64, bytes);
    let (kinds, duration) = probe(&file);
    assert!(kinds.contains(&"video".to_string()), "{kinds:?}");
    assert!(kinds.contains(&"audio".to_string()), "{kinds:?}");
    // At least the twelve seconds slept (less a little at each end), at most the time
    // between asking and stopping (with a second for the last chunk's frames).
    assert!(
        (9.0..longest + 1.0).contains(&duration),
        "{duration} s, recorded within {longest} s"
    );
    host.close().await;
    guest.close().await;
}

/// With `CONSULT_SHOTS=DIR`, save how a page looks now at `width` (for people to look at).
async fn shot(b: &Browser, name: &str, width: u32) {
    let Ok(dir) = std::env::var("CONSULT_SHOTS") else {
        return;
    };
    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600 }),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let png = b
        .cdp("Page.captureScreenshot", json!({ "format": "png" }))
        .await;
    let bytes = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        png["data"].as_str().unwrap(),
    )
    .unwrap();
    std::fs::write(
        std::path::Path::new(&dir).join(format!("{name}.png")),
        bytes,
    )
    .unwrap();
}

#[tokio::test]
async fn a_local_recording_downloads_and_uploads_nothing() {
    let server = TestServer::start().await;
    let driver = Driver::start();
    let (room, host, guest) = call(
        &server,
        &driver,
        r#"{"type":"local","startTrigger":"automatic"}"#,
    )
    .await;
    // Automatic: it started as the host entered, once both pages had shown the notice.
    let downloads = tempfile::tempdir().unwrap();
    host.cdp(
        "Browser.setDownloadBehavior",
        json!({ "behavior": "allow", "downloadPath": downloads.path() }),
    )
    .await;
    host.find("[data-recording=started]").await;
    guest.find("[data-recording=started]").await;
    shot(&host, "recording-host-desktop", 1280).await;
    shot(&guest, "recording-guest-phone", 390).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    host.click("[data-action=record][aria-pressed=true]").await;
    host.wait_js(
        "the saved notice",
        30,
        "return document.querySelector('.notice')?.textContent.includes('saved on this computer')",
    )
    .await;
    let (id, mode, _, bytes, _) = wait_state(&server, &room, "stopped").await;
    assert_eq!((mode.as_str(), bytes), ("local", 0));
    // Nothing under the data folder; the file is on the host's computer.
    let company = server.company().await;
    let folder = server.data_dir().join("recordings").join(&company);
    assert!(
        !folder.join(format!("{id}.webm")).exists() && !folder.join(format!("{id}.part")).exists()
    );
    let file = downloads.path().join(format!("recording-{id}.webm"));
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !file.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "no download in {downloads:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (kinds, _) = probe(&file);
    assert!(kinds.contains(&"video".to_string()), "{kinds:?}");
    host.close().await;
    guest.close().await;
}
