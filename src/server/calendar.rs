//! Calendar files (iCalendar, RFC 5545) for invitations: one event, in UTC, with the join link,
//! so any calendar adds the appointment in the reader's own zone.

use chrono::{DateTime, Utc};

/// One appointment as a calendar event.
#[derive(Clone, Debug)]
pub struct Event<'a> {
    /// Stable across re-sends of the same meeting (calendars update rather than duplicate).
    pub uid: &'a str,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Title.
    pub summary: &'a str,
    /// Longer text.
    pub description: &'a str,
    /// The personal join link.
    pub url: &'a str,
    /// Revision: a later file about the same UID carries a higher one and replaces the event.
    pub sequence: i64,
    /// The appointment was called off.
    pub cancelled: bool,
}

/// The media type of a calendar file.
pub const MEDIA_TYPE: &str = "text/calendar; charset=utf-8; method=PUBLISH";

/// The event as a calendar file: CRLF line ends, text escaped, lines folded at 75 octets.
pub fn ics(e: &Event<'_>, stamp: DateTime<Utc>) -> String {
    let lines = [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        "PRODID:-//Consult//Consult//EN".into(),
        "CALSCALE:GREGORIAN".into(),
        // PUBLISH: "add this to your calendar", with no RSVP expected from the customer.
        "METHOD:PUBLISH".into(),
        "BEGIN:VEVENT".into(),
        format!("UID:{}", escape(e.uid)),
        format!("DTSTAMP:{}", utc(stamp)),
        format!("DTSTART:{}", utc(e.starts_at)),
        format!("DTEND:{}", utc(e.ends_at)),
        format!("SUMMARY:{}", escape(e.summary)),
        format!("DESCRIPTION:{}", escape(e.description)),
        // A cancelled event has no link to give.
        if e.url.is_empty() {
            String::new()
        } else {
            format!("LOCATION:{}\r\nURL:{}", escape(e.url), e.url)
        },
        format!("SEQUENCE:{}", e.sequence),
        if e.cancelled {
            "STATUS:CANCELLED".into()
        } else {
            "STATUS:CONFIRMED".to_string()
        },
        "TRANSP:OPAQUE".into(),
        "BEGIN:VALARM".into(),
        "ACTION:DISPLAY".into(),
        format!("DESCRIPTION:{}", escape(e.summary)),
        "TRIGGER:-PT10M".into(),
        "END:VALARM".into(),
        "END:VEVENT".into(),
        "END:VCALENDAR".into(),
    ];
    lines
        .iter()
        .flat_map(|l| l.split("\r\n"))
        .filter(|l| !l.is_empty())
        .map(|l| fold(l) + "\r\n")
        .collect()
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// TEXT values: backslash, semicolon and comma escaped, line breaks as `\n` (RFC 5545 3.3.11).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Lines longer than 75 octets continue on the next line after CRLF and a space, never
/// splitting a UTF-8 character (RFC 5545 3.1).
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3);
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        // The first line holds 75 octets; continuation lines 74 after their leading space.
        if used + n > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn event<'a>(description: &'a str, summary: &'a str) -> Event<'a> {
        Event {
            uid: "0123456789abcdef01234567@consult",
            starts_at: Utc.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap(),
            ends_at: Utc.with_ymd_and_hms(2026, 3, 29, 2, 0, 0).unwrap(),
            summary,
            description,
            url: "https://consult.example/join/abc",
            sequence: 0,
            cancelled: false,
        }
    }

    /// Unfold and split into (name, value) pairs, as a reader would.
    fn read(ics: &str) -> Vec<(String, String)> {
        assert!(ics.ends_with("\r\n"));
        ics.replace("\r\n ", "")
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (k, v) = l.split_once(':').expect("name:value");
                (k.to_string(), v.to_string())
            })
            .collect()
    }

    #[test]
    fn times_are_utc_and_the_structure_nests() {
        let stamp = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let props = read(&ics(&event("d", "s"), stamp));
        let get = |k: &str| props.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("DTSTART"), Some("20260329T013000Z"));
        assert_eq!(get("DTEND"), Some("20260329T020000Z"));
        assert_eq!(get("DTSTAMP"), Some("20260102T030405Z"));
        assert_eq!(get("URL"), Some("https://consult.example/join/abc"));
        let begins: Vec<&str> = props
            .iter()
            .filter(|(k, _)| k == "BEGIN" || k == "END")
            .map(|(k, v)| if k == "BEGIN" { v.as_str() } else { "/" })
            .collect();
        assert_eq!(
            begins,
            ["VCALENDAR", "VEVENT", "VALARM", "/", "/", "/"],
            "BEGIN/END pairs"
        );
    }

    #[test]
    fn text_is_escaped_and_long_lines_fold_on_character_boundaries() {
        let description = "Dear Zoë, see you; bring ID, please.\nLine two \\ end. ".repeat(6);
        let out = ics(&event(&description, "Afspraak, één"), Utc::now());
        for line in out.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        let props = read(&out);
        let d = &props.iter().find(|(k, _)| k == "DESCRIPTION").unwrap().1;
        assert!(d.starts_with("Dear Zoë\\, see you\\; bring ID\\, please.\\nLine two \\\\ end."));
        assert_eq!(
            props.iter().find(|(k, _)| k == "SUMMARY").unwrap().1,
            "Afspraak\\, één"
        );
    }
}
