//! The call in depth, in real browsers with fake camera and microphone: three people in a
//! mesh, a fourth refused, admit everyone, mute and camera seen by the others, screen share
//! replacing the camera track and back, chat, and the host ending the call for everyone.

use crate::support;

use fantoccini::Locator;
use serde_json::json;
use support::browser::{Browser, Driver};
use support::TestServer;

fn dist_is_built() {
    let index = consult::server::config::default_dist_dir().join("index.html");
    assert!(
        index.exists(),
        "the widget is not built ({}): run `trunk build --release` first",
        index.display()
    );
}

async fn click(b: &Browser, css: &str) {
    b.find(css).await.click().await.unwrap();
}

/// A script returning the `data-*` value `key` of the remote tile captioned with `name`.
fn tile_attr(name: &str, key: &str) -> String {
    format!(
        "const t = [...document.querySelectorAll('figure.remote')]
             .find(f => f.querySelector('figcaption').textContent.includes('{name}'));
         return t ? t.dataset.{key} : null"
    )
}

async fn wait_tile(b: &Browser, who: &str, name: &str, key: &str, value: &str) {
    let script = format!(
        "return (() => {{ {} }})() === '{value}'",
        tile_attr(name, key)
    );
    b.wait_js(
        &format!("{who} to see {name}'s {key} = {value}"),
        15,
        &script,
    )
    .await;
}

/// What the page sends as video: `screen` when the track is a display capture.
const SENT_VIDEO: &str =
    "const pc = window.__consultTest.pcs.find(p => p.connectionState === 'connected');
    const s = pc && pc.getSenders().find(s => s.track && s.track.kind === 'video');
    if (!s) return null;
    return s.track.getSettings().displaySurface ? 'screen' : 'camera';";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_people_talk_mute_share_chat_and_the_host_ends_it() {
    dist_is_built();
    let server = TestServer::start().await;
    let room = server.room(&["Ada", "Bob", "Cy"], 3).await;
    let driver = Driver::start();
    let ada = driver.session().await;
    let bob = driver.session().await;
    let agent = driver.session().await;

    // Two guests wait; the agent opens the room and admits everyone at once.
    for (b, link) in [(&ada, &room.guests[0]), (&bob, &room.guests[1])] {
        b.goto(link).await;
        b.find("main[data-status=waiting]").await;
    }
    agent.goto(&room.host).await;
    agent.find("main[data-status=in-call]").await;
    let admit_all = agent.find("[data-action=admit-all]").await;
    assert_eq!(admit_all.text().await.unwrap(), "Admit everyone");
    admit_all.click().await.unwrap();

    // A mesh: each of the three decodes the two others' video.
    for (who, b) in [("agent", &agent), ("Ada", &ada), ("Bob", &bob)] {
        b.find("main[data-status=in-call]").await;
        b.assert_decoding_videos(who, 2).await;
    }
    assert_eq!(
        agent
            .js("return document.querySelectorAll('[data-remote-video]').length")
            .await,
        2
    );

    // Each tile shows its connection quality (loopback: good) from getStats, and the beeping
    // fake microphones make someone the active speaker now and then.
    for (who, b) in [("agent", &agent), ("Ada", &ada)] {
        b.wait_js(
            &format!("{who}'s tiles to show a good connection"),
            15,
            "const t = [...document.querySelectorAll('figure.remote')];
             return t.length === 2 && t.every(f => f.dataset.quality === 'good')",
        )
        .await;
    }
    agent
        .wait_js(
            "an active speaker",
            15,
            "return !!document.querySelector('figure.remote[data-speaking=true].speaking')",
        )
        .await;

    // A fourth person with a valid link is refused: the room is full.
    {
        let cy = driver.session().await;
        cy.goto(&room.guests[2]).await;
        cy.find("main[data-status=failed]").await;
        let title = cy.find("section.failed h1").await.text().await.unwrap();
        assert_eq!(title, "This call is full");
        assert_eq!(
            cy.js("return window.__consultTest.pcs.length").await,
            0,
            "no peer connection for someone refused"
        );
        cy.close().await;
    }

    agent.axe("a three-way call with the chat").await;

    // Mute and camera off are seen by the others, and back on again.
    click(&ada, "[data-action=mic]").await;
    for (who, b) in [("agent", &agent), ("Bob", &bob)] {
        wait_tile(b, who, "Ada", "mic", "off").await;
    }
    click(&ada, "[data-action=camera]").await;
    wait_tile(&bob, "Bob", "Ada", "camera", "off").await;
    assert_eq!(
        ada.js("return window.__consultTest.pcs.flatMap(p => p.getSenders()).filter(s => s.track && s.track.kind === 'audio').every(s => !s.track.enabled)")
            .await,
        true,
        "muting stops the sound itself, not only the label"
    );
    click(&ada, "[data-action=mic]").await;
    click(&ada, "[data-action=camera]").await;
    wait_tile(&agent, "agent", "Ada", "mic", "on").await;
    wait_tile(&agent, "agent", "Ada", "camera", "on").await;

    // Screen share replaces the agent's camera track on every connection, without a new
    // negotiation, and the others keep decoding; stopping brings the camera back.
    let offers_before = count_offers(&ada).await;
    assert_eq!(agent.js(SENT_VIDEO).await, json!("camera"));
    click(&agent, "[data-action=screen]").await;
    agent
        .wait_js(
            "the screen to replace the camera on both connections",
            15,
            "return window.__consultTest.pcs.filter(p => p.connectionState === 'connected')
                 .every(p => p.getSenders().some(s => s.track && s.track.getSettings().displaySurface))",
        )
        .await;
    for (who, b) in [("Ada", &ada), ("Bob", &bob)] {
        wait_tile(b, who, "Dana", "screen", "true").await;
        b.assert_decoding_videos(who, 2).await;
    }
    assert_eq!(
        count_offers(&ada).await,
        offers_before,
        "replaceTrack, not a renegotiation"
    );
    click(&agent, "[data-action=screen]").await;
    agent
        .wait_js(
            "the camera back",
            15,
            &format!("return (() => {{ {SENT_VIDEO} }})() === 'camera'"),
        )
        .await;
    wait_tile(&bob, "Bob", "Dana", "screen", "false").await;

    // Chat reaches everyone in the call, in one order.
    bob.find("#chat-input")
        .await
        .send_keys("Hello from Bob\u{E007}")
        .await
        .unwrap();
    for (who, b) in [("agent", &agent), ("Ada", &ada), ("Bob", &bob)] {
        let line = b
            .wait_js(
                &format!("{who} to see the chat line"),
                10,
                "const l = document.querySelector('[data-chat-line]'); return l && l.textContent",
            )
            .await;
        assert_eq!(line, "Bob: Hello from Bob", "{who}");
    }
    assert_eq!(
        bob.js("return document.querySelector('#chat-input').value")
            .await,
        "",
        "the field empties after sending"
    );

    // Only the host ends the call for everyone.
    assert_eq!(
        ada.js("return !!document.querySelector('[data-action=end-for-all]')")
            .await,
        false
    );
    click(&agent, "[data-action=end-for-all]").await;
    for b in [&ada, &bob] {
        b.find("main[data-status=ended]").await;
        let status = b.find(".status").await.text().await.unwrap();
        assert!(status.contains("Dana Agent ended the call"), "{status}");
        b.wait_js(
            "every connection closed",
            10,
            "return window.__consultTest.pcs.every(pc => pc.connectionState === 'closed')",
        )
        .await;
    }
    // The chat went with the call.
    ada.client
        .find(Locator::Css("button.primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    ada.find("main[data-status=waiting]").await;
    assert_eq!(
        ada.js("return document.querySelectorAll('[data-chat-line]').length")
            .await,
        0
    );

    for b in [ada, bob, agent] {
        b.close().await;
    }
}

/// SDP offers this page received over signaling.
async fn count_offers(b: &Browser) -> usize {
    b.signaling_received()
        .await
        .iter()
        .filter(|m| m["type"] == "signal" && m["signal"]["sdp_type"] == "offer")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pre_call_check_meters_plays_checks_and_remembers_devices() {
    dist_is_built();
    let server = TestServer::start().await;
    let room = server.room(&["Ada"], 2).await;
    let driver = Driver::start();
    let ada = driver.session().await;
    ada.wait_in_room(&room.guests[0]).await;

    // Every control has a name; the lists hold the browser's devices, the ones in use chosen.
    for (select, kind) in [("#camera-select", "video"), ("#microphone-select", "audio")] {
        let chosen = ada
            .wait_js(
                &format!("{select} to list devices"),
                10,
                &format!(
                    "const s = document.querySelector('{select}');
                     const t = window.__consultTest.pcs.length, v = document.querySelector('[data-self-video]').srcObject;
                     const id = v && v.getTracks().find(t => t.kind === '{kind}')?.getSettings().deviceId;
                     return s && s.options.length > 0 && s.labels.length === 1 && s.value === id && s.value"
                ),
            )
            .await;
        assert!(chosen.as_str().is_some_and(|v| !v.is_empty()), "{select}");
    }
    // The microphone's level moves with the (fake, beeping) microphone.
    ada.wait_js(
        "the level meter to move",
        10,
        "return document.querySelector('#mic-level').value > 0.01",
    )
    .await;
    // No TURN on this server: the check says calls connect directly.
    ada.wait_js(
        "the connection check",
        10,
        "return document.querySelector('[data-connection]').dataset.connection === 'direct'",
    )
    .await;
    ada.axe("the waiting room with the device check").await;
    // The test sound plays on a running audio context.
    let before = ada.js("return window.__consultTest.audio.length").await;
    ada.find("[data-action=test-sound]")
        .await
        .click()
        .await
        .unwrap();
    ada.find("[data-sound=true]").await;
    ada.wait_js(
        "a running audio context for the tone",
        5,
        &format!("const a = window.__consultTest.audio; return a.length > {before} && a[a.length - 1].state === 'running'"),
    )
    .await;

    // Another microphone: the stream switches to it, and it is remembered after a reload.
    let other = ada
        .js("const s = document.querySelector('#microphone-select');
             const o = [...s.options].find(o => o.value !== s.value && o.value !== 'default' && o.value !== 'communications');
             return o ? o.value : null")
        .await;
    let other = other
        .as_str()
        .expect("Chromium's fake devices include a second microphone")
        .to_string();
    ada.js(&format!(
        "const s = document.querySelector('#microphone-select'); s.value = '{other}';
         s.dispatchEvent(new Event('change', {{ bubbles: true }})); return true"
    ))
    .await;
    let in_use = "const v = document.querySelector('[data-self-video]').srcObject;
                  return v && v.getAudioTracks()[0]?.getSettings().deviceId";
    ada.wait_js(
        "the chosen microphone in use",
        10,
        &format!("return (() => {{ {in_use} }})() === '{other}'"),
    )
    .await;
    // A speaker, where the browser lists more than one: remembered too, and used for the
    // call's sound below.
    let speaker = ada
        .js("const s = document.querySelector('#speaker-select');
             const o = s && [...s.options].find(o => o.value !== s.value && o.value !== 'default' && o.value !== 'communications');
             if (!o) return null;
             s.value = o.value; s.dispatchEvent(new Event('change', { bubbles: true }));
             return o.value")
        .await;
    ada.client.refresh().await.unwrap();
    ada.find("main[data-status=waiting]").await;
    ada.wait_js(
        "the remembered microphone after a reload",
        10,
        &format!(
            "return (() => {{ {in_use} }})() === '{other}' && document.querySelector('#microphone-select').value === '{other}'"
        ),
    )
    .await;
    if let Some(speaker) = speaker.as_str() {
        // In the call, the other side's sound plays on that speaker.
        let agent = driver.session().await;
        agent.admit_from_host_link(&room.host, "Ada").await;
        ada.wait_js(
            "the remote sound on the chosen speaker",
            20,
            &format!("const v = document.querySelector('[data-remote-video]'); return v && v.sinkId === '{speaker}'"),
        )
        .await;
        agent.close().await;
    } else {
        eprintln!("this Chromium lists a single speaker; the speaker choice was not exercised");
    }
    ada.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_sees_a_waiting_customers_camera_only_where_the_site_allows() {
    dist_is_built();
    let server = TestServer::start().await;
    let driver = Driver::start();
    let agent = driver.session().await;
    let ada = driver.session().await;

    // Off (the default): the customer sends no picture and the console shows none.
    let room = server.room(&["Ada"], 2).await;
    ada.wait_in_room(&room.guests[0]).await;
    agent.goto(&server.login_url().await).await;
    agent.find("[data-waiting]").await;
    // The server told the customer's page that pictures are off here, so it never starts
    // sending any (the server would refuse them too: hub tests).
    let told = ada.signaling_received().await;
    let waiting: Vec<_> = told.iter().filter(|m| m["type"] == "waiting").collect();
    assert!(!waiting.is_empty(), "{told:?}");
    assert!(waiting.iter().all(|m| m["preview"] == false), "{waiting:?}");
    assert_eq!(
        agent
            .js("return document.querySelectorAll('img.preview').length")
            .await,
        0
    );
    let status = ada.find(".status").await.text().await.unwrap();
    assert!(!status.contains("picture"), "{status}");

    // On: the customer is told, and the console shows a real picture from their camera.
    sqlx::query("UPDATE sites SET waiting_preview = 1 WHERE id = $1")
        .bind(server.site.as_str())
        .execute(server.state.store.pool())
        .await
        .unwrap();
    ada.client.refresh().await.unwrap();
    ada.wait_js(
        "the customer to be told about the picture",
        15,
        "return document.querySelector('.status')?.textContent.includes('small picture from your camera')",
    )
    .await;
    let size = agent
        .wait_js(
            "a camera picture in the console",
            20,
            "const i = document.querySelector(\"img.preview[alt='Camera picture of Ada']\");
             return i && i.complete && i.naturalWidth > 0 && i.src.startsWith('data:image/jpeg') && [i.naturalWidth, i.naturalHeight]",
        )
        .await;
    assert_eq!(size[0], 160, "{size}");
    // Admitted: the picture goes away.
    agent.admit("Ada").await;
    ada.find("main[data-status=in-call]").await;
    agent
        .wait_js(
            "the picture to go with the lobby entry",
            10,
            "return document.querySelectorAll('img.preview').length === 0",
        )
        .await;
    // The meeting is cancelled mid-call (as the REST API or the customer's page does): the
    // call ends on both sides, not just on the server.
    ada.assert_decoding_videos("Ada", 1).await;
    server.cancel(&room.meeting).await;
    server.state.hub.end_meeting(
        &room.meeting,
        consult::model::AppError::new(
            consult::model::ErrorCode::Expired,
            "this meeting was cancelled",
        ),
    );
    ada.find("main[data-status=failed]").await;
    assert_eq!(
        ada.find("section.failed h1").await.text().await.unwrap(),
        "This meeting has ended"
    );
    for (who, b) in [("Ada", &ada), ("agent", &agent)] {
        b.wait_js(
            &format!("{who}'s peer connections to close"),
            10,
            "return window.__consultTest.pcs.every(pc => pc.connectionState === 'closed')",
        )
        .await;
    }
    for b in [agent, ada] {
        b.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_waiting_room_and_the_call_speak_dutch() {
    dist_is_built();
    let server = TestServer::start().await;
    let room = server.room(&["Ada"], 2).await;
    let driver = Driver::start();
    let ada = driver.session().await;
    let agent = driver.session().await;
    ada.goto(&format!("{}?lang=nl", room.guests[0])).await;
    ada.find("main[data-status=waiting]").await;
    let status = ada.find(".status").await.text().await.unwrap();
    assert!(status.starts_with("U bent in de wachtkamer."), "{status}");
    assert_eq!(ada.js("return document.documentElement.lang").await, "nl");
    assert_eq!(
        ada.find("#setup-title").await.text().await.unwrap(),
        "Controleer uw camera en geluid"
    );
    ada.axe("the Dutch waiting room").await;
    agent.admit_from_host_link(&room.host, "Ada").await;
    ada.find("main[data-status=in-call]").await;
    assert_eq!(
        ada.find("[data-action=mic]").await.text().await.unwrap(),
        "Microfoon uitzetten"
    );
    assert_eq!(
        ada.find("#chat-title").await.text().await.unwrap(),
        "Berichten"
    );
    // The agent's page stays English.
    assert_eq!(
        agent.find("[data-action=mic]").await.text().await.unwrap(),
        "Mute microphone"
    );
    ada.close().await;
    agent.close().await;
}
