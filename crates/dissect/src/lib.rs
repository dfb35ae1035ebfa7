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
pub mod reassembly;
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
    /// What the network layer said about this packet, for the layers above
    /// (conversation keys, TTL in ICMP's Info).
    pub l3: L3,
    /// The transport ports of this packet, for the protocols above.
    pub l4: L4,
    /// Set by a protocol carried over TCP when the segment ends inside one
    /// of its messages (Wireshark's `pinfo->desegment_*`): TCP then keeps the
    /// bytes from `offset` and hands them back whole.
    pub desegment: Option<Desegment>,
}

impl<'a> Cx<'a> {
    /// A context for dissecting into `pkt` with the capture state `state`.
    pub fn new(pkt: &'a mut Packet, state: &'a mut State) -> Self {
        Cx {
            pkt,
            state,
            current_proto: "Frame",
            l3: L3::default(),
            l4: L4::default(),
            desegment: None,
        }
    }
}

/// A request for more bytes, from a protocol above TCP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Desegment {
    /// Offset in the bytes handed to the protocol where the incomplete
    /// message starts.
    pub offset: usize,
    /// How many more bytes it needs, when it knows; `None`: at least one
    /// more segment.
    pub more: Option<usize>,
}

/// Transport-layer facts passed up to the application dissectors.
#[derive(Clone, Copy, Debug, Default)]
pub struct L4 {
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
}

/// Network-layer facts passed up to the transport dissectors.
#[derive(Clone, Copy, Debug, Default)]
pub struct L3 {
    /// Source address.
    pub src: Option<std::net::IpAddr>,
    /// Destination address.
    pub dst: Option<std::net::IpAddr>,
    /// TTL or hop limit.
    pub ttl: u8,
}

/// Dissects frames one after the other, keeping the state that spans frames.
#[derive(Default)]
pub struct Dissector {
    /// Capture-wide state.
    pub state: State,
    clock: FrameClock,
    no_labels: bool,
    no_proto_labels: bool,
    want: Option<std::sync::Arc<[usize]>>,
    want_bloom: [u64; 4],
    want_layers: bool,
    no_columns: bool,
    no_app_layers: bool,
    no_info: bool,
}

impl Dissector {
    /// A dissector for a new capture.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether to build the text of tree items (needed for `-V` and JSON;
    /// on by default). Without it, dissection is faster.
    pub fn set_labels(&mut self, on: bool) {
        self.no_labels = !on;
    }

    /// Whether protocol nodes get their label when item labels are off (on
    /// by default; `-T fields -e ip` prints it). Off saves formatting when
    /// nothing reads labels.
    pub fn set_protocol_labels(&mut self, on: bool) {
        self.no_proto_labels = !on;
    }

    /// Whether to build the Info column (on by default). Off when nothing
    /// prints or filters on it (`-T fields` without `_ws.col.Info`, `-Y`
    /// with `-T fields`): its text is a large part of dissecting. The tree,
    /// the other columns and the capture state do not depend on it.
    pub fn set_info_column(&mut self, on: bool) {
        self.no_info = !on;
    }

    /// Builds tree nodes only for these fields (and none when the list is
    /// empty), or for every field with `None` (the default). Columns,
    /// `frame.protocols` and expert items do not depend on it.
    pub fn set_wanted(&mut self, fields: Option<&[FieldRef]>) {
        self.want = fields.map(|f| {
            let mut v: Vec<usize> = f.iter().map(|f| *f as *const FieldDef as usize).collect();
            v.sort_unstable();
            v.dedup();
            v.into()
        });
        self.want_bloom = self.want.as_deref().map_or([0; 4], packet::want_bloom);
    }

    /// With a want list ([`Dissector::set_wanted`]), whether every protocol
    /// item and every top-level item of the tree is built too (off by
    /// default): the layers a protocol hierarchy counts, without their fields.
    pub fn set_wanted_layers(&mut self, on: bool) {
        self.want_layers = on;
    }

    /// Whether the packet-list columns are filled (on by default). Off when
    /// nothing reads them (`-q` with statistics that do not), which saves
    /// formatting the Info text of every packet.
    pub fn set_columns(&mut self, on: bool) {
        self.no_columns = !on;
    }

    /// Whether TCP and UDP payloads are dissected by the protocols above them
    /// (on by default). Off, dissection ends with the transport header (and
    /// its stream state), for readers that need nothing above it.
    pub fn set_app_layers(&mut self, on: bool) {
        self.no_app_layers = !on;
    }

    /// Caps the bytes held at once for TCP reassembly by this dissector
    /// (default [`proto::tcp::MAX_REASSEMBLY`]); past it, PDUs are dropped
    /// with an expert note. A reader that shares a capture among several
    /// dissectors gives each a part of the budget.
    pub fn set_reassembly_limit(&mut self, bytes: usize) {
        self.state.reassembly_limit = Some(bytes);
    }

    /// Dissects one frame into `pkt` (which is cleared first).
    pub fn dissect(&mut self, meta: FrameMeta, data: &[u8], pkt: &mut Packet) {
        let times = self.clock.times(&meta);
        self.dissect_at(meta, data, pkt, times);
    }

    /// Dissects one frame whose times relative to the first and the
    /// previous frame of the capture were worked out by the caller (with a
    /// [`FrameClock`] that saw every frame): for a reader that hands this
    /// dissector only some of the frames of a capture.
    pub fn dissect_at(
        &mut self,
        meta: FrameMeta,
        data: &[u8],
        pkt: &mut Packet,
        times: proto::frame::Times,
    ) {
        pkt.clear();
        pkt.cols.info_off = self.no_info;
        pkt.labels = !self.no_labels;
        pkt.proto_labels = !self.no_proto_labels;
        pkt.want.clone_from(&self.want);
        pkt.want_bloom = self.want_bloom;
        pkt.want_layers = self.want_layers;
        pkt.app_layers = !self.no_app_layers;
        pkt.cols.set_enabled(!self.no_columns);
        pkt.meta = meta;
        let tvb = Tvb::new(data, meta.orig_len as usize, 0);
        let protos = proto::frame::dissect(pkt, &tvb, times);
        let mut cx = Cx::new(pkt, &mut self.state);
        let depth = cx.pkt.depth();
        let r = match meta.custom {
            Some((pen, copy)) => {
                proto::frame::custom_block(&mut cx, pen, copy);
                Ok(())
            }
            None => proto::dissect_link(&mut cx, meta.linktype, tvb),
        };
        if let Err(e) = r {
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

/// The capture-wide times of each frame: since the first frame and since
/// the previous one. Fed every frame in order.
#[derive(Clone, Copy, Debug, Default)]
pub struct FrameClock {
    first_ts: Option<(i64, u32)>,
    prev_ts: Option<(i64, u32)>,
}

impl FrameClock {
    /// A clock that has seen no frame.
    pub fn new() -> Self {
        Self::default()
    }

    /// The times of the next frame of the capture.
    pub fn times(&mut self, meta: &FrameMeta) -> proto::frame::Times {
        let ts = (meta.ts_secs, meta.ts_nanos);
        // A record without a timestamp counts as time 0, as in Wireshark.
        let first = *self
            .first_ts
            .get_or_insert(if meta.no_ts { (0, 0) } else { ts });
        let prev = if meta.no_ts {
            self.prev_ts.unwrap_or(ts)
        } else {
            self.prev_ts.replace(ts).unwrap_or(ts)
        };
        proto::frame::Times {
            relative: proto::frame::sub_time(ts, first),
            delta: proto::frame::sub_time(ts, prev),
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
            let e = cx.pkt.expert(
                "_ws.malformed",
                Severity::Error,
                Group::Malformed,
                format_args!("Malformed Packet (Exception occurred)"),
            );
            // The expert item's own field, which tshark prints by its name.
            cx.pkt
                .add_under(e, &proto::ws::MALFORMED, 0, 0, 0, Value::None);
            cx.pkt.close();
            cx.pkt.cols.append_info(format_args!("[Malformed Packet]"));
        }
    }
}
