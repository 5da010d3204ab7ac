//! Crash safety, on whichever engine the run uses: meetings are made under concurrent load
//! while the real `consult serve` is killed with SIGKILL at random moments, twenty times over,
//! and started again each time. Every meeting acknowledged (201) is there afterwards, whole
//! (its participants and its invitations written with it, or nothing), the SQLite file passes
//! `PRAGMA integrity_check`, and every invitation reaches the SMTP relay.
//!
//! Exactly once: a message the relay accepted in the instant before the process died, before
//! its sending was recorded, goes again after the restart; it carries the same `Message-ID`
//! (its outbox id), so the recipient's mail program shows one message. The test counts
//! deliveries per `Message-ID`: each id arrives, and a repeat is allowed only as one of those
//! instants (at most one per kill).

use crate::support;

use serde_json::json;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::api::Api;
use support::process::{free_port, ConsultProcess};
use support::smtp::SmtpSink;

const ROUNDS: usize = 20;
/// Clients making meetings at once.
const WRITERS: usize = 6;

/// A pseudo-random number from the clock and a counter (the test prints what it drew).
fn draw(n: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(n);
    h.finish()
}

/// The `Message-ID` of a raw message, if it has one.
fn message_id(raw: &str) -> Option<String> {
    raw.lines()
        .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
        .map(|l| l["message-id:".len()..].trim().to_string())
}

#[tokio::test]
async fn acknowledged_meetings_survive_sigkill_whole_and_invitations_arrive() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let (id, secret) = support::db::new_client(&data, "crash");
    let sink = SmtpSink::start();
    let port = free_port();
    let serve = || {
        let mut cmd = ConsultProcess::command(&data, port);
        cmd.args(["--smtp-host", "127.0.0.1", "--smtp-port"])
            .arg(sink.port.to_string());
        ConsultProcess::start(cmd, port)
    };

    // The clinic, made before the rounds.
    let first = serve().await;
    let api = Api::login(&first.url, &id, &secret).await;
    let support::api::Clinic { agent, site, .. } = api
        .clinic("Crash clinic", "crash@example.com", Some("Str0ngEnough!"))
        .await;
    drop(first);

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let slot = Arc::new(AtomicUsize::new(0));
    let mut delays = Vec::new();
    for round in 0..ROUNDS {
        let mut server = serve().await;
        let api = Arc::new(Api::login(&server.url, &id, &secret).await);
        let writers: Vec<_> = (0..WRITERS)
            .map(|_| {
                let (api, acknowledged, slot) = (api.clone(), acknowledged.clone(), slot.clone());
                let (site, agent) = (site.clone(), agent.clone());
                tokio::spawn(async move {
                    loop {
                        // A time of its own for each meeting: none is refused for overlap.
                        let n = slot.fetch_add(1, Ordering::Relaxed);
                        let start = chrono::DateTime::parse_from_rfc3339("2032-01-01T00:00:00Z")
                            .unwrap()
                            + chrono::Duration::minutes(30 * n as i64);
                        let made = api
                            .try_post(
                                "/api/v2/personal/meetings",
                                json!({ "site": site, "agent": agent, "send_email": true,
                                        "time_start": start.to_rfc3339(),
                                        "time_end": (start + chrono::Duration::minutes(30)).to_rfc3339(),
                                        "participants": [{ "name": "Guest",
                                                           "email": format!("guest{n}@example.com") }] }),
                            )
                            .await;
                        match made {
                            Some(a) if a.status == 201 => {
                                let id = a.result()["id"].as_str().unwrap().to_string();
                                acknowledged.lock().unwrap().push(id);
                                // Paced, so that twenty rounds make a few hundred meetings
                                // (each two invitations for the relay), not thousands.
                                tokio::time::sleep(Duration::from_millis(100)).await;
                            }
                            Some(a) => panic!("refused while serving: {} {}", a.status, a.body),
                            // The server is gone: this writer's round is over.
                            None => return,
                        }
                    }
                })
            })
            .collect();
        let delay = 50 + draw(round as u64) % 700;
        delays.push(delay);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        server.kill();
        for w in writers {
            w.await.expect("a writer");
        }
        if !support::db::on_postgres() {
            let pool = support::db::pool(&data).await;
            let check: String = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_one(&pool)
                .await
                .unwrap();
            assert_eq!(check, "ok", "after round {round} (delays {delays:?})");
            pool.close().await;
        }
    }

    // Started once more, it sends what is still queued.
    let _last = serve().await;
    let pool = support::db::pool(&data).await;
    eprintln!(
        "{} meetings acknowledged in {ROUNDS} rounds (delays {delays:?}); {} messages arrived so far",
        acknowledged.lock().unwrap().len(),
        sink.messages().len()
    );
    let outbox = support::outbox_settled(&pool, "email").await;
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= ROUNDS,
        "too little load to test: {} meetings (delays {delays:?})",
        acknowledged.len()
    );
    let stored: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT m.id,
                (SELECT COUNT(*) FROM participants p WHERE p.meeting_id = m.id),
                (SELECT COUNT(*) FROM outbox o WHERE o.meeting_id = m.id)
         FROM meetings m",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let stored: BTreeMap<String, (i64, i64)> =
        stored.into_iter().map(|(m, p, o)| (m, (p, o))).collect();
    for m in &acknowledged {
        assert!(
            stored.contains_key(m),
            "acknowledged meeting {m} lost (delays {delays:?})"
        );
    }
    // Whole: a host and the guest, and an invitation to each, for every meeting written.
    for (m, (participants, invitations)) in &stored {
        assert_eq!(
            (*participants, *invitations),
            (2, 2),
            "meeting {m} half-written"
        );
    }
    // Every message sent, none given up.
    assert_eq!(outbox.len(), 2 * stored.len());
    assert!(outbox.iter().all(|(_, tries)| *tries >= 1), "{outbox:?}");
    let failed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(failed, 0);
    // At the relay: each message, by its Message-ID; a repeat only from a kill's instant.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut arrived: BTreeMap<String, usize> = BTreeMap::new();
    for raw in sink.messages() {
        let id = message_id(&raw).expect("every message has a Message-ID");
        *arrived.entry(id).or_default() += 1;
    }
    assert_eq!(arrived.len(), outbox.len(), "every message arrived");
    let repeats: usize = arrived.values().map(|n| n - 1).sum();
    assert!(
        repeats <= ROUNDS,
        "{repeats} repeated deliveries in {ROUNDS} kills"
    );
    eprintln!(
        "{} meetings acknowledged, {} stored, {} messages, {repeats} repeated after a kill; delays {delays:?}",
        acknowledged.len(),
        stored.len(),
        outbox.len()
    );
}
