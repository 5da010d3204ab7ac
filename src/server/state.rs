//! What every handler shares: configuration, store, signer, hub, widget files, counters.

use super::api::quota::Quotas;
use super::assets::Assets;
use super::config::Config;
use super::signaling::Hub;
use super::store::Store;
use super::tokens::Signer;
use std::sync::Arc;

/// What every handler shares; cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

/// The shared parts behind [`AppState`].
#[derive(Debug)]
pub struct Shared {
    /// The configuration it was built with.
    pub config: Config,
    /// The database.
    pub store: Store,
    /// Signs join hashes.
    pub signer: Signer,
    /// Waiting rooms and signaling.
    pub hub: Hub,
    /// The widget's files.
    pub assets: Assets,
    /// The URL this server is reached at, without trailing slash.
    pub public_url: String,
    /// The origin of `public_url`.
    pub public_origin: String,
    /// Call counters of the REST API.
    pub quotas: Quotas,
    /// The bus to the other nodes of a cluster (none: this node is the whole deployment).
    pub bus: Option<super::cluster::Bus>,
    /// Becomes true when the server is asked to stop (SIGTERM): every WebSocket closes with
    /// "reconnect" so its page resumes on the restarted server (or another node).
    pub stopping: tokio::sync::watch::Sender<bool>,
    /// The bucket sealed cloud recordings go to (none: they stay in the data folder).
    pub recordings_bucket: Option<super::recordings::bucket::Bucket>,
    /// What is counted for `/metrics` (requests, sockets, the outbox's sending).
    pub metrics: super::metrics::Metrics,
}

impl AppState {
    /// Share these parts.
    pub fn new(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }
}

impl Shared {
    /// The personal join link for a participant's link id (`/join/{hash}`).
    pub fn join_url(&self, link_id: &str) -> Result<String, crate::model::AppError> {
        self.signer
            .join_hash(link_id)
            .map(|hash| format!("{}/join/{hash}", self.public_url))
            .ok_or_else(crate::model::AppError::internal)
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}
