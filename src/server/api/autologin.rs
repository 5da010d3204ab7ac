//! `POST /api/v2/management/autologin`: a single-use console login link for a user.

use super::caller::Caller;
use super::error::ApiResult;
use super::extract::ApiJson;
use super::Created;
use super::Refusals;
use crate::model::api::users::{AutologinInput, AutologinResult, Role};
use crate::model::api::{Envelope, ErrorEnvelope};
use crate::model::{AppError, ErrorCode, UserId};
use crate::server::AppState;
use axum::extract::State;

/// How long an autologin link works.
pub const AUTOLOGIN_LIFETIME: chrono::Duration = chrono::Duration::minutes(5);

/// A link that logs the user into the console once, within five minutes.
#[utoipa::path(
    post,
    path = "/api/v2/management/autologin",
    tag = "Management",
    request_body = AutologinInput,
    responses(
        (status = 201, description = "The login link", body = Envelope<AutologinResult>),
        (status = 400, description = "Invalid input", body = ErrorEnvelope),
        (status = 404, description = "No such user under the caller", body = ErrorEnvelope),
        (status = 409, description = "Admins use the management tools, not the console", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<AutologinInput>,
) -> ApiResult<Created<AutologinResult>> {
    let (role, _) = state
        .store
        .user_role(&caller.scope, &input.agent)
        .await?
        .ok_or_else(|| AppError::not_found("user").with_field("agent"))?;
    if role == Role::Admin {
        return Err(
            AppError::new(ErrorCode::Conflict, "admins have no console to log into")
                .with_field("agent")
                .into(),
        );
    }
    let user = UserId::parse(&input.agent)?;
    let token = state
        .store
        .create_login_link(&user, AUTOLOGIN_LIFETIME)
        .await?;
    Ok(Created(AutologinResult {
        url: format!("{}/login/{token}", state.public_url),
    }))
}
