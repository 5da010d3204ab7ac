//! The call's view: remote videos, own preview, controls.

use super::{CallCtl, Tile};
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
                // Autoplay can be refused (no user gesture yet); the controls stay usable.
                let _ = el.play();
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
    let t = texts.unwrap_or(&crate::model::i18n::EN);
    view! {
        <figure class="tile self">
            <video node_ref=video autoplay muted playsinline aria-label=t.self_label data-self-video></video>
            <figcaption>{t.self_caption}</figcaption>
        </figure>
    }
}

fn state_label(state: &str) -> &'static str {
    match state {
        "connected" => "",
        "failed" => "connection lost",
        "disconnected" => "reconnecting…",
        _ => "connecting…",
    }
}

#[component]
fn RemoteView(
    tile: Tile,
    streams: RwSignal<std::collections::HashMap<crate::model::PeerId, MediaStream>, LocalStorage>,
    tiles: RwSignal<Vec<Tile>>,
) -> impl IntoView {
    let video = NodeRef::<Video>::new();
    let id = tile.id.clone();
    let id2 = id.clone();
    bind_stream(video, move || streams.with(|s| s.get(&id).cloned()));
    let state = move || {
        tiles.with(|t| {
            t.iter()
                .find(|t| t.id == id2)
                .map(|t| state_label(&t.state))
                .unwrap_or("")
        })
    };
    let label = format!("Video of {}", tile.name);
    view! {
        <figure class="tile remote" data-peer=tile.id.to_string()>
            <video node_ref=video autoplay playsinline aria-label=label data-remote-video></video>
            <figcaption>{tile.name.clone()} " " <span class="state">{state}</span></figcaption>
        </figure>
    }
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
    let streams = ctl.streams;
    let local = ctl.local_stream;
    let notice = ctl.notice;
    let mic_off = RwSignal::new(false);
    let cam_off = RwSignal::new(false);
    let has_audio =
        move || local.with(|s| s.as_ref().map(|s| media::has(s, "audio")).unwrap_or(false));
    let has_video =
        move || local.with(|s| s.as_ref().map(|s| media::has(s, "video")).unwrap_or(false));
    let toggle_mic = move |_| {
        let off = !mic_off.get_untracked();
        local.with_untracked(|s| s.as_ref().map(|s| media::set_enabled(s, "audio", !off)));
        mic_off.set(off);
    };
    let toggle_cam = move |_| {
        let off = !cam_off.get_untracked();
        local.with_untracked(|s| s.as_ref().map(|s| media::set_enabled(s, "video", !off)));
        cam_off.set(off);
    };
    let leave = {
        let ctl = ctl.clone();
        move |_| {
            ctl.leave();
            on_leave();
        }
    };
    view! {
        <section class="call" aria-label="Video call">
            <div class="tiles">
                <For
                    each=move || tiles.get()
                    key=|t| t.id.clone()
                    children=move |tile| view! { <RemoteView tile streams tiles/> }
                />
                <SelfView stream=local/>
            </div>
            <Show when=move || tiles.with(|t| t.is_empty())>
                <p class="hint">"Waiting for the other side to connect…"</p>
            </Show>
            <p class="notice" role="status" aria-live="polite">{move || notice.get()}</p>
            <div class="controls" role="toolbar" aria-label="Call controls">
                <button type="button" aria-pressed=move || mic_off.get().to_string() on:click=toggle_mic disabled=move || !has_audio()>
                    {move || if mic_off.get() { "Unmute microphone" } else { "Mute microphone" }}
                </button>
                <button type="button" aria-pressed=move || cam_off.get().to_string() on:click=toggle_cam disabled=move || !has_video()>
                    {move || if cam_off.get() { "Turn camera on" } else { "Turn camera off" }}
                </button>
                <button type="button" class="leave" on:click=leave>"Leave call"</button>
            </div>
        </section>
    }
}
