//! Appointments in Chromium with fake devices, made through the appointments API and entered
//! through the links it gives: the claimant's pre-call page and waiting room, the agent's host
//! link, an interpreter as third participant; the call's switches (no camera for the claimant:
//! no video track sent, checked with getStats; no chat: refused by the server), on hold and
//! back with the API's timestamps, the status from what happened, and the post-call redirects.

use crate::appointments_api::{appointment_json, company_api, token_of};
use crate::support;

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use support::api::Api;
use support::browser::{Browser, Driver};
use support::TestServer;

/// Poll the appointment until `ready` says yes (the hub's record of the call is written in
/// the background), for at most 30 s.
async fn appointment_when(
    api: &Api,
    id: &str,
    what: &str,
    ready: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + crate::support::patience(30);
    loop {
        let a = api.get(&format!("/api/v1/appointments/{id}")).await;
        assert_eq!(a.status, 200, "{}", a.body);
        if ready(&a.body["data"]) {
            return a.body["data"].clone();
        }
        assert!(Instant::now() < deadline, "{what}: {}", a.body);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Bytes this page has sent in `kind` (`audio`, `video`), over every peer connection.
async fn sent(page: &Browser, kind: &str) -> u64 {
    page.js(&format!(
        "return (async () => {{
           let bytes = 0;
           for (const pc of window.__consultTest.pcs) {{
             if (pc.connectionState === 'closed') continue;
             (await pc.getStats()).forEach((s) => {{
               if (s.type === 'outbound-rtp' && s.kind === '{kind}') bytes += s.bytesSent || 0;
             }});
           }}
           return bytes;
         }})()"
    ))
    .await
    .as_u64()
    .unwrap_or(0)
}

/// Video tracks this page sends on any of its connections.
async fn video_senders(page: &Browser) -> u64 {
    page.js(
        "return window.__consultTest.pcs.filter(pc => pc.connectionState !== 'closed')
           .flatMap(pc => pc.getSenders()).filter(s => s.track && s.track.kind === 'video').length",
    )
    .await
    .as_u64()
    .unwrap_or(99)
}

/// Wait until the top-level page's address contains `part` (a navigation to an address that
/// does not answer still shows it).
async fn wait_for_address(page: &Browser, part: &str) {
    let deadline = Instant::now() + crate::support::patience(30);
    loop {
        let url = page
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        if url.contains(part) {
            return;
        }
        assert!(Instant::now() < deadline, "still at {url}, not at …{part}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_claimant_without_camera_is_held_and_brought_back_with_an_interpreter_then_redirected() {
    let server = TestServer::start().await;
    let company = server.company().await;
    let api = company_api(&server, &company).await;
    // Starting in five minutes: the way in is open (it opens fifteen minutes before).
    let at = chrono::Utc::now() + chrono::Duration::minutes(5);
    let made = api
        .post(
            "/api/v1/appointments",
            appointment_json(
                "CLAIM-77",
                at,
                json!({
                    "agent": server.agent.as_str(),
                    "is_interpreter_needed": true, "interpreter_language": "Polish",
                    "features_webcam_access_claimant_enable": false,
                    "features_messages_chat_enable": false,
                    "features_participant_list_enable": true,
                    "features_bandwidth": "low",
                    "use_custom_post_call_redirect": true,
                    "custom_user_post_call_redirect_url": "https://127.0.0.1:9/claimant-done",
                    "custom_agent_post_call_redirect_url": "https://127.0.0.1:9/agent-done",
                }),
            ),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let d = &made.body["data"];
    let id = d["id"].as_str().unwrap().to_string();
    let driver = Driver::start();
    let agent = driver.session().await;
    let claimant = driver.session().await;
    let interpreter = driver.session().await;

    // The agent, through the room's host link: in at once.
    agent
        .goto(&format!(
            "{}&displayName=Dana%20Agent",
            d["meeting"]["room_url"].as_str().unwrap()
        ))
        .await;
    agent.find("main[data-status=in-call]").await;

    // The claimant's pre-call page: when, with whom, what to prepare; no camera in this call.
    claimant.goto(d["url"].as_str().unwrap()).await;
    let with = claimant.find("[data-with]").await.text().await.unwrap();
    assert_eq!(with, "With Dana Agent of Demo clinic");
    claimant.find("[data-camera-off]").await;
    claimant.axe("the pre-call page").await;
    // The device test opens the microphone only.
    claimant.click("[data-action=test-devices]").await;
    claimant.find("[data-check-result=ok]").await;
    let camera_tracks = claimant
        .js("return document.querySelector('[data-self-video]').srcObject.getVideoTracks().length")
        .await;
    assert_eq!(camera_tracks, json!(0));
    claimant.click("[data-action=enter-waiting-room]").await;
    claimant.find("main[data-status=waiting]").await;
    claimant.axe("the claimant waiting").await;

    // Admitted: the claimant hears and sees the agent, and sends sound but no picture.
    agent.admit("John Doe").await;
    claimant.find("main[data-status=in-call]").await;
    claimant.assert_receiving_video("the claimant").await;
    agent.assert_receiving_audio("the agent").await;
    assert_eq!(
        video_senders(&claimant).await,
        0,
        "the claimant sends no video track"
    );
    assert_eq!(sent(&claimant, "video").await, 0);
    assert!(sent(&claimant, "audio").await > 0);
    assert!(agent
        .inbound_video()
        .await
        .iter()
        .all(|(frames, _)| *frames == 0));
    // No camera control, no chat; the participant list is there.
    assert_eq!(
        claimant
            .js("return !!document.querySelector('[data-action=camera]')")
            .await,
        json!(false)
    );
    assert_eq!(
        claimant
            .js("return !!document.querySelector('.chat')")
            .await,
        json!(false)
    );
    claimant.find("[data-people]").await;
    agent.axe("an appointment's call, as its agent").await;
    claimant.axe("an appointment's call, as its claimant").await;
    // The agent's video is capped as the appointment's bandwidth says (low: 150 kbit/s).
    agent
        .wait_js(
            "the agent's video capped",
            30,
            "return window.__consultTest.pcs.filter(pc => pc.connectionState === 'connected')
               .flatMap(pc => pc.getSenders()).filter(s => s.track && s.track.kind === 'video')
               .some(s => (s.getParameters().encodings || []).some(e => e.maxBitrate === 150000))",
        )
        .await;
    // A chat message sent anyway, straight on the signaling connection: refused.
    claimant
        .js("const s = window.__consultTest.sockets; s[s.length - 1].send(JSON.stringify({type: 'chat', text: 'hello'})); return true")
        .await;
    claimant.signaling_barrier().await;
    let refused = claimant
        .signaling_received()
        .await
        .into_iter()
        .any(|m| m["type"] == "error" && m["error"]["code"] == "forbidden");
    assert!(refused, "the server refuses the chat");
    assert!(!claimant
        .signaling_received()
        .await
        .iter()
        .any(|m| m["type"] == "chat"));
    let started = appointment_when(&api, &id, "in progress", |a| {
        a["status"] == "in_progress" && a["session_started_at"].is_string()
    })
    .await;
    assert_eq!(started["session_ended_at"], Value::Null);

    // The interpreter: their own link, a third seat.
    interpreter
        .goto(d["interpreter_url"].as_str().unwrap())
        .await;
    interpreter.click("[data-action=enter-waiting-room]").await;
    interpreter.find("main[data-status=waiting]").await;
    agent.admit("Interpreter (Polish)").await;
    interpreter.find("main[data-status=in-call]").await;
    interpreter.assert_receiving_video("the interpreter").await;
    agent
        .wait_js(
            "two people in the agent's call",
            30,
            "return document.querySelectorAll('[data-peer]').length === 2",
        )
        .await;

    // On hold: back to a waiting screen with the message, nothing flowing to them.
    agent
        .click("[data-action=put-on-hold][aria-label='Put John Doe on hold']")
        .await;
    claimant.find("main[data-status=waiting]").await;
    let status = claimant.find(".status").await.text().await.unwrap();
    assert!(status.starts_with("You are on hold"), "{status}");
    assert_eq!(
        claimant.js("return window.__consultTest.pcs.filter(pc => pc.connectionState !== 'closed').length").await,
        json!(0),
        "media paused both ways: the connections are closed"
    );
    claimant.axe("the claimant on hold").await;
    let held = appointment_when(&api, &id, "on hold", |a| {
        a["on_hold_started_at"].is_string()
    })
    .await;
    assert_eq!(held["on_hold_ended_at"], Value::Null);
    agent.admit("John Doe").await;
    claimant.find("main[data-status=in-call]").await;
    claimant.assert_receiving_video("the claimant, back").await;
    let back = appointment_when(&api, &id, "back from hold", |a| {
        a["on_hold_ended_at"].is_string()
    })
    .await;
    assert!(back["on_hold_ended_at"].as_str() >= back["on_hold_started_at"].as_str());

    // The agent ends the call: completed, and each page goes to its own address.
    agent.click("[data-action=end-for-all]").await;
    wait_for_address(&claimant, "/claimant-done").await;
    let done = appointment_when(&api, &id, "completed", |a| a["status"] == "completed").await;
    assert!(done["session_ended_at"].as_str() >= done["session_started_at"].as_str());
    // The agent's page leaves too (the agent's own address).
    wait_for_address(&agent, "/agent-done").await;
    // Completed: the pre-call link says so, and the appointment can no longer change.
    let late = api
        .patch(
            &format!("/api/v1/appointments/{id}"),
            json!({ "duration_in_minutes": 40 }),
        )
        .await;
    assert_eq!(late.status, 409, "{}", late.body);
    let summary = crate::appointments_api::server_fn(
        &server,
        "precall/summary",
        &[("token", token_of(d["url"].as_str().unwrap()))],
    )
    .await;
    assert_eq!(summary.1["status"], "completed", "{}", summary.1);
    for page in [agent, claimant, interpreter] {
        page.close().await;
    }
}

#[tokio::test]
async fn the_agent_takes_the_claimant_aside_and_blur_is_told_as_the_browser_does_it() {
    let server = TestServer::start().await;
    let company = server.company().await;
    let api = company_api(&server, &company).await;
    let at = chrono::Utc::now() + chrono::Duration::minutes(5);
    let made = api
        .post(
            "/api/v1/appointments",
            appointment_json(
                "CLAIM-78",
                at,
                json!({
                    "is_interpreter_needed": true, "interpreter_language": "Arabic",
                    "features_breakout_room_enable": true,
                    "features_webcam_background_blurring_enable": true,
                }),
            ),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let d = &made.body["data"];
    let id = d["id"].as_str().unwrap().to_string();
    let driver = Driver::start();
    let agent = driver.session().await;
    let claimant = driver.session().await;
    let interpreter = driver.session().await;
    agent
        .goto(&format!(
            "{}&displayName=Dana%20Agent",
            d["meeting"]["room_url"].as_str().unwrap()
        ))
        .await;
    agent.find("main[data-status=in-call]").await;
    for (page, link, name) in [
        (&claimant, &d["url"], "John Doe"),
        (&interpreter, &d["interpreter_url"], "Interpreter (Arabic)"),
    ] {
        page.goto(link.as_str().unwrap()).await;
        page.click("[data-action=enter-waiting-room]").await;
        page.find("main[data-status=waiting]").await;
        agent.admit(name).await;
        page.find("main[data-status=in-call]").await;
    }
    // Blur: the claimant is told what their browser does, and the API shows the same.
    let told = claimant
        .js("const p = document.querySelector('[data-blur]'); return p ? p.dataset.blur : null")
        .await;
    let told = match told {
        Value::String(s) => s,
        _ => {
            // Told before entering the call; the call view shows it no more, the API does.
            let a = appointment_when(&api, &id, "blur told", |a| {
                a["webcam_background_blurring_status"].is_string()
            })
            .await;
            a["webcam_background_blurring_status"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let a = appointment_when(&api, &id, "blur told", |a| {
        a["webcam_background_blurring_status"].is_string()
    })
    .await;
    assert_eq!(a["webcam_background_blurring_status"], told.as_str());
    let claimed_blur = claimant
        .js("return document.querySelector('[data-self-video]').srcObject.getVideoTracks()[0].getSettings().backgroundBlur === true")
        .await;
    assert_eq!(
        claimed_blur,
        json!(told == "applied"),
        "the API says what the track's settings say"
    );
    agent.assert_decoding_videos("the agent", 2).await;

    // Aside: the interpreter waits, told why; agent and claimant talk on.
    agent
        .click("[data-action=take-aside][aria-label='Take John Doe aside']")
        .await;
    interpreter.find("main[data-status=waiting]").await;
    let status = interpreter.find(".status").await.text().await.unwrap();
    assert!(status.contains("privately"), "{status}");
    interpreter.axe("waiting while the agent talks aside").await;
    agent.axe("the agent talking aside").await;
    claimant.assert_receiving_video("the claimant, aside").await;
    agent
        .wait_js(
            "one person left in the agent's call",
            30,
            "return document.querySelectorAll('[data-peer]').length === 1",
        )
        .await;
    // The wait for someone else's private talk is no hold of the claimant.
    let a = api.get(&format!("/api/v1/appointments/{id}")).await;
    assert_eq!(a.body["data"]["on_hold_started_at"], Value::Null);
    // Everyone back.
    agent.click("[data-action=bring-back]").await;
    interpreter.find("main[data-status=in-call]").await;
    interpreter
        .assert_receiving_video("the interpreter, back")
        .await;
    agent
        .assert_decoding_videos("the agent, everyone back", 2)
        .await;
    for page in [agent, claimant, interpreter] {
        page.close().await;
    }
}

/// A console session for `user` (its login link followed): a cookie-keeping HTTP client.
async fn console_session(server: &TestServer, user: &consult::model::UserId) -> reqwest::Client {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let res = http
        .get(server.login_url_for(user).await)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    http
}

/// The references of the appointments a console lists.
async fn console_references(server: &TestServer, http: &reqwest::Client) -> Vec<String> {
    let v: Value = http
        .post(format!("{}/api/v1/console/overview", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["appointments"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .map(|a| a["reference"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn agents_take_appointments_from_the_console_by_department() {
    use consult::server::store::{NewSite, OpeningHours};
    let server = TestServer::start().await;
    let company = server.company().await;
    let api = company_api(&server, &company).await;
    // A second agent, on another site only ("Second office").
    let office = server
        .state
        .store
        .create_site(&NewSite {
            company_id: company.clone(),
            name: "Second office".into(),
            time_zone: "Europe/Amsterdam".into(),
            slot_minutes: 15,
            opening_hours: OpeningHours::always(),
            early_join_minutes: 15,
            origins: Vec::new(),
        })
        .await
        .unwrap();
    let bob = server
        .state
        .store
        .create_user(&company, "Bob", "Staff", "bob@demo.consult.test", "agent")
        .await
        .unwrap();
    server.state.store.attach_user(&office, &bob).await.unwrap();
    let at = chrono::Utc::now() + chrono::Duration::minutes(5);
    for (i, (reference, extra)) in [
        ("DEPT-CLINIC", json!({ "department": "Demo clinic" })),
        ("ANYONE", json!({})),
        ("BOBS", json!({ "agent": bob.as_str() })),
    ]
    .into_iter()
    .enumerate()
    {
        let at = at + chrono::Duration::minutes(i as i64);
        let a = api
            .post(
                "/api/v1/appointments",
                appointment_json(reference, at, extra),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
    }
    let dana = console_session(&server, &server.agent).await;
    let bobs = console_session(&server, &bob).await;
    assert_eq!(
        console_references(&server, &dana).await,
        ["DEPT-CLINIC", "ANYONE"]
    );
    assert_eq!(console_references(&server, &bobs).await, ["ANYONE", "BOBS"]);

    // Dana takes the clinic's appointment in the console: into its call, as its host.
    let driver = Driver::start();
    let page = driver.session().await;
    page.goto(&server.login_url_for(&server.agent).await).await;
    page.click("[data-action=take-appointment][aria-label^='Take the appointment with John Doe (DEPT-CLINIC)']")
        .await;
    page.find("main[data-status=in-call]").await;
    let list = api.get("/api/v1/appointments?reference=DEPT-CLINIC").await;
    assert_eq!(list.body["data"][0]["agent"], server.agent.as_str());
    // Taken: Bob may not take it, nor Dana Bob's.
    let id_of = |body: &Value| body["data"][0]["id"].as_str().unwrap().to_string();
    let clinic = id_of(&list.body);
    let bobs_one = id_of(&api.get("/api/v1/appointments?reference=BOBS").await.body);
    for (http, id) in [(&bobs, &clinic), (&dana, &bobs_one)] {
        let res = http
            .post(format!("{}/api/v1/console/take-appointment", server.url))
            .form(&[("id", id.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 409, "{}", res.text().await.unwrap());
    }
    page.close().await;
}

#[tokio::test]
async fn inside_an_embed_the_host_page_gets_the_post_call_address_and_decides() {
    let server = TestServer::start().await;
    let company = server.company().await;
    let api = company_api(&server, &company).await;
    let at = chrono::Utc::now() + chrono::Duration::minutes(5);
    let made = api
        .post(
            "/api/v1/appointments",
            appointment_json(
                "CLAIM-79",
                at,
                json!({
                    "use_custom_post_call_redirect": true,
                    "custom_user_post_call_redirect_url": "https://127.0.0.1:9/claimant-done",
                }),
            ),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let d = &made.body["data"];
    let room = format!(
        "{}/rooms{}",
        server.url,
        d["meeting"]["room_name"].as_str().unwrap()
    );
    let driver = Driver::start();
    let agent = driver.session().await;
    let claimant = driver.session().await;
    agent
        .goto(&format!(
            "{}&displayName=Dana%20Agent",
            d["meeting"]["room_url"].as_str().unwrap()
        ))
        .await;
    agent.find("main[data-status=in-call]").await;
    // The case system's own page embeds the room for the claimant.
    let host_page = format!(
        "{}/room?room={}&name=John%20Doe",
        server.host_url,
        url::form_urlencoded::byte_serialize(room.as_bytes()).collect::<String>()
    );
    claimant.goto(&host_page).await;
    claimant.enter_embed("consult-call").await;
    claimant.find("main[data-status=waiting]").await;
    agent.admit("John Doe").await;
    claimant.find("main[data-status=in-call]").await;
    claimant.client.enter_parent_frame().await.unwrap();
    agent.click("[data-action=end-for-all]").await;
    let left = claimant
        .wait_js(
            "consult:left with the address",
            30,
            "return window.__consultTest.events.find(e => e.type === 'consult:left')",
        )
        .await;
    assert_eq!(
        left["redirect"], "https://127.0.0.1:9/claimant-done",
        "{left}"
    );
    // The page stays where it is: the host page decides.
    let url = claimant.client.current_url().await.unwrap().to_string();
    assert!(url.starts_with(&server.host_url), "{url}");
    for page in [agent, claimant] {
        page.close().await;
    }
}
