//! Sites, their allowed origins and agents; and the tenancy rows above them.

use super::Col;
use super::{to_ms, Scope, Store};
use crate::model::{AppError, SiteId, UserId};
use crate::server::tokens::new_id;
use chrono::Utc;
use serde::{Deserialize, Serialize};

/// Opening hours: for each weekday (Monday first), `[from, to)` ranges in minutes after local
/// midnight (`to` may be 1440, the end of the day).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningHours(pub [Vec<(u16, u16)>; 7]);

impl OpeningHours {
    /// The same hours on the given weekdays (0 = Monday), closed on the others.
    pub fn weekly(days: &[usize], from: u16, to: u16) -> Self {
        let mut hours: [Vec<(u16, u16)>; 7] = Default::default();
        for &d in days {
            if d < 7 {
                hours[d].push((from, to));
            }
        }
        OpeningHours(hours)
    }

    /// Open around the clock, every day (the demo site).
    pub fn always() -> Self {
        OpeningHours::weekly(&[0, 1, 2, 3, 4, 5, 6], 0, 1440)
    }

    /// Check ranges are inside the day, non-empty and not overlapping.
    pub fn validate(&self) -> Result<(), AppError> {
        for day in &self.0 {
            let mut sorted = day.clone();
            sorted.sort();
            for (i, &(from, to)) in sorted.iter().enumerate() {
                if from >= to || to > 1440 {
                    return Err(AppError::invalid(
                        "opening_hours",
                        "a range must run forward within one day",
                    ));
                }
                if i > 0 && sorted[i - 1].1 > from {
                    return Err(AppError::invalid("opening_hours", "ranges overlap"));
                }
            }
        }
        Ok(())
    }
}

/// A site as the booking and join code needs it.
#[derive(Clone, Debug)]
pub struct SiteRow {
    /// The site.
    pub id: SiteId,
    /// Its company.
    pub company_id: String,
    /// Display name.
    pub name: String,
    /// IANA zone of its opening hours.
    pub time_zone: String,
    /// Appointment length.
    pub slot_minutes: u32,
    /// When appointments can be booked.
    pub opening_hours: OpeningHours,
    /// How early the room opens before the start.
    pub early_join_minutes: u32,
    /// How long the room stays open after the scheduled end.
    pub grace_minutes: u32,
    /// How many days ahead can be booked.
    pub horizon_days: u32,
    /// Free time an agent keeps around each meeting.
    pub buffer_minutes: u32,
    /// How long before its start a slot can still be booked.
    pub min_notice_minutes: u32,
    /// Local dates without appointments.
    pub closed_dates: Vec<chrono::NaiveDate>,
    /// Local dates with hours of their own.
    pub special_hours: crate::server::availability::SpecialHours,
    /// Theme: primary colour.
    pub primary_color: Option<String>,
    /// Theme: text colour.
    pub text_color: Option<String>,
    /// Theme: font family.
    pub font: Option<String>,
    /// The company package's features.
    pub features: Vec<String>,
    /// Where the site's privacy statement is, linked from the consent checkbox.
    pub privacy_url: Option<String>,
    /// Country calling code assumed for national phone numbers (`+31`).
    pub phone_prefix: String,
    /// Which prefill key is current (rotating bumps it).
    pub prefill_generation: i64,
    /// Every booking must carry fields signed with the prefill key.
    pub prefill_required: bool,
    /// The text above the hardware-test link, when invitations carry one.
    pub hardware_test: Option<String>,
    /// An uploaded logo is there.
    pub has_logo: bool,
    /// An uploaded waiting-room background is there.
    pub has_background: bool,
    /// Its account serves the public: its booking form and meetings' links work (not while
    /// its company, dealer or reseller is suspended).
    pub live: bool,
}

impl SiteRow {
    /// The booking rules besides the opening hours.
    pub fn rules(&self) -> crate::server::availability::Rules {
        crate::server::availability::Rules {
            slot_minutes: self.slot_minutes,
            buffer_minutes: self.buffer_minutes,
            min_notice_minutes: self.min_notice_minutes,
            horizon_days: self.horizon_days,
            closed_dates: self.closed_dates.clone(),
            special_hours: self.special_hours.clone(),
        }
    }

    /// Whether the company's package includes `feature`.
    pub fn has(&self, feature: &str) -> bool {
        self.features.iter().any(|f| f == feature)
    }

    /// How many people a room of this site may hold.
    pub fn room_capacity(&self) -> u32 {
        if self.has("multiple_participants") {
            3
        } else {
            2
        }
    }
}

/// A new site, as the seed and (later) the REST API create it.
#[derive(Clone, Debug)]
pub struct NewSite {
    /// Owning company.
    pub company_id: String,
    /// Display name.
    pub name: String,
    /// IANA zone.
    pub time_zone: String,
    /// Appointment length.
    pub slot_minutes: u32,
    /// Opening hours.
    pub opening_hours: OpeningHours,
    /// Room opens this many minutes early.
    pub early_join_minutes: u32,
    /// Origins allowed to embed the site.
    pub origins: Vec<String>,
}

impl Store {
    /// A site with its company's package features, or `None`.
    pub async fn site(&self, id: &SiteId) -> Result<Option<SiteRow>, AppError> {
        self.site_where(id, "", "").await
    }

    /// A site of a company in `scope` with its package's features (one query: the tenancy
    /// check, the company and the site together), or `None`.
    pub async fn site_in(&self, scope: &Scope, id: &SiteId) -> Result<Option<SiteRow>, AppError> {
        let (cond, param) = scope.companies();
        self.site_where(id, &format!(" AND {cond}$2"), param).await
    }

    /// The site `id` where `extra` (a condition on `s` and `c` with parameter `$2`) holds.
    async fn site_where(
        &self,
        id: &SiteId,
        extra: &str,
        param: &str,
    ) -> Result<Option<SiteRow>, AppError> {
        let sql = format!(concat!(
            "SELECT s.id, s.company_id, s.name, s.time_zone, s.slot_minutes, s.opening_hours,
                    s.early_join_minutes, s.grace_minutes, s.horizon_days, s.buffer_minutes,
                    s.min_notice_minutes, s.closed_dates, s.special_hours, s.primary_color, s.text_color, s.font,
                    s.privacy_url, s.phone_prefix, s.prefill_generation, s.prefill_required,
                    s.email_hardwaretest_text, s.email_enable_hardwaretest, p.features,
                    CASE WHEN EXISTS (SELECT 1 FROM site_images i WHERE i.site_id = s.id AND i.kind = 'logo') THEN 1 ELSE 0 END AS has_logo,
                    CASE WHEN EXISTS (SELECT 1 FROM site_images i WHERE i.site_id = s.id AND i.kind = 'background') THEN 1 ELSE 0 END AS has_background, ",
            company_is_live!("s.company_id"),
            " AS live
             FROM sites s JOIN companies c ON c.id = s.company_id
                          JOIN packages p ON p.id = c.package_id
             WHERE s.id = $1 AND s.deleted_at IS NULL AND c.deleted_at IS NULL{}"
        ), extra);
        let mut query = sqlx::query(&sql).bind(id.as_str());
        if !extra.is_empty() {
            query = query.bind(param);
        }
        let row = query.fetch_optional(&self.pool).await?;
        let Some(row) = row else { return Ok(None) };
        let hours: String = row.col("opening_hours")?;
        let features: String = row.col("features")?;
        Ok(Some(SiteRow {
            id: id.clone(),
            company_id: row.col("company_id")?,
            name: row.col("name")?,
            time_zone: row.col("time_zone")?,
            slot_minutes: row.col::<i64>("slot_minutes")? as u32,
            opening_hours: serde_json::from_str(&hours).map_err(|e| {
                tracing::error!(error = %e, site = %id, "unreadable opening hours");
                AppError::internal()
            })?,
            early_join_minutes: row.col::<i64>("early_join_minutes")? as u32,
            grace_minutes: row.col::<i64>("grace_minutes")? as u32,
            horizon_days: row.col::<i64>("horizon_days")? as u32,
            buffer_minutes: row.col::<i64>("buffer_minutes")? as u32,
            min_notice_minutes: row.col::<i64>("min_notice_minutes")? as u32,
            closed_dates: serde_json::from_str(&row.col::<String>("closed_dates")?).map_err(
                |e| {
                    tracing::error!(error = %e, site = %id, "unreadable closed dates");
                    AppError::internal()
                },
            )?,
            special_hours: serde_json::from_str(&row.col::<String>("special_hours")?).map_err(
                |e| {
                    tracing::error!(error = %e, site = %id, "unreadable special hours");
                    AppError::internal()
                },
            )?,
            primary_color: row.col("primary_color")?,
            text_color: row.col("text_color")?,
            font: row.col("font")?,
            features: serde_json::from_str(&features).unwrap_or_default(),
            privacy_url: row.col("privacy_url")?,
            phone_prefix: row.col("phone_prefix")?,
            prefill_generation: row.col("prefill_generation")?,
            prefill_required: row.flag("prefill_required")?,
            has_logo: row.flag("has_logo")?,
            has_background: row.flag("has_background")?,
            live: row.flag("live")?,
            hardware_test: match row.flag("email_enable_hardwaretest")? {
                true => Some(
                    row.col::<Option<String>>("email_hardwaretest_text")?
                        .unwrap_or_else(|| {
                            crate::model::api::sites::DEFAULT_HARDWARETEST_TEXT.to_string()
                        }),
                ),
                false => None,
            },
        }))
    }

    /// Origins allowed to embed a site.
    pub async fn site_origins(&self, id: &SiteId) -> Result<Vec<String>, AppError> {
        sqlx::query_scalar("SELECT origin FROM site_origins WHERE site_id = $1 ORDER BY origin")
            .bind(id.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(AppError::from)
    }

    /// The allowed origins of every live site of a company (who may frame its rooms).
    pub async fn company_origins(&self, company: &str) -> Result<Vec<String>, AppError> {
        sqlx::query_scalar(
            "SELECT DISTINCT o.origin FROM site_origins o JOIN sites s ON s.id = o.site_id
             WHERE s.company_id = $1 AND s.deleted_at IS NULL ORDER BY o.origin",
        )
        .bind(company)
        .fetch_all(&self.pool)
        .await
        .map_err(AppError::from)
    }

    /// Users of a site who take video calls (agents and assistant_video), with their names.
    pub async fn site_agents(&self, id: &SiteId) -> Result<Vec<(UserId, String)>, AppError> {
        let rows = sqlx::query(
            "SELECT u.id, u.first_name || ' ' || u.last_name AS name
             FROM site_users su JOIN users u ON u.id = su.user_id
             WHERE su.site_id = $1 AND u.role IN ('agent', 'assistant_video')
               AND u.deleted_at IS NULL AND u.suspended = 0
             ORDER BY u.created_at, u.id",
        )
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                let id: String = r.col("id")?;
                Ok((UserId::parse(&id)?, r.col::<String>("name")?))
            })
            .collect()
    }

    /// Create a reseller; returns its id.
    pub async fn create_reseller(&self, name: &str) -> Result<String, AppError> {
        let id = new_id();
        sqlx::query("INSERT INTO resellers (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(&id)
            .bind(name)
            .bind(to_ms(Utc::now()))
            .execute(&self.pool)
            .await?;
        Ok(id)
    }

    /// Create a company under a reseller with a package (by name); returns its id.
    pub async fn create_company(
        &self,
        reseller_id: &str,
        name: &str,
        package: &str,
    ) -> Result<String, AppError> {
        let id = new_id();
        let done = sqlx::query(
            "INSERT INTO companies (id, reseller_id, name, package_id, created_at)
             SELECT $1, $2, $3, id, $5 FROM packages WHERE name = $4",
        )
        .bind(&id)
        .bind(reseller_id)
        .bind(name)
        .bind(package)
        .bind(to_ms(Utc::now()))
        .execute(&self.pool)
        .await?;
        if done.rows_affected() != 1 {
            return Err(AppError::invalid("package", "no such package"));
        }
        Ok(id)
    }

    /// Create a site with its allowed origins, in one transaction; returns its id.
    pub async fn create_site(&self, site: &NewSite) -> Result<SiteId, AppError> {
        site.opening_hours.validate()?;
        let id = new_id();
        let hours = serde_json::to_string(&site.opening_hours).map_err(|_| AppError::internal())?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO sites (id, company_id, name, time_zone, slot_minutes, opening_hours,
                                early_join_minutes, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(&site.company_id)
        .bind(&site.name)
        .bind(&site.time_zone)
        .bind(site.slot_minutes as i64)
        .bind(hours)
        .bind(site.early_join_minutes as i64)
        .bind(to_ms(Utc::now()))
        .execute(&mut *tx)
        .await?;
        for origin in &site.origins {
            sqlx::query("INSERT INTO site_origins (site_id, origin) VALUES ($1, $2)")
                .bind(&id)
                .bind(origin)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        SiteId::parse(&id)
    }

    /// Create a user of a company; returns its id.
    pub async fn create_user(
        &self,
        company_id: &str,
        first_name: &str,
        last_name: &str,
        email: &str,
        role: &str,
    ) -> Result<UserId, AppError> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO users (id, company_id, first_name, last_name, email, role, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(company_id)
        .bind(first_name)
        .bind(last_name)
        .bind(email)
        .bind(role)
        .bind(to_ms(Utc::now()))
        .execute(&self.pool)
        .await?;
        UserId::parse(&id)
    }

    /// Link a user to a site.
    pub async fn attach_user(&self, site: &SiteId, user: &UserId) -> Result<(), AppError> {
        sqlx::query(
            "INSERT INTO site_users (site_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(site.as_str())
        .bind(user.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Write a value to the key/value settings table.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), AppError> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

impl Store {
    /// Record a setting unless it is set already (the first writer wins).
    pub async fn set_setting_once(&self, key: &str, value: &str) -> Result<(), AppError> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

impl Store {
    /// Allow another origin to embed a site (no-op if already allowed).
    pub async fn add_site_origin(&self, site: &SiteId, origin: &str) -> Result<(), AppError> {
        let origin = crate::server::origin::normalize(origin)
            .ok_or_else(|| AppError::invalid("origin", "an origin is scheme://host[:port]"))?;
        sqlx::query(
            "INSERT INTO site_origins (site_id, origin) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(site.as_str())
        .bind(origin)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A user's id by e-mail address.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserId>, AppError> {
        let id: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        id.map(|i| UserId::parse(&i)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_hours_validation() {
        assert!(OpeningHours::always().validate().is_ok());
        assert!(OpeningHours::weekly(&[0, 4], 540, 1020).validate().is_ok());
        let mut bad = OpeningHours::weekly(&[0], 600, 540);
        assert!(bad.validate().is_err());
        bad = OpeningHours::weekly(&[0], 0, 1441);
        assert!(bad.validate().is_err());
        let mut overlapping = OpeningHours::weekly(&[2], 540, 720);
        overlapping.0[2].push((700, 800));
        assert_eq!(
            overlapping.validate().unwrap_err().field.as_deref(),
            Some("opening_hours")
        );
    }
}
