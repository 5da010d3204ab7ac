//! Camera and microphone: opening them, and telling people clearly what to do when that fails.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{DomException, MediaStream, MediaStreamConstraints, MediaStreamTrack};

/// Why the camera or microphone could not be opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MediaProblem {
    /// The person (or a browser setting) refused access.
    Denied,
    /// No camera and no microphone found.
    NotFound,
    /// The device exists but another application holds it.
    InUse,
    /// The page may not ask: no secure context, or the embedding iframe lacks `allow`.
    NotAllowedHere,
    /// Anything else, with the browser's name for it.
    Other(String),
}

impl MediaProblem {
    /// A short heading.
    pub fn title(&self) -> &'static str {
        match self {
            MediaProblem::Denied => "Camera and microphone are blocked",
            MediaProblem::NotFound => "No camera or microphone found",
            MediaProblem::InUse => "Your camera or microphone is in use",
            MediaProblem::NotAllowedHere => "This page may not use your camera",
            MediaProblem::Other(_) => "Your camera could not be started",
        }
    }

    /// What to do about it.
    pub fn guidance(&self) -> &'static str {
        match self {
            MediaProblem::Denied => {
                "Allow access through the camera icon in your browser's address bar (or its site \
                 settings), then reload this page. You can also join without: you will still see \
                 and hear the other side."
            }
            MediaProblem::NotFound => {
                "Connect a camera or headset and reload this page. You can also join without: \
                 you will still see and hear the other side."
            }
            MediaProblem::InUse => {
                "Close other programs that use the camera (another video call, for example), \
                 then reload this page."
            }
            MediaProblem::NotAllowedHere => {
                "The website around this call does not allow camera access. Open your personal \
                 link directly in a browser tab instead."
            }
            MediaProblem::Other(_) => "Reload the page to try again, or try another browser.",
        }
    }

    /// A short heading, in a language.
    pub fn title_in(&self, lang: crate::model::i18n::Lang) -> &'static str {
        use crate::model::i18n::Lang;
        match (lang, self) {
            (Lang::En, _) => self.title(),
            (Lang::Nl, MediaProblem::Denied) => "Camera en microfoon zijn geblokkeerd",
            (Lang::Nl, MediaProblem::NotFound) => "Geen camera of microfoon gevonden",
            (Lang::Nl, MediaProblem::InUse) => "Uw camera of microfoon is in gebruik",
            (Lang::Nl, MediaProblem::NotAllowedHere) => "Deze pagina mag uw camera niet gebruiken",
            (Lang::Nl, MediaProblem::Other(_)) => "Uw camera kon niet worden gestart",
        }
    }

    /// What to do about it, in a language.
    pub fn guidance_in(&self, lang: crate::model::i18n::Lang) -> &'static str {
        use crate::model::i18n::Lang;
        match (lang, self) {
            (Lang::En, _) => self.guidance(),
            (Lang::Nl, MediaProblem::Denied) => {
                "Geef toegang via het camerapictogram in de adresbalk van uw browser (of de \
                 site-instellingen) en laad deze pagina opnieuw."
            }
            (Lang::Nl, MediaProblem::NotFound) => {
                "Sluit een camera of headset aan en laad deze pagina opnieuw."
            }
            (Lang::Nl, MediaProblem::InUse) => {
                "Sluit andere programma's die de camera gebruiken (bijvoorbeeld een ander \
                 videogesprek) en laad deze pagina opnieuw."
            }
            (Lang::Nl, MediaProblem::NotAllowedHere) => {
                "De website rond deze pagina staat cameratoegang niet toe. Open de link \
                 rechtstreeks in een browsertabblad."
            }
            (Lang::Nl, MediaProblem::Other(_)) => {
                "Laad de pagina opnieuw, of probeer een andere browser."
            }
        }
    }

    fn from_error(e: &JsValue) -> MediaProblem {
        let name = e
            .dyn_ref::<DomException>()
            .map(|d| d.name())
            .unwrap_or_default();
        match name.as_str() {
            "NotAllowedError" | "PermissionDeniedError" => {
                // Chromium reports an iframe without `allow="camera"` as NotAllowedError too,
                // with a message about the permissions policy.
                let msg = e
                    .dyn_ref::<DomException>()
                    .map(|d| d.message())
                    .unwrap_or_default();
                if msg.to_ascii_lowercase().contains("policy") {
                    MediaProblem::NotAllowedHere
                } else {
                    MediaProblem::Denied
                }
            }
            "NotFoundError" | "DevicesNotFoundError" | "OverconstrainedError" => {
                MediaProblem::NotFound
            }
            "NotReadableError" | "TrackStartError" | "AbortError" => MediaProblem::InUse,
            "SecurityError" | "TypeError" => MediaProblem::NotAllowedHere,
            other => MediaProblem::Other(other.to_string()),
        }
    }
}

/// The devices a person chose before, remembered in this browser (`localStorage`) so the next
/// call starts with them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// A camera.
    Camera,
    /// A microphone.
    Microphone,
    /// A speaker (audio output).
    Speaker,
}

impl Choice {
    fn key(self) -> &'static str {
        match self {
            Choice::Camera => "consult.camera",
            Choice::Microphone => "consult.microphone",
            Choice::Speaker => "consult.speaker",
        }
    }

    /// `enumerateDevices()` kind.
    pub fn kind(self) -> &'static str {
        match self {
            Choice::Camera => "videoinput",
            Choice::Microphone => "audioinput",
            Choice::Speaker => "audiooutput",
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    // Storage may be refused (third-party iframe with strict settings): then nothing is
    // remembered, and nothing breaks.
    web_sys::window()?.local_storage().ok().flatten()
}

/// The remembered device for `choice`, if any.
pub fn remembered(choice: Choice) -> Option<String> {
    storage()?
        .get_item(choice.key())
        .ok()
        .flatten()
        .filter(|s| !s.is_empty())
}

/// Remember a device for next time.
pub fn remember(choice: Choice, device_id: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(choice.key(), device_id);
    }
}

/// A device the browser offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    /// Its id (stable per origin).
    pub id: String,
    /// Its name (empty before permission is granted).
    pub label: String,
}

/// The devices of one kind.
pub async fn devices(choice: Choice) -> Vec<Device> {
    let Some(md) = web_sys::window().and_then(|w| w.navigator().media_devices().ok()) else {
        return Vec::new();
    };
    let Ok(promise) = md.enumerate_devices() else {
        return Vec::new();
    };
    let Ok(list) = JsFuture::from(promise).await else {
        return Vec::new();
    };
    let get = |d: &JsValue, k: &str| {
        js_sys::Reflect::get(d, &k.into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    js_sys::Array::from(&list)
        .iter()
        .filter(|d| get(d, "kind") == choice.kind())
        .enumerate()
        .map(|(i, d)| {
            let label = get(&d, "label");
            Device {
                id: get(&d, "deviceId"),
                label: if label.is_empty() {
                    format!("Device {}", i + 1)
                } else {
                    label
                },
            }
        })
        .collect()
}

/// `true`, or `{deviceId: {exact: id}}` for a chosen device. (Chromium opens its default
/// device rather than an `ideal` one, so chosen devices are exact, with a fallback.)
fn track_constraint(device: Option<&str>) -> JsValue {
    match device {
        None => JsValue::TRUE,
        Some(id) => {
            let inner = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&inner, &"exact".into(), &id.into());
            let outer = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&outer, &"deviceId".into(), &inner);
            outer.into()
        }
    }
}

async fn get_user_media(
    audio: bool,
    video: bool,
    chosen: bool,
) -> Result<MediaStream, MediaProblem> {
    let devices = web_sys::window()
        .ok_or(MediaProblem::NotAllowedHere)?
        .navigator()
        .media_devices()
        // No mediaDevices at all: not a secure context.
        .map_err(|_| MediaProblem::NotAllowedHere)?;
    let constraints = MediaStreamConstraints::new();
    let (camera, microphone) = if chosen {
        (remembered(Choice::Camera), remembered(Choice::Microphone))
    } else {
        (None, None)
    };
    constraints.set_audio(&if audio {
        track_constraint(microphone.as_deref())
    } else {
        JsValue::FALSE
    });
    constraints.set_video(&if video {
        track_constraint(camera.as_deref())
    } else {
        JsValue::FALSE
    });
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(|e| MediaProblem::from_error(&e))?;
    let stream = JsFuture::from(promise)
        .await
        .map_err(|e| MediaProblem::from_error(&e))?;
    stream
        .dyn_into::<MediaStream>()
        .map_err(|_| MediaProblem::Other("no stream".into()))
}

/// Open camera and microphone: the ones chosen before if they are still there, else the
/// browser's; if one of them is missing, the other alone.
pub async fn open_camera_and_microphone() -> Result<MediaStream, MediaProblem> {
    if remembered(Choice::Camera).is_some() || remembered(Choice::Microphone).is_some() {
        match open_devices(true).await {
            // A remembered device unplugged (or busy): take what there is.
            Err(MediaProblem::NotFound | MediaProblem::InUse) => {}
            other => return other,
        }
    }
    open_devices(false).await
}

/// Open the devices just picked (remembered already), exactly those.
pub async fn open_chosen_devices() -> Result<MediaStream, MediaProblem> {
    open_devices(true).await
}

async fn open_devices(chosen: bool) -> Result<MediaStream, MediaProblem> {
    match get_user_media(true, true, chosen).await {
        Err(MediaProblem::NotFound) => match get_user_media(true, false, chosen).await {
            Err(MediaProblem::NotFound) => get_user_media(false, true, chosen).await,
            other => other,
        },
        other => other,
    }
}

/// The id of the device behind the stream's first track of `kind`.
pub fn device_of(stream: &MediaStream, kind: &str) -> Option<String> {
    stream
        .get_tracks()
        .iter()
        .map(|t| t.unchecked_into::<MediaStreamTrack>())
        .find(|t| t.kind() == kind)
        .and_then(|t| {
            js_sys::Reflect::get(&t.get_settings(), &"deviceId".into())
                .ok()?
                .as_string()
        })
}

/// A small JPEG of what a `<video>` shows now (for the waiting-room preview), as a `data:`
/// URL; `None` before the first frame.
pub fn snapshot(video: &web_sys::HtmlVideoElement, width: u32) -> Option<String> {
    let (w, h) = (video.video_width(), video.video_height());
    if w == 0 || h == 0 {
        return None;
    }
    let height = width * h / w;
    let canvas: web_sys::HtmlCanvasElement = web_sys::window()?
        .document()?
        .create_element("canvas")
        .ok()?
        .dyn_into()
        .ok()?;
    canvas.set_width(width);
    canvas.set_height(height);
    let ctx: web_sys::CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    ctx.draw_image_with_html_video_element_and_dw_and_dh(
        video,
        0.0,
        0.0,
        width.into(),
        height.into(),
    )
    .ok()?;
    canvas
        .to_data_url_with_type_and_encoder_options("image/jpeg", &JsValue::from_f64(0.6))
        .ok()
}

/// Send the sound of a media element or an `AudioContext` to a speaker (`setSinkId`, where
/// the browser has it).
pub fn set_speaker(target: &JsValue, device_id: &str) {
    let answer = crate::widget::dom::call_method(target, "setSinkId", &[device_id.into()]);
    if let Some(p) = answer.and_then(|v| v.dyn_into::<js_sys::Promise>().ok()) {
        // A speaker that is gone keeps the default; nothing to tell the person.
        wasm_bindgen_futures::spawn_local(async move {
            let _ = JsFuture::from(p).await;
        });
    }
}

/// Stop every track of a stream (turns the camera light off).
pub fn stop(stream: &MediaStream) {
    for t in stream.get_tracks().iter() {
        t.unchecked_into::<MediaStreamTrack>().stop();
    }
}

/// Enable or disable the tracks of one kind (`audio` / `video`): muting keeps the device open.
pub fn set_enabled(stream: &MediaStream, kind: &str, enabled: bool) {
    for t in stream.get_tracks().iter() {
        let t: MediaStreamTrack = t.unchecked_into();
        if t.kind() == kind {
            t.set_enabled(enabled);
        }
    }
}

/// Does the stream have a track of this kind?
pub fn has(stream: &MediaStream, kind: &str) -> bool {
    stream
        .get_tracks()
        .iter()
        .any(|t| t.unchecked_into::<MediaStreamTrack>().kind() == kind)
}

/// Keep only the kinds a call allows: tracks of a kind it does not are stopped (the camera
/// light goes off) and taken out, so they are never sent. Returns the stream, or none when
/// nothing is left.
pub fn restrict(stream: MediaStream, audio: bool, video: bool) -> Option<MediaStream> {
    for t in stream.get_tracks().iter() {
        let t: MediaStreamTrack = t.unchecked_into();
        let allowed = match t.kind().as_str() {
            "audio" => audio,
            "video" => video,
            _ => false,
        };
        if !allowed {
            t.stop();
            stream.remove_track(&t);
        }
    }
    (stream.get_tracks().length() > 0).then_some(stream)
}

/// Open what a call allows: camera and microphone as usual, or only one of them (the other is
/// never asked for), or nothing.
pub async fn open_allowed(audio: bool, video: bool) -> Result<Option<MediaStream>, MediaProblem> {
    match (audio, video) {
        (true, true) => open_camera_and_microphone().await.map(Some),
        (false, false) => Ok(None),
        (audio, video) => {
            let chosen =
                remembered(Choice::Camera).is_some() || remembered(Choice::Microphone).is_some();
            let first = get_user_media(audio, video, chosen).await;
            let stream = match first {
                Err(MediaProblem::NotFound | MediaProblem::InUse) if chosen => {
                    get_user_media(audio, video, false).await
                }
                other => other,
            }?;
            Ok(restrict(stream, audio, video))
        }
    }
}

/// Blur the background of the stream's camera where the browser can (the `backgroundBlur`
/// track constraint, offered by the platform's camera effects). Returns whether it is blurred
/// now; `false` means this browser cannot, and nothing is pretended.
pub async fn blur_background(stream: &MediaStream) -> bool {
    let Some(track) = stream
        .get_video_tracks()
        .iter()
        .next()
        .map(|t| t.unchecked_into::<MediaStreamTrack>())
    else {
        return false;
    };
    let capabilities = crate::widget::dom::call_method(&track, "getCapabilities", &[]);
    let offers_blur = capabilities
        .and_then(|c| js_sys::Reflect::get(&c, &"backgroundBlur".into()).ok())
        .map(|b| {
            js_sys::Array::is_array(&b)
                && js_sys::Array::from(&b)
                    .iter()
                    .any(|v| v.as_bool() == Some(true))
        })
        .unwrap_or(false);
    if !offers_blur {
        return false;
    }
    let constraints = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&constraints, &"backgroundBlur".into(), &JsValue::TRUE);
    let Some(promise) =
        crate::widget::dom::call_method(&track, "applyConstraints", &[constraints.into()])
            .and_then(|p| p.dyn_into::<js_sys::Promise>().ok())
    else {
        return false;
    };
    if JsFuture::from(promise).await.is_err() {
        return false;
    }
    // Believe the settings, not the request.
    js_sys::Reflect::get(&track.get_settings(), &"backgroundBlur".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}
