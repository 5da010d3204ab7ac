//! A customer changes or cancels their own appointment, from `/booking/{hash}`: the link in
//! their confirmation and invitation, with the same signed secret as their join link. Moving
//! it follows the booking rules (an offered time, the agent free); both tell everyone, in the
//! same transaction as the change, and a cancelled meeting's links stop working.

use super::booking::{offered_slot, site_info, zone};
use super::join;
use super::meetings::notices;
use crate::model::booking::{AgentChoice, BookingStatus, ManageInfo};
use crate::model::{AppError, ErrorCode};
use crate::server::store::{MeetingRecord, ParticipantCtx, Scope, SiteRow};
use crate::server::AppState;
use chrono::{DateTime, Duration, Utc};

/// The customer behind a hash, and their meeting's site. Agents' links are refused here:
/// agents change meetings in the console or through the API.
async fn customer(state: &AppState, hash: &str) -> Result<(ParticipantCtx, SiteRow), AppError> {
    let p = join::resolve(state, hash).await?;
    if p.is_host {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "this page is for the customer's own link",
        )
        .with_field("hash"));
    }
    let site = state.store.site(&p.meeting.site_id).await?.ok_or_else(|| {
        AppError::new(
            ErrorCode::NotFound,
            "this link is not valid; please check it",
        )
        .with_field("hash")
    })?;
    Ok((p, site))
}

/// The meeting as the API's change and cancel code needs it, within its company.
async fn record(
    state: &AppState,
    p: &ParticipantCtx,
    site: &SiteRow,
) -> Result<(Scope, MeetingRecord), AppError> {
    let scope = Scope::Company(site.company_id.clone());
    let record = state
        .store
        .meeting_api(&scope, p.meeting.id.as_str())
        .await?
        .ok_or_else(AppError::internal)?;
    Ok((scope, record))
}

fn status(p: &ParticipantCtx, now: DateTime<Utc>) -> BookingStatus {
    if p.meeting.cancelled {
        BookingStatus::Cancelled
    } else if p.meeting.starts_at <= now {
        BookingStatus::Past
    } else {
        BookingStatus::Scheduled
    }
}

fn changeable(p: &ParticipantCtx) -> Result<(), AppError> {
    match status(p, Utc::now()) {
        BookingStatus::Scheduled => Ok(()),
        BookingStatus::Cancelled => Err(AppError::new(
            ErrorCode::Expired,
            "this appointment was cancelled",
        )),
        BookingStatus::Past => Err(AppError::new(
            ErrorCode::Expired,
            "this appointment has begun or is over; it can no longer change",
        )),
    }
}

/// The appointment as the page shows it.
pub async fn details(state: &AppState, hash: &str) -> Result<ManageInfo, AppError> {
    let (p, site) = customer(state, hash).await?;
    Ok(ManageInfo {
        meeting: p.meeting.id.clone(),
        site: site_info(&site),
        agent: AgentChoice {
            id: p.meeting.agent_id.clone(),
            name: p.meeting.host_name.clone(),
        },
        starts_at: p.meeting.starts_at,
        ends_at: p.meeting.ends_at,
        status: status(&p, Utc::now()),
        join_url: format!("{}/join/{}", state.public_url, hash.trim()),
    })
}

/// Cancel: frees the time, kills every link of the meeting, tells everyone. Cancelling a
/// cancelled appointment again changes nothing.
pub async fn cancel(state: &AppState, hash: &str) -> Result<ManageInfo, AppError> {
    let (p, site) = customer(state, hash).await?;
    if p.meeting.cancelled {
        return details(state, hash).await;
    }
    changeable(&p)?;
    let (scope, record) = record(state, &p, &site).await?;
    let id = p.meeting.id.as_str();
    let messages = notices(state, &record, &site, None).await?;
    if state
        .store
        .cancel_api(&scope, id, &messages)
        .await?
        .is_some()
    {
        crate::server::signaling::end_meeting(
            state,
            &p.meeting.id,
            AppError::new(ErrorCode::Expired, "this meeting was cancelled"),
        );
        tracing::info!(meeting = %p.meeting.id, "cancelled by the customer");
    }
    details(state, hash).await
}

/// Move to another time the site offers, with the same agent, who must be free then.
pub async fn reschedule(
    state: &AppState,
    hash: &str,
    starts_at: DateTime<Utc>,
) -> Result<ManageInfo, AppError> {
    let (p, site) = customer(state, hash).await?;
    changeable(&p)?;
    if starts_at == p.meeting.starts_at {
        return details(state, hash).await;
    }
    let now = Utc::now();
    let slot = offered_slot(&site, zone(&site)?, starts_at, now)?;
    let (scope, record) = record(state, &p, &site).await?;
    let id = p.meeting.id.as_str();
    let times = [
        slot.starts_at,
        slot.ends_at,
        slot.starts_at - Duration::minutes(site.early_join_minutes as i64),
        slot.ends_at + Duration::minutes(site.grace_minutes as i64),
    ];
    let messages = notices(state, &record, &site, Some((slot.starts_at, slot.ends_at))).await?;
    state
        .store
        .reschedule_api(&scope, id, times, &messages)
        .await
        .map_err(|e| {
            if e.code == ErrorCode::Conflict {
                AppError::new(
                    ErrorCode::SlotTaken,
                    "this time was just taken; please choose another",
                )
                .with_field("starts_at")
            } else {
                e
            }
        })?;
    tracing::info!(meeting = %p.meeting.id, "moved by the customer");
    details(state, hash).await
}
