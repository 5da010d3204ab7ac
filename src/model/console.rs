//! What the agent console shows and sends: the overview, and the forms to schedule, move and
//! cancel meetings. Times are typed as people read them (a local date, a clock time, a length
//! and the zone they are in); the server turns them into instants, so a time that does not
//! exist in that zone (a DST gap) is refused there with the field named.

use super::meeting::MeetingBrief;
use super::person::{Email, PersonName, Phone};
use super::{AppError, MeetingId, SiteId, UserId};
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

/// Longest meeting the console schedules, in minutes (the REST API's limit: 24 hours).
pub const MAX_MINUTES: u32 = 24 * 60;
/// Longest subject, in characters.
pub const SUBJECT_MAX: usize = 100;

/// Someone who may host the meetings the console user schedules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleHost {
    /// The user.
    pub id: UserId,
    /// Their full name.
    pub name: String,
}

/// A site the console user schedules for, with the hosts they may choose.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleSite {
    /// The site.
    pub id: SiteId,
    /// Its name.
    pub name: String,
    /// Who may host: an agent only itself; an assistant the agents and assistant_video users
    /// of the site; an admin those of every site of the company.
    pub hosts: Vec<ConsoleHost>,
    /// Guests a meeting may have: 2 with the package feature `multiple_participants`, else 1.
    pub max_guests: u8,
}

/// A meeting in the console's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleMeeting {
    /// The meeting.
    pub meeting: MeetingBrief,
    /// Names of the invited customers.
    pub guests: Vec<String>,
    /// Does the console user host it (and so may open its room)? Otherwise they manage it
    /// for the host (assistants, admins).
    pub hosting: bool,
}

/// An appointment of the appointments API an agent hosts or may take.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleAppointment {
    /// Its id.
    pub id: String,
    /// The case reference.
    pub reference: String,
    /// The claimant's name.
    pub claimant: String,
    /// When it starts.
    pub starts_at: chrono::DateTime<chrono::Utc>,
    /// How long, in minutes.
    pub duration_minutes: u32,
    /// Where it stands.
    pub status: super::appointment::Status,
    /// The group of agents it is given to.
    pub department: Option<String>,
    /// The console user hosts it (else no one does yet, and they may take it).
    pub mine: bool,
    /// An interpreter joins.
    pub interpreter: Option<String>,
}

/// The console's first screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleOverview {
    /// The logged-in user's name.
    pub agent_name: String,
    /// Sites they may schedule for (empty: they schedule nothing).
    pub sites: Vec<ConsoleSite>,
    /// Today's and upcoming meetings they host or manage, earliest first.
    pub meetings: Vec<ConsoleMeeting>,
    /// Appointments of the appointments API from today on that they host or may take.
    #[serde(default)]
    pub appointments: Vec<ConsoleAppointment>,
}

/// A time as typed in the console: a local date and clock time, a length, and the zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalSlot {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM`.
    pub time: String,
    /// Length in minutes.
    pub minutes: u32,
    /// IANA zone of the date and time (the console user's browser).
    pub time_zone: String,
}

impl LocalSlot {
    /// The date and clock time, or errors naming `date`, `time` and `minutes`.
    pub fn parse(&self) -> Result<(NaiveDate, NaiveTime), Vec<AppError>> {
        let mut errors = Vec::new();
        let date = parse_date(&self.date);
        if date.is_none() {
            errors.push(AppError::invalid("date", "choose a date"));
        }
        let time = parse_clock(&self.time);
        if time.is_none() {
            errors.push(AppError::invalid("time", "enter a time like 14:30"));
        }
        if self.minutes == 0 || self.minutes > MAX_MINUTES {
            errors.push(AppError::invalid(
                "minutes",
                "a meeting lasts 1 minute to 24 hours",
            ));
        }
        match (date, time) {
            (Some(d), Some(t)) if errors.is_empty() => Ok((d, t)),
            _ => Err(errors),
        }
    }
}

/// Digits only, of exactly `len` characters.
fn number(s: &str, len: usize) -> Option<u32> {
    (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// `YYYY-MM-DD`, a date that exists. Read by hand: chrono's format parser would add its
/// weight to the console's wasm.
fn parse_date(s: &str) -> Option<NaiveDate> {
    let mut parts = s.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(number(y, 4)? as i32, number(m, 2)?, number(d, 2)?)
}

/// `HH:MM`, 00:00 to 23:59.
fn parse_clock(s: &str) -> Option<NaiveTime> {
    let (h, m) = s.split_once(':')?;
    NaiveTime::from_hms_opt(number(h, 2)?, number(m, 2)?, 0)
}

/// A guest as typed in the schedule form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestForm {
    /// Name.
    pub name: String,
    /// E-mail address (needed for the invitation).
    pub email: String,
    /// Phone number, E.164 (optional).
    pub phone: String,
}

/// A guest, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Guest {
    /// Name.
    pub name: PersonName,
    /// E-mail address.
    pub email: Option<Email>,
    /// Phone number.
    pub phone: Option<Phone>,
}

/// `v1/console/schedule`: a new meeting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleForm {
    /// The site.
    pub site: SiteId,
    /// Who hosts.
    pub host: UserId,
    /// Subject (empty: "Meeting: {site}").
    pub subject: String,
    /// When.
    pub slot: LocalSlot,
    /// One guest, or two for a three-way call.
    pub guests: Vec<GuestForm>,
    /// Mail the invitations (with the calendar file).
    pub send_email: bool,
}

impl ScheduleForm {
    /// Check everything a browser can check, naming each field that is wrong
    /// (`guests[0].email`, `time`, …): the console shows these at once, the server runs the
    /// same checks again.
    pub fn check(&self) -> Result<(Vec<Guest>, Option<String>), Vec<AppError>> {
        let mut errors = match self.slot.parse() {
            Ok(_) => Vec::new(),
            Err(e) => e,
        };
        let subject = self.subject.trim();
        if subject.chars().count() > SUBJECT_MAX || subject.chars().any(char::is_control) {
            errors.push(AppError::invalid(
                "subject",
                format!("at most {SUBJECT_MAX} characters, on one line"),
            ));
        }
        if self.guests.is_empty() || self.guests.len() > 2 {
            errors.push(AppError::invalid("guests", "invite one or two people"));
        }
        let mut guests = Vec::new();
        for (i, g) in self.guests.iter().enumerate() {
            let field = |f: &str| format!("guests[{i}].{f}");
            let name = PersonName::parse(&g.name).map_err(|e| e.with_field(&field("name")));
            let email = match g.email.trim() {
                "" if self.send_email => Err(AppError::invalid(
                    &field("email"),
                    "an e-mail invitation needs an e-mail address",
                )),
                "" => Ok(None),
                s => Email::parse(s)
                    .map(Some)
                    .map_err(|e| e.with_field(&field("email"))),
            };
            let phone = Phone::parse_optional(&g.phone).map_err(|e| e.with_field(&field("phone")));
            match (name, email, phone) {
                (Ok(name), Ok(email), Ok(phone)) => guests.push(Guest { name, email, phone }),
                (name, email, phone) => {
                    errors.extend([name.err(), email.err(), phone.err()].into_iter().flatten())
                }
            }
        }
        if errors.is_empty() {
            Ok((guests, (!subject.is_empty()).then(|| subject.to_string())))
        } else {
            Err(errors)
        }
    }
}

/// `v1/console/move`: a meeting to another time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveForm {
    /// The meeting.
    pub meeting: MeetingId,
    /// Its new time.
    pub slot: LocalSlot,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(date: &str, time: &str, minutes: u32) -> LocalSlot {
        LocalSlot {
            date: date.into(),
            time: time.into(),
            minutes,
            time_zone: "Europe/Amsterdam".into(),
        }
    }

    fn form(guests: Vec<GuestForm>) -> ScheduleForm {
        ScheduleForm {
            site: SiteId::parse("0123456789abcdef01234567").unwrap(),
            host: UserId::parse("0123456789abcdef01234568").unwrap(),
            subject: " Mortgage advice ".into(),
            slot: slot("2026-12-01", "14:30", 30),
            guests,
            send_email: true,
        }
    }

    fn guest(name: &str, email: &str, phone: &str) -> GuestForm {
        GuestForm {
            name: name.into(),
            email: email.into(),
            phone: phone.into(),
        }
    }

    fn fields(errors: Vec<AppError>) -> Vec<String> {
        errors.into_iter().filter_map(|e| e.field).collect()
    }

    #[test]
    fn slots_name_each_bad_part() {
        assert!(slot("2026-12-01", "09:05", 45).parse().is_ok());
        assert_eq!(
            fields(slot("2026-02-30", "9:05", 0).parse().unwrap_err()),
            ["date", "time", "minutes"]
        );
        assert_eq!(
            fields(slot("", "24:00", MAX_MINUTES + 1).parse().unwrap_err()),
            ["date", "time", "minutes"]
        );
        assert!(slot("2026-12-01", "23:59", MAX_MINUTES).parse().is_ok());
        for (date, time) in [
            ("2026-1-01", "14:60"),
            ("+202-12-01", "14:3"),
            ("2026-12-01-1", "1430"),
        ] {
            assert_eq!(
                fields(slot(date, time, 30).parse().unwrap_err()),
                ["date", "time"]
            );
        }
    }

    #[test]
    fn a_good_form_passes_trimmed() {
        let (guests, subject) = form(vec![guest("Ann de Vries", "ann@example.com", "")])
            .check()
            .unwrap();
        assert_eq!(subject.as_deref(), Some("Mortgage advice"));
        assert_eq!(guests[0].name.as_str(), "Ann de Vries");
        assert_eq!(guests[0].phone, None);
        let mut empty = form(vec![guest("Ann", "", "+31612345678")]);
        empty.subject = "  ".into();
        empty.send_email = false;
        assert_eq!(empty.check().unwrap().1, None);
    }

    #[test]
    fn bad_guests_are_named_by_position() {
        let bad = form(vec![
            guest("Ann", "", ""),
            guest("", "not-an-address", "0612"),
        ]);
        assert_eq!(
            fields(bad.check().unwrap_err()),
            [
                "guests[0].email",
                "guests[1].name",
                "guests[1].email",
                "guests[1].phone"
            ]
        );
        assert_eq!(fields(form(vec![]).check().unwrap_err()), ["guests"]);
        let three = vec![guest("A", "a@example.com", ""); 3];
        assert_eq!(fields(form(three).check().unwrap_err()), ["guests"]);
        let mut long = form(vec![guest("Ann", "ann@example.com", "")]);
        long.subject = "x".repeat(SUBJECT_MAX + 1);
        assert_eq!(fields(long.check().unwrap_err()), ["subject"]);
    }
}
