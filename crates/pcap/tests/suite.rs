//! wirelab-pcap against tshark on every capture in `../shared/captures`:
//! frame count, per-frame epoch time (to the nanosecond), interface,
//! captured and original length and link type (as tshark's
//! `frame.encap_type`) must equal what `tshark` (4.0) reports; files tshark
//! rejects must be rejected; written pcapng must read back identically and
//! open in tshark with the same times, lengths and interfaces; mutated
//! captures must never make the reader panic or hang.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use wirelab_pcap::{linktype, Error, Reader, RecordKind, Writer};

fn captures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/captures")
}

/// Every `.pcap`/`.pcapng` under the shared captures, sorted.
fn all_captures() -> Vec<PathBuf> {
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("pcap" | "pcapng")
            ) {
                out.push(p);
            }
        }
    }
    let mut v = Vec::new();
    walk(&captures_dir(), &mut v);
    v.sort();
    assert!(
        v.len() > 800,
        "expected the shared captures under {} (found {} files)",
        captures_dir().display(),
        v.len()
    );
    v
}

fn rel(p: &Path) -> String {
    p.strip_prefix(captures_dir())
        .unwrap_or(p)
        .display()
        .to_string()
}

const TSHARK: &str = "/usr/bin/tshark";

fn tshark_path() -> &'static str {
    if Path::new(TSHARK).exists() {
        TSHARK
    } else {
        panic!(
            "tshark is required for this test but {TSHARK} does not exist (apt-get install tshark)"
        )
    }
}

/// tshark's rows (`time_epoch`, `interface_id`, `cap_len`, `len`,
/// `encap_type`) and its error message, if any.
fn tshark(path: &Path, fields: &[&str]) -> (Vec<String>, Option<String>) {
    let mut cmd = Command::new(tshark_path());
    cmd.arg("-n").arg("-r").arg(path).args(["-T", "fields"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    let rows = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let err: Vec<_> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.contains("Running as user") && !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    (rows, (!err.is_empty()).then(|| err.join(" ")))
}

/// `frame.time_epoch` as tshark 4.0 prints it: nanoseconds are a C `int`
/// in wiretap; a negative part prints as a sign in front.
fn epoch(secs: i64, nanos: u32) -> String {
    let n = nanos as i32;
    if secs < 0 || n < 0 {
        format!("-{}.{:09}", secs.unsigned_abs(), n.unsigned_abs())
    } else {
        format!("{secs}.{n:09}")
    }
}

const FIELDS: &[&str] = &[
    "frame.time_epoch",
    "frame.interface_id",
    "frame.cap_len",
    "frame.len",
    "frame.encap_type",
];

/// Our rows in tshark's format, and our error.
fn ours(path: &Path) -> (Vec<String>, Option<Error>) {
    let mut r = match Reader::open(path) {
        Ok(r) => r,
        Err(e) => return (Vec::new(), Some(e)),
    };
    r.deliver_custom_blocks(true);
    let mut rows = Vec::new();
    loop {
        match r.next_packet() {
            Ok(Some(p)) => {
                assert_eq!(p.data.len(), p.cap_len as usize);
                rows.push(match p.kind {
                    RecordKind::Custom { .. } => {
                        format!("\t\t{}\t{}\t", p.cap_len, p.orig_len)
                    }
                    _ => format!(
                        "{}\t{}\t{}\t{}\t{}",
                        if p.has_ts {
                            epoch(p.ts_secs, p.ts_nanos)
                        } else {
                            String::new()
                        },
                        // tshark shows no interface for pcap records.
                        if p.kind == RecordKind::Pcap {
                            String::new()
                        } else {
                            p.section_interface_id.to_string()
                        },
                        p.cap_len,
                        p.orig_len,
                        linktype::wtap_encap(p.linktype).unwrap_or(0)
                    ),
                });
            }
            Ok(None) => return (rows, None),
            Err(e) => return (rows, Some(e)),
        }
    }
}

/// Files tshark 4.0 refuses (unknown link types; a pcapng section of
/// version 2.0, after one frame of a good section); we must refuse them too.
const REJECTED: &[&str] = &[
    "pcapng-suite/be/test901.pcapng",
    "pcapng-suite/le/test901.pcapng",
    "tcpdump/brcm-tag-prepend.pcap",
    "tcpdump/brcm-tag.pcap",
    "tcpdump/dsa-high-vid.pcap",
    "tcpdump/dsa.pcap",
    "tcpdump/edsa-high-vid.pcap",
    "tcpdump/edsa.pcap",
    "tcpdump/frf16_magic_ie-oobr.pcap",
    "tcpdump/hoobr_juniper3.pcap",
    "tcpdump/juniper_es_oobr.pcap",
    "tcpdump/juniper_monitor_invalid_cookie_length.pcap",
    "tcpdump/kday6.pcap",
    "tcpdump/vtp_asan-2.pcap",
    "tcpdump/vtp_asan-3.pcap",
    "tcpdump/vtp_asan.pcap",
];

/// Runs `f` over `items` on a few threads.
fn parallel<T: Sync, F: Fn(&T) + Sync>(items: &[T], f: F) {
    let next = AtomicUsize::new(0);
    // tshark is mostly start-up time; a few at once hide its latency.
    let threads = std::thread::available_parallelism()
        .map_or(4, |n| n.get() * 2)
        .clamp(2, 6);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                f(item);
            });
        }
    });
}

#[test]
fn every_capture_matches_tshark() {
    let files = all_captures();
    let failures = Mutex::new(Vec::<String>::new());
    let rejected = Mutex::new(Vec::<String>::new());
    let frames = AtomicUsize::new(0);
    parallel(&files, |path| {
        let name = rel(path);
        let (want, terr) = tshark(path, FIELDS);
        let (got, err) = ours(path);
        let fail = |m: String| failures.lock().unwrap().push(format!("{name}: {m}"));
        frames.fetch_add(got.len(), Ordering::Relaxed);
        if let Some(t) = &terr {
            if t.contains("doesn't support") {
                rejected.lock().unwrap().push(name.clone());
            }
        }
        match (&terr, &err) {
            (None, Some(e)) => fail(format!("tshark reads it, we fail: {e}")),
            (Some(t), None) => fail(format!("tshark fails ({t}), we read it")),
            (Some(_), Some(e)) => {
                // Our message names where it happened.
                if e.offset().is_none() {
                    fail(format!("error without offset: {e}"));
                }
            }
            (None, None) => {}
        }
        if want != got {
            let i = want.iter().zip(&got).position(|(a, b)| a != b);
            fail(format!(
                "tshark {} frames, we {}; first difference at {:?}: tshark {:?} we {:?}",
                want.len(),
                got.len(),
                i.map(|i| i + 1),
                i.and_then(|i| want.get(i)),
                i.and_then(|i| got.get(i)),
            ));
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} files differ from tshark:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    let mut rejected = rejected.into_inner().unwrap();
    rejected.sort();
    assert_eq!(
        rejected, REJECTED,
        "the files tshark rejects changed; update REJECTED"
    );
    assert!(frames.into_inner() > 20_000);
}

#[test]
fn rejected_files_have_clear_errors() {
    for f in REJECTED {
        let path = captures_dir().join(f);
        let err = match Reader::open(&path) {
            Err(e) => e,
            Ok(r) => read_err(r),
        };
        let msg = err.to_string();
        assert!(
            msg.contains("unknown or unsupported") || msg.contains("version 2.0"),
            "{f}: {msg}"
        );
        assert!(err.offset().is_some(), "{f}: {msg}");
    }
}

fn read_err(mut r: Reader) -> Error {
    loop {
        match r.next_packet() {
            Ok(Some(_)) => {}
            Ok(None) => panic!("read without error, but tshark rejects it"),
            Err(e) => return e,
        }
    }
}

/// Packets as plain values, for comparisons.
#[derive(Debug, PartialEq)]
struct Owned {
    data: Vec<u8>,
    phdr: Vec<u8>,
    ts: (i64, u64),
    cap: u32,
    orig: u32,
    linktype: u32,
    iface: u32,
    comments: Vec<String>,
}

fn read_all(mut r: Reader) -> (Vec<Owned>, Option<String>) {
    let mut v = Vec::new();
    loop {
        match r.next_packet() {
            Ok(Some(p)) => {
                // Normalized: pcapng cannot hold nanoseconds >= 10^9.
                let t = (p.ts_secs as i128) * 1_000_000_000 + i128::from(p.ts_nanos);
                v.push(Owned {
                    data: p.data.to_vec(),
                    phdr: p.pseudo_header.to_vec(),
                    ts: (
                        t.div_euclid(1_000_000_000) as i64,
                        t.rem_euclid(1_000_000_000) as u64,
                    ),
                    cap: p.cap_len,
                    orig: p.orig_len,
                    linktype: p.linktype,
                    iface: p.interface_id,
                    comments: p.comments().map(|c| c.into_owned()).collect(),
                })
            }
            Ok(None) => return (v, None),
            Err(e) => return (v, Some(e.to_string())),
        }
    }
}

/// Reads `path` and writes what it delivers as pcapng (interfaces added as
/// they appear); returns the bytes, whether any timestamp had to be
/// normalized, and the (global) interface of each packet written.
fn to_pcapng(path: &Path) -> Option<(Vec<u8>, bool, Vec<u32>)> {
    let mut r = Reader::open(path).ok()?;
    let mut w = Writer::pcapng(Vec::new()).unwrap();
    let mut written = 0;
    let mut odd = false;
    let mut ids = Vec::new();
    while let Ok(Some(p)) = r.next_packet() {
        while written <= p.interface_id as usize {
            let id = w.add_interface(&p.known_interfaces()[written]).unwrap();
            assert_eq!(id as usize, written);
            written += 1;
        }
        if p.ts_nanos >= 1_000_000_000 {
            odd = true;
        }
        if w.write_record(p.interface_id, &p).is_err() {
            return None;
        }
        ids.push(p.interface_id);
    }
    Some((w.finish().unwrap(), odd, ids))
}

#[test]
fn round_trip_through_pcapng() {
    let files = all_captures();
    let mut checked = 0;
    for path in &files {
        let name = rel(path);
        let Ok(r) = Reader::open(path) else { continue };
        let (want, _) = read_all(r);
        let Some((bytes, _, _)) = to_pcapng(path) else {
            panic!("{name}: could not be written as pcapng")
        };
        let (got, err) = read_all(Reader::new(Box::new(Cursor::new(bytes))).unwrap());
        assert_eq!(err, None, "{name}: written file does not read back");
        assert_eq!(got.len(), want.len(), "{name}");
        for (i, (a, b)) in want.iter().zip(&got).enumerate() {
            assert_eq!(a, b, "{name}: frame {}", i + 1);
        }
        checked += 1;
    }
    assert!(checked > 800);
}

#[test]
fn written_pcapng_opens_in_tshark_identically() {
    // The pcapng suite, the filter corpus and every 10th tcpdump capture.
    let files: Vec<_> = all_captures()
        .into_iter()
        .enumerate()
        .filter(|(i, p)| !rel(p).starts_with("tcpdump/") || i % 10 == 0)
        .map(|(_, p)| p)
        .filter(|p| !REJECTED.contains(&rel(p).as_str()))
        .collect();
    let dir = std::env::temp_dir().join(format!("wirelab-pcap-rt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let failures = Mutex::new(Vec::new());
    let fields = ["frame.time_epoch", "frame.len", "frame.interface_id"];
    parallel(&files, |path| {
        let name = rel(path);
        let Some((bytes, odd, ids)) = to_pcapng(path) else {
            failures
                .lock()
                .unwrap()
                .push(format!("{name}: not writable"));
            return;
        };
        let out = dir.join(name.replace('/', "_") + ".pcapng");
        std::fs::write(&out, bytes).unwrap();
        let (orig, _) = tshark(path, &fields);
        let (got, err) = tshark(&out, &fields);
        std::fs::remove_file(&out).ok();
        // Custom blocks (no time, no interface) are not written; records
        // without a timestamp (SPB) are written with time 0; the written
        // file has one section, so interfaces carry their global number.
        let orig: Vec<_> = orig
            .iter()
            .filter(|r| !(r.starts_with('\t') && r.ends_with('\t')))
            .collect();
        if orig.len() != ids.len() {
            failures.lock().unwrap().push(format!(
                "{name}: tshark shows {} frames, we wrote {}",
                orig.len(),
                ids.len()
            ));
            return;
        }
        let row = |time: &str, len: &str, id: u32| {
            if odd {
                // Out-of-range nanoseconds are normalized on writing:
                // compare lengths and interfaces only.
                format!("{len}\t{id}")
            } else if time.is_empty() {
                format!("0.000000000\t{len}\t{id}")
            } else {
                format!("{time}\t{len}\t{id}")
            }
        };
        let want: Vec<String> = orig
            .iter()
            .zip(&ids)
            .map(|(r, &id)| {
                let mut f = r.split('\t');
                let (t, l) = (f.next().unwrap_or(""), f.next().unwrap_or(""));
                row(t, l, id)
            })
            .collect();
        let got: Vec<String> = got
            .iter()
            .map(|r| {
                let mut f = r.split('\t');
                let (t, l) = (f.next().unwrap_or(""), f.next().unwrap_or(""));
                let id = f.next().and_then(|x| x.parse().ok()).unwrap_or(u32::MAX);
                row(t, l, id)
            })
            .collect();
        if want != got || err.is_some() {
            let i = want.iter().zip(&got).position(|(a, b)| a != b);
            failures.lock().unwrap().push(format!(
                "{name}: {} vs {} rows, first difference {:?} / {:?}, tshark error {err:?}",
                want.len(),
                got.len(),
                i.and_then(|i| want.get(i)),
                i.and_then(|i| got.get(i))
            ));
        }
    });
    std::fs::remove_dir_all(&dir).ok();
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn gzip_and_dribbling_streams_read_the_same() {
    use flate2::write::GzEncoder;
    use std::io::{Read, Write};
    struct Dribble(Cursor<Vec<u8>>);
    impl Read for Dribble {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(7);
            self.0.read(&mut buf[..n])
        }
    }
    for f in [
        "filter-corpus.pcapng",
        "pcapng-suite/be/test102.pcapng",
        "zeek/udp-contents-truncated-oob.pcap",
    ] {
        let path = captures_dir().join(f);
        let raw = std::fs::read(&path).unwrap();
        let (want, werr) = read_all(Reader::open(&path).unwrap());
        let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&raw).unwrap();
        let gz = gz.finish().unwrap();
        let (got, gerr) = read_all(Reader::new(Box::new(Cursor::new(gz.clone()))).unwrap());
        assert_eq!((&got, &gerr), (&want, &werr), "{f} gzip");
        let (got, gerr) =
            read_all(Reader::new(Box::new(Dribble(Cursor::new(gz.clone())))).unwrap());
        assert_eq!((&got, &gerr), (&want, &werr), "{f} gzip dribbled");
        let (got, gerr) = read_all(Reader::new(Box::new(Dribble(Cursor::new(raw)))).unwrap());
        assert_eq!((&got, &gerr), (&want, &werr), "{f} dribbled");
        // A gzip stream cut in half: the packets before, then an error.
        match Reader::new(Box::new(Cursor::new(gz[..gz.len() / 2].to_vec()))) {
            Err(e) => assert!(e.offset().is_some(), "{f}: {e}"),
            Ok(r) => {
                let (got, gerr) = read_all(r);
                assert!(gerr.is_some(), "{f}: cut gzip read without error");
                assert!(got.len() < want.len() && got[..] == want[..got.len()]);
            }
        }
    }
}

#[test]
fn truncated_files_deliver_frames_then_error() {
    // Cut a capture inside its last record: every earlier frame comes
    // first, then an error naming the next frame and its offset.
    let path = captures_dir().join("zeek/udp-contents-truncated-oob.pcap");
    let raw = std::fs::read(path).unwrap();
    let (all, err) = read_all(Reader::new(Box::new(Cursor::new(raw.clone()))).unwrap());
    assert_eq!(err, None);
    let cut = raw.len() - 3;
    let mut r = Reader::new(Box::new(Cursor::new(raw[..cut].to_vec()))).unwrap();
    let mut n = 0;
    let e = loop {
        match r.next_packet() {
            Ok(Some(_)) => n += 1,
            Ok(None) => panic!("no error"),
            Err(e) => break e,
        }
    };
    assert_eq!(n, all.len() - 1);
    assert_eq!(e.frame(), Some(all.len() as u64));
    assert!(e.to_string().contains("cut short"), "{e}");
}

/// Mutations of every capture: bit flips, truncations and corrupted length
/// fields, from a seeded RNG, bounded in count and time.
#[test]
fn mutated_captures_never_panic_or_hang() {
    use rand::{rngs::StdRng, Rng, SeedableRng};
    let files = all_captures();
    let mut rng = StdRng::seed_from_u64(0x5eed_cafe);
    let start = Instant::now();
    let budget = Duration::from_secs(20);
    let mut runs = 0;
    'files: for path in &files {
        let raw = std::fs::read(path).unwrap();
        if raw.is_empty() {
            continue;
        }
        for m in 0..6 {
            if start.elapsed() > budget {
                break 'files;
            }
            let mut v = raw.clone();
            let len = v.len();
            match m {
                0 | 1 => {
                    for _ in 0..rng.gen_range(1..8) {
                        let i = rng.gen_range(0..len);
                        v[i] ^= 1 << rng.gen_range(0..8);
                    }
                }
                2 => v.truncate(rng.gen_range(0..len)),
                _ => {
                    // A length field: a 4-aligned word near the start or
                    // anywhere, set to an edge value.
                    let words = len / 4;
                    if words == 0 {
                        continue;
                    }
                    let w = if m == 3 {
                        rng.gen_range(0..words.min(16))
                    } else {
                        rng.gen_range(0..words)
                    };
                    let val: u32 = match rng.gen_range(0..6) {
                        0 => 0,
                        1 => u32::MAX,
                        2 => 0x7fff_fffc,
                        3 => rng.gen_range(0..64),
                        4 => 300 * 1024 * 1024,
                        _ => rng.gen(),
                    };
                    let b = if rng.gen() {
                        val.to_le_bytes()
                    } else {
                        val.to_be_bytes()
                    };
                    v[w * 4..w * 4 + 4].copy_from_slice(&b);
                }
            }
            runs += 1;
            let Ok(mut r) = Reader::new(Box::new(Cursor::new(v.clone()))) else {
                continue;
            };
            r.deliver_custom_blocks(runs % 2 == 0);
            // Every delivered record consumes at least a record header.
            let bound = v.len() / 8 + 2;
            let mut n = 0;
            loop {
                match r.next_packet() {
                    Ok(Some(p)) => {
                        assert_eq!(p.data.len(), p.cap_len as usize);
                        let _ = p.comments().count();
                        n += 1;
                        assert!(n <= bound, "{}: reader does not terminate", rel(path));
                    }
                    Ok(None) => break,
                    Err(e) => {
                        assert!(e.offset().is_some(), "{e}");
                        assert!(r.next_packet().unwrap().is_none());
                        break;
                    }
                }
            }
        }
    }
    assert!(runs >= 500 || start.elapsed() > budget, "only {runs} runs");
    eprintln!("{runs} mutated captures read in {:?}", start.elapsed());
}

/// `-` reads stdin (here gzip-compressed): the test re-runs itself as a
/// child with the capture on its standard input.
#[test]
fn dash_reads_stdin() {
    if std::env::var_os("WIRELAB_PCAP_STDIN_CHILD").is_some() {
        let (v, e) = read_all(Reader::open(Path::new("-")).unwrap());
        println!("STDIN-FRAMES {} {e:?}", v.len());
        return;
    }
    use std::io::Write;
    let path = captures_dir().join("filter-corpus.pcapng");
    let (want, _) = read_all(Reader::open(&path).unwrap());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&std::fs::read(&path).unwrap()).unwrap();
    let tmp = std::env::temp_dir().join(format!("wirelab-pcap-stdin-{}.gz", std::process::id()));
    std::fs::write(&tmp, gz.finish().unwrap()).unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "dash_reads_stdin",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("WIRELAB_PCAP_STDIN_CHILD", "1")
        .stdin(std::fs::File::open(&tmp).unwrap())
        .output()
        .unwrap();
    std::fs::remove_file(&tmp).ok();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("STDIN-FRAMES {} None", want.len())),
        "child said: {stdout}"
    );
}

/// Little builders for synthetic captures (pcap-savefile; pcapng §3-4).
fn w32(v: &mut Vec<u8>, be: bool, x: u32) {
    v.extend_from_slice(&if be { x.to_be_bytes() } else { x.to_le_bytes() });
}

fn pcap_file(magic: u32, be: bool, version: (u16, u16), snaplen: u32, network: u32) -> Vec<u8> {
    let mut v = Vec::new();
    w32(&mut v, be, magic);
    let (a, b) = version;
    v.extend_from_slice(&if be { a.to_be_bytes() } else { a.to_le_bytes() });
    v.extend_from_slice(&if be { b.to_be_bytes() } else { b.to_le_bytes() });
    for x in [0, 0, snaplen, network] {
        w32(&mut v, be, x);
    }
    v
}

fn pcap_rec(
    v: &mut Vec<u8>,
    be: bool,
    ts: (u32, u32),
    lens: (u32, u32),
    extra: &[u8],
    data: &[u8],
) {
    for x in [ts.0, ts.1, lens.0, lens.1] {
        w32(v, be, x);
    }
    v.extend_from_slice(extra);
    v.extend_from_slice(data);
}

fn ng_block(v: &mut Vec<u8>, be: bool, btype: u32, body: &[u8]) {
    let mut b = body.to_vec();
    b.resize(b.len().div_ceil(4) * 4, 0);
    let total = b.len() as u32 + 12;
    w32(v, be, btype);
    w32(v, be, total);
    v.extend_from_slice(&b);
    w32(v, be, total);
}

fn ng_shb(v: &mut Vec<u8>, be: bool) {
    let mut b = Vec::new();
    w32(&mut b, be, 0x1a2b_3c4d);
    b.extend_from_slice(&if be { [0, 1, 0, 0] } else { [1, 0, 0, 0] });
    b.extend_from_slice(&[0xff; 8]);
    ng_block(v, be, 0x0a0d_0d0a, &b);
}

fn ng_idb(v: &mut Vec<u8>, be: bool, linktype: u16, snaplen: u32, tsresol: u8, tsoffset: i64) {
    let mut b = Vec::new();
    b.extend_from_slice(&if be {
        linktype.to_be_bytes()
    } else {
        linktype.to_le_bytes()
    });
    b.extend_from_slice(&[0, 0]);
    w32(&mut b, be, snaplen);
    let opt = |b: &mut Vec<u8>, code: u16, val: &[u8]| {
        let (c, l) = (code, val.len() as u16);
        b.extend_from_slice(&if be { c.to_be_bytes() } else { c.to_le_bytes() });
        b.extend_from_slice(&if be { l.to_be_bytes() } else { l.to_le_bytes() });
        b.extend_from_slice(val);
        b.resize(b.len().div_ceil(4) * 4, 0);
    };
    opt(&mut b, 9, &[tsresol]);
    opt(
        &mut b,
        14,
        &if be {
            tsoffset.to_be_bytes()
        } else {
            tsoffset.to_le_bytes()
        },
    );
    opt(&mut b, 0, &[]);
    ng_block(v, be, 1, &b);
}

fn ng_epb(v: &mut Vec<u8>, be: bool, iface: u32, ts: u64, data: &[u8], orig: u32) {
    let mut b = Vec::new();
    for x in [iface, (ts >> 32) as u32, ts as u32, data.len() as u32, orig] {
        w32(&mut b, be, x);
    }
    b.extend_from_slice(data);
    ng_block(v, be, 6, &b);
}

/// Variants and edge cases absent from the shared captures, checked
/// against tshark the same way: modified pcap headers, swapped lengths,
/// pseudo-headers, odd resolutions, unknown pcapng link types, damage.
#[test]
fn synthetic_files_match_tshark() {
    let frame = |n: usize, seed: u8| -> Vec<u8> { (0..n).map(|i| seed ^ i as u8).collect() };
    let mut files: Vec<(&str, Vec<u8>)> = Vec::new();

    // Nanosecond magic, big-endian, snaplen truncation.
    let mut f = pcap_file(0xa1b2_3c4d, true, (2, 4), 64, 1);
    pcap_rec(
        &mut f,
        true,
        (1_600_000_000, 999_999_999),
        (64, 1500),
        &[],
        &frame(64, 1),
    );
    pcap_rec(
        &mut f,
        true,
        (1_600_000_001, 5),
        (60, 60),
        &[],
        &frame(60, 2),
    );
    files.push(("nsec-be.pcap", f));

    // Kuznetzov ss991029: modified magic, 24-byte record headers.
    let mut f = pcap_file(0xa1b2_cd34, false, (2, 4), 65535, 1);
    for i in 0..4u8 {
        let extra = [3, 0, 0, 0, 0x00, 0x08, 0, 0];
        pcap_rec(
            &mut f,
            false,
            (1_000 + u32::from(i), 10),
            (60, 60),
            &extra,
            &frame(60, i),
        );
    }
    files.push(("ss991029.pcap", f));

    // ss990915: modified magic, 28-byte record headers, big-endian.
    let mut f = pcap_file(0xa1b2_cd34, true, (2, 4), 65535, 1);
    for i in 0..4u8 {
        let extra = [0, 0, 0, 2, 0x08, 0x00, 0, 0, 0, 0, 0, 0];
        pcap_rec(
            &mut f,
            true,
            (2_000 + u32::from(i), 20),
            (42, 42),
            &extra,
            &frame(42, i),
        );
    }
    files.push(("ss990915-be.pcap", f));

    // ss990417: standard magic, 24-byte record headers (heuristic).
    let mut f = pcap_file(0xa1b2_c3d4, false, (2, 4), 65535, 1);
    for i in 0..4u8 {
        let extra = [1, 0, 0, 0, 0x00, 0x08, 4, 0];
        pcap_rec(
            &mut f,
            false,
            (3_000 + u32::from(i), 30),
            (54, 54),
            &extra,
            &frame(54, i),
        );
    }
    files.push(("ss990417.pcap", f));

    // Version 2.2: captured and original length in the other order.
    let mut f = pcap_file(0xa1b2_c3d4, false, (2, 2), 65535, 1);
    pcap_rec(&mut f, false, (4_000, 1), (70, 50), &[], &frame(50, 9));
    files.push(("v22-swapped.pcap", f));

    // SunATM: 4-byte pseudo-header stripped.
    let mut f = pcap_file(0xa1b2_c3d4, false, (2, 4), 65535, 123);
    pcap_rec(
        &mut f,
        false,
        (5_000, 0),
        (12, 12),
        &[],
        &[0x80, 0, 0, 5, 0xaa, 0xaa, 3, 0, 0, 0, 8, 0],
    );
    files.push(("sunatm.pcap", f));

    // Microsecond fractions out of range (kept as wiretap keeps them).
    let mut f = pcap_file(0xa1b2_c3d4, false, (2, 4), 65535, 1);
    pcap_rec(
        &mut f,
        false,
        (6_000, 4_000_000),
        (60, 60),
        &[],
        &frame(60, 3),
    );
    pcap_rec(
        &mut f,
        false,
        (6_001, 2_200_000),
        (60, 60),
        &[],
        &frame(60, 4),
    );
    files.push(("usec-overflow.pcap", f));

    // Damage: a record cut short; an absurd captured length.
    let mut f = pcap_file(0xa1b2_c3d4, false, (2, 4), 65535, 1);
    pcap_rec(&mut f, false, (7_000, 0), (60, 60), &[], &frame(60, 5));
    pcap_rec(&mut f, false, (7_001, 0), (60, 60), &[], &frame(30, 6));
    files.push(("cut-short.pcap", f));
    let mut f = pcap_file(0xa1b2_c3d4, false, (2, 4), 65535, 1);
    pcap_rec(&mut f, false, (8_000, 0), (60, 60), &[], &frame(60, 7));
    pcap_rec(
        &mut f,
        false,
        (8_001, 0),
        (300_000, 300_000),
        &[],
        &frame(100, 8),
    );
    files.push(("absurd-length.pcap", f));

    // pcapng, both byte orders: 2^-20 s and 10^-12 s resolutions, an
    // offset, a link type tshark does not know, a second section.
    for be in [false, true] {
        let mut f = Vec::new();
        ng_shb(&mut f, be);
        ng_idb(&mut f, be, 1, 0, 0x80 | 20, 1_000);
        ng_idb(&mut f, be, 12, 0, 12, -5);
        ng_idb(&mut f, be, 182, 0, 6, 0);
        ng_epb(&mut f, be, 0, (1 << 20) * 77 + 12_345, &frame(60, 1), 60);
        ng_epb(&mut f, be, 1, 1_234_567_890_123_456_789, &frame(40, 2), 40);
        ng_epb(&mut f, be, 2, 3_000_001, &frame(10, 3), 10);
        ng_shb(&mut f, be);
        ng_idb(&mut f, be, 1, 0, 9, 0);
        ng_epb(&mut f, be, 0, 1_700_000_000_123_456_789, &frame(60, 4), 60);
        files.push((if be { "ng-be.pcapng" } else { "ng-le.pcapng" }, f.clone()));
        // Cut in the middle of the last block.
        f.truncate(f.len() - 10);
        files.push((
            if be {
                "ng-be-cut.pcapng"
            } else {
                "ng-le-cut.pcapng"
            },
            f,
        ));
    }

    let dir = std::env::temp_dir().join(format!("wirelab-pcap-syn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    for (name, bytes) in &files {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let (want, terr) = tshark(&path, FIELDS);
        let (got, err) = ours(&path);
        if want != got || terr.is_some() != err.is_some() {
            failures.push(format!(
                "{name}: tshark {want:?} {terr:?}\n  we {got:?} {:?}",
                err.map(|e| e.to_string())
            ));
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Counts this thread's heap allocations, to show that reading allocates
/// nothing per packet.
struct CountingAlloc;

thread_local! {
    static ALLOCS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

// SAFETY: forwards to the system allocator; the counter is a const-
// initialized thread-local without destructor, safe to touch here.
unsafe impl std::alloc::GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: same contract as ours.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

fn allocs() -> u64 {
    ALLOCS.with(|c| c.get())
}

#[test]
fn reading_allocates_nothing_per_packet() {
    // The counter sees allocations.
    let a = allocs();
    let v = std::hint::black_box(vec![1u8; 10]);
    assert!(allocs() > a && v.len() == 10);
    for f in ["filter-corpus.pcapng", "tcpdump/afs.pcap"] {
        let mut r = Reader::open(&captures_dir().join(f)).unwrap();
        // The first packet sizes the buffer.
        r.next_packet().unwrap().unwrap();
        let before = allocs();
        let (mut n, mut bytes) = (0u64, 0u64);
        while let Some(p) = r.next_packet().unwrap() {
            n += 1;
            bytes += p.data.iter().map(|&b| u64::from(b)).sum::<u64>();
            bytes += p.comments().map(|c| c.len() as u64).sum::<u64>();
        }
        assert!(n > 100, "{f}: {n} packets");
        assert_eq!(
            allocs() - before,
            0,
            "{f}: allocations while reading {n} packets ({bytes})"
        );
    }
}

#[test]
fn reader_is_send() {
    fn send<T: Send>() {}
    send::<Reader>();
    send::<Writer<Vec<u8>>>();
}
