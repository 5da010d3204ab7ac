//! Rooms the Whereby way: their names and the roles their links give. Shared by the server,
//! which makes and checks them, and the widget, which reads its own link.

use serde::{Deserialize, Serialize};

/// Longest `roomNamePrefix`, as the seed says.
pub const PREFIX_MAX: usize = 39;

/// The characters of a `human-short` room name: no `0`/`o`, `1`/`l`/`i`, so a name read out
/// or typed from paper comes out right.
pub const HUMAN_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// Length of a `human-short` room name.
pub const HUMAN_LENGTH: usize = 6;

/// Check a `roomNamePrefix`: spaces are removed, then at most 39 of `a-z`, `0-9` and `-`
/// remain. The seed names `[a-z0-9]`, yet its own sample is `example-prefix`; a hyphen is
/// accepted so that sample works.
pub fn prefix(raw: &str) -> Result<String, &'static str> {
    let p: String = raw.chars().filter(|c| *c != ' ').collect();
    if p.chars().count() > PREFIX_MAX {
        return Err("must be at most 39 characters");
    }
    if p.chars().any(|c| c.is_ascii_uppercase()) {
        return Err("must be lowercase");
    }
    if !p
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err("may hold only a-z, 0-9 and -");
    }
    Ok(p)
}

/// Is this a room name as the API shows them (`/` and 1 to 80 of `a-z`, `0-9`, `-`)?
pub fn is_room_name(name: &str) -> bool {
    name.strip_prefix('/').is_some_and(|rest| {
        (1..=80).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    })
}

/// A room name from how a path or link gives it: with or without its leading `/`.
pub fn room_name(given: &str) -> Option<String> {
    let name = if given.starts_with('/') {
        given.to_string()
    } else {
        format!("/{given}")
    };
    is_room_name(&name).then_some(name)
}

/// What a room's link lets its holder do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoomRole {
    /// `hostRoomUrl`: enters without knocking, locks and unlocks, admits, holds, rejects,
    /// removes and asks to mute.
    Host,
    /// `roomUrl`: enters an unlocked room at once, knocks on a locked one.
    Guest,
    /// `viewerRoomUrl`: sees and hears, sends nothing, takes no seat.
    Viewer,
}

impl RoomRole {
    /// As in the insights (`roleName`) and keys.
    pub fn as_str(self) -> &'static str {
        match self {
            RoomRole::Host => "host",
            RoomRole::Guest => "guest",
            RoomRole::Viewer => "viewer",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_lose_spaces_and_keep_to_their_characters() {
        assert_eq!(prefix("example-prefix").unwrap(), "example-prefix");
        assert_eq!(prefix(" my room 1 ").unwrap(), "myroom1");
        assert_eq!(prefix("").unwrap(), "");
        assert_eq!(prefix(&"a".repeat(39)).unwrap().len(), 39);
        assert!(prefix(&"a".repeat(40)).is_err());
        assert_eq!(prefix("Room"), Err("must be lowercase"));
        for bad in ["a_b", "a/b", "é", "a.b", "a\tb"] {
            assert!(prefix(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn room_names_come_with_or_without_their_slash() {
        assert_eq!(room_name("abc-123").as_deref(), Some("/abc-123"));
        assert_eq!(room_name("/abc-123").as_deref(), Some("/abc-123"));
        for bad in ["", "/", "//a", "/A", "/a b", "/a/../b", &"a".repeat(81)] {
            assert_eq!(room_name(bad), None, "{bad:?}");
        }
        assert!(HUMAN_ALPHABET
            .iter()
            .all(|c| !b"01ilo".contains(c) && (c.is_ascii_lowercase() || c.is_ascii_digit())));
    }
}
