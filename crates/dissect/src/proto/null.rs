//! BSD loopback encapsulation (LINKTYPE_NULL, LINKTYPE_LOOP) and raw IP
//! (LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6).

use crate::field::{FieldDef, FieldRef, FieldType, ValueStrings};
use crate::packet::Value;
use crate::proto::{data, ip, ipv6};
use crate::tvb::{Tvb, R};
use crate::Cx;

/// `null`.
pub static PROTO: FieldDef = FieldDef::proto("null", "Null/Loopback");
/// `null.family`.
pub static FAMILY: FieldDef =
    FieldDef::new("null.family", "Family", FieldType::U32).with_strings(FAMILIES);
/// `null.type`: an EtherType where the header holds one.
pub static TYPE: FieldDef = FieldDef::new("null.type", "Type", FieldType::U16);
/// `raw`.
pub static RAW: FieldDef = FieldDef::proto("raw", "Raw packet data");

/// Fields of this module.
pub static FIELDS: &[FieldRef] = &[&PROTO, &FAMILY, &TYPE, &RAW];

static FAMILIES: ValueStrings = &[
    (2, "IP"),
    (7, "OSI"),
    (11, "Appletalk"),
    (23, "Netware IPX/SPX"),
    (24, "IPv6"),
    (28, "IPv6"),
    (30, "IPv6"),
];

/// LINKTYPE_NULL (host byte order) and LINKTYPE_LOOP (network byte order).
pub fn dissect(cx: &mut Cx<'_>, tvb: Tvb<'_>, big_endian: bool) -> R<()> {
    cx.current_proto = "NULL";
    cx.pkt.cols.set_protocol("N/A");
    let raw = tvb.u32(0)?;
    // LINKTYPE_NULL is in the capturing host's byte order: guess it, as
    // Wireshark does, from which half holds the value.
    let family = if big_endian {
        raw
    } else if raw & 0xffff_0000 != 0 {
        raw.swap_bytes()
    } else {
        raw
    };
    cx.pkt.layer("null");
    let root = cx.pkt.open(&PROTO, &tvb, 0, 4, Value::None);
    cx.pkt.add(&FAMILY, &tvb, 0, 4, Value::UInt(family as u64));
    cx.pkt.close();
    let _ = root;
    let payload = tvb.sub(4)?;
    match family {
        2 => ip::dissect(cx, payload).map(|_| ()),
        24 | 28 | 30 => ipv6::dissect(cx, payload).map(|_| ()),
        _ => data::dissect(cx, payload),
    }
}

/// Raw IP: the version nibble says which.
pub fn dissect_raw(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<()> {
    cx.current_proto = "Raw";
    cx.pkt.cols.set_protocol("Raw");
    cx.pkt.layer("raw");
    let root = cx.pkt.open(&RAW, &tvb, 0, tvb.reported_len(), Value::None);
    cx.pkt.close();
    let _ = root;
    match tvb.u8(0)? >> 4 {
        4 => ip::dissect(cx, tvb).map(|_| ()),
        6 => ipv6::dissect(cx, tvb).map(|_| ()),
        _ => data::dissect(cx, tvb),
    }
}

/// LINKTYPE_IPV4 / LINKTYPE_IPV6: the packet starts with the IP header.
pub fn dissect_ip(cx: &mut Cx<'_>, tvb: Tvb<'_>, v6: bool) -> R<()> {
    if v6 {
        ipv6::dissect(cx, tvb).map(|_| ())
    } else {
        ip::dissect(cx, tvb).map(|_| ())
    }
}
