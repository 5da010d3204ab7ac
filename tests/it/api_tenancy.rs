//! Tenancy: a caller sees and touches only what hangs under its own entity. Every endpoint is
//! walked with another reseller's ids, and answers exactly like a missing id.

use crate::support;

use serde_json::{json, Value};
use support::api::Api;
use support::TestServer;

/// One tenant's tree, made through the API.
struct Tree {
    api: Api,
    client: String,
    dealer: String,
    company: String,
    agent: String,
    site: String,
    meeting: String,
}

fn contact(tag: &str) -> Value {
    json!({ "first_name": "Con", "last_name": tag, "email": format!("{tag}@example.com"), "phone": "+31612345678", "language": "en" })
}

async fn tree(server: &TestServer, tag: &str) -> Tree {
    let reseller = server
        .state
        .store
        .create_reseller(&format!("Reseller {tag}"))
        .await
        .unwrap();
    let client = server
        .state
        .store
        .create_client(
            tag,
            consult::model::api::tenancy::EntityType::Reseller,
            &reseller,
            Default::default(),
        )
        .await
        .unwrap();
    let api = Api::login(&server.url, &client.client_id, &client.client_secret).await;
    let id = |a: &support::api::Answer| a.result()["id"].as_str().unwrap().to_string();
    let dealer = id(&api
        .post(
            "/api/v2/management/dealers",
            json!({ "name": format!("Dealer {tag}"), "contact": contact(tag) }),
        )
        .await);
    let company = id(&api
        .post("/api/v2/management/companies", json!({ "name": format!("Company {tag}"), "contact": contact(tag), "package": "594a5befcc9d4f9e2f1da19a", "dealer": dealer }))
        .await);
    let agent = id(&api
        .post("/api/v2/management/users", json!({ "first_name": "Agent", "last_name": tag, "email": format!("agent-{tag}@example.com"), "password": "StrongPassword123!", "locale": "en", "role": "agent", "entity": { "type": "company", "id": company } }))
        .await);
    let site = id(&api
        .post(
            "/api/v2/management/sites",
            json!({ "name": format!("Site {tag}"), "company": company, "users": [agent] }),
        )
        .await);
    let meeting = id(&api
        .post("/api/v2/personal/meetings", json!({ "site": site, "agent": agent, "time_start": "2030-01-01T10:00:00Z", "time_end": "2030-01-01T10:30:00Z", "participants": [{ "name": "Guest" }] }))
        .await);
    Tree {
        api,
        client: client.client_id,
        dealer,
        company,
        agent,
        site,
        meeting,
    }
}

/// The answer for `path` as a missing id gives it, to compare foreign ids with.
async fn missing(api: &Api, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let a = api.call(method.parse().unwrap(), path, body).await;
    (a.status.as_u16(), a.body["error"].clone())
}

#[tokio::test]
async fn every_endpoint_answers_another_tenants_ids_like_missing_ones() {
    let server = TestServer::start().await;
    let a = tree(&server, "a").await;
    let b = tree(&server, "b").await;
    let nobody = "0123456789abcdef01234567";

    // Reads, changes and deletes by id.
    let by_id: Vec<(&str, String, Option<Value>)> = vec![
        (
            "GET",
            format!("/api/v2/management/dealers/{}", b.dealer),
            None,
        ),
        (
            "PATCH",
            format!("/api/v2/management/dealers/{}", b.dealer),
            Some(json!({ "name": "x" })),
        ),
        (
            "DELETE",
            format!("/api/v2/management/dealers/{}", b.dealer),
            None,
        ),
        (
            "GET",
            format!("/api/v2/management/companies/{}", b.company),
            None,
        ),
        (
            "PATCH",
            format!("/api/v2/management/companies/{}", b.company),
            Some(json!({ "name": "x" })),
        ),
        (
            "DELETE",
            format!("/api/v2/management/companies/{}", b.company),
            None,
        ),
        ("GET", format!("/api/v2/management/users/{}", b.agent), None),
        (
            "PUT",
            format!("/api/v2/management/users/{}", b.agent),
            Some(json!({ "first_name": "x", "last_name": "y", "email": "x@y.nl", "locale": "en" })),
        ),
        (
            "PATCH",
            format!("/api/v2/management/users/{}", b.agent),
            Some(json!({ "first_name": "x" })),
        ),
        (
            "DELETE",
            format!("/api/v2/management/users/{}", b.agent),
            None,
        ),
        ("GET", format!("/api/v2/management/sites/{}", b.site), None),
        (
            "PATCH",
            format!("/api/v2/management/sites/{}", b.site),
            Some(json!({ "name": "x" })),
        ),
        (
            "DELETE",
            format!("/api/v2/management/sites/{}", b.site),
            None,
        ),
        (
            "GET",
            format!("/api/v2/personal/meetings/{}", b.meeting),
            None,
        ),
        (
            "PATCH",
            format!("/api/v2/personal/meetings/{}", b.meeting),
            Some(
                json!({ "time_start": "2030-01-02T10:00:00Z", "time_end": "2030-01-02T10:30:00Z" }),
            ),
        ),
        (
            "POST",
            format!("/api/v2/personal/meetings/{}", b.meeting),
            Some(
                json!({ "time_start": "2030-01-02T10:00:00Z", "time_end": "2030-01-02T10:30:00Z" }),
            ),
        ),
        (
            "DELETE",
            format!("/api/v2/personal/meetings/{}", b.meeting),
            None,
        ),
        (
            "DELETE",
            format!("/api/v2/management/clients/{}", b.client),
            None,
        ),
    ];
    for (method, path, body) in by_id {
        let foreign = missing(&a.api, method, &path, body.clone()).await;
        let absent_path = format!("{}/{nobody}", path.rsplit_once('/').unwrap().0);
        let absent = missing(&a.api, method, &absent_path, body).await;
        assert_eq!(foreign.0, 404, "{method} {path}: {foreign:?}");
        assert_eq!(
            foreign, absent,
            "{method} {path}: a foreign id must answer like a missing one"
        );
    }

    // A site's form bookings, listed and called off, and its prefill key, under another
    // tenant's site id.
    let window = json!({ "from": "2020-01-01T00:00:00Z", "to": "2040-01-01T00:00:00Z" });
    for (method, tail, body) in [
        ("GET", "bookings", None),
        ("POST", "bookings/cancel", Some(window)),
        ("GET", "prefill-key", None),
    ] {
        let foreign = missing(
            &a.api,
            method,
            &format!("/api/v2/management/sites/{}/{tail}", b.site),
            body.clone(),
        )
        .await;
        let absent = missing(
            &a.api,
            method,
            &format!("/api/v2/management/sites/{nobody}/{tail}"),
            body,
        )
        .await;
        assert_eq!(foreign.0, 404, "{method} {tail}: {foreign:?}");
        assert_eq!(foreign, absent, "{method} {tail}");
    }

    // References to another tenant's things inside bodies.
    let refs: Vec<(&str, Value, &str)> = vec![
        (
            "/api/v2/management/companies",
            json!({ "name": "x", "contact": contact("x"), "package": "594a5befcc9d4f9e2f1da19a", "dealer": b.dealer }),
            "dealer",
        ),
        (
            "/api/v2/management/users",
            json!({ "first_name": "x", "last_name": "y", "email": "new@example.com", "locale": "en", "role": "agent", "entity": { "type": "company", "id": b.company } }),
            "entity.id",
        ),
        (
            "/api/v2/management/sites",
            json!({ "name": "x", "company": b.company }),
            "company",
        ),
        (
            "/api/v2/management/sites",
            json!({ "name": "x", "company": a.company, "users": [b.agent] }),
            "users",
        ),
        (
            "/api/v2/personal/meetings",
            json!({ "site": b.site, "agent": b.agent, "time_start": "2030-02-01T10:00:00Z", "time_end": "2030-02-01T10:30:00Z", "participants": [{ "name": "G" }] }),
            "site",
        ),
        (
            "/api/v2/personal/meetings",
            json!({ "site": a.site, "agent": b.agent, "time_start": "2030-02-01T10:00:00Z", "time_end": "2030-02-01T10:30:00Z", "participants": [{ "name": "G" }] }),
            "agent",
        ),
        (
            "/api/v2/management/autologin",
            json!({ "agent": b.agent, "product": "personal" }),
            "agent",
        ),
        (
            "/api/v2/management/clients",
            json!({ "name": "x", "entity": { "type": "company", "id": b.company } }),
            "entity.id",
        ),
        (
            "/api/v2/management/clients",
            json!({ "name": "x", "entity": { "type": "dealer", "id": b.dealer } }),
            "entity.id",
        ),
    ];
    for (path, body, field) in refs {
        let r = a.api.post(path, body.clone()).await;
        assert_eq!(r.status, 404, "{path} {body}: {}", r.body);
        assert_eq!(r.error()["field"], field, "{path}");
    }

    // Lists hold only the caller's own.
    for (path, theirs, ours) in [
        ("/api/v2/management/dealers", &b.dealer, &a.dealer),
        ("/api/v2/management/companies", &b.company, &a.company),
        ("/api/v2/management/users", &b.agent, &a.agent),
        ("/api/v2/management/sites", &b.site, &a.site),
        ("/api/v2/personal/meetings", &b.meeting, &a.meeting),
    ] {
        let list = a.api.get(path).await;
        let ids: Vec<&str> = list
            .result()
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap())
            .collect();
        assert!(
            ids.contains(&ours.as_str()) && !ids.contains(&theirs.as_str()),
            "{path}: {ids:?}"
        );
    }
    let clients = a.api.get("/api/v2/management/clients").await;
    assert!(!clients.body.to_string().contains(&b.client));

    // B's things are untouched by all of that.
    assert_eq!(
        b.api
            .get(&format!("/api/v2/management/dealers/{}", b.dealer))
            .await
            .status,
        200
    );
    assert_eq!(
        b.api
            .get(&format!("/api/v2/personal/meetings/{}", b.meeting))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn dealers_and_companies_see_only_their_own_subtree() {
    let server = TestServer::start().await;
    let a = tree(&server, "a").await;
    // A second company of the same reseller, under no dealer.
    let other = a
        .api
        .post("/api/v2/management/companies", json!({ "name": "Direct", "contact": contact("d"), "package": "7b7c0d1e2f3a4b5c6d7e8f90" }))
        .await;
    let other = other.result()["id"].as_str().unwrap().to_string();
    assert_eq!(
        a.api
            .get(&format!("/api/v2/management/companies/{other}"))
            .await
            .result()["package"]["name"],
        "basic"
    );

    // The dealer's own client, made by the reseller.
    let dc = a
        .api
        .post(
            "/api/v2/management/clients",
            json!({ "name": "dealer a", "entity": { "type": "dealer", "id": a.dealer } }),
        )
        .await;
    assert_eq!(dc.status, 201, "{}", dc.body);
    let dealer = Api::login(
        &server.url,
        dc.result()["client_id"].as_str().unwrap(),
        dc.result()["client_secret"].as_str().unwrap(),
    )
    .await;
    let companies = dealer.get("/api/v2/management/companies").await;
    let ids: Vec<String> = companies
        .result()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        vec![a.company.clone()],
        "the dealer sees its company only"
    );
    assert_eq!(
        dealer
            .get(&format!("/api/v2/management/companies/{other}"))
            .await
            .status,
        404
    );
    assert_eq!(
        dealer
            .post(
                "/api/v2/management/dealers",
                json!({ "name": "x", "contact": contact("x") })
            )
            .await
            .status,
        403
    );
    // A dealer creates companies under itself.
    let mine = dealer.post("/api/v2/management/companies", json!({ "name": "Sub", "contact": contact("s"), "package": "7b7c0d1e2f3a4b5c6d7e8f90" })).await;
    assert_eq!(mine.result()["dealer"]["id"], a.dealer);

    // The company's client, made by the dealer.
    let cc = dealer
        .post(
            "/api/v2/management/clients",
            json!({ "name": "company a", "entity": { "type": "company", "id": a.company } }),
        )
        .await;
    let company = Api::login(
        &server.url,
        cc.result()["client_id"].as_str().unwrap(),
        cc.result()["client_secret"].as_str().unwrap(),
    )
    .await;
    assert_eq!(
        company.get("/api/v2/management/dealers").await.result(),
        &json!([])
    );
    assert_eq!(
        company
            .get(&format!("/api/v2/management/dealers/{}", a.dealer))
            .await
            .status,
        404
    );
    assert_eq!(
        company
            .get("/api/v2/management/companies")
            .await
            .result()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        company
            .get(&format!("/api/v2/personal/meetings/{}", a.meeting))
            .await
            .status,
        200
    );
    assert_eq!(company.post("/api/v2/management/companies", json!({ "name": "x", "contact": contact("x"), "package": "7b7c0d1e2f3a4b5c6d7e8f90" })).await.status, 403);
    let p = company
        .patch(
            &format!("/api/v2/management/companies/{}", a.company),
            json!({ "package": "7b7c0d1e2f3a4b5c6d7e8f90" }),
        )
        .await;
    assert_eq!(
        (p.status.as_u16(), p.error()["field"].as_str()),
        (403, Some("package"))
    );
    // Nor can a company mint credentials for its parent.
    let up = company
        .post(
            "/api/v2/management/clients",
            json!({ "name": "x", "entity": { "type": "dealer", "id": a.dealer } }),
        )
        .await;
    assert_eq!(up.status, 404);
}
