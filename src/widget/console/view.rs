//! The console: who is waiting (live), today's and upcoming meetings, and the call.

use super::schedule::{MeetingActions, SchedulePanel};
use crate::model::console::{ConsoleAppointment, ConsoleMeeting};
use crate::model::i18n::{fill, Lang, Texts};
use crate::model::meeting::LobbyEntry;
use crate::model::signal::{ClientMsg, ServerMsg};
use crate::model::{ErrorCode, MeetingId};
use crate::server_fns::console::{console_data, console_take_appointment};
use crate::widget::call::socket::Socket;
use crate::widget::call::view::CallStage;
use crate::widget::call::CallCtl;
use crate::widget::{dom, media};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;

/// The console's state (all `Copy` handles).
#[derive(Clone, Copy)]
struct Desk {
    /// The console's language and words.
    lang: Lang,
    t: &'static Texts,
    ctl: StoredValue<Rc<CallCtl>, LocalStorage>,
    socket: StoredValue<Option<Rc<Socket>>, LocalStorage>,
    lobby: RwSignal<Vec<LobbyEntry>>,
    /// The meeting whose room we are in.
    room: RwSignal<Option<MeetingId>>,
    announce: RwSignal<Option<String>>,
    /// Whose arrival the announcement tells, while it does: once they no longer wait
    /// (admitted, sent away, gone), the announcement goes rather than contradict the list.
    announced: StoredValue<Option<(crate::model::PeerId, String)>>,
    online: RwSignal<bool>,
}

impl Desk {
    /// Send someone waiting away, without entering the room, with a standard message.
    fn deny(self, meeting: MeetingId, peer: crate::model::PeerId) {
        self.socket.with_value(|s| {
            if let Some(s) = s {
                s.send(&ClientMsg::Deny {
                    meeting,
                    peer,
                    message: Some(self.t.console_deny_message().into()),
                });
            }
        });
    }

    fn connect(self) {
        if self.socket.with_value(|s| s.is_some()) {
            return;
        }
        let on_message = move |msg: ServerMsg| match msg {
            ServerMsg::Lobby { entries } => {
                let known = self
                    .lobby
                    .with_untracked(|l| l.iter().map(|e| e.peer.clone()).collect::<Vec<_>>());
                if let Some(new) = entries.iter().find(|e| !known.contains(&e.peer)) {
                    let text = fill(self.t.console_announce(), &[("name", &new.name)]);
                    self.announce.set(Some(text.clone()));
                    self.announced.set_value(Some((new.peer.clone(), text)));
                    notify(new, self.t);
                } else if let Some((_, text)) = self
                    .announced
                    .get_value()
                    .filter(|(p, _)| !entries.iter().any(|e| &e.peer == p))
                {
                    self.announced.set_value(None);
                    // Only if nothing else was said since.
                    if self.announce.get_untracked().as_deref() == Some(text.as_str()) {
                        self.announce.set(None);
                    }
                }
                self.lobby.set(entries);
            }
            ServerMsg::Error { error } => {
                if error.code == ErrorCode::Unauthorized {
                    self.online.set(false);
                }
                // Cancelled or over while we were in its room: the call ends here too.
                if error.code == ErrorCode::Expired && self.room.get_untracked().is_some() {
                    self.ctl.with_value(|c| c.reset());
                    self.room.set(None);
                }
                self.announce.set(Some(error.message));
            }
            ServerMsg::Ended => {
                self.ctl.with_value(|c| c.handle(&ServerMsg::Ended));
                self.room.set(None);
                self.announce.set(Some(self.t.console_ended().into()));
            }
            ServerMsg::Replaced => {
                self.ctl.with_value(|c| c.reset());
                self.room.set(None);
                self.announce.set(Some(self.t.console_replaced().into()));
            }
            other => {
                self.ctl.with_value(|c| c.handle(&other));
            }
        };
        // Each (re)connection watches the lobby again and, in a call, resumes it.
        let on_open = move |reconnected: bool| {
            self.online.set(true);
            let ctl = self.ctl.get_value();
            ctl.send(&ClientMsg::WatchLobby);
            if reconnected {
                if let Some(token) = ctl.resume_token() {
                    ctl.send(&ClientMsg::Resume { token });
                }
                self.announce.set(None);
            }
        };
        let on_down = move || {
            self.online.set(false);
            self.announce
                .set(Some(self.t.console_reconnecting().into()));
        };
        if let Ok(socket) = Socket::open(on_message, on_open, on_down) {
            self.ctl.with_value(|c| c.attach(socket.clone()));
            self.socket.set_value(Some(socket));
        }
    }

    /// Enter a meeting's room (camera on), then optionally admit someone.
    async fn enter(self, meeting: MeetingId, admit: Option<crate::model::PeerId>) {
        let ctl = self.ctl.get_value();
        if !ctl.has_local() {
            match media::open_camera_and_microphone().await {
                Ok(stream) => ctl.set_local(Some(stream)),
                Err(p) => self.announce.set(Some(format!(
                    "{}. {}",
                    p.title_in(self.lang),
                    p.guidance_in(self.lang)
                ))),
            }
        }
        if self.room.get_untracked().as_ref() != Some(&meeting) {
            if self.room.get_untracked().is_some() {
                ctl.leave();
            }
            ctl.send(&ClientMsg::Host {
                meeting: meeting.clone(),
            });
            self.room.set(Some(meeting));
        }
        if let Some(peer) = admit {
            ctl.send(&ClientMsg::Admit { peer });
        }
    }
}

/// Tell the agent someone new is waiting, even when the console is in a background tab: a
/// chime, and a desktop notification if they allowed those.
fn notify(entry: &LobbyEntry, t: &'static Texts) {
    let _ = crate::widget::call::devices::test_tone(crate::widget::media::remembered(
        crate::widget::media::Choice::Speaker,
    ));
    if notifications_state() == Some(web_sys::NotificationPermission::Granted) {
        let options = web_sys::NotificationOptions::new();
        options.set_body(&entry.subject);
        // One notification per person waiting, however often the lobby is re-sent.
        options.set_tag(&entry.peer.to_string());
        let _ = web_sys::Notification::new_with_options(
            &fill(t.lobby_waiting(), &[("name", &entry.name)]),
            &options,
        );
    }
}

/// Desktop notifications: on, off (refused) or not asked yet; `None` where the browser has
/// none (an insecure page, some phones), where asking would throw.
fn notifications_state() -> Option<web_sys::NotificationPermission> {
    js_sys::Reflect::has(&js_sys::global(), &"Notification".into())
        .unwrap_or(false)
        .then(web_sys::Notification::permission)
}

/// The agent console page.
#[component]
pub fn Console() -> impl IntoView {
    let lang = dom::page_lang(dom::query_param("lang"));
    let t = lang.texts();
    let ctl = CallCtl::new();
    ctl.set_texts(t);
    let in_call = ctl.in_call;
    let desk = Desk {
        lang,
        t,
        ctl: StoredValue::new_local(ctl),
        socket: StoredValue::new_local(None),
        lobby: RwSignal::new(Vec::new()),
        room: RwSignal::new(None),
        announce: RwSignal::new(None),
        announced: StoredValue::new(None),
        online: RwSignal::new(false),
    };
    let overview = LocalResource::new(console_data);
    // The list is its own signal, reloaded after each change, so reloading it leaves the
    // schedule form (and what is typed there) alone.
    let meetings = RwSignal::new(Vec::<ConsoleMeeting>::new());
    let appointments = RwSignal::new(Vec::<ConsoleAppointment>::new());
    Effect::new(move |_| {
        if let Some(Ok(data)) = overview.get() {
            meetings.set(data.meetings);
            appointments.set(data.appointments);
        }
    });
    let on_changed = Callback::new(move |()| {
        spawn_local(async move {
            if let Ok(data) = console_data().await {
                meetings.set(data.meetings);
                appointments.set(data.appointments);
            }
        })
    });
    // Take an appointment (or open one's own): its call is the room's host page.
    let take = move |id: String, agent: String| {
        spawn_local(async move {
            match console_take_appointment(id).await {
                Ok(link) => {
                    let name: String = js_sys::encode_uri_component(&agent).into();
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().assign(&format!("{link}&displayName={name}"));
                    }
                }
                Err(e) => {
                    desk.announce.set(Some(e.message.clone()));
                    on_changed.run(());
                }
            }
        })
    };
    let notifications = RwSignal::new(notifications_state());
    let ask_notifications = move |_| {
        if let Ok(promise) = web_sys::Notification::request_permission() {
            spawn_local(async move {
                let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
                notifications.set(notifications_state());
            });
        }
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = overview.get() {
            desk.connect();
        }
    });
    let zone = StoredValue::new(dom::visitor_time_zone());
    let when = move |ms: i64| {
        zone.with_value(|z| format!("{} {}", dom::day_label(ms, z, lang), dom::time_label(ms, z)))
    };
    let on_leave: Rc<dyn Fn()> = Rc::new(move || desk.room.set(None));
    let on_leave = StoredValue::new_local(on_leave);

    let body = move || {
        match overview.get() {
        None => view! { <p role="status">{t.console_loading()}</p> }.into_any(),
        Some(Err(e)) if e.code == ErrorCode::Unauthorized => view! {
            <section class="login">
                <h2>{t.console_please_log_in()}</h2>
                <p role="alert">{t.console_log_in_hint()}</p>
                <a class="primary" href=format!("/login?lang={}", lang.code())>{t.console_log_in()}</a>
            </section>
        }
        .into_any(),
        Some(Err(e)) => view! { <p role="alert">{fill(t.console_failed(), &[("message", &e.message)])}</p> }.into_any(),
        Some(Ok(data)) => view! {
            <p class="agent">{t.console_logged_in_as()} " " <strong>{data.agent_name.clone()}</strong></p>
            <div class="console-grid">
                <section class="waiting" aria-labelledby="waiting-title">
                    <h2 id="waiting-title">{t.console_waiting_title()}</h2>
                    {move || (notifications.get() == Some(web_sys::NotificationPermission::Default)).then(|| view! {
                        <button type="button" data-action="notifications" on:click=ask_notifications>
                            {t.console_notify()}
                        </button>
                    })}
                    // "X is waiting" is for screen readers: sighted agents see X's card
                    // just below. Everything else said here (errors, reconnecting) shows.
                    <p class="announce" role="status" aria-live="polite"
                        class:quiet=move || {
                            let said = desk.announce.get();
                            said.is_some() && desk.announced.with_value(|a| a.as_ref().map(|(_, t)| t.clone())) == said
                        }>
                        {move || desk.announce.get()}
                    </p>
                    {move || {
                        let lobby = desk.lobby.get();
                        if lobby.is_empty() {
                            view! { <p class="empty">{t.console_nobody()}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="lobby">
                                    {lobby.into_iter().map(|entry| {
                                        let label = fill(t.lobby_admit_name(), &[("name", &entry.name)]);
                                        let meeting = entry.meeting.clone();
                                        let peer = entry.peer.clone();
                                        view! {
                                            <li data-waiting=entry.peer.to_string()>
                                                {entry.preview.clone().map(|src| view! {
                                                    <img class="preview" src=src alt=fill(t.lobby_picture(), &[("name", &entry.name)]) width="160"/>
                                                })}
                                                <span class="name">{entry.name.clone()}</span>
                                                <span class="meta">{entry.subject.clone()} " · " {when(entry.starts_at.timestamp_millis())}</span>
                                                <button type="button" class="primary" data-action="admit" aria-label=label
                                                    on:click={
                                                        let (meeting, peer) = (meeting.clone(), peer.clone());
                                                        move |_| spawn_local(desk.enter(meeting.clone(), Some(peer.clone())))
                                                    }>
                                                    {t.lobby_admit()}
                                                </button>
                                                " "
                                                <button type="button" data-action="deny" aria-label=fill(t.lobby_deny_name(), &[("name", &entry.name)])
                                                    on:click=move |_| desk.deny(meeting.clone(), peer.clone())>
                                                    {t.lobby_deny()}
                                                </button>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                    }}
                </section>
                <section class="meetings" aria-labelledby="meetings-title">
                    <h2 id="meetings-title" tabindex="-1">{t.console_meetings_title()}</h2>
                    {move || {
                        let list = meetings.get();
                        if list.is_empty() {
                            view! { <p class="empty">{t.console_no_meetings()}</p> }.into_any()
                        } else {
                            view! {
                                <ul>
                                    {list.into_iter().map(|m| {
                                        let meeting = m.meeting.id.clone();
                                        let guests = if m.guests.is_empty() { t.console_no_guests().to_string() } else { m.guests.join(", ") };
                                        let label = fill(t.console_open_room_for(), &[("guests", &guests)]);
                                        let hosting = m.hosting;
                                        let host = fill(t.console_hosted_by(), &[("name", &m.meeting.host_name)]);
                                        let key = m.meeting.id.to_string();
                                        view! {
                                            <li data-meeting=key>
                                                <span class="time">{when(m.meeting.starts_at.timestamp_millis())}</span>
                                                <span class="guests">{guests.clone()}</span>
                                                {(!hosting).then(|| view! { <span class="meta">{host}</span> })}
                                                <span class="actions">
                                                    {hosting.then(|| view! {
                                                        <button type="button" aria-label=label
                                                            on:click=move |_| spawn_local(desk.enter(meeting.clone(), None))>
                                                            {t.console_open_room()}
                                                        </button>
                                                        " "
                                                    })}
                                                    <MeetingActions item=m t announce=desk.announce on_changed/>
                                                </span>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                    }}
                </section>
                <section class="appointments" aria-labelledby="appointments-title">
                    <h2 id="appointments-title">{t.console_appointments_title()}</h2>
                    {move || {
                        let list = appointments.get();
                        let agent = data.agent_name.clone();
                        if list.is_empty() {
                            view! { <p class="empty">{t.console_no_appointments()}</p> }.into_any()
                        } else {
                            view! {
                                <ul>
                                    {list.into_iter().map(|a| {
                                        let names = [("name", a.claimant.as_str()), ("reference", a.reference.as_str())];
                                        let label = fill(if a.mine { t.console_open_appointment_name() } else { t.console_take_name() }, &names);
                                        let meta = fill(t.console_appointment_meta(), &[("reference", &a.reference), ("minutes", &a.duration_minutes.to_string())]);
                                        let interpreter = a.interpreter.clone().map(|l| fill(t.console_appointment_interpreter(), &[("language", &l)]));
                                        let (id, agent) = (a.id.clone(), agent.clone());
                                        view! {
                                            <li data-appointment=a.id.clone() data-appointment-status=a.status.as_str()>
                                                <span class="time">{when(a.starts_at.timestamp_millis())}</span>
                                                <span class="guests">{a.claimant.clone()}</span>
                                                <span class="meta">{meta} {interpreter.map(|i| format!(" · {i}"))}
                                                    {(!a.mine).then(|| format!(" · {}", t.console_appointment_open()))}
                                                    {a.department.clone().map(|d| format!(" · {d}"))}</span>
                                                <span class="actions">
                                                    <button type="button" data-action="take-appointment" aria-label=label
                                                        on:click=move |_| take(id.clone(), agent.clone())>
                                                        {if a.mine { t.console_open_room() } else { t.console_take() }}
                                                    </button>
                                                </span>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                    }}
                </section>
                {(!data.sites.is_empty()).then(|| view! {
                    <SchedulePanel sites=data.sites.clone() t announce=desk.announce on_changed/>
                })}
            </div>
        }
        .into_any(),
    }
    };

    // In a call, the call takes the agent's view: it comes first, focused and scrolled to,
    // with the console's lists beside it on a wide screen and after it on a narrow one.
    let call_ref = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |was: Option<bool>| {
        let now = in_call.get();
        if now && was != Some(true) {
            // After the frame that shows it (a hidden element cannot be scrolled to).
            request_animation_frame(move || {
                if let Some(el) = call_ref.get_untracked() {
                    let el: &web_sys::HtmlElement = &el;
                    el.scroll_into_view();
                    let _ = el.focus();
                }
            });
        }
        now
    });
    view! {
        <main class="consult console" class:in-call=move || in_call.get()>
            <header class="console-header">
                <h1>{t.console_title()}</h1>
                <form method="post" action="/logout">
                    <button type="submit">{t.console_log_out()}</button>
                </form>
            </header>
            <div class="console-layout">
                <div class="console-call" node_ref=call_ref tabindex="-1" hidden=move || !in_call.get()>
                    {move || in_call.get().then(|| view! {
                        <CallStage ctl=desk.ctl.get_value() on_leave=on_leave.get_value()/>
                    })}
                </div>
                <div class="console-body">{body}</div>
            </div>
        </main>
    }
}
