//! What hosts of rooms of the rooms API do besides admitting: lock and unlock, hold someone
//! waiting with a message, take someone out of the call, ask someone to mute. And the rule
//! that keeps viewers receiving only: no description of theirs may offer to send media.

use super::*;

/// Check a host's message (hold, deny): trimmed, at most [`MAX_DENY_MESSAGE_CHARS`]
/// characters, no control characters; empty means none.
pub(super) fn host_message(message: Option<String>) -> Result<Option<String>, AppError> {
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
    Ok(message)
}

/// A viewer's negotiation message: refused if its description would send audio or video
/// (any media section that is not `recvonly` or `inactive`; data channels carry no media).
pub(super) fn viewer_may_send(signal: &Signal) -> Result<(), AppError> {
    may_send(signal, false, false).map_err(|_| {
        AppError::new(
            ErrorCode::Forbidden,
            "viewers receive only: this description would send media",
        )
    })
}

/// A negotiation message of someone who may send `audio` and `video` or not: refused if its
/// description offers to send a kind they may not (a media section of that kind that is not
/// `recvonly` or `inactive`; a section without a direction attribute is `sendrecv`).
pub(super) fn may_send(signal: &Signal, audio: bool, video: bool) -> Result<(), AppError> {
    let Signal::Description { sdp, .. } = signal else {
        return Ok(());
    };
    let mut refused: Option<&str> = None;
    let mut section: Option<&str> = None;
    let mut section_sends = false;
    let mut judge = |kind: Option<&str>, sends: bool| {
        let allowed = match kind {
            Some("audio") => audio,
            Some("video") => video,
            _ => true,
        };
        if sends && !allowed && refused.is_none() {
            refused = kind.map(|k| if k == "audio" { "audio" } else { "video" });
        }
    };
    for line in sdp.lines().map(str::trim_end) {
        if let Some(rest) = line.strip_prefix("m=") {
            judge(section, section_sends);
            let kind = rest.split(' ').next().unwrap_or("");
            section = Some(kind);
            section_sends = kind == "audio" || kind == "video";
        } else if matches!(line, "a=recvonly" | "a=inactive") {
            section_sends = false;
        }
    }
    judge(section, section_sends);
    match refused {
        Some(kind) => Err(AppError::new(
            ErrorCode::Forbidden,
            format!("this call does not allow you to send {kind}"),
        )),
        None => Ok(()),
    }
}

/// Send `room.members[idx]`, in the call, back to waiting (on hold, or `aside` while the
/// host talks with someone else), telling them; their join stays recorded in the session.
/// Returns their peer id, for the caller to tell those still in the call once all moved.
fn send_back(
    room: &mut Room,
    idx: usize,
    message: Option<String>,
    aside: bool,
    out: &mut Outbox,
) -> PeerId {
    let session = room.session.is_some();
    let m = &mut room.members[idx];
    m.admitted = false;
    m.held = m.held || session;
    m.aside = aside;
    m.since = Utc::now();
    out.push(
        m.conn,
        ServerMsg::OnHold {
            message,
            host_present: true,
            aside,
        },
    );
    m.peer.clone()
}

impl Hub {
    /// Host of a room of the rooms API: lock or unlock it; everyone in the call is told.
    /// Meetings cannot be unlocked (their guests always wait to be admitted).
    pub fn set_locked(&self, conn: ConnId, locked: bool) -> Result<MeetingId, AppError> {
        let mut out = Outbox::default();
        let mut st = self.lock();
        let room = hosted_room(&mut st, conn)?;
        if room.locked.is_none() {
            return Err(AppError::new(
                ErrorCode::BadRequest,
                "a meeting's guests always wait to be admitted: only rooms can be unlocked",
            ));
        }
        room.locked = Some(locked);
        for m in room.admitted() {
            out.push(m.conn, ServerMsg::RoomLocked { locked });
        }
        let id = room.brief.id.clone();
        self.flush(st, out);
        Ok(id)
    }

    /// Host: keep someone waiting, with a message; they stay in the waiting room.
    pub fn hold(
        &self,
        conn: ConnId,
        peer: &PeerId,
        message: Option<String>,
    ) -> Result<(), AppError> {
        let message = host_message(message)?;
        let mut out = Outbox::default();
        let mut st = self.lock();
        let room = hosted_room(&mut st, conn)?;
        let guest = room
            .members
            .iter()
            .find(|m| &m.peer == peer && !m.admitted)
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "no one by that id is waiting"))?;
        out.push(guest.conn, ServerMsg::Held { message });
        self.flush(st, out);
        Ok(())
    }

    /// Host: put someone in the call (not a host) on hold: they go back to waiting, told why,
    /// and the others see them leave (their connections close, so no media flows either
    /// way); the host admits them again to bring them back.
    pub fn put_on_hold(
        &self,
        conn: ConnId,
        peer: &PeerId,
        message: Option<String>,
    ) -> Result<(), AppError> {
        let message = host_message(message)?;
        let mut out = Outbox::default();
        let mut st = self.lock();
        let tx = st.insights.clone();
        let room = hosted_room(&mut st, conn)?;
        let idx = room
            .members
            .iter()
            .position(|m| &m.peer == peer && m.admitted && m.role == Role::Guest)
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "no such guest in the call"))?;
        let interpreter =
            room.members[idx].attendee == Some(crate::model::appointment::Attendee::Interpreter);
        let gone = send_back(room, idx, message, false, &mut out);
        for other in room.admitted() {
            out.push(other.conn, ServerMsg::PeerLeft { peer: gone.clone() });
        }
        let lobby = room_lobby(room);
        for h in room.admitted().filter(|m| m.role == Role::Host) {
            out.push(h.conn, lobby.clone());
        }
        // The appointment's hold is the claimant's (not the interpreter's).
        if let (Some(tx), Some(record), false) = (tx, room.record.as_ref(), interpreter) {
            let _ = tx.send(crate::server::signaling::insights::Insight::Hold {
                room: record.room.clone(),
                on: true,
                at: Utc::now(),
            });
        }
        let agent = room.agent.clone();
        lobby_updates(&st, agent.as_ref(), &mut out);
        self.flush(st, out);
        Ok(())
    }

    /// Host of an appointment's call that allows breakout: take `peer` (a guest in the call)
    /// aside, everyone else but the hosts waiting until brought back (a mesh has no second
    /// call to hold them in: the host can only be in one); with none, bring everyone back,
    /// as far as seats allow.
    pub fn take_aside(&self, conn: ConnId, peer: Option<&PeerId>) -> Result<(), AppError> {
        let mut out = Outbox::default();
        let mut st = self.lock();
        let tx = st.insights.clone();
        let room = hosted_room(&mut st, conn)?;
        if !room.features.as_ref().is_some_and(|f| f.breakout) {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "taking someone aside is off in this call",
            ));
        }
        match peer {
            Some(peer) => {
                if !room
                    .members
                    .iter()
                    .any(|m| &m.peer == peer && m.admitted && m.role == Role::Guest)
                {
                    return Err(AppError::new(
                        ErrorCode::NotFound,
                        "no such guest in the call",
                    ));
                }
                let others: Vec<usize> = (0..room.members.len())
                    .filter(|&i| {
                        let m = &room.members[i];
                        m.admitted && m.role != Role::Host && &m.peer != peer
                    })
                    .collect();
                let gone: Vec<PeerId> = others
                    .into_iter()
                    .map(|i| send_back(room, i, None, true, &mut out))
                    .collect();
                for peer in gone {
                    for m in room.admitted() {
                        out.push(m.conn, ServerMsg::PeerLeft { peer: peer.clone() });
                    }
                }
                room.aside = Some(peer.clone());
                for m in room.admitted() {
                    out.push(m.conn, ServerMsg::Aside { active: true });
                }
            }
            None => {
                room.aside = None;
                while room.seated().count() < room.capacity {
                    let Some(idx) = room.members.iter().position(|m| !m.admitted && m.aside) else {
                        break;
                    };
                    self.admit_member(room, idx, &mut out, tx.as_ref());
                }
                for m in room.admitted() {
                    out.push(m.conn, ServerMsg::Aside { active: false });
                }
            }
        }
        let lobby = room_lobby(room);
        for h in room.admitted().filter(|m| m.role == Role::Host) {
            out.push(h.conn, lobby.clone());
        }
        let agent = room.agent.clone();
        lobby_updates(&st, agent.as_ref(), &mut out);
        self.flush(st, out);
        Ok(())
    }

    /// Host: take someone (not a host) out of the call; they are told, the others see them
    /// leave.
    pub fn remove(&self, conn: ConnId, peer: &PeerId) -> Result<(), AppError> {
        let mut out = Outbox::default();
        let mut st = self.lock();
        let room = hosted_room(&mut st, conn)?;
        let target = room
            .members
            .iter()
            .find(|m| &m.peer == peer && m.admitted && m.role != Role::Host)
            .map(|m| m.conn)
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "no such guest in the call"))?;
        leave(&mut st, target, &mut out);
        out.push(target, ServerMsg::Removed);
        self.flush(st, out);
        Ok(())
    }

    /// Host: ask someone in the call to mute their microphone (their page does, and says so).
    pub fn ask_mute(&self, conn: ConnId, peer: &PeerId) -> Result<(), AppError> {
        let mut out = Outbox::default();
        let mut st = self.lock();
        let room = hosted_room(&mut st, conn)?;
        let target = room
            .members
            .iter()
            .find(|m| &m.peer == peer && m.admitted && m.role != Role::Viewer)
            .map(|m| m.conn)
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "no such peer in the call"))?;
        out.push(target, ServerMsg::MuteAsked);
        self.flush(st, out);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn description(sdp: &str) -> Signal {
        Signal::Description {
            sdp_type: crate::model::signal::SdpType::Answer,
            sdp: sdp.into(),
        }
    }

    #[test]
    fn viewers_may_only_receive() {
        let receive = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=recvonly\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=inactive\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n";
        assert!(viewer_may_send(&description(receive)).is_ok());
        for bad in [
            "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendrecv\r\n",
            "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=sendonly\r\n",
            // No direction: sendrecv.
            "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n",
            "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=recvonly\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=sendrecv\r\n",
        ] {
            assert!(viewer_may_send(&description(bad)).is_err(), "{bad}");
        }
        let candidate = Signal::Candidate {
            candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host".into(),
            sdp_mid: None,
            sdp_m_line_index: None,
        };
        assert!(viewer_may_send(&candidate).is_ok());
    }

    #[test]
    fn each_kind_is_judged_by_its_own_switch() {
        let audio_only = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendrecv\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=recvonly\r\n";
        let both = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=sendrecv\r\n";
        assert!(may_send(&description(audio_only), true, false).is_ok());
        assert!(may_send(&description(both), true, true).is_ok());
        let no_video = may_send(&description(both), true, false).unwrap_err();
        assert!(no_video.message.contains("video"), "{}", no_video.message);
        let no_audio = may_send(&description(audio_only), false, true).unwrap_err();
        assert!(no_audio.message.contains("audio"), "{}", no_audio.message);
    }

    #[test]
    fn host_messages_are_bounded() {
        assert_eq!(host_message(Some("  ".into())).unwrap(), None);
        assert_eq!(
            host_message(Some(" one moment ".into()))
                .unwrap()
                .as_deref(),
            Some("one moment")
        );
        assert!(host_message(Some("a\u{7}b".into())).is_err());
        assert!(host_message(Some("x".repeat(MAX_DENY_MESSAGE_CHARS + 1))).is_err());
    }
}
