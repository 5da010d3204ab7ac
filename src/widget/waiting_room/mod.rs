//! The join page: device check, waiting room, call. Reached through a personal link
//! (`/join/{hash}`), top-level or embedded with `<consult-call>`.

#[cfg(feature = "csr")]
mod view;
#[cfg(feature = "csr")]
pub use view::JoinPage;

use crate::model::meeting::JoinInfo;
use crate::model::AppError;
use leptos::prelude::*;

/// What a personal link is for: the meeting and the person.
#[server(endpoint = "v1/join/details")]
pub async fn join_details(
    /// The hash of the personal link.
    hash: String,
) -> Result<JoinInfo, AppError> {
    use crate::server::app::server_fn_ctx;
    let (state, _) = server_fn_ctx::get()?;
    crate::server::join::details(&state, &hash).await
}
