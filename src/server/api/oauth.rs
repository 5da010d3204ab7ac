//! `POST /api/v2/oauth2/token`: client credentials for an access token.

use super::error::{ApiError, ApiResult};
use super::extract;
use crate::model::api::oauth::{TokenRequest, TokenResponse};
use crate::model::api::ErrorEnvelope;
use crate::model::{AppError, ErrorCode};
use crate::server::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::Json;

/// Exchange client credentials for a bearer token (valid for an hour). The body is JSON, as in
/// the quick start, or form-encoded, as in RFC 6749.
#[utoipa::path(
    post,
    path = "/api/v2/oauth2/token",
    tag = "OAuth2",
    request_body(content(
        (TokenRequest = "application/json"),
        (TokenRequest = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "An access token", body = TokenResponse),
        (status = 400, description = "Malformed request", body = ErrorEnvelope),
        (status = 401, description = "Unknown client, wrong secret or revoked client", body = ErrorEnvelope),
        (status = 429, description = "Too many requests", body = ErrorEnvelope),
    ),
    security(()),
)]
pub async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Json<TokenResponse>> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let req: TokenRequest = match media.as_str() {
        "application/json" => extract::parse(&body)?,
        "application/x-www-form-urlencoded" => serde_urlencoded::from_bytes(&body)
            .map_err(|e| AppError::new(ErrorCode::Invalid, format!("bad form: {e}")))?,
        _ => {
            return Err(AppError::new(
                ErrorCode::BadRequest,
                "the body must be JSON or form-encoded",
            )
            .into())
        }
    };
    match state
        .store
        .issue_token(&req.client_id, &req.client_secret)
        .await?
    {
        Some((access_token, expires)) => Ok(Json(TokenResponse {
            access_token,
            expires,
            token_type: "Bearer".into(),
        })),
        None => Err(ApiError(AppError::new(
            ErrorCode::Unauthorized,
            "unknown client or wrong secret",
        ))),
    }
}
