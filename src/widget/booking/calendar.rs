//! The month calendar of free days, after the W3C ARIA date-picker grid: one day holds the
//! focus (roving tabindex), arrow keys move by day and week, Home/End to the week's ends,
//! Page Up/Down by month (Shift: year), Enter or Space chooses. Every day is named in full
//! with its number of free times, never as a bare "4".

use super::grid::{month_weeks, step};
use crate::model::booking::{Slot, SlotList};
use crate::model::i18n::{fill, Lang, Texts};
use crate::model::AppError;
use crate::widget::dom;
use crate::widget::dom::focus;
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use leptos::prelude::*;
use std::collections::BTreeMap;

/// Free times by local day.
pub type DaySlots = BTreeMap<NaiveDate, Vec<Slot>>;

/// Group free times by their local day in `zone`.
pub fn group_days(slots: Vec<Slot>, zone: &str) -> DaySlots {
    let mut map = DaySlots::new();
    let dates = dom::LocalDates::new(zone);
    for s in slots {
        if let Some(d) = dates.date(s.starts_at.timestamp_millis()) {
            map.entry(d).or_default().push(s);
        }
    }
    map
}

/// A question for later times, on its way.
pub type Asked = std::pin::Pin<Box<dyn std::future::Future<Output = Result<SlotList, AppError>>>>;

/// Times after a first list of free times (which holds a few hundred at most), asked for
/// whenever the calendar shows a month reaching past the last time known, and kept until the
/// next first list.
#[derive(Clone, Copy)]
pub struct LaterTimes {
    /// The times after the first list's last, earliest first.
    pub times: RwSignal<Vec<Slot>>,
    /// The first day of the month the calendar shows (pass to [`Calendar`]).
    pub shown: RwSignal<Option<NaiveDate>>,
    /// The server has more after the last time known.
    more: RwSignal<bool>,
    /// A question is on its way.
    asking: RwSignal<bool>,
    /// Bumped with every first list: an answer asked for an older one is dropped.
    generation: StoredValue<u32>,
}

impl LaterTimes {
    /// None yet.
    pub fn new() -> LaterTimes {
        LaterTimes {
            times: RwSignal::new(Vec::new()),
            shown: RwSignal::new(None),
            more: RwSignal::new(false),
            asking: RwSignal::new(false),
            generation: StoredValue::new(0),
        }
    }

    /// A new first list came, with more after it or not: forget the later times.
    pub fn reset(&self, more: bool) {
        self.generation.update_value(|g| *g += 1);
        self.times.set(Vec::new());
        self.more.set(more);
        self.asking.set(false);
    }

    /// Ask `fetch(after)` for the times after the last known (the first list's last is
    /// `first_last`) while the month shown, in `zone`, reaches past its day.
    pub fn follow(
        self,
        first_last: impl Fn() -> Option<DateTime<Utc>> + 'static,
        zone: RwSignal<String>,
        fetch: impl Fn(DateTime<Utc>) -> Asked + 'static,
    ) {
        // One body for both calendars (booking, change of time): no copy per caller.
        self.follow_dyn(Box::new(first_last), zone, Box::new(fetch));
    }

    fn follow_dyn(
        self,
        first_last: Box<dyn Fn() -> Option<DateTime<Utc>>>,
        zone: RwSignal<String>,
        fetch: Box<dyn Fn(DateTime<Utc>) -> Asked>,
    ) {
        let LaterTimes {
            times,
            shown,
            more,
            asking,
            generation,
        } = self;
        Effect::new(move |_| {
            let (Some(month), true, false) = (shown.get(), more.get(), asking.get()) else {
                return;
            };
            let last = times
                .with(|l| l.last().map(|s| s.starts_at))
                .or_else(&first_last);
            let Some(last) = last else { return };
            let last_day = dom::local_date(last.timestamp_millis(), &zone.get());
            let month_end = month
                .checked_add_months(Months::new(1))
                .and_then(|d| d.pred_opt());
            if last_day.zip(month_end).is_some_and(|(l, e)| l > e) {
                return;
            }
            asking.set(true);
            let asked_for = generation.get_value();
            let answer = fetch(last + chrono::Duration::milliseconds(1));
            leptos::task::spawn_local(async move {
                let answer = answer.await;
                if generation.try_get_value() != Some(asked_for) {
                    return;
                }
                match answer {
                    Ok(next) => {
                        more.set(next.more && !next.slots.is_empty());
                        times.update(|l| l.extend(next.slots));
                    }
                    // The times known stay; later ones are simply not offered.
                    Err(_) => more.set(false),
                }
                asking.set(false);
            });
        });
    }
}

impl Default for LaterTimes {
    fn default() -> Self {
        LaterTimes::new()
    }
}

/// The calendar; `selected` is the chosen day (only days with free times can be chosen).
#[component]
pub fn Calendar(
    t: &'static Texts,
    lang: Lang,
    days: Memo<DaySlots>,
    selected: RwSignal<Option<NaiveDate>>,
    /// Told the first day of the month on screen (the form fetches later times with it).
    #[prop(optional)]
    shown: Option<RwSignal<Option<NaiveDate>>>,
) -> impl IntoView {
    let locale = lang.locale();
    let start = selected
        .get_untracked()
        .or_else(|| days.with_untracked(|m| m.keys().next().copied()))
        .or_else(|| dom::local_date(dom::now_ms(), "UTC"))
        .unwrap_or_default();
    let focused = RwSignal::new(start);
    // The chosen day can change from outside (another zone, fresh times): follow it.
    Effect::new(move |_| {
        if let Some(d) = selected.get() {
            focused.set(d);
        }
    });
    let month = Memo::new(move |_| focused.get().with_day(1).unwrap_or_default());
    if let Some(shown) = shown {
        Effect::new(move |_| shown.set(Some(month.get())));
    }
    let move_to = move |d: NaiveDate| {
        focused.set(d);
        // The cell may be in a month not yet drawn: focus it once it is.
        request_animation_frame(move || focus(&format!("day-{d}")));
    };
    let choose = move |d: NaiveDate| {
        if days.with_untracked(|m| m.contains_key(&d)) {
            selected.set(Some(d));
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let key = ev.key();
        if let Some(next) = step(focused.get_untracked(), &key, ev.shift_key()) {
            ev.prevent_default();
            move_to(next);
        } else if key == "Enter" || key == " " {
            ev.prevent_default();
            choose(focused.get_untracked());
        }
    };
    let shift_month = move |forward: bool| {
        let key = if forward { "PageDown" } else { "PageUp" };
        if let Some(d) = step(focused.get_untracked(), key, false) {
            focused.set(d);
        }
    };
    let month_label = move || {
        dom::format_date(
            month.get(),
            locale,
            &[("month", "long"), ("year", "numeric")],
        )
    };
    // Monday 23 November 2026 starts the header week.
    let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
    let header = (0..7u64)
        .map(|i| {
            let d = monday.checked_add_days(Days::new(i)).unwrap_or(monday);
            let short = dom::format_date(d, locale, &[("weekday", "short")]);
            let long = dom::format_date(d, locale, &[("weekday", "long")]);
            view! { <th scope="col" abbr=long>{short}</th> }
        })
        .collect_view();
    let cell = move |day: Option<NaiveDate>| match day {
        None => view! { <td class="outside"></td> }.into_any(),
        Some(day) => {
            let count = days.with(|m| m.get(&day).map(Vec::len).unwrap_or(0));
            let name = dom::format_date(
                day,
                locale,
                &[
                    ("weekday", "long"),
                    ("day", "numeric"),
                    ("month", "long"),
                    ("year", "numeric"),
                ],
            );
            let n = count.to_string();
            let label = match count {
                0 => fill(t.day_none_free(), &[("day", &name)]),
                1 => fill(t.day_one_free(), &[("day", &name)]),
                _ => fill(t.day_many_free(), &[("day", &name), ("n", &n)]),
            };
            view! {
                <td id=format!("day-{day}")
                    role="gridcell"
                    class:free={count > 0}
                    class:selected=move || selected.get() == Some(day)
                    tabindex=move || if focused.get() == day { "0" } else { "-1" }
                    aria-selected=move || (selected.get() == Some(day)).to_string()
                    aria-disabled={(count == 0).then_some("true")}
                    aria-label=label
                    on:click=move |_| { focused.set(day); choose(day); }>
                    {day.day()}
                </td>
            }
            .into_any()
        }
    };
    let body = move || {
        month_weeks(month.get())
            .into_iter()
            .map(|week| view! { <tr>{week.into_iter().map(cell).collect_view()}</tr> })
            .collect_view()
    };
    view! {
        <div class="calendar">
            <div class="month">
                <button type="button" class="month-nav" aria-label=t.previous_month()
                    on:click=move |_| shift_month(false)>"‹"</button>
                <h2 id="month-label" aria-live="polite">{month_label}</h2>
                <button type="button" class="month-nav" aria-label=t.next_month()
                    on:click=move |_| shift_month(true)>"›"</button>
            </div>
            <table role="grid" aria-labelledby="month-label" aria-describedby="calendar-help"
                on:keydown=on_keydown>
                <thead><tr>{header}</tr></thead>
                <tbody>{body}</tbody>
            </table>
            <p class="hint" id="calendar-help">{t.calendar_help()}</p>
        </div>
    }
}
