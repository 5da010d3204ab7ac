//! The agent console's data.

use super::{auth, AppState};
use crate::model::meeting::{ConsoleMeeting, ConsoleOverview};
use crate::model::{AppError, ErrorCode};
use axum::http::HeaderMap;
use chrono::Utc;

/// The logged-in agent's name and open meetings.
pub async fn overview(state: &AppState, headers: &HeaderMap) -> Result<ConsoleOverview, AppError> {
    let user = auth::session_user(state, headers)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::Unauthorized, "please log in"))?;
    let meetings = state
        .store
        .agent_meetings(&user.id, Utc::now())
        .await?
        .into_iter()
        .map(|(m, guests)| ConsoleMeeting {
            meeting: m.brief(),
            guests,
        })
        .collect();
    Ok(ConsoleOverview {
        agent_name: user.name,
        meetings,
    })
}
