//! E-mail over TLS, through a real SMTP server on loopback (aiosmtpd) with a certificate of a
//! throwaway CA: STARTTLS with a login, implicit TLS, a certificate not trusted (nothing sent,
//! the message waits, and goes once the CA is given), plain SMTP to a relay that requires
//! STARTTLS, and settings refused at start. The password shows in no log, error or help.

use crate::support;

use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use support::api::Api;
use support::process::{free_port, ConsultProcess};
use support::smtp::{SinkOptions, SinkTls, SmtpSink};
use support::TestServer;

const PASSWORD: &str = "Pa55-w0rd-of-the-relay";

fn starttls_with_login() -> SmtpSink {
    SmtpSink::start_with(SinkOptions {
        tls: SinkTls::Starttls,
        login: Some(("mailer".into(), PASSWORD.into())),
        ..SinkOptions::default()
    })
}

/// `consult serve` on `data` through `sink`'s port with these SMTP flags; with
/// `--smtp-user`, the password in the environment, as an operator should give it.
fn serve(data: &Path, port: u16, sink: &SmtpSink, flags: &[&str]) -> Command {
    let mut cmd = ConsultProcess::command(data, port);
    cmd.args(["--smtp-host", "127.0.0.1", "--smtp-port"])
        .arg(sink.port.to_string())
        .args(flags);
    if flags.contains(&"--smtp-user") {
        cmd.env("CONSULT_SMTP_PASSWORD", PASSWORD);
    }
    cmd
}

/// API credentials for a server on `data` (made before it starts).
fn client(data: &Path) -> (String, String) {
    let out = support::db::consult(data)
        .args(["clients", "create", "--name", "mail", "--data"])
        .arg(data)
        .output()
        .unwrap();
    let creds: Value = serde_json::from_slice(&out.stdout).unwrap();
    (
        creds["client_id"].as_str().unwrap().into(),
        creds["client_secret"].as_str().unwrap().into(),
    )
}

/// A meeting with one guest, `ann@example.com`, invited by e-mail (the agent gets a copy).
async fn invite_ann(server: &ConsultProcess, (id, secret): &(String, String)) {
    let api = Api::login(&server.url, id, secret).await;
    let support::api::Clinic { agent, site, .. } = api
        .clinic(
            "Secure mail",
            "dana@example.com",
            Some("StrongPassword123!"),
        )
        .await;
    let made = api
        .post(
            "/api/v2/personal/meetings",
            json!({ "site": site, "agent": agent, "send_email": true,
                    "time_start": "2031-06-01T08:00:00Z", "time_end": "2031-06-01T08:30:00Z",
                    "participants": [{ "name": "Ann", "email": "ann@example.com" }] }),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
}

/// An outbox row: attempts, last error, sent at, given up at.
type OutboxRow = (i64, Option<String>, Option<i64>, Option<i64>);

/// Once the invitation to `recipient` was tried and waits for another try: its attempts and last error
/// (none of it sent, none of it given up).
async fn waiting(pool: &sqlx::AnyPool, recipient: &str) -> (i64, String) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let row: Option<OutboxRow> = sqlx::query_as(
            "SELECT attempts, last_error, sent_at, failed_at FROM outbox WHERE recipient = $1",
        )
        .bind(recipient)
        .fetch_optional(pool)
        .await
        .unwrap();
        if let Some((attempts, Some(error), sent, failed)) = row {
            assert_eq!((sent, failed), (None, None), "{error}");
            return (attempts, error);
        }
        assert!(Instant::now() < deadline, "not tried within 60 s: {row:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn mail_goes_over_starttls_with_a_login_and_the_password_shows_nowhere() {
    let data = tempfile::tempdir().unwrap();
    let creds = client(data.path());
    let sink = starttls_with_login();
    let ca = sink.ca_file();
    let port = free_port();
    let cmd = serve(
        data.path(),
        port,
        &sink,
        &[
            "--smtp-tls",
            "starttls",
            "--smtp-ca-file",
            ca.to_str().unwrap(),
            "--smtp-user",
            "mailer",
        ],
    );
    let server = ConsultProcess::start(cmd, port).await;
    invite_ann(&server, &creds).await;
    sink.wait_for(2, 60).await;
    for m in sink.parsed() {
        assert_eq!(m["tls"], true, "{m}");
        assert_eq!(m["login"], "mailer", "{m}");
    }
    let ann = sink
        .parsed()
        .into_iter()
        .find(|m| m["to"].as_str().unwrap().contains("ann@example.com"))
        .expect("Ann's invitation");
    assert!(ann["text"].as_str().unwrap().contains("/join/"), "{ann}");
    let logins = sink.logins();
    assert!(!logins.is_empty(), "no login seen");
    assert!(logins.iter().all(|l| l.ends_with(" mailer")), "{logins:?}");
    let log = server.stderr();
    assert!(
        log.contains("tls=\"starttls\"") || log.contains("tls=starttls"),
        "{log}"
    );
    assert!(!log.contains(PASSWORD), "the password in the log: {log}");
    // Nor in the help, where clap would show an environment variable's value.
    let help = Command::new(env!("CARGO_BIN_EXE_consult"))
        .args(["serve", "--help"])
        .env("CONSULT_SMTP_PASSWORD", PASSWORD)
        .env("CONSULT_SMTP_USER", "mailer")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--smtp-password"), "{help}");
    assert!(help.contains("--smtp-tls"), "{help}");
    assert!(!help.contains(PASSWORD), "{help}");
}

#[tokio::test]
async fn implicit_tls_delivers() {
    let sink = SmtpSink::start_with(SinkOptions {
        tls: SinkTls::Implicit,
        login: Some(("mailer".into(), PASSWORD.into())),
        ..SinkOptions::default()
    });
    let server = TestServer::start_with(|c| c.smtp = sink.config()).await;
    server.book("Ann Customer").await;
    sink.wait_for(2, 60).await;
    for m in sink.parsed() {
        assert_eq!(m["tls"], true, "{m}");
        assert_eq!(m["login"], "mailer", "{m}");
    }
    assert_eq!(server.outbox_settled().await.len(), 2);
}

#[tokio::test]
async fn an_untrusted_certificate_sends_nothing_and_the_message_goes_once_its_ca_is_given() {
    let data = tempfile::tempdir().unwrap();
    let creds = client(data.path());
    let sink = starttls_with_login();
    let port = free_port();
    // STARTTLS required, but the relay's CA is not among the trusted roots.
    let cmd = serve(
        data.path(),
        port,
        &sink,
        &["--smtp-tls", "starttls", "--smtp-user", "mailer"],
    );
    let mut server = ConsultProcess::start(cmd, port).await;
    invite_ann(&server, &creds).await;
    let pool = support::db::pool(data.path()).await;
    let (attempts, error) = waiting(&pool, "ann@example.com").await;
    assert_eq!((attempts, error.as_str()), (1, "transient tls"));
    assert!(sink.messages().is_empty(), "sent to an untrusted relay");
    assert!(sink.logins().is_empty(), "logged in to an untrusted relay");
    // The operator learns why; no recipient, no password.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut log = server.stderr();
    while !log.contains("transient tls") {
        assert!(Instant::now() < deadline, "{log}");
        tokio::time::sleep(Duration::from_millis(50)).await;
        log = server.stderr();
    }
    assert!(log.contains("TLS with the SMTP relay failed"), "{log}");
    assert!(log.contains("UnknownIssuer"), "{log}");
    assert!(!log.contains("example.com"), "an address in the log: {log}");
    assert!(!log.contains(PASSWORD), "the password in the log: {log}");
    server.terminate();

    // Restarted with the CA: the waiting messages go out (made due now rather than waiting
    // out the back-off).
    sqlx::query("UPDATE outbox SET next_attempt_at = 0 WHERE sent_at IS NULL")
        .execute(&pool)
        .await
        .unwrap();
    let ca = sink.ca_file();
    let port = free_port();
    let cmd = serve(
        data.path(),
        port,
        &sink,
        &[
            "--smtp-tls",
            "starttls",
            "--smtp-user",
            "mailer",
            "--smtp-ca-file",
            ca.to_str().unwrap(),
        ],
    );
    let _server = ConsultProcess::start(cmd, port).await;
    sink.wait_for(2, 60).await;
    let all = sink.parsed();
    assert!(
        all.iter()
            .any(|m| m["to"].as_str().unwrap().contains("ann@example.com")),
        "{all:?}"
    );
    assert!(all.iter().all(|m| m["tls"] == true), "{all:?}");
    let settled = support::outbox_settled(&pool, "email").await;
    assert_eq!(settled.len(), 2, "{settled:?}");
}

#[tokio::test]
async fn plain_smtp_to_a_relay_that_requires_starttls_fails_cleanly_and_the_message_waits() {
    let sink = SmtpSink::start_with(SinkOptions {
        tls: SinkTls::Starttls,
        ..SinkOptions::default()
    });
    let server = TestServer::start_with(|c| {
        let mut plain = sink.config().unwrap();
        plain.security = consult::server::notify::SmtpSecurity::None;
        plain.ca_file = None;
        c.smtp = Some(plain);
    })
    .await;
    server.book("Ann Customer").await;
    let (attempts, error) = waiting(server.state.store.pool(), "guest@example.com").await;
    // 530: "STARTTLS first": the relay's settings, not the message, are at fault.
    assert_eq!((attempts, error.as_str()), (1, "transient smtp 530"));
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn settings_that_could_never_work_are_refused_at_start() {
    let data = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start();
    // A password bound for another machine in plain text.
    let port = free_port();
    let mut cmd = ConsultProcess::command(data.path(), port);
    cmd.args([
        "--smtp-host",
        "smtp.example.com",
        "--smtp-tls",
        "none",
        "--smtp-user",
        "mailer",
    ])
    .env("CONSULT_SMTP_PASSWORD", PASSWORD);
    let (status, log) = ConsultProcess::refused(cmd, port).await;
    assert!(!status.success());
    assert!(log.contains("plain text"), "{log}");
    assert!(!log.contains(PASSWORD), "{log}");
    // A CA file that is not there.
    let port = free_port();
    let missing = data.path().join("no-such-ca.pem");
    let cmd = serve(
        data.path(),
        port,
        &sink,
        &[
            "--smtp-tls",
            "tls",
            "--smtp-ca-file",
            missing.to_str().unwrap(),
        ],
    );
    let (status, log) = ConsultProcess::refused(cmd, port).await;
    assert!(!status.success());
    assert!(
        log.contains("no-such-ca.pem") && log.contains("cannot be read"),
        "{log}"
    );
    // A mode that does not exist.
    let port = free_port();
    let cmd = serve(data.path(), port, &sink, &["--smtp-tls", "sometimes"]);
    let (status, log) = ConsultProcess::refused(cmd, port).await;
    assert!(!status.success());
    assert!(
        log.contains("sometimes") && log.contains("starttls"),
        "{log}"
    );
}
