//! Sending what the outbox holds: e-mail over SMTP, text messages through an HTTP provider. One worker per server process claims each
//! due message before sending it, so a restart never sends twice and never loses one.

use super::store::{backoff, Email, Message, Queued, Sms, MAX_ATTEMPTS};
use super::AppState;
use chrono::Utc;
use lettre::message::{header::ContentType, Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

pub use super::smtp::{SmtpConfig, SmtpCredentials, SmtpSecurity};

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

/// Messages taken from the outbox at a time.
const BATCH: u32 = 20;

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
        Some(smtp) => match (smtp.from.parse::<Mailbox>(), smtp.transport()) {
            (Ok(from), Ok(transport)) => {
                tracing::info!(
                    host = %smtp.host,
                    port = smtp.port,
                    tls = smtp.security.name(),
                    login = smtp.credentials.is_some(),
                    "e-mail goes out through the SMTP relay"
                );
                Some(Mailer { transport, from })
            }
            (Err(e), _) => {
                tracing::error!(error = %e, "the SMTP sender address is not valid; e-mails wait in the outbox");
                None
            }
            // Checked when the server was built; kept for a worker started otherwise.
            (_, Err(e)) => {
                tracing::error!(error = %e, "the SMTP relay settings are not usable; e-mails wait in the outbox");
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
        // A full batch means more may be due: the next is asked for at once, so a burst of
        // invitations goes out as fast as the relay takes it, not 20 per poll.
        let full = match state.store.due(Utc::now(), BATCH, &channels).await {
            Ok(batch) => {
                let full = batch.len() == BATCH as usize;
                for q in batch {
                    send_one(&state, mailer.as_ref(), texter.as_ref(), q).await;
                }
                full
            }
            Err(e) => {
                tracing::error!(error = %e, "outbox unreadable");
                false
            }
        };
        if !full {
            tokio::time::sleep(POLL).await;
        }
    }
}

/// Why a message was not sent, as it may be logged and stored: a class and a code, never the
/// relay's own words (an SMTP refusal quotes the recipient's address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Will trying again help? A permanent failure is given up at once.
    pub permanent: bool,
    /// What failed: `smtp`, `tls`, `connection`, `timeout`, `message`, `http`, `no-sender`.
    pub kind: &'static str,
    /// The SMTP reply code or HTTP status, when there was one.
    pub code: Option<u16>,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let class = if self.permanent {
            "permanent"
        } else {
            "transient"
        };
        match self.code {
            Some(code) => write!(f, "{class} {} {code}", self.kind),
            None => write!(f, "{class} {}", self.kind),
        }
    }
}

impl Failure {
    fn new(permanent: bool, kind: &'static str, code: Option<u16>) -> Self {
        Failure {
            permanent,
            kind,
            code,
        }
    }

    /// An SMTP failure, classified by its reply code (5xx permanent, 4xx transient) or as a
    /// TLS or connection failure (transient: the message waits for the relay, or for its
    /// settings, to be right).
    ///
    /// The 5xx codes that refuse the sender's session rather than the message (530: log in or
    /// STARTTLS first, 534/538: a stronger or encrypted login needed, 535: login refused) are
    /// transient too: they are the relay settings' fault, and every message would otherwise
    /// be given up until an operator fixes them.
    pub fn smtp(e: &lettre::transport::smtp::Error) -> Self {
        let code = e.status().and_then(|c| c.to_string().parse::<u16>().ok());
        if e.is_permanent() && !matches!(code, Some(530 | 534 | 535 | 538)) {
            Failure::new(true, "smtp", code)
        } else if e.is_permanent() || e.is_transient() {
            Failure::new(false, "smtp", code)
        } else if is_tls_failure(e) {
            Failure::new(false, "tls", None)
        } else if e.is_timeout() {
            Failure::new(false, "timeout", None)
        } else {
            Failure::new(false, "connection", code)
        }
    }
}

/// Did TLS with the relay fail (a certificate not trusted, not for this host, a failed
/// handshake)? lettre reports a handshake as a connection error, with rustls's inside.
fn is_tls_failure(e: &lettre::transport::smtp::Error) -> bool {
    if e.is_tls() {
        return true;
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        // An `io::Error`'s own `source()` skips the error it wraps: look inside it too.
        let wrapped = s
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref());
        if s.is::<rustls::Error>() || wrapped.is_some_and(|w| w.is::<rustls::Error>()) {
            return true;
        }
        source = s.source();
    }
    false
}

async fn send_one(state: &AppState, mailer: Option<&Mailer>, texter: Option<&Texter>, q: Queued) {
    match state.store.claim(&q.id, q.attempts).await {
        Ok(true) => {}
        _ => return,
    }
    let attempt = q.attempts + 1;
    let result = match (&q.message, mailer, texter) {
        (Message::Email(email), Some(m), _) => match build(&m.from, &q.id, email) {
            Ok(message) => m
                .transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| {
                    // TLS and client errors say what is wrong with the relay's certificate,
                    // handshake or offer (fixed texts, never a recipient): the operator
                    // needs that to fix the settings.
                    if is_tls_failure(&e) {
                        tracing::warn!(outbox = %q.id, error = %e, "TLS with the SMTP relay failed");
                    } else if e.is_client() {
                        tracing::warn!(outbox = %q.id, error = %e, "the SMTP relay cannot be used as configured");
                    }
                    Failure::smtp(&e)
                }),
            Err(e) => Err(e),
        },
        (Message::Sms(sms), _, Some(t)) => send_sms(t, sms).await,
        // Not selected by `due` for a channel without a sender.
        _ => Err(Failure::new(false, "no-sender", None)),
    };
    let channel = match &q.message {
        Message::Email(_) => "email",
        Message::Sms(_) => "sms",
    };
    let outcome = match result {
        Ok(()) => {
            state.metrics.outbox_sent(channel);
            state.store.mark_sent(&q.id).await
        }
        Err(failure) => {
            // Ids and the classification only: recipients are personal data, and relays
            // quote them in their answers.
            let attempts = if failure.permanent {
                MAX_ATTEMPTS
            } else {
                attempt
            };
            state
                .metrics
                .outbox_failed(channel, failure.permanent, attempts >= MAX_ATTEMPTS);
            if attempts >= MAX_ATTEMPTS {
                tracing::error!(outbox = %q.id, attempt, error = %failure, "message given up");
            } else {
                tracing::warn!(outbox = %q.id, attempt, retry_in = backoff(attempt).num_seconds(), error = %failure, "message not sent");
            }
            state
                .store
                .mark_failed(&q.id, attempts, &failure.to_string())
                .await
        }
    };
    if let Err(e) = outcome {
        tracing::error!(error = %e, "could not record a message's outcome");
    }
}

async fn send_sms(t: &Texter, sms: &Sms) -> Result<(), Failure> {
    let mut req = t.http.post(&t.config.url).json(&serde_json::json!({
        "from": t.config.from,
        "to": sms.to,
        "text": sms.text,
    }));
    if let Some(token) = &t.config.token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.map_err(|e| {
        if e.is_timeout() {
            Failure::new(false, "timeout", None)
        } else {
            Failure::new(false, "connection", None)
        }
    })?;
    if res.status().is_success() {
        Ok(())
    } else {
        Err(Failure::new(false, "http", Some(res.status().as_u16())))
    }
}

/// The mail of outbox message `id`. Its `Message-ID` is the outbox id's, the same on every
/// attempt: a message sent again after a crash (the relay had taken it, the process died
/// before recording so) is the same message to the recipient's mail program, not a second.
fn build(from: &Mailbox, id: &str, email: &Email) -> Result<lettre::Message, Failure> {
    // A message that cannot be built never will be: permanent, and no details (they would
    // quote the address).
    let unbuildable = |_| Failure::new(true, "message", None);
    let to: Mailbox = email.to.parse().map_err(unbuildable)?;
    let builder = lettre::Message::builder()
        .message_id(Some(format!("<{id}@{}>", from.email.domain())))
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
            let media = ContentType::parse(&a.media_type)
                .map_err(|_| Failure::new(true, "message", None))?;
            parts =
                parts.singlepart(Attachment::new(a.name.clone()).body(a.content.clone(), media));
        }
        builder.multipart(parts)
    };
    message.map_err(|_| Failure::new(true, "message", None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_say_class_and_code_only() {
        let f = Failure::new(true, "smtp", Some(550));
        assert_eq!(f.to_string(), "permanent smtp 550");
        assert_eq!(
            Failure::new(false, "connection", None).to_string(),
            "transient connection"
        );
        let email = Email {
            to: "not an address <<@>>".into(),
            subject: "s".into(),
            body: "b".into(),
            attachments: Vec::new(),
        };
        let from: Mailbox = "Consult <noreply@consult.test>".parse().unwrap();
        let e = build(&from, "0123456789abcdef01234567", &email).unwrap_err();
        assert!(e.permanent);
        assert!(!e.to_string().contains('@'), "{e}");
    }
}
