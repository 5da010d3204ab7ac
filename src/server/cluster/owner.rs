//! The owner: other nodes' connections served by this node's hub, and who is alive.
//!
//! Each relayed connection becomes a connection of the hub like a local one; its client
//! messages are handled one after another, in order, by a task of its own (exactly as a
//! local socket's reader does), and what the hub queues for it is published back to its edge.

use super::wire::{self, ToHub, Up};
use super::{Bus, Owner, SILENCE};
use crate::server::signaling::ws;
use crate::server::AppState;
use futures::StreamExt;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;
use tokio::sync::mpsc;

/// Client messages waiting for a relayed connection's task, at most (the edge already
/// limits each page to [`ws::PER_SECOND`]).
const INBOUND: usize = 256;

/// What happens to a relayed connection, in order.
enum Inbound {
    Text(String),
    Close { clean: bool },
}

/// When each node was last heard from, and the relayed connections this node serves.
#[derive(Default)]
pub struct Seen {
    nodes: Mutex<HashMap<String, Instant>>,
    owner_heard: Mutex<Option<Instant>>,
    relayed: Mutex<HashMap<(String, u64), mpsc::Sender<Inbound>>>,
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every use is one short operation on a map or a value: nothing is left half-done.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Serve what edges send to this node as the hub's owner.
pub async fn listen(bus: Bus, state: AppState, mut sub: async_nats::Subscriber) {
    while let Some(msg) = sub.next().await {
        match wire::parse_hub(&bus.0.node, msg.subject.as_str()) {
            Some(ToHub::End) => {
                if let Ok(end) = serde_json::from_slice::<wire::EndMeeting>(&msg.payload) {
                    state.hub.end_meeting(&end.meeting, end.error);
                }
            }
            Some(ToHub::Conn { edge, conn, up }) => {
                on_conn(&bus, &state, edge, conn, up, &msg.payload).await;
            }
            None => {}
        }
    }
}

async fn on_conn(bus: &Bus, state: &AppState, edge: &str, conn: u64, up: Up, payload: &[u8]) {
    tracing::trace!(edge, conn, ?up, owns = bus.owns(), "from an edge");
    let key = (edge.to_string(), conn);
    match up {
        Up::Open => {
            let hello = serde_json::from_slice::<wire::Hello>(payload).ok();
            let (Some(hello), true) = (hello, bus.owns()) else {
                // Not (or no longer) the owner: the edge must find the new one.
                bus.publish(wire::edge_close(edge, conn), Vec::new()).await;
                return;
            };
            let (tx, rx) = mpsc::channel(INBOUND);
            // Alive as of now (its first announcement may still be on its way).
            locked(&bus.0.seen.nodes).insert(edge.to_string(), Instant::now());
            locked(&bus.0.seen.relayed).insert(key.clone(), tx);
            tokio::spawn(serve(bus.clone(), state.clone(), key, hello, rx));
        }
        Up::Text | Up::Close => {
            let tx = locked(&bus.0.seen.relayed).get(&key).cloned();
            let Some(tx) = tx else {
                if up == Up::Text {
                    // A connection this node does not know (it was opened with an owner
                    // before this one): have the page reconnect.
                    bus.publish(wire::edge_close(edge, conn), Vec::new()).await;
                }
                return;
            };
            let inbound = match up {
                Up::Text => match String::from_utf8(payload.to_vec()) {
                    Ok(text) => Inbound::Text(text),
                    Err(_) => return,
                },
                _ => Inbound::Close {
                    clean: payload == b"clean",
                },
            };
            if let Inbound::Close { .. } = inbound {
                // A close must not be lost to a full queue: wait for room.
                let _ = tx.send(inbound).await;
            } else if tx.try_send(inbound).is_err() {
                tracing::warn!(conn, "a relayed connection's messages were dropped");
            }
        }
    }
}

/// One relayed connection: a hub connection whose queue goes back to its edge, and whose
/// client messages are handled in order.
async fn serve(
    bus: Bus,
    state: AppState,
    key: (String, u64),
    hello: wire::Hello,
    mut inbound: mpsc::Receiver<Inbound>,
) {
    let (edge, conn_no) = key.clone();
    let (conn, mut queue) = state.hub.connect(hello.user.clone());
    // What the hub queues for the connection goes back to its edge; when the hub lets go of
    // it (closed, too slow, or this node stopped owning the hub), the page's socket closes.
    tokio::spawn({
        let bus = bus.clone();
        let edge = edge.clone();
        async move {
            while let Some(frame) = queue.recv().await {
                tracing::trace!(edge, conn_no, "to an edge");
                bus.publish(wire::edge_frame(&edge, conn_no), frame.as_bytes().to_vec())
                    .await;
            }
            bus.publish(wire::edge_close(&edge, conn_no), Vec::new())
                .await;
        }
    });
    let client = ws::Client::from(hello);
    let mut clean = false;
    while let Some(msg) = inbound.recv().await {
        match msg {
            Inbound::Text(text) => ws::handle(&state, conn, &client, &text).await,
            Inbound::Close { clean: c } => {
                clean = c;
                break;
            }
        }
    }
    locked(&bus.0.seen.relayed).remove(&key);
    // The hub drops the queue's sender with the connection, which ends the forwarder.
    ws::finish(&state, conn, clean);
}

/// Follow who is alive: learn the owner from its announcements, forget an owner gone silent,
/// and let go of the connections of edges gone silent (they keep their seats for the resume
/// grace, as a broken connection does).
pub async fn heard(bus: Bus, mut sub: async_nats::Subscriber) {
    let mut tick = tokio::time::interval(super::ALIVE_EVERY);
    loop {
        tokio::select! {
            msg = sub.next() => {
                let Some(msg) = msg else { return };
                let Ok(alive) = serde_json::from_slice::<wire::Alive>(&msg.payload) else {
                    continue;
                };
                locked(&bus.0.seen.nodes).insert(alive.node.clone(), Instant::now());
                if let Some(epoch) = alive.owns {
                    learn_owner(&bus, Owner { node: alive.node, epoch });
                }
            }
            _ = tick.tick() => {
                forget_silent(&bus).await;
            }
        }
    }
}

/// Another node says it owns the hub: believe the newest claim.
fn learn_owner(bus: &Bus, claim: Owner) {
    let current = bus.owner();
    // This node's own ownership ends through its election task (its database connection),
    // never through hearsay.
    if claim.node == bus.0.node || current.as_ref().is_some_and(|o| o.node == bus.0.node) {
        return;
    }
    let stale = current
        .as_ref()
        .is_some_and(|o| claim.epoch < o.epoch || (claim.epoch == o.epoch && claim.node != o.node));
    if !stale {
        *locked(&bus.0.seen.owner_heard) = Some(Instant::now());
        bus.set_owner(Some(claim));
    }
}

async fn forget_silent(bus: &Bus) {
    let now = Instant::now();
    // An owner on another node gone silent: no one owns the hub as far as this node knows,
    // so its relayed pages reconnect and wait for the next owner.
    let owner_silent =
        locked(&bus.0.seen.owner_heard).is_none_or(|at| now.duration_since(at) > SILENCE);
    if owner_silent && bus.owner().is_some_and(|o| o.node != bus.0.node) {
        bus.set_owner(None);
    }
    // Edges gone silent: their connections broke, as far as the hub can tell.
    let silent: Vec<String> = {
        let mut nodes = locked(&bus.0.seen.nodes);
        let gone: Vec<String> = nodes
            .iter()
            .filter(|(_, at)| now.duration_since(**at) > SILENCE)
            .map(|(n, _)| n.clone())
            .collect();
        for n in &gone {
            nodes.remove(n);
        }
        gone
    };
    if silent.is_empty() {
        return;
    }
    let dropped: Vec<mpsc::Sender<Inbound>> = locked(&bus.0.seen.relayed)
        .iter()
        .filter(|((edge, _), _)| silent.contains(edge))
        .map(|(_, tx)| tx.clone())
        .collect();
    for tx in dropped {
        let _ = tx.send(Inbound::Close { clean: false }).await;
    }
}
