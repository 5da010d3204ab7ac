//! The call: one [`peer::PeerLink`] per other admitted peer (a mesh: with three people each
//! keeps two links), driven by signaling messages, and the reactive state the view shows:
//! tiles with each peer's media state, connection quality and whether they speak; the chat;
//! our own microphone, camera and screen share.

pub mod devices;
pub mod peer;
pub mod recorder;
pub mod socket;
pub mod stats;
pub mod view;

use crate::model::embed::{EmbedMessage, EMBED_PROTOCOL_VERSION};
use crate::model::meeting::Role;
use crate::model::signal::{
    ClientMsg, IceServer, MediaState, PeerInfo, RecordingNotice, RecordingOffer, RecordingStatus,
    ServerMsg,
};
use crate::model::PeerId;
use crate::widget::quality::{self, Quality};
use crate::widget::{dom, media};
use leptos::prelude::*;
use peer::{PeerEvent, PeerLink};
use socket::Socket;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{MediaStream, MediaStreamTrack};

/// How often the tiles' quality and the active speaker are refreshed.
const STATS_EVERY_MS: i32 = 1000;
/// How long after our resume a peer the server did not list may still come back (it may
/// be reconnecting too, e.g. after a server restart) before its link is dropped.
const STALE_AFTER_MS: i32 = 25_000;

/// A chat message as the view shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatLine {
    /// Who wrote it.
    pub name: String,
    /// Did I?
    pub mine: bool,
    /// The text.
    pub text: String,
    /// When the server relayed it (ms since the epoch).
    pub at_ms: i64,
}

/// A remote participant as the view shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tile {
    /// Their connection id.
    pub id: PeerId,
    /// Their name.
    pub name: String,
    /// Host or guest.
    pub role: Role,
    /// `new`, `connecting`, `connected`, `disconnected`, `failed`.
    pub state: String,
    /// What they send (microphone, camera, screen).
    pub media: MediaState,
    /// How well their connection carries the call.
    pub quality: Quality,
    /// Are they the one speaking now?
    pub speaking: bool,
}

/// Drives the peer connections of one page.
pub struct CallCtl {
    socket: RefCell<Option<Rc<Socket>>>,
    me: RefCell<Option<PeerId>>,
    meeting: RefCell<Option<crate::model::MeetingId>>,
    ice: RefCell<Vec<IceServer>>,
    relay_only: Cell<bool>,
    /// The words of the page.
    texts: Cell<&'static crate::model::i18n::Texts>,
    local: RefCell<Option<MediaStream>>,
    /// The shared screen, while we share one.
    screen: RefCell<Option<MediaStream>>,
    /// Runs when the browser's own "stop sharing" ends the screen track.
    on_screen_ended: RefCell<Option<dom::JsHandler>>,
    links: RefCell<HashMap<PeerId, PeerLink>>,
    /// The token to resume the call with after the connection dropped.
    resume: RefCell<Option<String>>,
    /// After a resume: peers we still have a link to but the server did not list; dropped
    /// unless they come back (resume too) within [`STALE_AFTER_MS`].
    stale: RefCell<std::collections::HashSet<PeerId>>,
    /// Packet counters of the previous stats sample, per peer.
    packets: RefCell<HashMap<PeerId, (f64, f64)>>,
    /// Are we in the call?
    pub in_call: RwSignal<bool>,
    /// Our role in the call (host or guest), once in.
    pub role: RwSignal<Option<Role>>,
    /// What we send.
    pub media: RwSignal<MediaState>,
    /// People waiting to be let in (host only).
    pub waiting: RwSignal<Vec<PeerInfo>>,
    /// This call's chat, oldest first.
    pub chat: RwSignal<Vec<ChatLine>>,
    /// The host ended the call for everyone.
    pub ended: RwSignal<bool>,
    /// The other people in the call.
    pub tiles: RwSignal<Vec<Tile>>,
    /// Their media.
    pub streams: RwSignal<HashMap<PeerId, MediaStream>, LocalStorage>,
    /// Our own camera, for the preview.
    pub local_stream: RwSignal<Option<MediaStream>, LocalStorage>,
    /// Last thing worth announcing ("Ada left the call").
    pub notice: RwSignal<Option<String>>,
    /// Rooms of the rooms API: locked (newcomers knock) or not; meetings: none.
    pub locked: RwSignal<Option<bool>>,
    /// The chat is shown (the host page's `toggleChat()` hides and shows it).
    pub chat_open: RwSignal<bool>,
    /// An appointment's call: its switches (none: everything on).
    pub features: RwSignal<Option<crate::model::appointment::CallFeatures>>,
    /// The host took someone aside: the others wait meanwhile.
    pub aside: RwSignal<bool>,
    /// Who joined after us (name, external id), to tell the host page when they leave.
    joined_info: RefCell<HashMap<PeerId, (String, Option<String>)>>,
    /// The last network report: when (ms) and the counters then.
    reported: RefCell<Option<(i64, stats::Sample)>>,
    /// Hosts of a room that may be recorded: how.
    pub record: RwSignal<Option<RecordingOffer>>,
    /// The recording announced or running (none: not recorded).
    pub recording: RwSignal<Option<RecordingNotice>>,
    /// The recording this page makes, while it runs.
    recorder: RefCell<Option<Rc<recorder::Recorder>>>,
    /// The last notice this page answered (each is answered once).
    seen: RefCell<Option<(String, RecordingStatus)>>,
}

/// How often a room's page reports its network for the insights.
const REPORT_EVERY_MS: i64 = 2000;

/// Tell the embedding page (no-op when not framed).
fn tell(msg: EmbedMessage) {
    crate::widget::host::bridge().post(&msg);
}

impl CallCtl {
    /// A controller with no call yet (create inside a component: it owns signals).
    pub fn new() -> Rc<CallCtl> {
        let ctl = Rc::new(CallCtl {
            socket: RefCell::default(),
            me: RefCell::default(),
            meeting: RefCell::default(),
            ice: RefCell::default(),
            relay_only: Cell::new(false),
            texts: Cell::new(crate::model::i18n::Lang::En.texts()),
            local: RefCell::default(),
            screen: RefCell::default(),
            on_screen_ended: RefCell::default(),
            links: RefCell::default(),
            resume: RefCell::default(),
            stale: RefCell::default(),
            packets: RefCell::default(),
            in_call: RwSignal::new(false),
            role: RwSignal::new(None),
            media: RwSignal::new(MediaState::default()),
            waiting: RwSignal::new(Vec::new()),
            chat: RwSignal::new(Vec::new()),
            ended: RwSignal::new(false),
            tiles: RwSignal::new(Vec::new()),
            streams: RwSignal::new_local(HashMap::new()),
            local_stream: RwSignal::new_local(None),
            notice: RwSignal::new(None),
            locked: RwSignal::new(None),
            chat_open: RwSignal::new(true),
            features: RwSignal::new(None),
            aside: RwSignal::new(false),
            joined_info: RefCell::default(),
            reported: RefCell::default(),
            record: RwSignal::new(None),
            recording: RwSignal::new(None),
            recorder: RefCell::default(),
            seen: RefCell::default(),
        });
        wasm_bindgen_futures::spawn_local(watch_stats(Rc::downgrade(&ctl)));
        ctl
    }

    /// Speak this page's language in notices and controls.
    pub fn set_texts(&self, t: &'static crate::model::i18n::Texts) {
        self.texts.set(t);
    }

    /// The page's words.
    pub fn texts(&self) -> &'static crate::model::i18n::Texts {
        self.texts.get()
    }

    /// Use this socket for signaling.
    pub fn attach(&self, socket: Rc<Socket>) {
        *self.socket.borrow_mut() = Some(socket);
    }

    /// Send a message on the attached socket.
    pub fn send(&self, msg: &ClientMsg) {
        if let Some(s) = self.socket.borrow().as_ref() {
            s.send(msg);
        }
    }

    /// Our camera and microphone (or none), sent to every peer connected from now on.
    pub fn set_local(&self, stream: Option<MediaStream>) {
        let (audio, video) = stream
            .as_ref()
            .map(|s| (media::has(s, "audio"), media::has(s, "video")))
            .unwrap_or_default();
        self.media.set(MediaState {
            audio,
            video,
            screen: false,
        });
        self.local_stream.set(stream.clone());
        *self.local.borrow_mut() = stream;
    }

    /// Switch our microphone on or off; everyone in the call sees it.
    pub fn set_audio(&self, on: bool) {
        if let Some(s) = self.local.borrow().as_ref() {
            media::set_enabled(s, "audio", on);
        }
        self.media.update(|m| m.audio = on);
        self.announce_media();
        tell(EmbedMessage::MicrophoneToggle {
            version: EMBED_PROTOCOL_VERSION,
            enabled: on,
        });
    }

    /// Switch our camera on or off; everyone in the call sees it.
    pub fn set_video(&self, on: bool) {
        if let Some(s) = self.local.borrow().as_ref() {
            media::set_enabled(s, "video", on);
        }
        self.media.update(|m| m.video = on);
        self.announce_media();
        tell(EmbedMessage::CameraToggle {
            version: EMBED_PROTOCOL_VERSION,
            enabled: on,
        });
    }

    fn announce_media(&self) {
        if self.in_call.get_untracked() {
            // A viewer sends nothing, and says so (the server allows it nothing else).
            let media = if self.role.get_untracked() == Some(Role::Viewer) {
                MediaState {
                    audio: false,
                    video: false,
                    screen: false,
                }
            } else {
                self.media.get_untracked()
            };
            self.send(&ClientMsg::Media(media));
        }
    }

    /// Share a screen (the browser asks which) in place of our camera, to every peer.
    pub async fn share_screen(self: &Rc<Self>) -> Result<(), JsValue> {
        let devices = web_sys::window()
            .ok_or("no window")?
            .navigator()
            .media_devices()?;
        let constraints = web_sys::DisplayMediaStreamConstraints::new();
        constraints.set_video(&JsValue::TRUE);
        let stream: MediaStream =
            JsFuture::from(devices.get_display_media_with_constraints(&constraints)?)
                .await?
                .dyn_into()?;
        let Some(track) = video_track(&stream) else {
            return Err("no screen track".into());
        };
        let weak = Rc::downgrade(self);
        let ended = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            if let Some(ctl) = weak.upgrade() {
                wasm_bindgen_futures::spawn_local(async move { ctl.stop_screen().await });
            }
        });
        track.set_onended(Some(ended.as_ref().unchecked_ref()));
        *self.on_screen_ended.borrow_mut() = Some(ended);
        *self.screen.borrow_mut() = Some(stream);
        self.replace_video_everywhere(&track).await;
        self.media.update(|m| m.screen = true);
        self.announce_media();
        tell(EmbedMessage::ScreenshareToggle {
            version: EMBED_PROTOCOL_VERSION,
            enabled: true,
        });
        Ok(())
    }

    /// Stop sharing: every peer gets our camera back.
    pub async fn stop_screen(&self) {
        let Some(screen) = self.screen.borrow_mut().take() else {
            return;
        };
        if let Some(t) = video_track(&screen) {
            t.set_onended(None);
        }
        media::stop(&screen);
        self.on_screen_ended.borrow_mut().take();
        let camera = self.local.borrow().as_ref().and_then(video_track);
        if let Some(camera) = camera {
            self.replace_video_everywhere(&camera).await;
        }
        self.media.update(|m| m.screen = false);
        self.announce_media();
        tell(EmbedMessage::ScreenshareToggle {
            version: EMBED_PROTOCOL_VERSION,
            enabled: false,
        });
    }

    async fn replace_video_everywhere(&self, track: &MediaStreamTrack) {
        let pcs = self.connections();
        for pc in pcs {
            if let Err(e) = peer::replace_video(&pc, track).await {
                web_sys::console::warn_2(&"consult: could not switch the video".into(), &e);
            }
        }
    }

    /// What a newly connected peer gets: our microphone, and our screen while we share one
    /// (else our camera).
    fn outgoing(&self) -> Option<MediaStream> {
        let local = self.local.borrow().clone();
        let screen = self.screen.borrow().as_ref().and_then(video_track);
        match (local, screen) {
            (local, Some(screen)) => {
                let out = MediaStream::new().ok()?;
                if let Some(l) = &local {
                    for t in l.get_audio_tracks().iter() {
                        out.add_track(&t.unchecked_into());
                    }
                }
                out.add_track(&screen);
                Some(out)
            }
            (local, None) => local,
        }
    }

    /// Send a chat message to everyone in the call.
    pub fn send_chat(&self, text: &str) {
        let text = text.trim();
        if !text.is_empty() {
            self.send(&ClientMsg::Chat { text: text.into() });
        }
    }

    /// Do we already have local media?
    pub fn has_local(&self) -> bool {
        self.local.borrow().is_some()
    }

    /// Handle a server message if it concerns the call; returns whether it did.
    pub fn handle(self: &Rc<Self>, msg: &ServerMsg) -> bool {
        match msg {
            ServerMsg::Joined {
                me,
                peers,
                resume,
                resumed: true,
                record,
                recording,
                ..
            } if self.in_call.get_untracked() && self.me.borrow().as_ref() == Some(me) => {
                self.record.set(*record);
                self.on_recording(recording.as_ref());
                // Back after a dropped connection: the media never stopped; keep every link.
                *self.resume.borrow_mut() = resume.clone();
                let listed: Vec<PeerId> = peers.iter().map(|p| p.id.clone()).collect();
                *self.stale.borrow_mut() = self
                    .links
                    .borrow()
                    .keys()
                    .filter(|id| !listed.contains(id))
                    .cloned()
                    .collect();
                for p in peers {
                    self.connect(p, true);
                }
                self.announce_media();
                self.notice.set(None);
                let weak = Rc::downgrade(self);
                wasm_bindgen_futures::spawn_local(async move {
                    dom::sleep(STALE_AFTER_MS).await;
                    if let Some(ctl) = weak.upgrade() {
                        let stale: Vec<PeerId> = ctl.stale.take().into_iter().collect();
                        for peer in stale {
                            ctl.remove(&peer);
                        }
                    }
                });
            }
            ServerMsg::Joined {
                me,
                role,
                meeting,
                peers,
                ice_servers,
                relay_only,
                resume,
                record,
                recording,
                ..
            } => {
                self.drop_links();
                self.record.set(*record);
                self.on_recording(recording.as_ref());
                *self.resume.borrow_mut() = resume.clone();
                *self.me.borrow_mut() = Some(me.clone());
                *self.meeting.borrow_mut() = Some(meeting.id.clone());
                *self.ice.borrow_mut() = ice_servers.clone();
                self.relay_only.set(*relay_only);
                self.role.set(Some(*role));
                self.chat.set(Vec::new());
                self.ended.set(false);
                self.in_call.set(true);
                // Everyone learns at once what we send (muted before joining stays muted).
                self.announce_media();
                // We are the newcomer: we offer to everyone already in the call.
                let mut joined = self.joined_info.borrow_mut();
                joined.clear();
                for p in peers {
                    joined.insert(p.id.clone(), (p.name.clone(), p.external_id.clone()));
                }
                drop(joined);
                for p in peers {
                    self.connect(p, true);
                }
            }
            ServerMsg::PeerMedia { peer, media } => self.tiles.update(|tiles| {
                if let Some(t) = tiles.iter_mut().find(|t| &t.id == peer) {
                    t.media = *media;
                }
            }),
            ServerMsg::Chat {
                from,
                name,
                text,
                at,
            } => {
                let mine = self.me.borrow().as_ref() == Some(from);
                self.chat.update(|c| {
                    c.push(ChatLine {
                        name: name.clone(),
                        mine,
                        text: text.clone(),
                        at_ms: at.timestamp_millis(),
                    })
                });
            }
            ServerMsg::RoomLobby { waiting } => {
                // Each newcomer is a knock for the host page.
                let known = self
                    .waiting
                    .with_untracked(|w| w.iter().map(|p| p.id.clone()).collect::<Vec<_>>());
                if let Some(meeting) = self.meeting.borrow().clone() {
                    for p in waiting.iter().filter(|p| !known.contains(&p.id)) {
                        tell(EmbedMessage::Knock {
                            version: EMBED_PROTOCOL_VERSION,
                            meeting: meeting.clone(),
                            name: p.name.clone(),
                        });
                    }
                }
                self.waiting.set(waiting.clone());
            }
            ServerMsg::Ended => {
                self.reset();
                self.ended.set(true);
                self.notice.set(Some(self.texts().call_host_ended().into()));
            }
            // They are the newcomer: they offer, we answer. (One we still have a link to is
            // back after a reconnection: the link stands.)
            ServerMsg::PeerJoined { peer } => {
                self.stale.borrow_mut().remove(&peer.id);
                let new = !self.links.borrow().contains_key(&peer.id);
                self.connect(peer, false);
                if let (true, Some(meeting)) = (new, self.meeting.borrow().clone()) {
                    self.joined_info.borrow_mut().insert(
                        peer.id.clone(),
                        (peer.name.clone(), peer.external_id.clone()),
                    );
                    tell(EmbedMessage::ParticipantJoin {
                        version: EMBED_PROTOCOL_VERSION,
                        meeting,
                        name: peer.name.clone(),
                        role: peer.role,
                        external_id: peer.external_id.clone(),
                    });
                }
            }
            ServerMsg::PeerLeft { peer } => {
                if let (Some((name, external_id)), Some(meeting)) = (
                    self.joined_info.borrow_mut().remove(peer),
                    self.meeting.borrow().clone(),
                ) {
                    tell(EmbedMessage::ParticipantLeave {
                        version: EMBED_PROTOCOL_VERSION,
                        meeting,
                        name,
                        external_id,
                    });
                }
                let name = self
                    .tiles
                    .with_untracked(|t| t.iter().find(|t| &t.id == peer).map(|t| t.name.clone()));
                self.remove(peer);
                if let Some(name) = name {
                    self.notice.set(Some(crate::model::i18n::fill(
                        self.texts().call_peer_left(),
                        &[("name", &name)],
                    )));
                }
            }
            ServerMsg::Signal { from, signal } => {
                if let Some(link) = self.links.borrow().get(from) {
                    link.deliver(signal.clone());
                }
            }
            ServerMsg::RoomLocked { locked } => {
                // Told on entering too: only a change is worth announcing.
                let before = self.locked.get_untracked();
                self.locked.set(Some(*locked));
                if before.is_some() && before != Some(*locked) {
                    let t = self.texts();
                    self.notice.set(Some(
                        (if *locked {
                            t.call_locked()
                        } else {
                            t.call_unlocked()
                        })
                        .into(),
                    ));
                }
            }
            ServerMsg::Aside { active } => {
                self.aside.set(*active);
                let t = self.texts();
                self.notice.set(Some(
                    (if *active {
                        t.call_aside_on()
                    } else {
                        t.call_aside_off()
                    })
                    .into(),
                ));
            }
            ServerMsg::Recording(notice) => self.on_recording(Some(notice)),
            ServerMsg::MuteAsked => {
                self.set_audio(false);
                self.notice.set(Some(self.texts().call_mute_asked().into()));
            }
            _ => return false,
        }
        true
    }

    fn connect(self: &Rc<Self>, peer: &PeerInfo, offer_first: bool) {
        let Some(me) = self.me.borrow().clone() else {
            return;
        };
        if peer.id == me || self.links.borrow().contains_key(&peer.id) {
            return;
        }
        // Two viewers have nothing to send each other.
        if peer.role == Role::Viewer && self.role.get_untracked() == Some(Role::Viewer) {
            return;
        }
        let weak = Rc::downgrade(self);
        let id = peer.id.clone();
        let report: Rc<dyn Fn(PeerEvent)> = Rc::new(move |event| {
            let Some(ctl) = weak.upgrade() else { return };
            match event {
                PeerEvent::Outgoing(signal) => ctl.send(&ClientMsg::Signal {
                    to: id.clone(),
                    signal,
                }),
                PeerEvent::RemoteStream(stream) => ctl.streams.update(|s| {
                    s.insert(id.clone(), stream);
                }),
                PeerEvent::State(state) => {
                    // An appointment's bandwidth: cap what we send once the link stands.
                    let cap = ctl
                        .features
                        .with_untracked(|f| f.as_ref().and_then(|f| f.bandwidth));
                    if let (Some(cap), "connected") = (cap, state.as_str()) {
                        let pc = ctl.links.borrow().get(&id).map(|l| l.connection().clone());
                        if let Some(pc) = pc {
                            wasm_bindgen_futures::spawn_local(async move {
                                if let Err(e) = peer::cap_video(&pc, cap.max_video_bitrate()).await
                                {
                                    web_sys::console::warn_2(
                                        &"consult: could not cap the video bitrate".into(),
                                        &e,
                                    );
                                }
                            });
                        }
                    }
                    ctl.tiles.update(|tiles| {
                        if let Some(t) = tiles.iter_mut().find(|t| t.id == id) {
                            t.state = state;
                        }
                    })
                }
            }
        });
        // Both ends compare the same two ids, so exactly one of them is polite.
        let polite = me < peer.id;
        let local = self.outgoing();
        match PeerLink::new(
            polite,
            offer_first,
            &self.ice.borrow(),
            self.relay_only.get(),
            local.as_ref(),
            report,
        ) {
            Ok(link) => {
                self.links.borrow_mut().insert(peer.id.clone(), link);
                // A viewer sends nothing: no tile to show for them.
                if peer.role == Role::Viewer {
                    return;
                }
                self.tiles.update(|t| {
                    t.push(Tile {
                        id: peer.id.clone(),
                        name: peer.name.clone(),
                        role: peer.role,
                        state: "new".into(),
                        media: peer.media,
                        quality: Quality::Unknown,
                        speaking: false,
                    })
                });
            }
            Err(e) => {
                web_sys::console::warn_2(&"consult: could not open a peer connection".into(), &e)
            }
        }
    }

    fn remove(&self, peer: &PeerId) {
        self.links.borrow_mut().remove(peer);
        self.tiles.update(|t| t.retain(|t| &t.id != peer));
        self.streams.update(|s| {
            s.remove(peer);
        });
    }

    /// The token to resume the call with, while in one.
    pub fn resume_token(&self) -> Option<String> {
        self.resume.borrow().clone()
    }

    fn drop_links(&self) {
        self.links.borrow_mut().clear();
        self.resume.borrow_mut().take();
        self.stale.borrow_mut().clear();
        self.packets.borrow_mut().clear();
        self.tiles.set(Vec::new());
        self.streams.set(HashMap::new());
        self.waiting.set(Vec::new());
    }

    /// Host: let a waiting person in.
    pub fn admit(&self, peer: PeerId) {
        self.send(&ClientMsg::Admit { peer });
    }

    /// Host: let everyone waiting in (as far as there is room).
    pub fn admit_all(&self) {
        self.send(&ClientMsg::AdmitAll);
    }

    /// Host: send a waiting person away (they read that the host could not let them in).
    pub fn deny(&self, peer: PeerId) {
        let meeting = self.meeting.borrow().clone();
        if let Some(meeting) = meeting {
            self.send(&ClientMsg::Deny {
                meeting,
                peer,
                message: None,
            });
        }
    }

    /// Host of a room: lock or unlock it.
    pub fn set_locked(&self, locked: bool) {
        self.send(&ClientMsg::Lock { locked });
    }

    /// Host: ask someone waiting to keep waiting, with the standard message.
    pub fn hold(&self, peer: PeerId) {
        self.send(&ClientMsg::Hold {
            peer,
            message: Some(self.texts().lobby_hold_message().into()),
        });
    }

    /// Host: put someone in the call on hold (back to waiting; their page says so in their
    /// own language); admitting them brings them back.
    pub fn put_on_hold(&self, peer: PeerId) {
        self.send(&ClientMsg::PutOnHold {
            peer,
            message: None,
        });
    }

    /// Host: take someone aside (breakout), or with none bring everyone back.
    pub fn take_aside(&self, peer: Option<PeerId>) {
        self.send(&ClientMsg::TakeAside { peer });
    }

    /// May we use this kind (`audio`, `camera`, `screen`) in this call?
    pub fn allowed(&self, kind: &str) -> bool {
        let role = self.role.get().unwrap_or(Role::Guest);
        self.features.with(|f| match f {
            // Not an appointment: every ordinary control, and none of an appointment's own.
            None => !matches!(kind, "breakout" | "people"),
            Some(f) => match kind {
                "audio" => f.audio(role),
                "camera" => f.camera(role),
                "screen" => f.screen_share && role != Role::Viewer,
                "chat" => f.chat,
                "people" => f.participant_list,
                "breakout" => f.breakout,
                _ => true,
            },
        })
    }

    /// Host: take someone out of the call.
    pub fn remove_peer(&self, peer: PeerId) {
        self.send(&ClientMsg::Remove { peer });
    }

    /// Host: ask someone in the call to mute.
    pub fn ask_mute(&self, peer: PeerId) {
        self.send(&ClientMsg::AskMute { peer });
    }

    /// Host: end the call for everyone.
    pub fn end_for_all(&self) {
        self.send(&ClientMsg::EndForAll);
    }

    /// Host: start recording (everyone is told first) or stop it.
    pub fn set_recording(&self, on: bool) {
        self.send(&if on {
            ClientMsg::RecordStart
        } else {
            ClientMsg::RecordStop
        });
    }

    /// Where a recording stands now (none: not recorded): show it, answer that it was
    /// shown, tell the host page, and record here if this page is the one that records.
    fn on_recording(self: &Rc<Self>, notice: Option<&RecordingNotice>) {
        let before = self.recording.get_untracked().map(|n| (n.id, n.status));
        let now = notice
            .filter(|n| n.status != RecordingStatus::Stopped)
            .cloned();
        let status = now.as_ref().map(|n| n.status);
        if before.as_ref().map(|b| b.1) != status {
            tell(EmbedMessage::RecordingStatusChange {
                version: EMBED_PROTOCOL_VERSION,
                status: match status {
                    Some(RecordingStatus::Telling) => "starting",
                    Some(RecordingStatus::Started) => "started",
                    _ => "stopped",
                }
                .into(),
            });
            if status.is_none() {
                self.notice.set(Some(self.texts().rec_off().into()));
            }
        }
        self.recording.set(now.clone());
        let Some(n) = now else {
            self.stop_recorder();
            return;
        };
        // Answered once the notice is on the screen (after this turn's rendering).
        let key = (n.id.clone(), n.status);
        if self.seen.borrow().as_ref() != Some(&key) {
            *self.seen.borrow_mut() = Some(key);
            let weak = Rc::downgrade(self);
            let id = n.id.clone();
            wasm_bindgen_futures::spawn_local(async move {
                dom::sleep(0).await;
                if let Some(ctl) = weak.upgrade() {
                    ctl.send(&ClientMsg::RecordingSeen { id });
                }
            });
        }
        let running = self.recorder.borrow().as_ref().map(|r| r.id().to_string());
        if running.as_deref().is_some_and(|id| id != n.id) {
            self.stop_recorder();
        }
        if n.status == RecordingStatus::Started && n.yours && self.recorder.borrow().is_none() {
            let weak = Rc::downgrade(self);
            let done = Box::new(move |outcome: recorder::Outcome| {
                let Some(ctl) = weak.upgrade() else { return };
                let t = ctl.texts();
                match outcome {
                    recorder::Outcome::Kept => {}
                    recorder::Outcome::Saved => ctl.notice.set(Some(t.rec_saved().into())),
                    recorder::Outcome::Refused => {
                        ctl.notice.set(Some(t.rec_failed().into()));
                        ctl.set_recording(false);
                    }
                }
            });
            match recorder::Recorder::start(n.id.clone(), n.upload.clone(), done) {
                Ok(r) => *self.recorder.borrow_mut() = Some(r),
                Err(_) => {
                    self.notice.set(Some(self.texts().rec_failed().into()));
                    self.set_recording(false);
                }
            }
        }
    }

    /// Stop this page's recorder, if it runs (its last chunk still goes up).
    fn stop_recorder(&self) {
        if let Some(r) = self.recorder.borrow_mut().take() {
            r.stop();
        }
    }

    /// One round of statistics: each tile's quality, and who speaks loudest.
    async fn refresh_stats(&self) {
        let pcs: Vec<(PeerId, web_sys::RtcPeerConnection)> = self
            .links
            .borrow()
            .iter()
            .map(|(id, l)| (id.clone(), l.connection().clone()))
            .collect();
        if pcs.is_empty() {
            return;
        }
        let mut levels = Vec::new();
        let mut qualities = HashMap::new();
        let mut total = stats::Sample::default();
        for (id, pc) in pcs {
            let Ok(s) = stats::sample(&pc).await else {
                continue;
            };
            total.packets.0 += s.packets.0;
            total.packets.1 += s.packets.1;
            total.bytes.0 += s.bytes.0;
            total.bytes.1 += s.bytes.1;
            total.sent.0 += s.sent.0;
            total.sent.1 += s.sent.1;
            let before = self
                .packets
                .borrow_mut()
                .insert(id.clone(), s.packets)
                .unwrap_or((0.0, 0.0));
            let loss = quality::loss_since(before, s.packets);
            qualities.insert(id.clone(), quality::classify(s.rtt, loss));
            levels.push((id, s.audio_level));
        }
        self.report_network(total);
        let speaker = quality::active_speaker(&levels);
        self.tiles.update(|tiles| {
            for t in tiles.iter_mut() {
                if let Some(q) = qualities.get(&t.id) {
                    t.quality = *q;
                }
                t.speaking = speaker.as_ref() == Some(&t.id) && t.media.audio;
            }
        });
    }

    /// Rooms of the rooms API: every [`REPORT_EVERY_MS`], our network since the last report
    /// (over every link), for the room's insights. Counters that went down (a link closed)
    /// start the interval afresh.
    fn report_network(&self, now: stats::Sample) {
        if self.locked.get_untracked().is_none() || !self.in_call.get_untracked() {
            return;
        }
        let at = dom::now_ms();
        let mut last = self.reported.borrow_mut();
        let Some((then, before)) = *last else {
            *last = Some((at, now));
            return;
        };
        if at - then < REPORT_EVERY_MS {
            return;
        }
        *last = Some((at, now));
        let d = |a: f64, b: f64| a - b;
        let (lost, got) = (
            d(now.packets.0, before.packets.0),
            d(now.packets.1, before.packets.1),
        );
        let (rlost, sent) = (d(now.sent.0, before.sent.0), d(now.sent.1, before.sent.1));
        let (down, up) = (
            d(now.bytes.0, before.bytes.0),
            d(now.bytes.1, before.bytes.1),
        );
        if [lost, got, rlost, sent, down, up].iter().any(|v| *v < 0.0) {
            return;
        }
        let secs = (at - then) as f64 / 1000.0;
        let per_mille = |lost: f64, total: f64| {
            if total <= 0.0 {
                0
            } else {
                ((lost / total) * 1000.0).round().clamp(0.0, 1000.0) as u16
            }
        };
        self.send(&ClientMsg::Stats {
            packet_loss_send: per_mille(rlost, sent),
            packet_loss_recv: per_mille(lost, lost + got),
            bitrate_send: (up * 8.0 / secs).round().clamp(0.0, u32::MAX as f64) as u32,
            bitrate_recv: (down * 8.0 / secs).round().clamp(0.0, u32::MAX as f64) as u32,
        });
    }

    /// Leave the call: tell the server, close every connection. Local media stays open
    /// (the preview), so rejoining needs no new permission prompt.
    pub fn leave(&self) {
        self.stop_recorder();
        self.send(&ClientMsg::Leave);
        self.drop_links();
        self.in_call.set(false);
    }

    /// Forget the call without telling the server (it already knows: replaced, closed).
    pub fn reset(&self) {
        self.stop_recorder();
        self.recording.set(None);
        self.drop_links();
        self.in_call.set(false);
    }

    /// The open peer connections (for the statistics shown to support).
    pub fn connections(&self) -> Vec<web_sys::RtcPeerConnection> {
        self.links
            .borrow()
            .values()
            .map(|l| l.connection().clone())
            .collect()
    }
}

/// Refresh statistics every [`STATS_EVERY_MS`] for as long as the controller lives.
async fn watch_stats(ctl: Weak<CallCtl>) {
    loop {
        dom::sleep(STATS_EVERY_MS).await;
        let Some(ctl) = ctl.upgrade() else { return };
        ctl.refresh_stats().await;
    }
}

fn video_track(stream: &MediaStream) -> Option<MediaStreamTrack> {
    stream
        .get_video_tracks()
        .iter()
        .next()
        .map(|t| t.unchecked_into())
}

impl Drop for CallCtl {
    fn drop(&mut self) {
        self.links.borrow_mut().clear();
        for stream in [self.local.borrow().as_ref(), self.screen.borrow().as_ref()]
            .into_iter()
            .flatten()
        {
            media::stop(stream);
        }
    }
}
