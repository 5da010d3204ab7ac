//! Console sessions and single-use login links, stored only as token hashes.

use super::Col;
use super::{to_ms, Store};
use crate::model::{AppError, UserId};
use crate::server::tokens::{hash_token, new_token};
use chrono::{Duration, Utc};

/// The user behind a valid session.
#[derive(Clone, Debug)]
pub struct SessionUser {
    /// The user.
    pub id: UserId,
    /// Their full name.
    pub name: String,
}

/// Users who may log in: not deleted or suspended, nor is anything above them (company,
/// dealer, reseller). Checked at every request, so suspending an account anywhere in the tree
/// ends its users' access at once. A correlated `EXISTS` on `user_id`: a few key lookups.
const USER_IS_ACTIVE: &str = concat!(
    "EXISTS (SELECT 1 FROM users u
     WHERE u.id = user_id AND u.deleted_at IS NULL AND u.suspended = 0 AND ",
    company_is_live!("u.company_id"),
    ")"
);

impl Store {
    /// The active user with this e-mail address (case as typed, spaces trimmed) and their
    /// password hash, if they have set one.
    pub async fn login_candidate(
        &self,
        email: &str,
    ) -> Result<Option<(UserId, Option<String>)>, AppError> {
        let row: Option<(String, Option<String>)> = sqlx::query_as(&format!(
            "SELECT user_id, password_hash FROM (SELECT id AS user_id, password_hash, email FROM users) c
             WHERE lower(email) = lower($1) AND {USER_IS_ACTIVE}"
        ))
        .bind(email.trim())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(id, hash)| Ok((UserId::parse(&id)?, hash)))
            .transpose()
    }

    /// A new single-use login link token for a user, valid for `ttl`.
    pub async fn create_login_link(
        &self,
        user: &UserId,
        ttl: Duration,
    ) -> Result<String, AppError> {
        let (token, hash) = new_token();
        sqlx::query(
            "INSERT INTO login_links (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(hash)
        .bind(user.as_str())
        .bind(to_ms(Utc::now() + ttl))
        .execute(&self.pool)
        .await?;
        Ok(token)
    }

    /// Use up a login link: the user it was for, or `None` if unknown, used or expired.
    pub async fn consume_login_link(&self, token: &str) -> Result<Option<UserId>, AppError> {
        let now = to_ms(Utc::now());
        // One statement marks it used and returns it, so a link works exactly once even
        // when two requests race.
        let user: Option<String> = sqlx::query_scalar(&format!(
            "UPDATE login_links SET used_at = $2
                 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
                   AND {USER_IS_ACTIVE}
                 RETURNING user_id"
        ))
        .bind(hash_token(token))
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        user.map(|u| UserId::parse(&u)).transpose()
    }

    /// A new session for a user that ends after `absolute` at the latest.
    pub async fn create_session(
        &self,
        user: &UserId,
        absolute: Duration,
    ) -> Result<String, AppError> {
        let (token, hash) = new_token();
        let now = Utc::now();
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen, expires_at)
             VALUES ($1, $2, $3, $3, $4)",
        )
        .bind(hash)
        .bind(user.as_str())
        .bind(to_ms(now))
        .bind(to_ms(now + absolute))
        .execute(&self.pool)
        .await?;
        Ok(token)
    }

    /// The user of a live session (not past its absolute end, used within `idle`), marking it
    /// as seen now.
    pub async fn session_user(
        &self,
        token: &str,
        idle: Duration,
    ) -> Result<Option<SessionUser>, AppError> {
        let now = Utc::now();
        let row = sqlx::query(&format!(
            "UPDATE sessions SET last_seen = $2
                 WHERE token_hash = $1 AND expires_at > $2 AND last_seen > $3
                   AND {USER_IS_ACTIVE}
                 RETURNING user_id"
        ))
        .bind(hash_token(token))
        .bind(to_ms(now))
        .bind(to_ms(now - idle))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let user: String = row.col("user_id")?;
        let name: Option<String> =
            sqlx::query_scalar("SELECT first_name || ' ' || last_name FROM users WHERE id = $1")
                .bind(&user)
                .fetch_optional(&self.pool)
                .await?;
        let id = UserId::parse(&user)?;
        Ok(name.map(|name| SessionUser { id, name }))
    }

    /// End a session.
    pub async fn delete_session(&self, token: &str) -> Result<(), AppError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(hash_token(token))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
