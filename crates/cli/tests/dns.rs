//! Integration tests of `wirelab dns` against the real peers: the same zone
//! file served by wirelab and by Knot DNS (`knotd`), asked the same
//! questions with `dig` and `kdig`; forwarding through wirelab to knotd with
//! the upstream's own query counter (`knotc stats`); and random and mutated
//! queries over UDP and TCP. Everything runs on 127.0.0.1 with free ports;
//! every child process is killed on drop.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};
use rand::{Rng, SeedableRng};

mod support;
use support::{free_port, peer, Proc, TempDir};

const WIRELAB: &str = env!("CARGO_BIN_EXE_wirelab");

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../services/tests/data")
}

/// Waits until a DNS server answers on `port` (at most 10 s).
fn wait_ready(port: u16, child: &mut Child, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let q = query_bytes("lab.test.", RecordType::SOA, 7);
    while Instant::now() < deadline {
        if let Ok(Some(st)) = child.try_wait() {
            panic!("{what} exited early: {st}");
        }
        let _ = sock.send_to(&q, ("127.0.0.1", port));
        let mut buf = [0u8; 4096];
        if let Ok((n, _)) = sock.recv_from(&mut buf) {
            if let Ok(m) = Message::from_vec(&buf[..n]) {
                // knotd answers SERVFAIL until its zone is loaded.
                if what != "knotd" || m.metadata.response_code != ResponseCode::ServFail {
                    return;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{what} did not answer on port {port} within 10 s");
}

fn query_bytes(name: &str, t: RecordType, id: u16) -> Vec<u8> {
    let mut m = Message::new(id, MessageType::Query, OpCode::Query);
    m.add_query(Query::query(Name::from_ascii(name).unwrap(), t));
    m.to_vec().unwrap()
}

/// knotd serving `zone` (plus the files it includes) from a temp dir.
struct Knot {
    _proc: Proc,
    port: u16,
    conf: PathBuf,
    _dir: TempDir,
}

impl Knot {
    fn start(zone_files: &[&str]) -> Self {
        let knotd = peer("knotd");
        let dir = TempDir::new("knot");
        for f in zone_files {
            std::fs::copy(data_dir().join(f), dir.0.join(f)).unwrap();
        }
        let port = free_port();
        let d = dir.0.display();
        let conf = dir.0.join("knot.conf");
        std::fs::write(
            &conf,
            format!(
                "server:\n  listen: 127.0.0.1@{port}\n  rundir: \"{d}\"\n  udp-workers: 1\n  \
                 tcp-workers: 1\n  background-workers: 1\ndatabase:\n  storage: \"{d}\"\n\
                 mod-stats:\n  - id: default\n    request-protocol: on\n\
                 template:\n  - id: default\n    storage: \"{d}\"\n    global-module: mod-stats/default\n\
                 zone:\n  - domain: lab.test\n    file: lab.zone\n"
            ),
        )
        .unwrap();
        let child = Command::new(knotd)
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start knotd");
        let mut p = Proc(child);
        wait_ready(port, &mut p.0, "knotd");
        Self {
            _proc: p,
            port,
            conf,
            _dir: dir,
        }
    }

    /// Queries knotd has received (its mod-stats counter).
    fn queries_received(&self) -> u64 {
        let out = Command::new(peer("knotc"))
            .arg("-c")
            .arg(&self.conf)
            .args(["stats", "mod-stats.request-protocol"])
            .output()
            .expect("run knotc");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.rsplit('=').next()?.trim().parse::<u64>().ok())
            .sum()
    }
}

/// `wirelab dns` with the given extra arguments.
struct Wirelab {
    proc: Proc,
    port: u16,
}

impl Wirelab {
    fn start(args: &[&str]) -> Self {
        let port = free_port();
        let child = Command::new(WIRELAB)
            .args(["dns", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--udp-workers", "2", "--log-level", "warn"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start wirelab");
        let mut p = Proc(child);
        wait_ready(port, &mut p.0, "wirelab dns");
        Self { proc: p, port }
    }
}

/// Runs dig or kdig and returns its output normalized for comparison: no
/// IDs, timings, sizes or TTLs; records sorted within each section.
fn ask(tool_name: &str, port: u16, q: &str) -> String {
    let mut cmd = Command::new(peer(tool_name));
    cmd.arg("@127.0.0.1").arg("-p").arg(port.to_string());
    if tool_name == "dig" {
        cmd.args(["+norec", "+nocookie", "+time=3", "+tries=1"]);
    } else {
        cmd.args(["+norec", "+time=3", "+retry=0"]);
    }
    cmd.args(q.split_whitespace());
    let out = cmd.output().expect("run dig");
    normalize(&String::from_utf8_lossy(&out.stdout))
}

fn normalize(text: &str) -> String {
    let skip = [
        "; <<>>",
        ";; global options",
        ";; Got answer",
        "Query time",
        ";; SERVER:",
        ";; WHEN:",
        ";; MSG SIZE",
        ";; Received",
        ";; Time ",
        ";; From ",
        "server found",
    ];
    let mut out: Vec<String> = Vec::new();
    let mut section: Vec<String> = Vec::new();
    let flush = |out: &mut Vec<String>, section: &mut Vec<String>| {
        section.sort();
        out.append(section);
    };
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() || skip.iter().any(|s| line.contains(s)) {
            continue;
        }
        if line.starts_with(';') {
            flush(&mut out, &mut section);
            let mut l = line.to_string();
            if let Some(i) = l.find("id: ") {
                let end = l[i + 4..]
                    .find(|c: char| !c.is_ascii_digit())
                    .map_or(l.len(), |e| i + 4 + e);
                l.replace_range(i + 4..end, "_");
            }
            out.push(l.split_whitespace().collect::<Vec<_>>().join(" "));
        } else {
            let mut f: Vec<&str> = line.split_whitespace().collect();
            if f.len() >= 4 && f[1].bytes().all(|b| b.is_ascii_digit()) {
                f.remove(1);
            }
            section.push(f.join(" "));
        }
    }
    flush(&mut out, &mut section);
    out.join("\n")
}

/// Questions asked of both servers: every record type of the zone, NXDOMAIN,
/// NODATA, wildcards, CNAME chains, delegations, ANY, mixed case, EDNS
/// sizes, truncation, BADVERS, REFUSED, `$INCLUDE`d data.
const QUESTIONS: &[&str] = &[
    "lab.test SOA",
    "lab.test NS",
    "lab.test MX",
    "lab.test TXT",
    "lab.test CAA",
    "lab.test A",
    "lab.test AAAA",
    "lab.test DNSKEY",
    "ns1.lab.test A",
    "ns1.lab.test AAAA",
    "ns2.lab.test A",
    "mail.lab.test AAAA",
    "mail2.lab.test A",
    "www.lab.test A",
    "www.lab.test AAAA",
    "www.lab.test CNAME",
    "www.lab.test MX",
    "web.lab.test A",
    "app.lab.test A",
    "out.lab.test A",
    "loop1.lab.test A",
    "dangling.lab.test A",
    "txt.lab.test TXT",
    "txt2.lab.test TXT",
    "txt3.lab.test TXT",
    "40.30.20.10.in-addr.arpa.lab.test PTR",
    "ptr.lab.test PTR",
    "_sip._udp.lab.test SRV",
    "_sip._udp.lab.test A",
    "caa.lab.test CAA",
    "unk.lab.test TYPE65280",
    "unk.lab.test TYPE65281",
    "unk.lab.test A",
    "escaped\\.dot.lab.test A",
    "x.wild.lab.test A",
    "x.wild.lab.test TXT",
    "x.wild.lab.test MX",
    "a.b.wild.lab.test A",
    "sub.wild.lab.test A",
    "sub.wild.lab.test AAAA",
    "a.sub.wild.lab.test A",
    "x.cwild.lab.test A",
    "x.cwild.lab.test CNAME",
    "nonterminal.deep.lab.test A",
    "deep.lab.test TXT",
    "empty.nonterminal.deep.lab.test A",
    "child.lab.test A",
    "a.b.child.lab.test A",
    "ns.child.lab.test A",
    "child.lab.test NS",
    "child.lab.test DS",
    "other.lab.test A",
    "x.other.lab.test MX",
    "nx.lab.test A",
    "nx.lab.test MX",
    "a.b.c.nx.lab.test AAAA",
    "lab.test ANY",
    "www.lab.test ANY",
    "app.lab.test ANY",
    "nx.lab.test ANY",
    "LaB.TeSt SOA",
    "WWW.Lab.Test A",
    "X.WILD.lab.test A",
    "NX.lab.TEST A",
    "Mail.LAB.test A",
    "big.lab.test TXT +ignore",
    "big.lab.test TXT +tcp",
    "big.lab.test TXT +noedns +ignore",
    "big.lab.test TXT +bufsize=4096 +ignore",
    "big.lab.test TXT +bufsize=512 +ignore",
    "lab.test MX +noedns",
    "lab.test NS +bufsize=512",
    "lab.test TXT +bufsize=4096",
    "lab.test A +dnssec",
    "lab.test SOA +tcp",
    "a.b.child.lab.test A +tcp",
    "lab.test A +edns=1 +noednsneg",
    "example.com A",
    "test A",
    "inc.lab.test A",
    "host.inc.lab.test A",
    "deeper.sub.inc.lab.test A",
    "ttl.lab.test A",
];

#[test]
fn answers_agree_with_knot() {
    let knot = Knot::start(&["lab.zone", "included.zone"]);
    let zone = data_dir().join("lab.zone");
    let wl = Wirelab::start(&["--zone", zone.to_str().unwrap()]);
    assert!(QUESTIONS.len() >= 60);
    let mut failures = Vec::new();
    for q in QUESTIONS {
        let a = ask("dig", wl.port, q);
        let b = ask("dig", knot.port, q);
        assert!(b.contains("status:"), "knotd gave no answer to {q}:\n{b}");
        if a != b {
            failures.push(format!("dig {q}\n--- wirelab:\n{a}\n--- knotd:\n{b}\n"));
        }
    }
    // kdig parses and prints answers its own way: a second opinion.
    for q in [
        "lab.test MX",
        "www.lab.test A",
        "a.b.child.lab.test A",
        "nx.lab.test A",
        "x.wild.lab.test A",
    ] {
        let a = ask("kdig", wl.port, q);
        let b = ask("kdig", knot.port, q);
        if a != b {
            failures.push(format!("kdig {q}\n--- wirelab:\n{a}\n--- knotd:\n{b}\n"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Rcode and sections only: a forwarder sets RA and clears AA.
fn sections_only(s: &str) -> String {
    s.lines()
        .filter(|l| !l.starts_with(";; flags:"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn forwarding_and_cache() {
    let knot = Knot::start(&["lab.zone", "included.zone"]);
    let upstream = format!("127.0.0.1:{}", knot.port);
    // Built-in zone example.com; everything else goes to knotd.
    let wl = Wirelab::start(&["--forward", &upstream]);
    let own = ask("dig", wl.port, "example.com A");
    assert!(
        own.contains("10.20.30.40") && own.contains("flags: qr aa"),
        "{own}"
    );
    let qs = [
        "lab.test MX",
        "www.lab.test A",
        "nx.lab.test A",
        "x.wild.lab.test TXT",
        "sub.wild.lab.test A",
        "_sip._udp.lab.test SRV",
        "big.lab.test TXT +tcp",
    ];
    let before = knot.queries_received();
    for q in qs {
        let direct = ask("dig", knot.port, q);
        let via = ask("dig", wl.port, &format!("{q} +rec"));
        assert_eq!(sections_only(&via), sections_only(&direct), "forwarded {q}");
        assert!(via.contains(" ra"), "forwarder answer sets RA: {via}");
    }
    let asked = knot.queries_received() - before - qs.len() as u64;
    // One upstream query per question, plus one TCP retry for the
    // truncated big TXT (wirelab asks over UDP first).
    assert_eq!(
        asked,
        qs.len() as u64 + 1,
        "upstream queries for first answers"
    );
    let before = knot.queries_received();
    for q in qs {
        let via = ask("dig", wl.port, &format!("{q} +rec"));
        let direct = ask("dig", knot.port, q);
        assert_eq!(sections_only(&via), sections_only(&direct), "cached {q}");
    }
    let after = knot.queries_received();
    assert_eq!(
        after - before,
        qs.len() as u64,
        "repeats came from the cache (NXDOMAIN too)"
    );
    // Mixed case hits the same cache entry and keeps the client's case.
    let via = ask("dig", wl.port, "LAB.test MX +rec");
    assert!(via.contains("LAB.test. IN MX 10 mail.LAB.test."), "{via}");
    assert_eq!(knot.queries_received(), after);
}

#[test]
fn forwarding_to_a_dead_upstream_is_servfail() {
    let dead = free_port();
    let wl = Wirelab::start(&["--forward", &format!("127.0.0.1:{dead}")]);
    let t = Instant::now();
    let r = ask("dig", wl.port, "nothing.invalid A +rec +time=10");
    assert!(r.contains("status: SERVFAIL"), "{r}");
    assert!(t.elapsed() < Duration::from_secs(9));
}

/// Sends `q` over UDP; the reply with its ID if one comes within the
/// socket's timeout. Late replies to earlier queries must parse too.
fn udp_ask(sock: &UdpSocket, to: SocketAddr, q: &[u8]) -> Option<Vec<u8>> {
    sock.send_to(q, to).ok()?;
    let mut buf = vec![0u8; 65535];
    loop {
        let (n, _) = sock.recv_from(&mut buf).ok()?;
        let r = &buf[..n];
        if q.len() >= 2 && r.len() >= 2 && r[..2] == q[..2] {
            return Some(r.to_vec());
        }
        let m =
            Message::from_vec(r).unwrap_or_else(|e| panic!("unparsable late reply {r:02x?}: {e}"));
        assert_eq!(m.metadata.message_type, MessageType::Response);
    }
}

/// Sends `q` then a probe query; returns the replies that came before the
/// probe's answer (all parsed, the probe's checked).
fn udp_ask_then_probe(sock: &UdpSocket, to: SocketAddr, q: &[u8], n: u16) -> Vec<Vec<u8>> {
    let probe_id = 0xf000 | (n & 0x0fff);
    let probe = query_bytes("probe.lab.test.", RecordType::A, probe_id);
    sock.send_to(q, to).unwrap();
    sock.send_to(&probe, to).unwrap();
    let mut got = Vec::new();
    let mut buf = vec![0u8; 65535];
    loop {
        let (len, _) = sock
            .recv_from(&mut buf)
            .unwrap_or_else(|e| panic!("no answer to the probe after {q:02x?}: {e}"));
        let r = buf[..len].to_vec();
        if let Ok(m) = Message::from_vec(&r) {
            if m.metadata.id == probe_id
                && m.queries.len() == 1
                && m.queries[0].name().to_ascii() == "probe.lab.test."
            {
                assert_eq!(m.metadata.response_code, ResponseCode::NXDomain);
                return got;
            }
        }
        got.push(r);
    }
}

fn check_reply(q: &[u8], r: &[u8]) {
    let m = Message::from_vec(r)
        .unwrap_or_else(|e| panic!("unparsable reply {r:02x?} to {q:02x?}: {e}"));
    assert_eq!(m.metadata.message_type, MessageType::Response);
    assert_eq!(&r[..2], &q[..2], "reply ID");
    assert!(r.len() <= 1232, "UDP reply of {} bytes", r.len());
}

#[test]
fn random_and_mutated_queries() {
    let zone = data_dir().join("lab.zone");
    let wl = Wirelab::start(&["--zone", zone.to_str().unwrap()]);
    let to: SocketAddr = ([127, 0, 0, 1], wl.port).into();
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed_d115);
    let seeds: Vec<Vec<u8>> = [
        "lab.test.",
        "www.lab.test.",
        "x.wild.lab.test.",
        "big.lab.test.",
    ]
    .iter()
    .zip([
        RecordType::SOA,
        RecordType::A,
        RecordType::TXT,
        RecordType::TXT,
    ])
    .map(|(n, t)| query_bytes(n, t, 1))
    .collect();
    let mut answered = 0;
    for i in 0..1200u32 {
        let q: Vec<u8> = if i % 5 == 0 {
            let n = rng.gen_range(0..120);
            (0..n).map(|_| rng.gen()).collect()
        } else {
            let mut q = seeds[rng.gen_range(0..seeds.len())].clone();
            for _ in 0..rng.gen_range(1..6) {
                match rng.gen_range(0..4) {
                    0 if !q.is_empty() => {
                        let k = rng.gen_range(0..q.len());
                        q[k] = rng.gen();
                    }
                    1 if !q.is_empty() => {
                        let k = rng.gen_range(0..q.len());
                        q.truncate(k);
                    }
                    2 => q.extend((0..rng.gen_range(1..20)).map(|_| rng.gen::<u8>())),
                    _ if q.len() > 12 => {
                        // A compression pointer somewhere in the question.
                        let k = rng.gen_range(12..q.len());
                        q[k] = 0xc0 | rng.gen_range(0..0x3f);
                    }
                    _ => {}
                }
            }
            q
        };
        // Each random query is followed by a good one (the probe); the
        // server's worker for this client answers in order, so whatever
        // arrives before the probe's answer is the random query's reply.
        for r in udp_ask_then_probe(&sock, to, &q, i as u16) {
            check_reply(&q, &r);
            answered += 1;
        }
    }
    assert!(answered > 100, "only {answered} replies");
    // TCP: random frames on a few connections.
    for c in 0..30u32 {
        let Ok(mut s) = TcpStream::connect(to) else {
            continue;
        };
        s.set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        for _ in 0..10 {
            let mut q = seeds[(c as usize) % seeds.len()].clone();
            let k = rng.gen_range(0..q.len());
            q[k] = rng.gen();
            let mut frame = (q.len() as u16).to_be_bytes().to_vec();
            frame.extend(&q);
            if s.write_all(&frame).is_err() {
                break;
            }
            let mut len = [0u8; 2];
            if s.read_exact(&mut len).is_err() {
                break;
            }
            let mut r = vec![0u8; u16::from_be_bytes(len) as usize];
            s.read_exact(&mut r).unwrap();
            let m = Message::from_vec(&r).expect("TCP reply parses");
            assert_eq!(m.metadata.message_type, MessageType::Response);
        }
    }
    // Still running, and answering a good question, on both transports.
    let mut wl = wl;
    assert!(wl.proc.0.try_wait().unwrap().is_none(), "wirelab exited");
    let good = query_bytes("www.lab.test.", RecordType::A, 0xbeef);
    let r = udp_ask(&sock, to, &good).expect("answer after fuzzing");
    let m = Message::from_vec(&r).unwrap();
    assert_eq!(m.answers.len(), 4);
    let r = ask("dig", wl.port, "www.lab.test A +tcp");
    assert!(r.contains("status: NOERROR"), "{r}");
}

#[test]
fn tcp_pipelining_and_idle_close() {
    let zone = data_dir().join("lab.zone");
    let dir = TempDir::new("cfg");
    let cfg = dir.0.join("dns.toml");
    std::fs::write(&cfg, "tcp_idle_timeout_ms = 500\n").unwrap();
    let wl = Wirelab::start(&[
        "--zone",
        zone.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
    ]);
    let mut s = TcpStream::connect(("127.0.0.1", wl.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    // Three queries in one write (RFC 7766 6.2.1.1), three answers in order.
    let mut frames = Vec::new();
    for (i, n) in ["lab.test.", "www.lab.test.", "big.lab.test."]
        .iter()
        .enumerate()
    {
        let q = query_bytes(
            n,
            if i == 2 {
                RecordType::TXT
            } else {
                RecordType::A
            },
            i as u16 + 1,
        );
        frames.extend((q.len() as u16).to_be_bytes());
        frames.extend(q);
    }
    s.write_all(&frames).unwrap();
    for id in 1..=3u16 {
        let mut len = [0u8; 2];
        s.read_exact(&mut len).unwrap();
        let mut r = vec![0u8; u16::from_be_bytes(len) as usize];
        s.read_exact(&mut r).unwrap();
        let m = Message::from_vec(&r).unwrap();
        assert_eq!(m.metadata.id, id);
        assert!(!m.metadata.truncation);
        if id == 3 {
            assert_eq!(m.answers.len(), 12, "full answer over TCP");
        }
    }
    // Idle: the server closes the connection.
    let t = Instant::now();
    let mut b = [0u8; 1];
    assert_eq!(s.read(&mut b).unwrap_or(0), 0, "closed when idle");
    assert!(t.elapsed() < Duration::from_secs(2));
}

#[test]
fn rate_limiting_slips_and_drops() {
    let zone = data_dir().join("lab.zone");
    let wl = Wirelab::start(&["--zone", zone.to_str().unwrap(), "--rrl-rate", "10"]);
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let to: SocketAddr = ([127, 0, 0, 1], wl.port).into();
    let q = query_bytes("lab.test.", RecordType::A, 9);
    let (mut full, mut tc, mut none) = (0, 0, 0);
    for _ in 0..60 {
        match udp_ask(&sock, to, &q) {
            Some(r) => {
                let m = Message::from_vec(&r).unwrap();
                if m.metadata.truncation {
                    assert!(m.answers.is_empty());
                    tc += 1;
                } else {
                    full += 1;
                }
            }
            None => none += 1,
        }
    }
    // 10 per second pass; the rest alternate slip (TC) and drop. The loop
    // may straddle a second boundary, hence the ranges.
    assert!(
        (10..=40).contains(&full),
        "full {full}, tc {tc}, dropped {none}"
    );
    assert!(tc >= 5 && none >= 5, "full {full}, tc {tc}, dropped {none}");
}

#[test]
fn bad_zone_and_bad_flags_exit_codes() {
    let dir = TempDir::new("bad");
    let z = dir.0.join("bad.zone");
    std::fs::write(
        &z,
        "$ORIGIN bad.\n$TTL 60\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 10.0.0.300\n",
    )
    .unwrap();
    let out = Command::new(WIRELAB)
        .args([
            "dns",
            "--listen",
            "127.0.0.1:0",
            "--zone",
            z.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.zone:5:6: '10.0.0.300' is not an IPv4 address"),
        "{err}"
    );
    let out = Command::new(WIRELAB)
        .args(["dns", "--listen", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // A port already taken: exit 1 naming the address.
    let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(WIRELAB)
        .args(["dns", "--listen", &addr])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&addr));
}

#[test]
fn tcp_connection_limit() {
    let zone = data_dir().join("lab.zone");
    let dir = TempDir::new("lim");
    let cfg = dir.0.join("dns.toml");
    std::fs::write(&cfg, "tcp_max_connections = 2\n").unwrap();
    let wl = Wirelab::start(&[
        "--zone",
        zone.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
    ]);
    let ask_on = |s: &mut TcpStream, id: u16| -> std::io::Result<Message> {
        let q = query_bytes("lab.test.", RecordType::SOA, id);
        let mut f = (q.len() as u16).to_be_bytes().to_vec();
        f.extend(q);
        s.write_all(&f)?;
        let mut len = [0u8; 2];
        s.read_exact(&mut len)?;
        let mut r = vec![0u8; u16::from_be_bytes(len) as usize];
        s.read_exact(&mut r)?;
        Ok(Message::from_vec(&r).unwrap())
    };
    let mut open = Vec::new();
    for id in 1..=2 {
        let mut s = TcpStream::connect(("127.0.0.1", wl.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        assert_eq!(ask_on(&mut s, id).unwrap().metadata.id, id);
        open.push(s);
    }
    // A third connection is closed at once while two are open.
    let mut third = TcpStream::connect(("127.0.0.1", wl.port)).unwrap();
    third
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    assert!(
        ask_on(&mut third, 3).is_err(),
        "third connection must be refused"
    );
    // Closing one frees a slot.
    drop(open.pop());
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut s = TcpStream::connect(("127.0.0.1", wl.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        if ask_on(&mut s, 4).is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "no slot freed after a close");
        std::thread::sleep(Duration::from_millis(50));
    }
}
