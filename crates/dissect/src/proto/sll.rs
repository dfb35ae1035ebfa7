//! Linux cooked capture, v1 (LINKTYPE_LINUX_SLL) and v2 (LINKTYPE_LINUX_SLL2).

use crate::field::{Base, FieldDef, FieldRef, FieldType, ValueStrings};
use crate::packet::{fmt_ether, Span, Src, Value};
use crate::proto::{data, eth};
use crate::tvb::{Tvb, R};
use crate::Cx;

/// `sll`.
pub static PROTO: FieldDef = FieldDef::proto("sll", "Linux cooked capture");
/// `sll.pkttype`.
pub static PKTTYPE: FieldDef =
    FieldDef::new("sll.pkttype", "Packet type", FieldType::U16).with_strings(PKTTYPES);
/// `sll.hatype`.
pub static HATYPE: FieldDef =
    FieldDef::new("sll.hatype", "Link-layer address type", FieldType::U16).with_strings(HATYPES);
/// `sll.halen`.
pub static HALEN: FieldDef =
    FieldDef::new("sll.halen", "Link-layer address length", FieldType::U16);
/// `sll.src.eth`.
pub static SRC_ETH: FieldDef = FieldDef::new("sll.src.eth", "Source", FieldType::Ether);
/// `sll.src.other`.
pub static SRC_OTHER: FieldDef = FieldDef::new("sll.src.other", "Source", FieldType::Bytes);
/// `sll.unused`.
pub static UNUSED: FieldDef = FieldDef::new("sll.unused", "Unused", FieldType::Bytes);
/// `sll.etype`.
pub static ETYPE: FieldDef = FieldDef::new("sll.etype", "Protocol", FieldType::U16)
    .with_base(Base::Hex)
    .with_strings(eth::ETHERTYPES);
/// `sll.ltype`.
pub static LTYPE: FieldDef =
    FieldDef::new("sll.ltype", "Protocol", FieldType::U16).with_base(Base::Hex);
/// `sll.ifindex`.
pub static IFINDEX: FieldDef = FieldDef::new("sll.ifindex", "Interface index", FieldType::U32);
/// `sll.reserved`.
pub static RESERVED: FieldDef =
    FieldDef::new("sll.reserved", "Reserved", FieldType::U16).with_base(Base::Hex);

/// Fields of this module.
pub static FIELDS: &[FieldRef] = &[
    &PROTO, &PKTTYPE, &HATYPE, &HALEN, &SRC_ETH, &SRC_OTHER, &UNUSED, &ETYPE, &LTYPE, &IFINDEX,
    &RESERVED,
];

static PKTTYPES: ValueStrings = &[
    (0, "Unicast to us"),
    (1, "Broadcast"),
    (2, "Multicast"),
    (3, "Unicast to another host"),
    (4, "Sent by us"),
];

static HATYPES: ValueStrings = &[
    (1, "Ethernet"),
    (24, "IEEE 1394"),
    (512, "PPP"),
    (768, "IPIP"),
    (772, "Loopback"),
    (776, "IPv6-in-IPv4"),
    (778, "GRE over IP"),
    (803, "IEEE 802.11 + radiotap header"),
    (824, "Netlink"),
    (65534, "None"),
];

fn address(cx: &mut Cx<'_>, tvb: &Tvb<'_>, off: usize, halen: usize) -> R<()> {
    if halen == 6 {
        let a = tvb.ether(off)?;
        cx.pkt.add(&SRC_ETH, tvb, off, 6, Value::Ether(a));
        let mut s = String::new();
        fmt_ether(&a, &mut s);
        cx.pkt.cols.dl_src.push_str(&s);
        let rest = 8 - 6;
        let sp = Span {
            src: Src::Data(tvb.ds()),
            start: tvb.base() + off as u32 + 6,
            len: rest,
        };
        cx.pkt.add(&UNUSED, tvb, off + 6, 2, Value::Bytes(sp));
    } else if halen == 0 {
        let sp = Span {
            src: Src::Data(tvb.ds()),
            start: tvb.base() + off as u32,
            len: 8,
        };
        tvb.ensure(off, 8)?;
        cx.pkt.add(&UNUSED, tvb, off, 8, Value::Bytes(sp));
    } else {
        let l = halen.min(8);
        tvb.ensure(off, l)?;
        let sp = Span {
            src: Src::Data(tvb.ds()),
            start: tvb.base() + off as u32,
            len: l as u32,
        };
        cx.pkt.add(&SRC_OTHER, tvb, off, l, Value::Bytes(sp));
    }
    Ok(())
}

/// The payload of a cooked header: by EtherType, or the special cases.
fn payload(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    root: u32,
    hatype: u16,
    proto: u16,
    poff: usize,
) -> R<()> {
    match proto {
        // Novell 802.3 and 802.2 LLC frames carry no EtherType.
        0x0001 | 0x0004 => {
            cx.pkt.add_under(
                root,
                &LTYPE,
                tvb.ds(),
                tvb.base() + poff as u32 - 2,
                2,
                Value::UInt(proto as u64),
            );
            data::dissect(cx, tvb.sub(poff)?)
        }
        _ if hatype == 778 => {
            // GRE over IP: the protocol goes straight to the GRE table.
            cx.pkt.add_under(
                root,
                &ETYPE,
                tvb.ds(),
                tvb.base() + poff as u32 - 2,
                2,
                Value::UInt(proto as u64),
            );
            eth::dispatch(cx, proto, tvb.sub(poff)?).map(|_| ())
        }
        _ => eth::ethertype(cx, tvb, poff - 2, root, &ETYPE),
    }
}

/// LINKTYPE_LINUX_SLL (113).
pub fn dissect_v1(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<()> {
    cx.current_proto = "SLL";
    cx.pkt.cols.set_protocol("SLL");
    cx.pkt.layer("sll");
    let pkttype = tvb.u16(0)?;
    let hatype = tvb.u16(2)?;
    let halen = tvb.u16(4)? as usize;
    let proto = tvb.u16(14)?;
    let root = cx.pkt.open(&PROTO, &tvb, 0, 16, Value::None);
    cx.pkt
        .set_label(root, format_args!("Linux cooked capture v1"));
    cx.pkt
        .add(&PKTTYPE, &tvb, 0, 2, Value::UInt(pkttype as u64));
    cx.pkt.add(&HATYPE, &tvb, 2, 2, Value::UInt(hatype as u64));
    cx.pkt.add(&HALEN, &tvb, 4, 2, Value::UInt(halen as u64));
    address(cx, &tvb, 6, halen)?;
    cx.pkt.close();
    payload(cx, &tvb, root, hatype, proto, 16)
}

/// LINKTYPE_LINUX_SLL2 (276).
pub fn dissect_v2(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<()> {
    cx.current_proto = "SLL";
    cx.pkt.cols.set_protocol("SLL");
    cx.pkt.layer("sll");
    let proto = tvb.u16(0)?;
    let ifindex = tvb.u32(4)?;
    let hatype = tvb.u16(8)?;
    let pkttype = tvb.u8(10)?;
    let halen = tvb.u8(11)? as usize;
    let root = cx.pkt.open(&PROTO, &tvb, 0, 20, Value::None);
    cx.pkt
        .set_label(root, format_args!("Linux cooked capture v2"));
    cx.pkt.add(&ETYPE, &tvb, 0, 2, Value::UInt(proto as u64));
    cx.pkt
        .add(&RESERVED, &tvb, 2, 2, Value::UInt(tvb.u16(2)? as u64));
    cx.pkt
        .add(&IFINDEX, &tvb, 4, 4, Value::UInt(ifindex as u64));
    cx.pkt.add(&HATYPE, &tvb, 8, 2, Value::UInt(hatype as u64));
    cx.pkt
        .add(&PKTTYPE, &tvb, 10, 1, Value::UInt(pkttype as u64));
    cx.pkt.add(&HALEN, &tvb, 11, 1, Value::UInt(halen as u64));
    address(cx, &tvb, 12, halen)?;
    cx.pkt.close();
    cx.pkt.layer("ethertype");
    let used = eth::dispatch(cx, proto, tvb.sub(20)?)?;
    let _ = used;
    Ok(())
}
