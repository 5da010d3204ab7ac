//! The `consult` command line.

use super::config::{default_dist_dir, Config};
use super::{demo, origin, Application};
use crate::model::signal::IceServer;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Video consultations embedded in any website.
#[derive(Parser, Debug)]
#[command(name = "consult", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The database: a `postgres://user:password@host/database` URL, for several nodes
    /// sharing one; without it, the SQLite file `consult.db` in the data folder.
    #[arg(long, env = "CONSULT_DATABASE", global = true, hide_env_values = true)]
    database: Option<String>,
    /// How the log (standard error) is written: `text` for a person, `json` for a collector
    /// (one object per line). What is logged is chosen with `RUST_LOG` (default `info`).
    #[arg(
        long,
        env = "CONSULT_LOG_FORMAT",
        global = true,
        value_enum,
        default_value_t = LogFormat::Text
    )]
    log_format: LogFormat,
}

/// The log's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per line: `timestamp`, `level`, `target`, `fields` (with `message`),
    /// `span` (the innermost span's fields, `request_id` among them while serving a request)
    /// and `spans` (all of them, outermost first).
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the API, the widget and signaling.
    Serve(ServeArgs),
    /// Serve with a demo site and agent, plus a demo host page on a second port.
    Demo {
        #[command(flatten)]
        serve: ServeArgs,
        /// Where the demo host page listens (a different origin from the server).
        #[arg(
            long,
            env = "CONSULT_DEMO_HOST_LISTEN",
            default_value = "127.0.0.1:8081"
        )]
        host_listen: SocketAddr,
    },
    /// Manage REST API clients.
    Clients {
        #[command(subcommand)]
        command: ClientsCommand,
    },
    /// Manage resellers (the top of the tenancy tree; each has its own clients).
    Resellers {
        #[command(subcommand)]
        command: ResellersCommand,
    },
    /// Manage a company's keys for the rooms API (`/whereby/v1`).
    ApiKeys {
        #[command(subcommand)]
        command: ApiKeysCommand,
    },
    /// Manage companies' settings that only the operator changes.
    Companies {
        #[command(subcommand)]
        command: CompaniesCommand,
    },
    /// Write a consistent copy of the SQLite database to a new file, while the server may
    /// be serving (PostgreSQL: says how with `pg_dump`). Keep `secret.key` apart from it.
    Backup {
        /// The new file (never overwritten).
        #[arg(long)]
        to: PathBuf,
        /// Data folder.
        #[arg(long, env = "CONSULT_DATA", default_value = "./data")]
        data: PathBuf,
    },
    /// Put a backup in place as the data folder's database (the server stopped, the old
    /// database moved away); start the server with the `secret.key` it was used with.
    Restore {
        /// The backup.
        #[arg(long)]
        from: PathBuf,
        /// Data folder.
        #[arg(long, env = "CONSULT_DATA", default_value = "./data")]
        data: PathBuf,
    },
    /// A person's data: everything held about them, exported as JSON or erased (as the
    /// REST API's `/management/personal-data` does, for every company or one).
    PersonalData {
        #[command(subcommand)]
        command: PersonalDataCommand,
    },
    /// Print a single-use console login link for a user.
    LoginLink {
        /// The user's e-mail address.
        #[arg(long)]
        email: String,
        /// Data folder.
        #[arg(long, env = "CONSULT_DATA", default_value = "./data")]
        data: PathBuf,
        /// The server's public URL; by default the one the server last started with (it
        /// records it in the data folder), else http://127.0.0.1:8080.
        #[arg(long, env = "CONSULT_PUBLIC_URL")]
        public_url: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum ClientsCommand {
    /// Create reseller-level credentials; prints {"client_id", "client_secret"} (the secret is
    /// shown this once and stored only as a hash). Without --reseller: the first reseller,
    /// made if there is none (`resellers create` makes more).
    Create {
        /// A name to recognise the client by (also names the reseller if none exists yet).
        #[arg(long)]
        name: String,
        /// The reseller to act for (default: the first one, created if there is none).
        #[arg(long)]
        reseller: Option<String>,
        /// Calls allowed per quota window.
        #[arg(long, default_value_t = 10_000)]
        quota_limit: u32,
        /// Length of the quota window, in quota units.
        #[arg(long, default_value_t = 1)]
        quota_interval: u32,
        /// Quota unit: minute, hour or day.
        #[arg(long, default_value = "hour")]
        quota_unit: String,
        /// Data folder.
        #[arg(long, env = "CONSULT_DATA", default_value = "./data")]
        data: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum ApiKeysCommand {
    /// Make a key for a company; prints {"id", "name", "company", "key"} (the key is shown this
    /// once and stored only as a hash).
    Create {
        /// The company (the rooms API's organisation).
        #[arg(long)]
        company: String,
        /// A name to recognise the key by.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Data folder.
        #[arg(long, env = "CONSULT_DATA", default_value = "./data")]
        data: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum CompaniesCommand {
    /// Set how much a company's cloud recordings may hold on disk, in MiB (default 10240,
    /// 10 GiB; 0: no cloud recording is stored). Uploads past it are refused; nothing stored
    /// is removed. Prints {"company", "recording_limit_mb"}.
    SetRecordingLimit {
        /// The company.
        #[arg(long)]
        company: String,
        /// The limit in MiB.
        #[arg(long, value_parser = clap::value_parser!(i64).range(0..=1_073_741_824))]
        mb: i64,
        /// Data folder.
        #[arg(long, env = "CONSULT_DATA", default_value = "./data")]
        data: PathBuf,
    },
}

/// Whom a personal-data command is about, and where to look.
#[derive(Args, Debug)]
struct PersonArgs {
    /// Their e-mail address.
    #[arg(long, conflicts_with = "phone", required_unless_present = "phone")]
    email: Option<String>,
    /// Their phone number, E.164 (`+31612345678`).
    #[arg(long)]
    phone: Option<String>,
    /// One company only (default: every company).
    #[arg(long)]
    company: Option<String>,
    /// Data folder.
    #[arg(long, env = "CONSULT_DATA", default_value = "./data")]
    data: PathBuf,
    /// The server's bucket, to remove the person's cloud recordings from it at once. Without
    /// it, when the server keeps recordings in a bucket, they are deleted (no link serves
    /// them) and the running server's sweeper removes the objects.
    #[command(flatten)]
    recordings: RecordingsArgs,
}

#[derive(Subcommand, Debug)]
enum PersonalDataCommand {
    /// Print everything held about the person as one JSON document.
    Export(PersonArgs),
    /// Erase it (meetings to come cancelled, their agents told by e-mail from the running
    /// server's outbox, their recordings deleted); prints what was erased. A call in
    /// progress on a running server is not ended by this command: erase through the API for
    /// that.
    Erase(PersonArgs),
}

/// The bucket of cloud recordings, for `serve` and for the operator commands that delete
/// recordings (the same flags and environment).
#[derive(Args, Debug)]
struct RecordingsArgs {
    /// Keep sealed cloud recordings in an S3-compatible bucket: `s3://BUCKET`. Credentials
    /// come from the standard AWS environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// or a role), never from this flag. Without it recordings stay in the data folder.
    #[arg(long, env = "CONSULT_RECORDINGS_STORE", hide_env_values = true)]
    recordings_store: Option<String>,
    /// The S3-compatible store's URL when it is not AWS (MinIO, Ceph, …):
    /// `https://HOST[:PORT]`.
    #[arg(
        long,
        env = "CONSULT_RECORDINGS_ENDPOINT",
        hide_env_values = true,
        requires = "recordings_store"
    )]
    recordings_endpoint: Option<String>,
    /// The bucket's region (default: `AWS_DEFAULT_REGION`, else us-east-1).
    #[arg(long, env = "CONSULT_RECORDINGS_REGION", requires = "recordings_store")]
    recordings_region: Option<String>,
}

impl RecordingsArgs {
    /// The store, when one is named.
    fn store(&self) -> Result<Option<super::config::RecordingsStore>, String> {
        self.recordings_store
            .as_deref()
            .map(|store| {
                super::config::RecordingsStore::parse(
                    store,
                    self.recordings_endpoint.as_deref(),
                    self.recordings_region.as_deref(),
                )
            })
            .transpose()
    }
}

#[derive(Subcommand, Debug)]
enum ResellersCommand {
    /// Create a reseller; prints {"id", "name"}. Give its id to `clients create --reseller`.
    Create {
        /// Its name.
        #[arg(long)]
        name: String,
        /// Data folder.
        #[arg(long, env = "CONSULT_DATA", default_value = "./data")]
        data: PathBuf,
    },
    /// List the resellers, one JSON object {"id", "name", "suspended"} per line.
    List {
        /// Data folder.
        #[arg(long, env = "CONSULT_DATA", default_value = "./data")]
        data: PathBuf,
    },
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CONSULT_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Serve Prometheus metrics at `/metrics` on this address (a private one: they are not
    /// for the public). Without it there are none; they are never on --listen.
    #[arg(long, env = "CONSULT_METRICS_LISTEN")]
    metrics_listen: Option<SocketAddr>,
    /// Data folder (SQLite file, signing key).
    #[arg(long, env = "CONSULT_DATA", default_value = "./data")]
    data: PathBuf,
    /// Public URL, if not http://LISTEN (e.g. behind a TLS proxy).
    #[arg(long, env = "CONSULT_PUBLIC_URL")]
    public_url: Option<String>,
    /// The widget build (Trunk's dist/).
    #[arg(long, env = "CONSULT_DIST")]
    dist: Option<PathBuf>,
    /// Where compressed copies of the widget's files are kept between starts (default
    /// DATA/cache/assets).
    #[arg(long, env = "CONSULT_ASSET_CACHE")]
    asset_cache: Option<PathBuf>,
    /// ICE servers as JSON: [{"urls": ["stun:stun.example.org"]}].
    #[arg(long, env = "CONSULT_ICE_SERVERS")]
    ice_servers: Option<String>,
    /// TURN server URLs (comma-separated, e.g. `turn:turn.example.org:3478?transport=udp`)
    /// whose credentials we sign with --turn-secret (coturn's REST-API scheme).
    #[arg(
        long,
        env = "CONSULT_TURN_URLS",
        value_delimiter = ',',
        requires = "turn_secret"
    )]
    turn_urls: Vec<String>,
    /// coturn's `static-auth-secret`.
    #[arg(long, env = "CONSULT_TURN_SECRET", hide_env_values = true)]
    turn_secret: Option<String>,
    /// Minutes a TURN credential stays valid after the meeting is over.
    #[arg(long, env = "CONSULT_TURN_MARGIN_MINUTES", default_value_t = 60)]
    turn_margin_minutes: u32,
    /// Relay all media through TURN (`iceTransportPolicy: "relay"`): participants never learn
    /// each other's IP addresses.
    #[arg(long, env = "CONSULT_RELAY_ONLY")]
    relay_only: bool,
    /// SMTP relay for e-mail (the local MTA, or a provider); without it e-mails wait in the
    /// outbox.
    #[arg(long, env = "CONSULT_SMTP_HOST")]
    smtp_host: Option<String>,
    /// SMTP relay port [default: 25 with --smtp-tls none, 587 with starttls, 465 with tls].
    #[arg(long, env = "CONSULT_SMTP_PORT")]
    smtp_port: Option<u16>,
    /// How the connection to the relay is secured: `starttls` (STARTTLS required), `tls`
    /// (implicit TLS, SMTPS) or `none` (plain) [default: none for a relay on this machine
    /// (localhost, 127.0.0.1, ::1), starttls for any other]. Certificates are always verified.
    #[arg(long, env = "CONSULT_SMTP_TLS", value_enum)]
    smtp_tls: Option<super::smtp::SmtpSecurity>,
    /// A PEM file of CA certificates the relay's certificate may chain to, besides the built-in
    /// web roots (a private CA, an in-house relay).
    #[arg(long, env = "CONSULT_SMTP_CA_FILE")]
    smtp_ca_file: Option<PathBuf>,
    /// The relay account's user name (AUTH; only over TLS, or to a relay on this machine).
    #[arg(
        long,
        env = "CONSULT_SMTP_USER",
        hide_env_values = true,
        requires = "smtp_password"
    )]
    smtp_user: Option<String>,
    /// The relay account's password; give it in the environment rather than on the command
    /// line, where other users of the machine can see it.
    #[arg(
        long,
        env = "CONSULT_SMTP_PASSWORD",
        hide_env_values = true,
        requires = "smtp_user"
    )]
    smtp_password: Option<String>,
    /// Sender of e-mails.
    #[arg(
        long,
        env = "CONSULT_SMTP_FROM",
        default_value = "Consult <noreply@localhost>"
    )]
    smtp_from: String,
    /// Token requests allowed per client address and minute (guards the client secrets
    /// against guessing; raise it when many integrations share one address).
    #[arg(long, env = "CONSULT_TOKEN_QUOTA", default_value_t = 600, value_parser = clap::value_parser!(u32).range(1..))]
    token_quota: u32,
    /// SMS provider endpoint (HTTPS): receives `POST {"from", "to", "text"}`; without it text
    /// messages wait in the outbox.
    #[arg(long, env = "CONSULT_SMS_URL")]
    sms_url: Option<String>,
    /// Bearer token for the SMS provider.
    #[arg(long, env = "CONSULT_SMS_TOKEN", hide_env_values = true)]
    sms_token: Option<String>,
    /// Sender shown on text messages.
    #[arg(long, env = "CONSULT_SMS_FROM", default_value = "Consult")]
    sms_from: String,
    /// Reverse proxies in front of Consult (comma-separated IP addresses): behind them the
    /// client address limits count is read from `X-Forwarded-For`.
    #[arg(long, env = "CONSULT_TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// Calls of the widget's server functions per client address and minute.
    #[arg(long, env = "CONSULT_PUBLIC_CALLS_PER_MINUTE", default_value_t = 300, value_parser = clap::value_parser!(u32).range(1..))]
    public_calls_per_minute: u32,
    /// Bookings in the public form per client address and 10 minutes.
    #[arg(long, env = "CONSULT_BOOKINGS_PER_ADDRESS", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    bookings_per_address: u32,
    /// Bookings in the public form per site and hour, from everyone together.
    #[arg(long, env = "CONSULT_BOOKINGS_PER_SITE", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    bookings_per_site: u32,
    /// Seconds between the server's pings on each signaling WebSocket (keeps it open through
    /// proxies that close idle connections); 0: no pings.
    #[arg(long, env = "CONSULT_WS_PING_SECONDS", default_value_t = 25)]
    ws_ping_seconds: u64,
    /// Bookings in the public form per e-mail address, and per phone number, in any 24 hours.
    #[arg(long, env = "CONSULT_BOOKINGS_PER_CONTACT", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    bookings_per_contact: u32,
    /// The bus joining several nodes on one PostgreSQL database into one deployment:
    /// `nats://[user:password@]host:port`. Without it this node serves alone.
    #[arg(long, env = "CONSULT_BUS", hide_env_values = true)]
    bus: Option<String>,
    /// Where sealed cloud recordings are kept.
    #[command(flatten)]
    recordings: RecordingsArgs,
}

impl ServeArgs {
    /// The relay: the mode given, else the host's default; the port given, else the mode's.
    fn smtp_config(&self) -> Option<super::smtp::SmtpConfig> {
        let host = self.smtp_host.clone()?;
        let security = self
            .smtp_tls
            .unwrap_or_else(|| super::smtp::SmtpSecurity::default_for(&host));
        Some(super::smtp::SmtpConfig {
            port: self.smtp_port.unwrap_or(security.default_port()),
            host,
            from: self.smtp_from.clone(),
            security,
            ca_file: self.smtp_ca_file.clone(),
            credentials: match (&self.smtp_user, &self.smtp_password) {
                (Some(user), Some(password)) => Some(super::smtp::SmtpCredentials {
                    user: user.clone(),
                    password: password.clone(),
                }),
                _ => None,
            },
        })
    }

    fn config(&self, database: Option<String>) -> Result<Config, String> {
        let mut config = Config::new(&self.data);
        config.database = database.map(super::config::DatabaseUrl);
        config.bus = self.bus.clone().map(super::config::DatabaseUrl);
        config.listen = self.listen;
        config.metrics_listen = self.metrics_listen;
        config.public_url = self.public_url.clone();
        config.dist_dir = self.dist.clone().unwrap_or_else(default_dist_dir);
        config.asset_cache = self.asset_cache.clone();
        config.smtp = self.smtp_config();
        config.anonymous_quota.limit = self.token_quota;
        config.trusted_proxies = self.trusted_proxies.clone();
        config.public_quota.limit = self.public_calls_per_minute;
        config.booking_limits.per_address.limit = self.bookings_per_address;
        config.booking_limits.per_site.limit = self.bookings_per_site;
        config.booking_limits.per_contact = self.bookings_per_contact;
        config.ws_ping = (self.ws_ping_seconds > 0)
            .then(|| std::time::Duration::from_secs(self.ws_ping_seconds));
        config.sms = self.sms_url.clone().map(|url| super::notify::SmsConfig {
            url,
            token: self.sms_token.clone(),
            from: self.sms_from.clone(),
        });
        if let Some(json) = &self.ice_servers {
            config.ice.servers = serde_json::from_str::<Vec<IceServer>>(json)
                .map_err(|e| format!("--ice-servers is not a JSON list of ICE servers: {e}"))?;
        }
        if let Some(secret) = &self.turn_secret {
            if self.turn_urls.is_empty() {
                return Err("--turn-secret needs --turn-urls".into());
            }
            if let Some(bad) = self
                .turn_urls
                .iter()
                .find(|u| !(u.starts_with("turn:") || u.starts_with("turns:")))
            {
                return Err(format!("--turn-urls: {bad} is not a turn: or turns: URL"));
            }
            config.ice.turn = Some(super::signaling::TurnConfig {
                urls: self.turn_urls.clone(),
                secret: secret.clone(),
                margin: chrono::Duration::minutes(self.turn_margin_minutes.into()),
            });
        }
        if self.relay_only && config.ice.turn.is_none() && config.ice.servers.is_empty() {
            return Err("--relay-only needs a TURN server (--turn-urls or --ice-servers)".into());
        }
        config.ice.relay_only = self.relay_only;
        config.recordings_store = self.recordings.store()?;
        Ok(config)
    }
}

/// Run the command line; the process exit code.
pub async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    super::observe::quiet_panics();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("consult: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => {
            // Colour codes only for a person at a terminal: a log file or collector gets
            // plain text.
            let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
            fmt.with_ansi(ansi).try_init()
        }
        LogFormat::Json => fmt
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .try_init(),
    };
}

/// The store of a data folder (its key made if this is the folder's first use).
async fn open_store(
    data: &std::path::Path,
    database: Option<&str>,
) -> Result<super::store::Store, Box<dyn std::error::Error + Send + Sync>> {
    super::private_fs::create_dir(data)?;
    let signer = super::tokens::Signer::load_or_create(&data.join("secret.key"))?;
    super::store::Store::open_for(data, database, signer.outbox_sealer()).await
}

/// An operator's change, in the audit trail (a failure to write it is logged).
async fn operator_event(
    store: &super::store::Store,
    action: &str,
    kind: &str,
    id: &str,
    company: Option<&str>,
) {
    let event = super::audit::Event::new(super::audit::Actor::Operator, action, kind, Some(id))
        .of_company(company);
    if let Err(e) = store.record_audit(&event).await {
        tracing::error!(error = %e, action, "an audit event could not be written");
    }
}

/// The server's parts over a data folder, for a command that changes meetings the way the
/// server does (notices queued for the running server's outbox to send): nothing listens, the
/// public URL is the one the server last started with.
///
/// Recordings it deletes leave the data folder and `recordings`' bucket; when the server
/// keeps them in a bucket this command was not given, their objects are left for the
/// server's sweeper (see [`Config::bucket_elsewhere`]).
async fn offline_state(
    data: &std::path::Path,
    database: Option<String>,
    recordings: Option<super::config::RecordingsStore>,
) -> Result<super::AppState, Box<dyn std::error::Error + Send + Sync>> {
    let store = open_store(data, database.as_deref()).await?;
    let mut config = Config::new(data);
    config.operator_command = true;
    config.database = database.map(super::config::DatabaseUrl);
    config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    config.public_url = Some(
        store
            .setting(super::app::PUBLIC_URL_SETTING)
            .await?
            .unwrap_or_else(|| "http://127.0.0.1:8080".to_string()),
    );
    let servers_bucket = store
        .setting(super::app::RECORDINGS_BUCKET_SETTING)
        .await?
        .filter(|b| !b.is_empty());
    config.bucket_elsewhere = match (&servers_bucket, &recordings) {
        (None, _) => false,
        (Some(_), None) => true,
        // Another bucket than the server's: its objects are not removed from this one.
        (Some(theirs), Some(given)) => *theirs != given.bucket,
    };
    config.recordings_store = recordings;
    config.dist_dir = default_dist_dir();
    drop(store);
    Ok(Application::build(config).await?.state())
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let database = cli.database;
    match cli.command {
        Command::Serve(args) => {
            let app = Application::build(args.config(database.clone())?).await?;
            println!("Consult is listening on {}", app.url());
            if let Some(at) = app.metrics_addr() {
                println!("Metrics at http://{at}/metrics");
            }
            app.run_until_stopped().await?;
        }
        Command::Demo { serve, host_listen } => {
            let app = Application::build(serve.config(database.clone())?).await?;
            let host = tokio::net::TcpListener::bind(host_listen).await?;
            let host_url = format!("http://{}", host.local_addr()?);
            let mut host_origins = vec![host_url.clone()];
            // The same page reached as localhost is another origin; allow both.
            if host_listen.ip().is_loopback() {
                host_origins.push(format!("http://localhost:{}", host_listen.port()));
            }
            let state = app.state();
            let demo = demo::ensure(&state.store, &host_origins).await?;
            let token = state
                .store
                .create_login_link(&demo.agent, chrono::Duration::hours(12))
                .await?;
            println!("Consult demo is running.");
            println!("  Host page (a different origin):   {host_url}/");
            println!(
                "  Agent console (single-use login): {}/login/{token}",
                app.url()
            );
            println!("  Consult server:                   {}", app.url());
            if let Some(at) = app.metrics_addr() {
                println!("  Metrics:                          http://{at}/metrics");
            }
            println!(
                "Book on the host page, open your join link, then admit yourself from the console."
            );
            let host_router = demo::host_router(&app.url(), &demo.site);
            tokio::select! {
                r = app.run_until_stopped() => r?,
                r = axum::serve(host, host_router) => r?,
            }
        }
        Command::Clients {
            command:
                ClientsCommand::Create {
                    name,
                    reseller,
                    quota_limit,
                    quota_interval,
                    quota_unit,
                    data,
                },
        } => {
            use super::store::{Quota, QuotaUnit};
            let unit = match quota_unit.as_str() {
                "minute" => QuotaUnit::Minute,
                "hour" => QuotaUnit::Hour,
                "day" => QuotaUnit::Day,
                other => {
                    return Err(
                        format!("--quota-unit must be minute, hour or day, not {other}").into(),
                    )
                }
            };
            if quota_limit == 0 || quota_interval == 0 {
                return Err("--quota-limit and --quota-interval must be at least 1".into());
            }
            let store = open_store(&data, database.as_deref()).await?;
            let reseller = match reseller {
                Some(id) if store.reseller_exists(&id).await? => id,
                Some(id) => return Err(format!("no reseller {id}").into()),
                None => store.default_reseller(&name).await?,
            };
            let quota = Quota {
                limit: quota_limit,
                interval: quota_interval,
                unit,
            };
            let created = store
                .create_client(
                    &name,
                    crate::model::api::tenancy::EntityType::Reseller,
                    &reseller,
                    quota,
                )
                .await?;
            operator_event(&store, "client.create", "clients", &created.client_id, None).await;
            println!(
                "{}",
                serde_json::json!({ "client_id": created.client_id, "client_secret": created.client_secret })
            );
        }
        Command::Resellers {
            command: ResellersCommand::Create { name, data },
        } => {
            if let Err(e) = crate::model::api::rules::name("name", &name) {
                return Err(format!("--name {}", e.message).into());
            }
            let store = open_store(&data, database.as_deref()).await?;
            let id = store.create_reseller(&name).await?;
            operator_event(&store, "reseller.create", "resellers", &id, None).await;
            println!("{}", serde_json::json!({ "id": id, "name": name }));
        }
        Command::ApiKeys {
            command:
                ApiKeysCommand::Create {
                    company,
                    name,
                    data,
                },
        } => {
            if let Err(e) = crate::model::api::rules::name("name", &name) {
                return Err(format!("--name {}", e.message).into());
            }
            let store = open_store(&data, database.as_deref()).await?;
            let scope = super::store::Scope::Company(company.clone());
            if !store.company_in_scope(&scope, &company).await? {
                return Err(format!("no company {company}").into());
            }
            let (row, key) = store.create_api_key(&company, &name).await?;
            operator_event(
                &store,
                "api_key.create",
                "api-keys",
                &row.id,
                Some(&company),
            )
            .await;
            println!(
                "{}",
                serde_json::json!({ "id": row.id, "name": row.name, "company": row.company, "key": key })
            );
        }
        Command::Companies {
            command: CompaniesCommand::SetRecordingLimit { company, mb, data },
        } => {
            let store = open_store(&data, database.as_deref()).await?;
            if !store.set_recording_limit(&company, mb).await? {
                return Err(format!("no company {company}").into());
            }
            operator_event(
                &store,
                "company.set_recording_limit",
                "companies",
                &company,
                Some(&company),
            )
            .await;
            println!(
                "{}",
                serde_json::json!({ "company": company, "recording_limit_mb": mb })
            );
        }
        Command::Resellers {
            command: ResellersCommand::List { data },
        } => {
            let store = open_store(&data, database.as_deref()).await?;
            for (id, name, suspended) in store.resellers().await? {
                println!(
                    "{}",
                    serde_json::json!({ "id": id, "name": name, "suspended": suspended })
                );
            }
        }
        Command::Backup { to, data } => {
            let store = open_store(&data, database.as_deref()).await?;
            let bytes = super::backup::backup(&store, &to).await?;
            println!(
                "{}",
                serde_json::json!({ "backup": to.display().to_string(), "bytes": bytes })
            );
        }
        Command::Restore { from, data } => {
            if database.is_some() {
                return Err(
                    "restore puts an SQLite backup in place; for PostgreSQL use \
                    pg_restore into an empty database (see `consult backup`)"
                        .into(),
                );
            }
            super::backup::restore(&from, &data).await?;
            println!(
                "{}",
                serde_json::json!({ "restored": data.join("consult.db").display().to_string() })
            );
        }
        Command::PersonalData { command } => {
            let (args, erase) = match command {
                PersonalDataCommand::Export(a) => (a, false),
                PersonalDataCommand::Erase(a) => (a, true),
            };
            let who = super::services::privacy::who(args.email.as_deref(), args.phone.as_deref())
                .map_err(|e| {
                format!("--{} {}", e.field.as_deref().unwrap_or("email"), e.message)
            })?;
            let state = offline_state(&args.data, database, args.recordings.store()?).await?;
            let scope = args.company.clone().map(super::store::Scope::Company);
            if let Some(scope @ super::store::Scope::Company(id)) = &scope {
                if !state.store.company_in_scope(scope, id).await? {
                    return Err(format!("no company {id}").into());
                }
            }
            let (action, out) = if erase {
                let done = super::services::privacy::erase(
                    &state,
                    &super::audit::Actor::Operator,
                    scope.as_ref(),
                    &who,
                    None,
                )
                .await?;
                if done.recordings_deleted > 0 && state.config.bucket_elsewhere {
                    eprintln!(
                        "consult: the server's bucket was not given (--recordings-store): the \
                         recordings are deleted and its sweeper removes their objects"
                    );
                }
                ("personal_data.erase", serde_json::to_string_pretty(&done)?)
            } else {
                let data = super::services::privacy::export(&state, scope.as_ref(), &who).await?;
                ("personal_data.export", serde_json::to_string_pretty(&data)?)
            };
            super::audit::record(
                &state,
                super::audit::Event::new(
                    super::audit::Actor::Operator,
                    action,
                    "personal-data",
                    None,
                )
                .of_company(args.company.as_deref()),
            )
            .await;
            println!("{out}");
        }
        Command::LoginLink {
            email,
            data,
            public_url,
        } => {
            let store = open_store(&data, database.as_deref()).await?;
            let user = store
                .user_by_email(&email)
                .await?
                .ok_or("no user with that e-mail address")?;
            let token = store
                .create_login_link(&user, chrono::Duration::hours(1))
                .await?;
            let company = store.company_of("users", user.as_str()).await?;
            operator_event(
                &store,
                "user.login_link",
                "users",
                user.as_str(),
                company.as_deref(),
            )
            .await;
            let public_url = match public_url {
                Some(url) => url,
                None => store
                    .setting(super::app::PUBLIC_URL_SETTING)
                    .await?
                    .unwrap_or_else(|| "http://127.0.0.1:8080".to_string()),
            };
            let base =
                origin::normalize(&public_url).ok_or("--public-url is not an http(s) URL")?;
            println!("{base}/login/{token}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::smtp::SmtpSecurity;

    fn serve(args: &[&str]) -> Result<Config, String> {
        let cli = Cli::try_parse_from(["consult", "serve"].iter().chain(args))
            .map_err(|e| e.to_string())?;
        match cli.command {
            Command::Serve(serve) => serve.config(None),
            _ => unreachable!(),
        }
    }

    #[test]
    fn smtp_modes_default_by_host_and_an_explicit_flag_wins() {
        let local = serve(&["--smtp-host", "127.0.0.1"]).unwrap().smtp.unwrap();
        assert_eq!((local.security, local.port), (SmtpSecurity::None, 25));
        let remote = serve(&["--smtp-host", "smtp.example.com"])
            .unwrap()
            .smtp
            .unwrap();
        assert_eq!(
            (remote.security, remote.port),
            (SmtpSecurity::Starttls, 587)
        );
        let tls = serve(&["--smtp-host", "localhost", "--smtp-tls", "tls"])
            .unwrap()
            .smtp
            .unwrap();
        assert_eq!((tls.security, tls.port), (SmtpSecurity::Tls, 465));
        let given = serve(&[
            "--smtp-host",
            "smtp.example.com",
            "--smtp-tls",
            "none",
            "--smtp-port",
            "2525",
        ])
        .unwrap()
        .smtp
        .unwrap();
        assert_eq!((given.security, given.port), (SmtpSecurity::None, 2525));
        let e = serve(&["--smtp-host", "smtp.example.com", "--smtp-tls", "maybe"]).unwrap_err();
        assert!(e.contains("maybe") && e.contains("starttls"), "{e}");
    }

    #[tokio::test]
    async fn credentials_in_plain_text_to_another_machine_are_refused_at_start() {
        let plain = serve(&[
            "--smtp-host",
            "smtp.example.com",
            "--smtp-tls",
            "none",
            "--smtp-user",
            "mailer",
            "--smtp-password",
            "hunter2-secret",
        ])
        .unwrap()
        .smtp
        .unwrap();
        let e = plain.transport().expect_err("refused");
        assert!(e.contains("plain text"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
        // A user without a password (or the other way round) is a mistake clap reports.
        let e = serve(&["--smtp-host", "smtp.example.com", "--smtp-user", "mailer"]).unwrap_err();
        assert!(e.contains("--smtp-password"), "{e}");
        // With the default (STARTTLS required) the same account is fine.
        let secure = serve(&[
            "--smtp-host",
            "smtp.example.com",
            "--smtp-user",
            "mailer",
            "--smtp-password",
            "hunter2-secret",
        ])
        .unwrap()
        .smtp
        .unwrap();
        assert!(secure.transport().is_ok());
        assert!(!format!("{secure:?}").contains("hunter2"));
    }
}
