//! The console's forms: schedule a meeting, and move or cancel one from the list. Each field
//! has a label and its own error line (`aria-describedby`); a summary is announced and focus
//! goes to the first wrong field. The browser checks what it can (the same `check` the server
//! runs again); what only the server knows (the host is busy, the time does not exist that
//! day) comes back on the field it concerns.

use crate::model::console::{
    ConsoleMeeting, ConsoleSite, GuestForm, LocalSlot, MoveForm, ScheduleForm,
};
use crate::model::i18n::{fill, Texts};
use crate::model::{AppError, ErrorCode, SiteId, UserId};
use crate::server_fns::console::{console_cancel, console_move, console_schedule};
use crate::widget::dom;
use crate::widget::dom::focus;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;

/// Field name (`date`, `guests[1].email`) → message.
type Errors = BTreeMap<String, String>;

/// Lengths offered, in minutes.
const LENGTHS: [u32; 6] = [15, 30, 45, 60, 90, 120];

/// The lengths to offer: the usual ones and, for a meeting of another length (a booked slot
/// of 20 minutes, say), its own, so the list shows what will be saved.
fn lengths(current: u32) -> Vec<u32> {
    let mut all = LENGTHS.to_vec();
    if current > 0 && !all.contains(&current) {
        all.push(current);
        all.sort_unstable();
    }
    all
}

/// The element id of a field in a form (`s` + `guests[1].email` → `s-g1-email`).
fn field_id(prefix: &str, field: &str) -> String {
    format!(
        "{prefix}-{}",
        field.replace("guests[", "g").replace("].", "-")
    )
}

/// The message for an error on a field, in the console's language.
fn message(t: &Texts, e: &AppError) -> String {
    let field = e.field.as_deref().unwrap_or("");
    let last = field.rsplit('.').next().unwrap_or(field);
    match (last, e.code) {
        ("time", ErrorCode::Conflict) => t.console_err_busy(),
        ("name", _) => t.console_err_name(),
        ("email", _) => t.console_err_email(),
        ("phone", _) => t.console_err_phone(),
        ("date", _) => t.console_err_date(),
        ("time", _) => t.console_err_time(),
        ("minutes", _) => t.console_err_minutes(),
        ("subject", _) => t.console_err_subject(),
        _ => return e.message.clone(),
    }
    .to_string()
}

/// Show errors: each on its field (or, without one, in the summary), focus the first.
fn show(
    t: &'static Texts,
    prefix: &str,
    list: Vec<AppError>,
    errors: RwSignal<Errors>,
    summary: RwSignal<Option<String>>,
    order: &[String],
) {
    let mut map = Errors::new();
    let mut general = Vec::new();
    for e in list {
        match e.field.clone() {
            Some(f) if order.contains(&f) => {
                map.entry(f).or_insert_with(|| message(t, &e));
            }
            _ => general.push(e.message),
        }
    }
    let first = order.iter().find(|f| map.contains_key(*f)).cloned();
    errors.set(map);
    summary.set(Some(if general.is_empty() {
        t.console_fix().to_string()
    } else {
        general.join(" ")
    }));
    if let Some(f) = first {
        let id = field_id(prefix, &f);
        request_animation_frame(move || focus(&id));
    }
}

/// A labelled input with its error line.
#[component]
fn Input(
    prefix: String,
    field: String,
    label: String,
    kind: &'static str,
    value: RwSignal<String>,
    errors: RwSignal<Errors>,
    #[prop(optional)] autocomplete: &'static str,
) -> impl IntoView {
    let id = field_id(&prefix, &field);
    let error_id = format!("{id}-error");
    let key = field.clone();
    let error = move || errors.with(|e| e.get(&key).cloned());
    let (e1, e2, e3) = (error.clone(), error.clone(), error.clone());
    view! {
        <div class="field" class:invalid=move || e1().is_some()>
            <label for=id.clone()>{label}</label>
            <input id=id.clone() type=kind autocomplete=autocomplete
                prop:value=move || value.get()
                on:input:target=move |ev| value.set(ev.target().value())
                aria-invalid=move || e2().is_some().to_string()
                aria-describedby={
                    let error_id = error_id.clone();
                    move || if e3().is_some() { error_id.clone() } else { String::new() }
                }/>
            <p class="error" id=error_id>{error}</p>
        </div>
    }
}

/// Date, start time and length of a meeting.
#[derive(Clone, Copy)]
struct SlotInputs {
    date: RwSignal<String>,
    time: RwSignal<String>,
    minutes: RwSignal<String>,
}

impl SlotInputs {
    /// Starting at `ms` (in the user's zone), `minutes` long.
    fn at(ms: i64, minutes: u32, zone: &str) -> SlotInputs {
        SlotInputs {
            date: RwSignal::new(
                dom::local_date(ms, zone)
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            ),
            time: RwSignal::new(dom::time_label(ms, zone)),
            minutes: RwSignal::new(minutes.to_string()),
        }
    }

    fn slot(self, zone: &str) -> LocalSlot {
        LocalSlot {
            date: self.date.get_untracked(),
            time: self.time.get_untracked(),
            minutes: self.minutes.get_untracked().parse().unwrap_or(0),
            time_zone: zone.to_string(),
        }
    }

    fn view(self, t: &'static Texts, prefix: String, errors: RwSignal<Errors>) -> impl IntoView {
        let minutes_id = field_id(&prefix, "minutes");
        let current = self.minutes;
        view! {
            <div class="slot-fields">
                <Input prefix=prefix.clone() field="date".into() label=t.console_date().into() kind="date" value=self.date errors/>
                <Input prefix=prefix.clone() field="time".into() label=t.console_time().into() kind="time" value=self.time errors/>
                <div class="field">
                    <label for=minutes_id.clone()>{t.console_minutes()}</label>
                    <select id=minutes_id on:change:target=move |ev| current.set(ev.target().value())>
                        {lengths(current.get_untracked().parse().unwrap_or(0)).into_iter().map(|n| {
                            let n = n.to_string();
                            let selected = current.get_untracked() == n;
                            view! { <option value=n.clone() selected=selected>{fill(t.console_minutes_option(), &[("n", &n)])}</option> }
                        }).collect_view()}
                    </select>
                </div>
            </div>
        }
    }
}

/// One guest's inputs.
#[derive(Clone, Copy, Default)]
struct GuestInputs {
    name: RwSignal<String>,
    email: RwSignal<String>,
    phone: RwSignal<String>,
}

impl GuestInputs {
    fn form(self) -> GuestForm {
        GuestForm {
            name: self.name.get_untracked(),
            email: self.email.get_untracked(),
            phone: self.phone.get_untracked(),
        }
    }

    fn clear(self) {
        for s in [self.name, self.email, self.phone] {
            s.set(String::new());
        }
    }

    fn view(self, t: &'static Texts, i: usize, errors: RwSignal<Errors>) -> impl IntoView {
        let f = |name: &str| format!("guests[{i}].{name}");
        view! {
            <fieldset class="guest">
                <legend>{fill(t.console_guest_n(), &[("n", &(i + 1).to_string())])}</legend>
                <Input prefix="s".into() field=f("name") label=t.console_guest_name().into() kind="text" value=self.name errors autocomplete="off"/>
                <Input prefix="s".into() field=f("email") label=t.console_guest_email().into() kind="email" value=self.email errors autocomplete="off"/>
                <Input prefix="s".into() field=f("phone") label=t.console_guest_phone().into() kind="tel" value=self.phone errors autocomplete="off"/>
            </fieldset>
        }
    }
}

/// "Tuesday 1 December 14:30" in the user's zone.
fn when(ms: i64, zone: &str, lang: crate::model::i18n::Lang) -> String {
    format!(
        "{} {}",
        dom::day_label(ms, zone, lang),
        dom::time_label(ms, zone)
    )
}

/// The form to schedule a meeting, for the sites and hosts the user may choose.
#[component]
pub fn SchedulePanel(
    sites: Vec<ConsoleSite>,
    t: &'static Texts,
    announce: RwSignal<Option<String>>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let zone = dom::visitor_time_zone();
    let next_hour = (dom::now_ms() / 3_600_000 + 1) * 3_600_000;
    let slot = SlotInputs::at(next_hour, 30, &zone);
    let sites = StoredValue::new(sites);
    let first_site = sites.with_value(|s| s.first().map(|s| s.id.clone()));
    let site = RwSignal::new(first_site.map(|s| s.to_string()).unwrap_or_default());
    let site_of =
        move |id: &str| sites.with_value(|all| all.iter().find(|s| s.id.as_str() == id).cloned());
    let hosts = move || site_of(&site.get()).map(|s| s.hosts).unwrap_or_default();
    let host = RwSignal::new(
        hosts()
            .first()
            .map(|h| h.id.to_string())
            .unwrap_or_default(),
    );
    let max_guests = move || site_of(&site.get()).map(|s| s.max_guests).unwrap_or(1);
    let subject = RwSignal::new(String::new());
    let guests = [GuestInputs::default(), GuestInputs::default()];
    let two = RwSignal::new(false);
    let send_email = RwSignal::new(true);
    let errors = RwSignal::new(Errors::new());
    let summary = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let zone_note = fill(t.console_zone_note(), &[("zone", &zone)]);
    let zone = StoredValue::new(zone);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let count = if two.get_untracked() && max_guests() > 1 {
            2
        } else {
            1
        };
        let (Ok(site_id), Ok(host_id)) = (
            SiteId::parse(&site.get_untracked()),
            UserId::parse(&host.get_untracked()),
        ) else {
            return;
        };
        let form = ScheduleForm {
            site: site_id,
            host: host_id,
            subject: subject.get_untracked(),
            slot: slot.slot(&zone.get_value()),
            guests: guests[..count].iter().map(|g| g.form()).collect(),
            send_email: send_email.get_untracked(),
        };
        let mut order: Vec<String> = ["host", "date", "time", "minutes", "subject"]
            .map(String::from)
            .to_vec();
        for i in 0..count {
            for f in ["name", "email", "phone"] {
                order.push(format!("guests[{i}].{f}"));
            }
        }
        if let Err(list) = form.check() {
            show(t, "s", list, errors, summary, &order);
            return;
        }
        errors.set(Errors::new());
        summary.set(None);
        busy.set(true);
        spawn_local(async move {
            let names: Vec<String> = form
                .guests
                .iter()
                .map(|g| g.name.trim().to_string())
                .collect();
            match console_schedule(form).await {
                Ok(_) => {
                    let start = format!(
                        "{} {}",
                        slot.date.get_untracked(),
                        slot.time.get_untracked()
                    );
                    announce.set(Some(fill(
                        t.console_scheduled(),
                        &[("guests", &names.join(", ")), ("when", &start)],
                    )));
                    for g in guests {
                        g.clear();
                    }
                    subject.set(String::new());
                    two.set(false);
                    on_changed.run(());
                }
                Err(e) => show(t, "s", vec![e], errors, summary, &order),
            }
            busy.set(false);
        });
    };

    view! {
        <section class="schedule" aria-labelledby="schedule-title">
            <h2 id="schedule-title">{t.console_schedule_title()}</h2>
            <form novalidate on:submit=submit aria-describedby="s-summary">
                <p class="error" id="s-summary" role="alert">{move || summary.get()}</p>
                {move || (sites.with_value(|s| s.len()) > 1).then(|| view! {
                    <div class="field">
                        <label for="s-site">{t.console_site()}</label>
                        <select id="s-site" on:change:target=move |ev| {
                            site.set(ev.target().value());
                            host.set(hosts().first().map(|h| h.id.to_string()).unwrap_or_default());
                        }>
                            {sites.get_value().into_iter().map(|s| {
                                let selected = site.get_untracked() == s.id.as_str();
                                view! { <option value=s.id.to_string() selected=selected>{s.name}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                })}
                {move || {
                    let list = hosts();
                    (list.len() > 1).then(|| view! {
                        <div class="field" class:invalid=move || errors.with(|e| e.contains_key("host"))>
                            <label for="s-host">{t.console_host()}</label>
                            <select id="s-host" aria-describedby="s-host-error"
                                on:change:target=move |ev| host.set(ev.target().value())>
                                {list.into_iter().map(|h| {
                                    let selected = host.get_untracked() == h.id.as_str();
                                    view! { <option value=h.id.to_string() selected=selected>{h.name}</option> }
                                }).collect_view()}
                            </select>
                            <p class="error" id="s-host-error">{move || errors.with(|e| e.get("host").cloned())}</p>
                        </div>
                    })
                }}
                <p class="hint" id="s-zone">{zone_note}</p>
                {slot.view(t, "s".into(), errors)}
                <Input prefix="s".into() field="subject".into() label=t.console_subject().into() kind="text" value=subject errors autocomplete="off"/>
                {guests[0].view(t, 0, errors)}
                {move || (two.get() && max_guests() > 1).then(|| guests[1].view(t, 1, errors))}
                {move || (max_guests() > 1).then(|| view! {
                    <button type="button" data-action="second-guest" aria-expanded=move || two.get().to_string()
                        on:click=move |_| {
                            let now = !two.get_untracked();
                            two.set(now);
                            if now {
                                request_animation_frame(|| focus("s-g1-name"));
                            }
                        }>
                        {move || if two.get() { t.console_remove_guest() } else { t.console_add_guest() }}
                    </button>
                })}
                <div class="field check">
                    <input id="s-send-email" type="checkbox" prop:checked=move || send_email.get()
                        on:change:target=move |ev| send_email.set(ev.target().checked())/>
                    <label for="s-send-email">{t.console_send_email()}</label>
                </div>
                <button type="submit" class="primary" aria-disabled=move || busy.get().to_string()>
                    {t.console_schedule_submit()}
                </button>
            </form>
        </section>
    }
}

/// What the row of a meeting shows below it: nothing, the move form, or the question
/// before cancelling.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Nothing,
    Move,
    Cancel,
}

/// Move and Cancel for one meeting in the list.
#[component]
pub fn MeetingActions(
    item: ConsoleMeeting,
    t: &'static Texts,
    announce: RwSignal<Option<String>>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let zone = StoredValue::new(dom::visitor_time_zone());
    let id = item.meeting.id.clone();
    let prefix = format!("mv-{id}");
    let start = item.meeting.starts_at.timestamp_millis();
    let length = ((item.meeting.ends_at - item.meeting.starts_at).num_minutes()).max(1) as u32;
    let slot = SlotInputs::at(start, length, &zone.get_value());
    let guests = if item.guests.is_empty() {
        t.console_no_guests().to_string()
    } else {
        item.guests.join(", ")
    };
    let guests = StoredValue::new(guests);
    let open = RwSignal::new(Open::Nothing);
    let errors = RwSignal::new(Errors::new());
    let summary = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let move_button = format!("{prefix}-move");
    let cancel_button = format!("{prefix}-cancel");
    let meeting = StoredValue::new(id);
    let prefix = StoredValue::new(prefix);

    let toggle = move |what: Open, first: String| {
        let next = if open.get_untracked() == what {
            Open::Nothing
        } else {
            what
        };
        open.set(next);
        errors.set(Errors::new());
        summary.set(None);
        if next != Open::Nothing {
            request_animation_frame(move || focus(&first));
        }
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let form = MoveForm {
            meeting: meeting.get_value(),
            slot: slot.slot(&zone.get_value()),
        };
        let order: Vec<String> = ["date", "time", "minutes"].map(String::from).to_vec();
        let p = prefix.get_value();
        if let Err(list) = form.slot.parse() {
            show(t, &p, list, errors, summary, &order);
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match console_move(form).await {
                Ok(()) => {
                    let start = format!(
                        "{} {}",
                        slot.date.get_untracked(),
                        slot.time.get_untracked()
                    );
                    announce.set(Some(fill(
                        t.console_moved(),
                        &[("guests", &guests.get_value()), ("when", &start)],
                    )));
                    open.set(Open::Nothing);
                    on_changed.run(());
                }
                Err(e) => show(t, &p, vec![e], errors, summary, &order),
            }
            busy.set(false);
        });
    };
    let confirm = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match console_cancel(meeting.get_value()).await {
                Ok(()) => {
                    announce.set(Some(fill(
                        t.console_cancelled(),
                        &[("guests", &guests.get_value())],
                    )));
                    open.set(Open::Nothing);
                    on_changed.run(());
                    request_animation_frame(|| focus("meetings-title"));
                }
                Err(e) => summary.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    let first_field = field_id(&prefix.get_value(), "date");
    let no_button = format!("{}-no", prefix.get_value());
    let (mb, cb) = (move_button.clone(), cancel_button.clone());

    view! {
        <button type="button" id=move_button.clone() data-action="move"
            aria-label=fill(t.console_move_label(), &[("guests", &guests.get_value())])
            aria-expanded=move || (open.get() == Open::Move).to_string()
            on:click={
                let first_field = first_field.clone();
                move |_| toggle(Open::Move, first_field.clone())
            }>
            {t.console_move()}
        </button>
        " "
        <button type="button" id=cancel_button.clone() data-action="cancel"
            aria-label=fill(t.console_cancel_label(), &[("guests", &guests.get_value())])
            aria-expanded=move || (open.get() == Open::Cancel).to_string()
            on:click={
                let no_button = no_button.clone();
                move |_| toggle(Open::Cancel, no_button.clone())
            }>
            {t.console_cancel()}
        </button>
        {move || match open.get() {
            Open::Nothing => None,
            Open::Move => Some(view! {
                <form class="move" novalidate on:submit=save>
                    <p class="error" role="alert">{move || summary.get()}</p>
                    {slot.view(t, prefix.get_value(), errors)}
                    <button type="submit" class="primary" data-action="save-move" aria-disabled=move || busy.get().to_string()>
                        {t.console_move_save()}
                    </button>
                    " "
                    <button type="button" on:click={
                        let mb = mb.clone();
                        move |_| { open.set(Open::Nothing); focus(&mb); }
                    }>{t.console_keep()}</button>
                </form>
            }.into_any()),
            Open::Cancel => Some(view! {
                <div class="confirm" role="group" aria-labelledby=format!("{}-q", prefix.get_value())>
                    <p id=format!("{}-q", prefix.get_value())>
                        {fill(t.console_cancel_confirm(), &[("guests", &guests.get_value()), ("when", &when(start, &zone.get_value(), t.lang()))])}
                    </p>
                    <p class="error" role="alert">{move || summary.get()}</p>
                    <button type="button" class="danger" data-action="confirm-cancel" on:click=confirm>{t.console_cancel_yes()}</button>
                    " "
                    <button type="button" id=no_button.clone() on:click={
                        let cb = cb.clone();
                        move |_| { open.set(Open::Nothing); focus(&cb); }
                    }>{t.console_cancel_no()}</button>
                </div>
            }.into_any()),
        }}
    }
}
