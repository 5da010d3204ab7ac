//! The browser end of the `/signal` WebSocket: typed messages in and out, and reconnection.
//!
//! When the connection drops (network change, server restart) the socket dials again with
//! exponential backoff (0.5 s doubling to 5 s, plus jitter so a restarted server is not hit by
//! every page at once). Each time it opens, `on_open` runs first, so the page can say who it is
//! (knock, resume, watch the lobby) before anything queued while offline goes out.

use crate::model::signal::{ClientMsg, ServerMsg};
use crate::widget::dom::{self, JsHandler};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, WebSocket};

/// Messages kept while offline; older ones beyond this are dropped (a page that has been
/// offline that long renegotiates anyway).
const MAX_PENDING: usize = 200;
/// First retry delay; it doubles up to [`MAX_DELAY_MS`].
const FIRST_DELAY_MS: u32 = 500;
/// Longest retry delay.
const MAX_DELAY_MS: u32 = 5000;

type Handler<T> = Box<dyn Fn(T)>;

/// A signaling connection that stays up. Dropping it closes the socket for good.
pub struct Socket {
    ws: RefCell<Option<WebSocket>>,
    pending: RefCell<Vec<String>>,
    handlers: RefCell<Vec<JsHandler>>,
    on_message: Handler<ServerMsg>,
    on_open: Handler<bool>,
    on_down: Handler<()>,
    attempts: Cell<u32>,
    opened_before: Cell<bool>,
}

impl Socket {
    /// Connect to this origin's `/signal`. `on_open(reconnected)` runs each time the
    /// connection opens; `on_message` gets every server message; `on_down` runs when the
    /// connection drops (a new attempt is already scheduled).
    pub fn open(
        on_message: impl Fn(ServerMsg) + 'static,
        on_open: impl Fn(bool) + 'static,
        on_down: impl Fn() + 'static,
    ) -> Result<Rc<Socket>, JsValue> {
        let socket = Rc::new(Socket {
            ws: RefCell::default(),
            pending: RefCell::default(),
            handlers: RefCell::default(),
            on_message: Box::new(on_message),
            on_open: Box::new(on_open),
            on_down: Box::new(move |()| on_down()),
            attempts: Cell::new(0),
            opened_before: Cell::new(false),
        });
        socket.dial()?;
        Ok(socket)
    }

    fn dial(self: &Rc<Self>) -> Result<(), JsValue> {
        let location = web_sys::window().ok_or("no window")?.location();
        let scheme = if location.protocol()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        let ws = WebSocket::new(&format!("{scheme}://{}/signal", location.host()?))?;

        let weak = Rc::downgrade(self);
        let on_open = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            if let Some(s) = weak.upgrade() {
                s.attempts.set(0);
                (s.on_open)(s.opened_before.replace(true));
                for text in s.pending.take() {
                    s.send_text(text);
                }
            }
        });
        let weak = Rc::downgrade(self);
        let on_msg = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
            let Some(s) = weak.upgrade() else { return };
            let Some(text) = ev.unchecked_into::<MessageEvent>().data().as_string() else {
                return;
            };
            match serde_json::from_str::<ServerMsg>(&text) {
                Ok(msg) => (s.on_message)(msg),
                Err(e) => web_sys::console::warn_1(
                    &format!("consult: unreadable signaling message: {e}").into(),
                ),
            }
        });
        let weak = Rc::downgrade(self);
        let on_close = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            if let Some(s) = weak.upgrade() {
                (s.on_down)(());
                s.retry_later();
            }
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_msg.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        self.detach();
        *self.ws.borrow_mut() = Some(ws);
        *self.handlers.borrow_mut() = vec![on_open, on_msg, on_close];
        Ok(())
    }

    fn retry_later(self: &Rc<Self>) {
        let n = self.attempts.get();
        self.attempts.set(n.saturating_add(1));
        let delay = FIRST_DELAY_MS
            .saturating_mul(1 << n.min(5))
            .min(MAX_DELAY_MS);
        let jitter = (js_sys::Math::random() * 250.0) as u32;
        let weak: Weak<Socket> = Rc::downgrade(self);
        wasm_bindgen_futures::spawn_local(async move {
            dom::sleep((delay + jitter) as i32).await;
            if let Some(s) = weak.upgrade() {
                if s.dial().is_err() {
                    s.retry_later();
                }
            }
        });
    }

    /// Send a message (queued while the connection is down).
    pub fn send(&self, msg: &ClientMsg) {
        if let Ok(text) = serde_json::to_string(msg) {
            self.send_text(text);
        }
    }

    fn send_text(&self, text: String) {
        let open = self
            .ws
            .borrow()
            .as_ref()
            .filter(|ws| ws.ready_state() == WebSocket::OPEN)
            .map(|ws| ws.send_with_str(&text).is_ok())
            .unwrap_or(false);
        if !open {
            let mut pending = self.pending.borrow_mut();
            if pending.len() >= MAX_PENDING {
                pending.remove(0);
            }
            pending.push(text);
        }
    }

    /// Is the connection open right now?
    pub fn is_open(&self) -> bool {
        self.ws
            .borrow()
            .as_ref()
            .is_some_and(|ws| ws.ready_state() == WebSocket::OPEN)
    }

    /// Detach the handlers of the current WebSocket and close it.
    fn detach(&self) {
        if let Some(ws) = self.ws.borrow_mut().take() {
            ws.set_onopen(None);
            ws.set_onmessage(None);
            ws.set_onclose(None);
            let _ = ws.close();
        }
        self.handlers.borrow_mut().clear();
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.detach();
    }
}
