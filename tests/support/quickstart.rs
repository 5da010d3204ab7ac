//! The README's WeSeeDo Personal quick start (tests/it/fixtures/weseedo-quickstart.json),
//! replayed in order against a server: every request body as the document has it (ids
//! substituted, and whatever the caller changes), every answer checked for the document's
//! envelope and field names. Used as written (tests/it/api_quickstart.rs) and with other
//! people's data in it (tests/it/log_hygiene.rs).

use super::api::{shape_differences, Answer, Api};
use serde_json::Value;

/// One step of the document and the server's answer to it.
pub struct Step {
    /// The path posted to.
    pub path: String,
    /// The body as sent (ids substituted).
    pub request: Value,
    /// The document's example answer.
    pub documented: Value,
    /// The server's answer.
    pub answer: Answer,
}

/// The replayed quick start.
pub struct Replayed {
    /// Every step, in the document's order.
    pub steps: Vec<Step>,
    /// The caller, logged in with the token of the document's token step.
    pub api: Api,
    /// The ids the document's later steps refer to (the document's id, the server's id).
    pub ids: Vec<(&'static str, String)>,
}

impl Replayed {
    /// The answer to the step posting to `path`.
    pub fn answer(&self, path: &str) -> &Answer {
        &self
            .steps
            .iter()
            .find(|s| s.path == path)
            .unwrap_or_else(|| panic!("no step {path}"))
            .answer
    }

    /// The server's id for one the document uses (`5f0dded4990b490eec31cb63`: the agent).
    pub fn id(&self, documented: &str) -> &str {
        &self
            .ids
            .iter()
            .find(|(d, _)| *d == documented)
            .unwrap_or_else(|| panic!("no id for {documented}"))
            .1
    }
}

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

/// The document's agent (its user id in the document).
pub const AGENT: &str = "5f0dded4990b490eec31cb63";

/// Replay the quick start on `base` with credentials from step 1 (`consult clients create`);
/// `edit` may change each body before it is sent (the path, the body). Panics on an answer
/// that is not a success or differs in shape from the document's.
pub async fn replay(
    base: &str,
    client_id: &str,
    client_secret: &str,
    mut edit: impl FnMut(&str, &mut Value),
) -> Replayed {
    let fixture: Value =
        serde_json::from_str(include_str!("../it/fixtures/weseedo-quickstart.json"))
            .expect("fixture");
    let mut ids: Vec<(&'static str, String)> = vec![
        (
            "REPLACE_WITH_THE_CLIENT_ID_CREATED_IN_STEP_1",
            client_id.to_string(),
        ),
        (
            "REPLACE_WITH_THE_CLIENT_SECRET_CREATED_IN_STEP_1",
            client_secret.to_string(),
        ),
    ];
    // The ids the document's later steps refer to, and the step whose answer defines each.
    let defined_by = [
        ("/api/v2/management/dealers", "5f0dda72990b490eec31cb40"),
        ("/api/v2/management/companies", "5f0ddd29990b490eec31cb4b"),
        ("/api/v2/management/users", AGENT),
        ("/api/v2/management/sites", "5f0de0e0990b490eec31cb7c"),
    ];
    let mut api = Api::anonymous(base);
    let mut steps = Vec::new();
    for step in fixture["steps"].as_array().unwrap() {
        let path = step["path"].as_str().unwrap();
        let mut body = step["request"].clone();
        substitute(&mut body, &ids);
        edit(path, &mut body);
        let answer = api.post(path, body.clone()).await;
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
        steps.push(Step {
            path: path.to_string(),
            request: body,
            documented: step["response"].clone(),
            answer,
        });
    }
    Replayed { steps, api, ids }
}
