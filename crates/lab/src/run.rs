//! `wirelab lab`: builds the network, starts the services, captures every
//! link while the clients walk through the scenario, then writes the
//! annotated capture, the report, the checksums and the logs.
//!
//! Every service and client is a child process running the current
//! executable (`wirelab dns …`, `wirelab client …`) inside its host's
//! namespace, so the lab only depends on their command lines. Cleanup is
//! by Drop guards, in reverse order of creation: children (whole process
//! groups) first, then the namespaces, then the run's temporary directory;
//! SIGINT and SIGTERM unwind through the same guards.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{bail, Context};
use sha2::{Digest, Sha256};

use crate::annotate::{annotate, Mark, Match};
use crate::proc::{describe, Stderr, Supervisor};
use crate::scenario::{addr, dhcp_text, port, zone_text, LabArgs, Scenario, Via};
use crate::signal;
use crate::topo::{self, HostSpec, Topology, HOST_IF};

/// Environment variable set when the lab re-executes itself inside an
/// unprivileged user namespace.
const USERNS_ENV: &str = "WIRELAB_LAB_USERNS";

/// How long a service may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(15);

/// Run `wirelab lab`.
pub fn run(args: LabArgs) -> anyhow::Result<()> {
    let sc = Scenario::resolve(&args)?;
    ensure_privileges()?;
    signal::install().context("installing signal handlers")?;
    let lab = Lab::new(sc)?;
    lab.run()
}

/// Root, or root in a user namespace of our own: re-executes the lab under
/// `unshare -Urnm` when not root and the kernel allows it.
fn ensure_privileges() -> anyhow::Result<()> {
    // SAFETY: geteuid(2) cannot fail and has no side effects.
    let euid = unsafe { libc::geteuid() };
    let inside = std::env::var_os(USERNS_ENV).is_some();
    if euid == 0 {
        if inside {
            // A private /run, so `ip netns` can keep its mount points.
            // SAFETY: mount(2) with static, NUL-terminated strings, in the
            // mount namespace `unshare -m` made for this process only.
            let r = unsafe {
                libc::mount(
                    c"wirelab".as_ptr(),
                    c"/run".as_ptr(),
                    c"tmpfs".as_ptr(),
                    0,
                    c"mode=755".as_ptr().cast(),
                )
            };
            if r != 0 {
                bail!(
                    "mounting a private /run in the user namespace: {}",
                    std::io::Error::last_os_error()
                );
            }
        }
        return Ok(());
    }
    if inside {
        bail!("not root even inside the user namespace");
    }
    let usable = std::process::Command::new("unshare")
        .args(["-Urnm", "true"])
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !usable {
        bail!(
            "wirelab lab needs root (it creates network namespaces, veth pairs and a bridge), \
             or a kernel that lets unprivileged users create user namespaces \
             (`unshare -Urnm true` failed here: see sysctl kernel.unprivileged_userns_clone \
             and kernel.apparmor_restrict_unprivileged_userns). Run it with sudo."
        );
    }
    let exe = std::env::current_exe().context("finding the wirelab executable")?;
    use std::os::unix::process::CommandExt;
    let err = std::process::Command::new("unshare")
        .args(["-Urnm", "--propagation", "private"])
        .arg(exe)
        .args(std::env::args_os().skip(1))
        .env(USERNS_ENV, "1")
        .exec();
    Err(err).context("re-running the lab under `unshare -Urnm`")
}

/// A directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// One run.
struct Lab {
    sc: Scenario,
    id: u32,
    started: Instant,
    out: PathBuf,
    logs: PathBuf,
    // Drop order: children, then namespaces, then the temp dir.
    sup: Supervisor,
    topo: Option<Topology>,
    work: TempDir,
}

impl Lab {
    fn new(sc: Scenario) -> anyhow::Result<Lab> {
        let id = std::process::id();
        let exe = std::env::current_exe().context("finding the wirelab executable")?;
        let out = sc.out.clone();
        fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
        // Clear only what an earlier run wrote here.
        for f in [
            "capture.pcapng",
            "report.md",
            "report.html",
            "checksums.sha256",
        ] {
            let _ = fs::remove_file(out.join(f));
        }
        for d in ["logs", "files", "config"] {
            let _ = fs::remove_dir_all(out.join(d));
        }
        // The report's figures (io.svg, phase-N.svg).
        for e in fs::read_dir(&out).into_iter().flatten().flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n == "io.svg" || (n.starts_with("phase-") && n.ends_with(".svg")) {
                let _ = fs::remove_file(e.path());
            }
        }
        let logs = out.join("logs");
        fs::create_dir_all(&logs)?;
        let work = std::env::temp_dir().join(format!("wirelab-lab-{id}"));
        let _ = fs::remove_dir_all(&work);
        fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
        Ok(Lab {
            sc,
            id,
            started: Instant::now(),
            out,
            logs,
            sup: Supervisor::new(exe, &id.to_string()),
            topo: None,
            work: TempDir(work),
        })
    }

    fn step(&self, msg: impl std::fmt::Display) {
        // Not eprintln!: a closed stderr must not abort the run (and its cleanup).
        let _ = writeln!(
            std::io::stderr(),
            "wirelab lab: [{:5.1} s] {msg}",
            self.started.elapsed().as_secs_f64()
        );
    }

    fn check_signal(&self) -> anyhow::Result<()> {
        if let Some(s) = signal::received() {
            bail!("interrupted by {}; cleaning up", signal::name(s));
        }
        Ok(())
    }

    fn ns(&self, role: &str) -> anyhow::Result<String> {
        let t = self.topo.as_ref().context("no topology")?;
        Ok(t.host(role)?.ns.clone())
    }

    fn hosts(&self) -> Vec<HostSpec> {
        let mut v = vec![
            HostSpec {
                role: "srv".into(),
                addr: Some(addr::SRV),
                mac: [2, 0, 0, 0, 0, 0x40],
            },
            HostSpec {
                role: "app".into(),
                addr: Some(addr::APP),
                mac: [2, 0, 0, 0, 0, 0x20],
            },
            HostSpec {
                role: "files".into(),
                addr: Some(addr::FILES),
                mac: [2, 0, 0, 0, 0, 0x80],
            },
        ];
        if self.sc.impaired() {
            v.push(HostSpec {
                role: "link".into(),
                addr: Some(addr::LINK),
                mac: [2, 0, 0, 0, 0, 0x30],
            });
        }
        for k in 1..=self.sc.clients {
            v.push(HostSpec {
                role: client_role(k),
                addr: None,
                mac: client_mac(k),
            });
        }
        v
    }

    /// Starts `wirelab ARGS` in `ns` and waits until it listens on each of
    /// `ports` (bounded), failing with its log if it stops first.
    fn start_service(
        &mut self,
        name: &str,
        ns: &str,
        args: Vec<OsString>,
        ports: &[(Proto, u16)],
    ) -> anyhow::Result<usize> {
        let log = self.logs.join(format!("{name}.log"));
        let i = self.sup.spawn(name, Some(ns), &args, &log, Stderr::Log)?;
        let end = Instant::now() + START_TIMEOUT;
        loop {
            self.check_signal()?;
            let p = self.sup.get(i);
            if let Some(s) = p.try_wait()? {
                bail!(
                    "{name} did not start ({}); its log {}:\n{}",
                    describe(s),
                    p.log.display(),
                    p.log_tail(2000)
                );
            }
            let pid = p.pid();
            if ports
                .iter()
                .all(|&(proto, port)| listening(pid, proto, port))
            {
                break;
            }
            if Instant::now() >= end {
                bail!(
                    "{name} is not listening on {} after {START_TIMEOUT:?}; its log {}:\n{}",
                    ports
                        .iter()
                        .map(|(p, n)| format!("{p:?} {n}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    p.log.display(),
                    p.log_tail(2000)
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        self.step(format_args!("{name} is up in {ns}"));
        Ok(i)
    }

    fn run(mut self) -> anyhow::Result<()> {
        let removed = topo::clean_stale()?;
        if !removed.is_empty() {
            self.step(format_args!(
                "removed namespaces left by earlier labs: {}",
                removed.join(" ")
            ));
        }
        let work = self.work.0.clone();
        let cfg = self.out.join("config");
        fs::create_dir_all(&cfg)?;

        // Configuration files.
        let zone = match &self.sc.zone {
            Some(z) => z.clone(),
            None => {
                let app = if self.sc.impaired() {
                    addr::LINK
                } else {
                    addr::APP
                };
                let z = cfg.join("example.com.zone");
                fs::write(&z, zone_text(app))?;
                z
            }
        };
        let dhcp_cfg = match &self.sc.dhcp_config {
            Some(c) => c.clone(),
            None => {
                let c = cfg.join("dhcp.toml");
                fs::write(&c, dhcp_text())?;
                c
            }
        };

        // Demo files (no namespace needed).
        let files = work.join("files");
        let gen_log = self.logs.join("generate.log");
        let gen = self.sup.spawn(
            "http --generate-demo-files",
            None,
            &os(&[
                "http",
                "--generate-demo-files",
                &path(&files),
                "--scale",
                &self.sc.scale.to_string(),
            ]),
            &gen_log,
            Stderr::Log,
        )?;
        let s = self.wait_for(gen, Duration::from_secs(600))?;
        if !s.success() {
            bail!(
                "generating the demo files failed ({}); log {}:\n{}",
                describe(s),
                gen_log.display(),
                crate::proc::log_tail(&gen_log, 2000)
            );
        }
        self.step(format_args!(
            "demo files at scale {} in {}",
            self.sc.scale,
            files.display()
        ));

        // The network.
        let t = Topology::build(self.id, &self.hosts())?;
        self.step(format_args!(
            "network up: {} namespaces around bridge {}/{}",
            t.namespaces().len(),
            t.switch,
            topo::BRIDGE
        ));
        match &t.steered_to {
            Ok(cpu) => self.step(format_args!(
                "packets kept in order: every interface steers to CPU {cpu}"
            )),
            Err(e) => self.step(format_args!(
                "warning: packets may be reordered between hosts ({e})"
            )),
        }
        let links: Vec<String> = t.hosts.iter().map(|h| h.link_name(&t)).collect();
        self.topo = Some(t);

        // Services.
        let ll = self.sc.log_level.clone();
        let srv = self.ns("srv")?;
        self.start_service(
            "dhcp",
            &srv,
            os(&[
                "dhcp",
                "--interface",
                HOST_IF,
                "--config",
                &path(&dhcp_cfg),
                "--leases",
                &path(&work.join("dhcp4.leases")),
                "--log-level",
                &ll,
            ]),
            &[(Proto::Udp, port::DHCP)],
        )?;
        self.start_service(
            "dns",
            &srv,
            os(&[
                "dns",
                "--listen",
                &format!("{}:{}", addr::SRV, port::DNS),
                "--zone",
                &path(&zone),
                "--udp-workers",
                "1",
                "--log-level",
                &ll,
            ]),
            &[(Proto::Udp, port::DNS), (Proto::Tcp, port::DNS)],
        )?;
        let fns = self.ns("files")?;
        self.start_service(
            "http",
            &fns,
            os(&[
                "http",
                "--listen",
                &format!("{}:{}", addr::FILES, port::HTTP),
                "--root",
                &path(&files),
                "--access-log",
                &path(&self.logs.join("http-access.log")),
                "--log-level",
                &ll,
            ]),
            &[(Proto::Tcp, port::HTTP)],
        )?;
        self.start_service(
            "catalog",
            &fns,
            os(&[
                "catalog",
                "--listen",
                &format!("{}:{}", addr::FILES, port::CATALOG),
                "--http",
                &format!("http://{}/", addr::FILES),
                "--log-level",
                &ll,
            ]),
            &[(Proto::Tcp, port::CATALOG)],
        )?;
        let app = self.ns("app")?;
        self.start_service(
            "echo",
            &app,
            os(&[
                "echo",
                "serve",
                "--listen",
                &format!("{}:{}", addr::APP, port::ECHO),
                "--log-level",
                &ll,
            ]),
            &[(Proto::Tcp, port::ECHO)],
        )?;
        self.start_service(
            "app",
            &app,
            os(&[
                "app",
                "--listen",
                &format!("{}:{}", addr::APP, port::APP),
                "--catalog",
                &format!("{}:{}", addr::FILES, port::CATALOG),
                "--log-level",
                &ll,
            ]),
            &[(Proto::Udp, port::APP)],
        )?;
        if self.sc.impaired() {
            let lns = self.ns("link")?;
            self.start_service(
                "link",
                &lns,
                os(&[
                    "link",
                    "--listen",
                    &format!("{}:{}", addr::LINK, port::APP),
                    "--forward",
                    &format!("{}:{}", addr::APP, port::APP),
                    "--loss",
                    &self.sc.loss.to_string(),
                    "--delay",
                    &format!("{}us", self.sc.delay.as_micros()),
                ]),
                &[(Proto::Udp, port::APP)],
            )?;
        }

        // Capture every link, each packet once: on its sender's link, as it
        // enters the switch.
        let raw = work.join("capture.pcapng");
        let mut cargs = vec!["capture".to_string()];
        for l in &links {
            cargs.push("-i".into());
            cargs.push(l.clone());
        }
        cargs.extend(["-w".into(), path(&raw), "--direction".into(), "in".into()]);
        let cap_log = self.logs.join("capture.log");
        let cap = self.sup.spawn(
            "capture",
            None,
            &cargs.iter().map(OsString::from).collect::<Vec<_>>(),
            &cap_log,
            Stderr::Log,
        )?;
        self.wait_capture(cap)?;
        self.step(format_args!("capturing {} links", links.len()));

        // The clients.
        let mut clients = Vec::new();
        for k in 1..=self.sc.clients {
            let role = client_role(k);
            let ns = self.ns(&role)?;
            let dir = work.join(&role);
            fs::create_dir_all(&dir)?;
            let mut a = vec![
                "client".to_string(),
                "--interface".into(),
                HOST_IF.into(),
                "--dns".into(),
                format!("{}:{}", addr::SRV, port::DNS),
                "--name".into(),
                "example.com".into(),
                "--via".into(),
                self.sc.via.as_str().into(),
                "--out".into(),
                path(&dir),
                "--echo".into(),
                format!("{}:{}", addr::APP, port::ECHO),
                "--json".into(),
            ];
            if let Some(l) = &self.sc.client_log_level {
                a.extend(["--log-level".into(), l.clone()]);
            }
            let json = self.logs.join(format!("{role}.json"));
            let stderr = if self.sc.clients == 1 {
                Stderr::Inherit
            } else {
                Stderr::Log
            };
            let spawned = SystemTime::now();
            let i = self.sup.spawn(
                &role,
                Some(&ns),
                &a.iter().map(OsString::from).collect::<Vec<_>>(),
                &json,
                stderr,
            )?;
            clients.push((role, i, json, dir, spawned));
        }
        self.step(format_args!(
            "{} client(s) started (downloads over {}{})",
            clients.len(),
            self.sc.via.as_str(),
            if self.sc.impaired() {
                format!(
                    "; RUDP through wirelab link at {}: loss {}%, delay {:?}",
                    addr::LINK,
                    self.sc.loss * 100.0,
                    self.sc.delay
                )
            } else {
                String::new()
            }
        ));
        let idx: Vec<usize> = clients.iter().map(|c| c.1).collect();
        let mut failures = Vec::new();
        let deadline = Instant::now() + self.sc.timeout;
        let mut left: Vec<usize> = idx.clone();
        while !left.is_empty() {
            self.check_signal()?;
            // A service that dies mid-run fails the run (not the capture,
            // which is checked when it is stopped).
            let mut except = idx.clone();
            except.push(gen);
            except.push(cap);
            self.sup.check_running(&except)?;
            let mut still = Vec::new();
            for i in left {
                let p = self.sup.get(i);
                match p.try_wait()? {
                    Some(s) if s.success() => {
                        let name = p.name.clone();
                        self.step(format_args!("{name} finished"));
                    }
                    Some(s) => failures.push(format!("{} failed ({})", p.name, describe(s))),
                    None => still.push(i),
                }
            }
            left = still;
            if Instant::now() >= deadline && !left.is_empty() {
                for &i in &left {
                    let p = self.sup.get(i);
                    failures.push(format!("{} timed out after {:?}", p.name, self.sc.timeout));
                    p.stop(libc::SIGTERM, Duration::from_secs(2))?;
                }
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }

        // Let the last ACKs cross, then finish the capture file.
        std::thread::sleep(Duration::from_millis(300));
        let s = self
            .sup
            .get(cap)
            .stop(libc::SIGINT, Duration::from_secs(15))?;
        if !s.success() {
            bail!(
                "the capture failed ({}); log {}:\n{}",
                describe(s),
                cap_log.display(),
                crate::proc::log_tail(&cap_log, 2000)
            );
        }
        // Stop the services so their logs end with their own summaries.
        self.sup.stop_all(Duration::from_secs(3));
        self.topo = None; // removes the namespaces
        self.step("capture stopped, network removed");

        // Phase comments.
        let mut marks = Vec::new();
        for (k, (role, _, json, _, spawned)) in (1..).zip(&clients) {
            let text = fs::read_to_string(json).unwrap_or_default();
            let mac = client_mac(k);
            match phase_marks(
                &text,
                role,
                self.sc.clients > 1,
                *spawned,
                self.sc.via,
                mac,
                marks.len(),
            ) {
                Ok(m) => marks.extend(m),
                // A client that failed may have printed nothing.
                Err(e) if failures.is_empty() => {
                    failures.push(format!("{:#}", e.context(format!("in {}", json.display()))))
                }
                Err(_) => {}
            }
        }
        let capture = self.out.join("capture.pcapng");
        let landed = annotate(&raw, &capture, &marks)?;
        let n_marked = landed.iter().flatten().count();
        self.step(format_args!(
            "capture written with {n_marked} phase comments"
        ));

        // Checksums, compared with the served originals.
        let originals = sha_dir(&files)?;
        let mut sums = String::new();
        let mut mismatches = Vec::new();
        let mut n_files = 0;
        for (role, _, _, dir, _) in &clients {
            for (rel, hash, size) in sha_dir(dir)? {
                n_files += 1;
                let name = Path::new(&rel)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let orig = originals.iter().find(|(r, _, _)| {
                    Path::new(r).file_name().map(|n| n.to_string_lossy())
                        == Some(name.as_str().into())
                });
                let verdict = match orig {
                    Some((_, h, _)) if *h == hash => "",
                    Some(_) => {
                        mismatches.push(format!("{role}/{rel}"));
                        "  # DIFFERS from the server's copy"
                    }
                    None => "  # not served by the file server",
                };
                let _ = writeln!(sums, "{hash}  {role}/{rel}  # {size} bytes{verdict}");
            }
            if self.sc.keep_files {
                let dest = self.out.join("files").join(role);
                fs::create_dir_all(dest.parent().unwrap_or(&self.out))?;
                move_dir(dir, &dest)?;
            }
        }
        fs::write(self.out.join("checksums.sha256"), &sums)?;
        if !mismatches.is_empty() {
            failures.push(format!(
                "downloaded files differ from the server's: {}",
                mismatches.join(", ")
            ));
        }

        // The report.
        let rep_log = self.logs.join("report.log");
        let rep = self.sup.spawn(
            "report",
            None,
            &os(&["report", &path(&capture), "--out", &path(&self.out)]),
            &rep_log,
            Stderr::Log,
        )?;
        let s = self.wait_for(rep, Duration::from_secs(600))?;
        if !s.success() {
            failures.push(format!(
                "the report failed ({}); log {}:\n{}",
                describe(s),
                rep_log.display(),
                crate::proc::log_tail(&rep_log, 2000)
            ));
        }

        let o = self.out.display().to_string();
        let _ = writeln!(
            std::io::stderr(),
            "wirelab lab: done in {:.1} s\n  capture    {o}/capture.pcapng ({} links, phases marked on {n_marked} packets)\n  report     {o}/report.md, {o}/report.html\n  checksums  {o}/checksums.sha256 ({n_files} files{})\n  logs       {o}/logs/ (services, clients' JSON summaries)\n  config     {o}/config/",
            self.started.elapsed().as_secs_f64(),
            links.len(),
            if mismatches.is_empty() { ", all equal to the server's" } else { ", SOME DIFFER" },
        );
        if self.sc.keep_files {
            let _ = writeln!(std::io::stderr(), "  files      {o}/files/");
        }
        if !failures.is_empty() {
            bail!("{}", failures.join("\n"));
        }
        Ok(())
    }

    /// Waits (bounded, interruptible) for child `i` to end.
    fn wait_for(&mut self, i: usize, limit: Duration) -> anyhow::Result<std::process::ExitStatus> {
        let end = Instant::now() + limit;
        loop {
            self.check_signal()?;
            let p = self.sup.get(i);
            if let Some(s) = p.try_wait()? {
                return Ok(s);
            }
            if Instant::now() >= end {
                let name = p.name.clone();
                p.stop(libc::SIGTERM, Duration::from_secs(2))?;
                bail!("{name} did not finish within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Waits until the capture has opened its sockets: it says
    /// `Capturing on …` (as dumpcap does) once they are bound.
    fn wait_capture(&mut self, i: usize) -> anyhow::Result<()> {
        let end = Instant::now() + START_TIMEOUT;
        loop {
            self.check_signal()?;
            let p = self.sup.get(i);
            if let Some(s) = p.try_wait()? {
                bail!(
                    "the capture did not start ({}); its log {}:\n{}",
                    describe(s),
                    p.log.display(),
                    p.log_tail(2000)
                );
            }
            if fs::read_to_string(&p.log).is_ok_and(|t| t.contains("Capturing on")) {
                return Ok(());
            }
            if Instant::now() >= end {
                bail!(
                    "the capture did not start within {START_TIMEOUT:?}; its log {}:\n{}",
                    p.log.display(),
                    p.log_tail(2000)
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

/// Ethernet address of client `k` (from 1).
fn client_mac(k: u32) -> [u8; 6] {
    [2, 0, 0, 0, 1, k as u8]
}

fn client_role(k: u32) -> String {
    if k == 1 {
        "client".into()
    } else {
        format!("client{k}")
    }
}

fn os(v: &[&str]) -> Vec<OsString> {
    v.iter().map(OsString::from).collect()
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

/// Transport of a listening socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Proto {
    Tcp,
    Udp,
}

/// Whether the network namespace of process `pid` has a socket listening
/// (TCP) or bound (UDP) on `port`, from `/proc/PID/net/{tcp,udp}`.
fn listening(pid: u32, proto: Proto, port: u16) -> bool {
    let file = match proto {
        Proto::Tcp => "tcp",
        Proto::Udp => "udp",
    };
    let Ok(text) = fs::read_to_string(format!("/proc/{pid}/net/{file}")) else {
        return false;
    };
    proc_net_has(&text, proto, port)
}

fn proc_net_has(text: &str, proto: Proto, port: u16) -> bool {
    text.lines().skip(1).any(|l| {
        let mut f = l.split_whitespace();
        let (Some(_), Some(local), Some(_), Some(state)) = (f.next(), f.next(), f.next(), f.next())
        else {
            return false;
        };
        let p = local
            .rsplit_once(':')
            .and_then(|(_, p)| u16::from_str_radix(p, 16).ok());
        // TCP: LISTEN (0A); UDP: unconnected (07).
        let want = match proto {
            Proto::Tcp => "0A",
            Proto::Udp => "07",
        };
        p == Some(port) && state == want
    })
}

/// `(relative path, SHA-256 hex, size)` of every regular file under `dir`,
/// sorted by path.
fn sha_dir(dir: &Path) -> anyhow::Result<Vec<(String, String, u64)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rd = match fs::read_dir(&d) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("listing {}", d.display())),
        };
        for e in rd {
            let e = e?;
            let ft = e.file_type()?;
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file() {
                let p = e.path();
                let mut f =
                    fs::File::open(&p).with_context(|| format!("reading {}", p.display()))?;
                let mut h = Sha256::new();
                let mut buf = vec![0u8; 1 << 16];
                let mut size = 0u64;
                loop {
                    let n = f.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    size += n as u64;
                    h.update(&buf[..n]);
                }
                let rel = p
                    .strip_prefix(dir)
                    .unwrap_or(&p)
                    .to_string_lossy()
                    .into_owned();
                let hex = h.finalize().iter().fold(String::new(), |mut s, b| {
                    let _ = write!(s, "{b:02x}");
                    s
                });
                out.push((rel, hex, size));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Moves a directory (rename, or copy and delete across file systems).
fn move_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    if fs::rename(from, to).is_ok() {
        return Ok(());
    }
    let mut stack = vec![from.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rel = d.strip_prefix(from).unwrap_or(Path::new(""));
        fs::create_dir_all(to.join(rel))?;
        for e in fs::read_dir(&d)? {
            let e = e?;
            if e.file_type()?.is_dir() {
                stack.push(e.path());
            } else {
                let r = e.path();
                let r = r.strip_prefix(from).unwrap_or(&r);
                fs::copy(e.path(), to.join(r))
                    .with_context(|| format!("copying {}", e.path().display()))?;
            }
        }
    }
    fs::remove_dir_all(from)?;
    Ok(())
}

/// The phase marks in a client's `--json` summary: `{"phases": [{"phase":
/// NAME, "ms": DURATION, …}, …]}` (`name` is taken for `phase` too).
///
/// A phase starts at its own absolute time when the summary gives one
/// (`start_unix` in seconds, `start_unix_ms` or `start_unix_ns`); otherwise
/// at the client's start (the summary's `start_unix`, else `spawned`) plus
/// the durations of the phases before it, which errs early (startup and the
/// gaps between phases are not counted). So each mark also names the
/// traffic its phase begins with, and lands on the first such packet.
///
/// `host` is the client's Ethernet address; `first` the index the first of
/// these marks will have in the whole list (each phase comes after the one
/// before it).
fn phase_marks(
    json: &str,
    role: &str,
    name_client: bool,
    spawned: SystemTime,
    via: Via,
    host: [u8; 6],
    first: usize,
) -> anyhow::Result<Vec<Mark>> {
    let v: serde_json::Value =
        serde_json::from_str(json.trim()).context("the client printed no JSON summary")?;
    let phases = v
        .get("phases")
        .and_then(|p| p.as_array())
        .context("the client's JSON summary has no \"phases\" list")?;
    let abs = |o: &serde_json::Value| -> Option<i128> {
        if let Some(ns) = o.get("start_unix_ns").and_then(|x| x.as_u64()) {
            return Some(i128::from(ns));
        }
        if let Some(ms) = o.get("start_unix_ms").and_then(|x| x.as_f64()) {
            return Some((ms * 1e6) as i128);
        }
        o.get("start_unix")
            .and_then(|x| x.as_f64())
            .map(|s| (s * 1e9) as i128)
    };
    let spawned_ns = spawned
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0);
    let mut at = abs(&v).unwrap_or(spawned_ns);
    let mut out = Vec::new();
    for (k, p) in phases.iter().enumerate() {
        let name = p
            .get("phase")
            .or_else(|| p.get("name"))
            .and_then(|n| n.as_str())
            .with_context(|| format!("phase {} has no name", k + 1))?;
        if let Some(t) = abs(p) {
            at = t;
        }
        let who = if name_client {
            format!("{role}: ")
        } else {
            String::new()
        };
        out.push(Mark {
            at_ns: at,
            comment: format!("{who}{name}"),
            matches: phase_traffic(name, via),
            host: Some(host),
            after: k.checked_sub(1).map(|p| first + p),
        });
        let ms = p.get("ms").and_then(|x| x.as_f64()).unwrap_or(0.0);
        if ms.is_finite() && ms > 0.0 {
            at += (ms * 1e6) as i128;
        }
    }
    Ok(out)
}

/// The traffic a phase of the client begins with.
fn phase_traffic(name: &str, via: Via) -> Match {
    match name {
        "dhcp" => Match::Udp(port::DHCP),
        "dns" => Match::Udp(port::DNS),
        "rudp" | "bye" => Match::Udp(port::APP),
        "download" => match via {
            Via::Http => Match::Tcp(port::HTTP),
            Via::Rudp => Match::Udp(port::APP),
        },
        "tcp-echo" | "echo" => Match::Tcp(port::ECHO),
        _ => Match::Any,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_net_listening() {
        // /proc/net/tcp: 0.0.0.0:53 LISTEN, 10.20.30.40:80 ESTABLISHED.
        let tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
   0: 00000000:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n\
   1: 281E140A:0050 3C1E140A:C350 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0\n";
        assert!(proc_net_has(tcp, Proto::Tcp, 53));
        assert!(!proc_net_has(tcp, Proto::Tcp, 80));
        assert!(!proc_net_has(tcp, Proto::Tcp, 5001));
        let udp = "  sl  local_address rem_address   st\n  7: 281E140A:C000 00000000:0000 07 0\n";
        assert!(proc_net_has(udp, Proto::Udp, 49152));
        assert!(!proc_net_has("", Proto::Udp, 49152));
        assert!(!proc_net_has("header\ngarbage", Proto::Udp, 1));
    }

    #[test]
    fn sha_of_a_tree() {
        let d = std::env::temp_dir().join(format!("wirelab-sha-{}", std::process::id()));
        fs::create_dir_all(d.join("sub")).unwrap();
        fs::write(d.join("abc"), "abc").unwrap();
        fs::write(d.join("sub/empty"), "").unwrap();
        let got = sha_dir(&d).unwrap();
        // FIPS 180-2 appendix B.1 ("abc") and the empty string.
        assert_eq!(
            got,
            vec![
                (
                    "abc".to_string(),
                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".to_string(),
                    3
                ),
                (
                    "sub/empty".to_string(),
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".to_string(),
                    0
                ),
            ]
        );
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn phase_marks_from_durations_and_from_absolute_times() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let j = r#"{"ok":true,"phases":[{"phase":"dhcp","ms":12.5,"bytes":0},
            {"phase":"dns","ms":2.0},{"phase":"download","ms":100},{"phase":"tcp-echo","ms":1}]}"#;
        let m = phase_marks(j, "client", false, t0, Via::Http, client_mac(1), 0).unwrap();
        let at: Vec<i128> = m.iter().map(|m| m.at_ns).collect();
        let s = 1_000_000_000_000i128;
        assert_eq!(at, [s, s + 12_500_000, s + 14_500_000, s + 114_500_000]);
        assert_eq!(m[0].comment, "dhcp");
        assert_eq!(m[0].matches, Match::Udp(67));
        assert_eq!(m[1].matches, Match::Udp(53));
        assert_eq!(m[2].matches, Match::Tcp(80));
        assert_eq!(m[3].matches, Match::Tcp(5001));
        let m = phase_marks(j, "client2", true, t0, Via::Rudp, client_mac(2), 4).unwrap();
        assert_eq!(m[2].matches, Match::Udp(49152));
        assert_eq!(m[1].comment, "client2: dns");
        assert_eq!(
            (m[0].after, m[1].after, m[3].after),
            (None, Some(4), Some(6))
        );
        assert_eq!(m[0].host, Some([2, 0, 0, 0, 1, 2]));

        let j = r#"{"start_unix": 2000.5, "phases":[{"name":"dhcp","ms":1},
            {"name":"dns","start_unix_ns":2000900000000}]}"#;
        let m = phase_marks(j, "client", false, t0, Via::Http, client_mac(1), 0).unwrap();
        assert_eq!(m[0].at_ns, 2_000_500_000_000);
        assert_eq!(m[1].at_ns, 2_000_900_000_000);

        assert!(phase_marks("", "client", false, t0, Via::Http, client_mac(1), 0).is_err());
        assert!(phase_marks("{}", "client", false, t0, Via::Http, client_mac(1), 0).is_err());
        assert!(phase_marks(
            r#"{"phases":[{"ms":1}]}"#,
            "c",
            false,
            t0,
            Via::Http,
            client_mac(1),
            0
        )
        .is_err());
    }
}
