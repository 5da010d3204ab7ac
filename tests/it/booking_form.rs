//! What the booking form adds on the server: the site's privacy statement and phone country
//! (set through the site API, validated, shown to the form), national phone numbers read in
//! that country, invitations in the customer's language and zone, and the confirmation's
//! calendar file behind the personal link, the hardware-test link, locked prefill, the
//! agent chosen.

use crate::support;

use consult::model::booking::BookingRequest;
use consult::model::i18n::Lang;
use serde_json::json;
use support::smtp::SmtpSink;
use support::TestServer;

/// The test site's free times as its own host page asks for them: of `agent` (`None`:
/// anyone), from `after` on (`None`: the first ones).
async fn times(
    server: &TestServer,
    agent: Option<&str>,
    after: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<consult::model::booking::SlotList, consult::model::AppError> {
    consult::server::services::booking::slots_with(
        &server.state,
        server.site.as_str(),
        &server.host_url,
        None,
        agent,
        after,
    )
    .await
}

fn request(server: &TestServer, starts_at: chrono::DateTime<chrono::Utc>) -> BookingRequest {
    server.booking_request(starts_at, "Sanne de Vries", "sanne@example.com")
}

#[tokio::test]
async fn privacy_statement_and_phone_country_are_set_through_the_site_api() {
    let server = TestServer::start().await;
    let api = server.api("form").await;
    let path = format!("/api/v2/management/sites/{}", server.site.as_str());
    let site = api.get(&path).await;
    assert_eq!(site.result()["privacy_url"], serde_json::Value::Null);
    assert_eq!(site.result()["phone_prefix"], "+31");

    for (body, field) in [
        (
            json!({ "privacy_url": "javascript:alert(1)" }),
            "privacy_url",
        ),
        (
            json!({ "privacy_url": "https://x.example/a b" }),
            "privacy_url",
        ),
        (json!({ "phone_prefix": "31" }), "phone_prefix"),
        (json!({ "phone_prefix": "+0" }), "phone_prefix"),
        (json!({ "phone_prefix": "+1234" }), "phone_prefix"),
    ] {
        let a = api.patch(&path, body.clone()).await;
        assert_eq!(a.status, 400, "{body}: {}", a.body);
        assert_eq!(a.error()["field"], field, "{body}: {}", a.body);
    }
    assert_eq!(api.get(&path).await.result()["phone_prefix"], "+31");

    let set = api
        .patch(
            &path,
            json!({ "privacy_url": "https://clinic.example/privacy", "phone_prefix": "+44" }),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(
        set.result()["privacy_url"],
        "https://clinic.example/privacy"
    );
    let list = server.slot_list().await;
    assert_eq!(
        list.site.privacy_url.as_deref(),
        Some("https://clinic.example/privacy")
    );
    assert_eq!(list.site.phone_prefix, "+44");

    // A national number is now read as British.
    let mut req = request(&server, list.slots[0].starts_at);
    req.phone = "07700 900123".into();
    consult::server::services::booking::book(&server.state, req, None)
        .await
        .expect("booked");
    let phone: String = sqlx::query_scalar("SELECT phone FROM participants WHERE is_host = 0")
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
    assert_eq!(phone, "+447700900123");

    // Empty removes the link.
    let cleared = api.patch(&path, json!({ "privacy_url": "" })).await;
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    assert_eq!(cleared.result()["privacy_url"], serde_json::Value::Null);
    assert_eq!(server.slot_list().await.site.privacy_url, None);
}

#[tokio::test]
async fn a_dutch_customer_in_another_zone_is_invited_in_dutch_in_their_zone() {
    let sink = SmtpSink::start();
    let server = TestServer::start_with(|c| c.smtp = sink.config()).await;
    // The site puts a hardware-test link in its invitations.
    let api = server.api("hardware").await;
    let set = api
        .patch(
            &format!("/api/v2/management/sites/{}", server.site.as_str()),
            json!({ "email_enable_hardwaretest": true, "email_hardwaretest_text": "Test uw apparatuur vooraf:" }),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    let list = server.slot_list().await;
    let slot = &list.slots[0];
    let mut req = request(&server, slot.starts_at);
    req.lang = Lang::Nl;
    req.time_zone = "America/New_York".into();
    let booked = consult::server::services::booking::book(&server.state, req, None)
        .await
        .expect("booked");
    sink.wait_for(2, 20).await;
    let all = sink.parsed();
    let mail = all
        .iter()
        .find(|m| m["to"].as_str().unwrap().contains("sanne@example.com"))
        .expect("the customer's invitation");
    let text = mail["text"].as_str().unwrap();
    assert!(text.starts_with("Beste Sanne de Vries,"), "{text}");
    let local = slot
        .starts_at
        .with_timezone(&chrono_tz::America::New_York)
        .format("%H:%M")
        .to_string();
    assert!(
        text.contains(&format!("{local} (America/New_York)")),
        "{text}"
    );
    let days = [
        "maandag",
        "dinsdag",
        "woensdag",
        "donderdag",
        "vrijdag",
        "zaterdag",
        "zondag",
    ];
    assert!(days.iter().any(|d| text.contains(d)), "{text}");
    assert!(text.contains(&booked.join_url));
    assert!(
        text.replace("\r\n", "\n")
            .contains(&format!("Test uw apparatuur vooraf:\n{}/check", server.url)),
        "{text}"
    );
    assert!(text.contains(&booked.manage_url), "{text}");
    // The agent's confirmation stays in the site's zone.
    let agent = all
        .iter()
        .find(|m| m["to"].as_str().unwrap().contains("agent@"))
        .expect("the agent's confirmation");
    assert!(agent["text"]
        .as_str()
        .unwrap()
        .contains(&format!("({})", list.site.time_zone)));
}

#[tokio::test]
async fn the_confirmation_offers_a_calendar_file_behind_the_personal_link() {
    let server = TestServer::start().await;
    let booked = server.book("Ann").await;
    let http = reqwest::Client::new();
    let res = http
        .get(format!("{}/invite.ics", booked.join_url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("invite.ics"));
    let body = res.text().await.unwrap();
    assert!(body.starts_with("BEGIN:VCALENDAR\r\n"), "{body}");
    assert!(body.contains(&format!("UID:{}@consult", booked.meeting.as_str())));
    assert!(body.contains(&format!(
        "DTSTART:{}",
        booked.starts_at.format("%Y%m%dT%H%M%SZ")
    )));
    assert!(body.replace("\r\n ", "").contains(&booked.join_url));

    // A link that was never issued, and a cancelled meeting's link, give nothing.
    let forged = format!("{}/join/{}/invite.ics", server.url, "A".repeat(43));
    assert_eq!(http.get(forged).send().await.unwrap().status(), 404);
    server.cancel(&booked.meeting).await;
    let after = http
        .get(format!("{}/invite.ics", booked.join_url))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 404);
}

#[tokio::test]
async fn a_customer_may_choose_the_agent_or_take_whoever_is_free() {
    let server = TestServer::start().await;
    let store = &server.state.store;
    let company = server.company().await;
    // Agents are offered in the order they were made (times in milliseconds): Bob comes
    // after Dana, not in the same millisecond (where their random ids would decide).
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let bob = store
        .create_user(&company, "Bob", "Second", "bob@demo.consult.test", "agent")
        .await
        .unwrap();
    store.attach_user(&server.site, &bob).await.unwrap();
    let slots_of = |agent: Option<String>| {
        let server = &server;
        async move { times(server, agent.as_deref(), None).await }
    };
    let any = slots_of(None).await.unwrap();
    let names: Vec<&str> = any.agents.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Dana Agent", "Bob Second"]);
    let start = any.slots[0].starts_at;

    // Dana, chosen, takes the first time.
    let mut req = request(&server, start);
    req.agent = Some(server.agent.clone());
    consult::server::services::booking::book(&server.state, req, None)
        .await
        .expect("booked with Dana");
    let dana = slots_of(Some(server.agent.as_str().to_string()))
        .await
        .unwrap();
    assert!(
        dana.slots.iter().all(|s| s.starts_at != start),
        "Dana is busy then"
    );
    let bobs = slots_of(Some(bob.as_str().to_string())).await.unwrap();
    assert_eq!(bobs.slots[0].starts_at, start, "Bob is free then");
    assert_eq!(slots_of(None).await.unwrap().slots[0].starts_at, start);

    // Anyone: the same time goes to Bob; then nobody is left.
    consult::server::services::booking::book(&server.state, request(&server, start), None)
        .await
        .expect("booked with whoever is free");
    let agents: Vec<String> =
        sqlx::query_scalar("SELECT agent_id FROM meetings ORDER BY created_at, id")
            .fetch_all(store.pool())
            .await
            .unwrap();
    let mut sorted = agents.clone();
    sorted.sort();
    let mut expected = vec![server.agent.as_str().to_string(), bob.as_str().to_string()];
    expected.sort();
    assert_eq!(sorted, expected, "one meeting each");
    let e = consult::server::services::booking::book(&server.state, request(&server, start), None)
        .await
        .unwrap_err();
    assert_eq!(e.code, consult::model::ErrorCode::SlotTaken);

    // Someone who is not on the site, or no id at all: refused, the field named.
    let mut req = request(&server, any.slots[1].starts_at);
    req.agent = Some(consult::model::UserId::parse("ffffffffffffffffffffffff").unwrap());
    let e = consult::server::services::booking::book(&server.state, req, None)
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("agent"));
    let e = slots_of(Some("not-an-id".into())).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("agent"));
    assert_eq!(
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM meetings")
            .fetch_one(store.pool())
            .await
            .unwrap(),
        2
    );
}

#[tokio::test]
async fn locked_prefilled_fields_are_enforced_by_the_server() {
    use consult::model::booking::Prefill;
    let server = TestServer::start().await;
    let api = server.api("prefill").await;
    let path = format!("/api/v2/management/sites/{}", server.site.as_str());
    let site = api.get(&path).await;
    // The key only through its own endpoint: reading the site does not hand it out.
    assert!(site.result().get("prefill_key").is_none(), "{}", site.body);
    let key_path = format!("{path}/prefill-key");
    let key = api.get(&key_path).await.result()["prefill_key"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(key.len(), 64, "{key}");
    assert_eq!(site.result()["prefill_required"], false);
    let slots = server.slot_list().await.slots;
    let lock = vec!["email".to_string(), "name".to_string()];
    let signed = |key: &str, email: &str| Prefill {
        lock: lock.clone(),
        name: "Sanne de Vries".into(),
        email: email.into(),
        phone: String::new(),
        signature: support::sign(
            key,
            &Prefill::message(server.site.as_str(), &lock, "Sanne de Vries", email, ""),
        ),
    };
    let attempt = |prefill: Option<Prefill>, email: &str, at: usize| {
        let mut req = request(&server, slots[at].starts_at);
        req.name = "Sanne de Vries".into();
        req.email = email.into();
        req.prefill = prefill;
        consult::server::services::booking::book(&server.state, req, None)
    };
    let field = |r: Result<_, consult::model::AppError>| r.unwrap_err().field;

    // Changed after signing, forged, or locking what cannot be locked: refused.
    assert_eq!(
        field(
            attempt(
                Some(signed(&key, "policy-42@insurer.example")),
                "me@elsewhere.example",
                0
            )
            .await
        )
        .as_deref(),
        Some("email")
    );
    assert_eq!(
        field(attempt(Some(signed(&"0".repeat(64), "a@b.nl")), "a@b.nl", 0).await).as_deref(),
        Some("prefill")
    );
    let mut odd = signed(&key, "a@b.nl");
    odd.lock.push("note".into());
    assert_eq!(
        field(attempt(Some(odd), "a@b.nl", 0).await).as_deref(),
        Some("prefill")
    );
    // As signed: booked.
    attempt(
        Some(signed(&key, "policy-42@insurer.example")),
        "policy-42@insurer.example",
        0,
    )
    .await
    .expect("the signed details book");

    // Required: a booking without signed details is refused; a rotated key voids old ones.
    let set = api
        .patch(
            &path,
            json!({ "prefill_required": true, "rotate_prefill_key": true }),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert!(set.result().get("prefill_key").is_none(), "{}", set.body);
    let new_key = api.get(&key_path).await.result()["prefill_key"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_key, key);
    assert_eq!(
        field(attempt(None, "a@b.nl", 1).await).as_deref(),
        Some("prefill")
    );
    assert_eq!(
        field(attempt(Some(signed(&key, "a@b.nl")), "a@b.nl", 1).await).as_deref(),
        Some("prefill")
    );
    attempt(Some(signed(&new_key, "a@b.nl")), "a@b.nl", 1)
        .await
        .expect("the new key works");
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meetings")
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
    assert_eq!(count, 2);
}

/// The data block of the booking page, if any, parsed.
fn first_slots(page: &str) -> Option<consult::model::booking::FirstSlots> {
    let open = format!(
        "<script type=\"application/json\" id=\"{}\">",
        consult::model::booking::FirstSlots::ELEMENT_ID
    );
    let start = page.find(&open)? + open.len();
    let end = start + page[start..].find("</script>")?;
    Some(serde_json::from_str(&page[start..end]).unwrap())
}

#[tokio::test]
async fn the_booking_page_carries_its_first_times_only_for_an_allowed_page() {
    let server = TestServer::start().await;
    // A name with markup in it: the block must stay one block.
    let api = server.api("sites").await;
    let a = api
        .patch(
            &format!("/api/v2/management/sites/{}", server.site.as_str()),
            json!({"name": "Clinic </script><script>alert(1)</script>"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let page = |referer: Option<String>| {
        let url = format!("{}/embed/booking?site={}", server.url, server.site.as_str());
        async move {
            let mut req = reqwest::Client::new().get(url);
            if let Some(r) = referer {
                req = req.header("referer", r);
            }
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 200);
            assert!(res.headers().contains_key("content-security-policy"));
            let cache = res.headers()["cache-control"].to_str().unwrap().to_string();
            let html = res.text().await.unwrap();
            // A page with times in it is this request's own: never kept.
            if first_slots(&html).is_some() {
                assert_eq!(cache, "no-store");
            }
            html
        }
    };

    // Framed by the site's own page: its times, made for that page, in the page itself.
    let html = page(Some(format!("{}/some/page?q=1", server.host_url))).await;
    assert_eq!(
        html.matches("<script").count(),
        2,
        "one data block, one module: {html}"
    );
    let first = first_slots(&html).expect("the first times are in the page");
    assert_eq!(first.host_origin, server.host_url);
    assert_eq!(first.list.slots, server.slot_list().await.slots);
    assert!(
        first.list.site.name.contains("</script>"),
        "the name survived escaping"
    );

    // Framed elsewhere (the browser would not show it there anyway): nothing to take.
    let html = page(Some("http://127.0.0.1:9/".into())).await;
    assert!(first_slots(&html).is_none(), "{html}");

    // Opened on its own: made for our own origin.
    let html = page(None).await;
    let first = first_slots(&html).expect("the first times for the page on its own");
    assert_eq!(first.host_origin, server.url);
}

/// A site open round the clock has more free times in its horizon than one list holds: the
/// list says so, and asking from just after its last time goes on, without a gap or a time
/// twice, to the end of the horizon.
#[tokio::test]
async fn the_times_page_on_to_the_end_of_the_horizon() {
    let server = TestServer::start().await;
    let page = |after: Option<chrono::DateTime<chrono::Utc>>| {
        let server = &server;
        async move { times(server, None, after).await.unwrap() }
    };
    let first_at = chrono::Utc::now();
    let first = page(None).await;
    assert_eq!(
        first.slots.len(),
        consult::server::services::booking::MAX_SLOTS
    );
    assert!(
        first.more,
        "a fortnight of quarter-hours is more than one list"
    );
    let mut all = first.slots.clone();
    let mut more = first.more;
    let mut pages = 1;
    while more {
        let after = all.last().unwrap().starts_at + chrono::Duration::milliseconds(1);
        let next = page(Some(after)).await;
        assert!(!next.slots.is_empty(), "more was promised");
        assert!(next.slots[0].starts_at >= after);
        all.extend(next.slots);
        more = next.more;
        pages += 1;
        assert!(pages < 10, "the pages end");
    }
    assert!(pages >= 3, "{pages} pages");
    // Every quarter-hour once, in order, with nothing skipped between pages.
    for pair in all.windows(2) {
        assert_eq!(
            pair[1].starts_at - pair[0].starts_at,
            chrono::Duration::minutes(15),
            "{:?} then {:?}",
            pair[0].starts_at,
            pair[1].starts_at
        );
    }
    let horizon = chrono::Utc::now() + chrono::Duration::days(14);
    assert!(all.last().unwrap().starts_at <= horizon);
    // The horizon is 14 days of the site's calendar, today included: the last time is on the
    // 14th local day (read on both sides of the lists, should the site's midnight fall
    // between), whatever the hour of the run.
    let site = server
        .state
        .store
        .site(&server.site)
        .await
        .unwrap()
        .unwrap();
    let tz: chrono_tz::Tz = site.time_zone.parse().unwrap();
    let last_day = all
        .last()
        .unwrap()
        .starts_at
        .with_timezone(&tz)
        .date_naive();
    let fourteenth = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&tz).date_naive() + chrono::Duration::days(13)
    };
    assert!(
        [fourteenth(first_at), fourteenth(chrono::Utc::now())].contains(&last_day),
        "{last_day}"
    );
    // Past the last one: nothing, and no more.
    let after = all.last().unwrap().starts_at + chrono::Duration::milliseconds(1);
    let end = page(Some(after)).await;
    assert!(end.slots.is_empty() && !end.more);
}
