//! Insights of rooms: sessions, participants and their network samples, as the hub recorded
//! them, and the summaries the rooms API lists.

use super::Col;
use super::{from_ms, to_ms, Store};
use crate::model::AppError;
use chrono::{DateTime, Utc};

/// A session just started.
#[derive(Clone, Debug)]
pub struct NewSession {
    /// Its id (`roomSessionId`).
    pub id: String,
    /// The room.
    pub room_id: String,
    /// The room's company.
    pub company: String,
    /// The room's name.
    pub room_name: String,
    /// When the room was made.
    pub room_created_at: DateTime<Utc>,
    /// The room's end.
    pub room_ends_at: DateTime<Utc>,
    /// When its first person came in.
    pub started_at: DateTime<Utc>,
}

/// Someone in a session.
#[derive(Clone, Debug)]
pub struct NewParticipant {
    /// Their id (`participantId`: the connection's peer id).
    pub id: String,
    /// The session.
    pub session: String,
    /// The name they gave.
    pub display_name: String,
    /// `host`, `guest` or `viewer`.
    pub role: &'static str,
    /// Their host page's id for them.
    pub external_id: Option<String>,
    /// Their browser.
    pub user_agent: Option<String>,
    /// When they came in.
    pub joined_at: DateTime<Utc>,
}

/// One network sample of a participant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NetSample {
    /// When.
    pub at: DateTime<Utc>,
    /// Share of sent packets lost (0..1).
    pub packet_loss_send: f64,
    /// Share of received packets lost (0..1).
    pub packet_loss_recv: f64,
    /// Bits per second sent.
    pub bitrate_send: i64,
    /// Bits per second received.
    pub bitrate_recv: i64,
}

/// A room's summary over its sessions.
#[derive(Clone, Debug, PartialEq)]
pub struct RoomSummary {
    /// `/prefix-…`.
    pub room_name: String,
    /// When the room was made.
    pub created_at: DateTime<Utc>,
    /// The room's end.
    pub end_at: DateTime<Utc>,
    /// Its first session's start.
    pub first_session_started_at: DateTime<Utc>,
    /// Its last session's start.
    pub last_session_started_at: DateTime<Utc>,
    /// Minutes people spent in it, summed.
    pub total_participant_minutes: f64,
    /// Different participants.
    pub total_unique_participants: i64,
    /// Sessions.
    pub total_sessions: i64,
}

/// A session's summary.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionSummary {
    /// `roomSessionId`.
    pub id: String,
    /// The room's name.
    pub room_name: String,
    /// First person in.
    pub started_at: DateTime<Utc>,
    /// Last person out (none while it runs).
    pub ended_at: Option<DateTime<Utc>>,
    /// Minutes people spent in it, summed.
    pub total_participant_minutes: f64,
    /// Different participants.
    pub total_unique_participants: i64,
}

/// A participant as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct ParticipantRow {
    /// `participantId`.
    pub id: String,
    /// `roomSessionId`.
    pub session: String,
    /// Their name.
    pub display_name: String,
    /// Their role.
    pub role: String,
    /// Their host page's id for them.
    pub external_id: Option<String>,
    /// Their browser.
    pub user_agent: Option<String>,
    /// In.
    pub joined_at: DateTime<Utc>,
    /// Out (none while in).
    pub left_at: Option<DateTime<Utc>>,
}

/// Minutes of a participant: from joining to leaving, or to `$now` while still in.
const MINUTES: &str = "CAST(COALESCE(p.left_at, $NOW) - p.joined_at AS DOUBLE PRECISION) / 60000.0";

fn participant_at(r: &sqlx::any::AnyRow) -> Result<ParticipantRow, AppError> {
    Ok(ParticipantRow {
        id: r.col("id")?,
        session: r.col("session_id")?,
        display_name: r.col("display_name")?,
        role: r.col("role")?,
        external_id: r.col("external_id")?,
        user_agent: r.col("user_agent")?,
        joined_at: from_ms(r.col("joined_at")?),
        left_at: r.col::<Option<i64>>("left_at")?.map(from_ms),
    })
}

impl Store {
    /// Record a session's start.
    pub async fn start_session(&self, s: &NewSession) -> Result<(), AppError> {
        sqlx::query(
            "INSERT INTO room_sessions (id, room_id, company_id, room_name, room_created_at,
                 room_ends_at, started_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&s.id)
        .bind(&s.room_id)
        .bind(&s.company)
        .bind(&s.room_name)
        .bind(to_ms(s.room_created_at))
        .bind(to_ms(s.room_ends_at))
        .bind(to_ms(s.started_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Record a session's end.
    pub async fn end_session(&self, id: &str, at: DateTime<Utc>) -> Result<(), AppError> {
        sqlx::query("UPDATE room_sessions SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL")
            .bind(to_ms(at))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Record someone coming in.
    pub async fn participant_joined(&self, p: &NewParticipant) -> Result<(), AppError> {
        sqlx::query(
            "INSERT INTO session_participants (id, session_id, display_name, role, external_id,
                 user_agent, joined_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&p.id)
        .bind(&p.session)
        .bind(&p.display_name)
        .bind(p.role)
        .bind(&p.external_id)
        .bind(&p.user_agent)
        .bind(to_ms(p.joined_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Record someone leaving.
    pub async fn participant_left(&self, id: &str, at: DateTime<Utc>) -> Result<(), AppError> {
        sqlx::query(
            "UPDATE session_participants SET left_at = $1 WHERE id = $2 AND left_at IS NULL",
        )
        .bind(to_ms(at))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Record a network sample.
    pub async fn add_sample(&self, participant: &str, s: &NetSample) -> Result<(), AppError> {
        sqlx::query(
            "INSERT INTO participant_samples (participant_id, at, packet_loss_send,
                 packet_loss_recv, bitrate_send, bitrate_recv)
             SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS
                 (SELECT 1 FROM session_participants WHERE id = $1)",
        )
        .bind(participant)
        .bind(to_ms(s.at))
        .bind(s.packet_loss_send)
        .bind(s.packet_loss_recv)
        .bind(s.bitrate_send)
        .bind(s.bitrate_recv)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A company's rooms with sessions, summarised, filtered by name (`exact`, `starts`,
    /// `contains`) and creation time, ordered by `order` (an SQL ORDER BY built from a
    /// checked field), `limit` after `offset`.
    #[allow(clippy::too_many_arguments)]
    pub async fn room_summaries(
        &self,
        company: &str,
        name_exact: Option<&str>,
        name_starts: Option<&str>,
        name_contains: Option<&str>,
        created_from: Option<DateTime<Utc>>,
        created_to: Option<DateTime<Utc>>,
        order: &str,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<RoomSummary>, AppError> {
        let like = |s: &str| {
            s.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        };
        let rows = sqlx::query(&format!(
            "SELECT s.room_name, MIN(s.room_created_at) AS created_at, MAX(s.room_ends_at) AS end_at,
                 MIN(s.started_at) AS first_started, MAX(s.started_at) AS last_started,
                 COUNT(DISTINCT s.id) AS sessions,
                 (SELECT COUNT(*) FROM session_participants p JOIN room_sessions s2 ON s2.id = p.session_id
                   WHERE s2.company_id = s.company_id AND s2.room_name = s.room_name) AS participants,
                 (SELECT CAST(COALESCE(SUM({}), 0) AS DOUBLE PRECISION) FROM session_participants p JOIN room_sessions s2 ON s2.id = p.session_id
                   WHERE s2.company_id = s.company_id AND s2.room_name = s.room_name) AS minutes
             FROM room_sessions s
             WHERE s.company_id = $1
               AND ($2 IS NULL OR s.room_name = $2)
               AND ($3 IS NULL OR lower(s.room_name) LIKE lower($3) ESCAPE '\\')
               AND ($4 IS NULL OR lower(s.room_name) LIKE lower($4) ESCAPE '\\')
               AND ($5 IS NULL OR s.room_created_at >= $5)
               AND ($6 IS NULL OR s.room_created_at <= $6)
             GROUP BY s.company_id, s.room_name
             ORDER BY {order}, s.room_name
             LIMIT $8 OFFSET $9",
            MINUTES.replace("$NOW", "$7")
        ))
        .bind(company)
        .bind(name_exact)
        .bind(name_starts.map(|s| format!("{}%", like(s))))
        .bind(name_contains.map(|s| format!("%{}%", like(s))))
        .bind(created_from.map(to_ms))
        .bind(created_to.map(to_ms))
        .bind(to_ms(Utc::now()))
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RoomSummary {
                    room_name: r.col("room_name")?,
                    created_at: from_ms(r.col("created_at")?),
                    end_at: from_ms(r.col("end_at")?),
                    first_session_started_at: from_ms(r.col("first_started")?),
                    last_session_started_at: from_ms(r.col("last_started")?),
                    total_participant_minutes: r.col("minutes")?,
                    total_unique_participants: r.col("participants")?,
                    total_sessions: r.col("sessions")?,
                })
            })
            .collect()
    }

    /// A company's sessions of one room, summarised, in `order`.
    pub async fn session_summaries(
        &self,
        company: &str,
        room_name: &str,
        order: &str,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<SessionSummary>, AppError> {
        let rows = sqlx::query(&format!(
            "SELECT s.id, s.room_name, s.started_at, s.ended_at,
                 (SELECT COUNT(*) FROM session_participants p WHERE p.session_id = s.id) AS participants,
                 (SELECT CAST(COALESCE(SUM({}), 0) AS DOUBLE PRECISION) FROM session_participants p WHERE p.session_id = s.id) AS minutes
             FROM room_sessions s WHERE s.company_id = $1 AND s.room_name = $2
             ORDER BY {order}, s.id LIMIT $4 OFFSET $5",
            MINUTES.replace("$NOW", "$3")
        ))
        .bind(company)
        .bind(room_name)
        .bind(to_ms(Utc::now()))
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SessionSummary {
                    id: r.col("id")?,
                    room_name: r.col("room_name")?,
                    started_at: from_ms(r.col("started_at")?),
                    ended_at: r.col::<Option<i64>>("ended_at")?.map(from_ms),
                    total_participant_minutes: r.col("minutes")?,
                    total_unique_participants: r.col("participants")?,
                })
            })
            .collect()
    }

    /// A company's participants of a session, or with an external id, in `order`.
    pub async fn session_participants(
        &self,
        company: &str,
        session: Option<&str>,
        external_id: Option<&str>,
        order: &str,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<ParticipantRow>, AppError> {
        let rows = sqlx::query(&format!(
            "SELECT p.id, p.session_id, p.display_name, p.role, p.external_id, p.user_agent, p.joined_at, p.left_at
             FROM session_participants p JOIN room_sessions s ON s.id = p.session_id
             WHERE s.company_id = $1 AND ($2 IS NULL OR p.session_id = $2)
               AND ($3 IS NULL OR p.external_id = $3)
             ORDER BY {order}, p.id LIMIT $4 OFFSET $5"
        ))
        .bind(company)
        .bind(session)
        .bind(external_id)
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(participant_at).collect()
    }

    /// One participant of a company's session, with their samples in time order.
    pub async fn participant_samples(
        &self,
        company: &str,
        session: &str,
        participant: &str,
    ) -> Result<Option<(ParticipantRow, Vec<NetSample>)>, AppError> {
        let row = sqlx::query(
            "SELECT p.id, p.session_id, p.display_name, p.role, p.external_id, p.user_agent, p.joined_at, p.left_at
             FROM session_participants p JOIN room_sessions s ON s.id = p.session_id
             WHERE s.company_id = $1 AND p.session_id = $2 AND p.id = $3",
        )
        .bind(company)
        .bind(session)
        .bind(participant)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let p = participant_at(&row)?;
        let samples = sqlx::query(
            "SELECT at, packet_loss_send, packet_loss_recv, bitrate_send, bitrate_recv
             FROM participant_samples WHERE participant_id = $1 ORDER BY at",
        )
        .bind(participant)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(NetSample {
                at: from_ms(r.col("at")?),
                packet_loss_send: r.col("packet_loss_send")?,
                packet_loss_recv: r.col("packet_loss_recv")?,
                bitrate_send: r.col("bitrate_send")?,
                bitrate_recv: r.col("bitrate_recv")?,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
        Ok(Some((p, samples)))
    }
}
