//! `wirelab dns`: an authoritative DNS server (UDP and TCP) for zones read
//! from RFC 1035 master files, with a built-in zone for the scenario
//! (`example.com` → 10.20.30.40), and optional forwarding with a cache for
//! names outside its zones.
//!
//! Layout: [`zonefile`] parses master files, [`zone`] holds zone data and
//! the RFC lookup rules, [`engine`] is the I/O-free core (query bytes + time
//! → response bytes, with the rate limiter [`rrl`] and the forwarding
//! [`cache`]), and `server` is the socket edge (one `SO_REUSEPORT` UDP
//! socket per worker, a TCP listener, the upstream client).

pub mod cache;
pub mod engine;
pub mod rrl;
mod server;
pub mod zone;
pub mod zonefile;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::Deserialize;

pub use engine::{Engine, EngineConfig, Outcome, Transport};
pub use zone::{Zone, Zones};

/// Command-line arguments of `wirelab dns`.
#[derive(Debug, Clone, clap::Args)]
pub struct DnsArgs {
    /// Address and port to serve on, UDP and TCP [default: 0.0.0.0:53].
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Zone file to serve (RFC 1035 master file); repeat for several.
    /// Without one, the built-in scenario zone example.com is served.
    #[arg(long)]
    pub zone: Vec<PathBuf>,
    /// Upstream server for names outside the zones; repeat for several.
    #[arg(long)]
    pub forward: Vec<SocketAddr>,
    /// TOML configuration file; flags override its settings.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Log level (error, warn, info, debug, trace) or a tracing filter.
    #[arg(long, default_value = "info")]
    pub log_level: String,
    /// Number of UDP workers, each with its own SO_REUSEPORT socket
    /// [default: the number of CPUs].
    #[arg(long)]
    pub udp_workers: Option<usize>,
    /// Response-rate limit per client prefix and answer, per second (0: off).
    #[arg(long)]
    pub rrl_rate: Option<u32>,
}

/// The `--config` file. Every setting has a default.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DnsConfig {
    /// Address and port to serve on.
    pub listen: SocketAddr,
    /// Zone files (relative paths are relative to the config file).
    pub zones: Vec<PathBuf>,
    /// Upstream servers; empty: no forwarding (REFUSED outside the zones).
    pub forward: Vec<SocketAddr>,
    /// UDP workers (0: the number of CPUs).
    pub udp_workers: usize,
    /// EDNS UDP payload size we offer and honour at most.
    pub max_udp_payload: u16,
    /// A TCP connection idle this long is closed (RFC 7766 section 6.2.3).
    pub tcp_idle_timeout_ms: u64,
    /// Most TCP connections open at once; more are closed on accept.
    pub tcp_max_connections: usize,
    /// Wait this long for an upstream answer before the next try.
    pub forward_timeout_ms: u64,
    /// Tries after the first, over all upstreams.
    pub forward_retries: u32,
    /// Most answers in the forwarding cache (each of at most 64 records:
    /// larger answers are not cached).
    pub cache_entries: usize,
    /// Most encoded answers each UDP worker keeps for repeated questions
    /// (0: always decode, look up and encode).
    pub answer_table_entries: usize,
    /// Response-rate limiting (off unless `responses_per_second` > 0).
    pub rrl: Option<rrl::RrlConfig>,
}

impl Default for DnsConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([0, 0, 0, 0], 53)),
            zones: Vec::new(),
            forward: Vec::new(),
            udp_workers: 0,
            max_udp_payload: 1232,
            tcp_idle_timeout_ms: 10_000,
            tcp_max_connections: 256,
            forward_timeout_ms: 1_000,
            forward_retries: 2,
            cache_entries: 20_000,
            answer_table_entries: 8_192,
            rrl: None,
        }
    }
}

impl DnsConfig {
    /// Reads a config file.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read config", path.display()))?;
        let mut cfg: Self =
            toml::from_str(&text).with_context(|| format!("{}: bad config", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        for z in &mut cfg.zones {
            if z.is_relative() {
                *z = base.join(&*z);
            }
        }
        Ok(cfg)
    }

    /// Applies command-line flags over the file's settings.
    pub fn merge(mut self, a: &DnsArgs) -> Self {
        if let Some(l) = a.listen {
            self.listen = l;
        }
        if !a.zone.is_empty() {
            self.zones = a.zone.clone();
        }
        if !a.forward.is_empty() {
            self.forward = a.forward.clone();
        }
        if let Some(w) = a.udp_workers {
            self.udp_workers = w;
        }
        if let Some(r) = a.rrl_rate {
            let mut c = self.rrl.take().unwrap_or(rrl::RrlConfig {
                responses_per_second: 0,
                slip: 2,
                ipv4_prefix: 24,
                ipv6_prefix: 56,
                table_size: 65_536,
            });
            c.responses_per_second = r;
            self.rrl = Some(c);
        }
        self
    }
}

/// Loads the configured zones (or the built-in one).
pub fn load_zones(files: &[PathBuf]) -> anyhow::Result<Zones> {
    if files.is_empty() {
        return Ok(Zones::new(vec![Zone::builtin()]));
    }
    let mut zones = Vec::new();
    for f in files {
        let z = Zone::load(f).map_err(|e| anyhow::anyhow!("bad zone: {e}"))?;
        zones.push(z);
    }
    Ok(Zones::new(zones))
}

/// Runs the server until interrupted (Ctrl-C / SIGINT) or a socket fails.
pub async fn run(args: DnsArgs) -> anyhow::Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&args.log_level)
                .with_context(|| format!("bad --log-level '{}'", args.log_level))?,
        )
        .try_init();
    let cfg = match &args.config {
        Some(p) => DnsConfig::load(p)?,
        None => DnsConfig::default(),
    }
    .merge(&args);
    let zones = load_zones(&cfg.zones)?;
    for z in zones.iter() {
        tracing::info!(zone = %z.origin(), "serving zone");
    }
    let rrl = cfg.rrl.clone().filter(|r| r.responses_per_second > 0);
    let ecfg = EngineConfig {
        max_udp_payload: cfg.max_udp_payload.max(512),
        forwarding: !cfg.forward.is_empty(),
        rrl,
        cache_entries: cfg.cache_entries,
        answer_table_entries: cfg.answer_table_entries,
    };
    let engine = Engine::new(zones, ecfg, Instant::now());
    let workers = if cfg.udp_workers == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        cfg.udp_workers
    };
    let scfg = server::ServerConfig {
        listen: cfg.listen,
        udp_workers: workers,
        tcp_idle_timeout: Duration::from_millis(cfg.tcp_idle_timeout_ms),
        tcp_max_connections: cfg.tcp_max_connections.max(1),
        upstreams: cfg.forward.clone(),
        forward_timeout: Duration::from_millis(cfg.forward_timeout_ms.max(1)),
        forward_retries: cfg.forward_retries,
        max_udp_payload: cfg.max_udp_payload.max(512),
    };
    server::serve(engine, scfg).await
}
