//! End-to-end parity with tshark 4.0, independent of wirelab's dissectors:
//! the packets of `../shared/captures/filter-corpus.pcapng` are rebuilt from
//! tshark's own dissection (`tshark -T pdml`: every field with its value and
//! byte range), the fields are typed from tshark's registry (`tshark -G
//! fields`), and every filter of `../shared/filters/dev.txt` is evaluated by
//! wirelab-filter on those packets. The frames it selects must be the frames
//! tshark 4.0 selected (`../shared/golden/filters.tsv`).
//!
//! Needs `tshark` (a real peer, as the project's tests use them): without it
//! the test fails and says so.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

use wirelab_dissect::{Base, FieldDef, FieldRef, FieldType, Packet, Span, Src, Value, NIL};
use wirelab_filter::{compile_with, Filter, Resolver};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared");

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

fn ftype(t: &str) -> FieldType {
    match t {
        "FT_PROTOCOL" => FieldType::Protocol,
        "FT_NONE" => FieldType::None,
        "FT_BOOLEAN" => FieldType::Bool,
        "FT_UINT8" | "FT_CHAR" => FieldType::U8,
        "FT_UINT16" => FieldType::U16,
        "FT_UINT24" => FieldType::U24,
        "FT_UINT32" => FieldType::U32,
        "FT_UINT40" | "FT_UINT48" | "FT_UINT56" | "FT_UINT64" => FieldType::U64,
        "FT_INT8" => FieldType::I8,
        "FT_INT16" => FieldType::I16,
        "FT_INT24" | "FT_INT32" => FieldType::I32,
        "FT_INT40" | "FT_INT48" | "FT_INT56" | "FT_INT64" => FieldType::I64,
        "FT_FRAMENUM" => FieldType::FrameNum,
        "FT_FLOAT" => FieldType::Float,
        "FT_DOUBLE" => FieldType::Double,
        "FT_ABSOLUTE_TIME" => FieldType::AbsTime,
        "FT_RELATIVE_TIME" => FieldType::RelTime,
        "FT_ETHER" => FieldType::Ether,
        "FT_IPv4" => FieldType::Ipv4,
        "FT_IPv6" => FieldType::Ipv6,
        "FT_STRING" | "FT_STRINGZ" | "FT_UINT_STRING" | "FT_STRINGZPAD" | "FT_STRINGZTRUNC" => {
            FieldType::String
        }
        _ => FieldType::Bytes,
    }
}

/// tshark's field registry, as `FieldDef`s.
struct TsharkFields(HashMap<String, FieldRef>);

impl Resolver for TsharkFields {
    fn field(&self, name: &str) -> Option<FieldRef> {
        self.0.get(name).copied()
    }
}

/// Value names (`V`) and true/false names (`T`) from `tshark -G values`.
/// Extended value strings (`E`) are left out: tshark 4.0 does not match
/// filter literals against them either (`dns.qry.type == AAAA` fails).
type ValueNames = HashMap<String, Vec<(u64, &'static str)>>;
type TrueFalse = HashMap<String, (&'static str, &'static str)>;

fn tshark_values() -> (ValueNames, TrueFalse) {
    let out = Command::new("tshark")
        .args(["-G", "values"])
        .stderr(Stdio::null())
        .output()
        .expect("tshark is needed for this test: cannot run it");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut vals: ValueNames = HashMap::new();
    let mut tfs: TrueFalse = HashMap::new();
    for line in text.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        match cols.as_slice() {
            ["V", abbrev, v, name, ..] => {
                if let Ok(v) = v.parse::<u64>() {
                    vals.entry(abbrev.to_string())
                        .or_default()
                        .push((v, leak(name)));
                }
            }
            ["T", abbrev, t, f, ..] => {
                tfs.entry(abbrev.to_string()).or_insert((leak(t), leak(f)));
            }
            _ => {}
        }
    }
    (vals, tfs)
}

fn tshark_fields() -> TsharkFields {
    let (mut vals, tfs) = tshark_values();
    let out = Command::new("tshark")
        .args(["-G", "fields"])
        .stderr(Stdio::null())
        .output()
        .expect("tshark is needed for this test (the lead installs it; apt-get install tshark): cannot run it");
    assert!(out.status.success(), "tshark -G fields failed");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut map = HashMap::new();
    for line in text.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let (name, abbrev, ft) = match cols.as_slice() {
            ["P", name, abbrev, ..] => (*name, *abbrev, FieldType::Protocol),
            ["F", name, abbrev, t, ..] => (*name, *abbrev, ftype(t)),
            _ => continue,
        };
        if map.contains_key(abbrev) {
            continue; // the first registration of a name wins
        }
        let mut def = FieldDef::new(leak(abbrev), leak(name), ft);
        if ft == FieldType::Protocol {
            def = def.with_base(Base::None);
        }
        if let Some(v) = vals.remove(abbrev) {
            def = def.with_strings(Box::leak(v.into_boxed_slice()));
        }
        if let Some((t, f)) = tfs.get(abbrev) {
            def = def.with_tfs(t, f);
        }
        let def: FieldRef = Box::leak(Box::new(def));
        map.insert(abbrev.to_string(), def);
    }
    TsharkFields(map)
}

/// Frame bytes of a pcapng file (Enhanced and Simple Packet Blocks).
fn pcapng_frames(path: &str) -> Vec<Vec<u8>> {
    let d = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let mut frames = Vec::new();
    let mut off = 0usize;
    let mut le = true;
    while off + 12 <= d.len() {
        let raw_type = [d[off], d[off + 1], d[off + 2], d[off + 3]];
        if raw_type == [0x0a, 0x0d, 0x0d, 0x0a] {
            le = d.get(off + 8..off + 12) == Some(&[0x4d, 0x3c, 0x2b, 0x1a][..]);
        }
        let u32_at = |o: usize| -> usize {
            let b = [d[o], d[o + 1], d[o + 2], d[o + 3]];
            (if le {
                u32::from_le_bytes(b)
            } else {
                u32::from_be_bytes(b)
            }) as usize
        };
        let btype = u32_at(off);
        let blen = u32_at(off + 4);
        assert!(
            blen >= 12 && off + blen <= d.len(),
            "bad pcapng block at {off}"
        );
        match btype {
            6 => {
                let cap = u32_at(off + 20);
                frames.push(d[off + 28..off + 28 + cap].to_vec());
            }
            3 => {
                let orig = u32_at(off + 8);
                let cap = orig.min(blen - 16);
                frames.push(d[off + 12..off + 12 + cap].to_vec());
            }
            _ => {}
        }
        off += blen;
    }
    frames
}

fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(end) = tail.find(';') else {
            out.push_str(tail);
            return out;
        };
        let ent = &tail[1..end];
        let ch = match ent {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ if ent.starts_with("#x") => u32::from_str_radix(&ent[2..], 16)
                .ok()
                .and_then(char::from_u32),
            _ if ent.starts_with('#') => ent[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match ch {
            Some(c) => out.push(c),
            None => out.push_str(&tail[..=end]),
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

fn attrs(tag: &str) -> HashMap<&str, String> {
    let mut m = HashMap::new();
    let mut rest = tag;
    while let Some(eq) = rest.find("=\"") {
        let key = rest[..eq].rsplit(' ').next().unwrap_or("").trim();
        let after = &rest[eq + 2..];
        let Some(close) = after.find('"') else { break };
        m.insert(key, unescape(&after[..close]));
        rest = &after[close + 1..];
    }
    m
}

fn parse_int(s: &str) -> Option<i128> {
    let (neg, t) = match s.strip_prefix('-') {
        Some(t) => (true, t),
        None => (false, s),
    };
    let v = if let Some(h) = t.strip_prefix("0x") {
        u64::from_str_radix(h, 16).ok()? as i128
    } else {
        t.parse::<u64>().ok()? as i128
    };
    Some(if neg { -v } else { v })
}

fn hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The value of a PDML field, in the form wirelab's dissectors give it.
fn value(
    p: &mut Packet,
    frame: &[u8],
    f: FieldRef,
    a: &HashMap<&str, String>,
    pos: u32,
    size: u32,
) -> Value {
    let show = a.get("show").map(String::as_str).unwrap_or("");
    match f.ftype {
        FieldType::Protocol | FieldType::None => Value::None,
        FieldType::Bool => Value::UInt(parse_int(show).map(|v| (v != 0) as u64).unwrap_or(0)),
        FieldType::I8 | FieldType::I16 | FieldType::I32 | FieldType::I64 => parse_int(show)
            .map(|v| Value::Int(v as i64))
            .unwrap_or(Value::None),
        t if t.is_integer() => parse_int(show)
            .map(|v| Value::UInt(v as u64))
            .unwrap_or(Value::None),
        FieldType::Float | FieldType::Double => {
            show.parse().map(Value::Double).unwrap_or(Value::None)
        }
        FieldType::RelTime => {
            let neg = show.starts_with('-');
            let t = show.trim_start_matches('-');
            let (s, n) = t.split_once('.').unwrap_or((t, "0"));
            let secs: i64 = s.parse().unwrap_or(0);
            let mut nanos: u32 = format!("{n:0<9}")
                .get(..9)
                .and_then(|x| x.parse().ok())
                .unwrap_or(0);
            let mut secs = secs;
            if neg {
                secs = -secs;
                if nanos > 0 {
                    secs -= 1;
                    nanos = 1_000_000_000 - nanos;
                }
            }
            Value::Time { secs, nanos }
        }
        FieldType::AbsTime => Value::Time { secs: 0, nanos: 0 },
        FieldType::Ether => match hex(&show.replace(':', "")) {
            Some(b) if b.len() == 6 => Value::Ether([b[0], b[1], b[2], b[3], b[4], b[5]]),
            _ => Value::None,
        },
        FieldType::Ipv4 => show
            .parse::<std::net::Ipv4Addr>()
            .map(|a| Value::Ipv4(a.octets()))
            .unwrap_or(Value::None),
        FieldType::Ipv6 => show
            .parse::<std::net::Ipv6Addr>()
            .map(|a| Value::Ipv6(a.octets()))
            .unwrap_or(Value::None),
        FieldType::String => p.str_value(show),
        _ => {
            let bytes = a.get("value").and_then(|v| hex(v)).unwrap_or_default();
            let (s, e) = (pos as usize, pos as usize + size as usize);
            if frame.get(s..e) == Some(&bytes[..]) {
                Value::Bytes(Span {
                    src: Src::Data(0),
                    start: pos,
                    len: size,
                })
            } else if p.sources.len() < 250 {
                p.sources
                    .push(("pdml".to_string(), Arc::from(bytes.clone())));
                Value::Bytes(Span {
                    src: Src::Data(p.sources.len() as u8),
                    start: 0,
                    len: bytes.len() as u32,
                })
            } else {
                Value::None
            }
        }
    }
}

/// Filters beyond dev.txt that exercise the rest of the language; their
/// expected frames come from running tshark on the capture with each.
const EXTRA: &[&str] = &[
    "tcp.port === 80",
    "tcp.port !== 80",
    "tcp.port ~= 80",
    "udp.port any_ne 53",
    "ip.addr all_eq 10.0.0.1",
    "tcp.port not in {80, 443}",
    "frame.number in {1..10, 20, 30..35}",
    "ip.ttl in {64, 128, 255}",
    "frame[-4:] == 00:00:00:00",
    "frame[12:2] == 08:00",
    "frame[12-13] == 86:dd",
    "eth.src[0:3,5] == 00:1f:29:79",
    "eth.dst[0] & 1 == 1",
    "eth.dst[0] & 01",
    "tcp.flags & 0x02",
    "{frame.len - ip.len} == 14",
    "-ip.ttl == -64",
    "abs(-ip.ttl) == 64",
    "max(tcp.srcport, tcp.dstport) == 80",
    "min(tcp.srcport, tcp.dstport) < 1024",
    "string(tcp.port) == \"80\"",
    "string(ip.src) == \"10.0.0.1\"",
    "string(eth.type) == \"0x0800\"",
    "len(dns.qry.name) == 10",
    "count(tcp.port) == 2",
    "ip.proto == \"UDP\"",
    "ip.proto == ICMP",
    "tcp.flags.syn == \"Set\"",
    "tcp.flags.syn == True",
    "ip.flags.df == 1 && ip.flags.mf == 0",
    "dns.qry.name matches \"(?-i)COM$\"",
    "dns.qry.name matches \"^[a-z]+\\\\.\"",
    "frame matches \"(?-i)HOST:\"",
    "http.request.uri matches r\"\\.(png|jpg|gif)$\"",
    "tcp.payload[0:4] == \"HTTP\"",
    "tcp.payload contains 0d:0a:0d:0a",
    "ipv6.src == fe80::/10 && ipv6.dst == ff02::/16",
    "ip.addr#1 == 10.0.0.1",
    "ip.src#2",
    "ip#2",
    "ip.ttl == -1",
    "ip.ttl > -1",
    "frame.len > 1000 and not tcp",
    "udp.srcport == 53 && dns.flags.response == 0",
    "lower(http.host) == \"localhost\"",
    "upper(dns.qry.name) contains \"WWW\"",
    "frame.time_relative >= 10.5",
    "frame.time_delta > 0.5",
    "frame.time_relative + 1 > 30",
    "tcp.window_size_value < 100 && tcp.len > 0",
    "eth.addr == ff:ff:ff:ff:ff:ff",
    "eth.src == 00-1f-29-da-2d-79",
    "tcp.stream in {0..5}",
    "dns.resp.ttl < 0x100",
    "ip.dsfield.dscp != 0",
    "http.request.method == GET",
    "dns.qry.name == 'a'",
    "tcp.seq == tcp.ack",
    "ip.len * 2 / 4 % 3 == 1",
    "tcp.srcport - tcp.dstport < 0",
    "tcp.payload > 47",
    "frame[0:2] > 00:00",
    "http.host contains http.request.uri",
    "tcp.payload matches \"^get\"",
    "frame contains 'G'",
    "ip.src in {10.0.0.1..10.0.0.255}",
    "len(eth.src) == 6",
    "string(frame.number) matches \"^1\"",
    "!(tcp.port == 80) && tcp",
    "tcp.analysis.ack_rtt > 0.1",
    "ip.src == 10.0.0.0/8 && ip.dst in {10.0.0.0/8, 192.168.0.0/16}",
    "ip.id > ip.ttl",
    "tcp.payload[-2:] == 0d:0a",
    "frame[0:6] == ff:ff:ff:ff:ff:ff",
    "eth.dst == frame[0:6]",
    "abs(tcp.srcport - tcp.dstport) < 10",
    "max(ip.ttl, 100) == 100",
    "tcp.seq + tcp.len == tcp.nxtseq",
    "ip.flags & 0x40",
    "ip.checksum.status == \"Unverified\"",
    "ipv6.addr == ::/0",
    "ip.addr == 0.0.0.0/0",
    "ip.ttl >= 0x40 && ip.ttl <= 0100",
    "frame.len == 0b111100",
    "dns.qry.name contains \"google\" || dns.qry.name ~ \"facebook\"",
    "dhcp.option.dhcp == \"Discover\"",
    "arp.opcode == \"request\"",
    "frame.protocols contains \"dns\"",
    "frame.protocols == \"eth:ethertype:arp\"",
    "udp.payload[0] == 0x00",
    "tcp.payload[0] == 'G'",
    "ip.len in {1..100, 1000..1500}",
    "tcp.hdr_len > 20 && tcp.options.mss_val",
    "dns.a in {10.0.0.0/8}",
    "dns.resp.name == dns.qry.name",
    "lower(dns.qry.name) == dns.qry.name",
    "upper(dns.qry.name) != dns.qry.name",
    "tcp.srcport in {tcp.dstport}",
    "frame[20:1] & 0x10",
    "frame[20:1] & 16",
    "frame[20:1] & 0a",
    "frame[0:1] == 0xff",
    "ip.src[0] == 0a",
    "ipv6.src[0:2] == fe:80",
];

/// The frames tshark selects with `filter`.
fn tshark_select(capture: &str, filter: &str) -> Vec<u32> {
    let out = Command::new("tshark")
        .args([
            "-r",
            capture,
            "-Y",
            filter,
            "-T",
            "fields",
            "-e",
            "frame.number",
        ])
        .stderr(Stdio::null())
        .output()
        .expect("run tshark -Y");
    assert!(out.status.success(), "tshark rejected {filter:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// Frame numbers as `1-3,7,9-12`.
fn ranges(v: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
            j += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        if j > i {
            out.push_str(&format!("{}-{}", v[i], v[j]));
        } else {
            out.push_str(&v[i].to_string());
        }
        i = j + 1;
    }
    out
}

fn unranges(s: &str) -> Vec<u32> {
    let mut v = Vec::new();
    for part in s.split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (u32, u32) = (
                    a.parse().expect("range start"),
                    b.parse().expect("range end"),
                );
                v.extend(a..=b);
            }
            None => v.push(part.parse().expect("frame number")),
        }
    }
    v
}

const EXTRA_GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/extra-filters.tsv");

/// The frames tshark 4.0 selects with each of [`EXTRA`], from
/// `tests/extra-filters.tsv`; with `WIRELAB_REGEN_FILTER_GOLDEN=1` they are
/// measured again with tshark and the file is rewritten.
fn extra_golden(capture: &str) -> HashMap<String, Vec<u32>> {
    if std::env::var_os("WIRELAB_REGEN_FILTER_GOLDEN").is_some() {
        let mut text = String::from("# Frames of captures/filter-corpus.pcapng that tshark 4.0 selects (tests/tshark_parity.rs).\n");
        for f in EXTRA {
            text.push_str(&format!("{f}\t{}\n", ranges(&tshark_select(capture, f))));
        }
        std::fs::write(EXTRA_GOLDEN, text).expect("write tests/extra-filters.tsv");
    }
    let text = std::fs::read_to_string(EXTRA_GOLDEN).expect(
        "tests/extra-filters.tsv is missing: run this test with WIRELAB_REGEN_FILTER_GOLDEN=1",
    );
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .map(|(f, r)| (f.to_string(), unranges(r)))
        .collect()
}

#[test]
fn dev_filters_select_the_frames_tshark_selects() {
    let fields = tshark_fields();
    assert!(
        fields.0.len() > 100_000,
        "tshark -G fields gave only {} fields",
        fields.0.len()
    );
    let capture = format!("{SHARED}/captures/filter-corpus.pcapng");
    let frames = pcapng_frames(&capture);

    let dev = std::fs::read_to_string(format!("{SHARED}/filters/dev.txt"))
        .expect("read ../shared/filters/dev.txt");
    let golden_text = std::fs::read_to_string(format!("{SHARED}/golden/filters.tsv"))
        .expect("read ../shared/golden/filters.tsv");
    let mut golden: HashMap<&str, Vec<u32>> = golden_text
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(f, list)| {
            (
                f,
                list.split(',')
                    .filter(|x| !x.is_empty())
                    .filter_map(|x| x.parse().ok())
                    .collect(),
            )
        })
        .collect();
    let extra = extra_golden(&capture);
    for f in EXTRA {
        let want = extra
            .get(*f)
            .unwrap_or_else(|| panic!("{f:?} is not in tests/extra-filters.tsv: regenerate it (WIRELAB_REGEN_FILTER_GOLDEN=1)"));
        golden.insert(f, want.clone());
    }
    let filters: Vec<(String, Filter)> = dev
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .chain(EXTRA.iter().copied())
        .map(|l| {
            let f = compile_with(l, &fields).unwrap_or_else(|e| panic!("{}", e.render(l)));
            (l.to_string(), f)
        })
        .collect();
    let mut selected: Vec<Vec<u32>> = vec![Vec::new(); filters.len()];

    let mut child = Command::new("tshark")
        .args(["-r", &capture, "-T", "pdml"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run tshark -T pdml");
    let out = child.stdout.take().expect("tshark stdout");
    let mut p = Packet::new();
    let mut stack: Vec<u32> = Vec::new();
    let mut number = 0u32;
    for line in BufReader::new(out).lines() {
        let line = line.expect("read pdml");
        let t = line.trim_start();
        if t.starts_with("<packet>") {
            p.clear();
            stack.clear();
            number += 1;
        } else if t.starts_with("</packet>") {
            let frame = frames
                .get(number as usize - 1)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            for (k, (_, f)) in filters.iter().enumerate() {
                if f.matches(&p, frame) {
                    selected[k].push(number);
                }
            }
        } else if t.starts_with("</proto>") || t.starts_with("</field>") {
            stack.pop();
        } else if t.starts_with("<proto ") || t.starts_with("<field ") {
            let a = attrs(t);
            let parent = stack.last().copied().unwrap_or(NIL);
            let name = a.get("name").map(String::as_str).unwrap_or("");
            let id = match fields.0.get(name) {
                Some(&f) => {
                    let pos: u32 = a.get("pos").and_then(|v| v.parse().ok()).unwrap_or(0);
                    let size: u32 = a.get("size").and_then(|v| v.parse().ok()).unwrap_or(0);
                    let frame = frames
                        .get(number as usize - 1)
                        .map(Vec::as_slice)
                        .unwrap_or(&[]);
                    let v = value(&mut p, frame, f, &a, pos, size);
                    p.add_under(parent, f, 0, pos, size, v)
                }
                None => parent,
            };
            if !t.ends_with("/>") {
                stack.push(id);
            }
        }
    }
    let _ = child.wait();
    assert_eq!(
        number as usize,
        frames.len(),
        "PDML and pcapng disagree on the frame count"
    );

    let mut wrong = Vec::new();
    for (k, (text, _)) in filters.iter().enumerate() {
        let Some(want) = golden.get(text.as_str()) else {
            wrong.push(format!("{text}: no golden line"));
            continue;
        };
        if &selected[k] != want {
            let extra: Vec<u32> = selected[k]
                .iter()
                .filter(|x| !want.contains(x))
                .take(5)
                .copied()
                .collect();
            let missing: Vec<u32> = want
                .iter()
                .filter(|x| !selected[k].contains(x))
                .take(5)
                .copied()
                .collect();
            wrong.push(format!(
                "{text}: {} selected, tshark {} (extra e.g. {extra:?}, missing e.g. {missing:?})",
                selected[k].len(),
                want.len()
            ));
        }
    }
    println!(
        "{} of {} filters agree with tshark",
        filters.len() - wrong.len(),
        filters.len()
    );
    assert!(
        wrong.is_empty(),
        "{} filters disagree with tshark:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
