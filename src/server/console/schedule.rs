//! Scheduling from the console: the console user acts as `created_by` in their own company,
//! through the same meetings service as the REST API, so the rules are the same (an agent for itself, an
//! assistant for the agents and assistant_video users of its sites, the host being free,
//! the package's features, invitations and notices by e-mail).

use super::{same_origin, staff};
use crate::model::api::users::Role;
use crate::model::console::{LocalSlot, MoveForm, ScheduleForm};
use crate::model::{AppError, ErrorCode, MeetingId};
use crate::server::services::meetings::{self as service, Guest, NewMeeting};
use crate::server::store::{MeetingRecord, Scope, Staff};
use crate::server::AppState;
use axum::http::HeaderMap;
use chrono::{DateTime, Duration, LocalResult, TimeZone, Utc};
use chrono_tz::Tz;

/// The instants of a slot typed in a zone. A clock time that happens twice (the clocks go
/// back) means the first; one that never happens (they go forward) is refused.
fn instants(slot: &LocalSlot) -> Result<(DateTime<Utc>, DateTime<Utc>), AppError> {
    let (date, time) = slot.parse().map_err(first)?;
    let tz: Tz = slot
        .time_zone
        .parse()
        .map_err(|_| AppError::invalid("time_zone", "not a time zone this server knows"))?;
    let start = match tz.from_local_datetime(&date.and_time(time)) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => {
            return Err(AppError::invalid(
                "time",
                "this time does not exist that day (the clocks go forward)",
            ))
        }
    };
    Ok((start, start + Duration::minutes(slot.minutes as i64)))
}

fn first(mut errors: Vec<AppError>) -> AppError {
    match errors.is_empty() {
        true => AppError::invalid("form", "the form is incomplete"),
        false => errors.swap_remove(0),
    }
}

/// A meeting the console user may move or cancel: one they host; as an assistant one on a
/// site they work on; as an admin any of their company (the scope already stops the rest,
/// which answers "not found").
async fn managed(
    state: &AppState,
    staff: &Staff,
    meeting: &MeetingId,
) -> Result<(Scope, MeetingRecord), AppError> {
    let scope = Scope::Company(staff.company.clone());
    let m = state
        .store
        .meeting_api(&scope, meeting.as_str())
        .await?
        .ok_or_else(|| AppError::not_found("meeting").with_field("meeting"))?;
    let allowed = m.agent == staff.id.as_str()
        || match staff.role {
            Role::Admin => true,
            Role::Assistant | Role::AssistantVideo => {
                state.store.staff_on_site(staff, &m.site.0).await?
            }
            Role::Agent => false,
        };
    if !allowed {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "an agent moves and cancels only its own meetings",
        )
        .with_field("meeting"));
    }
    Ok((scope, m))
}

/// Schedule a meeting as the logged-in user.
pub async fn schedule(
    state: &AppState,
    headers: &HeaderMap,
    form: ScheduleForm,
) -> Result<MeetingId, AppError> {
    same_origin(state, headers)?;
    let (staff, _) = staff(state, headers).await?;
    let (guests, subject) = form.check().map_err(first)?;
    let (time_start, time_end) = instants(&form.slot)?;
    let input = NewMeeting {
        site: form.site.to_string(),
        agent: Some(form.host.to_string()),
        created_by: Some(staff.id.to_string()),
        is_appointment: true,
        starts_at: time_start,
        ends_at: time_end,
        guests: guests
            .into_iter()
            .map(|g| Guest {
                name: g.name.as_str().into(),
                email: g.email.map(|e| e.as_str().into()),
                phone: g.phone.map(|p| p.as_str().into()),
            })
            .collect(),
        subject,
        invitation: None,
        invitation_sms: None,
        send_email: form.send_email,
        send_sms: false,
    };
    let scope = Scope::Company(staff.company.clone());
    // The API's field names, mapped onto the form's.
    let record = service::schedule(state, &scope, None, &input)
        .await
        .map_err(|mut e| {
            e.field = e.field.map(|f| match f.as_str() {
                "agent" | "created_by" => "host".into(),
                "time_start" | "time_end" => "time".into(),
                f => f.replacen("participants", "guests", 1),
            });
            e
        })?;
    console_event(state, &staff, "meeting.schedule", &record.id).await;
    MeetingId::parse(&record.id)
}

/// The console user's change, in the audit trail.
async fn console_event(
    state: &AppState,
    staff: &crate::server::store::Staff,
    action: &str,
    meeting: &str,
) {
    let actor = crate::server::audit::Actor::ConsoleUser {
        id: staff.id.to_string(),
        company: staff.company.clone(),
    };
    crate::server::audit::record(
        state,
        crate::server::audit::Event::new(actor, action, "meetings", Some(meeting)),
    )
    .await;
}

/// Move a meeting the logged-in user hosts or manages.
pub async fn reschedule(
    state: &AppState,
    headers: &HeaderMap,
    form: MoveForm,
) -> Result<(), AppError> {
    same_origin(state, headers)?;
    let (staff, _) = staff(state, headers).await?;
    let (start, end) = instants(&form.slot)?;
    let (scope, m) = managed(state, &staff, &form.meeting).await?;
    service::move_meeting(state, &scope, &m, start, end)
        .await
        .map_err(|mut e| {
            if matches!(e.field.as_deref(), Some("time_start" | "time_end")) {
                e.field = Some("time".into());
            }
            e
        })?;
    console_event(state, &staff, "meeting.move", &m.id).await;
    Ok(())
}

/// Cancel a meeting the logged-in user hosts or manages.
pub async fn cancel(
    state: &AppState,
    headers: &HeaderMap,
    meeting: MeetingId,
) -> Result<(), AppError> {
    same_origin(state, headers)?;
    let (staff, _) = staff(state, headers).await?;
    let (scope, m) = managed(state, &staff, &meeting).await?;
    service::cancel_meeting(state, &scope, &m).await?;
    console_event(state, &staff, "meeting.cancel", &m.id).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(date: &str, time: &str) -> LocalSlot {
        LocalSlot {
            date: date.into(),
            time: time.into(),
            minutes: 30,
            time_zone: "Europe/Amsterdam".into(),
        }
    }

    #[test]
    fn local_times_become_instants_across_dst() {
        let (s, e) = instants(&slot("2026-12-01", "14:30")).unwrap();
        assert_eq!(s.to_rfc3339(), "2026-12-01T13:30:00+00:00");
        assert_eq!(e - s, Duration::minutes(30));
        // Summer time: two hours ahead of UTC.
        let (s, _) = instants(&slot("2026-07-01", "14:30")).unwrap();
        assert_eq!(s.to_rfc3339(), "2026-07-01T12:30:00+00:00");
        // 02:30 on 29 March 2026 never happens in Amsterdam.
        let gap = instants(&slot("2026-03-29", "02:30")).unwrap_err();
        assert_eq!(gap.field.as_deref(), Some("time"));
        // 02:30 on 25 October 2026 happens twice: the first one.
        let (s, _) = instants(&slot("2026-10-25", "02:30")).unwrap();
        assert_eq!(s.to_rfc3339(), "2026-10-25T00:30:00+00:00");
        let mut bad = slot("2026-12-01", "14:30");
        bad.time_zone = "Mars/Olympus".into();
        assert_eq!(
            instants(&bad).unwrap_err().field.as_deref(),
            Some("time_zone")
        );
    }
}
