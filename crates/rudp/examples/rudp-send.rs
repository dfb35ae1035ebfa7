//! Sender for scripts/bench-rudp: connects, writes N bytes, finishes, waits
//! for the receiver's `OK <bytes>` and prints the goodput measured from the
//! start of the handshake to that answer.
//!
//!     cargo run --release -p wirelab-rudp --example rudp-send -- --connect 127.0.0.1:5000 --bytes 10000000 [--cc bbr|cubic|newreno] [--progress]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use wirelab_rudp::driver::Endpoint;
use wirelab_rudp::EndpointConfig;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let to: SocketAddr = arg(&args, "--connect")
        .ok_or("missing --connect ADDR:PORT")?
        .parse()?;
    let bytes: usize = arg(&args, "--bytes").ok_or("missing --bytes N")?.parse()?;
    let mut config = EndpointConfig::default();
    if let Some(cc) = arg(&args, "--cc") {
        config.connection.congestion = cc.parse()?;
    }
    let ep = Endpoint::client("127.0.0.1:0".parse()?, config).await?;
    let start = Instant::now();
    let conn = ep.connect(to).await?;
    if args.iter().any(|a| a == "--progress") {
        // Every 100 ms: elapsed, stream bytes sent, srtt, cwnd, in flight, pacing.
        let c = conn.clone();
        tokio::spawn(async move {
            let t0 = Instant::now();
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let Some(s) = c.stats() else { break };
                eprintln!(
                    "{:>6.0} ms sent {:>9} lost {:>5} srtt {:>5.1} ms cwnd {:>7} inflight {:>7} pacing {:>6.1} Mbit/s",
                    t0.elapsed().as_secs_f64() * 1e3,
                    s.stream_bytes_sent,
                    s.packets_lost,
                    s.srtt.as_secs_f64() * 1e3,
                    s.cwnd,
                    s.bytes_in_flight,
                    s.pacing_rate * 8e-6
                );
            }
        });
    }
    let chunk = vec![0x5au8; 1 << 16];
    let mut left = bytes;
    while left > 0 {
        let n = left.min(chunk.len());
        conn.write_all(&chunk[..n]).await?;
        left -= n;
    }
    conn.finish().await?;
    let answer = conn
        .recv_message()
        .await?
        .ok_or("receiver closed without answering")?;
    let secs = start.elapsed().as_secs_f64();
    let expect = format!("OK {bytes}");
    if answer != expect.as_bytes() {
        return Err(format!(
            "receiver answered {:?}, expected {expect:?}",
            String::from_utf8_lossy(&answer)
        )
        .into());
    }
    let stats = conn.stats().unwrap_or_default();
    println!(
        "impl=rudp bytes={bytes} secs={secs:.3} goodput_mbit={:.2} lost_packets={} sent_packets={}",
        bytes as f64 * 8.0 / secs / 1e6,
        stats.packets_lost,
        stats.packets_sent
    );
    eprintln!("{stats}");
    conn.close(Duration::from_secs(2)).await?;
    Ok(())
}
