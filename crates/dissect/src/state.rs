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

/// A multi-segment PDU under reassembly (Wireshark's "msp").
#[derive(Clone, Debug, Default)]
pub struct Msp {
    /// Raw sequence number of its first byte.
    pub seq: u32,
    /// Its bytes so far.
    pub data: Vec<u8>,
    /// Total bytes needed, when the protocol said; `None`: try again with
    /// the next segment.
    pub need: Option<usize>,
    /// (frame, bytes) of each segment in it.
    pub frames: Vec<(u64, usize)>,
    /// Frame of its first segment.
    pub first_frame: u64,
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
}

/// Capture-wide dissection state.
#[derive(Default, Debug)]
pub struct State {
    /// TCP streams by conversation key (the current stream for the key).
    pub tcp: HashMap<(Endpoint, Endpoint), usize>,
    /// Every TCP stream, by index.
    pub tcp_streams: Vec<TcpStream>,
    /// UDP stream indexes by conversation key.
    pub udp: HashMap<(Endpoint, Endpoint), u32>,
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
}
