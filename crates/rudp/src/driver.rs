//! The tokio driver: one UDP socket, one background task running the
//! sans-I/O [`Endpoint`](crate::Endpoint), and async handles.
//!
//! ```no_run
//! # async fn demo() -> Result<(), wirelab_rudp::Error> {
//! use wirelab_rudp::driver::Endpoint;
//! let server = Endpoint::server("127.0.0.1:0".parse().unwrap(), Default::default()).await?;
//! let client = Endpoint::client("127.0.0.1:0".parse().unwrap(), Default::default()).await?;
//! let conn = client.connect(server.local_addr()?).await?;
//! conn.send_message(b"NEW alice").await?;
//! let accepted = server.accept().await.unwrap();
//! assert_eq!(accepted.recv_message().await?.unwrap(), b"NEW alice");
//! # Ok(()) }
//! ```

use std::collections::HashSet;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::connection::Event;
use crate::endpoint::{ConnectionHandle, EndpointConfig, EndpointStats};
use crate::{Error, Stats};

/// Largest message `send_message` accepts (16 MiB).
pub const MAX_MESSAGE: usize = 16 << 20;

struct State {
    ep: crate::Endpoint,
    dropped: HashSet<ConnectionHandle>,
    notifies: std::collections::HashMap<ConnectionHandle, Arc<Notify>>,
}

struct Shared {
    state: Mutex<State>,
    wake_driver: Notify,
    accept: Notify,
    socket: UdpSocket,
    udp: quinn_udp::UdpSocketState,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct Inner {
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// An RUDP endpoint on a UDP socket.
#[derive(Clone)]
pub struct Endpoint {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint").finish_non_exhaustive()
    }
}

/// Socket buffer size asked for (the kernel caps it at `net.core.rmem_max`).
pub const SOCKET_BUFFER: usize = 4 << 20;

/// Binds a non-blocking UDP socket with large send and receive buffers, so
/// bursts at high rates are not dropped by the kernel before we read them.
/// Must be called inside a tokio runtime.
pub fn bind_udp(addr: SocketAddr) -> std::io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let s = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    // Best effort: a smaller buffer still works.
    let _ = s.set_recv_buffer_size(SOCKET_BUFFER);
    let _ = s.set_send_buffer_size(SOCKET_BUFFER);
    s.set_nonblocking(true)?;
    s.bind(&addr.into())?;
    UdpSocket::from_std(s.into())
}

fn io(e: std::io::Error) -> Error {
    Error::Io(e.to_string())
}

impl Endpoint {
    /// Binds `addr` and starts the driver task. A zero cookie key is
    /// replaced by a random one, as is a zero seed.
    pub async fn bind(addr: SocketAddr, mut config: EndpointConfig) -> Result<Self, Error> {
        let socket = bind_udp(addr).map_err(io)?;
        // Batched I/O: sendmsg with UDP GSO, recvmmsg with UDP GRO where the
        // kernel has them, plain sendmsg/recvmsg where it does not.
        let udp = quinn_udp::UdpSocketState::new((&socket).into()).map_err(io)?;
        if config.cookie_key == [0; 16] {
            config.cookie_key = rand::random();
        }
        if config.seed == 0 {
            config.seed = rand::random();
        }
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                ep: crate::Endpoint::new(Instant::now(), config),
                dropped: HashSet::new(),
                notifies: Default::default(),
            }),
            wake_driver: Notify::new(),
            accept: Notify::new(),
            socket,
            udp,
        });
        let task = tokio::spawn(drive(shared.clone()));
        Ok(Self {
            inner: Arc::new(Inner { shared, task }),
        })
    }

    /// A server endpoint (accepts connections).
    pub async fn server(addr: SocketAddr, mut config: EndpointConfig) -> Result<Self, Error> {
        config.server = true;
        Self::bind(addr, config).await
    }

    /// A client-only endpoint.
    pub async fn client(addr: SocketAddr, mut config: EndpointConfig) -> Result<Self, Error> {
        config.server = false;
        Self::bind(addr, config).await
    }

    /// The bound address.
    pub fn local_addr(&self) -> Result<SocketAddr, Error> {
        self.inner.shared.socket.local_addr().map_err(io)
    }

    /// Endpoint counters.
    pub fn stats(&self) -> EndpointStats {
        self.inner.shared.lock().ep.stats().clone()
    }

    /// Number of connections held.
    pub fn connection_count(&self) -> usize {
        self.inner.shared.lock().ep.connection_count()
    }

    fn handle_for(&self, h: ConnectionHandle) -> Connection {
        let notify = {
            let mut st = self.inner.shared.lock();
            st.notifies
                .entry(h)
                .or_insert_with(|| Arc::new(Notify::new()))
                .clone()
        };
        Connection {
            inner: Arc::new(ConnInner {
                ep: self.inner.clone(),
                h,
                notify,
                reader: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// Connects to `remote` and waits for the handshake.
    pub async fn connect(&self, remote: SocketAddr) -> Result<Connection, Error> {
        let h = self.inner.shared.lock().ep.connect(Instant::now(), remote);
        let conn = self.handle_for(h);
        self.inner.shared.wake_driver.notify_one();
        conn.wait(|c| {
            if c.is_established() {
                Some(Ok(()))
            } else if c.is_closed() {
                Some(Err(closed(c)))
            } else {
                None
            }
        })
        .await?;
        Ok(conn)
    }

    /// The next incoming connection (None if the endpoint stopped).
    pub async fn accept(&self) -> Option<Connection> {
        loop {
            let mut n = pin!(self.inner.shared.accept.notified());
            n.as_mut().enable();
            let h = self.inner.shared.lock().ep.accept();
            if let Some(h) = h {
                return Some(self.handle_for(h));
            }
            if self.inner.task.is_finished() {
                return None;
            }
            n.await;
        }
    }
}

fn closed(c: &crate::Connection) -> Error {
    Error::ConnectionClosed(
        c.close_reason()
            .map_or_else(|| "closed".to_string(), |r| r.to_string()),
    )
}

struct ConnInner {
    ep: Arc<Inner>,
    h: ConnectionHandle,
    notify: Arc<Notify>,
    reader: tokio::sync::Mutex<()>,
}

impl Drop for ConnInner {
    fn drop(&mut self) {
        let mut st = self.ep.shared.lock();
        st.dropped.insert(self.h);
        if let Some(c) = st.ep.connection(self.h) {
            // Deliver what was written, then close.
            c.close_when_done(0);
        }
        drop(st);
        self.ep.shared.wake_driver.notify_one();
    }
}

/// An RUDP connection: one reliable ordered byte stream each way, and
/// length-prefixed messages on it. Cloning gives another handle to the
/// same connection.
#[derive(Clone)]
pub struct Connection {
    inner: Arc<ConnInner>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("cid", &self.inner.h.0)
            .finish()
    }
}

impl Connection {
    /// Runs `f` on the core connection until it returns `Some`.
    async fn wait<T>(
        &self,
        mut f: impl FnMut(&mut crate::Connection) -> Option<Result<T, Error>>,
    ) -> Result<T, Error> {
        loop {
            let mut n = pin!(self.inner.notify.notified());
            n.as_mut().enable();
            {
                let mut st = self.inner.ep.shared.lock();
                let Some(c) = st.ep.connection(self.inner.h) else {
                    return Err(Error::ConnectionClosed("connection gone".into()));
                };
                if let Some(v) = f(c) {
                    drop(st);
                    self.inner.ep.shared.wake_driver.notify_one();
                    return v;
                }
            }
            if self.inner.ep.task.is_finished() {
                return Err(Error::ConnectionClosed("endpoint stopped".into()));
            }
            n.await;
        }
    }

    /// The peer's address.
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        let mut st = self.inner.ep.shared.lock();
        st.ep.connection(self.inner.h).map(|c| c.remote())
    }

    /// Counters and estimates.
    pub fn stats(&self) -> Option<Stats> {
        let mut st = self.inner.ep.shared.lock();
        st.ep.connection(self.inner.h).map(|c| c.stats())
    }

    /// Writes all of `data` to the stream (waits for send-buffer room).
    pub async fn write_all(&self, mut data: &[u8]) -> Result<(), Error> {
        while !data.is_empty() {
            let n = self
                .wait(|c| {
                    if c.is_closed() {
                        return Some(Err(closed(c)));
                    }
                    match c.write(data) {
                        Ok(0) => None,
                        other => Some(other),
                    }
                })
                .await?;
            data = &data[n..];
        }
        Ok(())
    }

    /// Reads stream bytes; `Ok(0)` at the end of the peer's stream.
    pub async fn read(&self, buf: &mut [u8]) -> Result<usize, Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.wait(|c| match c.read(buf) {
            Some(n) => Some(Ok(n)),
            None if c.is_closed() || c.close_reason().is_some() => Some(Err(closed(c))),
            None => None,
        })
        .await
    }

    /// Fills `buf` completely; `Ok(false)` if the stream ended first at a
    /// clean boundary (nothing read).
    pub async fn read_exact(&self, buf: &mut [u8]) -> Result<bool, Error> {
        let mut got = 0;
        while got < buf.len() {
            let n = self.read(&mut buf[got..]).await?;
            if n == 0 {
                if got == 0 {
                    return Ok(false);
                }
                return Err(Error::ConnectionClosed(format!(
                    "stream ended {got} bytes into a {} byte read",
                    buf.len()
                )));
            }
            got += n;
        }
        Ok(true)
    }

    /// Ends this side's stream (FIN) after what was written.
    pub async fn finish(&self) -> Result<(), Error> {
        self.wait(|c| {
            c.finish();
            Some(Ok(()))
        })
        .await
    }

    /// Sends one message: a 4-byte big-endian length, then the bytes.
    pub async fn send_message(&self, msg: &[u8]) -> Result<(), Error> {
        if msg.len() > MAX_MESSAGE {
            return Err(Error::MessageTooLarge(msg.len()));
        }
        let mut framed = Vec::with_capacity(4 + msg.len());
        framed.extend_from_slice(&(msg.len() as u32).to_be_bytes());
        framed.extend_from_slice(msg);
        self.write_all(&framed).await
    }

    /// Receives one message; `Ok(None)` when the peer finished its stream.
    pub async fn recv_message(&self) -> Result<Option<Vec<u8>>, Error> {
        let _g = self.inner.reader.lock().await;
        let mut len = [0u8; 4];
        if !self.read_exact(&mut len).await? {
            return Ok(None);
        }
        let n = u32::from_be_bytes(len) as usize;
        if n > MAX_MESSAGE {
            return Err(Error::MessageTooLarge(n));
        }
        let mut msg = vec![0; n];
        if !self.read_exact(&mut msg).await? && n > 0 {
            return Err(Error::ConnectionClosed(
                "stream ended inside a message".into(),
            ));
        }
        Ok(Some(msg))
    }

    /// Graceful close: FIN, wait until everything written is acknowledged
    /// (bounded by `linger`), then CLOSE and wait for the connection to end.
    pub async fn close(&self, linger: Duration) -> Result<(), Error> {
        self.finish().await?;
        let _ = tokio::time::timeout(
            linger,
            self.wait(|c| (c.is_send_complete() || c.is_closed()).then_some(Ok(()))),
        )
        .await;
        self.wait(|c| {
            c.close(Instant::now(), 0, b"bye");
            Some(Ok(()))
        })
        .await?;
        self.wait(|c| c.is_closed().then_some(Ok(())))
            .await
            .or(Ok(()))
    }

    /// Whether the connection closed.
    pub fn is_closed(&self) -> bool {
        let mut st = self.inner.ep.shared.lock();
        st.ep.connection(self.inner.h).is_none_or(|c| c.is_closed())
    }
}

/// Most bytes in one GSO send: UDP's 65,535-byte length field minus the
/// IPv4 and UDP headers, rounded down.
const MAX_GSO_BYTES: usize = 65_000;
/// Bytes per receive slot: a GRO-coalesced train is at most 64 KiB.
const RECV_SLOT: usize = 65_536;
/// `recvmmsg` calls per wake-up before the driver sends what it owes.
const RECV_ROUNDS: usize = 8;
/// Datagrams taken from the endpoint per round before sending them.
const SEND_BATCH: usize = 256;

async fn drive(shared: Arc<Shared>) {
    let slots = quinn_udp::BATCH_SIZE;
    let mut recv_buf = vec![0u8; slots * RECV_SLOT];
    let mut metas = vec![quinn_udp::RecvMeta::default(); slots];
    let mut out: Vec<crate::Transmit> = Vec::with_capacity(SEND_BATCH);
    let mut gso_buf: Vec<u8> = Vec::with_capacity(MAX_GSO_BYTES);
    let mut busy = false;
    loop {
        if !busy {
            let timeout = shared.lock().ep.poll_timeout();
            let sleep = async {
                match timeout {
                    Some(t) => tokio::time::sleep_until(tokio::time::Instant::from_std(t)).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = shared.socket.readable() => {}
                _ = sleep => {}
                _ = shared.wake_driver.notified() => {}
            }
        }
        busy = false;
        // Receive: each recvmmsg fills up to BATCH_SIZE slots, each slot one
        // datagram or (with GRO) a train of equal-size datagrams.
        let mut drained = false;
        for _ in 0..RECV_ROUNDS {
            let got = {
                let mut iovs: Vec<std::io::IoSliceMut<'_>> = recv_buf
                    .chunks_mut(RECV_SLOT)
                    .map(std::io::IoSliceMut::new)
                    .collect();
                shared.socket.try_io(tokio::io::Interest::READABLE, || {
                    shared
                        .udp
                        .recv((&shared.socket).into(), &mut iovs, &mut metas)
                })
            };
            let n = match got {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    drained = true;
                    break;
                }
                // ICMP errors (ECONNREFUSED) and the like: like loss.
                Err(_) => continue,
            };
            let mut st = shared.lock();
            let now = Instant::now();
            for (meta, slot) in metas.iter().zip(recv_buf.chunks(RECV_SLOT)).take(n) {
                let data = &slot[..meta.len.min(slot.len())];
                let stride = if meta.stride == 0 {
                    data.len().max(1)
                } else {
                    meta.stride
                };
                for d in data.chunks(stride) {
                    st.ep.handle(now, meta.addr, d);
                }
            }
            if n < slots {
                drained = true;
                break;
            }
        }
        // Still datagrams queued: come back without waiting.
        busy |= !drained;
        let mut to_wake = Vec::new();
        let mut accepted = false;
        {
            let mut st = shared.lock();
            let now = Instant::now();
            st.ep.handle_timeout(now);
            while out.len() < SEND_BATCH {
                match st.ep.poll_transmit(now) {
                    Some(t) => out.push(t),
                    None => break,
                }
            }
            if out.len() == SEND_BATCH {
                busy = true;
            }
            let State {
                ep,
                dropped,
                notifies,
            } = &mut *st;
            for h in ep.handles() {
                let Some(c) = ep.connection(h) else { continue };
                let mut any = false;
                while let Some(e) = c.poll_event() {
                    any = true;
                    if e == Event::Connected && c.side() == crate::Side::Server {
                        accepted = true;
                    }
                }
                if any {
                    if let Some(n) = notifies.get(&h) {
                        to_wake.push(n.clone());
                    }
                }
                // Closed and no handle will read it: forget it.
                if c.is_closed() && (dropped.contains(&h) || !notifies.contains_key(&h)) {
                    ep.remove(h);
                    dropped.remove(&h);
                    notifies.remove(&h);
                }
            }
        }
        for n in to_wake {
            n.notify_waiters();
        }
        if accepted {
            shared.accept.notify_waiters();
        }
        send_all(&shared, &out, &mut gso_buf).await;
        out.clear();
        if busy {
            tokio::task::yield_now().await;
        }
    }
}

/// Whether UDP GSO is switched off with `WIRELAB_RUDP_GSO=off` (or `0`).
/// A capture on loopback sees a GSO send as one datagram holding a whole
/// run of packets (loopback does not cut it up), as tcpdump and tshark show
/// it; with GSO off every packet is its own datagram there too.
fn gso_off() -> bool {
    static OFF: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *OFF.get_or_init(|| {
        std::env::var("WIRELAB_RUDP_GSO").is_ok_and(|v| matches!(v.as_str(), "off" | "0"))
    })
}

/// Sends `out` in order, one `sendmsg` per run of datagrams to the same
/// destination when the kernel does UDP GSO: every datagram of a run but the
/// last has the run's segment size, the last may be shorter.
async fn send_all(shared: &Shared, out: &[crate::Transmit], buf: &mut Vec<u8>) {
    let mut i = 0;
    while let Some(first) = out.get(i) {
        let max_segments = if gso_off() {
            1
        } else {
            shared.udp.max_gso_segments().max(1)
        };
        let dest = first.destination;
        let seg = first.contents.len();
        buf.clear();
        buf.extend_from_slice(&first.contents);
        let mut n = 1;
        i += 1;
        while let Some(t) = out.get(i) {
            let len = t.contents.len();
            if n >= max_segments
                || t.destination != dest
                || len > seg
                || len == 0
                || buf.len() + len > MAX_GSO_BYTES
            {
                break;
            }
            buf.extend_from_slice(&t.contents);
            n += 1;
            i += 1;
            if len < seg {
                break; // a shorter datagram ends the run
            }
        }
        let t = quinn_udp::Transmit {
            destination: dest,
            ecn: None,
            contents: buf,
            segment_size: (n > 1).then_some(seg),
            src_ip: None,
        };
        // Only WouldBlock comes back (other errors are dropped like loss):
        // wait for room in the socket buffer.
        let _ = shared
            .socket
            .async_io(tokio::io::Interest::WRITABLE, || {
                shared.udp.send((&shared.socket).into(), &t)
            })
            .await;
    }
}
