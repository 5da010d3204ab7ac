//! The booking form in a real Chromium: booked by keyboard alone through the ARIA date grid,
//! with axe-core finding nothing on every step; in Dutch, in a zone the host page sets, with
//! prefilled and locked fields, a chosen agent, and a zone switch that keeps the chosen time on its own
//! day.
//!
//! Needs Chromium, chromedriver, the widget built into dist/ and axe-core (`CONSULT_AXE`);
//! scripts/test.sh provides all four.

use crate::support;

use chrono::{DateTime, NaiveDate, Utc};
use fantoccini::key::Key;
use serde_json::Value;
use support::browser::{Browser, Driver};
use support::TestServer;

async fn axe(b: &Browser, step: &str) {
    b.axe(step).await;
}

/// Press a key (or type text) into whatever has the focus, as a keyboard user would.
async fn press(b: &Browser, keys: &str) {
    b.client
        .active_element()
        .await
        .expect("something has the focus")
        .send_keys(keys)
        .await
        .expect("keys sent");
}

fn key(k: Key) -> String {
    char::from(k).to_string()
}

/// The id of the element that has the focus.
async fn focused(b: &Browser) -> String {
    b.js("return document.activeElement ? document.activeElement.id : ''")
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Wait until the element with `id` has the focus.
async fn wait_focus(b: &Browser, id: &str) {
    b.wait_js(
        &format!("focus on #{id}"),
        10,
        &format!("return document.activeElement && document.activeElement.id === '{id}'"),
    )
    .await;
}

async fn js_string(b: &Browser, script: &str) -> String {
    b.js(script).await.as_str().unwrap_or_default().to_string()
}

fn day_id(d: NaiveDate) -> String {
    format!("day-{d}")
}

fn date_of(id: &str) -> NaiveDate {
    NaiveDate::parse_from_str(id.trim_start_matches("day-"), "%Y-%m-%d").expect("a day id")
}

async fn guest_row(server: &TestServer) -> (String, Option<String>, String, String) {
    sqlx::query_as("SELECT name, phone, locale, time_zone FROM participants WHERE is_host = 0")
        .fetch_one(server.state.store.pool())
        .await
        .expect("one customer booked")
}

#[tokio::test]
async fn a_keyboard_user_books_through_the_date_grid_and_axe_finds_nothing() {
    let server = TestServer::start().await;
    // Five days ahead: the page's first list holds every time the site offers, so the frame
    // needs no call at all (with more to come it asks for the rest of the month shown at
    // once, as `later_days_have_times_once_their_month_shows` checks: on most days of a month a
    // call or two).
    sqlx::query("UPDATE sites SET horizon_days = 5 WHERE id = $1")
        .bind(server.site.as_str())
        .execute(server.state.store.pool())
        .await
        .unwrap();
    assert!(
        !server.slot_list().await.more,
        "five days of quarter-hours fit one list"
    );
    let driver = Driver::start();
    let b = driver.session().await;
    b.goto(&format!("{}/", server.host_url)).await;
    b.enter_embed("consult-booking").await;
    let first = b
        .find("td[aria-selected=true]")
        .await
        .attr("id")
        .await
        .unwrap()
        .unwrap();
    axe(&b, "the form").await;
    // The times came inside the page: the form asked for none.
    let asked = b
        .js("return performance.getEntriesByType('resource').filter(e => e.name.includes('booking/slots')).length")
        .await;
    assert_eq!(asked, 0, "the frame asked for times the page held");

    // Tab from the top of the frame: the chosen day of the grid is the one tab stop.
    b.js("document.activeElement && document.activeElement.blur()")
        .await;
    let mut reached = String::new();
    for _ in 0..15 {
        press(&b, &key(Key::Tab)).await;
        reached = focused(&b).await;
        if reached.starts_with("day-") {
            break;
        }
    }
    assert_eq!(reached, first, "the grid's tab stop is the chosen day");
    let stops = b
        .js("return [...document.querySelectorAll('td[tabindex=\"0\"]')].length")
        .await;
    assert_eq!(stops, 1, "roving tabindex: one day in the tab order");
    let label = js_string(
        &b,
        &format!("return document.getElementById('{first}').getAttribute('aria-label')"),
    )
    .await;
    assert!(
        label.contains("free time"),
        "days are named in full: {label}"
    );
    assert!(label.len() > 20, "never a bare number: {label}");

    // Walk to the last free day by arrow keys, then Page Down and Page Up.
    let free: Vec<String> = b
        .js("return [...document.querySelectorAll('td.free')].map(td => td.id)")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let target = date_of(free.last().unwrap());
    let mut at = date_of(&first);
    while at != target {
        let gap = (target - at).num_days();
        let k = if gap >= 7 { Key::Down } else { Key::Right };
        press(&b, &key(k)).await;
        at = consult::widget::booking::grid::step(
            at,
            if gap >= 7 { "ArrowDown" } else { "ArrowRight" },
            false,
        )
        .unwrap();
        wait_focus(&b, &day_id(at)).await;
    }
    let month = js_string(
        &b,
        "return document.getElementById('month-label').textContent",
    )
    .await;
    press(&b, &key(Key::PageDown)).await;
    let next = consult::widget::booking::grid::step(target, "PageDown", false).unwrap();
    wait_focus(&b, &day_id(next)).await;
    let next_month = js_string(
        &b,
        "return document.getElementById('month-label').textContent",
    )
    .await;
    assert_ne!(month, next_month, "Page Down shows the next month");
    press(&b, &key(Key::PageUp)).await;
    let back = consult::widget::booking::grid::step(next, "PageUp", false).unwrap();
    wait_focus(&b, &day_id(back)).await;
    if back != target {
        // A 31st came back as the 30th: one more step right.
        press(&b, &key(Key::Right)).await;
        wait_focus(&b, &day_id(target)).await;
    }
    press(&b, &key(Key::Home)).await;
    let monday = consult::widget::booking::grid::step(target, "Home", false).unwrap();
    wait_focus(&b, &day_id(monday)).await;
    press(&b, &key(Key::End)).await;
    let sunday = consult::widget::booking::grid::step(monday, "End", false).unwrap();
    wait_focus(&b, &day_id(sunday)).await;
    // Back to the target, and choose it with Enter.
    let mut at = sunday;
    while at != target {
        press(&b, &key(Key::Left)).await;
        at = at.pred_opt().unwrap();
        wait_focus(&b, &day_id(at)).await;
    }
    press(&b, &key(Key::Enter)).await;
    b.find(&format!("td#{}[aria-selected=true]", day_id(target)))
        .await;
    axe(&b, "a day chosen").await;

    // Into the day's times; Space chooses the first.
    press(&b, &key(Key::Tab)).await;
    wait_focus(&b, "slot-0").await;
    let slot_label = js_string(
        &b,
        "return document.getElementById('slot-0').getAttribute('aria-label')",
    )
    .await;
    assert!(
        slot_label.contains(" to ") && slot_label.contains('('),
        "{slot_label}"
    );
    press(&b, " ").await;
    assert_eq!(
        b.js("return document.getElementById('slot-0').checked")
            .await,
        Value::Bool(true)
    );

    // The fields, one Tab each; the e-mail address is wrong and consent is not given.
    for (id, text) in [
        ("name", "Ada Lovelace"),
        ("email", "ada@example"),
        ("phone", "06 12345678"),
        ("note", "About my policy"),
    ] {
        press(&b, &key(Key::Tab)).await;
        wait_focus(&b, id).await;
        press(&b, text).await;
    }
    press(&b, &key(Key::Tab)).await;
    wait_focus(&b, "consent").await;
    press(&b, &key(Key::Tab)).await;
    assert_eq!(
        b.js("return document.activeElement.type").await,
        "submit",
        "after consent comes the button"
    );
    press(&b, &key(Key::Enter)).await;

    // Errors: announced, next to their fields, the first one focused.
    let summary = b
        .wait_js(
            "the error summary",
            10,
            "return document.getElementById('form-error').textContent",
        )
        .await;
    assert_eq!(summary, "Please correct the 2 marked fields.");
    assert_eq!(
        b.js("return document.getElementById('form-error').getAttribute('role')")
            .await,
        "alert"
    );
    wait_focus(&b, "email").await;
    for id in ["email", "consent"] {
        assert_eq!(
            b.js(&format!(
                "return document.getElementById('{id}').getAttribute('aria-invalid')"
            ))
            .await,
            "true"
        );
        let described = js_string(
            &b,
            &format!("return document.getElementById('{id}').getAttribute('aria-describedby')"),
        )
        .await;
        assert!(
            described.contains(&format!("{id}-error")),
            "{id}: {described}"
        );
        let error = js_string(
            &b,
            &format!("return document.getElementById('{id}-error').textContent"),
        )
        .await;
        assert!(!error.is_empty(), "{id} has its error text");
    }
    axe(&b, "errors shown").await;

    // Fix both by keyboard and book.
    press(&b, &format!("{}.com", key(Key::End))).await;
    for id in ["phone", "note", "consent"] {
        press(&b, &key(Key::Tab)).await;
        wait_focus(&b, id).await;
    }
    press(&b, " ").await;
    press(&b, &key(Key::Tab)).await;
    press(&b, &key(Key::Enter)).await;
    b.find("#confirmation").await;
    wait_focus(&b, "confirmation").await;
    let calendar = b
        .find("[data-calendar-link]")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(calendar.ends_with("/invite.ics"), "{calendar}");
    axe(&b, "the confirmation").await;

    let (name, phone, locale, _) = guest_row(&server).await;
    assert_eq!(
        (
            name.as_str(),
            phone.as_deref().unwrap_or_default(),
            locale.as_str()
        ),
        ("Ada Lovelace", "+31612345678", "en")
    );
    // From the first render to the confirmation the frame loaded its own build only: no
    // code of the call's pages or of the console (the full app at the root).
    let code = b
        .js("return performance.getEntriesByType('resource').map(e => new URL(e.name).pathname).filter(p => /\\.(js|wasm)$/.test(p))")
        .await;
    let code: Vec<&str> = code
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(
        code.iter().any(|p| p.ends_with(".wasm")),
        "the frame's own wasm is listed: {code:?}"
    );
    assert!(
        code.iter().all(|p| p.starts_with("/widget/booking/")),
        "the booking frame loaded other code: {code:?}"
    );
    b.close().await;
}

/// The local date and `HH:MM` of an instant in a zone.
fn local(t: DateTime<Utc>, zone: &str) -> (NaiveDate, String) {
    let tz: chrono_tz::Tz = zone.parse().unwrap();
    let l = t.with_timezone(&tz);
    (l.date_naive(), l.format("%H:%M").to_string())
}

#[tokio::test]
async fn dutch_in_the_host_pages_zone_prefilled_and_a_zone_switch_keeps_the_day_right() {
    // The first time, read here, is the one the form must still offer when it is booked.
    support::clear_of_the_quarter_hour(std::time::Duration::from_secs(180)).await;
    let server = TestServer::start().await;
    let first = server.slot_list().await.slots[0].starts_at;
    // Twenty-five hours apart: the first time falls on different dates in these two zones.
    let (east, west) = ("Pacific/Kiritimati", "Pacific/Pago_Pago");
    // A second agent: the form offers the choice.
    let store = &server.state.store;
    let company = server.company().await;
    let bob = store
        .create_user(&company, "Bob", "Second", "bob@demo.consult.test", "agent")
        .await
        .unwrap();
    store.attach_user(&server.site, &bob).await.unwrap();
    let driver = Driver::start();
    let b = driver.session().await;
    b.goto(&format!("{}/", server.host_url)).await;
    // The integrator sets attributes on the element, as a single-page app would.
    b.wait_js(
        "the embed",
        30,
        "return !!document.querySelector('consult-booking')?.shadowRoot?.querySelector('iframe')",
    )
    .await;
    // Name and e-mail come from the integrator's own records: locked, signed by its server.
    let lock = vec!["name".to_string(), "email".to_string()];
    let key = server.state.signer.prefill_key(server.site.as_str(), 0);
    let signature = support::sign(
        &key,
        &consult::model::booking::Prefill::message(
            server.site.as_str(),
            &lock,
            "Sanne de Vries",
            "sanne@example.com",
            "",
        ),
    );
    b.js(&format!(
        "const el = document.querySelector('consult-booking');
         el.setAttribute('lang', 'nl');
         el.setAttribute('time-zone', '{east}');
         el.setAttribute('name', 'Sanne de Vries');
         el.setAttribute('email', 'sanne@example.com');
         el.setAttribute('lock', 'name email');
         el.setAttribute('prefill-signature', '{signature}');"
    ))
    .await;
    b.enter_embed("consult-booking").await;
    let h1 = b.find("h1").await.text().await.unwrap();
    assert_eq!(h1, "Plan een videogesprek");
    assert_eq!(b.js("return document.documentElement.lang").await, "nl");
    assert_eq!(
        b.js("return document.getElementById('zone').value").await,
        east
    );
    assert_eq!(
        b.js("return document.getElementById('name').value").await,
        "Sanne de Vries"
    );
    assert_eq!(
        b.js("return document.getElementById('email').value").await,
        "sanne@example.com"
    );
    assert_eq!(
        b.js("return document.getElementById('email').readOnly")
            .await,
        true
    );
    assert_eq!(
        b.js("return document.getElementById('phone').readOnly")
            .await,
        false
    );
    assert_eq!(
        b.js("return document.getElementById('email-hint').textContent")
            .await,
        "Ingevuld door de website."
    );

    let agents = b
        .js("return [...document.querySelectorAll('#agent option')].map(o => o.textContent)")
        .await;
    assert_eq!(
        agents,
        serde_json::json!(["Maakt niet uit", "Dana Agent", "Bob Second"])
    );
    b.find("#agent")
        .await
        .select_by_value(bob.as_str())
        .await
        .unwrap();
    let (east_day, east_time) = local(first, east);
    b.find(&format!("td#{}[aria-selected=true]", day_id(east_day)))
        .await;
    let label = js_string(
        &b,
        "return document.getElementById('slot-0').getAttribute('aria-label')",
    )
    .await;
    assert!(
        label.contains(&east_time)
            && label.contains("(Pacific/Kiritimati)")
            && label.contains(" tot "),
        "{label}"
    );
    // Bob's times may still be replacing the list shown before him.
    b.click("#slot-0").await;
    axe(&b, "Dutch form").await;

    // Another zone: the same time, now on its own local day and hour.
    b.find("#zone").await.select_by_value(west).await.unwrap();
    let (west_day, west_time) = local(first, west);
    assert_ne!(west_day, east_day);
    b.find(&format!("td#{}[aria-selected=true]", day_id(west_day)))
        .await;
    let checked = b
        .wait_js(
            "the chosen time, still chosen",
            10,
            "const r = document.querySelector('input[name=slot]:checked'); return r && r.getAttribute('aria-label')",
        )
        .await;
    let checked = checked.as_str().unwrap();
    assert!(
        checked.contains(&west_time) && checked.contains("(Pacific/Pago Pago)"),
        "{checked}"
    );
    let note = js_string(
        &b,
        "return document.getElementById('zone-note').textContent",
    )
    .await;
    assert!(note.contains("Pacific/Pago Pago"), "{note}");

    b.find("#consent").await.click().await.unwrap();
    b.find("button[type=submit]").await.click().await.unwrap();
    let title = b.find("#confirmation-title").await.text().await.unwrap();
    assert_eq!(title, "Uw afspraak staat");
    axe(&b, "Dutch confirmation").await;
    let (name, _, locale, zone) = guest_row(&server).await;
    assert_eq!(
        (name.as_str(), locale.as_str(), zone.as_str()),
        ("Sanne de Vries", "nl", west)
    );
    let agent: String = sqlx::query_scalar("SELECT agent_id FROM meetings")
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
    assert_eq!(agent, bob.as_str(), "the agent the customer chose");
    b.close().await;
}

#[tokio::test]
async fn the_customer_moves_and_cancels_on_their_own_page() {
    let server = TestServer::start().await;
    let booked = server.book("Ann").await;
    let driver = Driver::start();
    let b = driver.session().await;
    b.goto(&booked.manage_url).await;
    let when = b.find("#manage-when").await.text().await.unwrap();
    assert!(when.contains("Dana Agent"), "{when}");
    b.choose_a_later_day().await;
    b.find("#slot-1").await;
    axe(&b, "the change-or-cancel page").await;

    // Another time of the same day.
    let label = js_string(
        &b,
        "return document.getElementById('slot-1').getAttribute('aria-label')",
    )
    .await;
    b.click("#slot-1").await;
    b.find("form button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    let done = b
        .wait_js(
            "the move confirmed",
            10,
            "return document.getElementById('manage-message').textContent",
        )
        .await;
    assert!(done.as_str().unwrap().starts_with("Done"), "{done}");
    wait_focus(&b, "manage-message").await;
    let moved: i64 = sqlx::query_scalar("SELECT starts_at FROM meetings WHERE id = $1")
        .bind(booked.meeting.as_str())
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
    assert_ne!(
        moved,
        booked.starts_at.timestamp_millis(),
        "moved to {label}"
    );
    axe(&b, "moved").await;
    // Later days page in here too.
    a_later_day_is_offered(&b).await;

    // Cancel, with a confirmation step whose "keep it" has the focus.
    b.find("#cancel-start").await.click().await.unwrap();
    wait_focus(&b, "cancel-no").await;
    axe(&b, "the cancel question").await;
    b.find("#cancel-yes").await.click().await.unwrap();
    b.wait_js(
        "the cancellation confirmed",
        10,
        "return document.getElementById('manage-message').textContent === 'This appointment is cancelled.'",
    )
    .await;
    let status = server.meeting_status(booked.meeting.as_str()).await;
    assert_eq!(status, "cancelled");
    axe(&b, "cancelled").await;
    b.close().await;
}

#[tokio::test]
async fn the_hardware_test_shows_the_camera_or_says_what_to_do() {
    let server = TestServer::start().await;
    let driver = Driver::start();
    let b = driver.session().await;
    b.goto(&format!("{}/check", server.url)).await;
    b.find("[data-check-result=ok]").await;
    b.wait_js(
        "the camera preview playing",
        15,
        "const v = document.querySelector('[data-self-video]'); return v && v.readyState >= 2 && v.videoWidth > 0",
    )
    .await;
    // The device check sits below, with the level meter moving.
    b.wait_js(
        "the level meter",
        10,
        "return document.querySelector('#mic-level')?.value > 0.01",
    )
    .await;
    axe(&b, "the hardware test").await;
    // In Dutch, the device check speaks Dutch too.
    b.goto(&format!("{}/check?lang=nl", server.url)).await;
    let heading = b.find("#setup-title").await.text().await.unwrap();
    assert_eq!(heading, "Controleer uw camera en geluid");
    assert_eq!(
        b.find("label[for=microphone-select]")
            .await
            .text()
            .await
            .unwrap(),
        "Microfoon kiezen"
    );
    b.close().await;

    let denied = driver.session_with(support::browser::Media::Denied).await;
    // As a Dutch invitation links it.
    denied.goto(&format!("{}/check?lang=nl", server.url)).await;
    let alert = denied.find("[data-check-result=failed][role=alert]").await;
    let text = alert.text().await.unwrap();
    assert!(
        text.contains("Camera en microfoon zijn geblokkeerd"),
        "{text}"
    );
    assert_eq!(
        denied.js("return document.documentElement.lang").await,
        "nl"
    );
    axe(&denied, "the hardware test, refused").await;
    denied.close().await;
}

#[tokio::test]
async fn losing_a_race_for_a_time_is_said_kindly_with_fresh_times() {
    // The rival takes the first time the form shows: the same one until the submit.
    support::clear_of_the_quarter_hour(std::time::Duration::from_secs(120)).await;
    let server = TestServer::start().await;
    let driver = Driver::start();
    let b = driver.session().await;
    b.goto(&format!("{}/", server.host_url)).await;
    b.enter_embed("consult-booking").await;
    let first = js_string(
        &b,
        "return document.getElementById('slot-0') ? document.getElementById('slot-0').getAttribute('aria-label') : ''",
    )
    .await;
    b.click("#slot-0").await;
    b.find("#name").await.send_keys("Ada").await.unwrap();
    b.find("#email")
        .await
        .send_keys("ada@example.com")
        .await
        .unwrap();
    b.find("#consent").await.click().await.unwrap();
    // Someone else books that very time first.
    let rival = server.book("Rival").await;
    b.find("button[type=submit]").await.click().await.unwrap();
    let said = b
        .wait_js(
            "the kind refusal",
            10,
            "return document.getElementById('form-error').textContent",
        )
        .await;
    assert!(
        said.as_str()
            .unwrap()
            .starts_with("Sorry, someone just booked"),
        "{said}"
    );
    let fresh = b
        .wait_js(
            "fresh times",
            10,
            &format!(
                "const r = document.getElementById('slot-0'); \
                 return r && r.getAttribute('aria-label') !== {first:?} && !document.querySelector('input[name=slot]:checked') && r.getAttribute('aria-label')"
            ),
        )
        .await;
    assert_ne!(fresh.as_str().unwrap(), first);
    let meetings: Vec<String> = sqlx::query_scalar("SELECT id FROM meetings")
        .fetch_all(server.state.store.pool())
        .await
        .unwrap();
    assert_eq!(
        meetings,
        [rival.meeting.as_str().to_string()],
        "exactly one won"
    );
    axe(&b, "after losing the race").await;
    b.close().await;
}

#[tokio::test]
async fn a_booking_over_the_limit_is_refused_kindly_and_announced() {
    // No bookings at all from this address: the form says so, and when to try again. (The
    // first time offered must not pass before the submit: a passed time is refused first.)
    support::clear_of_the_quarter_hour(std::time::Duration::from_secs(120)).await;
    let server = TestServer::start_with(|c| c.booking_limits.per_address.limit = 0).await;
    let driver = Driver::start();
    let b = driver.session().await;
    b.open_host_page(&server.host_url).await;
    b.enter_embed("consult-booking").await;
    b.click("label.slot").await;
    b.find("#name").await.send_keys("Ada").await.unwrap();
    b.find("#email")
        .await
        .send_keys("ada@example.com")
        .await
        .unwrap();
    b.click("#consent").await;
    b.click("button[type=submit]").await;
    b.wait_js(
        "the limit to be announced",
        20,
        "return document.querySelector('#form-error[role=alert]')?.textContent.includes('try again in about')",
    )
    .await;
    let text = js_string(
        &b,
        "return document.querySelector('#form-error').textContent",
    )
    .await;
    assert!(text.contains("Nothing was booked"), "{text}");
    // What was typed stays, to send again later.
    assert_eq!(
        js_string(&b, "return document.querySelector('#name').value").await,
        "Ada"
    );
    axe(&b, "the limit's message").await;
    assert_eq!(
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM meetings")
            .fetch_one(server.state.store.pool())
            .await
            .unwrap(),
        0
    );
}

/// The form pages on past the first list of times: ten days ahead (past the few hundred
/// quarter-hours of the first list, inside the demo site's fortnight) has free times once the
/// calendar shows its month, asked for with the form's own call.
#[tokio::test]
async fn later_days_have_times_once_their_month_shows() {
    let server = TestServer::start().await;
    let driver = Driver::start();
    let b = driver.session().await;
    b.goto(&format!("{}/", server.host_url)).await;
    b.enter_embed("consult-booking").await;
    b.find("td[aria-selected=true]").await;
    let later = a_later_day_is_offered(&b).await;
    let asked = b
        .js("return performance.getEntriesByType('resource').filter(e => e.name.includes('booking/slots')).length")
        .await;
    assert!(
        asked.as_u64().unwrap_or(0) >= 1,
        "asked for later times: {asked}"
    );
    b.find(&format!("#{}", day_id(later)))
        .await
        .click()
        .await
        .unwrap();
    let times = b
        .js("return document.querySelectorAll('.day-slots input[type=radio]').length")
        .await;
    assert!(times.as_u64().unwrap_or(0) > 0, "its times show: {times}");
    axe(&b, "a later month").await;
}

/// Ten days ahead (past the few hundred quarter-hours of a first list, inside the demo
/// site's fortnight) has free times once the calendar shows its month; that day.
async fn a_later_day_is_offered(b: &Browser) -> NaiveDate {
    // Today as the browser sees it (the days of the grid are its local days).
    let today = b
        .js("const d = new Date(); return [d.getFullYear(), d.getMonth() + 1, d.getDate()]")
        .await;
    let part = |i: usize| today[i].as_u64().unwrap() as u32;
    let today = NaiveDate::from_ymd_opt(part(0) as i32, part(1), part(2)).unwrap();
    let later = today + chrono::Duration::days(10);
    // Its month may show already (a page that moved on to a later day, late in a month).
    let shown = b
        .js(&format!(
            "return !!document.getElementById('{}')",
            day_id(later)
        ))
        .await;
    if shown != serde_json::json!(true) {
        b.click("button.month-nav[aria-label='Next month']").await;
    }
    b.wait_js(
        "a day ten days ahead offered",
        20,
        &format!("return !!document.querySelector('#{}.free')", day_id(later)),
    )
    .await;
    later
}
