//! `wirelab dhcp` and `wirelab dhcp-client` against real peers (udhcpc,
//! dhclient, dnsmasq, Kea, perfdhcp), each test in network namespaces and a
//! veth pair it creates itself (10.20.30.0/24), removed by a Drop guard even
//! when the test fails. Every exchange is captured with tcpdump and
//! dissected by tshark, which must flag nothing as malformed or as an error.
//!
//! Needs root and the peers; a missing peer fails the test with its name.

use std::collections::HashMap;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, UdpSocket};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod support;
use support::{peer, run, signal, NsPair};

const BIN: &str = env!("CARGO_BIN_EXE_wirelab");
const SERVER: &str = "10.20.30.40";

static SEQ: AtomicU32 = AtomicU32::new(0);

/// Wait for `f` to hold, at most `secs`.
fn wait_for(secs: u64, what: &str, mut f: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out after {secs} s waiting for {what}");
}

/// Two namespaces joined by a veth pair; everything started in them is
/// stopped, and they are deleted, on drop.
struct Net {
    ns: NsPair,
    dir: PathBuf,
    children: Vec<Child>,
}

impl Net {
    fn new(client_addr: Option<&str>) -> Net {
        let net = Net {
            ns: NsPair::new("d", client_addr),
            dir: std::env::temp_dir().join(format!(
                "wirelab-dhcp-test-{}-{}",
                std::process::id(),
                SEQ.fetch_add(1, Ordering::SeqCst)
            )),
            children: Vec::new(),
        };
        let _ = fs::remove_dir_all(&net.dir);
        fs::create_dir_all(&net.dir).unwrap();
        net
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn cmd(&self, ns: &str, prog: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", ns, prog]);
        c
    }

    fn spawn(&mut self, mut cmd: Command, log: &str) -> usize {
        let f = fs::File::create(self.path(log)).unwrap();
        cmd.stdout(f.try_clone().unwrap())
            .stderr(f)
            .stdin(Stdio::null());
        let child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
        self.children.push(child);
        self.children.len() - 1
    }

    fn port67_open(&self) -> bool {
        let out = Command::new("ip")
            .args(["netns", "exec", &self.s, "ss", "-Hlun", "sport = :67"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        !out.is_empty()
    }

    /// Start `wirelab dhcp` in the server namespace; returns the child index.
    fn start_server(&mut self, config: Option<&str>, log: &str) -> usize {
        let mut c = self.cmd(&self.s.clone(), BIN);
        c.args(["dhcp", "--interface", &self.sif.clone(), "--leases"])
            .arg(self.path("leases"));
        if let Some(text) = config {
            let p = self.path("dhcp.toml");
            fs::write(&p, text).unwrap();
            c.arg("--config").arg(p);
        }
        let i = self.spawn(c, log);
        wait_for(10, "wirelab dhcp to listen on port 67", || {
            self.port67_open()
        });
        i
    }

    /// Stop a child with SIGTERM and wait (bounded); returns its output log.
    fn stop(&mut self, i: usize, log: &str) -> String {
        signal(&self.children[i], libc::SIGTERM);
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end {
            if let Ok(Some(_)) = self.children[i].try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.children[i].kill();
        let _ = self.children[i].wait();
        fs::read_to_string(self.path(log)).unwrap_or_default()
    }

    /// tcpdump on the server's interface, writing `name`.
    fn capture(&mut self, name: &str) -> Capture {
        let file = self.path(name);
        let mut c = self.cmd(&self.s.clone(), &peer("tcpdump"));
        c.args([
            "-i",
            &self.sif.clone(),
            "--immediate-mode",
            "-U",
            "-n",
            "-w",
        ])
        .arg(&file)
        .arg("udp port 67 or udp port 68");
        let log = format!("{name}.log");
        let i = self.spawn(c, &log);
        let logp = self.path(&log);
        wait_for(10, "tcpdump to start", || {
            fs::read_to_string(&logp)
                .map(|s| s.contains("listening on"))
                .unwrap_or(false)
        });
        Capture { index: i, file }
    }

    fn stop_capture(&mut self, cap: &Capture) {
        signal(&self.children[cap.index], libc::SIGINT);
        let _ = self.children[cap.index].wait();
    }

    fn leases(&self) -> Vec<(Ipv4Addr, String, String)> {
        let out = run(Command::new(BIN)
            .args(["dhcp", "leases", "--leases"])
            .arg(self.path("leases")));
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .skip(1)
            .filter_map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                Some((
                    f.first()?.parse().ok()?,
                    f.get(1)?.to_string(),
                    f.get(2)?.to_string(),
                ))
            })
            .collect()
    }
}

impl std::ops::Deref for Net {
    type Target = NsPair;
    fn deref(&self) -> &NsPair {
        &self.ns
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        if !std::thread::panicking() {
            let _ = fs::remove_dir_all(&self.dir);
        } else {
            eprintln!("dhcp test: kept {} for inspection", self.dir.display());
        }
    }
}

struct Capture {
    index: usize,
    file: PathBuf,
}

/// Dissect a capture with tshark: every frame must be DHCP, none malformed
/// or carrying an error-level expert item. Returns the DHCP message types
/// (option 53) in order.
fn tshark_clean(file: &Path) -> Vec<u8> {
    let tshark = peer("tshark");
    let bad = run(Command::new(&tshark).arg("-r").arg(file).args([
        "-n",
        "-Y",
        "_ws.malformed || _ws.expert.severity >= \"Error\"",
    ]));
    let bad = String::from_utf8_lossy(&bad.stdout);
    assert!(
        bad.trim().is_empty(),
        "tshark flags frames in {}:\n{bad}",
        file.display()
    );
    let out = run(Command::new(&tshark).arg("-r").arg(file).args([
        "-n",
        "-T",
        "fields",
        "-e",
        "dhcp.option.dhcp",
    ]));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().parse::<u8>().unwrap_or(0))
        .collect()
}

fn script(net: &Net, name: &str, body: &str) -> PathBuf {
    let p = net.path(name);
    fs::write(&p, body).unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
    p
}

fn file_has(p: &Path, needle: &str) -> usize {
    fs::read_to_string(p)
        .map(|s| s.matches(needle).count())
        .unwrap_or(0)
}

const DISCOVER: u8 = 1;
const OFFER: u8 = 2;
const REQUEST: u8 = 3;
const ACK: u8 = 5;
const RELEASE: u8 = 7;

#[test]
fn udhcpc_obtains_renews_and_releases() {
    let udhcpc = peer("udhcpc");
    let mut net = Net::new(None);
    let srv = net.start_server(None, "server.log");
    let cap = net.capture("udhcpc.pcap");
    let events = net.path("events");
    // udhcpc's default script rewrites /etc/resolv.conf, shared with the
    // host: use one that only sets the address
    let sc = script(
        &net,
        "udhcpc.sh",
        &format!(
            "#!/bin/sh\necho \"$1 $ip\" >> {ev}\ncase \"$1\" in bound|renew) ip addr replace \"$ip/$subnet\" dev \"$interface\";; \
             deconfig) ip addr flush dev \"$interface\";; esac\nexit 0\n",
            ev = events.display()
        ),
    );
    let mut c = net.cmd(&net.c.clone(), &udhcpc);
    c.args(["-f", "-i", &net.cif.clone(), "-t", "5", "-T", "1", "-s"])
        .arg(&sc);
    let cl = net.spawn(c, "udhcpc.log");
    wait_for(20, "udhcpc to bind", || {
        file_has(&events, "bound 10.20.30.") > 0
    });
    // SIGUSR1: renew (unicast REQUEST with ciaddr)
    signal(&net.children[cl], libc::SIGUSR1);
    wait_for(20, "udhcpc to renew", || {
        file_has(&events, "renew 10.20.30.") > 0
    });
    // SIGUSR2: release
    signal(&net.children[cl], libc::SIGUSR2);
    wait_for(20, "udhcpc to release", || {
        file_has(&events, "deconfig") >= 2
    });
    let ip: Ipv4Addr = fs::read_to_string(&events)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("bound ")?.parse().ok())
        .unwrap();
    wait_for(10, "the release to reach the lease file", || {
        net.leases()
            .iter()
            .any(|(a, s, _)| *a == ip && s == "released")
    });
    net.stop(cl, "udhcpc.log");
    net.stop_capture(&cap);
    let log = net.stop(srv, "server.log");
    assert!(log.contains("releases 1"), "server summary: {log}");
    let types = tshark_clean(&cap.file);
    for t in [DISCOVER, OFFER, REQUEST, ACK, RELEASE] {
        assert!(
            types.contains(&t),
            "no DHCP message type {t} in capture: {types:?}"
        );
    }
    assert!(
        types.iter().filter(|t| **t == ACK).count() >= 2,
        "expected ACKs for bind and renew"
    );
}

#[test]
fn dhclient_obtains_renews_and_releases() {
    let dhclient = peer("dhclient");
    let mut net = Net::new(None);
    let srv = net.start_server(Some("lease_time = 12\n"), "server.log");
    let cap = net.capture("dhclient.pcap");
    let events = net.path("events");
    let sc = script(
        &net,
        "dhclient.sh",
        &format!(
            "#!/bin/sh\necho \"$reason $new_ip_address $old_ip_address\" >> {ev}\ncase \"$reason\" in \
             BOUND|RENEW|REBIND|REBOOT) ip addr replace \"$new_ip_address/$new_subnet_mask\" dev \"$interface\";; \
             RELEASE|EXPIRE|FAIL|STOP) [ -n \"$old_ip_address\" ] && ip addr del \"$old_ip_address/$old_subnet_mask\" dev \"$interface\";; esac\nexit 0\n",
            ev = events.display()
        ),
    );
    let lf = net.path("dhclient.leases");
    let pf = net.path("dhclient.pid");
    let mut c = net.cmd(&net.c.clone(), &dhclient);
    c.args(["-d", "-v", "-1", "-sf"])
        .arg(&sc)
        .arg("-lf")
        .arg(&lf)
        .arg("-pf")
        .arg(&pf)
        .arg(&net.cif);
    let cl = net.spawn(c, "dhclient.log");
    wait_for(30, "dhclient to bind", || {
        file_has(&events, "BOUND 10.20.30.") > 0
    });
    // T1 is 6 s: dhclient renews by itself
    wait_for(30, "dhclient to renew", || {
        file_has(&events, "RENEW 10.20.30.") > 0
    });
    let ip: Ipv4Addr = fs::read_to_string(&events)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("BOUND ")?.split(' ').next()?.parse().ok())
        .unwrap();
    // dhclient -x: stop without releasing; started again it verifies its
    // remembered lease with an INIT-REBOOT REQUEST, which we ACK
    let mut x = net.cmd(&net.c.clone(), &dhclient);
    x.args(["-x", "-sf"])
        .arg(&sc)
        .arg("-lf")
        .arg(&lf)
        .arg("-pf")
        .arg(&pf)
        .arg(&net.cif);
    x.stdout(Stdio::null()).stderr(Stdio::null());
    assert!(x.status().unwrap().success(), "dhclient -x failed");
    // -x signals the daemon named in the pid file; now and then (under
    // load) the daemon carries on. Killing it also leaves the lease
    // unreleased, which is all the next step needs; the wait is bounded.
    let end = Instant::now() + Duration::from_secs(10);
    while Instant::now() < end && matches!(net.children[cl].try_wait(), Ok(None)) {
        std::thread::sleep(Duration::from_millis(50));
    }
    if matches!(net.children[cl].try_wait(), Ok(None)) {
        let _ = net.children[cl].kill();
    }
    let _ = net.children[cl].wait();
    let mut c = net.cmd(&net.c.clone(), &dhclient);
    c.args(["-d", "-v", "-1", "-sf"])
        .arg(&sc)
        .arg("-lf")
        .arg(&lf)
        .arg("-pf")
        .arg(&pf)
        .arg(&net.cif);
    let cl = net.spawn(c, "dhclient2.log");
    wait_for(30, "dhclient to reboot into its lease", || {
        file_has(&events, &format!("REBOOT {ip}")) > 0
    });
    // dhclient -r: the running client releases and exits
    let mut r = net.cmd(&net.c.clone(), &dhclient);
    r.args(["-r", "-v", "-sf"])
        .arg(&sc)
        .arg("-lf")
        .arg(&lf)
        .arg("-pf")
        .arg(&pf)
        .arg(&net.cif);
    r.stdout(Stdio::null()).stderr(Stdio::null());
    let st = r.status().unwrap();
    assert!(st.success(), "dhclient -r failed");
    wait_for(10, "the release to reach the lease file", || {
        net.leases()
            .iter()
            .any(|(a, s, _)| *a == ip && s == "released")
    });
    net.stop(cl, "dhclient.log");
    net.stop_capture(&cap);
    net.stop(srv, "server.log");
    let types = tshark_clean(&cap.file);
    for t in [DISCOVER, OFFER, REQUEST, ACK, RELEASE] {
        assert!(
            types.contains(&t),
            "no DHCP message type {t} in capture: {types:?}"
        );
    }
    assert!(
        types.iter().filter(|t| **t == ACK).count() >= 3,
        "expected ACKs for bind, renew and reboot"
    );
    // the INIT-REBOOT REQUEST: requested address, no server id, no ciaddr
    let out = run(Command::new(peer("tshark")).arg("-r").arg(&cap.file).args([
        "-n",
        "-Y",
        "dhcp.option.dhcp == 3 && dhcp.option.requested_ip_address && !dhcp.option.dhcp_server_id && dhcp.ip.client == 0.0.0.0",
    ]));
    assert!(
        !out.stdout.is_empty(),
        "no INIT-REBOOT REQUEST in the capture"
    );
}

fn client_once(net: &mut Net, extra: &[&str]) -> String {
    let mut c = net.cmd(&net.c.clone(), BIN);
    c.args([
        "dhcp-client",
        "--interface",
        &net.cif.clone(),
        "--once",
        "--retransmit-base",
        "1",
    ]);
    c.args(extra);
    let out = run(&mut c);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn bound_ip(out: &str) -> Ipv4Addr {
    out.lines()
        .find_map(|l| {
            l.strip_prefix("bound address=")?
                .split('/')
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no `bound` line in client output:\n{out}"))
}

#[test]
fn client_obtains_lease_from_dnsmasq() {
    let dnsmasq = peer("dnsmasq");
    let mut net = Net::new(None);
    let mut c = net.cmd(&net.s.clone(), &dnsmasq);
    c.args([
        "--keep-in-foreground",
        "--no-resolv",
        "--no-hosts",
        "--port=0",
        "--bind-interfaces",
        "--no-ping",
        "--dhcp-range=10.20.30.50,10.20.30.200,255.255.255.0,1h",
        "--dhcp-option=3,10.20.30.1",
    ])
    .arg(format!("--interface={}", net.sif))
    .arg(format!(
        "--dhcp-leasefile={}",
        net.path("dnsmasq.leases").display()
    ))
    .arg(format!("--pid-file={}", net.path("dnsmasq.pid").display()));
    net.spawn(c, "dnsmasq.log");
    wait_for(10, "dnsmasq to listen on port 67", || net.port67_open());
    let cap = net.capture("dnsmasq.pcap");
    let out = client_once(&mut net, &["--no-configure", "--release"]);
    let ip = bound_ip(&out);
    assert!(out.contains(&format!("server={SERVER}")), "{out}");
    assert!(out.contains("router=10.20.30.1"), "{out}");
    assert!(
        (50..=200).contains(&ip.octets()[3]),
        "{ip} outside dnsmasq's range"
    );
    assert!(out.contains("released address="), "{out}");
    std::thread::sleep(Duration::from_millis(300));
    net.stop_capture(&cap);
    let types = tshark_clean(&cap.file);
    assert_eq!(&types[..4], &[DISCOVER, OFFER, REQUEST, ACK], "{types:?}");
    assert!(types.contains(&RELEASE));
}

#[test]
fn client_obtains_lease_from_kea() {
    let kea = peer("kea-dhcp4");
    let mut net = Net::new(None);
    let conf = net.path("kea.json");
    fs::write(
        &conf,
        format!(
            r#"{{ "Dhcp4": {{ "interfaces-config": {{ "interfaces": [ "{sif}" ], "dhcp-socket-type": "raw" }},
  "lease-database": {{ "type": "memfile", "persist": true, "name": "{dir}/kea.leases", "lfc-interval": 0 }},
  "valid-lifetime": 3600,
  "subnet4": [ {{ "id": 1, "subnet": "10.20.30.0/24", "pools": [ {{ "pool": "10.20.30.50 - 10.20.30.200" }} ],
     "option-data": [ {{ "name": "routers", "data": "10.20.30.1" }} ] }} ],
  "loggers": [ {{ "name": "kea-dhcp4", "severity": "WARN", "output_options": [ {{ "output": "{dir}/kea.log" }} ] }} ] }} }}"#,
            sif = net.sif,
            dir = net.dir.display()
        ),
    )
    .unwrap();
    let mut c = net.cmd(&net.s.clone(), &kea);
    c.arg("-c")
        .arg(&conf)
        .env("KEA_PIDFILE_DIR", &net.dir)
        .env("KEA_LOCKFILE_DIR", &net.dir);
    net.spawn(c, "kea.out");
    // Kea uses a packet socket; give it time to open it
    let ss = |net: &Net| {
        Command::new("ip")
            .args(["netns", "exec", &net.s, "ss", "-Ha0"])
            .output()
            .map(|o| !o.stdout.is_empty())
            .unwrap_or(false)
    };
    wait_for(10, "kea-dhcp4 to open its socket", || ss(&net));
    std::thread::sleep(Duration::from_millis(500));
    let cap = net.capture("kea.pcap");
    let out = client_once(&mut net, &["--no-configure"]);
    let ip = bound_ip(&out);
    assert!(
        (50..=200).contains(&ip.octets()[3]),
        "{ip} outside Kea's pool"
    );
    assert!(out.contains("lease=3600"), "{out}");
    assert!(out.contains("router=10.20.30.1"), "{out}");
    std::thread::sleep(Duration::from_millis(300));
    net.stop_capture(&cap);
    let types = tshark_clean(&cap.file);
    assert_eq!(&types[..4], &[DISCOVER, OFFER, REQUEST, ACK], "{types:?}");
}

/// Our client against our server: bind, configure the interface, renew at
/// T1, release on SIGTERM.
#[test]
fn client_and_server_bind_renew_release() {
    let mut net = Net::new(None);
    let srv = net.start_server(Some("lease_time = 12\n"), "server.log");
    let cap = net.capture("self.pcap");
    let mut c = net.cmd(&net.c.clone(), BIN);
    c.args([
        "dhcp-client",
        "--interface",
        &net.cif.clone(),
        "--release",
        "--retransmit-base",
        "1",
    ]);
    c.args(["--renew-retransmit-min", "1"]);
    let cl = net.spawn(c, "client.log");
    let log = net.path("client.log");
    wait_for(20, "the client to bind", || {
        file_has(&log, "bound address=") > 0
    });
    let out = fs::read_to_string(&log).unwrap();
    let ip = bound_ip(&out);
    let addrs =
        run(net
            .cmd(&net.c.clone(), "ip")
            .args(["-4", "addr", "show", "dev", &net.cif.clone()]));
    assert!(
        String::from_utf8_lossy(&addrs.stdout).contains(&format!("{ip}/24")),
        "interface not configured with {ip}"
    );
    wait_for(20, "the client to renew at T1", || {
        file_has(&log, "renewed address=") > 0
    });
    let out = net.stop(cl, "client.log");
    assert!(out.contains(&format!("released address={ip}/24")), "{out}");
    wait_for(10, "the release to reach the lease file", || {
        net.leases()
            .iter()
            .any(|(a, s, _)| *a == ip && s == "released")
    });
    net.stop_capture(&cap);
    net.stop(srv, "server.log");
    let types = tshark_clean(&cap.file);
    assert!(
        types.iter().filter(|t| **t == ACK).count() >= 2,
        "{types:?}"
    );
    assert!(types.contains(&RELEASE), "{types:?}");
}

/// `kill -9` of the server in the middle of a perfdhcp load, restart on the
/// same lease file: every address ACKed on the wire (before or after) is in
/// the lease file for the client it was ACKed to, and no address was ACKed
/// to two clients.
#[test]
fn kill_9_under_perfdhcp_load_keeps_every_acked_lease() {
    let perfdhcp = peer("perfdhcp");
    let tshark = peer("tshark");
    let mut net = Net::new(Some("10.20.30.2/24"));
    let srv = net.start_server(None, "server1.log");
    let cap = net.capture("crash.pcap");
    // perfdhcp acts as a relay at 10.20.30.2; 120 clients, 150/s, 4 s
    let mut p = net.cmd(&net.c.clone(), &perfdhcp);
    p.args([
        "-4",
        "-l",
        &net.cif.clone(),
        "-r",
        "150",
        "-R",
        "120",
        "-p",
        "4",
        SERVER,
    ]);
    let pi = net.spawn(p, "perfdhcp.log");
    // let some exchanges complete, then kill -9 mid-load
    let pcap = cap.file.clone();
    let acks_so_far = || {
        Command::new(&tshark)
            .arg("-r")
            .arg(&pcap)
            .args(["-n", "-Y", "dhcp.option.dhcp == 5"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).lines().count())
            .unwrap_or(0)
    };
    wait_for(20, "some ACKs under load", || acks_so_far() >= 20);
    let killed_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    signal(&net.children[srv], libc::SIGKILL);
    let _ = net.children[srv].wait();
    // `ip netns exec` forwarded nothing: make sure the server itself died
    wait_for(10, "port 67 to close", || !net.port67_open());
    let srv2 = net.start_server(None, "server2.log");
    wait_for(30, "perfdhcp to finish", || {
        matches!(net.children[pi].try_wait(), Ok(Some(_)))
    });
    std::thread::sleep(Duration::from_millis(300));
    net.stop_capture(&cap);
    let st = net.children[pi].wait().unwrap();
    let plog = fs::read_to_string(net.path("perfdhcp.log")).unwrap_or_default();
    assert!(
        matches!(st.code(), Some(0) | Some(3)),
        "perfdhcp failed: {plog}"
    );
    let out = run(Command::new(&tshark).arg("-r").arg(&cap.file).args([
        "-n",
        "-Y",
        "dhcp.option.dhcp == 5",
        "-T",
        "fields",
        "-e",
        "frame.time_epoch",
        "-e",
        "dhcp.ip.your",
        "-e",
        "dhcp.hw.mac_addr",
    ]));
    let mut owner: HashMap<Ipv4Addr, String> = HashMap::new();
    let mut n = 0;
    let mut after = 0;
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let f: Vec<&str> = l.split('\t').collect();
        // chaddr first; option 61 may repeat the address
        let mac = f.get(2).and_then(|m| m.split(',').next());
        let (Some(ip), Some(mac)) = (f.get(1).and_then(|s| s.parse().ok()), mac) else {
            continue;
        };
        n += 1;
        if f.first()
            .and_then(|t| t.parse::<f64>().ok())
            .is_some_and(|t| t > killed_at)
        {
            after += 1;
        }
        if let Some(prev) = owner.insert(ip, mac.to_string()) {
            assert_eq!(&prev, mac, "{ip} ACKed to two clients");
        }
    }
    assert!(n >= 20, "only {n} ACKs on the wire");
    assert!(
        after > 0 && after < n,
        "{after} of {n} ACKs after the kill: not mid-load"
    );
    net.stop(srv2, "server2.log");
    let leases: HashMap<Ipv4Addr, (String, String)> = net
        .leases()
        .into_iter()
        .map(|(a, s, m)| (a, (s, m)))
        .collect();
    for (ip, mac) in &owner {
        let l = leases
            .get(ip)
            .unwrap_or_else(|| panic!("ACKed {ip} ({mac}) lost after kill -9"));
        assert_eq!(&l.1, mac, "{ip} belongs to another client after restart");
        assert_eq!(l.0, "bound", "{ip} not bound after restart");
    }
    tshark_clean(&cap.file);
}

/// Malformed datagrams at far more than the good rate: each dropped and
/// counted, the server stays up and udhcpc still gets its lease.
#[test]
fn flood_of_malformed_packets_does_not_stop_service() {
    let udhcpc = peer("udhcpc");
    let mut net = Net::new(Some("10.20.30.2/24"));
    let srv = net.start_server(None, "server.log");
    let cap = net.capture("flood.pcap");
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU32::new(0));
    let ns_path = format!("/var/run/netns/{}", net.c);
    let (stop2, sent2) = (stop.clone(), sent.clone());
    let flood = std::thread::spawn(move || {
        let f = fs::File::open(&ns_path).unwrap();
        // SAFETY: moves only this thread into the client namespace.
        let r = unsafe { libc::setns(std::os::fd::AsRawFd::as_raw_fd(&f), libc::CLONE_NEWNET) };
        assert_eq!(r, 0, "setns into {ns_path}");
        let sock = UdpSocket::bind("10.20.30.2:0").unwrap();
        let bad = malformed_datagrams();
        // about 1000 a second, for at most 20 s
        let end = Instant::now() + Duration::from_secs(20);
        let mut i = 0usize;
        while !stop2.load(Ordering::Relaxed) && Instant::now() < end {
            for _ in 0..10 {
                let _ = sock.send_to(&bad[i % bad.len()], (SERVER, 67));
                i += 1;
            }
            sent2.fetch_add(10, Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    wait_for(10, "the flood to start", || {
        sent.load(Ordering::Relaxed) >= 500
    });
    let sc = script(&net, "udhcpc.sh", "#!/bin/sh\nexit 0\n");
    let mut c = net.cmd(&net.c.clone(), &udhcpc);
    c.args([
        "-f",
        "-q",
        "-n",
        "-i",
        &net.cif.clone(),
        "-t",
        "5",
        "-T",
        "1",
        "-s",
    ])
    .arg(&sc);
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = c.spawn().unwrap();
    let mut lines = Vec::new();
    if let Some(err) = child.stderr.take() {
        for l in BufReader::new(err).lines().map_while(Result::ok) {
            lines.push(l);
        }
    }
    let st = child.wait().unwrap();
    let during = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    flood.join().unwrap();
    let total = sent.load(Ordering::Relaxed);
    assert!(
        st.success(),
        "udhcpc got no lease during the flood: {lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("obtained from 10.20.30.40")),
        "{lines:?}"
    );
    assert!(
        matches!(net.children[srv].try_wait(), Ok(None)),
        "server died under the flood"
    );
    net.stop_capture(&cap);
    let log = net.stop(srv, "server.log");
    let malformed: u64 = log
        .split("malformed ")
        .nth(1)
        .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no malformed counter in server summary: {log}"));
    assert!(
        malformed + 10 >= total as u64 * 9 / 10,
        "malformed {malformed}, sent {total}"
    );
    assert!(malformed >= 500, "flood too small: {malformed}");
    // the drops are rate-limited in the log
    let warn_lines = log.lines().filter(|l| l.contains("dropped")).count() as u64;
    assert!(
        warn_lines < malformed / 10,
        "{warn_lines} log lines for {malformed} drops"
    );
    eprintln!("flood: {total} malformed datagrams in {during:?} while udhcpc bound");
    // tshark sees the flood as malformed too (this checks the filter works)
    let tshark = peer("tshark");
    let out =
        run(Command::new(&tshark)
            .arg("-r")
            .arg(&cap.file)
            .args(["-n", "-Y", "_ws.malformed"]));
    assert!(
        !out.stdout.is_empty(),
        "tshark flagged none of the malformed datagrams"
    );
    let mut f = fs::OpenOptions::new()
        .append(true)
        .open(net.path("server.log"))
        .unwrap();
    let _ = writeln!(f, "test done");
}

/// Malformed DHCP requests of several kinds: each is a valid DISCOVER with
/// one defect.
fn malformed_datagrams() -> Vec<Vec<u8>> {
    let mut good = vec![0u8; 240];
    good[0] = 1;
    good[1] = 1;
    good[2] = 6;
    good[28..34].copy_from_slice(&[2, 0xba, 0xd0, 0, 0, 1]);
    good[236..240].copy_from_slice(&[99, 130, 83, 99]);
    good.extend_from_slice(&[53, 1, 1, 255]);
    let mut v = Vec::new();
    v.push(good[..100].to_vec()); // short
    let mut b = good.clone();
    b[237] = 0; // bad magic cookie
    v.push(b);
    let mut b = good.clone();
    b[0] = 2; // BOOTREPLY sent to a server
    v.push(b);
    let mut b = good.clone();
    b[2] = 200; // hlen past chaddr
    v.push(b);
    let mut b = good.clone();
    b.truncate(243);
    b.extend_from_slice(&[12, 200, b'x']); // option runs past the datagram
    v.push(b);
    let mut b = good.clone();
    b.truncate(243);
    b.extend_from_slice(&[52, 1, 1, 255]); // overload into file ...
    b[108..112].copy_from_slice(&[52, 1, 2, 255]); // ... which overloads again
    v.push(b);
    v
}

#[test]
fn usage_and_runtime_errors_exit_2_and_1_naming_what_failed() {
    let out = Command::new(BIN).arg("dhcp").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--interface"));
    let out = Command::new(BIN)
        .args(["dhcp", "--interface", "nosuchif0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("interface `nosuchif0` does not exist"));
    let dir = std::env::temp_dir().join(format!("wirelab-dhcp-cli-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    fs::write(&bad, "pools = [\"192.0.2.1-192.0.2.9\"]\n").unwrap();
    let out = Command::new(BIN)
        .args(["dhcp", "--interface", "lo", "--leases"])
        .arg(dir.join("leases"))
        .arg("--config")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("outside subnet"),
        "{err}"
    );
    // a lease file that is not one
    let junk = dir.join("junk");
    fs::write(&junk, "this is not a lease file").unwrap();
    let out = Command::new(BIN)
        .args(["dhcp", "leases", "--leases"])
        .arg(&junk)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad magic"));
    let out = Command::new(BIN).args(["dhcp-client"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    fs::remove_dir_all(&dir).unwrap();
}
