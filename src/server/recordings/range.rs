//! The `Range` header of a request for a recording in the bucket (the disk's files are
//! answered by tower-http's `ServeFile`, which reads it itself). One range of bytes is
//! answered (206); a range past the end is refused (416); anything else (no header, another
//! unit, several ranges, a header we cannot read) is answered with the whole file (200), as
//! HTTP allows a server to (RFC 9110, 14.2).

use std::ops::Range;

/// What a request's `Range` asks of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ranged {
    /// The whole file.
    Whole,
    /// These bytes (never empty, within the file).
    Part(Range<u64>),
    /// Nothing of the file: 416.
    Unsatisfiable,
}

/// What `header` asks of a file of `size` bytes.
pub fn parse(header: Option<&str>, size: u64) -> Ranged {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Ranged::Whole;
    };
    let spec = spec.trim();
    if spec.contains(',') {
        return Ranged::Whole;
    }
    let Some((first, last)) = spec.split_once('-') else {
        return Ranged::Whole;
    };
    let number = |s: &str| -> Option<u64> {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (first.trim().is_empty(), last.trim().is_empty()) {
        // `-N`: the last N bytes.
        (true, false) => match number(last) {
            None => Ranged::Whole,
            Some(0) => Ranged::Unsatisfiable,
            Some(_) if size == 0 => Ranged::Unsatisfiable,
            Some(n) => Ranged::Part(size - n.min(size)..size),
        },
        // `A-`: from A to the end.
        (false, true) => match number(first) {
            None => Ranged::Whole,
            Some(a) if a >= size => Ranged::Unsatisfiable,
            Some(a) => Ranged::Part(a..size),
        },
        // `A-B`: A to B, both included; B past the end means the end.
        (false, false) => match (number(first), number(last)) {
            (Some(a), Some(b)) if a <= b => {
                if a >= size {
                    Ranged::Unsatisfiable
                } else {
                    Ranged::Part(a..b.min(size - 1) + 1)
                }
            }
            _ => Ranged::Whole,
        },
        (true, true) => Ranged::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_range_is_read_and_anything_else_means_the_whole_file() {
        let p = |h: &str| parse(Some(h), 1000);
        assert_eq!(parse(None, 1000), Ranged::Whole);
        assert_eq!(p("bytes=100-199"), Ranged::Part(100..200));
        assert_eq!(p("bytes=0-0"), Ranged::Part(0..1));
        assert_eq!(p("bytes=0-"), Ranged::Part(0..1000));
        assert_eq!(p("bytes=990-"), Ranged::Part(990..1000));
        assert_eq!(p("bytes=900-5000"), Ranged::Part(900..1000));
        assert_eq!(p("bytes=999-999"), Ranged::Part(999..1000));
        assert_eq!(p("bytes=-100"), Ranged::Part(900..1000));
        assert_eq!(p("bytes=-5000"), Ranged::Part(0..1000));
        assert_eq!(p(" bytes= 100 - 199 "), Ranged::Part(100..200));
        // Past the end, or nothing at all: refused.
        assert_eq!(p("bytes=1000-"), Ranged::Unsatisfiable);
        assert_eq!(p("bytes=1000-1999"), Ranged::Unsatisfiable);
        assert_eq!(p("bytes=-0"), Ranged::Unsatisfiable);
        assert_eq!(parse(Some("bytes=-5"), 0), Ranged::Unsatisfiable);
        assert_eq!(parse(Some("bytes=0-"), 0), Ranged::Unsatisfiable);
        // Not one range we can read: the whole file.
        for h in [
            "",
            "bytes=",
            "bytes=-",
            "bytes=200-100",
            "bytes=0-1,5-6",
            "bytes=a-b",
            "bytes=+1-2",
            "bytes=1--2",
            "bytes=100",
            "items=0-1",
            "bytes=99999999999999999999999-",
        ] {
            assert_eq!(p(h), Ranged::Whole, "{h}");
        }
    }
}
