//! The rooms API (`/whereby/v1`) as a Whereby integration uses it, replayed over HTTP against
//! the real server: keys, meetings with fields, cursor pages, theming, the point budget and
//! its headers, idempotent deletes, and tenancy (another organisation's key finds nothing).

use crate::support;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::api::Api;
use support::TestServer;

/// A caller of the rooms API with an API key.
struct Rooms {
    base: String,
    key: String,
    http: reqwest::Client,
}

/// An answer of the rooms API.
struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }

    fn error(&self) -> String {
        let e = self.body["error"].as_str();
        assert!(e.is_some(), "{} {}", self.status, self.body);
        e.unwrap().to_string()
    }
}

impl Rooms {
    fn new(base: &str, key: &str) -> Rooms {
        Rooms {
            base: base.to_string(),
            key: key.to_string(),
            http: reqwest::Client::new(),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        let res = req.bearer_auth(&self.key).send().await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        Answer {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut req = self
            .http
            .request(method, format!("{}/whereby/v1{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        self.send(req).await
    }

    async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(body)).await
    }

    async fn put(&self, path: &str, body: Value) -> Answer {
        self.call(Method::PUT, path, Some(body)).await
    }

    async fn delete(&self, path: &str) -> Answer {
        self.call(Method::DELETE, path, None).await
    }

    async fn upload(&self, path: &str, bytes: Vec<u8>, file: &str) -> Answer {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file.to_string());
        let form = reqwest::multipart::Form::new().part("image", part);
        self.send(
            self.http
                .put(format!("{}/whereby/v1{path}", self.base))
                .multipart(form),
        )
        .await
    }
}

/// A second company under the test's reseller, made through the API.
async fn another_company(api: &Api, tag: &str) -> String {
    let a = api
        .post(
            "/api/v2/management/companies",
            json!({
                "name": format!("Company {tag}"),
                "contact": { "first_name": "Ann", "last_name": tag, "email": format!("{tag}@example.com"), "phone": "+31201234567", "language": "en" },
                "package": "594a5befcc9d4f9e2f1da19a",
            }),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.result()["id"].as_str().unwrap().to_string()
}

/// A key for `company` through the management API.
async fn key_for(api: &Api, company: &str) -> (String, String) {
    let a = api
        .post(
            "/api/v2/management/api-keys",
            json!({ "name": "Integration", "company": company }),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let r = a.result();
    assert_eq!(r["company"], company);
    let key = r["key"].as_str().unwrap().to_string();
    (r["id"].as_str().unwrap().to_string(), key)
}

/// An audit event as the test reads it: actor type and id, action, entity id, company.
type AuditRow = (
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

fn in_an_hour() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(1))
        .with_timezone(&chrono::FixedOffset::east_opt(2 * 3600).unwrap())
        .to_rfc3339()
}

/// The smallest PNG: 1×1.
fn png() -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
        .unwrap()
}

#[tokio::test]
async fn a_whereby_integration_works_with_a_new_base_url_and_key() {
    let server = TestServer::start().await;
    let api = server.api("rooms").await;
    let company = server.company().await;

    // Keys: shown once, stored hashed, listed without the key.
    let (key_id, key) = key_for(&api, &company).await;
    assert!(key.len() >= 40, "{key}");
    let stored: Vec<String> = sqlx::query_scalar("SELECT key_hash FROM api_keys")
        .fetch_all(server.state.store.pool())
        .await
        .unwrap();
    assert!(stored
        .iter()
        .all(|h| h.len() == 64 && !key.contains(h.as_str())));
    let listed = api.get("/api/v2/management/api-keys").await;
    assert_eq!(listed.result()[0]["id"], key_id.as_str());
    assert!(listed.result()[0].get("key").is_none(), "{}", listed.body);
    assert!(!listed.body.to_string().contains(&key));
    let rooms = Rooms::new(&server.url, &key);

    // Create: 201, dates in UTC whatever the offset given, extra links only when asked.
    let end = in_an_hour();
    let created = rooms
        .post(
            "/meetings",
            json!({ "endDate": end, "roomNamePrefix": "clinic", "isLocked": true,
                    "startDate": "2019-08-24T14:15:22Z", "fields": ["hostRoomUrl"],
                    "recording": { "type": "cloud", "startTrigger": "prompt" } }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let m = &created.body;
    let id = m["meetingId"].as_str().unwrap().to_string();
    let name = m["roomName"].as_str().unwrap().to_string();
    assert!(name.starts_with("/clinic-"), "{name}");
    let uuid = name.trim_start_matches("/clinic-");
    assert_eq!(
        uuid.split('-').map(str::len).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12]
    );
    assert_eq!(
        m["roomUrl"],
        format!("{}/rooms{}", server.url, name).as_str()
    );
    let end_utc = chrono::DateTime::parse_from_rfc3339(&end)
        .unwrap()
        .with_timezone(&chrono::Utc);
    assert_eq!(
        m["endDate"],
        end_utc
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            .as_str()
    );
    assert!(m["startDate"].as_str().unwrap().ends_with('Z'));
    let host = m["hostRoomUrl"].as_str().unwrap();
    assert!(host.starts_with(m["roomUrl"].as_str().unwrap()) && host.contains("?roomKey="));
    assert!(m.get("viewerRoomUrl").is_none(), "{m}");
    // Both are in the audit trail: the key made by the reseller's client (found to be the
    // company's), the room made with the key (its id from the answer).
    let trail: Vec<AuditRow> = sqlx::query_as(
        "SELECT actor_type, actor_id, action, entity_id, company_id FROM audit_events
             ORDER BY at, id",
    )
    .fetch_all(server.state.store.pool())
    .await
    .unwrap();
    assert!(trail.iter().any(|e| e.0 == "api_client"
        && e.2 == "POST /api/v2/management/api-keys"
        && e.3.as_deref() == Some(key_id.as_str())
        && e.4.as_deref() == Some(company.as_str())));
    assert!(
        trail.iter().any(|e| e.0 == "api_key"
            && e.1.as_deref() == Some(key_id.as_str())
            && e.2 == "POST /whereby/v1/meetings"
            && e.3.as_deref() == Some(id.as_str())
            && e.4.as_deref() == Some(company.as_str())),
        "{trail:?}"
    );
    assert_eq!(created.header("x-ratelimit-limit"), "1000");
    assert_eq!(
        created.header("x-ratelimit-remaining"),
        "997",
        "a write costs 3"
    );
    assert!(created.header("x-ratelimit-reset").ends_with(" GMT"));

    // viewerMode: locked, both links. human-short: six characters.
    let viewer = rooms
        .post(
            "/meetings",
            json!({ "endDate": end, "templateType": "viewerMode", "roomNamePattern": "human-short" }),
        )
        .await;
    assert_eq!(viewer.status, 201, "{}", viewer.body);
    assert!(viewer.body["hostRoomUrl"].is_string() && viewer.body["viewerRoomUrl"].is_string());
    assert_ne!(viewer.body["hostRoomUrl"], viewer.body["viewerRoomUrl"]);
    assert_eq!(
        viewer.body["roomName"].as_str().unwrap().len(),
        7,
        "{}",
        viewer.body
    );

    // Bad input: 400 naming the field; nothing made.
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rooms")
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
    for (body, field) in [
        (json!({}), "endDate"),
        (json!({ "endDate": "tomorrow" }), "endDate"),
        (json!({ "endDate": "2020-01-01T00:00:00Z" }), "endDate"),
        (json!({ "endDate": end, "roomMode": "group" }), "roomMode"),
        (
            json!({ "endDate": end, "roomNamePrefix": "Clinic" }),
            "roomNamePrefix",
        ),
        (
            json!({ "endDate": end, "roomNamePrefix": "a_b" }),
            "roomNamePrefix",
        ),
        (
            json!({ "endDate": end, "roomNamePattern": "short" }),
            "roomNamePattern",
        ),
        (json!({ "endDate": end, "fields": ["secret"] }), "fields"),
        (json!({ "endDate": end, "colour": "red" }), "colour"),
        (
            json!({ "endDate": end, "streaming": { "rtmpUrl": "rtmp://x" } }),
            "streaming",
        ),
        (
            json!({ "endDate": end, "recording": { "type": "tape" } }),
            "recording",
        ),
        (
            json!({ "endDate": end, "recording": { "type": "cloud", "destination": { "provider": "s3" } } }),
            "recording.destination",
        ),
    ] {
        let a = rooms.post("/meetings", body.clone()).await;
        assert_eq!(a.status, 400, "{body}: {}", a.body);
        assert!(a.error().starts_with(field), "{body}: {}", a.body);
    }
    let group = rooms
        .post("/meetings", json!({ "endDate": end, "roomMode": "group" }))
        .await;
    assert!(group.error().contains("media server"), "{}", group.body);
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rooms")
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
    assert_eq!(before, after);

    // Get, with and without fields; unknown ids are 404.
    let one = rooms.get(&format!("/meetings/{id}")).await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.body["roomName"], name.as_str());
    assert!(one.body.get("hostRoomUrl").is_none());
    let both = rooms
        .get(&format!("/meetings/{id}?fields=hostRoomUrl,viewerRoomUrl"))
        .await;
    assert_eq!(both.body["hostRoomUrl"], host);
    assert!(both.body["viewerRoomUrl"].is_string());
    let left: u32 = both.header("x-ratelimit-remaining").parse().unwrap();
    let again = rooms.get(&format!("/meetings/{id}")).await;
    assert_eq!(
        again.header("x-ratelimit-remaining"),
        (left - 1).to_string(),
        "a read costs 1"
    );
    assert_eq!(rooms.get("/meetings/nope").await.status, 404);
    assert_eq!(
        rooms.get(&format!("/meetings/{id}?sort=x")).await.status,
        400
    );

    // Cursor pages: every live meeting once (by creation time, ties by id), cursor null at the
    // end.
    for _ in 0..3 {
        assert_eq!(
            rooms
                .post("/meetings", json!({ "endDate": end }))
                .await
                .status,
            201
        );
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/meetings?limit=2&fields=hostRoomUrl&cursor={c}"),
            None => "/meetings?limit=2&fields=hostRoomUrl".to_string(),
        };
        let page = rooms.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let results = page.body["results"].as_array().unwrap();
        assert!(results.len() <= 2);
        for r in results {
            assert!(r["hostRoomUrl"].is_string());
            seen.push(r["meetingId"].as_str().unwrap().to_string());
        }
        pages += 1;
        match page.body["cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => {
                assert!(page.body["cursor"].is_null());
                break;
            }
        }
    }
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert_eq!(pages, 3);
    assert!(seen.contains(&id));
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 5, "each once: {seen:?}");
    let all = rooms.get("/meetings").await;
    assert_eq!(all.body["results"].as_array().unwrap().len(), 5);
    assert!(all.body["cursor"].is_null());
    for bad in ["limit=0", "limit=101", "limit=x", "cursor=abc", "page=2"] {
        let a = rooms.get(&format!("/meetings?{bad}")).await;
        assert_eq!(a.status, 400, "{bad}: {}", a.body);
    }

    // Theming: colours, images checked by their bytes, the JSON reset.
    let theme = format!("/rooms{name}/theme");
    let colours = json!({ "tokens": { "colors": { "primary": "#112233", "secondary": "#445566", "focus": "#778899" } }, "tokensPreset": "custom" });
    let set = rooms.put(&format!("{theme}/tokens"), colours.clone()).await;
    assert_eq!(set.status, 204, "{}", set.body);
    let stored: Option<String> = sqlx::query_scalar("SELECT theme FROM rooms WHERE id = $1")
        .bind(&id)
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
    assert!(stored.unwrap().contains("#112233"));
    // The name with its slash encoded works too.
    let encoded = format!("/rooms/%2F{}/theme/tokens", name.trim_start_matches('/'));
    assert_eq!(
        rooms
            .put(&encoded, json!({ "tokensPreset": "default" }))
            .await
            .status,
        204
    );
    let bad = rooms
        .put(
            &format!("{theme}/tokens"),
            json!({ "tokens": { "colors": { "primary": "red" } }, "tokensPreset": "custom" }),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.error().starts_with("tokens.colors.primary"),
        "{}",
        bad.body
    );
    for part in ["logo", "room-background", "room-knock-page-background"] {
        let up = rooms
            .upload(&format!("{theme}/{part}"), png(), "logo.png")
            .await;
        assert_eq!(up.status, 204, "{part}: {}", up.body);
        let gif = rooms
            .upload(&format!("{theme}/{part}"), b"GIF89a....".to_vec(), "x.gif")
            .await;
        assert_eq!(gif.status, 400, "{part}: {}", gif.body);
        assert!(gif.error().starts_with("image"), "{}", gif.body);
        let big = rooms
            .upload(&format!("{theme}/{part}"), vec![0u8; 650_000], "big.png")
            .await;
        assert!(
            matches!(big.status.as_u16(), 400 | 413),
            "{part}: {}",
            big.status
        );
    }
    let images: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM room_images")
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
    assert_eq!(images, 3);
    let reset = rooms
        .put(&format!("{theme}/logo"), json!({ "image": null }))
        .await;
    assert_eq!(reset.status, 204, "{}", reset.body);
    assert_eq!(
        rooms
            .put("/rooms/no-such-room/theme/tokens", colours.clone())
            .await
            .status,
        404
    );

    // Another organisation's key finds nothing of this one's.
    let other = another_company(&api, "other").await;
    let (_, other_key) = key_for(&api, &other).await;
    let stranger = Rooms::new(&server.url, &other_key);
    assert_eq!(stranger.get(&format!("/meetings/{id}")).await.status, 404);
    assert_eq!(
        stranger.delete(&format!("/meetings/{id}")).await.status,
        404
    );
    assert_eq!(
        stranger
            .put(&format!("{theme}/tokens"), colours.clone())
            .await
            .status,
        404
    );
    assert_eq!(
        stranger
            .upload(&format!("{theme}/logo"), png(), "l.png")
            .await
            .status,
        404
    );
    let theirs = stranger.get("/meetings").await;
    assert_eq!(theirs.body["results"], json!([]));
    assert_eq!(
        theirs.header("x-ratelimit-limit"),
        "1000",
        "a budget of its own"
    );
    assert_eq!(rooms.get(&format!("/meetings/{id}")).await.status, 200);

    // Delete twice: the same answer; then the meeting is gone.
    let gone = rooms.delete(&format!("/meetings/{id}")).await;
    assert_eq!(gone.status, 204);
    assert_eq!(rooms.delete(&format!("/meetings/{id}")).await.status, 204);
    assert_eq!(rooms.get(&format!("/meetings/{id}")).await.status, 404);
    assert_eq!(rooms.delete("/meetings/never-was").await.status, 404);

    // A wrong or revoked key is 401.
    let wrong = Rooms::new(&server.url, "ck_not-a-key");
    let a = wrong.get("/meetings").await;
    assert_eq!(a.status, 401);
    a.error();
    let revoked = api
        .delete(&format!("/api/v2/management/api-keys/{key_id}"))
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    assert_eq!(rooms.get("/meetings").await.status, 401);
}

#[tokio::test]
async fn over_budget_is_429_as_the_seed_says_and_writes_cost_more() {
    let server = TestServer::start().await;
    let api = server.api("budget").await;
    let company = server.company().await;
    // The budget is a company setting (a company may not raise its own).
    let set = api
        .patch(
            &format!("/api/v2/management/companies/{company}"),
            json!({ "room_api_points": 10 }),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.result()["room_api_points"], 10);
    let (_, key) = key_for(&api, &company).await;
    let rooms = Rooms::new(&server.url, &key);
    let end = in_an_hour();
    // 3 + 3 + 3 = 9 of 10: a fourth write would pass 10.
    for left in ["7", "4", "1"] {
        let a = rooms.post("/meetings", json!({ "endDate": end })).await;
        assert_eq!(a.status, 201, "{}", a.body);
        assert_eq!(a.header("x-ratelimit-remaining"), left);
    }
    let refused = rooms.post("/meetings", json!({ "endDate": end })).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(
        refused.body["error"],
        format!("Rate limit active for throttle key: organization:{company}").as_str()
    );
    let ms = refused.body["data"]["msLeft"].as_i64().unwrap();
    assert!((1..=60_000).contains(&ms), "{ms}");
    let retry: i64 = refused.header("retry-after").parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(refused.header("x-ratelimit-remaining"), "1");
    // Nothing was made by the refused call; a read (1 point) still fits.
    let list = rooms.get("/meetings").await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["results"].as_array().unwrap().len(), 3);
    assert_eq!(rooms.get("/meetings").await.status, 429);
}

#[tokio::test]
async fn the_cli_makes_keys_and_the_sweeper_removes_closed_rooms() {
    let server = TestServer::start().await;
    let company = server.company().await;
    let out = support::db::consult(server.data_dir())
        .args(["api-keys", "create", "--company", &company, "--data"])
        .arg(server.data_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rooms = Rooms::new(&server.url, made["key"].as_str().unwrap());
    let a = rooms
        .post(
            "/meetings",
            json!({ "endDate": chrono::Utc::now().to_rfc3339() }),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.body["meetingId"].as_str().unwrap();
    // An unknown company is refused, naming it.
    let bad = support::db::consult(server.data_dir())
        .args([
            "api-keys",
            "create",
            "--company",
            "0123456789abcdef01234567",
            "--data",
        ])
        .arg(server.data_dir())
        .output()
        .unwrap();
    assert!(!bad.status.success());

    // The room lives until an hour after its end: not swept before, gone after.
    let state = &server.state;
    let soon = chrono::Utc::now() + chrono::Duration::minutes(50);
    assert_eq!(
        consult::server::services::rooms::sweep(state, soon)
            .await
            .unwrap(),
        0
    );
    assert_eq!(rooms.get(&format!("/meetings/{id}")).await.status, 200);
    let later = chrono::Utc::now() + chrono::Duration::minutes(61);
    assert_eq!(
        consult::server::services::rooms::sweep(state, later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(rooms.get(&format!("/meetings/{id}")).await.status, 404);
}

#[tokio::test]
async fn insights_are_the_organisations_own_and_bad_parameters_are_named() {
    use consult::server::store::{NetSample, NewParticipant, NewSession};
    let server = TestServer::start().await;
    let api = server.api("insights").await;
    let company = server.company().await;
    let store = &server.state.store;
    let now = chrono::Utc::now();
    store
        .start_session(&NewSession {
            id: "s-1".into(),
            room_id: "r-1".into(),
            company: company.clone(),
            room_name: "/clinic-abc".into(),
            room_created_at: now,
            room_ends_at: now,
            started_at: now,
        })
        .await
        .unwrap();
    store
        .participant_joined(&NewParticipant {
            id: "p-1".into(),
            session: "s-1".into(),
            display_name: "Ada".into(),
            role: "guest",
            external_id: Some("crm-1".into()),
            user_agent: Some("TestBrowser/1.0".into()),
            joined_at: now,
        })
        .await
        .unwrap();
    store
        .add_sample(
            "p-1",
            &NetSample {
                at: now,
                packet_loss_send: 0.01,
                packet_loss_recv: 0.0,
                bitrate_send: 500_000,
                bitrate_recv: 400_000,
            },
        )
        .await
        .unwrap();
    let (_, key) = key_for(&api, &company).await;
    let ours = Rooms::new(&server.url, &key);
    let rooms = ours
        .get("/insights/rooms?roomName[startsWith]=/clinic")
        .await;
    assert_eq!(rooms.status, 200, "{}", rooms.body);
    assert_eq!(rooms.body["results"][0]["roomName"], "/clinic-abc");
    assert!(rooms.body["cursor"].is_null());
    let people = ours.get("/insights/participants?externalId=crm-1").await;
    assert_eq!(people.body["results"][0]["participantId"], "p-1");
    assert!(people.body["results"][0]["leftAt"].is_null(), "still in");
    let detail = ours
        .get("/insights/participant?roomSessionId=s-1&participantId=p-1")
        .await;
    assert_eq!(detail.body[0]["samples"]["bitrateSend"][0][1], 500_000);
    assert_eq!(detail.body[0]["userAgent"], "TestBrowser/1.0");
    for bad in [
        "/insights/rooms?sortBy=nope:asc",
        "/insights/rooms?sortBy=roomName:up",
        "/insights/rooms?limit=0",
        "/insights/rooms?cursor=zz",
        "/insights/rooms?createdAt[from]=yesterday",
        "/insights/rooms?colour=red",
        "/insights/room-sessions",
        "/insights/participants",
        "/insights/participant?roomSessionId=s-1",
    ] {
        let a = ours.get(bad).await;
        assert_eq!(a.status, 400, "{bad}: {}", a.body);
        a.error();
    }
    // Another organisation sees none of it.
    let other = another_company(&api, "insights-other").await;
    let (_, other_key) = key_for(&api, &other).await;
    let theirs = Rooms::new(&server.url, &other_key);
    assert_eq!(
        theirs.get("/insights/rooms").await.body["results"],
        json!([])
    );
    assert_eq!(
        theirs
            .get("/insights/participants?externalId=crm-1")
            .await
            .body["results"],
        json!([])
    );
    assert_eq!(
        theirs
            .get("/insights/participant?roomSessionId=s-1&participantId=p-1")
            .await
            .status,
        404
    );
}
