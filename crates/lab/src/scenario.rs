//! The scenario's parameters: flags of `wirelab lab`, a `--config lab.toml`
//! file under them, and built-in defaults under both.
//!
//! ```toml
//! out = "lab-out"
//! scale = 0.02        # 1: the real 50, 100 and 500 MB files
//! clients = 1
//! via = "http"        # or "rudp": how the client downloads the files
//! loss = "5%"         # impairment on the client's RUDP leg (wirelab link)
//! delay = "10ms"
//! keep_files = false
//! timeout = "5m"      # the clients' whole run
//! zone = "my.zone"    # instead of the generated example.com zone
//! dhcp_config = "dhcp.toml"  # instead of the generated DHCP settings
//! log_level = "info"  # the services' (and the clients', when given)
//! ```

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use serde::Deserialize;

use crate::link::{parse_duration, parse_probability};

/// Arguments of `wirelab lab`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LabArgs {
    /// Directory for the capture, the report, checksums and logs [default: lab-out].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// TOML file with the scenario's parameters (flags override it).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Size of the demo files relative to the real 50/100/500 MB [default: 0.02].
    #[arg(long)]
    pub scale: Option<f64>,
    /// Number of clients, each in its own namespace with its own lease [default: 1].
    #[arg(long)]
    pub clients: Option<u32>,
    /// How the client downloads the files: HTTP/1.1 from the file server, or RUDP FETCH from the application server [default: http].
    #[arg(long, value_enum)]
    pub via: Option<Via>,
    /// Loss on the client's RUDP leg, e.g. `5%` (runs `wirelab link` in between).
    #[arg(long, value_parser = parse_probability)]
    pub loss: Option<f64>,
    /// One-way delay on the client's RUDP leg, e.g. `10ms`.
    #[arg(long, value_parser = parse_duration)]
    pub delay: Option<Duration>,
    /// Keep the downloaded files in the output directory (default: only their checksums).
    #[arg(long)]
    pub keep_files: bool,
    /// Give up on the clients after this long, e.g. `5m` [default: 5m].
    #[arg(long, value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// Zone file for the DNS server instead of the generated example.com zone.
    #[arg(long, value_name = "FILE")]
    pub zone: Option<PathBuf>,
    /// DHCP server configuration instead of the generated one.
    #[arg(long, value_name = "FILE")]
    pub dhcp_config: Option<PathBuf>,
    /// Log level of the services [default: info] and the clients [default: theirs].
    #[arg(long)]
    pub log_level: Option<String>,
}

/// How the client downloads the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// HTTP/1.1 from the file server (the scenario's step 5).
    #[default]
    Http,
    /// RUDP `FETCH` from the application server.
    Rudp,
}

impl Via {
    /// The value as the client's `--via` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Rudp => "rudp",
            Via::Http => "http",
        }
    }
}

/// The `--config` file; every key optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LabConfig {
    /// Output directory.
    pub out: Option<PathBuf>,
    /// File scale.
    pub scale: Option<f64>,
    /// Number of clients.
    pub clients: Option<u32>,
    /// `rudp` or `http`.
    pub via: Option<Via>,
    /// Loss, `5%` or `0.05`.
    pub loss: Option<String>,
    /// Delay, `10ms`.
    pub delay: Option<String>,
    /// Keep the downloaded files.
    pub keep_files: Option<bool>,
    /// Clients' time limit, `5m`.
    pub timeout: Option<String>,
    /// Zone file (relative to the config file).
    pub zone: Option<PathBuf>,
    /// DHCP configuration (relative to the config file).
    pub dhcp_config: Option<PathBuf>,
    /// Services' log level.
    pub log_level: Option<String>,
}

/// Largest `--clients`: the generated pool holds 50 addresses.
pub const MAX_CLIENTS: u32 = 40;

/// The resolved scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Output directory.
    pub out: PathBuf,
    /// File scale (> 0).
    pub scale: f64,
    /// Number of clients (1..=MAX_CLIENTS).
    pub clients: u32,
    /// How the files are downloaded.
    pub via: Via,
    /// Loss on the RUDP leg.
    pub loss: f64,
    /// Delay on the RUDP leg.
    pub delay: Duration,
    /// Keep downloaded files.
    pub keep_files: bool,
    /// Clients' time limit.
    pub timeout: Duration,
    /// Zone file given by the user.
    pub zone: Option<PathBuf>,
    /// DHCP configuration given by the user.
    pub dhcp_config: Option<PathBuf>,
    /// Services' log level.
    pub log_level: String,
    /// Clients' log level, when given (else the client's own default, so
    /// its progress is not drowned in log lines).
    pub client_log_level: Option<String>,
}

impl Scenario {
    /// Flags over the config file over the defaults.
    pub fn resolve(args: &LabArgs) -> anyhow::Result<Scenario> {
        let (cfg, base) = match &args.config {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("reading {}", p.display()))?;
                let cfg: LabConfig =
                    toml::from_str(&text).with_context(|| format!("in {}", p.display()))?;
                (cfg, p.parent().map(Path::to_path_buf).unwrap_or_default())
            }
            None => (LabConfig::default(), PathBuf::new()),
        };
        let in_cfg = |what: &str, e: String| {
            let file = args
                .config
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            anyhow::anyhow!("{file}: {what}: {e}")
        };
        let loss = match (args.loss, &cfg.loss) {
            (Some(l), _) => l,
            (None, Some(s)) => parse_probability(s).map_err(|e| in_cfg("loss", e))?,
            (None, None) => 0.0,
        };
        let delay = match (args.delay, &cfg.delay) {
            (Some(d), _) => d,
            (None, Some(s)) => parse_duration(s).map_err(|e| in_cfg("delay", e))?,
            (None, None) => Duration::ZERO,
        };
        let timeout = match (args.timeout, &cfg.timeout) {
            (Some(d), _) => d,
            (None, Some(s)) => parse_duration(s).map_err(|e| in_cfg("timeout", e))?,
            (None, None) => Duration::from_secs(300),
        };
        let rel = |p: &PathBuf| {
            if p.is_absolute() {
                p.clone()
            } else {
                base.join(p)
            }
        };
        let sc = Scenario {
            out: args
                .out
                .clone()
                .or(cfg.out.as_ref().map(rel))
                .unwrap_or_else(|| PathBuf::from("lab-out")),
            scale: args.scale.or(cfg.scale).unwrap_or(0.02),
            clients: args.clients.or(cfg.clients).unwrap_or(1),
            via: args.via.or(cfg.via).unwrap_or_default(),
            loss,
            delay,
            keep_files: args.keep_files || cfg.keep_files.unwrap_or(false),
            timeout,
            zone: args.zone.clone().or(cfg.zone.as_ref().map(rel)),
            dhcp_config: args
                .dhcp_config
                .clone()
                .or(cfg.dhcp_config.as_ref().map(rel)),
            client_log_level: args.log_level.clone().or(cfg.log_level.clone()),
            log_level: args
                .log_level
                .clone()
                .or(cfg.log_level)
                .unwrap_or_else(|| "info".into()),
        };
        if !(sc.scale.is_finite() && sc.scale > 0.0 && sc.scale <= 10.0) {
            bail!("--scale {} is outside (0, 10]", sc.scale);
        }
        if sc.clients == 0 || sc.clients > MAX_CLIENTS {
            bail!("--clients {} is outside 1..={MAX_CLIENTS}", sc.clients);
        }
        if sc.timeout.is_zero() {
            bail!("--timeout must be more than zero");
        }
        Ok(sc)
    }

    /// Whether the RUDP leg runs through `wirelab link`.
    pub fn impaired(&self) -> bool {
        self.loss > 0.0 || !self.delay.is_zero()
    }
}

/// The scenario's addresses.
pub mod addr {
    use super::Ipv4Addr;
    /// DHCP and DNS server.
    pub const SRV: Ipv4Addr = Ipv4Addr::new(10, 20, 30, 40);
    /// RUDP application server and echo server.
    pub const APP: Ipv4Addr = Ipv4Addr::new(10, 20, 30, 20);
    /// HTTP file server and catalog.
    pub const FILES: Ipv4Addr = Ipv4Addr::new(10, 20, 30, 80);
    /// The impairment relay (`wirelab link`).
    pub const LINK: Ipv4Addr = Ipv4Addr::new(10, 20, 30, 30);
    /// The router the DHCP server announces (the switch's own address).
    pub const ROUTER: Ipv4Addr = Ipv4Addr::new(10, 20, 30, 1);
    /// First and last address of the DHCP pool.
    pub const POOL: (Ipv4Addr, Ipv4Addr) =
        (Ipv4Addr::new(10, 20, 30, 50), Ipv4Addr::new(10, 20, 30, 99));
}

/// Ports.
pub mod port {
    /// RUDP application server.
    pub const APP: u16 = 49152;
    /// Catalog.
    pub const CATALOG: u16 = 49153;
    /// HTTP.
    pub const HTTP: u16 = 80;
    /// TCP echo.
    pub const ECHO: u16 = 5001;
    /// DNS.
    pub const DNS: u16 = 53;
    /// DHCP server.
    pub const DHCP: u16 = 67;
}

/// The example.com zone: the application server's name resolves to `app`
/// (the relay's address when the RUDP leg is impaired), plus names for
/// every host.
pub fn zone_text(app: Ipv4Addr) -> String {
    format!(
        "$ORIGIN example.com.\n\
         $TTL 300\n\
         @       IN SOA ns.example.com. admin.example.com. 1 3600 600 86400 300\n\
         @       IN NS  ns.example.com.\n\
         @       IN A   {app}\n\
         ns      IN A   {srv}\n\
         dhcp    IN A   {srv}\n\
         app     IN A   {appsrv}\n\
         echo    IN A   {appsrv}\n\
         files   IN A   {files}\n\
         catalog IN A   {files}\n\
         link    IN A   {link}\n",
        srv = addr::SRV,
        appsrv = addr::APP,
        files = addr::FILES,
        link = addr::LINK,
    )
}

/// The DHCP server's configuration: pool .50–.99, router, DNS, 10-minute leases.
pub fn dhcp_text() -> String {
    format!(
        "server_id = \"{srv}\"\n\
         subnet = \"10.20.30.0/24\"\n\
         pools = [\"{a}-{b}\"]\n\
         routers = [\"{router}\"]\n\
         dns_servers = [\"{srv}\"]\n\
         domain_name = \"example.com\"\n\
         lease_time = 600\n",
        srv = addr::SRV,
        a = addr::POOL.0,
        b = addr::POOL.1,
        router = addr::ROUTER,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_without_flags_or_file() {
        let s = Scenario::resolve(&LabArgs::default()).unwrap();
        assert_eq!(s.out, PathBuf::from("lab-out"));
        assert_eq!(s.scale, 0.02);
        assert_eq!(s.clients, 1);
        assert_eq!(s.via, Via::Http);
        assert!(!s.impaired());
        assert_eq!(s.timeout, Duration::from_secs(300));
    }

    #[test]
    fn flags_override_the_file_and_paths_are_relative_to_it() {
        let dir = std::env::temp_dir().join(format!("wirelab-scn-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("lab.toml");
        std::fs::write(
            &f,
            "scale = 0.5\nclients = 3\nvia = \"rudp\"\nloss = \"5%\"\ndelay = \"10ms\"\nzone = \"z.zone\"\n",
        )
        .unwrap();
        let mut a = LabArgs {
            config: Some(f.clone()),
            ..Default::default()
        };
        let s = Scenario::resolve(&a).unwrap();
        assert_eq!((s.scale, s.clients, s.via), (0.5, 3, Via::Rudp));
        assert_eq!((s.loss, s.delay), (0.05, Duration::from_millis(10)));
        assert!(s.impaired());
        assert_eq!(s.zone, Some(dir.join("z.zone")));
        a.scale = Some(0.001);
        a.clients = Some(2);
        assert_eq!(Scenario::resolve(&a).unwrap().scale, 0.001);
        assert_eq!(Scenario::resolve(&a).unwrap().clients, 2);
        std::fs::write(&f, "sacle = 1\n").unwrap();
        let e = format!("{:#}", Scenario::resolve(&a).unwrap_err());
        assert!(e.contains("sacle") && e.contains("lab.toml"), "{e}");
        std::fs::write(&f, "loss = \"150%\"\n").unwrap();
        let e = format!("{:#}", Scenario::resolve(&a).unwrap_err());
        assert!(e.contains("loss") && e.contains("lab.toml"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn limits() {
        for a in [
            LabArgs {
                scale: Some(0.0),
                ..Default::default()
            },
            LabArgs {
                clients: Some(0),
                ..Default::default()
            },
            LabArgs {
                clients: Some(MAX_CLIENTS + 1),
                ..Default::default()
            },
        ] {
            assert!(Scenario::resolve(&a).is_err(), "{a:?}");
        }
    }

    #[test]
    fn generated_files_are_what_the_services_accept() {
        use wirelab_services::dhcp::config::Config;
        use wirelab_services::dns::zonefile::parse_str;
        for app in [addr::APP, addr::LINK] {
            let recs = parse_str(&zone_text(app), Path::new("lab.zone"), None).unwrap();
            assert_eq!(recs.len(), 10);
        }
        let c = Config::parse(&dhcp_text()).unwrap();
        assert_eq!(c.server_id, addr::SRV);
        assert!(c.in_pool(addr::POOL.0) && c.in_pool(addr::POOL.1));
        assert!(!c.in_pool(Ipv4Addr::new(10, 20, 30, 100)));
        assert_eq!(c.pool_addresses().len(), 50);
    }
}
