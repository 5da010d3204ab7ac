//! `/api/v2/personal/meetings`: scheduled video calls with personal links.

use super::caller::Caller;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery, PathId};
use super::Refusals;
use super::{Created, Found, Page, PageQuery};
use crate::model::api::meetings::{Meeting, MeetingInput, MeetingParticipant, MeetingTimeInput};
use crate::model::api::rules;
use crate::model::api::tenancy::CompanySummary;
use crate::model::api::{Envelope, ErrorEnvelope, NamedRef};
use crate::model::AppError;
use crate::server::services::meetings::{self, Guest, NewMeeting};
use crate::server::store::{MeetingFilter, MeetingRecord};
use crate::server::AppState;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

/// The service's meeting from the API's body (same names: the service speaks of fields as
/// this API does).
fn new_meeting(input: MeetingInput) -> NewMeeting {
    NewMeeting {
        site: input.site.into(),
        agent: input.agent.map(String::from),
        created_by: input.created_by.map(String::from),
        is_appointment: input.is_appointment,
        starts_at: input.time_start,
        ends_at: input.time_end,
        guests: input
            .participants
            .into_iter()
            .map(|p| Guest {
                name: p.name.into(),
                email: p.email.map(String::from),
                phone: p.phone.map(String::from),
            })
            .collect(),
        subject: input.subject.map(String::from),
        invitation: input.invitation.map(String::from),
        invitation_sms: input.invitation_sms.map(String::from),
        send_email: input.send_email,
        send_sms: input.send_sms,
    }
}

/// Filters and paging of the meeting list.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeetingQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Items per page (1 to 100, default 25).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
    /// Only this site.
    #[param(pattern = r"^[0-9a-f]{24}$")]
    pub site: Option<String>,
    /// Only this agent.
    #[param(pattern = r"^[0-9a-f]{24}$")]
    pub agent: Option<String>,
    /// Starting at or after this instant.
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<DateTime<Utc>>,
    /// Starting before this instant.
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<DateTime<Utc>>,
}

fn to_wire(
    state: &AppState,
    company: CompanySummary,
    m: MeetingRecord,
) -> Result<Meeting, AppError> {
    let [start, end, opens, closes, created] = m.times;
    let participants = m
        .participants
        .into_iter()
        .map(|p| {
            let hash = state
                .signer
                .join_hash(&p.link_id)
                .ok_or_else(AppError::internal)?;
            Ok(MeetingParticipant {
                url: format!("{}/join/{hash}", state.public_url),
                hash,
                username: p.username,
                name: p.name,
                id: p.id,
                user: p.user,
                email: p.email,
                phone: p.phone,
                initial_participant: true,
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(Meeting {
        room_id: m.id.clone(),
        id: m.id,
        company,
        room_password: String::new(),
        chat_duration: 0,
        is_appointment: m.is_appointment,
        room_created: created,
        room_available_from: opens,
        room_available_till: closes,
        time_start: start,
        time_end: end,
        timezone_offset: 0,
        created_by: NamedRef {
            id: m.created_by.0,
            name: m.created_by.1,
        },
        site: NamedRef {
            id: m.site.0,
            name: m.site.1,
        },
        subject: m.subject,
        invitation: m.invitation.unwrap_or_default(),
        participants,
    })
}

async fn wire(state: &AppState, m: MeetingRecord) -> Result<Meeting, AppError> {
    let company = m.company_brief.clone().into();
    to_wire(state, company, m)
}

/// The caller's scheduled meetings, by start time.
#[utoipa::path(
    get,
    path = "/api/v2/personal/meetings",
    tag = "Personal",
    params(MeetingQuery),
    responses(
        (status = 200, description = "A page of meetings", body = Envelope<Vec<Meeting>>),
        (status = 400, description = "Bad filter or paging", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<MeetingQuery>,
) -> ApiResult<Page<Meeting>> {
    let paging = PageQuery {
        page: q.page,
        per_page: q.per_page,
    }
    .resolve()?;
    for (field, v) in [("site", &q.site), ("agent", &q.agent)] {
        if let Some(v) = v {
            if rules::id(field, v, field).is_err() {
                return Err(
                    AppError::invalid(field, "must be an id of 24 lowercase hex digits").into(),
                );
            }
        }
    }
    if let (Some(from), Some(to)) = (q.from, q.to) {
        if to < from {
            return Err(AppError::invalid("to", "must not be before from").into());
        }
    }
    let filter = MeetingFilter {
        site: q.site,
        agent: q.agent,
        from: q.from,
        to: q.to,
    };
    let (records, more) = state
        .store
        .meetings_api(&caller.scope, &filter, paging.per_page, paging.offset)
        .await?;
    // Each meeting's row carries its company: no look-up per page.
    let items = records
        .into_iter()
        .map(|r| to_wire(&state, r.company_brief.clone().into(), r))
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(paging.page_ahead(items, more))
}

/// Schedule a meeting: the agent and every participant get a personal link.
#[utoipa::path(
    post,
    path = "/api/v2/personal/meetings",
    tag = "Personal",
    request_body = MeetingInput,
    responses(
        (status = 201, description = "The new meeting", body = Envelope<Meeting>),
        (status = 400, description = "Invalid input (including times out of order or in the past)", body = ErrorEnvelope),
        (status = 403, description = "The acting user may not schedule for that agent", body = ErrorEnvelope),
        (status = 404, description = "No such site or user under the caller", body = ErrorEnvelope),
        (status = 409, description = "The agent has another meeting then", body = ErrorEnvelope),
        (status = 412, description = "The package lacks a feature, or the agent is not on the site", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<MeetingInput>,
) -> ApiResult<Created<Meeting>> {
    let record = meetings::schedule(
        &state,
        &caller.scope,
        Some(&caller.client_id),
        &new_meeting(input),
    )
    .await?;
    Ok(Created(wire(&state, record).await?))
}

/// One scheduled meeting.
#[utoipa::path(
    get,
    path = "/api/v2/personal/meetings/{id}",
    tag = "Personal",
    params(("id" = String, Path, description = "The meeting's id", pattern = r"^[0-9a-f]{24}$")),
    responses(
        (status = 200, description = "The meeting", body = Envelope<Meeting>),
        (status = 404, description = "No such meeting under the caller (or it was cancelled)", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn one(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Found<Meeting>> {
    let record = state
        .store
        .meeting_api(&caller.scope, &id)
        .await?
        .ok_or_else(|| AppError::not_found("meeting"))?;
    Ok(Found(wire(&state, record).await?))
}

/// Move a meeting to another time (the only change there is; PATCH or POST).
#[utoipa::path(
    patch,
    path = "/api/v2/personal/meetings/{id}",
    tag = "Personal",
    params(("id" = String, Path, description = "The meeting's id", pattern = r"^[0-9a-f]{24}$")),
    request_body = MeetingTimeInput,
    responses(
        (status = 200, description = "The meeting at its new time", body = Envelope<Meeting>),
        (status = 400, description = "Invalid input, or a field other than the time", body = ErrorEnvelope),
        (status = 404, description = "No such meeting under the caller", body = ErrorEnvelope),
        (status = 409, description = "The agent has another meeting then", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn reschedule(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Found<Meeting>> {
    super::extract::require_json(&headers)?;
    let input: MeetingTimeInput = super::extract::parse(&body).map_err(|mut e| {
        if e.message.starts_with("unknown field") {
            e.message = "only the time of a meeting can change (time_start, time_end)".into();
        }
        ApiError(e)
    })?;
    let existing = state
        .store
        .meeting_api(&caller.scope, &id)
        .await?
        .ok_or_else(|| AppError::not_found("meeting"))?;
    let record = meetings::move_meeting(
        &state,
        &caller.scope,
        &existing,
        input.time_start,
        input.time_end,
    )
    .await?;
    Ok(Found(wire(&state, record).await?))
}

/// Cancel a meeting: everyone's link stops working, and anyone in its room is let go.
#[utoipa::path(
    delete,
    path = "/api/v2/personal/meetings/{id}",
    tag = "Personal",
    params(("id" = String, Path, description = "The meeting's id", pattern = r"^[0-9a-f]{24}$")),
    responses(
        (status = 200, description = "Cancelled", body = Envelope<crate::model::api::Deleted>),
        (status = 404, description = "No such meeting under the caller", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Found<crate::model::api::Deleted>> {
    let existing = state
        .store
        .meeting_api(&caller.scope, &id)
        .await?
        .ok_or_else(|| AppError::not_found("meeting"))?;
    meetings::cancel_meeting(&state, &caller.scope, &existing).await?;
    Ok(Found(crate::model::api::Deleted { id }))
}
