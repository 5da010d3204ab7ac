//! Sites' images (logo, waiting-room background): stored beside the site, served by Consult.

use super::{to_ms, Store};
use crate::model::api::rules::Image;
use crate::model::AppError;
use chrono::Utc;

/// Which image of a site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteImage {
    /// Shown at the top of the booking form and the waiting room.
    Logo,
    /// Behind the waiting room.
    Background,
}

impl SiteImage {
    /// As stored, and in the image's address (`/media/sites/{id}/{kind}`).
    pub fn as_str(self) -> &'static str {
        match self {
            SiteImage::Logo => "logo",
            SiteImage::Background => "background",
        }
    }

    /// From its name in an address.
    pub fn parse(s: &str) -> Option<SiteImage> {
        match s {
            "logo" => Some(SiteImage::Logo),
            "background" => Some(SiteImage::Background),
            _ => None,
        }
    }
}

/// Replace (`Some`) or remove (`None`) a site's image, inside the caller's transaction.
pub(super) async fn set_site_image(
    tx: &mut sqlx::AnyConnection,
    site: &str,
    kind: SiteImage,
    image: Option<&Image>,
) -> Result<(), AppError> {
    match image {
        Some(img) => sqlx::query(
            "INSERT INTO site_images (site_id, kind, media_type, bytes, updated_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (site_id, kind) DO UPDATE SET media_type = excluded.media_type,
                 bytes = excluded.bytes, updated_at = excluded.updated_at",
        )
        .bind(site)
        .bind(kind.as_str())
        .bind(img.media_type)
        .bind(&img.bytes)
        .bind(to_ms(Utc::now())),
        None => sqlx::query("DELETE FROM site_images WHERE site_id = $1 AND kind = $2")
            .bind(site)
            .bind(kind.as_str()),
    }
    .execute(&mut *tx)
    .await?;
    Ok(())
}

impl Store {
    /// A site's image: its media type and bytes. Deleted sites have none.
    pub async fn site_image(
        &self,
        site: &str,
        kind: SiteImage,
    ) -> Result<Option<(String, Vec<u8>)>, AppError> {
        sqlx::query_as(
            "SELECT i.media_type, i.bytes FROM site_images i JOIN sites s ON s.id = i.site_id
             WHERE i.site_id = $1 AND i.kind = $2 AND s.deleted_at IS NULL",
        )
        .bind(site)
        .bind(kind.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(AppError::from)
    }
}
