//! The audit trail's rows: written once, never updated or deleted (see `server::audit`).

use super::tenancy::Scope;
use super::{from_ms, to_ms, Args, Col, Paging, Store};
use crate::model::AppError;
use crate::server::audit::Event;
use crate::server::tokens::new_id;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One entry of the audit trail, as the API shows it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditEvent {
    /// Its id.
    pub id: String,
    /// When (UTC, milliseconds).
    pub at: String,
    /// Who: `api_client`, `api_key` (rooms API), `console_user`, `operator` (command line) or
    /// `system` (retention).
    pub actor_type: String,
    /// The client's, key's or user's id.
    pub actor_id: Option<String>,
    /// The tenancy the actor acted in: `reseller`, `dealer` or `company`.
    pub scope_type: Option<String>,
    /// Its id.
    pub scope_id: Option<String>,
    /// The company whose data it concerned, when known.
    pub company_id: Option<String>,
    /// What: `METHOD /route/{template}` for API calls, or a name (`meeting.cancel`,
    /// `personal_data.export`, `personal_data.erase`, `retention.erase`, …).
    pub action: String,
    /// The kind of entity (`meetings`, `users`, `appointments`, `recordings`, …).
    pub entity_type: Option<String>,
    /// Its id.
    pub entity_id: Option<String>,
    /// The HTTP status answered, for API calls.
    pub status: Option<i64>,
    /// The request's id, as in the server's log and the `x-request-id` answered.
    pub request_id: Option<String>,
}

/// Which events of a list.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// One company's only.
    pub company: Option<String>,
    /// At or after.
    pub since: Option<DateTime<Utc>>,
    /// Before.
    pub until: Option<DateTime<Utc>>,
}

/// Tables whose rows carry their company, by the entity names routes use.
fn table_of(entity_type: &str) -> Option<&'static str> {
    Some(match entity_type {
        "meetings" => "meetings",
        "users" => "users",
        "sites" => "sites",
        "appointments" => "appointments",
        "recordings" => "recordings",
        "api-keys" => "api_keys",
        _ => return None,
    })
}

impl Store {
    /// Append one event.
    pub async fn record_audit(&self, e: &Event) -> Result<(), AppError> {
        let (actor_type, actor_id, scope_type, scope_id) = e.actor_columns();
        sqlx::query(
            "INSERT INTO audit_events (id, at, actor_type, actor_id, scope_type, scope_id,
                 company_id, action, entity_type, entity_id, status, request_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(new_id())
        .bind(to_ms(Utc::now()))
        .bind(actor_type)
        .bind(actor_id)
        .bind(scope_type)
        .bind(scope_id)
        .bind(e.company.as_deref())
        .bind(e.action.as_str())
        .bind(e.entity_type.as_deref())
        .bind(e.entity_id.as_deref())
        .bind(e.status.map(i64::from))
        .bind(e.request_id.as_deref())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The company an entity belongs to (a reseller's or dealer's client names its companies'
    /// entities by id only).
    pub async fn company_of(
        &self,
        entity_type: &str,
        id: &str,
    ) -> Result<Option<String>, AppError> {
        if entity_type == "companies" {
            let found: Option<String> =
                sqlx::query_scalar("SELECT id FROM companies WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
            return Ok(found);
        }
        let Some(table) = table_of(entity_type) else {
            return Ok(None);
        };
        Ok(
            sqlx::query_scalar(&format!("SELECT company_id FROM {table} WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// A page of the events a caller may read, newest first: those of its companies, and
    /// those it (or, for a reseller, one of its dealers) did itself.
    pub async fn audit_events(
        &self,
        scope: &Scope,
        filter: &AuditFilter,
        paging: Paging,
    ) -> Result<(Vec<AuditEvent>, u64), AppError> {
        let (cond, id) = scope.companies();
        let mut visible = format!(
            "(e.company_id IN (SELECT c.id FROM companies c WHERE {cond}$1) OR e.scope_id = $1"
        );
        if let Scope::Reseller(_) = scope {
            visible.push_str(
                " OR e.scope_id IN (SELECT d.id FROM dealers d WHERE d.reseller_id = $1)",
            );
        }
        visible.push(')');
        let mut args = Args::default().add(id.to_string())?;
        let mut n = 1;
        if let Some(c) = &filter.company {
            n += 1;
            visible.push_str(&format!(" AND e.company_id = ${n}"));
            args = args.add(c.clone())?;
        }
        if let Some(t) = filter.since {
            n += 1;
            visible.push_str(&format!(" AND e.at >= ${n}"));
            args = args.add(to_ms(t))?;
        }
        if let Some(t) = filter.until {
            n += 1;
            visible.push_str(&format!(" AND e.at < ${n}"));
            args = args.add(to_ms(t))?;
        }
        let (rows, total) = self
            .page(
                "e.*",
                &format!("FROM audit_events e WHERE {visible}"),
                "e.at DESC, e.id DESC",
                args,
                paging,
            )
            .await?;
        let rows = rows
            .iter()
            .map(|r| {
                Ok(AuditEvent {
                    id: r.col("id")?,
                    at: from_ms(r.col("at")?).to_rfc3339_opts(SecondsFormat::Millis, true),
                    actor_type: r.col("actor_type")?,
                    actor_id: r.col("actor_id")?,
                    scope_type: r.col("scope_type")?,
                    scope_id: r.col("scope_id")?,
                    company_id: r.col("company_id")?,
                    action: r.col("action")?,
                    entity_type: r.col("entity_type")?,
                    entity_id: r.col("entity_id")?,
                    status: r.col("status")?,
                    request_id: r.col("request_id")?,
                })
            })
            .collect::<Result<_, AppError>>()?;
        Ok((rows, total))
    }
}
