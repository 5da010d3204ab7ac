//! Call limits counted in the database, so that every node serving one database counts the
//! same calls (see `crate::server::api::quota`). One row per limited key: its current window
//! and what was spent in it. Each change is one statement, atomic on its own on both engines,
//! and none takes the turn to write: counting a call never waits behind a booking.

use super::Store;
use crate::model::AppError;

impl Store {
    /// Spend `cost` of key `tag`'s window `[start, end)` (seconds) if that keeps it within
    /// `limit`: `(spent in the window, allowed)`. A refused call spends nothing.
    pub async fn spend_quota(
        &self,
        tag: &str,
        (start, end): (i64, i64),
        cost: u32,
        limit: u32,
    ) -> Result<(u32, bool), AppError> {
        if cost > limit {
            return Ok((0, false));
        }
        // A row of an earlier window starts again from this call; one of this window grows
        // only while it stays within the limit (else the update does nothing and returns
        // no row).
        let spent: Option<i64> = sqlx::query_scalar(
            "INSERT INTO quota_windows (key_tag, window_start, window_end, used)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (key_tag) DO UPDATE SET
                 used = CASE WHEN quota_windows.window_start = excluded.window_start
                             THEN quota_windows.used + excluded.used ELSE excluded.used END,
                 window_start = excluded.window_start, window_end = excluded.window_end
             WHERE quota_windows.window_start <> excluded.window_start
                OR quota_windows.used + excluded.used <= $5
             RETURNING used",
        )
        .bind(tag)
        .bind(start)
        .bind(end)
        .bind(i64::from(cost))
        .bind(i64::from(limit))
        .fetch_optional(&self.pool)
        .await?;
        match spent {
            Some(used) => Ok((used.max(0) as u32, true)),
            None => {
                let used: Option<i64> = sqlx::query_scalar(
                    "SELECT used FROM quota_windows WHERE key_tag = $1 AND window_start = $2",
                )
                .bind(tag)
                .bind(start)
                .fetch_optional(&self.pool)
                .await?;
                Ok((used.unwrap_or(0).max(0) as u32, false))
            }
        }
    }

    /// Give back one call of key `tag` spent in the window starting at `start` (seconds).
    pub async fn refund_quota(&self, tag: &str, start: i64) -> Result<(), AppError> {
        sqlx::query(
            "UPDATE quota_windows SET used = used - 1
             WHERE key_tag = $1 AND window_start = $2 AND used > 0",
        )
        .bind(tag)
        .bind(start)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Forget the windows that ended before `now` (seconds): how many.
    pub async fn sweep_quotas(&self, now: i64) -> Result<u64, AppError> {
        let done = sqlx::query("DELETE FROM quota_windows WHERE window_end <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
