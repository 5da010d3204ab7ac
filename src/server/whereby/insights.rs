//! `/insights/…`: what happened in the organisation's rooms, as the hub recorded it (sessions,
//! participants, their network samples), in Whereby's shape. Nothing here is estimated.

use super::auth::Organization;
use super::error::{not_found, RoomsResult};
use super::meetings::utc;
use super::wire::ErrorBody;
use super::Refusals;
use crate::model::AppError;
use crate::server::AppState;
use axum::extract::{RawQuery, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// How often the call page reports its network (the `sampleRateMs` of a participant).
pub const SAMPLE_RATE_MS: u32 = 2000;

/// A room's insights.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoomInsight {
    /// `/prefix-…`.
    pub room_name: String,
    /// When the room was made.
    pub created_at: String,
    /// The room's end.
    pub end_at: String,
    /// Its first session's start.
    pub first_session_started_at: String,
    /// Its last session's start.
    pub last_session_started_at: String,
    /// Minutes people spent in it, summed.
    pub total_participant_minutes: f64,
    /// Participants over all sessions.
    pub total_unique_participants: i64,
    /// Sessions.
    pub total_sessions: i64,
}

/// A session's insights.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionInsight {
    /// The session.
    pub room_session_id: String,
    /// The room.
    pub room_name: String,
    /// First person in.
    pub started_at: String,
    /// Last person out; null while it runs.
    pub ended_at: Option<String>,
    /// Minutes people spent in it, summed.
    pub total_participant_minutes: f64,
    /// Participants.
    pub total_unique_participants: i64,
}

/// A participant of a session.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantInsight {
    /// The session.
    pub room_session_id: String,
    /// The participant.
    pub participant_id: String,
    /// The name they gave.
    pub display_name: String,
    /// `host`, `guest` or `viewer`.
    pub role_name: String,
    /// In.
    pub joined_at: String,
    /// Out; null while in.
    pub left_at: Option<String>,
    /// The `external-id` their page gave; null without.
    pub external_id: Option<String>,
}

/// A participant's network over the session.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantDetail {
    /// The name they gave.
    pub display_name: String,
    /// `host`, `guest` or `viewer`.
    pub user_role: String,
    /// Their browser's user agent, as it connected (null when it sent none).
    pub user_agent: Option<String>,
    /// When they joined.
    pub time_stamp: String,
    /// How often samples are taken.
    pub sample_rate_ms: u32,
    /// `[epoch ms, value]` pairs in time order: packet loss as a share (0..1), bit rates in
    /// bits per second.
    pub samples: Samples,
}

/// A participant's samples.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Samples {
    /// Share of sent packets lost.
    pub packet_loss_send: Vec<(i64, f64)>,
    /// Share of received packets lost.
    pub packet_loss_recv: Vec<(i64, f64)>,
    /// Bits per second sent.
    pub bitrate_send: Vec<(i64, i64)>,
    /// Bits per second received.
    pub bitrate_recv: Vec<(i64, i64)>,
}

/// A page of results.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct InsightPage<T> {
    /// Where the next page starts; null on the last.
    pub cursor: Option<String>,
    /// This page.
    pub results: Vec<T>,
}

/// The query as given: known keys only, each once.
pub(super) struct Query(Vec<(String, String)>);

impl Query {
    /// Refuse (400) a key not in `allowed`, or one given twice.
    pub(super) fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<Query, AppError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            if !allowed.contains(&k.as_ref()) {
                return Err(AppError::invalid(
                    &crate::model::error::bounded(&k),
                    "is not a parameter here",
                ));
            }
            if pairs.iter().any(|(x, _)| *x == k) {
                return Err(AppError::invalid(&k, "is given twice"));
            }
            pairs.push((k.into_owned(), v.into_owned()));
        }
        Ok(Query(pairs))
    }

    /// The value of `key`, if given.
    pub(super) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `limit` (1 to 100, default 10) and the offset the `cursor` names.
    fn page(&self) -> Result<(u32, u32), AppError> {
        let limit = match self.get("limit") {
            None => 10,
            Some(l) => l
                .parse::<u32>()
                .ok()
                .filter(|l| (1..=100).contains(l))
                .ok_or_else(|| {
                    AppError::invalid("limit", "must be a whole number from 1 to 100")
                })?,
        };
        let offset = match self.get("cursor") {
            None => 0,
            Some(c) => u32::from_str_radix(c, 16)
                .ok()
                .filter(|_| c.len() == 8)
                .ok_or_else(|| AppError::invalid("cursor", "is not a cursor this API gave"))?,
        };
        Ok((limit, offset))
    }

    /// `sortBy=field:asc|desc` among `fields` (name, SQL), as an ORDER BY.
    fn order(&self, fields: &[(&str, &str)], default: &str) -> Result<String, AppError> {
        let given = self.get("sortBy").unwrap_or(default);
        let (field, dir) = given.split_once(':').unwrap_or((given, "asc"));
        let column = fields
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, sql)| *sql)
            .ok_or_else(|| {
                let names: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
                AppError::invalid("sortBy", format!("sorts by one of {}", names.join(", ")))
            })?;
        let dir = match dir {
            "asc" => "ASC",
            "desc" => "DESC",
            _ => return Err(AppError::invalid("sortBy", "ends with :asc or :desc")),
        };
        Ok(format!("{column} {dir}"))
    }

    fn date(&self, key: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
        self.get(key)
            .map(|v| {
                chrono::DateTime::parse_from_rfc3339(v)
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .map_err(|_| {
                        AppError::invalid(key, "must be a date-time such as 2026-05-07T17:42:49Z")
                    })
            })
            .transpose()
    }
}

/// The page and the next cursor: one more row than asked says another page follows.
fn paged<T>(mut rows: Vec<T>, limit: u32, offset: u32) -> (Vec<T>, Option<String>) {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    (rows, more.then(|| format!("{:08x}", offset + limit)))
}

/// The organisation's rooms that had sessions, summarised.
#[utoipa::path(
    get,
    path = "/whereby/v1/insights/rooms",
    operation_id = "getRoomInsights",
    tag = "Insights",
    params(
        ("roomName[exact]" = Option<String>, Query, description = "Exactly this room"),
        ("roomName[startsWith]" = Option<String>, Query, description = "Rooms whose name starts so"),
        ("roomName[contains]" = Option<String>, Query, description = "Rooms whose name contains this"),
        ("createdAt[from]" = Option<String>, Query, format = DateTime, description = "Rooms made at or after"),
        ("createdAt[to]" = Option<String>, Query, format = DateTime, description = "Rooms made at or before"),
        ("sortBy" = Option<String>, Query, pattern = "^(roomName|createdAt|endAt|firstSessionStartedAt|lastSessionStartedAt|totalParticipantMinutes|totalUniqueParticipants|totalSessions)(:(asc|desc))?$", description = "field:asc|desc; fields: roomName, createdAt, endAt, firstSessionStartedAt, lastSessionStartedAt, totalParticipantMinutes, totalUniqueParticipants, totalSessions (default createdAt:desc)"),
        ("cursor" = Option<String>, Query, description = "The previous page's cursor", pattern = "^[0-9a-f]{8}$"),
        ("limit" = Option<u32>, Query, description = "1 to 100, default 10", minimum = 1, maximum = 100),
    ),
    responses(
        (status = 200, description = "A page of rooms", body = InsightPage<RoomInsight>),
        (status = 400, description = "Invalid parameter", body = ErrorBody),
        Refusals,
    ),
    security(("BearerAuth" = [])),
)]
pub async fn rooms(
    State(state): State<AppState>,
    org: Organization,
    RawQuery(raw): RawQuery,
) -> RoomsResult<Json<InsightPage<RoomInsight>>> {
    let q = Query::parse(
        raw.as_deref(),
        &[
            "roomName[exact]",
            "roomName[startsWith]",
            "roomName[contains]",
            "createdAt[from]",
            "createdAt[to]",
            "sortBy",
            "cursor",
            "limit",
        ],
    )?;
    let (limit, offset) = q.page()?;
    let order = q.order(
        &[
            ("roomName", "s.room_name"),
            ("createdAt", "created_at"),
            ("endAt", "end_at"),
            ("firstSessionStartedAt", "first_started"),
            ("lastSessionStartedAt", "last_started"),
            ("totalParticipantMinutes", "minutes"),
            ("totalUniqueParticipants", "participants"),
            ("totalSessions", "sessions"),
        ],
        "createdAt:desc",
    )?;
    let rows = state
        .store
        .room_summaries(
            &org.company,
            q.get("roomName[exact]"),
            q.get("roomName[startsWith]"),
            q.get("roomName[contains]"),
            q.date("createdAt[from]")?,
            q.date("createdAt[to]")?,
            &order,
            limit + 1,
            offset,
        )
        .await?;
    let (rows, cursor) = paged(rows, limit, offset);
    Ok(Json(InsightPage {
        cursor,
        results: rows
            .into_iter()
            .map(|r| RoomInsight {
                room_name: r.room_name,
                created_at: utc(r.created_at),
                end_at: utc(r.end_at),
                first_session_started_at: utc(r.first_session_started_at),
                last_session_started_at: utc(r.last_session_started_at),
                total_participant_minutes: round(r.total_participant_minutes),
                total_unique_participants: r.total_unique_participants,
                total_sessions: r.total_sessions,
            })
            .collect(),
    }))
}

fn round(minutes: f64) -> f64 {
    (minutes * 100.0).round() / 100.0
}

/// The sessions of one of the organisation's rooms.
#[utoipa::path(
    get,
    path = "/whereby/v1/insights/room-sessions",
    operation_id = "getRoomSessionInsights",
    tag = "Insights",
    params(
        ("roomName" = String, Query, description = "The room (`/prefix-…`)", pattern = "^/?[a-z0-9-]{1,80}$"),
        ("sortBy" = Option<String>, Query, pattern = "^(startedAt|endedAt|totalParticipantMinutes|totalUniqueParticipants)(:(asc|desc))?$", description = "field:asc|desc; fields: startedAt, endedAt, totalParticipantMinutes, totalUniqueParticipants (default startedAt:asc)"),
        ("cursor" = Option<String>, Query, description = "The previous page's cursor", pattern = "^[0-9a-f]{8}$"),
        ("limit" = Option<u32>, Query, description = "1 to 100, default 10", minimum = 1, maximum = 100),
    ),
    responses(
        (status = 200, description = "A page of sessions", body = InsightPage<SessionInsight>),
        (status = 400, description = "Invalid parameter", body = ErrorBody),
        Refusals,
    ),
    security(("BearerAuth" = [])),
)]
pub async fn sessions(
    State(state): State<AppState>,
    org: Organization,
    RawQuery(raw): RawQuery,
) -> RoomsResult<Json<InsightPage<SessionInsight>>> {
    let q = Query::parse(raw.as_deref(), &["roomName", "sortBy", "cursor", "limit"])?;
    let room = q
        .get("roomName")
        .ok_or_else(|| AppError::invalid("roomName", "is required"))?;
    let room = crate::model::room::room_name(room)
        .ok_or_else(|| AppError::invalid("roomName", "is not a room name"))?;
    let (limit, offset) = q.page()?;
    let order = q.order(
        &[
            ("startedAt", "s.started_at"),
            ("endedAt", "s.ended_at"),
            ("totalParticipantMinutes", "minutes"),
            ("totalUniqueParticipants", "participants"),
        ],
        "startedAt:asc",
    )?;
    let rows = state
        .store
        .session_summaries(&org.company, &room, &order, limit + 1, offset)
        .await?;
    let (rows, cursor) = paged(rows, limit, offset);
    Ok(Json(InsightPage {
        cursor,
        results: rows
            .into_iter()
            .map(|s| SessionInsight {
                room_session_id: s.id,
                room_name: s.room_name,
                started_at: utc(s.started_at),
                ended_at: s.ended_at.map(utc),
                total_participant_minutes: round(s.total_participant_minutes),
                total_unique_participants: s.total_unique_participants,
            })
            .collect(),
    }))
}

/// The participants of a session, or everyone with an external id.
#[utoipa::path(
    get,
    path = "/whereby/v1/insights/participants",
    operation_id = "getParticipantsInsights",
    tag = "Insights",
    params(
        ("roomSessionId" = Option<String>, Query, description = "The session"),
        ("externalId" = Option<String>, Query, description = "The external id a participant's page gave"),
        ("sortBy" = Option<String>, Query, pattern = "^(joinedAt|leftAt)(:(asc|desc))?$", description = "joinedAt or leftAt, :asc or :desc (default joinedAt:asc)"),
        ("cursor" = Option<String>, Query, description = "The previous page's cursor", pattern = "^[0-9a-f]{8}$"),
        ("limit" = Option<u32>, Query, description = "1 to 100, default 10", minimum = 1, maximum = 100),
    ),
    responses(
        (status = 200, description = "A page of participants", body = InsightPage<ParticipantInsight>),
        (status = 400, description = "Invalid parameter", body = ErrorBody),
        Refusals,
    ),
    security(("BearerAuth" = [])),
)]
pub async fn participants(
    State(state): State<AppState>,
    org: Organization,
    RawQuery(raw): RawQuery,
) -> RoomsResult<Json<InsightPage<ParticipantInsight>>> {
    let q = Query::parse(
        raw.as_deref(),
        &["roomSessionId", "externalId", "sortBy", "cursor", "limit"],
    )?;
    let session = q.get("roomSessionId");
    let external = q.get("externalId");
    if session.is_none() && external.is_none() {
        return Err(AppError::invalid("roomSessionId", "or externalId is required").into());
    }
    let (limit, offset) = q.page()?;
    let order = q.order(
        &[("joinedAt", "p.joined_at"), ("leftAt", "p.left_at")],
        "joinedAt:asc",
    )?;
    let rows = state
        .store
        .session_participants(&org.company, session, external, &order, limit + 1, offset)
        .await?;
    let (rows, cursor) = paged(rows, limit, offset);
    Ok(Json(InsightPage {
        cursor,
        results: rows
            .into_iter()
            .map(|p| ParticipantInsight {
                room_session_id: p.session,
                participant_id: p.id,
                display_name: p.display_name,
                role_name: p.role,
                joined_at: utc(p.joined_at),
                left_at: p.left_at.map(utc),
                external_id: p.external_id,
            })
            .collect(),
    }))
}

/// One participant's network over a session.
#[utoipa::path(
    get,
    path = "/whereby/v1/insights/participant",
    operation_id = "getParticipantInsights",
    tag = "Insights",
    params(
        ("roomSessionId" = String, Query, description = "The session"),
        ("participantId" = String, Query, description = "The participant"),
    ),
    responses(
        (status = 200, description = "The participant's samples", body = Vec<ParticipantDetail>),
        (status = 400, description = "Invalid parameter", body = ErrorBody),
        Refusals,
        (status = 404, description = "No such participant in the organisation's sessions", body = ErrorBody),
    ),
    security(("BearerAuth" = [])),
)]
pub async fn participant(
    State(state): State<AppState>,
    org: Organization,
    RawQuery(raw): RawQuery,
) -> RoomsResult<Json<Vec<ParticipantDetail>>> {
    let q = Query::parse(raw.as_deref(), &["roomSessionId", "participantId"])?;
    let session = q
        .get("roomSessionId")
        .ok_or_else(|| AppError::invalid("roomSessionId", "is required"))?;
    let participant = q
        .get("participantId")
        .ok_or_else(|| AppError::invalid("participantId", "is required"))?;
    let (p, samples) = state
        .store
        .participant_samples(&org.company, session, participant)
        .await?
        .ok_or_else(|| not_found("Participant"))?;
    let at = |s: &crate::server::store::NetSample| s.at.timestamp_millis();
    Ok(Json(vec![ParticipantDetail {
        display_name: p.display_name,
        user_role: p.role,
        user_agent: p.user_agent,
        time_stamp: utc(p.joined_at),
        sample_rate_ms: SAMPLE_RATE_MS,
        samples: Samples {
            packet_loss_send: samples
                .iter()
                .map(|s| (at(s), s.packet_loss_send))
                .collect(),
            packet_loss_recv: samples
                .iter()
                .map(|s| (at(s), s.packet_loss_recv))
                .collect(),
            bitrate_send: samples.iter().map(|s| (at(s), s.bitrate_send)).collect(),
            bitrate_recv: samples.iter().map(|s| (at(s), s.bitrate_recv)).collect(),
        },
    }]))
}
