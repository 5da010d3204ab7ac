//! Who is asking: the client address that limits are counted against.
//!
//! The connection's peer address, unless that peer is one of the operator's trusted proxies
//! (`--trusted-proxies`): then the right-most `X-Forwarded-For` entry that is not itself a
//! trusted proxy. Entries further left were written by the client and prove nothing.

use axum::http::{Extensions, HeaderMap};
use std::net::{IpAddr, SocketAddr};

/// The client address of a request, from its head (`None` when the server was not started
/// with connection info, as in some tests).
pub fn address(trusted: &[IpAddr], headers: &HeaderMap, extensions: &Extensions) -> Option<IpAddr> {
    let peer = extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())?;
    Some(behind(trusted, peer, headers))
}

/// The client behind `peer`.
pub fn behind(trusted: &[IpAddr], peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    if !trusted.contains(&canonical(peer)) {
        return canonical(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .map(canonical)
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|a| !trusted.contains(a))
        .unwrap_or(canonical(peer))
}

/// IPv4 addresses seen through an IPv6 socket (`::ffff:a.b.c.d`) count as themselves.
fn canonical(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(a),
        v4 => v4,
    }
}

/// The key limits count an address under: the address itself for IPv4, its /64 network for
/// IPv6 (one subscriber gets a whole /64 and could otherwise rotate through it).
pub fn limit_key(a: IpAddr) -> String {
    match a {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// Count one public call (server functions, and the booking page's first times) against the
/// client address's share; `None` when the address is unknown (a server started without
/// connection info, as in some tests).
pub async fn count_public(
    state: &super::AppState,
    headers: &HeaderMap,
    extensions: &Extensions,
) -> Option<super::api::quota::Standing> {
    let a = address(&state.config.trusted_proxies, headers, extensions)?;
    Some(
        state
            .quotas
            .count(
                &format!("public:{}", limit_key(a)),
                state.config.public_quota,
                chrono::Utc::now(),
            )
            .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "6.6.6.6, 203.0.113.7".parse().unwrap());
        let stranger: IpAddr = "198.51.100.1".parse().unwrap();
        // A client cannot claim another address by sending the header itself.
        assert_eq!(behind(&[proxy], stranger, &h), stranger);
        // Behind the proxy: the entry the proxy appended, not the one the client made up.
        assert_eq!(
            behind(&[proxy], proxy, &h),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        // Two trusted proxies in a row are skipped.
        let inner: IpAddr = "10.0.0.6".parse().unwrap();
        h.insert("x-forwarded-for", "203.0.113.9, 10.0.0.5".parse().unwrap());
        assert_eq!(
            behind(&[proxy, inner], inner, &h),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        // Nothing usable: the proxy itself.
        assert_eq!(behind(&[proxy], proxy, &HeaderMap::new()), proxy);
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_network() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        assert_eq!(limit_key(a), limit_key(b));
        assert_eq!(limit_key("192.0.2.1".parse().unwrap()), "192.0.2.1");
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(canonical(mapped), "192.0.2.1".parse::<IpAddr>().unwrap());
    }
}
