//! `wirelab report`, `wirelab read -z flow` and `--export-svg`, run as the
//! real binary: the report's facts (DHCP sequences and lease, DNS answers,
//! TCP handshakes, HTTP bytes) equal what tshark's fields say on the same
//! files; the flow graph is tshark's text; a capture made by other software
//! (dnsmasq, udhcpc, dig, nginx, curl, tcpdump in namespaces this test
//! creates) is explained correctly; headless Chromium renders the HTML
//! with its SVG pictures and no console error.
//!
//! Needs tshark and, for the last two tests, root and the peers; a missing
//! peer fails the test with its name.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

mod support;
use support::{peer, run, NsPair};

const BIN: &str = env!("CARGO_BIN_EXE_wirelab");
static SEQ: AtomicU32 = AtomicU32::new(0);

fn shared() -> PathBuf {
    let p = match std::env::var_os("WIRELAB_SHARED") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    fs::canonicalize(&p).unwrap_or(p)
}

fn capture(rel: &str) -> PathBuf {
    let p = shared().join("captures").join(rel);
    assert!(p.exists(), "{} is missing", p.display());
    p
}

fn tmpdir(name: &str) -> PathBuf {
    let n = SEQ.fetch_add(1, Ordering::SeqCst);
    let d = std::env::temp_dir().join(format!("wirelab-report-{name}-{}-{n}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

/// tshark's fields for the frames `filter` selects (tab-separated, `,`
/// between occurrences).
fn tshark_fields(file: &Path, filter: &str, fields: &[&str]) -> Vec<Vec<String>> {
    let mut c = Command::new(peer("tshark"));
    c.arg("-r")
        .arg(file)
        .args(["-n", "-Y", filter, "-T", "fields"]);
    for f in fields {
        c.args(["-e", f]);
    }
    c.args(["-E", "aggregator=,"]);
    let out = run(&mut c);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

/// Runs `wirelab report FILE --out DIR --format md` and returns the
/// Markdown printed (also checked equal to DIR/report.md).
fn report(file: &Path, dir: &Path) -> String {
    let out = run(Command::new(BIN)
        .arg("report")
        .arg(file)
        .arg("--out")
        .arg(dir)
        .args(["--format", "md"]));
    let md = String::from_utf8(out.stdout).unwrap();
    assert_eq!(md, fs::read_to_string(dir.join("report.md")).unwrap());
    assert!(dir.join("report.html").exists());
    md
}

/// The lines of a `## name` section.
fn section<'a>(md: &'a str, name: &str) -> Vec<&'a str> {
    let head = format!("## {name}");
    let mut on = false;
    let mut v = Vec::new();
    for l in md.lines() {
        if l.starts_with("## ") {
            on = l == head;
            continue;
        }
        if on {
            v.push(l);
        }
    }
    assert!(!v.is_empty(), "no section {name} in the report:\n{md}");
    v
}

/// Table rows (cells, unescaped) of a section, header and rule excluded.
fn rows(lines: &[&str]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut header = true;
    for l in lines {
        if l.starts_with("|---") {
            continue;
        }
        if !l.starts_with("| ") {
            header = true;
            continue;
        }
        if header {
            header = false;
            continue;
        }
        let inner = l.trim_start_matches("| ").trim_end_matches(" |");
        out.push(
            inner
                .split(" | ")
                .map(|c| c.replace('\\', ""))
                .collect::<Vec<_>>(),
        );
    }
    out
}

fn dhcp_name(code: &str) -> &'static str {
    match code {
        "1" => "Discover",
        "2" => "Offer",
        "3" => "Request",
        "4" => "Decline",
        "5" => "ACK",
        "6" => "NAK",
        "7" => "Release",
        "8" => "Inform",
        _ => "?",
    }
}

/// DHCP: every transaction's sequence of messages with frame numbers, and
/// the lease (address, mask, router, DNS, lease time) of each ACK, as
/// tshark reads them.
fn check_dhcp(file: &Path, md: &str) {
    let dhcp = section(md, "DHCP").join("\n");
    let msgs = tshark_fields(
        file,
        "dhcp",
        &["frame.number", "dhcp.id", "dhcp.option.dhcp"],
    );
    assert!(!msgs.is_empty());
    let mut seq: Vec<(String, Vec<String>)> = Vec::new();
    for m in &msgs {
        let xid = u32::from_str_radix(m[1].trim_start_matches("0x"), 16).unwrap();
        let key = format!("0x{xid:08x}");
        let item = format!("{} #{}", dhcp_name(&m[2]), m[0]);
        match seq.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(item),
            None => seq.push((key, vec![item])),
        }
    }
    for (xid, items) in &seq {
        let want = format!("### Transaction {xid}\n\nSequence: {}.", items.join(" → "));
        assert!(dhcp.contains(&want), "missing {want:?} in\n{dhcp}");
    }
    let acks = tshark_fields(
        file,
        "dhcp.option.dhcp == 5",
        &[
            "frame.number",
            "dhcp.ip.your",
            "dhcp.option.subnet_mask",
            "dhcp.option.router",
            "dhcp.option.domain_name_server",
            "dhcp.option.ip_address_lease_time",
            "dhcp.hw.mac_addr",
        ],
    );
    for a in &acks {
        let want = format!("- ACK #{}: address {} for client {}", a[0], a[1], a[6]);
        assert!(dhcp.contains(&want), "missing {want:?} in\n{dhcp}");
        if !a[2].is_empty() {
            assert!(dhcp.contains(&format!("- Subnet mask: {}", a[2])));
        }
        if !a[3].is_empty() {
            assert!(dhcp.contains(&format!("- Router: {}", a[3].replace(',', ", "))));
        }
        if !a[4].is_empty() {
            assert!(dhcp.contains(&format!("- DNS servers: {}", a[4].replace(',', ", "))));
        }
        if !a[5].is_empty() {
            assert!(dhcp.contains(&format!("- Lease time: {} s", a[5])));
        }
    }
}

/// DNS: each response's query frame, and its A/AAAA answers.
fn check_dns(file: &Path, md: &str) {
    let table = rows(&section(md, "DNS"));
    let resp = tshark_fields(
        file,
        "dns.flags.response == 1",
        &[
            "frame.number",
            "dns.response_to",
            "dns.qry.name",
            "dns.count.answers",
            "dns.resp.type",
            "dns.a",
            "dns.aaaa",
        ],
    );
    assert!(!resp.is_empty());
    for r in &resp {
        if r[1].is_empty() {
            continue;
        }
        let row = table
            .iter()
            .find(|row| row[0] == format!("#{}", r[1]))
            .unwrap_or_else(|| panic!("no query #{} in {table:?}", r[1]));
        assert_eq!(row[1], format!("#{}", r[0]), "response of query #{}", r[1]);
        assert_eq!(row[4], r[2]);
        // The answers section: the first `count` records, A and AAAA
        // among them in order.
        let n: usize = r[3].parse().unwrap();
        let types: Vec<&str> = r[4].split(',').take(n).collect();
        let (mut a, mut aaaa) = (r[5].split(','), r[6].split(','));
        let mut want = Vec::new();
        for t in types {
            match t {
                "1" => want.push(format!("A {}", a.next().unwrap())),
                "28" => want.push(format!("AAAA {}", aaaa.next().unwrap())),
                _ => {}
            }
        }
        for w in &want {
            assert!(row[6].contains(w.as_str()), "{w} not in {:?}", row[6]);
        }
    }
}

/// TCP and HTTP.
fn check_tcp_http(file: &Path, md: &str) {
    check_tcp(file, md);
    check_http(file, md);
}

/// TCP: the handshake frames of every stream that has one.
fn check_tcp(file: &Path, md: &str) {
    let tcp = section(md, "TCP").join("\n");
    let syns = tshark_fields(
        file,
        "tcp.flags.syn == 1 && tcp.flags.ack == 0",
        &["frame.number", "tcp.stream"],
    );
    let synacks = tshark_fields(
        file,
        "tcp.flags.syn == 1 && tcp.flags.ack == 1",
        &["frame.number", "tcp.stream"],
    );
    let acks = tshark_fields(
        file,
        "tcp.flags == 0x010 && tcp.seq == 1 && tcp.ack == 1",
        &["frame.number", "tcp.stream"],
    );
    let first = |v: &[Vec<String>], s: &str| v.iter().find(|r| r[1] == s).map(|r| r[0].clone());
    let mut checked = 0;
    for s in syns.iter().map(|r| r[1].clone()) {
        let (Some(a), Some(b), Some(c)) = (first(&syns, &s), first(&synacks, &s), first(&acks, &s))
        else {
            continue;
        };
        let want = format!("Three-way handshake: SYN #{a}, SYN/ACK #{b}, ACK #{c}");
        let head = format!("### Stream {s}: ");
        let at = tcp
            .find(&head)
            .unwrap_or_else(|| panic!("no stream {s} in\n{tcp}"));
        let body = &tcp[at..];
        let body = &body[..body[4..].find("### ").map(|i| i + 4).unwrap_or(body.len())];
        assert!(body.contains(&want), "missing {want:?} in\n{body}");
        checked += 1;
    }
    assert!(checked > 0, "no handshake checked");
}

/// HTTP: each response's request frame, status and bytes reassembled.
fn check_http(file: &Path, md: &str) {
    let http = rows(&section(md, "HTTP"));
    let resp = tshark_fields(
        file,
        "http.response",
        &[
            "frame.number",
            "http.request_in",
            "http.response.code",
            "tcp.reassembled.length",
            "tcp.len",
            "http.content_length",
        ],
    );
    assert!(!resp.is_empty());
    for r in &resp {
        let row = http
            .iter()
            .find(|row| row[3] == format!("#{}", r[0]))
            .unwrap_or_else(|| panic!("no response #{} in {http:?}", r[0]));
        if !r[1].is_empty() {
            assert_eq!(
                row[0],
                format!("#{}", r[1]),
                "request of response #{}",
                r[0]
            );
        }
        assert!(row[4].starts_with(&r[2]), "status {:?} vs {}", row[4], r[2]);
        let bytes = if r[3].is_empty() { &r[4] } else { &r[3] };
        assert_eq!(&row[6], bytes, "bytes of response #{}", r[0]);
        if !r[5].is_empty() {
            assert_eq!(row[5], r[5], "content-length of response #{}", r[0]);
        }
    }
}

#[test]
fn dhcp_facts_equal_tsharks() {
    let f = capture("zeek/dhcp_dhcp.pcap");
    let d = tmpdir("dhcp");
    let md = report(&f, &d);
    check_dhcp(&f, &md);
    // The NAK's message and the phase.
    assert!(md.contains("NAK #4 from 128.2.6.152: \"requested address not available\"."));
    assert!(md.contains("| 1 | DHCP | #1–#9 |"));
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn dns_facts_equal_tsharks() {
    for rel in ["tcpdump/dns_udp.pcap", "zeek/dns-https.pcap"] {
        let f = capture(rel);
        let d = tmpdir("dns");
        let md = report(&f, &d);
        check_dns(&f, &md);
        let _ = fs::remove_dir_all(&d);
    }
}

#[test]
fn tcp_and_http_facts_equal_tsharks() {
    let f = capture("zeek/http_get-gzip.pcap");
    let d = tmpdir("http");
    check_tcp_http(&f, &report(&f, &d));
    let _ = fs::remove_dir_all(&d);
    // 14 connections. (Its pipelined requests are paired differently by the
    // HTTP dissector than by tshark, so only TCP is compared here.)
    let f = capture("zeek/http_bro.org.pcap");
    let d = tmpdir("bro");
    check_tcp(&f, &report(&f, &d));
    let _ = fs::remove_dir_all(&d);
    // The teardown and the retransmitted FIN of http_get-gzip.
    let f = capture("zeek/http_get-gzip.pcap");
    let d = tmpdir("gzip");
    let md = report(&f, &d);
    assert!(md.contains("- Teardown: FIN #10 (client), #11 (server), #12 (client), last ACK #13."));
    assert!(md.contains("1 retransmissions (#12)"));
    assert!(md.contains("1 duplicate ACKs (#14)"));
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn flow_graphs_are_tsharks() {
    let cases = [
        ("zeek/http_get-gzip.pcap", "tcp,standard"),
        ("zeek/http_bro.org.pcap", "tcp,standard"),
        ("zeek/dhcp_dhcp.pcap", "any,standard"),
        ("zeek/dhcp_dhcp.pcap", "any,network"),
        ("zeek/chksums_ip4-udp-good-chksum.pcap", "any,standard"),
        ("tcpdump/dns_udp.pcap", "any,network"),
        ("zeek/http_bro.org.pcap", "tcp,standard,tcp.stream == 1"),
    ];
    for (rel, spec) in cases {
        let f = capture(rel);
        let ours = run(Command::new(BIN)
            .args(["read", "-q", "-r"])
            .arg(&f)
            .args(["-z", &format!("flow,{spec}")]));
        let theirs = run(Command::new(peer("tshark"))
            .args(["-q", "-r"])
            .arg(&f)
            .args(["-z", &format!("flow,{spec}")]));
        let (a, b) = (
            String::from_utf8_lossy(&ours.stdout),
            String::from_utf8_lossy(&theirs.stdout),
        );
        assert!(!b.is_empty());
        assert_eq!(a, b, "-z flow,{spec} on {rel}");
    }
    let out = Command::new(BIN)
        .args(["read", "-q", "-r"])
        .arg(capture("zeek/dhcp_dhcp.pcap"))
        .args(["-z", "flow,udp,standard"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Elements of an SVG: (open tags by name).
fn svg_counts(svg: &str) -> HashMap<&'static str, usize> {
    let mut m = HashMap::new();
    for t in ["<svg", "<line", "<path", "<text", "<rect"] {
        m.insert(t, svg.matches(t).count());
    }
    m
}

#[test]
fn export_svg_draws_flow_and_io() {
    let d = tmpdir("svg");
    let out = d.join("flow.svg");
    run(Command::new(BIN)
        .args(["read", "-q", "-r"])
        .arg(capture("zeek/dhcp_dhcp.pcap"))
        .arg("--export-svg")
        .arg(&out));
    let svg = fs::read_to_string(&out).unwrap();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    let c = svg_counts(&svg);
    // Ladder + I/O graph + the outer picture.
    assert_eq!(c["<svg"], 3, "{svg}");
    for label in [
        ">DHCP Discover<",
        ">DHCP Offer<",
        ">DHCP NAK<",
        ">DHCP ACK<",
        "packets/s",
        "bits/s",
    ] {
        assert!(svg.contains(label), "{label} missing");
    }
    // One arrow (line + head) per frame; 9 frames.
    assert!(svg.contains("5.099034 · #9"));
    assert!(c["<line"] >= 9 && c["<path"] >= 9);
    assert_eq!(svg.matches("<svg").count(), svg.matches("</svg>").count());
    let _ = fs::remove_dir_all(&d);
}

/// Loads the HTML in headless Chromium: a screenshot, the DOM after
/// rendering, and the console log.
fn chromium(html: &Path, dir: &Path) -> (PathBuf, String, String) {
    let bin = peer("chromium");
    let common = |c: &mut Command, profile: &str| {
        c.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", dir.join(profile).display()));
    };
    let url = format!("file://{}", html.display());
    let shot = dir.join("shot.png");
    let mut c = Command::new(&bin);
    common(&mut c, "p1");
    c.arg("--window-size=1300,2000")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url);
    let o1 = timed_output(c, 240);
    let mut c = Command::new(&bin);
    common(&mut c, "p2");
    c.arg("--dump-dom").arg(&url);
    let o2 = timed_output(c, 240);
    let log = format!(
        "{}\n{}",
        String::from_utf8_lossy(&o1.stderr),
        String::from_utf8_lossy(&o2.stderr)
    );
    (shot, String::from_utf8_lossy(&o2.stdout).into_owned(), log)
}

/// Runs a command, killing it after `secs`. Its output goes to files (a
/// full pipe would block it), read back at the end.
fn timed_output(mut c: Command, secs: u64) -> Output {
    let d = tmpdir("out");
    let (o, e) = (d.join("stdout"), d.join("stderr"));
    c.stdin(Stdio::null())
        .stdout(fs::File::create(&o).unwrap())
        .stderr(fs::File::create(&e).unwrap());
    let mut child = c.spawn().unwrap_or_else(|e| panic!("spawn {c:?}: {e}"));
    let end = Instant::now() + Duration::from_secs(secs);
    let status = loop {
        if let Ok(Some(st)) = child.try_wait() {
            break st;
        }
        if Instant::now() > end {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = Output {
        status,
        stdout: fs::read(&o).unwrap_or_default(),
        stderr: fs::read(&e).unwrap_or_default(),
    };
    let _ = fs::remove_dir_all(&d);
    out
}

fn check_rendered(html: &Path, dir: &Path) {
    let (shot, dom, log) = chromium(html, dir);
    let png =
        fs::read(&shot).unwrap_or_else(|e| panic!("no screenshot {}: {e}\n{log}", shot.display()));
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(
        png.len() > 20_000,
        "screenshot is nearly empty ({} bytes)",
        png.len()
    );
    for t in ["<svg", "<line", "<path", "<text", "<table"] {
        assert!(dom.contains(t), "{t} not in the rendered DOM");
    }
    for bad in ["Uncaught", "ERROR:CONSOLE", "CONSOLE(", "net::ERR_"] {
        assert!(!log.contains(bad), "console says {bad}:\n{log}");
    }
}

#[test]
fn chromium_renders_the_report() {
    let d = tmpdir("chromium");
    report(&capture("zeek/http_get-gzip.pcap"), &d);
    check_rendered(&d.join("report.html"), &d);
    let _ = fs::remove_dir_all(&d);
}

/// Two namespaces and a veth pair, with everything started in them,
/// removed on drop.
struct Net {
    ns: NsPair,
    dir: PathBuf,
    children: Vec<Child>,
}

impl Net {
    fn new() -> Net {
        Net {
            ns: NsPair::new("r", None),
            dir: tmpdir("lab"),
            children: Vec::new(),
        }
    }

    fn cmd(&self, ns: &str, prog: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", ns, prog]);
        c
    }

    fn spawn(&mut self, mut cmd: Command, log: &str) -> usize {
        let f = fs::File::create(self.dir.join(log)).unwrap();
        cmd.stdout(f.try_clone().unwrap())
            .stderr(f)
            .stdin(Stdio::null());
        let child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
        self.children.push(child);
        self.children.len() - 1
    }

    fn stop(&mut self, i: usize) {
        // SAFETY: signalling a child we started, by its pid.
        unsafe {
            libc::kill(self.children[i].id() as i32, libc::SIGTERM);
        }
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end {
            if let Ok(Some(_)) = self.children[i].try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.children[i].kill();
        let _ = self.children[i].wait();
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
        let _ = fs::remove_dir_all(&self.dir);
    }
}

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

#[test]
fn explains_a_capture_made_by_other_software() {
    let (dnsmasq, udhcpc, dig, nginx, curl, tcpdump) = (
        peer("dnsmasq"),
        peer("udhcpc"),
        peer("dig"),
        peer("nginx"),
        peer("curl"),
        peer("tcpdump"),
    );
    let mut net = Net::new();
    let dir = net.dir.clone();
    let www = dir.join("www");
    fs::create_dir_all(&www).unwrap();
    let body: Vec<u8> = (0..50_000u32)
        .map(|i| b"wirelab-report\n"[(i % 15) as usize])
        .collect();
    fs::write(www.join("file.txt"), &body).unwrap();
    // nginx, one process, everything under the test's directory.
    let conf = dir.join("nginx.conf");
    fs::write(
        &conf,
        format!(
            "daemon off; master_process off; pid {d}/nginx.pid; error_log {d}/nginx.err; user root;\n\
             events {{}}\nhttp {{ access_log off; client_body_temp_path {d}/cb; proxy_temp_path {d}/px;\n\
             fastcgi_temp_path {d}/fc; uwsgi_temp_path {d}/uw; scgi_temp_path {d}/sc;\n\
             server {{ listen 10.20.30.40:80; root {w}; }} }}\n",
            d = dir.display(),
            w = www.display()
        ),
    )
    .unwrap();
    let mut c = net.cmd(&net.s.clone(), &nginx);
    c.arg("-c").arg(&conf).arg("-e").arg(dir.join("nginx.err"));
    net.spawn(c, "nginx.log");
    let mut c = net.cmd(&net.s.clone(), &dnsmasq);
    c.args([
        "--no-daemon",
        "--conf-file=/dev/null",
        "--no-resolv",
        "--no-hosts",
        "--bind-interfaces",
        "--user=root",
        "--log-facility=-",
    ])
    .arg(format!("--interface={}", net.sif))
    .arg("--dhcp-range=10.20.30.50,10.20.30.60,255.255.255.0,1h")
    .arg("--dhcp-option=option:router,10.20.30.40")
    .arg("--dhcp-option=option:dns-server,10.20.30.40")
    .arg("--address=/example.lab/10.20.30.40")
    .arg(format!("--dhcp-leasefile={}", dir.join("leases").display()))
    .arg(format!("--pid-file={}", dir.join("dnsmasq.pid").display()));
    net.spawn(c, "dnsmasq.log");
    let s = net.s.clone();
    wait_for(15, "dnsmasq and nginx to listen", || {
        let o = Command::new("ip")
            .args(["netns", "exec", &s, "ss", "-Hlntu"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        o.contains("10.20.30.40:80") && o.contains(":67") && o.contains("10.20.30.40:53")
    });
    let pcap = dir.join("lab.pcap");
    let mut c = net.cmd(&net.c.clone(), &tcpdump);
    c.args(["-i", &net.cif.clone(), "-U", "-n", "--immediate-mode", "-w"])
        .arg(&pcap);
    let td = net.spawn(c, "tcpdump.log");
    let log = dir.join("tcpdump.log");
    wait_for(15, "tcpdump to listen", || {
        fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("listening on")
    });
    // udhcpc: one lease, then quit; the script only sets the address.
    let script = dir.join("udhcpc.sh");
    fs::write(
        &script,
        "#!/bin/sh\ncase \"$1\" in bound|renew) ip addr replace \"$ip/$subnet\" dev \"$interface\";; esac\nexit 0\n",
    )
    .unwrap();
    run(Command::new("chmod").arg("755").arg(&script));
    let o = timed_output(
        {
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
            .arg(&script);
            c
        },
        30,
    );
    assert!(
        o.status.success(),
        "udhcpc: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = timed_output(
        {
            let mut c = net.cmd(&net.c.clone(), &dig);
            c.args(["+tries=2", "+time=2", "@10.20.30.40", "example.lab", "A"]);
            c
        },
        20,
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("10.20.30.40"));
    let o = timed_output(
        {
            let mut c = net.cmd(&net.c.clone(), &curl);
            c.args(["-sS", "--max-time", "20", "-o"])
                .arg(dir.join("got.txt"))
                .arg("http://10.20.30.40/file.txt");
            c
        },
        30,
    );
    assert!(
        o.status.success(),
        "curl: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(fs::read(dir.join("got.txt")).unwrap(), body);
    std::thread::sleep(Duration::from_millis(300));
    net.stop(td);
    let out = tmpdir("lab-report");
    let md = report(&pcap, &out);
    check_dhcp(&pcap, &md);
    check_dns(&pcap, &md);
    check_tcp_http(&pcap, &md);
    // The phases, in order, and what they found.
    let phases = rows(&section(&md, "Phases"));
    let names: Vec<&str> = phases.iter().map(|r| r[1].as_str()).collect();
    let pos = |n: &str| {
        names
            .iter()
            .position(|x| *x == n)
            .unwrap_or_else(|| panic!("no phase {n} in {names:?}"))
    };
    assert!(
        pos("DHCP") < pos("DNS") && pos("DNS") < pos("HTTP"),
        "{names:?}"
    );
    assert!(md.contains("| GET | /file.txt |"));
    assert!(md.contains("| 200 OK | 50000 |"));
    assert!(md.contains("- Lease time: 3600 s"));
    assert!(md.contains("A 10.20.30.40"));
    for i in 1..=phases.len() {
        assert!(out.join(format!("phase-{i}.svg")).exists());
    }
    check_rendered(&out.join("report.html"), &out);
    let _ = fs::remove_dir_all(&out);
}
