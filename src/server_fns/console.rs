//! The agent console's calls, for the logged-in user (their session cookie).

use crate::model::console::{ConsoleOverview, MoveForm, ScheduleForm};
use crate::model::{AppError, MeetingId};
use leptos::prelude::*;

/// The logged-in user's meetings, and the sites and hosts they schedule for.
#[server(endpoint = "v1/console/overview")]
pub async fn console_data() -> Result<ConsoleOverview, AppError> {
    let call = super::ssr::Call::get()?;
    crate::server::console::overview(&call.state, &call.parts.headers).await
}

/// Schedule a meeting (the REST API's rules, with the logged-in user as `created_by`).
#[server(endpoint = "v1/console/schedule", input = leptos::server_fn::codec::Json)]
pub async fn console_schedule(
    /// The meeting to make.
    form: ScheduleForm,
) -> Result<MeetingId, AppError> {
    let call = super::ssr::Call::get()?;
    crate::server::console::schedule(&call.state, &call.parts.headers, form).await
}

/// Move a meeting the logged-in user hosts or manages.
#[server(endpoint = "v1/console/move", input = leptos::server_fn::codec::Json)]
pub async fn console_move(
    /// The meeting and its new time.
    form: MoveForm,
) -> Result<(), AppError> {
    let call = super::ssr::Call::get()?;
    crate::server::console::reschedule(&call.state, &call.parts.headers, form).await
}

/// Take an appointment given to no one (or open one's own): the answer is its host link.
#[server(endpoint = "v1/console/take-appointment")]
pub async fn console_take_appointment(
    /// The appointment's id.
    id: String,
) -> Result<String, AppError> {
    let call = super::ssr::Call::get()?;
    crate::server::console::take_appointment(&call.state, &call.parts.headers, &id).await
}

/// Cancel a meeting the logged-in user hosts or manages.
#[server(endpoint = "v1/console/cancel", input = leptos::server_fn::codec::Json)]
pub async fn console_cancel(
    /// The meeting.
    meeting: MeetingId,
) -> Result<(), AppError> {
    let call = super::ssr::Call::get()?;
    crate::server::console::cancel(&call.state, &call.parts.headers, meeting).await
}
