//! Invitations by e-mail, through a real SMTP server on loopback: what the customer and the
//! agent receive when a meeting is booked in the form or made through the REST API, with the
//! calendar file read back by an independent parser; and an outbox that survives a crash.

use crate::support;

use serde_json::{json, Value};
use std::time::Duration;
use support::process::{free_port, ConsultProcess};
use support::smtp::SmtpSink;
use support::TestServer;

/// The parsed messages once `n` arrived, by recipient.
async fn received(sink: &SmtpSink, n: usize) -> Vec<Value> {
    sink.wait_for(n, 20).await;
    let all = sink.parsed();
    for m in &all {
        assert!(m.get("error").is_none(), "unreadable message: {m}");
    }
    all
}

fn to<'a>(all: &'a [Value], address: &str) -> &'a Value {
    all.iter()
        .find(|m| m["to"].as_str().unwrap().contains(address))
        .unwrap_or_else(|| panic!("nothing to {address}: {all:?}"))
}

fn iso(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

#[tokio::test]
async fn a_booking_sends_the_customer_and_the_agent_an_invitation_with_a_calendar_file() {
    let sink = SmtpSink::start();
    let server = TestServer::start_with(|c| c.smtp = sink.config()).await;
    let booked = server.book("Ann Customer").await;
    let all = received(&sink, 2).await;
    assert_eq!(all.len(), 2, "one for each side");

    let guest = to(&all, "guest@example.com");
    assert_eq!(guest["subject"], "Appointment: Demo clinic");
    let text = guest["text"].as_str().unwrap();
    assert!(text.starts_with("Dear Ann Customer,"), "{text}");
    assert!(text.contains(&booked.join_url), "{text}");
    assert!(text.contains(&format!("({})", booked.time_zone)), "{text}");
    let cal = &guest["calendars"][0];
    assert_eq!(cal["filename"], "invite.ics");
    assert_eq!(cal["method"], "PUBLISH");
    assert_eq!(cal["uid"], format!("{}@consult", booked.meeting.as_str()));
    assert_eq!(cal["start"], iso(booked.starts_at));
    assert_eq!(cal["end"], iso(booked.ends_at));
    // The link as mailed opens the page in the customer's language.
    assert_eq!(cal["url"], format!("{}?lang=en", booked.join_url));
    assert_eq!(cal["summary"], "Appointment: Demo clinic");

    let agent = to(&all, "agent@demo.consult.test");
    assert_eq!(agent["subject"], "Scheduled: Appointment: Demo clinic");
    assert!(agent["text"]
        .as_str()
        .unwrap()
        .contains("with Ann Customer"));
    let agent_cal = &agent["calendars"][0];
    // The same event in both calendars; each side's own link.
    assert_eq!(agent_cal["uid"], cal["uid"]);
    assert_eq!(agent_cal["start"], cal["start"]);
    let agent_link = agent_cal["url"].as_str().unwrap();
    assert!(agent_link.starts_with(&format!("{}/join/", server.url)));
    assert_ne!(agent_link, booked.join_url);
    assert!(agent["text"].as_str().unwrap().contains(agent_link));
}

#[tokio::test]
async fn a_meeting_made_through_the_api_with_send_email_invites_every_participant() {
    let sink = SmtpSink::start();
    let server = TestServer::start_with(|c| c.smtp = sink.config()).await;
    let api = server.api("planning").await;
    let made = api
        .post(
            "/api/v2/personal/meetings",
            json!({
                "site": server.site.as_str(), "agent": server.agent.as_str(),
                "time_start": "2031-06-02T08:00:00Z", "time_end": "2031-06-02T08:30:00Z",
                "subject": "Second opinion; bring results, please",
                "invitation": "We look forward to it.",
                "send_email": true,
                "participants": [
                    { "name": "Guest One", "email": "one@example.com" },
                    { "name": "Guest Two", "email": "two@example.com" },
                ],
            }),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let m = made.result();
    let all = received(&sink, 3).await;
    assert_eq!(all.len(), 3, "two guests and the agent");
    for (i, address) in ["one@example.com", "two@example.com"].iter().enumerate() {
        let mail = to(&all, address);
        let url = m["participants"][i + 1]["url"].as_str().unwrap();
        assert!(mail["text"]
            .as_str()
            .unwrap()
            .contains("We look forward to it."));
        let cal = &mail["calendars"][0];
        assert_eq!(cal["url"], format!("{url}?lang=en"));
        assert_eq!(cal["start"], "2031-06-02T08:00:00+00:00");
        assert_eq!(cal["end"], "2031-06-02T08:30:00+00:00");
        // Commas and semicolons survive the round trip through the calendar format.
        assert_eq!(cal["summary"], "Second opinion; bring results, please");
        assert_eq!(cal["uid"], format!("{}@consult", m["id"].as_str().unwrap()));
    }
    let agent = to(&all, "agent@demo.consult.test");
    assert!(agent["text"]
        .as_str()
        .unwrap()
        .contains("with Guest One and Guest Two"));
    assert_eq!(
        agent["calendars"][0]["url"],
        format!("{}?lang=en", m["participants"][0]["url"].as_str().unwrap()),
        "the agent's own link, in the agent's language"
    );
    for mail in &all {
        assert_eq!(mail["calendars"][0]["status"], "CONFIRMED");
        assert_eq!(mail["calendars"][0]["sequence"], 0);
    }

    // A new time: everyone hears it (the site's text for changes first), the links stay, and
    // the calendar file replaces the event (same UID, higher sequence). The agent, whose
    // account is Dutch by now, hears it in Dutch with a Dutch link.
    sqlx::query("UPDATE users SET locale = 'nl' WHERE id = $1")
        .bind(server.agent.as_str())
        .execute(server.state.store.pool())
        .await
        .unwrap();
    let id = m["id"].as_str().unwrap();
    let moved = api
        .patch(
            &format!("/api/v2/personal/meetings/{id}"),
            json!({ "time_start": "2031-06-03T09:00:00Z", "time_end": "2031-06-03T09:45:00Z" }),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let all = received(&sink, 6).await;
    let changed = &all[3..];
    assert_eq!(changed.len(), 3);
    for (i, mail) in changed.iter().enumerate() {
        let agents = mail["to"] == "agent@demo.consult.test";
        let (subject, lang) = match agents {
            true => ("Gewijzigd: ", "?lang=nl"),
            false => ("Changed: ", "?lang=en"),
        };
        assert!(
            mail["subject"].as_str().unwrap().starts_with(subject),
            "{}",
            mail["subject"]
        );
        let text = mail["text"].as_str().unwrap();
        assert!(
            text.contains("Indien het tijdstip van uw afspraak gewijzigd is"),
            "{text}"
        );
        let cal = &mail["calendars"][0];
        assert_eq!(cal["uid"], format!("{id}@consult"));
        assert_eq!(cal["start"], "2031-06-03T09:00:00+00:00");
        assert_eq!(cal["end"], "2031-06-03T09:45:00+00:00");
        assert!(cal["sequence"].as_i64().unwrap() > 0);
        let url = cal["url"].as_str().unwrap().strip_suffix(lang).unwrap();
        assert!(
            m["participants"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["url"] == url),
            "mail {i}: a link of this meeting, unchanged"
        );
    }

    // Cancelled: everyone hears it; the event is marked cancelled and has no link left.
    let gone = api.delete(&format!("/api/v2/personal/meetings/{id}")).await;
    assert_eq!(gone.status, 200, "{}", gone.body);
    let all = received(&sink, 9).await;
    let cancelled = &all[6..];
    let mut to_whom: Vec<&str> = cancelled
        .iter()
        .map(|m| m["to"].as_str().unwrap())
        .collect();
    to_whom.sort();
    assert_eq!(
        to_whom,
        [
            "agent@demo.consult.test",
            "one@example.com",
            "two@example.com"
        ]
    );
    for mail in cancelled {
        let (subject, words) = match mail["to"] == "agent@demo.consult.test" {
            true => ("Geannuleerd: ", "is geannuleerd"),
            false => ("Cancelled: ", "is cancelled"),
        };
        assert!(mail["subject"].as_str().unwrap().starts_with(subject));
        assert!(mail["text"].as_str().unwrap().contains(words));
        let cal = &mail["calendars"][0];
        assert_eq!(cal["status"], "CANCELLED");
        assert_eq!(cal["uid"], format!("{id}@consult"));
        assert!(cal["url"].is_null());
    }
    // Cancelling again changes nothing and tells no one twice.
    assert_eq!(
        api.delete(&format!("/api/v2/personal/meetings/{id}"))
            .await
            .status,
        404
    );
    let outbox = server.outbox_settled().await;
    assert_eq!(outbox.len(), 9, "nothing more queued");
    assert!(outbox.iter().all(|(_, tries)| *tries == 1), "{outbox:?}");
    assert_eq!(sink.messages().len(), 9);
}

/// `consult serve` on `data` and `port`, with a relay on `smtp_port` if given.
async fn serve(data: &std::path::Path, port: u16, smtp_port: Option<u16>) -> ConsultProcess {
    let mut cmd = ConsultProcess::command(data, port);
    if let Some(p) = smtp_port {
        cmd.args(["--smtp-host", "127.0.0.1", "--smtp-port", &p.to_string()]);
    }
    ConsultProcess::start(cmd, port).await
}

#[tokio::test]
async fn queued_invitations_survive_a_crash_and_are_sent_exactly_once() {
    let data = tempfile::tempdir().unwrap();
    let out = support::db::consult(data.path())
        .args(["clients", "create", "--name", "crash", "--data"])
        .arg(data.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let creds: Value = serde_json::from_slice(&out.stdout).unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");

    // No relay yet: the invitations wait in the outbox. Then the process dies.
    let first = serve(data.path(), port, None).await;
    let api = support::api::Api::login(
        &base,
        creds["client_id"].as_str().unwrap(),
        creds["client_secret"].as_str().unwrap(),
    )
    .await;
    let support::api::Clinic { agent, site, .. } = api
        .clinic(
            "Crash clinic",
            "dana@example.com",
            Some("StrongPassword123!"),
        )
        .await;
    for (i, guest) in ["a@example.com", "b@example.com"].iter().enumerate() {
        let made = api
            .post(
                "/api/v2/personal/meetings",
                json!({ "site": site, "agent": agent, "send_email": true,
                        "time_start": format!("2031-06-0{}T08:00:00Z", i + 1),
                        "time_end": format!("2031-06-0{}T08:30:00Z", i + 1),
                        "participants": [{ "name": "Guest", "email": guest }] }),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
    }
    drop(first);

    // Back up, now with a relay: every queued message goes out once.
    let sink = SmtpSink::start();
    let second = serve(data.path(), port, Some(sink.port)).await;
    let all = received(&sink, 4).await;
    let mut recipients: Vec<String> = all
        .iter()
        .map(|m| m["to"].as_str().unwrap().to_string())
        .collect();
    recipients.sort();
    assert_eq!(
        recipients,
        [
            "a@example.com",
            "b@example.com",
            "dana@example.com",
            "dana@example.com"
        ]
    );
    // Another crash and start: nothing is sent again.
    drop(second);
    let _third = serve(data.path(), port, Some(sink.port)).await;
    // A new meeting's invitations go out after anything older the restarted server would
    // (wrongly) send again: once they are in, nothing more is coming.
    let made = api
        .post(
            "/api/v2/personal/meetings",
            json!({ "site": site, "agent": agent, "send_email": true,
                    "time_start": "2031-06-05T08:00:00Z", "time_end": "2031-06-05T08:30:00Z",
                    "participants": [{ "name": "Guest", "email": "c@example.com" }] }),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    sink.wait_for(6, 60).await;
    let pool = support::db::pool(data.path()).await;
    let outbox = support::outbox_settled(&pool, "%").await;
    assert!(outbox.iter().all(|(_, tries)| *tries == 1), "{outbox:?}");
    assert_eq!(sink.messages().len(), 4 + 2, "sent twice after a restart");
}

/// An SMS provider on loopback: records each request (its bearer token and JSON body).
async fn sms_sink() -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<(String, Value)>>>,
) {
    use axum::http::HeaderMap;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let store = seen.clone();
    let app = axum::Router::new().route(
        "/messages",
        axum::routing::post(move |headers: HeaderMap, body: axum::Json<Value>| {
            let store = store.clone();
            async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                store.lock().unwrap().push((auth, body.0));
                axum::http::StatusCode::ACCEPTED
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/messages", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

async fn wait_for_sms(
    seen: &std::sync::Mutex<Vec<(String, Value)>>,
    n: usize,
) -> Vec<(String, Value)> {
    for _ in 0..200 {
        let got = seen.lock().unwrap().clone();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("expected {n} text messages, got {:?}", seen.lock().unwrap());
}

#[tokio::test]
async fn text_messages_go_to_the_provider_when_the_package_allows_them() {
    let (url, seen) = sms_sink().await;
    let server = TestServer::start_with(|c| {
        c.sms = Some(consult::server::notify::SmsConfig {
            url,
            token: Some("provider-secret".into()),
            from: "Clinic".into(),
        })
    })
    .await;

    // The booking form: the customer gave a number, the demo's package includes SMS.
    let slots = server.slot_list().await;
    let mut request = server.booking_request(slots.slots[0].starts_at, "Ann", "ann@example.com");
    request.phone = "+31611111111".into();
    // She books in Dutch: her text is in Dutch, its link opens Dutch.
    request.lang = consult::model::i18n::Lang::Nl;
    let booked = consult::server::services::booking::book(&server.state, request, None)
        .await
        .unwrap();
    let got = wait_for_sms(&seen, 1).await;
    let (auth, body) = &got[0];
    assert_eq!(auth, "Bearer provider-secret");
    assert_eq!(body["from"], "Clinic");
    assert_eq!(body["to"], "+31611111111");
    let text = body["text"].as_str().unwrap();
    assert!(
        text.contains(&format!("{}?lang=nl", booked.join_url)),
        "{body}"
    );
    let dutch = consult::server::invite::when_in(
        slots.slots[0].starts_at,
        "Europe/Amsterdam",
        consult::model::i18n::Lang::Nl,
    );
    assert!(text.contains(&dutch), "{text} lacks {dutch}");

    // Through the API: the meeting's own SMS text, then the cancellation.
    let api = server.api("planning").await;
    let made = api
        .post(
            "/api/v2/personal/meetings",
            json!({
                "site": server.site.as_str(), "agent": server.agent.as_str(),
                "time_start": "2031-06-02T08:00:00Z", "time_end": "2031-06-02T08:30:00Z",
                "send_sms": true, "invitation_sms": "Your consultation with Dana.",
                "participants": [{ "name": "Bob", "phone": "+31622222222" }],
            }),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let link = made.result()["participants"][1]["url"]
        .as_str()
        .unwrap()
        .to_string();
    let got = wait_for_sms(&seen, 2).await;
    assert_eq!(got[1].1["to"], "+31622222222");
    let text = got[1].1["text"].as_str().unwrap();
    assert!(text.starts_with("Your consultation with Dana.\n"), "{text}");
    assert!(text.contains(&link), "{text}");
    let id = made.result()["id"].as_str().unwrap();
    assert_eq!(
        api.delete(&format!("/api/v2/personal/meetings/{id}"))
            .await
            .status,
        200
    );
    let got = wait_for_sms(&seen, 3).await;
    assert_eq!(got[2].1["to"], "+31622222222");
    assert!(got[2].1["text"]
        .as_str()
        .unwrap()
        .starts_with("Cancelled: "));
    // Nothing went out twice, and no e-mail was asked for (none is configured either).
    let outbox = server.outbox_settled_on("sms").await;
    assert_eq!(
        outbox,
        vec![("sms".to_string(), 1); 3],
        "three texts, each sent once"
    );
    assert_eq!(seen.lock().unwrap().len(), 3);
}
