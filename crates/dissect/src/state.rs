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
}

impl State {
    /// The most bytes held for TCP reassembly at once.
    pub fn reassembly_limit(&self) -> usize {
        self.reassembly_limit
            .unwrap_or(crate::proto::tcp::MAX_REASSEMBLY)
    }
}

/// Capture-wide dissection state.
#[derive(Default, Debug)]
pub struct State {
    /// TCP streams by conversation key (the current stream for the key).
    pub tcp: FastMap<(Endpoint, Endpoint), usize>,
    /// Every TCP stream, by index.
    pub tcp_streams: Vec<TcpStream>,
    /// UDP stream indexes by conversation key.
    pub udp: FastMap<(Endpoint, Endpoint), u32>,
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
