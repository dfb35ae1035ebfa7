//! `wirelab read` against tshark 4.0: the packet list and fields of every
//! capture in ../shared (through ../shared/tools/parity), files written with
//! `-w`, stdin, and damaged files.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn shared() -> PathBuf {
    let p = match std::env::var_os("WIRELAB_SHARED") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    // The parity tools work out paths from their own location and from the
    // working directory; both must name the same real directory.
    std::fs::canonicalize(&p).unwrap_or(p)
}

fn wirelab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wirelab"))
}

fn tshark() -> Command {
    let t = Command::new("tshark");
    assert!(
        Command::new("tshark")
            .arg("-v")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success()),
        "tshark is required (scripts/test installs it)"
    );
    t
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("wirelab-read-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Captures that tshark's reference output exists for.
fn captures_with_golden() -> Vec<String> {
    let root = shared();
    let mut out = Vec::new();
    let mut stack = vec![root.join("captures")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let name = p.to_string_lossy().to_string();
            if !(name.ends_with(".pcap") || name.ends_with(".pcapng")) {
                continue;
            }
            let rel = p.strip_prefix(root.join("captures")).unwrap();
            let golden = root.join("golden").join(rel);
            let fields = PathBuf::from(format!("{}.fields.tsv", golden.display()));
            if std::fs::metadata(&fields).is_ok_and(|m| m.len() > 0) {
                out.push(p.strip_prefix(&root).unwrap().to_string_lossy().to_string());
            }
        }
    }
    out.sort();
    out
}

fn pct(line: &str, key: &str) -> f64 {
    let i = line
        .find(key)
        .unwrap_or_else(|| panic!("no {key} in {line}"));
    let rest = &line[i + key.len()..];
    let end = rest.find('%').unwrap();
    rest[..end].trim().parse().unwrap()
}

/// The agreement with tshark over all of ../shared/captures, as the parity
/// tool measures it. The floors are what the analyzer reaches today; they
/// only go up.
#[test]
fn parity_with_tshark_over_all_captures() {
    let caps = captures_with_golden();
    assert!(
        caps.len() > 1000,
        "expected the capture corpus in {}",
        shared().display()
    );
    let tool = format!("{} read", env!("CARGO_BIN_EXE_wirelab"));
    let out = Command::new("python3")
        .arg(shared().join("tools/parity"))
        .arg("--fields")
        .arg("--tool")
        .arg(&tool)
        .args(&caps)
        .current_dir(shared())
        .output()
        .expect("python3 runs ../shared/tools/parity");
    let text = String::from_utf8_lossy(&out.stdout);
    let summary = text.lines().last().unwrap_or_default().to_string();
    eprintln!("{text}");
    assert!(
        summary.starts_with("parity:"),
        "parity tool failed: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(summary.contains("crashes+timeouts 0"), "{summary}");
    let columns = pct(&summary, "columns ");
    let fields = pct(&summary, "fields ");
    assert!(
        columns >= COLUMNS_FLOOR,
        "columns {columns}% < {COLUMNS_FLOOR}%: {summary}"
    );
    assert!(
        fields >= FIELDS_FLOOR,
        "fields {fields}% < {FIELDS_FLOOR}%: {summary}"
    );
}

const COLUMNS_FLOOR: f64 = 99.5;
const FIELDS_FLOOR: f64 = 99.7;

fn run_fields(cmd: &mut Command, file: &Path) -> String {
    let out = cmd
        .args(["-n", "-r"])
        .arg(file)
        .args([
            "-T",
            "fields",
            "-e",
            "frame.time_epoch",
            "-e",
            "frame.len",
            "-e",
            "frame.cap_len",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn written_pcapng_lists_identically_in_tshark() {
    let dir = tmpdir("write");
    for cap in [
        "captures/filter-corpus.pcapng",
        "captures/tcpdump/dns_tcp.pcap",
    ] {
        let src = shared().join(cap);
        for fmt in ["pcapng", "pcap"] {
            let dst = dir.join(format!("out.{fmt}"));
            let st = wirelab()
                .args(["read", "-r"])
                .arg(&src)
                .arg("-w")
                .arg(&dst)
                .args(["-F", fmt])
                .status()
                .unwrap();
            assert!(st.success());
            let theirs = run_fields(&mut tshark(), &src);
            let ours = run_fields(&mut tshark(), &dst);
            if fmt == "pcapng" {
                assert_eq!(theirs, ours, "{cap} rewritten as {fmt}");
            } else {
                // pcap keeps microseconds or nanoseconds; the frames and
                // lengths are the same.
                assert_eq!(theirs.lines().count(), ours.lines().count());
            }
            // No temporary file is left behind.
            let left: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .file_name()
                        .to_string_lossy()
                        .contains(".tmp-")
                })
                .collect();
            assert!(left.is_empty());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn reads_stdin() {
    let src = shared().join("captures/tcpdump/dns_tcp.pcap");
    let bytes = std::fs::read(&src).unwrap();
    let mut child = wirelab()
        .args(["read", "-r", "-", "-T", "fields", "-e", "frame.number"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let n = String::from_utf8(out.stdout).unwrap().lines().count();
    let expected = run_fields(&mut tshark(), &src).lines().count();
    assert_eq!(n, expected);
}

#[test]
fn damaged_file_prints_what_came_before_and_fails_naming_the_place() {
    let dir = tmpdir("damaged");
    let src = std::fs::read(shared().join("captures/tcpdump/dns_tcp.pcap")).unwrap();
    // Cut the file in the middle of its last record.
    let cut = dir.join("cut.pcap");
    std::fs::write(&cut, &src[..src.len() - 10]).unwrap();
    let out = wirelab()
        .args(["read", "-r"])
        .arg(&cut)
        .args(["-T", "fields", "-e", "frame.number"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cut.pcap"), "{stderr}");
    assert!(stderr.contains("frame"), "{stderr}");
    assert!(stderr.contains("byte"), "{stderr}");
    let full = run_fields(
        &mut tshark(),
        &shared().join("captures/tcpdump/dns_tcp.pcap"),
    )
    .lines()
    .count();
    let printed = String::from_utf8_lossy(&out.stdout).lines().count();
    assert_eq!(printed, full - 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn usage_errors_exit_2_and_bad_fields_exit_1() {
    let st = wirelab().args(["read", "--no-such-flag"]).output().unwrap();
    assert_eq!(st.status.code(), Some(2));
    let st = wirelab()
        .args(["read", "-r"])
        .arg(shared().join("captures/tcpdump/dns_tcp.pcap"))
        .args(["-T", "fields", "-e", "no.such.field"])
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&st.stderr).contains("no.such.field"));
}

#[test]
fn detail_tree_and_hex_dump_cover_every_frame() {
    let src = shared().join("captures/tcpdump/dns_tcp.pcap");
    let out = wirelab()
        .args(["read", "-V", "-x", "-r"])
        .arg(&src)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let frames = run_fields(&mut tshark(), &src).lines().count();
    assert_eq!(
        text.lines().filter(|l| l.starts_with("Frame ")).count(),
        frames
    );
    assert!(text.contains("Transmission Control Protocol, Src Port: "));
    assert!(text.lines().any(|l| l.starts_with("0000  ")));
    let json = wirelab()
        .args(["read", "-T", "json", "-r"])
        .arg(&src)
        .output()
        .unwrap();
    assert!(json.status.success());
    let j = String::from_utf8_lossy(&json.stdout);
    assert!(j.trim_start().starts_with('[') && j.trim_end().ends_with(']'));
    assert_eq!(j.matches("\"_source\"").count(), frames);
}

/// Every display filter of ../shared/filters/dev.txt selects the frames
/// tshark 4.0 selects on captures/filter-corpus.pcapng (through
/// ../shared/tools/filter-parity). The floor is what wirelab reaches today;
/// it only goes up.
#[test]
fn display_filters_select_what_tshark_selects() {
    let tool = format!("{} read", env!("CARGO_BIN_EXE_wirelab"));
    let out = Command::new("python3")
        .arg(shared().join("tools/filter-parity"))
        .arg("--tool")
        .arg(&tool)
        .current_dir(shared())
        .output()
        .expect("python3 runs ../shared/tools/filter-parity");
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("{text}");
    let summary = text.lines().last().unwrap_or_default();
    // "filter-parity: 120/146 filters select the same frames (26 differ, 0 errors)"
    let frac = summary
        .strip_prefix("filter-parity: ")
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("filter-parity failed: {text}"));
    let (ok, total) = frac.split_once('/').unwrap();
    let (ok, total): (u32, u32) = (ok.parse().unwrap(), total.parse().unwrap());
    assert!(total >= 140, "{summary}");
    assert!(summary.contains(" 0 errors"), "{summary}");
    assert!(
        ok >= FILTERS_FLOOR,
        "{ok}/{total} filters agree, floor {FILTERS_FLOOR}"
    );
}

const FILTERS_FLOOR: u32 = 146;

#[test]
fn filters_select_write_and_explain_mistakes() {
    let src = shared().join("captures/filter-corpus.pcapng");
    // -Y with -T fields and -c: -c counts frames read, shown or not.
    let out = wirelab()
        .args(["read", "-r"])
        .arg(&src)
        .args([
            "-Y",
            "dns.flags.response == 1",
            "-c",
            "2400",
            "-T",
            "fields",
            "-e",
            "frame.number",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let ours: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(String::from)
        .collect();
    let theirs = tshark()
        .args(["-n", "-r"])
        .arg(&src)
        .args([
            "-Y",
            "dns.flags.response == 1",
            "-c",
            "2400",
            "-T",
            "fields",
            "-e",
            "frame.number",
        ])
        .output()
        .unwrap();
    let theirs: Vec<String> = String::from_utf8_lossy(&theirs.stdout)
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(ours, theirs);
    // -Y with -w writes only what it selects.
    let dir = tmpdir("filterw");
    let dst = dir.join("dns.pcapng");
    let st = wirelab()
        .args(["read", "-r"])
        .arg(&src)
        .args(["-Y", "dns", "-w"])
        .arg(&dst)
        .status()
        .unwrap();
    assert!(st.success());
    let all = tshark()
        .args(["-n", "-r"])
        .arg(&src)
        .args(["-Y", "dns"])
        .output()
        .unwrap();
    let written = tshark().args(["-n", "-r"]).arg(&dst).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&all.stdout).lines().count(),
        String::from_utf8_lossy(&written.stdout).lines().count()
    );
    // -2 -R drops what the read filter rejects.
    let out = wirelab()
        .args(["read", "-2", "-R", "icmp", "-r"])
        .arg(&src)
        .args(["-T", "fields", "-e", "icmp.type"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout)
        .lines()
        .all(|l| !l.is_empty()));
    // -R without -2 is a usage error.
    let out = wirelab()
        .args(["read", "-R", "icmp", "-r"])
        .arg(&src)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // A mistake is shown with a caret under it, and exits 2.
    let out = wirelab()
        .args(["read", "-r"])
        .arg(&src)
        .args(["-Y", "ip.src == 10.0.0.1 && tcp.prot == 3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("tcp.prot"), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    let caret = lines
        .iter()
        .find(|l| l.trim_start().starts_with('^'))
        .expect("caret line");
    let expr_line = lines
        .iter()
        .find(|l| l.contains("ip.src == 10.0.0.1"))
        .unwrap();
    assert_eq!(
        caret.find('^').unwrap() - expr_line.find("ip.src").unwrap(),
        "ip.src == 10.0.0.1 && ".len()
    );
    // `wirelab filter` prints the compiled form.
    let out = wirelab()
        .args(["filter", "tcp.port == 80"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("tcp.port"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `wirelab read -n -r CAP ARGS` with `WIRELAB_THREADS=threads`:
/// exit status, standard output.
fn read_with_threads(cap: &Path, args: &[&str], threads: u32) -> (Option<i32>, Vec<u8>) {
    let out = wirelab()
        .args(["read", "-n", "-r"])
        .arg(cap)
        .args(args)
        .env("WIRELAB_THREADS", threads.to_string())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (out.status.code(), out.stdout)
}

/// The parallel packet list, `-T fields` and `-Y` print byte for byte what
/// the sequential path prints, over every capture tshark opens: the state
/// that spans frames (TCP analysis and reassembly, IP fragments, DNS, HTTP,
/// TLS, ICMP echoes, ARP) is kept together whatever the number of workers.
#[test]
fn parallel_output_is_identical_to_sequential_over_all_captures() {
    let caps = captures_with_golden();
    assert!(
        caps.len() > 1000,
        "expected the capture corpus in {}",
        shared().display()
    );
    let fields: &[&str] = &[
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "frame.time_relative",
        "-e",
        "frame.time_delta",
        "-e",
        "ip.src",
        "-e",
        "ipv6.dst",
        "-e",
        "tcp.srcport",
        "-e",
        "tcp.seq",
        "-e",
        "tcp.analysis.flags",
        "-e",
        "udp.dstport",
        "-e",
        "dns.qry.name",
        "-e",
        "dns.response_to",
        "-e",
        "http.request.uri",
        "-e",
        "icmp.resp_to",
        "-e",
        "_ws.col.Info",
    ];
    let filter: &[&str] = &[
        "-Y",
        "dns.flags.response == 1 || http.response || tcp.analysis.retransmission || icmp || arp || ip.flags.mf == 1",
    ];
    // Stream indexes count over the whole capture: the sequential path.
    let streams: &[&str] = &[
        "-Y",
        "tcp.stream == 1 || udp.stream == 0",
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "tcp.stream",
        "-e",
        "udp.stream",
    ];
    let modes: [&[&str]; 4] = [&[], fields, filter, streams];
    let root = shared();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(cap) = caps.get(i) else { break };
                let path = root.join(cap);
                for args in modes {
                    let one = read_with_threads(&path, args, 1);
                    for threads in [2, 3] {
                        if read_with_threads(&path, args, threads) != one {
                            failures
                                .lock()
                                .unwrap()
                                .push(format!("{cap} {args:?} WIRELAB_THREADS={threads}"));
                        }
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} runs differ from WIRELAB_THREADS=1:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn wirelab_threads_must_be_a_number_of_threads() {
    let cap = shared().join("captures/filter-corpus.pcapng");
    for bad in ["0", "two", "-1"] {
        let out = wirelab()
            .args(["read", "-n", "-r"])
            .arg(&cap)
            .env("WIRELAB_THREADS", bad)
            .output()
            .unwrap();
        assert!(!out.status.success(), "WIRELAB_THREADS={bad} accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("WIRELAB_THREADS"), "{err}");
    }
}
