//! White label through the embed elements' attributes: which attributes there are, what a
//! valid value looks like, and the CSS custom property each one sets inside the frame.
//!
//! `embed.js` checks the same rules on the host page (and warns there, naming the
//! attribute); the widget checks again, so a value that slips through is still ignored. The
//! two accept exactly the same values: `white_label_cases.json` is one table of cases that
//! [`accepts`] and embed.js's `accepts` are both tested against.
//! Precedence: attribute, then the site's settings from the API, then the stylesheet's
//! defaults.

/// An attribute and the custom property it sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Property {
    /// The element attribute (and query parameter) name.
    pub attribute: &'static str,
    /// The CSS custom property it sets.
    pub css: &'static str,
    kind: Kind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Colour,
    Font,
    Radius,
}

/// The attributes that set a custom property.
pub const PROPERTIES: &[Property] = &[
    Property {
        attribute: "primary-color",
        css: "--consult-primary",
        kind: Kind::Colour,
    },
    Property {
        attribute: "secondary-color",
        css: "--consult-surface",
        kind: Kind::Colour,
    },
    Property {
        attribute: "focus-color",
        css: "--consult-focus",
        kind: Kind::Colour,
    },
    Property {
        attribute: "text-color",
        css: "--consult-text",
        kind: Kind::Colour,
    },
    Property {
        attribute: "background",
        css: "--consult-bg",
        kind: Kind::Colour,
    },
    Property {
        attribute: "font",
        css: "--consult-font",
        kind: Kind::Font,
    },
    Property {
        attribute: "radius",
        css: "--consult-radius",
        kind: Kind::Radius,
    },
];

/// `#rgb` or `#rrggbb`.
pub fn is_colour(s: &str) -> bool {
    (s.len() == 4 || s.len() == 7)
        && s.starts_with('#')
        && s[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// A font-family list of names installed on the visitor's device (no URLs: the widget makes
/// no third-party requests): 1 to 200 ASCII letters, digits, spaces, commas, hyphens,
/// underscores and quotes, not only spaces.
pub fn is_font_list(s: &str) -> bool {
    !s.trim().is_empty()
        && s.len() <= 200
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || " ,-_'\"".contains(c))
}

/// A radius: `0` to `48`, optionally with `px`, no leading zeros.
fn radius(s: &str) -> Option<u32> {
    let digits = s.strip_suffix("px").unwrap_or(s);
    let well_formed = !digits.is_empty()
        && digits.len() <= 2
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !(digits.len() == 2 && digits.starts_with('0'));
    let n: u32 = digits.parse().ok().filter(|_| well_formed)?;
    (n <= 48).then_some(n)
}

impl Property {
    /// The CSS value for an attribute value, or `None` if it is not valid.
    pub fn value(&self, raw: &str) -> Option<String> {
        let raw = raw.trim();
        match self.kind {
            Kind::Colour => is_colour(raw).then(|| raw.to_string()),
            Kind::Font => is_font_list(raw).then(|| raw.to_string()),
            // `12` or `12px`, at most 48.
            Kind::Radius => radius(raw).map(|n| format!("{n}px")),
        }
    }
}

/// `theme`: `light`, `dark` or `auto` (the visitor's system setting).
pub fn theme(raw: &str) -> Option<&'static str> {
    match raw.trim() {
        "light" => Some("light"),
        "dark" => Some("dark"),
        "auto" => Some("auto"),
        _ => None,
    }
}

/// What the `logo` attribute asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Logo {
    /// `none`: no logo, even if the site has one.
    Hidden,
    /// An image Consult serves: a site's uploaded logo, `/media/sites/{id}/logo`.
    Served(String),
}

/// `logo`: `none`, or the address of a logo uploaded to Consult (as the site API's `logo`
/// gives it: absolute on Consult's origin `ours`, or just its path). Anything else would make
/// the frame fetch an image from someone else, and is ignored.
pub fn logo(raw: &str, ours: &str) -> Option<Logo> {
    let raw = raw.trim();
    if raw == "none" {
        return Some(Logo::Hidden);
    }
    let path = raw.strip_prefix(ours).unwrap_or(raw);
    let id = path.strip_prefix("/media/sites/")?.strip_suffix("/logo")?;
    (id.len() == 24 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then(|| Logo::Served(path.to_string()))
}

/// A feature switch (`chat`, `screenshare`): `on` or `off`.
pub fn switch(raw: &str) -> Option<bool> {
    match raw.trim() {
        "on" => Some(true),
        "off" => Some(false),
        _ => None,
    }
}

/// Is a feature on? Unless its switch says `off` (anything else is ignored).
pub fn switched_on(raw: Option<&str>) -> bool {
    raw.and_then(switch).unwrap_or(true)
}

/// `hide-details`: present without a value, `true` or `false`.
pub fn hide_details(raw: &str) -> Option<bool> {
    match raw.trim() {
        "" | "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Would the widget take this white-label attribute value? (`ours`: Consult's origin, for
/// `logo`.) Unknown attributes are not white label: `false`.
pub fn accepts(attribute: &str, value: &str, ours: &str) -> bool {
    if let Some(p) = PROPERTIES.iter().find(|p| p.attribute == attribute) {
        return p.value(value).is_some();
    }
    match attribute {
        "theme" => theme(value).is_some(),
        "hide-details" => hide_details(value).is_some(),
        "chat" | "screenshare" => switch(value).is_some(),
        "logo" => logo(value, ours).is_some(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logos_come_from_consult_only() {
        let ours = "https://consult.example";
        let path = "/media/sites/0123456789abcdef01234567/logo";
        assert_eq!(logo("none", ours), Some(Logo::Hidden));
        assert_eq!(logo(path, ours), Some(Logo::Served(path.into())));
        assert_eq!(
            logo(&format!("{ours}{path}"), ours),
            Some(Logo::Served(path.into()))
        );
        for bad in [
            "https://cdn.example/logo.png",
            &format!("https://evil.example{path}"),
            "/media/sites/0123456789abcdef01234567/background",
            "/media/sites/0123456789ABCDEF01234567/logo",
            "/media/sites/../../x/logo",
            "//evil.example/media/sites/0123456789abcdef01234567/logo",
            "",
        ] {
            assert_eq!(logo(bad, ours), None, "{bad}");
        }
    }

    fn prop(name: &str) -> &'static Property {
        PROPERTIES.iter().find(|p| p.attribute == name).unwrap()
    }

    #[test]
    fn valid_values_become_css_and_the_rest_is_ignored() {
        assert_eq!(
            prop("primary-color").value(" #AA0000 "),
            Some("#AA0000".into())
        );
        assert_eq!(prop("background").value("#111"), Some("#111".into()));
        for bad in ["red", "#12345", "#gggggg", "#1234567", "url(x)", ""] {
            assert_eq!(prop("primary-color").value(bad), None, "{bad}");
        }
        assert_eq!(
            prop("font").value("Georgia, 'Times New Roman', serif"),
            Some("Georgia, 'Times New Roman', serif".into())
        );
        for bad in ["x; color: red", "url(https://fonts.example/x.woff)", "a{}"] {
            assert_eq!(prop("font").value(bad), None, "{bad}");
        }
        assert_eq!(prop("radius").value("2"), Some("2px".into()));
        assert_eq!(prop("radius").value("16px"), Some("16px".into()));
        assert_eq!(prop("radius").value("49px"), None);
        assert_eq!(prop("radius").value("1em"), None);
        assert_eq!(theme("dark"), Some("dark"));
        assert_eq!(theme("blue"), None);
        assert!(switched_on(None) && switched_on(Some("on")));
        assert!(!switched_on(Some("off")) && switched_on(Some("nonsense")));
    }

    /// One table for both sides: embed.js's `accepts` is run over the same file by
    /// `tests/js/white_label.mjs` (scripts/test.sh).
    #[test]
    fn the_shared_table_of_cases() {
        #[derive(serde::Deserialize)]
        struct Case(String, String, bool);
        let cases: Vec<Case> =
            serde_json::from_str(include_str!("white_label_cases.json")).unwrap();
        assert!(cases.len() > 40);
        for Case(attribute, value, expected) in cases {
            assert_eq!(
                accepts(&attribute, &value, "https://consult.example"),
                expected,
                "{attribute}={value:?}"
            );
        }
    }
}
