//! Issue 19, items 1–3: a person's data exported and erased (API and the operator's command
//! line), retention with a clock the test sets, and the audit trail that records it all
//! without personal data.

use crate::appointments_api::{appointment_json, company_api};
use crate::support::api::{Api, Clinic};
use crate::support::smtp::SmtpSink;
use crate::support::TestServer;
use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use serde_json::{json, Value};

const NAME: &str = "Petra Privacyweg";
const EMAIL: &str = "petra.privacyweg@example.org";
const PHONE: &str = "+31687654321";

/// A meeting of the clinic's agent inviting the person, `days` ahead: its id.
async fn meeting_with_person(api: &Api, clinic: &Clinic, days: i64) -> String {
    let start = (Utc::now() + Duration::days(days))
        .date_naive()
        .and_hms_opt(10, 0, 0)
        .unwrap()
        .and_utc();
    let m = api
        .post(
            "/api/v2/personal/meetings",
            json!({ "site": clinic.site, "agent": clinic.agent,
                    "time_start": start.to_rfc3339(), "time_end": (start + Duration::minutes(30)).to_rfc3339(),
                    "subject": "Intake", "send_email": true,
                    "participants": [{ "name": NAME, "email": EMAIL, "phone": PHONE }] }),
        )
        .await;
    assert_eq!(m.status, 201, "{}", m.body);
    m.result()["id"].as_str().unwrap().to_string()
}

/// Move a meeting into the past: it started `days` ago (the API refuses past times; the
/// clock of a test cannot wait days).
async fn move_to_past(server: &TestServer, meeting: &str, days: i64) -> DateTime<Utc> {
    let start = Utc::now() - Duration::days(days);
    let ms = start.timestamp_millis();
    sqlx::query(
        "UPDATE meetings SET starts_at = $1, opens_at = $1, ends_at = $2, closes_at = $3 WHERE id = $4",
    )
    .bind(ms)
    .bind(ms + 1_800_000)
    .bind(ms + 1_800_000 + 3_600_000)
    .bind(meeting)
    .execute(server.state.store.pool())
    .await
    .unwrap();
    consult::server::store::from_ms(ms + 1_800_000 + 3_600_000)
}

/// A company with an agent and a site, and a caller of its own.
async fn clinic(server: &TestServer, reseller: &Api, name: &str) -> (Clinic, Api) {
    let tag = name.to_lowercase().replace(' ', "-");
    let clinic = reseller
        .clinic(
            name,
            &format!("agent-{tag}@example.com"),
            Some("StrongPassword123!"),
        )
        .await;
    let api = company_api(server, &clinic.company).await;
    (clinic, api)
}

async fn scalar(server: &TestServer, sql: &str, id: &str) -> Option<String> {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(server.state.store.pool())
        .await
        .unwrap()
}

async fn count(server: &TestServer, sql: &str, arg: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(arg)
        .fetch_one(server.state.store.pool())
        .await
        .unwrap()
}

/// The name and address of a meeting's guest.
async fn guest_of(server: &TestServer, meeting: &str) -> (String, Option<String>) {
    sqlx::query_as("SELECT name, email FROM participants WHERE meeting_id = $1 AND is_host = 0")
        .bind(meeting)
        .fetch_one(server.state.store.pool())
        .await
        .unwrap()
}

/// Every entry of the audit trail a caller reads (all pages).
async fn audit(api: &Api) -> Vec<Value> {
    let mut all = Vec::new();
    for page in 1.. {
        let a = api
            .get(&format!(
                "/api/v2/management/audit-events?per_page=100&page={page}"
            ))
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        let items = a.result().as_array().unwrap().clone();
        let done = items.len() < 100;
        all.extend(items);
        if done {
            break;
        }
    }
    all
}

fn assert_no_personal_data(text: &str) {
    for needle in [
        NAME,
        "Petra",
        "Privacyweg",
        EMAIL,
        "petra.privacyweg",
        PHONE,
        "687654321",
    ] {
        assert!(
            !text.to_lowercase().contains(&needle.to_lowercase()),
            "the audit trail holds {needle}: {text}"
        );
    }
}

#[tokio::test]
async fn a_persons_data_is_exported_and_erased_within_the_callers_companies_only() {
    let sink = SmtpSink::start();
    let server = TestServer::start_with(|c| c.smtp = sink.config()).await;
    let reseller = server.api("reseller").await;
    let (a, api_a) = clinic(&server, &reseller, "Clinic A").await;
    let (b, api_b) = clinic(&server, &reseller, "Clinic B").await;
    // She is the contact person of both clinics, too.
    for company in [&a.company, &b.company] {
        sqlx::query(
            "UPDATE contacts SET email = $1, phone = $2
             WHERE id = (SELECT contact_id FROM companies WHERE id = $3)",
        )
        .bind(EMAIL)
        .bind(PHONE)
        .bind(company.as_str())
        .execute(server.state.store.pool())
        .await
        .unwrap();
    }

    // And of a dealer of the reseller (its contact person and its address for notices), with
    // a client of its own, and of the reseller itself.
    let dealer = reseller
        .post(
            "/api/v2/management/dealers",
            json!({ "name": "Dealer",
                    "contact": { "first_name": "Petra", "last_name": "Privacyweg", "email": EMAIL,
                                 "phone": PHONE, "language": "nl" },
                    "notification_contact": { "email": EMAIL.to_uppercase() } }),
        )
        .await;
    assert_eq!(dealer.status, 201, "{}", dealer.body);
    let dealer = dealer.result()["id"].as_str().unwrap().to_string();
    let dealer_client = reseller
        .post(
            "/api/v2/management/clients",
            json!({ "name": "dealer client", "entity": { "type": "dealer", "id": dealer } }),
        )
        .await;
    assert_eq!(dealer_client.status, 201, "{}", dealer_client.body);
    let dealer_api = Api::login(
        &server.url,
        dealer_client.result()["client_id"].as_str().unwrap(),
        dealer_client.result()["client_secret"].as_str().unwrap(),
    )
    .await;
    let reseller_id = scalar(
        &server,
        "SELECT reseller_id FROM companies WHERE id = $1",
        &a.company,
    )
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO contacts (id, first_name, last_name, email, phone, language)
         VALUES ('reseller-contact', 'Petra', 'Privacyweg', $1, $2, 'nl')",
    )
    .bind(EMAIL)
    .bind(PHONE)
    .execute(server.state.store.pool())
    .await
    .unwrap();
    sqlx::query("UPDATE resellers SET contact_id = 'reseller-contact' WHERE id = $1")
        .bind(&reseller_id)
        .execute(server.state.store.pool())
        .await
        .unwrap();

    // One meeting made by the reseller's client (its audit entry finds clinic A by the
    // meeting), the others by the clinic's own.
    let upcoming = meeting_with_person(&reseller, &a, 3).await;
    let past = meeting_with_person(&api_a, &a, 4).await;
    let past_start = move_to_past(&server, &past, 10).await - Duration::minutes(90);
    let other = meeting_with_person(&api_b, &b, 3).await;
    let appt = api_a
        .post(
            "/api/v1/appointments",
            appointment_json(
                "CASE-77",
                Utc::now() + Duration::days(5),
                json!({ "claimant": { "name": NAME, "email": EMAIL, "phone_number": PHONE } }),
            ),
        )
        .await;
    assert_eq!(appt.status, 201, "{}", appt.body);
    let appt = appt.body["data"]["id"].as_str().unwrap().to_string();
    // The invitations are sent (so there is mail about her to find, and nothing of before
    // the erasure is still on its way below).
    server.outbox_settled_on("email").await;

    // Refusals name the field; nothing is read.
    for (query, field) in [
        ("", "email"),
        ("?email=not-an-address", "email"),
        ("?phone=12", "phone"),
        (
            &format!("?email={EMAIL}&phone=%2B31687654321") as &str,
            "email",
        ),
    ] {
        let r = api_a
            .get(&format!("/api/v2/management/personal-data{query}"))
            .await;
        assert_eq!(r.status, 400, "{query}: {}", r.body);
        assert_eq!(r.error()["field"], field, "{query}");
        assert_no_personal_data(&r.body.to_string());
    }

    // The export: clinic A's meetings, appointment and messages, and nothing of clinic B.
    let export = api_a
        .get(&format!(
            "/api/v2/management/personal-data?email={}",
            EMAIL.to_uppercase()
        ))
        .await;
    assert_eq!(export.status, 200, "{}", export.body);
    let data = export.result();
    let meetings: Vec<&str> = data["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["meeting_id"].as_str().unwrap())
        .collect();
    assert_eq!(meetings.len(), 2, "{data}");
    assert!(meetings.contains(&upcoming.as_str()) && meetings.contains(&past.as_str()));
    assert!(!meetings.contains(&other.as_str()));
    assert!(data["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["name"] == NAME
            && m["email"] == EMAIL
            && m["phone"] == PHONE
            && m["role"] == "guest"
            && m["company_id"] == a.company.as_str()));
    assert_eq!(data["appointments"][0]["id"], appt.as_str());
    assert_eq!(data["appointments"][0]["claimant_name"], NAME);
    let messages = data["messages"].as_array().unwrap();
    assert!(messages.len() >= 3, "invitations by e-mail: {data}");
    assert!(messages
        .iter()
        .all(|m| m["recipient"] == EMAIL || m["recipient"] == PHONE));
    assert_eq!(data["users"], json!([]));
    // The contact person of clinic A (not of clinic B, another tenant, nor of the dealer or
    // reseller above it).
    let contacts = data["contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), 1, "{data}");
    assert_eq!(contacts[0]["entity_type"], "company");
    assert_eq!(contacts[0]["entity_id"], a.company.as_str());
    assert_eq!(contacts[0]["role"], "contact");
    assert_eq!(contacts[0]["email"], EMAIL);
    assert_eq!(contacts[0]["phone"], PHONE);
    let by_phone = api_a
        .get("/api/v2/management/personal-data?phone=%2B31687654321")
        .await;
    assert_eq!(by_phone.result()["meetings"].as_array().unwrap().len(), 2);
    assert_eq!(by_phone.result()["contacts"].as_array().unwrap().len(), 1);
    // Each caller finds the contacts of what it sees: the dealer's client its own contact
    // person and address for notices; the reseller's, itself, its dealer and both clinics.
    // A phone number finds no address for notices (it has none).
    let contacts_of = |answer: &crate::support::api::Answer| -> Vec<(String, String, String)> {
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.result()["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let s = |k: &str| c[k].as_str().unwrap().to_string();
                (s("entity_type"), s("entity_id"), s("role"))
            })
            .collect()
    };
    let mine = |kind: &str, id: &str, role: &str| (kind.into(), id.into(), role.into());
    let by = |who: &str| format!("/api/v2/management/personal-data?{who}");
    let email = format!("email={EMAIL}");
    let phone = "phone=%2B31687654321";
    assert_eq!(
        contacts_of(&dealer_api.get(&by(&email)).await),
        vec![
            mine("dealer", &dealer, "contact"),
            mine("dealer", &dealer, "notification")
        ]
    );
    assert_eq!(
        contacts_of(&dealer_api.get(&by(phone)).await),
        vec![mine("dealer", &dealer, "contact")]
    );
    let mut clinics = [
        a.company.as_str().to_string(),
        b.company.as_str().to_string(),
    ];
    clinics.sort();
    let everyone = vec![
        mine("company", &clinics[0], "contact"),
        mine("company", &clinics[1], "contact"),
        mine("dealer", &dealer, "contact"),
        mine("dealer", &dealer, "notification"),
        mine("reseller", &reseller_id, "contact"),
    ];
    assert_eq!(contacts_of(&reseller.get(&by(&email)).await), everyone);
    let by_number: Vec<_> = everyone
        .iter()
        .filter(|c| c.2 == "contact")
        .cloned()
        .collect();
    assert_eq!(contacts_of(&reseller.get(&by(phone)).await), by_number);
    // Clinic B sees its own meeting only.
    let b_sees = api_b
        .get(&format!("/api/v2/management/personal-data?email={EMAIL}"))
        .await;
    let b_meetings = b_sees.result()["meetings"].as_array().unwrap();
    assert_eq!(b_meetings.len(), 1);
    assert_eq!(b_meetings[0]["meeting_id"], other.as_str());
    assert_eq!(b_sees.result()["appointments"], json!([]));

    // The erasure.
    let sent_before = sink.messages().len();
    let erased = api_a
        .call(
            Method::DELETE,
            &format!("/api/v2/management/personal-data?email={EMAIL}"),
            None,
        )
        .await;
    assert_eq!(erased.status, 200, "{}", erased.body);
    let request_id = erased.headers["x-request-id"].to_str().unwrap().to_string();
    let done = erased.result();
    assert_eq!(done["meetings_cancelled"], 1, "{done}");
    assert_eq!(done["meetings_erased"], 2, "{done}");
    assert_eq!(done["appointments_cancelled"], 1, "{done}");
    assert_eq!(done["appointments_erased"], 1, "{done}");
    assert!(done["messages_deleted"].as_u64().unwrap() >= 3, "{done}");
    // The clinic's contact is the clinic's to change: kept, and said so.
    assert_eq!(done["contacts_kept"], 1, "{done}");

    // Her meeting to come is cancelled; the past one keeps its time and agent, without her.
    assert_eq!(server.meeting_status(&upcoming).await, "cancelled");
    assert_eq!(server.meeting_status(&past).await, "scheduled");
    let kept: (i64, String) =
        sqlx::query_as("SELECT starts_at, agent_id FROM meetings WHERE id = $1")
            .bind(&past)
            .fetch_one(server.state.store.pool())
            .await
            .unwrap();
    assert_eq!(kept, (past_start.timestamp_millis(), a.agent.clone()));
    for m in [&upcoming, &past] {
        let left: (String, Option<String>, Option<String>) = sqlx::query_as(
            "SELECT name, email, phone FROM participants WHERE meeting_id = $1 AND is_host = 0",
        )
        .bind(m)
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
        assert_eq!(left, (String::new(), None, None));
    }
    let claimant: (String, Option<String>, Option<String>, String) = sqlx::query_as(
        "SELECT claimant_name, claimant_email, claimant_phone, status FROM appointments WHERE id = $1",
    )
    .bind(&appt)
    .fetch_one(server.state.store.pool())
    .await
    .unwrap();
    assert_eq!(
        claimant,
        (String::new(), None, None, "cancelled".to_string())
    );
    let left: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE recipient IN ($1, $2) AND meeting_id IN ($3, $4, $5)",
    )
    .bind(EMAIL)
    .bind(PHONE)
    .bind(&upcoming)
    .bind(&past)
    .bind(&appt)
    .fetch_one(server.state.store.pool())
    .await
    .unwrap();
    assert_eq!(
        left, 0,
        "no message to her about clinic A's meetings is kept"
    );
    // Clinic B's meeting still knows her.
    assert_eq!(
        scalar(
            &server,
            "SELECT email FROM participants WHERE meeting_id = $1 AND is_host = 0",
            &other
        )
        .await
        .as_deref(),
        Some(EMAIL)
    );
    // The agent hears of the cancellation; she does not (she has no address here any more).
    server.outbox_settled_on("email").await;
    let after = sink.messages();
    let new: Vec<&String> = after[sent_before..].iter().collect();
    assert!(
        new.iter().any(|m| m.contains("agent-clinic-a@example.com")),
        "the agent is told: {new:?}"
    );
    assert!(
        !new.iter().any(|m| m.to_lowercase().contains(EMAIL)),
        "nothing more goes to her: {new:?}"
    );
    // Asked again, nothing is held in clinic A.
    let again = api_a
        .get(&format!("/api/v2/management/personal-data?email={EMAIL}"))
        .await;
    let again = again.result();
    for list in [
        "meetings",
        "appointments",
        "messages",
        "calls",
        "recordings",
    ] {
        assert_eq!(again[list], json!([]), "{list}: {again}");
    }

    // The audit trail: the export and the erasure (with the request's id), the cancellation,
    // the reseller's creation of the meetings (resolved to clinic A); no personal data.
    let trail = audit(&api_a).await;
    let text = serde_json::to_string(&trail).unwrap();
    assert_no_personal_data(&text);
    let find = |action: &str, entity: Option<&str>| {
        trail
            .iter()
            .find(|e| e["action"] == action && entity.is_none_or(|id| e["entity_id"] == id))
    };
    let erase = find("personal_data.erase", None).expect("the erasure is audited");
    assert_eq!(erase["request_id"], request_id.as_str());
    assert_eq!(erase["actor_type"], "api_client");
    assert_eq!(erase["company_id"], a.company.as_str());
    assert_eq!(erase["status"], 200);
    assert!(find("personal_data.export", None).is_some());
    let cancelled = find("meeting.cancel", Some(&upcoming)).expect("the cancellation");
    assert_eq!(
        cancelled["request_id"],
        request_id.as_str(),
        "done in that request: {trail:#?}"
    );
    assert!(find("appointment.cancel", Some(&appt)).is_some());
    let created = find("POST /api/v2/personal/meetings", Some(&upcoming)).expect("creation");
    assert_eq!(created["entity_type"], "meetings");
    assert_eq!(created["scope_type"], "reseller");
    assert!(find("POST /api/v1/appointments", Some(&appt)).is_some());
    // Reads are not audited (but exports are); refusals are not either.
    assert!(!trail
        .iter()
        .any(|e| e["action"].as_str().unwrap().starts_with("GET ")));
    // Clinic B reads none of clinic A's.
    let b_trail = audit(&api_b).await;
    assert!(b_trail
        .iter()
        .all(|e| e["company_id"] == b.company.as_str() || e["company_id"].is_null()));
    assert!(!b_trail.iter().any(|e| e["entity_id"] == upcoming.as_str()));
    let foreign = api_b
        .get(&format!(
            "/api/v2/management/audit-events?company_id={}",
            a.company
        ))
        .await;
    assert_eq!(foreign.status, 404, "{}", foreign.body);
    // Append-only in the database itself: no entry can be changed or removed, whoever asks.
    let entries = count(
        &server,
        "SELECT COUNT(*) FROM audit_events WHERE $1 = $1",
        "",
    )
    .await;
    assert!(entries > 0);
    for sql in [
        "UPDATE audit_events SET action = 'nothing happened' WHERE $1 = $1",
        "DELETE FROM audit_events WHERE $1 = $1",
    ] {
        let refused = sqlx::query(sql)
            .bind("")
            .execute(server.state.store.pool())
            .await
            .expect_err(sql)
            .to_string();
        assert!(refused.contains("append-only"), "{sql}: {refused}");
    }
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM audit_events WHERE action = $1",
            "nothing happened"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM audit_events WHERE $1 = $1",
            ""
        )
        .await,
        entries
    );
    let bad = api_a
        .get("/api/v2/management/audit-events?since=yesterday")
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.error()["field"], "since");

    // The operator: every company's data, then clinic B's erased by phone number.
    let out = server.cli(&["personal-data", "export", "--email", EMAIL]);
    let all: Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = all["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["meeting_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [other.as_str()], "only clinic B's still names her");
    assert_eq!(
        all["contacts"].as_array().unwrap().len(),
        5,
        "both clinics, the dealer twice and the reseller: {all}"
    );
    let out = server.cli(&[
        "personal-data",
        "erase",
        "--phone",
        PHONE,
        "--company",
        &b.company,
    ]);
    let done: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(done["meetings_erased"], 1, "{done}");
    assert_eq!(done["meetings_cancelled"], 1, "{done}");
    assert_eq!(server.meeting_status(&other).await, "cancelled");
    let b_trail = audit(&api_b).await;
    assert_no_personal_data(&serde_json::to_string(&b_trail).unwrap());
    assert!(b_trail
        .iter()
        .any(|e| e["actor_type"] == "operator" && e["action"] == "personal_data.erase"));
}

#[tokio::test]
async fn retention_erases_personal_data_once_the_companys_period_has_passed() {
    use consult::server::services::privacy::sweep;
    let server = TestServer::start().await;
    let reseller = server.api("reseller").await;
    let (a, api_a) = clinic(&server, &reseller, "Clinic Short").await;
    let (b, api_b) = clinic(&server, &reseller, "Clinic Default").await;

    // The setting: 1 to 3650 days, 90 by default.
    let path = format!("/api/v2/management/companies/{}", a.company);
    assert_eq!(api_a.get(&path).await.result()["retention_days"], 90);
    for bad in [json!(0), json!(3651), json!(1.5), json!("30")] {
        let r = api_a.patch(&path, json!({ "retention_days": bad })).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert_eq!(r.error()["field"], "retention_days", "{bad}");
    }
    assert_eq!(
        api_a.get(&path).await.result()["retention_days"],
        90,
        "nothing changed"
    );
    let set = api_a.patch(&path, json!({ "retention_days": 30 })).await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.result()["retention_days"], 30);

    // A past meeting of each company, closed at the same moment.
    let meeting_a = meeting_with_person(&api_a, &a, 2).await;
    let meeting_b = meeting_with_person(&api_b, &b, 2).await;
    let closed = move_to_past(&server, &meeting_a, 1).await;
    move_to_past(&server, &meeting_b, 1).await;
    sqlx::query("UPDATE meetings SET note = 'my knee hurts' WHERE id = $1")
        .bind(&meeting_a)
        .execute(server.state.store.pool())
        .await
        .unwrap();
    // An appointment of A whose room ended then, and a call in its room with a recording.
    let appt = api_a
        .post(
            "/api/v1/appointments",
            appointment_json(
                "CASE-9",
                Utc::now() + Duration::days(2),
                json!({ "claimant": { "name": NAME, "email": EMAIL } }),
            ),
        )
        .await;
    assert_eq!(appt.status, 201, "{}", appt.body);
    let appt = appt.body["data"]["id"].as_str().unwrap().to_string();
    let closed_ms = closed.timestamp_millis();
    let pool = server.state.store.pool();
    sqlx::query("UPDATE appointments SET appointment_at = $1, room_starts_at = $1, room_ends_at = $1 WHERE id = $2")
        .bind(closed_ms)
        .bind(&appt)
        .execute(pool)
        .await
        .unwrap();
    let room: String = sqlx::query_scalar("SELECT room_id FROM appointments WHERE id = $1")
        .bind(&appt)
        .fetch_one(pool)
        .await
        .unwrap();
    let at = closed_ms - 600_000;
    sqlx::query("INSERT INTO room_sessions (id, room_id, company_id, room_name, room_created_at, room_ends_at, started_at, ended_at) VALUES ('s1', $1, $2, '/r', $3, $3, $3, $3)")
        .bind(&room).bind(&a.company).bind(at).execute(pool).await.unwrap();
    sqlx::query("INSERT INTO session_participants (id, session_id, display_name, role, joined_at, left_at, user_agent) VALUES ('sp1', 's1', $1, 'guest', $2, $2, 'Firefox')")
        .bind(NAME).bind(at).execute(pool).await.unwrap();
    sqlx::query("INSERT INTO recordings (id, company_id, room_id, room_name, mode, state, started_at, stopped_at) VALUES ('0123456789abcdef01234567', $1, $2, '/r', 'cloud', 'ready', $3, $3)")
        .bind(&a.company).bind(&room).bind(at).execute(pool).await.unwrap();
    sqlx::query("INSERT INTO recording_consents (recording_id, peer_id, name, role, told_at) VALUES ('0123456789abcdef01234567', 'p1', $1, 'guest', $2)")
        .bind(NAME).bind(at).execute(pool).await.unwrap();

    // 29 days after: nothing is due.
    let swept = sweep(&server.state, closed + Duration::days(29))
        .await
        .unwrap();
    assert_eq!(swept, Default::default());
    assert_eq!(guest_of(&server, &meeting_a).await.0, NAME);

    // 31 days after: clinic A's personal data is gone, clinic B's (90 days) is not.
    let swept = sweep(&server.state, closed + Duration::days(31))
        .await
        .unwrap();
    assert_eq!(
        (
            swept.meetings,
            swept.appointments,
            swept.calls,
            swept.recordings
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(guest_of(&server, &meeting_a).await, (String::new(), None));
    assert_eq!(
        guest_of(&server, &meeting_b).await,
        (NAME.to_string(), Some(EMAIL.to_string()))
    );
    let m: (String, Option<String>, i64, String, String) = sqlx::query_as(
        "SELECT subject, note, closes_at, agent_id, status FROM meetings WHERE id = $1",
    )
    .bind(&meeting_a)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(
        m,
        (
            String::new(),
            None,
            closed_ms,
            a.agent.clone(),
            "scheduled".into()
        )
    );
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM participants WHERE meeting_id = $1",
            &meeting_a
        )
        .await,
        2,
        "the count of participants remains"
    );
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM outbox WHERE meeting_id = $1",
            &meeting_a
        )
        .await,
        0
    );
    assert!(
        count(
            &server,
            "SELECT COUNT(*) FROM outbox WHERE meeting_id = $1",
            &meeting_b
        )
        .await
            > 0
    );
    assert_eq!(
        scalar(
            &server,
            "SELECT claimant_email FROM appointments WHERE id = $1",
            &appt
        )
        .await,
        None
    );
    assert_eq!(
        scalar(
            &server,
            "SELECT claimant_name FROM appointments WHERE id = $1",
            &appt
        )
        .await
        .as_deref(),
        Some("")
    );
    assert_eq!(
        scalar(
            &server,
            "SELECT display_name FROM session_participants WHERE session_id = $1",
            "s1"
        )
        .await
        .as_deref(),
        Some("")
    );
    assert_eq!(
        scalar(
            &server,
            "SELECT state FROM recordings WHERE id = $1",
            "0123456789abcdef01234567"
        )
        .await
        .as_deref(),
        Some("deleted")
    );
    assert_eq!(
        scalar(
            &server,
            "SELECT name FROM recording_consents WHERE recording_id = $1",
            "0123456789abcdef01234567"
        )
        .await
        .as_deref(),
        Some("")
    );
    // The export no longer finds her in clinic A; the API still shows the meeting's time.
    let export = api_a
        .get(&format!("/api/v2/management/personal-data?email={EMAIL}"))
        .await;
    assert_eq!(export.result()["meetings"], json!([]));
    assert_eq!(export.result()["appointments"], json!([]));
    // Once is enough: a second pass finds nothing.
    let swept = sweep(&server.state, closed + Duration::days(31))
        .await
        .unwrap();
    assert_eq!(swept, Default::default());
    // The system's erasures are in clinic A's audit trail, by id.
    let trail = audit(&api_a).await;
    assert_no_personal_data(&serde_json::to_string(&trail).unwrap());
    assert!(trail.iter().any(|e| e["actor_type"] == "system"
        && e["action"] == "retention.erase"
        && e["entity_id"] == meeting_a.as_str()));
    assert!(
        trail
            .iter()
            .any(|e| e["action"] == "retention.delete"
                && e["entity_id"] == "0123456789abcdef01234567")
    );
    // 91 days after, clinic B's turn.
    let swept = sweep(&server.state, closed + Duration::days(91))
        .await
        .unwrap();
    assert_eq!(swept.meetings, 1);
    assert_eq!(guest_of(&server, &meeting_b).await, (String::new(), None));
}
