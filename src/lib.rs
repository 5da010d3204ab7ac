//! Consult: video consultations embedded in any website.
//!
//! One crate, two targets that are never combined:
//! - `csr`: the widget (Leptos, compiled to wasm by Trunk) that runs inside the embed iframe,
//!   at `/join/{hash}` and in the agent console;
//! - `ssr`: the `consult` server (axum, SQLite), which answers the widget's server functions,
//!   relays signaling over a WebSocket and serves the widget.
//!
//! [`model`] holds every type the wire carries, shared by both sides.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod model;
pub mod server_fns;
pub mod widget;

#[cfg(feature = "ssr")]
pub mod server;

/// The server's allocator: mimalloc. Measured on the REST API bench, glibc's malloc and free
/// (arena locks, consolidation) were a sixth of the server's CPU time under 200 connections;
/// every binary linking the server (the `consult` binary, tests, benches) uses it.
#[cfg(feature = "ssr")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
