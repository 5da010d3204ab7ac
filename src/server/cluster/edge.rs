//! The edge: a node's WebSockets relayed to the hub's owner on another node.
//!
//! The page's socket stays here; what it sends goes to the owner as it came, what the owner
//! sends for it comes back into the same bounded queue a local connection has, and the same
//! writer puts it on the socket.

use super::wire::{self, Up};
use super::{Bus, Owner};
use crate::server::signaling::hub::{Frame, QUEUE};
use futures::StreamExt;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use tokio::sync::mpsc;

/// The connections this node relays, by number.
#[derive(Default)]
pub struct Edge {
    next: AtomicU64,
    queues: Mutex<HashMap<u64, mpsc::Sender<Frame>>>,
}

impl Edge {
    fn queues(&self) -> std::sync::MutexGuard<'_, HashMap<u64, mpsc::Sender<Frame>>> {
        // Each use is one map operation: a panic cannot leave it half-changed.
        self.queues.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A page's connection relayed to the owner.
pub struct Relayed {
    bus: Bus,
    owner: Owner,
    id: u64,
    /// The connection's own queue, for what this node tells the page itself.
    tx: mpsc::Sender<Frame>,
}

impl Relayed {
    /// Open a relay to `owner` for a page's connection: returns it and the queue its writer
    /// reads.
    pub async fn open(
        bus: &Bus,
        owner: Owner,
        hello: &wire::Hello,
    ) -> (Relayed, mpsc::Receiver<Frame>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let id = bus.0.edge.next.fetch_add(1, Ordering::Relaxed) + 1;
        bus.0.edge.queues().insert(id, tx.clone());
        let relayed = Relayed {
            bus: bus.clone(),
            owner,
            id,
            tx,
        };
        if let Ok(json) = serde_json::to_vec(hello) {
            relayed.up(Up::Open, json).await;
        }
        (relayed, rx)
    }

    async fn up(&self, up: Up, payload: Vec<u8>) {
        tracing::trace!(conn = self.id, owner = %self.owner.node, ?up, "to the owner");
        let subject = wire::hub_conn(&self.owner.node, &self.bus.0.node, self.id, up);
        self.bus.publish(subject, payload).await;
    }

    /// A text frame from the page, to the owner.
    pub async fn text(&self, text: &str) {
        self.up(Up::Text, text.as_bytes().to_vec()).await;
    }

    /// Tell the page something from here (it is over its message limit, say).
    pub fn tell(&self, frame: Frame) {
        let _ = self.tx.try_send(frame);
    }

    /// The page's connection ended (`clean`: it closed it on purpose; otherwise it broke and
    /// may resume).
    pub async fn close(self, clean: bool) {
        self.bus.0.edge.queues().remove(&self.id);
        let why = if clean { "clean" } else { "broken" };
        self.up(Up::Close, why.as_bytes().to_vec()).await;
    }
}

/// Deliver what owners send to this node's connections.
pub async fn listen(bus: Bus, mut sub: async_nats::Subscriber) {
    while let Some(msg) = sub.next().await {
        let Some((conn, is_frame)) = wire::parse_edge(&bus.0.node, msg.subject.as_str()) else {
            continue;
        };
        tracing::trace!(conn, is_frame, "from the owner");
        let mut queues = bus.0.edge.queues();
        if !is_frame {
            // Dropping the queue's sender ends the writer, which closes the socket.
            queues.remove(&conn);
            continue;
        }
        let Some(tx) = queues.get(&conn) else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(&msg.payload) else {
            continue;
        };
        if let Err(mpsc::error::TrySendError::Full(_)) = tx.try_send(Frame::from(text)) {
            // Too slow to keep up, as the hub decides for its own connections.
            tracing::warn!(conn, "dropping a relayed connection that does not keep up");
            queues.remove(&conn);
        }
    }
}
