//! RUDP, wirelab's reliable transport over UDP (the layout of
//! `crates/rudp/src/wire.rs`, version 1), and RUDPAPP, the text protocol
//! of the application server carried in RUDP's length-prefixed messages.
//!
//! RUDP packet: magic `R` (0x52), version, packet type (1 SYN, 2 SYN-ACK,
//! 3 DATA, 4 RST), reserved, CRC32C of the packet with the checksum field as
//! zero, destination connection id (u64), packet number (u64), then frames:
//! PADDING, ACK (QUIC-style ranges, RFC 9000 §19.3), STREAM / STREAM+FIN,
//! MAX_DATA, PING, CLOSE, SYN, SYN-ACK, COOKIE-ECHO. Integers are big-endian,
//! `varint` is QUIC's (RFC 9000 §16).
//!
//! On the stream, the driver sends messages as a 4-byte big-endian length
//! and the bytes. A message may span datagrams: the start offset and length
//! of each message seen are remembered per direction ([`Streams`]), so a
//! STREAM frame is cut into message headers, whole messages (dissected as
//! RUDPAPP) and fragments (shown as data). No reassembly: a message split
//! over datagrams shows its first part as RUDPAPP and the rest as fragments.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use crate::field::{Base, FieldDef, FieldRef, FieldType, ValueStrings};
use crate::packet::{Group, Severity, Span, Src, Value, NIL};
use crate::tvb::{Bound, Tvb, R};
use crate::Cx;

/// UDP port of the application server.
pub const PORT: u16 = 49152;
const MAGIC: u8 = 0x52;
const VERSION: u8 = 1;
const HEADER_LEN: usize = 24;
/// Largest message the driver sends (16 MiB).
const MAX_MESSAGE: u32 = 16 << 20;
/// Message starts remembered per direction.
const MAX_STARTS: usize = 4096;

/// `rudp`.
pub static PROTO: FieldDef = FieldDef::proto("rudp", "Reliable UDP (wirelab)");
/// `rudp.magic`.
pub static MAGIC_F: FieldDef =
    FieldDef::new("rudp.magic", "Magic", FieldType::U8).with_base(Base::Hex);
/// `rudp.version`.
pub static VERSION_F: FieldDef = FieldDef::new("rudp.version", "Version", FieldType::U8);
const TYPE_VALS: ValueStrings = &[(1, "SYN"), (2, "SYN-ACK"), (3, "DATA"), (4, "RST")];
/// `rudp.type`.
pub static TYPE: FieldDef =
    FieldDef::new("rudp.type", "Packet Type", FieldType::U8).with_strings(TYPE_VALS);
/// `rudp.reserved`.
pub static RESERVED: FieldDef =
    FieldDef::new("rudp.reserved", "Reserved", FieldType::U8).with_base(Base::Hex);
/// `rudp.checksum`.
pub static CHECKSUM: FieldDef =
    FieldDef::new("rudp.checksum", "Checksum (CRC32C)", FieldType::U32).with_base(Base::Hex);
/// `rudp.checksum.calculated`.
pub static CHECKSUM_CALC: FieldDef = FieldDef::new(
    "rudp.checksum.calculated",
    "Calculated Checksum",
    FieldType::U32,
)
.with_base(Base::Hex);
/// `rudp.checksum.status`.
pub static CHECKSUM_STATUS: FieldDef =
    FieldDef::new("rudp.checksum.status", "Checksum Status", FieldType::U8)
        .with_strings(super::ip::CHECKSUM_STATUS_VALS);
/// `rudp.dcid`.
pub static DCID: FieldDef =
    FieldDef::new("rudp.dcid", "Destination Connection ID", FieldType::U64).with_base(Base::Hex);
/// `rudp.pn`.
pub static PN: FieldDef = FieldDef::new("rudp.pn", "Packet Number", FieldType::U64);
/// `rudp.payload_length`.
pub static PAYLOAD_LEN: FieldDef = FieldDef::new(
    "rudp.payload_length",
    "Frames Length (after the header)",
    FieldType::U32,
);

/// Bits of `rudp.flags`: which frames (and packet types) the packet holds.
const FL_ACK: u64 = 1 << 1;
const FL_STREAM: u64 = 1 << 2;
const FL_FIN: u64 = 1 << 3;
const FL_MAX_DATA: u64 = 1 << 4;
const FL_PING: u64 = 1 << 5;
const FL_CLOSE: u64 = 1 << 6;
const FL_SYN: u64 = 1 << 7;
const FL_SYNACK: u64 = 1 << 8;
const FL_COOKIE: u64 = 1 << 9;
const FL_RST: u64 = 1 << 10;
/// `rudp.flags`.
pub static FLAGS: FieldDef =
    FieldDef::new("rudp.flags", "Flags (frames present)", FieldType::U16).with_base(Base::Hex);
macro_rules! flag {
    ($id:ident, $abbrev:literal, $name:literal, $bit:expr) => {
        #[doc = concat!("`", $abbrev, "`.")]
        pub static $id: FieldDef = FieldDef::new($abbrev, $name, FieldType::Bool)
            .with_mask($bit, 16)
            .with_tfs("Set", "Not set");
    };
}
flag!(FLAG_SYN, "rudp.flags.syn", "SYN", FL_SYN);
flag!(FLAG_SYNACK, "rudp.flags.synack", "SYN-ACK", FL_SYNACK);
flag!(
    FLAG_COOKIE,
    "rudp.flags.cookie_echo",
    "Cookie echo",
    FL_COOKIE
);
flag!(FLAG_ACK, "rudp.flags.ack", "ACK", FL_ACK);
flag!(FLAG_STREAM, "rudp.flags.stream", "Stream data", FL_STREAM);
flag!(FLAG_FIN, "rudp.flags.fin", "FIN", FL_FIN);
flag!(
    FLAG_MAX_DATA,
    "rudp.flags.max_data",
    "Window update",
    FL_MAX_DATA
);
flag!(FLAG_PING, "rudp.flags.ping", "PING", FL_PING);
flag!(FLAG_CLOSE, "rudp.flags.close", "CLOSE", FL_CLOSE);
flag!(FLAG_RST, "rudp.flags.rst", "RST", FL_RST);

const FRAME_VALS: ValueStrings = &[
    (0, "PADDING"),
    (1, "ACK"),
    (2, "STREAM"),
    (3, "STREAM+FIN"),
    (4, "MAX_DATA"),
    (5, "PING"),
    (6, "CLOSE"),
    (7, "SYN"),
    (8, "SYN-ACK"),
    (9, "COOKIE-ECHO"),
];
/// `rudp.frame`.
pub static FRAME: FieldDef = FieldDef::new("rudp.frame", "Frame", FieldType::None);
/// `rudp.frame.type`.
pub static FRAME_TYPE: FieldDef =
    FieldDef::new("rudp.frame.type", "Frame Type", FieldType::U8).with_strings(FRAME_VALS);
/// `rudp.padding.length`.
pub static PADDING_LEN: FieldDef =
    FieldDef::new("rudp.padding.length", "Padding Length", FieldType::U32);
/// `rudp.ack.largest`.
pub static ACK_LARGEST: FieldDef =
    FieldDef::new("rudp.ack.largest", "Largest Acknowledged", FieldType::U64);
/// `rudp.ack.delay`.
pub static ACK_DELAY: FieldDef = FieldDef::new("rudp.ack.delay", "ACK Delay (µs)", FieldType::U64);
/// `rudp.ack.range_count`.
pub static ACK_RANGE_COUNT: FieldDef =
    FieldDef::new("rudp.ack.range_count", "ACK Range Count", FieldType::U64);
/// `rudp.ack.first_range`.
pub static ACK_FIRST_RANGE: FieldDef =
    FieldDef::new("rudp.ack.first_range", "First ACK Range", FieldType::U64);
/// `rudp.ack.gap`.
pub static ACK_GAP: FieldDef = FieldDef::new("rudp.ack.gap", "Gap", FieldType::U64);
/// `rudp.ack.range_length`.
pub static ACK_RANGE_LEN: FieldDef =
    FieldDef::new("rudp.ack.range_length", "ACK Range Length", FieldType::U64);
/// `rudp.sack`: one acknowledged range.
pub static SACK: FieldDef = FieldDef::new("rudp.sack", "Acknowledged Range", FieldType::None);
/// `rudp.sack.left`.
pub static SACK_LEFT: FieldDef =
    FieldDef::new("rudp.sack.left", "Left Edge (lowest)", FieldType::U64);
/// `rudp.sack.right`.
pub static SACK_RIGHT: FieldDef =
    FieldDef::new("rudp.sack.right", "Right Edge (highest)", FieldType::U64);
/// `rudp.sack.count`.
pub static SACK_COUNT: FieldDef =
    FieldDef::new("rudp.sack.count", "Ranges below the first", FieldType::U64);
/// `rudp.stream.offset`.
pub static STREAM_OFFSET: FieldDef =
    FieldDef::new("rudp.stream.offset", "Stream Offset", FieldType::U64);
/// `rudp.stream.length`.
pub static STREAM_LENGTH: FieldDef =
    FieldDef::new("rudp.stream.length", "Stream Data Length", FieldType::U64);
/// `rudp.stream.fin`.
pub static STREAM_FIN: FieldDef = FieldDef::new("rudp.stream.fin", "FIN", FieldType::Bool);
/// `rudp.stream.data`.
pub static STREAM_DATA: FieldDef =
    FieldDef::new("rudp.stream.data", "Stream Data", FieldType::Bytes);
/// `rudp.window`.
pub static WINDOW: FieldDef =
    FieldDef::new("rudp.window", "Window (max stream offset)", FieldType::U64);
/// `rudp.close.code`.
pub static CLOSE_CODE: FieldDef = FieldDef::new("rudp.close.code", "Error Code", FieldType::U64);
/// `rudp.close.reason_length`.
pub static CLOSE_REASON_LEN: FieldDef =
    FieldDef::new("rudp.close.reason_length", "Reason Length", FieldType::U64);
/// `rudp.close.reason`.
pub static CLOSE_REASON: FieldDef =
    FieldDef::new("rudp.close.reason", "Reason", FieldType::String).with_base(Base::None);
/// `rudp.cid.client`.
pub static CID_CLIENT: FieldDef =
    FieldDef::new("rudp.cid.client", "Client Connection ID", FieldType::U64).with_base(Base::Hex);
/// `rudp.cid.server`.
pub static CID_SERVER: FieldDef =
    FieldDef::new("rudp.cid.server", "Server Connection ID", FieldType::U64).with_base(Base::Hex);
/// `rudp.cookie`.
pub static COOKIE: FieldDef = FieldDef::new("rudp.cookie", "Cookie", FieldType::Bytes);
/// `rudp.cookie.bucket`.
pub static COOKIE_BUCKET: FieldDef =
    FieldDef::new("rudp.cookie.bucket", "Time Bucket", FieldType::U32);
/// `rudp.cookie.mac`.
pub static COOKIE_MAC: FieldDef = FieldDef::new("rudp.cookie.mac", "MAC", FieldType::Bytes);
/// `rudp.frame.unknown`.
pub static UNKNOWN: FieldDef =
    FieldDef::new("rudp.frame.unknown", "Unknown Frame Data", FieldType::Bytes);
/// `rudp.analysis.retransmission`.
pub static RETRANSMISSION: FieldDef = FieldDef::new(
    "rudp.analysis.retransmission",
    "This stream data is a retransmission",
    FieldType::None,
);
/// `rudp.analysis.out_of_order`.
pub static OUT_OF_ORDER: FieldDef = FieldDef::new(
    "rudp.analysis.out_of_order",
    "This stream data came after a hole",
    FieldType::None,
);
/// `rudp.msg.length`.
pub static MSG_LENGTH: FieldDef =
    FieldDef::new("rudp.msg.length", "Message Length", FieldType::U32);
/// `rudp.msg.offset`.
pub static MSG_OFFSET: FieldDef =
    FieldDef::new("rudp.msg.offset", "Message Stream Offset", FieldType::U64);
/// `rudp.msg.fragment`.
pub static MSG_FRAGMENT: FieldDef =
    FieldDef::new("rudp.msg.fragment", "Message Fragment", FieldType::Bytes);

/// `rudpapp`.
pub static APP: FieldDef = FieldDef::proto("rudpapp", "RUDP Application Protocol");
/// `rudpapp.text`.
pub static APP_TEXT: FieldDef =
    FieldDef::new("rudpapp.text", "Message", FieldType::String).with_base(Base::None);
/// `rudpapp.command`.
pub static APP_COMMAND: FieldDef =
    FieldDef::new("rudpapp.command", "Command", FieldType::String).with_base(Base::None);
/// `rudpapp.user`.
pub static APP_USER: FieldDef =
    FieldDef::new("rudpapp.user", "User", FieldType::String).with_base(Base::None);
/// `rudpapp.id`.
pub static APP_ID: FieldDef = FieldDef::new("rudpapp.id", "ID", FieldType::U64);
/// `rudpapp.arg`.
pub static APP_ARG: FieldDef =
    FieldDef::new("rudpapp.arg", "Argument", FieldType::String).with_base(Base::None);
/// `rudpapp.time`.
pub static APP_TIME: FieldDef =
    FieldDef::new("rudpapp.time", "Server Time (Unix seconds)", FieldType::U64);
/// `rudpapp.stat`.
pub static APP_STAT: FieldDef = FieldDef::new("rudpapp.stat", "Statistic", FieldType::None);
/// `rudpapp.stat.key`.
pub static APP_STAT_KEY: FieldDef =
    FieldDef::new("rudpapp.stat.key", "Name", FieldType::String).with_base(Base::None);
/// `rudpapp.stat.value`.
pub static APP_STAT_VALUE: FieldDef =
    FieldDef::new("rudpapp.stat.value", "Value", FieldType::String).with_base(Base::None);
/// `rudpapp.file.count`.
pub static APP_FILE_COUNT: FieldDef =
    FieldDef::new("rudpapp.file.count", "File Count", FieldType::U64);
/// `rudpapp.base_url`.
pub static APP_BASE_URL: FieldDef =
    FieldDef::new("rudpapp.base_url", "Base URL", FieldType::String).with_base(Base::None);
/// `rudpapp.file`.
pub static APP_FILE: FieldDef = FieldDef::new("rudpapp.file", "File", FieldType::None);
/// `rudpapp.file.name`.
pub static APP_FILE_NAME: FieldDef =
    FieldDef::new("rudpapp.file.name", "File Name", FieldType::String).with_base(Base::None);
/// `rudpapp.file.size`.
pub static APP_FILE_SIZE: FieldDef =
    FieldDef::new("rudpapp.file.size", "File Size", FieldType::U64);
/// `rudpapp.file.sha256`.
pub static APP_FILE_SHA256: FieldDef =
    FieldDef::new("rudpapp.file.sha256", "SHA-256", FieldType::String).with_base(Base::None);
/// `rudpapp.file.data`.
pub static APP_FILE_DATA: FieldDef =
    FieldDef::new("rudpapp.file.data", "File Data", FieldType::Bytes);
/// `rudpapp.error`.
pub static APP_ERROR: FieldDef =
    FieldDef::new("rudpapp.error", "Error", FieldType::String).with_base(Base::None);
/// `rudpapp.data`.
pub static APP_DATA: FieldDef = FieldDef::new("rudpapp.data", "Data", FieldType::Bytes);
/// `rudpapp.continued`.
pub static APP_CONTINUED: FieldDef = FieldDef::new(
    "rudpapp.continued",
    "Message continues in later packets",
    FieldType::Bool,
);

/// Fields of this module.
pub static FIELDS: &[FieldRef] = &[
    &PROTO,
    &MAGIC_F,
    &VERSION_F,
    &TYPE,
    &RESERVED,
    &CHECKSUM,
    &CHECKSUM_CALC,
    &CHECKSUM_STATUS,
    &DCID,
    &PN,
    &PAYLOAD_LEN,
    &FLAGS,
    &FLAG_SYN,
    &FLAG_SYNACK,
    &FLAG_COOKIE,
    &FLAG_ACK,
    &FLAG_STREAM,
    &FLAG_FIN,
    &FLAG_MAX_DATA,
    &FLAG_PING,
    &FLAG_CLOSE,
    &FLAG_RST,
    &FRAME,
    &FRAME_TYPE,
    &PADDING_LEN,
    &ACK_LARGEST,
    &ACK_DELAY,
    &ACK_RANGE_COUNT,
    &ACK_FIRST_RANGE,
    &ACK_GAP,
    &ACK_RANGE_LEN,
    &SACK,
    &SACK_LEFT,
    &SACK_RIGHT,
    &SACK_COUNT,
    &STREAM_OFFSET,
    &STREAM_LENGTH,
    &STREAM_FIN,
    &STREAM_DATA,
    &WINDOW,
    &CLOSE_CODE,
    &CLOSE_REASON_LEN,
    &CLOSE_REASON,
    &CID_CLIENT,
    &CID_SERVER,
    &COOKIE,
    &COOKIE_BUCKET,
    &COOKIE_MAC,
    &UNKNOWN,
    &RETRANSMISSION,
    &OUT_OF_ORDER,
    &MSG_LENGTH,
    &MSG_OFFSET,
    &MSG_FRAGMENT,
    &APP,
    &APP_TEXT,
    &APP_COMMAND,
    &APP_USER,
    &APP_ID,
    &APP_ARG,
    &APP_TIME,
    &APP_STAT,
    &APP_STAT_KEY,
    &APP_STAT_VALUE,
    &APP_FILE_COUNT,
    &APP_BASE_URL,
    &APP_FILE,
    &APP_FILE_NAME,
    &APP_FILE_SIZE,
    &APP_FILE_SHA256,
    &APP_FILE_DATA,
    &APP_ERROR,
    &APP_DATA,
    &APP_CONTINUED,
];

/// The application protocol's commands.
const COMMANDS: &[&str] = &[
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
    "BYE",
    "ERR",
];

type Key = ((IpAddr, u16), (IpAddr, u16));

/// One direction of an RUDP connection's stream: where messages start.
#[derive(Debug, Default)]
struct Dir {
    /// Stream offset of each message seen → its length (without the
    /// 4-byte prefix).
    starts: BTreeMap<u64, u32>,
    /// Stream ranges carrying file data: from the end of a `FILE` message
    /// to the start of its `FILEEND` (open while not seen).
    files: Vec<(u64, Option<u64>)>,
    /// Stream bytes seen so far, as sorted, merged ranges [start, end).
    seen: Vec<(u64, u64)>,
}

/// What a STREAM frame's bytes were relative to what came before.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Novelty {
    New,
    Retransmission,
    OutOfOrder,
}

impl Dir {
    /// Records stream bytes [a, b) and says whether they were all seen
    /// before (a retransmission), came after a hole (out of order), or
    /// are new.
    fn note(&mut self, a: u64, b: u64) -> Novelty {
        if a >= b {
            return Novelty::New;
        }
        let covered = self.seen.iter().any(|&(s, e)| s <= a && b <= e);
        let end = self.seen.last().map_or(0, |r| r.1);
        let hole_before = a < end && !covered;
        self.seen.push((a, b));
        self.seen.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(self.seen.len());
        for &(s, e) in &self.seen {
            match merged.last_mut() {
                Some(l) if s <= l.1 => l.1 = l.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        // Bounded: the oldest holes are forgotten first.
        while merged.len() > 256 {
            let (s, _) = merged.remove(0);
            if let Some(f) = merged.first_mut() {
                f.0 = s;
            }
        }
        self.seen = merged;
        if covered {
            Novelty::Retransmission
        } else if hole_before {
            Novelty::OutOfOrder
        } else {
            Novelty::New
        }
    }

    /// The message that covers stream offset `at`: (start, length).
    fn covering(&self, at: u64) -> Option<(u64, u32)> {
        let (&s, &len) = self.starts.range(..=at).next_back()?;
        (at < s + 4 + u64::from(len)).then_some((s, len))
    }

    /// Whether a message ends exactly at `at` (so one starts there).
    fn boundary(&self, at: u64) -> bool {
        at == 0
            || self
                .starts
                .range(..at)
                .next_back()
                .is_some_and(|(&s, &len)| s + 4 + u64::from(len) == at)
    }

    fn record(&mut self, at: u64, len: u32) {
        if at == 0 && self.starts.get(&0).is_some_and(|&l| l != len) {
            // A new connection on the same addresses and ports.
            self.starts.clear();
            self.files.clear();
        }
        self.starts.insert(at, len);
        while self.starts.len() > MAX_STARTS {
            self.starts.pop_first();
        }
    }

    fn in_file(&self, at: u64) -> bool {
        self.files
            .iter()
            .any(|&(a, b)| at >= a && b.is_none_or(|b| at < b))
    }
}

/// Message framing per direction of every RUDP conversation seen.
#[derive(Debug, Default)]
pub struct Streams {
    dirs: HashMap<Key, Dir>,
}

/// Whether a UDP payload starts like RUDP: its magic and a whole header.
pub fn looks_like(tvb: &Tvb<'_>) -> bool {
    tvb.reported_len() >= HEADER_LEN && tvb.u8(0).ok() == Some(MAGIC)
}

/// Whether a UDP payload looks like RUDP on any port: its magic, version 1,
/// a known packet type, a zero reserved byte and a whole header (32 bits
/// of signature). The checksum is not required, so a packet corrupted on
/// the way is still shown as RUDP, with its checksum marked bad.
pub fn heuristic(tvb: &Tvb<'_>) -> bool {
    let d = tvb.data();
    d.len() >= HEADER_LEN
        && d[0] == MAGIC
        && d[1] == VERSION
        && (1..=4).contains(&d[2])
        && d[3] == 0
}

/// CRC32C over the packet with the checksum field taken as zero.
fn checksum(d: &[u8]) -> u32 {
    let c = crc32c::crc32c(d.get(..4).unwrap_or(&[]));
    let c = crc32c::crc32c_append(c, &[0; 4]);
    crc32c::crc32c_append(c, d.get(8..).unwrap_or(&[]))
}

fn malformed(tvb: &Tvb<'_>, off: usize) -> Bound {
    Bound::Malformed {
        offset: tvb.base().saturating_add(off.min(u32::MAX as usize) as u32),
    }
}

/// A QUIC varint at `off`: (value, length).
fn varint(tvb: &Tvb<'_>, off: usize) -> R<(u64, usize)> {
    let first = tvb.u8(off)?;
    let len = 1usize << (first >> 6);
    let b = tvb.bytes(off, len)?;
    let mut v = u64::from(b[0] & 0x3f);
    for &x in &b[1..] {
        v = (v << 8) | u64::from(x);
    }
    Ok((v, len))
}

fn span(tvb: &Tvb<'_>, off: usize, len: usize) -> Span {
    Span {
        src: Src::Data(tvb.ds()),
        start: tvb.base().saturating_add(off as u32),
        len: len.min(tvb.len().saturating_sub(off)) as u32,
    }
}

/// What the frames of one packet said, for the Info column.
#[derive(Default)]
struct Summary {
    pn: Option<u64>,
    retrans: bool,
    flags: u64,
    cid: Option<u64>,
    ack: Option<u64>,
    sack: usize,
    window: Option<u64>,
    stream: Vec<(u64, u64)>,
    close: Option<(u64, String)>,
    app: Vec<String>,
}

/// Dissects a UDP payload as RUDP (on the application server's port, or
/// when [`heuristic`] said so). Not RUDP's magic: shown as data.
pub fn dissect(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<()> {
    if tvb.u8(0).ok() != Some(MAGIC) || tvb.reported_len() < HEADER_LEN {
        return super::data::dissect(cx, tvb);
    }
    cx.current_proto = "RUDP";
    cx.pkt.layer("rudp");
    cx.pkt.cols.set_protocol("RUDP");
    cx.pkt.cols.clear_info();
    let top = cx
        .pkt
        .open(&PROTO, &tvb, 0, tvb.reported_len(), Value::None);
    let depth = cx.pkt.depth();
    let mut sum = Summary::default();
    let r = body(cx, &tvb, top, &mut sum);
    cx.pkt.close_to(depth);
    cx.pkt.close();
    set_info(cx, &sum);
    r
}

fn set_info(cx: &mut Cx<'_>, s: &Summary) {
    let re = if s.retrans { "[Retransmission] " } else { "" };
    if !s.app.is_empty() {
        cx.pkt.cols.set_protocol("RUDPAPP");
        let joined = s.app.join(", ");
        cx.pkt.cols.set_info(format_args!("{re}{joined}"));
        return;
    }
    let names: &[(u64, &str)] = &[
        (FL_SYN, "SYN"),
        (FL_SYNACK, "SYN-ACK"),
        (FL_COOKIE, "COOKIE-ECHO"),
        (FL_RST, "RST"),
        (FL_STREAM, "DATA"),
        (FL_FIN, "FIN"),
        (FL_ACK, "ACK"),
        (FL_MAX_DATA, "WINDOW"),
        (FL_PING, "PING"),
        (FL_CLOSE, "CLOSE"),
    ];
    let list: Vec<&str> = names
        .iter()
        .filter(|(b, _)| s.flags & b != 0)
        .map(|(_, n)| *n)
        .collect();
    let mut info = format!("{re}[{}]", list.join(", "));
    use std::fmt::Write as _;
    if let Some(pn) = s.pn {
        let _ = write!(info, " pn={pn}");
    }
    if let Some(c) = s.cid {
        let _ = write!(info, " cid={c:#018x}");
    }
    for (off, len) in &s.stream {
        let _ = write!(info, " off={off} len={len}");
    }
    if let Some(a) = s.ack {
        let _ = write!(info, " ack={a}");
        if s.sack > 0 {
            let _ = write!(
                info,
                " sack={} range{}",
                s.sack,
                if s.sack == 1 { "" } else { "s" }
            );
        }
    }
    if let Some(w) = s.window {
        let _ = write!(info, " win={w}");
    }
    if let Some((code, reason)) = &s.close {
        let _ = write!(info, " code={code}");
        if !reason.is_empty() {
            let _ = write!(info, " \"{reason}\"");
        }
    }
    cx.pkt.cols.set_info(format_args!("{info}"));
}

fn body(cx: &mut Cx<'_>, tvb: &Tvb<'_>, top: u32, sum: &mut Summary) -> R<()> {
    let magic = tvb.u8(0)?;
    let version = tvb.u8(1)?;
    let ptype = tvb.u8(2)?;
    let ck = tvb.u32(4)?;
    let dcid = tvb.u64(8)?;
    let pn = tvb.u64(16)?;
    let tname = TYPE.value_name(u64::from(ptype)).unwrap_or("Unknown");
    cx.pkt.set_label(
        top,
        format_args!("Reliable UDP (wirelab), {tname}, DCID: {dcid:#018x}, PN: {pn}"),
    );
    cx.pkt
        .add(&MAGIC_F, tvb, 0, 1, Value::UInt(u64::from(magic)));
    let vn = cx
        .pkt
        .add(&VERSION_F, tvb, 1, 1, Value::UInt(u64::from(version)));
    cx.pkt.add(&TYPE, tvb, 2, 1, Value::UInt(u64::from(ptype)));
    cx.pkt
        .add(&RESERVED, tvb, 3, 1, Value::UInt(u64::from(tvb.u8(3)?)));
    let ckn = cx.pkt.add(&CHECKSUM, tvb, 4, 4, Value::UInt(u64::from(ck)));
    let whole = tvb.len() == tvb.reported_len();
    if whole {
        let calc = checksum(tvb.data());
        let good = calc == ck;
        cx.pkt.reopen(ckn);
        let n = cx
            .pkt
            .add(&CHECKSUM_CALC, tvb, 4, 4, Value::UInt(u64::from(calc)));
        cx.pkt.set_generated(n);
        let n = cx
            .pkt
            .add(&CHECKSUM_STATUS, tvb, 4, 4, Value::UInt(u64::from(good)));
        cx.pkt.set_generated(n);
        if !good {
            cx.pkt.expert(
                "rudp",
                Severity::Warning,
                Group::Checksum,
                format_args!("Bad checksum [should be 0x{calc:08x}]"),
            );
        }
        cx.pkt.close();
        cx.pkt.set_label(
            ckn,
            format_args!(
                "Checksum (CRC32C): 0x{ck:08x} [{}]",
                if good { "correct" } else { "incorrect" }
            ),
        );
    } else {
        let n = cx.pkt.add(&CHECKSUM_STATUS, tvb, 4, 4, Value::UInt(2));
        cx.pkt.set_generated(n);
    }
    cx.pkt.add(&DCID, tvb, 8, 8, Value::UInt(dcid));
    cx.pkt.add(&PN, tvb, 16, 8, Value::UInt(pn));
    sum.pn = Some(pn);
    let plen = tvb.reported_len() - HEADER_LEN;
    let n = cx.pkt.add(
        &PAYLOAD_LEN,
        tvb,
        HEADER_LEN,
        plen,
        Value::UInt(plen as u64),
    );
    cx.pkt.set_generated(n);
    if version != VERSION {
        cx.pkt.reopen(vn);
        cx.pkt.expert(
            "rudp",
            Severity::Warning,
            Group::Protocol,
            format_args!("Unknown RUDP version {version} (this dissector knows 1)"),
        );
        cx.pkt.close();
        return Ok(());
    }
    if ptype == 4 {
        sum.flags |= FL_RST;
    }
    // The flags item goes before the frames; its value is known after them.
    let fl = cx.pkt.open(&FLAGS, tvb, 24, 0, Value::UInt(0));
    cx.pkt.set_generated(fl);
    cx.pkt.close();
    let key = match (cx.l3.src, cx.l3.dst) {
        (Some(s), Some(d)) => Some(((s, cx.l4.sport), (d, cx.l4.dport))),
        _ => None,
    };
    if ptype == 1 {
        // A new connection from this address and port: forget the old one.
        if let Some(k) = key {
            cx.state.rudp.dirs.remove(&k);
            cx.state.rudp.dirs.remove(&(k.1, k.0));
        }
    }
    let mut off = HEADER_LEN;
    let r = frames(cx, tvb, &mut off, key, sum);
    // Fill in the flags summary, whatever happened to the frames.
    if let Some(n) = cx.pkt.nodes.get_mut(fl as usize) {
        n.value = Value::UInt(sum.flags);
    }
    cx.pkt.reopen(fl);
    for f in [
        &FLAG_SYN,
        &FLAG_SYNACK,
        &FLAG_COOKIE,
        &FLAG_ACK,
        &FLAG_STREAM,
        &FLAG_FIN,
        &FLAG_MAX_DATA,
        &FLAG_PING,
        &FLAG_CLOSE,
        &FLAG_RST,
    ] {
        let n = cx
            .pkt
            .add(f, tvb, 24, 0, Value::Bool(sum.flags & f.bitmask != 0));
        cx.pkt.set_generated(n);
    }
    cx.pkt.close();
    r
}

fn frames(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    off: &mut usize,
    key: Option<Key>,
    sum: &mut Summary,
) -> R<()> {
    while *off < tvb.reported_len() {
        let start = *off;
        let ft = tvb.u8(start)?;
        let name = FRAME_TYPE.value_name(u64::from(ft)).unwrap_or("Unknown");
        let fr = cx.pkt.open(&FRAME, tvb, start, 1, Value::None);
        cx.pkt.set_label(fr, format_args!("{name} frame"));
        cx.pkt
            .add(&FRAME_TYPE, tvb, start, 1, Value::UInt(u64::from(ft)));
        let mut p = start + 1;
        match ft {
            0 => {
                let mut n = 1usize;
                while tvb.data().get(p) == Some(&0) {
                    p += 1;
                    n += 1;
                }
                cx.pkt
                    .add(&PADDING_LEN, tvb, start, n, Value::UInt(n as u64));
                cx.pkt
                    .set_label(fr, format_args!("PADDING frame ({n} bytes)"));
            }
            1 => {
                sum.flags |= FL_ACK;
                p = ack(cx, tvb, p, sum)?;
            }
            2 | 3 => {
                sum.flags |= FL_STREAM;
                if ft == 3 {
                    sum.flags |= FL_FIN;
                }
                let (so, n1) = varint(tvb, p)?;
                cx.pkt.add(&STREAM_OFFSET, tvb, p, n1, Value::UInt(so));
                p += n1;
                let (len, n2) = varint(tvb, p)?;
                cx.pkt.add(&STREAM_LENGTH, tvb, p, n2, Value::UInt(len));
                p += n2;
                if so.checked_add(len).is_none_or(|e| e >= 1 << 62) {
                    return Err(malformed(tvb, p));
                }
                let n = cx.pkt.add(&STREAM_FIN, tvb, start, 1, Value::Bool(ft == 3));
                cx.pkt.set_generated(n);
                let lenu = usize::try_from(len).map_err(|_| malformed(tvb, p))?;
                let data = tvb.sub_len(p, lenu)?;
                tvb.ensure(p, lenu)?;
                cx.pkt
                    .add(&STREAM_DATA, tvb, p, lenu, Value::Bytes(span(tvb, p, lenu)));
                cx.pkt
                    .set_label(fr, format_args!("{name} frame, offset {so}, {len} bytes"));
                cx.pkt.set_len(fr, p + lenu - start);
                if let Some(k) = key {
                    let d = cx.state.rudp.dirs.entry(k).or_default();
                    let (f, text) = match d.note(so, so + len) {
                        Novelty::New => (None, ""),
                        Novelty::Retransmission => (
                            Some(&RETRANSMISSION),
                            "This stream data was sent before (retransmission)",
                        ),
                        Novelty::OutOfOrder => (
                            Some(&OUT_OF_ORDER),
                            "Stream data after a hole (out of order, or an earlier packet was not captured)",
                        ),
                    };
                    if let Some(f) = f {
                        let n = cx.pkt.open(f, tvb, start, 0, Value::None);
                        cx.pkt.set_generated(n);
                        cx.pkt.expert(
                            "rudp",
                            Severity::Note,
                            Group::Sequence,
                            format_args!("{text}"),
                        );
                        cx.pkt.close();
                        if std::ptr::eq(f, &RETRANSMISSION) {
                            sum.retrans = true;
                        }
                    }
                }
                cx.pkt.close();
                let before = sum.app.len();
                messages(cx, data, so, key, sum)?;
                if sum.app.len() == before {
                    sum.stream.push((so, len));
                }
                *off = p + lenu;
                continue;
            }
            4 => {
                sum.flags |= FL_MAX_DATA;
                let (w, n) = varint(tvb, p)?;
                cx.pkt.add(&WINDOW, tvb, p, n, Value::UInt(w));
                sum.window = Some(w);
                p += n;
            }
            5 => sum.flags |= FL_PING,
            6 => {
                sum.flags |= FL_CLOSE;
                let (code, n1) = varint(tvb, p)?;
                cx.pkt.add(&CLOSE_CODE, tvb, p, n1, Value::UInt(code));
                p += n1;
                let (len, n2) = varint(tvb, p)?;
                cx.pkt.add(&CLOSE_REASON_LEN, tvb, p, n2, Value::UInt(len));
                p += n2;
                let lenu = usize::try_from(len).map_err(|_| malformed(tvb, p))?;
                let reason = tvb.bytes(p, lenu)?;
                cx.pkt
                    .add(&CLOSE_REASON, tvb, p, lenu, Value::Str(span(tvb, p, lenu)));
                sum.close = Some((code, String::from_utf8_lossy(reason).into_owned()));
                p += lenu;
            }
            7 | 9 => {
                sum.flags |= if ft == 7 { FL_SYN } else { FL_COOKIE };
                let cid = tvb.u64(p)?;
                cx.pkt.add(&CID_CLIENT, tvb, p, 8, Value::UInt(cid));
                sum.cid = Some(cid);
                p += 8;
                let (w, n) = varint(tvb, p)?;
                cx.pkt.add(&WINDOW, tvb, p, n, Value::UInt(w));
                p += n;
                if ft == 9 {
                    p = cookie(cx, tvb, p)?;
                }
            }
            8 => {
                sum.flags |= FL_SYNACK;
                let cid = tvb.u64(p)?;
                cx.pkt.add(&CID_SERVER, tvb, p, 8, Value::UInt(cid));
                sum.cid = Some(cid);
                p += 8;
                let (w, n) = varint(tvb, p)?;
                cx.pkt.add(&WINDOW, tvb, p, n, Value::UInt(w));
                p += n;
                p = cookie(cx, tvb, p)?;
            }
            _ => {
                // An unknown frame type ends parsing (wire.rs keeps the rest).
                let rest = tvb.reported_len() - p;
                cx.pkt
                    .add(&UNKNOWN, tvb, p, rest, Value::Bytes(span(tvb, p, rest)));
                cx.pkt.expert(
                    "rudp",
                    Severity::Note,
                    Group::Undecoded,
                    format_args!("Unknown frame type 0x{ft:02x}: the rest of the packet"),
                );
                p = tvb.reported_len();
            }
        }
        cx.pkt.set_len(fr, p - start);
        cx.pkt.close();
        *off = p;
    }
    Ok(())
}

fn cookie(cx: &mut Cx<'_>, tvb: &Tvb<'_>, p: usize) -> R<usize> {
    tvb.ensure(p, 20)?;
    cx.pkt
        .open(&COOKIE, tvb, p, 20, Value::Bytes(span(tvb, p, 20)));
    cx.pkt.add(
        &COOKIE_BUCKET,
        tvb,
        p,
        4,
        Value::UInt(u64::from(tvb.u32(p)?)),
    );
    cx.pkt.add(
        &COOKIE_MAC,
        tvb,
        p + 4,
        16,
        Value::Bytes(span(tvb, p + 4, 16)),
    );
    cx.pkt.close();
    Ok(p + 20)
}

/// ACK frame body (RFC 9000 §19.3): largest, delay, range count, first
/// range, then (gap, length) pairs; each range becomes a `rudp.sack` item.
fn ack(cx: &mut Cx<'_>, tvb: &Tvb<'_>, mut p: usize, sum: &mut Summary) -> R<usize> {
    let (largest, n) = varint(tvb, p)?;
    cx.pkt.add(&ACK_LARGEST, tvb, p, n, Value::UInt(largest));
    p += n;
    let (delay, n) = varint(tvb, p)?;
    cx.pkt.add(&ACK_DELAY, tvb, p, n, Value::UInt(delay));
    p += n;
    let (count, n) = varint(tvb, p)?;
    cx.pkt.add(&ACK_RANGE_COUNT, tvb, p, n, Value::UInt(count));
    if count >= 1024 {
        return Err(malformed(tvb, p));
    }
    p += n;
    let (first, n) = varint(tvb, p)?;
    cx.pkt.add(&ACK_FIRST_RANGE, tvb, p, n, Value::UInt(first));
    let lo = largest.checked_sub(first).ok_or(malformed(tvb, p))?;
    range(cx, tvb, p, n, lo, largest);
    p += n;
    sum.ack = Some(largest);
    let mut smallest = lo;
    for _ in 0..count {
        let at = p;
        let (gap, n1) = varint(tvb, p)?;
        p += n1;
        let (len, n2) = varint(tvb, p)?;
        p += n2;
        let hi = smallest
            .checked_sub(gap)
            .and_then(|v| v.checked_sub(2))
            .ok_or(malformed(tvb, at))?;
        let lo = hi.checked_sub(len).ok_or(malformed(tvb, at + n1))?;
        let r = range(cx, tvb, at, n1 + n2, lo, hi);
        cx.pkt.reopen(r);
        cx.pkt.add(&ACK_GAP, tvb, at, n1, Value::UInt(gap));
        cx.pkt
            .add(&ACK_RANGE_LEN, tvb, at + n1, n2, Value::UInt(len));
        cx.pkt.close();
        smallest = lo;
    }
    sum.sack = count as usize;
    let n = cx.pkt.add(&SACK_COUNT, tvb, p, 0, Value::UInt(count));
    cx.pkt.set_generated(n);
    Ok(p)
}

fn range(cx: &mut Cx<'_>, tvb: &Tvb<'_>, off: usize, len: usize, lo: u64, hi: u64) -> u32 {
    let r = cx.pkt.open(&SACK, tvb, off, len, Value::None);
    cx.pkt.set_label(
        r,
        format_args!("Acknowledged: {lo}-{hi} ({} packets)", hi - lo + 1),
    );
    let n = cx.pkt.add(&SACK_LEFT, tvb, off, len, Value::UInt(lo));
    cx.pkt.set_generated(n);
    let n = cx.pkt.add(&SACK_RIGHT, tvb, off, len, Value::UInt(hi));
    cx.pkt.set_generated(n);
    cx.pkt.close();
    r
}

/// Cuts stream bytes at stream offset `so` into messages and fragments.
fn messages(cx: &mut Cx<'_>, data: Tvb<'_>, so: u64, key: Option<Key>, sum: &mut Summary) -> R<()> {
    let mut dir = key.and_then(|k| cx.state.rudp.dirs.remove(&k));
    let r = messages_in(cx, data, so, dir.get_or_insert_with(Dir::default), sum);
    if let (Some(k), Some(d)) = (key, dir) {
        cx.state.rudp.dirs.insert(k, d);
    }
    r
}

fn messages_in(cx: &mut Cx<'_>, data: Tvb<'_>, so: u64, dir: &mut Dir, sum: &mut Summary) -> R<()> {
    let n = data.len();
    let mut i = 0usize;
    while i < n {
        let at = so + i as u64;
        let rest = n - i;
        // A message already known to cover this offset.
        if let Some((s, len)) = dir.covering(at) {
            if at == s && rest >= 4 {
                i += message(cx, &data, i, at, len, dir, sum)?;
            } else {
                let end = s + 4 + u64::from(len);
                let k = (end - at).min(rest as u64) as usize;
                fragment(cx, &data, i, k, s, dir.in_file(s), sum);
                i += k;
            }
            continue;
        }
        // A new message where one ends, or at a plausible start.
        let len = data.u32(i).ok();
        let plausible = len.is_some_and(|l| {
            l <= MAX_MESSAGE
                && (dir.boundary(at)
                    || (i == 0 && command_at(data.data().get(i + 4..).unwrap_or(&[])).is_some()))
        });
        if let (true, Some(len)) = (plausible, len) {
            dir.record(at, len);
            i += message(cx, &data, i, at, len, dir, sum)?;
            continue;
        }
        // Framing unknown (the capture began mid-stream or missed a packet).
        fragment(cx, &data, i, rest, at, false, sum);
        i = n;
    }
    Ok(())
}

/// A message starting at `i` (its length prefix there): dissects the part
/// present; returns the bytes used.
fn message(
    cx: &mut Cx<'_>,
    data: &Tvb<'_>,
    i: usize,
    at: u64,
    len: u32,
    dir: &mut Dir,
    sum: &mut Summary,
) -> R<usize> {
    let body = (len as usize).min(data.len() - i - 4);
    let n = cx.pkt.add(&MSG_OFFSET, data, i, 4, Value::UInt(at));
    cx.pkt.set_generated(n);
    cx.pkt
        .add(&MSG_LENGTH, data, i, 4, Value::UInt(u64::from(len)));
    let msg = data.sub_len(i + 4, body)?;
    let complete = body == len as usize;
    let file = dir.in_file(at);
    let cmd = app(cx, msg, complete, file, sum);
    let end = at + 4 + u64::from(len);
    match cmd {
        Some("FILE") => dir.files.push((end, None)),
        Some("FILEEND") => {
            if let Some(f) = dir
                .files
                .iter_mut()
                .rev()
                .find(|f| f.1.is_none() && f.0 <= at)
            {
                f.1 = Some(at);
            }
        }
        _ => {}
    }
    Ok(4 + body)
}

fn fragment(
    cx: &mut Cx<'_>,
    data: &Tvb<'_>,
    i: usize,
    len: usize,
    msg_at: u64,
    file: bool,
    sum: &mut Summary,
) {
    let n = cx.pkt.add(
        &MSG_FRAGMENT,
        data,
        i,
        len,
        Value::Bytes(span(data, i, len)),
    );
    cx.pkt.set_label(
        n,
        format_args!("Message fragment: {len} bytes of the message at stream offset {msg_at}"),
    );
    if file {
        sum.app.push(format!("File data ({len} bytes, continued)"));
    }
}

/// The command word a message starts with, if it is one of the protocol's.
fn command_at(b: &[u8]) -> Option<&'static str> {
    let end = b
        .iter()
        .position(|&c| c == b' ' || c == b':' || c == b'\n' || c == b'\r')
        .unwrap_or(b.len());
    let word = &b[..end];
    COMMANDS.iter().copied().find(|c| c.as_bytes() == word)
}

/// Token positions (start, end) of `line` split on `sep`, offsets from `base`.
fn tokens(line: &[u8], base: usize, sep: impl Fn(u8) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut s = None;
    for (k, &c) in line.iter().enumerate() {
        match (sep(c), s) {
            (true, Some(a)) => {
                out.push((base + a, base + k));
                s = None;
            }
            (false, None) => s = Some(k),
            _ => {}
        }
    }
    if let Some(a) = s {
        out.push((base + a, base + line.len()));
    }
    out
}

fn parse_u64(b: &[u8]) -> Option<u64> {
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// Dissects one message (or its first part) as RUDPAPP; returns its command.
fn app(
    cx: &mut Cx<'_>,
    msg: Tvb<'_>,
    complete: bool,
    file: bool,
    sum: &mut Summary,
) -> Option<&'static str> {
    let b = msg.data();
    let cmd = command_at(b).filter(|_| !file || b.starts_with(b"FILEEND"));
    cx.pkt.layer("rudpapp");
    // Each message is a tree of its own at the top level, as tshark shows
    // the protocols of a packet one after the other.
    let top = cx.pkt.add_under(
        NIL,
        &APP,
        msg.ds(),
        msg.base(),
        msg.reported_len().min(u32::MAX as usize) as u32,
        Value::None,
    );
    cx.pkt.reopen(top);
    let Some(cmd) = cmd else {
        let what = if file { "File data" } else { "Data" };
        let f = if file { &APP_FILE_DATA } else { &APP_DATA };
        cx.pkt.add(
            f,
            &msg,
            0,
            msg.len(),
            Value::Bytes(span(&msg, 0, msg.len())),
        );
        cx.pkt.set_label(
            top,
            format_args!(
                "RUDP Application Protocol, {what} ({} bytes)",
                msg.reported_len()
            ),
        );
        continued(cx, &msg, complete);
        cx.pkt.close();
        sum.app
            .push(format!("{what} ({} bytes)", msg.reported_len()));
        return None;
    };
    let line_end = b.iter().position(|&c| c == b'\n').unwrap_or(b.len());
    let line = &b[..line_end];
    let shown = String::from_utf8_lossy(line);
    let shown = shown.trim_end_matches('\r');
    let short: String = if shown.chars().count() > 64 {
        shown.chars().take(63).chain(['…']).collect()
    } else {
        shown.to_string()
    };
    cx.pkt
        .set_label(top, format_args!("RUDP Application Protocol, {short}"));
    cx.pkt.add(
        &APP_TEXT,
        &msg,
        0,
        line.len(),
        Value::Str(span(&msg, 0, line.len())),
    );
    cx.pkt.add(
        &APP_COMMAND,
        &msg,
        0,
        cmd.len(),
        Value::Str(span(&msg, 0, cmd.len())),
    );
    let after = cmd.len();
    let args = line.get(after..).unwrap_or(&[]);
    let toks = tokens(args, after, |c| c == b' ' || c == b'\r');
    let tok = |k: usize| toks.get(k).copied();
    let s = |r: (usize, usize)| Value::Str(span(&msg, r.0, r.1 - r.0));
    let bytes = |r: (usize, usize)| &b[r.0..r.1];
    match cmd {
        "NEW" => {
            if let Some(r) = tok(0) {
                cx.pkt.add(&APP_USER, &msg, r.0, r.1 - r.0, s(r));
            }
        }
        "ACK" | "ECHO" | "STAT" | "GET" => {
            if let Some(r) = tok(0) {
                match parse_u64(bytes(r)) {
                    Some(v) => cx.pkt.add(&APP_ID, &msg, r.0, r.1 - r.0, Value::UInt(v)),
                    None => cx.pkt.add(&APP_ARG, &msg, r.0, r.1 - r.0, s(r)),
                };
            }
        }
        "ECHOREPLY" => {
            // ECHOREPLY:<id>;<unix time>
            let t = tokens(args, after, |c| c == b':' || c == b';' || c == b' ');
            if let Some(&r) = t.first() {
                if let Some(v) = parse_u64(bytes(r)) {
                    cx.pkt.add(&APP_ID, &msg, r.0, r.1 - r.0, Value::UInt(v));
                }
            }
            if let Some(&r) = t.get(1) {
                if let Some(v) = parse_u64(bytes(r)) {
                    cx.pkt.add(&APP_TIME, &msg, r.0, r.1 - r.0, Value::UInt(v));
                }
            }
        }
        "STATREPLY" => {
            // k=v pairs, on the first line or the following ones.
            let all = tokens(&b[after..], after, |c| {
                c == b' ' || c == b'\n' || c == b'\r' || c == b','
            });
            for r in all {
                let t = bytes(r);
                let Some(eq) = t.iter().position(|&c| c == b'=') else {
                    continue;
                };
                let st = cx.pkt.open(&APP_STAT, &msg, r.0, r.1 - r.0, Value::None);
                cx.pkt
                    .set_label(st, format_args!("{}", String::from_utf8_lossy(t)));
                cx.pkt.add(&APP_STAT_KEY, &msg, r.0, eq, s((r.0, r.0 + eq)));
                cx.pkt.add(
                    &APP_STAT_VALUE,
                    &msg,
                    r.0 + eq + 1,
                    r.1 - r.0 - eq - 1,
                    s((r.0 + eq + 1, r.1)),
                );
                cx.pkt.close();
            }
        }
        "ACKGET" => {
            if let Some(r) = tok(0) {
                if let Some(v) = parse_u64(bytes(r)) {
                    cx.pkt
                        .add(&APP_FILE_COUNT, &msg, r.0, r.1 - r.0, Value::UInt(v));
                }
            }
            if let Some(r) = tok(1) {
                cx.pkt.add(&APP_BASE_URL, &msg, r.0, r.1 - r.0, s(r));
            }
            // One line per file: <name> <size> <sha256>.
            let mut pos = line_end + 1;
            while pos < b.len() {
                let e = b[pos..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |k| pos + k);
                let t = tokens(&b[pos..e], pos, |c| c == b' ' || c == b'\r');
                if !t.is_empty() {
                    file_entry(cx, &msg, pos, e, &t);
                }
                pos = e + 1;
            }
        }
        "FILE" | "FETCH" | "FILEEND" => {
            if cmd == "FILE" {
                file_entry(cx, &msg, after, line_end, &toks);
            } else if let Some(r) = tok(0) {
                cx.pkt.add(&APP_FILE_NAME, &msg, r.0, r.1 - r.0, s(r));
            }
        }
        "ERR" => {
            if let (Some(a), Some(z)) = (tok(0), toks.last()) {
                cx.pkt.add(&APP_ERROR, &msg, a.0, z.1 - a.0, s((a.0, z.1)));
                cx.pkt.expert(
                    "rudpapp",
                    Severity::Note,
                    Group::ResponseCode,
                    format_args!("Server error: {}", String::from_utf8_lossy(&b[a.0..z.1])),
                );
            }
        }
        _ => {}
    }
    continued(cx, &msg, complete);
    cx.pkt.close();
    sum.app.push(short);
    Some(cmd)
}

/// A `<name> <size> <sha256>` entry as a `rudpapp.file` subtree.
fn file_entry(cx: &mut Cx<'_>, msg: &Tvb<'_>, start: usize, end: usize, t: &[(usize, usize)]) {
    let b = msg.data();
    let s = |r: (usize, usize)| Value::Str(span(msg, r.0, r.1 - r.0));
    let first = t.first().map_or(start, |r| r.0);
    let f = cx.pkt.open(
        &APP_FILE,
        msg,
        first,
        end.saturating_sub(first),
        Value::None,
    );
    cx.pkt.set_label(
        f,
        format_args!(
            "File: {}",
            String::from_utf8_lossy(b.get(first..end).unwrap_or(&[])).trim_end()
        ),
    );
    if let Some(&r) = t.first() {
        cx.pkt.add(&APP_FILE_NAME, msg, r.0, r.1 - r.0, s(r));
    }
    if let Some(&r) = t.get(1) {
        if let Some(v) = parse_u64(&b[r.0..r.1]) {
            cx.pkt
                .add(&APP_FILE_SIZE, msg, r.0, r.1 - r.0, Value::UInt(v));
        }
    }
    if let Some(&r) = t.get(2) {
        cx.pkt.add(&APP_FILE_SHA256, msg, r.0, r.1 - r.0, s(r));
    }
    cx.pkt.close();
}

fn continued(cx: &mut Cx<'_>, msg: &Tvb<'_>, complete: bool) {
    if !complete {
        let n = cx
            .pkt
            .add(&APP_CONTINUED, msg, msg.len(), 0, Value::Bool(true));
        cx.pkt.set_generated(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dissector, FrameMeta, Packet};

    /// An RUDP packet built by hand as `wire.rs` lays it out (header, then
    /// frames), sealed with its CRC32C.
    fn packet(ptype: u8, dcid: u64, pn: u64, frames: &[u8]) -> Vec<u8> {
        let mut p = vec![0x52, 1, ptype, 0, 0, 0, 0, 0];
        p.extend_from_slice(&dcid.to_be_bytes());
        p.extend_from_slice(&pn.to_be_bytes());
        p.extend_from_slice(frames);
        let c = checksum(&p);
        p[4..8].copy_from_slice(&c.to_be_bytes());
        p
    }

    fn varint_enc(v: u64, out: &mut Vec<u8>) {
        match v {
            0..=63 => out.push(v as u8),
            64..=16383 => out.extend_from_slice(&((v as u16) | 0x4000).to_be_bytes()),
            16384..=1_073_741_823 => {
                out.extend_from_slice(&((v as u32) | 0x8000_0000).to_be_bytes())
            }
            _ => out.extend_from_slice(&(v | 0xc000_0000_0000_0000).to_be_bytes()),
        }
    }

    fn stream(off: u64, data: &[u8], fin: bool) -> Vec<u8> {
        let mut f = vec![if fin { 3 } else { 2 }];
        varint_enc(off, &mut f);
        varint_enc(data.len() as u64, &mut f);
        f.extend_from_slice(data);
        f
    }

    fn msg(text: &[u8]) -> Vec<u8> {
        let mut m = (text.len() as u32).to_be_bytes().to_vec();
        m.extend_from_slice(text);
        m
    }

    /// Ethernet + IPv4 + UDP around `payload` (checksums zero: unverified).
    fn frame(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x08, 0x00]);
        let tl = (20 + 8 + payload.len()) as u16;
        f.extend_from_slice(&[
            0x45,
            0,
            (tl >> 8) as u8,
            tl as u8,
            0,
            1,
            0x40,
            0,
            64,
            17,
            0,
            0,
        ]);
        f.extend_from_slice(&[127, 0, 0, 1, 127, 0, 0, 2]);
        let ul = (8 + payload.len()) as u16;
        f.extend_from_slice(&sport.to_be_bytes());
        f.extend_from_slice(&dport.to_be_bytes());
        f.extend_from_slice(&ul.to_be_bytes());
        f.extend_from_slice(&[0, 0]);
        f.extend_from_slice(payload);
        f
    }

    fn run(d: &mut Dissector, n: u64, bytes: &[u8]) -> Packet {
        let mut p = Packet::new();
        let meta = FrameMeta {
            number: n,
            cap_len: bytes.len() as u32,
            orig_len: bytes.len() as u32,
            linktype: 1,
            ..FrameMeta::default()
        };
        d.dissect(meta, bytes, &mut p);
        p
    }

    fn uint(p: &Packet, f: FieldRef) -> Vec<u64> {
        p.find(f)
            .filter_map(|n| match n.value {
                Value::UInt(v) => Some(v),
                _ => None,
            })
            .collect()
    }

    fn strs(p: &Packet, data: &[u8], f: FieldRef) -> Vec<String> {
        p.find(f)
            .map(|n| {
                let mut s = String::new();
                p.fmt_value(data, n, &mut s);
                s
            })
            .collect()
    }

    #[test]
    fn header_layout_matches_wire_rs_test_vector() {
        // wire.rs `header_layout_and_checksum`: DATA, dcid 0x0102…08, pn 9,
        // one PING frame.
        let p = packet(3, 0x0102_0304_0506_0708, 9, &[5]);
        assert_eq!(&p[..4], &[0x52, 1, 3, 0]);
        let f = frame(40000, PORT, &p);
        let mut d = Dissector::new();
        let pk = run(&mut d, 1, &f);
        assert_eq!(pk.cols.protocol, "RUDP");
        assert_eq!(pk.cols.info, "[PING] pn=9");
        assert_eq!(uint(&pk, &DCID), vec![0x0102_0304_0506_0708]);
        assert_eq!(uint(&pk, &PAYLOAD_LEN), vec![1]);
        assert_eq!(uint(&pk, &CHECKSUM_STATUS), vec![1]);
        assert!(!pk.expert.iter().any(|e| e.protocol == "rudp"));
        // One flipped bit: checksum bad, a warning, still dissected.
        let mut bad = f.clone();
        let last = bad.len() - 1;
        bad[last] ^= 4;
        let pk = run(&mut d, 2, &bad);
        assert_eq!(uint(&pk, &CHECKSUM_STATUS), vec![0]);
        let ex: Vec<_> = pk.expert.iter().filter(|e| e.protocol == "rudp").collect();
        assert_eq!(ex.len(), 1);
        assert_eq!(ex[0].severity, Severity::Warning);
        // The heuristic wants the signature, not the checksum.
        assert!(heuristic(&Tvb::new(&p, p.len(), 0)));
        let mut b2 = p.clone();
        b2[20] ^= 1;
        assert!(heuristic(&Tvb::new(&b2, b2.len(), 0)));
        for (i, v) in [(0, b'Q'), (1, 2), (2, 0), (2, 5), (3, 1)] {
            let mut b3 = p.clone();
            b3[i] = v;
            assert!(!heuristic(&Tvb::new(&b3, b3.len(), 0)), "byte {i} = {v}");
        }
        assert!(!heuristic(&Tvb::new(&p[..23], 23, 0)));
    }

    #[test]
    fn ack_ranges_as_in_wire_rs_round_trip() {
        // wire.rs `frames_round_trip`: ranges (90,100) (50,80) (10,10) (0,5),
        // delay 250 µs: largest 100, count 3, first 10, then gap/len pairs
        // (90-80-2=8, 30), (50-10-2=38, 0), (10-5-2=3, 5).
        let mut a = vec![1u8];
        for v in [100, 250, 3, 10, 8, 30, 38, 0, 3, 5] {
            varint_enc(v, &mut a);
        }
        let p = packet(3, 7, 4, &a);
        let f = frame(PORT, 40000, &p);
        let pk = run(&mut Dissector::new(), 1, &f);
        assert_eq!(uint(&pk, &SACK_LEFT), vec![90, 50, 10, 0]);
        assert_eq!(uint(&pk, &SACK_RIGHT), vec![100, 80, 10, 5]);
        assert_eq!(uint(&pk, &ACK_DELAY), vec![250]);
        assert_eq!(pk.cols.info, "[ACK] pn=4 ack=100 sack=3 ranges");
        // A first range below zero is malformed, as wire.rs says.
        let p = packet(3, 7, 5, &[1, 5, 0, 0, 9]);
        let pk = run(&mut Dissector::new(), 1, &frame(PORT, 40000, &p));
        assert!(
            pk.cols.info.ends_with("[Malformed Packet]"),
            "{}",
            pk.cols.info
        );
    }

    #[test]
    fn handshake_frames() {
        let mut syn = vec![7u8];
        syn.extend_from_slice(&42u64.to_be_bytes());
        varint_enc(1000, &mut syn);
        syn.resize(200 - 24, 0);
        let p = packet(1, 0, 0, &syn);
        let pk = run(&mut Dissector::new(), 1, &frame(40000, PORT, &p));
        assert_eq!(pk.cols.info, "[SYN] pn=0 cid=0x000000000000002a");
        assert_eq!(uint(&pk, &CID_CLIENT), vec![42]);
        assert_eq!(uint(&pk, &WINDOW), vec![1000]);
        assert_eq!(uint(&pk, &PADDING_LEN), vec![200 - 24 - 11]);
        let mut sa = vec![8u8];
        sa.extend_from_slice(&43u64.to_be_bytes());
        varint_enc(2000, &mut sa);
        sa.extend_from_slice(&7u32.to_be_bytes());
        sa.extend_from_slice(&[3; 16]);
        let p = packet(2, 42, 0, &sa);
        let pk = run(&mut Dissector::new(), 1, &frame(PORT, 40000, &p));
        assert_eq!(pk.cols.info, "[SYN-ACK] pn=0 cid=0x000000000000002b");
        assert_eq!(uint(&pk, &COOKIE_BUCKET), vec![7]);
        // Cut inside the cookie: malformed, no panic.
        let cut = &p[..p.len() - 3];
        let pk = run(&mut Dissector::new(), 1, &frame(PORT, 40000, cut));
        assert!(pk.cols.info.contains("Malformed"), "{}", pk.cols.info);
    }

    #[test]
    fn app_messages_and_framing_across_datagrams() {
        let mut d = Dissector::new();
        // Client → server: NEW alice and ECHO 1 in one frame.
        let mut s = msg(b"NEW alice");
        s.extend(msg(b"ECHO 1"));
        let f1 = frame(40000, PORT, &packet(3, 5, 1, &stream(0, &s, false)));
        let pk = run(&mut d, 1, &f1);
        assert_eq!(pk.cols.protocol, "RUDPAPP");
        assert_eq!(pk.cols.info, "NEW alice, ECHO 1");
        assert_eq!(strs(&pk, &f1, &APP_COMMAND), vec!["NEW", "ECHO"]);
        assert_eq!(strs(&pk, &f1, &APP_USER), vec!["alice"]);
        assert_eq!(uint(&pk, &APP_ID), vec![1]);
        // Server → client: ECHOREPLY, then a STATREPLY cut in two.
        let mut s = msg(b"ACK 1");
        s.extend(msg(b"ECHOREPLY:1;1732200000"));
        let f2 = frame(PORT, 40000, &packet(3, 6, 1, &stream(0, &s, false)));
        let pk = run(&mut d, 2, &f2);
        assert_eq!(pk.cols.info, "ACK 1, ECHOREPLY:1;1732200000");
        assert_eq!(uint(&pk, &APP_TIME), vec![1_732_200_000]);
        let at = s.len() as u64;
        let st = msg(b"STATREPLY sent=10 retransmitted=1 rtt_ms=3");
        let (a, b) = st.split_at(20);
        let f3 = frame(PORT, 40000, &packet(3, 6, 2, &stream(at, a, false)));
        let pk = run(&mut d, 3, &f3);
        assert_eq!(pk.cols.info, "STATREPLY sent=1");
        assert!(pk.has(&APP_CONTINUED));
        assert_eq!(uint(&pk, &MSG_LENGTH), vec![st.len() as u64 - 4]);
        let f4 = frame(PORT, 40000, &packet(3, 6, 3, &stream(at + 20, b, false)));
        let pk = run(&mut d, 4, &f4);
        assert_eq!(pk.cols.protocol, "RUDP");
        assert!(pk.has(&MSG_FRAGMENT));
        // The same bytes again: a retransmission, still dissected.
        let pk = run(&mut d, 40, &f3);
        assert!(pk.has(&RETRANSMISSION));
        assert_eq!(pk.cols.info, "[Retransmission] STATREPLY sent=1");
        // A FILE header, a file-data message, FILEEND.
        let at2 = at + st.len() as u64;
        let mut s = msg(b"FILE task2.pdf 5 abcd");
        s.extend(msg(b"ACK 9")); // file data that looks like a command
        s.extend(msg(b"FILEEND task2.pdf"));
        let f5 = frame(PORT, 40000, &packet(3, 6, 4, &stream(at2, &s, true)));
        let pk = run(&mut d, 5, &f5);
        assert_eq!(
            pk.cols.info,
            "FILE task2.pdf 5 abcd, File data (5 bytes), FILEEND task2.pdf"
        );
        assert_eq!(uint(&pk, &APP_FILE_SIZE), vec![5]);
        assert_eq!(
            strs(&pk, &f5, &APP_FILE_NAME),
            vec!["task2.pdf", "task2.pdf"]
        );
        // ACKGET with its file list.
        let list = b"ACKGET 2 http://10.20.30.40/\n50MB.zip 52428800 aa\ntask2.pdf 5 bb\n";
        let f6 = frame(40001, PORT, &packet(3, 8, 1, &stream(0, &msg(list), false)));
        let pk = run(&mut d, 6, &f6);
        assert_eq!(pk.cols.info, "ACKGET 2 http://10.20.30.40/");
        assert_eq!(uint(&pk, &APP_FILE_SIZE), vec![52_428_800, 5]);
        assert_eq!(strs(&pk, &f6, &APP_BASE_URL), vec!["http://10.20.30.40/"]);
        // The filter sees the command by name.
        let reg = crate::registry();
        assert!(reg.get("rudpapp.command").is_some());
        assert!(reg.get("rudp.sack.left").is_some());
    }

    #[test]
    fn random_payloads_never_panic() {
        let mut seed = 0x1234_5678_9abc_def0u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut d = Dissector::new();
        for i in 0..5000 {
            let len = (next() % 120) as usize;
            let mut fr: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if let Some(b) = fr.first_mut() {
                *b %= 12;
            }
            let p = packet((next() % 5) as u8, next(), next(), &fr);
            let f = frame(40000, PORT, &p);
            let _ = run(&mut d, i, &f);
            // Messages: a command word, then random bytes, at random offsets
            // and lengths, some cut short.
            let cmd = COMMANDS[(next() % COMMANDS.len() as u64) as usize];
            let mut text = cmd.as_bytes().to_vec();
            let extra = (next() % 80) as usize;
            text.extend((0..extra).map(|_| b" :;=\n0123456789abcz"[(next() % 19) as usize]));
            let mut m = msg(&text);
            let cut = (next() as usize) % (m.len() + 1);
            if next() % 3 == 0 {
                m.truncate(cut);
            }
            let so = next() % 200;
            let p = packet(3, 1, i, &stream(so, &m, false));
            let _ = run(&mut d, i, &frame(PORT, 40000 + (i % 3) as u16, &p));
        }
    }
}
