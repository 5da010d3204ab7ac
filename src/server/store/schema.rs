//! Schema migrations: an ordered list of SQL scripts, applied once each in a transaction and
//! counted in SQLite's `user_version`. Never edit a shipped script; append a new one.

use sqlx::SqlitePool;

const MIGRATIONS: &[&str] = &[
    // 1: tenancy tree, sites, users, meetings, participants, sessions.
    r#"
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE packages (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE,
    features TEXT NOT NULL            -- JSON array of feature names
);
INSERT INTO packages (id, name, features) VALUES ('594a5befcc9d4f9e2f1da19a', 'premium',
 '["weseedo_personal","weseedo_direct","weseedo_direct_2way","chat","agent_create_appointment","weseedo_personal_sms","button","forward","multiple_participants","appointment","send_file","screenshot","presentation_pdf","presentation_powerpoint","screensharing","cobrowsing_simple","convert_file","waitingroom"]');
CREATE TABLE resellers (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE companies (
    id          TEXT PRIMARY KEY,
    reseller_id TEXT NOT NULL REFERENCES resellers(id),
    name        TEXT NOT NULL,
    package_id  TEXT NOT NULL REFERENCES packages(id),
    created_at  INTEGER NOT NULL
);
CREATE TABLE sites (
    id                 TEXT PRIMARY KEY,
    company_id         TEXT NOT NULL REFERENCES companies(id),
    name               TEXT NOT NULL,
    time_zone          TEXT NOT NULL,
    slot_minutes       INTEGER NOT NULL CHECK (slot_minutes BETWEEN 5 AND 480),
    opening_hours      TEXT NOT NULL,  -- JSON: 7 weekdays (Monday first) of [from, to) minute ranges
    early_join_minutes INTEGER NOT NULL DEFAULT 10 CHECK (early_join_minutes >= 0),
    grace_minutes      INTEGER NOT NULL DEFAULT 60 CHECK (grace_minutes >= 0),
    horizon_days       INTEGER NOT NULL DEFAULT 14 CHECK (horizon_days BETWEEN 1 AND 366),
    primary_color      TEXT,
    text_color         TEXT,
    font               TEXT,
    created_at         INTEGER NOT NULL
);
CREATE TABLE site_origins (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    origin  TEXT NOT NULL,
    PRIMARY KEY (site_id, origin)
);
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    company_id    TEXT NOT NULL REFERENCES companies(id),
    first_name    TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role          TEXT NOT NULL CHECK (role IN ('agent', 'assistant', 'assistant_video', 'admin')),
    locale        TEXT NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'nl')),
    password_hash TEXT,
    created_at    INTEGER NOT NULL
);
CREATE TABLE site_users (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (site_id, user_id)
);
CREATE TABLE meetings (
    id         TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    site_id    TEXT NOT NULL REFERENCES sites(id),
    agent_id   TEXT NOT NULL REFERENCES users(id),
    subject    TEXT NOT NULL,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    opens_at   INTEGER NOT NULL,
    closes_at  INTEGER NOT NULL,
    status     TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    capacity   INTEGER NOT NULL DEFAULT 2 CHECK (capacity BETWEEN 2 AND 3),
    created_at INTEGER NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK (opens_at <= starts_at AND closes_at >= ends_at)
);
CREATE INDEX meetings_agent_time ON meetings (agent_id, starts_at);
CREATE INDEX meetings_site_time ON meetings (site_id, starts_at);
CREATE TABLE participants (
    id         TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    user_id    TEXT REFERENCES users(id),
    name       TEXT NOT NULL,
    email      TEXT,
    phone      TEXT,
    is_host    INTEGER NOT NULL DEFAULT 0 CHECK (is_host IN (0, 1)),
    link_id    TEXT NOT NULL UNIQUE,   -- random half of the signed join hash
    created_at INTEGER NOT NULL
);
CREATE INDEX participants_meeting ON participants (meeting_id);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,       -- SHA-256 of the cookie value
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE login_links (
    token_hash TEXT PRIMARY KEY,       -- SHA-256 of the token in the link
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
"#,
];

/// Apply every migration the database has not seen yet.
pub async fn migrate(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    let current: i64 = sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(pool)
        .await?;
    for (i, script) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::raw_sql(script).execute(&mut *tx).await?;
        // PRAGMA takes no bound parameters; the value is our own loop counter.
        sqlx::raw_sql(&format!("PRAGMA user_version = {}", i + 1))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version = i + 1, "database schema migrated");
    }
    Ok(())
}
