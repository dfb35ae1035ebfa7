//! ICMP (RFC 792).

use crate::field::{Base, FieldDef, FieldRef, FieldType, ValueStrings};
use crate::packet::Value;
use crate::proto::{data, ip};
use crate::tvb::{Tvb, R};
use crate::Cx;

/// `icmp`.
pub static PROTO: FieldDef = FieldDef::proto("icmp", "Internet Control Message Protocol");
/// `icmp.type`.
pub static TYPE: FieldDef = FieldDef::new("icmp.type", "Type", FieldType::U8).with_strings(TYPES);
/// `icmp.code`.
pub static CODE: FieldDef = FieldDef::new("icmp.code", "Code", FieldType::U8);
/// `icmp.checksum`.
pub static CHECKSUM: FieldDef =
    FieldDef::new("icmp.checksum", "Checksum", FieldType::U16).with_base(Base::Hex);
/// `icmp.ident`.
pub static IDENT: FieldDef =
    FieldDef::new("icmp.ident", "Identifier (BE)", FieldType::U16).with_base(Base::DecHex);
/// `icmp.ident_le`.
pub static IDENT_LE: FieldDef =
    FieldDef::new("icmp.ident_le", "Identifier (LE)", FieldType::U16).with_base(Base::DecHex);
/// `icmp.seq`.
pub static SEQ: FieldDef =
    FieldDef::new("icmp.seq", "Sequence Number (BE)", FieldType::U16).with_base(Base::DecHex);
/// `icmp.seq_le`.
pub static SEQ_LE: FieldDef =
    FieldDef::new("icmp.seq_le", "Sequence Number (LE)", FieldType::U16).with_base(Base::DecHex);
/// `icmp.resp_in`.
pub static RESP_IN: FieldDef = FieldDef::new("icmp.resp_in", "Response frame", FieldType::FrameNum);
/// `icmp.resp_to`.
pub static RESP_TO: FieldDef = FieldDef::new("icmp.resp_to", "Request frame", FieldType::FrameNum);

/// Fields of this module.
pub static FIELDS: &[FieldRef] = &[
    &PROTO, &TYPE, &CODE, &CHECKSUM, &IDENT, &IDENT_LE, &SEQ, &SEQ_LE, &RESP_IN, &RESP_TO,
];

static TYPES: ValueStrings = &[
    (0, "Echo (ping) reply"),
    (3, "Destination unreachable"),
    (4, "Source quench (flow control)"),
    (5, "Redirect"),
    (8, "Echo (ping) request"),
    (9, "Router advertisement"),
    (10, "Router solicitation"),
    (11, "Time-to-live exceeded"),
    (12, "Parameter problem"),
    (13, "Timestamp request"),
    (14, "Timestamp reply"),
    (15, "Information request"),
    (16, "Information reply"),
    (17, "Address mask request"),
    (18, "Address mask reply"),
    (42, "Extended Echo request"),
    (43, "Extended Echo reply"),
];

static UNREACH: ValueStrings = &[
    (0, "Network unreachable"),
    (1, "Host unreachable"),
    (2, "Protocol unreachable"),
    (3, "Port unreachable"),
    (4, "Fragmentation needed"),
    (5, "Source route failed"),
    (6, "Destination network unknown"),
    (7, "Destination host unknown"),
    (8, "Source host isolated"),
    (9, "Network administratively prohibited"),
    (10, "Host administratively prohibited"),
    (11, "Network unreachable for TOS"),
    (12, "Host unreachable for TOS"),
    (13, "Communication administratively filtered"),
    (14, "Host precedence violation"),
    (15, "Precedence cutoff in effect"),
];
static REDIRECT: ValueStrings = &[
    (0, "Redirect for network"),
    (1, "Redirect for host"),
    (2, "Redirect for TOS and network"),
    (3, "Redirect for TOS and host"),
];
static TTL_EXCEEDED: ValueStrings = &[
    (0, "Time to live exceeded in transit"),
    (1, "Fragment reassembly time exceeded"),
];
static PARAM: ValueStrings = &[
    (0, "Pointer indicates the error"),
    (1, "Required option missing"),
    (2, "Bad length"),
];

fn code_name(t: u8, c: u8) -> Option<&'static str> {
    let table = match t {
        3 => UNREACH,
        5 => REDIRECT,
        11 => TTL_EXCEEDED,
        12 => PARAM,
        _ => return None,
    };
    crate::field::val_to_str(table, c as u64)
}

/// Dissects an ICMP message.
pub fn dissect(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<()> {
    cx.current_proto = "ICMP";
    cx.pkt.cols.set_protocol("ICMP");
    cx.pkt.cols.clear_info();
    cx.pkt.layer("icmp");
    let root = cx
        .pkt
        .open(&PROTO, &tvb, 0, tvb.reported_len(), Value::None);
    let _ = root;
    let t = tvb.u8(0)?;
    let c = tvb.u8(1)?;
    cx.pkt.add(&TYPE, &tvb, 0, 1, Value::UInt(t as u64));
    let cn = cx.pkt.add(&CODE, &tvb, 1, 1, Value::UInt(c as u64));
    if let Some(n) = code_name(t, c) {
        cx.pkt.set_label(cn, format_args!("Code: {c} ({n})"));
    }
    let ck = tvb.u16(2)?;
    let ckn = cx.pkt.add(&CHECKSUM, &tvb, 2, 2, Value::UInt(ck as u64));
    let _ = ckn;
    let tname = crate::field::val_to_str(TYPES, t as u64)
        .unwrap_or("Unknown ICMP (obsolete or malformed?)");
    match code_name(t, c) {
        Some(n) => cx.pkt.cols.set_info(format_args!("{tname} ({n})")),
        None => cx.pkt.cols.set_info(format_args!("{tname}")),
    }
    match t {
        0 | 8 | 13 | 14 | 15 | 16 | 17 | 18 => {
            let id = tvb.u16(4)?;
            let seq = tvb.u16(6)?;
            cx.pkt.add(&IDENT, &tvb, 4, 2, Value::UInt(id as u64));
            cx.pkt
                .add(&IDENT_LE, &tvb, 4, 2, Value::UInt(id.swap_bytes() as u64));
            cx.pkt.add(&SEQ, &tvb, 6, 2, Value::UInt(seq as u64));
            cx.pkt
                .add(&SEQ_LE, &tvb, 6, 2, Value::UInt(seq.swap_bytes() as u64));
            if t == 0 || t == 8 {
                let pad = if t == 8 { "  " } else { "    " };
                cx.pkt.cols.append_info(format_args!(
                    "{pad}id=0x{id:04x}, seq={seq}/{}, ttl={}",
                    seq.swap_bytes(),
                    cx.l3.ttl
                ));
                let key = crate::state::EchoKey::new(&cx.l3, id, seq, t == 0);
                let number = cx.pkt.meta.number;
                if t == 8 {
                    cx.state.icmp_requests.insert(key, number);
                } else if let Some(&req) = cx.state.icmp_requests.get(&key) {
                    if req < number {
                        let n = cx.pkt.add(&RESP_TO, &tvb, 0, 0, Value::UInt(req));
                        cx.pkt.set_generated(n);
                        cx.pkt.cols.append_info(format_args!(" (request in {req})"));
                    }
                }
            }
            let r = data::dissect(cx, tvb.sub(8)?);
            cx.pkt.close();
            r
        }
        3 | 4 | 5 | 11 | 12 => {
            cx.pkt.close();
            // The offending datagram's header, shown without touching the
            // columns, as tshark does.
            let saved = cx.pkt.cols.clone();
            let l3 = cx.l3;
            let l4 = cx.l4;
            let inner = tvb.sub(8)?;
            let r = ip::dissect(cx, inner);
            cx.pkt.cols = saved;
            cx.l3 = l3;
            cx.l4 = l4;
            r.map(|_| ())
        }
        _ => {
            let r = data::dissect(cx, tvb.sub(4.min(tvb.len()))?);
            cx.pkt.close();
            r
        }
    }
}
