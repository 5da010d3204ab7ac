//! Personal meetings: scheduled video calls with personal links for everyone.

use super::tenancy::CompanySummary;
use super::types::{EmailAddress, Name, PhoneNumber, SiteRef, Text, UserRef};
use super::NamedRef;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Someone to invite.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantInput {
    /// Name.
    pub name: Name,
    /// E-mail address (needed for an e-mail invitation).
    #[serde(default)]
    pub email: Option<EmailAddress>,
    /// Phone number, E.164 (needed for an SMS invitation).
    #[serde(default)]
    pub phone: Option<PhoneNumber>,
}

/// `POST /personal/meetings`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingInput {
    /// The site's id.
    pub site: SiteRef,
    /// The hosting user (agent or assistant_video of the site). Optional when `created_by` is
    /// that user.
    #[serde(default)]
    pub agent: Option<UserRef>,
    /// The user scheduling it, when the integration acts for one: an agent may schedule only
    /// for itself, an assistant only for agent and assistant_video users of its own sites.
    #[serde(default)]
    pub created_by: Option<UserRef>,
    /// An appointment (always, for Personal meetings).
    #[serde(default = "yes")]
    pub is_appointment: bool,
    /// Start.
    #[serde(with = "super::instant")]
    #[schema(value_type = String, format = DateTime)]
    pub time_start: DateTime<Utc>,
    /// End (after the start, at most 24 hours later).
    #[serde(with = "super::instant")]
    #[schema(value_type = String, format = DateTime)]
    pub time_end: DateTime<Utc>,
    /// People to invite: one, or two for a three-way call (package feature
    /// `multiple_participants`).
    #[schema(min_items = 1, max_items = 2)]
    pub participants: Vec<ParticipantInput>,
    /// Subject.
    #[serde(default)]
    pub subject: Option<Name>,
    /// Text of the invitation e-mail (else the site's).
    #[serde(default)]
    pub invitation: Option<Text>,
    /// Text of the invitation SMS.
    #[serde(default)]
    pub invitation_sms: Option<Text>,
    /// Send e-mail invitations.
    #[serde(default)]
    pub send_email: bool,
    /// Send SMS invitations (package feature `weseedo_personal_sms`).
    #[serde(default)]
    pub send_sms: bool,
}

fn yes() -> bool {
    true
}

/// `PATCH` or `POST /personal/meetings/{id}`: only the time can change.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingTimeInput {
    /// New start.
    #[serde(with = "super::instant")]
    #[schema(value_type = String, format = DateTime)]
    pub time_start: DateTime<Utc>,
    /// New end.
    #[serde(with = "super::instant")]
    #[schema(value_type = String, format = DateTime)]
    pub time_end: DateTime<Utc>,
}

/// A participant of a meeting, with their personal link.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct MeetingParticipant {
    /// A display handle (`agent.…`, `visitor.…`).
    pub username: String,
    /// Name.
    pub name: String,
    /// The participant's id.
    pub id: String,
    /// The user, for the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Invited when the meeting was made.
    pub initial_participant: bool,
    /// The personal join hash.
    pub hash: String,
    /// The personal join link.
    pub url: String,
}

/// A meeting.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Meeting {
    /// Its id.
    pub id: String,
    /// The company.
    pub company: CompanySummary,
    /// The room's id.
    pub room_id: String,
    /// Consult rooms have no password (people enter with their personal links): always empty.
    pub room_password: String,
    /// Always 0.
    pub chat_duration: u32,
    /// An appointment.
    pub is_appointment: bool,
    /// When it was made.
    #[serde(with = "super::instant")]
    #[schema(value_type = String, format = DateTime)]
    pub room_created: DateTime<Utc>,
    /// The room opens (the site's early-join minutes before the start).
    #[serde(with = "super::instant")]
    #[schema(value_type = String, format = DateTime)]
    pub room_available_from: DateTime<Utc>,
    /// The room closes (the site's grace minutes after the end).
    #[serde(with = "super::instant")]
    #[schema(value_type = String, format = DateTime)]
    pub room_available_till: DateTime<Utc>,
    /// Start.
    #[serde(with = "super::instant")]
    #[schema(value_type = String, format = DateTime)]
    pub time_start: DateTime<Utc>,
    /// End.
    #[serde(with = "super::instant")]
    #[schema(value_type = String, format = DateTime)]
    pub time_end: DateTime<Utc>,
    /// Times are UTC: always 0.
    pub timezone_offset: i32,
    /// Who scheduled it (a user, or the API client).
    pub created_by: NamedRef,
    /// The site.
    pub site: NamedRef,
    /// Subject.
    pub subject: String,
    /// Invitation text.
    pub invitation: String,
    /// Everyone invited, the agent first.
    pub participants: Vec<MeetingParticipant>,
}
