//! The socket edge: N worker threads, each with a current-thread tokio
//! runtime and its own `SO_REUSEPORT` listener (the kernel spreads
//! connections over them, as over nginx's workers), hyper's HTTP/1.1
//! connection driver, a shared limit on open connections, the header-read
//! timeout and an idle timeout. File bytes in a response leave with
//! `sendfile` (see [`SendfileHints`]): the response head goes with
//! `MSG_MORE` and the file's pages follow in the same segment, without
//! being copied from user memory, as nginx's `sendfile on`.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, Interest, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};

use super::body::{FileRegion, SendfileHints};
use super::site::Site;

/// Settings of the socket edge.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on (port 0: any free port).
    pub listen: SocketAddr,
    /// Worker threads, each with its own listener and runtime.
    pub workers: usize,
    /// Time allowed to receive a whole request head, counted from when the
    /// server starts waiting for it (the connection opened, or the previous
    /// response was sent): the slowloris guard and the keep-alive limit.
    pub header_timeout: Duration,
    /// A connection on which no byte moves either way for this long is
    /// closed (also in the middle of a response the client stopped reading).
    pub idle_timeout: Duration,
    /// Most connections open at once; more get 503 and are closed.
    pub max_connections: usize,
    /// Largest request head (request line and headers) in bytes; larger
    /// get 431.
    pub max_header_bytes: usize,
}

/// A running server: its address and its worker threads.
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Receives the result of each worker that stops (they normally never do).
    pub done: tokio::sync::mpsc::UnboundedReceiver<io::Result<()>>,
}

fn listener(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    let s = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )?;
    s.set_reuse_address(true)?;
    s.set_reuse_port(true)?;
    if addr.is_ipv6() {
        s.set_only_v6(false)?;
    }
    s.bind(&addr.into())?;
    s.listen(1024)?;
    s.set_nonblocking(true)?;
    Ok(s.into())
}

/// Binds the listeners and starts the workers.
pub fn start(site: Arc<Site>, cfg: ServerConfig) -> io::Result<Running> {
    let first = listener(cfg.listen)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on {}: {e}", cfg.listen)))?;
    let addr = first.local_addr()?;
    let mut listeners = vec![first];
    for _ in 1..cfg.workers.max(1) {
        listeners.push(listener(addr)?);
    }
    let limit = Arc::new(Semaphore::new(cfg.max_connections.max(1)));
    let (tx, done) = tokio::sync::mpsc::unbounded_channel();
    for (i, l) in listeners.into_iter().enumerate() {
        let (site, cfg, limit, tx) = (site.clone(), cfg.clone(), limit.clone(), tx.clone());
        std::thread::Builder::new()
            .name(format!("http-worker-{i}"))
            .spawn(move || {
                let r = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .and_then(|rt| rt.block_on(worker(l, site, cfg, limit)));
                let _ = tx.send(r);
            })?;
    }
    Ok(Running { addr, done })
}

async fn worker(
    l: std::net::TcpListener,
    site: Arc<Site>,
    cfg: ServerConfig,
    limit: Arc<Semaphore>,
) -> io::Result<()> {
    let l = TcpListener::from_std(l)?;
    loop {
        let (stream, peer) = match l.accept().await {
            Ok(x) => x,
            Err(e) => {
                // EMFILE and friends: wait a little instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        match limit.clone().try_acquire_owned() {
            Ok(permit) => {
                let (site, cfg) = (site.clone(), cfg.clone());
                tokio::spawn(async move {
                    connection(stream, peer, site, &cfg).await;
                    drop(permit);
                });
            }
            Err(_) => {
                tracing::debug!(%peer, "too many connections: 503");
                tokio::spawn(refuse(stream));
            }
        }
    }
}

async fn refuse(mut s: TcpStream) {
    let msg = b"HTTP/1.1 503 Service Unavailable\r\nServer: wirelab\r\nContent-Length: 0\r\n\
                Retry-After: 1\r\nConnection: close\r\n\r\n";
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = s.write_all(msg).await;
        let _ = s.shutdown().await;
    })
    .await;
}

async fn connection(stream: TcpStream, peer: SocketAddr, site: Arc<Site>, cfg: &ServerConfig) {
    let hints = Arc::new(SendfileHints::default());
    let io = TokioIo::new(IdleIo::new(stream, cfg.idle_timeout, hints.clone()));
    let svc = service_fn(move |req| {
        let mut resp = site.handle(&req, peer);
        resp.body_mut().set_hints(hints.clone());
        std::future::ready(Ok::<_, Infallible>(resp))
    });
    let r = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(cfg.header_timeout)
        .keep_alive(true)
        .max_header_size(cfg.max_header_bytes.max(1024))
        .max_buf_size(cfg.max_header_bytes.max(8192))
        .serve_connection(io, svc)
        .await;
    if let Err(e) = r {
        tracing::debug!(%peer, error = %e, "connection ended");
    }
}

/// A TCP stream that fails with `TimedOut` once no byte has moved either
/// way for `timeout`. The timer is re-armed lazily: only when it fires is
/// the time of the last transfer looked at, so busy connections cost no
/// timer operation per read or write.
///
/// Writes of buffers that [`SendfileHints`] name as file bytes go out with
/// `sendfile` instead of being copied from memory.
struct IdleIo {
    inner: TcpStream,
    timeout: Duration,
    last: Instant,
    sleep: Pin<Box<Sleep>>,
    hints: Arc<SendfileHints>,
}

impl IdleIo {
    fn new(inner: TcpStream, timeout: Duration, hints: Arc<SendfileHints>) -> Self {
        let now = Instant::now();
        Self {
            inner,
            timeout,
            last: now,
            sleep: Box::pin(tokio::time::sleep_until(now + timeout)),
            hints,
        }
    }

    /// Runs a non-blocking socket operation once the socket is writable.
    fn poll_io(
        &self,
        cx: &mut Context<'_>,
        mut f: impl FnMut(RawFd) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        let fd = self.inner.as_raw_fd();
        loop {
            ready!(self.inner.poll_write_ready(cx))?;
            match self.inner.try_io(Interest::WRITABLE, || f(fd)) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                r => return Poll::Ready(r),
            }
        }
    }

    /// Writes `bufs` when one of them is hinted file bytes: the buffers
    /// before it with `MSG_MORE`, then the file bytes with `sendfile`.
    /// `None`: nothing hinted, or the file could not be sent (the caller
    /// writes the bytes from memory).
    fn poll_write_files(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Option<Poll<io::Result<usize>>> {
        let (i, region) = bufs
            .iter()
            .enumerate()
            .find_map(|(i, b)| Some((i, self.hints.region(b)?)))?;
        let (prefix, buf) = (bufs.get(..i)?, bufs.get(i)?);
        let mut done = 0;
        if !prefix.is_empty() {
            let want: usize = prefix.iter().map(|b| b.len()).sum();
            match self.poll_io(cx, |fd| send_more(fd, prefix)) {
                Poll::Ready(Ok(n)) if n < want => return Some(Poll::Ready(Ok(n))),
                Poll::Ready(Ok(n)) => done = n,
                other => return Some(other),
            }
        }
        let fd = self.inner.as_raw_fd();
        let r = if done == 0 {
            match self.poll_io(cx, |fd| send_file(fd, &region)) {
                Poll::Ready(r) => r,
                Poll::Pending => return Some(Poll::Pending),
            }
        } else {
            // Part already sent: report it rather than wait.
            self.inner
                .try_io(Interest::WRITABLE, || send_file(fd, &region))
        };
        match r {
            Ok(n) if n > 0 => {
                self.hints.sent(buf, n);
                Some(Poll::Ready(Ok(done + n)))
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Some(Poll::Ready(Ok(done))),
            other => {
                // Shorter file than its size, or an error: the bytes in
                // memory are what the response was built from; send those.
                if let Err(e) = other {
                    tracing::debug!(error = %e, "sendfile failed, writing from memory");
                }
                self.hints.forget(buf);
                if done > 0 {
                    Some(Poll::Ready(Ok(done)))
                } else {
                    None
                }
            }
        }
    }

    /// Called when the stream is not ready: has the connection been idle
    /// too long?
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        loop {
            if self.sleep.as_mut().poll(cx).is_pending() {
                return false;
            }
            let deadline = self.last + self.timeout;
            if deadline <= Instant::now() {
                return true;
            }
            self.sleep.as_mut().reset(deadline);
        }
    }

    fn timed_out() -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, "connection idle too long")
    }
}

impl AsyncRead for IdleIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                if buf.filled().len() > before {
                    this.last = Instant::now();
                }
                Poll::Ready(r)
            }
            Poll::Pending if this.expired(cx) => Poll::Ready(Err(IdleIo::timed_out())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncWrite for IdleIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Ready(r) => {
                this.last = Instant::now();
                Poll::Ready(r)
            }
            Poll::Pending if this.expired(cx) => Poll::Ready(Err(IdleIo::timed_out())),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = match this.poll_write_files(cx, bufs) {
            Some(r) => r,
            None => Pin::new(&mut this.inner).poll_write_vectored(cx, bufs),
        };
        match r {
            Poll::Ready(r) => {
                this.last = Instant::now();
                Poll::Ready(r)
            }
            Poll::Pending if this.expired(cx) => Poll::Ready(Err(IdleIo::timed_out())),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(Pin::new(&mut this.inner).poll_flush(cx))?;
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// `sendmsg(bufs, MSG_MORE)`: the kernel holds a short tail back for the
/// data that follows at once (the file bytes).
fn send_more(fd: RawFd, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
    // SAFETY: `msghdr` is plain data; all-zero is a valid empty header.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    // IoSlice is ABI-compatible with `struct iovec` on Unix (documented);
    // sendmsg only reads the buffers, which outlive the call.
    msg.msg_iov = bufs.as_ptr().cast_mut().cast();
    msg.msg_iovlen = bufs.len();
    // SAFETY: `msg` points at `bufs.len()` valid iovecs and no name or
    // control data.
    let r = unsafe { libc::sendmsg(fd, &msg, libc::MSG_MORE | libc::MSG_NOSIGNAL) };
    usize::try_from(r).map_err(|_| io::Error::last_os_error())
}

/// `sendfile` of a hinted region to the socket.
fn send_file(fd: RawFd, region: &FileRegion) -> io::Result<usize> {
    let mut off = libc::off64_t::try_from(region.offset)
        .map_err(|_| io::Error::other("file offset overflows off_t"))?;
    // SAFETY: both descriptors are open for the call (the socket by
    // `self.inner`, the file by the region's Arc); `off` is a valid
    // pointer to an off64_t; sendfile does not touch user memory else.
    let r = unsafe { libc::sendfile64(fd, region.file.as_raw_fd(), &mut off, region.len) };
    usize::try_from(r).map_err(|_| io::Error::last_os_error())
}
