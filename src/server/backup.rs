//! Backups of the SQLite database while it serves (`consult backup`), and a backup put back
//! in place of a lost one (`consult restore`). PostgreSQL has its own tools for both: the
//! commands say which.
//!
//! A backup is the database only. It holds no `secret.key` (the key that signs links and
//! seals queued mail): keep the key apart, as the README says, and give the restored server
//! the key it had; a server refuses a database used with another key. Recordings kept on disk
//! are files of their own under `{data}/recordings` (or in the bucket).

use super::store::Store;
use std::path::Path;

/// What these commands answer when they cannot do it.
pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// Said to an operator running these on PostgreSQL.
const ON_POSTGRES: &str = "this database is PostgreSQL: back it up with its own tools while \
    it serves (`pg_dump --format=custom --file=consult.dump DATABASE_URL`; consistent, it reads \
    one snapshot) and restore into an empty database (`pg_restore --no-owner --dbname=URL \
    consult.dump`), then start Consult on it with the same secret.key";

/// Write a consistent copy of the store's SQLite database to `to`, a new file readable by
/// its owner only, while the server may be serving: `VACUUM INTO` reads one snapshot (WAL
/// lets writers go on meanwhile) and writes a compact, whole database. Returns its size.
pub async fn backup(store: &Store, to: &Path) -> Result<u64, Failure> {
    if store.engine() == super::store::Engine::Postgres {
        return Err(ON_POSTGRES.into());
    }
    if std::fs::metadata(to).is_ok_and(|m| m.len() > 0) {
        return Err(format!("{} exists: a backup never overwrites a file", to.display()).into());
    }
    // Private before SQLite writes into it (it writes into an empty file as it finds it).
    super::private_fs::touch(to)?;
    let target = to
        .to_str()
        .ok_or("the backup's path must be valid UTF-8")?
        .to_string();
    if let Err(e) = sqlx::query("VACUUM INTO $1")
        .bind(&target)
        .execute(store.pool())
        .await
    {
        let _ = std::fs::remove_file(to);
        return Err(format!("the backup failed: {e}").into());
    }
    Ok(std::fs::metadata(to)?.len())
}

/// Put the backup `from` in place as the data folder's database. Refused while the folder has
/// a database (stop the server and move it away first: a restore never overwrites one), and
/// for a file that is not a whole SQLite database of this or an older Consult. The copy is
/// written beside its place, flushed, then renamed: a crash leaves the old state or the new.
pub async fn restore(from: &Path, data: &Path) -> Result<(), Failure> {
    let target = data.join("consult.db");
    if std::fs::metadata(&target).is_ok_and(|m| m.len() > 0) {
        return Err(format!(
            "{} exists: stop the server and move it (and its -wal and -shm files) away first",
            target.display()
        )
        .into());
    }
    check(from).await?;
    super::private_fs::create_dir(data)?;
    let partial = data.join("consult.db.restoring");
    let _ = std::fs::remove_file(&partial);
    super::private_fs::touch(&partial)?;
    {
        use std::io::Write;
        let mut out = std::fs::OpenOptions::new().write(true).open(&partial)?;
        let mut input = std::fs::File::open(from)?;
        std::io::copy(&mut input, &mut out)?;
        out.flush()?;
        out.sync_all()?;
    }
    for side in ["consult.db-wal", "consult.db-shm"] {
        let _ = std::fs::remove_file(data.join(side));
    }
    std::fs::rename(&partial, &target)?;
    std::fs::File::open(data)?.sync_all()?;
    Ok(())
}

/// A whole SQLite database whose schema this binary knows (an older one is brought up to date
/// when the server starts on it).
async fn check(from: &Path) -> Result<(), Failure> {
    use sqlx::ConnectOptions;
    if !from.is_file() {
        return Err(format!("{}: no such file", from.display()).into());
    }
    let refused = |why: &str| -> Failure {
        format!("{} is not a Consult backup: {why}", from.display()).into()
    };
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(from)
        .read_only(true)
        .connect()
        .await
        .map_err(|_| refused("not an SQLite database"))?;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|_| refused("not an SQLite database"))?;
    if integrity != "ok" {
        return Err(refused("its integrity check fails"));
    }
    let version: i64 = sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(&mut conn)
        .await
        .map_err(|_| refused("no schema version"))?;
    let known = super::store::schema_version();
    if version < 1 {
        return Err(refused("it has no Consult schema"));
    }
    if version > known {
        return Err(refused(&format!(
            "it was written by a newer Consult (schema {version}; this one knows {known})"
        )));
    }
    Ok(())
}
