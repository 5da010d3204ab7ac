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
#[path = "support/report.rs"]
mod report;
#[path = "../tests/support/mod.rs"]
mod support;

use consult::model::signal::ServerMsg;
use consult::server::tokens::new_id;
use futures::{FutureExt, SinkExt, StreamExt};
use peerjs::Process;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::TestServer;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Peer pairs relaying at once (two WebSockets each, one Consult meeting each).
const PAIRS: usize = 100;
/// Messages per second each WebSocket sends to its partner: under Consult's limit per
/// connection (a burst of 100, then 50 per second), so nothing is dropped.
const RATE: u64 = 40;
/// Load before each measured window, not counted (JIT, allocator, caches).
const WARM_UP: Duration = Duration::from_secs(2);
/// Each measured window of relaying.
const WINDOW: Duration = Duration::from_secs(10);
/// Relayed messages: the size of each text frame a client sends, in bytes.
const SIZES: [usize; 2] = [200, 4096];
/// Round trips measured per size, after a few not counted.
const RTT_SAMPLES: usize = 1000;
const RTT_WARM_UP: usize = 50;
/// Pause between two round trips (one is in flight at a time).
const RTT_GAP: Duration = Duration::from_millis(2);
/// Idle WebSockets opened to measure memory.
const IDLE: usize = 1000;
/// The PeerJS client's keep-alive: its default `pingInterval` (the server drops a client it has
/// not heard a heartbeat from within `alive_timeout`, 60 s).
const HEARTBEAT: Duration = Duration::from_secs(5);

#[derive(Clone, Copy, Debug, PartialEq)]
enum Server {
    Consult,
    PeerJs,
}

impl Server {
    /// How every relayed message starts as the receiving client gets it.
    fn relayed(self) -> &'static str {
        match self {
            Server::Consult => r#"{"type":"signal","#,
            Server::PeerJs => r#"{"type":"CANDIDATE","#,
        }
    }

    /// How a refusal starts (Consult's rate limit, a bad message, a missing peer).
    fn refusal(self) -> &'static str {
        match self {
            Server::Consult => r#"{"type":"error","#,
            Server::PeerJs => r#"{"type":"ERROR","#,
        }
    }
}

/// One client WebSocket of a pair, with the message it relays to its partner at each size.
struct Conn {
    ws: Ws,
    frames: Vec<Message>,
}

struct Pair {
    a: Conn,
    b: Conn,
}

/// `build(candidate)` with a candidate line that makes it exactly `size` bytes. (Filler: at
/// 200 B, PeerJS's envelope leaves no room for a whole real candidate line.)
fn padded(size: usize, build: impl Fn(&str) -> String) -> Message {
    let base = build("").len();
    assert!(base < size, "{size} B is too small for {}", build(""));
    let text = build(&"x".repeat(size - base));
    assert_eq!(text.len(), size);
    Message::text(text)
}

/// Consult's relay message, as the widget sends it (serde: the tag first).
fn consult_frames(to: &str) -> Vec<Message> {
    SIZES
        .iter()
        .map(|&size| {
            padded(size, |c| {
                format!(
                    r#"{{"type":"signal","to":"{to}","signal":{{"kind":"candidate","candidate":"{c}","sdp_mid":"0","sdp_m_line_index":0}}}}"#
                )
            })
        })
        .collect()
}

/// PeerJS's relay message, as its browser client sends a trickled candidate.
fn peerjs_frames(dst: &str, connection: &str) -> Vec<Message> {
    SIZES
        .iter()
        .map(|&size| {
            padded(size, |c| {
                format!(
                    r#"{{"type":"CANDIDATE","payload":{{"candidate":{{"candidate":"{c}","sdpMLineIndex":0,"sdpMid":"0"}},"type":"media","connectionId":"{connection}"}},"dst":"{dst}"}}"#
                )
            })
        })
        .collect()
}

async fn recv_text(ws: &mut Ws) -> String {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s")
            .expect("connection open")
            .expect("a frame");
        if let Message::Text(t) = frame {
            return t.to_string();
        }
    }
}

async fn send(ws: &mut Ws, text: String) {
    ws.send(Message::text(text)).await.expect("send");
}

/// A WebSocket to Consult's `/signal`, from its own origin (as the widget's page).
async fn consult_ws(port: u16) -> Ws {
    let address = format!("http://127.0.0.1:{port}");
    support::ws::signal(&address, &address, None).await
}

/// Receive until a parsed server message gives `pick`'s answer.
async fn consult_expect<T>(ws: &mut Ws, what: &str, pick: impl Fn(ServerMsg) -> Option<T>) -> T {
    for _ in 0..20 {
        let text = recv_text(ws).await;
        let msg: ServerMsg = serde_json::from_str(&text).expect("a server message");
        if let ServerMsg::Error { error } = &msg {
            panic!("waiting for {what}: {error:?}");
        }
        if let Some(t) = pick(msg) {
            return t;
        }
    }
    panic!("never got {what}");
}

/// The join hashes of a meeting's host and guest.
struct Meeting {
    host: String,
    guest: String,
}

/// A meeting running now for two (the host and one guest), as `TestServer::room` makes one,
/// but with an agent of its own: an agent cannot host two meetings at the same time.
async fn seed_meeting(seed: &TestServer, i: usize) -> Meeting {
    let store = &seed.state.store;
    let site = store.site(&seed.site).await.unwrap().unwrap();
    let agent = store
        .create_user(
            &site.company_id,
            "Bench",
            &format!("Agent {i}"),
            &format!("agent{i}@bench.consult.test"),
            "agent",
        )
        .await
        .expect("agent");
    store.attach_user(&seed.site, &agent).await.expect("agent");
    let room = seed.room_for(&agent, &["Guest"], 2).await;
    let hash = |link: &str| link.rsplit('/').next().unwrap().to_string();
    Meeting {
        host: hash(&room.host),
        guest: hash(&room.guests[0]),
    }
}

/// One Consult meeting's host and guest in the call: the guest knocks, the host enters with
/// the host link and admits them.
async fn consult_pair(port: u16, meeting: &Meeting) -> Pair {
    let mut guest = consult_ws(port).await;
    send(
        &mut guest,
        format!(r#"{{"type":"knock","hash":"{}"}}"#, meeting.guest),
    )
    .await;
    let guest_id = consult_expect(&mut guest, "waiting", |m| match m {
        ServerMsg::Waiting { me, .. } => Some(me.as_str().to_string()),
        _ => None,
    })
    .await;
    let mut host = consult_ws(port).await;
    send(
        &mut host,
        format!(r#"{{"type":"knock","hash":"{}"}}"#, meeting.host),
    )
    .await;
    let host_id = consult_expect(&mut host, "joined as host", |m| match m {
        ServerMsg::Joined { me, .. } => Some(me.as_str().to_string()),
        _ => None,
    })
    .await;
    send(
        &mut host,
        format!(r#"{{"type":"admit","peer":"{guest_id}"}}"#),
    )
    .await;
    consult_expect(&mut guest, "joined", |m| match m {
        ServerMsg::Joined { .. } => Some(()),
        _ => None,
    })
    .await;
    Pair {
        a: Conn {
            ws: host,
            frames: consult_frames(&guest_id),
        },
        b: Conn {
            ws: guest,
            frames: consult_frames(&host_id),
        },
    }
}

/// A WebSocket to the PeerJS server as its browser client opens it; waits for `OPEN`.
async fn peerjs_ws(port: u16, id: &str) -> Ws {
    let url = format!(
        "ws://127.0.0.1:{port}/peerjs?key=peerjs&id={id}&token={}",
        new_id()
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("PeerJS WebSocket opens");
    let open = recv_text(&mut ws).await;
    assert_eq!(open, r#"{"type":"OPEN"}"#, "PeerJS answered {open}");
    ws
}

async fn peerjs_pair(port: u16) -> Pair {
    // Connection ids as the PeerJS client makes them: "mc_" and a random token.
    let (a, b, connection) = (new_id(), new_id(), format!("mc_{}", &new_id()[..11]));
    Pair {
        a: Conn {
            ws: peerjs_ws(port, &a).await,
            frames: peerjs_frames(&b, &connection),
        },
        b: Conn {
            ws: peerjs_ws(port, &b).await,
            frames: peerjs_frames(&a, &connection),
        },
    }
}

/// The next relayed message; anything else the server says is skipped, refusals fail.
async fn next_relayed(ws: &mut Ws, server: Server) {
    loop {
        let text = recv_text(ws).await;
        if text.starts_with(server.relayed()) {
            return;
        }
        assert!(!text.starts_with(server.refusal()), "{server:?}: {text}");
    }
}

/// Round trips, one in flight at a time: A sends, B gets it and sends its own back, A gets
/// that. Rotates over the pairs; ms each.
async fn round_trips(pairs: &mut [Pair], size: usize, server: Server) -> Vec<f64> {
    let mut out = Vec::with_capacity(RTT_SAMPLES);
    for i in 0..RTT_WARM_UP + RTT_SAMPLES {
        let pair = &mut pairs[i % PAIRS];
        let t0 = std::time::Instant::now();
        pair.a.ws.send(pair.a.frames[size].clone()).await.unwrap();
        next_relayed(&mut pair.b.ws, server).await;
        pair.b.ws.send(pair.b.frames[size].clone()).await.unwrap();
        next_relayed(&mut pair.a.ws, server).await;
        if i >= RTT_WARM_UP {
            out.push(t0.elapsed().as_secs_f64() * 1000.0);
        }
        tokio::time::sleep(RTT_GAP).await;
    }
    out
}

#[derive(Default)]
struct Counters {
    sent: AtomicU64,
    delivered: AtomicU64,
    refused: AtomicU64,
}

/// One window of relaying.
#[derive(Debug)]
struct Load {
    sent: u64,
    delivered: u64,
    cpu_seconds: f64,
    wall_seconds: f64,
}

impl Load {
    fn per_cpu_second(&self) -> f64 {
        self.delivered as f64 / self.cpu_seconds
    }
}

/// One client WebSocket under load: sends its frame `RATE` times a second from `start`
/// (staggered by `offset`) until `until`, counts what it is relayed, until told to stop.
async fn pump(
    mut conn: Conn,
    size: usize,
    server: Server,
    start: Instant,
    until: Instant,
    counters: Arc<Counters>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Conn {
    let period = Duration::from_nanos(1_000_000_000 / RATE);
    let mut tick = tokio::time::interval_at(start, period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut beat = tokio::time::interval_at(start + HEARTBEAT, HEARTBEAT);
    let frame = conn.frames[size].clone();
    let heartbeat = Message::text(r#"{"type":"HEARTBEAT"}"#);
    loop {
        tokio::select! {
            due = tick.tick(), if Instant::now() < until => {
                if due < until {
                    conn.ws.send(frame.clone()).await.expect("send");
                    counters.sent.fetch_add(1, Ordering::Relaxed);
                }
            }
            _ = beat.tick(), if server == Server::PeerJs => {
                conn.ws.send(heartbeat.clone()).await.expect("send");
            }
            m = conn.ws.next() => match m {
                Some(Ok(Message::Text(t))) => {
                    if t.starts_with(server.relayed()) {
                        counters.delivered.fetch_add(1, Ordering::Relaxed);
                    } else if t.starts_with(server.refusal()) {
                        counters.refused.fetch_add(1, Ordering::Relaxed);
                        eprintln!("{server:?} refused: {}", t.as_str());
                    }
                }
                Some(Ok(_)) => {}
                other => panic!("{server:?}: connection ended under load: {other:?}"),
            },
            _ = stop.changed() => break,
        }
    }
    conn
}

/// Every WebSocket of every pair sends `RATE` messages a second of `SIZES[size]` bytes to its
/// partner for `duration`, starts staggered evenly over one period; then waits until all are
/// delivered. Server CPU time is read just before the first message and after the last is
/// delivered.
async fn load(
    pairs: Vec<Pair>,
    size: usize,
    server: Server,
    process: &Process,
    duration: Duration,
) -> (Vec<Pair>, Load) {
    let counters = Arc::new(Counters::default());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let start = Instant::now() + Duration::from_millis(200);
    let until = start + duration;
    let period = Duration::from_nanos(1_000_000_000 / RATE);
    let conns = pairs.len() * 2;
    let mut tasks = Vec::new();
    for (i, conn) in pairs.into_iter().flat_map(|p| [p.a, p.b]).enumerate() {
        let offset = period * i as u32 / conns as u32;
        tasks.push(tokio::spawn(pump(
            conn,
            size,
            server,
            start + offset,
            until + offset,
            counters.clone(),
            stop_rx.clone(),
        )));
    }
    tokio::time::sleep_until(start).await;
    let cpu0 = process.cpu_seconds();
    let t0 = std::time::Instant::now();
    tokio::time::sleep_until(until + period + Duration::from_millis(20)).await;
    let sent = counters.sent.load(Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(10);
    while counters.delivered.load(Ordering::SeqCst) < sent && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let cpu1 = process.cpu_seconds();
    let wall_seconds = t0.elapsed().as_secs_f64();
    stop_tx.send(true).unwrap();
    let mut conns = Vec::new();
    for t in tasks {
        conns.push(t.await.expect("a client task"));
    }
    let mut conns = conns.into_iter();
    let mut pairs = Vec::new();
    while let (Some(a), Some(b)) = (conns.next(), conns.next()) {
        pairs.push(Pair { a, b });
    }
    let load = Load {
        sent,
        delivered: counters.delivered.load(Ordering::SeqCst),
        cpu_seconds: cpu1 - cpu0,
        wall_seconds,
    };
    assert_eq!(
        counters.refused.load(Ordering::SeqCst),
        0,
        "{server:?}: messages refused"
    );
    assert_eq!(load.delivered, load.sent, "{server:?}: messages lost");
    (pairs, load)
}

/// Nearest rank.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

/// Everything measured on one server.
struct Relay {
    /// Per size: round-trip p50 and p99 (ms), and the measured load.
    rows: Vec<(f64, f64, Load)>,
}

async fn relay(server: Server, process: &Process, meetings: &[Meeting]) -> Relay {
    let mut pairs = Vec::new();
    // One Consult meeting per pair (PeerJS has none).
    for meeting in &meetings[..PAIRS] {
        pairs.push(match server {
            Server::Consult => consult_pair(process.port, meeting).await,
            Server::PeerJs => peerjs_pair(process.port).await,
        });
    }
    let mut rtts = Vec::new();
    for size in 0..SIZES.len() {
        let mut v = round_trips(&mut pairs, size, server).await;
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        rtts.push((percentile(&v, 50.0), percentile(&v, 99.0)));
    }
    let mut rows = Vec::new();
    for (size, (p50, p99)) in rtts.into_iter().enumerate() {
        let (warm, _) = load(pairs, size, server, process, WARM_UP).await;
        let (after, measured) = load(warm, size, server, process, WINDOW).await;
        pairs = after;
        eprintln!(
            "{server:?} {} B: {measured:?}, {:.0} per CPU-second; round trip p50 {p50:.3} ms, p99 {p99:.3} ms",
            SIZES[size],
            measured.per_cpu_second()
        );
        rows.push((p50, p99, measured));
    }
    Relay { rows }
}

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

        let consult_relay = relay(Server::Consult, &consult(seed.data_dir()), &meetings).await;
        let peerjs_relay = relay(Server::PeerJs, &Process::peerjs(&modules), &meetings).await;
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
