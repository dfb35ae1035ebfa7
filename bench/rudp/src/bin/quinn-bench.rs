//! quinn peer for scripts/bench-rudp, speaking the same tiny protocol as
//! wirelab-rudp's `rudp-send`/`rudp-recv` examples: the sender opens a
//! stream, writes N bytes and finishes; the receiver reads to the end and
//! answers one byte; the sender reports N / (time from connect to answer).
//!
//!     quinn-bench recv --listen 127.0.0.1:5000 --cert /tmp/cert.der [--count 1]
//!     quinn-bench send --connect 127.0.0.1:5000 --cert /tmp/cert.der --bytes 10000000

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn need(args: &[String], name: &str) -> String {
    arg(args, name).unwrap_or_else(|| {
        eprintln!("quinn-bench: missing {name}");
        std::process::exit(2)
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let _ = rustls::crypto::ring::default_provider().install_default();
    match args.get(1).map(String::as_str) {
        Some("recv") => recv(&args).await,
        Some("send") => send(&args).await,
        _ => {
            eprintln!("usage: quinn-bench recv|send ...");
            std::process::exit(2)
        }
    }
}

async fn recv(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let listen: SocketAddr = need(args, "--listen").parse()?;
    let cert_path = need(args, "--cert");
    let count: usize = arg(args, "--count").map_or(Ok(1), |c| c.parse())?;
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()])?;
    let cert = ck.cert.der().clone();
    let key = rustls::pki_types::PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der());
    std::fs::write(&cert_path, cert.as_ref())?;
    let config = quinn::ServerConfig::with_single_cert(vec![cert], key.into())?;
    let ep = quinn::Endpoint::server(config, listen)?;
    eprintln!("quinn-bench: listening on {}", ep.local_addr()?);
    for _ in 0..count {
        let Some(inc) = ep.accept().await else { break };
        let conn = inc.await?;
        let (mut tx, mut rx) = conn.accept_bi().await?;
        let mut total = 0u64;
        let mut buf = vec![0u8; 1 << 16];
        while let Some(n) = rx.read(&mut buf).await? {
            total += n as u64;
        }
        tx.write_all(&[1]).await?;
        tx.finish()?;
        eprintln!("quinn-bench: received {total} bytes");
        // Wait for the sender to close so the answer is delivered.
        let _ = conn.closed().await;
    }
    Ok(())
}

async fn send(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let to: SocketAddr = need(args, "--connect").parse()?;
    let cert = std::fs::read(need(args, "--cert"))?;
    let bytes: u64 = need(args, "--bytes").parse()?;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(rustls::pki_types::CertificateDer::from(cert))?;
    let client = quinn::ClientConfig::with_root_certificates(Arc::new(roots))?;
    let mut ep = quinn::Endpoint::client("127.0.0.1:0".parse()?)?;
    ep.set_default_client_config(client);
    let start = Instant::now();
    let conn = ep.connect(to, "localhost")?.await?;
    let (mut tx, mut rx) = conn.open_bi().await?;
    let chunk = vec![0x5au8; 1 << 16];
    let mut left = bytes;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        tx.write_all(&chunk[..n]).await?;
        left -= n as u64;
    }
    tx.finish()?;
    let mut ack = [0u8; 1];
    rx.read_exact(&mut ack).await?;
    let secs = start.elapsed().as_secs_f64();
    let stats = conn.stats();
    println!(
        "impl=quinn bytes={bytes} secs={secs:.3} goodput_mbit={:.2} lost_packets={} sent_packets={}",
        bytes as f64 * 8.0 / secs / 1e6,
        stats.path.lost_packets,
        stats.path.sent_packets
    );
    conn.close(0u32.into(), b"done");
    ep.wait_idle().await;
    Ok(())
}
