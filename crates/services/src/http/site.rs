//! The request handler: one request in, one response out. Opens files
//! under the root with `openat2(RESOLVE_BENEATH)`, answers GET and HEAD with
//! files (ranges, validators, preconditions) or directory listings, and
//! everything else with 405.

use std::ffi::OsStr;
use std::fs::File;
use std::io::Write as _;
use std::net::SocketAddr;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use nix::errno::Errno;
use nix::fcntl::{OFlag, OpenHow, ResolveFlag};

use super::body::{FileBody, Piece};
use super::cache::{SmallFiles, Stamp, Validators};
use super::listing::{self, Entry};
use super::path::{self, PathError};
use super::range::{self, ByteRange, Precondition, Preconditions, RangeOutcome};

/// Where access-log lines go (combined log format).
pub type AccessLog = Arc<Mutex<Box<dyn std::io::Write + Send>>>;

/// What one site serves, and how.
pub struct Site {
    root: PathBuf,
    root_fd: OwnedFd,
    chunk: usize,
    /// `openat2` works on this kernel (cleared on ENOSYS, then the
    /// fallback canonicalises and checks the prefix).
    openat2: AtomicBool,
    log: Option<AccessLog>,
    small: SmallFiles,
}

/// Files up to this size are kept in memory ([`SmallFiles`]).
pub const SMALL_FILE_MAX: u64 = 64 * 1024;
/// Most memory for kept files.
pub const SMALL_FILES_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug)]
enum OpenError {
    NotFound,
    Forbidden,
    Other(std::io::Error),
}

impl Site {
    /// A site serving `root` (which must be a directory), reading files in
    /// chunks of `chunk` bytes, logging requests to `log` if given.
    pub fn new(root: &Path, chunk: usize, log: Option<AccessLog>) -> std::io::Result<Self> {
        let root = std::fs::canonicalize(root)?;
        let dir = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
            .open(&root)?;
        Ok(Self {
            root,
            root_fd: OwnedFd::from(dir),
            chunk: chunk.max(4096),
            openat2: AtomicBool::new(true),
            log,
            small: SmallFiles::new(SMALL_FILE_MAX, SMALL_FILES_BYTES),
        })
    }

    /// The canonical root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn open(&self, rel: &Path) -> Result<File, OpenError> {
        let rel: &Path = if rel.as_os_str().is_empty() {
            Path::new(".")
        } else {
            rel
        };
        // O_NONBLOCK: opening a FIFO must not hang the worker.
        let flags = OFlag::O_RDONLY | OFlag::O_CLOEXEC | OFlag::O_NOCTTY | OFlag::O_NONBLOCK;
        if self.openat2.load(Ordering::Relaxed) {
            let how = OpenHow::new()
                .flags(flags)
                .resolve(ResolveFlag::RESOLVE_BENEATH | ResolveFlag::RESOLVE_NO_MAGICLINKS);
            match nix::fcntl::openat2(&self.root_fd, rel, how) {
                Ok(fd) => return Ok(File::from(fd)),
                Err(Errno::ENOSYS) => self.openat2.store(false, Ordering::Relaxed),
                Err(e) => {
                    return Err(match e {
                        Errno::ENOENT | Errno::ENOTDIR | Errno::ENAMETOOLONG => OpenError::NotFound,
                        Errno::EXDEV | Errno::ELOOP | Errno::EACCES | Errno::EPERM => {
                            OpenError::Forbidden
                        }
                        e => OpenError::Other(e.into()),
                    })
                }
            }
        }
        // Fallback for kernels before 5.6: resolve, then check the prefix.
        let full = std::fs::canonicalize(self.root.join(rel)).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory => OpenError::NotFound,
            std::io::ErrorKind::PermissionDenied => OpenError::Forbidden,
            _ => OpenError::Other(e),
        })?;
        if !full.starts_with(&self.root) {
            return Err(OpenError::Forbidden);
        }
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(full)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => OpenError::NotFound,
                std::io::ErrorKind::PermissionDenied => OpenError::Forbidden,
                _ => OpenError::Other(e),
            })
    }

    /// Answers one request from `peer`.
    pub fn handle<B>(&self, req: &Request<B>, peer: SocketAddr) -> Response<FileBody> {
        let mut resp = self.respond(req);
        resp.headers_mut()
            .insert(header::SERVER, HeaderValue::from_static("wirelab"));
        if let Some(log) = &self.log {
            let line = log_prefix(req, peer, resp.status());
            let tail = log_tail(req);
            let log = log.clone();
            resp.body_mut().on_done(move |sent| {
                // One write per line (a formatted `writeln!` straight to a
                // file is one write per piece), visible at once as nginx's.
                let line = format!("{line} {sent} {tail}\n");
                if let Ok(mut w) = log.lock() {
                    let _ = w.write_all(line.as_bytes());
                    let _ = w.flush();
                }
            });
        }
        resp
    }

    fn respond<B>(&self, req: &Request<B>) -> Response<FileBody> {
        let head = req.method() == Method::HEAD;
        // RFC 9112 section 3.2: exactly one Host in an HTTP/1.1 request.
        if req.version() == http::Version::HTTP_11
            && req.headers().get_all(header::HOST).iter().count() != 1
        {
            return simple(StatusCode::BAD_REQUEST, head);
        }
        if req.method() != Method::GET && !head {
            let mut r = simple(StatusCode::METHOD_NOT_ALLOWED, false);
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return r;
        }
        let resolved = match path::resolve(req.uri().path()) {
            Ok(r) => r,
            Err(PathError::BadRequest(why)) => {
                tracing::debug!(path = req.uri().path(), why, "bad request path");
                return simple(StatusCode::BAD_REQUEST, head);
            }
            Err(PathError::Hidden) => return simple(StatusCode::NOT_FOUND, head),
        };
        if let [name] = resolved.segments.as_slice() {
            if let Some((file, stamp)) = self.kept_in_root(&resolved) {
                let name = String::from_utf8_lossy(name);
                return self.file(req.headers(), file, &stamp, &name, head);
            }
        }
        let file = match self.open(&resolved.rel) {
            Ok(f) => f,
            Err(OpenError::NotFound) => return simple(StatusCode::NOT_FOUND, head),
            Err(OpenError::Forbidden) => return simple(StatusCode::FORBIDDEN, head),
            Err(OpenError::Other(e)) => {
                tracing::warn!(path = %resolved.rel.display(), error = %e, "cannot open");
                return simple(StatusCode::INTERNAL_SERVER_ERROR, head);
            }
        };
        let meta = match file.metadata() {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(path = %resolved.rel.display(), error = %e, "cannot stat");
                return simple(StatusCode::INTERNAL_SERVER_ERROR, head);
            }
        };
        if meta.is_dir() {
            if !resolved.trailing_slash {
                let mut loc = String::from("/");
                for s in &resolved.segments {
                    loc.push_str(&listing::href_segment(&String::from_utf8_lossy(s)));
                    loc.push('/');
                }
                if let Some(q) = req.uri().query() {
                    loc.push('?');
                    loc.push_str(q);
                }
                let mut r = simple(StatusCode::MOVED_PERMANENTLY, head);
                if let Ok(v) = HeaderValue::from_str(&loc) {
                    r.headers_mut().insert(header::LOCATION, v);
                }
                return r;
            }
            return self.listing(req, &resolved.rel, head);
        }
        if resolved.trailing_slash {
            // `file.zip/`: not a directory (nginx answers 404 too).
            return simple(StatusCode::NOT_FOUND, head);
        }
        if !meta.is_file() {
            return simple(StatusCode::FORBIDDEN, head);
        }
        let name = resolved
            .segments
            .last()
            .map(|s| String::from_utf8_lossy(s))
            .unwrap_or_default();
        self.file(
            req.headers(),
            Arc::new(file),
            &Stamp::of(&meta),
            &name,
            head,
        )
    }

    /// A kept file named directly in the root, still the same version:
    /// one `fstatat` instead of `openat2`, `fstat` and `close`.
    ///
    /// This answers exactly as the resolver would: the name is one plain
    /// path segment (no `/`, `.` or `..`, checked by [`path::resolve`]),
    /// looked up in the root directory without following a symbolic link,
    /// and it is used only if it is a regular file whose device, inode,
    /// size and times are those of a kept entry, which was opened through
    /// `openat2(RESOLVE_BENEATH)`. A symbolic link, a directory, anything
    /// changed or not kept goes the usual way.
    fn kept_in_root(&self, resolved: &path::Resolved) -> Option<(Arc<File>, Stamp)> {
        if resolved.trailing_slash || !self.openat2.load(Ordering::Relaxed) {
            return None;
        }
        let st = nix::sys::stat::fstatat(
            &self.root_fd,
            resolved.rel.as_path(),
            nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
        )
        .ok()?;
        if st.st_mode & libc::S_IFMT != libc::S_IFREG {
            return None;
        }
        let stamp = Stamp::of_stat(&st);
        let kept = self.small.get(&stamp)?;
        kept.data.as_ref()?;
        Some((kept.file.clone()?, stamp))
    }

    fn file(
        &self,
        h: &HeaderMap,
        file: Arc<File>,
        stamp: &Stamp,
        name: &str,
        head: bool,
    ) -> Response<FileBody> {
        let len = stamp.len;
        let small = self.small.wants(len);
        let hit = if small { self.small.get(stamp) } else { None };
        let v = match &hit {
            Some(c) => c.validators.clone(),
            None if small => self.small.validators(stamp),
            None => Validators::of(stamp),
        };
        let tag = v.etag_str();
        let mtime = v.mtime;
        let hv = |n: header::HeaderName| h.get(n).and_then(|v| v.to_str().ok());
        let pre = Preconditions {
            if_match: hv(header::IF_MATCH),
            if_none_match: hv(header::IF_NONE_MATCH),
            if_modified_since: hv(header::IF_MODIFIED_SINCE),
            if_unmodified_since: hv(header::IF_UNMODIFIED_SINCE),
            if_range: hv(header::IF_RANGE),
        };
        let ctype = HeaderValue::from_static(listing::content_type(name));
        let mut hm = HeaderMap::with_capacity(8);
        hm.insert(header::LAST_MODIFIED, v.last_modified.clone());
        hm.insert(header::ETAG, v.etag.clone());
        let honour_range = match range::evaluate(&pre, tag, mtime) {
            Precondition::NotModified => {
                return response(StatusCode::NOT_MODIFIED, hm, FileBody::empty());
            }
            Precondition::Failed => return simple(StatusCode::PRECONDITION_FAILED, head),
            Precondition::Proceed { honour_range } => honour_range,
        };
        let outcome = match hv(header::RANGE) {
            Some(r) if honour_range => range::parse_range(r, len),
            None if h.contains_key(header::RANGE) && honour_range => RangeOutcome::Unsatisfiable,
            _ => RangeOutcome::Full,
        };
        hm.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        let (status, pieces) = match outcome {
            RangeOutcome::Full => {
                hm.insert(header::CONTENT_TYPE, ctype);
                (StatusCode::OK, vec![Piece::File { offset: 0, len }])
            }
            RangeOutcome::Unsatisfiable => {
                let mut r = simple(StatusCode::RANGE_NOT_SATISFIABLE, head);
                if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                    r.headers_mut().insert(header::CONTENT_RANGE, v);
                }
                return r;
            }
            RangeOutcome::Partial(ranges) => {
                if let [one] = ranges.as_slice() {
                    hm.insert(header::CONTENT_TYPE, ctype);
                    if let Ok(cr) =
                        HeaderValue::try_from(format!("bytes {}-{}/{len}", one.first, one.last))
                    {
                        hm.insert(header::CONTENT_RANGE, cr);
                    }
                    let pieces = vec![Piece::File {
                        offset: one.first,
                        len: one.len(),
                    }];
                    (StatusCode::PARTIAL_CONTENT, pieces)
                } else {
                    let boundary = format!("{:016x}", rand::random::<u64>());
                    if let Ok(ct) =
                        HeaderValue::try_from(format!("multipart/byteranges; boundary={boundary}"))
                    {
                        hm.insert(header::CONTENT_TYPE, ct);
                    }
                    let ctype = listing::content_type(name);
                    let pieces = multipart(&ranges, len, ctype, &boundary);
                    (StatusCode::PARTIAL_CONTENT, pieces)
                }
            }
        };
        let body = FileBody::new(pieces, None, self.chunk);
        let length = if status == StatusCode::OK {
            v.length.clone()
        } else {
            HeaderValue::from(body.len())
        };
        hm.insert(header::CONTENT_LENGTH, length);
        if head {
            return response(status, hm, FileBody::empty());
        }
        let body = if !small {
            body.with_file(file)
        } else {
            // Small: the whole file from memory (one read on a miss).
            let data = match hit.and_then(|c| c.data.clone()) {
                Some(d) => Ok(d),
                None => self.small.data(&file, stamp, &v),
            };
            match data.and_then(|d| body.from_memory(&d)) {
                Ok(b) => b.with_file(file),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read file");
                    return simple(StatusCode::INTERNAL_SERVER_ERROR, head);
                }
            }
        };
        response(status, hm, body)
    }

    fn listing<B>(&self, req: &Request<B>, rel: &Path, head: bool) -> Response<FileBody> {
        let dir = self.root.join(rel);
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) => {
                tracing::warn!(dir = %dir.display(), error = %e, "cannot list");
                return simple(StatusCode::FORBIDDEN, head);
            }
        };
        let mut entries = Vec::new();
        for ent in rd.flatten() {
            let name = ent.file_name();
            if name.as_bytes().first() == Some(&b'.') {
                continue;
            }
            let p = ent.path();
            // A symlink is listed only if it stays inside the root.
            if ent.file_type().is_ok_and(|t| t.is_symlink())
                && !std::fs::canonicalize(&p).is_ok_and(|c| c.starts_with(&self.root))
            {
                continue;
            }
            let Ok(m) = std::fs::metadata(&p) else {
                continue;
            };
            if !m.is_dir() && !m.is_file() {
                continue;
            }
            entries.push(Entry {
                name: OsStr::to_string_lossy(&name).into_owned(),
                size: if m.is_dir() { 0 } else { m.len() },
                modified: m.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                dir: m.is_dir(),
            });
        }
        listing::sort(&mut entries);
        let wants_json = req
            .headers()
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.contains("application/json"));
        let (ctype, text) = if wants_json {
            ("application/json", listing::json(&entries))
        } else {
            let mut shown = String::from("/");
            for c in rel.components() {
                shown.push_str(&c.as_os_str().to_string_lossy());
                shown.push('/');
            }
            ("text/html; charset=utf-8", listing::html(&shown, &entries))
        };
        let len = text.len();
        let body = if head {
            FileBody::empty()
        } else {
            FileBody::bytes(text)
        };
        Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, ctype)
            .header(header::CONTENT_LENGTH, len)
            .header(header::VARY, "Accept")
            .body(body)
            .unwrap_or_else(|_| simple(StatusCode::INTERNAL_SERVER_ERROR, head))
    }
}

/// The pieces of a `multipart/byteranges` body (RFC 9110 section 14.6).
fn multipart(ranges: &[ByteRange], len: u64, ctype: &str, boundary: &str) -> Vec<Piece> {
    let mut pieces = Vec::with_capacity(ranges.len() * 2 + 1);
    for r in ranges {
        let head = format!(
            "\r\n--{boundary}\r\nContent-Type: {ctype}\r\nContent-Range: bytes {}-{}/{len}\r\n\r\n",
            r.first, r.last
        );
        pieces.push(Piece::Mem(Bytes::from(head)));
        pieces.push(Piece::File {
            offset: r.first,
            len: r.len(),
        });
    }
    pieces.push(Piece::Mem(Bytes::from(format!("\r\n--{boundary}--\r\n"))));
    pieces
}

/// A response from its parts.
fn response(status: StatusCode, headers: HeaderMap, body: FileBody) -> Response<FileBody> {
    let mut r = Response::new(body);
    *r.status_mut() = status;
    *r.headers_mut() = headers;
    r
}

/// A small HTML answer for a status.
pub fn simple(status: StatusCode, head: bool) -> Response<FileBody> {
    let reason = status.canonical_reason().unwrap_or("");
    let text = format!(
        "<html>\n<head><title>{} {reason}</title></head>\n<body>\n<center><h1>{} {reason}</h1></center>\n<hr><center>wirelab</center>\n</body>\n</html>\n",
        status.as_u16(),
        status.as_u16()
    );
    let no_body = status == StatusCode::NOT_MODIFIED;
    let len = if no_body { 0 } else { text.len() };
    let body = if head || no_body {
        FileBody::empty()
    } else {
        FileBody::bytes(text)
    };
    let mut r = Response::new(body);
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    r
}

/// Escapes a request-line or header value for the log as nginx does:
/// `"`, `\` and bytes outside printable ASCII become `\xHH`.
fn log_escape(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s {
        if b == b'"' || b == b'\\' || !(0x20..0x7f).contains(&b) {
            out.push_str(&format!("\\x{b:02X}"));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

fn log_prefix<B>(req: &Request<B>, peer: SocketAddr, status: StatusCode) -> String {
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().to_string(), |p| p.as_str().to_string());
    format!(
        "{} - - [{}] \"{} {} {:?}\" {}",
        peer.ip(),
        listing::clf_time(SystemTime::now()),
        log_escape(req.method().as_str().as_bytes()),
        log_escape(target.as_bytes()),
        req.version(),
        status.as_u16()
    )
}

fn log_tail<B>(req: &Request<B>) -> String {
    let h = |n: header::HeaderName| {
        req.headers()
            .get(n)
            .map_or_else(|| "-".to_string(), |v| log_escape(v.as_bytes()))
    };
    format!("\"{}\" \"{}\"", h(header::REFERER), h(header::USER_AGENT))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    struct Tmp(PathBuf);
    impl Drop for Tmp {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn setup(tag: &str) -> (Tmp, Site) {
        let base = std::env::temp_dir().join(format!("wirelab-site-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let root = base.join("www");
        std::fs::create_dir_all(root.join("sub")).expect("mkdir");
        std::fs::write(root.join("a.txt"), b"0123456789").expect("write");
        std::fs::write(root.join(".secret"), b"x").expect("write");
        std::fs::write(base.join("outside.txt"), b"outside").expect("write");
        std::os::unix::fs::symlink(base.join("outside.txt"), root.join("escape")).expect("ln");
        std::os::unix::fs::symlink("a.txt", root.join("inside")).expect("ln");
        let site = Site::new(&root, 4096, None).expect("site");
        (Tmp(base), site)
    }

    fn get(site: &Site, path: &str, hdrs: &[(&str, &str)]) -> Response<FileBody> {
        let mut b = Request::builder().uri(path).header("host", "x");
        for (k, v) in hdrs {
            b = b.header(*k, *v);
        }
        site.handle(
            &b.body(()).expect("request"),
            "127.0.0.1:1".parse().expect("addr"),
        )
    }

    async fn body(r: Response<FileBody>) -> Vec<u8> {
        r.into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec()
    }

    #[tokio::test]
    async fn files_ranges_and_refusals() {
        let (_t, site) = setup("a");
        let r = get(&site, "/a.txt", &[]);
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "text/plain");
        assert_eq!(r.headers()["content-length"], "10");
        let tag = r.headers()["etag"].to_str().expect("etag").to_string();
        assert_eq!(body(r).await, b"0123456789");
        let r = get(&site, "/a.txt", &[("range", "bytes=2-4")]);
        assert_eq!(r.status(), 206);
        assert_eq!(r.headers()["content-range"], "bytes 2-4/10");
        assert_eq!(body(r).await, b"234");
        let r = get(&site, "/a.txt", &[("range", "bytes=20-")]);
        assert_eq!(r.status(), 416);
        assert_eq!(r.headers()["content-range"], "bytes */10");
        let r = get(&site, "/a.txt", &[("range", "bytes=0-0,-1")]);
        assert_eq!(r.status(), 206);
        let ct = r.headers()["content-type"]
            .to_str()
            .expect("ct")
            .to_string();
        let boundary = ct.split("boundary=").nth(1).expect("boundary").to_string();
        let cl: usize = r.headers()["content-length"]
            .to_str()
            .expect("cl")
            .parse()
            .expect("n");
        let b = body(r).await;
        assert_eq!(b.len(), cl);
        let text = String::from_utf8(b).expect("utf8");
        assert_eq!(
            text,
            format!(
                "\r\n--{boundary}\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-0/10\r\n\r\n0\
                 \r\n--{boundary}\r\nContent-Type: text/plain\r\nContent-Range: bytes 9-9/10\r\n\r\n9\
                 \r\n--{boundary}--\r\n"
            )
        );
        let r = get(&site, "/a.txt", &[("if-none-match", &tag)]);
        assert_eq!(r.status(), 304);
        let r = get(
            &site,
            "/a.txt",
            &[("range", "bytes=0-1"), ("if-range", "\"x\"")],
        );
        assert_eq!(r.status(), 200);
        assert_eq!(get(&site, "/inside", &[]).status(), 200);
        assert_eq!(get(&site, "/escape", &[]).status(), 403);
        assert_eq!(get(&site, "/.secret", &[]).status(), 404);
        assert_eq!(get(&site, "/nope", &[]).status(), 404);
        assert_eq!(get(&site, "/a.txt/", &[]).status(), 404);
        assert_eq!(get(&site, "/%2e%2e/outside.txt", &[]).status(), 400);
        let r = get(&site, "/sub?x=1", &[]);
        assert_eq!(r.status(), 301);
        assert_eq!(r.headers()["location"], "/sub/?x=1");
        let post = Request::builder()
            .method("POST")
            .uri("/a.txt")
            .header("host", "x")
            .body(())
            .expect("req");
        let no_host = Request::builder().uri("/a.txt").body(()).expect("req");
        let r = site.handle(&no_host, "127.0.0.1:1".parse().expect("addr"));
        assert_eq!(r.status(), 400, "HTTP/1.1 without Host");
        let r = site.handle(&post, "127.0.0.1:1".parse().expect("addr"));
        assert_eq!(r.status(), 405);
        assert_eq!(r.headers()["allow"], "GET, HEAD");
    }

    #[tokio::test]
    async fn kept_small_files_follow_the_disk() {
        let (t, site) = setup("c");
        let root = t.0.join("www");
        std::fs::write(root.join("k.txt"), b"version-1").expect("write");
        std::fs::create_dir_all(root.join("d")).expect("mkdir");
        std::fs::write(root.join("d/x.txt"), b"in d").expect("write");
        // Older than cache::SETTLED: their bytes are kept from now on.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let kept = |p: &str| {
            let m = std::fs::metadata(root.join(p)).expect("stat");
            site.small
                .get(&Stamp::of(&m))
                .is_some_and(|c| c.data.is_some())
        };
        assert_eq!(body(get(&site, "/k.txt", &[])).await, b"version-1");
        assert!(kept("k.txt"));
        assert_eq!(body(get(&site, "/k.txt", &[])).await, b"version-1");
        let r = get(&site, "/k.txt", &[("range", "bytes=0-0,-1")]);
        let b = String::from_utf8(body(r).await).expect("utf8");
        assert!(
            b.contains("\r\n\r\nv\r\n") && b.contains("\r\n\r\n1\r\n"),
            "{b}"
        );
        let r = get(&site, "/k.txt", &[("range", "bytes=2-4")]);
        assert_eq!(body(r).await, b"rsi");
        // Rewritten in place, same size, at once: the new bytes are served.
        std::fs::write(root.join("k.txt"), b"version-2").expect("write");
        let r = get(&site, "/k.txt", &[]);
        assert_eq!(r.headers()["content-length"], "9");
        assert_eq!(body(r).await, b"version-2");
        // Replaced by a symlink out of the root: refused, kept bytes or not.
        std::fs::remove_file(root.join("k.txt")).expect("rm");
        std::os::unix::fs::symlink(t.0.join("outside.txt"), root.join("k.txt")).expect("ln");
        assert_eq!(get(&site, "/k.txt", &[]).status(), 403);
        // A kept file reached through a directory now an absolute symlink
        // (same inode, same times): refused as the resolver refuses it.
        assert_eq!(body(get(&site, "/d/x.txt", &[])).await, b"in d");
        assert!(kept("d/x.txt"));
        std::fs::rename(root.join("d"), root.join("e")).expect("mv");
        std::os::unix::fs::symlink(root.join("e"), root.join("d")).expect("ln");
        assert_eq!(get(&site, "/d/x.txt", &[]).status(), 403);
        assert_eq!(body(get(&site, "/e/x.txt", &[])).await, b"in d");
        // Deleted: 404, not the kept bytes.
        std::fs::remove_file(root.join("e/x.txt")).expect("rm");
        assert_eq!(get(&site, "/e/x.txt", &[]).status(), 404);
        // HEAD and 304 of a kept file carry its validators.
        let r = get(&site, "/a.txt", &[]);
        let tag = r.headers()["etag"].clone();
        let lm = r.headers()["last-modified"].clone();
        let r = get(
            &site,
            "/a.txt",
            &[("if-none-match", tag.to_str().expect("tag"))],
        );
        assert_eq!(r.status(), 304);
        assert_eq!(r.headers()["etag"], tag);
        assert_eq!(r.headers()["last-modified"], lm);
        let head = Request::builder()
            .method("HEAD")
            .uri("/a.txt")
            .header("host", "x")
            .body(())
            .expect("req");
        let r = site.handle(&head, "127.0.0.1:1".parse().expect("addr"));
        assert_eq!(r.headers()["content-length"], "10");
        assert!(body(r).await.is_empty());
    }

    #[tokio::test]
    async fn listings() {
        let (_t, site) = setup("b");
        let r = get(&site, "/", &[]);
        assert_eq!(r.status(), 200);
        let html = String::from_utf8(body(r).await).expect("utf8");
        assert!(html.contains("<a href=\"a.txt\">a.txt</a>"), "{html}");
        assert!(html.contains("<a href=\"sub/\">sub/</a>"));
        assert!(html.contains("<a href=\"inside\">inside</a>"));
        assert!(
            !html.contains("escape"),
            "symlink out of the root is not listed"
        );
        assert!(!html.contains("secret"), "dotfiles are not listed");
        let r = get(&site, "/", &[("accept", "application/json")]);
        assert_eq!(r.headers()["content-type"], "application/json");
        let v: serde_json::Value = serde_json::from_slice(&body(r).await).expect("json");
        let names: Vec<&str> = v
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|e| e["name"].as_str())
            .collect();
        assert_eq!(names, ["sub", "a.txt", "inside"]);
        assert_eq!(v[1]["size"], 10);
    }
}
