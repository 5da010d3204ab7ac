//! API clients (OAuth2 client credentials) and their access tokens, stored as hashes only.

use super::tenancy::Scope;
use super::Col;
use super::{from_ms, to_ms, Store};
use crate::model::api::tenancy::EntityType;
use crate::model::{AppError, ErrorCode};
use crate::server::tokens::{hash_token, new_id, new_token};
use chrono::{DateTime, Duration, Utc};

/// How many calls a client may make per window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    /// Calls per window.
    pub limit: u32,
    /// Window length, in `unit`s.
    pub interval: u32,
    /// `minute`, `hour` or `day`.
    pub unit: QuotaUnit,
}

/// The unit of a quota window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuotaUnit {
    /// Minutes.
    Minute,
    /// Hours.
    Hour,
    /// Days.
    Day,
}

impl QuotaUnit {
    /// As stored and sent in `quota-time-unit`.
    pub fn as_str(self) -> &'static str {
        match self {
            QuotaUnit::Minute => "minute",
            QuotaUnit::Hour => "hour",
            QuotaUnit::Day => "day",
        }
    }

    /// Seconds in one unit.
    pub fn seconds(self) -> i64 {
        match self {
            QuotaUnit::Minute => 60,
            QuotaUnit::Hour => 3600,
            QuotaUnit::Day => 86400,
        }
    }

    fn parse(s: &str) -> Option<QuotaUnit> {
        Some(match s {
            "minute" => QuotaUnit::Minute,
            "hour" => QuotaUnit::Hour,
            "day" => QuotaUnit::Day,
            _ => return None,
        })
    }
}

impl Default for Quota {
    fn default() -> Self {
        Quota {
            limit: 10_000,
            interval: 1,
            unit: QuotaUnit::Hour,
        }
    }
}

/// The client behind a valid access token.
#[derive(Clone, Debug)]
pub struct ApiCaller {
    /// The client id.
    pub client_id: String,
    /// The client's name.
    pub name: String,
    /// The entity it acts for.
    pub scope: Scope,
    /// Its quota.
    pub quota: Quota,
}

/// How long an access token lives.
pub const TOKEN_LIFETIME: Duration = Duration::hours(1);

/// SQL condition on an API client row `k`: the entity it acts for is live, and so is
/// everything above it. Suspending (or deleting) a reseller, dealer or company silences every
/// client at or below it at once, as it locks out their users; un-suspending brings them back.
pub(super) const CLIENT_IS_ACTIVE: &str = concat!(
    "(CASE k.entity_type
     WHEN 'reseller' THEN EXISTS (SELECT 1 FROM resellers r WHERE r.id = k.entity_id AND r.suspended = 0)
     WHEN 'dealer' THEN EXISTS (SELECT 1 FROM dealers d JOIN resellers r ON r.id = d.reseller_id
         WHERE d.id = k.entity_id AND d.deleted_at IS NULL AND d.suspended = 0 AND r.suspended = 0)
     ELSE ",
    company_is_live!("k.entity_id"),
    " END)"
);

/// An API client as stored (never its secret).
#[derive(Clone, Debug)]
pub struct ClientRow {
    /// Its id.
    pub client_id: String,
    /// Its name.
    pub name: String,
    /// What it acts for.
    pub entity_type: EntityType,
    /// The id of what it acts for.
    pub entity_id: String,
    /// When made.
    pub created_at: DateTime<Utc>,
}

/// A client just made, with its secret: shown this once, stored only as a hash.
#[derive(Clone, Debug)]
pub struct NewClient {
    /// Its id.
    pub client_id: String,
    /// Its secret.
    pub client_secret: String,
    /// Its name.
    pub name: String,
    /// What it acts for.
    pub entity_type: EntityType,
    /// The id of what it acts for.
    pub entity_id: String,
}

fn entity_type(s: &str) -> EntityType {
    match s {
        "reseller" => EntityType::Reseller,
        "dealer" => EntityType::Dealer,
        _ => EntityType::Company,
    }
}

impl Store {
    /// Create a client for an entity (no scope check: callers check first).
    pub async fn create_client(
        &self,
        name: &str,
        entity: EntityType,
        entity_id: &str,
        quota: Quota,
    ) -> Result<NewClient, AppError> {
        let id = new_id();
        let (secret, hash) = new_token();
        sqlx::query(
            "INSERT INTO api_clients (id, name, secret_hash, entity_type, entity_id, quota_limit,
                                      quota_interval, quota_unit, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(name)
        .bind(hash)
        .bind(entity.as_str())
        .bind(entity_id)
        .bind(quota.limit as i64)
        .bind(quota.interval as i64)
        .bind(quota.unit.as_str())
        .bind(to_ms(Utc::now()))
        .execute(&self.pool)
        .await?;
        Ok(NewClient {
            client_id: id,
            client_secret: secret,
            name: name.to_string(),
            entity_type: entity,
            entity_id: entity_id.to_string(),
        })
    }

    /// Exchange client credentials for an access token. `None`: unknown client, wrong secret,
    /// revoked, or acting for something suspended or deleted (deliberately not told apart).
    pub async fn issue_token(
        &self,
        client_id: &str,
        secret: &str,
    ) -> Result<Option<(String, DateTime<Utc>)>, AppError> {
        let row = sqlx::query(&format!(
            "SELECT k.secret_hash FROM api_clients k
             WHERE k.id = $1 AND k.revoked_at IS NULL AND {CLIENT_IS_ACTIVE}"
        ))
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let stored: String = row.col("secret_hash")?;
        if !constant_time_eq(stored.as_bytes(), hash_token(secret).as_bytes()) {
            return Ok(None);
        }
        let (token, hash) = new_token();
        let expires = Utc::now() + TOKEN_LIFETIME;
        sqlx::query(
            "INSERT INTO api_tokens (token_hash, client_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(hash)
        .bind(client_id)
        .bind(to_ms(expires))
        .execute(&self.pool)
        .await?;
        // Expired tokens are of no use to anyone; clear them out now and then.
        sqlx::query("DELETE FROM api_tokens WHERE expires_at < $1")
            .bind(to_ms(Utc::now() - Duration::days(1)))
            .execute(&self.pool)
            .await?;
        Ok(Some((token, expires)))
    }

    /// The client behind a bearer token, if the token is live, the client not revoked and
    /// nothing it acts for suspended or deleted.
    pub async fn caller(&self, token: &str) -> Result<Option<ApiCaller>, AppError> {
        let row = sqlx::query(&format!(
            "SELECT k.id, k.name, k.entity_type, k.entity_id, k.quota_limit, k.quota_interval, k.quota_unit
             FROM api_tokens t JOIN api_clients k ON k.id = t.client_id
             WHERE t.token_hash = $1 AND t.expires_at > $2 AND k.revoked_at IS NULL
               AND {CLIENT_IS_ACTIVE}"
        ))
        .bind(hash_token(token))
        .bind(to_ms(Utc::now()))
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let scope = Scope::from_stored(&r.col::<String>("entity_type")?, r.col("entity_id")?)
            .ok_or_else(AppError::internal)?;
        Ok(Some(ApiCaller {
            client_id: r.col("id")?,
            name: r.col("name")?,
            scope,
            quota: Quota {
                limit: r.col::<i64>("quota_limit")?.max(1) as u32,
                interval: r.col::<i64>("quota_interval")?.max(1) as u32,
                unit: QuotaUnit::parse(&r.col::<String>("quota_unit")?).unwrap_or(QuotaUnit::Hour),
            },
        }))
    }

    /// Clients of entities in scope (the caller's own entity's included).
    pub async fn clients(&self, scope: &Scope) -> Result<Vec<ClientRow>, AppError> {
        let (cond, param) = scope.companies();
        let (own_type, own_id) = scope.entity();
        let dealer_cond = match scope {
            Scope::Reseller(_) => "(k.entity_type = 'dealer' AND k.entity_id IN (SELECT id FROM dealers WHERE reseller_id = $2 AND deleted_at IS NULL))",
            _ => "0",
        };
        let rows = sqlx::query(&format!(
            "SELECT k.id, k.name, k.entity_type, k.entity_id, k.created_at FROM api_clients k
             WHERE k.revoked_at IS NULL AND (
                (k.entity_type = $1 AND k.entity_id = $2)
                OR {dealer_cond}
                OR (k.entity_type = 'company' AND k.entity_id IN (SELECT c.id FROM companies c WHERE {cond}$3)))
             ORDER BY k.created_at, k.id"
        ))
        .bind(own_type.as_str())
        .bind(own_id)
        .bind(param)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ClientRow {
                    client_id: r.col("id")?,
                    name: r.col("name")?,
                    entity_type: entity_type(&r.col::<String>("entity_type")?),
                    entity_id: r.col("entity_id")?,
                    created_at: from_ms(r.col("created_at")?),
                })
            })
            .collect()
    }

    /// Revoke a client in scope (its tokens stop working at once).
    pub async fn revoke_client(
        &self,
        scope: &Scope,
        client_id: &str,
    ) -> Result<Option<()>, AppError> {
        if !self
            .clients(scope)
            .await?
            .iter()
            .any(|c| c.client_id == client_id)
        {
            return Ok(None);
        }
        sqlx::query("UPDATE api_clients SET revoked_at = $1 WHERE id = $2")
            .bind(to_ms(Utc::now()))
            .bind(client_id)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM api_tokens WHERE client_id = $1")
            .bind(client_id)
            .execute(&self.pool)
            .await?;
        Ok(Some(()))
    }

    /// Set a client's quota (operator tooling and tests).
    pub async fn set_quota(&self, client_id: &str, quota: Quota) -> Result<(), AppError> {
        let done = sqlx::query("UPDATE api_clients SET quota_limit = $1, quota_interval = $2, quota_unit = $3 WHERE id = $4")
            .bind(quota.limit as i64)
            .bind(quota.interval as i64)
            .bind(quota.unit.as_str())
            .bind(client_id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(AppError::new(ErrorCode::NotFound, "no such client"));
        }
        Ok(())
    }

    /// The first reseller, creating one named `name` if there is none (for `clients create`).
    pub async fn default_reseller(&self, name: &str) -> Result<String, AppError> {
        let existing: Vec<String> =
            sqlx::query_scalar("SELECT id FROM resellers ORDER BY created_at, id")
                .fetch_all(&self.pool)
                .await?;
        match existing.first() {
            Some(id) => Ok(id.clone()),
            None => self.create_reseller(name).await,
        }
    }

    /// Every reseller: id, name, suspended; oldest first.
    pub async fn resellers(&self) -> Result<Vec<(String, String, bool)>, AppError> {
        let rows: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT id, name, suspended FROM resellers ORDER BY created_at, id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(i, n, s)| (i, n, s != 0)).collect())
    }

    /// Does this reseller exist?
    pub async fn reseller_exists(&self, id: &str) -> Result<bool, AppError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM resellers WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// Is this dealer in scope?
    pub async fn dealer_in_scope(&self, scope: &Scope, id: &str) -> Result<bool, AppError> {
        Ok(self.dealer_row(scope, id).await?.is_some())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
