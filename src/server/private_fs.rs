//! Files only the server's own user may read: the data folder (0700) and everything the server
//! writes into it (0600). The SQLite file, its journal, the signing key and the caches hold
//! personal data or secrets; another account on the machine reads none of them.

use std::io::Write;
use std::path::Path;

/// Create the server's own folder (and its parents) readable by the owner only; an existing
/// one (a data folder made 0755 by an earlier version) is narrowed to 0700.
pub fn create_dir(path: &Path) -> std::io::Result<()> {
    ensure_dir(path)?;
    restrict(path, 0o700)
}

/// Create a folder (and its parents) readable by the owner only when it is missing; one that
/// exists is left as it is (an operator's folder, such as `--asset-cache /var/cache/consult`,
/// keeps the mode they gave it).
pub fn ensure_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path)
}

/// Write a whole file readable by the owner only (created or replaced).
pub fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    write_with(options, path, bytes)
}

/// Write a new file readable by the owner only; an existing one is an error and stays as it
/// is (a key must never be written over).
pub fn create_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    write_with(options, path, bytes)
}

fn write_with(mut options: std::fs::OpenOptions, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    // Narrowed before anything is written: a file that existed with a wider mode never holds
    // the new content readable by others.
    restrict(path, 0o600)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Create an empty file readable by the owner only, unless it exists; an existing one is
/// narrowed to 0600. (SQLite gives its `-wal` and `-shm` files the database file's mode.)
pub fn touch(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?;
    restrict(path, 0o600)
}

/// Narrow an existing file or folder to `mode` when it allows more (data folders made by
/// earlier versions, created 0755/0644).
pub fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let current = std::fs::metadata(path)?.permissions().mode() & 0o777;
        if current & !mode != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn folders_and_files_are_private_even_when_they_existed() {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("a/b");
        create_dir(&data).unwrap();
        assert_eq!(mode(&data), 0o700);
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        create_dir(&data).unwrap();
        assert_eq!(mode(&data), 0o700, "an old 0755 folder is narrowed");
        let db = data.join("consult.db");
        std::fs::write(&db, b"x").unwrap();
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        touch(&db).unwrap();
        assert_eq!(mode(&db), 0o600);
        assert_eq!(std::fs::read(&db).unwrap(), b"x", "touch keeps the content");
        let key = data.join("k");
        write_file(&key, b"secret").unwrap();
        assert_eq!(mode(&key), 0o600);
        // A new file is never written over.
        assert!(create_new(&key, b"other").is_err());
        assert_eq!(std::fs::read(&key).unwrap(), b"secret");
        let fresh = data.join("fresh");
        create_new(&fresh, b"new").unwrap();
        assert_eq!(mode(&fresh), 0o600);
        // An operator's existing folder keeps its mode.
        let theirs = root.path().join("theirs");
        std::fs::create_dir(&theirs).unwrap();
        std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o755)).unwrap();
        ensure_dir(&theirs).unwrap();
        assert_eq!(mode(&theirs), 0o755);
        let made = root.path().join("made/here");
        ensure_dir(&made).unwrap();
        assert_eq!(mode(&made), 0o700);
    }
}
