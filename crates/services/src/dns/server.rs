//! The socket edge of the DNS server: UDP workers (one `SO_REUSEPORT`
//! socket each, a preallocated receive buffer), a TCP listener with
//! length-prefixed messages (RFC 1035 4.2.2, RFC 7766), and the upstream
//! client used for forwarding (UDP with timeouts and retries, TCP when the
//! UDP answer is truncated).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::io::{IoSlice, IoSliceMut};
use std::os::fd::AsRawFd;

use anyhow::Context as _;
use nix::sys::socket::{
    recvmmsg, sendmmsg, ControlMessage, MsgFlags, MultiHeaders, SockaddrStorage,
};
use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::Semaphore;

use super::engine::{Engine, Outcome, Pending, Transport};

/// Socket-level settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub udp_workers: usize,
    pub tcp_idle_timeout: Duration,
    pub tcp_max_connections: usize,
    pub upstreams: Vec<SocketAddr>,
    pub forward_timeout: Duration,
    pub forward_retries: u32,
    pub max_udp_payload: u16,
}

/// Upstream servers and the counters of what was asked of them.
struct Upstream {
    addrs: Vec<SocketAddr>,
    timeout: Duration,
    retries: u32,
    payload: u16,
    sent: AtomicU64,
}

fn udp_socket(addr: SocketAddr) -> anyhow::Result<std::net::UdpSocket> {
    let s = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    s.set_reuse_address(true)?;
    s.set_reuse_port(true)?;
    let _ = s.set_recv_buffer_size(4 << 20);
    let _ = s.set_send_buffer_size(4 << 20);
    s.bind(&addr.into())?;
    Ok(s.into())
}

fn tcp_listener(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    let s = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    s.set_reuse_address(true)?;
    s.bind(&addr.into())?;
    s.listen(1024)?;
    s.set_nonblocking(true)?;
    Ok(TcpListener::from_std(s.into())?)
}

/// Serves until Ctrl-C, or until a socket fails.
pub async fn serve(engine: Engine, cfg: ServerConfig) -> anyhow::Result<()> {
    let up = Arc::new(Upstream {
        addrs: cfg.upstreams.clone(),
        timeout: cfg.forward_timeout,
        retries: cfg.forward_retries,
        payload: cfg.max_udp_payload,
        sent: AtomicU64::new(0),
    });
    let mut tasks = tokio::task::JoinSet::new();
    let mut cfg = cfg;
    let rt = tokio::runtime::Handle::current();
    for i in 0..cfg.udp_workers.max(1) {
        let sock =
            udp_socket(cfg.listen).with_context(|| format!("cannot bind UDP {}", cfg.listen))?;
        // Port 0: every worker and the TCP listener share the first port.
        cfg.listen = sock.local_addr()?;
        let (eng, up, rt) = (engine.clone(), up.clone(), rt.clone());
        std::thread::Builder::new()
            .name(format!("dns-udp-{i}"))
            .spawn(move || udp_worker(Arc::new(sock), eng, up, rt))
            .context("cannot start a UDP worker thread")?;
    }
    let tcp =
        tcp_listener(cfg.listen).with_context(|| format!("cannot bind TCP {}", cfg.listen))?;
    tasks.spawn(tcp_accept(tcp, engine.clone(), up.clone(), cfg.clone()));
    tracing::info!(
        listen = %cfg.listen,
        udp_workers = cfg.udp_workers,
        upstreams = ?cfg.upstreams,
        "dns server ready"
    );
    tokio::select! {
        r = tokio::signal::ctrl_c() => {
            r.context("cannot wait for Ctrl-C")?;
            tracing::info!(upstream_queries = up.sent.load(Ordering::Relaxed), "shutting down");
            Ok(())
        }
        Some(r) = tasks.join_next() => match r {
            Ok(Err(e)) => Err(e),
            Ok(Ok(())) => Err(anyhow::anyhow!("a server task ended")),
            Err(e) => Err(anyhow::anyhow!("a server task failed: {e}")),
        },
    }
}

/// Datagrams read (and answers written) per system call.
const BATCH: usize = 32;
/// Largest UDP query read; longer ones are cut (MSG_TRUNC) and dropped.
const MAX_UDP_QUERY: usize = 4096;

fn peer_of(a: &SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = a.as_sockaddr_in() {
        return Some(SocketAddr::from(*v4));
    }
    a.as_sockaddr_in6().map(|v6| SocketAddr::from(*v6))
}

/// One UDP worker: a thread blocking on its own socket (no scheduler
/// between the socket and the answer), buffers allocated once, up to
/// [`BATCH`] queries read with one `recvmmsg` and their answers written
/// with one `sendmmsg` (as Knot's UDP workers do). Forwarded queries are
/// handed to the tokio runtime.
fn udp_worker(
    sock: Arc<std::net::UdpSocket>,
    mut engine: Engine,
    up: Arc<Upstream>,
    rt: tokio::runtime::Handle,
) {
    let fd = sock.as_raw_fd();
    let mut bufs = vec![[0u8; MAX_UDP_QUERY]; BATCH];
    let mut rhdr = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
    let mut shdr = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
    let mut got: Vec<(usize, Option<SockaddrStorage>, bool)> = Vec::with_capacity(BATCH);
    let mut replies: Vec<Vec<u8>> = Vec::with_capacity(BATCH);
    let mut to: Vec<Option<SockaddrStorage>> = Vec::with_capacity(BATCH);
    loop {
        got.clear();
        {
            let mut iovs: Vec<[IoSliceMut<'_>; 1]> =
                bufs.iter_mut().map(|b| [IoSliceMut::new(b)]).collect();
            match recvmmsg(
                fd,
                &mut rhdr,
                iovs.iter_mut(),
                MsgFlags::MSG_WAITFORONE,
                None,
            ) {
                Ok(msgs) => got.extend(
                    msgs.map(|m| (m.bytes, m.address, m.flags.contains(MsgFlags::MSG_TRUNC))),
                ),
                Err(e) => {
                    // ICMP errors from earlier sends show up here: not fatal.
                    tracing::debug!("udp recvmmsg: {e}");
                    continue;
                }
            }
        }
        let now = Instant::now();
        replies.clear();
        to.clear();
        for (i, &(n, addr, cut)) in got.iter().enumerate() {
            let (Some(addr), Some(buf)) = (addr, bufs.get(i)) else {
                continue;
            };
            let Some(peer) = peer_of(&addr) else { continue };
            if cut || n > buf.len() {
                continue;
            }
            match engine.handle(&buf[..n], peer.ip(), Transport::Udp, now) {
                Outcome::Reply(r) => {
                    replies.push(r);
                    to.push(Some(addr));
                }
                Outcome::Drop => {}
                Outcome::Forward(p) => {
                    let (sock, eng, up) = (sock.clone(), engine.clone(), up.clone());
                    rt.spawn(async move {
                        let r = forward(&up, &eng, &p).await;
                        let _ = sock.send_to(&r, peer);
                    });
                }
            }
        }
        let mut sent = 0;
        while sent < replies.len() {
            let iovs: Vec<[IoSlice<'_>; 1]> =
                replies[sent..].iter().map(|r| [IoSlice::new(r)]).collect();
            let cm: [ControlMessage<'_>; 0] = [];
            match sendmmsg(fd, &mut shdr, &iovs, &to[sent..], cm, MsgFlags::empty()) {
                Ok(res) => {
                    let n = res.count();
                    if n == 0 {
                        break;
                    }
                    sent += n;
                }
                Err(e) => {
                    tracing::debug!("udp sendmmsg: {e}");
                    // Skip the datagram that failed (e.g. an unreachable peer).
                    sent += 1;
                }
            }
        }
    }
}

async fn tcp_accept(
    l: TcpListener,
    engine: Engine,
    up: Arc<Upstream>,
    cfg: ServerConfig,
) -> anyhow::Result<()> {
    let slots = Arc::new(Semaphore::new(cfg.tcp_max_connections));
    loop {
        let (s, peer) = match l.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!("tcp accept: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            tracing::debug!(%peer, "too many TCP connections: closing");
            drop(s);
            continue;
        };
        let (eng, up, idle) = (engine.clone(), up.clone(), cfg.tcp_idle_timeout);
        tokio::spawn(async move {
            let _permit = permit;
            if let Err(e) = tcp_conn(s, peer, eng, up, idle).await {
                tracing::debug!(%peer, "tcp: {e}");
            }
        });
    }
}

/// One TCP connection: length-prefixed queries, answered in order
/// (pipelined queries are read while earlier answers are being written).
async fn tcp_conn(
    mut s: TcpStream,
    peer: SocketAddr,
    mut engine: Engine,
    up: Arc<Upstream>,
    idle: Duration,
) -> std::io::Result<()> {
    let _ = s.set_nodelay(true);
    let mut buf = vec![0u8; 65_535];
    loop {
        let mut len = [0u8; 2];
        match tokio::time::timeout(idle, s.read_exact(&mut len)).await {
            Err(_) => return Ok(()), // idle timeout (RFC 7766 6.2.3)
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Ok(r) => r?,
        };
        let n = usize::from(u16::from_be_bytes(len));
        let q = &mut buf[..n];
        match tokio::time::timeout(idle, s.read_exact(q)).await {
            Err(_) => return Ok(()),
            Ok(r) => r?,
        };
        let reply = match engine.handle(q, peer.ip(), Transport::Tcp, Instant::now()) {
            Outcome::Reply(r) => r,
            Outcome::Drop => {
                if n < 12 {
                    return Ok(()); // not even a header: close
                }
                continue;
            }
            Outcome::Forward(p) => forward(&up, &engine, &p).await,
        };
        let Ok(l) = u16::try_from(reply.len()) else {
            continue;
        };
        let mut out = Vec::with_capacity(reply.len() + 2);
        out.extend_from_slice(&l.to_be_bytes());
        out.extend_from_slice(&reply);
        s.write_all(&out).await?;
    }
}

/// Asks the upstreams for `p`; the client's response (SERVFAIL if none
/// answered).
async fn forward(up: &Upstream, engine: &Engine, p: &Pending) -> Vec<u8> {
    for attempt in 0..=up.retries {
        for &addr in &up.addrs {
            let id: u16 = rand::random();
            let q = p.upstream_query(id, up.payload);
            up.sent.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(%addr, attempt, name = %p.query().name(), "asking upstream");
            match udp_exchange(addr, &q, id, up.timeout).await {
                Some(r) if r.get(2).is_some_and(|f| f & 0x02 != 0) => {
                    // Truncated: ask again over TCP (RFC 7766 section 5).
                    if let Some(r) = tcp_exchange(addr, &q, id, up.timeout).await {
                        if let Some(out) = engine.forward_reply(p, &r, Instant::now()) {
                            return out;
                        }
                    }
                }
                Some(r) => {
                    if let Some(out) = engine.forward_reply(p, &r, Instant::now()) {
                        return out;
                    }
                }
                None => {}
            }
        }
    }
    tracing::warn!(name = %p.query().name(), "no upstream answered");
    engine.forward_failed(p)
}

async fn udp_exchange(addr: SocketAddr, q: &[u8], id: u16, timeout: Duration) -> Option<Vec<u8>> {
    let local: SocketAddr = if addr.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let s = UdpSocket::bind(local).await.ok()?;
    s.connect(addr).await.ok()?;
    s.send(q).await.ok()?;
    let mut buf = vec![0u8; 65_535];
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let n = tokio::time::timeout_at(deadline, s.recv(&mut buf))
            .await
            .ok()?
            .ok()?;
        // Ignore anything that is not the answer to this ID.
        if n >= 12 && buf[..2] == id.to_be_bytes() {
            buf.truncate(n);
            return Some(buf);
        }
    }
}

async fn tcp_exchange(addr: SocketAddr, q: &[u8], id: u16, timeout: Duration) -> Option<Vec<u8>> {
    let fut = async {
        let mut s = TcpStream::connect(addr).await.ok()?;
        let l = u16::try_from(q.len()).ok()?;
        let mut out = l.to_be_bytes().to_vec();
        out.extend_from_slice(q);
        s.write_all(&out).await.ok()?;
        let mut len = [0u8; 2];
        s.read_exact(&mut len).await.ok()?;
        let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
        s.read_exact(&mut buf).await.ok()?;
        (buf.len() >= 12 && buf[..2] == id.to_be_bytes()).then_some(buf)
    };
    tokio::time::timeout(timeout, fut).await.ok()?
}
