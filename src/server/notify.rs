//! Sending what the outbox holds: e-mail over SMTP. One worker per server process claims each
//! due message before sending it, so a restart never sends twice and never loses one.

use super::store::{backoff, Queued, MAX_ATTEMPTS};
use super::AppState;
use chrono::Utc;
use lettre::message::{header::ContentType, Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
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

/// How often the outbox is looked at.
pub const POLL: Duration = Duration::from_millis(500);

/// Work the outbox until the server stops.
pub async fn run_worker(state: AppState) {
    let Some(smtp) = state.config.smtp.clone() else {
        tracing::warn!("no SMTP relay configured: e-mails wait in the outbox (see --smtp-host)");
        return;
    };
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
        .port(smtp.port)
        .timeout(Some(Duration::from_secs(20)))
        .build();
    let from: Mailbox = match smtp.from.parse() {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "the SMTP sender address is not valid; e-mails wait in the outbox");
            return;
        }
    };
    loop {
        match state.store.due_emails(Utc::now(), 20).await {
            Ok(batch) => {
                for q in batch {
                    send_one(&state, &transport, &from, q).await;
                }
            }
            Err(e) => tracing::error!(error = %e, "outbox unreadable"),
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn send_one(
    state: &AppState,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    q: Queued,
) {
    match state.store.claim(&q.id, q.attempts).await {
        Ok(true) => {}
        _ => return,
    }
    let attempt = q.attempts + 1;
    let result = match build(from, &q) {
        Ok(message) => transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    let outcome = match result {
        Ok(()) => state.store.mark_sent(&q.id).await,
        Err(e) => {
            // Ids only: recipients are personal data.
            tracing::warn!(message = %q.id, attempt, retry_in = backoff(attempt).num_seconds(), error = %e, "e-mail not sent");
            if attempt >= MAX_ATTEMPTS {
                tracing::error!(message = %q.id, "e-mail given up after {MAX_ATTEMPTS} attempts");
            }
            state.store.mark_failed(&q.id, attempt, &e).await
        }
    };
    if let Err(e) = outcome {
        tracing::error!(error = %e, "could not record an e-mail's outcome");
    }
}

fn build(from: &Mailbox, q: &Queued) -> Result<Message, String> {
    let to: Mailbox = q
        .email
        .to
        .parse()
        .map_err(|e| format!("bad recipient: {e}"))?;
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(q.email.subject.clone());
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(q.email.body.clone());
    let message = if q.email.attachments.is_empty() {
        builder.singlepart(text)
    } else {
        let mut parts = MultiPart::mixed().singlepart(text);
        for a in &q.email.attachments {
            let media = ContentType::parse(&a.media_type).map_err(|e| e.to_string())?;
            parts =
                parts.singlepart(Attachment::new(a.name.clone()).body(a.content.clone(), media));
        }
        builder.multipart(parts)
    };
    message.map_err(|e| e.to_string())
}
