//! The pre-call check: choose camera, microphone and speaker (remembered in this browser for
//! next time), see the microphone's level live, play a test sound on the chosen speaker, and
//! check that the server and the TURN relay can be reached before the call needs them.

use crate::model::i18n::{Lang, Texts};
use crate::model::signal::IceCheck;
use crate::widget::dom::{self, JsHandler};
use crate::widget::media::{self, Choice, Device, MediaProblem};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MediaStream, RtcPeerConnection};

/// How often the level meter is refreshed.
const METER_EVERY_MS: i32 = 100;
/// How long the relay probe waits for a relayed candidate.
const PROBE_MS: i32 = 6000;

/// What the connection check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reach {
    Checking,
    /// Server and relay reachable.
    Ok,
    /// Server reachable, no relay configured: direct connections only.
    Direct,
    /// Server reachable, the relay not.
    NoRelay,
    /// The server did not answer.
    Unreachable,
}

impl Reach {
    fn code(self) -> &'static str {
        match self {
            Reach::Checking => "checking",
            Reach::Ok => "ok",
            Reach::Direct => "direct",
            Reach::NoRelay => "no-relay",
            Reach::Unreachable => "unreachable",
        }
    }

    fn text(self, t: &'static Texts) -> &'static str {
        match self {
            Reach::Checking => t.conn_checking(),
            Reach::Ok => t.conn_ok(),
            Reach::Direct => t.conn_direct(),
            Reach::NoRelay => t.conn_no_relay(),
            Reach::Unreachable => t.conn_unreachable(),
        }
    }
}

/// Camera, microphone and speaker choice, level meter, test sound and connection check.
#[component]
pub fn DeviceSetup(
    /// The camera and microphone in use (read; replaced through `on_stream`).
    stream: RwSignal<Option<MediaStream>, LocalStorage>,
    /// Runs with a newly opened stream after a device was switched (the old one is stopped).
    on_stream: Rc<dyn Fn(MediaStream)>,
    /// Check the connection for this personal link (the join page); without it only the
    /// devices are checked.
    #[prop(optional_no_strip)]
    hash: Option<String>,
    /// The page's language (English when left out).
    #[prop(optional)]
    lang: Option<Lang>,
    /// What the call allows (microphone, camera): a kind it does not is neither offered nor
    /// opened. Both when left out.
    #[prop(optional)]
    allowed: Option<(bool, bool)>,
) -> impl IntoView {
    let (audio_ok, video_ok) = allowed.unwrap_or((true, true));
    let lang = lang.unwrap_or(Lang::En);
    let t = lang.texts();
    let cameras = RwSignal::new(Vec::<Device>::new());
    let microphones = RwSignal::new(Vec::<Device>::new());
    let speakers = RwSignal::new(Vec::<Device>::new());
    let problem = RwSignal::new(None::<MediaProblem>);
    let level = RwSignal::new(0.0f64);
    let sound = RwSignal::new(None::<&'static str>);
    let reach = RwSignal::new(if hash.is_some() {
        Reach::Checking
    } else {
        Reach::Direct
    });

    // Device lists, refreshed whenever the stream changes (names appear once allowed).
    Effect::new(move |_| {
        stream.track();
        spawn_local(async move {
            cameras.set(media::devices(Choice::Camera).await);
            microphones.set(media::devices(Choice::Microphone).await);
            speakers.set(media::devices(Choice::Speaker).await);
        });
    });

    // The level meter follows the current stream's microphone.
    let meter = StoredValue::new_local(None::<web_sys::AudioContext>);
    let generation = StoredValue::new(0u32);
    Effect::new(move |_| {
        let current = stream.get();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        if let Some(old) = meter.try_update_value(|m| m.take()).flatten() {
            let _ = old.close();
        }
        level.set(0.0);
        let Some(s) = current.filter(|s| media::has(s, "audio")) else {
            return;
        };
        let Ok((ctx, analyser)) = analyse(&s) else {
            return;
        };
        meter.set_value(Some(ctx));
        spawn_local(async move {
            let mut buf = vec![0f32; analyser.fft_size() as usize];
            // Stops when the stream changes or the component goes (the generation moves on).
            while generation.try_get_value() == Some(mine) {
                analyser.get_float_time_domain_data(&mut buf);
                level.set(rms_level(&buf));
                dom::sleep(METER_EVERY_MS).await;
            }
        });
    });
    on_cleanup(move || {
        generation.update_value(|g| *g += 1);
        if let Some(ctx) = meter.try_update_value(|m| m.take()).flatten() {
            let _ = ctx.close();
        }
    });

    // The connection check runs once.
    if let Some(hash) = hash {
        spawn_local(async move {
            reach.set(match crate::server_fns::join::join_ice(hash).await {
                Err(_) => Reach::Unreachable,
                Ok(check) => probe(&check).await,
            });
        });
    }

    let on_stream = StoredValue::new_local(on_stream);
    let switch = move |choice: Choice, id: String| {
        media::remember(choice, &id);
        if choice == Choice::Speaker {
            return;
        }
        spawn_local(async move {
            // Some devices open only once: let go of the old stream first.
            if let Some(old) = stream.get_untracked() {
                media::stop(&old);
            }
            let opened = if audio_ok && video_ok {
                media::open_chosen_devices().await
            } else {
                match media::open_allowed(audio_ok, video_ok).await {
                    Ok(Some(s)) => Ok(s),
                    Ok(None) => return,
                    Err(p) => Err(p),
                }
            };
            match opened {
                Ok(s) => {
                    problem.set(None);
                    on_stream.with_value(|f| f(s));
                }
                Err(p) => problem.set(Some(p)),
            }
        });
    };
    let current = move |kind: &'static str| {
        stream.with(|s| s.as_ref().and_then(|s| media::device_of(s, kind)))
    };
    let picker = move |id: &'static str,
                       label: &'static str,
                       list: RwSignal<Vec<Device>>,
                       choice: Choice,
                       selected: Box<dyn Fn() -> Option<String> + Send + Sync>| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <select id=id on:change=move |ev| switch(choice, event_target_value(&ev))
                    disabled=move || list.with(|l| l.is_empty())>
                    {move || {
                        let chosen = selected();
                        list.get().into_iter().map(|d| {
                            let is = chosen.as_deref() == Some(d.id.as_str());
                            view! { <option value=d.id.clone() selected=is>{d.label.clone()}</option> }
                        }).collect_view()
                    }}
                </select>
            </div>
        }
    };
    let play = move |_| {
        sound.set(Some(match test_tone(media::remembered(Choice::Speaker)) {
            Ok(()) => t.setup_sound_playing(),
            Err(_) => t.setup_sound_failed(),
        }));
    };
    let sink_supported = can_choose_speaker();

    view! {
        <section class="device-setup" aria-labelledby="setup-title">
            <h2 id="setup-title">{t.setup_title()}</h2>
            {video_ok.then(|| picker("camera-select", t.setup_camera(), cameras, Choice::Camera, Box::new(move || current("video"))))}
            {audio_ok.then(|| view! {
                {picker("microphone-select", t.setup_microphone(), microphones, Choice::Microphone, Box::new(move || current("audio")))}
                <div class="field">
                    <label for="mic-level">{t.setup_level()}</label>
                    <meter id="mic-level" min="0" max="1" low="0.05" high="0.8" optimum="0.3"
                        prop:value=move || level.get()>{move || format!("{:.0} %", level.get() * 100.0)}</meter>
                </div>
            })}
            {sink_supported.then(|| picker("speaker-select", t.setup_speaker(), speakers, Choice::Speaker,
                Box::new(|| media::remembered(Choice::Speaker))))}
            <button type="button" data-action="test-sound" on:click=play>{t.setup_test_sound()}</button>
            <p class="hint" role="status" aria-live="polite" data-sound=move || sound.get().is_some().to_string()>{move || sound.get()}</p>
            {move || problem.get().map(|p| view! {
                <div class="media-problem" role="alert">
                    <h3>{p.title_in(lang)}</h3>
                    <p>{p.guidance_in(lang)}</p>
                </div>
            })}
            <p class="connection" role="status" aria-live="polite" data-connection=move || reach.get().code()>
                {move || reach.get().text(t)}
            </p>
        </section>
    }
}

/// Level (0..1) of a block of samples: RMS, scaled so speech sits mid-meter.
fn rms_level(samples: &[f32]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|s| f64::from(*s) * f64::from(*s)).sum();
    ((sum / samples.len() as f64).sqrt() * 4.0).min(1.0)
}

fn analyse(
    stream: &MediaStream,
) -> Result<(web_sys::AudioContext, web_sys::AnalyserNode), JsValue> {
    let ctx = web_sys::AudioContext::new()?;
    let source = ctx.create_media_stream_source(stream)?;
    let analyser = ctx.create_analyser()?;
    analyser.set_fft_size(1024);
    source.connect_with_audio_node(&analyser)?;
    // A context made before any click may start suspended; capturing pages may resume it.
    dom::settle(ctx.resume());
    Ok((ctx, analyser))
}

/// Can this browser send sound to a chosen speaker?
fn can_choose_speaker() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &"AudioContext".into())
        .ok()
        .and_then(|c| js_sys::Reflect::get(&c, &"prototype".into()).ok())
        .is_some_and(|p| js_sys::Reflect::has(&p, &"setSinkId".into()).unwrap_or(false))
}

/// A short two-note tone on the chosen speaker (or the default one); also the console's
/// "someone is waiting" chime.
pub fn test_tone(speaker: Option<String>) -> Result<(), JsValue> {
    let ctx = web_sys::AudioContext::new()?;
    if let Some(id) = speaker {
        media::set_speaker(&ctx, &id);
    }
    let gain = ctx.create_gain()?;
    gain.gain().set_value(0.2);
    gain.connect_with_audio_node(&ctx.destination())?;
    let now = ctx.current_time();
    for (i, freq) in [660.0f32, 880.0].into_iter().enumerate() {
        let osc = ctx.create_oscillator()?;
        osc.frequency().set_value(freq);
        osc.connect_with_audio_node(&gain)?;
        let at = now + i as f64 * 0.35;
        osc.start_with_when(at)?;
        osc.stop_with_when(at + 0.3)?;
    }
    dom::settle(ctx.resume());
    // Close the context once the tone is over.
    spawn_local(async move {
        dom::sleep(1500).await;
        let _ = ctx.close();
    });
    Ok(())
}

/// Gather candidates against the call's ICE servers: a relayed candidate proves the relay
/// can be reached and accepts our credential.
async fn probe(check: &IceCheck) -> Reach {
    let turn: Vec<_> = check
        .ice_servers
        .iter()
        .filter(|s| s.urls.iter().any(|u| u.starts_with("turn")))
        .collect();
    if turn.is_empty() {
        return Reach::Direct;
    }
    let turn: Vec<_> = turn.into_iter().cloned().collect();
    let config = super::peer::rtc_config(&turn, true);
    let Ok(pc) = RtcPeerConnection::new_with_configuration(&config) else {
        return Reach::NoRelay;
    };
    let found = Rc::new(Cell::new(false));
    let done = Rc::new(Cell::new(false));
    let (f, d) = (found.clone(), done.clone());
    let handler: JsHandler = Closure::new(move |ev: JsValue| {
        let ev: web_sys::RtcPeerConnectionIceEvent = ev.unchecked_into();
        match ev.candidate() {
            Some(c) if c.candidate().contains(" typ relay") => f.set(true),
            Some(_) => {}
            None => d.set(true),
        }
    });
    pc.set_onicecandidate(Some(handler.as_ref().unchecked_ref()));
    let keep = RefCell::new(Some(handler));
    let _channel = pc.create_data_channel("probe");
    if super::peer::set_local_implicit(&pc).await.is_ok() {
        let mut waited = 0;
        while !found.get() && !done.get() && waited < PROBE_MS {
            dom::sleep(200).await;
            waited += 200;
        }
    }
    pc.set_onicecandidate(None);
    pc.close();
    keep.borrow_mut().take();
    if found.get() {
        Reach::Ok
    } else {
        Reach::NoRelay
    }
}
