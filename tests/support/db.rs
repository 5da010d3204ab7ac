//! The database behind a test's data folder. By default the SQLite file `consult.db` in it;
//! when `CONSULT_TEST_POSTGRES` names a PostgreSQL server (`scripts/test.sh` starts one on
//! loopback for its second pass), a database of that folder's own on it, made on first use.
//! A server restarted on the same folder finds the same database, as it would the same file.

use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

/// The PostgreSQL server the tests run on, if any (`postgres://user@127.0.0.1:PORT`).
pub fn postgres_server() -> Option<String> {
    std::env::var("CONSULT_TEST_POSTGRES")
        .ok()
        .filter(|s| !s.is_empty())
}

/// Whether this run's servers use PostgreSQL.
pub fn on_postgres() -> bool {
    postgres_server().is_some()
}

/// The `--database` of a server on `data`: `None` on SQLite; on PostgreSQL the URL of the
/// folder's database, created if it does not exist yet.
pub fn url_for(data: &Path) -> Option<String> {
    static MADE: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let server = postgres_server()?;
    // Named after the folder (a fresh temporary folder per test), so the name is the same
    // each time it is asked for.
    let mut hash = std::collections::hash_map::DefaultHasher::new();
    data.hash(&mut hash);
    let name = format!("t_{:016x}", hash.finish());
    let mut made = MADE.lock().unwrap_or_else(|e| e.into_inner());
    if !made.contains(&name) {
        let exists = psql(
            &server,
            &format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
        );
        if exists.trim() != "1" {
            psql(&server, &format!("CREATE DATABASE {name}"));
        }
        made.insert(name.clone());
    }
    Some(format!("{server}/{name}"))
}

/// Give `cmd` (a `consult` command on `data`) the folder's database: `CONSULT_DATABASE`
/// set on PostgreSQL, removed on SQLite (never the caller's own).
pub fn apply(cmd: &mut Command, data: &Path) {
    match url_for(data) {
        Some(url) => cmd.env("CONSULT_DATABASE", url),
        None => cmd.env_remove("CONSULT_DATABASE"),
    };
}

/// A pool on the database of `data`, beside any server using it (SQLite waits up to 5 s for
/// a writer's lock).
pub async fn pool(data: &Path) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    let url = match url_for(data) {
        Some(url) => url,
        None => sqlx::ConnectOptions::to_url_lossy(
            &sqlx::sqlite::SqliteConnectOptions::new().filename(data.join("consult.db")),
        )
        .to_string(),
    };
    sqlx::any::AnyPoolOptions::new()
        .max_connections(2)
        .connect(&url)
        .await
        .expect("the test's database opens")
}

/// Run one statement with `psql` on the server's maintenance database; its output.
fn psql(server: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .arg(format!("{server}/postgres"))
        .args(["-v", "ON_ERROR_STOP=1", "-tAc", sql])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The `consult` binary, to run on `data` (its database applied: see [`apply`]); the caller
/// still passes `--data`.
pub fn consult(data: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_consult"));
    apply(&mut cmd, data);
    cmd
}

/// A copy of the database of `from` as the database of `to` (what a thief of the files gets):
/// the SQLite file and its write-ahead log copied; on PostgreSQL a database made from the
/// other as its template (no server may be using it).
pub fn copy(from: &Path, to: &Path) {
    match postgres_server() {
        None => {
            for name in ["consult.db", "consult.db-wal"] {
                if from.join(name).exists() {
                    std::fs::copy(from.join(name), to.join(name)).unwrap();
                }
            }
        }
        Some(server) => {
            let name = |url: String| url.rsplit('/').next().unwrap().to_string();
            let source = name(url_for(from).unwrap());
            // Made by `url_for` as an empty database: replaced by the copy.
            let target = name(url_for(to).unwrap());
            psql(&server, &format!("DROP DATABASE {target}"));
            // Pools of the test itself may still hold connections to the source.
            psql(
                &server,
                &format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = '{source}' AND pid <> pg_backend_pid()"
                ),
            );
            psql(
                &server,
                &format!("CREATE DATABASE {target} TEMPLATE {source}"),
            );
        }
    }
}

/// Every byte the database of `data` keeps on disk: SQLite's file, write-ahead log and shared
/// memory; on PostgreSQL (after a checkpoint, so nothing waits only in memory) the files of
/// that database and the server's write-ahead log.
pub fn bytes_at_rest(data: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    let mut add = |dir: &Path, only: Option<&[&str]>| {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let keep = only.is_none_or(|names| {
                names
                    .iter()
                    .any(|n| entry.file_name().to_string_lossy() == *n)
            });
            if keep && entry.path().is_file() {
                if let Ok(bytes) = std::fs::read(entry.path()) {
                    all.extend(bytes);
                }
            }
        }
    };
    match postgres_server() {
        None => add(
            data,
            Some(&["consult.db", "consult.db-wal", "consult.db-shm"]),
        ),
        Some(server) => {
            let cluster = std::env::var("CONSULT_PG_DIR")
                .expect("CONSULT_PG_DIR: the test cluster's folder (scripts/setup.sh)");
            let url = url_for(data).unwrap();
            let name = url.rsplit('/').next().unwrap();
            psql(&server, "CHECKPOINT");
            let oid = psql(
                &server,
                &format!("SELECT oid FROM pg_database WHERE datname = '{name}'"),
            );
            let cluster = Path::new(&cluster).join("data");
            add(&cluster.join("base").join(oid.trim()), None);
            add(&cluster.join("pg_wal"), None);
        }
    }
    all
}

/// A reseller-level API client made with the real CLI on `data` (which makes the folder, its
/// key and its database if need be): `(client_id, client_secret)`.
pub fn new_client(data: &Path, name: &str) -> (String, String) {
    let out = consult(data)
        .args(["clients", "create", "--name", name, "--data"])
        .arg(data)
        .output()
        .expect("the consult binary runs");
    assert!(
        out.status.success(),
        "clients create: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    (
        v["client_id"].as_str().expect("client_id").to_string(),
        v["client_secret"]
            .as_str()
            .expect("client_secret")
            .to_string(),
    )
}
