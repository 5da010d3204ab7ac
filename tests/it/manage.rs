//! A customer moves or cancels their own appointment through the link in their confirmation
//! and invitation: only to a time the site offers and the agent has free; everyone is told
//! (a real SMTP server on loopback); cancelling frees the time and kills the links.

use crate::support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use support::smtp::SmtpSink;
use support::TestServer;

async fn call(server: &TestServer, endpoint: &str, body: Value) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/booking/{endpoint}", server.url))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// `manage` and `cancel` take form fields, as the widget sends them.
async fn call_form(server: &TestServer, endpoint: &str, hash: &str) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/booking/{endpoint}", server.url))
        .form(&[("hash", hash)])
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn starts(server: &TestServer) -> Vec<String> {
    server
        .slot_list()
        .await
        .slots
        .iter()
        .map(|s| {
            s.starts_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        })
        .collect()
}

fn subjects(sink: &SmtpSink) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = sink
        .parsed()
        .iter()
        .map(|m| {
            (
                m["to"].as_str().unwrap().to_string(),
                m["subject"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    all.sort();
    all
}

#[tokio::test]
async fn a_customer_moves_then_cancels_and_everyone_is_told() {
    let sink = SmtpSink::start();
    let server = TestServer::start_with(|c| c.smtp = sink.config()).await;
    let booked = server.book("Ann").await;
    let hash = booked
        .manage_url
        .strip_prefix(&format!("{}/booking/", server.url))
        .expect("a change-or-cancel link on this server")
        .to_string();
    assert!(
        booked.join_url.ends_with(&hash),
        "the same secret as the join link"
    );
    sink.wait_for(2, 20).await;
    let invitation = sink
        .parsed()
        .into_iter()
        .find(|m| m["to"].as_str().unwrap().contains("guest@"))
        .unwrap();
    assert!(invitation["text"]
        .as_str()
        .unwrap()
        .contains(&booked.manage_url));

    let (status, details) = call_form(&server, "manage", &hash).await;
    assert_eq!(status, 200, "{details}");
    assert_eq!(details["status"], "scheduled");
    assert_eq!(details["agent"]["name"], "Dana Agent");

    // Refusals first: nothing changes, nobody is told.
    let free = starts(&server).await;
    let other = &free[1];
    let (status, e) = call(
        &server,
        "move",
        json!({ "hash": hash, "starts_at": "2099-01-01T00:07:00Z" }),
    )
    .await;
    assert_eq!(
        (status.as_u16(), e["field"].as_str()),
        (400, Some("starts_at")),
        "{e}"
    );
    let (status, e) = call(
        &server,
        "move",
        json!({ "hash": "A".repeat(43), "starts_at": other }),
    )
    .await;
    assert_eq!(status, 404, "{e}");
    let meeting = consult::model::MeetingId::parse(booked.meeting.as_str()).unwrap();
    let links = server.state.store.link_ids(&meeting).await.unwrap();
    let host_link = &links.iter().find(|(host, _)| *host).unwrap().1;
    let host_hash = server.state.signer.join_hash(host_link).unwrap();
    let (status, e) = call(
        &server,
        "move",
        json!({ "hash": host_hash, "starts_at": other }),
    )
    .await;
    assert_eq!(status, 403, "agents change meetings elsewhere: {e}");
    // Someone else holds the next time: Dana is not free then.
    let rival = server.book_slot("Rival", 0).await;
    let (status, e) = call(
        &server,
        "move",
        json!({ "hash": hash, "starts_at": rival.starts_at }),
    )
    .await;
    assert_eq!(
        (status.as_u16(), e["code"].as_str()),
        (409, Some("slot_taken")),
        "{e}"
    );
    sink.wait_for(4, 20).await;
    assert_eq!(
        sink.parsed().len(),
        4,
        "two invitations per booking, no more"
    );

    // Move to a free time.
    let target = starts(&server).await[0].clone();
    let (status, moved) = call(
        &server,
        "move",
        json!({ "hash": hash, "starts_at": target }),
    )
    .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["starts_at"], target);
    let stored: i64 = sqlx::query_scalar("SELECT starts_at FROM meetings WHERE id = $1")
        .bind(booked.meeting.as_str())
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
    assert_eq!(
        chrono::DateTime::from_timestamp_millis(stored)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        target
    );
    assert!(
        starts(&server).await.contains(
            &booked
                .starts_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
        "the old time is free again"
    );
    sink.wait_for(6, 20).await;
    let changed: Vec<_> = subjects(&sink)
        .into_iter()
        .filter(|(_, s)| s.starts_with("Changed:"))
        .map(|(to, _)| to)
        .collect();
    assert_eq!(changed.len(), 2, "customer and agent: {changed:?}");

    // Cancel: the time is free, the links are dead, everyone is told once.
    let (status, done) = call_form(&server, "cancel", &hash).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["status"], "cancelled");
    assert!(starts(&server).await.contains(&target));
    let join = reqwest::Client::new()
        .post(format!("{}/api/v1/join/details", server.url))
        .form(&[("hash", hash.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(join.status(), 410);
    let (status, again) = call_form(&server, "cancel", &hash).await;
    assert_eq!(
        (status.as_u16(), &again["status"]),
        (200, &json!("cancelled"))
    );
    let (status, e) = call(
        &server,
        "move",
        json!({ "hash": hash, "starts_at": target }),
    )
    .await;
    assert_eq!(status, 410, "{e}");
    sink.wait_for(8, 20).await;
    let outbox = server.outbox_settled().await;
    assert_eq!(outbox.len(), 8, "nothing more queued: {outbox:?}");
    assert!(outbox.iter().all(|(_, tries)| *tries == 1), "{outbox:?}");
    let cancelled = subjects(&sink)
        .into_iter()
        .filter(|(_, s)| s.starts_with("Cancelled:"))
        .count();
    assert_eq!(cancelled, 2, "customer and agent, once each");
    assert_eq!(sink.parsed().len(), 8);
}

#[tokio::test]
async fn a_dutch_customer_hears_of_the_change_in_dutch_in_their_zone() {
    let sink = SmtpSink::start();
    let server = TestServer::start_with(|c| c.smtp = sink.config()).await;
    let list = server.slot_list().await;
    let mut request = server.booking_request(list.slots[0].starts_at, "Sanne", "sanne@example.com");
    request.lang = consult::model::i18n::Lang::Nl;
    request.time_zone = "Asia/Tokyo".into();
    let booked = consult::server::services::booking::book(&server.state, request, None)
        .await
        .unwrap();
    let hash = booked.manage_url.rsplit('/').next().unwrap().to_string();
    let (status, _) = call_form(&server, "cancel", &hash).await;
    assert_eq!(status, 200);
    sink.wait_for(4, 20).await;
    let all = sink.parsed();
    let mail = all
        .iter()
        .find(|m| {
            m["to"].as_str().unwrap().contains("sanne@")
                && m["subject"].as_str().unwrap().starts_with("Geannuleerd:")
        })
        .unwrap_or_else(|| panic!("a Dutch cancellation: {all:?}"));
    let text = mail["text"].as_str().unwrap();
    let tokyo = list.slots[0]
        .starts_at
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .format("%H:%M (Asia/Tokyo)")
        .to_string();
    assert!(
        text.starts_with("Beste Sanne,") && text.contains(&tokyo),
        "{text}"
    );
    let agent = all
        .iter()
        .find(|m| {
            m["to"].as_str().unwrap().contains("agent@")
                && m["subject"].as_str().unwrap().starts_with("Cancelled:")
        })
        .expect("the agent's cancellation, in English in the site's zone");
    assert!(agent["text"]
        .as_str()
        .unwrap()
        .contains(&format!("({})", list.site.time_zone)));
}
