//! The join page's calls: what a personal link is for, and the ICE servers of its
//! connection check.

use crate::model::meeting::JoinInfo;
use crate::model::AppError;
use leptos::prelude::*;

/// What a personal link is for: the meeting and the person.
#[server(endpoint = "v1/join/details")]
pub async fn join_details(
    /// The hash of the personal link.
    hash: String,
) -> Result<JoinInfo, AppError> {
    let call = super::ssr::Call::get()?;
    crate::server::services::join::details(&call.state, &hash).await
}

/// The ICE servers (with TURN credentials) of the pre-call connection check.
#[server(endpoint = "v1/join/ice")]
pub async fn join_ice(
    /// The hash of the personal link.
    hash: String,
) -> Result<crate::model::signal::IceCheck, AppError> {
    let call = super::ssr::Call::get()?;
    crate::server::services::join::ice_check(&call.state, &hash).await
}
