//! Talking to the page that embeds us: our messages go only to the embedding page's origin
//! (never `*`), and our height is reported so the iframe fits its content.

use crate::model::embed::{EmbedMessage, EMBED_PROTOCOL_VERSION};
use crate::widget::dom::JsHandler;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{ResizeObserver, Window};

thread_local! {
    static BRIDGE: Rc<HostBridge> = Rc::new(HostBridge::detect());
}

/// The page's one bridge to its embedding page.
pub fn bridge() -> Rc<HostBridge> {
    BRIDGE.with(Rc::clone)
}

/// The embedding page, if we are framed.
pub struct HostBridge {
    parent: Option<(Window, String)>,
    observer: RefCell<Option<(ResizeObserver, JsHandler)>>,
}

impl HostBridge {
    /// Find the embedding page. Its origin comes from `location.ancestorOrigins` (set by the
    /// browser, cannot be forged by the framing page) or else the referrer.
    pub fn detect() -> HostBridge {
        let parent = (|| {
            let window = web_sys::window()?;
            let parent = window.parent().ok()??;
            if JsValue::from(&parent) == JsValue::from(&window) {
                return None;
            }
            let origin = ancestor_origin(&window).or_else(|| referrer_origin(&window))?;
            Some((parent, origin))
        })();
        HostBridge {
            parent,
            observer: RefCell::new(None),
        }
    }

    /// The embedding page's origin, or our own when not framed.
    pub fn origin(&self) -> String {
        match &self.parent {
            Some((_, origin)) => origin.clone(),
            None => web_sys::window()
                .and_then(|w| w.location().origin().ok())
                .unwrap_or_default(),
        }
    }

    /// Are we inside another page?
    pub fn is_framed(&self) -> bool {
        self.parent.is_some()
    }

    /// Send a message to the embedding page (no-op when not framed).
    pub fn post(&self, msg: &EmbedMessage) {
        let Some((parent, origin)) = &self.parent else {
            return;
        };
        let Ok(json) = serde_json::to_string(msg) else {
            return;
        };
        if let Ok(value) = js_sys::JSON::parse(&json) {
            let _ = parent.post_message(&value, origin);
        }
    }

    /// Report our content height now and whenever it changes.
    pub fn observe_height(self: &Rc<Self>) {
        if self.parent.is_none() {
            return;
        }
        let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        else {
            return;
        };
        let weak = Rc::downgrade(self);
        let report = move |_: JsValue| {
            let Some(this) = weak.upgrade() else { return };
            let height = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.body())
                .map(|b| b.scroll_height().max(0) as u32)
                .unwrap_or(0);
            this.post(&EmbedMessage::Resize {
                version: EMBED_PROTOCOL_VERSION,
                height,
            });
        };
        let callback = Closure::<dyn FnMut(JsValue)>::new(report);
        if let Ok(observer) = ResizeObserver::new(callback.as_ref().unchecked_ref()) {
            observer.observe(&root);
            if let Some(body) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.body())
            {
                observer.observe(&body);
            }
            *self.observer.borrow_mut() = Some((observer, callback));
        }
    }
}

/// Listens for the host page's commands while it lives (dropping it stops listening).
pub struct CommandListener {
    window: Window,
    handler: JsHandler,
}

impl Drop for CommandListener {
    fn drop(&mut self) {
        let _ = self
            .window
            .remove_event_listener_with_callback("message", self.handler.as_ref().unchecked_ref());
    }
}

impl HostBridge {
    /// Run `run` for each command the embedding page sends (`consult:command`, from the
    /// element's methods). Only messages from the framing window itself and its origin count;
    /// none when not framed.
    pub fn on_command(
        &self,
        run: impl Fn(crate::model::embed::Command) + 'static,
    ) -> Option<CommandListener> {
        let (parent, origin) = self.parent.clone()?;
        let window = web_sys::window()?;
        let handler = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
            let Ok(ev) = ev.dyn_into::<web_sys::MessageEvent>() else {
                return;
            };
            let from_parent = ev
                .source()
                .is_some_and(|s| JsValue::from(s) == JsValue::from(&parent));
            if ev.origin() != origin || !from_parent {
                return;
            }
            let Some(text) = js_sys::JSON::stringify(&ev.data())
                .ok()
                .and_then(|t| t.as_string())
            else {
                return;
            };
            if let Ok(msg) = serde_json::from_str::<crate::model::embed::CommandMessage>(&text) {
                if msg.kind == "consult:command" {
                    run(msg.command);
                }
            }
        });
        window
            .add_event_listener_with_callback("message", handler.as_ref().unchecked_ref())
            .ok()?;
        Some(CommandListener { window, handler })
    }
}

fn ancestor_origin(window: &Window) -> Option<String> {
    let list = js_sys::Reflect::get(&window.location(), &"ancestorOrigins".into()).ok()?;
    let first = js_sys::Reflect::get(&list, &"0".into()).ok()?.as_string()?;
    crate::widget::dom::origin_of(&first)
}

fn referrer_origin(window: &Window) -> Option<String> {
    let referrer = window.document()?.referrer();
    crate::widget::dom::origin_of(&referrer)
}
