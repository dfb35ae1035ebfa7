//! What the integration-test binaries share: finding the real peers,
//! running commands that must succeed, and guards that remove what a test
//! made (temporary directories, child processes, network namespaces with
//! whatever still runs in them) even when the test fails.
//!
//! Each test binary compiles this module on its own and uses part of it.
#![allow(dead_code)]

use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A peer program's path, from `PATH` or the usual system directories
/// (`/usr/sbin` holds several peers and is not on every `PATH`). A missing
/// peer fails the test with its name: the tests never skip a peer.
pub fn peer(name: &str) -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    for dir in path.split(':').filter(|d| !d.is_empty()).chain([
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
        "/usr/local/sbin",
        "/usr/local/bin",
    ]) {
        let p = Path::new(dir).join(name);
        if p.is_file() {
            return p.display().to_string();
        }
    }
    panic!("`{name}` is not installed (scripts/test installs it); this test needs it");
}

/// Runs `cmd` to its end; it must succeed (the failure shows its output).
pub fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Sends signal `sig` to a child this test started.
pub fn signal(child: &Child, sig: i32) {
    // SAFETY: kill(2) on the pid of a child process we started.
    unsafe {
        libc::kill(child.id() as i32, sig);
    }
}

/// A fresh temporary directory, removed on drop (kept, and named on
/// stderr, when the test is failing, so it can be inspected).
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// `$TMPDIR/wirelab-TAG-PID-N`, empty.
    pub fn new(tag: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "wirelab-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap_or_else(|e| panic!("mkdir {}: {e}", p.display()));
        Self(p)
    }

    /// A path inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("test failed: kept {} for inspection", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A child process killed (and reaped) on drop.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A loopback port free for both UDP and TCP right now, and never handed
/// out before in this test process: tests run in parallel, and servers
/// that bind with SO_REUSEPORT (wirelab dns, knotd) would otherwise share
/// a port one test probed and freed while another test also got it.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    for _ in 0..100 {
        let Ok(u) = UdpSocket::bind("127.0.0.1:0") else {
            continue;
        };
        let Ok(addr) = u.local_addr() else {
            continue;
        };
        if !given.contains(&addr.port()) && TcpListener::bind(("127.0.0.1", addr.port())).is_ok() {
            given.push(addr.port());
            return addr.port();
        }
    }
    panic!("no free loopback port after 100 tries");
}

/// Waits (at most 10 s) until something accepts TCP connections on
/// 127.0.0.1:`port`; fails at once if `child` exits first.
pub fn wait_tcp(port: u16, child: &mut Child, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(st)) = child.try_wait() {
            panic!("{what} exited early: {st}");
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on port {port} within 10 s");
}

/// Kills every process still running in network namespace `ns`, then
/// deletes it. For Drop guards: errors are ignored (the namespace may
/// never have been made).
pub fn remove_netns(ns: &str) {
    if let Ok(o) = Command::new("ip").args(["netns", "pids", ns]).output() {
        for pid in String::from_utf8_lossy(&o.stdout).split_whitespace() {
            if let Ok(p) = pid.parse::<i32>() {
                // SAFETY: kill(2) by pid of a process inside a namespace
                // this test created.
                unsafe {
                    libc::kill(p, libc::SIGKILL);
                }
            }
        }
    }
    let _ = Command::new("ip").args(["netns", "del", ns]).status();
}

/// Two network namespaces made by the test: a server side `s` (its veth
/// end `sif` holds 10.20.30.40/24) and a client side `c` (`cif`, with an
/// address only if one is given), joined by a veth pair; loopback and both
/// ends up. On drop, whatever still runs in them is killed and both are
/// deleted (the veth pair goes with them).
pub struct NsPair {
    /// The server namespace.
    pub s: String,
    /// The client namespace.
    pub c: String,
    /// The server's veth end (inside `s`).
    pub sif: String,
    /// The client's veth end (inside `c`).
    pub cif: String,
}

/// The server's address on the pair.
pub const NS_SERVER_ADDR: &str = "10.20.30.40";

impl NsPair {
    /// Makes the pair; `tag` (one or two letters) keeps the names of
    /// different test binaries apart, and names stay within the kernel's
    /// 15 characters. `client_addr` (with its prefix) goes on `cif`.
    pub fn new(tag: &str, client_addr: Option<&str>) -> NsPair {
        static N: AtomicU32 = AtomicU32::new(0);
        let id = format!(
            "{}{}",
            std::process::id() % 100_000,
            N.fetch_add(1, Ordering::Relaxed)
        );
        // Built field by field so that a failure half-way still removes
        // what was made (the guard exists before the first command).
        let n = NsPair {
            s: format!("wl{tag}s{id}"),
            c: format!("wl{tag}c{id}"),
            sif: format!("w{tag}s{id}"),
            cif: format!("w{tag}c{id}"),
        };
        let ip = |args: &[&str]| run(Command::new("ip").args(args));
        ip(&["netns", "add", &n.s]);
        ip(&["netns", "add", &n.c]);
        ip(&[
            "link", "add", &n.sif, "type", "veth", "peer", "name", &n.cif,
        ]);
        ip(&["link", "set", &n.sif, "netns", &n.s]);
        ip(&["link", "set", &n.cif, "netns", &n.c]);
        let server = format!("{NS_SERVER_ADDR}/24");
        ip(&["-n", &n.s, "addr", "add", &server, "dev", &n.sif]);
        if let Some(a) = client_addr {
            ip(&["-n", &n.c, "addr", "add", a, "dev", &n.cif]);
        }
        for (ns, ifc) in [(&n.s, &n.sif), (&n.c, &n.cif)] {
            ip(&["-n", ns, "link", "set", "lo", "up"]);
            ip(&["-n", ns, "link", "set", ifc, "up"]);
        }
        n
    }
}

impl Drop for NsPair {
    fn drop(&mut self) {
        remove_netns(&self.s);
        remove_netns(&self.c);
    }
}
