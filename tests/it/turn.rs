//! TURN with real coturn (Debian's `coturn`, on loopback): a call relayed through it with the
//! credentials the server signs, and coturn refusing expired or forged credentials.

use crate::support;

use consult::server::signaling::ice::{credential, expiry};
use consult::server::signaling::TurnConfig;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::browser::{Browser, Driver};
use support::TestServer;

const SECRET: &str = "turn-secret-for-tests";

/// A coturn process on a free loopback port, in a process group of its own so that dropping
/// it (a failing test too) stops it.
struct Coturn {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Coturn {
    /// On a free port. The port is free when picked but not reserved: a busy machine may take
    /// it (coturn also listens on TCP there) before coturn binds it; then try another.
    fn start() -> Coturn {
        for _ in 0..3 {
            let port = std::net::UdpSocket::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let mut coturn = Coturn::spawn(port);
            if coturn.ready() {
                return coturn;
            }
        }
        panic!("coturn did not start on three free ports");
    }

    /// On this port (a restart on the same address).
    fn start_on(port: u16) -> Coturn {
        let mut coturn = Coturn::spawn(port);
        assert!(coturn.ready(), "coturn did not start on port {port}");
        coturn
    }

    fn spawn(port: u16) -> Coturn {
        use std::os::unix::process::CommandExt;
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new(std::env::var("TURNSERVER").unwrap_or("turnserver".into()))
            .args([
                "-n",
                "--listening-ip=127.0.0.1",
                "--relay-ip=127.0.0.1",
                &format!("--listening-port={port}"),
                "--use-auth-secret",
                &format!("--static-auth-secret={SECRET}"),
                "--realm=consult.test",
                // Peers and relays are all on 127.0.0.1 here; coturn refuses that by default.
                "--allow-loopback-peers",
                "--no-tls",
                "--no-dtls",
                "--no-cli",
                "--log-file=stdout",
                "--simple-log",
            ])
            .arg(format!("--pidfile={}", dir.path().join("pid").display()))
            .arg(format!("--db={}", dir.path().join("turndb").display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("turnserver runs (Debian package coturn; scripts/setup.sh installs it)");
        Coturn {
            child,
            port,
            _dir: dir,
        }
    }

    /// Ready when it answers a STUN binding request (within 20 s).
    fn ready(&mut self) -> bool {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        // Binding request, no attributes, magic cookie, a transaction id.
        let mut request = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42];
        request.extend_from_slice(b"consult-test");
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut buf = [0u8; 512];
        loop {
            socket.send_to(&request, ("127.0.0.1", self.port)).unwrap();
            if let Ok((n, _)) = socket.recv_from(&mut buf) {
                if n >= 20 && buf[0..2] == [0x01, 0x01] {
                    return true;
                }
            }
            // Gone (the port was taken), or still silent at the deadline.
            if Instant::now() > deadline || !matches!(self.child.try_wait(), Ok(None)) {
                return false;
            }
        }
    }

    fn url(&self) -> String {
        format!("turn:127.0.0.1:{}?transport=udp", self.port)
    }
}

impl Drop for Coturn {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.wait();
    }
}

/// A Consult server signing credentials for the TURN server at `url` (60 minutes' margin),
/// relaying everything with `relay_only`.
async fn server_with_turn(url: String, relay_only: bool) -> TestServer {
    TestServer::start_with(|c| {
        c.ice.turn = Some(TurnConfig {
            urls: vec![url],
            secret: SECRET.into(),
            margin: chrono::Duration::minutes(60),
        });
        c.ice.relay_only = relay_only;
    })
    .await
}

/// For each open connection: the types of the local and remote candidates in use.
async fn selected_pairs(b: &Browser) -> Value {
    b.js("return (async () => {
            const out = [];
            for (const pc of window.__consultTest.pcs) {
              if (pc.connectionState === 'closed') continue;
              const stats = await pc.getStats();
              let pair = null;
              stats.forEach((s) => {
                if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
              });
              out.push(pair && [stats.get(pair.localCandidateId).candidateType,
                                stats.get(pair.remoteCandidateId).candidateType]);
            }
            return out;
          })()")
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_relayed_through_coturn_with_signed_credentials() {
    let coturn = Coturn::start();
    let url = coturn.url();
    let server = server_with_turn(url, true).await;
    let room = server.room(&["Ada"], 2).await;
    let driver = Driver::start();
    let ada = driver.session().await;
    let agent = driver.session().await;
    ada.wait_in_room(&room.guests[0]).await;
    // The pre-call check reached the relay with a credential signed for this link.
    ada.wait_js(
        "the connection check to reach coturn",
        15,
        "return document.querySelector('[data-connection]')?.dataset.connection === 'ok'",
    )
    .await;
    agent.admit_from_host_link(&room.host, "Ada").await;

    for (who, b) in [("agent", &agent), ("Ada", &ada)] {
        b.assert_decoding_videos(who, 1).await;
        // Both ends of the pair in use are relay candidates: the media goes through coturn.
        assert_eq!(
            selected_pairs(b).await,
            json!([["relay", "relay"]]),
            "{who}"
        );
        let received = b.signaling_received().await;
        // Only relayed candidates ever crossed signaling: nobody learnt anyone's address.
        let candidates: Vec<&str> = received
            .iter()
            .filter_map(|m| m["signal"]["candidate"].as_str())
            .filter(|c| !c.is_empty())
            .collect();
        assert!(!candidates.is_empty(), "{who}: no candidates received");
        assert!(
            candidates.iter().all(|c| c.contains(" typ relay")),
            "{who}: {candidates:?}"
        );
        // The credential is coturn's REST scheme, valid until the room closes plus the margin.
        let joined = received.iter().find(|m| m["type"] == "joined").unwrap();
        assert_eq!(joined["relay_only"], true);
        let ice = &joined["ice_servers"][0];
        let username = ice["username"].as_str().unwrap();
        assert_eq!(ice["credential"], credential(SECRET, username));
        let until = expiry(username).unwrap();
        let closes =
            chrono::DateTime::parse_from_rfc3339(joined["meeting"]["closes_at"].as_str().unwrap())
                .unwrap();
        assert_eq!(
            until.timestamp(),
            (closes + chrono::Duration::minutes(60)).timestamp()
        );
        assert!(username.ends_with(joined["me"].as_str().unwrap()));
    }
    ada.close().await;
    agent.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coturn_refuses_expired_and_forged_credentials() {
    let coturn = Coturn::start();
    let server = TestServer::start().await;
    let driver = Driver::start();
    let page = driver.session().await;
    page.goto(&format!("{}/check", server.url)).await;
    let now = chrono::Utc::now().timestamp();
    let valid_user = format!("{}:0123456789abcdef01234567", now + 3600);
    let expired_user = format!("{}:0123456789abcdef01234567", now - 60);
    let cases = [
        ("valid", valid_user.clone(), credential(SECRET, &valid_user)),
        (
            "expired",
            expired_user.clone(),
            credential(SECRET, &expired_user),
        ),
        (
            "forged",
            valid_user.clone(),
            credential("guessed", &valid_user),
        ),
    ];
    for (what, username, password) in cases {
        let result = page
            .js(&format!(
                "return (async () => {{
                   const pc = new RTCPeerConnection({{
                     iceServers: [{{ urls: ['{}'], username: '{username}', credential: '{password}' }}],
                     iceTransportPolicy: 'relay' }});
                   const types = [], errors = [];
                   pc.onicecandidate = (e) => {{ if (e.candidate && e.candidate.candidate) types.push(e.candidate.type); }};
                   pc.onicecandidateerror = (e) => errors.push(e.errorCode);
                   pc.createDataChannel('probe');
                   await pc.setLocalDescription(await pc.createOffer());
                   await new Promise((done) => {{
                     const t = setTimeout(done, 60000);
                     pc.onicegatheringstatechange = () => {{
                       if (pc.iceGatheringState === 'complete') {{ clearTimeout(t); done(); }}
                     }};
                   }});
                   pc.close();
                   return {{ types, errors }};
                 }})()",
                coturn.url()
            ))
            .await;
        let types = result["types"].as_array().unwrap();
        let errors = result["errors"].as_array().unwrap();
        if what == "valid" {
            assert!(
                types.iter().any(|t| t == "relay"),
                "{what}: no relay candidate: {result}"
            );
        } else {
            assert!(types.is_empty(), "{what}: got candidates {result}");
            assert!(
                errors.iter().any(|e| e == 401),
                "{what}: coturn did not answer 401 Unauthorized: {result}"
            );
        }
    }
    page.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pre_call_check_says_when_the_relay_cannot_be_reached() {
    // A TURN URL where nothing listens (a port just freed).
    let dead = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = server_with_turn(format!("turn:127.0.0.1:{dead}?transport=udp"), false).await;
    let room = server.room(&["Ada"], 2).await;
    let driver = Driver::start();
    let ada = driver.session().await;
    ada.wait_in_room(&room.guests[0]).await;
    let text = ada
        .wait_js(
            "the connection check to give up on the relay",
            20,
            "const c = document.querySelector('[data-connection]');
             return c && c.dataset.connection === 'no-relay' && c.textContent",
        )
        .await;
    assert!(text.as_str().unwrap().contains("relay cannot"), "{text}");
    ada.close().await;
}

/// The ICE username fragment of the page's (only open) connection: it changes on an ICE restart.
const UFRAG: &str = "const pc = window.__consultTest.pcs.find(p => p.connectionState !== 'closed');
    return pc && pc.localDescription && pc.localDescription.sdp.match(/a=ice-ufrag:(\\S+)/)[1]";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ice_restarts_when_the_relay_goes_away_and_comes_back() {
    let coturn = Coturn::start();
    let (url, port) = (coturn.url(), coturn.port);
    let server = server_with_turn(url, true).await;
    let room = server.room(&["Ada"], 2).await;
    let driver = Driver::start();
    let ada = driver.session().await;
    let agent = driver.session().await;
    ada.wait_in_room(&room.guests[0]).await;
    agent.admit_from_host_link(&room.host, "Ada").await;
    for (who, b) in [("agent", &agent), ("Ada", &ada)] {
        b.assert_decoding_videos(who, 1).await;
    }
    let before = ada.js(UFRAG).await;
    assert!(before.is_string(), "{before}");
    // Remember each page's call connection (the pre-call check made a short-lived probe too).
    for b in [&ada, &agent] {
        b.js("window.__callPc = window.__consultTest.pcs.find(p => p.connectionState !== 'closed'); return true")
            .await;
    }

    // The relay dies: every path of this relay-only call is gone.
    drop(coturn);
    ada.wait_js(
        "Ada's ICE to notice the relay is gone",
        30,
        "return window.__consultTest.pcs.some(p => ['disconnected', 'failed'].includes(p.iceConnectionState))",
    )
    .await;
    // It comes back (same address and secret, no allocations): the pages restart ICE by
    // themselves, on the same peer connection, and media flows again.
    let _coturn = Coturn::start_on(port);
    for (who, b) in [("agent", &agent), ("Ada", &ada)] {
        b.wait_js(
            &format!("{who}'s ICE to restart and reconnect"),
            45,
            &format!(
                "const u = (() => {{ {UFRAG} }})();
                 return u && u !== {before} && window.__consultTest.pcs.some(p => ['connected', 'completed'].includes(p.iceConnectionState))"
            ),
        )
        .await;
        // Decoding resumes once a fresh key frame arrives (the receiver asks for one).
        let frames = || async { b.inbound_video().await.first().map(|v| v.0).unwrap_or(0) };
        let start = frames().await;
        let since = std::time::Instant::now();
        while frames().await < start + 10 {
            assert!(
                since.elapsed() < Duration::from_secs(20),
                "{who}: video did not come back: {}",
                b.diagnose().await
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        eprintln!("{who}: decoding again after {:?}", since.elapsed());
        assert_eq!(
            b.js(
                "const open = window.__consultTest.pcs.filter(p => p.connectionState !== 'closed');
                  return open.length === 1 && open[0] === window.__callPc"
            )
            .await,
            true,
            "{who}: the same peer connection"
        );
    }
    ada.close().await;
    agent.close().await;
}
