//! Errors as HTTP answers: one JSON shape everywhere, the right status, never a leak.

use crate::model::AppError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;

impl IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = self.retry_after;
        let mut res = (status, axum::Json(self)).into_response();
        if let Some(seconds) = retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        res
    }
}
