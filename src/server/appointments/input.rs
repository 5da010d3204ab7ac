//! The body of a create or a change, read the way the seed's integrators send it: form-encoded
//! (`claimant[name]` keys, booleans as `'true'`/`'false'`, numbers as strings, empty strings
//! for none) or JSON (a `claimant` object, real booleans and numbers, `null` or `""` for
//! none). Every field is checked and every wrong one named, Laravel's way: a map from the field
//! (`claimant.name` for `claimant[name]`) to its messages.

use crate::model::appointment::Bandwidth;
use crate::model::person::{Email, PersonName, Phone};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use std::collections::BTreeMap;

/// What was wrong, field by field.
pub type Errors = BTreeMap<String, Vec<String>>;

/// The fields the API knows: the seed's, and Consult's extensions (`agent`, `locale`,
/// `time_zone`). Anything else is refused (a misspelt flag would otherwise be silently lost).
pub const FIELDS: &[&str] = &[
    "reference",
    "appointment_at",
    "duration_in_minutes",
    "is_interpreter_needed",
    "interpreter_language",
    "department",
    "agent",
    "locale",
    "time_zone",
    "claimant.name",
    "claimant.date_of_birth",
    "claimant.phone_number",
    "claimant.email",
    "features_call_recording_enable",
    "features_breakout_room_enable",
    "features_webcam_access_agent_enable",
    "features_webcam_access_claimant_enable",
    "features_webcam_background_blurring_enable",
    "features_microphone_access_enable",
    "features_screen_sharing_enable",
    "features_messages_chat_enable",
    "features_participant_list_enable",
    "features_bandwidth",
    "use_custom_post_call_redirect",
    "custom_user_post_call_redirect_url",
    "custom_agent_post_call_redirect_url",
];

/// Shortest and longest appointment, in minutes.
pub const DURATION: std::ops::RangeInclusive<i64> = 5..=480;

/// A body as fields: the name (dotted) and its value (`None`: empty or null, i.e. none).
pub type Fields = BTreeMap<String, Option<String>>;

/// A form-encoded body as fields. A key given twice keeps the last, as PHP does.
pub fn from_form(body: &[u8]) -> Fields {
    form_urlencoded::parse(body)
        .map(|(k, v)| (dotted(&k), Some(v.into_owned()).filter(|v| !v.is_empty())))
        .collect()
}

/// A JSON body as fields; `Err` when it is not a JSON object.
pub fn from_json(body: &[u8]) -> Result<Fields, String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("The body is not valid JSON: {e}"))?;
    let serde_json::Value::Object(map) = value else {
        return Err("The body must be a JSON object.".into());
    };
    let mut out = Fields::new();
    for (k, v) in map {
        let k = dotted(&k);
        match v {
            serde_json::Value::Object(inner) => {
                for (ik, iv) in inner {
                    out.insert(format!("{k}.{ik}"), scalar(iv));
                }
            }
            v => {
                out.insert(k, scalar(v));
            }
        }
    }
    Ok(out)
}

/// A JSON value as the text a form would carry (an array or object becomes a value no rule
/// accepts, so it is named as wrong, not dropped).
fn scalar(v: serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) if s.is_empty() => None,
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        other => Some(format!("\u{0}{other}")),
    }
}

/// `claimant[name]` → `claimant.name`.
fn dotted(key: &str) -> String {
    match key.split_once('[') {
        Some((head, rest)) if rest.ends_with(']') => {
            format!("{head}.{}", &rest[..rest.len() - 1])
        }
        _ => key.to_string(),
    }
}

/// The field's name as Laravel's messages say it: `duration in minutes`, `claimant.name`.
fn words(field: &str) -> String {
    field.replace('_', " ")
}

/// A field as given: absent (`None`), given empty (`Some(None)`), given (`Some(Some(v))`).
pub type Given<T> = Option<Option<T>>;

/// The checked fields of a body; each absent unless the body had it.
#[derive(Clone, Debug, Default)]
pub struct Input {
    /// `reference`.
    pub reference: Given<String>,
    /// `appointment_at`.
    pub appointment_at: Given<DateTime<Utc>>,
    /// `duration_in_minutes`.
    pub duration: Given<u32>,
    /// `is_interpreter_needed`.
    pub interpreter_needed: Given<bool>,
    /// `interpreter_language`.
    pub interpreter_language: Given<String>,
    /// `department`.
    pub department: Given<String>,
    /// `agent` (Consult): a user id.
    pub agent: Given<String>,
    /// `locale` (Consult): `en` or `nl`.
    pub locale: Given<String>,
    /// `time_zone` (Consult): an IANA zone.
    pub time_zone: Given<String>,
    /// `claimant.name`.
    pub claimant_name: Given<String>,
    /// `claimant.date_of_birth`.
    pub claimant_birth_date: Given<String>,
    /// `claimant.phone_number`, E.164.
    pub claimant_phone: Given<String>,
    /// `claimant.email`.
    pub claimant_email: Given<String>,
    /// `features_…_enable`, by the word between.
    pub flags: BTreeMap<&'static str, Given<bool>>,
    /// `features_bandwidth`.
    pub bandwidth: Given<Bandwidth>,
    /// `use_custom_post_call_redirect`.
    pub redirect_custom: Given<bool>,
    /// `custom_user_post_call_redirect_url`.
    pub redirect_user_url: Given<String>,
    /// `custom_agent_post_call_redirect_url`.
    pub redirect_agent_url: Given<String>,
}

/// The feature flags, by the word in `features_{word}_enable`.
pub const FLAGS: &[&str] = &[
    "call_recording",
    "breakout_room",
    "webcam_access_agent",
    "webcam_access_claimant",
    "webcam_background_blurring",
    "microphone_access",
    "screen_sharing",
    "messages_chat",
    "participant_list",
];

impl Input {
    /// The flag `features_{word}_enable`, if given (given empty counts as not given).
    pub fn flag(&self, word: &str) -> Option<bool> {
        self.flags.get(word).copied().flatten().flatten()
    }
}

/// The fields a create must have, and a change may not empty.
pub const REQUIRED: &[&str] = &[
    "reference",
    "appointment_at",
    "duration_in_minutes",
    "claimant.name",
];

/// How far ahead an appointment may be: a year (its room lives no longer ahead).
pub const FURTHEST_DAYS: i64 = 365;

/// Check every field of `fields` (`now` judges "in the past"): for a create (`creating`) the
/// required ones must be there, for a change they may not be emptied. All that is wrong comes
/// back together.
pub fn check(fields: &Fields, now: DateTime<Utc>, creating: bool) -> Result<Input, Errors> {
    let mut errors = Errors::new();
    let mut fail = |field: &str, message: String| {
        errors.entry(field.to_string()).or_default().push(message);
    };
    for key in fields.keys() {
        if !FIELDS.contains(&key.as_str()) {
            let shown: String = key.chars().take(60).collect();
            fail(
                &shown,
                format!("The {} field is prohibited.", words(&shown)),
            );
        }
    }
    let mut input = Input::default();
    let get = |name: &str| -> Given<&str> { fields.get(name).map(|v| v.as_deref()) };
    for field in REQUIRED {
        match get(field) {
            None if creating => fail(field, format!("The {} field is required.", words(field))),
            Some(None) => fail(field, format!("The {} field is required.", words(field))),
            _ => {}
        }
    }

    input.reference = text(get("reference"), "reference", 100, &mut fail);
    input.interpreter_language = text(
        get("interpreter_language"),
        "interpreter_language",
        50,
        &mut fail,
    );
    input.department = text(get("department"), "department", 100, &mut fail);

    input.appointment_at = get("appointment_at").map(|v| {
        v.and_then(|v| match parse_instant(v) {
            Some(t) if t <= now => {
                fail(
                    "appointment_at",
                    "The appointment at field must be a date after now.".into(),
                );
                None
            }
            Some(t) if t > now + chrono::Duration::days(FURTHEST_DAYS) => {
                fail(
                    "appointment_at",
                    "The appointment at field must be a date within a year.".into(),
                );
                None
            }
            Some(t) => Some(t),
            None => {
                fail(
                    "appointment_at",
                    "The appointment at field must be a valid date (YYYY-MM-DDTHH:MM:SS, UTC \
                     unless an offset is given)."
                        .into(),
                );
                None
            }
        })
    });
    input.duration = get("duration_in_minutes").map(|v| {
        v.and_then(|v| match v.trim().parse::<i64>() {
            Ok(n) if DURATION.contains(&n) => Some(n as u32),
            Ok(_) => {
                fail(
                    "duration_in_minutes",
                    format!(
                        "The duration in minutes field must be between {} and {}.",
                        DURATION.start(),
                        DURATION.end()
                    ),
                );
                None
            }
            Err(_) => {
                fail(
                    "duration_in_minutes",
                    "The duration in minutes field must be an integer.".into(),
                );
                None
            }
        })
    });
    input.interpreter_needed = boolean(
        get("is_interpreter_needed"),
        "is_interpreter_needed",
        &mut fail,
    );
    input.redirect_custom = boolean(
        get("use_custom_post_call_redirect"),
        "use_custom_post_call_redirect",
        &mut fail,
    );
    for word in FLAGS {
        let field = format!("features_{word}_enable");
        let given = boolean(get(&field), &field, &mut fail);
        input.flags.insert(word, given);
    }
    input.bandwidth = get("features_bandwidth").map(|v| {
        v.and_then(|v| {
            let b = Bandwidth::parse(v);
            if b.is_none() {
                fail(
                    "features_bandwidth",
                    "The selected features bandwidth is invalid (low, medium, high, or empty)."
                        .into(),
                );
            }
            b
        })
    });
    input.agent = get("agent").map(|v| {
        v.and_then(|v| {
            let ok = v.len() == 24 && v.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
            if !ok {
                fail(
                    "agent",
                    "The agent field must be a user id (24 hex digits).".into(),
                );
            }
            ok.then(|| v.to_string())
        })
    });
    input.locale = get("locale").map(|v| {
        v.and_then(|v| {
            let ok = matches!(v, "en" | "nl");
            if !ok {
                fail("locale", "The selected locale is invalid (en, nl).".into());
            }
            ok.then(|| v.to_string())
        })
    });
    input.time_zone = get("time_zone").map(|v| {
        v.and_then(|v| {
            let ok = crate::server::availability::parse_zone(v).is_some();
            if !ok {
                fail(
                    "time_zone",
                    "The time zone field must be a valid zone, like Europe/London.".into(),
                );
            }
            ok.then(|| v.to_string())
        })
    });

    input.claimant_name = get("claimant.name").map(|v| {
        v.and_then(|v| match PersonName::parse(v) {
            Ok(n) => Some(n.as_str().to_string()),
            Err(e) => {
                fail(
                    "claimant.name",
                    format!("The claimant.name field is invalid: {}", e.message),
                );
                None
            }
        })
    });
    input.claimant_birth_date = get("claimant.date_of_birth").map(|v| {
        v.and_then(|v| {
            let date = NaiveDate::parse_from_str(v, "%Y-%m-%d").ok().filter(|d| {
                v.len() == 10
                    && *d < now.date_naive()
                    && d.format("%Y").to_string().as_str() >= "1900"
            });
            if date.is_none() {
                fail(
                    "claimant.date_of_birth",
                    "The claimant.date of birth field must be a date before today (YYYY-MM-DD)."
                        .into(),
                );
            }
            date.map(|d| d.format("%Y-%m-%d").to_string())
        })
    });
    input.claimant_phone = get("claimant.phone_number").map(|v| {
        v.and_then(|v| match Phone::parse(v) {
            Ok(p) => Some(p.as_str().to_string()),
            Err(_) => {
                fail(
                    "claimant.phone_number",
                    "The claimant.phone number field must be a phone number in international \
                     form, like +442071234567."
                        .into(),
                );
                None
            }
        })
    });
    input.claimant_email = get("claimant.email").map(|v| {
        v.and_then(|v| match Email::parse(v) {
            Ok(e) => Some(e.as_str().to_string()),
            Err(_) => {
                fail(
                    "claimant.email",
                    "The claimant.email field must be a valid email address.".into(),
                );
                None
            }
        })
    });
    for (field, slot) in [
        (
            "custom_user_post_call_redirect_url",
            &mut input.redirect_user_url,
        ),
        (
            "custom_agent_post_call_redirect_url",
            &mut input.redirect_agent_url,
        ),
    ] {
        *slot = get(field).map(|v| {
            v.and_then(|v| {
                let ok = is_https_url(v);
                if !ok {
                    fail(
                        field,
                        format!(
                            "The {} field must be an https address (at most 2000 characters).",
                            words(field)
                        ),
                    );
                }
                ok.then(|| v.to_string())
            })
        });
    }
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(errors)
    }
}

/// Text of at most `max` characters, without control characters.
fn text(
    given: Given<&str>,
    field: &str,
    max: usize,
    fail: &mut impl FnMut(&str, String),
) -> Given<String> {
    given.map(|v| {
        v.and_then(|v| {
            let v = v.trim();
            if v.chars().count() > max {
                fail(
                    field,
                    format!(
                        "The {} field must not be greater than {max} characters.",
                        words(field)
                    ),
                );
                return None;
            }
            if v.chars().any(|c| {
                c.is_control() || crate::model::person::is_invisible_format(c) || c == '\u{0}'
            }) {
                fail(
                    field,
                    format!(
                        "The {} field must be text without control characters.",
                        words(field)
                    ),
                );
                return None;
            }
            (!v.is_empty()).then(|| v.to_string())
        })
    })
}

/// Laravel's `boolean`: true, false, 1, 0, "1", "0", "true", "false".
fn boolean(given: Given<&str>, field: &str, fail: &mut impl FnMut(&str, String)) -> Given<bool> {
    given.map(|v| {
        v.and_then(|v| match v {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => {
                fail(
                    field,
                    format!("The {} field must be true or false.", words(field)),
                );
                None
            }
        })
    })
}

/// An instant as the seed writes it: `2025-08-19T16:50:00.000000` (UTC, as its answer's `Z`
/// says), with or without fractions, `Z` or an offset; a space may stand for the `T`.
pub fn parse_instant(v: &str) -> Option<DateTime<Utc>> {
    let v = v.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Some(t.with_timezone(&Utc));
    }
    let naive = v.replacen(' ', "T", 1);
    NaiveDateTime::parse_from_str(&naive, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(&naive, "%Y-%m-%dT%H:%M"))
        .ok()
        .map(|t| t.and_utc())
}

/// An `https://host…` address of at most 2000 printable ASCII characters.
pub fn is_https_url(v: &str) -> bool {
    let Some(rest) = v.strip_prefix("https://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    v.len() <= 2000
        && !host.is_empty()
        && !host.contains('@')
        && v.bytes().all(|b| b.is_ascii_graphic())
        && crate::model::api::rules::bracketed_host_ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tests' "now": fixed, so their dates stay in range.
    fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2030-06-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    /// The seed's example body, as `requests` form-encodes it (with a future date).
    pub const SEED_FORM: &str = "reference=SXW5qOJBYeIEf0G&appointment_at=2030-08-19T16%3A50%3A00.000000&duration_in_minutes=30&is_interpreter_needed=false&interpreter_language=&department=&claimant%5Bname%5D=John+Doe&claimant%5Bdate_of_birth%5D=1990-01-01&claimant%5Bphone_number%5D=%2B442071234567&claimant%5Bemail%5D=test%40test.com&features_call_recording_enable=false&features_breakout_room_enable=false&features_webcam_access_agent_enable=true&features_webcam_access_claimant_enable=true&features_webcam_background_blurring_enable=false&features_microphone_access_enable=true&features_screen_sharing_enable=false&features_messages_chat_enable=false&features_participant_list_enable=false&features_bandwidth=&use_custom_post_call_redirect=false&custom_user_post_call_redirect_url=&custom_agent_post_call_redirect_url=https%3A%2F%2Fwww.sampleurl.co.uk";

    #[test]
    fn the_seeds_form_body_is_read_whole() {
        let fields = from_form(SEED_FORM.as_bytes());
        let input = check(&fields, at(), true).unwrap();
        assert_eq!(input.reference, Some(Some("SXW5qOJBYeIEf0G".into())));
        assert_eq!(input.duration, Some(Some(30)));
        assert_eq!(input.interpreter_needed, Some(Some(false)));
        assert_eq!(input.interpreter_language, Some(None));
        assert_eq!(input.claimant_name, Some(Some("John Doe".into())));
        assert_eq!(input.claimant_phone, Some(Some("+442071234567".into())));
        assert_eq!(input.flag("webcam_access_agent"), Some(true));
        assert_eq!(input.flag("screen_sharing"), Some(false));
        assert_eq!(input.bandwidth, Some(None));
        assert_eq!(
            input.redirect_agent_url,
            Some(Some("https://www.sampleurl.co.uk".into()))
        );
        assert_eq!(
            input.appointment_at.unwrap().unwrap().to_rfc3339(),
            "2030-08-19T16:50:00+00:00"
        );
    }

    #[test]
    fn json_bodies_say_the_same_in_their_own_types() {
        let json =
            br#"{"reference":"R1","appointment_at":"2030-07-02T03:04:05Z","duration_in_minutes":45,
            "is_interpreter_needed":true,"interpreter_language":"Polish",
            "claimant":{"name":"Jan","email":"jan@example.com","phone_number":null},
            "features_bandwidth":"low"}"#;
        let input = check(&from_json(json).unwrap(), at(), false).unwrap();
        assert_eq!(input.duration, Some(Some(45)));
        assert_eq!(input.interpreter_needed, Some(Some(true)));
        assert_eq!(input.claimant_phone, Some(None));
        assert_eq!(input.bandwidth, Some(Some(Bandwidth::Low)));
        assert!(from_json(b"[1]").is_err());
        assert!(from_json(b"{").is_err());
    }

    #[test]
    fn every_wrong_field_is_named() {
        let body = "appointment_at=2001-01-01T00:00:00&duration_in_minutes=2&claimant%5Bphone_number%5D=12&claimant%5Bemail%5D=nope&claimant%5Bdate_of_birth%5D=2999-01-01&custom_user_post_call_redirect_url=http%3A%2F%2Fexample.com&features_bandwith=low&is_interpreter_needed=maybe";
        let errors = check(&from_form(body.as_bytes()), at(), false).unwrap_err();
        let fields: Vec<_> = errors.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "appointment_at",
                "claimant.date_of_birth",
                "claimant.email",
                "claimant.phone_number",
                "custom_user_post_call_redirect_url",
                "duration_in_minutes",
                "features_bandwith",
                "is_interpreter_needed",
            ]
        );
        let json = check(
            &from_json(br#"{"duration_in_minutes":[1],"reference":{"a":1}}"#).unwrap(),
            at(),
            true,
        )
        .unwrap_err();
        assert!(json.contains_key("duration_in_minutes"), "{json:?}");
        assert!(json.contains_key("reference.a"), "{json:?}");
    }

    #[test]
    fn instants_and_addresses() {
        for ok in [
            "2030-01-01T10:00:00",
            "2030-01-01T10:00:00.000000",
            "2030-01-01T10:00:00.000000Z",
            "2030-01-01T12:00:00+02:00",
            "2030-01-01 10:00:00",
            "2030-01-01T10:00",
        ] {
            assert_eq!(
                parse_instant(ok).map(|t| t.to_rfc3339()),
                Some("2030-01-01T10:00:00+00:00".into()),
                "{ok}"
            );
        }
        for bad in ["", "2030-13-01T10:00:00", "tomorrow", "2030-01-01"] {
            assert_eq!(parse_instant(bad), None, "{bad}");
        }
        assert!(is_https_url("https://www.sampleurl.co.uk"));
        assert!(is_https_url("https://a.example/after?x=1#y"));
        for bad in [
            "http://a.example",
            "https://",
            "javascript:alert(1)",
            "https://a b",
            "https://user@evil.example",
            "https://[7af8]/x",
        ] {
            assert!(!is_https_url(bad), "{bad}");
        }
    }
}
