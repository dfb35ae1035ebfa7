//! `-z follow,tcp|udp|http,ascii|hex|raw,STREAM` (or
//! `…,ADDR:PORT,ADDR:PORT`): one stream's payload, chunk by chunk, as
//! tshark 4.0 prints it.
//!
//! `follow,http` shows what Wireshark's HTTP follow tap gets for each HTTP
//! message of the TCP stream: the start line and headers as one chunk, then
//! the body de-chunked and, for `gzip` or `deflate` content encoding,
//! decompressed (the compressed bytes when that fails).
//!
//! TCP data is put in sequence order per direction the way tshark's follow
//! tap does: bytes already delivered (retransmissions, overlaps) are cut,
//! segments that arrive early wait until the gap before them fills, and a
//! gap the other side acknowledges becomes `[N bytes missing in capture
//! file]`.

use std::io::{self, Write};
use std::net::IpAddr;

use wirelab_dissect::{FieldRef, Packet, Value};

use crate::{util, Error, Tap, Want};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Proto {
    Tcp,
    Udp,
    Http,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Ascii,
    Hex,
    Raw,
}

/// Which packets belong to the stream.
enum Target {
    Stream(u64),
    Pair((IpAddr, u16), (IpAddr, u16)),
}

struct Record {
    server: bool,
    seq: u32,
    data: Vec<u8>,
}

/// Fields the follow tap reads.
struct Fields {
    stream: FieldRef,
    sport: FieldRef,
    dport: FieldRef,
    payload: FieldRef,
    ip_src: FieldRef,
    ip_dst: FieldRef,
    ip6_src: FieldRef,
    ip6_dst: FieldRef,
    seq: FieldRef,
    ack: FieldRef,
    len: FieldRef,
    flags: FieldRef,
    /// HTTP messages and their parts (`follow,http`).
    http: Vec<FieldRef>,
}

/// The follow-stream tap.
pub(crate) struct Follow {
    proto: Proto,
    mode: Mode,
    target: Target,
    f: Fields,
    client: Option<(IpAddr, u16)>,
    server: Option<(IpAddr, u16)>,
    seq: [u32; 2],
    seq_set: [bool; 2],
    fragments: [Vec<Record>; 2],
    payload: Vec<Record>,
}

fn lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

fn gt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

fn parse_endpoint(s: &str) -> Option<(IpAddr, u16)> {
    let (a, p) = s.rsplit_once(':')?;
    let a = a.trim_start_matches('[').trim_end_matches(']');
    Some((a.parse().ok()?, p.parse().ok()?))
}

impl Follow {
    pub(crate) fn new(spec: &str) -> Result<Self, Error> {
        let parts: Vec<&str> = spec.split(',').collect();
        let usage = "expected follow,tcp|udp,ascii|hex|raw,STREAM or ADDR:PORT,ADDR:PORT";
        if parts.len() < 4 {
            return Err(Error::bad_spec(spec, usage));
        }
        let proto = match parts[1] {
            "tcp" => Proto::Tcp,
            "udp" => Proto::Udp,
            "http" => Proto::Http,
            _ => {
                return Err(Error::bad_spec(
                    spec,
                    "wirelab follows tcp, udp and http streams",
                ))
            }
        };
        let mode = match parts[2] {
            "ascii" => Mode::Ascii,
            "hex" => Mode::Hex,
            "raw" => Mode::Raw,
            _ => return Err(Error::bad_spec(spec, "modes: ascii, hex, raw")),
        };
        let target = if parts.len() == 4 {
            match parts[3].parse() {
                Ok(n) => Target::Stream(n),
                Err(_) => return Err(Error::bad_spec(spec, usage)),
            }
        } else if parts.len() == 5 {
            match (parse_endpoint(parts[3]), parse_endpoint(parts[4])) {
                (Some(a), Some(b)) => Target::Pair(a, b),
                _ => return Err(Error::bad_spec(spec, usage)),
            }
        } else {
            return Err(Error::bad_spec(spec, usage));
        };
        let p = if proto == Proto::Udp { "udp" } else { "tcp" };
        let g = |n: &str| util::field(spec, n);
        let f = Fields {
            stream: g(&format!("{p}.stream"))?,
            sport: g(&format!("{p}.srcport"))?,
            dport: g(&format!("{p}.dstport"))?,
            payload: g(&format!("{p}.payload"))?,
            ip_src: g("ip.src")?,
            ip_dst: g("ip.dst")?,
            ip6_src: g("ipv6.src")?,
            ip6_dst: g("ipv6.dst")?,
            seq: g("tcp.seq")?,
            ack: g("tcp.ack")?,
            len: g("tcp.len")?,
            flags: g("tcp.flags")?,
            http: if proto == Proto::Http {
                HTTP_FIELDS
                    .iter()
                    .flat_map(|name| {
                        wirelab_dissect::registry()
                            .all()
                            .iter()
                            .copied()
                            .filter(move |f| f.abbrev == *name)
                    })
                    .collect()
            } else {
                Vec::new()
            },
        };
        Ok(Follow {
            proto,
            mode,
            target,
            f,
            client: None,
            server: None,
            seq: [0; 2],
            seq_set: [false; 2],
            fragments: Default::default(),
            payload: Vec::new(),
        })
    }

    fn filter_text(&self) -> String {
        let p = if self.proto == Proto::Udp {
            "udp"
        } else {
            "tcp"
        };
        match &self.target {
            Target::Stream(n) => format!("{p}.stream eq {n}"),
            Target::Pair((a, pa), (b, pb)) => {
                let ip = |x: &IpAddr| if x.is_ipv4() { "ip" } else { "ipv6" };
                format!(
                    "(({ia}.src eq {a} and {p}.srcport eq {pa}) and ({ib}.dst eq {b} and {p}.dstport eq {pb})) or (({ib}.src eq {b} and {p}.srcport eq {pb}) and ({ia}.dst eq {a} and {p}.dstport eq {pa}))",
                    ia = ip(a),
                    ib = ip(b),
                )
            }
        }
    }

    /// Tshark's `check_follow_fragments`: moves one waiting segment of
    /// direction `dir` into the stream if it now fits; with `ack`, a gap the
    /// peer acknowledged becomes a "missing" marker.
    fn check_fragments(&mut self, dir: usize, ack: Option<u32>) -> bool {
        let Some(first) = self.fragments[dir].first() else {
            return false;
        };
        let mut lowest = first.seq;
        for i in 0..self.fragments[dir].len() {
            let fseq = self.fragments[dir][i].seq;
            if gt(lowest, fseq) {
                lowest = fseq;
            }
            if lt(fseq, self.seq[dir]) {
                let frag = self.fragments[dir].remove(i);
                let newseq = fseq.wrapping_add(frag.data.len() as u32);
                if gt(newseq, self.seq[dir]) {
                    let new_pos = self.seq[dir].wrapping_sub(fseq) as usize;
                    if frag.data.len() > new_pos {
                        let data = frag.data[new_pos..].to_vec();
                        self.payload.push(Record {
                            server: dir == 1,
                            seq: self.seq[dir].wrapping_add(data.len() as u32),
                            data,
                        });
                    }
                    self.seq[dir] = newseq;
                }
                return true;
            }
            if fseq == self.seq[dir] {
                let frag = self.fragments[dir].remove(i);
                self.seq[dir] = self.seq[dir].wrapping_add(frag.data.len() as u32);
                if !frag.data.is_empty() {
                    self.payload.push(frag);
                }
                return true;
            }
        }
        if let Some(ack) = ack {
            if gt(ack, lowest) {
                let missing = lowest.wrapping_sub(self.seq[dir]) as i32;
                let mut data = format!("[{missing} bytes missing in capture file]").into_bytes();
                data.push(0);
                self.payload.push(Record {
                    server: dir == 1,
                    seq: lowest,
                    data,
                });
                self.seq[dir] = lowest;
                return true;
            }
        }
        false
    }

    fn tcp_segment(
        &mut self,
        server: bool,
        seq: u32,
        ack: u32,
        syn: bool,
        seglen: u32,
        data: &[u8],
    ) {
        let dir = server as usize;
        let mut sequence = if syn { seq.wrapping_add(1) } else { seq };
        let mut length = seglen;
        let mut offset = 0usize;
        let mut dlen = data.len();
        if !self.fragments[1 - dir].is_empty() {
            while self.check_fragments(1 - dir, Some(ack)) {}
        }
        if !self.seq_set[dir] {
            self.seq[dir] = sequence;
            self.seq_set[dir] = true;
        }
        if lt(sequence, self.seq[dir]) {
            let nextseq = sequence.wrapping_add(length);
            if gt(nextseq, self.seq[dir]) {
                offset = self.seq[dir].wrapping_sub(sequence) as usize;
                dlen = dlen.saturating_sub(offset);
                sequence = self.seq[dir];
                length = nextseq.wrapping_sub(self.seq[dir]);
            }
        }
        if dlen == 0 || lt(sequence, self.seq[dir]) {
            return;
        }
        let bytes = data.get(offset..offset + dlen).unwrap_or(&[]).to_vec();
        let rec = Record {
            server,
            seq: sequence,
            data: bytes,
        };
        if sequence == self.seq[dir] {
            self.seq[dir] = self.seq[dir].wrapping_add(length);
            self.payload.push(rec);
            while self.check_fragments(dir, None) {}
        } else {
            self.fragments[dir].push(rec);
        }
    }

    fn write_chunk(&self, r: &Record, pos: &mut u64, out: &mut dyn Write) -> io::Result<()> {
        let tab = if r.server { "\t" } else { "" };
        match self.mode {
            Mode::Ascii => {
                writeln!(out, "{tab}{}", r.data.len())?;
                let text: Vec<u8> = r
                    .data
                    .iter()
                    .map(|&b| match b {
                        b'\r' | b'\n' => b,
                        b if (0x20..0x7f).contains(&b) => b,
                        _ => b'.',
                    })
                    .collect();
                out.write_all(&text)?;
                writeln!(out)?;
            }
            Mode::Raw => {
                let mut s = String::with_capacity(r.data.len() * 2 + 2);
                s.push_str(tab);
                wirelab_dissect::packet::fmt_hex(&r.data, None, &mut s);
                writeln!(out, "{s}")?;
            }
            Mode::Hex => {
                for (i, line) in r.data.chunks(16).enumerate() {
                    let mut hex = String::with_capacity(50);
                    let mut asc = String::with_capacity(17);
                    for (j, &b) in line.iter().enumerate() {
                        if j == 8 {
                            hex.push(' ');
                            asc.push(' ');
                        }
                        hex.push_str(&format!("{b:02x} "));
                        asc.push(if (0x20..0x7f).contains(&b) {
                            b as char
                        } else {
                            '.'
                        });
                    }
                    writeln!(out, "{tab}{:08X}  {hex:<49} {asc}", *pos + (i as u64) * 16)?;
                }
                *pos += r.data.len() as u64;
            }
        }
        Ok(())
    }
}

/// The fields `follow,http` reads besides the TCP ones.
const HTTP_FIELDS: &[&str] = &[
    "http",
    "http.request.method",
    "http.response.code",
    "http.content_encoding",
    "http.file_data",
];

/// What Wireshark's HTTP follow tap gets from one packet: per HTTP message
/// (not binary data after HTTP, which returns before the tap), the start
/// line and headers up to and with the blank line, then the body (the
/// `http.file_data` bytes, de-chunked), decompressed for `gzip` and
/// `deflate` content encodings.
fn http_chunks(pkt: &Packet, data: &[u8]) -> Vec<Vec<u8>> {
    struct Msg<'a> {
        buf: &'a [u8],
        start: usize,
        end: usize,
        is_reqresp: bool,
        encoding: Option<String>,
        body: Option<&'a [u8]>,
    }
    let mut msgs: Vec<Msg<'_>> = Vec::new();
    for n in &pkt.nodes {
        match n.field.abbrev {
            "http" => {
                let buf = pkt.source(data, n.ds);
                let start = n.start as usize;
                let printable = buf.get(start).is_some_and(|b| (0x20..0x7f).contains(b));
                if printable {
                    msgs.push(Msg {
                        buf,
                        start,
                        end: start.saturating_add(n.len as usize).min(buf.len()),
                        is_reqresp: false,
                        encoding: None,
                        body: None,
                    });
                } else {
                    // Pushes a marker so the parts below are not taken
                    // for the previous message.
                    msgs.push(Msg {
                        buf: &[],
                        start: 0,
                        end: 0,
                        is_reqresp: false,
                        encoding: None,
                        body: None,
                    });
                }
            }
            "http.request.method" | "http.response.code" => {
                if let Some(m) = msgs.last_mut() {
                    m.is_reqresp = true;
                }
            }
            "http.content_encoding" => {
                if let (Some(m), Value::Str(sp)) = (msgs.last_mut(), n.value) {
                    m.encoding
                        .get_or_insert_with(|| pkt.span_str(data, sp).trim().to_ascii_lowercase());
                }
            }
            "http.file_data" => {
                if let Some(m) = msgs.last_mut() {
                    if m.body.is_none() {
                        let src = pkt.source(data, n.ds);
                        let s = (n.start as usize).min(src.len());
                        let e = s.saturating_add(n.len as usize).min(src.len());
                        m.body = src.get(s..e);
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for m in msgs {
        if m.buf.is_empty() {
            continue;
        }
        let end = header_end(m.buf, m.start, m.is_reqresp);
        out.push(m.buf.get(m.start..end).unwrap_or(&[]).to_vec());
        // Text after HTTP that is no message: all of it after the header
        // loop is the body.
        let rest = m.buf.get(end..m.end).filter(|_| !m.is_reqresp);
        if let Some(body) = m.body.or(rest).filter(|b| !b.is_empty()) {
            let plain = match m.encoding.as_deref() {
                Some("gzip" | "x-gzip" | "deflate") => inflate(body),
                _ => None,
            };
            out.push(plain.unwrap_or_else(|| body.to_vec()));
        }
    }
    out
}

/// Where Wireshark's HTTP header loop stops: after the blank line, or
/// before the first line that is neither the start line nor a header.
fn header_end(buf: &[u8], start: usize, is_reqresp: bool) -> usize {
    let mut off = start.min(buf.len());
    let mut first = true;
    while off < buf.len() {
        let rest = &buf[off..];
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                let l = if i > 0 && rest[i - 1] == b'\r' {
                    i - 1
                } else {
                    i
                };
                (&rest[..l], off + i + 1)
            }
            None => (rest, buf.len()),
        };
        if line.is_empty() {
            return next;
        }
        let header = line
            .iter()
            .position(|&b| b == b':')
            .is_some_and(|c| c > 0 && line[..c].iter().all(|&b| b > 0x20 && b < 0x7f));
        if !(header || (first && is_reqresp)) {
            return off;
        }
        first = false;
        off = next;
    }
    off
}

/// Wireshark's `tvb_uncompress`: zlib or gzip (detected), else raw
/// deflate; what was inflated before an error still counts.
fn inflate(body: &[u8]) -> Option<Vec<u8>> {
    use std::io::Read;
    let attempt = |r: &mut dyn Read| {
        let mut v = Vec::new();
        // Bounded: a body inflates to at most 64 MiB here.
        let res = r.take(64 << 20).read_to_end(&mut v);
        match res {
            Ok(_) => Some(v),
            Err(_) if !v.is_empty() => Some(v),
            Err(_) => None,
        }
    };
    if body.starts_with(&[0x1f, 0x8b]) {
        return attempt(&mut flate2::read::MultiGzDecoder::new(body));
    }
    attempt(&mut flate2::read::ZlibDecoder::new(body))
        .or_else(|| attempt(&mut flate2::read::DeflateDecoder::new(body)))
}

fn ip_of(v: &Value) -> Option<IpAddr> {
    match *v {
        Value::Ipv4(a) => Some(IpAddr::from(a)),
        Value::Ipv6(a) => Some(IpAddr::from(a)),
        _ => None,
    }
}

impl Tap for Follow {
    fn want(&self) -> Want {
        let f = &self.f;
        let mut w = vec![
            f.stream, f.sport, f.dport, f.payload, f.ip_src, f.ip_dst, f.ip6_src, f.ip6_dst, f.seq,
            f.ack, f.len, f.flags,
        ];
        w.extend_from_slice(&f.http);
        Want::Fields(w)
    }

    fn packet(&mut self, pkt: &Packet, data: &[u8]) {
        let f = &self.f;
        let (mut src, mut dst) = (None, None);
        let (mut sport, mut dport, mut stream) = (None, None, None);
        let (mut seq, mut ack, mut len, mut flags) = (None, None, None, None);
        let mut payload: &[u8] = &[];
        let uint = |v: &Value| match *v {
            Value::UInt(x) => Some(x),
            _ => None,
        };
        for n in &pkt.nodes {
            let is = |g: FieldRef| std::ptr::eq(n.field, g);
            if (is(f.ip_src) || is(f.ip6_src)) && stream.is_none() {
                src = ip_of(&n.value);
            } else if (is(f.ip_dst) || is(f.ip6_dst)) && stream.is_none() {
                dst = ip_of(&n.value);
            } else if is(f.sport) && sport.is_none() {
                sport = uint(&n.value);
            } else if is(f.dport) && dport.is_none() {
                dport = uint(&n.value);
            } else if is(f.stream) && stream.is_none() {
                stream = uint(&n.value);
            } else if self.proto == Proto::Tcp && is(f.seq) && seq.is_none() {
                seq = uint(&n.value);
            } else if self.proto == Proto::Tcp && is(f.ack) && ack.is_none() {
                ack = uint(&n.value);
            } else if self.proto == Proto::Tcp && is(f.len) && len.is_none() {
                len = uint(&n.value);
            } else if self.proto == Proto::Tcp && is(f.flags) && flags.is_none() {
                flags = uint(&n.value);
            } else if is(f.payload) && payload.is_empty() {
                if let Value::Bytes(sp) = n.value {
                    payload = pkt.span_bytes(data, sp);
                }
            }
        }
        let (Some(src), Some(dst), Some(sport), Some(dport), Some(stream)) =
            (src, dst, sport, dport, stream)
        else {
            return;
        };
        let (sport, dport) = (sport as u16, dport as u16);
        let wanted = match &self.target {
            Target::Stream(n) => *n == stream,
            Target::Pair(a, b) => {
                ((src, sport) == *a && (dst, dport) == *b)
                    || ((src, sport) == *b && (dst, dport) == *a)
            }
        };
        if !wanted {
            return;
        }
        if self.proto == Proto::Http {
            let chunks = http_chunks(pkt, data);
            if chunks.is_empty() {
                return;
            }
            if self.client.is_none() {
                self.client = Some((src, sport));
                self.server = Some((dst, dport));
            }
            let server = self.client != Some((src, sport));
            for data in chunks {
                self.payload.push(Record {
                    server,
                    seq: 0,
                    data,
                });
            }
            return;
        }
        if self.client.is_none() {
            self.client = Some((src, sport));
            self.server = Some((dst, dport));
        }
        let server = self.client != Some((src, sport));
        match self.proto {
            Proto::Udp | Proto::Http => self.payload.push(Record {
                server,
                seq: 0,
                data: payload.to_vec(),
            }),
            Proto::Tcp => {
                let syn = flags.is_some_and(|f| f & 0x02 != 0);
                self.tcp_segment(
                    server,
                    seq.unwrap_or(0) as u32,
                    ack.unwrap_or(0) as u32,
                    syn,
                    len.unwrap_or(0) as u32,
                    payload,
                );
            }
        }
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        const SEP: &str = "===================================================================";
        let p = match self.proto {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Http => "http",
        };
        let m = match self.mode {
            Mode::Ascii => "ascii",
            Mode::Hex => "hex",
            Mode::Raw => "raw",
        };
        writeln!(
            out,
            "\n{SEP}\nFollow: {p},{m}\nFilter: {}",
            self.filter_text()
        )?;
        for (i, node) in [self.client, self.server].iter().enumerate() {
            match node {
                Some((IpAddr::V6(a), port)) => writeln!(out, "Node {i}: [{a}]:{port}")?,
                Some((a, port)) => writeln!(out, "Node {i}: {a}:{port}")?,
                None => writeln!(out, "Node {i}: :0")?,
            }
        }
        let mut pos = [0u64; 2];
        for r in &self.payload {
            self.write_chunk(r, &mut pos[r.server as usize], out)?;
        }
        writeln!(out, "{SEP}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn follow() -> Follow {
        match Follow::new("follow,tcp,ascii,0") {
            Ok(f) => f,
            Err(e) => panic!("{e}"),
        }
    }

    fn chunks(f: &Follow) -> Vec<(bool, String)> {
        f.payload
            .iter()
            .map(|r| (r.server, String::from_utf8_lossy(&r.data).into_owned()))
            .collect()
    }

    #[test]
    fn retransmitted_bytes_are_shown_once() {
        let mut f = follow();
        f.tcp_segment(false, 0, 0, true, 0, b"");
        f.tcp_segment(false, 1, 1, false, 5, b"hello");
        // A retransmission of the same bytes, then one that adds two more.
        f.tcp_segment(false, 1, 1, false, 5, b"hello");
        f.tcp_segment(false, 4, 1, false, 4, b"lo!!");
        f.tcp_segment(true, 1, 8, false, 2, b"ok");
        assert_eq!(
            chunks(&f),
            vec![
                (false, "hello".to_string()),
                (false, "!!".to_string()),
                (true, "ok".to_string())
            ]
        );
    }

    #[test]
    fn early_segments_wait_for_the_gap() {
        let mut f = follow();
        f.tcp_segment(false, 1, 1, false, 3, b"abc");
        f.tcp_segment(false, 7, 1, false, 3, b"ghi");
        f.tcp_segment(false, 4, 1, false, 3, b"def");
        let text: String = chunks(&f).into_iter().map(|(_, s)| s).collect();
        assert_eq!(text, "abcdefghi");
    }

    #[test]
    fn a_gap_the_peer_acknowledged_is_marked_missing() {
        let mut f = follow();
        f.tcp_segment(false, 1, 1, false, 3, b"abc");
        f.tcp_segment(false, 14, 1, false, 3, b"xyz");
        // The server acknowledges everything: bytes 4..14 never arrived.
        f.tcp_segment(true, 1, 17, false, 0, b"");
        let c = chunks(&f);
        assert_eq!(c[1].1, "[10 bytes missing in capture file]\0");
        assert_eq!(c[2].1, "xyz");
    }

    #[test]
    fn http_headers_end_after_the_blank_line() {
        let msg = b"GET / HTTP/1.1\r\nHost: a\r\n\r\nbody";
        assert_eq!(header_end(msg, 0, true), msg.len() - 4);
        // Text after HTTP that is no header: nothing is header.
        assert_eq!(header_end(b"T / HTTP\r\n", 0, false), 0);
        // A start line must be a request or response to count.
        assert_eq!(header_end(b"cruft here\r\nX: y\r\n", 0, false), 0);
        assert_eq!(header_end(b"X: y\r\nZ: w\n\nrest", 0, false), 12);
    }

    #[test]
    fn bodies_inflate_from_gzip_zlib_and_raw_deflate() {
        use std::io::Write as _;
        let text = b"hello hello hello";
        let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        g.write_all(text).unwrap();
        assert_eq!(inflate(&g.finish().unwrap()).unwrap(), text);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(text).unwrap();
        assert_eq!(inflate(&z.finish().unwrap()).unwrap(), text);
        let mut d = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        d.write_all(text).unwrap();
        assert_eq!(inflate(&d.finish().unwrap()).unwrap(), text);
        assert!(inflate(b"\xff\xfe not compressed").is_none());
    }

    #[test]
    fn ipv6_pairs_and_bad_specs() {
        assert!(Follow::new("follow,tcp,ascii,[::1]:80,[::1]:5000").is_ok());
        assert!(Follow::new("follow,tcp,ascii").is_err());
        assert!(Follow::new("follow,sctp,ascii,0").is_err());
        assert!(Follow::new("follow,tcp,ascii,x").is_err());
    }
}
