//! Invitation e-mails: what the customer and the agent receive when a meeting is made, whether
//! in the booking form or through the REST API. Each carries the personal join link and a
//! calendar file of the appointment.

use super::availability::parse_zone;
use super::calendar::{self, Event};
use super::store::{Attachment, Email, Sms};
use crate::model::i18n::Lang;
use crate::model::person::neutralise;
use chrono::{DateTime, Datelike, Utc};

/// The meeting an invitation is for.
#[derive(Clone, Debug)]
pub struct Meeting<'a> {
    /// Its id (the calendar event's UID derives from it).
    pub id: &'a str,
    /// Subject line.
    pub subject: &'a str,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// The site's IANA zone, in which the time is written out.
    pub time_zone: &'a str,
    /// The invitation text: the meeting's own, else the site's `email_invite_text`.
    pub text: &'a str,
    /// Revision of the calendar event: 0 when made, then the time of each change (seconds),
    /// so every later file outranks the earlier ones.
    pub sequence: i64,
}

/// The time as the site states it: "Tuesday 18 March 2025, 15:15 (Europe/Amsterdam)".
pub fn when(t: DateTime<Utc>, zone: &str) -> String {
    match parse_zone(zone) {
        Some(tz) => format!(
            "{} ({zone})",
            t.with_timezone(&tz).format("%A %-d %B %Y, %H:%M")
        ),
        None => format!("{} (UTC)", t.format("%A %-d %B %Y, %H:%M")),
    }
}

/// Day and month names in Dutch (the server formats dates itself: no locale data in chrono).
const NL_DAYS: [&str; 7] = [
    "maandag",
    "dinsdag",
    "woensdag",
    "donderdag",
    "vrijdag",
    "zaterdag",
    "zondag",
];
const NL_MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

/// The time in a zone and a language: "Tuesday 18 March 2025, 15:15 (Europe/Amsterdam)" or
/// "dinsdag 18 maart 2025, 15:15 (Europe/Amsterdam)".
pub fn when_in(t: DateTime<Utc>, zone: &str, lang: Lang) -> String {
    if lang == Lang::En {
        return when(t, zone);
    }
    let (local, zone) = match parse_zone(zone) {
        Some(tz) => (t.with_timezone(&tz).naive_local(), zone),
        None => (t.naive_utc(), "UTC"),
    };
    format!(
        "{} {} {} {}, {} ({zone})",
        NL_DAYS[local.weekday().num_days_from_monday() as usize],
        local.day(),
        NL_MONTHS[local.month0() as usize],
        local.year(),
        local.format("%H:%M")
    )
}

/// A link to one of our pages as its recipient should see it: opened in their language
/// (`?lang=nl`, or `&lang=nl` after a query), whatever their browser's language. Every page a
/// message links to reads `lang` before the browser's languages.
pub fn in_lang(url: &str, lang: Lang) -> String {
    let (base, fragment) = match url.find('#') {
        Some(i) => url.split_at(i),
        None => (url, ""),
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}lang={}{fragment}", lang.code())
}

fn calendar_file(m: &Meeting<'_>, url: &str, description: &str) -> Attachment {
    calendar_entry(m, url, description, false)
}

fn calendar_entry(m: &Meeting<'_>, url: &str, description: &str, cancelled: bool) -> Attachment {
    Attachment {
        name: "invite.ics".into(),
        media_type: calendar::MEDIA_TYPE.into(),
        content: calendar::ics(
            &Event {
                uid: &format!("{}@consult", m.id),
                starts_at: m.starts_at,
                ends_at: m.ends_at,
                summary: m.subject,
                description,
                url,
                sequence: m.sequence,
                cancelled,
            },
            Utc::now(),
        ),
    }
}

/// Extra links of a customer's invitation.
#[derive(Clone, Copy, Debug, Default)]
pub struct GuestLinks<'a> {
    /// The page to move or cancel (appointments booked in the form).
    pub manage: Option<&'a str>,
    /// The site's hardware-test text and the device-check page, when the site enables it.
    pub hardware_test: Option<(&'a str, &'a str)>,
}

/// The customer's invitation, in their language: the text, the time (in `m.time_zone`, the
/// zone they chose), their link, the calendar file. Every link opens its page in `lang`.
///
/// `links` are the extra links some invitations carry.
pub fn guest(
    m: &Meeting<'_>,
    to: &str,
    name: &str,
    url: &str,
    lang: Lang,
    links: &GuestLinks<'_>,
) -> Email {
    let url = &in_lang(url, lang);
    let manage = links.manage.map(|u| in_lang(u, lang));
    let name = neutralise(name);
    let at = when_in(m.starts_at, m.time_zone, lang);
    let mut body = match lang {
        Lang::En => format!(
            "Dear {name},\n\n{}\n\n{at}\n\nJoin here at that time (no installation needed):\n{url}\n",
            m.text
        ),
        Lang::Nl => format!(
            "Beste {name},\n\n{}\n\n{at}\n\nOp dat moment komt u hier binnen (u hoeft niets te installeren):\n{url}\n",
            m.text
        ),
    };
    if let Some((text, check)) = links.hardware_test {
        body.push_str(&format!("\n{text}\n{}\n", in_lang(check, lang)));
    }
    if let Some(manage) = manage {
        body.push_str(&match lang {
            Lang::En => format!("\nTo move or cancel this appointment:\n{manage}\n"),
            Lang::Nl => format!("\nAfspraak verzetten of annuleren:\n{manage}\n"),
        });
    }
    Email {
        to: to.into(),
        subject: m.subject.into(),
        attachments: vec![calendar_file(m, url, &format!("{}\n\n{url}", m.text))],
        body,
    }
}

/// The agent's confirmation: who, when, the agent's own link (opening in `lang`), the
/// calendar file.
pub fn agent(m: &Meeting<'_>, to: &str, guests: &[&str], url: &str, lang: Lang) -> Email {
    let url = &in_lang(url, lang);
    let guests: Vec<String> = guests.iter().map(|g| neutralise(g)).collect();
    let at = when_in(m.starts_at, m.time_zone, lang);
    let (subject, body, description) = match lang {
        Lang::En => {
            let with = guests.join(" and ");
            (
                format!("Scheduled: {}", m.subject),
                format!("A meeting with {with} is scheduled for {at}.\n\nYour link:\n{url}\n"),
                format!("Meeting with {with}\n\n{url}"),
            )
        }
        Lang::Nl => {
            let with = guests.join(" en ");
            (
                format!("Gepland: {}", m.subject),
                format!("Een afspraak met {with} staat gepland op {at}.\n\nUw link:\n{url}\n"),
                format!("Afspraak met {with}\n\n{url}"),
            )
        }
    };
    Email {
        to: to.into(),
        subject,
        body,
        attachments: vec![calendar_file(m, url, &description)],
    }
}

/// The time changed: the site's `email_cancel_text`, then the invitation at the new time. The
/// calendar file replaces the earlier one (same UID, higher sequence).
pub fn changed(
    m: &Meeting<'_>,
    to: &str,
    name: &str,
    url: &str,
    cancel_text: &str,
    lang: Lang,
) -> Email {
    let mut email = guest(m, to, name, url, lang, &GuestLinks::default());
    let url = &in_lang(url, lang);
    let name = neutralise(name);
    let at = when_in(m.starts_at, m.time_zone, lang);
    (email.subject, email.body) = match lang {
        Lang::En => (
            format!("Changed: {}", m.subject),
            format!(
                "Dear {name},\n\n{cancel_text}\n\nThe new time: {at}\n\n{}\n\nYour link (unchanged):\n{url}\n",
                m.text
            ),
        ),
        Lang::Nl => (
            format!("Gewijzigd: {}", m.subject),
            format!(
                "Beste {name},\n\n{cancel_text}\n\nHet nieuwe tijdstip: {at}\n\n{}\n\nUw link (ongewijzigd):\n{url}\n",
                m.text
            ),
        ),
    };
    email
}

/// The meeting was called off: the site's `email_cancel_text`, and a calendar file that
/// marks the event cancelled.
pub fn cancelled(m: &Meeting<'_>, to: &str, name: &str, cancel_text: &str, lang: Lang) -> Email {
    let name = neutralise(name);
    let at = when_in(m.starts_at, m.time_zone, lang);
    let (subject, body) = match lang {
        Lang::En => (
            format!("Cancelled: {}", m.subject),
            format!(
                "Dear {name},\n\nThe appointment of {at} is cancelled; its link no longer works.\n\n{cancel_text}\n"
            ),
        ),
        Lang::Nl => (
            format!("Geannuleerd: {}", m.subject),
            format!(
                "Beste {name},\n\nDe afspraak van {at} is geannuleerd; de link werkt niet meer.\n\n{cancel_text}\n"
            ),
        ),
    };
    Email {
        to: to.into(),
        subject,
        body,
        attachments: vec![calendar_entry(m, "", cancel_text, true)],
    }
}

/// The invitation by SMS: the meeting's own `invitation_sms` text if it has one, then the time
/// and the link, which opens in the recipient's `lang` (a text message is read on the phone
/// that opens the link).
pub fn sms(m: &Meeting<'_>, to: &str, own_text: Option<&str>, url: &str, lang: Lang) -> Sms {
    let url = in_lang(url, lang);
    let at = when_in(m.starts_at, m.time_zone, lang);
    let lead = own_text.map(|t| format!("{t}\n")).unwrap_or_default();
    Sms {
        to: to.into(),
        text: format!("{lead}{}: {at}\n{url}", m.subject),
    }
}

/// The time changed, by SMS, in `lang`; the link opens in `lang`.
pub fn sms_changed(m: &Meeting<'_>, to: &str, url: &str, lang: Lang) -> Sms {
    let url = in_lang(url, lang);
    let at = when_in(m.starts_at, m.time_zone, lang);
    Sms {
        to: to.into(),
        text: match lang {
            Lang::Nl => format!("Gewijzigd: {}: nu {at}\n{url}", m.subject),
            _ => format!("Changed: {}: now {at}\n{url}", m.subject),
        },
    }
}

/// The meeting was cancelled, by SMS, in `lang`.
pub fn sms_cancelled(m: &Meeting<'_>, to: &str, lang: Lang) -> Sms {
    let at = when_in(m.starts_at, m.time_zone, lang);
    Sms {
        to: to.into(),
        text: match lang {
            Lang::Nl => format!("Geannuleerd: {} op {at}", m.subject),
            _ => format!("Cancelled: {} on {at}", m.subject),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn links_carry_the_language_after_any_query_and_before_a_fragment() {
        assert_eq!(
            in_lang("https://c.example/join/x", Lang::Nl),
            "https://c.example/join/x?lang=nl"
        );
        assert_eq!(
            in_lang("https://c.example/s?token=t", Lang::En),
            "https://c.example/s?token=t&lang=en"
        );
        assert_eq!(
            in_lang("https://c.example/r?k=1#top", Lang::Nl),
            "https://c.example/r?k=1&lang=nl#top"
        );
        let m = Meeting {
            id: "0123456789abcdef01234567",
            subject: "S",
            starts_at: Utc.with_ymd_and_hms(2025, 3, 18, 14, 15, 0).unwrap(),
            ends_at: Utc.with_ymd_and_hms(2025, 3, 18, 14, 45, 0).unwrap(),
            time_zone: "Europe/Amsterdam",
            text: "T",
            sequence: 0,
        };
        let links = GuestLinks {
            manage: Some("https://c.example/booking/x"),
            hardware_test: Some(("Test:", "https://c.example/check")),
        };
        let nl = guest(
            &m,
            "a@b.nl",
            "A",
            "https://c.example/join/x",
            Lang::Nl,
            &links,
        );
        for url in [
            "https://c.example/join/x?lang=nl\n",
            "https://c.example/booking/x?lang=nl\n",
            "https://c.example/check?lang=nl\n",
        ] {
            assert!(nl.body.contains(url), "{url} in {}", nl.body);
        }
        assert!(nl.attachments[0]
            .content
            .contains("URL:https://c.example/join/x?lang=nl"));
        let text = sms(
            &m,
            "+31600000000",
            None,
            "https://c.example/join/x",
            Lang::Nl,
        );
        assert!(
            text.text.ends_with("https://c.example/join/x?lang=nl"),
            "{}",
            text.text
        );
        let changed = changed(&m, "a@b.nl", "A", "https://c.example/join/x", "", Lang::En);
        assert!(changed.body.contains("https://c.example/join/x?lang=en\n"));
    }

    #[test]
    fn text_messages_speak_the_recipients_language() {
        let m = Meeting {
            id: "0123456789abcdef01234567",
            subject: "Afspraak",
            starts_at: Utc.with_ymd_and_hms(2025, 3, 18, 14, 15, 0).unwrap(),
            ends_at: Utc.with_ymd_and_hms(2025, 3, 18, 14, 45, 0).unwrap(),
            time_zone: "Europe/Amsterdam",
            text: "",
            sequence: 0,
        };
        let url = "https://c.example/join/x";
        assert_eq!(
            sms(&m, "+31611111111", None, url, Lang::Nl).text,
            "Afspraak: dinsdag 18 maart 2025, 15:15 (Europe/Amsterdam)\nhttps://c.example/join/x?lang=nl"
        );
        assert_eq!(
            sms_changed(&m, "+31611111111", url, Lang::Nl).text,
            "Gewijzigd: Afspraak: nu dinsdag 18 maart 2025, 15:15 (Europe/Amsterdam)\nhttps://c.example/join/x?lang=nl"
        );
        assert_eq!(
            sms_cancelled(&m, "+31611111111", Lang::Nl).text,
            "Geannuleerd: Afspraak op dinsdag 18 maart 2025, 15:15 (Europe/Amsterdam)"
        );
        assert_eq!(
            sms_cancelled(&m, "+31611111111", Lang::En).text,
            "Cancelled: Afspraak on Tuesday 18 March 2025, 15:15 (Europe/Amsterdam)"
        );
    }

    #[test]
    fn invitations_state_the_site_time_and_carry_the_link_and_calendar_file() {
        let m = Meeting {
            id: "0123456789abcdef01234567",
            subject: "Appointment: Clinic",
            // 14:15 UTC is 15:15 in Amsterdam in March (before the DST change).
            starts_at: Utc.with_ymd_and_hms(2025, 3, 18, 14, 15, 0).unwrap(),
            ends_at: Utc.with_ymd_and_hms(2025, 3, 18, 14, 45, 0).unwrap(),
            time_zone: "Europe/Amsterdam",
            text: "See you soon.",
            sequence: 0,
        };
        let nl = guest(
            &m,
            "ann@example.com",
            "Ann",
            "https://c.example/join/x",
            Lang::Nl,
            &GuestLinks {
                manage: Some("https://c.example/booking/x"),
                hardware_test: Some(("Test uw apparatuur:", "https://c.example/check")),
            },
        );
        assert!(nl
            .body
            .contains("Test uw apparatuur:\nhttps://c.example/check"));
        assert!(nl
            .body
            .contains("verzetten of annuleren:\nhttps://c.example/booking/x"));
        assert!(nl.body.starts_with("Beste Ann,"));
        assert!(nl
            .body
            .contains("dinsdag 18 maart 2025, 15:15 (Europe/Amsterdam)"));
        let london = Meeting {
            time_zone: "Europe/London",
            ..m.clone()
        };
        assert!(guest(
            &london,
            "a@b.nl",
            "Ann",
            "u",
            Lang::Nl,
            &GuestLinks::default()
        )
        .body
        .contains("dinsdag 18 maart 2025, 14:15 (Europe/London)"));
        let e = guest(
            &m,
            "ann@example.com",
            "Ann",
            "https://c.example/join/x",
            Lang::En,
            &GuestLinks::default(),
        );
        assert!(!e.body.contains("/booking/") && !e.body.contains("/check"));
        assert!(e
            .body
            .contains("Tuesday 18 March 2025, 15:15 (Europe/Amsterdam)"));
        assert!(e.body.contains("https://c.example/join/x"));
        assert_eq!(e.attachments.len(), 1);
        assert!(e.attachments[0]
            .content
            .contains("UID:0123456789abcdef01234567@consult"));
        assert!(e.attachments[0]
            .content
            .contains("DTSTART:20250318T141500Z"));
        let a = agent(
            &m,
            "dana@example.com",
            &["Ann", "Bob"],
            "https://c.example/join/y",
            Lang::En,
        );
        assert!(a.body.contains("with Ann and Bob"));
        let nl = agent(&m, "d@e.nl", &["Ann", "Bob"], "u", Lang::Nl);
        assert_eq!(nl.subject, "Gepland: Appointment: Clinic");
        assert!(nl
            .body
            .contains("met Ann en Bob staat gepland op dinsdag 18 maart 2025, 15:15"));
        assert!(a.attachments[0]
            .content
            .contains("URL:https://c.example/join/y"));
        assert_eq!(
            when(m.starts_at, "Not/AZone"),
            "Tuesday 18 March 2025, 14:15 (UTC)"
        );
    }
}
