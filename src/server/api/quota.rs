//! Per-client call quotas: fixed windows aligned to the clock (`quota-reset-UTC` is when the
//! current window ends). Counted in memory when one process serves the database (SQLite), in
//! the database when several may (PostgreSQL), so that every node counts the same calls.

use crate::server::store::{Quota, Store};
use crate::server::tokens::Signer;
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
    /// Where the counts are shared, if they are: the database and the key that hashes what
    /// is counted there. While the database cannot be reached, each node counts in its own
    /// memory (logged): limits hold per node rather than not at all.
    shared: Option<(Store, Signer)>,
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
    /// Counters kept in the database `store`, shared with every node using it; keys are
    /// hashed with `signer`'s key.
    pub fn shared(store: Store, signer: Signer) -> Self {
        Quotas {
            shared: Some((store, signer)),
            ..Default::default()
        }
    }

    /// Count a call of `key` at `now` against `quota`.
    pub async fn count(&self, key: &str, quota: Quota, now: DateTime<Utc>) -> Standing {
        self.spend(key, quota, 1, now).await
    }

    /// Spend `cost` of `key`'s `quota` at `now` (the rooms API's points: a write costs more
    /// than a read). Refused, spending nothing, when it would pass the limit.
    pub async fn spend(&self, key: &str, quota: Quota, cost: u32, now: DateTime<Utc>) -> Standing {
        let (start, end) = window(quota, now);
        let reset = Utc.timestamp_opt(end, 0).single().unwrap_or(now);
        if let Some((store, signer)) = &self.shared {
            match store
                .spend_quota(&signer.limit_tag(key), (start, end), cost, quota.limit)
                .await
            {
                Ok((used, allowed)) => {
                    return Standing {
                        quota,
                        used,
                        reset,
                        allowed,
                    }
                }
                Err(_) => tracing::warn!("shared quota unavailable; counted by this node alone"),
            }
        }
        self.spend_here(key, quota, cost, now)
    }

    /// [`Quotas::spend`] in this process's memory.
    fn spend_here(&self, key: &str, quota: Quota, cost: u32, now: DateTime<Utc>) -> Standing {
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
    pub async fn refund(&self, key: &str, quota: Quota, now: DateTime<Utc>) {
        let (start, _) = window(quota, now);
        if let Some((store, signer)) = &self.shared {
            if store
                .refund_quota(&signer.limit_tag(key), start)
                .await
                .is_ok()
            {
                return;
            }
        }
        let mut w = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = w.by_key.get_mut(key) {
            if entry.0 == start {
                entry.2 = entry.2.saturating_sub(1);
            }
        }
    }

    /// Forget shared windows that ended by `now` (the sweeper calls this).
    pub async fn sweep(&self, now: DateTime<Utc>) {
        if let Some((store, _)) = &self.shared {
            let _ = store.sweep_quotas(now.timestamp()).await;
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

    /// Both kinds of counters: in memory, and in a database (on PostgreSQL in the test
    /// script's second pass); the folder holds the database file while it is used.
    async fn kinds() -> (tempfile::TempDir, Vec<Quotas>) {
        let (dir, store) = crate::server::store::tests::temp_store().await;
        let shared = Quotas::shared(store, Signer::new([7; 32]));
        (dir, vec![Quotas::default(), shared])
    }

    #[tokio::test]
    async fn nodes_on_one_database_count_the_same_calls_and_store_no_address() {
        let (_dir, store) = crate::server::store::tests::temp_store().await;
        let signer = Signer::new([7; 32]);
        let a = Quotas::shared(store.clone(), signer.clone());
        let b = Quotas::shared(store.clone(), signer);
        let q = Quota {
            limit: 3,
            interval: 1,
            unit: QuotaUnit::Minute,
        };
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 5).unwrap();
        let key = "login:192.0.2.7";
        assert_eq!(a.count(key, q, t).await.used, 1);
        assert_eq!(b.count(key, q, t).await.used, 2);
        assert!(a.count(key, q, t).await.allowed);
        // The fourth call, whichever node takes it, is refused.
        let fourth = b.count(key, q, t).await;
        assert!(!fourth.allowed && fourth.used == 3);
        // Given back on one node, open on the other.
        a.refund(key, q, t).await;
        assert!(b.count(key, q, t).await.allowed);
        // Calls from many nodes at once never pass the limit together.
        let later = t + chrono::Duration::minutes(1);
        let calls = (0..20).map(|i| {
            let quotas = if i % 2 == 0 { &a } else { &b };
            quotas.count("burst", q, later)
        });
        let allowed = futures::future::join_all(calls)
            .await
            .iter()
            .filter(|s| s.allowed)
            .count();
        assert_eq!(allowed, 3);
        // The database holds keyed hashes, never the address.
        let tags: Vec<String> = sqlx::query_scalar("SELECT key_tag FROM quota_windows")
            .fetch_all(store.pool())
            .await
            .unwrap();
        assert_eq!(tags.len(), 2);
        assert!(
            tags.iter().all(|k| k.len() == 32 && !k.contains("192.0.2")),
            "{tags:?}"
        );
        // Ended windows are swept.
        a.sweep(later + chrono::Duration::minutes(1)).await;
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM quota_windows")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(left, 0);
    }

    #[tokio::test]
    async fn counts_within_a_window_and_resets_after() {
        let (_dir, kinds) = kinds().await;
        for quotas in kinds {
            counts_within_a_window(&quotas).await;
        }
    }

    async fn counts_within_a_window(quotas: &Quotas) {
        let q = Quota {
            limit: 2,
            interval: 1,
            unit: QuotaUnit::Minute,
        };
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 5).unwrap();
        let a = quotas.count("c", q, t).await;
        assert!(a.allowed && a.used == 1);
        assert_eq!(a.reset, Utc.with_ymd_and_hms(2026, 1, 1, 10, 1, 0).unwrap());
        assert!(quotas.count("c", q, t).await.allowed);
        let third = quotas.count("c", q, t).await;
        assert!(!third.allowed && third.used == 2);
        // Another caller has its own count.
        assert!(quotas.count("d", q, t).await.allowed);
        // A call given back counts no more.
        quotas.refund("c", q, t).await;
        assert!(quotas.count("c", q, t).await.allowed);
        assert!(!quotas.count("c", q, t).await.allowed);
        // The next window starts afresh.
        let later = quotas
            .count("c", q, t + chrono::Duration::seconds(60))
            .await;
        assert!(later.allowed && later.used == 1);
    }

    #[tokio::test]
    async fn points_are_spent_whole_or_not_at_all() {
        let (_dir, kinds) = kinds().await;
        for quotas in kinds {
            points_whole(&quotas).await;
        }
    }

    async fn points_whole(quotas: &Quotas) {
        let q = Quota {
            limit: 10,
            interval: 1,
            unit: QuotaUnit::Minute,
        };
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 5).unwrap();
        for used in [3, 6, 9] {
            let s = quotas.spend("org", q, 3, t).await;
            assert!(s.allowed && s.used == used);
        }
        // A write (3) would pass 10: refused, and nothing spent; a read (1) still fits.
        let refused = quotas.spend("org", q, 3, t).await;
        assert!(!refused.allowed && refused.used == 9);
        assert!(quotas.spend("org", q, 1, t).await.allowed);
        assert!(!quotas.spend("org", q, 1, t).await.allowed);
    }

    #[tokio::test]
    async fn callers_whose_window_ended_are_forgotten() {
        let q = Quota {
            limit: 5,
            interval: 10,
            unit: QuotaUnit::Minute,
        };
        let quotas = Quotas::default();
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 5).unwrap();
        // A spray of fresh keys (one per address of a large IPv6 block).
        for i in 0..SWEEP_MIN {
            quotas.count(&format!("spray-{i}"), q, t).await;
        }
        assert_eq!(quotas.remembered(), SWEEP_MIN);
        // Still in their window: all kept, and counting goes on as before.
        quotas.count("honest", q, t).await;
        assert_eq!(quotas.remembered(), SWEEP_MIN + 1);
        assert_eq!(quotas.count("spray-0", q, t).await.used, 2);
        // Once their window is over, the next sweep forgets them.
        let later = t + chrono::Duration::minutes(10);
        for i in 0..SWEEP_MIN {
            quotas.count(&format!("late-{i}"), q, later).await;
        }
        assert!(
            quotas.remembered() <= SWEEP_MIN + 1,
            "{}",
            quotas.remembered()
        );
        assert_eq!(quotas.count("honest", q, later).await.used, 1);
    }
}
