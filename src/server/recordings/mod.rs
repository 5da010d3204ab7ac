//! Cloud recordings: the host's browser records the call (MediaRecorder, WebM) and uploads it
//! in numbered chunks as it goes ([`upload`]); the file is sealed when the last chunk is in
//! (or the sweeper finds the uploads over), with its duration written ([`webm`]); an access
//! link signed for a while serves it ([`access`]). The rooms API lists and deletes them
//! (`whereby/recordings.rs`). The row is the hub's ([`crate::server::store::NewRecording`]).
//!
//! Where an S3-compatible bucket is configured ([`bucket`]), a sealed file is uploaded there
//! and leaves the disk; access links and deletes then go to the bucket.
//!
//! One recording's writers take turns ([`turn`]): a chunk's write, the seal, the delete and
//! the sweeper never touch its files at once. The turn is this process's; the files are on
//! this node's disk. (Several nodes on one database would need a shared `recordings` folder
//! and a balancer that keeps one host's uploads on one node; the row's conditional update
//! still keeps two writers from both counting one chunk. With a bucket, sealed files are
//! served by every node; the chunks still arrive on one.)

pub mod access;
pub mod bucket;
pub mod files;
pub mod range;
pub mod upload;
pub mod webm;

use crate::model::AppError;
use crate::server::store::RecordingRow;
use crate::server::AppState;
use axum::routing::{get, put};
use axum::Router;
use chrono::{DateTime, Utc};
use files::Files;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// A stopped recording is sealed once no chunk came for this long (the host's page sends its
/// last chunk within a moment of the stop; a page closed in between never will).
pub const STOPPED_GRACE: chrono::Duration = chrono::Duration::seconds(30);

/// A running recording whose chunks stopped coming this long ago is sealed as it is: the
/// host's page is gone (a page uploads a chunk every few seconds while it records).
pub const RECORDING_GRACE: chrono::Duration = chrono::Duration::minutes(10);

/// Routes: the host's uploads and the access links.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/recordings/{id}/chunks", get(upload::next))
        .route("/recordings/{id}/chunks/{seq}", put(upload::chunk))
        .route("/recordings/{id}/file", get(access::file))
}

/// One recording's turn to touch its files: held while a chunk is written and counted, while
/// it is sealed or deleted. Turns of recordings nobody waits for are dropped from the map.
pub async fn turn(id: &str) -> tokio::sync::OwnedMutexGuard<()> {
    static TURNS: OnceLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> = OnceLock::new();
    let lock = {
        let mut map = TURNS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // Held by nobody but the map: no one writes that recording now.
        map.retain(|_, l| Arc::strong_count(l) > 1);
        map.entry(id.to_string()).or_default().clone()
    };
    lock.lock_owned().await
}

/// The name a recording's file is given: its room's name and its start,
/// `clinic-3f2a…-2026-05-07T17-42-49Z.webm` (only letters, digits and `-`, so it needs no
/// quoting anywhere).
pub fn filename(row: &RecordingRow) -> String {
    let room: String = row
        .room_name
        .trim_start_matches('/')
        .chars()
        .take(80)
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' => c,
            _ => '-',
        })
        .collect();
    format!(
        "{room}-{}.webm",
        row.started_at.format("%Y-%m-%dT%H-%M-%SZ")
    )
}

/// The files of a row, or an error when its ids cannot name files (never for rows we wrote).
fn files_of(state: &AppState, row: &RecordingRow) -> Result<Files, AppError> {
    Files::of(&state.config.data_dir, &row.company, &row.id).ok_or_else(|| {
        tracing::error!("a recording row whose ids cannot name a file");
        AppError::internal()
    })
}

/// Run blocking file work on the blocking pool; an I/O failure is logged here (with the
/// recording's id only at debug level) and answered as an internal error.
async fn blocking<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> Result<T, AppError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "recording files: {what} failed");
            Err(AppError::internal())
        }
        Err(e) => {
            tracing::error!(error = %e, "recording files: {what} did not finish");
            Err(AppError::internal())
        }
    }
}

/// Seal a recording whose uploads are over (the caller holds its [`turn`] and read `row`
/// under it): its file gets its duration and final name, its row turns `ready`. A recording
/// that never stored a byte (or whose bytes are gone from disk) has no file: its row is
/// closed as deleted.
///
/// With a bucket, the sealed file is uploaded first; only once the store confirmed it is the
/// row marked ready and the local files removed. A store that fails leaves everything as it
/// was but the row `stopped` (the host sent its last chunk, or is gone): the sweeper seals
/// it again later, and this answers `Ok` (the chunks are safe on disk; the host's page has
/// nothing to send again).
pub async fn seal(
    state: &AppState,
    row: &RecordingRow,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if !matches!(row.state.as_str(), "recording" | "stopped") || row.mode != "cloud" {
        return Ok(());
    }
    let files = files_of(state, row)?;
    let on_disk = files.part().exists() || files.sealed().exists();
    if row.bytes == 0 || !on_disk {
        if row.bytes > 0 {
            if let Some(bucket) = &state.recordings_bucket {
                // Uploaded before, the row's update lost (a crash in between), or by another
                // node: the bucket's copy is the file. A store that cannot tell now: later.
                match bucket.size(&row.company, &row.id).await {
                    Ok(Some(size)) => {
                        state
                            .store
                            .recording_sealed(&row.id, size as i64, now)
                            .await?;
                        tracing::info!(bytes = size, "a recording is sealed (found in the bucket)");
                        return Ok(());
                    }
                    Ok(None) => {}
                    Err(_) => return Err(AppError::internal()),
                }
            }
            if state.bus.is_some() {
                // Several nodes: the chunks are on the disk of the node that took them, whose
                // own sweep seals them. Closing it from here would lose them.
                return Ok(());
            }
            // Its bytes are gone from disk (removed by hand, a disk replaced): sealing would
            // fail at every sweep. Closed as a recording without a file.
            tracing::error!(
                "a recording's stored chunks are missing from disk; closed without a file"
            );
        }
        let part = files.clone();
        blocking("removing an empty recording", move || part.remove_all()).await?;
        return state.store.recording_without_file(&row.id, now).await;
    }
    let sealing = files.clone();
    let (size, plan) = blocking("sealing", move || sealing.seal()).await?;
    if let webm::Plan::Leave(why) = plan {
        tracing::debug!(recording = %row.id, why, "sealed without writing a duration");
    }
    if let Some(bucket) = &state.recordings_bucket {
        if bucket
            .upload(&row.company, &row.id, &files.sealed(), size)
            .await
            .is_err()
        {
            // Logged by the bucket. Stopped, so the sweeper tries again soon.
            state.store.recording_stopped(&row.id, now).await?;
            tracing::warn!("a sealed recording waits for the store: the sweeper tries again");
            return Ok(());
        }
    }
    state
        .store
        .recording_sealed(&row.id, size as i64, now)
        .await?;
    if state.recordings_bucket.is_some() {
        blocking("removing an uploaded recording's files", move || {
            files.remove_all()
        })
        .await?;
    } else {
        blocking("removing a sealed recording's part file", move || {
            files.drop_part()
        })
        .await?;
    }
    tracing::info!(bytes = size, "a recording is sealed");
    Ok(())
}

/// Delete a company's cloud recording: its row becomes a tombstone and its files go at once.
/// Nothing happens for an id the company has no such recording of, or one deleted before.
pub async fn delete(state: &AppState, company: &str, id: &str) -> Result<(), AppError> {
    if !files::valid_id(id) {
        return Ok(());
    }
    let _turn = turn(id).await;
    let now = Utc::now();
    let Some(row) = state.store.recording_deleted(company, id, now).await? else {
        return Ok(());
    };
    purge(state, &row.company, &row.id, now).await
}

/// Remove a deleted recording's files (and its object in the bucket) and record that they
/// are gone (the sweeper tries again if this fails; a store that fails is no error here).
async fn purge(
    state: &AppState,
    company: &str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    // Ids not of our shape name no file: there is nothing to remove.
    if let Some(files) = Files::of(&state.config.data_dir, company, id) {
        blocking("removing a deleted recording", move || files.remove_all()).await?;
    }
    if let Some(bucket) = &state.recordings_bucket {
        if bucket.remove(company, id).await.is_err() {
            // Logged by the bucket. The recording is deleted all the same (its row says so;
            // no link serves it): not marked purged, so the sweeper removes the object later.
            return Ok(());
        }
    }
    if state.config.bucket_elsewhere {
        // An operator's command that cannot reach the server's bucket: the server's sweeper
        // removes the object (marked purged here, it would stay in the bucket for ever).
        return Ok(());
    }
    state.store.recording_purged(id, now).await
}

/// The recordings' chores, for the server's sweeper: seal those whose uploads are over (see
/// [`STOPPED_GRACE`], [`RECORDING_GRACE`]) and remove files a delete could not. `now` is
/// given, so tests decide the time. A failure is logged where it happens; the next sweep
/// tries again.
pub async fn sweep(state: &AppState, now: DateTime<Utc>) -> Result<(), AppError> {
    let due = state
        .store
        .recordings_to_seal(now - STOPPED_GRACE, now - RECORDING_GRACE)
        .await?;
    for row in due {
        let _turn = turn(&row.id).await;
        // Read again under the turn: a chunk may have come while this waited.
        let Some(row) = state.store.recording(&row.id).await? else {
            continue;
        };
        let quiet_since = row
            .last_chunk_at
            .or(row.stopped_at)
            .unwrap_or(row.started_at);
        let due = match row.state.as_str() {
            "stopped" => quiet_since < now - STOPPED_GRACE,
            "recording" => row.last_chunk_at.unwrap_or(row.started_at) < now - RECORDING_GRACE,
            _ => false,
        };
        if due {
            let _ = seal(state, &row, now).await;
        }
    }
    for (company, id) in state.store.recordings_to_purge().await? {
        let _turn = turn(&id).await;
        let _ = purge(state, &company, &id, now).await;
    }
    Ok(())
}
