//! What the database holds about one person (found by e-mail address or phone number), and
//! erasing it: the rows behind `GET`/`DELETE /api/v2/management/personal-data`, `consult
//! personal-data` and the retention job (`services::privacy`).
//!
//! A person appears as a meeting's participant, an appointment's claimant, the recipient of
//! queued or sent messages, a display name in a call's insights and in who was told of a
//! recording, and (staff) as a user. Erasing blanks the fields that say who they are; the rows
//! stay, so times, agents and counts remain.

use super::tenancy::Scope;
use super::{from_ms, placeholders, to_ms, Args, Col, Store};
use crate::model::AppError;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// Whom to look for.
#[derive(Clone, Debug)]
pub enum Who {
    /// An e-mail address (compared without regard to case).
    Email(String),
    /// A phone number, E.164.
    Phone(String),
}

impl Who {
    /// SQL condition on `column_email`/`column_phone` with parameter `$n`.
    fn condition(&self, email: &str, phone: &str, n: usize) -> String {
        match self {
            Who::Email(_) => format!("LOWER({email}) = LOWER(${n})"),
            Who::Phone(_) => format!("{phone} = ${n}"),
        }
    }

    fn value(&self) -> String {
        match self {
            Who::Email(e) => e.clone(),
            Who::Phone(p) => p.clone(),
        }
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn opt_time(ms: Option<i64>) -> Option<String> {
    ms.map(|ms| time(from_ms(ms)))
}

/// A meeting the person was invited to, with what it holds about them.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PersonMeeting {
    /// The meeting.
    pub meeting_id: String,
    /// Its company.
    pub company_id: String,
    /// Its site.
    pub site_id: String,
    /// Its agent (a user id).
    pub agent_id: String,
    /// Its subject.
    pub subject: String,
    /// Start.
    pub time_start: String,
    /// End.
    pub time_end: String,
    /// `scheduled` or `cancelled`.
    pub status: String,
    /// `guest`, or `host` for the agent's own row.
    pub role: String,
    /// The participant's row.
    #[serde(skip)]
    pub participant_id: String,
    /// Their name.
    pub name: String,
    /// Their e-mail address.
    pub email: Option<String>,
    /// Their phone number.
    pub phone: Option<String>,
    /// The language they booked in.
    pub language: Option<String>,
    /// The time zone they saw the times in.
    pub time_zone: Option<String>,
    /// When they agreed to the privacy statement (booking form).
    pub consented_at: Option<String>,
    /// What they wrote when booking (guests only).
    pub note: Option<String>,
    /// When the row was made.
    pub created_at: String,
    /// Whether it is still to come (scheduled, not yet over).
    #[serde(skip)]
    pub upcoming: bool,
}

/// An appointment the person is the claimant of.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PersonAppointment {
    /// The appointment.
    pub id: String,
    /// Its company.
    pub company_id: String,
    /// The company's reference.
    pub reference: String,
    /// When.
    pub appointment_at: String,
    /// `scheduled`, `in_progress`, `completed` or `cancelled`.
    pub status: String,
    /// The claimant's name.
    pub claimant_name: String,
    /// Their birth date.
    pub claimant_birth_date: Option<String>,
    /// Their phone number.
    pub claimant_phone: Option<String>,
    /// Their e-mail address.
    pub claimant_email: Option<String>,
    /// Their language.
    pub locale: String,
    /// The room of its call.
    #[serde(skip)]
    pub room_id: String,
}

/// A message queued or sent to the person (its content is sealed and not shown).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PersonMessage {
    /// The message.
    pub id: String,
    /// `email` or `sms`.
    pub channel: String,
    /// The address or number it went to.
    pub recipient: String,
    /// The meeting or appointment it was about.
    pub about: Option<String>,
    /// When queued.
    pub created_at: String,
    /// When sent.
    pub sent_at: Option<String>,
    /// When given up.
    pub failed_at: Option<String>,
}

/// The person in a call's insights (found by their name in the call's room).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PersonCall {
    /// The insights' participant row.
    pub id: String,
    /// The session of the call.
    pub session_id: String,
    /// The room's name.
    pub room_name: String,
    /// The name they were shown with.
    pub display_name: String,
    /// `guest` or `viewer`.
    pub role: String,
    /// Their browser.
    pub user_agent: Option<String>,
    /// When they came in.
    pub joined_at: String,
    /// When they left.
    pub left_at: Option<String>,
}

/// A recording of one of the person's calls, and whether they were told.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PersonRecording {
    /// The recording.
    pub id: String,
    /// Its company.
    #[serde(skip)]
    pub company_id: String,
    /// The room's name.
    pub room_name: String,
    /// `local` or `cloud`.
    pub mode: String,
    /// `recording`, `stopped`, `ready` or `deleted`.
    pub state: String,
    /// When it started.
    pub started_at: String,
    /// The name they were told under, and when (none: not among those told by name).
    pub told: Vec<PersonTold>,
}

/// One notice of a recording the person saw.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PersonTold {
    /// Their page's peer id.
    #[serde(skip)]
    pub peer_id: String,
    /// Their name as shown.
    pub name: String,
    /// When told.
    pub told_at: String,
}

/// A staff account with the address (agents, admins).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PersonUser {
    /// The user.
    pub id: String,
    /// Their company.
    pub company_id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail address.
    pub email: String,
    /// Role.
    pub role: String,
    /// Language.
    pub locale: String,
}

/// A company, dealer or reseller whose contact person (or, for a dealer, whose notification
/// address) has the address or number: what was given when it was made through the
/// management API.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PersonContact {
    /// `company`, `dealer` or `reseller`.
    pub entity_type: String,
    /// The company's, dealer's or reseller's id.
    pub entity_id: String,
    /// `contact` (the contact person) or `notification` (a dealer's address for notices:
    /// an address only).
    pub role: String,
    /// First name (none for a notification address).
    pub first_name: Option<String>,
    /// Last name (none for a notification address).
    pub last_name: Option<String>,
    /// E-mail address.
    pub email: String,
    /// Phone number, as given (none for a notification address).
    pub phone: Option<String>,
    /// Language (none for a notification address).
    pub language: Option<String>,
}

/// A message row as the export shows it.
fn message_at(r: &sqlx::any::AnyRow) -> Result<PersonMessage, AppError> {
    Ok(PersonMessage {
        id: r.col("id")?,
        channel: r.col("channel")?,
        recipient: r.col("recipient")?,
        about: r.col("meeting_id")?,
        created_at: time(from_ms(r.col("created_at")?)),
        sent_at: opt_time(r.col("sent_at")?),
        failed_at: opt_time(r.col("failed_at")?),
    })
}

/// The SQL condition "company column `col` is in scope" (`$1` is the scope's id) or, for the
/// operator, a condition on `$1` that always holds.
fn in_scope(scope: Option<&Scope>, col: &str) -> String {
    match scope {
        Some(s) => format!(
            "{col} IN (SELECT c.id FROM companies c WHERE {}$1)",
            s.companies().0
        ),
        None => "$1 = $1".to_string(),
    }
}

fn scope_arg(scope: Option<&Scope>) -> String {
    scope.map(|s| s.id().to_string()).unwrap_or_default()
}

impl Store {
    /// The rows of `sql`, whose `$1` is the scope's id and `$2` whom to look for.
    async fn rows_of(
        &self,
        sql: &str,
        scope: Option<&Scope>,
        who: &Who,
    ) -> Result<Vec<sqlx::any::AnyRow>, AppError> {
        Ok(sqlx::query_with(
            sql,
            Args::default().add(scope_arg(scope))?.add(who.value())?.0,
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// The meetings the person was invited to, in scope.
    pub async fn person_meetings(
        &self,
        scope: Option<&Scope>,
        who: &Who,
        now: DateTime<Utc>,
    ) -> Result<Vec<PersonMeeting>, AppError> {
        let sql = format!(
            "SELECT m.id AS m_id, m.company_id, m.site_id, m.agent_id, m.subject, m.starts_at,
                    m.ends_at, m.status, m.note, p.id AS p_id, p.is_host, p.name, p.email,
                    p.phone, p.locale, p.time_zone, p.consented_at, p.created_at
             FROM participants p JOIN meetings m ON m.id = p.meeting_id
             WHERE {} AND {}
             ORDER BY m.starts_at, p.id",
            in_scope(scope, "m.company_id"),
            who.condition("p.email", "p.phone", 2)
        );
        let rows = self.rows_of(&sql, scope, who).await?;
        rows.iter()
            .map(|r| {
                let is_host = r.flag("is_host")?;
                let status: String = r.col("status")?;
                let ends_at: i64 = r.col("ends_at")?;
                Ok(PersonMeeting {
                    meeting_id: r.col("m_id")?,
                    company_id: r.col("company_id")?,
                    site_id: r.col("site_id")?,
                    agent_id: r.col("agent_id")?,
                    subject: r.col("subject")?,
                    time_start: time(from_ms(r.col("starts_at")?)),
                    time_end: time(from_ms(ends_at)),
                    upcoming: status == "scheduled" && ends_at > to_ms(now),
                    status,
                    role: if is_host { "host" } else { "guest" }.to_string(),
                    participant_id: r.col("p_id")?,
                    name: r.col("name")?,
                    email: r.col("email")?,
                    phone: r.col("phone")?,
                    language: r.col("locale")?,
                    time_zone: r.col("time_zone")?,
                    consented_at: opt_time(r.col("consented_at")?),
                    note: if is_host { None } else { r.col("note")? },
                    created_at: time(from_ms(r.col("created_at")?)),
                })
            })
            .collect()
    }

    /// The appointments the person is the claimant of, in scope.
    pub async fn person_appointments(
        &self,
        scope: Option<&Scope>,
        who: &Who,
    ) -> Result<Vec<PersonAppointment>, AppError> {
        let sql = format!(
            "SELECT id, company_id, reference, appointment_at, status, claimant_name,
                    claimant_birth_date, claimant_phone, claimant_email, locale, room_id
             FROM appointments WHERE {} AND {} ORDER BY appointment_at, id",
            in_scope(scope, "company_id"),
            who.condition("claimant_email", "claimant_phone", 2)
        );
        let rows = self.rows_of(&sql, scope, who).await?;
        rows.iter()
            .map(|r| {
                Ok(PersonAppointment {
                    id: r.col("id")?,
                    company_id: r.col("company_id")?,
                    reference: r.col("reference")?,
                    appointment_at: time(from_ms(r.col("appointment_at")?)),
                    status: r.col("status")?,
                    claimant_name: r.col("claimant_name")?,
                    claimant_birth_date: r.col("claimant_birth_date")?,
                    claimant_phone: r.col("claimant_phone")?,
                    claimant_email: r.col("claimant_email")?,
                    locale: r.col("locale")?,
                    room_id: r.col("room_id")?,
                })
            })
            .collect()
    }

    /// Messages to the person about meetings or appointments in scope (the operator also
    /// sees those about nothing, such as a staff account's set-password e-mail).
    pub async fn person_messages(
        &self,
        scope: Option<&Scope>,
        who: &Who,
    ) -> Result<Vec<PersonMessage>, AppError> {
        let about = match scope {
            Some(_) => format!(
                "(o.meeting_id IN (SELECT m.id FROM meetings m WHERE {}) OR \
                  o.meeting_id IN (SELECT a.id FROM appointments a WHERE {}))",
                in_scope(scope, "m.company_id"),
                in_scope(scope, "a.company_id")
            ),
            None => "$1 = $1".to_string(),
        };
        let sql = format!(
            "SELECT o.id, o.channel, o.recipient, o.meeting_id, o.created_at, o.sent_at,
                    o.failed_at
             FROM outbox o WHERE {about} AND {} ORDER BY o.created_at, o.id",
            who.condition("o.recipient", "o.recipient", 2)
        );
        let rows = self.rows_of(&sql, scope, who).await?;
        rows.iter().map(message_at).collect()
    }

    /// Messages about `about` (meetings, appointments) to any of `recipients`: what was sent
    /// to a person's other address or number, known from the rows that name them.
    pub async fn messages_about(
        &self,
        about: &[String],
        recipients: &[String],
    ) -> Result<Vec<PersonMessage>, AppError> {
        if about.is_empty() || recipients.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, channel, recipient, meeting_id, created_at, sent_at, failed_at
             FROM outbox WHERE meeting_id IN ({}) AND LOWER(recipient) IN ({})
             ORDER BY created_at, id",
            placeholders(1, about.len()),
            placeholders(about.len() + 1, recipients.len())
        );
        let mut args = Args::default();
        for v in about {
            args = args.add(v.clone())?;
        }
        for v in recipients {
            args = args.add(v.to_lowercase())?;
        }
        let rows = sqlx::query_with(&sql, args.0).fetch_all(&self.pool).await?;
        rows.iter().map(message_at).collect()
    }

    /// Staff accounts with the address, in scope (a phone number finds none).
    pub async fn person_users(
        &self,
        scope: Option<&Scope>,
        who: &Who,
    ) -> Result<Vec<PersonUser>, AppError> {
        let Who::Email(_) = who else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT id, company_id, first_name, last_name, email, role, locale FROM users
             WHERE deleted_at IS NULL AND {} AND {} ORDER BY id",
            in_scope(scope, "company_id"),
            who.condition("email", "email", 2)
        );
        let rows = self.rows_of(&sql, scope, who).await?;
        rows.iter()
            .map(|r| {
                Ok(PersonUser {
                    id: r.col("id")?,
                    company_id: r.col("company_id")?,
                    first_name: r.col("first_name")?,
                    last_name: r.col("last_name")?,
                    email: r.col("email")?,
                    role: r.col("role")?,
                    locale: r.col("locale")?,
                })
            })
            .collect()
    }

    /// Companies, dealers and resellers in scope whose contact person (or a dealer's
    /// notification address) has the address or number. A company's caller sees its own
    /// company; a dealer's, its companies and itself; a reseller's, its dealers, their
    /// companies and itself; the operator (no scope), all.
    pub async fn person_contacts(
        &self,
        scope: Option<&Scope>,
        who: &Who,
    ) -> Result<Vec<PersonContact>, AppError> {
        // `$1 <> $1`: no row, with the parameter still used (PostgreSQL types every one).
        let (dealers, resellers) = match scope {
            None => ("$1 = $1", "$1 = $1"),
            Some(Scope::Reseller(_)) => ("d.reseller_id = $1", "r.id = $1"),
            Some(Scope::Dealer(_)) => ("d.id = $1", "$1 <> $1"),
            Some(Scope::Company(_)) => ("$1 <> $1", "$1 <> $1"),
        };
        let person = who.condition("k.email", "k.phone", 2);
        let notice = match who {
            Who::Email(_) => "LOWER(n.email) = LOWER($2)",
            Who::Phone(_) => "$2 <> $2",
        };
        let sql = format!(
            "SELECT 'company' AS entity_type, co.id AS entity_id, 'contact' AS role,
                    k.first_name, k.last_name, k.email, k.phone, k.language
             FROM companies co JOIN contacts k ON k.id = co.contact_id
             WHERE co.deleted_at IS NULL AND {companies} AND {person}
             UNION ALL
             SELECT 'dealer', d.id, 'contact', k.first_name, k.last_name, k.email, k.phone,
                    k.language
             FROM dealers d JOIN contacts k ON k.id = d.contact_id
             WHERE d.deleted_at IS NULL AND {dealers} AND {person}
             UNION ALL
             SELECT 'dealer', d.id, 'notification', NULL, NULL, n.email, NULL, NULL
             FROM dealers d JOIN notification_contacts n ON n.id = d.notification_contact_id
             WHERE d.deleted_at IS NULL AND {dealers} AND {notice}
             UNION ALL
             SELECT 'reseller', r.id, 'contact', k.first_name, k.last_name, k.email, k.phone,
                    k.language
             FROM resellers r JOIN contacts k ON k.id = r.contact_id
             WHERE {resellers} AND {person}
             ORDER BY 1, 2, 3",
            companies = in_scope(scope, "co.id"),
        );
        let rows = self.rows_of(&sql, scope, who).await?;
        rows.iter()
            .map(|r| {
                Ok(PersonContact {
                    entity_type: r.col("entity_type")?,
                    entity_id: r.col("entity_id")?,
                    role: r.col("role")?,
                    first_name: r.col("first_name")?,
                    last_name: r.col("last_name")?,
                    email: r.col("email")?,
                    phone: r.col("phone")?,
                    language: r.col("language")?,
                })
            })
            .collect()
    }

    /// The person in the insights of calls in `rooms`, found by one of `names` (not hosts).
    pub async fn person_calls(
        &self,
        rooms: &[String],
        names: &[String],
    ) -> Result<Vec<PersonCall>, AppError> {
        let names: Vec<String> = names
            .iter()
            .map(|n| n.to_lowercase())
            .filter(|n| !n.is_empty())
            .collect();
        if rooms.is_empty() || names.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT sp.id, sp.session_id, s.room_name, sp.display_name, sp.role, sp.user_agent,
                    sp.joined_at, sp.left_at
             FROM session_participants sp JOIN room_sessions s ON s.id = sp.session_id
             WHERE s.room_id IN ({}) AND LOWER(sp.display_name) IN ({}) AND sp.role <> 'host'
             ORDER BY sp.joined_at, sp.id",
            placeholders(1, rooms.len()),
            placeholders(rooms.len() + 1, names.len())
        );
        let mut args = Args::default();
        for v in rooms.iter().chain(names.iter()) {
            args = args.add(v.clone())?;
        }
        let rows = sqlx::query_with(&sql, args.0).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(PersonCall {
                    id: r.col("id")?,
                    session_id: r.col("session_id")?,
                    room_name: r.col("room_name")?,
                    display_name: r.col("display_name")?,
                    role: r.col("role")?,
                    user_agent: r.col("user_agent")?,
                    joined_at: time(from_ms(r.col("joined_at")?)),
                    left_at: opt_time(r.col("left_at")?),
                })
            })
            .collect()
    }

    /// Recordings of calls in `rooms`, with the notices seen under one of `names`.
    pub async fn person_recordings(
        &self,
        rooms: &[String],
        names: &[String],
    ) -> Result<Vec<PersonRecording>, AppError> {
        if rooms.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, company_id, room_name, mode, state, started_at FROM recordings
             WHERE room_id IN ({}) ORDER BY started_at, id",
            placeholders(1, rooms.len())
        );
        let mut args = Args::default();
        for v in rooms {
            args = args.add(v.clone())?;
        }
        let rows = sqlx::query_with(&sql, args.0).fetch_all(&self.pool).await?;
        let names: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: String = r.col("id")?;
            let told = sqlx::query(
                "SELECT peer_id, name, told_at FROM recording_consents
                 WHERE recording_id = $1 AND role <> 'host' ORDER BY told_at",
            )
            .bind(&id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|t| {
                Ok(PersonTold {
                    peer_id: t.col("peer_id")?,
                    name: t.col("name")?,
                    told_at: time(from_ms(t.col("told_at")?)),
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?
            .into_iter()
            .filter(|t| !t.name.is_empty() && names.contains(&t.name.to_lowercase()))
            .collect();
            out.push(PersonRecording {
                id,
                company_id: r.col("company_id")?,
                room_name: r.col("room_name")?,
                mode: r.col("mode")?,
                state: r.col("state")?,
                started_at: time(from_ms(r.col("started_at")?)),
                told,
            });
        }
        Ok(out)
    }

    /// Blank who the person is in their participant rows (and their notes where they are a
    /// guest), in one transaction.
    pub async fn erase_participants(&self, rows: &[&PersonMeeting]) -> Result<(), AppError> {
        let mut tx = self.begin_write().await?;
        for p in rows {
            sqlx::query(
                "UPDATE participants SET name = '', email = NULL, phone = NULL, username = NULL,
                     time_zone = NULL WHERE id = $1",
            )
            .bind(&p.participant_id)
            .execute(&mut *tx)
            .await?;
            if p.role == "guest" {
                sqlx::query("UPDATE meetings SET note = NULL WHERE id = $1")
                    .bind(&p.meeting_id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Blank the claimant of appointments.
    pub async fn erase_claimants(
        &self,
        ids: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        let mut args = Args::default().add(to_ms(now))?;
        for id in ids {
            args = args.add(id.clone())?;
        }
        sqlx::query_with(
            &format!(
                "UPDATE appointments SET claimant_name = '', claimant_birth_date = NULL,
                     claimant_phone = NULL, claimant_email = NULL, cancellation_reason = NULL,
                     updated_at = $1
                 WHERE id IN ({})",
                placeholders(2, ids.len())
            ),
            args.0,
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Remove messages (sent, given up, or still queued: none goes to an erased person).
    pub async fn delete_messages(&self, ids: &[String]) -> Result<u64, AppError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let mut args = Args::default();
        for id in ids {
            args = args.add(id.clone())?;
        }
        let done = sqlx::query_with(
            &format!(
                "DELETE FROM outbox WHERE id IN ({})",
                placeholders(1, ids.len())
            ),
            args.0,
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Blank names and browsers in calls' insights.
    pub async fn erase_calls(&self, ids: &[String]) -> Result<(), AppError> {
        for id in ids {
            sqlx::query(
                "UPDATE session_participants SET display_name = '', user_agent = NULL,
                     external_id = NULL WHERE id = $1",
            )
            .bind(id)
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    /// Blank the name under which a person was told of a recording (the notice's time stays:
    /// it shows that whoever was there was told).
    pub async fn erase_told(&self, recording: &str, peer: &str) -> Result<(), AppError> {
        sqlx::query(
            "UPDATE recording_consents SET name = '' WHERE recording_id = $1 AND peer_id = $2",
        )
        .bind(recording)
        .bind(peer)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
