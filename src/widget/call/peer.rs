//! One RTCPeerConnection to one other peer, negotiated with the "perfect negotiation" pattern:
//! either side may start a negotiation at any time; when both do at once, the *polite* side
//! rolls its offer back and answers, the *impolite* one ignores the colliding offer. Which side
//! is polite is decided by comparing peer ids, so both ends agree without talking.
//!
//! Signals for one peer are handled strictly in order by a single task, so an ICE candidate is
//! never applied before the description it belongs to.
//!
//! The first negotiation is not left to chance: the peer that joins offers, and a peer already
//! in the room attaches its media only when that offer arrives, just before applying it (JSEP
//! then pairs its tracks with the offer's media sections, so the answer carries them). Both
//! offering at once would always collide, and Chromium 156 sometimes gathers no ICE candidates
//! on the polite side after such a collision's implicit rollback, leaving the call silent.
//! Later renegotiations go through the same collision handling as before.
//!
//! When the connection's ICE goes `failed`, or stays `disconnected` for a few seconds (a
//! network change, a Wi-Fi hiccup), the link restarts ICE: `restartIce()` fires
//! `negotiationneeded`, and the new offer with fresh credentials goes through the same
//! negotiation, so media comes back without a reload and without a new connection.

use crate::model::signal::{IceServer, SdpType, Signal};
use crate::widget::dom::JsHandler;
use futures::channel::mpsc;
use futures::StreamExt;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    MediaStream, MediaStreamTrack, RtcConfiguration, RtcIceCandidateInit, RtcIceServer,
    RtcIceTransportPolicy, RtcPeerConnection, RtcPeerConnectionIceEvent, RtcRtpSender,
    RtcRtpTransceiverDirection, RtcRtpTransceiverInit, RtcSdpType, RtcSessionDescriptionInit,
    RtcSignalingState, RtcTrackEvent,
};

/// What a peer link reports to its owner.
pub enum PeerEvent {
    /// A negotiation message to send to the other peer.
    Outgoing(Signal),
    /// The other peer's media arrived.
    RemoteStream(MediaStream),
    /// `RTCPeerConnection.connectionState` changed (`connecting`, `connected`, `failed`, …).
    State(String),
}

/// A negotiated connection to one peer. Dropping it closes the connection.
pub struct PeerLink {
    pc: RtcPeerConnection,
    inbox: mpsc::UnboundedSender<Signal>,
    handlers: Vec<JsHandler>,
}

struct Negotiation {
    pc: RtcPeerConnection,
    polite: bool,
    /// Media to attach when the first offer arrives (for the peer that did not offer first).
    pending_local: std::cell::RefCell<Option<MediaStream>>,
    making_offer: Cell<bool>,
    ignore_offer: Cell<bool>,
    report: Rc<dyn Fn(PeerEvent)>,
}

impl PeerLink {
    /// Open a connection. With `offer_first` (we just joined) add the local media, or
    /// receive-only slots if there is none, which starts negotiating; otherwise wait for the
    /// other peer's offer and attach the local media then.
    pub fn new(
        polite: bool,
        offer_first: bool,
        ice_servers: &[IceServer],
        relay_only: bool,
        local: Option<&MediaStream>,
        report: Rc<dyn Fn(PeerEvent)>,
    ) -> Result<PeerLink, JsValue> {
        let pc = RtcPeerConnection::new_with_configuration(&rtc_config(ice_servers, relay_only))?;
        let neg = Rc::new(Negotiation {
            pc: pc.clone(),
            polite,
            pending_local: std::cell::RefCell::new(if offer_first { None } else { local.cloned() }),
            making_offer: Cell::new(false),
            ignore_offer: Cell::new(false),
            report: report.clone(),
        });

        let mut handlers = Vec::new();
        let n = neg.clone();
        let on_negotiation = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            let n = n.clone();
            wasm_bindgen_futures::spawn_local(async move { n.offer().await });
        });
        pc.set_onnegotiationneeded(Some(on_negotiation.as_ref().unchecked_ref()));
        handlers.push(on_negotiation);

        let r = report.clone();
        let on_candidate = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
            let ev: RtcPeerConnectionIceEvent = ev.unchecked_into();
            if let Some(c) = ev.candidate() {
                r(PeerEvent::Outgoing(Signal::Candidate {
                    candidate: c.candidate(),
                    sdp_mid: c.sdp_mid(),
                    sdp_m_line_index: c.sdp_m_line_index(),
                }));
            }
        });
        pc.set_onicecandidate(Some(on_candidate.as_ref().unchecked_ref()));
        handlers.push(on_candidate);

        let r = report.clone();
        let on_track = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
            let ev: RtcTrackEvent = ev.unchecked_into();
            let stream = ev
                .streams()
                .get(0)
                .dyn_into::<MediaStream>()
                .ok()
                .or_else(|| {
                    // A track without a stream (the sender added none): wrap it in one.
                    let s = MediaStream::new().ok()?;
                    s.add_track(&ev.track());
                    Some(s)
                });
            if let Some(stream) = stream {
                r(PeerEvent::RemoteStream(stream));
            }
        });
        pc.set_ontrack(Some(on_track.as_ref().unchecked_ref()));
        handlers.push(on_track);

        let r = report;
        let pc2 = pc.clone();
        let on_state = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            let state = js_sys::Reflect::get(&pc2, &"connectionState".into())
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            r(PeerEvent::State(state));
        });
        pc.set_onconnectionstatechange(Some(on_state.as_ref().unchecked_ref()));
        handlers.push(on_state);

        let pc2 = pc.clone();
        let on_ice_state = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            let pc = pc2.clone();
            match ice_state(&pc).as_str() {
                "failed" => restart_ice(&pc),
                // Often recovers by itself within a second or two; restart only if not.
                "disconnected" => wasm_bindgen_futures::spawn_local(async move {
                    crate::widget::dom::sleep(RESTART_AFTER_MS).await;
                    if ice_state(&pc) == "disconnected" {
                        restart_ice(&pc);
                    }
                }),
                _ => {}
            }
        });
        pc.set_oniceconnectionstatechange(Some(on_ice_state.as_ref().unchecked_ref()));
        handlers.push(on_ice_state);

        if offer_first {
            // Send what we have; ask to receive what we lack, so a peer without a camera
            // still sees the other side. Adding them fires `negotiationneeded`.
            let (has_audio, has_video) = add_tracks(&pc, local);
            for (kind, has) in [("audio", has_audio), ("video", has_video)] {
                if !has {
                    let init = RtcRtpTransceiverInit::new();
                    init.set_direction(RtcRtpTransceiverDirection::Recvonly);
                    pc.add_transceiver_with_str_and_init(kind, &init);
                }
            }
        }

        let (inbox, mut rx) = mpsc::unbounded::<Signal>();
        wasm_bindgen_futures::spawn_local(async move {
            while let Some(signal) = rx.next().await {
                neg.receive(signal).await;
            }
        });
        Ok(PeerLink {
            pc,
            inbox,
            handlers,
        })
    }

    /// Hand over a signal from the other peer (handled in arrival order).
    pub fn deliver(&self, signal: Signal) {
        let _ = self.inbox.unbounded_send(signal);
    }

    /// The underlying connection (for statistics).
    pub fn connection(&self) -> &RtcPeerConnection {
        &self.pc
    }
}

/// Send `track` instead of whatever video `pc` sends now (screen share and back), without a
/// renegotiation. Does nothing if we send no video on it.
pub async fn replace_video(
    pc: &RtcPeerConnection,
    track: &MediaStreamTrack,
) -> Result<(), JsValue> {
    for sender in pc.get_senders().iter() {
        let sender: RtcRtpSender = sender.unchecked_into();
        if sender.track().is_some_and(|t| t.kind() == "video") {
            JsFuture::from(sender.replace_track(Some(track))).await?;
        }
    }
    Ok(())
}

/// Cap what `pc` sends in video at `max_bitrate` bits per second (an appointment's
/// `bandwidth`), through `RTCRtpSender.setParameters`; it holds across a track switch (screen
/// share). A sender without video is left alone.
pub async fn cap_video(pc: &RtcPeerConnection, max_bitrate: u32) -> Result<(), JsValue> {
    for sender in pc.get_senders().iter() {
        let sender: RtcRtpSender = sender.unchecked_into();
        if sender.track().is_none_or(|t| t.kind() != "video") {
            continue;
        }
        let params = crate::widget::dom::call_method(&sender, "getParameters", &[])
            .ok_or("no getParameters")?;
        let encodings = js_sys::Reflect::get(&params, &"encodings".into())?;
        let encodings: js_sys::Array = if js_sys::Array::is_array(&encodings) {
            encodings.unchecked_into()
        } else {
            js_sys::Array::new()
        };
        if encodings.length() == 0 {
            encodings.push(&js_sys::Object::new());
            js_sys::Reflect::set(&params, &"encodings".into(), &encodings)?;
        }
        for e in encodings.iter() {
            js_sys::Reflect::set(&e, &"maxBitrate".into(), &JsValue::from(max_bitrate))?;
        }
        let promise = crate::widget::dom::call_method(&sender, "setParameters", &[params])
            .ok_or("no setParameters")?;
        JsFuture::from(promise.dyn_into::<js_sys::Promise>()?).await?;
    }
    Ok(())
}

/// The RTCPeerConnection configuration for these ICE servers.
pub(crate) fn rtc_config(ice_servers: &[IceServer], relay_only: bool) -> RtcConfiguration {
    let config = RtcConfiguration::new();
    let servers = js_sys::Array::new();
    for s in ice_servers {
        let server = RtcIceServer::new();
        let urls: js_sys::Array = s.urls.iter().map(|u| JsValue::from_str(u)).collect();
        server.set_urls(&urls);
        if let Some(u) = &s.username {
            server.set_username(u);
        }
        if let Some(c) = &s.credential {
            server.set_credential(c);
        }
        servers.push(&server);
    }
    config.set_ice_servers(&servers);
    if relay_only {
        config.set_ice_transport_policy(RtcIceTransportPolicy::Relay);
    }
    config
}

/// How long ICE may stay `disconnected` before we restart it.
const RESTART_AFTER_MS: i32 = 3000;

fn ice_state(pc: &RtcPeerConnection) -> String {
    js_sys::Reflect::get(pc, &"iceConnectionState".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// `restartIce()` (not bound by web-sys yet).
fn restart_ice(pc: &RtcPeerConnection) {
    if pc.signaling_state() == RtcSignalingState::Closed {
        return;
    }
    crate::widget::dom::call_method(pc, "restartIce", &[]);
}

impl Drop for PeerLink {
    fn drop(&mut self) {
        self.pc.set_onnegotiationneeded(None);
        self.pc.set_onicecandidate(None);
        self.pc.set_ontrack(None);
        self.pc.set_onconnectionstatechange(None);
        self.pc.set_oniceconnectionstatechange(None);
        self.pc.close();
        self.handlers.clear();
    }
}

impl Negotiation {
    async fn offer(&self) {
        self.making_offer.set(true);
        let result = set_local_implicit(&self.pc).await;
        self.making_offer.set(false);
        match result {
            Ok(()) => self.send_local(),
            Err(e) => log("could not create an offer", &e),
        }
    }

    fn send_local(&self) {
        if let Some(desc) = self.pc.local_description() {
            if let Some(sdp_type) = from_rtc(desc.type_()) {
                (self.report)(PeerEvent::Outgoing(Signal::Description {
                    sdp_type,
                    sdp: desc.sdp(),
                }));
            }
        }
    }

    async fn receive(&self, signal: Signal) {
        match signal {
            Signal::Description { sdp_type, sdp } => {
                let is_offer = sdp_type == SdpType::Offer;
                let collision = is_offer
                    && (self.making_offer.get()
                        || self.pc.signaling_state() != RtcSignalingState::Stable);
                self.ignore_offer.set(!self.polite && collision);
                if self.ignore_offer.get() {
                    return;
                }
                if is_offer {
                    // Our media, held back until the other side's first offer.
                    let pending = self.pending_local.borrow_mut().take();
                    if let Some(stream) = pending {
                        add_tracks(&self.pc, Some(&stream));
                    }
                }
                let init = RtcSessionDescriptionInit::new(to_rtc(sdp_type));
                init.set_sdp(&sdp);
                // For the polite side, applying a colliding offer rolls our own back implicitly.
                if let Err(e) = JsFuture::from(self.pc.set_remote_description(&init)).await {
                    return log("could not apply the remote description", &e);
                }
                if is_offer {
                    match set_local_implicit(&self.pc).await {
                        Ok(()) => self.send_local(),
                        Err(e) => log("could not answer", &e),
                    }
                }
            }
            Signal::Candidate {
                candidate,
                sdp_mid,
                sdp_m_line_index,
            } => {
                let init = RtcIceCandidateInit::new(&candidate);
                init.set_sdp_mid(sdp_mid.as_deref());
                init.set_sdp_m_line_index(sdp_m_line_index);
                let added = JsFuture::from(
                    self.pc
                        .add_ice_candidate_with_opt_rtc_ice_candidate_init(Some(&init)),
                )
                .await;
                // Candidates of an offer we chose to ignore are expected to fail.
                if let Err(e) = added {
                    if !self.ignore_offer.get() {
                        log("could not add an ICE candidate", &e);
                    }
                }
            }
        }
    }
}

/// Add every track of `local`; returns whether it had audio and video.
fn add_tracks(pc: &RtcPeerConnection, local: Option<&MediaStream>) -> (bool, bool) {
    let (mut audio, mut video) = (false, false);
    if let Some(stream) = local {
        for track in stream.get_tracks().iter() {
            let track: MediaStreamTrack = track.unchecked_into();
            match track.kind().as_str() {
                "audio" => audio = true,
                "video" => video = true,
                _ => {}
            }
            pc.add_track_0(&track, stream);
        }
    }
    (audio, video)
}

/// `setLocalDescription()` without arguments (creates the right offer or answer itself;
/// web-sys only binds the form with a description).
pub(crate) async fn set_local_implicit(pc: &RtcPeerConnection) -> Result<(), JsValue> {
    let f: js_sys::Function =
        js_sys::Reflect::get(pc, &"setLocalDescription".into())?.dyn_into()?;
    let promise: js_sys::Promise = f.call0(pc)?.dyn_into()?;
    JsFuture::from(promise).await.map(|_| ())
}

fn to_rtc(t: SdpType) -> RtcSdpType {
    match t {
        SdpType::Offer => RtcSdpType::Offer,
        SdpType::Answer => RtcSdpType::Answer,
        SdpType::Pranswer => RtcSdpType::Pranswer,
        SdpType::Rollback => RtcSdpType::Rollback,
    }
}

fn from_rtc(t: RtcSdpType) -> Option<SdpType> {
    match t {
        RtcSdpType::Offer => Some(SdpType::Offer),
        RtcSdpType::Answer => Some(SdpType::Answer),
        RtcSdpType::Pranswer => Some(SdpType::Pranswer),
        RtcSdpType::Rollback => Some(SdpType::Rollback),
        _ => None,
    }
}

fn log(what: &str, e: &JsValue) {
    web_sys::console::warn_2(&format!("consult: {what}:").into(), e);
}
