//! `/api/v2/management/sites/{id}/bookings`: the bookings made in a site's public form, and
//! calling off a burst of them (a Consult extension).

use super::caller::Caller;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery, PathId};
use super::Refusals;
use super::{Found, Page};
use crate::model::api::bookings::{BurstCancel, BurstCancelled, FormBooking};
use crate::model::api::{Envelope, ErrorEnvelope};
use crate::model::{AppError, ErrorCode, MeetingId};
use crate::server::store::BurstFilter;
use crate::server::AppState;
use axum::extract::State;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

/// Which form bookings to list.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BookingQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Items per page (1 to 100, default 25).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
    /// Booked at or after this instant (default: 24 hours ago).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<DateTime<Utc>>,
    /// Booked before this instant (default: now).
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<DateTime<Utc>>,
    /// Only bookings from this source.
    #[param(pattern = r"^(?:[0-9a-f]{16}|-)$")]
    pub source: Option<String>,
}

fn check_source(source: Option<&str>) -> Result<(), AppError> {
    source.map_or(Ok(()), |s| crate::model::api::rules::source("source", s))
}

fn check_window(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<(), AppError> {
    if to <= from {
        return Err(AppError::invalid("to", "must be after from"));
    }
    Ok(())
}

/// A site's form bookings made in a window (default the last 24 hours), newest first, with
/// where each came from: a burst from one address shares one `source`.
#[utoipa::path(
    get,
    path = "/api/v2/management/sites/{id}/bookings",
    tag = "Management",
    params(("id" = String, Path, description = "The site's id", pattern = r"^[0-9a-f]{24}$"), BookingQuery),
    responses(
        (status = 200, description = "A page of form bookings", body = Envelope<Vec<FormBooking>>),
        (status = 400, description = "Bad paging, window or source", body = ErrorEnvelope),
        (status = 404, description = "No such site under the caller", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
    ApiQuery(q): ApiQuery<BookingQuery>,
) -> ApiResult<Page<FormBooking>> {
    let paging = super::PageQuery {
        page: q.page,
        per_page: q.per_page,
    }
    .resolve()?;
    let now = Utc::now();
    let to = q.to.unwrap_or(now);
    let from = q.from.unwrap_or(to - Duration::hours(24));
    check_window(from, to)?;
    check_source(q.source.as_deref())?;
    let filter = BurstFilter {
        from,
        to,
        source: q.source.as_deref(),
    };
    let (items, total) = state
        .store
        .form_bookings(&caller.scope, &id, &filter, paging.per_page, paging.offset)
        .await?
        .ok_or_else(|| ApiError(AppError::not_found("site")))?;
    Ok(paging.page(items, total))
}

/// Call off the form bookings of a site made in a window (optionally from one source): they
/// are cancelled without notices, their rooms close, and the invitations they queued and not
/// yet sent are withdrawn.
#[utoipa::path(
    post,
    path = "/api/v2/management/sites/{id}/bookings/cancel",
    tag = "Management",
    params(("id" = String, Path, description = "The site's id", pattern = r"^[0-9a-f]{24}$")),
    request_body = BurstCancel,
    responses(
        (status = 200, description = "What was called off", body = Envelope<BurstCancelled>),
        (status = 400, description = "Invalid window or source", body = ErrorEnvelope),
        (status = 404, description = "No such site under the caller", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
    ApiJson(input): ApiJson<BurstCancel>,
) -> ApiResult<Found<BurstCancelled>> {
    check_window(input.from, input.to)?;
    check_source(input.source.as_deref())?;
    let filter = BurstFilter {
        from: input.from,
        to: input.to,
        source: input.source.as_deref(),
    };
    let (cancelled, withdrawn) = state
        .store
        .cancel_burst(&caller.scope, &id, &filter)
        .await?
        .ok_or_else(|| ApiError(AppError::not_found("site")))?;
    for meeting in &cancelled {
        if let Ok(meeting) = MeetingId::parse(meeting) {
            crate::server::signaling::end_meeting(
                &state,
                &meeting,
                AppError::new(ErrorCode::Expired, "this meeting was cancelled"),
            );
        }
    }
    Ok(Found(BurstCancelled {
        cancelled: cancelled.len() as u64,
        withdrawn_messages: withdrawn,
    }))
}
