//! A cloud recording's bytes on disk: `{data}/recordings/{company}/{id}.part` while chunks
//! arrive, `{id}.webm` once sealed. Folders and files are the server's own (0700, 0600).
//! Every path is built from ids checked to be hex digits ([`valid_id`]), never from other
//! input. These functions block (file I/O and fsync): callers run them on the blocking pool.

use super::webm;
use std::fs::OpenOptions;
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Whether `id` has the shape of our ids (`new_id()`: 24 lowercase hex digits; up to 64
/// are accepted), so that it may name a file.
pub fn valid_id(id: &str) -> bool {
    (24..=64).contains(&id.len()) && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Where one recording's files live.
#[derive(Clone, Debug)]
pub struct Files {
    dir: PathBuf,
    id: String,
}

impl Files {
    /// The files of recording `id` of `company` under the data folder `data`; `None` when an
    /// id is not of our shape.
    pub fn of(data: &Path, company: &str, id: &str) -> Option<Files> {
        (valid_id(company) && valid_id(id)).then(|| Files {
            dir: data.join("recordings").join(company),
            id: id.to_string(),
        })
    }

    /// The file chunks are appended to.
    pub fn part(&self) -> PathBuf {
        self.dir.join(format!("{}.part", self.id))
    }

    /// The sealed file.
    pub fn sealed(&self) -> PathBuf {
        self.dir.join(format!("{}.webm", self.id))
    }

    fn staging(&self) -> PathBuf {
        self.dir.join(format!("{}.webm.tmp", self.id))
    }

    /// Append a chunk to the part file after the `stored` bytes the database counts, and
    /// make it durable; the file's new length. Bytes past `stored` are cut first: a write
    /// whose database update never happened (a crash between the two) left them, and the
    /// chunk is about to be written again.
    pub fn append(&self, stored: u64, chunk: &[u8]) -> io::Result<u64> {
        crate::server::private_fs::ensure_dir(&self.dir)?;
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let path = self.part();
        let mut f = options.open(&path)?;
        let len = f.metadata()?.len();
        if len < stored {
            // The disk lost what it had acknowledged: appending would leave a hole. (No path
            // in the message: it names the company and the recording.)
            return Err(io::Error::other(format!(
                "a part file holds {len} bytes where {stored} were stored"
            )));
        }
        if len > stored {
            f.set_len(stored)?;
        }
        f.seek(SeekFrom::Start(stored))?;
        f.write_all(chunk)?;
        f.sync_data()?;
        Ok(stored + chunk.len() as u64)
    }

    /// Seal the part file: copy it to the sealed file with its Duration written (see
    /// [`webm`]), durable before it takes the final name. Returns the sealed file's size and
    /// what was done. The part file stays until the caller has recorded the seal, so a crash
    /// in between seals again from it. Already sealed (no part file, the sealed one there):
    /// its size.
    pub fn seal(&self) -> io::Result<(u64, webm::Plan)> {
        let part = self.part();
        let sealed = self.sealed();
        if !part.exists() {
            let size = std::fs::metadata(&sealed)?.len();
            return Ok((size, webm::Plan::Leave("sealed before")));
        }
        let mut input = std::fs::File::open(&part)?;
        let plan = webm::plan(&mut input)?;
        let staging = self.staging();
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let out = options.open(&staging)?;
        let mut w = io::BufWriter::new(out);
        webm::apply(&mut input, &mut w, &plan)?;
        let out = w.into_inner().map_err(|e| e.into_error())?;
        out.sync_all()?;
        let size = out.metadata()?.len();
        std::fs::rename(&staging, &sealed)?;
        sync_dir(&self.dir)?;
        Ok((size, plan))
    }

    /// Remove the part file once the seal is recorded.
    pub fn drop_part(&self) -> io::Result<()> {
        remove(&self.part())
    }

    /// Remove every file of the recording (those that exist).
    pub fn remove_all(&self) -> io::Result<()> {
        remove(&self.part())?;
        remove(&self.staging())?;
        remove(&self.sealed())
    }

    /// Whether any file of the recording is on disk.
    pub fn any_exists(&self) -> bool {
        self.part().exists() || self.staging().exists() || self.sealed().exists()
    }
}

fn remove(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Make a rename in `dir` durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hex_ids_name_files() {
        let data = Path::new("/data");
        let id = "0123456789abcdef01234567";
        assert!(Files::of(data, id, id).is_some());
        for bad in [
            "",
            "../../etc/passwd",
            "0123456789ABCDEF01234567",
            "0123456789abcdef0123456",
            "0123456789abcdef0123456/",
            &"a".repeat(65),
        ] {
            assert!(Files::of(data, id, bad).is_none(), "{bad}");
            assert!(Files::of(data, bad, id).is_none(), "{bad}");
        }
        let f = Files::of(data, id, id).unwrap();
        assert_eq!(
            f.part(),
            Path::new("/data/recordings/0123456789abcdef01234567/0123456789abcdef01234567.part")
        );
    }

    #[test]
    fn an_append_after_a_lost_update_writes_the_chunk_once() {
        let dir = tempfile::tempdir().unwrap();
        let id = "0123456789abcdef01234567";
        let f = Files::of(dir.path(), id, id).unwrap();
        assert_eq!(f.append(0, b"abc").unwrap(), 3);
        // Written, but the database still says 3 bytes: the same chunk comes again.
        assert_eq!(f.append(3, b"def").unwrap(), 6);
        assert_eq!(f.append(3, b"def").unwrap(), 6);
        assert_eq!(std::fs::read(f.part()).unwrap(), b"abcdef");
        // The disk lost bytes it had acknowledged: refused, not a file with a hole.
        assert!(f.append(10, b"x").is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&f.part()), 0o600);
            assert_eq!(mode(&dir.path().join("recordings").join(id)), 0o700);
        }
        // Not a WebM file: sealed unchanged.
        let (size, plan) = f.seal().unwrap();
        assert_eq!(size, 6);
        assert!(matches!(plan, webm::Plan::Leave(_)));
        assert_eq!(std::fs::read(f.sealed()).unwrap(), b"abcdef");
        assert!(f.part().exists(), "kept until the seal is recorded");
        f.drop_part().unwrap();
        assert_eq!(f.seal().unwrap().0, 6, "sealed again: the same file");
        f.remove_all().unwrap();
        assert!(!f.any_exists());
        f.remove_all().unwrap();
    }
}
