//! Request path → file path under the root, refusing every way out of it.
//!
//! [`resolve`] is pure: it percent-decodes the request path (RFC 3986
//! section 2.1), splits it into segments and normalises `.` and `..` the way
//! nginx does, and refuses:
//! - anything that is not an origin-form absolute path (`*`, `x`, empty);
//! - a decoded NUL, a backslash (raw or `%5C`) or an encoded slash (`%2F`):
//!   they have no business in a file name and are classic traversal tricks;
//! - a `..` that would climb above the root;
//! - malformed percent escapes;
//! - by policy, any segment that starts with a dot (`.git`, `.env`,
//!   `.htpasswd`): dotfiles are neither served (404) nor listed.
//!
//! The result is a relative path whose segments are plain names; the file
//! is then opened with `openat2(RESOLVE_BENEATH)` relative to the root
//! (see `fs.rs`), so a symbolic link that leads outside the root is refused
//! by the kernel as well.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

/// Why a request path was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathError {
    /// Not an absolute path, a bad escape, NUL, backslash, `%2F`, or `..`
    /// above the root: answered 400.
    BadRequest(&'static str),
    /// A dotfile (hidden by policy): answered 404.
    Hidden,
}

/// A request path checked and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Relative path below the root ("" for the root itself).
    pub rel: PathBuf,
    /// The request path ended with `/` (a directory was asked for).
    pub trailing_slash: bool,
    /// The normalised, still percent-decoded segments.
    pub segments: Vec<Vec<u8>>,
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes one path segment (no raw `/` inside).
fn decode_segment(raw: &[u8]) -> Result<Vec<u8>, PathError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        if b == b'%' {
            let h = raw.get(i + 1).copied().and_then(hex);
            let l = raw.get(i + 2).copied().and_then(hex);
            let (Some(h), Some(l)) = (h, l) else {
                return Err(PathError::BadRequest("malformed percent escape"));
            };
            let c = h * 16 + l;
            if c == b'/' {
                return Err(PathError::BadRequest("encoded slash (%2F) in path"));
            }
            out.push(c);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    if out.contains(&0) {
        return Err(PathError::BadRequest("NUL in path"));
    }
    if out.contains(&b'\\') {
        return Err(PathError::BadRequest("backslash in path"));
    }
    Ok(out)
}

/// Checks and normalises a request path (the URI's path, without query).
pub fn resolve(path: &str) -> Result<Resolved, PathError> {
    let bytes = path.as_bytes();
    if bytes.first() != Some(&b'/') {
        return Err(PathError::BadRequest("request path is not absolute"));
    }
    let mut segments: Vec<Vec<u8>> = Vec::new();
    let mut trailing_slash = true;
    for raw in bytes.split(|&b| b == b'/').skip(1) {
        let seg = decode_segment(raw)?;
        trailing_slash = false;
        match seg.as_slice() {
            b"" | b"." => trailing_slash = true,
            b".." => {
                if segments.pop().is_none() {
                    return Err(PathError::BadRequest("'..' above the root"));
                }
                trailing_slash = true;
            }
            _ => segments.push(seg),
        }
    }
    if segments.iter().any(|s| s.first() == Some(&b'.')) {
        return Err(PathError::Hidden);
    }
    let mut rel = PathBuf::new();
    for s in &segments {
        rel.push(OsStr::from_bytes(s));
    }
    Ok(Resolved {
        rel,
        trailing_slash,
        segments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(p: &str) -> (String, bool) {
        let r = resolve(p).unwrap_or_else(|e| panic!("{p}: {e:?}"));
        (r.rel.to_string_lossy().into_owned(), r.trailing_slash)
    }

    fn bad(p: &str) -> PathError {
        resolve(p).err().unwrap_or_else(|| panic!("{p} accepted"))
    }

    #[test]
    fn plain_paths() {
        assert_eq!(ok("/"), ("".into(), true));
        assert_eq!(ok("/a.zip"), ("a.zip".into(), false));
        assert_eq!(ok("/dir/"), ("dir".into(), true));
        assert_eq!(ok("/dir//x"), ("dir/x".into(), false));
        assert_eq!(ok("/a%20b.txt"), ("a b.txt".into(), false));
        assert_eq!(ok("/dir/./x"), ("dir/x".into(), false));
        // nginx normalises `..` inside the root.
        assert_eq!(ok("/dir/../x"), ("x".into(), false));
        assert_eq!(ok("/dir/.."), ("".into(), true));
    }

    #[test]
    fn traversal_refused() {
        for p in [
            "/..",
            "/../etc/passwd",
            "/a/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E/%2e%2E/etc/passwd",
            "/.%2e/x",
        ] {
            assert!(matches!(bad(p), PathError::BadRequest(_)), "{p}");
        }
        for p in [
            "/..%2fetc%2fpasswd",
            "/a%2Fb",
            "/a%5c..%5c..%5cetc",
            "/a\\b",
            "/a%00b",
        ] {
            assert!(matches!(bad(p), PathError::BadRequest(_)), "{p}");
        }
        for p in ["*", "", "etc/passwd", "http://x/"] {
            assert!(matches!(bad(p), PathError::BadRequest(_)), "{p}");
        }
        for p in ["/%", "/%4", "/%zz", "/a%g1"] {
            assert!(matches!(bad(p), PathError::BadRequest(_)), "{p}");
        }
    }

    #[test]
    fn dotfiles_hidden() {
        assert_eq!(bad("/.git/config"), PathError::Hidden);
        assert_eq!(bad("/.env"), PathError::Hidden);
        assert_eq!(bad("/%2eenv"), PathError::Hidden);
        assert_eq!(bad("/d/.hidden/"), PathError::Hidden);
    }

    #[test]
    fn non_utf8_names_kept_as_bytes() {
        let r = resolve("/caf%C3%A9%FF").expect("resolves");
        assert_eq!(r.segments, vec![b"caf\xc3\xa9\xff".to_vec()]);
    }
}
