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
