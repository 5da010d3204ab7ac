//! Recording with consent, enforced here rather than trusted to pages: a recording is
//! announced to everyone (`telling`), and starts (`started`, the recording host's page gets
//! its upload ticket) only once every page in the call has answered that it showed the
//! notice. While one is announced or runs, nobody new sees or hears anyone before their page
//! has shown it: their admission waits for that answer. Who was told, and when, goes to the
//! store with the recording.

use super::*;
use crate::model::signal::{
    RecordingMode, RecordingNotice, RecordingOffer, RecordingStatus, RecordingTrigger,
};
use crate::server::store::{NewRecording, Told};

/// A room that may be recorded: how, and what its recordings are filed under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordPolicy {
    /// Where recordings go and when they start.
    pub offer: RecordingOffer,
    /// The room's company.
    pub company: String,
    /// The room's id (a rooms API room's, or a meeting's).
    pub room_id: String,
    /// Its name as the rooms API lists recordings under (`/prefix-…`).
    pub room_name: String,
}

/// A recording announced or running in a room.
#[derive(Debug)]
pub(super) struct Rec {
    id: String,
    /// The host whose page records.
    by: PeerId,
    by_name: String,
    mode: RecordingMode,
    /// Everyone present had been told: it records.
    started: bool,
    /// Who has been told, in order.
    told: Vec<Told>,
}

impl Rec {
    /// The notice as `to` gets it: the recording host's page also gets its upload ticket once
    /// it may upload.
    pub(super) fn notice(&self, to: &PeerId, signer: &Signer) -> RecordingNotice {
        RecordingNotice {
            id: self.id.clone(),
            status: if self.started {
                RecordingStatus::Started
            } else {
                RecordingStatus::Telling
            },
            by: self.by_name.clone(),
            mode: self.mode,
            yours: to == &self.by,
            upload: (self.started && self.mode == RecordingMode::Cloud && to == &self.by)
                .then(|| signer.upload_ticket(&self.id)),
        }
    }

    pub(super) fn was_told(&self, peer: &PeerId) -> bool {
        self.told.iter().any(|t| t.peer == peer.as_str())
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Host => "host",
        Role::Guest => "guest",
        Role::Viewer => "viewer",
    }
}

impl Hub {
    /// Host: start recording (announced first; see the module's notes).
    pub fn record_start(&self, conn: ConnId) -> Result<(), AppError> {
        let mut out = Outbox::default();
        let mut st = self.lock();
        let tx = st.insights.clone();
        let (_, me) = seat_of(&st, conn)?;
        let room = hosted_room(&mut st, conn)?;
        if room.policy.is_none() {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "this call may not be recorded",
            ));
        }
        if room.recording.is_some() {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "this call is being recorded already",
            ));
        }
        begin(room, &me, &mut out, tx.as_ref(), &self.signer);
        self.flush(st, out);
        Ok(())
    }

    /// Host: stop the recording (any host of the room may).
    pub fn record_stop(&self, conn: ConnId) -> Result<(), AppError> {
        let mut out = Outbox::default();
        let mut st = self.lock();
        let tx = st.insights.clone();
        let room = hosted_room(&mut st, conn)?;
        if room.recording.is_none() {
            return Err(AppError::new(
                ErrorCode::NotFound,
                "this call is not being recorded",
            ));
        }
        stop(room, &mut out, tx.as_ref());
        self.admit_deferred(room, &mut out, tx.as_ref());
        self.flush(st, out);
        Ok(())
    }

    /// After a recording stopped: those whose admission waited only for its notice are let
    /// in (their admission stands).
    pub(super) fn admit_deferred(
        &self,
        room: &mut Room,
        out: &mut Outbox,
        tx: Option<&crate::server::signaling::insights::Sender>,
    ) {
        while let Some(idx) = room
            .members
            .iter()
            .position(|m| m.admit_when_told && !m.admitted)
        {
            room.members[idx].admit_when_told = false;
            self.admit_member(room, idx, out, tx);
        }
    }

    /// A page showed the notice of recording `id`: it is told. A newcomer waiting on it is
    /// let in now; the recording starts once everyone in the call is told. A notice that is
    /// no longer current (stopped meanwhile) changes nothing.
    pub fn recording_seen(&self, conn: ConnId, id: &str) -> Result<(), AppError> {
        let mut out = Outbox::default();
        let mut st = self.lock();
        let tx = st.insights.clone();
        let (meeting, me) = seat_of(&st, conn)?;
        let room = st.rooms.get_mut(&meeting).ok_or_else(not_in_room)?;
        let Some(idx) = room.members.iter().position(|m| m.peer == me) else {
            return Err(not_in_room());
        };
        let Some(rec) = room.recording.as_mut().filter(|r| r.id == id) else {
            return Ok(());
        };
        if !rec.was_told(&me) {
            let m = &room.members[idx];
            let told = Told {
                peer: me.to_string(),
                name: m.name.clone(),
                role: role_name(m.role),
                at: Utc::now(),
            };
            if rec.started {
                if let Some(tx) = tx.as_ref() {
                    let _ = tx.send(crate::server::signaling::insights::Insight::RecordingTold {
                        id: rec.id.clone(),
                        told: told.clone(),
                    });
                }
            }
            rec.told.push(told);
        }
        if room.members[idx].admit_when_told && !room.members[idx].admitted {
            room.members[idx].admit_when_told = false;
            self.admit_member(room, idx, &mut out, tx.as_ref());
        }
        check_started(room, &mut out, tx.as_ref(), &self.signer);
        let agent = room.agent.clone();
        lobby_updates(&st, agent.as_ref(), &mut out);
        self.flush(st, out);
        Ok(())
    }

    /// Before `room.members[idx]` is let in: while a recording is announced or runs, someone
    /// not yet told is told now and let in once their page answers. Returns whether the
    /// admission must wait.
    pub(super) fn admission_waits(&self, room: &mut Room, idx: usize, out: &mut Outbox) -> bool {
        let Some(rec) = room.recording.as_ref() else {
            return false;
        };
        let m = &room.members[idx];
        if rec.was_told(&m.peer) {
            return false;
        }
        out.push(
            m.conn,
            ServerMsg::Recording(rec.notice(&m.peer, &self.signer)),
        );
        room.members[idx].admit_when_told = true;
        true
    }

    /// After someone was let in: the room's automatic start, if it has one and it is due
    /// (the host is in; or, for `automatic-2nd-participant`, a second person too). Each
    /// room starts automatically once; a host who stops it decides from then on.
    pub(super) fn auto_record(
        &self,
        room: &mut Room,
        out: &mut Outbox,
        tx: Option<&crate::server::signaling::insights::Sender>,
    ) {
        let Some(policy) = room.policy.as_ref() else {
            return;
        };
        if room.auto_recorded || room.recording.is_some() {
            return;
        }
        let due = match policy.offer.trigger {
            RecordingTrigger::Automatic => true,
            RecordingTrigger::SecondParticipant => room.seated().count() >= 2,
            RecordingTrigger::Manual | RecordingTrigger::Prompt => false,
        };
        let host = room
            .admitted()
            .find(|m| m.role == Role::Host)
            .map(|m| m.peer.clone());
        if let (true, Some(host)) = (due, host) {
            room.auto_recorded = true;
            begin(room, &host, out, tx, &self.signer);
        }
    }
}

/// Announce a recording by `host` to everyone in the room, waiting or in the call. The host
/// who starts it knows; the others are told by their pages' answers.
fn begin(
    room: &mut Room,
    host: &PeerId,
    out: &mut Outbox,
    tx: Option<&crate::server::signaling::insights::Sender>,
    signer: &Signer,
) {
    let Some(policy) = room.policy.as_ref() else {
        return;
    };
    let Some(by) = room.members.iter().find(|m| &m.peer == host) else {
        return;
    };
    let rec = Rec {
        id: new_id(),
        by: host.clone(),
        by_name: by.name.clone(),
        mode: policy.offer.mode,
        started: false,
        told: Vec::new(),
    };
    for m in &room.members {
        out.push(m.conn, ServerMsg::Recording(rec.notice(&m.peer, signer)));
    }
    room.recording = Some(rec);
    check_started(room, out, tx, signer);
}

/// Start recording once everyone in the call has been told: the store gets the recording
/// and who was told; every page learns it runs.
pub(super) fn check_started(
    room: &mut Room,
    out: &mut Outbox,
    tx: Option<&crate::server::signaling::insights::Sender>,
    signer: &Signer,
) {
    let Some(rec) = room.recording.as_ref() else {
        return;
    };
    if rec.started || room.admitted().any(|m| !rec.was_told(&m.peer)) {
        return;
    }
    let (Some(policy), Some(rec)) = (room.policy.as_ref(), room.recording.as_mut()) else {
        return;
    };
    rec.started = true;
    if let Some(tx) = tx {
        let _ = tx.send(
            crate::server::signaling::insights::Insight::RecordingStarted(NewRecording {
                id: rec.id.clone(),
                company: policy.company.clone(),
                room_id: policy.room_id.clone(),
                room_name: policy.room_name.clone(),
                session: room.session.clone(),
                mode: match rec.mode {
                    RecordingMode::Local => "local",
                    RecordingMode::Cloud => "cloud",
                },
                started_at: Utc::now(),
                told: rec.told.clone(),
            }),
        );
    }
    for m in &room.members {
        out.push(m.conn, ServerMsg::Recording(rec.notice(&m.peer, signer)));
    }
}

/// Stop the room's recording, if any: everyone is told, the store learns it stopped (the
/// last chunks may still arrive). Whoever waited only to be told is the caller's to let in
/// ([`Hub::admit_deferred`]), unless the room is ending.
pub(super) fn stop(
    room: &mut Room,
    out: &mut Outbox,
    tx: Option<&crate::server::signaling::insights::Sender>,
) {
    let Some(rec) = room.recording.take() else {
        return;
    };
    if let (true, Some(tx)) = (rec.started, tx) {
        let _ = tx.send(
            crate::server::signaling::insights::Insight::RecordingStopped {
                id: rec.id.clone(),
                at: Utc::now(),
            },
        );
    }
    let notice = RecordingNotice {
        id: rec.id,
        status: RecordingStatus::Stopped,
        by: rec.by_name,
        mode: rec.mode,
        yours: false,
        upload: None,
    };
    for m in &room.members {
        out.push(m.conn, ServerMsg::Recording(notice.clone()));
    }
}

/// A member left the room: if their page was the one recording, the recording stops (the
/// caller's [`Hub::flush`] lets in whoever waited only to be told).
pub(super) fn member_gone(
    room: &mut Room,
    gone: &PeerId,
    out: &mut Outbox,
    tx: Option<&crate::server::signaling::insights::Sender>,
) -> bool {
    if room.recording.as_ref().is_some_and(|r| &r.by == gone) {
        stop(room, out, tx);
        return true;
    }
    false
}
