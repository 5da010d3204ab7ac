//! Personal meetings: scheduled video calls with personal links for everyone.

use super::tenancy::CompanySummary;
use super::NamedRef;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Someone to invite.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantInput {
    /// Name.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\s\x00-\x1f\x7f-\x9f\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u206F\uFEFF](?:[^\x00-\x1f\x7f-\x9f\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u206F\uFEFF]*[^\s\x00-\x1f\x7f-\x9f\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u206F\uFEFF])?$"
    )]
    pub name: String,
    /// E-mail address (needed for an e-mail invitation).
    #[schema(
        max_length = 254,
        pattern = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
    )]
    #[serde(default)]
    pub email: Option<String>,
    /// Phone number, E.164 (needed for an SMS invitation).
    #[schema(pattern = r"^\+[1-9][0-9]{7,14}$")]
    #[serde(default)]
    pub phone: Option<String>,
}

/// `POST /personal/meetings`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingInput {
    /// The site's id.
    #[schema(pattern = r"^[0-9a-f]{24}$")]
    pub site: String,
    /// The hosting user (agent or assistant_video of the site). Optional when `created_by` is
    /// that user.
    #[schema(pattern = r"^[0-9a-f]{24}$")]
    #[serde(default)]
    pub agent: Option<String>,
    /// The user scheduling it, when the integration acts for one: an agent may schedule only
    /// for itself, an assistant only for agent and assistant_video users of its own sites.
    #[schema(pattern = r"^[0-9a-f]{24}$")]
    #[serde(default)]
    pub created_by: Option<String>,
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
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\s\x00-\x1f\x7f-\x9f\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u206F\uFEFF](?:[^\x00-\x1f\x7f-\x9f\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u206F\uFEFF]*[^\s\x00-\x1f\x7f-\x9f\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u206F\uFEFF])?$"
    )]
    #[serde(default)]
    pub subject: Option<String>,
    /// Text of the invitation e-mail (else the site's).
    #[schema(max_length = 2000, pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")]
    #[serde(default)]
    pub invitation: Option<String>,
    /// Text of the invitation SMS.
    #[schema(max_length = 2000, pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")]
    #[serde(default)]
    pub invitation_sms: Option<String>,
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
