//! Recording the call in the host's browser (Consult has no media server): one picture of
//! everyone (the call's videos drawn in a grid on a canvas, a shared screen among them) and
//! all sound mixed (Web Audio), through a MediaRecorder in chunks of a few seconds.
//!
//! `cloud`: each chunk is uploaded as it is made, numbered, and retried until the server
//! has it (a dropped upload continues where the server says; a reload loses at most the
//! chunk being made). `local`: the chunks stay here and become one file the host's browser
//! downloads when recording stops; nothing is uploaded.
//!
//! The page starts this only once the server says everyone was told (`started`).

use crate::widget::dom::{self, JsHandler};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AudioContext, Blob, HtmlCanvasElement, HtmlVideoElement, MediaRecorder, MediaStream,
    MediaStreamAudioDestinationNode, MediaStreamAudioSourceNode,
};

/// Milliseconds of call per chunk.
const CHUNK_MS: i32 = 3000;
/// The recording's picture.
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 720;
/// Pictures drawn per second.
const FPS: i32 = 15;
/// Longest wait between two tries of an upload.
const MAX_BACKOFF_MS: i32 = 8000;

/// How a recording ended, for the page to say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Uploaded (or still uploading its last chunks).
    Kept,
    /// Downloaded to this computer.
    Saved,
    /// The server refused it (storage full, recording gone): it stopped.
    Refused,
}

/// Hears, once, how a recording ended.
pub type Done = Box<dyn FnOnce(Outcome)>;

struct Chunk {
    seq: u32,
    blob: Blob,
    last: bool,
}

/// A recording running in this page.
pub struct Recorder {
    id: String,
    /// `cloud`: the upload ticket; `local`: none.
    ticket: Option<String>,
    recorder: MediaRecorder,
    canvas: HtmlCanvasElement,
    audio: AudioContext,
    mix: MediaStreamAudioDestinationNode,
    /// Sound sources mixed, by stream id.
    sources: RefCell<Vec<(String, MediaStreamAudioSourceNode)>>,
    running: Cell<bool>,
    next_seq: Cell<u32>,
    queue: RefCell<VecDeque<Chunk>>,
    uploading: Cell<bool>,
    /// `local`: every chunk, for the file.
    kept: RefCell<Vec<Blob>>,
    /// Told once when the recording is over for good.
    done: RefCell<Option<Done>>,
    on_data: RefCell<Option<JsHandler>>,
    on_stop: RefCell<Option<JsHandler>>,
    /// Stopping: itself, so that the page may let go of it before its last chunk came.
    stopping: RefCell<Option<Rc<Recorder>>>,
}

impl Recorder {
    /// Start recording `id`; `ticket` uploads it (`cloud`), none keeps it here (`local`).
    /// `done` hears how it ended.
    pub fn start(id: String, ticket: Option<String>, done: Done) -> Result<Rc<Recorder>, JsValue> {
        let document = web_sys::window()
            .and_then(|w| w.document())
            .ok_or_else(|| JsValue::from_str("no document"))?;
        let canvas: HtmlCanvasElement = document.create_element("canvas")?.dyn_into()?;
        canvas.set_width(WIDTH);
        canvas.set_height(HEIGHT);
        let audio = AudioContext::new()?;
        let mix = audio.create_media_stream_destination()?;
        let picture = canvas.capture_stream_with_frame_request_rate(FPS as f64)?;
        let stream = MediaStream::new()?;
        for t in picture.get_video_tracks().iter() {
            stream.add_track(&t.unchecked_into());
        }
        for t in mix.stream().get_audio_tracks().iter() {
            stream.add_track(&t.unchecked_into());
        }
        let options = web_sys::MediaRecorderOptions::new();
        for kind in ["video/webm;codecs=vp8,opus", "video/webm"] {
            if MediaRecorder::is_type_supported(kind) {
                options.set_mime_type(kind);
                break;
            }
        }
        let recorder =
            MediaRecorder::new_with_media_stream_and_media_recorder_options(&stream, &options)?;
        let this = Rc::new(Recorder {
            id,
            ticket,
            recorder,
            canvas,
            audio,
            mix,
            sources: RefCell::new(Vec::new()),
            running: Cell::new(true),
            next_seq: Cell::new(0),
            queue: RefCell::new(VecDeque::new()),
            uploading: Cell::new(false),
            kept: RefCell::new(Vec::new()),
            done: RefCell::new(Some(done)),
            on_data: RefCell::new(None),
            on_stop: RefCell::new(None),
            stopping: RefCell::new(None),
        });
        let weak = Rc::downgrade(&this);
        let on_data: JsHandler = Closure::new(move |ev: JsValue| {
            let (Some(me), Ok(ev)) = (weak.upgrade(), ev.dyn_into::<web_sys::BlobEvent>()) else {
                return;
            };
            if let Some(blob) = ev.data().filter(|b| b.size() > 0.0) {
                me.take(blob, false);
            }
        });
        let weak = Rc::downgrade(&this);
        let on_stop: JsHandler = Closure::new(move |_| {
            if let Some(me) = weak.upgrade() {
                me.finish();
            }
        });
        this.recorder
            .set_ondataavailable(Some(on_data.as_ref().unchecked_ref()));
        this.recorder
            .set_onstop(Some(on_stop.as_ref().unchecked_ref()));
        *this.on_data.borrow_mut() = Some(on_data);
        *this.on_stop.borrow_mut() = Some(on_stop);
        this.draw();
        this.recorder.start_with_time_slice(CHUNK_MS)?;
        dom::settle(this.audio.resume());
        wasm_bindgen_futures::spawn_local(paint(Rc::downgrade(&this)));
        Ok(this)
    }

    /// The recording's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Stop: the last chunk comes, then the upload ends (`cloud`) or the file downloads
    /// (`local`).
    pub fn stop(self: &Rc<Self>) {
        if self.running.replace(false) && self.recorder.state() != web_sys::RecordingState::Inactive
        {
            *self.stopping.borrow_mut() = Some(self.clone());
            let _ = self.recorder.stop();
        }
    }

    /// A chunk arrived (or, `last`, the end): upload it or keep it.
    fn take(self: &Rc<Self>, blob: Blob, last: bool) {
        if self.ticket.is_none() {
            self.kept.borrow_mut().push(blob);
            return;
        }
        let seq = self.next_seq.get();
        self.next_seq.set(seq + 1);
        self.queue.borrow_mut().push_back(Chunk { seq, blob, last });
        wasm_bindgen_futures::spawn_local(self.clone().upload());
    }

    /// The recorder stopped: the end goes up, or the file down.
    fn finish(self: &Rc<Self>) {
        self.running.set(false);
        // The upload of the end holds it from here.
        let _keep = self.stopping.borrow_mut().take();
        for (_, source) in self.sources.borrow_mut().drain(..) {
            let _ = source.disconnect();
        }
        dom::settle(self.audio.close());
        if self.ticket.is_some() {
            // An empty last chunk says the end, whatever the last one with data was.
            if let Ok(end) = Blob::new_with_blob_sequence(&js_sys::Array::new()) {
                self.take(end, true);
            }
            return;
        }
        let parts: js_sys::Array = self.kept.borrow_mut().drain(..).collect();
        let bag = web_sys::BlobPropertyBag::new();
        bag.set_type("video/webm");
        let saved = Blob::new_with_blob_sequence_and_options(&parts, &bag)
            .ok()
            .and_then(|file| download(&file, &format!("recording-{}.webm", self.id)).ok())
            .is_some();
        self.tell(if saved {
            Outcome::Saved
        } else {
            Outcome::Refused
        });
    }

    fn tell(&self, outcome: Outcome) {
        if let Some(done) = self.done.borrow_mut().take() {
            done(outcome);
        }
    }

    /// Upload what is queued, in order, until the server has it; one loop at a time.
    async fn upload(self: Rc<Self>) {
        // (`self` is held until the queue is empty.)
        if self.uploading.replace(true) {
            return;
        }
        let mut backoff = 500;
        loop {
            let next = self
                .queue
                .borrow()
                .front()
                .map(|c| (c.seq, c.blob.clone(), c.last));
            let Some((seq, blob, last)) = next else {
                break;
            };
            match self.put(seq, &blob, last).await {
                Ok(status) if (200..300).contains(&status) => {
                    self.queue.borrow_mut().pop_front();
                    backoff = 500;
                    if last {
                        self.tell(Outcome::Kept);
                    }
                }
                // The server has more than this (an earlier answer was lost): skip what it
                // has. Less is what a cut upload leaves: this chunk goes again.
                Ok(409) => {
                    let has = self.server_next().await.unwrap_or(seq);
                    let mut q = self.queue.borrow_mut();
                    while q.front().is_some_and(|c| c.seq < has && !c.last) {
                        q.pop_front();
                    }
                    if q.front().is_some_and(|c| c.seq > has) {
                        // A chunk it never got is gone from here too: nothing to resume.
                        q.clear();
                        drop(q);
                        self.refused();
                    }
                }
                Ok(status) if status == 503 || status >= 500 => {
                    dom::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF_MS);
                }
                // Gone, refused, storage full: it cannot be kept.
                Ok(_) => {
                    self.queue.borrow_mut().clear();
                    self.refused();
                }
                // The network: try again.
                Err(_) => {
                    dom::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF_MS);
                }
            }
        }
        self.uploading.set(false);
    }

    fn refused(self: &Rc<Self>) {
        self.stop();
        self.tell(Outcome::Refused);
    }

    /// `PUT /recordings/{id}/chunks/{seq}`: the answer's status.
    async fn put(&self, seq: u32, blob: &Blob, last: bool) -> Result<u16, JsValue> {
        let init = web_sys::RequestInit::new();
        init.set_method("PUT");
        init.set_body(blob);
        let url = format!(
            "/recordings/{}/chunks/{seq}{}",
            self.id,
            if last { "?last=true" } else { "" }
        );
        Ok(self.fetch(&url, &init).await?.status())
    }

    /// `GET /recordings/{id}/chunks`: the next chunk the server expects.
    async fn server_next(&self) -> Option<u32> {
        let init = web_sys::RequestInit::new();
        let res = self
            .fetch(&format!("/recordings/{}/chunks", self.id), &init)
            .await
            .ok()?;
        let body = JsFuture::from(res.json().ok()?).await.ok()?;
        js_sys::Reflect::get(&body, &"next".into())
            .ok()?
            .as_f64()
            .map(|n| n as u32)
    }

    async fn fetch(
        &self,
        url: &str,
        init: &web_sys::RequestInit,
    ) -> Result<web_sys::Response, JsValue> {
        let headers = web_sys::Headers::new()?;
        headers.set("X-Upload-Ticket", self.ticket.as_deref().unwrap_or(""))?;
        init.set_headers(&headers);
        let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
        JsFuture::from(window.fetch_with_str_and_init(url, init))
            .await?
            .dyn_into()
    }

    /// Draw the call's videos in a grid, and mix every stream's sound (new ones join the
    /// mix, gone ones leave it).
    fn draw(&self) {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let Ok(Some(ctx)) = self.canvas.get_context("2d") else {
            return;
        };
        let Ok(ctx) = ctx.dyn_into::<web_sys::CanvasRenderingContext2d>() else {
            return;
        };
        ctx.set_fill_style_str("#111");
        ctx.fill_rect(0.0, 0.0, WIDTH as f64, HEIGHT as f64);
        let videos: Vec<HtmlVideoElement> = document
            .query_selector_all(".call .stage video")
            .map(|list| {
                (0..list.length())
                    .filter_map(|i| list.get(i)?.dyn_into::<HtmlVideoElement>().ok())
                    .collect()
            })
            .unwrap_or_default();
        let shown: Vec<&HtmlVideoElement> = videos
            .iter()
            .filter(|v| v.video_width() > 0 && v.ready_state() >= 2)
            .collect();
        let (cols, rows) = grid(shown.len());
        let (cw, ch) = (WIDTH as f64 / cols as f64, HEIGHT as f64 / rows as f64);
        for (i, v) in shown.iter().enumerate() {
            let (vw, vh) = (v.video_width() as f64, v.video_height() as f64);
            // Fit the whole picture in its cell (a shared screen must stay readable).
            let scale = (cw / vw).min(ch / vh);
            let (w, h) = (vw * scale, vh * scale);
            let x = (i % cols) as f64 * cw + (cw - w) / 2.0;
            let y = (i / cols) as f64 * ch + (ch - h) / 2.0;
            let _ = ctx.draw_image_with_html_video_element_and_dw_and_dh(v, x, y, w, h);
        }
        // The sound of every stream on the page, each once.
        let streams: Vec<MediaStream> = videos
            .iter()
            .filter_map(|v| v.src_object())
            .filter(|s| s.get_audio_tracks().length() > 0)
            .collect();
        let mut sources = self.sources.borrow_mut();
        sources.retain(|(id, source)| {
            let keep = streams.iter().any(|s| &s.id() == id);
            if !keep {
                let _ = source.disconnect();
            }
            keep
        });
        for s in streams {
            if sources.iter().any(|(id, _)| *id == s.id()) {
                continue;
            }
            if let Ok(source) = self.audio.create_media_stream_source(&s) {
                if source.connect_with_audio_node(self.mix.as_ref()).is_ok() {
                    sources.push((s.id(), source));
                }
            }
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.recorder.set_ondataavailable(None);
        self.recorder.set_onstop(None);
    }
}

/// Columns and rows for `n` pictures: as square as the count allows.
fn grid(n: usize) -> (usize, usize) {
    let n = n.max(1);
    let cols = (1..=n).find(|c| c * c >= n).unwrap_or(1);
    (cols, n.div_ceil(cols))
}

/// Draw while recording (the canvas only sends pictures it is given).
async fn paint(weak: Weak<Recorder>) {
    loop {
        match weak.upgrade() {
            Some(r) if r.running.get() => r.draw(),
            _ => return,
        }
        dom::sleep(1000 / FPS).await;
    }
}

/// Have the browser save `file` as `name`.
fn download(file: &Blob, name: &str) -> Result<(), JsValue> {
    let url = web_sys::Url::create_object_url_with_blob(file)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    // The file is the browser's once the download started; the address can go soon after.
    wasm_bindgen_futures::spawn_local(async move {
        dom::sleep(60_000).await;
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    Ok(())
}
