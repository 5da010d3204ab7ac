//! The widget's server functions, all in one place: the only door from the widget (wasm) to
//! the server. Compiled for both targets: with `csr` each function is a client stub that
//! POSTs to its endpoint; with `ssr` it is a thin adapter that reads the request and calls a
//! service in [`crate::server`].
//!
//! The layers point one way: `widget` → `server_fns` → `server` services → `server::store`.
//! Nothing in `server` calls back into `widget` or here, except `server::app`, which mounts
//! [`router`] like the REST API's router.
//!
//! Endpoints are fixed and versioned (`/api/v1/...`): an embedded widget outlives a deploy, so
//! a page loaded before an upgrade must still reach them. Every function is registered by
//! [`register_all`] (a unit test fails when one is missing), and every error answers with its
//! own status, set through Leptos's response options when the error is written.

pub mod booking;
pub mod console;
pub mod join;
pub mod manage;
pub mod precall;
pub mod rooms;

#[cfg(feature = "ssr")]
pub(crate) mod ssr;

#[cfg(feature = "ssr")]
pub use ssr::{register_all, router};
