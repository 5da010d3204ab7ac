//! Bookable slots: generated from a site's opening hours in the site's own time zone, so that
//! "09:00" stays 09:00 local across daylight-saving changes, then handed out as UTC instants.

use super::store::OpeningHours;
use crate::model::booking::Slot;
use crate::model::UserId;
use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

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
    let step = Duration::minutes(slot_minutes.max(1) as i64);
    let first_day = from.with_timezone(&tz).date_naive();
    let mut out = Vec::new();
    for offset in 0..days as i64 {
        let Some(day) = first_day.checked_add_signed(Duration::days(offset)) else {
            break;
        };
        let weekday = day.weekday().num_days_from_monday() as usize;
        for &(open, close) in &hours.0[weekday] {
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

/// Keep the slots at least one of `agents` is free for, given their busy intervals.
pub fn free_slots(
    slots: Vec<Slot>,
    agents: &[UserId],
    busy: &[(UserId, DateTime<Utc>, DateTime<Utc>)],
) -> Vec<Slot> {
    slots
        .into_iter()
        .filter(|slot| {
            agents.iter().any(|agent| {
                !busy.iter().any(|(who, start, end)| {
                    who == agent && *start < slot.ends_at && *end > slot.starts_at
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
        let free = free_slots(slots.clone(), std::slice::from_ref(&a), &busy);
        assert_eq!(free.len(), 1);
        assert_eq!(free[0].starts_at, utc("2026-01-12T09:00:00Z"));
        // A second agent keeps both slots bookable.
        assert_eq!(free_slots(slots, &[a, b], &busy).len(), 2);
    }

    #[test]
    fn unknown_zones_are_refused() {
        assert!(parse_zone("Europe/Amsterdam").is_some());
        assert!(parse_zone("Mars/Olympus").is_none());
    }
}
