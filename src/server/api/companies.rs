//! `/api/v2/management/companies`.

use super::caller::Caller;
use super::deleted;
use super::error::ApiResult;
use super::extract::{ApiJson, ApiQuery, PathId};
use super::Refusals;
use super::{found, Created, Found, Page, PageQuery};
use crate::model::api::tenancy::{Company, CompanyInput, CompanyPatch};
use crate::model::api::{Envelope, ErrorEnvelope};
use crate::server::AppState;
use axum::extract::State;

/// The caller's companies.
#[utoipa::path(
    get,
    path = "/api/v2/management/companies",
    tag = "Management",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of companies", body = Envelope<Vec<Company>>),
        (status = 400, description = "Bad paging", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Page<Company>> {
    let paging = q.resolve()?;
    let (items, total) = state
        .store
        .companies(&caller.scope, paging.per_page, paging.offset)
        .await?;
    Ok(paging.page(items, total))
}

/// Create a company with a package, under a dealer (or directly under the reseller).
#[utoipa::path(
    post,
    path = "/api/v2/management/companies",
    tag = "Management",
    request_body = CompanyInput,
    responses(
        (status = 201, description = "The new company", body = Envelope<Company>),
        (status = 400, description = "Invalid input", body = ErrorEnvelope),
        (status = 403, description = "A company cannot create companies", body = ErrorEnvelope),
        (status = 404, description = "No such package or dealer", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<CompanyInput>,
) -> ApiResult<Created<Company>> {
    Ok(Created(
        state
            .store
            .create_company_api(&caller.scope, &input)
            .await?
            .into(),
    ))
}

/// One company.
#[utoipa::path(
    get,
    path = "/api/v2/management/companies/{id}",
    tag = "Management",
    params(("id" = String, Path, description = "The company's id", pattern = r"^[0-9a-f]{24}$")),
    responses(
        (status = 200, description = "The company", body = Envelope<Company>),
        (status = 404, description = "No such company under the caller", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn one(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Found<Company>> {
    found("company", state.store.company(&caller.scope, &id).await?)
}

/// Change a company (its package: by a reseller or dealer only).
#[utoipa::path(
    patch,
    path = "/api/v2/management/companies/{id}",
    tag = "Management",
    params(("id" = String, Path, description = "The company's id", pattern = r"^[0-9a-f]{24}$")),
    request_body = CompanyPatch,
    responses(
        (status = 200, description = "The company as changed", body = Envelope<Company>),
        (status = 400, description = "Invalid input", body = ErrorEnvelope),
        (status = 403, description = "A company cannot change its own package", body = ErrorEnvelope),
        (status = 404, description = "No such company or package", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
    ApiJson(p): ApiJson<CompanyPatch>,
) -> ApiResult<Found<Company>> {
    found(
        "company",
        state.store.update_company(&caller.scope, &id, &p).await?,
    )
}

/// Delete a company that has no sites or users left.
#[utoipa::path(
    delete,
    path = "/api/v2/management/companies/{id}",
    tag = "Management",
    params(("id" = String, Path, description = "The company's id", pattern = r"^[0-9a-f]{24}$")),
    responses(
        (status = 200, description = "Deleted", body = Envelope<crate::model::api::Deleted>),
        (status = 404, description = "No such company under the caller", body = ErrorEnvelope),
        (status = 412, description = "The company still has sites or users", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Found<crate::model::api::Deleted>> {
    let gone = state.store.delete_company(&caller.scope, &id).await?;
    deleted("company", id, gone)
}
