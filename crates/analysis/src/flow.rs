//! Flow graphs: tshark's `-z flow,<tap>,standard|network[,filter]`, the
//! ASCII sequence diagram (one column per address, one arrow per packet,
//! the time on the left and a comment on the right).
//!
//! Items are made as Wireshark's sequence-analysis taps make them
//! (`epan/sequence_analysis.c`, the `*_seq_analysis_packet` functions of
//! the frame, TCP and ICMP dissectors) and drawn as
//! `sequence_analysis_dump_to_file` draws them, so the text is tshark's.

use std::io;

use wirelab_dissect::{registry, FieldRef, Packet, Value};

use crate::{Error, Tap, Want};

/// Width of one node column, in characters (Wireshark's `NODE_CHARS_WIDTH`).
const NODE_WIDTH: usize = 20;

/// Which packets a flow graph shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowKind {
    /// Every packet, labelled with its Info column (`flow,any`).
    Any,
    /// TCP segments, labelled with their flags and length (`flow,tcp`).
    Tcp,
    /// ICMP messages (`flow,icmp`).
    Icmp,
    /// ICMPv6 messages (`flow,icmpv6`).
    Icmpv6,
}

/// One arrow of a flow graph.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowItem {
    /// Frame number.
    pub frame: u64,
    /// Time since the first frame, seconds.
    pub time: f64,
    /// Time as tshark prints it (`0.000000`).
    pub time_str: String,
    /// Source node (address).
    pub src: String,
    /// Destination node.
    pub dst: String,
    /// Source port (0 when none).
    pub sport: u32,
    /// Destination port (ICMP: type × 256 + code).
    pub dport: u32,
    /// Text over the arrow.
    pub label: String,
    /// Text at the end of the line.
    pub comment: String,
    /// Conversation number (TCP stream; 0 otherwise).
    pub conv: u32,
}

/// Field handles a flow tap reads.
struct Fields {
    tcp: Option<FieldRef>,
    tcp_sport: Option<FieldRef>,
    tcp_dport: Option<FieldRef>,
    udp_sport: Option<FieldRef>,
    udp_dport: Option<FieldRef>,
    tcp_flags: Option<FieldRef>,
    tcp_seq: Option<FieldRef>,
    tcp_ack: Option<FieldRef>,
    tcp_len: Option<FieldRef>,
    tcp_stream: Option<FieldRef>,
    icmp: Option<FieldRef>,
    icmp_type: Option<FieldRef>,
    icmp_code: Option<FieldRef>,
    icmpv6: Option<FieldRef>,
    icmpv6_type: Option<FieldRef>,
    icmpv6_code: Option<FieldRef>,
    time_rel: Option<FieldRef>,
}

impl Fields {
    fn new() -> Self {
        let r = registry();
        Fields {
            tcp: r.get("tcp"),
            tcp_sport: r.get("tcp.srcport"),
            tcp_dport: r.get("tcp.dstport"),
            udp_sport: r.get("udp.srcport"),
            udp_dport: r.get("udp.dstport"),
            tcp_flags: r.get("tcp.flags"),
            tcp_seq: r.get("tcp.seq"),
            tcp_ack: r.get("tcp.ack"),
            tcp_len: r.get("tcp.len"),
            tcp_stream: r.get("tcp.stream"),
            icmp: r.get("icmp"),
            icmp_type: r.get("icmp.type"),
            icmp_code: r.get("icmp.code"),
            icmpv6: r.get("icmpv6"),
            icmpv6_type: r.get("icmpv6.type"),
            icmpv6_code: r.get("icmpv6.code"),
            time_rel: r.get("frame.time_relative"),
        }
    }

    fn list(&self) -> Vec<FieldRef> {
        [
            self.tcp,
            self.tcp_sport,
            self.tcp_dport,
            self.udp_sport,
            self.udp_dport,
            self.tcp_flags,
            self.tcp_seq,
            self.tcp_ack,
            self.tcp_len,
            self.tcp_stream,
            self.icmp,
            self.icmp_type,
            self.icmp_code,
            self.icmpv6,
            self.icmpv6_type,
            self.icmpv6_code,
            self.time_rel,
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// The first unsigned value of field `f` in the packet.
pub(crate) fn uint(pkt: &Packet, f: Option<FieldRef>) -> Option<u64> {
    let f = f?;
    pkt.find(f).find_map(|n| match n.value {
        Value::UInt(v) => Some(v),
        Value::Bool(b) => Some(b as u64),
        Value::Int(v) => u64::try_from(v).ok(),
        _ => None,
    })
}

/// The packet's time since the first frame, in seconds and as tshark
/// prints it (microseconds, truncated).
pub(crate) fn rel_time(pkt: &Packet, f: Option<FieldRef>) -> (f64, String) {
    let (secs, nanos) = f
        .and_then(|f| {
            pkt.find(f).find_map(|n| match n.value {
                Value::Time { secs, nanos } => Some((secs, nanos)),
                _ => None,
            })
        })
        .unwrap_or((0, 0));
    let t = secs as f64 + nanos as f64 / 1e9;
    let s = if secs < 0 {
        let total = -((secs as i128) * 1_000_000_000 + nanos as i128);
        format!(
            "-{}.{:06}",
            total / 1_000_000_000,
            (total % 1_000_000_000) / 1000
        )
    } else {
        format!("{}.{:06}", secs, nanos / 1000)
    };
    (t, s)
}

/// TCP flags as the flow graph names them (`SYN, ACK`).
pub fn tcp_flags_str(flags: u64) -> String {
    const NAMES: [&str; 8] = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"];
    let mut s = String::new();
    for (i, name) in NAMES.iter().enumerate() {
        if flags & (1 << i) != 0 {
            if !s.is_empty() {
                s.push_str(", ");
            }
            s.push_str(name);
        }
    }
    if flags & 0x100 != 0 {
        if !s.is_empty() {
            s.push_str(", ");
        }
        s.push_str("AE");
    }
    if s.is_empty() {
        s.push_str("<None>");
    }
    s
}

/// Builds flow items from packets, as one of Wireshark's sequence-analysis
/// taps does.
pub struct FlowBuilder {
    kind: FlowKind,
    /// Network-layer addresses only (`standard`), or the Source and
    /// Destination columns, link-layer when there is no network layer
    /// (`network`).
    net_only: bool,
    f: Fields,
}

impl FlowBuilder {
    /// A builder for `kind`; `net_only` is tshark's `standard` mode.
    pub fn new(kind: FlowKind, net_only: bool) -> Self {
        FlowBuilder {
            kind,
            net_only,
            f: Fields::new(),
        }
    }

    /// The fields the builder reads.
    pub fn fields(&self) -> Vec<FieldRef> {
        self.f.list()
    }

    /// The item for one packet, if the tap takes it.
    pub fn item(&self, pkt: &Packet) -> Option<FlowItem> {
        let f = &self.f;
        let has = |x: Option<FieldRef>| x.is_some_and(|x| pkt.has(x));
        match self.kind {
            FlowKind::Any => {}
            FlowKind::Tcp if !has(f.tcp) => return None,
            FlowKind::Icmp if !has(f.icmp) => return None,
            FlowKind::Icmpv6 if !has(f.icmpv6) => return None,
            _ => {}
        }
        let c = &pkt.cols;
        let (src, dst) = if self.net_only {
            (c.net_src.as_str(), c.net_dst.as_str())
        } else {
            (c.src(), c.dst())
        };
        if src.is_empty() || dst.is_empty() {
            return None;
        }
        let (time, time_str) = rel_time(pkt, f.time_rel);
        let (mut sport, mut dport) = if has(f.tcp) {
            (uint(pkt, f.tcp_sport), uint(pkt, f.tcp_dport))
        } else {
            (uint(pkt, f.udp_sport), uint(pkt, f.udp_dport))
        };
        let info_label = || {
            let label = c.info.clone();
            let comment = if c.protocol.is_empty() {
                c.info.clone()
            } else {
                format!("{}: {}", c.protocol, c.info)
            };
            (label, comment)
        };
        let mut conv = 0;
        let (label, comment) = match self.kind {
            FlowKind::Any => info_label(),
            FlowKind::Icmp | FlowKind::Icmpv6 => {
                if sport.is_none() && dport.is_none() {
                    let (t, cd) = if self.kind == FlowKind::Icmp {
                        (f.icmp_type, f.icmp_code)
                    } else {
                        (f.icmpv6_type, f.icmpv6_code)
                    };
                    let ty = uint(pkt, t).unwrap_or(0);
                    let code = uint(pkt, cd).unwrap_or(0);
                    sport = Some(0);
                    dport = Some(ty * 256 + code);
                }
                info_label()
            }
            FlowKind::Tcp => {
                let flags = uint(pkt, f.tcp_flags).unwrap_or(0);
                let fl = tcp_flags_str(flags);
                let label = match uint(pkt, f.tcp_len) {
                    Some(len) if len != 0 => format!("{fl} - Len: {len}"),
                    _ => fl,
                };
                let seq = uint(pkt, f.tcp_seq).unwrap_or(0);
                let comment = if flags & 0x10 != 0 {
                    format!("Seq = {} Ack = {}", seq, uint(pkt, f.tcp_ack).unwrap_or(0))
                } else {
                    format!("Seq = {seq}")
                };
                conv = uint(pkt, f.tcp_stream).unwrap_or(0) as u32;
                (label, comment)
            }
        };
        Some(FlowItem {
            frame: pkt.meta.number,
            time,
            time_str,
            src: src.to_string(),
            dst: dst.to_string(),
            sport: sport.unwrap_or(0) as u32,
            dport: dport.unwrap_or(0) as u32,
            label,
            comment,
            conv,
        })
    }
}

/// `-z flow,…`: collects items and draws them at the end.
pub struct FlowTap {
    builder: FlowBuilder,
    filter: Option<wirelab_filter::Filter>,
    items: Vec<FlowItem>,
}

impl FlowTap {
    /// Parses `flow,<any|tcp|icmp|icmpv6>,<standard|network>[,FILTER]`.
    pub fn new(spec: &str) -> Result<Self, Error> {
        let rest = spec
            .strip_prefix("flow,")
            .ok_or_else(|| Error::bad_spec(spec, "expected flow,<tap>,<standard|network>"))?;
        let (name, rest) = rest.split_once(',').unwrap_or((rest, ""));
        let kind = match name {
            "any" => FlowKind::Any,
            "tcp" => FlowKind::Tcp,
            "icmp" => FlowKind::Icmp,
            "icmpv6" => FlowKind::Icmpv6,
            _ => {
                return Err(Error::bad_spec(
                    spec,
                    "unknown flow (wirelab knows any, tcp, icmp, icmpv6)",
                ))
            }
        };
        let (mode, filter) = rest.split_once(',').unwrap_or((rest, ""));
        // Wireshark's tap-flow.c: "standard" draws network addresses only.
        let net_only = match mode {
            "standard" => true,
            "network" => false,
            _ => {
                return Err(Error::bad_spec(
                    spec,
                    "invalid address type (standard or network)",
                ))
            }
        };
        let filter = if filter.is_empty() {
            None
        } else {
            Some(
                wirelab_filter::compile(filter)
                    .map_err(|e| Error::bad_spec(spec, e.render(filter)))?,
            )
        };
        Ok(FlowTap {
            builder: FlowBuilder::new(kind, net_only),
            filter,
            items: Vec::new(),
        })
    }
}

impl Tap for FlowTap {
    fn want(&self) -> Want {
        let mut v = self.builder.fields();
        if let Some(f) = &self.filter {
            v.extend_from_slice(f.fields());
        }
        Want::Fields(v)
    }

    fn packet(&mut self, pkt: &Packet, data: &[u8]) {
        if let Some(f) = &self.filter {
            if !f.matches(pkt, data) {
                return;
            }
        }
        if let Some(item) = self.builder.item(pkt) {
            self.items.push(item);
        }
    }

    fn finish(&mut self, out: &mut dyn io::Write) -> io::Result<()> {
        write_ascii(&self.items, out)
    }
}

/// Pads `s` with `pad` up to `len` bytes.
fn enlarge(s: &mut String, len: usize, pad: char) {
    while s.len() < len {
        s.push(pad);
    }
}

/// Replaces the bytes between `p1` and `p2` of `s` by `text` (cut to as
/// many characters), as Wireshark's `overwrite()` does with GLib strings:
/// the length is counted in characters but erased in bytes, and nothing is
/// erased when the range runs past the end (the text is then inserted).
fn overwrite(s: &mut Vec<u8>, text: &str, p1: usize, p2: usize) {
    if p1 == p2 {
        return;
    }
    let (pos, len) = if p1 > p2 {
        (p2, p1 - p2)
    } else {
        (p1, p2 - p1)
    };
    let ins: String = text.chars().take(len).collect();
    let len = len.min(text.chars().count());
    let pos = pos.min(s.len());
    let end = if pos.saturating_add(len) <= s.len() {
        pos + len
    } else {
        pos
    };
    s.splice(pos..end, ins.bytes());
}

/// The index of node `a`, added at the end when new.
pub fn node_index<'a>(nodes: &mut Vec<&'a str>, a: &'a str) -> usize {
    match nodes.iter().position(|n| *n == a) {
        Some(i) => i,
        None => {
            nodes.push(a);
            nodes.len() - 1
        }
    }
}

/// Draws the items as tshark's `-z flow` does.
pub fn write_ascii(items: &[FlowItem], out: &mut dyn io::Write) -> io::Result<()> {
    let Some(first) = items.first() else {
        return Ok(());
    };
    let several = items.iter().any(|i| i.conv != first.conv);
    // Nodes in order of appearance.
    let mut nodes: Vec<&str> = Vec::new();
    let mut idx = Vec::with_capacity(items.len());
    for it in items {
        let s = node_index(&mut nodes, &it.src);
        let d = node_index(&mut nodes, &it.dst);
        idx.push((s, d));
    }
    let (header, empty_header) = if several {
        ("Conv.| Time    ", "     |         ")
    } else {
        ("|Time     ", "|         ")
    };
    let mut o = String::new();
    o.push_str(header);
    let mut empty_line = String::new();
    let mut cell = String::from("| ");
    enlarge(&mut cell, NODE_WIDTH, ' ');
    for n in nodes.iter().step_by(2) {
        let mut l = format!("| {n}");
        enlarge(&mut l, NODE_WIDTH * 2, ' ');
        o.push_str(&l);
        empty_line.push_str(&cell);
    }
    o.push_str("|\n");
    o.push_str(empty_header);
    o.push_str(&cell);
    for n in nodes.iter().skip(1).step_by(2) {
        let mut l = format!("| {n}");
        if l.len() < NODE_WIDTH {
            enlarge(&mut l, NODE_WIDTH, ' ');
            l.push_str("| ");
        }
        enlarge(&mut l, NODE_WIDTH * 2, ' ');
        o.push_str(&l);
        empty_line.push_str(&cell);
    }
    o.push('\n');
    empty_line.push('|');
    // Wireshark's CONV_TIME_HEADER_LENGTH and TIME_HEADER_LENGTH.
    let header_len = if several { 16 } else { 10 };
    let separator = "-".repeat(empty_line.len() + header_len);

    let empty: Vec<u8> = empty_line.into_bytes();
    let mut cur_conv = first.conv;
    for (it, &(s, d)) in items.iter().zip(&idx) {
        let start = s * NODE_WIDTH + NODE_WIDTH / 2;
        let mut end = d * NODE_WIDTH + NODE_WIDTH / 2;
        let width = if start != end {
            start.abs_diff(end)
        } else {
            end = start + NODE_WIDTH;
            NODE_WIDTH
        };
        if it.conv != cur_conv {
            o.push_str(&separator);
            o.push('\n');
            cur_conv = it.conv;
        }
        if several {
            let mut l = it.conv.to_string();
            enlarge(&mut l, 5, ' ');
            o.push_str(&l);
        }
        let mut l = format!("|{}", it.time_str);
        enlarge(&mut l, 10, ' ');
        o.push_str(&l);
        let mut line = empty.clone();
        overwrite(&mut line, &it.label, start, end);
        o.push_str(&String::from_utf8_lossy(&line));
        o.push_str(&it.comment);
        o.push('\n');
        o.push_str(empty_header);
        let mut line = empty.clone();
        let arrow = if start < end {
            let mut a = "-".repeat(width.saturating_sub(2));
            a.push('>');
            a
        } else {
            // "<" padded to width - 1 characters in all.
            let mut a = String::from("<");
            a.push_str(&"-".repeat(width.saturating_sub(2)));
            a
        };
        overwrite(&mut line, &arrow, start, end);
        let sp = format!("({})", it.sport);
        let dp = format!("({})", it.dport);
        if start < end {
            overwrite(&mut line, &sp, start - 9, start - 1);
            overwrite(&mut line, &dp, end + 1, end + 9);
        } else {
            overwrite(&mut line, &sp, start + 1, start + 9);
            overwrite(&mut line, &dp, end - 9, end + 1);
        }
        o.push_str(&String::from_utf8_lossy(&line));
        o.push('\n');
    }
    out.write_all(o.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(src: &str, dst: &str, label: &str, conv: u32) -> FlowItem {
        FlowItem {
            frame: 1,
            time: 0.0,
            time_str: "0.000000".into(),
            src: src.into(),
            dst: dst.into(),
            sport: 50153,
            dport: 80,
            label: label.into(),
            comment: "Seq = 0".into(),
            conv,
        }
    }

    #[test]
    fn two_nodes_as_tshark_draws_them() {
        let mut out = Vec::new();
        write_ascii(
            &[item("141.142.228.5", "54.243.118.187", "SYN", 0)],
            &mut out,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let want = "|Time     | 141.142.228.5                         |\n\
                    |         |                   | 54.243.118.187    |                   \n\
                    |0.000000 |         SYN       |                   |Seq = 0\n\
                    |         |(50153)  ------------------>  (80)     |\n";
        assert_eq!(text, want);
    }

    #[test]
    fn conversations_are_numbered_and_separated() {
        let mut out = Vec::new();
        write_ascii(
            &[item("a", "b", "SYN", 0), item("b", "a", "SYN, ACK", 1)],
            &mut out,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("Conv.| Time    | a"));
        assert!(lines[2].starts_with("0    |0.000000 "));
        assert!(lines[4].chars().all(|c| c == '-'));
        assert_eq!(lines[4].len(), 41 + 16);
        assert!(lines[6].contains("<------------------"));
    }

    #[test]
    fn flags_are_named_in_wireshark_order() {
        assert_eq!(tcp_flags_str(0x012), "SYN, ACK");
        assert_eq!(tcp_flags_str(0x011), "FIN, ACK");
        assert_eq!(tcp_flags_str(0), "<None>");
    }

    #[test]
    fn bad_specs_are_refused() {
        assert!(FlowTap::new("flow,udp,standard").is_err());
        assert!(FlowTap::new("flow,tcp,both").is_err());
        assert!(FlowTap::new("flow,tcp,network,tcp.port ==").is_err());
        assert!(FlowTap::new("flow,tcp,network,tcp.port == 80").is_ok());
    }
}
