//! Reading a call's health from `getStats()` numbers: the connection-quality label of each
//! tile and who is speaking. Pure functions, so they are tested natively.

/// How well a peer's connection carries the call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Quality {
    /// Not measured yet.
    #[default]
    Unknown,
    /// Round trip under 300 ms and under 2 % of packets lost.
    Good,
    /// Round trip under 700 ms and under 8 % lost: noticeable, still usable.
    Fair,
    /// Worse: expect frozen video and broken sound.
    Poor,
}

impl Quality {
    /// The label tests and styles read (`data-quality`).
    pub fn code(self) -> &'static str {
        match self {
            Quality::Unknown => "unknown",
            Quality::Good => "good",
            Quality::Fair => "fair",
            Quality::Poor => "poor",
        }
    }

    /// What a person reads (and a screen reader says).
    pub fn label(self, t: &'static crate::model::i18n::Texts) -> &'static str {
        match self {
            Quality::Unknown => t.quality_unknown(),
            Quality::Good => t.quality_good(),
            Quality::Fair => t.quality_fair(),
            Quality::Poor => t.quality_poor(),
        }
    }
}

/// Classify a round-trip time (seconds) and a packet-loss fraction (0..1); either may be
/// missing (not measured yet), and the worse of the two decides.
pub fn classify(rtt: Option<f64>, loss: Option<f64>) -> Quality {
    if rtt.is_none() && loss.is_none() {
        return Quality::Unknown;
    }
    let by_rtt = match rtt {
        Some(r) if r >= 0.7 => Quality::Poor,
        Some(r) if r >= 0.3 => Quality::Fair,
        _ => Quality::Good,
    };
    let by_loss = match loss {
        Some(l) if l >= 0.08 => Quality::Poor,
        Some(l) if l >= 0.02 => Quality::Fair,
        _ => Quality::Good,
    };
    worse(by_rtt, by_loss)
}

fn worse(a: Quality, b: Quality) -> Quality {
    let rank = |q| match q {
        Quality::Unknown => 0,
        Quality::Good => 1,
        Quality::Fair => 2,
        Quality::Poor => 3,
    };
    if rank(a) >= rank(b) {
        a
    } else {
        b
    }
}

/// Packets lost since the previous sample, as a fraction of those expected; `None` when no
/// packets were expected (nothing to judge by).
pub fn loss_since(before: (f64, f64), now: (f64, f64)) -> Option<f64> {
    let lost = (now.0 - before.0).max(0.0);
    let received = (now.1 - before.1).max(0.0);
    let expected = lost + received;
    (expected > 0.0).then(|| lost / expected)
}

/// Audio level (0..1, as `getStats` reports it) from which a peer counts as speaking.
pub const SPEAKING_LEVEL: f64 = 0.01;

/// The loudest of the levels above [`SPEAKING_LEVEL`], if any.
pub fn active_speaker<K: Clone>(levels: &[(K, f64)]) -> Option<K> {
    levels
        .iter()
        .filter(|(_, l)| *l >= SPEAKING_LEVEL)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(k, _)| k.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worse_of_round_trip_and_loss_decides() {
        assert_eq!(classify(None, None), Quality::Unknown);
        assert_eq!(classify(Some(0.02), Some(0.0)), Quality::Good);
        assert_eq!(classify(Some(0.02), None), Quality::Good);
        assert_eq!(classify(Some(0.35), Some(0.0)), Quality::Fair);
        assert_eq!(classify(Some(0.05), Some(0.05)), Quality::Fair);
        assert_eq!(classify(Some(0.35), Some(0.1)), Quality::Poor);
        assert_eq!(classify(Some(0.9), None), Quality::Poor);
        assert_eq!(classify(None, Some(0.019)), Quality::Good);
    }

    #[test]
    fn loss_is_measured_between_samples() {
        assert_eq!(loss_since((0.0, 0.0), (0.0, 0.0)), None);
        assert_eq!(loss_since((10.0, 1000.0), (10.0, 1100.0)), Some(0.0));
        assert_eq!(loss_since((10.0, 1000.0), (20.0, 1090.0)), Some(0.1));
        // Counters reset (a stream replaced) never give a negative loss: nothing to judge by.
        assert_eq!(loss_since((10.0, 1000.0), (0.0, 50.0)), None);
        assert_eq!(loss_since((10.0, 1000.0), (12.0, 1010.0)), Some(2.0 / 12.0));
    }

    #[test]
    fn the_loudest_speaker_above_the_floor_wins() {
        assert_eq!(active_speaker::<&str>(&[]), None);
        assert_eq!(active_speaker(&[("a", 0.001), ("b", 0.005)]), None);
        assert_eq!(active_speaker(&[("a", 0.2), ("b", 0.5)]), Some("b"));
        assert_eq!(active_speaker(&[("a", 0.2), ("b", f64::NAN)]), Some("a"));
    }
}
