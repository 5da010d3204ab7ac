//! The customer's page to move or cancel their appointment (`/booking/{hash}`); its server
//! functions are in [`crate::server_fns::manage`]. The hash is the one of their join link:
//! whoever holds the link holds the appointment.

#[cfg(feature = "csr")]
mod view;
#[cfg(feature = "csr")]
pub use view::ManagePage;
