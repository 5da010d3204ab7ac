//! The booking form (its server functions: [`crate::server_fns::booking`]).

#[cfg(feature = "csr")]
pub(crate) mod calendar;
pub mod grid;
#[cfg(feature = "csr")]
pub(crate) mod view;
#[cfg(feature = "csr")]
pub use view::{BookingForm, Options};
