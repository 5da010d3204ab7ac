//! `/api/v2/management/dealers`.

use super::caller::Caller;
use super::deleted;
use super::error::ApiResult;
use super::extract::{ApiJson, ApiQuery, PathId};
use super::Refusals;
use super::{found, Created, Found, Page, PageQuery};
use crate::model::api::tenancy::{Dealer, DealerInput, DealerPatch};
use crate::model::api::{Envelope, ErrorEnvelope};
use crate::server::AppState;
use axum::extract::State;

/// The caller's dealers.
#[utoipa::path(
    get,
    path = "/api/v2/management/dealers",
    tag = "Management",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of dealers", body = Envelope<Vec<Dealer>>),
        (status = 400, description = "Bad paging", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Page<Dealer>> {
    let paging = q.resolve()?;
    let (items, total) = state
        .store
        .dealers(&caller.scope, paging.per_page, paging.offset)
        .await?;
    Ok(paging.page(items, total))
}

/// Create a dealer (resellers only).
#[utoipa::path(
    post,
    path = "/api/v2/management/dealers",
    tag = "Management",
    request_body = DealerInput,
    responses(
        (status = 201, description = "The new dealer", body = Envelope<Dealer>),
        (status = 400, description = "Invalid input", body = ErrorEnvelope),
        (status = 403, description = "Only a reseller creates dealers", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<DealerInput>,
) -> ApiResult<Created<Dealer>> {
    Ok(Created(
        state
            .store
            .create_dealer(&caller.scope, &input)
            .await?
            .into(),
    ))
}

/// One dealer.
#[utoipa::path(
    get,
    path = "/api/v2/management/dealers/{id}",
    tag = "Management",
    params(("id" = String, Path, description = "The dealer's id", pattern = r"^[0-9a-f]{24}$")),
    responses(
        (status = 200, description = "The dealer", body = Envelope<Dealer>),
        (status = 404, description = "No such dealer under the caller", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn one(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Found<Dealer>> {
    found("dealer", state.store.dealer(&caller.scope, &id).await?)
}

/// Change a dealer.
#[utoipa::path(
    patch,
    path = "/api/v2/management/dealers/{id}",
    tag = "Management",
    params(("id" = String, Path, description = "The dealer's id", pattern = r"^[0-9a-f]{24}$")),
    request_body = DealerPatch,
    responses(
        (status = 200, description = "The dealer as changed", body = Envelope<Dealer>),
        (status = 400, description = "Invalid input", body = ErrorEnvelope),
        (status = 404, description = "No such dealer under the caller", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
    ApiJson(p): ApiJson<DealerPatch>,
) -> ApiResult<Found<Dealer>> {
    found(
        "dealer",
        state.store.update_dealer(&caller.scope, &id, &p).await?,
    )
}

/// Delete a dealer that has no companies left.
#[utoipa::path(
    delete,
    path = "/api/v2/management/dealers/{id}",
    tag = "Management",
    params(("id" = String, Path, description = "The dealer's id", pattern = r"^[0-9a-f]{24}$")),
    responses(
        (status = 200, description = "Deleted", body = Envelope<crate::model::api::Deleted>),
        (status = 404, description = "No such dealer under the caller", body = ErrorEnvelope),
        (status = 412, description = "The dealer still has companies", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Found<crate::model::api::Deleted>> {
    let gone = state.store.delete_dealer(&caller.scope, &id).await?;
    deleted("dealer", id, gone)
}
