//! The audit trail: who (an API client, a rooms API key, a console user, the operator's
//! command line, the server itself) did what to which entity, and when. Append-only (nothing
//! in Consult updates or deletes a row), readable by a company's API clients through
//! `GET /api/v2/management/audit-events`, and holding ids only: never a name, an address, a
//! phone number or a token, so the trail itself needs no retention.
//!
//! Each API's middleware hands every answer to [`finish`], which writes one event for each
//! change that succeeded (any method but GET/HEAD/OPTIONS with a 2xx answer) and for each
//! read a handler marks with a [`Note`] (a person's data exported). Console actions and the
//! command line call [`record`] themselves.

use crate::server::store::Scope;
use crate::server::AppState;
use axum::body::Body;
use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request};
use axum::http::Method;
use axum::response::Response;

/// Who did it.
#[derive(Clone, Debug)]
pub enum Actor {
    /// A REST API client (`/api/v2`, `/api/v1/appointments`), acting within its scope.
    ApiClient {
        /// The client's id.
        id: String,
        /// Its reseller, dealer or company.
        scope: Scope,
    },
    /// A company's key of the rooms API (`/whereby/v1`).
    ApiKey {
        /// The key's id (never the key).
        id: String,
        /// Its company.
        company: String,
    },
    /// A user signed in to the console.
    ConsoleUser {
        /// The user's id.
        id: String,
        /// Their company.
        company: String,
    },
    /// The operator, through the `consult` command line.
    Operator,
    /// The server itself (the retention job).
    System,
}

impl Actor {
    fn kind(&self) -> &'static str {
        match self {
            Actor::ApiClient { .. } => "api_client",
            Actor::ApiKey { .. } => "api_key",
            Actor::ConsoleUser { .. } => "console_user",
            Actor::Operator => "operator",
            Actor::System => "system",
        }
    }

    fn id(&self) -> Option<&str> {
        match self {
            Actor::ApiClient { id, .. }
            | Actor::ApiKey { id, .. }
            | Actor::ConsoleUser { id, .. } => Some(id),
            Actor::Operator | Actor::System => None,
        }
    }

    /// The tenancy it acts in, as stored (`reseller`/`dealer`/`company`, id).
    fn scope(&self) -> Option<(&'static str, &str)> {
        match self {
            Actor::ApiClient { scope, .. } => Some(match scope {
                Scope::Reseller(id) => ("reseller", id.as_str()),
                Scope::Dealer(id) => ("dealer", id.as_str()),
                Scope::Company(id) => ("company", id.as_str()),
            }),
            Actor::ApiKey { company, .. } | Actor::ConsoleUser { company, .. } => {
                Some(("company", company))
            }
            Actor::Operator | Actor::System => None,
        }
    }

    /// The company it acts for, when it is one company's.
    fn company(&self) -> Option<&str> {
        match self.scope() {
            Some(("company", id)) => Some(id),
            _ => None,
        }
    }
}

/// One thing done, as it is written to the trail.
#[derive(Clone, Debug)]
pub struct Event {
    /// Who.
    pub actor: Actor,
    /// The company whose data it touched, when known.
    pub company: Option<String>,
    /// What: `METHOD /route/{template}` for API calls, a dotted name otherwise
    /// (`meeting.cancel`, `personal_data.erase`, `retention.erase`).
    pub action: String,
    /// The kind of entity (`meetings`, `users`, `appointments`, …).
    pub entity_type: Option<String>,
    /// Its id (never a person's address or name).
    pub entity_id: Option<String>,
    /// The HTTP status answered (none outside HTTP).
    pub status: Option<u16>,
    /// The request's `x-request-id` (none outside HTTP).
    pub request_id: Option<String>,
}

impl Event {
    /// An event of `actor` doing `action` to an entity, outside HTTP.
    pub fn new(actor: Actor, action: &str, entity_type: &str, entity_id: Option<&str>) -> Event {
        Event {
            company: actor.company().map(String::from),
            actor,
            action: action.to_string(),
            entity_type: Some(entity_type.to_string()),
            entity_id: entity_id.map(String::from),
            status: None,
            request_id: None,
        }
    }

    /// The same, for `company`.
    pub fn of_company(mut self, company: Option<&str>) -> Event {
        if let Some(c) = company {
            self.company = Some(c.to_string());
        }
        self
    }

    /// The same, done while answering the request `id` (its `x-request-id`).
    pub fn in_request(mut self, id: Option<&str>) -> Event {
        self.request_id = id.map(String::from);
        self
    }

    /// Stored form of the actor: type, id, scope type, scope id.
    pub(crate) fn actor_columns(&self) -> (&'static str, Option<&str>, Option<&str>, Option<&str>) {
        let scope = self.actor.scope();
        (
            self.actor.kind(),
            self.actor.id(),
            scope.map(|s| s.0),
            scope.map(|s| s.1),
        )
    }
}

/// What a handler adds to its answer to be audited beyond the default: a read worth a line
/// (a person's data exported), or a better name and entity than the route's.
#[derive(Clone, Debug)]
pub struct Note {
    /// The action's name.
    pub action: &'static str,
    /// The entity kind.
    pub entity_type: &'static str,
    /// The company it concerned (an operator's or reseller's request names one).
    pub company: Option<String>,
}

/// Write one event. A failure is logged (ids only) and does not undo what was done.
pub async fn record(state: &AppState, event: Event) {
    if let Err(e) = state.store.record_audit(&event).await {
        tracing::error!(error = %e, action = %event.action, "an audit event could not be written");
    }
}

/// What is known of a request before it runs: enough to audit its answer.
#[derive(Clone, Debug)]
pub struct Pending {
    method: Method,
    route: Option<String>,
    entity_type: Option<String>,
    entity_id: Option<String>,
    request_id: Option<String>,
}

impl Pending {
    /// Read the method, route template, the last path parameter (an entity id) and the
    /// request id.
    pub async fn of(req: Request) -> (Pending, Request) {
        let (mut parts, body) = req.into_parts();
        let route = parts
            .extensions
            .get::<MatchedPath>()
            .map(|p| p.as_str().to_string());
        let entity_id = RawPathParams::from_request_parts(&mut parts, &())
            .await
            .ok()
            .and_then(|params| params.iter().last().map(|(_, v)| v.to_string()))
            .filter(|v| v.len() <= 100);
        let request_id = parts
            .headers
            .get(&crate::server::observe::REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        let pending = Pending {
            method: parts.method.clone(),
            entity_type: route.as_deref().and_then(entity_of_route),
            route,
            entity_id,
            request_id,
        };
        (pending, Request::from_parts(parts, body))
    }
}

/// The entity a route acts on: its last literal segment (`/api/v2/personal/meetings/{id}`:
/// `meetings`; `/whereby/v1/recordings/{id}/access-link`: `access-link` is an action on a
/// recording, so a segment after the last parameter is skipped).
fn entity_of_route(route: &str) -> Option<String> {
    let segments: Vec<&str> = route.split('/').filter(|s| !s.is_empty()).collect();
    let last_param = segments.iter().rposition(|s| s.starts_with('{'));
    let literal = match last_param {
        Some(i) => segments[..i].iter().rev().find(|s| !s.starts_with('{')),
        None => segments.last(),
    };
    literal.map(|s| s.to_string())
}

/// Audit an API answer (see the module's documentation) and hand it on unchanged.
pub async fn finish(state: &AppState, actor: Option<Actor>, p: Pending, res: Response) -> Response {
    let note = res.extensions().get::<Note>().cloned();
    let changes = !matches!(p.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let Some(actor) = actor else { return res };
    if !res.status().is_success() || !(changes || note.is_some()) {
        return res;
    }
    let status = res.status().as_u16();
    // A creation's id is in its answer, not its path.
    let (res, created) = if status == 201 && p.entity_id.is_none() {
        created_id(res).await
    } else {
        (res, None)
    };
    let entity_id = created.or(p.entity_id);
    let entity_type = note
        .as_ref()
        .map(|n| n.entity_type.to_string())
        .or(p.entity_type);
    let company = match (
        note.as_ref().and_then(|n| n.company.clone()),
        actor.company(),
    ) {
        (Some(c), _) => Some(c),
        (None, Some(c)) => Some(c.to_string()),
        (None, None) => match (&entity_type, &entity_id) {
            (Some(t), Some(id)) => state.store.company_of(t, id).await.unwrap_or(None),
            _ => None,
        },
    };
    let action = match &note {
        Some(n) => n.action.to_string(),
        None => format!("{} {}", p.method, p.route.as_deref().unwrap_or("?")),
    };
    record(
        state,
        Event {
            actor,
            company,
            action,
            entity_type,
            entity_id,
            status: Some(status),
            request_id: p.request_id,
        },
    )
    .await;
    res
}

/// The id in a creation's answer: `data.id` (the REST APIs' envelope), `id`, or `meetingId`
/// (the rooms API). The answer is small JSON; it is read and put back.
async fn created_id(res: Response) -> (Response, Option<String>) {
    let (parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return (Response::from_parts(parts, Body::empty()), None);
    };
    let id = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| {
            [
                v.pointer("/result/id"),
                v.pointer("/data/id"),
                v.pointer("/id"),
                v.pointer("/meetingId"),
            ]
            .into_iter()
            .flatten()
            .find_map(|id| id.as_str().map(String::from))
        })
        .filter(|id| id.len() <= 100);
    (Response::from_parts(parts, Body::from(bytes)), id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entity_of_a_route_is_its_last_literal_before_the_last_parameter() {
        assert_eq!(
            entity_of_route("/api/v2/personal/meetings/{id}").as_deref(),
            Some("meetings")
        );
        assert_eq!(
            entity_of_route("/api/v2/personal/meetings").as_deref(),
            Some("meetings")
        );
        assert_eq!(
            entity_of_route("/whereby/v1/recordings/{id}/access-link").as_deref(),
            Some("recordings")
        );
        assert_eq!(
            entity_of_route("/management/sites/{id}/bookings/cancel").as_deref(),
            Some("sites")
        );
        assert_eq!(entity_of_route("/").as_deref(), None);
    }
}
