//! Booking: free slots of a site and booking one (the booking form's server functions, in
//! `server_fns::booking`, are thin calls into this).

use crate::model::booking::{
    AgentChoice, Booked, BookingRequest, Prefill, SiteInfo, Slot, SlotList, Theme, LOCKABLE,
};
use crate::model::{AppError, ErrorCode, SiteId, UserId};
use crate::server::availability::{free_slots, offered_slots, parse_zone};
use crate::server::client::limit_key;
use crate::server::store::Quota;
use crate::server::store::{Message, NewBooking, SiteRow};
use crate::server::tokens::{new_id, Signer};
use crate::server::{invite, origin, AppState};
use chrono::{DateTime, Duration, Utc};
use std::net::IpAddr;

/// At most this many slots are listed at once: enough for the default horizon (14 days) of
/// quarter-hour slots in ten-hour days, so the form's calendar shows every day on offer. (It
/// was 24: the calendar then offered only the rest of today, found by using the form.)
pub const MAX_SLOTS: usize = 600;

/// What the public is told of a site whose account is suspended.
pub(crate) fn suspended() -> AppError {
    AppError::new(
        ErrorCode::Forbidden,
        "This service is not available at the moment.",
    )
}

/// Load a site and check that the request may use it: known site, allowed origins.
async fn site_for_request(
    state: &AppState,
    site: &str,
    host_origin: &str,
    request_origin: Option<&str>,
) -> Result<SiteRow, AppError> {
    let not_found = || AppError::not_found("site").with_field("site");
    let id = SiteId::parse(site).map_err(|_| not_found())?;
    let site = state.store.site(&id).await?.ok_or_else(not_found)?;
    let origins = state.store.site_origins(&id).await?;
    site_allows(state, &site, &origins, host_origin, request_origin)?;
    Ok(site)
}

/// May a page of `host_origin` (and a request from `request_origin`) use this site, given the
/// site's allowed origins? Live sites only.
pub fn site_allows(
    state: &AppState,
    site: &SiteRow,
    origins: &[String],
    host_origin: &str,
    request_origin: Option<&str>,
) -> Result<(), AppError> {
    origin::check(host_origin, request_origin, &state.public_origin, origins)?;
    if !site.live {
        return Err(suspended());
    }
    Ok(())
}

/// Locked prefilled fields: the host page's server signed them with the site's prefill key,
/// and what is booked must be what it signed. A site may require signed details on every
/// booking; otherwise a booking without them is an ordinary one.
fn check_prefill(state: &AppState, site: &SiteRow, req: &BookingRequest) -> Result<(), AppError> {
    let Some(p) = &req.prefill else {
        if site.prefill_required {
            return Err(AppError::invalid(
                "prefill",
                "This site takes bookings only with details filled in by its website.",
            ));
        }
        return Ok(());
    };
    if p.lock.iter().any(|f| !LOCKABLE.contains(&f.trim())) {
        return Err(AppError::invalid(
            "prefill",
            "Only name, email and phone can be locked.",
        ));
    }
    let message = Prefill::message(site.id.as_str(), &p.lock, &p.name, &p.email, &p.phone);
    if !state.signer.verify_prefill(
        site.id.as_str(),
        site.prefill_generation,
        &message,
        &p.signature,
    ) {
        return Err(AppError::invalid(
            "prefill",
            "The prefilled details do not carry this site's signature.",
        ));
    }
    for field in LOCKABLE {
        let submitted = match field {
            "name" => &req.name,
            "email" => &req.email,
            _ => &req.phone,
        };
        if p.locks(field) && submitted.trim() != p.value(field).trim() {
            return Err(AppError::invalid(
                field,
                "This was filled in by the website and cannot be changed here.",
            ));
        }
    }
    Ok(())
}

/// The slot starting at `starts_at` if the site offers it now; else why not, where the rules
/// can tell (closed that day, too soon), naming the field `starts_at`.
pub(crate) fn offered_slot(
    site: &SiteRow,
    tz: chrono_tz::Tz,
    starts_at: chrono::DateTime<Utc>,
    now: chrono::DateTime<Utc>,
) -> Result<crate::model::booking::Slot, AppError> {
    if starts_at <= now {
        return Err(AppError::invalid(
            "starts_at",
            "That time has already passed.",
        ));
    }
    offered_slots(&site.opening_hours, tz, &site.rules(), now)
        .into_iter()
        .find(|s| s.starts_at == starts_at)
        .ok_or_else(|| {
            let day = starts_at.with_timezone(&tz).date_naive();
            let reason = if site.closed_dates.contains(&day) {
                "The site is closed on that day.".to_string()
            } else if starts_at < now + Duration::minutes(site.min_notice_minutes as i64) {
                format!(
                    "That time is too soon: book at least {} minutes ahead.",
                    site.min_notice_minutes
                )
            } else {
                "That time is not offered by this site.".to_string()
            };
            AppError::invalid("starts_at", reason)
        })
}

pub(crate) fn site_info(site: &SiteRow) -> SiteInfo {
    SiteInfo {
        id: site.id.clone(),
        name: site.name.clone(),
        time_zone: site.time_zone.clone(),
        slot_minutes: site.slot_minutes,
        theme: Theme {
            primary_color: site.primary_color.clone(),
            text_color: site.text_color.clone(),
            font: site.font.clone(),
            logo: site
                .has_logo
                .then(|| format!("/media/sites/{}/logo", site.id)),
            background: site
                .has_background
                .then(|| format!("/media/sites/{}/background", site.id)),
            secondary_color: None,
            focus_color: None,
        },
        privacy_url: site.privacy_url.clone(),
        phone_prefix: site.phone_prefix.clone(),
    }
}

pub(crate) fn zone(site: &SiteRow) -> Result<chrono_tz::Tz, AppError> {
    parse_zone(&site.time_zone).ok_or_else(|| {
        tracing::error!(site = %site.id, "site has an unknown time zone");
        AppError::internal()
    })
}

/// The next free slots of a site, with anyone.
pub async fn slots(
    state: &AppState,
    site: &str,
    host_origin: &str,
    request_origin: Option<&str>,
) -> Result<SlotList, AppError> {
    slots_with(state, site, host_origin, request_origin, None, None).await
}

/// Narrow a site's agents to the one the customer chose; one not on the site is refused.
fn chosen_agents(
    all: Vec<(UserId, String)>,
    chosen: Option<&UserId>,
) -> Result<Vec<(UserId, String)>, AppError> {
    match chosen {
        None => Ok(all),
        Some(want) => {
            let one: Vec<_> = all.into_iter().filter(|(id, _)| id == want).collect();
            if one.is_empty() {
                return Err(AppError::invalid(
                    "agent",
                    "That person does not take appointments on this site.",
                ));
            }
            Ok(one)
        }
    }
}

/// The free slots of a site starting at or after `after` (`None`: the first ones), with the
/// agent chosen (`None`: anyone): the form asks for the next ones this way when the
/// customer pages on past the last it has (see [`MAX_SLOTS`]).
pub async fn slots_with(
    state: &AppState,
    site: &str,
    host_origin: &str,
    request_origin: Option<&str>,
    agent: Option<&str>,
    after: Option<DateTime<Utc>>,
) -> Result<SlotList, AppError> {
    let site = site_for_request(state, site, host_origin, request_origin).await?;
    slots_of(state, &site, agent, after).await
}

/// [`slots_with`] for a site already checked for the request.
pub async fn slots_of(
    state: &AppState,
    site: &SiteRow,
    agent: Option<&str>,
    after: Option<DateTime<Utc>>,
) -> Result<SlotList, AppError> {
    let chosen = agent
        .filter(|a| !a.is_empty())
        .map(|a| {
            UserId::parse(a).map_err(|_| {
                AppError::invalid(
                    "agent",
                    "That person does not take appointments on this site.",
                )
            })
        })
        .transpose()?;
    let now = Utc::now();
    let mut candidates = offered_slots(&site.opening_hours, zone(site)?, &site.rules(), now);
    if let Some(after) = after {
        candidates.retain(|c| c.starts_at >= after);
    }
    let from = after.map_or(now, |a| a.max(now));
    let everyone = state.store.site_agents(&site.id).await?;
    let choices = everyone
        .iter()
        .map(|(id, name)| AgentChoice {
            id: id.clone(),
            name: name.clone(),
        })
        .collect();
    let agents: Vec<UserId> = chosen_agents(everyone, chosen.as_ref())?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let (slots, more) = match candidates.last() {
        Some(last) if !agents.is_empty() => {
            let buffer = Duration::minutes(site.buffer_minutes as i64);
            let busy = state
                .store
                .busy_between(&agents, from - buffer, last.ends_at + buffer)
                .await?;
            let mut free = free_slots(candidates, &agents, &busy, buffer).into_iter();
            let slots: Vec<Slot> = free.by_ref().take(MAX_SLOTS).collect();
            (slots, free.next().is_some())
        }
        _ => (Vec::new(), false),
    };
    Ok(SlotList {
        site: site_info(site),
        slots,
        agents: choices,
        more,
    })
}

/// Book a slot (from no particular client address: see [`book_from`]).
pub async fn book(
    state: &AppState,
    req: BookingRequest,
    request_origin: Option<&str>,
) -> Result<Booked, AppError> {
    book_from(state, req, request_origin, None).await
}

/// A booking counted against a limit; given back unless [`Counted::keep`] is called (a
/// booking refused after all, say for a slot just taken, uses up no one's share).
struct Counted<'a> {
    state: &'a AppState,
    key: String,
    quota: Quota,
    at: chrono::DateTime<Utc>,
    kept: bool,
}

impl Counted<'_> {
    fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        if !self.kept {
            // Given back in a task: the count may live in the database, and a drop cannot
            // wait for it.
            let (state, key, quota, at) = (
                self.state.clone(),
                std::mem::take(&mut self.key),
                self.quota,
                self.at,
            );
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move { state.quotas.refund(&key, quota, at).await });
            }
        }
    }
}

/// Count a booking against a limit; `Err` (429, with when to try again) when it is used up.
async fn within<'a>(
    state: &'a AppState,
    key: String,
    quota: Quota,
    message: &str,
) -> Result<Counted<'a>, AppError> {
    let at = Utc::now();
    let standing = state.quotas.count(&key, quota, at).await;
    if standing.allowed {
        Ok(Counted {
            state,
            key,
            quota,
            at,
            kept: false,
        })
    } else {
        Err(AppError::too_many(
            message,
            (standing.reset - at).num_seconds(),
        ))
    }
}

/// Book a slot as the form does: check site, origin, fields and slot (in that order, so
/// nothing is written unless all pass), then the limits (per client address, per site, and
/// in the store's transaction per e-mail address and phone number), then write meeting,
/// participants and invitations in one transaction.
pub async fn book_from(
    state: &AppState,
    req: BookingRequest,
    request_origin: Option<&str>,
    client: Option<IpAddr>,
) -> Result<Booked, AppError> {
    let site = site_for_request(state, req.site.as_str(), &req.host_origin, request_origin).await?;
    let valid = req.validate(&site.phone_prefix)?;
    check_prefill(state, &site, &req)?;
    let limits = state.config.booking_limits;
    // The zone the customer saw the times in; their invitation states the time in it.
    let customer_zone = match req.time_zone.trim() {
        "" => site.time_zone.clone(),
        z if parse_zone(z).is_some() => z.to_string(),
        _ => {
            return Err(AppError::invalid(
                "time_zone",
                "Unknown time zone: give an IANA name such as Europe/Amsterdam.",
            ))
        }
    };
    let now = Utc::now();
    let tz = zone(&site)?;
    let slot = offered_slot(&site, tz, req.starts_at, now)?;
    // Counted only for bookings that are written: a typo or a slot just taken does not use
    // up anyone's share.
    let per_address = match client {
        Some(address) => Some(
            within(
                state,
                format!("booking:{}", limit_key(address)),
                limits.per_address,
                "Too many bookings from your address. Please try again later.",
            )
            .await?,
        ),
        None => None,
    };
    let per_site = within(
        state,
        format!("booking-site:{}", site.id),
        limits.per_site,
        "This site takes no more bookings just now. Please try again later.",
    )
    .await?;
    let agents = chosen_agents(state.store.site_agents(&site.id).await?, req.agent.as_ref())?;
    if agents.is_empty() {
        return Err(AppError::new(
            ErrorCode::SlotTaken,
            "no one takes appointments on this site",
        ));
    }
    let meeting_id = new_id();
    let (guest_link_id, host_link_id) = (Signer::new_link_id(), Signer::new_link_id());
    let subject = format!("Appointment: {}", site.name);
    let text = state.store.site_invite_text(site.id.as_str()).await?;
    let meeting = invite::Meeting {
        id: &meeting_id,
        subject: &subject,
        starts_at: slot.starts_at,
        ends_at: slot.ends_at,
        time_zone: &site.time_zone,
        text: &text,
        sequence: 0,
    };
    let guest_name = valid.name.as_str();
    let mut agent_emails = Vec::new();
    for (agent, _) in &agents {
        if let Some((to, lang)) = state.store.user_contact(agent.as_str()).await? {
            let email = invite::agent(
                &meeting,
                &to,
                &[guest_name],
                &state.join_url(&host_link_id)?,
                lang,
            );
            agent_emails.push((agent.clone(), email));
        }
    }
    let guest_url = state.join_url(&guest_link_id)?;
    let manage_url = guest_url.replacen("/join/", "/booking/", 1);
    // The invitation adds the customer's language to every link (`invite::in_lang`).
    let check_url = format!("{}/check", state.public_url);
    let for_customer = invite::Meeting {
        time_zone: &customer_zone,
        ..meeting.clone()
    };
    let mut messages = vec![Message::Email(invite::guest(
        &for_customer,
        valid.email.as_str(),
        guest_name,
        &guest_url,
        req.lang,
        &invite::GuestLinks {
            manage: Some(&manage_url),
            hardware_test: site
                .hardware_test
                .as_deref()
                .map(|text| (text, check_url.as_str())),
        },
    ))];
    // A text message too, when the customer gave a number and the package includes SMS.
    if let (Some(phone), true) = (&valid.phone, site.has("weseedo_personal_sms")) {
        messages.push(Message::Sms(invite::sms(
            &for_customer,
            phone.as_str(),
            None,
            &guest_url,
            req.lang,
        )));
    }
    let booking = NewBooking {
        site_id: site.id.clone(),
        company_id: site.company_id.clone(),
        messages,
        agent_emails,
        meeting_id,
        guest_link_id,
        host_link_id,
        subject,
        starts_at: slot.starts_at,
        ends_at: slot.ends_at,
        opens_at: slot.starts_at - Duration::minutes(site.early_join_minutes as i64),
        closes_at: slot.ends_at + Duration::minutes(site.grace_minutes as i64),
        capacity: site.room_capacity(),
        buffer: Duration::minutes(site.buffer_minutes as i64),
        agents,
        guest_name: valid.name.as_str().to_string(),
        guest_email: valid.email.as_str().to_string(),
        guest_phone: valid.phone.map(|p| p.as_str().to_string()),
        guest_note: valid.note,
        guest_locale: req.lang.code(),
        guest_time_zone: customer_zone,
        source: client
            .map(|a| state.signer.source_tag(&limit_key(a)))
            .unwrap_or_else(|| "-".into()),
        per_contact: limits.per_contact,
    };
    let row = state.store.book(&booking).await?;
    per_site.keep();
    if let Some(counted) = per_address {
        counted.keep();
    }
    let hash = state
        .signer
        .join_hash(&row.guest_link_id)
        .ok_or_else(AppError::internal)?;
    tracing::info!(site = %site.id, meeting = %row.meeting, "meeting booked");
    Ok(Booked {
        meeting: row.meeting,
        starts_at: slot.starts_at,
        ends_at: slot.ends_at,
        time_zone: site.time_zone,
        agent_name: row.agent_name,
        join_url: format!("{}/join/{hash}", state.public_url),
        manage_url: format!("{}/booking/{hash}", state.public_url),
    })
}
