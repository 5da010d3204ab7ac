//! The `/signal` WebSocket: authenticate, read client messages, feed the hub, write its queue.

use super::hub::{ConnId, Entrant};
use crate::model::ids::ParticipantId;
use crate::model::meeting::Role;
use crate::model::signal::{ClientMsg, ServerMsg, MAX_MESSAGE_BYTES};
use crate::model::{AppError, ErrorCode, PeerId, UserId};
use crate::server::services::join;
use crate::server::{auth, origin, AppState};
use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use futures::{SinkExt, StreamExt};
use tracing::Instrument;

/// Accept a WebSocket from our own pages only: a cross-site page must not ride on an agent's
/// session cookie (cross-site WebSocket hijacking), and the widget always runs on our origin.
pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    ws: WebSocketUpgrade,
) -> Response {
    if let Some(o) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        if origin::normalize(o).as_deref() != Some(state.public_origin.as_str()) {
            return AppError::new(
                ErrorCode::OriginNotAllowed,
                "connections from this origin are not allowed",
            )
            .into_response();
        }
    }
    // Who is behind the connection, for the limits per address (a proxy's word only where
    // it is trusted).
    let source =
        crate::server::client::address(&state.config.trusted_proxies, &headers, &extensions)
            .map(crate::server::client::limit_key)
            .unwrap_or_else(|| "anonymous".into());
    // The browser, for a room's insights (`userAgent`): printable and bounded.
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.chars()
                .filter(|c| !c.is_control())
                .take(300)
                .collect::<String>()
        })
        .filter(|v| !v.is_empty());
    let user = match auth::session_user(&state, &headers).await {
        Ok(u) => u.map(|u| u.id),
        Err(e) => return e.into_response(),
    };
    let client = Client {
        user,
        source,
        user_agent,
    };
    // The connection outlives its upgrade request's answer (axum runs it in a task of its
    // own): it keeps that request's span, so whatever it logs carries the request id the page
    // was answered with.
    let span = tracing::Span::current();
    // Small buffers: most connections idle in a waiting room or between negotiations, and
    // tungstenite's 128 KiB defaults would dominate the memory of an idle connection. Larger
    // messages (an SDP is a few KB) still arrive whole, read in several chunks; each message
    // is written out at once (we send one at a time and flush anyway).
    ws.max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_write_buffer_size(4 * MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| run(state, socket, client).instrument(span))
}

/// How long a connection closed for breaking the protocol is held open after the close frame.
const LINGER: std::time::Duration = std::time::Duration::from_secs(2);

/// Bytes read from the socket at a time.
const READ_BUFFER: usize = 4096;

/// Messages a connection may send in a burst, and per second after it. Negotiation takes a
/// few dozen messages per peer pair; a flood is refused message by message, the connection
/// lives on.
pub const BURST: f64 = 100.0;
/// Sustained messages per second.
pub const PER_SECOND: f64 = 50.0;

/// A token bucket per connection.
struct Bucket {
    tokens: f64,
    at: std::time::Instant,
    /// Already told the client it is over the limit (told once per episode).
    told: bool,
}

impl Bucket {
    fn new() -> Self {
        Bucket {
            tokens: BURST,
            at: std::time::Instant::now(),
            told: false,
        }
    }

    /// Take one message's token; `false` when over the limit.
    fn take(&mut self) -> bool {
        let now = std::time::Instant::now();
        let refill = now.duration_since(self.at).as_secs_f64() * PER_SECOND;
        self.tokens = (self.tokens + refill).min(BURST);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            self.told = false;
            true
        } else {
            false
        }
    }
}

/// How a connection that broke a rule of the protocol's framing is closed: 1009 for a
/// message over [`MAX_MESSAGE_BYTES`], 1002 for other protocol errors; `None` when the
/// connection simply broke.
fn close_for(error: axum::Error) -> Option<CloseFrame> {
    let inner = error.into_inner();
    let (code, reason) = match inner.downcast_ref::<tungstenite::Error>()? {
        tungstenite::Error::Capacity(_) => (close_code::SIZE, "message too big"),
        // A connection that simply dropped is not answered: no one is there to read it.
        tungstenite::Error::Protocol(
            tungstenite::error::ProtocolError::ResetWithoutClosingHandshake,
        ) => return None,
        tungstenite::Error::Protocol(_) => (close_code::PROTOCOL, "protocol error"),
        _ => return None,
    };
    Some(CloseFrame {
        code,
        reason: reason.into(),
    })
}

/// Who is behind a connection: their console user, their address's limit key, their browser.
pub struct Client {
    /// The console user of the session cookie, if any.
    pub user: Option<UserId>,
    /// The limit key of the client's address.
    pub source: String,
    /// Their browser, printable and bounded.
    pub user_agent: Option<String>,
}

impl From<crate::server::cluster::wire::Hello> for Client {
    fn from(h: crate::server::cluster::wire::Hello) -> Self {
        Client {
            user: h.user,
            source: h.source,
            user_agent: h.user_agent,
        }
    }
}

/// Where a connection's messages are handled: this node's hub, or the hub of the node that
/// owns it in a cluster (relayed over the bus).
enum Link {
    Local(ConnId),
    Relayed(crate::server::cluster::edge::Relayed),
}

/// How long a new connection waits for a cluster's hub owner to be known (one is being
/// chosen after the last one was lost) before it is closed to try again.
const OWNER_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Close code asking the page to reconnect (the hub moved to another node).
const RECONNECT: CloseFrame = CloseFrame {
    code: close_code::RESTART,
    reason: axum::extract::ws::Utf8Bytes::from_static("reconnect"),
};

async fn run(state: AppState, socket: WebSocket, client: Client) {
    // Counted open for `/metrics` until this returns (the writer has closed the socket).
    let metrics = state.clone();
    let _open = metrics.metrics.socket_opened();
    let opened = std::time::Instant::now();
    // In a cluster: the owner as of now, and a watch that says when it changes.
    let mut owner_watch = state.bus.as_ref().map(|b| b.watch());
    let (link, mut queue, bound) = match &state.bus {
        None => {
            let (conn, queue) = state.hub.connect(client.user.clone());
            (Link::Local(conn), queue, None)
        }
        Some(bus) => match bus.wait_owner(OWNER_WAIT).await {
            Some(owner) if owner.node == bus.node() => {
                let (conn, queue) = state.hub.connect(client.user.clone());
                (Link::Local(conn), queue, Some(owner))
            }
            Some(owner) => {
                let hello = crate::server::cluster::wire::Hello {
                    user: client.user.clone(),
                    source: client.source.clone(),
                    user_agent: client.user_agent.clone(),
                };
                let (relayed, queue) =
                    crate::server::cluster::edge::Relayed::open(bus, owner.clone(), &hello).await;
                (Link::Relayed(relayed), queue, Some(owner))
            }
            None => {
                // No owner yet: the page tries again shortly.
                let mut socket = socket;
                let _ = socket.send(Message::Close(Some(RECONNECT))).await;
                return;
            }
        },
    };
    let (mut sink, mut stream) = socket.split();
    // The reader asks the writer to close with a code (the writer owns the sink), and
    // whether to linger before closing the socket.
    let (close_tx, mut close_rx) = tokio::sync::oneshot::channel::<(CloseFrame, bool)>();
    // Pings keep the connection open through proxies that cut idle ones; browsers answer them
    // by themselves.
    let mut ping = state.config.ws_ping.map(|every| {
        let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        interval
    });
    let writing = async move {
        let mut may_close = true;
        loop {
            tokio::select! {
                // A close with a code first: the queue ends at the same moment (the reader
                // leaves the hub), and its plain close must not win.
                biased;
                frame = &mut close_rx, if may_close => match frame {
                    Ok((frame, linger)) => {
                        let _ = sink.send(Message::Close(Some(frame))).await;
                        let _ = sink.flush().await;
                        // What the client sent beyond the limit is still unread: closing the
                        // socket at once would reset it, and the client might lose the close
                        // frame and its code. Linger a moment first.
                        if linger {
                            tokio::time::sleep(LINGER).await;
                        }
                        return;
                    }
                    // The reader ended without a code to send: keep writing what is queued.
                    Err(_) => may_close = false,
                },
                text = queue.recv() => match text {
                    Some(text) => {
                        if sink.send(Message::Text(text.as_ref().into())).await.is_err() {
                            break;
                        }
                    }
                    None => break,
                },
                _ = async {
                    match ping.as_mut() {
                        Some(p) => {
                            p.tick().await;
                        }
                        None => std::future::pending::<()>().await,
                    }
                } => {
                    if sink.send(Message::Ping(Default::default())).await.is_err() {
                        break;
                    }
                }
            }
        }
        let _ = sink.close().await;
    };
    // In the connection's span, as everything the connection does.
    let writer = tokio::spawn(writing.in_current_span());
    let mut stopping = state.stopping.subscribe();
    let mut bucket = Bucket::new();
    // A closing handshake means the page went away on purpose (tab closed, navigated); a
    // connection that just breaks may come back and resume.
    let mut closed_cleanly = false;
    let mut close_tx = Some(close_tx);
    loop {
        let frame = tokio::select! {
            frame = stream.next() => match frame {
                Some(frame) => frame,
                None => break,
            },
            // The cluster's hub moved: this connection's state went with the old owner. The
            // page reconnects and resumes (or knocks again) with the new one.
            () = owner_moved(owner_watch.as_mut(), bound.as_ref()) => {
                if let Some(tx) = close_tx.take() {
                    let _ = tx.send((RECONNECT, false));
                }
                break;
            }
            // The server stops (SIGTERM): the page reconnects and resumes once one answers.
            _ = stopping.wait_for(|s| *s) => {
                if let Some(tx) = close_tx.take() {
                    let _ = tx.send((RECONNECT, false));
                }
                break;
            }
        };
        if matches!(frame, Ok(Message::Text(_) | Message::Binary(_))) && !bucket.take() {
            if !bucket.told {
                bucket.told = true;
                link.tell(
                    &state,
                    AppError::new(
                        ErrorCode::TooManyRequests,
                        "too many messages: these were dropped; slow down",
                    ),
                );
            }
            continue;
        }
        match frame {
            Ok(Message::Text(text)) => match &link {
                Link::Local(conn) => handle(&state, *conn, &client, text.as_str()).await,
                Link::Relayed(r) => r.text(text.as_str()).await,
            },
            Ok(Message::Binary(_)) => link.tell(
                &state,
                AppError::new(
                    ErrorCode::BadRequest,
                    "binary frames are not part of the protocol",
                ),
            ),
            Ok(Message::Close(_)) => {
                closed_cleanly = true;
                break;
            }
            Err(e) => {
                if let (Some(frame), Some(tx)) = (close_for(e), close_tx.take()) {
                    let _ = tx.send((frame, true));
                }
                break;
            }
            Ok(Message::Ping(_) | Message::Pong(_)) => {}
        }
    }
    // Dropping the connection's queue sender ends the writer.
    match link {
        Link::Local(conn) => finish(&state, conn, closed_cleanly),
        Link::Relayed(r) => r.close(closed_cleanly).await,
    }
    let _ = writer.await;
    // The connection's end, for the operator: in the upgrade request's span, so it has the
    // request id the page was answered with (who it was is not said: no personal data).
    tracing::info!(
        closed_cleanly,
        seconds = opened.elapsed().as_secs(),
        "signaling connection ended"
    );
}

impl Link {
    /// Tell the page about an error of its own making, from this node.
    fn tell(&self, state: &AppState, error: AppError) {
        match self {
            Link::Local(conn) => state.hub.send(*conn, ServerMsg::Error { error }),
            Link::Relayed(r) => {
                if let Ok(text) = serde_json::to_string(&ServerMsg::Error { error }) {
                    r.tell(text.into());
                }
            }
        }
    }
}

/// Resolves when the cluster's owner is no longer `bound` (never outside a cluster).
async fn owner_moved(
    watch: Option<&mut tokio::sync::watch::Receiver<Option<crate::server::cluster::Owner>>>,
    bound: Option<&crate::server::cluster::Owner>,
) {
    let Some(watch) = watch else {
        return std::future::pending().await;
    };
    if watch.wait_for(|now| now.as_ref() != bound).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// A connection is gone: it leaves the hub. One that broke (rather than closed) and was in a
/// call keeps its seat for [`super::hub::RESUME_GRACE`].
pub fn finish(state: &AppState, conn: ConnId, closed_cleanly: bool) {
    if let Some((meeting, peer)) = state.hub.disconnect(conn, !closed_cleanly) {
        let state = state.clone();
        tokio::spawn(async move {
            tokio::time::sleep(super::hub::RESUME_GRACE).await;
            state.hub.expire(&meeting, &peer);
        });
    }
}

/// Handle one text frame from a page (on the node owning the hub).
pub async fn handle(state: &AppState, conn: ConnId, client: &Client, text: &str) {
    let result = match ClientMsg::parse(text) {
        Ok(msg) => apply(state, conn, client, msg).await,
        Err(e) => Err(e),
    };
    if let Err(error) = result {
        state.hub.send(conn, ServerMsg::Error { error });
    }
}

/// Rooms one address may try to enter per minute: plenty for people, hopeless for guessing
/// room names (a `human-short` name has about 30 bits).
pub const ROOM_ENTRIES_PER_MINUTE: u32 = 60;

async fn apply(
    state: &AppState,
    conn: ConnId,
    client: &Client,
    msg: ClientMsg,
) -> Result<(), AppError> {
    let user = client.user.as_ref();
    match msg {
        ClientMsg::Knock { hash } => {
            let p = join::resolve(state, &hash).await?;
            let now = Utc::now();
            let role = if p.is_host {
                // Hosts may open their room before the window, never after or once cancelled.
                p.meeting.check_not_over(now)?;
                Role::Host
            } else {
                p.meeting.check_open(now)?;
                Role::Guest
            };
            state.hub.enter(conn, &p, role)
        }
        ClientMsg::Host { meeting } => {
            let user =
                user.ok_or_else(|| AppError::new(ErrorCode::Unauthorized, "please log in"))?;
            // Someone else's meeting answers exactly like a missing one.
            let p = state
                .store
                .host_participant(&meeting, user)
                .await?
                .ok_or_else(|| AppError::not_found("meeting"))?;
            p.meeting.check_not_over(Utc::now())?;
            state.hub.enter(conn, &p, Role::Host)
        }
        ClientMsg::EnterRoom {
            room,
            key,
            name,
            external_id,
            ticket,
        } => {
            let quota = crate::server::store::Quota {
                limit: ROOM_ENTRIES_PER_MINUTE,
                interval: 1,
                unit: crate::server::store::QuotaUnit::Minute,
            };
            let now = Utc::now();
            let standing = state
                .quotas
                .count(&format!("room-enter:{}", client.source), quota, now)
                .await;
            if !standing.allowed {
                return Err(AppError::too_many(
                    "too many rooms tried from this address; wait a minute",
                    (standing.reset - now).num_seconds().max(1),
                ));
            }
            crate::model::api::rules::name("name", &name)?;
            if external_id.as_ref().is_some_and(|x| {
                x.is_empty() || x.chars().count() > 100 || x.chars().any(char::is_control)
            }) {
                return Err(AppError::invalid(
                    "external_id",
                    "1 to 100 characters, no control characters",
                ));
            }
            let (spec, role) =
                crate::server::services::rooms::entry(state, &room, key.as_deref()).await?;
            // The pre-call link's token says who of the appointment this is; one for another
            // room says nothing here.
            let attendee = ticket
                .as_deref()
                .and_then(|t| state.signer.verify_appointment_token(t))
                .filter(|(id, _)| spec.appointment.as_deref() == Some(id.as_str()))
                .map(|(_, who)| who);
            if ticket.is_some() && attendee.is_none() {
                return Err(AppError::new(
                    ErrorCode::Forbidden,
                    "this appointment link is not for this room",
                ));
            }
            let entrant = Entrant {
                attendee,
                // One seat per entry: a room's link is shared, not personal.
                participant: ParticipantId::parse(&crate::server::tokens::new_id())?,
                name,
                external_id,
                user_agent: client.user_agent.clone(),
            };
            state.hub.enter_as(conn, &spec, &entrant, role)
        }
        ClientMsg::Lock { locked } => {
            let room = state.hub.set_locked(conn, locked)?;
            // Kept with the room: whoever opens it next finds it so.
            state.store.set_room_locked(room.as_str(), locked).await
        }
        ClientMsg::Hold { peer, message } => state.hub.hold(conn, &peer, message),
        ClientMsg::Stats {
            packet_loss_send,
            packet_loss_recv,
            bitrate_send,
            bitrate_recv,
        } => state.hub.stats(
            conn,
            packet_loss_send,
            packet_loss_recv,
            bitrate_send,
            bitrate_recv,
        ),
        ClientMsg::Remove { peer } => state.hub.remove(conn, &peer),
        ClientMsg::PutOnHold { peer, message } => state.hub.put_on_hold(conn, &peer, message),
        ClientMsg::TakeAside { peer } => state.hub.take_aside(conn, peer.as_ref()),
        ClientMsg::AskMute { peer } => state.hub.ask_mute(conn, &peer),
        ClientMsg::Resume { token } => resume(state, conn, client, &token).await,
        ClientMsg::WatchLobby => state.hub.watch(conn),
        ClientMsg::Admit { peer } => state.hub.admit(conn, &peer),
        ClientMsg::AdmitAll => state.hub.admit_all(conn),
        ClientMsg::Media(media) => state.hub.set_media(conn, media),
        ClientMsg::Preview { image } => state.hub.preview(conn, image),
        ClientMsg::Chat { text } => state.hub.chat(conn, &text),
        ClientMsg::EndForAll => {
            // Kept in the database too: a resume token from before the end must not bring
            // anyone back after a restart either.
            let (meeting, at) = state.hub.end_for_all(conn)?;
            state.store.mark_call_ended(&meeting, at).await
        }
        ClientMsg::Deny {
            meeting,
            peer,
            message,
        } => state.hub.deny(conn, &meeting, &peer, message),
        ClientMsg::Signal { to, signal } => state.hub.relay(conn, &to, signal),
        ClientMsg::Leave => {
            state.hub.leave(conn);
            Ok(())
        }
        ClientMsg::RecordStart => state.hub.record_start(conn),
        ClientMsg::RecordStop => state.hub.record_stop(conn),
        ClientMsg::RecordingSeen { id } => state.hub.recording_seen(conn, &id),
        ClientMsg::Ping => {
            state.hub.send(conn, ServerMsg::Pong);
            Ok(())
        }
    }
}

/// Back into a call with a resume token: the token must be ours, its participant still of
/// that meeting, the meeting neither cancelled nor over, and the call not ended since.
async fn resume(
    state: &AppState,
    conn: ConnId,
    client: &Client,
    token: &str,
) -> Result<(), AppError> {
    let gone = || AppError::new(ErrorCode::NotFound, "this call cannot be resumed");
    let claim = state.signer.verify_resume(token).ok_or_else(gone)?;
    let participant = ParticipantId::parse(&claim.participant).map_err(|_| gone())?;
    let peer = PeerId::parse(&claim.peer).map_err(|_| gone())?;
    let issued = chrono::DateTime::from_timestamp(claim.issued, 0).ok_or_else(gone)?;
    if let Some(seat) = claim.room {
        // A room of the rooms API: still there, and the seat as the token describes it.
        let spec = crate::server::services::rooms::resumed(state, &claim.meeting)
            .await?
            .ok_or_else(gone)?;
        let entrant = Entrant {
            participant,
            name: seat.name,
            external_id: seat.external_id,
            user_agent: client.user_agent.clone(),
            attendee: None,
        };
        return state
            .hub
            .resume_as(conn, &spec, &entrant, seat.role, &peer, issued);
    }
    let p = state
        .store
        .participant(&participant)
        .await?
        .filter(|p| p.meeting.id.as_str() == claim.meeting)
        .ok_or_else(gone)?;
    // Cancelled or over: no way back. (Too early cannot be: they were in already.)
    p.meeting.check_not_over(Utc::now())?;
    let role = if p.is_host { Role::Host } else { Role::Guest };
    if p.meeting.call_ended_at.is_some_and(|ended| issued <= ended) {
        return Err(AppError::new(
            ErrorCode::Expired,
            "the host ended this call",
        ));
    }
    state.hub.resume(conn, &p, role, &peer, issued)
}
