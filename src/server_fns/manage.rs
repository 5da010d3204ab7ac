//! The customer's own page to move or cancel an appointment. The hash is the one of their
//! join link: whoever holds the link holds the appointment.

use crate::model::booking::ManageInfo;
use crate::model::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// The appointment behind a personal link.
#[server(endpoint = "v1/booking/manage")]
pub async fn manage_details(
    /// The hash of the customer's link.
    hash: String,
) -> Result<ManageInfo, AppError> {
    let call = super::ssr::Call::get()?;
    crate::server::services::manage::details(&call.state, &hash).await
}

/// Cancel the appointment.
#[server(endpoint = "v1/booking/cancel")]
pub async fn manage_cancel(
    /// The hash of the customer's link.
    hash: String,
) -> Result<ManageInfo, AppError> {
    let call = super::ssr::Call::get()?;
    crate::server::services::manage::cancel(&call.state, &hash).await
}

/// Move the appointment to another free time.
#[server(endpoint = "v1/booking/move", input = leptos::server_fn::codec::Json)]
pub async fn manage_move(
    /// The hash of the customer's link.
    hash: String,
    /// The new start, one of the site's free times.
    starts_at: DateTime<Utc>,
) -> Result<ManageInfo, AppError> {
    let call = super::ssr::Call::get()?;
    crate::server::services::manage::reschedule(&call.state, &hash, starts_at).await
}
