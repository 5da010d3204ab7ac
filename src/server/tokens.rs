//! Secrets handed to people: random tokens stored only as hashes, and signed join links.
//!
//! - Session and login-link tokens: 256 random bits, given out once in base64url; the store
//!   keeps SHA-256 of them, so a copy of the database logs nobody in.
//! - Join links: `/join/{hash}` where `hash = base64url(link_id ‖ tag)`, `link_id` 128 random
//!   bits stored with the participant and `tag` the first 128 bits of HMAC-SHA256 under the
//!   server's key (in `secret.key`, outside the database). The server accepts only hashes it
//!   signed, and can show the same link again later (the REST API returns it on every GET),
//!   while a copy of the database alone cannot forge one.
//! - Resume tokens: given with admission to a call, they let the same connection's page
//!   come back into the call (same peer id, no second admission) after its WebSocket dropped
//!   or the server restarted. `v1.{meeting}.{participant}.{peer}.{issued}.{tag}` with the tag
//!   HMAC-SHA256 under the server's key, so they survive a restart and cannot be forged.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::path::Path;

/// Fill a buffer from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The OS generator failing is not something to recover from: no randomness, no tokens.
    getrandom::fill(&mut buf).expect("operating system random generator failed");
    buf
}

/// A new entity id: 96 random bits as 24 lowercase hex digits (the WeSeeDo id shape).
pub fn new_id() -> String {
    hex(&random_bytes::<12>())
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// A new bearer token (256 random bits, base64url) and the hash to store for it.
pub fn new_token() -> (String, String) {
    let token = URL_SAFE_NO_PAD.encode(random_bytes::<32>());
    let hash = hash_token(&token);
    (token, hash)
}

/// What the store keeps of a token: hex SHA-256.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

type HmacSha256 = Hmac<Sha256>;

/// Signs and checks join hashes with the server's key.
#[derive(Clone)]
pub struct Signer {
    key: [u8; 32],
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(…)")
    }
}

/// 16 bytes in a uuid's usual form: `8-4-4-4-12` lowercase hex digits.
pub fn uuid_text(bytes: &[u8; 16]) -> String {
    let h = hex(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// The 16 bytes of a uuid in its usual form (`8-4-4-4-12` lowercase hex digits).
fn uuid_bytes(id: &str) -> Option<[u8; 16]> {
    let digits: String = id.chars().filter(|c| *c != '-').collect();
    if id.len() != 36 || digits.len() != 32 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// Bytes in a link id.
const LINK_ID_BYTES: usize = 16;
/// Bytes of the HMAC tag kept in a join hash.
const TAG_BYTES: usize = 16;

impl Signer {
    /// A signer with the given key.
    pub fn new(key: [u8; 32]) -> Self {
        Signer { key }
    }

    /// Load the key from `path`, creating it (mode 0600) with fresh random bytes if absent.
    pub fn load_or_create(path: &Path) -> std::io::Result<Self> {
        match std::fs::read(path) {
            Ok(bytes) => {
                let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("{} must hold exactly 32 bytes", path.display()),
                    )
                })?;
                Ok(Signer::new(key))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = random_bytes::<32>();
                // Never over an existing key: that would orphan every link and sealed message.
                super::private_fs::create_new(path, &key)?;
                Ok(Signer::new(key))
            }
            Err(e) => Err(e),
        }
    }

    /// A new random link id (hex, as stored).
    pub fn new_link_id() -> String {
        hex(&random_bytes::<LINK_ID_BYTES>())
    }

    fn tag(&self, link_id: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(b"consult-join-v1:");
        mac.update(link_id);
        mac
    }

    /// The join hash for a stored link id (hex). `None` if the stored id is malformed.
    pub fn join_hash(&self, link_id_hex: &str) -> Option<String> {
        let id = unhex(link_id_hex)?;
        if id.len() != LINK_ID_BYTES {
            return None;
        }
        let tag = self.tag(&id).finalize().into_bytes();
        let mut out = id;
        out.extend_from_slice(&tag[..TAG_BYTES]);
        Some(URL_SAFE_NO_PAD.encode(out))
    }

    /// The key that seals what waits in the outbox, derived from ours (so the database,
    /// which holds the sealed messages, never holds the key).
    pub fn outbox_sealer(&self) -> crate::server::seal::Sealer {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(b"consult-outbox-key-v1");
        crate::server::seal::Sealer::new(mac.finalize().into_bytes().into())
    }

    /// The `roomKey` of a room's host or viewer link: the first 128 bits of HMAC-SHA256 over
    /// the room and the role, base64url. Nothing to store: the API shows the same links on
    /// every read, a copy of the database makes none, and a key opens its own room only.
    pub fn room_key(&self, room: &str, role: crate::model::room::RoomRole) -> String {
        URL_SAFE_NO_PAD.encode(&self.room_mac(room, role).finalize().into_bytes()[..16])
    }

    fn room_mac(&self, room: &str, role: crate::model::room::RoomRole) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(b"consult-room-key-v1:");
        mac.update(role.as_str().as_bytes());
        mac.update(b":");
        mac.update(room.as_bytes());
        mac
    }

    /// The role a room link gives: no key, a guest; the host's or a viewer's key, that role;
    /// any other key, none (compared in constant time).
    pub fn room_role(&self, room: &str, key: Option<&str>) -> Option<crate::model::room::RoomRole> {
        use crate::model::room::RoomRole;
        let Some(key) = key else {
            return Some(RoomRole::Guest);
        };
        let key = URL_SAFE_NO_PAD.decode(key).ok().filter(|k| k.len() == 16)?;
        [RoomRole::Host, RoomRole::Viewer].into_iter().find(|role| {
            self.room_mac(room, *role)
                .verify_truncated_left(&key)
                .is_ok()
        })
    }

    /// The `token` of an appointment's pre-call link for the claimant or the interpreter: the
    /// appointment's uuid (16 bytes) and the first 128 bits of an HMAC over it and the
    /// attendee, base64url. Nothing stored: the API shows the same `url` on every read.
    pub fn appointment_token(
        &self,
        id: &str,
        who: crate::model::appointment::Attendee,
    ) -> Option<String> {
        let raw = uuid_bytes(id)?;
        let mut out = raw.to_vec();
        out.extend_from_slice(&self.appointment_mac(&raw, who).finalize().into_bytes()[..16]);
        Some(URL_SAFE_NO_PAD.encode(out))
    }

    fn appointment_mac(
        &self,
        raw: &[u8; 16],
        who: crate::model::appointment::Attendee,
    ) -> HmacSha256 {
        use crate::model::appointment::Attendee;
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(b"consult-appointment-v1:");
        mac.update(match who {
            Attendee::Claimant => b"claimant:".as_slice(),
            Attendee::Interpreter => b"interpreter:".as_slice(),
        });
        mac.update(raw);
        mac
    }

    /// Whose pre-call token this is: the appointment's id (uuid form) and the attendee, or
    /// none for a token this server did not sign (compared in constant time).
    pub fn verify_appointment_token(
        &self,
        token: &str,
    ) -> Option<(String, crate::model::appointment::Attendee)> {
        use crate::model::appointment::Attendee;
        let bytes = URL_SAFE_NO_PAD
            .decode(token)
            .ok()
            .filter(|b| b.len() == 32)?;
        let mut raw = [0u8; 16];
        raw.copy_from_slice(&bytes[..16]);
        let who = [Attendee::Claimant, Attendee::Interpreter]
            .into_iter()
            .find(|who| {
                self.appointment_mac(&raw, *who)
                    .verify_truncated_left(&bytes[16..])
                    .is_ok()
            })?;
        Some((uuid_text(&raw), who))
    }

    /// Where a booking came from, as kept with it: a keyed hash of the client's address
    /// (16 hex digits). Equal for bookings from one address, so a burst shows, while the
    /// database holds no address and, without our key, no way back to one.
    pub fn source_tag(&self, address: &str) -> String {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(b"consult-source-v1:");
        mac.update(address.as_bytes());
        hex(&mac.finalize().into_bytes()[..8])
    }

    fn recording_mac(&self, purpose: &str, id: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(b"consult-recording-v1:");
        mac.update(purpose.as_bytes());
        mac.update(b":");
        mac.update(id.as_bytes());
        mac
    }

    /// The ticket a recording host's page uploads its chunks with: the first 128 bits of an
    /// HMAC over the recording's id, base64url. Nothing stored; only that host's page gets
    /// it (in its `started` notice), and the recording's row says whether uploads still go.
    pub fn upload_ticket(&self, recording: &str) -> String {
        URL_SAFE_NO_PAD.encode(
            &self
                .recording_mac("upload", recording)
                .finalize()
                .into_bytes()[..16],
        )
    }

    /// Whether `ticket` is the upload ticket of `recording` (compared in constant time).
    pub fn verify_upload_ticket(&self, recording: &str, ticket: &str) -> bool {
        URL_SAFE_NO_PAD
            .decode(ticket)
            .ok()
            .filter(|t| t.len() == 16)
            .is_some_and(|t| {
                self.recording_mac("upload", recording)
                    .verify_truncated_left(&t)
                    .is_ok()
            })
    }

    /// The signature of a recording's access link valid until `expires` (epoch ms): the first
    /// 128 bits of an HMAC over both, base64url.
    pub fn access_signature(&self, recording: &str, expires: i64) -> String {
        let mut mac = self.recording_mac("access", recording);
        mac.update(b":");
        mac.update(expires.to_string().as_bytes());
        URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..16])
    }

    /// Whether `signature` signs `recording` until `expires` (constant time; the caller
    /// checks that `expires` has not passed).
    pub fn verify_access_signature(&self, recording: &str, expires: i64, signature: &str) -> bool {
        let Some(sig) = URL_SAFE_NO_PAD
            .decode(signature)
            .ok()
            .filter(|t| t.len() == 16)
        else {
            return false;
        };
        let mut mac = self.recording_mac("access", recording);
        mac.update(b":");
        mac.update(expires.to_string().as_bytes());
        mac.verify_truncated_left(&sig).is_ok()
    }

    /// What a limited key (a client address, a client id) is counted under in the database:
    /// a keyed hash (32 hex digits), so the counts shared by nodes hold no address.
    pub fn limit_tag(&self, key: &str) -> String {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(b"consult-limit-v1:");
        mac.update(key.as_bytes());
        hex(&mac.finalize().into_bytes()[..16])
    }

    /// A site's prefill key (hex): the site owner's server signs prefilled, locked booking
    /// fields with it. Derived from our key, the site and a generation that rotating bumps,
    /// so the database holds no copy of it.
    pub fn prefill_key(&self, site: &str, generation: i64) -> String {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(b"consult-prefill-key-v1:");
        mac.update(site.as_bytes());
        mac.update(b":");
        mac.update(generation.to_string().as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// Whether `signature` (hex) is HMAC-SHA256 of `message` under the site's prefill key.
    pub fn verify_prefill(
        &self,
        site: &str,
        generation: i64,
        message: &str,
        signature: &str,
    ) -> bool {
        let Some(sig) = unhex(signature.trim()) else {
            return false;
        };
        let key = self.prefill_key(site, generation);
        let mut mac =
            HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
        mac.update(message.as_bytes());
        // Constant-time.
        mac.verify_slice(&sig).is_ok()
    }

    /// Check a join hash and return its link id (hex), or `None` if this server did not sign it.
    pub fn verify_join_hash(&self, hash: &str) -> Option<String> {
        if hash.len() > 64 {
            return None;
        }
        let raw = URL_SAFE_NO_PAD.decode(hash.as_bytes()).ok()?;
        if raw.len() != LINK_ID_BYTES + TAG_BYTES {
            return None;
        }
        let (id, tag) = raw.split_at(LINK_ID_BYTES);
        // Constant-time comparison of the truncated tag.
        self.tag(id).verify_truncated_left(tag).ok()?;
        Some(hex(id))
    }
}

/// What a resume token says: this participant was admitted to this meeting's call as this
/// peer, at this time (unix seconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResumeClaim {
    /// The meeting.
    pub meeting: String,
    /// The participant admitted.
    pub participant: String,
    /// The peer id they had.
    pub peer: String,
    /// When the token was issued.
    pub issued: i64,
    /// A room of the rooms API, whose people are not in the database: who they were in it,
    /// so a new owner of the hub can seat them again.
    pub room: Option<RoomSeat>,
}

/// Who someone was in a room of the rooms API (see [`ResumeClaim::room`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomSeat {
    /// Host, guest or viewer, as their link's key said.
    pub role: crate::model::meeting::Role,
    /// The name they gave.
    pub name: String,
    /// Their host page's id for them.
    pub external_id: Option<String>,
}

impl Signer {
    fn resume_tag(&self, payload: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(b"consult-resume-v1:");
        mac.update(payload.as_bytes());
        mac
    }

    /// Sign a resume token.
    pub fn resume_token(&self, c: &ResumeClaim) -> String {
        use crate::model::meeting::Role;
        let payload = match &c.room {
            None => format!("v1.{}.{}.{}.{}", c.meeting, c.participant, c.peer, c.issued),
            // Names are free text: base64url keeps them clear of the separators.
            Some(seat) => format!(
                "v2.{}.{}.{}.{}.{}.{}.{}",
                c.meeting,
                c.participant,
                c.peer,
                c.issued,
                match seat.role {
                    Role::Host => "h",
                    Role::Guest => "g",
                    Role::Viewer => "v",
                },
                URL_SAFE_NO_PAD.encode(seat.name.as_bytes()),
                URL_SAFE_NO_PAD.encode(seat.external_id.as_deref().unwrap_or("").as_bytes()),
            ),
        };
        let tag = self.resume_tag(&payload).finalize().into_bytes();
        format!("{payload}.{}", URL_SAFE_NO_PAD.encode(&tag[..TAG_BYTES]))
    }

    /// Check a resume token; `None` if this server did not sign it.
    pub fn verify_resume(&self, token: &str) -> Option<ResumeClaim> {
        // A room's seat carries a name and an external id of up to 100 characters each.
        if token.len() > 1200 {
            return None;
        }
        let (payload, tag) = token.rsplit_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag.as_bytes()).ok()?;
        // The whole tag: a shortened one would be easier to guess.
        if tag.len() != TAG_BYTES {
            return None;
        }
        self.resume_tag(payload).verify_truncated_left(&tag).ok()?;
        let mut parts = payload.split('.');
        let version = parts.next()?;
        let mut claim = ResumeClaim {
            meeting: parts.next()?.to_string(),
            participant: parts.next()?.to_string(),
            peer: parts.next()?.to_string(),
            issued: parts.next()?.parse().ok()?,
            room: None,
        };
        match version {
            "v1" => {}
            "v2" => {
                use crate::model::meeting::Role;
                let role = match parts.next()? {
                    "h" => Role::Host,
                    "g" => Role::Guest,
                    "v" => Role::Viewer,
                    _ => return None,
                };
                let text = |t: &str| {
                    URL_SAFE_NO_PAD
                        .decode(t.as_bytes())
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok())
                };
                let name = text(parts.next()?)?;
                let external_id = Some(text(parts.next()?)?).filter(|x| !x.is_empty());
                claim.room = Some(RoomSeat {
                    role,
                    name,
                    external_id,
                });
            }
            _ => return None,
        }
        parts.next().is_none().then_some(claim)
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recording_tickets_and_access_signatures_are_bound() {
        let s = Signer::new([7; 32]);
        let t = s.upload_ticket("rec1");
        assert!(s.verify_upload_ticket("rec1", &t));
        assert!(!s.verify_upload_ticket("rec2", &t));
        assert!(!Signer::new([8; 32]).verify_upload_ticket("rec1", &t));
        assert!(!s.verify_upload_ticket("rec1", "short"));
        let sig = s.access_signature("rec1", 1000);
        assert!(s.verify_access_signature("rec1", 1000, &sig));
        assert!(!s.verify_access_signature("rec1", 1001, &sig));
        assert!(!s.verify_access_signature("rec2", 1000, &sig));
        // An upload ticket is not an access signature, nor the other way round.
        assert!(!s.verify_access_signature("rec1", 1000, &t));
    }

    #[test]
    fn ids_and_tokens_have_the_promised_entropy_and_shape() {
        let id = new_id();
        assert!(crate::model::ids::is_entity_id(&id), "{id}");
        assert_ne!(new_id(), new_id());
        let (token, hash) = new_token();
        assert_eq!(URL_SAFE_NO_PAD.decode(&token).unwrap().len(), 32);
        assert_eq!(hash, hash_token(&token));
        assert_eq!(hash.len(), 64);
        assert_ne!(new_token().0, token);
    }

    #[test]
    fn room_keys_give_their_role_in_their_room_only() {
        use crate::model::room::RoomRole;
        let s = Signer::new([7; 32]);
        let host = s.room_key("room-a", RoomRole::Host);
        let viewer = s.room_key("room-a", RoomRole::Viewer);
        assert_eq!(host.len(), 22, "128 bits");
        assert_ne!(host, viewer);
        assert_eq!(s.room_role("room-a", None), Some(RoomRole::Guest));
        assert_eq!(s.room_role("room-a", Some(&host)), Some(RoomRole::Host));
        assert_eq!(s.room_role("room-a", Some(&viewer)), Some(RoomRole::Viewer));
        assert_eq!(s.room_role("room-b", Some(&host)), None);
        assert_eq!(Signer::new([8; 32]).room_role("room-a", Some(&host)), None);
        for bad in ["", "x", "AAAAAAAAAAAAAAAAAAAAAA", &host[..21]] {
            assert_eq!(s.room_role("room-a", Some(bad)), None, "{bad}");
        }
    }

    #[test]
    fn join_hash_round_trip() {
        let signer = Signer::new([7; 32]);
        let link = Signer::new_link_id();
        assert_eq!(link.len(), 32);
        let hash = signer.join_hash(&link).unwrap();
        assert_eq!(hash.len(), 43);
        assert_eq!(
            signer.verify_join_hash(&hash).as_deref(),
            Some(link.as_str())
        );
        // The same link id always gives the same hash, so it can be shown again.
        assert_eq!(signer.join_hash(&link).unwrap(), hash);
    }

    #[test]
    fn forged_or_foreign_hashes_are_refused() {
        let signer = Signer::new([7; 32]);
        let other = Signer::new([8; 32]);
        let link = Signer::new_link_id();
        let hash = signer.join_hash(&link).unwrap();
        assert_eq!(other.verify_join_hash(&hash), None, "another server's key");
        // Flip one character of the tag.
        let mut chars: Vec<char> = hash.chars().collect();
        let last = chars.len() - 1;
        chars[last] = if chars[last] == 'A' { 'B' } else { 'A' };
        let tampered: String = chars.into_iter().collect();
        assert_eq!(signer.verify_join_hash(&tampered), None);
        for junk in ["", "x", "%%%%", &"A".repeat(43), &"A".repeat(500)] {
            assert_eq!(signer.verify_join_hash(junk), None, "{junk}");
        }
    }

    #[test]
    fn resume_tokens_round_trip_and_refuse_tampering() {
        let signer = Signer::new([3; 32]);
        let claim = ResumeClaim {
            meeting: "aaaaaaaaaaaaaaaaaaaaaaaa".into(),
            participant: "bbbbbbbbbbbbbbbbbbbbbbbb".into(),
            peer: "cccccccccccccccccccccccc".into(),
            issued: 1_900_000_000,
            room: None,
        };
        let token = signer.resume_token(&claim);
        assert_eq!(signer.verify_resume(&token), Some(claim.clone()));
        // A room's seat: who it was comes back whole, whatever the name holds.
        let seat = ResumeClaim {
            room: Some(RoomSeat {
                role: crate::model::meeting::Role::Viewer,
                name: "Zoë. O'Brien / 名前".into(),
                external_id: Some("crm.42".into()),
            }),
            ..claim.clone()
        };
        let seat_token = signer.resume_token(&seat);
        assert_eq!(signer.verify_resume(&seat_token), Some(seat.clone()));
        let no_ext = ResumeClaim {
            room: Some(RoomSeat {
                external_id: None,
                ..seat.room.clone().unwrap()
            }),
            ..claim.clone()
        };
        assert_eq!(
            signer.verify_resume(&signer.resume_token(&no_ext)),
            Some(no_ext)
        );
        // Its role cannot be raised: the tag covers it.
        assert_eq!(
            signer.verify_resume(&seat_token.replacen(".v.", ".h.", 1)),
            None
        );
        // Another key, another peer id, a truncated tag, junk: refused.
        assert_eq!(Signer::new([4; 32]).verify_resume(&token), None);
        let other_peer = token.replace("cccccccccccccccccccccccc", "dddddddddddddddddddddddd");
        assert_eq!(signer.verify_resume(&other_peer), None);
        assert_eq!(signer.verify_resume(&token[..token.len() - 2]), None);
        for junk in ["", ".", "v1", "v1.a.b.c.d.e", &"x".repeat(500)] {
            assert_eq!(signer.verify_resume(junk), None, "{junk}");
        }
    }

    #[test]
    fn key_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        let a = Signer::load_or_create(&path).unwrap();
        let b = Signer::load_or_create(&path).unwrap();
        let link = Signer::new_link_id();
        assert_eq!(a.join_hash(&link), b.join_hash(&link));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, b"short").unwrap();
        assert!(Signer::load_or_create(&path).is_err());
    }

    #[test]
    fn appointment_tokens_open_their_own_appointment_and_role_only() {
        use crate::model::appointment::Attendee;
        let signer = Signer::new([5; 32]);
        let id = "9fac14a0-4829-4b7b-b3d6-d2b189290409";
        let claimant = signer.appointment_token(id, Attendee::Claimant).unwrap();
        let interpreter = signer.appointment_token(id, Attendee::Interpreter).unwrap();
        assert_ne!(claimant, interpreter);
        assert_eq!(claimant.len(), 43);
        assert_eq!(
            signer.verify_appointment_token(&claimant),
            Some((id.to_string(), Attendee::Claimant))
        );
        assert_eq!(
            signer.verify_appointment_token(&interpreter),
            Some((id.to_string(), Attendee::Interpreter))
        );
        assert_eq!(
            Signer::new([6; 32]).verify_appointment_token(&claimant),
            None
        );
        // Another appointment's id under this tag, a cut tag, junk: refused.
        let mut other = URL_SAFE_NO_PAD.decode(&claimant).unwrap();
        other[0] ^= 1;
        assert_eq!(
            signer.verify_appointment_token(&URL_SAFE_NO_PAD.encode(other)),
            None
        );
        for junk in ["", "abc", &claimant[..40], &"A".repeat(43)] {
            assert_eq!(signer.verify_appointment_token(junk), None, "{junk}");
        }
        assert_eq!(
            signer.appointment_token("not-a-uuid", Attendee::Claimant),
            None
        );
    }
}
