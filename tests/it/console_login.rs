//! Console login with e-mail and password: one answer for every failure, a limit on tries,
//! suspended accounts refused, a session that logout ends; in a real browser by keyboard.

use crate::support;

use support::browser::Driver;
use support::TestServer;

const PASSWORD: &str = "Correct-Horse-9";

async fn give_password(server: &TestServer) {
    let hash = consult::server::services::accounts::hash_password(PASSWORD.into())
        .await
        .unwrap();
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(server.agent.as_str())
        .execute(server.state.store.pool())
        .await
        .unwrap();
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn try_login(server: &TestServer, email: &str, password: &str) -> reqwest::Response {
    client()
        .post(format!("{}/login", server.url))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn passwords_are_checked_without_telling_who_exists() {
    let server = TestServer::start().await;
    give_password(&server).await;
    let form = client()
        .get(format!("{}/login", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let body = form.text().await.unwrap();
    assert!(body.contains("autocomplete=\"current-password\""), "{body}");

    // A wrong password and an unknown address get the same answer, and no cookie.
    let mut answers = Vec::new();
    for (email, password) in [
        ("agent@demo.consult.test", "Wrong-Horse-9"),
        ("nobody@demo.consult.test", PASSWORD),
    ] {
        let res = try_login(&server, email, password).await;
        assert_eq!(res.status(), 401, "{email}");
        assert!(res.headers().get("set-cookie").is_none());
        let body = res.text().await.unwrap();
        assert!(body.contains("role=\"alert\""), "{body}");
        answers.push(body.replace(email, "EMAIL"));
    }
    assert_eq!(answers[0], answers[1]);
    // What was typed comes back escaped, never as markup.
    let res = try_login(&server, "\"><script>x</script>", "x").await;
    let body = res.text().await.unwrap();
    assert!(!body.contains("<script>x"), "{body}");

    // In Dutch for a Dutch browser, and a failed Dutch form answers in Dutch.
    let dutch = client()
        .get(format!("{}/login", server.url))
        .header("accept-language", "nl-NL,nl;q=0.9,en;q=0.8")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        dutch.contains("<html lang=\"nl\">") && dutch.contains("Wachtwoord"),
        "{dutch}"
    );
    let refused = client()
        .post(format!("{}/login", server.url))
        .form(&[
            ("email", "agent@demo.consult.test"),
            ("password", "Wrong-Horse-9"),
            ("lang", "nl"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        refused.contains("Het e-mailadres of het wachtwoord klopt niet."),
        "{refused}"
    );

    // The right password (the address as people type it) opens a session.
    let res = try_login(&server, "  Agent@Demo.Consult.Test ", PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/console");
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("consult_session=") && cookie.contains("HttpOnly"));

    // A suspended account cannot log in, even with its password.
    sqlx::query("UPDATE users SET suspended = 1 WHERE id = $1")
        .bind(server.agent.as_str())
        .execute(server.state.store.pool())
        .await
        .unwrap();
    assert_eq!(
        try_login(&server, "agent@demo.consult.test", PASSWORD)
            .await
            .status(),
        401
    );

    // Guessing is limited per address: after ten tries a minute, every try is refused.
    let mut refused = false;
    for _ in 0..12 {
        let res = try_login(&server, "agent@demo.consult.test", "guess").await;
        if res.status() == 429 {
            refused = true;
            break;
        }
        assert_eq!(res.status(), 401);
    }
    assert!(refused, "no limit on password guesses");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_logs_in_by_keyboard_and_logs_out() {
    let server = TestServer::start().await;
    give_password(&server).await;
    let driver = Driver::start();
    let b = driver.session().await;
    b.goto(&format!("{}/console", server.url)).await;
    let link = b.find("section.login a[href='/login?lang=en']").await;
    link.click().await.unwrap();
    b.find("#email").await;
    b.axe("the login form").await;
    b.find("#email")
        .await
        .send_keys("agent@demo.consult.test")
        .await
        .unwrap();
    // Tab to the password, type it, Enter submits.
    b.client
        .active_element()
        .await
        .unwrap()
        .send_keys(&format!("\u{E004}{PASSWORD}\u{E007}"))
        .await
        .unwrap();
    let who = b.find("p.agent strong").await.text().await.unwrap();
    assert_eq!(who, "Dana Agent");
    b.axe("the console").await;

    // Logging out ends the session on the server: the console asks to log in again.
    b.find("form[action='/logout'] button")
        .await
        .click()
        .await
        .unwrap();
    b.find("section.login").await;
    b.client.refresh().await.unwrap();
    b.find("section.login").await;
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
    assert_eq!(sessions, 0);
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_speaks_dutch() {
    let server = TestServer::start().await;
    let room = server.room(&["Ada"], 2).await;
    let driver = Driver::start();
    let agent = driver.session().await;
    let ada = driver.session().await;
    ada.wait_in_room(&room.guests[0]).await;
    // Logged out, the Dutch console leads to the Dutch login form.
    agent.goto(&format!("{}/console?lang=nl", server.url)).await;
    agent.click("section.login a[href='/login?lang=nl']").await;
    assert_eq!(
        agent.find("h1").await.text().await.unwrap(),
        "Inloggen op de console"
    );
    assert_eq!(
        agent
            .find("label[for=password]")
            .await
            .text()
            .await
            .unwrap(),
        "Wachtwoord"
    );
    assert_eq!(agent.js("return document.documentElement.lang").await, "nl");
    agent.axe("the Dutch login form").await;
    let login = server.login_url().await;
    agent.goto(&login).await;
    agent.goto(&format!("{}/console?lang=nl", server.url)).await;
    assert_eq!(
        agent.find("#waiting-title").await.text().await.unwrap(),
        "Nu in de wachtkamer"
    );
    let admit = agent
        .find("[data-action=admit][aria-label='Ada binnenlaten']")
        .await;
    assert_eq!(admit.text().await.unwrap(), "Binnenlaten");
    assert_eq!(agent.js("return document.documentElement.lang").await, "nl");
    agent.axe("the Dutch console").await;
    admit.click().await.unwrap();
    assert_eq!(
        agent.find("[data-action=mic]").await.text().await.unwrap(),
        "Microfoon uitzetten"
    );
    agent.close().await;
    ada.close().await;
}

/// `consult login-link` run by the operator beside a server (no flags of the server's):
/// the link names the server's own public URL, recorded at its start, and it logs in.
#[tokio::test]
async fn the_cli_login_link_uses_the_servers_public_url_and_works() {
    let server = TestServer::start().await;
    let mint = |extra: &[&str]| {
        let mut args = vec!["login-link", "--email", "agent@demo.consult.test"];
        args.extend_from_slice(extra);
        server.cli(&args).trim().to_string()
    };
    let link = mint(&[]);
    assert!(
        link.starts_with(&format!("{}/login/", server.url)),
        "{link} is not on {}",
        server.url
    );
    let res = client().get(&link).send().await.unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    assert!(res.headers().contains_key("set-cookie"));
    // An explicit address still wins.
    let other = mint(&["--public-url", "https://consult.example"]);
    assert!(
        other.starts_with("https://consult.example/login/"),
        "{other}"
    );
}
