//! ICMPv6 (RFC 4443) with neighbour discovery (RFC 4861) and MLD messages.

use crate::field::{Base, FieldDef, FieldRef, FieldType, ValueStrings};
use crate::packet::{fmt_ether, Value};
use crate::proto::{data, ipv6};
use crate::tvb::{Tvb, R};
use crate::Cx;

/// `icmpv6`.
pub static PROTO: FieldDef = FieldDef::proto("icmpv6", "Internet Control Message Protocol v6");
/// `icmpv6.type`.
pub static TYPE: FieldDef = FieldDef::new("icmpv6.type", "Type", FieldType::U8).with_strings(TYPES);
/// `icmpv6.code`.
pub static CODE: FieldDef = FieldDef::new("icmpv6.code", "Code", FieldType::U8);
/// `icmpv6.checksum`.
pub static CHECKSUM: FieldDef =
    FieldDef::new("icmpv6.checksum", "Checksum", FieldType::U16).with_base(Base::Hex);
/// `icmpv6.echo.identifier`.
pub static ECHO_ID: FieldDef =
    FieldDef::new("icmpv6.echo.identifier", "Identifier", FieldType::U16).with_base(Base::Hex);
/// `icmpv6.echo.sequence_number`.
pub static ECHO_SEQ: FieldDef =
    FieldDef::new("icmpv6.echo.sequence_number", "Sequence", FieldType::U16);
/// `icmpv6.nd.ns.target_address`.
pub static NS_TARGET: FieldDef = FieldDef::new(
    "icmpv6.nd.ns.target_address",
    "Target Address",
    FieldType::Ipv6,
);
/// `icmpv6.nd.na.target_address`.
pub static NA_TARGET: FieldDef = FieldDef::new(
    "icmpv6.nd.na.target_address",
    "Target Address",
    FieldType::Ipv6,
);
/// `icmpv6.opt`.
pub static OPT: FieldDef = FieldDef::new("icmpv6.opt", "ICMPv6 Option", FieldType::None);
/// `icmpv6.opt.type`.
pub static OPT_TYPE: FieldDef = FieldDef::new("icmpv6.opt.type", "Type", FieldType::U8);
/// `icmpv6.opt.length`.
pub static OPT_LEN: FieldDef = FieldDef::new("icmpv6.opt.length", "Length", FieldType::U8);
/// `icmpv6.opt.linkaddr`.
pub static OPT_LINKADDR: FieldDef = FieldDef::new(
    "icmpv6.opt.linkaddr",
    "Link-layer address",
    FieldType::Ether,
);
/// `icmpv6.resp_to`.
pub static RESP_TO: FieldDef = FieldDef::new("icmpv6.resp_to", "Response To", FieldType::FrameNum);

/// Fields of this module.
pub static FIELDS: &[FieldRef] = &[
    &PROTO,
    &TYPE,
    &CODE,
    &CHECKSUM,
    &ECHO_ID,
    &ECHO_SEQ,
    &NS_TARGET,
    &NA_TARGET,
    &OPT,
    &OPT_TYPE,
    &OPT_LEN,
    &OPT_LINKADDR,
    &RESP_TO,
];

static TYPES: ValueStrings = &[
    (1, "Destination Unreachable"),
    (2, "Packet Too Big"),
    (3, "Time Exceeded"),
    (4, "Parameter Problem"),
    (128, "Echo (ping) request"),
    (129, "Echo (ping) reply"),
    (130, "Multicast Listener Query"),
    (131, "Multicast Listener Report"),
    (132, "Multicast Listener Done"),
    (133, "Router Solicitation"),
    (134, "Router Advertisement"),
    (135, "Neighbor Solicitation"),
    (136, "Neighbor Advertisement"),
    (137, "Redirect"),
    (138, "Router Renumbering"),
    (139, "ICMP Node Information Query"),
    (140, "ICMP Node Information Response"),
    (141, "Inverse Neighbor Discovery Solicitation Message"),
    (142, "Inverse Neighbor Discovery Advertisement Message"),
    (143, "Multicast Listener Report Message v2"),
    (144, "Home Agent Address Discovery Request Message"),
    (145, "Home Agent Address Discovery Reply Message"),
    (146, "Mobile Prefix Solicitation"),
    (147, "Mobile Prefix Advertisement"),
    (151, "Multicast Router Advertisement"),
    (152, "Multicast Router Solicitation"),
    (153, "Multicast Router Termination"),
    (155, "RPL Control Message"),
];

/// Dissects an ICMPv6 message.
pub fn dissect(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<()> {
    cx.current_proto = "ICMPv6";
    cx.pkt.cols.set_protocol("ICMPv6");
    cx.pkt.cols.clear_info();
    cx.pkt.layer("icmpv6");
    cx.pkt
        .open(&PROTO, &tvb, 0, tvb.reported_len(), Value::None);
    let t = tvb.u8(0)?;
    let c = tvb.u8(1)?;
    cx.pkt.add(&TYPE, &tvb, 0, 1, Value::UInt(t as u64));
    cx.pkt.add(&CODE, &tvb, 1, 1, Value::UInt(c as u64));
    cx.pkt
        .add(&CHECKSUM, &tvb, 2, 2, Value::UInt(tvb.u16(2)? as u64));
    let name = crate::field::val_to_str(TYPES, t as u64).unwrap_or("Unknown");
    cx.pkt.cols.set_info(format_args!("{name}"));
    let r = body(cx, &tvb, t);
    cx.pkt.close();
    r
}

fn body(cx: &mut Cx<'_>, tvb: &Tvb<'_>, t: u8) -> R<()> {
    match t {
        128 | 129 => {
            let id = tvb.u16(4)?;
            let seq = tvb.u16(6)?;
            cx.pkt.add(&ECHO_ID, tvb, 4, 2, Value::UInt(id as u64));
            cx.pkt.add(&ECHO_SEQ, tvb, 6, 2, Value::UInt(seq as u64));
            cx.pkt.cols.append_info(format_args!(
                " id=0x{id:04x}, seq={seq}, hop limit={}",
                cx.l3.ttl
            ));
            let key = crate::state::EchoKey::new(&cx.l3, id, seq, t == 129);
            let number = cx.pkt.meta.number;
            if t == 128 {
                cx.state.icmp_requests.insert(key, number);
            } else if let Some(&req) = cx.state.icmp_requests.get(&key) {
                if req < number {
                    let n = cx.pkt.add(&RESP_TO, tvb, 0, 0, Value::UInt(req));
                    cx.pkt.set_generated(n);
                    cx.pkt.cols.append_info(format_args!(" (request in {req})"));
                }
            }
            data::dissect(cx, tvb.sub(8)?)
        }
        1..=4 => {
            let inner = tvb.sub(8)?;
            let saved = cx.pkt.cols.clone();
            let l3 = cx.l3;
            let l4 = cx.l4;
            let r = ipv6::dissect(cx, inner);
            cx.pkt.cols = saved;
            cx.l3 = l3;
            cx.l4 = l4;
            r.map(|_| ())
        }
        133 => nd_options(cx, tvb, 8, t),
        134 => nd_options(cx, tvb, 16, t),
        135 => {
            let target = tvb.ipv6(8)?;
            cx.pkt.add(&NS_TARGET, tvb, 8, 16, Value::Ipv6(target));
            cx.pkt
                .cols
                .append_info(format_args!(" for {}", std::net::Ipv6Addr::from(target)));
            nd_options(cx, tvb, 24, t)
        }
        136 => {
            let flags = tvb.u32(4)?;
            let target = tvb.ipv6(8)?;
            cx.pkt.add(&NA_TARGET, tvb, 8, 16, Value::Ipv6(target));
            let mut f = Vec::new();
            if flags & 0x8000_0000 != 0 {
                f.push("rtr");
            }
            if flags & 0x4000_0000 != 0 {
                f.push("sol");
            }
            if flags & 0x2000_0000 != 0 {
                f.push("ovr");
            }
            cx.pkt.cols.append_info(format_args!(
                " {} ({})",
                std::net::Ipv6Addr::from(target),
                f.join(", ")
            ));
            nd_options(cx, tvb, 24, t)
        }
        137 => nd_options(cx, tvb, 40, t),
        _ => Ok(()),
    }
}

fn nd_options(cx: &mut Cx<'_>, tvb: &Tvb<'_>, mut off: usize, t: u8) -> R<()> {
    tvb.ensure(0, off)?;
    let mut n = 0;
    while off < tvb.reported_len() && n < 64 {
        n += 1;
        let ot = tvb.u8(off)?;
        let ol = tvb.u8(off + 1)? as usize * 8;
        let o = cx.pkt.open(&OPT, tvb, off, ol.max(2), Value::None);
        let _ = o;
        cx.pkt.add(&OPT_TYPE, tvb, off, 1, Value::UInt(ot as u64));
        cx.pkt
            .add(&OPT_LEN, tvb, off + 1, 1, Value::UInt((ol / 8) as u64));
        if ol == 0 {
            cx.pkt.close();
            // A zero-length option would loop forever: tshark flags it malformed.
            return Err(crate::Bound::Malformed {
                offset: tvb.base() + off as u32,
            });
        }
        tvb.ensure(off, ol)?;
        if (ot == 1 || ot == 2) && ol == 8 {
            let a = tvb.ether(off + 2)?;
            cx.pkt.add(&OPT_LINKADDR, tvb, off + 2, 6, Value::Ether(a));
            if (ot == 1 && t != 136) || (ot == 2 && t == 136) {
                let mut s = String::new();
                fmt_ether(&a, &mut s);
                cx.pkt.cols.append_info(format_args!(" from {s}"));
            } else if ot == 2 {
                let mut s = String::new();
                fmt_ether(&a, &mut s);
                cx.pkt.cols.append_info(format_args!(" is at {s}"));
            }
        }
        cx.pkt.close();
        off += ol;
    }
    Ok(())
}
