//! `/api/v2/management/personal-data` (a person's data, exported or erased, within the
//! caller's companies) and `/api/v2/management/audit-events` (the audit trail).

use super::caller::Caller;
use super::error::ApiResult;
use super::extract::ApiQuery;
use super::{Page, PageQuery, Refusals};
use crate::model::api::{Envelope, ErrorEnvelope};
use crate::model::AppError;
use crate::server::audit::{Actor, Note};
use crate::server::services::privacy::{self, Erased, PersonalData};
use crate::server::store::{AuditEvent, AuditFilter, Scope};
use crate::server::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

/// Whom a personal-data request is about: one of `email` or `phone`.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PersonQuery {
    /// Their e-mail address (compared without regard to case).
    #[param(
        max_length = 254,
        pattern = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
    )]
    pub email: Option<String>,
    /// Their phone number, E.164 (`+31612345678`).
    #[param(pattern = r"^\+[1-9][0-9]{7,14}$")]
    pub phone: Option<String>,
}

/// A personal-data answer in the envelope, marked for the audit trail as `action`.
fn noted<T: serde::Serialize>(action: &'static str, scope: &Scope, body: T) -> Response {
    let company = match scope {
        Scope::Company(id) => Some(id.clone()),
        _ => None,
    };
    let note = Note {
        action,
        entity_type: "personal-data",
        company,
    };
    (Extension(note), Json(Envelope::ok(body))).into_response()
}

/// Everything held about a person in the caller's companies, as one document: the meetings
/// they were invited to, appointments they are the claimant of, messages sent to them, their
/// names in calls and recordings, staff accounts with the address. The export is in the
/// audit trail (without the address asked for).
#[utoipa::path(
    get,
    path = "/api/v2/management/personal-data",
    tag = "Privacy",
    params(PersonQuery),
    responses(
        (status = 200, description = "What is held about the person (empty lists: nothing)", body = Envelope<PersonalData>),
        (status = 400, description = "Neither or both of email and phone, or one not valid", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PersonQuery>,
) -> ApiResult<Response> {
    let who = privacy::who(q.email.as_deref(), q.phone.as_deref())?;
    let data = privacy::export(&state, Some(&caller.scope), &who).await?;
    Ok(noted("personal_data.export", &caller.scope, data))
}

/// Erase a person's data in the caller's companies: their meetings to come are cancelled
/// (the agent is told), past meetings keep their time and agent with the person's fields
/// erased, their appointments' claimant data is erased (those to come cancelled), messages
/// to them removed, their names in calls and recording notices blanked, recordings of their
/// calls deleted. Staff accounts are left (delete a user for that). Erasing again answers
/// zeros.
#[utoipa::path(
    delete,
    path = "/api/v2/management/personal-data",
    tag = "Privacy",
    params(PersonQuery),
    responses(
        (status = 200, description = "What was erased", body = Envelope<Erased>),
        (status = 400, description = "Neither or both of email and phone, or one not valid", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn erase(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    ApiQuery(q): ApiQuery<PersonQuery>,
) -> ApiResult<Response> {
    let who = privacy::who(q.email.as_deref(), q.phone.as_deref())?;
    let actor = Actor::ApiClient {
        id: caller.client_id.clone(),
        scope: caller.scope.clone(),
    };
    let request_id = headers
        .get(&crate::server::observe::REQUEST_ID)
        .and_then(|v| v.to_str().ok());
    let done = privacy::erase(&state, &actor, Some(&caller.scope), &who, request_id).await?;
    Ok(noted("personal_data.erase", &caller.scope, done))
}

/// Which audit events: a company's, a time range, a page.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// One of the caller's companies only.
    #[param(pattern = r"^[0-9a-f]{24}$")]
    pub company_id: Option<String>,
    /// Events at or after this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub since: Option<DateTime<Utc>>,
    /// Events before this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub until: Option<DateTime<Utc>>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Items per page (1 to 100, default 25).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// The audit trail of the caller's companies (and what the caller itself did), newest
/// first: who did what to which entity, when. Ids only, never personal data.
#[utoipa::path(
    get,
    path = "/api/v2/management/audit-events",
    tag = "Privacy",
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of events, newest first", body = Envelope<Vec<AuditEvent>>),
        (status = 400, description = "Bad paging or times", body = ErrorEnvelope),
        (status = 404, description = "The company is not the caller's", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn audit_events(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Page<AuditEvent>> {
    let paging = PageQuery {
        page: q.page,
        per_page: q.per_page,
    }
    .resolve()?;
    if let Some(c) = &q.company_id {
        if !state.store.company_in_scope(&caller.scope, c).await? {
            return Err(AppError::not_found("company")
                .with_field("company_id")
                .into());
        }
    }
    let filter = AuditFilter {
        company: q.company_id.clone(),
        since: q.since,
        until: q.until,
    };
    let (rows, total) = state
        .store
        .audit_events(
            &caller.scope,
            &filter,
            crate::server::store::Paging {
                limit: paging.per_page,
                offset: paging.offset,
            },
        )
        .await?;
    Ok(paging.page_of(rows, total))
}
