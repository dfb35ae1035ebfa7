//! The socket edge: N worker threads, each with a current-thread tokio
//! runtime and its own `SO_REUSEPORT` listener (the kernel spreads
//! connections over them, as over nginx's workers), hyper's HTTP/1.1
//! connection driver, a shared limit on open connections, the header-read
//! timeout and an idle timeout.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};

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
    let io = TokioIo::new(IdleIo::new(stream, cfg.idle_timeout));
    let svc = service_fn(move |req| {
        let resp = site.handle(&req, peer);
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
struct IdleIo {
    inner: TcpStream,
    timeout: Duration,
    last: Instant,
    sleep: Pin<Box<Sleep>>,
}

impl IdleIo {
    fn new(inner: TcpStream, timeout: Duration) -> Self {
        let now = Instant::now();
        Self {
            inner,
            timeout,
            last: now,
            sleep: Box::pin(tokio::time::sleep_until(now + timeout)),
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
        match Pin::new(&mut this.inner).poll_write_vectored(cx, bufs) {
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
