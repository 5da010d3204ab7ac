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
    windows: Mutex<HashMap<String, (i64, u32)>>,
}

impl Quotas {
    /// Count a call of `key` at `now` against `quota`.
    pub fn count(&self, key: &str, quota: Quota, now: DateTime<Utc>) -> Standing {
        let length = (quota.interval.max(1) as i64) * quota.unit.seconds();
        let start = now.timestamp().div_euclid(length) * length;
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        // Forget windows that are over, now and then, so the map stays small.
        if windows.len() > 10_000 {
            windows.retain(|_, (s, _)| *s + 86_400 * 7 > now.timestamp());
        }
        let entry = windows.entry(key.to_string()).or_insert((start, 0));
        if entry.0 != start {
            *entry = (start, 0);
        }
        let allowed = entry.1 < quota.limit;
        if allowed {
            entry.1 += 1;
        }
        Standing {
            quota,
            used: entry.1,
            reset: Utc.timestamp_opt(start + length, 0).single().unwrap_or(now),
            allowed,
        }
    }
}

impl Quotas {
    /// Give back a call counted at `now` (it turned out not to count: a booking that was
    /// refused after all).
    pub fn refund(&self, key: &str, quota: Quota, now: DateTime<Utc>) {
        let length = (quota.interval.max(1) as i64) * quota.unit.seconds();
        let start = now.timestamp().div_euclid(length) * length;
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = windows.get_mut(key) {
            if entry.0 == start {
                entry.1 = entry.1.saturating_sub(1);
            }
        }
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
}
