//! Receiver for scripts/bench-rudp: accepts connections, reads each stream
//! to its end, answers one message `OK <bytes>`, prints the count.
//!
//!     cargo run --release -p wirelab-rudp --example rudp-recv -- --listen 127.0.0.1:5000 [--count 1]

use std::net::SocketAddr;
use std::time::Duration;

use wirelab_rudp::driver::Endpoint;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let listen: SocketAddr = arg(&args, "--listen")
        .ok_or("missing --listen ADDR:PORT")?
        .parse()?;
    let count: usize = arg(&args, "--count").map_or(Ok(1), |c| c.parse())?;
    let ep = Endpoint::server(listen, Default::default()).await?;
    eprintln!("rudp-recv: listening on {}", ep.local_addr()?);
    for _ in 0..count {
        let Some(conn) = ep.accept().await else { break };
        let mut total = 0u64;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = conn.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            total += n as u64;
        }
        conn.send_message(format!("OK {total}").as_bytes()).await?;
        eprintln!("rudp-recv: received {total} bytes");
        if let Some(s) = conn.stats() {
            eprintln!("{s}");
        }
        conn.close(Duration::from_secs(5)).await?;
    }
    Ok(())
}
