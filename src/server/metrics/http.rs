//! Requests counted by route template, method and status, and their latency by route
//! template. The route is the template axum matched (`/api/v2/personal/meetings/{id}`), never
//! the path: paths carry join hashes, tokens and ids, and every distinct path would be a
//! series of its own.

use super::text::{number, Kind, Text};
use crate::server::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// The route label of a request no route template matched: the widget's files (served by the
/// fallback) and paths nothing answers.
pub const UNMATCHED: &str = "unmatched";

/// Upper bounds of the latency buckets, in seconds.
pub const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// One route's latencies.
#[derive(Debug, Default, Clone)]
struct Latency {
    /// Observations per bucket (not cumulative; the last is above every bound).
    buckets: [u64; BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

#[derive(Debug, Default)]
struct Counts {
    requests: HashMap<(String, &'static str, u16), u64>,
    latency: HashMap<String, Latency>,
}

/// What the HTTP side has counted since the process started.
#[derive(Debug, Default)]
pub struct HttpMetrics(Mutex<Counts>);

impl HttpMetrics {
    /// Count one answered request.
    pub fn observe(&self, route: &str, method: &Method, status: u16, took: Duration) {
        let seconds = took.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(BUCKETS.len());
        let mut c = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *c.requests
            .entry((route.to_string(), method_label(method), status))
            .or_default() += 1;
        let l = c.latency.entry(route.to_string()).or_default();
        l.buckets[bucket] += 1;
        l.sum += seconds;
        l.count += 1;
    }

    /// Write the families.
    pub fn write(&self, t: &mut Text) {
        // Copied out so the lock is not held while writing.
        let (mut requests, mut latency) = {
            let c = self.0.lock().unwrap_or_else(|p| p.into_inner());
            (
                c.requests
                    .iter()
                    .map(|(k, v)| (k.clone(), *v))
                    .collect::<Vec<_>>(),
                c.latency
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect::<Vec<_>>(),
            )
        };
        requests.sort();
        latency.sort_by(|a, b| a.0.cmp(&b.0));
        t.family(
            "consult_http_requests_total",
            Kind::Counter,
            "HTTP requests answered, by route template, method and status.",
        );
        for ((route, method, status), n) in &requests {
            t.sample(
                "consult_http_requests_total",
                &[
                    ("route", route),
                    ("method", method),
                    ("status", &status.to_string()),
                ],
                *n as f64,
            );
        }
        t.family(
            "consult_http_request_duration_seconds",
            Kind::Histogram,
            "Time to answer HTTP requests (until the answer's head), by route template.",
        );
        for (route, l) in &latency {
            let mut cumulative = 0;
            for (i, n) in l.buckets.iter().enumerate() {
                cumulative += n;
                let le = BUCKETS.get(i).copied().unwrap_or(f64::INFINITY);
                t.sample(
                    "consult_http_request_duration_seconds_bucket",
                    &[("route", route), ("le", &number(le))],
                    cumulative as f64,
                );
            }
            t.sample(
                "consult_http_request_duration_seconds_sum",
                &[("route", route)],
                l.sum,
            );
            t.sample(
                "consult_http_request_duration_seconds_count",
                &[("route", route)],
                l.count as f64,
            );
        }
    }
}

/// The method as a label: the standard ones by name, anything else (a client may send any
/// token) as `other`, so no client can make series at will.
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The route label of a matched template. A nested router's fallback matches a template
/// axum makes up (`/api/v2/{*__private__axum_…}`): that is no route of ours, so unmatched.
fn route_label(matched: Option<&MatchedPath>) -> &str {
    match matched.map(MatchedPath::as_str) {
        Some(route) if !route.contains("__private__") => route,
        _ => UNMATCHED,
    }
}

/// The middleware counting each request once it is answered.
pub async fn count(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = route_label(req.extensions().get::<MatchedPath>()).to_string();
    let method = req.method().clone();
    let started = std::time::Instant::now();
    let res = next.run(req).await;
    state
        .metrics
        .http
        .observe(&route, &method, res.status().as_u16(), started.elapsed());
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_latencies_are_written_per_template() {
        let m = HttpMetrics::default();
        let route = "/api/v2/personal/meetings/{id}";
        m.observe(route, &Method::GET, 404, Duration::from_millis(3));
        m.observe(route, &Method::GET, 404, Duration::from_millis(30));
        m.observe(
            route,
            &"BREW".parse().unwrap(),
            405,
            Duration::from_secs(60),
        );
        let mut t = Text::new();
        m.write(&mut t);
        let text = t.finish();
        let r = r#"route="/api/v2/personal/meetings/{id}""#;
        for line in [
            format!(r#"consult_http_requests_total{{{r},method="GET",status="404"}} 2"#),
            format!(r#"consult_http_requests_total{{{r},method="other",status="405"}} 1"#),
            format!(r#"consult_http_request_duration_seconds_bucket{{{r},le="0.005"}} 1"#),
            format!(r#"consult_http_request_duration_seconds_bucket{{{r},le="0.025"}} 1"#),
            format!(r#"consult_http_request_duration_seconds_bucket{{{r},le="0.05"}} 2"#),
            format!(r#"consult_http_request_duration_seconds_bucket{{{r},le="30"}} 2"#),
            format!(r#"consult_http_request_duration_seconds_bucket{{{r},le="+Inf"}} 3"#),
            format!(r#"consult_http_request_duration_seconds_count{{{r}}} 3"#),
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
        assert!(text.contains("# TYPE consult_http_request_duration_seconds histogram\n"));
    }
}
