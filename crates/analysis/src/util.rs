//! Helpers shared by the statistics: field look-up, filters, times and
//! tshark's number formats.

use std::sync::OnceLock;

use wirelab_dissect::{registry, FieldRef, FieldType, FrameMeta, Node, Packet, NIL};
use wirelab_filter::Filter;

use crate::Error;

/// The registry entry for `name`, or an error naming the statistic.
pub(crate) fn field(spec: &str, name: &str) -> Result<FieldRef, Error> {
    registry()
        .get(name)
        .ok_or_else(|| Error::bad_spec(spec, format!("wirelab has no field \"{name}\"")))
}

/// Every protocol of the registry. A tap that asks for these gets the
/// protocol items of the tree, so it can tell a header at the top of the
/// packet from one quoted inside another protocol (an ICMP error).
pub(crate) fn protocols() -> &'static [FieldRef] {
    static P: OnceLock<Vec<FieldRef>> = OnceLock::new();
    P.get_or_init(|| {
        registry()
            .all()
            .iter()
            .copied()
            .filter(|f| f.ftype == FieldType::Protocol)
            .collect()
    })
}

/// Whether the nearest protocol item above `n` is at the top level of the
/// tree (tshark's taps skip headers quoted inside ICMP errors).
pub(crate) fn in_top_level_protocol(pkt: &Packet, n: &Node) -> bool {
    let mut p = n.parent;
    // Bounded by the tree's depth; the guard stops a malformed chain.
    for _ in 0..64 {
        let Some(node) = pkt.nodes.get(p as usize) else {
            return true;
        };
        if node.field.ftype == FieldType::Protocol {
            return node.parent == NIL;
        }
        p = node.parent;
    }
    true
}

/// Whether the field is the ICMP or ICMPv6 protocol. Everything dissected
/// after it is the packet an ICMP error quotes (or echo data), which
/// tshark's tree keeps inside the ICMP item and its taps do not count;
/// wirelab puts the quoted headers at the top level, so taps stop there.
pub(crate) fn is_icmp(f: FieldRef) -> bool {
    f.ftype == FieldType::Protocol && matches!(f.abbrev, "icmp" | "icmpv6")
}

/// Compiles a tap filter (the text after the statistic's arguments).
pub(crate) fn filter(spec: &str, text: &str) -> Result<Filter, Error> {
    wirelab_filter::compile(text)
        .map_err(|e| Error::bad_spec(spec, format!("filter \"{text}\": {}", e.render(text))))
}

/// Whether an optional tap filter accepts the packet.
pub(crate) fn accepts(f: &Option<Filter>, pkt: &Packet, data: &[u8]) -> bool {
    f.as_ref().is_none_or(|f| f.matches(pkt, data))
}

/// Times relative to the first packet, in nanoseconds (tshark's `rel_ts`).
#[derive(Default)]
pub(crate) struct RelClock {
    first: Option<i128>,
}

impl RelClock {
    /// The packet's time relative to the first packet the tap saw.
    pub(crate) fn rel(&mut self, m: &FrameMeta) -> i128 {
        let t = if m.no_ts {
            0
        } else {
            m.ts_secs as i128 * 1_000_000_000 + m.ts_nanos as i128
        };
        let first = *self.first.get_or_insert(t);
        t - first
    }
}

/// Wireshark's `nstime_to_sec`: seconds (truncated) plus nanoseconds (with
/// the same sign) divided by 1e9, in double precision.
pub(crate) fn ns_to_sec(ns: i128) -> f64 {
    let secs = ns / 1_000_000_000;
    let nsecs = ns % 1_000_000_000;
    secs as f64 + nsecs as f64 / 1_000_000_000.0
}

/// Wireshark's `format_size` with SI prefixes and the unit "bytes"
/// (`5865 bytes`, `15 kB`, `1232 kB`, `12 MB`).
pub(crate) fn format_size(v: u64) -> String {
    const P: [&str; 5] = ["", "k", "M", "G", "T"];
    let mut i = 4;
    while i > 0 {
        let d = 1000u64.pow(i as u32);
        if v / d >= 10 {
            break;
        }
        i -= 1;
    }
    if i == 0 {
        format!("{v} bytes")
    } else {
        format!("{} {}B", v / 1000u64.pow(i as u32), P[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_as_wireshark_prints_them() {
        assert_eq!(format_size(0), "0 bytes");
        assert_eq!(format_size(9999), "9999 bytes");
        assert_eq!(format_size(10_000), "10 kB");
        assert_eq!(format_size(1_232_432), "1232 kB");
        assert_eq!(format_size(10_000_000), "10 MB");
    }

    #[test]
    fn negative_times_keep_the_sign_in_both_parts() {
        // -9650560.015668999 s as tshark prints a start before frame 1.
        let ns = -(9_650_560_i128 * 1_000_000_000 + 15_668_999);
        assert_eq!(format!("{:.9}", ns_to_sec(ns)), "-9650560.015668999");
        assert_eq!(format!("{:.9}", ns_to_sec(1_500_000_000)), "1.500000000");
    }
}
