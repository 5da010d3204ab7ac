//! Every integration test, in one binary: the server is linked once, not once per file.
//!
//! Each module is one area (its own doc comment says what it covers); `support` is shared with
//! the benchmarks (`benches/`). Tests that need Chromium, chromedriver, coturn, the SMTP sink or
//! the widget build get them from `scripts/test.sh`.

#[path = "../support/mod.rs"]
mod support;

mod api_docs;
mod api_quickstart;
mod api_rules;
mod api_tenancy;
mod appointments_api;
mod availability;
mod backup;
mod booking_form;
mod browser_appointments;
mod browser_booking;
mod browser_call;
mod browser_journey;
mod browser_recording;
mod browser_rooms;
mod cluster;
mod cluster_browser;
mod cluster_hub;
mod console_login;
mod console_schedule;
mod crash;
mod embed_button;
mod embed_events;
mod embed_resize;
mod embed_theme;
mod http_api;
mod invitations;
mod keepalive;
mod link_language;
mod log_hygiene;
mod manage;
mod metrics;
mod page_bytes;
mod privacy;
mod recordings_api;
mod recordings_s3;
mod recovery;
mod secrets_at_rest;
mod security;
mod signaling;
mod smtp_tls;
mod startup;
mod turn;
mod visual;
mod whereby_api;
