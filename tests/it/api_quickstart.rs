//! The WeSeeDo Personal quick start, replayed in order against a real server: every request
//! body as the document has it (ids substituted), every answer in the document's envelope with
//! its field names.

use crate::support;

use serde_json::Value;
use support::api::{shape_differences, Api};
use support::TestServer;

fn substitute(v: &mut Value, ids: &[(&str, String)]) {
    match v {
        Value::String(s) => {
            for (from, to) in ids {
                if s == from {
                    *s = to.clone();
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| substitute(x, ids)),
        Value::Object(o) => o.values_mut().for_each(|x| substitute(x, ids)),
        _ => {}
    }
}

#[tokio::test]
async fn the_quick_start_works_as_written() {
    let server = TestServer::start().await;
    let fixture: Value =
        serde_json::from_str(include_str!("fixtures/weseedo-quickstart.json")).expect("fixture");
    let steps = fixture["steps"].as_array().unwrap();

    // Step 1: credentials from the CLI (reseller level), shown once.
    let (client_id, client_secret) = server.cli_client("Quick start reseller");
    let mut ids: Vec<(&str, String)> = vec![
        (
            "REPLACE_WITH_THE_CLIENT_ID_CREATED_IN_STEP_1",
            client_id.clone(),
        ),
        (
            "REPLACE_WITH_THE_CLIENT_SECRET_CREATED_IN_STEP_1",
            client_secret.clone(),
        ),
    ];
    // The ids the document's later steps refer to, and the step whose answer defines each.
    let defined_by = [
        ("/api/v2/management/dealers", "5f0dda72990b490eec31cb40"),
        ("/api/v2/management/companies", "5f0ddd29990b490eec31cb4b"),
        ("/api/v2/management/users", "5f0dded4990b490eec31cb63"),
        ("/api/v2/management/sites", "5f0de0e0990b490eec31cb7c"),
    ];
    let mut api = Api::anonymous(&server.url);
    for step in steps {
        let path = step["path"].as_str().unwrap();
        let mut body = step["request"].clone();
        substitute(&mut body, &ids);
        let answer = api.post(path, body).await;
        assert!(
            answer.status.is_success(),
            "{path}: {} {}",
            answer.status,
            answer.body
        );
        let problems = shape_differences(&step["response"], &answer.body, "");
        assert!(
            problems.is_empty(),
            "{path}: answer differs from the document: {problems:?}\n{}",
            answer.body
        );
        if path == "/api/v2/oauth2/token" {
            assert_eq!(answer.body["token_type"], "Bearer");
            api.token = Some(answer.body["access_token"].as_str().unwrap().to_string());
        }
        if let Some((_, doc_id)) = defined_by.iter().find(|(p, _)| *p == path) {
            ids.push((
                doc_id,
                answer.body["result"]["id"].as_str().unwrap().to_string(),
            ));
        }
        match path {
            "/api/v2/management/companies" => {
                let package = &answer.body["result"]["package"];
                assert_eq!(package["id"], "594a5befcc9d4f9e2f1da19a");
                assert_eq!(package["name"], "premium");
                assert_eq!(
                    package["features"],
                    step["response"]["result"]["package"]["features"]
                );
            }
            "/api/v2/management/sites" => {
                let site = &answer.body["result"];
                assert_eq!(site["videochat_font_type"], "Roboto,sans-serif");
                assert_eq!(
                    site["users"][0]["id"],
                    ids.iter()
                        .find(|(k, _)| *k == "5f0dded4990b490eec31cb63")
                        .unwrap()
                        .1
                );
                assert!(site["email_invite_text"]
                    .as_str()
                    .unwrap()
                    .starts_with("Hierbij stuur ik u de bevestiging"));
                assert_eq!(site["email_enable_hardwaretest"], false);
            }
            "/api/v2/management/autologin" => {
                // The link logs the agent into the console, once.
                let url = answer.body["result"]["url"].as_str().unwrap();
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
            }
            "/api/v2/personal/meetings" => {
                let m = &answer.body["result"];
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
            _ => {}
        }
    }
}
