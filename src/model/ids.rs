//! Identifier newtypes. Entity ids have the WeSeeDo shape (24 lowercase hex digits: 96 random
//! bits), so integrations written against that API accept ours unchanged.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Is `s` a well-formed entity id (24 lowercase hex digits)?
pub fn is_entity_id(s: &str) -> bool {
    s.len() == 24
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

macro_rules! entity_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parse an id, refusing anything that is not 24 lowercase hex digits.
            pub fn parse(s: &str) -> Result<Self, crate::model::AppError> {
                let s = s.trim();
                if is_entity_id(s) {
                    Ok($name(s.to_string()))
                } else {
                    Err(crate::model::AppError::not_found($what))
                }
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                if is_entity_id(&s) {
                    Ok($name(s))
                } else {
                    Err(format!("not a valid {} id", $what))
                }
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

entity_id!(
    /// A site: one website (or part of one) that embeds Consult.
    SiteId, "site"
);
entity_id!(
    /// A meeting (an appointment with its room).
    MeetingId, "meeting"
);
entity_id!(
    /// A user: agent, assistant or admin of a company.
    UserId, "user"
);
entity_id!(
    /// A person invited to a meeting (the agent is one too).
    ParticipantId, "participant"
);
entity_id!(
    /// One connection's identity inside a room. Random per connection, so it says nothing
    /// about the person and can be shown to other peers; never the join hash.
    PeerId, "peer"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_weseedo_shaped_ids() {
        assert!(SiteId::parse("5f0de0e0990b490eec31cb7c").is_ok());
        assert_eq!(
            SiteId::parse(" 5f0de0e0990b490eec31cb7c ")
                .unwrap()
                .as_str(),
            "5f0de0e0990b490eec31cb7c"
        );
    }

    #[test]
    fn refuses_other_shapes() {
        for bad in [
            "",
            "5f0de0e0990b490eec31cb7",
            "5f0de0e0990b490eec31cb7cc",
            "5F0DE0E0990B490EEC31CB7C",
            "5f0de0e0990b490eec31cb7g",
            "../../etc/passwd00000000",
        ] {
            assert!(SiteId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn deserialisation_validates() {
        let ok: Result<MeetingId, _> = serde_json::from_str("\"5f0de0e0990b490eec31cb7c\"");
        assert!(ok.is_ok());
        let bad: Result<MeetingId, _> = serde_json::from_str("\"nope\"");
        assert!(bad.is_err());
    }
}
