//! Types both sides share: everything that crosses the wire is defined here once.
//!
//! Nothing in this module depends on the browser or on the server runtime, so its unit
//! tests run natively with `cargo test`.

#[cfg(feature = "ssr")]
pub mod api;
pub mod appointment;
pub mod booking;
pub mod console;
pub mod embed;
pub mod error;
pub mod i18n;
pub mod ids;
pub mod meeting;
pub mod person;
pub mod room;
pub mod signal;
pub mod white_label;

pub use error::{AppError, ErrorCode};
pub use ids::{MeetingId, PeerId, SiteId, UserId};
