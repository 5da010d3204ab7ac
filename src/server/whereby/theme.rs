//! `/rooms/{roomName}/theme/…`: a room's colours, logo and backgrounds, shown in that room
//! over the site's settings and under the element's attributes.

use super::auth::Organization;
use super::error::{not_found, RoomsResult};
use super::wire::{ErrorBody, ImageReset, ImageUpload, ThemeInput, TokensPreset};
use super::Refusals;
use crate::model::api::rules::Image;
use crate::model::{AppError, ErrorCode};
use crate::server::services::rooms::{self, Colours, ROOM_IMAGE_MAX};
use crate::server::store::RoomImage;
use crate::server::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, StatusCode};

/// The name of a live room of the organisation: what it gave, found, else 404 (before the
/// body is read: a room that is not there is the first thing to say).
async fn room_name(
    state: &AppState,
    org: &Organization,
    given: &str,
) -> Result<String, super::error::RoomsError> {
    let name = crate::model::room::room_name(given).ok_or_else(|| not_found("Room"))?;
    state
        .store
        .room_named(Some(&org.company), &name)
        .await?
        .ok_or_else(|| not_found("Room"))?;
    Ok(name)
}

/// Set a room's primary, secondary and focus colours, or put the organisation's back.
#[utoipa::path(
    put,
    path = "/whereby/v1/rooms/{roomName}/theme/tokens",
    operation_id = "setRoomColors",
    tag = "Rooms",
    params(("roomName" = String, Path, description = "The room's name, with or without its leading /")),
    request_body = ThemeInput,
    responses(
        (status = 204, description = "Set"),
        (status = 400, description = "Invalid input", body = ErrorBody),
        Refusals,
        (status = 404, description = "No such room", body = ErrorBody),
    ),
    security(("BearerAuth" = [])),
)]
pub async fn tokens(
    State(state): State<AppState>,
    org: Organization,
    Path(room): Path<String>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> RoomsResult<StatusCode> {
    let room = room_name(&state, &org, &room).await?;
    crate::server::api::extract::require_json(&headers)?;
    let input: ThemeInput = crate::server::api::extract::parse(&body)?;
    let colours = match input.tokens_preset {
        Some(TokensPreset::Custom) => {
            // Colours not given keep the organisation's.
            let c = input.tokens.and_then(|t| t.colors).unwrap_or_default();
            for (name, value) in [
                ("primary", &c.primary),
                ("secondary", &c.secondary),
                ("focus", &c.focus),
            ] {
                if let Some(v) = value {
                    if !rooms::is_hex_colour(v) {
                        return Err(AppError::invalid(
                            &format!("tokens.colors.{name}"),
                            "must be a colour as #rrggbb",
                        )
                        .into());
                    }
                }
            }
            Some(Colours {
                primary: c.primary,
                secondary: c.secondary,
                focus: c.focus,
            })
        }
        // As the seed says: the organisation's defaults when `default` or not given.
        Some(TokensPreset::Default) | None => None,
    };
    rooms::set_colours(&state, &org.company, &room, colours)
        .await?
        .ok_or_else(|| not_found("Room"))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The image of an upload, or none for the JSON reset (`{"image": null}`).
async fn image_of(req: Request) -> Result<Option<Image>, AppError> {
    let media = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if media.starts_with("application/json") {
        let body = Bytes::from_request(req, &())
            .await
            .map_err(|_| AppError::new(ErrorCode::BadRequest, "the body could not be read"))?;
        let _: ImageReset = crate::server::api::extract::parse(&body)?;
        return Ok(None);
    }
    if !media.starts_with("multipart/form-data") {
        return Err(AppError::new(
            ErrorCode::BadRequest,
            "the body must be multipart/form-data with an image field (or JSON {\"image\": null} to reset)",
        ));
    }
    let unreadable = || {
        AppError::new(
            ErrorCode::BadRequest,
            "the multipart body could not be read",
        )
    };
    let mut form = Multipart::from_request(req, &())
        .await
        .map_err(|_| unreadable())?;
    let mut image = None;
    while let Some(field) = form.next_field().await.map_err(|_| unreadable())? {
        if field.name() != Some("image") {
            continue;
        }
        let bytes = field.bytes().await.map_err(|_| {
            AppError::invalid(
                "image",
                format!("could not be read (at most {} kB)", ROOM_IMAGE_MAX / 1000),
            )
        })?;
        image = Some(crate::model::api::rules::image_bytes(
            "image",
            bytes.to_vec(),
            ROOM_IMAGE_MAX,
        )?);
    }
    image
        .map(Some)
        .ok_or_else(|| AppError::invalid("image", "is required: a PNG or JPEG file"))
}

async fn set(
    state: AppState,
    org: Organization,
    room: String,
    kind: RoomImage,
    req: Request,
) -> RoomsResult<StatusCode> {
    let room = room_name(&state, &org, &room).await?;
    let image = image_of(req).await?;
    rooms::set_image(&state, &org.company, &room, kind, image.as_ref())
        .await?
        .ok_or_else(|| not_found("Room"))?;
    Ok(StatusCode::NO_CONTENT)
}

/// One image upload of a room: the handler and its documentation, alike but for where the
/// image goes.
macro_rules! image_upload {
    ($(#[$doc:meta])* $name:ident, $path:literal, $id:literal, $kind:expr) => {
        $(#[$doc])*
        #[utoipa::path(
            put,
            path = $path,
            operation_id = $id,
            tag = "Rooms",
            params(("roomName" = String, Path, description = "The room's name, with or without its leading /")),
            request_body(content(
                (ImageUpload = "multipart/form-data"),
                (ImageReset = "application/json"),
            )),
            responses(
                (status = 204, description = "Set"),
                (status = 400, description = "Not a PNG or JPEG, or too large", body = ErrorBody),
                (status = 404, description = "No such room", body = ErrorBody),
                Refusals,
            ),
            security(("BearerAuth" = [])),
        )]
        pub async fn $name(
            State(state): State<AppState>,
            org: Organization,
            Path(room): Path<String>,
            req: Request,
        ) -> RoomsResult<StatusCode> {
            set(state, org, room, $kind, req).await
        }
    };
}

image_upload!(
    /// Upload a room's logo (PNG or JPEG, at most 600 kB; PNG at least 400 px wide looks best).
    logo,
    "/whereby/v1/rooms/{roomName}/theme/logo",
    "setRoomLogo",
    RoomImage::Logo
);

image_upload!(
    /// Upload the background behind a room's call (PNG or JPEG, at most 600 kB).
    background,
    "/whereby/v1/rooms/{roomName}/theme/room-background",
    "setRoomBackground",
    RoomImage::Background
);

image_upload!(
    /// Upload the background of a room's knock page (PNG or JPEG, at most 600 kB).
    knock_background,
    "/whereby/v1/rooms/{roomName}/theme/room-knock-page-background",
    "setRoomKnockPageBackground",
    RoomImage::Knock
);
