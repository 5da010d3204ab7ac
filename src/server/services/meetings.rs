//! Meetings, whoever makes them: scheduling (validation, the acting user's rights, the
//! package's features, invitations), moving and cancelling (with notices to everyone who was
//! invited). The REST API, the console and the customer's own page are thin adapters over
//! these; so must the coming APIs be.
//!
//! Errors name fields by the REST API's names (`time_end`, `participants[0].email`, `agent`,
//! `created_by`, `send_sms`); an adapter with other names maps them.

use crate::model::api::rules;
use crate::model::api::users::Role;
use crate::model::i18n::Lang;
use crate::model::{AppError, ErrorCode, MeetingId, SiteId};
use crate::server::store::{MeetingRecord, Message, NewApiMeeting, Scope, SiteRow};
use crate::server::tokens::{new_id, Signer};
use crate::server::{invite, AppState};
use chrono::{DateTime, Duration, Utc};

/// Someone to invite.
#[derive(Clone, Debug)]
pub struct Guest {
    /// Their name.
    pub name: String,
    /// Their e-mail address (needed for an e-mail invitation).
    pub email: Option<String>,
    /// Their phone number, E.164 (needed for an SMS invitation).
    pub phone: Option<String>,
}

/// A meeting to schedule.
#[derive(Clone, Debug)]
pub struct NewMeeting {
    /// The site's id.
    pub site: String,
    /// The hosting user; may be left out when `created_by` is that user.
    pub agent: Option<String>,
    /// The user scheduling it, when someone acts for one (their rights apply).
    pub created_by: Option<String>,
    /// An appointment (WeSeeDo's flag; always set for Personal meetings).
    pub is_appointment: bool,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// One guest, or two for a three-way call.
    pub guests: Vec<Guest>,
    /// Subject (else "Meeting: {site}").
    pub subject: Option<String>,
    /// Invitation text (else the site's).
    pub invitation: Option<String>,
    /// The SMS invitation's own text.
    pub invitation_sms: Option<String>,
    /// Invite by e-mail.
    pub send_email: bool,
    /// Invite by SMS.
    pub send_sms: bool,
}

/// Longest meeting.
pub const MAX_LENGTH: Duration = crate::server::store::LONGEST_MEETING;

/// A meeting ends after it starts and lasts at most [`MAX_LENGTH`].
pub fn check_times(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<(), AppError> {
    if end <= start {
        return Err(AppError::invalid("time_end", "must be after time_start"));
    }
    if end - start > MAX_LENGTH {
        return Err(AppError::invalid(
            "time_end",
            "a meeting lasts at most 24 hours",
        ));
    }
    // Meetings in the past are accepted (their rooms are simply closed), as the WeSeeDo quick
    // start's example date now is.
    Ok(())
}

/// What everyone hears when a meeting that keeps them informed (by e-mail, by SMS) moves
/// (`new_times`) or is cancelled (`None`).
pub async fn notices(
    state: &AppState,
    m: &MeetingRecord,
    site: &SiteRow,
    new_times: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Result<Vec<Message>, AppError> {
    if !m.send_email && !m.send_sms {
        return Ok(Vec::new());
    }
    let cancel_text = state.store.site_cancel_text(&m.site.0).await?;
    let text = match &m.invitation {
        Some(t) => t.clone(),
        None => state.store.site_invite_text(&m.site.0).await?,
    };
    let [start, end, ..] = m.times;
    let (starts_at, ends_at) = new_times.unwrap_or((start, end));
    let meeting = invite::Meeting {
        id: &m.id,
        subject: &m.subject,
        starts_at,
        ends_at,
        time_zone: &site.time_zone,
        text: &text,
        sequence: Utc::now().timestamp(),
    };
    let mut out = Vec::new();
    for p in &m.participants {
        let url = state.join_url(&p.link_id)?;
        // Customers of the booking form hear in their own language and zone; the agent in
        // their account's language, as in the first invitation.
        let lang = match (&p.user, p.is_host) {
            (Some(user), true) => state
                .store
                .user_contact(user)
                .await?
                .map(|(_, lang)| lang)
                .unwrap_or_default(),
            _ => p
                .locale
                .as_deref()
                .and_then(Lang::from_tag)
                .unwrap_or_default(),
        };
        let own = invite::Meeting {
            time_zone: p.time_zone.as_deref().unwrap_or(meeting.time_zone),
            ..meeting.clone()
        };
        if let (Some(to), true) = (&p.email, m.send_email) {
            out.push(Message::Email(match new_times {
                Some(_) => invite::changed(&own, to, &p.name, &url, &cancel_text, lang),
                None => invite::cancelled(&own, to, &p.name, &cancel_text, lang),
            }));
        }
        // Guests only: the agent follows their meetings in the console and by e-mail.
        if let (Some(to), true, false) = (&p.phone, m.send_sms, p.is_host) {
            out.push(Message::Sms(match new_times {
                Some(_) => invite::sms_changed(&own, to, &url, lang),
                None => invite::sms_cancelled(&own, to, lang),
            }));
        }
    }
    Ok(out)
}

/// Who hosts: apply the scheduling rules of the acting user (if any) and check the host.
async fn host_for(
    state: &AppState,
    scope: &Scope,
    site: &str,
    input: &NewMeeting,
) -> Result<String, AppError> {
    // Only users in scope: a user on the list is known to exist in the caller's tenancy.
    let on_site: Vec<(String, String)> = state.store.site_user_roles(scope, site).await?;
    let role_on_site = |user: &str| {
        on_site
            .iter()
            .find(|(id, _)| id == user)
            .and_then(|(_, r)| Role::from_stored(r))
    };
    let host = match &input.created_by {
        Some(creator) => {
            rules::id("created_by", creator, "user")?;
            let (role, _) = state
                .store
                .user_role(scope, creator)
                .await?
                .ok_or_else(|| AppError::not_found("user").with_field("created_by"))?;
            if role != Role::Admin && role_on_site(creator).is_none() {
                return Err(AppError::new(
                    ErrorCode::Precondition,
                    "the scheduling user does not work on this site",
                )
                .with_field("created_by"));
            }
            match role {
                Role::Agent => match &input.agent {
                    Some(a) if a != creator => {
                        return Err(AppError::new(
                            ErrorCode::Forbidden,
                            "an agent schedules meetings for itself only",
                        )
                        .with_field("agent"));
                    }
                    _ => creator.clone(),
                },
                Role::AssistantVideo => input.agent.clone().unwrap_or_else(|| creator.clone()),
                Role::Assistant | Role::Admin => input.agent.clone().ok_or_else(|| {
                    AppError::invalid("agent", "say which agent hosts the meeting")
                })?,
            }
        }
        None => input
            .agent
            .clone()
            .ok_or_else(|| AppError::invalid("agent", "say which agent hosts the meeting"))?,
    };
    rules::id("agent", &host, "user")?;
    match role_on_site(&host) {
        // Not on the site: no such user in scope at all (404), or one working elsewhere.
        None if state.store.user_role(scope, &host).await?.is_none() => {
            Err(AppError::not_found("user").with_field("agent"))
        }
        None => Err(AppError::new(
            ErrorCode::Precondition,
            "the agent does not work on this site",
        )
        .with_field("agent")),
        Some(r) if !r.takes_calls() => Err(AppError::new(
            ErrorCode::Precondition,
            "this user does not hold video calls (role assistant or admin)",
        )
        .with_field("agent")),
        Some(_) => Ok(host),
    }
}

/// Schedule a meeting in `scope` for an API client (`client`) or a logged-in user
/// (`input.created_by`, no client): validate, apply the acting user's rights and the
/// package's features, write it with its invitations in one transaction.
pub async fn schedule(
    state: &AppState,
    scope: &Scope,
    client: Option<&str>,
    input: &NewMeeting,
) -> Result<MeetingRecord, AppError> {
    rules::id("site", &input.site, "site")?;
    rules::opt("subject", &input.subject, rules::name)?;
    rules::opt("invitation", &input.invitation, rules::text)?;
    rules::opt("invitation_sms", &input.invitation_sms, rules::text)?;
    if input.guests.is_empty() || input.guests.len() > 2 {
        return Err(AppError::invalid(
            "participants",
            "invite one or two people",
        ));
    }
    for (i, p) in input.guests.iter().enumerate() {
        rules::name(&format!("participants[{i}].name"), &p.name)?;
        rules::opt(&format!("participants[{i}].email"), &p.email, rules::email)?;
        rules::opt(&format!("participants[{i}].phone"), &p.phone, rules::phone)?;
        if input.send_email && p.email.is_none() {
            return Err(AppError::invalid(
                &format!("participants[{i}].email"),
                "an e-mail invitation needs an e-mail address",
            ));
        }
        if input.send_sms && p.phone.is_none() {
            return Err(AppError::invalid(
                &format!("participants[{i}].phone"),
                "an SMS invitation needs a phone number",
            ));
        }
    }
    check_times(input.starts_at, input.ends_at)?;
    // The site, its company and the package's features in one read, tenancy checked.
    let site = state
        .store
        .site_in(scope, &SiteId::parse(&input.site)?)
        .await?
        .ok_or_else(|| AppError::not_found("site").with_field("site"))?;
    let company = site.company_id.clone();
    let has = |f: &str| site.has(f);
    if input.guests.len() > 1 && !has("multiple_participants") {
        return Err(AppError::new(
            ErrorCode::Precondition,
            "three-way meetings need the package feature multiple_participants",
        )
        .with_field("participants"));
    }
    if input.send_sms && !has("weseedo_personal_sms") {
        return Err(AppError::new(
            ErrorCode::Precondition,
            "SMS invitations need the package feature weseedo_personal_sms",
        )
        .with_field("send_sms"));
    }
    let host = host_for(state, scope, &input.site, input).await?;
    let id = new_id();
    let host_link = Signer::new_link_id();
    let guests: Vec<_> = input
        .guests
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                p.email.clone(),
                p.phone.clone(),
                Signer::new_link_id(),
            )
        })
        .collect();
    let subject = input
        .subject
        .clone()
        .unwrap_or_else(|| format!("Meeting: {}", site.name));
    let invitation = input.invitation.clone();
    let mut messages = Vec::new();
    if input.send_email || input.send_sms {
        let text = match &invitation {
            Some(t) => t.clone(),
            None => state.store.site_invite_text(&input.site).await?,
        };
        let meeting = invite::Meeting {
            id: &id,
            subject: &subject,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            time_zone: &site.time_zone,
            text: &text,
            sequence: 0,
        };
        let check_url = format!("{}/check", state.public_url);
        for (name, email, phone, link) in &guests {
            let url = state.join_url(link)?;
            if let (Some(email), true) = (email, input.send_email) {
                messages.push(Message::Email(invite::guest(
                    &meeting,
                    email,
                    name,
                    &url,
                    Lang::En,
                    &invite::GuestLinks {
                        manage: None,
                        hardware_test: site
                            .hardware_test
                            .as_deref()
                            .map(|text| (text, check_url.as_str())),
                    },
                )));
            }
            if let (Some(phone), true) = (phone, input.send_sms) {
                let own = input.invitation_sms.as_deref();
                messages.push(Message::Sms(invite::sms(
                    &meeting,
                    phone,
                    own,
                    &url,
                    Lang::En,
                )));
            }
        }
        let names: Vec<&str> = guests.iter().map(|g| g.0.as_str()).collect();
        let agent_contact = match input.send_email {
            true => state.store.user_contact(&host).await?,
            false => None,
        };
        if let Some((agent_email, agent_lang)) = agent_contact {
            let url = state.join_url(&host_link)?;
            messages.push(Message::Email(invite::agent(
                &meeting,
                &agent_email,
                &names,
                &url,
                agent_lang,
            )));
        }
    }
    let new = NewApiMeeting {
        id,
        site: input.site.clone(),
        company,
        agent: host,
        created_by_user: input.created_by.clone(),
        created_by_client: client.map(str::to_string),
        subject,
        invitation,
        invitation_sms: input.invitation_sms.clone(),
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        opens_at: input.starts_at - Duration::minutes(site.early_join_minutes as i64),
        closes_at: input.ends_at + Duration::minutes(site.grace_minutes as i64),
        capacity: site.room_capacity(),
        is_appointment: input.is_appointment,
        send_email: input.send_email,
        send_sms: input.send_sms,
        host_link,
        guests,
        messages,
    };
    state.store.create_meeting_api(scope, &new).await
}

/// Move a meeting of `scope` (the REST API's and the console's one way to): check the times,
/// the host being free, and tell everyone who was invited by e-mail or SMS.
pub async fn move_meeting(
    state: &AppState,
    scope: &Scope,
    existing: &MeetingRecord,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<MeetingRecord, AppError> {
    check_times(start, end)?;
    let site = state
        .store
        .site(&SiteId::parse(&existing.site.0)?)
        .await?
        .ok_or_else(|| AppError::not_found("meeting"))?;
    let times = [
        start,
        end,
        start - Duration::minutes(site.early_join_minutes as i64),
        end + Duration::minutes(site.grace_minutes as i64),
    ];
    let messages = notices(state, existing, &site, Some((start, end))).await?;
    state
        .store
        .reschedule_api(scope, &existing.id, times, &messages)
        .await?
        .ok_or_else(|| AppError::not_found("meeting"))
}

/// Cancel a meeting of `scope`: tell everyone invited, end its room at once.
pub async fn cancel_meeting(
    state: &AppState,
    scope: &Scope,
    existing: &MeetingRecord,
) -> Result<(), AppError> {
    let site = state
        .store
        .site(&SiteId::parse(&existing.site.0)?)
        .await?
        .ok_or_else(|| AppError::not_found("meeting"))?;
    let messages = notices(state, existing, &site, None).await?;
    match state
        .store
        .cancel_api(scope, &existing.id, &messages)
        .await?
    {
        Some(()) => {
            crate::server::signaling::end_meeting(
                state,
                &MeetingId::parse(&existing.id)?,
                AppError::new(ErrorCode::Expired, "this meeting was cancelled"),
            );
            Ok(())
        }
        None => Err(AppError::not_found("meeting")),
    }
}
