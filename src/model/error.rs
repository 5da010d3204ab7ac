//! The one error type the widget sees: an HTTP status, a stable machine code, a human
//! message and, for validation errors, the field at fault.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Stable, machine-readable error codes. The widget picks its wording from these; integrators
/// may match on them, so existing names never change meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A field failed validation (`field` names it).
    Invalid,
    /// The request could not be read (malformed body, missing argument).
    BadRequest,
    /// No such site, meeting or link, or not one this caller may see.
    NotFound,
    /// The page or request origin is not on the site's list.
    OriginNotAllowed,
    /// Login required.
    Unauthorized,
    /// Logged in, but not allowed to do this.
    Forbidden,
    /// The chosen slot was taken or is no longer offered.
    SlotTaken,
    /// The request conflicts with existing data (a duplicate, a reference to nothing).
    Conflict,
    /// The join link's meeting is over, cancelled or past its window.
    Expired,
    /// The meeting's room does not open yet.
    TooEarly,
    /// The room already holds as many people as it may.
    RoomFull,
    /// A precondition failed: something else must change first (a package feature, children
    /// that still exist).
    Precondition,
    /// Too many requests for the caller's quota.
    TooManyRequests,
    /// Something failed on our side; details are in the server log, never in the answer.
    Internal,
}

impl ErrorCode {
    /// The HTTP status that goes with this code.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::Invalid | ErrorCode::BadRequest => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::OriginNotAllowed | ErrorCode::Forbidden | ErrorCode::TooEarly => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::SlotTaken | ErrorCode::Conflict | ErrorCode::RoomFull => 409,
            ErrorCode::Expired => 410,
            ErrorCode::Precondition => 412,
            ErrorCode::TooManyRequests => 429,
            ErrorCode::Internal => 500,
        }
    }
}

/// An error as the wire carries it: `{"status": 400, "code": "invalid", "field": "email",
/// "message": "…"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppError {
    /// HTTP status code.
    pub status: u16,
    /// Stable machine code.
    pub code: ErrorCode,
    /// A sentence for people (English; the widget may show its own translation of `code`).
    pub message: String,
    /// The input field at fault, for validation errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For `too_many_requests`: seconds until trying again may succeed (also sent as the
    /// `Retry-After` header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u32>,
}

/// Longest piece of someone's input an error message quotes: errors never echo unbounded
/// input back (nor much of anyone's personal data).
pub const MAX_QUOTED: usize = 120;

/// `text` cut to [`MAX_QUOTED`] characters (with `…` when cut).
pub fn bounded(text: &str) -> String {
    if text.chars().count() <= MAX_QUOTED {
        return text.to_string();
    }
    let mut out: String = text.chars().take(MAX_QUOTED).collect();
    out.push('…');
    out
}

impl AppError {
    /// An error with a code and message; the status follows from the code.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError {
            status: code.status(),
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }

    /// A validation error for one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError {
            field: Some(field.to_string()),
            ..AppError::new(ErrorCode::Invalid, message)
        }
    }

    /// Not found (also used for things that exist but belong to someone else).
    pub fn not_found(what: &str) -> Self {
        AppError::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    /// An internal failure; the message never carries details.
    pub fn internal() -> Self {
        AppError::new(ErrorCode::Internal, "something went wrong on our side")
    }

    /// Too many requests: try again in `seconds` (at least one).
    pub fn too_many(message: impl Into<String>, seconds: i64) -> Self {
        AppError {
            retry_after: Some(seconds.clamp(1, u32::MAX as i64) as u32),
            ..AppError::new(ErrorCode::TooManyRequests, message)
        }
    }

    /// Attach the field this error is about.
    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_string());
        self
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{} ({field}): {}", self.status, self.message),
            None => write!(f, "{}: {}", self.status, self.message),
        }
    }
}

impl std::error::Error for AppError {}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        // The framework's texts may quote the request (a whole field's value): cut short.
        match value {
            // The request itself was malformed: the caller's fault, never a 500.
            E::Args(m) | E::MissingArg(m) => AppError::new(
                ErrorCode::BadRequest,
                format!("malformed request: {}", bounded(&m)),
            ),
            // On the server, a body that does not decode is the caller's fault; on the client
            // the same variant means an unreadable answer.
            E::Deserialization(m) if cfg!(feature = "ssr") => AppError::new(
                ErrorCode::BadRequest,
                format!("malformed request: {}", bounded(&m)),
            ),
            E::Deserialization(m) => AppError::new(
                ErrorCode::Internal,
                format!("unreadable answer: {}", bounded(&m)),
            ),
            E::Request(m) => AppError::new(
                ErrorCode::Internal,
                format!("could not reach the server: {}", bounded(&m)),
            ),
            _ => AppError::internal(),
        }
    }

    /// On the server every error a server function answers with is written here, inside the
    /// request's context: its status (and `Retry-After`) go on the response through Leptos's
    /// response options, so the answer's status never depends on reading its body again.
    fn ser(&self) -> leptos::server_fn::Bytes {
        #[cfg(feature = "ssr")]
        if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = http::StatusCode::from_u16(self.status) {
                options.set_status(status);
            }
            options.insert_header(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
            if let Some(seconds) = self.retry_after {
                options.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
            }
        }
        use leptos::server_fn::Encodes;
        Self::Encoder::encode(self).unwrap_or_else(|_| {
            leptos::server_fn::Bytes::from_static(
                br#"{"status":500,"code":"internal","message":"something went wrong on our side"}"#,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_with_field_and_status() {
        let e = AppError::invalid("email", "not an e-mail address");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["status"], 400);
        assert_eq!(json["code"], "invalid");
        assert_eq!(json["field"], "email");
        let back: AppError = serde_json::from_value(json).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn field_is_omitted_when_absent() {
        let json = serde_json::to_string(&AppError::not_found("site")).unwrap();
        assert!(!json.contains("field"), "{json}");
        assert!(json.contains("\"status\":404"), "{json}");
    }

    #[test]
    fn errors_quote_little_of_the_input() {
        use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
        let huge = format!("invalid value: string \"{}\"", "x".repeat(66_000));
        let e = AppError::from_server_fn_error(ServerFnErrorErr::Args(huge));
        assert_eq!(e.status, 400);
        assert!(e.message.chars().count() < 200, "{}", e.message.len());
        assert_eq!(bounded("short"), "short");
        assert_eq!(bounded(&"é".repeat(500)).chars().count(), MAX_QUOTED + 1);
    }

    #[test]
    fn malformed_arguments_are_client_errors() {
        use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
        let e = AppError::from_server_fn_error(ServerFnErrorErr::Args("x".into()));
        assert_eq!(e.status, 400);
        let e = AppError::from_server_fn_error(ServerFnErrorErr::MissingArg("site".into()));
        assert_eq!(e.code, ErrorCode::BadRequest);
    }
}
