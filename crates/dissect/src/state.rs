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
#[derive(Clone, Copy, Debug, Default)]
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
    /// ICMP echo requests seen: key → frame number.
    pub icmp_requests: HashMap<EchoKey, u64>,
}
