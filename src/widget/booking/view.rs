//! The booking form: slots in the visitor's time zone, name, e-mail, phone; then the
//! confirmation with the personal join link.

use super::{book, booking_slots};
use crate::model::booking::{Booked, BookingRequest, Slot, SlotList};
use crate::model::embed::{EmbedMessage, EMBED_PROTOCOL_VERSION};
use crate::model::{AppError, ErrorCode, SiteId};
use crate::widget::{dom, host, theme};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;

/// Field errors by field name.
type FieldErrors = BTreeMap<String, String>;

/// Slots grouped by the visitor's local day, in order.
fn group_by_day(slots: &[Slot], zone: &str) -> Vec<(String, Vec<Slot>)> {
    let mut groups: Vec<(String, Vec<Slot>)> = Vec::new();
    for s in slots {
        let day = dom::day_label(s.starts_at.timestamp_millis(), zone);
        match groups.last_mut() {
            Some((d, list)) if *d == day => list.push(s.clone()),
            _ => groups.push((day, vec![s.clone()])),
        }
    }
    groups
}

fn focus(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    {
        if let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
            let _ = el.focus();
        }
    }
}

/// A labelled input with its error line, wired for screen readers.
#[component]
fn Field(
    id: &'static str,
    label: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    value: RwSignal<String>,
    errors: RwSignal<FieldErrors>,
) -> impl IntoView {
    let error = move || errors.with(|e| e.get(id).cloned());
    let described = move || {
        let mut ids = Vec::new();
        if hint.is_some() {
            ids.push(format!("{id}-hint"));
        }
        if error().is_some() {
            ids.push(format!("{id}-error"));
        }
        ids.join(" ")
    };
    view! {
        <div class="field" class:invalid=move || error().is_some()>
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{h}</p> })}
            <input
                id=id
                name=id
                type=kind
                autocomplete=autocomplete
                prop:value=move || value.get()
                on:input:target=move |ev| value.set(ev.target().value())
                aria-invalid=move || error().is_some().to_string()
                aria-describedby=described
            />
            <p class="error" id=format!("{id}-error")>{error}</p>
        </div>
    }
}

/// The booking form for a site.
#[component]
pub fn BookingForm(site: String) -> impl IntoView {
    let host_origin = host::bridge().origin();
    let zone = dom::visitor_time_zone();
    let reload = RwSignal::new(0u32);
    let site_for_slots = site.clone();
    let origin_for_slots = host_origin.clone();
    let slots = LocalResource::new(move || {
        reload.track();
        booking_slots(site_for_slots.clone(), origin_for_slots.clone())
    });
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let chosen = RwSignal::new(None::<DateTime<Utc>>);
    let errors = RwSignal::new(FieldErrors::new());
    let general = RwSignal::new(None::<String>);
    let booked = RwSignal::new(None::<Booked>);
    let busy = RwSignal::new(false);
    let announced_ready = StoredValue::new(false);

    // Theme and the `consult:ready` event once the site is known.
    Effect::new(move |_| {
        if let Some(Ok(list)) = slots.get() {
            theme::apply(&list.site.theme);
            if !announced_ready.get_value() {
                announced_ready.set_value(true);
                host::bridge().post(&EmbedMessage::Ready {
                    version: EMBED_PROTOCOL_VERSION,
                    view: "booking".into(),
                });
            }
        }
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        general.set(None);
        let Ok(site_id) = SiteId::parse(&site) else {
            return;
        };
        let mut field_errors = FieldErrors::new();
        let starts_at = chosen.get_untracked();
        if starts_at.is_none() {
            field_errors.insert("starts_at".into(), "Please choose a time.".into());
        }
        let request = BookingRequest {
            site: site_id,
            host_origin: host_origin.clone(),
            starts_at: starts_at.unwrap_or_default(),
            name: name.get_untracked(),
            email: email.get_untracked(),
            phone: phone.get_untracked(),
        };
        // The same validation the server runs, so errors show at once.
        if let Err(list) = request.validate_all() {
            for e in list {
                if let Some(f) = e.field {
                    field_errors.insert(f, e.message);
                }
            }
        }
        if !field_errors.is_empty() {
            show_errors(&field_errors, errors, general);
            return;
        }
        errors.set(FieldErrors::new());
        busy.set(true);
        spawn_local(async move {
            let bridge = host::bridge();
            match book(request).await {
                Ok(done) => {
                    bridge.post(&EmbedMessage::Booked {
                        version: EMBED_PROTOCOL_VERSION,
                        meeting: done.meeting.clone(),
                        starts_at: done.starts_at,
                        ends_at: done.ends_at,
                        time_zone: done.time_zone.clone(),
                    });
                    booked.set(Some(done));
                    focus("confirmation");
                }
                Err(e) => {
                    if e.code == ErrorCode::SlotTaken || e.field.as_deref() == Some("starts_at") {
                        chosen.set(None);
                        reload.update(|n| *n += 1);
                    }
                    report_error(&bridge, e, errors, general);
                }
            }
            busy.set(false);
        });
    };

    let zone_for_view = zone.clone();
    let form_or_confirmation = move || {
        match booked.get() {
        Some(done) => confirmation(done, &zone_for_view).into_any(),
        None => view! {
            <form novalidate on:submit=on_submit.clone() aria-describedby="form-error">
                <fieldset class="slots" aria-describedby="zone-note starts_at-error">
                    <legend>"Choose a time"</legend>
                    <p class="hint" id="zone-note">"Times are shown in " {zone.clone()} "."</p>
                    {
                        let zone = zone.clone();
                        move || slot_picker(slots.get(), &zone, chosen)
                    }
                    <p class="error" id="starts_at-error">{move || errors.with(|e| e.get("starts_at").cloned())}</p>
                </fieldset>
                <Field id="name" label="Your name" kind="text" autocomplete="name" value=name errors/>
                <Field id="email" label="E-mail address" kind="email" autocomplete="email" value=email errors/>
                <Field id="phone" label="Phone number (optional)" kind="tel" autocomplete="tel"
                    hint="In international form, e.g. +31 6 1234 5678." value=phone errors/>
                <p class="form-error" id="form-error" role="alert">{move || general.get()}</p>
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Booking…" } else { "Book appointment" }}
                </button>
            </form>
        }
        .into_any(),
    }
    };

    let heading = move || match slots.get() {
        Some(Ok(list)) => list.site.name.clone(),
        _ => String::new(),
    };
    view! {
        <main class="consult booking">
            <h1>"Book a video consultation"</h1>
            <p class="site-name">{heading}</p>
            {form_or_confirmation}
        </main>
    }
}

fn show_errors(
    field_errors: &FieldErrors,
    errors: RwSignal<FieldErrors>,
    general: RwSignal<Option<String>>,
) {
    let count = field_errors.len();
    errors.set(field_errors.clone());
    general.set(Some(if count == 1 {
        "Please correct the marked field.".to_string()
    } else {
        format!("Please correct the {count} marked fields.")
    }));
    // Focus the first field in the form's order.
    if let Some(first) = ["starts_at", "name", "email", "phone"]
        .iter()
        .find(|f| field_errors.contains_key(**f))
    {
        let target = if *first == "starts_at" {
            "slot-0"
        } else {
            first
        };
        focus(target);
    }
}

fn report_error(
    bridge: &host::HostBridge,
    e: AppError,
    errors: RwSignal<FieldErrors>,
    general: RwSignal<Option<String>>,
) {
    bridge.post(&EmbedMessage::Error {
        version: EMBED_PROTOCOL_VERSION,
        code: e.code,
        message: e.message.clone(),
    });
    match (e.code, e.field.clone()) {
        (ErrorCode::SlotTaken, _) => general.set(Some(
            "Sorry, someone just booked that time. Please choose another one; the list is up to date again.".into(),
        )),
        (ErrorCode::Invalid, Some(field)) => {
            let mut map = FieldErrors::new();
            map.insert(field, e.message);
            show_errors(&map, errors, general);
        }
        (ErrorCode::OriginNotAllowed, _) => general.set(Some(
            "This website is not allowed to take bookings for this site. Please contact the website's owner.".into(),
        )),
        _ => general.set(Some(format!("Booking failed: {}", e.message))),
    }
}

fn slot_picker(
    state: Option<Result<SlotList, AppError>>,
    zone: &str,
    chosen: RwSignal<Option<DateTime<Utc>>>,
) -> AnyView {
    match state {
        None => view! { <p class="loading" role="status">"Loading available times…"</p> }.into_any(),
        Some(Err(e)) => {
            let message = match e.code {
                ErrorCode::NotFound => "This booking form is not set up correctly (unknown site).".to_string(),
                ErrorCode::OriginNotAllowed => {
                    "This website is not allowed to show this booking form.".to_string()
                }
                _ => format!("Available times could not be loaded: {}", e.message),
            };
            host::bridge().post(&EmbedMessage::Error { version: EMBED_PROTOCOL_VERSION, code: e.code, message: message.clone() });
            view! { <p class="form-error" role="alert">{message}</p> }.into_any()
        }
        Some(Ok(list)) if list.slots.is_empty() => {
            view! { <p role="status">"There are no free times at the moment. Please try again later."</p> }.into_any()
        }
        Some(Ok(list)) => {
            let mut index = 0usize;
            let groups = group_by_day(&list.slots, zone)
                .into_iter()
                .map(|(day, slots)| {
                    let buttons = slots
                        .into_iter()
                        .map(|slot| {
                            let id = format!("slot-{index}");
                            index += 1;
                            let start = slot.starts_at;
                            let from = dom::time_label(start.timestamp_millis(), zone);
                            let to = dom::time_label(slot.ends_at.timestamp_millis(), zone);
                            let full = format!("{day}, {from} to {to} ({zone})");
                            view! {
                                <label class="slot" for=id.clone()>
                                    <input type="radio" name="slot" id=id.clone() value=start.timestamp_millis().to_string()
                                        aria-label=full
                                        prop:checked=move || chosen.get() == Some(start)
                                        on:change=move |_| chosen.set(Some(start))/>
                                    <span>{from}</span>
                                </label>
                            }
                        })
                        .collect_view();
                    view! {
                        <div class="day" role="group" aria-label=day.clone()>
                            <p class="day-name">{day.clone()}</p>
                            <div class="day-slots">{buttons}</div>
                        </div>
                    }
                })
                .collect_view();
            view! { <div class="slot-list">{groups}</div> }.into_any()
        }
    }
}

fn confirmation(done: Booked, zone: &str) -> impl IntoView {
    let ms = done.starts_at.timestamp_millis();
    let when = format!(
        "{} at {} ({zone})",
        dom::day_label(ms, zone),
        dom::time_label(ms, zone)
    );
    view! {
        <section class="confirmation" id="confirmation" tabindex="-1" aria-labelledby="confirmation-title">
            <h2 id="confirmation-title">"You are booked"</h2>
            <p>{when} " with " {done.agent_name.clone()} "."</p>
            <p>"At that time, open your personal waiting room:"</p>
            <p>
                <a class="primary join-link" href=done.join_url.clone() target="_blank" rel="noopener" data-join-link>
                    "Open your waiting room"
                </a>
            </p>
            <p class="hint">"This link is yours alone; keep it safe. You will meet in a video call in your browser, nothing to install."</p>
        </section>
    }
}
