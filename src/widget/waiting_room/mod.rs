//! The join page: device check, waiting room, call. Reached through a personal link
//! (`/join/{hash}`), top-level or embedded with `<consult-call>`.

#[cfg(feature = "csr")]
mod view;
#[cfg(feature = "csr")]
pub use view::{Entry, JoinPage};

/// What is left of a wait, for the countdown: `4:05`, or `1:02:09` from an hour on.
pub fn countdown(ms: i64) -> String {
    let secs = (ms.max(0) + 999) / 1000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn countdown_rounds_up_and_shows_hours_only_when_needed() {
        use super::countdown;
        assert_eq!(countdown(-5), "0:00");
        assert_eq!(countdown(1), "0:01");
        assert_eq!(countdown(65_000), "1:05");
        assert_eq!(countdown(3_600_000), "1:00:00");
        assert_eq!(countdown(3_729_500), "1:02:10");
    }
}
