//! The browser end of the `/signal` WebSocket: typed messages in and out.

use crate::model::signal::{ClientMsg, ServerMsg};
use crate::widget::dom::JsHandler;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, WebSocket};

/// An open (or opening) signaling connection. Messages sent before it opens are queued.
/// Dropping it closes the socket and detaches every handler.
pub struct Socket {
    ws: WebSocket,
    pending: RefCell<Vec<String>>,
    handlers: RefCell<Vec<JsHandler>>,
}

impl Socket {
    /// Connect to this origin's `/signal`. `on_message` gets every server message;
    /// `on_closed` runs once when the connection ends.
    pub fn open(
        on_message: impl Fn(ServerMsg) + 'static,
        on_closed: impl Fn() + 'static,
    ) -> Result<Rc<Socket>, JsValue> {
        let location = web_sys::window().ok_or("no window")?.location();
        let scheme = if location.protocol()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        let ws = WebSocket::new(&format!("{scheme}://{}/signal", location.host()?))?;
        let socket = Rc::new(Socket {
            ws,
            pending: RefCell::default(),
            handlers: RefCell::default(),
        });

        let weak = Rc::downgrade(&socket);
        let on_open = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            if let Some(s) = weak.upgrade() {
                for text in s.pending.take() {
                    let _ = s.ws.send_with_str(&text);
                }
            }
        });
        let on_msg = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
            let Some(text) = ev.unchecked_into::<MessageEvent>().data().as_string() else {
                return;
            };
            match serde_json::from_str::<ServerMsg>(&text) {
                Ok(msg) => on_message(msg),
                Err(e) => web_sys::console::warn_1(
                    &format!("consult: unreadable signaling message: {e}").into(),
                ),
            }
        });
        let on_close = Closure::<dyn FnMut(JsValue)>::new(move |_| on_closed());
        socket.ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket
            .ws
            .set_onmessage(Some(on_msg.as_ref().unchecked_ref()));
        socket
            .ws
            .set_onclose(Some(on_close.as_ref().unchecked_ref()));
        socket
            .handlers
            .borrow_mut()
            .extend([on_open, on_msg, on_close]);
        Ok(socket)
    }

    /// Send a message (queued until the socket is open).
    pub fn send(&self, msg: &ClientMsg) {
        let Ok(text) = serde_json::to_string(msg) else {
            return;
        };
        if self.ws.ready_state() == WebSocket::OPEN {
            let _ = self.ws.send_with_str(&text);
        } else if self.ws.ready_state() == WebSocket::CONNECTING {
            self.pending.borrow_mut().push(text);
        }
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}
