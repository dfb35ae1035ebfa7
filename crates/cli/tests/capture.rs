//! `wirelab capture` on veth pairs in network namespaces this test creates
//! (10.20.30.0/24, removed by a Drop guard even when a test fails), checked
//! with tshark; and `wirelab read` on RUDP traffic captured on loopback.
//!
//! Needs root, `ip`, `ping` and `tshark`; a missing one fails the test
//! with its name.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod support;
use support::{peer, remove_netns, run};

const BIN: &str = env!("CARGO_BIN_EXE_wirelab");

static SEQ: AtomicU32 = AtomicU32::new(0);

/// Two namespaces A and B joined by a veth pair `va` (10.20.30.1 in A) –
/// `vb` (10.20.30.2 in B), and a scratch directory; all removed on drop.
struct Net {
    a: String,
    b: String,
    dir: PathBuf,
}

impl Net {
    fn new() -> Net {
        let n = SEQ.fetch_add(1, Ordering::SeqCst);
        let id = format!("{}x{n}", std::process::id());
        let net = Net {
            a: format!("wlcapa{id}"),
            b: format!("wlcapb{id}"),
            dir: std::env::temp_dir().join(format!("wirelab-capture-test-{id}")),
        };
        let ip = peer("ip");
        let _ = fs::remove_dir_all(&net.dir);
        fs::create_dir_all(&net.dir).unwrap();
        run(Command::new(&ip).args(["netns", "add", &net.a]));
        run(Command::new(&ip).args(["netns", "add", &net.b]));
        // Created straight inside the namespaces: no name in the host's.
        run(Command::new(&ip).args([
            "link", "add", "va", "netns", &net.a, "type", "veth", "peer", "name", "vb", "netns",
            &net.b,
        ]));
        for (ns, ifc, addr) in [
            (&net.a, "va", "10.20.30.1/24"),
            (&net.b, "vb", "10.20.30.2/24"),
        ] {
            run(Command::new(&ip).args(["-n", ns, "addr", "add", addr, "dev", ifc]));
            run(Command::new(&ip).args(["-n", ns, "link", "set", "lo", "up"]));
            run(Command::new(&ip).args(["-n", ns, "link", "set", ifc, "up"]));
        }
        net
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// `ping -c N` from A to B (bounded: 0.2 s apart, 2 s deadline each).
    fn ping(&self, n: u32) {
        run(Command::new(peer("ip")).args([
            "netns",
            "exec",
            &self.a,
            &peer("ping"),
            "-n",
            "-c",
            &n.to_string(),
            "-i",
            "0.2",
            "-W",
            "2",
            "10.20.30.2",
        ]));
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        remove_netns(&self.a);
        remove_netns(&self.b);
        if !std::thread::panicking() {
            let _ = fs::remove_dir_all(&self.dir);
        } else {
            eprintln!("capture test: kept {} for inspection", self.dir.display());
        }
    }
}

/// A running `wirelab capture`, killed on drop if still running.
struct Cap {
    child: Child,
    stderr: mpsc::Receiver<String>,
    err_lines: Vec<String>,
}

impl Cap {
    /// Starts `wirelab capture ARGS` and waits until it says it captures.
    fn start(args: &[&str]) -> Cap {
        let mut child = Command::new(BIN)
            .arg("capture")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start wirelab capture");
        let (tx, rx) = mpsc::channel();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(l) = line else { break };
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        let mut cap = Cap {
            child,
            stderr: rx,
            err_lines: Vec::new(),
        };
        let end = Instant::now() + Duration::from_secs(30);
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match cap.stderr.recv_timeout(left) {
                Ok(l) => {
                    let ok = l.starts_with("Capturing on ");
                    cap.err_lines.push(l);
                    if ok {
                        break;
                    }
                }
                Err(_) => panic!(
                    "wirelab capture {args:?} did not start: {:?}",
                    cap.err_lines
                ),
            }
        }
        cap
    }

    /// Waits (at most `secs`) for the process to end by itself; returns
    /// its status, stdout and stderr lines.
    fn wait(mut self, secs: u64) -> (std::process::ExitStatus, String, Vec<String>) {
        let end = Instant::now() + Duration::from_secs(secs);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() >= end {
                let _ = self.child.kill();
                panic!("wirelab capture still running after {secs} s");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut out = String::new();
        if let Some(mut o) = self.child.stdout.take() {
            use std::io::Read;
            let _ = o.read_to_string(&mut out);
        }
        // The reader thread ends at EOF.
        while let Ok(l) = self.stderr.recv_timeout(Duration::from_secs(2)) {
            self.err_lines.push(l);
        }
        (status, out, std::mem::take(&mut self.err_lines))
    }

    /// SIGINT, then wait for a clean end.
    fn interrupt(self) -> (std::process::ExitStatus, String, Vec<String>) {
        // SAFETY: signals a child process we started, by its pid.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGINT);
        }
        self.wait(10)
    }
}

impl Drop for Cap {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// tshark -T fields over a file: one Vec per frame.
fn tshark_fields(file: &Path, filter: Option<&str>, fields: &[&str]) -> Vec<Vec<String>> {
    let mut c = Command::new(peer("tshark"));
    c.arg("-r")
        .arg(file)
        .args(["-n", "-T", "fields", "-E", "separator=|"]);
    if let Some(f) = filter {
        c.args(["-Y", f]);
    }
    for f in fields {
        c.args(["-e", f]);
    }
    let out = run(&mut c);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('|').map(str::to_string).collect())
        .collect()
}

/// ICMP (type, seq) pairs of a file, in order.
fn icmp(file: &Path) -> Vec<(u8, u16, String)> {
    tshark_fields(
        file,
        Some("icmp"),
        &["icmp.type", "icmp.seq", "frame.interface_name"],
    )
    .into_iter()
    .map(|v| (v[0].parse().unwrap(), v[1].parse().unwrap(), v[2].clone()))
    .collect()
}

fn has_summary(err: &[String], packets: usize, iface: &str) {
    let want = format!(
        "{packets} packet{} captured",
        if packets == 1 { "" } else { "s" }
    );
    assert!(err.iter().any(|l| l == &want), "no {want:?} in {err:?}");
    let line = err
        .iter()
        .find(|l| l.starts_with(&format!("{iface}: ")))
        .unwrap_or_else(|| panic!("no statistics line for {iface} in {err:?}"));
    assert!(
        line.ends_with(" dropped by kernel") && line.contains(" received / "),
        "{line}"
    );
}

#[test]
fn writes_pcapng_of_a_namespace_interface_that_tshark_reads() {
    let net = Net::new();
    let file = net.path("ping.pcapng");
    let spec = format!("{}/va", net.a);
    let cap = Cap::start(&["-i", &spec, "-w", file.to_str().unwrap()]);
    net.ping(5);
    let (status, out, err) = cap.interrupt();
    assert!(status.success(), "{status:?} {err:?}");
    assert!(out.is_empty(), "with -w nothing goes to stdout: {out}");
    let pk = icmp(&file);
    let req: Vec<u16> = pk.iter().filter(|p| p.0 == 8).map(|p| p.1).collect();
    let rep: Vec<u16> = pk.iter().filter(|p| p.0 == 0).map(|p| p.1).collect();
    assert_eq!(req, vec![1, 2, 3, 4, 5], "{pk:?}");
    assert_eq!(rep, vec![1, 2, 3, 4, 5], "{pk:?}");
    assert!(pk.iter().all(|p| p.2 == spec), "{pk:?}");
    // Without -Y the ARP exchange before the first ping is there too.
    let arp = tshark_fields(&file, Some("arp"), &["arp.opcode"]);
    assert!(!arp.is_empty(), "no ARP in the capture");
    let all = tshark_fields(&file, None, &["frame.number"]).len();
    has_summary(&err, all, &spec);
    let d = tshark_fields(&file, None, &["frame.interface_description"]);
    assert!(
        d[0][0].contains(&format!("va in network namespace {}", net.a)),
        "{d:?}"
    );
    // Timestamps in nanoseconds, in order.
    let t = tshark_fields(&file, None, &["frame.time_epoch"]);
    let t: Vec<&str> = t.iter().map(|v| v[0].as_str()).collect();
    assert!(
        t.iter()
            .all(|s| s.split('.').nth(1).is_some_and(|f| f.len() == 9)),
        "{t:?}"
    );
    // The interface block and, at the end, its statistics block.
    let ci = run(Command::new(peer("capinfos")).arg(&file));
    let ci = String::from_utf8_lossy(&ci.stdout);
    assert!(ci.contains(&format!("Name = {spec}")), "{ci}");
    assert!(ci.contains("Time precision = nanoseconds (9)"), "{ci}");
    assert!(ci.contains("Number of stat entries = 1"), "{ci}");
    // Nothing left behind but the file itself.
    let names: Vec<_> = fs::read_dir(&net.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

/// Every packet the kernel put into each ring is in the file. Two rings
/// under the same flood retire their blocks at nearly the same moments: a
/// block retired while another ring's block was being handled must wait
/// for the next round, not be given back unread (a whole block of packets
/// was once lost that way, with the kernel counting no drop).
#[test]
fn a_flood_on_two_interfaces_keeps_every_packet_the_kernel_delivered() {
    let net = Net::new();
    let a = format!("{}/va", net.a);
    let b = format!("{}/vb", net.b);
    let file = net.path("flood.pcapng");
    // Every packet goes through a display filter: the longer a block takes
    // to handle, the likelier the other ring retires one meanwhile.
    let cap = Cap::start(&[
        "-i",
        &a,
        "-i",
        &b,
        "-q",
        "-Y",
        "frame",
        "-w",
        file.to_str().unwrap(),
    ]);
    // Bounded: 20000 echoes (40000 packets on each interface, about 40
    // blocks per ring) and a 30 s deadline.
    run(Command::new(peer("ip")).args([
        "netns",
        "exec",
        &net.a,
        &peer("ping"),
        "-n",
        "-q",
        "-f",
        "-c",
        "20000",
        "-s",
        "1000",
        "-w",
        "30",
        "10.20.30.2",
    ]));
    let (status, _, err) = cap.interrupt();
    assert!(status.success(), "{status:?} {err:?}");
    let names = tshark_fields(&file, None, &["frame.interface_name"]);
    for spec in [&a, &b] {
        let line = err
            .iter()
            .find(|l| l.starts_with(&format!("{spec}: ")))
            .unwrap_or_else(|| panic!("no statistics line for {spec} in {err:?}"));
        // "NETNS/IF: R received / D dropped by kernel"
        let nums: Vec<u64> = line
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        let [received, dropped] = nums[..] else {
            panic!("unexpected statistics line {line:?}");
        };
        let in_file = names.iter().filter(|v| v[0] == *spec).count() as u64;
        assert!(received >= 40_000, "{line}");
        assert_eq!(in_file, received - dropped, "{line}: {in_file} in the file");
    }
}

#[test]
fn direction_in_on_both_ends_sees_each_packet_once_with_two_idbs() {
    let net = Net::new();
    let a = format!("{}/va", net.a);
    let b = format!("{}/vb", net.b);
    let f_in = net.path("in.pcapng");
    let f_both = net.path("both.pcapng");
    let cap_in = Cap::start(&[
        "-i",
        &a,
        "-i",
        &b,
        "--direction",
        "in",
        "-Y",
        "icmp",
        "-w",
        f_in.to_str().unwrap(),
    ]);
    let cap_both = Cap::start(&[
        "-i",
        &a,
        "-i",
        &b,
        "-Y",
        "icmp",
        "-w",
        f_both.to_str().unwrap(),
    ]);
    net.ping(5);
    let (s1, _, e1) = cap_in.interrupt();
    let (s2, _, e2) = cap_both.interrupt();
    assert!(s1.success() && s2.success(), "{e1:?} {e2:?}");
    let pin = icmp(&f_in);
    // Each request once, as it arrived at B; each reply once, at A.
    let mut want = Vec::new();
    for seq in 1..=5u16 {
        want.push((8u8, seq, b.clone()));
        want.push((0u8, seq, a.clone()));
    }
    assert_eq!(pin, want, "direction in");
    has_summary(&e1, 10, &a);
    has_summary(&e1, 10, &b);
    // Both directions: each packet leaves one end and arrives at the other.
    let pboth = icmp(&f_both);
    assert_eq!(pboth.len(), 20, "{pboth:?}");
    for w in &want {
        let n = pboth.iter().filter(|p| p.0 == w.0 && p.1 == w.1).count();
        assert_eq!(n, 2, "{w:?} in {pboth:?}");
    }
    // -Y with -w: only ICMP was written (no ARP), on two interfaces.
    let all = tshark_fields(&f_both, None, &["frame.protocols", "frame.interface_id"]);
    assert!(all.iter().all(|v| v[0].contains("icmp")), "{all:?}");
    let mut ids: Vec<&str> = all.iter().map(|v| v[1].as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids, vec!["0", "1"]);
    let names = tshark_fields(&f_in, None, &["frame.interface_id", "frame.interface_name"]);
    for v in &names {
        let want = if v[0] == "0" { &a } else { &b };
        assert_eq!(&v[1], want, "{names:?}");
    }
}

#[test]
fn count_and_duration_stop_the_capture() {
    let net = Net::new();
    let spec = format!("{}/vb", net.b);
    let file = net.path("c3.pcapng");
    let cap = Cap::start(&[
        "-i",
        &spec,
        "-c",
        "3",
        "-Y",
        "icmp",
        "-w",
        file.to_str().unwrap(),
    ]);
    net.ping(4);
    let (status, _, err) = cap.wait(10);
    assert!(status.success(), "{err:?}");
    assert_eq!(icmp(&file).len(), 3);
    assert_eq!(tshark_fields(&file, None, &["frame.number"]).len(), 3);
    has_summary(&err, 3, &spec);

    // -a duration: ends by itself; an empty capture is still a valid file.
    let file = net.path("quiet.pcapng");
    let t0 = Instant::now();
    let cap = Cap::start(&[
        "-i",
        &spec,
        "-a",
        "duration:1",
        "-Y",
        "icmp",
        "-w",
        file.to_str().unwrap(),
    ]);
    let (status, _, err) = cap.wait(10);
    let took = t0.elapsed();
    assert!(status.success(), "{err:?}");
    assert!(took >= Duration::from_millis(900), "stopped after {took:?}");
    assert!(tshark_fields(&file, None, &["frame.number"]).is_empty());
    has_summary(&err, 0, &spec);
}

#[test]
fn live_packet_list_with_a_display_filter() {
    let net = Net::new();
    let spec = format!("{}/va", net.a);
    let cap = Cap::start(&["-i", &spec, "-c", "2", "-Y", "icmp.type == 8"]);
    net.ping(3);
    let (status, out, err) = cap.wait(10);
    assert!(status.success(), "{err:?}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    for (i, l) in lines.iter().enumerate() {
        assert!(l.contains("10.20.30.1 → 10.20.30.2 ICMP"), "{l}");
        assert!(l.contains("Echo (ping) request"), "{l}");
        assert!(l.contains(&format!("seq={}/", i + 1)), "{l}");
    }
    has_summary(&err, 2, &spec);
}

#[test]
fn missing_interface_or_namespace_is_named_with_exit_1() {
    let net = Net::new();
    for (spec, want) in [
        (
            format!("{}/nosuch0", net.a),
            format!("interface {}/nosuch0 not found", net.a),
        ),
        (
            "wlcap-nons/eth0".to_string(),
            "network namespace wlcap-nons not found".to_string(),
        ),
        (
            "wlnosuchif9".to_string(),
            "interface wlnosuchif9 not found".to_string(),
        ),
    ] {
        let out = Command::new(BIN)
            .args(["capture", "-i", &spec, "-w"])
            .arg(net.path("x.pcapng"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{spec}: {err}");
        assert!(err.contains(&want), "{spec}: {err}");
        assert!(!net.path("x.pcapng").exists());
    }
    // Without CAP_NET_RAW (dropped from the bounding set before exec).
    let out = Command::new(peer("setpriv"))
        .args(["--bounding-set", "-net_raw", BIN, "capture", "-i", "lo"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("permission denied") && err.contains("CAP_NET_RAW"),
        "{err}"
    );
    // A spec that cannot name an interface is a usage error.
    let out = Command::new(BIN)
        .args(["capture", "-i", "a/b/c"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(BIN)
        .args(["capture", "-i", "lo", "-a", "files:3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The application protocol's server side, enough to answer one client:
/// the replies the scenario's server gives, over the real RUDP driver.
async fn app_server(conn: wirelab_rudp::driver::Connection, file: Vec<u8>) {
    while let Ok(Some(m)) = conn.recv_message().await {
        let text = String::from_utf8_lossy(&m).into_owned();
        let mut words = text.split(' ');
        let cmd = words.next().unwrap_or("");
        let arg = words.next().unwrap_or("");
        let reply: Vec<Vec<u8>> = match cmd {
            "NEW" => vec![b"ACK 1".to_vec()],
            "ECHO" => vec![format!("ECHOREPLY:{arg};1732200000").into_bytes()],
            "STAT" => vec![b"STATREPLY sent=12 retransmitted=0 lost=0 rtt_us=80 cwnd=32".to_vec()],
            "GET" => vec![format!(
                "ACKGET 2 http://127.0.0.1:8080/\n50MB.zip 52428800 {}\ntask2.pdf {} {}",
                "a".repeat(64),
                file.len(),
                "b".repeat(64)
            )
            .into_bytes()],
            "FETCH" => {
                let mut v =
                    vec![format!("FILE {arg} {} {}", file.len(), "b".repeat(64)).into_bytes()];
                for chunk in file.chunks(50_000) {
                    v.push(chunk.to_vec());
                }
                v.push(format!("FILEEND {arg}").into_bytes());
                v
            }
            "BYE" => break,
            other => vec![format!("ERR unknown command {other}").into_bytes()],
        };
        for r in reply {
            if conn.send_message(&r).await.is_err() {
                return;
            }
        }
    }
    let _ = conn.close(Duration::from_secs(2)).await;
}

/// Runs the application exchange over the real RUDP driver: a server on
/// `server_port`, a client that connects to `via_port` (the server, or a
/// `wirelab link` in front of it); checks every reply.
fn exchange(server_port: u16, via_port: u16) {
    use wirelab_rudp::driver::Endpoint;
    // On loopback a UDP GSO send is captured as one datagram holding a run
    // of RUDP packets; these tests look at packets as a real link carries
    // them, so every packet goes out as its own datagram.
    std::env::set_var("WIRELAB_RUDP_GSO", "off");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let data: Vec<u8> = (0..120_000u32).map(|i| (i * 7 % 251) as u8).collect();
    rt.block_on(async {
        let addr: std::net::SocketAddr = format!("127.0.0.1:{server_port}").parse().unwrap();
        let via: std::net::SocketAddr = format!("127.0.0.1:{via_port}").parse().unwrap();
        let server = Endpoint::server(addr, Default::default()).await.unwrap();
        let client = Endpoint::client("127.0.0.1:0".parse().unwrap(), Default::default())
            .await
            .unwrap();
        let d2 = data.clone();
        let srv = tokio::spawn(async move {
            let c = server.accept().await.expect("accept");
            app_server(c, d2).await;
        });
        let mut got = Vec::new();
        let t = tokio::time::timeout(Duration::from_secs(60), async {
            let conn = client.connect(via).await.unwrap();
            let ask = |m: &'static str, replies: usize| {
                let conn = conn.clone();
                async move {
                    conn.send_message(m.as_bytes()).await.unwrap();
                    let mut v = Vec::new();
                    for _ in 0..replies {
                        v.push(conn.recv_message().await.unwrap().expect("reply"));
                    }
                    v
                }
            };
            got.extend(ask("NEW alice", 1).await);
            got.extend(ask("ECHO 1", 1).await);
            got.extend(ask("STAT 1", 1).await);
            got.extend(ask("GET 1", 1).await);
            got.extend(ask("FETCH task2.pdf", 5).await);
            got.extend(ask("HELLO", 1).await);
            conn.send_message(b"BYE").await.unwrap();
            let _ = conn.close(Duration::from_secs(2)).await;
        })
        .await;
        t.expect("the exchange ended in time");
        let _ = tokio::time::timeout(Duration::from_secs(5), srv).await;
        assert_eq!(got[0], b"ACK 1");
        assert!(got[4].starts_with(b"FILE task2.pdf 120000 "));
        assert!(got[5..8].concat() == data, "file bytes differ");
        assert_eq!(got[8], b"FILEEND task2.pdf");
    });
}

/// A free UDP port on loopback (bound, then released).
fn free_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn rudp_on_loopback_is_dissected_as_rudp_and_rudpapp() {
    let dir = std::env::temp_dir().join(format!("wirelab-capture-rudp-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let file = dir.join("rudp.pcapng");
    // A port of our own, so the filter keeps only this test's packets.
    let port = free_port();
    let filter = format!("udp.port == {port}");
    let cap = Cap::start(&["-i", "lo", "-Y", &filter, "-w", file.to_str().unwrap()]);
    exchange(port, port);
    let (status, _, err) = cap.interrupt();
    assert!(status.success(), "{err:?}");
    let read = |args: &[&str]| -> String {
        let out = run(Command::new(BIN).args(["read", "-r"]).arg(&file).args(args));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let all = read(&[]);
    let n = all.lines().count();
    assert!(n >= 20, "only {n} packets:\n{all}");
    // Every packet is RUDP, none malformed, every checksum good.
    assert_eq!(read(&["-Y", "rudp"]).lines().count(), n, "{all}");
    assert_eq!(
        read(&["-Y", "rudp.checksum.status == 1"]).lines().count(),
        n,
        "{all}"
    );
    assert_eq!(
        read(&["-Y", "_ws.malformed || _ws.expert.severity >= 0x00600000"]),
        ""
    );
    // The signals, in order, filterable by name.
    let cmds = read(&[
        "-Y",
        "rudpapp.command",
        "-T",
        "fields",
        "-e",
        "rudpapp.command",
    ]);
    let mut seen: Vec<&str> = cmds.lines().flat_map(|l| l.split(',')).collect();
    seen.dedup();
    for c in [
        "NEW",
        "ACK",
        "ECHO",
        "ECHOREPLY",
        "STAT",
        "STATREPLY",
        "GET",
        "ACKGET",
        "FETCH",
        "FILE",
        "FILEEND",
        "ERR",
        "BYE",
    ] {
        assert!(seen.contains(&c), "no {c} in {seen:?}\n{all}");
    }
    let echo = read(&["-Y", "rudpapp.command == \"ECHO\""]);
    assert!(
        !echo.is_empty()
            && echo
                .lines()
                .all(|l| l.contains("RUDPAPP") && l.contains("ECHO 1")),
        "{echo}"
    );
    let reply = read(&["-Y", "rudpapp.command == \"ECHOREPLY\""]);
    assert!(reply.contains("ECHOREPLY:1;1732200000"), "{reply}");
    let f = read(&[
        "-Y",
        "rudpapp.file.data || rudp.msg.fragment",
        "-T",
        "fields",
        "-e",
        "frame.number",
    ]);
    assert!(
        f.lines().count() >= 2,
        "the file's bytes were not cut into messages and fragments:\n{all}"
    );
    // Once as new data; any copy of it (a spurious retransmission on a
    // loaded machine) is flagged as one.
    let user = read(&[
        "-Y",
        "rudpapp.user == \"alice\" && !rudp.analysis.retransmission",
        "-T",
        "fields",
        "-e",
        "rudpapp.user",
    ]);
    assert_eq!(user.trim(), "alice");
    let syn = read(&["-Y", "rudp.flags.syn"]);
    assert!(syn.contains("[SYN] pn=0 cid="), "{syn}");
    if std::env::var_os("WIRELAB_KEEP").is_none() {
        let _ = fs::remove_dir_all(&dir);
    }
}

/// Kills a child process on drop.
struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn rudp_through_a_lossy_corrupting_link_shows_bad_checksums_and_retransmissions() {
    let dir = std::env::temp_dir().join(format!("wirelab-capture-link-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let file = dir.join("link.pcapng");
    let (server, link) = (free_port(), free_port());
    let mut child = Command::new(BIN)
        .args(["link", "--listen", &format!("127.0.0.1:{link}")])
        .args(["--forward", &format!("127.0.0.1:{server}")])
        .args(["--loss", "10%", "--corrupt", "10%", "--seed", "7"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start wirelab link");
    let err = child.stderr.take().unwrap();
    let _link = Kill(child);
    let mut lines = BufReader::new(err).lines();
    let ready = lines.next().and_then(|l| l.ok()).unwrap_or_default();
    assert!(ready.contains("listening on"), "wirelab link: {ready}");
    std::thread::spawn(move || lines.for_each(drop));
    let filter = format!("udp.port == {server} || udp.port == {link}");
    let cap = Cap::start(&["-i", "lo", "-Y", &filter, "-w", file.to_str().unwrap()]);
    exchange(server, link);
    let (status, _, err) = cap.interrupt();
    assert!(status.success(), "{err:?}");
    let count = |f: &str| -> usize {
        let out = run(Command::new(BIN)
            .args(["read", "-r"])
            .arg(&file)
            .args(["-Y", f]));
        String::from_utf8_lossy(&out.stdout).lines().count()
    };
    let all = count("frame");
    let rudp = count("rudp");
    let bad = count("rudp.checksum.status == 0");
    // A flipped bit in the first four bytes can hide a packet's signature;
    // any other packet is RUDP.
    assert!(
        rudp >= 100 && all - rudp <= bad.max(1),
        "{all} frames, {rudp} RUDP, {bad} bad"
    );
    eprintln!(
        "link capture: {all} frames, {rudp} RUDP, {bad} bad checksums, {} retransmissions",
        count("rudp.analysis.retransmission")
    );
    assert!(bad >= 1, "no corrupted packet among {all}");
    assert_eq!(
        count("rudp.checksum.status == 0 && _ws.expert.severity == 0x00600000"),
        bad,
        "every bad checksum is a warning"
    );
    assert_eq!(count("_ws.malformed && rudp.checksum.status == 1"), 0);
    assert!(
        count("rudp.analysis.retransmission") >= 1,
        "no retransmission"
    );
    assert!(count("rudpapp.command == \"FILEEND\"") >= 1);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn promiscuous_mode_lasts_as_long_as_the_capture() {
    let net = Net::new();
    let spec = format!("{}/va", net.a);
    let flags = || {
        // `ip -d` shows the promiscuity count that PACKET_MR_PROMISC raises.
        let o = run(Command::new(peer("ip")).args(["-d", "-n", &net.a, "link", "show", "va"]));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    assert!(flags().contains("promiscuity 0"), "{}", flags());
    let cap = Cap::start(&["-i", &spec, "--promisc", "-q"]);
    assert!(flags().contains("promiscuity 1"), "{}", flags());
    let (status, out, err) = cap.interrupt();
    assert!(status.success(), "{err:?}");
    assert!(out.is_empty(), "-q prints no packets: {out}");
    assert!(flags().contains("promiscuity 0"), "{}", flags());
}

#[test]
fn interface_going_down_and_up_is_reported_and_capture_goes_on() {
    let net = Net::new();
    let spec = format!("{}/va", net.a);
    let file = net.path("down.pcapng");
    let cap = Cap::start(&["-i", &spec, "-Y", "icmp", "-w", file.to_str().unwrap()]);
    let ip = peer("ip");
    run(Command::new(&ip).args(["-n", &net.a, "link", "set", "va", "down"]));
    std::thread::sleep(Duration::from_millis(300));
    run(Command::new(&ip).args(["-n", &net.a, "link", "set", "va", "up"]));
    // veth needs a moment to be back in the forwarding state.
    let end = Instant::now() + Duration::from_secs(10);
    while Instant::now() < end {
        let o = run(Command::new(&ip).args(["-n", &net.a, "link", "show", "va"]));
        if String::from_utf8_lossy(&o.stdout).contains("LOWER_UP") {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    net.ping(2);
    let (status, _, err) = cap.interrupt();
    assert!(status.success(), "{err:?}");
    assert!(
        err.iter()
            .any(|l| l.starts_with(&spec) && l.contains("link error")),
        "{err:?}"
    );
    assert_eq!(
        icmp(&file).len(),
        4,
        "packets after the interface came back"
    );
}
