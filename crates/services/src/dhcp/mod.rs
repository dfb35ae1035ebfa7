//! DHCPv4 server and client (RFC 2131, options RFC 2132).
//!
//! Layout, bottom up:
//! - [`wire`]: a checked walk over the datagram (lengths, cookie, option
//!   overload) before `dhcproto` decodes it; no input can make it panic.
//! - [`config`]: the TOML configuration with the scenario's defaults.
//! - [`server`]: the sans-I/O server: `Server::handle(now, bytes, arrival)`
//!   returns replies and the lease records that must be durable before the
//!   replies marked `durable` (the ACKs) leave.
//! - [`store`]: the append-only, checksummed lease log with atomic
//!   compaction.
//! - `serve` and [`client`]: the I/O edges (sockets, the clock, files, `ip`).
//!
//! Guarantee: an ACK is sent only after its lease record has been
//! `fdatasync`ed; all ACKs decided in one loop turn share one append and one
//! sync (group commit). After any crash the server replays exactly the
//! leases it acknowledged; a torn last record is detected by its length or
//! checksum and dropped.

mod batch;
pub mod client;
pub mod config;
mod serve;
pub mod server;
pub mod store;
pub mod wire;

use std::net::SocketAddrV4;
use std::path::PathBuf;

use clap::{Args, Subcommand};

pub use client::ClientArgs;

/// Errors of the DHCP service; each message names what failed and where.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Bad configuration file or setting.
    #[error("configuration: {0}")]
    Config(String),
    /// The lease store could not be read or written.
    #[error("lease store: {0}")]
    Store(String),
    /// A socket or interface operation failed.
    #[error("{0}")]
    Net(String),
    /// The client got no lease.
    #[error("{0}")]
    NoLease(String),
}

/// `wirelab dhcp`: the DHCP server.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct DhcpArgs {
    /// Interface to serve (the socket is bound to it).
    #[arg(long, short = 'i', required = true)]
    pub interface: Option<String>,
    /// TOML configuration (default: the scenario's built-in settings).
    #[arg(long, short = 'c')]
    pub config: Option<PathBuf>,
    /// Address and port to listen on.
    #[arg(long, default_value = "0.0.0.0:67")]
    pub listen: SocketAddrV4,
    /// Durable lease file.
    #[arg(long, default_value = DEFAULT_LEASES)]
    pub leases: PathBuf,
    /// Log level (error, warn, info, debug, trace) or a tracing filter.
    #[arg(long, default_value = "info")]
    pub log_level: String,
    /// Further commands.
    #[command(subcommand)]
    pub cmd: Option<DhcpCmd>,
}

/// Default lease file.
pub const DEFAULT_LEASES: &str = "/var/lib/wirelab/dhcp4.leases";

/// `wirelab dhcp` subcommands.
#[derive(Debug, Subcommand)]
pub enum DhcpCmd {
    /// List the leases in the durable lease file.
    Leases(LeasesArgs),
}

/// `wirelab dhcp leases`.
#[derive(Debug, Args)]
pub struct LeasesArgs {
    /// Durable lease file.
    #[arg(long, default_value = DEFAULT_LEASES)]
    pub leases: PathBuf,
}

pub(crate) fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}

/// Run `wirelab dhcp`: serve until SIGINT/SIGTERM, or list leases.
pub async fn run(args: DhcpArgs) -> anyhow::Result<()> {
    if let Some(DhcpCmd::Leases(l)) = &args.cmd {
        return list_leases(&l.leases);
    }
    init_logging(&args.log_level);
    serve::run(args).await
}

/// Run `wirelab dhcp-client`.
pub async fn run_client(args: ClientArgs) -> anyhow::Result<()> {
    init_logging(&args.log_level);
    client::run(args).await
}

fn hex(b: &[u8], sep: &str) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(sep)
}

fn list_leases(path: &std::path::Path) -> anyhow::Result<()> {
    let replay = store::read(path)?;
    if replay.torn_bytes > 0 {
        eprintln!(
            "wirelab dhcp leases: {}: ignoring {} bytes of a torn or corrupt tail at offset {}",
            path.display(),
            replay.torn_bytes,
            replay.valid_len
        );
    }
    let mut last = std::collections::BTreeMap::new();
    for l in replay.records {
        last.insert(u32::from(l.ip), l);
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    println!("address\tstate\thwaddr\tclient-id\texpires\tremaining\thostname");
    for l in last.values() {
        let cid = match l.client.split_first() {
            Some((1, c)) => hex(c, ""),
            _ => "-".into(),
        };
        let remaining = l.expires.saturating_sub(now);
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            l.ip,
            l.state.name(),
            hex(&l.chaddr, ":"),
            cid,
            l.expires,
            remaining,
            l.hostname.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}
