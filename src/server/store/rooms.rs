//! Rooms the Whereby way: transient rooms of a company, alive from creation to an hour after
//! their end, their theme and images. A deleted room stays as a tombstone until it would have
//! closed (deleting twice answers the same), then the sweeper removes both kinds.

use super::Col;
use super::{from_ms, to_ms, Store};
use crate::model::api::rules::Image;
use crate::model::AppError;
use chrono::{DateTime, Utc};

/// A room as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomRow {
    /// The meeting id of the API.
    pub id: String,
    /// Its company (organisation).
    pub company: String,
    /// `/prefix-…`, as the API shows it.
    pub name: String,
    /// Only hosts let others in (everyone else knocks).
    pub is_locked: bool,
    /// `normal` (the only mode without a media server).
    pub mode: String,
    /// `viewerMode`, or none.
    pub template: Option<String>,
    /// The recording options, JSON.
    pub recording: Option<String>,
    /// When it was made (the API's `startDate`).
    pub starts_at: DateTime<Utc>,
    /// The meeting's end.
    pub ends_at: DateTime<Utc>,
    /// When its links die: an hour after the end.
    pub closes_at: DateTime<Utc>,
    /// When made (orders lists).
    pub created_at: DateTime<Utc>,
    /// Custom colours, JSON.
    pub theme: Option<String>,
}

/// Which image of a room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoomImage {
    /// The logo.
    Logo,
    /// Behind the call.
    Background,
    /// Behind the knock (waiting) page.
    Knock,
}

impl RoomImage {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            RoomImage::Logo => "logo",
            RoomImage::Background => "background",
            RoomImage::Knock => "knock",
        }
    }
}

const COLUMNS: &str = "r.id, r.company_id, r.name, r.is_locked, r.mode, r.template, r.recording, \
     r.starts_at, r.ends_at, r.closes_at, r.created_at, r.theme";

/// SQL condition on a room `r`: neither deleted nor closed at `$now` (its parameter number
/// given), and its company serves the public.
fn live(now: usize) -> String {
    format!(
        "r.deleted_at IS NULL AND r.closes_at > ${now} AND {}",
        company_is_live!("r.company_id")
    )
}

fn room_at(r: &sqlx::any::AnyRow) -> Result<RoomRow, AppError> {
    Ok(RoomRow {
        id: r.col("id")?,
        company: r.col("company_id")?,
        name: r.col("name")?,
        is_locked: r.flag("is_locked")?,
        mode: r.col("mode")?,
        template: r.col("template")?,
        recording: r.col("recording")?,
        starts_at: from_ms(r.col("starts_at")?),
        ends_at: from_ms(r.col("ends_at")?),
        closes_at: from_ms(r.col("closes_at")?),
        created_at: from_ms(r.col("created_at")?),
        theme: r.col("theme")?,
    })
}

/// Where a page of a company's rooms starts: after this room (creation time, id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomCursor {
    /// The previous page's last room's creation, in milliseconds.
    pub created_ms: i64,
    /// Its id.
    pub id: String,
}

impl Store {
    /// Store a new room. `Ok(false)` when its name is taken (the caller draws another).
    pub async fn create_room(&self, room: &RoomRow) -> Result<bool, AppError> {
        let done = sqlx::query(
            "INSERT INTO rooms (id, company_id, name, is_locked, mode, template, recording,
                 starts_at, ends_at, closes_at, created_at, theme)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(&room.id)
        .bind(&room.company)
        .bind(&room.name)
        .bind(room.is_locked as i64)
        .bind(&room.mode)
        .bind(&room.template)
        .bind(&room.recording)
        .bind(to_ms(room.starts_at))
        .bind(to_ms(room.ends_at))
        .bind(to_ms(room.closes_at))
        .bind(to_ms(room.created_at))
        .bind(&room.theme)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A live room of a company by its meeting id.
    pub async fn room(&self, company: &str, id: &str) -> Result<Option<RoomRow>, AppError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM rooms r WHERE r.id = $1 AND r.company_id = $2 AND {}",
            live(3)
        ))
        .bind(id)
        .bind(company)
        .bind(to_ms(Utc::now()))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(room_at).transpose()
    }

    /// A live room by its meeting id, whoever's it is (a signed resume token names it).
    pub async fn live_room(&self, id: &str) -> Result<Option<RoomRow>, AppError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM rooms r WHERE r.id = $1 AND {}",
            live(2)
        ))
        .bind(id)
        .bind(to_ms(Utc::now()))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(room_at).transpose()
    }

    /// A live room by its name (`/prefix-…`): of a company, or (`None`) of anyone, as its
    /// links find it.
    pub async fn room_named(
        &self,
        company: Option<&str>,
        name: &str,
    ) -> Result<Option<RoomRow>, AppError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM rooms r WHERE r.name = $1 AND ($2 IS NULL OR r.company_id = $2)
               AND {}",
            live(3)
        ))
        .bind(name)
        .bind(company)
        .bind(to_ms(Utc::now()))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(room_at).transpose()
    }

    /// Up to `limit` live rooms of a company in creation order, after `cursor`.
    pub async fn rooms_after(
        &self,
        company: &str,
        cursor: Option<&RoomCursor>,
        limit: u32,
    ) -> Result<Vec<RoomRow>, AppError> {
        let (created, id) = match cursor {
            Some(c) => (c.created_ms, c.id.as_str()),
            None => (i64::MIN, ""),
        };
        // Keyset paging on the (company, created_at, id) index: a page costs the same however
        // many rooms came before it.
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM rooms r WHERE r.company_id = $1
               AND (r.created_at > $2 OR (r.created_at = $2 AND r.id > $3)) AND {}
             ORDER BY r.created_at, r.id LIMIT $5",
            live(4)
        ))
        .bind(company)
        .bind(created)
        .bind(id)
        .bind(to_ms(Utc::now()))
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(room_at).collect()
    }

    /// Delete a company's room: its links die at once. `Some` also when it was deleted
    /// before (the API's delete is idempotent); `None` when the company has no such room.
    pub async fn delete_room(&self, company: &str, id: &str) -> Result<Option<()>, AppError> {
        let now = to_ms(Utc::now());
        sqlx::query(
            "UPDATE rooms SET deleted_at = $1 WHERE id = $2 AND company_id = $3 AND deleted_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(company)
        .execute(&self.pool)
        .await?;
        let known: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM rooms WHERE id = $1 AND company_id = $2")
                .bind(id)
                .bind(company)
                .fetch_optional(&self.pool)
                .await?;
        Ok(known.map(|_| ()))
    }

    /// Lock or unlock a room (its host did, in the call): the next to open the room finds it so.
    pub async fn set_room_locked(&self, id: &str, locked: bool) -> Result<(), AppError> {
        sqlx::query("UPDATE rooms SET is_locked = $1 WHERE id = $2")
            .bind(locked as i64)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Set (`Some`) or clear a live room's custom colours. `None` when there is no such room.
    pub async fn set_room_theme(
        &self,
        company: &str,
        name: &str,
        theme: Option<&str>,
    ) -> Result<Option<()>, AppError> {
        let done = sqlx::query(&format!(
            "UPDATE rooms SET theme = $1 WHERE name = $2 AND company_id = $3 AND id IN
                 (SELECT r.id FROM rooms r WHERE {})",
            live(4)
        ))
        .bind(theme)
        .bind(name)
        .bind(company)
        .bind(to_ms(Utc::now()))
        .execute(&self.pool)
        .await?;
        Ok((done.rows_affected() == 1).then_some(()))
    }

    /// Replace (`Some`) or remove a live room's image. `None` when there is no such room.
    pub async fn set_room_image(
        &self,
        company: &str,
        name: &str,
        kind: RoomImage,
        image: Option<&Image>,
    ) -> Result<Option<()>, AppError> {
        let Some(room) = self.room_named(Some(company), name).await? else {
            return Ok(None);
        };
        match image {
            Some(img) => sqlx::query(
                "INSERT INTO room_images (room_id, kind, media_type, bytes, updated_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (room_id, kind) DO UPDATE SET media_type = excluded.media_type,
                     bytes = excluded.bytes, updated_at = excluded.updated_at",
            )
            .bind(&room.id)
            .bind(kind.as_str())
            .bind(img.media_type)
            .bind(&img.bytes)
            .bind(to_ms(Utc::now())),
            None => sqlx::query("DELETE FROM room_images WHERE room_id = $1 AND kind = $2")
                .bind(&room.id)
                .bind(kind.as_str()),
        }
        .execute(&self.pool)
        .await?;
        Ok(Some(()))
    }

    /// Which images a room has.
    pub async fn room_image_kinds(&self, room: &str) -> Result<Vec<RoomImage>, AppError> {
        let kinds: Vec<String> =
            sqlx::query_scalar("SELECT kind FROM room_images WHERE room_id = $1")
                .bind(room)
                .fetch_all(&self.pool)
                .await?;
        Ok([RoomImage::Logo, RoomImage::Background, RoomImage::Knock]
            .into_iter()
            .filter(|k| kinds.iter().any(|s| s == k.as_str()))
            .collect())
    }

    /// A live room's image: its media type and bytes.
    pub async fn room_image(
        &self,
        room: &str,
        kind: RoomImage,
    ) -> Result<Option<(String, Vec<u8>)>, AppError> {
        sqlx::query_as(&format!(
            "SELECT i.media_type, i.bytes FROM room_images i JOIN rooms r ON r.id = i.room_id
             WHERE i.room_id = $1 AND i.kind = $2 AND {}",
            live(3)
        ))
        .bind(room)
        .bind(kind.as_str())
        .bind(to_ms(Utc::now()))
        .fetch_optional(&self.pool)
        .await
        .map_err(AppError::from)
    }

    /// Remove the rooms (deleted ones too) closed by `now`, with their images. How many.
    pub async fn sweep_rooms(&self, now: DateTime<Utc>) -> Result<u64, AppError> {
        let done = sqlx::query("DELETE FROM rooms WHERE closes_at <= $1")
            .bind(to_ms(now))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
