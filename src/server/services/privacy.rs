//! A person's data, for the REST API (`/api/v2/management/personal-data`), the operator's
//! `consult personal-data` and the retention job: everything held about someone exported as
//! one document, erased on request, and erased for everyone once their company's retention
//! period has passed. Every erasure is written to the audit trail (ids only).

use crate::model::person::{Email, Phone};
use crate::model::{AppError, ErrorCode};
use crate::server::audit::{self, Actor, Event};
use crate::server::store::privacy::{
    PersonAppointment, PersonCall, PersonContact, PersonMeeting, PersonMessage, PersonRecording,
    PersonUser, Who,
};
use crate::server::store::{Kept, Scope};
use crate::server::AppState;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// Read `email` or `phone` (exactly one) as whom to look for; errors name the field.
pub fn who(email: Option<&str>, phone: Option<&str>) -> Result<Who, AppError> {
    match (email, phone) {
        (Some(e), None) => Ok(Who::Email(
            Email::parse(e).map_err(|e| e.with_field("email"))?.into(),
        )),
        (None, Some(p)) => Ok(Who::Phone(
            Phone::parse(p).map_err(|e| e.with_field("phone"))?.into(),
        )),
        _ => Err(AppError::new(
            ErrorCode::BadRequest,
            "give either email or phone (one of them) to name the person",
        )
        .with_field("email")),
    }
}

/// Everything held about one person, within the asker's companies.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PersonalData {
    /// When this was read.
    pub exported_at: String,
    /// The meetings they were invited to (past ones erased by retention no longer name them).
    pub meetings: Vec<PersonMeeting>,
    /// The appointments they are the claimant of.
    pub appointments: Vec<PersonAppointment>,
    /// Messages queued or sent to them (the content is kept sealed and is not shown).
    pub messages: Vec<PersonMessage>,
    /// Where they appear in calls' insights (by name, in their meetings' and appointments'
    /// calls).
    pub calls: Vec<PersonCall>,
    /// Recordings of their meetings' and appointments' calls, and when they were told.
    pub recordings: Vec<PersonRecording>,
    /// Staff accounts with the address.
    pub users: Vec<PersonUser>,
    /// Companies, dealers and resellers whose contact person (or dealer's notification
    /// address) they are.
    pub contacts: Vec<PersonContact>,
}

/// What an erasure did.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct Erased {
    /// Meetings to come that were cancelled (their agent was told).
    pub meetings_cancelled: u32,
    /// Meetings whose participant rows no longer say who they were.
    pub meetings_erased: u32,
    /// Appointments to come that were cancelled (their agent was told).
    pub appointments_cancelled: u32,
    /// Appointments whose claimant was erased.
    pub appointments_erased: u32,
    /// Messages removed (sent, given up or still queued).
    pub messages_deleted: u32,
    /// Call participants whose name and browser were erased.
    pub calls_erased: u32,
    /// Recordings of their calls deleted (files included).
    pub recordings_deleted: u32,
    /// Staff accounts with the address: left as they are (a user is deleted through
    /// `DELETE /api/v2/management/users/{id}`).
    pub users_kept: u32,
    /// Companies, dealers and resellers whose contact person (or notification address) they
    /// are: left as they are (an entity's contact is its own to change, through `PATCH` on
    /// the company or dealer).
    pub contacts_kept: u32,
}

/// Read what is held about `who` in `scope` (none: every company, for the operator).
pub async fn export(
    state: &AppState,
    scope: Option<&Scope>,
    who: &Who,
) -> Result<PersonalData, AppError> {
    let now = Utc::now();
    let meetings = state.store.person_meetings(scope, who, now).await?;
    let appointments = state.store.person_appointments(scope, who).await?;
    let (calls, recordings) = calls_of(state, &meetings, &appointments).await?;
    // Messages to the address asked for, and those about the person's meetings and
    // appointments to their other address or number (known from the same rows).
    let mut messages = state.store.person_messages(scope, who).await?;
    let guest = || meetings.iter().filter(|m| m.role == "guest");
    let about: Vec<String> = guest()
        .map(|m| m.meeting_id.clone())
        .chain(appointments.iter().map(|a| a.id.clone()))
        .collect();
    let recipients: Vec<String> = guest()
        .flat_map(|m| [m.email.clone(), m.phone.clone()])
        .chain(
            appointments
                .iter()
                .flat_map(|a| [a.claimant_email.clone(), a.claimant_phone.clone()]),
        )
        .flatten()
        .collect();
    for m in state.store.messages_about(&about, &recipients).await? {
        if !messages.iter().any(|known| known.id == m.id) {
            messages.push(m);
        }
    }
    Ok(PersonalData {
        exported_at: now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        messages,
        users: state.store.person_users(scope, who).await?,
        contacts: state.store.person_contacts(scope, who).await?,
        meetings,
        appointments,
        calls,
        recordings,
    })
}

/// The person's calls and recordings: in the rooms of their meetings (a meeting's room is
/// the meeting) and appointments, under the names they were invited by.
async fn calls_of(
    state: &AppState,
    meetings: &[PersonMeeting],
    appointments: &[PersonAppointment],
) -> Result<(Vec<PersonCall>, Vec<PersonRecording>), AppError> {
    let guest = || meetings.iter().filter(|m| m.role == "guest");
    let rooms: Vec<String> = guest()
        .map(|m| m.meeting_id.clone())
        .chain(appointments.iter().map(|a| a.room_id.clone()))
        .collect();
    let names: Vec<String> = guest()
        .map(|m| m.name.clone())
        .chain(appointments.iter().map(|a| a.claimant_name.clone()))
        .filter(|n| !n.is_empty())
        .collect();
    Ok((
        state.store.person_calls(&rooms, &names).await?,
        state.store.person_recordings(&rooms, &names).await?,
    ))
}

/// Erase what is held about `who` in `scope`: their meetings to come are cancelled (the
/// agent and any other guest told; they are not, having no address left), their fields in
/// past ones blanked, their appointments' claimant erased (those to come cancelled), every
/// message to them removed, their names in calls and recordings' notices blanked, and the
/// recordings of their calls deleted. Staff accounts stay (see [`Erased::users_kept`]).
/// Each meeting, appointment and recording touched is an audit event of `actor` (with the
/// request's id, when erased through the API).
pub async fn erase(
    state: &AppState,
    actor: &Actor,
    scope: Option<&Scope>,
    who: &Who,
    request_id: Option<&str>,
) -> Result<Erased, AppError> {
    let found = export(state, scope, who).await?;
    let now = Utc::now();
    let mut done = Erased {
        users_kept: found.users.len() as u32,
        contacts_kept: found.contacts.len() as u32,
        ..Erased::default()
    };
    let note = |action: &str, kind: &str, id: &str, company: &str| {
        Event::new(actor.clone(), action, kind, Some(id))
            .of_company(Some(company))
            .in_request(request_id)
    };
    // Messages first: nothing still queued goes out to them while the rest is done.
    let ids: Vec<String> = found.messages.iter().map(|m| m.id.clone()).collect();
    done.messages_deleted = state.store.delete_messages(&ids).await? as u32;
    let guests: Vec<&PersonMeeting> = found
        .meetings
        .iter()
        .filter(|m| m.role == "guest")
        .collect();
    state.store.erase_participants(&guests).await?;
    for m in &guests {
        done.meetings_erased += 1;
        audit::record(
            state,
            note(
                "personal_data.erase",
                "meetings",
                &m.meeting_id,
                &m.company_id,
            ),
        )
        .await;
        if m.upcoming {
            let company = Scope::Company(m.company_id.clone());
            if let Some(record) = state.store.meeting_api(&company, &m.meeting_id).await? {
                super::meetings::cancel_meeting(state, &company, &record).await?;
                done.meetings_cancelled += 1;
                audit::record(
                    state,
                    note("meeting.cancel", "meetings", &m.meeting_id, &m.company_id),
                )
                .await;
            }
        }
    }
    let ids: Vec<String> = found.appointments.iter().map(|a| a.id.clone()).collect();
    state.store.erase_claimants(&ids, now).await?;
    for a in &found.appointments {
        done.appointments_erased += 1;
        audit::record(
            state,
            note("personal_data.erase", "appointments", &a.id, &a.company_id),
        )
        .await;
        if a.status == "scheduled" {
            let reason = Some("cancelled: the claimant's personal data was erased".to_string());
            match super::appointments::cancel(state, &a.company_id, &a.id, reason).await {
                Ok(_) => {
                    done.appointments_cancelled += 1;
                    audit::record(
                        state,
                        note("appointment.cancel", "appointments", &a.id, &a.company_id),
                    )
                    .await;
                }
                Err(super::appointments::Refused::Other(e)) => return Err(e),
                Err(super::appointments::Refused::Invalid(_)) => return Err(AppError::internal()),
            }
            // The cancellation's reason is the claimant's appointment's, not theirs; the
            // claimant fields stay blank (cancel rewrote the row as it read it, blank).
        }
    }
    let ids: Vec<String> = found.calls.iter().map(|c| c.id.clone()).collect();
    state.store.erase_calls(&ids).await?;
    done.calls_erased = ids.len() as u32;
    for r in &found.recordings {
        for t in &r.told {
            state.store.erase_told(&r.id, &t.peer_id).await?;
        }
        if r.mode == "cloud" && r.state != "deleted" {
            crate::server::recordings::delete(state, &r.company_id, &r.id).await?;
            done.recordings_deleted += 1;
            audit::record(
                state,
                note("recording.delete", "recordings", &r.id, &r.company_id),
            )
            .await;
        }
    }
    tracing::info!(
        meetings = done.meetings_erased,
        appointments = done.appointments_erased,
        "a person's data was erased"
    );
    Ok(done)
}

/// What one retention pass erased.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Meetings.
    pub meetings: u64,
    /// Appointments.
    pub appointments: u64,
    /// Calls (insights sessions).
    pub calls: u64,
    /// Recordings deleted.
    pub recordings: u64,
}

/// Erase what each company's retention period has made due at `now` (the server runs this
/// with the clock; tests with a time of their choosing). Each erased meeting, appointment,
/// call and recording is an audit event of the system.
pub async fn sweep(state: &AppState, now: DateTime<Utc>) -> Result<Swept, AppError> {
    let mut swept = Swept::default();
    let write = |action: &'static str, kind: &'static str, due: Vec<(String, String)>| async move {
        for (id, company) in &due {
            audit::record(
                state,
                Event::new(Actor::System, action, kind, Some(id)).of_company(Some(company)),
            )
            .await;
        }
    };
    for kept in [Kept::Meetings, Kept::Appointments, Kept::Sessions] {
        loop {
            let due = state.store.past_retention(kept, now).await?;
            if due.is_empty() {
                break;
            }
            let ids: Vec<String> = due.iter().map(|d| d.0.clone()).collect();
            let (count, kind) = match kept {
                Kept::Meetings => {
                    state.store.erase_meetings(&ids, now).await?;
                    (&mut swept.meetings, "meetings")
                }
                Kept::Appointments => {
                    state.store.erase_appointments(&ids, now).await?;
                    (&mut swept.appointments, "appointments")
                }
                _ => {
                    state.store.erase_sessions(&ids, now).await?;
                    (&mut swept.calls, "sessions")
                }
            };
            *count += ids.len() as u64;
            write("retention.erase", kind, due).await;
        }
    }
    let mut last = Vec::new();
    loop {
        let due = state.store.past_retention(Kept::Recordings, now).await?;
        // A recording the delete could not mark (it logged why) would come back forever.
        if due.is_empty() || due == last {
            break;
        }
        last = due.clone();
        for (id, company) in &due {
            crate::server::recordings::delete(state, company, id).await?;
        }
        swept.recordings += due.len() as u64;
        write("retention.delete", "recordings", due).await;
    }
    state.store.erase_old_notices(now).await?;
    if swept != Swept::default() {
        tracing::info!(
            meetings = swept.meetings,
            appointments = swept.appointments,
            calls = swept.calls,
            recordings = swept.recordings,
            "retention: personal data past its period erased"
        );
    }
    Ok(swept)
}
