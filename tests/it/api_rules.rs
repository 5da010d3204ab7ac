//! The REST API's rules and errors: tokens, headers and quotas on every answer, bad input per
//! endpoint, users (roles, passwords, photos, activation e-mail over real SMTP) and meetings
//! (who may schedule for whom, package features, time changes, cancelling).

use crate::support;

use consult::server::store::{Quota, QuotaUnit};
use reqwest::Method;
use serde_json::{json, Value};
use support::api::{Answer, Api};
use support::smtp::SmtpSink;
use support::TestServer;

fn contact() -> Value {
    json!({ "first_name": "Con", "last_name": "Tact", "email": "contact@example.com", "phone": "+31612345678", "language": "nl" })
}

struct World {
    api: Api,
    company: String,
    agent: String,
    assistant: String,
    site: String,
}

fn id(a: &Answer) -> String {
    a.result()["id"].as_str().unwrap().to_string()
}

async fn user(api: &Api, company: &str, email: &str, role: &str, password: Option<&str>) -> Answer {
    let mut body = json!({ "first_name": "Ann", "last_name": "Smith", "email": email, "locale": "nl", "role": role, "entity": { "type": "company", "id": company } });
    if let Some(p) = password {
        body["password"] = json!(p);
    }
    api.post("/api/v2/management/users", body).await
}

async fn world(server: &TestServer, package: &str) -> World {
    let api = server.api("rules").await;
    let company = id(&api
        .post(
            "/api/v2/management/companies",
            json!({ "name": "Clinic", "contact": contact(), "package": package }),
        )
        .await);
    let agent = id(&user(
        &api,
        &company,
        "agent@example.com",
        "agent",
        Some("StrongPassword123!"),
    )
    .await);
    let assistant = id(&user(
        &api,
        &company,
        "assistant@example.com",
        "assistant",
        Some("StrongPassword123!"),
    )
    .await);
    let site = id(&api
        .post(
            "/api/v2/management/sites",
            json!({ "name": "Front desk", "company": company, "users": [agent, assistant] }),
        )
        .await);
    World {
        api,
        company,
        agent,
        assistant,
        site,
    }
}

fn meeting_body(w: &World, start: &str, end: &str) -> Value {
    json!({ "site": w.site, "agent": w.agent, "time_start": start, "time_end": end, "participants": [{ "name": "Guest", "email": "guest@example.com", "phone": "+31611111111" }] })
}

const PREMIUM: &str = "594a5befcc9d4f9e2f1da19a";
const BASIC: &str = "7b7c0d1e2f3a4b5c6d7e8f90";

#[tokio::test]
async fn tokens_are_refused_when_wrong_expired_or_revoked() {
    let server = TestServer::start().await;
    let (client, secret) = server.cli_client("tokens");
    let anon = Api::anonymous(&server.url);
    let token = |id: &str, secret: &str| json!({ "grant_type": "client_credentials", "client_id": id, "client_secret": secret });
    let wrong = anon
        .post("/api/v2/oauth2/token", token(&client, "nope"))
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.error()["code"], "unauthorized");
    assert_eq!(
        anon.post(
            "/api/v2/oauth2/token",
            token("0123456789abcdef01234567", &secret)
        )
        .await
        .status,
        401
    );
    // Form-encoded, as RFC 6749 has it.
    let form = anon
        .raw(
            Method::POST,
            "/api/v2/oauth2/token",
            "application/x-www-form-urlencoded",
            &format!("grant_type=client_credentials&client_id={client}&client_secret={secret}"),
        )
        .await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert_eq!(form.body["token_type"], "Bearer");
    let bad_grant = anon
        .post(
            "/api/v2/oauth2/token",
            json!({ "grant_type": "password", "client_id": client, "client_secret": secret }),
        )
        .await;
    assert_eq!(
        (
            bad_grant.status.as_u16(),
            bad_grant.error()["field"].as_str()
        ),
        (400, Some("grant_type"))
    );

    let api = Api::login(&server.url, &client, &secret).await;
    assert_eq!(api.get("/api/v2/management/packages").await.status, 200);
    // Tokens are stored hashed.
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_all(server.state.store.pool())
        .await
        .unwrap();
    assert!(stored.contains(&consult::server::tokens::hash_token(
        api.token.as_deref().unwrap()
    )));
    assert!(!stored.iter().any(|s| s == api.token.as_deref().unwrap()));
    // Expired.
    sqlx::query("UPDATE api_tokens SET expires_at = 0")
        .execute(server.state.store.pool())
        .await
        .unwrap();
    assert_eq!(api.get("/api/v2/management/packages").await.status, 401);
    // Revoked (by another client of the same reseller).
    let other = server.api("other").await;
    let fresh = Api::login(&server.url, &client, &secret).await;
    assert_eq!(fresh.get("/api/v2/management/packages").await.status, 200);
    assert_eq!(
        other
            .delete(&format!("/api/v2/management/clients/{client}"))
            .await
            .status,
        200
    );
    assert_eq!(fresh.get("/api/v2/management/packages").await.status, 401);
    assert_eq!(
        anon.post("/api/v2/oauth2/token", token(&client, &secret))
            .await
            .status,
        401
    );
    // No token, a malformed one.
    assert_eq!(anon.get("/api/v2/management/packages").await.status, 401);
    let mut garbage = anon.clone();
    garbage.token = Some("x".repeat(500));
    assert_eq!(garbage.get("/api/v2/management/packages").await.status, 401);
}

fn assert_standard_headers(a: &Answer, what: &str) {
    for h in [
        "api-version",
        "sunset",
        "quota-interval",
        "quota-limit",
        "quota-reset-utc",
        "quota-time-unit",
        "quota-used",
        "strict-transport-security",
        "access-control-allow-origin",
        "access-control-allow-headers",
        "access-control-allow-methods",
        "access-control-max-age",
        "access-control-allow-credentials",
        "content-type",
        "content-length",
    ] {
        assert!(
            a.headers.get(h).is_some(),
            "{what}: header {h} missing in {:?}",
            a.headers
        );
    }
    assert_eq!(a.headers["api-version"], "v2");
    assert_eq!(a.headers["sunset"], "n/a");
    assert_eq!(
        a.headers["strict-transport-security"],
        "max-age=31536000; includeSubDomains; preload"
    );
}

#[tokio::test]
async fn every_answer_carries_the_headers_and_quotas_are_enforced() {
    let server = TestServer::start().await;
    let (client, secret) = server.cli_client("headers");
    let api = Api::login(&server.url, &client, &secret).await;
    let anon = Api::anonymous(&server.url);
    let answers = vec![
        ("200", api.get("/api/v2/management/packages").await),
        (
            "201",
            api.post(
                "/api/v2/management/dealers",
                json!({ "name": "D", "contact": contact() }),
            )
            .await,
        ),
        (
            "400",
            api.post("/api/v2/management/dealers", json!({ "name": "" }))
                .await,
        ),
        ("401", anon.get("/api/v2/management/dealers").await),
        (
            "404",
            api.get("/api/v2/management/dealers/0123456789abcdef01234567")
                .await,
        ),
        ("404 route", api.get("/api/v2/nothing/here").await),
        (
            "405",
            api.call(Method::PUT, "/api/v2/management/dealers", Some(json!({})))
                .await,
        ),
    ];
    for (what, a) in &answers {
        assert_standard_headers(a, what);
        assert!(a.body["success"].is_boolean(), "{what}: {}", a.body);
    }
    let not_allowed = &answers.last().unwrap().1;
    assert_eq!(not_allowed.status, 405);
    let allow = not_allowed.headers["allow"].to_str().unwrap().to_string();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    assert_eq!(answers[0].1.headers["quota-used"], "1");

    // CORS preflight.
    let pre = reqwest::Client::new()
        .request(
            Method::OPTIONS,
            format!("{}/api/v2/management/dealers", server.url),
        )
        .header("origin", "https://planner.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(pre.status(), 204);
    assert_eq!(pre.headers()["access-control-allow-origin"], "*");

    // A quota of 3 calls a minute: the 4th gets 429 with Retry-After.
    server
        .state
        .store
        .set_quota(
            &client,
            Quota {
                limit: 3,
                interval: 1,
                unit: QuotaUnit::Minute,
            },
        )
        .await
        .unwrap();
    let limited = Api::login(&server.url, &client, &secret).await;
    for n in 1..=3 {
        let a = limited.get("/api/v2/management/packages").await;
        if a.status == 429 {
            // The minute may have turned over between calls; the window restarted.
            break;
        }
        assert_eq!(a.headers["quota-limit"], "3");
        assert_eq!(a.headers["quota-time-unit"], "minute");
        assert_eq!(a.headers["quota-used"], n.to_string().as_str());
    }
    let over = limited.get("/api/v2/management/packages").await;
    assert_eq!(over.status, 429, "{:?}", over.headers);
    assert!(
        over.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u32>()
            .unwrap()
            >= 1
    );
    assert_eq!(over.error()["code"], "too_many_requests");
    assert_standard_headers(&over, "429");
    // Other clients have their own quota.
    let other = server.api("other").await;
    assert_eq!(other.get("/api/v2/management/packages").await.status, 200);
}

#[tokio::test]
async fn bad_input_is_refused_per_endpoint_naming_the_field() {
    let server = TestServer::start().await;
    let w = world(&server, PREMIUM).await;
    let api = &w.api;
    let user_path = format!("/api/v2/management/users/{}", w.agent);
    let site_path = format!("/api/v2/management/sites/{}", w.site);
    let endpoints: Vec<(Method, String)> = vec![
        (Method::POST, "/api/v2/management/dealers".into()),
        (Method::POST, "/api/v2/management/companies".into()),
        (Method::POST, "/api/v2/management/users".into()),
        (Method::PUT, user_path.clone()),
        (Method::PATCH, user_path.clone()),
        (Method::POST, "/api/v2/management/sites".into()),
        (Method::PATCH, site_path.clone()),
        (Method::POST, "/api/v2/management/autologin".into()),
        (Method::POST, "/api/v2/management/clients".into()),
        (Method::POST, "/api/v2/personal/meetings".into()),
        (Method::POST, "/api/v2/oauth2/token".into()),
    ];
    for (method, path) in &endpoints {
        for (raw, content_type, code) in [
            ("{\"name\": ", "application/json", "bad_request"),
            ("[1, 2]", "application/json", "invalid"),
            ("{\"unexpected_field\": 1}", "application/json", "invalid"),
            ("name=x", "text/plain", "bad_request"),
        ] {
            let a = api.raw(method.clone(), path, content_type, raw).await;
            assert_eq!(a.status, 400, "{method} {path} {raw}: {}", a.body);
            assert_eq!(a.error()["code"], code, "{method} {path} {raw}");
        }
        let unknown = api
            .raw(
                method.clone(),
                path,
                "application/json",
                "{\"unexpected_field\": 1}",
            )
            .await;
        let field = unknown.error()["field"].as_str().unwrap_or("");
        assert!(
            !field.is_empty(),
            "{method} {path}: an unknown or missing field is named: {}",
            unknown.body
        );
    }
    // Wrong types, missing fields, bad values: the field is named.
    let cases: Vec<(Method, &str, Value, &str)> = vec![
        (
            Method::POST,
            "/api/v2/management/dealers",
            json!({ "name": 5, "contact": contact() }),
            "name",
        ),
        (
            Method::POST,
            "/api/v2/management/dealers",
            json!({ "name": "D" }),
            "contact",
        ),
        (
            Method::POST,
            "/api/v2/management/dealers",
            json!({ "name": " D", "contact": contact() }),
            "name",
        ),
        (
            Method::POST,
            "/api/v2/management/dealers",
            json!({ "name": "D", "contact": { "first_name": "a", "last_name": "b", "email": "nope", "phone": "+31612345678", "language": "nl" } }),
            "contact.email",
        ),
        (
            Method::POST,
            "/api/v2/management/dealers",
            json!({ "name": "D", "contact": { "first_name": "a", "last_name": "b", "email": "a@b.nl", "phone": "0612345678", "language": "nl" } }),
            "contact.phone",
        ),
        (
            Method::POST,
            "/api/v2/management/dealers",
            json!({ "name": "D", "contact": { "first_name": "a", "last_name": "b", "email": "a@b.nl", "phone": "+31612345678", "language": "de" } }),
            "contact.language",
        ),
        (
            Method::POST,
            "/api/v2/management/users",
            json!({ "first_name": "A", "last_name": "B", "email": "x@example.com", "locale": "en", "role": "boss", "entity": { "type": "company", "id": w.company } }),
            "role",
        ),
        (
            Method::POST,
            "/api/v2/management/users",
            json!({ "first_name": "A", "last_name": "B", "email": "x@example.com", "locale": "en", "role": "agent", "password": "weak", "entity": { "type": "company", "id": w.company } }),
            "password",
        ),
        (
            Method::POST,
            "/api/v2/management/users",
            json!({ "first_name": "A", "last_name": "B", "email": "x@example.com", "locale": "en", "role": "agent", "photo": "aGVsbG8=", "entity": { "type": "company", "id": w.company } }),
            "photo",
        ),
        (
            Method::PATCH,
            &site_path,
            json!({ "videochat_text_color": "red" }),
            "videochat_text_color",
        ),
        (
            Method::PATCH,
            &site_path,
            json!({ "allowed_origins": ["https://x.example/path"] }),
            "allowed_origins",
        ),
        (
            Method::POST,
            "/api/v2/personal/meetings",
            json!({ "site": w.site, "agent": w.agent, "time_start": "2030-01-01T10:00:00Z", "time_end": "2030-01-01T09:00:00Z", "participants": [{ "name": "G" }] }),
            "time_end",
        ),
        (
            Method::POST,
            "/api/v2/personal/meetings",
            json!({ "site": w.site, "agent": w.agent, "time_start": "2030-01-01T10:00:00Z", "time_end": "2030-01-03T10:00:00Z", "participants": [{ "name": "G" }] }),
            "time_end",
        ),
        (
            Method::POST,
            "/api/v2/personal/meetings",
            json!({ "site": w.site, "agent": w.agent, "time_start": "tomorrow", "time_end": "2030-01-01T09:00:00Z", "participants": [{ "name": "G" }] }),
            "time_start",
        ),
        (
            Method::POST,
            "/api/v2/personal/meetings",
            json!({ "site": w.site, "agent": w.agent, "time_start": "2030-01-01T10:00:00Z", "time_end": "2030-01-01T11:00:00Z", "participants": [] }),
            "participants",
        ),
        (
            Method::POST,
            "/api/v2/personal/meetings",
            json!({ "site": w.site, "agent": w.agent, "time_start": "2030-01-01T10:00:00Z", "time_end": "2030-01-01T11:00:00Z", "participants": [{ "name": "G", "email": "bad" }] }),
            "participants[0].email",
        ),
        (
            Method::POST,
            "/api/v2/personal/meetings",
            json!({ "site": w.site, "agent": w.agent, "time_start": "2030-01-01T10:00:00Z", "time_end": "2030-01-01T11:00:00Z", "send_email": true, "participants": [{ "name": "G" }] }),
            "participants[0].email",
        ),
    ];
    for (method, path, body, field) in cases {
        let a = api.call(method.clone(), path, Some(body.clone())).await;
        assert_eq!(a.status, 400, "{method} {path} {body}: {}", a.body);
        assert_eq!(a.error()["field"], field, "{method} {path} {body}");
    }
    // Query parameters.
    for q in [
        "per_page=0",
        "per_page=1000",
        "page=0",
        "page=x",
        "from=yesterday",
        "site=nope",
        "from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z",
    ] {
        let a = api.get(&format!("/api/v2/personal/meetings?{q}")).await;
        assert_eq!(a.status, 400, "{q}: {}", a.body);
    }
    // Ids that are not ids name nothing.
    assert_eq!(
        api.get("/api/v2/management/users/not-an-id").await.status,
        404
    );
    // Nothing was written by any of that.
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = 'x@example.com'")
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
    assert_eq!(users, 0);
}

#[tokio::test]
async fn users_keep_their_role_follow_the_password_policy_and_get_activation_mail() {
    let sink = SmtpSink::start();
    let server = TestServer::start_with(|c| c.smtp = sink.config()).await;
    let w = world(&server, PREMIUM).await;
    let api = &w.api;
    let path = format!("/api/v2/management/users/{}", w.agent);

    // The role cannot change; repeating it is fine.
    let change = api.patch(&path, json!({ "role": "assistant" })).await;
    assert_eq!(
        (change.status.as_u16(), change.error()["field"].as_str()),
        (409, Some("role"))
    );
    assert_eq!(
        api.patch(&path, json!({ "role": "agent", "locale": "en" }))
            .await
            .result()["locale"],
        "en"
    );
    let put = api.put(&path, json!({ "first_name": "Anna", "last_name": "Jones", "email": "anna@example.com", "locale": "nl", "role": "agent" })).await;
    assert_eq!(put.result()["name"], "Anna Jones");
    // E-mail addresses are unique.
    let dup = user(api, &w.company, "anna@example.com", "agent", None).await;
    assert_eq!(
        (dup.status.as_u16(), dup.error()["field"].as_str()),
        (409, Some("email"))
    );

    // A photo: a real PNG, served back; garbage and oversized ones refused.
    let png = {
        let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        v.extend_from_slice(&[
            0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89,
        ]);
        v
    };
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&png);
    let with_photo = api.patch(&path, json!({ "photo": b64 })).await;
    let url = with_photo.result()["photo"].as_str().unwrap().to_string();
    let got = reqwest::get(&url).await.unwrap();
    assert_eq!(got.headers()["content-type"], "image/png");
    assert_eq!(got.bytes().await.unwrap().as_ref(), png.as_slice());
    let huge = base64::engine::general_purpose::STANDARD.encode(vec![0xffu8; 600 * 1024]);
    assert_eq!(api.patch(&path, json!({ "photo": huge })).await.status, 400);

    // No password: a set-password e-mail once the user is on a site, over real SMTP.
    let newbie = id(&user(api, &w.company, "newbie@example.com", "agent", None).await);
    assert!(
        sink.messages().is_empty(),
        "no mail before the user is on a site"
    );
    api.patch(
        &format!("/api/v2/management/sites/{}", w.site),
        json!({ "users": [w.agent, w.assistant, newbie] }),
    )
    .await
    .result();
    let mail = sink.wait_for(1, 10).await.remove(0);
    assert!(mail.contains("To: newbie@example.com"), "{mail}");
    assert!(
        mail.contains("Stel uw wachtwoord in"),
        "in the user's language: {mail}"
    );
    let link = mail
        .split_whitespace()
        .find(|w| w.contains("/activate/"))
        .expect("a set-password link")
        .trim()
        .to_string();
    // Linking again sends nothing more.
    api.patch(
        &format!("/api/v2/management/sites/{}", w.site),
        json!({ "users": [w.agent, newbie] }),
    )
    .await
    .result();
    // Nothing more was queued (so nothing more is sent).
    assert_eq!(server.outbox_settled().await, [("email".to_string(), 1)]);
    assert_eq!(sink.messages().len(), 1);
    let http = reqwest::Client::new();
    // The set-password page speaks the account's language (Dutch here), whatever the
    // browser says.
    let form = http
        .get(&link)
        .header("Accept-Language", "en-GB")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let form = form.text().await.unwrap();
    assert!(
        form.contains("lang=\"nl\"") && form.contains("Kies uw wachtwoord"),
        "{form}"
    );
    let weak = http
        .post(&link)
        .form(&[("password", "weak")])
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), 400);
    let weak = weak.text().await.unwrap();
    assert!(weak.contains("role=\"alert\""));
    assert!(weak.contains("Dit wachtwoord voldoet niet"), "{weak}");
    let ok = http
        .post(&link)
        .form(&[("password", "Another1Strong")])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok
        .text()
        .await
        .unwrap()
        .contains("Uw wachtwoord is opgeslagen"));
    let hash: Option<String> = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(&newbie)
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
    assert!(hash.unwrap().starts_with("$argon2id$"));
    let used = http.get(&link).send().await.unwrap();
    assert_eq!(used.status(), 410, "set-password links work once");
    assert!(used.text().await.unwrap().contains("niet meer geldig"));
    // A link that is not ours, and a dead login link: the browser's language.
    for path in ["/activate/not-a-token", "/login/not-a-token"] {
        for (accept, says) in [
            ("nl-NL,nl;q=0.9", "niet meer geldig"),
            ("en", "no longer valid"),
        ] {
            let page = http
                .get(format!("{}{path}", server.url))
                .header("Accept-Language", accept)
                .send()
                .await
                .unwrap();
            assert_eq!(page.status(), 410, "{path}");
            let text = page.text().await.unwrap();
            assert!(text.contains(says), "{path} {accept}: {text}");
        }
    }

    // Deleting a user who hosts an upcoming meeting is refused; afterwards it is gone.
    let m = api
        .post(
            "/api/v2/personal/meetings",
            meeting_body(&w, "2031-01-01T10:00:00Z", "2031-01-01T10:30:00Z"),
        )
        .await;
    let refused = api.delete(&path).await;
    assert_eq!(refused.status, 412, "{}", refused.body);
    assert_eq!(
        api.delete(&format!("/api/v2/personal/meetings/{}", id(&m)))
            .await
            .status,
        200
    );
    assert_eq!(api.delete(&path).await.status, 200);
    assert_eq!(api.get(&path).await.status, 404);
    let erased: String = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(&w.agent)
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
    assert!(
        erased.ends_with("@deleted.invalid"),
        "personal data erased: {erased}"
    );
}

#[tokio::test]
async fn meetings_follow_the_scheduling_rules() {
    let sink = SmtpSink::start();
    let server = TestServer::start_with(|c| c.smtp = sink.config()).await;
    let w = world(&server, PREMIUM).await;
    let api = &w.api;
    let other_agent = id(&user(
        api,
        &w.company,
        "other@example.com",
        "agent",
        Some("StrongPassword123!"),
    )
    .await);
    let video_assistant = id(&user(
        api,
        &w.company,
        "va@example.com",
        "assistant_video",
        Some("StrongPassword123!"),
    )
    .await);
    // A second site where only the other agent works.
    let second = id(&api
        .post(
            "/api/v2/management/sites",
            json!({ "name": "Back office", "company": w.company, "users": [other_agent] }),
        )
        .await);
    api.patch(
        &format!("/api/v2/management/sites/{}", w.site),
        json!({ "users": [w.agent, w.assistant, video_assistant] }),
    )
    .await
    .result();

    let at = |h: u32| {
        (
            format!("2031-03-0{h}T10:00:00Z"),
            format!("2031-03-0{h}T10:30:00Z"),
        )
    };
    let (s, e) = at(1);
    // An agent schedules for itself only.
    let mut b = meeting_body(&w, &s, &e);
    b["created_by"] = json!(w.agent);
    assert_eq!(
        api.post("/api/v2/personal/meetings", b.clone())
            .await
            .status,
        201
    );
    b["agent"] = json!(video_assistant);
    let r = api.post("/api/v2/personal/meetings", b).await;
    assert_eq!(
        (r.status.as_u16(), r.error()["field"].as_str()),
        (403, Some("agent"))
    );
    // An assistant schedules for agents of its own site…
    let (s, e) = at(2);
    let mut b = meeting_body(&w, &s, &e);
    b["created_by"] = json!(w.assistant);
    let made = api.post("/api/v2/personal/meetings", b.clone()).await;
    assert_eq!(made.result()["created_by"]["id"], w.assistant.as_str());
    // …not for someone who does not work there, and names who hosts.
    b["agent"] = json!(other_agent);
    assert_eq!(
        api.post("/api/v2/personal/meetings", b.clone())
            .await
            .status,
        412
    );
    b.as_object_mut().unwrap().remove("agent");
    let r = api.post("/api/v2/personal/meetings", b).await;
    assert_eq!(
        (r.status.as_u16(), r.error()["field"].as_str()),
        (400, Some("agent"))
    );
    // An assistant_video may host itself; an assistant holds no calls.
    let (s, e) = at(3);
    let mut b = meeting_body(&w, &s, &e);
    b["created_by"] = json!(video_assistant);
    b.as_object_mut().unwrap().remove("agent");
    assert_eq!(
        api.post("/api/v2/personal/meetings", b).await.result()["participants"][0]["user"],
        video_assistant.as_str()
    );
    let mut b = meeting_body(&w, &s, &e);
    b["agent"] = json!(w.assistant);
    assert_eq!(api.post("/api/v2/personal/meetings", b).await.status, 412);
    // The agent cannot be in two meetings at once.
    let (s, e) = at(1);
    let clash = api
        .post("/api/v2/personal/meetings", meeting_body(&w, &s, &e))
        .await;
    assert_eq!(clash.status, 409, "{}", clash.body);
    // Another site, another agent.
    let mut b = meeting_body(&w, &s, &e);
    b["site"] = json!(second);
    b["agent"] = json!(other_agent);
    assert_eq!(api.post("/api/v2/personal/meetings", b).await.status, 201);

    // Three-way needs multiple_participants; SMS needs weseedo_personal_sms (premium has both).
    let (s, e) = at(4);
    let mut three = meeting_body(&w, &s, &e);
    three["participants"] = json!([{ "name": "A", "email": "a@example.com", "phone": "+31611111111" }, { "name": "B", "email": "b@example.com", "phone": "+31622222222" }]);
    three["send_sms"] = json!(true);
    three["send_email"] = json!(true);
    let made = api.post("/api/v2/personal/meetings", three.clone()).await;
    assert_eq!(made.result()["participants"].as_array().unwrap().len(), 3);
    // Invitations by e-mail, with each person's own link; a confirmation for the agent.
    let mails = sink.wait_for(3, 10).await;
    for p in made.result()["participants"].as_array().unwrap() {
        let url = p["url"].as_str().unwrap();
        assert!(
            mails.iter().any(|m| m.contains(url)),
            "{url} was sent to no one"
        );
    }
    assert!(mails.iter().any(|m| m.contains("To: agent@example.com")));
    let basic = {
        let c = id(&api
            .post(
                "/api/v2/management/companies",
                json!({ "name": "Small", "contact": contact(), "package": BASIC }),
            )
            .await);
        let a = id(&user(
            api,
            &c,
            "small@example.com",
            "agent",
            Some("StrongPassword123!"),
        )
        .await);
        let s = id(&api
            .post(
                "/api/v2/management/sites",
                json!({ "name": "Small", "company": c, "users": [a] }),
            )
            .await);
        (a, s)
    };
    three["site"] = json!(basic.1);
    three["agent"] = json!(basic.0);
    let r = api.post("/api/v2/personal/meetings", three.clone()).await;
    assert_eq!(
        (r.status.as_u16(), r.error()["field"].as_str()),
        (412, Some("participants"))
    );
    three["participants"].as_array_mut().unwrap().pop();
    let r = api.post("/api/v2/personal/meetings", three.clone()).await;
    assert_eq!(
        (r.status.as_u16(), r.error()["field"].as_str()),
        (412, Some("send_sms"))
    );
    three["send_sms"] = json!(false);
    assert_eq!(
        api.post("/api/v2/personal/meetings", three).await.status,
        201
    );

    // The list: filters and paging.
    let all = api.get("/api/v2/personal/meetings?per_page=2").await;
    assert_eq!(all.result().as_array().unwrap().len(), 2);
    // Not counted (that would read every meeting on every page): the link says what follows.
    assert!(!all.headers.contains_key("x-total-count"));
    assert!(all.headers["link"]
        .to_str()
        .unwrap()
        .contains("rel=\"next\""));
    let page3 = api.get("/api/v2/personal/meetings?per_page=2&page=3").await;
    assert_eq!(page3.result().as_array().unwrap().len(), 2);
    let link = page3.headers["link"].to_str().unwrap();
    assert!(
        !link.contains("next") && link.contains("page=2&per_page=2>; rel=\"prev\""),
        "{link}"
    );
    let page4 = api.get("/api/v2/personal/meetings?per_page=2&page=4").await;
    assert_eq!(page4.result().as_array().unwrap().len(), 0);
    // Six in all, in start order, each once.
    let mut seen = Vec::new();
    for page in 1..=3 {
        let p = api
            .get(&format!("/api/v2/personal/meetings?per_page=2&page={page}"))
            .await;
        for m in p.result().as_array().unwrap() {
            seen.push((
                m["time_start"].as_str().unwrap().to_string(),
                m["id"].as_str().unwrap().to_string(),
            ));
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen, sorted, "six meetings, ordered, none twice");
    assert_eq!(seen.len(), 6);
    let by_site = api
        .get(&format!("/api/v2/personal/meetings?site={second}"))
        .await;
    assert_eq!(by_site.result().as_array().unwrap().len(), 1);
    let by_agent = api
        .get(&format!("/api/v2/personal/meetings?agent={}", w.agent))
        .await;
    assert_eq!(by_agent.result().as_array().unwrap().len(), 3);
    let window = api
        .get("/api/v2/personal/meetings?from=2031-03-02T00:00:00Z&to=2031-03-03T00:00:00Z")
        .await;
    assert_eq!(window.result().as_array().unwrap().len(), 1);

    // Only the time changes, by PATCH or POST; the room window moves with it.
    let mid = made.result()["id"].as_str().unwrap().to_string();
    let mpath = format!("/api/v2/personal/meetings/{mid}");
    let other_field = api.patch(&mpath, json!({ "time_start": "2031-03-05T10:00:00Z", "time_end": "2031-03-05T10:30:00Z", "subject": "New" })).await;
    assert_eq!(other_field.status, 400);
    assert!(other_field.error()["message"]
        .as_str()
        .unwrap()
        .contains("only the time"));
    let moved = api
        .call(
            Method::POST,
            &mpath,
            Some(
                json!({ "time_start": "2031-03-05T10:00:00Z", "time_end": "2031-03-05T10:30:00Z" }),
            ),
        )
        .await;
    assert_eq!(moved.result()["time_start"], "2031-03-05T10:00:00.000Z");
    assert_eq!(
        moved.result()["room_available_from"],
        "2031-03-05T09:50:00.000Z"
    );
    assert_eq!(
        moved.result()["participants"],
        made.result()["participants"],
        "the links stay the same"
    );

    // Cancelling: gone from the API, and everyone's link is dead.
    let hash = made.result()["participants"][1]["hash"]
        .as_str()
        .unwrap()
        .to_string();
    // A delete answers 200 with the envelope (WeSeeDo's clients read `success` everywhere).
    let gone = api.delete(&mpath).await;
    assert_eq!(gone.status, 200, "{}", gone.body);
    assert_eq!(gone.result()["id"], mid.as_str());
    assert_eq!(api.get(&mpath).await.status, 404);
    assert_eq!(api.delete(&mpath).await.status, 404);
    let details = reqwest::Client::new()
        .post(format!("{}/api/v1/join/details", server.url))
        .form(&[("hash", hash)])
        .send()
        .await
        .unwrap();
    assert_eq!(details.status(), 410);
}

#[tokio::test]
async fn suspended_or_deleted_users_are_logged_out_and_cannot_log_in() {
    let server = TestServer::start().await;
    let w = world(&server, PREMIUM).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login_link = || async {
        let a = w
            .api
            .post(
                "/api/v2/management/autologin",
                json!({ "agent": w.agent, "product": "personal" }),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        a.result()["url"].as_str().unwrap().to_string()
    };
    let log_in = |url: String| {
        let http = http.clone();
        async move { http.get(url).send().await.unwrap() }
    };
    let console = |cookie: String| {
        let http = http.clone();
        let url = format!("{}/api/v1/console/overview", server.url);
        async move {
            http.post(url)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // A fresh session through a fresh link: the cookie.
    let session = || async {
        let res = log_in(login_link().await).await;
        assert_eq!(res.status(), 303);
        let cookie = res.headers()["set-cookie"].to_str().unwrap();
        cookie.split(';').next().unwrap().to_string()
    };
    let api = &w.api;
    let suspend = |path: String, suspended: bool| async move {
        let a = api.patch(&path, json!({ "suspended": suspended })).await;
        assert_eq!(a.status, 200, "{}", a.body);
    };
    let user = format!("/api/v2/management/users/{}", w.agent);
    let company = format!("/api/v2/management/companies/{}", w.company);

    let cookie = session().await;
    assert_eq!(console(cookie.clone()).await, 200);
    let unused = login_link().await;
    // Suspended: the open session stops working, and so does a link made before.
    suspend(user.clone(), true).await;
    assert_eq!(console(cookie.clone()).await, 401);
    assert_eq!(log_in(unused.clone()).await.status(), 410);
    // Back in service: what was ended stays ended; a new link works.
    suspend(user.clone(), false).await;
    assert_eq!(console(cookie).await, 401);
    assert_eq!(log_in(unused).await.status(), 410);
    let cookie = session().await;
    assert_eq!(console(cookie.clone()).await, 200);
    let unused = login_link().await;

    // A suspended company locks its users out for as long as it lasts.
    suspend(company.clone(), true).await;
    assert_eq!(console(cookie.clone()).await, 401);
    suspend(company, false).await;
    assert_eq!(console(cookie.clone()).await, 200);

    // Deleted: logged out for good.
    let a = w
        .api
        .delete(&format!("/api/v2/management/users/{}", w.agent))
        .await;
    assert!(a.status.is_success(), "{}", a.body);
    assert_eq!(console(cookie).await, 401);
    assert_eq!(log_in(unused).await.status(), 410);
}

#[tokio::test]
async fn deleting_what_others_depend_on_is_refused() {
    let server = TestServer::start().await;
    let w = world(&server, PREMIUM).await;
    let api = &w.api;
    let dealer = id(&api
        .post(
            "/api/v2/management/dealers",
            json!({ "name": "D", "contact": contact() }),
        )
        .await);
    let company = id(&api
        .post(
            "/api/v2/management/companies",
            json!({ "name": "C", "contact": contact(), "package": BASIC, "dealer": dealer }),
        )
        .await);
    assert_eq!(
        api.delete(&format!("/api/v2/management/dealers/{dealer}"))
            .await
            .status,
        412
    );
    let u = id(&user(api, &company, "c@example.com", "admin", None).await);
    assert_eq!(
        api.delete(&format!("/api/v2/management/companies/{company}"))
            .await
            .status,
        412
    );
    assert_eq!(
        api.delete(&format!("/api/v2/management/users/{u}"))
            .await
            .status,
        200
    );
    assert_eq!(
        api.delete(&format!("/api/v2/management/companies/{company}"))
            .await
            .status,
        200
    );
    assert_eq!(
        api.delete(&format!("/api/v2/management/dealers/{dealer}"))
            .await
            .status,
        200
    );
    assert_eq!(
        api.get(&format!("/api/v2/management/dealers/{dealer}"))
            .await
            .status,
        404
    );
    // A site with an upcoming meeting.
    api.post(
        "/api/v2/personal/meetings",
        meeting_body(&w, "2031-01-01T10:00:00Z", "2031-01-01T10:30:00Z"),
    )
    .await
    .result();
    assert_eq!(
        api.delete(&format!("/api/v2/management/sites/{}", w.site))
            .await
            .status,
        412
    );
}

#[tokio::test]
async fn the_openapi_document_and_docs_page_are_served() {
    let server = TestServer::start().await;
    let doc: Value = reqwest::get(format!("{}/api/openapi.json", server.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v2/personal/meetings"]["post"].is_object());
    let page = reqwest::get(format!("{}/api/docs/reference", server.url))
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("POST /api/v2/personal/meetings") && html.contains("/api/openapi.json"));
    assert!(html.contains("POST /whereby/v1/meetings") && html.contains("/whereby/openapi.json"));
    assert!(
        !html.contains("<script") && !html.contains("<link"),
        "a plain page: nothing loaded from elsewhere"
    );
}

#[tokio::test]
async fn concurrent_writes_wait_their_turn_and_never_fail() {
    let server = TestServer::start().await;
    let w = world(&server, PREMIUM).await;
    let site = format!("/api/v2/management/sites/{}", w.site);
    let mut calls = Vec::new();
    for i in 0..12 {
        let api = &w.api;
        let (site, company, agent, site_id) = (&site, &w.company, &w.agent, &w.site);
        calls.push(Box::pin(async move {
            match i % 3 {
                0 => api.patch(site, json!({ "name": format!("Desk {i}") })).await,
                1 => user(api, company, &format!("u{i}@example.com"), "agent", Some("StrongPassword123!")).await,
                _ => {
                    let start = format!("2031-01-{:02}T10:00:00Z", i + 1);
                    let end = format!("2031-01-{:02}T10:30:00Z", i + 1);
                    api.post(
                        "/api/v2/personal/meetings",
                        json!({ "site": site_id, "agent": agent, "time_start": start, "time_end": end,
                                "participants": [{ "name": "G", "email": "g@example.com" }] }),
                    )
                    .await
                }
            }
        }) as std::pin::Pin<Box<dyn std::future::Future<Output = Answer> + '_>>);
    }
    for a in futures::future::join_all(calls).await {
        assert!(a.status.is_success(), "{}: {}", a.status, a.body);
    }
}

#[tokio::test]
async fn a_sites_logo_and_background_are_uploaded_served_and_removed() {
    use base64::Engine;
    let server = TestServer::start().await;
    let w = world(&server, PREMIUM).await;
    let path = format!("/api/v2/management/sites/{}", w.site);
    let before = w.api.get(&path).await;
    assert_eq!(before.result()["logo"], Value::Null);
    assert_eq!(before.result()["waitingroom_background"], Value::Null);
    let png = {
        let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        v.extend_from_slice(&[
            0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89,
        ]);
        v
    };
    let jpeg = b"\xff\xd8\xff\xe0\0\x10JFIF\0\xff\xd9".to_vec();
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let set = w
        .api
        .patch(
            &path,
            json!({ "logo": b64(&png), "waitingroom_background": b64(&jpeg) }),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    let logo = set.result()["logo"].as_str().unwrap().to_string();
    let background = set.result()["waitingroom_background"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(logo, format!("{}/media/sites/{}/logo", server.url, w.site));
    for (url, kind, bytes) in [
        (&logo, "image/png", &png),
        (&background, "image/jpeg", &jpeg),
    ] {
        let got = reqwest::get(url).await.unwrap();
        assert_eq!(got.status(), 200);
        assert_eq!(got.headers()["content-type"], kind);
        assert_eq!(got.headers()["x-content-type-options"], "nosniff");
        assert_eq!(got.bytes().await.unwrap().as_ref(), bytes.as_slice());
    }
    // Not an image, too large, not base64: refused, naming the field; nothing changes.
    for (field, value) in [
        ("logo", b64(b"GIF89a not ours")),
        ("waitingroom_background", b64(&vec![0xffu8; 600 * 1024])),
        ("logo", "***".to_string()),
    ] {
        let bad = w.api.patch(&path, json!({ field: value })).await;
        assert_eq!(
            (bad.status.as_u16(), bad.error()["field"].as_str()),
            (400, Some(field)),
            "{}",
            bad.body
        );
    }
    assert_eq!(
        reqwest::get(&logo)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .as_ref(),
        png.as_slice()
    );
    // Empty removes one, the other stays; the address then answers 404.
    let removed = w.api.patch(&path, json!({ "logo": "" })).await;
    assert_eq!(removed.result()["logo"], Value::Null);
    assert_eq!(
        removed.result()["waitingroom_background"],
        background.as_str()
    );
    assert_eq!(reqwest::get(&logo).await.unwrap().status(), 404);
    // A new site may come with its logo; unknown addresses answer 404.
    let made = w
        .api
        .post(
            "/api/v2/management/sites",
            json!({ "name": "Branch", "company": w.company, "logo": b64(&png) }),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let url = made.result()["logo"].as_str().unwrap();
    assert_eq!(reqwest::get(url).await.unwrap().status(), 200);
    for bad in ["logo2", "../logo"] {
        let res = reqwest::get(format!("{}/media/sites/{}/{bad}", server.url, w.site))
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{bad}");
    }
}
