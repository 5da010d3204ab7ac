//! The change-or-cancel page: the appointment, the agent's free times to move it to (the
//! same date grid as the booking form), and cancelling with a confirmation step.

use crate::model::booking::{BookingStatus, ManageInfo};
use crate::model::embed::{EmbedMessage, EMBED_PROTOCOL_VERSION};
use crate::model::i18n::fill;
use crate::model::{AppError, ErrorCode};
use crate::server_fns::booking::booking_slots;
use crate::server_fns::manage::{manage_cancel, manage_details, manage_move};
use crate::widget::booking::calendar::{group_days, Calendar, DaySlots, LaterTimes};
use crate::widget::booking::view::{day_times, when_text};
use crate::widget::dom::focus;
use crate::widget::{dom, host, theme};
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The page for the customer's link `hash`; `inline` inside the booking form's frame (after
/// booking), where it keeps the form's look and tells the host page what changed.
#[component]
pub fn ManagePage(hash: String, #[prop(optional)] inline: bool) -> impl IntoView {
    let lang = dom::page_lang(dom::query_param("lang"));
    let t = lang.texts();
    let zone = RwSignal::new(dom::visitor_time_zone());
    let info = RwSignal::new(None::<Result<ManageInfo, AppError>>);
    let message = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let chosen = RwSignal::new(None::<DateTime<Utc>>);
    {
        let hash = hash.clone();
        spawn_local(async move {
            let got = manage_details(hash).await;
            if let (Ok(i), false) = (&got, inline) {
                theme::apply(&i.site.theme);
            }
            info.set(Some(got));
        });
    }

    // The agent's free times, once the appointment is known and while it can move.
    let host_origin = host::bridge().origin();
    let slots = LocalResource::new(move || {
        let target = info.with(|i| match i {
            Some(Ok(i)) if i.status == BookingStatus::Scheduled => Some((
                i.site.id.as_str().to_string(),
                i.agent.id.as_str().to_string(),
            )),
            _ => None,
        });
        let origin = host_origin.clone();
        async move {
            match target {
                Some((site, agent)) => Some(booking_slots(site, origin, Some(agent), None).await),
                None => None,
            }
        }
    });
    // Times after the first list's last, as the customer pages on through months.
    let later = LaterTimes::new();
    Effect::new(move |_| {
        if let Some(list) = slots.get() {
            later.reset(matches!(&list, Some(Ok(l)) if l.more));
        }
    });
    let shown = later.shown;
    let origin_for_more = host::bridge().origin();
    later.follow(
        move || match slots.get() {
            Some(Some(Ok(list))) => list.slots.last().map(|s| s.starts_at),
            _ => None,
        },
        zone,
        move |after| {
            let target = info.with_untracked(|i| match i {
                Some(Ok(i)) => Some((
                    i.site.id.as_str().to_string(),
                    i.agent.id.as_str().to_string(),
                )),
                _ => None,
            });
            let origin = origin_for_more.clone();
            Box::pin(async move {
                match target {
                    Some((site, agent)) => {
                        booking_slots(site, origin, Some(agent), Some(after.timestamp_millis()))
                            .await
                    }
                    None => Err(AppError::new(ErrorCode::NotFound, "no appointment")),
                }
            })
        },
    );
    let days = Memo::new(move |_| match slots.get() {
        Some(Some(Ok(mut list))) => {
            later.times.with(|l| list.slots.extend_from_slice(l));
            group_days(list.slots, &zone.get())
        }
        _ => DaySlots::new(),
    });
    let selected_day = RwSignal::new(None::<NaiveDate>);
    Effect::new(move |_| {
        let first = days.with(|m| m.keys().next().copied());
        if selected_day.get_untracked().is_none() && first.is_some() {
            selected_day.set(first);
        }
    });

    let fail = move |e: AppError| {
        problem.set(Some(match e.code {
            ErrorCode::NotFound => t.invalid_link().to_string(),
            ErrorCode::SlotTaken => t.slot_taken().to_string(),
            _ => fill(t.change_failed(), &[("reason", &e.message)]),
        }));
        request_animation_frame(|| focus("manage-problem"));
    };
    let hash_for_move = hash.clone();
    let on_move = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        problem.set(None);
        let Some(at) = chosen.get_untracked() else {
            problem.set(Some(t.error_starts_at().into()));
            return;
        };
        busy.set(true);
        let hash = hash_for_move.clone();
        spawn_local(async move {
            match manage_move(hash, at).await {
                Ok(i) => {
                    host::bridge().post(&EmbedMessage::Rescheduled {
                        version: EMBED_PROTOCOL_VERSION,
                        meeting: i.meeting.clone(),
                        starts_at: i.starts_at,
                        ends_at: i.ends_at,
                        time_zone: i.site.time_zone.clone(),
                    });
                    let when = when_text(t, lang, i.starts_at, &zone.get_untracked());
                    message.set(Some(fill(t.moved(), &[("when", &when)])));
                    chosen.set(None);
                    info.set(Some(Ok(i)));
                    request_animation_frame(|| focus("manage-message"));
                }
                Err(e) => {
                    if e.code == ErrorCode::SlotTaken {
                        slots.refetch();
                    }
                    fail(e);
                }
            }
            busy.set(false);
        });
    };
    let hash_for_cancel = hash.clone();
    let on_cancel = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        problem.set(None);
        let hash = hash_for_cancel.clone();
        spawn_local(async move {
            match manage_cancel(hash).await {
                Ok(i) => {
                    host::bridge().post(&EmbedMessage::Cancelled {
                        version: EMBED_PROTOCOL_VERSION,
                        meeting: i.meeting.clone(),
                    });
                    message.set(Some(t.cancelled().into()));
                    confirming.set(false);
                    info.set(Some(Ok(i)));
                    request_animation_frame(|| focus("manage-message"));
                }
                Err(e) => fail(e),
            }
            busy.set(false);
        });
    };

    let body = move || match info.get() {
        None => view! { <p role="status">{t.loading()}</p> }.into_any(),
        Some(Err(e)) => {
            let text = if e.code == ErrorCode::NotFound {
                t.invalid_link().to_string()
            } else {
                fill(t.change_failed(), &[("reason", &e.message)])
            };
            view! { <p class="form-error" role="alert">{text}</p> }.into_any()
        }
        Some(Ok(i)) => {
            let when = when_text(t, lang, i.starts_at, &zone.get_untracked());
            let line = fill(
                t.booked_when(),
                &[("when", &when), ("agent", &i.agent.name)],
            );
            let state = match i.status {
                BookingStatus::Cancelled => {
                    view! { <p><strong>{t.cancelled()}</strong></p> }.into_any()
                }
                BookingStatus::Past => view! { <p>{t.past()}</p> }.into_any(),
                BookingStatus::Scheduled => {
                    let on_cancel = on_cancel.clone();
                    view! {
                        <p>
                            // In a frame the room opens in its own tab, as from the confirmation.
                            <a class="primary join-link" href=i.join_url.clone()
                                target=inline.then_some("_blank") rel=inline.then_some("noopener")>{t.open_room()}</a>
                        </p>
                        <section aria-labelledby="move-title">
                            <h2 id="move-title">{t.move_title()}</h2>
                            <form novalidate on:submit=on_move.clone()>
                                <p class="hint" id="zone-note">
                                    {fill(t.zone_note(), &[("zone", &zone.get_untracked().replace('_', " "))])}
                                </p>
                                {move || match slots.get() {
                                    Some(Some(Ok(list))) if list.slots.is_empty() => {
                                        view! { <p role="status">{t.no_slots()}</p> }.into_any()
                                    }
                                    Some(Some(Ok(_))) => view! {
                                        <Calendar t lang days selected=selected_day shown/>
                                        {move || day_times(t, lang, days, selected_day, zone, chosen)}
                                    }
                                    .into_any(),
                                    Some(Some(Err(e))) => view! {
                                        <p class="form-error" role="alert">{fill(t.load_failed(), &[("reason", &e.message)])}</p>
                                    }
                                    .into_any(),
                                    _ => view! { <p role="status">{t.loading()}</p> }.into_any(),
                                }}
                                <button type="submit" class="primary" disabled=move || busy.get()>
                                    {move || if busy.get() { t.moving() } else { t.move_button() }}
                                </button>
                            </form>
                        </section>
                        <section aria-labelledby="cancel-title">
                            <h2 id="cancel-title">{t.cancel_title()}</h2>
                            {move || {
                                let on_cancel = on_cancel.clone();
                                if confirming.get() {
                                    view! {
                                        <div role="group" aria-labelledby="cancel-question">
                                            <p id="cancel-question">{fill(t.cancel_confirm(), &[("when", &when_text(t, lang, i.starts_at, &zone.get_untracked()))])}</p>
                                            <button type="button" id="cancel-yes" class="danger" on:click=on_cancel
                                                disabled=move || busy.get()>{t.cancel_yes()}</button>
                                            " "
                                            <button type="button" id="cancel-no" on:click=move |_| {
                                                confirming.set(false);
                                                request_animation_frame(|| focus("cancel-start"));
                                            }>{t.cancel_no()}</button>
                                        </div>
                                    }
                                    .into_any()
                                } else {
                                    view! {
                                        <button type="button" id="cancel-start" on:click=move |_| {
                                            confirming.set(true);
                                            request_animation_frame(|| focus("cancel-no"));
                                        }>{t.cancel_button()}</button>
                                    }
                                    .into_any()
                                }
                            }}
                        </section>
                    }
                    .into_any()
                }
            };
            view! {
                <p class="site-name">{i.site.name.clone()}</p>
                <p id="manage-when">{line}</p>
                {state}
            }
            .into_any()
        }
    };
    let messages = move || {
        view! {
            <p class="status-message" id="manage-message" tabindex="-1" role="status">{move || message.get()}</p>
            <p class="form-error" id="manage-problem" tabindex="-1" role="alert">{move || problem.get()}</p>
        }
    };
    if inline {
        view! {
            <section class="manage" aria-labelledby="manage-heading">
                <h2 id="manage-heading" tabindex="-1">{t.manage_heading()}</h2>
                {messages()}
                {body}
            </section>
        }
        .into_any()
    } else {
        view! {
            <main class="consult manage">
                <h1 id="manage-heading">{t.manage_heading()}</h1>
                {messages()}
                {body}
            </main>
        }
        .into_any()
    }
}
