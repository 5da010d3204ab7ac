//! Several nodes on one PostgreSQL database: two real `consult serve` processes with the same
//! database and the same `secret.key`, as an operator runs them behind a load balancer. They
//! count limits together, send each queued message once between them, and serve what the
//! other wrote. (SQLite is one process's database: ignored unless asked for, as the
//! PostgreSQL pass of scripts/test.sh does.)

use crate::support;

use serde_json::json;
use std::path::Path;
use support::api::Api;
use support::process::{free_port, ConsultProcess};
use support::smtp::SmtpSink;

/// Two nodes: data folders `a` and `b` sharing `a`'s database and key, each with `flags`.
async fn two_nodes(a: &Path, b: &Path, flags: &[&str]) -> Option<(ConsultProcess, ConsultProcess)> {
    let database = support::db::url_for(a)?;
    std::fs::create_dir_all(b).unwrap();
    std::fs::copy(a.join("secret.key"), b.join("secret.key")).unwrap();
    let mut nodes = Vec::new();
    for data in [a, b] {
        let port = free_port();
        let mut cmd = ConsultProcess::command(data, port);
        cmd.env("CONSULT_DATABASE", &database).args(flags);
        nodes.push(ConsultProcess::start(cmd, port).await);
    }
    let b = nodes.pop()?;
    let a = nodes.pop()?;
    Some((a, b))
}

#[tokio::test]
#[ignore = "needs PostgreSQL (SQLite serves one process): scripts/test.sh runs it in its PostgreSQL pass"]
async fn two_nodes_count_one_limit_and_send_each_message_once() {
    assert!(
        support::db::on_postgres(),
        "CONSULT_TEST_POSTGRES: a PostgreSQL server for the two nodes"
    );
    let root = tempfile::tempdir().unwrap();
    let (a_dir, b_dir) = (root.path().join("a"), root.path().join("b"));
    let (id, secret) = support::db::new_client(&a_dir, "cluster");
    let sink = SmtpSink::start();
    let smtp = sink.port.to_string();
    let (a, b) = two_nodes(
        &a_dir,
        &b_dir,
        &[
            "--token-quota",
            "4",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            &smtp,
        ],
    )
    .await
    .expect("on PostgreSQL");

    // Four token requests a minute from one address, whichever node takes them. Started with
    // at least 25 seconds of the minute's window left, so that the few requests below fall
    // in one window.
    let second = chrono::Timelike::second(&chrono::Utc::now());
    if second > 35 {
        tokio::time::sleep(std::time::Duration::from_secs(u64::from(61 - second))).await;
    }
    // Two of the four: each node hands out a token.
    let api_a = Api::login(&a.url, &id, &secret).await;
    let api_b = Api::login(&b.url, &id, &secret).await;
    let token = |node: &ConsultProcess| {
        let url = format!("{}/api/v2/oauth2/token", node.url);
        let body = json!({ "grant_type": "client_credentials", "client_id": id,
                           "client_secret": secret });
        async move {
            reqwest::Client::new()
                .post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let mut statuses = Vec::new();
    for node in [&a, &b, &a, &b] {
        statuses.push(token(node).await);
    }
    // Counted apart, each node would allow four: six in all.
    assert_eq!(statuses, [200, 200, 429, 429], "one count for both nodes");

    // Meetings made on both nodes: every invitation sent once, though both nodes' workers
    // look at the same outbox.
    let support::api::Clinic { agent, site, .. } = api_a
        .clinic("Two-node clinic", "two@example.com", Some("Str0ngEnough!"))
        .await;
    for (i, api) in [&api_a, &api_b, &api_a, &api_b].into_iter().enumerate() {
        let made = api
            .post(
                "/api/v2/personal/meetings",
                json!({ "site": site, "agent": agent, "send_email": true,
                        "time_start": format!("2031-07-0{}T08:00:00Z", i + 1),
                        "time_end": format!("2031-07-0{}T08:30:00Z", i + 1),
                        "participants": [{ "name": "Guest", "email": format!("g{i}@example.com") }] }),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
    }
    // Four meetings, each inviting the agent and one guest.
    sink.wait_for(8, 60).await;
    let pool = support::db::pool(&a_dir).await;
    let outbox = support::outbox_settled(&pool, "email").await;
    assert_eq!(outbox.len(), 8, "{outbox:?}");
    assert!(outbox.iter().all(|(_, tries)| *tries == 1), "{outbox:?}");
    // Another moment for a second send to show up, if any node were to send one.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(sink.messages().len(), 8, "each message once");

    // What one node wrote, the other serves.
    let listed = api_b.get("/api/v2/personal/meetings").await;
    assert_eq!(
        listed.result().as_array().map(Vec::len),
        Some(4),
        "{}",
        listed.body
    );
}
