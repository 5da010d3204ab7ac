//! The server side of the server functions: registration, the HTTP handler, and what a
//! function's body reads of its request.

use crate::model::{AppError, ErrorCode};
use crate::server::{client, AppState};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use leptos::server_fn::axum::register_explicit;
use std::net::IpAddr;

/// Every server function: its endpoint (below `/api/`) and its registration. Automatic
/// registration relies on the linker keeping every object of the library, which a test binary
/// need not do; so each one is named here, and a test checks none is missing.
const ALL: &[(&str, fn())] = &[
    (
        "v1/booking/slots",
        register_explicit::<super::booking::BookingSlots>,
    ),
    ("v1/booking/book", register_explicit::<super::booking::Book>),
    (
        "v1/join/details",
        register_explicit::<super::join::JoinDetails>,
    ),
    ("v1/join/ice", register_explicit::<super::join::JoinIce>),
    (
        "v1/rooms/details",
        register_explicit::<super::rooms::RoomDetails>,
    ),
    (
        "v1/precall/summary",
        register_explicit::<super::precall::PreCallSummary>,
    ),
    (
        "v1/precall/blur",
        register_explicit::<super::precall::PreCallBlur>,
    ),
    (
        "v1/booking/manage",
        register_explicit::<super::manage::ManageDetails>,
    ),
    (
        "v1/booking/cancel",
        register_explicit::<super::manage::ManageCancel>,
    ),
    (
        "v1/booking/move",
        register_explicit::<super::manage::ManageMove>,
    ),
    (
        "v1/console/overview",
        register_explicit::<super::console::ConsoleData>,
    ),
    (
        "v1/console/schedule",
        register_explicit::<super::console::ConsoleSchedule>,
    ),
    (
        "v1/console/move",
        register_explicit::<super::console::ConsoleMove>,
    ),
    (
        "v1/console/take-appointment",
        register_explicit::<super::console::ConsoleTakeAppointment>,
    ),
    (
        "v1/console/cancel",
        register_explicit::<super::console::ConsoleCancel>,
    ),
];

/// Register every server function (idempotent).
pub fn register_all() {
    for (_, register) in ALL {
        register();
    }
}

/// `/api/v1/{*fn_name}`: the server functions, mounted by the application.
pub fn router() -> Router<AppState> {
    register_all();
    Router::new().route("/api/v1/{*fn_name}", any(handle))
}

/// What a server function's body has of its request: the application and the request's head.
pub(crate) struct Call {
    /// The application.
    pub state: AppState,
    /// The request's head.
    pub parts: Parts,
}

impl Call {
    /// The current call (inside a server function only).
    pub fn get() -> Result<Call, AppError> {
        let state = leptos::prelude::use_context::<AppState>();
        let parts = leptos::prelude::use_context::<Parts>();
        match (state, parts) {
            (Some(state), Some(parts)) => Ok(Call { state, parts }),
            _ => {
                tracing::error!("server function called without its context");
                Err(AppError::internal())
            }
        }
    }

    /// A request header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.parts.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The client's address (behind a trusted proxy, the one it names).
    pub fn client(&self) -> Option<IpAddr> {
        client::address(
            &self.state.config.trusted_proxies,
            &self.parts.headers,
            &self.parts.extensions,
        )
    }
}

/// Only `POST` to a registered function, within the client's share of calls; every answer
/// (errors too) in the one JSON shape with its own status, and never stored by a cache
/// (answers carry personal links).
async fn handle(State(state): State<AppState>, req: Request<Body>) -> Response {
    let mut res = if req.method() != Method::POST {
        let mut e = AppError::new(ErrorCode::BadRequest, "server functions take POST only");
        e.status = StatusCode::METHOD_NOT_ALLOWED.as_u16();
        let mut res = e.into_response();
        res.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        res
    } else if !registered(req.uri().path()) {
        AppError::not_found("server function").into_response()
    } else {
        match client::count_public(&state, req.headers(), req.extensions()).await {
            Some(s) if !s.allowed => AppError::too_many(
                "too many requests from your address; try again shortly",
                (s.reset - chrono::Utc::now()).num_seconds(),
            )
            .into_response(),
            _ => leptos_axum::handle_server_fns_with_context(
                move || leptos::prelude::provide_context(state.clone()),
                req,
            )
            .await
            .into_response(),
        }
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Is there a server function at this path?
fn registered(path: &str) -> bool {
    leptos::server_fn::axum::get_server_fn_service(path, Method::POST).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The endpoints of every server function declared in the source tree (each line that
    /// starts with the attribute).
    fn declared() -> Vec<String> {
        let attribute = ["#[", "server("].concat();
        let mut found = Vec::new();
        let mut dirs = vec![crate::server::config::source_dir().join("src")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for line in text.lines().map(str::trim_start) {
                        if !line.starts_with(&attribute) {
                            continue;
                        }
                        let endpoint = line
                            .split("endpoint = \"")
                            .nth(1)
                            .and_then(|r| r.split('"').next())
                            .unwrap_or_else(|| {
                                panic!(
                                    "{}: a server function without a fixed endpoint",
                                    path.display()
                                )
                            });
                        found.push(endpoint.to_string());
                    }
                }
            }
        }
        found.sort();
        found
    }

    #[test]
    fn every_server_function_is_registered_at_its_endpoint() {
        let mut listed: Vec<String> = ALL.iter().map(|(e, _)| e.to_string()).collect();
        listed.sort();
        assert_eq!(listed, declared(), "ALL must name every #[server] function");
        register_all();
        for (endpoint, _) in ALL {
            assert!(
                registered(&format!("/api/{endpoint}")),
                "{endpoint} is not registered at its path"
            );
        }
    }
}
