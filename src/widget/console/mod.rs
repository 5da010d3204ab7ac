//! The agent console: meetings, who is waiting (pushed live), admit, call; scheduling,
//! moving and cancelling meetings.

#[cfg(feature = "csr")]
mod schedule;
#[cfg(feature = "csr")]
mod view;
#[cfg(feature = "csr")]
pub use view::Console;
