//! `wirelab link`: a UDP relay with impairments in both directions.
//!
//! Clients talk to `--listen`; each client gets its own upstream socket
//! towards `--forward`, so the server sees one address per client and its
//! answers find their way back. Both directions run their own
//! [`Impairment`] (seeds `N` and `N+1`) with the same settings.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use wirelab_rudp::driver::bind_udp;
use wirelab_rudp::impair::{Blackhole, GilbertElliott, ImpairConfig, ImpairStats, Impairment};

/// Arguments of `wirelab link`.
#[derive(Debug, Clone, clap::Args)]
pub struct LinkArgs {
    /// Address clients send to.
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: SocketAddr,
    /// Address packets are relayed to (the server).
    #[arg(long, value_name = "ADDR:PORT")]
    pub forward: SocketAddr,
    /// Random loss per packet, e.g. `10%` or `0.1`.
    #[arg(long, default_value = "0%", value_parser = parse_probability)]
    pub loss: f64,
    /// Gilbert–Elliott burst loss: `P_GOOD_TO_BAD,P_BAD_TO_GOOD,LOSS_BAD[,LOSS_GOOD]`,
    /// e.g. `1%,10%,50%`.
    #[arg(long, value_name = "P,R,LOSS_BAD[,LOSS_GOOD]", value_parser = parse_gilbert)]
    pub burst_loss: Option<GilbertElliott>,
    /// One-way delay, e.g. `10ms`.
    #[arg(long, default_value = "0ms", value_parser = parse_duration)]
    pub delay: Duration,
    /// Uniform jitter around the delay, e.g. `2ms`.
    #[arg(long, default_value = "0ms", value_parser = parse_duration)]
    pub jitter: Duration,
    /// Share of packets held back so that later ones overtake them, e.g. `5%`.
    #[arg(long, default_value = "0%", value_parser = parse_probability)]
    pub reorder: f64,
    /// How long a reordered packet is held back (default: max(delay, 5ms)).
    #[arg(long, value_parser = parse_duration)]
    pub reorder_gap: Option<Duration>,
    /// Share of packets delivered twice.
    #[arg(long, default_value = "0%", value_parser = parse_probability)]
    pub duplicate: f64,
    /// Share of packets with one bit flipped.
    #[arg(long, default_value = "0%", value_parser = parse_probability)]
    pub corrupt: f64,
    /// Link rate per direction, e.g. `100mbit`, `1gbit`, `512kbit`.
    #[arg(long, value_parser = parse_rate)]
    pub rate: Option<u64>,
    /// Queue limit of the rate limiter, in packets.
    #[arg(long, default_value_t = 1000)]
    pub queue: usize,
    /// Blackhole schedule `ON/OFF`: the link works for OFF, then drops
    /// everything for ON, repeating; e.g. `1s/5s`.
    #[arg(long, value_name = "ON/OFF", value_parser = parse_blackhole)]
    pub blackhole: Option<Blackhole>,
    /// Seed of the impairment model.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Stop after this long (default: until Ctrl-C or SIGTERM).
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
}

impl LinkArgs {
    /// The impairment model for one direction.
    pub fn impair_config(&self, seed: u64) -> ImpairConfig {
        ImpairConfig {
            loss: self.loss,
            gilbert: self.burst_loss,
            delay: self.delay,
            jitter: self.jitter,
            reorder: self.reorder,
            reorder_gap: self.reorder_gap.unwrap_or(Duration::ZERO),
            duplicate: self.duplicate,
            corrupt: self.corrupt,
            rate_bps: self.rate,
            queue_packets: self.queue,
            blackhole: self.blackhole,
            seed,
        }
    }
}

/// What the link did.
#[derive(Debug, Clone)]
pub struct LinkReport {
    /// Address listened on.
    pub listen: SocketAddr,
    /// Address forwarded to.
    pub forward: SocketAddr,
    /// How long it ran.
    pub elapsed: Duration,
    /// Distinct clients seen.
    pub clients: usize,
    /// Client → server direction.
    pub upstream: ImpairStats,
    /// Server → client direction.
    pub downstream: ImpairStats,
}

impl fmt::Display for LinkReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "link {} -> {}: ran {:.1?}, {} client(s)",
            self.listen, self.forward, self.elapsed, self.clients
        )?;
        writeln!(f, "  client -> server: {}", self.upstream)?;
        write!(f, "  server -> client: {}", self.downstream)
    }
}

/// Parses `10%`, `0.5%` or a fraction `0.1` into a probability in `[0, 1]`.
pub fn parse_probability(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let (num, scale) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), 100.0),
        None => (t, 1.0),
    };
    let v: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a probability (write e.g. 10% or 0.1)"))?;
    let p = v / scale;
    if scale == 1.0 && v > 1.0 && v <= 100.0 {
        return Err(format!(
            "{s:?}: a bare number is a fraction between 0 and 1; write {v}% for percent"
        ));
    }
    if !(0.0..=1.0).contains(&p) || !p.is_finite() {
        return Err(format!("{s:?} is outside 0%..100%"));
    }
    Ok(p)
}

/// Parses `10ms`, `1.5s`, `250us`, `2m`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("{s:?} has no unit (write e.g. 10ms, 1s, 250us)"))?;
    let (num, unit) = t.split_at(split);
    let v: f64 = num
        .parse()
        .map_err(|_| format!("{s:?}: {num:?} is not a number"))?;
    let secs = match unit.trim() {
        "ns" => v / 1e9,
        "us" | "µs" => v / 1e6,
        "ms" => v / 1e3,
        "s" => v,
        "m" | "min" => v * 60.0,
        "h" => v * 3600.0,
        u => return Err(format!("{s:?}: unknown unit {u:?} (ns, us, ms, s, m, h)")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| format!("{s:?}: {e}"))
}

/// Parses a rate in bits per second: `100mbit`, `1gbit`, `512kbit`, `9600bit`
/// (also `kbps`/`mbps`/`gbps`, bits too, as tc does).
pub fn parse_rate(s: &str) -> Result<u64, String> {
    let t = s.trim().to_ascii_lowercase();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("{s:?} has no unit (write e.g. 100mbit, 1gbit)"))?;
    let (num, unit) = t.split_at(split);
    let v: f64 = num
        .parse()
        .map_err(|_| format!("{s:?}: {num:?} is not a number"))?;
    let mult = match unit {
        "bit" | "bps" => 1.0,
        "kbit" | "kbps" | "k" => 1e3,
        "mbit" | "mbps" | "m" => 1e6,
        "gbit" | "gbps" | "g" => 1e9,
        u => {
            return Err(format!(
                "{s:?}: unknown rate unit {u:?} (bit, kbit, mbit, gbit)"
            ))
        }
    };
    let r = v * mult;
    if !(1.0..=1e12).contains(&r) {
        return Err(format!("{s:?} is outside 1bit..1000gbit"));
    }
    Ok(r as u64)
}

/// Parses `ON/OFF`, e.g. `1s/5s`.
pub fn parse_blackhole(s: &str) -> Result<Blackhole, String> {
    let (on, off) = s
        .split_once('/')
        .ok_or_else(|| format!("{s:?} is not ON/OFF (write e.g. 1s/5s)"))?;
    let b = Blackhole {
        on: parse_duration(on)?,
        off: parse_duration(off)?,
    };
    if b.on.is_zero() && b.off.is_zero() {
        return Err(format!("{s:?}: both periods are zero"));
    }
    Ok(b)
}

/// Parses `P,R,LOSS_BAD[,LOSS_GOOD]` (each a probability).
pub fn parse_gilbert(s: &str) -> Result<GilbertElliott, String> {
    let parts: Vec<&str> = s.split(',').collect();
    if !(3..=4).contains(&parts.len()) {
        return Err(format!(
            "{s:?} is not P_GOOD_TO_BAD,P_BAD_TO_GOOD,LOSS_BAD[,LOSS_GOOD] (e.g. 1%,10%,50%)"
        ));
    }
    let p: Vec<f64> = parts
        .iter()
        .map(|x| parse_probability(x))
        .collect::<Result<_, _>>()?;
    Ok(GilbertElliott {
        p_good_to_bad: p[0],
        p_bad_to_good: p[1],
        loss_bad: p[2],
        loss_good: p.get(3).copied().unwrap_or(0.0),
    })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Runs the relay until Ctrl-C, SIGTERM or `--duration`, prints and returns
/// what it did.
pub async fn run_link(args: LinkArgs) -> anyhow::Result<LinkReport> {
    let front = bind_udp(args.listen)
        .with_context(|| format!("link: cannot bind --listen {}", args.listen))?;
    let listen = front.local_addr()?;
    eprintln!(
        "link: listening on {listen}, forwarding to {}",
        args.forward
    );
    let start = Instant::now();
    let stop_at = args.duration.map(|d| start + d);
    let mut up: Impairment<SocketAddr> = Impairment::new(args.impair_config(args.seed));
    let mut down: Impairment<SocketAddr> =
        Impairment::new(args.impair_config(args.seed.wrapping_add(1)));
    let mut upstream: HashMap<SocketAddr, Arc<UdpSocket>> = HashMap::new();
    let (tx, mut rx) = mpsc::channel::<(SocketAddr, Vec<u8>)>(8192);
    let mut readers = Vec::new();
    let upstream_bind: SocketAddr = if args.forward.is_ipv4() {
        "0.0.0.0:0".parse()?
    } else {
        "[::]:0".parse()?
    };
    let mut buf = vec![0u8; 65_536];
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        let next = [up.next_deadline(), down.next_deadline(), stop_at]
            .into_iter()
            .flatten()
            .min();
        let sleep = async {
            match next {
                Some(t) => tokio::time::sleep_until(tokio::time::Instant::from_std(t)).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            r = front.recv_from(&mut buf) => {
                let (n, client) = match r {
                    Ok(x) => x,
                    // ICMP errors from earlier sends surface here: ignore.
                    Err(_) => continue,
                };
                let now = Instant::now();
                if let std::collections::hash_map::Entry::Vacant(e) = upstream.entry(client) {
                    let sock = Arc::new(bind_udp(upstream_bind)
                        .context("link: cannot bind an upstream socket")?);
                    e.insert(sock.clone());
                    let tx = tx.clone();
                    readers.push(tokio::spawn(async move {
                        let mut b = vec![0u8; 65_536];
                        loop {
                            match sock.recv_from(&mut b).await {
                                Ok((n, _)) => {
                                    if tx.send((client, b[..n].to_vec())).await.is_err() {
                                        break;
                                    }
                                }
                                Err(_) => continue,
                            }
                        }
                    }));
                }
                up.push(now, buf[..n].to_vec(), client);
            }
            Some((client, data)) = rx.recv() => {
                down.push(Instant::now(), data, client);
            }
            _ = sleep => {}
            _ = &mut shutdown => break,
        }
        let now = Instant::now();
        if stop_at.is_some_and(|t| now >= t) {
            break;
        }
        while let Some((data, client)) = up.poll(now) {
            if let Some(sock) = upstream.get(&client) {
                let _ = sock.send_to(&data, args.forward).await;
            }
        }
        while let Some((data, client)) = down.poll(now) {
            let _ = front.send_to(&data, client).await;
        }
    }
    for r in readers {
        r.abort();
    }
    let report = LinkReport {
        listen,
        forward: args.forward,
        elapsed: start.elapsed(),
        clients: upstream.len(),
        upstream: up.stats().clone(),
        downstream: down.stats().clone(),
    };
    println!("{report}");
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_percentages_durations_rates() {
        assert_eq!(parse_probability("10%").unwrap(), 0.1);
        assert_eq!(parse_probability("0.25").unwrap(), 0.25);
        assert!(parse_probability("150%").unwrap_err().contains("outside"));
        assert!(parse_probability("ten")
            .unwrap_err()
            .contains("not a probability"));
        assert_eq!(parse_duration("10ms").unwrap(), Duration::from_millis(10));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert!(parse_duration("10").unwrap_err().contains("no unit"));
        assert!(parse_duration("10parsecs")
            .unwrap_err()
            .contains("unknown unit"));
        assert_eq!(parse_rate("100mbit").unwrap(), 100_000_000);
        assert_eq!(parse_rate("1.5Gbit").unwrap(), 1_500_000_000);
        assert!(parse_rate("fast").is_err());
        let b = parse_blackhole("1s/5s").unwrap();
        assert_eq!(
            (b.on, b.off),
            (Duration::from_secs(1), Duration::from_secs(5))
        );
        assert!(parse_blackhole("1s").is_err());
        let g = parse_gilbert("1%,10%,50%").unwrap();
        assert_eq!(
            (g.p_good_to_bad, g.p_bad_to_good, g.loss_bad, g.loss_good),
            (0.01, 0.1, 0.5, 0.0)
        );
    }

    #[test]
    fn clap_accepts_the_documented_command_line() {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct T {
            #[command(flatten)]
            link: LinkArgs,
        }
        let t = T::try_parse_from([
            "link",
            "--listen",
            "127.0.0.1:40000",
            "--forward",
            "127.0.0.1:49152",
            "--loss",
            "10%",
            "--delay",
            "10ms",
            "--jitter",
            "1ms",
            "--rate",
            "100mbit",
            "--blackhole",
            "1s/5s",
            "--seed",
            "7",
        ])
        .unwrap();
        assert_eq!(t.link.loss, 0.1);
        assert_eq!(t.link.rate, Some(100_000_000));
        let e = T::try_parse_from([
            "link",
            "--listen",
            "127.0.0.1:1",
            "--forward",
            "127.0.0.1:2",
            "--loss",
            "x",
        ])
        .err()
        .unwrap()
        .to_string();
        assert!(e.contains("not a probability"), "{e}");
    }
}
