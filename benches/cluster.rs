//! Cluster benchmark: three `consult serve` nodes (release binary) on one PostgreSQL database
//! and one `nats-server`, on this machine.
//!
//! - Relay: the signaling benchmark's load (see benches/support/relay.rs) with both ends of
//!   every pair on the node that owns the hub, beside the same load with the host on one
//!   other node and the guest on the third, every message crossing the bus twice. CPU is
//!   summed over the three nodes and `nats-server`.
//! - Failover: a call's host and guest on the two nodes that do not own the hub; the owner is
//!   SIGKILLed; the time until another node owns the hub, and until both pages are back in
//!   the call (resumed). The pages reconnect as the widget does: the first attempt 0.5 s
//!   after the socket closes plus up to 0.25 s of jitter, doubling while refused.
//!
//! `cargo bench --features ssr --bench cluster` with `CONSULT_TEST_POSTGRES` set
//! (scripts/bench.sh starts a PostgreSQL cluster for it).

#[path = "support/peerjs.rs"]
mod peerjs;
#[path = "support/relay.rs"]
mod relay;
#[path = "support/report.rs"]
mod report;
#[path = "../tests/support/mod.rs"]
mod support;

use consult::model::signal::ServerMsg;
use futures::StreamExt;
use relay::{
    consult_pair, consult_ws, percentile, relay, seed_meeting, send, Meeting, Relay, Server, Ws,
    PAIRS, RATE, SIZES,
};
use std::time::{Duration, Instant};
use support::cluster::{agreed_owner, Node};
use support::nats::NatsServer;
use support::TestServer;
use tokio_tungstenite::tungstenite::Message;

/// Failovers measured.
const RUNS: usize = 10;
/// Anything taking longer than this is a failure, not a figure.
const PATIENCE: Duration = Duration::from_secs(60);

fn cpu(pids: &[u32]) -> f64 {
    pids.iter().map(|p| peerjs::cpu_seconds_of(*p)).sum()
}

/// The next server message, or `None` once the connection is closed.
async fn next(ws: &mut Ws) -> Option<ServerMsg> {
    loop {
        match tokio::time::timeout(PATIENCE, ws.next())
            .await
            .expect("no hang")
        {
            Some(Ok(Message::Text(t))) => return serde_json::from_str(&t).ok(),
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return None,
            Some(Ok(_)) => {}
        }
    }
}

/// A page in a call: its socket, its node's port, its resume token.
struct Page {
    ws: Ws,
    port: u16,
    token: String,
}

/// A meeting's host on `host_port` and guest on `guest_port`, in the call.
async fn call(meeting: &Meeting, host_port: u16, guest_port: u16) -> (Page, Page) {
    let pair = consult_pair(host_port, guest_port, meeting).await;
    let page = |c: relay::Conn, port| Page {
        ws: c.ws,
        port,
        token: c.resume.expect("a resume token"),
    };
    (page(pair.a, host_port), page(pair.b, guest_port))
}

/// The page notices its socket closed, reconnects as the widget does and resumes; the time
/// from `t0` until it is back in the call.
async fn resume(mut page: Page, t0: Instant) -> Duration {
    while next(&mut page.ws).await.is_some() {}
    let mut attempt = 0u32;
    loop {
        let delay = (500u64 << attempt.min(5)).min(5000)
            + u64::from_le_bytes(consult::server::tokens::random_bytes::<8>()) % 250;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        attempt += 1;
        let mut ws = consult_ws(page.port).await;
        send(
            &mut ws,
            format!(r#"{{"type":"resume","token":"{}"}}"#, page.token),
        )
        .await;
        match next(&mut ws).await {
            Some(ServerMsg::Joined { resumed: true, .. }) => return t0.elapsed(),
            Some(other) => panic!("resume answered {other:?}"),
            None => assert!(t0.elapsed() < PATIENCE, "never resumed"),
        }
    }
}

/// The time from `t0` until a node other than `killed` says it owns the hub.
async fn new_owner(nodes: &[Node], killed: usize, counts: &[usize], t0: Instant) -> Duration {
    loop {
        for (i, n) in nodes.iter().enumerate().filter(|(i, _)| *i != killed) {
            let (owner, count) = n.owner();
            if count > counts[i] && owner.as_deref() == Some(n.id.as_str()) {
                return t0.elapsed();
            }
        }
        assert!(t0.elapsed() < PATIENCE, "no new owner");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn main() {
    assert!(
        std::env::var("CONSULT_TEST_POSTGRES").is_ok(),
        "CONSULT_TEST_POSTGRES: a PostgreSQL server (scripts/bench.sh starts one)"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let seed = TestServer::start().await;
        let mut meetings = Vec::new();
        for i in 0..PAIRS + RUNS {
            meetings.push(seed_meeting(&seed, i).await);
        }
        let nats = NatsServer::start().await;
        let data = seed.data_dir();
        let mut nodes = Vec::new();
        for _ in 0..3 {
            nodes.push(Node::start(data, &nats.url, &[]).await);
        }

        // Relay: on the owner alone, then across the three nodes.
        let o = agreed_owner(&nodes).await;
        let (x, y) = ((o + 1) % 3, (o + 2) % 3);
        let mut pids: Vec<u32> = nodes.iter().map(|n| n.process.pid()).collect();
        pids.push(nats.pid());
        let cpu_all = || cpu(&pids);
        let owner_port = nodes[o].process.port;
        let one = relay(
            Server::Consult,
            &cpu_all,
            (owner_port, owner_port),
            &meetings[..PAIRS],
        )
        .await;
        // The first load's pairs are gone with `relay`; new calls on the same meetings.
        let across = relay(
            Server::Consult,
            &cpu_all,
            (nodes[x].process.port, nodes[y].process.port),
            &meetings[..PAIRS],
        )
        .await;

        // Failover, RUNS times: kill the owner, replace it.
        let mut owner_taken = Vec::new();
        let mut resumed = Vec::new();
        for run in 0..RUNS {
            let o = agreed_owner(&nodes).await;
            let (x, y) = ((o + 1) % 3, (o + 2) % 3);
            let (host, guest) = call(
                &meetings[PAIRS + run],
                nodes[x].process.port,
                nodes[y].process.port,
            )
            .await;
            let counts: Vec<usize> = nodes.iter().map(|n| n.owner().1).collect();
            let t0 = Instant::now();
            nodes[o].process.kill();
            let (taken, h, g) = tokio::join!(
                new_owner(&nodes, o, &counts, t0),
                resume(host, t0),
                resume(guest, t0)
            );
            let both = h.max(g);
            eprintln!("failover {run}: new owner after {taken:?}, both pages back after {both:?}");
            owner_taken.push(taken.as_secs_f64() * 1000.0);
            resumed.push(both.as_secs_f64() * 1000.0);
            nodes[o] = Node::start(data, &nats.url, &[]).await;
        }
        owner_taken.sort_by(|a, b| a.partial_cmp(b).unwrap());
        resumed.sort_by(|a, b| a.partial_cmp(b).unwrap());

        let mut md = String::new();
        md += &format!(
            "Measured by `cargo bench --features ssr --bench cluster` on {} ({}, {} cores, shared by three `consult serve` release nodes, `nats-server` {}, PostgreSQL and the load generator), loopback. \
             One PostgreSQL database and one NATS server (`-js`) for the three nodes.\n\n",
            chrono::Utc::now().format("%Y-%m-%d"),
            std::env::consts::ARCH,
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            nats_version()
        );
        md += "#### Relay: both ends on the hub's owner, and on two other nodes\n\n";
        md += "| message | where the ends are | msgs per CPU-s (3 nodes + NATS) | CPU % | round trip p50 ms | p99 ms |\n|---|---|---:|---:|---:|---:|\n";
        for (i, size) in SIZES.iter().enumerate() {
            for (label, r) in [
                ("both on the owner", &one),
                ("host and guest each on another node", &across),
            ] {
                md += &format!("| {size} B ICE candidate | {label} | {} |\n", row(r, i));
            }
        }
        md += &format!(
            "\nThe signaling benchmark's load: {PAIRS} pairs, each WebSocket sending {RATE} messages/s; every message sent was delivered. \
             Across nodes each message goes page → edge node → NATS → owner → NATS → edge node → page. CPU summed over the three nodes and `nats-server`.\n"
        );
        md += &format!(
            "\n#### Failover: the hub's owner killed (SIGKILL) mid-call, {RUNS} runs\n\n\
             | | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|\n\
             | another node owns the hub | {:.0} | {:.0} | {:.0} |\n\
             | both pages back in the call (resumed) | {:.0} | {:.0} | {:.0} |\n",
            percentile(&owner_taken, 50.0),
            percentile(&owner_taken, 95.0),
            owner_taken[RUNS - 1],
            percentile(&resumed, 50.0),
            percentile(&resumed, 95.0),
            resumed[RUNS - 1],
        );
        md += "\nHost and guest each on one of the two other nodes; the owner is killed; the time until a survivor logs that it owns the hub, and until both pages are back in the call. \
               The pages reconnect as the widget does (0.5 s after the socket closes, plus up to 0.25 s of jitter, doubling while refused), so at least 0.5 s of the second row is the page's own wait. \
               The goal of issue 17 is 5 s. Nearest-rank percentiles; the killed node is replaced by a fresh one before the next run.\n";
        println!("{md}");
        report::publish("cluster", "Several nodes", &md);
    });
}

fn row(r: &Relay, i: usize) -> String {
    let (p50, p99, l) = &r.rows[i];
    format!(
        "{:.0} | {:.0} | {p50:.2} | {p99:.2}",
        l.per_cpu_second(),
        100.0 * l.cpu_seconds / l.wall_seconds
    )
}

fn nats_version() -> String {
    std::process::Command::new(std::env::var("NATS_SERVER").unwrap_or("nats-server".into()))
        .arg("--version")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .trim_start_matches("nats-server: ")
                .to_string()
        })
        .unwrap_or_default()
}
