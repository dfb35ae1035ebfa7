//! IPv4 (RFC 791): header, options, and the IP protocol table.

use std::net::IpAddr;

use crate::field::{Base, FieldDef, FieldRef, FieldType, ValueStrings};
use crate::packet::{Group, Severity, Span, Src, Value};
use crate::proto::{data, icmp, ipv6, tcp, udp};
use crate::tvb::{Tvb, R};
use crate::Cx;

/// `ip`.
pub static PROTO: FieldDef = FieldDef::proto("ip", "Internet Protocol Version 4");
/// `ip.version`.
pub static VERSION: FieldDef =
    FieldDef::new("ip.version", "Version", FieldType::U8).with_mask(0xf0, 8);
/// `ip.hdr_len`.
pub static HDR_LEN: FieldDef =
    FieldDef::new("ip.hdr_len", "Header Length", FieldType::U8).with_mask(0x0f, 8);
/// `ip.dsfield`.
pub static DSFIELD: FieldDef =
    FieldDef::new("ip.dsfield", "Differentiated Services Field", FieldType::U8)
        .with_base(Base::Hex);
/// `ip.dsfield.dscp`.
pub static DSCP: FieldDef = FieldDef::new(
    "ip.dsfield.dscp",
    "Differentiated Services Codepoint",
    FieldType::U8,
)
.with_mask(0xfc, 8)
.with_strings(DSCP_VALS);
/// `ip.dsfield.ecn`.
pub static ECN: FieldDef = FieldDef::new(
    "ip.dsfield.ecn",
    "Explicit Congestion Notification",
    FieldType::U8,
)
.with_mask(0x03, 8)
.with_strings(ECN_VALS);
/// `ip.len`.
pub static LEN: FieldDef = FieldDef::new("ip.len", "Total Length", FieldType::U16);
/// `ip.id`.
pub static ID: FieldDef =
    FieldDef::new("ip.id", "Identification", FieldType::U16).with_base(Base::HexDec);
/// `ip.flags`.
pub static FLAGS: FieldDef = FieldDef::new("ip.flags", "Flags", FieldType::U8)
    .with_base(Base::Hex)
    .with_mask(0xe0, 8);
/// `ip.flags.rb`.
pub static FLAGS_RB: FieldDef = FieldDef::new("ip.flags.rb", "Reserved bit", FieldType::Bool)
    .with_mask(0x80, 8)
    .with_tfs("Set", "Not set");
/// `ip.flags.df`.
pub static FLAGS_DF: FieldDef = FieldDef::new("ip.flags.df", "Don't fragment", FieldType::Bool)
    .with_mask(0x40, 8)
    .with_tfs("Set", "Not set");
/// `ip.flags.mf`.
pub static FLAGS_MF: FieldDef = FieldDef::new("ip.flags.mf", "More fragments", FieldType::Bool)
    .with_mask(0x20, 8)
    .with_tfs("Set", "Not set");
/// `ip.frag_offset`.
pub static FRAG_OFFSET: FieldDef =
    FieldDef::new("ip.frag_offset", "Fragment Offset", FieldType::U16).with_mask(0x1fff, 16);
/// `ip.ttl`.
pub static TTL: FieldDef = FieldDef::new("ip.ttl", "Time to Live", FieldType::U8);
/// `ip.proto`.
pub static PROTO_FIELD: FieldDef =
    FieldDef::new("ip.proto", "Protocol", FieldType::U8).with_strings(IPPROTO);
/// `ip.checksum`.
pub static CHECKSUM: FieldDef =
    FieldDef::new("ip.checksum", "Header Checksum", FieldType::U16).with_base(Base::Hex);
/// `ip.checksum.status`.
pub static CHECKSUM_STATUS: FieldDef = FieldDef::new(
    "ip.checksum.status",
    "Header checksum status",
    FieldType::U8,
)
.with_strings(CHECKSUM_STATUS_VALS);
/// `ip.src`.
pub static SRC: FieldDef = FieldDef::new("ip.src", "Source Address", FieldType::Ipv4);
/// `ip.addr`.
pub static ADDR: FieldDef =
    FieldDef::new("ip.addr", "Source or Destination Address", FieldType::Ipv4);
/// `ip.src_host`.
pub static SRC_HOST: FieldDef = FieldDef::new("ip.src_host", "Source Host", FieldType::String);
/// `ip.host`.
pub static HOST: FieldDef =
    FieldDef::new("ip.host", "Source or Destination Host", FieldType::String);
/// `ip.dst`.
pub static DST: FieldDef = FieldDef::new("ip.dst", "Destination Address", FieldType::Ipv4);
/// `ip.dst_host`.
pub static DST_HOST: FieldDef = FieldDef::new("ip.dst_host", "Destination Host", FieldType::String);
/// `ip.options`: the options area.
pub static OPTIONS: FieldDef = FieldDef::new("ip.options", "Options", FieldType::Bytes);
/// `ip.opt.type`.
pub static OPT_TYPE: FieldDef = FieldDef::new("ip.opt.type", "Type", FieldType::U8);
/// `ip.opt.len`.
pub static OPT_LEN: FieldDef = FieldDef::new("ip.opt.len", "Length", FieldType::U8);
/// `ip.bogus_header_length`.
pub static BOGUS_HDR_LEN: FieldDef = FieldDef::new(
    "ip.bogus_header_length",
    "Bogus IP header length",
    FieldType::None,
);
/// `ip.bogus_ip_length`.
pub static BOGUS_IP_LEN: FieldDef =
    FieldDef::new("ip.bogus_ip_length", "Bogus IP length", FieldType::None);

/// Fields of this module.
pub static FIELDS: &[FieldRef] = &[
    &PROTO,
    &VERSION,
    &HDR_LEN,
    &DSFIELD,
    &DSCP,
    &ECN,
    &LEN,
    &ID,
    &FLAGS,
    &FLAGS_RB,
    &FLAGS_DF,
    &FLAGS_MF,
    &FRAG_OFFSET,
    &TTL,
    &PROTO_FIELD,
    &CHECKSUM,
    &CHECKSUM_STATUS,
    &SRC,
    &ADDR,
    &SRC_HOST,
    &HOST,
    &DST,
    &DST_HOST,
    &OPTIONS,
    &OPT_TYPE,
    &OPT_LEN,
    &BOGUS_HDR_LEN,
    &BOGUS_IP_LEN,
];

/// IP protocol numbers (Wireshark's ipproto_val, common part).
pub static IPPROTO: ValueStrings = &[
    (0, "IPv6 Hop-by-Hop Option"),
    (1, "ICMP"),
    (2, "IGMP"),
    (3, "GGP"),
    (4, "IPIP"),
    (6, "TCP"),
    (8, "EGP"),
    (9, "IGRP"),
    (17, "UDP"),
    (27, "Reliable Data"),
    (33, "DCCP"),
    (41, "IPv6"),
    (43, "IPv6 Routing"),
    (44, "IPv6 Fragment"),
    (46, "RSVP"),
    (47, "GRE"),
    (50, "ESP"),
    (51, "AH"),
    (58, "ICMPv6"),
    (59, "IPv6 No Next Header"),
    (60, "IPv6 Destination Options"),
    (88, "EIGRP"),
    (89, "OSPF IGP"),
    (94, "IPIP"),
    (97, "Ethernet-within-IP Encapsulation"),
    (103, "PIM"),
    (108, "IP Payload Compression Protocol"),
    (112, "VRRP"),
    (113, "PGM"),
    (115, "Layer 2 Tunneling Protocol"),
    (132, "SCTP"),
    (135, "Mobility Header"),
    (136, "UDPLite"),
    (137, "MPLS in IP"),
    (139, "Host Identity Protocol"),
    (140, "Shim6 Protocol"),
];

static DSCP_VALS: ValueStrings = &[
    (0, "Default"),
    (8, "Class Selector 1"),
    (10, "Assured Forwarding 11"),
    (12, "Assured Forwarding 12"),
    (14, "Assured Forwarding 13"),
    (16, "Class Selector 2"),
    (18, "Assured Forwarding 21"),
    (20, "Assured Forwarding 22"),
    (22, "Assured Forwarding 23"),
    (24, "Class Selector 3"),
    (26, "Assured Forwarding 31"),
    (28, "Assured Forwarding 32"),
    (30, "Assured Forwarding 33"),
    (32, "Class Selector 4"),
    (34, "Assured Forwarding 41"),
    (36, "Assured Forwarding 42"),
    (38, "Assured Forwarding 43"),
    (40, "Class Selector 5"),
    (44, "Voice Admit"),
    (46, "Expedited Forwarding"),
    (48, "Class Selector 6"),
    (56, "Class Selector 7"),
];

static DSCP_SHORT: ValueStrings = &[
    (0, "CS0"),
    (8, "CS1"),
    (10, "AF11"),
    (12, "AF12"),
    (14, "AF13"),
    (16, "CS2"),
    (18, "AF21"),
    (20, "AF22"),
    (22, "AF23"),
    (24, "CS3"),
    (26, "AF31"),
    (28, "AF32"),
    (30, "AF33"),
    (32, "CS4"),
    (34, "AF41"),
    (36, "AF42"),
    (38, "AF43"),
    (40, "CS5"),
    (44, "VOICE-ADMIT"),
    (46, "EF"),
    (48, "CS6"),
    (56, "CS7"),
];

static ECN_VALS: ValueStrings = &[
    (0, "Not ECN-Capable Transport"),
    (1, "ECN-Capable Transport codepoint '01'"),
    (2, "ECN-Capable Transport codepoint '10'"),
    (3, "Congestion Experienced"),
];

static ECN_SHORT: ValueStrings = &[(0, "Not-ECT"), (1, "ECT(1)"), (2, "ECT(0)"), (3, "CE")];

/// Checksum status names (Wireshark's proto_checksum_vals).
pub static CHECKSUM_STATUS_VALS: ValueStrings = &[
    (0, "Bad"),
    (1, "Good"),
    (2, "Unverified"),
    (3, "Not present"),
];

/// Dissects an IPv4 packet; returns the bytes it covers (its total length).
pub fn dissect(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<usize> {
    cx.current_proto = "IPv4";
    cx.pkt.cols.set_protocol("IPv4");
    cx.pkt.cols.clear_info();
    cx.pkt.layer("ip");
    let b0 = tvb.u8(0)?;
    let version = b0 >> 4;
    let hl = ((b0 & 0x0f) as usize) * 4;
    if version == 6 {
        // An IPv6 packet behind an IPv4 EtherType: Wireshark hands it over.
        return ipv6::dissect(cx, tvb);
    }
    let root = cx.pkt.open(&PROTO, &tvb, 0, hl.max(1), Value::None);
    cx.pkt
        .add(&VERSION, &tvb, 0, 1, Value::UInt(version as u64));
    if version != 4 {
        cx.pkt.close();
        cx.pkt.set_label(
            root,
            format_args!("Internet Protocol, bogus version ({version})"),
        );
        cx.pkt
            .cols
            .set_info(format_args!("Bogus IPv4 version ({version}, must be 4)"));
        return Ok(tvb.reported_len());
    }
    let hln = cx.pkt.add(&HDR_LEN, &tvb, 0, 1, Value::UInt(hl as u64));
    if hl < 20 {
        cx.pkt.set_label(
            hln,
            format_args!(
                ".... {:04b} = Header Length: {} bytes ({})",
                b0 & 15,
                hl,
                b0 & 15
            ),
        );
        cx.pkt.reopen(hln);
        cx.pkt.expert(
            "ip",
            Severity::Error,
            Group::Protocol,
            format_args!("Bogus IP header length ({hl}, must be at least 20)"),
        );
        cx.pkt.close();
        cx.pkt.close();
        cx.pkt
            .set_label(root, format_args!("Internet Protocol Version 4"));
        cx.pkt.cols.set_info(format_args!(
            "Bogus IP header length ({hl}, must be at least 20)"
        ));
        return Ok(tvb.reported_len());
    }
    cx.pkt.set_label(
        hln,
        format_args!(
            ".... {:04b} = Header Length: {} bytes ({})",
            b0 & 15,
            hl,
            b0 & 15
        ),
    );
    let tos = tvb.u8(1)?;
    let ds = cx.pkt.open(&DSFIELD, &tvb, 1, 1, Value::UInt(tos as u64));
    let dscp = (tos >> 2) as u64;
    let ecn = (tos & 3) as u64;
    cx.pkt.set_label(
        ds,
        format_args!(
            "Differentiated Services Field: 0x{:02x} (DSCP: {}, ECN: {})",
            tos,
            crate::field::val_to_str(DSCP_SHORT, dscp).unwrap_or("Unknown"),
            crate::field::val_to_str(ECN_SHORT, ecn).unwrap_or("Unknown")
        ),
    );
    cx.pkt.add(&DSCP, &tvb, 1, 1, Value::UInt(dscp));
    cx.pkt.add(&ECN, &tvb, 1, 1, Value::UInt(ecn));
    cx.pkt.close();
    let total = tvb.u16(2)? as usize;
    let ln = cx.pkt.add(&LEN, &tvb, 2, 2, Value::UInt(total as u64));
    // The length this packet really covers in the frame.
    let ip_len = if total == 0 {
        // TCP segmentation offload leaves the length zero: use the frame.
        cx.pkt.set_label(ln, format_args!("Total Length: 0"));
        tvb.reported_len()
    } else if total < hl {
        cx.pkt.reopen(ln);
        cx.pkt.expert(
            "ip",
            Severity::Error,
            Group::Protocol,
            format_args!("Bogus IP length ({total}, less than header length {hl})"),
        );
        cx.pkt.close();
        cx.pkt.close();
        cx.pkt
            .set_label(root, format_args!("Internet Protocol Version 4"));
        cx.pkt.cols.set_info(format_args!(
            "Bogus IP length ({total}, less than header length {hl})"
        ));
        return Ok(tvb.reported_len());
    } else if total > tvb.reported_len() {
        cx.pkt.reopen(ln);
        cx.pkt.expert(
            "ip",
            Severity::Error,
            Group::Protocol,
            format_args!(
                "IPv4 total length exceeds packet length ({} bytes)",
                tvb.reported_len()
            ),
        );
        cx.pkt.close();
        tvb.reported_len()
    } else {
        total
    };
    let tvb = tvb.truncate(ip_len);
    let id = tvb.u16(4)?;
    cx.pkt.add(&ID, &tvb, 4, 2, Value::UInt(id as u64));
    let fo = tvb.u16(6)?;
    let flags = (fo >> 13) as u8;
    let fl = cx.pkt.open(&FLAGS, &tvb, 6, 1, Value::UInt(flags as u64));
    if cx.pkt.labelled(fl) {
        let mut names = Vec::new();
        if flags & 4 != 0 {
            names.push("Reserved bit");
        }
        if flags & 2 != 0 {
            names.push("Don't fragment");
        }
        if flags & 1 != 0 {
            names.push("More fragments");
        }
        let bits = format!("{:03b}. ....", flags);
        if names.is_empty() {
            cx.pkt
                .set_label(fl, format_args!("{bits} = Flags: 0x{flags:x}"));
        } else {
            cx.pkt.set_label(
                fl,
                format_args!("{bits} = Flags: 0x{flags:x}, {}", names.join(", ")),
            );
        }
    }
    cx.pkt
        .add(&FLAGS_RB, &tvb, 6, 1, Value::UInt((flags >> 2) as u64 & 1));
    cx.pkt
        .add(&FLAGS_DF, &tvb, 6, 1, Value::UInt((flags >> 1) as u64 & 1));
    cx.pkt
        .add(&FLAGS_MF, &tvb, 6, 1, Value::UInt(flags as u64 & 1));
    cx.pkt.close();
    let frag_off = (fo & 0x1fff) as usize * 8;
    let fon = cx
        .pkt
        .add(&FRAG_OFFSET, &tvb, 6, 2, Value::UInt(frag_off as u64));
    if cx.pkt.labelled(fon) {
        let mut bits = String::new();
        crate::packet::bit_pattern((fo & 0x1fff) as u64, 0x1fff, 16, &mut bits);
        cx.pkt
            .set_label(fon, format_args!("{bits} = Fragment Offset: {frag_off}"));
    }
    let ttl = tvb.u8(8)?;
    cx.pkt.add(&TTL, &tvb, 8, 1, Value::UInt(ttl as u64));
    let proto = tvb.u8(9)?;
    cx.pkt
        .add(&PROTO_FIELD, &tvb, 9, 1, Value::UInt(proto as u64));
    let ck = tvb.u16(10)?;
    let ckn = cx.pkt.add(&CHECKSUM, &tvb, 10, 2, Value::UInt(ck as u64));
    cx.pkt.set_label(
        ckn,
        format_args!("Header Checksum: 0x{ck:04x} [validation disabled]"),
    );
    let st = cx.pkt.add(&CHECKSUM_STATUS, &tvb, 0, 0, Value::UInt(2));
    cx.pkt.set_generated(st);
    let src = tvb.ipv4(12)?;
    let dst = tvb.ipv4(16)?;
    cx.pkt.add(&SRC, &tvb, 12, 4, Value::Ipv4(src));
    for (f, off, a) in [(&ADDR, 12, src), (&SRC_HOST, 12, src), (&HOST, 12, src)] {
        hidden_addr(cx, f, &tvb, off, a);
    }
    cx.pkt.add(&DST, &tvb, 16, 4, Value::Ipv4(dst));
    for (f, off, a) in [(&ADDR, 16, dst), (&DST_HOST, 16, dst), (&HOST, 16, dst)] {
        hidden_addr(cx, f, &tvb, off, a);
    }
    if cx.pkt.cols.enabled() {
        cx.pkt.cols.net_src.clear();
        crate::packet::push_ipv4(&mut cx.pkt.cols.net_src, src);
        cx.pkt.cols.net_dst.clear();
        crate::packet::push_ipv4(&mut cx.pkt.cols.net_dst, dst);
    }
    if cx.pkt.labelled(root) {
        let (mut src_s, mut dst_s) = (String::new(), String::new());
        crate::packet::push_ipv4(&mut src_s, src);
        crate::packet::push_ipv4(&mut dst_s, dst);
        let label = format!("Internet Protocol Version 4, Src: {src_s}, Dst: {dst_s}");
        cx.pkt.set_label(root, format_args!("{label}"));
    }
    if hl > 20 {
        options(cx, &tvb, 20, hl)?;
    }
    cx.pkt.close();
    cx.l3 = crate::L3 {
        src: Some(IpAddr::from(src)),
        dst: Some(IpAddr::from(dst)),
        ttl,
    };
    let payload = tvb.sub(hl)?;
    let more = flags & 1 != 0;
    if more || frag_off != 0 {
        let name = crate::field::val_to_str(IPPROTO, proto as u64).unwrap_or("Unknown");
        cx.pkt.cols.set_info(format_args!(
            "Fragmented IP protocol (proto={name} {proto}, off={frag_off}, ID={id:04x})"
        ));
        // Only fully captured fragments can be put back together.
        let whole = payload.len() == payload.reported_len();
        let done = if whole {
            let key = crate::reassembly::FragKey {
                src: IpAddr::from(src),
                dst: IpAddr::from(dst),
                proto,
                id: id as u32,
            };
            let number = cx.pkt.meta.number;
            cx.state
                .ip_frags
                .add(key, frag_off, payload.data(), more, number)
        } else {
            None
        };
        match done {
            Some(d) => {
                show_fragments(cx, root, &d);
                let bytes: std::sync::Arc<[u8]> = d.data.into();
                cx.pkt
                    .sources
                    .push(("Reassembled IPv4".into(), bytes.clone()));
                let ds = cx.pkt.sources.len() as u8;
                let whole = Tvb::new(&bytes, bytes.len(), ds);
                transport(cx, proto, whole, false)?;
            }
            None => data::dissect(cx, payload)?,
        }
        return Ok(ip_len);
    }
    transport(cx, proto, payload, false)?;
    Ok(ip_len)
}

/// Hands an IP payload to the dissector for its protocol number (IPv4 and
/// IPv6 share the table).
pub fn transport(cx: &mut Cx<'_>, proto: u8, payload: Tvb<'_>, v6: bool) -> R<()> {
    match proto {
        1 if !v6 => icmp::dissect(cx, payload),
        6 => tcp::dissect(cx, payload),
        17 => udp::dissect(cx, payload),
        58 => super::icmpv6::dissect(cx, payload),
        4 => dissect(cx, payload).map(|_| ()),
        41 => ipv6::dissect(cx, payload).map(|_| ()),
        _ => {
            let name = crate::field::val_to_str(IPPROTO, proto as u64).unwrap_or("Unknown");
            cx.pkt.cols.set_info(format_args!("{name} ({proto})"));
            data::dissect(cx, payload)
        }
    }
}

fn options(cx: &mut Cx<'_>, tvb: &Tvb<'_>, start: usize, end: usize) -> R<()> {
    let sp = Span {
        src: Src::Data(tvb.ds()),
        start: tvb.base() + start as u32,
        len: (end - start) as u32,
    };
    let n = cx
        .pkt
        .open(&OPTIONS, tvb, start, end - start, Value::Bytes(sp));
    cx.pkt
        .set_label(n, format_args!("Options: ({} bytes)", end - start));
    let mut off = start;
    while off < end {
        let t = tvb.u8(off)?;
        if t == 0 || t == 1 {
            let o = cx.pkt.add(&OPT_TYPE, tvb, off, 1, Value::UInt(t as u64));
            cx.pkt.set_label(
                o,
                format_args!(
                    "IP Option - {}",
                    if t == 0 {
                        "End of Options List (EOL)"
                    } else {
                        "No Operation (NOP)"
                    }
                ),
            );
            off += 1;
            if t == 0 {
                break;
            }
            continue;
        }
        let l = tvb.u8(off + 1)? as usize;
        let o = cx
            .pkt
            .open(&OPT_TYPE, tvb, off, l.max(2), Value::UInt(t as u64));
        cx.pkt.set_label(
            o,
            format_args!("IP Option - {} ({} bytes)", ip_option_name(t), l),
        );
        cx.pkt.add(&OPT_LEN, tvb, off + 1, 1, Value::UInt(l as u64));
        cx.pkt.close();
        if l < 2 {
            break;
        }
        off += l;
    }
    cx.pkt.close();
    Ok(())
}

fn ip_option_name(t: u8) -> &'static str {
    match t {
        7 => "Record Route",
        68 => "Time Stamp",
        130 => "Security",
        131 => "Loose Source Route",
        133 => "Extended Security",
        136 => "Stream ID",
        137 => "Strict Source Route",
        148 => "Router Alert",
        82 => "Traceroute",
        25 => "Quick-Start",
        _ => "Unknown",
    }
}

/// `ip.fragments`.
pub static FRAGMENTS: FieldDef = FieldDef::new("ip.fragments", "IPv4 Fragments", FieldType::Bytes);
/// `ip.fragment`.
pub static FRAGMENT: FieldDef = FieldDef::new("ip.fragment", "IPv4 Fragment", FieldType::FrameNum);
/// `ip.fragment.count`.
pub static FRAGMENT_COUNT: FieldDef =
    FieldDef::new("ip.fragment.count", "Fragment count", FieldType::U32);
/// `ip.reassembled.length`.
pub static REASSEMBLED_LENGTH: FieldDef = FieldDef::new(
    "ip.reassembled.length",
    "Reassembled IPv4 length",
    FieldType::U32,
);

/// Fields of reassembly.
pub static REASSEMBLY_FIELDS: &[FieldRef] =
    &[&FRAGMENTS, &FRAGMENT, &FRAGMENT_COUNT, &REASSEMBLED_LENGTH];

/// The `[N IPv4 Fragments (X bytes): #1(1480), #2(20)]` subtree, under the
/// IPv4 header.
fn show_fragments(cx: &mut Cx<'_>, root: u32, d: &crate::reassembly::Datagram) {
    let mut label = format!(
        "[{} IPv4 Fragments ({} bytes): ",
        d.parts.len(),
        d.data.len()
    );
    for (i, (frame, _, len)) in d.parts.iter().enumerate() {
        if i > 0 {
            label.push_str(", ");
        }
        label.push_str(&format!("#{frame}({len})"));
    }
    label.push(']');
    let n = cx.pkt.add_under(root, &FRAGMENTS, 0, 0, 0, Value::None);
    cx.pkt.set_label(n, format_args!("{label}"));
    cx.pkt.set_generated(n);
    for (frame, off, len) in &d.parts {
        let c = cx.pkt.add_under(n, &FRAGMENT, 0, 0, 0, Value::UInt(*frame));
        cx.pkt.set_label(
            c,
            format_args!(
                "[Frame: {frame}, payload: {}-{} ({len} bytes)]",
                off,
                off + len - 1
            ),
        );
    }
    let c = cx.pkt.add_under(
        n,
        &FRAGMENT_COUNT,
        0,
        0,
        0,
        Value::UInt(d.parts.len() as u64),
    );
    cx.pkt.set_generated(c);
    let c = cx.pkt.add_under(
        n,
        &REASSEMBLED_LENGTH,
        0,
        0,
        0,
        Value::UInt(d.data.len() as u64),
    );
    cx.pkt.set_generated(c);
}

/// Adds one of the hidden address fields (`ip.addr`, `ip.src_host`…): the
/// host-name ones are strings, formatted only when the field is wanted.
fn hidden_addr(cx: &mut Cx<'_>, f: FieldRef, tvb: &Tvb<'_>, off: usize, a: [u8; 4]) {
    if !cx.pkt.wants(f) {
        return;
    }
    let v = if f.ftype == FieldType::String {
        let start = cx.pkt.text.len();
        crate::packet::push_ipv4(&mut cx.pkt.text, a);
        Value::Str(crate::packet::Span {
            src: crate::packet::Src::Text,
            start: start as u32,
            len: (cx.pkt.text.len() - start) as u32,
        })
    } else {
        Value::Ipv4(a)
    };
    let n = cx.pkt.add(f, tvb, off, 4, v);
    cx.pkt.set_hidden(n);
}
