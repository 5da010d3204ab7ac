//! `GET /recordings/{id}/file?expires=&signature=`: a sealed recording, to whoever holds an
//! access link the rooms API made (`…/access-link`), until it expires. Ranges are answered
//! (206), so a player seeks without fetching the whole file; nothing is cached.
//!
//! With a bucket ([`super::bucket`]) the file is read from it, a range at a time as asked
//! (see [`range`]): any node serves any recording. A file sealed before the bucket was
//! configured is still served from the disk it is on.
//!
//! A link we did not sign (a signature that does not match, a parameter missing) answers 404,
//! as does a recording deleted or not sealed: a link tells nothing of a recording but to
//! its holder. A link we signed that has expired answers 410, saying so: its holder may ask
//! for a new one. Answers are plain text: a browser opens these links.

use super::bucket::Bucket;
use super::files::{self, Files};
use super::range::{self, Ranged};
use crate::server::store::RecordingRow;
use crate::server::AppState;
use axum::body::Body;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
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
    let sealed = files.sealed();
    // A file on this disk is served from it: every file without a bucket, and with one those
    // sealed before it was configured (they stay where they are).
    let on_disk = tokio::fs::try_exists(&sealed).await.unwrap_or(false);
    let mut res = match &state.recordings_bucket {
        Some(bucket) if !on_disk => {
            // Read here: the request (its body) stays out of the store's await.
            let asked = req
                .headers()
                .get(header::RANGE)
                .and_then(|v| v.to_str().ok())
                .map(String::from);
            let head = req.method() == Method::HEAD;
            drop(req);
            from_bucket(bucket, &row, asked.as_deref(), head).await
        }
        _ => {
            // ServeFile answers ranges (206, 416), conditional requests and HEAD; a file
            // deleted in the meantime answers 404.
            let served = tower_http::services::ServeFile::new(sealed)
                .oneshot(req)
                .await;
            match served {
                Ok(res) => res.map(Body::new),
                Err(never) => match never {},
            }
        }
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

/// The recording's file from the bucket: the whole (200), the one range asked (206), or 416
/// for a range past its end; 404 when the object is gone, 503 when the store cannot be
/// reached. `asked`: the request's `Range`; `head`: a HEAD request, for which the store is
/// asked the object's size only.
async fn from_bucket(
    bucket: &Bucket,
    row: &RecordingRow,
    asked: Option<&str>,
    head: bool,
) -> Response {
    // The size the seal recorded is the object's (checked as it was uploaded): a range is
    // judged without asking the store first.
    let size = row.bytes.max(0) as u64;
    let (status, bytes) = match range::parse(asked, size) {
        Ranged::Whole => (StatusCode::OK, 0..size),
        Ranged::Part(r) => (StatusCode::PARTIAL_CONTENT, r),
        Ranged::Unsatisfiable => {
            let mut res = text(StatusCode::RANGE_NOT_SATISFIABLE, "No such range.");
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                res.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return res;
        }
    };
    let unreachable = || {
        text(
            StatusCode::SERVICE_UNAVAILABLE,
            "The recording cannot be read right now. Try again in a moment.",
        )
    };
    let body = if head {
        match bucket.size(&row.company, &row.id).await {
            Ok(Some(_)) => Body::empty(),
            Ok(None) => return not_found(),
            Err(_) => return unreachable(),
        }
    } else {
        let part = (status == StatusCode::PARTIAL_CONTENT).then(|| bytes.clone());
        match bucket.get(&row.company, &row.id, part).await {
            Ok(Some(got)) if got.meta.size == size && got.range == bytes => {
                Body::from_stream(Bucket::stream(got))
            }
            Ok(Some(_)) => {
                tracing::error!("a recording's object is not the size its seal recorded");
                return text(StatusCode::INTERNAL_SERVER_ERROR, "Internal error.");
            }
            Ok(None) => return not_found(),
            Err(_) => return unreachable(),
        }
    };
    let mut res = Response::new(body);
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(bytes.end - bytes.start),
    );
    if status == StatusCode::PARTIAL_CONTENT {
        if let Ok(v) =
            HeaderValue::from_str(&format!("bytes {}-{}/{size}", bytes.start, bytes.end - 1))
        {
            h.insert(header::CONTENT_RANGE, v);
        }
    }
    res
}
