//! The relay measurement shared by the signaling and cluster benchmarks: pairs of WebSockets
//! (a Consult meeting's host and guest, or two PeerJS ids) relaying ICE candidates to each
//! other at a steady rate, their round trips one at a time, and the servers' CPU time.

use crate::support::{self, TestServer};
use consult::model::signal::ServerMsg;
use consult::server::tokens::new_id;
use futures::{SinkExt, StreamExt};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Peer pairs relaying at once (two WebSockets each, one Consult meeting each).
pub const PAIRS: usize = 100;
/// Messages per second each WebSocket sends to its partner: under Consult's limit per
/// connection (a burst of 100, then 50 per second), so nothing is dropped.
pub const RATE: u64 = 40;
/// Load before each measured window, not counted (JIT, allocator, caches).
pub const WARM_UP: Duration = Duration::from_secs(2);
/// Each measured window of relaying.
pub const WINDOW: Duration = Duration::from_secs(10);
/// Relayed messages: the size of each text frame a client sends, in bytes.
pub const SIZES: [usize; 2] = [200, 4096];
/// Round trips measured per size, after a few not counted.
pub const RTT_SAMPLES: usize = 1000;
pub const RTT_WARM_UP: usize = 50;
/// Pause between two round trips (one is in flight at a time).
pub const RTT_GAP: Duration = Duration::from_millis(2);
/// The PeerJS client's keep-alive: its default `pingInterval` (the server drops a client it has
/// not heard a heartbeat from within `alive_timeout`, 60 s).
pub const HEARTBEAT: Duration = Duration::from_secs(5);

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Server {
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
pub struct Conn {
    pub ws: Ws,
    pub frames: Vec<Message>,
    /// Consult: the token to resume the call with (read by the cluster benchmark only; this
    /// file is compiled into each benchmark that uses it).
    #[allow(dead_code)]
    pub resume: Option<String>,
}

pub struct Pair {
    pub a: Conn,
    pub b: Conn,
}

/// `build(candidate)` with a candidate line that makes it exactly `size` bytes. (Filler: at
/// 200 B, PeerJS's envelope leaves no room for a whole real candidate line.)
pub fn padded(size: usize, build: impl Fn(&str) -> String) -> Message {
    let base = build("").len();
    assert!(base < size, "{size} B is too small for {}", build(""));
    let text = build(&"x".repeat(size - base));
    assert_eq!(text.len(), size);
    Message::text(text)
}

/// Consult's relay message, as the widget sends it (serde: the tag first).
pub fn consult_frames(to: &str) -> Vec<Message> {
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
pub fn peerjs_frames(dst: &str, connection: &str) -> Vec<Message> {
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

pub async fn recv_text(ws: &mut Ws) -> String {
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

pub async fn send(ws: &mut Ws, text: String) {
    ws.send(Message::text(text)).await.expect("send");
}

/// A WebSocket to Consult's `/signal`, from its own origin (as the widget's page).
pub async fn consult_ws(port: u16) -> Ws {
    let address = format!("http://127.0.0.1:{port}");
    support::ws::signal(&address, &address, None).await
}

/// Receive until a parsed server message gives `pick`'s answer.
pub async fn consult_expect<T>(
    ws: &mut Ws,
    what: &str,
    pick: impl Fn(ServerMsg) -> Option<T>,
) -> T {
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
pub struct Meeting {
    pub host: String,
    pub guest: String,
}

/// A meeting running now for two (the host and one guest), as `TestServer::room` makes one,
/// but with an agent of its own: an agent cannot host two meetings at the same time.
pub async fn seed_meeting(seed: &TestServer, i: usize) -> Meeting {
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
pub async fn consult_pair(host_port: u16, guest_port: u16, meeting: &Meeting) -> Pair {
    let mut guest = consult_ws(guest_port).await;
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
    let mut host = consult_ws(host_port).await;
    send(
        &mut host,
        format!(r#"{{"type":"knock","hash":"{}"}}"#, meeting.host),
    )
    .await;
    let (host_id, host_resume) = consult_expect(&mut host, "joined as host", |m| match m {
        ServerMsg::Joined { me, resume, .. } => Some((me.as_str().to_string(), resume)),
        _ => None,
    })
    .await;
    send(
        &mut host,
        format!(r#"{{"type":"admit","peer":"{guest_id}"}}"#),
    )
    .await;
    let guest_resume = consult_expect(&mut guest, "joined", |m| match m {
        ServerMsg::Joined { resume, .. } => Some(resume),
        _ => None,
    })
    .await;
    Pair {
        a: Conn {
            ws: host,
            frames: consult_frames(&guest_id),
            resume: host_resume,
        },
        b: Conn {
            ws: guest,
            frames: consult_frames(&host_id),
            resume: guest_resume,
        },
    }
}

/// A WebSocket to the PeerJS server as its browser client opens it; waits for `OPEN`.
pub async fn peerjs_ws(port: u16, id: &str) -> Ws {
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

pub async fn peerjs_pair(port: u16) -> Pair {
    // Connection ids as the PeerJS client makes them: "mc_" and a random token.
    let (a, b, connection) = (new_id(), new_id(), format!("mc_{}", &new_id()[..11]));
    Pair {
        a: Conn {
            ws: peerjs_ws(port, &a).await,
            frames: peerjs_frames(&b, &connection),
            resume: None,
        },
        b: Conn {
            ws: peerjs_ws(port, &b).await,
            frames: peerjs_frames(&a, &connection),
            resume: None,
        },
    }
}

/// The next relayed message; anything else the server says is skipped, refusals fail.
pub async fn next_relayed(ws: &mut Ws, server: Server) {
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
pub async fn round_trips(pairs: &mut [Pair], size: usize, server: Server) -> Vec<f64> {
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
pub struct Load {
    pub sent: u64,
    pub delivered: u64,
    pub cpu_seconds: f64,
    pub wall_seconds: f64,
}

impl Load {
    /// Messages relayed per CPU-second of the servers.
    pub fn per_cpu_second(&self) -> f64 {
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
pub async fn load(
    pairs: Vec<Pair>,
    size: usize,
    server: Server,
    cpu: &dyn Fn() -> f64,
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
    let cpu0 = cpu();
    let t0 = std::time::Instant::now();
    tokio::time::sleep_until(until + period + Duration::from_millis(20)).await;
    let sent = counters.sent.load(Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(10);
    while counters.delivered.load(Ordering::SeqCst) < sent && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let cpu1 = cpu();
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
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

/// Everything measured on one server.
pub struct Relay {
    /// Per size: round-trip p50 and p99 (ms), and the measured load.
    pub rows: Vec<(f64, f64, Load)>,
}

/// Relay through the server(s) whose CPU time `cpu` reads: Consult pairs with the host on
/// `ports.0` and the guest on `ports.1` (one node: the same port); PeerJS on `ports.0`.
pub async fn relay(
    server: Server,
    cpu: &dyn Fn() -> f64,
    ports: (u16, u16),
    meetings: &[Meeting],
) -> Relay {
    let mut pairs = Vec::new();
    // One Consult meeting per pair (PeerJS has none).
    for meeting in &meetings[..PAIRS] {
        pairs.push(match server {
            Server::Consult => consult_pair(ports.0, ports.1, meeting).await,
            Server::PeerJs => peerjs_pair(ports.0).await,
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
        let (warm, _) = load(pairs, size, server, cpu, WARM_UP).await;
        let (after, measured) = load(warm, size, server, cpu, WINDOW).await;
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
