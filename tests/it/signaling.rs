//! The `/signal` WebSocket against a real server: the waiting room is enforced on the server,
//! bad input is refused per message, and tenancy holds.

use crate::support;
use support::ws::{hash_of, offer};

use consult::model::signal::{ClientMsg, ServerMsg};
use consult::model::{ErrorCode, MeetingId, PeerId};
use futures::{SinkExt, StreamExt};
use std::time::Duration;
use support::TestServer;
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

struct Conn(Ws);

impl Conn {
    async fn open(server: &TestServer, cookie: Option<&str>) -> Conn {
        Conn(support::ws::signal(&server.url, &server.url, cookie).await)
    }

    async fn send(&mut self, msg: &ClientMsg) {
        self.0
            .send(Message::Text(serde_json::to_string(msg).unwrap().into()))
            .await
            .unwrap();
    }

    async fn recv(&mut self) -> ServerMsg {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(5), self.0.next())
                .await
                .expect("a message within 5 s")
                .expect("connection open")
                .expect("a frame");
            if let Message::Text(t) = frame {
                return serde_json::from_str(&t).expect("a server message");
            }
        }
    }

    /// Receive until `pick` matches, skipping the rest.
    async fn expect<T>(&mut self, what: &str, pick: impl Fn(&ServerMsg) -> Option<T>) -> T {
        for _ in 0..20 {
            let m = self.recv().await;
            if let Some(t) = pick(&m) {
                return t;
            }
        }
        panic!("never got {what}");
    }

    /// Nothing arrives within `ms`.
    async fn silent(&mut self, ms: u64) -> Option<ServerMsg> {
        match tokio::time::timeout(Duration::from_millis(ms), self.0.next()).await {
            Err(_) => None,
            Ok(Some(Ok(Message::Text(t)))) => Some(serde_json::from_str(&t).unwrap()),
            Ok(other) => panic!("unexpected {other:?}"),
        }
    }

    async fn error(&mut self) -> consult::model::AppError {
        self.expect("an error", |m| match m {
            ServerMsg::Error { error } => Some(error.clone()),
            _ => None,
        })
        .await
    }
}

async fn agent_cookie(server: &TestServer, user: &consult::model::UserId) -> String {
    let token = server
        .state
        .store
        .create_session(user, chrono::Duration::hours(1))
        .await
        .unwrap();
    format!("consult_session={token}")
}

#[tokio::test]
async fn connections_from_other_origins_are_refused() {
    let server = TestServer::start().await;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!("{}/signal", server.url.replace("http", "ws"))
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("origin", "http://evil.test".parse().unwrap());
    let err = tokio_tungstenite::connect_async(req).await.unwrap_err();
    match err {
        tokio_tungstenite::tungstenite::Error::Http(res) => assert_eq!(res.status(), 403),
        other => panic!("expected a 403, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_messages_are_refused_one_by_one_and_the_connection_lives_on() {
    let server = TestServer::start().await;
    let mut c = Conn::open(&server, None).await;
    for bad in [
        "",
        "{",
        "null",
        r#"{"type":"admit","peer":"x"}"#,
        &"x".repeat(70_000),
    ] {
        if bad.len() > 65_536 {
            // Larger than the frame limit: the server closes this connection.
            c.0.send(Message::Text(bad.into())).await.unwrap();
            let end = tokio::time::timeout(Duration::from_secs(5), c.0.next())
                .await
                .unwrap();
            assert!(!matches!(end, Some(Ok(Message::Text(_)))), "{end:?}");
            c = Conn::open(&server, None).await;
            continue;
        }
        c.0.send(Message::Text(bad.into())).await.unwrap();
        assert_eq!(c.error().await.code, ErrorCode::BadRequest, "{bad:?}");
    }
    c.0.send(Message::Binary(vec![1, 2, 3].into()))
        .await
        .unwrap();
    assert_eq!(c.error().await.code, ErrorCode::BadRequest);
    c.send(&ClientMsg::Knock {
        hash: "not-a-hash".into(),
    })
    .await;
    assert_eq!(c.error().await.code, ErrorCode::NotFound);
    // Not in a room: no admitting, no relaying, no watching without a session.
    c.send(&ClientMsg::Admit {
        peer: PeerId::parse("0123456789abcdef01234567").unwrap(),
    })
    .await;
    assert_eq!(c.error().await.code, ErrorCode::Forbidden);
    c.send(&ClientMsg::Signal {
        to: PeerId::parse("0123456789abcdef01234567").unwrap(),
        signal: offer(),
    })
    .await;
    assert_eq!(c.error().await.code, ErrorCode::Forbidden);
    c.send(&ClientMsg::WatchLobby).await;
    assert_eq!(c.error().await.code, ErrorCode::Unauthorized);
    c.send(&ClientMsg::Host {
        meeting: MeetingId::parse("0123456789abcdef01234567").unwrap(),
    })
    .await;
    assert_eq!(c.error().await.code, ErrorCode::Unauthorized);
    c.send(&ClientMsg::Ping).await;
    assert_eq!(c.recv().await, ServerMsg::Pong);
}

#[tokio::test]
async fn the_waiting_room_is_enforced_until_the_host_admits() {
    let server = TestServer::start().await;
    let booked = server.book("Ada").await;
    let cookie = agent_cookie(&server, &server.agent).await;

    let mut console = Conn::open(&server, Some(&cookie)).await;
    console.send(&ClientMsg::WatchLobby).await;
    assert!(matches!(console.recv().await, ServerMsg::Lobby { entries } if entries.is_empty()));

    let mut guest = Conn::open(&server, None).await;
    guest
        .send(&ClientMsg::Knock {
            hash: hash_of(&booked.join_url),
        })
        .await;
    let me = guest
        .expect("waiting", |m| match m {
            ServerMsg::Waiting {
                me,
                host_present: false,
                meeting,
                preview: false,
            } => {
                assert_eq!(meeting.host_name, "Dana Agent");
                Some(me.clone())
            }
            _ => None,
        })
        .await;
    // Pushed to the console at once.
    let entries = console
        .expect("lobby", |m| match m {
            ServerMsg::Lobby { entries } if !entries.is_empty() => Some(entries.clone()),
            _ => None,
        })
        .await;
    assert_eq!((entries[0].name.as_str(), &entries[0].peer), ("Ada", &me));

    // The host comes in; the guest learns the host is here, but nothing is relayed yet.
    let mut host = Conn::open(&server, Some(&cookie)).await;
    host.send(&ClientMsg::Host {
        meeting: booked.meeting.clone(),
    })
    .await;
    let host_peer = host
        .expect("joined", |m| match m {
            ServerMsg::Joined { me, peers, .. } => {
                assert!(peers.is_empty());
                Some(me.clone())
            }
            _ => None,
        })
        .await;
    assert!(matches!(
        guest.recv().await,
        ServerMsg::HostPresence { present: true }
    ));
    host.send(&ClientMsg::Signal {
        to: me.clone(),
        signal: offer(),
    })
    .await;
    assert_eq!(host.error().await.code, ErrorCode::NotFound);
    guest
        .send(&ClientMsg::Signal {
            to: host_peer.clone(),
            signal: offer(),
        })
        .await;
    assert_eq!(guest.error().await.code, ErrorCode::Forbidden);
    guest.send(&ClientMsg::Admit { peer: me.clone() }).await;
    assert_eq!(guest.error().await.code, ErrorCode::Forbidden);
    assert_eq!(
        guest.silent(300).await,
        None,
        "nothing reached the waiting guest"
    );

    // Admitted: both are told, and signals flow both ways.
    host.send(&ClientMsg::Admit { peer: me.clone() }).await;
    guest
        .expect("joined", |m| match m {
            ServerMsg::Joined { peers, .. } if peers.len() == 1 && peers[0].id == host_peer => {
                Some(())
            }
            _ => None,
        })
        .await;
    host.expect("peer joined", |m| {
        matches!(m, ServerMsg::PeerJoined { peer } if peer.id == me).then_some(())
    })
    .await;
    host.send(&ClientMsg::Signal {
        to: me.clone(),
        signal: offer(),
    })
    .await;
    guest
        .expect("signal", |m| {
            matches!(m, ServerMsg::Signal { from, .. } if from == &host_peer).then_some(())
        })
        .await;
    guest
        .send(&ClientMsg::Signal {
            to: host_peer.clone(),
            signal: offer(),
        })
        .await;
    host.expect("signal", |m| {
        matches!(m, ServerMsg::Signal { from, .. } if from == &me).then_some(())
    })
    .await;
    // The console's waiting list emptied.
    console
        .expect("empty lobby", |m| {
            matches!(m, ServerMsg::Lobby { entries } if entries.is_empty()).then_some(())
        })
        .await;
    // Leaving is seen by the other side.
    guest.send(&ClientMsg::Leave).await;
    host.expect("peer left", |m| {
        matches!(m, ServerMsg::PeerLeft { peer } if peer == &me).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_full_room_refuses_one_more() {
    let server = TestServer::start().await;
    let booked = server.book("Ada").await;
    // The demo company's package allows three-way calls: host, Ada and Bob; Carol is one too many.
    let bob = server
        .state
        .store
        .add_guest(&booked.meeting, "Bob", None)
        .await
        .unwrap();
    let carol = server
        .state
        .store
        .add_guest(&booked.meeting, "Carol", None)
        .await
        .unwrap();
    let cookie = agent_cookie(&server, &server.agent).await;

    let mut host = Conn::open(&server, Some(&cookie)).await;
    host.send(&ClientMsg::Host {
        meeting: booked.meeting.clone(),
    })
    .await;
    host.expect("joined", |m| {
        matches!(m, ServerMsg::Joined { .. }).then_some(())
    })
    .await;
    let mut guests = Vec::new();
    for hash in [
        hash_of(&booked.join_url),
        server.state.signer.join_hash(&bob).unwrap(),
    ] {
        let mut g = Conn::open(&server, None).await;
        g.send(&ClientMsg::Knock { hash }).await;
        let peer = g
            .expect("waiting", |m| match m {
                ServerMsg::Waiting { me, .. } => Some(me.clone()),
                _ => None,
            })
            .await;
        host.send(&ClientMsg::Admit { peer }).await;
        g.expect("joined", |m| {
            matches!(m, ServerMsg::Joined { .. }).then_some(())
        })
        .await;
        guests.push(g);
    }
    let mut carol_conn = Conn::open(&server, None).await;
    carol_conn
        .send(&ClientMsg::Knock {
            hash: server.state.signer.join_hash(&carol).unwrap(),
        })
        .await;
    let e = carol_conn.error().await;
    assert_eq!((e.code, e.status), (ErrorCode::RoomFull, 409));

    // A two-person room (a package without multiple_participants) is full with one guest.
    let other = server.book("Dan").await;
    // Dan got the next slot, whose room opens later: open it now.
    sqlx::query("UPDATE meetings SET capacity = 2, opens_at = 0 WHERE id = $1")
        .bind(other.meeting.as_str())
        .execute(server.state.store.pool())
        .await
        .unwrap();
    let eve = server
        .state
        .store
        .add_guest(&other.meeting, "Eve", None)
        .await
        .unwrap();
    let agent2 = agent_cookie(&server, &server.agent).await;
    let mut host2 = Conn::open(&server, Some(&agent2)).await;
    host2
        .send(&ClientMsg::Host {
            meeting: other.meeting.clone(),
        })
        .await;
    host2
        .expect("joined", |m| {
            matches!(m, ServerMsg::Joined { .. }).then_some(())
        })
        .await;
    let mut dan = Conn::open(&server, None).await;
    dan.send(&ClientMsg::Knock {
        hash: hash_of(&other.join_url),
    })
    .await;
    let mut eve_conn = Conn::open(&server, None).await;
    eve_conn
        .send(&ClientMsg::Knock {
            hash: server.state.signer.join_hash(&eve).unwrap(),
        })
        .await;
    let dan_peer = dan
        .expect("waiting", |m| match m {
            ServerMsg::Waiting { me, .. } => Some(me.clone()),
            _ => None,
        })
        .await;
    let eve_peer = eve_conn
        .expect("waiting", |m| match m {
            ServerMsg::Waiting { me, .. } => Some(me.clone()),
            _ => None,
        })
        .await;
    host2.send(&ClientMsg::Admit { peer: dan_peer }).await;
    dan.expect("joined", |m| {
        matches!(m, ServerMsg::Joined { .. }).then_some(())
    })
    .await;
    host2.send(&ClientMsg::Admit { peer: eve_peer }).await;
    let e = host2.error().await;
    assert_eq!(e.code, ErrorCode::RoomFull);
    assert_eq!(
        eve_conn.silent(300).await,
        None,
        "Eve stays in the waiting room, told nothing"
    );
}

#[tokio::test]
async fn dead_early_and_foreign_meetings_are_refused() {
    let server = TestServer::start().await;
    // Cancelled.
    let booked = server.book("Ada").await;
    server.cancel(&booked.meeting).await;
    let mut c = Conn::open(&server, None).await;
    c.send(&ClientMsg::Knock {
        hash: hash_of(&booked.join_url),
    })
    .await;
    assert_eq!(c.error().await.code, ErrorCode::Expired);

    // Too early: a slot an hour and more ahead (the room opens 15 minutes before).
    let early = server.book_slot("Eve", 6).await;
    c.send(&ClientMsg::Knock {
        hash: hash_of(&early.join_url),
    })
    .await;
    let e = c.error().await;
    assert_eq!((e.code, e.status), (ErrorCode::TooEarly, 403));

    // Another agent of the same company cannot host this agent's meeting: it answers like
    // a meeting that does not exist.
    let company: String = sqlx::query_scalar("SELECT company_id FROM users WHERE id = $1")
        .bind(server.agent.as_str())
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
    let other = server
        .state
        .store
        .create_user(&company, "Olly", "Other", "olly@example.com", "agent")
        .await
        .unwrap();
    let cookie = agent_cookie(&server, &other).await;
    let mut o = Conn::open(&server, Some(&cookie)).await;
    o.send(&ClientMsg::Host {
        meeting: early.meeting.clone(),
    })
    .await;
    assert_eq!(o.error().await.code, ErrorCode::NotFound);
    o.send(&ClientMsg::Host {
        meeting: MeetingId::parse("0123456789abcdef01234567").unwrap(),
    })
    .await;
    assert_eq!(o.error().await.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn a_flood_is_refused_message_by_message_and_the_connection_lives_on() {
    let server = TestServer::start().await;
    let mut c = Conn::open(&server, None).await;
    let ping = serde_json::to_string(&ClientMsg::Ping).unwrap();
    for _ in 0..400 {
        c.0.send(Message::Text(ping.clone().into())).await.unwrap();
    }
    let (mut pongs, mut limited) = (0, 0);
    while let Some(msg) = c.silent(700).await {
        match msg {
            ServerMsg::Pong => pongs += 1,
            ServerMsg::Error { error } if error.code == ErrorCode::TooManyRequests => limited += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!((100..400).contains(&pongs), "{pongs} answered");
    assert_eq!(limited, 1, "told once per episode");
    // After a pause the connection works as before.
    tokio::time::sleep(Duration::from_millis(500)).await;
    c.send(&ClientMsg::Ping).await;
    assert_eq!(c.recv().await, ServerMsg::Pong);
}

/// A room of the rooms API entered through its links over the real `/signal`: the key gives
/// the role, a locked room makes guests knock, the host's lock is kept with the room, and
/// deleting the room through the API ends its call.
#[tokio::test]
async fn rooms_are_entered_by_their_links_with_the_role_their_key_gives() {
    use consult::model::meeting::Role;
    use consult::server::services::rooms;
    let server = TestServer::start().await;
    let company = server.company().await;
    let (room, links) = server.rooms_api_room(true, false).await;
    let key = |url: &str| url.split("roomKey=").nth(1).map(String::from);
    let enter = |key: Option<String>, name: &str| ClientMsg::EnterRoom {
        room: room.name.clone(),
        key,
        name: name.into(),
        external_id: None,
        ticket: None,
    };

    // No such room, or a key of another room's: refused, and nothing entered.
    let mut stranger = Conn::open(&server, None).await;
    stranger
        .send(&ClientMsg::EnterRoom {
            room: "/clinic-nope".into(),
            key: None,
            name: "Eve".into(),
            external_id: None,
            ticket: None,
        })
        .await;
    assert_eq!(stranger.error().await.code, ErrorCode::NotFound);
    stranger
        .send(&enter(Some("AAAAAAAAAAAAAAAAAAAAAA".into()), "Eve"))
        .await;
    assert_eq!(stranger.error().await.code, ErrorCode::Forbidden);

    // The host's key: in at once, told the room is locked.
    let mut host = Conn::open(&server, None).await;
    host.send(&enter(key(&links.host), "Dr. Host")).await;
    let role = host
        .expect("joined", |m| match m {
            ServerMsg::Joined { role, .. } => Some(*role),
            _ => None,
        })
        .await;
    assert_eq!(role, Role::Host);
    host.expect("the lock state", |m| {
        (m == &ServerMsg::RoomLocked { locked: true }).then_some(())
    })
    .await;
    // A guest knocks on the locked room.
    let mut guest = Conn::open(&server, None).await;
    guest.send(&enter(None, "Ada")).await;
    guest
        .expect("waiting", |m| {
            matches!(m, ServerMsg::Waiting { .. }).then_some(())
        })
        .await;
    // A viewer: in at once, as a viewer.
    let mut viewer = Conn::open(&server, None).await;
    viewer.send(&enter(key(&links.viewer), "Watcher")).await;
    let role = viewer
        .expect("joined", |m| match m {
            ServerMsg::Joined { role, .. } => Some(*role),
            _ => None,
        })
        .await;
    assert_eq!(role, Role::Viewer);

    // The host unlocks: kept with the room, and the next guest is in at once.
    host.send(&ClientMsg::Lock { locked: false }).await;
    host.expect("unlocked", |m| {
        (m == &ServerMsg::RoomLocked { locked: false }).then_some(())
    })
    .await;
    // Written just after the hub tells: wait for it (a minute only if the machine hangs).
    let mut locked: i64 = 1;
    for _ in 0..1200 {
        locked = sqlx::query_scalar("SELECT is_locked FROM rooms WHERE id = $1")
            .bind(&room.id)
            .fetch_one(server.state.store.pool())
            .await
            .unwrap();
        if locked == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(locked, 0);
    let mut second = Conn::open(&server, None).await;
    second.send(&enter(None, "Bob")).await;
    second
        .expect("joined", |m| {
            matches!(
                m,
                ServerMsg::Joined {
                    role: Role::Guest,
                    ..
                }
            )
            .then_some(())
        })
        .await;

    // Deleted through the API: everyone in it is told, and the link opens nothing.
    rooms::delete(&server.state, &company, &room.id)
        .await
        .unwrap()
        .unwrap();
    for c in [&mut host, &mut second, &mut viewer, &mut guest] {
        assert_eq!(c.error().await.code, ErrorCode::Expired);
    }
    let mut late = Conn::open(&server, None).await;
    late.send(&enter(None, "Late")).await;
    assert_eq!(late.error().await.code, ErrorCode::NotFound);
}

/// Guessing room names is hopeless: an address may try so many rooms a minute, then it is
/// told to wait.
#[tokio::test]
async fn an_address_may_try_only_so_many_rooms_a_minute() {
    let server = TestServer::start().await;
    let mut c = Conn::open(&server, None).await;
    let limit = consult::server::signaling::ws::ROOM_ENTRIES_PER_MINUTE;
    for i in 0..limit {
        c.send(&ClientMsg::EnterRoom {
            room: format!("guess-{i}"),
            key: None,
            name: "Eve".into(),
            external_id: None,
            ticket: None,
        })
        .await;
        assert_eq!(c.error().await.code, ErrorCode::NotFound);
    }
    c.send(&ClientMsg::EnterRoom {
        room: "guess-last".into(),
        key: None,
        name: "Eve".into(),
        external_id: None,
        ticket: None,
    })
    .await;
    let e = c.error().await;
    assert_eq!(e.code, ErrorCode::TooManyRequests, "{e:?}");
    // A fresh connection from the same address is held back too: the limit is per address.
    let mut again = Conn::open(&server, None).await;
    again
        .send(&ClientMsg::EnterRoom {
            room: "guess-again".into(),
            key: None,
            name: "Eve".into(),
            external_id: None,
            ticket: None,
        })
        .await;
    assert_eq!(again.error().await.code, ErrorCode::TooManyRequests);
}

/// A meeting cancelled outside the server (the operator's `consult personal-data erase`,
/// another process on the same database) ends its open room: the person waiting in it is
/// told, as when the API cancels it.
#[tokio::test]
async fn a_meeting_cancelled_by_the_operators_erasure_ends_its_open_room() {
    let server = TestServer::start().await;
    let booked = server.book("Ada").await;
    let mut c = Conn::open(&server, None).await;
    c.send(&ClientMsg::Knock {
        hash: hash_of(&booked.join_url),
    })
    .await;
    c.expect("waiting", |m| {
        matches!(m, ServerMsg::Waiting { .. }).then_some(())
    })
    .await;

    let out = server.cli(&["personal-data", "erase", "--email", "guest@example.com"]);
    let done: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(done["meetings_cancelled"], 1, "{done}");
    // The server's sweep (every 5 s) finds the room's meeting cancelled.
    let error = tokio::time::timeout(support::patience(10), async {
        loop {
            match c.0.next().await {
                Some(Ok(Message::Text(t))) => {
                    if let ServerMsg::Error { error } = serde_json::from_str(&t).unwrap() {
                        break error;
                    }
                }
                Some(Ok(_)) => {}
                other => panic!("the connection ended first: {other:?}"),
            }
        }
    })
    .await
    .expect("the room ends within a sweep");
    assert_eq!(error.code, ErrorCode::Expired, "{error:?}");
    assert_eq!(error.message, "this meeting was cancelled");
    assert_eq!(server.state.hub.live_meetings(), vec![]);
}
