//! The join page: device check, waiting room, call. Reached through a personal link
//! (`/join/{hash}`), top-level or embedded with `<consult-call>`.

#[cfg(feature = "csr")]
mod view;
#[cfg(feature = "csr")]
pub use view::JoinPage;

use crate::model::meeting::JoinInfo;

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
use crate::model::AppError;
use leptos::prelude::*;

/// What a personal link is for: the meeting and the person.
#[server(endpoint = "v1/join/details")]
pub async fn join_details(
    /// The hash of the personal link.
    hash: String,
) -> Result<JoinInfo, AppError> {
    use crate::server::app::server_fn_ctx;
    let (state, _) = server_fn_ctx::get()?;
    crate::server::join::details(&state, &hash).await
}

/// The ICE servers a call through this link would use, for the pre-call connection check.
/// Only for a link whose room is open or opens later; TURN credentials are signed for a
/// throwaway peer id.
#[server(endpoint = "v1/join/ice")]
pub async fn join_ice(
    /// The hash of the personal link.
    hash: String,
) -> Result<crate::model::signal::IceCheck, AppError> {
    use crate::server::app::server_fn_ctx;
    let (state, _) = server_fn_ctx::get()?;
    crate::server::join::ice_check(&state, &hash).await
}
