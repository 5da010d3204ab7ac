//! The whole journey in real browsers: script tag on a foreign page → booking → join link →
//! waiting room → admitted from the console → two-way video; and the waiting room enforced
//! by the server (nothing reaches a participant who was not admitted).
//!
//! Needs Debian's chromium and chromium-driver and the widget built into dist/ (scripts/test.sh
//! does both).

use crate::support;

use fantoccini::Locator;
use serde_json::Value;
use support::browser::Driver;
use support::TestServer;

fn dist_is_built() {
    let index = consult::server::config::default_dist_dir().join("index.html");
    assert!(
        index.exists(),
        "the widget is not built ({}): run `trunk build --release` first",
        index.display()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn book_wait_admit_and_talk() {
    dist_is_built();
    let server = TestServer::start().await;
    let driver = Driver::start();
    let customer = driver.session().await;
    let agent = driver.session().await;

    let join = customer
        .book_on_host_page(&server.host_url, "Ada Lovelace", "ada@example.com", "")
        .await;
    assert!(join.starts_with(&format!("{}/join/", server.url)), "{join}");

    // The customer opens their link: camera preview and the waiting message.
    customer.wait_in_room(&join).await;
    customer
        .wait_js("the camera preview", 20, "const v = document.querySelector('[data-self-video]'); return v && v.srcObject && v.srcObject.getVideoTracks().length > 0")
        .await;
    let status = customer.find(".status").await.text().await.unwrap();
    assert!(status.contains("waiting room"), "{status}");

    // The agent logs in (having allowed desktop notifications before); the console shows the
    // customer waiting, pushed live, with a chime and a desktop notification.
    agent
        .cdp(
            "Browser.grantPermissions",
            serde_json::json!({ "origin": server.url, "permissions": ["notifications"] }),
        )
        .await;
    agent.goto(&server.login_url().await).await;
    let admit = agent
        .find("[data-action=admit][aria-label='Admit Ada Lovelace']")
        .await;
    assert!(agent
        .signaling_received()
        .await
        .iter()
        .any(|m| m["type"] == "lobby"));
    let notes = agent
        .wait_js(
            "a desktop notification",
            10,
            "const n = window.__consultTest.notifications; return n.length > 0 && n",
        )
        .await;
    assert_eq!(notes[0]["title"], "Ada Lovelace is waiting", "{notes}");
    assert!(
        agent
            .js("return window.__consultTest.audio.length")
            .await
            .as_u64()
            >= Some(1),
        "no chime"
    );
    admit.click().await.unwrap();

    // Both sides decode the other's video and receive their sound, and keep receiving them.
    agent.assert_receiving_video("agent").await;
    customer.assert_receiving_video("customer").await;
    agent.assert_receiving_audio("agent").await;
    customer.assert_receiving_audio("customer").await;
    customer.find("main[data-status=in-call]").await;
    assert_eq!(
        customer
            .js("return document.querySelectorAll('[data-remote-video]').length")
            .await,
        1
    );
    // The call takes the agent's view: in the viewport, focused; and what the live region
    // says does not contradict the list (no one waits any more).
    agent
        .wait_js(
            "the call in the agent's view",
            10,
            "const c = document.querySelector('.console-call');
             const r = c.getBoundingClientRect();
             // Scrolled into view, give or take a pixel's fraction of rounding.
             return !c.hidden && r.top > -1 && r.top < innerHeight / 2 && document.activeElement === c",
        )
        .await;
    agent
        .wait_js(
            "no stale 'is waiting'",
            10,
            "return !!document.querySelector('.waiting .empty')
                && !document.querySelector('.announce').textContent.includes('is waiting')",
        )
        .await;
    // An ordinary meeting has none of an appointment's controls.
    assert_eq!(
        agent
            .js("return !!document.querySelector('[data-action=take-aside], [data-people]')")
            .await,
        false
    );
    agent.axe("the agent's call in the console").await;
    customer.axe("the customer's call").await;

    // Leave ends the call cleanly for that side; the other side is told.
    customer
        .client
        .find(Locator::Css("button.leave"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    customer
        .wait_js(
            "the left message",
            10,
            "return document.querySelector('.status')?.textContent.includes('You left the call')",
        )
        .await;
    assert_eq!(
        customer
            .js("return window.__consultTest.pcs.every(pc => pc.connectionState === 'closed')")
            .await,
        true
    );
    agent
        .wait_js(
            "the remote tile to go",
            10,
            "return document.querySelectorAll('[data-remote-video]').length === 0",
        )
        .await;

    // Nothing went wrong unseen: no refused promise left unhandled, no uncaught exception.
    for (who, b) in [("customer", &customer), ("agent", &agent)] {
        let unseen: Vec<String> = b
            .logs()
            .await
            .into_iter()
            .filter(|l| l.starts_with("unhandled: ") || l.starts_with("uncaught: "))
            .collect();
        assert!(unseen.is_empty(), "{who}: {unseen:?}");
    }
    customer.close().await;
    agent.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_participant_who_is_not_admitted_never_receives_an_offer() {
    dist_is_built();
    let server = TestServer::start().await;
    let booked = server.book("Grace Hopper").await;
    let driver = Driver::start();
    let customer = driver.session().await;
    let agent = driver.session().await;

    customer.wait_in_room(&booked.join_url).await;

    // The agent enters the room with camera on, but does not admit.
    agent.goto(&server.login_url().await).await;
    let waiting = agent.find("[data-waiting]").await;
    let peer = waiting.attr("data-waiting").await.unwrap().unwrap();
    agent
        .find("button[aria-label^='Open the room']")
        .await
        .click()
        .await
        .unwrap();
    agent.find("section.call").await;
    // And then tries to force an offer on the waiting customer over its own connection.
    let answer = agent
        .js(&format!(
            "return new Promise((resolve) => {{
               const ws = new WebSocket(location.origin.replace('http', 'ws') + '/signal');
               const seen = [];
               ws.onopen = () => ws.send(JSON.stringify({{type: 'host', meeting: '{meeting}'}}));
               ws.onmessage = (e) => {{
                 const m = JSON.parse(e.data); seen.push(m);
                 if (m.type === 'joined') ws.send(JSON.stringify({{type: 'signal', to: '{peer}',
                   signal: {{kind: 'description', sdp_type: 'offer', sdp: 'v=0\\r\\n'}}}}));
                 if (m.type === 'error') {{ ws.close(); resolve(seen); }}
               }};
               setTimeout(() => resolve(seen), 60000);
             }})",
            meeting = booked.meeting
        ))
        .await;
    let refused = answer
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["type"] == "error")
        .cloned();
    assert_eq!(
        refused.map(|m| m["error"]["status"].clone()),
        Some(Value::from(404)),
        "{answer}"
    );

    // Whatever the hub sent the customer before refusing is ahead of the answer to a ping
    // sent now on the same connection.
    customer.signaling_barrier().await;
    let received = customer.signaling_received().await;
    assert!(
        received.iter().any(|m| m["type"] == "waiting"),
        "{received:?}"
    );
    assert!(
        !received
            .iter()
            .any(|m| m["type"] == "signal" || m["type"] == "joined"),
        "a waiting customer got: {received:?}"
    );
    assert_eq!(
        customer.js("return window.__consultTest.pcs.length").await,
        0
    );

    // Control: once admitted, offers do arrive (so the recorder would have seen one).
    agent
        .find("[data-action=admit]")
        .await
        .click()
        .await
        .unwrap();
    customer
        .wait_js(
            "an offer after admission",
            20,
            "return window.__consultTest.ws.flat().some(m => JSON.parse(m).type === 'signal')",
        )
        .await;
    let _ = peer;
    customer.close().await;
    agent.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_call_embeds_on_a_foreign_page() {
    dist_is_built();
    let server = TestServer::start().await;
    let booked = server.book("Alan Turing").await;
    let hash = booked.join_url.rsplit('/').next().unwrap().to_string();
    let driver = Driver::start();
    let customer = driver.session().await;
    let agent = driver.session().await;

    // The host page holds only `<consult-call join="…">`.
    customer
        .goto(&format!("{}/call?join={hash}", server.host_url))
        .await;
    customer.enter_embed("consult-call").await;
    customer.find("main[data-status=waiting]").await;

    agent.goto(&server.login_url().await).await;
    agent
        .find("[data-action=admit][aria-label='Admit Alan Turing']")
        .await
        .click()
        .await
        .unwrap();
    // Camera and video work inside the host page's iframe.
    customer
        .assert_receiving_video("customer in the iframe")
        .await;
    agent.assert_receiving_video("agent").await;

    customer.client.enter_parent_frame().await.unwrap();
    let events = customer
        .wait_js("consult:joined on the host page", 10, "const ev = window.__consultTest.events; return ev.some(e => e.type === 'consult:joined') && ev")
        .await;
    let types: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    for t in [
        "consult:ready",
        "consult:waiting",
        "consult:admitted",
        "consult:joined",
    ] {
        assert!(types.contains(&t), "{t} missing from {types:?}");
    }
    // Let in first, then in the call (media from the agent arrived), each once.
    let at = |t: &str| types.iter().position(|x| *x == t).unwrap();
    assert!(at("consult:admitted") < at("consult:joined"), "{types:?}");
    assert_eq!(
        types.iter().filter(|t| **t == "consult:joined").count(),
        1,
        "{types:?}"
    );
    assert!(
        !events.to_string().contains(&hash),
        "the join hash leaked into an event"
    );

    // The host page changes the element's look mid-call: the frame is not reloaded (that
    // would drop the call); the change waits until the customer has left.
    const FRAME: &str = "document.querySelector('consult-call').shadowRoot.querySelector('iframe')";
    customer
        .js(&format!("{FRAME}.dataset.mark = 'first'; document.querySelector('consult-call').setAttribute('primary-color', '#aa0000'); return true"))
        .await;
    customer.enter_embed("consult-call").await;
    customer
        .assert_receiving_video("customer after the change")
        .await;
    customer.client.enter_parent_frame().await.unwrap();
    assert_eq!(
        customer.js(&format!("return {FRAME}.dataset.mark")).await,
        "first",
        "the frame was reloaded mid-call"
    );
    customer.enter_embed("consult-call").await;
    customer.click("button.leave").await;
    customer.client.enter_parent_frame().await.unwrap();
    let src = customer
        .wait_js(
            "the waiting change to apply once left",
            20,
            &format!("const f = {FRAME}; return f && f.dataset.mark !== 'first' && f.src"),
        )
        .await;
    assert!(
        src.as_str().unwrap().contains("primary-color=%23aa0000"),
        "{src}"
    );
    customer.close().await;
    agent.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_or_missing_camera_gets_clear_guidance_and_still_waits() {
    use support::browser::Media;
    dist_is_built();
    let server = TestServer::start().await;
    let driver = Driver::start();
    for (media, title) in [
        (Media::Denied, "Camera and microphone are blocked"),
        (Media::None, "No camera or microphone found"),
    ] {
        let booked = server.book("Ada").await;
        let customer = driver.session_with(media).await;
        customer.goto(&booked.join_url).await;
        // Read in one step: the guidance may be drawn again (a second device check), which
        // would leave an element found before stale.
        let problem = customer
            .wait_js(
                "the guidance",
                30,
                "return document.querySelector('.media-problem[role=alert]')?.textContent",
            )
            .await
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(problem.contains(title), "{media:?}: {problem}");
        assert!(
            problem.contains("You can also join without"),
            "{media:?}: {problem}"
        );
        // Without media the customer still waits and can be admitted to see and hear the agent.
        customer.find("main[data-status=waiting]").await;
        // The guidance stays readable in the dark theme too (its box keeps a light ground).
        let dark = if booked.join_url.contains('?') {
            "&theme=dark"
        } else {
            "?theme=dark"
        };
        customer.goto(&format!("{}{dark}", booked.join_url)).await;
        customer
            .find(":root[data-theme=dark] .media-problem[role=alert]")
            .await;
        customer.axe(&format!("{media:?}, dark")).await;
        // axe leaves contrast over the waiting room's background to a person: measure it.
        let ratio = customer
            .js(
                "const e = document.querySelector('.media-problem'); const s = getComputedStyle(e);
                 const lum = (c) => { const [r, g, b] = c.match(/\\d+/g).slice(0, 3).map((v) => {
                   v = v / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                   return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
                 const [a, b] = [lum(s.color), lum(s.backgroundColor)].sort((x, y) => y - x);
                 return (a + 0.05) / (b + 0.05)",
            )
            .await
            .as_f64()
            .unwrap_or(0.0);
        assert!(
            ratio >= 4.5,
            "{media:?}: the guidance's contrast in the dark theme is {ratio:.2}"
        );
        customer.close().await;
        server.cancel(&booked.meeting).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_sends_someone_waiting_away_from_the_console() {
    dist_is_built();
    let server = TestServer::start().await;
    let booked = server.book("Alan Turing").await;
    let driver = Driver::start();
    let customer = driver.session().await;
    let agent = driver.session().await;
    customer.wait_in_room(&booked.join_url).await;

    agent.goto(&server.login_url().await).await;
    agent
        .wait_js(
            "the arrival to be announced",
            30,
            "return document.querySelector('.announce')?.textContent === 'Alan Turing is waiting.'",
        )
        .await;
    // Said to screen readers, not shown twice to the eye: the card below says it already.
    let shown = agent
        .js("const a = document.querySelector('.announce'); return a.classList.contains('quiet') && a.getBoundingClientRect().height <= 1")
        .await;
    assert_eq!(
        shown,
        serde_json::json!(true),
        "the announcement shows beside the card"
    );
    agent
        .find("[data-action=deny][aria-label='Send Alan Turing away']")
        .await
        .click()
        .await
        .unwrap();
    customer.find("main[data-status=denied]").await;
    let status = customer.find(".status").await.text().await.unwrap();
    assert!(
        status.contains("could not let you in") && status.contains("Please book another time."),
        "{status}"
    );
    agent
        .wait_js(
            "the empty lobby",
            10,
            "return !document.querySelector('[data-waiting]') && !!document.querySelector('.lobby, .empty')",
        )
        .await;
    // The announcement goes with the person: it never says someone waits who does not.
    agent
        .wait_js(
            "the announcement to go",
            10,
            "return !document.querySelector('.announce')?.textContent.includes('is waiting')",
        )
        .await;
    // Sent away means out of the room: the server relays nothing to that connection.
    let frames = customer.signaling_received().await;
    assert!(frames.iter().any(|m| m["type"] == "denied"), "{frames:?}");
    assert!(
        !frames
            .iter()
            .any(|m| m["type"] == "signal" || m["type"] == "joined"),
        "{frames:?}"
    );
    customer.close().await;
    agent.close().await;
}
