//! Ethernet II and IEEE 802.3 framing, 802.1Q/802.1ad VLAN tags, and the
//! EtherType table that hands a payload to the next dissector.

use crate::field::{Base, FieldDef, FieldRef, FieldType, ValueStrings};
use crate::packet::{fmt_ether, Group, Severity, Span, Src, Value};
use crate::proto::{arp, data, ip, ipv6};
use crate::tvb::{Tvb, R};
use crate::Cx;

/// `eth`.
pub static PROTO: FieldDef = FieldDef::proto("eth", "Ethernet");
/// `eth.dst`.
pub static DST: FieldDef = FieldDef::new("eth.dst", "Destination", FieldType::Ether);
/// `eth.src`.
pub static SRC: FieldDef = FieldDef::new("eth.src", "Source", FieldType::Ether);
/// `eth.addr`.
pub static ADDR: FieldDef = FieldDef::new("eth.addr", "Address", FieldType::Ether);
/// `eth.dst.lg`.
pub static DST_LG: FieldDef = FieldDef::new("eth.dst.lg", "LG bit", FieldType::Bool)
    .with_mask(0x020000_000000, 24)
    .with_tfs(
        "Locally administered address (this is NOT the factory default)",
        "Globally unique address (factory default)",
    );
/// `eth.dst.ig`.
pub static DST_IG: FieldDef = FieldDef::new("eth.dst.ig", "IG bit", FieldType::Bool)
    .with_mask(0x010000_000000, 24)
    .with_tfs(
        "Group address (multicast/broadcast)",
        "Individual address (unicast)",
    );
/// `eth.src.lg`.
pub static SRC_LG: FieldDef = FieldDef::new("eth.src.lg", "LG bit", FieldType::Bool)
    .with_mask(0x020000_000000, 24)
    .with_tfs(
        "Locally administered address (this is NOT the factory default)",
        "Globally unique address (factory default)",
    );
/// `eth.src.ig`.
pub static SRC_IG: FieldDef = FieldDef::new("eth.src.ig", "IG bit", FieldType::Bool)
    .with_mask(0x010000_000000, 24)
    .with_tfs(
        "Group address (multicast/broadcast)",
        "Individual address (unicast)",
    );
/// `eth.lg` (either address).
pub static LG: FieldDef = FieldDef::new("eth.lg", "LG bit", FieldType::Bool);
/// `eth.ig` (either address).
pub static IG: FieldDef = FieldDef::new("eth.ig", "IG bit", FieldType::Bool);
/// `eth.type`.
pub static TYPE: FieldDef = FieldDef::new("eth.type", "Type", FieldType::U16)
    .with_base(Base::Hex)
    .with_strings(ETHERTYPES);
/// `eth.len` (IEEE 802.3 length).
pub static LEN: FieldDef = FieldDef::new("eth.len", "Length", FieldType::U16);
/// `eth.padding`.
pub static PADDING: FieldDef = FieldDef::new("eth.padding", "Padding", FieldType::Bytes);
/// `eth.trailer`.
pub static TRAILER: FieldDef = FieldDef::new("eth.trailer", "Trailer", FieldType::Bytes);

/// `vlan`.
pub static VLAN: FieldDef = FieldDef::proto("vlan", "802.1Q Virtual LAN");
/// `vlan.priority`.
pub static VLAN_PRIORITY: FieldDef = FieldDef::new("vlan.priority", "Priority", FieldType::U16)
    .with_mask(0xe000, 16)
    .with_strings(VLAN_PRIORITIES);
/// `vlan.dei`.
pub static VLAN_DEI: FieldDef = FieldDef::new("vlan.dei", "DEI", FieldType::U16)
    .with_mask(0x1000, 16)
    .with_strings(&[(0, "Ineligible"), (1, "Eligible")]);
/// `vlan.id`.
pub static VLAN_ID: FieldDef = FieldDef::new("vlan.id", "ID", FieldType::U16).with_mask(0x0fff, 16);
/// `vlan.etype`.
pub static VLAN_ETYPE: FieldDef = FieldDef::new("vlan.etype", "Type", FieldType::U16)
    .with_base(Base::Hex)
    .with_strings(ETHERTYPES);
/// `vlan.len`.
pub static VLAN_LEN: FieldDef = FieldDef::new("vlan.len", "Length", FieldType::U16);

/// Fields of this module.
pub static FIELDS: &[FieldRef] = &[
    &PROTO,
    &DST,
    &SRC,
    &ADDR,
    &DST_LG,
    &DST_IG,
    &SRC_LG,
    &SRC_IG,
    &LG,
    &IG,
    &TYPE,
    &LEN,
    &PADDING,
    &TRAILER,
    &VLAN,
    &VLAN_PRIORITY,
    &VLAN_DEI,
    &VLAN_ID,
    &VLAN_ETYPE,
    &VLAN_LEN,
];

/// Names of EtherTypes (Wireshark's etype_vals, the common part).
pub static ETHERTYPES: ValueStrings = &[
    (0x0800, "IPv4"),
    (0x0806, "ARP"),
    (0x0842, "Wake on LAN"),
    (0x22f0, "IEEE 1722 Audio Video Bridging Transport Protocol"),
    (0x22f3, "TRILL"),
    (0x6558, "Transparent Ethernet bridging"),
    (0x8035, "RARP"),
    (0x809b, "AppleTalk LLAP bridging"),
    (0x80f3, "AppleTalk Address Resolution Protocol (AARP)"),
    (0x8100, "802.1Q Virtual LAN"),
    (0x8137, "Netware IPX/SPX"),
    (0x86dd, "IPv6"),
    (0x8808, "MAC Control"),
    (0x8809, "Slow Protocols"),
    (0x8847, "MPLS label switched packet"),
    (0x8848, "MPLS multicast label switched packet"),
    (0x8863, "PPPoE Discovery"),
    (0x8864, "PPPoE Session"),
    (0x886f, "Microsoft NLB heartbeat"),
    (0x888e, "802.1X Authentication"),
    (0x88a8, "802.1ad Provider Bridge (Q-in-Q)"),
    (0x88cc, "802.1 Link Layer Discovery Protocol (LLDP)"),
    (0x88e5, "802.1AE (MACsec)"),
    (0x88f7, "PTPv2 over Ethernet (IEEE1588)"),
    (
        0x8902,
        "IEEE 802.1Q Connectivity Fault Management (CFM) protocol",
    ),
    (0x9000, "Configuration Test Protocol (loopback)"),
    (0x9100, "QinQ: old non-standard 802.1ad"),
];

static VLAN_PRIORITIES: ValueStrings = &[
    (0, "Best Effort (default)"),
    (1, "Background"),
    (2, "Excellent Effort"),
    (3, "Critical Applications"),
    (4, "Video, < 100ms latency and jitter"),
    (5, "Voice, < 10ms latency and jitter"),
    (6, "Internetwork Control"),
    (7, "Network Control"),
];

/// The smallest Ethernet frame without FCS; shorter payloads are padded.
const ETH_MIN_LEN: usize = 60;

fn add_address(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    off: usize,
    which: &'static FieldDef,
    addr: [u8; 6],
) {
    let (lg, ig) = if std::ptr::eq(which, &DST) {
        (&DST_LG, &DST_IG)
    } else {
        (&SRC_LG, &SRC_IG)
    };
    let n = cx.pkt.open(which, tvb, off, 6, Value::Ether(addr));
    let a = cx.pkt.add(&ADDR, tvb, off, 6, Value::Ether(addr));
    let _ = a;
    let lgv = (addr[0] >> 1) & 1;
    let igv = addr[0] & 1;
    cx.pkt.add(lg, tvb, off, 3, Value::UInt(lgv as u64));
    let h = cx.pkt.add(&LG, tvb, off, 3, Value::Bool(lgv != 0));
    cx.pkt.set_hidden(h);
    cx.pkt.add(ig, tvb, off, 3, Value::UInt(igv as u64));
    let h = cx.pkt.add(&IG, tvb, off, 3, Value::Bool(igv != 0));
    cx.pkt.set_hidden(h);
    cx.pkt.close();
    let _ = n;
}

/// Dissects an Ethernet frame (LINKTYPE_ETHERNET), without FCS.
pub fn dissect(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<()> {
    cx.current_proto = "Ethernet";
    cx.pkt.cols.set_protocol("Ethernet");
    cx.pkt.layer("eth");
    let dst = tvb.ether(0)?;
    let src = tvb.ether(6)?;
    let etype = tvb.u16(12)?;
    if cx.pkt.cols.enabled() {
        fmt_ether(&src, &mut cx.pkt.cols.dl_src);
        fmt_ether(&dst, &mut cx.pkt.cols.dl_dst);
    }
    if etype <= 1500 {
        // IEEE 802.3 with a length field; the LLC that follows is shown as data.
        let root = cx.pkt.open(&PROTO, &tvb, 0, 14, Value::None);
        cx.pkt.set_label(root, format_args!("IEEE 802.3 Ethernet "));
        add_address(cx, &tvb, 0, &DST, dst);
        add_address(cx, &tvb, 6, &SRC, src);
        cx.pkt.add(&LEN, &tvb, 12, 2, Value::UInt(etype as u64));
        cx.pkt.close();
        cx.pkt.cols.set_info(format_args!("Ethernet II"));
        let payload = tvb.sub(14)?;
        let body = payload.truncate(etype as usize);
        data::dissect(cx, body)?;
        return Ok(());
    }
    let root = cx.pkt.open(&PROTO, &tvb, 0, 14, Value::None);
    if cx.pkt.labelled(root) {
        let (mut s, mut d) = (String::new(), String::new());
        fmt_ether(&src, &mut s);
        fmt_ether(&dst, &mut d);
        let label = format!("Ethernet II, Src: {s}, Dst: {d}");
        cx.pkt.set_label(root, format_args!("{label}"));
    }
    add_address(cx, &tvb, 0, &DST, dst);
    add_address(cx, &tvb, 6, &SRC, src);
    cx.pkt.close();
    ethertype(cx, &tvb, 12, root, &TYPE)
}

/// Adds the type field at `type_off` under `parent`, dissects what follows it
/// by EtherType, and shows the bytes after the payload as padding or trailer
/// under `parent` (Wireshark's `ethertype` dissector).
pub fn ethertype(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    type_off: usize,
    parent: u32,
    field: FieldRef,
) -> R<()> {
    let etype = tvb.u16(type_off)?;
    cx.pkt.add_under(
        parent,
        field,
        tvb.ds(),
        tvb.base() + type_off as u32,
        2,
        Value::UInt(etype as u64),
    );
    cx.pkt.layer("ethertype");
    let off = type_off + 2;
    let payload = tvb.sub(off)?;
    let used = dispatch(cx, etype, payload)?;
    // What the payload did not claim: padding of zeros up to the minimum
    // frame size, then anything else as a trailer.
    let end = off + used;
    if end < tvb.len() && used < payload.reported_len() {
        let rest = &tvb.data()[end..];
        let pad_room = ETH_MIN_LEN.saturating_sub(end).min(rest.len());
        let zeros = rest[..pad_room].iter().take_while(|&&b| b == 0).count();
        let pad = if zeros == pad_room { zeros } else { 0 };
        let saved = cx.pkt.depth();
        if pad > 0 {
            let sp = Span {
                src: Src::Data(tvb.ds()),
                start: tvb.base() + end as u32,
                len: pad as u32,
            };
            cx.pkt.add_under(
                parent,
                &PADDING,
                tvb.ds(),
                tvb.base() + end as u32,
                pad as u32,
                Value::Bytes(sp),
            );
        }
        let trailer = rest.len() - pad;
        if trailer > 0 {
            let start = tvb.base() + (end + pad) as u32;
            let sp = Span {
                src: Src::Data(tvb.ds()),
                start,
                len: trailer as u32,
            };
            let t = cx.pkt.add_under(
                parent,
                &TRAILER,
                tvb.ds(),
                start,
                trailer as u32,
                Value::Bytes(sp),
            );
            if pad == 0 {
                cx.pkt.reopen(t);
                cx.pkt.expert(
                    "eth",
                    Severity::Note,
                    Group::Protocol,
                    format_args!(
                        "Didn't find padding of zeros, and an undecoded trailer exists. There may be padding of non-zeros."
                    ),
                );
                cx.pkt.close_to(saved);
            }
        }
    }
    Ok(())
}

/// Hands `tvb` to the dissector for `etype`; returns how many bytes it used.
pub fn dispatch(cx: &mut Cx<'_>, etype: u16, tvb: Tvb<'_>) -> R<usize> {
    match etype {
        0x0800 => ip::dissect(cx, tvb),
        0x86dd => ipv6::dissect(cx, tvb),
        0x0806 | 0x8035 => arp::dissect(cx, tvb),
        0x8100 | 0x88a8 | 0x9100 => vlan(cx, tvb),
        _ => {
            let mut name = String::new();
            let _ = std::fmt::Write::write_fmt(&mut name, format_args!("0x{etype:04x}"));
            cx.pkt.cols.set_protocol(&name);
            match crate::field::val_to_str(ETHERTYPES, etype as u64) {
                Some(n) => cx.pkt.cols.set_info(format_args!("{n}")),
                None => cx.pkt.cols.set_info(format_args!("Ethernet II")),
            }
            data::dissect(cx, tvb)?;
            Ok(tvb.reported_len())
        }
    }
}

/// 802.1Q / 802.1ad tag.
fn vlan(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<usize> {
    cx.current_proto = "VLAN";
    cx.pkt.cols.set_protocol("VLAN");
    cx.pkt.layer("vlan");
    let tci = tvb.u16(0)?;
    let etype = tvb.u16(2)?;
    let root = cx.pkt.open(&VLAN, &tvb, 0, 4, Value::None);
    let (pri, dei, id) = (tci >> 13, (tci >> 12) & 1, tci & 0xfff);
    cx.pkt.set_label(
        root,
        format_args!("802.1Q Virtual LAN, PRI: {pri}, DEI: {dei}, ID: {id}"),
    );
    cx.pkt
        .add(&VLAN_PRIORITY, &tvb, 0, 2, Value::UInt(pri as u64));
    cx.pkt.add(&VLAN_DEI, &tvb, 0, 2, Value::UInt(dei as u64));
    cx.pkt.add(&VLAN_ID, &tvb, 0, 2, Value::UInt(id as u64));
    cx.pkt.close();
    cx.pkt
        .cols
        .set_info(format_args!("PRI: {pri}  DEI: {dei}  ID: {id}"));
    if etype <= 1500 {
        cx.pkt.add_under(
            root,
            &VLAN_LEN,
            tvb.ds(),
            tvb.base() + 2,
            2,
            Value::UInt(etype as u64),
        );
        let body = tvb.sub(4)?.truncate(etype as usize);
        data::dissect(cx, body)?;
        return Ok(4 + body.reported_len());
    }
    ethertype_inner(cx, &tvb, root, etype)
}

/// The EtherType after a VLAN tag: like [`ethertype`] but the trailer is left
/// to the outer Ethernet header, as Wireshark does.
fn ethertype_inner(cx: &mut Cx<'_>, tvb: &Tvb<'_>, parent: u32, etype: u16) -> R<usize> {
    cx.pkt.add_under(
        parent,
        &VLAN_ETYPE,
        tvb.ds(),
        tvb.base() + 2,
        2,
        Value::UInt(etype as u64),
    );
    cx.pkt.layer("ethertype");
    let used = dispatch(cx, etype, tvb.sub(4)?)?;
    Ok(4 + used)
}
