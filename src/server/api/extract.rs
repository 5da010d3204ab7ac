//! Request extractors that answer bad input in the API's envelope, naming the field.

use super::caller::Caller;
use super::error::ApiError;
use crate::model::api::rules;
use crate::model::{AppError, ErrorCode};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, Method};
use serde::de::DeserializeOwned;

/// Largest JSON body read (a 512 KiB image is about 700 KB in base64).
pub const MAX_BODY: usize = 1024 * 1024;

/// A JSON body, strictly parsed: malformed JSON, wrong types, unknown and missing fields are
/// 400s that name the field.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        require_json(req.headers()).map_err(ApiError)?;
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| {
                ApiError(AppError::new(
                    ErrorCode::BadRequest,
                    format!("the body could not be read (at most {MAX_BODY} bytes)"),
                ))
            })?;
        parse(&bytes).map(ApiJson).map_err(ApiError)
    }
}

/// Refuse a body that does not say it is JSON (`application/json` or `application/…+json`).
pub fn require_json(headers: &axum::http::HeaderMap) -> Result<(), AppError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            let media = v
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            media == "application/json"
                || (media.starts_with("application/") && media.ends_with("+json"))
        })
        .unwrap_or(false);
    if is_json {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::BadRequest,
            "the body must be JSON (content-type: application/json)",
        ))
    }
}

/// Parse JSON, reporting the field of a type or shape error.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    // Malformed JSON is reported as such, before any field of it.
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Err(_) => {
            return Err(AppError::new(
                ErrorCode::BadRequest,
                "the body is not valid JSON",
            ));
        }
        // Every request body is an object (serde would also take a struct from an array).
        Ok(v) if !v.is_object() => {
            return Err(AppError::new(
                ErrorCode::Invalid,
                "the body must be a JSON object",
            ));
        }
        Ok(_) => {}
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(e) => {
            // The syntax is known good by now: whatever serde_json calls this (it reports a
            // number where an enum belongs as a syntax error), it is a value of the wrong kind.
            let inner = e.inner();
            let path = e.path().to_string();
            // An id that breaks its rule names nothing that exists: 404, like a missing one.
            let text = inner.to_string();
            let (code, text) = match text.strip_prefix(crate::model::api::types::NOT_FOUND_MARK) {
                Some(rest) => (ErrorCode::NotFound, rest.to_string()),
                None => (ErrorCode::Invalid, text),
            };
            // serde quotes the offending value (an unknown variant, a wrong string): cut short.
            let message = crate::model::error::bounded(&text);
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string();
            let message = if message == "expected value" {
                "a value of the wrong type".to_string()
            } else {
                message
            };
            // An unknown field's path ends with its name; a missing field is named only in the
            // message, under its parent's path.
            let base = path
                .trim_end_matches('.')
                .trim_start_matches('.')
                .to_string();
            let field = if message.starts_with("missing field") {
                message.split('`').nth(1).map(|name| {
                    if base.is_empty() {
                        name.to_string()
                    } else {
                        format!("{base}.{name}")
                    }
                })
            } else if base.is_empty() {
                None
            } else {
                Some(base)
            };
            let mut err = AppError::new(code, message);
            err.field = field;
            Err(err)
        }
    }
}

/// An entity id from the path: anything but 24 lowercase hex digits names nothing (404).
pub struct PathId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(id) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| ApiError(AppError::not_found("resource")))?;
        rules::id("id", &id, "resource").map_err(ApiError)?;
        Ok(PathId(id))
    }
}

/// Query parameters, with a 400 naming the parameter on bad values.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize::<_, T>(de)
            .map(ApiQuery)
            .map_err(|e| {
                let field = e.path().to_string();
                let message = crate::model::error::bounded(&e.inner().to_string());
                let mut err = AppError::new(
                    ErrorCode::Invalid,
                    format!("bad query parameter: {message}"),
                );
                err.field = (!field.is_empty() && field != ".").then_some(field);
                ApiError(err)
            })
    }
}

/// The authenticated caller (set by the API middleware).
impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts.extensions.get::<Caller>().cloned().ok_or_else(|| {
            ApiError(AppError::new(
                ErrorCode::Unauthorized,
                "an access token is needed",
            ))
        })
    }
}

/// Is this a method that may carry a body we read?
pub fn has_body(method: &Method) -> bool {
    matches!(*method, Method::POST | Method::PUT | Method::PATCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        email: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        contact: Inner,
    }

    #[test]
    fn errors_name_the_field() {
        let e = parse::<Outer>(br#"{"name": 1, "contact": {"email": "a"}}"#).unwrap_err();
        assert_eq!((e.status, e.field.as_deref()), (400, Some("name")));
        let e =
            parse::<Outer>(br#"{"name": "x", "contact": {"email": "a", "nope": 1}}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("contact.nope"));
        let e = parse::<Outer>(br#"{"name": "x"}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("contact"));
        let e = parse::<Outer>(br#"{"name": "x", "contact": {}}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("contact.email"));
        let e = parse::<Outer>(br#"{"name": "x", "#).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadRequest);
        let e = parse::<Outer>(br#"[]"#).unwrap_err();
        assert_eq!(e.status, 400);
        let e = parse::<Outer>(br#"[1, 2]"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::Invalid, "{e:?}");
        let e = parse::<crate::model::api::oauth::TokenRequest>(
            br#"{"grant_type": 1, "client_id": "a", "client_secret": "b"}"#,
        )
        .unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::Invalid, Some("grant_type"))
        );
        let e = parse::<Outer>(br#"{"unexpected": 1}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("unexpected"));
        // A huge wrong value is not echoed back.
        let huge = format!(
            r#"{{"grant_type": "{}", "client_id": "a", "client_secret": "b"}}"#,
            "x".repeat(70_000)
        );
        let e = parse::<crate::model::api::oauth::TokenRequest>(huge.as_bytes()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("grant_type"));
        assert!(e.message.len() < 300, "{}", e.message.len());
    }
}
