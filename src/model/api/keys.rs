//! A company's API keys for the rooms API (`/whereby/v1`).

use super::types::{CompanyRef, Name};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /api/v2/management/api-keys`: a key for a company at or under the caller's entity.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyInput {
    /// A name to recognise it by.
    pub name: Name,
    /// The company (the rooms API's organisation) it acts for.
    pub company: CompanyRef,
}

/// An API key, as listed (never the key itself).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiKey {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The company it acts for.
    pub company: String,
    /// When made.
    #[serde(with = "super::instant")]
    pub created_at: DateTime<Utc>,
}

/// A key just made: the key is in this answer only; the server keeps a hash of it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiKeyCreated {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The company it acts for.
    pub company: String,
    /// When made.
    #[serde(with = "super::instant")]
    pub created_at: DateTime<Utc>,
    /// The key: `Authorization: Bearer <key>` on `/whereby/v1`. Shown once.
    pub key: String,
}
