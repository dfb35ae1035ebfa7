//! `wirelab catalog`: the file catalog, a line-based TCP service (port
//! 49153) that tells what the HTTP file server offers.
//!
//! Protocol (text lines ending in `\n`; `\r\n` is accepted):
//!
//! ```text
//! C: LIST
//! S: OK 2 http://10.20.30.80/
//! S: 50MB.zip<TAB>52428800<TAB>9f…(SHA-256, 64 hex digits)
//! S: task2.pdf<TAB>81234<TAB>4a…
//! C: BOGUS
//! S: ERR unknown command "BOGUS"
//! C: QUIT
//! S: BYE
//! ```
//!
//! or `ERR <message>` instead of `OK` (e.g. `ERR http server
//! http://10.20.30.80/ unreachable: connection refused`). A connection
//! serves any number of requests until `QUIT`, EOF or the idle timeout.
//!
//! On `LIST` the catalog reads the HTTP server's directory listing
//! ([`listing`]), then learns each file's size and SHA-256 by streaming it
//! through the hash ([`web`]). Results are cached per file for `--ttl`;
//! after that a `HEAD` whose ETag, Last-Modified and Content-Length match
//! keeps the entry, so a repeated `LIST` costs one listing request.

pub mod listing;
pub mod web;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use http::header::{CONTENT_LENGTH, ETAG, LAST_MODIFIED};
use http::{Method, StatusCode};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

pub use web::{HttpClient, WebError};

/// The catalog's TCP port in the scenario.
pub const PORT: u16 = 49153;
/// Longest request line read.
const MAX_LINE: usize = 1024;
/// Largest directory listing read.
const MAX_LISTING: usize = 16 << 20;
/// Most entries a LIST answer may announce.
pub const MAX_ENTRIES: usize = 100_000;

/// Command-line arguments of `wirelab catalog`.
#[derive(Debug, Clone, clap::Args)]
pub struct CatalogArgs {
    /// Address and port to serve on, TCP [default: 0.0.0.0:49153].
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<SocketAddr>,
    /// Base URL of the HTTP file server whose directory listing is read
    /// [default: http://10.20.30.80/].
    #[arg(long, value_name = "URL")]
    pub http: Option<String>,
    /// Seconds a file's size and SHA-256 are trusted before the server is
    /// asked again (HEAD; re-hashed only if ETag/Last-Modified/size
    /// changed) [default: 30].
    #[arg(long, value_name = "SECONDS")]
    pub ttl: Option<f64>,
    /// Close a client connection idle this many seconds [default: 60].
    #[arg(long, value_name = "SECONDS")]
    pub idle_timeout: Option<f64>,
    /// TOML configuration file (keys `listen`, `http`, `ttl`,
    /// `idle_timeout`); flags override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Log level (error, warn, info, debug, trace) or a tracing filter.
    #[arg(long, default_value = "info")]
    pub log_level: String,
}

/// The `--config` file of `wirelab catalog`. Every setting has a default.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CatalogConfig {
    /// Address and port to serve on.
    pub listen: SocketAddr,
    /// Base URL of the HTTP file server.
    pub http: String,
    /// Cache lifetime in seconds.
    pub ttl: f64,
    /// Idle timeout of client connections in seconds.
    pub idle_timeout: f64,
}

impl Default for CatalogConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([0, 0, 0, 0], PORT)),
            http: "http://10.20.30.80/".into(),
            ttl: 30.0,
            idle_timeout: 60.0,
        }
    }
}

impl CatalogConfig {
    /// The file (or the defaults), with the flags applied over it.
    pub fn from_args(a: &CatalogArgs) -> anyhow::Result<Self> {
        let mut c: Self = load_toml(a.config.as_deref())?;
        if let Some(v) = a.listen {
            c.listen = v;
        }
        if let Some(v) = &a.http {
            c.http = v.clone();
        }
        if let Some(v) = a.ttl {
            c.ttl = v;
        }
        if let Some(v) = a.idle_timeout {
            c.idle_timeout = v;
        }
        Ok(c)
    }
}

/// Reads a TOML config file, or gives the defaults without one.
pub(crate) fn load_toml<T: serde::de::DeserializeOwned + Default>(
    path: Option<&Path>,
) -> anyhow::Result<T> {
    let Some(path) = path else {
        return Ok(T::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read config", path.display()))?;
    toml::from_str(&text).with_context(|| format!("{}: bad config", path.display()))
}

/// One file of the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// File name (one path segment, decoded).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
}

/// A catalog answer: where the files are, and what they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// Directory URL the names are relative to.
    pub base: Url,
    /// The files.
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Cached {
    etag: Option<String>,
    last_modified: Option<String>,
    size: u64,
    sha256: String,
    checked: Instant,
}

struct Inner {
    http: HttpClient,
    cache: HashMap<String, Cached>,
}

/// The catalog's state: the HTTP connection and the per-file cache.
/// `LIST`s are answered one at a time (the cache makes that cheap).
pub struct Catalog {
    base: Url,
    ttl: Duration,
    inner: tokio::sync::Mutex<Inner>,
}

/// Lowercase hex of a digest.
pub fn hex(d: &[u8]) -> String {
    use std::fmt::Write;
    d.iter()
        .fold(String::with_capacity(d.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn validators(r: &http::Response<hyper::body::Incoming>) -> (Option<String>, Option<String>) {
    (web::header_str(r, ETAG), web::header_str(r, LAST_MODIFIED))
}

impl Catalog {
    /// A catalog of the HTTP directory at `base`.
    pub fn new(base: &str, ttl: Duration) -> Result<Self, WebError> {
        let base = web::base_url(base)?;
        Ok(Self {
            inner: tokio::sync::Mutex::new(Inner {
                http: HttpClient::new(&base)?,
                cache: HashMap::new(),
            }),
            base,
            ttl,
        })
    }

    /// The directory URL.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// Reads the listing and every file's size and SHA-256 (from the cache
    /// when fresh or still valid).
    pub async fn list(&self) -> Result<Listing, WebError> {
        let mut guard = self.inner.lock().await;
        let Inner { http, cache } = &mut *guard;
        let mut resp = http.get_ok(&self.base).await?;
        let body = web::read_body(resp.body_mut(), &self.base, MAX_LISTING).await?;
        let names = listing::file_names(&String::from_utf8_lossy(&body), &self.base);
        cache.retain(|k, _| names.contains(k));
        let mut entries = Vec::with_capacity(names.len());
        for name in names {
            let url = web::file_url(&self.base, &name);
            let fresh = cache
                .get(&name)
                .is_some_and(|c| c.checked.elapsed() < self.ttl);
            if !fresh {
                let still_valid = match cache.get(&name) {
                    Some(c) if c.etag.is_some() || c.last_modified.is_some() => {
                        let r = http.request(Method::HEAD, &url, &[]).await?;
                        r.status() == StatusCode::OK
                            && validators(&r) == (c.etag.clone(), c.last_modified.clone())
                            && web::content_length(&r) == Some(c.size)
                    }
                    _ => false,
                };
                if still_valid {
                    if let Some(c) = cache.get_mut(&name) {
                        c.checked = Instant::now();
                    }
                } else {
                    let c = hash_file(http, &url).await?;
                    tracing::info!(file = %name, size = c.size, sha256 = %c.sha256, "hashed");
                    cache.insert(name.clone(), c);
                }
            }
            if let Some(c) = cache.get(&name) {
                entries.push(Entry {
                    name,
                    size: c.size,
                    sha256: c.sha256.clone(),
                });
            }
        }
        Ok(Listing {
            base: self.base.clone(),
            entries,
        })
    }
}

/// GETs `url`, hashing the body as it streams by.
async fn hash_file(http: &mut HttpClient, url: &Url) -> Result<Cached, WebError> {
    let mut resp = http.get_ok(url).await?;
    let (etag, last_modified) = validators(&resp);
    let declared = web::content_length(&resp);
    let mut h = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = web::next_chunk(resp.body_mut(), url).await? {
        h.update(&chunk);
        size += chunk.len() as u64;
    }
    if let Some(d) = declared {
        if d != size {
            return Err(WebError::Exchange {
                method: Method::GET,
                url: url.to_string(),
                why: format!("{CONTENT_LENGTH} {d} but {size} bytes received"),
            });
        }
    }
    Ok(Cached {
        etag,
        last_modified,
        size,
        sha256: hex(&h.finalize()),
        checked: Instant::now(),
    })
}

/// The `OK …` answer to `LIST`, lines included.
pub fn format_listing(l: &Listing) -> String {
    let mut s = format!("OK {} {}\n", l.entries.len(), l.base);
    for e in &l.entries {
        s.push_str(&format!("{}\t{}\t{}\n", e.name, e.size, e.sha256));
    }
    s
}

/// Reads one line of at most `max` bytes; `Ok(None)` at EOF. The line end
/// (`\n` or `\r\n`) is removed.
pub async fn read_line<R: AsyncRead + Unpin>(
    r: &mut BufReader<R>,
    max: usize,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::new();
    loop {
        let avail = r.fill_buf().await?;
        if avail.is_empty() {
            return if buf.is_empty() {
                Ok(None)
            } else {
                Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "connection closed inside a line",
                ))
            };
        }
        let (take, done) = match memchr_nl(avail) {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        if buf.len() + take > max + 2 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("line longer than {max} bytes"),
            ));
        }
        buf.extend_from_slice(&avail[..take]);
        r.consume(take);
        if done {
            buf.pop();
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            return Ok(Some(buf));
        }
    }
}

fn memchr_nl(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

/// Parses a whole `LIST` answer (the client side, used by `wirelab app`).
pub fn parse_entry_line(line: &str) -> Result<Entry, String> {
    let mut f = line.split('\t');
    let (Some(name), Some(size), Some(sha), None) = (f.next(), f.next(), f.next(), f.next()) else {
        return Err(format!("expected NAME<TAB>SIZE<TAB>SHA256, got {line:?}"));
    };
    if name.is_empty() || name.contains('/') || name.chars().any(char::is_control) {
        return Err(format!("bad file name {name:?}"));
    }
    let size = size
        .parse::<u64>()
        .map_err(|_| format!("bad size {size:?} for {name:?}"))?;
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("bad SHA-256 {sha:?} for {name:?}"));
    }
    Ok(Entry {
        name: name.to_string(),
        size,
        sha256: sha.to_ascii_lowercase(),
    })
}

/// Asks the catalog at `addr` for its listing (`LIST`, then `QUIT`).
/// Errors read `catalog ADDR: …`, including the catalog's own `ERR` text.
pub async fn fetch_listing(addr: SocketAddr, timeout: Duration) -> anyhow::Result<Listing> {
    tokio::time::timeout(timeout, fetch_listing_inner(addr))
        .await
        .map_err(|_| anyhow::anyhow!("catalog {addr}: no answer within {timeout:?}"))?
        .with_context(|| format!("catalog {addr}"))
}

async fn fetch_listing_inner(addr: SocketAddr) -> anyhow::Result<Listing> {
    let tcp = TcpStream::connect(addr)
        .await
        .map_err(|e| anyhow::anyhow!("unreachable: {}", web::io_words(&e)))?;
    let (rd, mut wr) = tcp.into_split();
    let mut rd = BufReader::new(rd);
    wr.write_all(b"LIST\n").await?;
    let line = read_line(&mut rd, 64 * 1024)
        .await?
        .ok_or_else(|| anyhow::anyhow!("closed the connection without an answer"))?;
    let line = String::from_utf8(line).map_err(|_| anyhow::anyhow!("answer is not UTF-8"))?;
    if let Some(msg) = line.strip_prefix("ERR ") {
        anyhow::bail!("{msg}");
    }
    let mut f = line.splitn(3, ' ');
    let (Some("OK"), Some(n), Some(base)) = (f.next(), f.next(), f.next()) else {
        anyhow::bail!("unexpected answer {line:?}");
    };
    let n: usize = n
        .parse()
        .ok()
        .filter(|&n| n <= MAX_ENTRIES)
        .ok_or_else(|| anyhow::anyhow!("bad count in {line:?}"))?;
    let base = web::base_url(base)?;
    let mut entries = Vec::with_capacity(n.min(1024));
    for i in 0..n {
        let l = read_line(&mut rd, 64 * 1024)
            .await?
            .ok_or_else(|| anyhow::anyhow!("answer ended after {i} of {n} entries"))?;
        let l = String::from_utf8(l).map_err(|_| anyhow::anyhow!("entry {i} is not UTF-8"))?;
        entries.push(parse_entry_line(&l).map_err(|e| anyhow::anyhow!("entry {i}: {e}"))?);
    }
    let _ = wr.write_all(b"QUIT\n").await;
    Ok(Listing { base, entries })
}

/// The answer to one request line, and whether to close afterwards.
pub async fn answer(cat: &Catalog, line: &[u8]) -> (String, bool) {
    let Ok(text) = std::str::from_utf8(line) else {
        return ("ERR request is not UTF-8\n".into(), false);
    };
    let cmd = text.trim();
    match cmd.to_ascii_uppercase().as_str() {
        "LIST" => match cat.list().await {
            Ok(l) => (format_listing(&l), false),
            Err(e) => {
                tracing::warn!("LIST: {e}");
                (format!("ERR {e}\n"), false)
            }
        },
        "QUIT" => ("BYE\n".into(), true),
        "" => ("ERR empty command (try LIST or QUIT)\n".into(), false),
        _ => {
            let shown: String = cmd.chars().take(64).collect();
            (format!("ERR unknown command {shown:?}\n"), false)
        }
    }
}

async fn session(cat: Arc<Catalog>, tcp: TcpStream, peer: SocketAddr, idle: Duration) {
    let (rd, mut wr) = tcp.into_split();
    let mut rd = BufReader::new(rd);
    loop {
        let line = match tokio::time::timeout(idle, read_line(&mut rd, MAX_LINE)).await {
            Err(_) => {
                tracing::info!(%peer, "idle for {idle:?}: closing");
                let _ = wr.write_all(b"ERR idle timeout\n").await;
                break;
            }
            Ok(Ok(None)) => break,
            Ok(Ok(Some(l))) => l,
            Ok(Err(e)) => {
                tracing::info!(%peer, "{e}");
                let _ = wr.write_all(format!("ERR {e}\n").as_bytes()).await;
                break;
            }
        };
        let (reply, close) = answer(&cat, &line).await;
        tracing::debug!(%peer, request = %String::from_utf8_lossy(&line), "answered");
        if wr.write_all(reply.as_bytes()).await.is_err() || close {
            break;
        }
    }
    let _ = wr.shutdown().await;
}

/// Serves on an already bound listener until it fails.
pub async fn serve(listener: TcpListener, cat: Arc<Catalog>, idle: Duration) -> anyhow::Result<()> {
    loop {
        let (tcp, peer) = listener.accept().await.context("accept")?;
        tracing::info!(%peer, "connection");
        tokio::spawn(session(cat.clone(), tcp, peer, idle));
    }
}

fn secs(what: &str, v: f64) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(v).map_err(|_| anyhow::anyhow!("bad {what} {v}: seconds >= 0"))
}

/// Logging to stderr at `level`, for the services of this crate.
pub(crate) fn init_logging(level: &str) -> anyhow::Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(level)
                .with_context(|| format!("bad --log-level '{level}'"))?,
        )
        .try_init();
    Ok(())
}

/// Runs `wirelab catalog` until the process is stopped.
pub async fn run(args: CatalogArgs) -> anyhow::Result<()> {
    init_logging(&args.log_level)?;
    let cfg = CatalogConfig::from_args(&args)?;
    let ttl = secs("ttl", cfg.ttl)?;
    let idle = secs("idle timeout", cfg.idle_timeout)?;
    let cat = Arc::new(Catalog::new(&cfg.http, ttl)?);
    let listener = TcpListener::bind(cfg.listen)
        .await
        .with_context(|| format!("catalog: bind {}", cfg.listen))?;
    let local = listener.local_addr()?;
    eprintln!("catalog: listening on {local}, http {}", cat.base());
    serve(listener, cat, idle).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_lines() {
        let sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let e = parse_entry_line(&format!("a b.txt\t0\t{sha}")).unwrap();
        assert_eq!((e.name.as_str(), e.size), ("a b.txt", 0));
        for bad in [
            format!("a\t1\t{sha}\textra"),
            "a\t1".to_string(),
            format!("a\tx\t{sha}"),
            "a\t1\tabc".to_string(),
            format!("x/y\t1\t{sha}"),
            format!("\t1\t{sha}"),
        ] {
            assert!(parse_entry_line(&bad).is_err(), "{bad:?}");
        }
        let l = Listing {
            base: web::base_url("http://h/").unwrap(),
            entries: vec![e],
        };
        assert_eq!(
            format_listing(&l),
            format!("OK 1 http://h/\na b.txt\t0\t{sha}\n")
        );
    }

    #[test]
    fn config_file_then_flags() {
        let dir = std::env::temp_dir().join(format!("wirelab-catalog-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("catalog.toml");
        std::fs::write(&p, "http = \"http://127.0.0.1:8080/\"\nttl = 5.0\n").unwrap();
        let mut a = CatalogArgs {
            listen: None,
            http: None,
            ttl: Some(1.0),
            idle_timeout: None,
            config: Some(p.clone()),
            log_level: "info".into(),
        };
        let c = CatalogConfig::from_args(&a).unwrap();
        assert_eq!(c.http, "http://127.0.0.1:8080/");
        assert_eq!((c.ttl, c.idle_timeout), (1.0, 60.0));
        assert_eq!(c.listen, SocketAddr::from(([0, 0, 0, 0], PORT)));
        std::fs::write(&p, "htp = 1\n").unwrap();
        let e = CatalogConfig::from_args(&a).unwrap_err();
        assert!(format!("{e:#}").contains("bad config"), "{e:#}");
        a.config = None;
        assert_eq!(
            CatalogConfig::from_args(&a).unwrap().http,
            "http://10.20.30.80/"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn lines_end_with_lf_or_crlf_and_are_bounded() {
        let data: &[u8] = b"LIST\r\nQUIT\n\nxxxxxxxxxxxxxxxxxxxx\n";
        let mut r = BufReader::new(data);
        assert_eq!(read_line(&mut r, 8).await.unwrap().unwrap(), b"LIST");
        assert_eq!(read_line(&mut r, 8).await.unwrap().unwrap(), b"QUIT");
        assert_eq!(read_line(&mut r, 8).await.unwrap().unwrap(), b"");
        assert!(read_line(&mut r, 8).await.is_err());
        let mut r = BufReader::new(&b"LIS"[..]);
        assert!(read_line(&mut r, 8).await.is_err());
        let mut r = BufReader::new(&b""[..]);
        assert!(read_line(&mut r, 8).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn unknown_and_empty_commands() {
        let cat = Catalog::new("http://127.0.0.1:9/", Duration::from_secs(1)).unwrap();
        assert_eq!(
            answer(&cat, b"HELLO there").await.0,
            "ERR unknown command \"HELLO there\"\n"
        );
        assert_eq!(answer(&cat, b"quit").await, ("BYE\n".into(), true));
        assert!(answer(&cat, b"").await.0.starts_with("ERR empty"));
        assert!(answer(&cat, &[0xff, 0xfe])
            .await
            .0
            .starts_with("ERR request is not UTF-8"));
        // Port 9 (discard) is closed on loopback here: the LIST names the server.
        let (r, close) = answer(&cat, b"LIST").await;
        assert!(!close);
        assert!(
            r.starts_with("ERR http server http://127.0.0.1:9/ unreachable: "),
            "{r}"
        );
    }
}
