//! What the hub saw happen in rooms of the rooms API, written to the store in the background:
//! sessions (first person in to last out), each participant's join and leave, their network
//! samples; and recordings with who was told of them. The hub only queues these (it never
//! waits on the database under its lock).

use crate::model::meeting::Role;
use crate::server::store::{NetSample, NewParticipant, NewSession, Store};
use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

/// What a room of the rooms API is, for its insights.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomRecord {
    /// The room's id.
    pub room: String,
    /// Its company.
    pub company: String,
    /// Its name.
    pub name: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// Its end.
    pub ends_at: DateTime<Utc>,
}

/// One thing that happened.
#[derive(Clone, Debug, PartialEq)]
pub enum Insight {
    /// The first person came in.
    SessionStarted {
        /// The session's id.
        session: String,
        /// The room.
        room: RoomRecord,
        /// When.
        at: DateTime<Utc>,
    },
    /// Someone came in.
    Joined {
        /// The session.
        session: String,
        /// Their peer id.
        participant: String,
        /// Their name.
        name: String,
        /// Their role.
        role: Role,
        /// Their host page's id for them.
        external_id: Option<String>,
        /// Their browser.
        user_agent: Option<String>,
        /// When.
        at: DateTime<Utc>,
    },
    /// Someone went.
    Left {
        /// Their peer id.
        participant: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// The last person went.
    SessionEnded {
        /// The session.
        session: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// A host and a guest are in the call together (an appointment's call has begun).
    Met {
        /// The room's id.
        room: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// The call ended: the last person left, or the host ended it for everyone.
    CallEnded {
        /// The room's id.
        room: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// A guest was put on hold (`on`) or brought back.
    Hold {
        /// The room's id.
        room: String,
        /// On hold from now, or back.
        on: bool,
        /// When.
        at: DateTime<Utc>,
    },
    /// Everyone present was told of a recording: it runs.
    RecordingStarted(crate::server::store::NewRecording),
    /// Someone more was told of a running recording (before they were let in).
    RecordingTold {
        /// The recording.
        id: String,
        /// Who, when.
        told: crate::server::store::Told,
    },
    /// A recording stopped.
    RecordingStopped {
        /// The recording.
        id: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// A participant's network over the last seconds.
    Sample {
        /// Their peer id.
        participant: String,
        /// The sample.
        sample: NetSample,
    },
}

/// The queue the hub writes to.
pub type Sender = mpsc::UnboundedSender<Insight>;

/// Write what the hub queues, in order, until the hub is gone. A failed write is logged (the
/// store says what) and the next goes on: insights never stop a call.
pub async fn write(store: Store, mut rx: mpsc::UnboundedReceiver<Insight>) {
    while let Some(event) = rx.recv().await {
        let result = match &event {
            Insight::SessionStarted { session, room, at } => {
                store
                    .start_session(&NewSession {
                        id: session.clone(),
                        room_id: room.room.clone(),
                        company: room.company.clone(),
                        room_name: room.name.clone(),
                        room_created_at: room.created_at,
                        room_ends_at: room.ends_at,
                        started_at: *at,
                    })
                    .await
            }
            Insight::Joined {
                session,
                participant,
                name,
                role,
                external_id,
                user_agent,
                at,
            } => {
                store
                    .participant_joined(&NewParticipant {
                        id: participant.clone(),
                        session: session.clone(),
                        display_name: name.clone(),
                        role: match role {
                            Role::Host => "host",
                            Role::Guest => "guest",
                            Role::Viewer => "viewer",
                        },
                        external_id: external_id.clone(),
                        user_agent: user_agent.clone(),
                        joined_at: *at,
                    })
                    .await
            }
            Insight::Left { participant, at } => store.participant_left(participant, *at).await,
            Insight::SessionEnded { session, at } => store.end_session(session, *at).await,
            Insight::Sample {
                participant,
                sample,
            } => store.add_sample(participant, sample).await,
            // Appointments follow their room's call (a room without one changes nothing).
            Insight::Met { room, at } => store.appointment_met(room, *at).await,
            Insight::CallEnded { room, at } => store.appointment_call_ended(room, *at).await,
            Insight::Hold { room, on, at } => store.appointment_hold(room, *on, *at).await,
            Insight::RecordingStarted(r) => store.recording_started(r).await,
            Insight::RecordingTold { id, told } => store.recording_told(id, told).await,
            Insight::RecordingStopped { id, at } => store.recording_stopped(id, *at).await,
        };
        if result.is_err() {
            tracing::warn!("an insight could not be written");
        }
    }
}
