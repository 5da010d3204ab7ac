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

/// What holds personal data under a company's retention period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kept {
    /// Meetings (scheduled or cancelled), from when their room closed.
    Meetings,
    /// Appointments, from when their room ended.
    Appointments,
    /// Calls (insights sessions), from when they ended (one never closed: its start).
    Sessions,
    /// Cloud recordings not yet deleted (local ones hold no file here), from their start.
    Recordings,
}

impl Kept {
    /// The table, the condition of rows not yet dealt with, and the time the period runs
    /// from.
    fn columns(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Kept::Meetings => ("meetings", "t.erased_at IS NULL", "t.closes_at"),
            Kept::Appointments => ("appointments", "t.erased_at IS NULL", "t.room_ends_at"),
            Kept::Sessions => (
                "room_sessions",
                "t.erased_at IS NULL",
                "COALESCE(t.ended_at, t.started_at)",
            ),
            Kept::Recordings => (
                "recordings",
                "t.mode = 'cloud' AND t.state <> 'deleted'",
                "t.started_at",
            ),
        }
    }
}

impl Store {
    /// Rows of `kept` whose company's period has passed at `now`: id and company, a batch
    /// at most, oldest first.
    pub async fn past_retention(
        &self,
        kept: Kept,
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, String)>, AppError> {
        let (table, pending, time) = kept.columns();
        let sql = format!(
            "SELECT t.id, t.company_id FROM {table} t JOIN companies c ON c.id = t.company_id
             WHERE {pending} AND {} ORDER BY {time} LIMIT $2",
            past(time)
        );
        let rows = sqlx::query(&sql)
            .bind(to_ms(now))
            .bind(BATCH)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.col("id")?, r.col("company_id")?)))
            .collect()
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
