//! Recovery without reload: the server process is killed mid-call and started again; the
//! media between the browsers never stops, and both pages' signaling reconnects and resumes
//! the call (same peer connections, no second admission) within seconds.
//!
//! The server here is the real `consult serve` binary in its own process (killed with
//! SIGKILL, as a crash would), on the same data folder and port as before.

use crate::support;

use std::time::Duration;
use support::browser::{Browser, Driver};
use support::process::{free_port, ConsultProcess};
use support::TestServer;

async fn start(data: &std::path::Path, port: u16) -> ConsultProcess {
    ConsultProcess::start(ConsultProcess::command(data, port), port).await
}

/// Ada and the agent in a call through a `consult serve` of its own (on `seed`'s data folder),
/// decoding each other's video over one peer connection each: the process, its port, and
/// the two pages (the driver kept alive with them).
async fn call_on_child(seed: &TestServer) -> (ConsultProcess, u16, Driver, Browser, Browser) {
    let room = seed.room(&["Ada"], 2).await;
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let on_child = |link: &str| link.replacen(&seed.url, &url, 1);
    let server = start(seed.data_dir(), port).await;
    let driver = Driver::start();
    let ada = driver.session().await;
    let agent = driver.session().await;
    ada.wait_in_room(&on_child(&room.guests[0])).await;
    agent
        .admit_from_host_link(&on_child(&room.host), "Ada")
        .await;
    for (who, b) in [("agent", &agent), ("Ada", &ada)] {
        b.assert_decoding_videos(who, 1).await;
        assert_eq!(b.peer_connections().await, (1, 1), "{who}");
    }
    (server, port, driver, ada, agent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restart_mid_call_keeps_media_and_resumes_signaling() {
    let seed = TestServer::start().await;
    let (mut server, port, _driver, ada, agent) = call_on_child(&seed).await;

    // The server dies. Both pages notice and say so; the media between them goes on.
    server.kill();
    for (who, b) in [("agent", &agent), ("Ada", &ada)] {
        b.wait_js(
            &format!("{who} to notice the dropped connection"),
            10,
            "return document.querySelector('.notice')?.textContent.includes('reconnecting')",
        )
        .await;
        b.assert_decoding_videos(who, 1).await;
    }

    // Back up on the same port: both pages reconnect and resume within seconds of the
    // server answering again (their backoff tops out at 5 s).
    let _server = start(seed.data_dir(), port).await;
    for (who, b) in [("agent", &agent), ("Ada", &ada)] {
        b.wait_resumed(who, 2).await;
    }
    // Nothing was renegotiated from scratch: the same peer connection on each side, and no
    // notice left over.
    for (who, b) in [("agent", &agent), ("Ada", &ada)] {
        assert_eq!(b.peer_connections().await, (1, 1), "{who}");
        b.wait_js(
            &format!("{who}'s notice to clear"),
            5,
            "return !document.querySelector('.notice')?.textContent",
        )
        .await;
    }

    // Signaling works through the new process: chat and mute state cross it.
    ada.find("#chat-input")
        .await
        .send_keys("Still there?\u{E007}")
        .await
        .unwrap();
    agent
        .wait_js(
            "the chat line through the restarted server",
            10,
            "return document.querySelector('[data-chat-line]')?.textContent === 'Ada: Still there?'",
        )
        .await;
    ada.find("[data-action=mic]").await.click().await.unwrap();
    agent
        .wait_js(
            "Ada's mute through the restarted server",
            10,
            "return document.querySelector('figure.remote')?.dataset.mic === 'off'",
        )
        .await;
    for (who, b) in [("agent", &agent), ("Ada", &ada)] {
        b.assert_decoding_videos(who, 1).await;
    }

    // The host ends the call for everyone. A resume token from before that stays dead, even
    // after another restart (the end is kept in the database, not only in the hub).
    let token = ada
        .js("const j = window.__consultTest.ws.flat().map(m => JSON.parse(m)).filter(m => m.type === 'joined');
             return j[j.length - 1].resume")
        .await
        .as_str()
        .expect("a resume token")
        .to_string();
    agent
        .find("[data-action=end-for-all]")
        .await
        .click()
        .await
        .unwrap();
    ada.find("main[data-status=ended]").await;
    drop(_server);
    let _again = start(seed.data_dir(), port).await;
    let answer = resume_once(port, &token).await;
    assert_eq!(answer["type"], "error", "{answer}");
    assert_eq!(answer["error"]["code"], "expired", "{answer}");
    ada.close().await;
    agent.close().await;
}

/// A rolling restart: the server is asked to stop (SIGTERM) mid-call. It stops taking
/// connections, tells every page to reconnect, exits cleanly; the next process on the same
/// port and data folder takes the pages back: the call goes on, nothing renegotiated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_with_sigterm_drops_no_call() {
    let seed = TestServer::start().await;
    let (mut server, port, _driver, ada, agent) = call_on_child(&seed).await;
    let status = tokio::task::block_in_place(|| server.terminate());
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?}\n{}",
        server.stderr()
    );
    assert!(server.stderr().contains("stopping"), "{}", server.stderr());
    let _next = start(seed.data_dir(), port).await;
    for (who, b) in [("agent", &agent), ("Ada", &ada)] {
        b.wait_resumed(who, 2).await;
        assert_eq!(b.peer_connections().await, (1, 1), "{who}");
        b.assert_decoding_videos(who, 1).await;
    }
    ada.close().await;
    agent.close().await;
}

/// Send one `resume` on a fresh WebSocket and return the first answer.
async fn resume_once(port: u16, token: &str) -> serde_json::Value {
    use futures::{SinkExt, StreamExt};
    let address = format!("http://127.0.0.1:{port}");
    let mut ws = support::ws::signal(&address, &address, None).await;
    let msg = serde_json::json!({ "type": "resume", "token": token }).to_string();
    ws.send(tokio_tungstenite::tungstenite::Message::Text(msg.into()))
        .await
        .unwrap();
    let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
        .await
        .expect("an answer")
        .expect("a frame")
        .unwrap();
    serde_json::from_str(frame.to_text().unwrap()).unwrap()
}

/// One client WebSocket's request and the first answer matching `pick`.
async fn ask<T>(
    ws: &mut support::ws::Socket,
    msg: &consult::model::signal::ClientMsg,
    pick: impl Fn(consult::model::signal::ServerMsg) -> Option<T>,
) -> T {
    use futures::{SinkExt, StreamExt};
    let text = serde_json::to_string(msg).unwrap();
    ws.send(tokio_tungstenite::tungstenite::Message::Text(text.into()))
        .await
        .unwrap();
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await
            .expect("an answer")
            .expect("a frame")
            .unwrap();
        if let Ok(m) = serde_json::from_str(frame.to_text().unwrap()) {
            if let consult::model::signal::ServerMsg::Error { error } = &m {
                panic!("{error:?}");
            }
            if let Some(t) = pick(m) {
                return t;
            }
        }
    }
}

/// Rooms of the rooms API keep no one in the database, yet their people resume after the
/// server restarts (or, in a cluster, after another node takes the hub over): the resume
/// token says who they were, signed, and the room is rebuilt from it as they come back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rooms_seats_resume_after_a_restart() {
    use consult::model::meeting::Role;
    use consult::model::signal::{ClientMsg, ServerMsg};
    let seed = TestServer::start().await;
    let (room, links) = seed.rooms_api_room(false, false).await;
    let key = |url: &str| url.split("roomKey=").nth(1).map(String::from);
    let enter = |key: Option<String>, name: &str, external_id: Option<&str>| ClientMsg::EnterRoom {
        room: room.name.clone(),
        key,
        name: name.into(),
        external_id: external_id.map(String::from),
        ticket: None,
    };
    let port = free_port();
    let address = format!("http://127.0.0.1:{port}");
    let mut server = start(seed.data_dir(), port).await;
    let joined = |m: ServerMsg| match m {
        ServerMsg::Joined {
            me,
            role,
            resume,
            resumed,
            peers,
            ..
        } => Some((me, role, resume, resumed, peers)),
        _ => None,
    };
    let mut host = support::ws::signal(&address, &address, None).await;
    let (host_peer, _, host_token, _, _) = ask(
        &mut host,
        &enter(key(&links.host), "Dr. Host", None),
        joined,
    )
    .await;
    let mut guest = support::ws::signal(&address, &address, None).await;
    let (guest_peer, _, guest_token, _, _) =
        ask(&mut guest, &enter(None, "Zoë", Some("crm-7")), joined).await;
    let mut viewer = support::ws::signal(&address, &address, None).await;
    let (viewer_peer, _, viewer_token, _, _) = ask(
        &mut viewer,
        &enter(key(&links.viewer), "Watcher", None),
        joined,
    )
    .await;

    // The server dies and comes back: the guest, then the host and the viewer resume as
    // who they were, with the same peer ids; the host learns the guest's name and id again.
    server.kill();
    drop((host, guest, viewer));
    server = start(seed.data_dir(), port).await;
    let mut guest = support::ws::signal(&address, &address, None).await;
    let token = guest_token.expect("a resume token");
    let guest_again = token.clone();
    let (me, role, _, resumed, _) = ask(&mut guest, &ClientMsg::Resume { token }, joined).await;
    assert_eq!((me, role, resumed), (guest_peer.clone(), Role::Guest, true));
    let mut host = support::ws::signal(&address, &address, None).await;
    let token = host_token.expect("a resume token");
    let (me, role, _, resumed, peers) = ask(&mut host, &ClientMsg::Resume { token }, joined).await;
    assert_eq!((me, role, resumed), (host_peer, Role::Host, true));
    let zoe = peers
        .iter()
        .find(|p| p.id == guest_peer)
        .expect("the guest");
    assert_eq!(
        (zoe.name.as_str(), zoe.external_id.as_deref()),
        ("Zoë", Some("crm-7"))
    );
    let mut viewer = support::ws::signal(&address, &address, None).await;
    let token = viewer_token.expect("a resume token");
    let (me, role, _, resumed, _) = ask(&mut viewer, &ClientMsg::Resume { token }, joined).await;
    assert_eq!((me, role, resumed), (viewer_peer, Role::Viewer, true));

    // A deleted room's seats are not resumed.
    let company = seed.company().await;
    consult::server::services::rooms::delete(&seed.state, &company, &room.id)
        .await
        .unwrap();
    let answer = resume_once(port, &guest_again).await;
    assert_eq!(answer["type"], "error", "{answer}");
    assert_eq!(answer["error"]["code"], "not_found", "{answer}");
    server.kill();
}
