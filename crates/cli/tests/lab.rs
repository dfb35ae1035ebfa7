//! `wirelab lab` end to end: the whole scenario on a virtual network (small
//! files), its capture and report checked with tshark; and nothing left
//! behind (namespaces, processes, temporary files) after a success, a
//! failure and a SIGINT mid-run.
//!
//! Needs root and tshark; a missing tshark fails the test with its name.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{mpsc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

mod support;
use support::{peer, TempDir};

const BIN: &str = env!("CARGO_BIN_EXE_wirelab");

/// One lab at a time: each is a dozen processes on a small machine, and the
/// stale-namespace test must not race another lab's start-up sweep.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a lab with id `id` left behind: its namespaces, processes tagged
/// with its id, its temporary directory.
fn leftovers(id: u32) -> Vec<String> {
    let mut v = Vec::new();
    let prefix = format!("wl{id}-");
    for e in std::fs::read_dir("/run/netns")
        .into_iter()
        .flatten()
        .flatten()
    {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.starts_with(&prefix) {
            v.push(format!("namespace {n}"));
        }
    }
    let tag = format!("WIRELAB_LAB={id}");
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(env) = std::fs::read(e.path().join("environ")) else {
            continue;
        };
        if env.split(|&b| b == 0).any(|kv| kv == tag.as_bytes()) {
            let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
            v.push(format!(
                "process {} ({})",
                e.file_name().to_string_lossy(),
                String::from_utf8_lossy(&cmd).replace('\0', " ")
            ));
        }
    }
    let work = std::env::temp_dir().join(format!("wirelab-lab-{id}"));
    if work.exists() {
        v.push(format!("directory {}", work.display()));
    }
    v
}

/// Asserts that lab `id` left nothing behind (waiting a little for the
/// kernel to finish tearing down).
fn assert_clean(id: u32) {
    let end = Instant::now() + Duration::from_secs(5);
    loop {
        let l = leftovers(id);
        if l.is_empty() {
            return;
        }
        assert!(Instant::now() < end, "lab {id} left behind: {l:#?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn tshark(cap: &Path, filter: &str, fields: &[&str]) -> Vec<Vec<String>> {
    let mut c = Command::new(peer("tshark"));
    c.args(["-n", "-r"])
        .arg(cap)
        .args(["-Y", filter, "-T", "fields"]);
    for f in fields {
        c.args(["-e", f]);
    }
    let out = c.output().expect("run tshark");
    assert!(
        out.status.success(),
        "tshark -Y {filter}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

/// `wirelab read -Y FILTER -T fields -e …` on a capture.
fn wirelab_fields(cap: &Path, filter: &str, fields: &[&str]) -> Vec<Vec<String>> {
    let mut c = Command::new(BIN);
    c.args(["read", "-n", "-r"])
        .arg(cap)
        .args(["-Y", filter, "-T", "fields"]);
    for f in fields {
        c.args(["-e", f]);
    }
    let out = c.output().expect("run wirelab read");
    assert!(
        out.status.success(),
        "wirelab read -Y {filter}: {}",
        text(&out)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

fn text(out: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs the lab to its end, at most `limit`.
fn run_lab(args: &[&str], limit: Duration) -> (u32, Output) {
    let child = Command::new(BIN)
        .arg("lab")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start wirelab lab");
    let id = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => (id, out.expect("wait for wirelab lab")),
        Err(_) => {
            // SAFETY: signalling the lab we started, by its pid.
            unsafe {
                libc::kill(id as i32, libc::SIGTERM);
            }
            let out = rx.recv_timeout(Duration::from_secs(30));
            panic!("wirelab lab did not finish within {limit:?}; after SIGTERM: {out:?}");
        }
    }
}

#[test]
fn the_whole_scenario_with_small_files() {
    let _one = serial();
    let dir = TempDir::new("labtest-full");
    let out = dir.0.join("out");
    let (id, o) = run_lab(
        &["--scale", "0.001", "--out", out.to_str().unwrap()],
        Duration::from_secs(240),
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_clean(id);
    for f in [
        "capture.pcapng",
        "report.md",
        "report.html",
        "checksums.sha256",
        "config/example.com.zone",
        "config/dhcp.toml",
        "logs/dhcp.log",
        "logs/dns.log",
        "logs/http.log",
        "logs/catalog.log",
        "logs/app.log",
        "logs/echo.log",
        "logs/capture.log",
        "logs/client.json",
    ] {
        assert!(out.join(f).is_file(), "{f} missing in {}", out.display());
    }
    assert!(
        !out.join("files").exists(),
        "files kept without --keep-files"
    );
    let cap = out.join("capture.pcapng");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();

    // Checksums: every file the server has, each equal to the server's.
    let sums = std::fs::read_to_string(out.join("checksums.sha256")).unwrap();
    let mut sizes = BTreeMap::new();
    for l in sums.lines() {
        assert!(!l.contains("DIFFERS") && !l.contains("not served"), "{l}");
        let f: Vec<&str> = l.split_whitespace().collect();
        assert_eq!(f[0].len(), 64, "{l}");
        let name = f[1].rsplit('/').next().unwrap().to_string();
        let size: u64 = f[3].parse().unwrap();
        sizes.insert(name, size);
    }
    let names: Vec<&str> = sizes.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "100MB.zip",
            "500MB.zip",
            "50MB.zip",
            "image-site.png",
            "task2.pdf"
        ]
    );
    assert_eq!(sizes["50MB.zip"], 50_000);

    // DHCP: Discover, Offer, Request, ACK, in this order, first in the
    // capture; the report names their frames.
    let dhcp = tshark(&cap, "dhcp", &["frame.number", "dhcp.option.dhcp"]);
    let kinds: Vec<&str> = dhcp.iter().take(4).map(|r| r[1].as_str()).collect();
    assert_eq!(kinds, ["1", "2", "3", "5"], "{dhcp:?}");
    let dora: Vec<&str> = dhcp.iter().take(4).map(|r| r[0].as_str()).collect();
    assert_report_mentions(&report, "DHCP", &dora);

    // DNS: example.com's A record is the application server.
    let dns = tshark(
        &cap,
        "dns.flags.response == 1 && dns.qry.name == \"example.com\" && dns.a",
        &["frame.number", "dns.a"],
    );
    assert!(!dns.is_empty(), "no DNS answer for example.com");
    assert_eq!(dns[0][1], "10.20.30.20");
    assert_report_mentions(&report, "DNS", &["10.20.30.20", &dns[0][0]]);

    // Each TCP handshake's three frames are in the report.
    let syn = tshark(
        &cap,
        "tcp.flags.syn == 1 || (tcp.flags.ack == 1 && tcp.seq == 1 && tcp.ack == 1 && tcp.len == 0)",
        &["tcp.stream", "frame.number", "tcp.flags.syn", "tcp.flags.ack"],
    );
    let mut hs: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for r in &syn {
        let s: u32 = r[0].parse().unwrap();
        let v = hs.entry(s).or_default();
        if v.len() < 3 {
            v.push(r[1].clone());
        }
    }
    // app → catalog, client → HTTP (one keep-alive connection), client → echo.
    assert!(hs.len() >= 3, "expected a handshake per connection: {hs:?}");
    for frames in hs.values() {
        assert_eq!(frames.len(), 3, "{hs:?}");
        let f: Vec<&str> = frames.iter().map(String::as_str).collect();
        assert_report_mentions(&report, "TCP", &f);
    }

    // Bytes per file: what HTTP carried equals the file, and the report says so.
    let http = tshark(
        &cap,
        "http.response.code == 200 && http.response_for.uri",
        &["http.response_for.uri", "http.content_length"],
    );
    // A segment the lab's veths really lost (the kernel's backlog on a
    // loaded machine) and its retransmission can keep tshark from
    // reassembling a response; then the loss must be in the capture and
    // wirelab must still find the response with the file's size.
    let lossy = !tshark(
        &cap,
        "tcp.port == 80 && (tcp.analysis.lost_segment || tcp.analysis.retransmission)",
        &["frame.number"],
    )
    .is_empty();
    let ours = wirelab_fields(
        &cap,
        "http.response.code == 200",
        &["http.response_for.uri", "http.content_length"],
    );
    for (name, size) in &sizes {
        let r = match http.iter().find(|r| r[0].ends_with(&format!("/{name}"))) {
            Some(r) => r,
            None => {
                assert!(lossy, "no HTTP response for {name} in tshark: {http:?}");
                ours.iter()
                    .find(|r| r[0].ends_with(&format!("/{name}")))
                    .unwrap_or_else(|| panic!("no HTTP response for {name}: {ours:?}"))
            }
        };
        assert_eq!(r[1], size.to_string(), "{name}");
        assert!(
            report.contains(name) && report.contains(&size.to_string()),
            "report lacks {name} with {size} bytes"
        );
    }

    // Phase comments: one at the first packet of each phase, the first on
    // the DHCP Discover, the DNS one on the query, and so on.
    let comments = tshark(
        &cap,
        "frame.comment",
        &["frame.number", "frame.comment", "_ws.col.Protocol"],
    );
    let names: Vec<&str> = comments.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(
        names,
        ["dhcp", "dns", "rudp", "download", "tcp-echo", "bye"],
        "{comments:?}"
    );
    assert_eq!(comments[0][0], dora[0]);
    let protos: Vec<&str> = comments.iter().map(|r| r[2].as_str()).collect();
    assert_eq!(protos[..2], ["DHCP", "DNS"], "{comments:?}");
    assert_eq!(protos[3], "TCP", "{comments:?}"); // the download's SYN

    // tshark's and wirelab's packet lists agree on DHCP, DNS, TCP, HTTP.
    let fields = [
        "frame.number",
        "_ws.col.Protocol",
        "_ws.col.Info",
        "ip.src",
        "ip.dst",
        "tcp.srcport",
        "tcp.dstport",
        "tcp.flags",
        "tcp.len",
        "udp.length",
    ];
    let filter = "dhcp || dns || tcp || http";
    let theirs = tshark(&cap, filter, &fields);
    let ours = wirelab_fields(&cap, filter, &fields);
    // A third gap, only where the lab's veths really lost a segment (the
    // kernel's backlog on a loaded machine): after a spurious
    // retransmission tshark may give up reassembling a PDU that wirelab
    // still reassembles. Frames of TCP connections with a retransmission
    // are compared by addresses, ports, flags and length only.
    let lossy: Vec<(String, String)> = tshark(
        &cap,
        "tcp.analysis.retransmission || tcp.analysis.lost_segment",
        &["tcp.srcport", "tcp.dstport"],
    )
    .into_iter()
    .flat_map(|r| {
        let (a, b) = (r[0].clone(), r.get(1).cloned().unwrap_or_default());
        [(a.clone(), b.clone()), (b, a)]
    })
    .collect();
    assert_eq!(ours.len(), theirs.len(), "packet counts differ");
    for (a, b) in ours.iter().zip(&theirs) {
        // Two known gaps of the dissectors, not of the lab: tshark names
        // an HTTP body by the dissector of its media type ("(PNG)") where
        // wirelab gives the type ("(image/png)"); and wirelab marks a
        // retransmitted segment of a PDU "[TCP segment of a reassembled
        // PDU]" where tshark does not.
        let norm = |r: &Vec<String>| {
            let mut r = r.clone();
            if let Some(i) = r[2].find("  (") {
                r[2].truncate(i);
            }
            if lossy.contains(&(r[5].clone(), r[6].clone())) {
                r[1].clear();
                r[2].clear();
            }
            if r[2].starts_with("[TCP Retransmission]") {
                r[2] = r[2]
                    .trim_end_matches(" [TCP segment of a reassembled PDU]")
                    .to_string();
            }
            r
        };
        assert_eq!(norm(a), norm(b), "wirelab read vs tshark");
    }
}

/// The report's section about `topic` (the text from a heading naming it
/// to the next heading of the same or a higher level; the whole report when
/// no heading names it) mentions every one of `what` as a word.
fn assert_report_mentions(report: &str, topic: &str, what: &[&str]) {
    let sec = section(report, topic).unwrap_or(report);
    for w in what {
        let found = sec
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
            .any(|t| t.trim_end_matches('.') == *w);
        assert!(
            found,
            "the report's {topic} section does not mention {w}:\n{sec}"
        );
    }
}

fn section<'a>(report: &'a str, topic: &str) -> Option<&'a str> {
    let mut start = None;
    let mut level = 0;
    let mut pos = 0;
    for line in report.split_inclusive('\n') {
        let hashes = line.bytes().take_while(|&b| b == b'#').count();
        if hashes > 0 {
            if let Some(s) = start {
                if hashes <= level {
                    return Some(&report[s..pos]);
                }
            } else if line.contains(topic) {
                start = Some(pos);
                level = hashes;
            }
        }
        pos += line.len();
    }
    start.map(|s| &report[s..])
}

#[test]
fn a_service_that_fails_to_start_leaves_nothing_behind() {
    let _one = serial();
    let dir = TempDir::new("labtest-fail");
    let zone = dir.0.join("bad.zone");
    std::fs::write(&zone, "example.com. IN A not-an-address\n").unwrap();
    // A namespace of a lab whose process is gone (no pid is this large):
    // the next lab removes it.
    let stale = "wl4194399-sw";
    let _ = Command::new("ip").args(["netns", "del", stale]).output();
    let st = Command::new("ip")
        .args(["netns", "add", stale])
        .status()
        .unwrap();
    assert!(st.success());
    let (id, o) = run_lab(
        &[
            "--scale",
            "0.001",
            "--zone",
            zone.to_str().unwrap(),
            "--out",
            dir.0.join("out").to_str().unwrap(),
        ],
        Duration::from_secs(120),
    );
    let t = text(&o);
    let _ = Command::new("ip").args(["netns", "del", stale]).output();
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("dns did not start"), "{t}");
    assert!(
        t.contains("bad.zone"),
        "the DNS server's own message is quoted: {t}"
    );
    assert!(
        t.contains(&format!("removed namespaces left by earlier labs: {stale}")),
        "{t}"
    );
    assert!(!Path::new("/run/netns").join(stale).exists());
    assert_clean(id);
}

#[test]
fn sigint_mid_run_leaves_nothing_behind() {
    let _one = serial();
    let dir = TempDir::new("labtest-int");
    let mut child = Command::new(BIN)
        .args(["lab", "--scale", "0.05", "--out"])
        .arg(dir.0.join("out"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let id = child.id();
    let (tx, rx) = mpsc::channel();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    let mut seen = Vec::new();
    let end = Instant::now() + Duration::from_secs(120);
    loop {
        let l = rx
            .recv_timeout(end.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("the clients never started: {seen:#?}"));
        let started = l.contains("client(s) started");
        seen.push(l);
        if started {
            break;
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    // SAFETY: signalling the lab we started, by its pid.
    unsafe {
        libc::kill(id as i32, libc::SIGINT);
    }
    let end = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > end {
            let _ = child.kill();
            panic!("the lab did not stop within 60 s of SIGINT");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    while let Ok(l) = rx.recv_timeout(Duration::from_secs(2)) {
        seen.push(l);
    }
    let all = seen.join("\n");
    assert_eq!(status.code(), Some(1), "{all}");
    assert!(all.contains("interrupted by SIGINT"), "{all}");
    assert_clean(id);
}
