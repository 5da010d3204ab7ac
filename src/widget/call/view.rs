//! The call's view: remote videos, own preview, controls.

use super::{CallCtl, Tile};
use crate::model::i18n::{fill, Texts};
use crate::model::meeting::Role;
use crate::widget::media;
use leptos::html::Video;
use leptos::prelude::*;
use std::rc::Rc;
use web_sys::MediaStream;

/// Show a stream in a `<video>` whenever it changes.
fn bind_stream(video: NodeRef<Video>, stream: impl Fn() -> Option<MediaStream> + 'static) {
    Effect::new(move |_| {
        let stream = stream();
        if let Some(v) = video.get() {
            let el: &web_sys::HtmlMediaElement = &v;
            el.set_src_object(stream.as_ref());
            if stream.is_some() {
                // Autoplay can be refused (no user gesture yet), or cut short by the next
                // stream; the controls stay usable.
                crate::widget::dom::settle(el.play());
            }
        }
    });
}

/// Our own camera, muted (we must not hear ourselves).
#[component]
pub fn SelfView(
    /// Our camera and microphone, if open.
    stream: RwSignal<Option<MediaStream>, LocalStorage>,
    /// The words to label it with (English when left out).
    #[prop(optional)]
    texts: Option<&'static crate::model::i18n::Texts>,
) -> impl IntoView {
    let video = NodeRef::<Video>::new();
    bind_stream(video, move || stream.get());
    let t = texts.unwrap_or(crate::model::i18n::Lang::En.texts());
    view! {
        <figure class="tile self">
            <video node_ref=video autoplay muted playsinline aria-label=t.self_label() data-self-video></video>
            <figcaption>{t.self_caption()}</figcaption>
        </figure>
    }
}

fn state_label(state: &str, t: &'static Texts) -> &'static str {
    match state {
        "connected" => "",
        "failed" => t.call_connection_lost(),
        "disconnected" => t.call_peer_reconnecting(),
        _ => t.call_connecting(),
    }
}

#[component]
fn RemoteView(
    tile: Tile,
    streams: RwSignal<std::collections::HashMap<crate::model::PeerId, MediaStream>, LocalStorage>,
    tiles: RwSignal<Vec<Tile>>,
    t: &'static Texts,
    /// The call's controller: a host's actions on this person.
    ctl: StoredValue<Rc<CallCtl>, LocalStorage>,
) -> impl IntoView {
    let video = NodeRef::<Video>::new();
    let id = tile.id.clone();
    bind_stream(video, move || streams.with(|s| s.get(&id).cloned()));
    let id = tile.id.clone();
    // This tile's current state, read reactively (a Memo is Copy, so every closure is too).
    let current = Memo::new(move |_| tiles.with(|t| t.iter().find(|t| t.id == id).cloned()));
    let state =
        move || current.with(|c| c.as_ref().map(|x| state_label(&x.state, t)).unwrap_or(""));
    let mic_off = move || current.with(|t| t.as_ref().is_some_and(|t| !t.media.audio));
    let cam_off = move || current.with(|t| t.as_ref().is_some_and(|t| !t.media.video));
    let screen = move || current.with(|t| t.as_ref().is_some_and(|t| t.media.screen));
    let quality = move || current.with(|t| t.as_ref().map(|t| t.quality).unwrap_or_default());
    let speaking = move || current.with(|t| t.as_ref().is_some_and(|t| t.speaking));
    // Play their sound on the speaker chosen in the device check, where the browser can.
    Effect::new(move |_| {
        if let (Some(v), Some(speaker)) = (video.get(), media::remembered(media::Choice::Speaker)) {
            media::set_speaker(&v, &speaker);
        }
    });
    let label = fill(t.call_video_of(), &[("name", &tile.name)]);
    let name = tile.name.clone();
    // A host may take a guest out or ask them to mute (never another host).
    let role = ctl.with_value(|c| c.role);
    let host_actions = move || role.get() == Some(Role::Host) && tile.role == Role::Guest;
    let (remove_id, mute_id, hold_id) = (tile.id.clone(), tile.id.clone(), tile.id.clone());
    let hold_label = fill(t.call_hold_name(), &[("name", &tile.name)]);
    // Copy handles: the buttons below sit in nested views that re-run.
    let aside_id = StoredValue::new(tile.id.clone());
    let aside_label = StoredValue::new(fill(t.call_take_aside_name(), &[("name", &tile.name)]));
    let can_aside = move || ctl.with_value(|c| c.allowed("breakout") && !c.aside.get());
    let remove_label = fill(t.call_remove_name(), &[("name", &tile.name)]);
    let mute_label = fill(t.call_ask_mute_name(), &[("name", &tile.name)]);
    view! {
        <figure class="tile remote" class:speaking=speaking data-peer=tile.id.to_string()
            data-mic=move || if mic_off() { "off" } else { "on" }
            data-camera=move || if cam_off() { "off" } else { "on" }
            data-screen=move || screen().to_string()
            data-quality=move || quality().code()
            data-speaking=move || speaking().to_string()>
            <video node_ref=video autoplay playsinline aria-label=label data-remote-video class:hidden=cam_off></video>
            <Show when=cam_off>
                <div class="camera-off" aria-hidden="true">{name.clone()}</div>
            </Show>
            <figcaption>
                {tile.name.clone()}
                <Show when=screen>" " {t.call_sharing()}</Show>
                " " <span class="state">{state}</span>
                <Show when=mic_off><span class="badge mic-off">" " {t.call_mic_off()}</span></Show>
                <Show when=cam_off><span class="badge">" " {t.call_cam_off()}</span></Show>
                " " <span class=move || format!("quality {}", quality().code())>{move || quality().label(t)}</span>
            </figcaption>
            <Show when=host_actions>
                <div class="tile-actions">
                    <button type="button" data-action="ask-mute" aria-label=mute_label.clone()
                        on:click={let id = mute_id.clone(); move |_| ctl.with_value(|c| c.ask_mute(id.clone()))}>
                        {t.call_ask_mute()}
                    </button>
                    <button type="button" data-action="put-on-hold" aria-label=hold_label.clone()
                        on:click={let id = hold_id.clone(); move |_| ctl.with_value(|c| c.put_on_hold(id.clone()))}>
                        {t.call_hold()}
                    </button>
                    <Show when=can_aside>
                        <button type="button" data-action="take-aside" aria-label=aside_label.get_value()
                            on:click=move |_| ctl.with_value(|c| c.take_aside(Some(aside_id.get_value())))>
                            {t.call_take_aside()}
                        </button>
                    </Show>
                    <button type="button" data-action="remove" aria-label=remove_label.clone()
                        on:click={let id = remove_id.clone(); move |_| ctl.with_value(|c| c.remove_peer(id.clone()))}>
                        {t.call_remove()}
                    </button>
                </div>
            </Show>
        </figure>
    }
}

/// Host only: who waits to be let in, with Admit / Not now for each and Admit everyone.
#[component]
fn RoomLobby(ctl: Rc<CallCtl>) -> impl IntoView {
    let waiting = ctl.waiting;
    let t = ctl.texts();
    let ctl = StoredValue::new_local(ctl);
    move || {
        let list = waiting.get();
        (!list.is_empty()).then(|| {
            let many = list.len() > 1;
            view! {
                <section class="room-lobby" aria-label=t.lobby_label()>
                    <ul>
                        {list.into_iter().map(|p| {
                            let (admit, deny, hold) = (p.id.clone(), p.id.clone(), p.id.clone());
                            view! {
                                <li>
                                    {p.preview.clone().map(|src| view! {
                                        <img class="preview" src=src alt=fill(t.lobby_picture(), &[("name", &p.name)]) width="160"/>
                                    })}
                                    <span>{fill(t.lobby_waiting(), &[("name", &p.name)])}</span>
                                    <button type="button" data-action="admit" aria-label=fill(t.lobby_admit_name(), &[("name", &p.name)])
                                        on:click=move |_| ctl.with_value(|c| c.admit(admit.clone()))>
                                        {t.lobby_admit()}
                                    </button>
                                    " "
                                    <button type="button" data-action="hold" aria-label=fill(t.lobby_hold_name(), &[("name", &p.name)])
                                        on:click=move |_| ctl.with_value(|c| c.hold(hold.clone()))>
                                        {t.lobby_hold()}
                                    </button>
                                    " "
                                    <button type="button" data-action="deny" aria-label=fill(t.lobby_deny_name(), &[("name", &p.name)])
                                        on:click=move |_| ctl.with_value(|c| c.deny(deny.clone()))>
                                        {t.lobby_deny()}
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    {many.then(|| view! {
                        <button type="button" class="primary" data-action="admit-all"
                            on:click=move |_| ctl.with_value(|c| c.admit_all())>
                            {t.lobby_admit_all()}
                        </button>
                    })}
                </section>
            }
        })
    }
}

/// Whether the call is recorded, and by whom: on every page, waiting or in the call, in a
/// region screen readers announce (it exists before anything is said in it).
#[component]
pub fn RecordingBanner(
    /// The call's controller.
    ctl: Rc<CallCtl>,
) -> impl IntoView {
    use crate::model::signal::RecordingStatus;
    let t = ctl.texts();
    let recording = ctl.recording;
    view! {
        <div class="recording-region" role="status" aria-live="assertive" aria-atomic="true">
            {move || recording.get().map(|n| {
                let telling = n.status == RecordingStatus::Telling;
                let text = fill(if telling { t.rec_telling() } else { t.rec_on() }, &[("name", &n.by)]);
                view! {
                    <p class="recording" class:telling=telling
                        data-recording=if telling { "telling" } else { "started" }>
                        <span class="dot" aria-hidden="true"></span>{text}
                    </p>
                }
            })}
        </div>
    }
}

/// Asked of a host whose room is set to ask (`prompt`), once, as the call starts.
#[component]
fn RecordPrompt(ctl: Rc<CallCtl>) -> impl IntoView {
    use crate::model::signal::RecordingTrigger;
    let t = ctl.texts();
    let answered = RwSignal::new(false);
    let (record, recording) = (ctl.record, ctl.recording);
    let ask = move || {
        !answered.get()
            && recording.with(|r| r.is_none())
            && record.with(|r| r.is_some_and(|r| r.trigger == RecordingTrigger::Prompt))
    };
    let ctl = StoredValue::new_local(ctl);
    view! {
        <Show when=ask>
            <section class="rec-prompt" role="group" aria-labelledby="rec-prompt-text">
                <p id="rec-prompt-text">{t.rec_prompt()}</p>
                <button type="button" class="primary" data-action="record-yes" on:click=move |_| {
                    answered.set(true);
                    ctl.with_value(|c| c.set_recording(true));
                }>{t.rec_start()}</button>
                <button type="button" data-action="record-no" on:click=move |_| answered.set(true)>
                    {t.rec_not_now()}
                </button>
            </section>
        </Show>
    }
}

/// Who is in the call (an appointment's `participant_list`): oneself and each tile.
#[component]
fn People(ctl: Rc<CallCtl>) -> impl IntoView {
    let t = ctl.texts();
    let tiles = ctl.tiles;
    view! {
        <section class="people" aria-labelledby="people-title">
            <h2 id="people-title">{t.call_people()}</h2>
            <ul data-people>
                <li>{t.call_people_you()}</li>
                <For
                    each=move || tiles.get()
                    key=|t| t.id.clone()
                    children=move |tile| view! { <li>{tile.name.clone()}</li> }
                />
            </ul>
        </section>
    }
}

/// The call's chat: a live log and a one-line form. Lives only as long as the call.
#[component]
fn Chat(ctl: Rc<CallCtl>) -> impl IntoView {
    let lines = ctl.chat;
    let t = ctl.texts();
    let draft = RwSignal::new(String::new());
    let ctl = StoredValue::new_local(ctl);
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = draft.get_untracked();
        if !text.trim().is_empty() {
            ctl.with_value(|c| c.send_chat(&text));
            draft.set(String::new());
        }
    };
    view! {
        <section class="chat" aria-labelledby="chat-title">
            <h2 id="chat-title">{t.chat_title()}</h2>
            <div class="chat-log" role="log" aria-live="polite" aria-label=t.chat_log()>
            <ol>
                <For
                    each=move || lines.get().into_iter().enumerate()
                    key=|(i, _)| *i
                    children=move |(_, line)| view! {
                        <li class:mine=line.mine data-chat-line>
                            <span class="who">{line.name.clone()} ": "</span>
                            <span class="text">{line.text.clone()}</span>
                        </li>
                    }
                />
            </ol>
            </div>
            <form class="chat-form" on:submit=send>
                <label for="chat-input">{t.chat_message()}</label>
                <input id="chat-input" type="text" autocomplete="off" maxlength="2000"
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))/>
                <button type="submit">{t.chat_send()}</button>
            </form>
        </section>
    }
}

/// The pictures on the call's buttons (drawn here: a few hundred bytes, no icon font).
#[derive(Clone, Copy)]
enum Glyph {
    Mic,
    MicOff,
    Camera,
    CameraOff,
    Screen,
    Lock,
    Back,
    Leave,
    End,
    Record,
}

/// A button's picture, hidden from screen readers (the button's words name it).
fn icon(glyph: Glyph) -> impl IntoView {
    let d = match glyph {
        Glyph::Mic => "M9 6a3 3 0 0 1 6 0v5a3 3 0 0 1-6 0zM5 11a7 7 0 0 0 14 0M12 18v3",
        Glyph::MicOff => "M9 6a3 3 0 0 1 6 0v5a3 3 0 0 1-6 0zM5 11a7 7 0 0 0 14 0M12 18v3M4 4l16 16",
        Glyph::Camera => "M3 8a2 2 0 0 1 2-2h9a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2zM16 10l5-3v10l-5-3",
        Glyph::CameraOff => {
            "M3 8a2 2 0 0 1 2-2h9a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2zM16 10l5-3v10l-5-3M3 3l18 18"
        }
        Glyph::Screen => "M3 6a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2zM8 21h8M12 17v4",
        Glyph::Lock => "M6 11h12v10H6zM8 11V7a4 4 0 0 1 8 0v4",
        Glyph::Back => "M10 6l-6 6 6 6M4 12h16",
        Glyph::Leave => "M14 4h4a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-4M9 17l-5-5 5-5M4 12h11",
        Glyph::End => "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM8 8l8 8M16 8l-8 8",
        Glyph::Record => "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8z",
    };
    view! {
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d=d/>
        </svg>
    }
}

/// Does this browser let pages share a screen?
fn can_share_screen() -> bool {
    web_sys::window()
        .and_then(|w| w.navigator().media_devices().ok())
        .is_some_and(|d| js_sys::Reflect::has(&d, &"getDisplayMedia".into()).unwrap_or(false))
}

/// The call: everyone's video and the controls. `on_leave` runs after leaving.
#[component]
pub fn CallStage(
    /// The call's controller.
    ctl: Rc<CallCtl>,
    /// Runs after the person left the call.
    on_leave: Rc<dyn Fn()>,
) -> impl IntoView {
    let tiles = ctl.tiles;
    let t = ctl.texts();
    let streams = ctl.streams;
    let local = ctl.local_stream;
    let notice = ctl.notice;
    let mine = ctl.media;
    let is_host = {
        let role = ctl.role;
        move || role.get() == Some(crate::model::meeting::Role::Host)
    };
    let is_viewer = {
        let role = ctl.role;
        move || role.get() == Some(crate::model::meeting::Role::Viewer)
    };
    let locked = ctl.locked;
    let has_audio =
        move || local.with(|s| s.as_ref().map(|s| media::has(s, "audio")).unwrap_or(false));
    let has_video =
        move || local.with(|s| s.as_ref().map(|s| media::has(s, "video")).unwrap_or(false));
    let mic_off = move || !mine.get().audio;
    let cam_off = move || !mine.get().video;
    let sharing = move || mine.get().screen;
    let stage = StoredValue::new_local(ctl.clone());
    let toggle_mic = move |_| stage.with_value(|c| c.set_audio(!c.media.get_untracked().audio));
    let toggle_cam = move |_| stage.with_value(|c| c.set_video(!c.media.get_untracked().video));
    let toggle_screen = move |_| {
        let ctl = stage.get_value();
        leptos::task::spawn_local(async move {
            if ctl.media.get_untracked().screen {
                ctl.stop_screen().await;
            } else if ctl.share_screen().await.is_err() {
                ctl.notice.set(Some(ctl.texts().call_share_failed().into()));
            }
        });
    };
    let leave = {
        let ctl = ctl.clone();
        let on_leave = on_leave.clone();
        move |_| {
            ctl.leave();
            on_leave();
        }
    };
    let end_all = move |_| stage.with_value(|c| c.end_for_all());
    // An appointment's switches: what it does not allow has no control at all.
    let allowed = move |kind: &'static str| stage.with_value(|c| c.allowed(kind));
    let remotes = move || tiles.with(|t| t.len());
    view! {
        <section class="call" aria-label=t.call_label()>
            <Show when=is_host>
                <RoomLobby ctl=stage.get_value()/>
                <RecordPrompt ctl=stage.get_value()/>
            </Show>
            // One dark frame, as a call looks everywhere: the others fill it, one's own
            // picture sits small in its corner (or fills it while one is alone), the
            // controls in a bar beneath.
            <div class="frame">
            <div class="stage" class:alone=move || remotes() == 0 data-remotes=move || remotes().min(4).to_string()>
                <div class="tiles">
                    <For
                        each=move || tiles.get()
                        key=|t| t.id.clone()
                        children=move |tile| view! { <RemoteView tile streams tiles t ctl=stage/> }
                    />
                </div>
                <Show when=move || !is_viewer()>
                    <SelfView stream=local texts=t/>
                </Show>
                <Show when=move || remotes() == 0>
                    <p class="hint alone-hint">{t.call_alone()}</p>
                </Show>
            </div>
            <div class="controls" role="toolbar" aria-label=t.call_controls()>
                // A viewer sends nothing: no microphone or camera to switch.
                <Show when=move || !is_viewer() && allowed("audio")>
                    <button type="button" data-action="mic" aria-pressed=move || mic_off().to_string() on:click=toggle_mic disabled=move || !has_audio()>
                        {move || icon(if mic_off() { Glyph::MicOff } else { Glyph::Mic })}
                        {move || if mic_off() { t.call_unmute() } else { t.call_mute() }}
                    </button>
                </Show>
                <Show when=move || !is_viewer() && allowed("camera")>
                    <button type="button" data-action="camera" aria-pressed=move || cam_off().to_string() on:click=toggle_cam disabled=move || !has_video()>
                        {move || icon(if cam_off() { Glyph::CameraOff } else { Glyph::Camera })}
                        {move || if cam_off() { t.call_camera_on() } else { t.call_camera_off() }}
                    </button>
                </Show>
                {(can_share_screen() && crate::widget::theme::feature("screenshare")).then(|| view! {
                    <Show when=move || !is_viewer() && allowed("screen")>
                        <button type="button" data-action="screen" aria-pressed=move || sharing().to_string() on:click=toggle_screen>
                            {icon(Glyph::Screen)}
                            {move || if sharing() { t.call_stop_share() } else { t.call_share() }}
                        </button>
                    </Show>
                })}
                <Show when=move || is_host() && locked.get().is_some()>
                    <button type="button" data-action="lock" aria-pressed=move || locked.get().unwrap_or(false).to_string()
                        on:click=move |_| stage.with_value(|c| c.set_locked(!c.locked.get_untracked().unwrap_or(false)))>
                        {icon(Glyph::Lock)}
                        {move || if locked.get().unwrap_or(false) { t.call_unlock() } else { t.call_lock() }}
                    </button>
                </Show>
                <Show when=move || is_host() && stage.with_value(|c| c.aside.get())>
                    <button type="button" data-action="bring-back"
                        on:click=move |_| stage.with_value(|c| c.take_aside(None))>
                        {icon(Glyph::Back)}
                        {t.call_bring_back()}
                    </button>
                </Show>
                <Show when=move || is_host() && stage.with_value(|c| c.record.with(|r| r.is_some()))>
                    {
                        let on = move || stage.with_value(|c| c.recording.with(|r| r.is_some()));
                        view! {
                            <button type="button" data-action="record" aria-pressed=move || on().to_string()
                                on:click=move |_| stage.with_value(|c| c.set_recording(!on()))>
                                {icon(Glyph::Record)}
                                {move || if on() { t.rec_stop() } else { t.rec_start() }}
                            </button>
                        }
                    }
                </Show>
                <button type="button" class="leave" on:click=leave>{icon(Glyph::Leave)}{t.call_leave()}</button>
                <Show when=is_host>
                    <button type="button" class="danger" data-action="end-for-all" on:click=end_all>{icon(Glyph::End)}{t.call_end_all()}</button>
                </Show>
            </div>
            </div>
            <p class="notice" role="status" aria-live="polite">{move || notice.get()}</p>
            {crate::widget::theme::feature("chat").then(|| {
                let open = stage.with_value(|c| c.chat_open);
                view! { <Show when=move || open.get() && allowed("chat")><Chat ctl=stage.get_value()/></Show> }
            })}
            <Show when=move || stage.with_value(|c| c.features.with(|f| f.as_ref().is_some_and(|f| f.participant_list)))>
                <People ctl=stage.get_value()/>
            </Show>
        </section>
    }
}
