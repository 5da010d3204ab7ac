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
    let Signal::Description { sdp, .. } = signal else {
        return Ok(());
    };
    // Per media section: does it send? A section without a direction attribute is sendrecv.
    let mut sending = false;
    let mut section_sends = false;
    for line in sdp.lines().map(str::trim_end) {
        if let Some(rest) = line.strip_prefix("m=") {
            sending |= section_sends;
            let kind = rest.split(' ').next().unwrap_or("");
            section_sends = kind == "audio" || kind == "video";
        } else if matches!(line, "a=recvonly" | "a=inactive") {
            section_sends = false;
        }
    }
    sending |= section_sends;
    if sending {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "viewers receive only: this description would send media",
        ));
    }
    Ok(())
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
