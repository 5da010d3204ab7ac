//! Messages from the widget (inside the iframe) to `embed.js` on the host page, which
//! re-emits them as DOM `CustomEvent`s on the `<consult-…>` element.
//!
//! Every payload carries `version`; fields are only ever added. Join hashes never appear here:
//! the host page must not learn a customer's personal link.

use super::{ErrorCode, MeetingId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Payload version of every [`EmbedMessage`].
pub const EMBED_PROTOCOL_VERSION: u32 = 1;

/// A message to the host page: `{"type": "consult:booked", "version": 1, …}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum EmbedMessage {
    /// The widget rendered its first screen.
    #[serde(rename = "consult:ready")]
    Ready {
        /// Payload version.
        version: u32,
        /// `booking` or `call`.
        view: String,
    },
    /// The content's height changed; the loader sizes the iframe to it.
    #[serde(rename = "consult:resize")]
    Resize {
        /// Payload version.
        version: u32,
        /// Content height in CSS pixels.
        height: u32,
    },
    /// A booking was made.
    #[serde(rename = "consult:booked")]
    Booked {
        /// Payload version.
        version: u32,
        /// The meeting.
        meeting: MeetingId,
        /// Start (UTC).
        starts_at: DateTime<Utc>,
        /// End (UTC).
        ends_at: DateTime<Utc>,
        /// The site's zone.
        time_zone: String,
    },
    /// The customer is in the waiting room.
    #[serde(rename = "consult:waiting")]
    Waiting {
        /// Payload version.
        version: u32,
        /// The meeting.
        meeting: MeetingId,
    },
    /// The host let the customer in; the call is being set up.
    #[serde(rename = "consult:admitted")]
    Admitted {
        /// Payload version.
        version: u32,
        /// The meeting.
        meeting: MeetingId,
    },
    /// The customer is in the call: the first picture or sound from the other side arrived.
    #[serde(rename = "consult:joined")]
    Joined {
        /// Payload version.
        version: u32,
        /// The meeting.
        meeting: MeetingId,
    },
    /// The customer moved their appointment (from the booking form's confirmation).
    #[serde(rename = "consult:rescheduled")]
    Rescheduled {
        /// Payload version.
        version: u32,
        /// The meeting.
        meeting: MeetingId,
        /// New start (UTC).
        starts_at: DateTime<Utc>,
        /// New end (UTC).
        ends_at: DateTime<Utc>,
        /// The site's zone.
        time_zone: String,
    },
    /// The customer cancelled their appointment (from the booking form's confirmation).
    #[serde(rename = "consult:cancelled")]
    Cancelled {
        /// Payload version.
        version: u32,
        /// The meeting.
        meeting: MeetingId,
    },
    /// The customer left the call.
    #[serde(rename = "consult:left")]
    Left {
        /// Payload version.
        version: u32,
        /// The meeting.
        meeting: MeetingId,
        /// An appointment's post-call address for this person: the host page decides
        /// whether to go there (a page on its own goes itself).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        redirect: Option<String>,
    },
    /// Host: someone knocked (waits to be let in).
    #[serde(rename = "consult:knock")]
    Knock {
        /// Payload version.
        version: u32,
        /// The meeting or room.
        meeting: MeetingId,
        /// The name they gave.
        name: String,
    },
    /// Someone entered the call.
    #[serde(rename = "consult:participant_join")]
    ParticipantJoin {
        /// Payload version.
        version: u32,
        /// The meeting or room.
        meeting: MeetingId,
        /// Their name.
        name: String,
        /// `host`, `guest` or `viewer`.
        role: super::meeting::Role,
        /// The `external-id` their own page gave, if any.
        external_id: Option<String>,
    },
    /// Someone left the call.
    #[serde(rename = "consult:participant_leave")]
    ParticipantLeave {
        /// Payload version.
        version: u32,
        /// The meeting or room.
        meeting: MeetingId,
        /// Their name.
        name: String,
        /// The `external-id` their own page gave, if any.
        external_id: Option<String>,
    },
    /// My camera went on or off.
    #[serde(rename = "consult:camera_toggle")]
    CameraToggle {
        /// Payload version.
        version: u32,
        /// On now?
        enabled: bool,
    },
    /// My microphone went on or off.
    #[serde(rename = "consult:microphone_toggle")]
    MicrophoneToggle {
        /// Payload version.
        version: u32,
        /// On now?
        enabled: bool,
    },
    /// My screen share started or stopped.
    #[serde(rename = "consult:screenshare_toggle")]
    ScreenshareToggle {
        /// Payload version.
        version: u32,
        /// Sharing now?
        enabled: bool,
    },
    /// The call's connection became stable or unstable (lost packets, or the server lost).
    #[serde(rename = "consult:connection_status_change")]
    ConnectionStatusChange {
        /// Payload version.
        version: u32,
        /// `stable` or `unstable`.
        status: String,
    },
    /// A recording of the call is being announced (`starting`), runs (`started`) or
    /// stopped (`stopped`); every page in the call tells its host page.
    #[serde(rename = "consult:recording_status_change")]
    RecordingStatusChange {
        /// Payload version.
        version: u32,
        /// `starting`, `started` or `stopped`.
        status: String,
    },
    /// The checks before the call are done.
    #[serde(rename = "consult:precall_check_completed")]
    PrecallCheckCompleted {
        /// Payload version.
        version: u32,
        /// Each step: passed or not.
        steps: PrecallSteps,
    },
    /// Something failed that the host page may want to react to.
    #[serde(rename = "consult:error")]
    Error {
        /// Payload version.
        version: u32,
        /// Stable error code.
        code: ErrorCode,
        /// A sentence for people.
        message: String,
    },
}

/// The steps of the check before a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrecallSteps {
    /// A camera gives a picture.
    pub camera: bool,
    /// A microphone gives sound.
    pub microphone: bool,
    /// A speaker (audio output) is there.
    pub speaker: bool,
    /// The server answers (the signaling connection opened).
    pub connection: bool,
}

/// What the host page asks of a `<consult-call>` (its element's methods):
/// `{"type": "consult:command", "version": 1, "command": "toggle_camera"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// `toggleCamera()`.
    ToggleCamera,
    /// `toggleMicrophone()`.
    ToggleMicrophone,
    /// `toggleScreenshare()`.
    ToggleScreenshare,
    /// `toggleChat()`: show or hide the chat.
    ToggleChat,
    /// `leaveRoom()`.
    Leave,
    /// `endMeeting()`: hosts end the call for everyone.
    EndMeeting,
    /// `knock()`: enter (or knock) now, as the Enter button does.
    Knock,
}

/// A command from the host page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandMessage {
    /// `consult:command`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Payload version.
    pub version: u32,
    /// What to do.
    pub command: Command,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_is_the_dom_event_name() {
        let m = EmbedMessage::Resize {
            version: EMBED_PROTOCOL_VERSION,
            height: 420,
        };
        let json = serde_json::to_value(m).unwrap();
        assert_eq!(json["type"], "consult:resize");
        assert_eq!(json["version"], 1);
        assert_eq!(json["height"], 420);
    }
}
