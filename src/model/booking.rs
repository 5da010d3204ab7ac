//! Booking: the site as the form shows it, the free slots, the request and its confirmation.

use super::i18n::Lang;
use super::person::{Email, PersonName, Phone};
use super::{AppError, MeetingId, SiteId, UserId};
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
    /// The site's privacy statement, linked from the consent checkbox.
    #[serde(default)]
    pub privacy_url: Option<String>,
    /// Calling code assumed for national phone numbers, e.g. `+31`.
    #[serde(default)]
    pub phone_prefix: String,
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
    /// The site's uploaded logo, a path on Consult's origin.
    #[serde(default)]
    pub logo: Option<String>,
    /// The site's uploaded waiting-room background, a path on Consult's origin.
    #[serde(default)]
    pub background: Option<String>,
    /// Surfaces, `#rrggbb` (a room's `secondary` colour).
    #[serde(default)]
    pub secondary_color: Option<String>,
    /// The keyboard focus ring, `#rrggbb` (a room's `focus` colour).
    #[serde(default)]
    pub focus_color: Option<String>,
}

/// One bookable time, as UTC instants. The widget shows it in the visitor's zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    /// Start (UTC).
    pub starts_at: DateTime<Utc>,
    /// End (UTC).
    pub ends_at: DateTime<Utc>,
}

/// Someone a customer can choose to meet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentChoice {
    /// The agent's id.
    pub id: UserId,
    /// Their name as customers see it.
    pub name: String,
}

/// The answer to "what can I book on this site?".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotList {
    /// The site.
    pub site: SiteInfo,
    /// The next free slots, earliest first: of the chosen agent, or of anyone.
    pub slots: Vec<Slot>,
    /// Everyone who takes appointments on the site (the form offers a choice when there are
    /// several).
    #[serde(default)]
    pub agents: Vec<AgentChoice>,
    /// More free times follow the last of `slots` (the list holds at most a few hundred):
    /// the form asks for them, from just after the last, when the customer pages on.
    #[serde(default)]
    pub more: bool,
}

/// The first times, written into the booking frame's page by the server so the form needs no
/// call before its first render. The server lists them for the page it believes frames the
/// form (the `Referer` of a framed request); the form uses them only when the browser reports
/// that same origin, and otherwise asks, so the "not allowed here" answer still comes the
/// usual way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstSlots {
    /// The origin of the page the list was made for.
    pub host_origin: String,
    /// What `booking_slots` answers for that page, with no agent chosen.
    pub list: SlotList,
}

impl FirstSlots {
    /// The id of the `<script type="application/json">` element holding it.
    pub const ELEMENT_ID: &'static str = "consult-first-slots";
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
    /// The agent the customer chose; `None`: whoever is free.
    #[serde(default)]
    pub agent: Option<UserId>,
    /// The customer's name.
    pub name: String,
    /// The customer's e-mail address.
    pub email: String,
    /// The customer's phone number (optional; international, or national in the site's
    /// country).
    #[serde(default)]
    pub phone: String,
    /// Anything the customer wants the agent to know (optional).
    #[serde(default)]
    pub note: String,
    /// The customer agreed to the use of their details for this appointment.
    #[serde(default)]
    pub consent: bool,
    /// The language the form was shown in; invitations are written in it.
    #[serde(default)]
    pub lang: Lang,
    /// The zone the customer saw the times in (IANA name); invitations show times in it.
    #[serde(default)]
    pub time_zone: String,
    /// Fields the host page filled in and locked, signed by its server.
    #[serde(default)]
    pub prefill: Option<Prefill>,
}

/// Fields the host page filled in and locked, with its server's signature over them.
///
/// The signature is hex HMAC-SHA256, under the site's prefill key, of [`Prefill::message`];
/// the site owner's server computes it, so no key reaches a browser.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prefill {
    /// Which fields are locked: some of `name`, `email`, `phone`.
    pub lock: Vec<String>,
    /// The name as prefilled.
    #[serde(default)]
    pub name: String,
    /// The e-mail address as prefilled.
    #[serde(default)]
    pub email: String,
    /// The phone number as prefilled.
    #[serde(default)]
    pub phone: String,
    /// Hex HMAC-SHA256 of [`Prefill::message`].
    pub signature: String,
}

/// The fields a host page may lock.
pub const LOCKABLE: [&str; 3] = ["name", "email", "phone"];

impl Prefill {
    /// The signed text: `consult-prefill-v1`, the site id, the locked fields (sorted,
    /// comma-separated), name, e-mail and phone, each on its own line.
    pub fn message(site: &str, lock: &[String], name: &str, email: &str, phone: &str) -> String {
        let mut lock: Vec<&str> = lock.iter().map(|s| s.trim()).collect();
        lock.sort_unstable();
        lock.dedup();
        format!(
            "consult-prefill-v1\n{site}\n{}\n{}\n{}\n{}",
            lock.join(","),
            name.trim(),
            email.trim(),
            phone.trim()
        )
    }

    /// Whether `field` is locked.
    pub fn locks(&self, field: &str) -> bool {
        self.lock.iter().any(|f| f.trim() == field)
    }

    /// The prefilled value of a lockable field.
    pub fn value(&self, field: &str) -> &str {
        match field {
            "name" => &self.name,
            "email" => &self.email,
            _ => &self.phone,
        }
    }
}

/// The longest note a customer can leave, in characters.
pub const MAX_NOTE_CHARS: usize = 1000;

/// A booking whose fields passed validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidBooking {
    /// The customer's name.
    pub name: PersonName,
    /// The customer's e-mail address.
    pub email: Email,
    /// The customer's phone, if given.
    pub phone: Option<Phone>,
    /// The customer's note, if any, trimmed.
    pub note: Option<String>,
}

impl BookingRequest {
    /// Check every field and report all errors at once, in the form's order, so the form can
    /// mark each field. National phone numbers are read with `phone_prefix` (the site's).
    pub fn validate_all(&self, phone_prefix: &str) -> Result<ValidBooking, Vec<AppError>> {
        let name = PersonName::parse(&self.name);
        let email = Email::parse(&self.email);
        let phone = if self.phone.trim().is_empty() {
            Ok(None)
        } else {
            Phone::parse_local(&self.phone, phone_prefix).map(Some)
        };
        let note = self.note.trim();
        let note = if note.chars().count() > MAX_NOTE_CHARS {
            Err(AppError::invalid(
                "note",
                format!("The note is longer than {MAX_NOTE_CHARS} characters."),
            ))
        } else {
            Ok((!note.is_empty()).then(|| note.to_string()))
        };
        let consent = if self.consent {
            Ok(())
        } else {
            Err(AppError::invalid(
                "consent",
                "The customer must agree to the use of their details.",
            ))
        };
        match (name, email, phone, note, consent) {
            (Ok(name), Ok(email), Ok(phone), Ok(note), Ok(())) => Ok(ValidBooking {
                name,
                email,
                phone,
                note,
            }),
            (name, email, phone, note, consent) => Err([
                name.err(),
                email.err(),
                phone.err(),
                note.err(),
                consent.err(),
            ]
            .into_iter()
            .flatten()
            .collect()),
        }
    }

    /// Check every field; the first error is returned (the server's answer names one field).
    pub fn validate(&self, phone_prefix: &str) -> Result<ValidBooking, AppError> {
        self.validate_all(phone_prefix)
            .map_err(|mut errors| errors.remove(0))
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
    /// The customer's page to change or cancel the appointment (same secret as the join link).
    #[serde(default)]
    pub manage_url: String,
}

/// Where a booked appointment stands, as its customer sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    /// Still ahead: it can be moved or cancelled.
    Scheduled,
    /// Begun or over: it can no longer change.
    Past,
    /// Called off.
    Cancelled,
}

/// An appointment as its customer's change-or-cancel page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManageInfo {
    /// The meeting.
    pub meeting: MeetingId,
    /// The site (its zone, theme, slot length).
    pub site: SiteInfo,
    /// The agent.
    pub agent: AgentChoice,
    /// Start (UTC).
    pub starts_at: DateTime<Utc>,
    /// End (UTC).
    pub ends_at: DateTime<Utc>,
    /// Whether it can still change.
    pub status: BookingStatus,
    /// The personal join link.
    pub join_url: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(name: &str, email: &str, phone: &str) -> BookingRequest {
        request_with(name, email, phone, "", true)
    }

    fn request_with(
        name: &str,
        email: &str,
        phone: &str,
        note: &str,
        consent: bool,
    ) -> BookingRequest {
        BookingRequest {
            site: SiteId::parse("5f0de0e0990b490eec31cb7c").unwrap(),
            host_origin: "https://example.com".into(),
            starts_at: DateTime::parse_from_rfc3339("2026-03-18T14:15:00Z")
                .unwrap()
                .with_timezone(&Utc),
            agent: None,
            name: name.into(),
            email: email.into(),
            phone: phone.into(),
            note: note.into(),
            consent,
            lang: Lang::Nl,
            time_zone: "Europe/Amsterdam".into(),
            prefill: None,
        }
    }

    #[test]
    fn valid_booking() {
        let v = request("Ada", "ada@example.com", "")
            .validate("+31")
            .unwrap();
        assert_eq!(v.name.as_str(), "Ada");
        assert_eq!(v.phone, None);
        assert_eq!(v.note, None);
        let v = request_with("Ada", "ada@example.com", "06 1234 5678", "  Hi ", true)
            .validate("+31")
            .unwrap();
        assert_eq!(v.phone.unwrap().as_str(), "+31612345678");
        assert_eq!(v.note.as_deref(), Some("Hi"));
    }

    #[test]
    fn all_errors_reported_in_field_order() {
        let long = "x".repeat(MAX_NOTE_CHARS + 1);
        let errors = request_with("", "nope", "06", &long, false)
            .validate_all("+31")
            .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.clone().unwrap()).collect();
        assert_eq!(fields, ["name", "email", "phone", "note", "consent"]);
        assert!(
            request_with("Ada", "a@b.nl", "", &"é".repeat(MAX_NOTE_CHARS), true)
                .validate("+31")
                .is_ok()
        );
        assert_eq!(
            request("", "nope", "06")
                .validate("+31")
                .unwrap_err()
                .field
                .as_deref(),
            Some("name")
        );
    }

    #[test]
    fn the_prefill_message_is_canonical() {
        let lock = vec!["phone".to_string(), " name".into(), "name".into()];
        assert_eq!(
            Prefill::message("abc", &lock, " Ann ", "a@b.nl", ""),
            "consult-prefill-v1\nabc\nname,phone\nAnn\na@b.nl\n"
        );
    }

    #[test]
    fn instants_travel_as_rfc3339() {
        let json = serde_json::to_value(request("Ada", "a@b.nl", "")).unwrap();
        assert_eq!(json["starts_at"], "2026-03-18T14:15:00Z");
        assert_eq!(json["lang"], "nl");
    }
}
