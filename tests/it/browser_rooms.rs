//! Rooms of the rooms API in Chromium with fake devices, entered through the links the API
//! gives: a guest knocks on a locked room, the host holds them with a message and then admits
//! them; a viewer sees and hears both and is never asked for camera or microphone; the host
//! takes the guest out of the call.

use crate::support;

use consult::server::services::rooms;
use support::browser::{Driver, Media};
use support::TestServer;

#[tokio::test]
async fn a_guest_knocks_is_held_then_admitted_and_a_viewer_watches_without_devices() {
    let server = TestServer::start().await;
    let (room, links) = server.rooms_api_room(true, false).await;
    // The room's own look, set as the API sets it.
    let company = server.company().await;
    rooms::set_colours(
        &server.state,
        &company,
        &room.name,
        Some(rooms::Colours {
            primary: Some("#aa2200".into()),
            secondary: None,
            focus: Some("#00aa22".into()),
        }),
    )
    .await
    .unwrap()
    .unwrap();
    let png = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
    )
    .unwrap();
    let logo = consult::model::api::rules::image_bytes("image", png, 600_000).unwrap();
    rooms::set_image(
        &server.state,
        &company,
        &room.name,
        consult::server::store::RoomImage::Logo,
        Some(&logo),
    )
    .await
    .unwrap()
    .unwrap();
    let driver = Driver::start();
    let host = driver.session().await;
    let guest = driver.session().await;
    // Every permission prompt refused: had the viewer's page asked, it would say so.
    let viewer = driver.session_with(Media::Denied).await;

    // The host's link, with the name in it: in at once.
    host.goto(&format!("{}&displayName=Dr.%20Host", links.host))
        .await;
    host.find("main[data-status=in-call]").await;

    // The guest's link: the name is asked for, then they knock on the locked room.
    guest.goto(&links.guest).await;
    let button = guest.find("[data-action=enter]").await;
    assert_eq!(button.text().await.unwrap(), "Knock");
    // An empty name is refused, and said.
    button.click().await.unwrap();
    guest
        .wait_js(
            "the name error",
            30,
            "return document.querySelector('#display-name-error')?.textContent === 'Please enter your name.'",
        )
        .await;
    guest
        .find("#display-name")
        .await
        .send_keys("Ada Lovelace")
        .await
        .unwrap();
    guest.click("[data-action=enter]").await;
    guest.find("main[data-status=waiting]").await;
    let status = guest.find(".status").await.text().await.unwrap();
    assert!(status.contains("You knocked"), "{status}");
    // In the room's colours, with its logo (served by Consult).
    guest
        .wait_js(
            "the room's look",
            30,
            &format!(
                "const s = getComputedStyle(document.documentElement);
                 const logo = document.querySelector('img[data-logo]');
                 return s.getPropertyValue('--consult-primary').trim() === '#aa2200'
                     && s.getPropertyValue('--consult-focus').trim() === '#00aa22'
                     && !!logo && logo.complete && logo.naturalWidth === 1
                     && new URL(logo.src).pathname === '/media/rooms/{}/logo'",
                room.id
            ),
        )
        .await;

    // The host asks them to wait: they stay, and read why.
    host.click("[data-action=hold][aria-label='Ask Ada Lovelace to wait']")
        .await;
    guest
        .wait_js(
            "the host's message",
            30,
            "return document.querySelector('.status')?.textContent.includes('The host will let you in shortly.')",
        )
        .await;
    assert_eq!(
        guest
            .js("return document.querySelector('main').dataset.status")
            .await,
        "waiting"
    );
    // Then admits them: both see and hear each other.
    host.admit("Ada Lovelace").await;
    guest.find("main[data-status=in-call]").await;
    host.assert_receiving_video("host").await;
    guest.assert_receiving_video("guest").await;
    guest.assert_receiving_audio("guest").await;

    // The viewer: the name comes from the link, no devices; one click (a page that captures
    // nothing may play sound only after one) and in the locked room at once, seeing and
    // hearing both.
    viewer
        .goto(&format!("{}&displayName=Watcher", links.viewer))
        .await;
    let button = viewer.find("[data-action=enter]").await;
    assert_eq!(button.text().await.unwrap(), "Enter the room");
    button.click().await.unwrap();
    viewer.find("main[data-status=in-call]").await;
    viewer.axe("a room, as a viewer").await;
    viewer.assert_decoding_videos("viewer", 2).await;
    viewer.assert_receiving_audio("viewer").await;
    let asked = viewer
        .js("return !!document.querySelector('.media-problem, [data-self-video]')")
        .await;
    assert_eq!(asked, serde_json::json!(false), "a viewer sends nothing");
    let controls = viewer
        .js("return !!document.querySelector('[data-action=mic], [data-action=camera], [data-action=screen]')")
        .await;
    assert_eq!(controls, serde_json::json!(false), "nothing to switch on");
    // The host's "End for everyone" can be read (its words do not vanish into its colour).
    let end = host
        .js("const b = document.querySelector('[data-action=end-for-all]'); const s = getComputedStyle(b);
             return [s.color, s.backgroundColor, b.textContent]")
        .await;
    assert_ne!(end[0], end[1], "{end}");
    assert_eq!(end[2], "End for everyone");
    // The others show no tile for the viewer, and the viewer sends nothing to anyone.
    let tiles = host
        .js("return document.querySelectorAll('figure.tile.remote').length")
        .await;
    assert_eq!(tiles, 1, "only the guest's tile");
    let sent = viewer
        .js("return Promise.all(window.__consultTest.pcs.map(pc => pc.getStats())).then(all => all.flatMap(r => [...r.values()]).filter(s => s.type === 'outbound-rtp' && s.bytesSent > 0).length)")
        .await;
    assert_eq!(sent, 0, "the viewer sent media");

    // The insights through the API, as the organisation reads them. While Ada is in the call
    // her page reports its network every 2 s: wait for the first report to be kept.
    let (_, key) = server
        .state
        .store
        .create_api_key(&company, "insights")
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let get = |path: String| {
        let http = http.clone();
        let key = key.clone();
        let url = format!("{}/whereby/v1{path}", server.url);
        async move {
            let res = http.get(url).bearer_auth(key).send().await.unwrap();
            assert_eq!(res.status(), 200);
            res.json::<serde_json::Value>().await.unwrap()
        }
    };
    let name = url::form_urlencoded::byte_serialize(room.name.as_bytes()).collect::<String>();
    let since = std::time::Instant::now();
    loop {
        let sessions = get(format!("/insights/room-sessions?roomName={name}")).await;
        if let Some(id) = sessions["results"][0]["roomSessionId"].as_str() {
            let people = get(format!("/insights/participants?roomSessionId={id}")).await;
            let ada = people["results"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["displayName"] == "Ada Lovelace")
                .map(|p| p["participantId"].as_str().unwrap().to_string());
            if let Some(ada) = ada {
                let detail = get(format!(
                    "/insights/participant?roomSessionId={id}&participantId={ada}"
                ))
                .await;
                if !detail[0]["samples"]["bitrateSend"]
                    .as_array()
                    .unwrap()
                    .is_empty()
                {
                    break;
                }
            }
        }
        assert!(
            since.elapsed() < std::time::Duration::from_secs(60),
            "no network report of Ada's: {sessions}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

    // The host takes the guest out of the call.
    host.click("[data-action=remove][aria-label='Remove Ada Lovelace from the call']")
        .await;
    guest.find("main[data-status=removed]").await;
    let status = guest.find(".status").await.text().await.unwrap();
    assert!(status.contains("took you out"), "{status}");
    host.wait_js(
        "the guest's tile to go",
        30,
        "return document.querySelectorAll('figure.tile.remote').length === 0",
    )
    .await;
    host.axe("a room, as its host").await;
    guest.axe("a room, taken out").await;

    // Afterwards the insights show what happened: the session (ended once the last one
    // left), each participant with join and leave, and real bit rates, through the API.
    host.click("button.leave").await;
    viewer.click("button.leave").await;
    let since = std::time::Instant::now();
    let (session, people) = loop {
        let sessions = get(format!("/insights/room-sessions?roomName={name}")).await;
        let s = &sessions["results"][0];
        if s["endedAt"].is_string() {
            let id = s["roomSessionId"].as_str().unwrap().to_string();
            let people = get(format!("/insights/participants?roomSessionId={id}")).await;
            if people["results"].as_array().unwrap().len() == 3
                && people["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|p| p["leftAt"].is_string())
            {
                break (id, people);
            }
        }
        assert!(
            since.elapsed() < std::time::Duration::from_secs(60),
            "the session never showed as ended: {sessions}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    let people = people["results"].as_array().unwrap().clone();
    let find = |n: &str| {
        people
            .iter()
            .find(|p| p["displayName"] == n)
            .cloned()
            .unwrap()
    };
    assert_eq!(find("Dr. Host")["roleName"], "host");
    assert_eq!(find("Ada Lovelace")["roleName"], "guest");
    assert_eq!(find("Watcher")["roleName"], "viewer");
    for p in &people {
        assert!(
            p["joinedAt"].as_str().unwrap() <= p["leftAt"].as_str().unwrap(),
            "{p}"
        );
    }
    let ada = find("Ada Lovelace")["participantId"]
        .as_str()
        .unwrap()
        .to_string();
    let detail = get(format!(
        "/insights/participant?roomSessionId={session}&participantId={ada}"
    ))
    .await;
    let samples = &detail[0]["samples"];
    // Ada's browser, as it connected.
    assert!(
        detail[0]["userAgent"].as_str().unwrap().contains("Chrome"),
        "{detail}"
    );
    assert_eq!(detail[0]["sampleRateMs"], 2000);
    let sent = samples["bitrateSend"].as_array().unwrap();
    assert!(!sent.is_empty(), "{detail}");
    assert!(
        sent.iter().any(|s| s[1].as_i64().unwrap() > 0),
        "Ada sent video: {detail}"
    );
    assert!(samples["bitrateRecv"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s[1].as_i64().unwrap() > 0));
    let rooms = get(format!("/insights/rooms?roomName[exact]={name}")).await;
    let r = &rooms["results"][0];
    assert_eq!(r["roomName"], room.name.as_str());
    assert_eq!(r["totalSessions"], 1);
    assert_eq!(r["totalUniqueParticipants"], 3);
    assert!(r["totalParticipantMinutes"].as_f64().unwrap() > 0.0, "{r}");
}

#[tokio::test]
async fn a_guest_enters_an_open_room_embedded_in_the_owners_page() {
    let server = TestServer::start().await;
    let (_, links) = server.rooms_api_room(false, true).await;
    let driver = Driver::start();
    let host = driver.session().await;
    let guest = driver.session().await;
    host.goto(&format!("{}&displayName=Host", links.host)).await;
    host.find("main[data-status=in-call]").await;

    // `<consult-call room="{roomUrl}" display-name="Grace">` on the owner's page: an open
    // room, so in at once.
    let page = format!(
        "{}/room?room={}&name=Grace&ext=grace-7",
        server.host_url,
        url::form_urlencoded::byte_serialize(links.guest.as_bytes()).collect::<String>()
    );
    guest.goto(&page).await;
    guest.enter_embed("consult-call").await;
    guest.find("main[data-status=in-call]").await;
    guest.assert_receiving_video("guest in the iframe").await;
    host.assert_receiving_video("host").await;
    let names = host
        .js("return [...document.querySelectorAll('figure.tile.remote figcaption')].map(f => f.textContent)")
        .await;
    assert!(names.to_string().contains("Grace"), "{names}");
    // The owner's page was told, as for a meeting, and of the checks before the call.
    guest.client.enter_parent_frame().await.unwrap();
    guest
        .wait_js(
            "consult:joined on the host page",
            30,
            "return window.__consultTest.events.some(e => e.type === 'consult:joined')",
        )
        .await;
    let precall = guest
        .js("return window.__consultTest.events.find(e => e.type === 'consult:precall_check_completed')")
        .await;
    assert_eq!(precall["version"], 1);
    assert_eq!(precall["steps"]["camera"], true, "{precall}");
    assert_eq!(precall["steps"]["microphone"], true, "{precall}");
    assert_eq!(precall["steps"]["connection"], true, "{precall}");
    // Whoever comes in and goes is told, with the id their own page gave (never a hash).
    let bob = driver.session().await;
    bob.goto(&format!(
        "{}?displayName=Bob&externalId=bob-42",
        links.guest
    ))
    .await;
    bob.find("main[data-status=in-call]").await;
    guest
        .wait_js(
            "consult:participant_join",
            30,
            "return window.__consultTest.events.some(e => e.type === 'consult:participant_join' && e.name === 'Bob' && e.external_id === 'bob-42' && e.role === 'guest')",
        )
        .await;
    bob.close().await;
    guest
        .wait_js(
            "consult:participant_leave",
            60,
            "return window.__consultTest.events.some(e => e.type === 'consult:participant_leave' && e.external_id === 'bob-42')",
        )
        .await;
    // The host page drives the call through the element: the camera goes off for everyone.
    guest
        .js("document.querySelector('consult-call').toggleCamera(); return true")
        .await;
    guest
        .wait_js(
            "consult:camera_toggle",
            30,
            "return window.__consultTest.events.some(e => e.type === 'consult:camera_toggle' && e.enabled === false)",
        )
        .await;
    host.wait_js(
        "Grace's camera off on the host's page",
        30,
        "return [...document.querySelectorAll('figure.tile.remote')].some(f => f.dataset.camera === 'off')",
    )
    .await;
    guest
        .js("document.querySelector('consult-call').toggleMicrophone(); return true")
        .await;
    guest
        .wait_js(
            "consult:microphone_toggle",
            30,
            "return window.__consultTest.events.some(e => e.type === 'consult:microphone_toggle' && e.enabled === false)",
        )
        .await;
    guest
        .js("document.querySelector('consult-call').leaveRoom(); return true")
        .await;
    guest
        .wait_js(
            "consult:left",
            30,
            "return window.__consultTest.events.some(e => e.type === 'consult:left')",
        )
        .await;
}

/// An element placed before its link is known mounts once the page sets it.
#[tokio::test]
async fn a_call_element_mounts_once_its_room_is_set() {
    let server = TestServer::start().await;
    let (_, links) = server.rooms_api_room(false, false).await;
    let driver = Driver::start();
    let guest = driver.session().await;
    // `<consult-call join="">`: nothing to open yet, and the page is told so.
    guest
        .open_host_page(&format!("{}/call", server.host_url))
        .await;
    guest
        .wait_js(
            "the missing attribute to be told",
            30,
            "return window.__consultTest.events.some(e => e.type === 'consult:error' && e.code === 'invalid_attributes')",
        )
        .await;
    guest
        .js(&format!(
            "const el = document.querySelector('consult-call');
             el.setAttribute('display-name', 'Late Lucy');
             el.setAttribute('room', {:?});
             return true",
            links.guest
        ))
        .await;
    guest.enter_embed("consult-call").await;
    guest.find("main[data-status=in-call]").await;
}
