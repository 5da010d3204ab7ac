//! REST API benchmark: latency (p50, p99) and throughput at 200 concurrent connections for
//! the token, create-meeting and list-meetings calls, on SQLite and (given a server in
//! `CONSULT_TEST_POSTGRES`, as scripts/bench.sh does) on PostgreSQL, driven by `wrk` (Debian).
//!
//! Beside each Consult endpoint, in the same run and on the same machine, a floor: a plain
//! axum handler doing the same database work (the same statements on the same schema, pool and
//! pragmas) with no authentication, quota, tenancy, validation or envelope. The gap between the
//! two is what the API's own rules cost.
//!
//! `cargo bench --features ssr --bench api` (scripts/bench.sh runs it). Needs `wrk`.

#[path = "support/report.rs"]
mod report;
#[path = "../tests/support/mod.rs"]
mod support;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use consult::server::store::to_ms;
use consult::server::tokens::{hash_token, new_id, new_token, Signer};
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::{Row, SqlitePool};
use std::process::Command;
use support::TestServer;

const CONNECTIONS: u32 = 200;
const THREADS: u32 = 2;
const SECONDS: u32 = 10;
const WARM_UP_SECONDS: u32 = 2;
/// Meetings in each database when the list is measured.
const SEEDED: i64 = 10_000;
/// Seeded meetings are one minute long, a minute apart, from 2031-01-01T00:00:00Z.
const SEED_BASE_MS: i64 = 1_924_992_000_000;

/// One measured run of wrk.
#[derive(Debug, Deserialize)]
struct Run {
    requests: u64,
    duration_us: u64,
    p50_us: u64,
    p99_us: u64,
    bad_status: u64,
    socket_errors: u64,
}

impl Run {
    fn rps(&self) -> f64 {
        self.requests as f64 / (self.duration_us as f64 / 1e6)
    }
}

/// wrk script: what every scenario shares. `done` prints one JSON line to parse.
const LUA_COMMON: &str = r#"
local next_id = 0
function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
end
local shown = false
function response(status, headers, body)
  if status > 299 and not shown then
    shown = true
    io.write("REFUSED ", status, " ", body, "\n")
  end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"bad_status":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
"#;

/// The token call: the quick start's JSON body.
fn token_script(path: &str, client_id: &str, secret: &str) -> String {
    let body = json!({ "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret })
        .to_string();
    format!(
        r#"{LUA_COMMON}
wrk.method = "POST"
wrk.path = "{path}"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{body}]]
"#
    )
}

/// The create call: every request a new one-minute meeting for the same agent, at a time no
/// other request (of this thread, this thread's peers, or an earlier run) uses.
fn create_script(path: &str, token: &str, site: &str, agent: &str, run: u32) -> String {
    format!(
        r#"{LUA_COMMON}
local n = 0
local base = 2208988800 -- 2040-01-01T00:00:00Z
request = function()
  n = n + 1
  local t = base + (({run} * 8 + tid) * 1000000 + n) * 60
  local body = string.format(
    '{{"site":"{site}","agent":"{agent}","time_start":"%s","time_end":"%s","participants":[{{"name":"Bench Guest","email":"guest@example.com"}}]}}',
    os.date("!%Y-%m-%dT%H:%M:%SZ", t), os.date("!%Y-%m-%dT%H:%M:%SZ", t + 60))
  return wrk.format("POST", "{path}", {{["Content-Type"] = "application/json", ["Authorization"] = "Bearer {token}"}}, body)
end
"#
    )
}

/// The list call: the first page, default size.
fn list_script(path: &str, token: &str) -> String {
    format!(
        r#"{LUA_COMMON}
wrk.method = "GET"
wrk.path = "{path}"
wrk.headers["Authorization"] = "Bearer {token}"
"#
    )
}

/// Run wrk against `url` with `script` for `seconds`.
fn wrk(url: &str, script: &str, seconds: u32) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("bench.lua");
    std::fs::write(&file, script).expect("write script");
    let out = Command::new("wrk")
        .args([
            &format!("-t{THREADS}"),
            &format!("-c{CONNECTIONS}"),
            &format!("-d{seconds}s"),
            "--timeout",
            "30s",
            "-s",
        ])
        .arg(&file)
        .arg(url)
        .output()
        .expect("wrk runs (apt-get install wrk)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "wrk failed: {stdout}");
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| panic!("no result from wrk: {stdout}"));
    let run: Run = serde_json::from_str(line).expect("wrk result JSON");
    // A benchmark of refusals measures nothing: every answer must have been a success.
    assert_eq!(
        run.bad_status, 0,
        "{url}: non-2xx answers: {run:?}\n{stdout}"
    );
    assert_eq!(run.socket_errors, 0, "{url}: socket errors: {run:?}");
    run
}

/// Warm up, then measure.
fn measure(url: &str, script: impl Fn(u32) -> String) -> Run {
    wrk(url, &script(0), WARM_UP_SECONDS);
    // A mark for a profiler to attach at (`perf record -p` for the row's 10 s).
    eprintln!("api bench: measuring {url}");
    wrk(url, &script(1), SECONDS)
}

// ---------------------------------------------------------------------------------------------
// The floor: plain axum handlers, the same statements, each engine through its own sqlx driver.

/// The floor's database: SQLite or PostgreSQL, each through its own sqlx driver (Consult's
/// store goes through sqlx's engine-neutral layer to serve both).
#[derive(Clone)]
enum FloorPool {
    Sqlite(SqlitePool),
    Postgres(sqlx::PgPool),
}

/// Run `$body` with `$p` bound to the pool of either engine (the same code, compiled for each).
macro_rules! on_pool {
    ($pool:expr, |$p:ident| $body:expr) => {
        match $pool {
            FloorPool::Sqlite($p) => $body,
            FloorPool::Postgres($p) => $body,
        }
    };
}

#[derive(Clone)]
struct Floor {
    pool: FloorPool,
    company: String,
}

#[derive(Deserialize)]
struct TokenIn {
    client_id: String,
    client_secret: String,
}

async fn floor_token(State(f): State<Floor>, Json(b): Json<TokenIn>) -> Json<Value> {
    let (token, hash) = new_token();
    let expires = chrono::Utc::now() + chrono::Duration::hours(1);
    on_pool!(&f.pool, |pool| {
        let stored: String = sqlx::query_scalar(
            "SELECT secret_hash FROM api_clients WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(&b.client_id)
        .fetch_one(pool)
        .await
        .expect("client");
        assert_eq!(stored, hash_token(&b.client_secret));
        sqlx::query(
            "INSERT INTO api_tokens (token_hash, client_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(&hash)
        .bind(&b.client_id)
        .bind(to_ms(expires))
        .execute(pool)
        .await
        .expect("insert token");
    });
    Json(json!({ "access_token": token, "expires": expires.to_rfc3339(), "token_type": "Bearer" }))
}

#[derive(Deserialize)]
struct Guest {
    name: String,
    email: String,
}

#[derive(Deserialize)]
struct MeetingIn {
    site: String,
    agent: String,
    time_start: chrono::DateTime<chrono::Utc>,
    time_end: chrono::DateTime<chrono::Utc>,
    participants: Vec<Guest>,
}

/// The meeting and its participants in one transaction: the statements Consult runs. Writers
/// take turns as Consult's do: SQLite's write lock at once (`BEGIN IMMEDIATE`), on PostgreSQL
/// the advisory lock Consult's writers take.
async fn insert_meeting(pool: &FloorPool, company: &str, m: &MeetingIn) -> String {
    let id = new_id();
    let now = to_ms(chrono::Utc::now());
    macro_rules! statements {
        ($tx:ident) => {{
            sqlx::query(
                "INSERT INTO meetings (id, company_id, site_id, agent_id, subject, starts_at, ends_at, opens_at,
                                       closes_at, capacity, created_at, is_appointment, send_email, send_sms)
                 VALUES ($1, $2, $3, $4, '', $5, $6, $5, $6, 2, $7, 1, 0, 0)",
            )
            .bind(&id)
            .bind(company)
            .bind(&m.site)
            .bind(&m.agent)
            .bind(to_ms(m.time_start))
            .bind(to_ms(m.time_end))
            .bind(now)
            .execute(&mut *$tx)
            .await
            .expect("insert meeting");
            sqlx::query(
                "INSERT INTO participants (id, meeting_id, user_id, name, email, is_host, link_id, username, created_at)
                 SELECT $1, $2, u.id, u.first_name || ' ' || u.last_name, u.email, 1, $3, 'agent', $4 FROM users u WHERE u.id = $5",
            )
            .bind(new_id())
            .bind(&id)
            .bind(Signer::new_link_id())
            .bind(now)
            .bind(&m.agent)
            .execute(&mut *$tx)
            .await
            .expect("insert host");
            for g in &m.participants {
                sqlx::query(
                    "INSERT INTO participants (id, meeting_id, name, email, is_host, link_id, username, created_at)
                     VALUES ($1, $2, $3, $4, 0, $5, 'visitor', $6)",
                )
                .bind(new_id())
                .bind(&id)
                .bind(&g.name)
                .bind(&g.email)
                .bind(Signer::new_link_id())
                .bind(now)
                .execute(&mut *$tx)
                .await
                .expect("insert guest");
            }
            $tx.commit().await.expect("commit");
        }};
    }
    // Each `BEGIN` in a task of its own, as Consult's store does: wrk ends a run with requests
    // in flight, and a handler dropped between sqlx's `BEGIN` and the `Transaction` that would
    // roll it back hands its connection back inside a transaction.
    match pool {
        FloorPool::Sqlite(pool) => {
            let pool = pool.clone();
            let mut tx = tokio::spawn(async move { pool.begin_with("BEGIN IMMEDIATE").await })
                .await
                .expect("the task")
                .expect("begin");
            statements!(tx);
        }
        FloorPool::Postgres(pool) => {
            let pool = pool.clone();
            let mut tx = tokio::spawn(async move {
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(0x0043_4f4e_5355_4c54_i64)
                    .execute(&mut *tx)
                    .await?;
                Ok::<_, sqlx::Error>(tx)
            })
            .await
            .expect("the task")
            .expect("begin and the writers' lock");
            statements!(tx);
        }
    }
    id
}

async fn floor_create(
    State(f): State<Floor>,
    Json(m): Json<MeetingIn>,
) -> (axum::http::StatusCode, Json<Value>) {
    let id = insert_meeting(&f.pool, &f.company, &m).await;
    (
        axum::http::StatusCode::CREATED,
        Json(json!({ "success": true, "result": { "id": id } })),
    )
}

/// The first 25 meetings by start, with their participants: two queries.
async fn floor_list(State(f): State<Floor>) -> Json<Value> {
    const PAGE: &str = "SELECT id, site_id, agent_id, starts_at, ends_at FROM meetings
         WHERE status = 'scheduled' ORDER BY starts_at, id LIMIT 25";
    let items: Vec<Value> = on_pool!(&f.pool, |pool| {
        let rows = sqlx::query(PAGE).fetch_all(pool).await.expect("meetings");
        let ids: Vec<String> = rows.iter().map(|r| r.get("id")).collect();
        // The page's ids bound as one list: SQLite reads it as JSON, PostgreSQL as an array.
        let parts = match &f.pool {
            FloorPool::Sqlite(_) => sqlx::query(
                "SELECT meeting_id, name, email FROM participants
                 WHERE meeting_id IN (SELECT value FROM json_each($1))",
            )
            .bind(serde_json::to_string(&ids).expect("ids")),
            FloorPool::Postgres(_) => sqlx::query(
                "SELECT meeting_id, name, email FROM participants
                 WHERE meeting_id IN (SELECT json_array_elements_text(CAST($1 AS json)))",
            )
            .bind(serde_json::to_string(&ids).expect("ids")),
        }
        .fetch_all(pool)
        .await
        .expect("participants");
        rows.iter()
            .map(|r| {
                let id: String = r.get("id");
                let ps: Vec<Value> = parts
                    .iter()
                    .filter(|p| p.get::<String, _>("meeting_id") == id)
                    .map(|p| json!({ "name": p.get::<String, _>("name"), "email": p.get::<Option<String>, _>("email") }))
                    .collect();
                json!({ "id": id, "site": r.get::<String, _>("site_id"), "agent": r.get::<String, _>("agent_id"),
                        "time_start": r.get::<i64, _>("starts_at"), "time_end": r.get::<i64, _>("ends_at"), "participants": ps })
            })
            .collect()
    });
    Json(json!({ "success": true, "result": items }))
}

/// A plain sqlx pool on a test server's database, with the pragmas and size of Consult's own:
/// its SQLite file, or its PostgreSQL database when the run is on PostgreSQL.
async fn native_pool(data: &std::path::Path) -> FloorPool {
    if let Some(url) = support::db::url_for(data) {
        return FloorPool::Postgres(
            sqlx::postgres::PgPoolOptions::new()
                .max_connections(16)
                .connect(&url)
                .await
                .expect("the floor's pool"),
        );
    }
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(data.join("consult.db"))
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
        .foreign_keys(true)
        .pragma("secure_delete", "on")
        .busy_timeout(std::time::Duration::from_secs(5));
    FloorPool::Sqlite(
        sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .expect("the floor's pool"),
    )
}

async fn start_floor(data: &std::path::Path, company: String) -> String {
    let floor = Floor {
        pool: native_pool(data).await,
        company,
    };
    let app = Router::new()
        .route("/token", post(floor_token))
        .route("/meetings", post(floor_create).get(floor_list))
        .with_state(floor);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind floor");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

// ---------------------------------------------------------------------------------------------

/// A reseller-level client with a quota no benchmark reaches: `(id, secret)`.
fn client(server: &TestServer) -> (String, String) {
    let out = server.cli(&[
        "clients",
        "create",
        "--name",
        "bench",
        "--quota-limit",
        "1000000000",
    ]);
    let v: Value = serde_json::from_str(&out).expect("client JSON");
    (
        v["client_id"].as_str().unwrap().into(),
        v["client_secret"].as_str().unwrap().into(),
    )
}

async fn company_of(server: &TestServer) -> String {
    sqlx::query_scalar("SELECT company_id FROM sites WHERE id = $1")
        .bind(server.site.as_str())
        .fetch_one(server.state.store.pool())
        .await
        .expect("company")
}

/// Fill a database with [`SEEDED`] meetings, one guest each, by the floor's own insert.
async fn seed(server: &TestServer, company: &str) {
    let pool = native_pool(server.data_dir()).await;
    for i in 0..SEEDED {
        let start = SEED_BASE_MS + i * 60_000;
        let m = MeetingIn {
            site: server.site.as_str().into(),
            agent: server.agent.as_str().into(),
            time_start: consult::server::store::from_ms(start),
            time_end: consult::server::store::from_ms(start + 60_000),
            participants: vec![Guest {
                name: format!("Guest {i}"),
                email: format!("guest{i}@example.com"),
            }],
        };
        insert_meeting(&pool, company, &m).await;
    }
    // PostgreSQL plans from statistics its autovacuum gathers a while after a bulk insert;
    // gathered now, the rows measure a database in its steady state. (SQLite gathers none
    // unless told, and Consult never tells it: nothing to do there.)
    if let FloorPool::Postgres(pool) = &pool {
        sqlx::query("ANALYZE").execute(pool).await.expect("analyze");
    }
}

fn row(what: &str, engine: &str, consult: &Run, floor: &Run) -> String {
    let ms = |us: u64| us as f64 / 1000.0;
    format!(
        "| {what} | {engine} | {:.1} | {:.1} | {:.0} | {:.1} | {:.1} | {:.0} |\n",
        ms(consult.p50_us),
        ms(consult.p99_us),
        consult.rps(),
        ms(floor.p50_us),
        ms(floor.p99_us),
        floor.rps()
    )
}

/// Every row on the engine the test support picks (see `support::db`): Consult's and the
/// floor's token, create and list runs.
async fn rows() -> [Run; 6] {
    // Two servers, two databases of the same schema with the same demo data.
    // Tokens are limited per client address (600 a minute by default); the load comes from
    // one address, so that guard is raised here, as `--token-quota` does.
    let server = TestServer::start_with(|c| c.anonymous_quota.limit = 1_000_000_000).await;
    let floor_db = TestServer::start().await;
    let (client_id, secret) = client(&server);
    let (floor_client_id, floor_secret) = client(&floor_db);
    let company = company_of(&server).await;
    let floor_company = company_of(&floor_db).await;
    let floor_url = start_floor(floor_db.data_dir(), floor_company.clone()).await;
    let api = support::api::Api::login(&server.url, &client_id, &secret).await;
    let token = api.token.clone().expect("token");
    seed(&server, &company).await;
    seed(&floor_db, &floor_company).await;

    // One call of each by hand first, so a refusal shows its reason.
    let probe = api.get("/api/v2/personal/meetings").await;
    assert_eq!(probe.status, 200, "list: {}", probe.body);

    // The list first, while both databases hold exactly the seeded meetings.
    let list_path = "/api/v2/personal/meetings";
    let list = measure(&format!("{}{list_path}", server.url), |_| {
        list_script(list_path, &token)
    });
    let list_floor = measure(&format!("{floor_url}/meetings"), |_| {
        list_script("/meetings", "")
    });
    let token_path = "/api/v2/oauth2/token";
    let tokens = measure(&format!("{}{token_path}", server.url), |_| {
        token_script(token_path, &client_id, &secret)
    });
    let tokens_floor = measure(&format!("{floor_url}/token"), |_| {
        token_script("/token", &floor_client_id, &floor_secret)
    });
    let create = measure(&format!("{}{list_path}", server.url), |run| {
        create_script(
            list_path,
            &token,
            server.site.as_str(),
            server.agent.as_str(),
            run,
        )
    });
    let create_floor = measure(&format!("{floor_url}/meetings"), |run| {
        create_script(
            "/meetings",
            "",
            floor_db.site.as_str(),
            floor_db.agent.as_str(),
            run,
        )
    });
    [tokens, tokens_floor, create, create_floor, list, list_floor]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    // The server's own errors, if any, go to stderr: a refusal in a row says why there.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .with_writer(std::io::stderr)
        .try_init();
    runtime.block_on(async {
        // SQLite first; then, where a PostgreSQL server is given (scripts/bench.sh starts one,
        // as the tests do), the same rows on PostgreSQL.
        let postgres = support::db::postgres_server();
        std::env::remove_var("CONSULT_TEST_POSTGRES");
        let mut engines = vec![("SQLite", rows().await)];
        let mut postgres_version = None;
        if let Some(url) = postgres {
            std::env::set_var("CONSULT_TEST_POSTGRES", &url);
            engines.push(("PostgreSQL", rows().await));
            postgres_version = Command::new("psql")
                .arg(format!("{url}/postgres"))
                .args(["-tAc", "SHOW server_version"])
                .output()
                .ok()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
        }
        let wrk_version = Command::new("wrk")
            .arg("-v")
            .output()
            .map(|o| {
                let v = String::from_utf8_lossy(&o.stdout);
                let first = v.lines().next().unwrap_or("");
                first.split(" Copyright").next().unwrap_or("").trim().to_string()
            })
            .unwrap_or_default();
        let mut md = String::new();
        md += &format!(
            "Measured by `cargo bench --features ssr --bench api` on {} ({}, {} cores, shared by server and load tool), \
             {wrk_version}: {CONNECTIONS} connections, {THREADS} threads, {SECONDS} s per row after a {WARM_UP_SECONDS} s warm-up, loopback; SQLite in WAL mode; {}.\n\n",
            chrono::Utc::now().format("%Y-%m-%d"),
            std::env::consts::ARCH,
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            match postgres_version.as_deref() {
                Some(v) => format!("PostgreSQL {v} on the same machine (a cluster of the bench's own: fsync off, as in the tests)"),
                None => "no PostgreSQL given (rows on SQLite only)".to_string(),
            }
        );
        md += "| call | engine | Consult p50 ms | p99 ms | req/s | floor p50 ms | p99 ms | req/s |\n|---|---|---:|---:|---:|---:|---:|---:|\n";
        for (engine, [tokens, tokens_floor, create, create_floor, list, list_floor]) in &engines {
            md += &row("`POST /api/v2/oauth2/token`", engine, tokens, tokens_floor);
            md += &row("`POST /api/v2/personal/meetings` (one guest)", engine, create, create_floor);
            md += &row(&format!("`GET /api/v2/personal/meetings` (first page of 25, {SEEDED} meetings)"), engine, list, list_floor);
        }
        md += "\nFloor: a plain axum handler on the same schema, pool size and pragmas running the same \
               statements through the engine's own sqlx driver (token: look up the client, insert the token \
               hash; create: insert the meeting, host and guest in one transaction that waits its turn as \
               Consult's writers do, `BEGIN IMMEDIATE` on SQLite, the writers' advisory lock on PostgreSQL; \
               list: one page and its participants), without authentication, quota, tenancy, validation, \
               the agent's overlap check or the full response. Consult's store goes through sqlx's \
               engine-neutral layer (`Any`), which copies every column of every row once more. Every \
               answer in every row was a success.\n";
        println!("{md}");
        report::publish("api", "REST API", &md);
    });
}
