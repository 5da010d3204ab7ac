//! Server configuration: command-line flags with environment fallbacks.

use crate::server::signaling::IceConfig;
use crate::server::store::{Quota, QuotaUnit};
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
    /// A PostgreSQL database (`postgres://…`) instead of the SQLite file `consult.db` in
    /// the data folder.
    pub database: Option<DatabaseUrl>,
    /// The NATS server (`nats://…`) that joins several nodes on one PostgreSQL database into
    /// one deployment (see [`crate::server::cluster`]); none: this node serves alone.
    pub bus: Option<DatabaseUrl>,
    /// The widget built by Trunk (`dist/`).
    pub dist_dir: PathBuf,
    /// ICE servers (and TURN signing) for admitted peers.
    pub ice: IceConfig,
    /// Calls allowed per client address to the token endpoint.
    pub anonymous_quota: Quota,
    /// Where e-mail goes out (none: messages wait in the outbox).
    pub smtp: Option<crate::server::notify::SmtpConfig>,
    /// Where text messages go (none: they wait in the outbox).
    pub sms: Option<crate::server::notify::SmsConfig>,
    /// Where compressed copies of the widget's files are kept between starts (none:
    /// `{data_dir}/cache/assets`).
    pub asset_cache: Option<PathBuf>,
    /// Proxies whose `X-Forwarded-For` names the client (see [`crate::server::client`]).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Calls of the widget's server functions per client address (every public endpoint
    /// has a ceiling; the booking form has its own, lower ones).
    pub public_quota: Quota,
    /// Limits of the public booking form.
    pub booking_limits: BookingLimits,
    /// How often the server pings each signaling WebSocket, so that a reverse proxy's idle
    /// timeout (often 60 s) never cuts a customer who waits quietly (none: no pings).
    pub ws_ping: Option<std::time::Duration>,
}

/// How much the public booking form takes, so no one can take every free time of a site or
/// make Consult mail whomever they like.
#[derive(Clone, Copy, Debug)]
pub struct BookingLimits {
    /// Bookings per client address.
    pub per_address: Quota,
    /// Bookings per site, from everyone together.
    pub per_site: Quota,
    /// Bookings per e-mail address, and per phone number, in any 24 hours (all sites).
    pub per_contact: u32,
}

impl Default for BookingLimits {
    fn default() -> Self {
        BookingLimits {
            per_address: Quota {
                limit: 5,
                interval: 10,
                unit: QuotaUnit::Minute,
            },
            per_site: Quota {
                limit: 100,
                interval: 1,
                unit: QuotaUnit::Hour,
            },
            per_contact: 3,
        }
    }
}

impl Config {
    /// The folder of compressed widget files.
    pub fn asset_cache_dir(&self) -> PathBuf {
        self.asset_cache
            .clone()
            .unwrap_or_else(|| self.data_dir.join("cache").join("assets"))
    }

    /// Defaults for a laptop: `127.0.0.1:8080`, `./data`, `./dist`, no ICE servers (peers on
    /// one network connect directly; see the README for STUN/TURN).
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: data_dir.into(),
            public_url: None,
            database: None,
            bus: None,
            dist_dir: default_dist_dir(),
            ice: IceConfig::default(),
            anonymous_quota: Quota {
                limit: 600,
                interval: 1,
                unit: QuotaUnit::Minute,
            },
            smtp: None,
            sms: None,
            asset_cache: None,
            trusted_proxies: Vec::new(),
            public_quota: Quota {
                limit: 300,
                interval: 1,
                unit: QuotaUnit::Minute,
            },
            booking_limits: BookingLimits::default(),
            ws_ping: Some(std::time::Duration::from_secs(25)),
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
    source_dir().join("dist")
}

/// The crate's folder: as Cargo names it to the running process (`cargo run`, `test`,
/// `bench`), else where it was compiled. The run's own comes first because a shared build
/// cache may hold a build compiled in another checkout, whose path no longer exists.
pub fn source_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// A database's (or the bus's) URL. It may carry a password, so it is never shown whole: its `Debug` (what a
/// logged or panicking configuration shows) keeps the scheme and the host only.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(pub String);

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (scheme, rest) = self.0.split_once("://").unwrap_or(("?", ""));
        let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
        let host = host.split(['/', '?']).next().unwrap_or("");
        write!(f, "DatabaseUrl({scheme}://…@{host}/…)")
    }
}

#[cfg(test)]
mod tests {
    use super::DatabaseUrl;

    #[test]
    fn its_password_never_shows() {
        let url = DatabaseUrl("postgres://consult:s3cret@db.example:5432/consult".into());
        let shown = format!("{url:?}");
        assert_eq!(shown, "DatabaseUrl(postgres://…@db.example:5432/…)");
        assert!(!shown.contains("s3cret") && !shown.contains("consult:"));
    }
}
