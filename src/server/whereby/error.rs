//! Errors of the rooms API as Whereby answers them: the status and `{"error": "…"}`. A field's
//! error names the field first. Internal failures are logged where they happen and answered
//! without detail.

use super::wire::ErrorBody;
use crate::model::AppError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An error of the rooms API.
#[derive(Debug)]
pub struct RoomsError(pub AppError);

impl From<AppError> for RoomsError {
    fn from(e: AppError) -> Self {
        RoomsError(e)
    }
}

/// The words of an error: `field: message`, or the message.
pub fn words(e: &AppError) -> String {
    match &e.field {
        Some(field) => format!("{field}: {}", e.message),
        None => e.message.clone(),
    }
}

impl IntoResponse for RoomsError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            status,
            axum::Json(ErrorBody {
                error: words(&self.0),
            }),
        )
            .into_response()
    }
}

/// Result of a rooms API handler.
pub type RoomsResult<T> = Result<T, RoomsError>;

/// `404 {"error": "Meeting not found"}` and its like.
pub fn not_found(what: &str) -> RoomsError {
    RoomsError(AppError::new(
        crate::model::ErrorCode::NotFound,
        format!("{what} not found"),
    ))
}
