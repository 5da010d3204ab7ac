//! Schema migrations: an ordered list of SQL scripts, applied once each in a transaction and
//! counted (SQLite's `user_version`; on PostgreSQL a one-row table). Never edit a shipped
//! script; append a new one.
//!
//! One list serves both engines: the scripts are written in SQLite's SQL, and [`for_engine`]
//! rewrites the few words PostgreSQL spells differently (its `INTEGER` is 32 bits, where
//! SQLite's holds the 64-bit milliseconds every time column stores). A test applies every
//! script on both engines, so a script that only one of them reads fails CI.

use super::Engine;
use sqlx::AnyPool;

const MIGRATIONS: &[Migration] = &[
    // 1: tenancy tree, sites, users, meetings, participants, sessions.
    Migration::Both(
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
    ),
    // 2: the REST API: contacts, dealers, richer companies/users/sites/meetings, API clients,
    // activations and the outbox.
    Migration::Both(
        r#"
INSERT INTO packages (id, name, features) VALUES ('7b7c0d1e2f3a4b5c6d7e8f90', 'basic',
 '["weseedo_personal","chat","agent_create_appointment","appointment","screensharing","waitingroom"]');
CREATE TABLE contacts (
    id         TEXT PRIMARY KEY,
    first_name TEXT NOT NULL,
    last_name  TEXT NOT NULL,
    email      TEXT NOT NULL,
    phone      TEXT NOT NULL,
    language   TEXT NOT NULL CHECK (language IN ('nl', 'en'))
);
CREATE TABLE notification_contacts (
    id    TEXT PRIMARY KEY,
    email TEXT NOT NULL
);
ALTER TABLE resellers ADD COLUMN contact_id TEXT REFERENCES contacts(id);
ALTER TABLE resellers ADD COLUMN suspended INTEGER NOT NULL DEFAULT 0;
CREATE TABLE dealers (
    id                      TEXT PRIMARY KEY,
    reseller_id             TEXT NOT NULL REFERENCES resellers(id),
    name                    TEXT NOT NULL,
    contact_id              TEXT NOT NULL REFERENCES contacts(id),
    notification_contact_id TEXT REFERENCES notification_contacts(id),
    suspended               INTEGER NOT NULL DEFAULT 0,
    created_at              INTEGER NOT NULL,
    deleted_at              INTEGER
);
CREATE INDEX dealers_reseller ON dealers (reseller_id);
ALTER TABLE companies ADD COLUMN dealer_id TEXT REFERENCES dealers(id);
ALTER TABLE companies ADD COLUMN contact_id TEXT REFERENCES contacts(id);
ALTER TABLE companies ADD COLUMN suspended INTEGER NOT NULL DEFAULT 0;
ALTER TABLE companies ADD COLUMN deleted_at INTEGER;
CREATE INDEX companies_reseller ON companies (reseller_id);
CREATE INDEX companies_dealer ON companies (dealer_id);
ALTER TABLE users ADD COLUMN photo BLOB;
ALTER TABLE users ADD COLUMN photo_type TEXT;
ALTER TABLE users ADD COLUMN suspended INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN deleted_at INTEGER;
CREATE INDEX users_company ON users (company_id);
ALTER TABLE sites ADD COLUMN email_invite_text TEXT;
ALTER TABLE sites ADD COLUMN email_cancel_text TEXT;
ALTER TABLE sites ADD COLUMN email_hardwaretest_text TEXT;
ALTER TABLE sites ADD COLUMN email_enable_hardwaretest INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN deleted_at INTEGER;
CREATE INDEX sites_company ON sites (company_id);
CREATE INDEX site_users_user ON site_users (user_id);
CREATE TABLE api_clients (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    secret_hash    TEXT NOT NULL,       -- SHA-256 of a 256-bit random secret
    entity_type    TEXT NOT NULL CHECK (entity_type IN ('reseller', 'dealer', 'company')),
    entity_id      TEXT NOT NULL,
    quota_limit    INTEGER NOT NULL DEFAULT 10000 CHECK (quota_limit > 0),
    quota_interval INTEGER NOT NULL DEFAULT 1 CHECK (quota_interval > 0),
    quota_unit     TEXT NOT NULL DEFAULT 'hour' CHECK (quota_unit IN ('minute', 'hour', 'day')),
    created_at     INTEGER NOT NULL,
    revoked_at     INTEGER
);
CREATE INDEX api_clients_entity ON api_clients (entity_type, entity_id);
CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL REFERENCES api_clients(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
);
CREATE TABLE activations (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    mailed_at  INTEGER                 -- when the set-password e-mail was queued
);
ALTER TABLE meetings ADD COLUMN is_appointment INTEGER NOT NULL DEFAULT 1;
ALTER TABLE meetings ADD COLUMN invitation TEXT;
ALTER TABLE meetings ADD COLUMN invitation_sms TEXT;
ALTER TABLE meetings ADD COLUMN send_email INTEGER NOT NULL DEFAULT 0;
ALTER TABLE meetings ADD COLUMN send_sms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE meetings ADD COLUMN created_by_user TEXT REFERENCES users(id);
ALTER TABLE meetings ADD COLUMN created_by_client TEXT;
ALTER TABLE participants ADD COLUMN username TEXT;
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL,
    attachments     TEXT NOT NULL DEFAULT '[]',  -- JSON: [{"name", "media_type", "content"}]
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    sent_at         INTEGER,
    failed_at       INTEGER,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
"#,
    ),
    // 3: indexes the API benchmark asked for. Listing a company's meetings by time reads an
    // index instead of every meeting; clearing expired tokens no longer scans them all.
    Migration::Both(
        r#"
CREATE INDEX meetings_company_time ON meetings (company_id, status, starts_at, id);
CREATE INDEX api_tokens_expiry ON api_tokens (expires_at);
"#,
    ),
    // 4: booking rules besides the opening hours.
    Migration::Both(
        r#"
ALTER TABLE sites ADD COLUMN buffer_minutes INTEGER NOT NULL DEFAULT 0
    CHECK (buffer_minutes BETWEEN 0 AND 240);
ALTER TABLE sites ADD COLUMN min_notice_minutes INTEGER NOT NULL DEFAULT 0
    CHECK (min_notice_minutes BETWEEN 0 AND 43200);
ALTER TABLE sites ADD COLUMN closed_dates TEXT NOT NULL DEFAULT '[]';  -- JSON: ["YYYY-MM-DD", …]
"#,
    ),
    // 5: the booking form's privacy statement and phone country; what a customer tells us.
    Migration::Both(
        r#"
ALTER TABLE sites ADD COLUMN privacy_url TEXT;
ALTER TABLE sites ADD COLUMN phone_prefix TEXT NOT NULL DEFAULT '+31';
ALTER TABLE meetings ADD COLUMN note TEXT;
ALTER TABLE participants ADD COLUMN locale TEXT CHECK (locale IN ('en', 'nl'));
ALTER TABLE participants ADD COLUMN time_zone TEXT;
ALTER TABLE participants ADD COLUMN consented_at INTEGER;
ALTER TABLE sites ADD COLUMN prefill_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN prefill_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN special_hours TEXT NOT NULL DEFAULT '{}';  -- JSON: {"YYYY-MM-DD": [[from, to], …]}
-- The last line of defence against double booking: whatever the code above it does, the
-- database holds one scheduled meeting per agent and start.
CREATE UNIQUE INDEX meetings_agent_start ON meetings (agent_id, starts_at) WHERE status = 'scheduled';
"#,
    ),
    // 6: may the agent see a waiting customer's camera before admitting them? Off by default.
    Migration::Both(
        r#"
ALTER TABLE sites ADD COLUMN waiting_preview INTEGER NOT NULL DEFAULT 0;
"#,
    ),
    // 7: when the host last ended the call for everyone (resume tokens from before it are dead,
    // across restarts too).
    Migration::Both(
        r#"
ALTER TABLE meetings ADD COLUMN call_ended_at INTEGER;
"#,
    ),
    // 8: a site's logo and waiting-room background, served by Consult itself (a page never
    // loads images from anyone else). Their own table: site rows stay small.
    Migration::Both(
        r#"
CREATE TABLE site_images (
    site_id    TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('logo', 'background')),
    media_type TEXT NOT NULL CHECK (media_type IN ('image/png', 'image/jpeg')),
    bytes      BLOB NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, kind)
);
"#,
    ),
    // 9: abuse limits of the public booking form. A booking remembers where it came from as
    // a keyed hash of the client address (never the address), so a site owner can see a burst
    // and cancel it; queued messages know their meeting, so cancelling a burst withdraws the
    // mail it would have sent. Bookings per e-mail address and phone number are counted
    // through these indexes.
    Migration::Both(
        r#"
ALTER TABLE outbox ADD COLUMN meeting_id TEXT;
CREATE INDEX outbox_meeting ON outbox (meeting_id) WHERE meeting_id IS NOT NULL;
ALTER TABLE meetings ADD COLUMN source TEXT;
CREATE INDEX meetings_site_created ON meetings (site_id, created_at);
CREATE INDEX participants_email ON participants (email COLLATE NOCASE, created_at) WHERE email IS NOT NULL;
CREATE INDEX participants_phone ON participants (phone, created_at) WHERE phone IS NOT NULL;
"#,
    ),
    // 10: rooms the Whereby way. A company's API keys (stored hashed); its point budget per
    // minute. A room is transient: from creation to an hour after its end, then the sweeper
    // removes it; a deleted one stays as a tombstone until then, so deleting twice answers
    // the same. Its theme and images belong to it alone.
    Migration::Both(
        r#"
CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    name       TEXT NOT NULL,
    key_hash   TEXT NOT NULL UNIQUE,   -- SHA-256 of the key
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX api_keys_company ON api_keys (company_id);
ALTER TABLE companies ADD COLUMN room_api_points INTEGER NOT NULL DEFAULT 1000
    CHECK (room_api_points BETWEEN 1 AND 1000000);
CREATE TABLE rooms (
    id         TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    name       TEXT NOT NULL UNIQUE,   -- '/prefix-…', as the API shows it
    is_locked  INTEGER NOT NULL CHECK (is_locked IN (0, 1)),
    mode       TEXT NOT NULL CHECK (mode IN ('normal')),
    template   TEXT CHECK (template IN ('viewerMode')),
    recording  TEXT,                   -- the validated recording options, JSON
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    closes_at  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    deleted_at INTEGER,
    theme      TEXT,                   -- custom colours, JSON; none: the site's and defaults
    CHECK (closes_at >= ends_at)
);
CREATE INDEX rooms_company_created ON rooms (company_id, created_at, id);
CREATE INDEX rooms_closes ON rooms (closes_at);
CREATE TABLE room_images (
    room_id    TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('logo', 'background', 'knock')),
    media_type TEXT NOT NULL CHECK (media_type IN ('image/png', 'image/jpeg')),
    bytes      BLOB NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, kind)
);
"#,
    ),
    // 11: insights of rooms, from what happened: each session (first person in to last out),
    // each participant's join and leave, and their network samples. Kept apart from the
    // rooms (no foreign key): the sweeper removes a closed room, its insights stay.
    Migration::Both(
        r#"
CREATE TABLE room_sessions (
    id              TEXT PRIMARY KEY,
    room_id         TEXT NOT NULL,
    company_id      TEXT NOT NULL REFERENCES companies(id),
    room_name       TEXT NOT NULL,
    room_created_at INTEGER NOT NULL,
    room_ends_at    INTEGER NOT NULL,
    started_at      INTEGER NOT NULL,
    ended_at        INTEGER
);
CREATE INDEX room_sessions_company_room ON room_sessions (company_id, room_name, started_at);
CREATE TABLE session_participants (
    id           TEXT PRIMARY KEY,
    session_id   TEXT NOT NULL REFERENCES room_sessions(id) ON DELETE CASCADE,
    display_name TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('host', 'guest', 'viewer')),
    external_id  TEXT,
    joined_at    INTEGER NOT NULL,
    left_at      INTEGER
);
CREATE INDEX session_participants_session ON session_participants (session_id, joined_at);
CREATE INDEX session_participants_external ON session_participants (external_id)
    WHERE external_id IS NOT NULL;
CREATE TABLE participant_samples (
    participant_id   TEXT NOT NULL REFERENCES session_participants(id) ON DELETE CASCADE,
    at               INTEGER NOT NULL,
    packet_loss_send REAL NOT NULL,
    packet_loss_recv REAL NOT NULL,
    bitrate_send     INTEGER NOT NULL,
    bitrate_recv     INTEGER NOT NULL
);
CREATE INDEX participant_samples_participant ON participant_samples (participant_id, at);
"#,
    ),
    // 12: a participant's browser, as the room's insights show it (`userAgent`).
    Migration::Both(
        r#"
ALTER TABLE session_participants ADD COLUMN user_agent TEXT;
"#,
    ),
    // 13: appointments of the appointments API, each over a room of its own (no foreign key:
    // the sweeper removes a closed room, the appointment stays with the room's name). A
    // `department` is the name of one of the company's sites: its agents may take it.
    Migration::Both(
        r#"
CREATE TABLE appointments (
    id                    TEXT PRIMARY KEY,   -- a uuid, as the seed shows
    company_id            TEXT NOT NULL REFERENCES companies(id),
    reference             TEXT NOT NULL,
    appointment_at        INTEGER NOT NULL,
    duration_minutes      INTEGER NOT NULL CHECK (duration_minutes BETWEEN 5 AND 480),
    interpreter_needed    INTEGER NOT NULL CHECK (interpreter_needed IN (0, 1)),
    interpreter_language  TEXT,
    department            TEXT,
    agent_id              TEXT REFERENCES users(id),
    locale                TEXT NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'nl')),
    time_zone             TEXT NOT NULL DEFAULT 'UTC',
    claimant_name         TEXT NOT NULL,
    claimant_birth_date   TEXT,
    claimant_phone        TEXT,
    claimant_email        TEXT,
    features              TEXT NOT NULL,      -- the call's switches, JSON
    redirect_custom       INTEGER NOT NULL CHECK (redirect_custom IN (0, 1)),
    redirect_user_url     TEXT,
    redirect_agent_url    TEXT,
    status                TEXT NOT NULL DEFAULT 'scheduled'
        CHECK (status IN ('scheduled', 'in_progress', 'completed', 'cancelled')),
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    cancelled_at          INTEGER,
    cancellation_reason   TEXT,
    session_started_at    INTEGER,
    session_ended_at      INTEGER,
    on_hold_started_at    INTEGER,
    on_hold_ended_at      INTEGER,
    blur                  TEXT CHECK (blur IN ('applied', 'unsupported')),
    room_id               TEXT NOT NULL UNIQUE,
    room_name             TEXT NOT NULL,
    room_starts_at        INTEGER NOT NULL,
    room_ends_at          INTEGER NOT NULL,
    UNIQUE (company_id, reference)
);
CREATE INDEX appointments_company_at ON appointments (company_id, appointment_at, id);
"#,
    ),
    // 14: a reseller's or dealer's list of meetings walks scheduled meetings in start order
    // and stops after one page (a company's uses meetings_company_time), instead of sorting
    // every meeting in scope on every page.
    Migration::Both(
        r#"
CREATE INDEX meetings_status_time ON meetings (status, starts_at, id);
"#,
    ),
    // 15: limits that every node on one database shares (PostgreSQL; a single SQLite process
    // counts in its memory): the calls of each limited key in its current window. The key is
    // kept as a keyed hash, since many are client addresses.
    Migration::Both(
        r#"
CREATE TABLE quota_windows (
    key_tag      TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    window_end   INTEGER NOT NULL,
    used         INTEGER NOT NULL CHECK (used >= 0)
);
CREATE INDEX quota_windows_end ON quota_windows (window_end);
"#,
    ),
    // 16: recordings made in a host's browser, with who was told before anything was recorded
    // (and when). Kept apart from rooms (no foreign key): a room closes, its recordings stay
    // until deleted. `cloud` ones have a file under the data folder while not deleted;
    // `local` ones (downloaded by the host) keep only the row and its consent. A deleted one
    // stays as a tombstone (deleting twice answers the same), its file gone.
    Migration::Both(
        r#"
CREATE TABLE recordings (
    id             TEXT PRIMARY KEY,
    company_id     TEXT NOT NULL REFERENCES companies(id),
    room_id        TEXT NOT NULL,
    room_name      TEXT NOT NULL,
    session_id     TEXT,
    mode           TEXT NOT NULL CHECK (mode IN ('local', 'cloud')),
    state          TEXT NOT NULL
        CHECK (state IN ('recording', 'stopped', 'ready', 'deleted')),
    started_at     INTEGER NOT NULL,
    stopped_at     INTEGER,
    sealed_at      INTEGER,
    next_chunk     INTEGER NOT NULL DEFAULT 0 CHECK (next_chunk >= 0),
    bytes          INTEGER NOT NULL DEFAULT 0 CHECK (bytes >= 0),
    last_chunk_at  INTEGER,
    deleted_at     INTEGER
);
CREATE INDEX recordings_company_started ON recordings (company_id, started_at, id);
CREATE INDEX recordings_room ON recordings (room_id);
CREATE INDEX recordings_state ON recordings (state, last_chunk_at);
CREATE TABLE recording_consents (
    recording_id TEXT NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    peer_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('host', 'guest', 'viewer')),
    told_at      INTEGER NOT NULL,
    PRIMARY KEY (recording_id, peer_id)
);
ALTER TABLE companies ADD COLUMN recording_limit_mb INTEGER NOT NULL DEFAULT 10240
    CHECK (recording_limit_mb >= 0);
"#,
    ),
    // 17: when a deleted recording's files were seen gone from disk. The delete removes them
    // at once; one it could not remove (a disk error) the sweeper tries again, finding it by
    // this index of the few not yet purged.
    Migration::Both(
        r#"
ALTER TABLE recordings ADD COLUMN purged_at INTEGER;
CREATE INDEX recordings_unpurged ON recordings (id) WHERE state = 'deleted' AND purged_at IS NULL;
"#,
    ),
    // 18: whether a site's meetings may be recorded by their agent, and where.
    Migration::Both(
        r#"
ALTER TABLE sites ADD COLUMN recording TEXT NOT NULL DEFAULT 'none'
    CHECK (recording IN ('none', 'local', 'cloud'));
"#,
    ),
    // 19: the audit trail (who did what to which entity, when: ids only, never personal
    // data; rows are only ever added), each company's retention period of personal data, and
    // when a meeting's, an appointment's or a room session's personal data was erased (by
    // retention or on request): what remains are times, agents and counts.
    Migration::Both(
        r#"
CREATE TABLE audit_events (
    id          TEXT PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor_type  TEXT NOT NULL
        CHECK (actor_type IN ('api_client', 'api_key', 'console_user', 'operator', 'system')),
    actor_id    TEXT,
    scope_type  TEXT CHECK (scope_type IN ('reseller', 'dealer', 'company')),
    scope_id    TEXT,
    company_id  TEXT,
    action      TEXT NOT NULL,
    entity_type TEXT,
    entity_id   TEXT,
    status      INTEGER,
    request_id  TEXT
);
CREATE INDEX audit_events_company ON audit_events (company_id, at, id);
CREATE INDEX audit_events_scope ON audit_events (scope_id, at, id);
ALTER TABLE companies ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 90
    CHECK (retention_days BETWEEN 1 AND 3650);
ALTER TABLE meetings ADD COLUMN erased_at INTEGER;
CREATE INDEX meetings_unerased ON meetings (closes_at) WHERE erased_at IS NULL;
ALTER TABLE appointments ADD COLUMN erased_at INTEGER;
CREATE INDEX appointments_unerased ON appointments (room_ends_at) WHERE erased_at IS NULL;
ALTER TABLE room_sessions ADD COLUMN erased_at INTEGER;
CREATE INDEX room_sessions_unerased ON room_sessions (started_at) WHERE erased_at IS NULL;
"#,
    ),
    // 20: the audit trail is append-only in the database too: a change or removal of an entry
    // is refused whoever asks (code, a console, a script). Triggers: one per engine.
    Migration::Each {
        sqlite: r#"
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
"#,
        postgres: r#"
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END
$body$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
"#,
    },
];

/// One migration: a script both engines read (PostgreSQL's rewritten by [`for_engine`]), or,
/// where they cannot share one (triggers), a script for each.
enum Migration {
    /// One script for both.
    Both(&'static str),
    /// A script for each engine.
    Each {
        sqlite: &'static str,
        postgres: &'static str,
    },
}

impl Migration {
    /// The script as `engine` reads it.
    fn script(&self, engine: Engine) -> String {
        match (self, engine) {
            (Migration::Both(script), engine) => for_engine(script, engine),
            (Migration::Each { sqlite, .. }, Engine::Sqlite) => sqlite.to_string(),
            (Migration::Each { postgres, .. }, Engine::Postgres) => postgres.to_string(),
        }
    }
}

/// The schema version this binary writes (the number of migrations it knows).
pub fn known_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Apply every migration the database has not seen yet. A database written by a newer
/// Consult (a schema this binary does not know) is refused: an older binary would misread it,
/// and its next write could lose what the newer one stored.
pub async fn migrate(pool: &AnyPool, engine: Engine) -> Result<(), sqlx::Error> {
    if engine == Engine::Postgres {
        // What SQLite has built in: the schema's version, and `NOCASE` (case-insensitive
        // comparison of e-mail addresses; ICU's level-2 strength ignores case, as SQLite's
        // NOCASE does for ASCII). Several nodes may start at once: each waits for the lock.
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK_KEY)
            .execute(&mut *tx)
            .await?;
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS consult_schema (version BIGINT NOT NULL);
             INSERT INTO consult_schema (version)
                 SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM consult_schema);
             DO $$ BEGIN
                 IF NOT EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'nocase') THEN
                     CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2',
                                              deterministic = false);
                 END IF;
             END $$;",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    let current = version(pool, engine).await?;
    if current > MIGRATIONS.len() as i64 {
        return Err(newer(current));
    }
    for (i, migration) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
        let mut tx = match engine {
            Engine::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
            Engine::Postgres => pool.begin().await?,
        };
        if engine == Engine::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(MIGRATION_LOCK_KEY)
                .execute(&mut *tx)
                .await?;
            // Another node may have applied it while this one waited.
            let now: i64 = sqlx::query_scalar("SELECT version FROM consult_schema")
                .fetch_one(&mut *tx)
                .await?;
            if now > i as i64 {
                continue;
            }
        }
        sqlx::raw_sql(&migration.script(engine))
            .execute(&mut *tx)
            .await?;
        match engine {
            // PRAGMA takes no bound parameters; the value is our own loop counter.
            Engine::Sqlite => {
                sqlx::raw_sql(&format!("PRAGMA user_version = {}", i + 1))
                    .execute(&mut *tx)
                    .await?;
            }
            Engine::Postgres => {
                sqlx::query("UPDATE consult_schema SET version = $1")
                    .bind(i as i64 + 1)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        tracing::info!(version = i + 1, "database schema migrated");
    }
    Ok(())
}

/// The key of the PostgreSQL advisory lock that nodes starting together take to migrate one
/// at a time.
const MIGRATION_LOCK_KEY: i64 = 0x0043_4f4e_534d_4947;

/// The schema version the database is at.
async fn version(pool: &AnyPool, engine: Engine) -> Result<i64, sqlx::Error> {
    match engine {
        Engine::Sqlite => {
            sqlx::query_scalar("PRAGMA user_version")
                .fetch_one(pool)
                .await
        }
        Engine::Postgres => {
            sqlx::query_scalar("SELECT version FROM consult_schema")
                .fetch_one(pool)
                .await
        }
    }
}

fn newer(current: i64) -> sqlx::Error {
    sqlx::Error::Configuration(
        format!(
            "the database has schema version {current}, written by a newer Consult; this \
             binary knows versions up to {}. Run the newer binary (or restore a backup).",
            MIGRATIONS.len()
        )
        .into(),
    )
}

/// A migration script as `engine` reads it. SQLite's types become PostgreSQL's of the same
/// range (`INTEGER` 64-bit, `REAL` double precision, `BLOB` bytes), and a column's `COLLATE`
/// moves to where PostgreSQL wants it, right after the type. Words are replaced whole, and
/// only these: anything else in a script must already be SQL both engines read.
pub(crate) fn for_engine(script: &str, engine: Engine) -> String {
    if engine == Engine::Sqlite {
        return script.to_string();
    }
    let script = script.replace(
        "TEXT NOT NULL UNIQUE COLLATE NOCASE",
        "TEXT COLLATE nocase NOT NULL UNIQUE",
    );
    let mut out = String::with_capacity(script.len() + 256);
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(match word.as_str() {
            "INTEGER" => "BIGINT",
            "REAL" => "DOUBLE PRECISION",
            "BLOB" => "BYTEA",
            w => w,
        });
        word.clear();
    };
    for c in script.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_database_from_a_newer_binary_is_refused_untouched() {
        // One connection: each in-memory connection is a database of its own.
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        migrate(&pool, Engine::Sqlite).await.unwrap();
        let newer = MIGRATIONS.len() + 1;
        sqlx::raw_sql(&format!("PRAGMA user_version = {newer}"))
            .execute(&pool)
            .await
            .unwrap();
        let e = migrate(&pool, Engine::Sqlite)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("newer Consult"), "{e}");
        let version: i64 = sqlx::query_scalar("PRAGMA user_version")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(version, newer as i64);
    }

    /// Every table, column (of the matching type) and named index of one engine's schema is
    /// in the other's: the one list of scripts, rewritten for PostgreSQL, builds the same
    /// database. Needs a PostgreSQL server (scripts/test.sh's second pass runs it).
    #[tokio::test]
    #[ignore = "needs PostgreSQL: scripts/test.sh runs it in its PostgreSQL pass"]
    async fn both_engines_build_the_same_schema() {
        let server = std::env::var("CONSULT_TEST_POSTGRES")
            .expect("CONSULT_TEST_POSTGRES: a PostgreSQL server to compare with");
        sqlx::any::install_default_drivers();
        let lite = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        migrate(&lite, Engine::Sqlite).await.unwrap();
        let pg = crate::server::store::tests::temp_store().await.1;
        let columns_lite: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT m.name, p.name, lower(p.type) FROM sqlite_master m
             JOIN pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY 1, 2",
        )
        .fetch_all(&lite)
        .await
        .unwrap();
        let columns_pg: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT),
                    CASE CAST(data_type AS TEXT) WHEN 'bigint' THEN 'integer'
                         WHEN 'double precision' THEN 'real' WHEN 'bytea' THEN 'blob'
                         ELSE CAST(data_type AS TEXT) END
             FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name <> 'consult_schema' ORDER BY 1, 2",
        )
        .fetch_all(pg.pool())
        .await
        .unwrap();
        assert!(columns_lite.len() > 100, "{}", columns_lite.len());
        assert_eq!(columns_lite, columns_pg, "{server}");
        let indexes_lite: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY 1",
        )
        .fetch_all(&lite)
        .await
        .unwrap();
        let indexes_pg: Vec<String> = sqlx::query_scalar(
            "SELECT CAST(indexname AS TEXT) FROM pg_indexes WHERE schemaname = 'public'
               AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key' ORDER BY 1",
        )
        .fetch_all(pg.pool())
        .await
        .unwrap();
        assert_eq!(indexes_lite, indexes_pg);
    }
}
