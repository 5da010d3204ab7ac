//! Appointments as their call and their claimant's page see them: the switches an appointment
//! sets on its call (the server enforces what a client could cheat on; the widget shapes the
//! page), and what the pre-call page shows. Shared by the server and the widget.

use super::meeting::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The sent-video ceiling an appointment asks for (`features_bandwidth`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Bandwidth {
    /// For poor connections.
    Low,
    /// The middle.
    Medium,
    /// The best picture.
    High,
}

impl Bandwidth {
    /// From the API's word.
    pub fn parse(s: &str) -> Option<Bandwidth> {
        match s {
            "low" => Some(Bandwidth::Low),
            "medium" => Some(Bandwidth::Medium),
            "high" => Some(Bandwidth::High),
            _ => None,
        }
    }

    /// The API's word.
    pub fn as_str(self) -> &'static str {
        match self {
            Bandwidth::Low => "low",
            Bandwidth::Medium => "medium",
            Bandwidth::High => "high",
        }
    }

    /// The most bits per second a page sends in video (`RTCRtpEncodingParameters.maxBitrate`).
    pub fn max_video_bitrate(self) -> u32 {
        match self {
            Bandwidth::Low => 150_000,
            Bandwidth::Medium => 500_000,
            Bandwidth::High => 1_500_000,
        }
    }
}

/// The switches of an appointment's call. A room of the rooms API has none (everything on).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallFeatures {
    /// The host (agent) may use a camera.
    pub camera_host: bool,
    /// Guests (the claimant, an interpreter) may use a camera.
    pub camera_guest: bool,
    /// Anyone may use a microphone.
    pub microphone: bool,
    /// Anyone may share a screen.
    pub screen_share: bool,
    /// The chat exists (the server refuses messages otherwise).
    pub chat: bool,
    /// The list of who is in the call is shown.
    pub participant_list: bool,
    /// A ceiling on sent video; none: the browser's own.
    pub bandwidth: Option<Bandwidth>,
    /// The claimant's camera picture has its background blurred, where the browser can.
    pub blur: bool,
    /// The host may take one participant aside.
    pub breakout: bool,
    /// The call may be recorded.
    pub recording: bool,
}

impl Default for CallFeatures {
    /// Everything a room allows.
    fn default() -> Self {
        CallFeatures {
            camera_host: true,
            camera_guest: true,
            microphone: true,
            screen_share: true,
            chat: true,
            participant_list: true,
            bandwidth: None,
            blur: false,
            breakout: false,
            recording: false,
        }
    }
}

impl CallFeatures {
    /// May someone of this role use a camera?
    pub fn camera(&self, role: Role) -> bool {
        match role {
            Role::Host => self.camera_host,
            Role::Guest => self.camera_guest,
            Role::Viewer => false,
        }
    }

    /// May someone of this role send video at all (a camera or a screen)?
    pub fn video(&self, role: Role) -> bool {
        role != Role::Viewer && (self.camera(role) || self.screen_share)
    }

    /// May someone of this role send sound?
    pub fn audio(&self, role: Role) -> bool {
        role != Role::Viewer && self.microphone
    }
}

/// Whose pre-call page it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Attendee {
    /// The claimant.
    Claimant,
    /// The interpreter.
    Interpreter,
}

/// Where an appointment stands, as the API names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not begun.
    Scheduled,
    /// Agent and claimant have met.
    InProgress,
    /// The call ended.
    Completed,
    /// Cancelled.
    Cancelled,
}

impl Status {
    /// As stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Scheduled => "scheduled",
            Status::InProgress => "in_progress",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
        }
    }

    /// From its word.
    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Scheduled,
            Status::InProgress,
            Status::Completed,
            Status::Cancelled,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
}

/// What the claimant's (or interpreter's) pre-call page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreCall {
    /// The case's reference.
    pub reference: String,
    /// Whose page.
    pub attendee: Attendee,
    /// The name the call shows for them.
    pub name: String,
    /// The company that invites.
    pub company: String,
    /// The language the page speaks (`en`, `nl`): the appointment's.
    pub locale: String,
    /// The agent who hosts, once known.
    pub agent: Option<String>,
    /// When it starts (UTC).
    pub starts_at: DateTime<Utc>,
    /// How long, in minutes.
    pub duration_minutes: u32,
    /// Times are shown in this zone.
    pub time_zone: String,
    /// An interpreter joins, for this language.
    pub interpreter_language: Option<String>,
    /// The switches of the call.
    pub features: CallFeatures,
    /// Where it stands.
    pub status: Status,
    /// The way in opens then (a while before the start).
    pub opens_at: DateTime<Utc>,
    /// The room to enter: given only once the way in is open.
    pub room: Option<String>,
}

/// How long before its start the way into an appointment's call opens.
pub const OPENS_BEFORE_MINUTES: i64 = 15;
