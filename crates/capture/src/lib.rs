//! wirelab's live capture: one `AF_PACKET` socket per interface, each with a
//! memory-mapped TPACKET_V3 ring, in the caller's network namespace or in a
//! named one (`NETNS/IF`), and a pcapng file writer that holds them all.
//!
//! Layering: above `wirelab-pcap` (whose [`wirelab_pcap::Writer`] writes the
//! file), below the lab and the CLI. This crate does I/O: sockets, the ring
//! shared with the kernel, files and the clock. Every `unsafe` block lives in
//! one private module (`ring`) with a `SAFETY` comment.
//!
//! The lab's way: [`Recording`] runs a capture on a thread of its own.
//!
//! ```no_run
//! use wirelab_capture::{IfSpec, Options, Recording};
//! # fn main() -> Result<(), wirelab_capture::Error> {
//! let specs: Vec<IfSpec> = vec!["lab-client/veth0".parse()?, "lab-server/veth1".parse()?];
//! let rec = Recording::start(&specs, &Options::default(), "lab.pcapng".as_ref())?;
//! let phase = rec.marker();
//! phase.mark("DHCP"); // a comment on the next packet captured
//! // … run the scenario …
//! let summary = rec.stop()?; // file renamed into place, kernel counters
//! # let _ = summary; Ok(()) }
//! ```
//!
//! Or drive a [`Capture`] with a [`Sink`] of your own:
//!
//! ```no_run
//! use std::sync::atomic::AtomicBool;
//! use wirelab_capture::{Capture, IfSpec, Options, PcapngFile};
//! # fn main() -> Result<(), wirelab_capture::Error> {
//! let specs: Vec<IfSpec> = vec!["lab-client/veth0".parse()?];
//! let mut cap = Capture::open(&specs, &Options::default())?;
//! let mut file = PcapngFile::create("lab.pcapng".as_ref(), cap.interfaces())?;
//! let marker = file.marker(); // clone into the scenario: marker.mark("DHCP")
//! let stop = AtomicBool::new(false);
//! cap.run(&stop, None, &mut file)?;
//! file.finish()?;
//! # Ok(()) }
//! ```
//!
//! Guarantees: timestamps are the kernel's receive times in nanoseconds
//! (CLOCK_REALTIME); packets of several interfaces are delivered in
//! timestamp order (each is held two block timeouts, 120 ms by default, so
//! that every ring has handed over what arrived before it); a file being written is a temporary
//! file until [`PcapngFile::finish`] renames it into place, so a crash never
//! leaves a half-written capture under the final name; kernel drop counters
//! (PACKET_STATISTICS) are accumulated per interface.
#![warn(missing_docs)]

mod file;
mod record;
mod ring;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;
use std::ops::ControlFlow;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub use file::{Marker, PcapngFile};
pub use record::{Recording, Summary};

/// Errors of live capture.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No interface of that name (in that namespace).
    #[error("interface {iface} not found")]
    InterfaceNotFound {
        /// The interface as given (`NETNS/IF` or `IF`).
        iface: String,
    },
    /// No network namespace of that name under /run/netns.
    #[error("network namespace {netns} not found (no /run/netns/{netns}; create it with `ip netns add {netns}`)")]
    NamespaceNotFound {
        /// The namespace name.
        netns: String,
    },
    /// Entering the namespace failed for another reason.
    #[error("cannot enter network namespace {netns}: {error}")]
    Namespace {
        /// The namespace name.
        netns: String,
        /// The system error.
        error: std::io::Error,
    },
    /// The process may not capture.
    #[error("permission denied {what}: capturing needs root or CAP_NET_RAW (and CAP_SYS_ADMIN to enter another network namespace)")]
    PermissionDenied {
        /// What was refused.
        what: String,
    },
    /// The interface's link layer is not one this crate writes.
    #[error("interface {iface} has hardware type {hatype}, which wirelab cannot capture (Ethernet, loopback and raw IP only)")]
    UnsupportedLink {
        /// The interface.
        iface: String,
        /// Its ARPHRD_* type.
        hatype: u16,
    },
    /// A step of setting up the socket or its ring failed.
    #[error("cannot set up capture on {iface}: {what} failed: {error}")]
    Setup {
        /// The interface.
        iface: String,
        /// The step (`PACKET_RX_RING`, `mmap`, `bind`…).
        what: &'static str,
        /// The system error.
        error: std::io::Error,
    },
    /// An interface spec that cannot name an interface.
    #[error("invalid interface {0:?}: expected IF or NETNS/IF")]
    BadSpec(String),
    /// Bad options (ring geometry).
    #[error("invalid capture options: {0}")]
    BadOptions(String),
    /// Waiting for packets failed.
    #[error("poll failed: {0}")]
    Poll(std::io::Error),
    /// Writing the capture file failed.
    #[error("cannot write {path}: {error}")]
    Write {
        /// The file.
        path: String,
        /// What failed.
        error: std::io::Error,
    },
    /// The pcapng writer refused a record.
    #[error("cannot write {path}: {error}")]
    Pcap {
        /// The file.
        path: String,
        /// What failed.
        error: wirelab_pcap::Error,
    },
    /// A sink's own error (e.g. the printer's output closed).
    #[error("{0}")]
    Sink(String),
}

/// An interface to capture on: `IF`, or `NETNS/IF` for an interface inside
/// the network namespace `/run/netns/NETNS`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IfSpec {
    /// The namespace, if not the caller's.
    pub netns: Option<String>,
    /// The interface name.
    pub name: String,
}

impl FromStr for IfSpec {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let (netns, name) = match s.split_once('/') {
            Some((ns, name)) => (Some(ns.to_string()), name),
            None => (None, s),
        };
        if netns.as_deref().is_some_and(|n| n.is_empty()) || !ring::valid_ifname(name) {
            return Err(Error::BadSpec(s.to_string()));
        }
        if name.contains('/') {
            return Err(Error::BadSpec(s.to_string()));
        }
        Ok(IfSpec {
            netns,
            name: name.to_string(),
        })
    }
}

impl fmt::Display for IfSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.netns {
            Some(ns) => write!(f, "{ns}/{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// Which packets of an interface to keep.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Direction {
    /// Received packets only (the kernel skips outgoing ones:
    /// `PACKET_IGNORE_OUTGOING`).
    In,
    /// Sent packets only.
    Out,
    /// Both (loopback: each packet once, as received, as libpcap does).
    #[default]
    Both,
}

impl FromStr for Direction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "in" => Ok(Direction::In),
            "out" => Ok(Direction::Out),
            "both" | "inout" => Ok(Direction::Both),
            _ => Err(format!("invalid direction {s:?}: expected in, out or both")),
        }
    }
}

/// Capture options.
#[derive(Clone, Debug)]
pub struct Options {
    /// Which packets to keep.
    pub direction: Direction,
    /// Put the interfaces in promiscuous mode (for as long as the capture).
    pub promiscuous: bool,
    /// Bytes kept of each packet (0: all; the kernel still caps a packet at
    /// the block size).
    pub snaplen: u32,
    /// Ring block size in bytes (a power of two, at least the page size).
    pub block_size: u32,
    /// Blocks per ring.
    pub block_count: u32,
    /// How long the kernel keeps a block that is not full before handing
    /// it over (the latency of a live packet list).
    pub block_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            direction: Direction::Both,
            promiscuous: false,
            snaplen: 0,
            block_size: 1 << 20,
            block_count: 16,
            block_timeout: Duration::from_millis(50),
        }
    }
}

/// What is known of an open interface.
#[derive(Clone, Debug)]
pub struct InterfaceInfo {
    /// The spec it was opened with.
    pub spec: IfSpec,
    /// Interface index in its namespace.
    pub ifindex: i32,
    /// pcap link type (1 Ethernet, 101 raw IP).
    pub linktype: u32,
    /// Hardware address.
    pub mac: [u8; 6],
    /// MTU.
    pub mtu: u32,
    /// Whether it is a loopback device.
    pub loopback: bool,
}

impl InterfaceInfo {
    /// A one-line description for the pcapng `if_description`.
    pub fn description(&self) -> String {
        let m = self.mac;
        let kind = if self.loopback {
            "loopback".to_string()
        } else {
            format!(
                "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
                m[0], m[1], m[2], m[3], m[4], m[5]
            )
        };
        let ns = match &self.spec.netns {
            Some(ns) => format!("network namespace {ns}"),
            None => "the capturing process's network namespace".to_string(),
        };
        format!(
            "{} in {ns} (ifindex {}, mtu {}, {kind})",
            self.spec.name, self.ifindex, self.mtu
        )
    }
}

/// Per-interface counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IfStats {
    /// Packets the kernel received for the socket (PACKET_STATISTICS
    /// `tp_packets`, drops included).
    pub received: u64,
    /// Packets the kernel dropped because the ring was full.
    pub dropped: u64,
    /// Packets handed to the sink.
    pub delivered: u64,
    /// Times the socket reported an error, e.g. "network is down" when the
    /// interface went down or was removed (the capture goes on).
    pub link_errors: u64,
}

/// One captured packet.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    /// Index of its interface in [`Capture::interfaces`].
    pub iface: usize,
    /// Receive time, seconds since the Unix epoch.
    pub ts_secs: i64,
    /// Receive time, nanoseconds.
    pub ts_nanos: u32,
    /// Length on the wire.
    pub orig_len: u32,
    /// Whether the host sent it.
    pub outgoing: bool,
    /// The captured bytes (link layer first; a VLAN tag the NIC stripped
    /// is put back).
    pub data: &'a [u8],
}

/// Where captured packets go.
pub trait Sink {
    /// Takes one packet; `Break` stops the capture.
    fn packet(&mut self, frame: &Frame<'_>) -> Result<ControlFlow<()>, Error>;
    /// Called after every wait for packets (at least every 100 ms), e.g.
    /// to flush a file.
    fn idle(&mut self) -> Result<(), Error> {
        Ok(())
    }
}

impl<F> Sink for F
where
    F: FnMut(&Frame<'_>) -> ControlFlow<()>,
{
    fn packet(&mut self, frame: &Frame<'_>) -> Result<ControlFlow<()>, Error> {
        Ok(self(frame))
    }
}

/// An open capture: one bound socket and ring per interface.
pub struct Capture {
    rings: Vec<ring::Ring>,
    infos: Vec<InterfaceInfo>,
    stats: Vec<IfStats>,
    opts: Options,
    /// Packets of several interfaces, merged by time before delivery.
    pending: BinaryHeap<Reverse<Held>>,
    seq: u64,
}

impl Capture {
    /// Opens every interface (each in its namespace) and starts capturing:
    /// packets queue in the rings from here on.
    pub fn open(specs: &[IfSpec], opts: &Options) -> Result<Capture, Error> {
        if specs.is_empty() {
            return Err(Error::BadOptions("no interface given".into()));
        }
        let page = 4096u32;
        if !opts.block_size.is_power_of_two() || opts.block_size < page {
            return Err(Error::BadOptions(format!(
                "block size {} is not a power of two of at least {page}",
                opts.block_size
            )));
        }
        if opts.block_count == 0 || opts.block_count > 1024 {
            return Err(Error::BadOptions(format!(
                "block count {} is not within 1..=1024",
                opts.block_count
            )));
        }
        let cfg = ring::RingConfig {
            block_size: opts.block_size,
            block_count: opts.block_count,
            retire_ms: opts.block_timeout.as_millis().clamp(1, 10_000) as u32,
            ignore_outgoing: opts.direction == Direction::In,
            promiscuous: opts.promiscuous,
        };
        let mut rings = Vec::with_capacity(specs.len());
        let mut infos = Vec::with_capacity(specs.len());
        for spec in specs {
            let (r, facts) = ring::Ring::open(spec, cfg)?;
            rings.push(r);
            infos.push(InterfaceInfo {
                spec: spec.clone(),
                ifindex: facts.ifindex,
                linktype: if facts.hatype == ring::ARPHRD_NONE {
                    101
                } else {
                    1
                },
                mac: facts.mac,
                mtu: facts.mtu,
                loopback: facts.hatype == ring::ARPHRD_LOOPBACK,
            });
        }
        Ok(Capture {
            stats: vec![IfStats::default(); rings.len()],
            rings,
            infos,
            opts: opts.clone(),
            pending: BinaryHeap::new(),
            seq: 0,
        })
    }

    /// The open interfaces, in the order given to [`Capture::open`].
    pub fn interfaces(&self) -> &[InterfaceInfo] {
        &self.infos
    }

    /// Counters per interface (kernel counters read now and added up).
    pub fn stats(&mut self) -> Vec<IfStats> {
        for (r, s) in self.rings.iter().zip(self.stats.iter_mut()) {
            if let Ok((p, d)) = r.statistics() {
                s.received += p;
                s.dropped += d;
            }
        }
        self.stats.clone()
    }

    /// Delivers packets to `sink` until `stop` is set (a signal handler may
    /// set it), `deadline` passes, or the sink answers `Break`. When stopped
    /// by the flag or the deadline, packets the kernel still holds in
    /// partly filled blocks are collected first (up to two block timeouts).
    pub fn run(
        &mut self,
        stop: &AtomicBool,
        deadline: Option<Instant>,
        sink: &mut dyn Sink,
    ) -> Result<(), Error> {
        let fds: Vec<_> = self.rings.iter().map(|r| r.fd()).collect();
        let mut scratch = Vec::new();
        let mut draining: Option<Instant> = None;
        loop {
            let now = Instant::now();
            if draining.is_none()
                && (stop.load(Ordering::Relaxed) || deadline.is_some_and(|d| now >= d))
            {
                draining = Some(now + 2 * self.opts.block_timeout + Duration::from_millis(10));
            }
            if let Some(until) = draining {
                if now >= until {
                    // What the kernel still holds in partly filled blocks:
                    // stop it writing, let a copy in flight land, then read
                    // every block left (bounded by the ring sizes).
                    for r in self.rings.iter_mut() {
                        let _ = r.detach();
                    }
                    std::thread::sleep(Duration::from_millis(5));
                    let most = self
                        .rings
                        .iter()
                        .map(|r| r.block_count())
                        .max()
                        .unwrap_or(0);
                    for _ in 0..=most {
                        match self.deliver_ready(sink, &mut scratch)? {
                            Delivered::Stop => return Ok(()),
                            Delivered::None => break,
                            Delivered::Some => {}
                        }
                    }
                    let _ = self.release(sink, None)?;
                    return Ok(());
                }
            }
            let got = self.deliver_ready(sink, &mut scratch)?;
            if matches!(got, Delivered::Stop) || self.release(sink, Some(self.hold()))?.is_break() {
                return Ok(());
            }
            if matches!(got, Delivered::Some) {
                continue;
            }
            let mut wait = Duration::from_millis(100);
            if !self.pending.is_empty() {
                wait = wait.min(Duration::from_millis(10));
            }
            if let Some(d) = draining.or(deadline) {
                wait = wait.min(d.saturating_duration_since(now));
            }
            let errs =
                ring::poll_readable(&fds, wait.as_millis().max(1) as i32).map_err(Error::Poll)?;
            for i in errs {
                // Reading the error clears it; otherwise poll would report
                // it again at once and this loop would spin.
                if let (Some(r), Some(st)) = (self.rings.get(i), self.stats.get_mut(i)) {
                    if r.take_error().is_some() {
                        st.link_errors += 1;
                    }
                }
            }
            sink.idle()?;
        }
    }

    /// How long packets of several interfaces wait to be merged: a packet
    /// is in a retired block at most one block timeout after it arrived.
    fn hold(&self) -> Duration {
        2 * self.opts.block_timeout + Duration::from_millis(20)
    }

    /// Delivers the held packets older than `hold` (all with `None`), in
    /// time order.
    fn release(
        &mut self,
        sink: &mut dyn Sink,
        hold: Option<Duration>,
    ) -> Result<ControlFlow<()>, Error> {
        let limit = match hold {
            None => u64::MAX,
            Some(h) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default();
                now.saturating_sub(h).as_nanos().min(u128::from(u64::MAX)) as u64
            }
        };
        while self.pending.peek().is_some_and(|h| h.0.ts <= limit) {
            let Some(Reverse(h)) = self.pending.pop() else {
                break;
            };
            let frame = Frame {
                iface: h.iface,
                ts_secs: (h.ts / 1_000_000_000) as i64,
                ts_nanos: (h.ts % 1_000_000_000) as u32,
                orig_len: h.orig_len,
                outgoing: h.outgoing,
                data: &h.data,
            };
            if let Some(s) = self.stats.get_mut(h.iface) {
                s.delivered += 1;
            }
            if sink.packet(&frame)?.is_break() {
                self.pending.clear();
                return Ok(ControlFlow::Break(()));
            }
        }
        Ok(ControlFlow::Continue(()))
    }

    /// Hands over every block the kernel has retired (one per ring),
    /// packets merged by time, and gives the blocks back.
    fn deliver_ready(
        &mut self,
        sink: &mut dyn Sink,
        scratch: &mut Vec<u8>,
    ) -> Result<Delivered, Error> {
        let mut order: Vec<(u64, usize, usize)> = Vec::new();
        let mut stopped = false;
        // Which rings had a block to read: only those are given back. A
        // ring whose block the kernel retires while this one is being
        // handled keeps it for the next call (giving it back now would
        // drop a whole block of packets unread).
        let read: Vec<bool>;
        {
            let blocks: Vec<Option<&[u8]>> = self.rings.iter().map(|r| r.ready_block()).collect();
            read = blocks.iter().map(Option::is_some).collect();
            let lists: Vec<Vec<ring::RawPacket<'_>>> = blocks
                .iter()
                .map(|b| b.map(|b| ring::packets(b).collect()).unwrap_or_default())
                .collect();
            for (ri, l) in lists.iter().enumerate() {
                for (k, p) in l.iter().enumerate() {
                    let ts = u64::from(p.sec) * 1_000_000_000 + u64::from(p.nsec);
                    order.push((ts, ri, k));
                }
            }
            // Packets of one ring keep their order on equal times.
            order.sort_unstable();
            for &(_, ri, k) in &order {
                let Some(p) = lists.get(ri).and_then(|l| l.get(k)).copied() else {
                    continue;
                };
                let info = &self.infos[ri];
                let outgoing = p.pkttype == libc::PACKET_OUTGOING;
                let keep = match self.opts.direction {
                    Direction::In => !outgoing,
                    Direction::Out => outgoing,
                    // Loopback shows each packet twice (sent, then
                    // received): keep the received copy.
                    Direction::Both => !(info.loopback && outgoing),
                };
                if !keep {
                    continue;
                }
                let mut data = p.data;
                let mut orig = p.len;
                if p.status & libc::TP_STATUS_VLAN_VALID != 0
                    && info.linktype == 1
                    && data.len() >= 12
                {
                    // Put back the 802.1Q tag the NIC took off.
                    let tpid = if p.status & libc::TP_STATUS_VLAN_TPID_VALID != 0 {
                        p.vlan_tpid
                    } else {
                        0x8100
                    };
                    scratch.clear();
                    scratch.extend_from_slice(&data[..12]);
                    scratch.extend_from_slice(&tpid.to_be_bytes());
                    scratch.extend_from_slice(&(p.vlan_tci as u16).to_be_bytes());
                    scratch.extend_from_slice(&data[12..]);
                    data = &scratch[..];
                    orig = orig.saturating_add(4);
                }
                if self.opts.snaplen != 0 && data.len() > self.opts.snaplen as usize {
                    data = &data[..self.opts.snaplen as usize];
                }
                let frame = Frame {
                    iface: ri,
                    ts_secs: i64::from(p.sec),
                    ts_nanos: p.nsec,
                    orig_len: orig,
                    outgoing,
                    data,
                };
                if self.rings.len() > 1 {
                    // Held until every ring has shown what came before.
                    let ts = u64::from(p.sec) * 1_000_000_000 + u64::from(p.nsec);
                    self.seq += 1;
                    self.pending.push(Reverse(Held {
                        ts,
                        seq: self.seq,
                        iface: ri,
                        orig_len: orig,
                        outgoing,
                        data: data.to_vec(),
                    }));
                    continue;
                }
                self.stats[ri].delivered += 1;
                if sink.packet(&frame)?.is_break() {
                    stopped = true;
                    break;
                }
            }
        }
        for (r, _) in self.rings.iter_mut().zip(&read).filter(|(_, &was)| was) {
            r.release_block();
        }
        Ok(if stopped {
            Delivered::Stop
        } else if read.contains(&true) {
            Delivered::Some
        } else {
            Delivered::None
        })
    }
}

/// A packet of a multi-interface capture waiting for the merge.
struct Held {
    ts: u64,
    seq: u64,
    iface: usize,
    orig_len: u32,
    outgoing: bool,
    data: Vec<u8>,
}

impl PartialEq for Held {
    fn eq(&self, o: &Self) -> bool {
        (self.ts, self.seq) == (o.ts, o.seq)
    }
}
impl Eq for Held {}
impl PartialOrd for Held {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Held {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.ts, self.seq).cmp(&(o.ts, o.seq))
    }
}

enum Delivered {
    None,
    Some,
    Stop,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_specs() {
        let s: IfSpec = "ns1/veth0".parse().unwrap();
        assert_eq!(s.netns.as_deref(), Some("ns1"));
        assert_eq!(s.name, "veth0");
        assert_eq!(s.to_string(), "ns1/veth0");
        let s: IfSpec = "lo".parse().unwrap();
        assert_eq!((s.netns, s.name.as_str()), (None, "lo"));
        for bad in ["", "/lo", "ns/", "a/b/c", "x/0123456789abcdefg"] {
            assert!(bad.parse::<IfSpec>().is_err(), "{bad}");
        }
    }

    #[test]
    fn missing_namespace_and_interface_are_named() {
        let e = Capture::open(
            &["no-such-ns-wirelab/eth0".parse().unwrap()],
            &Options::default(),
        )
        .err()
        .unwrap();
        assert!(e.to_string().contains("no-such-ns-wirelab"), "{e}");
        assert!(matches!(e, Error::NamespaceNotFound { .. }));
    }

    #[test]
    fn bad_geometry_is_refused() {
        let o = Options {
            block_size: 5000,
            ..Options::default()
        };
        assert!(matches!(
            Capture::open(&["lo".parse().unwrap()], &o),
            Err(Error::BadOptions(_))
        ));
    }
}
