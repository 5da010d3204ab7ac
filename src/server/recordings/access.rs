//! `GET /recordings/{id}/file?expires=&signature=`: a sealed recording, to whoever holds an
//! access link the rooms API made (`…/access-link`), until it expires. Ranges are answered
//! (206), so a player seeks without fetching the whole file; nothing is cached.
//!
//! A link we did not sign (a signature that does not match, a parameter missing) answers 404,
//! as does a recording deleted or not sealed: a link tells nothing of a recording but to
//! its holder. A link we signed that has expired answers 410, saying so: its holder may ask
//! for a new one. Answers are plain text: a browser opens these links.

use super::files::{self, Files};
use crate::server::AppState;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use tower::ServiceExt;

fn text(status: StatusCode, words: &'static str) -> Response {
    (status, words).into_response()
}

fn not_found() -> Response {
    text(StatusCode::NOT_FOUND, "No such recording.")
}

/// Serve the recording an access link names.
pub async fn file(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    req: Request,
) -> Response {
    let (mut expires, mut signature) = (None, None);
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "expires" => expires = v.parse::<i64>().ok(),
            "signature" => signature = Some(v.into_owned()),
            _ => {}
        }
    }
    let (Some(expires), Some(signature)) = (expires, signature) else {
        return not_found();
    };
    if !files::valid_id(&id)
        || !state
            .signer
            .verify_access_signature(&id, expires, &signature)
    {
        return not_found();
    }
    if expires < Utc::now().timestamp_millis() {
        return text(
            StatusCode::GONE,
            "This link has expired. Ask for a new link to the recording.",
        );
    }
    let row = match state.store.recording(&id).await {
        Ok(Some(row)) if row.mode == "cloud" && row.state == "ready" => row,
        Ok(_) => return not_found(),
        Err(_) => return text(StatusCode::INTERNAL_SERVER_ERROR, "Internal error."),
    };
    let Some(files) = Files::of(&state.config.data_dir, &row.company, &row.id) else {
        return not_found();
    };
    // ServeFile answers ranges (206, 416), conditional requests and HEAD; a file deleted in
    // the meantime answers 404.
    let served = tower_http::services::ServeFile::new(files.sealed())
        .oneshot(req)
        .await;
    let mut res = match served {
        Ok(res) => res.map(axum::body::Body::new),
        Err(never) => match never {},
    };
    if !res.status().is_success() {
        return res;
    }
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("video/webm"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    // Opened directly, a browser plays the file in a page of its own making: that page may
    // load this media (and style itself), nothing else, and be framed by no one. (The app's
    // default policy, `default-src 'none'`, would stop the video.) A `<video>` elsewhere
    // that links here is not under this policy.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{}\"", super::filename(&row)))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}
