//! Signaling benchmark: Consult's `/signal` relay beside the PeerJS server (npm `peer`), both
//! measured in the same run on the same machine, each as its own process: relayed messages per
//! server CPU-second and round-trip time for 200 B and 4 KB messages, and memory per idle
//! WebSocket. (Call set-up through PeerJS, in Chromium, is measured beside Consult's in the
//! journey benchmark.) Writes its section of bench/results.md and of the README.
//!
//! `cargo bench --features ssr --bench signaling` (scripts/bench.sh runs it). Needs node and
//! npm: the pinned PeerJS packages are installed by scripts/setup.sh (`setup_peerjs`), which
//! this runs when they are missing.

#[path = "support/peerjs.rs"]
mod peerjs;
#[path = "support/relay.rs"]
mod relay;
#[path = "support/report.rs"]
mod report;
#[path = "../tests/support/mod.rs"]
mod support;

use consult::server::tokens::new_id;
use futures::{FutureExt, StreamExt};
use peerjs::Process;
use relay::{
    consult_ws, peerjs_ws, relay, seed_meeting, Relay, Server, Ws, PAIRS, RATE, RTT_GAP,
    RTT_SAMPLES, RTT_WARM_UP, SIZES, WARM_UP, WINDOW,
};
use std::path::Path;
use std::time::Duration;
use support::TestServer;

/// Idle WebSockets opened to measure memory.
const IDLE: usize = 1000;

/// Memory of `IDLE` idle WebSockets: `(VmRSS before, VmRSS after)` in KiB. Consult's are
/// opened to `/signal` and send nothing; PeerJS's are registered with an id (`OPEN` received)
/// and send nothing.
async fn idle_memory(server: Server, process: &Process) -> (u64, u64) {
    let port = process.port;
    let open = move |_| async move {
        match server {
            Server::Consult => consult_ws(port).await,
            Server::PeerJs => peerjs_ws(port, &new_id()).await,
        }
    };
    // Warm up: what the first connections set up once is not per connection.
    let warm: Vec<Ws> = futures::stream::iter(0..20)
        .map(open)
        .buffer_unordered(10)
        .collect()
        .await;
    drop(warm);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = process.rss_kb();
    let mut conns: Vec<Ws> = futures::stream::iter(0..IDLE)
        .map(open)
        .buffer_unordered(10)
        .collect()
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = process.rss_kb();
    // Every one still open and quiet.
    for ws in &mut conns {
        if let Some(m) = ws.next().now_or_never() {
            panic!("{server:?}: an idle connection got {m:?}");
        }
    }
    (before, after)
}

/// Open files this process may have (`ulimit -n`).
fn open_files_limit() -> u64 {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| {
            l.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(1024)
}

fn main() {
    let limit = open_files_limit();
    assert!(
        limit > IDLE as u64 + 200,
        "`ulimit -n` is {limit}: {IDLE} idle connections need more (ulimit -n 4096)"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let modules = peerjs::modules();
        // Meetings (one per pair) written into a data folder by an in-process server; the
        // measured Consult is the release binary on that folder, a process of its own.
        let seed = TestServer::start().await;
        let mut meetings = Vec::new();
        for i in 0..PAIRS {
            meetings.push(seed_meeting(&seed, i).await);
        }
        let consult = |data: &Path| {
            let port = peerjs::free_port();
            let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_consult"));
            command
                .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
                .arg(data)
                .arg("--dist")
                .arg(consult::server::config::default_dist_dir())
                .env("RUST_LOG", "warn");
            Process::start(command, port, "consult serve")
        };

        let server = consult(seed.data_dir());
        let consult_relay = relay(
            Server::Consult,
            &|| server.cpu_seconds(),
            (server.port, server.port),
            &meetings,
        )
        .await;
        drop(server);
        let server = Process::peerjs(&modules);
        let peerjs_relay = relay(
            Server::PeerJs,
            &|| server.cpu_seconds(),
            (server.port, server.port),
            &meetings,
        )
        .await;
        drop(server);
        let consult_idle = idle_memory(Server::Consult, &consult(seed.data_dir())).await;
        let peerjs_idle = idle_memory(Server::PeerJs, &Process::peerjs(&modules)).await;

        let peer_version = peerjs::version(&modules, "peer");
        let node = peerjs::node_version();
        let mut md = String::new();
        md += &format!(
            "Measured by `cargo bench --features ssr --bench signaling` on {} ({}, {} cores, shared by the server and the load generator), loopback. \
             Consult: the `consult serve` release binary. PeerJS: its server, npm `peer@{peer_version}`, started with its own CLI (`peerjs --port P --host 127.0.0.1`, default options) on Node {node}. \
             Each server is a process of its own; its CPU time is user + system from `/proc/<pid>/stat`, its memory `VmRSS` from `/proc/<pid>/status`.\n\n",
            chrono::Utc::now().format("%Y-%m-%d"),
            std::env::consts::ARCH,
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
        );
        md += "### Relay: messages per server CPU-second and round trip\n\n";
        md += "| message | Consult msgs per CPU-s | CPU % | round trip p50 ms | p99 ms | PeerJS msgs per CPU-s | CPU % | round trip p50 ms | p99 ms |\n";
        md += "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
        for (i, size) in SIZES.iter().enumerate() {
            let cell = |r: &Relay| {
                let (p50, p99, l) = &r.rows[i];
                format!(
                    "{:.0} | {:.0} | {p50:.2} | {p99:.2}",
                    l.per_cpu_second(),
                    100.0 * l.cpu_seconds / l.wall_seconds
                )
            };
            md += &format!(
                "| {size} B ICE candidate | {} | {} |\n",
                cell(&consult_relay),
                cell(&peerjs_relay)
            );
        }
        let conns = 2 * PAIRS;
        md += &format!(
            "\nLoad, the same for both: {PAIRS} pairs ({conns} WebSockets, each pair one Consult meeting with host and guest admitted, or two PeerJS ids), \
             every WebSocket sending {RATE} messages/s to its partner ({} messages/s in all, under Consult's limit of 50/s per connection), starts spread evenly over one period, \
             {} s per size after a {} s warm-up; a message counts when the partner has received it, and every message sent was received (none refused, none lost). \
             PeerJS clients also send the `HEARTBEAT` its browser client sends every 5 s (without it the server drops them after 60 s); Consult's widget sends no keep-alive. \
             Messages per CPU-second: messages relayed in the window divided by the server's CPU time over it; CPU % of one core.\n",
            conns as u64 * RATE,
            WINDOW.as_secs(),
            WARM_UP.as_secs()
        );
        md += &format!(
            "\nRound trip: one message in flight at a time on an otherwise idle server: A sends, B receives and sends one of the same size back, A receives; \
             {RTT_SAMPLES} samples per size (after {RTT_WARM_UP} not counted) rotating over the {PAIRS} pairs, {} ms apart; nearest-rank percentiles, client to client, including the load generator's own WebSocket handling.\n",
            RTT_GAP.as_millis()
        );
        // What the pattern sends in a window; fewer when the load generator misses its ticks.
        let offered = conns as u64 * RATE * WINDOW.as_secs();
        let raw = |r: &Relay| {
            r.rows
                .iter()
                .zip(SIZES)
                .map(|((_, _, l), s)| {
                    format!(
                        "{s} B: {} of {offered} sent and delivered, {:.2} CPU-s in {:.2} s",
                        l.delivered, l.cpu_seconds, l.wall_seconds
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        md += &format!(
            "\nRaw: Consult {}. PeerJS {}.\n",
            raw(&consult_relay),
            raw(&peerjs_relay)
        );
        md += &format!("\n### Memory per idle WebSocket ({IDLE} connections)\n\n");
        md += "| server | KB per connection | VmRSS before MB | after MB |\n|---|---:|---:|---:|\n";
        for (name, (before, after)) in [
            ("Consult (connected to `/signal`, nothing sent)", consult_idle),
            ("PeerJS (connected with an id, `OPEN` received)", peerjs_idle),
        ] {
            md += &format!(
                "| {name} | {:.1} | {:.1} | {:.1} |\n",
                (after as f64 - before as f64) / IDLE as f64,
                before as f64 / 1024.0,
                after as f64 / 1024.0
            );
        }
        md += &format!(
            "\n(VmRSS after − before) / {IDLE}, each server a fresh process warmed by 20 connections opened and closed, read 2 s after the last connection opened; KB = 1024 bytes.\n"
        );
        md += "\nCall set-up through PeerJS (its browser client, `peer.call` → first decoded remote frame) is in the journey table, beside Consult's.\n";
        println!("{md}");
        report::publish("signaling", "Signaling", &md);
    });
}
