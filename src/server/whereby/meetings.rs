//! `/meetings`: create, list (cursor pages), get and delete transient rooms, in Whereby's
//! shape; a thin adapter over [`crate::server::services::rooms`].

use super::auth::Organization;
use super::error::{not_found, RoomsResult};
use super::wire::{
    ErrorBody, Field, Meeting, MeetingInput, MeetingPage, RoomMode, RoomNamePattern, TemplateType,
};
use super::Refusals;
use crate::model::AppError;
use crate::server::services::rooms::{self, NewRoom};
use crate::server::store::RoomRow;
use crate::server::AppState;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

/// A date as Whereby writes them: UTC, milliseconds, `Z`.
pub fn utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A date-time with any offset, or none (then UTC).
fn date_time(field: &str, value: &str) -> Result<DateTime<Utc>, AppError> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f").map(|t| t.and_utc())
        })
        .map_err(|_| {
            AppError::invalid(
                field,
                "must be a date-time such as 2026-05-07T17:42:49Z or 2026-05-07T17:42:49-05:00",
            )
        })
}

/// The answer for a room, with the extra fields asked for.
fn meeting(state: &AppState, room: &RoomRow, fields: &[Field]) -> Meeting {
    let links = rooms::links(state, room);
    Meeting {
        meeting_id: room.id.clone(),
        room_name: room.name.clone(),
        room_url: links.guest,
        start_date: utc(room.starts_at),
        end_date: utc(room.ends_at),
        host_room_url: fields.contains(&Field::HostRoomUrl).then_some(links.host),
        viewer_room_url: fields
            .contains(&Field::ViewerRoomUrl)
            .then_some(links.viewer),
    }
}

/// The query of a read: `fields` (repeated or comma-separated), and for lists `limit` and
/// `cursor`. Anything else is an error, so a misspelt parameter is not silently ignored.
#[derive(Debug, Default)]
struct ReadQuery {
    fields: Vec<Field>,
    limit: Option<String>,
    cursor: Option<String>,
}

fn read_query(raw: Option<&str>, list: bool) -> Result<ReadQuery, AppError> {
    let mut q = ReadQuery::default();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "fields" | "fields[]" => {
                // Every item must be a field: an empty one (`fields=`, `a,,b`) is an error
                // too, so an empty value cannot be read two ways.
                for f in v.split(',') {
                    let field = match f {
                        "hostRoomUrl" => Field::HostRoomUrl,
                        "viewerRoomUrl" => Field::ViewerRoomUrl,
                        _ => {
                            return Err(AppError::invalid(
                                "fields",
                                "may name hostRoomUrl and viewerRoomUrl",
                            ))
                        }
                    };
                    if !q.fields.contains(&field) {
                        q.fields.push(field);
                    }
                }
            }
            "limit" if list => q.limit = Some(v.into_owned()),
            "cursor" if list => q.cursor = Some(v.into_owned()),
            other => {
                return Err(AppError::invalid(
                    &crate::model::error::bounded(other),
                    "is not a parameter here",
                ))
            }
        }
    }
    Ok(q)
}

/// Create a transient room, available from now until an hour after `endDate`.
#[utoipa::path(
    post,
    path = "/whereby/v1/meetings",
    operation_id = "createMeeting",
    tag = "Meetings",
    request_body = MeetingInput,
    responses(
        (status = 201, description = "The meeting", body = Meeting),
        (status = 400, description = "Invalid input", body = ErrorBody),
        Refusals,
    ),
    security(("BearerAuth" = [])),
)]
pub async fn create(
    State(state): State<AppState>,
    org: Organization,
    headers: HeaderMap,
    body: Bytes,
) -> RoomsResult<Response> {
    crate::server::api::extract::require_json(&headers)?;
    let input: MeetingInput = crate::server::api::extract::parse(&body)?;
    let ends_at = date_time("endDate", &input.end_date)?;
    if let Some(start) = &input.start_date {
        // Ignored, as the seed says, but a date it must be.
        date_time("startDate", start)?;
    }
    if input.room_mode == Some(RoomMode::Group) {
        return Err(AppError::invalid(
            "roomMode",
            "group rooms need a media server, which Consult does not have yet; use normal (up to 4 people)",
        )
        .into());
    }
    if input.streaming.as_ref().is_some_and(|s| !s.is_null()) {
        return Err(AppError::invalid(
            "streaming",
            "live streaming needs a media server, which Consult does not have yet",
        )
        .into());
    }
    let recording = match &input.recording {
        Some(r) if r.destination.as_ref().is_some_and(|d| !d.is_null()) => {
            return Err(AppError::invalid(
                "recording.destination",
                "recordings are kept by Consult; a storage bucket of your own is not supported",
            )
            .into())
        }
        Some(r) => Some(serde_json::to_string(r).map_err(|_| AppError::internal())?),
        None => None,
    };
    let prefix = crate::model::room::prefix(input.room_name_prefix.as_deref().unwrap_or(""))
        .map_err(|m| AppError::invalid("roomNamePrefix", m))?;
    let viewer_mode = input.template_type == Some(TemplateType::ViewerMode);
    let room = rooms::create(
        &state,
        NewRoom {
            company: org.company,
            is_locked: viewer_mode || input.is_locked.unwrap_or(false),
            template: viewer_mode.then_some("viewerMode"),
            recording,
            prefix,
            human_short: input.room_name_pattern == Some(RoomNamePattern::HumanShort),
            ends_at,
        },
    )
    .await?;
    let mut fields = input.fields.unwrap_or_default();
    if viewer_mode {
        // The template adds both links, as the seed says.
        fields.extend([Field::HostRoomUrl, Field::ViewerRoomUrl]);
    }
    Ok((StatusCode::CREATED, Json(meeting(&state, &room, &fields))).into_response())
}

/// The organisation's live meetings, oldest first, a page at a time.
#[utoipa::path(
    get,
    path = "/whereby/v1/meetings",
    operation_id = "getMeetings",
    tag = "Meetings",
    params(
        ("cursor" = Option<String>, Query, description = "Where the page starts: the `cursor` of the previous page", pattern = "^[0-9a-f]{36}$"),
        ("limit" = Option<u32>, Query, description = "At most this many (1 to 100, default 50)", minimum = 1, maximum = 100),
        ("fields" = Option<Vec<Field>>, Query, description = "Extra fields: hostRoomUrl, viewerRoomUrl (at least one when given)", explode = false, min_items = 1),
    ),
    responses(
        (status = 200, description = "A page of meetings", body = MeetingPage),
        (status = 400, description = "Invalid parameter", body = ErrorBody),
        Refusals,
    ),
    security(("BearerAuth" = [])),
)]
pub async fn list(
    State(state): State<AppState>,
    org: Organization,
    RawQuery(raw): RawQuery,
) -> RoomsResult<Json<MeetingPage>> {
    let q = read_query(raw.as_deref(), true)?;
    let limit = match q.limit.as_deref() {
        None => 50,
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=100).contains(l))
            .ok_or_else(|| AppError::invalid("limit", "must be a whole number from 1 to 100"))?,
    };
    let cursor = q.cursor.as_deref().map(rooms::parse_cursor).transpose()?;
    let (rooms, next) = rooms::page(&state, &org.company, cursor.as_ref(), limit).await?;
    Ok(Json(MeetingPage {
        results: rooms
            .iter()
            .map(|r| meeting(&state, r, &q.fields))
            .collect(),
        cursor: next,
    }))
}

/// One meeting.
#[utoipa::path(
    get,
    path = "/whereby/v1/meetings/{meetingId}",
    operation_id = "getMeeting",
    tag = "Meetings",
    params(
        ("meetingId" = String, Path, description = "The meeting's id"),
        ("fields" = Option<Vec<Field>>, Query, description = "Extra fields: hostRoomUrl, viewerRoomUrl (at least one when given)", explode = false, min_items = 1),
    ),
    responses(
        (status = 200, description = "The meeting", body = Meeting),
        (status = 400, description = "Invalid parameter", body = ErrorBody),
        Refusals,
        (status = 404, description = "No such meeting (or over)", body = ErrorBody),
    ),
    security(("BearerAuth" = [])),
)]
pub async fn one(
    State(state): State<AppState>,
    org: Organization,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> RoomsResult<Json<Meeting>> {
    let q = read_query(raw.as_deref(), false)?;
    let room = state
        .store
        .room(&org.company, &id)
        .await?
        .ok_or_else(|| not_found("Meeting"))?;
    Ok(Json(meeting(&state, &room, &q.fields)))
}

/// Delete a meeting: its links die at once. Idempotent: deleting it again answers the same.
#[utoipa::path(
    delete,
    path = "/whereby/v1/meetings/{meetingId}",
    operation_id = "deleteMeeting",
    tag = "Meetings",
    params(("meetingId" = String, Path, description = "The meeting's id")),
    responses(
        (status = 204, description = "Deleted (now or before)"),
        Refusals,
        (status = 404, description = "The organisation never had such a meeting", body = ErrorBody),
    ),
    security(("BearerAuth" = [])),
)]
pub async fn remove(
    State(state): State<AppState>,
    org: Organization,
    Path(id): Path<String>,
) -> RoomsResult<StatusCode> {
    match rooms::delete(&state, &org.company, &id).await? {
        Some(()) => Ok(StatusCode::NO_CONTENT),
        None => Err(not_found("Meeting")),
    }
}
