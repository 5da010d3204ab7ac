//! The rooms API's bodies, named and typed as Whereby's (camelCase, dates always in UTC).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The one template: a locked room with host and viewer links.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
pub enum TemplateType {
    /// Locked; `hostRoomUrl` and `viewerRoomUrl` in the answer.
    #[serde(rename = "viewerMode")]
    ViewerMode,
}

/// How a room's name is drawn.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
pub enum RoomNamePattern {
    /// 8-4-4-4-12 hex digits, all 128 bits random (the default).
    #[default]
    #[serde(rename = "uuid")]
    Uuid,
    /// Six distinguishable characters (about 30 bits: lock such a room, or keep its link
    /// to people you trust).
    #[serde(rename = "human-short")]
    HumanShort,
}

/// Who the room is for.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
pub enum RoomMode {
    /// Up to four people (the default).
    #[default]
    #[serde(rename = "normal")]
    Normal,
    /// More than four: needs a media server, which Consult does not have yet (400).
    #[serde(rename = "group")]
    Group,
}

/// Where a recording is kept.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
pub enum RecordingType {
    /// No recording.
    #[serde(rename = "none")]
    None,
    /// Downloaded to the host's computer.
    #[serde(rename = "local")]
    Local,
    /// Uploaded to Consult.
    #[serde(rename = "cloud")]
    Cloud,
}

/// When a recording starts.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
pub enum StartTrigger {
    /// The host starts it.
    #[serde(rename = "none")]
    None,
    /// The host is asked when the call starts.
    #[serde(rename = "prompt")]
    Prompt,
    /// As the first person enters.
    #[serde(rename = "automatic")]
    Automatic,
    /// As the second person enters.
    #[serde(rename = "automatic-2nd-participant")]
    AutomaticSecondParticipant,
}

/// How the meeting may be recorded (kept with the room; recording itself is to come).
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Recording {
    /// Where the recording goes.
    #[serde(rename = "type")]
    pub kind: RecordingType,
    /// When it starts (default `none`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_trigger: Option<StartTrigger>,
    /// Your own storage bucket: not supported (its keys would be a secret at rest); 400.
    #[serde(default, skip_serializing)]
    #[schema(value_type = Option<Object>)]
    pub destination: Option<serde_json::Value>,
}

/// A field the answer adds when asked.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
pub enum Field {
    /// The host's link.
    #[serde(rename = "hostRoomUrl")]
    HostRoomUrl,
    /// The viewers' link.
    #[serde(rename = "viewerRoomUrl")]
    ViewerRoomUrl,
}

/// A meeting to create.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MeetingInput {
    /// `viewerMode`: locked, with host and viewer links.
    pub template_type: Option<TemplateType>,
    /// Only hosts let others in.
    pub is_locked: Option<bool>,
    /// Lowercase; spaces are removed; at most 39 of `a-z`, `0-9`, `-`.
    #[schema(max_length = 60)]
    pub room_name_prefix: Option<String>,
    /// `uuid` (default) or `human-short`.
    pub room_name_pattern: Option<RoomNamePattern>,
    /// `normal` (default; up to 4 people). `group` is refused: it needs a media server.
    pub room_mode: Option<RoomMode>,
    /// Deprecated and ignored, as Whereby does.
    #[schema(format = DateTime)]
    pub start_date: Option<String>,
    /// When the meeting ends (any offset; without one, UTC). Not in the past; at most a
    /// year ahead. The room lives until an hour after it.
    #[schema(format = DateTime)]
    pub end_date: String,
    /// Recording options.
    pub recording: Option<Recording>,
    /// Live streaming: needs a media server; refused (400) unless null.
    #[schema(value_type = Option<Object>)]
    pub streaming: Option<serde_json::Value>,
    /// Extra fields in the answer.
    pub fields: Option<Vec<Field>>,
}

/// A meeting.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Meeting {
    /// The meeting's id.
    pub meeting_id: String,
    /// `/prefix-…`.
    pub room_name: String,
    /// The guests' link.
    pub room_url: String,
    /// When it was created (UTC).
    pub start_date: String,
    /// When it ends (UTC).
    pub end_date: String,
    /// The host's link (when asked in `fields`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_room_url: Option<String>,
    /// The viewers' link (when asked in `fields`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub viewer_room_url: Option<String>,
}

/// A page of meetings.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct MeetingPage {
    /// The meetings, oldest first.
    pub results: Vec<Meeting>,
    /// Where the next page starts; null on the last page.
    pub cursor: Option<String>,
}

/// Room colours.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Colors {
    /// Buttons and highlights, `#rrggbb`.
    #[schema(pattern = "^#[0-9a-fA-F]{6}$")]
    pub primary: Option<String>,
    /// Secondary elements, `#rrggbb`.
    #[schema(pattern = "^#[0-9a-fA-F]{6}$")]
    pub secondary: Option<String>,
    /// The keyboard focus ring, `#rrggbb`.
    #[schema(pattern = "^#[0-9a-fA-F]{6}$")]
    pub focus: Option<String>,
}

/// Design tokens of a room.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Tokens {
    /// Colours.
    pub colors: Option<Colors>,
}

/// Which colours a room uses.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TokensPreset {
    /// The given ones.
    Custom,
    /// The organisation's (the site's and Consult's defaults).
    Default,
}

/// A room's colours.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ThemeInput {
    /// The colours.
    pub tokens: Option<Tokens>,
    /// `custom`: use `tokens`; `default` or absent: the organisation's.
    pub tokens_preset: Option<TokensPreset>,
}

/// A JSON body instead of an image: `{"image": null}` puts the organisation's back.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageReset {
    /// Null.
    pub image: Option<()>,
}

impl utoipa::PartialSchema for ImageReset {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .property(
                "image",
                ObjectBuilder::new()
                    .schema_type(Type::Null)
                    .description(Some("null: the organisation's image again")),
            )
            .additional_properties(Some(
                utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
            ))
            .into()
    }
}

impl ToSchema for ImageReset {}

/// An upload (`multipart/form-data`): one part, `image`, a PNG or JPEG of at most 600 kB.
pub struct ImageUpload;

impl utoipa::PartialSchema for ImageUpload {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .property(
                "image",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(
                        utoipa::openapi::KnownFormat::Binary,
                    )))
                    .description(Some("PNG or JPEG, at most 600 kB")),
            )
            .required("image")
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .into()
    }
}

impl ToSchema for ImageUpload {}

/// An error: what went wrong, in words.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong; a field's errors name the field first.
    pub error: String,
}

/// The answer over budget.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RateLimited {
    /// `Rate limit active for throttle key: organization:ID`.
    pub error: String,
    /// When to try again.
    pub data: RateLimitData,
}

/// How long until the budget is back.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RateLimitData {
    /// Milliseconds.
    pub ms_left: i64,
}
