//! Checked strings of the REST API's bodies: a name, an e-mail address, a phone number, a
//! longer text, and the ids that refer to a site, user, company, package or dealer. Each is
//! checked while the body is read (`#[serde(try_from)]`: a value that breaks its rule never
//! becomes one, and the error names the field by its path), and each publishes its rule as its
//! OpenAPI schema: the rule and its pattern are written once, in [`super::rules`].
//!
//! A malformed id names nothing that exists, so it answers like a missing one: 404, "site not
//! found" (the body parser turns a `… not found` refusal into that status).

use super::rules;
use crate::model::AppError;
use serde::{Deserialize, Serialize};
use utoipa::openapi::{ObjectBuilder, RefOr, Schema, Type};

/// Marks a refusal that serde carries as text (its errors hold no more) as a 404: the body
/// parser ([`crate::server::api::extract::parse`]) answers it as "not found", whatever the
/// message says.
pub const NOT_FOUND_MARK: &str = "\u{1}404\u{1}";

/// A refusal as serde carries it: its message, marked when it is a 404.
fn refusal(e: AppError) -> String {
    if e.code == crate::model::ErrorCode::NotFound {
        format!("{NOT_FOUND_MARK}{}", e.message)
    } else {
        e.message
    }
}

macro_rules! checked {
    // A string with a rule (`$check(field, value)`).
    ($(#[$doc:meta])* $name:ident, $check:expr, $pattern:path, $min:expr, $max:expr) => {
        checked!(@type $(#[$doc])* $name, $pattern, $min, $max);

        impl $name {
            /// Check a value (the error names `field`).
            pub fn parse(field: &str, value: &str) -> Result<Self, AppError> {
                ($check)(field, value)?;
                Ok($name(value.to_string()))
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                ($check)("", &s).map_err(refusal)?;
                Ok($name(s))
            }
        }
    };
    // An id of one kind of entity (`$what`: "site", "user", …): malformed, it names nothing.
    (@id $(#[$doc:meta])* $name:ident, $what:literal) => {
        checked!(
            $(#[$doc])* $name,
            |field: &str, value: &str| rules::id(field, value, $what),
            rules::ID,
            None,
            None
        );
    };
    // What every checked string has: access, conversions, its schema, its column type.
    (@type $(#[$doc:meta])* $name:ident, $pattern:path, $min:expr, $max:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {

            /// The value.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The value, owned.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some($pattern))
                    .min_length($min)
                    .max_length($max)
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        // Stored as the text it is.
        impl sqlx::Type<sqlx::Any> for $name {
            fn type_info() -> sqlx::any::AnyTypeInfo {
                <String as sqlx::Type<sqlx::Any>>::type_info()
            }
        }

        impl<'q> sqlx::Encode<'q, sqlx::Any> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <String as sqlx::Encode<'q, sqlx::Any>>::encode_by_ref(&self.0, buf)
            }
        }
    };
}

checked!(
    /// A name (a person's, a company's, a site's, a subject): 1 to 100 characters, no
    /// surrounding spaces, no control characters, nothing that reorders or hides text.
    Name,
    rules::name,
    rules::NAME,
    Some(1),
    Some(rules::NAME_MAX)
);

checked!(
    /// An e-mail address, by the one rule of the widget and the API.
    EmailAddress,
    rules::email,
    rules::EMAIL,
    None,
    Some(rules::EMAIL_MAX)
);

checked!(
    /// A phone number in E.164 form.
    PhoneNumber,
    rules::phone,
    rules::PHONE,
    None,
    None
);

checked!(
    /// A longer text (invitations, e-mail texts): at most 2000 characters, no control
    /// characters but tab and new lines.
    Text,
    rules::text,
    rules::TEXT,
    None,
    Some(rules::TEXT_MAX)
);

checked!(
    @id
    /// The id of a site.
    SiteRef,
    "site"
);

checked!(
    @id
    /// The id of a user.
    UserRef,
    "user"
);

checked!(
    @id
    /// The id of a company.
    CompanyRef,
    "company"
);

checked!(
    @id
    /// The id of a package.
    PackageRef,
    "package"
);

checked!(
    @id
    /// The id of a dealer.
    DealerRef,
    "dealer"
);

checked!(
    @id
    /// The id of a company or dealer that API clients belong to.
    EntityRef,
    "entity"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: Name,
        email: Option<EmailAddress>,
        guests: Vec<Guest>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Guest {
        phone: PhoneNumber,
    }

    #[test]
    fn a_broken_rule_is_an_error_at_its_path() {
        let parse = |s: &str| crate::server::api::extract::parse::<Body>(s.as_bytes());
        let ok =
            parse(r#"{"name": "Ada", "email": "a@b.nl", "guests": [{"phone": "+31612345678"}]}"#)
                .unwrap();
        assert_eq!(ok.name.as_str(), "Ada");
        let e = parse(r#"{"name": " Ada", "guests": []}"#).unwrap_err();
        assert_eq!((e.status, e.field.as_deref()), (400, Some("name")));
        assert!(e.message.contains("surrounding spaces"), "{}", e.message);
        let e = parse(r#"{"name": "Ada", "email": "nope", "guests": []}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("email"));
        let e = parse(r#"{"name": "Ada", "guests": [{"phone": "0612"}]}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("guests[0].phone"));
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Refs {
        site: SiteRef,
        #[serde(default)]
        users: Vec<UserRef>,
    }

    #[test]
    fn a_malformed_id_is_a_404_at_its_path() {
        let parse = |s: &str| crate::server::api::extract::parse::<Refs>(s.as_bytes());
        let ok = parse(r#"{"site": "0123456789abcdef01234567"}"#).unwrap();
        assert_eq!(ok.site.as_str(), "0123456789abcdef01234567");
        let e = parse(r#"{"site": "../etc"}"#).unwrap_err();
        assert_eq!(
            (e.status, e.field.as_deref(), e.message.as_str()),
            (404, Some("site"), "site not found")
        );
        let e = parse(r#"{"site": "0123456789abcdef01234567", "users": ["X"]}"#).unwrap_err();
        assert_eq!(
            (e.status, e.field.as_deref(), e.message.as_str()),
            (404, Some("users[0]"), "user not found")
        );
        // A checked id is still a string to serde's type check: a number is a 400.
        let e = parse(r#"{"site": 7}"#).unwrap_err();
        assert_eq!((e.status, e.field.as_deref()), (400, Some("site")));
        let schema = serde_json::to_value(<SiteRef as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(schema["pattern"], rules::ID);
    }

    #[test]
    fn each_publishes_its_rule() {
        let schema = serde_json::to_value(<Name as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(schema["pattern"], rules::NAME);
        assert_eq!(schema["maxLength"], rules::NAME_MAX);
        let schema = serde_json::to_value(<Text as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(schema["pattern"], rules::TEXT);
    }
}
