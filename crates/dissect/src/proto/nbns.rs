//! NetBIOS Name Service (RFC 1001, RFC 1002 section 4.2) on UDP port 137,
//! shown as Wireshark 4.0's `packet-nbns.c` shows it: first-level encoded
//! names decoded to `NAME<xx>` (with the name type in parentheses where
//! Wireshark puts it), name queries, registrations and their resource
//! records.

use crate::field::{Base, FieldDef, FieldRef, FieldType, ValueStrings};
use crate::packet::Value;
use crate::proto::dns::{add_bits, get_name, open_text, signed_time_secs_str};
use crate::tvb::{Tvb, R};
use crate::Cx;

/// `nbns`.
pub static PROTO: FieldDef = FieldDef::proto("nbns", "NetBIOS Name Service");
/// `nbns.id`.
pub static ID: FieldDef =
    FieldDef::new("nbns.id", "Transaction ID", FieldType::U16).with_base(Base::Hex);
/// `nbns.flags`.
pub static FLAGS: FieldDef =
    FieldDef::new("nbns.flags", "Flags", FieldType::U16).with_base(Base::Hex);
/// `nbns.flags.response`.
pub static FLAGS_RESPONSE: FieldDef =
    FieldDef::new("nbns.flags.response", "Response", FieldType::Bool)
        .with_mask(0x8000, 16)
        .with_tfs("Message is a response", "Message is a query");
const FLAGS_OPCODE_VALS: ValueStrings = &[
    (0, "Name query"),
    (5, "Registration"),
    (6, "Release"),
    (7, "Wait for acknowledgment"),
    (8, "Refresh"),
    (9, "Refresh (alternate opcode)"),
    (15, "Multi-homed registration"),
];
/// `nbns.flags.opcode`.
pub static FLAGS_OPCODE: FieldDef = FieldDef::new("nbns.flags.opcode", "Opcode", FieldType::U16)
    .with_mask(0x7800, 16)
    .with_strings(FLAGS_OPCODE_VALS);
/// `nbns.flags.authoritative`.
pub static FLAGS_AUTHORITATIVE: FieldDef =
    FieldDef::new("nbns.flags.authoritative", "Authoritative", FieldType::Bool)
        .with_mask(0x400, 16)
        .with_tfs(
            "Server is an authority for domain",
            "Server is not an authority for domain",
        );
/// `nbns.flags.truncated`.
pub static FLAGS_TRUNCATED: FieldDef =
    FieldDef::new("nbns.flags.truncated", "Truncated", FieldType::Bool)
        .with_mask(0x200, 16)
        .with_tfs("Message is truncated", "Message is not truncated");
/// `nbns.flags.recdesired`.
pub static FLAGS_RECDESIRED: FieldDef = FieldDef::new(
    "nbns.flags.recdesired",
    "Recursion desired",
    FieldType::Bool,
)
.with_mask(0x100, 16)
.with_tfs("Do query recursively", "Don't do query recursively");
/// `nbns.flags.recavail`.
pub static FLAGS_RECAVAIL: FieldDef = FieldDef::new(
    "nbns.flags.recavail",
    "Recursion available",
    FieldType::Bool,
)
.with_mask(0x80, 16)
.with_tfs(
    "Server can do recursive queries",
    "Server can't do recursive queries",
);
/// `nbns.flags.broadcast`.
pub static FLAGS_BROADCAST: FieldDef =
    FieldDef::new("nbns.flags.broadcast", "Broadcast", FieldType::Bool)
        .with_mask(0x10, 16)
        .with_tfs("Broadcast packet", "Not a broadcast packet");
const FLAGS_RCODE_VALS: ValueStrings = &[
    (0, "No error"),
    (1, "Request was invalidly formatted"),
    (2, "Server failure"),
    (3, "Requested name does not exist"),
    (4, "Request is not implemented"),
    (5, "Request was refused"),
    (6, "Name is owned by another node"),
    (7, "Name is in conflict"),
];
/// `nbns.flags.rcode`.
pub static FLAGS_RCODE: FieldDef = FieldDef::new("nbns.flags.rcode", "Reply code", FieldType::U16)
    .with_mask(0xf, 16)
    .with_strings(FLAGS_RCODE_VALS);
/// `nbns.count.queries`.
pub static COUNT_QUERIES: FieldDef =
    FieldDef::new("nbns.count.queries", "Questions", FieldType::U16);
/// `nbns.count.answers`.
pub static COUNT_ANSWERS: FieldDef =
    FieldDef::new("nbns.count.answers", "Answer RRs", FieldType::U16);
/// `nbns.count.auth_rr`.
pub static COUNT_AUTH_RR: FieldDef =
    FieldDef::new("nbns.count.auth_rr", "Authority RRs", FieldType::U16);
/// `nbns.count.add_rr`.
pub static COUNT_ADD_RR: FieldDef =
    FieldDef::new("nbns.count.add_rr", "Additional RRs", FieldType::U16);
/// `nbns.name`.
pub static NAME: FieldDef =
    FieldDef::new("nbns.name", "Name", FieldType::String).with_base(Base::None);
const TYPE_VALS: ValueStrings = &[(32, "NB"), (33, "NBSTAT")];
/// `nbns.type`.
pub static TYPE: FieldDef =
    FieldDef::new("nbns.type", "Type", FieldType::U16).with_strings(TYPE_VALS);
const CLASS_VALS: ValueStrings = &[
    (1, "IN"),
    (2, "CS"),
    (3, "CH"),
    (4, "HS"),
    (254, "NONE"),
    (255, "ANY"),
];
/// `nbns.class`.
pub static CLASS: FieldDef =
    FieldDef::new("nbns.class", "Class", FieldType::U16).with_strings(CLASS_VALS);
/// `nbns.ttl`.
pub static TTL: FieldDef = FieldDef::new("nbns.ttl", "Time to live", FieldType::U32);
/// `nbns.data_length`.
pub static DATA_LENGTH: FieldDef = FieldDef::new("nbns.data_length", "Data length", FieldType::U16);
/// `nbns.nb_flags`.
pub static NB_FLAGS: FieldDef =
    FieldDef::new("nbns.nb_flags", "Name flags", FieldType::U16).with_base(Base::Hex);
/// `nbns.nb_flags.group`.
pub static NB_FLAGS_GROUP: FieldDef =
    FieldDef::new("nbns.nb_flags.group", "Name type", FieldType::Bool)
        .with_mask(0x8000, 16)
        .with_tfs("Group name", "Unique name");
const NB_FLAGS_ONT_VALS: ValueStrings = &[
    (0, "B-node"),
    (8192, "P-node"),
    (16384, "M-node"),
    (24576, "H-node"),
];
/// `nbns.nb_flags.ont`.
pub static NB_FLAGS_ONT: FieldDef = FieldDef::new("nbns.nb_flags.ont", "ONT", FieldType::U16)
    .with_mask(0x6000, 16)
    .with_strings(NB_FLAGS_ONT_VALS);
/// `nbns.addr`.
pub static ADDR: FieldDef =
    FieldDef::new("nbns.addr", "Addr", FieldType::Ipv4).with_base(Base::None);
/// `nbns.number_of_names`.
pub static NUMBER_OF_NAMES: FieldDef =
    FieldDef::new("nbns.number_of_names", "Number of names", FieldType::U8);
/// `nbns.netbios_name`.
pub static NETBIOS_NAME: FieldDef =
    FieldDef::new("nbns.netbios_name", "Name", FieldType::String).with_base(Base::None);
/// `nbns.name_flags`.
pub static NAME_FLAGS: FieldDef =
    FieldDef::new("nbns.name_flags", "Name flags", FieldType::U16).with_base(Base::Hex);
/// `nbns.name_flags.group`.
pub static NAME_FLAGS_GROUP: FieldDef =
    FieldDef::new("nbns.name_flags.group", "Name type", FieldType::Bool)
        .with_mask(0x8000, 16)
        .with_tfs("Group name", "Unique name");
const NAME_FLAGS_ONT_VALS: ValueStrings = &[(0, "B-node"), (8192, "P-node"), (16384, "M-node")];
/// `nbns.name_flags.ont`.
pub static NAME_FLAGS_ONT: FieldDef = FieldDef::new("nbns.name_flags.ont", "ONT", FieldType::U16)
    .with_mask(0x6000, 16)
    .with_strings(NAME_FLAGS_ONT_VALS);
/// `nbns.name_flags.drg`.
pub static NAME_FLAGS_DRG: FieldDef = FieldDef::new(
    "nbns.name_flags.drg",
    "Name is being deregistered",
    FieldType::Bool,
)
.with_mask(0x1000, 16)
.with_tfs("Yes", "No");
/// `nbns.name_flags.cnf`.
pub static NAME_FLAGS_CNF: FieldDef = FieldDef::new(
    "nbns.name_flags.cnf",
    "Name is in conflict",
    FieldType::Bool,
)
.with_mask(0x800, 16)
.with_tfs("Yes", "No");
/// `nbns.name_flags.act`.
pub static NAME_FLAGS_ACT: FieldDef =
    FieldDef::new("nbns.name_flags.act", "Name is active", FieldType::Bool)
        .with_mask(0x400, 16)
        .with_tfs("Yes", "No");
/// `nbns.name_flags.prm`.
pub static NAME_FLAGS_PRM: FieldDef = FieldDef::new(
    "nbns.name_flags.prm",
    "Permanent node name",
    FieldType::Bool,
)
.with_mask(0x200, 16)
.with_tfs("Yes", "No");
/// `nbns.unit_id`.
pub static UNIT_ID: FieldDef =
    FieldDef::new("nbns.unit_id", "Unit ID", FieldType::Ether).with_base(Base::None);
/// `nbns.data`.
pub static DATA: FieldDef =
    FieldDef::new("nbns.data", "Data", FieldType::Bytes).with_base(Base::None);
/// `nbns.incomplete_entry`.
pub static INCOMPLETE_ENTRY: FieldDef =
    FieldDef::new("nbns.incomplete_entry", "incomplete entry", FieldType::None)
        .with_base(Base::None);

/// Fields of this module.
pub static FIELDS: &[FieldRef] = &[
    &PROTO,
    &ID,
    &FLAGS,
    &FLAGS_RESPONSE,
    &FLAGS_OPCODE,
    &FLAGS_AUTHORITATIVE,
    &FLAGS_TRUNCATED,
    &FLAGS_RECDESIRED,
    &FLAGS_RECAVAIL,
    &FLAGS_BROADCAST,
    &FLAGS_RCODE,
    &COUNT_QUERIES,
    &COUNT_ANSWERS,
    &COUNT_AUTH_RR,
    &COUNT_ADD_RR,
    &NAME,
    &TYPE,
    &CLASS,
    &TTL,
    &DATA_LENGTH,
    &NB_FLAGS,
    &NB_FLAGS_GROUP,
    &NB_FLAGS_ONT,
    &ADDR,
    &NUMBER_OF_NAMES,
    &NETBIOS_NAME,
    &NAME_FLAGS,
    &NAME_FLAGS_GROUP,
    &NAME_FLAGS_ONT,
    &NAME_FLAGS_DRG,
    &NAME_FLAGS_CNF,
    &NAME_FLAGS_ACT,
    &NAME_FLAGS_PRM,
    &UNIT_ID,
    &DATA,
    &INCOMPLETE_ENTRY,
];

/// Wireshark's `netbios_name_type_descr` names.
const NAME_TYPES: &[(u8, &str)] = &[
    (0x00, "Workstation/Redirector"),
    (0x01, "Browser"),
    (0x02, "Workstation/Redirector"),
    (0x03, "Messenger service/Main name"),
    (0x05, "Forwarded name"),
    (0x06, "RAS Server service"),
    (0x1b, "Domain Master Browser"),
    (0x1c, "Domain Controllers"),
    (0x1d, "Local Master Browser"),
    (0x1e, "Browser Election Service"),
    (0x1f, "Net DDE Service"),
    (0x20, "Server service"),
    (0x21, "RAS client service"),
    (0x22, "Exchange Interchange (MSMail Connector)"),
    (0x23, "Exchange Store"),
    (0x24, "Exchange Directory"),
    (0x2b, "Lotus Notes Server service"),
    (0x30, "Modem sharing server service"),
    (0x31, "Modem sharing client service"),
    (0x43, "SMS Clients Remote Control"),
    (0x44, "SMS Administrators Remote Control Tool"),
    (0x45, "SMS Clients Remote Chat"),
    (0x46, "SMS Clients Remote Transfer"),
    (0x4c, "DEC Pathworks TCP/IP Service on Windows NT"),
    (0x52, "DEC Pathworks TCP/IP Service on Windows NT"),
    (0x6a, "Microsoft Exchange IMC"),
    (0x87, "Microsoft Exchange MTA"),
    (0xbe, "Network Monitor Agent"),
    (0xbf, "Network Monitor Analyzer"),
];

/// Name of a NetBIOS name type (the 16th byte).
pub fn name_type_descr(t: u8) -> &'static str {
    NAME_TYPES
        .iter()
        .find(|(k, _)| *k == t)
        .map(|(_, n)| *n)
        .unwrap_or("Unknown")
}

const F_RESPONSE: u16 = 0x8000;
const OPCODE_WACK: u16 = 7;
const T_NB: u16 = 32;
const T_NBSTAT: u16 = 33;

/// A decoded NetBIOS name: `NAME<xx>[.scope]`, its type, bytes used.
struct NbName {
    text: String,
    name_type: Option<u8>,
    consumed: usize,
}

/// Undoes the first-level encoding (RFC 1001 section 14.1) of the name at
/// `off`, as Wireshark's `get_nbns_name`.
fn get_nbns_name(tvb: &Tvb<'_>, off: usize) -> R<NbName> {
    let n = get_name(tvb, off, 0)?;
    let raw = n.text.as_bytes();
    let mut buf: Vec<u8> = Vec::with_capacity(16);
    let mut i = 0;
    let mut bad: Option<String> = None;
    let mut scope_at: Option<usize> = None;
    while let Some(&c1) = raw.get(i) {
        if c1 == b'.' {
            scope_at = Some(i);
            break;
        }
        if !c1.is_ascii_uppercase() {
            bad = Some(
                "Illegal NetBIOS name (1st character not between A and Z in first-level encoding)"
                    .into(),
            );
            break;
        }
        let Some(&c2) = raw.get(i + 1).filter(|&&c| c != b'.') else {
            bad = Some("Illegal NetBIOS name (odd number of bytes)".into());
            break;
        };
        if !c2.is_ascii_uppercase() {
            bad = Some(
                "Illegal NetBIOS name (2nd character not between A and Z in first-level encoding)"
                    .into(),
            );
            break;
        }
        if buf.len() < 16 {
            buf.push(((c1 - b'A') << 4) | (c2 - b'A'));
        }
        i += 2;
    }
    if bad.is_none() && buf.len() != 16 {
        bad = Some(format!("Illegal NetBIOS name ({} bytes long)", buf.len()));
    }
    if let Some(b) = bad {
        return Ok(NbName {
            text: b,
            name_type: None,
            consumed: n.consumed,
        });
    }
    let mut s = String::new();
    for &c in &buf[..15] {
        if (b' '..=b'~').contains(&c) {
            s.push(c as char);
        } else {
            s.push_str(&format!("<{c:02x}>"));
        }
    }
    let trimmed = s.trim_end_matches(' ').len();
    s.truncate(trimmed);
    let t = buf[15];
    s.push_str(&format!("<{t:02x}>"));
    if let Some(at) = scope_at {
        s.push_str(&n.text[at..]);
    }
    Ok(NbName {
        text: s,
        name_type: Some(t),
        consumed: n.consumed,
    })
}

/// NBNS on UDP port 137.
pub fn dissect(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<()> {
    cx.current_proto = "NBNS";
    cx.pkt.layer("nbns");
    cx.pkt.cols.set_protocol("NBNS");
    cx.pkt.cols.clear_info();
    let id = tvb.u16(0)?;
    let flags = tvb.u16(2)?;
    let opcode = (flags >> 11) & 0xf;
    let resp = flags & F_RESPONSE != 0;
    let opname = match FLAGS_OPCODE.value_name(opcode as u64) {
        Some(n) => n.to_string(),
        None => format!("Unknown operation ({opcode})"),
    };
    cx.pkt.cols.set_info(format_args!(
        "{opname}{}",
        if resp { " response" } else { "" }
    ));
    let top = cx
        .pkt
        .open(&PROTO, &tvb, 0, tvb.reported_len(), Value::None);
    let _ = top;
    let depth = cx.pkt.depth();
    let r = body(cx, &tvb, id, flags, opcode);
    cx.pkt.close_to(depth);
    cx.pkt.close();
    r
}

fn body(cx: &mut Cx<'_>, tvb: &Tvb<'_>, id: u16, flags: u16, opcode: u16) -> R<()> {
    let resp = flags & F_RESPONSE != 0;
    let wack = opcode == OPCODE_WACK;
    cx.pkt.add(&ID, tvb, 0, 2, Value::UInt(id as u64));
    if resp && !wack && flags & 0xf != 0 {
        let rn = FLAGS_RCODE
            .value_name((flags & 0xf) as u64)
            .unwrap_or("Unknown error");
        cx.pkt.cols.append_info(format_args!(", {rn}"));
    }
    let f = flags as u64;
    let mut fields: Vec<FieldRef> = vec![&FLAGS_RESPONSE, &FLAGS_OPCODE];
    if resp {
        fields.push(&FLAGS_AUTHORITATIVE);
    }
    fields.push(&FLAGS_TRUNCATED);
    fields.push(&FLAGS_RECDESIRED);
    if resp {
        fields.push(&FLAGS_RECAVAIL);
    }
    fields.push(&FLAGS_BROADCAST);
    if resp && !wack {
        fields.push(&FLAGS_RCODE);
    }
    bitmask(cx, tvb, 2, &FLAGS, f, &fields);
    let qd = tvb.u16(4)?;
    let an = tvb.u16(6)?;
    let ns = tvb.u16(8)?;
    let ar = tvb.u16(10)?;
    for (fl, off, v) in [
        (&COUNT_QUERIES, 4, qd),
        (&COUNT_ANSWERS, 6, an),
        (&COUNT_AUTH_RR, 8, ns),
        (&COUNT_ADD_RR, 10, ar),
    ] {
        cx.pkt.add(fl, tvb, off, 2, Value::UInt(v as u64));
    }
    let mut off = 12;
    if qd > 0 {
        let start = off;
        let t = open_text(cx, tvb, off, 0, format_args!("Queries"));
        for _ in 0..qd {
            off += query(cx, tvb, off, !resp)?;
        }
        cx.pkt.set_len(t, off - start);
        cx.pkt.close();
    }
    for (count, title, info) in [
        (an, "Answers", resp),
        (ns, "Authoritative nameservers", false),
        (ar, "Additional records", false),
    ] {
        if count == 0 {
            continue;
        }
        let start = off;
        let t = open_text(cx, tvb, off, 0, format_args!("{title}"));
        for _ in 0..count {
            off += answer(cx, tvb, off, info, opcode)?;
        }
        cx.pkt.set_len(t, off - start);
        cx.pkt.close();
    }
    Ok(())
}

/// A flags word shown as Wireshark's `proto_tree_add_bitmask` does:
/// `Flags: 0x0110, Opcode: Name query, Recursion desired, Broadcast`.
fn bitmask(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    off: usize,
    top: FieldRef,
    v: u64,
    fields: &[FieldRef],
) -> crate::packet::NodeId {
    let mut label = format!("{}: 0x{:04x}", top.name, v);
    for f in fields {
        let x = (v & f.bitmask) >> f.bitmask.trailing_zeros();
        if f.ftype == FieldType::Bool {
            if x != 0 {
                label.push_str(", ");
                label.push_str(f.name);
            }
        } else {
            match f.value_name(x) {
                Some(n) => label.push_str(&format!(", {}: {}", f.name, n)),
                None if f.strings.is_some() => label.push_str(&format!(", {}: Unknown", f.name)),
                None => label.push_str(&format!(", {}: {}", f.name, x)),
            }
        }
    }
    let n = cx.pkt.add(top, tvb, off, 2, Value::UInt(v));
    cx.pkt.set_label(n, format_args!("{label}"));
    cx.pkt.reopen(n);
    for f in fields {
        add_bits(cx, f, tvb, off, 2, v);
    }
    cx.pkt.close();
    n
}

fn type_name(t: u16) -> &'static str {
    TYPE.value_name(t as u64).unwrap_or("Unknown")
}

fn class_name(c: u16) -> &'static str {
    CLASS.value_name(c as u64).unwrap_or("Unknown")
}

fn query(cx: &mut Cx<'_>, tvb: &Tvb<'_>, off: usize, info: bool) -> R<usize> {
    let n = get_nbns_name(tvb, off)?;
    let t = tvb.u16(off + n.consumed)?;
    let c = tvb.u16(off + n.consumed + 2)?;
    let used = n.consumed + 4;
    let tn = type_name(t);
    if info {
        cx.pkt.cols.append_info(format_args!(" {tn} {}", n.text));
    }
    let q = open_text(
        cx,
        tvb,
        off,
        used,
        format_args!("{}: type {tn}, class {}", n.text, class_name(c)),
    );
    let _ = q;
    let v = cx.pkt.str_value(&n.text);
    let ni = cx.pkt.add(&NAME, tvb, off, n.consumed, v);
    if let Some(nt) = n.name_type {
        cx.pkt.set_label(
            ni,
            format_args!("Name: {} ({})", n.text, name_type_descr(nt)),
        );
    }
    cx.pkt
        .add(&TYPE, tvb, off + n.consumed, 2, Value::UInt(t as u64));
    cx.pkt
        .add(&CLASS, tvb, off + n.consumed + 2, 2, Value::UInt(c as u64));
    cx.pkt.close();
    Ok(used)
}

fn answer(cx: &mut Cx<'_>, tvb: &Tvb<'_>, off: usize, info: bool, opcode: u16) -> R<usize> {
    let n = get_nbns_name(tvb, off)?;
    let o = off + n.consumed;
    let t = tvb.u16(o)?;
    let c = tvb.u16(o + 2)?;
    let ttl = tvb.u32(o + 4)?;
    let dlen = tvb.u16(o + 8)? as usize;
    let d = o + 10;
    let total = d - off + dlen;
    let tn = type_name(t);
    if info {
        match t {
            T_NB if opcode != OPCODE_WACK => {
                let a = tvb.ipv4(d + 2)?;
                cx.pkt
                    .cols
                    .append_info(format_args!(" {tn} {}.{}.{}.{}", a[0], a[1], a[2], a[3]));
            }
            _ => cx.pkt.cols.append_info(format_args!(" {tn}")),
        }
    }
    let r = open_text(
        cx,
        tvb,
        off,
        total,
        format_args!("{}: type {tn}, class {}", n.text, class_name(c)),
    );
    let _ = r;
    let shown = match n.name_type {
        Some(nt) if t == T_NB => format!("{} ({})", n.text, name_type_descr(nt)),
        _ => n.text.clone(),
    };
    let v = cx.pkt.str_value(&shown);
    cx.pkt.add(&NAME, tvb, off, n.consumed, v);
    cx.pkt.add(&TYPE, tvb, o, 2, Value::UInt(t as u64));
    cx.pkt.add(&CLASS, tvb, o + 2, 2, Value::UInt(c as u64));
    let ti = cx.pkt.add(&TTL, tvb, o + 4, 4, Value::UInt(ttl as u64));
    cx.pkt.set_label(
        ti,
        format_args!("Time to live: {}", signed_time_secs_str(ttl as i32)),
    );
    cx.pkt
        .add(&DATA_LENGTH, tvb, o + 8, 2, Value::UInt(dlen as u64));
    match t {
        T_NB => {
            let mut p = d;
            let end = d + dlen;
            while p < end {
                if end - p < 2 {
                    let x = cx.pkt.add(&INCOMPLETE_ENTRY, tvb, p, end - p, Value::None);
                    let _ = x;
                    break;
                }
                let fl = tvb.u16(p)? as u64;
                if opcode == OPCODE_WACK {
                    let fields: [FieldRef; 7] = [
                        &FLAGS_RESPONSE,
                        &FLAGS_OPCODE,
                        &FLAGS_AUTHORITATIVE,
                        &FLAGS_TRUNCATED,
                        &FLAGS_RECDESIRED,
                        &FLAGS_RECAVAIL,
                        &FLAGS_BROADCAST,
                    ];
                    bitmask(cx, tvb, p, &FLAGS, fl, &fields);
                    p += 2;
                    continue;
                }
                let ni = bitmask(cx, tvb, p, &NB_FLAGS, fl, &[&NB_FLAGS_GROUP, &NB_FLAGS_ONT]);
                let ont = NB_FLAGS_ONT.value_name(fl & 0x6000).unwrap_or("Unknown");
                let g = if fl & 0x8000 != 0 { "group" } else { "unique" };
                cx.pkt.append_label(ni, &format!(" ({ont}, {g})"));
                p += 2;
                if end - p < 4 {
                    if p < end {
                        cx.pkt.add(&INCOMPLETE_ENTRY, tvb, p, end - p, Value::None);
                    }
                    break;
                }
                cx.pkt.add(&ADDR, tvb, p, 4, Value::Ipv4(tvb.ipv4(p)?));
                p += 4;
            }
        }
        T_NBSTAT if dlen >= 1 => {
            let num = tvb.u8(d)? as usize;
            cx.pkt
                .add(&NUMBER_OF_NAMES, tvb, d, 1, Value::UInt(num as u64));
            let mut p = d + 1;
            for _ in 0..num {
                let raw = tvb.bytes(p, 16)?;
                let mut s = String::new();
                for &ch in &raw[..15] {
                    if (b' '..=b'~').contains(&ch) {
                        s.push(ch as char);
                    } else {
                        s.push_str(&format!("<{ch:02x}>"));
                    }
                }
                let tl = s.trim_end_matches(' ').len();
                s.truncate(tl);
                let nt = raw[15];
                let text = format!("{s}<{nt:02x}> ({})", name_type_descr(nt));
                let v = cx.pkt.str_value(&text);
                cx.pkt.add(&NETBIOS_NAME, tvb, p, 16, v);
                let fl = tvb.u16(p + 16)? as u64;
                bitmask(
                    cx,
                    tvb,
                    p + 16,
                    &NAME_FLAGS,
                    fl,
                    &[
                        &NAME_FLAGS_GROUP,
                        &NAME_FLAGS_ONT,
                        &NAME_FLAGS_DRG,
                        &NAME_FLAGS_CNF,
                        &NAME_FLAGS_ACT,
                        &NAME_FLAGS_PRM,
                    ],
                );
                p += 18;
            }
            if p + 6 <= d + dlen {
                cx.pkt.add(&UNIT_ID, tvb, p, 6, Value::Ether(tvb.ether(p)?));
                p += 6;
            }
            if p < d + dlen {
                let rest = d + dlen - p;
                tvb.ensure(p, rest)?;
                let sp = crate::packet::Span {
                    src: crate::packet::Src::Data(tvb.ds()),
                    start: tvb.base() + p as u32,
                    len: rest as u32,
                };
                cx.pkt.add(&DATA, tvb, p, rest, Value::Bytes(sp));
            }
        }
        _ => {
            if dlen > 0 {
                tvb.ensure(d, dlen)?;
                let sp = crate::packet::Span {
                    src: crate::packet::Src::Data(tvb.ds()),
                    start: tvb.base() + d as u32,
                    len: dlen as u32,
                };
                cx.pkt.add(&DATA, tvb, d, dlen, Value::Bytes(sp));
            }
        }
    }
    cx.pkt.close();
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::dns::test_util::*;

    // captures/tcpdump/eapon1.pcap frame 4: name query (RFC 1002 section 4.2.12).
    const QUERY: &str = "892101100001000000000000204542464345434546454a4645464445484643464646414641454643414341424c0000200001";
    // Frame 45: name registration with an additional NB record (RFC 1002 section 4.2.2).
    const REGISTRATION: &str = "892e29100001000000000001204545454b4641444a444646444441454b434143414341434143414341434141410000200001c00c00200001000493e000066000a9fe43c2";

    #[test]
    fn query_matches_tshark() {
        let d = hex(QUERY);
        let p = run(&d, dissect);
        assert_eq!(p.cols.protocol, "NBNS");
        assert_eq!(p.cols.info, "Name query NB ARBEITSGRUPPE<1b>");
        let want = "\
NetBIOS Name Service
    Transaction ID: 0x8921
    Flags: 0x0110, Opcode: Name query, Recursion desired, Broadcast
        0... .... .... .... = Response: Message is a query
        .000 0... .... .... = Opcode: Name query (0)
        .... ..0. .... .... = Truncated: Message is not truncated
        .... ...1 .... .... = Recursion desired: Do query recursively
        .... .... ...1 .... = Broadcast: Broadcast packet
    Questions: 1
    Answer RRs: 0
    Authority RRs: 0
    Additional RRs: 0
    Queries
        ARBEITSGRUPPE<1b>: type NB, class IN
            Name: ARBEITSGRUPPE<1b> (Domain Master Browser)
            Type: NB (32)
            Class: IN (1)
";
        assert_eq!(tree(&p, &d), want);
        assert_eq!(values(&p, &d, "nbns.name"), ["ARBEITSGRUPPE<1b>"]);
    }

    #[test]
    fn registration_matches_tshark() {
        let d = hex(REGISTRATION);
        let p = run(&d, dissect);
        assert_eq!(p.cols.info, "Registration NB DJP95S0J<00>");
        assert_eq!(
            values(&p, &d, "nbns.name"),
            ["DJP95S0J<00>", "DJP95S0J<00> (Workstation/Redirector)"]
        );
        let t = tree(&p, &d);
        let want = "    Additional records
        DJP95S0J<00>: type NB, class IN
            Name: DJP95S0J<00> (Workstation/Redirector)
            Type: NB (32)
            Class: IN (1)
            Time to live: 3 days, 11 hours, 20 minutes
            Data length: 6
            Name flags: 0x6000, ONT: Unknown (H-node, unique)
                0... .... .... .... = Name type: Unique name
                .11. .... .... .... = ONT: Unknown (3)
            Addr: 169.254.67.194
";
        assert!(t.ends_with(want), "{t}");
    }

    #[test]
    fn illegal_and_truncated_names() {
        // A name whose first-level encoding has a lowercase letter.
        let mut d = hex(QUERY);
        d[13] = b'a';
        let p = run(&d, dissect);
        assert!(
            p.cols.info.contains("Illegal NetBIOS name (1st character"),
            "{}",
            p.cols.info
        );
        let p = run(&hex(QUERY)[..20], dissect);
        assert!(
            p.cols.info.ends_with("[Malformed Packet]"),
            "{}",
            p.cols.info
        );
    }
}
