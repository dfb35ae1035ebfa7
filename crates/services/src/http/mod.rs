//! `wirelab http`: a static HTTP/1.1 file server on hyper, for the
//! scenario's downloads (`50MB.zip`, `image-site.png`, …) and the catalog's
//! directory scrape.
//!
//! What it does: GET and HEAD of files and directories under `--root`, with
//! keep-alive; single and multiple byte ranges (`multipart/byteranges`),
//! `If-Range`, `ETag`/`Last-Modified` with `If-None-Match`,
//! `If-Modified-Since`, `If-Match`, `If-Unmodified-Since`; directory
//! listings in HTML (nginx autoindex's shape, exact sizes) or JSON
//! (`Accept: application/json`); `dir` → `dir/` redirects (301); 405 with
//! `Allow` for other methods; an access log in the combined log format.
//!
//! Guarantees:
//! - nothing outside the root is served: request paths are checked by
//!   [`path::resolve`] (percent-decoding, `..`, `%2F`, backslash, NUL) and
//!   files are opened with `openat2(RESOLVE_BENEATH)`, so symbolic links
//!   out of the root are refused (403) by the kernel;
//! - dotfiles (any path segment starting with `.`) are neither served (404)
//!   nor listed;
//! - memory per connection is bounded whatever the file size ([`body`]);
//! - a client must send a whole request head within `header_timeout`
//!   (slowloris), heads over `max_header_bytes` get 431, a connection with
//!   no traffic for `idle_timeout` is closed, and at most
//!   `max_connections` are open at once (503 beyond).
//!
//! Layout: [`path`], [`range`] and [`listing`] are pure; [`body`] streams
//! file ranges; `cache` keeps small files and their validators in memory
//! (revalidated against `fstat` on every request, never trusted blindly);
//! `site` maps a request to a response; `serve` is the socket
//! edge (workers, hyper, timeouts); [`demo`] writes the scenario's files.

pub mod body;
mod cache;
pub mod demo;
pub mod listing;
pub mod path;
pub mod range;
mod serve;
mod site;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use serde::Deserialize;

pub use serve::ServerConfig;
pub use site::{AccessLog, Site};

/// Command-line arguments of `wirelab http`.
#[derive(Debug, Clone, clap::Args)]
pub struct HttpArgs {
    /// Address and port to serve on [default: 0.0.0.0:80].
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Directory to serve [default: .].
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// TOML configuration file; flags override its settings.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Log level (error, warn, info, debug, trace) or a tracing filter.
    #[arg(long, default_value = "info")]
    pub log_level: String,
    /// Access log in the combined log format: a file, or `-` for stderr.
    #[arg(long)]
    pub access_log: Option<PathBuf>,
    /// Worker threads, each with its own listener and single-threaded
    /// runtime [default: the number of CPUs].
    #[arg(long)]
    pub workers: Option<usize>,
    /// Milliseconds allowed to receive a whole request head (and the
    /// keep-alive wait before it) [default: 10000].
    #[arg(long)]
    pub header_timeout_ms: Option<u64>,
    /// Milliseconds without any traffic before a connection is closed
    /// [default: 60000].
    #[arg(long)]
    pub idle_timeout_ms: Option<u64>,
    /// Most connections open at once; more get 503 [default: 1024].
    #[arg(long)]
    pub max_connections: Option<usize>,
    /// Write the scenario's demo files into DIR and exit.
    #[arg(long, value_name = "DIR")]
    pub generate_demo_files: Option<PathBuf>,
    /// Size factor for --generate-demo-files (0.001: 50 kB instead of 50 MB).
    #[arg(long, default_value_t = 1.0, requires = "generate_demo_files")]
    pub scale: f64,
}

/// The `--config` file. Every setting has a default.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Address and port to serve on.
    pub listen: SocketAddr,
    /// Directory to serve (relative: to the config file's directory).
    pub root: PathBuf,
    /// Worker threads (0: the number of CPUs).
    pub workers: usize,
    /// See [`ServerConfig::header_timeout`].
    pub header_timeout_ms: u64,
    /// See [`ServerConfig::idle_timeout`].
    pub idle_timeout_ms: u64,
    /// See [`ServerConfig::max_connections`].
    pub max_connections: usize,
    /// See [`ServerConfig::max_header_bytes`].
    pub max_header_bytes: usize,
    /// Bytes read from a file per chunk (memory per sending connection).
    pub read_chunk_bytes: usize,
    /// Access log file (`-`: stderr); none: no access log.
    pub access_log: Option<PathBuf>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([0, 0, 0, 0], 80)),
            root: PathBuf::from("."),
            workers: 0,
            header_timeout_ms: 10_000,
            idle_timeout_ms: 60_000,
            max_connections: 1024,
            max_header_bytes: 16 * 1024,
            read_chunk_bytes: 256 * 1024,
            access_log: None,
        }
    }
}

impl HttpConfig {
    /// Reads a config file.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read config", path.display()))?;
        let mut cfg: Self =
            toml::from_str(&text).with_context(|| format!("{}: bad config", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        if cfg.root.is_relative() {
            cfg.root = base.join(&cfg.root);
        }
        Ok(cfg)
    }

    /// Applies command-line flags over the file's settings.
    pub fn merge(mut self, a: &HttpArgs) -> Self {
        if let Some(l) = a.listen {
            self.listen = l;
        }
        if let Some(r) = &a.root {
            self.root = r.clone();
        }
        if let Some(w) = a.workers {
            self.workers = w;
        }
        if let Some(t) = a.header_timeout_ms {
            self.header_timeout_ms = t;
        }
        if let Some(t) = a.idle_timeout_ms {
            self.idle_timeout_ms = t;
        }
        if let Some(m) = a.max_connections {
            self.max_connections = m;
        }
        if let Some(l) = &a.access_log {
            self.access_log = Some(l.clone());
        }
        self
    }

    /// The socket-edge settings.
    pub fn server(&self) -> ServerConfig {
        ServerConfig {
            listen: self.listen,
            workers: if self.workers == 0 {
                std::thread::available_parallelism().map_or(1, |n| n.get())
            } else {
                self.workers
            },
            header_timeout: Duration::from_millis(self.header_timeout_ms.max(1)),
            idle_timeout: Duration::from_millis(self.idle_timeout_ms.max(1)),
            max_connections: self.max_connections.max(1),
            max_header_bytes: self.max_header_bytes,
        }
    }
}

fn open_log(p: &Path) -> anyhow::Result<AccessLog> {
    let w: Box<dyn std::io::Write + Send> = if p.as_os_str() == "-" {
        Box::new(std::io::stderr())
    } else {
        Box::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .with_context(|| format!("{}: cannot open access log", p.display()))?,
        )
    };
    Ok(Arc::new(Mutex::new(w)))
}

/// Runs `wirelab http` until interrupted (Ctrl-C) or a worker fails; with
/// `--generate-demo-files`, writes the files and returns.
pub async fn run(args: HttpArgs) -> anyhow::Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&args.log_level)
                .with_context(|| format!("bad --log-level '{}'", args.log_level))?,
        )
        .try_init();
    if let Some(dir) = &args.generate_demo_files {
        let made = demo::generate(dir, args.scale)?;
        for f in made {
            println!("{}\t{}", f.name, f.size);
        }
        return Ok(());
    }
    let cfg = match &args.config {
        Some(p) => HttpConfig::load(p)?,
        None => HttpConfig::default(),
    }
    .merge(&args);
    let log = cfg.access_log.as_deref().map(open_log).transpose()?;
    let site = Site::new(&cfg.root, cfg.read_chunk_bytes, log)
        .with_context(|| format!("{}: cannot serve this directory", cfg.root.display()))?;
    let scfg = cfg.server();
    let mut running = serve::start(Arc::new(site), scfg.clone())?;
    tracing::info!(addr = %running.addr, root = %cfg.root.display(), workers = scfg.workers, "serving HTTP");
    tokio::select! {
        r = tokio::signal::ctrl_c() => {
            r.context("cannot wait for Ctrl-C")?;
            Ok(())
        }
        r = running.done.recv() => match r {
            Some(Err(e)) => Err(anyhow::Error::new(e).context("HTTP worker failed")),
            _ => anyhow::bail!("HTTP worker stopped"),
        },
    }
}
