//! Appointments: a claimant's video appointment, made and changed by a case system through
//! the appointments API. Each is a locked room of its own (the claimant knocks; the agent,
//! through the room's host link, admits), with the call's switches kept beside it, a pre-call
//! page for the claimant (and one for an interpreter), invitations by e-mail and SMS, and a
//! status the hub's record of the call moves on.

use crate::model::appointment::{Attendee, CallFeatures, PreCall, Status, OPENS_BEFORE_MINUTES};
use crate::model::i18n::Lang;
use crate::model::{AppError, ErrorCode};
use crate::server::appointments::input::{Errors, Input};
use crate::server::services::rooms;
use crate::server::store::{AppointmentRow, Message, Scope, UserRow};
use crate::server::{invite, AppState};
use chrono::{DateTime, Duration, NaiveTime, Utc};

/// Why a change was refused: fields that are wrong (422, each named), or anything else.
#[derive(Debug)]
pub enum Refused {
    /// Fields and what is wrong with each.
    Invalid(Errors),
    /// Not found, a conflict, an internal failure….
    Other(AppError),
}

impl From<AppError> for Refused {
    fn from(e: AppError) -> Self {
        Refused::Other(e)
    }
}

fn invalid(field: &str, message: &str) -> Refused {
    Refused::Invalid(Errors::from([(
        field.to_string(),
        vec![message.to_string()],
    )]))
}

/// The links of an appointment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Urls {
    /// The claimant's pre-call page (`url`).
    pub claimant: String,
    /// The interpreter's, when one is needed.
    pub interpreter: Option<String>,
    /// The agent's: the room's host link (`meeting.room_url`).
    pub host: String,
}

/// The pre-call page of `who`.
fn pre_call_url(state: &AppState, a: &AppointmentRow, who: Attendee) -> Result<String, AppError> {
    let token = state
        .signer
        .appointment_token(&a.id, who)
        .ok_or_else(AppError::internal)?;
    let reference: String = form_urlencoded::byte_serialize(a.reference.as_bytes()).collect();
    Ok(format!(
        "{}/client-web/schedule/pre-call/summary?reference={reference}&token={token}",
        state.public_url
    ))
}

/// The links of an appointment.
pub fn urls(state: &AppState, a: &AppointmentRow) -> Result<Urls, AppError> {
    let room = crate::server::store::RoomRow {
        id: a.room_id.clone(),
        company: a.company.clone(),
        name: a.room_name.clone(),
        is_locked: true,
        mode: "normal".into(),
        template: None,
        recording: None,
        starts_at: a.room_starts_at,
        ends_at: a.room_ends_at,
        closes_at: a.room_ends_at + rooms::AFTER_END,
        created_at: a.room_starts_at,
        theme: None,
    };
    Ok(Urls {
        claimant: pre_call_url(state, a, Attendee::Claimant)?,
        interpreter: a
            .interpreter_needed
            .then(|| pre_call_url(state, a, Attendee::Interpreter))
            .transpose()?,
        host: rooms::links(state, &room).host,
    })
}

/// The room stays open to the end of the appointment's day (UTC), as the seed's rooms do:
/// someone late, or a call that runs over, still gets in.
pub fn room_end(at: DateTime<Utc>, minutes: u32) -> DateTime<Utc> {
    let end = at + Duration::minutes(minutes as i64);
    end.date_naive()
        .and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default())
        .and_utc()
}

/// The feature flags at creation: what the seed's example sends, for any left out.
fn features_of(input: &Input, base: &CallFeatures) -> CallFeatures {
    let flag = |word: &str, now: bool| input.flag(word).unwrap_or(now);
    CallFeatures {
        camera_host: flag("webcam_access_agent", base.camera_host),
        camera_guest: flag("webcam_access_claimant", base.camera_guest),
        microphone: flag("microphone_access", base.microphone),
        screen_share: flag("screen_sharing", base.screen_share),
        chat: flag("messages_chat", base.chat),
        participant_list: flag("participant_list", base.participant_list),
        bandwidth: match input.bandwidth {
            Some(b) => b,
            None => base.bandwidth,
        },
        blur: flag("webcam_background_blurring", base.blur),
        breakout: flag("breakout_room", base.breakout),
        recording: flag("call_recording", base.recording),
    }
}

/// What a new appointment starts from: the seed's example values.
fn seed_defaults() -> CallFeatures {
    CallFeatures {
        camera_host: true,
        camera_guest: true,
        microphone: true,
        screen_share: false,
        chat: false,
        participant_list: false,
        bandwidth: None,
        blur: false,
        breakout: false,
        recording: false,
    }
}

/// A department is one of the company's sites, by name: its agents may take the appointment.
async fn check_department(state: &AppState, a: &AppointmentRow) -> Result<(), Refused> {
    match &a.department {
        Some(d) if !state.store.department_exists(&a.company, d).await? => Err(invalid(
            "department",
            "The selected department is invalid: name one of the company's sites (its agents may take the appointment).",
        )),
        _ => Ok(()),
    }
}

/// Rules across fields, and the switches not built yet.
fn check_whole(a: &AppointmentRow) -> Result<(), Refused> {
    let mut errors = Errors::new();
    if a.interpreter_needed && a.interpreter_language.is_none() {
        errors.insert(
            "interpreter_language".into(),
            vec![
                "The interpreter language field is required when is interpreter needed is true."
                    .into(),
            ],
        );
    }
    if a.redirect_custom && a.redirect_user_url.is_none() && a.redirect_agent_url.is_none() {
        errors.insert(
            "custom_user_post_call_redirect_url".into(),
            vec!["The custom user post call redirect url field is required when use custom post call redirect is true (or give the agent's).".into()],
        );
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Refused::Invalid(errors))
    }
}

/// The agent named by `agent`: a user of the company who may host.
async fn agent_of(state: &AppState, company: &str, id: &str) -> Result<UserRow, Refused> {
    let user = state
        .store
        .user_api(&Scope::Company(company.to_string()), id)
        .await?;
    match user {
        Some(u) if !u.suspended => Ok(u),
        _ => Err(invalid(
            "agent",
            "The selected agent is invalid (no such user in this company).",
        )),
    }
}

/// Apply the given fields of `input` onto `a` (all of them at creation, the given ones on a
/// change).
fn apply(a: &mut AppointmentRow, input: &Input) {
    fn set<T: Clone>(slot: &mut T, given: &Option<T>) {
        if let Some(v) = given {
            *slot = v.clone();
        }
    }
    if let Some(Some(r)) = &input.reference {
        a.reference = r.clone();
    }
    if let Some(Some(t)) = input.appointment_at {
        a.appointment_at = t;
    }
    if let Some(Some(d)) = input.duration {
        a.duration_minutes = d;
    }
    if let Some(Some(b)) = input.interpreter_needed {
        a.interpreter_needed = b;
    }
    set(&mut a.interpreter_language, &input.interpreter_language);
    set(&mut a.department, &input.department);
    if let Some(Some(l)) = &input.locale {
        a.locale = l.clone();
    }
    if let Some(Some(z)) = &input.time_zone {
        a.time_zone = z.clone();
    }
    if let Some(Some(n)) = &input.claimant_name {
        a.claimant_name = n.clone();
    }
    set(&mut a.claimant_birth_date, &input.claimant_birth_date);
    set(&mut a.claimant_phone, &input.claimant_phone);
    set(&mut a.claimant_email, &input.claimant_email);
    if let Some(Some(b)) = input.redirect_custom {
        a.redirect_custom = b;
    }
    set(&mut a.redirect_user_url, &input.redirect_user_url);
    set(&mut a.redirect_agent_url, &input.redirect_agent_url);
    a.features = features_of(input, &a.features);
    a.room_ends_at = room_end(a.appointment_at, a.duration_minutes);
}

/// Who invites: the company's name, and whether its package sends text messages (as the
/// booking flow's invitations do, SMS only where the package has `weseedo_personal_sms`).
#[derive(Clone, Debug, Default)]
struct Sender {
    name: String,
    sms: bool,
}

async fn sender(state: &AppState, company: &str) -> Result<Sender, AppError> {
    Ok(state
        .store
        .company(&Scope::Company(company.to_string()), company)
        .await?
        .map(|c| Sender {
            sms: c
                .package
                .features
                .iter()
                .any(|f| f == "weseedo_personal_sms"),
            name: c.company.name,
        })
        .unwrap_or_default())
}

/// The company's name (invitations say who invites).
async fn company_name(state: &AppState, company: &str) -> Result<String, AppError> {
    Ok(sender(state, company).await?.name)
}

/// What an invitation or notice is about.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Notice {
    New,
    Changed,
    Cancelled,
}

/// The claimant's (e-mail and SMS) and the agent's (e-mail) messages about `a`.
fn messages(
    state: &AppState,
    a: &AppointmentRow,
    from: &Sender,
    agent: Option<&UserRow>,
    notice: Notice,
) -> Result<Vec<Message>, AppError> {
    let company = &from.name;
    let urls = urls(state, a)?;
    let subject = match a.locale.as_str() {
        "nl" => format!("Video-afspraak met {company}"),
        _ => format!("Video appointment with {company}"),
    };
    let lang = Lang::from_tag(&a.locale).unwrap_or_default();
    let text = match lang {
        Lang::Nl => format!(
            "{company} heeft een video-afspraak met u gepland (referentie {}). Open de link \
             hieronder om uw camera en microfoon vooraf te testen; bij de start komt u in de \
             wachtkamer.",
            a.reference
        ),
        Lang::En => format!(
            "{company} has scheduled a video appointment with you (reference {}). Open the link \
             below to test your camera and microphone beforehand; when it starts you enter the \
             waiting room.",
            a.reference
        ),
    };
    let end = a.appointment_at + Duration::minutes(a.duration_minutes as i64);
    let meeting = invite::Meeting {
        id: &a.id,
        subject: &subject,
        starts_at: a.appointment_at,
        ends_at: end,
        time_zone: &a.time_zone,
        text: &text,
        sequence: if notice == Notice::New {
            0
        } else {
            Utc::now().timestamp()
        },
    };
    let mut out = Vec::new();
    let name = &a.claimant_name;
    if let Some(to) = &a.claimant_email {
        out.push(Message::Email(match notice {
            Notice::New => invite::guest(
                &meeting,
                to,
                name,
                &urls.claimant,
                lang,
                &invite::GuestLinks {
                    manage: None,
                    hardware_test: None,
                },
            ),
            Notice::Changed => invite::changed(&meeting, to, name, &urls.claimant, "", lang),
            Notice::Cancelled => invite::cancelled(&meeting, to, name, "", lang),
        }));
    }
    if let (Some(to), true) = (&a.claimant_phone, from.sms) {
        out.push(Message::Sms(match notice {
            Notice::New => invite::sms(&meeting, to, None, &urls.claimant, lang),
            Notice::Changed => invite::sms_changed(&meeting, to, &urls.claimant, lang),
            Notice::Cancelled => invite::sms_cancelled(&meeting, to, lang),
        }));
    }
    if let Some(agent) = agent {
        let agent_lang = Lang::from_tag(&agent.locale).unwrap_or_default();
        out.push(Message::Email(match notice {
            Notice::New => invite::agent(&meeting, &agent.email, &[name], &urls.host, agent_lang),
            Notice::Changed => invite::changed(
                &meeting,
                &agent.email,
                &agent.first_name,
                &urls.host,
                "",
                agent_lang,
            ),
            Notice::Cancelled => {
                invite::cancelled(&meeting, &agent.email, &agent.first_name, "", agent_lang)
            }
        }));
    }
    Ok(out)
}

/// Make an appointment: its room, its row and its invitations.
pub async fn create(
    state: &AppState,
    company: &str,
    input: Input,
) -> Result<AppointmentRow, Refused> {
    // `input` is checked (`input::check` with `creating`): the required fields are there.
    let now = stored_now();
    let mut a = AppointmentRow {
        id: new_uuid(),
        company: company.to_string(),
        reference: String::new(),
        appointment_at: now,
        duration_minutes: 30,
        interpreter_needed: false,
        interpreter_language: None,
        department: None,
        agent: None,
        locale: "en".into(),
        time_zone: "UTC".into(),
        claimant_name: String::new(),
        claimant_birth_date: None,
        claimant_phone: None,
        claimant_email: None,
        features: seed_defaults(),
        redirect_custom: false,
        redirect_user_url: None,
        redirect_agent_url: None,
        status: Status::Scheduled,
        created_at: now,
        updated_at: now,
        cancelled_at: None,
        cancellation_reason: None,
        session_started_at: None,
        session_ended_at: None,
        on_hold_started_at: None,
        on_hold_ended_at: None,
        blur: None,
        room_id: String::new(),
        room_name: String::new(),
        room_starts_at: now,
        room_ends_at: now,
    };
    apply(&mut a, &input);
    check_whole(&a)?;
    check_department(state, &a).await?;
    let agent = match &input.agent {
        Some(Some(id)) => Some(agent_of(state, company, id).await?),
        _ => None,
    };
    a.agent = agent.as_ref().map(|u| u.id.clone());
    if state
        .store
        .appointments(
            company,
            &crate::server::store::AppointmentFilter {
                reference: Some(a.reference.clone()),
                ..Default::default()
            },
            0,
            1,
        )
        .await?
        .1
        > 0
    {
        return Err(duplicate_reference());
    }
    let room = rooms::create(
        state,
        rooms::NewRoom {
            company: company.to_string(),
            is_locked: true,
            template: None,
            recording: None,
            prefix: String::new(),
            human_short: false,
            ends_at: a.room_ends_at,
        },
    )
    .await?;
    a.room_id = room.id.clone();
    a.room_name = room.name.clone();
    a.room_starts_at = room.starts_at;
    a.room_ends_at = room.ends_at;
    let from = sender(state, company).await?;
    let out = messages(state, &a, &from, agent.as_ref(), Notice::New)?;
    if let Err(e) = state.store.create_appointment(&a, &out).await {
        // The reference was taken meanwhile (or the write failed): no room without its
        // appointment is left behind.
        let _ = rooms::delete(state, company, &room.id).await;
        return Err(match e.code {
            ErrorCode::Conflict => duplicate_reference(),
            _ => Refused::Other(e),
        });
    }
    tracing::info!(appointment = %a.id, "appointment made");
    Ok(a)
}

fn duplicate_reference() -> Refused {
    Refused::Other(
        AppError::new(ErrorCode::Conflict, "The reference has already been taken.")
            .with_field("reference"),
    )
}

/// A company's appointment, or 404.
pub async fn get(state: &AppState, company: &str, id: &str) -> Result<AppointmentRow, AppError> {
    state
        .store
        .appointment(company, id)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound, "Appointment not found."))
}

/// Change the given fields. A new time moves the room and tells the claimant and the agent.
pub async fn change(
    state: &AppState,
    company: &str,
    id: &str,
    input: Input,
) -> Result<AppointmentRow, Refused> {
    let before = get(state, company, id).await?;
    if matches!(before.status, Status::Cancelled | Status::Completed) {
        return Err(Refused::Other(AppError::new(
            ErrorCode::Conflict,
            format!(
                "The appointment is {} and can no longer change.",
                before.status.as_str()
            ),
        )));
    }
    // `input` is checked (`input::check`): a required field may change, not go.
    let mut a = before.clone();
    apply(&mut a, &input);
    // The room keeps the day it was made on at the least.
    a.room_ends_at = a.room_ends_at.max(stored_now());
    check_whole(&a)?;
    if a.department != before.department {
        check_department(state, &a).await?;
    }
    if let Some(given) = &input.agent {
        a.agent = match given {
            Some(id) => Some(agent_of(state, company, id).await?.id),
            None => None,
        };
    }
    a.updated_at = stored_now();
    let moved =
        a.appointment_at != before.appointment_at || a.duration_minutes != before.duration_minutes;
    let out = if moved {
        let agent = match &a.agent {
            Some(id) => Some(agent_of(state, company, id).await?),
            None => None,
        };
        let from = sender(state, company).await?;
        messages(state, &a, &from, agent.as_ref(), Notice::Changed)?
    } else {
        Vec::new()
    };
    state.store.update_appointment(&a, &out).await?;
    tracing::info!(appointment = %a.id, moved, "appointment changed");
    Ok(a)
}

/// Longest cancellation reason.
pub const REASON_MAX: usize = 500;

/// Cancel: the links die, anyone in the room is told, the claimant and agent hear. Cancelling
/// again answers the same; a completed appointment cannot be cancelled.
pub async fn cancel(
    state: &AppState,
    company: &str,
    id: &str,
    reason: Option<String>,
) -> Result<AppointmentRow, Refused> {
    let before = get(state, company, id).await?;
    match before.status {
        Status::Cancelled => return Ok(before),
        Status::Completed => {
            return Err(Refused::Other(AppError::new(
                ErrorCode::Conflict,
                "The appointment is completed and cannot be cancelled.",
            )))
        }
        _ => {}
    }
    let mut a = before;
    let now = stored_now();
    a.status = Status::Cancelled;
    a.cancelled_at = Some(now);
    a.cancellation_reason = reason;
    a.updated_at = now;
    let agent = match &a.agent {
        Some(id) => agent_of(state, company, id).await.ok(),
        None => None,
    };
    let from = sender(state, company).await?;
    let out = messages(state, &a, &from, agent.as_ref(), Notice::Cancelled)?;
    state.store.update_appointment(&a, &out).await?;
    rooms::delete(state, company, &a.room_id).await?;
    tracing::info!(appointment = %a.id, "appointment cancelled");
    Ok(a)
}

/// Now, at the store's precision (milliseconds), so an answer equals what a later read shows.
fn stored_now() -> DateTime<Utc> {
    crate::server::store::from_ms(crate::server::store::to_ms(Utc::now()))
}

/// A fresh random uuid (version 4 layout), as the seed's ids look.
fn new_uuid() -> String {
    let mut b = crate::server::tokens::random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    crate::server::tokens::uuid_text(&b)
}

/// What a pre-call link shows; none for a link that is not one (or of a cancelled
/// appointment, or a company that no longer serves).
pub async fn pre_call(state: &AppState, token: &str) -> Result<PreCall, AppError> {
    let missing = || AppError::new(ErrorCode::NotFound, "this link is not valid");
    let (id, attendee) = state
        .signer
        .verify_appointment_token(token)
        .ok_or_else(missing)?;
    let a = state
        .store
        .appointment_by_id(&id)
        .await?
        .ok_or_else(missing)?;
    if a.status == Status::Cancelled {
        return Err(AppError::new(
            ErrorCode::Expired,
            "this appointment was cancelled",
        ));
    }
    if attendee == Attendee::Interpreter && !a.interpreter_needed {
        return Err(missing());
    }
    let agent = match &a.agent {
        Some(id) => state
            .store
            .user_api(&Scope::Company(a.company.clone()), id)
            .await?
            .map(|u| format!("{} {}", u.first_name, u.last_name)),
        None => None,
    };
    let now = Utc::now();
    let opens_at = a.appointment_at - Duration::minutes(OPENS_BEFORE_MINUTES);
    let open = now >= opens_at && now < a.room_ends_at;
    Ok(PreCall {
        reference: a.reference.clone(),
        attendee,
        name: match attendee {
            Attendee::Claimant => a.claimant_name.clone(),
            Attendee::Interpreter => format!(
                "Interpreter ({})",
                a.interpreter_language.clone().unwrap_or_default()
            ),
        },
        company: company_name(state, &a.company).await?,
        locale: a.locale.clone(),
        agent,
        starts_at: a.appointment_at,
        duration_minutes: a.duration_minutes,
        time_zone: a.time_zone.clone(),
        interpreter_language: a.interpreter_language.clone(),
        features: a.features.clone(),
        status: a.status,
        opens_at,
        room: open.then(|| a.room_name.trim_start_matches('/').to_string()),
    })
}

/// The claimant's page reports what its browser did with background blur.
pub async fn report_blur(state: &AppState, token: &str, applied: bool) -> Result<(), AppError> {
    let (id, attendee) = state
        .signer
        .verify_appointment_token(token)
        .ok_or_else(|| AppError::new(ErrorCode::NotFound, "this link is not valid"))?;
    if attendee == Attendee::Claimant {
        state.store.set_appointment_blur(&id, applied).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_stay_open_to_the_end_of_the_day() {
        let at = DateTime::parse_from_rfc3339("2030-08-19T16:50:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(room_end(at, 30).to_rfc3339(), "2030-08-19T23:59:59+00:00");
        let late = DateTime::parse_from_rfc3339("2030-08-19T23:45:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(room_end(late, 30).to_rfc3339(), "2030-08-20T23:59:59+00:00");
    }

    #[test]
    fn uuids_have_the_version_four_shape() {
        let id = new_uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(new_uuid(), id);
    }
}
