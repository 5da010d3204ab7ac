//! Console authentication: single-use login links and session cookies.
//!
//! A login link (`/login/{token}`, printed by `consult demo`, later minted by the REST API's
//! autologin) is exchanged once for a session cookie: HttpOnly, SameSite=Lax, ending after
//! [`SESSION_IDLE`] without use or [`SESSION_ABSOLUTE`] at the latest.

use super::store::SessionUser;
use super::AppState;
use crate::model::AppError;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Duration;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "consult_session";
/// A session unused this long ends.
pub const SESSION_IDLE: Duration = Duration::hours(2);
/// A session ends this long after login, used or not.
pub const SESSION_ABSOLUTE: Duration = Duration::hours(12);

/// Routes: `GET /login/{token}`, `POST /logout`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login/{token}", get(login))
        .route("/logout", post(logout))
}

/// The value of a cookie in a request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The user of the request's session cookie, if it is live.
pub async fn session_user(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<SessionUser>, AppError> {
    match cookie(headers, SESSION_COOKIE) {
        Some(token) if !token.is_empty() && token.len() <= 128 => {
            state.store.session_user(token, SESSION_IDLE).await
        }
        _ => Ok(None),
    }
}

fn session_cookie(state: &AppState, value: &str, max_age: i64) -> String {
    let secure = if state.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

async fn login(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let user = if token.len() <= 128 {
        state.store.consume_login_link(&token).await
    } else {
        Ok(None)
    };
    match user {
        Ok(Some(user)) => match state.store.create_session(&user, SESSION_ABSOLUTE).await {
            Ok(session) => (
                StatusCode::SEE_OTHER,
                [
                    (header::SET_COOKIE, session_cookie(&state, &session, SESSION_ABSOLUTE.num_seconds())),
                    (header::LOCATION, "/console".to_string()),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                ],
            )
                .into_response(),
            Err(e) => e.into_response(),
        },
        Ok(None) => (
            StatusCode::GONE,
            Html(
                "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Login link expired</title>\
                 <main><h1>This login link is no longer valid</h1>\
                 <p>Login links work once and expire. Ask for a new one.</p></main></html>",
            ),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        if let Err(e) = state.store.delete_session(token).await {
            return e.into_response();
        }
    }
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, session_cookie(&state, "", 0)),
            (header::LOCATION, "/console".to_string()),
        ],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; consult_session=abc; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&h, "consult_session"), Some("abc"));
        assert_eq!(cookie(&h, "missing"), None);
    }
}
