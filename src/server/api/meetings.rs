//! `/api/v2/personal/meetings`: scheduled video calls with personal links.

use super::caller::Caller;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery, PathId};
use super::{validate, Created, Found, Page, PageQuery};
use crate::model::api::meetings::{Meeting, MeetingInput, MeetingParticipant, MeetingTimeInput};
use crate::model::api::rules;
use crate::model::api::tenancy::CompanySummary;
use crate::model::api::users::Role;
use crate::model::api::{Envelope, ErrorEnvelope, NamedRef};
use crate::model::i18n::Lang;
use crate::model::{AppError, ErrorCode, MeetingId, SiteId};
use crate::server::store::{MeetingFilter, MeetingRecord, Message, NewApiMeeting, Scope, SiteRow};
use crate::server::tokens::{new_id, Signer};
use crate::server::{invite, AppState};
use axum::extract::State;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

/// Longest meeting.
pub const MAX_LENGTH: Duration = crate::server::store::LONGEST_MEETING;

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

fn check_times(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<(), AppError> {
    if end <= start {
        return Err(AppError::invalid("time_end", "must be after time_start"));
    }
    if end - start > MAX_LENGTH {
        return Err(AppError::invalid(
            "time_end",
            "a meeting lasts at most 24 hours",
        ));
    }
    // Meetings in the past are accepted (their rooms are simply closed), as the WeSeeDo quick
    // start's example date now is.
    Ok(())
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
    let company = state.store.company_summary(&m.company).await?;
    to_wire(state, company, m)
}

/// What everyone hears when a meeting that keeps them informed (by e-mail, by SMS) moves
/// (`new_times`) or is cancelled (`None`).
pub(crate) async fn notices(
    state: &AppState,
    m: &MeetingRecord,
    site: &SiteRow,
    new_times: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Result<Vec<Message>, AppError> {
    if !m.send_email && !m.send_sms {
        return Ok(Vec::new());
    }
    let cancel_text = state.store.site_cancel_text(&m.site.0).await?;
    let text = match &m.invitation {
        Some(t) => t.clone(),
        None => state.store.site_invite_text(&m.site.0).await?,
    };
    let [start, end, ..] = m.times;
    let (starts_at, ends_at) = new_times.unwrap_or((start, end));
    let meeting = invite::Meeting {
        id: &m.id,
        subject: &m.subject,
        starts_at,
        ends_at,
        time_zone: &site.time_zone,
        text: &text,
        sequence: Utc::now().timestamp(),
    };
    let mut out = Vec::new();
    for p in &m.participants {
        let url = state.join_url(&p.link_id)?;
        // Customers of the booking form hear in their own language and zone.
        let lang = p
            .locale
            .as_deref()
            .and_then(Lang::from_tag)
            .unwrap_or_default();
        let own = invite::Meeting {
            time_zone: p.time_zone.as_deref().unwrap_or(meeting.time_zone),
            ..meeting.clone()
        };
        if let (Some(to), true) = (&p.email, m.send_email) {
            out.push(Message::Email(match new_times {
                Some(_) => invite::changed(&own, to, &p.name, &url, &cancel_text, lang),
                None => invite::cancelled(&own, to, &p.name, &cancel_text, lang),
            }));
        }
        // Guests only: the agent follows their meetings in the console and by e-mail.
        if let (Some(to), true, false) = (&p.phone, m.send_sms, p.is_host) {
            out.push(Message::Sms(match new_times {
                Some(_) => invite::sms_changed(&own, to, &url),
                None => invite::sms_cancelled(&own, to),
            }));
        }
    }
    Ok(out)
}

/// Who hosts: apply the scheduling rules of the acting user (if any) and check the host.
async fn host_for(
    state: &AppState,
    scope: &Scope,
    site: &str,
    input: &MeetingInput,
) -> Result<String, AppError> {
    let on_site: Vec<(String, String)> = state.store.site_user_roles(site).await?;
    let role_on_site = |user: &str| {
        on_site
            .iter()
            .find(|(id, _)| id == user)
            .and_then(|(_, r)| Role::from_stored(r))
    };
    let host = match &input.created_by {
        Some(creator) => {
            rules::id("created_by", creator, "user")?;
            let (role, _) = state
                .store
                .user_role(scope, creator)
                .await?
                .ok_or_else(|| AppError::not_found("user").with_field("created_by"))?;
            if role != Role::Admin && role_on_site(creator).is_none() {
                return Err(AppError::new(
                    ErrorCode::Precondition,
                    "the scheduling user does not work on this site",
                )
                .with_field("created_by"));
            }
            match role {
                Role::Agent => match &input.agent {
                    Some(a) if a != creator => {
                        return Err(AppError::new(
                            ErrorCode::Forbidden,
                            "an agent schedules meetings for itself only",
                        )
                        .with_field("agent"));
                    }
                    _ => creator.clone(),
                },
                Role::AssistantVideo => input.agent.clone().unwrap_or_else(|| creator.clone()),
                Role::Assistant | Role::Admin => input.agent.clone().ok_or_else(|| {
                    AppError::invalid("agent", "say which agent hosts the meeting")
                })?,
            }
        }
        None => input
            .agent
            .clone()
            .ok_or_else(|| AppError::invalid("agent", "say which agent hosts the meeting"))?,
    };
    rules::id("agent", &host, "user")?;
    if state.store.user_role(scope, &host).await?.is_none() {
        return Err(AppError::not_found("user").with_field("agent"));
    }
    match role_on_site(&host) {
        None => Err(AppError::new(
            ErrorCode::Precondition,
            "the agent does not work on this site",
        )
        .with_field("agent")),
        Some(r) if !r.takes_calls() => Err(AppError::new(
            ErrorCode::Precondition,
            "this user does not hold video calls (role assistant or admin)",
        )
        .with_field("agent")),
        Some(_) => Ok(host),
    }
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
        (status = 401, description = "No valid token", body = ErrorEnvelope),
        (status = 429, description = "Too many requests", body = ErrorEnvelope),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<MeetingQuery>,
) -> ApiResult<Page<Meeting>> {
    let (page, per_page, offset) = PageQuery {
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
    let (records, total) = state
        .store
        .meetings_api(&caller.scope, &filter, per_page, offset)
        .await?;
    // A page usually holds one company's meetings: read each company once.
    let mut companies: std::collections::HashMap<String, CompanySummary> = Default::default();
    let mut items = Vec::with_capacity(records.len());
    for r in records {
        let company = match companies.get(&r.company) {
            Some(c) => c.clone(),
            None => {
                let c = state.store.company_summary(&r.company).await?;
                companies.insert(r.company.clone(), c.clone());
                c
            }
        };
        items.push(to_wire(&state, company, r)?);
    }
    Ok(Page {
        items,
        total,
        page,
        per_page,
    })
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
        (status = 401, description = "No valid token", body = ErrorEnvelope),
        (status = 403, description = "The acting user may not schedule for that agent", body = ErrorEnvelope),
        (status = 404, description = "No such site or user under the caller", body = ErrorEnvelope),
        (status = 409, description = "The agent has another meeting then", body = ErrorEnvelope),
        (status = 412, description = "The package lacks a feature, or the agent is not on the site", body = ErrorEnvelope),
        (status = 429, description = "Too many requests", body = ErrorEnvelope),
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<MeetingInput>,
) -> ApiResult<Created<Meeting>> {
    let record = schedule(&state, &caller.scope, Some(&caller.client_id), &input).await?;
    Ok(Created(wire(&state, record).await?))
}

/// Schedule a meeting in `scope` under the rules of the REST API (the console schedules
/// through here too, as its user, with no API client): validate, apply the acting user's
/// rights and the package's features, write it with its invitations in one transaction.
pub(crate) async fn schedule(
    state: &AppState,
    scope: &Scope,
    client: Option<&str>,
    input: &MeetingInput,
) -> Result<MeetingRecord, AppError> {
    rules::id("site", &input.site, "site")?;
    validate::opt("subject", &input.subject, rules::name)?;
    validate::opt("invitation", &input.invitation, rules::text)?;
    validate::opt("invitation_sms", &input.invitation_sms, rules::text)?;
    if input.participants.is_empty() || input.participants.len() > 2 {
        return Err(AppError::invalid(
            "participants",
            "invite one or two people",
        ));
    }
    for (i, p) in input.participants.iter().enumerate() {
        rules::name(&format!("participants[{i}].name"), &p.name)?;
        validate::opt(&format!("participants[{i}].email"), &p.email, rules::email)?;
        validate::opt(&format!("participants[{i}].phone"), &p.phone, rules::phone)?;
        if input.send_email && p.email.is_none() {
            return Err(AppError::invalid(
                &format!("participants[{i}].email"),
                "an e-mail invitation needs an e-mail address",
            ));
        }
        if input.send_sms && p.phone.is_none() {
            return Err(AppError::invalid(
                &format!("participants[{i}].phone"),
                "an SMS invitation needs a phone number",
            ));
        }
    }
    check_times(input.time_start, input.time_end)?;
    let company = state
        .store
        .site_company(scope, &input.site)
        .await?
        .ok_or_else(|| AppError::not_found("site").with_field("site"))?;
    let features = state.store.company_features(&company).await?;
    let has = |f: &str| features.iter().any(|x| x == f);
    if input.participants.len() > 1 && !has("multiple_participants") {
        return Err(AppError::new(
            ErrorCode::Precondition,
            "three-way meetings need the package feature multiple_participants",
        )
        .with_field("participants"));
    }
    if input.send_sms && !has("weseedo_personal_sms") {
        return Err(AppError::new(
            ErrorCode::Precondition,
            "SMS invitations need the package feature weseedo_personal_sms",
        )
        .with_field("send_sms"));
    }
    let host = host_for(state, scope, &input.site, input).await?;
    let site = state
        .store
        .site(&SiteId::parse(&input.site)?)
        .await?
        .ok_or_else(|| AppError::not_found("site").with_field("site"))?;
    let id = new_id();
    let host_link = Signer::new_link_id();
    let guests: Vec<_> = input
        .participants
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                p.email.clone(),
                p.phone.clone(),
                Signer::new_link_id(),
            )
        })
        .collect();
    let subject = input
        .subject
        .clone()
        .unwrap_or_else(|| format!("Meeting: {}", site.name));
    let invitation = input.invitation.clone();
    let mut messages = Vec::new();
    if input.send_email || input.send_sms {
        let text = match &invitation {
            Some(t) => t.clone(),
            None => state.store.site_invite_text(&input.site).await?,
        };
        let meeting = invite::Meeting {
            id: &id,
            subject: &subject,
            starts_at: input.time_start,
            ends_at: input.time_end,
            time_zone: &site.time_zone,
            text: &text,
            sequence: 0,
        };
        let check_url = format!("{}/check", state.public_url);
        for (name, email, phone, link) in &guests {
            let url = state.join_url(link)?;
            if let (Some(email), true) = (email, input.send_email) {
                messages.push(Message::Email(invite::guest(
                    &meeting,
                    email,
                    name,
                    &url,
                    Lang::En,
                    &invite::GuestLinks {
                        manage: None,
                        hardware_test: site
                            .hardware_test
                            .as_deref()
                            .map(|text| (text, check_url.as_str())),
                    },
                )));
            }
            if let (Some(phone), true) = (phone, input.send_sms) {
                let own = input.invitation_sms.as_deref();
                messages.push(Message::Sms(invite::sms(&meeting, phone, own, &url)));
            }
        }
        let names: Vec<&str> = guests.iter().map(|g| g.0.as_str()).collect();
        let agent_contact = match input.send_email {
            true => state.store.user_contact(&host).await?,
            false => None,
        };
        if let Some((agent_email, agent_lang)) = agent_contact {
            let url = state.join_url(&host_link)?;
            messages.push(Message::Email(invite::agent(
                &meeting,
                &agent_email,
                &names,
                &url,
                agent_lang,
            )));
        }
    }
    let new = NewApiMeeting {
        id,
        site: input.site.clone(),
        company,
        agent: host,
        created_by_user: input.created_by.clone(),
        created_by_client: client.map(str::to_string),
        subject,
        invitation,
        invitation_sms: input.invitation_sms.clone(),
        starts_at: input.time_start,
        ends_at: input.time_end,
        opens_at: input.time_start - Duration::minutes(site.early_join_minutes as i64),
        closes_at: input.time_end + Duration::minutes(site.grace_minutes as i64),
        capacity: site.room_capacity(),
        is_appointment: input.is_appointment,
        send_email: input.send_email,
        send_sms: input.send_sms,
        host_link,
        guests,
        messages,
    };
    state.store.create_meeting_api(scope, &new).await
}

/// One scheduled meeting.
#[utoipa::path(
    get,
    path = "/api/v2/personal/meetings/{id}",
    tag = "Personal",
    params(("id" = String, Path, description = "The meeting's id", pattern = r"^[0-9a-f]{24}$")),
    responses(
        (status = 200, description = "The meeting", body = Envelope<Meeting>),
        (status = 401, description = "No valid token", body = ErrorEnvelope),
        (status = 404, description = "No such meeting under the caller (or it was cancelled)", body = ErrorEnvelope),
        (status = 429, description = "Too many requests", body = ErrorEnvelope),
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
        (status = 401, description = "No valid token", body = ErrorEnvelope),
        (status = 404, description = "No such meeting under the caller", body = ErrorEnvelope),
        (status = 409, description = "The agent has another meeting then", body = ErrorEnvelope),
        (status = 429, description = "Too many requests", body = ErrorEnvelope),
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
    let record = move_meeting(
        &state,
        &caller.scope,
        &existing,
        input.time_start,
        input.time_end,
    )
    .await?;
    Ok(Found(wire(&state, record).await?))
}

/// Move a meeting of `scope` (the REST API's and the console's one way to): check the times,
/// the host being free, and tell everyone who was invited by e-mail or SMS.
pub(crate) async fn move_meeting(
    state: &AppState,
    scope: &Scope,
    existing: &MeetingRecord,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<MeetingRecord, AppError> {
    check_times(start, end)?;
    let site = state
        .store
        .site(&SiteId::parse(&existing.site.0)?)
        .await?
        .ok_or_else(|| AppError::not_found("meeting"))?;
    let times = [
        start,
        end,
        start - Duration::minutes(site.early_join_minutes as i64),
        end + Duration::minutes(site.grace_minutes as i64),
    ];
    let messages = notices(state, existing, &site, Some((start, end))).await?;
    state
        .store
        .reschedule_api(scope, &existing.id, times, &messages)
        .await?
        .ok_or_else(|| AppError::not_found("meeting"))
}

/// Cancel a meeting: everyone's link stops working, and anyone in its room is let go.
#[utoipa::path(
    delete,
    path = "/api/v2/personal/meetings/{id}",
    tag = "Personal",
    params(("id" = String, Path, description = "The meeting's id", pattern = r"^[0-9a-f]{24}$")),
    responses(
        (status = 200, description = "Cancelled", body = Envelope<crate::model::api::Deleted>),
        (status = 401, description = "No valid token", body = ErrorEnvelope),
        (status = 404, description = "No such meeting under the caller", body = ErrorEnvelope),
        (status = 429, description = "Too many requests", body = ErrorEnvelope),
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
    cancel_meeting(&state, &caller.scope, &existing).await?;
    Ok(Found(crate::model::api::Deleted { id }))
}

/// Cancel a meeting of `scope`: tell everyone invited, end its room at once.
pub(crate) async fn cancel_meeting(
    state: &AppState,
    scope: &Scope,
    existing: &MeetingRecord,
) -> Result<(), AppError> {
    let site = state
        .store
        .site(&SiteId::parse(&existing.site.0)?)
        .await?
        .ok_or_else(|| AppError::not_found("meeting"))?;
    let messages = notices(state, existing, &site, None).await?;
    match state
        .store
        .cancel_api(scope, &existing.id, &messages)
        .await?
    {
        Some(()) => {
            state.hub.end_meeting(
                &MeetingId::parse(&existing.id)?,
                AppError::new(ErrorCode::Expired, "this meeting was cancelled"),
            );
            Ok(())
        }
        None => Err(AppError::not_found("meeting")),
    }
}
