//! Rooms: transient rooms of a company, made and kept by the rooms API (Whereby's shape) and
//! entered through their links. A room lives from creation to an hour after its end; then its
//! links are dead and the sweeper removes it.

use crate::model::api::rules::Image;
use crate::model::meeting::{MeetingBrief, Role};
use crate::model::room::{RoomRole, HUMAN_ALPHABET, HUMAN_LENGTH};
use crate::model::{AppError, ErrorCode};
use crate::server::signaling::hub::RoomSpec;
use crate::server::store::{AppointmentRow, RoomCursor, RoomImage, RoomRow};
use crate::server::tokens::{new_id, random_bytes};
use crate::server::AppState;
use chrono::{DateTime, Duration, Utc};

/// How long a room outlives its end.
pub const AFTER_END: Duration = Duration::hours(1);

/// The furthest end a room may be given: a year ahead.
pub const FURTHEST_END: Duration = Duration::days(366);

/// How far in the past an end may be and still count as "now".
pub const CLOCK_GRACE: Duration = Duration::minutes(5);

/// A room to make.
#[derive(Clone, Debug)]
pub struct NewRoom {
    /// The company (organisation) it belongs to.
    pub company: String,
    /// Only hosts let others in.
    pub is_locked: bool,
    /// `viewerMode`, or none.
    pub template: Option<&'static str>,
    /// The recording options, JSON.
    pub recording: Option<String>,
    /// The checked name prefix (may be empty).
    pub prefix: String,
    /// Six distinguishable characters instead of a 128-bit uuid shape.
    pub human_short: bool,
    /// When the meeting ends.
    pub ends_at: DateTime<Utc>,
}

/// The links of a room: one per role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Links {
    /// The guests' (`roomUrl`).
    pub guest: String,
    /// The host's (`hostRoomUrl`).
    pub host: String,
    /// The viewers' (`viewerRoomUrl`).
    pub viewer: String,
}

/// A random part of a room name.
fn draw(human_short: bool) -> String {
    if human_short {
        // Rejection sampling keeps every character equally likely.
        let mut out = String::with_capacity(HUMAN_LENGTH);
        while out.len() < HUMAN_LENGTH {
            for b in random_bytes::<16>() {
                let limit = 256 - 256 % HUMAN_ALPHABET.len();
                if (b as usize) < limit && out.len() < HUMAN_LENGTH {
                    out.push(HUMAN_ALPHABET[b as usize % HUMAN_ALPHABET.len()] as char);
                }
            }
        }
        out
    } else {
        // The uuid shape with all 128 bits random: the name is the guests' link.
        crate::server::tokens::uuid_text(&random_bytes::<16>())
    }
}

/// Make a room; its name drawn until free (a short one may be taken).
pub async fn create(state: &AppState, new: NewRoom) -> Result<RoomRow, AppError> {
    let now = Utc::now();
    // A few minutes of grace: an integrator's clock is not ours, and "now" is past by the
    // time it arrives.
    if new.ends_at < now - CLOCK_GRACE {
        return Err(AppError::invalid(
            "endDate",
            "must be the same as or after the current date",
        ));
    }
    if new.ends_at > now + FURTHEST_END {
        return Err(AppError::invalid("endDate", "must be within a year"));
    }
    // Millisecond precision, as stored, so the answer equals what a later read shows.
    let now = crate::server::store::from_ms(crate::server::store::to_ms(now));
    let ends_at = crate::server::store::from_ms(crate::server::store::to_ms(new.ends_at));
    for _ in 0..20 {
        let random = draw(new.human_short);
        let name = if new.prefix.is_empty() {
            format!("/{random}")
        } else {
            format!("/{}-{random}", new.prefix)
        };
        let room = RoomRow {
            id: new_id(),
            company: new.company.clone(),
            name,
            is_locked: new.is_locked,
            mode: "normal".into(),
            template: new.template.map(String::from),
            recording: new.recording.clone(),
            starts_at: now,
            ends_at,
            closes_at: ends_at + AFTER_END,
            created_at: now,
            theme: None,
        };
        if state.store.create_room(&room).await? {
            tracing::info!(room = %room.id, "room created");
            return Ok(room);
        }
    }
    Err(AppError::new(
        ErrorCode::Conflict,
        "no free room name with this prefix; try another prefix or the uuid pattern",
    ))
}

/// The links of a room.
pub fn links(state: &AppState, room: &RoomRow) -> Links {
    let guest = format!(
        "{}/rooms/{}",
        state.public_url,
        room.name.trim_start_matches('/')
    );
    let with_key = |role| format!("{guest}?roomKey={}", state.signer.room_key(&room.id, role));
    Links {
        host: with_key(RoomRole::Host),
        viewer: with_key(RoomRole::Viewer),
        guest,
    }
}

/// The text of a cursor: the creation time (12 hex digits) and id of the last room shown.
pub fn cursor_text(room: &RoomRow) -> String {
    format!(
        "{:012x}{}",
        crate::server::store::to_ms(room.created_at),
        room.id
    )
}

/// A cursor from its text.
pub fn parse_cursor(text: &str) -> Result<RoomCursor, AppError> {
    let bad = || AppError::invalid("cursor", "is not a cursor this API gave");
    if text.len() != 36 || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(bad());
    }
    let created_ms = i64::from_str_radix(&text[..12], 16).map_err(|_| bad())?;
    Ok(RoomCursor {
        created_ms,
        id: text[12..].to_string(),
    })
}

/// A page of a company's live rooms after `cursor`, and the next page's cursor (none on the
/// last page).
pub async fn page(
    state: &AppState,
    company: &str,
    cursor: Option<&RoomCursor>,
    limit: u32,
) -> Result<(Vec<RoomRow>, Option<String>), AppError> {
    // One more than asked says whether another page follows.
    let mut rooms = state.store.rooms_after(company, cursor, limit + 1).await?;
    let more = rooms.len() > limit as usize;
    rooms.truncate(limit as usize);
    let next = more.then(|| rooms.last().map(cursor_text)).flatten();
    Ok((rooms, next))
}

/// Delete a room: its links die at once, and anyone in it is told the room has ended.
/// `None` when the company has no such room (one deleted before answers the same as now).
pub async fn delete(state: &AppState, company: &str, id: &str) -> Result<Option<()>, AppError> {
    let gone = state.store.delete_room(company, id).await?;
    if gone.is_some() {
        if let Ok(meeting) = crate::model::MeetingId::parse(id) {
            crate::server::signaling::end_meeting(
                state,
                &meeting,
                AppError::new(ErrorCode::Expired, "this room was closed"),
            );
        }
        tracing::info!(room = %id, "room deleted");
    }
    Ok(gone)
}

/// What a room's page shows before entering: the room, the role its link gives, and the
/// room's look (its colours and images; a room belongs to no site, so nothing lies under them
/// but Consult's defaults and the element's attributes over them).
pub async fn details(
    state: &AppState,
    given: &str,
    key: Option<&str>,
) -> Result<crate::model::meeting::JoinInfo, AppError> {
    let (room, spec, role, appointment) = opened(state, given, key).await?;
    let locked = spec.locked;
    // An appointment's pages go where its integrator said once the call ends.
    let after_call = appointment
        .as_ref()
        .filter(|a| a.redirect_custom)
        .and_then(|a| match role {
            Role::Host => a.redirect_agent_url.clone(),
            Role::Guest => a.redirect_user_url.clone(),
            Role::Viewer => None,
        });
    let colours: Colours = room
        .theme
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default();
    let kinds = state.store.room_image_kinds(&room.id).await?;
    let image = |kind: RoomImage| {
        kinds
            .contains(&kind)
            .then(|| format!("/media/rooms/{}/{}", room.id, kind.as_str()))
    };
    let background = image(RoomImage::Knock).or_else(|| image(RoomImage::Background));
    Ok(crate::model::meeting::JoinInfo {
        meeting: spec.brief,
        name: String::new(),
        role,
        theme: crate::model::booking::Theme {
            primary_color: colours.primary,
            secondary_color: colours.secondary,
            focus_color: colours.focus,
            text_color: None,
            font: None,
            logo: image(RoomImage::Logo),
            background,
        },
        locked,
        features: spec.features.clone(),
        after_call,
    })
}

/// Seats in a room of the rooms API (`normal` mode: up to four people; viewers take none).
pub const ROOM_SEATS: usize = 4;

/// What a room's link opens: the room as the hub makes it, and the role its key gives. A
/// room that is not there (never was, deleted, closed, its company suspended) is a 404; a key
/// that is not this room's is a 403.
pub async fn entry(
    state: &AppState,
    given: &str,
    key: Option<&str>,
) -> Result<(RoomSpec, Role), AppError> {
    let (_, spec, role, _) = opened(state, given, key).await?;
    Ok((spec, role))
}

/// The room a resume token names (by its meeting id), if it is still open: what the hub
/// needs to seat its people again after a new node took the hub over.
pub async fn resumed(state: &AppState, id: &str) -> Result<Option<RoomSpec>, AppError> {
    let Some(room) = state.store.live_room(id).await? else {
        return Ok(None);
    };
    let (_, spec, _) = spec_of(state, room).await?;
    Ok(Some(spec))
}

/// [`entry`], with the room as stored and the appointment it holds, if any.
async fn opened(
    state: &AppState,
    given: &str,
    key: Option<&str>,
) -> Result<(RoomRow, RoomSpec, Role, Option<AppointmentRow>), AppError> {
    let missing = || AppError::not_found("room");
    let name = crate::model::room::room_name(given).ok_or_else(missing)?;
    let room = state
        .store
        .room_named(None, &name)
        .await?
        .ok_or_else(missing)?;
    let role = state
        .signer
        .room_role(&room.id, key)
        .ok_or_else(|| AppError::new(ErrorCode::Forbidden, "this link's key is not valid"))?;
    let role = match role {
        RoomRole::Host => Role::Host,
        RoomRole::Guest => Role::Guest,
        RoomRole::Viewer => Role::Viewer,
    };
    let (room, spec, appointment) = spec_of(state, room).await?;
    Ok((room, spec, role, appointment))
}

/// What the hub makes of a stored room.
async fn spec_of(
    state: &AppState,
    room: RoomRow,
) -> Result<(RoomRow, RoomSpec, Option<AppointmentRow>), AppError> {
    let missing = || AppError::not_found("room");
    let id = crate::model::MeetingId::parse(&room.id).map_err(|_| missing())?;
    let appointment = state.store.appointment_in_room(&room.id).await?;
    // An appointment's room is named by its case reference, hosted by its agent (once
    // known), and stays locked: its claimant always waits to be admitted.
    let host_name = match appointment.as_ref().and_then(|a| a.agent.clone()) {
        Some(agent) => state
            .store
            .user_api(
                &crate::server::store::Scope::Company(room.company.clone()),
                &agent,
            )
            .await?
            .map(|u| format!("{} {}", u.first_name, u.last_name))
            .unwrap_or_default(),
        None => String::new(),
    };
    let spec = RoomSpec {
        features: appointment.as_ref().map(|a| a.features.clone()),
        appointment: appointment.as_ref().map(|a| a.id.clone()),
        brief: MeetingBrief {
            id,
            subject: match &appointment {
                Some(a) => a.reference.clone(),
                None => room.name.trim_start_matches('/').to_string(),
            },
            site_name: String::new(),
            host_name,
            starts_at: room.starts_at,
            ends_at: room.ends_at,
            opens_at: room.starts_at,
            closes_at: room.closes_at,
            time_zone: "UTC".into(),
        },
        agent: None,
        capacity: ROOM_SEATS,
        preview: false,
        locked: if appointment.is_some() {
            None
        } else {
            Some(room.is_locked)
        },
        record: Some(crate::server::signaling::insights::RoomRecord {
            room: room.id.clone(),
            company: room.company.clone(),
            name: room.name.clone(),
            created_at: room.created_at,
            ends_at: room.ends_at,
        }),
        // An appointment's call may be recorded when its switch says so (it may change until
        // the call): uploaded, started by the agent. Other rooms: as created.
        recording: match &appointment {
            Some(a) => a
                .features
                .recording
                .then(|| crate::server::signaling::RecordPolicy {
                    offer: crate::model::signal::RecordingOffer {
                        mode: crate::model::signal::RecordingMode::Cloud,
                        trigger: crate::model::signal::RecordingTrigger::Manual,
                    },
                    company: room.company.clone(),
                    room_id: room.id.clone(),
                    room_name: room.name.clone(),
                }),
            None => record_policy(&room),
        },
    };
    Ok((room, spec, appointment))
}

/// How a room may be recorded, from its stored options (`{"type": "local"|"cloud"|"none",
/// "startTrigger": …}`, as the rooms API took them); none where it may not.
pub fn record_policy(room: &RoomRow) -> Option<crate::server::signaling::RecordPolicy> {
    use crate::model::signal::{RecordingMode, RecordingOffer, RecordingTrigger};
    #[derive(serde::Deserialize)]
    struct Stored {
        #[serde(rename = "type")]
        kind: String,
        #[serde(rename = "startTrigger", default)]
        start_trigger: Option<RecordingTrigger>,
    }
    let stored: Stored = serde_json::from_str(room.recording.as_deref()?).ok()?;
    let mode = match stored.kind.as_str() {
        "local" => RecordingMode::Local,
        "cloud" => RecordingMode::Cloud,
        _ => return None,
    };
    Some(crate::server::signaling::RecordPolicy {
        offer: RecordingOffer {
            mode,
            trigger: stored.start_trigger.unwrap_or(RecordingTrigger::Manual),
        },
        company: room.company.clone(),
        room_id: room.id.clone(),
        room_name: room.name.clone(),
    })
}

/// A room's custom colours, `#rrggbb` each.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Colours {
    /// Buttons and highlights.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<String>,
    /// Secondary elements.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secondary: Option<String>,
    /// The focus ring.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus: Option<String>,
}

/// Is this `#rrggbb`?
pub fn is_hex_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Set a room's colours (`Some`) or put the organisation's back. `None`: no such room.
pub async fn set_colours(
    state: &AppState,
    company: &str,
    room: &str,
    colours: Option<Colours>,
) -> Result<Option<()>, AppError> {
    let theme = match colours {
        Some(c) => Some(serde_json::to_string(&c).map_err(|_| AppError::internal())?),
        None => None,
    };
    state
        .store
        .set_room_theme(company, room, theme.as_deref())
        .await
}

/// Largest room image, as the seed says of backgrounds (600 kB).
pub const ROOM_IMAGE_MAX: usize = 600 * 1000;

/// Set a room's image (`Some`) or put the organisation's back. `None`: no such room.
pub async fn set_image(
    state: &AppState,
    company: &str,
    room: &str,
    kind: RoomImage,
    image: Option<&Image>,
) -> Result<Option<()>, AppError> {
    state.store.set_room_image(company, room, kind, image).await
}

/// Remove the rooms closed by `now` (the sweeper calls this). How many went.
pub async fn sweep(state: &AppState, now: DateTime<Utc>) -> Result<u64, AppError> {
    let gone = state.store.sweep_rooms(now).await?;
    if gone > 0 {
        tracing::info!(rooms = gone, "closed rooms removed");
    }
    Ok(gone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_drawn_in_their_shape() {
        let uuid = draw(false);
        let parts: Vec<_> = uuid.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12]);
        assert_ne!(draw(false), uuid);
        let short = draw(true);
        assert_eq!(short.len(), HUMAN_LENGTH);
        assert!(short.bytes().all(|b| HUMAN_ALPHABET.contains(&b)));
    }

    #[test]
    fn cursors_round_trip_and_refuse_others() {
        let room = RoomRow {
            id: "0123456789abcdef01234567".into(),
            company: "c".into(),
            name: "/a".into(),
            is_locked: false,
            mode: "normal".into(),
            template: None,
            recording: None,
            starts_at: Utc::now(),
            ends_at: Utc::now(),
            closes_at: Utc::now(),
            created_at: crate::server::store::from_ms(1_700_000_000_123),
            theme: None,
        };
        let c = parse_cursor(&cursor_text(&room)).unwrap();
        assert_eq!(c.created_ms, 1_700_000_000_123);
        assert_eq!(c.id, room.id);
        for bad in ["", "xyz", &"g".repeat(36), &"a".repeat(35), &"A".repeat(36)] {
            assert_eq!(
                parse_cursor(bad).unwrap_err().field.as_deref(),
                Some("cursor")
            );
        }
    }

    #[test]
    fn colours_are_six_hex_digits() {
        assert!(is_hex_colour("#1a2B3c"));
        for bad in ["1a2b3c", "#1a2b3", "#1a2b3cd", "#1a2b3g", "red", "#fff"] {
            assert!(!is_hex_colour(bad), "{bad}");
        }
    }
}
