//! The server's I/O edge: one UDP socket bound to the interface, the lease
//! log, the clock. One thread receives: it handles every queued datagram
//! (up to a batch, read [`batch::CHUNK`] per `recvmmsg`), sends the replies
//! that need nothing durable (`sendmmsg`, as every sender here), and hands
//! the turn's lease records with their ACKs to the log thread, which
//! appends all records queued since its last sync with one write and one
//! `fdatasync` and only then releases those ACKs (group commit). Large
//! batches of replies go out through a pacer thread, spread over the time
//! they took to gather.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use socket2::{Domain, Protocol, Socket, Type};

use super::batch::{self, RecvBatch, SendBatch};
use super::config::Config;
use super::server::{Arrival, Destination, Ignored, Lease, Output, Reply, Server};
use super::store::{self, LeaseLog};
use super::{DhcpArgs, Error};

const BATCH: usize = 512;
/// A commit of fewer records than this waits [`GATHER_WINDOW`] for more
/// before its `fdatasync`.
const GATHER: usize = 64;
const GATHER_WINDOW: Duration = Duration::from_millis(1);
/// Replies of one receive turn sent inline before the rest go to the pacer.
const INLINE: usize = 16;

/// At most `per_sec` log lines a second for dropped datagrams; the rest are
/// counted and summarised.
struct RateLimit {
    start: Instant,
    lines: u32,
    suppressed: u64,
}

impl RateLimit {
    fn new() -> Self {
        RateLimit {
            start: Instant::now(),
            lines: 0,
            suppressed: 0,
        }
    }

    fn allow(&mut self) -> bool {
        if self.start.elapsed() >= Duration::from_secs(1) {
            if self.suppressed > 0 {
                tracing::warn!("{} more dropped datagrams not logged", self.suppressed);
            }
            self.start = Instant::now();
            self.lines = 0;
            self.suppressed = 0;
        }
        self.lines += 1;
        if self.lines > 5 {
            self.suppressed += 1;
            return false;
        }
        true
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

pub(super) async fn run(args: DhcpArgs) -> anyhow::Result<()> {
    let iface = args.interface.clone().unwrap_or_default();
    if !std::path::Path::new("/sys/class/net").join(&iface).exists() {
        return Err(Error::Net(format!("interface `{iface}` does not exist")).into());
    }
    let cfg = match &args.config {
        Some(p) => Config::load(p)?,
        None => Config::scenario(),
    };
    let (log, replay) = LeaseLog::open(&args.leases)?;
    if replay.torn_bytes > 0 {
        tracing::warn!(
            "{}: dropped a torn or corrupt tail of {} bytes at offset {}",
            args.leases.display(),
            replay.torn_bytes,
            replay.valid_len
        );
    }
    let sock = open_socket(&iface, args.listen, cfg.recv_buffer)?;
    let server = Server::new(cfg, replay.records);
    tracing::info!(
        "serving {}/{} on {iface} ({}), server id {}, {} leases from {}",
        server.config().network,
        server.config().prefix,
        args.listen,
        server.config().server_id,
        server.durable_leases().count(),
        args.leases.display()
    );
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let worker = std::thread::Builder::new()
        .name("dhcp-server".into())
        .spawn(move || serve_loop(sock, iface, server, log, &stop2))
        .map_err(|e| Error::Net(format!("spawn server thread: {e}")))?;
    let worker = tokio::task::spawn_blocking(move || worker.join());
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::pin!(worker);
    let joined = tokio::select! {
        _ = tokio::signal::ctrl_c() => None,
        _ = term.recv() => None,
        r = &mut worker => Some(r),
    };
    stop.store(true, Ordering::Relaxed);
    let r = match joined {
        Some(r) => r,
        None => worker.await,
    };
    match r {
        Ok(Ok(r)) => r.map_err(Into::into),
        _ => Err(anyhow::anyhow!("DHCP server thread panicked")),
    }
}

fn open_socket(iface: &str, listen: SocketAddrV4, rcvbuf: u32) -> Result<UdpSocket, Error> {
    let e =
        |what: &str, err: std::io::Error| Error::Net(format!("{what} ({iface}, {listen}): {err}"));
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))
        .map_err(|x| e("create UDP socket", x))?;
    // no SO_REUSEADDR: a second server on the same interface must fail to
    // bind rather than silently share port 67
    s.bind_device(Some(iface.as_bytes()))
        .map_err(|x| e("bind to interface", x))?;
    s.set_broadcast(true).map_err(|x| e("SO_BROADCAST", x))?;
    // SO_RCVBUFFORCE passes net.core.rmem_max as root; otherwise the plain
    // request (capped by the sysctl) stands
    if rcvbuf > 0 {
        let size = rcvbuf.min(i32::MAX as u32) as i32;
        let _ = s.set_recv_buffer_size(size as usize);
        force_buffer(&s, libc::SO_RCVBUFFORCE, size);
    }
    let _ = s.set_send_buffer_size(4 << 20);
    force_buffer(&s, libc::SO_SNDBUFFORCE, 4 << 20);
    s.bind(&SocketAddr::V4(listen).into())
        .map_err(|x| e("bind", x))?;
    s.set_nonblocking(true).map_err(|x| e("non-blocking", x))?;
    Ok(s.into())
}

fn force_buffer(s: &Socket, opt: i32, size: i32) {
    // SAFETY: setsockopt with a pointer to an int of the right length.
    unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            opt,
            &size as *const i32 as *const libc::c_void,
            std::mem::size_of::<i32>() as libc::socklen_t,
        );
    }
}

/// Write an ARP entry (yiaddr → chaddr) so that a unicast reply reaches a
/// client that has no address yet (RFC 2131 §4.1), as dnsmasq and ISC dhcpd do.
fn set_arp(fd: i32, iface: &str, ip: Ipv4Addr, mac: &[u8]) -> std::io::Result<()> {
    if mac.len() != 6 || iface.len() >= 16 {
        return Err(std::io::Error::from(std::io::ErrorKind::InvalidInput));
    }
    // SAFETY: arpreq is plain data; zeroed is a valid value.
    let mut req: libc::arpreq = unsafe { std::mem::zeroed() };
    let sin = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: 0,
        sin_addr: libc::in_addr {
            s_addr: u32::from(ip).to_be(),
        },
        sin_zero: [0; 8],
    };
    // SAFETY: sockaddr_in and sockaddr have the same size on Linux; we copy
    // the bytes of one into the other.
    unsafe {
        std::ptr::copy_nonoverlapping(
            &sin as *const libc::sockaddr_in as *const u8,
            &mut req.arp_pa as *mut libc::sockaddr as *mut u8,
            std::mem::size_of::<libc::sockaddr_in>(),
        );
    }
    req.arp_ha.sa_family = libc::ARPHRD_ETHER;
    for (d, s) in req.arp_ha.sa_data.iter_mut().zip(mac) {
        *d = *s as libc::c_char;
    }
    req.arp_flags = libc::ATF_COM;
    for (d, s) in req.arp_dev.iter_mut().zip(iface.as_bytes()) {
        *d = *s as libc::c_char;
    }
    // SAFETY: fd is an open socket; req is a valid arpreq that outlives the call.
    let r = unsafe { libc::ioctl(fd, libc::SIOCSARP as _, &req as *const libc::arpreq) };
    if r < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Sends replies on one socket with `sendmmsg`, a batch per system call.
struct Sender {
    sock: UdpSocket,
    iface: String,
    arp: bool,
    batch: SendBatch,
    limit: RateLimit,
}

impl Sender {
    fn new(sock: UdpSocket, iface: String, arp: bool) -> Self {
        Sender {
            sock,
            iface,
            arp,
            batch: SendBatch::default(),
            limit: RateLimit::new(),
        }
    }

    fn destination(&self, r: &Reply) -> SocketAddrV4 {
        let bcast = SocketAddrV4::new(Ipv4Addr::BROADCAST, 68);
        match &r.to {
            Destination::Relay(a) | Destination::Unicast(a) => *a,
            Destination::Broadcast => bcast,
            Destination::Hardware { ip, htype, chaddr } => {
                if self.arp
                    && *htype == 1
                    && set_arp(self.sock.as_raw_fd(), &self.iface, *ip, chaddr).is_ok()
                {
                    SocketAddrV4::new(*ip, 68)
                } else {
                    bcast
                }
            }
        }
    }

    fn send(&mut self, replies: &[Reply]) {
        if replies.is_empty() {
            return;
        }
        let msgs: Vec<(&[u8], SocketAddrV4)> = replies
            .iter()
            .map(|r| (&r.bytes[..], self.destination(r)))
            .collect();
        let limit = &mut self.limit;
        self.batch.send(self.sock.as_raw_fd(), &msgs, |i, e| {
            if limit.allow() {
                let kind = replies.get(i).map(|r| r.kind);
                let dst = msgs.get(i).map(|m| m.1);
                tracing::warn!("send {kind:?} to {dst:?}: {e}");
            }
        });
    }
}

fn wait_readable(sock: &UdpSocket, ms: i32) {
    let mut p = libc::pollfd {
        fd: sock.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    unsafe {
        libc::poll(&mut p, 1, ms);
    }
}

/// Work for the log writer thread, in order.
enum Job {
    /// Framed records to append, and the replies that may leave once they
    /// are durable.
    Commit {
        framed: Vec<u8>,
        count: usize,
        acks: Vec<Reply>,
    },
    /// Rewrite the log with exactly these leases.
    Compact(Vec<Lease>),
}

/// The log writer: takes every job queued since its last sync (after a
/// short wait when there are only a few), appends all their records with
/// one write and one `fdatasync` (group commit), then sends their ACKs. The
/// receive loop never waits for the disk.
fn writer_loop(
    rx: mpsc::Receiver<Job>,
    mut log: LeaseLog,
    pacer: Pacer,
    mut sender: Sender,
) -> Result<(), Error> {
    let mut last = Instant::now();
    writer_jobs(rx, &mut log, move |acks: &mut Vec<Reply>| {
        let now = Instant::now();
        if acks.len() <= INLINE && pacer.queued.load(Ordering::Relaxed) == 0 {
            // a few ACKs: no burst to spread, spare the thread hop
            sender.send(acks);
            acks.clear();
        } else {
            pacer.release(std::mem::take(acks), now.duration_since(last));
        }
        last = now;
    })
}

/// Hands batches of replies to the pacer thread.
#[derive(Clone)]
struct Pacer {
    tx: mpsc::Sender<(Vec<Reply>, Duration)>,
    queued: Arc<AtomicUsize>,
}

impl Pacer {
    /// Queue `batch`, gathered over `span`, to be sent spread over that span.
    fn release(&self, batch: Vec<Reply>, span: Duration) {
        if !batch.is_empty() {
            self.queued.fetch_add(1, Ordering::Relaxed);
            let _ = self.tx.send((batch, span));
        }
    }
}

/// Sends each batch of replies spread over the time it took to gather (at
/// most 20 ms), in groups of 16. Without it, an fsync or a scheduling stall
/// of tens of milliseconds releases hundreds of replies at once, more than a
/// busy client or relay buffers (perfdhcp: 208 KiB, where this was
/// measured). Groups are at least [`MIN_GAP`] apart even when batches queue
/// up (at most 16 replies per 100 µs, 160 000 a second: more than this
/// server produces), so that a backlog does not leave as one burst either.
fn pace_loop(rx: mpsc::Receiver<(Vec<Reply>, Duration)>, queued: &AtomicUsize, mut sender: Sender) {
    const GROUP: usize = 16;
    const MIN_GAP: Duration = Duration::from_micros(100);
    while let Ok((batch, span)) = rx.recv() {
        queued.fetch_sub(1, Ordering::Relaxed);
        let groups = batch.len().div_ceil(GROUP).max(1);
        let spread = span.min(Duration::from_millis(20)) / groups as u32;
        for (i, group) in batch.chunks(GROUP).enumerate() {
            if i > 0 {
                let behind = queued.load(Ordering::Relaxed) > 0;
                std::thread::sleep(if behind { MIN_GAP } else { spread.max(MIN_GAP) });
            }
            sender.send(group);
        }
    }
}

fn writer_jobs(
    rx: mpsc::Receiver<Job>,
    log: &mut LeaseLog,
    mut release: impl FnMut(&mut Vec<Reply>),
) -> Result<(), Error> {
    let mut framed = Vec::with_capacity(256 * 1024);
    let mut acks = Vec::new();
    let mut count = 0;
    while let Ok(first) = rx.recv() {
        if matches!(&first, Job::Commit { count, .. } if *count < GATHER) {
            // A sync for a handful of records costs as much as one for
            // hundreds: give the next loop turns a moment to queue theirs
            // (the ACKs simply wait that much longer; none leaves early).
            std::thread::sleep(GATHER_WINDOW);
        }
        let mut next = Some(first);
        while let Some(job) = next.take() {
            match job {
                Job::Commit {
                    framed: f,
                    count: n,
                    acks: a,
                } => {
                    framed.extend_from_slice(&f);
                    count += n;
                    acks.extend(a);
                    next = rx.try_recv().ok();
                }
                Job::Compact(leases) => {
                    // earlier commits first, so the snapshot supersedes them
                    log.commit(&framed, count)?;
                    release(&mut acks);
                    framed.clear();
                    count = 0;
                    log.compact(leases.iter())?;
                    tracing::info!("compacted lease log to {} records", leases.len());
                    next = rx.try_recv().ok();
                }
            }
        }
        // No ACK leaves unless its lease is on disk: a failed write stops
        // the server rather than hand out addresses it could forget.
        log.commit(&framed, count)?;
        release(&mut acks);
        framed.clear();
        count = 0;
    }
    Ok(())
}

fn serve_loop(
    sock: UdpSocket,
    iface: String,
    mut server: Server,
    log: LeaseLog,
    stop: &AtomicBool,
) -> Result<(), Error> {
    let arp = server.config().unicast_via_arp;
    let psock = sock
        .try_clone()
        .map_err(|e| Error::Net(format!("clone socket: {e}")))?;
    let (ptx, prx) = mpsc::channel();
    let pacer = Pacer {
        tx: ptx,
        queued: Arc::new(AtomicUsize::new(0)),
    };
    let (q2, piface) = (pacer.queued.clone(), iface.clone());
    let pace_thread = std::thread::Builder::new()
        .name("dhcp-pacer".into())
        .spawn(move || pace_loop(prx, &q2, Sender::new(psock, piface, arp)))
        .map_err(|e| Error::Net(format!("spawn pacer thread: {e}")))?;
    let (tx, rx) = mpsc::channel();
    let mut log_records = log.records;
    let wpacer = pacer.clone();
    let wsock = sock
        .try_clone()
        .map_err(|e| Error::Net(format!("clone socket: {e}")))?;
    let wiface = iface.clone();
    let writer = std::thread::Builder::new()
        .name("dhcp-lease-log".into())
        .spawn(move || writer_loop(rx, log, wpacer, Sender::new(wsock, wiface, arp)))
        .map_err(|e| Error::Net(format!("spawn lease log thread: {e}")))?;
    let mut turn_start = Instant::now();
    let mut rb = RecvBatch::default();
    let mut out = Output::default();
    let mut limit = RateLimit::new();
    let mut sender = Sender::new(
        sock.try_clone()
            .map_err(|e| Error::Net(format!("clone socket: {e}")))?,
        iface.clone(),
        arp,
    );
    let mut now_inline = Vec::with_capacity(INLINE);
    let mut last_compact = Instant::now();
    let mut last_stats = server.counters.clone();
    let mut last_stats_at = Instant::now();
    while !stop.load(Ordering::Relaxed) && !writer.is_finished() {
        wait_readable(&sock, 200);
        let now = unix_now();
        let started = Instant::now();
        let span = started.duration_since(turn_start);
        turn_start = started;
        let mut n = 0;
        let (mut inline, mut paced) = (0, Vec::new());
        let mut durable = Vec::new();
        while n < BATCH {
            let got = match rb.recv(sock.as_raw_fd()) {
                Ok(got) => got,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    if limit.allow() {
                        tracing::warn!("receive on {iface}: {e}");
                    }
                    break;
                }
            };
            for d in rb.datagrams() {
                n += 1;
                let Some(src) = d.src else { continue };
                if d.truncated {
                    server.counters.received += 1;
                    server.counters.malformed += 1;
                    if limit.allow() {
                        tracing::warn!(
                            "dropped datagram from {src}: longer than {} bytes",
                            batch::DGRAM
                        );
                    }
                    continue;
                }
                if let Err(e) = server.handle(now, d.data, Arrival { src }, &mut out) {
                    let level_warn = matches!(e, Ignored::Malformed(_) | Ignored::PoolExhausted);
                    if level_warn {
                        if limit.allow() {
                            tracing::warn!(
                                "dropped {}-byte datagram from {src}: {e}",
                                d.data.len()
                            );
                        }
                    } else {
                        tracing::debug!("no reply to {src}: {e}");
                    }
                }
                // OFFERs and NAKs: the first few of a turn leave at once;
                // past that the turn is working off a backlog, and the rest
                // go to the pacer so that it does not reach the clients as
                // one burst. ACKs wait for their records.
                for r in out.replies.drain(..) {
                    if r.durable {
                        durable.push(r);
                    } else if inline < INLINE {
                        inline += 1;
                        now_inline.push(r);
                    } else {
                        paced.push(r);
                    }
                }
            }
            sender.send(&now_inline);
            now_inline.clear();
            if got < batch::CHUNK {
                // the queue is drained
                break;
            }
        }
        pacer.release(paced, span);
        if !out.records.is_empty() || !durable.is_empty() {
            let durable = std::mem::take(&mut durable);
            let mut framed = Vec::with_capacity(out.records.len() * 48);
            for l in &out.records {
                store::frame(l, &mut framed);
            }
            log_records += out.records.len();
            let job = Job::Commit {
                framed,
                count: out.records.len(),
                acks: durable,
            };
            if tx.send(job).is_err() {
                break;
            }
        }
        out.records.clear();
        // compact when idle and the log holds mostly superseded records
        if n == 0 && log_records > 4096 && last_compact.elapsed() >= Duration::from_secs(10) {
            last_compact = Instant::now();
            let live = server.durable_leases().count();
            if log_records > 2 * live + 4096 {
                let _ = tx.send(Job::Compact(server.durable_leases().cloned().collect()));
                log_records = live;
            }
        }
        if last_stats_at.elapsed() >= Duration::from_secs(10) {
            let c = &server.counters;
            if c.malformed > last_stats.malformed {
                tracing::warn!(
                    "dropped {} malformed datagrams in the last 10 s ({} in all)",
                    c.malformed - last_stats.malformed,
                    c.malformed
                );
            }
            last_stats = c.clone();
            last_stats_at = Instant::now();
        }
    }
    let _ = tx.send(Job::Compact(server.durable_leases().cloned().collect()));
    drop(tx);
    let written = writer
        .join()
        .map_err(|_| Error::Store("lease log thread panicked".into()))?;
    // the writer's pacer handle is gone with it; dropping ours ends the pacer
    // once it has sent what it holds
    drop(pacer);
    let _ = pace_thread.join();
    let c = &server.counters;
    eprintln!(
        "wirelab dhcp: received {}, offers {}, acks {}, naks {}, declines {}, releases {}, \
         informs {}, malformed {}, not answered {}, pool exhausted {}",
        c.received,
        c.offers,
        c.acks,
        c.naks,
        c.declines,
        c.releases,
        c.informs,
        c.malformed,
        c.not_answered,
        c.exhausted
    );
    written
}
