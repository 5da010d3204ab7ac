//! A site's colours and font, applied as CSS custom properties on the root element (CSSOM:
//! allowed under our CSP, unlike inline style attributes).

use crate::model::booking::Theme;
use crate::model::white_label::{is_colour, is_font_list};

/// The page's root element, where the custom properties go.
fn root() -> Option<web_sys::HtmlElement> {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
}

/// Apply the white-label attributes the embed element passed in the page's query, over the
/// site's theme (attributes win). Invalid values are skipped (`embed.js` warned already).
pub fn apply_attributes() {
    use crate::model::white_label;
    let Some(root) = root() else {
        return;
    };
    let style = root.style();
    for p in white_label::PROPERTIES {
        if let Some(v) = crate::widget::dom::query_param(p.attribute).and_then(|v| p.value(&v)) {
            let _ = style.set_property(p.css, &v);
        }
    }
    if let Some(t) = crate::widget::dom::query_param("theme").and_then(|t| white_label::theme(&t)) {
        let _ = root.set_attribute("data-theme", t);
    }
    if crate::widget::dom::query_param("hide-details")
        .and_then(|v| white_label::hide_details(&v))
        .unwrap_or(false)
    {
        let _ = root.set_attribute("data-hide-details", "");
    }
}

/// Is a feature (`chat`, `screenshare`) switched on for this page?
pub fn feature(name: &str) -> bool {
    crate::model::white_label::switched_on(crate::widget::dom::query_param(name).as_deref())
}

/// Apply a theme; values that are not valid are skipped.
pub fn apply(theme: &Theme) {
    let Some(root) = root() else {
        return;
    };
    let style = root.style();
    if let Some(c) = theme.primary_color.as_deref().filter(|c| is_colour(c)) {
        let _ = style.set_property("--consult-primary", c);
    }
    if let Some(c) = theme.text_color.as_deref().filter(|c| is_colour(c)) {
        let _ = style.set_property("--consult-text", c);
    }
    if let Some(c) = theme.secondary_color.as_deref().filter(|c| is_colour(c)) {
        let _ = style.set_property("--consult-surface", c);
    }
    if let Some(c) = theme.focus_color.as_deref().filter(|c| is_colour(c)) {
        let _ = style.set_property("--consult-focus", c);
    }
    if let Some(f) = theme.font.as_deref().filter(|f| is_font_list(f)) {
        let _ = style.set_property("--consult-font", f);
    }
    // Only an image Consult serves (the path the server gave, checked again).
    if let Some(b) = theme.background.as_deref().filter(|b| is_media_path(b)) {
        let _ = style.set_property("--consult-waiting-bg", &format!("url(\"{b}\")"));
    }
}

/// `/media/sites/{24 hex}/{logo|background}` or `/media/rooms/{24 hex}/{logo|background|knock}`.
fn is_media_path(p: &str) -> bool {
    let (rest, room) = match p.strip_prefix("/media/sites/") {
        Some(rest) => (rest, false),
        None => match p.strip_prefix("/media/rooms/") {
            Some(rest) => (rest, true),
            None => return false,
        },
    };
    rest.split_once('/').is_some_and(|(id, kind)| {
        id.len() == 24
            && id.bytes().all(|b| b.is_ascii_hexdigit())
            && (matches!(kind, "logo" | "background") || (room && kind == "knock"))
    })
}

/// The logo to show: the `logo` attribute (`none`, or a logo Consult serves) over the site's
/// own, else none.
pub fn logo(site: Option<&str>) -> Option<String> {
    use crate::model::white_label::{logo, Logo};
    let ours = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    match crate::widget::dom::query_param("logo").and_then(|v| logo(&v, &ours)) {
        Some(Logo::Hidden) => None,
        Some(Logo::Served(path)) => Some(path),
        None => site.filter(|p| is_media_path(p)).map(str::to_string),
    }
}
