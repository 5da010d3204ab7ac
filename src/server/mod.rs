//! The `consult` server (feature `ssr`): axum, SQLite, the signaling hub.
//!
//! Each module owns one part and, where it serves HTTP, its own `router()`:
//! [`app`] puts them together behind [`app::Application`].

pub mod api;
pub mod app;
pub mod appointments;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod availability;
pub mod backup;
pub mod calendar;
pub mod cli;
pub mod client;
pub mod cluster;
pub mod config;
pub mod console;
pub mod demo;
pub mod error;
pub mod invite;
pub mod metrics;
pub mod notify;
pub mod observe;
pub mod origin;
pub mod pages;
pub mod private_fs;
pub mod recordings;
pub mod seal;
pub mod services;
pub mod signaling;
pub mod smtp;
pub mod state;
pub mod store;
pub mod tokens;
pub mod whereby;

pub use app::Application;
pub use config::Config;
pub use state::AppState;
