//! White label through attributes on a foreign-origin host page: the values show in the
//! computed styles inside the frame, over the site's own settings; bad values are ignored
//! with one console warning naming the attribute; call features switch off.

use crate::support;

use support::browser::Driver;
use support::TestServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attributes_theme_the_frame_and_bad_values_are_named_once() {
    let server = TestServer::start().await;
    // The site's own colour, which an attribute overrides.
    sqlx::query("UPDATE sites SET text_color = '#123456', font = 'Verdana' WHERE id = $1")
        .bind(server.site.as_str())
        .execute(server.state.store.pool())
        .await
        .unwrap();
    let driver = Driver::start();
    let b = driver.session().await;
    b.open_host_page(&format!("{}/", server.host_url)).await;
    b.js(&format!(
        "document.querySelector('consult-booking').remove();
         const e = document.createElement('consult-booking');
         e.setAttribute('site', '{}');
         e.setAttribute('primary-color', '#aa0000');
         e.setAttribute('text-color', '#0b0b0b');
         e.setAttribute('radius', '2');
         e.setAttribute('font', 'Georgia, serif');
         e.setAttribute('theme', 'dark');
         e.setAttribute('focus-color', 'orange; color: red');
         document.body.appendChild(e);
         return true",
        server.site
    ))
    .await;
    // One warning, naming the attribute, on the host page.
    let logs = b
        .wait_js(
            "the warning",
            10,
            "const l = window.__consultTest.logs.filter(l => l.includes('focus-color')); return l.length && l",
        )
        .await;
    assert_eq!(logs.as_array().unwrap().len(), 1, "{logs}");
    assert!(logs[0]
        .as_str()
        .unwrap()
        .contains("consult-booking: ignoring focus-color"));

    b.enter_embed("consult-booking").await;
    b.find("label.slot").await;
    let styles = b
        .js("const r = getComputedStyle(document.documentElement), b = getComputedStyle(document.body);
             return {
               primary: r.getPropertyValue('--consult-primary').trim(),
               text: b.color, font: b.fontFamily, bg: b.backgroundColor,
               radius: r.getPropertyValue('--consult-radius').trim(),
               focus: r.getPropertyValue('--consult-focus').trim(),
               submit: getComputedStyle(document.querySelector('button[type=submit]')).backgroundColor,
               theme: document.documentElement.dataset.theme,
               url: location.search }")
        .await;
    assert_eq!(styles["primary"], "#aa0000", "{styles}");
    assert_eq!(styles["submit"], "rgb(170, 0, 0)", "{styles}");
    assert_eq!(
        styles["text"], "rgb(11, 11, 11)",
        "attribute over the site's colour: {styles}"
    );
    assert_eq!(styles["font"], "Georgia, serif", "{styles}");
    assert_eq!(styles["radius"], "2px", "{styles}");
    assert_eq!(styles["theme"], "dark", "{styles}");
    assert_eq!(styles["bg"], "rgb(17, 24, 39)", "dark background: {styles}");
    assert_eq!(
        styles["focus"], "#f59e0b",
        "the bad value never arrived: {styles}"
    );
    assert!(
        !styles["url"].as_str().unwrap().contains("focus-color"),
        "{styles}"
    );
    // Without the attributes, the site's own settings show (precedence, not coincidence).
    b.client.enter_parent_frame().await.unwrap();
    b.js("const e = document.querySelector('consult-booking');
          ['text-color', 'font', 'theme'].forEach(n => e.removeAttribute(n)); return true")
        .await;
    b.enter_embed("consult-booking").await;
    b.find("label.slot").await;
    let site = b
        .js("const s = getComputedStyle(document.body); return [s.color, s.fontFamily]")
        .await;
    assert_eq!(site, serde_json::json!(["rgb(18, 52, 86)", "Verdana"]));
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_without_chat_or_screen_share_and_without_details() {
    let server = TestServer::start().await;
    let room = server.room(&["Ada"], 2).await;
    let hash = room.guests[0].rsplit('/').next().unwrap().to_string();
    let driver = Driver::start();
    let ada = driver.session().await;
    let agent = driver.session().await;
    ada.open_host_page(&format!("{}/call?join={hash}", server.host_url))
        .await;
    ada.js(&format!(
        "const old = document.querySelector('consult-call'); old.remove();
         const e = document.createElement('consult-call');
         e.setAttribute('join', '{hash}'); e.setAttribute('chat', 'off');
         e.setAttribute('screenshare', 'off'); e.setAttribute('hide-details', '');
         document.body.appendChild(e); return true"
    ))
    .await;
    ada.enter_embed("consult-call").await;
    ada.find("main[data-status=waiting]").await;
    agent.admit_from_host_link(&room.host, "Ada").await;
    ada.find("main[data-status=in-call]").await;
    ada.find("[data-action=mic]").await;
    let shown = ada
        .js("return [!!document.querySelector('.chat'), !!document.querySelector('[data-action=screen]'),
                     getComputedStyle(document.querySelector('header.meeting')).display]")
        .await;
    assert_eq!(shown, serde_json::json!([false, false, "none"]));
    // The agent's own page keeps both.
    agent.find(".chat").await;
    agent.find("[data-action=screen]").await;
    ada.close().await;
    agent.close().await;
}

/// A 1×1 PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sites_logo_and_background_come_from_consult_and_the_attribute_decides() {
    use base64::Engine;
    let server = TestServer::start().await;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(PNG)
        .unwrap();
    for kind in ["logo", "background"] {
        sqlx::query(
            "INSERT INTO site_images (site_id, kind, media_type, bytes, updated_at) VALUES ($1, $2, 'image/png', $3, 0)",
        )
        .bind(server.site.as_str())
        .bind(kind)
        .bind(&bytes)
        .execute(server.state.store.pool())
        .await
        .unwrap();
    }
    let logo_path = format!("/media/sites/{}/logo", server.site);
    let driver = Driver::start();
    let b = driver.session().await;
    b.goto(&format!("{}/", server.host_url)).await;
    b.enter_embed("consult-booking").await;
    b.find("label.slot").await;
    let logo = b
        .wait_js(
            "the site's logo, loaded",
            10,
            "const i = document.querySelector('img[data-logo]'); return i && i.complete && i.naturalWidth > 0 && [i.getAttribute('src'), i.alt]",
        )
        .await;
    assert_eq!(logo, serde_json::json!([logo_path, ""]));
    // Everything the frame loaded came from Consult.
    let foreign = b
        .js(&format!(
            "return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith({:?}))",
            server.url
        ))
        .await;
    assert_eq!(foreign, serde_json::json!([]));

    // `logo="none"` hides it; a logo from elsewhere is refused with a warning naming the
    // attribute, and the site's own shows.
    b.client.enter_parent_frame().await.unwrap();
    b.js("document.querySelector('consult-booking').setAttribute('logo', 'none'); return true")
        .await;
    b.enter_embed("consult-booking").await;
    b.find("label.slot").await;
    assert_eq!(
        b.js("return !!document.querySelector('img[data-logo]')")
            .await,
        false
    );
    b.client.enter_parent_frame().await.unwrap();
    b.js("document.querySelector('consult-booking').setAttribute('logo', 'https://cdn.example/logo.png'); return true")
        .await;
    let warned = b
        .wait_js(
            "the logo warning",
            10,
            "const l = window.__consultTest.logs.filter(l => l.includes('ignoring logo=')); return l.length && l",
        )
        .await;
    assert_eq!(warned.as_array().unwrap().len(), 1, "{warned}");
    b.enter_embed("consult-booking").await;
    b.find("label.slot").await;
    assert_eq!(
        b.js("return document.querySelector('img[data-logo]').getAttribute('src')")
            .await,
        logo_path.as_str()
    );
    b.close().await;

    // The waiting room: the logo in its header, the background behind it.
    let room = server.room(&["Ada"], 2).await;
    let ada = driver.session().await;
    ada.wait_in_room(&room.guests[0]).await;
    let look = ada
        .wait_js(
            "the waiting room's logo and background",
            10,
            "const i = document.querySelector('header.meeting img[data-logo]');
             const bg = getComputedStyle(document.querySelector('main.join')).backgroundImage;
             return i && i.complete && i.naturalWidth > 0 && [i.getAttribute('src'), bg]",
        )
        .await;
    assert_eq!(look[0], logo_path.as_str());
    assert!(
        look[1]
            .as_str()
            .unwrap()
            .ends_with(&format!("/media/sites/{}/background\")", server.site)),
        "{look}"
    );
    ada.axe("the waiting room with the site's logo").await;
    ada.close().await;
}
