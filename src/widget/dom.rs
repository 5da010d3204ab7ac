//! Small browser helpers.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// A Rust closure handed to the browser as an event handler; kept alive by its owner and
/// detached when the owner is dropped.
pub type JsHandler = Closure<dyn FnMut(JsValue)>;

/// Call a method web-sys does not bind (yet), if the object has it: `target.name(...args)`.
pub fn call_method(target: &JsValue, name: &str, args: &[JsValue]) -> Option<JsValue> {
    let f: js_sys::Function = js_sys::Reflect::get(target, &name.into())
        .ok()?
        .dyn_into()
        .ok()?;
    let args: js_sys::Array = args.iter().collect();
    js_sys::Reflect::apply(&f, target, &args).ok()
}

/// The value of a query parameter of the current URL.
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
        .filter(|v| !v.is_empty())
}

/// A JSON data block of the page (`<script type="application/json" id=…>`), parsed.
pub fn json_block<T: serde::de::DeserializeOwned>(id: &str) -> Option<T> {
    let text = web_sys::window()?
        .document()?
        .get_element_by_id(id)?
        .text_content()?;
    serde_json::from_str(&text).ok()
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

/// Format a UTC instant in a zone, in British English: `options` as for
/// `Intl.DateTimeFormat` (pairs of option name and value).
pub fn format_instant(ms: i64, zone: &str, options: &[(&str, &str)]) -> String {
    format_in(ms, zone, "en-GB", options)
}

/// One `Intl.DateTimeFormat`, made once and used for many instants: making one costs far
/// more than using it (a booking form formats hundreds of times).
pub struct Formatter(js_sys::Function);

impl Formatter {
    /// A formatter for a zone and a locale (`nl-NL`, `en-GB`) with `Intl` options.
    pub fn new(zone: &str, locale: &str, options: &[(&str, &str)]) -> Formatter {
        let opts = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&opts, &"timeZone".into(), &zone.into());
        for (k, v) in options {
            let _ = js_sys::Reflect::set(&opts, &JsValue::from_str(k), &JsValue::from_str(v));
        }
        let locales = js_sys::Array::of1(&locale.into());
        Formatter(js_sys::Intl::DateTimeFormat::new(&locales, &opts).format())
    }

    /// A UTC instant (ms), formatted.
    pub fn format(&self, ms: i64) -> String {
        self.0
            .call1(
                &JsValue::UNDEFINED,
                &js_sys::Date::new(&JsValue::from_f64(ms as f64)),
            )
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    }
}

/// Format a UTC instant in a zone and a locale (`nl-NL`, `en-GB`).
pub fn format_in(ms: i64, zone: &str, locale: &str, options: &[(&str, &str)]) -> String {
    Formatter::new(zone, locale, options).format(ms)
}

/// "Monday 23 November" (or "maandag 23 november") for an instant in a zone, in the
/// page's language: the words around it are in that language too.
pub fn day_label(ms: i64, zone: &str, lang: crate::model::i18n::Lang) -> String {
    format_in(
        ms,
        zone,
        lang.locale(),
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

/// The local calendar date of an instant in a zone.
pub fn local_date(ms: i64, zone: &str) -> Option<chrono::NaiveDate> {
    LocalDates::new(zone).date(ms)
}

/// The local dates of instants in one zone, with one formatter for them all.
pub struct LocalDates(Formatter);

impl LocalDates {
    /// Dates in `zone`.
    pub fn new(zone: &str) -> LocalDates {
        // en-CA writes dates as YYYY-MM-DD.
        LocalDates(Formatter::new(
            zone,
            "en-CA",
            &[
                ("year", "numeric"),
                ("month", "2-digit"),
                ("day", "2-digit"),
            ],
        ))
    }

    /// The date of a UTC instant (ms) there.
    pub fn date(&self, ms: i64) -> Option<chrono::NaiveDate> {
        let text = self.0.format(ms);
        // Read by hand: chrono's format parser would add its weight to the wasm.
        let mut parts = text.splitn(3, '-').map(|p| p.parse::<u32>().ok());
        let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
        chrono::NaiveDate::from_ymd_opt(y as i32, m, d)
    }
}

/// Format a calendar date (not an instant) in a locale: it is formatted at noon UTC in UTC,
/// so no zone can move it to another day.
pub fn format_date(date: chrono::NaiveDate, locale: &str, options: &[(&str, &str)]) -> String {
    let ms = date
        .and_hms_opt(12, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or_default();
    format_in(ms, "UTC", locale, options)
}

/// Whether the browser knows a time zone by this name.
pub fn is_time_zone(zone: &str) -> bool {
    let opts = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&opts, &"timeZone".into(), &zone.into());
    // The constructor throws a RangeError for an unknown zone.
    let ctor: JsValue =
        js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
            .constructor()
            .into();
    js_sys::Reflect::construct(
        &ctor.into(),
        &js_sys::Array::of2(&js_sys::Array::new(), &opts),
    )
    .is_ok()
}

/// Every time zone the browser knows (`Intl.supportedValuesOf("timeZone")`), or none.
pub fn time_zones() -> Vec<String> {
    let intl: JsValue = js_sys::Reflect::get(&js_sys::global(), &"Intl".into()).unwrap_or_default();
    let Ok(f) = js_sys::Reflect::get(&intl, &"supportedValuesOf".into()) else {
        return Vec::new();
    };
    let Ok(f) = wasm_bindgen::JsCast::dyn_into::<js_sys::Function>(f) else {
        return Vec::new();
    };
    match f.call1(&intl, &"timeZone".into()) {
        Ok(list) => js_sys::Array::from(&list)
            .iter()
            .filter_map(|v| v.as_string())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// The browser's preferred languages, most preferred first.
pub fn browser_languages() -> Vec<String> {
    let Some(nav) = web_sys::window().map(|w| w.navigator()) else {
        return Vec::new();
    };
    let mut out: Vec<String> = nav
        .languages()
        .iter()
        .filter_map(|v| v.as_string())
        .collect();
    if let Some(l) = nav.language() {
        out.push(l);
    }
    out
}

/// The page's language: `preferred` (an attribute or `?lang=`), else the browser's, else
/// English; also set on the document.
pub fn page_lang(preferred: Option<String>) -> crate::model::i18n::Lang {
    let tags: Vec<String> = preferred.into_iter().chain(browser_languages()).collect();
    let lang = crate::model::i18n::Lang::choose(tags.iter().map(String::as_str));
    set_document_lang(lang.code());
    lang
}

/// Set the document's language (`<html lang>`), for screen readers and hyphenation.
pub fn set_document_lang(code: &str) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("lang", code);
    }
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

/// Let a promise settle with nothing to do with its outcome: a refusal we expect (autoplay
/// before a click, a context closed while resuming, a `play()` cut short by a new stream) is
/// handled here instead of reaching the console as an uncaught error.
pub fn settle(promise: Result<js_sys::Promise, JsValue>) {
    if let Ok(p) = promise {
        wasm_bindgen_futures::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(p).await;
        });
    }
}

/// Move keyboard focus to the element with this id, if there is one.
pub fn focus(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    {
        if let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
            let _ = el.focus();
        }
    }
}
