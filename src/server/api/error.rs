//! Errors of the REST API: the WeSeeDo envelope `{"success": false, "error": {…}}` with the
//! matching status. Internal failures are logged where they happen and answered without detail.

use crate::model::api::{ErrorBody, ErrorEnvelope};
use crate::model::{AppError, ErrorCode};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An API error.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

/// The wire code of an error code (`snake_case`, as in the widget's errors).
pub fn code_name(code: ErrorCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_else(|| "internal".into())
}

/// The envelope for an error.
pub fn envelope(e: &AppError) -> ErrorEnvelope {
    ErrorEnvelope {
        success: false,
        error: ErrorBody {
            code: code_name(e.code),
            message: e.message.clone(),
            field: e.field.clone(),
        },
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(envelope(&self.0))).into_response()
    }
}

/// Result of an API handler.
pub type ApiResult<T> = Result<T, ApiError>;
