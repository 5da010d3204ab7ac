//! The demo: a site, a company and an agent created on first start, and a plain host page on a
//! second origin whose HTML holds nothing but the embed snippet.

use super::store::{NewSite, OpeningHours, Store};
use crate::model::{AppError, SiteId, UserId};
use axum::extract::Query;
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

/// The demo's entities.
#[derive(Clone, Debug)]
pub struct Demo {
    /// The demo site.
    pub site: SiteId,
    /// Its agent.
    pub agent: UserId,
}

/// Create the demo reseller, company, site and agent unless they exist; make sure the host
/// page's origins may embed the site.
pub async fn ensure(store: &Store, host_origins: &[String]) -> Result<Demo, AppError> {
    let existing = match (
        store.setting("demo.site").await?,
        store.setting("demo.agent").await?,
    ) {
        (Some(site), Some(agent)) => Some(Demo {
            site: SiteId::parse(&site)?,
            agent: UserId::parse(&agent)?,
        }),
        _ => None,
    };
    let demo = match existing {
        Some(demo) if store.site(&demo.site).await?.is_some() => demo,
        _ => {
            let reseller = store.create_reseller("Demo reseller").await?;
            let company = store
                .create_company(&reseller, "Demo clinic", "premium")
                .await?;
            let site = store
                .create_site(&NewSite {
                    company_id: company.clone(),
                    name: "Demo clinic".into(),
                    time_zone: "Europe/Amsterdam".into(),
                    slot_minutes: 15,
                    // Open around the clock with the room opening 15 minutes early, so the
                    // first slot offered can always be joined at once.
                    opening_hours: OpeningHours::always(),
                    early_join_minutes: 15,
                    origins: Vec::new(),
                })
                .await?;
            let agent = store
                .create_user(
                    &company,
                    "Dana",
                    "Agent",
                    "agent@demo.consult.test",
                    "agent",
                )
                .await?;
            store.attach_user(&site, &agent).await?;
            store.set_setting("demo.site", site.as_str()).await?;
            store.set_setting("demo.agent", agent.as_str()).await?;
            Demo { site, agent }
        }
    };
    for origin in host_origins {
        store.add_site_origin(&demo.site, origin).await?;
    }
    Ok(demo)
}

/// The host page server: `/` embeds the booking form, `/button` the floating launcher,
/// `/strict` both under a strict CSP, `/call?join=…` a call.
pub fn host_router(consult_url: &str, site: &SiteId) -> Router {
    let booking = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Demo clinic</title></head>\n<body>\n\
         <script src=\"{consult_url}/embed.js\" async></script>\n\
         <consult-booking site=\"{site}\"></consult-booking>\n</body>\n</html>\n"
    );
    let button = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Demo clinic: launcher</title></head>\n<body>\n<main><h1>Demo clinic</h1>\
         <p><a href=\"#about\">About us</a></p></main>\n\
         <script src=\"{consult_url}/embed.js\" async></script>\n\
         <consult-button site=\"{site}\"></consult-button>\n</body>\n</html>\n"
    );
    // The same elements under a strict CSP, as the README's recipe gives it: no
    // 'unsafe-inline', no 'unsafe-eval', Consult named for scripts and frames only.
    let strict = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Demo clinic: strict CSP</title></head>\n<body>\n<main><h1>Demo clinic</h1></main>\n\
         <script src=\"{consult_url}/embed.js\" async></script>\n\
         <consult-booking site=\"{site}\"></consult-booking>\n\
         <consult-button site=\"{site}\"></consult-button>\n</body>\n</html>\n"
    );
    let csp = format!(
        "default-src 'self'; script-src 'self' {consult_url}; frame-src {consult_url}; \
         style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'"
    );
    let consult_url = consult_url.to_string();
    Router::new()
        .route("/", get(move || async move { Html(booking) }))
        .route(
            "/strict",
            get(move || async move {
                (
                    [(axum::http::header::CONTENT_SECURITY_POLICY, csp)],
                    Html(strict),
                )
            }),
        )
        .route("/button", get(move || async move { Html(button) }))
        .route("/room", {
            let consult_url = consult_url.clone();
            get(move |Query(q): Query<RoomQuery>| async move {
                let room = attribute(q.room, true);
                let name = attribute(q.name, false);
                let ext = attribute(q.ext, false);
                Html(format!(
                    "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
                     <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
                     <title>Demo clinic: room</title></head>\n<body>\n\
                     <script src=\"{consult_url}/embed.js\" async></script>\n\
                     <consult-call room=\"{room}\" display-name=\"{name}\" external-id=\"{ext}\"></consult-call>\n</body>\n</html>\n"
                ))
            })
        })
        .route(
            "/call",
            get(move |Query(q): Query<CallQuery>| async move {
                // Only base64url characters: the value goes into an attribute.
                let join: String = q
                    .join
                    .unwrap_or_default()
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .take(64)
                    .collect();
                Html(format!(
                    "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
                     <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
                     <title>Demo clinic: call</title></head>\n<body>\n\
                     <script src=\"{consult_url}/embed.js\" async></script>\n\
                     <consult-call join=\"{join}\"></consult-call>\n</body>\n</html>\n"
                ))
            }),
        )
}

#[derive(Deserialize)]
struct CallQuery {
    join: Option<String>,
}

#[derive(Deserialize)]
struct RoomQuery {
    room: Option<String>,
    name: Option<String>,
    ext: Option<String>,
}

/// An attribute value: only characters of a link or a name, `&` and quotes escaped.
fn attribute(v: Option<String>, link: bool) -> String {
    v.unwrap_or_default()
        .chars()
        .filter(|c| {
            c.is_alphanumeric()
                || (link && ":/.-_?=&%".contains(*c))
                || (!link && " .-'".contains(*c))
        })
        .take(300)
        .collect::<String>()
        .replace('&', "&amp;")
        .replace('\'', "&#39;")
}
