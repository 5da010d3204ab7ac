//! `/api/v2/management/users`, and user photos.

use super::caller::Caller;
use super::deleted;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery, PathId};
use super::wire;
use super::Refusals;
use super::{Created, Found, Page, PageQuery};
use crate::model::api::rules::{self, Image};
use crate::model::api::users::{Role, User, UserInput, UserPatch, UserPut};
use crate::model::api::{Envelope, ErrorEnvelope};
use crate::model::{AppError, ErrorCode};
use crate::server::store::{NewUser, UserChanges};
use crate::server::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

fn decode_photo(field: &str, v: &Option<String>) -> Result<Option<Image>, AppError> {
    v.as_deref().map(|p| rules::image(field, p)).transpose()
}

fn same_role(current: Role, asked: Option<Role>) -> Result<(), AppError> {
    match asked {
        Some(r) if r != current => Err(AppError::new(
            ErrorCode::Conflict,
            "a user's role cannot be changed",
        )
        .with_field("role")),
        _ => Ok(()),
    }
}

async fn password(v: &Option<String>) -> Result<Option<String>, AppError> {
    match v {
        Some(p) => {
            rules::password("password", p)?;
            Ok(Some(
                crate::server::services::accounts::hash_password(p.clone()).await?,
            ))
        }
        None => Ok(None),
    }
}

/// The caller's users.
#[utoipa::path(
    get,
    path = "/api/v2/management/users",
    tag = "Management",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of users", body = Envelope<Vec<User>>),
        (status = 400, description = "Bad paging", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Page<User>> {
    let paging = q.resolve()?;
    let (items, total) = state
        .store
        .users_api(&caller.scope, paging.per_page, paging.offset)
        .await?;
    let items = items
        .into_iter()
        .map(|u| wire::user(u, &state.public_url))
        .collect();
    Ok(paging.page_of(items, total))
}

/// Create a user in a company. Without a password, the user is e-mailed a link to set one
/// once they are on a site.
#[utoipa::path(
    post,
    path = "/api/v2/management/users",
    tag = "Management",
    request_body = UserInput,
    responses(
        (status = 201, description = "The new user", body = Envelope<User>),
        (status = 400, description = "Invalid input (including a photo that is not a PNG or JPEG)", body = ErrorEnvelope),
        (status = 404, description = "No such company under the caller", body = ErrorEnvelope),
        (status = 409, description = "The e-mail address is taken", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(u): ApiJson<UserInput>,
) -> ApiResult<Created<User>> {
    let photo = decode_photo("photo", &u.photo)?;
    let password_hash = password(&u.password).await?;
    let new = NewUser {
        company: u.entity.id.into(),
        first_name: u.first_name.into(),
        last_name: u.last_name.into(),
        email: u.email.into(),
        password_hash,
        photo,
        locale: u.locale,
        role: u.role,
    };
    let made = state.store.create_user_api(&caller.scope, &new).await?;
    Ok(Created(wire::user(made, &state.public_url)))
}

/// One user.
#[utoipa::path(
    get,
    path = "/api/v2/management/users/{id}",
    tag = "Management",
    params(("id" = String, Path, description = "The user's id", pattern = r"^[0-9a-f]{24}$")),
    responses(
        (status = 200, description = "The user", body = Envelope<User>),
        (status = 404, description = "No such user under the caller", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn one(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Found<User>> {
    state
        .store
        .user_api(&caller.scope, &id)
        .await?
        .map(|u| Found(wire::user(u, &state.public_url)))
        .ok_or_else(|| AppError::not_found("user").into())
}

async fn current_role(state: &AppState, caller: &Caller, id: &str) -> Result<Role, ApiError> {
    Ok(state
        .store
        .user_role(&caller.scope, id)
        .await?
        .ok_or_else(|| AppError::not_found("user"))?
        .0)
}

/// Replace a user's details (not their role or company).
#[utoipa::path(
    put,
    path = "/api/v2/management/users/{id}",
    tag = "Management",
    params(("id" = String, Path, description = "The user's id", pattern = r"^[0-9a-f]{24}$")),
    request_body = UserPut,
    responses(
        (status = 200, description = "The user as changed", body = Envelope<User>),
        (status = 400, description = "Invalid input", body = ErrorEnvelope),
        (status = 404, description = "No such user under the caller", body = ErrorEnvelope),
        (status = 409, description = "The e-mail address is taken, or the role would change", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
    ApiJson(u): ApiJson<UserPut>,
) -> ApiResult<Found<User>> {
    let photo = decode_photo("photo", &u.photo)?;
    same_role(current_role(&state, &caller, &id).await?, u.role)?;
    let changes = UserChanges {
        first_name: Some(u.first_name.into()),
        last_name: Some(u.last_name.into()),
        email: Some(u.email.into()),
        password_hash: password(&u.password).await?,
        photo: Some(photo),
        locale: Some(u.locale),
        suspended: None,
    };
    state
        .store
        .update_user(&caller.scope, &id, &changes)
        .await?
        .map(|u| Found(wire::user(u, &state.public_url)))
        .ok_or_else(|| AppError::not_found("user").into())
}

/// Change some of a user's details (not their role or company).
#[utoipa::path(
    patch,
    path = "/api/v2/management/users/{id}",
    tag = "Management",
    params(("id" = String, Path, description = "The user's id", pattern = r"^[0-9a-f]{24}$")),
    request_body = UserPatch,
    responses(
        (status = 200, description = "The user as changed", body = Envelope<User>),
        (status = 400, description = "Invalid input", body = ErrorEnvelope),
        (status = 404, description = "No such user under the caller", body = ErrorEnvelope),
        (status = 409, description = "The e-mail address is taken, or the role would change", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
    ApiJson(u): ApiJson<UserPatch>,
) -> ApiResult<Found<User>> {
    let photo = decode_photo("photo", &u.photo)?;
    same_role(current_role(&state, &caller, &id).await?, u.role)?;
    let changes = UserChanges {
        first_name: u.first_name.map(String::from),
        last_name: u.last_name.map(String::from),
        email: u.email.map(String::from),
        password_hash: password(&u.password).await?,
        photo: photo.map(Some),
        locale: u.locale,
        suspended: u.suspended,
    };
    state
        .store
        .update_user(&caller.scope, &id, &changes)
        .await?
        .map(|u| Found(wire::user(u, &state.public_url)))
        .ok_or_else(|| AppError::not_found("user").into())
}

/// Delete a user who hosts no upcoming meetings; their personal details are erased.
#[utoipa::path(
    delete,
    path = "/api/v2/management/users/{id}",
    tag = "Management",
    params(("id" = String, Path, description = "The user's id", pattern = r"^[0-9a-f]{24}$")),
    responses(
        (status = 200, description = "Deleted", body = Envelope<crate::model::api::Deleted>),
        (status = 404, description = "No such user under the caller", body = ErrorEnvelope),
        (status = 412, description = "The user hosts upcoming meetings", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Found<crate::model::api::Deleted>> {
    let gone = state.store.delete_user(&caller.scope, &id).await?;
    deleted("user", id, gone)
}

/// A user's photo (public: customers see their agent).
pub async fn photo(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    if rules::id("id", &id, "photo").is_err() {
        return StatusCode::NOT_FOUND.into_response();
    }
    match state.store.user_photo(&id).await {
        Ok(Some((media_type, bytes))) => (
            [
                (header::CONTENT_TYPE, media_type),
                (header::CACHE_CONTROL, "public, max-age=300".into()),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => ApiError(e).into_response(),
    }
}
