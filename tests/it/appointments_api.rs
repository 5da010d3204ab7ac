//! The appointments API (`/api/v1/appointments`) as the seed's integrators use it, over HTTP
//! against the real server: the seed's example request replayed verbatim (form-encoded) and
//! its answer compared field by field with the seed's example response; the same as JSON;
//! list, get, change, cancel; errors named field by field; tenancy; the claimant's
//! invitations (a real SMTP server, an SMS provider on loopback) and the pre-call link.

use crate::support;

use reqwest::Method;
use serde_json::{json, Value};
use support::api::{shape_differences, Api};
use support::smtp::SmtpSink;
use support::TestServer;

/// The seed's example body as Python's `requests` form-encodes it (`data=payload`), its date
/// (`{DAY}`) to be moved to the future (the seed's is past, and a past appointment is
/// refused).
const SEED_FORM: &str = "reference=SXW5qOJBYeIEf0G&appointment_at={DAY}T16%3A50%3A00.000000&duration_in_minutes=30&is_interpreter_needed=false&interpreter_language=&department=&claimant%5Bname%5D=John+Doe&claimant%5Bdate_of_birth%5D=1990-01-01&claimant%5Bphone_number%5D=%2B442071234567&claimant%5Bemail%5D=test%40test.com&features_call_recording_enable=false&features_breakout_room_enable=false&features_webcam_access_agent_enable=true&features_webcam_access_claimant_enable=true&features_webcam_background_blurring_enable=false&features_microphone_access_enable=true&features_screen_sharing_enable=false&features_messages_chat_enable=false&features_participant_list_enable=false&features_bandwidth=&use_custom_post_call_redirect=false&custom_user_post_call_redirect_url=&custom_agent_post_call_redirect_url=https%3A%2F%2Fwww.sampleurl.co.uk";

/// The seed's example response (its `room_url` cut where the document's line breaks broke
/// it).
fn seed_response() -> Value {
    serde_json::from_str(include_str!("fixtures/appointment_seed_response.json")).unwrap()
}

/// Consult's extensions, after the seed's fields.
const EXTENSIONS: &[&str] = &[
    "agent",
    "interpreter_url",
    "locale",
    "recordings",
    "time_zone",
    "webcam_background_blurring_status",
];

/// A logged-in caller for a new client of `company` (made by a reseller-level client).
pub async fn company_api(server: &TestServer, company: &str) -> Api {
    let reseller = server.api("reseller").await;
    let made = reseller
        .post(
            "/api/v2/management/clients",
            json!({ "name": "Case system", "entity": { "type": "company", "id": company } }),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let r = made.result();
    Api::login(
        &server.url,
        r["client_id"].as_str().unwrap(),
        r["client_secret"].as_str().unwrap(),
    )
    .await
}

/// A body for `POST /api/v1/appointments` as JSON: the seed's fields, then `extra` over them.
pub fn appointment_json(reference: &str, at: chrono::DateTime<chrono::Utc>, extra: Value) -> Value {
    let mut body = json!({
        "reference": reference,
        "appointment_at": at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        "duration_in_minutes": 30,
        "claimant": { "name": "John Doe", "email": "john@example.com" },
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

/// An SMS provider on loopback, recording each message's JSON body.
async fn sms_sink() -> (String, std::sync::Arc<std::sync::Mutex<Vec<Value>>>) {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let store = seen.clone();
    let app = axum::Router::new().route(
        "/messages",
        axum::routing::post(move |body: axum::Json<Value>| {
            let store = store.clone();
            async move {
                store.lock().unwrap().push(body.0);
                axum::http::StatusCode::ACCEPTED
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/messages", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

#[tokio::test]
async fn the_seeds_example_request_is_answered_as_the_seed_shows_and_invites_the_claimant() {
    let sink = SmtpSink::start();
    let (sms_url, texts) = sms_sink().await;
    let server = TestServer::start_with(|c| {
        c.smtp = sink.config();
        c.sms = Some(consult::server::notify::SmsConfig {
            url: sms_url,
            token: None,
            from: "Insurer".into(),
        });
    })
    .await;
    let company = server.company().await;
    let api = company_api(&server, &company).await;

    // Verbatim: form-encoded, as the seed's Python sends it; a month ahead.
    let day = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let a = api
        .raw(
            Method::POST,
            "/api/v1/appointments",
            "application/x-www-form-urlencoded",
            &SEED_FORM.replace("{DAY}", &day),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let seed = seed_response();
    assert_eq!(
        shape_differences(&seed, &a.body, ""),
        Vec::<String>::new(),
        "{}",
        a.body
    );
    // Every field of the seed, same JSON type (null only where the seed has null), and
    // nothing else but Consult's named extensions.
    let ours = a.body["data"].as_object().unwrap();
    let theirs = seed["data"].as_object().unwrap();
    for (k, v) in theirs {
        let mine = &ours[k];
        let kind = |v: &Value| match v {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        assert_eq!(kind(mine), kind(v), "{k}: {mine} against the seed's {v}");
    }
    let extra: Vec<&String> = ours.keys().filter(|k| !theirs.contains_key(*k)).collect();
    assert_eq!(extra, EXTENSIONS);
    // The values the request decides are the seed's (ids, times and addresses aside).
    let same = [
        "reference",
        "duration_in_minutes",
        "is_interpreter_needed",
        "interpreter_language",
        "status",
        "cancelled_at",
        "cancellation_reason",
        "department",
        "claimant",
        "session_started_at",
        "session_ended_at",
        "on_hold_started_at",
        "on_hold_ended_at",
        "features_call_recording_enable",
        "features_breakout_room_enable",
        "features_webcam_access_agent_enable",
        "features_webcam_access_claimant_enable",
        "features_webcam_background_blurring_enable",
        "features_microphone_access_enable",
        "features_screen_sharing_enable",
        "features_messages_chat_enable",
        "features_participant_list_enable",
        "features_bandwidth",
        "use_custom_post_call_redirect",
        "custom_user_post_call_redirect_url",
        "custom_agent_post_call_redirect_url",
    ];
    for k in same {
        assert_eq!(ours[k], theirs[k], "{k}");
    }
    let d = &a.body["data"];
    assert_eq!(d["appointment_at"], format!("{day}T16:50:00.000000Z"));
    let micros = regex_like(
        d["created_at"].as_str().unwrap(),
        "0000-00-00T00:00:00.000000Z",
    );
    assert!(micros, "{}", d["created_at"]);
    let id = d["id"].as_str().unwrap();
    assert!(
        regex_like(id, "00000000-0000-0000-0000-000000000000"),
        "{id}"
    );
    let url = d["url"].as_str().unwrap();
    let prefix = format!(
        "{}/client-web/schedule/pre-call/summary?reference=SXW5qOJBYeIEf0G&token=",
        server.url
    );
    assert!(url.starts_with(&prefix), "{url}");
    let meeting = &d["meeting"];
    let room_name = meeting["room_name"].as_str().unwrap();
    assert!(room_name.starts_with('/'), "{room_name}");
    assert_eq!(
        meeting["room_url"]
            .as_str()
            .unwrap()
            .split('?')
            .next()
            .unwrap(),
        format!("{}/rooms{room_name}", server.url)
    );
    assert!(meeting["room_url"].as_str().unwrap().contains("roomKey="));
    assert!(regex_like(
        meeting["start_date"].as_str().unwrap(),
        "0000-00-00T00:00:00+00:00"
    ));
    assert_eq!(meeting["end_date"], format!("{day}T23:59:59+00:00"));
    assert_eq!(d["agent"], Value::Null);
    assert_eq!(d["interpreter_url"], Value::Null);
    assert_eq!(d["webcam_background_blurring_status"], Value::Null);

    // The claimant is invited by e-mail (with a calendar file) and by text, with the link.
    sink.wait_for(1, 20).await;
    let mail = sink.parsed().into_iter().next().unwrap();
    assert!(mail["to"].as_str().unwrap().contains("test@test.com"));
    assert!(mail["text"].as_str().unwrap().contains(url), "{mail}");
    assert_eq!(
        mail["calendars"][0]["start"],
        format!("{day}T16:50:00+00:00")
    );
    assert_eq!(mail["calendars"][0]["end"], format!("{day}T17:20:00+00:00"));
    let sms = loop {
        if let Some(m) = texts.lock().unwrap().first().cloned() {
            break m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(sms["to"], "+442071234567");
    assert!(sms["text"].as_str().unwrap().contains(url), "{sms}");

    // The same body as JSON (real booleans and numbers, a claimant object) answers the same.
    let json_body = json!({
        "reference": "SXW5qOJBYeIEf0G-json", "appointment_at": format!("{day}T16:50:00.000000"),
        "duration_in_minutes": 30, "is_interpreter_needed": false, "interpreter_language": "",
        "department": null,
        "claimant": { "name": "John Doe", "date_of_birth": "1990-01-01",
                      "phone_number": "+442071234567", "email": "test@test.com" },
        "features_call_recording_enable": false, "features_breakout_room_enable": false,
        "features_webcam_access_agent_enable": true, "features_webcam_access_claimant_enable": true,
        "features_webcam_background_blurring_enable": false, "features_microphone_access_enable": true,
        "features_screen_sharing_enable": false, "features_messages_chat_enable": false,
        "features_participant_list_enable": false, "features_bandwidth": "",
        "use_custom_post_call_redirect": false, "custom_user_post_call_redirect_url": "",
        "custom_agent_post_call_redirect_url": "https://www.sampleurl.co.uk"
    });
    let b = api.post("/api/v1/appointments", json_body).await;
    assert_eq!(b.status, 201, "{}", b.body);
    for k in same.iter().filter(|k| **k != "reference") {
        assert_eq!(b.body["data"][k], a.body["data"][k], "{k}");
    }

    // The pre-call link is the claimant's page; its reference alone opens nothing.
    let page = reqwest::get(url).await.unwrap();
    assert_eq!(page.status(), 200);
    let summary = server_fn(&server, "precall/summary", &[("token", token_of(url))]).await;
    assert_eq!(summary.0, 200, "{}", summary.1);
    assert_eq!(summary.1["reference"], "SXW5qOJBYeIEf0G");
    assert_eq!(summary.1["name"], "John Doe");
    assert_eq!(summary.1["attendee"], "claimant");
    // Far ahead: the way in is not open, so the room is not told.
    assert_eq!(summary.1["room"], Value::Null);
    let forged = server_fn(&server, "precall/summary", &[("token", "SXW5qOJBYeIEf0G")]).await;
    assert_eq!(forged.0, 404, "{}", forged.1);
}

/// Does `text` have the shape of `pattern` (each `0` a digit, anything else itself)? Hex
/// digits count as digits.
fn regex_like(text: &str, pattern: &str) -> bool {
    text.len() == pattern.len()
        && text.chars().zip(pattern.chars()).all(|(c, p)| match p {
            '0' => c.is_ascii_hexdigit(),
            p => c == p,
        })
}

/// The `token` of a pre-call link.
pub fn token_of(url: &str) -> &str {
    url.split("token=").nth(1).unwrap()
}

/// Call a server function (form-encoded, as the widget does): status and JSON answer.
pub async fn server_fn(server: &TestServer, name: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/{name}", server.url))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn appointments_are_listed_read_changed_and_cancelled_within_their_company_only() {
    let sink = SmtpSink::start();
    let server = TestServer::start_with(|c| c.smtp = sink.config()).await;
    let company = server.company().await;
    let api = company_api(&server, &company).await;
    let soon = chrono::Utc::now() + chrono::Duration::days(2);
    let mut ids = Vec::new();
    for (i, reference) in ["CASE-1", "CASE-2", "CASE-3"].iter().enumerate() {
        let a = api
            .post(
                "/api/v1/appointments",
                appointment_json(
                    reference,
                    soon + chrono::Duration::hours(i as i64),
                    json!({}),
                ),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        ids.push(a.body["data"]["id"].as_str().unwrap().to_string());
    }
    sink.wait_for(3, 20).await;

    // A reference twice in one company: 409, naming it.
    let again = api
        .post(
            "/api/v1/appointments",
            appointment_json("CASE-1", soon, json!({})),
        )
        .await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert_eq!(
        again.body["errors"]["reference"][0],
        "The reference has already been taken."
    );

    // Pages, in order of start; filters by reference, status and dates.
    let page = api.get("/api/v1/appointments?per_page=2").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let refs = |v: &Value| -> Vec<String> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["reference"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(refs(&page.body), ["CASE-1", "CASE-2"]);
    assert_eq!(page.body["meta"]["total"], 3);
    assert_eq!(page.body["meta"]["last_page"], 2);
    assert_eq!(page.body["meta"]["from"], 1);
    assert_eq!(page.body["meta"]["to"], 2);
    assert!(page.body["links"]["next"]
        .as_str()
        .unwrap()
        .ends_with("page=2&per_page=2"));
    let second = api.get("/api/v1/appointments?per_page=2&page=2").await;
    assert_eq!(refs(&second.body), ["CASE-3"]);
    assert_eq!(second.body["links"]["next"], Value::Null);
    let one = api.get("/api/v1/appointments?reference=CASE-2").await;
    assert_eq!(refs(&one.body), ["CASE-2"]);
    let later = (soon + chrono::Duration::minutes(30)).to_rfc3339();
    let from = api
        .get(&format!(
            "/api/v1/appointments?from={}",
            later.replace('+', "%2B")
        ))
        .await;
    assert_eq!(refs(&from.body), ["CASE-2", "CASE-3"], "{}", from.body);
    let day = soon.format("%Y-%m-%d");
    let on_day = api
        .get(&format!("/api/v1/appointments?from={day}&to={day}"))
        .await;
    assert!(!refs(&on_day.body).is_empty(), "{}", on_day.body);
    let bad = api
        .get("/api/v1/appointments?status=done&per_page=500&colour=red")
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    for field in ["status", "per_page", "colour"] {
        assert!(
            bad.body["errors"][field].is_array(),
            "{field}: {}",
            bad.body
        );
    }

    // One, by id.
    let got = api.get(&format!("/api/v1/appointments/{}", ids[0])).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["data"]["reference"], "CASE-1");

    // A department is one of the company's sites, by name.
    let nowhere = api
        .patch(
            &format!("/api/v1/appointments/{}", ids[0]),
            json!({ "department": "Claims" }),
        )
        .await;
    assert_eq!(nowhere.status, 422, "{}", nowhere.body);
    assert!(nowhere.body["errors"]["department"].is_array());
    let site = server
        .state
        .store
        .site(&server.site)
        .await
        .unwrap()
        .unwrap()
        .name;
    // A change: only what is given; a new time moves the room and tells the claimant.
    let moved_to = soon + chrono::Duration::days(1);
    let changed = api
        .patch(
            &format!("/api/v1/appointments/{}", ids[0]),
            json!({ "appointment_at": moved_to.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                    "features_messages_chat_enable": true, "department": site }),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let c = &changed.body["data"];
    assert_eq!(
        c["appointment_at"],
        moved_to.format("%Y-%m-%dT%H:%M:%S.000000Z").to_string()
    );
    assert_eq!(c["features_messages_chat_enable"], true);
    assert_eq!(c["department"], site.as_str());
    assert_eq!(c["claimant"]["name"], "John Doe", "untouched");
    assert_eq!(
        c["meeting"]["end_date"],
        // The room stays to the end of the (UTC) day the 30 minutes end on: the next day's,
        // for a time moved to just before midnight.
        (moved_to + chrono::Duration::minutes(30))
            .format("%Y-%m-%dT23:59:59+00:00")
            .to_string()
    );
    let mails = sink.wait_for(4, 20).await;
    assert_eq!(mails.len(), 4, "the claimant is told of the new time");
    let wrong = api
        .patch(
            &format!("/api/v1/appointments/{}", ids[0]),
            json!({ "claimant": { "name": "" }, "status": "completed" }),
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert!(wrong.body["errors"]["claimant.name"].is_array());
    assert!(wrong.body["errors"]["status"].is_array());

    // Another company's token finds nothing of ours.
    let theirs = server.api("other reseller").await;
    let clinic = theirs
        .clinic(
            "Other insurer",
            "other-agent@example.com",
            Some("A long password 1"),
        )
        .await;
    let other = company_api(&server, &clinic.company).await;
    for (method, path) in [
        (Method::GET, format!("/api/v1/appointments/{}", ids[1])),
        (Method::PATCH, format!("/api/v1/appointments/{}", ids[1])),
        (
            Method::POST,
            format!("/api/v1/appointments/{}/cancel", ids[1]),
        ),
    ] {
        let a = other.call(method.clone(), &path, Some(json!({}))).await;
        assert_eq!(a.status, 404, "{method} {path}: {}", a.body);
        assert_eq!(a.body["message"], "Appointment not found.");
    }
    let none = other.get("/api/v1/appointments").await;
    assert_eq!(none.body["meta"]["total"], 0);
    // Their own reference may equal ours.
    let same_ref = other
        .post(
            "/api/v1/appointments",
            appointment_json("CASE-1", soon, json!({})),
        )
        .await;
    assert_eq!(same_ref.status, 201, "{}", same_ref.body);

    // Cancel: the reason kept, the link dead; again answers the same; no change after.
    let cancel = api
        .post(
            &format!("/api/v1/appointments/{}/cancel", ids[1]),
            json!({ "cancellation_reason": "Claim settled" }),
        )
        .await;
    assert_eq!(cancel.status, 200, "{}", cancel.body);
    let d = &cancel.body["data"];
    assert_eq!(d["status"], "cancelled");
    assert_eq!(d["cancellation_reason"], "Claim settled");
    assert!(d["cancelled_at"].is_string());
    let again = api
        .post(
            &format!("/api/v1/appointments/{}/cancel", ids[1]),
            json!({}),
        )
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["data"]["cancelled_at"], d["cancelled_at"]);
    let summary = server_fn(
        &server,
        "precall/summary",
        &[("token", token_of(d["url"].as_str().unwrap()))],
    )
    .await;
    assert_eq!(summary.0, 410, "{}", summary.1);
    let late = api
        .patch(
            &format!("/api/v1/appointments/{}", ids[1]),
            json!({ "duration_in_minutes": 45 }),
        )
        .await;
    assert_eq!(late.status, 409, "{}", late.body);
    let cancelled = api.get("/api/v1/appointments?status=cancelled").await;
    assert_eq!(refs(&cancelled.body), ["CASE-2"]);
    let unknown = api
        .post(
            &format!("/api/v1/appointments/{}/cancel", ids[2]),
            json!({ "reason": "x" }),
        )
        .await;
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert!(unknown.body["errors"]["reason"].is_array());
}

#[tokio::test]
async fn every_wrong_field_is_named_and_nothing_is_written() {
    let server = TestServer::start().await;
    let company = server.company().await;
    let api = company_api(&server, &company).await;
    let bad = api
        .raw(
            Method::POST,
            "/api/v1/appointments",
            "application/x-www-form-urlencoded",
            "reference=R-1&appointment_at=2001-01-01T10%3A00%3A00&duration_in_minutes=1000\
             &claimant%5Bname%5D=Ann&claimant%5Bphone_number%5D=0612&claimant%5Bemail%5D=ann%40\
             &claimant%5Bdate_of_birth%5D=1990-13-45&use_custom_post_call_redirect=true\
             &custom_user_post_call_redirect_url=http%3A%2F%2Fexample.com%2Fdone\
             &features_webcam_acces_claimant_enable=false&features_bandwidth=huge",
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    let fields: Vec<&String> = bad.body["errors"].as_object().unwrap().keys().collect();
    assert_eq!(
        fields,
        [
            "appointment_at",
            "claimant.date_of_birth",
            "claimant.email",
            "claimant.phone_number",
            "custom_user_post_call_redirect_url",
            "duration_in_minutes",
            "features_bandwidth",
            "features_webcam_acces_claimant_enable",
        ]
    );
    assert!(bad.body["message"]
        .as_str()
        .unwrap()
        .contains("(and 7 more errors)"));
    // Missing ones, by JSON; an interpreter without a language; recording (not built yet).
    let missing = api
        .post(
            "/api/v1/appointments",
            json!({ "claimant": {}, "is_interpreter_needed": true }),
        )
        .await;
    assert_eq!(missing.status, 422, "{}", missing.body);
    for field in [
        "reference",
        "appointment_at",
        "duration_in_minutes",
        "claimant.name",
    ] {
        assert!(missing.body["errors"][field].is_array(), "{field}");
    }
    let soon = chrono::Utc::now() + chrono::Duration::days(1);
    let interpreter = api
        .post(
            "/api/v1/appointments",
            appointment_json(
                "R-2",
                soon,
                json!({ "is_interpreter_needed": "true", "features_call_recording_enable": "1" }),
            ),
        )
        .await;
    assert_eq!(interpreter.status, 422, "{}", interpreter.body);
    assert!(interpreter.body["errors"]["interpreter_language"].is_array());
    // Recording is allowed (the agent records in their browser, everyone told first).
    assert!(interpreter.body["errors"]["features_call_recording_enable"].is_null());
    // Not a body this API reads; not JSON; an agent who is not the company's.
    let xml = api
        .raw(Method::POST, "/api/v1/appointments", "text/xml", "<a/>")
        .await;
    assert_eq!(xml.status, 422, "{}", xml.body);
    let broken = api
        .raw(
            Method::POST,
            "/api/v1/appointments",
            "application/json",
            "{",
        )
        .await;
    assert_eq!(broken.status, 422, "{}", broken.body);
    let stranger = api
        .post(
            "/api/v1/appointments",
            appointment_json("R-3", soon, json!({ "agent": "0123456789abcdef01234567" })),
        )
        .await;
    assert_eq!(stranger.status, 422, "{}", stranger.body);
    assert!(stranger.body["errors"]["agent"].is_array());
    let list = api.get("/api/v1/appointments").await;
    assert_eq!(list.body["meta"]["total"], 0, "nothing was written");
    let rooms: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rooms")
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
    assert_eq!(rooms, 0, "no room without its appointment");

    // An interpreter: their own pre-call link, and a seat in the call.
    let with = api
        .post(
            "/api/v1/appointments",
            appointment_json(
                "R-4",
                soon,
                json!({ "is_interpreter_needed": true, "interpreter_language": "Polish",
                        "agent": server.agent.as_str() }),
            ),
        )
        .await;
    assert_eq!(with.status, 201, "{}", with.body);
    let d = &with.body["data"];
    assert_eq!(d["interpreter_language"], "Polish");
    assert_eq!(d["agent"], server.agent.as_str());
    let link = d["interpreter_url"].as_str().unwrap();
    assert_ne!(token_of(link), token_of(d["url"].as_str().unwrap()));
    let summary = server_fn(&server, "precall/summary", &[("token", token_of(link))]).await;
    assert_eq!(summary.1["attendee"], "interpreter", "{}", summary.1);
    assert_eq!(summary.1["agent"], "Dana Agent", "{}", summary.1);
}

#[tokio::test]
async fn only_a_companys_token_opens_the_api() {
    let server = TestServer::start().await;
    let anonymous = Api::anonymous(&server.url);
    let a = anonymous.get("/api/v1/appointments").await;
    assert_eq!(a.status, 401);
    assert_eq!(a.body, json!({ "message": "Unauthenticated." }));
    let reseller = server.api("reseller").await;
    let r = reseller.get("/api/v1/appointments").await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body["message"].is_string());
    // The document describes every operation.
    let doc: Value = reqwest::get(format!("{}/api/v1/appointments/openapi.json", server.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.contains_key("/api/v1/appointments"));
    assert!(paths.contains_key("/api/v1/appointments/{id}/cancel"));
}
