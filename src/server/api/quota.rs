//! Per-client call quotas: fixed windows aligned to the clock (`quota-reset-UTC` is when the
//! current window ends). Counted in memory: one server process per store; on several nodes each
//! counts its own share.

use crate::server::store::Quota;
use chrono::{DateTime, TimeZone, Utc};
use std::collections::HashMap;
use std::sync::Mutex;

/// Where a caller stands in its current window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing {
    /// The quota.
    pub quota: Quota,
    /// Calls made in this window, this one included.
    pub used: u32,
    /// When the window ends.
    pub reset: DateTime<Utc>,
    /// Was this call within the quota?
    pub allowed: bool,
}

/// Counters of every caller.
#[derive(Debug, Default)]
pub struct Quotas {
    inner: Mutex<Windows>,
}

/// The windows still counting, and when to next forget the ended ones.
#[derive(Debug, Default)]
struct Windows {
    /// Key -> (window start, window end, calls), in seconds.
    by_key: HashMap<String, (i64, i64, u32)>,
    /// Sweep once the map holds this many (doubling with what stays, so a map of many live
    /// callers is not scanned on every call).
    sweep_at: usize,
}

/// The map is never swept below this size.
const SWEEP_MIN: usize = 10_000;

/// The window of `quota` that `now` falls in: (start, end), in seconds.
fn window(quota: Quota, now: DateTime<Utc>) -> (i64, i64) {
    let length = (quota.interval.max(1) as i64) * quota.unit.seconds();
    let start = now.timestamp().div_euclid(length) * length;
    (start, start + length)
}

impl Quotas {
    /// Count a call of `key` at `now` against `quota`.
    pub fn count(&self, key: &str, quota: Quota, now: DateTime<Utc>) -> Standing {
        self.spend(key, quota, 1, now)
    }

    /// Spend `cost` of `key`'s `quota` at `now` (the rooms API's points: a write costs more
    /// than a read). Refused, spending nothing, when it would pass the limit.
    pub fn spend(&self, key: &str, quota: Quota, cost: u32, now: DateTime<Utc>) -> Standing {
        let (start, end) = window(quota, now);
        let mut w = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        // Forget windows that have ended: what a caller spraying fresh keys leaves behind
        // lives no longer than its window.
        if w.by_key.len() >= w.sweep_at.max(SWEEP_MIN) {
            let t = now.timestamp();
            w.by_key.retain(|_, (_, e, _)| *e > t);
            w.sweep_at = (w.by_key.len() * 2).max(SWEEP_MIN);
        }
        let entry = w.by_key.entry(key.to_string()).or_insert((start, end, 0));
        if entry.0 != start {
            *entry = (start, end, 0);
        }
        let allowed = entry.2.saturating_add(cost) <= quota.limit;
        if allowed {
            entry.2 += cost;
        }
        Standing {
            quota,
            used: entry.2,
            reset: Utc.timestamp_opt(end, 0).single().unwrap_or(now),
            allowed,
        }
    }

    /// Give back a call counted at `now` (it turned out not to count: a booking that was
    /// refused after all).
    pub fn refund(&self, key: &str, quota: Quota, now: DateTime<Utc>) {
        let (start, _) = window(quota, now);
        let mut w = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = w.by_key.get_mut(key) {
            if entry.0 == start {
                entry.2 = entry.2.saturating_sub(1);
            }
        }
    }

    /// How many callers are remembered.
    #[cfg(test)]
    fn remembered(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .by_key
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::store::QuotaUnit;

    #[test]
    fn counts_within_a_window_and_resets_after() {
        let q = Quota {
            limit: 2,
            interval: 1,
            unit: QuotaUnit::Minute,
        };
        let quotas = Quotas::default();
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 5).unwrap();
        let a = quotas.count("c", q, t);
        assert!(a.allowed && a.used == 1);
        assert_eq!(a.reset, Utc.with_ymd_and_hms(2026, 1, 1, 10, 1, 0).unwrap());
        assert!(quotas.count("c", q, t).allowed);
        let third = quotas.count("c", q, t);
        assert!(!third.allowed && third.used == 2);
        // Another caller has its own count.
        assert!(quotas.count("d", q, t).allowed);
        // A call given back counts no more.
        quotas.refund("c", q, t);
        assert!(quotas.count("c", q, t).allowed);
        assert!(!quotas.count("c", q, t).allowed);
        // The next window starts afresh.
        let later = quotas.count("c", q, t + chrono::Duration::seconds(60));
        assert!(later.allowed && later.used == 1);
    }

    #[test]
    fn points_are_spent_whole_or_not_at_all() {
        let q = Quota {
            limit: 10,
            interval: 1,
            unit: QuotaUnit::Minute,
        };
        let quotas = Quotas::default();
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 5).unwrap();
        for used in [3, 6, 9] {
            let s = quotas.spend("org", q, 3, t);
            assert!(s.allowed && s.used == used);
        }
        // A write (3) would pass 10: refused, and nothing spent; a read (1) still fits.
        let refused = quotas.spend("org", q, 3, t);
        assert!(!refused.allowed && refused.used == 9);
        assert!(quotas.spend("org", q, 1, t).allowed);
        assert!(!quotas.spend("org", q, 1, t).allowed);
    }

    #[test]
    fn callers_whose_window_ended_are_forgotten() {
        let q = Quota {
            limit: 5,
            interval: 10,
            unit: QuotaUnit::Minute,
        };
        let quotas = Quotas::default();
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 5).unwrap();
        // A spray of fresh keys (one per address of a large IPv6 block).
        for i in 0..SWEEP_MIN {
            quotas.count(&format!("spray-{i}"), q, t);
        }
        assert_eq!(quotas.remembered(), SWEEP_MIN);
        // Still in their window: all kept, and counting goes on as before.
        quotas.count("honest", q, t);
        assert_eq!(quotas.remembered(), SWEEP_MIN + 1);
        assert_eq!(quotas.count("spray-0", q, t).used, 2);
        // Once their window is over, the next sweep forgets them.
        let later = t + chrono::Duration::minutes(10);
        for i in 0..SWEEP_MIN {
            quotas.count(&format!("late-{i}"), q, later);
        }
        assert!(
            quotas.remembered() <= SWEEP_MIN + 1,
            "{}",
            quotas.remembered()
        );
        assert_eq!(quotas.count("honest", q, later).used, 1);
    }
}
