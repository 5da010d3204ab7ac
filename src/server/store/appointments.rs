//! Appointments of the appointments API: a claimant's case appointment over a room of its own,
//! its call's switches, and what happened in the call (written as the hub sees it).

use super::Col;
use super::{from_ms, to_ms, Store};
use crate::model::appointment::{CallFeatures, Status};
use crate::model::{AppError, ErrorCode};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;

/// An appointment as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppointmentRow {
    /// A uuid.
    pub id: String,
    /// Its company.
    pub company: String,
    /// The integrator's reference, unique in the company.
    pub reference: String,
    /// When it starts.
    pub appointment_at: DateTime<Utc>,
    /// Minutes (5 to 480).
    pub duration_minutes: u32,
    /// An interpreter joins.
    pub interpreter_needed: bool,
    /// In this language.
    pub interpreter_language: Option<String>,
    /// The group of agents it is given to.
    pub department: Option<String>,
    /// The agent who hosts, once named or taken.
    pub agent: Option<String>,
    /// The claimant's language (`en`, `nl`).
    pub locale: String,
    /// Times in invitations are shown in this zone.
    pub time_zone: String,
    /// The claimant's name.
    pub claimant_name: String,
    /// `YYYY-MM-DD`.
    pub claimant_birth_date: Option<String>,
    /// E.164.
    pub claimant_phone: Option<String>,
    /// E-mail address.
    pub claimant_email: Option<String>,
    /// The call's switches.
    pub features: CallFeatures,
    /// The redirects below apply.
    pub redirect_custom: bool,
    /// Where the claimant's page goes after the call.
    pub redirect_user_url: Option<String>,
    /// Where the agent's page goes after the call.
    pub redirect_agent_url: Option<String>,
    /// Where it stands.
    pub status: Status,
    /// Made.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Cancelled then.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Why.
    pub cancellation_reason: Option<String>,
    /// Agent and claimant first met.
    pub session_started_at: Option<DateTime<Utc>>,
    /// The call ended.
    pub session_ended_at: Option<DateTime<Utc>>,
    /// The claimant was last put on hold.
    pub on_hold_started_at: Option<DateTime<Utc>>,
    /// …and brought back.
    pub on_hold_ended_at: Option<DateTime<Utc>>,
    /// What the claimant's browser did with background blur: `applied`, `unsupported`.
    pub blur: Option<String>,
    /// Its room's id.
    pub room_id: String,
    /// Its room's name.
    pub room_name: String,
    /// The room is open from…
    pub room_starts_at: DateTime<Utc>,
    /// …to.
    pub room_ends_at: DateTime<Utc>,
}

/// Which appointments a list holds.
#[derive(Clone, Debug, Default)]
pub struct AppointmentFilter {
    /// Only these.
    pub status: Option<Status>,
    /// Only this reference.
    pub reference: Option<String>,
    /// Starting at or after.
    pub from: Option<DateTime<Utc>>,
    /// Starting before.
    pub to: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, company_id, reference, appointment_at, duration_minutes, \
     interpreter_needed, interpreter_language, department, agent_id, locale, time_zone, \
     claimant_name, claimant_birth_date, claimant_phone, claimant_email, features, \
     redirect_custom, redirect_user_url, redirect_agent_url, status, created_at, updated_at, \
     cancelled_at, cancellation_reason, session_started_at, session_ended_at, \
     on_hold_started_at, on_hold_ended_at, blur, room_id, room_name, room_starts_at, room_ends_at";

fn row_at(r: &AnyRow) -> Result<AppointmentRow, AppError> {
    let opt = |name: &str| -> Result<Option<DateTime<Utc>>, AppError> {
        Ok(r.col::<Option<i64>>(name)?.map(from_ms))
    };
    let features: String = r.col("features")?;
    let status: String = r.col("status")?;
    Ok(AppointmentRow {
        id: r.col("id")?,
        company: r.col("company_id")?,
        reference: r.col("reference")?,
        appointment_at: from_ms(r.col("appointment_at")?),
        duration_minutes: r.col::<i64>("duration_minutes")?.clamp(0, 10_000) as u32,
        interpreter_needed: r.flag("interpreter_needed")?,
        interpreter_language: r.col("interpreter_language")?,
        department: r.col("department")?,
        agent: r.col("agent_id")?,
        locale: r.col("locale")?,
        time_zone: r.col("time_zone")?,
        claimant_name: r.col("claimant_name")?,
        claimant_birth_date: r.col("claimant_birth_date")?,
        claimant_phone: r.col("claimant_phone")?,
        claimant_email: r.col("claimant_email")?,
        features: serde_json::from_str(&features).map_err(|_| AppError::internal())?,
        redirect_custom: r.flag("redirect_custom")?,
        redirect_user_url: r.col("redirect_user_url")?,
        redirect_agent_url: r.col("redirect_agent_url")?,
        status: Status::parse(&status).ok_or_else(AppError::internal)?,
        created_at: from_ms(r.col("created_at")?),
        updated_at: from_ms(r.col("updated_at")?),
        cancelled_at: opt("cancelled_at")?,
        cancellation_reason: r.col("cancellation_reason")?,
        session_started_at: opt("session_started_at")?,
        session_ended_at: opt("session_ended_at")?,
        on_hold_started_at: opt("on_hold_started_at")?,
        on_hold_ended_at: opt("on_hold_ended_at")?,
        blur: r.col("blur")?,
        room_id: r.col("room_id")?,
        room_name: r.col("room_name")?,
        room_starts_at: from_ms(r.col("room_starts_at")?),
        room_ends_at: from_ms(r.col("room_ends_at")?),
    })
}

/// A reference taken twice in one company: a 409 that names the field.
fn duplicate(e: sqlx::Error) -> AppError {
    if let sqlx::Error::Database(db) = &e {
        if db.is_unique_violation() {
            return AppError::new(
                ErrorCode::Conflict,
                "an appointment with this reference exists already",
            )
            .with_field("reference");
        }
    }
    AppError::from(e)
}

impl Store {
    /// Store a new appointment and queue its invitations, in one transaction.
    pub async fn create_appointment(
        &self,
        a: &AppointmentRow,
        messages: &[super::Message],
    ) -> Result<(), AppError> {
        let features = serde_json::to_string(&a.features).map_err(|_| AppError::internal())?;
        let mut tx = self.begin_write().await?;
        sqlx::query(&format!(
            "INSERT INTO appointments ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
               $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25,
               $26, $27, $28, $29, $30, $31, $32, $33)"
        ))
        .bind(&a.id)
        .bind(&a.company)
        .bind(&a.reference)
        .bind(to_ms(a.appointment_at))
        .bind(a.duration_minutes as i64)
        .bind(a.interpreter_needed as i64)
        .bind(&a.interpreter_language)
        .bind(&a.department)
        .bind(&a.agent)
        .bind(&a.locale)
        .bind(&a.time_zone)
        .bind(&a.claimant_name)
        .bind(&a.claimant_birth_date)
        .bind(&a.claimant_phone)
        .bind(&a.claimant_email)
        .bind(&features)
        .bind(a.redirect_custom as i64)
        .bind(&a.redirect_user_url)
        .bind(&a.redirect_agent_url)
        .bind(a.status.as_str())
        .bind(to_ms(a.created_at))
        .bind(to_ms(a.updated_at))
        .bind(a.cancelled_at.map(to_ms))
        .bind(&a.cancellation_reason)
        .bind(a.session_started_at.map(to_ms))
        .bind(a.session_ended_at.map(to_ms))
        .bind(a.on_hold_started_at.map(to_ms))
        .bind(a.on_hold_ended_at.map(to_ms))
        .bind(&a.blur)
        .bind(&a.room_id)
        .bind(&a.room_name)
        .bind(to_ms(a.room_starts_at))
        .bind(to_ms(a.room_ends_at))
        .execute(&mut *tx)
        .await
        .map_err(duplicate)?;
        super::outbox::enqueue(&self.sealer, &mut tx, messages, Some(&a.id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Write an appointment's changeable fields (as a PATCH or a cancellation leaves them) and
    /// queue the notices about it, in one transaction; its room's end moves with it.
    pub async fn update_appointment(
        &self,
        a: &AppointmentRow,
        messages: &[super::Message],
    ) -> Result<(), AppError> {
        let features = serde_json::to_string(&a.features).map_err(|_| AppError::internal())?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE appointments SET reference = $3, appointment_at = $4, duration_minutes = $5,
                 interpreter_needed = $6, interpreter_language = $7, department = $8,
                 agent_id = $9, locale = $10, time_zone = $11, claimant_name = $12,
                 claimant_birth_date = $13, claimant_phone = $14, claimant_email = $15,
                 features = $16, redirect_custom = $17, redirect_user_url = $18,
                 redirect_agent_url = $19, status = $20, updated_at = $21, cancelled_at = $22,
                 cancellation_reason = $23, room_ends_at = $24
             WHERE id = $1 AND company_id = $2",
        )
        .bind(&a.id)
        .bind(&a.company)
        .bind(&a.reference)
        .bind(to_ms(a.appointment_at))
        .bind(a.duration_minutes as i64)
        .bind(a.interpreter_needed as i64)
        .bind(&a.interpreter_language)
        .bind(&a.department)
        .bind(&a.agent)
        .bind(&a.locale)
        .bind(&a.time_zone)
        .bind(&a.claimant_name)
        .bind(&a.claimant_birth_date)
        .bind(&a.claimant_phone)
        .bind(&a.claimant_email)
        .bind(&features)
        .bind(a.redirect_custom as i64)
        .bind(&a.redirect_user_url)
        .bind(&a.redirect_agent_url)
        .bind(a.status.as_str())
        .bind(to_ms(a.updated_at))
        .bind(a.cancelled_at.map(to_ms))
        .bind(&a.cancellation_reason)
        .bind(to_ms(a.room_ends_at))
        .execute(&mut *tx)
        .await
        .map_err(duplicate)?;
        // The room lives an hour past its end, as every room does.
        sqlx::query(
            "UPDATE rooms SET ends_at = $2, closes_at = $3 WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(&a.room_id)
        .bind(to_ms(a.room_ends_at))
        .bind(to_ms(
            a.room_ends_at + crate::server::services::rooms::AFTER_END,
        ))
        .execute(&mut *tx)
        .await?;
        super::outbox::enqueue(&self.sealer, &mut tx, messages, Some(&a.id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A company's appointment by id.
    pub async fn appointment(
        &self,
        company: &str,
        id: &str,
    ) -> Result<Option<AppointmentRow>, AppError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM appointments WHERE id = $1 AND company_id = $2"
        ))
        .bind(id)
        .bind(company)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(row_at).transpose()
    }

    /// An appointment by id, whoever's (its signed links find it so), if its company serves.
    pub async fn appointment_by_id(&self, id: &str) -> Result<Option<AppointmentRow>, AppError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM appointments a WHERE id = $1 AND {}",
            company_is_live!("a.company_id")
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(row_at).transpose()
    }

    /// The appointment held in a room, if any.
    pub async fn appointment_in_room(
        &self,
        room: &str,
    ) -> Result<Option<AppointmentRow>, AppError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM appointments WHERE room_id = $1"
        ))
        .bind(room)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(row_at).transpose()
    }

    /// A page of a company's appointments (by start, then id) and how many match in all.
    pub async fn appointments(
        &self,
        company: &str,
        filter: &AppointmentFilter,
        offset: u32,
        limit: u32,
    ) -> Result<(Vec<AppointmentRow>, u64), AppError> {
        let condition = "company_id = $1 AND ($2 IS NULL OR status = $2)
               AND ($3 IS NULL OR reference = $3) AND ($4 IS NULL OR appointment_at >= $4)
               AND ($5 IS NULL OR appointment_at < $5)";
        let status = filter.status.map(Status::as_str);
        let from = filter.from.map(to_ms);
        let to = filter.to.map(to_ms);
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM appointments WHERE {condition}
             ORDER BY appointment_at, id LIMIT $6 OFFSET $7"
        ))
        .bind(company)
        .bind(status)
        .bind(&filter.reference)
        .bind(from)
        .bind(to)
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(&self.pool)
        .await?;
        let total: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM appointments WHERE {condition}"
        ))
        .bind(company)
        .bind(status)
        .bind(&filter.reference)
        .bind(from)
        .bind(to)
        .fetch_one(&self.pool)
        .await?;
        let rows = rows.iter().map(row_at).collect::<Result<_, _>>()?;
        Ok((rows, total.max(0) as u64))
    }

    /// The appointments an agent may take or hosts, starting between `from` and `to`: their
    /// own, and those given to no one in the agent's company (in no department, or in one of
    /// theirs: a department is a site, its agents those on it). Cancelled ones are left out.
    pub async fn appointments_for_agent(
        &self,
        agent: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<AppointmentRow>, AppError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM appointments a WHERE a.status <> 'cancelled'
               AND a.appointment_at >= $2 AND a.appointment_at < $3
               AND EXISTS (SELECT 1 FROM users u WHERE u.id = $1 AND u.company_id = a.company_id
                   AND (a.agent_id = u.id OR (a.agent_id IS NULL
                        AND (a.department IS NULL OR EXISTS (
                            SELECT 1 FROM sites s JOIN site_users su ON su.site_id = s.id
                             WHERE s.company_id = a.company_id AND s.name = a.department
                               AND s.deleted_at IS NULL AND su.user_id = u.id)))))
             ORDER BY a.appointment_at, a.id LIMIT 200"
        ))
        .bind(agent)
        .bind(to_ms(from))
        .bind(to_ms(to))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row_at).collect()
    }

    /// An agent takes an appointment given to no one (or already theirs). `false`: someone
    /// else hosts it, or it is not one they may take.
    pub async fn take_appointment(&self, agent: &str, id: &str) -> Result<bool, AppError> {
        let done = sqlx::query(
            "UPDATE appointments SET agent_id = $1, updated_at = $3
             WHERE id = $2 AND status IN ('scheduled', 'in_progress')
               AND (agent_id IS NULL OR agent_id = $1)
               AND EXISTS (SELECT 1 FROM users u WHERE u.id = $1
                   AND u.company_id = appointments.company_id
                   AND (appointments.agent_id = u.id OR appointments.department IS NULL
                        OR EXISTS (SELECT 1 FROM sites s JOIN site_users su ON su.site_id = s.id
                             WHERE s.company_id = appointments.company_id
                               AND s.name = appointments.department
                               AND s.deleted_at IS NULL AND su.user_id = u.id)))",
        )
        .bind(agent)
        .bind(id)
        .bind(to_ms(Utc::now()))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Agent and claimant met in the appointment's room: in progress (the first time, the
    /// session's start).
    pub async fn appointment_met(&self, room: &str, at: DateTime<Utc>) -> Result<(), AppError> {
        sqlx::query(
            "UPDATE appointments SET status = 'in_progress',
                 session_started_at = COALESCE(session_started_at, $2), session_ended_at = NULL
             WHERE room_id = $1 AND status IN ('scheduled', 'in_progress', 'completed')",
        )
        .bind(room)
        .bind(to_ms(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The call in the appointment's room ended (everyone left, or the host ended it): a call
    /// that had begun is completed.
    pub async fn appointment_call_ended(
        &self,
        room: &str,
        at: DateTime<Utc>,
    ) -> Result<(), AppError> {
        sqlx::query(
            "UPDATE appointments SET status = 'completed', session_ended_at = $2
             WHERE room_id = $1 AND status = 'in_progress'",
        )
        .bind(room)
        .bind(to_ms(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The claimant was put on hold (`true`) or brought back.
    pub async fn appointment_hold(
        &self,
        room: &str,
        on: bool,
        at: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let sql = if on {
            "UPDATE appointments SET on_hold_started_at = $2, on_hold_ended_at = NULL
             WHERE room_id = $1"
        } else {
            "UPDATE appointments SET on_hold_ended_at = $2
             WHERE room_id = $1 AND on_hold_started_at IS NOT NULL AND on_hold_ended_at IS NULL"
        };
        sqlx::query(sql)
            .bind(room)
            .bind(to_ms(at))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Is there a site of the company by this name (a department)?
    pub async fn department_exists(&self, company: &str, name: &str) -> Result<bool, AppError> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM sites WHERE company_id = $1 AND name = $2 AND deleted_at IS NULL
             LIMIT 1",
        )
        .bind(company)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    /// What the claimant's browser did with background blur.
    pub async fn set_appointment_blur(&self, id: &str, applied: bool) -> Result<(), AppError> {
        sqlx::query("UPDATE appointments SET blur = $2 WHERE id = $1")
            .bind(id)
            .bind(if applied { "applied" } else { "unsupported" })
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
