//! Choosing the hub's owner: whoever holds a PostgreSQL session-level advisory lock.
//!
//! Why the database and not a lease in NATS's key-value store: the lock lives exactly as long
//! as the owner's database connection. When the owner's process dies, its kernel closes that
//! connection, PostgreSQL releases the lock at once, and the next node's attempt (every
//! [`POLL`]) takes it: no lease to wait out, no clock to trust. A node cut off from the
//! database rather than dead is found out by TCP keepalives set on the connection (a few
//! seconds), and steps down itself when its own checks fail. Every node needs the database
//! anyway; the bus then carries only messages, never state.

use super::{Bus, Owner};
use crate::server::AppState;
use sqlx::{Connection, PgConnection};
use std::time::Duration;

/// The advisory lock's key ("CONSULT" + 1, beside the store's write lock).
pub const HUB_LOCK_KEY: i64 = 0x0043_4f4e_5355_4c55;

/// How often a node that does not own the hub tries to take it, and the owner checks that it
/// still holds it.
pub const POLL: Duration = Duration::from_millis(500);

/// Take part in choosing the owner, for as long as the task runs.
pub async fn run(bus: Bus, state: AppState, database: String) {
    loop {
        match hold(&bus, &state, &database).await {
            Ok(()) => {}
            Err(e) => tracing::warn!(error = %e, "hub election"),
        }
        if bus.owns() {
            // Lost the lock (or the connection that held it): no longer the owner.
            bus.set_owner(None);
            state.hub.reset();
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Connect, wait for the lock, own the hub while it is held. Returns when the connection
/// fails.
async fn hold(bus: &Bus, state: &AppState, database: &str) -> Result<(), sqlx::Error> {
    let mut conn = PgConnection::connect(database).await?;
    // Seen in pg_stat_activity: which node holds the hub.
    sqlx::query(&format!(
        "SET application_name = 'consult-hub-{}'",
        bus.node()
    ))
    .execute(&mut conn)
    .await?;
    // Find out within seconds, not hours, that the other end is gone.
    for setting in [
        "SET tcp_keepalives_idle = 2",
        "SET tcp_keepalives_interval = 1",
        "SET tcp_keepalives_count = 2",
    ] {
        sqlx::query(setting).execute(&mut conn).await?;
    }
    loop {
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(HUB_LOCK_KEY)
            .fetch_one(&mut conn)
            .await?;
        if got {
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    // The database's clock: every later owner has a larger epoch.
    let epoch: i64 =
        sqlx::query_scalar("SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT")
            .fetch_one(&mut conn)
            .await?;
    // Whatever this node held before is stale: start from nothing, pages resume.
    state.hub.reset();
    bus.set_owner(Some(Owner {
        node: bus.node().to_string(),
        epoch,
    }));
    loop {
        tokio::time::sleep(POLL).await;
        let held: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' \
             AND pid = pg_backend_pid() AND granted \
             AND ((classid::BIGINT << 32) | objid::BIGINT) = $1)",
        )
        .bind(HUB_LOCK_KEY)
        .fetch_one(&mut conn)
        .await?;
        if !held {
            return Ok(());
        }
    }
}
