//! A company's API keys for the rooms API (`/whereby/v1`): made by the company itself or an
//! entity above it, listed, revoked.

use super::caller::Caller;
use super::deleted;
use super::error::ApiResult;
use super::extract::{ApiJson, PathId};
use super::Refusals;
use super::{Created, Found};
use crate::model::api::keys::{ApiKey, ApiKeyCreated, ApiKeyInput};
use crate::model::api::{Envelope, ErrorEnvelope};
use crate::model::AppError;
use crate::server::store::ApiKeyRow;
use crate::server::AppState;
use axum::extract::State;

impl From<ApiKeyRow> for ApiKey {
    fn from(r: ApiKeyRow) -> Self {
        ApiKey {
            id: r.id,
            name: r.name,
            company: r.company,
            created_at: r.created_at,
        }
    }
}

/// The keys of the companies at or under the caller's entity.
#[utoipa::path(
    get,
    path = "/api/v2/management/api-keys",
    tag = "API keys",
    responses(
        (status = 200, description = "The keys (never the keys themselves)", body = Envelope<Vec<ApiKey>>),
        Refusals,
    ),
)]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Found<Vec<ApiKey>>> {
    Ok(Found(
        state
            .store
            .api_keys(&caller.scope)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Make a rooms API key for a company. The key is in this answer only; the server keeps a
/// hash of it.
#[utoipa::path(
    post,
    path = "/api/v2/management/api-keys",
    tag = "API keys",
    request_body = ApiKeyInput,
    responses(
        (status = 201, description = "The new key", body = Envelope<ApiKeyCreated>),
        (status = 400, description = "Invalid input", body = ErrorEnvelope),
        (status = 404, description = "No such company under the caller's entity", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<ApiKeyInput>,
) -> ApiResult<Created<ApiKeyCreated>> {
    if !state
        .store
        .company_in_scope(&caller.scope, input.company.as_str())
        .await?
    {
        return Err(AppError::not_found("company").with_field("company").into());
    }
    let (row, key) = state
        .store
        .create_api_key(input.company.as_str(), input.name.as_str())
        .await?;
    Ok(Created(ApiKeyCreated {
        id: row.id,
        name: row.name,
        company: row.company,
        created_at: row.created_at,
        key,
    }))
}

/// Revoke a key: it stops working at once.
#[utoipa::path(
    delete,
    path = "/api/v2/management/api-keys/{id}",
    tag = "API keys",
    params(("id" = String, Path, description = "The key's id", pattern = r"^[0-9a-f]{24}$")),
    responses(
        (status = 200, description = "Revoked", body = Envelope<crate::model::api::Deleted>),
        (status = 404, description = "No such key", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Found<crate::model::api::Deleted>> {
    let gone = state.store.revoke_api_key(&caller.scope, &id).await?;
    deleted("API key", id, gone)
}
