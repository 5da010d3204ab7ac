//! A small JSON client for the REST API.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// An answer: status, headers, body (parsed JSON, or `Null`).
#[derive(Debug)]
pub struct Answer {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Value,
}

impl Answer {
    /// `result` of a success envelope.
    pub fn result(&self) -> &Value {
        assert_eq!(self.body["success"], true, "{} {}", self.status, self.body);
        &self.body["result"]
    }

    /// `error` of a failure envelope, checking its shape.
    pub fn error(&self) -> &Value {
        assert_eq!(self.body["success"], false, "{} {}", self.status, self.body);
        let e = &self.body["error"];
        assert!(
            e["code"].is_string() && e["message"].is_string(),
            "{}",
            self.body
        );
        e
    }
}

/// A caller of the API with (or without) a token.
#[derive(Clone)]
pub struct Api {
    /// Server URL.
    pub base: String,
    /// Bearer token.
    pub token: Option<String>,
    http: reqwest::Client,
}

impl Api {
    /// A caller without a token.
    pub fn anonymous(base: &str) -> Api {
        Api {
            base: base.to_string(),
            token: None,
            http: reqwest::Client::new(),
        }
    }

    /// Get a token with client credentials.
    pub async fn login(base: &str, client_id: &str, secret: &str) -> Api {
        let anon = Api::anonymous(base);
        let a = anon
            .call(
                Method::POST,
                "/api/v2/oauth2/token",
                Some(serde_json::json!({ "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret })),
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        Api {
            token: Some(a.body["access_token"].as_str().unwrap().to_string()),
            ..anon
        }
    }

    /// Send a request with an optional JSON body.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        self.send(req).await
    }

    /// Send a raw body with a content type.
    pub async fn raw(&self, method: Method, path: &str, content_type: &str, body: &str) -> Answer {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body.to_string());
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        let res = req.send().await.expect("the server answers");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
        }
    }

    /// GET.
    pub async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    /// POST JSON to a server that may be gone: `None` when no whole answer came (refused,
    /// cut off mid-way), as a client sees a server that died.
    pub async fn try_post(&self, path: &str, body: Value) -> Option<Answer> {
        let mut req = self
            .http
            .request(Method::POST, format!("{}{path}", self.base))
            .json(&body);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.ok()?;
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.ok()?;
        let body = serde_json::from_str(&text).ok()?;
        Some(Answer {
            status,
            headers,
            body,
        })
    }

    /// POST JSON.
    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(body)).await
    }

    /// PATCH JSON.
    pub async fn patch(&self, path: &str, body: Value) -> Answer {
        self.call(Method::PATCH, path, Some(body)).await
    }

    /// PUT JSON.
    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.call(Method::PUT, path, Some(body)).await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str) -> Answer {
        self.call(Method::DELETE, path, None).await
    }
}

/// A company (package `premium`) with one agent on one site, made through the API.
pub struct Clinic {
    /// The company.
    pub company: String,
    /// Its agent.
    pub agent: String,
    /// Its site, with the agent on it.
    pub site: String,
}

impl Api {
    /// Make a [`Clinic`] named `name`; its agent `agent_email` gets `password`, or without one
    /// a set-password e-mail once on the site.
    pub async fn clinic(&self, name: &str, agent_email: &str, password: Option<&str>) -> Clinic {
        let id = |a: Answer| {
            assert!(a.status.is_success(), "{} {}", a.status, a.body);
            a.result()["id"].as_str().unwrap().to_string()
        };
        let company = id(self
            .post(
                "/api/v2/management/companies",
                serde_json::json!({ "name": name, "package": "594a5befcc9d4f9e2f1da19a",
                    "contact": { "first_name": "C", "last_name": "C", "email": "c@example.com",
                                 "phone": "+31612345678", "language": "en" } }),
            )
            .await);
        let mut user = serde_json::json!({ "first_name": "Dana", "last_name": "Agent",
            "email": agent_email, "locale": "en", "role": "agent",
            "entity": { "type": "company", "id": company } });
        if let Some(p) = password {
            user["password"] = p.into();
        }
        let agent = id(self.post("/api/v2/management/users", user).await);
        let site = id(self
            .post(
                "/api/v2/management/sites",
                serde_json::json!({ "name": "Front desk", "company": company, "users": [agent] }),
            )
            .await);
        Clinic {
            company,
            agent,
            site,
        }
    }
}

/// Every key of `expected` exists in `actual` with the same kind of value (a `null` matches
/// anything; arrays compare their first elements). Returns the paths that differ.
pub fn shape_differences(expected: &Value, actual: &Value, path: &str) -> Vec<String> {
    match (expected, actual) {
        (Value::Null, _) => vec![],
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .flat_map(|(k, v)| match a.get(k) {
                Some(x) => shape_differences(v, x, &format!("{path}.{k}")),
                None => vec![format!("{path}.{k} missing")],
            })
            .collect(),
        (Value::Array(e), Value::Array(a)) => match (e.first(), a.first()) {
            (Some(e0), Some(a0)) => shape_differences(e0, a0, &format!("{path}[0]")),
            (Some(_), None) => vec![format!("{path} empty")],
            _ => vec![],
        },
        (Value::String(_), Value::String(_))
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Number(_), Value::Number(_)) => vec![],
        (e, a) => vec![format!("{path}: expected {e}, got {a}")],
    }
}
