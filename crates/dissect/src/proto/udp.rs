//! UDP (RFC 768).

use crate::field::{Base, FieldDef, FieldRef, FieldType};
use crate::packet::{Group, Severity, Span, Src, Value};
use crate::proto::data;
use crate::tvb::{Tvb, R};
use crate::Cx;

/// `udp`.
pub static PROTO: FieldDef = FieldDef::proto("udp", "User Datagram Protocol");
/// `udp.srcport`.
pub static SRCPORT: FieldDef = FieldDef::new("udp.srcport", "Source Port", FieldType::U16);
/// `udp.dstport`.
pub static DSTPORT: FieldDef = FieldDef::new("udp.dstport", "Destination Port", FieldType::U16);
/// `udp.port`.
pub static PORT: FieldDef = FieldDef::new("udp.port", "Source or Destination Port", FieldType::U16);
/// `udp.length`.
pub static LENGTH: FieldDef = FieldDef::new("udp.length", "Length", FieldType::U16);
/// `udp.checksum`.
pub static CHECKSUM: FieldDef =
    FieldDef::new("udp.checksum", "Checksum", FieldType::U16).with_base(Base::Hex);
/// `udp.checksum.status`.
pub static CHECKSUM_STATUS: FieldDef =
    FieldDef::new("udp.checksum.status", "Checksum Status", FieldType::U8)
        .with_strings(super::ip::CHECKSUM_STATUS_VALS);
/// `udp.stream`.
pub static STREAM: FieldDef = FieldDef::new("udp.stream", "Stream index", FieldType::U32);
/// `udp.payload`.
pub static PAYLOAD: FieldDef = FieldDef::new("udp.payload", "Payload", FieldType::Bytes);

/// Fields of this module.
pub static FIELDS: &[FieldRef] = &[
    &PROTO,
    &SRCPORT,
    &DSTPORT,
    &PORT,
    &LENGTH,
    &CHECKSUM,
    &CHECKSUM_STATUS,
    &STREAM,
    &PAYLOAD,
];

/// Dissects a UDP datagram.
pub fn dissect(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<()> {
    cx.current_proto = "UDP";
    cx.pkt.cols.set_protocol("UDP");
    cx.pkt.cols.clear_info();
    cx.pkt.layer("udp");
    let root = cx.pkt.open(&PROTO, &tvb, 0, 8, Value::None);
    let sport = tvb.u16(0)?;
    let dport = tvb.u16(2)?;
    cx.l4 = crate::L4 { sport, dport };
    cx.pkt.set_label(
        root,
        format_args!("User Datagram Protocol, Src Port: {sport}, Dst Port: {dport}"),
    );
    cx.pkt.add(&SRCPORT, &tvb, 0, 2, Value::UInt(sport as u64));
    cx.pkt.add(&DSTPORT, &tvb, 2, 2, Value::UInt(dport as u64));
    let n = cx.pkt.add(&PORT, &tvb, 0, 2, Value::UInt(sport as u64));
    cx.pkt.set_hidden(n);
    let n = cx.pkt.add(&PORT, &tvb, 2, 2, Value::UInt(dport as u64));
    cx.pkt.set_hidden(n);
    if cx.pkt.cols.info_enabled() {
        // "{sport} → {dport}" without the formatting machinery.
        cx.pkt.cols.clear_info();
        let info = &mut cx.pkt.cols.info;
        crate::packet::push_u16(info, sport);
        info.push_str(" → ");
        crate::packet::push_u16(info, dport);
    } else {
        cx.pkt.cols.set_info(format_args!(""));
    }
    let ulen = tvb.u16(4)? as usize;
    let ln = cx.pkt.add(&LENGTH, &tvb, 4, 2, Value::UInt(ulen as u64));
    let ip_payload = tvb.reported_len();
    let ck = tvb.u16(6)?;
    if ulen < 8 && !(ulen == 0 && cx.l3.src.is_some_and(|a| a.is_ipv6())) {
        cx.pkt
            .set_label(ln, format_args!("Length: {ulen} (bogus, must be >= 8)"));
        cx.pkt
            .cols
            .append_info(format_args!(" [BAD UDP LENGTH {ulen} < 8]"));
        cx.pkt.close();
        return Ok(());
    }
    let ulen = if ulen == 0 { ip_payload } else { ulen };
    if ulen > ip_payload {
        cx.pkt.set_label(
            ln,
            format_args!("Length: {ulen} (bogus, payload length {ip_payload})"),
        );
        cx.pkt
            .cols
            .append_info(format_args!(" [BAD UDP LENGTH {ulen} > IP PAYLOAD LENGTH]"));
    }
    let ckn = cx.pkt.add(&CHECKSUM, &tvb, 6, 2, Value::UInt(ck as u64));
    if ck == 0 {
        cx.pkt
            .set_label(ckn, format_args!("Checksum: 0x0000 [zero-value ignored]"));
        let st = cx.pkt.add(&CHECKSUM_STATUS, &tvb, 0, 0, Value::UInt(3));
        cx.pkt.set_generated(st);
    } else {
        cx.pkt
            .set_label(ckn, format_args!("Checksum: 0x{ck:04x} [unverified]"));
        let st = cx.pkt.add(&CHECKSUM_STATUS, &tvb, 0, 0, Value::UInt(2));
        cx.pkt.set_generated(st);
    }
    let stream = match (cx.l3.src, cx.l3.dst) {
        (Some(s), Some(d)) => {
            let (key, _) = crate::state::conv_key((s, sport), (d, dport));
            let max = cx.state.tcp_table.limits.max_udp;
            let (idx, forgot) = cx.state.udp.stream(key, cx.pkt.meta.number, max);
            if forgot {
                cx.pkt.expert(
                    "udp",
                    Severity::Warning,
                    Group::Sequence,
                    format_args!(
                        "Conversation state limit reached: {max} UDP conversations remembered, the quarter least recently active forgotten (their later datagrams start new streams)"
                    ),
                );
            }
            Some(idx)
        }
        _ => None,
    };
    if let Some(st) = stream {
        let n = cx.pkt.add(&STREAM, &tvb, 0, 0, Value::UInt(st as u64));
        cx.pkt.set_generated(n);
    }
    let plen = ulen.min(ip_payload).saturating_sub(8);
    if cx.pkt.cols.info_enabled() {
        cx.pkt.cols.info.push_str(" Len=");
        cx.pkt
            .cols
            .info
            .push_str(itoa::Buffer::new().format(ulen - 8));
    }
    let payload = tvb.sub_len(8, plen).or_else(|_| tvb.sub(8))?;
    if plen > 0 {
        let sp = Span {
            src: Src::Data(payload.ds()),
            start: payload.base(),
            len: payload.len() as u32,
        };
        let n = cx.pkt.add(&PAYLOAD, &payload, 0, plen, Value::Bytes(sp));
        cx.pkt.set_hidden(n);
    }
    cx.pkt.close();
    if plen == 0 {
        return Ok(());
    }
    match super::udp_app(cx, payload, sport, dport) {
        Some(r) => r,
        None => data::dissect(cx, payload),
    }
}
