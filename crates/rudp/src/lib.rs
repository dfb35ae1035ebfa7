//! RUDP: wirelab's reliable transport over UDP.
//!
//! It carries one ordered, reliable byte stream in each direction of a
//! connection, plus length-prefixed messages on top of it for the
//! application server's text signals (`NEW <user>`, `ECHO <id>`, …).
//!
//! # Layering
//!
//! - [`wire`]: checked views and `parse`/`emit` values for packets and
//!   frames. No panics on any input.
//! - [`Connection`] and [`Endpoint`]: sans-I/O state machines. The caller
//!   feeds time (an [`Instant`](std::time::Instant)) and datagrams
//!   ([`Endpoint::handle`]), collects datagrams to send
//!   ([`Endpoint::poll_transmit`]), and calls [`Endpoint::handle_timeout`]
//!   at [`Endpoint::poll_timeout`]. No clock, socket or random source
//!   inside: randomness is a seed in [`EndpointConfig`]. That is what makes
//!   the lossy-link tests deterministic.
//! - [`cc`]: congestion control behind a trait (NewReno, CUBIC, a
//!   loss-filtered BBR-style controller, the default); [`rtt`]: RTT and RTO
//!   estimation; [`impair`]: a seeded impaired-link model shared by the
//!   simulation tests and `wirelab link`.
//! - [`driver`]: the tokio edge: a UDP socket, an async [`driver::Endpoint`]
//!   with `connect`/`accept`, and [`driver::Connection`] with stream
//!   `read`/`write` and `send_message`/`recv_message`. Socket I/O is
//!   batched through `quinn-udp`: runs of full-size datagrams leave in one
//!   `sendmsg` with UDP GSO, and `recvmmsg` with UDP GRO reads many at once.
//!
//! # Guarantees
//!
//! Bytes are delivered exactly once, in order, through loss, reordering,
//! duplication, corruption (CRC32C) and delay. Packet numbers are never
//! reused, so every acknowledgement names one transmission and every RTT
//! sample is unambiguous. A server keeps no state for a client until the
//! client has proven it receives at its address (stateless cookie), and
//! never answers an unproven client with more than three times the bytes it
//! received.
//!
//! # Wire format (version 1)
//!
//! Every datagram is one packet: a 24-byte header and zero or more frames.
//! Integers are big-endian; `varint` is QUIC's variable-length integer
//! (RFC 9000 §16: the two top bits of the first byte give the length, 1, 2,
//! 4 or 8 bytes).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +---------------+---------------+---------------+---------------+
//! |  magic 0x52   |  version (1)  |  packet type  |  reserved (0) |
//! +---------------+---------------+---------------+---------------+
//! |          CRC32C of the whole packet, this field as zero       |
//! +---------------------------------------------------------------+
//! |                                                               |
//! +               destination connection id (64)                 +
//! |                                                               |
//! +---------------------------------------------------------------+
//! |                                                               |
//! +                     packet number (64)                        +
//! |                                                               |
//! +---------------------------------------------------------------+
//! |                        frames ...                             |
//! ```
//!
//! Packet types: 1 SYN (client → server, destination id 0, a SYN frame,
//! padded to at least 200 bytes), 2 SYN-ACK (server → client, destination =
//! client's id, a SYN-ACK frame), 3 DATA (everything after the handshake),
//! 4 RST (abort, no frames). Other values are kept as `Unknown(n)`.
//!
//! Packet numbers start at 0 in each direction and grow by one for every
//! packet sent, retransmissions included.
//!
//! Frames, each a type byte and a body:
//!
//! | type | name | body |
//! |---|---|---|
//! | 0x00 | PADDING | none (a run of zero bytes) |
//! | 0x01 | ACK | largest varint, ack delay µs varint, range count varint, first range length varint, then per range: gap varint, length varint (RFC 9000 §19.3) |
//! | 0x02 | STREAM | offset varint, length varint, data |
//! | 0x03 | STREAM+FIN | as STREAM; the stream ends after this data |
//! | 0x04 | MAX_DATA | varint: the highest stream offset the peer may send |
//! | 0x05 | PING | none; asks for an ACK (keep-alive, probes) |
//! | 0x06 | CLOSE | code varint, reason length varint, reason (UTF-8) |
//! | 0x07 | SYN | client connection id u64, initial window varint |
//! | 0x08 | SYN-ACK | server connection id u64, initial window varint, cookie (bucket u32, MAC 16 bytes) |
//! | 0x09 | COOKIE-ECHO | client connection id u64, initial window varint, cookie (20 bytes) |
//!
//! An unknown frame type ends parsing and is kept as `Unknown` with the
//! rest of the packet.
//!
//! Handshake: client SYN → server SYN-ACK (stateless: the server id is
//! derived from the cookie) → client DATA packets carrying COOKIE-ECHO
//! until the server acknowledges one; the first valid echo creates the
//! server's connection. ACK frames repeat up to 128 ranges, so a lost ACK
//! costs nothing. Graceful close: FIN on the stream, then CLOSE; the
//! closing side lingers three PTOs answering stray packets with CLOSE.
//!
//! # Loss recovery
//!
//! RACK-style detection (RFC 8985, RFC 9002 §6.1): a packet is lost once
//! a packet sent `k` later is acknowledged (`k` starts at 3) or once it is
//! older than `t × max(srtt, latest_rtt)` (`t` starts at 9/8); a spurious
//! loss (acknowledged after being declared lost) widens both. Probe
//! timeouts (RFC 9002 §6.2) send probes without declaring loss; the RFC 6298
//! retransmission timeout declares everything outstanding lost, backs off
//! and collapses the window. Retransmissions are new packets, so a lost
//! retransmission is detected like any other loss.
//!
//! # Congestion control
//!
//! The default controller ([`cc::Bbr`]) models the path (windowed max of
//! delivery rate, windowed min of RTT) and paces at that rate, so it does
//! not back off on loss. Its bandwidth samples count lost bytes as carried
//! while the RTT shows no standing queue: random loss does not lower the
//! rate, congestive loss (with a queue) does. Its window adds, as BBR's
//! draft does, an allowance for ACKs arriving in bursts and three send
//! quanta, so sub-millisecond RTTs do not leave it with a few packets in
//! flight. NewReno and CUBIC are there
//! for comparison (`Config::congestion`).
//!
//! # Measuring
//!
//! `tests/netsim.rs` runs 10 MiB transfers over the impairment model on a
//! virtual clock; `scripts/bench-rudp` compares goodput with quinn through
//! `wirelab link` on loopback, using the `rudp-send`/`rudp-recv` examples.
#![warn(missing_docs)]

pub mod cc;
pub mod connection;
pub mod driver;
pub mod endpoint;
pub mod impair;
pub mod range_set;
pub mod rtt;
pub mod stats;
pub mod wire;

pub use cc::Algorithm;
pub use connection::{CloseReason, Config, Connection, Event, Side};
pub use endpoint::{ConnectionHandle, Endpoint, EndpointConfig, EndpointStats};
pub use stats::Stats;

use std::net::SocketAddr;

/// A datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Where to.
    pub destination: SocketAddr,
    /// The UDP payload.
    pub contents: Vec<u8>,
}

/// Errors of this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The packet ended inside a field.
    #[error("truncated packet: {what} at offset {offset}")]
    Truncated {
        /// The field.
        what: &'static str,
        /// Byte offset in the packet.
        offset: usize,
    },
    /// A field holds an impossible value.
    #[error("malformed packet: {what} at offset {offset}")]
    Malformed {
        /// The field.
        what: &'static str,
        /// Byte offset in the packet.
        offset: usize,
    },
    /// The first byte is not RUDP's magic.
    #[error("not an RUDP packet: magic byte 0x{0:02x} at offset 0 (expected 0x52)")]
    BadMagic(u8),
    /// A version this crate does not speak.
    #[error("unsupported RUDP version {0} at offset 1")]
    UnsupportedVersion(u8),
    /// The checksum does not match.
    #[error("bad CRC32C checksum at offset 4: packet says 0x{found:08x}, contents give 0x{expected:08x}")]
    BadChecksum {
        /// Computed.
        expected: u32,
        /// In the packet.
        found: u32,
    },
    /// Writing after `finish`, or on a closed connection.
    #[error("stream closed for writing")]
    StreamClosed,
    /// The connection closed.
    #[error("connection closed: {0}")]
    ConnectionClosed(String),
    /// A message larger than the framing allows.
    #[error("message of {0} bytes exceeds the {max} byte limit", max = driver::MAX_MESSAGE)]
    MessageTooLarge(usize),
    /// Socket error in the driver.
    #[error("socket error: {0}")]
    Io(String),
}
