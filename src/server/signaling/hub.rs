//! The hub: rooms, waiting lists and the relay, enforcing the waiting room.
//!
//! Everything here is synchronous under one mutex: each operation is a short, complete state
//! change plus the messages it causes, so no interleaving of two connections can leave a room
//! half-updated. Messages go out through each connection's bounded queue; a connection whose
//! queue is full is too slow to keep up and is dropped rather than let memory grow.

use crate::model::ids::ParticipantId;
use crate::model::meeting::{LobbyEntry, MeetingBrief, Role};
use crate::model::signal::{IceServer, PeerInfo, ServerMsg, Signal, MAX_DENY_MESSAGE_CHARS};
use crate::model::{AppError, ErrorCode, MeetingId, PeerId, UserId};
use crate::server::store::ParticipantCtx;
use crate::server::tokens::new_id;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::mpsc;

/// Messages queued per connection before it counts as too slow.
pub const QUEUE: usize = 256;

/// A WebSocket connection's number inside this process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(u64);

#[derive(Debug)]
struct Conn {
    tx: mpsc::Sender<ServerMsg>,
    /// The console user behind the connection's session cookie, if any.
    user: Option<UserId>,
    /// Receives [`ServerMsg::Lobby`] updates.
    watching: bool,
    /// The room and peer id this connection occupies.
    seat: Option<(MeetingId, PeerId)>,
}

#[derive(Debug)]
struct Member {
    peer: PeerId,
    conn: ConnId,
    participant: ParticipantId,
    name: String,
    role: Role,
    admitted: bool,
    since: DateTime<Utc>,
}

impl Member {
    fn info(&self) -> PeerInfo {
        PeerInfo {
            id: self.peer.clone(),
            name: self.name.clone(),
            role: self.role,
        }
    }
}

#[derive(Debug)]
struct Room {
    brief: MeetingBrief,
    agent: UserId,
    capacity: usize,
    /// In order of arrival.
    members: Vec<Member>,
}

impl Room {
    fn admitted(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(|m| m.admitted)
    }
    fn waiting(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(|m| !m.admitted)
    }
    fn host_present(&self) -> bool {
        self.admitted().any(|m| m.role == Role::Host)
    }
}

#[derive(Debug, Default)]
struct State {
    next_conn: u64,
    conns: HashMap<ConnId, Conn>,
    rooms: HashMap<MeetingId, Room>,
}

/// Outgoing messages collected under the lock and sent after the state change is complete.
#[derive(Default)]
struct Outbox(Vec<(ConnId, ServerMsg)>);

impl Outbox {
    fn push(&mut self, to: ConnId, msg: ServerMsg) {
        self.0.push((to, msg));
    }
}

/// The signaling hub of one server process.
#[derive(Debug)]
pub struct Hub {
    state: Mutex<State>,
    ice_servers: Vec<IceServer>,
}

impl Hub {
    /// A hub handing out these ICE servers on admission.
    pub fn new(ice_servers: Vec<IceServer>) -> Self {
        Hub {
            state: Mutex::new(State::default()),
            ice_servers,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-applied change behind (each
        // operation mutates only after all checks), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Register a connection (with its console user, if logged in); returns its id and the
    /// queue of messages to write to it.
    pub fn connect(&self, user: Option<UserId>) -> (ConnId, mpsc::Receiver<ServerMsg>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let mut st = self.lock();
        st.next_conn += 1;
        let id = ConnId(st.next_conn);
        st.conns.insert(
            id,
            Conn {
                tx,
                user,
                watching: false,
                seat: None,
            },
        );
        (id, rx)
    }

    /// Forget a connection: it leaves its room and stops watching.
    pub fn disconnect(&self, conn: ConnId) {
        let mut out = Outbox::default();
        let mut st = self.lock();
        leave(&mut st, conn, &mut out);
        st.conns.remove(&conn);
        self.flush(st, out);
    }

    /// Send one message to one connection.
    pub fn send(&self, conn: ConnId, msg: ServerMsg) {
        let mut out = Outbox::default();
        out.push(conn, msg);
        self.flush(self.lock(), out);
    }

    /// Enter a meeting's room as `role`. Guests wait; hosts are in at once. The caller has
    /// checked the link or session and the meeting's window.
    pub fn enter(&self, conn: ConnId, p: &ParticipantCtx, role: Role) -> Result<(), AppError> {
        let mut out = Outbox::default();
        let mut st = self.lock();
        if !st.conns.contains_key(&conn) {
            return Err(AppError::new(ErrorCode::BadRequest, "connection closed"));
        }
        let meeting = p.meeting.id.clone();
        // Refuse a guest who could never be admitted: the room is full without them.
        if role == Role::Guest {
            if let Some(room) = st.rooms.get(&meeting) {
                let others = room.admitted().filter(|m| m.participant != p.id).count();
                if others >= room.capacity {
                    return Err(AppError::new(ErrorCode::RoomFull, "this call is full"));
                }
            }
        }
        // One seat per connection, one connection per participant: re-entering moves the seat.
        leave(&mut st, conn, &mut out);
        let replaced: Vec<ConnId> = st
            .rooms
            .get(&meeting)
            .map(|r| {
                r.members
                    .iter()
                    .filter(|m| m.participant == p.id)
                    .map(|m| m.conn)
                    .collect()
            })
            .unwrap_or_default();
        for old in replaced {
            leave(&mut st, old, &mut out);
            out.push(old, ServerMsg::Replaced);
        }
        let peer = PeerId::parse(&new_id())?;
        let room = st.rooms.entry(meeting.clone()).or_insert_with(|| Room {
            brief: p.meeting.brief(),
            agent: p.meeting.agent_id.clone(),
            capacity: p.meeting.capacity as usize,
            members: Vec::new(),
        });
        let member = Member {
            peer: peer.clone(),
            conn,
            participant: p.id.clone(),
            name: p.name.clone(),
            role,
            admitted: role == Role::Host,
            since: Utc::now(),
        };
        match role {
            Role::Host => {
                let peers = room.admitted().map(Member::info).collect();
                for m in room.admitted() {
                    out.push(
                        m.conn,
                        ServerMsg::PeerJoined {
                            peer: member.info(),
                        },
                    );
                }
                for m in room.waiting() {
                    out.push(m.conn, ServerMsg::HostPresence { present: true });
                }
                out.push(
                    conn,
                    ServerMsg::Joined {
                        me: peer.clone(),
                        role,
                        meeting: room.brief.clone(),
                        peers,
                        ice_servers: self.ice_servers.clone(),
                    },
                );
                room.members.push(member);
                out.push(conn, room_lobby(room));
            }
            Role::Guest => {
                out.push(
                    conn,
                    ServerMsg::Waiting {
                        me: peer.clone(),
                        meeting: room.brief.clone(),
                        host_present: room.host_present(),
                    },
                );
                room.members.push(member);
                let lobby = room_lobby(room);
                for m in room.admitted().filter(|m| m.role == Role::Host) {
                    out.push(m.conn, lobby.clone());
                }
            }
        }
        let agent = room.agent.clone();
        if let Some(c) = st.conns.get_mut(&conn) {
            c.seat = Some((meeting, peer));
        }
        lobby_updates(&st, &agent, &mut out);
        self.flush(st, out);
        Ok(())
    }

    /// Host admits a waiting peer of their room.
    pub fn admit(&self, conn: ConnId, peer: &PeerId) -> Result<(), AppError> {
        let mut out = Outbox::default();
        let mut st = self.lock();
        let (meeting, me) = seat_of(&st, conn)?;
        let room = st.rooms.get_mut(&meeting).ok_or_else(not_in_room)?;
        let is_host = room
            .members
            .iter()
            .any(|m| m.peer == me && m.role == Role::Host && m.admitted);
        if !is_host {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "only the host admits people",
            ));
        }
        let idx = room
            .members
            .iter()
            .position(|m| &m.peer == peer && !m.admitted)
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "no one by that id is waiting"))?;
        if room.admitted().count() >= room.capacity {
            return Err(AppError::new(ErrorCode::RoomFull, "the call is full"));
        }
        let peers: Vec<PeerInfo> = room.admitted().map(Member::info).collect();
        room.members[idx].admitted = true;
        let guest = &room.members[idx];
        for m in room.admitted().filter(|m| m.peer != guest.peer) {
            out.push(m.conn, ServerMsg::PeerJoined { peer: guest.info() });
        }
        out.push(
            guest.conn,
            ServerMsg::Joined {
                me: guest.peer.clone(),
                role: guest.role,
                meeting: room.brief.clone(),
                peers,
                ice_servers: self.ice_servers.clone(),
            },
        );
        let lobby = room_lobby(room);
        for m in room.admitted().filter(|m| m.role == Role::Host) {
            out.push(m.conn, lobby.clone());
        }
        let agent = room.agent.clone();
        lobby_updates(&st, &agent, &mut out);
        self.flush(st, out);
        Ok(())
    }

    /// Send a waiting peer away. The meeting's host may, from inside the room or from the
    /// console (the meeting's agent, logged in). The peer is told, with the host's message.
    pub fn deny(
        &self,
        conn: ConnId,
        meeting: &MeetingId,
        peer: &PeerId,
        message: Option<String>,
    ) -> Result<(), AppError> {
        let message = message
            .map(|m| m.trim().to_string())
            .filter(|m| !m.is_empty());
        if message.as_ref().is_some_and(|m| {
            m.chars().count() > MAX_DENY_MESSAGE_CHARS || m.chars().any(char::is_control)
        }) {
            return Err(AppError::invalid(
                "message",
                format!("at most {MAX_DENY_MESSAGE_CHARS} characters, no control characters"),
            ));
        }
        let mut out = Outbox::default();
        let mut st = self.lock();
        let nobody = || AppError::new(ErrorCode::NotFound, "no one by that id is waiting");
        let user = st.conns.get(&conn).and_then(|c| c.user.clone());
        let seat = st.conns.get(&conn).and_then(|c| c.seat.clone());
        let room = st.rooms.get(meeting).ok_or_else(nobody)?;
        let hosting = seat.is_some_and(|(m, me)| {
            &m == meeting
                && room
                    .members
                    .iter()
                    .any(|x| x.peer == me && x.role == Role::Host && x.admitted)
        });
        let agent = user.as_ref() == Some(&room.agent);
        if !hosting && !agent {
            // Another agent's meeting answers like a missing peer.
            return Err(nobody());
        }
        let guest = room
            .members
            .iter()
            .find(|m| &m.peer == peer && !m.admitted)
            .map(|m| m.conn)
            .ok_or_else(nobody)?;
        leave(&mut st, guest, &mut out);
        out.push(guest, ServerMsg::Denied { message });
        self.flush(st, out);
        Ok(())
    }

    /// Relay a negotiation message. Both ends must be admitted members of the same room;
    /// otherwise nothing is relayed and the sender is told why.
    pub fn relay(&self, conn: ConnId, to: &PeerId, signal: Signal) -> Result<(), AppError> {
        let mut out = Outbox::default();
        let st = self.lock();
        let (meeting, me) = seat_of(&st, conn)?;
        let room = st.rooms.get(&meeting).ok_or_else(not_in_room)?;
        let admitted = |p: &PeerId| room.members.iter().find(|m| &m.peer == p && m.admitted);
        if admitted(&me).is_none() {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "you have not been admitted yet",
            ));
        }
        let target = admitted(to)
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "no such peer in the call"))?;
        out.push(target.conn, ServerMsg::Signal { from: me, signal });
        self.flush(st, out);
        Ok(())
    }

    /// Leave the room (the connection stays).
    pub fn leave(&self, conn: ConnId) {
        let mut out = Outbox::default();
        let mut st = self.lock();
        leave(&mut st, conn, &mut out);
        self.flush(st, out);
    }

    /// Start sending [`ServerMsg::Lobby`] updates for the connection's user.
    pub fn watch(&self, conn: ConnId) -> Result<(), AppError> {
        let mut out = Outbox::default();
        let mut st = self.lock();
        let c = st.conns.get_mut(&conn).ok_or_else(not_in_room)?;
        let user = c
            .user
            .clone()
            .ok_or_else(|| AppError::new(ErrorCode::Unauthorized, "please log in"))?;
        c.watching = true;
        out.push(
            conn,
            ServerMsg::Lobby {
                entries: lobby_of(&st, &user),
            },
        );
        self.flush(st, out);
        Ok(())
    }

    /// End a meeting's room (cancelled): everyone in it or waiting is told why and let go.
    pub fn end_meeting(&self, meeting: &MeetingId, why: AppError) {
        let mut out = Outbox::default();
        let mut st = self.lock();
        let Some(room) = st.rooms.remove(meeting) else {
            return;
        };
        for m in &room.members {
            out.push(m.conn, ServerMsg::Error { error: why.clone() });
            if let Some(c) = st.conns.get_mut(&m.conn) {
                c.seat = None;
            }
        }
        lobby_updates(&st, &room.agent, &mut out);
        self.flush(st, out);
    }

    /// Number of connections (for metrics and tests).
    pub fn connections(&self) -> usize {
        self.lock().conns.len()
    }

    /// Deliver collected messages. Runs under the lock so that per-connection order matches
    /// the order of state changes; `try_send` never blocks.
    fn flush(&self, mut st: std::sync::MutexGuard<'_, State>, out: Outbox) {
        let mut slow = Vec::new();
        for (to, msg) in out.0 {
            if let Some(c) = st.conns.get(&to) {
                if let Err(mpsc::error::TrySendError::Full(_)) = c.tx.try_send(msg) {
                    slow.push(to);
                }
            }
        }
        for conn in slow {
            tracing::warn!(conn = conn.0, "dropping a connection that does not keep up");
            let mut more = Outbox::default();
            leave(&mut st, conn, &mut more);
            // Dropping the sender ends the connection's writer, which closes the socket.
            st.conns.remove(&conn);
            for (to, msg) in more.0 {
                if let Some(c) = st.conns.get(&to) {
                    let _ = c.tx.try_send(msg);
                }
            }
        }
    }
}

/// `n` random lowercase hex digits (for handles that need no secrecy, only uniqueness).
pub fn random_hex(n: usize) -> String {
    let mut s = crate::server::tokens::hex(&crate::server::tokens::random_bytes::<16>());
    s.truncate(n.min(32));
    s
}

fn not_in_room() -> AppError {
    AppError::new(ErrorCode::Forbidden, "you are not in a room")
}

fn seat_of(st: &State, conn: ConnId) -> Result<(MeetingId, PeerId), AppError> {
    st.conns
        .get(&conn)
        .and_then(|c| c.seat.clone())
        .ok_or_else(not_in_room)
}

fn room_lobby(room: &Room) -> ServerMsg {
    ServerMsg::RoomLobby {
        waiting: room.waiting().map(Member::info).collect(),
    }
}

fn lobby_of(st: &State, user: &UserId) -> Vec<LobbyEntry> {
    let mut entries: Vec<LobbyEntry> = st
        .rooms
        .values()
        .filter(|r| &r.agent == user)
        .flat_map(|r| {
            r.waiting().map(|m| LobbyEntry {
                meeting: r.brief.id.clone(),
                subject: r.brief.subject.clone(),
                starts_at: r.brief.starts_at,
                peer: m.peer.clone(),
                name: m.name.clone(),
                since: m.since,
            })
        })
        .collect();
    entries.sort_by_key(|e| e.since);
    entries
}

fn lobby_updates(st: &State, agent: &UserId, out: &mut Outbox) {
    let watchers: Vec<ConnId> = st
        .conns
        .iter()
        .filter(|(_, c)| c.watching && c.user.as_ref() == Some(agent))
        .map(|(id, _)| *id)
        .collect();
    if watchers.is_empty() {
        return;
    }
    let entries = lobby_of(st, agent);
    for w in watchers {
        out.push(
            w,
            ServerMsg::Lobby {
                entries: entries.clone(),
            },
        );
    }
}

/// Take a connection out of its room, telling whoever needs to know.
fn leave(st: &mut State, conn: ConnId, out: &mut Outbox) {
    let Some((meeting, peer)) = st.conns.get_mut(&conn).and_then(|c| c.seat.take()) else {
        return;
    };
    let Some(room) = st.rooms.get_mut(&meeting) else {
        return;
    };
    let Some(idx) = room.members.iter().position(|m| m.peer == peer) else {
        return;
    };
    let gone = room.members.remove(idx);
    if gone.admitted {
        for m in room.admitted() {
            out.push(
                m.conn,
                ServerMsg::PeerLeft {
                    peer: gone.peer.clone(),
                },
            );
        }
        if gone.role == Role::Host && !room.host_present() {
            for m in room.waiting() {
                out.push(m.conn, ServerMsg::HostPresence { present: false });
            }
        }
    } else {
        let lobby = room_lobby(room);
        for m in room.admitted().filter(|m| m.role == Role::Host) {
            out.push(m.conn, lobby.clone());
        }
    }
    let agent = room.agent.clone();
    if room.members.is_empty() {
        st.rooms.remove(&meeting);
    }
    lobby_updates(st, &agent, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SiteId;
    use crate::server::store::MeetingRow;
    use chrono::Duration;

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

    fn drain(rx: &mut mpsc::Receiver<ServerMsg>) -> Vec<ServerMsg> {
        let mut v = Vec::new();
        while let Ok(m) = rx.try_recv() {
            v.push(m);
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
    fn nothing_is_relayed_to_or_from_a_waiting_guest() {
        let hub = Hub::new(vec![]);
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
        let hub = Hub::new(vec![]);
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
    fn lobby_watchers_see_knocks_and_leaves_live() {
        let hub = Hub::new(vec![]);
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
        hub.disconnect(guest);
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
        let hub = Hub::new(vec![]);
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
        let hub = Hub::new(vec![]);
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
        let hub = Hub::new(vec![]);
        let m = meeting(2);
        let (host, mut host_rx) = hub.connect(None);
        let (guest, mut guest_rx) = hub.connect(None);
        enter_host(&hub, &m, host);
        enter_guest(&hub, &m, guest, "222222222222222222222222", "Ada");
        let gp = peer_of(&drain(&mut guest_rx));
        drain(&mut host_rx);
        hub.admit(host, &gp).unwrap();
        drain(&mut host_rx);
        drain(&mut guest_rx);
        hub.leave(guest);
        assert!(drain(&mut host_rx)
            .iter()
            .any(|m| matches!(m, ServerMsg::PeerLeft { peer } if peer == &gp)));
        hub.disconnect(host);
        hub.disconnect(guest);
        assert_eq!(hub.connections(), 0);
        assert!(hub.lock().rooms.is_empty());
    }

    #[test]
    fn a_connection_that_does_not_read_is_dropped_not_buffered() {
        let hub = Hub::new(vec![]);
        let m = meeting(2);
        let (host, mut host_rx) = hub.connect(None);
        let (guest, _never_read) = hub.connect(None);
        enter_host(&hub, &m, host);
        enter_guest(&hub, &m, guest, "222222222222222222222222", "Ada");
        let gp = drain(&mut host_rx)
            .iter()
            .find_map(|m| match m {
                ServerMsg::RoomLobby { waiting } if !waiting.is_empty() => {
                    Some(waiting[0].id.clone())
                }
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
}
