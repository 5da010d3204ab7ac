//! Waiting rooms and the signaling relay.
//!
//! [`hub::Hub`] is the state machine (who is connected, waiting, admitted; what may be relayed
//! to whom); [`ws`] is the WebSocket endpoint that authenticates connections, looks things up
//! in the store and feeds the hub; [`ice`] signs the TURN credentials handed out on admission.

pub mod hub;
pub mod ice;
pub mod insights;
pub mod ws;

pub use hub::{ConnId, Hub};
pub use ice::{IceConfig, TurnConfig};

use super::AppState;
use axum::routing::get;
use axum::Router;

/// Route: `GET /signal` (WebSocket).
pub fn router() -> Router<AppState> {
    Router::new().route("/signal", get(ws::upgrade))
}
