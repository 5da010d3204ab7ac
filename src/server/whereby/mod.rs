//! The rooms API under `/whereby/v1`, compatible with the Whereby REST API v1: an integrator
//! changes the base URL (`https://api.whereby.dev/v1` → `{consult}/whereby/v1`) and the key.
//! An organisation is a Consult company; its API keys come from
//! `POST /api/v2/management/api-keys` or `consult api-keys create`. A thin adapter over
//! [`crate::server::services::rooms`]; its OpenAPI document is `/whereby/openapi.json`.

mod auth;
mod error;
mod insights;
mod meetings;
pub mod recordings;
mod theme;
pub mod wire;

use super::AppState;
use axum::routing::{get, post, put};
use axum::Router;
use serde_json::Value;
use std::sync::OnceLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The answers any call may get besides its own: no valid key, or the budget spent. Named
/// once, listed in every operation's responses.
#[derive(utoipa::IntoResponses)]
pub enum Refusals {
    /// No valid API key.
    #[response(status = 401, description = "No valid API key")]
    Unauthorized(wire::ErrorBody),
    /// Over the organisation's budget.
    #[response(status = 429, description = "Over the organisation's budget")]
    OverBudget(wire::RateLimited),
}

/// Largest body read: an image of 600 kB and its multipart framing.
const MAX_BODY: usize = 700 * 1024;

/// Routes: `/whereby/v1/…` and `/whereby/openapi.json`.
pub fn router(state: AppState) -> Router<AppState> {
    let v1 = Router::new()
        .route("/meetings", get(meetings::list).post(meetings::create))
        .route(
            "/meetings/{id}",
            get(meetings::one).delete(meetings::remove),
        )
        .route("/insights/rooms", get(insights::rooms))
        .route("/insights/room-sessions", get(insights::sessions))
        .route("/insights/participants", get(insights::participants))
        .route("/insights/participant", get(insights::participant))
        .route("/recordings", get(recordings::list))
        .route("/recordings/bulk-delete", post(recordings::bulk_delete))
        .route(
            "/recordings/{id}",
            get(recordings::one).delete(recordings::remove),
        )
        .route("/recordings/{id}/access-link", get(recordings::access_link))
        .route("/rooms/{room}/theme/tokens", put(theme::tokens))
        .route("/rooms/{room}/theme/logo", put(theme::logo))
        .route(
            "/rooms/{room}/theme/room-background",
            put(theme::background),
        )
        .route(
            "/rooms/{room}/theme/room-knock-page-background",
            put(theme::knock_background),
        )
        .fallback(|| async { error::not_found("Resource") })
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            state,
            auth::middleware,
        ));
    Router::new()
        .nest("/whereby/v1", v1)
        .route("/whereby/openapi.json", get(json))
        .route("/media/rooms/{id}/{kind}", get(image))
}

/// `GET /media/rooms/{id}/{kind}`: a live room's logo, background or knock-page background,
/// for its page (served by Consult itself: a page never loads images from elsewhere).
async fn image(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::extract::Path((id, kind)): axum::extract::Path<(String, String)>,
) -> axum::response::Response {
    use crate::server::store::RoomImage;
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    let kind = match kind.as_str() {
        "logo" => RoomImage::Logo,
        "background" => RoomImage::Background,
        "knock" => RoomImage::Knock,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    match state.store.room_image(&id, kind).await {
        Ok(Some((media_type, bytes))) => (
            [
                (header::CONTENT_TYPE, media_type),
                // A room's image may change while its page is open: always revalidated.
                (header::CACHE_CONTROL, "no-cache".into()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => error::RoomsError(e).into_response(),
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Consult rooms API (Whereby REST API v1)",
        description = "Transient video rooms as the Whereby REST API makes them: change the base \
            URL to `{consult}/whereby/v1` and the key, and an integration built on Whereby works. \
            Send `Authorization: Bearer <API key>` (keys: POST /api/v2/management/api-keys). \
            Each organisation has a budget of points per minute (read 1, delete 2, write 3; \
            1000 by default), told in `X-RateLimit-Limit`, `X-RateLimit-Remaining` and \
            `X-RateLimit-Reset`; over it, 429 with `Retry-After`. Errors are `{\"error\": \"…\"}`.",
        version = "1.0.0",
    ),
    paths(
        meetings::create, meetings::list, meetings::one, meetings::remove,
        theme::tokens, theme::logo, theme::background, theme::knock_background,
        insights::rooms, insights::sessions, insights::participants, insights::participant,
        recordings::list, recordings::one, recordings::remove, recordings::bulk_delete,
        recordings::access_link,
    ),
    // Named in every operation's refusals ([`Refusals`]), so described once here.
    components(schemas(wire::RateLimited, wire::ErrorBody)),
    modifiers(&Security),
)]
struct RoomsDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        bearer_auth(doc, "An API key of the organisation");
    }
}

/// An API document's `BearerAuth` scheme (what the bearer is, in `what`) and its one server,
/// this origin: shared by the rooms and appointments APIs' documents.
pub(crate) fn bearer_auth(doc: &mut utoipa::openapi::OpenApi, what: &str) {
    doc.components
        .get_or_insert_with(Default::default)
        .add_security_scheme(
            "BearerAuth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(what))
                    .build(),
            ),
        );
    doc.servers = Some(vec![utoipa::openapi::Server::new("/")]);
}

/// The OpenAPI 3.1 document of the rooms API.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::to_value(RoomsDoc::openapi()).unwrap_or(Value::Null))
}

async fn json() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
        axum::Json(document().clone()),
    )
}
