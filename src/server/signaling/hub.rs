//! The hub: rooms, waiting lists and the relay, enforcing the waiting room.
//!
//! Everything here is synchronous under one mutex: each operation is a short, complete state
//! change plus the messages it causes, so no interleaving of two connections can leave a room
//! half-updated. Messages go out through each connection's bounded queue; a connection whose
//! queue is full is too slow to keep up and is dropped rather than let memory grow.

use super::ice::IceConfig;
use crate::model::ids::ParticipantId;
use crate::model::meeting::{LobbyEntry, MeetingBrief, Role};
use crate::model::person::neutralise;
use crate::model::signal::{
    MediaState, PeerInfo, ServerMsg, Signal, MAX_CHAT_CHARS, MAX_DENY_MESSAGE_CHARS,
    MAX_PREVIEW_BYTES,
};
use crate::model::{AppError, ErrorCode, MeetingId, PeerId, UserId};
use crate::server::store::ParticipantCtx;
use crate::server::tokens::{new_id, ResumeClaim, Signer};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::mpsc;

/// Messages queued per connection before it counts as too slow.
pub const QUEUE: usize = 256;

/// A message as queued for a connection: already JSON. Queues hold these rather than
/// [`ServerMsg`] values because a channel allocates its slots in blocks as soon as it exists:
/// 32 slots of a 16-byte pointer instead of a several-hundred-byte enum keep an idle
/// connection small.
pub type Frame = std::sync::Arc<str>;

/// A WebSocket connection's number inside this process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(u64);

#[derive(Debug)]
struct Conn {
    tx: mpsc::Sender<Frame>,
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
    media: MediaState,
    /// Waiting: the latest picture from their camera (where the site allows).
    preview: Option<String>,
    /// In the call, but its connection dropped: the seat is kept for [`RESUME_GRACE`] so the
    /// page can resume; messages to it are dropped meanwhile.
    away: bool,
    /// The host page's own id for this person (rooms), told to the others.
    external_id: Option<String>,
    /// When their last network sample was taken in (one a second at most).
    last_sample: Option<std::time::Instant>,
    /// Their browser (rooms' insights).
    user_agent: Option<String>,
    /// Put on hold from the call: waiting again, their join to the session still recorded.
    held: bool,
    /// Waiting because the host took someone else aside; brought back with everyone.
    aside: bool,
    /// An appointment's room: the claimant or the interpreter.
    attendee: Option<crate::model::appointment::Attendee>,
    /// Admitted, but a recording is announced or runs: let in once their page has shown its
    /// notice.
    admit_when_told: bool,
}

/// How long an admitted member whose connection dropped keeps their seat.
pub const RESUME_GRACE: std::time::Duration = std::time::Duration::from_secs(20);

impl Member {
    fn info(&self) -> PeerInfo {
        PeerInfo {
            id: self.peer.clone(),
            name: self.name.clone(),
            role: self.role,
            media: self.media,
            preview: None,
            external_id: self.external_id.clone(),
        }
    }
}

#[derive(Debug)]
struct Room {
    brief: MeetingBrief,
    /// The meeting's agent, whose console shows who waits; rooms of the rooms API have none.
    agent: Option<UserId>,
    /// Seats in the call (viewers take none).
    capacity: usize,
    /// The site lets the host see waiting people's camera pictures.
    preview: bool,
    /// Rooms of the rooms API: locked (guests knock) or not (guests enter at once). Meetings:
    /// none, every guest waits to be admitted.
    locked: Option<bool>,
    /// In order of arrival.
    members: Vec<Member>,
    /// Rooms of the rooms API: what their insights are recorded under.
    record: Option<super::insights::RoomRecord>,
    /// The session running now (someone is in the call).
    session: Option<String>,
    /// An appointment's room: the switches of its call.
    features: Option<crate::model::appointment::CallFeatures>,
    /// The guest the host took aside (breakout), while they talk privately.
    aside: Option<PeerId>,
    /// The room may be recorded: how.
    policy: Option<recording::RecordPolicy>,
    /// The recording announced or running.
    recording: Option<recording::Rec>,
    /// Its automatic start happened (once per room).
    auto_recorded: bool,
}

/// What a room is made of when its first person enters.
#[derive(Clone, Debug)]
pub struct RoomSpec {
    /// What its people may know of it.
    pub brief: MeetingBrief,
    /// The meeting's agent (the console's lobby), if any.
    pub agent: Option<UserId>,
    /// Seats in the call.
    pub capacity: usize,
    /// Waiting people's camera pictures are shown to the host.
    pub preview: bool,
    /// See [`Room::locked`].
    pub locked: Option<bool>,
    /// Rooms of the rooms API: record sessions and participants under this.
    pub record: Option<super::insights::RoomRecord>,
    /// An appointment's room: the switches of its call, enforced here where a page could
    /// cheat (chat, what a member says it sends, what its descriptions offer to send).
    pub features: Option<crate::model::appointment::CallFeatures>,
    /// An appointment's room: the appointment's id (its pre-call tokens name it).
    pub appointment: Option<String>,
    /// The room may be recorded: how.
    pub recording: Option<recording::RecordPolicy>,
}

impl RoomSpec {
    /// The room of a scheduled meeting.
    pub fn of_meeting(m: &crate::server::store::MeetingRow) -> RoomSpec {
        RoomSpec {
            brief: m.brief(),
            agent: Some(m.agent_id.clone()),
            capacity: m.capacity as usize,
            preview: m.waiting_preview,
            locked: None,
            record: None,
            features: None,
            appointment: None,
            // The site's setting: the agent starts it; filed under the meeting's id.
            recording: m.recording.map(|mode| RecordPolicy {
                offer: crate::model::signal::RecordingOffer {
                    mode,
                    trigger: crate::model::signal::RecordingTrigger::Manual,
                },
                company: m.company.clone(),
                room_id: m.id.to_string(),
                room_name: m.id.to_string(),
            }),
        }
    }

    fn room(&self) -> Room {
        Room {
            brief: self.brief.clone(),
            agent: self.agent.clone(),
            capacity: self.capacity,
            preview: self.preview,
            locked: self.locked,
            members: Vec::new(),
            record: self.record.clone(),
            session: None,
            features: self.features.clone(),
            aside: None,
            policy: self.recording.clone(),
            recording: None,
            auto_recorded: false,
        }
    }
}

/// Who enters: their participant id (one seat each) and the name the others see.
#[derive(Clone, Debug)]
pub struct Entrant {
    /// The participant (a fresh id for each entry through a room's shared link).
    pub participant: ParticipantId,
    /// Their name as given.
    pub name: String,
    /// Their host page's id for them, if it gave one.
    pub external_id: Option<String>,
    /// Their browser (rooms' insights).
    pub user_agent: Option<String>,
    /// An appointment's room: the claimant or the interpreter, as their pre-call token says.
    pub attendee: Option<crate::model::appointment::Attendee>,
}

impl Entrant {
    /// A scheduled meeting's participant, as the database knows them.
    pub fn of(p: &ParticipantCtx) -> Entrant {
        Entrant {
            participant: p.id.clone(),
            name: p.name.clone(),
            external_id: None,
            user_agent: None,
            attendee: None,
        }
    }
}

/// Most viewers one room takes. Each sender in the call sends its picture to every viewer
/// (a mesh: no media server), so a sender's upload grows with each one; see the README.
pub const MAX_VIEWERS: usize = 6;

impl Room {
    fn admitted(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(|m| m.admitted)
    }
    /// Those in the call who take a seat (everyone but viewers).
    fn seated(&self) -> impl Iterator<Item = &Member> {
        self.admitted().filter(|m| m.role != Role::Viewer)
    }
    fn waiting(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(|m| !m.admitted)
    }
    fn host_present(&self) -> bool {
        self.admitted().any(|m| m.role == Role::Host)
    }
    /// Seats in the call, counting those admitted but still being told of a recording.
    fn seats_taken(&self) -> usize {
        self.members
            .iter()
            .filter(|m| (m.admitted || m.admit_when_told) && m.role != Role::Viewer)
            .count()
    }
}

#[derive(Debug, Default)]
struct State {
    next_conn: u64,
    conns: HashMap<ConnId, Conn>,
    rooms: HashMap<MeetingId, Room>,
    /// When the host last ended each meeting's call for everyone: resume tokens issued
    /// before that are refused.
    ended: HashMap<MeetingId, DateTime<Utc>>,
    /// Where rooms' insights go, once the application has a writer for them.
    insights: Option<super::insights::Sender>,
    /// Rooms whose recording someone left (its host: it stopped; anyone: the rest may all
    /// be told now): settled at the next flush.
    recheck: Vec<MeetingId>,
}

/// Outgoing messages collected under the lock and sent after the state change is complete.
#[derive(Default)]
struct Outbox(Vec<(ConnId, ServerMsg)>);

impl Outbox {
    fn push(&mut self, to: ConnId, msg: ServerMsg) {
        self.0.push((to, msg));
    }
}

/// What a hub holds at one moment, in numbers (see [`Hub::census`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Census {
    /// Rooms open: someone is in them, waiting, or away with their seat kept.
    pub rooms: usize,
    /// Rooms with a call going on: at least one person in the call.
    pub calls: usize,
    /// People in calls (viewers included; those away with their seat kept too).
    pub in_calls: usize,
    /// People in waiting rooms: not let in yet, or on hold, or taken aside from.
    pub waiting: usize,
}

/// The signaling hub of one server process.
#[derive(Debug)]
pub struct Hub {
    state: Mutex<State>,
    ice: IceConfig,
    signer: Signer,
}

impl Hub {
    /// A hub handing out ICE servers (and signed TURN credentials) on admission, and resume
    /// tokens signed by `signer`.
    pub fn new(ice: IceConfig, signer: Signer) -> Self {
        Hub {
            state: Mutex::new(State::default()),
            ice,
            signer,
        }
    }

    /// The `Joined` message for a member entering (or resuming) the call.
    fn joined(
        &self,
        room: &Room,
        member: &Member,
        peers: Vec<PeerInfo>,
        resumed: bool,
    ) -> ServerMsg {
        let resume = self.signer.resume_token(&ResumeClaim {
            meeting: room.brief.id.to_string(),
            participant: member.participant.to_string(),
            peer: member.peer.to_string(),
            issued: Utc::now().timestamp(),
            // A room of the rooms API (its people are not in the database): who they are.
            room: room
                .record
                .as_ref()
                .map(|_| crate::server::tokens::RoomSeat {
                    role: member.role,
                    name: member.name.clone(),
                    external_id: member.external_id.clone(),
                }),
        });
        ServerMsg::Joined {
            me: member.peer.clone(),
            role: member.role,
            meeting: room.brief.clone(),
            peers,
            ice_servers: self.ice.for_peer(&room.brief, &member.peer),
            relay_only: self.ice.relay_only,
            resume: Some(resume),
            resumed,
            record: room
                .policy
                .as_ref()
                .filter(|_| member.role == Role::Host)
                .map(|p| p.offer),
            recording: room
                .recording
                .as_ref()
                .map(|r| r.notice(&member.peer, &self.signer)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-applied change behind (each
        // operation mutates only after all checks), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Register a connection (with its console user, if logged in); returns its id and the
    /// queue of messages to write to it.
    pub fn connect(&self, user: Option<UserId>) -> (ConnId, mpsc::Receiver<Frame>) {
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

    /// Forget a connection: it leaves its room and stops watching. With `keep_seat` (the
    /// connection broke rather than closed), someone in the call keeps their seat for
    /// [`RESUME_GRACE`]; the seat is returned so the caller can [`Hub::expire`] it then.
    pub fn disconnect(&self, conn: ConnId, keep_seat: bool) -> Option<(MeetingId, PeerId)> {
        let mut out = Outbox::default();
        let mut st = self.lock();
        let mut kept = None;
        let seat = st.conns.get(&conn).and_then(|c| c.seat.clone());
        if let Some((meeting, peer)) = seat.filter(|_| keep_seat) {
            let member = st
                .rooms
                .get_mut(&meeting)
                .and_then(|r| r.members.iter_mut().find(|m| m.peer == peer && m.admitted));
            if let Some(m) = member {
                m.away = true;
                kept = Some((meeting, peer));
            }
        }
        if kept.is_none() {
            leave(&mut st, conn, &mut out);
        }
        st.conns.remove(&conn);
        self.flush(st, out);
        kept
    }

    /// The grace of a dropped member is over: if they have not resumed, they leave the call.
    pub fn expire(&self, meeting: &MeetingId, peer: &PeerId) {
        let mut out = Outbox::default();
        let mut st = self.lock();
        let away = st
            .rooms
            .get(meeting)
            .is_some_and(|r| r.members.iter().any(|m| &m.peer == peer && m.away));
        if away {
            remove_member(&mut st, meeting, peer, &mut out);
        }
        self.flush(st, out);
    }

    /// Come back into a call as the peer a resume token names. The caller has checked the
    /// token, the participant and the meeting's window. If the seat is still kept, the
    /// others notice nothing; after a server restart the room is rebuilt as people resume.
    pub fn resume(
        &self,
        conn: ConnId,
        p: &ParticipantCtx,
        role: Role,
        peer: &PeerId,
        issued: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let spec = RoomSpec::of_meeting(&p.meeting);
        self.resume_as(conn, &spec, &Entrant::of(p), role, peer, issued)
    }

    /// [`Hub::resume`] into the room `spec` describes, as `p` (rooms of the rooms API, whose
    /// people the resume token describes).
    pub fn resume_as(
        &self,
        conn: ConnId,
        spec: &RoomSpec,
        p: &Entrant,
        role: Role,
        peer: &PeerId,
        issued: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let mut out = Outbox::default();
        let mut st = self.lock();
        if !st.conns.contains_key(&conn) {
            return Err(AppError::new(ErrorCode::BadRequest, "connection closed"));
        }
        let meeting = spec.brief.id.clone();
        if st.ended.get(&meeting).is_some_and(|ended| issued <= *ended) {
            return Err(AppError::new(
                ErrorCode::Expired,
                "the host ended this call",
            ));
        }
        leave(&mut st, conn, &mut out);
        let room = st
            .rooms
            .entry(meeting.clone())
            .or_insert_with(|| spec.room());
        let mut replaced = Vec::new();
        let mut deferred = false;
        match room.members.iter().position(|m| &m.peer == peer) {
            Some(idx) if room.members[idx].participant == p.participant => {
                // The seat is still here: take it over.
                let m = &mut room.members[idx];
                if m.conn != conn {
                    replaced.push(m.conn);
                }
                m.conn = conn;
                m.away = false;
                m.admitted = true;
            }
            Some(_) => return Err(AppError::new(ErrorCode::Forbidden, "not your seat")),
            None => {
                // A fresh room (the server restarted): the seat is rebuilt, as admitted,
                // if it still fits; other seats of the same person give way.
                let others: Vec<ConnId> = room
                    .members
                    .iter()
                    .filter(|m| m.participant == p.participant)
                    .map(|m| m.conn)
                    .collect();
                let taken = room
                    .seated()
                    .filter(|m| m.participant != p.participant)
                    .count();
                // Viewers take no seat.
                if role != Role::Viewer && taken >= room.capacity {
                    return Err(AppError::new(ErrorCode::RoomFull, "this call is full"));
                }
                replaced.extend(others);
                let member = Member {
                    peer: peer.clone(),
                    conn,
                    participant: p.participant.clone(),
                    name: neutralise(&p.name),
                    role,
                    admitted: true,
                    since: Utc::now(),
                    media: MediaState::default(),
                    preview: None,
                    away: false,
                    external_id: p.external_id.clone(),
                    last_sample: None,
                    user_agent: p.user_agent.clone(),
                    held: false,
                    aside: false,
                    attendee: p.attendee,
                    admit_when_told: false,
                };
                if let Some(notice) = room
                    .recording
                    .as_ref()
                    .filter(|r| !r.was_told(peer))
                    .map(|r| r.notice(peer, &self.signer))
                {
                    // A recording began while their seat was gone: told first, let in
                    // after (as a fresh entry: the others have dropped their links).
                    let mut member = member;
                    member.admitted = false;
                    member.admit_when_told = true;
                    out.push(conn, ServerMsg::Recording(notice));
                    room.members.push(member);
                    deferred = true;
                } else {
                    announce_arrival(room, &member, &mut out);
                    room.members.push(member);
                }
            }
        }
        for old in replaced {
            if let Some(c) = st.conns.get_mut(&old) {
                if c.seat.as_ref().is_some_and(|(_, p2)| p2 == peer) {
                    // Same seat, older connection: it no longer speaks for it.
                    c.seat = None;
                } else {
                    leave(&mut st, old, &mut out);
                }
                out.push(old, ServerMsg::Replaced);
            }
        }
        if deferred {
            if let Some(c) = st.conns.get_mut(&conn) {
                c.seat = Some((meeting, peer.clone()));
            }
            self.flush(st, out);
            return Ok(());
        }
        let room = st.rooms.get_mut(&meeting).ok_or_else(not_in_room)?;
        let me = room
            .members
            .iter()
            .find(|m| &m.peer == peer)
            .ok_or_else(not_in_room)?;
        let peers = room
            .admitted()
            .filter(|m| &m.peer != peer)
            .map(Member::info)
            .collect();
        out.push(conn, self.joined(room, me, peers, true));
        if role == Role::Host {
            out.push(conn, room_lobby(room));
        }
        let agent = room.agent.clone();
        if let Some(c) = st.conns.get_mut(&conn) {
            c.seat = Some((meeting, peer.clone()));
        }
        lobby_updates(&st, agent.as_ref(), &mut out);
        self.flush(st, out);
        Ok(())
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
        self.enter_as(
            conn,
            &RoomSpec::of_meeting(&p.meeting),
            &Entrant::of(p),
            role,
        )
    }

    /// Enter the room `spec` describes (made if it is not open yet) as `role`: hosts and
    /// viewers are in at once, guests too where the room is unlocked; other guests wait.
    pub fn enter_as(
        &self,
        conn: ConnId,
        spec: &RoomSpec,
        entrant: &Entrant,
        role: Role,
    ) -> Result<(), AppError> {
        let mut out = Outbox::default();
        let mut st = self.lock();
        if !st.conns.contains_key(&conn) {
            return Err(AppError::new(ErrorCode::BadRequest, "connection closed"));
        }
        let meeting = spec.brief.id.clone();
        let id = &entrant.participant;
        if let Some(room) = st.rooms.get(&meeting) {
            match role {
                // Refuse a guest who could never be admitted: the room is full without them.
                Role::Guest => {
                    let others = room.seated().filter(|m| &m.participant != id).count();
                    if others >= room.capacity {
                        return Err(AppError::new(ErrorCode::RoomFull, "this call is full"));
                    }
                }
                Role::Viewer => {
                    let viewers = room
                        .admitted()
                        .filter(|m| m.role == Role::Viewer && &m.participant != id)
                        .count();
                    if viewers >= MAX_VIEWERS {
                        return Err(AppError::new(
                            ErrorCode::RoomFull,
                            format!("this room has its {MAX_VIEWERS} viewers already"),
                        ));
                    }
                }
                Role::Host => {}
            }
        }
        // One seat per connection, one connection per participant: re-entering moves the seat.
        leave(&mut st, conn, &mut out);
        let replaced: Vec<(ConnId, PeerId)> = st
            .rooms
            .get(&meeting)
            .map(|r| {
                r.members
                    .iter()
                    .filter(|m| &m.participant == id)
                    .map(|m| (m.conn, m.peer.clone()))
                    .collect()
            })
            .unwrap_or_default();
        for (old, old_peer) in replaced {
            if st.conns.contains_key(&old) {
                leave(&mut st, old, &mut out);
                out.push(old, ServerMsg::Replaced);
            } else {
                // A seat kept for a dropped connection (see `RESUME_GRACE`): its owner came
                // back through the front door instead of resuming; the seat goes, or the
                // room would count them twice until the grace ran out.
                remove_member(&mut st, &meeting, &old_peer, &mut out);
            }
        }
        let peer = PeerId::parse(&new_id())?;
        let st_insights = st.insights.clone();
        let room = st
            .rooms
            .entry(meeting.clone())
            .or_insert_with(|| spec.room());
        // In at once: hosts, viewers, and guests of an unlocked room while a seat is free.
        let at_once = match role {
            Role::Host | Role::Viewer => true,
            Role::Guest => room.locked == Some(false),
        };
        let member = Member {
            peer: peer.clone(),
            conn,
            participant: id.clone(),
            name: neutralise(&entrant.name),
            role,
            admitted: at_once,
            since: Utc::now(),
            media: MediaState::default(),
            preview: None,
            away: false,
            external_id: entrant.external_id.clone(),
            last_sample: None,
            user_agent: entrant.user_agent.clone(),
            held: false,
            aside: false,
            attendee: entrant.attendee,
            admit_when_told: false,
        };
        // While a recording is announced or runs, even those who would be in at once see
        // and hear no one before their page has shown its notice.
        let recording = room
            .recording
            .as_ref()
            .map(|r| r.notice(&peer, &self.signer));
        match role {
            _ if at_once && recording.is_some() => {
                let mut member = member;
                member.admitted = false;
                member.admit_when_told = true;
                if let Some(notice) = recording {
                    out.push(conn, ServerMsg::Recording(notice));
                }
                room.members.push(member);
            }
            _ if at_once => {
                let peers = room.admitted().map(Member::info).collect();
                announce_arrival(room, &member, &mut out);
                out.push(conn, self.joined(room, &member, peers, false));
                room.members.push(member);
                let idx = room.members.len() - 1;
                let tx = st_insights.clone();
                record_join(tx.as_ref(), room, idx);
                if role == Role::Host {
                    out.push(conn, room_lobby(room));
                }
                if let Some(locked) = room.locked {
                    out.push(conn, ServerMsg::RoomLocked { locked });
                }
                self.auto_record(room, &mut out, tx.as_ref());
            }
            _ => {
                out.push(
                    conn,
                    ServerMsg::Waiting {
                        me: peer.clone(),
                        meeting: room.brief.clone(),
                        host_present: room.host_present(),
                        preview: room.preview,
                    },
                );
                // Told of a recording while they wait, so their admission need not wait.
                if let Some(notice) = recording {
                    out.push(conn, ServerMsg::Recording(notice));
                }
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
        lobby_updates(&st, agent.as_ref(), &mut out);
        self.flush(st, out);
        Ok(())
    }

    /// Host admits a waiting peer of their room.
    pub fn admit(&self, conn: ConnId, peer: &PeerId) -> Result<(), AppError> {
        let mut out = Outbox::default();
        let mut st = self.lock();
        let tx = st.insights.clone();
        let room = hosted_room(&mut st, conn)?;
        let idx = room
            .members
            .iter()
            .position(|m| &m.peer == peer && !m.admitted)
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "no one by that id is waiting"))?;
        if room.seats_taken() >= room.capacity {
            return Err(AppError::new(ErrorCode::RoomFull, "the call is full"));
        }
        self.admit_member(room, idx, &mut out, tx.as_ref());
        let agent = room.agent.clone();
        lobby_updates(&st, agent.as_ref(), &mut out);
        self.flush(st, out);
        Ok(())
    }

    /// Host admits everyone waiting, longest-waiting first, while the room has seats. Those
    /// who do not fit stay waiting and the host is told how many.
    pub fn admit_all(&self, conn: ConnId) -> Result<(), AppError> {
        let mut out = Outbox::default();
        let mut st = self.lock();
        let tx = st.insights.clone();
        let room = hosted_room(&mut st, conn)?;
        while room.seats_taken() < room.capacity {
            let Some(idx) = room
                .members
                .iter()
                .position(|m| !m.admitted && !m.admit_when_told)
            else {
                break;
            };
            self.admit_member(room, idx, &mut out, tx.as_ref());
        }
        let left_out = room.waiting().filter(|m| !m.admit_when_told).count();
        let agent = room.agent.clone();
        lobby_updates(&st, agent.as_ref(), &mut out);
        self.flush(st, out);
        if left_out > 0 {
            return Err(AppError::new(
                ErrorCode::RoomFull,
                format!("the call is full: {left_out} still waiting"),
            ));
        }
        Ok(())
    }

    /// Let `room.members[idx]` in: the others learn of them, they learn of the others, and the
    /// hosts get the new waiting list.
    fn admit_member(
        &self,
        room: &mut Room,
        idx: usize,
        out: &mut Outbox,
        tx: Option<&super::insights::Sender>,
    ) {
        if self.admission_waits(room, idx, out) {
            return;
        }
        let peers: Vec<PeerInfo> = room.admitted().map(Member::info).collect();
        room.members[idx].admitted = true;
        record_join(tx, room, idx);
        let guest = &room.members[idx];
        for m in room.admitted().filter(|m| m.peer != guest.peer) {
            out.push(m.conn, ServerMsg::PeerJoined { peer: guest.info() });
        }
        out.push(guest.conn, self.joined(room, guest, peers, false));
        if let Some(locked) = room.locked {
            out.push(guest.conn, ServerMsg::RoomLocked { locked });
        }
        if guest.role == Role::Host {
            for m in room.waiting() {
                out.push(m.conn, ServerMsg::HostPresence { present: true });
            }
        }
        let lobby = room_lobby(room);
        for m in room.admitted().filter(|m| m.role == Role::Host) {
            out.push(m.conn, lobby.clone());
        }
        self.auto_record(room, out, tx);
    }

    /// Someone waiting sends a fresh camera picture; the room's hosts and the agent's consoles
    /// get the new waiting list. Refused unless the site allows previews.
    pub fn preview(&self, conn: ConnId, image: String) -> Result<(), AppError> {
        if image.len() > MAX_PREVIEW_BYTES || !image.starts_with("data:image/jpeg;base64,") {
            return Err(AppError::invalid(
                "image",
                format!("a data:image/jpeg;base64 URL of at most {MAX_PREVIEW_BYTES} bytes"),
            ));
        }
        let mut out = Outbox::default();
        let mut st = self.lock();
        let (meeting, me) = seat_of(&st, conn)?;
        let room = st.rooms.get_mut(&meeting).ok_or_else(not_in_room)?;
        if !room.preview {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "this site does not show waiting people's cameras",
            ));
        }
        let member = room
            .members
            .iter_mut()
            .find(|m| m.peer == me && !m.admitted)
            .ok_or_else(|| {
                AppError::new(ErrorCode::Forbidden, "only people waiting send previews")
            })?;
        member.preview = Some(image);
        let lobby = room_lobby(room);
        for m in room.admitted().filter(|m| m.role == Role::Host) {
            out.push(m.conn, lobby.clone());
        }
        let agent = room.agent.clone();
        lobby_updates(&st, agent.as_ref(), &mut out);
        self.flush(st, out);
        Ok(())
    }

    /// A member in the call says what it sends now; the others are told.
    pub fn set_media(&self, conn: ConnId, media: MediaState) -> Result<(), AppError> {
        let mut out = Outbox::default();
        let mut st = self.lock();
        let (room, idx) = admitted_member(&mut st, conn)?;
        let role = room.members[idx].role;
        if role == Role::Viewer && (media.audio || media.video || media.screen) {
            return Err(AppError::new(ErrorCode::Forbidden, "viewers send no media"));
        }
        if let Some(f) = &room.features {
            let refused = if media.audio && !f.audio(role) {
                Some("microphones are off in this call")
            } else if media.screen && !f.screen_share {
                Some("screen sharing is off in this call")
            } else if media.video && !media.screen && !f.camera(role) {
                Some("your camera is off in this call")
            } else {
                None
            };
            if let Some(why) = refused {
                return Err(AppError::new(ErrorCode::Forbidden, why));
            }
        }
        room.members[idx].media = media;
        let me = room.members[idx].peer.clone();
        for m in room.admitted().filter(|m| m.peer != me) {
            out.push(
                m.conn,
                ServerMsg::PeerMedia {
                    peer: me.clone(),
                    media,
                },
            );
        }
        self.flush(st, out);
        Ok(())
    }

    /// Relay a chat message to everyone in the call, the sender included (one order for all).
    /// Nothing is stored: the chat lives as long as the pages that show it.
    pub fn chat(&self, conn: ConnId, text: &str) -> Result<(), AppError> {
        let text = text.trim();
        if text.is_empty()
            || text.chars().count() > MAX_CHAT_CHARS
            || text.chars().any(|c| c.is_control() && c != '\n')
        {
            return Err(AppError::invalid(
                "text",
                format!("1 to {MAX_CHAT_CHARS} characters, no control characters but newlines"),
            ));
        }
        let mut out = Outbox::default();
        let mut st = self.lock();
        let (room, idx) = admitted_member(&mut st, conn)?;
        if room.features.as_ref().is_some_and(|f| !f.chat) {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "the chat is off in this call",
            ));
        }
        let msg = ServerMsg::Chat {
            from: room.members[idx].peer.clone(),
            name: room.members[idx].name.clone(),
            text: text.to_string(),
            at: Utc::now(),
        };
        for m in room.admitted() {
            out.push(m.conn, msg.clone());
        }
        self.flush(st, out);
        Ok(())
    }

    /// Host: end the call for everyone, in the call or waiting. Each is told and let go; the
    /// links stay valid while the meeting's window is open, so it can be started again.
    pub fn end_for_all(&self, conn: ConnId) -> Result<(MeetingId, DateTime<Utc>), AppError> {
        let mut out = Outbox::default();
        let mut st = self.lock();
        let meeting = hosted_room(&mut st, conn)?.brief.id.clone();
        let now = Utc::now();
        let Some(mut room) = st.rooms.remove(&meeting) else {
            return Ok((meeting, now));
        };
        record_end(st.insights.as_ref(), &mut room);
        recording::stop(&mut room, &mut out, st.insights.as_ref());
        st.ended.insert(meeting.clone(), now);
        for m in &room.members {
            out.push(m.conn, ServerMsg::Ended);
            if let Some(c) = st.conns.get_mut(&m.conn) {
                c.seat = None;
            }
        }
        lobby_updates(&st, room.agent.as_ref(), &mut out);
        self.flush(st, out);
        Ok((meeting, now))
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
        let message = rooms::host_message(message)?;
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
        let agent = user.is_some() && user.as_ref() == room.agent.as_ref();
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
        if let Some(sender) = admitted(&me) {
            if sender.role == Role::Viewer {
                rooms::viewer_may_send(&signal)?;
            } else if let Some(f) = &room.features {
                rooms::may_send(&signal, f.audio(sender.role), f.video(sender.role))?;
            }
        }
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

    /// End the rooms whose window has closed by `now`: a call does not outlive its meeting's
    /// window (the operator's sweeper calls this every few seconds). Returns how many ended.
    pub fn close_ended(&self, now: DateTime<Utc>) -> usize {
        let over: Vec<MeetingId> = self
            .lock()
            .rooms
            .values()
            .filter(|r| r.brief.closes_at <= now)
            .map(|r| r.brief.id.clone())
            .collect();
        for meeting in &over {
            self.end_meeting(
                meeting,
                AppError::new(ErrorCode::Expired, "this meeting is over"),
            );
        }
        over.len()
    }

    /// The meetings whose rooms are open here.
    pub fn live_meetings(&self) -> Vec<MeetingId> {
        self.lock().rooms.keys().cloned().collect()
    }

    /// End a meeting's room (cancelled): everyone in it or waiting is told why and let go.
    pub fn end_meeting(&self, meeting: &MeetingId, why: AppError) {
        let mut out = Outbox::default();
        let mut st = self.lock();
        let Some(mut room) = st.rooms.remove(meeting) else {
            return;
        };
        record_end(st.insights.as_ref(), &mut room);
        recording::stop(&mut room, &mut out, st.insights.as_ref());
        for m in &room.members {
            out.push(m.conn, ServerMsg::Error { error: why.clone() });
            if let Some(c) = st.conns.get_mut(&m.conn) {
                c.seat = None;
            }
        }
        lobby_updates(&st, room.agent.as_ref(), &mut out);
        self.flush(st, out);
    }

    /// Record rooms' insights through `tx` from now on.
    pub fn record_to(&self, tx: super::insights::Sender) {
        self.lock().insights = Some(tx);
    }

    /// Someone in the call of a recorded room reports their network. Ignored elsewhere, and
    /// more often than once a second (the page sends one every two).
    pub fn stats(
        &self,
        conn: ConnId,
        loss_send: u16,
        loss_recv: u16,
        bitrate_send: u32,
        bitrate_recv: u32,
    ) -> Result<(), AppError> {
        if loss_send > 1000 || loss_recv > 1000 {
            return Err(AppError::invalid("packet_loss", "per mille: 0 to 1000"));
        }
        let mut st = self.lock();
        let tx = st.insights.clone();
        let (room, idx) = admitted_member(&mut st, conn)?;
        let Some(tx) = tx.filter(|_| room.session.is_some()) else {
            return Ok(());
        };
        let m = &mut room.members[idx];
        if m.last_sample
            .is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(1))
        {
            return Ok(());
        }
        m.last_sample = Some(std::time::Instant::now());
        let _ = tx.send(super::insights::Insight::Sample {
            participant: m.peer.to_string(),
            sample: crate::server::store::NetSample {
                at: Utc::now(),
                packet_loss_send: f64::from(loss_send) / 1000.0,
                packet_loss_recv: f64::from(loss_recv) / 1000.0,
                bitrate_send: i64::from(bitrate_send),
                bitrate_recv: i64::from(bitrate_recv),
            },
        });
        Ok(())
    }

    /// Number of connections (for metrics and tests).
    pub fn connections(&self) -> usize {
        self.lock().conns.len()
    }

    /// How many rooms, calls and people this hub holds now (for metrics): counts only.
    pub fn census(&self) -> Census {
        let st = self.lock();
        let mut c = Census {
            rooms: st.rooms.len(),
            ..Census::default()
        };
        for room in st.rooms.values() {
            let in_call = room.admitted().count();
            c.in_calls += in_call;
            c.calls += usize::from(in_call > 0);
            c.waiting += room.waiting().count();
        }
        c
    }

    /// Forget every connection and room: this node stopped (or started) owning the hub of a
    /// cluster, and what it held is no longer the truth. Dropping the connections' queues
    /// closes their sockets (or their relays); the pages resume with the new owner.
    pub fn reset(&self) {
        let mut st = self.lock();
        st.conns.clear();
        st.rooms.clear();
    }

    /// Deliver collected messages. Runs under the lock so that per-connection order matches
    /// the order of state changes; `try_send` never blocks.
    fn flush(&self, mut st: std::sync::MutexGuard<'_, State>, mut out: Outbox) {
        let tx = st.insights.clone();
        for meeting in std::mem::take(&mut st.recheck) {
            if let Some(room) = st.rooms.get_mut(&meeting) {
                if room.recording.is_none() {
                    self.admit_deferred(room, &mut out, tx.as_ref());
                } else {
                    recording::check_started(room, &mut out, tx.as_ref(), &self.signer);
                }
            }
        }
        let mut slow = Vec::new();
        for (to, msg) in out.0 {
            if let Some(c) = st.conns.get(&to) {
                if let Err(mpsc::error::TrySendError::Full(_)) = c.tx.try_send(frame(&msg)) {
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
                    let _ = c.tx.try_send(frame(&msg));
                }
            }
        }
    }
}

/// Someone is in the call of a recorded room: the session starts with the first, and each
/// one's join is recorded.
fn record_join(tx: Option<&super::insights::Sender>, room: &mut Room, idx: usize) {
    use super::insights::Insight;
    use crate::model::appointment::Attendee;
    let (Some(tx), Some(record)) = (tx, room.record.as_ref()) else {
        return;
    };
    let at = Utc::now();
    let session = match &room.session {
        Some(s) => s.clone(),
        None => {
            let s = crate::server::tokens::uuid_text(&crate::server::tokens::random_bytes::<16>());
            let _ = tx.send(Insight::SessionStarted {
                session: s.clone(),
                room: record.clone(),
                at,
            });
            room.session = Some(s.clone());
            s
        }
    };
    let record_room = record.room.clone();
    let m = &mut room.members[idx];
    if m.held {
        // Back from hold (or from waiting while someone else was aside): the same
        // participant, already recorded in this session.
        m.held = false;
        if !std::mem::take(&mut m.aside) && m.attendee != Some(Attendee::Interpreter) {
            let _ = tx.send(Insight::Hold {
                room: record_room.clone(),
                on: false,
                at,
            });
        }
    } else {
        let _ = tx.send(Insight::Joined {
            session,
            participant: m.peer.to_string(),
            name: m.name.clone(),
            role: m.role,
            external_id: m.external_id.clone(),
            user_agent: m.user_agent.clone(),
            at,
        });
    }
    // Host and guest (not the interpreter) together in the call: an appointment's call has
    // begun.
    let host = room.admitted().any(|m| m.role == Role::Host);
    let guest = room
        .admitted()
        .any(|m| m.role == Role::Guest && m.attendee != Some(Attendee::Interpreter));
    if host && guest {
        let _ = tx.send(Insight::Met {
            room: record_room,
            at,
        });
    }
}

/// Someone left the call of a recorded room: their leave, and the session's end with the last.
fn record_leave(tx: Option<&super::insights::Sender>, room: &mut Room, gone: &Member) {
    use super::insights::Insight;
    let Some(tx) = tx else { return };
    if !(gone.admitted || gone.held) || room.session.is_none() {
        return;
    }
    let at = Utc::now();
    let _ = tx.send(Insight::Left {
        participant: gone.peer.to_string(),
        at,
    });
    if room.admitted().next().is_none() {
        if let Some(session) = room.session.take() {
            let _ = tx.send(Insight::SessionEnded { session, at });
            if let Some(record) = &room.record {
                let _ = tx.send(Insight::CallEnded {
                    room: record.room.clone(),
                    at,
                });
            }
        }
    }
}

/// A recorded room's call ended for everyone: each leaves, the session ends.
fn record_end(tx: Option<&super::insights::Sender>, room: &mut Room) {
    use super::insights::Insight;
    let Some(tx) = tx else { return };
    let Some(session) = room.session.take() else {
        return;
    };
    let at = Utc::now();
    for m in room.members.iter().filter(|m| m.admitted || m.held) {
        let _ = tx.send(Insight::Left {
            participant: m.peer.to_string(),
            at,
        });
    }
    let _ = tx.send(Insight::SessionEnded { session, at });
    if let Some(record) = &room.record {
        let _ = tx.send(Insight::CallEnded {
            room: record.room.clone(),
            at,
        });
    }
}

/// The JSON text of a message (our own types always serialize).
fn frame(msg: &ServerMsg) -> Frame {
    serde_json::to_string(msg)
        .unwrap_or_else(|_| String::from(r#"{"type":"pong"}"#))
        .into()
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

/// The room `conn` is the admitted host of.
fn hosted_room(st: &mut State, conn: ConnId) -> Result<&mut Room, AppError> {
    let (meeting, me) = seat_of(st, conn)?;
    let room = st.rooms.get_mut(&meeting).ok_or_else(not_in_room)?;
    let is_host = room
        .members
        .iter()
        .any(|m| m.peer == me && m.role == Role::Host && m.admitted);
    if !is_host {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "only the host may do that",
        ));
    }
    Ok(room)
}

/// The room and member index of `conn`, which must be in the call (not waiting).
fn admitted_member(st: &mut State, conn: ConnId) -> Result<(&mut Room, usize), AppError> {
    let (meeting, me) = seat_of(st, conn)?;
    let room = st.rooms.get_mut(&meeting).ok_or_else(not_in_room)?;
    let idx = room
        .members
        .iter()
        .position(|m| m.peer == me && m.admitted)
        .ok_or_else(|| AppError::new(ErrorCode::Forbidden, "you have not been admitted yet"))?;
    Ok((room, idx))
}

fn seat_of(st: &State, conn: ConnId) -> Result<(MeetingId, PeerId), AppError> {
    st.conns
        .get(&conn)
        .and_then(|c| c.seat.clone())
        .ok_or_else(not_in_room)
}

fn room_lobby(room: &Room) -> ServerMsg {
    ServerMsg::RoomLobby {
        waiting: room
            .waiting()
            .map(|m| PeerInfo {
                preview: m.preview.clone(),
                ..m.info()
            })
            .collect(),
    }
}

fn lobby_of(st: &State, user: &UserId) -> Vec<LobbyEntry> {
    let mut entries: Vec<LobbyEntry> = st
        .rooms
        .values()
        .filter(|r| r.agent.as_ref() == Some(user))
        .flat_map(|r| {
            r.waiting().map(|m| LobbyEntry {
                meeting: r.brief.id.clone(),
                subject: r.brief.subject.clone(),
                starts_at: r.brief.starts_at,
                peer: m.peer.clone(),
                name: m.name.clone(),
                since: m.since,
                preview: m.preview.clone(),
            })
        })
        .collect();
    entries.sort_by_key(|e| e.since);
    entries
}

fn lobby_updates(st: &State, agent: Option<&UserId>, out: &mut Outbox) {
    let Some(agent) = agent else {
        return;
    };
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

/// `member` comes into the call: everyone in it learns of them, and, if they host, those
/// waiting learn that the host is here.
fn announce_arrival(room: &Room, member: &Member, out: &mut Outbox) {
    for m in room.admitted() {
        out.push(
            m.conn,
            ServerMsg::PeerJoined {
                peer: member.info(),
            },
        );
    }
    if member.role == Role::Host {
        for m in room.waiting() {
            out.push(m.conn, ServerMsg::HostPresence { present: true });
        }
    }
}

/// Take a connection out of its room, telling whoever needs to know.
fn leave(st: &mut State, conn: ConnId, out: &mut Outbox) {
    let Some((meeting, peer)) = st.conns.get_mut(&conn).and_then(|c| c.seat.take()) else {
        return;
    };
    remove_member(st, &meeting, &peer, out);
}

/// Take a member out of a room, telling whoever needs to know.
fn remove_member(st: &mut State, meeting: &MeetingId, peer: &PeerId, out: &mut Outbox) {
    let tx = st.insights.clone();
    let Some(room) = st.rooms.get_mut(meeting) else {
        return;
    };
    let Some(idx) = room.members.iter().position(|m| &m.peer == peer) else {
        return;
    };
    let gone = room.members.remove(idx);
    record_leave(tx.as_ref(), room, &gone);
    if room.recording.is_some() {
        recording::member_gone(room, &gone.peer, out, tx.as_ref());
        st.recheck.push(meeting.clone());
    }
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
        recording::stop(room, out, tx.as_ref());
        st.rooms.remove(meeting);
    }
    lobby_updates(st, agent.as_ref(), out);
}

#[path = "hub_rooms.rs"]
mod rooms;

#[path = "hub_recording.rs"]
mod recording;
pub use recording::RecordPolicy;

#[cfg(test)]
#[path = "hub_tests.rs"]
mod tests;
