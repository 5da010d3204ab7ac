//! An appointment's pre-call page (`/client-web/schedule/pre-call/summary?token=…`): what it
//! shows, and what the claimant's browser could do with background blur.

use crate::model::appointment::PreCall;
use crate::model::AppError;
use leptos::prelude::*;

/// What a pre-call link shows: when, with whom, the call's switches, and the room once the
/// way in is open.
#[server(endpoint = "v1/precall/summary")]
pub async fn pre_call_summary(
    /// The link's `token`.
    token: String,
) -> Result<PreCall, AppError> {
    let call = super::ssr::Call::get()?;
    crate::server::services::appointments::pre_call(&call.state, &token).await
}

/// The claimant's page tells whether its browser blurs the background (the API shows it).
#[server(endpoint = "v1/precall/blur")]
pub async fn pre_call_blur(
    /// The link's `token`.
    token: String,
    /// Blur is applied (else the browser cannot).
    applied: bool,
) -> Result<(), AppError> {
    let call = super::ssr::Call::get()?;
    crate::server::services::appointments::report_blur(&call.state, &token, applied).await
}
