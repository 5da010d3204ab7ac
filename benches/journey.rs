//! Journey benchmark: bytes over the wire and call set-up time, each beside a peer measured in
//! the same run (call set-up beside PeerJS: its server and browser client, see
//! support/peerjs.rs). Writes its section of bench/results.md and of the README.
//!
//! `cargo bench --features ssr --bench journey` (scripts/bench.sh builds the widget first).
//! Needs chromium + chromedriver, and npm for the peer packages.

#[path = "support/peerjs.rs"]
mod peerjs;
#[path = "support/report.rs"]
mod report;
#[path = "../tests/support/mod.rs"]
mod support;

use std::io::Write;
use std::time::Duration;
use support::browser::{Browser, Driver};
use support::TestServer;

const RUNS: usize = 20;

/// Peer loaders and SDKs, pinned so runs compare like with like.
const PEERS: &[(&str, &str, &str)] = &[
    (
        "Whereby embed element",
        "@whereby.com/browser-sdk@3.30.3",
        "package/dist/cdn/v3-embed.js",
    ),
    (
        "Cal.com embed",
        "@calcom/embed-core@1.5.3",
        "package/dist/embed/embed.js",
    ),
    (
        "Daily call object",
        "@daily-co/daily-js@0.92.2",
        "package/dist/daily.js",
    ),
];

fn brotli(bytes: &[u8]) -> usize {
    brotli_bytes(bytes).len()
}

async fn sizes(server: &TestServer) -> String {
    // The plain files are served until the compressed copies are made (in the background).
    server.state.assets.wait_compressed().await;
    // reqwest without automatic decompression: we count what crosses the wire.
    let client = reqwest::Client::builder()
        .no_brotli()
        .no_gzip()
        .build()
        .unwrap();
    let (embed, enc) = support::bytes::wire(&client, &format!("{}/embed.js", server.url)).await;
    assert_eq!(enc, "br");
    // Each page is its own build: the booking frame, the call (a join link), the console.
    let (widget, booking_parts) =
        support::bytes::page_bytes(&server.url, &format!("/embed/booking?site={}", server.site))
            .await;
    let booked = server.book("Ada Lovelace").await;
    let (call, call_parts) =
        support::bytes::page_bytes(&server.url, booked.join_url.trim_start_matches(&server.url))
            .await;
    let (console, _) = support::bytes::page_bytes(&server.url, "/console").await;
    // Free its slot again: the call set-up below books the first one.
    server.cancel(&booked.meeting).await;
    let parts: Vec<String> = booking_parts
        .iter()
        .map(|(p, n)| format!("{p} {n}"))
        .collect();
    let call_parts: Vec<String> = call_parts.iter().map(|(p, n)| format!("{p} {n}")).collect();
    let mut out = String::new();
    out += "### Bytes over the wire (brotli)\n\n";
    out += "| what | bytes |\n|---|---:|\n";
    out += &format!("| Consult `embed.js` (the loader in the host page) | {embed} |\n");
    out +=
        &format!("| Consult booking frame (its own build): html + css + js + wasm | {widget} |\n");
    out += &format!("| Consult call page (join link; its own build) | {call} |\n");
    out += &format!("| Consult console (the full app) | {console} |\n");
    let dir = tempfile::tempdir().unwrap();
    for (name, package, file) in PEERS {
        let packed = std::process::Command::new("npm")
            .args(["pack", "--silent", package])
            .current_dir(dir.path())
            .output();
        let row = match packed {
            Ok(o) if o.status.success() => {
                let tgz = String::from_utf8_lossy(&o.stdout).trim().to_string();
                let untar = std::process::Command::new("tar")
                    .args(["xzf", &tgz, file])
                    .current_dir(dir.path())
                    .status()
                    .unwrap();
                assert!(untar.success(), "{package}: {file} not in the package");
                let bytes = std::fs::read(dir.path().join(file)).unwrap();
                format!(
                    "| peer: {name} (`{package}`, `{}`), brotli 11 | {} |\n",
                    file.trim_start_matches("package/"),
                    brotli(&bytes)
                )
            }
            _ => format!("| peer: {name} (`{package}`) | not measured: npm unavailable |\n"),
        };
        out += &row;
    }
    out += "\nWhat a host page itself loads is `embed.js` for Consult and the peers' loader files above \
            (Daily's is its whole call SDK); Consult's widget loads inside its iframe, on demand.\n";
    out += &format!("\nBooking frame parts: {}.\n", parts.join(", "));
    out += &format!("\nCall page parts: {}.\n", call_parts.join(", "));
    out
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    // Nearest rank.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

fn summary(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (percentile(&v, 50.0), percentile(&v, 95.0))
}

/// Poll this page's inbound video until a frame is decoded; returns `Date.now()` then.
const FIRST_FRAME: &str = "return (async () => {
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    for (const pc of window.__consultTest.pcs) {
      if (pc.connectionState === 'closed') continue;
      let decoded = 0;
      (await pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') decoded += s.framesDecoded || 0; });
      if (decoded > 0) return Date.now();
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return null;
})()";

/// One page, two RTCPeerConnections, offer/answer and candidates handed over in-page: the
/// floor any signaling server adds to. Returns ms from createOffer to the first decoded frame.
const FLOOR: &str = "return (async () => {
  const stream = window.__floorStream || (window.__floorStream = await navigator.mediaDevices.getUserMedia({video: true, audio: true}));
  const a = new RTCPeerConnection(), b = new RTCPeerConnection();
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
  const t0 = Date.now();
  stream.getTracks().forEach((t) => a.addTrack(t, stream));
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription);
  while (Date.now() - t0 < 30000) {
    let decoded = 0;
    (await b.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') decoded += s.framesDecoded || 0; });
    if (decoded > 0) { const ms = Date.now() - t0; a.close(); b.close(); return ms; }
    await new Promise((r) => setTimeout(r, 5));
  }
  return null;
})()";

/// Each step's first time after the click (ms), per side, one map per run: where the time of
/// a call's set-up goes (from the recorder's marks: WebSocket messages, camera, peer
/// connection events; see `tests/support/browser.rs`).
type Timeline = std::collections::BTreeMap<String, f64>;

async fn timeline(page: &Browser, clicked: f64) -> Timeline {
    let marks = page.js("return window.__consultTest.marks").await;
    let mut steps = Timeline::new();
    for m in marks.as_array().into_iter().flatten() {
        let (Some(what), Some(at)) = (m[0].as_str(), m[1].as_f64()) else {
            continue;
        };
        // The pings of an idle socket say nothing about the set-up.
        if at >= clicked && !what.contains("ping") && !what.contains("pong") {
            steps.entry(what.to_string()).or_insert(at - clicked);
        }
    }
    steps
}

/// The median of each step present in at least half the runs, earliest first.
fn median_timeline(runs: &[Timeline]) -> Vec<(String, f64)> {
    let mut all: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
    for run in runs {
        for (what, ms) in run {
            all.entry(what).or_default().push(*ms);
        }
    }
    let mut out: Vec<(String, f64)> = all
        .into_iter()
        .filter(|(_, v)| v.len() * 2 >= runs.len())
        .map(|(k, v)| (k.to_string(), median(v)))
        .collect();
    out.sort_by(|a, b| a.1.total_cmp(&b.1));
    out
}

async fn call_setup(
    server: &TestServer,
    customer: &Browser,
    agent: &Browser,
) -> (Vec<f64>, Vec<f64>, Vec<(String, f64)>, Vec<(String, f64)>) {
    agent.goto(&server.login_url().await).await;
    agent.find("main.console").await;
    let mut agent_ms = Vec::new();
    let mut customer_ms = Vec::new();
    let (mut agent_steps, mut customer_steps) = (Vec::new(), Vec::new());
    let mut previous = None;
    for _ in 0..RUNS + 1 {
        // A fresh meeting in the first slot each run: cancel the last one to free it.
        if let Some(m) = previous.take() {
            server.cancel(&m).await;
        }
        let booked = server.book("Bench Customer").await;
        previous = Some(booked.meeting.clone());
        agent.goto(&format!("{}/console", server.url)).await;
        customer.goto(&booked.join_url).await;
        customer.find("main[data-status=waiting]").await;
        let admit = agent.find("[data-action=admit]").await;
        agent
            .js("window.__clickAt = null; document.addEventListener('click', (e) => {
                   if (e.target.closest('[data-action=admit]')) window.__clickAt = Date.now(); }, true); return true")
            .await;
        let (customer_first, agent_first, _) = tokio::join!(
            customer.js(FIRST_FRAME),
            async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                agent.js(FIRST_FRAME).await
            },
            async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                admit.click().await.unwrap();
            }
        );
        let clicked = agent
            .js("return window.__clickAt")
            .await
            .as_f64()
            .expect("click time");
        let run = agent_ms.len();
        let (Some(agent_first), Some(customer_first)) =
            (agent_first.as_f64(), customer_first.as_f64())
        else {
            panic!(
                "run {run}: no decoded frame\nagent: {}\ncustomer: {}",
                agent.diagnose().await,
                customer.diagnose().await
            );
        };
        let a = agent_first - clicked;
        let c = customer_first - clicked;
        eprintln!("run {run}: agent {a} ms, customer {c} ms");
        agent_ms.push(a);
        customer_ms.push(c);
        agent_steps.push(timeline(agent, clicked).await);
        customer_steps.push(timeline(customer, clicked).await);
        customer
            .client
            .find(fantoccini::Locator::Css("button.leave"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // The first run warms caches (wasm compile, codecs); it is not counted.
    agent_ms.remove(0);
    customer_ms.remove(0);
    agent_steps.remove(0);
    customer_steps.remove(0);
    (
        agent_ms,
        customer_ms,
        median_timeline(&agent_steps),
        median_timeline(&customer_steps),
    )
}

async fn floor(server: &TestServer, page: &Browser) -> Vec<f64> {
    page.goto(&format!("{}/healthz", server.url)).await;
    let mut out = Vec::new();
    for i in 0..RUNS + 1 {
        let ms = page
            .js(FLOOR)
            .await
            .as_f64()
            .expect("floor run decoded a frame");
        if i > 0 {
            out.push(ms);
        }
    }
    out
}

/// Runs of the time-to-interactive measurement per network profile.
const TTI_RUNS: usize = 7;

/// From navigating to the host page to the booking form's first interactive render (the
/// frame's `consult:ready`, sent once the times are on screen), in a fresh profile each run
/// (cold cache). With `slow`: DevTools' "Slow 4G" (562.5 ms latency, 1.44 Mbit/s down,
/// 675 kbit/s up) and the CPU slowed 4×, through CDP; the iframe is same-site (loopback,
/// another port), so it runs in the page's process and is throttled with it.
async fn time_to_interactive(host_page: &str, driver: &Driver, slow: bool) -> Vec<f64> {
    let mut out = Vec::new();
    for _ in 0..TTI_RUNS {
        let b = driver.session().await;
        b.cdp("Network.enable", serde_json::json!({})).await;
        b.cdp(
            "Network.setCacheDisabled",
            serde_json::json!({ "cacheDisabled": true }),
        )
        .await;
        if slow {
            b.cdp(
                "Network.emulateNetworkConditions",
                serde_json::json!({ "offline": false, "latency": 562.5,
                    "downloadThroughput": 180_000, "uploadThroughput": 84_375 }),
            )
            .await;
            b.cdp(
                "Emulation.setCPUThrottlingRate",
                serde_json::json!({ "rate": 4 }),
            )
            .await;
        }
        b.cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            serde_json::json!({ "source": "addEventListener('consult:ready', () => { window.__readyAt = window.__readyAt || performance.now(); }, true);" }),
        )
        .await;
        b.goto(host_page).await;
        let ms = b
            .wait_js("consult:ready", 120, "return window.__readyAt")
            .await
            .as_f64()
            .unwrap();
        out.push(ms);
        b.close().await;
    }
    out
}

/// Brotli 11, as the server sends its files.
fn brotli_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        w.write_all(bytes).unwrap();
    }
    out
}

/// The booking form's floor: the same host page and loader (`embed.js`, from the floor's own
/// origin) opening an iframe whose HTML is a plain static form showing the same times, the
/// same stylesheet, no wasm; it sends `consult:ready` once parsed. Files brotli-compressed as
/// Consult serves its own. Returns the host page's address.
async fn static_form_floor(server: &TestServer) -> String {
    use axum::http::header;
    use axum::routing::get;
    let dist = consult::server::config::default_dist_dir();
    let embed = brotli_bytes(&std::fs::read(dist.join("embed.js")).unwrap());
    let css_name = std::fs::read_dir(&dist)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .find(|n| n.ends_with(".css"))
        .expect("the stylesheet");
    let css = brotli_bytes(&std::fs::read(dist.join(&css_name)).unwrap());
    let slots = server.slot_list().await;
    let mut times = String::new();
    for (i, slot) in slots.slots.iter().enumerate() {
        times += &format!(
            "<label class=\"slot\"><input type=\"radio\" name=\"slot\" value=\"{i}\"> {}</label>\n",
            slot.starts_at.format("%A %-d %B, %H:%M")
        );
    }
    let form = brotli_bytes(
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>Consult</title><link rel=\"stylesheet\" href=\"/floor.css\"></head><body>\
             <main class=\"consult\"><h1>Book a video consultation</h1><form>\
             <fieldset><legend>Choose a time</legend>{times}</fieldset>\
             <label for=\"name\">Name</label><input id=\"name\" name=\"name\" autocomplete=\"name\">\
             <label for=\"email\">E-mail address</label><input id=\"email\" name=\"email\" type=\"email\">\
             <button type=\"submit\" class=\"primary\">Book</button></form></main>\
             <script>parent.postMessage({{type: \"consult:ready\", version: 1, view: \"booking\"}}, \"*\");</script>\
             </body></html>"
        )
        .as_bytes(),
    );
    let br = |kind: &'static str, body: Vec<u8>| {
        move || {
            let body = body.clone();
            async move {
                (
                    [
                        (header::CONTENT_TYPE, kind),
                        (header::CONTENT_ENCODING, "br"),
                    ],
                    body,
                )
            }
        }
    };
    let floor = axum::Router::new()
        .route("/embed.js", get(br("text/javascript", embed)))
        .route("/floor.css", get(br("text/css", css)))
        .route("/embed/booking", get(br("text/html; charset=utf-8", form)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let floor_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, floor).await });
    let host = consult::server::demo::host_router(&floor_url, &server.site);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host_url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, host).await });
    host_url
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = TestServer::start().await;
        let sizes = sizes(&server).await;
        let driver = Driver::start();
        let customer = driver.session().await;
        let agent = driver.session().await;
        let (agent_ms, customer_ms, agent_steps, customer_steps) =
            call_setup(&server, &customer, &agent).await;
        // The same call set-up through PeerJS, in the same two browsers: the agent calls.
        let modules = peerjs::modules();
        let peerjs_server = peerjs::Process::peerjs(&modules);
        let (caller_ms, callee_ms) =
            peerjs::call_setup(&modules, &peerjs_server, &agent, &customer, RUNS).await;
        drop(peerjs_server);
        let floor_ms = floor(&server, &customer).await;
        let host_page = format!("{}/", server.host_url);
        let tti_fast = time_to_interactive(&host_page, &driver, false).await;
        let tti_slow = time_to_interactive(&host_page, &driver, true).await;
        let floor_page = static_form_floor(&server).await;
        let floor_fast = time_to_interactive(&floor_page, &driver, false).await;
        let floor_slow = time_to_interactive(&floor_page, &driver, true).await;
        customer.close().await;
        agent.close().await;

        let (a50, a95) = summary(agent_ms.clone());
        let (c50, c95) = summary(customer_ms.clone());
        let (f50, f95) = summary(floor_ms.clone());
        let (p50, p95) = summary(caller_ms.clone());
        let (q50, q95) = summary(callee_ms.clone());
        let peerjs = format!(
            "PeerJS (server `peer@{}` on Node {}, browser client `peerjs@{}`)",
            peerjs::version(&modules, "peer"),
            peerjs::node_version(),
            peerjs::version(&modules, "peerjs")
        );
        let chromium = std::process::Command::new("chromium").arg("--version").output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default();
        let mut md = String::new();
        md += &format!("Measured by `cargo bench --features ssr --bench journey` on {} ({}, {} cores), {chromium}, loopback, fake 640×480 camera and microphone, no STUN/TURN.\n\n",
            chrono::Utc::now().format("%Y-%m-%d"), std::env::consts::ARCH, std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0));
        md += &sizes;
        md += &format!("\n### Call set-up: agent clicks Admit (PeerJS: calls `peer.call`) → first decoded remote video frame ({RUNS} runs after one warm-up, nearest-rank percentiles)\n\n");
        md += "| what | p50 ms | p95 ms |\n|---|---:|---:|\n";
        md += &format!("| Consult, on the agent's side | {a50:.0} | {a95:.0} |\n");
        md += &format!("| Consult, on the customer's side | {c50:.0} | {c95:.0} |\n");
        md += &format!("| {peerjs}, on the caller's side | {p50:.0} | {p95:.0} |\n");
        md += &format!("| PeerJS, on the callee's side | {q50:.0} | {q95:.0} |\n");
        md += &format!("| floor: one page, two RTCPeerConnections, createOffer → first decoded frame | {f50:.0} | {f95:.0} |\n");
        md += "\nPeerJS: two pages with the PeerJS client (served from loopback) on a local PeerJS server with its default options, no STUN/TURN (`iceServers: []`), \
               each with camera and microphone on and connected before the clock starts; the callee answers with its camera and microphone. \
               Timed from `peer.call(…)` to the first decoded remote frame on each page, polling `getStats()` as for Consult. \
               PeerJS has no waiting room: Consult's time includes admission (the server's `joined`) before the offer, \
               and, before that, the console opening the agent's camera and entering the room (it starts the camera only \
               when the agent admits someone, so the camera light is never on outside a call).\n";
        md += &format!("\nRaw (ms): agent {agent_ms:?}; customer {customer_ms:?}; PeerJS caller {caller_ms:?}; PeerJS callee {callee_ms:?}; floor {floor_ms:?}.\n");
        let steps = |list: &[(String, f64)]| list.iter().map(|(k, v)| format!("{k} {v:.0}")).collect::<Vec<_>>().join(" → ");
        md += &format!("\nWhere Consult's time goes (median ms after the click of each step's first occurrence; `sent`/`got` are WebSocket messages by type, `remote`/`local` the peer connection's descriptions, `pc …` its state): \
                        agent: {}; customer: {}.\n", steps(&agent_steps), steps(&customer_steps));
        md += &format!("\n### Booking form: host page navigation → the form's first interactive render (median of {TTI_RUNS}, cold cache)\n\n");
        md += "| network and CPU | Consult median ms | floor median ms | Consult ÷ floor | Consult runs ms | floor runs ms |\n|---|---:|---:|---:|---|---|\n";
        for (what, consult_runs, floor_runs) in [
            ("unthrottled (loopback)", &tti_fast, &floor_fast),
            ("DevTools Slow 4G (562.5 ms, 1.44 Mbit/s down) and 4× CPU slowdown", &tti_slow, &floor_slow),
        ] {
            let (c, f) = (median(consult_runs.clone()), median(floor_runs.clone()));
            md += &format!("| {what} | {c:.0} | {f:.0} | {:.2} | {consult_runs:.0?} | {floor_runs:.0?} |\n", c / f);
        }
        md += "\nFrom `performance.now()` on the host page (navigation start) to the frame's `consult:ready` event, which the form sends once the site's times are rendered \
               and can be chosen: embed.js, the iframe's html, css, js and wasm (compiled and instantiated), the slots server function, the first render. A fresh Chromium profile per run, the cache disabled. \
               Floor: the same host page and loader opening an iframe whose HTML is a plain static form with the same times and stylesheet, no wasm, sending `consult:ready` once parsed (brotli-compressed files, as Consult serves).\n";
        println!("{md}");
        report::publish("journey", "Journey", &md);
    });
}
