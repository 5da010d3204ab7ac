//! Shared test support: a real server on port 0 with a temporary database (see [`db`]) and the demo
//! host page, and real Chromium sessions driven through chromedriver.
#![allow(dead_code)]

pub mod api;
pub mod browser;
pub mod bytes;
pub mod cluster;
pub mod db;
pub mod nats;
pub mod nginx;
pub mod process;
pub mod quickstart;
pub mod s3;
pub mod sms;
pub mod smtp;
pub mod visual;
pub mod ws;

use consult::model::booking::{Booked, BookingRequest, SlotList};
use consult::model::{SiteId, UserId};
use consult::server::{demo, AppState, Application, Config};
use std::net::SocketAddr;
use tempfile::TempDir;

/// A running Consult server plus a demo host page on another origin.
pub struct TestServer {
    /// The Consult server, `http://127.0.0.1:PORT`.
    pub url: String,
    /// The host page server (a different origin).
    pub host_url: String,
    /// Where `/metrics` is served, `http://127.0.0.1:PORT`, when the configuration asked
    /// for it (`config.metrics_listen`).
    pub metrics_url: Option<String>,
    /// Shared state, to seed data and mint links.
    pub state: AppState,
    /// The demo site.
    pub site: SiteId,
    /// The demo agent.
    pub agent: UserId,
    data: TempDir,
    booked: std::sync::atomic::AtomicUsize,
}

impl TestServer {
    /// Start both servers on free loopback ports.
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    /// Start with a change to the configuration (an SMTP relay, say).
    pub async fn start_with(configure: impl FnOnce(&mut Config)) -> TestServer {
        // The server's log on the test's output when asked (`CONSULT_TEST_LOG=debug`, say);
        // shown for failing tests only, as any test output.
        if let Ok(filter) = std::env::var("CONSULT_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
        let data = tempfile::tempdir().expect("temp dir");
        let mut config = Config::new(data.path());
        config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        config.asset_cache = Some(process::shared_asset_cache());
        config.database = db::url_for(data.path()).map(consult::server::config::DatabaseUrl);
        configure(&mut config);
        let app = Application::build(config).await.expect("server builds");
        let url = app.url();
        let metrics_url = app.metrics_addr().map(|a| format!("http://{a}"));
        let state = app.state();
        let host = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind host page");
        let host_url = format!("http://{}", host.local_addr().unwrap());
        let demo = demo::ensure(&state.store, std::slice::from_ref(&host_url))
            .await
            .expect("demo data");
        let host_router = demo::host_router(&url, &demo.site);
        tokio::spawn(async move { axum::serve(host, host_router).await });
        tokio::spawn(app.run_until_stopped());
        TestServer {
            url,
            host_url,
            metrics_url,
            state,
            site: demo.site,
            agent: demo.agent,
            data,
            booked: Default::default(),
        }
    }

    /// The SQLite file's folder.
    pub fn data_dir(&self) -> &std::path::Path {
        self.data.path()
    }

    /// A fresh single-use console login link for the demo agent.
    pub async fn login_url(&self) -> String {
        self.login_url_for(&self.agent).await
    }

    /// A fresh single-use console login link for any user.
    pub async fn login_url_for(&self, user: &UserId) -> String {
        let token = self
            .state
            .store
            .create_login_link(user, chrono::Duration::minutes(10))
            .await
            .expect("login link");
        format!("{}/login/{token}", self.url)
    }

    /// Book the first free slot for `name` through the booking service.
    pub async fn book(&self, name: &str) -> Booked {
        self.book_slot(name, 0).await
    }

    /// The site's free slots as the booking form gets them.
    pub async fn slot_list(&self) -> SlotList {
        consult::server::services::booking::slots(
            &self.state,
            self.site.as_str(),
            &self.host_url,
            None,
        )
        .await
        .expect("slots")
    }

    /// A booking form's request for `starts_at`: consent given, everything optional empty.
    pub fn booking_request(
        &self,
        starts_at: chrono::DateTime<chrono::Utc>,
        name: &str,
        email: &str,
    ) -> BookingRequest {
        BookingRequest {
            site: self.site.clone(),
            host_origin: self.host_url.clone(),
            starts_at,
            agent: None,
            name: name.into(),
            email: email.into(),
            phone: String::new(),
            note: String::new(),
            consent: true,
            lang: Default::default(),
            time_zone: String::new(),
            prefill: None,
        }
    }

    /// Book through the booking server function over HTTP, as the form in the host page
    /// does (`request` as JSON, the host page's origin in `host_origin`): status, headers and
    /// the JSON answer.
    pub async fn book_over_http(
        &self,
        request: serde_json::Value,
    ) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
        let res = reqwest::Client::new()
            .post(format!("{}/api/v1/booking/book", self.url))
            .header("origin", &self.url)
            .json(&serde_json::json!({ "request": request }))
            .send()
            .await
            .expect("the server answers");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        (
            status,
            headers,
            res.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    /// A booking form's request as JSON for the `index`-th free slot.
    pub async fn booking_json(&self, index: usize, name: &str, email: &str) -> serde_json::Value {
        let slots = self.slot_list().await;
        serde_json::to_value(self.booking_request(slots.slots[index].starts_at, name, email))
            .expect("a request as JSON")
    }

    /// Book the `index`-th free slot for `name` (later slots' rooms open later).
    pub async fn book_slot(&self, name: &str, index: usize) -> Booked {
        let slots = self.slot_list().await;
        // A customer books a few times a day at most (the form caps it per address): each
        // booking here is someone else's, the first at guest@example.com.
        let n = self
            .booked
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let email = match n {
            0 => "guest@example.com".to_string(),
            n => format!("guest{n}@example.com"),
        };
        let request = self.booking_request(slots.slots[index].starts_at, name, &email);
        consult::server::services::booking::book(&self.state, request, None)
            .await
            .expect("booking")
    }

    /// Run the real `consult` CLI on this server's data folder (`--data` is added), as an
    /// operator beside the server would; its standard output. The caller's
    /// `CONSULT_PUBLIC_URL`, if any, is not passed on: the command sees only what it is given.
    pub fn cli(&self, args: &[&str]) -> String {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_consult"));
        db::apply(&mut cmd, self.data_dir());
        let out = cmd
            .args(args)
            .arg("--data")
            .arg(self.data_dir())
            .env_remove("CONSULT_PUBLIC_URL")
            .output()
            .expect("the consult binary runs");
        assert!(
            out.status.success(),
            "consult {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    /// Reseller-level API credentials made with the real CLI (`consult clients create`) on
    /// this server's data folder: `(client_id, client_secret)`.
    pub fn cli_client(&self, name: &str) -> (String, String) {
        let out = self.cli(&["clients", "create", "--name", name]);
        let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["client_id", "client_secret"]);
        (
            v["client_id"].as_str().unwrap().into(),
            v["client_secret"].as_str().unwrap().into(),
        )
    }

    /// A logged-in API caller for a new reseller-level client.
    pub async fn api(&self, name: &str) -> api::Api {
        let (id, secret) = self.cli_client(name);
        api::Api::login(&self.url, &id, &secret).await
    }

    /// A meeting of the demo agent running now, with a room for `capacity` people and one
    /// personal link per guest (written straight to the store: the API allows at most two
    /// guests, and a test of a full room needs a third). Returns the meeting, the agent's link
    /// and the guests' links.
    pub async fn room(&self, guests: &[&str], capacity: u32) -> Room {
        self.room_for(&self.agent, guests, capacity).await
    }

    /// The same, hosted by `agent` (an agent hosts one meeting at a time).
    pub async fn room_for(&self, agent: &UserId, guests: &[&str], capacity: u32) -> Room {
        use consult::server::store::{NewApiMeeting, Scope};
        use consult::server::tokens::{new_id, Signer};
        let site = self.state.store.site(&self.site).await.unwrap().unwrap();
        let now = chrono::Utc::now();
        let m = NewApiMeeting {
            id: new_id(),
            site: self.site.to_string(),
            company: site.company_id.clone(),
            agent: agent.to_string(),
            created_by_user: None,
            created_by_client: Some("test".into()),
            subject: "Three of us".into(),
            invitation: None,
            invitation_sms: None,
            starts_at: now,
            ends_at: now + chrono::Duration::minutes(30),
            opens_at: now - chrono::Duration::minutes(5),
            closes_at: now + chrono::Duration::minutes(60),
            capacity,
            is_appointment: false,
            send_email: false,
            send_sms: false,
            host_link: Signer::new_link_id(),
            guests: guests
                .iter()
                .map(|g| (g.to_string(), None, None, Signer::new_link_id()))
                .collect(),
            messages: Vec::new(),
        };
        let record = self
            .state
            .store
            .create_meeting_api(&Scope::Company(site.company_id.clone()), &m)
            .await
            .expect("meeting");
        let url = |link: &str| {
            format!(
                "{}/join/{}",
                self.url,
                self.state.signer.join_hash(link).unwrap()
            )
        };
        Room {
            meeting: consult::model::MeetingId::parse(&record.id).unwrap(),
            host: url(&m.host_link),
            guests: m.guests.iter().map(|g| url(&g.3)).collect(),
        }
    }

    /// Once nothing waits in the outbox any more: how often each message was tried, by
    /// channel (`("email", 1)`), oldest first. Every message sent exactly once shows 1; a
    /// message about to be sent again would still wait. This proves "nothing more was sent"
    /// without waiting a fixed time.
    pub async fn outbox_settled(&self) -> Vec<(String, i64)> {
        outbox_settled(self.state.store.pool(), "%").await
    }

    /// The same for one channel (`email`, `sms`): a channel without a sender configured keeps
    /// its messages waiting.
    pub async fn outbox_settled_on(&self, channel: &str) -> Vec<(String, i64)> {
        outbox_settled(self.state.store.pool(), channel).await
    }

    /// The demo site's company.
    pub async fn company(&self) -> String {
        self.state
            .store
            .site(&self.site)
            .await
            .unwrap()
            .expect("the demo site")
            .company_id
    }

    /// A room of the rooms API for the demo company, locked or open, with a `human-short`
    /// name or a uuid one, ending in an hour; and its links.
    pub async fn rooms_api_room(
        &self,
        locked: bool,
        human_short: bool,
    ) -> (
        consult::server::store::RoomRow,
        consult::server::services::rooms::Links,
    ) {
        self.rooms_api_room_with(locked, human_short, None).await
    }

    /// [`TestServer::rooms_api_room`] with recording options, as the API stores them
    /// (`{"type": "cloud", "startTrigger": "none"}`).
    pub async fn rooms_api_room_with(
        &self,
        locked: bool,
        human_short: bool,
        recording: Option<&str>,
    ) -> (
        consult::server::store::RoomRow,
        consult::server::services::rooms::Links,
    ) {
        use consult::server::services::rooms;
        let room = rooms::create(
            &self.state,
            rooms::NewRoom {
                company: self.company().await,
                is_locked: locked,
                template: None,
                recording: recording.map(str::to_string),
                prefix: "clinic".into(),
                human_short,
                ends_at: chrono::Utc::now() + chrono::Duration::hours(1),
            },
        )
        .await
        .expect("a room");
        let links = rooms::links(&self.state, &room);
        (room, links)
    }

    /// A meeting's stored status (`scheduled`, `cancelled`, …).
    pub async fn meeting_status(&self, meeting: &str) -> String {
        sqlx::query_scalar("SELECT status FROM meetings WHERE id = $1")
            .bind(meeting)
            .fetch_one(self.state.store.pool())
            .await
            .unwrap()
    }

    /// Cancel a meeting (frees its slot, kills its links).
    pub async fn cancel(&self, meeting: &consult::model::MeetingId) {
        self.state
            .store
            .cancel_meeting(meeting)
            .await
            .expect("cancel");
    }
}

/// [`TestServer::outbox_settled`] for any database (a `consult serve` process's too).
/// `channel` is a `LIKE` pattern (`%`: all).
pub async fn outbox_settled(pool: &sqlx::AnyPool, channel: &str) -> Vec<(String, i64)> {
    let since = std::time::Instant::now();
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND channel LIKE $1",
        )
        .bind(channel)
        .fetch_one(pool)
        .await
        .expect("the outbox");
        if waiting == 0 {
            return sqlx::query_as(
                "SELECT channel, attempts FROM outbox WHERE channel LIKE $1 ORDER BY created_at, id",
            )
            .bind(channel)
            .fetch_all(pool)
            .await
            .expect("the outbox");
        }
        assert!(
            since.elapsed() < std::time::Duration::from_secs(120),
            "{waiting} messages still waiting"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// A meeting made by [`TestServer::room`].
pub struct Room {
    /// Its id.
    pub meeting: consult::model::MeetingId,
    /// The agent's personal link.
    pub host: String,
    /// The guests' links, in the order given.
    pub guests: Vec<String>,
}

/// What a site owner's server does to lock prefilled booking fields: hex HMAC-SHA256 of the
/// prefill text under the site's prefill key.
pub fn sign(key: &str, message: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(message.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// How long to wait for something a test expects "soon": `secs` (what it takes on an ordinary
/// day here) times `CONSULT_TEST_PATIENCE` (default 4). A machine that is slower, busier or
/// stalls for a few seconds (a CI run once lost two browser tests to ten-second waits) still
/// passes; only a real failure takes longer to report.
pub fn patience(secs: u64) -> std::time::Duration {
    let factor = std::env::var("CONSULT_TEST_PATIENCE")
        .ok()
        .and_then(|f| f.parse::<u64>().ok())
        .filter(|f| *f > 0)
        .unwrap_or(4);
    std::time::Duration::from_secs(secs * factor)
}

/// If the next quarter-hour is less than `margin` away, wait until it has passed. The test
/// site offers times from the next quarter-hour on (the first time is gone once it turns): a
/// test that reads the first time offered and needs it still offered, the same, when it
/// submits a form minutes later starts clear of that moment, whatever the hour it runs at.
pub async fn clear_of_the_quarter_hour(margin: std::time::Duration) {
    const QUARTER_MS: i64 = 15 * 60 * 1000;
    let left = QUARTER_MS - chrono::Utc::now().timestamp_millis().rem_euclid(QUARTER_MS);
    if u128::from(left.unsigned_abs()) < margin.as_millis() {
        tokio::time::sleep(std::time::Duration::from_millis(left.unsigned_abs() + 1000)).await;
    }
}
