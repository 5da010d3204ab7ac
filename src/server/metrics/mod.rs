//! Metrics for Prometheus: `GET /metrics` on a listener of its own (`--metrics-listen`), never
//! on the public port. Counters are kept as things happen ([`Metrics`]); gauges are read at
//! scrape time from where the truth is (the hub, the outbox, the database pool).
//!
//! Labels carry no personal data and no ids: route templates, methods, statuses, channels.

pub mod http;
pub mod text;

use super::AppState;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use text::{Kind, Text};

/// The outbox's channels, as labels.
const CHANNELS: [&str; 2] = ["email", "sms"];

/// What is counted as it happens, since the process started.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Requests and their latency.
    pub http: http::HttpMetrics,
    /// Signaling WebSockets open on this node.
    websockets: AtomicI64,
    /// Messages sent, per channel ([`CHANNELS`]).
    sent: [AtomicU64; 2],
    /// Failed attempts per channel: transient, permanent.
    failures: [[AtomicU64; 2]; 2],
    /// Messages given up per channel (a permanent failure, or the last attempt failed).
    given_up: [AtomicU64; 2],
}

/// An open signaling WebSocket, counted while this lives.
#[derive(Debug)]
pub struct OpenSocket<'a>(&'a Metrics);

impl Drop for OpenSocket<'_> {
    fn drop(&mut self) {
        self.0.websockets.fetch_sub(1, Ordering::Relaxed);
    }
}

fn channel_index(channel: &str) -> usize {
    usize::from(channel == "sms")
}

impl Metrics {
    /// Count a WebSocket as open until the returned guard is dropped.
    pub fn socket_opened(&self) -> OpenSocket<'_> {
        self.websockets.fetch_add(1, Ordering::Relaxed);
        OpenSocket(self)
    }

    /// A message of `channel` (`email`, `sms`) was sent.
    pub fn outbox_sent(&self, channel: &str) {
        self.sent[channel_index(channel)].fetch_add(1, Ordering::Relaxed);
    }

    /// An attempt to send a message of `channel` failed; `given_up`: it will not be tried
    /// again.
    pub fn outbox_failed(&self, channel: &str, permanent: bool, given_up: bool) {
        let c = channel_index(channel);
        self.failures[c][usize::from(permanent)].fetch_add(1, Ordering::Relaxed);
        if given_up {
            self.given_up[c].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Write the counted families.
    fn write(&self, t: &mut Text) {
        self.http.write(t);
        t.family(
            "consult_websocket_connections",
            Kind::Gauge,
            "Signaling WebSockets open on this node.",
        )
        .sample(
            "consult_websocket_connections",
            &[],
            self.websockets.load(Ordering::Relaxed) as f64,
        );
        t.family(
            "consult_outbox_sent_total",
            Kind::Counter,
            "Messages sent from the outbox by this node, by channel.",
        );
        for (i, channel) in CHANNELS.iter().enumerate() {
            let n = self.sent[i].load(Ordering::Relaxed);
            t.sample(
                "consult_outbox_sent_total",
                &[("channel", channel)],
                n as f64,
            );
        }
        t.family(
            "consult_outbox_failures_total",
            Kind::Counter,
            "Failed attempts to send outbox messages on this node, by channel and class \
             (transient: tried again later; permanent: given up at once).",
        );
        for (i, channel) in CHANNELS.iter().enumerate() {
            for (j, class) in ["transient", "permanent"].iter().enumerate() {
                let n = self.failures[i][j].load(Ordering::Relaxed);
                t.sample(
                    "consult_outbox_failures_total",
                    &[("channel", channel), ("class", class)],
                    n as f64,
                );
            }
        }
        t.family(
            "consult_outbox_given_up_total",
            Kind::Counter,
            "Outbox messages given up by this node (a permanent failure or the last attempt), \
             by channel.",
        );
        for (i, channel) in CHANNELS.iter().enumerate() {
            let n = self.given_up[i].load(Ordering::Relaxed);
            t.sample(
                "consult_outbox_given_up_total",
                &[("channel", channel)],
                n as f64,
            );
        }
    }
}

/// The whole exposition: what was counted, and the gauges read now.
pub async fn render(state: &AppState) -> String {
    let mut t = Text::new();
    state.metrics.write(&mut t);
    let census = state.hub.census();
    for (name, help, value) in [
        (
            "consult_rooms",
            "Rooms open in this node's signaling hub (in a cluster: the hub's owner holds them all).",
            census.rooms,
        ),
        (
            "consult_calls",
            "Rooms of this node's hub with a call going on (at least one person in the call).",
            census.calls,
        ),
        (
            "consult_people_in_calls",
            "People in calls in this node's hub.",
            census.in_calls,
        ),
        (
            "consult_people_waiting",
            "People in waiting rooms of this node's hub.",
            census.waiting,
        ),
    ] {
        t.family(name, Kind::Gauge, help)
            .sample(name, &[], value as f64);
    }
    outbox_depth(state, &mut t).await;
    let pool = state.store.pool();
    for (name, help, value) in [
        (
            "consult_db_pool_connections",
            "Database connections open in this node's pool.",
            pool.size() as usize,
        ),
        (
            "consult_db_pool_idle_connections",
            "Database connections of the pool not in use.",
            pool.num_idle(),
        ),
        (
            "consult_db_pool_max_connections",
            "The most database connections the pool opens.",
            pool.options().get_max_connections() as usize,
        ),
    ] {
        t.family(name, Kind::Gauge, help)
            .sample(name, &[], value as f64);
    }
    t.finish()
}

/// How long a scrape waits for the outbox's numbers.
const DEPTH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// The outbox's depth per channel (the outbox is shared by every node of a deployment). When
/// the database does not answer in time the two families are left out, the rest still
/// served: the scrape says what it knows (`/readyz` says the database is down).
async fn outbox_depth(state: &AppState, t: &mut Text) {
    let now = chrono::Utc::now();
    let rows = match tokio::time::timeout(DEPTH_TIMEOUT, state.store.outbox_depth(now)).await {
        Ok(Ok(rows)) => rows,
        _ => {
            tracing::warn!("metrics: the outbox's depth could not be read");
            return;
        }
    };
    let of = |channel: &str| {
        rows.iter()
            .find(|r| r.0 == channel)
            .map(|r| (r.1, r.2))
            .unwrap_or((0, 0))
    };
    t.family(
        "consult_outbox_queued",
        Kind::Gauge,
        "Messages waiting in the outbox (of every node), by channel.",
    );
    for channel in CHANNELS {
        t.sample(
            "consult_outbox_queued",
            &[("channel", channel)],
            of(channel).0 as f64,
        );
    }
    t.family(
        "consult_outbox_due",
        Kind::Gauge,
        "Messages in the outbox due to be sent now (not waiting for a retry), by channel.",
    );
    for channel in CHANNELS {
        t.sample(
            "consult_outbox_due",
            &[("channel", channel)],
            of(channel).1 as f64,
        );
    }
}

/// The metrics listener's routes: `GET /metrics`, nothing else.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(state)
}

async fn scrape(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, text::CONTENT_TYPE)],
        render(&state).await,
    )
}

/// Serve the metrics on `listener` until the server is asked to stop.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) {
    let mut stopping = state.stopping.subscribe();
    let served = axum::serve(listener, router(state))
        .with_graceful_shutdown(async move {
            let _ = stopping.wait_for(|s| *s).await;
        })
        .await;
    if let Err(e) = served {
        tracing::error!(error = %e, "the metrics listener failed");
    }
}
