//! What happens to each request, for the operator: one log line per request with a request id,
//! the route it matched (its template, never the path: paths carry join hashes and tokens),
//! the status and the time taken; the id also goes back as `x-request-id` and is on every line
//! logged while the request runs. And a panic in a handler becomes a 500 in the one error
//! shape, logged without its message (which could quote anything).

use crate::model::AppError;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::any::Any;
use tracing::Instrument;

/// The header carrying the request id (taken from a proxy when it sends a sane one).
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// An incoming request id worth keeping: 1 to 64 of `A-Z a-z 0-9 . _ -`.
fn usable(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The middleware: span, id, one line at the end.
///
/// The span (`request`, with `request_id`, `method` and `route`) is entered for everything
/// the request's handler does, so every line logged meanwhile carries the id; a WebSocket
/// upgraded from the request keeps it for the connection's life (see `signaling/ws.rs`).
pub async fn request(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| usable(v))
        .map(String::from)
        .unwrap_or_else(|| crate::server::tokens::hex(&crate::server::tokens::random_bytes::<8>()));
    // The template (`/join/{hash}`), never the path itself: paths carry secrets.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "(files)".into());
    let method = req.method().clone();
    let header = HeaderValue::from_str(&id).ok();
    if let Some(v) = &header {
        req.headers_mut().insert(REQUEST_ID.clone(), v.clone());
    }
    let span = tracing::info_span!("request", request_id = %id, %method, route);
    let started = std::time::Instant::now();
    let mut res = next.run(req).instrument(span.clone()).await;
    let status = res.status().as_u16();
    span.in_scope(|| {
        tracing::info!(
            status,
            latency_ms = started.elapsed().as_millis() as u64,
            "answered"
        );
    });
    if let Some(v) = header {
        res.headers_mut().insert(REQUEST_ID.clone(), v);
    }
    res
}

/// The answer to a request whose handler panicked: a 500 like any internal error.
pub fn panicked(_payload: Box<dyn Any + Send + 'static>) -> Response {
    // The payload is not logged: a panic message may quote whatever the handler held.
    tracing::error!("a request handler panicked; answered 500");
    AppError::internal().into_response()
}

/// Panics anywhere in the process are logged by where they happened, never by their message.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(at, "panic");
        eprintln!("panic at {at}");
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    async fn boom() -> &'static str {
        panic!("the secret is x")
    }

    fn app() -> Router {
        Router::new()
            .route("/boom/{secret}", get(boom))
            .route("/ok/{secret}", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn(request))
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
    }

    #[tokio::test]
    async fn a_panicking_handler_is_a_500_in_the_error_shape() {
        let res = app()
            .oneshot(Request::get("/boom/abc").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), 500);
        let body = axum::body::to_bytes(res.into_body(), 10_000).await.unwrap();
        let e: AppError = serde_json::from_slice(&body).unwrap();
        assert_eq!(e.code, crate::model::ErrorCode::Internal);
        assert!(!String::from_utf8_lossy(&body).contains("secret"));
    }

    #[tokio::test]
    async fn every_answer_carries_a_request_id() {
        let res = app()
            .oneshot(Request::get("/ok/abc").body(Body::empty()).unwrap())
            .await
            .unwrap();
        let id = res.headers()[&REQUEST_ID].to_str().unwrap().to_string();
        assert_eq!(id.len(), 16);
        // A proxy's own id is kept; a strange one is replaced.
        let res = app()
            .oneshot(
                Request::get("/ok/abc")
                    .header("x-request-id", "lb-42.a_b")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.headers()[&REQUEST_ID], "lb-42.a_b");
        let res = app()
            .oneshot(
                Request::get("/ok/abc")
                    .header("x-request-id", "<script>")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_ne!(res.headers()[&REQUEST_ID], "<script>");
    }
}
