//! The WeSeeDo Personal quick start, replayed in order against a real server: every request
//! body as the document has it (ids substituted), every answer in the document's envelope with
//! its field names (support/quickstart.rs); then what each step's answer must say.

use crate::support;

use support::quickstart::{replay, AGENT};
use support::TestServer;

#[tokio::test]
async fn the_quick_start_works_as_written() {
    let server = TestServer::start().await;
    // Step 1: credentials from the CLI (reseller level), shown once.
    let (client_id, client_secret) = server.cli_client("Quick start reseller");
    let replayed = replay(&server.url, &client_id, &client_secret, |_, _| {}).await;
    let api = &replayed.api;

    let company = replayed.answer("/api/v2/management/companies");
    let package = &company.body["result"]["package"];
    assert_eq!(package["id"], "594a5befcc9d4f9e2f1da19a");
    assert_eq!(package["name"], "premium");
    let documented = &replayed
        .steps
        .iter()
        .find(|s| s.path == "/api/v2/management/companies")
        .unwrap()
        .documented;
    assert_eq!(
        package["features"],
        documented["result"]["package"]["features"]
    );

    let site = &replayed.answer("/api/v2/management/sites").body["result"];
    assert_eq!(site["videochat_font_type"], "Roboto,sans-serif");
    assert_eq!(site["users"][0]["id"], replayed.id(AGENT));
    assert!(site["email_invite_text"]
        .as_str()
        .unwrap()
        .starts_with("Hierbij stuur ik u de bevestiging"));
    assert_eq!(site["email_enable_hardwaretest"], false);

    // The autologin link logs the agent into the console, once.
    let url = replayed.answer("/api/v2/management/autologin").body["result"]["url"]
        .as_str()
        .unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let first = http.get(url).send().await.unwrap();
    assert_eq!(first.status(), 303);
    assert!(first.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .starts_with("consult_session="));
    assert_eq!(http.get(url).send().await.unwrap().status(), 410);

    let m = &replayed.answer("/api/v2/personal/meetings").body["result"];
    let parts = m["participants"].as_array().unwrap();
    assert_eq!(parts.len(), 3, "the agent and the two invitees");
    assert!(parts[0]["username"].as_str().unwrap().starts_with("agent."));
    assert!(parts[1]["username"]
        .as_str()
        .unwrap()
        .starts_with("visitor."));
    for p in parts {
        let url = p["url"].as_str().unwrap();
        assert_eq!(
            url,
            format!("{}/join/{}", server.url, p["hash"].as_str().unwrap())
        );
    }
    assert_eq!(m["time_start"], "2025-03-18T14:15:00.000Z");
    // The same meeting reads back the same, links included.
    let again = api
        .get(&format!(
            "/api/v2/personal/meetings/{}",
            m["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(again.result()["participants"], m["participants"]);
}
