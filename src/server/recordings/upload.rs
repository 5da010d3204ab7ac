//! The host's uploads, from its own page (same origin), each with the recording's ticket in
//! `X-Upload-Ticket`:
//!
//! - `PUT /recordings/{id}/chunks/{seq}` with the chunk as the body (at most 16 MiB), and
//!   `?last=true` on the last one, which seals the file. Chunks count from 0. The one expected
//!   next is appended (204); one stored before answers 204 again (a retry after a lost
//!   answer); one past it answers 409 `{"error", "next"}`: the page sends from `next` on.
//! - `GET /recordings/{id}/chunks`: `{"next": n}`, where a page that lost track resumes.
//!
//! A missing or wrong ticket, or an id not of our shape, answers 404 like an unknown id: no
//! answer tells whether a recording exists. The row is written by the hub as the recording
//! starts, and may come a moment after the page's first chunk: 503 with `Retry-After: 1`
//! then. A local recording (kept on the host's computer) takes no upload: 403. A sealed or
//! deleted one: 410. Over the company's storage limit: 413 `{"error": "storage limit
//! reached"}`, nothing stored.
//!
//! A chunk is read whole before anything is written: one cut short (the connection lost)
//! changes nothing, and its retry is the same chunk. A chunk is durable (fsync) before the
//! row counts it; a crash in between leaves extra bytes the next write of that chunk cuts
//! first (see [`super::files::Files::append`]).

use super::files::{self, Files};
use super::turn;
use crate::model::AppError;
use crate::server::store::RecordingRow;
use crate::server::AppState;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use futures::StreamExt;
use serde_json::json;

/// Largest chunk taken.
pub const MAX_CHUNK: usize = 16 * 1024 * 1024;

/// The header that carries the upload ticket.
pub const TICKET_HEADER: &str = "x-upload-ticket";

const MIB: i64 = 1024 * 1024;

/// `{"error": …}` with `status`.
fn refuse(status: StatusCode, error: &str) -> Response {
    (status, Json(json!({ "error": error }))).into_response()
}

fn not_found() -> Response {
    refuse(StatusCode::NOT_FOUND, "no such recording")
}

fn internal(_: AppError) -> Response {
    refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
}

/// The recording the ticket's holder may upload to, or the answer refusing it.
async fn uploadable(
    state: &AppState,
    id: &str,
    headers: &HeaderMap,
) -> Result<RecordingRow, Response> {
    let ticket = headers
        .get(TICKET_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !files::valid_id(id) || !state.signer.verify_upload_ticket(id, ticket) {
        return Err(not_found());
    }
    match state.store.recording(id).await.map_err(internal)? {
        None => {
            // The ticket is ours, so the row is on its way (the hub writes it as the
            // recording starts, beside telling the page).
            let mut res = refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "the recording is not registered yet: try again in a second",
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            Err(res)
        }
        Some(r) if r.mode != "cloud" => Err(refuse(
            StatusCode::FORBIDDEN,
            "a local recording stays on the host's computer: nothing is uploaded",
        )),
        Some(r) if r.state == "ready" => Err(refuse(StatusCode::GONE, "the recording is sealed")),
        Some(r) if r.state == "deleted" => {
            Err(refuse(StatusCode::GONE, "the recording was deleted"))
        }
        Some(r) => Ok(r),
    }
}

/// `GET /recordings/{id}/chunks`: the chunk expected next.
pub async fn next(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    match uploadable(&state, &id, &headers).await {
        Ok(row) => Json(json!({ "next": row.next_chunk })).into_response(),
        Err(res) => res,
    }
}

/// `PUT /recordings/{id}/chunks/{seq}[?last=true]`: store a chunk.
pub async fn chunk(
    State(state): State<AppState>,
    Path((id, seq)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let row = match uploadable(&state, &id, &headers).await {
        Ok(row) => row,
        Err(res) => return res,
    };
    let Some(seq) = seq
        .parse::<i64>()
        .ok()
        .filter(|s| *s >= 0 && seq.bytes().all(|b| b.is_ascii_digit()))
    else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "seq: must be a whole number from 0",
        );
    };
    let mut last = false;
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match (k.as_ref(), v.as_ref()) {
            ("last", "true") => last = true,
            ("last", "false") => last = false,
            ("last", _) => return refuse(StatusCode::BAD_REQUEST, "last: must be true or false"),
            _ => return refuse(StatusCode::BAD_REQUEST, "only last is a parameter here"),
        }
    }
    if seq != row.next_chunk {
        return settled(&state, &row, seq, last, &headers).await;
    }
    // Read before taking the recording's turn: a slow connection holds up no one else.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_CHUNK as u64) {
        return too_large();
    }
    let chunk = match read(body).await {
        Ok(chunk) => chunk,
        Err(res) => return res,
    };
    match state.store.recording_usage(&row.company).await {
        Ok((used, limit_mb)) if used + chunk.len() as i64 > limit_mb.saturating_mul(MIB) => {
            return refuse(StatusCode::PAYLOAD_TOO_LARGE, "storage limit reached")
        }
        Ok(_) => {}
        Err(e) => return internal(e),
    }
    let held = turn(&id).await;
    // Read again under the turn: a retry of this chunk may have stored it meanwhile, or the
    // recording been deleted.
    let row = match uploadable(&state, &id, &headers).await {
        Ok(row) => row,
        Err(res) => return res,
    };
    if seq != row.next_chunk {
        drop(held);
        return settled(&state, &row, seq, last, &headers).await;
    }
    let Some(files) = Files::of(&state.config.data_dir, &row.company, &row.id) else {
        return not_found();
    };
    let stored = row.bytes.max(0) as u64;
    let written =
        match super::blocking("writing a chunk", move || files.append(stored, &chunk)).await {
            Ok(n) => n,
            Err(e) => return internal(e),
        };
    let now = Utc::now();
    match state
        .store
        .recording_chunk_stored(&id, seq, written as i64, now)
        .await
    {
        Ok(true) => {}
        // Under the turn only another node could have counted it: say where things stand.
        Ok(false) => return conflict(&state, &id).await,
        Err(e) => return internal(e),
    }
    if last {
        let row = match state.store.recording(&id).await {
            Ok(Some(row)) => row,
            Ok(None) => return not_found(),
            Err(e) => return internal(e),
        };
        if let Err(e) = super::seal(&state, &row, now).await {
            return internal(e);
        }
    }
    drop(held);
    StatusCode::NO_CONTENT.into_response()
}

/// A chunk other than the one expected: stored before (204, and sealed now if it was the
/// last and the seal had not happened), or ahead of it (409).
async fn settled(
    state: &AppState,
    row: &RecordingRow,
    seq: i64,
    last: bool,
    headers: &HeaderMap,
) -> Response {
    if seq > row.next_chunk {
        return refuse_ahead(row.next_chunk);
    }
    if last && seq + 1 == row.next_chunk {
        let _turn = turn(&row.id).await;
        let row = match uploadable(state, &row.id, headers).await {
            Ok(row) => row,
            // Sealed meanwhile: the chunk is in the file.
            Err(res) if res.status() == StatusCode::GONE => {
                return StatusCode::NO_CONTENT.into_response()
            }
            Err(res) => return res,
        };
        if let Err(e) = super::seal(state, &row, Utc::now()).await {
            return internal(e);
        }
    }
    StatusCode::NO_CONTENT.into_response()
}

fn refuse_ahead(next: i64) -> Response {
    (
        StatusCode::CONFLICT,
        Json(json!({ "error": format!("chunk {next} is expected next"), "next": next })),
    )
        .into_response()
}

async fn conflict(state: &AppState, id: &str) -> Response {
    match state.store.recording(id).await {
        Ok(Some(row)) if matches!(row.state.as_str(), "recording" | "stopped") => {
            refuse_ahead(row.next_chunk)
        }
        Ok(_) => refuse(StatusCode::GONE, "the recording is sealed or deleted"),
        Err(e) => internal(e),
    }
}

fn too_large() -> Response {
    refuse(
        StatusCode::PAYLOAD_TOO_LARGE,
        "a chunk is at most 16 MiB: send smaller ones",
    )
}

/// The whole body, at most [`MAX_CHUNK`] bytes; a body cut short is refused (nothing of it
/// is kept).
async fn read(body: Body) -> Result<Vec<u8>, Response> {
    let mut stream = body.into_data_stream();
    let mut chunk = Vec::new();
    while let Some(part) = stream.next().await {
        let part = part.map_err(|_| {
            refuse(
                StatusCode::BAD_REQUEST,
                "the chunk did not arrive whole: send it again",
            )
        })?;
        if chunk.len() + part.len() > MAX_CHUNK {
            return Err(too_large());
        }
        chunk.extend_from_slice(&part);
    }
    Ok(chunk)
}
