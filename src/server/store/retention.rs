//! Retention: what each company's period (`companies.retention_days`) has made due for
//! erasing, and erasing it (see `services::privacy::sweep`). Every query reads the period of
//! the row's own company; erased rows are marked (`erased_at`) and never read again here.

use super::{placeholders, to_ms, Args, Col, Store};
use crate::model::AppError;
use chrono::{DateTime, Utc};

/// Rows erased in one transaction.
pub const BATCH: i64 = 200;

/// Messages about nothing (a staff account's set-password e-mail) are kept this long after
/// they were sent or given up.
pub const UNATTACHED_MESSAGE_DAYS: i64 = 30;

/// `{time} + the company's period < $1`, the company being `c`.
fn past(time: &str) -> String {
    format!("{time} < $1 - CAST(c.retention_days AS BIGINT) * 86400000")
}

/// Run `statements` (each a template whose `{list}` is replaced by the placeholders of `ids`
/// from `$2` on, `$1` being `now`) in one write transaction.
async fn over_ids(
    store: &Store,
    statements: &[&str],
    ids: &[String],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let list = placeholders(2, ids.len());
    let mut tx = store.begin_write().await?;
    for sql in statements {
        let args = ids
            .iter()
            .try_fold(Args::default().add(to_ms(now))?, |a, id| a.add(id.clone()))?;
        sqlx::query_with(&sql.replace("{list}", &list), args.0)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

impl Store {
    async fn retention_due(
        &self,
        sql: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, String)>, AppError> {
        let rows = sqlx::query(sql)
            .bind(to_ms(now))
            .bind(BATCH)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.col("id")?, r.col("company_id")?)))
            .collect()
    }

    /// Meetings (scheduled or cancelled) whose room closed longer ago than their company
    /// keeps personal data: id and company, a batch at most.
    pub async fn meetings_past_retention(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, String)>, AppError> {
        self.retention_due(
            &format!(
                "SELECT m.id, m.company_id FROM meetings m JOIN companies c ON c.id = m.company_id
                 WHERE m.erased_at IS NULL AND {} ORDER BY m.closes_at LIMIT $2",
                past("m.closes_at")
            ),
            now,
        )
        .await
    }

    /// Appointments whose room ended longer ago than their company keeps personal data.
    pub async fn appointments_past_retention(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, String)>, AppError> {
        self.retention_due(
            &format!(
                "SELECT a.id, a.company_id FROM appointments a JOIN companies c ON c.id = a.company_id
                 WHERE a.erased_at IS NULL AND {} ORDER BY a.room_ends_at LIMIT $2",
                past("a.room_ends_at")
            ),
            now,
        )
        .await
    }

    /// Calls (insights sessions) that ended longer ago than their company keeps personal
    /// data (one never closed counts from its start).
    pub async fn sessions_past_retention(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, String)>, AppError> {
        self.retention_due(
            &format!(
                "SELECT s.id, s.company_id FROM room_sessions s JOIN companies c ON c.id = s.company_id
                 WHERE s.erased_at IS NULL AND {} ORDER BY s.started_at LIMIT $2",
                past("COALESCE(s.ended_at, s.started_at)")
            ),
            now,
        )
        .await
    }

    /// Cloud recordings (local ones hold no file here) not yet deleted that started longer ago than their company keeps personal
    /// data.
    pub async fn recordings_past_retention(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, String)>, AppError> {
        self.retention_due(
            &format!(
                "SELECT r.id, r.company_id FROM recordings r JOIN companies c ON c.id = r.company_id
                 WHERE r.mode = 'cloud' AND r.state <> 'deleted' AND {} ORDER BY r.started_at LIMIT $2",
                past("r.started_at")
            ),
            now,
        )
        .await
    }

    /// Erase meetings: who their participants were, their subject, note and invitation
    /// texts, where their booking came from, and every message about them. Times, site,
    /// agent, status and the number of participants remain.
    pub async fn erase_meetings(&self, ids: &[String], now: DateTime<Utc>) -> Result<(), AppError> {
        over_ids(
            self,
            &[
                "UPDATE participants SET name = '', email = NULL, phone = NULL, username = NULL,
                     time_zone = NULL WHERE meeting_id IN ({list}) AND $1 = $1",
                "UPDATE meetings SET subject = '', note = NULL, invitation = NULL,
                     invitation_sms = NULL, source = NULL, erased_at = $1 WHERE id IN ({list})",
                "DELETE FROM outbox WHERE meeting_id IN ({list}) AND $1 = $1",
            ],
            ids,
            now,
        )
        .await
    }

    /// Erase appointments' claimants (and every message about them); the reference, times,
    /// agent and status remain.
    pub async fn erase_appointments(
        &self,
        ids: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        over_ids(
            self,
            &[
                "UPDATE appointments SET claimant_name = '', claimant_birth_date = NULL,
                     claimant_phone = NULL, claimant_email = NULL, cancellation_reason = NULL,
                     erased_at = $1 WHERE id IN ({list})",
                "DELETE FROM outbox WHERE meeting_id IN ({list}) AND $1 = $1",
            ],
            ids,
            now,
        )
        .await
    }

    /// Erase the names and browsers of calls' participants; roles, times and network
    /// samples remain.
    pub async fn erase_sessions(&self, ids: &[String], now: DateTime<Utc>) -> Result<(), AppError> {
        over_ids(
            self,
            &[
                "UPDATE session_participants SET display_name = '', user_agent = NULL,
                     external_id = NULL WHERE session_id IN ({list}) AND $1 = $1",
                "UPDATE room_sessions SET erased_at = $1 WHERE id IN ({list})",
            ],
            ids,
            now,
        )
        .await
    }

    /// Blank the names in who was told of recordings past their company's period, and
    /// remove messages about nothing sent or given up long ago. Returns the rows changed.
    pub async fn erase_old_notices(&self, now: DateTime<Utc>) -> Result<u64, AppError> {
        let told = sqlx::query(&format!(
            "UPDATE recording_consents SET name = '' WHERE name <> '' AND recording_id IN
                 (SELECT r.id FROM recordings r JOIN companies c ON c.id = r.company_id
                  WHERE {})",
            past("r.started_at")
        ))
        .bind(to_ms(now))
        .execute(&self.pool)
        .await?;
        let messages = sqlx::query(
            "DELETE FROM outbox WHERE meeting_id IS NULL
                 AND COALESCE(sent_at, failed_at) < $1",
        )
        .bind(to_ms(now) - UNATTACHED_MESSAGE_DAYS * 86_400_000)
        .execute(&self.pool)
        .await?;
        Ok(told.rows_affected() + messages.rows_affected())
    }
}
