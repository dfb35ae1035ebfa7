//! wirelab's dissection engine: I/O-free, allocation-light, never panics.
//!
//! Layering: this crate sits on raw frame bytes (it does not read files; see
//! `wirelab-pcap`) and under the filter, analysis and print crates. It owns
//!
//! * the **field registry** ([`field`]): every field with Wireshark's name,
//!   type and display base, so `-e ip.src` or `dhcp.option.dhcp == 5` mean
//!   what they mean in tshark;
//! * the **protocol tree** ([`packet::Packet`]): nodes with values and byte
//!   ranges, columns (Source, Destination, Protocol, Info), expert items;
//! * the **dissectors** ([`proto`]) and the per-capture state they need
//!   ([`state::State`], e.g. TCP stream indexes and first sequence numbers).
//!
//! Guarantees: dissectors read bytes only through [`tvb::Tvb`], whose reads
//! are checked, so no input makes them panic or read out of bounds; a fault
//! stops the packet's dissection where it happened and is shown as
//! `[Malformed Packet]` or `[Packet size limited during capture]`, as tshark
//! shows it. No I/O, no clock: time comes from the capture.
#![warn(missing_docs)]

pub mod field;
pub mod packet;
pub mod proto;
pub mod state;
pub mod tvb;

pub use field::{registry, Base, FieldDef, FieldRef, FieldType, Registry};
pub use packet::{Columns, FrameMeta, Node, NodeId, Packet, Span, Src, Value, NIL};
pub use state::State;
pub use tvb::{Bound, Tvb, R};

/// What a dissector works on: the packet being built and the capture state.
pub struct Cx<'a> {
    /// The packet under construction.
    pub pkt: &'a mut Packet,
    /// State carried from frame to frame (streams, conversations).
    pub state: &'a mut State,
    /// Wireshark's short name of the protocol being dissected, named in
    /// `[Malformed Packet: …]` when a read fails.
    pub current_proto: &'static str,
}

/// Dissects frames one after the other, keeping the state that spans frames.
#[derive(Default)]
pub struct Dissector {
    /// Capture-wide state.
    pub state: State,
    first_ts: Option<(i64, u32)>,
    prev_ts: Option<(i64, u32)>,
}

impl Dissector {
    /// A dissector for a new capture.
    pub fn new() -> Self {
        Self::default()
    }

    /// Dissects one frame into `pkt` (which is cleared first).
    pub fn dissect(&mut self, meta: FrameMeta, data: &[u8], pkt: &mut Packet) {
        pkt.clear();
        pkt.meta = meta;
        let ts = (meta.ts_secs, meta.ts_nanos);
        let first = *self.first_ts.get_or_insert(ts);
        let prev = self.prev_ts.replace(ts).unwrap_or(ts);
        let times = proto::frame::Times {
            relative: proto::frame::sub_time(ts, first),
            delta: proto::frame::sub_time(ts, prev),
        };
        let tvb = Tvb::new(data, meta.orig_len as usize, 0);
        let protos = proto::frame::dissect(pkt, &tvb, times);
        let mut cx = Cx {
            pkt,
            state: &mut self.state,
            current_proto: "Frame",
        };
        let depth = cx.pkt.depth();
        if let Err(e) = proto::dissect_link(&mut cx, meta.linktype, tvb) {
            cx.pkt.close_to(depth);
            report_bound(&mut cx, e);
        }
        let protocols = std::mem::take(&mut cx.pkt.protocols);
        let v = cx.pkt.str_value(&protocols);
        cx.pkt.protocols = protocols;
        if let Some(n) = cx.pkt.nodes.get_mut(protos as usize) {
            n.value = v;
        }
    }
}

/// Shows a failed read the way tshark does: `[Malformed Packet: PROTO]` (with
/// an expert error) or `[Packet size limited during capture]`, at the top
/// level of the tree, and the same marker appended to the Info column.
pub fn report_bound(cx: &mut Cx<'_>, e: Bound) {
    use packet::{Group, Severity};
    match e {
        Bound::Truncated { .. } => {
            let n = cx
                .pkt
                .add_under(NIL, &proto::ws::SHORT, 0, 0, 0, Value::None);
            cx.pkt.set_label(
                n,
                format_args!(
                    "[Packet size limited during capture: {} truncated]",
                    cx.current_proto
                ),
            );
            cx.pkt
                .cols
                .append_info(format_args!("[Packet size limited during capture]"));
        }
        Bound::Malformed { .. } => {
            let proto = cx.current_proto;
            let n = cx
                .pkt
                .add_under(NIL, &proto::ws::MALFORMED, 0, 0, 0, Value::None);
            cx.pkt
                .set_label(n, format_args!("[Malformed Packet: {proto}]"));
            cx.pkt.reopen(n);
            cx.pkt.expert(
                "_ws.malformed",
                Severity::Error,
                Group::Malformed,
                format_args!("Malformed Packet (Exception occurred)"),
            );
            cx.pkt.close();
            cx.pkt.cols.append_info(format_args!("[Malformed Packet]"));
        }
    }
}
