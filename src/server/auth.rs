//! Console authentication: e-mail and password, single-use login links, session cookies.
//!
//! `/login` is a plain HTML form (it works without the widget and under the strict CSP):
//! e-mail and password, checked against the argon2id hash the REST API or the set-password
//! link stored, at most [`LOGIN_ATTEMPTS`] tries a minute per address, one answer for every
//! failure (no telling which accounts exist), and the same argon2 work whether or not the
//! account exists. A login link (`/login/{token}`, printed by `consult demo`, minted by the
//! REST API's autologin) is exchanged once instead. Either gives a session cookie: HttpOnly,
//! SameSite=Lax, ending after [`SESSION_IDLE`] without use or [`SESSION_ABSOLUTE`] at the
//! latest; `POST /logout` ends it on the server.

use super::store::SessionUser;
use super::AppState;
use crate::model::i18n::Lang;
use crate::model::AppError;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Duration;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "consult_session";
/// A session unused this long ends.
pub const SESSION_IDLE: Duration = Duration::hours(2);
/// A session ends this long after login, used or not.
pub const SESSION_ABSOLUTE: Duration = Duration::hours(12);

/// Password tries per client address and minute.
pub const LOGIN_ATTEMPTS: u32 = 10;

/// Routes: `GET|POST /login`, `GET /login/{token}`, `POST /logout`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(password_login))
        .route("/login/{token}", get(login))
        .route("/logout", post(logout))
        .route("/activate/{token}", get(activate_form).post(activate))
}

/// The value of a cookie in a request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The user of the request's session cookie, if it is live.
pub async fn session_user(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<SessionUser>, AppError> {
    match cookie(headers, SESSION_COOKIE) {
        Some(token) if !token.is_empty() && token.len() <= 128 => {
            state.store.session_user(token, SESSION_IDLE).await
        }
        _ => Ok(None),
    }
}

fn session_cookie(state: &AppState, value: &str, max_age: i64) -> String {
    let secure = if state.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

async fn login(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let user = if token.len() <= 128 {
        state.store.consume_login_link(&token).await
    } else {
        Ok(None)
    };
    match user {
        Ok(Some(user)) => match state.store.create_session(&user, SESSION_ABSOLUTE).await {
            Ok(session) => (
                StatusCode::SEE_OTHER,
                [
                    (
                        header::SET_COOKIE,
                        session_cookie(&state, &session, SESSION_ABSOLUTE.num_seconds()),
                    ),
                    (header::LOCATION, "/console".to_string()),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                ],
            )
                .into_response(),
            Err(e) => e.into_response(),
        },
        Ok(None) => {
            let w = AccountWords::of(login_lang(None, &headers));
            page(StatusCode::GONE, w.lang, w.login_gone, w.login_gone_body)
        }
        Err(e) => e.into_response(),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The login page's language: `?lang=` (or the form's hidden `lang`), else the browser's
/// `Accept-Language`, else English.
fn login_lang(asked: Option<&str>, headers: &HeaderMap) -> Lang {
    if let Some(lang) = asked.and_then(Lang::from_tag) {
        return lang;
    }
    let accepted = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // `nl-NL,nl;q=0.9,en;q=0.8`: in the order given (browsers sort by weight already).
    Lang::choose(
        accepted
            .split(',')
            .map(|part| part.split(';').next().unwrap_or("").trim()),
    )
}

fn login_page(status: StatusCode, lang: Lang, email: &str, error: Option<&str>) -> Response {
    let t = lang.texts();
    let error = error
        .map(|e| format!("<p role=\"alert\" id=\"login-error\">{e}</p>"))
        .unwrap_or_default();
    let described = if error.is_empty() {
        ""
    } else {
        " aria-describedby=\"login-error\""
    };
    let mut res = page(
        status,
        lang,
        t.login_title(),
        &format!(
            "<form method=\"post\" action=\"/login\">{error}\
             <input type=\"hidden\" name=\"lang\" value=\"{code}\">\
             <p><label for=\"email\">{email_label}</label><br>\
             <input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required \
             value=\"{}\"{described}></p>\
             <p><label for=\"password\">{password_label}</label><br>\
             <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" \
             required{described}></p>\
             <button type=\"submit\">{submit}</button></form>",
            escape(email),
            code = lang.code(),
            email_label = t.login_email(),
            password_label = t.login_password(),
            submit = t.login_submit(),
        ),
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    res
}

#[derive(serde::Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// The login form.
async fn login_form(
    axum::extract::Query(q): axum::extract::Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    login_page(
        StatusCode::OK,
        login_lang(q.lang.as_deref(), &headers),
        "",
        None,
    )
}

#[derive(serde::Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    lang: Option<String>,
}

/// Check e-mail and password; a session cookie and the console, or the form again.
async fn password_login(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    let lang = login_lang(form.lang.as_deref(), &headers);
    let t = lang.texts();
    let quota = crate::server::store::Quota {
        limit: LOGIN_ATTEMPTS,
        interval: 1,
        unit: crate::server::store::QuotaUnit::Minute,
    };
    let client = super::client::behind(&state.config.trusted_proxies, peer.ip(), &headers);
    let standing = state
        .quotas
        .count(
            &format!("login:{}", super::client::limit_key(client)),
            quota,
            chrono::Utc::now(),
        )
        .await;
    if !standing.allowed {
        return login_page(
            StatusCode::TOO_MANY_REQUESTS,
            lang,
            &form.email,
            Some(t.login_too_many()),
        );
    }
    let email = form.email.chars().take(254).collect::<String>();
    let password = form.password.chars().take(1024).collect::<String>();
    let candidate = match state.store.login_candidate(&email).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let (user, hash) = match candidate {
        Some((user, hash)) => (Some(user), hash),
        None => (None, None),
    };
    let ok =
        crate::server::services::accounts::verify_password(password, hash).await && user.is_some();
    let Some(user) = user.filter(|_| ok) else {
        tracing::info!("console login refused");
        return login_page(
            StatusCode::UNAUTHORIZED,
            lang,
            &email,
            Some(t.login_refused()),
        );
    };
    match state.store.create_session(&user, SESSION_ABSOLUTE).await {
        Ok(session) => (
            StatusCode::SEE_OTHER,
            [
                (
                    header::SET_COOKIE,
                    session_cookie(&state, &session, SESSION_ABSOLUTE.num_seconds()),
                ),
                (header::LOCATION, "/console".to_string()),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        if let Err(e) = state.store.delete_session(token).await {
            return e.into_response();
        }
    }
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, session_cookie(&state, "", 0)),
            (header::LOCATION, "/console".to_string()),
        ],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; consult_session=abc; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&h, "consult_session"), Some("abc"));
        assert_eq!(cookie(&h, "missing"), None);
    }
}

fn page(status: StatusCode, lang: Lang, title: &str, body: &str) -> Response {
    let code = lang.code();
    (
        status,
        Html(format!(
            "<!doctype html><html lang=\"{code}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title}</title></head><body><main><h1>{title}</h1>{body}</main></body></html>"
        )),
    )
        .into_response()
}

/// The words of the account pages served outside the widget (set-password, dead links), in
/// the account's language or else the browser's.
struct AccountWords {
    lang: Lang,
    set_title: &'static str,
    label: &'static str,
    hint: &'static str,
    button: &'static str,
    done_title: &'static str,
    done_body: &'static str,
    gone_title: &'static str,
    gone_body: &'static str,
    login_gone: &'static str,
    login_gone_body: &'static str,
}

impl AccountWords {
    fn of(lang: Lang) -> AccountWords {
        match lang {
            Lang::Nl => AccountWords {
                lang,
                set_title: "Kies uw wachtwoord",
                label: "Nieuw wachtwoord",
                hint: "Minstens 8 tekens, met een kleine letter, een hoofdletter en een cijfer.",
                button: "Wachtwoord opslaan",
                done_title: "Uw wachtwoord is opgeslagen",
                done_body: "<p>U kunt nu inloggen in de console.</p>",
                gone_title: "Deze link is niet meer geldig",
                gone_body: "<p>Links om een wachtwoord te kiezen werken één keer, 7 dagen lang. Vraag om een nieuwe.</p>",
                login_gone: "Deze inloglink is niet meer geldig",
                login_gone_body: "<p>Inloglinks werken één keer en verlopen. Vraag om een nieuwe.</p>",
            },
            Lang::En => AccountWords {
                lang,
                set_title: "Set your password",
                label: "New password",
                hint: "At least 8 characters, with a lower case letter, an upper case letter and a digit.",
                button: "Set password",
                done_title: "Your password is set",
                done_body: "<p>You can now log in to the console.</p>",
                gone_title: "This link is no longer valid",
                gone_body: "<p>Set-password links work once, for 7 days. Ask for a new one.</p>",
                login_gone: "This login link is no longer valid",
                login_gone_body: "<p>Login links work once and expire. Ask for a new one.</p>",
            },
        }
    }

    /// For a set-password link: its account's language if the link is known, else the
    /// browser's.
    async fn of_activation(state: &AppState, token: &str, headers: &HeaderMap) -> AccountWords {
        let account = state
            .store
            .activation_locale(token)
            .await
            .ok()
            .flatten()
            .and_then(|l| Lang::from_tag(&l));
        AccountWords::of(account.unwrap_or_else(|| login_lang(None, headers)))
    }
}

fn activation_form(w: &AccountWords, token: &str, error: Option<&str>) -> String {
    let error = error
        .map(|e| format!("<p role=\"alert\" id=\"password-error\">{e}</p>"))
        .unwrap_or_default();
    format!(
        "<form method=\"post\" action=\"/activate/{}\">{error}\
         <label for=\"password\">{}</label>\
         <p id=\"password-hint\">{}</p>\
         <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" required \
         aria-describedby=\"password-hint{}\">\
         <button type=\"submit\">{}</button></form>",
        // The token comes from the address bar: escaped like any other input.
        escape(token),
        w.label,
        w.hint,
        if error.is_empty() { "" } else { " password-error" },
        w.button,
    )
}

/// The set-password page of an activation link.
async fn activate_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let w = AccountWords::of_activation(&state, &token, &headers).await;
    match state.store.activation_valid(&token).await {
        Ok(true) => page(
            StatusCode::OK,
            w.lang,
            w.set_title,
            &activation_form(&w, &token, None),
        ),
        Ok(false) => page(StatusCode::GONE, w.lang, w.gone_title, w.gone_body),
        Err(e) => e.into_response(),
    }
}

#[derive(serde::Deserialize)]
struct PasswordForm {
    password: String,
}

/// Set the password (same policy as the REST API).
async fn activate(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<PasswordForm>,
) -> Response {
    let w = AccountWords::of_activation(&state, &token, &headers).await;
    if let Err(e) = crate::model::api::rules::password("password", &form.password) {
        let msg = match w.lang {
            Lang::En => format!("The password {}.", e.message),
            // The policy is the hint's: said in full rather than half-translated.
            Lang::Nl => format!("Dit wachtwoord voldoet niet. {}", w.hint),
        };
        return page(
            StatusCode::BAD_REQUEST,
            w.lang,
            w.set_title,
            &activation_form(&w, &token, Some(&msg)),
        );
    }
    let hash = match crate::server::services::accounts::hash_password(form.password).await {
        Ok(h) => h,
        Err(e) => return e.into_response(),
    };
    match state.store.activate(&token, &hash).await {
        Ok(true) => page(StatusCode::OK, w.lang, w.done_title, w.done_body),
        Ok(false) => page(StatusCode::GONE, w.lang, w.gone_title, w.gone_body),
        Err(e) => e.into_response(),
    }
}
