//! The agent console: meetings, who is waiting (pushed live), admit, call.

#[cfg(feature = "csr")]
mod view;
#[cfg(feature = "csr")]
pub use view::Console;

use crate::model::meeting::ConsoleOverview;
use crate::model::AppError;
use leptos::prelude::*;

/// The logged-in agent's meetings.
#[server(endpoint = "v1/console/overview")]
pub async fn console_data() -> Result<ConsoleOverview, AppError> {
    use crate::server::app::server_fn_ctx;
    let (state, parts) = server_fn_ctx::get()?;
    crate::server::console::overview(&state, &parts.headers).await
}
