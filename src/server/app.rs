//! The application: the router of routers, and a builder that binds first so tests can ask
//! for port 0 and learn the real address. (What handlers share: [`super::state`].)

use super::api::quota::Quotas;
use super::assets::Assets;
use super::config::Config;
use super::signaling::Hub;
use super::state::{AppState, Shared};
use super::store::{Engine, Store};
use super::tokens::Signer;
use super::{auth, origin, pages, signaling};
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

/// Failure to start.
pub type BuildError = Box<dyn std::error::Error + Send + Sync>;

/// The settings key under which the server records its public URL at each start.
pub const PUBLIC_URL_SETTING: &str = "public_url";
/// The setting that holds the bucket of cloud recordings the server last started with (its
/// name only; empty: none), for the operator's commands that delete recordings.
pub const RECORDINGS_BUCKET_SETTING: &str = "recordings_bucket";

/// A bound, ready-to-run server.
pub struct Application {
    listener: tokio::net::TcpListener,
    /// `/metrics`, when asked for (`--metrics-listen`).
    metrics_listener: Option<tokio::net::TcpListener>,
    router: Router,
    state: AppState,
}

impl Application {
    /// Open the store, load the widget, bind the listener. Nothing is served until
    /// [`Application::run_until_stopped`].
    pub async fn build(config: Config) -> Result<Application, BuildError> {
        super::private_fs::create_dir(&config.data_dir).map_err(|e| {
            format!(
                "cannot create data folder {}: {e}",
                config.data_dir.display()
            )
        })?;
        let signer = Signer::load_or_create(&config.data_dir.join("secret.key"))?;
        let store = Store::open_for(
            &config.data_dir,
            config.database.as_ref().map(|d| d.0.as_str()),
            signer.outbox_sealer(),
        )
        .await?;
        check_key(&store, &signer).await?;
        // A relay that could never be used (a password bound for plain text, an unreadable
        // CA file) is found now, not at the first message.
        if let Some(smtp) = &config.smtp {
            smtp.transport()?;
        }
        let assets = Assets::load(&config.dist_dir, Some(&config.asset_cache_dir()))?;
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let metrics_listener = match config.metrics_listen {
            None => None,
            Some(at) => Some(
                tokio::net::TcpListener::bind(at)
                    .await
                    .map_err(|e| format!("cannot listen for metrics on {at}: {e}"))?,
            ),
        };
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .to_string();
        let public_origin = origin::normalize(&public_url)
            .ok_or_else(|| format!("public URL {public_url} is not an http(s) URL"))?;
        // For the operator's commands that print links (`consult login-link`), which run
        // without the server's flags.
        if !config.operator_command {
            store.set_setting(PUBLIC_URL_SETTING, &public_url).await?;
        }
        let hub = Hub::new(config.ice.clone(), signer.clone());
        // Rooms' insights are written in the background, as the hub queues them; the writer
        // ends with the hub.
        let (insights, queue) = tokio::sync::mpsc::unbounded_channel();
        hub.record_to(insights);
        tokio::spawn(super::signaling::insights::write(store.clone(), queue));
        // Several nodes may share a PostgreSQL database: they share their counts there.
        let quotas = match store.engine() {
            Engine::Postgres => Quotas::shared(store.clone(), signer.clone()),
            Engine::Sqlite => Quotas::default(),
        };
        // A cluster: the hub runs on one node, the others relay to it (see cluster/).
        let bus = match (&config.bus, store.engine()) {
            (None, _) => None,
            (Some(url), Engine::Postgres) => Some(super::cluster::Bus::connect(&url.0).await?),
            (Some(_), Engine::Sqlite) => return Err(
                "--bus needs --database postgres://…: the nodes of a cluster share one database"
                    .into(),
            ),
        };
        let recordings_bucket = match &config.recordings_store {
            None => None,
            Some(store) => {
                let bucket = super::recordings::bucket::Bucket::connect(store)?;
                tracing::info!(bucket = %bucket.name(), "sealed cloud recordings go to the bucket");
                Some(bucket)
            }
        };
        // An operator command's state records nothing: it is not the server.
        if !config.operator_command {
            let name = config.recordings_store.as_ref().map(|s| s.bucket.as_str());
            store
                .set_setting(RECORDINGS_BUCKET_SETTING, name.unwrap_or_default())
                .await?;
        }
        let state = AppState::new(Shared {
            config,
            store,
            signer,
            hub,
            assets,
            public_url,
            public_origin,
            quotas,
            bus,
            recordings_bucket,
            stopping: tokio::sync::watch::Sender::new(false),
            metrics: Default::default(),
        });
        Ok(Application {
            listener,
            metrics_listener,
            router: router(state.clone()),
            state,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The address `/metrics` is served on, if it is (`--metrics-listen`).
    pub fn metrics_addr(&self) -> Option<std::net::SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
    }

    /// The public URL.
    pub fn url(&self) -> String {
        self.state.public_url.clone()
    }

    /// The shared state (tests use it to seed data and mint links).
    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Serve until the process ends (the outbox is worked alongside).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let worker = tokio::spawn(super::notify::run_worker(self.state.clone()));
        let _stop_worker = AbortOnDrop(worker);
        // Stops by itself with the server (graceful, on `stopping`); aborted if still there.
        let _metrics = self
            .metrics_listener
            .map(|l| AbortOnDrop(tokio::spawn(super::metrics::serve(l, self.state.clone()))));
        let state = self.state.clone();
        let sweeper = tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
            let mut retention_at = chrono::DateTime::<chrono::Utc>::MIN_UTC;
            loop {
                every.tick().await;
                let now = chrono::Utc::now();
                state.hub.close_ended(now);
                // Rooms of meetings cancelled outside this server (the operator's command
                // line): on every node, each ends those of its own hub. Logged where it fails.
                let _ = super::signaling::end_cancelled(&state).await;
                // Recordings whose uploads are over are sealed; files a delete left, removed.
                // On every node: each seals what its own disk holds (see `recordings::seal`).
                let _ = super::recordings::sweep(&state, now).await;
                // The database's chores, by one node at a time when several share it.
                if !state
                    .store
                    .sweep_turn(now, chrono::Duration::seconds(4))
                    .await
                    .unwrap_or(false)
                {
                    continue;
                }
                // Rooms of the rooms API closed an hour after their end: gone, links and all.
                // A failure is logged where it happens; the next tick tries again.
                let _ = super::services::rooms::sweep(&state, now).await;
                state.quotas.sweep(now).await;
                // Personal data past its company's retention period: erased, once a minute
                // (periods are days; there is no hurry, and the queries join companies).
                if now - retention_at >= chrono::Duration::minutes(1) {
                    retention_at = now;
                    if let Err(e) = super::services::privacy::sweep(&state, now).await {
                        tracing::error!(error = %e, "the retention pass failed; it runs again in a minute");
                    }
                }
            }
        });
        let _stop_sweeper = AbortOnDrop(sweeper);
        let mut _cluster = Vec::new();
        if let (Some(bus), Some(db)) = (&self.state.bus, &self.state.config.database) {
            let tasks = bus
                .start(self.state.clone(), db.0.clone())
                .await
                .map_err(std::io::Error::other)?;
            _cluster.extend(tasks.into_iter().map(AbortOnDrop));
        }
        let state = self.state.clone();
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            stop_requested().await;
            tracing::info!("stopping: no new connections; requests finish, calls resume");
            // WebSockets are not requests the shutdown waits for: each is told to reconnect
            // (its page resumes its call once a server answers again).
            state.stopping.send_replace(true);
        })
        .await?;
        // Let the sockets' writers send their close frames.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// The settings key of the fingerprint of the `secret.key` a database is used with.
pub const KEY_FINGERPRINT_SETTING: &str = "key_fingerprint";

/// Refuse to serve a database with another `secret.key` than the one it was used with (a
/// node of a cluster whose key was not copied, a database moved without its key): join
/// links would all be invalid and queued messages unreadable, and given up. The first start
/// records the key's fingerprint (a keyed hash: it tells nothing of the key); nodes starting
/// together agree on one, the first to write it.
async fn check_key(store: &Store, signer: &Signer) -> Result<(), BuildError> {
    let mine = signer.limit_tag("secret.key fingerprint");
    store
        .set_setting_once(KEY_FINGERPRINT_SETTING, &mine)
        .await?;
    match store.setting(KEY_FINGERPRINT_SETTING).await? {
        Some(recorded) if recorded != mine => Err(format!(
            "this data folder's secret.key is not the key this database was used with: copy \
             secret.key from the data folder of a node already serving this database (every \
             node of a deployment needs the same one). If that key is lost for good, the old \
             join links and queued messages are lost with it; to start over with this key, \
             delete the setting first: DELETE FROM settings WHERE key = '{KEY_FINGERPRINT_SETTING}'"
        )
        .into()),
        _ => Ok(()),
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The whole HTTP surface: each module's router, plus server functions under `/api`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::router())
        .merge(auth::router())
        .merge(signaling::router())
        .merge(super::api::router(state.clone()))
        .merge(super::whereby::router(state.clone()))
        .merge(super::appointments::router(state.clone()))
        .merge(super::recordings::router())
        // Every server function has a versioned endpoint under /api/v1 (see server_fns/).
        .merge(crate::server_fns::router())
        // Browsers ask every page's origin for an icon; we have none to show (a site's
        // logo is its own): "nothing", cached, instead of a 404 in every page's console.
        .route(
            "/favicon.ico",
            get(|| async {
                (
                    axum::http::StatusCode::NO_CONTENT,
                    [(header::CACHE_CONTROL, "public, max-age=604800")],
                )
            }),
        )
        // Alive and answering (at once, also while the widget's files are being compressed).
        .route("/healthz", get(|| async { "ok" }))
        // Serving at its best: the widget's files are compressed (503 until then).
        .route("/readyz", get(readyz))
        // A handler that panics answers 500 like any internal error, the server lives on; the
        // innermost layer, so the answer still gets its request id, log line and headers.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            super::observe::panicked,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // Whatever sets no policy of its own (the login and set-password forms, the API
        // documentation, JSON answers) may load nothing and be framed by no one.
        .layer(axum::middleware::map_response(default_policy))
        // Join links carry a secret in their path: never send it on as a referrer.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        // One line per request with its id and route template (see observe.rs).
        .layer(axum::middleware::from_fn(super::observe::request))
        // Counted by route template, method and status for `/metrics` (see metrics/http.rs).
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            super::metrics::http::count,
        ))
        .with_state(state)
}

/// The policy of answers without their own: nothing loaded, no framing (clickjacking of the
/// password forms), forms posting only to us. Pages of the widget set theirs (`pages.rs`).
async fn default_policy(mut res: Response) -> Response {
    let h = res.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            ),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    res
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    use axum::http::StatusCode;
    let unavailable = |why: &'static str| (StatusCode::SERVICE_UNAVAILABLE, why);
    if !state.assets.compressed() {
        return unavailable("compressing the widget");
    }
    let ping = tokio::time::timeout(std::time::Duration::from_secs(2), state.store.ping());
    if !matches!(ping.await, Ok(Ok(()))) {
        return unavailable("the database does not answer");
    }
    if let Some(bus) = &state.bus {
        if bus.owner().is_none() {
            return unavailable("no node owns the signaling hub yet");
        }
        // The hub's owner serves its own sockets without the bus; any other node relays
        // every socket through it. With the bus down, a balancer checking this sends
        // everything to the owner, which still serves.
        if !bus.owns() && !bus.connected() {
            return unavailable("the bus is not reachable");
        }
    }
    (StatusCode::OK, "ready")
}

/// Resolves when the process is asked to stop: SIGTERM (service managers, rolling restarts)
/// or Ctrl-C.
async fn stop_requested() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = terminate => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
