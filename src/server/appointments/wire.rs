//! The appointments API's answers, field for field as the seed's example response shows them:
//! `appointment_at` and the other instants with microseconds and `Z`, the meeting's dates
//! with `+00:00`, numbers as numbers, booleans as booleans, `null` where empty. Consult's
//! extensions come after the seed's fields: `agent`, `interpreter_url`, `locale`,
//! `time_zone`, `webcam_background_blurring_status`, `recordings`.

use crate::server::services::appointments::Urls;
use crate::server::store::{AppointmentRow, RecordingRow};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// `{"data": …}`.
#[derive(Serialize, ToSchema)]
pub struct Data<T> {
    /// The appointment.
    pub data: T,
}

/// The claimant.
#[derive(Serialize, ToSchema)]
pub struct Claimant {
    /// Name.
    pub name: String,
    /// `YYYY-MM-DD`, or null.
    pub date_of_birth: Option<String>,
    /// E.164, or null.
    pub phone_number: Option<String>,
    /// E-mail address, or null.
    pub email: Option<String>,
    /// Further data (always empty: nothing else is kept).
    #[schema(value_type = Vec<Object>)]
    pub data: Vec<serde_json::Value>,
}

/// The appointment's room.
#[derive(Serialize, ToSchema)]
pub struct Meeting {
    /// The room's id.
    pub id: String,
    /// `/…`, the room's name.
    pub room_name: String,
    /// The agent's way in: the room's host link.
    pub room_url: String,
    /// The room is open from (`+00:00`).
    pub start_date: String,
    /// …until (`+00:00`).
    pub end_date: String,
}

/// An appointment.
#[derive(Serialize, ToSchema)]
pub struct Appointment {
    /// A uuid.
    pub id: String,
    /// The case system's reference, unique in the company.
    pub reference: String,
    /// Start, UTC, `2025-08-19T16:50:00.000000Z`.
    pub appointment_at: String,
    /// Minutes, 5 to 480.
    pub duration_in_minutes: u32,
    /// An interpreter joins.
    pub is_interpreter_needed: bool,
    /// In this language.
    pub interpreter_language: Option<String>,
    /// `scheduled`, `in_progress`, `completed` or `cancelled`.
    pub status: String,
    /// The claimant's pre-call page.
    pub url: String,
    /// Made.
    pub created_at: String,
    /// Cancelled then.
    pub cancelled_at: Option<String>,
    /// Why.
    pub cancellation_reason: Option<String>,
    /// The group of agents it is given to.
    pub department: Option<String>,
    /// The claimant.
    pub claimant: Claimant,
    /// Its room.
    pub meeting: Meeting,
    /// Agent and claimant first met.
    pub session_started_at: Option<String>,
    /// The call ended.
    pub session_ended_at: Option<String>,
    /// The claimant was last put on hold.
    pub on_hold_started_at: Option<String>,
    /// …and brought back.
    pub on_hold_ended_at: Option<String>,
    /// The call may be recorded.
    pub features_call_recording_enable: bool,
    /// The host may take one participant aside.
    pub features_breakout_room_enable: bool,
    /// The agent may use a camera.
    pub features_webcam_access_agent_enable: bool,
    /// The claimant may use a camera.
    pub features_webcam_access_claimant_enable: bool,
    /// The claimant's background is blurred where the browser can.
    pub features_webcam_background_blurring_enable: bool,
    /// Microphones are on.
    pub features_microphone_access_enable: bool,
    /// Screens may be shared.
    pub features_screen_sharing_enable: bool,
    /// The chat exists.
    pub features_messages_chat_enable: bool,
    /// The participant list is shown.
    pub features_participant_list_enable: bool,
    /// `low`, `medium`, `high`, or null.
    pub features_bandwidth: Option<String>,
    /// The redirects below apply.
    pub use_custom_post_call_redirect: bool,
    /// Where the claimant's page goes after the call.
    pub custom_user_post_call_redirect_url: Option<String>,
    /// Where the agent's page goes after the call.
    pub custom_agent_post_call_redirect_url: Option<String>,
    /// Consult: the user who hosts (null: any agent of the company, or of the department,
    /// may take it from the console).
    pub agent: Option<String>,
    /// Consult: the interpreter's pre-call page, when one is needed.
    pub interpreter_url: Option<String>,
    /// Consult: the claimant's language (`en`, `nl`).
    pub locale: String,
    /// Consult: the zone invitations state the time in.
    pub time_zone: String,
    /// Consult: what the claimant's browser did with background blur (`applied`,
    /// `unsupported`), once their page has opened the camera; null before.
    pub webcam_background_blurring_status: Option<String>,
    /// Consult: the call's cloud recordings whose files are ready, oldest first (in the
    /// rooms API's shape: `GET /whereby/v1/recordings/{recordingId}/access-link` links to
    /// one).
    pub recordings: Vec<RecordingBrief>,
}

/// Consult: a recording of an appointment's call, as the rooms API names its fields.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecordingBrief {
    /// The recording's id.
    pub recording_id: String,
    /// When it started (UTC, milliseconds).
    pub start_date: String,
    /// When it ended (UTC, milliseconds).
    pub end_date: String,
    /// The file's size in MiB, two decimals.
    pub size_in_mega_bytes: f64,
}

impl RecordingBrief {
    /// The brief of a stored recording.
    pub fn of(r: &RecordingRow) -> RecordingBrief {
        use crate::server::whereby::recordings::{mebibytes, Recording};
        let full = Recording::of(r);
        RecordingBrief {
            recording_id: full.recording_id,
            start_date: full.start_date,
            end_date: full.end_date,
            size_in_mega_bytes: mebibytes(r.bytes),
        }
    }
}

/// `2025-08-19T16:50:00.000000Z`.
pub fn micros(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// `2025-08-19T14:38:12+00:00`.
fn offset(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

impl Appointment {
    /// The answer for a stored appointment and its links.
    pub fn of(a: AppointmentRow, urls: Urls, recordings: Vec<RecordingBrief>) -> Appointment {
        let f = &a.features;
        Appointment {
            features_call_recording_enable: f.recording,
            features_breakout_room_enable: f.breakout,
            features_webcam_access_agent_enable: f.camera_host,
            features_webcam_access_claimant_enable: f.camera_guest,
            features_webcam_background_blurring_enable: f.blur,
            features_microphone_access_enable: f.microphone,
            features_screen_sharing_enable: f.screen_share,
            features_messages_chat_enable: f.chat,
            features_participant_list_enable: f.participant_list,
            features_bandwidth: f.bandwidth.map(|b| b.as_str().to_string()),
            id: a.id,
            reference: a.reference,
            appointment_at: micros(a.appointment_at),
            duration_in_minutes: a.duration_minutes,
            is_interpreter_needed: a.interpreter_needed,
            interpreter_language: a.interpreter_language,
            status: a.status.as_str().to_string(),
            url: urls.claimant,
            created_at: micros(a.created_at),
            cancelled_at: a.cancelled_at.map(micros),
            cancellation_reason: a.cancellation_reason,
            department: a.department,
            claimant: Claimant {
                name: a.claimant_name,
                date_of_birth: a.claimant_birth_date,
                phone_number: a.claimant_phone,
                email: a.claimant_email,
                data: Vec::new(),
            },
            meeting: Meeting {
                id: a.room_id,
                room_name: a.room_name,
                room_url: urls.host,
                start_date: offset(a.room_starts_at),
                end_date: offset(a.room_ends_at),
            },
            session_started_at: a.session_started_at.map(micros),
            session_ended_at: a.session_ended_at.map(micros),
            on_hold_started_at: a.on_hold_started_at.map(micros),
            on_hold_ended_at: a.on_hold_ended_at.map(micros),
            use_custom_post_call_redirect: a.redirect_custom,
            custom_user_post_call_redirect_url: a.redirect_user_url,
            custom_agent_post_call_redirect_url: a.redirect_agent_url,
            agent: a.agent,
            interpreter_url: urls.interpreter,
            locale: a.locale,
            time_zone: a.time_zone,
            webcam_background_blurring_status: a.blur,
            recordings,
        }
    }
}

/// A page of appointments, as Laravel paginates: `data`, `links`, `meta`.
#[derive(Serialize, ToSchema)]
pub struct Page {
    /// The appointments on this page.
    pub data: Vec<Appointment>,
    /// Addresses of the first, last, previous and next pages.
    pub links: PageLinks,
    /// Where this page lies.
    pub meta: PageMeta,
}

/// Page addresses (null where there is none).
#[derive(Serialize, ToSchema)]
pub struct PageLinks {
    /// The first page.
    pub first: String,
    /// The last page.
    pub last: String,
    /// The page before.
    pub prev: Option<String>,
    /// The page after.
    pub next: Option<String>,
}

/// Where a page lies.
#[derive(Serialize, ToSchema)]
pub struct PageMeta {
    /// This page, from 1.
    pub current_page: u32,
    /// The position of its first item (null when empty).
    pub from: Option<u64>,
    /// The last page.
    pub last_page: u64,
    /// The list's address.
    pub path: String,
    /// Items per page.
    pub per_page: u32,
    /// The position of its last item (null when empty).
    pub to: Option<u64>,
    /// Items in all.
    pub total: u64,
}

/// Laravel's error answer: a message, and for a 422 each wrong field's messages.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub message: String,
    /// Field → messages (422, and the 409 of a reference taken).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<std::collections::BTreeMap<String, Vec<String>>>,
}
