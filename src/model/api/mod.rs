//! The REST API's wire types (WeSeeDo Personal API compatible), with their OpenAPI schemas.
//! Server-only: the widget never calls the REST API.
//!
//! Request types refuse unknown fields (`additionalProperties: false`); field rules live in
//! [`rules`], shared by validation and the published schema.

pub mod bookings;
pub mod keys;
pub mod meetings;
pub mod oauth;
pub mod rules;
pub mod sites;
pub mod tenancy;
pub mod types;
pub mod users;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A successful answer: `{"success": true, "result": …}`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Envelope<T> {
    /// Always `true`.
    pub success: bool,
    /// The answer.
    pub result: T,
}

impl<T> Envelope<T> {
    /// Wrap a result.
    pub fn ok(result: T) -> Self {
        Envelope {
            success: true,
            result,
        }
    }
}

/// A failed answer: `{"success": false, "error": {"code", "message", "field"}}`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorEnvelope {
    /// Always `false`.
    pub success: bool,
    /// What went wrong.
    pub error: ErrorBody,
}

/// The error inside [`ErrorEnvelope`].
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine code (`invalid`, `not_found`, `unauthorized`, …).
    pub code: String,
    /// A sentence for people.
    pub message: String,
    /// The request field at fault, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// UTC instants as the WeSeeDo API writes them: `2020-07-14T16:35:32.356Z`.
pub mod instant {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serialise with milliseconds and `Z`.
    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true))
    }

    /// Accept any RFC 3339 date-time with an offset.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| serde::de::Error::custom("not an RFC 3339 date-time"))
    }
}

/// Language of a person: Dutch or English.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Dutch.
    Nl,
    /// English.
    En,
}

impl Language {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Nl => "nl",
            Language::En => "en",
        }
    }

    /// From the stored form (anything unknown reads as English).
    pub fn from_stored(s: &str) -> Language {
        if s == "nl" {
            Language::Nl
        } else {
            Language::En
        }
    }
}

/// What a delete answers inside the envelope: the id of what is gone (the WeSeeDo API's
/// clients read `success` from every answer, so a delete is a 200 with a body, not a 204).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Deleted {
    /// The id of what was deleted (or cancelled, or revoked).
    #[schema(pattern = r"^[0-9a-f]{24}$")]
    pub id: String,
}

/// A reference to a named entity: `{"id", "name"}`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NamedRef {
    /// Its id.
    #[schema(pattern = r"^[0-9a-f]{24}$")]
    pub id: String,
    /// Its name.
    pub name: String,
}
