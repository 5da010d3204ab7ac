//! One call across three nodes joined by NATS, and its hub's owner killed mid-call: real
//! `consult serve` processes on one PostgreSQL database and a real `nats-server`, spoken to
//! over their `/signal` WebSockets as the widget speaks.
//!
//! Node C starts first and owns the hub; the customer's sockets land on node A, the agent's
//! on node B, so everything between them crosses the bus. Then C is SIGKILLed: A or B owns
//! the hub, the pages' sockets are closed with "reconnect" (1012), and the pages resume
//! (in the call) or knock again (waiting) on the node they were on, with no one admitting
//! anyone twice. (PostgreSQL only: SQLite serves one process.)

use crate::support;
use support::ws::{hash_of, offer};

use consult::model::signal::{ClientMsg, ServerMsg};
use consult::model::PeerId;
use futures::{SinkExt, StreamExt};
use std::time::{Duration, Instant};
use support::cluster::Node;
use support::nats::NatsServer;
use support::TestServer;
use tokio_tungstenite::tungstenite::Message;

/// Long enough for any machine; the benchmark measures how long it really takes.
const PATIENCE: Duration = Duration::from_secs(60);

struct Conn(support::ws::Socket);

impl Conn {
    async fn open(node: &Node, cookie: Option<&str>) -> Conn {
        Conn(support::ws::signal(&node.process.url, &node.process.url, cookie).await)
    }

    async fn send(&mut self, msg: &ClientMsg) {
        let text = serde_json::to_string(msg).unwrap();
        self.0.send(Message::Text(text.into())).await.unwrap();
    }

    /// The next message, or `None` once the server closed the connection.
    async fn next(&mut self) -> Option<ServerMsg> {
        loop {
            let frame = tokio::time::timeout(PATIENCE, self.0.next())
                .await
                .expect("a message or a close");
            match frame {
                Some(Ok(Message::Text(t))) => {
                    return Some(serde_json::from_str(&t).expect("a server message"))
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return None,
                Some(Ok(_)) => {}
            }
        }
    }

    /// Receive until `pick` matches, skipping the rest.
    async fn expect<T>(&mut self, what: &str, pick: impl Fn(&ServerMsg) -> Option<T>) -> T {
        for _ in 0..50 {
            match self.next().await {
                Some(m) => {
                    if let Some(t) = pick(&m) {
                        return t;
                    }
                }
                None => panic!("closed while waiting for {what}"),
            }
        }
        panic!("never got {what}");
    }

    /// Read until the server closes the connection.
    async fn closed(&mut self) {
        while self.next().await.is_some() {}
    }

    /// Nothing arrives for a moment.
    async fn quiet(&mut self, ms: u64) -> Option<ServerMsg> {
        match tokio::time::timeout(Duration::from_millis(ms), self.0.next()).await {
            Err(_) => None,
            Ok(Some(Ok(Message::Text(t)))) => Some(serde_json::from_str(&t).unwrap()),
            Ok(other) => panic!("unexpected {other:?}"),
        }
    }
}

/// Open a connection to `node`, say `hello`, and return it with the first answer; a
/// connection closed before answering (the node is still learning who owns the hub) is
/// opened again, as the widget's socket would.
async fn reconnect(node: &Node, cookie: Option<&str>, hello: &ClientMsg) -> (Conn, ServerMsg) {
    let since = Instant::now();
    loop {
        let mut c = Conn::open(node, cookie).await;
        c.send(hello).await;
        if let Some(first) = c.next().await {
            return (c, first);
        }
        assert!(since.elapsed() < PATIENCE, "never served again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn joined(m: &ServerMsg) -> Option<(PeerId, Option<String>, bool)> {
    match m {
        ServerMsg::Joined {
            me,
            resume,
            resumed,
            ..
        } => Some((me.clone(), resume.clone(), *resumed)),
        _ => None,
    }
}

fn waiting(m: &ServerMsg) -> Option<PeerId> {
    match m {
        ServerMsg::Waiting { me, .. } => Some(me.clone()),
        _ => None,
    }
}

fn lobby_names(m: &ServerMsg) -> Option<Vec<String>> {
    match m {
        ServerMsg::Lobby { entries } => {
            let mut names: Vec<String> = entries.iter().map(|e| e.name.clone()).collect();
            names.sort();
            Some(names)
        }
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (SQLite serves one process): scripts/test.sh runs it in its PostgreSQL pass"]
async fn a_call_spans_nodes_and_outlives_its_hub_owner() {
    assert!(
        support::db::on_postgres(),
        "CONSULT_TEST_POSTGRES: a PostgreSQL server for the nodes"
    );
    let seed = TestServer::start().await;
    let room = seed.room(&["Ada", "Bob"], 3).await;
    let session = seed
        .state
        .store
        .create_session(&seed.agent, chrono::Duration::hours(1))
        .await
        .unwrap();
    let cookie = format!("consult_session={session}");
    let nats = NatsServer::start().await;

    // C first: it owns the hub. A and B learn so from it.
    let mut c = Node::start(seed.data_dir(), &nats.url, &[]).await;
    c.knows_owner(&c.id.clone()).await;
    let a = Node::start(seed.data_dir(), &nats.url, &[]).await;
    let b = Node::start(seed.data_dir(), &nats.url, &[]).await;
    a.knows_owner(&c.id).await;
    b.knows_owner(&c.id).await;

    // The customers knock on A; the agent's console on B sees them wait.
    let mut ada = Conn::open(&a, None).await;
    ada.send(&ClientMsg::Knock {
        hash: hash_of(&room.guests[0]),
    })
    .await;
    let ada_peer = ada.expect("Ada waiting", waiting).await;
    let mut bob = Conn::open(&a, None).await;
    bob.send(&ClientMsg::Knock {
        hash: hash_of(&room.guests[1]),
    })
    .await;
    bob.expect("Bob waiting", waiting).await;
    let mut console = Conn::open(&b, Some(&cookie)).await;
    console.send(&ClientMsg::WatchLobby).await;
    let seen = console.expect("the lobby", lobby_names).await;
    assert_eq!(seen, ["Ada", "Bob"], "the console on B sees who waits on A");

    // The agent opens the call on B.
    let mut host = Conn::open(&b, None).await;
    host.send(&ClientMsg::Knock {
        hash: hash_of(&room.host),
    })
    .await;
    let (host_peer, host_token, _) = host.expect("the host in", joined).await;

    // The waiting room holds across nodes: Ada cannot reach the host before admission.
    ada.send(&ClientMsg::Signal {
        to: host_peer.clone(),
        signal: offer(),
    })
    .await;
    ada.expect("a refusal", |m| {
        matches!(m, ServerMsg::Error { .. }).then_some(())
    })
    .await;
    while let Some(m) = host.quiet(300).await {
        assert!(
            !matches!(m, ServerMsg::Signal { .. }),
            "relayed before admission"
        );
    }

    // Admitted from B, Ada is in on A; negotiation and chat cross the bus both ways.
    host.send(&ClientMsg::Admit {
        peer: ada_peer.clone(),
    })
    .await;
    let (_, ada_token, _) = ada.expect("Ada in", joined).await;
    host.expect("Ada joined", |m| match m {
        ServerMsg::PeerJoined { peer } if peer.id == ada_peer => Some(()),
        _ => None,
    })
    .await;
    host.send(&ClientMsg::Signal {
        to: ada_peer.clone(),
        signal: offer(),
    })
    .await;
    ada.expect("the host's offer", |m| match m {
        ServerMsg::Signal { from, .. } if *from == host_peer => Some(()),
        _ => None,
    })
    .await;
    ada.send(&ClientMsg::Chat {
        text: "Hello from A".into(),
    })
    .await;
    host.expect("Ada's chat", |m| match m {
        ServerMsg::Chat { text, .. } if text == "Hello from A" => Some(()),
        _ => None,
    })
    .await;
    // Media state and the host's word to a waiting customer cross too.
    ada.send(&ClientMsg::Media(consult::model::signal::MediaState {
        audio: false,
        video: true,
        screen: false,
    }))
    .await;
    host.expect("Ada's microphone off", |m| match m {
        ServerMsg::PeerMedia { peer, media } if *peer == ada_peer && !media.audio => Some(()),
        _ => None,
    })
    .await;
    let bob_peer = {
        let lobby = console
            .expect("Bob in the lobby", |m| match m {
                ServerMsg::Lobby { entries } => entries
                    .iter()
                    .find(|e| e.name == "Bob")
                    .map(|e| e.peer.clone()),
                _ => None,
            })
            .await;
        lobby
    };
    host.send(&ClientMsg::Hold {
        peer: bob_peer,
        message: Some("Two minutes".into()),
    })
    .await;
    bob.expect("Bob held", |m| match m {
        ServerMsg::Held { message } if message.as_deref() == Some("Two minutes") => Some(()),
        _ => None,
    })
    .await;
    console
        .expect("the lobby without Ada", |m| {
            (lobby_names(m)? == ["Bob"]).then_some(())
        })
        .await;

    // The hub's owner dies.
    let killed = Instant::now();
    c.process.kill();
    for conn in [&mut ada, &mut bob, &mut host, &mut console] {
        conn.closed().await;
    }
    // The pages come back to the node they were on: the call resumes, the waiting customer
    // waits again and the console sees him.
    let (mut ada, first) = reconnect(
        &a,
        None,
        &ClientMsg::Resume {
            token: ada_token.expect("a resume token"),
        },
    )
    .await;
    let (ada_again, _, resumed) = joined(&first).unwrap_or_else(|| panic!("{first:?}"));
    assert!(resumed && ada_again == ada_peer, "Ada resumed as herself");
    let (mut host, first) = reconnect(
        &b,
        None,
        &ClientMsg::Resume {
            token: host_token.expect("a resume token"),
        },
    )
    .await;
    let (host_again, _, resumed) = joined(&first).unwrap_or_else(|| panic!("{first:?}"));
    assert!(resumed && host_again == host_peer, "the host resumed");
    let resumed_after = killed.elapsed();
    let (mut bob, first) = reconnect(
        &a,
        None,
        &ClientMsg::Knock {
            hash: hash_of(&room.guests[1]),
        },
    )
    .await;
    let bob_peer = waiting(&first).unwrap_or_else(|| panic!("{first:?}"));
    let (mut console, mut lobby) = reconnect(&b, Some(&cookie), &ClientMsg::WatchLobby).await;
    while lobby_names(&lobby).as_deref() != Some(&["Bob".to_string()][..]) {
        lobby = console.next().await.expect("lobby updates");
    }
    eprintln!("both in the call again {resumed_after:?} after the owner was killed");

    // A new owner, and the call goes on through it: no second admission for Ada.
    let new_owner = [&a, &b]
        .into_iter()
        .find(|n| {
            n.process
                .stderr()
                .contains(&format!("hub owner owner={} ", n.id))
        })
        .map(|n| n.id.clone())
        .expect("A or B owns the hub");
    assert_ne!(new_owner, c.id);
    host.send(&ClientMsg::Signal {
        to: ada_peer.clone(),
        signal: offer(),
    })
    .await;
    ada.expect("the host's offer again", |m| match m {
        ServerMsg::Signal { from, .. } if *from == host_peer => Some(()),
        _ => None,
    })
    .await;
    ada.send(&ClientMsg::Chat {
        text: "Still here".into(),
    })
    .await;
    host.expect("Ada's chat again", |m| match m {
        ServerMsg::Chat { text, .. } if text == "Still here" => Some(()),
        _ => None,
    })
    .await;
    // Bob, waiting again, is sent away from the console on B.
    console
        .send(&ClientMsg::Deny {
            meeting: room.meeting.clone(),
            peer: bob_peer,
            message: None,
        })
        .await;
    bob.expect("Bob denied", |m| {
        matches!(m, ServerMsg::Denied { .. }).then_some(())
    })
    .await;

    // The end, for everyone, wherever their socket is.
    host.send(&ClientMsg::EndForAll).await;
    ada.expect("Ada told the call ended", |m| {
        matches!(m, ServerMsg::Ended).then_some(())
    })
    .await;

    // A node is ready while it reaches the database and the bus and knows the hub's owner;
    // with the bus gone a node that relays through it says so, and a load balancer checking
    // it sends it nothing more (the owner, serving its own sockets, stays ready).
    let relaying = if new_owner == a.id { &b } else { &a };
    let readyz = format!("{}/readyz", relaying.process.url);
    let answer = |url: String| async move {
        let r = reqwest::get(url).await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    assert_eq!(answer(readyz.clone()).await, (200, "ready".to_string()));
    drop(nats);
    let since = Instant::now();
    loop {
        let (status, text) = answer(readyz.clone()).await;
        if status == 503 {
            assert_eq!(text, "the bus is not reachable");
            break;
        }
        assert!(since.elapsed() < PATIENCE, "still ready without its bus");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let owner = if new_owner == a.id { &a } else { &b };
    assert_eq!(
        answer(format!("{}/readyz", owner.process.url)).await,
        (200, "ready".to_string()),
        "the owner serves its own sockets without the bus"
    );
}
