//! Booking: the site as the form shows it, the free slots, the request and its confirmation.

use super::person::{Email, PersonName, Phone};
use super::{AppError, MeetingId, SiteId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the booking form needs to know about a site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteInfo {
    /// The site's id.
    pub id: SiteId,
    /// Shown as the form's heading.
    pub name: String,
    /// IANA zone the site's opening hours are in (e.g. `Europe/Amsterdam`).
    pub time_zone: String,
    /// Length of one appointment in minutes.
    pub slot_minutes: u32,
    /// The site's colours and font.
    pub theme: Theme,
}

/// A site's look. Values are validated CSS (colour `#rrggbb`, font family names) before they
/// are stored, so the widget can put them in CSS custom properties as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Theme {
    /// Buttons and accents, `#rrggbb`.
    pub primary_color: Option<String>,
    /// Body text, `#rrggbb` (the API's `videochat_text_color`).
    pub text_color: Option<String>,
    /// A font family list (the API's `videochat_font_type`).
    pub font: Option<String>,
}

/// One bookable time, as UTC instants. The widget shows it in the visitor's zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    /// Start (UTC).
    pub starts_at: DateTime<Utc>,
    /// End (UTC).
    pub ends_at: DateTime<Utc>,
}

/// The answer to "what can I book on this site?".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotList {
    /// The site.
    pub site: SiteInfo,
    /// The next free slots, earliest first.
    pub slots: Vec<Slot>,
}

/// A booking as the form submits it. Text fields arrive as typed; [`BookingRequest::validate`]
/// turns them into checked values, on both sides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRequest {
    /// The site booked on.
    pub site: SiteId,
    /// Origin of the page that embeds the form, as the browser reported it to the iframe.
    pub host_origin: String,
    /// Start of the chosen slot.
    pub starts_at: DateTime<Utc>,
    /// The customer's name.
    pub name: String,
    /// The customer's e-mail address.
    pub email: String,
    /// The customer's phone number (optional, E.164).
    #[serde(default)]
    pub phone: String,
}

/// A booking whose fields passed validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidBooking {
    /// The customer's name.
    pub name: PersonName,
    /// The customer's e-mail address.
    pub email: Email,
    /// The customer's phone, if given.
    pub phone: Option<Phone>,
}

impl BookingRequest {
    /// Check every field and report all errors at once, so the form can mark each field.
    pub fn validate_all(&self) -> Result<ValidBooking, Vec<AppError>> {
        let name = PersonName::parse(&self.name);
        let email = Email::parse(&self.email);
        let phone = Phone::parse_optional(&self.phone);
        match (name, email, phone) {
            (Ok(name), Ok(email), Ok(phone)) => Ok(ValidBooking { name, email, phone }),
            (name, email, phone) => Err([name.err(), email.err(), phone.err()]
                .into_iter()
                .flatten()
                .collect()),
        }
    }

    /// Check every field; the first error is returned (the server's answer names one field).
    pub fn validate(&self) -> Result<ValidBooking, AppError> {
        self.validate_all().map_err(|mut errors| errors.remove(0))
    }
}

/// The confirmation of a booking.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booked {
    /// The new meeting.
    pub meeting: MeetingId,
    /// Start (UTC).
    pub starts_at: DateTime<Utc>,
    /// End (UTC).
    pub ends_at: DateTime<Utc>,
    /// The site's zone.
    pub time_zone: String,
    /// The agent the customer will meet.
    pub agent_name: String,
    /// The customer's personal link to the waiting room. Only ever shown to that customer.
    pub join_url: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(name: &str, email: &str, phone: &str) -> BookingRequest {
        BookingRequest {
            site: SiteId::parse("5f0de0e0990b490eec31cb7c").unwrap(),
            host_origin: "https://example.com".into(),
            starts_at: DateTime::parse_from_rfc3339("2026-03-18T14:15:00Z")
                .unwrap()
                .with_timezone(&Utc),
            name: name.into(),
            email: email.into(),
            phone: phone.into(),
        }
    }

    #[test]
    fn valid_booking() {
        let v = request("Ada", "ada@example.com", "").validate().unwrap();
        assert_eq!(v.name.as_str(), "Ada");
        assert_eq!(v.phone, None);
    }

    #[test]
    fn all_errors_reported_in_field_order() {
        let errors = request("", "nope", "06").validate_all().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.clone().unwrap()).collect();
        assert_eq!(fields, ["name", "email", "phone"]);
        assert_eq!(
            request("", "nope", "06")
                .validate()
                .unwrap_err()
                .field
                .as_deref(),
            Some("name")
        );
    }

    #[test]
    fn instants_travel_as_rfc3339() {
        let json = serde_json::to_value(request("Ada", "a@b.nl", "")).unwrap();
        assert_eq!(json["starts_at"], "2026-03-18T14:15:00Z");
    }
}
