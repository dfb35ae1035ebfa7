//! The dissectors, one module per protocol, and the tables that join them.
//!
//! Each module declares its fields as `static FieldDef`s, lists them in
//! `FIELDS`, and exposes `dissect(cx, tvb) -> R<()>`. A dissector reads its
//! bytes only through [`Tvb`](crate::tvb::Tvb), adds its subtree to
//! `cx.pkt`, sets the columns, and hands its payload to the next one.

pub mod arp;
pub mod data;
pub mod dhcp;
pub mod dns;
pub mod eth;
pub mod frame;
pub mod http;
pub mod icmp;
pub mod icmpv6;
pub mod ip;
pub mod ipv6;
pub mod nbns;
pub mod null;
pub mod rudp;
pub mod sll;
pub mod socks;
pub mod ssh;
pub mod tcp;
pub mod tcp_analysis;
pub mod tls;
pub mod udp;
pub mod ws;

use crate::field::FieldRef;
use crate::tvb::{Tvb, R};
use crate::Cx;

/// Every module's field list; the registry is built from it.
pub static ALL_FIELDS: &[&[FieldRef]] = &[
    frame::FIELDS,
    frame::PCAPNG_FIELDS,
    ws::FIELDS,
    data::FIELDS,
    eth::FIELDS,
    sll::FIELDS,
    null::FIELDS,
    arp::FIELDS,
    arp::ATMARP_FIELDS,
    ip::FIELDS,
    ip::REASSEMBLY_FIELDS,
    ipv6::FIELDS,
    icmp::FIELDS,
    icmpv6::FIELDS,
    udp::FIELDS,
    tcp::FIELDS,
    tcp_analysis::FIELDS,
    dns::FIELDS,
    dhcp::FIELDS,
    http::FIELDS,
    tls::FIELDS,
    nbns::FIELDS,
    rudp::FIELDS,
    ssh::FIELDS,
    socks::FIELDS,
];

/// Dissects a frame's bytes by its link-layer type (LINKTYPE_* numbers).
pub fn dissect_link(cx: &mut Cx<'_>, linktype: u32, tvb: Tvb<'_>) -> R<()> {
    match linktype {
        1 => eth::dissect(cx, tvb),
        0 => null::dissect(cx, tvb, false),
        108 => null::dissect(cx, tvb, true),
        101 | 12 | 14 => null::dissect_raw(cx, tvb),
        228 => null::dissect_ip(cx, tvb, false),
        229 => null::dissect_ip(cx, tvb, true),
        113 => sll::dissect_v1(cx, tvb),
        276 => sll::dissect_v2(cx, tvb),
        _ => {
            cx.pkt.cols.set_protocol("UNKNOWN");
            cx.pkt
                .cols
                .set_info(format_args!("WTAP_ENCAP = {}", frame::encap_of(linktype)));
            data::dissect(cx, tvb)
        }
    }
}

/// The application dissector for a UDP payload, by port (lower port first,
/// as Wireshark tries them); `None` when no dissector claims it.
pub fn udp_app(cx: &mut Cx<'_>, tvb: Tvb<'_>, sport: u16, dport: u16) -> Option<R<()>> {
    if !cx.pkt.app_layers {
        // Nothing above the transport is wanted: the payload stays undissected.
        return Some(Ok(()));
    }
    let (lo, hi) = if sport <= dport {
        (sport, dport)
    } else {
        (dport, sport)
    };
    if let Some(f) = udp_port(lo).or_else(|| udp_port(hi)) {
        return Some(f(cx, tvb));
    }
    // Heuristic dissectors, as Wireshark tries them after the port tables.
    // RUDP first: on its port a packet with its magic and a whole header
    // is RUDP; elsewhere its 32-bit signature must fit too.
    let on_port = sport == rudp::PORT || dport == rudp::PORT;
    if (on_port && rudp::looks_like(&tvb)) || rudp::heuristic(&tvb) {
        return Some(rudp::dissect(cx, tvb));
    }
    if dns::heuristic(&tvb) {
        return Some(dns::dissect(cx, tvb));
    }
    None
}

type AppFn = fn(&mut Cx<'_>, Tvb<'_>) -> R<()>;

/// Wireshark 4.0's UDP port table for the dissectors in this crate.
fn udp_port(p: u16) -> Option<AppFn> {
    Some(match p {
        53 => dns::dissect,
        5353 => dns::dissect_mdns,
        5355 => dns::dissect_llmnr,
        67 | 68 => dhcp::dissect,
        137 => nbns::dissect,
        _ => return None,
    })
}

/// Wireshark 4.0's TCP port table for the dissectors in this crate.
fn tcp_port(p: u16) -> Option<AppFn> {
    Some(match p {
        ssh::PORT => ssh::dissect,
        53 => dns::dissect_tcp,
        socks::PORT => socks::dissect,
        80 | 1900 | 2710 | 2869 | 3128 | 3132 | 5985 | 8080 | 8088 | 11371 => http::dissect,
        443 | 465 | 563 | 636 | 853 | 989 | 990 | 992 | 993 | 994 | 995 | 5061 => tls::dissect,
        _ => return None,
    })
}

/// The application dissector for a TCP payload, by port (lower port first).
pub fn tcp_app(cx: &mut Cx<'_>, tvb: Tvb<'_>, sport: u16, dport: u16) -> Option<R<()>> {
    if !cx.pkt.app_layers {
        // Nothing above the transport is wanted: the payload stays undissected.
        return Some(Ok(()));
    }
    let (lo, hi) = if sport <= dport {
        (sport, dport)
    } else {
        (dport, sport)
    };
    if let Some(f) = tcp_port(lo).or_else(|| tcp_port(hi)) {
        return Some(f(cx, tvb));
    }
    // A conversation a heuristic claimed earlier keeps its dissector.
    if tls::in_session(cx) {
        return Some(tls::dissect(cx, tvb));
    }
    if http::in_conversation(cx) {
        return Some(http::dissect(cx, tvb));
    }
    // Heuristic dissectors, as Wireshark tries them after the port tables.
    if tls::heuristic(&tvb) {
        return Some(tls::dissect(cx, tvb));
    }
    if http::heuristic(&tvb) {
        return Some(http::dissect(cx, tvb));
    }
    None
}
