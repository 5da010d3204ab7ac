//! Sending what the outbox holds: e-mail over SMTP, text messages through an HTTP provider. One worker per server process claims each
//! due message before sending it, so a restart never sends twice and never loses one.

use super::store::{backoff, Email, Message, Queued, Sms, MAX_ATTEMPTS};
use super::AppState;
use chrono::Utc;
use lettre::message::{header::ContentType, Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

/// Where e-mail goes: an SMTP relay (plain SMTP, e.g. the local MTA).
#[derive(Clone, Debug)]
pub struct SmtpConfig {
    /// Relay host.
    pub host: String,
    /// Relay port.
    pub port: u16,
    /// Sender address, `Name <address>` or an address.
    pub from: String,
}

/// Where text messages go: an HTTP provider that takes
/// `POST {url}` with `{"from", "to", "text"}` as JSON and answers 2xx once accepted.
#[derive(Clone, Debug)]
pub struct SmsConfig {
    /// The provider's endpoint.
    pub url: String,
    /// Sent as `Authorization: Bearer …` when set.
    pub token: Option<String>,
    /// Sender name or number shown to the recipient.
    pub from: String,
}

/// How often the outbox is looked at.
pub const POLL: Duration = Duration::from_millis(500);

struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

struct Texter {
    http: reqwest::Client,
    config: SmsConfig,
}

/// Work the outbox until the server stops: e-mail when a relay is configured, SMS when a
/// provider is; messages of a channel without one wait in the outbox.
pub async fn run_worker(state: AppState) {
    let mailer = match &state.config.smtp {
        None => {
            tracing::warn!(
                "no SMTP relay configured: e-mails wait in the outbox (see --smtp-host)"
            );
            None
        }
        Some(smtp) => match smtp.from.parse::<Mailbox>() {
            Ok(from) => Some(Mailer {
                transport: AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
                    .port(smtp.port)
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
                from,
            }),
            Err(e) => {
                tracing::error!(error = %e, "the SMTP sender address is not valid; e-mails wait in the outbox");
                None
            }
        },
    };
    let texter = match state.config.sms.clone() {
        None => None,
        Some(config) => match reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
        {
            Ok(http) => Some(Texter { http, config }),
            Err(e) => {
                tracing::error!(error = %e, "no HTTP client for SMS; text messages wait in the outbox");
                None
            }
        },
    };
    let mut channels = Vec::new();
    if mailer.is_some() {
        channels.push("email");
    }
    if texter.is_some() {
        channels.push("sms");
    }
    if channels.is_empty() {
        return;
    }
    loop {
        match state.store.due(Utc::now(), 20, &channels).await {
            Ok(batch) => {
                for q in batch {
                    send_one(&state, mailer.as_ref(), texter.as_ref(), q).await;
                }
            }
            Err(e) => tracing::error!(error = %e, "outbox unreadable"),
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn send_one(state: &AppState, mailer: Option<&Mailer>, texter: Option<&Texter>, q: Queued) {
    match state.store.claim(&q.id, q.attempts).await {
        Ok(true) => {}
        _ => return,
    }
    let attempt = q.attempts + 1;
    let result = match (&q.message, mailer, texter) {
        (Message::Email(email), Some(m), _) => match build(&m.from, email) {
            Ok(message) => m
                .transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        },
        (Message::Sms(sms), _, Some(t)) => send_sms(t, sms).await,
        // Not selected by `due` for a channel without a sender.
        _ => Err("no sender for this channel".into()),
    };
    let outcome = match result {
        Ok(()) => state.store.mark_sent(&q.id).await,
        Err(e) => {
            // Ids only: recipients are personal data.
            tracing::warn!(message = %q.id, attempt, retry_in = backoff(attempt).num_seconds(), error = %e, "message not sent");
            if attempt >= MAX_ATTEMPTS {
                tracing::error!(message = %q.id, "message given up after {MAX_ATTEMPTS} attempts");
            }
            state.store.mark_failed(&q.id, attempt, &e).await
        }
    };
    if let Err(e) = outcome {
        tracing::error!(error = %e, "could not record a message's outcome");
    }
}

async fn send_sms(t: &Texter, sms: &Sms) -> Result<(), String> {
    let mut req = t.http.post(&t.config.url).json(&serde_json::json!({
        "from": t.config.from,
        "to": sms.to,
        "text": sms.text,
    }));
    if let Some(token) = &t.config.token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.map_err(|e| e.without_url().to_string())?;
    if res.status().is_success() {
        Ok(())
    } else {
        Err(format!("the SMS provider answered {}", res.status()))
    }
}

fn build(from: &Mailbox, email: &Email) -> Result<lettre::Message, String> {
    let to: Mailbox = email
        .to
        .parse()
        .map_err(|e| format!("bad recipient: {e}"))?;
    let builder = lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone());
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(email.body.clone());
    let message = if email.attachments.is_empty() {
        builder.singlepart(text)
    } else {
        let mut parts = MultiPart::mixed().singlepart(text);
        for a in &email.attachments {
            let media = ContentType::parse(&a.media_type).map_err(|e| e.to_string())?;
            parts =
                parts.singlepart(Attachment::new(a.name.clone()).body(a.content.clone(), media));
        }
        builder.multipart(parts)
    };
    message.map_err(|e| e.to_string())
}
