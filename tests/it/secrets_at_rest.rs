//! No usable secret at rest: a copy of the data folder's database gives away no account and no
//! link. What waits in the outbox is sealed under a key kept beside the database (not in it),
//! and scrubbed once sent; the data folder and its files are the server's user's alone.
//!
//! The server is the real `consult serve` binary, killed with SIGKILL (as a crash would) before
//! its files are read, so nothing is tidied up first. On PostgreSQL the bytes read are the
//! database's files in the server's folder, and its write-ahead log.

use crate::support;

use serde_json::{json, Value};
use std::path::Path;
use support::api::Api;
use support::process::{free_port, ConsultProcess};
use support::smtp::SmtpSink;

/// Whether `needle` occurs in `haystack` (a compiled search: PostgreSQL's write-ahead log
/// alone is hundreds of megabytes, too many for a byte-by-byte scan in a test build).
fn contains(haystack: &[u8], needle: &str) -> bool {
    regex::bytes::Regex::new(&regex::escape(needle))
        .expect("a literal pattern")
        .is_match(haystack)
}

/// A pool on a database another process may be using.
async fn open(data: &Path) -> sqlx::AnyPool {
    support::db::pool(data).await
}

/// Wait until no message waits in the outbox (each sent or given up).
async fn outbox_settled(data: &Path) {
    let pool = open(data).await;
    support::outbox_settled(&pool, "%").await;
    pool.close().await;
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn a_copy_of_the_database_gives_away_no_account_and_no_link() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let out = support::db::consult(&data)
        .args(["clients", "create", "--name", "probe", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success());
    let creds: Value = serde_json::from_slice(&out.stdout).unwrap();
    let port = free_port();

    // No relay: a set-password mail and invitations wait in the outbox.
    let mut server = ConsultProcess::start(ConsultProcess::command(&data, port), port).await;
    let api = Api::login(
        &server.url,
        creds["client_id"].as_str().unwrap(),
        creds["client_secret"].as_str().unwrap(),
    )
    .await;
    // No password: the agent is sent a set-password link once on the site.
    let support::api::Clinic { agent, site, .. } =
        api.clinic("Copied clinic", "vic@example.com", None).await;
    let meeting = api
        .post(
            "/api/v2/personal/meetings",
            json!({ "site": site, "agent": agent, "send_email": true,
                    "time_start": "2031-06-01T08:00:00Z", "time_end": "2031-06-01T08:30:00Z",
                    "participants": [{ "name": "Guest", "email": "guest@example.com" }] }),
        )
        .await;
    assert_eq!(meeting.status, 201, "{}", meeting.body);
    // The personal links, as the API shows them to its caller.
    let links: Vec<String> = meeting.result()["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p["url"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(links.len(), 2, "the agent's link and the guest's");
    server.kill();

    // The files are the server's user's alone (on PostgreSQL the database is not among them).
    assert_eq!(mode(&data), 0o700, "data folder");
    for name in ["consult.db", "secret.key"] {
        if name == "secret.key" || !support::db::on_postgres() {
            assert_eq!(mode(&data.join(name)), 0o600, "{name}");
        }
    }
    // The write-ahead log and its index exist only while SQLite needs them.
    for name in ["consult.db-wal", "consult.db-shm"] {
        let p = data.join(name);
        if p.exists() {
            assert_eq!(mode(&p), 0o600, "{name}");
        }
    }

    // While the messages wait: no link and no token in the database's bytes.
    let bytes = support::db::bytes_at_rest(&data);
    // The scan reads what the database holds: the guest's address is there in the clear.
    assert!(
        contains(&bytes, "guest@example.com"),
        "the scan misses the data"
    );
    let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")
        .fetch_one(&open(&data).await)
        .await
        .unwrap();
    assert_eq!(waiting, 3, "set-password mail and two invitations wait");
    for secret in ["/activate/", "/join/", "/booking/"] {
        assert!(
            !contains(&bytes, secret),
            "{secret} readable in the database"
        );
    }
    for hash in &links {
        assert!(!contains(&bytes, hash), "a join hash in the database");
    }

    // A copy of the database without the key beside it: the server refuses to serve it with
    // another key, and nothing is sent.
    let copy = root.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    support::db::copy(&data, &copy);
    let thief_sink = SmtpSink::start();
    let thief_port = free_port();
    let mut cmd = ConsultProcess::command(&copy, thief_port);
    cmd.args(["--smtp-host", "127.0.0.1", "--smtp-port"])
        .arg(thief_sink.port.to_string());
    let (status, log) = ConsultProcess::refused(cmd, thief_port).await;
    assert!(!status.success(), "{log}");
    assert!(
        log.contains("secret.key is not the key this database was used with"),
        "{log}"
    );
    // Even with the check gone (the operator deleted it), the messages do not open.
    let pool = support::db::pool(&copy).await;
    sqlx::query("DELETE FROM settings WHERE key = 'key_fingerprint'")
        .execute(&pool)
        .await
        .unwrap();
    let mut cmd = ConsultProcess::command(&copy, thief_port);
    cmd.args(["--smtp-host", "127.0.0.1", "--smtp-port"])
        .arg(thief_sink.port.to_string());
    let mut thief = ConsultProcess::start(cmd, thief_port).await;
    outbox_settled(&copy).await;
    thief.kill();
    assert!(
        thief_sink.messages().is_empty(),
        "sent from a copy without the key"
    );

    // The real server with a relay: everything goes out, and what was sent is scrubbed.
    let sink = SmtpSink::start();
    let mut cmd = ConsultProcess::command(&data, port);
    cmd.args(["--smtp-host", "127.0.0.1", "--smtp-port"])
        .arg(sink.port.to_string());
    let mut server = ConsultProcess::start(cmd, port).await;
    let mails = sink.wait_for(3, 60).await;
    outbox_settled(&data).await;
    let activation = mails
        .iter()
        .find_map(|m| {
            m.split_whitespace()
                .find(|w| w.contains("/activate/"))
                .map(String::from)
        })
        .expect("a set-password link");
    let token = activation.rsplit('/').next().unwrap().to_string();
    assert!(token.len() >= 43, "{token}");
    server.kill();
    let bytes = support::db::bytes_at_rest(&data);
    for secret in [token.as_str(), "/activate/", "/join/"] {
        assert!(!contains(&bytes, secret), "{secret} readable after sending");
    }
    for hash in &links {
        assert!(!contains(&bytes, hash), "a join hash kept after sending");
    }
    let kept: Vec<(String, String, String)> =
        sqlx::query_as("SELECT subject, body, attachments FROM outbox")
            .fetch_all(&open(&data).await)
            .await
            .unwrap();
    assert_eq!(kept.len(), 3);
    for row in kept {
        assert_eq!(row, (String::new(), String::new(), "[]".to_string()));
    }

    // The link itself works, for whoever received it (and only from the mail).
    let server = ConsultProcess::start(ConsultProcess::command(&data, port), port).await;
    let res = reqwest::Client::new()
        .post(format!("{}/activate/{token}", server.url))
        .form(&[("password", "Str0ngEnough!")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}
