//! The customer's page to move or cancel their appointment (`/booking/{hash}`), and its
//! server functions. The hash is the one of their join link: whoever holds the link holds
//! the appointment.

#[cfg(feature = "csr")]
mod view;
#[cfg(feature = "csr")]
pub use view::ManagePage;

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
    use crate::server::app::server_fn_ctx;
    let (state, _) = server_fn_ctx::get()?;
    crate::server::manage::details(&state, &hash).await
}

/// Cancel the appointment.
#[server(endpoint = "v1/booking/cancel")]
pub async fn manage_cancel(
    /// The hash of the customer's link.
    hash: String,
) -> Result<ManageInfo, AppError> {
    use crate::server::app::server_fn_ctx;
    let (state, _) = server_fn_ctx::get()?;
    crate::server::manage::cancel(&state, &hash).await
}

/// Move the appointment to another free time.
#[server(endpoint = "v1/booking/move", input = leptos::server_fn::codec::Json)]
pub async fn manage_move(
    /// The hash of the customer's link.
    hash: String,
    /// The new start, one of the site's free times.
    starts_at: DateTime<Utc>,
) -> Result<ManageInfo, AppError> {
    use crate::server::app::server_fn_ctx;
    let (state, _) = server_fn_ctx::get()?;
    crate::server::manage::reschedule(&state, &hash, starts_at).await
}
