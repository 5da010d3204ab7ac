//! The outbox: messages to send, persisted before anything is sent, so a crash or restart
//! loses none; retried with backoff; marked sent exactly once.

use super::{db_error, to_ms, Store};
use crate::model::AppError;
use crate::server::tokens::new_id;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Row, Sqlite, Transaction};

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

/// Queue an e-mail inside a caller's transaction (so it exists exactly when the change that
/// caused it does).
pub async fn enqueue_email(
    tx: &mut Transaction<'_, Sqlite>,
    email: &Email,
) -> Result<(), AppError> {
    let now = to_ms(Utc::now());
    sqlx::query(
        "INSERT INTO outbox (id, channel, recipient, subject, body, attachments, created_at, next_attempt_at)
         VALUES ($1, 'email', $2, $3, $4, $5, $6, $6)",
    )
    .bind(new_id())
    .bind(&email.to)
    .bind(&email.subject)
    .bind(&email.body)
    .bind(serde_json::to_string(&email.attachments).map_err(|_| AppError::internal())?)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map_err(db_error)?;
    Ok(())
}

/// Queue a text message inside a caller's transaction.
pub async fn enqueue_sms(tx: &mut Transaction<'_, Sqlite>, sms: &Sms) -> Result<(), AppError> {
    let now = to_ms(Utc::now());
    sqlx::query(
        "INSERT INTO outbox (id, channel, recipient, body, created_at, next_attempt_at)
         VALUES ($1, 'sms', $2, $3, $4, $4)",
    )
    .bind(new_id())
    .bind(&sms.to)
    .bind(&sms.text)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map_err(db_error)?;
    Ok(())
}

/// Queue messages inside a caller's transaction.
pub async fn enqueue(
    tx: &mut Transaction<'_, Sqlite>,
    messages: &[Message],
) -> Result<(), AppError> {
    for m in messages {
        match m {
            Message::Email(e) => enqueue_email(tx, e).await?,
            Message::Sms(s) => enqueue_sms(tx, s).await?,
        }
    }
    Ok(())
}

impl Store {
    /// Messages due at `now` on the channels that can send (`"email"`, `"sms"`), oldest
    /// first; the others keep waiting.
    pub async fn due(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        channels: &[&str],
    ) -> Result<Vec<Queued>, AppError> {
        let channels = serde_json::to_string(channels).map_err(|_| AppError::internal())?;
        let rows = sqlx::query(
            "SELECT id, channel, recipient, subject, body, attachments, attempts FROM outbox
             WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1
               AND channel IN (SELECT value FROM json_each($3))
             ORDER BY next_attempt_at, created_at LIMIT $2",
        )
        .bind(to_ms(now))
        .bind(limit as i64)
        .bind(channels)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(rows
            .iter()
            .map(|r| Queued {
                id: r.get("id"),
                attempts: r.get::<i64, _>("attempts") as u32,
                message: match r.get::<String, _>("channel").as_str() {
                    "sms" => Message::Sms(Sms {
                        to: r.get("recipient"),
                        text: r.get("body"),
                    }),
                    _ => Message::Email(Email {
                        to: r.get("recipient"),
                        subject: r.get("subject"),
                        body: r.get("body"),
                        attachments: serde_json::from_str(&r.get::<String, _>("attachments"))
                            .unwrap_or_default(),
                    }),
                },
            })
            .collect())
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
        .await
        .map_err(db_error)?;
        Ok(done.rows_affected() == 1)
    }

    /// Mark a message sent.
    pub async fn mark_sent(&self, id: &str) -> Result<(), AppError> {
        sqlx::query("UPDATE outbox SET sent_at = $1, last_error = NULL WHERE id = $2")
            .bind(to_ms(Utc::now()))
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    /// Record a failed attempt; after [`MAX_ATTEMPTS`] the message is given up.
    pub async fn mark_failed(
        &self,
        id: &str,
        attempts_done: u32,
        error: &str,
    ) -> Result<(), AppError> {
        let give_up = attempts_done >= MAX_ATTEMPTS;
        sqlx::query("UPDATE outbox SET last_error = $1, failed_at = CASE WHEN $2 THEN $3 ELSE NULL END WHERE id = $4")
            .bind(error.chars().take(500).collect::<String>())
            .bind(give_up)
            .bind(to_ms(Utc::now()))
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
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
