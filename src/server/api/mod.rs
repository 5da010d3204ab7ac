//! The REST API under `/api/v2`, compatible with the WeSeeDo Personal API: OAuth2 client
//! credentials, the tenancy tree, users, sites, autologin and Personal meetings. Its OpenAPI 3.1
//! document (generated from the same types) is at `/api/openapi.json`, with a page at `/api/docs`.

pub mod caller;
pub mod error;
pub mod extract;
pub mod openapi;
pub mod quota;

mod api_keys;
mod autologin;
mod bookings;
mod clients;
mod companies;
mod dealers;
mod meetings;
mod oauth;
mod packages;
mod privacy;
mod sites;
mod users;
mod validate;
pub mod wire;

use super::AppState;
use crate::model::api::{Envelope, ErrorEnvelope};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

/// Routes: `/api/v2/…`, `/api/openapi.json`, `/api/docs`.
pub fn router(state: AppState) -> Router<AppState> {
    let v2 = Router::new()
        .route("/oauth2/token", post(oauth::token))
        .route(
            "/management/clients",
            get(clients::list).post(clients::create),
        )
        .route(
            "/management/clients/{id}",
            axum::routing::delete(clients::revoke),
        )
        .route(
            "/management/api-keys",
            get(api_keys::list).post(api_keys::create),
        )
        .route(
            "/management/api-keys/{id}",
            axum::routing::delete(api_keys::revoke),
        )
        .route("/management/packages", get(packages::list))
        .route(
            "/management/dealers",
            get(dealers::list).post(dealers::create),
        )
        .route(
            "/management/dealers/{id}",
            get(dealers::one)
                .patch(dealers::update)
                .delete(dealers::remove),
        )
        .route(
            "/management/companies",
            get(companies::list).post(companies::create),
        )
        .route(
            "/management/companies/{id}",
            get(companies::one)
                .patch(companies::update)
                .delete(companies::remove),
        )
        .route("/management/users", get(users::list).post(users::create))
        .route(
            "/management/users/{id}",
            get(users::one)
                .put(users::replace)
                .patch(users::update)
                .delete(users::remove),
        )
        .route("/management/sites", get(sites::list).post(sites::create))
        .route(
            "/management/sites/{id}",
            get(sites::one).patch(sites::update).delete(sites::remove),
        )
        .route("/management/sites/{id}/bookings", get(bookings::list))
        .route(
            "/management/sites/{id}/prefill-key",
            get(sites::prefill_key),
        )
        .route(
            "/management/sites/{id}/bookings/cancel",
            post(bookings::cancel),
        )
        .route("/management/autologin", post(autologin::create))
        .route(
            "/management/personal-data",
            get(privacy::export).delete(privacy::erase),
        )
        .route("/management/audit-events", get(privacy::audit_events))
        .route(
            "/personal/meetings",
            get(meetings::list).post(meetings::create),
        )
        .route(
            "/personal/meetings/{id}",
            get(meetings::one)
                .patch(meetings::reschedule)
                .post(meetings::reschedule)
                .delete(meetings::cancel),
        )
        .fallback(|| async { error::ApiError(crate::model::AppError::not_found("resource")) })
        .layer(axum::extract::DefaultBodyLimit::max(extract::MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            state,
            caller::middleware,
        ));
    Router::new()
        .nest("/api/v2", v2)
        .route("/api/openapi.json", get(openapi::json))
        .route("/api/docs", get(openapi::docs))
        .route("/api/docs/reference", get(openapi::plain_reference))
        .route("/media/users/{id}/photo", get(users::photo))
        .route("/media/sites/{id}/{kind}", get(sites::image))
}

/// The answers any authenticated call may get besides its own: no valid token, or the quota
/// used up. Named once, listed in every operation's responses.
#[derive(utoipa::IntoResponses)]
pub enum Refusals {
    /// No valid token.
    #[response(status = 401, description = "No valid token")]
    Unauthorized(ErrorEnvelope),
    /// Too many requests.
    #[response(status = 429, description = "Too many requests")]
    TooMany(ErrorEnvelope),
}

/// `200` with the envelope.
pub struct Found<T>(pub T);

impl<T: Serialize> IntoResponse for Found<T> {
    fn into_response(self) -> Response {
        (StatusCode::OK, axum::Json(Envelope::ok(self.0))).into_response()
    }
}

/// `200` with what was found (in this API's shape), or `404` naming what was not: anything
/// outside the caller's tenancy answers exactly as something that does not exist.
pub fn found<T, W: From<T>>(what: &str, row: Option<T>) -> error::ApiResult<Found<W>> {
    row.map(|r| Found(r.into()))
        .ok_or_else(|| crate::model::AppError::not_found(what).into())
}

/// `200` with the id of what was deleted, or `404` naming what was not there (for the caller).
pub fn deleted(
    what: &str,
    id: String,
    gone: Option<()>,
) -> error::ApiResult<Found<crate::model::api::Deleted>> {
    match gone {
        Some(()) => Ok(Found(crate::model::api::Deleted { id })),
        None => Err(crate::model::AppError::not_found(what).into()),
    }
}

/// `201 Created` with the envelope.
pub struct Created<T>(pub T);

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        (StatusCode::CREATED, axum::Json(Envelope::ok(self.0))).into_response()
    }
}

/// Page selection of a list.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Items per page (1 to 100, default 25).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

impl PageQuery {
    /// The page asked for, with defaults; out-of-range values are errors.
    pub fn resolve(&self) -> Result<Paging, error::ApiError> {
        use crate::model::AppError;
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(25);
        if !(1..=100_000).contains(&page) {
            return Err(AppError::invalid("page", "must be 1 to 100000").into());
        }
        if !(1..=100).contains(&per_page) {
            return Err(AppError::invalid("per_page", "must be 1 to 100").into());
        }
        Ok(Paging {
            page,
            per_page,
            offset: (page - 1) * per_page,
        })
    }
}

/// A checked page selection.
#[derive(Clone, Copy, Debug)]
pub struct Paging {
    /// Page number, from 1.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
    /// Items before this page.
    pub offset: u32,
}

impl Paging {
    /// This page of a list of `total`, its items in this API's shape.
    pub fn page<T, W: From<T>>(self, items: Vec<T>, total: u64) -> Page<W> {
        self.page_of(items.into_iter().map(W::from).collect(), total)
    }

    /// This page of a list of `total`, its items already in this API's shape.
    pub fn page_of<W>(self, items: Vec<W>, total: u64) -> Page<W> {
        Page {
            items,
            more: (self.page as u64) * (self.per_page as u64) < total,
            total: Some(total),
            page: self.page,
            per_page: self.per_page,
        }
    }

    /// This page of a list whose length is not counted, `more` saying whether another page
    /// follows.
    pub fn page_ahead<W>(self, items: Vec<W>, more: bool) -> Page<W> {
        Page {
            items,
            more,
            total: None,
            page: self.page,
            per_page: self.per_page,
        }
    }
}

/// A page of a list: `200` with the envelope, a `link` header and, for a list that is
/// counted, `x-total-count`.
pub struct Page<T> {
    /// This page's items.
    pub items: Vec<T>,
    /// Items in the whole list, where counted.
    pub total: Option<u64>,
    /// Whether another page follows.
    pub more: bool,
    /// Page number.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
}

impl<T: Serialize> IntoResponse for Page<T> {
    fn into_response(self) -> Response {
        let mut res = (StatusCode::OK, axum::Json(Envelope::ok(self.items))).into_response();
        if let Some(total) = self.total {
            if let Ok(v) = HeaderValue::from_str(&total.to_string()) {
                res.headers_mut().insert("x-total-count", v);
            }
        }
        let mut links = Vec::new();
        if self.more {
            links.push(format!(
                "<?page={}&per_page={}>; rel=\"next\"",
                self.page + 1,
                self.per_page
            ));
        }
        if self.page > 1 {
            links.push(format!(
                "<?page={}&per_page={}>; rel=\"prev\"",
                self.page - 1,
                self.per_page
            ));
        }
        if let Ok(v) = HeaderValue::from_str(&links.join(", ")) {
            if !links.is_empty() {
                res.headers_mut().insert(header::LINK, v);
            }
        }
        res
    }
}
