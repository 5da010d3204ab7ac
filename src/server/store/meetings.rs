//! Meetings and their participants.

use super::Col;
use super::{from_ms, to_ms, Store, OVERLAPPING};
use crate::model::ids::ParticipantId;
use crate::model::meeting::MeetingBrief;
use crate::model::{AppError, ErrorCode, MeetingId, SiteId, UserId};
use crate::server::tokens::{new_id, Signer};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;

/// A meeting with what is shown about it.
#[derive(Clone, Debug)]
pub struct MeetingRow {
    /// The meeting.
    pub id: MeetingId,
    /// Its site.
    pub site_id: SiteId,
    /// The site's name.
    pub site_name: String,
    /// The site's zone.
    pub time_zone: String,
    /// The hosting agent.
    pub agent_id: UserId,
    /// The agent's name.
    pub host_name: String,
    /// Subject.
    pub subject: String,
    /// Scheduled start.
    pub starts_at: DateTime<Utc>,
    /// Scheduled end.
    pub ends_at: DateTime<Utc>,
    /// Room opens.
    pub opens_at: DateTime<Utc>,
    /// Room closes.
    pub closes_at: DateTime<Utc>,
    /// Cancelled meetings' links are dead.
    pub cancelled: bool,
    /// People the room may hold.
    pub capacity: u32,
    /// The site lets the agent see waiting customers' camera pictures.
    pub waiting_preview: bool,
    /// The site lets the agent record its meetings: where to.
    pub recording: Option<crate::model::signal::RecordingMode>,
    /// The site's company.
    pub company: String,
    /// When the host last ended the call for everyone.
    pub call_ended_at: Option<DateTime<Utc>>,
    /// The site's account serves the public (a suspended one's links are refused).
    pub live: bool,
}

impl MeetingRow {
    /// The wire summary.
    pub fn brief(&self) -> MeetingBrief {
        MeetingBrief {
            id: self.id.clone(),
            subject: self.subject.clone(),
            site_name: self.site_name.clone(),
            host_name: self.host_name.clone(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            opens_at: self.opens_at,
            closes_at: self.closes_at,
            time_zone: self.time_zone.clone(),
        }
    }

    /// Is the meeting neither cancelled nor over at `now` (it may not have opened yet)? For
    /// hosts, who may open their room early, and for what a link shows before the window.
    pub fn check_not_over(&self, now: DateTime<Utc>) -> Result<(), AppError> {
        match self.check_open(now) {
            Err(e) if e.code != ErrorCode::TooEarly => Err(e),
            _ => Ok(()),
        }
    }

    /// Can the room be entered at `now`? Explains why not.
    pub fn check_open(&self, now: DateTime<Utc>) -> Result<(), AppError> {
        if self.cancelled {
            return Err(AppError::new(
                ErrorCode::Expired,
                "this meeting was cancelled",
            ));
        }
        if now >= self.closes_at {
            return Err(AppError::new(ErrorCode::Expired, "this meeting is over"));
        }
        if now < self.opens_at {
            return Err(AppError::new(
                ErrorCode::TooEarly,
                format!("the room opens at {}", self.opens_at.to_rfc3339()),
            ));
        }
        Ok(())
    }
}

pub(super) const MEETING_SELECT: &str = concat!(
    r#"
    SELECT m.id, m.site_id, s.name AS site_name, s.time_zone, m.agent_id,
           u.first_name || ' ' || u.last_name AS host_name, m.subject,
           m.starts_at, m.ends_at, m.opens_at, m.closes_at, m.status, m.capacity,
           s.waiting_preview, s.recording, s.company_id, m.call_ended_at, "#,
    company_is_live!("s.company_id"),
    r#" AS live
    FROM meetings m JOIN sites s ON s.id = m.site_id JOIN users u ON u.id = m.agent_id"#
);

pub(super) fn meeting_from_row(r: &AnyRow) -> Result<MeetingRow, AppError> {
    Ok(MeetingRow {
        id: MeetingId::parse(r.col("id")?)?,
        site_id: SiteId::parse(r.col("site_id")?)?,
        site_name: r.col("site_name")?,
        time_zone: r.col("time_zone")?,
        agent_id: UserId::parse(r.col("agent_id")?)?,
        host_name: r.col("host_name")?,
        subject: r.col("subject")?,
        starts_at: from_ms(r.col("starts_at")?),
        ends_at: from_ms(r.col("ends_at")?),
        opens_at: from_ms(r.col("opens_at")?),
        closes_at: from_ms(r.col("closes_at")?),
        cancelled: r.col::<String>("status")? == "cancelled",
        capacity: r.col::<i64>("capacity")? as u32,
        waiting_preview: r.flag("waiting_preview")?,
        recording: match r.col::<String>("recording")?.as_str() {
            "local" => Some(crate::model::signal::RecordingMode::Local),
            "cloud" => Some(crate::model::signal::RecordingMode::Cloud),
            _ => None,
        },
        company: r.col("company_id")?,
        call_ended_at: r.col::<Option<i64>>("call_ended_at")?.map(from_ms),
        live: r.flag("live")?,
    })
}

/// A participant found by their link, with their meeting.
#[derive(Clone, Debug)]
pub struct ParticipantCtx {
    /// The participant.
    pub id: ParticipantId,
    /// Their name.
    pub name: String,
    /// The agent's own participant row.
    pub is_host: bool,
    /// Their meeting.
    pub meeting: MeetingRow,
}

/// A booking to write: the meeting, its agent (the first free candidate) and the customer.
#[derive(Clone, Debug)]
pub struct NewBooking {
    /// The site.
    pub site_id: SiteId,
    /// The site's company.
    pub company_id: String,
    /// Subject line.
    pub subject: String,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Room opens.
    pub opens_at: DateTime<Utc>,
    /// Room closes.
    pub closes_at: DateTime<Utc>,
    /// Room capacity.
    pub capacity: u32,
    /// Free time each agent keeps around their meetings.
    pub buffer: chrono::Duration,
    /// Agents who may take it, in order of preference.
    pub agents: Vec<(UserId, String)>,
    /// The customer's name.
    pub guest_name: String,
    /// The customer's e-mail.
    pub guest_email: String,
    /// The customer's phone.
    pub guest_phone: Option<String>,
    /// What the customer wants the agent to know.
    pub guest_note: Option<String>,
    /// The language the customer booked in (`en`, `nl`).
    pub guest_locale: &'static str,
    /// The zone the customer saw the times in.
    pub guest_time_zone: String,
    /// The meeting's id (chosen first, for the invitations).
    pub meeting_id: String,
    /// The customer's link id.
    pub guest_link_id: String,
    /// The agent's link id.
    pub host_link_id: String,
    /// Messages to queue with the booking: the customer's invitation (e-mail, and SMS when
    /// the package allows it and a phone number was given).
    pub messages: Vec<super::Message>,
    /// Each candidate agent's confirmation; only the chosen one's is queued.
    pub agent_emails: Vec<(UserId, super::Email)>,
    /// Where it came from: a keyed hash of the client address (`-` when unknown).
    pub source: String,
    /// Bookings made in the form allowed per e-mail address, and per phone number, in any
    /// 24 hours (this one included).
    pub per_contact: u32,
}

/// The window of [`NewBooking::per_contact`].
pub const CONTACT_WINDOW: chrono::Duration = chrono::Duration::hours(24);

/// How many bookings made in the form (meetings with a `source`) were made for this contact
/// since `since`, and when the oldest of them was (milliseconds).
async fn contact_bookings(
    tx: &mut sqlx::AnyConnection,
    column: &str,
    value: &str,
    since: i64,
) -> Result<(i64, Option<i64>), AppError> {
    // `column` is one of two names of ours, never input.
    let collate = if column == "email" {
        " COLLATE NOCASE"
    } else {
        ""
    };
    sqlx::query_as(&format!(
        "SELECT COUNT(*), MIN(p.created_at) FROM participants p JOIN meetings m ON m.id = p.meeting_id
         WHERE p.{column} = $1{collate} AND p.created_at > $2 AND p.is_host = 0
           AND m.source IS NOT NULL"
    ))
    .bind(value)
    .bind(since)
    .fetch_one(&mut *tx)
    .await
    .map_err(AppError::from)
}

/// What a booking wrote.
#[derive(Clone, Debug)]
pub struct BookedRow {
    /// The meeting.
    pub meeting: MeetingId,
    /// The agent who got it.
    pub agent_name: String,
    /// The customer's link id (sign it for the join hash).
    pub guest_link_id: String,
}

impl Store {
    /// Write a booking in one transaction: pick the first candidate agent who is free for the
    /// whole slot, then insert the meeting and both participants. The transaction takes the
    /// write lock first (`BEGIN IMMEDIATE`), so two bookings for one agent cannot interleave.
    pub async fn book(&self, b: &NewBooking) -> Result<BookedRow, AppError> {
        let mut tx = self.begin_write().await?;
        // Inside the write transaction: a burst of parallel bookings cannot slip past it.
        let now_ms = to_ms(Utc::now());
        let since = now_ms - CONTACT_WINDOW.num_milliseconds();
        let contacts = [
            ("email", Some(&b.guest_email)),
            ("phone", b.guest_phone.as_ref()),
        ];
        for (column, value) in contacts {
            let Some(value) = value else { continue };
            let (count, oldest) = contact_bookings(&mut tx, column, value, since).await?;
            if count >= b.per_contact as i64 {
                let free_at = oldest.unwrap_or(now_ms) + CONTACT_WINDOW.num_milliseconds();
                let what = if column == "email" {
                    "e-mail address"
                } else {
                    "phone number"
                };
                return Err(AppError::too_many(
                    format!(
                        "This {what} already has {count} bookings made in the last 24 hours; \
                         please try again later or contact the site."
                    ),
                    (free_at - now_ms) / 1000 + 1,
                )
                .with_field(column));
            }
        }
        let mut chosen = None;
        for (agent, name) in &b.agents {
            let busy: Option<i64> = sqlx::query_scalar(&format!(
                "SELECT 1 FROM meetings WHERE {OVERLAPPING} LIMIT 1"
            ))
            .bind(agent.as_str())
            .bind(to_ms(b.starts_at - b.buffer))
            .bind(to_ms(b.ends_at + b.buffer))
            .fetch_optional(&mut *tx)
            .await?;
            if busy.is_none() {
                chosen = Some((agent, name));
                break;
            }
        }
        let Some((agent, agent_name)) = chosen else {
            return Err(AppError::new(
                ErrorCode::SlotTaken,
                "this time was just taken; please choose another",
            ));
        };
        let meeting = b.meeting_id.clone();
        let now = to_ms(Utc::now());
        sqlx::query(
            "INSERT INTO meetings (id, company_id, site_id, agent_id, subject, starts_at, ends_at,
                                   opens_at, closes_at, capacity, created_at, send_email, send_sms,
                                   note, source)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $13, $14)",
        )
        .bind(&meeting)
        .bind(&b.company_id)
        .bind(b.site_id.as_str())
        .bind(agent.as_str())
        .bind(&b.subject)
        .bind(to_ms(b.starts_at))
        .bind(to_ms(b.ends_at))
        .bind(to_ms(b.opens_at))
        .bind(to_ms(b.closes_at))
        .bind(b.capacity as i64)
        .bind(now)
        .bind(
            b.messages
                .iter()
                .any(|m| matches!(m, super::Message::Sms(_))) as i64,
        )
        .bind(&b.guest_note)
        .bind(&b.source)
        .execute(&mut *tx)
        .await?;
        // The agent is a participant too (with a link of their own), as in WeSeeDo.
        sqlx::query(
            "INSERT INTO participants (id, meeting_id, user_id, name, email, is_host, link_id, created_at, locale)
             SELECT $1, $2, u.id, $3, u.email, 1, $4, $5, u.locale FROM users u WHERE u.id = $6",
        )
        .bind(new_id())
        .bind(&meeting)
        .bind(agent_name)
        .bind(&b.host_link_id)
        .bind(now)
        .bind(agent.as_str())
        .execute(&mut *tx)
        .await?;
        let guest_link_id = b.guest_link_id.clone();
        sqlx::query(
            "INSERT INTO participants (id, meeting_id, name, email, phone, is_host, link_id, created_at,
                                       locale, time_zone, consented_at)
             VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9, $7)",
        )
        .bind(new_id())
        .bind(&meeting)
        .bind(&b.guest_name)
        .bind(&b.guest_email)
        .bind(&b.guest_phone)
        .bind(&guest_link_id)
        .bind(now)
        .bind(b.guest_locale)
        .bind(&b.guest_time_zone)
        .execute(&mut *tx)
        .await?;
        // The invitations exist exactly when the booking does.
        let confirmation: Vec<super::Message> = b
            .agent_emails
            .iter()
            .filter(|(a, _)| a == agent)
            .map(|(_, e)| super::Message::Email(e.clone()))
            .collect();
        super::outbox::enqueue(&self.sealer, &mut tx, &b.messages, Some(&meeting)).await?;
        super::outbox::enqueue(&self.sealer, &mut tx, &confirmation, Some(&meeting)).await?;
        tx.commit().await?;
        Ok(BookedRow {
            meeting: MeetingId::parse(&meeting)?,
            agent_name: agent_name.clone(),
            guest_link_id,
        })
    }

    /// Invite one more guest to a meeting; returns their link id.
    pub async fn add_guest(
        &self,
        meeting: &MeetingId,
        name: &str,
        email: Option<&str>,
    ) -> Result<String, AppError> {
        let link_id = Signer::new_link_id();
        let done = sqlx::query(
            "INSERT INTO participants (id, meeting_id, name, email, is_host, link_id, created_at)
             SELECT $1, id, $2, $3, 0, $4, $5 FROM meetings WHERE id = $6",
        )
        .bind(new_id())
        .bind(name)
        .bind(email)
        .bind(&link_id)
        .bind(to_ms(Utc::now()))
        .bind(meeting.as_str())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() != 1 {
            return Err(AppError::not_found("meeting"));
        }
        Ok(link_id)
    }

    /// Record that the host ended the meeting's call for everyone at `at`.
    pub async fn mark_call_ended(
        &self,
        meeting: &MeetingId,
        at: DateTime<Utc>,
    ) -> Result<(), AppError> {
        sqlx::query("UPDATE meetings SET call_ended_at = $1 WHERE id = $2")
            .bind(to_ms(at))
            .bind(meeting.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Those of `meetings` that are cancelled (in lists of at most 500: a query's parameters
    /// are limited).
    pub async fn cancelled_among(
        &self,
        meetings: &[MeetingId],
    ) -> Result<Vec<MeetingId>, AppError> {
        let mut cancelled = Vec::new();
        for chunk in meetings.chunks(500) {
            let sql = format!(
                "SELECT id FROM meetings WHERE status = 'cancelled' AND id IN ({})",
                super::placeholders(1, chunk.len())
            );
            let ids: Vec<String> = chunk
                .iter()
                .fold(sqlx::query_scalar(&sql), |q, m| q.bind(m.as_str()))
                .fetch_all(&self.pool)
                .await?;
            for id in ids {
                cancelled.push(MeetingId::parse(&id)?);
            }
        }
        Ok(cancelled)
    }

    /// Cancel a meeting: its links stop working.
    pub async fn cancel_meeting(&self, meeting: &MeetingId) -> Result<(), AppError> {
        sqlx::query("UPDATE meetings SET status = 'cancelled' WHERE id = $1")
            .bind(meeting.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Scheduled meetings of these agents overlapping `[from, to)`.
    pub async fn busy_between(
        &self,
        agents: &[UserId],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(UserId, DateTime<Utc>, DateTime<Utc>)>, AppError> {
        let mut out = Vec::new();
        for agent in agents {
            let rows = sqlx::query(&format!(
                "SELECT starts_at, ends_at FROM meetings WHERE {OVERLAPPING}"
            ))
            .bind(agent.as_str())
            .bind(to_ms(from))
            .bind(to_ms(to))
            .fetch_all(&self.pool)
            .await?;
            for r in rows {
                out.push((
                    agent.clone(),
                    from_ms(r.col("starts_at")?),
                    from_ms(r.col("ends_at")?),
                ));
            }
        }
        Ok(out)
    }

    /// A meeting by id.
    pub async fn meeting(&self, id: &MeetingId) -> Result<Option<MeetingRow>, AppError> {
        let row = sqlx::query(&format!("{MEETING_SELECT} WHERE m.id = $1"))
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(meeting_from_row).transpose()
    }

    /// The participant a link id belongs to, with their meeting.
    pub async fn participant_by_link(
        &self,
        link_id: &str,
    ) -> Result<Option<ParticipantCtx>, AppError> {
        self.participant_where("link_id", link_id).await
    }

    /// A participant by id, with their meeting.
    pub async fn participant(
        &self,
        id: &ParticipantId,
    ) -> Result<Option<ParticipantCtx>, AppError> {
        self.participant_where("id", id.as_str()).await
    }

    async fn participant_where(
        &self,
        column: &'static str,
        value: &str,
    ) -> Result<Option<ParticipantCtx>, AppError> {
        let row = sqlx::query(&format!(
            "SELECT id, meeting_id, name, is_host FROM participants WHERE {column} = $1"
        ))
        .bind(value)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let meeting_id = MeetingId::parse(row.col("meeting_id")?)?;
        let Some(meeting) = self.meeting(&meeting_id).await? else {
            return Ok(None);
        };
        Ok(Some(ParticipantCtx {
            id: ParticipantId::parse(row.col("id")?)?,
            name: row.col("name")?,
            is_host: row.col::<i64>("is_host")? == 1,
            meeting,
        }))
    }

    /// The host participant of a meeting, if `user` is its agent.
    pub async fn host_participant(
        &self,
        meeting: &MeetingId,
        user: &UserId,
    ) -> Result<Option<ParticipantCtx>, AppError> {
        let Some(m) = self.meeting(meeting).await? else {
            return Ok(None);
        };
        if &m.agent_id != user {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT id, name FROM participants WHERE meeting_id = $1 AND is_host = 1 AND user_id = $2",
        )
        .bind(meeting.as_str())
        .bind(user.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(ParticipantCtx {
            id: ParticipantId::parse(row.col("id")?)?,
            name: row.col("name")?,
            is_host: true,
            meeting: m,
        }))
    }

    /// The link ids of a meeting's participants, host first (for tests and the REST API).
    pub async fn link_ids(&self, meeting: &MeetingId) -> Result<Vec<(bool, String)>, AppError> {
        let rows = sqlx::query(
            "SELECT is_host, link_id FROM participants WHERE meeting_id = $1 ORDER BY is_host DESC, created_at",
        )
        .bind(meeting.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| Ok((r.col::<i64>("is_host")? == 1, r.col("link_id")?)))
            .collect()
    }
}
