//! `wirelab app`: the application server, on RUDP (UDP port 49152).
//!
//! Every signal is one RUDP message (see `wirelab_rudp::driver`) of plain
//! text, so a capture reads as the conversation it is:
//!
//! | client sends | server answers |
//! |---|---|
//! | `NEW <user>` | `ACK <id>` (a session id, unique in this server) |
//! | `ECHO <id>` | `ECHOREPLY:<id>;<unix time>` (seconds, 6 decimals) |
//! | `STAT <id>` | `STATREPLY packets_sent=… packets_received=… …` (this connection's RUDP counters as the server sees them) |
//! | `GET <id>` | `ACKGET <count> <base-url>` then one line per file, `<name> <size> <sha256>`, newline-separated in the same message |
//! | `FETCH <name>` | `FILE <name> <size> <sha256>`, then the file's bytes as messages of at most 64 KiB, then `FILEEND <name>` |
//! | `BYE` | `BYE`, then the server closes |
//!
//! Any request that cannot be served gets `ERR <message>` and the
//! connection carries on. If the HTTP transfer behind a `FETCH` fails after
//! `FILE` was sent, the server sends an empty message (file data messages
//! are never empty) and then `ERR <message>`.
//!
//! `GET` asks the catalog (`LIST` over TCP, see [`crate::catalog`]) each
//! time; `FETCH` streams the file from the HTTP server the catalog names,
//! through a 64 KiB buffer, checking its size against the catalog's.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use serde::Deserialize;
use wirelab_rudp::driver::{Connection, Endpoint};
use wirelab_rudp::{EndpointConfig, Stats};

use crate::catalog::{self, web, Entry, HttpClient, Listing};

/// The application server's UDP port in the scenario.
pub const PORT: u16 = 49152;
/// Largest file-data message.
pub const CHUNK: usize = 64 * 1024;
/// How long the server waits for the catalog.
const CATALOG_TIMEOUT: Duration = Duration::from_secs(120);

/// Command-line arguments of `wirelab app`.
#[derive(Debug, Clone, clap::Args)]
pub struct AppArgs {
    /// Address and port to serve on, UDP [default: 0.0.0.0:49152].
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<SocketAddr>,
    /// The catalog service (TCP) asked on GET and FETCH
    /// [default: 10.20.30.80:49153].
    #[arg(long, value_name = "ADDR:PORT")]
    pub catalog: Option<SocketAddr>,
    /// TOML configuration file (keys `listen`, `catalog`); flags override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Log level (error, warn, info, debug, trace) or a tracing filter.
    #[arg(long, default_value = "info")]
    pub log_level: String,
}

/// The `--config` file of `wirelab app`. Every setting has a default.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AppConfig {
    /// Address and port to serve on.
    pub listen: SocketAddr,
    /// The catalog service.
    pub catalog: SocketAddr,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([0, 0, 0, 0], PORT)),
            catalog: SocketAddr::from(([10, 20, 30, 80], catalog::PORT)),
        }
    }
}

impl AppConfig {
    /// The file (or the defaults), with the flags applied over it.
    pub fn from_args(a: &AppArgs) -> anyhow::Result<Self> {
        let mut c: Self = catalog::load_toml(a.config.as_deref())?;
        if let Some(v) = a.listen {
            c.listen = v;
        }
        if let Some(v) = a.catalog {
            c.catalog = v;
        }
        Ok(c)
    }
}

/// A client request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `NEW <user>`.
    New(String),
    /// `ECHO <id>`.
    Echo(u64),
    /// `STAT <id>`.
    Stat(u64),
    /// `GET <id>`.
    Get(u64),
    /// `FETCH <name>`.
    Fetch(String),
    /// `BYE`.
    Bye,
}

impl Request {
    /// Parses one message. The error is the text of the `ERR` answer.
    pub fn parse(msg: &[u8]) -> Result<Self, String> {
        let text = std::str::from_utf8(msg).map_err(|_| "request is not UTF-8 text".to_string())?;
        let text = text.trim_end_matches(['\r', '\n']);
        let (verb, arg) = match text.split_once(' ') {
            Some((v, a)) => (v, a),
            None => (text, ""),
        };
        let id = |what: &str| {
            arg.trim()
                .parse::<u64>()
                .map_err(|_| format!("usage: {what} <id> (a number from ACK), got {arg:?}"))
        };
        match verb.to_ascii_uppercase().as_str() {
            "NEW" => {
                let user = arg.trim();
                if user.is_empty() || user.len() > 64 || user.chars().any(|c| c.is_control()) {
                    return Err("usage: NEW <user> (1 to 64 printable characters)".into());
                }
                Ok(Self::New(user.to_string()))
            }
            "ECHO" => id("ECHO").map(Self::Echo),
            "STAT" => id("STAT").map(Self::Stat),
            "GET" => id("GET").map(Self::Get),
            "FETCH" => {
                if arg.is_empty() || arg.contains('/') || arg.chars().any(|c| c.is_control()) {
                    return Err("usage: FETCH <name> (a name from ACKGET)".into());
                }
                Ok(Self::Fetch(arg.to_string()))
            }
            "BYE" if arg.is_empty() => Ok(Self::Bye),
            "" => Err("empty request".into()),
            _ => {
                let shown: String = text.chars().take(64).collect();
                Err(format!("unknown command {shown:?}"))
            }
        }
    }
}

/// `STATREPLY k=v …` from a connection's counters.
pub fn stat_reply(s: &Stats) -> String {
    let ms = |d: Duration| format!("{:.3}", d.as_secs_f64() * 1e3);
    format!(
        "STATREPLY packets_sent={} packets_received={} bytes_sent={} bytes_received={} \
         retransmitted={} lost={} spurious={} srtt_ms={} rttvar_ms={} min_rtt_ms={} cwnd={} \
         in_flight={} pacing_rate_bps={:.0} congestion={}",
        s.packets_sent,
        s.packets_received,
        s.bytes_sent,
        s.bytes_received,
        s.packets_retransmitted,
        s.packets_lost,
        s.spurious_retransmissions,
        ms(s.srtt),
        ms(s.rttvar),
        ms(s.min_rtt),
        s.cwnd,
        s.bytes_in_flight,
        s.pacing_rate * 8.0,
        s.congestion
    )
}

/// The `key=value` pairs of a `STATREPLY`.
pub fn parse_stat_reply(s: &str) -> Result<Vec<(String, String)>, String> {
    let rest = s
        .strip_prefix("STATREPLY")
        .ok_or_else(|| format!("expected STATREPLY, got {:?}", short(s)))?;
    rest.split_whitespace()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| format!("bad STATREPLY field {kv:?}"))
        })
        .collect()
}

/// `ACKGET <count> <base>` and one `<name> <size> <sha256>` line per file.
pub fn ackget(l: &Listing) -> String {
    let mut s = format!("ACKGET {} {}", l.entries.len(), l.base);
    for e in &l.entries {
        s.push_str(&format!("\n{} {} {}", e.name, e.size, e.sha256));
    }
    s
}

/// Parses an `ACKGET` message (names may hold spaces: size and SHA-256
/// are the last two fields of each line).
pub fn parse_ackget(s: &str) -> Result<Listing, String> {
    let mut lines = s.split('\n');
    let head = lines.next().unwrap_or_default();
    let mut f = head.splitn(3, ' ');
    let (Some("ACKGET"), Some(n), Some(base)) = (f.next(), f.next(), f.next()) else {
        return Err(format!(
            "expected ACKGET <count> <url>, got {:?}",
            short(head)
        ));
    };
    let n: usize = n
        .parse()
        .ok()
        .filter(|&n| n <= catalog::MAX_ENTRIES)
        .ok_or_else(|| format!("bad count {n:?}"))?;
    let base = web::base_url(base).map_err(|e| e.to_string())?;
    let mut entries = Vec::with_capacity(n.min(1024));
    for (i, line) in lines.enumerate() {
        let mut f = line.rsplitn(3, ' ');
        let (Some(sha), Some(size), Some(name)) = (f.next(), f.next(), f.next()) else {
            return Err(format!("file line {}: {:?}", i + 1, short(line)));
        };
        let e = catalog::parse_entry_line(&format!("{name}\t{size}\t{sha}"))
            .map_err(|e| format!("file line {}: {e}", i + 1))?;
        entries.push(e);
    }
    if entries.len() != n {
        return Err(format!(
            "ACKGET announces {n} files but lists {}",
            entries.len()
        ));
    }
    Ok(Listing { base, entries })
}

/// `FILE <name> <size> <sha256>`.
pub fn parse_file_header(s: &str) -> Result<Entry, String> {
    let rest = s
        .strip_prefix("FILE ")
        .ok_or_else(|| format!("expected FILE, got {:?}", short(s)))?;
    let mut f = rest.rsplitn(3, ' ');
    let (Some(sha), Some(size), Some(name)) = (f.next(), f.next(), f.next()) else {
        return Err(format!("bad FILE header {:?}", short(s)));
    };
    catalog::parse_entry_line(&format!("{name}\t{size}\t{sha}"))
}

fn short(s: &str) -> String {
    s.chars().take(80).collect()
}

fn unix_now() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format!("{}.{:06}", d.as_secs(), d.subsec_micros())
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

struct Session {
    conn: Connection,
    peer: String,
    catalog: SocketAddr,
    id: Option<u64>,
    user: String,
    listing: Option<Listing>,
    http: Option<HttpClient>,
}

impl Session {
    fn check_id(&self, id: u64) -> Result<(), String> {
        match self.id {
            Some(mine) if mine == id => Ok(()),
            Some(mine) => Err(format!("unknown id {id} (this session is {mine})")),
            None => Err(format!("unknown id {id} (send NEW <user> first)")),
        }
    }

    async fn listing(&mut self, refresh: bool) -> Result<Listing, String> {
        if !refresh {
            if let Some(l) = &self.listing {
                return Ok(l.clone());
            }
        }
        let l = catalog::fetch_listing(self.catalog, CATALOG_TIMEOUT)
            .await
            .map_err(|e| format!("{e:#}"))?;
        self.listing = Some(l.clone());
        Ok(l)
    }

    async fn send(&self, msg: &[u8]) -> Result<(), wirelab_rudp::Error> {
        self.conn.send_message(msg).await
    }

    /// Answers one request; `Ok(false)` ends the session.
    async fn handle(&mut self, msg: &[u8]) -> Result<bool, wirelab_rudp::Error> {
        let req = match Request::parse(msg) {
            Ok(r) => r,
            Err(e) => {
                tracing::info!(peer = %self.peer, "bad request: {e}");
                self.send(format!("ERR {e}").as_bytes()).await?;
                return Ok(true);
            }
        };
        let reply = match req {
            Request::New(user) => {
                let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
                tracing::info!(peer = %self.peer, %user, id, "NEW");
                self.id = Some(id);
                self.user = user;
                Ok(format!("ACK {id}"))
            }
            Request::Echo(id) => self
                .check_id(id)
                .map(|_| format!("ECHOREPLY:{id};{}", unix_now())),
            Request::Stat(id) => self.check_id(id).and_then(|_| {
                self.conn
                    .stats()
                    .map(|s| stat_reply(&s))
                    .ok_or_else(|| "connection statistics unavailable".to_string())
            }),
            Request::Get(id) => match self.check_id(id) {
                Err(e) => Err(e),
                Ok(()) => self.listing(true).await.map(|l| {
                    tracing::info!(peer = %self.peer, user = %self.user, files = l.entries.len(), "GET");
                    ackget(&l)
                }),
            },
            Request::Fetch(name) => return self.fetch(&name).await.map(|_| true),
            Request::Bye => {
                tracing::info!(peer = %self.peer, user = %self.user, "BYE");
                self.send(b"BYE").await?;
                return Ok(false);
            }
        };
        let text = reply.unwrap_or_else(|e| {
            tracing::info!(peer = %self.peer, "ERR {e}");
            format!("ERR {e}")
        });
        self.send(text.as_bytes()).await?;
        Ok(true)
    }

    async fn fetch(&mut self, name: &str) -> Result<(), wirelab_rudp::Error> {
        let found = match self.listing(false).await {
            Ok(l) if l.entries.iter().any(|e| e.name == name) => Ok(l),
            // Not in what we last saw: the catalog may know better now.
            Ok(_) => self.listing(true).await,
            Err(e) => Err(e),
        };
        let (base, entry) = match found {
            Ok(l) => match l.entries.into_iter().find(|e| e.name == name) {
                Some(e) => (l.base, e),
                None => {
                    return self
                        .send(format!("ERR no such file {name:?} in the catalog").as_bytes())
                        .await
                }
            },
            Err(e) => return self.send(format!("ERR {e}").as_bytes()).await,
        };
        if self.http.as_ref().is_none_or(|h| *h.base() != base) {
            match HttpClient::new(&base) {
                Ok(h) => self.http = Some(h),
                Err(e) => return self.send(format!("ERR {e}").as_bytes()).await,
            }
        }
        let Some(http) = self.http.as_mut() else {
            return Ok(());
        };
        let url = web::file_url(&base, name);
        let started = Instant::now();
        let mut resp = match http.get_ok(&url).await {
            Ok(r) => r,
            Err(e) => return self.send(format!("ERR {e}").as_bytes()).await,
        };
        if let Some(cl) = web::content_length(&resp) {
            if cl != entry.size {
                let m = format!(
                    "ERR {name:?} changed: http server says {cl} bytes, catalog {} (GET again)",
                    entry.size
                );
                self.listing = None;
                return self.send(m.as_bytes()).await;
            }
        }
        self.send(format!("FILE {} {} {}", entry.name, entry.size, entry.sha256).as_bytes())
            .await?;
        let mut sent = 0u64;
        let mut buf = Vec::with_capacity(CHUNK);
        let failure = loop {
            match web::next_chunk(resp.body_mut(), &url).await {
                Ok(Some(mut data)) => {
                    if sent + (buf.len() + data.len()) as u64 > entry.size {
                        break Some(format!("{url} is longer than {} bytes", entry.size));
                    }
                    while !data.is_empty() {
                        let take = (CHUNK - buf.len()).min(data.len());
                        buf.extend_from_slice(&data.split_to(take));
                        if buf.len() == CHUNK {
                            self.conn.send_message(&buf).await?;
                            sent += buf.len() as u64;
                            buf.clear();
                        }
                    }
                }
                Ok(None) => break None,
                Err(e) => break Some(e.to_string()),
            }
        };
        if !buf.is_empty() {
            self.conn.send_message(&buf).await?;
            sent += buf.len() as u64;
        }
        let failure = failure.or_else(|| {
            (sent != entry.size)
                .then(|| format!("{url} ended after {sent} of {} bytes", entry.size))
        });
        if let Some(f) = failure {
            tracing::warn!(peer = %self.peer, file = %name, "FETCH failed: {f}");
            // Drop the connection to the HTTP server: its state is unknown.
            self.http = None;
            self.send(b"").await?;
            return self.send(format!("ERR {f}").as_bytes()).await;
        }
        let secs = started.elapsed().as_secs_f64();
        tracing::info!(
            peer = %self.peer,
            file = %name,
            bytes = sent,
            "FETCH done in {secs:.3} s ({:.1} Mbit/s)",
            sent as f64 * 8.0 / secs.max(1e-9) / 1e6
        );
        self.send(format!("FILEEND {}", entry.name).as_bytes())
            .await
    }
}

async fn session(conn: Connection, catalog: SocketAddr) {
    let peer = conn
        .remote_addr()
        .map_or_else(|| "?".to_string(), |a| a.to_string());
    tracing::info!(%peer, "connection");
    let mut s = Session {
        conn: conn.clone(),
        peer: peer.clone(),
        catalog,
        id: None,
        user: String::new(),
        listing: None,
        http: None,
    };
    loop {
        let msg = match conn.recv_message().await {
            Ok(Some(m)) => m,
            Ok(None) => {
                tracing::info!(%peer, "peer finished");
                break;
            }
            Err(e) => {
                tracing::info!(%peer, "connection ended: {e}");
                return;
            }
        };
        match s.handle(&msg).await {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                tracing::info!(%peer, "connection ended: {e}");
                return;
            }
        }
    }
    let _ = conn.close(Duration::from_secs(5)).await;
}

/// Serves on a bound endpoint, one task per connection, until it stops.
pub async fn serve(ep: Endpoint, catalog: SocketAddr) {
    while let Some(conn) = ep.accept().await {
        tokio::spawn(session(conn, catalog));
    }
}

/// Runs `wirelab app` until the process is stopped.
pub async fn run(args: AppArgs) -> anyhow::Result<()> {
    catalog::init_logging(&args.log_level)?;
    let cfg = AppConfig::from_args(&args)?;
    let ep = Endpoint::server(cfg.listen, EndpointConfig::default())
        .await
        .with_context(|| format!("app: bind UDP {}", cfg.listen))?;
    let local = ep.local_addr()?;
    eprintln!("app: listening on {local}, catalog {}", cfg.catalog);
    serve(ep, cfg.catalog).await;
    anyhow::bail!("app: the RUDP endpoint on {local} stopped")
}

/// The client side of the protocol, over one RUDP connection.
pub struct AppClient {
    _ep: Endpoint,
    conn: Connection,
    timeout: Duration,
}

impl std::fmt::Debug for AppClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppClient").finish_non_exhaustive()
    }
}

impl AppClient {
    /// Connects to the server at `addr`; `timeout` bounds the handshake
    /// and every wait for an answer.
    pub async fn connect(addr: SocketAddr, timeout: Duration) -> anyhow::Result<Self> {
        let local: SocketAddr = if addr.is_ipv4() {
            ([0, 0, 0, 0], 0).into()
        } else {
            ([0u16; 8], 0).into()
        };
        let ep = Endpoint::client(local, EndpointConfig::default()).await?;
        let conn = tokio::time::timeout(timeout, ep.connect(addr))
            .await
            .map_err(|_| anyhow::anyhow!("no RUDP handshake with {addr} within {timeout:?}"))?
            .with_context(|| format!("RUDP connect to {addr}"))?;
        Ok(Self {
            _ep: ep,
            conn,
            timeout,
        })
    }

    /// The connection's own counters.
    pub fn stats(&self) -> Option<Stats> {
        self.conn.stats()
    }

    /// Receives one message within the timeout.
    pub async fn recv(&self) -> anyhow::Result<Vec<u8>> {
        self.recv_within(self.timeout).await
    }

    async fn recv_within(&self, t: Duration) -> anyhow::Result<Vec<u8>> {
        tokio::time::timeout(t, self.conn.recv_message())
            .await
            .map_err(|_| anyhow::anyhow!("no answer within {t:?}"))??
            .ok_or_else(|| anyhow::anyhow!("the server closed the connection"))
    }

    /// Sends `req` and returns the answer as text.
    pub async fn call(&self, req: &[u8]) -> anyhow::Result<String> {
        self.call_within(req, self.timeout).await
    }

    async fn call_within(&self, req: &[u8], t: Duration) -> anyhow::Result<String> {
        self.conn.send_message(req).await?;
        let m = self.recv_within(t).await?;
        String::from_utf8(m).map_err(|_| anyhow::anyhow!("answer is not UTF-8"))
    }

    async fn expect(&self, req: &str, want: &str) -> anyhow::Result<String> {
        self.expect_within(req, want, self.timeout).await
    }

    async fn expect_within(&self, req: &str, want: &str, t: Duration) -> anyhow::Result<String> {
        let a = self.call_within(req.as_bytes(), t).await?;
        if let Some(e) = a.strip_prefix("ERR ") {
            anyhow::bail!("{req}: server answered ERR {e}");
        }
        if !a.starts_with(want) {
            anyhow::bail!("{req}: expected {want}…, got {:?}", short(&a));
        }
        Ok(a)
    }

    /// `NEW <user>` → the session id.
    pub async fn new_session(&self, user: &str) -> anyhow::Result<u64> {
        let a = self.expect(&format!("NEW {user}"), "ACK ").await?;
        a[4..]
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("bad ACK {:?}", short(&a)))
    }

    /// `ECHO <id>` → round-trip time and the server's clock (Unix seconds).
    pub async fn echo(&self, id: u64) -> anyhow::Result<(Duration, f64)> {
        let t = Instant::now();
        let a = self.expect(&format!("ECHO {id}"), "ECHOREPLY:").await?;
        let rtt = t.elapsed();
        let (rid, time) = a["ECHOREPLY:".len()..]
            .split_once(';')
            .ok_or_else(|| anyhow::anyhow!("bad ECHOREPLY {:?}", short(&a)))?;
        if rid != id.to_string() {
            anyhow::bail!("ECHOREPLY for id {rid}, expected {id}");
        }
        let time = time
            .parse()
            .map_err(|_| anyhow::anyhow!("bad time in {:?}", short(&a)))?;
        Ok((rtt, time))
    }

    /// `STAT <id>` → the server's counters for this connection.
    pub async fn stat(&self, id: u64) -> anyhow::Result<Vec<(String, String)>> {
        let a = self.expect(&format!("STAT {id}"), "STATREPLY").await?;
        parse_stat_reply(&a).map_err(|e| anyhow::anyhow!(e))
    }

    /// `GET <id>` → the file list. The catalog may be hashing large files
    /// for the first time: this waits at least as long as the server
    /// waits for the catalog.
    pub async fn get(&self, id: u64) -> anyhow::Result<Listing> {
        let t = self.timeout.max(CATALOG_TIMEOUT + Duration::from_secs(5));
        let a = self
            .expect_within(&format!("GET {id}"), "ACKGET ", t)
            .await?;
        parse_ackget(&a).map_err(|e| anyhow::anyhow!(e))
    }

    /// `FETCH <name>`: hands each piece of the file to `sink` and returns
    /// the `FILE` header's entry once `FILEEND` arrived.
    pub async fn fetch(
        &self,
        name: &str,
        mut sink: impl FnMut(&[u8]) -> anyhow::Result<()>,
    ) -> anyhow::Result<Entry> {
        let t = self.timeout.max(CATALOG_TIMEOUT + Duration::from_secs(5));
        let head = self
            .expect_within(&format!("FETCH {name}"), "FILE ", t)
            .await?;
        let entry = parse_file_header(&head).map_err(|e| anyhow::anyhow!(e))?;
        if entry.name != name {
            anyhow::bail!("asked for {name:?}, server sends {:?}", entry.name);
        }
        let mut got = 0u64;
        while got < entry.size {
            let m = self.recv().await?;
            if m.is_empty() {
                let e = self.recv().await?;
                anyhow::bail!(
                    "FETCH {name}: transfer aborted after {got} bytes: {}",
                    String::from_utf8_lossy(&e)
                );
            }
            if got + m.len() as u64 > entry.size {
                anyhow::bail!("FETCH {name}: more than the announced {} bytes", entry.size);
            }
            got += m.len() as u64;
            sink(&m)?;
        }
        let end = self.recv().await?;
        if end.is_empty() {
            let e = self.recv().await?;
            anyhow::bail!(
                "FETCH {name}: transfer aborted at the end: {}",
                String::from_utf8_lossy(&e)
            );
        }
        if end != format!("FILEEND {name}").as_bytes() {
            anyhow::bail!(
                "FETCH {name}: expected FILEEND, got {:?}",
                short(&String::from_utf8_lossy(&end))
            );
        }
        Ok(entry)
    }

    /// `BYE`, then a graceful close.
    pub async fn bye(self) -> anyhow::Result<()> {
        self.expect("BYE", "BYE").await?;
        let _ = tokio::time::timeout(self.timeout, self.conn.close(Duration::from_secs(2))).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_parse_and_errors_say_why() {
        assert_eq!(
            Request::parse(b"NEW alice"),
            Ok(Request::New("alice".into()))
        );
        assert_eq!(Request::parse(b"echo 7\r\n"), Ok(Request::Echo(7)));
        assert_eq!(Request::parse(b"STAT 1"), Ok(Request::Stat(1)));
        assert_eq!(Request::parse(b"GET 2"), Ok(Request::Get(2)));
        assert_eq!(
            Request::parse(b"FETCH task 2.pdf"),
            Ok(Request::Fetch("task 2.pdf".into()))
        );
        assert_eq!(Request::parse(b"BYE"), Ok(Request::Bye));
        for (bad, why) in [
            (&b"NEW"[..], "usage: NEW"),
            (b"ECHO x", "usage: ECHO <id>"),
            (b"GET", "usage: GET <id>"),
            (b"FETCH ../etc/passwd", "usage: FETCH"),
            (b"FETCH", "usage: FETCH"),
            (b"HELLO", "unknown command \"HELLO\""),
            (b"", "empty request"),
            (b"\xff\xfe", "not UTF-8"),
        ] {
            let e = Request::parse(bad).unwrap_err();
            assert!(e.contains(why), "{bad:?}: {e}");
        }
    }

    #[test]
    fn ackget_round_trips_names_with_spaces() {
        let sha = "ab".repeat(32);
        let l = Listing {
            base: web::base_url("http://10.20.30.80/").unwrap(),
            entries: vec![
                Entry {
                    name: "task 2.pdf".into(),
                    size: 10,
                    sha256: sha.clone(),
                },
                Entry {
                    name: "50MB.zip".into(),
                    size: 52_428_800,
                    sha256: sha.clone(),
                },
            ],
        };
        let text = ackget(&l);
        assert_eq!(
            text,
            format!("ACKGET 2 http://10.20.30.80/\ntask 2.pdf 10 {sha}\n50MB.zip 52428800 {sha}")
        );
        assert_eq!(parse_ackget(&text).unwrap(), l);
        assert!(parse_ackget("ACKGET 3 http://h/\na 1 x").is_err());
        assert!(parse_ackget(&format!("ACKGET 2 http://h/\na 1 {sha}")).is_err());
        let empty = parse_ackget("ACKGET 0 http://h/").unwrap();
        assert!(empty.entries.is_empty());
        let h = parse_file_header(&format!("FILE task 2.pdf 10 {sha}")).unwrap();
        assert_eq!((h.name.as_str(), h.size), ("task 2.pdf", 10));
    }

    #[test]
    fn stat_reply_round_trips() {
        let s = Stats {
            packets_sent: 5,
            srtt: Duration::from_micros(1500),
            cwnd: 14_520,
            pacing_rate: 1e6,
            congestion: "bbr",
            ..Default::default()
        };
        let text = stat_reply(&s);
        let kv = parse_stat_reply(&text).unwrap();
        let get = |k: &str| kv.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str());
        assert_eq!(get("packets_sent"), Some("5"));
        assert_eq!(get("srtt_ms"), Some("1.500"));
        assert_eq!(get("cwnd"), Some("14520"));
        assert_eq!(get("pacing_rate_bps"), Some("8000000"));
        assert!(parse_stat_reply("STATREPLY x").is_err());
    }
}
