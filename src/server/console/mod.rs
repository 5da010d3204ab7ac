//! The agent console's server side: who is logged in, their overview, and scheduling.

mod schedule;

pub use schedule::{cancel, reschedule, schedule};

use super::{auth, origin, AppState};
use crate::model::console::{ConsoleAppointment, ConsoleMeeting, ConsoleOverview};
use crate::model::{AppError, ErrorCode};
use crate::server::store::Staff;
use axum::http::{header, HeaderMap};
use chrono::Utc;

/// The logged-in user behind a console request, with their role and company.
async fn staff(state: &AppState, headers: &HeaderMap) -> Result<(Staff, String), AppError> {
    let please = || AppError::new(ErrorCode::Unauthorized, "please log in");
    let user = auth::session_user(state, headers)
        .await?
        .ok_or_else(please)?;
    let staff = state.store.staff(&user.id).await?.ok_or_else(please)?;
    Ok((staff, user.name))
}

/// Changes come only from the console's own pages: a browser names the page's origin on
/// every POST, and the session cookie (SameSite=Lax) already stays off cross-site POSTs; this
/// is the second lock.
fn same_origin(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    match headers.get(header::ORIGIN).map(|v| v.to_str()) {
        None => Ok(()),
        Some(Ok(o)) if origin::normalize(o).as_deref() == Some(state.public_origin.as_str()) => {
            Ok(())
        }
        Some(_) => Err(AppError::new(
            ErrorCode::OriginNotAllowed,
            "console changes are made from the console only",
        )),
    }
}

/// The logged-in user's name, the sites and hosts they schedule for, and the open meetings
/// they host or manage.
pub async fn overview(state: &AppState, headers: &HeaderMap) -> Result<ConsoleOverview, AppError> {
    let (staff, name) = staff(state, headers).await?;
    let meetings = state
        .store
        .console_meetings(&staff, Utc::now())
        .await?
        .into_iter()
        .map(|(m, guests)| ConsoleMeeting {
            hosting: m.agent_id == staff.id,
            meeting: m.brief(),
            // Names from before such characters were refused are shown without them.
            guests: guests
                .iter()
                .map(|g| crate::model::person::neutralise(g))
                .collect(),
        })
        .collect();
    // From the start of the day (UTC) a week ahead: an appointment late in the day still
    // shows in the morning, one days ahead can be taken early.
    let today = Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let appointments = state
        .store
        .appointments_for_agent(staff.id.as_str(), today, today + chrono::Duration::days(8))
        .await?
        .into_iter()
        .map(|a| ConsoleAppointment {
            mine: a.agent.as_deref() == Some(staff.id.as_str()),
            id: a.id,
            reference: a.reference,
            claimant: crate::model::person::neutralise(&a.claimant_name),
            starts_at: a.appointment_at,
            duration_minutes: a.duration_minutes,
            status: a.status,
            department: a.department,
            interpreter: a.interpreter_language.filter(|_| a.interpreter_needed),
        })
        .collect();
    Ok(ConsoleOverview {
        agent_name: name,
        sites: state.store.staff_sites(&staff).await?,
        meetings,
        appointments,
    })
}

/// An agent takes an appointment given to no one (or opens one of theirs): it is theirs from
/// now on, and they get its host link to enter the call. Assistants host nothing.
pub async fn take_appointment(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
) -> Result<String, AppError> {
    same_origin(state, headers)?;
    let (staff, _) = staff(state, headers).await?;
    if !matches!(
        staff.role,
        crate::model::api::users::Role::Agent | crate::model::api::users::Role::Admin
    ) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "only agents and admins host appointments",
        ));
    }
    if !state.store.take_appointment(staff.id.as_str(), id).await? {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "another agent hosts this appointment, or it is not one you may take",
        ));
    }
    let a = state
        .store
        .appointment(&staff.company, id)
        .await?
        .ok_or_else(|| AppError::not_found("appointment"))?;
    tracing::info!(appointment = %a.id, "appointment taken");
    crate::server::audit::record(
        state,
        crate::server::audit::Event::new(
            crate::server::audit::Actor::ConsoleUser {
                id: staff.id.to_string(),
                company: staff.company.clone(),
            },
            "appointment.take",
            "appointments",
            Some(&a.id),
        ),
    )
    .await;
    Ok(crate::server::services::appointments::urls(state, &a)?.host)
}
