//! IPv6 (RFC 8200) and its extension headers.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv6Addr};

use crate::field::{Base, FieldDef, FieldRef, FieldType};
use crate::packet::{Group, Severity, Value};
use crate::proto::data;
use crate::proto::ip::{transport, IPPROTO};
use crate::tvb::{Tvb, R};
use crate::Cx;

/// `ipv6`.
pub static PROTO: FieldDef = FieldDef::proto("ipv6", "Internet Protocol Version 6");
/// `ipv6.version`.
pub static VERSION: FieldDef =
    FieldDef::new("ipv6.version", "Version", FieldType::U8).with_mask(0xf0, 8);
/// `ipv6.tclass`.
pub static TCLASS: FieldDef = FieldDef::new("ipv6.tclass", "Traffic Class", FieldType::U32)
    .with_base(Base::Hex)
    .with_mask(0x0ff0_0000, 32);
/// `ipv6.flow`.
pub static FLOW: FieldDef = FieldDef::new("ipv6.flow", "Flow Label", FieldType::U32)
    .with_base(Base::Hex)
    .with_mask(0x000f_ffff, 32);
/// `ipv6.plen`.
pub static PLEN: FieldDef = FieldDef::new("ipv6.plen", "Payload Length", FieldType::U16);
/// `ipv6.nxt`.
pub static NXT: FieldDef =
    FieldDef::new("ipv6.nxt", "Next Header", FieldType::U8).with_strings(IPPROTO);
/// `ipv6.hlim`.
pub static HLIM: FieldDef = FieldDef::new("ipv6.hlim", "Hop Limit", FieldType::U8);
/// `ipv6.src`.
pub static SRC: FieldDef = FieldDef::new("ipv6.src", "Source Address", FieldType::Ipv6);
/// `ipv6.addr`.
pub static ADDR: FieldDef = FieldDef::new(
    "ipv6.addr",
    "Source or Destination Address",
    FieldType::Ipv6,
);
/// `ipv6.dst`.
pub static DST: FieldDef = FieldDef::new("ipv6.dst", "Destination Address", FieldType::Ipv6);
/// `ipv6.hopopts`.
pub static HOPOPTS: FieldDef = FieldDef::proto("ipv6.hopopts", "IPv6 Hop-by-Hop Option");
/// `ipv6.routing`.
pub static ROUTING: FieldDef = FieldDef::proto("ipv6.routing", "Routing Header for IPv6");
/// `ipv6.fragment`.
pub static FRAGMENT: FieldDef = FieldDef::proto("ipv6.fragment", "Fragment Header for IPv6");
/// `ipv6.dstopts`.
pub static DSTOPTS: FieldDef = FieldDef::proto("ipv6.dstopts", "Destination Options for IPv6");
/// `ipv6.opt.nxt` (next header of an extension header).
pub static EXT_NXT: FieldDef =
    FieldDef::new("ipv6.nxt", "Next Header", FieldType::U8).with_strings(IPPROTO);
/// `ipv6.opt.length`.
pub static EXT_LEN: FieldDef = FieldDef::new("ipv6.opt.length", "Length", FieldType::U8);
/// `ipv6.fragment.offset`.
pub static FRAG_OFFSET: FieldDef =
    FieldDef::new("ipv6.fragment.offset", "Offset", FieldType::U16).with_mask(0xfff8, 16);
/// `ipv6.fragment.more`.
pub static FRAG_MORE: FieldDef =
    FieldDef::new("ipv6.fragment.more", "More Fragments", FieldType::Bool)
        .with_mask(0x0001, 16)
        .with_tfs("Yes", "No");
/// `ipv6.fragment.id`.
pub static FRAG_ID: FieldDef =
    FieldDef::new("ipv6.fragment.id", "Identification", FieldType::U32).with_base(Base::Hex);

/// Fields of this module.
pub static FIELDS: &[FieldRef] = &[
    &PROTO,
    &VERSION,
    &TCLASS,
    &FLOW,
    &PLEN,
    &NXT,
    &HLIM,
    &SRC,
    &ADDR,
    &DST,
    &HOPOPTS,
    &ROUTING,
    &FRAGMENT,
    &DSTOPTS,
    &EXT_LEN,
    &FRAG_OFFSET,
    &FRAG_MORE,
    &FRAG_ID,
];

/// Dissects an IPv6 packet; returns the bytes it covers.
pub fn dissect(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<usize> {
    cx.current_proto = "IPv6";
    cx.pkt.cols.set_protocol("IPv6");
    cx.pkt.cols.clear_info();
    cx.pkt.layer("ipv6");
    if tvb.reported_len() < 40 {
        let root = cx
            .pkt
            .open(&PROTO, &tvb, 0, tvb.reported_len(), Value::None);
        cx.pkt
            .set_label(root, format_args!("Internet Protocol Version 6"));
        cx.pkt.expert(
            "ipv6",
            Severity::Error,
            Group::Malformed,
            format_args!("IPv6 header must be exactly 40 bytes"),
        );
        cx.pkt.close();
        cx.pkt.cols.set_info(format_args!(
            "Invalid IPv6 header ({} bytes, need exactly 40)",
            tvb.reported_len()
        ));
        // tshark reports this as a malformed packet.
        return Err(crate::Bound::Malformed {
            offset: tvb.base() + tvb.reported_len() as u32,
        });
    }
    let w = tvb.u32(0)?;
    let plen = tvb.u16(4)? as usize;
    let nxt = tvb.u8(6)?;
    let hlim = tvb.u8(7)?;
    let src = tvb.ipv6(8)?;
    let dst = tvb.ipv6(24)?;
    let total = if plen == 0 {
        tvb.reported_len()
    } else {
        (40 + plen).min(tvb.reported_len())
    };
    let tvb = tvb.truncate(total);
    let root = cx.pkt.open(&PROTO, &tvb, 0, 40, Value::None);
    let src_s = Ipv6Addr::from(src).to_string();
    let dst_s = Ipv6Addr::from(dst).to_string();
    cx.pkt.set_label(
        root,
        format_args!("Internet Protocol Version 6, Src: {src_s}, Dst: {dst_s}"),
    );
    cx.pkt
        .add(&VERSION, &tvb, 0, 1, Value::UInt((w >> 28) as u64));
    cx.pkt
        .add(&TCLASS, &tvb, 0, 4, Value::UInt(((w >> 20) & 0xff) as u64));
    cx.pkt
        .add(&FLOW, &tvb, 0, 4, Value::UInt((w & 0xfffff) as u64));
    cx.pkt.add(&PLEN, &tvb, 4, 2, Value::UInt(plen as u64));
    cx.pkt.add(&NXT, &tvb, 6, 1, Value::UInt(nxt as u64));
    cx.pkt.add(&HLIM, &tvb, 7, 1, Value::UInt(hlim as u64));
    cx.pkt.add(&SRC, &tvb, 8, 16, Value::Ipv6(src));
    let n = cx.pkt.add(&ADDR, &tvb, 8, 16, Value::Ipv6(src));
    cx.pkt.set_hidden(n);
    cx.pkt.add(&DST, &tvb, 24, 16, Value::Ipv6(dst));
    let n = cx.pkt.add(&ADDR, &tvb, 24, 16, Value::Ipv6(dst));
    cx.pkt.set_hidden(n);
    cx.pkt.cols.net_src.clear();
    cx.pkt.cols.net_src.push_str(&src_s);
    cx.pkt.cols.net_dst.clear();
    cx.pkt.cols.net_dst.push_str(&dst_s);
    cx.l3 = crate::L3 {
        src: Some(IpAddr::from(src)),
        dst: Some(IpAddr::from(dst)),
        ttl: hlim,
    };
    // Extension headers, each a subtree of the IPv6 header.
    let mut next = nxt;
    let mut off = 40;
    let mut fragmented = false;
    for _ in 0..16 {
        let (field, name) = match next {
            0 => (&HOPOPTS, "ipv6.hopopts"),
            43 => (&ROUTING, "ipv6.routing"),
            60 => (&DSTOPTS, "ipv6.dstopts"),
            44 => (&FRAGMENT, "ipv6.fragment"),
            _ => break,
        };
        let nh = tvb.u8(off)?;
        let len = if next == 44 {
            8
        } else {
            (tvb.u8(off + 1)? as usize + 1) * 8
        };
        tvb.ensure(off, len)?;
        cx.pkt.layer(name);
        let e = cx.pkt.open(field, &tvb, off, len, Value::None);
        let _ = e;
        cx.pkt.add(&EXT_NXT, &tvb, off, 1, Value::UInt(nh as u64));
        if next == 44 {
            let fo = tvb.u16(off + 2)?;
            cx.pkt.add(
                &FRAG_OFFSET,
                &tvb,
                off + 2,
                2,
                Value::UInt((fo >> 3) as u64),
            );
            cx.pkt
                .add(&FRAG_MORE, &tvb, off + 2, 2, Value::UInt((fo & 1) as u64));
            cx.pkt.add(
                &FRAG_ID,
                &tvb,
                off + 4,
                4,
                Value::UInt(tvb.u32(off + 4)? as u64),
            );
            fragmented = fo != 0;
        } else {
            cx.pkt.add(
                &EXT_LEN,
                &tvb,
                off + 1,
                1,
                Value::UInt(tvb.u8(off + 1)? as u64),
            );
        }
        cx.pkt.close();
        // Wireshark addresses the packet by its final destination (a
        // routing header with segments left) and by the mobile node's home
        // address (RFC 6275 §6.3): columns and conversations use them.
        match next {
            43 => {
                if let Some(a) = final_destination(&tvb, off, len) {
                    cx.l3.dst = Some(IpAddr::from(a));
                    cx.pkt.cols.net_dst.clear();
                    let _ = write!(cx.pkt.cols.net_dst, "{}", Ipv6Addr::from(a));
                }
            }
            60 => {
                if let Some(a) = home_address(&tvb, off, len) {
                    cx.l3.src = Some(IpAddr::from(a));
                    cx.pkt.cols.net_src.clear();
                    let _ = write!(cx.pkt.cols.net_src, "{}", Ipv6Addr::from(a));
                }
            }
            _ => {}
        }
        next = nh;
        off += len;
    }
    cx.pkt.close();
    let payload = tvb.sub(off)?;
    if fragmented {
        let name = crate::field::val_to_str(IPPROTO, next as u64).unwrap_or("Unknown");
        cx.pkt
            .cols
            .set_info(format_args!("IPv6 fragment (nxt={name} ({next}))"));
        data::dissect(cx, payload)?;
        return Ok(total);
    }
    if next == 59 {
        return Ok(total);
    }
    transport(cx, next, payload, true)?;
    Ok(total)
}

/// The last address of a type 0 (RFC 2460 §4.4) or type 2 (RFC 6275 §6.4)
/// routing header that still has segments left.
fn final_destination(tvb: &Tvb<'_>, off: usize, len: usize) -> Option<[u8; 16]> {
    let kind = tvb.u8(off + 2).ok()?;
    let left = tvb.u8(off + 3).ok()?;
    if left == 0 || !(kind == 0 || kind == 2) || len < 24 {
        return None;
    }
    let n = (len - 8) / 16;
    tvb.ipv6(off + 8 + (n - 1) * 16).ok()
}

/// The Home Address destination option (type 0xc9, RFC 6275 §6.3).
fn home_address(tvb: &Tvb<'_>, off: usize, len: usize) -> Option<[u8; 16]> {
    let mut o = off + 2;
    let end = off + len;
    while o < end {
        let t = tvb.u8(o).ok()?;
        if t == 0 {
            o += 1;
            continue;
        }
        let l = tvb.u8(o + 1).ok()? as usize;
        if t == 0xc9 && l == 16 && o + 18 <= end {
            return tvb.ipv6(o + 2).ok();
        }
        o += 2 + l;
    }
    None
}
