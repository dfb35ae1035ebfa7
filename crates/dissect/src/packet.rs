//! A dissected packet: its protocol tree (an arena of [`Node`]s with byte
//! ranges), its columns and its expert items.
//!
//! A [`Packet`] is meant to be reused from one frame to the next
//! ([`Packet::clear`] keeps the allocations), so dissecting a capture does not
//! allocate per packet once the buffers have grown.

use std::fmt::{self, Write as _};
use std::sync::Arc;

use crate::field::{Base, FieldDef, FieldRef, FieldType};
use crate::proto::ws;
use crate::tvb::Tvb;

/// "No node": the parent of a top-level node, the end of a sibling list.
pub const NIL: u32 = u32::MAX;

/// The id returned for a node that was not built (its field is not wanted);
/// every operation on it does nothing.
pub const SKIPPED: u32 = u32::MAX - 1;

/// Where a byte or text value lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Src {
    /// A data source: 0 is the frame, others index [`Packet::sources`] + 1.
    Data(u8),
    /// The packet's text arena ([`Packet::text`]).
    Text,
}

/// A range of bytes or text in a [`Src`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Where.
    pub src: Src,
    /// First byte.
    pub start: u32,
    /// Length in bytes.
    pub len: u32,
}

/// A field's value. Byte and text values refer to the packet's buffers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// No value (protocols, labels).
    None,
    /// A boolean.
    Bool(bool),
    /// An unsigned integer (already masked and shifted for bit fields).
    UInt(u64),
    /// A signed integer.
    Int(i64),
    /// A floating-point number.
    Double(f64),
    /// An IPv4 address.
    Ipv4([u8; 4]),
    /// An IPv6 address.
    Ipv6([u8; 16]),
    /// An Ethernet address.
    Ether([u8; 6]),
    /// Bytes.
    Bytes(Span),
    /// Text (UTF-8, possibly with escapes already applied).
    Str(Span),
    /// A time: seconds and nanoseconds (absolute since the epoch, or relative).
    Time {
        /// Whole seconds.
        secs: i64,
        /// Nanoseconds, 0..1e9.
        nanos: u32,
    },
}

/// Node flag: not shown in the tree (`-V`), still filterable.
pub const HIDDEN: u8 = 1;
/// Node flag: derived by the analyzer, not read from the bytes (`[…]`).
pub const GENERATED: u8 = 2;

/// One item of the protocol tree.
#[derive(Clone, Copy, Debug)]
pub struct Node {
    /// The field.
    pub field: FieldRef,
    /// Its value.
    pub value: Value,
    /// Data source of the byte range (0: frame).
    pub ds: u8,
    /// [`HIDDEN`], [`GENERATED`].
    pub flags: u8,
    /// First byte in the data source.
    pub start: u32,
    /// Length in bytes.
    pub len: u32,
    /// Parent node, or [`NIL`].
    pub parent: u32,
    /// First child, or [`NIL`].
    pub first_child: u32,
    /// Last child, or [`NIL`].
    pub last_child: u32,
    /// Next sibling, or [`NIL`].
    pub next: u32,
    /// Custom label text in the arena (start, len); `len == u32::MAX`: none.
    pub label: (u32, u32),
}

impl Node {
    /// Whether the node has a custom label.
    pub fn has_label(&self) -> bool {
        self.label.1 != u32::MAX
    }
}

/// Severity of an expert item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Comment.
    Comment,
    /// Chat: normal workflow.
    Chat,
    /// Note: unusual but valid.
    Note,
    /// Warning: likely a problem.
    Warning,
    /// Error: malformed or serious.
    Error,
}

impl Severity {
    /// Wireshark's name.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Comment => "Comment",
            Severity::Chat => "Chat",
            Severity::Note => "Note",
            Severity::Warning => "Warning",
            Severity::Error => "Error",
        }
    }
}

/// Group of an expert item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// Checksum problem.
    Checksum,
    /// Sequence problem (TCP analysis).
    Sequence,
    /// Response code.
    ResponseCode,
    /// Request code.
    RequestCode,
    /// Undecoded data.
    Undecoded,
    /// Reassembly problem.
    Reassemble,
    /// Malformed packet.
    Malformed,
    /// Debugging.
    Debug,
    /// Protocol violation.
    Protocol,
    /// Security.
    Security,
    /// Comment.
    Comment,
    /// Decryption.
    Decryption,
    /// Assumption made.
    Assumption,
    /// Deprecated.
    Deprecated,
}

impl Group {
    /// Wireshark's name.
    pub fn name(self) -> &'static str {
        match self {
            Group::Checksum => "Checksum",
            Group::Sequence => "Sequence",
            Group::ResponseCode => "Response code",
            Group::RequestCode => "Request code",
            Group::Undecoded => "Undecoded",
            Group::Reassemble => "Reassemble",
            Group::Malformed => "Malformed",
            Group::Debug => "Debug",
            Group::Protocol => "Protocol",
            Group::Security => "Security",
            Group::Comment => "Comment",
            Group::Decryption => "Decryption",
            Group::Assumption => "Assumption",
            Group::Deprecated => "Deprecated",
        }
    }
}

/// An expert item: a finding about the packet, also present in the tree.
#[derive(Clone, Copy, Debug)]
pub struct Expert {
    /// Severity.
    pub severity: Severity,
    /// Group.
    pub group: Group,
    /// The message, in the text arena.
    pub msg: Span,
    /// Protocol that raised it (`tcp`).
    pub protocol: &'static str,
    /// The tree node that carries it.
    pub node: u32,
}

/// The packet-list columns that dissectors fill.
#[derive(Clone, Debug, Default)]
pub struct Columns {
    /// Link-layer source (Ethernet address…).
    pub dl_src: String,
    /// Link-layer destination.
    pub dl_dst: String,
    /// Network-layer source (IP address), when there is one.
    pub net_src: String,
    /// Network-layer destination.
    pub net_dst: String,
    /// Protocol column.
    pub protocol: String,
    /// Info column.
    pub info: String,
    /// Length of `info` that later dissectors must not clear (`col_set_fence`).
    pub fence: usize,
    /// Off: the setters below do nothing (nobody reads the columns, e.g.
    /// `-q -z` statistics), saving the text formatting.
    off: bool,
    /// The Info column is not built (nobody prints or filters on it):
    /// [`Columns::set_info`] and the appends do nothing. Kept by `clear`.
    pub info_off: bool,
}

impl Columns {
    /// The Source column: network address if any, else link-layer.
    pub fn src(&self) -> &str {
        if self.net_src.is_empty() {
            &self.dl_src
        } else {
            &self.net_src
        }
    }

    /// The Destination column.
    pub fn dst(&self) -> &str {
        if self.net_dst.is_empty() {
            &self.dl_dst
        } else {
            &self.net_dst
        }
    }

    /// Whether the setters fill the columns (on by default). Off, the
    /// columns stay empty: for readers that never look at them.
    pub fn set_enabled(&mut self, on: bool) {
        self.off = !on;
    }

    /// Whether the columns are filled (see [`Columns::set_enabled`]), so a
    /// dissector can skip building text for them.
    pub fn enabled(&self) -> bool {
        !self.off
    }

    /// Sets the Protocol column.
    pub fn set_protocol(&mut self, p: &str) {
        if self.off {
            return;
        }
        self.protocol.clear();
        self.protocol.push_str(p);
    }

    /// Replaces the Info column (after the fence).
    #[inline]
    pub fn set_info(&mut self, args: fmt::Arguments<'_>) {
        if self.off {
            return;
        }
        self.info.truncate(self.fence);
        if !self.info_off {
            let _ = self.info.write_fmt(args);
        }
    }

    /// Clears the Info column (after the fence).
    pub fn clear_info(&mut self) {
        self.info.truncate(self.fence);
    }

    /// Appends to the Info column.
    #[inline]
    pub fn append_info(&mut self, args: fmt::Arguments<'_>) {
        if self.off || self.info_off {
            return;
        }
        let _ = self.info.write_fmt(args);
    }

    /// Appends text to the Info column (as [`Columns::append_info`], without
    /// the formatting machinery).
    #[inline]
    pub fn push_info(&mut self, s: &str) {
        if self.off || self.info_off {
            return;
        }
        self.info.push_str(s);
    }

    /// Whether the Info column is built: appends to it are read.
    #[inline]
    pub fn info_enabled(&self) -> bool {
        !self.off && !self.info_off
    }

    /// Appends with a separator when the column is not empty
    /// (`col_append_sep_fstr`).
    pub fn append_info_sep(&mut self, sep: &str, args: fmt::Arguments<'_>) {
        if self.off || self.info_off {
            return;
        }
        if !self.info.is_empty() {
            self.info.push_str(sep);
        }
        let _ = self.info.write_fmt(args);
    }

    /// Sets the fence at the current end of the Info column.
    pub fn set_fence(&mut self) {
        self.fence = self.info.len();
    }

    fn clear(&mut self) {
        self.dl_src.clear();
        self.dl_dst.clear();
        self.net_src.clear();
        self.net_dst.clear();
        self.protocol.clear();
        self.info.clear();
        self.fence = 0;
    }
}

/// What the capture file says about a frame.
#[derive(Clone, Copy, Debug, Default)]
pub struct FrameMeta {
    /// Frame number, from 1.
    pub number: u64,
    /// Arrival time, seconds since the epoch.
    pub ts_secs: i64,
    /// Arrival time, nanoseconds.
    pub ts_nanos: u32,
    /// Bytes captured.
    pub cap_len: u32,
    /// Bytes on the wire.
    pub orig_len: u32,
    /// Link-layer type (LINKTYPE_*).
    pub linktype: u32,
    /// Interface the frame arrived on (pcapng).
    pub interface_id: u32,
    /// The record has no timestamp (pcapng Simple Packet and Custom Blocks).
    pub no_ts: bool,
    /// A pcapng Custom Block: its Private Enterprise Number and whether it
    /// may be copied.
    pub custom: Option<(u32, bool)>,
}

/// A dissected packet.
#[derive(Default)]
pub struct Packet {
    /// The frame's capture metadata.
    pub meta: FrameMeta,
    /// Tree nodes, in the order they were added.
    pub nodes: Vec<Node>,
    /// Text arena for labels and string values.
    pub text: String,
    /// Extra data sources (reassembled or decoded buffers), with their names.
    pub sources: Vec<(String, Arc<[u8]>)>,
    /// Columns.
    pub cols: Columns,
    /// `frame.protocols`: protocol names joined by `:`.
    pub protocols: String,
    /// Expert items.
    pub expert: Vec<Expert>,
    /// Whether item labels are built (for `-V` and JSON). Without them a
    /// dissector skips label text; protocol labels are always kept, since
    /// `-T fields` prints them.
    pub labels: bool,
    /// Whether protocol nodes keep their labels when `labels` is off (on by
    /// default: `-T fields -e ip` and `string(ip)` read them).
    pub proto_labels: bool,
    /// When set, only these fields (by address, sorted) get nodes: a
    /// packet list or `-T fields` needs no full tree.
    pub want: Option<std::sync::Arc<[usize]>>,
    /// A 256-bit Bloom filter of `want` ([`want_bit`]): most unwanted
    /// fields are rejected without the binary search.
    pub want_bloom: [u64; 4],
    /// With `want`: also build every top-level item and every protocol item
    /// (a protocol hierarchy needs the layers, not their fields).
    pub want_layers: bool,
    /// Whether the dissectors hand transport payloads (TCP, UDP) to the
    /// protocols above them (on by default; off when nothing reads them).
    pub app_layers: bool,
    /// Stack of open subtrees.
    stack: Vec<u32>,
    /// First top-level node.
    pub first_root: u32,
    last_root: u32,
}

/// Index of a node in [`Packet::nodes`].
pub type NodeId = u32;

/// A point in a packet's construction that [`Packet::rollback`] returns to.
#[derive(Clone, Copy, Debug)]
pub struct Mark {
    nodes: usize,
    last_root: u32,
    protocols: usize,
    expert: usize,
    sources: usize,
    stack: usize,
}

impl Packet {
    /// An empty packet.
    pub fn new() -> Self {
        Packet {
            first_root: NIL,
            last_root: NIL,
            labels: true,
            proto_labels: true,
            app_layers: true,
            ..Default::default()
        }
    }

    /// Empties the packet for the next frame, keeping its allocations.
    pub fn clear(&mut self) {
        self.nodes.clear();
        self.text.clear();
        self.sources.clear();
        self.cols.clear();
        self.protocols.clear();
        self.expert.clear();
        self.stack.clear();
        self.first_root = NIL;
        self.last_root = NIL;
    }

    /// Where the packet stands now.
    pub fn mark(&self) -> Mark {
        Mark {
            nodes: self.nodes.len(),
            last_root: self.last_root,
            protocols: self.protocols.len(),
            expert: self.expert.len(),
            sources: self.sources.len(),
            stack: self.stack.len(),
        }
    }

    /// Forgets every node, protocol, expert item and data source added
    /// since `m` (a dissection that turned out to need more data).
    pub fn rollback(&mut self, m: Mark) {
        if m.nodes > self.nodes.len() {
            return;
        }
        self.nodes.truncate(m.nodes);
        self.protocols.truncate(m.protocols);
        self.expert.truncate(m.expert);
        self.sources.truncate(m.sources);
        self.stack.truncate(m.stack);
        self.last_root = m.last_root;
        let cut = m.nodes as u32;
        if self.first_root != NIL && self.first_root >= cut {
            self.first_root = NIL;
        }
        if self.last_root != NIL && self.last_root < cut {
            self.nodes[self.last_root as usize].next = NIL;
        }
        for i in 0..self.nodes.len() {
            let n = self.nodes[i];
            if n.next != NIL && n.next >= cut {
                self.nodes[i].next = NIL;
            }
            if n.first_child != NIL && n.first_child >= cut {
                self.nodes[i].first_child = NIL;
                self.nodes[i].last_child = NIL;
            } else if n.last_child != NIL && n.last_child >= cut {
                // Walk the surviving children to the new last one.
                let mut c = n.first_child;
                let mut last = c;
                while c != NIL && c < cut {
                    last = c;
                    c = self.nodes[c as usize].next;
                }
                self.nodes[i].last_child = last;
            }
        }
    }

    /// Adds a node under the current open subtree and returns its index.
    #[inline]
    pub fn add(
        &mut self,
        field: FieldRef,
        tvb: &Tvb<'_>,
        off: usize,
        len: usize,
        value: Value,
    ) -> NodeId {
        let start = tvb.base().saturating_add(off.min(u32::MAX as usize) as u32);
        self.add_at(
            field,
            tvb.ds(),
            start,
            len.min(u32::MAX as usize) as u32,
            value,
        )
    }

    /// Adds a node with an absolute byte range in data source `ds`.
    #[inline]
    pub fn add_at(
        &mut self,
        field: FieldRef,
        ds: u8,
        start: u32,
        len: u32,
        value: Value,
    ) -> NodeId {
        // Whether the node is built is decided before its parent is looked
        // for: the parent is NIL exactly when no subtree is open (an open
        // one that was not built gives a built ancestor or SKIPPED).
        if self.want.is_some() && !self.keeps_top(self.stack.is_empty(), field) {
            return SKIPPED;
        }
        // The innermost open subtree that was built (one not wanted is
        // skipped, so the node stays inside its nearest built ancestor);
        // `SKIPPED` when none of the open ones was built.
        let parent = match self.stack.last() {
            None => NIL,
            Some(&p) if (p as usize) < self.nodes.len() => p,
            Some(_) => self.built_ancestor(),
        };
        self.push_node(parent, field, ds, start, len, value)
    }

    /// The innermost open subtree that was built, or `SKIPPED`.
    fn built_ancestor(&self) -> NodeId {
        self.stack
            .iter()
            .rev()
            .copied()
            .find(|&p| (p as usize) < self.nodes.len())
            .unwrap_or(SKIPPED)
    }

    /// Adds a node as the last child of `parent` (or at the top level with
    /// [`NIL`]), whatever subtree is open.
    #[inline]
    pub fn add_under(
        &mut self,
        parent: NodeId,
        field: FieldRef,
        ds: u8,
        start: u32,
        len: u32,
        value: Value,
    ) -> NodeId {
        if self.want.is_some() && !self.keeps(parent, field) {
            return SKIPPED;
        }
        self.push_node(parent, field, ds, start, len, value)
    }

    /// With a want list: whether a node for `field` under `parent` is built.
    #[inline]
    fn keeps(&self, parent: NodeId, field: FieldRef) -> bool {
        self.keeps_top(parent == NIL, field)
    }

    /// [`Packet::keeps`] given whether the parent is the top level.
    #[inline]
    fn keeps_top(&self, top: bool, field: FieldRef) -> bool {
        let addr = field as *const FieldDef as usize;
        let b = want_bit(addr);
        if self.want_bloom[b / 64] & (1 << (b % 64)) != 0
            && self
                .want
                .as_deref()
                .is_some_and(|w| w.binary_search(&addr).is_ok())
        {
            return true;
        }
        self.want_layers && (top || field.ftype == FieldType::Protocol)
    }

    /// Builds a node that is wanted (the slow half of [`Packet::add_under`],
    /// kept out of line so that the want check inlines into the callers).
    #[inline(never)]
    fn push_node(
        &mut self,
        parent: NodeId,
        field: FieldRef,
        ds: u8,
        start: u32,
        len: u32,
        value: Value,
    ) -> NodeId {
        // A parent that was not built: the node goes to the top level.
        let parent = if (parent as usize) < self.nodes.len() {
            parent
        } else {
            NIL
        };
        let id = self.nodes.len() as u32;
        self.nodes.push(Node {
            field,
            value,
            ds,
            flags: 0,
            start,
            len,
            parent,
            first_child: NIL,
            last_child: NIL,
            next: NIL,
            label: (0, u32::MAX),
        });
        if parent == NIL {
            if self.last_root == NIL {
                self.first_root = id;
            } else {
                self.nodes[self.last_root as usize].next = id;
            }
            self.last_root = id;
        } else {
            let p = &mut self.nodes[parent as usize];
            let last = p.last_child;
            p.last_child = id;
            if last == NIL {
                p.first_child = id;
            } else {
                self.nodes[last as usize].next = id;
            }
        }
        id
    }

    /// Adds a node and opens it: following nodes go under it until [`close`](Self::close).
    pub fn open(
        &mut self,
        field: FieldRef,
        tvb: &Tvb<'_>,
        off: usize,
        len: usize,
        value: Value,
    ) -> NodeId {
        let id = self.add(field, tvb, off, len, value);
        self.stack.push(id);
        id
    }

    /// Opens an existing node as the current subtree.
    #[inline]
    pub fn reopen(&mut self, id: NodeId) {
        self.stack.push(id);
    }

    /// Closes the innermost open subtree.
    #[inline]
    pub fn close(&mut self) {
        self.stack.pop();
    }

    /// Closes subtrees until `depth` remain open (used to unwind after an error).
    pub fn close_to(&mut self, depth: usize) {
        self.stack.truncate(depth);
    }

    /// How many subtrees are open.
    #[inline]
    pub fn depth(&self) -> usize {
        self.stack.len()
    }

    /// The innermost open subtree, or [`NIL`].
    #[inline]
    pub fn current(&self) -> NodeId {
        self.stack.last().copied().unwrap_or(NIL)
    }

    /// Whether [`Packet::set_label`] would keep a label for node `id`, so
    /// that a caller can skip building label text nobody reads.
    pub fn labelled(&self, id: NodeId) -> bool {
        self.nodes.get(id as usize).is_some_and(|n| {
            self.labels || (self.proto_labels && n.field.ftype == FieldType::Protocol)
        })
    }

    /// Whether [`Packet::add`] of `field` would build a node now (under the
    /// subtree open at this point), so that a caller can skip computing a
    /// value nobody will read.
    #[inline]
    pub fn builds(&self, field: FieldRef) -> bool {
        self.want.is_none() || self.keeps_top(self.stack.is_empty(), field)
    }

    /// Whether node `id` was built (not [`SKIPPED`] for want of its field).
    #[inline]
    pub fn built(&self, id: NodeId) -> bool {
        (id as usize) < self.nodes.len()
    }

    /// Adds a node with a text value, the text stored in the arena only when
    /// the node is built.
    #[inline]
    pub fn add_str(
        &mut self,
        field: FieldRef,
        tvb: &Tvb<'_>,
        off: usize,
        len: usize,
        s: &str,
    ) -> NodeId {
        if !self.builds(field) {
            return SKIPPED;
        }
        let v = self.str_value(s);
        self.add(field, tvb, off, len, v)
    }

    /// Whether a node for `field` would be built (see [`Packet::want`]).
    #[inline]
    pub fn wants(&self, field: FieldRef) -> bool {
        match &self.want {
            None => true,
            Some(_) if self.want_layers && field.ftype == FieldType::Protocol => true,
            Some(w) => {
                let addr = field as *const FieldDef as usize;
                let b = want_bit(addr);
                self.want_bloom[b / 64] & (1 << (b % 64)) != 0 && w.binary_search(&addr).is_ok()
            }
        }
    }

    /// Stores text in the arena and returns its span.
    pub fn intern(&mut self, s: &str) -> Span {
        let start = self.text.len() as u32;
        self.text.push_str(s);
        Span {
            src: Src::Text,
            start,
            len: s.len() as u32,
        }
    }

    /// Formats text into the arena and returns its span.
    pub fn intern_fmt(&mut self, args: fmt::Arguments<'_>) -> Span {
        let start = self.text.len();
        let _ = self.text.write_fmt(args);
        Span {
            src: Src::Text,
            start: start as u32,
            len: (self.text.len() - start) as u32,
        }
    }

    /// A string value stored in the arena.
    pub fn str_value(&mut self, s: &str) -> Value {
        Value::Str(self.intern(s))
    }

    /// Sets a node's label (the whole line shown by `-V`).
    #[inline]
    pub fn set_label(&mut self, id: NodeId, args: fmt::Arguments<'_>) {
        // A node that was not built (not wanted) gets no label; without
        // labels only protocol nodes keep theirs (`-T fields -e ip`).
        let Some(n) = self.nodes.get(id as usize) else {
            return;
        };
        if !self.labels && (!self.proto_labels || n.field.ftype != FieldType::Protocol) {
            return;
        }
        self.put_label(id, args);
    }

    #[inline(never)]
    fn put_label(&mut self, id: NodeId, args: fmt::Arguments<'_>) {
        let sp = self.intern_fmt(args);
        if let Some(n) = self.nodes.get_mut(id as usize) {
            n.label = (sp.start, sp.len);
        }
    }

    /// Appends text to a node's label (which must be the last text interned,
    /// or be set first by this call from the default label).
    pub fn append_label(&mut self, id: NodeId, s: &str) {
        let Some(n) = self.nodes.get(id as usize).copied() else {
            return;
        };
        let mut cur = String::new();
        self.label_into(&n, &[], &mut cur);
        cur.push_str(s);
        let sp = self.intern(&cur);
        if let Some(n) = self.nodes.get_mut(id as usize) {
            n.label = (sp.start, sp.len);
        }
    }

    /// Sets a node's byte length (for protocols whose length is known late).
    #[inline]
    pub fn set_len(&mut self, id: NodeId, len: usize) {
        if let Some(n) = self.nodes.get_mut(id as usize) {
            n.len = len.min(u32::MAX as usize) as u32;
        }
    }

    /// Marks a node hidden.
    #[inline]
    pub fn set_hidden(&mut self, id: NodeId) {
        if let Some(n) = self.nodes.get_mut(id as usize) {
            n.flags |= HIDDEN;
        }
    }

    /// Marks a node generated.
    #[inline]
    pub fn set_generated(&mut self, id: NodeId) {
        if let Some(n) = self.nodes.get_mut(id as usize) {
            n.flags |= GENERATED;
        }
    }

    /// Appends a protocol name to `frame.protocols`.
    pub fn layer(&mut self, name: &str) {
        if !self.protocols.is_empty() {
            self.protocols.push(':');
        }
        self.protocols.push_str(name);
    }

    /// Adds an expert item under the current subtree: a `_ws.expert` node with
    /// the message, severity and group, and `field` (the protocol's own expert
    /// field, e.g. `tcp.analysis.retransmission`) if given, hidden inside it.
    pub fn expert(
        &mut self,
        protocol: &'static str,
        severity: Severity,
        group: Group,
        args: fmt::Arguments<'_>,
    ) -> NodeId {
        let msg = self.intern_fmt(args);
        let parent = self.current();
        let node = self.add_under(parent, &ws::EXPERT, 0, 0, 0, Value::None);
        if self.labels {
            let m = &self.text[msg.start as usize..(msg.start + msg.len) as usize];
            let label = format!("Expert Info ({}/{}): {}", severity.name(), group.name(), m);
            let lsp = self.intern(&label);
            if let Some(n) = self.nodes.get_mut(node as usize) {
                n.label = (lsp.start, lsp.len);
            }
        }
        self.set_generated(node);
        let c = self.add_under(node, &ws::EXPERT_MESSAGE, 0, 0, 0, Value::Str(msg));
        self.set_hidden(c);
        let sev = Value::UInt(severity_code(severity));
        let c = self.add_under(node, &ws::EXPERT_SEVERITY, 0, 0, 0, sev);
        self.set_hidden(c);
        let c = self.add_under(
            node,
            &ws::EXPERT_GROUP,
            0,
            0,
            0,
            Value::UInt(group_code(group)),
        );
        self.set_hidden(c);
        self.expert.push(Expert {
            severity,
            group,
            msg,
            protocol,
            node,
        });
        node
    }

    /// The bytes of data source `ds` (0: `frame`).
    pub fn source<'a>(&'a self, frame: &'a [u8], ds: u8) -> &'a [u8] {
        if ds == 0 {
            frame
        } else {
            self.sources
                .get(ds as usize - 1)
                .map(|(_, b)| &b[..])
                .unwrap_or(&[])
        }
    }

    /// The text or bytes a span refers to.
    pub fn span_bytes<'a>(&'a self, frame: &'a [u8], sp: Span) -> &'a [u8] {
        let buf: &[u8] = match sp.src {
            Src::Text => self.text.as_bytes(),
            Src::Data(ds) => self.source(frame, ds),
        };
        let s = sp.start as usize;
        let e = s.saturating_add(sp.len as usize).min(buf.len());
        buf.get(s.min(e)..e).unwrap_or(&[])
    }

    /// The text a string span refers to (lossy for bytes that are not UTF-8).
    pub fn span_str<'a>(&'a self, frame: &'a [u8], sp: Span) -> std::borrow::Cow<'a, str> {
        String::from_utf8_lossy(self.span_bytes(frame, sp))
    }

    /// The node's custom label, if any.
    pub fn custom_label(&self, n: &Node) -> Option<&str> {
        if n.has_label() {
            self.text
                .get(n.label.0 as usize..(n.label.0 + n.label.1) as usize)
        } else {
            None
        }
    }

    /// Iterates over the nodes of field `f`, in tree order of addition.
    pub fn find<'a>(&'a self, f: FieldRef) -> impl Iterator<Item = &'a Node> + 'a {
        self.nodes.iter().filter(move |n| std::ptr::eq(n.field, f))
    }

    /// Whether any node of field `f` exists.
    pub fn has(&self, f: FieldRef) -> bool {
        self.nodes.iter().any(|n| std::ptr::eq(n.field, f))
    }

    /// Writes the value as `tshark -T fields` prints it.
    pub fn fmt_value(&self, frame: &[u8], n: &Node, out: &mut String) {
        fmt_value(self, frame, n, out)
    }

    /// Writes the line `-V` shows for the node.
    pub fn label_into(&self, n: &Node, frame: &[u8], out: &mut String) {
        if let Some(l) = self.custom_label(n) {
            out.push_str(l);
            return;
        }
        default_label(self, frame, n, out)
    }

    /// Children of a node ([`NIL`]: the top level).
    pub fn children(&self, id: NodeId) -> Children<'_> {
        let first = if id == NIL {
            self.first_root
        } else {
            self.nodes
                .get(id as usize)
                .map(|n| n.first_child)
                .unwrap_or(NIL)
        };
        Children {
            pkt: self,
            next: first,
        }
    }
}

/// Iterator over the children of a node.
pub struct Children<'a> {
    pkt: &'a Packet,
    next: u32,
}

impl Iterator for Children<'_> {
    type Item = NodeId;
    fn next(&mut self) -> Option<NodeId> {
        if self.next == NIL {
            return None;
        }
        let id = self.next;
        self.next = self
            .pkt
            .nodes
            .get(id as usize)
            .map(|n| n.next)
            .unwrap_or(NIL);
        Some(id)
    }
}

fn severity_code(s: Severity) -> u64 {
    match s {
        Severity::Comment => 0x0010_0000,
        Severity::Chat => 0x0020_0000,
        Severity::Note => 0x0040_0000,
        Severity::Warning => 0x0060_0000,
        Severity::Error => 0x0080_0000,
    }
}

fn group_code(g: Group) -> u64 {
    match g {
        Group::Checksum => 0x0100_0000,
        Group::Sequence => 0x0200_0000,
        Group::ResponseCode => 0x0300_0000,
        Group::RequestCode => 0x0400_0000,
        Group::Undecoded => 0x0500_0000,
        Group::Reassemble => 0x0600_0000,
        Group::Malformed => 0x0700_0000,
        Group::Debug => 0x0800_0000,
        Group::Protocol => 0x0900_0000,
        Group::Security => 0x0a00_0000,
        Group::Comment => 0x0b00_0000,
        Group::Decryption => 0x0c00_0000,
        Group::Assumption => 0x0d00_0000,
        Group::Deprecated => 0x0e00_0000,
    }
}

/// Writes an IPv6 address in RFC 5952 form.
pub fn fmt_ipv6(a: &[u8; 16], out: &mut String) {
    let _ = write!(out, "{}", std::net::Ipv6Addr::from(*a));
}

/// Writes an IPv4 address.
pub fn fmt_ipv4(a: &[u8; 4], out: &mut String) {
    push_ipv4(out, *a);
}

/// Writes an Ethernet address as `00:11:22:33:44:55`.
pub fn fmt_ether(a: &[u8; 6], out: &mut String) {
    // Laid out on the stack and appended at once (what fmt_hex with ':'
    // writes, without a capacity check per character).
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut b = [b':'; 17];
    for (i, x) in a.iter().enumerate() {
        b[3 * i] = H[(x >> 4) as usize];
        b[3 * i + 1] = H[(x & 15) as usize];
    }
    push_ascii(out, &b);
}

/// Appends bytes known to be ASCII in one copy (a `push` per character
/// checks the capacity and encodes each one).
#[inline]
fn push_ascii(out: &mut String, b: &[u8]) {
    if let Ok(t) = std::str::from_utf8(b) {
        out.push_str(t);
    }
}

/// Writes bytes as lowercase hex, `sep` between bytes.
pub fn fmt_hex(b: &[u8], sep: Option<char>, out: &mut String) {
    const H: &[u8; 16] = b"0123456789abcdef";
    for (i, x) in b.iter().enumerate() {
        if i > 0 {
            if let Some(s) = sep {
                out.push(s);
            }
        }
        out.push(H[(x >> 4) as usize] as char);
        out.push(H[(x & 15) as usize] as char);
    }
}

/// Writes an integer in a field's display base (`0x0800` for a 16-bit hex).
pub fn fmt_uint(v: u64, ftype: FieldType, base: Base, bitmask: u64, out: &mut String) {
    let width = if bitmask != 0 {
        // Hex width of the masked value, as Wireshark sizes it from the mask.
        let bits = 64 - (bitmask >> bitmask.trailing_zeros()).leading_zeros() as usize;
        bits.div_ceil(4)
    } else {
        ftype.int_width() * 2
    };
    match base {
        Base::Hex => {
            let _ = write!(out, "0x{:0w$x}", v, w = width);
        }
        Base::HexDec => {
            let _ = write!(out, "0x{:0w$x} ({})", v, v, w = width);
        }
        Base::DecHex => {
            let _ = write!(out, "{} (0x{:0w$x})", v, v, w = width);
        }
        Base::Oct => {
            let _ = write!(out, "0{:o}", v);
        }
        _ => push_u64(out, v),
    }
}

/// Writes a time as seconds with nine decimals (`1.500000000`).
pub fn fmt_time(secs: i64, nanos: u32, out: &mut String) {
    if secs < 0 && nanos > 0 {
        // -0.5 is stored as secs=-1, nanos=5e8.
        let total = (secs as i128) * 1_000_000_000 + nanos as i128;
        let neg = -total;
        let _ = write!(out, "-{}.{:09}", neg / 1_000_000_000, neg % 1_000_000_000);
    } else {
        let _ = write!(out, "{}.{:09}", secs, nanos);
    }
}

fn fmt_value(p: &Packet, frame: &[u8], n: &Node, out: &mut String) {
    let f = n.field;
    match n.value {
        Value::None => {
            if f.ftype == FieldType::Protocol {
                match p.custom_label(n) {
                    Some(l) => out.push_str(l),
                    None => out.push_str(f.abbrev),
                }
            } else {
                // Wireshark prints FT_NONE fields that are present as 1.
                out.push('1');
            }
        }
        Value::Bool(b) => out.push(if b { '1' } else { '0' }),
        Value::UInt(v) => {
            if f.ftype == FieldType::Bool {
                out.push(if v != 0 { '1' } else { '0' });
            } else {
                // Field values are padded to the type's width (`0x0018` for a
                // 16-bit field), labels to the mask's (`0x018`).
                // and show only the first base of BASE_HEX_DEC / BASE_DEC_HEX.
                let base = match f.base {
                    Base::HexDec => Base::Hex,
                    Base::DecHex => Base::Dec,
                    b => b,
                };
                fmt_uint(v, f.ftype, base, 0, out)
            }
        }
        Value::Int(v) => {
            let _ = write!(out, "{}", v);
        }
        Value::Double(v) => {
            let _ = write!(out, "{}", v);
        }
        Value::Ipv4(a) => fmt_ipv4(&a, out),
        Value::Ipv6(a) => fmt_ipv6(&a, out),
        Value::Ether(a) => fmt_ether(&a, out),
        Value::Bytes(sp) => fmt_hex(p.span_bytes(frame, sp), Some(':'), out),
        Value::Str(sp) => out.push_str(&p.span_str(frame, sp)),
        Value::Time { secs, nanos } => fmt_time(secs, nanos, out),
    }
}

/// Bit pattern of a masked field, as `-V` shows it: `.... ..1. ....`.
pub fn bit_pattern(v: u64, mask: u64, width: u8, out: &mut String) {
    let shifted = v << mask.trailing_zeros();
    for i in (0..width as u32).rev() {
        let bit = 1u64 << i;
        out.push(if mask & bit == 0 {
            '.'
        } else if shifted & bit != 0 {
            '1'
        } else {
            '0'
        });
        if i % 4 == 0 && i != 0 {
            out.push(' ');
        }
    }
}

fn default_label(p: &Packet, frame: &[u8], n: &Node, out: &mut String) {
    let f = n.field;
    if f.ftype == FieldType::Protocol || f.ftype == FieldType::None {
        out.push_str(f.name);
        return;
    }
    if n.flags & GENERATED != 0 {
        out.push('[');
    }
    if f.bitmask != 0 && f.bitwidth != 0 {
        let v = match n.value {
            Value::UInt(v) => v,
            Value::Bool(b) => b as u64,
            _ => 0,
        };
        bit_pattern(v, f.bitmask, f.bitwidth, out);
        out.push_str(" = ");
    }
    out.push_str(f.name);
    out.push_str(": ");
    match n.value {
        Value::UInt(v) if f.ftype == FieldType::Bool => {
            let (t, fl) = f.tfs.unwrap_or(("True", "False"));
            out.push_str(if v != 0 { t } else { fl });
        }
        Value::Bool(b) => {
            let (t, fl) = f.tfs.unwrap_or(("True", "False"));
            out.push_str(if b { t } else { fl });
        }
        Value::UInt(v) => match f.value_name(v) {
            Some(name) => {
                out.push_str(name);
                out.push_str(" (");
                fmt_uint(v, f.ftype, f.base, f.bitmask, out);
                out.push(')');
            }
            None if f.strings.is_some() => {
                out.push_str("Unknown (");
                fmt_uint(v, f.ftype, f.base, f.bitmask, out);
                out.push(')');
            }
            None => fmt_uint(v, f.ftype, f.base, f.bitmask, out),
        },
        Value::Bytes(sp) => {
            let b = p.span_bytes(frame, sp);
            if b.is_empty() {
                out.push_str("<MISSING>");
            } else {
                fmt_hex(b, None, out);
            }
        }
        Value::Time { secs, nanos } if f.ftype == FieldType::RelTime => {
            fmt_time(secs, nanos, out);
            out.push_str(" seconds");
        }
        _ => fmt_value(p, frame, n, out),
    }
    if n.flags & GENERATED != 0 {
        out.push(']');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{eth, ip, tcp};

    /// The stack-built decimal and hex writers print what `Display` does.
    #[test]
    fn number_writers_match_display() {
        for a in [
            [0u8, 0, 0, 0],
            [10, 0, 0, 1],
            [192, 168, 100, 255],
            [1, 22, 233, 9],
        ] {
            let mut s = String::from("x");
            push_ipv4(&mut s, a);
            assert_eq!(s, format!("x{}", std::net::Ipv4Addr::from(a)));
        }
        for v in [0u16, 9, 10, 99, 100, 65535] {
            let mut s = String::new();
            push_u16(&mut s, v);
            assert_eq!(s, v.to_string());
        }
        let mut s = String::new();
        fmt_ether(&[0x00, 0x1b, 0xfc, 0xa0, 0x0f, 0xff], &mut s);
        assert_eq!(s, "00:1b:fc:a0:0f:ff");
    }

    /// `builds` tells what `add` does: with a want list, a value for a field
    /// nobody wants is not interned.
    #[test]
    fn add_str_interns_only_built_nodes() {
        let data = [0u8; 4];
        let tvb = Tvb::new(&data, data.len(), 0);
        let mut p = Packet::new();
        let want: Arc<[usize]> = Arc::from([&ip::SRC as *const FieldDef as usize]);
        p.want_bloom = want_bloom(&want);
        p.want = Some(want);
        assert!(p.builds(&ip::SRC));
        assert!(!p.builds(&ip::DST));
        assert_eq!(p.add_str(&ip::DST, &tvb, 0, 4, "10.0.0.1"), SKIPPED);
        assert!(p.text.is_empty());
        let id = p.add_str(&ip::SRC, &tvb, 0, 4, "10.0.0.2");
        assert!(p.built(id));
        assert_eq!(p.text, "10.0.0.2");
    }

    #[test]
    fn rollback_restores_the_tree() {
        let mut p = Packet::new();
        let data = [0u8; 64];
        let tvb = Tvb::new(&data, 64, 0);
        let e = p.open(&eth::PROTO, &tvb, 0, 14, Value::None);
        p.add(&eth::TYPE, &tvb, 12, 2, Value::UInt(0x800));
        p.close();
        p.layer("eth");
        let m = p.mark();
        let i = p.open(&ip::PROTO, &tvb, 14, 20, Value::None);
        p.add(&ip::TTL, &tvb, 22, 1, Value::UInt(64));
        p.close();
        p.add_under(e, &eth::PADDING, 0, 60, 4, Value::None);
        p.layer("ip");
        p.open(&tcp::PROTO, &tvb, 34, 20, Value::None);
        assert_eq!(p.children(NIL).count(), 3);
        p.rollback(m);
        assert_eq!(p.nodes.len(), 2);
        assert_eq!(p.protocols, "eth");
        assert_eq!(p.children(NIL).collect::<Vec<_>>(), vec![e]);
        assert_eq!(p.children(e).count(), 1);
        assert_eq!(p.depth(), 0);
        let _ = i;
        // The tree grows again from where it was.
        let t = p.add(&tcp::SRCPORT, &tvb, 34, 2, Value::UInt(80));
        assert_eq!(p.children(NIL).collect::<Vec<_>>(), vec![e, t]);
    }
}

/// The bit of a field's address in [`Packet::want_bloom`].
#[inline]
pub fn want_bit(addr: usize) -> usize {
    ((addr as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize
}

/// The Bloom filter of a sorted want list (see [`Packet::want_bloom`]).
pub fn want_bloom(want: &[usize]) -> [u64; 4] {
    let mut m = [0u64; 4];
    for &a in want {
        let b = want_bit(a);
        m[b / 64] |= 1 << (b % 64);
    }
    m
}

/// Appends an IPv4 address in dotted-decimal form, without allocating.
pub fn push_ipv4(out: &mut String, a: [u8; 4]) {
    // Laid out on the stack (at most 15 bytes), appended at once.
    let mut buf = [0u8; 15];
    let mut n = 0;
    for (i, &b) in a.iter().enumerate() {
        if i > 0 {
            buf[n] = b'.';
            n += 1;
        }
        if b >= 100 {
            buf[n] = b'0' + b / 100;
            n += 1;
        }
        if b >= 10 {
            buf[n] = b'0' + (b / 10) % 10;
            n += 1;
        }
        buf[n] = b'0' + b % 10;
        n += 1;
    }
    push_ascii(out, &buf[..n]);
}

/// Appends a 16-bit number in decimal, without allocating.
pub fn push_u16(out: &mut String, v: u16) {
    out.push_str(itoa::Buffer::new().format(v));
}

/// Appends a number in decimal, without `core::fmt`.
pub fn push_u64(out: &mut String, v: u64) {
    out.push_str(itoa::Buffer::new().format(v));
}

#[cfg(test)]
mod fmt_tests {
    use super::push_ipv4;

    #[test]
    fn u64_decimal_matches_std() {
        for v in [0u64, 7, 10, 999, 1_000_000, u32::MAX as u64, u64::MAX] {
            let mut s = String::new();
            super::push_u64(&mut s, v);
            assert_eq!(s, v.to_string());
        }
    }

    #[test]
    fn u16_decimal_matches_std() {
        for v in [0u16, 9, 10, 99, 100, 8080, 65535] {
            let mut s = String::new();
            super::push_u16(&mut s, v);
            assert_eq!(s, v.to_string());
        }
    }

    #[test]
    fn ipv4_dotted_decimal_matches_std() {
        for a in [
            [0, 0, 0, 0],
            [255, 255, 255, 255],
            [10, 0, 99, 100],
            [192, 168, 1, 9],
        ] {
            let mut s = String::from("x");
            push_ipv4(&mut s, a);
            assert_eq!(s, format!("x{}", std::net::Ipv4Addr::from(a)));
        }
    }
}
