//! The console's view of the people who work there: who a logged-in user is, the sites and
//! hosts they schedule for, and the meetings they host or manage.

use super::meetings::{meeting_from_row, MEETING_SELECT};
use super::Col;
use super::{to_ms, MeetingRow, Store};
use crate::model::api::users::Role;
use crate::model::console::{ConsoleHost, ConsoleSite};
use crate::model::{AppError, SiteId, UserId};
use chrono::{DateTime, Utc};

/// A console user and what they may touch.
#[derive(Clone, Debug)]
pub struct Staff {
    /// The user.
    pub id: UserId,
    /// Their role in their company.
    pub role: Role,
    /// Their company.
    pub company: String,
}

impl Staff {
    /// Do they manage (move, cancel, schedule for) meetings they do not host? Assistants on
    /// the sites they work on, admins on every site of their company.
    fn manages_others(&self) -> bool {
        matches!(
            self.role,
            Role::Assistant | Role::AssistantVideo | Role::Admin
        )
    }
}

/// Sites (`s`) a user works on: of their company and not deleted; an admin on every one,
/// anyone else on those they are attached to. Parameters: `$1` company, `$2` is admin, `$3`
/// the user.
const WORKS_ON: &str = "s.company_id = $1 AND s.deleted_at IS NULL
    AND ($2 = 1 OR EXISTS (SELECT 1 FROM site_users su WHERE su.site_id = s.id AND su.user_id = $3))";

impl Store {
    /// The role and company of a (logged-in, so active) user.
    pub async fn staff(&self, user: &UserId) -> Result<Option<Staff>, AppError> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT role, company_id FROM users WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(user.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(role, company)| {
            Ok(Staff {
                id: user.clone(),
                role: Role::from_stored(&role).ok_or_else(AppError::internal)?,
                company,
            })
        })
        .transpose()
    }

    /// Does this user work on this site (an admin on every site of its company)?
    pub async fn staff_on_site(&self, staff: &Staff, site: &str) -> Result<bool, AppError> {
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM sites s WHERE {WORKS_ON} AND s.id = $4"
        ))
        .bind(&staff.company)
        .bind(i64::from(staff.role == Role::Admin))
        .bind(staff.id.as_str())
        .bind(site)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// The sites a user schedules for, each with the hosts they may choose (by name): an
    /// agent or assistant_video itself; an assistant, assistant_video or admin every active
    /// agent and assistant_video user of the site.
    pub async fn staff_sites(&self, staff: &Staff) -> Result<Vec<ConsoleSite>, AppError> {
        let sites: Vec<(String, String)> = sqlx::query_as(&format!(
            "SELECT s.id, s.name FROM sites s WHERE {WORKS_ON} ORDER BY s.name, s.id"
        ))
        .bind(&staff.company)
        .bind(i64::from(staff.role == Role::Admin))
        .bind(staff.id.as_str())
        .fetch_all(&self.pool)
        .await?;
        let features = self.company_features(&staff.company).await?;
        let max_guests = if features.iter().any(|f| f == "multiple_participants") {
            2
        } else {
            1
        };
        let mut out = Vec::with_capacity(sites.len());
        for (id, name) in sites {
            let rows = sqlx::query(
                "SELECT u.id, u.first_name || ' ' || u.last_name AS name FROM site_users su
                   JOIN users u ON u.id = su.user_id
                 WHERE su.site_id = $1 AND u.deleted_at IS NULL AND u.suspended = 0
                   AND u.role IN ('agent', 'assistant_video') AND ($2 = 1 OR u.id = $3)
                 ORDER BY u.first_name, u.last_name, u.id",
            )
            .bind(&id)
            .bind(i64::from(staff.manages_others()))
            .bind(staff.id.as_str())
            .fetch_all(&self.pool)
            .await?;
            let hosts = rows
                .iter()
                .map(|r| {
                    Ok(ConsoleHost {
                        id: UserId::parse(r.col("id")?)?,
                        name: r.col("name")?,
                    })
                })
                .collect::<Result<Vec<_>, AppError>>()?;
            if !hosts.is_empty() {
                out.push(ConsoleSite {
                    id: SiteId::parse(&id)?,
                    name,
                    hosts,
                    max_guests,
                });
            }
        }
        Ok(out)
    }

    /// Meetings a user hosts or manages that have not closed yet at `now`, earliest first,
    /// with the names of their guests.
    pub async fn console_meetings(
        &self,
        staff: &Staff,
        now: DateTime<Utc>,
    ) -> Result<Vec<(MeetingRow, Vec<String>)>, AppError> {
        let rows = sqlx::query(&format!(
            "{MEETING_SELECT} WHERE m.status = 'scheduled' AND m.closes_at > $2
               AND (m.agent_id = $1
                    OR ($3 = 1 AND m.company_id = $4)
                    OR ($5 = 1 AND m.site_id IN (SELECT site_id FROM site_users WHERE user_id = $1)))
             ORDER BY m.starts_at, m.id LIMIT 200"
        ))
        .bind(staff.id.as_str())
        .bind(to_ms(now))
        .bind(i64::from(staff.role == Role::Admin))
        .bind(&staff.company)
        .bind(i64::from(staff.manages_others()))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let m = meeting_from_row(r)?;
            let guests: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM participants WHERE meeting_id = $1 AND is_host = 0 ORDER BY created_at",
            )
            .bind(m.id.as_str())
            .fetch_all(&self.pool)
            .await?;
            out.push((m, guests));
        }
        Ok(out)
    }
}
