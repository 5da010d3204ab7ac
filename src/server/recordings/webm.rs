//! The length of a browser's recording. Chrome's MediaRecorder writes a WebM file as it goes:
//! a Segment of unknown size whose Info has no Duration (it cannot know it yet), then
//! Clusters of unknown size, and no SeekHead or Cues. Players then show no length and seek
//! poorly. At the seal we read the last frame's time (each Cluster's Timecode plus its
//! blocks' relative timecodes, in the Info's TimecodeScale) and write a Duration element into
//! the Info, growing the Info's size. With the Segment's size unknown and no SeekHead, no
//! other element records a position or a size that this moves, so inserting bytes is safe.
//!
//! A file that is not shaped so (a SeekHead, whose positions would all be off by the bytes
//! inserted; a Segment of known size; a Duration already there) is left exactly as it is:
//! [`plan`] says why, and the seal copies it unchanged.
//!
//! Only the few elements needed are read, a header at a time; everything else is skipped
//! with a seek, so a recording of gigabytes costs a few reads per Cluster and block.

use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};

const EBML: u32 = 0x1A45_DFA3;
const SEGMENT: u32 = 0x1853_8067;
const SEEK_HEAD: u32 = 0x114D_9B74;
const INFO: u32 = 0x1549_A966;
const TIMECODE_SCALE: u32 = 0x2A_D7B1;
const DURATION: u32 = 0x4489;
const CLUSTER: u32 = 0x1F43_B675;
const CUES: u32 = 0x1C53_BB6B;
const TIMECODE: u32 = 0xE7;
const SIMPLE_BLOCK: u32 = 0xA3;
const BLOCK_GROUP: u32 = 0xA0;
const BLOCK: u32 = 0xA1;

/// The Info is a handful of short elements; anything larger is not a recorder's.
const LARGEST_INFO: u64 = 64 * 1024;

/// What the seal does to a file.
#[derive(Clone, Debug, PartialEq)]
pub enum Plan {
    /// Insert a Duration into the Info.
    Patch(Patch),
    /// Copy it as it is, for this reason.
    Leave(&'static str),
}

/// Where the Duration goes, and what it says.
#[derive(Clone, Debug, PartialEq)]
pub struct Patch {
    /// Offset of the Info element's id.
    pub info_at: u64,
    /// Length of its id and size.
    pub info_header_len: u64,
    /// Length of its content.
    pub info_size: u64,
    /// The Info's new id and size.
    pub new_header: Vec<u8>,
    /// The Duration element appended to the Info's content.
    pub duration: Vec<u8>,
    /// The duration, in seconds.
    pub seconds: f64,
}

/// An element's id, and its content's position and size (`None`: unknown size).
#[derive(Clone, Copy, Debug)]
struct Header {
    id: u32,
    at: u64,
    data: u64,
    size: Option<u64>,
}

/// Reads element headers from a file, a seek away from any position (short seeks forward,
/// past a block, stay within the buffer).
struct Reader<R> {
    r: BufReader<R>,
    pos: u64,
    len: u64,
}

impl<R: Read + Seek> Reader<R> {
    fn new(mut r: R) -> io::Result<Self> {
        let len = r.seek(SeekFrom::End(0))?;
        r.seek(SeekFrom::Start(0))?;
        Ok(Reader {
            r: BufReader::with_capacity(64 * 1024, r),
            pos: 0,
            len,
        })
    }

    fn byte(&mut self) -> io::Result<u8> {
        let mut b = [0u8; 1];
        self.r.read_exact(&mut b)?;
        self.pos += 1;
        Ok(b[0])
    }

    fn bytes(&mut self, n: usize) -> io::Result<Vec<u8>> {
        let mut v = vec![0u8; n];
        self.r.read_exact(&mut v)?;
        self.pos += n as u64;
        Ok(v)
    }

    fn seek(&mut self, to: u64) -> io::Result<()> {
        let by = i64::try_from(to).map_err(|_| invalid("a position past 2^63"))?
            - i64::try_from(self.pos).map_err(|_| invalid("a position past 2^63"))?;
        self.r.seek_relative(by)?;
        self.pos = to;
        Ok(())
    }

    /// A variable-length integer: its length from the first byte's leading zeros (1 to 8),
    /// and its bits, with the length marker (`keep_marker`, as ids are written) or without.
    fn vint(&mut self, keep_marker: bool) -> io::Result<(u64, usize)> {
        let first = self.byte()?;
        if first == 0 {
            return Err(invalid("a variable-length integer longer than 8 bytes"));
        }
        let len = first.leading_zeros() as usize + 1;
        let mut value = if keep_marker {
            first as u64
        } else {
            (first as u64) & (0xFF >> len)
        };
        for _ in 1..len {
            value = (value << 8) | self.byte()? as u64;
        }
        Ok((value, len))
    }

    /// The next element's header; `None` at the end of the file, or where the file ends
    /// inside a header (the last chunk of a recording cut short).
    fn header(&mut self) -> io::Result<Option<Header>> {
        if self.pos >= self.len {
            return Ok(None);
        }
        let at = self.pos;
        let parsed = (|| {
            let (id, id_len) = self.vint(true)?;
            if id_len > 4 {
                return Err(invalid("an element id longer than 4 bytes"));
            }
            let (size, size_len) = self.vint(false)?;
            // All value bits set: the size is unknown (written before the content was).
            let unknown = size == (1u64 << (7 * size_len)) - 1;
            Ok(Header {
                id: id as u32,
                at,
                data: self.pos,
                size: (!unknown).then_some(size),
            })
        })();
        match parsed {
            Ok(h) => Ok(Some(h)),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Past an element of known size; `false` when it runs past the end of the file.
    fn skip(&mut self, h: &Header, size: u64) -> io::Result<bool> {
        let end = h.data.saturating_add(size);
        if end > self.len {
            return Ok(false);
        }
        self.seek(end)?;
        Ok(true)
    }

    /// An unsigned integer element's value (at most 8 bytes).
    fn uint(&mut self, size: u64) -> io::Result<u64> {
        if size > 8 {
            return Err(invalid("an integer longer than 8 bytes"));
        }
        Ok(self
            .bytes(size as usize)?
            .iter()
            .fold(0u64, |v, b| (v << 8) | *b as u64))
    }
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

/// A variable-length size of `width` bytes (1 to 8) holding `value`, if it fits (the value
/// with all bits set means "unknown", so it does not fit).
fn size_bytes(value: u64, width: usize) -> Option<Vec<u8>> {
    if !(1..=8).contains(&width) || value >= (1u64 << (7 * width)) - 1 {
        return None;
    }
    let marked = value | (1u64 << (7 * width));
    Some(marked.to_be_bytes()[8 - width..].to_vec())
}

/// An element id's bytes (ids are written with their length marker).
fn id_bytes(id: u32) -> Vec<u8> {
    let b = id.to_be_bytes();
    let skip = b.iter().take_while(|x| **x == 0).count();
    b[skip..].to_vec()
}

/// Decide what the seal does with the file read by `r`: where its Duration goes and how long
/// it is, or why it stays as it is. Only a failure to read the file is an error; whatever
/// it holds, malformed or cut short, has a plan.
pub fn plan<R: Read + Seek>(r: R) -> io::Result<Plan> {
    match plan_for(Reader::new(r)?) {
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof
            ) =>
        {
            Ok(Plan::Leave("the file is malformed or cut short"))
        }
        other => other,
    }
}

fn plan_for<R: Read + Seek>(mut r: Reader<R>) -> io::Result<Plan> {
    match r.header()? {
        Some(h) if h.id == EBML => match h.size {
            Some(size) if r.skip(&h, size)? => {}
            _ => return Ok(Plan::Leave("the EBML header is incomplete")),
        },
        _ => return Ok(Plan::Leave("not a WebM file")),
    }
    let segment = match r.header()? {
        Some(h) if h.id == SEGMENT => h,
        _ => return Ok(Plan::Leave("no Segment")),
    };
    if segment.size.is_some() {
        // A finished file (a muxer that went back to write the size): its own tools wrote
        // the rest too.
        return Ok(Plan::Leave("the Segment's size is known"));
    }
    // The Segment's first elements, up to the first Cluster.
    let mut info = None;
    let mut scale = 1_000_000u64;
    loop {
        let Some(h) = r.header()? else {
            return Ok(Plan::Leave("no Cluster"));
        };
        match (h.id, h.size) {
            (CLUSTER, _) => {
                r.seek(h.at)?;
                break;
            }
            (SEEK_HEAD, _) => {
                // Its positions count from the Segment's start: every one after the Info
                // would be off by the bytes inserted.
                return Ok(Plan::Leave("a SeekHead records positions"));
            }
            (INFO, Some(size)) if size <= LARGEST_INFO => {
                let end = h.data + size;
                while r.pos < end {
                    let Some(c) = r.header()? else {
                        return Ok(Plan::Leave("the Info is incomplete"));
                    };
                    let Some(csize) = c.size.filter(|s| c.data + s <= end) else {
                        return Ok(Plan::Leave("the Info is malformed"));
                    };
                    match c.id {
                        DURATION => return Ok(Plan::Leave("the Info has a Duration")),
                        TIMECODE_SCALE => scale = r.uint(csize)?,
                        _ => {
                            if !r.skip(&c, csize)? {
                                return Ok(Plan::Leave("the Info is incomplete"));
                            }
                        }
                    }
                }
                info = Some((h, size));
            }
            (_, Some(size)) => {
                if !r.skip(&h, size)? {
                    return Ok(Plan::Leave("the file ends before its first Cluster"));
                }
            }
            (_, None) => {
                return Ok(Plan::Leave(
                    "an element of unknown size before the Clusters",
                ))
            }
        }
    }
    let Some((info, info_size)) = info else {
        return Ok(Plan::Leave("no Info"));
    };
    if scale == 0 {
        return Ok(Plan::Leave("the TimecodeScale is 0"));
    }
    let ticks = match last_frame(&mut r)? {
        Frames::Last(ticks) => ticks,
        Frames::None => return Ok(Plan::Leave("no frames")),
        Frames::Positions => return Ok(Plan::Leave("Cues or a SeekHead record positions")),
    };
    let mut duration = id_bytes(DURATION);
    duration.push(0x88);
    duration.extend_from_slice(&(ticks as f64).to_be_bytes());
    let new_size = info_size + duration.len() as u64;
    let old_width = (info.data - info.at) as usize - id_bytes(INFO).len();
    let Some(size) = size_bytes(new_size, old_width).or_else(|| size_bytes(new_size, 8)) else {
        return Ok(Plan::Leave("the Info is too large"));
    };
    let mut new_header = id_bytes(INFO);
    new_header.extend_from_slice(&size);
    Ok(Plan::Patch(Patch {
        info_at: info.at,
        info_header_len: info.data - info.at,
        info_size,
        new_header,
        duration,
        seconds: ticks as f64 * scale as f64 / 1e9,
    }))
}

/// What the Clusters tell.
enum Frames {
    /// The latest frame's time.
    Last(u64),
    /// No frame.
    None,
    /// Cues or a SeekHead among them: elements that record positions, which an insertion
    /// before them would put off.
    Positions,
}

/// The time of the latest frame, in TimecodeScale units: each Cluster's Timecode plus the
/// relative timecode of each of its blocks (the largest, as audio and video interleave). A
/// file cut short (the last chunk lost) ends where its last whole block header is.
fn last_frame<R: Read + Seek>(r: &mut Reader<R>) -> io::Result<Frames> {
    let mut cluster_time: Option<u64> = None;
    let mut last: Option<i128> = None;
    loop {
        // What cannot be read as an element ends the frames (a chunk written half).
        let h = match r.header() {
            Ok(Some(h)) => h,
            Ok(None) => break,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => break,
            Err(e) => return Err(e),
        };
        match (h.id, h.size) {
            (CUES | SEEK_HEAD, _) => return Ok(Frames::Positions),
            // Containers: their children follow, read in the same loop.
            (CLUSTER, _) => cluster_time = None,
            (BLOCK_GROUP, _) => {}
            (TIMECODE, Some(size)) => match r.uint(size) {
                Ok(t) => cluster_time = Some(t),
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(e),
            },
            (SIMPLE_BLOCK | BLOCK, Some(size)) => {
                // Track number (a variable-length integer), then the timecode relative to
                // the Cluster's, a signed 16-bit integer.
                let relative = (|| {
                    r.vint(false)?;
                    let b = r.bytes(2)?;
                    Ok::<_, io::Error>(i16::from_be_bytes([b[0], b[1]]))
                })();
                let relative = match relative {
                    Ok(t) => t,
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                    Err(e) => return Err(e),
                };
                if let Some(base) = cluster_time {
                    let t = base as i128 + relative as i128;
                    last = Some(last.map_or(t, |l| l.max(t)));
                }
                if !r.skip(&h, size)? {
                    break;
                }
            }
            (_, Some(size)) => {
                if !r.skip(&h, size)? {
                    break;
                }
            }
            // Nothing else of unknown size can be walked past.
            (_, None) => break,
        }
    }
    Ok(match last.and_then(|t| u64::try_from(t).ok()) {
        Some(t) => Frames::Last(t),
        None => Frames::None,
    })
}

/// Copy the file read by `r` to `w` as `plan` says: unchanged, or with the Duration inserted.
pub fn apply<R: Read + Seek, W: Write>(mut r: R, w: &mut W, plan: &Plan) -> io::Result<()> {
    r.seek(SeekFrom::Start(0))?;
    match plan {
        Plan::Leave(_) => {
            io::copy(&mut r, w)?;
        }
        Plan::Patch(p) => {
            copy_exact(&mut r, w, p.info_at)?;
            w.write_all(&p.new_header)?;
            r.seek(SeekFrom::Start(p.info_at + p.info_header_len))?;
            copy_exact(&mut r, w, p.info_size)?;
            w.write_all(&p.duration)?;
            io::copy(&mut r, w)?;
        }
    }
    Ok(())
}

fn copy_exact<R: Read, W: Write>(r: &mut R, w: &mut W, n: u64) -> io::Result<()> {
    let copied = io::copy(&mut r.take(n), w)?;
    if copied != n {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the file shrank while it was copied",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;
    use std::process::Command;

    /// A WebM file of `seconds` made by ffmpeg's live mode (a Segment and Clusters of
    /// unknown size, no Duration), with its SeekHead and the Void after it taken out, as
    /// Chrome's MediaRecorder writes none.
    pub(crate) fn recorder_like(seconds: u32) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("live.webm");
        let status = Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
            .arg(format!("testsrc=duration={seconds}:size=160x120:rate=15"))
            .args(["-f", "lavfi", "-i"])
            .arg(format!("sine=duration={seconds}"))
            .args([
                "-c:v", "libvpx", "-c:a", "libopus", "-f", "webm", "-live", "1",
            ])
            .arg(&out)
            .status()
            .expect("ffmpeg runs (scripts/setup.sh installs it)");
        assert!(status.success());
        let bytes = std::fs::read(&out).unwrap();
        without(&bytes, &[SEEK_HEAD, 0xEC])
    }

    /// `bytes` without the Segment's level-1 elements of the ids given, before its first
    /// Cluster.
    fn without(bytes: &[u8], ids: &[u32]) -> Vec<u8> {
        let mut r = Reader::new(Cursor::new(bytes)).unwrap();
        let ebml = r.header().unwrap().unwrap();
        r.skip(&ebml, ebml.size.unwrap()).unwrap();
        let segment = r.header().unwrap().unwrap();
        assert_eq!(segment.id, SEGMENT);
        let mut out = bytes[..segment.data as usize].to_vec();
        loop {
            let h = r.header().unwrap().unwrap();
            if h.id == CLUSTER {
                out.extend_from_slice(&bytes[h.at as usize..]);
                return out;
            }
            let size = h.size.unwrap();
            r.skip(&h, size).unwrap();
            if !ids.contains(&h.id) {
                out.extend_from_slice(&bytes[h.at as usize..r.pos as usize]);
            }
        }
    }

    fn patched(bytes: &[u8]) -> (Plan, Vec<u8>) {
        let plan = plan(Cursor::new(bytes)).unwrap();
        let mut out = Vec::new();
        apply(Cursor::new(bytes), &mut out, &plan).unwrap();
        (plan, out)
    }

    /// ffprobe's `format=duration` of a file: `None` when it finds none (`N/A`).
    pub(crate) fn probed_duration(bytes: &[u8]) -> Option<f64> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.webm");
        std::fs::write(&path, bytes).unwrap();
        let out = Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-show_entries",
                "format=duration:stream=codec_type",
                "-of",
                "default=nw=1",
            ])
            .arg(&path)
            .output()
            .expect("ffprobe runs");
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("codec_type=video"), "{text}");
        assert!(text.contains("codec_type=audio"), "{text}");
        text.lines()
            .find_map(|l| l.strip_prefix("duration="))
            .and_then(|d| d.parse().ok())
    }

    #[test]
    fn sizes_and_ids_are_written_as_ebml_reads_them() {
        assert_eq!(size_bytes(39, 1), Some(vec![0xA7]));
        assert_eq!(size_bytes(126, 1), Some(vec![0xFE]));
        assert_eq!(size_bytes(127, 1), None, "all ones is 'unknown'");
        assert_eq!(size_bytes(127, 2), Some(vec![0x40, 0x7F]));
        assert_eq!(size_bytes(50, 8), Some(vec![1, 0, 0, 0, 0, 0, 0, 50]));
        assert_eq!(id_bytes(INFO), [0x15, 0x49, 0xA9, 0x66]);
        assert_eq!(id_bytes(DURATION), [0x44, 0x89]);
        assert_eq!(id_bytes(TIMECODE), [0xE7]);
        let mut r = Reader::new(Cursor::new(vec![
            0x40, 0x7E, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        ]))
        .unwrap();
        assert_eq!(r.vint(false).unwrap(), (126, 2));
        assert_eq!(r.vint(false).unwrap(), ((1 << 56) - 1, 8));
    }

    #[test]
    fn a_recorders_file_gets_its_duration() {
        let file = recorder_like(4);
        assert_eq!(
            probed_duration(&file),
            None,
            "ffprobe finds no duration in a recorder's file"
        );
        let (plan, out) = patched(&file);
        let Plan::Patch(p) = &plan else {
            panic!("{plan:?}")
        };
        assert!((p.seconds - 4.0).abs() < 0.15, "{}", p.seconds);
        // The file is the same but for the Info's size and the 11 bytes of the Duration.
        assert_eq!(out.len(), file.len() + 11);
        let info_end = (p.info_at + p.info_header_len + p.info_size) as usize;
        assert_eq!(out[..p.info_at as usize], file[..p.info_at as usize]);
        assert_eq!(out[info_end + 11..], file[info_end..]);
        let probed = probed_duration(&out).expect("ffprobe reads the Duration");
        assert!((probed - 4.0).abs() < 0.15, "{probed}");
        // Sealed twice (a seal retried after a crash): the second leaves it.
        assert_eq!(plan_of(&out), Plan::Leave("the Info has a Duration"));
    }

    fn plan_of(bytes: &[u8]) -> Plan {
        plan(Cursor::new(bytes)).unwrap()
    }

    #[test]
    fn a_file_cut_short_counts_up_to_its_last_whole_block() {
        let file = recorder_like(4);
        let cut = &file[..file.len() * 2 / 3];
        let (plan, out) = patched(cut);
        let Plan::Patch(p) = &plan else {
            panic!("{plan:?}")
        };
        assert!(p.seconds > 1.5 && p.seconds < 3.5, "{}", p.seconds);
        assert_eq!(out.len(), cut.len() + 11);
    }

    #[test]
    fn files_that_record_positions_or_lengths_are_left_alone() {
        // ffmpeg's own file has a SeekHead.
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("seek.webm");
        let status = Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
            .arg("testsrc=duration=1:size=160x120:rate=15")
            .args(["-c:v", "libvpx", "-f", "webm", "-live", "1"])
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success());
        let with_seek_head = std::fs::read(&out).unwrap();
        let (plan, copy) = patched(&with_seek_head);
        assert_eq!(plan, Plan::Leave("a SeekHead records positions"));
        assert_eq!(copy, with_seek_head);
        // A finished file (ffmpeg's default mode) has a known Segment size.
        let status = Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
            .arg("testsrc=duration=1:size=160x120:rate=15")
            .args(["-c:v", "libvpx", "-f", "webm"])
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success());
        let finished = std::fs::read(&out).unwrap();
        assert_eq!(
            plan_of(&finished),
            Plan::Leave("the Segment's size is known")
        );
        assert_eq!(
            plan_of(b"not a webm at all"),
            Plan::Leave("not a WebM file")
        );
        assert_eq!(plan_of(b""), Plan::Leave("not a WebM file"));
        // Cues after the Clusters record positions too.
        let file = recorder_like(1);
        let mut with_cues = file.clone();
        with_cues.extend_from_slice(&[0x1C, 0x53, 0xBB, 0x6B, 0x80]);
        assert_eq!(
            plan_of(&with_cues),
            Plan::Leave("Cues or a SeekHead record positions")
        );
        // Garbage after the frames: they count all the same.
        let mut garbage = file.clone();
        garbage.extend_from_slice(&[0x00; 16]);
        assert!(matches!(plan_of(&garbage), Plan::Patch(_)));
        // Only the headers, no Cluster yet.
        let first_cluster = file
            .windows(4)
            .position(|w| w == id_bytes(CLUSTER))
            .unwrap();
        assert_eq!(plan_of(&file[..first_cluster]), Plan::Leave("no Cluster"));
        // A Cluster's header (its id and unknown size), nothing in it yet.
        assert_eq!(
            plan_of(&file[..first_cluster + 12]),
            Plan::Leave("no frames")
        );
    }
}
