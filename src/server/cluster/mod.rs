//! Several nodes, one hub: how `consult serve --bus nats://…` spans a deployment.
//!
//! The signaling hub stays what it is on one machine: one state machine under one lock (see
//! [`crate::server::signaling::hub`]). In a cluster it runs on one node at a time, the
//! *owner*, chosen by a PostgreSQL advisory lock ([`election`]). Every node accepts
//! WebSockets; a node that does not own the hub relays each of its connections to the owner
//! over NATS ([`edge`]), and the owner treats them as connections of its own ([`owner`]).
//! When the owner dies, PostgreSQL releases its lock as its connection closes, another node
//! takes it within a second, announces itself, and every node closes the connections it
//! relayed to the old owner with code 1012: the pages reconnect and resume (calls) or knock
//! again (waiting rooms) as they do after a restart, while their media, which never passes
//! through us, flows on.
//!
//! Why one owner for every room rather than one per room: the console's lobby spans all of
//! an agent's meetings, and keeping the hub whole keeps every rule it enforces in one place,
//! unchanged. The hub's work per message is a lookup and a copy (the signaling benchmark
//! measures it); media never passes through it. What several nodes share out is everything
//! else: pages, the APIs, TLS and WebSocket termination, the database's work.

pub mod edge;
pub mod election;
pub mod owner;
pub mod wire;

use crate::model::{AppError, MeetingId};
use crate::server::signaling::hub::random_hex;
use crate::server::AppState;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How often each node says it is alive (and the owner that it owns).
pub const ALIVE_EVERY: Duration = Duration::from_millis(500);

/// A node not heard from for this long is taken for dead: the owner lets go of the
/// connections it relayed, an edge stops relaying to an owner gone silent.
pub const SILENCE: Duration = Duration::from_secs(3);

/// The node owning the hub, and since when (milliseconds on the database's clock, so a later
/// owner always has a larger epoch whatever the nodes' clocks say).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    /// The owner's node id.
    pub node: String,
    /// When it took the hub.
    pub epoch: i64,
}

/// This node's link to the bus; cheap to clone.
#[derive(Clone)]
pub struct Bus(Arc<Inner>);

struct Inner {
    nats: async_nats::Client,
    node: String,
    owner: watch::Sender<Option<Owner>>,
    edge: edge::Edge,
    seen: owner::Seen,
}

impl std::fmt::Debug for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bus").field("node", &self.0.node).finish()
    }
}

impl Bus {
    /// Connect to NATS at `url` (`nats://[user:password@]host:port`) as a new node.
    pub async fn connect(url: &str) -> Result<Bus, crate::server::app::BuildError> {
        let node = random_hex(16);
        let nats = async_nats::ConnectOptions::new()
            .name(format!("consult-{node}"))
            .connect(url)
            .await
            // The error names the server, never the credentials in the URL.
            .map_err(|e| format!("cannot reach the bus: {e}"))?;
        let (owner, _) = watch::channel(None);
        Ok(Bus(Arc::new(Inner {
            nats,
            node,
            owner,
            edge: edge::Edge::default(),
            seen: owner::Seen::default(),
        })))
    }

    /// Is the connection to NATS up right now?
    pub fn connected(&self) -> bool {
        self.0.nats.connection_state() == async_nats::connection::State::Connected
    }

    /// This node's id (new at each start).
    pub fn node(&self) -> &str {
        &self.0.node
    }

    /// The owner as this node knows it.
    pub fn owner(&self) -> Option<Owner> {
        self.0.owner.borrow().clone()
    }

    /// Does this node own the hub now?
    pub fn owns(&self) -> bool {
        self.owner().is_some_and(|o| o.node == self.0.node)
    }

    /// Told each time the owner changes.
    pub fn watch(&self) -> watch::Receiver<Option<Owner>> {
        self.0.owner.subscribe()
    }

    /// The owner, waiting up to `within` while there is none (one is being chosen).
    pub async fn wait_owner(&self, within: Duration) -> Option<Owner> {
        let mut rx = self.watch();
        let found = tokio::time::timeout(within, rx.wait_for(Option::is_some)).await;
        match found {
            Ok(Ok(owner)) => owner.clone(),
            _ => None,
        }
    }

    fn set_owner(&self, owner: Option<Owner>) {
        self.0.owner.send_if_modified(|now| {
            let changed = *now != owner;
            if changed {
                match &owner {
                    Some(o) => tracing::info!(owner = %o.node, epoch = o.epoch, "hub owner"),
                    None => tracing::warn!("no hub owner"),
                }
                *now = owner;
            }
            changed
        });
    }

    /// Start this node's part: listen as an edge and as a possible owner, say it is alive,
    /// and take part in choosing the owner through the database at `database`. The tasks
    /// end when the returned handles are aborted.
    pub async fn start(
        &self,
        state: AppState,
        database: String,
    ) -> Result<Vec<tokio::task::JoinHandle<()>>, crate::server::app::BuildError> {
        tracing::info!(node = %self.0.node, "on the bus");
        // Subscribed before anything is announced, so no message to this node is missed.
        let edge_sub = self
            .0
            .nats
            .subscribe(wire::edge_all(&self.0.node))
            .await
            .map_err(|e| format!("bus: {e}"))?;
        let hub_sub = self
            .0
            .nats
            .subscribe(wire::hub_all(&self.0.node))
            .await
            .map_err(|e| format!("bus: {e}"))?;
        let alive_sub = self
            .0
            .nats
            .subscribe(wire::ALIVE)
            .await
            .map_err(|e| format!("bus: {e}"))?;
        Ok(vec![
            tokio::spawn(edge::listen(self.clone(), edge_sub)),
            tokio::spawn(owner::listen(self.clone(), state.clone(), hub_sub)),
            tokio::spawn(owner::heard(self.clone(), alive_sub)),
            tokio::spawn(alive(self.clone())),
            tokio::spawn(election::run(self.clone(), state, database)),
        ])
    }

    /// End a meeting's room wherever the hub is (the owner may be another node).
    pub fn end_meeting(&self, state: &AppState, meeting: &MeetingId, why: AppError) {
        match self.owner() {
            Some(o) if o.node != self.0.node => {
                let bus = self.clone();
                let body = wire::EndMeeting {
                    meeting: meeting.clone(),
                    error: why,
                };
                tokio::spawn(async move {
                    if let Ok(json) = serde_json::to_vec(&body) {
                        bus.publish(wire::hub_end(&o.node), json).await;
                    }
                });
            }
            // This node owns the hub, or no one does (nothing is open anywhere then).
            _ => state.hub.end_meeting(meeting, why),
        }
    }

    async fn publish(&self, subject: String, payload: impl Into<bytes::Bytes>) {
        if let Err(e) = self.0.nats.publish(subject, payload.into()).await {
            tracing::warn!(error = %e, "bus: publish failed");
        }
    }

    /// Say this node is alive, and which epoch of the hub it owns if it does.
    async fn announce(&self) {
        let owns = self
            .owner()
            .filter(|o| o.node == self.0.node)
            .map(|o| o.epoch);
        let alive = wire::Alive {
            node: self.0.node.clone(),
            owns,
        };
        if let Ok(json) = serde_json::to_vec(&alive) {
            self.publish(wire::ALIVE.into(), json).await;
        }
    }
}

/// Say "alive" every [`ALIVE_EVERY`], and at once when this node starts owning the hub.
async fn alive(bus: Bus) {
    let mut rx = bus.watch();
    let mut every = tokio::time::interval(ALIVE_EVERY);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            changed = rx.changed() => if changed.is_err() { return },
        }
        bus.announce().await;
    }
}
