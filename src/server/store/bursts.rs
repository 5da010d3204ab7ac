//! Bookings made in a site's public form, as its owner sees them, and calling off a burst of
//! them: cancelled without notices (those would be more mail to the same victims), and with
//! their unsent invitations withdrawn from the outbox.

use super::tenancy::Scope;
use super::Col;
use super::{from_ms, to_ms, Store};
use super::{Args, Paging};
use crate::model::AppError;
use chrono::{DateTime, Utc};

/// A booking made in a site's form, as its owner sees it.
#[derive(Clone, Debug)]
pub struct FormBookingRow {
    /// The meeting.
    pub meeting: String,
    /// When it was booked.
    pub created_at: DateTime<Utc>,
    /// Its start.
    pub starts_at: DateTime<Utc>,
    /// `scheduled` or `cancelled`.
    pub status: String,
    /// Keyed hash of the booker's address (`-`: unknown).
    pub source: String,
}

/// A window of booking times, and optionally one source.
#[derive(Clone, Debug)]
pub struct BurstFilter<'a> {
    /// Booked at or after.
    pub from: DateTime<Utc>,
    /// Booked before.
    pub to: DateTime<Utc>,
    /// Only from this source.
    pub source: Option<&'a str>,
}

/// SQL: form bookings (meetings with a source) of site `$1` booked in `[$2, $3)`, of source
/// `$4` when it is not null.
const IN_WINDOW: &str = "m.site_id = $1 AND m.source IS NOT NULL AND m.created_at >= $2 \
     AND m.created_at < $3 AND ($4 IS NULL OR m.source = $4)";

impl Store {
    /// A page of a site's form bookings in the window, newest first, and how many there are;
    /// `None` when the site is not in scope.
    pub async fn form_bookings(
        &self,
        scope: &Scope,
        site: &str,
        filter: &BurstFilter<'_>,
        limit: u32,
        offset: u32,
    ) -> Result<Option<(Vec<FormBookingRow>, u64)>, AppError> {
        if self.site_company(scope, site).await?.is_none() {
            return Ok(None);
        }
        let (rows, total) = self
            .page(
                "m.id, m.created_at, m.starts_at, m.status, m.source",
                &format!("FROM meetings m WHERE {IN_WINDOW}"),
                "m.created_at DESC, m.id",
                Args::default()
                    .add(site)?
                    .add(to_ms(filter.from))?
                    .add(to_ms(filter.to))?
                    .add(filter.source)?,
                Paging { limit, offset },
            )
            .await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(FormBookingRow {
                    meeting: r.col("id")?,
                    created_at: from_ms(r.col("created_at")?),
                    starts_at: from_ms(r.col("starts_at")?),
                    status: r.col("status")?,
                    source: r.col("source")?,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        Ok(Some((items, total)))
    }

    /// Cancel the scheduled form bookings of a site in the window, silently, and withdraw
    /// their unsent messages, in one transaction. The meetings cancelled and the messages
    /// withdrawn; `None` when the site is not in scope.
    pub async fn cancel_burst(
        &self,
        scope: &Scope,
        site: &str,
        filter: &BurstFilter<'_>,
    ) -> Result<Option<(Vec<String>, u64)>, AppError> {
        if self.site_company(scope, site).await?.is_none() {
            return Ok(None);
        }
        let mut tx = self.begin_write().await?;
        let cancelled: Vec<String> = sqlx::query_scalar(&format!(
            "UPDATE meetings SET status = 'cancelled' WHERE status = 'scheduled' AND id IN
                 (SELECT m.id FROM meetings m WHERE {IN_WINDOW}) RETURNING id"
        ))
        .bind(site)
        .bind(to_ms(filter.from))
        .bind(to_ms(filter.to))
        .bind(filter.source)
        .fetch_all(&mut *tx)
        .await?;
        let mut withdrawn = 0;
        for meeting in &cancelled {
            withdrawn += sqlx::query(
                "DELETE FROM outbox WHERE meeting_id = $1 AND sent_at IS NULL AND failed_at IS NULL",
            )
            .bind(meeting)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        tracing::info!(
            site,
            cancelled = cancelled.len(),
            withdrawn,
            "a burst of bookings was called off"
        );
        Ok(Some((cancelled, withdrawn)))
    }
}
