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
