//! Personal join links: from a hash to the participant and meeting it was issued for.

use crate::model::meeting::{JoinInfo, Role};
use crate::model::{AppError, ErrorCode};
use crate::server::store::ParticipantCtx;
use crate::server::AppState;
use chrono::Utc;

/// The participant a join hash was issued to. Hashes this server did not sign are refused
/// before the database is asked.
pub async fn resolve(state: &AppState, hash: &str) -> Result<ParticipantCtx, AppError> {
    let not_found = || {
        AppError::new(
            ErrorCode::NotFound,
            "this link is not valid; please check it",
        )
        .with_field("hash")
    };
    let link_id = state
        .signer
        .verify_join_hash(hash.trim())
        .ok_or_else(not_found)?;
    let p = state
        .store
        .participant_by_link(&link_id)
        .await?
        .ok_or_else(not_found)?;
    // A suspended account's meetings are suspended with it.
    if !p.meeting.live {
        return Err(super::booking::suspended());
    }
    Ok(p)
}

/// The participant of a link whose meeting is neither cancelled nor over.
async fn live_link(state: &AppState, hash: &str) -> Result<ParticipantCtx, AppError> {
    let p = resolve(state, hash).await?;
    p.meeting.check_not_over(Utc::now())?;
    Ok(p)
}

/// What the join page shows before knocking. A meeting that is cancelled or over is an
/// error here already; one that has not opened yet is not (the page counts down).
pub async fn details(state: &AppState, hash: &str) -> Result<JoinInfo, AppError> {
    let p = live_link(state, hash).await?;
    let theme = match state.store.site(&p.meeting.site_id).await? {
        Some(site) => super::booking::site_info(&site).theme,
        None => Default::default(),
    };
    Ok(JoinInfo {
        theme,
        meeting: p.meeting.brief(),
        name: crate::model::person::neutralise(&p.name),
        role: if p.is_host { Role::Host } else { Role::Guest },
        locked: None,
        features: None,
        after_call: None,
    })
}

/// The ICE servers for a pre-call connection check through this link.
pub async fn ice_check(
    state: &AppState,
    hash: &str,
) -> Result<crate::model::signal::IceCheck, AppError> {
    // The link's meeting is all it needs (not the site's look, as `details` reads).
    let meeting = live_link(state, hash).await?.meeting.brief();
    let probe = crate::model::PeerId::parse(&crate::server::tokens::new_id())?;
    Ok(crate::model::signal::IceCheck {
        ice_servers: state.config.ice.for_peer(&meeting, &probe),
        relay_only: state.config.ice.relay_only,
    })
}
