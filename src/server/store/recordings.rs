//! Recordings made in a host's browser: the row the hub writes when one starts (with who was
//! told, and when), the people told later, its stop. The files themselves and the rooms API's
//! view of them are in [`crate::server::recordings`].

use super::{to_ms, Store};
use crate::model::AppError;
use chrono::{DateTime, Utc};

/// A recording that just started: everyone present has been told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRecording {
    /// Its id.
    pub id: String,
    /// The room's company.
    pub company: String,
    /// The room (a rooms API room's id, or a meeting's).
    pub room_id: String,
    /// The room's name as the rooms API shows it (`/prefix-…`), or the meeting's id.
    pub room_name: String,
    /// The room's session (insights), if it records them.
    pub session: Option<String>,
    /// `local` or `cloud`.
    pub mode: &'static str,
    /// When everyone present had been told.
    pub started_at: DateTime<Utc>,
    /// Who was told before anything was recorded.
    pub told: Vec<Told>,
}

/// Someone told of a recording before they saw or heard anyone while it ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Told {
    /// Their peer id in the call.
    pub peer: String,
    /// The name they gave.
    pub name: String,
    /// `host`, `guest` or `viewer`.
    pub role: &'static str,
    /// When their page showed the notice.
    pub at: DateTime<Utc>,
}

impl Store {
    /// Record a recording's start and everyone told so far, in one transaction: a row
    /// without its consent never exists.
    pub async fn recording_started(&self, r: &NewRecording) -> Result<(), AppError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO recordings (id, company_id, room_id, room_name, session_id, mode, state,
                 started_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'recording', $7)",
        )
        .bind(&r.id)
        .bind(&r.company)
        .bind(&r.room_id)
        .bind(&r.room_name)
        .bind(&r.session)
        .bind(r.mode)
        .bind(to_ms(r.started_at))
        .execute(&mut *tx)
        .await?;
        for t in &r.told {
            insert_told(&mut tx, &r.id, t).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Someone was told of a running recording (a newcomer, before they were let in).
    pub async fn recording_told(&self, id: &str, t: &Told) -> Result<(), AppError> {
        let mut tx = self.begin_write().await?;
        insert_told(&mut tx, id, t).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The host stopped recording (or left): the last chunks may still arrive.
    pub async fn recording_stopped(&self, id: &str, at: DateTime<Utc>) -> Result<(), AppError> {
        sqlx::query(
            "UPDATE recordings SET state = 'stopped', stopped_at = $2
             WHERE id = $1 AND state = 'recording'",
        )
        .bind(id)
        .bind(to_ms(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Who was told of a recording, in the order they were told.
    pub async fn recording_consents(&self, id: &str) -> Result<Vec<Told>, AppError> {
        use super::Col;
        let rows = sqlx::query(
            "SELECT peer_id, name, role, told_at FROM recording_consents
             WHERE recording_id = $1 ORDER BY told_at, peer_id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Told {
                    peer: r.col("peer_id")?,
                    name: r.col("name")?,
                    role: match r.col::<String>("role")?.as_str() {
                        "host" => "host",
                        "viewer" => "viewer",
                        _ => "guest",
                    },
                    at: super::from_ms(r.col("told_at")?),
                })
            })
            .collect()
    }
}

async fn insert_told(tx: &mut super::WriteTx, id: &str, t: &Told) -> Result<(), AppError> {
    // Told twice (a page that answered again): the first time counts.
    sqlx::query(
        "INSERT INTO recording_consents (recording_id, peer_id, name, role, told_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (recording_id, peer_id) DO NOTHING",
    )
    .bind(id)
    .bind(&t.peer)
    .bind(&t.name)
    .bind(t.role)
    .bind(to_ms(t.at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A recording's row, as uploads, the sweeper and the rooms API read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordingRow {
    /// Its id.
    pub id: String,
    /// The room's company.
    pub company: String,
    /// The room.
    pub room_id: String,
    /// The room's name (`/prefix-…`), or the meeting's id.
    pub room_name: String,
    /// The room's session, if it records them.
    pub session: Option<String>,
    /// `local` or `cloud`.
    pub mode: String,
    /// `recording`, `stopped`, `ready` or `deleted`.
    pub state: String,
    /// When everyone present had been told.
    pub started_at: DateTime<Utc>,
    /// When the host stopped (none when the sweeper closed it).
    pub stopped_at: Option<DateTime<Utc>>,
    /// When its file was sealed.
    pub sealed_at: Option<DateTime<Utc>>,
    /// The number of the chunk expected next (chunks count from 0).
    pub next_chunk: i64,
    /// Bytes stored: the chunks so far, then the sealed file's size.
    pub bytes: i64,
    /// When the last chunk was stored.
    pub last_chunk_at: Option<DateTime<Utc>>,
}

impl RecordingRow {
    /// When it ended: the host's stop, else its last chunk, else its seal.
    pub fn ended_at(&self) -> DateTime<Utc> {
        self.stopped_at
            .or(self.last_chunk_at)
            .or(self.sealed_at)
            .unwrap_or(self.started_at)
    }
}

/// Where a page of recordings starts: the last one shown before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordingCursor {
    /// Its start, in milliseconds.
    pub started_ms: i64,
    /// Its id.
    pub id: String,
}

const RECORDING_COLUMNS: &str = "id, company_id, room_id, room_name, session_id, mode, state, \
     started_at, stopped_at, sealed_at, next_chunk, bytes, last_chunk_at";

fn recording_at(r: &sqlx::any::AnyRow) -> Result<RecordingRow, AppError> {
    use super::{from_ms, Col};
    let opt = |name: &str| -> Result<Option<DateTime<Utc>>, AppError> {
        Ok(r.col::<Option<i64>>(name)?.map(from_ms))
    };
    Ok(RecordingRow {
        id: r.col("id")?,
        company: r.col("company_id")?,
        room_id: r.col("room_id")?,
        room_name: r.col("room_name")?,
        session: r.col("session_id")?,
        mode: r.col("mode")?,
        state: r.col("state")?,
        started_at: from_ms(r.col("started_at")?),
        stopped_at: opt("stopped_at")?,
        sealed_at: opt("sealed_at")?,
        next_chunk: r.col("next_chunk")?,
        bytes: r.col("bytes")?,
        last_chunk_at: opt("last_chunk_at")?,
    })
}

impl Store {
    /// A recording, in any state.
    pub async fn recording(&self, id: &str) -> Result<Option<RecordingRow>, AppError> {
        let row = sqlx::query(&format!(
            "SELECT {RECORDING_COLUMNS} FROM recordings WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(recording_at).transpose()
    }

    /// A company's cloud recording that is ready (sealed, not deleted).
    pub async fn ready_recording(
        &self,
        company: &str,
        id: &str,
    ) -> Result<Option<RecordingRow>, AppError> {
        Ok(self
            .recording(id)
            .await?
            .filter(|r| r.company == company && r.mode == "cloud" && r.state == "ready"))
    }

    /// Bytes a company's cloud recordings hold (deleted ones do not count), and its limit in
    /// MiB.
    pub async fn recording_usage(&self, company: &str) -> Result<(i64, i64), AppError> {
        use super::Col;
        let row = sqlx::query(
            "SELECT CAST(COALESCE((SELECT SUM(bytes) FROM recordings
                 WHERE company_id = $1 AND mode = 'cloud' AND state <> 'deleted'), 0) AS BIGINT)
                 AS used, recording_limit_mb FROM companies WHERE id = $1",
        )
        .bind(company)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => Ok((r.col("used")?, r.col("recording_limit_mb")?)),
            // A company removed for good: nothing more may be stored for it.
            None => Ok((0, 0)),
        }
    }

    /// Chunk `seq` is on disk and the file now holds `bytes`: the next one is expected.
    /// `false` when `seq` was not the one expected any more, or uploads ended.
    pub async fn recording_chunk_stored(
        &self,
        id: &str,
        seq: i64,
        bytes: i64,
        at: DateTime<Utc>,
    ) -> Result<bool, AppError> {
        let done = sqlx::query(
            "UPDATE recordings SET next_chunk = next_chunk + 1, bytes = $3, last_chunk_at = $4
             WHERE id = $1 AND next_chunk = $2 AND state IN ('recording', 'stopped')",
        )
        .bind(id)
        .bind(seq)
        .bind(bytes)
        .bind(to_ms(at))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The recording's file is sealed (`bytes` long): ready to be fetched. `false` when it
    /// was sealed or deleted before.
    pub async fn recording_sealed(
        &self,
        id: &str,
        bytes: i64,
        at: DateTime<Utc>,
    ) -> Result<bool, AppError> {
        let done = sqlx::query(
            "UPDATE recordings SET state = 'ready', bytes = $2, sealed_at = $3
             WHERE id = $1 AND state IN ('recording', 'stopped')",
        )
        .bind(id)
        .bind(bytes)
        .bind(to_ms(at))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Cloud recordings whose uploads are over: stopped with no chunk since `stopped_before`,
    /// or still recording with none since `recording_before` (the host's page is gone).
    pub async fn recordings_to_seal(
        &self,
        stopped_before: DateTime<Utc>,
        recording_before: DateTime<Utc>,
    ) -> Result<Vec<RecordingRow>, AppError> {
        let rows = sqlx::query(&format!(
            "SELECT {RECORDING_COLUMNS} FROM recordings
             WHERE mode = 'cloud' AND (
                 (state = 'stopped' AND COALESCE(last_chunk_at, stopped_at, started_at) < $1)
              OR (state = 'recording' AND COALESCE(last_chunk_at, started_at) < $2))
             ORDER BY started_at LIMIT 100"
        ))
        .bind(to_ms(stopped_before))
        .bind(to_ms(recording_before))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(recording_at).collect()
    }

    /// Mark a company's cloud recording deleted (a tombstone: its consents stay). The row
    /// as it was, when it was not deleted before.
    pub async fn recording_deleted(
        &self,
        company: &str,
        id: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<RecordingRow>, AppError> {
        let Some(row) = self
            .recording(id)
            .await?
            .filter(|r| r.company == company && r.mode == "cloud" && r.state != "deleted")
        else {
            return Ok(None);
        };
        let done = sqlx::query(
            "UPDATE recordings SET state = 'deleted', deleted_at = $2
             WHERE id = $1 AND state <> 'deleted'",
        )
        .bind(id)
        .bind(to_ms(at))
        .execute(&self.pool)
        .await?;
        Ok((done.rows_affected() == 1).then_some(row))
    }

    /// Close a cloud recording that has no file to keep (it never stored a byte, or its
    /// bytes are gone from disk): only its consents stay (a tombstone, as a deleted one).
    pub async fn recording_without_file(
        &self,
        id: &str,
        at: DateTime<Utc>,
    ) -> Result<(), AppError> {
        sqlx::query(
            "UPDATE recordings SET state = 'deleted', deleted_at = $2, purged_at = $2
             WHERE id = $1 AND state IN ('recording', 'stopped')",
        )
        .bind(id)
        .bind(to_ms(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A deleted recording's files are gone from disk.
    pub async fn recording_purged(&self, id: &str, at: DateTime<Utc>) -> Result<(), AppError> {
        sqlx::query(
            "UPDATE recordings SET purged_at = $2
             WHERE id = $1 AND state = 'deleted' AND purged_at IS NULL",
        )
        .bind(id)
        .bind(to_ms(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deleted recordings whose files may still be on disk: `(company, id)`.
    pub async fn recordings_to_purge(&self) -> Result<Vec<(String, String)>, AppError> {
        Ok(sqlx::query_as(
            "SELECT company_id, id FROM recordings
             WHERE state = 'deleted' AND purged_at IS NULL ORDER BY id LIMIT 100",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// A page of a company's ready cloud recordings after `cursor`, by start (newest first
    /// when `newest_first`), of room `room_name` only if given.
    pub async fn ready_recordings(
        &self,
        company: &str,
        room_name: Option<&str>,
        newest_first: bool,
        cursor: Option<&RecordingCursor>,
        limit: u32,
    ) -> Result<Vec<RecordingRow>, AppError> {
        let (after, dir) = if newest_first {
            ("started_at < $2 OR (started_at = $2 AND id < $3)", "DESC")
        } else {
            ("started_at > $2 OR (started_at = $2 AND id > $3)", "ASC")
        };
        let (started, id) = match (cursor, newest_first) {
            (Some(c), _) => (c.started_ms, c.id.as_str()),
            (None, true) => (i64::MAX, ""),
            (None, false) => (i64::MIN, ""),
        };
        // Keyset paging on the (company, started_at, id) index: a page costs the same however
        // many came before it.
        let sql = format!(
            "SELECT {RECORDING_COLUMNS} FROM recordings
             WHERE company_id = $1 AND mode = 'cloud' AND state = 'ready' AND ({after}){}
             ORDER BY started_at {dir}, id {dir} LIMIT $4",
            if room_name.is_some() {
                " AND room_name = $5"
            } else {
                ""
            }
        );
        let mut q = sqlx::query(&sql)
            .bind(company)
            .bind(started)
            .bind(id)
            .bind(limit as i64);
        if let Some(name) = room_name {
            q = q.bind(name);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(recording_at).collect()
    }

    /// The ready cloud recordings of rooms `rooms`, oldest first.
    pub async fn room_recordings(&self, rooms: &[&str]) -> Result<Vec<RecordingRow>, AppError> {
        if rooms.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {RECORDING_COLUMNS} FROM recordings
             WHERE room_id IN ({}) AND mode = 'cloud' AND state = 'ready'
             ORDER BY started_at, id",
            super::placeholders(1, rooms.len())
        );
        let rows = rooms
            .iter()
            .fold(sqlx::query(&sql), |q, r| q.bind(*r))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(recording_at).collect()
    }

    /// Set a company's storage limit for cloud recordings, in MiB. `false`: no such company.
    pub async fn set_recording_limit(&self, company: &str, mb: i64) -> Result<bool, AppError> {
        let done = sqlx::query("UPDATE companies SET recording_limit_mb = $2 WHERE id = $1")
            .bind(company)
            .bind(mb)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
