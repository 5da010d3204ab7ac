//! The room page's call: what a room's link opens (rooms of the rooms API, `/rooms/{name}`).

use crate::model::meeting::JoinInfo;
use crate::model::AppError;
use leptos::prelude::*;

/// What a room's link opens: the room, the role its key gives, the room's look.
#[server(endpoint = "v1/rooms/details")]
pub async fn room_details(
    /// The room's name, from the link's path.
    room: String,
    /// The link's `roomKey`, if it had one.
    key: Option<String>,
) -> Result<JoinInfo, AppError> {
    let call = super::ssr::Call::get()?;
    crate::server::services::rooms::details(&call.state, &room, key.as_deref()).await
}
