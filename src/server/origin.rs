//! Web origins: normalising them and checking a request against a site's list.

use crate::model::{AppError, ErrorCode};

/// Normalise an origin (`scheme://host[:port]`, lower case, default ports dropped).
/// Accepts a full URL too (a referrer), keeping only its origin. `None` if not http(s).
pub fn normalize(input: &str) -> Option<String> {
    let input = input.trim();
    let (scheme, rest) = input.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let authority = authority.to_ascii_lowercase();
    let authority = match (scheme.as_str(), authority.rsplit_once(':')) {
        ("http", Some((host, "80"))) | ("https", Some((host, "443"))) => host.to_string(),
        _ => authority,
    };
    Some(format!("{scheme}://{authority}"))
}

/// Is `origin` (as sent) equal to ours or on the site's list?
pub fn allowed(origin: &str, ours: &str, site_origins: &[String]) -> bool {
    let Some(origin) = normalize(origin) else {
        return false;
    };
    origin == ours
        || site_origins
            .iter()
            .any(|o| normalize(o).as_deref() == Some(&origin))
}

/// Check the origin a widget reports for its host page, and the request's own `Origin`
/// header (present on every browser POST): both must be ours or on the site's list.
pub fn check(
    host_origin: &str,
    request_origin: Option<&str>,
    ours: &str,
    site_origins: &[String],
) -> Result<(), AppError> {
    let refused = || {
        AppError::new(
            ErrorCode::OriginNotAllowed,
            "this page is not allowed to embed this site's booking form",
        )
        .with_field("origin")
    };
    if let Some(request_origin) = request_origin {
        if !allowed(request_origin, ours, site_origins) {
            return Err(refused());
        }
    }
    if !allowed(host_origin, ours, site_origins) {
        return Err(refused());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises() {
        assert_eq!(
            normalize("HTTP://Example.COM:80/path?q").as_deref(),
            Some("http://example.com")
        );
        assert_eq!(normalize("https://a.b:443").as_deref(), Some("https://a.b"));
        assert_eq!(
            normalize("http://127.0.0.1:8081/").as_deref(),
            Some("http://127.0.0.1:8081")
        );
        assert_eq!(normalize("ftp://x"), None);
        assert_eq!(normalize("null"), None);
        assert_eq!(normalize("http://user@evil.com"), None);
        assert_eq!(normalize("http://"), None);
    }

    #[test]
    fn checks_both_origins() {
        let ours = "http://127.0.0.1:8080";
        let list = vec!["http://127.0.0.1:8081".to_string()];
        assert!(check("http://127.0.0.1:8081/", Some(ours), ours, &list).is_ok());
        assert!(check(ours, None, ours, &list).is_ok());
        let e = check("http://evil.test", Some(ours), ours, &list).unwrap_err();
        assert_eq!(e.status, 403);
        assert!(check(
            "http://127.0.0.1:8081",
            Some("http://evil.test"),
            ours,
            &list
        )
        .is_err());
        assert!(check("", None, ours, &list).is_err());
    }
}
