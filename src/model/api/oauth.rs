//! OAuth2 client credentials and API clients.

use super::tenancy::EntityType;
use super::types::{EntityRef, Name};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The only grant this API offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    /// OAuth2 client credentials.
    ClientCredentials,
}

/// `POST /api/v2/oauth2/token` (JSON, as in the quick start, or form-encoded).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// `client_credentials`.
    pub grant_type: GrantType,
    /// The client id.
    #[schema(min_length = 1, max_length = 64)]
    pub client_id: String,
    /// The client secret.
    #[schema(min_length = 1, max_length = 128)]
    pub client_secret: String,
}

/// An access token.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// Opaque bearer token (256 random bits).
    pub access_token: String,
    /// When it stops working.
    #[serde(with = "super::instant")]
    pub expires: DateTime<Utc>,
    /// `Bearer`.
    pub token_type: String,
}

/// Which entity a client acts for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientEntity {
    /// `reseller`, `dealer` or `company`.
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    /// Its id.
    #[schema(pattern = r"^[0-9a-f]{24}$")]
    pub id: String,
}

/// `POST /api/v2/management/clients`: credentials for an entity under the caller's.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    /// A name to recognise it by.
    pub name: Name,
    /// The entity it acts for (a dealer or company under the caller, or the caller's own).
    pub entity: ClientEntityInput,
}

/// Which entity a new client acts for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientEntityInput {
    /// `reseller`, `dealer` or `company`.
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    /// Its id.
    pub id: EntityRef,
}

/// An API client, as listed.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Client {
    /// The client id.
    pub client_id: String,
    /// Its name.
    pub name: String,
    /// The entity it acts for.
    pub entity: ClientEntity,
    /// When it was created.
    #[serde(with = "super::instant")]
    pub created_at: DateTime<Utc>,
}

/// A new client: the secret is shown this once and stored only as a hash.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ClientCreated {
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: String,
    /// Its name.
    pub name: String,
    /// The entity it acts for.
    pub entity: ClientEntity,
}
