//! Users of companies: agents, assistants and admins.

use super::outbox::{enqueue, Email, Message};
use super::set_column;
use super::tenancy::Scope;
use super::Col;
use super::{from_ms, placeholders, refuse_while_upcoming, to_ms, Store};
use super::{Args, Paging};
use crate::model::api::rules::Image;
use crate::model::api::users::Role;
use crate::model::api::Language;
use crate::model::{AppError, ErrorCode};
use crate::server::seal::Sealer;
use crate::server::store::PackageRow;
use crate::server::tokens::{new_id, new_token};
use chrono::{DateTime, Duration, Utc};
use sqlx::any::AnyRow;

/// A new user, validated, password already hashed.
#[derive(Clone, Debug)]
pub struct NewUser {
    /// Company.
    pub company: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail address.
    pub email: String,
    /// Argon2 hash, if a password was given.
    pub password_hash: Option<String>,
    /// Photo.
    pub photo: Option<Image>,
    /// Language.
    pub locale: Language,
    /// Role.
    pub role: Role,
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct UserChanges {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// New argon2 hash.
    pub password_hash: Option<String>,
    /// New photo, or `Some(None)` to remove it.
    pub photo: Option<Option<Image>>,
    /// Language.
    pub locale: Option<Language>,
    /// Suspended.
    pub suspended: Option<bool>,
}

/// How long a set-password link works.
pub const ACTIVATION_LIFETIME: Duration = Duration::days(7);

fn unique_email(e: sqlx::Error) -> AppError {
    if let sqlx::Error::Database(db) = &e {
        if db.is_unique_violation() {
            return AppError::new(
                ErrorCode::Conflict,
                "a user with this e-mail address exists already",
            )
            .with_field("email");
        }
    }
    AppError::from(e)
}

/// A user as stored, with their company; the package and their sites where asked for.
#[derive(Clone, Debug)]
pub struct UserRow {
    /// Their id.
    pub id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail address.
    pub email: String,
    /// Language, `nl` or `en`.
    pub locale: String,
    /// Role.
    pub role: Role,
    /// When made.
    pub created_at: DateTime<Utc>,
    /// Has a photo on file.
    pub has_photo: bool,
    /// Suspended.
    pub suspended: bool,
    /// Their company: id and name.
    pub company: (String, String),
    /// Their company's package (when asked for).
    pub package: Option<PackageRow>,
    /// Their sites: id and name (when asked for).
    pub sites: Option<Vec<(String, String)>>,
}

/// The columns of a user with company and package ([`USER_FROM`]).
pub(super) const USER_COLUMNS: &str = "u.id, u.first_name, u.last_name, u.email, u.locale, u.role,
     u.created_at, CASE WHEN u.photo_type IS NULL THEN 0 ELSE 1 END AS has_photo, u.suspended,
     c.id AS company_id, c.name AS company_name, p.id AS p_id, p.name AS p_name,
     p.features AS p_features";

/// Users joined with their company and its package.
pub(super) const USER_FROM: &str =
    "FROM users u JOIN companies c ON c.id = u.company_id JOIN packages p ON p.id = c.package_id";

pub(super) fn user_at(r: &AnyRow, with_package: bool) -> Result<UserRow, AppError> {
    Ok(UserRow {
        id: r.col("id")?,
        first_name: r.col("first_name")?,
        last_name: r.col("last_name")?,
        email: r.col("email")?,
        locale: r.col("locale")?,
        role: Role::from_stored(&r.col::<String>("role")?).ok_or_else(AppError::internal)?,
        created_at: from_ms(r.col("created_at")?),
        has_photo: r.flag("has_photo")?,
        suspended: r.flag("suspended")?,
        company: (r.col("company_id")?, r.col("company_name")?),
        package: match with_package {
            true => Some(super::tenancy::package_at(r)?),
            false => None,
        },
        sites: None,
    })
}

impl Store {
    async fn user_row(&self, scope: &Scope, id: &str) -> Result<Option<AnyRow>, AppError> {
        let (cond, param) = scope.companies();
        sqlx::query(&format!(
            "SELECT u.* FROM users u JOIN companies c ON c.id = u.company_id
             WHERE u.id = $1 AND u.deleted_at IS NULL AND {cond}$2"
        ))
        .bind(id)
        .bind(param)
        .fetch_optional(&self.pool)
        .await
        .map_err(AppError::from)
    }

    /// Users by their rows (selected with [`USER_COLUMNS`] from [`USER_FROM`]); `full` adds
    /// the package and each user's sites, read for all of them in one query.
    pub(super) async fn user_rows(
        &self,
        rows: &[AnyRow],
        full: bool,
    ) -> Result<Vec<UserRow>, AppError> {
        let mut users: Vec<UserRow> = rows
            .iter()
            .map(|r| user_at(r, full))
            .collect::<Result<_, _>>()?;
        if full && !users.is_empty() {
            let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
            let sql = format!(
                "SELECT su.user_id, s.id, s.name FROM site_users su JOIN sites s ON s.id = su.site_id
                 WHERE su.user_id IN ({}) AND s.deleted_at IS NULL
                 ORDER BY s.created_at, s.id",
                placeholders(1, ids.len())
            );
            let sites: Vec<(String, String, String)> = ids
                .iter()
                .fold(sqlx::query_as(&sql), |q, id| q.bind(*id))
                .fetch_all(&self.pool)
                .await?;
            for u in &mut users {
                u.sites = Some(
                    sites
                        .iter()
                        .filter(|(user, _, _)| *user == u.id)
                        .map(|(_, id, name)| (id.clone(), name.clone()))
                        .collect(),
                );
            }
        }
        Ok(users)
    }

    /// A user in scope, with their company's package and their sites.
    pub async fn user_api(&self, scope: &Scope, id: &str) -> Result<Option<UserRow>, AppError> {
        let (cond, param) = scope.companies();
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} {USER_FROM} WHERE u.id = $1 AND u.deleted_at IS NULL AND {cond}$2"
        ))
        .bind(id)
        .bind(param)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => Ok(self.user_rows(&[r], true).await?.pop()),
            None => Ok(None),
        }
    }

    /// The role and company of a user in scope.
    pub async fn user_role(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<Option<(Role, String)>, AppError> {
        Ok(match self.user_row(scope, id).await? {
            Some(r) => Some((
                Role::from_stored(&r.col::<String>("role")?).ok_or_else(AppError::internal)?,
                r.col("company_id")?,
            )),
            None => None,
        })
    }

    /// Users in scope, oldest first.
    pub async fn users_api(
        &self,
        scope: &Scope,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<UserRow>, u64), AppError> {
        let (cond, param) = scope.companies();
        // Company and package joined, sites read once for the page: no query per user.
        let (rows, total) = self
            .page(
                USER_COLUMNS,
                &format!("{USER_FROM} WHERE u.deleted_at IS NULL AND {cond}$1"),
                "u.created_at, u.id",
                Args::default().add(param)?,
                Paging { limit, offset },
            )
            .await?;
        Ok((self.user_rows(&rows, true).await?, total))
    }

    /// Create a user in a company in scope. Without a password an activation is prepared;
    /// its e-mail goes out once the user is on a site.
    pub async fn create_user_api(&self, scope: &Scope, u: &NewUser) -> Result<UserRow, AppError> {
        if !self.company_in_scope(scope, &u.company).await? {
            return Err(AppError::not_found("company").with_field("entity.id"));
        }
        let id = new_id();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO users (id, company_id, first_name, last_name, email, role, locale, password_hash,
                                photo, photo_type, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&id)
        .bind(&u.company)
        .bind(&u.first_name)
        .bind(&u.last_name)
        .bind(&u.email)
        .bind(u.role.as_str())
        .bind(u.locale.as_str())
        .bind(&u.password_hash)
        .bind(u.photo.as_ref().map(|p| p.bytes.clone()))
        .bind(u.photo.as_ref().map(|p| p.media_type))
        .bind(to_ms(Utc::now()))
        .execute(&mut *tx)
        .await
        .map_err(unique_email)?;
        tx.commit().await?;
        self.user_api(scope, &id)
            .await?
            .ok_or_else(AppError::internal)
    }

    /// Change a user in scope.
    pub async fn update_user(
        &self,
        scope: &Scope,
        id: &str,
        c: &UserChanges,
    ) -> Result<Option<UserRow>, AppError> {
        if self.user_row(scope, id).await?.is_none() {
            return Ok(None);
        }
        let mut tx = self.begin_write().await?;
        if let Some(v) = &c.first_name {
            set_column(&mut tx, "users", "first_name", id, v).await?;
        }
        if let Some(v) = &c.last_name {
            set_column(&mut tx, "users", "last_name", id, v).await?;
        }
        if let Some(v) = &c.email {
            set_column(&mut tx, "users", "email", id, v)
                .await
                .map_err(unique_email)?;
        }
        if let Some(v) = &c.password_hash {
            set_column(&mut tx, "users", "password_hash", id, v).await?;
        }
        if let Some(photo) = &c.photo {
            sqlx::query("UPDATE users SET photo = $1, photo_type = $2 WHERE id = $3")
                .bind(photo.as_ref().map(|p| p.bytes.clone()))
                .bind(photo.as_ref().map(|p| p.media_type))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(v) = c.locale {
            set_column(&mut tx, "users", "locale", id, v.as_str()).await?;
        }
        if let Some(v) = c.suspended {
            set_column(&mut tx, "users", "suspended", id, v as i64).await?;
            if v {
                // Suspension ends what is open: sessions and login links not yet used.
                for sql in [
                    "DELETE FROM sessions WHERE user_id = $1",
                    "DELETE FROM login_links WHERE user_id = $1 AND used_at IS NULL",
                ] {
                    sqlx::query(sql).bind(id).execute(&mut *tx).await?;
                }
            }
        }
        tx.commit().await?;
        self.user_api(scope, id).await
    }

    /// Delete a user in scope: refused (412) while they host upcoming meetings. What identifies
    /// the person is erased; past meetings keep the row they point at.
    pub async fn delete_user(&self, scope: &Scope, id: &str) -> Result<Option<()>, AppError> {
        if self.user_row(scope, id).await?.is_none() {
            return Ok(None);
        }
        let mut tx = self.begin_write().await?;
        refuse_while_upcoming(
            &mut tx,
            "agent_id",
            id,
            "the user hosts upcoming meetings; cancel or move them first",
        )
        .await?;
        sqlx::query(
            "UPDATE users SET deleted_at = $1, first_name = 'Deleted', last_name = 'user',
                 email = id || '@deleted.invalid', password_hash = NULL, photo = NULL, photo_type = NULL
             WHERE id = $2",
        )
        .bind(to_ms(Utc::now()))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        for table in ["site_users", "sessions", "login_links", "activations"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Some(()))
    }

    /// A user's photo (media type and bytes), if they have one and are not deleted.
    pub async fn user_photo(&self, id: &str) -> Result<Option<(String, Vec<u8>)>, AppError> {
        let row: Option<(Option<String>, Option<Vec<u8>>)> = sqlx::query_as(
            "SELECT photo_type, photo FROM users WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some((Some(t), Some(b))) => Some((t, b)),
            _ => None,
        })
    }

    /// Set a user's password through a set-password link; `false` if the link is unknown,
    /// used or expired.
    pub async fn activate(&self, token: &str, password_hash: &str) -> Result<bool, AppError> {
        let mut tx = self.begin_write().await?;
        let user: Option<String> = sqlx::query_scalar(
            "UPDATE activations SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
             RETURNING user_id",
        )
        .bind(crate::server::tokens::hash_token(token))
        .bind(to_ms(Utc::now()))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(user) = user else { return Ok(false) };
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND deleted_at IS NULL")
            .bind(password_hash)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The language of the account a set-password link is for (valid or not), if the link is
    /// one we made.
    pub async fn activation_locale(&self, token: &str) -> Result<Option<String>, AppError> {
        Ok(sqlx::query_scalar(
            "SELECT u.locale FROM activations a JOIN users u ON u.id = a.user_id
             WHERE a.token_hash = $1",
        )
        .bind(crate::server::tokens::hash_token(token))
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Is a set-password link still usable?
    pub async fn activation_valid(&self, token: &str) -> Result<bool, AppError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM activations WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
            .bind(crate::server::tokens::hash_token(token))
            .bind(to_ms(Utc::now()))
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }
}

/// For each of these users without a password who has not been sent one yet, queue the e-mail
/// with a set-password link (inside the caller's transaction).
pub(super) async fn queue_activations(
    sealer: &Sealer,
    tx: &mut sqlx::AnyConnection,
    users: &[String],
    base: &str,
) -> Result<(), AppError> {
    for user in users {
        let row = sqlx::query(
            "SELECT u.first_name, u.email, u.locale FROM users u
             WHERE u.id = $1 AND u.password_hash IS NULL AND u.deleted_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM activations a WHERE a.user_id = u.id AND a.mailed_at IS NOT NULL)",
        )
        .bind(user)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(r) = row else { continue };
        let (token, hash) = new_token();
        let now = Utc::now();
        sqlx::query("INSERT INTO activations (token_hash, user_id, expires_at, mailed_at) VALUES ($1, $2, $3, $4)")
            .bind(hash)
            .bind(user)
            .bind(to_ms(now + ACTIVATION_LIFETIME))
            .bind(to_ms(now))
            .execute(&mut *tx)
            .await?;
        let link = format!("{base}/activate/{token}");
        let first: String = r.col("first_name")?;
        let (subject, body) = match Language::from_stored(&r.col::<String>("locale")?) {
            Language::Nl => (
                "Stel uw wachtwoord in".to_string(),
                format!("Beste {first},\n\nEr is een account voor u aangemaakt. Stel via deze link uw wachtwoord in (de link werkt 7 dagen, één keer):\n\n{link}\n"),
            ),
            Language::En => (
                "Set your password".to_string(),
                format!("Dear {first},\n\nAn account has been made for you. Set your password with this link (it works once, for 7 days):\n\n{link}\n"),
            ),
        };
        let email = Message::Email(Email {
            to: r.col("email")?,
            subject,
            body,
            attachments: Vec::new(),
        });
        enqueue(sealer, tx, &[email], None).await?;
    }
    Ok(())
}
