//! The store: SQLite (one file under the data folder, WAL) or PostgreSQL, behind typed queries.
//!
//! Every write that touches more than one row runs in one transaction. Times are stored as
//! UTC milliseconds since the epoch; ids are the 24-hex-digit entity ids of [`crate::model`].
//! Queries are plain SQL with `$n` parameters, kept portable to PostgreSQL.

/// SQL condition: the company whose id is the column `$company` serves the public: neither it
/// nor its dealer (if any) is deleted or suspended, nor is its reseller suspended. One rule for
/// logins, API clients, booking forms and join links (a literal, to build constant queries).
macro_rules! company_is_live {
    ($company:literal) => {
        concat!(
            "EXISTS (SELECT 1 FROM companies lc JOIN resellers lr ON lr.id = lc.reseller_id
               LEFT JOIN dealers ld ON ld.id = lc.dealer_id
             WHERE lc.id = ",
            $company,
            " AND lc.deleted_at IS NULL AND lc.suspended = 0 AND lr.suspended = 0
               AND (ld.id IS NULL OR (ld.deleted_at IS NULL AND ld.suspended = 0)))"
        )
    };
}

mod api_keys;
mod api_meetings;
mod api_sites;
mod appointments;
mod audit;
mod auth;
mod bursts;
mod clients;
mod images;
mod insights;
mod meetings;
mod outbox;
pub mod privacy;
mod quotas;
mod recordings;
mod retention;
pub use retention::Kept;
mod rooms;
mod schema;
mod sites;
mod staff;
mod tenancy;
mod users;

pub use api_keys::{ApiKeyRow, KeyHolder, KEY_PREFIX};
pub use api_meetings::{MeetingFilter, MeetingRecord, NewApiMeeting, ParticipantRecord};
pub use api_sites::{AvailabilityChange, NewApiSite, SiteRecord};
pub use appointments::{AppointmentFilter, AppointmentRow};
pub use audit::{AuditEvent, AuditFilter};
pub use auth::SessionUser;
pub use bursts::{BurstFilter, FormBookingRow};
pub use clients::{ApiCaller, ClientRow, NewClient, Quota, QuotaUnit, TOKEN_LIFETIME};
pub use images::SiteImage;
pub use insights::{
    NetSample, NewParticipant, NewSession, ParticipantRow, RoomSummary, SessionSummary,
};
pub use meetings::{BookedRow, MeetingRow, NewBooking, ParticipantCtx};
pub use outbox::{backoff, Attachment, Email, Message, Queued, Sms, MAX_ATTEMPTS};
pub use recordings::{NewRecording, RecordingCursor, RecordingRow, Told};
pub use rooms::{RoomCursor, RoomImage, RoomRow};
pub use sites::{NewSite, OpeningHours, SiteRow};
pub use staff::Staff;
pub use tenancy::{
    CompanyBrief, CompanyRow, ContactRow, DealerBrief, DealerRow, NotificationRow, PackageRow,
    ResellerRow, Scope,
};
pub use users::{NewUser, UserChanges, UserRow};

use crate::model::AppError;
use chrono::{DateTime, TimeZone, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyPool, ConnectOptions, Executor};
use std::path::Path;
use std::str::FromStr;

/// The database engine a store runs on. Queries are written once, in the SQL both engines
/// read; the few statements that differ ask [`Store::engine`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// One SQLite file under the data folder: the default, for one machine.
    Sqlite,
    /// A PostgreSQL database (`--database postgres://…`): for several nodes.
    Postgres,
}

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    engine: Engine,
    /// The turn to write: SQLite has one writer at a time, and a connection that finds the
    /// lock taken sleeps in SQLite's busy handler (1, 2, 5, 10 … ms) before it tries again.
    /// Writers queue here instead and each starts the moment the one before it commits.
    /// (On PostgreSQL the turn is a lock in the database, shared by every node; this queue
    /// still keeps one node's writers from holding a connection each while they wait.)
    write_turn: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Seals what waits in the outbox (its key lives outside the database).
    sealer: crate::server::seal::Sealer,
}

/// The key of PostgreSQL's transaction-level advisory lock that every write transaction
/// takes: writers take turns across all nodes, as SQLite's one writer does on one machine,
/// so every check-then-write (an agent's free time, a quota, a unique name) means the same
/// on both engines. (An arbitrary constant: "CONSULT" in ASCII.)
const WRITE_LOCK_KEY: i64 = 0x0043_4f4e_5355_4c54;

/// The schema version this binary writes: a database with a higher one was written by a
/// newer Consult.
pub fn schema_version() -> i64 {
    schema::known_version()
}

impl Store {
    /// The store of a server: the PostgreSQL database at `database` if given, else the SQLite
    /// file `consult.db` in the data folder `data`.
    pub async fn open_for(
        data: &Path,
        database: Option<&str>,
        sealer: crate::server::seal::Sealer,
    ) -> Result<Store, Box<dyn std::error::Error + Send + Sync>> {
        match database {
            Some(url) => Self::connect(url, sealer).await,
            None => Self::open(&data.join("consult.db"), sealer).await,
        }
    }

    /// Open (creating if needed) the SQLite file at `path` and bring its schema up to date;
    /// outbox messages are sealed with `sealer`.
    pub async fn open(
        path: &Path,
        sealer: crate::server::seal::Sealer,
    ) -> Result<Store, Box<dyn std::error::Error + Send + Sync>> {
        sqlx::any::install_default_drivers();
        // Made private before SQLite opens it: SQLite gives the `-wal` and `-shm` files it
        // creates the database file's mode. Files of an older version are narrowed too.
        crate::server::private_fs::touch(path)?;
        for suffix in ["-wal", "-shm"] {
            let mut side = path.as_os_str().to_owned();
            side.push(suffix);
            let side = std::path::PathBuf::from(side);
            if side.exists() {
                crate::server::private_fs::restrict(&side, 0o600)?;
            }
        }
        // The engine-neutral pool is opened from a URL; what a URL cannot say is set on each
        // new connection below.
        let url = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .to_url_lossy();
        let options = AnyConnectOptions::from_str(url.as_str())?;
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    // WAL lets readers run beside the one writer; NORMAL is durable across
                    // process crashes and only loses the last commits on power loss, the
                    // usual server choice. What is deleted or overwritten is zeroed on disk,
                    // not left in free pages.
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                         PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; \
                         PRAGMA busy_timeout = 5000;",
                    )
                    .await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Self::ready(pool, Engine::Sqlite, sealer).await
    }

    /// Connect to the PostgreSQL database at `url` (`postgres://user:password@host/db`) and
    /// bring its schema up to date; outbox messages are sealed with `sealer`.
    pub async fn connect(
        url: &str,
        sealer: crate::server::seal::Sealer,
    ) -> Result<Store, Box<dyn std::error::Error + Send + Sync>> {
        sqlx::any::install_default_drivers();
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(
                "--database takes a postgres:// URL (SQLite needs none: it is the \
                        file consult.db in the data folder)"
                    .into(),
            );
        }
        let options = AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(16)
            .connect_with(options)
            .await?;
        Self::ready(pool, Engine::Postgres, sealer).await
    }

    async fn ready(
        pool: AnyPool,
        engine: Engine,
        sealer: crate::server::seal::Sealer,
    ) -> Result<Store, Box<dyn std::error::Error + Send + Sync>> {
        schema::migrate(&pool, engine).await?;
        let store = Store {
            pool,
            engine,
            write_turn: Default::default(),
            sealer,
        };
        store.seal_legacy_outbox().await?;
        Ok(store)
    }

    /// The engine this store runs on.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// A write transaction that holds the turn to write from its start. On SQLite it takes
    /// the write lock at once (`BEGIN IMMEDIATE`): a deferred transaction that reads first and
    /// writes later fails at once with "database is locked" when another writer got in
    /// between; this one waits its turn instead. On PostgreSQL it takes the advisory lock of
    /// [`WRITE_LOCK_KEY`], which ends with it. Writers of this process take turns (see
    /// `write_turn`) before they ask the database.
    ///
    /// The `BEGIN` runs in a task of its own. sqlx 0.8 has the database acknowledge `BEGIN`
    /// before the `Transaction` that would roll it back exists: a request cancelled in between
    /// (its client hung up) would hand a connection back to the pool inside a transaction
    /// nobody ends, holding the write lock for good. The task always finishes, so the
    /// `Transaction` always exists, and dropped unused it rolls back. (The pool used to probe
    /// every connection coming back with a `ROLLBACK` instead: one more trip to the database
    /// for every query of every request.)
    pub async fn begin_write(&self) -> Result<WriteTx, AppError> {
        let turn = self.write_turn.clone().lock_owned().await;
        let pool = self.pool.clone();
        let engine = self.engine;
        let tx = tokio::spawn(async move {
            match engine {
                Engine::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
                Engine::Postgres => {
                    let mut tx = pool.begin().await?;
                    sqlx::query("SELECT pg_advisory_xact_lock($1)")
                        .bind(WRITE_LOCK_KEY)
                        .execute(&mut *tx)
                        .await?;
                    Ok(tx)
                }
            }
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "the task beginning a write transaction failed");
            AppError::internal()
        })??;
        Ok(WriteTx { tx, _turn: turn })
    }

    /// The connection pool, for the few places that need raw access (tests, benchmarks).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Whether this node does the database's periodic chores now (removing closed rooms and
    /// ended limit windows): at most one node in any `every`, whichever asks first, however
    /// many share the database. One statement, atomic on both engines: the time of the last
    /// turn moves forward only if it is at least `every` old.
    pub async fn sweep_turn(
        &self,
        now: DateTime<Utc>,
        every: chrono::Duration,
    ) -> Result<bool, AppError> {
        let done = sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('swept_at', $1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value
             WHERE CAST(settings.value AS BIGINT) <= $2",
        )
        .bind(to_ms(now).to_string())
        .bind(to_ms(now - every))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Does the database answer?
    pub async fn ping(&self) -> Result<(), AppError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Read a value from the key/value settings table.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, AppError> {
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(AppError::from)
    }
}

/// A write transaction holding this process's turn to write until it ends (commit, or
/// rollback when dropped). Statements run on it as on a connection: `&mut *tx`.
pub struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

impl WriteTx {
    /// Commit, then give the turn to the next writer.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// A database failure as an error fit for the caller: constraint violations are the caller's
/// fault (409); anything else is ours, logged here and not described further.
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        use crate::model::ErrorCode;
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() || db.is_foreign_key_violation() || db.is_check_violation()
            {
                return AppError::new(ErrorCode::Conflict, "that conflicts with existing data");
            }
        }
        tracing::error!(error = %described(&e), "database error");
        AppError::internal()
    }
}

/// What went wrong with the database, for the log: the kind of failure and the database's
/// own error code, never the error's text. That text can quote the values of a query
/// (PostgreSQL's "invalid input syntax for type …: \"…\""), a decoding error the value it
/// could not read, a configuration error the database URL with its password.
pub fn described(e: &sqlx::Error) -> String {
    use sqlx::Error as E;
    match e {
        E::Database(db) => match db.code() {
            Some(code) => format!("database error {code}"),
            None => "database error".into(),
        },
        E::Io(io) => format!("i/o: {:?}", io.kind()),
        E::ColumnDecode { index, .. } => format!("column {index} could not be decoded"),
        E::ColumnNotFound(column) => format!("no column {column}"),
        E::ColumnIndexOutOfBounds { index, len } => {
            format!("column {index} of {len} out of bounds")
        }
        E::RowNotFound => "no row".into(),
        E::PoolTimedOut => "no connection in time (pool timed out)".into(),
        E::PoolClosed => "pool closed".into(),
        E::WorkerCrashed => "the database worker crashed".into(),
        E::Configuration(_) => "configuration".into(),
        E::Tls(_) => "TLS".into(),
        E::Protocol(_) => "protocol".into(),
        E::TypeNotFound { .. } => "type not found".into(),
        E::Encode(_) => "a value could not be encoded".into(),
        E::Decode(_) => "a value could not be decoded".into(),
        _ => "other".into(),
    }
}

/// Reading a column of a row: an error (logged, a 500) when the column is missing or of another
/// type, never a panic.
pub(crate) trait Col {
    /// The column `name`, decoded as `T`.
    fn col<'r, T>(&'r self, name: &str) -> Result<T, AppError>
    where
        T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>;

    /// The column `name` as a yes or no: a stored flag (0 or 1), or a condition selected as
    /// a column, which is a number on SQLite and a boolean on PostgreSQL.
    fn flag(&self, name: &str) -> Result<bool, AppError>;
}

impl Col for sqlx::any::AnyRow {
    fn col<'r, T>(&'r self, name: &str) -> Result<T, AppError>
    where
        T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
    {
        sqlx::Row::try_get(self, name).map_err(AppError::from)
    }

    fn flag(&self, name: &str) -> Result<bool, AppError> {
        match sqlx::Row::try_get::<bool, _>(self, name) {
            Ok(b) => Ok(b),
            Err(_) => Ok(self.col::<i64>(name)? != 0),
        }
    }
}

/// `UPDATE {table} SET {column} = $1 WHERE id = $2` inside a transaction: one changed field
/// of a record. `table` and `column` are names of ours, never input.
pub(crate) async fn set_column(
    tx: &mut sqlx::AnyConnection,
    table: &str,
    column: &str,
    id: &str,
    value: impl Into<Value>,
) -> Result<(), sqlx::Error> {
    let sql = format!("UPDATE {table} SET {column} = $1 WHERE id = $2");
    let query = sqlx::query(&sql);
    let query = match value.into() {
        Value::Text(v) => query.bind(v),
        Value::Int(v) => query.bind(v),
    };
    query.bind(id).execute(&mut *tx).await?;
    Ok(())
}

/// A value [`set_column`] stores: text (or null), or a number.
pub(crate) enum Value {
    /// Text; `None` stores null.
    Text(Option<String>),
    /// A number (flags are 0 or 1).
    Int(i64),
}

impl<T: AsRef<str> + ?Sized> From<&T> for Value {
    fn from(v: &T) -> Self {
        Value::Text(Some(v.as_ref().to_string()))
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(Some(v))
    }
}

impl<T: AsRef<str>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        Value::Text(v.map(|v| v.as_ref().to_string()))
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

/// Which part of a list: at most `limit` items after the first `offset`.
#[derive(Clone, Copy, Debug)]
pub struct Paging {
    /// Items in the page.
    pub limit: u32,
    /// Items before it.
    pub offset: u32,
}

/// Refuse (412, `reason`) while meetings whose `column` (`site_id`, `agent_id`) is `id` are
/// still to come: what a site or user may not be deleted under.
pub(crate) async fn refuse_while_upcoming(
    tx: &mut sqlx::AnyConnection,
    column: &'static str,
    id: &str,
    reason: &'static str,
) -> Result<(), AppError> {
    let upcoming: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM meetings WHERE {column} = $1 AND status = 'scheduled' AND closes_at > $2"
    ))
    .bind(id)
    .bind(to_ms(Utc::now()))
    .fetch_one(&mut *tx)
    .await?;
    if upcoming > 0 {
        return Err(AppError::new(crate::model::ErrorCode::Precondition, reason));
    }
    Ok(())
}

/// The placeholders of a list of `n` values bound from parameter `$first` on, for `IN (…)`:
/// `$3, $4, $5`. Every engine reads a list bound this way (SQLite's `json_each` has no
/// PostgreSQL twin of that name). No values give `NULL`, which nothing is `IN`.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    if n == 0 {
        return "NULL".to_string();
    }
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The parameters of a query, bound in order (`$1`, `$2`, …) and reusable for a second query
/// with the same conditions.
#[derive(Default)]
pub(crate) struct Args<'q>(sqlx::any::AnyArguments<'q>);

impl Clone for Args<'_> {
    fn clone(&self) -> Self {
        // sqlx's engine-neutral arguments are a list of values that is public (if hidden from
        // its docs) but not `Clone`; the values are.
        let mut args = sqlx::any::AnyArguments::default();
        args.values.0 = self.0.values.0.clone();
        Args(args)
    }
}

impl<'q> Args<'q> {
    /// The next parameter.
    pub fn add<T>(mut self, value: T) -> Result<Self, AppError>
    where
        T: sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + 'q,
    {
        sqlx::Arguments::add(&mut self.0, value).map_err(|_| {
            // Not the error's text: it could quote the value.
            tracing::error!("a query parameter could not be bound");
            AppError::internal()
        })?;
        Ok(self)
    }

    fn len(&self) -> usize {
        sqlx::Arguments::len(&self.0)
    }
}

impl Store {
    /// One page of `SELECT {columns} {from} ORDER BY {order}` and how many rows the whole list
    /// has (`SELECT COUNT(*) {from}`), both with `args`; the page's `LIMIT`/`OFFSET` come
    /// after them. Every list of the API pages this way.
    pub(crate) async fn page(
        &self,
        columns: &str,
        from: &str,
        order: &str,
        args: Args<'_>,
        paging: Paging,
    ) -> Result<(Vec<sqlx::any::AnyRow>, u64), AppError> {
        let total: i64 =
            sqlx::query_scalar_with(&format!("SELECT COUNT(*) {from}"), args.clone().0)
                .fetch_one(&self.pool)
                .await?;
        let n = args.len();
        let args = args.add(paging.limit as i64)?.add(paging.offset as i64)?;
        let rows = sqlx::query_with(
            &format!(
                "SELECT {columns} {from} ORDER BY {order} LIMIT ${} OFFSET ${}",
                n + 1,
                n + 2
            ),
            args.0,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok((rows, total.max(0) as u64))
    }
}

/// Longest a meeting may last; the API refuses longer ones and booking slots are shorter.
pub const LONGEST_MEETING: chrono::Duration = chrono::Duration::hours(24);

/// SQL condition: scheduled meetings of agent `$1` that overlap `[$2, $3)` (milliseconds).
/// The last term changes no answer (a meeting ending after `$2` began at most
/// [`LONGEST_MEETING`] before it) but bounds the index range scanned, so the check costs the
/// same for an agent with a long history as for a new one.
pub const OVERLAPPING: &str = "agent_id = $1 AND status = 'scheduled' AND starts_at < $3 \
     AND ends_at > $2 AND starts_at > $2 - 86400000";

/// Milliseconds since the epoch, as stored.
pub fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// Back from stored milliseconds.
pub fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A store in a new file (kept while the directory lives); on a new database of the
    /// PostgreSQL server `CONSULT_TEST_POSTGRES` names, if it does (scripts/test.sh).
    pub(crate) async fn temp_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let sealer = crate::server::seal::Sealer::new([0; 32]);
        let store = match std::env::var("CONSULT_TEST_POSTGRES") {
            Ok(server) if !server.is_empty() => {
                sqlx::any::install_default_drivers();
                let name = format!("u_{}", crate::server::signaling::hub::random_hex(8));
                let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&format!(
                    "{server}/postgres"
                ))
                .await
                .unwrap();
                admin
                    .execute(format!("CREATE DATABASE {name}").as_str())
                    .await
                    .unwrap();
                Store::connect(&format!("{server}/{name}"), sealer)
                    .await
                    .unwrap()
            }
            _ => Store::open(&dir.path().join("t.db"), sealer).await.unwrap(),
        };
        (dir, store)
    }

    #[tokio::test]
    async fn a_list_is_bound_value_by_value() {
        assert_eq!(placeholders(3, 2), "$3, $4");
        assert_eq!(placeholders(1, 0), "NULL");
        let (_dir, store) = temp_store().await;
        // Values that a JSON list or a quoted string would trip over stay values.
        let values = ["a", "b'); DROP TABLE sites; --", "[\"c\"]"];
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT 'a' AS v UNION ALL SELECT '[\"c\"]' UNION ALL SELECT 'z') t
             WHERE v IN ({})",
            placeholders(1, values.len())
        );
        let n: i64 = values
            .iter()
            .fold(sqlx::query_scalar(&sql), |q, v| q.bind(*v))
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(n, 2);
        let sql = format!(
            "SELECT COUNT(*) FROM sites WHERE id IN ({})",
            placeholders(1, 0)
        );
        let n: i64 = sqlx::query_scalar(&sql)
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(n, 0);
    }

    #[tokio::test]
    async fn a_write_cancelled_anywhere_leaves_no_transaction_open() {
        let (_dir, store) = temp_store().await;
        // Writes abandoned after 0, 1, 2 … polls: at some of these points the `BEGIN` has run
        // on SQLite's thread and its answer is on the way, the window where sqlx 0.8 would
        // hand the connection back inside a transaction.
        for polls in 0..40 {
            let mut write = Box::pin(async {
                let mut tx = store.begin_write().await?;
                sqlx::query("INSERT INTO settings (key, value) VALUES ('cancelled', 'x')")
                    .execute(&mut *tx)
                    .await?;
                Ok::<(), AppError>(tx.commit().await?)
            });
            for _ in 0..polls {
                if futures::poll!(write.as_mut()).is_ready() {
                    break;
                }
                tokio::task::yield_now().await;
            }
            drop(write);
            // More writes than the pool has connections: none meets an abandoned transaction
            // or waits for its lock.
            for i in 0..10 {
                let next = async {
                    let mut tx = store.begin_write().await?;
                    sqlx::query(
                        "INSERT INTO settings (key, value) VALUES ($1, 'x')
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    )
                    .bind(format!("k{i}"))
                    .execute(&mut *tx)
                    .await?;
                    Ok::<(), AppError>(tx.commit().await?)
                };
                tokio::time::timeout(std::time::Duration::from_secs(2), next)
                    .await
                    .expect("no wait for an abandoned lock")
                    .expect("the write succeeds");
            }
            sqlx::query("DELETE FROM settings WHERE key = 'cancelled'")
                .execute(store.pool())
                .await
                .unwrap();
        }
    }

    #[tokio::test]
    async fn one_node_at_a_time_sweeps() {
        let (_dir, store) = temp_store().await;
        let every = chrono::Duration::seconds(4);
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).unwrap();
        assert!(store.sweep_turn(t, every).await.unwrap());
        // Another node (or this one) a moment later: not its turn.
        let soon = t + chrono::Duration::seconds(1);
        assert!(!store.sweep_turn(soon, every).await.unwrap());
        let later = t + every;
        assert!(store.sweep_turn(later, every).await.unwrap());
        assert!(!store.sweep_turn(later, every).await.unwrap());
    }

    #[test]
    fn overlap_bound_is_the_longest_meeting() {
        let ms = LONGEST_MEETING.num_milliseconds().to_string();
        assert!(
            OVERLAPPING.ends_with(&format!("$2 - {ms}")),
            "{OVERLAPPING}"
        );
    }

    #[tokio::test]
    async fn a_database_error_is_logged_without_its_text() {
        let (_dir, store) = temp_store().await;
        // Both databases quote the name in their message ("no such table: …", "relation
        // \"…\" does not exist"): the description keeps the code only.
        let Err(e) = sqlx::query("SELECT * FROM philomena_quarrington")
            .fetch_all(store.pool())
            .await
        else {
            panic!("a table that does not exist was read");
        };
        assert!(e.to_string().contains("philomena_quarrington"), "{e}");
        let said = described(&e);
        assert!(said.starts_with("database error"), "{said}");
        assert!(!said.contains("philomena"), "{said}");
        let config = sqlx::Error::Configuration("postgres://consult:hunter2@db/consult".into());
        assert_eq!(described(&config), "configuration");
        let decode = sqlx::Error::ColumnDecode {
            index: "name".into(),
            source: "cannot read \"Philomena\" as a number".into(),
        };
        assert_eq!(described(&decode), "column name could not be decoded");
    }
}
