//! The hub's rules, each as a sequence of connections and the messages they get.

use super::*;
use crate::model::SiteId;
use crate::server::store::MeetingRow;
use chrono::Duration;

fn test_hub() -> Hub {
    Hub::new(IceConfig::default(), Signer::new([7; 32]))
}

/// A host and a guest (Ada) admitted to a call of `m`, their queues drained.
struct InCall {
    host: ConnId,
    host_rx: mpsc::Receiver<Frame>,
    guest: ConnId,
    guest_rx: mpsc::Receiver<Frame>,
    /// The guest's peer id.
    guest_peer: PeerId,
}

fn in_call(hub: &Hub, m: &MeetingRow) -> InCall {
    let (host, mut host_rx) = hub.connect(None);
    let (guest, mut guest_rx) = hub.connect(None);
    enter_host(hub, m, host);
    enter_guest(hub, m, guest, "222222222222222222222222", "Ada");
    let guest_peer = peer_of(&drain(&mut guest_rx));
    hub.admit(host, &guest_peer).unwrap();
    drain(&mut host_rx);
    drain(&mut guest_rx);
    InCall {
        host,
        host_rx,
        guest,
        guest_rx,
        guest_peer,
    }
}

fn meeting(capacity: u32) -> MeetingRow {
    let now = Utc::now();
    MeetingRow {
        id: MeetingId::parse("aaaaaaaaaaaaaaaaaaaaaaaa").unwrap(),
        site_id: SiteId::parse("bbbbbbbbbbbbbbbbbbbbbbbb").unwrap(),
        site_name: "Site".into(),
        time_zone: "Europe/Amsterdam".into(),
        agent_id: UserId::parse("cccccccccccccccccccccccc").unwrap(),
        host_name: "Agent".into(),
        subject: "Talk".into(),
        starts_at: now,
        ends_at: now + Duration::minutes(30),
        opens_at: now - Duration::minutes(10),
        closes_at: now + Duration::minutes(90),
        cancelled: false,
        capacity,
        waiting_preview: false,
        recording: None,
        company: "company".into(),
        call_ended_at: None,
        live: true,
    }
}

fn participant(m: &MeetingRow, id: &str, name: &str, host: bool) -> ParticipantCtx {
    ParticipantCtx {
        id: ParticipantId::parse(id).unwrap(),
        name: name.into(),
        is_host: host,
        meeting: m.clone(),
    }
}

fn enter_host(hub: &Hub, m: &MeetingRow, conn: ConnId) {
    let agent = participant(m, "111111111111111111111111", "Agent", true);
    hub.enter(conn, &agent, Role::Host).unwrap();
}

fn enter_guest(hub: &Hub, m: &MeetingRow, conn: ConnId, id: &str, name: &str) {
    hub.enter(conn, &participant(m, id, name, false), Role::Guest)
        .unwrap();
}

fn drain(rx: &mut mpsc::Receiver<Frame>) -> Vec<ServerMsg> {
    let mut v = Vec::new();
    while let Ok(m) = rx.try_recv() {
        v.push(serde_json::from_str(&m).expect("the hub queues valid messages"));
    }
    v
}

fn offer() -> Signal {
    Signal::Description {
        sdp_type: crate::model::signal::SdpType::Offer,
        sdp: "v=0".into(),
    }
}

fn peer_of(msgs: &[ServerMsg]) -> PeerId {
    msgs.iter()
        .find_map(|m| match m {
            ServerMsg::Waiting { me, .. } | ServerMsg::Joined { me, .. } => Some(me.clone()),
            _ => None,
        })
        .expect("a Waiting or Joined message")
}

#[test]
fn the_census_counts_rooms_calls_and_people_waiting() {
    let hub = test_hub();
    let m = meeting(4);
    assert_eq!(hub.census(), Census::default());
    // A guest alone: a room, someone waiting, no call.
    let (guest, _guest_rx) = hub.connect(None);
    enter_guest(&hub, &m, guest, "222222222222222222222222", "Ada");
    let c = hub.census();
    assert_eq!((c.rooms, c.calls, c.in_calls, c.waiting), (1, 0, 0, 1));
    // The host comes: a call of one, the guest still waiting.
    let (host, _host_rx) = hub.connect(None);
    enter_host(&hub, &m, host);
    let c = hub.census();
    assert_eq!((c.rooms, c.calls, c.in_calls, c.waiting), (1, 1, 1, 1));
    // Admitted: two in the call, no one waiting.
    hub.admit_all(host).unwrap();
    let c = hub.census();
    assert_eq!((c.rooms, c.calls, c.in_calls, c.waiting), (1, 1, 2, 0));
    // Both gone for good: nothing left.
    hub.disconnect(guest, false);
    hub.disconnect(host, false);
    assert_eq!(hub.census(), Census::default());
}

#[test]
fn nothing_is_relayed_to_or_from_a_waiting_guest() {
    let hub = test_hub();
    let m = meeting(2);
    let (host, mut host_rx) = hub.connect(Some(m.agent_id.clone()));
    let (guest, mut guest_rx) = hub.connect(None);
    enter_host(&hub, &m, host);
    enter_guest(&hub, &m, guest, "222222222222222222222222", "Ada");
    let host_msgs = drain(&mut host_rx);
    let guest_msgs = drain(&mut guest_rx);
    let host_peer = peer_of(&host_msgs);
    let guest_peer = peer_of(&guest_msgs);
    assert!(matches!(
        &guest_msgs[0],
        ServerMsg::Waiting {
            host_present: true,
            ..
        }
    ));
    // The host sees the guest waiting…
    assert!(host_msgs.iter().any(|m| matches!(m, ServerMsg::RoomLobby { waiting } if waiting.len() == 1 && waiting[0].name == "Ada")));
    // …but can send them nothing, and they can send nothing either.
    let e = hub.relay(host, &guest_peer, offer()).unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    let e = hub.relay(guest, &host_peer, offer()).unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert!(drain(&mut guest_rx).is_empty());
    assert!(drain(&mut host_rx).is_empty());
    // A guest cannot admit themselves.
    assert_eq!(
        hub.admit(guest, &guest_peer).unwrap_err().code,
        ErrorCode::Forbidden
    );
    // After admission, signals flow both ways.
    hub.admit(host, &guest_peer).unwrap();
    let joined = drain(&mut guest_rx);
    assert!(
        matches!(&joined[0], ServerMsg::Joined { peers, role: Role::Guest, .. } if peers.len() == 1 && peers[0].id == host_peer)
    );
    assert!(drain(&mut host_rx)
        .iter()
        .any(|m| matches!(m, ServerMsg::PeerJoined { peer } if peer.id == guest_peer)));
    hub.relay(host, &guest_peer, offer()).unwrap();
    assert!(
        matches!(&drain(&mut guest_rx)[0], ServerMsg::Signal { from, .. } if from == &host_peer)
    );
    hub.relay(guest, &host_peer, offer()).unwrap();
    assert!(
        matches!(&drain(&mut host_rx)[0], ServerMsg::Signal { from, .. } if from == &guest_peer)
    );
}

#[test]
fn capacity_is_enforced_on_entry_and_admission() {
    let hub = test_hub();
    let m = meeting(2);
    let (host, mut host_rx) = hub.connect(None);
    let (g1, mut g1_rx) = hub.connect(None);
    let (g2, mut g2_rx) = hub.connect(None);
    enter_host(&hub, &m, host);
    enter_guest(&hub, &m, g1, "222222222222222222222222", "One");
    enter_guest(&hub, &m, g2, "333333333333333333333333", "Two");
    let p1 = peer_of(&drain(&mut g1_rx));
    let p2 = peer_of(&drain(&mut g2_rx));
    drain(&mut host_rx);
    hub.admit(host, &p1).unwrap();
    assert_eq!(hub.admit(host, &p2).unwrap_err().code, ErrorCode::RoomFull);
    // A third person knocking on a full room is told at once.
    let (g3, _g3_rx) = hub.connect(None);
    let e = hub
        .enter(
            g3,
            &participant(&m, "444444444444444444444444", "Three", false),
            Role::Guest,
        )
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::RoomFull);
}

#[test]
fn admit_all_fills_the_room_in_order_and_says_who_is_left() {
    let hub = test_hub();
    let m = meeting(3);
    let (host, mut host_rx) = hub.connect(None);
    enter_host(&hub, &m, host);
    let mut guests = Vec::new();
    for (id, name) in [
        ("222222222222222222222222", "One"),
        ("333333333333333333333333", "Two"),
    ] {
        let (c, mut rx) = hub.connect(None);
        enter_guest(&hub, &m, c, id, name);
        drain(&mut rx);
        guests.push((c, rx));
    }
    drain(&mut host_rx);
    // A guest may not admit everyone.
    assert_eq!(
        hub.admit_all(guests[0].0).unwrap_err().code,
        ErrorCode::Forbidden
    );
    hub.admit_all(host).unwrap();
    // Each guest joins with everyone admitted before them as peers.
    let one = drain(&mut guests[0].1);
    assert!(matches!(&one[0], ServerMsg::Joined { peers, .. } if peers.len() == 1));
    let two = drain(&mut guests[1].1);
    assert!(matches!(&two[0], ServerMsg::Joined { peers, .. } if peers.len() == 2));
    let host_msgs = drain(&mut host_rx);
    let joined: Vec<_> = host_msgs
        .iter()
        .filter_map(|m| match m {
            ServerMsg::PeerJoined { peer } => Some(peer.name.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(joined, ["One", "Two"]);
    assert!(
        matches!(host_msgs.last(), Some(ServerMsg::RoomLobby { waiting }) if waiting.is_empty())
    );
    // In a full room a late knock is refused at the door; a room of two fills with one.
    let m2 = MeetingRow {
        id: MeetingId::parse("dddddddddddddddddddddddd").unwrap(),
        ..meeting(2)
    };
    let (h2, _h2_rx) = hub.connect(None);
    enter_host(&hub, &m2, h2);
    let (a, _a_rx) = hub.connect(None);
    let (b, mut b_rx) = hub.connect(None);
    enter_guest(&hub, &m2, a, "555555555555555555555555", "A");
    enter_guest(&hub, &m2, b, "666666666666666666666666", "B");
    drain(&mut b_rx);
    let e = hub.admit_all(h2).unwrap_err();
    assert_eq!(e.code, ErrorCode::RoomFull);
    assert!(e.message.contains("1 still waiting"), "{}", e.message);
    assert!(drain(&mut b_rx).is_empty(), "B stays waiting, told nothing");
}

#[test]
fn media_state_and_chat_reach_the_call_only() {
    let hub = test_hub();
    let m = meeting(3);
    let (host, mut host_rx) = hub.connect(None);
    let (g1, mut g1_rx) = hub.connect(None);
    let (g2, mut g2_rx) = hub.connect(None);
    enter_host(&hub, &m, host);
    enter_guest(&hub, &m, g1, "222222222222222222222222", "Ada");
    enter_guest(&hub, &m, g2, "333333333333333333333333", "Bob");
    let p1 = peer_of(&drain(&mut g1_rx));
    drain(&mut g2_rx);
    hub.admit(host, &p1).unwrap();
    drain(&mut host_rx);
    drain(&mut g1_rx);
    // Someone waiting can neither announce media nor chat.
    let muted = MediaState {
        audio: false,
        video: true,
        screen: false,
    };
    assert_eq!(
        hub.set_media(g2, muted).unwrap_err().code,
        ErrorCode::Forbidden
    );
    assert_eq!(hub.chat(g2, "hi").unwrap_err().code, ErrorCode::Forbidden);
    hub.set_media(g1, muted).unwrap();
    assert!(
        matches!(&drain(&mut host_rx)[..], [ServerMsg::PeerMedia { peer, media }] if peer == &p1 && !media.audio)
    );
    assert!(drain(&mut g1_rx).is_empty(), "not echoed to the sender");
    assert!(
        drain(&mut g2_rx).is_empty(),
        "nothing reaches the waiting room"
    );
    // Chat goes to everyone in the call, sender included, and never to the waiting.
    hub.chat(g1, "  Hello\nthere  ").unwrap();
    for rx in [&mut host_rx, &mut g1_rx] {
        assert!(
            matches!(&drain(rx)[..], [ServerMsg::Chat { from, name, text, .. }] if from == &p1 && name == "Ada" && text == "Hello\nthere")
        );
    }
    assert!(drain(&mut g2_rx).is_empty());
    for bad in ["", "   ", "bell\u{7}", &"x".repeat(MAX_CHAT_CHARS + 1)] {
        let e = hub.chat(host, bad).unwrap_err();
        assert_eq!(e.code, ErrorCode::Invalid, "{bad:?}");
    }
    // Whoever is admitted later learns the current state with the peer list.
    hub.admit_all(host).unwrap();
    let joined = drain(&mut g2_rx);
    assert!(
        matches!(&joined[0], ServerMsg::Joined { peers, .. } if peers.iter().any(|p| p.id == p1 && !p.media.audio))
    );
}

#[test]
fn only_the_host_ends_the_call_for_everyone() {
    let hub = test_hub();
    let m = meeting(3);
    let (console, mut console_rx) = hub.connect(Some(m.agent_id.clone()));
    hub.watch(console).unwrap();
    let (host, mut host_rx) = hub.connect(None);
    let (g1, mut g1_rx) = hub.connect(None);
    let (g2, mut g2_rx) = hub.connect(None);
    enter_host(&hub, &m, host);
    enter_guest(&hub, &m, g1, "222222222222222222222222", "Ada");
    enter_guest(&hub, &m, g2, "333333333333333333333333", "Bob");
    let p1 = peer_of(&drain(&mut g1_rx));
    hub.admit(host, &p1).unwrap();
    drain(&mut g1_rx);
    drain(&mut g2_rx);
    drain(&mut host_rx);
    drain(&mut console_rx);
    assert_eq!(hub.end_for_all(g1).unwrap_err().code, ErrorCode::Forbidden);
    hub.end_for_all(host).unwrap();
    for rx in [&mut host_rx, &mut g1_rx, &mut g2_rx] {
        assert_eq!(drain(rx), vec![ServerMsg::Ended]);
    }
    // Nobody is waiting any more, and nobody is in a room.
    assert!(
        matches!(&drain(&mut console_rx)[..], [ServerMsg::Lobby { entries }] if entries.is_empty())
    );
    assert_eq!(
        hub.relay(g1, &p1, offer()).unwrap_err().code,
        ErrorCode::Forbidden
    );
    assert_eq!(
        hub.chat(host, "still here?").unwrap_err().code,
        ErrorCode::Forbidden
    );
    // The room can be opened again.
    enter_host(&hub, &m, host);
    assert!(matches!(&drain(&mut host_rx)[0], ServerMsg::Joined { peers, .. } if peers.is_empty()));
}

fn resume_of(msgs: &[ServerMsg]) -> (PeerId, Vec<PeerId>, bool) {
    msgs.iter()
        .find_map(|m| match m {
            ServerMsg::Joined {
                me,
                peers,
                resumed,
                resume,
                ..
            } => {
                assert!(resume.is_some(), "every Joined carries a resume token");
                Some((
                    me.clone(),
                    peers.iter().map(|p| p.id.clone()).collect(),
                    *resumed,
                ))
            }
            _ => None,
        })
        .expect("a Joined message")
}

#[test]
fn a_dropped_member_keeps_the_seat_and_resumes_unnoticed() {
    let hub = test_hub();
    let m = meeting(2);
    let (host, mut host_rx) = hub.connect(None);
    let (guest, mut guest_rx) = hub.connect(None);
    enter_host(&hub, &m, host);
    let ada = participant(&m, "222222222222222222222222", "Ada", false);
    hub.enter(guest, &ada, Role::Guest).unwrap();
    let p = peer_of(&drain(&mut guest_rx));
    hub.admit(host, &p).unwrap();
    let host_peer = peer_of(&drain(&mut host_rx));
    drain(&mut guest_rx);
    // The connection breaks: the seat is kept, the host hears nothing.
    assert_eq!(hub.disconnect(guest, true), Some((m.id.clone(), p.clone())));
    assert!(drain(&mut host_rx).is_empty());
    // Signals to the away peer are dropped, not refused (the sender's call goes on).
    hub.relay(host, &p, offer()).unwrap();
    // The page comes back on a new connection as the same peer.
    let (again, mut again_rx) = hub.connect(None);
    hub.resume(again, &ada, Role::Guest, &p, Utc::now())
        .unwrap();
    let (me, peers, resumed) = resume_of(&drain(&mut again_rx));
    assert_eq!(
        (me, peers, resumed),
        (p.clone(), vec![host_peer.clone()], true)
    );
    assert!(drain(&mut host_rx).is_empty(), "the host noticed nothing");
    hub.relay(host, &p, offer()).unwrap();
    assert!(
        matches!(&drain(&mut again_rx)[..], [ServerMsg::Signal { from, .. }] if from == &host_peer)
    );
    // Someone else cannot take that seat with their own record.
    let (thief, _thief_rx) = hub.connect(None);
    let bob = participant(&m, "333333333333333333333333", "Bob", false);
    assert_eq!(
        hub.resume(thief, &bob, Role::Guest, &p, Utc::now())
            .unwrap_err()
            .code,
        ErrorCode::Forbidden
    );
    // Broken again and not back within the grace: then the host is told.
    hub.disconnect(again, true);
    hub.expire(&m.id, &p);
    assert!(matches!(&drain(&mut host_rx)[..], [ServerMsg::PeerLeft { peer }] if peer == &p));
    // A clean close leaves at once.
    let (g3, mut g3_rx) = hub.connect(None);
    hub.enter(g3, &ada, Role::Guest).unwrap();
    let p3 = peer_of(&drain(&mut g3_rx));
    hub.admit(host, &p3).unwrap();
    drain(&mut host_rx);
    assert_eq!(hub.disconnect(g3, false), None);
    assert!(drain(&mut host_rx)
        .iter()
        .any(|m| matches!(m, ServerMsg::PeerLeft { .. })));
}

#[test]
fn after_a_restart_the_room_is_rebuilt_as_people_resume() {
    let m = meeting(2);
    let ada = participant(&m, "222222222222222222222222", "Ada", false);
    let agent = participant(&m, "111111111111111111111111", "Agent", true);
    let (host_peer, guest_peer) = (
        PeerId::parse("aaaaaaaaaaaaaaaaaaaaaaa1").unwrap(),
        PeerId::parse("aaaaaaaaaaaaaaaaaaaaaaa2").unwrap(),
    );
    // A new process: an empty hub.
    let hub = test_hub();
    let (host, mut host_rx) = hub.connect(None);
    hub.resume(host, &agent, Role::Host, &host_peer, Utc::now())
        .unwrap();
    let (me, peers, resumed) = resume_of(&drain(&mut host_rx));
    assert_eq!((me, peers.len(), resumed), (host_peer.clone(), 0, true));
    let (guest, mut guest_rx) = hub.connect(None);
    hub.resume(guest, &ada, Role::Guest, &guest_peer, Utc::now())
        .unwrap();
    let (_, peers, _) = resume_of(&drain(&mut guest_rx));
    assert_eq!(peers, vec![host_peer.clone()]);
    assert!(drain(&mut host_rx)
        .iter()
        .any(|m| matches!(m, ServerMsg::PeerJoined { peer } if peer.id == guest_peer)));
    hub.relay(guest, &host_peer, offer()).unwrap();
    assert!(matches!(
        &drain(&mut host_rx)[..],
        [ServerMsg::Signal { .. }]
    ));
    // A room already full refuses a resumed seat beyond its capacity.
    let (extra, _extra_rx) = hub.connect(None);
    let bob = participant(&m, "333333333333333333333333", "Bob", false);
    let bob_peer = PeerId::parse("aaaaaaaaaaaaaaaaaaaaaaa3").unwrap();
    assert_eq!(
        hub.resume(extra, &bob, Role::Guest, &bob_peer, Utc::now())
            .unwrap_err()
            .code,
        ErrorCode::RoomFull
    );
    // Once the host ends the call, earlier tokens no longer bring anyone back.
    let issued = Utc::now() - Duration::seconds(1);
    hub.end_for_all(host).unwrap();
    let (late, _late_rx) = hub.connect(None);
    assert_eq!(
        hub.resume(late, &ada, Role::Guest, &guest_peer, issued)
            .unwrap_err()
            .code,
        ErrorCode::Expired
    );
}

#[test]
fn previews_only_where_the_site_allows_and_only_while_waiting() {
    let hub = test_hub();
    let picture = format!("data:image/jpeg;base64,{}", "A".repeat(100));
    // Not allowed: refused, nobody hears of it.
    let closed = meeting(2);
    let (g, mut g_rx) = hub.connect(None);
    enter_guest(&hub, &closed, g, "222222222222222222222222", "Ada");
    assert!(matches!(
        &drain(&mut g_rx)[0],
        ServerMsg::Waiting { preview: false, .. }
    ));
    assert_eq!(
        hub.preview(g, picture.clone()).unwrap_err().code,
        ErrorCode::Forbidden
    );
    hub.disconnect(g, false);
    // Allowed: the host in the room and the agent's console see it.
    let m = MeetingRow {
        waiting_preview: true,
        ..meeting(2)
    };
    let (console, mut console_rx) = hub.connect(Some(m.agent_id.clone()));
    hub.watch(console).unwrap();
    let (host, mut host_rx) = hub.connect(None);
    enter_host(&hub, &m, host);
    let (guest, mut guest_rx) = hub.connect(None);
    enter_guest(&hub, &m, guest, "222222222222222222222222", "Ada");
    let waiting = drain(&mut guest_rx);
    assert!(matches!(
        &waiting[0],
        ServerMsg::Waiting { preview: true, .. }
    ));
    drain(&mut host_rx);
    drain(&mut console_rx);
    for bad in [
        "data:image/png;base64,AAAA".to_string(),
        "javascript:alert(1)".to_string(),
        format!("data:image/jpeg;base64,{}", "A".repeat(MAX_PREVIEW_BYTES)),
    ] {
        assert_eq!(
            hub.preview(guest, bad).unwrap_err().code,
            ErrorCode::Invalid
        );
    }
    hub.preview(guest, picture.clone()).unwrap();
    assert!(
        matches!(&drain(&mut host_rx)[..], [ServerMsg::RoomLobby { waiting }] if waiting[0].preview.as_deref() == Some(picture.as_str()))
    );
    assert!(
        matches!(&drain(&mut console_rx)[..], [ServerMsg::Lobby { entries }] if entries[0].preview.as_deref() == Some(picture.as_str()))
    );
    // Once in the call, no more pictures, and the others never get one.
    hub.admit(host, &peer_of(&waiting)).unwrap();
    let joined = drain(&mut host_rx);
    assert!(joined
        .iter()
        .any(|m| matches!(m, ServerMsg::PeerJoined { peer } if peer.preview.is_none())));
    assert_eq!(
        hub.preview(guest, picture).unwrap_err().code,
        ErrorCode::Forbidden
    );
}

#[test]
fn a_call_ends_when_its_window_closes() {
    let hub = test_hub();
    let m = meeting(2);
    let InCall {
        host,
        mut host_rx,
        guest: _,
        mut guest_rx,
        guest_peer: p,
    } = in_call(&hub, &m);
    assert_eq!(hub.close_ended(m.closes_at - Duration::seconds(1)), 0);
    assert!(drain(&mut host_rx).is_empty());
    assert_eq!(hub.close_ended(m.closes_at), 1);
    for rx in [&mut host_rx, &mut guest_rx] {
        assert!(
            matches!(&drain(rx)[..], [ServerMsg::Error { error }] if error.code == ErrorCode::Expired)
        );
    }
    assert_eq!(
        hub.relay(host, &p, offer()).unwrap_err().code,
        ErrorCode::Forbidden
    );
}

#[test]
fn lobby_watchers_see_knocks_and_leaves_live() {
    let hub = test_hub();
    let m = meeting(2);
    let (console, mut console_rx) = hub.connect(Some(m.agent_id.clone()));
    hub.watch(console).unwrap();
    assert!(
        matches!(&drain(&mut console_rx)[0], ServerMsg::Lobby { entries } if entries.is_empty())
    );
    let (guest, _guest_rx) = hub.connect(None);
    enter_guest(&hub, &m, guest, "222222222222222222222222", "Ada");
    let msgs = drain(&mut console_rx);
    assert!(
        matches!(&msgs[0], ServerMsg::Lobby { entries } if entries.len() == 1 && entries[0].name == "Ada")
    );
    hub.disconnect(guest, false);
    assert!(
        matches!(&drain(&mut console_rx)[0], ServerMsg::Lobby { entries } if entries.is_empty())
    );
    // Another agent's console sees nothing of this meeting.
    let (other, mut other_rx) =
        hub.connect(Some(UserId::parse("dddddddddddddddddddddddd").unwrap()));
    hub.watch(other).unwrap();
    let (guest, _g) = hub.connect(None);
    enter_guest(&hub, &m, guest, "222222222222222222222222", "Ada");
    let msgs = drain(&mut other_rx);
    assert_eq!(msgs.len(), 1, "only the initial empty lobby: {msgs:?}");
    // Anonymous connections cannot watch.
    let (anon, _a) = hub.connect(None);
    assert_eq!(hub.watch(anon).unwrap_err().code, ErrorCode::Unauthorized);
}

#[test]
fn the_agent_denies_a_waiting_guest_with_a_message() {
    let hub = test_hub();
    let m = meeting(2);
    let (console, mut console_rx) = hub.connect(Some(m.agent_id.clone()));
    hub.watch(console).unwrap();
    drain(&mut console_rx);
    let (guest, mut guest_rx) = hub.connect(None);
    enter_guest(&hub, &m, guest, "222222222222222222222222", "Ada");
    let peer = peer_of(&drain(&mut guest_rx));
    drain(&mut console_rx);
    // Someone else (another agent, a guest) cannot; it answers like a missing peer.
    let (other, _o) = hub.connect(Some(UserId::parse("dddddddddddddddddddddddd").unwrap()));
    let (anon, _a) = hub.connect(None);
    for who in [other, anon, guest] {
        assert_eq!(
            hub.deny(who, &m.id, &peer, None).unwrap_err().code,
            ErrorCode::NotFound
        );
    }
    assert!(drain(&mut guest_rx).is_empty());
    // A message too long or with control characters is refused, nothing happens.
    let long = "x".repeat(MAX_DENY_MESSAGE_CHARS + 1);
    for bad in [long, "a\u{7}b".to_string()] {
        assert_eq!(
            hub.deny(console, &m.id, &peer, Some(bad))
                .unwrap_err()
                .field
                .as_deref(),
            Some("message")
        );
    }
    // The agent, from the console: the guest is told and out; the lobby is empty.
    hub.deny(
        console,
        &m.id,
        &peer,
        Some("  Please call us instead. ".into()),
    )
    .unwrap();
    assert_eq!(
        drain(&mut guest_rx),
        [ServerMsg::Denied {
            message: Some("Please call us instead.".into())
        }]
    );
    assert!(
        matches!(&drain(&mut console_rx)[0], ServerMsg::Lobby { entries } if entries.is_empty())
    );
    assert_eq!(
        hub.deny(console, &m.id, &peer, None).unwrap_err().code,
        ErrorCode::NotFound,
        "gone"
    );
    // Out of the room: nothing can be relayed to or from it.
    assert!(hub.relay(guest, &peer, offer()).is_err());
}

#[test]
fn same_link_twice_replaces_the_first_connection() {
    let hub = test_hub();
    let m = meeting(2);
    let p = participant(&m, "222222222222222222222222", "Ada", false);
    let (first, mut first_rx) = hub.connect(None);
    let (second, mut second_rx) = hub.connect(None);
    hub.enter(first, &p, Role::Guest).unwrap();
    hub.enter(second, &p, Role::Guest).unwrap();
    assert!(drain(&mut first_rx).contains(&ServerMsg::Replaced));
    assert!(matches!(
        &drain(&mut second_rx)[0],
        ServerMsg::Waiting { .. }
    ));
    // The first connection no longer has a seat.
    let (host, _h) = hub.connect(None);
    enter_host(&hub, &m, host);
    assert_eq!(
        hub.relay(
            first,
            &PeerId::parse("000000000000000000000000").unwrap(),
            offer()
        )
        .unwrap_err()
        .code,
        ErrorCode::Forbidden
    );
}

#[test]
fn leaving_tells_the_others_and_empty_rooms_vanish() {
    let hub = test_hub();
    let m = meeting(2);
    let InCall {
        host,
        mut host_rx,
        guest,
        guest_rx: _guest_rx,
        guest_peer: gp,
    } = in_call(&hub, &m);
    hub.leave(guest);
    assert!(drain(&mut host_rx)
        .iter()
        .any(|m| matches!(m, ServerMsg::PeerLeft { peer } if peer == &gp)));
    hub.disconnect(host, false);
    hub.disconnect(guest, false);
    assert_eq!(hub.connections(), 0);
    assert!(hub.lock().rooms.is_empty());
}

#[test]
fn a_connection_that_does_not_read_is_dropped_not_buffered() {
    let hub = test_hub();
    let m = meeting(2);
    let (host, mut host_rx) = hub.connect(None);
    let (guest, _never_read) = hub.connect(None);
    enter_host(&hub, &m, host);
    enter_guest(&hub, &m, guest, "222222222222222222222222", "Ada");
    let gp = drain(&mut host_rx)
        .iter()
        .find_map(|m| match m {
            ServerMsg::RoomLobby { waiting } if !waiting.is_empty() => Some(waiting[0].id.clone()),
            _ => None,
        })
        .unwrap();
    hub.admit(host, &gp).unwrap();
    for _ in 0..QUEUE + 10 {
        let _ = hub.relay(host, &gp, offer());
    }
    assert_eq!(
        hub.connections(),
        1,
        "the guest that never reads was dropped"
    );
}

/// A room of the rooms API, locked or not.
fn named_room(locked: bool) -> RoomSpec {
    let now = Utc::now();
    RoomSpec {
        brief: MeetingBrief {
            id: MeetingId::parse("dddddddddddddddddddddddd").unwrap(),
            subject: "clinic-abc".into(),
            site_name: String::new(),
            host_name: String::new(),
            starts_at: now,
            ends_at: now + Duration::minutes(30),
            opens_at: now,
            closes_at: now + Duration::minutes(90),
            time_zone: "UTC".into(),
        },
        agent: None,
        capacity: 4,
        preview: false,
        locked: Some(locked),
        record: None,
        features: None,
        appointment: None,
        recording: None,
    }
}

fn entrant(name: &str) -> Entrant {
    Entrant {
        participant: ParticipantId::parse(&new_id()).unwrap(),
        name: name.into(),
        external_id: None,
        user_agent: None,
        attendee: None,
    }
}

#[test]
fn guests_enter_an_unlocked_room_at_once_and_knock_on_a_locked_one() {
    let hub = test_hub();
    let open = named_room(false);
    let (guest, mut guest_rx) = hub.connect(None);
    hub.enter_as(guest, &open, &entrant("Ada"), Role::Guest)
        .unwrap();
    let msgs = drain(&mut guest_rx);
    assert!(
        matches!(
            &msgs[0],
            ServerMsg::Joined {
                role: Role::Guest,
                ..
            }
        ),
        "{msgs:?}"
    );
    assert!(msgs.contains(&ServerMsg::RoomLocked { locked: false }));

    let hub = test_hub();
    let locked = named_room(true);
    let (host, mut host_rx) = hub.connect(None);
    let (guest, mut guest_rx) = hub.connect(None);
    hub.enter_as(host, &locked, &entrant("Host"), Role::Host)
        .unwrap();
    hub.enter_as(guest, &locked, &entrant("Ada"), Role::Guest)
        .unwrap();
    let msgs = drain(&mut guest_rx);
    assert!(matches!(&msgs[0], ServerMsg::Waiting { .. }), "{msgs:?}");
    let ada = peer_of(&msgs);
    // Waiting: nothing relayed either way.
    let host_peer = peer_of(&drain(&mut host_rx));
    assert!(hub.relay(guest, &host_peer, offer()).is_err());
    assert!(hub.relay(host, &ada, offer()).is_err());
    // Held with a message: still waiting, and told why.
    hub.hold(host, &ada, Some("One moment please".into()))
        .unwrap();
    assert_eq!(
        drain(&mut guest_rx),
        vec![ServerMsg::Held {
            message: Some("One moment please".into())
        }]
    );
    assert!(hub.relay(guest, &host_peer, offer()).is_err());
    // Then admitted.
    hub.admit(host, &ada).unwrap();
    assert!(drain(&mut guest_rx)
        .iter()
        .any(|m| matches!(m, ServerMsg::Joined { .. })));
    assert!(hub.relay(guest, &host_peer, offer()).is_ok());
}

#[test]
fn only_hosts_lock_hold_reject_remove_and_ask_to_mute() {
    let hub = test_hub();
    let room = named_room(false);
    let (host, mut host_rx) = hub.connect(None);
    let (guest, mut guest_rx) = hub.connect(None);
    let (other, mut other_rx) = hub.connect(None);
    hub.enter_as(host, &room, &entrant("Host"), Role::Host)
        .unwrap();
    hub.enter_as(guest, &room, &entrant("Ada"), Role::Guest)
        .unwrap();
    let ada = peer_of(&drain(&mut guest_rx));
    let host_peer = peer_of(&drain(&mut host_rx));
    // A guest may do none of it.
    assert_eq!(
        hub.set_locked(guest, true).unwrap_err().code,
        ErrorCode::Forbidden
    );
    assert!(hub.remove(guest, &host_peer).is_err());
    assert!(hub.ask_mute(guest, &host_peer).is_err());
    // The host locks: everyone in the call is told; the next guest knocks.
    hub.set_locked(host, true).unwrap();
    assert_eq!(
        drain(&mut guest_rx),
        vec![ServerMsg::RoomLocked { locked: true }]
    );
    drain(&mut host_rx);
    hub.enter_as(other, &room, &entrant("Bob"), Role::Guest)
        .unwrap();
    let bob = peer_of(&drain(&mut other_rx));
    // Rejected with a message: out of the room.
    hub.deny(host, &room.brief.id, &bob, Some("Not today".into()))
        .unwrap();
    assert_eq!(
        drain(&mut other_rx),
        vec![ServerMsg::Denied {
            message: Some("Not today".into())
        }]
    );
    // Asked to mute, then removed: the others see them leave.
    hub.ask_mute(host, &ada).unwrap();
    assert_eq!(drain(&mut guest_rx), vec![ServerMsg::MuteAsked]);
    drain(&mut host_rx);
    hub.remove(host, &ada).unwrap();
    assert_eq!(drain(&mut guest_rx), vec![ServerMsg::Removed]);
    assert!(drain(&mut host_rx).contains(&ServerMsg::PeerLeft { peer: ada.clone() }));
    assert!(hub.relay(guest, &host_peer, offer()).is_err());
    // A meeting's room cannot be unlocked.
    let hub = test_hub();
    let m = meeting(2);
    let InCall { host, .. } = in_call(&hub, &m);
    assert_eq!(
        hub.set_locked(host, false).unwrap_err().code,
        ErrorCode::BadRequest
    );
}

#[test]
fn viewers_take_no_seat_send_nothing_and_are_limited() {
    let hub = test_hub();
    let room = named_room(true);
    let (host, mut host_rx) = hub.connect(None);
    hub.enter_as(host, &room, &entrant("Host"), Role::Host)
        .unwrap();
    let host_peer = peer_of(&drain(&mut host_rx));
    let mut viewers = Vec::new();
    for i in 0..MAX_VIEWERS {
        let (v, mut rx) = hub.connect(None);
        // A locked room: viewers enter without knocking.
        hub.enter_as(v, &room, &entrant(&format!("Viewer {i}")), Role::Viewer)
            .unwrap();
        let msgs = drain(&mut rx);
        assert!(
            matches!(
                &msgs[0],
                ServerMsg::Joined {
                    role: Role::Viewer,
                    ..
                }
            ),
            "{msgs:?}"
        );
        viewers.push((v, rx));
    }
    let (extra, _rx) = hub.connect(None);
    assert_eq!(
        hub.enter_as(extra, &room, &entrant("One too many"), Role::Viewer)
            .unwrap_err()
            .code,
        ErrorCode::RoomFull
    );
    // They take no seat: three guests still fit beside the host.
    for name in ["A", "B", "C"] {
        let (g, mut rx) = hub.connect(None);
        hub.enter_as(g, &room, &entrant(name), Role::Guest).unwrap();
        hub.admit(host, &peer_of(&drain(&mut rx))).unwrap();
    }
    let (fifth, _rx) = hub.connect(None);
    assert_eq!(
        hub.enter_as(fifth, &room, &entrant("E"), Role::Guest)
            .unwrap_err()
            .code,
        ErrorCode::RoomFull
    );
    // A viewer sends no media: a sending description and media state are refused, receiving
    // answers pass.
    let (v, _) = &viewers[0];
    let send = Signal::Description {
        sdp_type: crate::model::signal::SdpType::Answer,
        sdp: "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=sendrecv\r\n".into(),
    };
    assert_eq!(
        hub.relay(*v, &host_peer, send).unwrap_err().code,
        ErrorCode::Forbidden
    );
    let receive = Signal::Description {
        sdp_type: crate::model::signal::SdpType::Answer,
        sdp: "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=recvonly\r\n".into(),
    };
    assert!(hub.relay(*v, &host_peer, receive).is_ok());
    assert!(hub
        .set_media(
            *v,
            MediaState {
                audio: true,
                video: false,
                screen: false
            }
        )
        .is_err());
    assert!(hub
        .set_media(
            *v,
            MediaState {
                audio: false,
                video: false,
                screen: false
            }
        )
        .is_ok());
    // And chats.
    assert!(hub.chat(*v, "hello").is_ok());
}

#[test]
fn a_recorded_room_tells_its_sessions_and_participants() {
    use crate::server::signaling::insights::{Insight, RoomRecord};
    let hub = test_hub();
    let (tx, mut rx) = mpsc::unbounded_channel();
    hub.record_to(tx);
    let mut room = named_room(false);
    room.record = Some(RoomRecord {
        room: room.brief.id.to_string(),
        company: "company".into(),
        name: "/clinic-abc".into(),
        created_at: Utc::now(),
        ends_at: Utc::now(),
    });
    let (host, _host_rx) = hub.connect(None);
    let (guest, _guest_rx) = hub.connect(None);
    hub.enter_as(host, &room, &entrant("Host"), Role::Host)
        .unwrap();
    hub.enter_as(
        guest,
        &room,
        &Entrant {
            external_id: Some("crm-7".into()),
            ..entrant("Ada")
        },
        Role::Guest,
    )
    .unwrap();
    hub.stats(guest, 5, 10, 300_000, 250_000).unwrap();
    // A second report within the second is dropped.
    hub.stats(guest, 5, 10, 300_000, 250_000).unwrap();
    assert!(hub.stats(guest, 1001, 0, 0, 0).is_err());
    hub.leave(guest);
    hub.leave(host);
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match e {
            Insight::SessionStarted { .. } => "started",
            Insight::Joined { .. } => "joined",
            Insight::Left { .. } => "left",
            Insight::SessionEnded { .. } => "ended",
            Insight::Sample { .. } => "sample",
            Insight::Met { .. } => "met",
            Insight::CallEnded { .. } => "call-ended",
            Insight::Hold { on: true, .. } => "hold",
            Insight::Hold { on: false, .. } => "back",
            _ => "recording",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "started",
            "joined",
            "joined",
            "met",
            "sample",
            "left",
            "left",
            "ended",
            "call-ended"
        ]
    );
    assert!(events.iter().any(|e| matches!(e,
        Insight::Joined { name, external_id: Some(x), role: Role::Guest, .. } if name == "Ada" && x == "crm-7")));
    assert!(events.iter().any(|e| matches!(e,
        Insight::Sample { sample, .. } if sample.bitrate_send == 300_000 && (sample.packet_loss_recv - 0.01).abs() < 1e-9)));
    // A meeting's room records nothing.
    let hub = test_hub();
    let (tx, mut rx) = mpsc::unbounded_channel();
    hub.record_to(tx);
    let m = meeting(2);
    let InCall { guest, .. } = in_call(&hub, &m);
    hub.stats(guest, 0, 0, 1, 1).unwrap();
    assert!(rx.try_recv().is_err());
}

/// An appointment's room: the claimant without a camera, no chat.
fn appointment_room() -> RoomSpec {
    use crate::model::appointment::CallFeatures;
    RoomSpec {
        features: Some(CallFeatures {
            camera_guest: false,
            chat: false,
            // A shared screen is video too.
            screen_share: false,
            ..CallFeatures::default()
        }),
        ..named_room(false)
    }
}

fn description(sdp: &str) -> Signal {
    Signal::Description {
        sdp_type: crate::model::signal::SdpType::Offer,
        sdp: sdp.into(),
    }
}

#[test]
fn an_appointments_switches_hold_on_the_server() {
    let hub = test_hub();
    let room = appointment_room();
    let (host, mut host_rx) = hub.connect(None);
    let (guest, mut guest_rx) = hub.connect(None);
    hub.enter_as(host, &room, &entrant("Agent"), Role::Host)
        .unwrap();
    hub.enter_as(guest, &room, &entrant("Claimant"), Role::Guest)
        .unwrap();
    let host_peer = peer_of(&drain(&mut host_rx));
    let claimant = peer_of(&drain(&mut guest_rx));
    // The chat is off: refused for everyone.
    assert_eq!(
        hub.chat(guest, "hello").unwrap_err().code,
        ErrorCode::Forbidden
    );
    assert_eq!(
        hub.chat(host, "hello").unwrap_err().code,
        ErrorCode::Forbidden
    );
    // The claimant's camera is off: a camera state and a description sending video are
    // refused; sound alone goes through.
    let camera = MediaState {
        audio: true,
        video: true,
        screen: false,
    };
    assert!(hub.set_media(guest, camera).is_err());
    assert!(hub
        .set_media(
            guest,
            MediaState {
                video: false,
                ..camera
            }
        )
        .is_ok());
    let with_video = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n";
    let sound_only = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=recvonly\r\n";
    let refused = hub
        .relay(guest, &host_peer, description(with_video))
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden);
    assert!(refused.message.contains("video"), "{}", refused.message);
    hub.relay(guest, &host_peer, description(sound_only))
        .unwrap();
    // The agent's camera is allowed.
    hub.set_media(host, camera).unwrap();
    hub.relay(host, &claimant, description(with_video)).unwrap();
}

#[test]
fn on_hold_sends_a_guest_back_to_waiting_until_admitted_again() {
    use crate::server::signaling::insights::{Insight, RoomRecord};
    let hub = test_hub();
    let (tx, mut rx) = mpsc::unbounded_channel();
    hub.record_to(tx);
    let mut room = appointment_room();
    room.record = Some(RoomRecord {
        room: room.brief.id.to_string(),
        company: "company".into(),
        name: "/appointment".into(),
        created_at: Utc::now(),
        ends_at: Utc::now(),
    });
    let (host, mut host_rx) = hub.connect(None);
    let (guest, mut guest_rx) = hub.connect(None);
    hub.enter_as(host, &room, &entrant("Agent"), Role::Host)
        .unwrap();
    hub.enter_as(guest, &room, &entrant("Claimant"), Role::Guest)
        .unwrap();
    let host_peer = peer_of(&drain(&mut host_rx));
    let claimant = peer_of(&drain(&mut guest_rx));
    drain(&mut host_rx);
    // Only a host may, and only a guest in the call.
    assert!(hub.put_on_hold(guest, &host_peer, None).is_err());
    assert!(hub.put_on_hold(host, &host_peer, None).is_err());
    hub.put_on_hold(host, &claimant, Some("Checking your file".into()))
        .unwrap();
    assert_eq!(
        drain(&mut guest_rx),
        vec![ServerMsg::OnHold {
            message: Some("Checking your file".into()),
            host_present: true,
            aside: false,
        }]
    );
    let to_host = drain(&mut host_rx);
    assert!(to_host.contains(&ServerMsg::PeerLeft {
        peer: claimant.clone()
    }));
    assert!(
        to_host.iter().any(
            |m| matches!(m, ServerMsg::RoomLobby { waiting } if waiting.iter().any(|p| p.id == claimant))
        ),
        "{to_host:?}"
    );
    // On hold, nothing flows either way.
    assert!(hub.relay(guest, &host_peer, offer()).is_err());
    assert!(hub.relay(host, &claimant, offer()).is_err());
    // Admitted again: back in the call.
    hub.admit(host, &claimant).unwrap();
    assert!(drain(&mut guest_rx)
        .iter()
        .any(|m| matches!(m, ServerMsg::Joined { .. })));
    hub.relay(host, &claimant, offer()).unwrap();
    hub.leave(guest);
    hub.leave(host);
    let mut kinds = Vec::new();
    while let Ok(e) = rx.try_recv() {
        kinds.push(match e {
            Insight::SessionStarted { .. } => "started",
            Insight::Joined { .. } => "joined",
            Insight::Left { .. } => "left",
            Insight::SessionEnded { .. } => "ended",
            Insight::Sample { .. } => "sample",
            Insight::Met { .. } => "met",
            Insight::CallEnded { .. } => "call-ended",
            Insight::Hold { on: true, .. } => "hold",
            Insight::Hold { on: false, .. } => "back",
            _ => "recording",
        });
    }
    // One join each: coming back from hold is not a second participant.
    assert_eq!(
        kinds,
        [
            "started",
            "joined",
            "joined",
            "met",
            "hold",
            "back",
            "met",
            "left",
            "left",
            "ended",
            "call-ended"
        ]
    );
}

#[test]
fn the_host_takes_one_guest_aside_and_brings_everyone_back() {
    use crate::model::appointment::Attendee;
    use crate::server::signaling::insights::{Insight, RoomRecord};
    let hub = test_hub();
    let (tx, mut rx) = mpsc::unbounded_channel();
    hub.record_to(tx);
    let mut room = appointment_room();
    room.record = Some(RoomRecord {
        room: room.brief.id.to_string(),
        company: "company".into(),
        name: "/appointment".into(),
        created_at: Utc::now(),
        ends_at: Utc::now(),
    });
    let (host, mut host_rx) = hub.connect(None);
    let (claimant, mut claimant_rx) = hub.connect(None);
    let (interpreter, mut interpreter_rx) = hub.connect(None);
    hub.enter_as(host, &room, &entrant("Agent"), Role::Host)
        .unwrap();
    hub.enter_as(
        interpreter,
        &room,
        &Entrant {
            attendee: Some(Attendee::Interpreter),
            ..entrant("Interpreter")
        },
        Role::Guest,
    )
    .unwrap();
    hub.enter_as(
        claimant,
        &room,
        &Entrant {
            attendee: Some(Attendee::Claimant),
            ..entrant("Claimant")
        },
        Role::Guest,
    )
    .unwrap();
    let host_peer = peer_of(&drain(&mut host_rx));
    let claimant_peer = peer_of(&drain(&mut claimant_rx));
    let interpreter_peer = peer_of(&drain(&mut interpreter_rx));
    drain(&mut host_rx);
    drain(&mut claimant_rx);
    // Off unless the appointment allows it; never a guest's to do.
    assert_eq!(
        hub.take_aside(host, Some(&claimant_peer)).unwrap_err().code,
        ErrorCode::Forbidden
    );
    let hub2 = test_hub();
    let mut open = appointment_room();
    if let Some(f) = open.features.as_mut() {
        f.breakout = true;
    }
    let (h, mut h_rx) = hub2.connect(None);
    let (g, mut g_rx) = hub2.connect(None);
    let (o, mut o_rx) = hub2.connect(None);
    hub2.enter_as(h, &open, &entrant("Agent"), Role::Host)
        .unwrap();
    hub2.enter_as(g, &open, &entrant("Claimant"), Role::Guest)
        .unwrap();
    hub2.enter_as(o, &open, &entrant("Interpreter"), Role::Guest)
        .unwrap();
    let (hp, gp, op) = (
        peer_of(&drain(&mut h_rx)),
        peer_of(&drain(&mut g_rx)),
        peer_of(&drain(&mut o_rx)),
    );
    drain(&mut h_rx);
    drain(&mut g_rx);
    assert!(hub2.take_aside(g, Some(&op)).is_err());
    assert!(hub2.take_aside(h, Some(&hp)).is_err(), "not the host");
    // Aside: the others wait, told why; the two talk on, nothing reaches the others.
    hub2.take_aside(h, Some(&gp)).unwrap();
    assert_eq!(
        drain(&mut o_rx),
        vec![ServerMsg::OnHold {
            message: None,
            host_present: true,
            aside: true,
        }]
    );
    let to_host = drain(&mut h_rx);
    assert!(to_host.contains(&ServerMsg::PeerLeft { peer: op.clone() }));
    assert!(to_host.contains(&ServerMsg::Aside { active: true }));
    assert!(drain(&mut g_rx).contains(&ServerMsg::Aside { active: true }));
    assert!(hub2.relay(o, &hp, offer()).is_err());
    assert!(hub2.relay(h, &op, offer()).is_err());
    hub2.relay(h, &gp, offer()).unwrap();
    // Back: the one who waited is in the call again.
    hub2.take_aside(h, None).unwrap();
    assert!(drain(&mut o_rx)
        .iter()
        .any(|m| matches!(m, ServerMsg::Joined { .. })));
    assert!(drain(&mut h_rx).contains(&ServerMsg::Aside { active: false }));
    hub2.relay(h, &op, offer()).unwrap();

    // In an appointment's recorded room: a wait for someone else's private talk is no
    // hold of the appointment, and the interpreter alone with the agent is no meeting.
    let _ = (host_peer, interpreter_peer);
    hub.leave(claimant);
    hub.leave(interpreter);
    hub.leave(host);
    let mut kinds = Vec::new();
    while let Ok(e) = rx.try_recv() {
        if let Insight::Met { .. } | Insight::Hold { .. } = e {
            kinds.push(match e {
                Insight::Met { .. } => "met",
                _ => "hold",
            });
        }
    }
    // The host and the interpreter meet first: not yet; the claimant arrives: met.
    assert_eq!(kinds, ["met"]);
}

#[test]
fn a_dropped_guest_who_knocks_again_takes_one_seat_not_two() {
    let hub = test_hub();
    let m = meeting(2);
    let mut call = in_call(&hub, &m);
    // Ada's connection breaks (her seat is kept for the grace) and her page knocks again
    // instead of resuming (a reload, say).
    hub.disconnect(call.guest, true);
    let (again, mut again_rx) = hub.connect(None);
    enter_guest(&hub, &m, again, "222222222222222222222222", "Ada");
    let p = peer_of(&drain(&mut again_rx));
    // Her old seat left the call as she came back: the host is told, and can admit her into
    // the one seat she takes.
    assert!(drain(&mut call.host_rx)
        .iter()
        .any(|msg| matches!(msg, ServerMsg::PeerLeft { peer } if peer == &call.guest_peer)));
    hub.admit(call.host, &p).unwrap();
    assert!(drain(&mut again_rx)
        .iter()
        .any(|msg| matches!(msg, ServerMsg::Joined { .. })));
}

/// A room of the rooms API that may be recorded (`cloud`, started as `trigger` says).
fn recorded_room(locked: bool, trigger: crate::model::signal::RecordingTrigger) -> RoomSpec {
    use crate::model::signal::{RecordingMode, RecordingOffer};
    let mut room = named_room(locked);
    room.recording = Some(RecordPolicy {
        offer: RecordingOffer {
            mode: RecordingMode::Cloud,
            trigger,
        },
        company: "company".into(),
        room_id: room.brief.id.to_string(),
        room_name: "/clinic-abc".into(),
    });
    room
}

fn notices(msgs: &[ServerMsg]) -> Vec<crate::model::signal::RecordingNotice> {
    msgs.iter()
        .filter_map(|m| match m {
            ServerMsg::Recording(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

fn recording_insights(
    rx: &mut mpsc::UnboundedReceiver<crate::server::signaling::insights::Insight>,
) -> Vec<crate::server::signaling::insights::Insight> {
    use crate::server::signaling::insights::Insight;
    let mut v = Vec::new();
    while let Ok(i) = rx.try_recv() {
        if matches!(
            i,
            Insight::RecordingStarted(_)
                | Insight::RecordingTold { .. }
                | Insight::RecordingStopped { .. }
        ) {
            v.push(i);
        }
    }
    v
}

#[test]
fn a_recording_starts_only_once_everyone_in_the_call_was_told() {
    use crate::model::signal::{RecordingStatus, RecordingTrigger};
    use crate::server::signaling::insights::Insight;
    let hub = test_hub();
    let (tx, mut ins) = mpsc::unbounded_channel();
    hub.record_to(tx);
    let room = recorded_room(true, RecordingTrigger::Manual);
    let (host, mut host_rx) = hub.connect(None);
    let (guest, mut guest_rx) = hub.connect(None);
    hub.enter_as(host, &room, &entrant("Host"), Role::Host)
        .unwrap();
    let joined = drain(&mut host_rx);
    assert!(
        joined.iter().any(|m| matches!(
            m,
            ServerMsg::Joined { record: Some(o), recording: None, .. }
                if o.trigger == RecordingTrigger::Manual
        )),
        "the host learns it may record: {joined:?}"
    );
    hub.enter_as(guest, &room, &entrant("Ada"), Role::Guest)
        .unwrap();
    let ada = peer_of(&drain(&mut guest_rx));
    hub.admit(host, &ada).unwrap();
    let guest_joined = drain(&mut guest_rx);
    assert!(guest_joined
        .iter()
        .any(|m| matches!(m, ServerMsg::Joined { record: None, .. })));
    drain(&mut host_rx);
    // A guest may not start one.
    assert_eq!(
        hub.record_start(guest).unwrap_err().code,
        ErrorCode::Forbidden
    );
    hub.record_start(host).unwrap();
    let h = notices(&drain(&mut host_rx));
    let g = notices(&drain(&mut guest_rx));
    assert_eq!(h.len(), 1);
    assert_eq!((g.len(), &g[0].id, g[0].status), (1, &h[0].id, h[0].status));
    assert!(
        h[0].yours && !g[0].yours,
        "the host's page is the one that records"
    );
    assert_eq!(h[0].status, RecordingStatus::Telling);
    assert_eq!(h[0].by, "Host");
    assert!(h[0].upload.is_none(), "no upload before everyone was told");
    assert_eq!(
        hub.record_start(host).unwrap_err().code,
        ErrorCode::Conflict
    );
    let id = h[0].id.clone();
    // The host's page answers: still waiting for Ada's.
    hub.recording_seen(host, &id).unwrap();
    assert!(notices(&drain(&mut host_rx)).is_empty());
    assert!(recording_insights(&mut ins).is_empty());
    // A stale notice changes nothing.
    hub.recording_seen(guest, "not-the-one").unwrap();
    assert!(notices(&drain(&mut host_rx)).is_empty());
    hub.recording_seen(guest, &id).unwrap();
    let h = notices(&drain(&mut host_rx));
    let g = notices(&drain(&mut guest_rx));
    assert_eq!(h[0].status, RecordingStatus::Started);
    assert_eq!(g[0].status, RecordingStatus::Started);
    let ticket = h[0]
        .upload
        .clone()
        .expect("the recording host's upload ticket");
    assert!(hub.signer.verify_upload_ticket(&id, &ticket));
    assert!(g[0].upload.is_none(), "only the recording host uploads");
    let started = recording_insights(&mut ins);
    let [Insight::RecordingStarted(r)] = started.as_slice() else {
        panic!("{started:?}");
    };
    assert_eq!(r.id, id);
    assert_eq!(r.mode, "cloud");
    assert_eq!(r.room_name, "/clinic-abc");
    let told: Vec<(&str, &str)> = r.told.iter().map(|t| (t.name.as_str(), t.role)).collect();
    assert_eq!(told, [("Host", "host"), ("Ada", "guest")]);
    // Stopped: everyone told, the store too.
    assert_eq!(
        hub.record_stop(guest).unwrap_err().code,
        ErrorCode::Forbidden
    );
    hub.record_stop(host).unwrap();
    assert_eq!(
        notices(&drain(&mut guest_rx))[0].status,
        RecordingStatus::Stopped
    );
    assert!(matches!(
        recording_insights(&mut ins).as_slice(),
        [Insight::RecordingStopped { id: stopped, .. }] if *stopped == id
    ));
}

#[test]
fn a_newcomer_sees_and_hears_no_one_before_being_told() {
    use crate::model::signal::{RecordingStatus, RecordingTrigger};
    use crate::server::signaling::insights::Insight;
    let hub = test_hub();
    let (tx, mut ins) = mpsc::unbounded_channel();
    hub.record_to(tx);
    let room = recorded_room(true, RecordingTrigger::Automatic);
    let (host, mut host_rx) = hub.connect(None);
    hub.enter_as(host, &room, &entrant("Host"), Role::Host)
        .unwrap();
    // Automatic: announced as the host enters, started once their page answers.
    let msgs = drain(&mut host_rx);
    let host_peer = peer_of(&msgs);
    let id = notices(&msgs)[0].id.clone();
    hub.recording_seen(host, &id).unwrap();
    assert_eq!(
        notices(&drain(&mut host_rx))[0].status,
        RecordingStatus::Started
    );
    // A guest knocking is told while waiting.
    let (late, mut late_rx) = hub.connect(None);
    hub.enter_as(late, &room, &entrant("Bo"), Role::Guest)
        .unwrap();
    let msgs = drain(&mut late_rx);
    let bo = peer_of(&msgs);
    assert_eq!(notices(&msgs)[0].status, RecordingStatus::Started);
    drain(&mut host_rx);
    // Admitted before their page answered: nothing yet, on either side.
    hub.admit(host, &bo).unwrap();
    let msgs = drain(&mut late_rx);
    assert!(
        !msgs.iter().any(|m| matches!(m, ServerMsg::Joined { .. })),
        "{msgs:?}"
    );
    assert!(!drain(&mut host_rx)
        .iter()
        .any(|m| matches!(m, ServerMsg::PeerJoined { .. })));
    assert_eq!(
        hub.relay(late, &host_peer, offer()).unwrap_err().code,
        ErrorCode::Forbidden
    );
    hub.recording_seen(late, &id).unwrap();
    let msgs = drain(&mut late_rx);
    assert!(
        msgs.iter()
            .any(|m| matches!(m, ServerMsg::Joined { recording: Some(n), .. } if n.id == id)),
        "{msgs:?}"
    );
    assert!(drain(&mut host_rx)
        .iter()
        .any(|m| matches!(m, ServerMsg::PeerJoined { .. })));
    assert!(matches!(
        recording_insights(&mut ins).as_slice(),
        [Insight::RecordingStarted(_), Insight::RecordingTold { told, .. }] if told.name == "Bo"
    ));
    // An unlocked room's guest, a viewer, a second host: each told before they are in.
    let mut open = recorded_room(false, RecordingTrigger::Manual);
    open.brief.id = MeetingId::parse("eeeeeeeeeeeeeeeeeeeeeeee").unwrap();
    let (h2, mut h2_rx) = hub.connect(None);
    hub.enter_as(h2, &open, &entrant("Host"), Role::Host)
        .unwrap();
    drain(&mut h2_rx);
    hub.record_start(h2).unwrap();
    let id2 = notices(&drain(&mut h2_rx))[0].id.clone();
    hub.recording_seen(h2, &id2).unwrap();
    drain(&mut h2_rx);
    for role in [Role::Guest, Role::Viewer, Role::Host] {
        let (c, mut rx) = hub.connect(None);
        hub.enter_as(c, &open, &entrant("Cy"), role).unwrap();
        let msgs = drain(&mut rx);
        assert!(!msgs.iter().any(|m| matches!(m, ServerMsg::Joined { .. })));
        assert_eq!(notices(&msgs).len(), 1, "{role:?}");
        assert!(drain(&mut h2_rx).is_empty() || role != Role::Guest);
        hub.recording_seen(c, &id2).unwrap();
        assert!(drain(&mut rx)
            .iter()
            .any(|m| matches!(m, ServerMsg::Joined { .. })));
        drain(&mut h2_rx);
    }
}

#[test]
fn a_recording_stops_when_its_host_leaves_and_waiting_newcomers_get_in() {
    use crate::model::signal::{RecordingStatus, RecordingTrigger};
    use crate::server::signaling::insights::Insight;
    let hub = test_hub();
    let (tx, mut ins) = mpsc::unbounded_channel();
    hub.record_to(tx);
    // Second participant: starts as the second person is in the call.
    let room = recorded_room(false, RecordingTrigger::SecondParticipant);
    let (host, mut host_rx) = hub.connect(None);
    let (guest, mut guest_rx) = hub.connect(None);
    let (other, mut other_rx) = hub.connect(None);
    hub.enter_as(host, &room, &entrant("Host"), Role::Host)
        .unwrap();
    assert!(notices(&drain(&mut host_rx)).is_empty());
    hub.enter_as(guest, &room, &entrant("Ada"), Role::Guest)
        .unwrap();
    let g = drain(&mut guest_rx);
    assert!(g.iter().any(|m| matches!(m, ServerMsg::Joined { .. })));
    let id = notices(&g)[0].id.clone();
    // A third arrives while it is announced: told, waits.
    hub.enter_as(other, &room, &entrant("Bo"), Role::Guest)
        .unwrap();
    assert_eq!(notices(&drain(&mut other_rx)).len(), 1);
    // The host leaves before Ada's page answered: it never started, and it stops.
    hub.leave(host);
    assert_eq!(
        notices(&drain(&mut guest_rx)).last().unwrap().status,
        RecordingStatus::Stopped
    );
    // Bo, who waited only to be told, is let in now.
    let msgs = drain(&mut other_rx);
    assert_eq!(notices(&msgs)[0].status, RecordingStatus::Stopped);
    assert!(msgs.iter().any(|m| matches!(m, ServerMsg::Joined { .. })));
    // Nothing was recorded: the store never heard of it.
    assert!(recording_insights(&mut ins).is_empty());
    // Where recording is not allowed, it is refused.
    let mut plain = named_room(false);
    plain.brief.id = MeetingId::parse("eeeeeeeeeeeeeeeeeeeeeeee").unwrap();
    let (h, _h_rx) = hub.connect(None);
    hub.enter_as(h, &plain, &entrant("Host"), Role::Host)
        .unwrap();
    assert_eq!(hub.record_start(h).unwrap_err().code, ErrorCode::Forbidden);
    let _ = Insight::RecordingStopped { id, at: Utc::now() };
}
