//! `wirelab echo`: the classic socket-lab pair on TCP port 5001.
//!
//! `wirelab echo serve` echoes every byte back until the client closes (or
//! is idle too long), for many clients at once; `wirelab echo client`
//! connects, sends one message, reads the reply, prints it with the round
//! trip time and closes with FIN, or with `--interactive` echoes each line
//! read from stdin. [`echo_once`] is the same exchange for other code (the
//! scenario client).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// Command-line arguments of `wirelab echo`.
#[derive(Debug, Clone, clap::Args)]
pub struct EchoArgs {
    /// Serve or connect.
    #[command(subcommand)]
    pub cmd: EchoCmd,
    /// Log level (error, warn, info, debug, trace) or a tracing filter.
    #[arg(long, default_value = "info", global = true)]
    pub log_level: String,
}

/// `wirelab echo serve` or `wirelab echo client`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum EchoCmd {
    /// TCP echo server.
    Serve {
        /// Address and port to listen on.
        #[arg(long, default_value = "0.0.0.0:5001")]
        listen: SocketAddr,
        /// Seconds without traffic before a client is disconnected.
        #[arg(long, default_value_t = 60)]
        idle_timeout: u64,
        /// Most clients at once; more are closed on accept.
        #[arg(long, default_value_t = 1024)]
        max_clients: usize,
    },
    /// TCP echo client: send a message, print the reply and the RTT.
    Client {
        /// Server address and port.
        #[arg(long)]
        connect: SocketAddr,
        /// The message to send.
        #[arg(long, default_value = "hello from wirelab")]
        message: String,
        /// Read lines from stdin and echo each one.
        #[arg(long)]
        interactive: bool,
        /// Seconds to wait for the connection and for each reply.
        #[arg(long, default_value_t = 5)]
        timeout: u64,
    },
}

/// Serves echo on `listener` until it fails.
pub async fn serve(
    listener: TcpListener,
    idle: Duration,
    max_clients: usize,
) -> anyhow::Result<()> {
    let limit = Arc::new(Semaphore::new(max_clients.max(1)));
    loop {
        let (mut s, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = limit.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "too many clients, closing");
            continue;
        };
        tokio::spawn(async move {
            let _permit = permit;
            let _ = s.set_nodelay(true);
            let mut buf = vec![0u8; 16 * 1024];
            let mut total = 0u64;
            loop {
                match tokio::time::timeout(idle, s.read(&mut buf)).await {
                    Err(_) => {
                        tracing::info!(%peer, "idle too long, closing");
                        break;
                    }
                    Ok(Ok(0)) => break,
                    Ok(Ok(n)) => {
                        let Some(data) = buf.get(..n) else { break };
                        if s.write_all(data).await.is_err() {
                            break;
                        }
                        total += n as u64;
                    }
                    Ok(Err(e)) => {
                        tracing::debug!(%peer, error = %e, "read failed");
                        break;
                    }
                }
            }
            let _ = s.shutdown().await;
            tracing::info!(%peer, bytes = total, "client done");
        });
    }
}

/// Connects to `addr`, sends `msg`, reads the same number of bytes back,
/// closes with FIN, and returns the reply and the round-trip time (from
/// sending to the last byte of the reply). Each step is bounded by `timeout`.
pub async fn echo_once(
    addr: SocketAddr,
    msg: &[u8],
    timeout: Duration,
) -> anyhow::Result<(Vec<u8>, Duration)> {
    let mut s = tokio::time::timeout(timeout, TcpStream::connect(addr))
        .await
        .with_context(|| format!("connecting to {addr}: timed out"))?
        .with_context(|| format!("connecting to {addr}"))?;
    let _ = s.set_nodelay(true);
    let (reply, rtt) = exchange(&mut s, msg, timeout)
        .await
        .with_context(|| format!("echo with {addr}"))?;
    s.shutdown().await.context("closing")?;
    // Wait for the server's FIN so the teardown is complete.
    let mut rest = [0u8; 64];
    let _ = tokio::time::timeout(timeout, s.read(&mut rest)).await;
    Ok((reply, rtt))
}

async fn exchange(
    s: &mut TcpStream,
    msg: &[u8],
    timeout: Duration,
) -> anyhow::Result<(Vec<u8>, Duration)> {
    let start = Instant::now();
    tokio::time::timeout(timeout, s.write_all(msg))
        .await
        .context("sending: timed out")?
        .context("sending")?;
    let mut reply = vec![0u8; msg.len()];
    tokio::time::timeout(timeout, s.read_exact(&mut reply))
        .await
        .context("reading the reply: timed out")?
        .context("reading the reply")?;
    Ok((reply, start.elapsed()))
}

fn init_log(level: &str) -> anyhow::Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(level)
                .with_context(|| format!("bad --log-level '{level}'"))?,
        )
        .try_init();
    Ok(())
}

/// Runs `wirelab echo serve` or `wirelab echo client`.
pub async fn run(args: EchoArgs) -> anyhow::Result<()> {
    init_log(&args.log_level)?;
    match args.cmd {
        EchoCmd::Serve {
            listen,
            idle_timeout,
            max_clients,
        } => {
            let l = TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            tracing::info!(addr = %l.local_addr()?, "echo server listening");
            tokio::select! {
                r = serve(l, Duration::from_secs(idle_timeout.max(1)), max_clients) => r,
                r = tokio::signal::ctrl_c() => r.context("cannot wait for Ctrl-C"),
            }
        }
        EchoCmd::Client {
            connect,
            message,
            interactive,
            timeout,
        } => {
            let timeout = Duration::from_secs(timeout.max(1));
            if !interactive {
                let (reply, rtt) = echo_once(connect, message.as_bytes(), timeout).await?;
                println!(
                    "{} (rtt {:.3} ms)",
                    String::from_utf8_lossy(&reply),
                    rtt.as_secs_f64() * 1e3
                );
                return Ok(());
            }
            let mut s = tokio::time::timeout(timeout, TcpStream::connect(connect))
                .await
                .with_context(|| format!("connecting to {connect}: timed out"))?
                .with_context(|| format!("connecting to {connect}"))?;
            let _ = s.set_nodelay(true);
            let mut lines = BufReader::new(tokio::io::stdin()).lines();
            while let Some(line) = lines.next_line().await.context("reading stdin")? {
                let msg = format!("{line}\n");
                let (reply, rtt) = exchange(&mut s, msg.as_bytes(), timeout).await?;
                println!(
                    "{} (rtt {:.3} ms)",
                    String::from_utf8_lossy(&reply).trim_end_matches('\n'),
                    rtt.as_secs_f64() * 1e3
                );
            }
            s.shutdown().await.context("closing")?;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn roundtrip_and_many_clients() {
        let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = l.local_addr().expect("addr");
        tokio::spawn(serve(l, Duration::from_secs(5), 64));
        let (reply, _rtt) = echo_once(addr, b"ping", Duration::from_secs(5))
            .await
            .expect("echo");
        assert_eq!(reply, b"ping");
        let mut tasks = Vec::new();
        for i in 0..32u32 {
            tasks.push(tokio::spawn(async move {
                let msg = format!("client {i} {}", "x".repeat(i as usize * 100));
                let (r, _) = echo_once(addr, msg.as_bytes(), Duration::from_secs(5))
                    .await
                    .expect("echo");
                assert_eq!(r, msg.as_bytes());
            }));
        }
        for t in tasks {
            t.await.expect("task");
        }
    }
}
