//! Bookable slots: generated from a site's opening hours in the site's own time zone, so that
//! "09:00" stays 09:00 local across daylight-saving changes, then handed out as UTC instants.

use super::store::OpeningHours;
use crate::model::booking::Slot;
use crate::model::UserId;
use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::BTreeMap;

/// Every slot the opening hours offer from the local day of `from` for `days` days, starting
/// strictly after `from`.
///
/// Local times that do not exist (the hour skipped when clocks go forward) offer no slot; local
/// times that occur twice (when clocks go back) offer the first occurrence only.
pub fn candidate_slots(
    hours: &OpeningHours,
    tz: Tz,
    slot_minutes: u32,
    from: DateTime<Utc>,
    days: u32,
) -> Vec<Slot> {
    candidate_slots_with(hours, &SpecialHours::new(), tz, slot_minutes, from, days)
}

/// Opening hours of particular local dates, replacing their weekday's (no ranges: closed).
pub type SpecialHours = BTreeMap<NaiveDate, Vec<(u16, u16)>>;

/// Like [`candidate_slots`], with the hours of `special` dates instead of their weekday's.
pub fn candidate_slots_with(
    hours: &OpeningHours,
    special: &SpecialHours,
    tz: Tz,
    slot_minutes: u32,
    from: DateTime<Utc>,
    days: u32,
) -> Vec<Slot> {
    let step = Duration::minutes(slot_minutes.max(1) as i64);
    let first_day = from.with_timezone(&tz).date_naive();
    let mut out = Vec::new();
    for offset in 0..days as i64 {
        let Some(day) = first_day.checked_add_signed(Duration::days(offset)) else {
            break;
        };
        let weekday = day.weekday().num_days_from_monday() as usize;
        let ranges = special.get(&day).unwrap_or(&hours.0[weekday]);
        for &(open, close) in ranges {
            let mut minute = open as i64;
            while minute + slot_minutes as i64 <= close as i64 {
                if let Some(start) = local_instant(tz, day, minute) {
                    if start > from {
                        out.push(Slot {
                            starts_at: start,
                            ends_at: start + step,
                        });
                    }
                }
                minute += slot_minutes as i64;
            }
        }
    }
    out.sort_by_key(|s| s.starts_at);
    out.dedup_by_key(|s| s.starts_at);
    out
}

/// The UTC instant of `minute` minutes after local midnight of `day`.
fn local_instant(tz: Tz, day: NaiveDate, minute: i64) -> Option<DateTime<Utc>> {
    let naive = day.and_hms_opt(0, 0, 0)? + Duration::minutes(minute);
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
        LocalResult::None => None,
    }
}

/// The slots a site offers at `now`: its opening hours in its zone, no sooner than its
/// minimum notice, within its horizon, never on a closed date (a local date of the site).
pub fn offered_slots(hours: &OpeningHours, tz: Tz, rules: &Rules, now: DateTime<Utc>) -> Vec<Slot> {
    let earliest = now + Duration::minutes(rules.min_notice_minutes as i64);
    // The horizon counts from today, whatever the notice.
    let days_to_earliest = (earliest.with_timezone(&tz).date_naive()
        - now.with_timezone(&tz).date_naive())
    .num_days()
    .max(0) as u32;
    candidate_slots_with(
        hours,
        &rules.special_hours,
        tz,
        rules.slot_minutes,
        earliest,
        rules.horizon_days.saturating_sub(days_to_earliest),
    )
    .into_iter()
    .filter(|s| {
        !rules
            .closed_dates
            .contains(&s.starts_at.with_timezone(&tz).date_naive())
    })
    .collect()
}

/// A site's booking rules besides its opening hours.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rules {
    /// Appointment length.
    pub slot_minutes: u32,
    /// Free time an agent keeps before and after each meeting.
    pub buffer_minutes: u32,
    /// How long before its start a slot can still be booked.
    pub min_notice_minutes: u32,
    /// How many days ahead (today included) can be booked.
    pub horizon_days: u32,
    /// Local dates with no appointments (holidays, exceptions).
    pub closed_dates: Vec<NaiveDate>,
    /// Local dates with hours of their own (a late evening, a short Christmas Eve).
    pub special_hours: SpecialHours,
}

/// Keep the slots at least one of `agents` is free for, given their busy intervals, each
/// widened by `buffer` on both sides.
pub fn free_slots(
    slots: Vec<Slot>,
    agents: &[UserId],
    busy: &[(UserId, DateTime<Utc>, DateTime<Utc>)],
    buffer: Duration,
) -> Vec<Slot> {
    slots
        .into_iter()
        .filter(|slot| {
            agents.iter().any(|agent| {
                !busy.iter().any(|(who, start, end)| {
                    who == agent && *start - buffer < slot.ends_at && *end + buffer > slot.starts_at
                })
            })
        })
        .collect()
}

/// Parse an IANA zone name.
pub fn parse_zone(name: &str) -> Option<Tz> {
    name.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn amsterdam() -> Tz {
        parse_zone("Europe/Amsterdam").unwrap()
    }

    #[test]
    fn slots_follow_local_hours_in_winter_and_summer() {
        // Mondays 09:00–10:00 local, 30-minute slots.
        let hours = OpeningHours::weekly(&[0], 540, 600);
        // Monday 2026-01-12 (CET, UTC+1) and Monday 2026-07-13 (CEST, UTC+2).
        let winter = candidate_slots(&hours, amsterdam(), 30, utc("2026-01-12T00:00:00Z"), 1);
        assert_eq!(
            winter.iter().map(|s| s.starts_at).collect::<Vec<_>>(),
            [utc("2026-01-12T08:00:00Z"), utc("2026-01-12T08:30:00Z")]
        );
        let summer = candidate_slots(&hours, amsterdam(), 30, utc("2026-07-13T00:00:00Z"), 1);
        assert_eq!(summer[0].starts_at, utc("2026-07-13T07:00:00Z"));
        assert_eq!(summer[0].ends_at, utc("2026-07-13T07:30:00Z"));
    }

    #[test]
    fn the_missing_hour_offers_no_slot() {
        // Sunday 2026-03-29: clocks jump from 02:00 to 03:00 in Amsterdam.
        let hours = OpeningHours::weekly(&[6], 60, 240); // 01:00–04:00 local
        let slots = candidate_slots(&hours, amsterdam(), 60, utc("2026-03-28T23:00:00Z"), 1);
        // 01:00 CET = 00:00Z; 02:00 does not exist; 03:00 CEST = 01:00Z.
        assert_eq!(
            slots.iter().map(|s| s.starts_at).collect::<Vec<_>>(),
            [utc("2026-03-29T00:00:00Z"), utc("2026-03-29T01:00:00Z")]
        );
    }

    #[test]
    fn the_repeated_hour_is_offered_once() {
        // Sunday 2026-10-25: clocks fall back from 03:00 to 02:00 in Amsterdam.
        let hours = OpeningHours::weekly(&[6], 120, 180); // 02:00–03:00 local
        let slots = candidate_slots(&hours, amsterdam(), 30, utc("2026-10-24T22:00:00Z"), 1);
        // The first 02:00 is CEST (00:00Z); the repeat (01:00Z) is not offered.
        assert_eq!(
            slots.iter().map(|s| s.starts_at).collect::<Vec<_>>(),
            [utc("2026-10-25T00:00:00Z"), utc("2026-10-25T00:30:00Z")]
        );
    }

    #[test]
    fn only_future_slots_and_closed_days_skipped() {
        let hours = OpeningHours::weekly(&[0, 1, 2, 3, 4], 540, 1020); // weekdays 9–17
                                                                       // Saturday 2026-01-10 12:00 local: the first slot is Monday 09:00 local.
        let slots = candidate_slots(&hours, amsterdam(), 60, utc("2026-01-10T11:00:00Z"), 3);
        assert_eq!(
            slots.first().unwrap().starts_at,
            utc("2026-01-12T08:00:00Z")
        );
        assert_eq!(slots.len(), 8);
        // Mid-day: only later slots.
        let slots = candidate_slots(&hours, amsterdam(), 60, utc("2026-01-12T10:30:00Z"), 1);
        assert_eq!(
            slots.first().unwrap().starts_at,
            utc("2026-01-12T11:00:00Z")
        );
    }

    #[test]
    fn round_the_clock_site_has_a_slot_within_one_slot_length() {
        let now = utc("2026-11-22T08:07:13Z");
        let slots = candidate_slots(&OpeningHours::always(), amsterdam(), 15, now, 2);
        assert_eq!(slots[0].starts_at, utc("2026-11-22T08:15:00Z"));
        assert!(slots.windows(2).all(|w| w[0].ends_at == w[1].starts_at));
    }

    #[test]
    fn busy_agents_block_only_their_overlapping_slots() {
        let a = UserId::parse("aaaaaaaaaaaaaaaaaaaaaaaa").unwrap();
        let b = UserId::parse("bbbbbbbbbbbbbbbbbbbbbbbb").unwrap();
        let hours = OpeningHours::weekly(&[0], 540, 660); // 09–11 local
        let slots = candidate_slots(&hours, amsterdam(), 60, utc("2026-01-12T00:00:00Z"), 1);
        let busy = vec![(
            a.clone(),
            utc("2026-01-12T08:30:00Z"),
            utc("2026-01-12T08:45:00Z"),
        )];
        // One agent, busy in the first hour: only the second slot is left.
        let free = free_slots(
            slots.clone(),
            std::slice::from_ref(&a),
            &busy,
            Duration::zero(),
        );
        assert_eq!(free.len(), 1);
        assert_eq!(free[0].starts_at, utc("2026-01-12T09:00:00Z"));
        // A second agent keeps both slots bookable.
        assert_eq!(free_slots(slots, &[a, b], &busy, Duration::zero()).len(), 2);
    }

    #[test]
    fn a_buffer_keeps_the_neighbouring_slots_free() {
        let a = UserId::parse("aaaaaaaaaaaaaaaaaaaaaaaa").unwrap();
        let hours = OpeningHours::weekly(&[0], 540, 720); // 09–12 local, 30-minute slots
        let slots = candidate_slots(&hours, amsterdam(), 30, utc("2026-01-12T00:00:00Z"), 1);
        // Busy 10:00–10:30 local.
        let busy = vec![(
            a.clone(),
            utc("2026-01-12T09:00:00Z"),
            utc("2026-01-12T09:30:00Z"),
        )];
        let starts = |buffer: i64| -> Vec<DateTime<Utc>> {
            free_slots(
                slots.clone(),
                std::slice::from_ref(&a),
                &busy,
                Duration::minutes(buffer),
            )
            .iter()
            .map(|s| s.starts_at)
            .collect()
        };
        assert_eq!(starts(0).len(), 5);
        // 15 minutes either side takes 09:30 and 10:30 too.
        assert_eq!(
            starts(15),
            [
                utc("2026-01-12T08:00:00Z"),
                utc("2026-01-12T10:00:00Z"),
                utc("2026-01-12T10:30:00Z")
            ]
        );
    }

    #[test]
    fn notice_horizon_and_closed_dates_narrow_the_offer() {
        let hours = OpeningHours::weekly(&[0, 1, 2, 3, 4], 540, 1020); // weekdays 9–17 local
        let now = utc("2026-01-12T07:30:00Z"); // Monday 08:30 local
        let rules = |notice: u32, horizon: u32, closed: Vec<NaiveDate>| Rules {
            slot_minutes: 60,
            buffer_minutes: 0,
            min_notice_minutes: notice,
            horizon_days: horizon,
            closed_dates: closed,
            special_hours: SpecialHours::new(),
        };
        let all = offered_slots(&hours, amsterdam(), &rules(0, 1, vec![]), now);
        assert_eq!(all.len(), 8, "Monday 9–17");
        // Two hours' notice: 10:30 local is the earliest start, so 11:00 is the first slot.
        let noticed = offered_slots(&hours, amsterdam(), &rules(120, 1, vec![]), now);
        assert_eq!(noticed[0].starts_at, utc("2026-01-12T10:00:00Z"));
        assert_eq!(noticed.len(), 6);
        // A closed Tuesday: Monday's and Wednesday's slots only.
        let tuesday = NaiveDate::from_ymd_opt(2026, 1, 13).unwrap();
        let closed = offered_slots(&hours, amsterdam(), &rules(0, 3, vec![tuesday]), now);
        assert_eq!(closed.len(), 16);
        assert!(closed
            .iter()
            .all(|s| s.starts_at.with_timezone(&amsterdam()).date_naive() != tuesday));
        // A notice reaching into tomorrow still ends at the horizon counted from today.
        let far = offered_slots(&hours, amsterdam(), &rules(24 * 60, 2, vec![]), now);
        assert!(far
            .iter()
            .all(|s| s.starts_at < utc("2026-01-14T00:00:00Z")));
        assert_eq!(far.len(), 8, "Tuesday 9–17 local only");
    }

    #[test]
    fn special_dates_replace_their_weekday_hours() {
        let hours = OpeningHours::weekly(&[0, 1, 2, 3, 4], 540, 1020); // weekdays 9–17 local
        let now = utc("2026-01-12T07:30:00Z"); // Monday 08:30 local
        let tuesday = NaiveDate::from_ymd_opt(2026, 1, 13).unwrap();
        let saturday = NaiveDate::from_ymd_opt(2026, 1, 17).unwrap();
        let mut special = SpecialHours::new();
        special.insert(tuesday, vec![(1080, 1200)]); // an evening: 18–20 only
        special.insert(saturday, vec![(600, 720)]); // a Saturday morning: 10–12
        let rules = Rules {
            slot_minutes: 60,
            horizon_days: 7,
            special_hours: special,
            ..Rules::default()
        };
        let slots = offered_slots(&hours, amsterdam(), &rules, now);
        let on = |d: NaiveDate| -> Vec<String> {
            slots
                .iter()
                .map(|s| s.starts_at.with_timezone(&amsterdam()))
                .filter(|t| t.date_naive() == d)
                .map(|t| t.format("%H:%M").to_string())
                .collect()
        };
        assert_eq!(on(tuesday), ["18:00", "19:00"]);
        assert_eq!(on(saturday), ["10:00", "11:00"]);
        assert_eq!(on(NaiveDate::from_ymd_opt(2026, 1, 14).unwrap()).len(), 8);
        // No ranges: closed that day.
        let mut closed = rules.clone();
        closed.special_hours.insert(tuesday, vec![]);
        assert!(offered_slots(&hours, amsterdam(), &closed, now)
            .iter()
            .all(|s| s.starts_at.with_timezone(&amsterdam()).date_naive() != tuesday));
    }

    #[test]
    fn unknown_zones_are_refused() {
        assert!(parse_zone("Europe/Amsterdam").is_some());
        assert!(parse_zone("Mars/Olympus").is_none());
    }
}
