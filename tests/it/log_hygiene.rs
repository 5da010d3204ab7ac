//! The server's log, as an operator gets it, holds no personal data and no secret: the real
//! `consult demo` binary logs JSON (`--log-format json`) at `info` (`debug` for Consult's own
//! lines) while a customer goes the whole way in Chromium (booking form on the host page,
//! invitation e-mail, waiting room, admitted by the agent, video both ways) and an integrator
//! follows the API quick start with other people's data (e-mail and text invitations really
//! sent, one address refused by the relay). Then the whole log is searched for every name,
//! e-mail address (and its local part), phone number (as typed, E.164, digits), password,
//! token, link secret and every hash the database keeps of one; every line must be one JSON
//! object, and the lines of requests must carry the ids the requests were answered with.
//!
//! Needs Debian's chromium and chromium-driver, the widget built into dist/ and the SMTP sink
//! (scripts/test.sh provides all three).

use crate::support;

use serde_json::Value;
use std::collections::BTreeSet;
use support::browser::Driver;
use support::process::{free_port, ConsultProcess};
use support::sms::SmsSink;
use support::smtp::SmtpSink;

/// The customer who books in the browser.
const CUSTOMER: (&str, &str) = ("Philomena", "Quarrington");
const CUSTOMER_EMAIL: &str = "philomena.quarrington@larkspur-mail.test";
/// As typed into the form; stored as `+31648172953`.
const CUSTOMER_PHONE: &str = "+31 6 4817 2953";

/// The people the quick start's bodies name, in the order they appear there.
const PEOPLE: [(&str, &str); 6] = [
    ("Ignatius", "Blumenfeld"),
    ("Cordelia", "Featherstonehaugh"),
    ("Evander", "Thistlewood"),
    ("Rosalind", "Ockenden"),
    ("Leopold", "Vantongeren"),
    ("Marisol", "Quenneville"),
];
/// The agent's password in the quick start.
const PASSWORD: &str = "Marmalade-Zeppelin-4711!";
/// Recipients whose address holds this are refused by the relay, the address quoted in its
/// answer (as real relays do).
const REFUSED: &str = "nobody-here";

/// A request id the test sends (a proxy's, kept by the server): found by the search.
const CANARY: &str = "hygiene-canary-5b1d9e";

/// Everything that must never be in the log, each with what it is (for the failure message).
#[derive(Default)]
struct Secrets(Vec<(String, String)>);

impl Secrets {
    fn add(&mut self, what: &str, value: &str) {
        let value = value.trim();
        // Too short to be told apart from ordinary text (an id's fragment, a word).
        if value.chars().count() >= 4 && !self.0.iter().any(|(_, v)| v == value) {
            self.0.push((what.to_string(), value.to_string()));
        }
    }

    fn person(&mut self, first: &str, last: &str) {
        self.add("a first name", first);
        self.add("a last name", last);
        self.add("a name", &format!("{first} {last}"));
    }

    fn email(&mut self, email: &str) {
        self.add("an e-mail address", email);
        self.add("an e-mail address, URL-encoded", &email.replace('@', "%40"));
        self.add(
            "an e-mail address's local part",
            email.split('@').next().unwrap(),
        );
    }

    /// A phone number as typed, in E.164 and as digits alone.
    fn phone(&mut self, typed: &str) {
        let e164: String = typed
            .chars()
            .filter(|c| *c == '+' || c.is_ascii_digit())
            .collect();
        self.add("a phone number as typed", typed);
        self.add("a phone number (E.164)", &e164);
        self.add("a phone number's digits", e164.trim_start_matches('+'));
        self.add("a phone number, URL-encoded", &e164.replace('+', "%2B"));
    }

    /// The secret parts of every URL in `text`: path segments and query values long enough
    /// to be a token or hash (`/join/{hash}`, `?token=…`, `roomKey=…`).
    fn urls_in(&mut self, what: &str, text: &str) {
        let re = regex::Regex::new(r#"https?://[^\s"'<>\]]+"#).unwrap();
        for url in re.find_iter(text) {
            let Ok(url) = reqwest::Url::parse(url.as_str().trim_end_matches(['.', ',', ')']))
            else {
                continue;
            };
            for segment in url.path_segments().into_iter().flatten() {
                if segment.len() >= 16 {
                    self.add(what, segment);
                }
            }
            for (_, v) in url.query_pairs() {
                if v.len() >= 16 {
                    self.add(what, &v);
                }
            }
        }
    }
}

/// Give the quick start's people the names above (and their addresses, numbers and the
/// agent's password), noting each as a secret. An object with a `first_name` or an `email` is
/// a person; the `name` of a participant too.
fn personalise(v: &mut Value, next: &mut usize, secrets: &mut Secrets) {
    match v {
        Value::Object(o) => {
            if o.contains_key("first_name") || o.contains_key("email") {
                let (first, last) = PEOPLE[*next % PEOPLE.len()];
                let n = *next;
                *next += 1;
                let local = if n == PEOPLE.len() - 1 {
                    format!("{REFUSED}.{}", last.to_lowercase())
                } else {
                    format!("{}.{}", first.to_lowercase(), last.to_lowercase())
                };
                let email = format!("{local}@quokka-post.test");
                let phone = format!("+316{:04}{:04}", 5920 + n * 7, 4417 + n * 13);
                if o.contains_key("first_name") {
                    o.insert("first_name".into(), first.into());
                    o.insert("last_name".into(), last.into());
                    secrets.person(first, last);
                } else if o.contains_key("name") {
                    o.insert("name".into(), format!("{first} {last}").into());
                    secrets.person(first, last);
                }
                if o.contains_key("email") {
                    o.insert("email".into(), email.clone().into());
                    secrets.email(&email);
                }
                if o.contains_key("phone") {
                    o.insert("phone".into(), phone.clone().into());
                    secrets.phone(&phone);
                }
                if o.contains_key("password") {
                    o.insert("password".into(), PASSWORD.into());
                    secrets.add("a password", PASSWORD);
                }
            }
            for x in o.values_mut() {
                personalise(x, next, secrets);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| personalise(x, next, secrets)),
        _ => {}
    }
}

/// The request id a test's request was answered with.
fn request_id(headers: &reqwest::header::HeaderMap) -> String {
    headers
        .get("x-request-id")
        .expect("every answer has a request id")
        .to_str()
        .unwrap()
        .to_string()
}

/// Every value the database keeps of a token, hash, secret or link (columns named so), at
/// least 16 characters long: what the store derives from the secrets it was given.
async fn stored_secrets(data: &std::path::Path) -> Vec<(String, String)> {
    let pool = support::db::pool(data).await;
    let columns: Vec<(String, String)> = if support::db::on_postgres() {
        sqlx::query_as(
            "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns \
             WHERE table_schema = current_schema()",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    } else {
        sqlx::query_as(
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table'",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    let secret = regex::Regex::new(r"(^|_)(hash|token|secret|link_id)$").unwrap();
    let mut found = Vec::new();
    for (table, column) in columns {
        if !secret.is_match(&column) {
            continue;
        }
        let values: Vec<Option<String>> = sqlx::query_scalar(&format!(
            "SELECT CAST({column} AS TEXT) FROM {table} WHERE {column} IS NOT NULL"
        ))
        .fetch_all(&pool)
        .await
        .unwrap();
        found.extend(
            values
                .into_iter()
                .flatten()
                .filter(|v| v.len() >= 16)
                .map(|v| (format!("{table}.{column}"), v)),
        );
    }
    pool.close().await;
    found
}

/// The log's lines, each parsed (panics on one that is not a JSON object).
fn parsed(log: &str) -> Vec<Value> {
    log.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match serde_json::from_str::<Value>(l) {
            Ok(v) if v.is_object() => v,
            _ => panic!("a log line that is not a JSON object: {l}"),
        })
        .collect()
}

/// The access lines (one per request): `(request_id, method, route, status)`.
fn access_lines(lines: &[Value]) -> Vec<(String, String, String, u64)> {
    lines
        .iter()
        .filter(|l| l["fields"]["message"] == "answered")
        .map(|l| {
            let span = &l["span"];
            assert_eq!(span["name"], "request", "{l}");
            (
                span["request_id"]
                    .as_str()
                    .expect("a request id")
                    .to_string(),
                span["method"].as_str().expect("a method").to_string(),
                span["route"].as_str().expect("a route").to_string(),
                l["fields"]["status"].as_u64().expect("a status"),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_holds_no_personal_data_and_no_secret() {
    let index = consult::server::config::default_dist_dir().join("index.html");
    assert!(
        index.exists(),
        "the widget is not built: run `trunk build --release` first"
    );
    let smtp = SmtpSink::start_refusing(REFUSED);
    let sms = SmsSink::start().await;
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let (port, host_port) = (free_port(), free_port());
    let mut cmd = ConsultProcess::demo_command(&data, port, host_port);
    cmd.args(["--log-format", "json", "--smtp-host", "127.0.0.1"])
        .arg("--smtp-port")
        .arg(smtp.port.to_string())
        .args(["--smtp-from", "Consult <noreply@consult.test>"])
        .arg("--sms-url")
        .arg(&sms.url)
        // What an operator turns on to look closer: Consult's own debug lines too.
        .env("RUST_LOG", "info,consult=debug");
    let mut server = ConsultProcess::start(cmd, port).await;
    let host_url = format!("http://127.0.0.1:{host_port}");
    let mut secrets = Secrets::default();
    // The ids the test's own requests were answered with.
    let mut ids = BTreeSet::new();

    // (a) The whole journey in Chromium.
    let login = server.demo_login_link();
    secrets.urls_in("the agent's login link", &login);
    secrets.person(CUSTOMER.0, CUSTOMER.1);
    secrets.email(CUSTOMER_EMAIL);
    secrets.phone(CUSTOMER_PHONE);
    // The demo's agent.
    secrets.add("the agent's e-mail address", "agent@demo.consult.test");
    let customer_name = format!("{} {}", CUSTOMER.0, CUSTOMER.1);
    let driver = Driver::start();
    let customer = driver.session().await;
    let agent = driver.session().await;
    let booked = customer
        .book_on_host_page(&host_url, &customer_name, CUSTOMER_EMAIL, CUSTOMER_PHONE)
        .await;
    secrets.urls_in("the join link", &booked);
    // The invitation comes by e-mail, with the same link.
    let mails = smtp.wait_for(1, 60).await;
    assert!(
        mails.iter().any(|m| m.contains(&booked)),
        "no invitation with the join link {booked}"
    );
    customer.wait_in_room(&booked).await;
    agent.goto(&login).await;
    agent.admit(&customer_name).await;
    agent.assert_receiving_video("agent").await;
    customer.assert_receiving_video("customer").await;
    // What the pages' signaling was given to resume with: secrets too.
    for page in [&customer, &agent] {
        let resumes = page
            .js("return window.__consultTest.ws.flat().map(m => JSON.parse(m)).filter(m => m.type === 'joined').map(m => m.resume || '')")
            .await;
        for r in resumes.as_array().into_iter().flatten() {
            secrets.add("a resume token", r.as_str().unwrap_or_default());
        }
    }
    customer.click("button.leave").await;
    agent
        .wait_js(
            "the remote tile to go",
            20,
            "return document.querySelectorAll('[data-remote-video]').length === 0",
        )
        .await;
    customer.close().await;
    agent.close().await;
    drop(driver);

    // (b) The API quick start, as the README has it, with these people in it.
    let out = support::db::consult(&data)
        .args(["clients", "create", "--name", "Hygiene reseller", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let creds: Value = serde_json::from_slice(&out.stdout).unwrap();
    let secret = creds["client_secret"].as_str().unwrap();
    secrets.add("the API client's secret", secret);
    let mut next = 0;
    let replayed = support::quickstart::replay(
        &server.url,
        creds["client_id"].as_str().unwrap(),
        secret,
        |_, body| personalise(body, &mut next, &mut secrets),
    )
    .await;
    assert_eq!(next, PEOPLE.len(), "the quick start names six people");
    for step in &replayed.steps {
        ids.insert(request_id(&step.answer.headers));
        // Whatever the answers hand out: tokens, links and their hashes.
        secrets.add(
            "an access token",
            step.answer.body["access_token"]
                .as_str()
                .unwrap_or_default(),
        );
        secrets.urls_in("a link the API answered", &step.answer.body.to_string());
        for p in step.answer.body["result"]["participants"]
            .as_array()
            .into_iter()
            .flatten()
        {
            secrets.add(
                "a participant's hash",
                p["hash"].as_str().unwrap_or_default(),
            );
        }
    }
    // The agent logs in with the autologin link (a session cookie is made), once.
    let url = replayed.answer("/api/v2/management/autologin").body["result"]["url"]
        .as_str()
        .unwrap()
        .to_string();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for expected in [303, 410] {
        let res = http.get(&url).send().await.unwrap();
        assert_eq!(res.status(), expected);
        ids.insert(request_id(res.headers()));
        for cookie in res.headers().get_all("set-cookie") {
            let value = cookie.to_str().unwrap().split(';').next().unwrap();
            secrets.add(
                "a session cookie",
                value.split('=').nth(1).unwrap_or_default(),
            );
        }
    }
    // Every invitation sent (or refused, one of them) before the log is read.
    let pool = support::db::pool(&data).await;
    support::outbox_settled(&pool, "%").await;
    pool.close().await;
    let texts = sms.messages();
    assert!(!texts.is_empty(), "no text message was sent");
    secrets.urls_in(
        "a link in a text message",
        &serde_json::to_string(&texts).unwrap(),
    );
    let mails = smtp.decoded();
    assert!(mails.len() >= 3, "{} e-mails", mails.len());
    for m in &mails {
        secrets.urls_in("a link in an e-mail", m);
    }
    let refused: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL")
            .fetch_one(&support::db::pool(&data).await)
            .await
            .unwrap();
    assert!(refused >= 1, "the relay refused no address");

    let res = reqwest::Client::new()
        .get(format!("{}/healthz", server.url))
        .header("x-request-id", CANARY)
        .send()
        .await
        .unwrap();
    assert_eq!(request_id(res.headers()), CANARY);
    ids.insert(CANARY.to_string());

    // A graceful stop, so its lines are in the log too; then what the database keeps.
    let stopped = tokio::task::block_in_place(|| server.terminate());
    assert!(stopped.is_some_and(|s| s.success()), "{stopped:?}");
    for (column, value) in stored_secrets(&data).await {
        secrets.add(&format!("a value of {column}"), &value);
    }
    let log = server.stderr();

    // Every line is a JSON object with the documented fields.
    let lines = parsed(&log);
    for l in &lines {
        for key in ["timestamp", "level", "target"] {
            assert!(l[key].is_string(), "no {key}: {l}");
        }
        assert!(l["fields"]["message"].is_string(), "no message: {l}");
    }
    // The requests are all there, each by its route's template and with its id; so an empty
    // or truncated log fails here rather than passing the search below.
    let access = access_lines(&lines);
    let routes: BTreeSet<&str> = access.iter().map(|a| a.2.as_str()).collect();
    for route in [
        "/api/v2/oauth2/token",
        "/api/v2/personal/meetings",
        "/api/v2/management/autologin",
        "/signal",
    ] {
        assert!(routes.contains(route), "no request to {route}: {routes:?}");
    }
    for id in &ids {
        assert!(
            access.iter().any(|a| &a.0 == id),
            "no line for the request answered with id {id}"
        );
    }
    // Lines logged while a request ran carry its id; a signaling connection's lines the id
    // of its upgrade.
    let upgrades: BTreeSet<&str> = access
        .iter()
        .filter(|a| a.2 == "/signal" && a.3 == 101)
        .map(|a| a.0.as_str())
        .collect();
    let ended: Vec<&Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "signaling connection ended")
        .collect();
    assert!(!ended.is_empty(), "no signaling connection ended");
    for l in ended {
        let id = l["span"]["request_id"].as_str().unwrap_or_default();
        assert!(upgrades.contains(id), "not in its upgrade's span: {l}");
    }
    // And nothing personal or secret, in any form, anywhere. The search itself finds what
    // is there: the id a request of the test chose is found as the log wrote it.
    assert!(
        !leaks(&log, &Secrets(vec![("the canary".into(), CANARY.into())])).is_empty(),
        "the search does not find what the log holds"
    );
    assert!(secrets.0.len() > 40, "only {} secrets", secrets.0.len());
    let leaks = leaks(&log, &secrets);
    assert!(leaks.is_empty(), "the log leaks:\n{}", leaks.join("\n"));
}

/// Each secret found in `log` (in any letter case), with the first line holding it.
fn leaks(log: &str, secrets: &Secrets) -> Vec<String> {
    let lower = log.to_lowercase();
    secrets
        .0
        .iter()
        .filter(|(_, v)| lower.contains(&v.to_lowercase()))
        .map(|(what, v)| {
            let line = log
                .lines()
                .find(|l| l.to_lowercase().contains(&v.to_lowercase()))
                .unwrap_or_default();
            format!("{what} ({v}) in: {line}")
        })
        .collect()
}
