//! TCP (RFC 9293): header, options, flags, and the per-stream state the
//! packet list needs (stream index, relative sequence numbers, window scale).

use std::fmt::Write as _;

use crate::field::{Base, FieldDef, FieldRef, FieldType};
use crate::packet::{Group, Severity, Span, Src, Value};
use crate::proto::{data, frame::sub_time};
use crate::state::{conv_key, TcpDir, TcpStream};
use crate::tvb::{Tvb, R};
use crate::Cx;

/// `tcp`.
pub static PROTO: FieldDef = FieldDef::proto("tcp", "Transmission Control Protocol");
/// `tcp.srcport`.
pub static SRCPORT: FieldDef = FieldDef::new("tcp.srcport", "Source Port", FieldType::U16);
/// `tcp.dstport`.
pub static DSTPORT: FieldDef = FieldDef::new("tcp.dstport", "Destination Port", FieldType::U16);
/// `tcp.port`.
pub static PORT: FieldDef = FieldDef::new("tcp.port", "Source or Destination Port", FieldType::U16);
/// `tcp.stream`.
pub static STREAM: FieldDef = FieldDef::new("tcp.stream", "Stream index", FieldType::U32);
/// `tcp.completeness`: which parts of a connection the capture has shown
/// so far (a bitmask of [`COMPLETENESS_SYN`] and the others).
pub static COMPLETENESS: FieldDef = FieldDef::new(
    "tcp.completeness",
    "Conversation completeness",
    FieldType::U8,
);
/// `tcp.completeness` bit: a SYN was seen.
pub const COMPLETENESS_SYN: u8 = 0x01;
/// `tcp.completeness` bit: a SYN/ACK was seen.
pub const COMPLETENESS_SYNACK: u8 = 0x02;
/// `tcp.completeness` bit: an ACK (without SYN) was seen.
pub const COMPLETENESS_ACK: u8 = 0x04;
/// `tcp.completeness` bit: a segment with data was seen.
pub const COMPLETENESS_DATA: u8 = 0x08;
/// `tcp.completeness` bit: a FIN was seen.
pub const COMPLETENESS_FIN: u8 = 0x10;
/// `tcp.completeness` bit: a RST was seen.
pub const COMPLETENESS_RST: u8 = 0x20;

/// The bits a segment adds to its stream's completeness.
pub fn completeness_bits(flags: u16, seg_len: usize) -> u8 {
    let mut b = 0;
    if flags & SYN != 0 {
        b |= if flags & ACKF != 0 {
            COMPLETENESS_SYNACK
        } else {
            COMPLETENESS_SYN
        };
    } else if flags & ACKF != 0 && seg_len == 0 {
        // Only a segment without data counts as the handshake's ACK.
        b |= COMPLETENESS_ACK;
    }
    if seg_len > 0 {
        b |= COMPLETENESS_DATA;
    }
    if flags & (FIN | ACKF) == FIN | ACKF {
        // A FIN without ACK is not counted (as tshark 4.0 shows).
        b |= COMPLETENESS_FIN;
    }
    if flags & RST != 0 {
        b |= COMPLETENESS_RST;
    }
    b
}

/// How tshark 4.0 names a completeness value.
pub fn completeness_label(v: u8) -> &'static str {
    const HANDSHAKE: u8 = COMPLETENESS_SYN | COMPLETENESS_SYNACK | COMPLETENESS_ACK;
    const END: u8 = COMPLETENESS_FIN | COMPLETENESS_RST;
    match v {
        COMPLETENESS_SYN => "Incomplete, SYN_SENT",
        0x03 => "Incomplete, CLIENT_ESTABLISHED",
        HANDSHAKE => "Incomplete, ESTABLISHED",
        0x0f => "Incomplete, DATA",
        _ if (v & !END) == (HANDSHAKE | COMPLETENESS_DATA) && (v & END) != 0 => {
            "Complete, WITH_DATA"
        }
        _ if (v & !END) == HANDSHAKE && (v & END) != 0 => "Complete, NO_DATA",
        _ => "Incomplete",
    }
}

/// `tcp.len`.
pub static LEN: FieldDef = FieldDef::new("tcp.len", "TCP Segment Len", FieldType::U32);
/// `tcp.seq`.
pub static SEQ: FieldDef = FieldDef::new("tcp.seq", "Sequence Number", FieldType::U32);
/// `tcp.seq_raw`.
pub static SEQ_RAW: FieldDef =
    FieldDef::new("tcp.seq_raw", "Sequence Number (raw)", FieldType::U32);
/// `tcp.nxtseq`.
pub static NXTSEQ: FieldDef = FieldDef::new("tcp.nxtseq", "Next Sequence Number", FieldType::U32);
/// `tcp.ack`.
pub static ACK: FieldDef = FieldDef::new("tcp.ack", "Acknowledgment Number", FieldType::U32);
/// `tcp.ack_raw`.
pub static ACK_RAW: FieldDef =
    FieldDef::new("tcp.ack_raw", "Acknowledgment number (raw)", FieldType::U32);
/// `tcp.hdr_len`.
pub static HDR_LEN: FieldDef =
    FieldDef::new("tcp.hdr_len", "Header Length", FieldType::U8).with_mask(0xf0, 8);
/// `tcp.flags`.
pub static FLAGS: FieldDef = FieldDef::new("tcp.flags", "Flags", FieldType::U16)
    .with_base(Base::Hex)
    .with_mask(0x0fff, 12);
macro_rules! flag {
    ($id:ident, $abbrev:literal, $name:literal, $mask:literal) => {
        #[doc = concat!("`", $abbrev, "`.")]
        pub static $id: FieldDef = FieldDef::new($abbrev, $name, FieldType::Bool)
            .with_mask($mask, 12)
            .with_tfs("Set", "Not set");
    };
}
flag!(FLAG_RES, "tcp.flags.res", "Reserved", 0x0e00);
flag!(FLAG_AE, "tcp.flags.ae", "Accurate ECN", 0x0100);
flag!(
    FLAG_CWR,
    "tcp.flags.cwr",
    "Congestion Window Reduced",
    0x0080
);
flag!(FLAG_ECE, "tcp.flags.ece", "ECN-Echo", 0x0040);
flag!(FLAG_URG, "tcp.flags.urg", "Urgent", 0x0020);
flag!(FLAG_ACK, "tcp.flags.ack", "Acknowledgment", 0x0010);
flag!(FLAG_PUSH, "tcp.flags.push", "Push", 0x0008);
flag!(FLAG_RESET, "tcp.flags.reset", "Reset", 0x0004);
flag!(FLAG_SYN, "tcp.flags.syn", "Syn", 0x0002);
flag!(FLAG_FIN, "tcp.flags.fin", "Fin", 0x0001);
/// `tcp.flags.str`.
pub static FLAGS_STR: FieldDef = FieldDef::new("tcp.flags.str", "TCP Flags", FieldType::String);
/// `tcp.window_size_value`.
pub static WINDOW_VALUE: FieldDef =
    FieldDef::new("tcp.window_size_value", "Window", FieldType::U16);
/// `tcp.window_size`.
pub static WINDOW_SIZE: FieldDef =
    FieldDef::new("tcp.window_size", "Calculated window size", FieldType::U32);
/// `tcp.window_size_scalefactor`.
pub static WINDOW_SCALE: FieldDef = FieldDef::new(
    "tcp.window_size_scalefactor",
    "Window size scaling factor",
    FieldType::I32,
);
/// `tcp.checksum`.
pub static CHECKSUM: FieldDef =
    FieldDef::new("tcp.checksum", "Checksum", FieldType::U16).with_base(Base::Hex);
/// `tcp.checksum.status`.
pub static CHECKSUM_STATUS: FieldDef =
    FieldDef::new("tcp.checksum.status", "Checksum Status", FieldType::U8)
        .with_strings(super::ip::CHECKSUM_STATUS_VALS);
/// `tcp.urgent_pointer`.
pub static URGENT: FieldDef = FieldDef::new("tcp.urgent_pointer", "Urgent Pointer", FieldType::U16);
/// `tcp.options`.
pub static OPTIONS: FieldDef = FieldDef::new("tcp.options", "Options", FieldType::Bytes);
/// `tcp.option_kind`.
pub static OPTION_KIND: FieldDef = FieldDef::new("tcp.option_kind", "Kind", FieldType::U8);
/// `tcp.option_len`.
pub static OPTION_LEN: FieldDef = FieldDef::new("tcp.option_len", "Length", FieldType::U8);
/// `tcp.options.nop`.
pub static OPT_NOP: FieldDef = FieldDef::new(
    "tcp.options.nop",
    "TCP Option - No-Operation (NOP)",
    FieldType::Bytes,
);
/// `tcp.options.eol`.
pub static OPT_EOL: FieldDef = FieldDef::new(
    "tcp.options.eol",
    "TCP Option - End of Option List (EOL)",
    FieldType::Bytes,
);
/// `tcp.options.mss`.
pub static OPT_MSS: FieldDef = FieldDef::new(
    "tcp.options.mss",
    "TCP Option - Maximum segment size",
    FieldType::None,
);
/// `tcp.options.mss_val`.
pub static OPT_MSS_VAL: FieldDef =
    FieldDef::new("tcp.options.mss_val", "MSS Value", FieldType::U16);
/// `tcp.options.wscale`.
pub static OPT_WS: FieldDef = FieldDef::new(
    "tcp.options.wscale",
    "TCP Option - Window scale",
    FieldType::None,
);
/// `tcp.options.wscale.shift`.
pub static OPT_WS_SHIFT: FieldDef =
    FieldDef::new("tcp.options.wscale.shift", "Shift count", FieldType::U8);
/// `tcp.options.wscale.multiplier`.
pub static OPT_WS_MULT: FieldDef = FieldDef::new(
    "tcp.options.wscale.multiplier",
    "Multiplier",
    FieldType::U16,
);
/// `tcp.options.sack_perm`.
pub static OPT_SACK_PERM: FieldDef = FieldDef::new(
    "tcp.options.sack_perm",
    "TCP Option - SACK permitted",
    FieldType::None,
);
/// `tcp.options.sack`.
pub static OPT_SACK: FieldDef =
    FieldDef::new("tcp.options.sack", "TCP Option - SACK", FieldType::None);
/// `tcp.options.sack_le`.
pub static OPT_SACK_LE: FieldDef =
    FieldDef::new("tcp.options.sack_le", "left edge", FieldType::U32);
/// `tcp.options.sack_re`.
pub static OPT_SACK_RE: FieldDef =
    FieldDef::new("tcp.options.sack_re", "right edge", FieldType::U32);
/// `tcp.options.timestamp.tsval`.
pub static OPT_TSVAL: FieldDef = FieldDef::new(
    "tcp.options.timestamp.tsval",
    "Timestamp value",
    FieldType::U32,
);
/// `tcp.options.timestamp.tsecr`.
pub static OPT_TSECR: FieldDef = FieldDef::new(
    "tcp.options.timestamp.tsecr",
    "Timestamp echo reply",
    FieldType::U32,
);
/// `tcp.options.time_stamp`.
pub static OPT_TS: FieldDef = FieldDef::new(
    "tcp.options.time_stamp",
    "TCP Option - Timestamps",
    FieldType::None,
);
/// `tcp.time_relative`.
pub static TIME_RELATIVE: FieldDef = FieldDef::new(
    "tcp.time_relative",
    "Time since first frame in this TCP stream",
    FieldType::RelTime,
);
/// `tcp.time_delta`.
pub static TIME_DELTA: FieldDef = FieldDef::new(
    "tcp.time_delta",
    "Time since previous frame in this TCP stream",
    FieldType::RelTime,
);
/// `tcp.payload`.
pub static PAYLOAD: FieldDef = FieldDef::new("tcp.payload", "TCP payload", FieldType::Bytes);

/// Fields of this module.
pub static FIELDS: &[FieldRef] = &[
    &PROTO,
    &SRCPORT,
    &DSTPORT,
    &PORT,
    &STREAM,
    &COMPLETENESS,
    &LEN,
    &SEQ,
    &SEQ_RAW,
    &NXTSEQ,
    &ACK,
    &ACK_RAW,
    &HDR_LEN,
    &FLAGS,
    &FLAG_RES,
    &FLAG_AE,
    &FLAG_CWR,
    &FLAG_ECE,
    &FLAG_URG,
    &FLAG_ACK,
    &FLAG_PUSH,
    &FLAG_RESET,
    &FLAG_SYN,
    &FLAG_FIN,
    &FLAGS_STR,
    &WINDOW_VALUE,
    &WINDOW_SIZE,
    &WINDOW_SCALE,
    &CHECKSUM,
    &CHECKSUM_STATUS,
    &URGENT,
    &OPTIONS,
    &OPTION_KIND,
    &OPTION_LEN,
    &OPT_NOP,
    &OPT_EOL,
    &OPT_MSS,
    &OPT_MSS_VAL,
    &OPT_WS,
    &OPT_WS_SHIFT,
    &OPT_WS_MULT,
    &OPT_SACK_PERM,
    &OPT_SACK,
    &OPT_SACK_LE,
    &OPT_SACK_RE,
    &OPT_TS,
    &OPT_TSVAL,
    &OPT_TSECR,
    &TIME_RELATIVE,
    &TIME_DELTA,
    &PAYLOAD,
    &SEGMENTS,
    &SEGMENT,
    &SEGMENT_COUNT,
    &REASSEMBLED_LENGTH,
];

const FIN: u16 = 0x001;
const SYN: u16 = 0x002;
const RST: u16 = 0x004;
const PSH: u16 = 0x008;
const ACKF: u16 = 0x010;
const URG: u16 = 0x020;
const ECE: u16 = 0x040;
const CWR: u16 = 0x080;
const AE: u16 = 0x100;

/// Flag names as the Info column lists them, lowest bit first.
fn flag_names(flags: u16, out: &mut String) {
    let names = [
        (FIN, "FIN"),
        (SYN, "SYN"),
        (RST, "RST"),
        (PSH, "PSH"),
        (ACKF, "ACK"),
        (URG, "URG"),
        (ECE, "ECE"),
        (CWR, "CWR"),
        (AE, "AE"),
    ];
    let mut first = true;
    for (bit, n) in names {
        if flags & bit != 0 {
            if !first {
                out.push_str(", ");
            }
            out.push_str(n);
            first = false;
        }
    }
    if flags & 0x0e00 != 0 {
        if !first {
            out.push_str(", ");
        }
        out.push_str("Reserved");
    }
}

/// The `tcp.flags.str` picture: `·······AP···`.
fn flags_str(flags: u16) -> String {
    let chars = [
        (0x800, 'R'),
        (0x400, 'R'),
        (0x200, 'R'),
        (AE, 'A'),
        (CWR, 'C'),
        (ECE, 'E'),
        (URG, 'U'),
        (ACKF, 'A'),
        (PSH, 'P'),
        (RST, 'R'),
        (SYN, 'S'),
        (FIN, 'F'),
    ];
    chars
        .iter()
        .map(|&(b, c)| if flags & b != 0 { c } else { '·' })
        .collect()
}

/// What the options say, for the stream state and the Info column.
#[derive(Default)]
struct Opts {
    ws: Option<u8>,
}

/// Dissects a TCP segment.
pub fn dissect(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<()> {
    cx.current_proto = "TCP";
    cx.pkt.cols.set_protocol("TCP");
    cx.pkt.cols.clear_info();
    cx.pkt.layer("tcp");
    let sport = tvb.u16(0)?;
    let dport = tvb.u16(2)?;
    cx.l4 = crate::L4 { sport, dport };
    let root = cx
        .pkt
        .open(&PROTO, &tvb, 0, 20.min(tvb.reported_len()), Value::None);
    cx.pkt.add(&SRCPORT, &tvb, 0, 2, Value::UInt(sport as u64));
    cx.pkt.add(&DSTPORT, &tvb, 2, 2, Value::UInt(dport as u64));
    let n = cx.pkt.add(&PORT, &tvb, 0, 2, Value::UInt(sport as u64));
    cx.pkt.set_hidden(n);
    let n = cx.pkt.add(&PORT, &tvb, 2, 2, Value::UInt(dport as u64));
    cx.pkt.set_hidden(n);
    cx.pkt.cols.set_info(format_args!("{sport} → {dport}"));
    let seq = tvb.u32(4)?;
    let ack = tvb.u32(8)?;
    let off_flags = tvb.u16(12)?;
    let hl = ((off_flags >> 12) as usize) * 4;
    let flags = off_flags & 0x0fff;
    let win = tvb.u16(14)?;
    if hl < 20 {
        cx.pkt.set_label(
            root,
            format_args!("Transmission Control Protocol, Src Port: {sport}, Dst Port: {dport}"),
        );
        cx.pkt.add(&HDR_LEN, &tvb, 12, 1, Value::UInt(hl as u64));
        cx.pkt.close();
        cx.pkt.cols.append_info(format_args!(
            ", bogus TCP header length ({hl}, must be at least 20)"
        ));
        return Ok(());
    }
    cx.pkt.set_len(root, hl);
    let seg_len = tvb.reported_len().saturating_sub(hl);
    // Options first (the SYN's window scale decides the stream state).
    let mut opts = Opts::default();
    if hl > 20 {
        // Options cut short by the capture are read as far as they go.
        opts = scan_options(&tvb, hl);
    }
    // Stream state.
    let ts = (cx.pkt.meta.ts_secs, cx.pkt.meta.ts_nanos);
    let stream = match (cx.l3.src, cx.l3.dst) {
        (Some(s), Some(d)) => Some(stream_of(
            cx,
            (s, sport),
            (d, dport),
            flags,
            seq,
            ack,
            opts.ws,
            ts,
        )),
        _ => None,
    };
    let reused_ports = stream.is_some_and(|s| s.2);
    let first_of_stream = stream.is_some_and(|s| s.3);
    let limits_hit = stream.map_or(0, |s| s.4);
    let stream = stream.map(|(a, b, _, _, _)| (a, b));
    let (rel_seq, rel_ack, scale, index, trel, tdelta) = match stream {
        Some((si, dir)) => {
            let st = &cx.state.tcp_streams[si];
            let me = &st.dirs[dir];
            let other = &st.dirs[1 - dir];
            let rs = seq.wrapping_sub(me.base_seq.unwrap_or(seq));
            let ra = ack.wrapping_sub(other.base_seq.unwrap_or(ack));
            // The window of a SYN is never scaled.
            let scale: i32 = if flags & SYN != 0 {
                -1
            } else {
                match (me.win_shift, other.win_shift) {
                    (Some(a), Some(b)) if a >= 0 && b >= 0 => a as i32,
                    (Some(_), Some(_)) => -2,
                    _ => -1,
                }
            };
            (
                rs,
                ra,
                scale,
                st.index,
                sub_time(ts, st.first_ts),
                sub_time(ts, st.prev_ts),
            )
        }
        None => (seq, ack, -1, 0, (0, 0), (0, 0)),
    };
    let mut findings = super::tcp_analysis::Findings::default();
    let mut irtt = None;
    let mut completeness = 0;
    if let Some((si, dir)) = stream {
        let st = &mut cx.state.tcp_streams[si];
        st.prev_ts = ts;
        // Shown as it was before this segment (tshark's single pass).
        completeness = st.completeness;
        // tshark counts nothing from a stream's first segment unless it
        // is a SYN.
        if !first_of_stream || flags & (SYN | ACKF) == SYN {
            st.completeness |= completeness_bits(flags, seg_len);
        }
        let seg = super::tcp_analysis::Segment {
            seq,
            ack,
            len: seg_len as u32,
            flags,
            window: win,
            ts,
            frame: cx.pkt.meta.number,
        };
        findings = super::tcp_analysis::analyze(st, dir, seg);
        irtt = st.irtt;
        if reused_ports {
            findings.flags |= super::tcp_analysis::REUSED_PORTS;
        }
    }
    let has_stream = stream.is_some();
    if cx.pkt.labelled(root) {
        cx.pkt.set_label(
            root,
            format_args!(
                "Transmission Control Protocol, Src Port: {sport}, Dst Port: {dport}, Seq: {rel_seq}{}, Len: {seg_len}",
                if flags & ACKF != 0 {
                    format!(", Ack: {rel_ack}")
                } else {
                    String::new()
                }
            ),
        );
    }
    if has_stream {
        let n = cx.pkt.add(&STREAM, &tvb, 0, 0, Value::UInt(index as u64));
        cx.pkt.set_generated(n);
        let n = cx
            .pkt
            .add(&COMPLETENESS, &tvb, 0, 0, Value::UInt(completeness as u64));
        cx.pkt.set_generated(n);
        cx.pkt.set_label(
            n,
            format_args!(
                "[Conversation completeness: {} ({completeness})]",
                completeness_label(completeness)
            ),
        );
    }
    let n = cx.pkt.add(&LEN, &tvb, 12, 1, Value::UInt(seg_len as u64));
    cx.pkt.set_generated(n);
    let n = cx.pkt.add(&SEQ, &tvb, 4, 4, Value::UInt(rel_seq as u64));
    cx.pkt.set_label(
        n,
        format_args!("Sequence Number: {rel_seq}    (relative sequence number)"),
    );
    cx.pkt.add(&SEQ_RAW, &tvb, 4, 4, Value::UInt(seq as u64));
    let syn_fin = (flags & SYN != 0) as u32 + (flags & FIN != 0) as u32;
    {
        let nxt = rel_seq.wrapping_add(seg_len as u32).wrapping_add(syn_fin);
        let n = cx.pkt.add(&NXTSEQ, &tvb, 0, 0, Value::UInt(nxt as u64));
        cx.pkt.set_generated(n);
        cx.pkt.set_label(
            n,
            format_args!("[Next Sequence Number: {nxt}    (relative sequence number)]"),
        );
    }
    if flags & ACKF != 0 {
        let n = cx.pkt.add(&ACK, &tvb, 8, 4, Value::UInt(rel_ack as u64));
        cx.pkt.set_label(
            n,
            format_args!("Acknowledgment Number: {rel_ack}    (relative ack number)"),
        );
        cx.pkt.add(&ACK_RAW, &tvb, 8, 4, Value::UInt(ack as u64));
    } else {
        // Without the ACK flag the field is shown as it is, never relative.
        let n = cx.pkt.add(&ACK, &tvb, 8, 4, Value::UInt(ack as u64));
        if ack != 0 {
            cx.pkt.reopen(n);
            cx.pkt.expert(
                "tcp",
                Severity::Note,
                Group::Protocol,
                format_args!(
                    "The acknowledgment number field is nonzero while the ACK flag is not set"
                ),
            );
            cx.pkt.close();
        }
        cx.pkt.add(&ACK_RAW, &tvb, 8, 4, Value::UInt(ack as u64));
    }
    let n = cx.pkt.add(&HDR_LEN, &tvb, 12, 1, Value::UInt(hl as u64));
    cx.pkt.set_label(
        n,
        format_args!(
            "{:04b} .... = Header Length: {} bytes ({})",
            hl / 4,
            hl,
            hl / 4
        ),
    );
    let fl = cx.pkt.open(&FLAGS, &tvb, 12, 2, Value::UInt(flags as u64));
    // The flag names, for the label and the Info column (when either is built).
    let mut names = String::new();
    if cx.pkt.labelled(fl) || cx.pkt.cols.enabled() {
        flag_names(flags, &mut names);
    }
    cx.pkt
        .set_label(fl, format_args!("Flags: 0x{flags:03x} ({names})"));
    for f in [
        &FLAG_RES,
        &FLAG_AE,
        &FLAG_CWR,
        &FLAG_ECE,
        &FLAG_URG,
        &FLAG_ACK,
        &FLAG_PUSH,
        &FLAG_RESET,
        &FLAG_SYN,
        &FLAG_FIN,
    ] {
        let v = (flags as u64 & f.bitmask) >> f.bitmask.trailing_zeros();
        let n = cx.pkt.add(f, &tvb, 12, 2, Value::UInt(v));
        // Connection events, as Wireshark notes them under their flag.
        let note = |cx: &mut Cx<'_>, sev: Severity, args: std::fmt::Arguments<'_>| {
            cx.pkt.reopen(n);
            cx.pkt.expert("tcp", sev, Group::Sequence, args);
            cx.pkt.close();
        };
        if std::ptr::eq(f, &FLAG_RESET) && flags & RST != 0 {
            note(
                cx,
                Severity::Warning,
                format_args!("Connection reset (RST)"),
            );
        } else if std::ptr::eq(f, &FLAG_SYN) && flags & SYN != 0 {
            if flags & ACKF != 0 {
                note(
                    cx,
                    Severity::Chat,
                    format_args!("Connection establish acknowledge (SYN+ACK): server port {sport}"),
                );
            } else {
                note(
                    cx,
                    Severity::Chat,
                    format_args!("Connection establish request (SYN): server port {dport}"),
                );
            }
        } else if std::ptr::eq(f, &FLAG_FIN) && flags & FIN != 0 {
            note(cx, Severity::Chat, format_args!("Connection finish (FIN)"));
        }
    }
    let v = if cx.pkt.wants(&FLAGS_STR) {
        let s = flags_str(flags);
        cx.pkt.str_value(&s)
    } else {
        Value::None
    };
    let n = cx.pkt.add(&FLAGS_STR, &tvb, 12, 2, v);
    cx.pkt.set_generated(n);
    if flags & FIN != 0 {
        if let Some((si, dir)) = stream {
            // The first side to send FIN initiates the close.
            let st = &mut cx.state.tcp_streams[si];
            let active = !st.dirs[1 - dir].closing_initiator;
            if active {
                st.dirs[dir].closing_initiator = true;
            }
            cx.pkt.reopen(n);
            cx.pkt.expert(
                "tcp",
                Severity::Note,
                Group::Sequence,
                format_args!(
                    "This frame {} the connection closing",
                    if active { "initiates" } else { "undergoes" }
                ),
            );
            cx.pkt.close();
        }
    }
    cx.pkt.close();
    cx.pkt
        .add(&WINDOW_VALUE, &tvb, 14, 2, Value::UInt(win as u64));
    let calc = if scale >= 0 {
        (win as u64) << scale
    } else {
        win as u64
    };
    let n = cx.pkt.add(&WINDOW_SIZE, &tvb, 14, 2, Value::UInt(calc));
    cx.pkt.set_generated(n);
    let n = cx
        .pkt
        .add(&WINDOW_SCALE, &tvb, 14, 2, Value::Int(scale as i64));
    cx.pkt.set_generated(n);
    match scale {
        -1 => cx.pkt.set_label(
            n,
            format_args!("[Window size scaling factor: -1 (unknown)]"),
        ),
        -2 => cx.pkt.set_label(
            n,
            format_args!("[Window size scaling factor: -2 (no window scaling used)]"),
        ),
        s => cx.pkt.set_label(
            n,
            format_args!("[Window size scaling factor: {}]", 1u64 << s),
        ),
    }
    let ck = tvb.u16(16)?;
    let n = cx.pkt.add(&CHECKSUM, &tvb, 16, 2, Value::UInt(ck as u64));
    cx.pkt
        .set_label(n, format_args!("Checksum: 0x{ck:04x} [unverified]"));
    let n = cx.pkt.add(&CHECKSUM_STATUS, &tvb, 0, 0, Value::UInt(2));
    cx.pkt.set_generated(n);
    cx.pkt
        .add(&URGENT, &tvb, 18, 2, Value::UInt(tvb.u16(18)? as u64));
    // Info column.
    if cx.pkt.cols.enabled() && !cx.pkt.cols.info_off {
        let info = &mut cx.pkt.cols.info;
        let _ = write!(info, " [{names}] Seq={rel_seq}");
        if flags & ACKF != 0 {
            let _ = write!(info, " Ack={rel_ack}");
        }
        let _ = write!(info, " Win={calc} Len={seg_len}");
        if flags & URG != 0 {
            let _ = write!(info, " Urg={}", tvb.u16(18).unwrap_or(0));
        }
    }
    if hl > 20 {
        options(cx, &tvb, hl, opts_base(cx, stream), flags & SYN != 0)?;
    }
    if has_stream {
        let t = cx.pkt.open(&TIMESTAMPS, &tvb, 0, 0, Value::None);
        cx.pkt.set_generated(t);
        let n = cx.pkt.add(
            &TIME_RELATIVE,
            &tvb,
            0,
            0,
            Value::Time {
                secs: trel.0,
                nanos: trel.1,
            },
        );
        cx.pkt.set_generated(n);
        let n = cx.pkt.add(
            &TIME_DELTA,
            &tvb,
            0,
            0,
            Value::Time {
                secs: tdelta.0,
                nanos: tdelta.1,
            },
        );
        cx.pkt.set_generated(n);
        cx.pkt.close();
        super::tcp_analysis::show(cx, &tvb, &findings, irtt);
    }
    if limits_hit != 0 {
        conv_limit_note(cx, root, limits_hit);
    }
    let payload = tvb.sub(hl)?;
    if seg_len > 0 {
        let sp = Span {
            src: Src::Data(payload.ds()),
            start: payload.base(),
            len: payload.len() as u32,
        };
        let n = cx.pkt.add(&PAYLOAD, &payload, 0, seg_len, Value::Bytes(sp));
        cx.pkt
            .set_label(n, format_args!("TCP payload ({seg_len} bytes)"));
    }
    cx.pkt.close();
    use super::tcp_analysis::{FAST_RETRANSMISSION, RETRANSMISSION, SPURIOUS_RETRANSMISSION};
    let resent =
        findings.flags & (RETRANSMISSION | FAST_RETRANSMISSION | SPURIOUS_RETRANSMISSION) != 0;
    if seg_len > 0 {
        match stream {
            Some((si, dir)) => reassemble(
                cx, root, payload, seq, seg_len, si, dir, sport, dport, resent,
            )?,
            // Data already seen is not handed to the protocol above again.
            None if resent => return Ok(()),
            None => return app(cx, payload, sport, dport),
        }
    }
    if let Some((si, dir)) = stream {
        if flags & FIN != 0 && !resent {
            flush_at_fin(cx, root, si, dir, sport, dport)?;
        }
        release_if_finished(cx, si, flags);
    }
    Ok(())
}

/// Frees the reassembly buffers of a stream that has ended: both FINs sent
/// and acknowledged. (Not on a RST: Wireshark goes on reassembling the
/// segments still in flight after one.) The record itself stays for
/// [`crate::state::ConvLimits::grace`] more seconds, as late segments
/// (retransmissions, the last ACKs) still need it to be analysed as tshark
/// analyses them; then [`sweep`] releases it.
fn release_if_finished(cx: &mut Cx<'_>, si: usize, flags: u16) {
    let st = &mut cx.state.tcp_streams[si];
    let fin_acked =
        |d: &TcpDir, o: &TcpDir| d.closed && d.next_seq.is_some() && o.last_ack == d.next_seq;
    let done = flags & ACKF != 0
        && fin_acked(&st.dirs[0], &st.dirs[1])
        && fin_acked(&st.dirs[1], &st.dirs[0]);
    if !done {
        return;
    }
    st.ended = true;
    for d in st.dirs.iter_mut() {
        if let Some(m) = d.msp.take() {
            cx.state.reassembly_bytes = cx.state.reassembly_bytes.saturating_sub(m.data.len());
        }
    }
}

/// Stream records visited per segment by [`sweep`]: each live record is
/// looked at again after about `live / SWEEP_STEP` segments.
const SWEEP_STEP: usize = 2;

/// The record in `slot` if it still holds stream `index` (a queue entry
/// is stale once its stream was released or its slot reused).
fn live<'c>(cx: &'c Cx<'_>, slot: usize, index: u32) -> Option<&'c TcpStream> {
    let st = cx.state.tcp_streams.get(slot)?;
    (st.index == index && cx.state.tcp.get(&st.key) == Some(&slot)).then_some(st)
}

/// Releases the records of streams that ended [`ConvLimits::grace`]
/// seconds ago, or went idle for [`ConvLimits::idle`] seconds (capture
/// time), with [`ConvLimits::quiet_packets`] segments of other streams
/// since, looking at a few records per segment in turn.
///
/// [`ConvLimits::grace`]: crate::state::ConvLimits::grace
/// [`ConvLimits::idle`]: crate::state::ConvLimits::idle
/// [`ConvLimits::quiet_packets`]: crate::state::ConvLimits::quiet_packets
fn sweep(cx: &mut Cx<'_>) -> u8 {
    let mut hit = 0;
    let now = cx.state.tcp_table.now;
    let lim = cx.state.tcp_table.limits;
    for _ in 0..SWEEP_STEP {
        let Some((slot, index)) = cx.state.tcp_table.queue.pop_front() else {
            break;
        };
        let Some(st) = live(cx, slot, index) else {
            // Released already, or its slot taken by a newer stream.
            continue;
        };
        let quiet = super::frame::sub_time(now, st.prev_ts).0;
        let due = if st.ended { lim.grace } else { lim.idle };
        let packets = cx.state.tcp_table.packets - st.last_packet;
        if quiet >= due && packets >= lim.quiet_packets {
            hit |= release(cx, slot);
        } else {
            cx.state.tcp_table.queue.push_back((slot, index));
        }
    }
    hit
}

/// Makes room for one more stream record: releases the least recently
/// active of the next few in turn (an ended one first). Returns the limits
/// hit.
fn evict(cx: &mut Cx<'_>) -> u8 {
    const LOOK: usize = 8;
    let mut best: Option<(bool, (i64, u32), usize)> = None;
    let mut seen = Vec::with_capacity(LOOK);
    while seen.len() < LOOK {
        let Some((slot, index)) = cx.state.tcp_table.queue.pop_front() else {
            break;
        };
        let Some(st) = live(cx, slot, index) else {
            // Released already, or its slot taken by a newer stream.
            continue;
        };
        let rank = (!st.ended, st.prev_ts, slot);
        if best.is_none_or(|b| rank < b) {
            best = Some(rank);
        }
        seen.push((slot, index));
    }
    let mut hit = 0;
    for (slot, index) in seen {
        if best.is_some_and(|b| b.2 == slot) {
            hit |= release(cx, slot);
        } else {
            cx.state.tcp_table.queue.push_back((slot, index));
        }
    }
    hit
}

/// Releases a live stream record: its reassembly buffers, TLS session and
/// HTTP requests go, and what [`crate::state::TcpTomb`] keeps is remembered by its key,
/// so that a later segment of the conversation gets the same `tcp.stream`.
/// Returns the limits hit (too many released streams remembered).
///
/// A segment that arrives for a released stream is shown with the same
/// index, relative numbers, times and completeness as tshark shows it,
/// but its sequence analysis starts over: a retransmission arriving after
/// the grace period is not flagged as one, and HTTP and TLS start over.
fn release(cx: &mut Cx<'_>, slot: usize) -> u8 {
    let Some(st) = cx.state.tcp_streams.get(slot) else {
        return 0;
    };
    let key = st.key;
    let tomb = st.tomb();
    if cx.state.tcp.get(&key) == Some(&slot) {
        cx.state.tcp.remove(&key);
    }
    cx.state.tls.forget(&key);
    cx.state.http.forget(&key);
    free_slot(cx, slot);
    let t = &mut cx.state.tcp_table;
    if t.limits.max_released == 0 {
        return HIT_RELEASED;
    }
    let h = t.key_hash(&key);
    t.tombs.insert(h, tomb);
    if t.tombs.len() <= t.limits.max_released {
        return 0;
    }
    // Full: forget the quarter released longest ago (by their last
    // packet), so this costs O(1) per release on the whole.
    let mut times: Vec<(i64, u32)> = t
        .tombs
        .values()
        .map(|x| (x.prev_secs, x.prev_nanos))
        .collect();
    let k = times.len() / 4;
    let (_, &mut cut, _) = times.select_nth_unstable(k);
    t.tombs.retain(|_, x| (x.prev_secs, x.prev_nanos) > cut);
    HIT_RELEASED
}

/// Frees a record's slot (its reassembly buffers with it) for a new stream.
fn free_slot(cx: &mut Cx<'_>, slot: usize) {
    let Some(st) = cx.state.tcp_streams.get_mut(slot) else {
        return;
    };
    for d in st.dirs.iter_mut() {
        if let Some(m) = d.msp.take() {
            cx.state.reassembly_bytes = cx.state.reassembly_bytes.saturating_sub(m.data.len());
        }
    }
    // A stale (slot, index) in the queue no longer matches.
    *st = TcpStream::new(u32::MAX, st.key, st.prev_ts);
    cx.state.tcp_table.free.push(slot);
    cx.state.tcp_table.live = cx.state.tcp_table.live.saturating_sub(1);
}

/// The warning on the frame where a conversation limit was reached.
fn conv_limit_note(cx: &mut Cx<'_>, root: u32, hit: u8) {
    let lim = cx.state.tcp_table.limits;
    cx.pkt.reopen(root);
    if hit & HIT_STREAMS != 0 {
        cx.pkt.expert(
            "tcp",
            Severity::Warning,
            Group::Sequence,
            format_args!(
                "Conversation state limit reached: {} TCP streams held, the least recently active one released (its later segments are not analysed for retransmissions)",
                lim.max_streams
            ),
        );
    }
    if hit & HIT_RELEASED != 0 {
        cx.pkt.expert(
            "tcp",
            Severity::Warning,
            Group::Sequence,
            format_args!(
                "Conversation state limit reached: {} released TCP streams remembered, the quarter released longest ago forgotten (their later segments start new streams)",
                lim.max_released
            ),
        );
    }
    cx.pkt.close();
}

/// The sender's FIN ends a PDU that lasts until the end of its stream (an
/// HTTP body without a length): it is handed over whole in the FIN's frame.
fn flush_at_fin(
    cx: &mut Cx<'_>,
    root: u32,
    si: usize,
    dir: usize,
    sport: u16,
    dport: u16,
) -> R<()> {
    let d = &mut cx.state.tcp_streams[si].dirs[dir];
    let contiguous = d
        .msp
        .as_ref()
        .is_some_and(|m| m.until_fin && m.have.len() == 1 && m.have[0].0 == 0);
    if !contiguous {
        return Ok(());
    }
    let Some(mut msp) = d.msp.take() else {
        return Ok(());
    };
    cx.state.reassembly_bytes = cx.state.reassembly_bytes.saturating_sub(msp.data.len());
    msp.until_fin = false;
    let number = cx.pkt.meta.number;
    if msp.frames.last().map(|f| f.0) != Some(number) {
        // The FIN itself is listed as a segment without data.
        msp.frames.push((number, msp.data.len(), 0));
    }
    cx.state.tcp_at_fin = true;
    let r = complete(cx, root, msp, si, dir, sport, dport);
    cx.state.tcp_at_fin = false;
    r
}

/// Hands a payload to the protocol above by port, or shows it as data.
fn app(cx: &mut Cx<'_>, payload: Tvb<'_>, sport: u16, dport: u16) -> R<()> {
    match super::tcp_app(cx, payload, sport, dport) {
        Some(r) => r,
        None => data::dissect(cx, payload),
    }
}

/// The largest PDU reassembled; a longer one is shown segment by segment.
pub const MAX_PDU: usize = 16 << 20;

const SEGMENT_NOTE: &str = " [TCP segment of a reassembled PDU]";

/// TCP desegmentation, as Wireshark does it for protocols that ask for it
/// (`cx.desegment`): the segments of a PDU are kept, by sequence number,
/// until it is whole (a gap is filled by a later or retransmitted segment),
/// each shown as `[TCP segment of a reassembled PDU]`; the segment that
/// completes it carries the reassembled PDU as a new data source.
#[allow(clippy::too_many_arguments)]
fn reassemble(
    cx: &mut Cx<'_>,
    root: u32,
    payload: Tvb<'_>,
    seq: u32,
    seg_len: usize,
    si: usize,
    dir: usize,
    sport: u16,
    dport: u16,
    resent: bool,
) -> R<()> {
    let whole = payload.len() == payload.reported_len();
    let number = cx.pkt.meta.number;
    if let Some(msp) = cx.state.tcp_streams[si].dirs[dir].msp.as_mut() {
        let off = seq.wrapping_sub(msp.seq) as i32;
        let inside = off >= 0
            && match msp.need {
                Some(n) => (off as usize) < n,
                // Until the FIN: every later byte belongs to it, a gap
                // left by a lost segment included.
                None if msp.until_fin => true,
                // Size unknown: only the next bytes in order belong to it.
                None => off as usize <= msp.data.len(),
            };
        if inside && whole {
            let off = off as usize;
            let growth = (off + seg_len).saturating_sub(msp.data.len());
            if off + seg_len > MAX_PDU
                || cx.state.reassembly_bytes + growth
                    > cx.state.reassembly_limit.unwrap_or(MAX_REASSEMBLY)
            {
                let held = msp.data.len();
                cx.state.tcp_streams[si].dirs[dir].msp = None;
                cx.state.reassembly_bytes = cx.state.reassembly_bytes.saturating_sub(held);
                limit_note(cx, root);
                return Ok(());
            }
            msp.insert(off, payload.data(), number);
            cx.state.reassembly_bytes += growth;
            if msp.until_fin {
                // Collected until the FIN, without asking the protocol.
                segment_note(cx);
                return Ok(());
            }
            if !msp.ready() {
                segment_note(cx);
                return Ok(());
            }
            let Some(mut msp) = cx.state.tcp_streams[si].dirs[dir].msp.take() else {
                return Ok(());
            };
            cx.state.reassembly_bytes = cx.state.reassembly_bytes.saturating_sub(msp.data.len());
            // The PDU is exactly what was asked for; bytes of this segment
            // past its end start the next PDU, as in Wireshark.
            let rest = match msp.need {
                Some(n) if off + seg_len > n => Some(n - off),
                _ => None,
            };
            if let Some(n) = msp.need {
                msp.data.truncate(n);
                for f in msp.frames.iter_mut() {
                    f.2 = f.2.min(n.saturating_sub(f.1));
                }
                msp.frames.retain(|f| f.2 > 0);
            }
            complete(cx, root, msp, si, dir, sport, dport)?;
            if let Some(k) = rest {
                cx.pkt.cols.set_fence();
                return fresh(
                    cx,
                    payload.sub(k)?,
                    seq.wrapping_add(k as u32),
                    seg_len - k,
                    si,
                    dir,
                    sport,
                    dport,
                    true,
                );
            }
            return Ok(());
        }
    }
    if resent {
        // Data already seen is not handed to the protocol above again.
        return Ok(());
    }
    fresh(cx, payload, seq, seg_len, si, dir, sport, dport, false)
}

/// The most bytes held for reassembly over all streams at once.
pub const MAX_REASSEMBLY: usize = 32 << 20;

/// Keeps a PDU under reassembly, unless that would pass
/// [`MAX_REASSEMBLY`]: then it is dropped with an expert note.
fn keep(cx: &mut Cx<'_>, root: u32, si: usize, dir: usize, msp: crate::state::Msp) {
    if cx.state.reassembly_bytes + msp.data.len() > cx.state.reassembly_limit() {
        limit_note(cx, root);
        return;
    }
    cx.state.reassembly_bytes += msp.data.len();
    cx.state.tcp_streams[si].dirs[dir].msp = Some(msp);
}

fn limit_note(cx: &mut Cx<'_>, root: u32) {
    cx.pkt.reopen(root);
    cx.pkt.expert(
        "tcp",
        Severity::Note,
        Group::Reassemble,
        format_args!(
            "Reassembly limit reached: PDUs over {MAX_PDU} bytes, or over {MAX_REASSEMBLY} bytes held at once, are not reassembled"
        ),
    );
    cx.pkt.close();
}

/// `[TCP segment of a reassembled PDU]`, after a space if Info has text.
fn segment_note(cx: &mut Cx<'_>) {
    cx.pkt
        .cols
        .append_info_sep(" ", format_args!("{}", SEGMENT_NOTE.trim_start()));
}

/// Hands new bytes to the protocol above; keeps what it asks to be
/// reassembled.
#[allow(clippy::too_many_arguments)]
fn fresh(
    cx: &mut Cx<'_>,
    payload: Tvb<'_>,
    seq: u32,
    seg_len: usize,
    si: usize,
    dir: usize,
    sport: u16,
    dport: u16,
    after_pdu: bool,
) -> R<()> {
    let whole = payload.len() == payload.reported_len();
    let number = cx.pkt.meta.number;
    let mark = cx.pkt.mark();
    let proto_len = cx.pkt.protocols.len();
    let saved_proto = cx.pkt.cols.protocol.clone();
    cx.desegment = None;
    cx.state.desegment_until_fin = false;
    let r = app(cx, payload, sport, dport);
    let until_fin = std::mem::take(&mut cx.state.desegment_until_fin);
    let Some(d) = cx.desegment.take() else {
        return r;
    };
    r?;
    if !whole || d.offset >= seg_len {
        return Ok(());
    }
    if d.offset == 0 {
        // Nothing complete in this segment: it only starts a PDU. Wireshark
        // forgets the layers of a dissector that took no bytes (HTTP) but
        // keeps TLS's: TLS adds its (then empty) tree before it asks for
        // more bytes, under whatever the layers between added.
        let layers = cx.pkt.protocols.get(proto_len..).unwrap_or("");
        if !layers.split(':').any(|l| l == "tls") {
            cx.pkt.rollback(mark);
        }
        cx.pkt.cols.set_protocol(&saved_proto);
    }
    let mut msp = crate::state::Msp {
        seq: seq.wrapping_add(d.offset as u32),
        ..Default::default()
    };
    msp.insert(0, &payload.data()[d.offset..], number);
    msp.need = d.more.map(|m| msp.data.len() + m);
    msp.until_fin = until_fin;
    keep(cx, crate::NIL, si, dir, msp);
    if d.offset == 0 && !after_pdu {
        // Only a segment that completes nothing is marked.
        segment_note(cx);
    }
    Ok(())
}

/// Dissects a reassembled PDU; if the protocol still wants more, goes on
/// waiting.
fn complete(
    cx: &mut Cx<'_>,
    root: u32,
    mut msp: crate::state::Msp,
    si: usize,
    dir: usize,
    sport: u16,
    dport: u16,
) -> R<()> {
    let bytes: std::sync::Arc<[u8]> = std::mem::take(&mut msp.data).into();
    let mark = cx.pkt.mark();
    let saved_proto = cx.pkt.cols.protocol.clone();
    let saved_info = cx.pkt.cols.info.clone();
    let name = format!("Reassembled TCP ({} bytes)", bytes.len());
    cx.pkt.sources.push((name, bytes.clone()));
    let ds = cx.pkt.sources.len() as u8;
    show_segments(cx, root, &msp, bytes.len(), ds);
    let tvb = Tvb::new(&bytes, bytes.len(), ds);
    cx.desegment = None;
    cx.state.desegment_until_fin = false;
    let r = app(cx, tvb, sport, dport);
    let until_fin = std::mem::take(&mut cx.state.desegment_until_fin);
    match cx.desegment.take() {
        Some(d) if d.offset == 0 && bytes.len() < MAX_PDU => {
            // Still not whole: keep waiting, and show this as a segment.
            cx.pkt.rollback(mark);
            cx.pkt.cols.set_protocol(&saved_proto);
            cx.pkt.cols.info = saved_info;
            segment_note(cx);
            let have = bytes.len();
            msp.data = bytes.to_vec();
            msp.have = vec![(0, have)];
            msp.need = d.more.map(|m| have + m);
            msp.until_fin = until_fin;
            keep(cx, root, si, dir, msp);
            Ok(())
        }
        Some(d) if d.offset > 0 && d.offset < bytes.len() => {
            // A whole PDU, then the start of the next: keep the start.
            r?;
            let mut next = crate::state::Msp {
                seq: msp.seq.wrapping_add(d.offset as u32),
                ..Default::default()
            };
            let number = cx.pkt.meta.number;
            next.insert(0, &bytes[d.offset..], number);
            next.need = d.more.map(|m| next.data.len() + m);
            next.until_fin = until_fin;
            keep(cx, root, si, dir, next);
            Ok(())
        }
        _ => r,
    }
}

/// `[N Reassembled TCP Segments (X bytes): #1(1460), #2(1460)]`.
fn show_segments(cx: &mut Cx<'_>, root: u32, msp: &crate::state::Msp, total: usize, ds: u8) {
    let mut label = format!(
        "[{} Reassembled TCP Segments ({} bytes): ",
        msp.frames.len(),
        total
    );
    let mut frames = msp.frames.clone();
    frames.sort_by_key(|&(f, off, _)| (off, f));
    for (i, (f, _, l)) in frames.iter().enumerate() {
        if i > 0 {
            label.push_str(", ");
        }
        label.push_str(&format!("#{f}({l})"));
    }
    label.push(']');
    let _ = root;
    let n = cx
        .pkt
        .add_under(crate::NIL, &SEGMENTS, ds, 0, total as u32, Value::None);
    cx.pkt.set_label(n, format_args!("{label}"));
    for (f, off, l) in &frames {
        let c = cx
            .pkt
            .add_under(n, &SEGMENT, ds, *off as u32, *l as u32, Value::UInt(*f));
        if *l == 0 {
            cx.pkt.set_label(c, format_args!("[Frame: {f} (no data)]"));
        } else {
            cx.pkt.set_label(
                c,
                format_args!("[Frame: {f}, payload: {}-{} ({l} bytes)]", off, off + l - 1),
            );
        }
    }
    let c = cx.pkt.add_under(
        n,
        &SEGMENT_COUNT,
        0,
        0,
        0,
        Value::UInt(msp.frames.len() as u64),
    );
    cx.pkt.set_generated(c);
    let c = cx
        .pkt
        .add_under(n, &REASSEMBLED_LENGTH, 0, 0, 0, Value::UInt(total as u64));
    cx.pkt.set_generated(c);
}

/// `tcp.segments`.
pub static SEGMENTS: FieldDef =
    FieldDef::new("tcp.segments", "Reassembled TCP Segments", FieldType::None);
/// `tcp.segment`.
pub static SEGMENT: FieldDef = FieldDef::new("tcp.segment", "TCP Segment", FieldType::FrameNum);
/// `tcp.segment.count`.
pub static SEGMENT_COUNT: FieldDef =
    FieldDef::new("tcp.segment.count", "Segment count", FieldType::U32);
/// `tcp.reassembled.length`.
pub static REASSEMBLED_LENGTH: FieldDef = FieldDef::new(
    "tcp.reassembled.length",
    "Reassembled TCP length",
    FieldType::U32,
);

/// `[Timestamps]` subtree (a label, not a filterable field in Wireshark).
static TIMESTAMPS: FieldDef = FieldDef::new("tcp.timestamps", "Timestamps", FieldType::None);

/// Base for relative SACK edges: the other direction's... (Wireshark makes
/// SACK edges relative to the receiver's view of the sender's ISN, i.e. the
/// base sequence number of the direction being acknowledged.)
fn opts_base(cx: &Cx<'_>, stream: Option<(usize, usize)>) -> Option<u32> {
    let (si, dir) = stream?;
    cx.state.tcp_streams[si].dirs[1 - dir].base_seq
}

/// A limit of [`crate::state::ConvLimits`] reached while finding a stream.
const HIT_STREAMS: u8 = 1;
const HIT_RELEASED: u8 = 2;

/// Finds or creates the stream of a segment and updates its state; returns
/// (stream slot, direction, whether a new stream reused an old one's ports,
/// whether this segment started the stream, the limits hit).
///
/// A segment of a conversation whose record was released (see
/// [`release`]) brings the record back from what was kept of it, under the
/// same `tcp.stream`, unless it is a SYN with another ISN: then, as in
/// tshark, a new stream starts and reuses the ports.
#[allow(clippy::too_many_arguments)]
fn stream_of(
    cx: &mut Cx<'_>,
    src: crate::state::Endpoint,
    dst: crate::state::Endpoint,
    flags: u16,
    seq: u32,
    ack: u32,
    ws: Option<u8>,
    ts: (i64, u32),
) -> (usize, usize, bool, bool, u8) {
    let (key, rev) = conv_key(src, dst);
    let dir = rev as usize;
    let syn_only = flags & SYN != 0 && flags & ACKF == 0;
    let mut hit = 0u8;
    if ts > cx.state.tcp_table.now {
        cx.state.tcp_table.now = ts;
    }
    cx.state.tcp_table.packets += 1;
    hit |= sweep(cx);
    let existing = cx.state.tcp.get(&key).copied();
    let slot = match existing {
        Some(slot) => {
            let st = &cx.state.tcp_streams[slot];
            let d = &st.dirs[dir];
            // A SYN with another ISN than the one this side started from:
            // the ports were reused for a new stream (Wireshark's rule).
            let reused = syn_only && d.base_seq.is_some_and(|b| b != seq);
            if reused {
                // No later segment can reach the old record: the key now
                // names the new stream.
                cx.state.tcp.remove(&key);
                free_slot(cx, slot);
                None
            } else {
                Some(slot)
            }
        }
        None => None,
    };
    let mut reused = existing.is_some() && slot.is_none();
    let mut revived = None;
    if existing.is_none() && !cx.state.tcp_table.tombs.is_empty() {
        let h = cx.state.tcp_table.key_hash(&key);
        if let Some(t) = cx.state.tcp_table.tombs.remove(&h) {
            let base_set = t.bits & (1 << dir) != 0;
            if syn_only && base_set && t.base[dir] != seq {
                reused = true;
            } else {
                revived = Some(t);
            }
        }
    }
    let new = slot.is_none() && revived.is_none();
    let slot = match slot {
        Some(s) => s,
        None => {
            if cx.state.tcp_table.live >= cx.state.tcp_table.limits.max_streams {
                hit |= HIT_STREAMS | evict(cx);
            }
            let st = match &revived {
                Some(t) => TcpStream::revive(t, key),
                None => {
                    let index = cx.state.tcp_table.next_index;
                    cx.state.tcp_table.next_index = index.wrapping_add(1);
                    TcpStream::new(index, key, ts)
                }
            };
            let index = st.index;
            let s = match cx.state.tcp_table.free.pop() {
                Some(s) => {
                    cx.state.tcp_streams[s] = st;
                    s
                }
                None => {
                    cx.state.tcp_streams.push(st);
                    cx.state.tcp_streams.len() - 1
                }
            };
            cx.state.tcp_table.live += 1;
            cx.state.tcp_table.queue.push_back((s, index));
            cx.state.tcp.insert(key, s);
            s
        }
    };
    let st = &mut cx.state.tcp_streams[slot];
    st.last_packet = cx.state.tcp_table.packets;
    {
        let d = &mut st.dirs[dir];
        if flags & (SYN | ACKF) == SYN | ACKF && d.base_seq.is_some_and(|b| b != seq) {
            // A SYN/ACK that answers a newer SYN: Wireshark flags it and
            // counts this side from it, its sequence analysis started over.
            let held = d.msp.as_ref().map_or(0, |m| m.data.len());
            *d = TcpDir::default();
            cx.state.reassembly_bytes = cx.state.reassembly_bytes.saturating_sub(held);
            d.base_seq = Some(seq);
            d.syn_seen = true;
            d.win_shift = Some(ws.map(|w| w.min(14) as i8).unwrap_or(-2));
            reused = true;
        } else if flags & SYN != 0 {
            if !d.syn_seen {
                d.base_seq = Some(seq);
                d.syn_seen = true;
                d.win_shift = Some(ws.map(|w| w.min(14) as i8).unwrap_or(-2));
            }
        } else if d.base_seq.is_none() {
            d.base_seq = Some(seq.wrapping_sub(1));
        }
        if flags & (FIN | RST) != 0 {
            d.closed = true;
        }
    }
    if flags & RST != 0 {
        st.ended = true;
    }
    if flags & ACKF != 0 {
        let o = &mut st.dirs[1 - dir];
        if o.base_seq.is_none() {
            o.base_seq = Some(ack.wrapping_sub(1));
        }
    }
    (slot, dir, reused, new, hit)
}

fn scan_options(tvb: &Tvb<'_>, hl: usize) -> Opts {
    let mut o = Opts::default();
    let mut off = 20;
    while off < hl {
        let Ok(kind) = tvb.u8(off) else { break };
        match kind {
            0 => break,
            1 => off += 1,
            _ => {
                let Ok(len) = tvb.u8(off + 1) else { break };
                let len = len as usize;
                if len < 2 || off + len > hl {
                    break;
                }
                if kind == 3 && len == 3 {
                    o.ws = tvb.u8(off + 2).ok();
                }
                off += len;
            }
        }
    }
    o
}

fn options(cx: &mut Cx<'_>, tvb: &Tvb<'_>, hl: usize, sack_base: Option<u32>, syn: bool) -> R<()> {
    let sp = Span {
        src: Src::Data(tvb.ds()),
        start: tvb.base() + 20,
        len: hl.min(tvb.len()).saturating_sub(20) as u32,
    };
    let n = cx.pkt.open(&OPTIONS, tvb, 20, hl - 20, Value::Bytes(sp));
    if cx.pkt.labelled(n) {
        cx.pkt.set_label(
            n,
            format_args!("Options: ({} bytes){}", hl - 20, option_summary(tvb, hl)),
        );
    }
    let mut off = 20;
    // The Info text goes straight to the column (nothing else writes to
    // it meanwhile), as the old code appended it after the list.
    let info_on = !cx.pkt.cols.info_off;
    let mut nops = 0u32;
    let mut mss_seen = false;
    // A truncated option list ends in an error after the options before
    // it are shown, and their Info text still counts.
    let mut list = || -> R<()> {
        while off < hl {
            let kind = tvb.u8(off)?;
            nops = if kind == 1 { nops + 1 } else { 0 };
            mss_seen |= kind == 2;
            if kind == 0 || kind == 1 {
                let sp = Span {
                    src: Src::Data(tvb.ds()),
                    start: tvb.base() + off as u32,
                    len: 1,
                };
                let f = if kind == 0 { &OPT_EOL } else { &OPT_NOP };
                let o = cx.pkt.open(f, tvb, off, 1, Value::Bytes(sp));
                cx.pkt.set_label(o, format_args!("{}", f.name));
                cx.pkt
                    .add(&OPTION_KIND, tvb, off, 1, Value::UInt(kind as u64));
                cx.pkt.close();
                if nops == 4 {
                    cx.pkt.expert(
                        "tcp",
                        Severity::Warning,
                        Group::Protocol,
                        format_args!("4 NOP in a row - a router may have removed some options"),
                    );
                }
                off += 1;
                if kind == 0 {
                    break;
                }
                continue;
            }
            let len = tvb.u8(off + 1)? as usize;
            if len < 2 || off + len > hl {
                break;
            }
            match (kind, len) {
                (2, 4) => {
                    let mss = tvb.u16(off + 2)?;
                    let o = cx.pkt.open(&OPT_MSS, tvb, off, len, Value::None);
                    cx.pkt.set_label(
                        o,
                        format_args!("TCP Option - Maximum segment size: {mss} bytes"),
                    );
                    cx.pkt.add(&OPTION_KIND, tvb, off, 1, Value::UInt(2));
                    cx.pkt.add(&OPTION_LEN, tvb, off + 1, 1, Value::UInt(4));
                    cx.pkt
                        .add(&OPT_MSS_VAL, tvb, off + 2, 2, Value::UInt(mss as u64));
                    cx.pkt.close();
                    if info_on {
                        let _ = write!(cx.pkt.cols.info, " MSS={mss}");
                    }
                }
                (3, 3) => {
                    let shift = tvb.u8(off + 2)?;
                    let mult = 1u64 << shift.min(14);
                    let o = cx.pkt.open(&OPT_WS, tvb, off, len, Value::None);
                    cx.pkt.set_label(
                        o,
                        format_args!("TCP Option - Window scale: {shift} (multiply by {mult})"),
                    );
                    cx.pkt.add(&OPTION_KIND, tvb, off, 1, Value::UInt(3));
                    cx.pkt.add(&OPTION_LEN, tvb, off + 1, 1, Value::UInt(3));
                    cx.pkt
                        .add(&OPT_WS_SHIFT, tvb, off + 2, 1, Value::UInt(shift as u64));
                    cx.pkt.add(&OPT_WS_MULT, tvb, off + 2, 1, Value::UInt(mult));
                    cx.pkt.close();
                    if info_on {
                        let _ = write!(cx.pkt.cols.info, " WS={mult}");
                    }
                }
                (4, 2) => {
                    let o = cx.pkt.open(&OPT_SACK_PERM, tvb, off, len, Value::None);
                    cx.pkt
                        .set_label(o, format_args!("TCP Option - SACK permitted"));
                    cx.pkt.add(&OPTION_KIND, tvb, off, 1, Value::UInt(4));
                    cx.pkt.add(&OPTION_LEN, tvb, off + 1, 1, Value::UInt(2));
                    cx.pkt.close();
                    if info_on {
                        cx.pkt.cols.info.push_str(" SACK_PERM");
                    }
                }
                (5, _) => {
                    let o = cx.pkt.open(&OPT_SACK, tvb, off, len, Value::None);
                    cx.pkt.add(&OPTION_KIND, tvb, off, 1, Value::UInt(5));
                    cx.pkt
                        .add(&OPTION_LEN, tvb, off + 1, 1, Value::UInt(len as u64));
                    let mut p = off + 2;
                    let labelled = cx.pkt.labelled(o);
                    let mut label = String::new();
                    if labelled {
                        label.push_str("TCP Option - SACK");
                    }
                    // RFC 2883 §4: a first block below the cumulative
                    // ACK reports a duplicate (D-SACK), as Wireshark notes.
                    let ack = match (tvb.u16(12), tvb.u32(8)) {
                        (Ok(f), Ok(a)) if f & ACKF != 0 => {
                            Some(a.wrapping_sub(sack_base.unwrap_or(0)))
                        }
                        _ => None,
                    };
                    while p + 8 <= off + len {
                        let le = tvb.u32(p)?.wrapping_sub(sack_base.unwrap_or(0));
                        let re = tvb.u32(p + 4)?.wrapping_sub(sack_base.unwrap_or(0));
                        cx.pkt.add(&OPT_SACK_LE, tvb, p, 4, Value::UInt(le as u64));
                        cx.pkt
                            .add(&OPT_SACK_RE, tvb, p + 4, 4, Value::UInt(re as u64));
                        if p == off + 2 && ack.is_some_and(|a| le < a) {
                            cx.pkt.expert(
                                "tcp",
                                Severity::Warning,
                                Group::Sequence,
                                format_args!("D-SACK Sequence"),
                            );
                        }
                        if labelled {
                            let _ = write!(label, " {le}-{re}");
                        }
                        if info_on {
                            let _ = write!(cx.pkt.cols.info, " SLE={le} SRE={re}");
                        }
                        p += 8;
                    }
                    if labelled {
                        cx.pkt.set_label(o, format_args!("{label}"));
                    }
                    cx.pkt.close();
                }
                (8, 10) => {
                    let o = cx.pkt.open(&OPT_TS, tvb, off, len, Value::None);
                    let (tsval, tsecr) = match (tvb.u32(off + 2), tvb.u32(off + 6)) {
                        (Ok(a), Ok(b)) => (a, b),
                        (Err(e), _) | (_, Err(e)) => {
                            cx.pkt.close();
                            return Err(e);
                        }
                    };
                    cx.pkt.set_label(
                        o,
                        format_args!("TCP Option - Timestamps: TSval {tsval}, TSecr {tsecr}"),
                    );
                    cx.pkt.add(&OPTION_KIND, tvb, off, 1, Value::UInt(8));
                    cx.pkt.add(&OPTION_LEN, tvb, off + 1, 1, Value::UInt(10));
                    cx.pkt
                        .add(&OPT_TSVAL, tvb, off + 2, 4, Value::UInt(tsval as u64));
                    cx.pkt
                        .add(&OPT_TSECR, tvb, off + 6, 4, Value::UInt(tsecr as u64));
                    cx.pkt.close();
                    if info_on {
                        let info = &mut cx.pkt.cols.info;
                        info.push_str(" TSval=");
                        info.push_str(itoa::Buffer::new().format(tsval));
                        info.push_str(" TSecr=");
                        info.push_str(itoa::Buffer::new().format(tsecr));
                    }
                }
                _ => {
                    tvb.ensure(off, len)?;
                    cx.pkt
                        .add(&OPTION_KIND, tvb, off, 1, Value::UInt(kind as u64));
                }
            }
            off += len;
        }
        Ok(())
    };
    let r = list();
    if syn && !mss_seen && r.is_ok() {
        cx.pkt.expert(
            "tcp",
            Severity::Note,
            Group::Protocol,
            format_args!("The SYN packet does not contain a MSS option"),
        );
    }
    cx.pkt.close();
    r
}

fn option_summary(tvb: &Tvb<'_>, hl: usize) -> String {
    let mut s = String::new();
    let mut off = 20;
    let mut names = Vec::new();
    while off < hl {
        let Ok(kind) = tvb.u8(off) else { break };
        let name = match kind {
            0 => "End of Option List (EOL)",
            1 => "No-Operation (NOP)",
            2 => "Maximum segment size",
            3 => "Window scale",
            4 => "SACK permitted",
            5 => "SACK",
            8 => "Timestamps",
            _ => "Unknown",
        };
        names.push(name);
        if kind == 0 {
            break;
        }
        if kind == 1 {
            off += 1;
            continue;
        }
        let Ok(len) = tvb.u8(off + 1) else { break };
        if len < 2 {
            break;
        }
        off += len as usize;
    }
    if !names.is_empty() {
        s.push_str(", ");
        s.push_str(&names.join(", "));
    }
    s
}
