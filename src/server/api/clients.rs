//! API clients: an entity's integrations, created by the entity itself or a parent.

use super::caller::Caller;
use super::deleted;
use super::error::ApiResult;
use super::extract::{ApiJson, PathId};
use super::Refusals;
use super::{Created, Found};
use crate::model::api::oauth::{Client, ClientCreated, ClientInput};
use crate::model::api::tenancy::EntityType;
use crate::model::api::{Envelope, ErrorEnvelope};
use crate::model::{AppError, ErrorCode};
use crate::server::store::{Quota, Scope};
use crate::server::AppState;
use axum::extract::State;

/// Clients of the caller's entity and of the entities under it.
#[utoipa::path(
    get,
    path = "/api/v2/management/clients",
    tag = "OAuth2",
    responses(
        (status = 200, description = "The clients (secrets are never shown again)", body = Envelope<Vec<Client>>),
        Refusals,
    ),
)]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Found<Vec<Client>>> {
    Ok(Found(
        state
            .store
            .clients(&caller.scope)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Create credentials for the caller's entity or one under it. The secret is in this answer
/// only; the server keeps a hash of it.
#[utoipa::path(
    post,
    path = "/api/v2/management/clients",
    tag = "OAuth2",
    request_body = ClientInput,
    responses(
        (status = 201, description = "The new client, with its secret", body = Envelope<ClientCreated>),
        (status = 400, description = "Invalid input", body = ErrorEnvelope),
        (status = 404, description = "No such entity under the caller's", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<ClientInput>,
) -> ApiResult<Created<ClientCreated>> {
    let id = input.entity.id.as_str();
    let (own_type, own_id) = caller.scope.entity();
    let in_scope = match input.entity.entity_type {
        t if t == own_type && id == own_id => true,
        EntityType::Reseller => false,
        EntityType::Dealer => state.store.dealer_in_scope(&caller.scope, id).await?,
        EntityType::Company => state.store.company_in_scope(&caller.scope, id).await?,
    };
    if !in_scope {
        return Err(AppError::not_found("entity").with_field("entity.id").into());
    }
    let created = state
        .store
        .create_client(&input.name, input.entity.entity_type, id, Quota::default())
        .await?;
    Ok(Created(created.into()))
}

/// Revoke a client: its tokens stop working at once.
#[utoipa::path(
    delete,
    path = "/api/v2/management/clients/{id}",
    tag = "OAuth2",
    params(("id" = String, Path, description = "The client id", pattern = r"^[0-9a-f]{24}$")),
    responses(
        (status = 200, description = "Revoked", body = Envelope<crate::model::api::Deleted>),
        (status = 404, description = "No such client", body = ErrorEnvelope),
        (status = 412, description = "A client cannot revoke itself", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Found<crate::model::api::Deleted>> {
    if id == caller.client_id {
        return Err(AppError::new(ErrorCode::Precondition, "a client cannot revoke itself").into());
    }
    let _: &Scope = &caller.scope;
    let gone = state.store.revoke_client(&caller.scope, &id).await?;
    deleted("client", id, gone)
}
