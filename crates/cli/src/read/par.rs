//! The parallel packet list of `wirelab read`: frames are dissected by
//! several worker threads, each with its own [`Dissector`] and so its own
//! capture state, and printed in frame order.
//!
//! The main thread reads the capture, gives each frame what only a reader of
//! every frame knows (its number, its time since the first and since the
//! previous frame), and sends batches of frames to every worker; each worker
//! dissects and formats the frames of its *shard* and hands back their text;
//! the main thread writes each batch's text in frame order with one write.
//! At most [`MAX_IN_FLIGHT`] batches are under way, so memory stays flat
//! whatever the size of the capture.
//!
//! A frame's shard is chosen so that every piece of state that spans frames
//! is kept by one worker ([`route`]): TCP and UDP frames by their
//! conversation (both endpoints, in either direction), which also keys TCP
//! analysis and reassembly, UDP streams, DNS transactions and HTTP, TLS and
//! RUDP conversations, except DNS over UDP, whose only state is its
//! transactions: by conversation and DNS ID; other IP frames (ICMP echo matching) by their pair of
//! addresses; ICMP errors by the conversation of the packet they quote (its
//! header goes through the TCP and UDP dissectors); IP-in-IP by the inner
//! packet; IPv4 fragments by the conversation of their datagram, learnt from
//! the fragment at offset 0 ([`Router`]); everything that is not IP (ARP's
//! address bindings among it) to shard 0.
//!
//! What cannot be split this way is never run here (see
//! [`super::parallel_ok`]): the stream indexes (`tcp.stream`, `udp.stream`)
//! are numbered over the whole capture, so output or filters that read them,
//! like the detail tree, JSON, statistics and `-w`, take the sequential path.

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::path::Path;
use std::sync::mpsc;
use std::sync::Arc;

use anyhow::{anyhow, Result};
use wirelab_dissect::proto::frame::Times;
use wirelab_dissect::{Dissector, FrameClock, FrameMeta, Packet};
use wirelab_filter::Filter;
use wirelab_print::FieldsPrinter;

/// Frames per batch (fewer when [`BATCH_BYTES`] is reached first).
const BATCH_FRAMES: usize = 256;
/// Captured bytes per batch, at most (a single larger frame excepted).
const BATCH_BYTES: usize = 512 << 10;
/// Batches read but not yet written, at most.
const MAX_IN_FLIGHT: usize = 8;

/// What each worker prints per frame.
pub(super) enum Print {
    /// The packet list line.
    List,
    /// `-T fields`: one printer per worker.
    Fields(Vec<FieldsPrinter>),
}

/// Everything a parallel run needs.
pub(super) struct Job {
    /// One dissector per worker, set up alike.
    pub dissectors: Vec<Dissector>,
    /// One display filter per worker, if any.
    pub filters: Option<Vec<Filter>>,
    /// What to print.
    pub print: Print,
    /// Stop after this many frames read.
    pub count: Option<u64>,
}

struct Frame {
    meta: FrameMeta,
    times: Times,
    start: usize,
    end: usize,
    route: Route,
    shard: u32,
}

#[derive(Default)]
struct Batch {
    frames: Vec<Frame>,
    data: Vec<u8>,
}

#[derive(Default)]
struct Out {
    buf: Vec<u8>,
    /// End of each of the worker's frames' text in `buf`, in frame order.
    ends: Vec<usize>,
}

struct Worker {
    dissector: Dissector,
    filter: Option<Filter>,
    fields: Option<FieldsPrinter>,
}

impl Worker {
    fn run(
        mut self,
        me: u32,
        rx: mpsc::Receiver<Arc<Batch>>,
        tx: mpsc::Sender<Out>,
        free: mpsc::Receiver<Out>,
    ) {
        let mut pkt = Packet::new();
        for batch in rx {
            let mut out = free.try_recv().unwrap_or_default();
            out.buf.clear();
            out.ends.clear();
            for f in batch.frames.iter().filter(|f| f.shard == me) {
                let data = batch.data.get(f.start..f.end).unwrap_or_default();
                self.dissector.dissect_at(f.meta, data, &mut pkt, f.times);
                let shown = self.filter.as_ref().is_none_or(|x| x.matches(&pkt, data));
                if shown {
                    // Writing into a Vec cannot fail.
                    let _ = match self.fields.as_mut() {
                        Some(p) => p.write(&pkt, data, &mut out.buf),
                        None => wirelab_print::list::write_line(&pkt, &mut out.buf),
                    };
                }
                out.ends.push(out.buf.len());
            }
            drop(batch);
            if tx.send(out).is_err() {
                break;
            }
        }
    }
}

/// The worker threads: `std::thread::available_parallelism()`, or
/// `WIRELAB_THREADS` when set (1: the sequential path).
pub(super) fn threads() -> Result<usize> {
    match std::env::var("WIRELAB_THREADS") {
        Ok(v) => match v.trim().parse::<usize>() {
            Ok(n) if (1..=256).contains(&n) => Ok(n),
            _ => Err(anyhow!(
                "invalid WIRELAB_THREADS \"{v}\": a number of threads from 1 to 256"
            )),
        },
        Err(_) => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// Reads `reader` to its end (or `job.count` frames) and writes each frame's
/// text to `out` in frame order. On a read error, what came before it is
/// written first.
pub(super) fn run(
    job: Job,
    reader: &mut wirelab_pcap::Reader,
    file: &Path,
    out: &mut impl Write,
) -> Result<()> {
    let n = job.dissectors.len();
    let mut filters: Vec<Option<Filter>> = match job.filters {
        Some(f) => f.into_iter().map(Some).collect(),
        None => (0..n).map(|_| None).collect(),
    };
    let mut printers: Vec<Option<FieldsPrinter>> = match job.print {
        Print::Fields(p) => p.into_iter().map(Some).collect(),
        Print::List => (0..n).map(|_| None).collect(),
    };
    if filters.len() != n || printers.len() != n {
        return Err(anyhow!("internal error: one filter and printer per worker"));
    }
    std::thread::scope(|scope| {
        let mut to_workers = Vec::with_capacity(n);
        let mut from_workers = Vec::with_capacity(n);
        let mut recycle = Vec::with_capacity(n);
        for (i, dissector) in job.dissectors.into_iter().enumerate() {
            let (btx, brx) = mpsc::channel::<Arc<Batch>>();
            let (otx, orx) = mpsc::channel::<Out>();
            let (ftx, frx) = mpsc::channel::<Out>();
            let w = Worker {
                dissector,
                filter: filters[i].take(),
                fields: printers[i].take(),
            };
            let me = i as u32;
            std::thread::Builder::new()
                .name(format!("dissect-{i}"))
                .spawn_scoped(scope, move || w.run(me, brx, otx, frx))
                .map_err(|e| anyhow!("cannot start a dissection thread: {e}"))?;
            to_workers.push(btx);
            from_workers.push(orx);
            recycle.push(ftx);
        }
        let mut p = Pipeline {
            to_workers,
            from_workers,
            recycle,
            in_flight: VecDeque::new(),
            free: Vec::new(),
            router: Router::default(),
            text: Vec::new(),
            n: n as u32,
        };
        // The workers stop when their channel closes: `p` is dropped on
        // every path out of here, before the scope joins them.
        let r = p.read_all(reader, file, job.count, out);
        let w = p.drain(out);
        drop(p);
        r.and(w)
    })
}

struct Pipeline {
    to_workers: Vec<mpsc::Sender<Arc<Batch>>>,
    from_workers: Vec<mpsc::Receiver<Out>>,
    recycle: Vec<mpsc::Sender<Out>>,
    in_flight: VecDeque<Arc<Batch>>,
    free: Vec<Batch>,
    router: Router,
    text: Vec<u8>,
    n: u32,
}

impl Pipeline {
    fn read_all(
        &mut self,
        reader: &mut wirelab_pcap::Reader,
        file: &Path,
        count: Option<u64>,
        out: &mut impl Write,
    ) -> Result<()> {
        let mut clock = FrameClock::new();
        let mut batch = Batch::default();
        let mut number = 0u64;
        let result = loop {
            if count.is_some_and(|c| number >= c) {
                break Ok(());
            }
            let p = match reader.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) => break Ok(()),
                Err(e) => break Err(anyhow!("{}: {e}", file.display())),
            };
            number += 1;
            let meta = super::meta_of(&p, number);
            let times = clock.times(&meta);
            let route = if meta.custom.is_some() {
                Route::Fixed
            } else {
                route(meta.linktype, p.data)
            };
            let start = batch.data.len();
            batch.data.extend_from_slice(p.data);
            batch.frames.push(Frame {
                meta,
                times,
                start,
                end: batch.data.len(),
                route,
                shard: 0,
            });
            if batch.frames.len() >= BATCH_FRAMES || batch.data.len() >= BATCH_BYTES {
                let next = self.free.pop().unwrap_or_default();
                self.dispatch(std::mem::replace(&mut batch, next), out)?;
            }
        };
        if !batch.frames.is_empty() {
            self.dispatch(batch, out)?;
        }
        result
    }

    fn dispatch(&mut self, mut batch: Batch, out: &mut impl Write) -> Result<()> {
        self.router.assign(&mut batch.frames, self.n);
        let batch = Arc::new(batch);
        for tx in &self.to_workers {
            tx.send(batch.clone())
                .map_err(|_| anyhow!("a dissection thread stopped"))?;
        }
        self.in_flight.push_back(batch);
        while self.in_flight.len() >= MAX_IN_FLIGHT {
            self.emit(out)?;
        }
        Ok(())
    }

    /// Writes the oldest batch's text, in frame order, with one write.
    fn emit(&mut self, out: &mut impl Write) -> Result<()> {
        let Some(batch) = self.in_flight.pop_front() else {
            return Ok(());
        };
        let mut outs = Vec::with_capacity(self.from_workers.len());
        for rx in &self.from_workers {
            outs.push(
                rx.recv()
                    .map_err(|_| anyhow!("a dissection thread stopped"))?,
            );
        }
        let mut next = vec![0usize; outs.len()];
        let mut pos = vec![0usize; outs.len()];
        self.text.clear();
        for f in &batch.frames {
            let w = f.shard as usize;
            let (Some(o), Some(k), Some(start)) = (outs.get(w), next.get_mut(w), pos.get_mut(w))
            else {
                return Err(anyhow!("internal error: frame sent to no worker"));
            };
            let Some(&end) = o.ends.get(*k) else {
                return Err(anyhow!("internal error: a worker skipped a frame"));
            };
            self.text
                .extend_from_slice(o.buf.get(*start..end).unwrap_or_default());
            *start = end;
            *k += 1;
        }
        out.write_all(&self.text)?;
        for (tx, o) in self.recycle.iter().zip(outs) {
            let _ = tx.send(o);
        }
        // Every worker has sent its text, so dropped its reference.
        if let Ok(mut b) = Arc::try_unwrap(batch) {
            b.frames.clear();
            b.data.clear();
            self.free.push(b);
        }
        Ok(())
    }

    fn drain(&mut self, out: &mut impl Write) -> Result<()> {
        while !self.in_flight.is_empty() {
            self.emit(out)?;
        }
        Ok(())
    }
}

/// Where a frame's cross-frame state lives, as far as its bytes tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Route {
    /// Not IP: one fixed shard.
    Fixed,
    /// A conversation (or address pair), hashed the same both ways.
    Flow(u64),
    /// An IPv4 fragment: `key` hashes its datagram's (src, dst, proto, id);
    /// `first` is the route of the datagram when this fragment is the one
    /// at offset 0 (it carries the transport header).
    Frag { key: u64, first: Option<u64> },
}

/// Gives each frame of a batch its shard. Remembers, for IPv4 datagrams,
/// the route of their first fragment, so that the other fragments follow
/// it to the worker that reassembles the datagram and dissects it whole.
#[derive(Default)]
struct Router {
    /// Fragment key → (frame number of the offset-0 fragment, its route).
    firsts: HashMap<u64, (u64, u64)>,
}

impl Router {
    fn assign(&mut self, frames: &mut [Frame], n: u32) {
        // Offset-0 fragments of this batch, to send a fragment that came
        // before its first one to the same worker.
        let mut ahead: HashMap<u64, Vec<(u64, u64)>> = HashMap::new();
        for f in frames.iter() {
            if let Route::Frag {
                key,
                first: Some(h),
            } = f.route
            {
                ahead.entry(key).or_default().push((f.meta.number, h));
            }
        }
        if self.firsts.len() > 1 << 16 {
            self.firsts.clear();
        }
        for f in frames.iter_mut() {
            let h = match f.route {
                Route::Fixed => {
                    f.shard = 0;
                    continue;
                }
                Route::Flow(h) => h,
                Route::Frag {
                    key,
                    first: Some(h),
                } => {
                    self.firsts.insert(key, (f.meta.number, h));
                    h
                }
                Route::Frag { key, first: None } => {
                    // The nearest first fragment, before or after.
                    let no = f.meta.number;
                    let before = self.firsts.get(&key).map(|&(at, h)| (no - at.min(no), h));
                    let after = ahead.get(&key).and_then(|v| {
                        v.iter()
                            .find(|&&(at, _)| at > no)
                            .map(|&(at, h)| (at - no, h))
                    });
                    match (before, after) {
                        (Some(b), Some(a)) => {
                            if a.0 < b.0 {
                                a.1
                            } else {
                                b.1
                            }
                        }
                        (Some(b), None) => b.1,
                        (None, Some(a)) => a.1,
                        (None, None) => key,
                    }
                }
            };
            f.shard = (h % n as u64) as u32;
        }
    }
}

fn be16(d: &[u8], at: usize) -> Option<u16> {
    let b = d.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

fn mix(x: u64) -> u64 {
    let x = (x ^ (x >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
    let x = (x ^ (x >> 33)).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

fn fold(a: u128) -> u64 {
    mix(a as u64 ^ mix((a >> 64) as u64))
}

/// The same for (a, pa, b, pb) and (b, pb, a, pa).
fn flow_hash(a: u128, pa: u16, b: u128, pb: u16) -> u64 {
    let x = fold(a) ^ (pa as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let y = fold(b) ^ (pb as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
    mix(lo ^ mix(hi))
}

fn v4(b: &[u8]) -> u128 {
    let mut a = [0u8; 4];
    a.copy_from_slice(b);
    // Kept apart from every IPv6 address but ::ffff:0:0/96, which is harmless:
    // two keys that hash alike only share a worker.
    u128::from(u32::from_be_bytes(a)) | 0xffff_0000_0000
}

fn v6(b: &[u8]) -> u128 {
    let mut a = [0u8; 16];
    a.copy_from_slice(b);
    u128::from_be_bytes(a)
}

/// The route of a frame of link type `linktype`, found the way the
/// dissectors find the network layer (crates/dissect/src/proto: eth, null,
/// sll, ip, ipv6, icmp, icmpv6).
pub(super) fn route(linktype: u32, d: &[u8]) -> Route {
    let r = match linktype {
        1 => be16(d, 12).and_then(|t| ethertype(t, d.get(14..)?)),
        0 | 108 => d.get(..4).and_then(|b| {
            let raw = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
            let family = if linktype == 108 || raw & 0xffff_0000 == 0 {
                raw
            } else {
                raw.swap_bytes()
            };
            match family {
                2 => ipv4(d.get(4..)?, 0),
                24 | 28 | 30 => ipv6(d.get(4..)?, 0),
                _ => None,
            }
        }),
        101 | 12 | 14 => match d.first().map(|b| b >> 4) {
            Some(4) => ipv4(d, 0),
            Some(6) => ipv6(d, 0),
            _ => None,
        },
        228 => ipv4(d, 0),
        229 => ipv6(d, 0),
        113 => match be16(d, 14) {
            Some(1 | 4) | None => None,
            Some(t) => ethertype(t, d.get(16..).unwrap_or_default()),
        },
        276 => be16(d, 0).and_then(|t| ethertype(t, d.get(20..)?)),
        _ => None,
    };
    r.unwrap_or(Route::Fixed)
}

fn ethertype(mut t: u16, mut d: &[u8]) -> Option<Route> {
    loop {
        match t {
            0x0800 => return ipv4(d, 0),
            0x86dd => return ipv6(d, 0),
            0x8100 | 0x88a8 | 0x9100 => {
                t = be16(d, 2)?;
                if t <= 1500 {
                    return None;
                }
                d = d.get(4..)?;
            }
            _ => return None,
        }
    }
}

/// Nesting of tunnels and quoted packets followed, at most.
const MAX_DEPTH: u8 = 8;

fn ipv4(d: &[u8], depth: u8) -> Option<Route> {
    let hl = usize::from(d.first()? & 0x0f) * 4;
    let (src, dst) = (v4(d.get(12..16)?), v4(d.get(16..20)?));
    let proto = *d.get(9)?;
    let flags = be16(d, 6)?;
    let total = usize::from(be16(d, 2)?);
    let payload = d.get(hl..total.max(hl).min(d.len())).unwrap_or_default();
    let more = flags & 0x2000 != 0;
    let offset = flags & 0x1fff;
    if more || offset != 0 {
        let id = be16(d, 4)?;
        let key = mix(fold(src) ^ mix(fold(dst) ^ (u64::from(proto) << 16 | u64::from(id))));
        let first = (offset == 0).then(|| transport(src, dst, proto, payload, depth));
        return Some(Route::Frag { key, first });
    }
    Some(Route::Flow(transport(src, dst, proto, payload, depth)))
}

fn ipv6(d: &[u8], depth: u8) -> Option<Route> {
    let (mut src, mut dst) = (v6(d.get(8..24)?), v6(d.get(24..40)?));
    let mut next = *d.get(6)?;
    let plen = usize::from(be16(d, 4)?);
    let total = if plen == 0 {
        d.len()
    } else {
        (40 + plen).min(d.len())
    };
    let d = d.get(..total)?;
    let mut off = 40;
    let mut fragmented = false;
    for _ in 0..16 {
        if !matches!(next, 0 | 43 | 60 | 44) {
            break;
        }
        let nh = *d.get(off)?;
        let len = if next == 44 {
            8
        } else {
            (usize::from(*d.get(off + 1)?) + 1) * 8
        };
        let ext = d.get(off..off + len)?;
        match next {
            44 => fragmented = be16(ext, 2)? != 0,
            43 => {
                if let Some(a) = final_destination(ext) {
                    dst = a;
                }
            }
            60 => {
                if let Some(a) = home_address(ext) {
                    src = a;
                }
            }
            _ => {}
        }
        next = nh;
        off += len;
    }
    // IPv6 fragments are not reassembled: no state, any worker will do.
    let payload = d.get(off..).unwrap_or_default();
    if fragmented {
        return Some(Route::Flow(flow_hash(src, 0, dst, 0)));
    }
    Some(Route::Flow(transport(src, dst, next, payload, depth)))
}

/// As `ipv6::final_destination`.
fn final_destination(ext: &[u8]) -> Option<u128> {
    let (kind, left) = (*ext.get(2)?, *ext.get(3)?);
    if left == 0 || !(kind == 0 || kind == 2) || ext.len() < 24 {
        return None;
    }
    let n = (ext.len() - 8) / 16;
    let at = 8 + (n - 1) * 16;
    Some(v6(ext.get(at..at + 16)?))
}

/// As `ipv6::home_address`.
fn home_address(ext: &[u8]) -> Option<u128> {
    let mut o = 2;
    while o < ext.len() {
        let t = *ext.get(o)?;
        if t == 0 {
            o += 1;
            continue;
        }
        let l = usize::from(*ext.get(o + 1)?);
        if t == 0xc9 && l == 16 && o + 18 <= ext.len() {
            return Some(v6(ext.get(o + 2..o + 18)?));
        }
        o += 2 + l;
    }
    None
}

/// The route of an IP payload of protocol `proto` between `src` and `dst`.
fn transport(src: u128, dst: u128, proto: u8, p: &[u8], depth: u8) -> u64 {
    let pair = || flow_hash(src, 0, dst, 0);
    let inner = |r: Option<Route>| match r {
        Some(Route::Flow(h)) => h,
        Some(Route::Frag { key, first }) => first.unwrap_or(key),
        _ => pair(),
    };
    match proto {
        6 | 17 => match (be16(p, 0), be16(p, 2)) {
            (Some(sp), Some(dp)) => {
                let h = flow_hash(src, sp, dst, dp);
                // DNS over UDP keeps state per transaction ID only (and the
                // UDP stream index, which this path never shows): its
                // transactions spread over the workers.
                match be16(p, 8) {
                    Some(id) if proto == 17 && dns_ports(sp, dp) => {
                        mix(h ^ u64::from(id).wrapping_mul(0x9e37_79b9_7f4a_7c15))
                    }
                    _ => h,
                }
            }
            _ => pair(),
        },
        // ICMP errors: the quoted packet goes through the dissectors.
        1 if depth < MAX_DEPTH && matches!(p.first(), Some(3 | 4 | 5 | 11 | 12)) => {
            inner(p.get(8..).and_then(|q| ipv4(q, depth + 1)))
        }
        58 if depth < MAX_DEPTH && matches!(p.first(), Some(1..=4)) => {
            inner(p.get(8..).and_then(|q| ipv6(q, depth + 1)))
        }
        4 if depth < MAX_DEPTH => inner(ipv4(p, depth + 1)),
        41 if depth < MAX_DEPTH => inner(ipv6(p, depth + 1)),
        _ => pair(),
    }
}

/// Whether UDP between these ports goes to the DNS dissector by port, as
/// `proto::udp_app` chooses: the lower port first, then the higher.
fn dns_ports(sp: u16, dp: u16) -> bool {
    let (lo, hi) = (sp.min(dp), sp.max(dp));
    let known = |p: u16| matches!(p, 53 | 5353 | 5355 | 67 | 68 | 137);
    let port = if known(lo) { lo } else { hi };
    matches!(port, 53 | 5353 | 5355)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip4(src: [u8; 4], dst: [u8; 4], proto: u8, flags: u16, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![
            0x45,
            0,
            0,
            0,
            0x12,
            0x34,
            (flags >> 8) as u8,
            flags as u8,
            64,
            proto,
            0,
            0,
        ];
        let total = (20 + payload.len()) as u16;
        v[2..4].copy_from_slice(&total.to_be_bytes());
        v.extend_from_slice(&src);
        v.extend_from_slice(&dst);
        v.extend_from_slice(payload);
        v
    }

    fn udp(sp: u16, dp: u16) -> Vec<u8> {
        let mut v = sp.to_be_bytes().to_vec();
        v.extend_from_slice(&dp.to_be_bytes());
        v.extend_from_slice(&[0, 8, 0, 0]);
        v
    }

    #[test]
    fn both_directions_of_a_conversation_route_alike() {
        let a = ip4([10, 0, 0, 1], [10, 0, 0, 2], 17, 0, &udp(5000, 80));
        let b = ip4([10, 0, 0, 2], [10, 0, 0, 1], 17, 0, &udp(80, 5000));
        let c = ip4([10, 0, 0, 1], [10, 0, 0, 2], 17, 0, &udp(5001, 80));
        assert_eq!(route(228, &a), route(228, &b));
        assert_ne!(route(228, &a), route(228, &c));
        assert!(matches!(route(228, &a), Route::Flow(_)));
    }

    #[test]
    fn dns_over_udp_routes_by_conversation_and_id() {
        let dns = |sp, dp, id: u16| {
            let mut u = udp(sp, dp);
            u.extend_from_slice(&id.to_be_bytes());
            ip4([10, 0, 0, 1], [10, 0, 0, 2], 17, 0, &u)
        };
        let reply = |sp, dp, id: u16| {
            let mut u = udp(sp, dp);
            u.extend_from_slice(&id.to_be_bytes());
            ip4([10, 0, 0, 2], [10, 0, 0, 1], 17, 0, &u)
        };
        assert_eq!(
            route(228, &dns(5000, 53, 7)),
            route(228, &reply(53, 5000, 7))
        );
        assert_ne!(route(228, &dns(5000, 53, 7)), route(228, &dns(5000, 53, 8)));
        // The lower port decides: 137 is NBNS, not mDNS.
        assert_eq!(
            route(228, &dns(137, 5353, 7)),
            route(228, &dns(137, 5353, 8))
        );
        assert_ne!(route(228, &dns(53, 67, 7)), route(228, &dns(53, 67, 8)));
    }

    #[test]
    fn icmp_errors_route_as_the_packet_they_quote() {
        let quoted = ip4([10, 0, 0, 1], [10, 0, 0, 2], 17, 0, &udp(5000, 53));
        let mut icmp = vec![3, 3, 0, 0, 0, 0, 0, 0];
        icmp.extend_from_slice(&quoted);
        let err = ip4([10, 0, 0, 9], [10, 0, 0, 1], 1, 0, &icmp);
        assert_eq!(route(228, &err), route(228, &quoted));
    }

    #[test]
    fn vlan_tags_and_non_ip_frames() {
        let ip = ip4([10, 0, 0, 1], [10, 0, 0, 2], 6, 0, &udp(80, 40000));
        let mut eth = vec![0u8; 12];
        eth.extend_from_slice(&[0x81, 0x00, 0, 5, 0x08, 0x00]);
        eth.extend_from_slice(&ip);
        assert_eq!(route(1, &eth), route(228, &ip));
        let mut arp = vec![0u8; 12];
        arp.extend_from_slice(&[0x08, 0x06, 0, 1]);
        assert_eq!(route(1, &arp), Route::Fixed);
        assert_eq!(route(1, &[1, 2, 3]), Route::Fixed);
    }

    #[test]
    fn fragments_follow_their_first_fragment_in_either_order() {
        let first = ip4([10, 0, 0, 1], [10, 0, 0, 2], 17, 0x2000, &udp(5000, 53));
        let last = ip4([10, 0, 0, 1], [10, 0, 0, 2], 17, 0x0003, &[0; 8]);
        let whole = ip4([10, 0, 0, 2], [10, 0, 0, 1], 17, 0, &udp(53, 5000));
        let frame = |number, r| Frame {
            meta: FrameMeta {
                number,
                ..Default::default()
            },
            times: Times::default(),
            start: 0,
            end: 0,
            route: r,
            shard: u32::MAX,
        };
        for order in [[&first, &last], [&last, &first]] {
            let mut frames = vec![
                frame(1, route(228, order[0])),
                frame(2, route(228, order[1])),
                frame(3, route(228, &whole)),
            ];
            Router::default().assign(&mut frames, 7);
            assert_eq!(frames[0].shard, frames[2].shard);
            assert_eq!(frames[1].shard, frames[2].shard);
        }
    }
}
