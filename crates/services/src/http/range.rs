//! The `Range` header (RFC 9110 section 14.1.2) and the validators and
//! preconditions around it (sections 8.8 and 13): pure functions over header
//! values, the file's length, modification time and entity tag.
//!
//! Choices where the RFC leaves room, following nginx where it is sane:
//! - a `Range` whose unit is not `bytes` is ignored (200 with the whole file);
//! - a syntactically bad `bytes=` set (`bytes=abc`, `bytes=5-1`, `bytes=-`)
//!   is answered 416, as nginx does;
//! - numbers longer than u64 are handled by meaning, not refused: a first
//!   position that large is past the end (unsatisfiable), a last position or
//!   suffix that large means "to the end" (RFC 9110 section 14.1.2; nginx
//!   answers 416 to those);
//! - unsatisfiable parts of a multi-range set are dropped; one satisfiable
//!   range left is sent as a plain 206, several as `multipart/byteranges`
//!   without coalescing (like nginx);
//! - more than [`MAX_RANGES`] ranges are refused with 416, so a request
//!   cannot make us send a file many times over.

use std::time::{Duration, SystemTime};

/// Most ranges served in one multipart answer.
pub const MAX_RANGES: usize = 64;

/// A satisfiable byte range, both ends inclusive (`first <= last < len`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    /// First byte position.
    pub first: u64,
    /// Last byte position (inclusive).
    pub last: u64,
}

impl ByteRange {
    /// Number of bytes in the range.
    pub fn len(&self) -> u64 {
        self.last - self.first + 1
    }

    /// Always false: a range holds at least one byte.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// What to do with a `Range` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeOutcome {
    /// No usable Range: send the whole representation (200).
    Full,
    /// Send these ranges (206): one plainly, several as multipart.
    Partial(Vec<ByteRange>),
    /// 416 with `Content-Range: bytes */len`.
    Unsatisfiable,
}

/// A decimal number of any length: `Some(n)`, or `None` when it does not fit
/// in u64 (meaning "huge").
enum Num {
    Fits(u64),
    Huge,
}

fn parse_num(s: &str) -> Option<Num> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.parse::<u64>().map_or(Num::Huge, Num::Fits))
}

/// Evaluates a `Range` header value against a representation of `len` bytes.
pub fn parse_range(value: &str, len: u64) -> RangeOutcome {
    let value = value.trim();
    let Some((unit, set)) = value.split_once('=') else {
        return RangeOutcome::Unsatisfiable;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return RangeOutcome::Full;
    }
    let mut out = Vec::new();
    let mut count = 0usize;
    for spec in set.split(',') {
        let spec = spec.trim();
        if spec.is_empty() {
            // RFC 9110 allows empty list elements ("1#" rule, section 5.6.1).
            continue;
        }
        count += 1;
        if count > MAX_RANGES {
            return RangeOutcome::Unsatisfiable;
        }
        let Some((a, b)) = spec.split_once('-') else {
            return RangeOutcome::Unsatisfiable;
        };
        let (a, b) = (a.trim(), b.trim());
        if a.is_empty() {
            // suffix-range: the last N bytes.
            let Some(n) = parse_num(b) else {
                return RangeOutcome::Unsatisfiable;
            };
            let n = match n {
                Num::Fits(n) => n.min(len),
                Num::Huge => len,
            };
            // "-0" is valid syntax but never satisfiable, nor is any
            // suffix of an empty file.
            if n > 0 {
                out.push(ByteRange {
                    first: len - n,
                    last: len - 1,
                });
            }
            continue;
        }
        let Some(first) = parse_num(a) else {
            return RangeOutcome::Unsatisfiable;
        };
        let last = if b.is_empty() {
            None
        } else {
            match parse_num(b) {
                None => return RangeOutcome::Unsatisfiable,
                Some(n) => Some(n),
            }
        };
        // Syntax rule: last-pos >= first-pos (section 14.1.1).
        if let (Num::Fits(f), Some(Num::Fits(l))) = (&first, &last) {
            if l < f {
                return RangeOutcome::Unsatisfiable;
            }
        }
        if let (Num::Huge, Some(Num::Fits(_))) = (&first, &last) {
            return RangeOutcome::Unsatisfiable;
        }
        let Num::Fits(first) = first else {
            continue; // starts past any end: unsatisfiable part
        };
        if first >= len {
            continue;
        }
        let last = match last {
            None | Some(Num::Huge) => len - 1,
            Some(Num::Fits(l)) => l.min(len - 1),
        };
        out.push(ByteRange { first, last });
    }
    if out.is_empty() {
        RangeOutcome::Unsatisfiable
    } else {
        RangeOutcome::Partial(out)
    }
}

/// The strong entity tag we give a file: `"<mtime hex>-<size hex>"`, the
/// same shape nginx uses, so caches see the same validator from both.
pub fn etag(mtime: SystemTime, len: u64) -> String {
    let secs = mtime
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("\"{secs:x}-{len:x}\"")
}

/// Truncates a time to whole seconds (HTTP dates have no finer grain).
pub fn whole_seconds(t: SystemTime) -> SystemTime {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => SystemTime::UNIX_EPOCH + Duration::from_secs(d.as_secs()),
        Err(_) => SystemTime::UNIX_EPOCH,
    }
}

/// Entity tags of an `If-Match`/`If-None-Match` list; `None` for `*`.
fn tag_list(value: &str) -> Option<Vec<(bool, &str)>> {
    let value = value.trim();
    if value == "*" {
        return None;
    }
    let mut tags = Vec::new();
    for t in value.split(',') {
        let t = t.trim();
        if t.is_empty() {
            continue;
        }
        match t.strip_prefix("W/") {
            Some(rest) => tags.push((true, rest)),
            None => tags.push((false, t)),
        }
    }
    Some(tags)
}

/// The request headers that make a request conditional.
#[derive(Debug, Default, Clone, Copy)]
pub struct Preconditions<'a> {
    /// `If-Match`.
    pub if_match: Option<&'a str>,
    /// `If-None-Match`.
    pub if_none_match: Option<&'a str>,
    /// `If-Modified-Since`.
    pub if_modified_since: Option<&'a str>,
    /// `If-Unmodified-Since`.
    pub if_unmodified_since: Option<&'a str>,
    /// `If-Range`.
    pub if_range: Option<&'a str>,
}

/// What the preconditions decide for a GET or HEAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// Go on; `honour_range` says whether a Range header may apply.
    Proceed {
        /// False when If-Range did not match (send the whole file).
        honour_range: bool,
    },
    /// 304 Not Modified.
    NotModified,
    /// 412 Precondition Failed.
    Failed,
}

/// Evaluates preconditions in the order of RFC 9110 section 13.2.2, for a
/// GET or HEAD of a file with entity tag `tag` and modification time
/// `mtime` (whole seconds).
pub fn evaluate(p: &Preconditions<'_>, tag: &str, mtime: SystemTime) -> Precondition {
    // Step 1: If-Match, strong comparison.
    if let Some(v) = p.if_match {
        let ok = match tag_list(v) {
            None => true,
            Some(tags) => tags.iter().any(|&(weak, t)| !weak && t == tag),
        };
        if !ok {
            return Precondition::Failed;
        }
    } else if let Some(v) = p.if_unmodified_since {
        // Step 2: only without If-Match; an invalid date is ignored.
        if let Ok(d) = httpdate::parse_http_date(v) {
            if mtime > d {
                return Precondition::Failed;
            }
        }
    }
    // Step 3: If-None-Match, weak comparison.
    if let Some(v) = p.if_none_match {
        let matched = match tag_list(v) {
            None => true,
            Some(tags) => tags.iter().any(|&(_, t)| t == tag),
        };
        if matched {
            return Precondition::NotModified;
        }
    } else if let Some(v) = p.if_modified_since {
        // Step 4: only without If-None-Match.
        if let Ok(d) = httpdate::parse_http_date(v) {
            if mtime <= d {
                return Precondition::NotModified;
            }
        }
    }
    // Step 5: If-Range (section 13.1.5): a strong tag or an exact date.
    let honour_range = match p.if_range.map(str::trim) {
        None => true,
        Some(v) if v.starts_with('"') => v == tag,
        Some(v) if v.starts_with("W/") => false,
        Some(v) => httpdate::parse_http_date(v).is_ok_and(|d| d == mtime),
    };
    Precondition::Proceed { honour_range }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(first: u64, last: u64) -> ByteRange {
        ByteRange { first, last }
    }

    fn partial(v: &str, len: u64) -> Vec<ByteRange> {
        match parse_range(v, len) {
            RangeOutcome::Partial(p) => p,
            o => panic!("{v}: {o:?}"),
        }
    }

    // The examples of RFC 9110 section 14.1.2, on a 10000-byte file.
    #[test]
    fn rfc9110_examples() {
        assert_eq!(partial("bytes=0-499", 10000), vec![r(0, 499)]);
        assert_eq!(partial("bytes=500-999", 10000), vec![r(500, 999)]);
        assert_eq!(partial("bytes=-500", 10000), vec![r(9500, 9999)]);
        assert_eq!(partial("bytes=9500-", 10000), vec![r(9500, 9999)]);
        assert_eq!(partial("bytes=0-0,-1", 10000), vec![r(0, 0), r(9999, 9999)]);
        assert_eq!(
            partial("bytes= 0-999, 4500-5499, -1000", 10000),
            vec![r(0, 999), r(4500, 5499), r(9000, 9999)]
        );
        assert_eq!(
            partial("bytes=500-600,601-999", 10000),
            vec![r(500, 600), r(601, 999)]
        );
    }

    #[test]
    fn clamping_and_huge_numbers() {
        assert_eq!(partial("bytes=0-99999", 1000), vec![r(0, 999)]);
        assert_eq!(partial("bytes=-5000", 1000), vec![r(0, 999)]);
        assert_eq!(
            partial("bytes=0-99999999999999999999999", 1000),
            vec![r(0, 999)]
        );
        assert_eq!(
            partial("bytes=-99999999999999999999999", 1000),
            vec![r(0, 999)]
        );
        assert_eq!(
            parse_range("bytes=99999999999999999999999-", 1000),
            RangeOutcome::Unsatisfiable
        );
        assert_eq!(
            parse_range("bytes=99999999999999999999999-1", 1000),
            RangeOutcome::Unsatisfiable
        );
        // Unsatisfiable parts are dropped when another one is good.
        assert_eq!(partial("bytes=0-1,5000-6000", 1000), vec![r(0, 1)]);
    }

    #[test]
    fn bad_and_unsatisfiable() {
        for v in [
            "bytes=abc",
            "bytes=5-1",
            "bytes=-",
            "bytes=0-1,abc",
            "bytes=1000-",
            "bytes=-0",
            "bytes=",
            "bytes",
            "bytes=1-2-3",
            "bytes=+1-2",
            "bytes=0x1-2",
        ] {
            assert_eq!(parse_range(v, 1000), RangeOutcome::Unsatisfiable, "{v}");
        }
        // Nothing is satisfiable in an empty file.
        assert_eq!(parse_range("bytes=0-", 0), RangeOutcome::Unsatisfiable);
        assert_eq!(parse_range("bytes=-1", 0), RangeOutcome::Unsatisfiable);
        let many = format!("bytes={}", vec!["0-0"; MAX_RANGES + 1].join(","));
        assert_eq!(parse_range(&many, 1000), RangeOutcome::Unsatisfiable);
    }

    #[test]
    fn other_units_ignored() {
        assert_eq!(parse_range("items=0-1", 1000), RangeOutcome::Full);
        assert_eq!(partial("BYTES=0-1", 1000), vec![r(0, 1)]);
    }

    #[test]
    fn etag_like_nginx() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(0x6b01be3d);
        assert_eq!(etag(t, 1000), "\"6b01be3d-3e8\"");
    }

    #[test]
    fn preconditions() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let tag = etag(t, 10);
        let date = httpdate::fmt_http_date(t);
        let earlier = httpdate::fmt_http_date(t - Duration::from_secs(1));
        let ev = |p: Preconditions<'_>| evaluate(&p, &tag, t);
        let go = Precondition::Proceed { honour_range: true };
        assert_eq!(ev(Preconditions::default()), go);
        let p = Preconditions {
            if_none_match: Some(&tag),
            ..Default::default()
        };
        assert_eq!(ev(p), Precondition::NotModified);
        let weak = format!("W/{tag}");
        let p = Preconditions {
            if_none_match: Some(&weak),
            ..Default::default()
        };
        assert_eq!(ev(p), Precondition::NotModified, "weak comparison");
        let p = Preconditions {
            if_none_match: Some("\"other\", *"),
            ..Default::default()
        };
        assert_eq!(ev(p), go, "'*' inside a list is not the wildcard");
        let p = Preconditions {
            if_none_match: Some("*"),
            ..Default::default()
        };
        assert_eq!(ev(p), Precondition::NotModified);
        let p = Preconditions {
            if_modified_since: Some(&date),
            ..Default::default()
        };
        assert_eq!(ev(p), Precondition::NotModified);
        let p = Preconditions {
            if_modified_since: Some(&earlier),
            ..Default::default()
        };
        assert_eq!(ev(p), go);
        // If-None-Match wins over If-Modified-Since.
        let p = Preconditions {
            if_none_match: Some("\"other\""),
            if_modified_since: Some(&date),
            ..Default::default()
        };
        assert_eq!(ev(p), go);
        let p = Preconditions {
            if_modified_since: Some("not a date"),
            ..Default::default()
        };
        assert_eq!(ev(p), go);
        let p = Preconditions {
            if_match: Some("\"other\""),
            ..Default::default()
        };
        assert_eq!(ev(p), Precondition::Failed);
        let p = Preconditions {
            if_match: Some(&weak),
            ..Default::default()
        };
        assert_eq!(ev(p), Precondition::Failed, "If-Match compares strongly");
        let p = Preconditions {
            if_unmodified_since: Some(&earlier),
            ..Default::default()
        };
        assert_eq!(ev(p), Precondition::Failed);
        for (ir, honour) in [
            (tag.as_str(), true),
            ("\"other\"", false),
            (weak.as_str(), false),
            (date.as_str(), true),
            (earlier.as_str(), false),
            ("garbage", false),
        ] {
            let p = Preconditions {
                if_range: Some(ir),
                ..Default::default()
            };
            assert_eq!(
                ev(p),
                Precondition::Proceed {
                    honour_range: honour
                },
                "{ir}"
            );
        }
    }
}
