//! The appointments API under `/api/v1/appointments`, compatible with the seed's
//! (shared/seeds/appointments-api.txt): an integrator changes the base URL to Consult's public
//! URL and uses a bearer token from `POST /api/v2/oauth2/token` of a company-level client.
//! Bodies come form-encoded (as the seed's example sends them) or as JSON; answers are
//! `{"data": …}`; errors are Laravel's (`{"message", "errors": {field: [...]}}`, 422 for
//! wrong fields). A thin adapter over [`crate::server::services::appointments`]; its
//! OpenAPI document is `/api/v1/appointments/openapi.json`.

pub mod input;
pub mod wire;

use crate::model::appointment::Status;
use crate::model::{AppError, ErrorCode};
use crate::server::services::appointments::{self as service, Refused};
use crate::server::store::{AppointmentFilter, Scope};
use crate::server::AppState;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use chrono::Utc;
use input::Errors;
use serde_json::Value;
use std::sync::OnceLock;
use utoipa::OpenApi;
use wire::{Appointment, Data, ErrorBody};

/// Largest body read (the seed's body is under 2 kB).
const MAX_BODY: usize = 64 * 1024;

/// Routes: `/api/v1/appointments…` and the pre-call page.
pub fn router(state: AppState) -> Router<AppState> {
    let api = Router::new()
        .route("/api/v1/appointments", get(list).post(create))
        .route("/api/v1/appointments/{id}", get(one).patch(change))
        .route("/api/v1/appointments/{id}/cancel", post(cancel))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(state, middleware));
    Router::new()
        .merge(api)
        .route("/api/v1/appointments/openapi.json", get(json))
}

/// An error of this API, answered Laravel's way.
#[derive(Debug)]
pub struct ApptError(Refused);

impl From<AppError> for ApptError {
    fn from(e: AppError) -> Self {
        ApptError(Refused::Other(e))
    }
}

impl From<Refused> for ApptError {
    fn from(e: Refused) -> Self {
        ApptError(e)
    }
}

fn answer(status: StatusCode, message: String, errors: Option<Errors>) -> Response {
    (status, Json(ErrorBody { message, errors })).into_response()
}

impl IntoResponse for ApptError {
    fn into_response(self) -> Response {
        match self.0 {
            Refused::Invalid(errors) => {
                // Laravel's summary: the first message, and how many more.
                let count: usize = errors.values().map(Vec::len).sum();
                let first = errors
                    .values()
                    .flatten()
                    .next()
                    .cloned()
                    .unwrap_or_else(|| "The given data was invalid.".into());
                let message = match count {
                    0 | 1 => first,
                    2 => format!("{first} (and 1 more error)"),
                    n => format!("{first} (and {} more errors)", n - 1),
                };
                answer(StatusCode::UNPROCESSABLE_ENTITY, message, Some(errors))
            }
            Refused::Other(e) => {
                let status = match e.code {
                    // A wrong field, or a body or query that is not one: Laravel's 422.
                    ErrorCode::Invalid | ErrorCode::BadRequest => StatusCode::UNPROCESSABLE_ENTITY,
                    _ => {
                        StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
                    }
                };
                let errors = e
                    .field
                    .as_ref()
                    .map(|f| Errors::from([(f.clone(), vec![e.message.clone()])]));
                let mut res = answer(status, e.message, errors);
                if let Some(after) = e.retry_after {
                    if let Ok(v) = HeaderValue::from_str(&after.to_string()) {
                        res.headers_mut().insert(header::RETRY_AFTER, v);
                    }
                }
                res
            }
        }
    }
}

type ApptResult<T> = Result<T, ApptError>;

/// The company a request acts for.
#[derive(Clone, Debug)]
struct Company(String);

/// Bearer token → a company-level client (a reseller's or dealer's token names no company:
/// 403), then the client's call quota, shared with `/api/v2`.
async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (pending, mut req) = crate::server::audit::Pending::of(req).await;
    let caller = match crate::server::api::caller::bearer(req.headers()) {
        Some(token) => state.store.caller(token).await,
        None => Ok(None),
    };
    let caller = match caller {
        Ok(Some(c)) => c,
        Ok(None) => {
            let mut res = answer(StatusCode::UNAUTHORIZED, "Unauthenticated.".into(), None);
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return res;
        }
        Err(e) => return ApptError::from(e).into_response(),
    };
    let Scope::Company(company) = caller.scope else {
        return answer(
            StatusCode::FORBIDDEN,
            "This API is for a company's client: a reseller's or dealer's token names no \
             company."
                .into(),
            None,
        );
    };
    let standing = state
        .quotas
        .count(
            &format!("client:{}", caller.client_id),
            caller.quota,
            Utc::now(),
        )
        .await;
    let remaining = standing.quota.limit.saturating_sub(standing.used);
    let mut res = if standing.allowed {
        let actor = crate::server::audit::Actor::ApiClient {
            id: caller.client_id.clone(),
            scope: Scope::Company(company.clone()),
        };
        req.extensions_mut().insert(Company(company));
        let res = next.run(req).await;
        crate::server::audit::finish(&state, Some(actor), pending, res).await
    } else {
        let wait = (standing.reset - Utc::now()).num_seconds().max(1);
        let mut res = answer(
            StatusCode::TOO_MANY_REQUESTS,
            "Too Many Attempts.".into(),
            None,
        );
        if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    };
    let h = res.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", standing.quota.limit),
        ("x-ratelimit-remaining", remaining),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
            h.insert(name, v);
        }
    }
    res
}

/// The body as fields: form-encoded or JSON, by its content type (none: form, as PHP reads).
fn fields(headers: &HeaderMap, body: &Bytes) -> Result<input::Fields, ApptError> {
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if kind.starts_with("application/json") || kind.ends_with("+json") {
        input::from_json(body).map_err(|m| ApptError::from(AppError::new(ErrorCode::BadRequest, m)))
    } else if kind.is_empty() || kind.starts_with("application/x-www-form-urlencoded") {
        Ok(input::from_form(body))
    } else {
        Err(ApptError::from(AppError::new(
            ErrorCode::BadRequest,
            "Send the body form-encoded (application/x-www-form-urlencoded) or as JSON \
             (application/json).",
        )))
    }
}

/// The answer for an appointment, with those of `recordings` made in its room.
fn to_wire(
    state: &AppState,
    a: crate::server::store::AppointmentRow,
    recordings: &[crate::server::store::RecordingRow],
) -> ApptResult<Appointment> {
    let urls = service::urls(state, &a)?;
    let mine = recordings
        .iter()
        .filter(|r| r.room_id == a.room_id && r.company == a.company)
        .map(wire::RecordingBrief::of)
        .collect();
    Ok(Appointment::of(a, urls, mine))
}

/// `{"data": …}` for one appointment.
async fn one_answer(
    state: &AppState,
    a: crate::server::store::AppointmentRow,
) -> ApptResult<Json<Data<Appointment>>> {
    let recordings = state.store.room_recordings(&[a.room_id.as_str()]).await?;
    Ok(Json(Data {
        data: to_wire(state, a, &recordings)?,
    }))
}

/// Create an appointment.
#[utoipa::path(
    post,
    path = "/api/v1/appointments",
    tag = "Appointments",
    request_body(content = inline(AppointmentBody), description = "The seed's fields, form-encoded (`claimant[name]`, booleans as 'true'/'false', '' for none) or as JSON (a `claimant` object).", content_type = "application/json"),
    responses(
        (status = 201, description = "Made; the claimant is invited by e-mail and SMS", body = inline(Data<Appointment>)),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a company's client", body = ErrorBody),
        (status = 409, description = "The reference is taken in this company", body = ErrorBody),
        (status = 422, description = "Wrong fields, each named", body = ErrorBody),
        (status = 429, description = "Over the client's quota", body = ErrorBody),
    ),
    security(("BearerAuth" = [])),
)]
async fn create(
    State(state): State<AppState>,
    Extension(Company(company)): Extension<Company>,
    headers: HeaderMap,
    body: Bytes,
) -> ApptResult<Response> {
    let fields = fields(&headers, &body)?;
    let input = input::check(&fields, Utc::now(), true).map_err(Refused::Invalid)?;
    let a = service::create(&state, &company, input).await?;
    Ok((StatusCode::CREATED, one_answer(&state, a).await?).into_response())
}

/// One appointment.
#[utoipa::path(
    get,
    path = "/api/v1/appointments/{id}",
    tag = "Appointments",
    params(("id" = String, Path, description = "The appointment's id")),
    responses(
        (status = 200, description = "The appointment", body = inline(Data<Appointment>)),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such appointment in this company", body = ErrorBody),
    ),
    security(("BearerAuth" = [])),
)]
async fn one(
    State(state): State<AppState>,
    Extension(Company(company)): Extension<Company>,
    Path(id): Path<String>,
) -> ApptResult<Json<Data<Appointment>>> {
    one_answer(&state, service::get(&state, &company, &id).await?).await
}

/// Change the given fields.
#[utoipa::path(
    patch,
    path = "/api/v1/appointments/{id}",
    tag = "Appointments",
    params(("id" = String, Path, description = "The appointment's id")),
    request_body(content = inline(AppointmentBody), description = "Only the fields to change; a new time moves the room and tells the claimant and the agent.", content_type = "application/json"),
    responses(
        (status = 200, description = "Changed", body = inline(Data<Appointment>)),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such appointment in this company", body = ErrorBody),
        (status = 409, description = "Cancelled or completed, or the reference is taken", body = ErrorBody),
        (status = 422, description = "Wrong fields, each named", body = ErrorBody),
    ),
    security(("BearerAuth" = [])),
)]
async fn change(
    State(state): State<AppState>,
    Extension(Company(company)): Extension<Company>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApptResult<Json<Data<Appointment>>> {
    let fields = fields(&headers, &body)?;
    let input = input::check(&fields, Utc::now(), false).map_err(Refused::Invalid)?;
    one_answer(&state, service::change(&state, &company, &id, input).await?).await
}

/// Cancel.
#[utoipa::path(
    post,
    path = "/api/v1/appointments/{id}/cancel",
    tag = "Appointments",
    params(("id" = String, Path, description = "The appointment's id")),
    request_body(content = inline(CancelBody), description = "Why (optional).", content_type = "application/json"),
    responses(
        (status = 200, description = "Cancelled (again: the same answer); the links are dead, everyone is told", body = inline(Data<Appointment>)),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such appointment in this company", body = ErrorBody),
        (status = 409, description = "Completed already", body = ErrorBody),
        (status = 422, description = "Wrong fields, each named", body = ErrorBody),
    ),
    security(("BearerAuth" = [])),
)]
async fn cancel(
    State(state): State<AppState>,
    Extension(Company(company)): Extension<Company>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApptResult<Json<Data<Appointment>>> {
    let fields = fields(&headers, &body)?;
    let mut errors = Errors::new();
    let mut reason = None;
    for (k, v) in fields {
        if k == "cancellation_reason" {
            match v {
                Some(v) if v.chars().count() > service::REASON_MAX => {
                    errors.insert(
                        k,
                        vec![format!(
                            "The cancellation reason field must not be greater than {} characters.",
                            service::REASON_MAX
                        )],
                    );
                }
                Some(v) if v.chars().any(|c| c.is_control() && c != '\n') => {
                    errors.insert(
                        k,
                        vec!["The cancellation reason field must be text without control characters.".into()],
                    );
                }
                v => reason = v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()),
            }
        } else {
            let shown: String = k.chars().take(60).collect();
            errors.insert(
                shown.clone(),
                vec![format!(
                    "The {} field is prohibited.",
                    shown.replace('_', " ")
                )],
            );
        }
    }
    if !errors.is_empty() {
        return Err(Refused::Invalid(errors).into());
    }
    one_answer(
        &state,
        service::cancel(&state, &company, &id, reason).await?,
    )
    .await
}

/// Filters and paging of the list.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ListQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100000)]
    page: Option<u32>,
    /// Items per page (1 to 100, default 15).
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<u32>,
    /// Only this status: scheduled, in_progress, completed, cancelled.
    #[param(pattern = "^(scheduled|in_progress|completed|cancelled)$")]
    status: Option<String>,
    /// Only this reference.
    reference: Option<String>,
    /// Starting at or after this instant (or date: its start, UTC).
    from: Option<String>,
    /// Starting before this instant (or date: the end of that day, UTC).
    to: Option<String>,
}

/// The company's appointments, by start.
#[utoipa::path(
    get,
    path = "/api/v1/appointments",
    tag = "Appointments",
    params(ListQuery),
    responses(
        (status = 200, description = "A page of appointments", body = wire::Page),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 422, description = "Wrong parameters, each named", body = ErrorBody),
    ),
    security(("BearerAuth" = [])),
)]
async fn list(
    State(state): State<AppState>,
    Extension(Company(company)): Extension<Company>,
    RawQuery(query): RawQuery,
) -> ApptResult<Json<wire::Page>> {
    let mut errors = Errors::new();
    let mut fail = |k: &str, m: String| errors.entry(k.to_string()).or_default().push(m);
    let (mut page, mut per_page) = (1u32, 15u32);
    let mut filter = AppointmentFilter::default();
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let v = v.trim();
        match k.as_ref() {
            "page" => match v.parse::<u32>() {
                Ok(n) if (1..=100_000).contains(&n) => page = n,
                _ => fail("page", "The page field must be an integer from 1.".into()),
            },
            "per_page" => match v.parse::<u32>() {
                Ok(n) if (1..=100).contains(&n) => per_page = n,
                _ => fail(
                    "per_page",
                    "The per page field must be between 1 and 100.".into(),
                ),
            },
            "status" => match Status::parse(v) {
                Some(s) => filter.status = Some(s),
                None => fail(
                    "status",
                    "The selected status is invalid (scheduled, in_progress, completed, cancelled)."
                        .into(),
                ),
            },
            "reference" if !v.is_empty() && v.chars().count() <= 100 => {
                filter.reference = Some(v.to_string())
            }
            "reference" => fail(
                "reference",
                "The reference field must be 1 to 100 characters.".into(),
            ),
            "from" | "to" => {
                let is_to = k == "to";
                let at = input::parse_instant(v).or_else(|| {
                    chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                        .ok()
                        .map(|d| {
                            let d = if is_to { d.succ_opt().unwrap_or(d) } else { d };
                            d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
                        })
                });
                match (at, is_to) {
                    (Some(t), false) => filter.from = Some(t),
                    (Some(t), true) => filter.to = Some(t),
                    (None, _) => fail(
                        &k,
                        format!(
                            "The {k} field must be a date (YYYY-MM-DD) or a date-time."
                        ),
                    ),
                }
            }
            other => {
                let shown: String = other.chars().take(60).collect();
                fail(&shown, format!("The {shown} parameter is not known."))
            }
        }
    }
    if !errors.is_empty() {
        return Err(Refused::Invalid(errors).into());
    }
    let (rows, total) = state
        .store
        .appointments(&company, &filter, (page - 1) * per_page, per_page)
        .await?;
    let count = rows.len() as u64;
    let rooms: Vec<&str> = rows.iter().map(|a| a.room_id.as_str()).collect();
    let recordings = state.store.room_recordings(&rooms).await?;
    let data = rows
        .into_iter()
        .map(|a| to_wire(&state, a, &recordings))
        .collect::<ApptResult<Vec<_>>>()?;
    let last_page = total.div_ceil(per_page as u64).max(1);
    let path = format!("{}/api/v1/appointments", state.public_url);
    let at = |n: u64| format!("{path}?page={n}&per_page={per_page}");
    let first_item = (page as u64 - 1) * per_page as u64 + 1;
    Ok(Json(wire::Page {
        data,
        links: wire::PageLinks {
            first: at(1),
            last: at(last_page),
            prev: (page > 1).then(|| at(page as u64 - 1)),
            next: ((page as u64) < last_page).then(|| at(page as u64 + 1)),
        },
        meta: wire::PageMeta {
            current_page: page,
            from: (count > 0).then_some(first_item),
            last_page,
            path,
            per_page,
            to: (count > 0).then(|| first_item + count - 1),
            total,
        },
    }))
}

/// The fields of a create or a change (a change sends only those it changes).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct AppointmentBody {
    /// The case system's reference (required; unique in the company: 409 when taken).
    #[schema(max_length = 100)]
    reference: String,
    /// Start, in the future and within a year: `2025-08-19T16:50:00.000000` (UTC) or with an
    /// offset (required).
    #[schema(format = DateTime)]
    appointment_at: String,
    /// Minutes, 5 to 480 (required).
    #[schema(minimum = 5, maximum = 480)]
    duration_in_minutes: u32,
    /// An interpreter joins (adds `interpreter_url`, a third seat).
    is_interpreter_needed: Option<bool>,
    /// Needed with `is_interpreter_needed`.
    interpreter_language: Option<String>,
    /// The group of agents it is given to: the name of one of the company's sites (its agents
    /// may take it from the console).
    department: Option<String>,
    /// Consult: the user (24 hex digits) who hosts; none: any agent may take it.
    agent: Option<String>,
    /// Consult: the claimant's language, `en` (default) or `nl`.
    locale: Option<String>,
    /// Consult: the zone invitations state the time in (default UTC).
    time_zone: Option<String>,
    /// The claimant (`claimant[name]` … form-encoded).
    claimant: Option<ClaimantBody>,
    /// Recording: the agent may record the call (in the cloud, started by the agent).
    features_call_recording_enable: Option<bool>,
    /// The agent may take one participant aside (everyone else waits) and bring them back.
    features_breakout_room_enable: Option<bool>,
    /// The agent may use a camera (default true).
    features_webcam_access_agent_enable: Option<bool>,
    /// The claimant may use a camera (default true).
    features_webcam_access_claimant_enable: Option<bool>,
    /// Blur the claimant's background where the browser can (default false).
    features_webcam_background_blurring_enable: Option<bool>,
    /// Microphones (default true).
    features_microphone_access_enable: Option<bool>,
    /// Screen sharing (default false).
    features_screen_sharing_enable: Option<bool>,
    /// Chat (default false; the server refuses messages when off).
    features_messages_chat_enable: Option<bool>,
    /// The participant list (default false).
    features_participant_list_enable: Option<bool>,
    /// `low`, `medium`, `high`, or empty.
    #[schema(pattern = "^(|low|medium|high)$")]
    features_bandwidth: Option<String>,
    /// Send the pages elsewhere after the call.
    use_custom_post_call_redirect: Option<bool>,
    /// https only.
    #[schema(pattern = "^(|https://[!-~]{1,1992})$")]
    custom_user_post_call_redirect_url: Option<String>,
    /// https only.
    #[schema(pattern = "^(|https://[!-~]{1,1992})$")]
    custom_agent_post_call_redirect_url: Option<String>,
}

/// The claimant's fields.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct ClaimantBody {
    /// Name (required at creation).
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    /// `YYYY-MM-DD`, before today.
    #[schema(format = Date)]
    date_of_birth: Option<String>,
    /// International form, `+442071234567`.
    #[schema(pattern = r"^\+[1-9][0-9]{7,14}$")]
    phone_number: Option<String>,
    /// E-mail address.
    #[schema(format = Email)]
    email: Option<String>,
}

/// The body of a cancellation.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct CancelBody {
    /// Why (at most 500 characters).
    cancellation_reason: Option<String>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Consult appointments API",
        description = "Video appointments with a claimant, compatible with the appointments API \
            of the seed: set the base URL to Consult's public URL and send \
            `Authorization: Bearer <token>` from `POST /api/v2/oauth2/token` of a company's \
            client. Bodies form-encoded or JSON. Errors are `{\"message\", \"errors\"}`; wrong \
            fields answer 422 with each named.",
        version = "1.0.0",
    ),
    paths(create, list, one, change, cancel),
    modifiers(&Security),
)]
struct AppointmentsDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        crate::server::whereby::bearer_auth(doc, "An access token of a company's API client");
    }
}

/// The OpenAPI 3.1 document of the appointments API.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::to_value(AppointmentsDoc::openapi()).unwrap_or(Value::Null))
}

async fn json() -> impl IntoResponse {
    (
        [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
        Json(document().clone()),
    )
}
