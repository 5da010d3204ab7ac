//! The API middleware: CORS preflight, bearer-token authentication, quotas, and the headers
//! every answer carries (`api-version`, `sunset`, quota, HSTS, CORS).

use super::error::{envelope, ApiError};
use super::quota::Standing;
use crate::model::{AppError, ErrorCode};
use crate::server::audit;
use crate::server::store::{Quota, Scope};
use crate::server::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{SecondsFormat, Utc};

/// The API client a request was made by.
#[derive(Clone, Debug)]
pub struct Caller {
    /// Client id.
    pub client_id: String,
    /// Client name.
    pub name: String,
    /// What it may see and touch.
    pub scope: Scope,
}

/// The version this server speaks.
pub const API_VERSION: &str = "v2";

/// Paths reachable without a token (the middleware sees paths inside `/api/v2`).
fn is_public(path: &str) -> bool {
    path == "/oauth2/token" || path == "/api/v2/oauth2/token"
}

/// The bearer token of `Authorization: Bearer …` (both APIs read their credentials so).
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty() && t.len() <= 128)
}

fn client_address(state: &AppState, req: &Request) -> String {
    crate::server::client::address(
        &state.config.trusted_proxies,
        req.headers(),
        req.extensions(),
    )
    .map(crate::server::client::limit_key)
    .unwrap_or_else(|| "anonymous".into())
}

/// Run one API request through authentication and quota, and stamp the standard headers.
pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() == Method::OPTIONS {
        let mut res = StatusCode::NO_CONTENT.into_response();
        stamp(res.headers_mut(), None);
        return res;
    }
    let path = req.uri().path().to_string();
    let (pending, mut req) = audit::Pending::of(req).await;
    let mut actor = None;
    let (key, quota) = if is_public(&path) {
        (
            format!("ip:{}", client_address(&state, &req)),
            state.config.anonymous_quota,
        )
    } else {
        let caller = match bearer(req.headers()) {
            Some(token) => state.store.caller(token).await,
            None => Ok(None),
        };
        match caller {
            Ok(Some(c)) => {
                let key = format!("client:{}", c.client_id);
                let quota = c.quota;
                actor = Some(audit::Actor::ApiClient {
                    id: c.client_id.clone(),
                    scope: c.scope.clone(),
                });
                req.extensions_mut().insert(Caller {
                    client_id: c.client_id,
                    name: c.name,
                    scope: c.scope,
                });
                (key, quota)
            }
            Ok(None) => {
                let mut res = ApiError(AppError::new(
                    ErrorCode::Unauthorized,
                    "a valid access token is needed (Authorization: Bearer …; tokens expire after an hour)",
                ))
                .into_response();
                res.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                stamp(res.headers_mut(), None);
                return res;
            }
            Err(e) => {
                let mut res = ApiError(e).into_response();
                stamp(res.headers_mut(), None);
                return res;
            }
        }
    };
    let standing = state.quotas.count(&key, quota, Utc::now()).await;
    if !standing.allowed {
        let mut res = ApiError(AppError::new(
            ErrorCode::TooManyRequests,
            "the call quota is used up; see quota-reset-UTC",
        ))
        .into_response();
        let wait = (standing.reset - Utc::now()).num_seconds().max(1);
        if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        stamp(res.headers_mut(), Some(&standing));
        return res;
    }
    let res = envelope_bare_errors(next.run(req).await).await;
    let mut res = audit::finish(&state, actor, pending, res).await;
    stamp(res.headers_mut(), Some(&standing));
    res
}

/// Routing answers (404 for an unknown path, 405 for a wrong method) come without a body;
/// give them the envelope, keeping their headers (`Allow`).
async fn envelope_bare_errors(res: Response) -> Response {
    let status = res.status();
    if !(status == StatusCode::NOT_FOUND
        || status == StatusCode::METHOD_NOT_ALLOWED
        || status == StatusCode::PAYLOAD_TOO_LARGE)
    {
        return res;
    }
    if res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"))
    {
        return res;
    }
    let (mut parts, _) = res.into_parts();
    let err = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = parts
                .headers
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            AppError::new(
                ErrorCode::BadRequest,
                format!("method not allowed here; allowed: {allowed}"),
            )
        }
        StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::new(ErrorCode::BadRequest, "the body is too large")
        }
        _ => AppError::not_found("resource"),
    };
    let body = serde_json::to_vec(&envelope(&err)).unwrap_or_default();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}

/// The headers of every API answer.
pub fn stamp(h: &mut HeaderMap, standing: Option<&Standing>) {
    let set = |h: &mut HeaderMap, name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    };
    set(h, "api-version", API_VERSION.into());
    // Answers carry tokens, client secrets, login and join links, personal data: no cache
    // anywhere may keep them (RFC 6749 §5.1 asks this of the token endpoint).
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, "cache-control", "no-store".into());
        set(h, "pragma", "no-cache".into());
    }
    set(h, "sunset", "n/a".into());
    set(
        h,
        "strict-transport-security",
        "max-age=31536000; includeSubDomains; preload".into(),
    );
    set(h, "access-control-allow-origin", "*".into());
    set(h, "access-control-allow-credentials", "false".into());
    set(
        h,
        "access-control-allow-headers",
        "authorization, content-type".into(),
    );
    set(
        h,
        "access-control-allow-methods",
        "GET, POST, PUT, PATCH, DELETE, OPTIONS".into(),
    );
    set(h, "access-control-max-age", "600".into());
    set(
        h,
        "access-control-expose-headers",
        "api-version, sunset, quota-interval, quota-limit, quota-reset-UTC, quota-time-unit, quota-used, retry-after, x-total-count, link"
            .into(),
    );
    let (quota, used, reset) = match standing {
        Some(s) => (s.quota, s.used, s.reset),
        None => (Quota::default(), 0, Utc::now()),
    };
    set(h, "quota-interval", quota.interval.to_string());
    set(h, "quota-limit", quota.limit.to_string());
    set(
        h,
        "quota-reset-UTC",
        reset.to_rfc3339_opts(SecondsFormat::Secs, true),
    );
    set(h, "quota-time-unit", quota.unit.as_str().into());
    set(h, "quota-used", used.to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, "bearer  abc ".parse().unwrap());
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, "Bearer ".parse().unwrap());
        assert_eq!(bearer(&h), None);
    }
}
