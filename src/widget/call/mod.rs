//! The call: one [`peer::PeerLink`] per other admitted peer, driven by signaling messages, and
//! the reactive state the view shows.

pub mod peer;
pub mod socket;
pub mod view;

use crate::model::meeting::Role;
use crate::model::signal::{ClientMsg, IceServer, PeerInfo, ServerMsg};
use crate::model::PeerId;
use leptos::prelude::*;
use peer::{PeerEvent, PeerLink};
use socket::Socket;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use web_sys::MediaStream;

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
}

/// Drives the peer connections of one page.
pub struct CallCtl {
    socket: RefCell<Option<Rc<Socket>>>,
    me: RefCell<Option<PeerId>>,
    ice: RefCell<Vec<IceServer>>,
    local: RefCell<Option<MediaStream>>,
    links: RefCell<HashMap<PeerId, PeerLink>>,
    /// Are we in the call?
    pub in_call: RwSignal<bool>,
    /// The other people in the call.
    pub tiles: RwSignal<Vec<Tile>>,
    /// Their media.
    pub streams: RwSignal<HashMap<PeerId, MediaStream>, LocalStorage>,
    /// Our own camera, for the preview.
    pub local_stream: RwSignal<Option<MediaStream>, LocalStorage>,
    /// Last thing worth announcing ("Ada left the call").
    pub notice: RwSignal<Option<String>>,
}

impl CallCtl {
    /// A controller with no call yet (create inside a component: it owns signals).
    pub fn new() -> Rc<CallCtl> {
        Rc::new(CallCtl {
            socket: RefCell::default(),
            me: RefCell::default(),
            ice: RefCell::default(),
            local: RefCell::default(),
            links: RefCell::default(),
            in_call: RwSignal::new(false),
            tiles: RwSignal::new(Vec::new()),
            streams: RwSignal::new_local(HashMap::new()),
            local_stream: RwSignal::new_local(None),
            notice: RwSignal::new(None),
        })
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
        self.local_stream.set(stream.clone());
        *self.local.borrow_mut() = stream;
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
                ice_servers,
                ..
            } => {
                self.drop_links();
                *self.me.borrow_mut() = Some(me.clone());
                *self.ice.borrow_mut() = ice_servers.clone();
                self.in_call.set(true);
                // We are the newcomer: we offer to everyone already in the call.
                for p in peers {
                    self.connect(p, true);
                }
            }
            // They are the newcomer: they offer, we answer.
            ServerMsg::PeerJoined { peer } => self.connect(peer, false),
            ServerMsg::PeerLeft { peer } => {
                let name = self
                    .tiles
                    .with_untracked(|t| t.iter().find(|t| &t.id == peer).map(|t| t.name.clone()));
                self.remove(peer);
                if let Some(name) = name {
                    self.notice.set(Some(format!("{name} left the call.")));
                }
            }
            ServerMsg::Signal { from, signal } => {
                if let Some(link) = self.links.borrow().get(from) {
                    link.deliver(signal.clone());
                }
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
                PeerEvent::State(state) => ctl.tiles.update(|tiles| {
                    if let Some(t) = tiles.iter_mut().find(|t| t.id == id) {
                        t.state = state;
                    }
                }),
            }
        });
        // Both ends compare the same two ids, so exactly one of them is polite.
        let polite = me < peer.id;
        let local = self.local.borrow().clone();
        match PeerLink::new(
            polite,
            offer_first,
            &self.ice.borrow(),
            local.as_ref(),
            report,
        ) {
            Ok(link) => {
                self.links.borrow_mut().insert(peer.id.clone(), link);
                self.tiles.update(|t| {
                    t.push(Tile {
                        id: peer.id.clone(),
                        name: peer.name.clone(),
                        role: peer.role,
                        state: "new".into(),
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

    fn drop_links(&self) {
        self.links.borrow_mut().clear();
        self.tiles.set(Vec::new());
        self.streams.set(HashMap::new());
    }

    /// Leave the call: tell the server, close every connection. Local media stays open
    /// (the preview), so rejoining needs no new permission prompt.
    pub fn leave(&self) {
        self.send(&ClientMsg::Leave);
        self.drop_links();
        self.in_call.set(false);
    }

    /// Forget the call without telling the server (it already knows: replaced, closed).
    pub fn reset(&self) {
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

impl Drop for CallCtl {
    fn drop(&mut self) {
        self.links.borrow_mut().clear();
        if let Some(stream) = self.local.borrow().as_ref() {
            crate::widget::media::stop(stream);
        }
    }
}
