//! The booking form and its server functions.
//!
//! Server functions have fixed, versioned endpoints: embedded forms outlive deploys, so a
//! page loaded before an upgrade must still reach them.

#[cfg(feature = "csr")]
pub(crate) mod calendar;
pub mod grid;
#[cfg(feature = "csr")]
pub(crate) mod view;
#[cfg(feature = "csr")]
pub use view::{BookingForm, Options};

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
) -> Result<SlotList, AppError> {
    use crate::server::app::server_fn_ctx;
    let (state, parts) = server_fn_ctx::get()?;
    crate::server::booking::slots_with(
        &state,
        &site,
        &host_origin,
        server_fn_ctx::header(&parts, "origin"),
        agent.as_deref(),
    )
    .await
}

/// Book a slot.
#[server(endpoint = "v1/booking/book", input = leptos::server_fn::codec::Json)]
pub async fn book(
    /// The booking as the form submits it.
    request: BookingRequest,
) -> Result<Booked, AppError> {
    use crate::server::app::server_fn_ctx;
    let (state, parts) = server_fn_ctx::get()?;
    let client = crate::server::client::address(
        &state.config.trusted_proxies,
        &parts.headers,
        &parts.extensions,
    );
    crate::server::booking::book_from(
        &state,
        request,
        server_fn_ctx::header(&parts, "origin"),
        client,
    )
    .await
}
