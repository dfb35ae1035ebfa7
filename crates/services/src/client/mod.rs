//! `wirelab client`: the scenario's whole journey from one command, with
//! each phase timed:
//!
//! 1. `dhcp` (with `--interface`): a lease from the DHCP server
//!    ([`crate::dhcp::client::obtain_lease`]); the interface is configured
//!    unless `--no-configure`, and the lease's DNS server is used when
//!    `--dns` is absent.
//! 2. `dns`: A and AAAA queries for `--name` over UDP (TCP when the answer
//!    is truncated); the application server is the first A record.
//! 3. `rudp`: connect, `NEW`, `ECHO` (round-trip time), `STAT` (the
//!    server's view of the connection), `GET` (the file list).
//! 4. `download`: every listed file over HTTP/1.1 (one keep-alive
//!    connection, resuming a `<name>.part` left over with a Range request)
//!    or over RUDP `FETCH` (`--via rudp`), written to `<name>.part` and
//!    renamed once its size and SHA-256 match the catalog's.
//! 5. `tcp-echo` (with `--echo`): connect, send a line, read it back,
//!    FIN.
//! 6. `bye`: `BYE` and a graceful RUDP close, then a summary table (or
//!    JSON with `--json`).
//!
//! Any failure ends the run with an error naming the phase.

use std::io::{Read as _, Write as _};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use http::header::{CONTENT_RANGE, RANGE};
use http::{Method, StatusCode};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::app::{self, AppClient};
use crate::catalog::{hex, web, Entry, HttpClient, Listing};

/// How files are downloaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Via {
    /// HTTP/1.1 from the base URL the catalog gives.
    Http,
    /// RUDP `FETCH` from the application server.
    Rudp,
}

/// Command-line arguments of `wirelab client`.
#[derive(Debug, Clone, clap::Args)]
pub struct ClientArgs {
    /// Obtain an address with DHCP on this interface first.
    #[arg(long)]
    pub interface: Option<String>,
    /// DNS server (default: the DHCP lease's first DNS server).
    #[arg(long, value_name = "ADDR:PORT")]
    pub dns: Option<SocketAddr>,
    /// Name of the application server to look up.
    #[arg(long, default_value = "example.com")]
    pub name: String,
    /// Application server address (skips DNS).
    #[arg(long, value_name = "ADDR:PORT")]
    pub app: Option<SocketAddr>,
    /// Port of the application server found with DNS.
    #[arg(long, default_value_t = app::PORT)]
    pub app_port: u16,
    /// User name sent with NEW (default: $USER, else "wirelab").
    #[arg(long)]
    pub user: Option<String>,
    /// How to download the files.
    #[arg(long, value_enum, default_value_t = Via::Http)]
    pub via: Via,
    /// Directory the files are written to.
    #[arg(long, default_value = "downloads")]
    pub out: PathBuf,
    /// TCP echo server to exchange one line with (port 5001 in the scenario).
    #[arg(long, value_name = "ADDR:PORT")]
    pub echo: Option<SocketAddr>,
    /// With --interface: obtain a lease but leave the interface alone.
    #[arg(long)]
    pub no_configure: bool,
    /// Print the summary as JSON on stdout (and nothing else there).
    #[arg(long)]
    pub json: bool,
    /// Seconds to wait for any one answer.
    #[arg(long, default_value_t = 30.0)]
    pub timeout: f64,
    /// Log level for stderr (error, warn, info, debug, trace).
    #[arg(long, default_value = "warn")]
    pub log_level: String,
}

/// One phase of the journey, as summarised.
#[derive(Debug, Clone)]
pub struct PhaseRecord {
    /// Name (`dhcp`, `dns`, `rudp`, `download`, `tcp-echo`, `bye`).
    pub name: &'static str,
    /// How long it took.
    pub elapsed: Duration,
    /// Payload bytes it moved (file bytes for downloads, message bytes
    /// otherwise).
    pub bytes: u64,
}

struct Journey {
    json: bool,
    phases: Vec<PhaseRecord>,
    report: serde_json::Map<String, Value>,
}

impl Journey {
    fn say(&self, line: &str) {
        if !self.json {
            println!("{line}");
        }
    }

    fn done(&mut self, name: &'static str, started: Instant, bytes: u64) {
        self.phases.push(PhaseRecord {
            name,
            elapsed: started.elapsed(),
            bytes,
        });
    }

    fn phases_json(&self) -> Value {
        Value::Array(
            self.phases
                .iter()
                .map(|p| {
                    json!({
                        "phase": p.name,
                        "ms": ms(p.elapsed),
                        "bytes": p.bytes,
                        "mbit_per_s": mbps(p.bytes, p.elapsed),
                    })
                })
                .collect(),
        )
    }

    fn table(&self) -> String {
        let mut s = format!(
            "{:<10} {:>12} {:>14} {:>14}\n",
            "phase", "time", "bytes", "throughput"
        );
        for p in &self.phases {
            s.push_str(&format!(
                "{:<10} {:>12} {:>14} {:>14}\n",
                p.name,
                format!("{:.3} ms", ms(p.elapsed)),
                p.bytes,
                format!("{:.2} Mbit/s", mbps(p.bytes, p.elapsed)),
            ));
        }
        s
    }
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

fn mbps(bytes: u64, d: Duration) -> f64 {
    let s = d.as_secs_f64();
    if s <= 0.0 {
        return 0.0;
    }
    (bytes as f64 * 8.0 / s / 1e6 * 100.0).round() / 100.0
}

/// Runs `wirelab client`.
pub async fn run(args: ClientArgs) -> anyhow::Result<()> {
    crate::catalog::init_logging(&args.log_level)?;
    let mut j = Journey {
        json: args.json,
        phases: Vec::new(),
        report: serde_json::Map::new(),
    };
    let started = Instant::now();
    let r = journey(&args, &mut j).await;
    let total = started.elapsed();
    match &r {
        Ok(()) => {
            if args.json {
                j.report.insert("ok".into(), json!(true));
                j.report.insert("phases".into(), j.phases_json());
                j.report.insert("total_ms".into(), json!(ms(total)));
                println!("{}", Value::Object(j.report.clone()));
            } else {
                print!("\n{}", j.table());
                println!("total {:.3} ms", ms(total));
            }
        }
        Err(e) => {
            if args.json {
                j.report.insert("ok".into(), json!(false));
                j.report.insert("error".into(), json!(format!("{e:#}")));
                j.report.insert("phases".into(), j.phases_json());
                j.report.insert("total_ms".into(), json!(ms(total)));
                println!("{}", Value::Object(j.report.clone()));
            }
        }
    }
    r
}

async fn journey(args: &ClientArgs, j: &mut Journey) -> anyhow::Result<()> {
    let timeout = Duration::try_from_secs_f64(args.timeout)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| anyhow::anyhow!("bad --timeout {}: seconds > 0", args.timeout))?;

    // 1. DHCP
    let mut dns_server = args.dns;
    if let Some(iface) = &args.interface {
        let t = Instant::now();
        let lease = crate::dhcp::client::obtain_lease(crate::dhcp::ClientArgs {
            interface: iface.clone(),
            no_configure: args.no_configure,
            once: true,
            release: false,
            retransmit_base: 4.0,
            retransmit_max: 64.0,
            tries: 4,
            renew_retransmit_min: 60.0,
            hostname: None,
            log_level: args.log_level.clone(),
        })
        .await
        .context("phase dhcp")?;
        j.done("dhcp", t, 0);
        let dns: Vec<String> = lease.dns.iter().map(|a| a.to_string()).collect();
        let routers: Vec<String> = lease.routers.iter().map(|a| a.to_string()).collect();
        j.say(&format!(
            "dhcp: bound {}/{} from server {} (router {}, dns {}, lease {} s){} in {:.3} ms",
            lease.ip,
            lease.prefix,
            lease.server,
            list_or_dash(&routers),
            list_or_dash(&dns),
            lease.times.0,
            if args.no_configure {
                ", interface left alone"
            } else {
                ""
            },
            ms(t.elapsed())
        ));
        j.report.insert(
            "dhcp".into(),
            json!({
                "interface": iface, "address": lease.ip.to_string(), "prefix": lease.prefix,
                "server": lease.server.to_string(), "routers": routers, "dns": dns,
                "lease_s": lease.times.0, "configured": !args.no_configure,
            }),
        );
        if dns_server.is_none() {
            dns_server = lease.dns.first().map(|a| SocketAddr::from((*a, 53)));
        }
    }

    // 2. DNS
    let app_addr = match args.app {
        Some(a) => {
            j.say(&format!("dns: skipped (--app {a})"));
            a
        }
        None => {
            let Some(server) = dns_server else {
                bail!("phase dns: no DNS server: give --dns ADDR:PORT, --app ADDR:PORT or --interface");
            };
            let t = Instant::now();
            let a = lookup(server, &args.name, RecordType::A, timeout)
                .await
                .with_context(|| format!("phase dns: {} A from {server}", args.name))?;
            let aaaa = lookup(server, &args.name, RecordType::AAAA, timeout)
                .await
                .with_context(|| format!("phase dns: {} AAAA from {server}", args.name))?;
            j.done("dns", t, a.bytes + aaaa.bytes);
            for (rt, r) in [("A", &a), ("AAAA", &aaaa)] {
                let addrs: Vec<String> = r.addrs.iter().map(|a| a.to_string()).collect();
                j.say(&format!(
                    "dns: {} {rt} -> {} ({}, {:.3} ms over {}) from {server}",
                    args.name,
                    list_or_dash(&addrs),
                    r.rcode,
                    ms(r.elapsed),
                    if r.tcp { "TCP" } else { "UDP" }
                ));
            }
            let js = |r: &Lookup| {
                json!({
                    "addrs": r.addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
                    "rcode": r.rcode.to_string(), "ms": ms(r.elapsed), "tcp": r.tcp,
                })
            };
            j.report.insert(
                "dns".into(),
                json!({"server": server.to_string(), "name": args.name, "a": js(&a), "aaaa": js(&aaaa)}),
            );
            let Some(ip) = a.addrs.first() else {
                bail!("phase dns: {} has no A record at {server}", args.name);
            };
            SocketAddr::new(*ip, args.app_port)
        }
    };

    // 3. RUDP signals
    let t = Instant::now();
    let user = args
        .user
        .clone()
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "wirelab".into());
    let c = AppClient::connect(app_addr, timeout)
        .await
        .context("phase rudp")?;
    let connected = t.elapsed();
    let id = c.new_session(&user).await.context("phase rudp")?;
    j.say(&format!(
        "rudp: connected to {app_addr} in {:.3} ms; NEW {user} -> ACK {id}",
        ms(connected)
    ));
    let (rtt, server_time) = c.echo(id).await.context("phase rudp")?;
    j.say(&format!(
        "rudp: ECHO {id} -> round trip {:.3} ms (server clock {server_time:.6})",
        ms(rtt)
    ));
    let stat = c.stat(id).await.context("phase rudp")?;
    let stat_text: Vec<String> = stat.iter().map(|(k, v)| format!("{k}={v}")).collect();
    j.say(&format!("rudp: STAT {id} -> {}", stat_text.join(" ")));
    let listing = c.get(id).await.context("phase rudp")?;
    j.say(&format!(
        "rudp: GET {id} -> {} files at {}",
        listing.entries.len(),
        listing.base
    ));
    for e in &listing.entries {
        j.say(&format!(
            "  {}  {} bytes  sha256 {}",
            e.name, e.size, e.sha256
        ));
    }
    let rudp_bytes = c
        .stats()
        .map_or(0, |s| s.stream_bytes_received + s.stream_bytes_sent);
    j.done("rudp", t, rudp_bytes);
    j.report.insert(
        "rudp".into(),
        json!({
            "server": app_addr.to_string(), "user": user, "id": id,
            "connect_ms": ms(connected), "echo_rtt_ms": ms(rtt), "server_time": server_time,
            "stat": stat.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "base": listing.base.to_string(),
        }),
    );

    // 4. Downloads
    let t = Instant::now();
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("phase download: create {}", args.out.display()))?;
    let files = download_all(args, &c, &listing, j)
        .await
        .context("phase download")?;
    let moved: u64 = files.iter().map(|f| f.transferred).sum();
    j.done("download", t, moved);
    j.report.insert(
        "files".into(),
        Value::Array(files.iter().map(FileResult::to_json).collect()),
    );

    // 5. TCP echo
    if let Some(addr) = args.echo {
        let t = Instant::now();
        let msg = format!("wirelab client {user} hello\n");
        let r = echo_once(addr, msg.as_bytes(), timeout)
            .await
            .context("phase tcp-echo")?;
        j.done("tcp-echo", t, (msg.len() * 2) as u64);
        j.say(&format!(
            "tcp-echo: {addr}: connected in {:.3} ms, {} bytes echoed in {:.3} ms, closed after {:.3} ms",
            ms(r.connect),
            msg.len(),
            ms(r.round_trip),
            ms(r.total)
        ));
        j.report.insert(
            "tcp_echo".into(),
            json!({"server": addr.to_string(), "connect_ms": ms(r.connect),
                   "rtt_ms": ms(r.round_trip), "total_ms": ms(r.total), "bytes": msg.len()}),
        );
    }

    // 6. BYE
    let t = Instant::now();
    let stats = c.stats();
    c.bye().await.context("phase bye")?;
    j.done("bye", t, 0);
    if let Some(s) = stats {
        j.say(&format!(
            "bye: closed; client's view of the RUDP connection:\n{s}"
        ));
        j.report.insert(
            "rudp_client_stats".into(),
            json!({
                "packets_sent": s.packets_sent, "packets_received": s.packets_received,
                "bytes_sent": s.bytes_sent, "bytes_received": s.bytes_received,
                "retransmitted": s.packets_retransmitted, "lost": s.packets_lost,
                "srtt_ms": ms(s.srtt), "min_rtt_ms": ms(s.min_rtt),
            }),
        );
    }
    Ok(())
}

fn list_or_dash(v: &[String]) -> String {
    if v.is_empty() {
        "-".into()
    } else {
        v.join(",")
    }
}

/// The result of one DNS question.
#[derive(Debug, Clone)]
pub struct Lookup {
    /// Addresses in the answer section (of the type asked).
    pub addrs: Vec<IpAddr>,
    /// Response code.
    pub rcode: ResponseCode,
    /// Query time.
    pub elapsed: Duration,
    /// Whether the answer came over TCP (after a truncated UDP answer).
    pub tcp: bool,
    /// Bytes of query and response.
    pub bytes: u64,
}

/// Asks `server` for `name`/`rt` over UDP (three tries within `timeout`),
/// then over TCP if the answer is truncated.
pub async fn lookup(
    server: SocketAddr,
    name: &str,
    rt: RecordType,
    timeout: Duration,
) -> anyhow::Result<Lookup> {
    let qname = Name::from_ascii(name).map_err(|e| anyhow::anyhow!("bad name {name:?}: {e}"))?;
    let id: u16 = rand::random();
    let mut m = Message::new(id, MessageType::Query, OpCode::Query);
    m.metadata.recursion_desired = true;
    m.add_query(Query::query(qname.clone(), rt));
    let q = m.to_vec()?;
    let t = Instant::now();
    let local: SocketAddr = if server.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        ([0u16; 8], 0).into()
    };
    let sock = tokio::net::UdpSocket::bind(local).await?;
    let mut buf = vec![0u8; 65_535];
    let mut reply = None;
    let per_try = timeout / 3;
    'tries: for _ in 0..3 {
        sock.send_to(&q, server)
            .await
            .map_err(|e| anyhow::anyhow!("send: {}", web::io_words(&e)))?;
        let deadline = tokio::time::Instant::now() + per_try;
        loop {
            let r = tokio::time::timeout_at(deadline, sock.recv_from(&mut buf)).await;
            match r {
                Err(_) => continue 'tries,
                Ok(Err(e)) => bail!("{}", web::io_words(&e)),
                Ok(Ok((n, from))) => {
                    if from != server {
                        continue;
                    }
                    let Some(bytes) = buf.get(..n) else { continue };
                    match Message::from_vec(bytes) {
                        Ok(r) if r.metadata.id == id => {
                            reply = Some((r, n));
                            break 'tries;
                        }
                        _ => continue,
                    }
                }
            }
        }
    }
    let Some((mut resp, mut n)) = reply else {
        bail!("no answer within {timeout:?} (3 tries over UDP)");
    };
    let mut tcp = false;
    if resp.metadata.truncation {
        let (r, len) = tokio::time::timeout(timeout, tcp_query(server, &q))
            .await
            .map_err(|_| anyhow::anyhow!("no TCP answer within {timeout:?}"))??;
        if r.metadata.id != id {
            bail!("TCP answer has id {} instead of {id}", r.metadata.id);
        }
        resp = r;
        n = len;
        tcp = true;
    }
    let elapsed = t.elapsed();
    let rcode = resp.metadata.response_code;
    if rcode != ResponseCode::NoError && rcode != ResponseCode::NXDomain {
        bail!("server answered {rcode}");
    }
    let addrs = resp
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::A(a) if rt == RecordType::A => Some(IpAddr::V4(a.0)),
            RData::AAAA(a) if rt == RecordType::AAAA => Some(IpAddr::V6(a.0)),
            _ => None,
        })
        .collect();
    Ok(Lookup {
        addrs,
        rcode,
        elapsed,
        tcp,
        bytes: (q.len() + n) as u64,
    })
}

async fn tcp_query(server: SocketAddr, q: &[u8]) -> anyhow::Result<(Message, usize)> {
    let mut s = tokio::net::TcpStream::connect(server)
        .await
        .map_err(|e| anyhow::anyhow!("TCP connect: {}", web::io_words(&e)))?;
    let len = u16::try_from(q.len())?;
    let mut framed = len.to_be_bytes().to_vec();
    framed.extend_from_slice(q);
    s.write_all(&framed).await?;
    let n = s.read_u16().await? as usize;
    let mut buf = vec![0u8; n];
    s.read_exact(&mut buf).await?;
    Ok((Message::from_vec(&buf)?, n))
}

/// The times of one TCP echo exchange.
#[derive(Debug, Clone, Copy)]
pub struct EchoTimes {
    /// Until the connection was established.
    pub connect: Duration,
    /// From sending the line to having it all back.
    pub round_trip: Duration,
    /// Until the server's FIN.
    pub total: Duration,
}

/// One exchange with a TCP echo server: connect, send `msg`, read it
/// back, send FIN, wait for the server's FIN. The echo must equal `msg`.
pub async fn echo_once(
    addr: SocketAddr,
    msg: &[u8],
    timeout: Duration,
) -> anyhow::Result<EchoTimes> {
    let t = Instant::now();
    tokio::time::timeout(timeout, async {
        let mut s = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| anyhow::anyhow!("connect {addr}: {}", web::io_words(&e)))?;
        let connect = t.elapsed();
        let sent = Instant::now();
        s.write_all(msg).await?;
        let mut back = vec![0u8; msg.len()];
        s.read_exact(&mut back)
            .await
            .map_err(|e| anyhow::anyhow!("reading the echo: {}", web::io_words(&e)))?;
        let round_trip = sent.elapsed();
        if back != msg {
            bail!(
                "echo differs: sent {:?}, got {:?}",
                String::from_utf8_lossy(msg),
                String::from_utf8_lossy(&back)
            );
        }
        s.shutdown().await?;
        let mut rest = Vec::new();
        s.read_to_end(&mut rest).await?;
        if !rest.is_empty() {
            bail!("{} unexpected bytes after the echo", rest.len());
        }
        Ok(EchoTimes {
            connect,
            round_trip,
            total: t.elapsed(),
        })
    })
    .await
    .map_err(|_| anyhow::anyhow!("{addr}: no complete echo within {timeout:?}"))?
}

/// What happened to one file.
#[derive(Debug, Clone)]
pub struct FileResult {
    /// The catalog's entry.
    pub entry: Entry,
    /// Where it is now.
    pub path: PathBuf,
    /// Bytes moved over the network for it.
    pub transferred: u64,
    /// Bytes that were already on disk (resumed or already complete).
    pub reused: u64,
    /// How long it took.
    pub elapsed: Duration,
    /// `http`, `rudp` or `present` (already complete on disk).
    pub how: &'static str,
}

impl FileResult {
    fn to_json(&self) -> Value {
        json!({
            "name": self.entry.name, "size": self.entry.size, "sha256": self.entry.sha256,
            "path": self.path.display().to_string(), "via": self.how,
            "transferred": self.transferred, "resumed_from": self.reused,
            "ms": ms(self.elapsed), "mbit_per_s": mbps(self.transferred, self.elapsed),
            "sha256_ok": true,
        })
    }
}

fn bar(len: u64, name: &str) -> ProgressBar {
    let target = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let pb = ProgressBar::with_draw_target(Some(len), target);
    if let Ok(style) = ProgressStyle::with_template(
        "{msg:20} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    ) {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message(name.to_string());
    pb
}

/// SHA-256 and length of a file on disk.
fn hash_path(p: &Path) -> std::io::Result<(Sha256, u64)> {
    let mut f = std::fs::File::open(p)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            return Ok((h, n));
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
}

fn check_name(name: &str) -> anyhow::Result<()> {
    if name.is_empty()
        || name == "."
        || name == ".."
        || name.contains(['/', '\\', '\0'])
        || name.chars().any(char::is_control)
    {
        bail!("refusing file name {name:?} (not a plain file name)");
    }
    Ok(())
}

/// Checks the finished `.part` and renames it into place.
fn finish_file(part: &Path, path: &Path, e: &Entry, size: u64, h: Sha256) -> anyhow::Result<()> {
    let sha = hex(&h.finalize());
    if size != e.size || sha != e.sha256 {
        let _ = std::fs::remove_file(part);
        bail!(
            "{}: got {size} bytes with SHA-256 {sha}, the catalog says {} bytes with SHA-256 {}",
            e.name,
            e.size,
            e.sha256
        );
    }
    std::fs::rename(part, path)
        .with_context(|| format!("{}: rename {} into place", e.name, part.display()))
}

async fn download_all(
    args: &ClientArgs,
    c: &AppClient,
    listing: &Listing,
    j: &mut Journey,
) -> anyhow::Result<Vec<FileResult>> {
    let mut http = match args.via {
        Via::Http => Some(HttpClient::new(&listing.base)?),
        Via::Rudp => None,
    };
    let mut out = Vec::new();
    for e in &listing.entries {
        check_name(&e.name)?;
        let path = args.out.join(&e.name);
        let t = Instant::now();
        // Already there and intact: nothing to move.
        if let Ok(md) = std::fs::metadata(&path) {
            if md.len() == e.size {
                let (h, _) = hash_path(&path)?;
                if hex(&h.finalize()) == e.sha256 {
                    j.say(&format!("download: {} already present and intact", e.name));
                    out.push(FileResult {
                        entry: e.clone(),
                        path,
                        transferred: 0,
                        reused: e.size,
                        elapsed: t.elapsed(),
                        how: "present",
                    });
                    continue;
                }
            }
        }
        let ((transferred, reused), how) = match &mut http {
            Some(h) => (download_http(h, listing, e, &path).await?, "http"),
            None => (download_rudp(c, e, &path).await?, "rudp"),
        };
        let r = FileResult {
            entry: e.clone(),
            path,
            transferred,
            reused,
            elapsed: t.elapsed(),
            how,
        };
        j.say(&format!(
            "download: {} {} bytes over {how}{} in {:.3} ms ({:.2} Mbit/s), SHA-256 ok",
            e.name,
            e.size,
            if reused > 0 {
                format!(" (resumed at byte {reused})")
            } else {
                String::new()
            },
            ms(r.elapsed),
            mbps(transferred, r.elapsed)
        ));
        out.push(r);
    }
    if let Some(h) = &http {
        j.report
            .insert("http_connections".into(), json!(h.connections()));
        j.say(&format!(
            "download: {} file(s) over {} HTTP connection(s)",
            out.len(),
            h.connections()
        ));
    }
    Ok(out)
}

fn part_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".part");
    PathBuf::from(p)
}

/// Downloads one file over HTTP, resuming a `.part`; returns (bytes
/// transferred, bytes reused).
async fn download_http(
    http: &mut HttpClient,
    listing: &Listing,
    e: &Entry,
    path: &Path,
) -> anyhow::Result<(u64, u64)> {
    let part = part_path(path);
    let url = web::file_url(&listing.base, &e.name);
    let mut have = std::fs::metadata(&part).map_or(0, |m| m.len());
    if have > e.size {
        std::fs::remove_file(&part)?;
        have = 0;
    }
    let (mut h, mut written) = if have > 0 {
        hash_path(&part)?
    } else {
        (Sha256::new(), 0)
    };
    if have > 0 && have == e.size {
        finish_file(&part, path, e, written, h)?;
        return Ok((0, have));
    }
    let mut resp = if have > 0 {
        let r = http
            .request(Method::GET, &url, &[(RANGE, format!("bytes={have}-"))])
            .await?;
        let start = web::header_str(&r, CONTENT_RANGE).and_then(|v| {
            v.strip_prefix("bytes ")
                .and_then(|s| s.split('-').next())
                .and_then(|s| s.parse::<u64>().ok())
        });
        match r.status() {
            StatusCode::PARTIAL_CONTENT if start == Some(have) => r,
            StatusCode::OK => {
                // The server ignored the range: start over.
                have = 0;
                h = Sha256::new();
                written = 0;
                r
            }
            StatusCode::RANGE_NOT_SATISFIABLE => {
                drop(r);
                have = 0;
                h = Sha256::new();
                written = 0;
                http.get_ok(&url).await?
            }
            s => bail!(
                "{}: GET {url} with Range bytes={have}- answered {s}",
                e.name
            ),
        }
    } else {
        http.get_ok(&url).await?
    };
    let reused = have;
    let file = tokio::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(have > 0)
        .truncate(have == 0)
        .open(&part)
        .await
        .with_context(|| format!("{}: open {}", e.name, part.display()))?;
    let mut w = tokio::io::BufWriter::with_capacity(256 * 1024, file);
    let pb = bar(e.size, &e.name);
    pb.set_position(have);
    let mut moved = 0u64;
    while let Some(chunk) = web::next_chunk(resp.body_mut(), &url)
        .await
        .with_context(|| format!("{}: after {written} bytes", e.name))?
    {
        if written + chunk.len() as u64 > e.size {
            drop(w);
            let _ = std::fs::remove_file(&part);
            bail!("{}: server sends more than {} bytes", e.name, e.size);
        }
        h.update(&chunk);
        w.write_all(&chunk)
            .await
            .with_context(|| format!("{}: write {}", e.name, part.display()))?;
        written += chunk.len() as u64;
        moved += chunk.len() as u64;
        pb.set_position(written);
    }
    w.flush().await?;
    drop(w);
    pb.finish_and_clear();
    finish_file(&part, path, e, written, h)?;
    Ok((moved, reused))
}

/// Downloads one file with RUDP FETCH; returns (bytes transferred, 0).
async fn download_rudp(c: &AppClient, e: &Entry, path: &Path) -> anyhow::Result<(u64, u64)> {
    let part = part_path(path);
    let mut f = std::io::BufWriter::with_capacity(
        256 * 1024,
        std::fs::File::create(&part).with_context(|| format!("create {}", part.display()))?,
    );
    let mut h = Sha256::new();
    let mut written = 0u64;
    let pb = bar(e.size, &e.name);
    let got = c
        .fetch(&e.name, |data| {
            h.update(data);
            f.write_all(data)?;
            written += data.len() as u64;
            pb.set_position(written);
            Ok(())
        })
        .await;
    pb.finish_and_clear();
    let got = match got {
        Ok(g) => g,
        Err(err) => {
            drop(f);
            let _ = std::fs::remove_file(&part);
            return Err(err);
        }
    };
    f.flush()?;
    drop(f);
    if got.size != e.size || got.sha256 != e.sha256 {
        let _ = std::fs::remove_file(&part);
        bail!(
            "{}: the server's FILE header says {} bytes {}, GET said {} bytes {}",
            e.name,
            got.size,
            got.sha256,
            e.size,
            e.sha256
        );
    }
    finish_file(&part, path, e, written, h)?;
    Ok((written, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_that_would_escape_the_directory_are_refused() {
        for bad in ["", ".", "..", "a/b", "..\\x", "a\nb", "a\0"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_name("task 2.pdf").is_ok());
        assert_eq!(part_path(Path::new("d/x.zip")), Path::new("d/x.zip.part"));
    }

    #[test]
    fn throughput_figures() {
        assert_eq!(mbps(1_000_000, Duration::from_secs(1)), 8.0);
        assert_eq!(mbps(5, Duration::ZERO), 0.0);
        assert_eq!(ms(Duration::from_micros(1500)), 1.5);
    }

    #[tokio::test]
    async fn echo_once_against_a_local_echo_server() {
        let t = Duration::from_secs(5);
        let l2 = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr2 = l2.local_addr().unwrap();
        tokio::spawn(async move {
            for _ in 0..2 {
                let (mut s, _) = l2.accept().await.unwrap();
                let mut buf = [0u8; 64];
                loop {
                    let n = s.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    let out: Vec<u8> = if &buf[..n] == b"wrong\n" {
                        b"WRONG\n".to_vec()
                    } else {
                        buf[..n].to_vec()
                    };
                    s.write_all(&out).await.unwrap();
                }
            }
        });
        let r = echo_once(addr2, b"hello\n", t).await.unwrap();
        assert!(r.round_trip <= r.total);
        let e = echo_once(addr2, b"wrong\n", t).await.unwrap_err();
        assert!(e.to_string().contains("echo differs"), "{e}");
    }
}
