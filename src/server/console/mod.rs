//! The agent console's server side: who is logged in, their overview, and scheduling.

mod schedule;

pub use schedule::{cancel, reschedule, schedule};

use super::{auth, origin, AppState};
use crate::model::console::{ConsoleMeeting, ConsoleOverview};
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
    Ok(ConsoleOverview {
        agent_name: name,
        sites: state.store.staff_sites(&staff).await?,
        meetings,
    })
}
