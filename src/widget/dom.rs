//! Small browser helpers.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsValue;

/// A Rust closure handed to the browser as an event handler; kept alive by its owner and
/// detached when the owner is dropped.
pub type JsHandler = Closure<dyn FnMut(JsValue)>;

/// The value of a query parameter of the current URL.
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
        .filter(|v| !v.is_empty())
}

/// The path of the current URL.
pub fn path() -> String {
    web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default()
}

/// `scheme://host[:port]` of a URL, or `None`.
pub fn origin_of(url: &str) -> Option<String> {
    if url.is_empty() {
        return None;
    }
    let origin = web_sys::Url::new(url).ok()?.origin();
    (origin != "null").then_some(origin)
}

/// The visitor's IANA time zone as the browser reports it.
pub fn visitor_time_zone() -> String {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
        .resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| "UTC".into())
}

/// Format a UTC instant in a zone: `options` as for `Intl.DateTimeFormat` (pairs of
/// option name and value).
pub fn format_instant(ms: i64, zone: &str, options: &[(&str, &str)]) -> String {
    let opts = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&opts, &"timeZone".into(), &zone.into());
    for (k, v) in options {
        let _ = js_sys::Reflect::set(&opts, &JsValue::from_str(k), &JsValue::from_str(v));
    }
    let locales = js_sys::Array::of1(&"en-GB".into());
    let format = js_sys::Intl::DateTimeFormat::new(&locales, &opts).format();
    format
        .call1(
            &JsValue::UNDEFINED,
            &js_sys::Date::new(&JsValue::from_f64(ms as f64)),
        )
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// "Monday 23 November" for an instant in a zone.
pub fn day_label(ms: i64, zone: &str) -> String {
    format_instant(
        ms,
        zone,
        &[("weekday", "long"), ("day", "numeric"), ("month", "long")],
    )
}

/// "09:15" for an instant in a zone.
pub fn time_label(ms: i64, zone: &str) -> String {
    format_instant(
        ms,
        zone,
        &[
            ("hour", "2-digit"),
            ("minute", "2-digit"),
            ("hourCycle", "h23"),
        ],
    )
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// Wait `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms.max(0));
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
