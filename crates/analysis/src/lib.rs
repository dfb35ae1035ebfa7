//! Cross-packet analysis over dissected packets: tshark's `-z` statistics
//! (conversations, endpoints, protocol hierarchy, I/O, expert, follow
//! stream, DNS/HTTP/DHCP trees, flow graph).
//!
//! Layering: above `wirelab-dissect` (which already keeps the per-frame
//! conversation state tshark shows as fields: `tcp.stream`, TCP analysis,
//! reassembly, request/response matching) and below `wirelab-print`. No I/O
//! other than writing a finished statistic to a `std::io::Write`; no clock.
//!
//! Every statistic is a [`Tap`]: it is fed each dissected packet, in capture
//! order, and prints its table when the capture ends. [`tap`] builds one from
//! a `-z` argument as tshark spells it. Taps see every packet the read filter
//! keeps, whatever the display filter (`-Y`) shows, as in tshark.
//!
//! Statistics, each printing tshark 4.0's numbers in its layout: `io,phs`,
//! `io,stat`, `conv,TYPE` and `endpoints,TYPE` (eth, ip, ipv6, tcp, udp),
//! `expert`, `follow,tcp|udp,ascii|hex|raw,…` and `dhcp,stat`. Counting a
//! packet allocates nothing once a key has been seen (keys are small
//! fixed-size values, buffers are reused), so a tap's memory grows with the
//! number of conversations, endpoints or intervals, not with the packets.
//!
//! Also Wireshark's stats trees (`dns,tree`, `http,tree`, `http_req,tree`,
//! `http_srv,tree`, with count, average, min, max, rate, percent and burst
//! columns) and `follow,http,…` (headers, then de-chunked and decompressed
//! bodies). A tree's memory grows with its distinct names (hosts, URIs).
#![warn(missing_docs)]

use std::io;

use wirelab_dissect::{FieldRef, Packet};

mod conv;
mod dhcp;
mod dnstree;
mod expert;
pub mod flow;
mod follow;
mod httptree;
mod iostat;
mod phs;
pub mod report;
mod sttree;
mod util;

/// What went wrong building a statistic.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The `-z` argument is not one wirelab knows or is malformed.
    #[error("invalid -z argument \"{spec}\": {reason}")]
    BadSpec {
        /// The argument as given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl Error {
    /// A `BadSpec` error for `spec`.
    pub fn bad_spec(spec: &str, reason: impl Into<String>) -> Self {
        Error::BadSpec {
            spec: spec.to_string(),
            reason: reason.into(),
        }
    }
}

/// Which parts of the tree a tap reads, so the dissector builds no more than
/// the taps and the output need.
#[derive(Debug, Clone)]
pub enum Want {
    /// Only these fields (columns, `frame.protocols` and expert items are
    /// always there).
    Fields(Vec<FieldRef>),
    /// The whole tree.
    All,
}

/// What a tap reads of a packet besides the fields of its [`Want`], so the
/// dissector can leave the rest out ([`Needs::ALL`] unless a tap says less).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    /// The packet-list columns (Protocol, Info, Source…).
    pub columns: bool,
    /// The protocols above TCP and UDP (their layers and fields). Without
    /// them dissection ends with the transport header and its stream state.
    pub app_layers: bool,
    /// Every protocol item and every top-level item of the tree (the layers
    /// a protocol hierarchy counts), whatever the wanted fields.
    pub layers: bool,
}

impl Needs {
    /// Everything: what a tap reads unless it says otherwise.
    pub const ALL: Needs = Needs {
        columns: true,
        app_layers: true,
        layers: true,
    };

    /// Nothing beyond the wanted fields.
    pub const NONE: Needs = Needs {
        columns: false,
        app_layers: false,
        layers: false,
    };

    /// What either of two readers needs.
    pub fn or(self, o: Needs) -> Needs {
        Needs {
            columns: self.columns || o.columns,
            app_layers: self.app_layers || o.app_layers,
            layers: self.layers || o.layers,
        }
    }
}

/// A statistic fed packet by packet.
pub trait Tap {
    /// The fields this tap reads.
    fn want(&self) -> Want;
    /// What else of a packet it reads (see [`Needs`]); everything unless a
    /// tap says less.
    fn needs(&self) -> Needs {
        Needs::ALL
    }
    /// Takes one dissected packet (`data` is the frame's captured bytes).
    fn packet(&mut self, pkt: &Packet, data: &[u8]);
    /// Prints the statistic after the last packet, in tshark's layout.
    fn finish(&mut self, out: &mut dyn io::Write) -> io::Result<()>;
}

/// Builds the tap for one `-z` argument (e.g. `conv,tcp`, `io,phs`).
pub fn tap(spec: &str) -> Result<Box<dyn Tap>, Error> {
    let mut parts = spec.splitn(3, ',');
    let name = parts.next().unwrap_or(spec);
    let second = parts.next().unwrap_or("");
    match (name, second) {
        ("io", "phs") => Ok(Box::new(phs::Phs::new(spec)?)),
        ("io", "stat") => Ok(Box::new(iostat::IoStat::new(spec)?)),
        ("conv", _) => Ok(Box::new(conv::Conv::new(spec, conv::Table::Conversations)?)),
        ("endpoints", _) => Ok(Box::new(conv::Conv::new(spec, conv::Table::Endpoints)?)),
        ("expert", _) => Ok(Box::new(expert::ExpertStat::new(spec)?)),
        ("follow", _) => Ok(Box::new(follow::Follow::new(spec)?)),
        ("dhcp", "stat") => Ok(Box::new(dhcp::DhcpStat::new(spec)?)),
        ("dns", "tree") => Ok(Box::new(dnstree::DnsTree::new(spec)?)),
        ("http" | "http_req" | "http_srv", "tree") => Ok(Box::new(httptree::HttpTree::new(spec)?)),
        ("flow", _) => Ok(Box::new(flow::FlowTap::new(spec)?)),
        _ => Err(Error::bad_spec(
            spec,
            "unknown statistic (wirelab knows: io,phs, io,stat, conv,TYPE, endpoints,TYPE, \
             expert, follow,PROTO,MODE,STREAM, dhcp,stat, dns,tree, http,tree, http_req,tree, \
             http_srv,tree, flow,TYPE,MODE)",
        )),
    }
}
