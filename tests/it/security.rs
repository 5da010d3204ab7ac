//! What an outside probe of a release found, point by point, as a caller (an attacker) sees
//! it over HTTP and WebSocket: public booking within limits a site owner can see and undo,
//! bounded errors in the one shape, pages that cannot be framed, answers no cache keeps,
//! suspension that reaches every client below, refused names that reorder text, an oversized
//! frame closed with 1009, and logs that name no recipient. (Secrets at rest:
//! `secrets_at_rest.rs`.)

use crate::support;

use consult::server::config::BookingLimits;
use serde_json::{json, Value};
use std::time::Duration;
use support::api::Api;
use support::process::{free_port, ConsultProcess};
use support::smtp::SmtpSink;
use support::TestServer;

async fn count(server: &TestServer, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(server.state.store.pool())
        .await
        .unwrap()
}

/// Bookings of distinct people at distinct times.
async fn person(server: &TestServer, i: usize) -> Value {
    server
        .booking_json(i, &format!("Person {i}"), &format!("p{i}@example.com"))
        .await
}

#[tokio::test]
async fn bookings_from_one_address_are_limited_and_told_when_to_retry() {
    let server = TestServer::start().await;
    let allowed = BookingLimits::default().per_address.limit as usize;
    for i in 0..allowed {
        let request = person(&server, i).await;
        let (status, _, body) = server.book_over_http(request.clone()).await;
        assert_eq!(status, 200, "booking {i}: {body}");
        if i == 0 {
            // A booking refused after all (its time just taken) uses up nothing.
            let mut again = request;
            again["email"] = json!("someone.else@example.com");
            let (status, _, body) = server.book_over_http(again).await;
            assert_eq!((status, body["code"].as_str()), (409, Some("slot_taken")));
        }
    }
    let before = count(&server, "SELECT COUNT(*) FROM meetings").await;
    let outbox = count(&server, "SELECT COUNT(*) FROM outbox").await;
    let (status, headers, body) = server.book_over_http(person(&server, allowed).await).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["code"], "too_many_requests");
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=600).contains(&retry), "{retry}");
    assert_eq!(body["retry_after"], retry);
    // Nothing of the refused booking was written or queued.
    assert_eq!(
        count(&server, "SELECT COUNT(*) FROM meetings").await,
        before
    );
    assert_eq!(count(&server, "SELECT COUNT(*) FROM outbox").await, outbox);
}

#[tokio::test]
async fn bookings_per_e_mail_address_phone_number_and_site_are_capped() {
    let server = TestServer::start_with(|c| {
        c.booking_limits.per_address.limit = 1000;
        c.booking_limits.per_site.limit = 8;
    })
    .await;
    let per_contact = BookingLimits::default().per_contact as usize;
    // One address booked again and again (someone else's, say): capped.
    for i in 0..per_contact {
        let req = server
            .booking_json(i, &format!("Ann {i}"), "victim@example.com")
            .await;
        let (status, _, body) = server.book_over_http(req).await;
        assert_eq!(status, 200, "{body}");
    }
    let req = server
        .booking_json(per_contact, "Ann", "VICTIM@example.com")
        .await;
    let (status, headers, body) = server.book_over_http(req).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["field"], "email");
    assert!(headers.contains_key("retry-after"));
    // The same for a phone number, whatever the e-mail address.
    let mut booked = per_contact + 1;
    for i in 0..per_contact {
        let mut req = person(&server, booked).await;
        req["phone"] = json!("+31 6 1234 5678");
        req["email"] = json!(format!("other{i}@example.com"));
        let (status, _, body) = server.book_over_http(req).await;
        assert_eq!(status, 200, "{body}");
        booked += 1;
    }
    let mut req = person(&server, booked).await;
    req["phone"] = json!("+31612345678");
    let (status, _, body) = server.book_over_http(req).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (429, Some("phone")),
        "{body}"
    );
    // One booking makes at most three messages: the customer's e-mail and text, the agent's
    // e-mail.
    let most: i64 = count(
        &server,
        "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM outbox GROUP BY meeting_id) per_meeting",
    )
    .await;
    assert_eq!(most, 3);
    // The whole site takes at most its share (8 this hour here; refused bookings do not
    // count).
    let mut refused = None;
    for i in 0..10 {
        let (status, _, body) = server.book_over_http(person(&server, 20 + i).await).await;
        if status == 429 {
            refused = Some(body);
            break;
        }
        assert_eq!(status, 200, "{body}");
    }
    let refused = refused.expect("the site's limit");
    assert_eq!(refused["code"], "too_many_requests");
    assert!(refused.get("field").is_none(), "{refused}");
}

#[tokio::test]
async fn a_site_owner_sees_a_burst_and_calls_it_off() {
    let server = TestServer::start_with(|c| c.booking_limits.per_address.limit = 1000).await;
    let mut burst = Vec::new();
    for i in 0..4 {
        let (status, _, body) = server.book_over_http(person(&server, i).await).await;
        assert_eq!(status, 200, "{body}");
        burst.push(body);
    }
    // One booking from elsewhere (no client address known), to be left alone.
    let other = server.book_slot("Someone else", 4).await;
    let api = server.api("owner").await;
    let path = format!("/api/v2/management/sites/{}/bookings", server.site);
    let listed = api.get(&path).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.headers["cache-control"], "no-store");
    let items = listed.result().as_array().unwrap().clone();
    assert_eq!(items.len(), 5);
    let source = items
        .iter()
        .find(|b| b["meeting"] == burst[0]["meeting"])
        .unwrap()["source"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(source.len(), 16, "a keyed hash, not the address: {source}");
    assert!(!items.iter().any(|b| b["source"] == "127.0.0.1"));
    let from_source = items.iter().filter(|b| b["source"] == source).count();
    assert_eq!(from_source, 4);
    // Filtered by source, and refused with a bad one.
    let one = api.get(&format!("{path}?source={source}")).await;
    assert_eq!(one.result().as_array().unwrap().len(), 4);
    let bad = api.get(&format!("{path}?source=127.0.0.1")).await;
    assert_eq!(
        (bad.status.as_u16(), bad.error()["field"].as_str()),
        (400, Some("source"))
    );

    // Called off: cancelled without a word to anyone, the unsent mail withdrawn.
    let window = json!({
        "from": (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339(),
        "to": (chrono::Utc::now() + chrono::Duration::minutes(1)).to_rfc3339(),
        "source": source,
    });
    let undone = api.post(&format!("{path}/cancel"), window.clone()).await;
    assert_eq!(undone.status, 200, "{}", undone.body);
    assert_eq!(undone.result()["cancelled"], 4);
    assert_eq!(undone.result()["withdrawn_messages"], 8, "two e-mails each");
    for b in &burst {
        let meeting = b["meeting"].as_str().unwrap();
        let status = server.meeting_status(meeting).await;
        assert_eq!(status, "cancelled");
        let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE meeting_id = $1")
            .bind(meeting)
            .fetch_one(server.state.store.pool())
            .await
            .unwrap();
        assert_eq!(queued, 0, "no invitation and no cancellation notice");
        // The burst's links are dead.
        let hash = b["join_url"].as_str().unwrap().rsplit('/').next().unwrap();
        let res = reqwest::Client::new()
            .post(format!("{}/api/v1/join/details", server.url))
            .form(&[("hash", hash)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 410);
    }
    let untouched = server.meeting_status(other.meeting.as_str()).await;
    assert_eq!(untouched, "scheduled");
    // Again: nothing left to call off.
    let again = api.post(&format!("{path}/cancel"), window).await;
    assert_eq!(again.result()["cancelled"], 0);
    // A window that ends before it starts is refused.
    let backwards = api
        .post(
            &format!("{path}/cancel"),
            json!({ "from": "2030-01-02T00:00:00Z", "to": "2030-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(backwards.status, 400);
}

/// A server allowing each client address five public calls a day: a day's window, so six
/// calls never straddle two windows, however slow the machine.
async fn five_public_calls_a_day() -> TestServer {
    TestServer::start_with(|c| {
        c.public_quota = consult::server::store::Quota {
            limit: 5,
            interval: 1,
            unit: consult::server::store::QuotaUnit::Day,
        }
    })
    .await
}

#[tokio::test]
async fn every_public_call_has_a_ceiling() {
    let server = five_public_calls_a_day().await;
    let call = || async {
        reqwest::Client::new()
            .post(format!("{}/api/v1/booking/slots", server.url))
            .header("origin", &server.url)
            .form(&[
                ("site", server.site.as_str()),
                ("host_origin", &server.host_url),
            ])
            .send()
            .await
            .unwrap()
    };
    for _ in 0..5 {
        assert_eq!(call().await.status(), 200);
    }
    let refused = call().await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "too_many_requests");
}

#[tokio::test]
async fn the_booking_pages_first_times_count_against_the_same_ceiling() {
    // Each booking page with its first times inside costs what the form's slots call would:
    // reloading the page cannot make the server list times without end.
    let server = five_public_calls_a_day().await;
    let page = || async {
        let res = reqwest::Client::new()
            .get(format!(
                "{}/embed/booking?site={}",
                server.url,
                server.site.as_str()
            ))
            .header("referer", format!("{}/", server.host_url))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "the page itself is always served");
        res.text().await.unwrap()
    };
    let block = consult::model::booking::FirstSlots::ELEMENT_ID;
    for i in 0..5 {
        assert!(page().await.contains(block), "page {i} has its first times");
    }
    // Over the share: the page comes without them (the form's own call is then refused,
    // kindly, with when to try again).
    assert!(!page().await.contains(block));
}

#[tokio::test]
async fn a_huge_field_is_a_short_400_and_server_functions_answer_in_one_shape() {
    let server = TestServer::start().await;
    for len in [65_000, 66_000, 200_000] {
        let mut req = person(&server, 0).await;
        req["lang"] = json!("x".repeat(len));
        let (status, headers, body) = server.book_over_http(req).await;
        assert_eq!(status, 400, "{len}: {body}");
        assert_eq!(body["code"], "bad_request");
        assert_eq!(headers["content-type"], "application/json");
        assert!(
            body.to_string().len() < 1000,
            "{len}: echoed {} bytes",
            body.to_string().len()
        );
    }
    let http = reqwest::Client::new();
    // A GET: 405 in the error shape, saying what is allowed.
    let res = http
        .get(format!("{}/api/v1/booking/book", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "POST");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], 405);
    // An unknown server function: 404 in the error shape.
    let res = http
        .post(format!("{}/api/v1/no/such/function", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "not_found");
    // Every answer of a server function, errors too, is kept by no cache.
    assert_eq!(
        http.post(format!("{}/api/v1/join/details", server.url))
            .form(&[("hash", "nope")])
            .send()
            .await
            .unwrap()
            .headers()["cache-control"],
        "no-store"
    );
    let (_, headers, body) = server.book_over_http(person(&server, 0).await).await;
    assert!(body["join_url"].is_string(), "{body}");
    assert_eq!(headers["cache-control"], "no-store");
}

#[tokio::test]
async fn password_forms_cannot_be_framed_and_reflect_nothing() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    for path in [
        "/login",
        "/login?lang=nl",
        "/activate/some-token",
        "/login/expired-link",
        "/api/docs",
    ] {
        let res = http
            .get(format!("{}{path}", server.url))
            .send()
            .await
            .unwrap();
        let csp = res.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert_eq!(res.headers()["x-frame-options"], "DENY", "{path}");
    }
    // The token in the set-password form's address is escaped, not markup.
    let res = http
        .post(format!(
            "{}/activate/%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E",
            server.url
        ))
        .form(&[("password", "weak")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let page = res.text().await.unwrap();
    assert!(!page.contains("<script>"), "{page}");
}

#[tokio::test]
async fn answers_that_carry_secrets_are_not_cached() {
    let server = TestServer::start().await;
    let (id, secret) = server.cli_client("cache");
    let token = reqwest::Client::new()
        .post(format!("{}/api/v2/oauth2/token", server.url))
        .json(&json!({ "grant_type": "client_credentials", "client_id": id, "client_secret": secret }))
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 200);
    assert_eq!(token.headers()["cache-control"], "no-store");
    assert_eq!(token.headers()["pragma"], "no-cache");
    let api = Api::login(&server.url, &id, &secret).await;
    let reseller = api.get("/api/v2/management/clients").await.result()[0]["entity"].clone();
    let client = api
        .post(
            "/api/v2/management/clients",
            json!({ "name": "Second", "entity": reseller }),
        )
        .await;
    assert_eq!(client.status, 201, "{}", client.body);
    assert_eq!(client.headers["cache-control"], "no-store");
    let login = api
        .post(
            "/api/v2/management/autologin",
            json!({ "agent": server.agent.as_str(), "product": "personal" }),
        )
        .await;
    assert_eq!(login.status, 201, "{}", login.body);
    assert_eq!(login.headers["cache-control"], "no-store");
    let made = api
        .post(
            "/api/v2/personal/meetings",
            json!({ "site": server.site.as_str(), "agent": server.agent.as_str(),
                    "time_start": "2031-01-01T10:00:00Z", "time_end": "2031-01-01T10:30:00Z",
                    "participants": [{ "name": "Guest" }] }),
        )
        .await;
    assert_eq!(made.headers["cache-control"], "no-store");
    let id = made.result()["id"].as_str().unwrap().to_string();
    let one = api.get(&format!("/api/v2/personal/meetings/{id}")).await;
    assert_eq!(one.headers["cache-control"], "no-store");

    // Changing a meeting's time takes JSON only, as every other endpoint does.
    for method in [reqwest::Method::PATCH, reqwest::Method::POST] {
        let res = reqwest::Client::new()
            .request(
                method.clone(),
                format!("{}/api/v2/personal/meetings/{id}", server.url),
            )
            .bearer_auth(api.token.as_deref().unwrap())
            .header("content-type", "text/plain")
            .body(r#"{"time_start": "2031-01-01T11:00:00Z", "time_end": "2031-01-01T11:30:00Z"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{method}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["success"], false);
    }
}

fn contact(tag: &str) -> Value {
    json!({ "first_name": "Con", "last_name": tag, "email": format!("{tag}@example.com"),
            "phone": "+31612345678", "language": "en" })
}

/// Suspend (or lift the suspension of) the dealer or company at `path`.
async fn suspend(api: &Api, path: &str, on: bool) {
    let a = api.patch(path, json!({ "suspended": on })).await;
    assert_eq!(a.status, 200, "{}", a.body);
}

#[tokio::test]
async fn suspending_an_entity_suspends_its_clients_and_everything_under_it() {
    let server = TestServer::start().await;
    let reseller = server.api("reseller").await;
    let id = |a: &support::api::Answer| a.result()["id"].as_str().unwrap().to_string();
    let dealer = id(&reseller
        .post(
            "/api/v2/management/dealers",
            json!({ "name": "Dealer", "contact": contact("d") }),
        )
        .await);
    let company = id(&reseller
        .post(
            "/api/v2/management/companies",
            json!({ "name": "Under the dealer", "contact": contact("c"),
                    "package": "594a5befcc9d4f9e2f1da19a", "dealer": dealer }),
        )
        .await);
    let client = |entity_type: &str, id: &str| {
        let reseller = reseller.clone();
        let body = json!({ "name": format!("{entity_type} client"), "entity": { "type": entity_type, "id": id } });
        async move {
            let made = reseller.post("/api/v2/management/clients", body).await;
            assert_eq!(made.status, 201, "{}", made.body);
            (
                made.result()["client_id"].as_str().unwrap().to_string(),
                made.result()["client_secret"].as_str().unwrap().to_string(),
            )
        }
    };
    let dealer_client = client("dealer", &dealer).await;
    let company_client = client("company", &company).await;
    let dealer_api = Api::login(&server.url, &dealer_client.0, &dealer_client.1).await;
    let company_api = Api::login(&server.url, &company_client.0, &company_client.1).await;
    assert_eq!(
        dealer_api.get("/api/v2/personal/meetings").await.status,
        200
    );
    assert_eq!(
        company_api.get("/api/v2/personal/meetings").await.status,
        200
    );

    let dealer_path = format!("/api/v2/management/dealers/{dealer}");
    suspend(&reseller, &dealer_path, true).await;
    // Tokens already given out stop working, new ones are not given, for the dealer's own
    // clients and those of everything under it.
    for api in [&dealer_api, &company_api] {
        assert_eq!(api.get("/api/v2/personal/meetings").await.status, 401);
        assert_eq!(
            api.post(
                "/api/v2/management/companies",
                json!({ "name": "x", "contact": contact("x"), "package": "594a5befcc9d4f9e2f1da19a" })
            )
            .await
            .status,
            401
        );
    }
    for (id, secret) in [&dealer_client, &company_client] {
        let res = Api::anonymous(&server.url)
            .post(
                "/api/v2/oauth2/token",
                json!({ "grant_type": "client_credentials", "client_id": id, "client_secret": secret }),
            )
            .await;
        assert_eq!(res.status, 401, "{}", res.body);
    }
    // The reseller above still works, and lifts it.
    suspend(&reseller, &dealer_path, false).await;
    let again = Api::login(&server.url, &dealer_client.0, &dealer_client.1).await;
    assert_eq!(again.get("/api/v2/personal/meetings").await.status, 200);
    assert_eq!(
        company_api.get("/api/v2/personal/meetings").await.status,
        200
    );

    // A suspended company's booking form and its meetings' links answer that the service is
    // not available; lifted, they work again.
    let booked = server.book("Ann").await;
    let demo_company = server.company().await;
    let company_path = format!("/api/v2/management/companies/{demo_company}");
    let details = || async {
        let hash = booked.join_url.rsplit('/').next().unwrap().to_string();
        reqwest::Client::new()
            .post(format!("{}/api/v1/join/details", server.url))
            .form(&[("hash", hash)])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    let request = person(&server, 1).await;
    suspend(&reseller, &company_path, true).await;
    let (status, _, body) = server.book_over_http(request.clone()).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(details().await, 403);
    suspend(&reseller, &company_path, false).await;
    let (status, _, body) = server.book_over_http(request).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(details().await, 200);
}

#[tokio::test]
async fn the_command_line_makes_more_resellers_each_with_its_own_clients() {
    let server = TestServer::start().await;
    let first = server.api("first").await;
    assert!(!first
        .get("/api/v2/management/companies")
        .await
        .result()
        .as_array()
        .unwrap()
        .is_empty());
    let run = |args: &[&str]| {
        let out = support::db::consult(server.data_dir())
            .args(args)
            .arg("--data")
            .arg(server.data_dir())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let made: Value =
        serde_json::from_str(&run(&["resellers", "create", "--name", "Second"])).unwrap();
    let second = made["id"].as_str().unwrap();
    assert_eq!(made["name"], "Second");
    let listed = run(&["resellers", "list"]);
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert!(listed.contains(second));
    let creds: Value = serde_json::from_str(&run(&[
        "clients",
        "create",
        "--name",
        "second",
        "--reseller",
        second,
    ]))
    .unwrap();
    let api = Api::login(
        &server.url,
        creds["client_id"].as_str().unwrap(),
        creds["client_secret"].as_str().unwrap(),
    )
    .await;
    // The new reseller sees nothing of the first one's tree.
    let companies = api.get("/api/v2/management/companies").await;
    assert_eq!(companies.result().as_array().unwrap().len(), 0);
    let clients = api.get("/api/v2/management/clients").await;
    assert_eq!(clients.result()[0]["entity"]["id"], second);
}

#[tokio::test]
async fn names_that_reorder_or_hide_text_are_refused() {
    let server = TestServer::start().await;
    for name in ["Ada\u{202E}fdp.exe", "A\u{200B}da", "\u{2066}Ada\u{2069}"] {
        let mut req = person(&server, 0).await;
        req["name"] = json!(name);
        let (status, _, body) = server.book_over_http(req).await;
        assert_eq!(
            (status, body["field"].as_str()),
            (400, Some("name")),
            "{name:?}"
        );
    }
    let api = server.api("names").await;
    let company = server.company().await;
    let user = api
        .post(
            "/api/v2/management/users",
            json!({ "first_name": "Dana\u{202E}", "last_name": "Agent", "email": "bidi@example.com",
                    "locale": "en", "role": "agent", "entity": { "type": "company", "id": company } }),
        )
        .await;
    assert_eq!(user.status, 400, "{}", user.body);
    assert_eq!(user.error()["field"], "first_name");
    let meeting = api
        .post(
            "/api/v2/personal/meetings",
            json!({ "site": server.site.as_str(), "agent": server.agent.as_str(),
                    "time_start": "2031-01-01T10:00:00Z", "time_end": "2031-01-01T10:30:00Z",
                    "participants": [{ "name": "Eve\u{200F}" }] }),
        )
        .await;
    assert_eq!(meeting.status, 400, "{}", meeting.body);
}

#[tokio::test]
async fn an_oversized_websocket_message_is_closed_with_1009() {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    use tokio_tungstenite::tungstenite::Message;
    let server = TestServer::start().await;
    let mut ws = support::ws::signal(&server.url, &server.url, None).await;
    let big = "x".repeat(2 * 1024 * 1024);
    // The server may close before the whole frame is written.
    let _ = ws.send(Message::Text(big.into())).await;
    let mut seen = Vec::new();
    let code = loop {
        let next = tokio::time::timeout(Duration::from_secs(30), ws.next()).await;
        seen.push(format!("{next:?}"));
        match next {
            Ok(Some(Ok(Message::Close(Some(c))))) => break Some(c.code),
            Ok(Some(Ok(_))) => continue,
            _ => break None,
        }
    };
    assert_eq!(code, Some(CloseCode::Size), "{seen:?}");
}

#[tokio::test]
async fn a_refused_recipient_reaches_no_log_and_logs_carry_no_colour_codes() {
    let data = tempfile::tempdir().unwrap();
    let out = support::db::consult(data.path())
        .args(["clients", "create", "--name", "logs", "--data"])
        .arg(data.path())
        .output()
        .unwrap();
    let creds: Value = serde_json::from_slice(&out.stdout).unwrap();
    // A relay that refuses one recipient the way Postfix does, quoting the address.
    let sink = SmtpSink::start_refusing("refused");
    let port = free_port();
    let mut cmd = ConsultProcess::command(data.path(), port);
    cmd.args(["--smtp-host", "127.0.0.1", "--smtp-port"])
        .arg(sink.port.to_string());
    let server = ConsultProcess::start(cmd, port).await;
    let api = Api::login(
        &server.url,
        creds["client_id"].as_str().unwrap(),
        creds["client_secret"].as_str().unwrap(),
    )
    .await;
    let support::api::Clinic { agent, site, .. } = api
        .clinic("Logged", "dana@example.com", Some("StrongPassword123!"))
        .await;
    let made = api
        .post(
            "/api/v2/personal/meetings",
            json!({ "site": site, "agent": agent, "send_email": true,
                    "time_start": "2031-06-01T08:00:00Z", "time_end": "2031-06-01T08:30:00Z",
                    "participants": [{ "name": "Ann", "email": "ann.refused@example.com" }] }),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    // The agent's copy arrives; the refused one is given up at once (a 5xx is permanent).
    sink.wait_for(1, 60).await;
    let pool = support::db::pool(data.path()).await;
    let mut last_error = None;
    for _ in 0..600 {
        last_error = sqlx::query_scalar::<_, Option<String>>(
            "SELECT last_error FROM outbox WHERE recipient = 'ann.refused@example.com' AND failed_at IS NOT NULL",
        )
        .fetch_optional(&pool)
        .await
        .unwrap()
        .flatten();
        if last_error.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last_error.as_deref(), Some("permanent smtp 550"));
    // The log line is written just after the outcome is stored.
    let mut log = server.stderr();
    for _ in 0..100 {
        if log.contains("permanent smtp 550") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        log = server.stderr();
    }
    assert!(log.contains("permanent smtp 550"), "{log}");
    assert!(!log.contains("refused@"), "a recipient in the log: {log}");
    assert!(!log.contains("example.com"), "an address in the log: {log}");
    // Written to a file, not a terminal: plain text.
    assert!(!log.contains('\u{1b}'), "colour codes in the log: {log:?}");
    // Each request is logged once, by its route's template and with its id: the tokens and
    // hashes in paths never reach the log.
    let res = reqwest::get(format!("{}/activate/a-secret-token-123", server.url))
        .await
        .unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    let mut log = server.stderr();
    for _ in 0..100 {
        if log.contains(&id) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        log = server.stderr();
    }
    let line = log
        .lines()
        .find(|l| l.contains(&id))
        .unwrap_or_else(|| panic!("no line for request {id}: {log}"));
    assert!(
        line.contains(r#"route="/activate/{token}""#) && line.contains("status=410"),
        "{line}"
    );
    assert!(!log.contains("a-secret-token-123"), "{log}");
    assert!(log.contains(" ERROR "), "{log}");
}
