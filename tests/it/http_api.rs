//! The widget's server functions over HTTP, against a real server on port 0 with a temporary
//! SQLite file: what a browser (or anyone) can send, and what comes back.

use crate::support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use support::TestServer;

async fn count(server: &TestServer, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(server.state.store.pool())
        .await
        .unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn slots(
    server: &TestServer,
    site: &str,
    host_origin: &str,
    origin: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = client()
        .post(format!("{}/api/v1/booking/slots", server.url))
        .form(&[("site", site), ("host_origin", host_origin)]);
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    let res = req.send().await.unwrap();
    (res.status(), res.json().await.unwrap())
}

async fn book(server: &TestServer, request: Value, origin: Option<&str>) -> (StatusCode, Value) {
    let mut req = client()
        .post(format!("{}/api/v1/booking/book", server.url))
        .json(&json!({ "request": request }));
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn first_slot(server: &TestServer) -> String {
    let (status, body) = slots(
        server,
        server.site.as_str(),
        &server.host_url,
        Some(&server.url),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["slots"][0]["starts_at"].as_str().unwrap().to_string()
}

fn request(server: &TestServer, starts_at: &str) -> Value {
    json!({
        "site": server.site.as_str(),
        "host_origin": server.host_url,
        "starts_at": starts_at,
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "phone": "06 1234 5678",
        "note": "About my claim",
        "consent": true,
        "lang": "nl",
        "time_zone": "America/New_York",
    })
}

#[tokio::test]
async fn slots_are_offered_to_allowed_origins_only() {
    let server = TestServer::start().await;
    let (status, body) = slots(
        &server,
        server.site.as_str(),
        &server.host_url,
        Some(&server.url),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["site"]["name"], "Demo clinic");
    assert_eq!(body["site"]["time_zone"], "Europe/Amsterdam");
    let list = body["slots"].as_array().unwrap();
    assert!(
        !list.is_empty() && list.len() <= consult::server::services::booking::MAX_SLOTS,
        "{}",
        list.len()
    );

    // A host page that is not on the site's list.
    let (status, body) = slots(
        &server,
        server.site.as_str(),
        "http://evil.test",
        Some(&server.url),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(body["code"], "origin_not_allowed");
    // A request sent from another origin's page.
    let (status, _) = slots(
        &server,
        server.site.as_str(),
        &server.host_url,
        Some("http://evil.test"),
    )
    .await;
    assert_eq!(status, 403);
    // Unknown and malformed sites.
    let (status, body) = slots(&server, "0123456789abcdef01234567", &server.host_url, None).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::NOT_FOUND, Some("site"))
    );
    let (status, _) = slots(&server, "../../etc", &server.host_url, None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn booking_writes_one_meeting_with_both_participants_and_a_signed_link() {
    let server = TestServer::start().await;
    let starts_at = first_slot(&server).await;
    let (status, body) = book(&server, request(&server, &starts_at), Some(&server.url)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["starts_at"], starts_at);
    assert_eq!(body["agent_name"], "Dana Agent");
    let join_url = body["join_url"].as_str().unwrap();
    let hash = join_url
        .strip_prefix(&format!("{}/join/", server.url))
        .expect("a join link on this server");
    assert_eq!(hash.len(), 43, "256-bit base64url hash: {hash}");
    assert_eq!(count(&server, "meetings").await, 1);
    assert_eq!(count(&server, "participants").await, 2);
    let stored: Vec<String> = sqlx::query_scalar("SELECT link_id FROM participants")
        .fetch_all(server.state.store.pool())
        .await
        .unwrap();
    assert!(
        stored.iter().all(|l| !join_url.contains(l.as_str())),
        "the stored value is not the link"
    );
    let phone: String = sqlx::query_scalar("SELECT phone FROM participants WHERE is_host = 0")
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
    assert_eq!(
        phone, "+31612345678",
        "a national number takes the site's +31"
    );
    let (locale, zone, consented, note): (String, String, Option<i64>, String) = sqlx::query_as(
        "SELECT p.locale, p.time_zone, p.consented_at, m.note
         FROM participants p JOIN meetings m ON m.id = p.meeting_id WHERE p.is_host = 0",
    )
    .fetch_one(server.state.store.pool())
    .await
    .unwrap();
    assert_eq!(
        (locale.as_str(), zone.as_str(), note.as_str()),
        ("nl", "America/New_York", "About my claim")
    );
    assert!(consented.is_some_and(|t| t > 0));

    // The slot is gone from the list now (one agent).
    let (_, after) = slots(&server, server.site.as_str(), &server.host_url, None).await;
    assert_ne!(after["slots"][0]["starts_at"], starts_at);

    // The link opens the meeting's details.
    let res = client()
        .post(format!("{}/api/v1/join/details", server.url))
        .form(&[("hash", hash)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let details: Value = res.json().await.unwrap();
    assert_eq!(details["name"], "Ada Lovelace");
    assert_eq!(details["role"], "guest");
    assert_eq!(details["meeting"]["host_name"], "Dana Agent");
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_writes_nothing() {
    let server = TestServer::start().await;
    let starts_at = first_slot(&server).await;
    let cases = [
        (json!({ "name": "" }), 400, "invalid", Some("name")),
        (
            json!({ "name": "x".repeat(101) }),
            400,
            "invalid",
            Some("name"),
        ),
        (
            json!({ "email": "not-an-address" }),
            400,
            "invalid",
            Some("email"),
        ),
        (json!({ "phone": "0612" }), 400, "invalid", Some("phone")),
        (
            json!({ "phone": "612345678" }),
            400,
            "invalid",
            Some("phone"),
        ),
        (
            json!({ "note": "x".repeat(1001) }),
            400,
            "invalid",
            Some("note"),
        ),
        (json!({ "consent": false }), 400, "invalid", Some("consent")),
        (
            json!({ "time_zone": "Mars/Olympus_Mons" }),
            400,
            "invalid",
            Some("time_zone"),
        ),
        (json!({ "lang": "de" }), 400, "bad_request", None),
        (
            json!({ "starts_at": "2001-01-01T00:00:00Z" }),
            400,
            "invalid",
            Some("starts_at"),
        ),
        (
            json!({ "starts_at": "2099-01-01T00:07:00Z" }),
            400,
            "invalid",
            Some("starts_at"),
        ),
        (
            json!({ "starts_at": "yesterday" }),
            400,
            "bad_request",
            None,
        ),
        (
            json!({ "site": "ffffffffffffffffffffffff" }),
            404,
            "not_found",
            Some("site"),
        ),
        (
            json!({ "host_origin": "https://elsewhere.example" }),
            403,
            "origin_not_allowed",
            Some("origin"),
        ),
    ];
    for (change, status, code, field) in cases {
        let mut req = request(&server, &starts_at);
        for (k, v) in change.as_object().unwrap() {
            req[k] = v.clone();
        }
        let (got, body) = book(&server, req.clone(), None).await;
        assert_eq!(got.as_u16(), status, "{req} -> {body}");
        assert_eq!(body["code"], code, "{req} -> {body}");
        assert_eq!(body["field"].as_str(), field, "{req} -> {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // Not JSON at all, and a missing field.
    for raw in ["{\"request\": {", "[]", "{\"request\": {\"site\": 1}}"] {
        let res = client()
            .post(format!("{}/api/v1/booking/book", server.url))
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{raw}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "bad_request", "{raw}");
    }
    assert_eq!(count(&server, "meetings").await, 0);
    assert_eq!(count(&server, "participants").await, 0);
}

#[tokio::test]
async fn two_customers_racing_for_one_slot_get_one_meeting() {
    // Six bookings from one address at once: more than the form takes from one address in
    // ten minutes, so that limit is raised here (it has tests of its own).
    let server = TestServer::start_with(|c| c.booking_limits.per_address.limit = 100).await;
    let starts_at = first_slot(&server).await;
    let attempts = (0..6).map(|_| book(&server, request(&server, &starts_at), None));
    let results = futures::future::join_all(attempts).await;
    let won = results.iter().filter(|(s, _)| *s == 200).count();
    let lost: Vec<_> = results.iter().filter(|(s, _)| *s != 200).collect();
    assert_eq!(won, 1, "{results:?}");
    assert!(
        lost.iter()
            .all(|(s, b)| *s == 409 && b["code"] == "slot_taken"),
        "{lost:?}"
    );
    assert_eq!(count(&server, "meetings").await, 1);
    // Below the code, the database itself refuses a second scheduled meeting of the agent at
    // that start.
    let copy = sqlx::query(
        "INSERT INTO meetings (id, company_id, site_id, agent_id, subject, starts_at, ends_at,
                               opens_at, closes_at, capacity, created_at)
         SELECT 'ffffffffffffffffffffffff', company_id, site_id, agent_id, subject, starts_at,
                ends_at, opens_at, closes_at, capacity, created_at FROM meetings",
    )
    .execute(server.state.store.pool())
    .await;
    assert!(
        copy.is_err_and(|e| e
            .as_database_error()
            .is_some_and(|d| d.is_unique_violation())),
        "the store's constraint holds"
    );
}

#[tokio::test]
async fn join_links_that_were_not_issued_or_are_dead_are_refused() {
    let server = TestServer::start().await;
    let details = |hash: String| {
        let url = format!("{}/api/v1/join/details", server.url);
        async move {
            let res = client()
                .post(url)
                .form(&[("hash", hash)])
                .send()
                .await
                .unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap())
        }
    };
    for junk in ["", "abc", &"A".repeat(43), &"x".repeat(5000)] {
        let (status, body) = details(junk.to_string()).await;
        assert_eq!(status, 404, "{junk}: {body}");
        assert_eq!(body["code"], "not_found");
    }
    // A link signed by another server's key.
    let other = consult::server::tokens::Signer::new([9; 32]);
    let booked = server.book("Ada").await;
    let link_ids = server.state.store.link_ids(&booked.meeting).await.unwrap();
    let forged = other.join_hash(&link_ids[1].1).unwrap();
    assert_eq!(details(forged).await.0, 404);
    // Cancelled: the link is dead.
    let hash = booked.join_url.rsplit('/').next().unwrap().to_string();
    assert_eq!(details(hash.clone()).await.0, 200);
    server.cancel(&booked.meeting).await;
    let (status, body) = details(hash).await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (410, Some("expired"))
    );
}

#[tokio::test]
async fn pages_carry_a_frame_ancestors_policy_per_site() {
    let server = TestServer::start().await;
    let dist = consult::server::config::default_dist_dir().join("index.html");
    let res = client()
        .get(format!("{}/embed/booking?site={}", server.url, server.site))
        .send()
        .await
        .unwrap();
    if !dist.exists() {
        assert_eq!(res.status(), 503, "without a widget build pages say so");
        return;
    }
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains(&format!("frame-ancestors 'self' {}", server.host_url)),
        "{csp}"
    );
    assert!(
        !csp.contains("'unsafe-inline'") && !csp.contains("'unsafe-eval'"),
        "{csp}"
    );
    let console = client()
        .get(format!("{}/console", server.url))
        .send()
        .await
        .unwrap();
    assert!(console.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    // Compressed in the background after start: ready by now, or soon.
    server.state.assets.wait_compressed().await;
    let embed = client()
        .get(format!("{}/embed.js", server.url))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(embed.status(), 200);
    assert_eq!(embed.headers()["content-encoding"], "br");
    assert_eq!(embed.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn console_needs_a_session_and_login_links_work_once() {
    let server = TestServer::start().await;
    let overview = |cookie: Option<String>| {
        let url = format!("{}/api/v1/console/overview", server.url);
        async move {
            let mut req = client().post(url);
            if let Some(c) = cookie {
                req = req.header("cookie", c);
            }
            let res = req.send().await.unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = overview(None).await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (401, Some("unauthorized"))
    );
    assert_eq!(overview(Some("consult_session=forged".into())).await.0, 401);

    server.book("Ada").await;
    let login = server.login_url().await;
    let res = client().get(&login).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/console");
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let (status, body) = overview(Some(cookie.clone())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["agent_name"], "Dana Agent");
    assert_eq!(body["meetings"].as_array().unwrap().len(), 1);
    assert_eq!(body["meetings"][0]["guests"][0], "Ada");
    // The session token is stored hashed only.
    let token = cookie.split('=').nth(1).unwrap();
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM sessions")
        .fetch_all(server.state.store.pool())
        .await
        .unwrap();
    assert_eq!(stored, vec![consult::server::tokens::hash_token(token)]);
    // The login link is used up.
    assert_eq!(client().get(&login).send().await.unwrap().status(), 410);
    // Logging out ends the session.
    let out = client()
        .post(format!("{}/logout", server.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(overview(Some(cookie)).await.0, 401);
}

#[tokio::test]
async fn the_icon_every_browser_asks_for_is_an_empty_answer_not_a_404() {
    let server = TestServer::start().await;
    let res = reqwest::get(format!("{}/favicon.ico", server.url))
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(res.headers()["cache-control"], "public, max-age=604800");
    assert!(res.bytes().await.unwrap().is_empty());
}
