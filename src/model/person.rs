//! Validated personal details. The same `parse` runs in the browser (to show errors next to
//! the field at once) and on the server (which never trusts the browser).

use super::AppError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Characters that show nothing yet change how the text around them reads: the bidirectional
/// embeddings, overrides and isolates (which can make "gnp.exe" read as "exe.png"), the
/// direction marks, and zero-width characters (which make two names that look the same
/// differ). A name shown to others (the lobby, the console, e-mails) may not contain them.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{FEFF}')
}

/// `text` without [`is_invisible_format`] characters: for names stored before they were
/// refused, wherever they are shown to someone else.
pub fn neutralise(text: &str) -> String {
    text.chars().filter(|c| !is_invisible_format(*c)).collect()
}

/// A person's name as they typed it: trimmed, 1 to 100 characters, no control characters,
/// no invisible formatting characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

impl PersonName {
    /// Maximum length in characters.
    pub const MAX: usize = 100;

    /// Validate a name; the error names the field `name`.
    pub fn parse(s: &str) -> Result<Self, AppError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(AppError::invalid("name", "Please enter your name."));
        }
        if s.chars().count() > Self::MAX {
            return Err(AppError::invalid(
                "name",
                format!("A name can be at most {} characters.", Self::MAX),
            ));
        }
        if s.chars().any(char::is_control) {
            return Err(AppError::invalid(
                "name",
                "A name cannot contain control characters.",
            ));
        }
        if s.chars().any(is_invisible_format) {
            return Err(AppError::invalid(
                "name",
                "A name cannot contain invisible or text-direction characters.",
            ));
        }
        Ok(PersonName(s.to_string()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Is `s` an e-mail address by the one rule Consult has (the booking form, the console and
/// the REST API alike): ASCII, at most 254 characters, a dot-atom local part (letters, digits
/// and `!#$%&'*+/=?^_`{|}~-`, dots between them) and a dotted domain of two or more labels
/// of letters, digits and inner hyphens (each 1 to 63 characters). The REST API publishes the
/// same rule as a pattern (`rules::EMAIL`); a test checks the two agree.
///
/// Deliberately simple: full RFC 5322 accepts addresses no mail server delivers to,
/// non-ASCII addresses need SMTPUTF8 of every relay on the way, and the final proof is the
/// invitation arriving.
pub fn is_email(s: &str) -> bool {
    const ATEXT: &str = "!#$%&'*+/=?^_`{|}~-";
    let atom = |a: &str| {
        !a.is_empty()
            && a.chars()
                .all(|c| c.is_ascii_alphanumeric() || ATEXT.contains(c))
    };
    let label = |l: &str| {
        (1..=63).contains(&l.len())
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.len() <= 254
        && local.split('.').all(atom)
        && domain.split('.').count() >= 2
        && domain.split('.').all(label)
}

/// An e-mail address ([`is_email`]), trimmed, domain lower-cased. It cannot be deserialized
/// without the check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Validate an address; the error names the field `email`.
    pub fn parse(s: &str) -> Result<Self, AppError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(AppError::invalid(
                "email",
                "Please enter your e-mail address.",
            ));
        }
        if !is_email(s) {
            return Err(AppError::invalid(
                "email",
                "Please enter a valid e-mail address.",
            ));
        }
        let (local, domain) = s.split_once('@').unwrap_or((s, ""));
        Ok(Email(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Email::parse(&s).map_err(|e| e.message)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

/// Whether `s` is a country calling code: `+` and one to three digits, not starting with 0.
pub fn is_calling_code(s: &str) -> bool {
    s.strip_prefix('+').is_some_and(|d| {
        (1..=3).contains(&d.len()) && !d.starts_with('0') && d.bytes().all(|b| b.is_ascii_digit())
    })
}

/// A phone number in E.164 form (`+` and 8 to 15 digits). Spaces, dots, dashes and
/// parentheses are accepted while typing and removed. It cannot be deserialized without the
/// check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Validate a number; the error names the field `phone`.
    pub fn parse(s: &str) -> Result<Self, AppError> {
        let cleaned: String = s
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        let err = || {
            AppError::invalid(
                "phone",
                "Please enter the number in international form, e.g. +31612345678.",
            )
        };
        let digits = cleaned.strip_prefix('+').ok_or_else(err)?;
        if !(8..=15).contains(&digits.len())
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || digits.starts_with('0')
        {
            return Err(err());
        }
        Ok(Phone(cleaned))
    }

    /// Validate a number as a customer types it: `00` stands for `+`, and a national number
    /// (one leading `0`) is read in the country of `prefix` (`+31`: `06 12345678` is
    /// `+31612345678`). The error names the field `phone`.
    pub fn parse_local(s: &str, prefix: &str) -> Result<Self, AppError> {
        let trimmed = s.trim();
        let national = trimmed
            .strip_prefix('0')
            .filter(|rest| !rest.starts_with('0'));
        let written = if let Some(rest) = trimmed.strip_prefix("00") {
            format!("+{rest}")
        } else if let (Some(rest), true) = (national, is_calling_code(prefix)) {
            format!("{prefix}{rest}")
        } else {
            trimmed.to_string()
        };
        Phone::parse(&written).map_err(|_| {
            AppError::invalid(
                "phone",
                "Please enter a valid phone number, e.g. +31 6 12345678.",
            )
        })
    }

    /// Like [`Phone::parse`], but an empty field means "no number".
    pub fn parse_optional(s: &str) -> Result<Option<Self>, AppError> {
        if s.trim().is_empty() {
            Ok(None)
        } else {
            Phone::parse(s).map(Some)
        }
    }

    /// The number as text, E.164.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The checked types cross the wire as plain strings, and are checked again on the way in.
macro_rules! checked_on_the_wire {
    ($t:ident) => {
        impl TryFrom<String> for $t {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                $t::parse(&s).map_err(|e| e.message)
            }
        }

        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
    };
}

checked_on_the_wire!(PersonName);
checked_on_the_wire!(Phone);

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            PersonName::parse("  Ada Lovelace ").unwrap().as_str(),
            "Ada Lovelace"
        );
        assert_eq!(
            PersonName::parse("Zoë Ümit-Čapek").unwrap().as_str(),
            "Zoë Ümit-Čapek"
        );
        let e = PersonName::parse("   ").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("name"));
        assert_eq!(e.status, 400);
        assert!(PersonName::parse(&"x".repeat(101)).is_err());
        assert!(PersonName::parse(&"é".repeat(100)).is_ok());
        assert!(PersonName::parse("a\u{0007}b").is_err());
    }

    #[test]
    fn checked_types_cannot_be_deserialized_unchecked() {
        assert!(serde_json::from_str::<Email>(r#""not an address""#).is_err());
        assert!(serde_json::from_str::<Phone>(r#""12345""#).is_err());
        assert!(serde_json::from_str::<PersonName>(r#""\u202eevil""#).is_err());
        let e: Email = serde_json::from_str(r#""Ann@Example.COM""#).unwrap();
        assert_eq!(e.as_str(), "Ann@example.com");
        assert_eq!(serde_json::to_string(&e).unwrap(), r#""Ann@example.com""#);
        let p: Phone = serde_json::from_str(r#""+31612345678""#).unwrap();
        assert_eq!(p.as_str(), "+31612345678");
    }

    #[test]
    fn one_email_rule_ascii_only() {
        for ok in [
            "a@b.nl",
            "a.b+c@sub.example.co",
            "x!#$%&'*+/=?^_`{|}~-y@d.io",
            "a@1.2",
        ] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "zoë@example.com",
            "a@bücher.de",
            "a@b",
            "a@-b.nl",
            "a@b-.nl",
            ".a@b.nl",
            "a.@b.nl",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
        assert!(!is_email(&format!("a@{}.nl", "b".repeat(64))));
        assert!(!is_email(&format!("{}@b.nl", "a".repeat(250))));
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Visitor1@Participant.NL ").unwrap().as_str(),
            "Visitor1@participant.nl"
        );
        assert!(Email::parse("a.b+tag@sub.example.co.uk").is_ok());
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "a@b..com",
            "a@-b.com",
            ".a@b.com",
            "a..b@c.com",
            "a@b.com\n",
        ] {
            let e = Email::parse(bad);
            // a trailing newline is trimmed away, so that one is valid
            if bad == "a@b.com\n" {
                assert!(e.is_ok());
                continue;
            }
            let e = e.unwrap_err();
            assert_eq!(e.field.as_deref(), Some("email"), "{bad:?}");
        }
    }

    #[test]
    fn national_numbers_take_the_site_country() {
        let local = |s: &str, p: &str| Phone::parse_local(s, p).map(|p| p.as_str().to_string());
        assert_eq!(local("06 1234 5678", "+31").unwrap(), "+31612345678");
        assert_eq!(local("020-7123456", "+31").unwrap(), "+31207123456");
        assert_eq!(local("0032 470 12 34 56", "+31").unwrap(), "+32470123456");
        assert_eq!(local("+44 20 7123 4567", "+31").unwrap(), "+442071234567");
        assert_eq!(local("07700 900123", "+44").unwrap(), "+447700900123");
        for (bad, prefix) in [
            ("0612345678", ""),
            ("0612345678", "31"),
            ("000612", "+31"),
            ("612345678", "+31"),
            ("06", "+31"),
        ] {
            assert_eq!(
                Phone::parse_local(bad, prefix)
                    .unwrap_err()
                    .field
                    .as_deref(),
                Some("phone"),
                "{bad} {prefix}"
            );
        }
        assert!(is_calling_code("+1") && is_calling_code("+358"));
        assert!(!is_calling_code("+0") && !is_calling_code("+1234") && !is_calling_code("31"));
    }

    #[test]
    fn phones() {
        assert_eq!(
            Phone::parse("+31 6 1234 5678").unwrap().as_str(),
            "+31612345678"
        );
        assert_eq!(
            Phone::parse("+44 (20) 7123-4567").unwrap().as_str(),
            "+442071234567"
        );
        for bad in [
            "0612345678",
            "+31",
            "+0612345678",
            "+31abc45678",
            "+1234567890123456",
        ] {
            assert_eq!(
                Phone::parse(bad).unwrap_err().field.as_deref(),
                Some("phone"),
                "{bad}"
            );
        }
        assert_eq!(Phone::parse_optional("  ").unwrap(), None);
        assert!(Phone::parse_optional("+31612312312").unwrap().is_some());
    }
}
