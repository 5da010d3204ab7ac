//! The join page: check the link, start the camera, knock, wait, call. The same page serves a
//! room of the rooms API (`/rooms/{name}`): the name to show is asked for (or taken from
//! `?displayName=`), a viewer's camera is never opened, and a guest of an unlocked room is in
//! at once.

use crate::model::embed::{EmbedMessage, EMBED_PROTOCOL_VERSION};
use crate::model::i18n::{fill, Lang, Texts};
use crate::model::meeting::{JoinInfo, Role};
use crate::model::signal::{ClientMsg, ServerMsg};
use crate::model::{AppError, ErrorCode};
use crate::server_fns::join::join_details;
use crate::server_fns::rooms::room_details;
use crate::widget::call::devices::DeviceSetup;
use crate::widget::call::socket::Socket;
use crate::widget::call::view::{CallStage, RecordingBanner, SelfView};
use crate::widget::call::CallCtl;
use crate::widget::media::{self, MediaProblem};
use crate::widget::{dom, host};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;
use wasm_bindgen::JsCast;

/// What the page was opened with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A personal join link's hash (`/join/{hash}`).
    Link(String),
    /// A room of the rooms API (`/rooms/{name}`), with its link's `roomKey` if any.
    Room {
        /// The room's name, as in the path.
        name: String,
        /// The host's or a viewer's key.
        key: Option<String>,
    },
}

/// Where the person stands.
#[derive(Clone, Debug, PartialEq)]
enum Phase {
    /// Checking the link.
    Loading,
    /// The link is bad, the meeting over, the room full…
    Failed(AppError),
    /// Asking for camera and microphone.
    Devices,
    /// The room opens later; we knock by ourselves then.
    TooEarly,
    /// Knocked; waiting to be admitted.
    Waiting { host_present: bool },
    /// In the call.
    InCall,
    /// Left the call.
    Left,
    /// The host ended the call for everyone.
    Ended,
    /// The same link was opened elsewhere.
    Replaced,
    /// The host sent me away, with a message.
    Denied(Option<String>),
    /// The host took me out of the call.
    Removed,
    /// The signaling connection dropped.
    Disconnected,
}

fn failure_title(e: &AppError, t: &'static Texts) -> &'static str {
    match e.code {
        ErrorCode::NotFound => t.fail_link(),
        ErrorCode::Expired => t.fail_ended(),
        ErrorCode::RoomFull => t.fail_full(),
        ErrorCode::TooEarly => t.fail_early(),
        _ => t.fail_other(),
    }
}

/// Width of the waiting-room preview picture, in pixels.
const PREVIEW_WIDTH: u32 = 160;
/// How often a waiting person's preview picture is refreshed.
const PREVIEW_EVERY_MS: i32 = 4000;

/// The page's reactive state (all `Copy` handles, so closures that capture it stay `Send`).
#[derive(Clone, Copy)]
struct Page {
    /// The page's language and words.
    lang: Lang,
    t: &'static Texts,
    ctl: StoredValue<Rc<CallCtl>, LocalStorage>,
    socket: StoredValue<Option<Rc<Socket>>, LocalStorage>,
    entry: StoredValue<Entry>,
    /// Rooms: the name the others see (asked for, or from `?displayName=`).
    display_name: RwSignal<String>,
    /// Rooms: the name is still to be given (the form shows).
    needs_name: RwSignal<bool>,
    /// Rooms: the name form's error.
    name_error: RwSignal<Option<&'static str>>,
    /// The host asked me to wait, with their message (if any).
    held: RwSignal<Option<Option<String>>>,
    phase: RwSignal<Phase>,
    /// Is the signaling connection up (false while it reconnects)?
    online: RwSignal<bool>,
    /// A resume was sent and not answered yet.
    resuming: StoredValue<bool>,
    /// The host sees my camera while I wait (the site allows it; I am told).
    previewed: RwSignal<bool>,
    /// The preview loop runs.
    preview_loop: StoredValue<bool>,
    /// `consult:joined` was sent for this admission.
    joined_told: StoredValue<bool>,
    info: RwSignal<Option<JoinInfo>>,
    /// The clock, ticking while the room has not opened yet.
    now: RwSignal<i64>,
    problem: RwSignal<Option<MediaProblem>>,
    /// An appointment's pre-call token (the claimant's page reports blur through it).
    token: StoredValue<Option<String>>,
    /// An appointment asks for a blurred background: whether the browser does it.
    blur: RwSignal<Option<bool>>,
    /// The call ended and the page is on its way to the appointment's next address.
    redirecting: RwSignal<bool>,
    /// Was in the call since knocking (a hold now is an "on hold").
    was_in_call: RwSignal<bool>,
    /// Waiting while the host talks with someone else aside.
    aside_wait: RwSignal<bool>,
}

impl Page {
    fn meeting(&self) -> Option<crate::model::MeetingId> {
        self.info
            .with_untracked(|i| i.as_ref().map(|i| i.meeting.id.clone()))
    }

    fn fail(&self, error: AppError) {
        host::bridge().post(&EmbedMessage::Error {
            version: EMBED_PROTOCOL_VERSION,
            code: error.code,
            message: error.message.clone(),
        });
        self.phase.set(Phase::Failed(error));
    }

    /// Knock (again), on a fresh connection. The connection comes back by itself when it
    /// drops: in the call we resume (same peer, media untouched), in the waiting room we
    /// knock again.
    fn knock(self) {
        let ctl = self.ctl.get_value();
        let on_message = move |msg: ServerMsg| self.on_message(msg);
        let on_open = move |reconnected: bool| {
            self.online.set(true);
            let ctl = self.ctl.get_value();
            if !reconnected {
                spawn_local(self.tell_precall());
            }
            match ctl.resume_token() {
                Some(token) if reconnected => {
                    self.resuming.set_value(true);
                    ctl.send(&ClientMsg::Resume { token });
                }
                _ if !reconnected || self.wants_in() => ctl.send(&self.knock_message()),
                _ => {}
            }
        };
        let on_down = move || {
            self.online.set(false);
            if matches!(self.phase.get_untracked(), Phase::InCall) {
                self.ctl
                    .with_value(|c| c.notice.set(Some(self.t.call_reconnecting().into())));
            }
        };
        match Socket::open(on_message, on_open, on_down) {
            Ok(s) => {
                ctl.attach(s.clone());
                self.socket.set_value(Some(s));
            }
            Err(_) => self.phase.set(Phase::Disconnected),
        }
    }

    /// The checks before the call are done (the connection to the server is the last): tell
    /// the host page what passed. A viewer's devices are not checked (never opened).
    async fn tell_precall(self) {
        let local = self.ctl.with_value(|c| c.local_stream.get_untracked());
        let has = |kind| local.as_ref().is_some_and(|s| media::has(s, kind));
        let speaker = !media::devices(media::Choice::Speaker).await.is_empty();
        host::bridge().post(&EmbedMessage::PrecallCheckCompleted {
            version: EMBED_PROTOCOL_VERSION,
            steps: crate::model::embed::PrecallSteps {
                camera: has("video"),
                microphone: has("audio"),
                speaker,
                connection: true,
            },
        });
    }

    /// A command from the host page (the element's methods).
    fn command(self, command: crate::model::embed::Command, on_leave: &dyn Fn()) {
        use crate::model::embed::Command;
        let ctl = self.ctl.get_value();
        let in_call = matches!(self.phase.get_untracked(), Phase::InCall);
        match command {
            Command::ToggleCamera => ctl.set_video(!ctl.media.get_untracked().video),
            Command::ToggleMicrophone => ctl.set_audio(!ctl.media.get_untracked().audio),
            Command::ToggleScreenshare if in_call => spawn_local(async move {
                if ctl.media.get_untracked().screen {
                    ctl.stop_screen().await;
                } else if ctl.share_screen().await.is_err() {
                    ctl.notice.set(Some(ctl.texts().call_share_failed().into()));
                }
            }),
            Command::ToggleChat => ctl.chat_open.update(|o| *o = !*o),
            Command::Leave if in_call => {
                ctl.leave();
                on_leave();
            }
            Command::EndMeeting if in_call && ctl.role.get_untracked() == Some(Role::Host) => {
                ctl.end_for_all()
            }
            Command::Knock if self.needs_name.get_untracked() => self.enter_with_name(),
            Command::Knock
                if matches!(
                    self.phase.get_untracked(),
                    Phase::Left | Phase::Ended | Phase::Disconnected
                ) =>
            {
                self.knock()
            }
            _ => {}
        }
    }

    /// The person is out (sent away, removed, replaced, the connection lost for good): the
    /// host page hears `consult:left`, so an element waiting to apply new attributes does.
    fn tell_left(&self) {
        if let Some(meeting) = self.meeting() {
            host::bridge().post(&EmbedMessage::Left {
                version: EMBED_PROTOCOL_VERSION,
                meeting,
                redirect: None,
            });
        }
    }

    /// The call is over for this person (they left, or the host ended it): the host page
    /// hears `consult:left` with the appointment's post-call address, if any, and decides;
    /// a page on its own goes there itself.
    fn call_over(&self) {
        let redirect = self
            .info
            .with_untracked(|i| i.as_ref().and_then(|i| i.after_call.clone()));
        if let Some(meeting) = self.meeting() {
            host::bridge().post(&EmbedMessage::Left {
                version: EMBED_PROTOCOL_VERSION,
                meeting,
                redirect: redirect.clone(),
            });
        }
        if let (Some(url), false) = (redirect, host::bridge().is_framed()) {
            // Only https addresses are ever stored; checked again before leaving.
            if url.starts_with("https://") {
                self.redirecting.set(true);
                spawn_local(async move {
                    // Long enough for the status line to be read out.
                    dom::sleep(1500).await;
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().assign(&url);
                    }
                });
            }
        }
    }

    /// How this page asks to come in: its personal link, or the room's link and a name.
    fn knock_message(&self) -> ClientMsg {
        match self.entry.get_value() {
            Entry::Link(hash) => ClientMsg::Knock { hash },
            Entry::Room { name, key } => ClientMsg::EnterRoom {
                room: name,
                key,
                name: self.display_name.get_untracked(),
                external_id: dom::query_param("externalId")
                    .map(|x| x.trim().chars().take(100).collect::<String>())
                    .filter(|x| !x.is_empty()),
                ticket: self.token.get_value(),
            },
        }
    }

    fn is_room(&self) -> bool {
        matches!(self.entry.get_value(), Entry::Room { .. })
    }

    /// The name form was sent: enter with that name.
    fn enter_with_name(self) {
        let name = self.display_name.get_untracked().trim().to_string();
        if name.is_empty() {
            self.name_error.set(Some(self.t.room_name_needed()));
            return;
        }
        self.display_name.set(name);
        self.name_error.set(None);
        self.needs_name.set(false);
        self.knock();
    }

    /// While waiting (where the site allows it), send the host a small picture from the
    /// camera every few seconds. One loop per page: a second knock finds it running.
    async fn send_previews(self) {
        if self.preview_loop.get_value() {
            return;
        }
        self.preview_loop.set_value(true);
        while matches!(self.phase.get_untracked(), Phase::Waiting { .. })
            && self.previewed.get_untracked()
        {
            let video = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.query_selector("[data-self-video]").ok().flatten())
                .and_then(|e| e.dyn_into::<web_sys::HtmlVideoElement>().ok());
            if let Some(image) = video.and_then(|v| media::snapshot(&v, PREVIEW_WIDTH)) {
                self.ctl
                    .with_value(|c| c.send(&ClientMsg::Preview { image }));
            }
            dom::sleep(PREVIEW_EVERY_MS).await;
        }
        self.preview_loop.set_value(false);
    }

    /// Blur the background where the browser can; the person is told either way, and the
    /// appointment's API shows what happened (through the pre-call token, if the page has
    /// it).
    async fn blur_background(&self, stream: &web_sys::MediaStream) {
        if !media::has(stream, "video") {
            return;
        }
        let applied = media::blur_background(stream).await;
        self.blur.set(Some(applied));
        if let Some(token) = self.token.get_value() {
            let _ = crate::server_fns::precall::pre_call_blur(token, applied).await;
        }
    }

    /// What this page may open (microphone, camera), by the call's switches and its role.
    fn allowed(&self) -> (bool, bool) {
        let role = self
            .info
            .with_untracked(|i| i.as_ref().map(|i| i.role))
            .unwrap_or(Role::Guest);
        self.ctl.with_value(|c| {
            c.features.with_untracked(|f| {
                f.as_ref()
                    .map(|f| (f.audio(role), f.camera(role)))
                    .unwrap_or((true, true))
            })
        })
    }

    /// Was this page put on hold from the call (rather than asked to wait before it)?
    fn on_hold(&self) -> bool {
        self.was_in_call.get()
    }

    /// Is this page in the room or on its way in (so a new connection should knock)?
    fn wants_in(&self) -> bool {
        matches!(
            self.phase.get_untracked(),
            Phase::Waiting { .. } | Phase::InCall
        )
    }

    fn on_message(self, msg: ServerMsg) {
        let ctl = self.ctl.get_value();
        match &msg {
            ServerMsg::Waiting {
                host_present,
                preview,
                ..
            } => {
                self.phase.set(Phase::Waiting {
                    host_present: *host_present,
                });
                self.previewed.set(*preview);
                if *preview {
                    spawn_local(self.send_previews());
                }
                if let Some(meeting) = self.meeting() {
                    host::bridge().post(&EmbedMessage::Waiting {
                        version: EMBED_PROTOCOL_VERSION,
                        meeting,
                    });
                }
            }
            ServerMsg::HostPresence { present } => {
                if matches!(self.phase.get_untracked(), Phase::Waiting { .. }) {
                    self.phase.set(Phase::Waiting {
                        host_present: *present,
                    });
                }
            }
            ServerMsg::Joined { resumed, .. } => {
                self.resuming.set_value(false);
                self.held.set(None);
                self.was_in_call.set(false);
                self.aside_wait.set(false);
                ctl.handle(&msg);
                self.phase.set(Phase::InCall);
                // A resumed call was admitted long ago; `consult:joined` follows once media
                // from the others arrives (an effect in `JoinPage`).
                if let (Some(meeting), false) = (self.meeting(), *resumed) {
                    self.joined_told.set_value(false);
                    host::bridge().post(&EmbedMessage::Admitted {
                        version: EMBED_PROTOCOL_VERSION,
                        meeting,
                    });
                }
            }
            ServerMsg::Ended => {
                ctl.handle(&msg);
                self.phase.set(Phase::Ended);
                self.call_over();
            }
            // Out of the call, waiting again until the host brings me back.
            ServerMsg::OnHold {
                message,
                host_present,
                aside,
            } => {
                ctl.reset();
                self.was_in_call.set(true);
                self.aside_wait.set(*aside);
                self.held.set(Some(message.clone()));
                self.phase.set(Phase::Waiting {
                    host_present: *host_present,
                });
            }
            ServerMsg::Replaced => {
                ctl.reset();
                self.phase.set(Phase::Replaced);
                self.tell_left();
            }
            ServerMsg::Denied { message } => {
                ctl.reset();
                self.phase.set(Phase::Denied(message.clone()));
                self.tell_left();
            }
            ServerMsg::Held { message } => self.held.set(Some(message.clone())),
            ServerMsg::Removed => {
                ctl.reset();
                self.phase.set(Phase::Removed);
                self.tell_left();
            }
            // A room's seat that cannot be resumed (the room is gone, the call is full):
            // enter again.
            ServerMsg::Error { .. } if self.resuming.get_value() && self.is_room() => {
                self.resuming.set_value(false);
                ctl.reset();
                ctl.send(&self.knock_message());
            }
            // The call could not be resumed (ended, cancelled, full): it is over for this page.
            ServerMsg::Error { error } if self.resuming.get_value() => {
                self.resuming.set_value(false);
                ctl.reset();
                if error.code == ErrorCode::Expired {
                    self.fail(error.clone());
                } else {
                    self.phase.set(Phase::Disconnected);
                    self.tell_left();
                }
            }
            // The meeting was cancelled or its window closed during the call: it is over.
            ServerMsg::Error { error }
                if error.code == ErrorCode::Expired
                    && matches!(self.phase.get_untracked(), Phase::InCall) =>
            {
                ctl.reset();
                self.fail(error.clone());
            }
            ServerMsg::Error { error } => match error.code {
                ErrorCode::RoomFull
                | ErrorCode::Expired
                | ErrorCode::NotFound
                | ErrorCode::TooEarly
                    if !matches!(self.phase.get_untracked(), Phase::InCall) =>
                {
                    self.fail(error.clone())
                }
                _ => ctl.notice.set(Some(error.message.clone())),
            },
            _ => {
                ctl.handle(&msg);
            }
        }
    }

    /// Check the link, start the camera, then knock (once the room is open). A room's page
    /// waits for the name first, unless the link gave one.
    async fn start(self) {
        let details = match self.entry.get_value() {
            Entry::Link(hash) => join_details(hash).await,
            Entry::Room { name, key } => room_details(name, key).await,
        };
        let details = match details {
            Ok(d) => d,
            Err(e) => return self.fail(e),
        };
        let opens = details.meeting.opens_at.timestamp_millis();
        let is_host = details.role == Role::Host;
        let is_viewer = details.role == Role::Viewer;
        // An appointment's switches: what may be opened and sent.
        let features = details.features.clone();
        let role = details.role;
        self.ctl.with_value(|c| c.features.set(features.clone()));
        // The site's look, then the element's attributes over it.
        crate::widget::theme::apply(&details.theme);
        crate::widget::theme::apply_attributes();
        self.info.set(Some(details));
        host::bridge().post(&EmbedMessage::Ready {
            version: EMBED_PROTOCOL_VERSION,
            view: "call".into(),
        });
        self.phase.set(Phase::Devices);
        // A viewer is never asked for camera or microphone; an appointment's call asks only
        // for what it allows.
        if !is_viewer {
            let (audio, video) = features
                .as_ref()
                .map(|f| (f.audio(role), f.camera(role)))
                .unwrap_or((true, true));
            match media::open_allowed(audio, video).await {
                Ok(stream) => {
                    if let (Some(s), true) = (
                        &stream,
                        features.as_ref().is_some_and(|f| f.blur) && role == Role::Guest,
                    ) {
                        self.blur_background(s).await;
                    }
                    self.ctl.with_value(|c| c.set_local(stream))
                }
                Err(p) => self.problem.set(Some(p)),
            }
        }
        // The name form knocks. A viewer presses Enter even when the link gave the name: a
        // page that captures nothing may play sound only after a click (autoplay rules).
        if self.is_room() && (self.display_name.get_untracked().trim().is_empty() || is_viewer) {
            self.needs_name.set(true);
            return;
        }
        if opens > dom::now_ms() && !is_host {
            self.phase.set(Phase::TooEarly);
            // Tick every second for the countdown, then knock by ourselves.
            while dom::now_ms() < opens + 500 {
                dom::sleep(1000).await;
                self.now.set(dom::now_ms());
            }
        }
        self.knock();
    }

    fn status(&self) -> String {
        let t = self.t;
        if !self.online.get() && self.wants_in() {
            return self.t.room_reconnecting().to_string();
        }
        // A room of the rooms API has no named host: "the host" it is.
        let host_name = self
            .info
            .with(|i| {
                i.as_ref()
                    .map(|i| i.meeting.host_name.clone())
                    .unwrap_or_default()
            })
            .trim()
            .to_string();
        let host_name = if host_name.is_empty() {
            t.room_the_host().to_string()
        } else {
            host_name
        };
        match self.phase.get() {
            Phase::Loading => t.room_checking().to_string(),
            Phase::Devices if self.needs_name.get() => t.room_ready().to_string(),
            Phase::Devices => t.room_starting().to_string(),
            Phase::TooEarly => self.info.with(|i| {
                i.as_ref()
                    .map(|i| {
                        let zone = dom::visitor_time_zone();
                        let opens = i.meeting.opens_at.timestamp_millis();
                        fill(
                            t.room_opens(),
                            &[
                                ("countdown", &super::countdown(opens - self.now.get())),
                                ("time", &dom::time_label(opens, &zone)),
                            ],
                        )
                    })
                    .unwrap_or_default()
            }),
            Phase::Waiting { .. } if self.aside_wait.get() => t.call_aside_waiting().to_string(),
            Phase::Waiting { .. } if self.held.get().is_some() && self.on_hold() => {
                match self.held.get() {
                    Some(Some(m)) => fill(t.call_on_hold(), &[("message", &m)]),
                    _ => t.call_on_hold_plain().to_string(),
                }
            }
            Phase::Waiting { .. } if self.held.get().is_some() => match self.held.get() {
                Some(Some(m)) => fill(t.room_held(), &[("message", &m)]),
                _ => t.room_held_plain().to_string(),
            },
            Phase::Waiting { .. } if self.is_room() => t.room_knocked().to_string(),
            Phase::Waiting { host_present } => {
                let host = [("host", host_name.as_str())];
                let mut s = fill(
                    if host_present {
                        t.room_host_here()
                    } else {
                        t.room_host_away()
                    },
                    &host,
                );
                if self.previewed.get() {
                    s.push(' ');
                    s.push_str(&fill(t.room_previewed(), &host));
                }
                s
            }
            Phase::Left | Phase::Ended if self.redirecting.get() => t.call_after().to_string(),
            Phase::Left => t.room_left().to_string(),
            Phase::Ended => fill(t.room_ended(), &[("host", &host_name)]),
            Phase::Replaced => t.room_replaced().to_string(),
            Phase::Removed => t.room_removed().to_string(),
            Phase::Disconnected => t.room_lost().to_string(),
            Phase::Denied(message) => match message {
                Some(m) => fill(
                    t.room_denied_message(),
                    &[("host", &host_name), ("message", &m)],
                ),
                None => fill(t.room_denied(), &[("host", &host_name)]),
            },
            Phase::InCall | Phase::Failed(_) => String::new(),
        }
    }
}

/// The page behind a personal link or a room's link.
#[component]
pub fn JoinPage(
    /// What the page was opened with.
    entry: Entry,
    /// The name to enter a room with (an appointment's pre-call page knows it); else
    /// `?displayName=`, else asked for.
    #[prop(optional)]
    name: Option<String>,
    /// An appointment's pre-call token, when this is the claimant's or interpreter's page.
    #[prop(optional)]
    token: Option<String>,
) -> impl IntoView {
    crate::widget::theme::apply_attributes();
    let lang = dom::page_lang(dom::query_param("lang"));
    let t = lang.texts();
    let ctl = CallCtl::new();
    ctl.set_texts(t);
    let page = Page {
        lang,
        t,
        ctl: StoredValue::new_local(ctl.clone()),
        socket: StoredValue::new_local(None),
        entry: StoredValue::new(entry),
        display_name: RwSignal::new(
            name.or_else(|| dom::query_param("displayName"))
                .map(|n| n.trim().chars().take(100).collect())
                .unwrap_or_default(),
        ),
        needs_name: RwSignal::new(false),
        name_error: RwSignal::new(None),
        held: RwSignal::new(None),
        phase: RwSignal::new(Phase::Loading),
        online: RwSignal::new(true),
        resuming: StoredValue::new(false),
        previewed: RwSignal::new(false),
        preview_loop: StoredValue::new(false),
        joined_told: StoredValue::new(true),
        info: RwSignal::new(None),
        now: RwSignal::new(dom::now_ms()),
        problem: RwSignal::new(None),
        token: StoredValue::new(token),
        blur: RwSignal::new(None),
        redirecting: RwSignal::new(false),
        was_in_call: RwSignal::new(false),
        aside_wait: RwSignal::new(false),
    };
    spawn_local(page.start());
    // In the call for the host page once the first stream from the others is there.
    let streams = ctl.streams;
    Effect::new(move |_| {
        let media = streams.with(|s| !s.is_empty());
        if media && !page.joined_told.get_value() {
            page.joined_told.set_value(true);
            if let Some(meeting) = page.meeting() {
                host::bridge().post(&EmbedMessage::Joined {
                    version: EMBED_PROTOCOL_VERSION,
                    meeting,
                });
            }
        }
    });

    let phase = page.phase;
    let info = page.info;
    let data_status = move || match phase.get() {
        Phase::Waiting { .. } => "waiting",
        Phase::InCall => "in-call",
        Phase::Failed(_) => "failed",
        Phase::TooEarly => "too-early",
        Phase::Denied(_) => "denied",
        Phase::Removed => "removed",
        Phase::Ended => "ended",
        _ => "other",
    };
    let can_rejoin = move || {
        matches!(
            phase.get(),
            Phase::Left | Phase::Ended | Phase::Replaced | Phase::Disconnected | Phase::Denied(_)
        )
    };
    let on_leave: Rc<dyn Fn()> = Rc::new(move || {
        phase.set(Phase::Left);
        page.call_over();
    });
    let on_leave = StoredValue::new_local(on_leave);
    // The host page drives the call through the element's methods; kept as long as the page.
    let commands = host::bridge().on_command(move |command| {
        let leave = on_leave.get_value();
        page.command(command, &*leave);
    });
    let _commands = StoredValue::new_local(commands);
    // The call's connection for the host page: unstable while the server is out of reach
    // or someone's connection carries the call poorly.
    let told_status = StoredValue::new(None::<bool>);
    let tiles = ctl.tiles;
    Effect::new(move |_| {
        if !matches!(phase.get(), Phase::InCall) {
            return;
        }
        let unstable = !page.online.get()
            || tiles.with(|t| {
                t.iter()
                    .any(|t| t.quality == crate::widget::quality::Quality::Poor)
            });
        if told_status.get_value() != Some(unstable) {
            let first = told_status.get_value().is_none();
            told_status.set_value(Some(unstable));
            // The first reading is told only if it is bad news.
            if !first || unstable {
                host::bridge().post(&EmbedMessage::ConnectionStatusChange {
                    version: EMBED_PROTOCOL_VERSION,
                    status: if unstable { "unstable" } else { "stable" }.into(),
                });
            }
        }
    });
    let local = ctl.local_stream;
    let in_call = ctl.in_call;
    let viewer = move || info.with(|i| i.as_ref().is_some_and(|i| i.role == Role::Viewer));

    view! {
        <main class="consult join" data-status=data_status>
            {move || match phase.get() {
                Phase::Failed(e) => Some(view! {
                    <section class="failed">
                        <h1>{failure_title(&e, t)}</h1>
                        <p role="alert">{e.message.clone()}</p>
                    </section>
                }),
                _ => None,
            }}
            {move || (info.with(|i| i.is_some()) && !matches!(phase.get(), Phase::Failed(_))).then(|| view! {
                <header class="meeting">
                    {info.with(|i| i.as_ref().and_then(|i| crate::widget::theme::logo(i.theme.logo.as_deref())))
                        .map(|src| view! { <img class="logo" src=src alt="" data-logo/> })}
                    <h1>{info.with(|i| i.as_ref().map(|i| i.meeting.subject.clone()))}</h1>
                    <p>{info.with(|i| i.as_ref().filter(|i| !i.meeting.host_name.is_empty()).map(|i| {
                        let zone = dom::visitor_time_zone();
                        let ms = i.meeting.starts_at.timestamp_millis();
                        fill(t.room_with(), &[
                            ("host", &i.meeting.host_name),
                            ("day", &dom::day_label(ms, &zone, t.lang())),
                            ("time", &dom::time_label(ms, &zone)),
                            ("zone", &zone),
                        ])
                    }))}</p>
                </header>
            })}
            // Whether the call is recorded: told while waiting and in the call alike.
            <RecordingBanner ctl=page.ctl.get_value()/>
            {move || (!in_call.get() && !matches!(phase.get(), Phase::Failed(_) | Phase::Loading)).then(|| view! {
                <section class="waiting-room" aria-label=t.room_label()>
                    // Where they stand comes first: on a phone, it is what they see without
                    // scrolling (waiting, on hold, let in).
                    <p class="status" role="status" aria-live="polite">{move || page.status()}</p>
                    {move || (!viewer()).then(|| view! { <SelfView stream=local texts=t/> })}
                    {move || viewer().then(|| view! { <p class="viewing">{t.room_viewing()}</p> })}
                    {move || page.needs_name.get().then(|| view! {
                        <form class="room-entry" novalidate on:submit=move |ev: web_sys::SubmitEvent| {
                            ev.prevent_default();
                            page.enter_with_name();
                        }>
                            <label for="display-name">{t.room_name_label()}</label>
                            <input id="display-name" name="name" type="text" autocomplete="name" maxlength="100"
                                aria-invalid=move || page.name_error.get().is_some().to_string()
                                aria-describedby="display-name-error"
                                prop:value=move || page.display_name.get()
                                on:input=move |ev| page.display_name.set(event_target_value(&ev))/>
                            <p id="display-name-error" class="error" role="alert">{move || page.name_error.get()}</p>
                            <button type="submit" class="primary" data-action="enter">
                                {move || if info.with(|i| i.as_ref().is_some_and(|i| i.locked == Some(true) && i.role == Role::Guest)) { t.room_knock() } else { t.room_enter() }}
                            </button>
                        </form>
                    })}
                    <Show when=move || !viewer()>
                    <DeviceSetup stream=local lang=page.lang allowed=page.allowed() hash=page.entry.with_value(|e| match e { Entry::Link(h) => Some(h.clone()), Entry::Room { .. } => None }) on_stream={
                        let ctl = page.ctl.get_value();
                        Rc::new(move |s: web_sys::MediaStream| {
                            page.problem.set(None);
                            // A device picked anew is held to the call's switches too.
                            let role = info.with_untracked(|i| i.as_ref().map(|i| i.role)).unwrap_or(Role::Guest);
                            let (audio, video) = ctl.features.with_untracked(|f| {
                                f.as_ref().map(|f| (f.audio(role), f.camera(role))).unwrap_or((true, true))
                            });
                            ctl.set_local(media::restrict(s, audio, video));
                        })
                    }/>
                    </Show>
                    {move || page.problem.get().map(|p| view! {
                        <div class="media-problem" role="alert">
                            <h2>{p.title_in(lang)}</h2>
                            <p>{p.guidance_in(lang)}</p>
                        </div>
                    })}
                    {move || page.blur.get().map(|applied| view! {
                        <p class="hint" data-blur=if applied { "applied" } else { "unsupported" }>
                            {if applied { t.call_blur_on() } else { t.call_blur_unsupported() }}
                        </p>
                    })}
                    {move || can_rejoin().then(|| view! {
                        <button type="button" class="primary" on:click=move |_| page.knock()>{t.room_join_again()}</button>
                    })}
                </section>
            })}
            {move || in_call.get().then(|| view! {
                <CallStage ctl=page.ctl.get_value() on_leave=on_leave.get_value()/>
            })}
        </main>
    }
}
