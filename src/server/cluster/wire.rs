//! What nodes say to each other over NATS: subjects and the few JSON bodies.
//!
//! - `consult.alive`: every node, every [`super::ALIVE_EVERY`]: an [`Alive`].
//! - `consult.hub.{owner}.{edge}.{conn}.{o|t|c}`: an edge to the owner about one of its
//!   connections: opened (a [`Hello`]), a text frame from the page (as the page sent it),
//!   closed (`clean` or `broken`).
//! - `consult.hub.{owner}.end`: end a meeting's room (an [`EndMeeting`]).
//! - `consult.edge.{edge}.{conn}.{f|c}`: the owner to an edge: a frame for the page (as the
//!   page will read it), or close the connection.
//!
//! Node ids are hex, connection numbers decimal: both are single subject tokens. NATS keeps
//! the order of one client's messages, so a connection's frames arrive in the order sent.

use crate::model::{AppError, MeetingId, UserId};
use serde::{Deserialize, Serialize};

/// Where nodes say they are alive.
pub const ALIVE: &str = "consult.alive";

/// A node is alive (and owns the hub since `owns`, if it does).
#[derive(Debug, Serialize, Deserialize)]
pub struct Alive {
    /// The node.
    pub node: String,
    /// The epoch of its ownership of the hub.
    pub owns: Option<i64>,
}

/// A connection opened at an edge: who is behind it, as the edge found out.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Hello {
    /// The console user of its session cookie.
    pub user: Option<UserId>,
    /// The limit key of its client address.
    pub source: String,
    /// Its browser.
    pub user_agent: Option<String>,
}

/// End a meeting's room.
#[derive(Debug, Serialize, Deserialize)]
pub struct EndMeeting {
    /// The meeting.
    pub meeting: MeetingId,
    /// What everyone in it is told.
    pub error: AppError,
}

/// What an edge says about a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Up {
    /// Opened.
    Open,
    /// A text frame.
    Text,
    /// Closed.
    Close,
}

impl Up {
    fn token(self) -> &'static str {
        match self {
            Up::Open => "o",
            Up::Text => "t",
            Up::Close => "c",
        }
    }
}

/// Everything addressed to the owner `node`.
pub fn hub_all(node: &str) -> String {
    format!("consult.hub.{node}.>")
}

/// An edge's message about its connection `conn` to the owner.
pub fn hub_conn(owner: &str, edge: &str, conn: u64, up: Up) -> String {
    format!("consult.hub.{owner}.{edge}.{conn}.{}", up.token())
}

/// Ending a meeting, to the owner.
pub fn hub_end(owner: &str) -> String {
    format!("consult.hub.{owner}.end")
}

/// What the owner is told, from the subject's tail.
#[derive(Debug, PartialEq, Eq)]
pub enum ToHub<'a> {
    /// About an edge's connection.
    Conn {
        /// The edge.
        edge: &'a str,
        /// Its connection.
        conn: u64,
        /// What happened.
        up: Up,
    },
    /// End a meeting.
    End,
}

/// Read a subject addressed to the owner `node`.
pub fn parse_hub<'a>(node: &str, subject: &'a str) -> Option<ToHub<'a>> {
    let rest = subject.strip_prefix("consult.hub.")?.strip_prefix(node)?;
    let rest = rest.strip_prefix('.')?;
    if rest == "end" {
        return Some(ToHub::End);
    }
    let mut parts = rest.split('.');
    let edge = parts.next()?;
    let conn = parts.next()?.parse().ok()?;
    let up = match parts.next()? {
        "o" => Up::Open,
        "t" => Up::Text,
        "c" => Up::Close,
        _ => return None,
    };
    parts
        .next()
        .is_none()
        .then_some(ToHub::Conn { edge, conn, up })
}

/// Everything addressed to the edge `node`.
pub fn edge_all(node: &str) -> String {
    format!("consult.edge.{node}.>")
}

/// A frame for the edge's connection `conn`.
pub fn edge_frame(edge: &str, conn: u64) -> String {
    format!("consult.edge.{edge}.{conn}.f")
}

/// Close the edge's connection `conn`.
pub fn edge_close(edge: &str, conn: u64) -> String {
    format!("consult.edge.{edge}.{conn}.c")
}

/// Read a subject addressed to the edge `node`: the connection, and whether it is a frame
/// (`true`) or a close.
pub fn parse_edge(node: &str, subject: &str) -> Option<(u64, bool)> {
    let rest = subject.strip_prefix("consult.edge.")?.strip_prefix(node)?;
    let (conn, kind) = rest.strip_prefix('.')?.split_once('.')?;
    let conn = conn.parse().ok()?;
    match kind {
        "f" => Some((conn, true)),
        "c" => Some((conn, false)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_read_back() {
        let s = hub_conn("aa11", "bb22", 42, Up::Text);
        assert_eq!(
            parse_hub("aa11", &s),
            Some(ToHub::Conn {
                edge: "bb22",
                conn: 42,
                up: Up::Text
            })
        );
        assert_eq!(parse_hub("aa11", &hub_end("aa11")), Some(ToHub::End));
        // Another owner's, or malformed: nothing.
        assert_eq!(parse_hub("aa1", &s), None);
        assert_eq!(parse_hub("aa11", "consult.hub.aa11.bb22.x.t"), None);
        assert_eq!(parse_hub("aa11", "consult.hub.aa11.bb22.1.t.more"), None);
        assert_eq!(parse_edge("bb22", &edge_frame("bb22", 7)), Some((7, true)));
        assert_eq!(parse_edge("bb22", &edge_close("bb22", 7)), Some((7, false)));
        assert_eq!(parse_edge("bb2", &edge_close("bb22", 7)), None);
        assert_eq!(parse_edge("bb22", "consult.edge.bb22.7.z"), None);
    }
}
