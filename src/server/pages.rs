//! The widget's pages and files. Each page is served from its own Trunk build, so it loads
//! only its own code: the booking frame from `widget/booking/index.html`, the call's pages
//! from `widget/call/index.html`, the console (and anything else) from the full app's `index.html`
//! (a build without a page's own folder falls back to it; each app picks its view from the
//! path). What differs besides is the Content-Security-Policy, above all `frame-ancestors`:
//! only the pages of a site's allowed origins may frame its widget.

use super::services::join;
use super::AppState;
use crate::model::SiteId;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

/// Routes: the app pages and, as fallback, the files of the widget build.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/console") }))
        .route("/embed/booking", get(booking_page))
        .route("/join/{hash}", get(join_page))
        .route("/join/{hash}/invite.ics", get(calendar_file))
        .route("/booking/{hash}", get(join_page))
        .route("/rooms/{name}", get(room_page))
        .route("/console", get(console_page))
        .route("/check", get(check_page))
        .route("/client-web/schedule/pre-call/summary", get(pre_call_page))
        .fallback(get(file))
}

#[derive(Deserialize)]
struct BookingQuery {
    site: Option<String>,
}

async fn booking_page(
    State(state): State<AppState>,
    Query(q): Query<BookingQuery>,
    req: Request,
) -> Response {
    let site = match q.site.as_deref().map(SiteId::parse) {
        Some(Ok(id)) => match state.store.site(&id).await {
            Ok(site) => site,
            Err(e) => return e.into_response(),
        },
        _ => None,
    };
    let Some(site) = site else {
        // An unknown site may be framed anywhere: the form then explains the mistake to
        // whoever pasted the snippet, and there is nothing to protect.
        return app_page(&state, Build::Booking, "*", &req, None);
    };
    // The site's origins, read once: for the frame's policy and for its first times.
    let origins = state.store.site_origins(&site.id).await.unwrap_or_default();
    let first = first_slots(&state, &site, &origins, req.headers(), req.extensions()).await;
    app_page(
        &state,
        Build::Booking,
        &ancestors(origins),
        &req,
        first.as_deref(),
    )
}

/// The site's first times as a JSON data block for the booking page, so the form renders
/// them without a call of its own (one round trip less: about 0.6 s on a slow mobile
/// network). Made for the page that frames this one, as its `Referer` names it (our own
/// origin when there is none); the form compares that with the origin the browser reports
/// and asks the server itself when they differ. Nothing when the site may not be booked
/// from there, or when the client address has used its share of public calls (this counts
/// as the form's slots call would): the form's own call then tells why.
async fn first_slots(
    state: &AppState,
    site: &crate::server::store::SiteRow,
    origins: &[String],
    headers: &axum::http::HeaderMap,
    extensions: &axum::http::Extensions,
) -> Option<String> {
    use crate::model::booking::FirstSlots;
    use crate::server::services::booking;
    let host_origin = match headers.get(header::REFERER) {
        Some(referer) => super::origin::normalize(referer.to_str().ok()?)?,
        None => state.public_origin.clone(),
    };
    booking::site_allows(state, site, origins, &host_origin, None).ok()?;
    if super::client::count_public(state, headers, extensions)
        .await
        .is_some_and(|s| !s.allowed)
    {
        return None;
    }
    let list = booking::slots_of(state, site, None, None).await.ok()?;
    let json = serde_json::to_string(&FirstSlots { host_origin, list }).ok()?;
    // `<` only occurs inside JSON strings, where `\u003c` means the same: no `</script>` can
    // end the block early.
    Some(format!(
        "<script type=\"application/json\" id=\"{}\">{}</script>",
        FirstSlots::ELEMENT_ID,
        json.replace('<', "\\u003c")
    ))
}

/// The appointment as a calendar file, for the confirmation's "add to your calendar" link.
/// It carries the personal link, so it is served only to whoever holds that link; a
/// cancelled meeting's file is gone with its link.
async fn calendar_file(State(state): State<AppState>, Path(hash): Path<String>) -> Response {
    let gone = || (StatusCode::NOT_FOUND, "This link is not valid.").into_response();
    let Ok(p) = join::resolve(&state, &hash).await else {
        return gone();
    };
    if p.meeting.cancelled {
        return gone();
    }
    let url = format!("{}/join/{}", state.public_url, hash.trim());
    let description = format!("{}\n\n{url}", p.meeting.subject);
    let body = super::calendar::ics(
        &super::calendar::Event {
            uid: &format!("{}@consult", p.meeting.id),
            starts_at: p.meeting.starts_at,
            ends_at: p.meeting.ends_at,
            summary: &p.meeting.subject,
            description: &description,
            url: &url,
            // Later than any file sent before (those count change times in seconds too).
            sequence: chrono::Utc::now().timestamp(),
            cancelled: false,
        },
        chrono::Utc::now(),
    );
    (
        [
            (header::CONTENT_TYPE, super::calendar::MEDIA_TYPE),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"invite.ics\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

async fn join_page(
    State(state): State<AppState>,
    Path(hash): Path<String>,
    req: Request,
) -> Response {
    let ancestors = match join::resolve(&state, &hash).await {
        Ok(p) => site_ancestors(&state, &p.meeting.site_id).await,
        // Unknown links get the page too (it explains); it may not be framed.
        Err(_) => "'self'".to_string(),
    };
    app_page(&state, Build::Call, &ancestors, &req, None)
}

/// A room's page (rooms API): framed by the pages of its company's sites (their allowed
/// origins), as the company's meetings are; a room that is not there gets the page too (it
/// explains), framed by no one.
async fn room_page(
    State(state): State<AppState>,
    Path(name): Path<String>,
    req: Request,
) -> Response {
    let room = match crate::model::room::room_name(&name) {
        Some(n) => state.store.room_named(None, &n).await.ok().flatten(),
        None => None,
    };
    let ancestors = match room {
        Some(r) => company_ancestors(&state, &r.company).await,
        None => "'self'".to_string(),
    };
    app_page(&state, Build::Call, &ancestors, &req, None)
}

#[derive(Deserialize)]
struct PreCallQuery {
    token: Option<String>,
}

/// An appointment's pre-call page (the claimant's or the interpreter's): framed by the pages
/// of its company's sites; a link that is not one gets the page too (it explains), framed by
/// no one.
async fn pre_call_page(
    State(state): State<AppState>,
    Query(q): Query<PreCallQuery>,
    req: Request,
) -> Response {
    let company = match q
        .token
        .as_deref()
        .and_then(|t| state.signer.verify_appointment_token(t))
    {
        Some((id, _)) => state
            .store
            .appointment_by_id(&id)
            .await
            .ok()
            .flatten()
            .map(|a| a.company),
        None => None,
    };
    let ancestors = match company {
        Some(c) => company_ancestors(&state, &c).await,
        None => "'self'".to_string(),
    };
    app_page(&state, Build::Call, &ancestors, &req, None)
}

async fn company_ancestors(state: &AppState, company: &str) -> String {
    ancestors(
        state
            .store
            .company_origins(company)
            .await
            .unwrap_or_default(),
    )
}

/// The hardware test may be framed by no one but us (it opens the camera).
async fn check_page(State(state): State<AppState>, req: Request) -> Response {
    app_page(&state, Build::Call, "'self'", &req, None)
}

async fn console_page(State(state): State<AppState>, req: Request) -> Response {
    app_page(&state, Build::Full, "'none'", &req, None)
}

async fn site_ancestors(state: &AppState, site: &SiteId) -> String {
    ancestors(state.store.site_origins(site).await.unwrap_or_default())
}

/// `frame-ancestors` sources: ourselves and a site's allowed origins.
fn ancestors(origins: Vec<String>) -> String {
    let mut sources = vec!["'self'".to_string()];
    // Stored origins are validated on the way in; keep only characters CSP allows in a host
    // source, so a bad row can never inject a directive.
    sources.extend(origins.into_iter().filter(|o| {
        o.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b":/.-[]".contains(&b))
    }));
    sources.join(" ")
}

/// Which build serves a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Build {
    /// `widget/booking/index.html`: the booking form only.
    Booking,
    /// `widget/call/index.html`: the join, room, pre-call, manage and device-check pages.
    Call,
    /// `index.html`: every page (the console's).
    Full,
}

impl Build {
    /// The page of a build, the full app's when that build is missing.
    fn index(self, state: &AppState) -> Option<&std::sync::Arc<crate::server::assets::Asset>> {
        let own = match self {
            Build::Booking => state.assets.get("/widget/booking/index.html"),
            Build::Call => state.assets.get("/widget/call/index.html"),
            Build::Full => None,
        };
        own.or_else(|| state.assets.get("/index.html"))
    }
}

/// A build's page with this page's policy; `insert` (a block made for this request) goes
/// right after `<body>`.
fn app_page(
    state: &AppState,
    build: Build,
    frame_ancestors: &str,
    req: &Request,
    insert: Option<&str>,
) -> Response {
    let Some(index) = build.index(state) else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "The widget is not built. Run `trunk build --release` (see README), then restart.",
        )
            .into_response();
    };
    let csp = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {scripts}; \
         style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors {frame_ancestors}",
        scripts = state.assets.inline_script_hashes.join(" "),
    );
    let mut response = match insert {
        Some(block) => index.respond_spliced(req.headers(), "<body>", block),
        None => index.respond(req.headers()),
    };
    if let Ok(v) = HeaderValue::from_str(&csp) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, v);
    }
    response
}

async fn file(State(state): State<AppState>, req: Request<Body>) -> Response {
    let path = req.uri().path();
    match state.assets.get(path) {
        Some(asset) if !path.ends_with("/index.html") => {
            let mut response = asset.respond(req.headers());
            // embed.js runs in other sites' pages; anyone may load it.
            if path == "/embed.js" {
                response.headers_mut().insert(
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    HeaderValue::from_static("*"),
                );
            }
            response
        }
        _ => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
