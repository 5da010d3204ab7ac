//! The tenancy tree in the store: resellers > dealers > companies, contacts and packages.
//!
//! Every read and write of the REST API goes through a [`Scope`]: the entity the caller acts
//! for. Something outside it answers exactly like something that does not exist.

use super::Col;
use super::{from_ms, to_ms, Store};
use super::{Args, Paging};
use crate::model::api::tenancy::{
    Company, CompanyInput, CompanyPatch, CompanySummary, Contact, ContactInput, Dealer,
    DealerInput, DealerPatch, DealerSummary, EntityType, NotificationContact,
    NotificationContactInput, Package, ResellerSummary,
};
use crate::model::api::Language;
use crate::model::{AppError, ErrorCode};
use crate::server::tokens::new_id;
use chrono::Utc;
use sqlx::sqlite::SqliteRow;
use sqlx::{Sqlite, Transaction};

/// The entity an API caller acts for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// A reseller: sees its dealers and all their companies.
    Reseller(String),
    /// A dealer: sees its companies.
    Dealer(String),
    /// A company: sees itself.
    Company(String),
}

impl Scope {
    /// Build from a stored entity type and id.
    pub fn from_stored(entity_type: &str, id: String) -> Option<Scope> {
        match entity_type {
            "reseller" => Some(Scope::Reseller(id)),
            "dealer" => Some(Scope::Dealer(id)),
            "company" => Some(Scope::Company(id)),
            _ => None,
        }
    }

    /// The entity type and id.
    pub fn entity(&self) -> (EntityType, &str) {
        match self {
            Scope::Reseller(id) => (EntityType::Reseller, id),
            Scope::Dealer(id) => (EntityType::Dealer, id),
            Scope::Company(id) => (EntityType::Company, id),
        }
    }

    /// SQL condition (on a `companies` row aliased `c`) for companies in scope, and its
    /// parameter. Deleted companies are never in scope.
    pub fn companies(&self) -> (&'static str, &str) {
        match self {
            Scope::Reseller(id) => ("c.deleted_at IS NULL AND c.reseller_id = ", id),
            Scope::Dealer(id) => ("c.deleted_at IS NULL AND c.dealer_id = ", id),
            Scope::Company(id) => ("c.deleted_at IS NULL AND c.id = ", id),
        }
    }
}

pub(super) fn not_found(what: &str) -> AppError {
    AppError::not_found(what)
}

async fn insert_contact(
    tx: &mut Transaction<'_, Sqlite>,
    c: &ContactInput,
) -> Result<String, AppError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO contacts (id, first_name, last_name, email, phone, language) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(&c.first_name)
    .bind(&c.last_name)
    .bind(&c.email)
    .bind(&c.phone)
    .bind(c.language.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

async fn insert_notification_contact(
    tx: &mut Transaction<'_, Sqlite>,
    c: &NotificationContactInput,
) -> Result<String, AppError> {
    let id = new_id();
    sqlx::query("INSERT INTO notification_contacts (id, email) VALUES ($1, $2)")
        .bind(&id)
        .bind(&c.email)
        .execute(&mut **tx)
        .await?;
    Ok(id)
}

fn contact_from(r: &SqliteRow) -> Result<Contact, AppError> {
    Ok(Contact {
        id: r.col("id")?,
        first_name: r.col("first_name")?,
        last_name: r.col("last_name")?,
        email: r.col("email")?,
        phone: r.col("phone")?,
        language: Language::from_stored(&r.col::<String>("language")?),
    })
}

impl Store {
    async fn contact(&self, id: Option<String>) -> Result<Option<Contact>, AppError> {
        let Some(id) = id else { return Ok(None) };
        let row = sqlx::query("SELECT * FROM contacts WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(contact_from).transpose()
    }

    async fn required_contact(&self, id: Option<String>) -> Result<Contact, AppError> {
        // Entities created outside the API (the demo) may have no contact on file.
        Ok(self.contact(id).await?.unwrap_or(Contact {
            id: String::new(),
            first_name: String::new(),
            last_name: String::new(),
            email: String::new(),
            phone: String::new(),
            language: Language::En,
        }))
    }

    async fn notification_contact(
        &self,
        id: Option<String>,
    ) -> Result<Option<NotificationContact>, AppError> {
        let Some(id) = id else { return Ok(None) };
        let row = sqlx::query("SELECT id, email FROM notification_contacts WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(NotificationContact {
                id: r.col("id")?,
                email: r.col("email")?,
            })
        })
        .transpose()
    }

    /// Every package.
    pub async fn packages(&self) -> Result<Vec<Package>, AppError> {
        let rows = sqlx::query("SELECT id, name, features FROM packages ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(package_from).collect()
    }

    /// A package by id.
    pub async fn package(&self, id: &str) -> Result<Option<Package>, AppError> {
        let row = sqlx::query("SELECT id, name, features FROM packages WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(package_from).transpose()
    }

    async fn reseller_summary(&self, id: &str) -> Result<ResellerSummary, AppError> {
        let r = sqlx::query("SELECT id, name, contact_id, suspended FROM resellers WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(ResellerSummary {
            id: r.col("id")?,
            name: r.col("name")?,
            contact: self.required_contact(r.col("contact_id")?).await?,
            suspended: r.col::<i64>("suspended")? != 0,
        })
    }

    // ---- dealers ------------------------------------------------------------------------

    fn dealer_filter(scope: &Scope) -> Option<(&'static str, &str)> {
        match scope {
            Scope::Reseller(id) => Some(("d.reseller_id = ", id)),
            Scope::Dealer(id) => Some(("d.id = ", id)),
            Scope::Company(_) => None,
        }
    }

    pub(super) async fn dealer_row(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<Option<SqliteRow>, AppError> {
        let Some((cond, param)) = Self::dealer_filter(scope) else {
            return Ok(None);
        };
        sqlx::query(&format!(
            "SELECT d.* FROM dealers d WHERE d.id = $1 AND d.deleted_at IS NULL AND {cond}$2"
        ))
        .bind(id)
        .bind(param)
        .fetch_optional(&self.pool)
        .await
        .map_err(AppError::from)
    }

    async fn dealer_from(&self, r: &SqliteRow) -> Result<Dealer, AppError> {
        Ok(Dealer {
            id: r.col("id")?,
            name: r.col("name")?,
            contact: self.required_contact(r.col("contact_id")?).await?,
            notification_contact: self
                .notification_contact(r.col("notification_contact_id")?)
                .await?,
            reseller: self
                .reseller_summary(&r.col::<String>("reseller_id")?)
                .await?,
            suspended: r.col::<i64>("suspended")? != 0,
        })
    }

    /// A dealer in scope.
    pub async fn dealer(&self, scope: &Scope, id: &str) -> Result<Option<Dealer>, AppError> {
        match self.dealer_row(scope, id).await? {
            Some(r) => Ok(Some(self.dealer_from(&r).await?)),
            None => Ok(None),
        }
    }

    /// Dealers in scope, oldest first.
    pub async fn dealers(
        &self,
        scope: &Scope,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<Dealer>, u64), AppError> {
        let Some((cond, param)) = Self::dealer_filter(scope) else {
            return Ok((Vec::new(), 0));
        };
        let (rows, total) = self
            .page(
                "d.*",
                &format!("FROM dealers d WHERE d.deleted_at IS NULL AND {cond}$1"),
                "d.created_at, d.id",
                Args::default().add(param)?,
                Paging { limit, offset },
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.dealer_from(r).await?);
        }
        Ok((out, total))
    }

    /// Create a dealer under the caller's reseller.
    pub async fn create_dealer(
        &self,
        scope: &Scope,
        input: &DealerInput,
    ) -> Result<Dealer, AppError> {
        let Scope::Reseller(reseller) = scope else {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "only a reseller creates dealers",
            ));
        };
        let mut tx = self.begin_write().await?;
        let contact = insert_contact(&mut tx, &input.contact).await?;
        let notify = match &input.notification_contact {
            Some(n) => Some(insert_notification_contact(&mut tx, n).await?),
            None => None,
        };
        let id = new_id();
        sqlx::query(
            "INSERT INTO dealers (id, reseller_id, name, contact_id, notification_contact_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(reseller)
        .bind(&input.name)
        .bind(contact)
        .bind(notify)
        .bind(to_ms(Utc::now()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.dealer(scope, &id)
            .await?
            .ok_or_else(AppError::internal)
    }

    /// Change a dealer in scope.
    pub async fn update_dealer(
        &self,
        scope: &Scope,
        id: &str,
        p: &DealerPatch,
    ) -> Result<Option<Dealer>, AppError> {
        let Some(row) = self.dealer_row(scope, id).await? else {
            return Ok(None);
        };
        let mut tx = self.begin_write().await?;
        if let Some(name) = &p.name {
            sqlx::query("UPDATE dealers SET name = $1 WHERE id = $2")
                .bind(name)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(c) = &p.contact {
            let contact = insert_contact(&mut tx, c).await?;
            sqlx::query("UPDATE dealers SET contact_id = $1 WHERE id = $2")
                .bind(contact)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(n) = &p.notification_contact {
            let notify = insert_notification_contact(&mut tx, n).await?;
            sqlx::query("UPDATE dealers SET notification_contact_id = $1 WHERE id = $2")
                .bind(notify)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(s) = p.suspended {
            sqlx::query("UPDATE dealers SET suspended = $1 WHERE id = $2")
                .bind(s as i64)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        drop(row);
        self.dealer(scope, id).await
    }

    /// Delete a dealer in scope: refused (412) while it has companies.
    pub async fn delete_dealer(&self, scope: &Scope, id: &str) -> Result<Option<()>, AppError> {
        if self.dealer_row(scope, id).await?.is_none() {
            return Ok(None);
        }
        let mut tx = self.begin_write().await?;
        let companies: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM companies WHERE dealer_id = $1 AND deleted_at IS NULL",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if companies > 0 {
            return Err(AppError::new(
                ErrorCode::Precondition,
                "the dealer still has companies; delete or move them first",
            ));
        }
        sqlx::query("UPDATE dealers SET deleted_at = $1 WHERE id = $2")
            .bind(to_ms(Utc::now()))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        revoke_clients_of(&mut tx, "dealer", id).await?;
        tx.commit().await?;
        Ok(Some(()))
    }

    // ---- companies ----------------------------------------------------------------------

    async fn company_row(&self, scope: &Scope, id: &str) -> Result<Option<SqliteRow>, AppError> {
        let (cond, param) = scope.companies();
        sqlx::query(&format!(
            "SELECT c.* FROM companies c WHERE c.id = $1 AND {cond}$2"
        ))
        .bind(id)
        .bind(param)
        .fetch_optional(&self.pool)
        .await
        .map_err(AppError::from)
    }

    /// Is this company in scope?
    pub async fn company_in_scope(&self, scope: &Scope, id: &str) -> Result<bool, AppError> {
        Ok(self.company_row(scope, id).await?.is_some())
    }

    async fn dealer_summary(&self, id: Option<String>) -> Result<Option<DealerSummary>, AppError> {
        let Some(id) = id else { return Ok(None) };
        let r = sqlx::query("SELECT * FROM dealers WHERE id = $1")
            .bind(&id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = r else { return Ok(None) };
        Ok(Some(DealerSummary {
            id: r.col("id")?,
            name: r.col("name")?,
            contact: self.required_contact(r.col("contact_id")?).await?,
            notification_contact: self
                .notification_contact(r.col("notification_contact_id")?)
                .await?,
            suspended: r.col::<i64>("suspended")? != 0,
        }))
    }

    async fn company_from(&self, r: &SqliteRow) -> Result<Company, AppError> {
        Ok(Company {
            id: r.col("id")?,
            name: r.col("name")?,
            contact: self.required_contact(r.col("contact_id")?).await?,
            package: self
                .package(&r.col::<String>("package_id")?)
                .await?
                .ok_or_else(AppError::internal)?,
            dealer: self.dealer_summary(r.col("dealer_id")?).await?,
            suspended: r.col::<i64>("suspended")? != 0,
        })
    }

    /// A company's summary (for sites, users, meetings), whatever the scope.
    pub async fn company_summary(&self, id: &str) -> Result<CompanySummary, AppError> {
        let r = sqlx::query("SELECT * FROM companies WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(CompanySummary {
            id: r.col("id")?,
            name: r.col("name")?,
            contact: self.required_contact(r.col("contact_id")?).await?,
            suspended: r.col::<i64>("suspended")? != 0,
        })
    }

    /// A company in scope.
    pub async fn company(&self, scope: &Scope, id: &str) -> Result<Option<Company>, AppError> {
        match self.company_row(scope, id).await? {
            Some(r) => Ok(Some(self.company_from(&r).await?)),
            None => Ok(None),
        }
    }

    /// Companies in scope, oldest first.
    pub async fn companies(
        &self,
        scope: &Scope,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<Company>, u64), AppError> {
        let (cond, param) = scope.companies();
        let (rows, total) = self
            .page(
                "c.*",
                &format!("FROM companies c WHERE {cond}$1"),
                "c.created_at, c.id",
                Args::default().add(param)?,
                Paging { limit, offset },
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.company_from(r).await?);
        }
        Ok((out, total))
    }

    /// Create a company: a reseller's client names the dealer (or none, for a company of its
    /// own); a dealer's client creates under itself.
    pub async fn create_company_api(
        &self,
        scope: &Scope,
        input: &CompanyInput,
    ) -> Result<Company, AppError> {
        let (reseller, dealer) = match scope {
            Scope::Company(_) => {
                return Err(AppError::new(
                    ErrorCode::Forbidden,
                    "a company cannot create companies",
                ));
            }
            Scope::Dealer(d) => {
                if input.dealer.as_deref().is_some_and(|x| x != d) {
                    return Err(not_found("dealer").with_field("dealer"));
                }
                let reseller: String =
                    sqlx::query_scalar("SELECT reseller_id FROM dealers WHERE id = $1")
                        .bind(d)
                        .fetch_one(&self.pool)
                        .await?;
                (reseller, Some(d.clone()))
            }
            Scope::Reseller(r) => match &input.dealer {
                Some(d) => {
                    if self.dealer_row(scope, d).await?.is_none() {
                        return Err(not_found("dealer").with_field("dealer"));
                    }
                    (r.clone(), Some(d.clone()))
                }
                None => (r.clone(), None),
            },
        };
        if self.package(&input.package).await?.is_none() {
            return Err(not_found("package").with_field("package"));
        }
        let mut tx = self.begin_write().await?;
        let contact = insert_contact(&mut tx, &input.contact).await?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO companies (id, reseller_id, dealer_id, name, package_id, contact_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(reseller)
        .bind(dealer)
        .bind(&input.name)
        .bind(&input.package)
        .bind(contact)
        .bind(to_ms(Utc::now()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.company(scope, &id)
            .await?
            .ok_or_else(AppError::internal)
    }

    /// Change a company in scope.
    pub async fn update_company(
        &self,
        scope: &Scope,
        id: &str,
        p: &CompanyPatch,
    ) -> Result<Option<Company>, AppError> {
        if self.company_row(scope, id).await?.is_none() {
            return Ok(None);
        }
        if let Some(package) = &p.package {
            if matches!(scope, Scope::Company(_)) {
                return Err(AppError::new(
                    ErrorCode::Forbidden,
                    "a company cannot change its own package",
                )
                .with_field("package"));
            }
            if self.package(package).await?.is_none() {
                return Err(not_found("package").with_field("package"));
            }
        }
        let mut tx = self.begin_write().await?;
        if let Some(name) = &p.name {
            sqlx::query("UPDATE companies SET name = $1 WHERE id = $2")
                .bind(name)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(c) = &p.contact {
            let contact = insert_contact(&mut tx, c).await?;
            sqlx::query("UPDATE companies SET contact_id = $1 WHERE id = $2")
                .bind(contact)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(package) = &p.package {
            sqlx::query("UPDATE companies SET package_id = $1 WHERE id = $2")
                .bind(package)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(s) = p.suspended {
            sqlx::query("UPDATE companies SET suspended = $1 WHERE id = $2")
                .bind(s as i64)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.company(scope, id).await
    }

    /// Delete a company in scope: refused (412) while it has sites or users.
    pub async fn delete_company(&self, scope: &Scope, id: &str) -> Result<Option<()>, AppError> {
        if self.company_row(scope, id).await?.is_none() {
            return Ok(None);
        }
        let mut tx = self.begin_write().await?;
        let children: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM sites WHERE company_id = $1 AND deleted_at IS NULL)
                  + (SELECT COUNT(*) FROM users WHERE company_id = $1 AND deleted_at IS NULL)",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if children > 0 {
            return Err(AppError::new(
                ErrorCode::Precondition,
                "the company still has sites or users; delete them first",
            ));
        }
        sqlx::query("UPDATE companies SET deleted_at = $1 WHERE id = $2")
            .bind(to_ms(Utc::now()))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        revoke_clients_of(&mut tx, "company", id).await?;
        tx.commit().await?;
        Ok(Some(()))
    }

    /// The features of a company's package.
    pub async fn company_features(&self, company: &str) -> Result<Vec<String>, AppError> {
        let f: Option<String> = sqlx::query_scalar(
            "SELECT p.features FROM companies c JOIN packages p ON p.id = c.package_id WHERE c.id = $1",
        )
        .bind(company)
        .fetch_optional(&self.pool)
        .await?;
        Ok(f.and_then(|f| serde_json::from_str(&f).ok())
            .unwrap_or_default())
    }

    /// When the reseller was created (for tests and tools).
    pub async fn reseller_created(
        &self,
        id: &str,
    ) -> Result<Option<chrono::DateTime<Utc>>, AppError> {
        let ms: Option<i64> = sqlx::query_scalar("SELECT created_at FROM resellers WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(ms.map(from_ms))
    }
}

fn package_from(r: &SqliteRow) -> Result<Package, AppError> {
    Ok(Package {
        id: r.col("id")?,
        name: r.col("name")?,
        features: serde_json::from_str(&r.col::<String>("features")?).unwrap_or_default(),
    })
}

/// Revoke every API client of an entity (and so their tokens).
pub(super) async fn revoke_clients_of(
    tx: &mut Transaction<'_, Sqlite>,
    entity_type: &str,
    id: &str,
) -> Result<(), AppError> {
    sqlx::query("UPDATE api_clients SET revoked_at = $1 WHERE entity_type = $2 AND entity_id = $3 AND revoked_at IS NULL")
        .bind(to_ms(Utc::now()))
        .bind(entity_type)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
