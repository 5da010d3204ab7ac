//! Errors as HTTP answers: one JSON shape everywhere, the right status, never a leak.

use crate::model::AppError;
use axum::body::Body;
use axum::http::{header, Response, StatusCode};
use axum::response::IntoResponse;

impl IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(self)).into_response()
    }
}

/// Server functions answer every error with status 500 and the serialised error as the body.
/// This puts the error's own status on the response instead, so a validation error is a 400
/// to any client (and to monitoring), not a 500.
pub async fn server_fn_status(response: Response<Body>) -> Response<Body> {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, 64 * 1024).await {
        Ok(b) => b,
        Err(_) => return AppError::internal().into_response(),
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        if let Ok(status) = StatusCode::from_u16(err.status) {
            parts.status = status;
        }
        parts.headers.insert(
            header::CONTENT_TYPE,
            "application/json".parse().expect("static"),
        );
    }
    Response::from_parts(parts, Body::from(bytes))
}
