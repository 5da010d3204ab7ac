//! Waiting rooms and the signaling relay.
//!
//! [`hub::Hub`] is the state machine (who is connected, waiting, admitted; what may be relayed
//! to whom); [`ws`] is the WebSocket endpoint that authenticates connections, looks things up
//! in the store and feeds the hub; [`ice`] signs the TURN credentials handed out on admission.

pub mod hub;
pub mod ice;
pub mod insights;
pub mod ws;

pub use hub::{Census, ConnId, Hub, RecordPolicy};
pub use ice::{IceConfig, TurnConfig};

use super::AppState;
use axum::routing::get;
use axum::Router;

/// End a meeting's room (cancelled, deleted, over): everyone in it or waiting is told why.
/// In a cluster the room lives on the hub's owner, which may be another node.
pub fn end_meeting(
    state: &AppState,
    meeting: &crate::model::MeetingId,
    why: crate::model::AppError,
) {
    match &state.bus {
        Some(bus) => bus.end_meeting(state, meeting, why),
        None => state.hub.end_meeting(meeting, why),
    }
}

/// End the rooms open here whose meeting the database says is cancelled. A cancellation made
/// by this server ends its room at once ([`end_meeting`]); one made outside it (the
/// operator's `consult personal-data erase`, a process with no way to reach the hub) reaches
/// the call at the next sweep. The number of rooms ended.
pub async fn end_cancelled(state: &AppState) -> Result<usize, crate::model::AppError> {
    let live = state.hub.live_meetings();
    if live.is_empty() {
        return Ok(0);
    }
    let cancelled = state.store.cancelled_among(&live).await?;
    for meeting in &cancelled {
        state.hub.end_meeting(
            meeting,
            crate::model::AppError::new(
                crate::model::ErrorCode::Expired,
                "this meeting was cancelled",
            ),
        );
    }
    Ok(cancelled.len())
}

/// Route: `GET /signal` (WebSocket).
pub fn router() -> Router<AppState> {
    Router::new().route("/signal", get(ws::upgrade))
}
