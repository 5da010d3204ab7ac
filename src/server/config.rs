//! Server configuration: command-line flags with environment fallbacks.

use crate::server::signaling::IceConfig;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything `consult serve` can be told.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to listen on (`127.0.0.1:8080`; port 0 picks a free one).
    pub listen: SocketAddr,
    /// Folder for the SQLite file and the signing key.
    pub data_dir: PathBuf,
    /// The URL people reach this server at; defaults to `http://{listen}` once bound.
    pub public_url: Option<String>,
    /// The widget built by Trunk (`dist/`).
    pub dist_dir: PathBuf,
    /// ICE servers (and TURN signing) for admitted peers.
    pub ice: IceConfig,
    /// Calls allowed per client address to the token endpoint.
    pub anonymous_quota: crate::server::store::Quota,
    /// Where e-mail goes out (none: messages wait in the outbox).
    pub smtp: Option<crate::server::notify::SmtpConfig>,
    /// Where text messages go (none: they wait in the outbox).
    pub sms: Option<crate::server::notify::SmsConfig>,
}

impl Config {
    /// Defaults for a laptop: `127.0.0.1:8080`, `./data`, `./dist`, no ICE servers (peers on
    /// one network connect directly; see the README for STUN/TURN).
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: data_dir.into(),
            public_url: None,
            dist_dir: default_dist_dir(),
            ice: IceConfig::default(),
            anonymous_quota: crate::server::store::Quota {
                limit: 600,
                interval: 1,
                unit: crate::server::store::QuotaUnit::Minute,
            },
            smtp: None,
            sms: None,
        }
    }
}

/// `$CONSULT_DIST`, else `dist/` in the working directory, else `dist/` beside the crate
/// (so tests and benchmarks find the Trunk build wherever they run from).
pub fn default_dist_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CONSULT_DIST") {
        return PathBuf::from(dir);
    }
    let here = PathBuf::from("dist");
    if here.join("index.html").exists() {
        return here;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("dist")
}
