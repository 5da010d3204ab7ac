//! The OpenAPI 3.1 document, generated from the handlers and the wire types, and a docs page
//! rendered from it (plain HTML, nothing loaded from elsewhere).

use super::{
    api_keys, autologin, bookings, clients, companies, dealers, meetings, oauth, packages, privacy,
    sites, users,
};
use axum::response::{Html, IntoResponse};
use serde_json::Value;
use std::sync::OnceLock;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{HttpMethod, OpenApi as Doc};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Consult API",
        description = "Video consultations: the WeSeeDo Personal API (v2) as Consult serves it. \
            Authenticate with OAuth2 client credentials at /api/v2/oauth2/token, then send \
            `Authorization: Bearer <token>`. Every answer is `{\"success\": true, \"result\": …}` or \
            `{\"success\": false, \"error\": {\"code\", \"message\", \"field\"}}`; a caller sees only what \
            hangs under its own entity, and anything else answers 404 like a missing id.",
        version = "2.0.0",
    ),
    paths(
        oauth::token,
        clients::list, clients::create, clients::revoke,
        api_keys::list, api_keys::create, api_keys::revoke,
        packages::list,
        dealers::list, dealers::create, dealers::one, dealers::update, dealers::remove,
        companies::list, companies::create, companies::one, companies::update, companies::remove,
        users::list, users::create, users::one, users::replace, users::update, users::remove,
        sites::list, sites::create, sites::one, sites::update, sites::remove, sites::prefill_key,
        bookings::list, bookings::cancel,
        autologin::create,
        privacy::export, privacy::erase, privacy::audit_events,
        meetings::list, meetings::create, meetings::one, meetings::reschedule, meetings::cancel,
    ),
    modifiers(&Security, &Headers, &PostReschedule, &OperationIds, &Links),
    security(("bearer" = [])),
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut Doc) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An access token from /api/v2/oauth2/token"))
                    .build(),
            ),
        );
    }
}

fn operations(doc: &mut Doc) -> impl Iterator<Item = (&String, HttpMethod, &mut Operation)> {
    doc.paths.paths.iter_mut().flat_map(|(path, item)| {
        [
            (HttpMethod::Get, item.get.as_mut()),
            (HttpMethod::Post, item.post.as_mut()),
            (HttpMethod::Put, item.put.as_mut()),
            (HttpMethod::Patch, item.patch.as_mut()),
            (HttpMethod::Delete, item.delete.as_mut()),
        ]
        .into_iter()
        .filter_map(move |(m, op)| op.map(|op| (path, m, op)))
    })
}

/// Every answer carries the version, sunset and quota headers.
struct Headers;

impl Modify for Headers {
    fn modify(&self, doc: &mut Doc) {
        use utoipa::openapi::header::HeaderBuilder;
        use utoipa::openapi::{ObjectBuilder, RefOr, Type};
        let string = || ObjectBuilder::new().schema_type(Type::String).build();
        let integer = || {
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0))
                .build()
        };
        for (_, _, op) in operations(doc) {
            for response in op.responses.responses.values_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                for (name, description, schema) in [
                    ("api-version", "The API version answering", string()),
                    ("sunset", "Deprecation details; `n/a`", string()),
                    (
                        "quota-interval",
                        "Length of the quota window, in quota-time-unit",
                        integer(),
                    ),
                    ("quota-limit", "Calls allowed per window", integer()),
                    ("quota-used", "Calls made in this window", integer()),
                    ("quota-time-unit", "minute, hour or day", string()),
                    ("quota-reset-UTC", "When the window ends", string()),
                ] {
                    response.headers.insert(
                        name.to_string(),
                        HeaderBuilder::new()
                            .schema(schema)
                            .description(Some(description))
                            .build(),
                    );
                }
            }
        }
    }
}

/// Links from each creating operation to the operations on what it created, so clients (and
/// schemathesis' stateful tests) can follow them.
struct Links;

impl Modify for Links {
    fn modify(&self, doc: &mut Doc) {
        use utoipa::openapi::link::LinkBuilder;
        use utoipa::openapi::RefOr;
        let targets: Vec<(String, Vec<(HttpMethod, String)>)> = doc
            .paths
            .paths
            .iter()
            .filter(|(p, _)| p.ends_with("/{id}"))
            .map(|(p, item)| {
                let ops = [
                    (HttpMethod::Get, &item.get),
                    (HttpMethod::Patch, &item.patch),
                    (HttpMethod::Put, &item.put),
                    (HttpMethod::Delete, &item.delete),
                ]
                .into_iter()
                .filter_map(|(m, op)| {
                    op.as_ref()
                        .and_then(|o| o.operation_id.clone())
                        .map(|id| (m, id))
                })
                .collect();
                (p.trim_end_matches("/{id}").to_string(), ops)
            })
            .collect();
        for (collection, ops) in targets {
            let Some(item) = doc.paths.paths.get_mut(&collection) else {
                continue;
            };
            let Some(post) = item.post.as_mut() else {
                continue;
            };
            let Some(RefOr::T(created)) = post.responses.responses.get_mut("201") else {
                continue;
            };
            for (method, operation_id) in ops {
                let verb = match method {
                    HttpMethod::Get => "Get",
                    HttpMethod::Patch => "Patch",
                    HttpMethod::Put => "Put",
                    _ => "Delete",
                };
                let name = format!("{verb}Created");
                let link = LinkBuilder::new()
                    .operation_id(operation_id)
                    .parameter("id", "$response.body#/result/id")
                    .description("The resource this call created")
                    .build();
                created.links.insert(name, RefOr::T(link));
            }
        }
    }
}

/// Operation ids from method and path (`get_management_dealers_id`): unique, stable, readable.
struct OperationIds;

impl Modify for OperationIds {
    fn modify(&self, doc: &mut Doc) {
        for (path, method, op) in operations(doc) {
            let verb = match method {
                HttpMethod::Get => "get",
                HttpMethod::Post => "post",
                HttpMethod::Put => "put",
                HttpMethod::Patch => "patch",
                _ => "delete",
            };
            let words: Vec<&str> = path
                .trim_start_matches("/api/v2/")
                .split('/')
                .map(|w| w.trim_matches(['{', '}']))
                .collect();
            op.operation_id = Some(format!("{verb}_{}", words.join("_")));
        }
    }
}

/// `POST /personal/meetings/{id}` does the same as PATCH (the WeSeeDo API offers both).
struct PostReschedule;

impl Modify for PostReschedule {
    fn modify(&self, doc: &mut Doc) {
        if let Some(item) = doc.paths.paths.get_mut("/api/v2/personal/meetings/{id}") {
            if let Some(patch) = item.patch.clone() {
                let mut post = patch;
                post.summary = Some("Move a meeting to another time (POST form).".into());
                item.post = Some(post);
            }
        }
    }
}

/// The document, built once.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
        fix_link_keys(&mut doc);
        doc
    })
}

/// utoipa 5.5 writes a link's `operationId` / `operationRef` in snake case; OpenAPI (and every
/// tool reading links) wants camel case.
fn fix_link_keys(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Object(links)) = map.get_mut("links") {
                for link in links.values_mut() {
                    if let Value::Object(l) = link {
                        for (from, to) in [
                            ("operation_id", "operationId"),
                            ("operation_ref", "operationRef"),
                        ] {
                            if let Some(x) = l.remove(from) {
                                l.insert(to.to_string(), x);
                            }
                        }
                    }
                }
            }
            map.values_mut().for_each(fix_link_keys);
        }
        Value::Array(a) => a.iter_mut().for_each(fix_link_keys),
        _ => {}
    }
}

/// `GET /api/openapi.json`.
pub async fn json() -> impl IntoResponse {
    (
        [(axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
        axum::Json(document().clone()),
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn schema_name(v: &Value) -> String {
    if let Some(r) = v.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_string();
    }
    match v.get("type").and_then(Value::as_str) {
        Some("array") => format!("[{}]", v.get("items").map(schema_name).unwrap_or_default()),
        Some(t) => t.to_string(),
        None => "object".into(),
    }
}

/// One document as sections of a page: its description, then each operation.
fn reference(out: &mut String, doc: &Value, title: &str, address: &str) {
    *out += &format!("<h2>{}</h2>", escape(title));
    if let Some(d) = doc.pointer("/info/description").and_then(Value::as_str) {
        *out += &format!("<p>{}</p>", escape(d));
    }
    *out += &format!(
        "<p>The machine-readable document: <a href=\"{0}\">{0}</a> (OpenAPI 3.1).</p>",
        escape(address)
    );
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return;
    };
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else { continue };
            *out += &format!(
                "<section><h3><code>{} {}</code></h3>",
                method.to_uppercase(),
                escape(path)
            );
            if let Some(d) = op
                .get("description")
                .or(op.get("summary"))
                .and_then(Value::as_str)
            {
                *out += &format!("<p>{}</p>", escape(d));
            }
            if let Some(content) = op
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
            {
                for (media, c) in content {
                    *out += &format!(
                        "<p>Body ({}): <code>{}</code></p>",
                        escape(media),
                        escape(&schema_name(&c["schema"]))
                    );
                }
            }
            if let Some(responses) = op.get("responses").and_then(Value::as_object) {
                *out += "<ul>";
                for (status, r) in responses {
                    let body = r
                        .pointer("/content/application~1json/schema")
                        .map(|s| format!(": <code>{}</code>", escape(&schema_name(s))))
                        .unwrap_or_default();
                    let d = r.get("description").and_then(Value::as_str).unwrap_or("");
                    *out += &format!("<li>{status} {}{body}</li>", escape(d));
                }
                *out += "</ul>";
            }
            *out += "</section>";
        }
    }
}

/// `GET /api/docs/reference`: both documents as one plain page (no script, nothing loaded).
pub async fn plain_reference() -> Html<String> {
    let mut out = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>Consult APIs</title></head><body><main>\
         <h1>Consult APIs</h1><p>The interactive reference: <a href=\"/api/docs\">/api/docs</a>.</p>",
    );
    reference(
        &mut out,
        document(),
        "WeSeeDo Personal API (v2)",
        "/api/openapi.json",
    );
    reference(
        &mut out,
        crate::server::whereby::document(),
        "Rooms API (Whereby v1)",
        "/whereby/openapi.json",
    );
    out += "</main></body></html>";
    Html(out)
}

/// The files of the interactive reference, copied into the widget build by `build_widget`.
const UI_FILES: [&str; 4] = [
    "/api-docs/swagger-ui.css",
    "/api-docs/swagger-ui-bundle.js",
    "/api-docs/swagger-ui-standalone-preset.js",
    "/api-docs/init.js",
];

/// `GET /api/docs`: Swagger UI over both documents, every file from Consult itself (its
/// policy lets the page load nothing from elsewhere). A build without those files gets the
/// plain reference instead.
pub async fn docs(
    axum::extract::State(state): axum::extract::State<crate::server::AppState>,
) -> axum::response::Response {
    if !UI_FILES.iter().all(|f| state.assets.get(f).is_some()) {
        return plain_reference().await.into_response();
    }
    let page = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
        <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
        <title>Consult APIs</title><link rel=\"stylesheet\" href=\"/api-docs/swagger-ui.css\"></head>\
        <body><noscript><p>Without JavaScript: <a href=\"/api/docs/reference\">the plain reference</a>.</p></noscript>\
        <main id=\"swagger-ui\"></main>\
        <script src=\"/api-docs/swagger-ui-bundle.js\"></script>\
        <script src=\"/api-docs/swagger-ui-standalone-preset.js\"></script>\
        <script src=\"/api-docs/init.js\"></script></body></html>";
    (
        [
            (
                axum::http::header::CONTENT_SECURITY_POLICY,
                // Swagger UI styles its elements inline; everything else comes from us alone.
                "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                 img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; \
                 form-action 'self'; frame-ancestors 'none'",
            ),
            (axum::http::header::X_FRAME_OPTIONS, "DENY"),
            (axum::http::header::CACHE_CONTROL, "no-cache"),
        ],
        Html(page),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::api::rules;

    fn walk<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    if k == "pattern" {
                        if let Some(p) = x.as_str() {
                            out.push(p);
                        }
                    }
                    walk(x, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }

    #[test]
    fn the_document_is_openapi_3_1_with_every_path() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        for path in [
            "/api/v2/oauth2/token",
            "/api/v2/management/dealers/{id}",
            "/api/v2/management/companies",
            "/api/v2/management/users/{id}",
            "/api/v2/management/sites",
            "/api/v2/management/packages",
            "/api/v2/management/autologin",
            "/api/v2/personal/meetings/{id}",
        ] {
            assert!(doc["paths"].get(path).is_some(), "{path}");
        }
        assert!(doc["paths"]["/api/v2/personal/meetings/{id}"]
            .get("post")
            .is_some());
        assert!(doc.pointer("/components/securitySchemes/bearer").is_some());
        let link = doc.pointer("/paths/~1api~1v2~1management~1dealers/post/responses/201/links");
        assert!(
            link.and_then(Value::as_object)
                .is_some_and(|l| !l.is_empty()),
            "{link:?}"
        );
    }

    #[test]
    fn every_published_pattern_is_a_validation_rule() {
        let mut patterns = Vec::new();
        walk(document(), &mut patterns);
        assert!(patterns.len() > 20);
        let rules = [
            rules::ID,
            rules::NAME,
            rules::EMAIL,
            rules::PHONE,
            rules::COLOR,
            rules::FONT,
            rules::TEXT,
            rules::ORIGIN,
            rules::BASE64,
            rules::BASE64_OR_EMPTY,
            rules::PASSWORD,
            rules::CLOCK,
            rules::DATE,
            rules::PAGE_URL,
            rules::CALLING_CODE,
            rules::SOURCE,
        ];
        for p in patterns {
            assert!(
                rules.contains(&p),
                "pattern not shared with validation: {p}"
            );
        }
    }

    #[test]
    fn operation_ids_are_unique_and_links_name_them() {
        let doc = document();
        let mut ids = Vec::new();
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                ids.push(op["operationId"].as_str().unwrap().to_string());
            }
        }
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate operation ids");
        assert!(ids.contains(&"get_management_dealers_id".to_string()));
        let links = doc
            .pointer("/paths/~1api~1v2~1management~1dealers/post/responses/201/links")
            .unwrap();
        for link in links.as_object().unwrap().values() {
            let target = link["operationId"].as_str().unwrap();
            assert!(ids.contains(&target.to_string()), "{target}");
            assert_eq!(link["parameters"]["id"], "$response.body#/result/id");
        }
    }

    #[test]
    fn request_bodies_refuse_unknown_fields() {
        let doc = document();
        for name in [
            "DealerInput",
            "CompanyInput",
            "UserInput",
            "SiteInput",
            "MeetingInput",
            "MeetingTimeInput",
            "TokenRequest",
        ] {
            let schema = &doc["components"]["schemas"][name];
            assert_eq!(
                schema["additionalProperties"],
                Value::Bool(false),
                "{name}: {schema}"
            );
        }
    }
}
