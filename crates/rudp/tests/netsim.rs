//! Deterministic simulations: two sans-I/O endpoints joined by the seeded
//! impairment model, on a virtual clock (in the spirit of smoltcp's
//! `tests/netsim.rs` and quinn's `Pair`). Every loop is bounded.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use wirelab_rudp::impair::{GilbertElliott, ImpairConfig, Impairment};
use wirelab_rudp::wire::{self, Frame, Header, PacketType};
use wirelab_rudp::{Algorithm, Config, ConnectionHandle, Endpoint, EndpointConfig};

const MB: usize = 1 << 20;

fn client_addr() -> SocketAddr {
    "10.0.0.1:40000".parse().unwrap()
}
fn server_addr() -> SocketAddr {
    "10.0.0.2:49152".parse().unwrap()
}

struct Sim {
    now: Instant,
    t0: Instant,
    client: Endpoint,
    server: Endpoint,
    up: Impairment<SocketAddr>,
    down: Impairment<SocketAddr>,
    /// Every datagram the client sent, for replay tests.
    client_sent: Vec<Vec<u8>>,
    record: bool,
}

fn link(loss: f64, seed: u64) -> ImpairConfig {
    ImpairConfig {
        loss,
        delay: Duration::from_millis(10),
        rate_bps: Some(100_000_000),
        queue_packets: 1000,
        seed,
        ..Default::default()
    }
}

impl Sim {
    fn new(up: ImpairConfig, down: ImpairConfig, conn: Config) -> Self {
        let t0 = Instant::now();
        let client = Endpoint::new(
            t0,
            EndpointConfig {
                seed: 11,
                connection: conn.clone(),
                ..Default::default()
            },
        );
        let server = Endpoint::new(
            t0,
            EndpointConfig {
                seed: 22,
                server: true,
                cookie_key: *b"0123456789abcdef",
                connection: conn,
                ..Default::default()
            },
        );
        Self {
            now: t0,
            t0,
            client,
            server,
            up: Impairment::new(up),
            down: Impairment::new(down),
            client_sent: Vec::new(),
            record: false,
        }
    }

    fn elapsed(&self) -> Duration {
        self.now - self.t0
    }

    /// Moves packets and time forward by one event.
    fn step(&mut self) {
        let now = self.now;
        for _ in 0..10_000 {
            let Some(t) = self.client.poll_transmit(now) else {
                break;
            };
            if self.record {
                self.client_sent.push(t.contents.clone());
            }
            self.up.push(now, t.contents, t.destination);
        }
        for _ in 0..10_000 {
            let Some(t) = self.server.poll_transmit(now) else {
                break;
            };
            self.down.push(now, t.contents, t.destination);
        }
        let mut delivered = false;
        while let Some((d, to)) = self.up.poll(now) {
            assert_eq!(to, server_addr());
            self.server.handle(now, client_addr(), &d);
            delivered = true;
        }
        while let Some((d, to)) = self.down.poll(now) {
            assert_eq!(to, client_addr());
            self.client.handle(now, server_addr(), &d);
            delivered = true;
        }
        if delivered {
            return;
        }
        let next = [
            self.client.poll_timeout(),
            self.server.poll_timeout(),
            self.up.next_deadline(),
            self.down.next_deadline(),
        ]
        .into_iter()
        .flatten()
        .min();
        // Never stand still: at least 10 µs per idle step.
        self.now = next.map_or(now + Duration::from_millis(1), |n| {
            n.max(now + Duration::from_micros(10))
        });
        self.client.handle_timeout(self.now);
        self.server.handle_timeout(self.now);
    }

    /// Steps until `done` or the virtual deadline / step budget runs out.
    fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&mut Sim) -> bool) -> bool {
        for _ in 0..5_000_000 {
            if done(self) {
                return true;
            }
            if self.elapsed() > limit {
                return false;
            }
            self.step();
        }
        false
    }

    fn connect(&mut self, limit: Duration) -> Option<(ConnectionHandle, ConnectionHandle)> {
        let c = self.client.connect(self.now, server_addr());
        let mut s = None;
        let ok = self.run_until(limit, |sim| {
            if s.is_none() {
                s = sim.server.accept();
            }
            s.is_some() && sim.client.connection(c).is_some_and(|c| c.is_established())
        });
        ok.then(|| (c, s.unwrap()))
    }
}

fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut v = vec![0; len];
    StdRng::seed_from_u64(seed).fill_bytes(&mut v);
    v
}

struct Outcome {
    elapsed: Duration,
    client: wirelab_rudp::Stats,
}

/// Sends `data` client → server and checks it arrives byte-exact.
fn transfer(sim: &mut Sim, data: &[u8], limit: Duration) -> Outcome {
    transfer_with(sim, data, limit, |_| {})
}

/// As [`transfer`], calling `hook` before every step.
fn transfer_with(
    sim: &mut Sim,
    data: &[u8],
    limit: Duration,
    mut hook: impl FnMut(&mut Sim),
) -> Outcome {
    let (c, s) = sim.connect(Duration::from_secs(30)).expect("handshake");
    let start = sim.now;
    let mut written = 0;
    let mut got = Vec::with_capacity(data.len());
    let mut buf = vec![0; 256 * 1024];
    let ok = sim.run_until(limit, |sim| {
        hook(sim);
        let cc = sim.client.connection(c).unwrap();
        if written < data.len() {
            written += cc.write(&data[written..]).unwrap();
            if written == data.len() {
                cc.finish();
            }
        }
        let sc = sim.server.connection(s).unwrap();
        while let Some(n) = sc.read(&mut buf) {
            if n == 0 {
                return true;
            }
            got.extend_from_slice(&buf[..n]);
        }
        false
    });
    let stats = sim.client.connection(c).unwrap().stats();
    let elapsed = sim.now - start;
    assert!(
        ok,
        "transfer stalled after {} of {} bytes at {:?}\n{stats}",
        got.len(),
        data.len(),
        sim.elapsed()
    );
    assert!(got == data, "received bytes differ from sent bytes");
    // Graceful close: the server closes, both sides end up closed well
    // before the idle timeout.
    sim.server.connection(s).unwrap().close(sim.now, 0, b"done");
    let closed = sim.run_until(sim.elapsed() + Duration::from_secs(10), |sim| {
        sim.server.connection(s).unwrap().is_closed()
            && sim.client.connection(c).unwrap().is_closed()
    });
    assert!(closed, "close did not complete");
    Outcome {
        elapsed,
        client: stats,
    }
}

fn check_loss(loss: f64, seed: u64) {
    let mut sim = Sim::new(link(loss, seed), link(loss, seed + 1), Config::default());
    let mb: usize = std::env::var("NETSIM_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let data = pattern(mb * MB, seed);
    let o = transfer(&mut sim, &data, Duration::from_secs(60));
    let goodput = data.len() as f64 * 8.0 / o.elapsed.as_secs_f64();
    let ideal = 100e6 * (1.0 - loss);
    println!(
        "loss {:.0}%: {mb} MiB in {:?} (virtual) = {:.1} Mbit/s, {:.0}% of ideal\n{}",
        loss * 100.0,
        o.elapsed,
        goodput / 1e6,
        100.0 * goodput / ideal,
        o.client
    );
    // Behaviour, in virtual time: recovery keeps the link busy.
    let floor = if loss <= 0.1 { 0.75 } else { 0.6 };
    assert!(
        goodput >= floor * ideal,
        "goodput {goodput:.0} below {floor} of ideal {ideal:.0}"
    );
}

#[test]
fn transfer_no_loss() {
    check_loss(0.0, 1);
}
#[test]
fn transfer_1pct_loss() {
    check_loss(0.01, 2);
}
#[test]
fn transfer_5pct_loss() {
    check_loss(0.05, 3);
}
#[test]
fn transfer_10pct_loss() {
    check_loss(0.10, 4);
}
#[test]
fn transfer_30pct_loss() {
    check_loss(0.30, 5);
}

#[test]
fn transfer_through_reorder_duplicate_corrupt_jitter() {
    let cfg = |seed| ImpairConfig {
        loss: 0.02,
        reorder: 0.1,
        duplicate: 0.05,
        corrupt: 0.05,
        jitter: Duration::from_millis(3),
        ..link(0.0, seed)
    };
    let mut sim = Sim::new(cfg(7), cfg(8), Config::default());
    let data = pattern(10 * MB, 7);
    let o = transfer(&mut sim, &data, Duration::from_secs(60));
    println!("{:?}\n{}", o.elapsed, o.client);
    assert!(
        sim.up.stats().corrupted > 100
            && sim.up.stats().reordered > 100
            && sim.up.stats().duplicated > 100
    );
}

#[test]
fn transfer_through_50pct_loss_bursts() {
    let cfg = |seed| ImpairConfig {
        gilbert: Some(GilbertElliott {
            p_good_to_bad: 0.02,
            p_bad_to_good: 0.1,
            loss_bad: 0.5,
            loss_good: 0.0,
        }),
        ..link(0.0, seed)
    };
    let mut sim = Sim::new(cfg(9), cfg(10), Config::default());
    let data = pattern(10 * MB, 9);
    let o = transfer(&mut sim, &data, Duration::from_secs(60));
    println!("{:?}\n{}", o.elapsed, o.client);
    assert!(sim.up.stats().lost > 500);
}

#[test]
fn every_congestion_controller_delivers() {
    for alg in [Algorithm::NewReno, Algorithm::Cubic, Algorithm::Bbr] {
        let conf = Config {
            congestion: alg,
            ..Config::default()
        };
        let mut sim = Sim::new(link(0.02, 12), link(0.02, 13), conf);
        let data = pattern(2 * MB, 12);
        let o = transfer(&mut sim, &data, Duration::from_secs(60));
        println!("{alg:?}: {:?}\n{}", o.elapsed, o.client);
        assert_eq!(o.client.congestion, format!("{alg:?}").to_lowercase());
    }
}

#[test]
fn survives_a_2s_blackhole() {
    let mut sim = Sim::new(link(0.0, 14), link(0.0, 15), Config::default());
    let data = pattern(8 * MB, 14);
    let start = sim.now;
    // Both directions go dark 0.3 s into the transfer, for 2 s.
    let o = transfer_with(&mut sim, &data, Duration::from_secs(60), |sim| {
        let t = sim.now - start;
        let dark = t >= Duration::from_millis(300) && t < Duration::from_millis(2300);
        sim.up.force_blackhole(dark);
        sim.down.force_blackhole(dark);
    });
    println!("{:?}\n{}", o.elapsed, o.client);
    assert!(sim.up.stats().blackholed > 10, "{}", sim.up.stats());
    assert!(o.elapsed > Duration::from_millis(2300));
    assert!(o.client.rto_expirations > 0);
    // Back to speed afterwards: done within a few seconds of the light.
    assert!(o.elapsed < Duration::from_secs(8), "{:?}", o.elapsed);
}

#[test]
fn handshake_completes_at_30pct_loss_both_ways() {
    for seed in 0..20 {
        let mut sim = Sim::new(
            link(0.3, 100 + seed),
            link(0.3, 200 + seed),
            Config::default(),
        );
        let (c, s) = sim
            .connect(Duration::from_secs(20))
            .expect("handshake at 30% loss");
        // And a message makes it across.
        sim.client
            .connection(c)
            .unwrap()
            .write(b"NEW alice")
            .unwrap();
        let mut buf = [0; 64];
        let mut got = Vec::new();
        assert!(sim.run_until(Duration::from_secs(40), |sim| {
            if let Some(n) = sim.server.connection(s).unwrap().read(&mut buf) {
                got.extend_from_slice(&buf[..n]);
            }
            got == b"NEW alice"
        }));
    }
}

#[test]
fn spoofed_syns_create_no_state_and_are_not_amplified() {
    let mut sim = Sim::new(link(0.0, 1), link(0.0, 2), Config::default());
    let mut rng = StdRng::seed_from_u64(3);
    let mut syn = Vec::new();
    Header {
        ptype: PacketType::Syn,
        dcid: 0,
        pn: 0,
    }
    .emit(&mut syn);
    Frame::Syn {
        client_cid: 5,
        max_data: 1 << 20,
    }
    .emit(&mut syn);
    Frame::Padding(200).emit(&mut syn);
    wire::seal(&mut syn);
    for i in 0..1000u32 {
        let from: SocketAddr = format!("192.0.2.{}:{}", i % 250 + 1, 1000 + i)
            .parse()
            .unwrap();
        sim.server.handle(sim.now, from, &syn);
        // A forged cookie echo from the same spoofed source.
        let mut echo = Vec::new();
        Header {
            ptype: PacketType::Data,
            dcid: rng.gen(),
            pn: 1,
        }
        .emit(&mut echo);
        Frame::CookieEcho {
            client_cid: 5,
            max_data: 1 << 20,
            cookie: wire::Cookie {
                bucket: 0,
                mac: rng.gen(),
            },
        }
        .emit(&mut echo);
        wire::seal(&mut echo);
        sim.server.handle(sim.now, from, &echo);
    }
    let mut answered = 0;
    while let Some(t) = sim.server.poll_transmit(sim.now) {
        answered += t.contents.len();
    }
    let st = sim.server.stats();
    assert_eq!(sim.server.connection_count(), 0);
    assert_eq!(st.cookies_sent, 1000);
    assert_eq!(st.cookies_rejected, 1000);
    assert!(
        answered as u64 <= 3 * st.handshake_bytes_received,
        "{answered}"
    );
}

#[test]
fn replayed_handshake_creates_no_state() {
    let mut sim = Sim::new(link(0.0, 1), link(0.0, 2), Config::default());
    sim.record = true;
    let (c, s) = sim.connect(Duration::from_secs(5)).unwrap();
    assert_eq!(sim.server.connection_count(), 1);
    let echo = sim
        .client_sent
        .iter()
        .find(|d| Header::parse(d).is_ok_and(|(h, _)| h.ptype == PacketType::Data))
        .cloned()
        .unwrap();
    let syn = sim.client_sent[0].clone();
    // Replays while the connection lives: no second connection.
    for _ in 0..10 {
        sim.server.handle(sim.now, client_addr(), &echo);
        sim.server.handle(sim.now, client_addr(), &syn);
    }
    assert_eq!(sim.server.connection_count(), 1);
    // The same echo from another address is refused.
    sim.server
        .handle(sim.now, "10.9.9.9:1234".parse().unwrap(), &echo);
    assert_eq!(sim.server.connection_count(), 1);
    // Close, forget, and replay: still nothing.
    sim.client.connection(c).unwrap().close(sim.now, 0, b"");
    assert!(sim.run_until(Duration::from_secs(10), |sim| sim
        .server
        .connection(s)
        .unwrap()
        .is_closed()));
    sim.server.remove(s);
    assert_eq!(sim.server.connection_count(), 0);
    sim.server.handle(sim.now, client_addr(), &echo);
    assert_eq!(sim.server.connection_count(), 0);
    // Much later the cookie has expired.
    sim.now += Duration::from_secs(60);
    sim.server.handle(sim.now, client_addr(), &echo);
    assert_eq!(sim.server.connection_count(), 0);
    assert_eq!(sim.server.stats().cookies_rejected, 2);
}

#[test]
fn random_datagram_flood_does_not_disturb_a_transfer() {
    let mut sim = Sim::new(link(0.01, 31), link(0.01, 32), Config::default());
    let (c, s) = sim.connect(Duration::from_secs(5)).unwrap();
    let server_cid = s.0;
    let data = pattern(4 * MB, 31);
    let mut rng = StdRng::seed_from_u64(33);
    let mut written = 0;
    let mut got = Vec::new();
    let mut buf = vec![0; 65536];
    let mut injected = 0u64;
    let ok = sim.run_until(Duration::from_secs(60), |sim| {
        // Three kinds of junk, to the server, from strangers and from the
        // client's own address: random bytes, well-formed packets for
        // random ids, and well-formed packets for the live connection id.
        for _ in 0..3 {
            let len = rng.gen_range(0..1500);
            let mut junk = vec![0u8; len];
            rng.fill_bytes(&mut junk);
            let from: SocketAddr = if rng.gen_bool(0.5) {
                client_addr()
            } else {
                format!(
                    "198.51.100.{}:{}",
                    rng.gen_range(1..255),
                    rng.gen_range(1..65535)
                )
                .parse()
                .unwrap()
            };
            match rng.gen_range(0..3) {
                0 => {}
                k => {
                    let mut p = Vec::new();
                    Header {
                        ptype: PacketType::Data,
                        dcid: if k == 1 { rng.gen() } else { server_cid },
                        pn: rng.gen(),
                    }
                    .emit(&mut p);
                    p.extend_from_slice(&junk[..len.min(64)]);
                    wire::seal(&mut p);
                    junk = p;
                }
            }
            let from = if junk.len() > 24 && junk[8..16] == server_cid.to_be_bytes() {
                // Packets for the live id come from strangers: the client
                // itself never sends junk.
                "198.51.100.7:7".parse().unwrap()
            } else {
                from
            };
            sim.server.handle(sim.now, from, &junk);
            injected += 1;
        }
        let cc = sim.client.connection(c).unwrap();
        if written < data.len() {
            written += cc.write(&data[written..]).unwrap();
            if written == data.len() {
                cc.finish();
            }
        }
        let sc = sim.server.connection(s).unwrap();
        while let Some(n) = sc.read(&mut buf) {
            if n == 0 {
                return true;
            }
            got.extend_from_slice(&buf[..n]);
        }
        false
    });
    assert!(ok, "stalled at {} bytes", got.len());
    assert!(got == data);
    assert!(injected > 10_000);
    assert_eq!(sim.server.connection_count(), 1);
    let st = sim.server.connection(s).unwrap().stats();
    println!("{:?} {st}", sim.server.stats());
}

#[test]
fn keep_alive_holds_an_idle_connection_and_idle_timeout_ends_a_dead_one() {
    let mut sim = Sim::new(link(0.0, 41), link(0.0, 42), Config::default());
    let (c, s) = sim.connect(Duration::from_secs(5)).unwrap();
    // 2 minutes of silence from the application: PINGs keep it open.
    let start = sim.now;
    assert!(
        !sim.run_until(sim.elapsed() + Duration::from_secs(120), |sim| {
            sim.client.connection(c).unwrap().is_closed()
                || sim.server.connection(s).unwrap().is_closed()
        })
    );
    assert!(sim.now - start >= Duration::from_secs(120));
    let pings = sim.client.connection(c).unwrap().stats().packets_sent;
    assert!(pings >= 120 / 5 - 2, "{pings} packets in 120 s");
    // The path dies: both ends give up after the idle timeout (30 s).
    sim.up.force_blackhole(true);
    sim.down.force_blackhole(true);
    let dead = sim.now;
    assert!(
        sim.run_until(sim.elapsed() + Duration::from_secs(60), |sim| {
            sim.client.connection(c).unwrap().is_closed()
                && sim.server.connection(s).unwrap().is_closed()
        })
    );
    let took = sim.now - dead;
    assert!(
        took >= Duration::from_secs(25) && took <= Duration::from_secs(31),
        "{took:?}"
    );
    assert_eq!(
        sim.client.connection(c).unwrap().close_reason(),
        Some(&wirelab_rudp::CloseReason::IdleTimeout)
    );
}

#[test]
fn flow_control_holds_the_sender_to_the_receive_window() {
    let conf = Config {
        recv_window: 64 * 1024,
        ..Config::default()
    };
    let mut sim = Sim::new(link(0.0, 51), link(0.0, 52), conf);
    let (c, s) = sim.connect(Duration::from_secs(5)).unwrap();
    let data = pattern(MB, 51);
    sim.client.connection(c).unwrap().write(&data).unwrap();
    sim.client.connection(c).unwrap().finish();
    // Nobody reads for a second: the sender stops at the window.
    let t = sim.elapsed() + Duration::from_secs(1);
    sim.run_until(t, |_| false);
    let sent = sim.client.connection(c).unwrap().stats().stream_bytes_sent;
    assert!(sent <= 64 * 1024, "{sent} bytes sent into a 64 KiB window");
    assert!(sent >= 60 * 1024, "{sent}: the window should be used");
    assert_eq!(
        sim.server.connection(s).unwrap().readable_len() as u64,
        sent
    );
    // Reading opens the window again and everything arrives.
    let mut got = Vec::new();
    let mut buf = vec![0; 4096];
    assert!(
        sim.run_until(sim.elapsed() + Duration::from_secs(30), |sim| {
            while let Some(n) = sim.server.connection(s).unwrap().read(&mut buf) {
                if n == 0 {
                    return true;
                }
                got.extend_from_slice(&buf[..n]);
            }
            false
        })
    );
    assert!(got == data);
}
