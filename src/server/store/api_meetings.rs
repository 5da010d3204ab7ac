//! Meetings as the REST API manages them.

use super::tenancy::Scope;
use super::Col;
use super::{from_ms, to_ms, Engine, Store, OVERLAPPING};
use crate::model::{AppError, ErrorCode};
use crate::server::signaling::hub::random_hex;
use crate::server::tokens::new_id;
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;

/// A meeting to write, validated and checked against the rules.
#[derive(Clone, Debug)]
pub struct NewApiMeeting {
    /// Its id (chosen first, for the invitations).
    pub id: String,
    /// Site.
    pub site: String,
    /// Company.
    pub company: String,
    /// The hosting user.
    pub agent: String,
    /// The scheduling user, if the integration acts for one.
    pub created_by_user: Option<String>,
    /// The API client (none when scheduled in the console).
    pub created_by_client: Option<String>,
    /// Subject.
    pub subject: String,
    /// Invitation text.
    pub invitation: Option<String>,
    /// SMS text.
    pub invitation_sms: Option<String>,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Room opens.
    pub opens_at: DateTime<Utc>,
    /// Room closes.
    pub closes_at: DateTime<Utc>,
    /// People the room holds.
    pub capacity: u32,
    /// Flags as given.
    pub is_appointment: bool,
    /// Send e-mail invitations.
    pub send_email: bool,
    /// Send SMS invitations.
    pub send_sms: bool,
    /// The agent's link id.
    pub host_link: String,
    /// Guests: name, e-mail, phone, link id.
    pub guests: Vec<(String, Option<String>, Option<String>, String)>,
    /// Invitations to queue with it.
    pub messages: Vec<super::Message>,
}

/// A participant as stored.
#[derive(Clone, Debug)]
pub struct ParticipantRecord {
    /// Id.
    pub id: String,
    /// Handle.
    pub username: String,
    /// Name.
    pub name: String,
    /// The user, for the agent.
    pub user: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// The agent's own row.
    pub is_host: bool,
    /// Sign this for the join hash.
    pub link_id: String,
    /// The language they booked in (`en`, `nl`), for customers of the booking form.
    pub locale: Option<String>,
    /// The zone they saw the times in, for customers of the booking form.
    pub time_zone: Option<String>,
}

/// A meeting as stored, with its participants.
#[derive(Clone, Debug)]
pub struct MeetingRecord {
    /// Id.
    pub id: String,
    /// Company.
    pub company: String,
    /// Site id and name.
    pub site: (String, String),
    /// The hosting user.
    pub agent: String,
    /// Who scheduled it: id and name (a user, or the API client).
    pub created_by: (String, String),
    /// Subject.
    pub subject: String,
    /// Invitation text.
    pub invitation: Option<String>,
    /// Start, end, room opens, room closes, made.
    pub times: [DateTime<Utc>; 5],
    /// Flags.
    pub is_appointment: bool,
    /// Participants are kept informed by e-mail (invitations, changes, cancellation).
    pub send_email: bool,
    /// Participants with a phone number are kept informed by SMS.
    pub send_sms: bool,
    /// The meeting's own SMS text.
    pub invitation_sms: Option<String>,
    /// Participants, host first.
    pub participants: Vec<ParticipantRecord>,
    /// The company, as the answer names it.
    pub company_brief: super::CompanyBrief,
}

/// Filters of the meeting list.
#[derive(Clone, Debug, Default)]
pub struct MeetingFilter {
    /// Only this site.
    pub site: Option<String>,
    /// Only this agent.
    pub agent: Option<String>,
    /// Starting at or after.
    pub from: Option<DateTime<Utc>>,
    /// Starting before.
    pub to: Option<DateTime<Utc>>,
}

/// What [`Store::meeting_records`] reads from a meeting row (`m`, joined with its site `s` and
/// [`CREATORS`]). The participants come in the same row, as one JSON array: a page of meetings
/// is one query, and its rows cross from SQLite's thread one per meeting, not one per person.
const MEETING_COLUMNS: &str = "m.*, s.name AS site_name, \
     cu.first_name || ' ' || cu.last_name AS created_by_user_name, ac.name AS created_by_client_name";

/// The fields of each participant in `participants_json`, as `'key', value` pairs for SQL's
/// JSON object functions.
const PARTICIPANT_FIELDS: &str = "'id', p.id, 'username', p.username, 'name', p.name, \
     'user_id', p.user_id, 'email', p.email, 'phone', p.phone, 'is_host', p.is_host, \
     'link_id', p.link_id, 'locale', p.locale, 'time_zone', p.time_zone";

/// [`MEETING_COLUMNS`], the participants as JSON text (`participants_json`; the two engines
/// name their JSON functions differently) and the company's brief (for the answer's
/// `company`).
fn meeting_columns(engine: Engine) -> String {
    let order = "ORDER BY p.is_host DESC, p.created_at, p.id";
    let participants = match engine {
        Engine::Sqlite => format!("json_group_array(json_object({PARTICIPANT_FIELDS}) {order})"),
        // json_agg of no rows is NULL where SQLite's is an empty array.
        Engine::Postgres => format!(
            "COALESCE(json_agg(json_build_object({PARTICIPANT_FIELDS}) {order}), '[]')::text"
        ),
    };
    format!(
        "{MEETING_COLUMNS}, (SELECT {participants} FROM participants p WHERE p.meeting_id = m.id) \
         AS participants_json, {}",
        super::tenancy::company_brief_columns()
    )
}

/// A participant as [`MEETING_COLUMNS`] lists them.
#[derive(serde::Deserialize)]
struct ParticipantJson {
    id: String,
    username: Option<String>,
    name: String,
    user_id: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    is_host: i64,
    link_id: String,
    locale: Option<String>,
    time_zone: Option<String>,
}

/// Joins naming who made a meeting, and its company with its contact (`c`, `cc`).
const CREATORS: &str = "LEFT JOIN users cu ON cu.id = m.created_by_user \
     LEFT JOIN api_clients ac ON ac.id = m.created_by_client \
     JOIN companies c ON c.id = m.company_id LEFT JOIN contacts cc ON cc.id = c.contact_id";

async fn agent_is_free(
    tx: &mut sqlx::AnyConnection,
    agent: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    except: Option<&str>,
) -> Result<(), AppError> {
    let busy: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT 1 FROM meetings WHERE {OVERLAPPING} AND id != $4 LIMIT 1"
    ))
    .bind(agent)
    .bind(to_ms(start))
    .bind(to_ms(end))
    .bind(except.unwrap_or(""))
    .fetch_optional(&mut *tx)
    .await?;
    match busy {
        Some(_) => Err(agent_busy()),
        None => Ok(()),
    }
}

/// The answer when the agent has another meeting at the time asked.
fn agent_busy() -> AppError {
    AppError::new(
        ErrorCode::Conflict,
        "the agent has another meeting at that time",
    )
    .with_field("time_start")
}

impl Store {
    /// Write a meeting with its agent and guests in one transaction.
    pub async fn create_meeting_api(
        &self,
        scope: &Scope,
        m: &NewApiMeeting,
    ) -> Result<MeetingRecord, AppError> {
        let id = m.id.clone();
        let now = Utc::now();
        // Two statements under the write lock (the lock is what every writer queues for):
        // the meeting, written only if its agent is free then, and all its participants.
        let mut tx = self.begin_write().await?;
        let written = sqlx::query(&format!(
            "INSERT INTO meetings (id, company_id, site_id, agent_id, subject, starts_at, ends_at, opens_at,
                                   closes_at, capacity, created_at, is_appointment, invitation, invitation_sms,
                                   send_email, send_sms, created_by_user, created_by_client)
             SELECT $4, $5, $6, $1, $7, $2, $3, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18
             WHERE NOT EXISTS (SELECT 1 FROM meetings WHERE {OVERLAPPING})"
        ))
        .bind(&m.agent)
        .bind(to_ms(m.starts_at))
        .bind(to_ms(m.ends_at))
        .bind(&id)
        .bind(&m.company)
        .bind(&m.site)
        .bind(&m.subject)
        .bind(to_ms(m.opens_at))
        .bind(to_ms(m.closes_at))
        .bind(m.capacity as i64)
        .bind(to_ms(now))
        .bind(m.is_appointment as i64)
        .bind(&m.invitation)
        .bind(&m.invitation_sms)
        .bind(m.send_email as i64)
        .bind(m.send_sms as i64)
        .bind(&m.created_by_user)
        .bind(&m.created_by_client)
        .execute(&mut *tx)
        .await?;
        if written.rows_affected() == 0 {
            return Err(agent_busy());
        }
        // The agent from its user row, the guests from the input, in the given order.
        let mut sql = String::from(
            "INSERT INTO participants (id, meeting_id, user_id, name, email, phone, is_host, link_id,
                                       username, created_at, locale)
             SELECT $1, $2, u.id, u.first_name || ' ' || u.last_name, u.email, NULL, 1, $3, $4, $5, u.locale
             FROM users u WHERE u.id = $6",
        );
        for i in 0..m.guests.len() {
            // Each guest's seven values: id, name, e-mail, phone, link, username, created_at.
            let p = 7 + 7 * i;
            sql += &format!(
                " UNION ALL SELECT ${p}, $2, NULL, ${}, ${}, ${}, 0, ${}, ${}, ${}, NULL",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6,
            );
        }
        let mut insert = sqlx::query(&sql)
            .bind(new_id())
            .bind(&id)
            .bind(&m.host_link)
            .bind(format!("agent.{}", random_hex(12)))
            .bind(to_ms(now))
            .bind(&m.agent);
        for (i, (name, email, phone, link)) in m.guests.iter().enumerate() {
            insert = insert
                .bind(new_id())
                .bind(name)
                .bind(email)
                .bind(phone)
                .bind(link)
                .bind(format!("visitor.{}", random_hex(12)))
                // created_at: now plus the guest's place, to keep the given order.
                .bind(to_ms(now) + i as i64);
        }
        insert.execute(&mut *tx).await?;
        super::outbox::enqueue(&self.sealer, &mut tx, &m.messages, Some(&id)).await?;
        tx.commit().await?;
        self.meeting_api(scope, &id)
            .await?
            .ok_or_else(AppError::internal)
    }

    /// Turn meeting rows (selected with [`MEETING_COLUMNS`]) into records.
    fn meeting_records(rows: &[AnyRow]) -> Result<Vec<MeetingRecord>, AppError> {
        rows.iter()
            .map(|r| {
                let id: String = r.col("id")?;
                let listed: String = r.col("participants_json")?;
                let participants = serde_json::from_str::<Vec<ParticipantJson>>(&listed)
                    .map_err(|e| {
                        // The kind only: the text could quote a name.
                        tracing::error!(kind = ?e.classify(), "a meeting's participants did not read back");
                        AppError::internal()
                    })?
                    .into_iter()
                    .map(|p| ParticipantRecord {
                        id: p.id,
                        username: p.username.unwrap_or_else(|| "visitor".into()),
                        name: p.name,
                        user: p.user_id,
                        email: p.email,
                        phone: p.phone,
                        is_host: p.is_host == 1,
                        link_id: p.link_id,
                        locale: p.locale,
                        time_zone: p.time_zone,
                    })
                    .collect();
                // Made by a user (the integration acting for them), by an API client, or
                // else by a customer in the booking form.
                let created_by = match r.col::<Option<String>>("created_by_user")? {
                    Some(user) => (
                        user,
                        r.col::<Option<String>>("created_by_user_name")?
                            .unwrap_or_default(),
                    ),
                    None => (
                        r.col::<Option<String>>("created_by_client")?
                            .unwrap_or_default(),
                        r.col::<Option<String>>("created_by_client_name")?
                            .unwrap_or_else(|| "booking form".into()),
                    ),
                };
                Ok(MeetingRecord {
                    company: r.col("company_id")?,
                    site: (r.col("site_id")?, r.col("site_name")?),
                    agent: r.col("agent_id")?,
                    created_by,
                    subject: r.col("subject")?,
                    invitation: r.col("invitation")?,
                    times: [
                        from_ms(r.col("starts_at")?),
                        from_ms(r.col("ends_at")?),
                        from_ms(r.col("opens_at")?),
                        from_ms(r.col("closes_at")?),
                        from_ms(r.col("created_at")?),
                    ],
                    is_appointment: r.flag("is_appointment")?,
                    send_email: r.flag("send_email")?,
                    send_sms: r.flag("send_sms")?,
                    invitation_sms: r.col("invitation_sms")?,
                    participants,
                    company_brief: super::tenancy::company_brief_at(r)?,
                    id,
                })
            })
            .collect()
    }

    /// A scheduled meeting in scope.
    pub async fn meeting_api(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<Option<MeetingRecord>, AppError> {
        let (cond, param) = scope.companies();
        let row = sqlx::query(&format!(
            "SELECT {} FROM meetings m
             JOIN sites s ON s.id = m.site_id {CREATORS}
             WHERE m.id = $1 AND m.status = 'scheduled' AND {cond}$2",
            meeting_columns(self.engine)
        ))
        .bind(id)
        .bind(param)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => Ok(Self::meeting_records(&[r])?.pop()),
            None => Ok(None),
        }
    }

    /// Scheduled meetings in scope, by start time.
    pub async fn meetings_api(
        &self,
        scope: &Scope,
        f: &MeetingFilter,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<MeetingRecord>, bool), AppError> {
        // The page is chosen on meetings alone (an index walked in start order, stopped after
        // one row more than the page, which says whether another page follows), then joined
        // with the names: the cost of a page does not grow with the meetings in scope. No
        // total count: it would read every meeting on every page, and the API it follows has
        // none.
        let in_scope = scope.meetings(1);
        let columns = meeting_columns(self.engine);
        let sql = format!(
            "SELECT {columns} FROM (
                 SELECT * FROM meetings m
                 WHERE m.status = 'scheduled' AND {in_scope}
                   AND ($2 IS NULL OR m.site_id = $2) AND ($3 IS NULL OR m.agent_id = $3)
                   AND ($4 IS NULL OR m.starts_at >= $4) AND ($5 IS NULL OR m.starts_at < $5)
                 ORDER BY m.starts_at, m.id LIMIT $6 OFFSET $7
             ) m JOIN sites s ON s.id = m.site_id {CREATORS}
             ORDER BY m.starts_at, m.id"
        );
        let mut rows = sqlx::query(&sql)
            .bind(scope.id())
            .bind(f.site.as_deref())
            .bind(f.agent.as_deref())
            .bind(f.from.map(to_ms))
            .bind(f.to.map(to_ms))
            .bind(limit as i64 + 1)
            .bind(offset as i64)
            .fetch_all(&self.pool)
            .await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        Ok((Self::meeting_records(&rows)?, more))
    }

    /// Move a scheduled meeting in scope to a new time (and room window).
    pub async fn reschedule_api(
        &self,
        scope: &Scope,
        id: &str,
        times: [DateTime<Utc>; 4],
        messages: &[super::Message],
    ) -> Result<Option<MeetingRecord>, AppError> {
        let Some(m) = self.meeting_api(scope, id).await? else {
            return Ok(None);
        };
        let [start, end, opens, closes] = times;
        let mut tx = self.begin_write().await?;
        agent_is_free(&mut tx, &m.agent, start, end, Some(id)).await?;
        sqlx::query("UPDATE meetings SET starts_at = $1, ends_at = $2, opens_at = $3, closes_at = $4 WHERE id = $5")
            .bind(to_ms(start))
            .bind(to_ms(end))
            .bind(to_ms(opens))
            .bind(to_ms(closes))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        super::outbox::enqueue(&self.sealer, &mut tx, messages, Some(id)).await?;
        tx.commit().await?;
        self.meeting_api(scope, id).await
    }

    /// Cancel a scheduled meeting in scope: its links stop working. `messages` (the
    /// cancellation notices) are queued only if this call is the one that cancelled it.
    pub async fn cancel_api(
        &self,
        scope: &Scope,
        id: &str,
        messages: &[super::Message],
    ) -> Result<Option<()>, AppError> {
        let (cond, param) = scope.companies();
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(&format!(
            "UPDATE meetings SET status = 'cancelled' WHERE id = $1 AND status = 'scheduled'
               AND company_id IN (SELECT c.id FROM companies c WHERE {cond}$2)"
        ))
        .bind(id)
        .bind(param)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        super::outbox::enqueue(&self.sealer, &mut tx, messages, Some(id)).await?;
        tx.commit().await?;
        Ok(Some(()))
    }
}
