//! `GET /api/v2/management/packages`.

use super::error::ApiResult;
use super::{Found, Refusals};
use crate::model::api::tenancy::Package;
use crate::model::api::Envelope;
use crate::server::AppState;
use axum::extract::State;

/// Every package and its features.
#[utoipa::path(
    get,
    path = "/api/v2/management/packages",
    tag = "Management",
    responses(
        (status = 200, description = "The packages", body = Envelope<Vec<Package>>),
        Refusals,
    ),
)]
pub async fn list(State(state): State<AppState>) -> ApiResult<Found<Vec<Package>>> {
    Ok(Found(
        state
            .store
            .packages()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}
