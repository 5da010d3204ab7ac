//! PeerJS, the peer of the signaling benchmarks: where its pinned packages are installed (npm
//! `peer`, the server, and `peerjs`, the browser client; versions pinned in scripts/setup.sh),
//! servers as child processes whose CPU time and memory can be read, and call set-up in
//! Chromium through the PeerJS browser client.
#![allow(dead_code)]

use crate::support::browser::Browser;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The pinned PeerJS packages' `node_modules`, installed by scripts/setup.sh (`setup_peerjs`,
/// idempotent: npm runs only when a package or version is missing).
pub fn modules() -> PathBuf {
    let root = &consult::server::config::source_dir();
    let out = Command::new("bash")
        .arg("-c")
        .arg(". scripts/setup.sh && setup_peerjs && printf %s \"$CONSULT_PEERJS\"")
        .current_dir(root)
        .stderr(Stdio::inherit())
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "could not install PeerJS (needs node and npm): `. scripts/setup.sh; setup_peerjs`"
    );
    PathBuf::from(String::from_utf8(out.stdout).expect("a path"))
}

/// The installed version of an npm package.
pub fn version(modules: &Path, package: &str) -> String {
    let json = std::fs::read_to_string(modules.join(package).join("package.json"))
        .unwrap_or_else(|e| panic!("{package}: {e}"));
    let v: serde_json::Value = serde_json::from_str(&json).expect("package.json");
    v["version"].as_str().expect("a version").to_string()
}

/// `node --version`.
pub fn node_version() -> String {
    Command::new("node")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

pub use crate::support::process::free_port;

/// A server running as a child process in a process group of its own; dropping it kills the
/// group.
pub struct Process {
    child: Child,
    /// Its loopback port.
    pub port: u16,
}

impl Process {
    /// Start `command` and wait until it listens on `port`.
    pub fn start(mut command: Command, port: u16, what: &str) -> Process {
        use std::os::unix::process::CommandExt;
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("{what} starts: {e}"));
        let mut process = Process { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = process.child.try_wait().unwrap() {
                panic!("{what} exited: {status}");
            }
            assert!(Instant::now() < deadline, "{what} did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        process
    }

    /// The PeerJS server with its stock command line and default options, on loopback.
    pub fn peerjs(modules: &Path) -> Process {
        let port = free_port();
        let mut command = Command::new("node");
        command.arg(modules.join("peer/dist/bin/peerjs.js")).args([
            "--port",
            &port.to_string(),
            "--host",
            "127.0.0.1",
        ]);
        Process::start(command, port, "the PeerJS server (node)")
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// CPU time used so far, user + system, all threads (`/proc/<pid>/stat`), in seconds.
    pub fn cpu_seconds(&self) -> f64 {
        cpu_seconds_of(self.pid())
    }

    /// Resident memory (`VmRSS` of `/proc/<pid>/status`), in KiB.
    pub fn rss_kb(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &group])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CPU time the process `pid` used so far, user + system, all threads (`/proc/<pid>/stat`),
/// in seconds.
pub fn cpu_seconds_of(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    // Fields after the command name (which may hold spaces): state is field 3, utime 14,
    // stime 15.
    let rest: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..]
        .split_whitespace()
        .collect();
    let ticks: u64 = rest[11].parse::<u64>().unwrap() + rest[12].parse::<u64>().unwrap();
    ticks as f64 / clock_ticks() as f64
}

/// Clock ticks per second (`getconf CLK_TCK`).
pub fn clock_ticks() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        let out = Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .expect("getconf runs");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("CLK_TCK")
    })
}

/// The call page: the PeerJS browser client against the local PeerJS server, camera and
/// microphone on before anything is measured, every incoming call answered with them. The
/// remote video plays in a `<video>` element, as in Consult's call.
const PAGE: &str = r#"<!doctype html>
<html lang="en"><meta charset="utf-8"><title>PeerJS call</title>
<video id="remote" autoplay playsinline muted></video>
<script src="/peerjs.min.js"></script>
<script>
const q = new URLSearchParams(location.search);
const remote = document.getElementById('remote');
window.bench = { ready: false, error: null };
// Journey's method: poll the page's inbound video until a frame is decoded (peer connections
// from `base` on: the earlier runs' are closed); returns Date.now() then.
window.firstFrame = async (base) => {
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    for (const pc of window.__consultTest.pcs.slice(base)) {
      if (pc.connectionState === 'closed') continue;
      let decoded = 0;
      (await pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') decoded += s.framesDecoded || 0; });
      if (decoded > 0) return Date.now();
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return null;
};
navigator.mediaDevices.getUserMedia({ video: true, audio: true }).then((stream) => {
  const peer = new Peer(q.get('id'), {
    host: '127.0.0.1', port: Number(q.get('port')), path: '/', key: 'peerjs', secure: false,
    config: { iceServers: [] }, debug: 0,
  });
  bench.peer = peer;
  bench.stream = stream;
  peer.on('open', () => { bench.ready = true; });
  peer.on('error', (e) => { bench.error = String((e && e.type) || e); });
  peer.on('call', (call) => {
    bench.call = call;
    call.on('stream', (s) => { remote.srcObject = s; });
    call.answer(stream);
  });
}, (e) => { bench.error = String(e); });
</script>
</html>
"#;

/// Serve the call page and the PeerJS browser client (its own `dist/peerjs.min.js`) on a
/// loopback port; returns the page's URL.
async fn serve_page(modules: &Path) -> String {
    use axum::http::header::CONTENT_TYPE;
    use axum::routing::get;
    let client = axum::body::Bytes::from(
        std::fs::read(modules.join("peerjs/dist/peerjs.min.js")).expect("peerjs.min.js"),
    );
    let app = axum::Router::new()
        .route("/", get(|| async { ([(CONTENT_TYPE, "text/html")], PAGE) }))
        .route(
            "/peerjs.min.js",
            get(move || {
                let client = client.clone();
                async move { ([(CONTENT_TYPE, "text/javascript")], client) }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// Call set-up through PeerJS: `caller` calls `callee` (each page already has its camera and
/// microphone and is connected to the PeerJS server); from `peer.call(…)` to the first decoded
/// remote video frame, on each side, in ms. `runs` measured runs after one warm-up.
pub async fn call_setup(
    modules: &Path,
    server: &Process,
    caller: &Browser,
    callee: &Browser,
    runs: usize,
) -> (Vec<f64>, Vec<f64>) {
    let page = serve_page(modules).await;
    let ids = [
        consult::server::tokens::new_id(),
        consult::server::tokens::new_id(),
    ];
    for (browser, id) in [(caller, &ids[0]), (callee, &ids[1])] {
        browser
            .client
            .goto(&format!("{page}?id={id}&port={}", server.port))
            .await
            .unwrap();
        let ready = browser
            .wait_js(
                "the PeerJS client to connect",
                30,
                "return window.bench && (window.bench.ready || window.bench.error)",
            )
            .await;
        assert_eq!(ready, serde_json::json!(true), "PeerJS page: {ready}");
    }
    let callee_id = &ids[1];
    let mut caller_ms = Vec::new();
    let mut callee_ms = Vec::new();
    for run in 0..runs + 1 {
        let count = "return window.__consultTest.pcs.length";
        let (caller_base, callee_base) = (caller.js(count).await, callee.js(count).await);
        let wait_callee = format!("return window.firstFrame({callee_base})");
        let (callee_first, timed) = tokio::join!(callee.js(&wait_callee), async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            caller
                    .js(&format!(
                        "return (async () => {{
                           const t0 = Date.now();
                           const call = bench.peer.call('{callee_id}', bench.stream);
                           bench.call = call;
                           call.on('stream', (s) => {{ document.getElementById('remote').srcObject = s; }});
                           return [t0, await window.firstFrame({caller_base})];
                         }})()"
                    ))
                    .await
        });
        let (Some(t0), Some(caller_first), Some(callee_first)) =
            (timed[0].as_f64(), timed[1].as_f64(), callee_first.as_f64())
        else {
            panic!(
                "PeerJS run {run}: no decoded frame\ncaller: {}\ncallee: {}",
                caller.diagnose().await,
                callee.diagnose().await
            );
        };
        let (a, b) = (caller_first - t0, callee_first - t0);
        eprintln!("PeerJS run {run}: caller {a} ms, callee {b} ms");
        caller_ms.push(a);
        callee_ms.push(b);
        for b in [caller, callee] {
            b.js("bench.call && bench.call.close(); return true").await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // The first run warms caches (codecs); it is not counted.
    caller_ms.remove(0);
    callee_ms.remove(0);
    (caller_ms, callee_ms)
}
