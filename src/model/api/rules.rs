//! Input rules of the REST API, stated once: each is a regular expression that the validators
//! apply and the OpenAPI document publishes (a unit test in `server::api::openapi` checks the
//! document carries these exact patterns). The API never trims or repairs input: what the
//! schema calls invalid is refused, what it calls valid is accepted.

use crate::model::AppError;
use regex::Regex;
use std::sync::OnceLock;

/// An entity id: 24 lowercase hex digits.
pub const ID: &str = r"^[0-9a-f]{24}$";
/// A name: no leading or trailing white space, no control characters, no invisible
/// formatting characters (bidirectional overrides, zero-width characters; see
/// [`crate::model::person::is_invisible_format`]), length 1 to 100.
pub const NAME: &str = r"^[^\s\x00-\x1f\x7f-\x9f\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u206F\uFEFF](?:[^\x00-\x1f\x7f-\x9f\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u206F\uFEFF]*[^\s\x00-\x1f\x7f-\x9f\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u206F\uFEFF])?$";
/// Longest name, in characters.
pub const NAME_MAX: usize = 100;
/// An e-mail address (ASCII, dotted domain; at most 254 characters).
pub const EMAIL: &str = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$";
/// Longest e-mail address.
pub const EMAIL_MAX: usize = 254;
/// A phone number in E.164 form.
pub const PHONE: &str = r"^\+[1-9][0-9]{7,14}$";
/// A colour, `#rrggbb`.
pub const COLOR: &str = r"^#[0-9A-Fa-f]{6}$";
/// A CSS font-family list.
pub const FONT: &str = r#"^[A-Za-z0-9][A-Za-z0-9 ,'"_-]{0,99}$"#;
/// A longer text (e-mail texts, invitations): no control characters but tab and new lines.
pub const TEXT: &str = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$";
/// Longest text, in characters.
pub const TEXT_MAX: usize = 2000;
/// A web origin, lower case, `http(s)://host[:port]`.
pub const ORIGIN: &str = r"^https?://(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:]+\])(?::(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?$";
/// A base64-encoded PNG or JPEG image (standard alphabet, padded).
pub const BASE64: &str =
    r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$";
/// A base64-encoded PNG or JPEG, or empty (on a change: remove the image).
pub const BASE64_OR_EMPTY: &str =
    r"^(?:(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4}))?$";
/// Largest decoded image, in bytes.
pub const IMAGE_MAX_BYTES: usize = 512 * 1024;
/// Password policy (also checked in code: at least 8 characters, one lower case letter, one
/// upper case letter and one digit; at most 128 characters).
pub const PASSWORD: &str = r"^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9]).{8,128}$";

/// A local clock time, `HH:MM`; `24:00` ends a day.
pub const CLOCK: &str = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$";
/// A calendar date, `YYYY-MM-DD`.
pub const DATE: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

/// A web page address (`http(s)://…`, printable ASCII, at most 500 characters), or empty.
pub const PAGE_URL: &str = r"^(?:https?://[!-~]{1,492})?$";
/// Where a form booking came from, as listed: 16 hex digits, or `-` when unknown.
pub const SOURCE: &str = r"^(?:[0-9a-f]{16}|-)$";
/// A country calling code, `+` and one to three digits.
pub const CALLING_CODE: &str = r"^\+[1-9][0-9]{0,2}$";

fn compiled(pattern: &'static str, cell: &'static OnceLock<Regex>) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("rule patterns are valid"))
}

macro_rules! rule {
    ($fn:ident, $pattern:ident) => {
        fn $fn() -> &'static Regex {
            static CELL: OnceLock<Regex> = OnceLock::new();
            compiled($pattern, &CELL)
        }
    };
}

/// A rule that is its pattern alone: the check refuses what the pattern does not match.
macro_rules! pattern_rule {
    ($(#[$doc:meta])* $fn:ident, $pattern:ident, $reason:expr) => {
        $(#[$doc])*
        pub fn $fn(field: &str, value: &str) -> Result<(), AppError> {
            static CELL: OnceLock<Regex> = OnceLock::new();
            if compiled($pattern, &CELL).is_match(value) {
                Ok(())
            } else {
                Err(AppError::invalid(field, $reason))
            }
        }
    };
}

pattern_rule!(
    /// Check a booking source.
    source,
    SOURCE,
    "must be a source as listed (16 hex digits, or -)"
);

/// Check a page address (empty means none).
pub fn page_url(field: &str, value: &str) -> Result<(), AppError> {
    static CELL: OnceLock<Regex> = OnceLock::new();
    if compiled(PAGE_URL, &CELL).is_match(value) && bracketed_host_ok(value) {
        Ok(())
    } else {
        Err(AppError::invalid(
            field,
            "must be empty or a web address like https://www.example.com/privacy (at most 500 characters, spaces and non-ASCII characters percent-encoded)",
        ))
    }
}

pattern_rule!(
    /// Check a country calling code.
    calling_code,
    CALLING_CODE,
    "must be a country calling code like +31"
);

pattern_rule!(
    /// Check a phone number.
    phone,
    PHONE,
    "must be a phone number in E.164 form, e.g. +31612345678"
);

pattern_rule!(
    /// Check a colour.
    color,
    COLOR,
    "must be a colour like #1a2b3c"
);

pattern_rule!(
    /// Check a font-family list.
    font,
    FONT,
    "must be a font family list like \"Roboto, sans-serif\""
);

/// Is the host of this address (`scheme://host…`) well formed where a pattern cannot tell:
/// brackets only around a real IPv6 address (`[2001:db8::1]`), never elsewhere in the host?
/// A reader that parses addresses strictly (browsers, Python's `urlsplit`) would otherwise
/// choke on one we accepted and echo back.
pub fn bracketed_host_ok(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return true;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if !host.contains(['[', ']']) {
        return true;
    }
    let Some(inner) = host.strip_prefix('[') else {
        return false;
    };
    let Some((address, after)) = inner.split_once(']') else {
        return false;
    };
    address.parse::<std::net::Ipv6Addr>().is_ok()
        && (after.is_empty() || after.starts_with(':'))
        && !after.contains(['[', ']'])
}

/// Check a web origin.
pub fn origin(field: &str, value: &str) -> Result<(), AppError> {
    static CELL: OnceLock<Regex> = OnceLock::new();
    if compiled(ORIGIN, &CELL).is_match(value) && bracketed_host_ok(value) {
        Ok(())
    } else {
        Err(AppError::invalid(
            field,
            "must be an origin like https://www.example.com",
        ))
    }
}

rule!(name_re, NAME);
#[cfg(test)]
rule!(email_re, EMAIL);
rule!(text_re, TEXT);
rule!(base64_re, BASE64);

/// Minutes after local midnight of an `HH:MM` time (`24:00` is 1440).
pub fn clock(field: &str, value: &str) -> Result<u16, AppError> {
    let bad = || AppError::invalid(field, "must be a time HH:MM, 00:00 to 24:00");
    let (h, m) = value.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    match (h, m) {
        (24, 0) => Ok(1440),
        (0..=23, 0..=59) => Ok(h * 60 + m),
        _ => Err(bad()),
    }
}

/// A `YYYY-MM-DD` date that exists.
pub fn date(field: &str, value: &str) -> Result<chrono::NaiveDate, AppError> {
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .filter(|_| value.len() == 10)
        .ok_or_else(|| AppError::invalid(field, "must be a date YYYY-MM-DD"))
}

/// Check an optional value with a rule.
pub fn opt(
    field: &str,
    v: &Option<String>,
    rule: fn(&str, &str) -> Result<(), AppError>,
) -> Result<(), AppError> {
    match v {
        Some(v) => rule(field, v),
        None => Ok(()),
    }
}

/// Check an id (a malformed one names nothing that exists: 404).
pub fn id(field: &str, value: &str, what: &str) -> Result<(), AppError> {
    // The model's rule ([`ID`] publishes it).
    if crate::model::ids::is_entity_id(value) {
        Ok(())
    } else {
        Err(AppError::not_found(what).with_field(field))
    }
}

/// Check a name.
pub fn name(field: &str, value: &str) -> Result<(), AppError> {
    let n = value.chars().count();
    if n == 0 || n > NAME_MAX || !name_re().is_match(value) {
        return Err(AppError::invalid(
            field,
            format!("must be 1 to {NAME_MAX} characters, without control, invisible or text-direction characters or surrounding spaces"),
        ));
    }
    Ok(())
}

/// Check an e-mail address: the widget's rule ([`crate::model::person::is_email`]), exactly
/// as given (the API never trims); [`EMAIL`] publishes it.
pub fn email(field: &str, value: &str) -> Result<(), AppError> {
    if !crate::model::person::is_email(value) {
        return Err(AppError::invalid(field, "must be an e-mail address"));
    }
    Ok(())
}

/// A font list as stored: with a generic family at the end (`Roboto` becomes
/// `Roboto,sans-serif`), so the browser always has a fallback.
pub fn font_with_fallback(value: &str) -> String {
    const GENERIC: [&str; 6] = [
        "serif",
        "sans-serif",
        "monospace",
        "cursive",
        "fantasy",
        "system-ui",
    ];
    let has_generic = value.split(',').any(|f| {
        GENERIC.contains(
            &f.trim()
                .trim_matches(['"', '\''])
                .to_ascii_lowercase()
                .as_str(),
        )
    });
    if has_generic {
        value.to_string()
    } else {
        format!("{},sans-serif", value.trim_end())
    }
}

/// Check a longer text.
pub fn text(field: &str, value: &str) -> Result<(), AppError> {
    if value.chars().count() > TEXT_MAX || !text_re().is_match(value) {
        return Err(AppError::invalid(
            field,
            format!("must be at most {TEXT_MAX} characters, without control characters"),
        ));
    }
    Ok(())
}

/// Check the password policy.
pub fn password(field: &str, value: &str) -> Result<(), AppError> {
    let n = value.chars().count();
    let ok = (8..=128).contains(&n)
        && value.chars().any(|c| c.is_ascii_lowercase())
        && value.chars().any(|c| c.is_ascii_uppercase())
        && value.chars().any(|c| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(
            field,
            "must be 8 to 128 characters with at least one lower case letter, one upper case letter and one digit",
        ))
    }
}

/// An image as stored: its bytes and media type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    /// `image/png` or `image/jpeg`.
    pub media_type: &'static str,
    /// The decoded bytes.
    pub bytes: Vec<u8>,
}

/// Decode and check a base64 PNG or JPEG of at most [`IMAGE_MAX_BYTES`].
pub fn image(field: &str, value: &str) -> Result<Image, AppError> {
    use base64::Engine;
    let bad = || AppError::invalid(field, "must be a base64-encoded PNG or JPEG image");
    if !base64_re().is_match(value) || value.is_empty() {
        return Err(bad());
    }
    if value.len() / 4 * 3 > IMAGE_MAX_BYTES + 3 {
        return Err(AppError::invalid(
            field,
            format!("images can be at most {} KiB", IMAGE_MAX_BYTES / 1024),
        ));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value)
        .map_err(|_| bad())?;
    if bytes.len() > IMAGE_MAX_BYTES {
        return Err(AppError::invalid(
            field,
            format!("images can be at most {} KiB", IMAGE_MAX_BYTES / 1024),
        ));
    }
    image_bytes(field, bytes, IMAGE_MAX_BYTES).map_err(|_| bad())
}

/// Check an image's bytes: a PNG or JPEG (told by its bytes, never by a name or a stated
/// type) of at most `max` bytes.
pub fn image_bytes(field: &str, bytes: Vec<u8>, max: usize) -> Result<Image, AppError> {
    if bytes.len() > max {
        return Err(AppError::invalid(
            field,
            format!("images can be at most {} kB", max / 1000),
        ));
    }
    let media_type =
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 24 && &bytes[12..16] == b"IHDR"
        {
            "image/png"
        } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) && bytes.ends_with(&[0xff, 0xd9]) {
            "image/jpeg"
        } else {
            return Err(AppError::invalid(field, "must be a PNG or JPEG image"));
        };
    Ok(Image { media_type, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_not_trimmed_but_refused() {
        assert!(name("n", "Ada Lovelace").is_ok());
        assert!(name("n", "Zoë").is_ok());
        assert!(name("n", "A").is_ok());
        for bad in ["", " Ada", "Ada ", "\tAda", "A\u{0}b", &"x".repeat(101)] {
            assert_eq!(
                name("n", bad).unwrap_err().field.as_deref(),
                Some("n"),
                "{bad:?}"
            );
        }
        assert!(name("n", &"é".repeat(100)).is_ok());
        // Right-to-left scripts are names like any other; the characters that reorder or
        // hide text are not.
        assert!(name("n", "دانا").is_ok());
        for bad in [
            "Ada\u{202E}gnp.exe",
            "Ada\u{2066}x\u{2069}",
            "A\u{200B}da",
            "\u{FEFF}Ada",
            "Ada\u{200F}",
            "A\u{2060}da",
        ] {
            assert!(name("n", bad).is_err(), "{bad:?}");
            assert!(
                crate::model::person::PersonName::parse(bad).is_err(),
                "{bad:?}"
            );
            assert!(!crate::model::person::neutralise(bad)
                .chars()
                .any(crate::model::person::is_invisible_format));
        }
    }

    #[test]
    fn the_published_email_pattern_is_the_widgets_rule() {
        let long_label = format!("a@{}.nl", "b".repeat(64));
        let long = format!("{}@b.nl", "a".repeat(250));
        for case in [
            "a@b.nl",
            "A.B+c@Sub.Example.CO",
            "x!#$%&'*+/=?^_`{|}~-y@d.io",
            "a@1.2",
            "",
            "a",
            "a@b",
            " a@b.nl",
            "a@b.nl ",
            "a..b@c.nl",
            ".a@b.nl",
            "a.@b.nl",
            "a@-b.nl",
            "a@b-.nl",
            "é@b.nl",
            "a@bücher.de",
            "a@b..nl",
            "a b@c.nl",
            "a@b@c.nl",
            long_label.as_str(),
            long.as_str(),
        ] {
            let by_pattern = case.len() <= EMAIL_MAX && email_re().is_match(case);
            assert_eq!(
                by_pattern,
                crate::model::person::is_email(case),
                "{case:?}: the pattern and the rule disagree"
            );
        }
    }

    #[test]
    fn emails_and_phones() {
        assert!(email("e", "developer@weseedo.nl").is_ok());
        assert!(email("e", "a.b+c@sub.example.co").is_ok());
        for bad in [
            "",
            "a",
            "a@b",
            " a@b.nl",
            "a@b.nl ",
            "a..b@c.nl",
            ".a@b.nl",
            "a@-b.nl",
            "é@b.nl",
        ] {
            assert!(email("e", bad).is_err(), "{bad:?}");
        }
        assert!(phone("p", "+31612345678").is_ok());
        for bad in [
            "0612345678",
            "+31 6 12345678",
            "+0123456789",
            "+1234567",
            "+1234567890123456",
        ] {
            assert!(phone("p", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_rest() {
        assert!(color("c", "#000000").is_ok() && color("c", "#00000").is_err());
        assert!(font("f", "Roboto,sans-serif").is_ok() && font("f", "a;b").is_err());
        assert_eq!(font_with_fallback("Roboto"), "Roboto,sans-serif");
        assert_eq!(font_with_fallback("Georgia, serif"), "Georgia, serif");
        assert!(text("t", "Dear customer,\nsee you soon!").is_ok() && text("t", "a\u{1}").is_err());
        assert!(origin("o", "https://[2001:db8::1]:8443").is_ok());
        for bad in [
            "https://[7af8]",
            "https://[::1",
            "https://a[1]",
            "https://[::1]x",
        ] {
            assert!(origin("o", bad).is_err(), "{bad}");
        }
        assert!(page_url("p", "https://[::1]/privacy").is_ok());
        assert!(page_url("p", "http://[7af8]/privacy").is_err());
        assert!(page_url("p", "https://example.com/a[1]").is_ok());
        assert!(origin("o", "https://www.example.com").is_ok());
        assert!(origin("o", "http://127.0.0.1:8081").is_ok());
        assert!(origin("o", "http://[::1]:65535").is_ok());
        for bad in [
            "https://Example.com",
            "https://a.com/",
            "ftp://a.com",
            "https://a.com:65536",
            "https://a.com:0",
        ] {
            assert!(origin("o", bad).is_err(), "{bad}");
        }
        assert!(password("p", "StrongPassword123!").is_ok());
        for bad in ["Short1a", "alllowercase1", "ALLUPPERCASE1", "NoDigitsHere"] {
            assert!(password("p", bad).is_err(), "{bad}");
        }
        assert!(id("i", "5f0dda72990b490eec31cb40", "dealer").is_ok());
        assert_eq!(id("i", "nope", "dealer").unwrap_err().status, 404);
    }

    #[test]
    fn images_are_decoded_and_sniffed() {
        use base64::Engine;
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&[0; 20]);
        assert_eq!(image("photo", &b64(&png)).unwrap().media_type, "image/png");
        let jpeg = [0xff, 0xd8, 0xff, 0xe0, 0, 0, 0xff, 0xd9];
        assert_eq!(
            image("photo", &b64(&jpeg)).unwrap().media_type,
            "image/jpeg"
        );
        assert!(image("photo", &b64(b"GIF89a....")).is_err());
        assert!(image("photo", "not base64!").is_err());
        assert!(image("photo", "").is_err());
        let huge = vec![0xffu8; IMAGE_MAX_BYTES + 10];
        assert!(image("photo", &b64(&huge))
            .unwrap_err()
            .message
            .contains("KiB"));
    }
}
