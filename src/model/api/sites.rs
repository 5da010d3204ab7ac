//! Sites: where a company's customers meet its users, with its look and e-mail texts.

use super::tenancy::CompanySummary;
use super::types::{CompanyRef, Name, Text, UserRef};
use super::users::User;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Default invitation text (Dutch, as the WeSeeDo API has it).
pub const DEFAULT_INVITE_TEXT: &str = "Hierbij stuur ik u de bevestiging voor ons online videogesprek. Op de aangegeven datum en tijd klikt u op de link in deze e-mail. Vervolgens zal het videogesprek op uw scherm verschijnen en kunnen we het gesprek starten. Tot binnenkort!";
/// Default text for changed or cancelled appointments.
pub const DEFAULT_CANCEL_TEXT: &str = "Indien het tijdstip van uw afspraak gewijzigd is, dan ontvangt u een nieuwe uitnodiging per e-mail. De e-mail met de oude uitnodiging kunt u in dit geval verwijderen.";
/// Default text above the hardware-test link.
pub const DEFAULT_HARDWARETEST_TEXT: &str = "U kunt via de onderstaande link controleren of uw apparatuur geschikt is voor een videogesprek.";
/// The default font list.
pub const DEFAULT_FONT: &str = "Roboto,sans-serif";
/// The default text colour.
pub const DEFAULT_TEXT_COLOR: &str = "#000000";

/// Whether a site's meetings may be recorded by their agent, and where: `local` (a file
/// downloaded to the agent's computer) or `cloud` (kept by Consult, listed by the rooms
/// API's `/recordings` under the meeting's id as `roomName`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SiteRecording {
    /// Not recorded.
    #[default]
    None,
    /// Downloaded by the agent's browser.
    Local,
    /// Uploaded to Consult.
    Cloud,
}

impl SiteRecording {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            SiteRecording::None => "none",
            SiteRecording::Local => "local",
            SiteRecording::Cloud => "cloud",
        }
    }

    /// As stored, back.
    pub fn parse(s: &str) -> SiteRecording {
        match s {
            "local" => SiteRecording::Local,
            "cloud" => SiteRecording::Cloud,
            _ => SiteRecording::None,
        }
    }
}

/// `GET /management/sites/{id}/prefill-key`: the key (hex) the site owner's server signs
/// prefilled, locked booking fields with (hex HMAC-SHA256 over the text the README
/// describes). Only through its own endpoint, so that reading a site does not hand it out.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PrefillKey {
    /// The key, 64 hex digits. Keep it on the site owner's server.
    pub prefill_key: String,
}

/// `POST /management/sites`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteInput {
    /// Name.
    pub name: Name,
    /// The company's id.
    pub company: CompanyRef,
    /// Ids of the company's users who work on this site.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub users: Vec<UserRef>,
    /// Font family of the call screens.
    #[schema(pattern = r#"^[A-Za-z0-9][A-Za-z0-9 ,'"_-]{0,99}$"#)]
    #[serde(default)]
    pub videochat_font_type: Option<String>,
    /// Text colour of the call screens.
    #[schema(pattern = r"^#[0-9A-Fa-f]{6}$")]
    #[serde(default)]
    pub videochat_text_color: Option<String>,
    /// Invitation e-mail text.
    #[serde(default)]
    pub email_invite_text: Option<Text>,
    /// Text of e-mails about changed or cancelled appointments.
    #[serde(default)]
    pub email_cancel_text: Option<Text>,
    /// Text above the hardware-test link.
    #[serde(default)]
    pub email_hardwaretest_text: Option<Text>,
    /// Put a hardware-test link in invitations.
    #[serde(default)]
    pub email_enable_hardwaretest: Option<bool>,
    /// Logo: a base64-encoded PNG or JPEG of at most 512 KiB, shown on the booking form and
    /// in the waiting room (served by Consult, at the address `logo` then reads).
    #[schema(
        pattern = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$"
    )]
    #[serde(default)]
    pub logo: Option<String>,
    /// Waiting-room background: a base64-encoded PNG or JPEG of at most 512 KiB.
    #[schema(
        pattern = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$"
    )]
    #[serde(default)]
    pub waitingroom_background: Option<String>,
    /// Origins allowed to embed this site's widgets (`https://www.example.com`).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub allowed_origins: Vec<SiteOrigin>,
}

/// An allowed origin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(
    pattern = r"^https?://(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:]+\])(?::(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?$"
)]
pub struct SiteOrigin(pub String);

/// `PATCH /management/sites/{id}`: any of the fields; `users` and `allowed_origins` replace
/// the lists.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SitePatch {
    /// Name.
    #[serde(default)]
    pub name: Option<Name>,
    /// Ids of the company's users who work on this site.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub users: Option<Vec<UserRef>>,
    /// Font family of the call screens.
    #[schema(pattern = r#"^[A-Za-z0-9][A-Za-z0-9 ,'"_-]{0,99}$"#)]
    #[serde(default)]
    pub videochat_font_type: Option<String>,
    /// Text colour of the call screens.
    #[schema(pattern = r"^#[0-9A-Fa-f]{6}$")]
    #[serde(default)]
    pub videochat_text_color: Option<String>,
    /// Invitation e-mail text.
    #[serde(default)]
    pub email_invite_text: Option<Text>,
    /// Text of e-mails about changed or cancelled appointments.
    #[serde(default)]
    pub email_cancel_text: Option<Text>,
    /// Text above the hardware-test link.
    #[serde(default)]
    pub email_hardwaretest_text: Option<Text>,
    /// Put a hardware-test link in invitations.
    #[serde(default)]
    pub email_enable_hardwaretest: Option<bool>,
    /// A new logo (base64 PNG or JPEG, at most 512 KiB); empty removes it.
    #[schema(
        pattern = r"^(?:(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4}))?$"
    )]
    #[serde(default)]
    pub logo: Option<String>,
    /// A new waiting-room background (base64 PNG or JPEG, at most 512 KiB); empty removes it.
    #[schema(
        pattern = r"^(?:(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4}))?$"
    )]
    #[serde(default)]
    pub waitingroom_background: Option<String>,
    /// Origins allowed to embed this site's widgets.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub allowed_origins: Option<Vec<SiteOrigin>>,
    /// When the booking form offers appointments (a Consult extension).
    #[serde(default)]
    pub availability: Option<AvailabilityPatch>,
    /// The privacy statement the booking form's consent checkbox links to; empty removes it
    /// (a Consult extension).
    #[schema(max_length = 500, pattern = r"^(?:https?://[!-~]{1,492})?$")]
    #[serde(default)]
    pub privacy_url: Option<String>,
    /// Country calling code for national phone numbers typed in the booking form, e.g. `+31`
    /// (a Consult extension).
    #[schema(pattern = r"^\+[1-9][0-9]{0,2}$")]
    #[serde(default)]
    pub phone_prefix: Option<String>,
    /// Accept bookings only with prefilled details signed with `prefill_key` (a Consult
    /// extension).
    #[serde(default)]
    pub prefill_required: Option<bool>,
    /// Show the agent a small, refreshed picture from a waiting customer's camera before they
    /// are admitted; the customer is told (a Consult extension, off by default).
    #[serde(default)]
    pub waiting_preview: Option<bool>,
    /// Whether the agent may record this site's meetings, and where (a Consult extension,
    /// `none` by default). Everyone in the call is told before anything is recorded.
    #[serde(default)]
    pub recording: Option<SiteRecording>,
    /// `true` replaces `prefill_key` with a new one; signatures made with the old one stop
    /// working (a Consult extension).
    #[serde(default)]
    pub rotate_prefill_key: Option<bool>,
}

/// One period of a weekday, local time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// Opens, `HH:MM`.
    #[schema(
        pattern = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$",
        example = "09:00"
    )]
    pub from: String,
    /// Closes, `HH:MM` (`24:00` for midnight); after `from`.
    #[schema(
        pattern = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$",
        example = "17:00"
    )]
    pub to: String,
}

/// Opening periods per weekday; a day left out or empty is closed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeekHours {
    /// Monday.
    #[serde(default)]
    #[schema(max_items = 12)]
    pub monday: Vec<Period>,
    /// Tuesday.
    #[serde(default)]
    #[schema(max_items = 12)]
    pub tuesday: Vec<Period>,
    /// Wednesday.
    #[serde(default)]
    #[schema(max_items = 12)]
    pub wednesday: Vec<Period>,
    /// Thursday.
    #[serde(default)]
    #[schema(max_items = 12)]
    pub thursday: Vec<Period>,
    /// Friday.
    #[serde(default)]
    #[schema(max_items = 12)]
    pub friday: Vec<Period>,
    /// Saturday.
    #[serde(default)]
    #[schema(max_items = 12)]
    pub saturday: Vec<Period>,
    /// Sunday.
    #[serde(default)]
    #[schema(max_items = 12)]
    pub sunday: Vec<Period>,
}

impl WeekHours {
    /// The days, Monday first, with their names.
    pub fn days(&self) -> [(&'static str, &Vec<Period>); 7] {
        [
            ("monday", &self.monday),
            ("tuesday", &self.tuesday),
            ("wednesday", &self.wednesday),
            ("thursday", &self.thursday),
            ("friday", &self.friday),
            ("saturday", &self.saturday),
            ("sunday", &self.sunday),
        ]
    }
}

/// When a site takes appointments through the booking form (a Consult extension).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Availability {
    /// The IANA zone the opening hours and closed dates are in.
    pub time_zone: String,
    /// Appointment length.
    pub slot_minutes: u32,
    /// Free time an agent keeps before and after each meeting.
    pub buffer_minutes: u32,
    /// How long before its start a slot can still be booked.
    pub min_notice_minutes: u32,
    /// How many days ahead, today included, can be booked.
    pub horizon_days: u32,
    /// Opening hours per weekday.
    pub opening_hours: WeekHours,
    /// Local dates without appointments.
    pub closed_dates: Vec<String>,
    /// Local dates with hours of their own, instead of their weekday's.
    pub special_hours: Vec<SpecialDay>,
}

/// One local date's own opening hours; no periods means closed that day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecialDay {
    /// The local date, `YYYY-MM-DD`.
    #[schema(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", example = "2026-12-24")]
    pub date: String,
    /// Its periods, local time.
    #[schema(max_items = 24)]
    pub periods: Vec<Period>,
}

/// Changes to a site's availability; fields left out stay as they are.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityPatch {
    /// The IANA zone, e.g. `Europe/Amsterdam`.
    #[serde(default)]
    #[schema(max_length = 64)]
    pub time_zone: Option<String>,
    /// Appointment length, 5 to 480 minutes.
    #[serde(default)]
    #[schema(minimum = 5, maximum = 480)]
    pub slot_minutes: Option<u32>,
    /// 0 to 240 minutes.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 240)]
    pub buffer_minutes: Option<u32>,
    /// 0 to 43200 minutes (30 days).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 43200)]
    pub min_notice_minutes: Option<u32>,
    /// 1 to 366 days.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 366)]
    pub horizon_days: Option<u32>,
    /// Replaces the opening hours.
    #[serde(default)]
    pub opening_hours: Option<WeekHours>,
    /// Replaces the closed dates.
    #[serde(default)]
    #[schema(max_items = 366)]
    pub closed_dates: Option<Vec<ClosedDate>>,
    /// Replaces the dates with hours of their own (a late evening, a Saturday morning).
    #[serde(default)]
    #[schema(max_items = 366)]
    pub special_hours: Option<Vec<SpecialDay>>,
}

/// A local date, `YYYY-MM-DD`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[schema(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", example = "2026-12-25")]
pub struct ClosedDate(pub String);

/// A site.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Site {
    /// Its id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Its company.
    pub company: CompanySummary,
    /// Where its logo is served, if it has one.
    pub logo: Option<String>,
    /// Where its waiting-room background is served, if it has one.
    pub waitingroom_background: Option<String>,
    /// Its users.
    pub users: Vec<User>,
    /// Font family of the call screens.
    pub videochat_font_type: String,
    /// Text colour of the call screens.
    pub videochat_text_color: String,
    /// Invitation e-mail text.
    pub email_invite_text: String,
    /// Text of e-mails about changed or cancelled appointments.
    pub email_cancel_text: String,
    /// Text above the hardware-test link.
    pub email_hardwaretest_text: String,
    /// Put a hardware-test link in invitations.
    pub email_enable_hardwaretest: bool,
    /// Origins allowed to embed this site's widgets.
    pub allowed_origins: Vec<String>,
    /// The IANA time zone of the site's opening hours.
    pub time_zone: String,
    /// When the booking form offers appointments.
    pub availability: Availability,
    /// The privacy statement the booking form links to, if any.
    pub privacy_url: Option<String>,
    /// Country calling code for national phone numbers in the booking form.
    pub phone_prefix: String,
    /// Bookings must carry prefilled details signed with the site's prefill key (read it
    /// from `GET …/sites/{id}/prefill-key`).
    pub prefill_required: bool,
    /// The agent sees waiting customers' camera pictures before admitting them.
    pub waiting_preview: bool,
    /// Whether the agent may record the site's meetings, and where.
    #[serde(default)]
    pub recording: SiteRecording,
    /// Which prefill key is current (not shown).
    #[serde(skip)]
    pub prefill_generation: i64,
}
