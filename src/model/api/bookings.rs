//! What a site's owner sees of the bookings made in its public form, and how a burst of them
//! is called off (`/management/sites/{id}/bookings`). A Consult extension of the API.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A booking made in a site's booking form.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct FormBooking {
    /// The meeting.
    #[schema(pattern = r"^[0-9a-f]{24}$")]
    pub meeting: String,
    /// When it was booked.
    #[serde(with = "super::instant")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    /// Its start.
    #[serde(with = "super::instant")]
    #[schema(value_type = String, format = DateTime)]
    pub time_start: DateTime<Utc>,
    /// `scheduled` or `cancelled`.
    pub status: String,
    /// Where it came from: a keyed hash of the booker's address (16 hex digits), equal for
    /// bookings from one address; `-` when unknown. Never the address itself.
    #[schema(pattern = r"^(?:[0-9a-f]{16}|-)$")]
    pub source: String,
}

/// `POST /management/sites/{id}/bookings/cancel`: call off the form bookings made in a window,
/// optionally only those from one source.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BurstCancel {
    /// Booked at or after this instant.
    #[serde(with = "super::instant")]
    #[schema(value_type = String, format = DateTime)]
    pub from: DateTime<Utc>,
    /// Booked before this instant.
    #[serde(with = "super::instant")]
    #[schema(value_type = String, format = DateTime)]
    pub to: DateTime<Utc>,
    /// Only bookings from this source (as listed).
    #[serde(default)]
    #[schema(pattern = r"^(?:[0-9a-f]{16}|-)$")]
    pub source: Option<String>,
}

/// What calling off a burst did.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BurstCancelled {
    /// Meetings cancelled (their links stop working; no one is notified).
    pub cancelled: u64,
    /// Invitations not yet sent that were withdrawn.
    pub withdrawn_messages: u64,
}
