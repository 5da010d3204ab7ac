//! The booking form: a month calendar of free days and the chosen day's times, in the
//! visitor's time zone (switchable); name, e-mail, phone, note and consent; then the
//! confirmation with the personal join link and a calendar file. English or Dutch.

use super::calendar::{group_days, Calendar, DaySlots, LaterTimes};
use crate::model::booking::{AgentChoice, Booked, BookingRequest, FirstSlots, Prefill, SlotList};
use crate::model::embed::{EmbedMessage, EMBED_PROTOCOL_VERSION};
use crate::model::i18n::{fill, Lang, Texts};
use crate::model::{AppError, ErrorCode, SiteId, UserId};
use crate::server_fns::booking::{book, booking_slots};
use crate::widget::dom::focus;
use crate::widget::{dom, host, theme};
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;

/// Field errors by field name.
type FieldErrors = BTreeMap<String, String>;

/// The form's fields in their order on the page: errors are focused in this order.
const FIELD_ORDER: [&str; 6] = ["starts_at", "name", "email", "phone", "note", "consent"];

/// What the host page set through the element's attributes (passed in the frame's URL).
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Language tag (`nl`, `en`); else the browser's.
    pub lang: Option<String>,
    /// IANA zone to show times in; else the browser's.
    pub time_zone: Option<String>,
    /// Prefilled name.
    pub name: Option<String>,
    /// Prefilled e-mail address.
    pub email: Option<String>,
    /// Prefilled phone number.
    pub phone: Option<String>,
    /// Prefilled fields the customer may not change (`name`, `email`, `phone`).
    pub lock: Vec<String>,
    /// The host page's server's signature over the prefilled, locked fields.
    pub signature: Option<String>,
}

impl Options {
    /// Read the options from the current URL's query.
    pub fn from_query() -> Options {
        Options {
            lang: dom::query_param("lang"),
            time_zone: dom::query_param("tz"),
            name: dom::query_param("name"),
            email: dom::query_param("email"),
            phone: dom::query_param("phone"),
            lock: dom::query_param("lock")
                .map(|l| {
                    l.split([' ', ','])
                        .filter(|f| !f.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            signature: dom::query_param("sig"),
        }
    }

    /// The signed prefill to send with the booking, when fields are locked.
    fn prefill(&self) -> Option<Prefill> {
        if self.lock.is_empty() {
            return None;
        }
        Some(Prefill {
            lock: self.lock.clone(),
            name: self.name.clone().unwrap_or_default(),
            email: self.email.clone().unwrap_or_default(),
            phone: self.phone.clone().unwrap_or_default(),
            signature: self.signature.clone().unwrap_or_default(),
        })
    }

    /// Whether a field is prefilled and locked.
    fn locked(&self, field: &str) -> bool {
        self.lock.iter().any(|f| f == field)
    }
}

/// The message shown for a field's error, in the form's language.
fn field_message(t: &Texts, field: &str, fallback: &str) -> String {
    match field {
        "starts_at" => t.error_starts_at(),
        "name" => t.error_name(),
        "email" => t.error_email(),
        "phone" => t.error_phone(),
        "note" => t.error_note(),
        "consent" => t.error_consent(),
        _ => fallback,
    }
    .to_string()
}

/// `aria-describedby` for a control: its hint and, while there is one, its error.
fn described_by(
    id: &'static str,
    hint: bool,
    errors: RwSignal<FieldErrors>,
) -> impl Fn() -> String {
    move || {
        let mut ids = Vec::new();
        if hint {
            ids.push(format!("{id}-hint"));
        }
        if errors.with(|e| e.contains_key(id)) {
            ids.push(format!("{id}-error"));
        }
        ids.join(" ")
    }
}

/// A labelled input with its error line, wired for screen readers.
#[component]
fn Field(
    id: &'static str,
    label: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    #[prop(optional_no_strip)] hint: Option<String>,
    value: RwSignal<String>,
    errors: RwSignal<FieldErrors>,
    /// Filled in by the website and not to be changed.
    #[prop(optional)]
    readonly: bool,
) -> impl IntoView {
    let error = move || errors.with(|e| e.get(id).cloned());
    let has_hint = hint.is_some();
    view! {
        <div class="field" class:invalid=move || error().is_some()>
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{h}</p> })}
            <input
                id=id
                name=id
                type=kind
                autocomplete=autocomplete
                readonly=readonly
                prop:value=move || value.get()
                on:input:target=move |ev| value.set(ev.target().value())
                aria-invalid=move || error().is_some().to_string()
                aria-describedby=described_by(id, has_hint, errors)
            />
            <p class="error" id=format!("{id}-error")>{error}</p>
        </div>
    }
}

/// The booking form for a site.
#[component]
pub fn BookingForm(site: String, options: Options) -> impl IntoView {
    let host_origin = host::bridge().origin();
    let lang = dom::page_lang(options.lang.clone());
    let t = lang.texts();
    let visitor_zone = dom::visitor_time_zone();
    let zone = RwSignal::new(
        options
            .time_zone
            .clone()
            .filter(|z| dom::is_time_zone(z))
            .unwrap_or_else(|| visitor_zone.clone()),
    );

    let reload = RwSignal::new(0u32);
    // The agent chosen (`None`: anyone); the times shown are theirs.
    let agent = RwSignal::new(None::<String>);
    let site_for_slots = site.clone();
    let origin_for_slots = host_origin.clone();
    // The times the server wrote into the page, if made for this very embedding page: the
    // first render needs no call. Used once; a reload or another agent asks the server.
    let first = std::cell::Cell::new(
        dom::json_block::<FirstSlots>(FirstSlots::ELEMENT_ID)
            .filter(|f| f.host_origin == host_origin && f.list.site.id.as_str() == site)
            .map(|f| f.list),
    );
    let slots = LocalResource::new(move || {
        reload.track();
        let chosen = agent.get();
        let ready = first.take().filter(|_| chosen.is_none());
        let (site, origin) = (site_for_slots.clone(), origin_for_slots.clone());
        async move {
            match ready {
                Some(list) => Ok(list),
                None => booking_slots(site, origin, chosen, None).await,
            }
        }
    });
    // Times after the first list's last, asked for as the customer pages on through months.
    let later = LaterTimes::new();
    Effect::new(move |_| {
        if let Some(list) = slots.get() {
            later.reset(list.as_ref().is_ok_and(|l| l.more));
        }
    });
    let shown = later.shown;
    let (site_for_more, origin_for_more) = (site.clone(), host_origin.clone());
    later.follow(
        move || match slots.get() {
            Some(Ok(list)) => list.slots.last().map(|s| s.starts_at),
            _ => None,
        },
        zone,
        move |after| {
            let (site, origin, chosen) = (
                site_for_more.clone(),
                origin_for_more.clone(),
                agent.get_untracked(),
            );
            Box::pin(async move {
                booking_slots(site, origin, chosen, Some(after.timestamp_millis())).await
            })
        },
    );
    // Kept apart from the times so the choice stays on screen while they reload.
    let agent_choices = RwSignal::new(Vec::<AgentChoice>::new());
    Effect::new(move |_| {
        if let Some(Ok(list)) = slots.get() {
            if agent_choices.with_untracked(|a| *a != list.agents) {
                agent_choices.set(list.agents);
            }
        }
    });
    let name = RwSignal::new(options.name.clone().unwrap_or_default());
    let email = RwSignal::new(options.email.clone().unwrap_or_default());
    let phone = RwSignal::new(options.phone.clone().unwrap_or_default());
    let note = RwSignal::new(String::new());
    let prefill = options.prefill();
    let locked = |f: &str| options.locked(f);
    let hint_for = move |f: &str, plain: Option<String>| {
        if locked(f) {
            Some(t.locked_hint().to_string())
        } else {
            plain
        }
    };
    let (name_locked, email_locked, phone_locked) =
        (locked("name"), locked("email"), locked("phone"));
    let (name_hint, email_hint, phone_hint) = (
        hint_for("name", None),
        hint_for("email", None),
        hint_for(
            "phone",
            Some(fill(t.phone_hint(), &[("example", "+31 6 12345678")])),
        ),
    );
    let consent = RwSignal::new(false);
    let chosen = RwSignal::new(None::<DateTime<Utc>>);
    let errors = RwSignal::new(FieldErrors::new());
    let general = RwSignal::new(None::<String>);
    let booked = RwSignal::new(None::<Booked>);
    let busy = RwSignal::new(false);
    let announced_ready = StoredValue::new(false);
    let phone_prefix = Memo::new(move |_| match slots.get() {
        Some(Ok(list)) => list.site.phone_prefix,
        _ => String::new(),
    });

    // Free times by the visitor's local day, in the zone chosen: switching zones regroups
    // them, so a time never shows under the wrong day.
    let days = Memo::new(move |_| match slots.get() {
        Some(Ok(mut list)) => {
            later.times.with(|l| list.slots.extend_from_slice(l));
            group_days(list.slots, &zone.get())
        }
        _ => DaySlots::new(),
    });
    let selected_day = RwSignal::new(None::<NaiveDate>);
    // Keep a day selected that has times: the chosen time's day (in the current zone), or
    // the first free day.
    Effect::new(move |_| {
        let map = days.get();
        let z = zone.get();
        let want = chosen
            .get_untracked()
            .and_then(|c| dom::local_date(c.timestamp_millis(), &z))
            .filter(|d| map.contains_key(d))
            .or_else(|| selected_day.get_untracked().filter(|d| map.contains_key(d)))
            .or_else(|| map.keys().next().copied());
        if selected_day.get_untracked() != want {
            selected_day.set(want);
        }
    });

    // Theme and the `consult:ready` event once the site is known.
    Effect::new(move |_| {
        if let Some(Ok(list)) = slots.get() {
            theme::apply(&list.site.theme);
            theme::apply_attributes();
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
            field_errors.insert("starts_at".into(), t.error_starts_at().into());
        }
        let request = BookingRequest {
            site: site_id,
            host_origin: host_origin.clone(),
            starts_at: starts_at.unwrap_or_default(),
            agent: agent.get_untracked().and_then(|a| UserId::parse(&a).ok()),
            name: name.get_untracked(),
            email: email.get_untracked(),
            phone: phone.get_untracked(),
            note: note.get_untracked(),
            consent: consent.get_untracked(),
            lang,
            time_zone: zone.get_untracked(),
            prefill: prefill.clone(),
        };
        // The same validation the server runs, so errors show at once.
        if let Err(list) = request.validate_all(&phone_prefix.get_untracked()) {
            for e in list {
                if let Some(f) = e.field {
                    let message = field_message(t, &f, &e.message);
                    field_errors.insert(f, message);
                }
            }
        }
        if !field_errors.is_empty() {
            show_errors(t, &field_errors, errors, general, selected_day);
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
                    request_animation_frame(|| focus("confirmation"));
                }
                Err(e) => {
                    if e.code == ErrorCode::SlotTaken || e.field.as_deref() == Some("starts_at") {
                        chosen.set(None);
                        reload.update(|n| *n += 1);
                    }
                    report_error(t, lang, &bridge, e, errors, general, selected_day);
                }
            }
            busy.set(false);
        });
    };

    let zones = {
        let mut list = dom::time_zones();
        for z in [
            zone.get_untracked(),
            visitor_zone.clone(),
            "UTC".to_string(),
        ] {
            if !list.contains(&z) {
                list.push(z);
            }
        }
        list.sort();
        list
    };

    let picker = Picker {
        days,
        selected_day,
        zone,
        chosen,
        shown,
    };
    let managing = RwSignal::new(false);
    let form_or_confirmation = move || match booked.get() {
        // Changing or cancelling happens right here, in the same frame: no navigation (the
        // host page's history stays as it is), and the host page hears of it by event.
        Some(done) if managing.get() => {
            let hash = done
                .manage_url
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string();
            view! { <crate::widget::manage::ManagePage hash inline=true/> }.into_any()
        }
        Some(done) => confirmation(t, lang, done, &zone.get_untracked(), managing).into_any(),
        None => {
            let zones = zones.clone();
            view! {
                <form novalidate on:submit=on_submit.clone() aria-describedby="form-error">
                    <fieldset class="slots" aria-describedby="zone-note starts_at-error">
                        <legend>{t.choose_time()}</legend>
                        {move || (agent_choices.with(Vec::len) > 1).then(|| view! {
                            <div class="zone">
                                <label for="agent">{t.agent_label()}</label>
                                <select id="agent" name="agent"
                                    on:change:target=move |ev| {
                                        let v = ev.target().value();
                                        chosen.set(None);
                                        agent.set((!v.is_empty()).then_some(v));
                                    }>
                                    <option value="" selected=agent.get_untracked().is_none()>{t.agent_any()}</option>
                                    {agent_choices.get().into_iter().map(|a| {
                                        let id = a.id.as_str().to_string();
                                        let selected = agent.get_untracked().as_deref() == Some(id.as_str());
                                        view! { <option value=id selected=selected>{a.name}</option> }
                                    }).collect_view()}
                                </select>
                            </div>
                        })}
                        <div class="zone">
                            <label for="zone">{t.zone_label()}</label>
                            <select id="zone" name="zone" aria-describedby="zone-note"
                                prop:value=move || zone.get()
                                on:change:target=move |ev| zone.set(ev.target().value())>
                                {zones.into_iter().map(|z| {
                                    let label = z.replace('_', " ");
                                    view! { <option value=z.clone() selected=z == zone.get_untracked()>{label}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                        <p class="hint" id="zone-note" aria-live="polite">
                            {move || fill(t.zone_note(), &[("zone", &zone.get().replace('_', " "))])}
                        </p>
                        {move || slot_picker(t, lang, slots.get(), picker)}
                        <p class="error" id="starts_at-error">{move || errors.with(|e| e.get("starts_at").cloned())}</p>
                    </fieldset>
                    <Field id="name" label=t.name() kind="text" autocomplete="name" value=name errors
                        hint=name_hint.clone() readonly=name_locked/>
                    <Field id="email" label=t.email() kind="email" autocomplete="email" value=email errors
                        hint=email_hint.clone() readonly=email_locked/>
                    <Field id="phone" label=t.phone() kind="tel" autocomplete="tel"
                        hint=phone_hint.clone() value=phone errors readonly=phone_locked/>
                    <NoteField t note errors/>
                    <ConsentField t consent errors privacy=move || match slots.get() {
                        Some(Ok(list)) => list.site.privacy_url,
                        _ => None,
                    }/>
                    <p class="form-error" id="form-error" role="alert">{move || general.get()}</p>
                    <button type="submit" class="primary" disabled=move || busy.get()>
                        {move || if busy.get() { t.submitting() } else { t.submit() }}
                    </button>
                </form>
            }
            .into_any()
        }
    };

    let heading = move || match slots.get() {
        Some(Ok(list)) => list.site.name.clone(),
        _ => String::new(),
    };
    // Decorative: the site's name is written beside it.
    let logo = move || match slots.get() {
        Some(Ok(list)) => theme::logo(list.site.theme.logo.as_deref())
            .map(|src| view! { <img class="logo" src=src alt="" data-logo/> }),
        _ => None,
    };
    view! {
        <main class="consult booking">
            {logo}
            <h1>{t.heading()}</h1>
            <p class="site-name">{heading}</p>
            {form_or_confirmation}
        </main>
    }
}

/// The optional note.
#[component]
fn NoteField(
    t: &'static Texts,
    note: RwSignal<String>,
    errors: RwSignal<FieldErrors>,
) -> impl IntoView {
    let error = move || errors.with(|e| e.get("note").cloned());
    view! {
        <div class="field" class:invalid=move || error().is_some()>
            <label for="note">{t.note()}</label>
            <textarea id="note" name="note" rows="3"
                prop:value=move || note.get()
                on:input:target=move |ev| note.set(ev.target().value())
                aria-invalid=move || error().is_some().to_string()
                aria-describedby=described_by("note", false, errors)></textarea>
            <p class="error" id="note-error">{error}</p>
        </div>
    }
}

/// The consent checkbox, linking the site's privacy statement when it has one.
#[component]
fn ConsentField(
    t: &'static Texts,
    consent: RwSignal<bool>,
    errors: RwSignal<FieldErrors>,
    #[prop(into)] privacy: Signal<Option<String>>,
) -> impl IntoView {
    let error = move || errors.with(|e| e.get("consent").cloned());
    let text = move || match privacy.get() {
        Some(url) => view! {
            {t.consent_before()}
            <a href=url target="_blank" rel="noopener">{t.consent_link()}</a>
            {t.consent_after()}
        }
        .into_any(),
        None => t.consent_plain().into_any(),
    };
    view! {
        <div class="field consent" class:invalid=move || error().is_some()>
            <input type="checkbox" id="consent" name="consent"
                prop:checked=move || consent.get()
                on:change:target=move |ev| consent.set(ev.target().checked())
                aria-invalid=move || error().is_some().to_string()
                aria-describedby=described_by("consent", false, errors)/>
            <label for="consent">{text}</label>
            <p class="error" id="consent-error">{error}</p>
        </div>
    }
}

fn show_errors(
    t: &Texts,
    field_errors: &FieldErrors,
    errors: RwSignal<FieldErrors>,
    general: RwSignal<Option<String>>,
    selected_day: RwSignal<Option<NaiveDate>>,
) {
    let count = field_errors.len();
    errors.set(field_errors.clone());
    general.set(Some(if count == 1 {
        t.fix_one().to_string()
    } else {
        fill(t.fix_many(), &[("n", &count.to_string())])
    }));
    if let Some(first) = FIELD_ORDER.iter().find(|f| field_errors.contains_key(**f)) {
        let target = if *first == "starts_at" {
            selected_day
                .get_untracked()
                .map(|d| format!("day-{d}"))
                .unwrap_or_else(|| "zone".into())
        } else {
            first.to_string()
        };
        request_animation_frame(move || focus(&target));
    }
}

fn report_error(
    t: &'static Texts,
    lang: Lang,
    bridge: &host::HostBridge,
    e: AppError,
    errors: RwSignal<FieldErrors>,
    general: RwSignal<Option<String>>,
    selected_day: RwSignal<Option<NaiveDate>>,
) {
    bridge.post(&EmbedMessage::Error {
        version: EMBED_PROTOCOL_VERSION,
        code: e.code,
        message: e.message.clone(),
    });
    match (e.code, e.field.clone()) {
        (ErrorCode::SlotTaken, _) => general.set(Some(t.slot_taken().into())),
        // Per e-mail address or phone number: shown at that field (and announced).
        (ErrorCode::TooManyRequests, Some(field)) => {
            let mut map = FieldErrors::new();
            map.insert(field, t.booking_too_many_contact().to_string());
            show_errors(t, &map, errors, general, selected_day);
        }
        (ErrorCode::TooManyRequests, None) => {
            let minutes = e.retry_after.unwrap_or(60).div_ceil(60).max(1);
            general.set(Some(fill(
                t.booking_too_many(),
                &[("minutes", &minutes.to_string())],
            )))
        }
        (ErrorCode::Invalid, Some(field)) => {
            let mut map = FieldErrors::new();
            // The server says why a time is refused (closed, too soon) in English; other
            // languages get the form's own words.
            let message = if field == "starts_at" && lang == Lang::En {
                e.message.clone()
            } else if field == "starts_at" {
                t.time_refused().to_string()
            } else {
                field_message(t, &field, &e.message)
            };
            map.insert(field, message);
            show_errors(t, &map, errors, general, selected_day);
        }
        (ErrorCode::OriginNotAllowed, _) => general.set(Some(t.origin_not_allowed().into())),
        _ => general.set(Some(fill(t.booking_failed(), &[("reason", &e.message)]))),
    }
}

/// What the month and times show and change.
#[derive(Clone, Copy)]
struct Picker {
    /// Free times by local day.
    days: Memo<DaySlots>,
    /// The day whose times show.
    selected_day: RwSignal<Option<NaiveDate>>,
    /// The zone the times show in.
    zone: RwSignal<String>,
    /// The time chosen.
    chosen: RwSignal<Option<DateTime<Utc>>>,
    /// The month on screen.
    shown: RwSignal<Option<NaiveDate>>,
}

fn slot_picker(
    t: &'static Texts,
    lang: Lang,
    state: Option<Result<SlotList, AppError>>,
    p: Picker,
) -> AnyView {
    let Picker {
        days,
        selected_day,
        zone,
        chosen,
        shown,
    } = p;
    match state {
        None => view! { <p class="loading" role="status">{t.loading()}</p> }.into_any(),
        Some(Err(e)) => {
            let message = match e.code {
                ErrorCode::NotFound => t.unknown_site().to_string(),
                ErrorCode::OriginNotAllowed => t.not_allowed_here().to_string(),
                _ => fill(t.load_failed(), &[("reason", &e.message)]),
            };
            host::bridge().post(&EmbedMessage::Error {
                version: EMBED_PROTOCOL_VERSION,
                code: e.code,
                message: message.clone(),
            });
            view! { <p class="form-error" role="alert">{message}</p> }.into_any()
        }
        Some(Ok(list)) if list.slots.is_empty() => {
            view! { <p role="status">{t.no_slots()}</p> }.into_any()
        }
        // Side by side where there is room (see `.picker` in the stylesheet), as booking
        // pages usually are: the month on the left, the chosen day's times on the right.
        Some(Ok(_)) => view! {
            <div class="picker">
                <Calendar t lang days selected=selected_day shown/>
                <div class="times">{move || day_times(t, lang, days, selected_day, zone, chosen)}</div>
            </div>
        }
        .into_any(),
    }
}

/// The chosen day's free times, as radio buttons named with day, time and zone.
pub(crate) fn day_times(
    t: &'static Texts,
    lang: Lang,
    days: Memo<DaySlots>,
    selected_day: RwSignal<Option<NaiveDate>>,
    zone: RwSignal<String>,
    chosen: RwSignal<Option<DateTime<Utc>>>,
) -> AnyView {
    let Some(day) = selected_day.get() else {
        return view! { <p class="hint">{t.choose_day_first()}</p> }.into_any();
    };
    let z = zone.get();
    let slots = days.with(|d| d.get(&day).cloned().unwrap_or_default());
    let locale = lang.locale();
    let day_name = dom::format_date(
        day,
        locale,
        &[("weekday", "long"), ("day", "numeric"), ("month", "long")],
    );
    let clock = dom::Formatter::new(
        &z,
        locale,
        &[
            ("hour", "2-digit"),
            ("minute", "2-digit"),
            ("hourCycle", "h23"),
        ],
    );
    let time = |dt: DateTime<Utc>| clock.format(dt.timestamp_millis());
    let zone_name = z.replace('_', " ");
    let buttons = slots
        .into_iter()
        .enumerate()
        .map(|(i, slot)| {
            let id = format!("slot-{i}");
            let start = slot.starts_at;
            let from = time(start);
            let to = time(slot.ends_at);
            let full = fill(
                t.slot_name(),
                &[("day", &day_name), ("from", &from), ("to", &to), ("zone", &zone_name)],
            );
            view! {
                <label class="slot" for=id.clone()>
                    <input type="radio" name="slot" id=id.clone() value=start.timestamp_millis().to_string()
                        aria-label=full
                        prop:checked=move || chosen.get() == Some(start)
                        on:change=move |_| chosen.set(Some(start))/>
                    <span aria-hidden="true">{from}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <div class="day-times" role="radiogroup" aria-labelledby="times-title">
            <p class="day-name" id="times-title">{fill(t.times_on(), &[("day", &day_name)])}</p>
            <div class="day-slots">{buttons}</div>
        </div>
    }
    .into_any()
}

/// "Tuesday 24 November 2026 at 09:15 (Europe/Amsterdam)", in the form's language.
pub(crate) fn when_text(t: &Texts, lang: Lang, at: DateTime<Utc>, zone: &str) -> String {
    let ms = at.timestamp_millis();
    let locale = lang.locale();
    fill(
        t.when(),
        &[
            (
                "day",
                &dom::format_in(
                    ms,
                    zone,
                    locale,
                    &[
                        ("weekday", "long"),
                        ("day", "numeric"),
                        ("month", "long"),
                        ("year", "numeric"),
                    ],
                ),
            ),
            (
                "time",
                &dom::format_in(
                    ms,
                    zone,
                    locale,
                    &[
                        ("hour", "2-digit"),
                        ("minute", "2-digit"),
                        ("hourCycle", "h23"),
                    ],
                ),
            ),
            ("zone", &zone.replace('_', " ")),
        ],
    )
}

fn confirmation(
    t: &'static Texts,
    lang: Lang,
    done: Booked,
    zone: &str,
    managing: RwSignal<bool>,
) -> impl IntoView {
    let when = when_text(t, lang, done.starts_at, zone);
    let line = fill(
        t.booked_when(),
        &[("when", &when), ("agent", &done.agent_name)],
    );
    let calendar_url = format!("{}/invite.ics", done.join_url);
    view! {
        <section class="confirmation" id="confirmation" tabindex="-1" aria-labelledby="confirmation-title">
            <h2 id="confirmation-title">{t.booked_title()}</h2>
            <p>{line}</p>
            <p>{t.at_that_time()}</p>
            <p>
                <a class="primary join-link" href=done.join_url.clone() target="_blank" rel="noopener" data-join-link>
                    {t.open_room()}
                </a>
            </p>
            <p>
                <a class="calendar-link" href=calendar_url download="invite.ics" data-calendar-link>
                    {t.add_to_calendar()}
                </a>
            </p>
            <p>
                <button type="button" data-manage on:click=move |_| {
                    managing.set(true);
                    request_animation_frame(|| focus("manage-heading"));
                }>
                    {t.manage_link()}
                </button>
            </p>
            <p class="hint">{t.link_is_yours()}</p>
        </section>
    }
}
