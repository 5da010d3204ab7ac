//! The tenancy tree in the store: resellers > dealers > companies, contacts and packages.
//!
//! Every read and write of the REST API goes through a [`Scope`]: the entity the caller acts
//! for. Something outside it answers exactly like something that does not exist.

use super::set_column;
use super::Col;
use super::{from_ms, to_ms, Store};
use super::{Args, Paging};
use crate::model::api::tenancy::{
    CompanyInput, CompanyPatch, ContactInput, DealerInput, DealerPatch, EntityType,
    NotificationContactInput,
};
use crate::model::{AppError, ErrorCode};
use crate::server::tokens::new_id;
use chrono::Utc;
use sqlx::any::AnyRow;

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

    /// SQL condition on a meetings row `m` alone: its company is in scope and not deleted
    /// (`$n` is the id from [`Scope::id`]). Written so the planner can walk an index in start
    /// order and stop after a page: an equality on `m.company_id` for a company, a list of
    /// companies for a reseller or dealer.
    pub fn meetings(&self, n: usize) -> String {
        match self {
            Scope::Company(_) => format!(
                "m.company_id = ${n} AND EXISTS (SELECT 1 FROM companies c \
                 WHERE c.id = m.company_id AND c.deleted_at IS NULL)"
            ),
            Scope::Reseller(_) | Scope::Dealer(_) => format!(
                "m.company_id IN (SELECT c.id FROM companies c WHERE {}${n})",
                self.companies().0
            ),
        }
    }

    /// The id the scope's conditions compare with.
    pub fn id(&self) -> &str {
        self.companies().1
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
    tx: &mut sqlx::AnyConnection,
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
    .execute(&mut *tx)
    .await?;
    Ok(id)
}

async fn insert_notification_contact(
    tx: &mut sqlx::AnyConnection,
    c: &NotificationContactInput,
) -> Result<String, AppError> {
    let id = new_id();
    sqlx::query("INSERT INTO notification_contacts (id, email) VALUES ($1, $2)")
        .bind(&id)
        .bind(&c.email)
        .execute(&mut *tx)
        .await?;
    Ok(id)
}

/// A contact as stored (entities made outside the API, the demo's, may have none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactRow {
    /// Its id.
    pub id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail address.
    pub email: String,
    /// Phone number.
    pub phone: String,
    /// Language, `nl` or `en`.
    pub language: String,
}

/// A notification contact: an address told of changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationRow {
    /// Its id.
    pub id: String,
    /// E-mail address.
    pub email: String,
}

/// A reseller, as the dealers under it show it.
#[derive(Clone, Debug)]
pub struct ResellerRow {
    /// Its id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Contact, if any.
    pub contact: Option<ContactRow>,
    /// Suspended.
    pub suspended: bool,
}

/// A dealer, as the companies under it show it.
#[derive(Clone, Debug)]
pub struct DealerBrief {
    /// Its id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Contact, if any.
    pub contact: Option<ContactRow>,
    /// Notification contact, if any.
    pub notification: Option<NotificationRow>,
    /// Suspended.
    pub suspended: bool,
}

/// A dealer and the reseller it hangs under.
#[derive(Clone, Debug)]
pub struct DealerRow {
    /// The dealer.
    pub dealer: DealerBrief,
    /// Its reseller.
    pub reseller: ResellerRow,
}

/// A package of features.
#[derive(Clone, Debug)]
pub struct PackageRow {
    /// Its id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Feature names.
    pub features: Vec<String>,
}

/// A company, as its sites, users and meetings show it.
#[derive(Clone, Debug)]
pub struct CompanyBrief {
    /// Its id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Contact, if any.
    pub contact: Option<ContactRow>,
    /// Suspended.
    pub suspended: bool,
}

/// A company with its package and dealer.
#[derive(Clone, Debug)]
pub struct CompanyRow {
    /// The company.
    pub company: CompanyBrief,
    /// Its package.
    pub package: PackageRow,
    /// Its dealer, if any.
    pub dealer: Option<DealerBrief>,
    /// Its rooms API budget: points per minute.
    pub room_api_points: u32,
    /// Days personal data is kept after its meeting is over.
    pub retention_days: u32,
}

/// The columns of a contact joined as `a`, named `a_id`, `a_first_name`, ….
fn contact_columns(a: &str) -> String {
    [
        "id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "language",
    ]
    .iter()
    .map(|c| format!("{a}.{c} AS {a}_{c}"))
    .collect::<Vec<_>>()
    .join(", ")
}

/// The contact joined as `a` (none when the join found none).
fn contact_at(r: &AnyRow, a: &str) -> Result<Option<ContactRow>, AppError> {
    let Some(id) = r.col::<Option<String>>(&format!("{a}_id"))? else {
        return Ok(None);
    };
    Ok(Some(ContactRow {
        id,
        first_name: r.col(&format!("{a}_first_name"))?,
        last_name: r.col(&format!("{a}_last_name"))?,
        email: r.col(&format!("{a}_email"))?,
        phone: r.col(&format!("{a}_phone"))?,
        language: r.col(&format!("{a}_language"))?,
    }))
}

/// A package selected as `p_id`, `p_name`, `p_features`.
pub(super) fn package_at(r: &AnyRow) -> Result<PackageRow, AppError> {
    Ok(PackageRow {
        id: r.col("p_id")?,
        name: r.col("p_name")?,
        features: serde_json::from_str(&r.col::<String>("p_features")?).unwrap_or_default(),
    })
}

/// A dealer with its contacts and reseller, in one row.
const DEALER_FROM: &str = "FROM dealers d
     LEFT JOIN contacts dc ON dc.id = d.contact_id
     LEFT JOIN notification_contacts dn ON dn.id = d.notification_contact_id
     JOIN resellers r ON r.id = d.reseller_id
     LEFT JOIN contacts rc ON rc.id = r.contact_id";

/// The columns of a dealer joined as `d` (contact `dc`, notification contact `dn`).
fn dealer_brief_columns() -> String {
    format!(
        "d.id AS d_id, d.name AS d_name, d.suspended AS d_suspended, {}, dn.id AS dn_id, dn.email AS dn_email",
        contact_columns("dc")
    )
}

fn dealer_columns() -> String {
    format!(
        "{}, r.id AS r_id, r.name AS r_name, r.suspended AS r_suspended, {}",
        dealer_brief_columns(),
        contact_columns("rc")
    )
}

/// The dealer joined as `d`; none when the join found none.
fn dealer_brief_at(r: &AnyRow) -> Result<Option<DealerBrief>, AppError> {
    let Some(id) = r.col::<Option<String>>("d_id")? else {
        return Ok(None);
    };
    let notification = match r.col::<Option<String>>("dn_id")? {
        Some(id) => Some(NotificationRow {
            id,
            email: r.col("dn_email")?,
        }),
        None => None,
    };
    Ok(Some(DealerBrief {
        id,
        name: r.col("d_name")?,
        contact: contact_at(r, "dc")?,
        notification,
        suspended: r.flag("d_suspended")?,
    }))
}

fn dealer_at(r: &AnyRow) -> Result<DealerRow, AppError> {
    Ok(DealerRow {
        dealer: dealer_brief_at(r)?.ok_or_else(AppError::internal)?,
        reseller: ResellerRow {
            id: r.col("r_id")?,
            name: r.col("r_name")?,
            contact: contact_at(r, "rc")?,
            suspended: r.flag("r_suspended")?,
        },
    })
}

/// A company with its contact, package and dealer, in one row.
const COMPANY_FROM: &str = "FROM companies c
     LEFT JOIN contacts cc ON cc.id = c.contact_id
     JOIN packages p ON p.id = c.package_id
     LEFT JOIN dealers d ON d.id = c.dealer_id
     LEFT JOIN contacts dc ON dc.id = d.contact_id
     LEFT JOIN notification_contacts dn ON dn.id = d.notification_contact_id";

pub(super) fn company_brief_columns() -> String {
    format!(
        "c.id AS c_id, c.name AS c_name, c.suspended AS c_suspended, {}",
        contact_columns("cc")
    )
}

fn company_columns() -> String {
    format!(
        "{}, c.room_api_points AS c_room_api_points, c.retention_days AS c_retention_days, p.id AS p_id, p.name AS p_name, p.features AS p_features, {}",
        company_brief_columns(),
        dealer_brief_columns()
    )
}

pub(super) fn company_brief_at(r: &AnyRow) -> Result<CompanyBrief, AppError> {
    Ok(CompanyBrief {
        id: r.col("c_id")?,
        name: r.col("c_name")?,
        contact: contact_at(r, "cc")?,
        suspended: r.flag("c_suspended")?,
    })
}

fn company_at(r: &AnyRow) -> Result<CompanyRow, AppError> {
    Ok(CompanyRow {
        company: company_brief_at(r)?,
        package: package_at(r)?,
        dealer: dealer_brief_at(r)?,
        room_api_points: r.col::<i64>("c_room_api_points")?.clamp(1, 1_000_000) as u32,
        retention_days: r.col::<i64>("c_retention_days")?.clamp(1, 3650) as u32,
    })
}

impl Store {
    /// Every package.
    pub async fn packages(&self) -> Result<Vec<PackageRow>, AppError> {
        let rows = sqlx::query(
            "SELECT id AS p_id, name AS p_name, features AS p_features FROM packages ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(package_at).collect()
    }

    /// A package by id.
    pub async fn package(&self, id: &str) -> Result<Option<PackageRow>, AppError> {
        let row = sqlx::query(
            "SELECT id AS p_id, name AS p_name, features AS p_features FROM packages WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(package_at).transpose()
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
    ) -> Result<Option<AnyRow>, AppError> {
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

    /// A dealer in scope, with its contacts and reseller (one query).
    pub async fn dealer(&self, scope: &Scope, id: &str) -> Result<Option<DealerRow>, AppError> {
        let Some((cond, param)) = Self::dealer_filter(scope) else {
            return Ok(None);
        };
        let row = sqlx::query(&format!(
            "SELECT {} {DEALER_FROM} WHERE d.id = $1 AND d.deleted_at IS NULL AND {cond}$2",
            dealer_columns()
        ))
        .bind(id)
        .bind(param)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(dealer_at).transpose()
    }

    /// Dealers in scope, oldest first.
    pub async fn dealers(
        &self,
        scope: &Scope,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<DealerRow>, u64), AppError> {
        let Some((cond, param)) = Self::dealer_filter(scope) else {
            return Ok((Vec::new(), 0));
        };
        // Contacts and reseller joined: one query for the page, not one more per dealer.
        let (rows, total) = self
            .page(
                &dealer_columns(),
                &format!("{DEALER_FROM} WHERE d.deleted_at IS NULL AND {cond}$1"),
                "d.created_at, d.id",
                Args::default().add(param)?,
                Paging { limit, offset },
            )
            .await?;
        Ok((rows.iter().map(dealer_at).collect::<Result<_, _>>()?, total))
    }

    /// Create a dealer under the caller's reseller.
    pub async fn create_dealer(
        &self,
        scope: &Scope,
        input: &DealerInput,
    ) -> Result<DealerRow, AppError> {
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
    ) -> Result<Option<DealerRow>, AppError> {
        let Some(row) = self.dealer_row(scope, id).await? else {
            return Ok(None);
        };
        let mut tx = self.begin_write().await?;
        if let Some(name) = &p.name {
            set_column(&mut tx, "dealers", "name", id, name).await?;
        }
        if let Some(c) = &p.contact {
            let contact = insert_contact(&mut tx, c).await?;
            set_column(&mut tx, "dealers", "contact_id", id, contact).await?;
        }
        if let Some(n) = &p.notification_contact {
            let notify = insert_notification_contact(&mut tx, n).await?;
            set_column(&mut tx, "dealers", "notification_contact_id", id, notify).await?;
        }
        if let Some(s) = p.suspended {
            set_column(&mut tx, "dealers", "suspended", id, s as i64).await?;
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
        set_column(&mut tx, "dealers", "deleted_at", id, to_ms(Utc::now())).await?;
        revoke_clients_of(&mut tx, "dealer", id).await?;
        tx.commit().await?;
        Ok(Some(()))
    }

    // ---- companies ----------------------------------------------------------------------

    async fn company_row(&self, scope: &Scope, id: &str) -> Result<Option<AnyRow>, AppError> {
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

    /// A company in scope, with its contact, package and dealer (one query).
    pub async fn company(&self, scope: &Scope, id: &str) -> Result<Option<CompanyRow>, AppError> {
        let (cond, param) = scope.companies();
        let row = sqlx::query(&format!(
            "SELECT {} {COMPANY_FROM} WHERE c.id = $1 AND {cond}$2",
            company_columns()
        ))
        .bind(id)
        .bind(param)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(company_at).transpose()
    }

    /// Companies in scope, oldest first.
    pub async fn companies(
        &self,
        scope: &Scope,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<CompanyRow>, u64), AppError> {
        let (cond, param) = scope.companies();
        // Contact, package and dealer joined: one query for the page.
        let (rows, total) = self
            .page(
                &company_columns(),
                &format!("{COMPANY_FROM} WHERE {cond}$1"),
                "c.created_at, c.id",
                Args::default().add(param)?,
                Paging { limit, offset },
            )
            .await?;
        Ok((
            rows.iter().map(company_at).collect::<Result<_, _>>()?,
            total,
        ))
    }

    /// Create a company: a reseller's client names the dealer (or none, for a company of its
    /// own); a dealer's client creates under itself.
    pub async fn create_company_api(
        &self,
        scope: &Scope,
        input: &CompanyInput,
    ) -> Result<CompanyRow, AppError> {
        let (reseller, dealer) = match scope {
            Scope::Company(_) => {
                return Err(AppError::new(
                    ErrorCode::Forbidden,
                    "a company cannot create companies",
                ));
            }
            Scope::Dealer(d) => {
                if input.dealer.as_ref().is_some_and(|x| x.as_str() != d) {
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
                    (r.clone(), Some(d.to_string()))
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
    ) -> Result<Option<CompanyRow>, AppError> {
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
        if p.room_api_points.is_some() && matches!(scope, Scope::Company(_)) {
            // A budget a company could raise itself would limit nothing.
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "a company cannot change its own rooms API budget",
            )
            .with_field("room_api_points"));
        }
        let mut tx = self.begin_write().await?;
        if let Some(name) = &p.name {
            set_column(&mut tx, "companies", "name", id, name).await?;
        }
        if let Some(c) = &p.contact {
            let contact = insert_contact(&mut tx, c).await?;
            set_column(&mut tx, "companies", "contact_id", id, contact).await?;
        }
        if let Some(package) = &p.package {
            set_column(&mut tx, "companies", "package_id", id, package).await?;
        }
        if let Some(s) = p.suspended {
            set_column(&mut tx, "companies", "suspended", id, s as i64).await?;
        }
        if let Some(points) = p.room_api_points {
            set_column(&mut tx, "companies", "room_api_points", id, points as i64).await?;
        }
        if let Some(days) = p.retention_days {
            set_column(&mut tx, "companies", "retention_days", id, days as i64).await?;
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
        set_column(&mut tx, "companies", "deleted_at", id, to_ms(Utc::now())).await?;
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

/// Revoke every API client of an entity (and so their tokens).
pub(super) async fn revoke_clients_of(
    tx: &mut sqlx::AnyConnection,
    entity_type: &str,
    id: &str,
) -> Result<(), AppError> {
    sqlx::query("UPDATE api_clients SET revoked_at = $1 WHERE entity_type = $2 AND entity_id = $3 AND revoked_at IS NULL")
        .bind(to_ms(Utc::now()))
        .bind(entity_type)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
