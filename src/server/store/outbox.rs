//! The outbox: messages to send, persisted before anything is sent, so a crash or restart
//! loses none; retried with backoff; marked sent exactly once.

use super::Col;
use super::{placeholders, to_ms, Store};
use crate::model::AppError;
use crate::server::seal::Sealer;
use crate::server::tokens::new_id;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A file attached to an e-mail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// File name.
    pub name: String,
    /// Media type.
    pub media_type: String,
    /// Content (text: calendar files).
    pub content: String,
}

/// An e-mail to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    /// Recipient address.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// Attachments.
    pub attachments: Vec<Attachment>,
}

/// A text message to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sms {
    /// Recipient, E.164.
    pub to: String,
    /// The text.
    pub text: String,
}

/// What the outbox carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// An e-mail.
    Email(Email),
    /// A text message.
    Sms(Sms),
}

/// A queued message due for sending.
#[derive(Clone, Debug)]
pub struct Queued {
    /// Its id.
    pub id: String,
    /// Attempts so far.
    pub attempts: u32,
    /// The message.
    pub message: Message,
}

/// Give up after this many attempts.
pub const MAX_ATTEMPTS: u32 = 8;

/// Wait before attempt `n + 1`: 30 s, 1, 2, 4 … minutes, at most an hour.
pub fn backoff(attempts: u32) -> Duration {
    Duration::seconds((30i64 << attempts.min(7)).min(3600))
}

/// What is sealed of an e-mail: everything but the recipient.
#[derive(Serialize, Deserialize)]
struct SealedEmail {
    subject: String,
    body: String,
    attachments: Vec<Attachment>,
}

/// What is sealed of a text message.
#[derive(Serialize, Deserialize)]
struct SealedSms {
    text: String,
}

/// What a sealed row is bound to: moved to another row or readdressed, it does not open.
fn context(id: &str, channel: &str, recipient: &str) -> Vec<u8> {
    format!("outbox\n{id}\n{channel}\n{recipient}").into_bytes()
}

/// The columns of a new row: channel, recipient, sealed content.
fn sealed_row(
    sealer: &Sealer,
    id: &str,
    m: &Message,
) -> Result<(&'static str, String, String), AppError> {
    let (channel, recipient, plain) = match m {
        Message::Email(e) => (
            "email",
            e.to.clone(),
            serde_json::to_vec(&SealedEmail {
                subject: e.subject.clone(),
                body: e.body.clone(),
                attachments: e.attachments.clone(),
            }),
        ),
        Message::Sms(s) => (
            "sms",
            s.to.clone(),
            serde_json::to_vec(&SealedSms {
                text: s.text.clone(),
            }),
        ),
    };
    let plain = plain.map_err(|_| AppError::internal())?;
    let sealed = sealer.seal(&plain, &context(id, channel, &recipient));
    Ok((channel, recipient, sealed))
}

/// Queue messages inside a caller's transaction (so they exist exactly when the change that
/// caused them does), sealed, and tied to the meeting they are about, if any (a burst of
/// bookings cancelled by the site owner takes its unsent messages with it).
pub async fn enqueue(
    sealer: &Sealer,
    tx: &mut sqlx::AnyConnection,
    messages: &[Message],
    meeting: Option<&str>,
) -> Result<(), AppError> {
    let now = to_ms(Utc::now());
    for m in messages {
        let id = new_id();
        let (channel, recipient, sealed) = sealed_row(sealer, &id, m)?;
        sqlx::query(
            "INSERT INTO outbox (id, channel, recipient, body, created_at, next_attempt_at, meeting_id)
             VALUES ($1, $2, $3, $4, $5, $5, $6)",
        )
        .bind(&id)
        .bind(channel)
        .bind(recipient)
        .bind(sealed)
        .bind(now)
        .bind(meeting)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// SQL: a row's content emptied (sent, given up or withdrawn: nothing of it is needed again).
const SCRUBBED: &str = "subject = '', body = '', attachments = '[]'";

impl Store {
    /// Messages due at `now` on the channels that can send (`"email"`, `"sms"`), oldest
    /// first; the others keep waiting. A row that does not open (sealed under another key) is
    /// given up at once.
    pub async fn due(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        channels: &[&str],
    ) -> Result<Vec<Queued>, AppError> {
        let sql = format!(
            "SELECT id, channel, recipient, body, attempts FROM outbox
             WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1
               AND channel IN ({})
             ORDER BY next_attempt_at, created_at LIMIT $2",
            placeholders(3, channels.len())
        );
        let rows = channels
            .iter()
            .fold(
                sqlx::query(&sql).bind(to_ms(now)).bind(limit as i64),
                |q, c| q.bind(*c),
            )
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: String = r.col("id")?;
            let channel: String = r.col("channel")?;
            let to: String = r.col("recipient")?;
            let plain = self
                .sealer
                .open(&r.col::<String>("body")?, &context(&id, &channel, &to));
            let message = plain.and_then(|p| match channel.as_str() {
                "sms" => serde_json::from_slice::<SealedSms>(&p)
                    .ok()
                    .map(|s| Message::Sms(Sms { to, text: s.text })),
                _ => serde_json::from_slice::<SealedEmail>(&p).ok().map(|e| {
                    Message::Email(Email {
                        to,
                        subject: e.subject,
                        body: e.body,
                        attachments: e.attachments,
                    })
                }),
            });
            match message {
                Some(message) => out.push(Queued {
                    id,
                    attempts: r.col::<i64>("attempts")? as u32,
                    message,
                }),
                None => {
                    tracing::error!(outbox = %id, "an outbox message does not open (another secret.key?); given up");
                    self.mark_failed(&id, MAX_ATTEMPTS, "unreadable: sealed under another key")
                        .await?;
                }
            }
        }
        Ok(out)
    }

    /// How many messages wait, per channel: `(channel, queued, due at now)`. Reads only the
    /// waiting rows, through the partial index `outbox_due` (sent and given-up rows, however
    /// many, are not looked at), so it is cheap enough for every scrape of the metrics.
    pub async fn outbox_depth(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, i64, i64)>, AppError> {
        let rows = sqlx::query(
            "SELECT channel, COUNT(*) AS queued,
                    COUNT(CASE WHEN next_attempt_at <= $1 THEN 1 END) AS due
             FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL
             GROUP BY channel",
        )
        .bind(to_ms(now))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.col("channel")?, r.col("queued")?, r.col("due")?)))
            .collect()
    }

    /// Claim a message for one attempt: pushes its next attempt into the future first, so a
    /// second worker (or a restart during sending) does not send it at the same time.
    pub async fn claim(&self, id: &str, attempts: u32) -> Result<bool, AppError> {
        let done = sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1
             WHERE id = $2 AND attempts = $3 AND sent_at IS NULL AND failed_at IS NULL",
        )
        .bind(to_ms(Utc::now() + backoff(attempts)))
        .bind(id)
        .bind(attempts as i64)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Mark a message sent; its content is scrubbed (the links in it are the recipient's now).
    pub async fn mark_sent(&self, id: &str) -> Result<(), AppError> {
        sqlx::query(&format!(
            "UPDATE outbox SET sent_at = $1, last_error = NULL, {SCRUBBED} WHERE id = $2"
        ))
        .bind(to_ms(Utc::now()))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Record a failed attempt (`error`: a classification, never the relay's own words, which
    /// quote the recipient); after [`MAX_ATTEMPTS`] the message is given up and scrubbed.
    pub async fn mark_failed(
        &self,
        id: &str,
        attempts_done: u32,
        error: &str,
    ) -> Result<(), AppError> {
        let give_up = attempts_done >= MAX_ATTEMPTS;
        let scrub = if give_up {
            format!(", {SCRUBBED}")
        } else {
            String::new()
        };
        sqlx::query(&format!("UPDATE outbox SET last_error = $1, failed_at = CASE WHEN $2 THEN $3 ELSE NULL END{scrub} WHERE id = $4"))
            .bind(error.chars().take(200).collect::<String>())
            .bind(give_up)
            .bind(to_ms(Utc::now()))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Seal what an older version left readable in the outbox, and scrub what it kept of
    /// messages long sent (run at start, after the migrations). Then the journal is folded
    /// into the database file, whose freed space SQLite overwrites (`secure_delete`).
    pub(super) async fn seal_legacy_outbox(&self) -> Result<(), AppError> {
        let scrubbed = sqlx::query(&format!(
            "UPDATE outbox SET {SCRUBBED}
             WHERE (sent_at IS NOT NULL OR failed_at IS NOT NULL)
               AND (body <> '' OR subject <> '' OR attachments <> '[]')"
        ))
        .execute(&self.pool)
        .await?
        .rows_affected();
        let rows = sqlx::query(
            "SELECT id, channel, recipient, subject, body, attachments FROM outbox
             WHERE sent_at IS NULL AND failed_at IS NULL AND body NOT LIKE 's1.%'",
        )
        .fetch_all(&self.pool)
        .await?;
        for r in &rows {
            let id: String = r.col("id")?;
            let to: String = r.col("recipient")?;
            let message = match r.col::<String>("channel")?.as_str() {
                "sms" => Message::Sms(Sms {
                    to,
                    text: r.col("body")?,
                }),
                _ => Message::Email(Email {
                    to,
                    subject: r.col("subject")?,
                    body: r.col("body")?,
                    attachments: serde_json::from_str(&r.col::<String>("attachments")?)
                        .unwrap_or_default(),
                }),
            };
            let (_, _, sealed) = sealed_row(&self.sealer, &id, &message)?;
            sqlx::query(
                "UPDATE outbox SET subject = '', attachments = '[]', body = $1 WHERE id = $2",
            )
            .bind(sealed)
            .bind(&id)
            .execute(&self.pool)
            .await?;
        }
        if scrubbed > 0 || !rows.is_empty() {
            if self.engine == super::Engine::Sqlite {
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(&self.pool)
                    .await?;
            }
            tracing::info!(
                sealed = rows.len(),
                scrubbed,
                "outbox of an older version sealed"
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(0), Duration::seconds(30));
        assert_eq!(backoff(1), Duration::seconds(60));
        assert_eq!(backoff(3), Duration::seconds(240));
        assert_eq!(backoff(10), Duration::seconds(3600));
    }
}
