//! A site's colours and font, applied as CSS custom properties on the root element (CSSOM:
//! allowed under our CSP, unlike inline style attributes).

use crate::model::booking::Theme;

/// Is this a `#rrggbb` colour?
pub fn is_hex_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Is this a plausible font-family list (names, quotes, commas, spaces, hyphens)?
pub fn is_font_list(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 200
        && s.chars()
            .all(|c| c.is_alphanumeric() || " ,-_'\"".contains(c))
}

/// Apply a theme; values that are not valid are skipped.
pub fn apply(theme: &Theme) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
    else {
        return;
    };
    let style = root.style();
    if let Some(c) = theme.primary_color.as_deref().filter(|c| is_hex_colour(c)) {
        let _ = style.set_property("--consult-primary", c);
    }
    if let Some(c) = theme.text_color.as_deref().filter(|c| is_hex_colour(c)) {
        let _ = style.set_property("--consult-text", c);
    }
    if let Some(f) = theme.font.as_deref().filter(|f| is_font_list(f)) {
        let _ = style.set_property("--consult-font", f);
    }
}
