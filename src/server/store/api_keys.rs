//! A company's API keys for the rooms API (`/whereby/v1`): long-lived bearer keys, shown once
//! and stored as SHA-256 only, revoked by a time stamp.

use super::tenancy::Scope;
use super::Col;
use super::{from_ms, to_ms, Store};
use crate::model::AppError;
use crate::server::tokens::{hash_token, new_id, new_token};
use chrono::{DateTime, Utc};

/// An API key as stored (never the key itself).
#[derive(Clone, Debug)]
pub struct ApiKeyRow {
    /// Its id.
    pub id: String,
    /// What its owner calls it.
    pub name: String,
    /// The company (organisation) it acts for.
    pub company: String,
    /// When made.
    pub created_at: DateTime<Utc>,
}

/// The organisation behind a valid key.
#[derive(Clone, Debug)]
pub struct KeyHolder {
    /// The key's id.
    pub key_id: String,
    /// The company it acts for.
    pub company: String,
    /// The company's budget of points per minute.
    pub points: u32,
}

/// Prefix of every key: recognisable in a leaked log or a secret scanner, never a secret.
pub const KEY_PREFIX: &str = "ck_";

/// SQL condition on an `api_keys` row `k`: not revoked, and its company serves the public.
const KEY_IS_ACTIVE: &str = concat!(
    "k.revoked_at IS NULL AND ",
    company_is_live!("k.company_id")
);

impl Store {
    /// Make a key for a company (the caller checked the company is theirs). The row, and the
    /// key: in this answer only.
    pub async fn create_api_key(
        &self,
        company: &str,
        name: &str,
    ) -> Result<(ApiKeyRow, String), AppError> {
        let (token, _) = new_token();
        let key = format!("{KEY_PREFIX}{token}");
        let row = ApiKeyRow {
            id: new_id(),
            name: name.to_string(),
            company: company.to_string(),
            created_at: from_ms(to_ms(Utc::now())),
        };
        sqlx::query(
            "INSERT INTO api_keys (id, company_id, name, key_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&row.id)
        .bind(company)
        .bind(name)
        .bind(hash_token(&key))
        .bind(to_ms(row.created_at))
        .execute(&self.pool)
        .await?;
        Ok((row, key))
    }

    /// Who a key belongs to, if it is valid (not revoked, its company live).
    pub async fn key_holder(&self, key: &str) -> Result<Option<KeyHolder>, AppError> {
        let row = sqlx::query(&format!(
            "SELECT k.id, k.company_id, c.room_api_points FROM api_keys k
             JOIN companies c ON c.id = k.company_id
             WHERE k.key_hash = $1 AND {KEY_IS_ACTIVE}"
        ))
        .bind(hash_token(key))
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(KeyHolder {
            key_id: r.col("id")?,
            company: r.col("company_id")?,
            points: r.col::<i64>("room_api_points")?.clamp(1, 1_000_000) as u32,
        }))
    }

    /// The unrevoked keys of the companies in scope, oldest first.
    pub async fn api_keys(&self, scope: &Scope) -> Result<Vec<ApiKeyRow>, AppError> {
        let (cond, param) = scope.companies();
        let rows = sqlx::query(&format!(
            "SELECT k.id, k.name, k.company_id, k.created_at FROM api_keys k
             JOIN companies c ON c.id = k.company_id
             WHERE k.revoked_at IS NULL AND {cond}$1
             ORDER BY k.created_at, k.id"
        ))
        .bind(param)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiKeyRow {
                    id: r.col("id")?,
                    name: r.col("name")?,
                    company: r.col("company_id")?,
                    created_at: from_ms(r.col("created_at")?),
                })
            })
            .collect()
    }

    /// Revoke a key of a company in scope: it stops working at once. `None` when there is no
    /// such key for the caller (revoked ones included: revoking is not repeated).
    pub async fn revoke_api_key(&self, scope: &Scope, id: &str) -> Result<Option<()>, AppError> {
        let (cond, param) = scope.companies();
        let done = sqlx::query(&format!(
            "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL
               AND company_id IN (SELECT c.id FROM companies c WHERE {cond}$3)"
        ))
        .bind(to_ms(Utc::now()))
        .bind(id)
        .bind(param)
        .execute(&self.pool)
        .await?;
        Ok((done.rows_affected() == 1).then_some(()))
    }

    /// Set a company's rooms-API budget (points per minute).
    pub async fn set_room_api_points(&self, company: &str, points: u32) -> Result<(), AppError> {
        sqlx::query("UPDATE companies SET room_api_points = $1 WHERE id = $2")
            .bind(points.clamp(1, 1_000_000) as i64)
            .bind(company)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
