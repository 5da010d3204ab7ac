//! The ICE servers a peer is given when it enters a call, with TURN credentials signed for it.
//!
//! TURN uses coturn's REST-API scheme (`use-auth-secret`): the username is
//! `{expiry unix seconds}:{peer id}` and the password `base64(HMAC-SHA1(secret, username))`.
//! coturn shares the secret and checks both, so no per-user state is needed anywhere and a
//! credential dies on its own. We sign it to last until the meeting is over (its end, or the
//! room's closing if later) plus a margin, so a call that runs late keeps its relay.

use crate::model::meeting::MeetingBrief;
use crate::model::signal::IceServer;
use crate::model::PeerId;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};

/// A TURN server (or several) sharing one REST-API secret with us.
#[derive(Clone)]
pub struct TurnConfig {
    /// `turn:`/`turns:` URLs, e.g. `turn:turn.example.org:3478?transport=udp`.
    pub urls: Vec<String>,
    /// coturn's `static-auth-secret`.
    pub secret: String,
    /// How long after the meeting a credential still works.
    pub margin: Duration,
}

impl std::fmt::Debug for TurnConfig {
    // The secret stays out of logs and panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TurnConfig")
            .field("urls", &self.urls)
            .field("margin", &self.margin)
            .finish_non_exhaustive()
    }
}

/// Everything peers need to find each other.
#[derive(Clone, Debug, Default)]
pub struct IceConfig {
    /// Fixed entries (STUN, or TURN with static credentials), handed out as they are.
    pub servers: Vec<IceServer>,
    /// TURN with credentials signed per peer.
    pub turn: Option<TurnConfig>,
    /// Tell browsers to use relayed candidates only (`iceTransportPolicy: "relay"`): no
    /// participant learns another's IP address, at the cost of always relaying.
    pub relay_only: bool,
}

impl IceConfig {
    /// The list for one peer of one meeting, signed at `now`.
    pub fn for_peer(&self, meeting: &MeetingBrief, peer: &PeerId) -> Vec<IceServer> {
        let mut list = self.servers.clone();
        if let Some(turn) = &self.turn {
            let until = meeting.ends_at.max(meeting.closes_at) + turn.margin;
            let username = format!("{}:{}", until.timestamp(), peer);
            list.push(IceServer {
                urls: turn.urls.clone(),
                credential: Some(credential(&turn.secret, &username)),
                username: Some(username),
            });
        }
        list
    }
}

/// coturn's REST-API password for `username`: base64(HMAC-SHA1(secret, username)).
pub fn credential(secret: &str, username: &str) -> String {
    let mut mac =
        Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(username.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The expiry a REST-API username carries, if it has one.
pub fn expiry(username: &str) -> Option<DateTime<Utc>> {
    let (secs, _) = username.split_once(':')?;
    DateTime::from_timestamp(secs.parse().ok()?, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MeetingId;

    #[test]
    fn credential_matches_an_independent_hmac_sha1() {
        // RFC 2202 test case 2: HMAC-SHA1("Jefe", "what do ya want for nothing?")
        // = effcdf6ae5eb2fa2d27416d5f184df9c259a7c79, here base64-encoded.
        assert_eq!(
            credential("Jefe", "what do ya want for nothing?"),
            "7/zfauXrL6LSdBbV8YTfnCWafHk="
        );
    }

    #[test]
    fn signed_until_the_meeting_is_over_plus_margin() {
        let start = DateTime::from_timestamp(1_900_000_000, 0).unwrap();
        let meeting = MeetingBrief {
            id: MeetingId::parse("0123456789abcdef01234567").unwrap(),
            subject: "s".into(),
            site_name: "x".into(),
            host_name: "h".into(),
            starts_at: start,
            ends_at: start + Duration::minutes(30),
            opens_at: start - Duration::minutes(10),
            closes_at: start + Duration::minutes(45),
            time_zone: "UTC".into(),
        };
        let peer = PeerId::parse("89abcdef0123456789abcdef").unwrap();
        let stun = IceServer {
            urls: vec!["stun:127.0.0.1:3478".into()],
            username: None,
            credential: None,
        };
        let mut config = IceConfig {
            servers: vec![stun.clone()],
            turn: None,
            relay_only: false,
        };
        assert_eq!(config.for_peer(&meeting, &peer), vec![stun.clone()]);
        config.turn = Some(TurnConfig {
            urls: vec!["turn:127.0.0.1:3478".into()],
            secret: "s3cret".into(),
            margin: Duration::minutes(60),
        });
        let list = config.for_peer(&meeting, &peer);
        assert_eq!(list.len(), 2);
        let turn = &list[1];
        let user = turn.username.as_deref().unwrap();
        assert_eq!(
            expiry(user),
            Some(start + Duration::minutes(45) + Duration::minutes(60))
        );
        assert!(user.ends_with(":89abcdef0123456789abcdef"));
        assert_eq!(
            turn.credential.as_deref(),
            Some(credential("s3cret", user).as_str())
        );
        assert_ne!(credential("other", user), credential("s3cret", user));
        assert!(!format!("{:?}", config.turn).contains("s3cret"));
    }
}
