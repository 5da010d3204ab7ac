//! Scheduling from the console, in a real browser against a real SMTP server: an agent
//! schedules for itself, moves and cancels (everyone invited hears of each); an assistant
//! schedules a three-way meeting for another agent of its site; the REST API's rules hold
//! (an agent acts for itself only, a busy host is refused, other sites stay out of reach).

use crate::support;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use consult::model::{SiteId, UserId};
use consult::server::store::{NewSite, OpeningHours};
use serde_json::{json, Value};
use support::browser::{Browser, Driver};
use support::smtp::SmtpSink;
use support::TestServer;

/// Another user of the demo company, on the given sites.
async fn user(server: &TestServer, first: &str, role: &str, sites: &[&SiteId]) -> UserId {
    let company: String = sqlx::query_scalar("SELECT company_id FROM sites WHERE id = $1")
        .bind(server.site.as_str())
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
    let email = format!("{}@demo.consult.test", first.to_lowercase());
    let id = server
        .state
        .store
        .create_user(&company, first, "Staff", &email, role)
        .await
        .unwrap();
    for site in sites {
        server.state.store.attach_user(site, &id).await.unwrap();
    }
    id
}

async fn second_site(server: &TestServer) -> SiteId {
    let company: String = sqlx::query_scalar("SELECT company_id FROM sites WHERE id = $1")
        .bind(server.site.as_str())
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
    server
        .state
        .store
        .create_site(&NewSite {
            company_id: company,
            name: "Second office".into(),
            time_zone: "Europe/Amsterdam".into(),
            slot_minutes: 15,
            opening_hours: OpeningHours::always(),
            early_join_minutes: 15,
            origins: Vec::new(),
        })
        .await
        .unwrap()
}

async fn open_console(server: &TestServer, b: &Browser, user: &UserId) {
    b.goto(&server.login_url_for(user).await).await;
    b.find("#schedule-title").await;
}

/// Type into a date or time input the way a picker does (its typed format follows the
/// browser's locale), announcing the change like a user's input.
async fn set_value(b: &Browser, css: &str, value: &str) {
    b.js(&format!(
        "const el = document.querySelector({css:?}); el.value = {value:?};
         el.dispatchEvent(new Event('input', {{ bubbles: true }}));"
    ))
    .await;
}

async fn type_into(b: &Browser, css: &str, text: &str) {
    let el = b.find(css).await;
    el.clear().await.unwrap();
    el.send_keys(text).await.unwrap();
}

/// The browser's zone and, in it, the instant of a local date and time.
async fn local(b: &Browser, date: NaiveDate, hhmm: (u32, u32)) -> DateTime<Utc> {
    let zone = b
        .js("return Intl.DateTimeFormat().resolvedOptions().timeZone")
        .await;
    let tz: chrono_tz::Tz = zone.as_str().unwrap().parse().unwrap();
    tz.from_local_datetime(&date.and_hms_opt(hhmm.0, hhmm.1, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

async fn meetings(server: &TestServer) -> Vec<(String, String, i64, String, Option<String>)> {
    sqlx::query_as(
        "SELECT id, agent_id, starts_at, status, created_by_user FROM meetings ORDER BY created_at",
    )
    .fetch_all(server.state.store.pool())
    .await
    .unwrap()
}

/// The mails to `address` once there are `n` of them (20 s of patience).
async fn mails_to(sink: &SmtpSink, address: &str, n: usize) -> Vec<Value> {
    let deadline = std::time::Instant::now() + crate::support::patience(20);
    loop {
        let mine: Vec<Value> = sink
            .parsed()
            .into_iter()
            .filter(|m| m["to"].as_str().unwrap_or("").contains(address))
            .collect();
        if mine.len() >= n {
            return mine;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "expected {n} mails to {address}: {:?}",
            sink.parsed()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Wait until keyboard focus is on the element with this id.
async fn focused(b: &Browser, id: &str) {
    b.wait_js(
        &format!("focus on #{id}"),
        5,
        &format!("return document.activeElement && document.activeElement.id === {id:?}"),
    )
    .await;
}

async fn announced(b: &Browser, text: &str) {
    b.wait_js(
        &format!("the announcement {text:?}"),
        15,
        &format!(
            "const el = document.querySelector('.announce'); return el && el.textContent.includes({text:?});"
        ),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_schedules_moves_and_cancels_its_meetings() {
    let sink = SmtpSink::start();
    let server = TestServer::start_with(|c| c.smtp = sink.config()).await;
    let driver = Driver::start();
    let b = driver.session().await;
    open_console(&server, &b, &server.agent).await;
    // On a phone the date and time fields do not overlap (the date field was once wider than
    // its column and covered the time beside it), and neither leaves the form.
    let (width, height) = b.client.get_window_size().await.unwrap();
    b.client.set_window_size(390, 844).await.unwrap();
    let fits = b
        .wait_js(
            "the phone layout",
            10,
            "const r = (s) => document.querySelector(s).getBoundingClientRect();
             const d = r('#s-date'), t = r('#s-time'), f = r('.schedule form');
             return window.innerWidth <= 400 && [d.right <= t.left || d.bottom <= t.top,
                     d.left >= f.left && d.right <= f.right && t.right <= f.right]",
        )
        .await;
    assert_eq!(
        fits,
        serde_json::json!([true, true]),
        "date and time on a phone"
    );
    b.client
        .set_window_size(width as u32, height as u32)
        .await
        .unwrap();
    // An agent schedules for itself: no host or site to choose.
    assert!(b
        .client
        .find(fantoccini::Locator::Css("#s-host"))
        .await
        .is_err());
    assert!(b
        .client
        .find(fantoccini::Locator::Css("#s-site"))
        .await
        .is_err());

    // Errors are named on their fields, focus goes to the first, nothing is written.
    type_into(&b, "#s-g0-email", "not-an-address").await;
    b.find("#s-g0-email")
        .await
        .send_keys("\u{E007}")
        .await
        .unwrap();
    b.wait_js(
        "the error on the guest's name",
        10,
        "return document.querySelector('#s-g0-name').getAttribute('aria-invalid') === 'true'",
    )
    .await;
    focused(&b, "s-g0-name").await;
    assert_eq!(
        b.find("#s-g0-email-error").await.text().await.unwrap(),
        "Enter a valid e-mail address: the invitation goes there."
    );
    assert_eq!(
        b.find("#s-summary").await.text().await.unwrap(),
        "Please correct the marked fields."
    );
    b.axe("the schedule form with errors").await;
    assert!(meetings(&server).await.is_empty());

    // A good form: the meeting is written as the agent's, both are mailed.
    let day = Utc::now().date_naive() + Duration::days(2);
    set_value(&b, "#s-date", &day.to_string()).await;
    set_value(&b, "#s-time", "14:30").await;
    type_into(&b, "#s-g0-name", "Ann de Vries").await;
    type_into(&b, "#s-g0-email", "ann@example.com").await;
    type_into(&b, "#s-subject", "Mortgage advice").await;
    b.find("#s-subject")
        .await
        .send_keys("\u{E007}")
        .await
        .unwrap();
    announced(&b, "Meeting with Ann de Vries scheduled").await;
    let start = local(&b, day, (14, 30)).await;
    let rows = meetings(&server).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let (id, agent, starts, status, by) = rows[0].clone();
    assert_eq!(agent, server.agent.as_str());
    assert_eq!(starts, start.timestamp_millis());
    assert_eq!(status, "scheduled");
    assert_eq!(by.as_deref(), Some(server.agent.as_str()));
    let row = b.find(&format!("li[data-meeting='{id}']")).await;
    assert!(row.text().await.unwrap().contains("Ann de Vries"));
    let ann = mails_to(&sink, "ann@example.com", 1).await;
    assert_eq!(ann[0]["calendars"][0]["method"], "PUBLISH");
    assert_eq!(
        ann[0]["calendars"][0]["start"].as_str().unwrap(),
        start.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
    );
    mails_to(&sink, "agent@demo.consult.test", 1).await;

    // Move it a day later, by keyboard from the list.
    b.click(&format!("li[data-meeting='{id}'] [data-action=move]"))
        .await;
    focused(&b, &format!("mv-{id}-date")).await;
    let later = day + Duration::days(1);
    set_value(&b, &format!("#mv-{id}-date"), &later.to_string()).await;
    set_value(&b, &format!("#mv-{id}-time"), "10:00").await;
    b.axe("the move form").await;
    b.click(&format!("li[data-meeting='{id}'] [data-action=save-move]"))
        .await;
    announced(&b, "The meeting with Ann de Vries now starts").await;
    let moved = local(&b, later, (10, 0)).await;
    assert_eq!(meetings(&server).await[0].2, moved.timestamp_millis());
    let change = mails_to(&sink, "ann@example.com", 2).await[1].clone();
    assert_eq!(
        change["calendars"][0]["start"].as_str().unwrap(),
        moved.format("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
        "{change}"
    );

    // A second meeting at that very time: the agent is busy, said on the time field.
    set_value(&b, "#s-date", &later.to_string()).await;
    set_value(&b, "#s-time", "10:15").await;
    type_into(&b, "#s-g0-name", "Bob").await;
    type_into(&b, "#s-g0-email", "bob@example.com").await;
    b.find("#s-g0-email")
        .await
        .send_keys("\u{E007}")
        .await
        .unwrap();
    b.wait_js(
        "the busy host's error",
        10,
        "return document.querySelector('#s-time-error').textContent === 'The host has another meeting at that time.'",
    )
    .await;
    focused(&b, "s-time").await;
    assert_eq!(meetings(&server).await.len(), 1);

    // Cancel: a question first (focus on "No"), then everyone is told.
    b.click(&format!("li[data-meeting='{id}'] [data-action=cancel]"))
        .await;
    focused(&b, &format!("mv-{id}-no")).await;
    b.axe("the cancel question").await;
    b.click(&format!(
        "li[data-meeting='{id}'] [data-action=confirm-cancel]"
    ))
    .await;
    announced(&b, "The meeting with Ann de Vries is cancelled.").await;
    b.wait_js(
        "the meeting leaving the list",
        10,
        &format!("return !document.querySelector(\"li[data-meeting='{id}']\")"),
    )
    .await;
    assert_eq!(meetings(&server).await[0].3, "cancelled");
    let cancel = mails_to(&sink, "ann@example.com", 3).await[2].clone();
    assert_eq!(cancel["calendars"][0]["status"], "CANCELLED");
    // The audit trail: the agent's three changes to the meeting, by id, and no name.
    let trail: Vec<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT actor_type, action, actor_id, entity_id FROM audit_events
         WHERE actor_type = 'console_user' ORDER BY at, action",
    )
    .fetch_all(server.state.store.pool())
    .await
    .unwrap();
    let actions: Vec<&str> = trail.iter().map(|t| t.1.as_str()).collect();
    assert_eq!(
        actions,
        ["meeting.schedule", "meeting.move", "meeting.cancel"]
    );
    assert!(trail
        .iter()
        .all(|t| t.2.as_deref() == Some(server.agent.as_str())
            && t.3.as_deref() == Some(id.as_str())));
    b.close().await;
}

/// A client of the console's server functions, logged in as a user (through a login link)
/// or not at all.
struct Console<'a> {
    server: &'a TestServer,
    cookie: Option<String>,
}

impl<'a> Console<'a> {
    async fn login(server: &'a TestServer, user: &UserId) -> Console<'a> {
        let res = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(server.login_url_for(user).await)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let cookie = res.headers()["set-cookie"].to_str().unwrap();
        Console {
            server,
            cookie: Some(cookie.split(';').next().unwrap().to_string()),
        }
    }

    /// `POST /api/v1/console/{path}`: status and body.
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.post_from(None, path, body).await
    }

    /// The same, from a page of `origin`.
    async fn post_from(&self, origin: Option<&str>, path: &str, body: Value) -> (u16, Value) {
        let mut req = reqwest::Client::new()
            .post(format!("{}/api/v1/console/{path}", self.server.url))
            .json(&body);
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}

fn form(site: &SiteId, host: &UserId, date: NaiveDate, time: &str, zone: &str) -> Value {
    json!({ "form": {
        "site": site, "host": host, "subject": "",
        "slot": { "date": date.to_string(), "time": time, "minutes": 30, "time_zone": zone },
        "guests": [{ "name": "Carl", "email": "carl@example.com", "phone": "" }],
        "send_email": false
    }})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assistant_schedules_for_the_agents_of_its_site() {
    let server = TestServer::start().await;
    let other_site = second_site(&server).await;
    let demo = server.site.clone();
    let sam = user(&server, "Sam", "assistant", &[&demo]).await;
    let bo = user(&server, "Bo", "agent", &[&demo]).await;
    let vic = user(&server, "Vic", "assistant_video", &[&demo]).await;
    let otto = user(&server, "Otto", "agent", &[&other_site]).await;
    let _ada = user(&server, "Ada", "admin", &[]).await;
    let dana = server.agent.clone();

    let driver = Driver::start();
    let b = driver.session().await;
    open_console(&server, &b, &sam).await;
    // The hosts an assistant may choose: the agents and assistant_video users of its site.
    let hosts = b
        .js("return [...document.querySelectorAll('#s-host option')].map(o => o.textContent)")
        .await;
    assert_eq!(
        hosts,
        json!(["Bo Staff", "Dana Agent", "Vic Staff"]),
        "not Otto (another site), Sam or Ada (no calls)"
    );
    b.find("#s-host")
        .await
        .select_by_value(bo.as_str())
        .await
        .unwrap();
    let day = Utc::now().date_naive() + Duration::days(3);
    set_value(&b, "#s-date", &day.to_string()).await;
    set_value(&b, "#s-time", "09:00").await;
    type_into(&b, "#s-g0-name", "Carla").await;
    b.click("[data-action=second-guest]").await;
    focused(&b, "s-g1-name").await;
    type_into(&b, "#s-g1-name", "Carl").await;
    b.click("#s-send-email").await;
    b.axe("the assistant's schedule form").await;
    b.find("#s-g1-name")
        .await
        .send_keys("\u{E007}")
        .await
        .unwrap();
    announced(&b, "Meeting with Carla, Carl scheduled").await;
    let rows = meetings(&server).await;
    assert_eq!(rows.len(), 1);
    let (id, agent, starts, _, by) = rows[0].clone();
    assert_eq!(
        (agent.as_str(), by.as_deref()),
        (bo.as_str(), Some(sam.as_str()))
    );
    assert_eq!(starts, local(&b, day, (9, 0)).await.timestamp_millis());
    // The browser's zone, for the same times over HTTP.
    let zone = b
        .js("return Intl.DateTimeFormat().resolvedOptions().timeZone")
        .await
        .as_str()
        .unwrap()
        .to_string();
    let guests: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM participants WHERE meeting_id = $1 AND is_host = 0",
    )
    .bind(&id)
    .fetch_one(server.state.store.pool())
    .await
    .unwrap();
    assert_eq!(guests, 2);
    // The assistant manages it for Bo: no room to open, but move and cancel.
    let row = b.find(&format!("li[data-meeting='{id}']")).await;
    assert!(row.text().await.unwrap().contains("Host: Bo Staff"));
    assert!(row
        .find(fantoccini::Locator::Css("[data-action=move]"))
        .await
        .is_ok());
    assert!(!row.text().await.unwrap().contains("Open room"));
    b.close().await;

    // The same rules over HTTP: an agent schedules for itself only…
    let dana_console = Console::login(&server, &dana).await;
    let (status, body) = dana_console
        .post("schedule", form(&demo, &bo, day, "15:00", &zone))
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (403, Some("host")),
        "{body}"
    );
    let (status, _) = dana_console
        .post("schedule", form(&demo, &dana, day, "15:00", &zone))
        .await;
    assert_eq!(status, 200);
    // …and neither sees, moves nor cancels another agent's meeting.
    let (status, overview) = dana_console.post("overview", json!({})).await;
    assert_eq!(status, 200);
    assert!(!overview.to_string().contains(&id), "{overview}");
    let (status, body) = dana_console.post("cancel", json!({ "meeting": id })).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    let moved = json!({ "form": { "meeting": id, "slot": { "date": day.to_string(), "time": "11:00", "minutes": 30, "time_zone": "Europe/Amsterdam" } } });
    assert_eq!(dana_console.post("move", moved.clone()).await.0, 403);
    // An assistant_video schedules for others on its site and for itself; not for Otto.
    let vic_console = Console::login(&server, &vic).await;
    assert_eq!(
        vic_console
            .post("schedule", form(&demo, &vic, day, "16:00", &zone))
            .await
            .0,
        200
    );
    let (status, body) = vic_console
        .post("schedule", form(&other_site, &otto, day, "16:00", &zone))
        .await;
    assert_eq!(status, 412, "Vic does not work on the second site: {body}");
    // Otto, on another site, cannot reach the meeting at all.
    let otto_console = Console::login(&server, &otto).await;
    assert_eq!(
        otto_console
            .post("cancel", json!({ "meeting": id }))
            .await
            .0,
        403
    );
    // The assistant moves it: a busy host is refused (Dana at 15:00 is not Bo's business,
    // Bo's own 09:00 is), a free time is taken.
    let sam_console = Console::login(&server, &sam).await;
    let (status, body) = sam_console
        .post("schedule", form(&demo, &bo, day, "09:15", &zone))
        .await;
    assert_eq!(
        (status, body["code"].as_str(), body["field"].as_str()),
        (409, Some("conflict"), Some("time")),
        "{body}"
    );
    assert_eq!(sam_console.post("move", moved.clone()).await.0, 200);
    // A time that does not exist that day is refused on its field.
    let gap = json!({ "form": { "meeting": id, "slot": { "date": "2027-03-28", "time": "02:30", "minutes": 30, "time_zone": "Europe/Amsterdam" } } });
    let (status, body) = sam_console.post("move", gap).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("time")),
        "{body}"
    );
    // Changes come from the console's own origin, with a session.
    let (status, _) = sam_console
        .post_from(Some("http://evil.test"), "cancel", json!({ "meeting": id }))
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        Console {
            server: &server,
            cookie: None
        }
        .post("cancel", json!({ "meeting": id }))
        .await
        .0,
        401
    );
    let (status, _) = sam_console
        .post_from(Some(&server.url), "cancel", json!({ "meeting": id }))
        .await;
    assert_eq!(status, 200);
    let rows = meetings(&server).await;
    let ours = rows.iter().find(|r| r.0 == id).unwrap();
    assert_eq!(ours.3, "cancelled");
    assert_eq!(ours.2, local_amsterdam(day, 11, 0).timestamp_millis());
}

fn local_amsterdam(day: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    chrono_tz::Europe::Amsterdam
        .from_local_datetime(&day.and_hms_opt(h, m, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}
