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
    /// Where `/metrics` is served (a private address; port 0 picks a free one); none: no
    /// metrics. Never on `listen`.
    pub metrics_listen: Option<SocketAddr>,
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
    /// The S3-compatible store sealed cloud recordings are kept in (none: the data folder).
    pub recordings_store: Option<RecordingsStore>,
    /// An operator command's, over the data of a server that keeps recordings in a bucket
    /// this command was not given: a recording it deletes keeps its object until the
    /// server's sweeper removes it (the row stays unpurged), rather than being marked gone.
    pub bucket_elsewhere: bool,
    /// Built for an operator command beside the server, not to serve: it records none of
    /// the settings a starting server records for those commands.
    pub operator_command: bool,
}

/// An S3-compatible bucket for sealed cloud recordings (`--recordings-store s3://BUCKET`).
/// Chunks still arrive in the data folder (a bucket cannot append); each file goes to the
/// bucket as it is sealed, as `recordings/{company}/{id}.webm`.
#[derive(Clone, PartialEq, Eq)]
pub struct RecordingsStore {
    /// The bucket's name.
    pub bucket: String,
    /// The store's URL, for S3-compatible stores other than AWS (`https://minio.example:9000`;
    /// `http://` is taken as the operator's choice); none: AWS S3 of the region.
    pub endpoint: Option<String>,
    /// The region (none: `AWS_DEFAULT_REGION`/`AWS_REGION`, else `us-east-1`).
    pub region: Option<String>,
    /// An access key id and its secret; none (the server's case): the standard AWS
    /// environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, a web identity, an
    /// instance's role). Never written to the database or the log.
    pub credentials: Option<(String, String)>,
}

impl std::fmt::Debug for RecordingsStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingsStore")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("credentials", &self.credentials.as_ref().map(|_| "…"))
            .finish()
    }
}

impl RecordingsStore {
    /// `--recordings-store` and `--recordings-endpoint` as given: `s3://BUCKET` (a bucket
    /// name as S3 allows: 3 to 63 lowercase letters, digits, `-` and `.`) and an `http(s)://`
    /// URL without credentials or path. Refusals never repeat what was given (a URL may have
    /// carried a secret).
    pub fn parse(
        store: &str,
        endpoint: Option<&str>,
        region: Option<&str>,
    ) -> Result<RecordingsStore, String> {
        let bucket = store
            .strip_prefix("s3://")
            .map(|b| b.strip_suffix('/').unwrap_or(b))
            .filter(|b| {
                (3..=63).contains(&b.len())
                    && b.bytes()
                        .all(|c| matches!(c, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.'))
                    && !b.starts_with(['-', '.'])
                    && !b.ends_with(['-', '.'])
            })
            .ok_or(
                "--recordings-store must be s3://BUCKET (a bucket name only: no credentials, \
                 no path; credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
            )?;
        let endpoint = match endpoint.map(str::trim).filter(|e| !e.is_empty()) {
            None => None,
            Some(e) => {
                let rest = e
                    .strip_prefix("https://")
                    .or_else(|| e.strip_prefix("http://"))
                    .filter(|rest| {
                        let host = rest.strip_suffix('/').unwrap_or(rest);
                        !host.is_empty() && !host.contains(['@', '/', '?', '#', ' '])
                    });
                if rest.is_none() {
                    return Err(
                        "--recordings-endpoint must be an http(s)://HOST[:PORT] URL \
                         (no credentials, no path)"
                            .into(),
                    );
                }
                Some(e.trim_end_matches('/').to_string())
            }
        };
        let region = region
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(String::from);
        if region
            .as_deref()
            .is_some_and(|r| !r.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'))
        {
            return Err("--recordings-region must be a region's name, e.g. eu-central-1".into());
        }
        Ok(RecordingsStore {
            bucket: bucket.to_string(),
            endpoint,
            region,
            credentials: None,
        })
    }
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
            metrics_listen: None,
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
            recordings_store: None,
            bucket_elsewhere: false,
            operator_command: false,
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
    use super::{DatabaseUrl, RecordingsStore};

    #[test]
    fn a_recordings_store_is_a_bucket_name_and_refusals_repeat_no_secret() {
        let s = RecordingsStore::parse("s3://consult-recordings", None, None).unwrap();
        assert_eq!(s.bucket, "consult-recordings");
        assert_eq!((s.endpoint, s.region, s.credentials), (None, None, None));
        let s = RecordingsStore::parse(
            "s3://rec.example/",
            Some("http://127.0.0.1:9000/"),
            Some("eu-central-1"),
        )
        .unwrap();
        assert_eq!(s.bucket, "rec.example");
        assert_eq!(s.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(s.region.as_deref(), Some("eu-central-1"));
        for bad in [
            "s3://AKIA:s3cret@bucket",
            "s3://bucket/prefix",
            "https://bucket",
            "s3://Bucket",
            "s3://ab",
            "s3://-bucket",
            "consult-recordings",
        ] {
            let e = RecordingsStore::parse(bad, None, None).unwrap_err();
            assert!(!e.contains(bad) && !e.contains("s3cret"), "{e}");
        }
        for bad in [
            "http://AKIA:s3cret@127.0.0.1:9000",
            "ftp://host",
            "https://host/path",
            "https://",
        ] {
            let e = RecordingsStore::parse("s3://bucket", Some(bad), None).unwrap_err();
            assert!(!e.contains("s3cret") && !e.contains("AKIA"), "{e}");
        }
        assert!(RecordingsStore::parse("s3://bucket", None, Some("eu central")).is_err());
        let mut s = RecordingsStore::parse("s3://bucket", None, None).unwrap();
        s.credentials = Some(("AKIA".into(), "s3cret".into()));
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("AKIA"),
            "{shown}"
        );
    }

    #[test]
    fn its_password_never_shows() {
        let url = DatabaseUrl("postgres://consult:s3cret@db.example:5432/consult".into());
        let shown = format!("{url:?}");
        assert_eq!(shown, "DatabaseUrl(postgres://…@db.example:5432/…)");
        assert!(!shown.contains("s3cret") && !shown.contains("consult:"));
    }
}
