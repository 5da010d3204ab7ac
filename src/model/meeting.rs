//! Meetings as the join page and the console see them.

use super::{MeetingId, PeerId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which side of the call someone is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The agent: always in the room, admits others.
    Host,
    /// A customer: waits until admitted.
    Guest,
    /// A viewer of a room of the rooms API (`viewerRoomUrl`): sees and hears everyone, sends
    /// nothing, takes no seat.
    Viewer,
}

/// What anyone in a meeting may know about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingBrief {
    /// The meeting.
    pub id: MeetingId,
    /// Its subject.
    pub subject: String,
    /// The site's name.
    pub site_name: String,
    /// The agent's name.
    pub host_name: String,
    /// Scheduled start (UTC).
    pub starts_at: DateTime<Utc>,
    /// Scheduled end (UTC).
    pub ends_at: DateTime<Utc>,
    /// The room may be entered from…
    pub opens_at: DateTime<Utc>,
    /// …until.
    pub closes_at: DateTime<Utc>,
    /// The site's zone, for showing times.
    pub time_zone: String,
}

/// What the join page learns from a personal link before it knocks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinInfo {
    /// The meeting.
    pub meeting: MeetingBrief,
    /// The name the link was issued to.
    pub name: String,
    /// Host (the agent's own link) or guest.
    pub role: Role,
    /// The site's look: colours, font, logo, waiting-room background.
    #[serde(default)]
    pub theme: super::booking::Theme,
    /// Rooms of the rooms API: locked (guests knock) or open; meetings: none.
    #[serde(default)]
    pub locked: Option<bool>,
    /// An appointment's room: the switches of its call (none: everything on).
    #[serde(default)]
    pub features: Option<super::appointment::CallFeatures>,
    /// An appointment's room: where this role's page goes when the call ends.
    #[serde(default)]
    pub after_call: Option<String>,
}

/// One waiting person as the console lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LobbyEntry {
    /// Their meeting.
    pub meeting: MeetingId,
    /// The meeting's subject.
    pub subject: String,
    /// The meeting's start.
    pub starts_at: DateTime<Utc>,
    /// Their connection, to admit.
    pub peer: PeerId,
    /// Their name.
    pub name: String,
    /// Since when they wait.
    pub since: DateTime<Utc>,
    /// A recent picture from their camera (a `data:image/jpeg` URL), where the site allows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
}
