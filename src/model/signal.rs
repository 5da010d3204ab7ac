//! The signaling protocol on the `/signal` WebSocket: one JSON message per text frame, one
//! enum each way.
//!
//! A connection starts outside any room. A customer [`ClientMsg::Knock`]s with their personal
//! join hash and waits; the agent (logged into the console) [`ClientMsg::Host`]s their meeting
//! and [`ClientMsg::Admit`]s. Only then does the server relay [`Signal`]s between the two:
//! a peer that has not been admitted neither sends nor receives SDP or ICE.

use super::meeting::{LobbyEntry, MeetingBrief, Role};
use super::{AppError, ErrorCode, MeetingId, PeerId};
use serde::{Deserialize, Serialize};

/// Longest message a host can send with a denial, in characters.
pub const MAX_DENY_MESSAGE_CHARS: usize = 500;

/// Largest waiting-room camera picture, in bytes of its `data:` URL.
pub const MAX_PREVIEW_BYTES: usize = 24 * 1024;

/// Longest chat message, in characters.
pub const MAX_CHAT_CHARS: usize = 2000;

/// Largest message the server reads; larger frames are refused before parsing.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Messages a browser sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMsg {
    /// Enter the waiting room with a personal join hash. The agent's own link enters as host.
    Knock {
        /// The hash from `/join/{hash}`.
        hash: String,
    },
    /// Enter one of my meetings as its host (console session required).
    Host {
        /// The meeting.
        meeting: MeetingId,
    },
    /// Come back into a call after the connection dropped (or the server restarted), as the
    /// same peer and without a second admission. Peers keep their media flowing meanwhile.
    Resume {
        /// The token from [`ServerMsg::Joined`].
        token: String,
    },
    /// Enter a room of the rooms API through its link: guests enter an unlocked room at once
    /// and knock on a locked one; the host's and viewers' keys enter at once.
    EnterRoom {
        /// The room's name, from `/rooms/{name}` (with or without the leading `/`).
        room: String,
        /// The link's `roomKey`, if it had one.
        #[serde(default)]
        key: Option<String>,
        /// The name the others see (1 to 100 characters).
        name: String,
        /// The host page's own id for this person (`external-id`), passed to the others'
        /// pages in their events; at most 100 printable characters.
        #[serde(default)]
        external_id: Option<String>,
        /// An appointment's room: the pre-call link's token, which says this is its claimant
        /// (or interpreter).
        #[serde(default)]
        ticket: Option<String>,
    },
    /// Host of an appointment's call with breakout allowed: take one guest aside (everyone
    /// else waits, told why) or, with none, bring everyone back.
    TakeAside {
        /// Who, or none to end the private talk.
        #[serde(default)]
        peer: Option<PeerId>,
    },
    /// Host of a room of the rooms API: lock it (guests knock) or unlock it.
    Lock {
        /// Locked from now on?
        locked: bool,
    },
    /// Host: keep a waiting peer waiting, telling them why (they stay in the waiting room).
    Hold {
        /// The waiting peer.
        peer: PeerId,
        /// What they are told (at most [`MAX_DENY_MESSAGE_CHARS`] characters).
        #[serde(default)]
        message: Option<String>,
    },
    /// Host: put a guest in the call on hold (back to waiting, told why); admit them again
    /// to bring them back.
    PutOnHold {
        /// Who.
        peer: PeerId,
        /// What they are told (at most [`MAX_DENY_MESSAGE_CHARS`] characters).
        #[serde(default)]
        message: Option<String>,
    },
    /// Host: take someone out of the call.
    Remove {
        /// Who.
        peer: PeerId,
    },
    /// Host: ask someone in the call to mute their microphone.
    AskMute {
        /// Who.
        peer: PeerId,
    },
    /// In the call: my network over the last few seconds, for the room's insights (rooms
    /// of the rooms API only; ignored elsewhere and when sent more often than every second).
    Stats {
        /// Packets I sent that were lost, per mille (0 to 1000).
        packet_loss_send: u16,
        /// Packets sent to me that were lost, per mille.
        packet_loss_recv: u16,
        /// Bits per second I sent.
        bitrate_send: u32,
        /// Bits per second I received.
        bitrate_recv: u32,
    },
    /// Console: keep me told who is waiting in any of my meetings.
    WatchLobby,
    /// Host: let a waiting peer into the call.
    Admit {
        /// The waiting peer.
        peer: PeerId,
    },
    /// Host: let everyone waiting in, as far as the room's capacity allows (longest-waiting
    /// first).
    AdmitAll,
    /// Host, in the room or from the console: send a waiting peer away, with a message.
    Deny {
        /// The meeting they wait in.
        meeting: MeetingId,
        /// The waiting peer.
        peer: PeerId,
        /// What they are told (at most [`MAX_DENY_MESSAGE_CHARS`] characters).
        #[serde(default)]
        message: Option<String>,
    },
    /// Waiting: a fresh small picture from my camera for the host (only where the site
    /// allows it; the waiting message says so).
    Preview {
        /// A `data:image/jpeg;base64,…` URL of at most [`MAX_PREVIEW_BYTES`].
        image: String,
    },
    /// Relay a negotiation message to another peer in the call.
    Signal {
        /// The receiving peer.
        to: PeerId,
        /// What to relay.
        signal: Signal,
    },
    /// My microphone, camera and screen share changed (told to everyone in the call).
    Media(MediaState),
    /// A chat message to everyone in the call. Kept only as long as the call: the server
    /// relays it and forgets it.
    Chat {
        /// The text (at most [`MAX_CHAT_CHARS`] characters).
        text: String,
    },
    /// Host of a room that may be recorded: start recording. Everyone in the call is told
    /// first ([`ServerMsg::Recording`] `telling`); it runs once they all have seen it.
    RecordStart,
    /// Host: stop the recording.
    RecordStop,
    /// I have shown the recording notice with this id (sent by every page, waiting or in
    /// the call). A newcomer is let in only after this while a recording runs.
    RecordingSeen {
        /// The recording's id, from the notice.
        id: String,
    },
    /// Host: end the call for everyone in it and everyone waiting.
    EndForAll,
    /// Leave the room (the connection stays open).
    Leave,
    /// Keep-alive; answered with [`ServerMsg::Pong`].
    Ping,
}

/// Negotiation payloads relayed between two peers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signal {
    /// An SDP offer or answer.
    Description {
        /// `offer`, `answer`, `pranswer` or `rollback`.
        sdp_type: SdpType,
        /// The SDP text.
        sdp: String,
    },
    /// A trickled ICE candidate.
    Candidate {
        /// The candidate line.
        candidate: String,
        /// Its media id.
        #[serde(default)]
        sdp_mid: Option<String>,
        /// Its media line index.
        #[serde(default)]
        sdp_m_line_index: Option<u16>,
    },
}

/// The SDP types of RTCSessionDescription.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SdpType {
    /// An offer.
    Offer,
    /// An answer.
    Answer,
    /// A provisional answer.
    Pranswer,
    /// Roll back a pending offer.
    Rollback,
}

/// A peer in the room as others see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerInfo {
    /// Its connection id.
    pub id: PeerId,
    /// The person's name.
    pub name: String,
    /// Host or guest.
    pub role: Role,
    /// What they send.
    #[serde(default)]
    pub media: MediaState,
    /// Waiting only: a recent picture from their camera, where the site allows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
    /// The `external-id` their host page gave (rooms), for the others' host pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

/// Where a recording goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordingMode {
    /// A file downloaded to the host's computer; nothing is uploaded.
    Local,
    /// Uploaded to Consult as it is made.
    Cloud,
}

/// When a recording starts (the rooms API's `startTrigger`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordingTrigger {
    /// The host starts it.
    #[serde(rename = "none")]
    Manual,
    /// The host is asked as they enter.
    #[serde(rename = "prompt")]
    Prompt,
    /// As the host enters.
    #[serde(rename = "automatic")]
    Automatic,
    /// As the second person is in the call.
    #[serde(rename = "automatic-2nd-participant")]
    SecondParticipant,
}

/// A host's permission to record this room (in their [`ServerMsg::Joined`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingOffer {
    /// Where it goes.
    pub mode: RecordingMode,
    /// When it starts.
    pub trigger: RecordingTrigger,
}

/// Where a recording stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordingStatus {
    /// Everyone is being told; nothing is recorded yet.
    Telling,
    /// Everyone present has been told: it is recording.
    Started,
    /// It stopped.
    Stopped,
}

/// What every page is told of a recording.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingNotice {
    /// The recording.
    pub id: String,
    /// Where it stands.
    pub status: RecordingStatus,
    /// Who records (the host's name).
    pub by: String,
    /// Where it goes.
    pub mode: RecordingMode,
    /// This page is the one that records (its host started it).
    #[serde(default)]
    pub yours: bool,
    /// The recording host's page only, in `cloud` mode once started: the ticket its
    /// uploads carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<String>,
}

/// What a peer sends: microphone and camera on or off, and whether its video is a screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaState {
    /// Microphone on.
    pub audio: bool,
    /// Camera (or screen) on.
    pub video: bool,
    /// The video is a shared screen.
    #[serde(default)]
    pub screen: bool,
}

impl Default for MediaState {
    /// Until a peer says otherwise, it is taken to send what it has.
    fn default() -> Self {
        MediaState {
            audio: true,
            video: true,
            screen: false,
        }
    }
}

/// One entry of the ICE server list a peer connection is configured with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceServer {
    /// `stun:` / `turn:` URLs.
    pub urls: Vec<String>,
    /// TURN username, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// TURN credential, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// What the pre-call connection check tries to reach: the ICE servers the call would use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceCheck {
    /// The same list (and kind of TURN credential) as on admission.
    pub ice_servers: Vec<IceServer>,
    /// Calls here relay everything (so a relay must be reachable).
    pub relay_only: bool,
}

/// Messages the server sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    /// The knock was accepted: wait to be admitted.
    Waiting {
        /// My connection id.
        me: PeerId,
        /// The meeting.
        meeting: MeetingBrief,
        /// Is the host in the room right now?
        host_present: bool,
        /// The host sees a picture from my camera while I wait: send [`ClientMsg::Preview`].
        #[serde(default)]
        preview: bool,
    },
    /// The host arrived in or left the room (sent to waiting guests).
    HostPresence {
        /// Is the host in the room now?
        present: bool,
    },
    /// I am in the call: negotiate with every peer listed.
    Joined {
        /// My connection id.
        me: PeerId,
        /// Host or guest.
        role: Role,
        /// The meeting.
        meeting: MeetingBrief,
        /// Peers already in the call.
        peers: Vec<PeerInfo>,
        /// How to configure RTCPeerConnection.
        ice_servers: Vec<IceServer>,
        /// Use relayed candidates only (`iceTransportPolicy: "relay"`).
        #[serde(default)]
        relay_only: bool,
        /// Send this in [`ClientMsg::Resume`] to come back after a dropped connection.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<String>,
        /// This is a resumption: keep the peer connections that still work.
        #[serde(default)]
        resumed: bool,
        /// Hosts of a room that may be recorded: how.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        record: Option<RecordingOffer>,
        /// The recording running now, if any (everyone in it was told before this).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recording: Option<RecordingNotice>,
    },
    /// Host only: who is waiting in this room right now.
    RoomLobby {
        /// The waiting peers.
        waiting: Vec<PeerInfo>,
    },
    /// Someone entered the call.
    PeerJoined {
        /// Who.
        peer: PeerInfo,
    },
    /// Someone left the call.
    PeerLeft {
        /// Who.
        peer: PeerId,
    },
    /// A peer's microphone, camera or screen share changed.
    PeerMedia {
        /// Who.
        peer: PeerId,
        /// What they send now.
        media: MediaState,
    },
    /// A chat message in the call (also echoed to its sender, so everyone sees one order).
    Chat {
        /// The sender.
        from: PeerId,
        /// Their name.
        name: String,
        /// The text.
        text: String,
        /// When the server relayed it.
        at: chrono::DateTime<chrono::Utc>,
    },
    /// A recording of the call is being announced, runs, or stopped (sent to everyone in
    /// the call and everyone waiting). Answer `telling` and `started` with
    /// [`ClientMsg::RecordingSeen`] once shown.
    Recording(RecordingNotice),
    /// The host ended the call for everyone; this connection is out of the room.
    Ended,
    /// A relayed negotiation message.
    Signal {
        /// The sending peer.
        from: PeerId,
        /// The payload.
        signal: Signal,
    },
    /// Console: everyone waiting in any of my meetings.
    Lobby {
        /// The waiting people, longest-waiting first.
        entries: Vec<LobbyEntry>,
    },
    /// The host sent me away from the waiting room; this connection is out of the room.
    Denied {
        /// The host's message, if any.
        message: Option<String>,
    },
    /// The same link was opened elsewhere; this connection is out of the room.
    Replaced,
    /// The room was locked or unlocked (told to everyone in the call).
    RoomLocked {
        /// Locked now?
        locked: bool,
    },
    /// The host asks me to keep waiting; I am still in the waiting room.
    Held {
        /// The host's message, if any.
        message: Option<String>,
    },
    /// The host put me on hold: I am out of the call and waiting again (my connections to
    /// the others close), until the host admits me back.
    OnHold {
        /// The host's message, if any.
        message: Option<String>,
        /// The host is in the room.
        host_present: bool,
        /// Because the host took someone else aside (breakout), not because of me.
        #[serde(default)]
        aside: bool,
    },
    /// In the call: the host took someone aside (`active`), or brought everyone back.
    Aside {
        /// A private talk is going on.
        active: bool,
    },
    /// The host took me out of the call; this connection is out of the room.
    Removed,
    /// The host asks me to mute my microphone.
    MuteAsked,
    /// A request failed. Fatal ones (knock refused) leave the connection outside any room.
    Error {
        /// What went wrong.
        error: AppError,
    },
    /// Answer to [`ClientMsg::Ping`].
    Pong,
}

impl ClientMsg {
    /// Parse one text frame, refusing oversized or malformed input with a clear error.
    pub fn parse(text: &str) -> Result<ClientMsg, AppError> {
        if text.len() > MAX_MESSAGE_BYTES {
            return Err(AppError::new(
                ErrorCode::BadRequest,
                format!("message larger than {MAX_MESSAGE_BYTES} bytes"),
            ));
        }
        serde_json::from_str(text)
            .map_err(|e| AppError::new(ErrorCode::BadRequest, format!("malformed message: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_shape_is_tagged_json() {
        let m = ClientMsg::Signal {
            to: PeerId::parse("0123456789abcdef01234567").unwrap(),
            signal: Signal::Candidate {
                candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host".into(),
                sdp_mid: Some("0".into()),
                sdp_m_line_index: Some(0),
            },
        };
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["type"], "signal");
        assert_eq!(json["signal"]["kind"], "candidate");
        assert_eq!(ClientMsg::parse(&json.to_string()).unwrap(), m);
        assert_eq!(
            ClientMsg::parse(r#"{"type":"knock","hash":"abc"}"#).unwrap(),
            ClientMsg::Knock { hash: "abc".into() }
        );
    }

    #[test]
    fn recording_notice_wire_shape() {
        let m = ServerMsg::Recording(RecordingNotice {
            id: "r1".into(),
            status: RecordingStatus::Telling,
            by: "Ann".into(),
            mode: RecordingMode::Cloud,
            yours: false,
            upload: None,
        });
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["type"], "recording");
        assert_eq!(json["status"], "telling");
        assert_eq!(json["mode"], "cloud");
        assert!(json.get("upload").is_none());
        let offer: RecordingOffer =
            serde_json::from_str(r#"{"mode":"local","trigger":"automatic-2nd-participant"}"#)
                .unwrap();
        assert_eq!(offer.trigger, RecordingTrigger::SecondParticipant);
        assert_eq!(
            ClientMsg::parse(r#"{"type":"recording_seen","id":"r1"}"#).unwrap(),
            ClientMsg::RecordingSeen { id: "r1".into() }
        );
    }

    #[test]
    fn malformed_and_oversized_are_refused() {
        for bad in [
            "",
            "{",
            r#"{"type":"nope"}"#,
            r#"{"type":"admit","peer":"not-an-id"}"#,
            r#"{"type":"signal","to":"0123456789abcdef01234567"}"#,
        ] {
            let e = ClientMsg::parse(bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::BadRequest, "{bad}");
        }
        let huge = format!(
            r#"{{"type":"knock","hash":"{}"}}"#,
            "a".repeat(MAX_MESSAGE_BYTES)
        );
        assert!(ClientMsg::parse(&huge)
            .unwrap_err()
            .message
            .contains("larger"));
    }
}
