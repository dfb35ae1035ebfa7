//! ARP and RARP (RFC 826, RFC 903).

use crate::field::{Base, FieldDef, FieldRef, FieldType, ValueStrings};
use crate::packet::{fmt_ether, fmt_hex, fmt_ipv4, Span, Src, Value};
use crate::tvb::{Tvb, R};
use crate::Cx;

/// `arp`.
pub static PROTO: FieldDef = FieldDef::proto("arp", "Address Resolution Protocol");
/// `arp.hw.type`.
pub static HW_TYPE: FieldDef =
    FieldDef::new("arp.hw.type", "Hardware type", FieldType::U16).with_strings(HW_TYPES);
/// `arp.proto.type`.
pub static PROTO_TYPE: FieldDef = FieldDef::new("arp.proto.type", "Protocol type", FieldType::U16)
    .with_base(Base::Hex)
    .with_strings(super::eth::ETHERTYPES);
/// `arp.hw.size`.
pub static HW_SIZE: FieldDef = FieldDef::new("arp.hw.size", "Hardware size", FieldType::U8);
/// `arp.proto.size`.
pub static PROTO_SIZE: FieldDef = FieldDef::new("arp.proto.size", "Protocol size", FieldType::U8);
/// `arp.opcode`.
pub static OPCODE: FieldDef =
    FieldDef::new("arp.opcode", "Opcode", FieldType::U16).with_strings(OPCODES);
/// `arp.isgratuitous`.
pub static IS_GRATUITOUS: FieldDef =
    FieldDef::new("arp.isgratuitous", "Is gratuitous", FieldType::Bool);
/// `arp.isprobe`.
pub static IS_PROBE: FieldDef = FieldDef::new("arp.isprobe", "Is probe", FieldType::Bool);
/// `arp.isannouncement`.
pub static IS_ANNOUNCEMENT: FieldDef =
    FieldDef::new("arp.isannouncement", "Is announcement", FieldType::Bool);
/// `arp.src.hw_mac`.
pub static SRC_HW_MAC: FieldDef =
    FieldDef::new("arp.src.hw_mac", "Sender MAC address", FieldType::Ether);
/// `arp.src.hw`.
pub static SRC_HW: FieldDef =
    FieldDef::new("arp.src.hw", "Sender hardware address", FieldType::Bytes);
/// `arp.src.proto_ipv4`.
pub static SRC_IPV4: FieldDef =
    FieldDef::new("arp.src.proto_ipv4", "Sender IP address", FieldType::Ipv4);
/// `arp.src.proto`.
pub static SRC_PROTO: FieldDef =
    FieldDef::new("arp.src.proto", "Sender protocol address", FieldType::Bytes);
/// `arp.dst.hw_mac`.
pub static DST_HW_MAC: FieldDef =
    FieldDef::new("arp.dst.hw_mac", "Target MAC address", FieldType::Ether);
/// `arp.dst.hw`.
pub static DST_HW: FieldDef =
    FieldDef::new("arp.dst.hw", "Target hardware address", FieldType::Bytes);
/// `arp.dst.proto_ipv4`.
pub static DST_IPV4: FieldDef =
    FieldDef::new("arp.dst.proto_ipv4", "Target IP address", FieldType::Ipv4);
/// `arp.dst.proto`.
pub static DST_PROTO: FieldDef =
    FieldDef::new("arp.dst.proto", "Target protocol address", FieldType::Bytes);

/// Fields of this module.
pub static FIELDS: &[FieldRef] = &[
    &PROTO,
    &HW_TYPE,
    &PROTO_TYPE,
    &HW_SIZE,
    &PROTO_SIZE,
    &OPCODE,
    &IS_GRATUITOUS,
    &IS_PROBE,
    &IS_ANNOUNCEMENT,
    &SRC_HW_MAC,
    &SRC_HW,
    &SRC_IPV4,
    &SRC_PROTO,
    &DST_HW_MAC,
    &DST_HW,
    &DST_IPV4,
    &DST_PROTO,
    &DUPLICATE,
    &DUPLICATE_FRAME,
];

/// `arp.src.htype`.
pub static SRC_HTYPE: FieldDef =
    FieldDef::new("arp.src.htype", "Sender ATM number type", FieldType::Bool)
        .with_mask(0x40, 8)
        .with_tfs("E.164", "ATM Forum NSAPA");
/// `arp.src.hlen`.
pub static SRC_HLEN: FieldDef =
    FieldDef::new("arp.src.hlen", "Sender ATM number length", FieldType::U8).with_mask(0x3f, 8);
/// `arp.src.stype`.
pub static SRC_STYPE: FieldDef = FieldDef::new(
    "arp.src.stype",
    "Sender ATM subaddress type",
    FieldType::Bool,
)
.with_mask(0x40, 8)
.with_tfs("E.164", "ATM Forum NSAPA");
/// `arp.src.slen`.
pub static SRC_SLEN: FieldDef = FieldDef::new(
    "arp.src.slen",
    "Sender ATM subaddress length",
    FieldType::U8,
)
.with_mask(0x3f, 8);
/// `arp.src.pln`.
pub static SRC_PLN: FieldDef = FieldDef::new("arp.src.pln", "Sender protocol size", FieldType::U8);
/// `arp.dst.htype`.
pub static DST_HTYPE: FieldDef =
    FieldDef::new("arp.dst.htype", "Target ATM number type", FieldType::Bool)
        .with_mask(0x40, 8)
        .with_tfs("E.164", "ATM Forum NSAPA");
/// `arp.dst.hlen`.
pub static DST_HLEN: FieldDef =
    FieldDef::new("arp.dst.hlen", "Target ATM number length", FieldType::U8).with_mask(0x3f, 8);
/// `arp.dst.stype`.
pub static DST_STYPE: FieldDef = FieldDef::new(
    "arp.dst.stype",
    "Target ATM subaddress type",
    FieldType::Bool,
)
.with_mask(0x40, 8)
.with_tfs("E.164", "ATM Forum NSAPA");
/// `arp.dst.slen`.
pub static DST_SLEN: FieldDef = FieldDef::new(
    "arp.dst.slen",
    "Target ATM subaddress length",
    FieldType::U8,
)
.with_mask(0x3f, 8);
/// `arp.dst.pln`.
pub static DST_PLN: FieldDef = FieldDef::new("arp.dst.pln", "Target protocol size", FieldType::U8);
/// `arp.src.atm_num_e164`.
pub static SRC_ATM_E164: FieldDef = FieldDef::new(
    "arp.src.atm_num_e164",
    "Sender ATM number (E.164)",
    FieldType::String,
)
.with_base(Base::None);
/// `arp.src.atm_num_nsap`.
pub static SRC_ATM_NSAP: FieldDef = FieldDef::new(
    "arp.src.atm_num_nsap",
    "Sender ATM number (NSAP)",
    FieldType::Bytes,
);
/// `arp.src.atm_subaddr`.
pub static SRC_ATM_SUBADDR: FieldDef = FieldDef::new(
    "arp.src.atm_subaddr",
    "Sender ATM subaddress",
    FieldType::Bytes,
);
/// `arp.dst.atm_num_e164`.
pub static DST_ATM_E164: FieldDef = FieldDef::new(
    "arp.dst.atm_num_e164",
    "Target ATM number (E.164)",
    FieldType::String,
)
.with_base(Base::None);
/// `arp.dst.atm_num_nsap`.
pub static DST_ATM_NSAP: FieldDef = FieldDef::new(
    "arp.dst.atm_num_nsap",
    "Target ATM number (NSAP)",
    FieldType::Bytes,
);
/// `arp.dst.atm_subaddr`.
pub static DST_ATM_SUBADDR: FieldDef = FieldDef::new(
    "arp.dst.atm_subaddr",
    "Target ATM subaddress",
    FieldType::Bytes,
);

/// ATMARP's fields (Wireshark registers them under `arp`).
pub static ATMARP_FIELDS: &[FieldRef] = &[
    &SRC_HTYPE,
    &SRC_HLEN,
    &SRC_STYPE,
    &SRC_SLEN,
    &SRC_PLN,
    &DST_HTYPE,
    &DST_HLEN,
    &DST_STYPE,
    &DST_SLEN,
    &DST_PLN,
    &SRC_ATM_E164,
    &SRC_ATM_NSAP,
    &SRC_ATM_SUBADDR,
    &DST_ATM_E164,
    &DST_ATM_NSAP,
    &DST_ATM_SUBADDR,
];

/// Hardware type of ATMARP (RFC 2225 section 8.7.1: `ar$hrd` 19).
const ATM2225: u16 = 19;

/// One ATM number or subaddress (RFC 2225 section 8.7.2): E.164 as text,
/// NSAP as bytes; its text for the Info column.
fn atm_address(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    off: usize,
    tl: u8,
    fields: (FieldRef, FieldRef),
) -> R<String> {
    let len = (tl & 0x3f) as usize;
    if len == 0 {
        return Ok(String::new());
    }
    let b = tvb.bytes(off, len)?;
    let sp = Span {
        src: Src::Data(tvb.ds()),
        start: tvb.base() + off as u32,
        len: len as u32,
    };
    if tl & 0x40 != 0 {
        cx.pkt.add(fields.0, tvb, off, len, Value::Str(sp));
        Ok(String::from_utf8_lossy(b).into_owned())
    } else {
        cx.pkt.add(fields.1, tvb, off, len, Value::Bytes(sp));
        let mut s = String::new();
        fmt_hex(b, None, &mut s);
        Ok(s)
    }
}

/// ATMARP (RFC 2225 section 8.7), as Wireshark's `dissect_atmarp`: the
/// header's lengths must fit in the packet before anything is shown.
fn dissect_atmarp(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<usize> {
    cx.current_proto = "ATMARP";
    cx.pkt.layer("atmarp");
    let pro = tvb.u16(2)?;
    let shtl = tvb.u8(4)?;
    let sstl = tvb.u8(5)?;
    let op = tvb.u16(6)?;
    let spln = tvb.u8(8)? as usize;
    let thtl = tvb.u8(9)?;
    let tstl = tvb.u8(10)?;
    let tpln = tvb.u8(11)? as usize;
    let len = |tl: u8| (tl & 0x3f) as usize;
    let sha = 12;
    let ssa = sha + len(shtl);
    let spa = ssa + len(sstl);
    let tha = spa + spln;
    let tsa = tha + len(thtl);
    let tpa = tsa + len(tstl);
    let total = tpa + tpln;
    // tvb_set_reported_length: a datagram longer than the packet is
    // malformed before any of it is shown.
    if total > tvb.reported_len() {
        return Err(tvb.ensure(0, total).unwrap_err());
    }
    let tvb = if tvb.len() > total {
        tvb.truncate(total)
    } else {
        tvb
    };
    // packet-arp.c's `atmop_vals` name the packet in the tree.
    let (proto, kind) = match op {
        3 => ("ATMRARP", "reverse request".to_string()),
        4 => ("ATMRARP", "reverse reply".to_string()),
        8 => ("Inverse ATMARP", "inverse request".to_string()),
        9 => ("Inverse ATMARP", "inverse reply".to_string()),
        1 => ("ATMARP", "request".to_string()),
        2 => ("ATMARP", "reply".to_string()),
        10 => ("ATMARP", "nak".to_string()),
        _ => ("ATMARP", format!("opcode 0x{op:04x}")),
    };
    cx.pkt.cols.set_protocol(proto);
    let root = cx.pkt.open(&PROTO, &tvb, 0, total, Value::None);
    cx.pkt.set_label(
        root,
        format_args!("ATM Address Resolution Protocol ({kind})"),
    );
    let r = (|| -> R<[String; 6]> {
        cx.pkt
            .add(&HW_TYPE, &tvb, 0, 2, Value::UInt(u64::from(ATM2225)));
        cx.pkt.add(&PROTO_TYPE, &tvb, 2, 2, Value::UInt(pro.into()));
        for (f, off, v) in [
            (&SRC_HTYPE, 4, u64::from(shtl & 0x40 != 0)),
            (&SRC_HLEN, 4, u64::from(shtl & 0x3f)),
            (&SRC_STYPE, 5, u64::from(sstl & 0x40 != 0)),
            (&SRC_SLEN, 5, u64::from(sstl & 0x3f)),
        ] {
            let v = if f.ftype == FieldType::Bool {
                Value::Bool(v != 0)
            } else {
                Value::UInt(v)
            };
            cx.pkt.add(f, &tvb, off, 1, v);
        }
        cx.pkt.add(&OPCODE, &tvb, 6, 2, Value::UInt(op.into()));
        cx.pkt.add(&SRC_PLN, &tvb, 8, 1, Value::UInt(spln as u64));
        for (f, off, v) in [
            (&DST_HTYPE, 9, u64::from(thtl & 0x40 != 0)),
            (&DST_HLEN, 9, u64::from(thtl & 0x3f)),
            (&DST_STYPE, 10, u64::from(tstl & 0x40 != 0)),
            (&DST_SLEN, 10, u64::from(tstl & 0x3f)),
        ] {
            let v = if f.ftype == FieldType::Bool {
                Value::Bool(v != 0)
            } else {
                Value::UInt(v)
            };
            cx.pkt.add(f, &tvb, off, 1, v);
        }
        cx.pkt.add(&DST_PLN, &tvb, 11, 1, Value::UInt(tpln as u64));
        let is_ip = pro == 0x0800;
        let pr = |n: usize| (is_ip && n == 4).then_some(Known::Ipv4);
        let s_ha = atm_address(cx, &tvb, sha, shtl, (&SRC_ATM_E164, &SRC_ATM_NSAP))?;
        let s_sa = atm_address(cx, &tvb, ssa, sstl, (&SRC_ATM_E164, &SRC_ATM_SUBADDR))?;
        let mut s_pa = String::new();
        address(
            cx,
            &tvb,
            spa,
            spln,
            pr(spln).map(|k| (k, &SRC_IPV4 as FieldRef)),
            &SRC_PROTO,
            &mut s_pa,
        )?;
        let t_ha = atm_address(cx, &tvb, tha, thtl, (&DST_ATM_E164, &DST_ATM_NSAP))?;
        let t_sa = atm_address(cx, &tvb, tsa, tstl, (&DST_ATM_E164, &DST_ATM_SUBADDR))?;
        let mut t_pa = String::new();
        address(
            cx,
            &tvb,
            tpa,
            tpln,
            pr(tpln).map(|k| (k, &DST_IPV4 as FieldRef)),
            &DST_PROTO,
            &mut t_pa,
        )?;
        Ok([s_ha, s_sa, s_pa, t_ha, t_sa, t_pa])
    })();
    cx.pkt.close();
    let [s_ha, s_sa, s_pa, t_ha, t_sa, t_pa] = r?;
    let or = |s: String| {
        if s.is_empty() {
            "<No address>".to_string()
        } else {
            s
        }
    };
    let with_sub = |a: String, sub: &str| {
        if sub.is_empty() {
            or(a)
        } else {
            format!("{},{sub}", or(a))
        }
    };
    match op {
        1 => cx
            .pkt
            .cols
            .set_info(format_args!("Who has {}? Tell {}", or(t_pa), or(s_pa))),
        2 => cx
            .pkt
            .cols
            .set_info(format_args!("{} is at {}", or(s_pa), with_sub(s_ha, &s_sa))),
        8 => cx.pkt.cols.set_info(format_args!(
            "Who is {}?  Tell {}",
            with_sub(t_ha, &t_sa),
            with_sub(s_ha, &s_sa)
        )),
        9 => cx
            .pkt
            .cols
            .set_info(format_args!("{} is at {}", with_sub(s_ha, &s_sa), or(s_pa))),
        10 => cx
            .pkt
            .cols
            .set_info(format_args!("I don't know where {} is", or(s_pa))),
        _ => cx
            .pkt
            .cols
            .set_info(format_args!("Unknown ATMARP opcode 0x{op:04x}")),
    }
    Ok(total)
}

static HW_TYPES: ValueStrings = &[
    (1, "Ethernet"),
    (6, "IEEE 802 Networks"),
    (7, "ARCNET"),
    (15, "Frame Relay"),
    (16, "ATM"),
    (18, "Fibre Channel"),
    (19, "ATM (RFC 2225)"),
    (20, "Serial Line"),
    (24, "IEEE 1394.1995"),
    (32, "InfiniBand"),
];

/// packet-arp.c's `op_vals`.
static OPCODES: ValueStrings = &[
    (0, "reserved"),
    (1, "request"),
    (2, "reply"),
    (3, "reverse request"),
    (4, "reverse reply"),
    (5, "drarp request"),
    (6, "drarp reply"),
    (7, "drarp error"),
    (8, "inverse request"),
    (9, "inverse reply"),
    (10, "arp nak"),
    (11, "mars request"),
    (12, "mars multi"),
    (13, "mars mserv"),
    (14, "mars join"),
    (15, "mars leave"),
    (16, "mars nak"),
    (17, "mars unserv"),
    (18, "mars sjoin"),
    (19, "mars sleave"),
    (20, "mars grouplist request"),
    (21, "mars grouplist reply"),
    (22, "mars redirect map"),
    (23, "mapos unarp"),
    (24, "experimental 1"),
    (25, "experimental 2"),
];

/// Dissects an ARP packet; returns the bytes it covers.
pub fn dissect(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<usize> {
    cx.current_proto = "ARP/RARP";
    cx.pkt.layer("arp");
    // Wireshark names the packet ARP with an empty Info until it knows
    // better, so a packet that fails early shows as a malformed ARP.
    cx.pkt.cols.set_protocol("ARP");
    cx.pkt.cols.clear_info();
    let hrd = tvb.u16(0)?;
    if hrd == ATM2225 {
        return dissect_atmarp(cx, tvb);
    }
    let pro = tvb.u16(2)?;
    let hln = tvb.u8(4)? as usize;
    let pln = tvb.u8(5)? as usize;
    let op = tvb.u16(6)?;
    // packet-arp.c's Protocol column by opcode.
    cx.pkt.cols.set_protocol(match op {
        3 | 4 => "RARP",
        5..=7 => "DRARP",
        8 | 9 => "Inverse ARP",
        11..=22 => "MARS",
        23 => "MAPOS",
        _ => "ARP",
    });
    let sha = 8;
    let spa = sha + hln;
    let tha = spa + pln;
    let tpa = tha + hln;
    let total = tpa + pln;
    let is_eth = hrd == 1 && hln == 6;
    let is_ip = pro == 0x0800 && pln == 4;
    let root = cx.pkt.open(&PROTO, &tvb, 0, total, Value::None);
    let kind = match crate::field::val_to_str(OPCODES, op.into()) {
        Some(k) => k.to_string(),
        None => format!("opcode 0x{op:04x}"),
    };
    // Gratuitous, probe and announcement are decided on the addresses.
    let (sip, tip) = if is_ip {
        (tvb.ipv4(spa).ok(), tvb.ipv4(tpa).ok())
    } else {
        (None, None)
    };
    let tha_zero = tvb
        .bytes(tha, hln)
        .map(|b| b.iter().all(|&x| x == 0))
        .unwrap_or(false);
    let gratuitous = matches!(op, 1 | 2) && sip.is_some() && sip == tip;
    let probe = op == 1 && sip == Some([0, 0, 0, 0]) && tha_zero;
    let announcement = op == 1 && gratuitous && tha_zero;
    if announcement {
        cx.pkt.set_label(
            root,
            format_args!("Address Resolution Protocol (ARP Announcement)"),
        );
    } else if probe {
        cx.pkt.set_label(
            root,
            format_args!("Address Resolution Protocol (ARP Probe)"),
        );
    } else if gratuitous {
        cx.pkt.set_label(
            root,
            format_args!("Address Resolution Protocol ({kind}/gratuitous ARP)"),
        );
    } else {
        cx.pkt
            .set_label(root, format_args!("Address Resolution Protocol ({kind})"));
    }
    cx.pkt.add(&HW_TYPE, &tvb, 0, 2, Value::UInt(hrd as u64));
    cx.pkt.add(&PROTO_TYPE, &tvb, 2, 2, Value::UInt(pro as u64));
    cx.pkt.add(&HW_SIZE, &tvb, 4, 1, Value::UInt(hln as u64));
    cx.pkt.add(&PROTO_SIZE, &tvb, 5, 1, Value::UInt(pln as u64));
    cx.pkt.add(&OPCODE, &tvb, 6, 2, Value::UInt(op as u64));
    if gratuitous && !announcement {
        let n = cx.pkt.add(&IS_GRATUITOUS, &tvb, 0, 0, Value::Bool(true));
        cx.pkt.set_generated(n);
    }
    if probe {
        let n = cx.pkt.add(&IS_PROBE, &tvb, 0, 0, Value::Bool(true));
        cx.pkt.set_generated(n);
    }
    if announcement {
        let n = cx.pkt.add(&IS_ANNOUNCEMENT, &tvb, 0, 0, Value::Bool(true));
        cx.pkt.set_generated(n);
    }
    let mut info_sha = String::new();
    let mut info_spa = String::new();
    let mut info_tha = String::new();
    let mut info_tpa = String::new();
    let hw = is_eth.then_some(Known::Ether);
    let pr = is_ip.then_some(Known::Ipv4);
    address(
        cx,
        &tvb,
        sha,
        hln,
        hw.map(|k| (k, &SRC_HW_MAC)),
        &SRC_HW,
        &mut info_sha,
    )?;
    address(
        cx,
        &tvb,
        spa,
        pln,
        pr.map(|k| (k, &SRC_IPV4)),
        &SRC_PROTO,
        &mut info_spa,
    )?;
    address(
        cx,
        &tvb,
        tha,
        hln,
        hw.map(|k| (k, &DST_HW_MAC)),
        &DST_HW,
        &mut info_tha,
    )?;
    address(
        cx,
        &tvb,
        tpa,
        pln,
        pr.map(|k| (k, &DST_IPV4)),
        &DST_PROTO,
        &mut info_tpa,
    )?;
    // Duplicate address detection (Wireshark's arp.detect_duplicate_ip_addresses):
    // the sender's binding, and for replies the target's, against what
    // earlier packets said.
    // Only requests and replies with Ethernet (or IEEE 802) and IPv4
    // addresses count, and only unicast, non-zero MACs; a request's target
    // means nothing (packet-arp.c).
    let mut duplicate = None;
    let ether_like = (hrd == 1 || hrd == 6) && hln == 6;
    let ipv4_like = (pro == 0x0800 || pro == 0xcc) && pln == 4;
    let usable = |m: &[u8; 6]| m[0] & 1 == 0 && *m != [0; 6];
    if matches!(op, 1 | 2) && ether_like && ipv4_like {
        if let (Ok(ip), Ok(mac)) = (tvb.ipv4(spa), tvb.ether(sha)) {
            if usable(&mac) {
                duplicate = check_duplicate(cx, &tvb, ip, mac);
            }
        }
        if op != 1 {
            if let (Ok(ip), Ok(mac)) = (tvb.ipv4(tpa), tvb.ether(tha)) {
                if usable(&mac) && duplicate != Some(ip) {
                    // As in packet-arp.c, the target's check decides the
                    // Info note.
                    duplicate = check_duplicate(cx, &tvb, ip, mac);
                }
            }
        }
    }
    cx.pkt.close();
    match op {
        1 if announcement => cx
            .pkt
            .cols
            .set_info(format_args!("ARP Announcement for {info_spa}")),
        1 if probe => cx
            .pkt
            .cols
            .set_info(format_args!("Who has {info_tpa}? (ARP Probe)")),
        1 if gratuitous => cx
            .pkt
            .cols
            .set_info(format_args!("Gratuitous ARP for {info_spa} (Request)")),
        1 => cx
            .pkt
            .cols
            .set_info(format_args!("Who has {info_tpa}? Tell {info_spa}")),
        2 if gratuitous => cx
            .pkt
            .cols
            .set_info(format_args!("Gratuitous ARP for {info_spa} (Reply)")),
        2 => cx
            .pkt
            .cols
            .set_info(format_args!("{info_spa} is at {info_sha}")),
        3 => cx
            .pkt
            .cols
            .set_info(format_args!("Who is {info_tha}? Tell {info_sha}")),
        4 => cx
            .pkt
            .cols
            .set_info(format_args!("{info_tha} is at {info_tpa}")),
        5 => cx
            .pkt
            .cols
            .set_info(format_args!("Who is {info_tha}? Tell {info_sha}")),
        6 => cx
            .pkt
            .cols
            .set_info(format_args!("{info_tha} is at {info_tpa}")),
        7 => cx.pkt.cols.set_info(format_args!("DRARP Error")),
        8 => cx
            .pkt
            .cols
            .set_info(format_args!("Who is {info_tha}? Tell {info_sha}")),
        9 => cx
            .pkt
            .cols
            .set_info(format_args!("{info_sha} is at {info_spa}")),
        10 => cx.pkt.cols.set_info(format_args!("ARP NAK")),
        0 => cx.pkt.cols.set_info(format_args!("Reserved opcode 0")),
        _ => cx
            .pkt
            .cols
            .set_info(format_args!("Unknown ARP opcode 0x{op:04x}")),
    }
    if let Some(ip) = duplicate {
        cx.pkt.cols.append_info(format_args!(
            " (duplicate use of {} detected!)",
            std::net::Ipv4Addr::from(ip)
        ));
    }
    Ok(total)
}

/// Records `ip` → `mac`; when `ip` was bound to another address before,
/// adds the duplicate-address items and returns the address.
fn check_duplicate(cx: &mut Cx<'_>, tvb: &Tvb<'_>, ip: [u8; 4], mac: [u8; 6]) -> Option<[u8; 4]> {
    if ip == [0, 0, 0, 0] {
        return None;
    }
    let number = cx.pkt.meta.number;
    // The first binding stays (as in Wireshark): a match refreshes it, a
    // conflict is reported against it.
    let (old_mac, frame) = match cx.state.arp_bindings.get_mut(&ip) {
        None => {
            cx.state.arp_bindings.insert(ip, (mac, number));
            return None;
        }
        Some(b) if b.0 == mac => {
            b.1 = number;
            return None;
        }
        Some(b) => *b,
    };
    let addr = std::net::Ipv4Addr::from(ip);
    let mut new_s = String::new();
    fmt_ether(&mac, &mut new_s);
    let mut old_s = String::new();
    fmt_ether(&old_mac, &mut old_s);
    let n = cx.pkt.open(&DUPLICATE, tvb, 0, 0, Value::None);
    cx.pkt.set_generated(n);
    cx.pkt.set_label(
        n,
        format_args!("[Duplicate IP address detected for {addr} ({new_s}) - also in use by {old_s} (frame {frame})]"),
    );
    let f = cx.pkt.add(&DUPLICATE_FRAME, tvb, 0, 0, Value::UInt(frame));
    cx.pkt.set_generated(f);
    cx.pkt.expert(
        "arp",
        crate::packet::Severity::Warning,
        crate::packet::Group::Sequence,
        format_args!("Duplicate IP address configured ({addr})"),
    );
    cx.pkt.close();
    Some(ip)
}

/// `arp.duplicate-address-detected`.
pub static DUPLICATE: FieldDef = FieldDef::new(
    "arp.duplicate-address-detected",
    "Duplicate IP address detected",
    FieldType::None,
);
/// `arp.duplicate-address-frame`.
pub static DUPLICATE_FRAME: FieldDef = FieldDef::new(
    "arp.duplicate-address-frame",
    "Frame showing earlier use of IP address",
    FieldType::FrameNum,
);

/// How an address field is shown when its type is one Wireshark knows.
#[derive(Clone, Copy)]
enum Known {
    /// A 6-byte Ethernet address.
    Ether,
    /// A 4-byte IPv4 address.
    Ipv4,
}

/// Adds one of the four addresses: typed when the header says Ethernet or
/// IPv4 (`typed`), as bytes otherwise; its text goes to `info`.
fn address(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    off: usize,
    len: usize,
    typed: Option<(Known, FieldRef)>,
    raw: FieldRef,
    info: &mut String,
) -> R<()> {
    if len == 0 {
        return Ok(());
    }
    match typed {
        Some((Known::Ether, f)) => {
            let a = tvb.ether(off)?;
            cx.pkt.add(f, tvb, off, 6, Value::Ether(a));
            fmt_ether(&a, info);
        }
        Some((Known::Ipv4, f)) => {
            let a = tvb.ipv4(off)?;
            cx.pkt.add(f, tvb, off, 4, Value::Ipv4(a));
            fmt_ipv4(&a, info);
        }
        None => {
            let b = tvb.bytes(off, len)?;
            fmt_hex(b, None, info);
            let sp = Span {
                src: Src::Data(tvb.ds()),
                start: tvb.base() + off as u32,
                len: len as u32,
            };
            cx.pkt.add(raw, tvb, off, len, Value::Bytes(sp));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::dns::test_util::*;

    fn run_arp(d: &[u8]) -> crate::Packet {
        run(d, |cx, t| dissect(cx, t).map(|_| ()))
    }

    #[test]
    fn atmarp_request() {
        // RFC 2225 section 8.7: ar$hrd 19, ar$pro IPv4, a 20-byte NSAP
        // sender ATM number, no subaddresses, 4-byte protocol addresses.
        let mut d = vec![0, 19, 8, 0, 20, 0, 0, 1, 4, 0, 0, 4];
        d.extend_from_slice(&[0x47; 20]);
        d.extend_from_slice(&[10, 0, 0, 1]);
        d.extend_from_slice(&[10, 0, 0, 2]);
        let p = run_arp(&d);
        assert_eq!(p.cols.protocol, "ATMARP");
        assert_eq!(p.cols.info, "Who has 10.0.0.2? Tell 10.0.0.1");
        assert_eq!(p.protocols, "arp:atmarp");
        assert_eq!(values(&p, &d, "arp.src.hlen"), ["20"]);
        assert_eq!(values(&p, &d, "arp.src.proto_ipv4"), ["10.0.0.1"]);
        assert_eq!(values(&p, &d, "arp.opcode"), ["1"]);
    }

    /// An Ethernet/IPv4 ARP packet (RFC 826) with opcode `op`.
    fn ether_arp(op: u16, sha: [u8; 6], spa: [u8; 4], tha: [u8; 6], tpa: [u8; 4]) -> Vec<u8> {
        let mut d = vec![0, 1, 8, 0, 6, 4];
        d.extend_from_slice(&op.to_be_bytes());
        d.extend_from_slice(&sha);
        d.extend_from_slice(&spa);
        d.extend_from_slice(&tha);
        d.extend_from_slice(&tpa);
        d
    }

    #[test]
    fn duplicates_only_from_requests_and_replies() {
        let mut st = crate::State::default();
        let a = [0, 0x1f, 0x29, 0xda, 0x2d, 0x79];
        let b = [0, 0x1f, 0x29, 0xda, 0x25, 0x00];
        let ip = [192, 168, 1, 104];
        let gw = [192, 168, 1, 1];
        let go = |st: &mut crate::State, n, d: &[u8]| {
            run_with(st, n, 0, d, |cx, t| dissect(cx, t).map(|_| ()))
        };
        go(&mut st, 1, &ether_arp(1, a, ip, [0; 6], gw));
        // Opcode 0x41 with another MAC for the same address: not checked,
        // and not recorded either.
        let p = go(&mut st, 2, &ether_arp(0x41, b, ip, [0; 6], gw));
        assert_eq!(p.cols.info, "Unknown ARP opcode 0x0041");
        let p = go(&mut st, 3, &ether_arp(1, a, ip, [0; 6], gw));
        assert_eq!(p.cols.info, "Who has 192.168.1.1? Tell 192.168.1.104");
        // A request with the other MAC is a duplicate of frame 3's binding.
        let p = go(&mut st, 4, &ether_arp(1, b, ip, [0; 6], gw));
        assert_eq!(
            p.cols.info,
            "Who has 192.168.1.1? Tell 192.168.1.104 (duplicate use of 192.168.1.104 detected!)"
        );
        // RFC 903 opcodes 5 and 8 name DRARP and Inverse ARP.
        let p = go(&mut st, 5, &ether_arp(5, a, ip, [0; 6], gw));
        assert_eq!(p.cols.protocol, "DRARP");
        let p = go(&mut st, 6, &ether_arp(9, a, ip, [0; 6], gw));
        assert_eq!(p.cols.protocol, "Inverse ARP");
        assert_eq!(p.cols.info, "00:1f:29:da:2d:79 is at 192.168.1.104");
    }

    #[test]
    fn atmarp_lengths_past_the_packet_are_malformed() {
        // captures/filter-corpus.pcapng frame 1166: an Ethernet ARP request
        // with hardware type 19; read as RFC 2225 its lengths (6, 4, 0, 31,
        // 41, 218 bytes) overrun the 46-byte payload.
        let d = hex("0013080006040001001f29da2d79c0a80168000000000000c0a80101\
             000000000000000000000000000000000000");
        let p = run_arp(&d);
        assert_eq!(p.cols.protocol, "ARP");
        assert_eq!(p.cols.info, "[Malformed Packet]");
        assert_eq!(p.protocols, "arp:atmarp");
        assert!(values(&p, &d, "arp.opcode").is_empty());
    }
}
