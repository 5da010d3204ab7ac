//! The booking form's calls: a site's free times, and booking one.

use crate::model::booking::{Booked, BookingRequest, SlotList};
use crate::model::AppError;
use leptos::prelude::*;

/// The site and its next free slots, for a form embedded on `host_origin`: with the agent
/// chosen, or with anyone.
#[server(endpoint = "v1/booking/slots")]
pub async fn booking_slots(
    /// The site's id.
    site: String,
    /// Origin of the page that embeds the form.
    host_origin: String,
    /// The agent chosen, if any (absent in forms from before the choice existed).
    agent: Option<String>,
    /// Only times starting at or after this, in milliseconds since the epoch (absent: the
    /// first ones; the form sends it to page on past the last time it has). A number, not a
    /// date text: the booking build then carries no date formatting.
    after: Option<i64>,
) -> Result<SlotList, AppError> {
    let call = super::ssr::Call::get()?;
    let after = match after {
        None => None,
        Some(ms) => Some(
            chrono::DateTime::from_timestamp_millis(ms)
                .ok_or_else(|| AppError::invalid("after", "not a time"))?,
        ),
    };
    crate::server::services::booking::slots_with(
        &call.state,
        &site,
        &host_origin,
        call.header("origin"),
        agent.as_deref(),
        after,
    )
    .await
}

/// Book a slot.
#[server(endpoint = "v1/booking/book", input = leptos::server_fn::codec::Json)]
pub async fn book(
    /// The booking as the form submits it.
    request: BookingRequest,
) -> Result<Booked, AppError> {
    let call = super::ssr::Call::get()?;
    crate::server::services::booking::book_from(
        &call.state,
        request,
        call.header("origin"),
        call.client(),
    )
    .await
}
