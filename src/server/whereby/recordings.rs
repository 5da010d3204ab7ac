//! `/recordings`: the organisation's cloud recordings, in Whereby's shape: list (cursor
//! pages), get, delete (one or many), and an access link to the file. Only sealed recordings
//! are shown (a recording still being made or uploaded is not, until its file is complete);
//! local ones (kept on the host's computer) never are. The files and links are
//! [`crate::server::recordings`]'.

use super::auth::Organization;
use super::error::{not_found, RoomsResult};
use super::insights::Query;
use super::meetings::utc;
use super::wire::ErrorBody;
use super::Refusals;
use crate::model::AppError;
use crate::server::recordings;
use crate::server::store::{RecordingCursor, RecordingRow};
use crate::server::AppState;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A recording.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Recording {
    /// The recording's id.
    pub recording_id: String,
    /// The room session it was made in (the insights' `roomSessionId`); null when the room
    /// recorded no session.
    pub room_session_id: Option<String>,
    /// A file name for it: the room's name and the start, `.webm`.
    pub filename: String,
    /// When it started: everyone present had been told (UTC).
    pub start_date: String,
    /// When it ended (UTC).
    pub end_date: String,
    /// The file's size in MiB (1,048,576 bytes), two decimals.
    pub size_in_mega_bytes: f64,
}

impl Recording {
    /// The answer for a stored recording.
    pub fn of(r: &RecordingRow) -> Recording {
        Recording {
            recording_id: r.id.clone(),
            room_session_id: r.session.clone(),
            filename: recordings::filename(r),
            start_date: utc(r.started_at),
            end_date: utc(r.ended_at()),
            size_in_mega_bytes: mebibytes(r.bytes),
        }
    }
}

/// Bytes in MiB, two decimals.
pub fn mebibytes(bytes: i64) -> f64 {
    (bytes.max(0) as f64 / 1_048_576.0 * 100.0).round() / 100.0
}

/// A page of recordings.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RecordingPage {
    /// The recordings.
    pub results: Vec<Recording>,
    /// Where the next page starts; null on the last page.
    pub cursor: Option<String>,
}

/// An access link to a recording's file.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessLink {
    /// The file (`GET`; ranges answered), for anyone holding the link until it expires.
    pub access_link: String,
    /// When the link expires, in milliseconds since the epoch.
    pub expires: i64,
}

/// Recordings to delete.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BulkDelete {
    /// Their ids: 1 to 100.
    #[schema(min_items = 1, max_items = 100)]
    pub recording_ids: Vec<String>,
}

/// The text of a cursor: the start (12 hex digits) and id of the last recording shown.
fn cursor_text(r: &RecordingRow) -> String {
    format!("{:012x}{}", crate::server::store::to_ms(r.started_at), r.id)
}

fn parse_cursor(text: &str) -> Result<RecordingCursor, AppError> {
    let bad = || AppError::invalid("cursor", "is not a cursor this API gave");
    if !text.is_ascii() || text.len() < 12 || !recordings::files::valid_id(&text[12..]) {
        return Err(bad());
    }
    if !text[..12]
        .bytes()
        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(bad());
    }
    let started_ms = i64::from_str_radix(&text[..12], 16).map_err(|_| bad())?;
    Ok(RecordingCursor {
        started_ms,
        id: text[12..].to_string(),
    })
}

/// The organisation's recordings, newest first unless `sortBy` says otherwise, a page at a
/// time.
#[utoipa::path(
    get,
    path = "/whereby/v1/recordings",
    operation_id = "getRecordings",
    tag = "Recordings",
    params(
        ("cursor" = Option<String>, Query, description = "Where the page starts: the `cursor` of the previous page", pattern = "^[0-9a-f]{36,76}$"),
        ("limit" = Option<u32>, Query, description = "At most this many (1 to 100, default 50)", minimum = 1, maximum = 100),
        ("roomName" = Option<String>, Query, description = "Consult: only this room's (`/prefix-…`, exactly)"),
        ("sortBy" = Option<String>, Query, pattern = "^startDate:(asc|desc)$", description = "Consult: `startDate:desc` (default, newest first) or `startDate:asc`"),
    ),
    responses(
        (status = 200, description = "A page of recordings", body = RecordingPage),
        (status = 400, description = "Invalid parameter", body = ErrorBody),
        Refusals,
    ),
    security(("BearerAuth" = [])),
)]
pub async fn list(
    State(state): State<AppState>,
    org: Organization,
    RawQuery(raw): RawQuery,
) -> RoomsResult<Json<RecordingPage>> {
    let q = Query::parse(raw.as_deref(), &["cursor", "limit", "roomName", "sortBy"])?;
    let limit = match q.get("limit") {
        None => 50,
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=100).contains(l))
            .ok_or_else(|| AppError::invalid("limit", "must be a whole number from 1 to 100"))?,
    };
    let newest_first = match q.get("sortBy") {
        None | Some("startDate:desc") => true,
        Some("startDate:asc") => false,
        Some(_) => {
            return Err(AppError::invalid("sortBy", "is startDate:asc or startDate:desc").into())
        }
    };
    let cursor = q.get("cursor").map(parse_cursor).transpose()?;
    let mut rows = state
        .store
        .ready_recordings(
            &org.company,
            q.get("roomName"),
            newest_first,
            cursor.as_ref(),
            limit + 1,
        )
        .await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    Ok(Json(RecordingPage {
        cursor: more.then(|| rows.last().map(cursor_text)).flatten(),
        results: rows.iter().map(Recording::of).collect(),
    }))
}

/// One recording.
#[utoipa::path(
    get,
    path = "/whereby/v1/recordings/{recordingId}",
    operation_id = "getRecording",
    tag = "Recordings",
    params(("recordingId" = String, Path, description = "The recording's id")),
    responses(
        (status = 200, description = "The recording", body = Recording),
        Refusals,
        (status = 404, description = "No such recording (or not sealed yet, or deleted)", body = ErrorBody),
    ),
    security(("BearerAuth" = [])),
)]
pub async fn one(
    State(state): State<AppState>,
    org: Organization,
    Path(id): Path<String>,
) -> RoomsResult<Json<Recording>> {
    let row = state
        .store
        .ready_recording(&org.company, &id)
        .await?
        .ok_or_else(|| not_found("Recording"))?;
    Ok(Json(Recording::of(&row)))
}

/// Delete a recording: its file is removed at once. Idempotent: deleting it again, or an id
/// the organisation has no recording of, answers the same.
#[utoipa::path(
    delete,
    path = "/whereby/v1/recordings/{recordingId}",
    operation_id = "deleteRecording",
    tag = "Recordings",
    params(("recordingId" = String, Path, description = "The recording's id")),
    responses(
        (status = 204, description = "Deleted (now or before)"),
        Refusals,
    ),
    security(("BearerAuth" = [])),
)]
pub async fn remove(
    State(state): State<AppState>,
    org: Organization,
    Path(id): Path<String>,
) -> RoomsResult<StatusCode> {
    recordings::delete(&state, &org.company, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Consult: delete several recordings, as one delete each (ids the organisation has no
/// recording of are passed over).
#[utoipa::path(
    post,
    path = "/whereby/v1/recordings/bulk-delete",
    operation_id = "bulkDeleteRecordings",
    tag = "Recordings",
    request_body = BulkDelete,
    responses(
        (status = 204, description = "Deleted (now or before)"),
        (status = 400, description = "Invalid input", body = ErrorBody),
        Refusals,
    ),
    security(("BearerAuth" = [])),
)]
pub async fn bulk_delete(
    State(state): State<AppState>,
    org: Organization,
    headers: HeaderMap,
    body: Bytes,
) -> RoomsResult<StatusCode> {
    crate::server::api::extract::require_json(&headers)?;
    let input: BulkDelete = crate::server::api::extract::parse(&body)?;
    if input.recording_ids.is_empty() || input.recording_ids.len() > 100 {
        return Err(AppError::invalid("recordingIds", "holds 1 to 100 ids").into());
    }
    for id in &input.recording_ids {
        recordings::delete(&state, &org.company, id).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A link to the recording's file, valid for a while (anyone holding it may fetch the file
/// until then).
#[utoipa::path(
    get,
    path = "/whereby/v1/recordings/{recordingId}/access-link",
    operation_id = "getRecordingAccessLink",
    tag = "Recordings",
    params(
        ("recordingId" = String, Path, description = "The recording's id"),
        ("validForSeconds" = Option<u32>, Query, description = "Seconds the link is valid for: 1 to 43200 (12 hours), default 3600", minimum = 1, maximum = 43200),
    ),
    responses(
        (status = 200, description = "The link", body = AccessLink),
        (status = 400, description = "Invalid parameter", body = ErrorBody),
        Refusals,
        (status = 404, description = "No such recording (or not sealed yet, or deleted)", body = ErrorBody),
    ),
    security(("BearerAuth" = [])),
)]
pub async fn access_link(
    State(state): State<AppState>,
    org: Organization,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> RoomsResult<Json<AccessLink>> {
    let q = Query::parse(raw.as_deref(), &["validForSeconds"])?;
    let seconds = match q.get("validForSeconds") {
        None => 3600,
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|s| (1..=43_200).contains(s))
            .ok_or_else(|| {
                AppError::invalid("validForSeconds", "must be a whole number from 1 to 43200")
            })?,
    };
    let row = state
        .store
        .ready_recording(&org.company, &id)
        .await?
        .ok_or_else(|| not_found("Recording"))?;
    let expires = chrono::Utc::now().timestamp_millis() + seconds * 1000;
    let signature = state.signer.access_signature(&row.id, expires);
    Ok(Json(AccessLink {
        access_link: format!(
            "{}/recordings/{}/file?expires={expires}&signature={signature}",
            state.public_url, row.id
        ),
        expires,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_others() {
        let c = parse_cursor("019e0a1b2c3d0123456789abcdef01234567").unwrap();
        assert_eq!(c.id, "0123456789abcdef01234567");
        assert_eq!(c.started_ms, 0x019e0a1b2c3d);
        for bad in [
            "",
            "zz",
            "ééééééééé",
            "019e0a1b2c3d",
            "019E0A1B2C3D0123456789abcdef01234567",
            "019e0a1b2c3d0123456789abcdef0123456/",
        ] {
            assert_eq!(
                parse_cursor(bad).unwrap_err().field.as_deref(),
                Some("cursor"),
                "{bad}"
            );
        }
        assert_eq!(mebibytes(1_048_576 + 5_243), 1.01);
        assert_eq!(mebibytes(-1), 0.0);
    }
}
