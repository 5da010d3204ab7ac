//! A site's availability set through the REST API and honoured by the booking form: opening
//! hours in the site's zone, closed dates, buffers, notice and horizon; bad settings refused
//! with the field named.

use crate::support;

use chrono::{Datelike, Duration, Utc};
use chrono_tz::Tz;
use serde_json::json;
use support::TestServer;

async fn offered(server: &TestServer) -> Vec<consult::model::booking::Slot> {
    server.slot_list().await.slots
}

#[tokio::test]
async fn availability_is_set_through_the_api_and_shapes_the_slots() {
    let server = TestServer::start().await;
    let api = server.api("availability").await;
    let path = format!("/api/v2/management/sites/{}", server.site.as_str());

    // Bad settings: refused, the field named, nothing changed.
    let before = api.get(&path).await.result()["availability"].clone();
    for (body, field) in [
        (
            json!({ "time_zone": "Mars/Olympus" }),
            "availability.time_zone",
        ),
        (json!({ "slot_minutes": 3 }), "availability.slot_minutes"),
        (
            json!({ "buffer_minutes": 500 }),
            "availability.buffer_minutes",
        ),
        (json!({ "horizon_days": 0 }), "availability.horizon_days"),
        (
            json!({ "opening_hours": { "monday": [{ "from": "25:00", "to": "26:00" }] } }),
            "availability.opening_hours.monday[0].from",
        ),
        (
            json!({ "opening_hours": { "tuesday": [{ "from": "12:00", "to": "09:00" }] } }),
            "availability.opening_hours.tuesday[0].to",
        ),
        (
            json!({ "opening_hours": { "friday": [{ "from": "09:00", "to": "12:00" }, { "from": "11:00", "to": "13:00" }] } }),
            "availability.opening_hours",
        ),
        (
            json!({ "closed_dates": ["2026-02-30"] }),
            "availability.closed_dates[0]",
        ),
        (json!({ "closed": [] }), "availability.closed"),
    ] {
        let a = api.patch(&path, json!({ "availability": body })).await;
        assert_eq!(a.status, 400, "{body}: {}", a.body);
        assert_eq!(a.error()["field"], field, "{body}: {}", a.body);
    }
    assert_eq!(api.get(&path).await.result()["availability"], before);

    // Weekdays 09:00–12:00 in Amsterdam, 30-minute slots, 15 minutes' buffer, a week ahead,
    // closed on the next weekday.
    let tz: Tz = "Europe/Amsterdam".parse().unwrap();
    let today = Utc::now().with_timezone(&tz).date_naive();
    let next_weekday = (1..8)
        .map(|d| today + Duration::days(d))
        .find(|d| d.weekday().num_days_from_monday() < 5)
        .unwrap();
    let morning = json!([{ "from": "09:00", "to": "12:00" }]);
    let a = api
        .patch(
            &path,
            json!({ "availability": {
                "time_zone": "Europe/Amsterdam", "slot_minutes": 30, "buffer_minutes": 15,
                "min_notice_minutes": 0, "horizon_days": 7,
                "opening_hours": { "monday": morning, "tuesday": morning, "wednesday": morning,
                                   "thursday": morning, "friday": morning },
                "closed_dates": [next_weekday.to_string()],
            } }),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let shown = &a.result()["availability"];
    assert_eq!(shown["opening_hours"]["monday"], morning);
    assert_eq!(shown["opening_hours"]["saturday"], json!([]));
    assert_eq!(shown["closed_dates"], json!([next_weekday.to_string()]));
    assert_eq!(shown["buffer_minutes"], 15);

    let slots = offered(&server).await;
    assert!(!slots.is_empty());
    for s in &slots {
        let local = s.starts_at.with_timezone(&tz);
        assert!(local.weekday().num_days_from_monday() < 5, "{local}");
        assert!(
            local.format("%H:%M").to_string().as_str() >= "09:00",
            "{local}"
        );
        assert!(
            (s.ends_at
                .with_timezone(&tz)
                .format("%H:%M")
                .to_string()
                .as_str())
                <= "12:00"
        );
        assert_ne!(local.date_naive(), next_weekday, "a closed date");
        assert!(
            local.date_naive() < today + Duration::days(7),
            "beyond the horizon"
        );
        assert_eq!(s.ends_at - s.starts_at, Duration::minutes(30));
    }

    // Booking the second slot of a morning also takes its neighbours (15 minutes either side)
    // from the only agent; the rest of the morning stays.
    // A whole morning (six slots), wherever it falls in the week shown.
    let day_of = |s: &consult::model::booking::Slot| s.starts_at.with_timezone(&tz).date_naive();
    let that_day: Vec<_> = slots
        .iter()
        .map(day_of)
        .find_map(|d| {
            let morning: Vec<_> = slots.iter().filter(|s| day_of(s) == d).cloned().collect();
            (morning.len() == 6).then_some(morning)
        })
        .expect("a full morning within the week");
    consult::server::services::booking::book(
        &server.state,
        server.booking_request(that_day[1].starts_at, "Ann", "ann@example.com"),
        None,
    )
    .await
    .expect("booked");
    let after = offered(&server).await;
    for (i, s) in that_day.iter().enumerate() {
        let still = after.iter().any(|a| a.starts_at == s.starts_at);
        assert_eq!(still, i > 2, "slot {i} of the morning");
    }
}

#[tokio::test]
async fn booking_a_closed_or_too_soon_time_says_why() {
    let server = TestServer::start().await;
    let api = server.api("availability").await;
    let path = format!("/api/v2/management/sites/{}", server.site.as_str());
    let first = offered(&server).await[0].clone();
    let tz: Tz = "Europe/Amsterdam".parse().unwrap();
    let day = first.starts_at.with_timezone(&tz).date_naive();
    let book = |starts_at| {
        consult::server::services::booking::book(
            &server.state,
            server.booking_request(starts_at, "Ann", "ann@example.com"),
            None,
        )
    };
    let a = api
        .patch(
            &path,
            json!({ "availability": { "closed_dates": [day.to_string()] } }),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let e = book(first.starts_at).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("starts_at"));
    assert!(e.message.contains("closed"), "{}", e.message);

    let a = api
        .patch(
            &path,
            json!({ "availability": { "closed_dates": [], "min_notice_minutes": 240 } }),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let e = book(first.starts_at).await.unwrap_err();
    assert!(e.message.contains("too soon"), "{}", e.message);
    assert!(offered(&server).await[0].starts_at >= Utc::now() + Duration::minutes(240));
}

#[tokio::test]
async fn dates_with_hours_of_their_own_are_set_through_the_api() {
    let server = TestServer::start().await;
    let api = server.api("special").await;
    let path = format!("/api/v2/management/sites/{}", server.site.as_str());
    let tz: Tz = "Europe/Amsterdam".parse().unwrap();
    let day = (Utc::now().with_timezone(&tz) + Duration::days(2)).date_naive();
    let other = day + Duration::days(1);

    for (special, field) in [
        (
            json!([{ "date": day.to_string(), "periods": [{ "from": "18:00", "to": "19:00" }, { "from": "18:30", "to": "20:00" }] }]),
            "availability.special_hours[0].periods",
        ),
        (
            json!([{ "date": day.to_string(), "periods": [] }, { "date": day.to_string(), "periods": [] }]),
            "availability.special_hours[1].date",
        ),
        (
            json!([{ "date": day.to_string(), "periods": [{ "from": "7pm", "to": "20:00" }] }]),
            "availability.special_hours[0].periods[0].from",
        ),
        (
            json!([{ "date": "2026-02-30", "periods": [] }]),
            "availability.special_hours[0].date",
        ),
    ] {
        let a = api
            .patch(
                &path,
                json!({ "availability": { "special_hours": special } }),
            )
            .await;
        assert_eq!(a.status, 400, "{special}: {}", a.body);
        assert_eq!(a.error()["field"], field, "{special}: {}", a.body);
    }

    // Closed every weekday, open one evening and never on the day after (no periods).
    let none = json!([]);
    let a = api
        .patch(
            &path,
            json!({ "availability": {
                "time_zone": "Europe/Amsterdam", "slot_minutes": 30, "horizon_days": 14,
                "opening_hours": { "monday": none, "tuesday": none, "wednesday": none,
                    "thursday": none, "friday": none, "saturday": none, "sunday": none },
                "special_hours": [
                    { "date": other.to_string(), "periods": [] },
                    { "date": day.to_string(), "periods": [{ "from": "18:00", "to": "19:00" }] },
                ],
            } }),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.result()["availability"]["special_hours"],
        json!([
            { "date": day.to_string(), "periods": [{ "from": "18:00", "to": "19:00" }] },
            { "date": other.to_string(), "periods": [] },
        ])
    );
    let times: Vec<String> = offered(&server)
        .await
        .iter()
        .map(|s| {
            s.starts_at
                .with_timezone(&tz)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .collect();
    assert_eq!(times, [format!("{day} 18:00"), format!("{day} 18:30")]);
}
