//! Sites as the REST API manages them.

use super::images::{set_site_image, SiteImage};
use super::sites::OpeningHours;
use super::tenancy::Scope;
use super::tenancy::{company_brief_at, CompanyBrief};
use super::users::queue_activations;
use super::users::{user_at, UserRow, USER_COLUMNS};
use super::Col;
use super::{placeholders, refuse_while_upcoming, to_ms, Store};
use super::{set_column, Value};
use super::{Args, Paging};
use crate::model::api::rules::Image;
use crate::model::api::sites::{SitePatch, DEFAULT_CANCEL_TEXT, DEFAULT_INVITE_TEXT};
use crate::model::AppError;
use crate::server::tokens::new_id;
use chrono::Utc;
use sqlx::any::AnyRow;

/// A site as stored, with its company, users and allowed origins, and which images it has.
/// Texts left unset are `None` (an adapter shows the defaults).
#[derive(Clone, Debug)]
pub struct SiteRecord {
    /// Its id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Its company.
    pub company: CompanyBrief,
    /// Users on the site.
    pub users: Vec<UserRow>,
    /// Allowed origins.
    pub origins: Vec<String>,
    /// Has a logo.
    pub has_logo: bool,
    /// Has a waiting-room background.
    pub has_background: bool,
    /// Theme font.
    pub font: Option<String>,
    /// Theme text colour.
    pub text_color: Option<String>,
    /// Invitation text.
    pub invite_text: Option<String>,
    /// Cancellation text.
    pub cancel_text: Option<String>,
    /// Hardware-test text.
    pub hardwaretest_text: Option<String>,
    /// The hardware-test link goes with invitations.
    pub hardwaretest: bool,
    /// IANA zone.
    pub time_zone: String,
    /// Appointment length.
    pub slot_minutes: u32,
    /// Free time around meetings.
    pub buffer_minutes: u32,
    /// Minimum notice.
    pub min_notice_minutes: u32,
    /// Days ahead.
    pub horizon_days: u32,
    /// Weekly hours.
    pub opening_hours: OpeningHours,
    /// Closed local dates (`YYYY-MM-DD`).
    pub closed_dates: Vec<String>,
    /// Dates with hours of their own.
    pub special_hours: crate::server::availability::SpecialHours,
    /// Privacy statement.
    pub privacy_url: Option<String>,
    /// Phone country code.
    pub phone_prefix: String,
    /// Bookings need signed prefilled details.
    pub prefill_required: bool,
    /// The host may see a waiting customer's camera.
    pub waiting_preview: bool,
    /// Whether the agent may record the site's meetings, and where.
    pub recording: crate::model::api::sites::SiteRecording,
    /// Generation of the prefill key.
    pub prefill_generation: i64,
}

/// A site's columns, with its company's ([`SITE_FROM`]) and which images it has.
const SITE_COLUMNS: &str = "s.*, c.id AS c_id, c.name AS c_name, c.suspended AS c_suspended,
     cc.id AS cc_id, cc.first_name AS cc_first_name, cc.last_name AS cc_last_name,
     cc.email AS cc_email, cc.phone AS cc_phone, cc.language AS cc_language,
     CASE WHEN EXISTS (SELECT 1 FROM site_images i WHERE i.site_id = s.id AND i.kind = 'logo') THEN 1 ELSE 0 END AS has_logo,
     CASE WHEN EXISTS (SELECT 1 FROM site_images i WHERE i.site_id = s.id AND i.kind = 'background') THEN 1 ELSE 0 END AS has_background";

/// Sites with their company and its contact.
const SITE_FROM: &str = "FROM sites s JOIN companies c ON c.id = s.company_id
     LEFT JOIN contacts cc ON cc.id = c.contact_id";

/// A new site from the API, validated.
#[derive(Clone, Debug)]
pub struct NewApiSite {
    /// Company.
    pub company: String,
    /// Name.
    pub name: String,
    /// Users on the site.
    pub users: Vec<String>,
    /// Theme font.
    pub font: Option<String>,
    /// Theme text colour.
    pub text_color: Option<String>,
    /// Invitation text.
    pub invite_text: Option<String>,
    /// Cancellation text.
    pub cancel_text: Option<String>,
    /// Hardware-test text.
    pub hardwaretest_text: Option<String>,
    /// Hardware-test link on.
    pub hardwaretest: bool,
    /// Allowed origins.
    pub origins: Vec<String>,
    /// Logo.
    pub logo: Option<Image>,
    /// Waiting-room background.
    pub background: Option<Image>,
}

/// Sites of the API start with these hours: weekdays 09:00 to 17:00, Amsterdam time,
/// 30-minute appointments.
fn default_hours() -> OpeningHours {
    OpeningHours::weekly(&[0, 1, 2, 3, 4], 9 * 60, 17 * 60)
}

async fn set_users(
    sealer: &crate::server::seal::Sealer,
    tx: &mut sqlx::AnyConnection,
    site: &str,
    company: &str,
    users: &[String],
    base: &str,
) -> Result<(), AppError> {
    for u in users {
        let ok: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE id = $1 AND company_id = $2 AND deleted_at IS NULL",
        )
        .bind(u)
        .bind(company)
        .fetch_one(&mut *tx)
        .await?;
        if ok == 0 {
            return Err(AppError::not_found("user").with_field("users"));
        }
    }
    sqlx::query("DELETE FROM site_users WHERE site_id = $1")
        .bind(site)
        .execute(&mut *tx)
        .await?;
    for u in users {
        sqlx::query(
            "INSERT INTO site_users (site_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(site)
        .bind(u)
        .execute(&mut *tx)
        .await?;
    }
    queue_activations(sealer, tx, users, base).await
}

async fn set_origins(
    tx: &mut sqlx::AnyConnection,
    site: &str,
    origins: &[String],
) -> Result<(), AppError> {
    sqlx::query("DELETE FROM site_origins WHERE site_id = $1")
        .bind(site)
        .execute(&mut *tx)
        .await?;
    for o in origins {
        sqlx::query(
            "INSERT INTO site_origins (site_id, origin) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(site)
        .bind(o)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Validated changes to a site's availability (fields left out stay as they are).
#[derive(Clone, Debug, Default)]
pub struct AvailabilityChange {
    /// IANA zone.
    pub time_zone: Option<String>,
    /// Appointment length.
    pub slot_minutes: Option<u32>,
    /// Free time around meetings.
    pub buffer_minutes: Option<u32>,
    /// Minimum notice.
    pub min_notice_minutes: Option<u32>,
    /// Days ahead.
    pub horizon_days: Option<u32>,
    /// Opening hours.
    pub opening_hours: Option<OpeningHours>,
    /// Closed local dates, sorted.
    pub closed_dates: Option<Vec<chrono::NaiveDate>>,
    /// Dates with hours of their own.
    pub special_hours: Option<crate::server::availability::SpecialHours>,
}

impl Store {
    async fn site_row(&self, scope: &Scope, id: &str) -> Result<Option<AnyRow>, AppError> {
        let (cond, param) = scope.companies();
        sqlx::query(&format!(
            "SELECT s.* FROM sites s JOIN companies c ON c.id = s.company_id
             WHERE s.id = $1 AND s.deleted_at IS NULL AND {cond}$2"
        ))
        .bind(id)
        .bind(param)
        .fetch_optional(&self.pool)
        .await
        .map_err(AppError::from)
    }

    /// The company of a site in scope.
    pub async fn site_company(&self, scope: &Scope, id: &str) -> Result<Option<String>, AppError> {
        self.site_row(scope, id)
            .await?
            .map(|r| r.col("company_id"))
            .transpose()
    }

    /// Sites by their rows (selected with [`SITE_COLUMNS`] from [`SITE_FROM`]), with their
    /// users and origins read for all of them at once: three queries for a page, whatever
    /// its size.
    async fn site_records(&self, rows: &[AnyRow]) -> Result<Vec<SiteRecord>, AppError> {
        let ids: Vec<String> = rows.iter().map(|r| r.col("id")).collect::<Result<_, _>>()?;
        let list = placeholders(1, ids.len());
        let sql = format!(
            "SELECT su.site_id AS site_id, {USER_COLUMNS}
             FROM site_users su JOIN users u ON u.id = su.user_id
               JOIN companies c ON c.id = u.company_id JOIN packages p ON p.id = c.package_id
             WHERE su.site_id IN ({list}) AND u.deleted_at IS NULL
             ORDER BY u.created_at, u.id"
        );
        let user_rows = ids
            .iter()
            .fold(sqlx::query(&sql), |q, id| q.bind(id))
            .fetch_all(&self.pool)
            .await?;
        let mut users: Vec<(String, UserRow)> = Vec::with_capacity(user_rows.len());
        for r in &user_rows {
            users.push((r.col("site_id")?, user_at(r, false)?));
        }
        let sql = format!(
            "SELECT site_id, origin FROM site_origins WHERE site_id IN ({list}) ORDER BY origin"
        );
        let origins: Vec<(String, String)> = ids
            .iter()
            .fold(sqlx::query_as(&sql), |q, id| q.bind(id))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .zip(ids)
            .map(|(r, id)| {
                Ok(SiteRecord {
                    name: r.col("name")?,
                    company: company_brief_at(r)?,
                    users: users
                        .iter()
                        .filter(|(site, _)| *site == id)
                        .map(|(_, u)| u.clone())
                        .collect(),
                    origins: origins
                        .iter()
                        .filter(|(site, _)| *site == id)
                        .map(|(_, o)| o.clone())
                        .collect(),
                    has_logo: r.flag("has_logo")?,
                    has_background: r.flag("has_background")?,
                    font: r.col("font")?,
                    text_color: r.col("text_color")?,
                    invite_text: r.col("email_invite_text")?,
                    cancel_text: r.col("email_cancel_text")?,
                    hardwaretest_text: r.col("email_hardwaretest_text")?,
                    hardwaretest: r.flag("email_enable_hardwaretest")?,
                    time_zone: r.col("time_zone")?,
                    slot_minutes: r.col::<i64>("slot_minutes")? as u32,
                    buffer_minutes: r.col::<i64>("buffer_minutes")? as u32,
                    min_notice_minutes: r.col::<i64>("min_notice_minutes")? as u32,
                    horizon_days: r.col::<i64>("horizon_days")? as u32,
                    opening_hours: serde_json::from_str(&r.col::<String>("opening_hours")?)
                        .map_err(|_| AppError::internal())?,
                    closed_dates: serde_json::from_str(&r.col::<String>("closed_dates")?)
                        .map_err(|_| AppError::internal())?,
                    special_hours: serde_json::from_str(&r.col::<String>("special_hours")?)
                        .map_err(|_| AppError::internal())?,
                    privacy_url: r.col("privacy_url")?,
                    phone_prefix: r.col("phone_prefix")?,
                    prefill_required: r.flag("prefill_required")?,
                    waiting_preview: r.flag("waiting_preview")?,
                    recording: crate::model::api::sites::SiteRecording::parse(
                        &r.col::<String>("recording")?,
                    ),
                    prefill_generation: r.col("prefill_generation")?,
                    id,
                })
            })
            .collect()
    }

    /// A site in scope.
    pub async fn site_api(&self, scope: &Scope, id: &str) -> Result<Option<SiteRecord>, AppError> {
        let (cond, param) = scope.companies();
        let row = sqlx::query(&format!(
            "SELECT {SITE_COLUMNS} {SITE_FROM} WHERE s.id = $1 AND s.deleted_at IS NULL AND {cond}$2"
        ))
        .bind(id)
        .bind(param)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => Ok(self.site_records(&[r]).await?.pop()),
            None => Ok(None),
        }
    }

    /// Sites in scope, oldest first.
    pub async fn sites_api(
        &self,
        scope: &Scope,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<SiteRecord>, u64), AppError> {
        let (cond, param) = scope.companies();
        let (rows, total) = self
            .page(
                SITE_COLUMNS,
                &format!("{SITE_FROM} WHERE s.deleted_at IS NULL AND {cond}$1"),
                "s.created_at, s.id",
                Args::default().add(param)?,
                Paging { limit, offset },
            )
            .await?;
        Ok((self.site_records(&rows).await?, total))
    }

    /// Create a site in a company in scope, with its users and origins, in one transaction.
    pub async fn create_site_api(
        &self,
        scope: &Scope,
        s: &NewApiSite,
        base: &str,
    ) -> Result<SiteRecord, AppError> {
        if !self.company_in_scope(scope, &s.company).await? {
            return Err(AppError::not_found("company").with_field("company"));
        }
        let id = new_id();
        let hours = serde_json::to_string(&default_hours()).map_err(|_| AppError::internal())?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO sites (id, company_id, name, time_zone, slot_minutes, opening_hours, font, text_color,
                                email_invite_text, email_cancel_text, email_hardwaretest_text,
                                email_enable_hardwaretest, created_at)
             VALUES ($1, $2, $3, 'Europe/Amsterdam', 30, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&id)
        .bind(&s.company)
        .bind(&s.name)
        .bind(hours)
        .bind(&s.font)
        .bind(&s.text_color)
        .bind(&s.invite_text)
        .bind(&s.cancel_text)
        .bind(&s.hardwaretest_text)
        .bind(s.hardwaretest as i64)
        .bind(to_ms(Utc::now()))
        .execute(&mut *tx)
        .await?;
        set_users(&self.sealer, &mut tx, &id, &s.company, &s.users, base).await?;
        set_origins(&mut tx, &id, &s.origins).await?;
        for (kind, image) in [
            (SiteImage::Logo, &s.logo),
            (SiteImage::Background, &s.background),
        ] {
            if let Some(img) = image {
                set_site_image(&mut tx, &id, kind, Some(img)).await?;
            }
        }
        tx.commit().await?;
        self.site_api(scope, &id)
            .await?
            .ok_or_else(AppError::internal)
    }

    /// Change a site in scope (validated patch), in one transaction.
    pub async fn update_site_api(
        &self,
        scope: &Scope,
        id: &str,
        p: &SitePatch,
        availability: Option<&AvailabilityChange>,
        images: &[(SiteImage, Option<Image>)],
        base: &str,
    ) -> Result<Option<SiteRecord>, AppError> {
        let Some(row) = self.site_row(scope, id).await? else {
            return Ok(None);
        };
        let company: String = row.col("company_id")?;
        let mut tx = self.begin_write().await?;
        let texts = [
            ("name", p.name.as_deref()),
            ("font", p.videochat_font_type.as_deref()),
            ("text_color", p.videochat_text_color.as_deref()),
            ("email_invite_text", p.email_invite_text.as_deref()),
            ("email_cancel_text", p.email_cancel_text.as_deref()),
            (
                "email_hardwaretest_text",
                p.email_hardwaretest_text.as_deref(),
            ),
        ];
        for (column, value) in texts {
            if let Some(v) = value {
                set_column(&mut tx, "sites", column, id, v).await?;
            }
        }
        if let Some(url) = &p.privacy_url {
            // Empty removes the link.
            set_column(
                &mut tx,
                "sites",
                "privacy_url",
                id,
                (!url.is_empty()).then_some(url),
            )
            .await?;
        }
        if let Some(preview) = p.waiting_preview {
            set_column(&mut tx, "sites", "waiting_preview", id, preview as i64).await?;
        }
        if let Some(recording) = p.recording {
            set_column(&mut tx, "sites", "recording", id, recording.as_str()).await?;
        }
        if let Some(required) = p.prefill_required {
            set_column(&mut tx, "sites", "prefill_required", id, required as i64).await?;
        }
        if p.rotate_prefill_key == Some(true) {
            sqlx::query(
                "UPDATE sites SET prefill_generation = prefill_generation + 1 WHERE id = $1",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(prefix) = &p.phone_prefix {
            set_column(&mut tx, "sites", "phone_prefix", id, prefix).await?;
        }
        if let Some(v) = p.email_enable_hardwaretest {
            set_column(&mut tx, "sites", "email_enable_hardwaretest", id, v as i64).await?;
        }
        if let Some(users) = &p.users {
            let users: Vec<String> = users.iter().map(|u| u.to_string()).collect();
            set_users(&self.sealer, &mut tx, id, &company, &users, base).await?;
        }
        if let Some(origins) = &p.allowed_origins {
            let origins: Vec<String> = origins.iter().map(|o| o.0.clone()).collect();
            set_origins(&mut tx, id, &origins).await?;
        }
        for (kind, image) in images {
            set_site_image(&mut tx, id, *kind, image.as_ref()).await?;
        }
        if let Some(a) = availability {
            let json = |v: Result<String, serde_json::Error>| v.map_err(|_| AppError::internal());
            let values: [(&str, Option<Value>); 8] = [
                ("time_zone", a.time_zone.clone().map(Value::from)),
                ("slot_minutes", a.slot_minutes.map(|v| Value::Int(v.into()))),
                (
                    "buffer_minutes",
                    a.buffer_minutes.map(|v| Value::Int(v.into())),
                ),
                (
                    "min_notice_minutes",
                    a.min_notice_minutes.map(|v| Value::Int(v.into())),
                ),
                ("horizon_days", a.horizon_days.map(|v| Value::Int(v.into()))),
                (
                    "opening_hours",
                    a.opening_hours
                        .as_ref()
                        .map(serde_json::to_string)
                        .map(json)
                        .transpose()?
                        .map(Value::from),
                ),
                (
                    "closed_dates",
                    a.closed_dates
                        .as_ref()
                        .map(serde_json::to_string)
                        .map(json)
                        .transpose()?
                        .map(Value::from),
                ),
                (
                    "special_hours",
                    a.special_hours
                        .as_ref()
                        .map(serde_json::to_string)
                        .map(json)
                        .transpose()?
                        .map(Value::from),
                ),
            ];
            for (column, value) in values {
                if let Some(v) = value {
                    set_column(&mut tx, "sites", column, id, v).await?;
                }
            }
        }
        tx.commit().await?;
        self.site_api(scope, id).await
    }

    /// Delete a site in scope: refused (412) while it has upcoming meetings.
    pub async fn delete_site(&self, scope: &Scope, id: &str) -> Result<Option<()>, AppError> {
        if self.site_row(scope, id).await?.is_none() {
            return Ok(None);
        }
        let mut tx = self.begin_write().await?;
        refuse_while_upcoming(
            &mut tx,
            "site_id",
            id,
            "the site has upcoming meetings; cancel them first",
        )
        .await?;
        set_column(&mut tx, "sites", "deleted_at", id, to_ms(Utc::now())).await?;
        sqlx::query("DELETE FROM site_users WHERE site_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(()))
    }

    /// A site's invitation text (its own or the default).
    pub async fn site_invite_text(&self, site: &str) -> Result<String, AppError> {
        let t: Option<Option<String>> =
            sqlx::query_scalar("SELECT email_invite_text FROM sites WHERE id = $1")
                .bind(site)
                .fetch_optional(&self.pool)
                .await?;
        Ok(t.flatten()
            .unwrap_or_else(|| DEFAULT_INVITE_TEXT.to_string()))
    }

    /// A site's text for changed or cancelled meetings (its own or the default).
    pub async fn site_cancel_text(&self, site: &str) -> Result<String, AppError> {
        let t: Option<Option<String>> =
            sqlx::query_scalar("SELECT email_cancel_text FROM sites WHERE id = $1")
                .bind(site)
                .fetch_optional(&self.pool)
                .await?;
        Ok(t.flatten()
            .unwrap_or_else(|| DEFAULT_CANCEL_TEXT.to_string()))
    }

    /// A user's e-mail address and language, for the mails they get.
    pub async fn user_contact(
        &self,
        user: &str,
    ) -> Result<Option<(String, crate::model::i18n::Lang)>, AppError> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT email, locale FROM users WHERE id = $1 AND deleted_at IS NULL")
                .bind(user)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(email, locale)| {
            (
                email,
                crate::model::i18n::Lang::from_tag(&locale).unwrap_or_default(),
            )
        }))
    }

    /// Users of a site, of a company in `scope`, who take calls or schedule (for the meeting
    /// rules): `(id, role)`.
    pub async fn site_user_roles(
        &self,
        scope: &Scope,
        site: &str,
    ) -> Result<Vec<(String, String)>, AppError> {
        let (cond, param) = scope.companies();
        sqlx::query_as(&format!(
            "SELECT u.id, u.role FROM site_users su JOIN users u ON u.id = su.user_id
                                                   JOIN companies c ON c.id = u.company_id
             WHERE su.site_id = $1 AND u.deleted_at IS NULL AND {cond}$2"
        ))
        .bind(site)
        .bind(param)
        .fetch_all(&self.pool)
        .await
        .map_err(AppError::from)
    }
}
