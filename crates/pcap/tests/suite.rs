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
                        linktype::wtap_encap(p.linktype).map_or(String::new(), |e| e.to_string())
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
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 4);
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
/// they appear); returns the bytes and whether any timestamp had to be
/// normalized.
fn to_pcapng(path: &Path) -> Option<(Vec<u8>, bool)> {
    let mut r = Reader::open(path).ok()?;
    let mut w = Writer::pcapng(Vec::new()).unwrap();
    let mut written = 0;
    let mut odd = false;
    while let Ok(Some(p)) = r.next_packet() {
        while written <= p.interface_id as usize {
            let id = w.add_interface(&p.known_interfaces()[written]).unwrap();
            assert_eq!(id as usize, written);
            written += 1;
        }
        if p.ts_nanos >= 1_000_000_000 || !p.has_ts {
            odd = true;
        }
        if w.write_record(p.interface_id, &p).is_err() {
            return None;
        }
    }
    Some((w.finish().unwrap(), odd))
}

#[test]
fn round_trip_through_pcapng() {
    let files = all_captures();
    let mut checked = 0;
    for path in &files {
        let name = rel(path);
        let Ok(r) = Reader::open(path) else { continue };
        let (want, _) = read_all(r);
        let Some((bytes, _)) = to_pcapng(path) else {
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
        let Some((bytes, odd)) = to_pcapng(path) else {
            failures
                .lock()
                .unwrap()
                .push(format!("{name}: not writable"));
            return;
        };
        let out = dir.join(name.replace('/', "_") + ".pcapng");
        std::fs::write(&out, bytes).unwrap();
        let (mut want, _) = tshark(path, &fields);
        let (got, err) = tshark(&out, &fields);
        std::fs::remove_file(&out).ok();
        // Custom blocks are not written; records without a timestamp
        // (SPB) are written with time 0.
        want.retain(|r| !r.ends_with('\t'));
        for r in &mut want {
            if r.starts_with('\t') {
                r.insert_str(0, "0.000000000");
            }
        }
        if odd && want.len() == got.len() {
            // Out-of-range nanoseconds are normalized on writing; compare
            // the lengths and interfaces only.
            let strip = |v: &[String]| -> Vec<String> {
                v.iter()
                    .map(|r| r.split_once('\t').map_or(r.clone(), |x| x.1.to_owned()))
                    .collect()
            };
            want = strip(&want);
            let got = strip(&got);
            if want != got || err.is_some() {
                failures.lock().unwrap().push(format!("{name}: differs"));
            }
            return;
        }
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
        let (got, gerr) = read_all(Reader::new(Box::new(Dribble(Cursor::new(gz)))).unwrap());
        assert_eq!((&got, &gerr), (&want, &werr), "{f} gzip dribbled");
        let (got, gerr) = read_all(Reader::new(Box::new(Dribble(Cursor::new(raw)))).unwrap());
        assert_eq!((&got, &gerr), (&want, &werr), "{f} dribbled");
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
