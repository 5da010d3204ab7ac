//! `/api/v2/management/sites`.

use super::caller::Caller;
use super::deleted;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery, PathId};
use super::Refusals;
use super::{validate, Created, Found, Page, PageQuery};
use crate::model::api::rules;
use crate::model::api::sites::{
    AvailabilityPatch, PrefillKey, Site, SiteInput, SiteOrigin, SitePatch,
};
use crate::model::api::{Envelope, ErrorEnvelope};
use crate::model::AppError;
use crate::server::availability::parse_zone;
use crate::server::store::{AvailabilityChange, NewApiSite, SiteImage};
use crate::server::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// What the body's types do not check themselves (names, texts and ids are checked as read).
struct Common<'a> {
    font: &'a Option<String>,
    color: &'a Option<String>,
    origins: Option<&'a [SiteOrigin]>,
}

fn check(c: Common<'_>) -> Result<(), AppError> {
    validate::opt("videochat_font_type", c.font, rules::font)?;
    validate::opt("videochat_text_color", c.color, rules::color)?;
    for o in c.origins.unwrap_or_default() {
        rules::origin("allowed_origins", &o.0)?;
    }
    Ok(())
}

/// The caller's sites.
#[utoipa::path(
    get,
    path = "/api/v2/management/sites",
    tag = "Management",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of sites", body = Envelope<Vec<Site>>),
        (status = 400, description = "Bad paging", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Page<Site>> {
    let paging = q.resolve()?;
    let (items, total) = state
        .store
        .sites_api(&caller.scope, paging.per_page, paging.offset)
        .await?;
    let items = items
        .into_iter()
        .map(|s| super::wire::site(s, &state.public_url))
        .collect();
    Ok(paging.page_of(items, total))
}

/// Create a site in a company, with its users (of that company) and allowed origins.
#[utoipa::path(
    post,
    path = "/api/v2/management/sites",
    tag = "Management",
    request_body = SiteInput,
    responses(
        (status = 201, description = "The new site", body = Envelope<Site>),
        (status = 400, description = "Invalid input", body = ErrorEnvelope),
        (status = 404, description = "No such company, or a user not of that company", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(s): ApiJson<SiteInput>,
) -> ApiResult<Created<Site>> {
    check(Common {
        font: &s.videochat_font_type,
        color: &s.videochat_text_color,
        origins: Some(&s.allowed_origins),
    })?;
    let new = NewApiSite {
        company: s.company.into(),
        name: s.name.into(),
        users: s.users.into_iter().map(String::from).collect(),
        font: s
            .videochat_font_type
            .as_deref()
            .map(rules::font_with_fallback),
        text_color: s.videochat_text_color,
        invite_text: s.email_invite_text.map(String::from),
        cancel_text: s.email_cancel_text.map(String::from),
        hardwaretest_text: s.email_hardwaretest_text.map(String::from),
        hardwaretest: s.email_enable_hardwaretest.unwrap_or(false),
        origins: s.allowed_origins.into_iter().map(|o| o.0).collect(),
        logo: s
            .logo
            .as_deref()
            .map(|v| rules::image("logo", v))
            .transpose()?,
        background: s
            .waitingroom_background
            .as_deref()
            .map(|v| rules::image("waitingroom_background", v))
            .transpose()?,
    };
    Ok(Created(super::wire::site(
        state
            .store
            .create_site_api(&caller.scope, &new, &state.public_url)
            .await?,
        &state.public_url,
    )))
}

/// A site's prefill key, for the site owner's server (derived from the server's key and the
/// site's generation, never stored; `rotate_prefill_key` makes a new one).
#[utoipa::path(
    get,
    path = "/api/v2/management/sites/{id}/prefill-key",
    tag = "Management",
    params(("id" = String, Path, description = "The site's id", pattern = r"^[0-9a-f]{24}$")),
    responses(
        (status = 200, description = "The site's current prefill key", body = Envelope<PrefillKey>),
        (status = 404, description = "No such site under the caller", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn prefill_key(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Found<PrefillKey>> {
    let site = state
        .store
        .site_api(&caller.scope, &id)
        .await?
        .ok_or_else(|| AppError::not_found("site"))?;
    Ok(Found(PrefillKey {
        prefill_key: state.signer.prefill_key(&site.id, site.prefill_generation),
    }))
}

/// One site.
#[utoipa::path(
    get,
    path = "/api/v2/management/sites/{id}",
    tag = "Management",
    params(("id" = String, Path, description = "The site's id", pattern = r"^[0-9a-f]{24}$")),
    responses(
        (status = 200, description = "The site", body = Envelope<Site>),
        (status = 404, description = "No such site under the caller", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn one(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Found<Site>> {
    state
        .store
        .site_api(&caller.scope, &id)
        .await?
        .map(|s| Found(super::wire::site(s, &state.public_url)))
        .ok_or_else(|| AppError::not_found("site").into())
}

/// Change a site; `users` and `allowed_origins` replace the lists.
#[utoipa::path(
    patch,
    path = "/api/v2/management/sites/{id}",
    tag = "Management",
    params(("id" = String, Path, description = "The site's id", pattern = r"^[0-9a-f]{24}$")),
    request_body = SitePatch,
    responses(
        (status = 200, description = "The site as changed", body = Envelope<Site>),
        (status = 400, description = "Invalid input", body = ErrorEnvelope),
        (status = 404, description = "No such site, or a user not of its company", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
    ApiJson(p): ApiJson<SitePatch>,
) -> ApiResult<Found<Site>> {
    check(Common {
        font: &p.videochat_font_type,
        color: &p.videochat_text_color,
        origins: p.allowed_origins.as_deref(),
    })?;
    if let Some(url) = &p.privacy_url {
        rules::page_url("privacy_url", url)?;
    }
    if let Some(prefix) = &p.phone_prefix {
        rules::calling_code("phone_prefix", prefix)?;
    }
    let availability = p.availability.as_ref().map(availability).transpose()?;
    // A new image replaces the old one; empty removes it.
    let mut images = Vec::new();
    for (kind, field, value) in [
        (SiteImage::Logo, "logo", &p.logo),
        (
            SiteImage::Background,
            "waitingroom_background",
            &p.waitingroom_background,
        ),
    ] {
        match value.as_deref() {
            None => {}
            Some("") => images.push((kind, None)),
            Some(v) => images.push((kind, Some(rules::image(field, v)?))),
        }
    }
    let mut p = p;
    p.videochat_font_type = p
        .videochat_font_type
        .as_deref()
        .map(rules::font_with_fallback);
    state
        .store
        .update_site_api(
            &caller.scope,
            &id,
            &p,
            availability.as_ref(),
            &images,
            &state.public_url,
        )
        .await?
        .map(|s| Found(super::wire::site(s, &state.public_url)))
        .ok_or_else(|| AppError::not_found("site").into())
}

/// A site's logo or waiting-room background (public: they show on the booking form and in the
/// waiting room, on Consult's own origin).
pub async fn image(
    State(state): State<AppState>,
    axum::extract::Path((id, kind)): axum::extract::Path<(String, String)>,
) -> Response {
    let (Some(kind), true) = (
        SiteImage::parse(&kind),
        rules::id("id", &id, "site").is_ok(),
    ) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match state.store.site_image(&id, kind).await {
        Ok(Some((media_type, bytes))) => (
            [
                (header::CONTENT_TYPE, media_type),
                (header::CACHE_CONTROL, "public, max-age=300".into()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => ApiError(e).into_response(),
    }
}

/// Delete a site without upcoming meetings.
#[utoipa::path(
    delete,
    path = "/api/v2/management/sites/{id}",
    tag = "Management",
    params(("id" = String, Path, description = "The site's id", pattern = r"^[0-9a-f]{24}$")),
    responses(
        (status = 200, description = "Deleted", body = Envelope<crate::model::api::Deleted>),
        (status = 404, description = "No such site under the caller", body = ErrorEnvelope),
        (status = 412, description = "The site has upcoming meetings", body = ErrorEnvelope),
        Refusals,
    ),
)]
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Found<crate::model::api::Deleted>> {
    let gone = state.store.delete_site(&caller.scope, &id).await?;
    deleted("site", id, gone)
}

/// Check an availability change; errors name the field (`availability.…`).
fn availability(a: &AvailabilityPatch) -> Result<AvailabilityChange, AppError> {
    let range = |field: &str, v: Option<u32>, min: u32, max: u32| match v {
        Some(v) if !(min..=max).contains(&v) => Err(AppError::invalid(
            &format!("availability.{field}"),
            format!("must be {min} to {max}"),
        )),
        _ => Ok(v),
    };
    if let Some(zone) = &a.time_zone {
        if parse_zone(zone).is_none() {
            return Err(AppError::invalid(
                "availability.time_zone",
                "unknown time zone: use an IANA name such as Europe/Amsterdam",
            ));
        }
    }
    let closed_dates = match &a.closed_dates {
        None => None,
        Some(dates) => {
            let mut out = dates
                .iter()
                .enumerate()
                .map(|(i, d)| rules::date(&format!("availability.closed_dates[{i}]"), &d.0))
                .collect::<Result<Vec<_>, _>>()?;
            out.sort();
            out.dedup();
            Some(out)
        }
    };
    let special_hours = match &a.special_hours {
        None => None,
        Some(days) => {
            let mut map = crate::server::availability::SpecialHours::new();
            for (i, day) in days.iter().enumerate() {
                let at = format!("availability.special_hours[{i}]");
                let date = rules::date(&format!("{at}.date"), &day.date)?;
                let mut ranges =
                    super::wire::parse_periods(&format!("{at}.periods"), &day.periods)?;
                ranges.sort();
                if ranges.windows(2).any(|w| w[0].1 > w[1].0) {
                    return Err(AppError::invalid(
                        &format!("{at}.periods"),
                        "periods overlap",
                    ));
                }
                if map.insert(date, ranges).is_some() {
                    return Err(AppError::invalid(
                        &format!("{at}.date"),
                        "this date is listed twice",
                    ));
                }
            }
            Some(map)
        }
    };
    Ok(AvailabilityChange {
        special_hours,
        time_zone: a.time_zone.clone(),
        slot_minutes: range("slot_minutes", a.slot_minutes, 5, 480)?,
        buffer_minutes: range("buffer_minutes", a.buffer_minutes, 0, 240)?,
        min_notice_minutes: range("min_notice_minutes", a.min_notice_minutes, 0, 43200)?,
        horizon_days: range("horizon_days", a.horizon_days, 1, 366)?,
        opening_hours: a
            .opening_hours
            .as_ref()
            .map(|w| super::wire::opening_hours(w, "availability.opening_hours"))
            .transpose()?,
        closed_dates,
    })
}
