//! State that spans frames: what a dissector must remember from earlier
//! packets to show a later one as tshark does (TCP and UDP stream indexes,
//! first sequence numbers for relative numbering, window scaling, echo
//! request/reply pairs).
//!
//! The analysis crate grows this into full conversation tracking; here lives
//! what the packet list itself needs.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::L3;

/// An endpoint: address and port.
pub type Endpoint = (IpAddr, u16);

/// A conversation key that is the same in both directions; `.2` tells
/// whether the packet went from the first endpoint (false) or the second.
pub fn conv_key(a: Endpoint, b: Endpoint) -> ((Endpoint, Endpoint), bool) {
    if a <= b {
        ((a, b), false)
    } else {
        ((b, a), true)
    }
}

/// A conversation's key, the same in both directions, with no allocation.
pub type ConvKey = (Endpoint, Endpoint);

/// A hash map for per-packet lookups: foldhash is several times faster than
/// the standard SipHash on these small keys, and its per-process random seed
/// still keeps a crafted capture from choosing colliding keys in advance.
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The conversation key of the packet being dissected (network addresses
/// and transport ports), and this packet's sending endpoint.
pub fn packet_conv(cx: &crate::Cx<'_>) -> (ConvKey, Endpoint) {
    let unspec = IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);
    let a = (cx.l3.src.unwrap_or(unspec), cx.l4.sport);
    let b = (cx.l3.dst.unwrap_or(unspec), cx.l4.dport);
    (conv_key(a, b).0, a)
}

/// ICMP/ICMPv6 echo matching key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EchoKey {
    a: Option<IpAddr>,
    b: Option<IpAddr>,
    id: u16,
    seq: u16,
}

impl EchoKey {
    /// The key of a request, or of a reply (addresses swapped back).
    pub fn new(l3: &L3, id: u16, seq: u16, reply: bool) -> Self {
        let (a, b) = if reply {
            (l3.dst, l3.src)
        } else {
            (l3.src, l3.dst)
        };
        EchoKey { a, b, id, seq }
    }
}

/// One direction of a TCP stream.
#[derive(Clone, Debug, Default)]
pub struct TcpDir {
    /// Sequence number that relative numbers count from (ISN, or first-1).
    pub base_seq: Option<u32>,
    /// Window scale shift from this side's SYN: None before its SYN was
    /// seen, Some(-2) for a SYN without the option.
    pub win_shift: Option<i8>,
    /// Whether this side's SYN was seen.
    pub syn_seen: bool,
    /// Whether this side sent FIN or RST.
    pub closed: bool,
    /// Whether this side sent the first FIN of the stream.
    pub closing_initiator: bool,
    /// Highest sequence number sent so far plus its length (raw), if any.
    pub next_seq: Option<u32>,
    /// Frame and time of the segment that set `next_seq`.
    pub next_seq_frame: u64,
    /// Time of the segment that set `next_seq`.
    pub next_seq_time: (i64, u32),
    /// Highest in-order sequence number the peer may acknowledge.
    pub max_seq_to_be_acked: Option<u32>,
    /// Last acknowledgment number this side sent.
    pub last_ack: Option<u32>,
    /// Time of that acknowledgment.
    pub last_ack_time: (i64, u32),
    /// Last raw (unscaled) window this side advertised.
    pub window: Option<u16>,
    /// Frame of the last acknowledgment that was not a duplicate.
    pub last_non_dup_ack: u64,
    /// Duplicate acknowledgments in a row.
    pub dup_ack_num: u32,
    /// Analysis flags of this side's last segment.
    pub last_flags: u32,
    /// A PDU being reassembled from this side's segments.
    pub msp: Option<Msp>,
}

/// A multi-segment PDU under reassembly (Wireshark's "msp"): bytes placed
/// by their offset from the PDU's first sequence number.
#[derive(Clone, Debug, Default)]
pub struct Msp {
    /// Raw sequence number of its first byte.
    pub seq: u32,
    /// Its bytes so far (holes are zero until filled).
    pub data: Vec<u8>,
    /// Byte ranges received, sorted and merged.
    pub have: Vec<(usize, usize)>,
    /// Total bytes needed, when the protocol said; `None`: try again with
    /// the next segment.
    pub need: Option<usize>,
    /// (frame, offset, bytes) of each segment in it.
    pub frames: Vec<(u64, usize, usize)>,
    /// It ends where the stream does: segments are only collected until
    /// the sender's FIN (Wireshark's `DESEGMENT_UNTIL_FIN`).
    pub until_fin: bool,
}

impl Msp {
    /// Places a segment's bytes at `off` (the first copy of a byte wins).
    pub fn insert(&mut self, off: usize, bytes: &[u8], frame: u64) {
        let end = off + bytes.len();
        if self.data.len() < end {
            self.data.resize(end, 0);
        }
        // Copy only into the holes, so a retransmission never overwrites.
        let mut pos = off;
        let mut holes = Vec::new();
        for &(a, b) in &self.have {
            if b <= pos {
                continue;
            }
            if a >= end {
                break;
            }
            if a > pos {
                holes.push((pos, a.min(end)));
            }
            pos = pos.max(b);
        }
        if pos < end {
            holes.push((pos, end));
        }
        for (a, b) in holes {
            self.data[a..b].copy_from_slice(&bytes[a - off..b - off]);
        }
        self.have.push((off, end));
        self.have.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(self.have.len());
        for &(a, b) in &self.have {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        self.have = merged;
        if !bytes.is_empty() {
            self.frames.push((frame, off, bytes.len()));
        }
    }

    /// Whether the bytes from 0 are contiguous up to what is needed.
    pub fn ready(&self) -> bool {
        let contiguous = match self.have.first() {
            Some(&(0, b)) => b,
            _ => return false,
        };
        match self.need {
            Some(n) => contiguous >= n,
            None => self.have.len() == 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Msp;

    #[test]
    fn udp_streams_numbered_in_order_and_bounded() {
        use std::net::IpAddr;
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        let key = |p: u16| ((a, p), (b, 53));
        let mut t = super::UdpTable::default();
        // Frames 1..=4 open conversations 0..=3; port 1000 stays active.
        for (f, p) in [(1, 1000), (2, 1001), (3, 1002), (4, 1003)] {
            assert_eq!(t.stream(key(p), f, 4), ((f - 1) as u32, false));
        }
        assert_eq!(t.stream(key(1000), 5, 4), (0, false));
        // A fifth conversation finds the table full: the least recently
        // active (1001, last seen in frame 2) is forgotten.
        assert_eq!(t.stream(key(1004), 6, 4), (4, true));
        assert_eq!(t.len(), 4);
        assert_eq!(t.stream(key(1000), 7, 4), (0, false));
        assert_eq!(t.stream(key(1002), 8, 4), (2, false));
        // The forgotten one comes back as a new stream.
        assert_eq!(t.stream(key(1001), 9, 4), (5, true));
        // A table of one keeps only the newest.
        let mut one = super::UdpTable::default();
        assert_eq!(one.stream(key(1), 1, 1), (0, false));
        assert_eq!(one.stream(key(2), 2, 1), (1, true));
        assert_eq!(one.len(), 1);
    }

    #[test]
    fn a_released_stream_comes_back_with_what_it_showed() {
        use super::{TcpStream, TcpTomb};
        use std::net::IpAddr;
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        let key = ((a, 1234), (b, 80));
        let mut st = TcpStream::new(7, key, (100, 5));
        st.prev_ts = (160, 9);
        st.irtt = Some((0, 1500));
        st.completeness = 31;
        st.dirs[0].base_seq = Some(1000);
        st.dirs[0].syn_seen = true;
        st.dirs[0].win_shift = Some(7);
        st.dirs[0].closing_initiator = true;
        st.dirs[1].base_seq = Some(u32::MAX);
        st.dirs[1].win_shift = Some(-2);
        st.dirs[1].closed = true;
        let t = st.tomb();
        assert_eq!(std::mem::size_of::<TcpTomb>(), 48);
        let back = TcpStream::revive(&t, key);
        assert_eq!(back.index, 7);
        assert_eq!(
            (back.first_ts, back.prev_ts, back.irtt),
            ((100, 5), (160, 9), Some((0, 1500)))
        );
        assert_eq!(back.completeness, 31);
        assert_eq!(back.dirs[0].base_seq, Some(1000));
        assert_eq!(back.dirs[1].base_seq, Some(u32::MAX));
        assert_eq!(
            (back.dirs[0].win_shift, back.dirs[1].win_shift),
            (Some(7), Some(-2))
        );
        assert!(back.dirs[0].syn_seen && !back.dirs[1].syn_seen);
        assert!(back.dirs[0].closing_initiator && back.dirs[1].closed && !back.dirs[0].closed);
        // Nothing of the analysis comes back.
        assert_eq!(back.dirs[0].next_seq, None);
        let none = TcpStream::new(1, key, (0, 0)).tomb();
        let back = TcpStream::revive(&none, key);
        assert_eq!(
            (back.irtt, back.dirs[0].base_seq, back.dirs[1].win_shift),
            (None, None, None)
        );
    }

    #[test]
    fn holes_fill_in_any_order_and_first_copy_wins() {
        let mut m = Msp {
            need: Some(9),
            ..Default::default()
        };
        m.insert(0, b"abc", 1);
        m.insert(6, b"ghi", 3);
        assert!(!m.ready());
        // Overlaps the first segment by one byte, fills the hole.
        m.insert(2, b"XdeY", 4);
        assert!(m.ready());
        assert_eq!(&m.data, b"abcdeYghi");
        assert_eq!(m.have, vec![(0, 9)]);
        assert_eq!(m.frames.len(), 3);
    }
}

/// A TCP stream (`tcp.stream`).
#[derive(Clone, Debug)]
pub struct TcpStream {
    /// Stream index.
    pub index: u32,
    /// Direction 0: from the key's first endpoint; 1: from the second.
    pub dirs: [TcpDir; 2],
    /// Time of the first frame (secs, nanos).
    pub first_ts: (i64, u32),
    /// Time of the previous frame.
    pub prev_ts: (i64, u32),
    /// Round-trip time of the handshake (SYN to the ACK of the SYN/ACK).
    pub irtt: Option<(i64, u32)>,
    /// Time of the first SYN.
    pub syn_time: Option<(i64, u32)>,
    /// `tcp.completeness` so far: the `COMPLETENESS_*` bits of
    /// [`crate::proto::tcp`] seen in this stream.
    pub completeness: u8,
    /// Its conversation key (to forget it when the record is released).
    pub key: ConvKey,
    /// [`TcpTable::packets`] at its last segment.
    pub last_packet: u64,
    /// Both FINs were sent and acknowledged, or a RST was seen: after
    /// [`ConvLimits::grace`] without a packet its record is released.
    pub ended: bool,
}

impl TcpStream {
    /// A fresh stream record.
    pub fn new(index: u32, key: ConvKey, ts: (i64, u32)) -> Self {
        TcpStream {
            index,
            dirs: [TcpDir::default(), TcpDir::default()],
            first_ts: ts,
            prev_ts: ts,
            irtt: None,
            syn_time: None,
            completeness: 0,
            key,
            last_packet: 0,
            ended: false,
        }
    }

    /// What is kept once the record is released.
    pub fn tomb(&self) -> TcpTomb {
        let mut bits = 0u8;
        let mut base = [0u32; 2];
        let mut shift = [i8::MIN; 2];
        for (i, d) in self.dirs.iter().enumerate() {
            if let Some(b) = d.base_seq {
                base[i] = b;
                bits |= TOMB_BASE << i;
            }
            if d.syn_seen {
                bits |= TOMB_SYN << i;
            }
            if d.closed {
                bits |= TOMB_CLOSED << i;
            }
            if d.closing_initiator {
                bits |= TOMB_INITIATOR << i;
            }
            if let Some(w) = d.win_shift {
                shift[i] = w;
            }
        }
        TcpTomb {
            index: self.index,
            base,
            shift,
            bits,
            completeness: self.completeness,
            first_secs: self.first_ts.0,
            first_nanos: self.first_ts.1,
            prev_secs: self.prev_ts.0,
            prev_nanos: self.prev_ts.1,
            irtt_ns: self
                .irtt
                .and_then(|t| t.0.checked_mul(1_000_000_000)?.checked_add(t.1 as i64))
                .filter(|&n| n != i64::MIN)
                .unwrap_or(i64::MIN),
        }
    }

    /// A record brought back from what was kept of it: the same index,
    /// relative numbering, window scaling, times and completeness; the
    /// sequence analysis starts over.
    pub fn revive(t: &TcpTomb, key: ConvKey) -> Self {
        let mut st = TcpStream::new(t.index, key, (t.first_secs, t.first_nanos));
        st.prev_ts = (t.prev_secs, t.prev_nanos);
        st.irtt = (t.irtt_ns != i64::MIN).then_some((
            t.irtt_ns.div_euclid(1_000_000_000),
            t.irtt_ns.rem_euclid(1_000_000_000) as u32,
        ));
        st.completeness = t.completeness;
        for (i, d) in st.dirs.iter_mut().enumerate() {
            d.base_seq = (t.bits & (TOMB_BASE << i) != 0).then_some(t.base[i]);
            d.syn_seen = t.bits & (TOMB_SYN << i) != 0;
            d.closed = t.bits & (TOMB_CLOSED << i) != 0;
            d.closing_initiator = t.bits & (TOMB_INITIATOR << i) != 0;
            d.win_shift = (t.shift[i] != i8::MIN).then_some(t.shift[i]);
        }
        st
    }
}

const TOMB_BASE: u8 = 1;
const TOMB_SYN: u8 = 4;
const TOMB_CLOSED: u8 = 16;
const TOMB_INITIATOR: u8 = 64;

/// What is kept of a TCP stream whose record was released (48 bytes
/// instead of several hundred): enough to give a later segment of
/// its conversation the same `tcp.stream`, relative numbers, window
/// scaling, times and completeness that tshark, which keeps every stream
/// forever, gives it. 48 bytes.
#[derive(Clone, Copy, Debug)]
pub struct TcpTomb {
    /// Stream index.
    pub index: u32,
    /// Base sequence number per direction (valid where `bits` says).
    pub base: [u32; 2],
    /// Window scale shift per direction (`i8::MIN`: none).
    pub shift: [i8; 2],
    /// Per direction: base set, SYN seen, closed, closing initiator.
    pub bits: u8,
    /// `tcp.completeness` so far.
    pub completeness: u8,
    /// Time of the first frame: seconds.
    pub first_secs: i64,
    /// Time of the last frame: seconds.
    pub prev_secs: i64,
    /// Handshake round-trip time in nanoseconds (`i64::MIN`: none, or
    /// past 292 years).
    pub irtt_ns: i64,
    /// Time of the first frame: nanoseconds.
    pub first_nanos: u32,
    /// Time of the last frame: nanoseconds.
    pub prev_nanos: u32,
}

/// Bounds on the state kept per conversation. Each can be set by an
/// environment variable (read when the [`State`] is made), so a test can
/// force a limit:
///
/// - `WIRELAB_TCP_MAX_STREAMS`: TCP stream records held at once (default
///   2^20). Past it the least recently active stream's record is
///   released early, with a warning on the frame that needed the room.
/// - `WIRELAB_TCP_MAX_RELEASED`: released streams remembered (default
///   2^19, at most about 60 MiB). Past it the quarter released longest ago
///   is forgotten, with a warning: a later segment of one of them starts
///   a new `tcp.stream`.
/// - `WIRELAB_TCP_GRACE`: seconds of capture time without a packet after
///   which an ended stream (both FINs acknowledged, or a RST) is released
///   (default 120: two TIME-WAIT periods of most stacks, so late
///   retransmissions and the last ACKs are still analysed in full).
/// - `WIRELAB_TCP_IDLE`: seconds without a packet after which a stream
///   that has not ended is released (default 3600).
/// - `WIRELAB_UDP_MAX_STREAMS`: UDP conversations remembered (default
///   2^20, about 80 MiB at most). Past it the quarter least recently
///   active is forgotten, with a warning: a later datagram of one of them
///   starts a new `udp.stream`.
/// - `WIRELAB_TCP_QUIET_PACKETS`: TCP segments of other streams that must
///   also have passed since a stream's last one before it is released
///   (default 65536), so that a capture whose clock jumps (merged or
///   edited captures) keeps its streams as long as tshark does.
#[derive(Clone, Copy, Debug)]
pub struct ConvLimits {
    /// Most live TCP stream records.
    pub max_streams: usize,
    /// Most released streams remembered.
    pub max_released: usize,
    /// Seconds an ended stream is kept after its last packet.
    pub grace: i64,
    /// Seconds a stream that has not ended is kept after its last packet.
    pub idle: i64,
    /// TCP segments that must also have passed since its last one.
    pub quiet_packets: u64,
    /// Most UDP conversations remembered.
    pub max_udp: usize,
}

impl ConvLimits {
    /// The defaults, overridden by the environment variables above.
    pub fn from_env() -> Self {
        fn var<T: std::str::FromStr>(name: &str, default: T) -> T {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(default)
        }
        ConvLimits {
            max_streams: var("WIRELAB_TCP_MAX_STREAMS", 1usize << 20).max(1),
            max_released: var("WIRELAB_TCP_MAX_RELEASED", 1usize << 19),
            grace: var("WIRELAB_TCP_GRACE", 120i64).max(0),
            idle: var("WIRELAB_TCP_IDLE", 3600i64).max(0),
            quiet_packets: var("WIRELAB_TCP_QUIET_PACKETS", 1u64 << 16),
            max_udp: var("WIRELAB_UDP_MAX_STREAMS", 1usize << 20).max(1),
        }
    }
}

impl Default for ConvLimits {
    fn default() -> Self {
        Self::from_env()
    }
}

/// TCP stream records and what is kept of released ones.
#[derive(Default, Debug)]
pub struct TcpTable {
    /// Slots of stream records released, free for new streams.
    pub free: Vec<usize>,
    /// The next `tcp.stream` index.
    pub next_index: u32,
    /// Live records (slots in use).
    pub live: usize,
    /// (slot, index) of each live record, visited in turn to release
    /// those that ended or went idle.
    pub queue: std::collections::VecDeque<(usize, u32)>,
    /// Released streams by a hash of their conversation key.
    pub tombs: FastMap<u64, TcpTomb>,
    /// Hasher for the keys of released streams.
    pub hasher: foldhash::fast::RandomState,
    /// Latest capture time seen by TCP.
    pub now: (i64, u32),
    /// TCP segments seen in streams so far.
    pub packets: u64,
    /// Limits.
    pub limits: ConvLimits,
}

impl TcpTable {
    /// The hash a released stream is remembered by.
    pub fn key_hash(&self, key: &ConvKey) -> u64 {
        use std::hash::BuildHasher;
        self.hasher.hash_one(key)
    }
}

impl State {
    /// The most bytes held for TCP reassembly at once.
    pub fn reassembly_limit(&self) -> usize {
        self.reassembly_limit
            .unwrap_or(crate::proto::tcp::MAX_REASSEMBLY)
    }
}

/// UDP conversations and their `udp.stream` indexes, numbered in order
/// of first appearance, at most [`ConvLimits::max_udp`] of them.
#[derive(Default, Debug)]
pub struct UdpTable {
    /// Key → (stream index, frame number of its last datagram).
    map: FastMap<(Endpoint, Endpoint), (u32, u64)>,
    next: u32,
}

impl UdpTable {
    /// The stream index of conversation `key` at frame `frame`; a new key
    /// gets the next index. When a new key finds `max` conversations
    /// remembered, the quarter least recently active is forgotten first
    /// (tshark remembers them all; a later datagram of a forgotten one
    /// starts a new stream) and the second value is `true`.
    pub fn stream(&mut self, key: (Endpoint, Endpoint), frame: u64, max: usize) -> (u32, bool) {
        if let Some(e) = self.map.get_mut(&key) {
            e.1 = frame;
            return (e.0, false);
        }
        let mut forgot = false;
        if self.map.len() >= max.max(1) {
            // The last-seen frame below which a quarter of them lie; one
            // O(n) pass per n/4 new conversations.
            let mut seen: Vec<u64> = self.map.values().map(|v| v.1).collect();
            let k = (seen.len() / 4).max(1) - 1;
            let (_, cut, _) = seen.select_nth_unstable(k);
            let cut = *cut;
            self.map.retain(|_, v| v.1 > cut);
            forgot = true;
        }
        let idx = self.next;
        self.next = self.next.wrapping_add(1);
        self.map.insert(key, (idx, frame));
        (idx, forgot)
    }

    /// Conversations remembered now.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether none is remembered.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Capture-wide dissection state.
#[derive(Default, Debug)]
pub struct State {
    /// TCP streams by conversation key (the current stream for the key).
    pub tcp: FastMap<(Endpoint, Endpoint), usize>,
    /// TCP stream records, by slot (a released record's slot is reused:
    /// the stream's index is [`TcpStream::index`]).
    pub tcp_streams: Vec<TcpStream>,
    /// Bookkeeping for releasing TCP stream records.
    pub tcp_table: TcpTable,
    /// UDP stream indexes by conversation key (bounded).
    pub udp: UdpTable,
    /// Bytes held in TCP PDUs under reassembly, over all streams.
    pub reassembly_bytes: usize,
    /// The most bytes `reassembly_bytes` may reach; `None`:
    /// [`crate::proto::tcp::MAX_REASSEMBLY`].
    pub reassembly_limit: Option<usize>,
    /// Set by a protocol over TCP that asks for more bytes: its PDU ends
    /// only with the sender's FIN. TCP reads and clears it.
    pub desegment_until_fin: bool,
    /// Set by TCP while it hands over a PDU that the sender's FIN ended.
    pub tcp_at_fin: bool,
    /// IPv4 fragments waiting for their datagram.
    pub ip_frags: crate::reassembly::Reassembler,
    /// IPv4 → (MAC, frame) bindings announced by ARP.
    pub arp_bindings: HashMap<[u8; 4], ([u8; 6], u64)>,
    /// ICMP echo requests seen: key → frame number.
    pub icmp_requests: HashMap<EchoKey, u64>,
    /// DNS queries and responses, for `dns.response_to` and retransmissions.
    pub dns: crate::proto::dns::Transactions,
    /// HTTP requests per conversation, to match responses to them.
    pub http: crate::proto::http::Conversations,
    /// TLS sessions: version, Change Cipher Spec seen, records owed.
    pub tls: crate::proto::tls::Sessions,
    /// RUDP message framing per direction (where each message starts).
    pub rudp: crate::proto::rudp::Streams,
    /// SSH connections: version, key-exchange progress, algorithms.
    pub ssh: crate::proto::ssh::Flows,
    /// SOCKS conversations: version and handshake state.
    pub socks: crate::proto::socks::Conversations,
}
