//! The rooms API's gate: the organisation's API key, its point budget per minute (read 1,
//! delete 2, write 3, shared by all its keys), and the headers every answer carries.

use super::error::RoomsError;
use super::wire::{RateLimitData, RateLimited};
use crate::model::{AppError, ErrorCode};
use crate::server::api::quota::Standing;
use crate::server::store::{Quota, QuotaUnit};
use crate::server::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

/// The organisation a request acts for.
#[derive(Clone, Debug)]
pub struct Organization {
    /// Its company id.
    pub company: String,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Organization {
    type Rejection = RoomsError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, RoomsError> {
        parts
            .extensions
            .get::<Organization>()
            .cloned()
            .ok_or_else(|| RoomsError(AppError::new(ErrorCode::Unauthorized, "Unauthorized")))
    }
}

/// Points a request costs, as the seed counts them.
fn cost(method: &Method) -> u32 {
    match *method {
        Method::GET | Method::HEAD => 1,
        Method::DELETE => 2,
        _ => 3,
    }
}

/// Authenticate, spend the request's points, and stamp the answer.
pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() == Method::OPTIONS {
        let mut res = StatusCode::NO_CONTENT.into_response();
        stamp(res.headers_mut(), None);
        return res;
    }
    let (pending, mut req) = crate::server::audit::Pending::of(req).await;
    let holder = match crate::server::api::caller::bearer(req.headers()) {
        Some(k) => state.store.key_holder(k).await,
        None => Ok(None),
    };
    let holder = match holder {
        Ok(Some(h)) => h,
        Ok(None) => {
            let mut res = RoomsError(AppError::new(
                ErrorCode::Unauthorized,
                "Unauthorized: a valid API key is needed (Authorization: Bearer …)",
            ))
            .into_response();
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            stamp(res.headers_mut(), None);
            return res;
        }
        Err(e) => {
            let mut res = RoomsError(e).into_response();
            stamp(res.headers_mut(), None);
            return res;
        }
    };
    let throttle = format!("organization:{}", holder.company);
    let budget = Quota {
        limit: holder.points,
        interval: 1,
        unit: QuotaUnit::Minute,
    };
    let now = Utc::now();
    let standing = state
        .quotas
        .spend(&throttle, budget, cost(req.method()), now)
        .await;
    if !standing.allowed {
        let ms_left = (standing.reset - now).num_milliseconds().max(1);
        let mut res = (
            StatusCode::TOO_MANY_REQUESTS,
            axum::Json(RateLimited {
                error: format!("Rate limit active for throttle key: {throttle}"),
                data: RateLimitData { ms_left },
            }),
        )
            .into_response();
        let seconds = (ms_left + 999) / 1000;
        if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        stamp(res.headers_mut(), Some(&standing));
        return res;
    }
    let actor = crate::server::audit::Actor::ApiKey {
        id: holder.key_id.clone(),
        company: holder.company.clone(),
    };
    req.extensions_mut().insert(Organization {
        company: holder.company,
    });
    let res = bare_errors(next.run(req).await);
    let mut res = crate::server::audit::finish(&state, Some(actor), pending, res).await;
    stamp(res.headers_mut(), Some(&standing));
    res
}

/// Routing answers (an unknown path, a wrong method, a body too large) come without a body:
/// give them Whereby's, keeping their headers (`Allow`).
fn bare_errors(res: Response) -> Response {
    let status = res.status();
    let words = match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::METHOD_NOT_ALLOWED => "Method not allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "The body is too large",
        _ => return res,
    };
    if res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"))
    {
        return res;
    }
    let (mut parts, _) = res.into_parts();
    let body = serde_json::json!({ "error": words }).to_string();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// The headers of every answer: the budget (`X-RateLimit-*`), no caching, CORS.
fn stamp(h: &mut HeaderMap, standing: Option<&Standing>) {
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    };
    if let Some(s) = standing {
        set("x-ratelimit-limit", s.quota.limit.to_string());
        set(
            "x-ratelimit-remaining",
            s.quota.limit.saturating_sub(s.used).to_string(),
        );
        // A date, as the seed says: when the budget is whole again (HTTP date format).
        set(
            "x-ratelimit-reset",
            s.reset.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        );
    }
    // Answers carry host links: no cache may keep them.
    set("cache-control", "no-store".into());
    set("access-control-allow-origin", "*".into());
    set(
        "access-control-allow-headers",
        "authorization, content-type".into(),
    );
    set(
        "access-control-allow-methods",
        "GET, POST, PUT, DELETE, OPTIONS".into(),
    );
    set(
        "access-control-expose-headers",
        "x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset, retry-after".into(),
    );
}
