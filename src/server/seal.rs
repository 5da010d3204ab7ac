//! Sealing what must wait in the database but is a secret while it waits: the outbox's
//! messages carry set-password, join and manage links until they are sent.
//!
//! ChaCha20-Poly1305 under a key derived from the server's key (`secret.key`, beside the
//! database, never in it), so a copy of the database alone opens nothing. Each sealed value is
//! bound to what it belongs to (the outbox row's id, channel and recipient) as associated
//! data: moved to another row or readdressed, it no longer opens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

/// Prefix of sealed values (the format's version).
const PREFIX: &str = "s1.";

/// Seals and opens values under one key.
#[derive(Clone)]
pub struct Sealer {
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(…)")
    }
}

impl Sealer {
    /// A sealer with this key.
    pub fn new(key: [u8; 32]) -> Self {
        Sealer {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key)),
        }
    }

    /// Seal `plain`, bound to `context`: `s1.` and base64url of a random 96-bit nonce and the
    /// ciphertext with its tag.
    pub fn seal(&self, plain: &[u8], context: &[u8]) -> String {
        let nonce = super::tokens::random_bytes::<12>();
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: context,
                },
            )
            // Only fails for inputs of gigabytes: never an outbox message.
            .expect("a message of a sane size seals");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(out))
    }

    /// Open a sealed value; `None` if it is not one, was sealed under another key or for
    /// another context, or was changed.
    pub fn open(&self, sealed: &str, context: &[u8]) -> Option<Vec<u8>> {
        let raw = URL_SAFE_NO_PAD
            .decode(sealed.strip_prefix(PREFIX)?.as_bytes())
            .ok()?;
        if raw.len() < 12 + 16 {
            return None;
        }
        let (nonce, sealed) = raw.split_at(12);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: context,
                },
            )
            .ok()
    }

    /// Does this look like a sealed value (rather than text stored by an older version)?
    pub fn is_sealed(value: &str) -> bool {
        value.starts_with(PREFIX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_only_with_the_key_and_the_context() {
        let a = Sealer::new([1; 32]);
        let secret = b"https://consult.example/activate/abcdef";
        let sealed = a.seal(secret, b"row-1");
        assert!(Sealer::is_sealed(&sealed));
        assert!(!String::from_utf8_lossy(sealed.as_bytes()).contains("activate"));
        assert_eq!(a.open(&sealed, b"row-1").as_deref(), Some(&secret[..]));
        // Another row, another key, a changed byte, junk: nothing.
        assert_eq!(a.open(&sealed, b"row-2"), None);
        assert_eq!(Sealer::new([2; 32]).open(&sealed, b"row-1"), None);
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 1;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(a.open(&String::from_utf8(bytes).unwrap(), b"row-1"), None);
        for junk in ["", "s1.", "s1.AAAA", "plain text"] {
            assert_eq!(a.open(junk, b"row-1"), None, "{junk}");
        }
        // A fresh nonce each time: the same message never seals to the same text.
        assert_ne!(a.seal(b"x", b"c"), a.seal(b"x", b"c"));
    }
}
