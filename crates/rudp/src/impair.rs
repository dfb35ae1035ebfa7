//! A sans-I/O, seeded model of an impaired link (netem's job, since kernel
//! netem is not available): random and Gilbert–Elliott burst loss, delay
//! with jitter, reordering, duplication, corruption, a rate limit with a
//! drop-tail queue, and blackhole periods.
//!
//! One [`Impairment`] models one direction. Push packets in with
//! [`Impairment::push`], take them out when due with [`Impairment::poll`],
//! and sleep until [`Impairment::next_deadline`]. The simulation tests and
//! the real relay (`wirelab link`) share this code.
//!
//! Order of effects on a packet: blackhole → rate limiter (queue limit,
//! tail drop; every packet that enters uses link capacity) → loss (random
//! or Gilbert–Elliott) → corruption → delay + jitter (never reordering by
//! itself) → reordering (an extra hold-back so later packets overtake) →
//! duplication (a second copy right behind).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Gilbert–Elliott two-state loss model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GilbertElliott {
    /// Probability per packet of moving from the good to the bad state.
    pub p_good_to_bad: f64,
    /// Probability per packet of moving from the bad to the good state.
    pub p_bad_to_good: f64,
    /// Loss probability in the bad state.
    pub loss_bad: f64,
    /// Loss probability in the good state.
    pub loss_good: f64,
}

/// Blackhole schedule: the link works for `off`, then drops everything for
/// `on`, and repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blackhole {
    /// How long each blackhole lasts.
    pub on: Duration,
    /// How long the link works between blackholes.
    pub off: Duration,
}

/// What the link does to packets. All probabilities are in `[0, 1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ImpairConfig {
    /// Independent loss probability.
    pub loss: f64,
    /// Burst loss (applied in addition to `loss`).
    pub gilbert: Option<GilbertElliott>,
    /// One-way delay.
    pub delay: Duration,
    /// Uniform jitter: each packet's delay is `delay ± jitter`.
    pub jitter: Duration,
    /// Probability a packet is held back so that later ones overtake it.
    pub reorder: f64,
    /// How long a reordered packet is held back (0: `max(delay, 5 ms)`).
    pub reorder_gap: Duration,
    /// Probability a packet is delivered twice.
    pub duplicate: f64,
    /// Probability one random bit of a packet is flipped.
    pub corrupt: f64,
    /// Link rate in bits per second (None: unlimited).
    pub rate_bps: Option<u64>,
    /// Queue limit in packets waiting for the rate limiter.
    pub queue_packets: usize,
    /// Blackhole schedule.
    pub blackhole: Option<Blackhole>,
    /// Seed of the random source.
    pub seed: u64,
}

impl Default for ImpairConfig {
    fn default() -> Self {
        Self {
            loss: 0.0,
            gilbert: None,
            delay: Duration::ZERO,
            jitter: Duration::ZERO,
            reorder: 0.0,
            reorder_gap: Duration::ZERO,
            duplicate: 0.0,
            corrupt: 0.0,
            rate_bps: None,
            queue_packets: 1000,
            blackhole: None,
            seed: 1,
        }
    }
}

/// What the link did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImpairStats {
    /// Packets pushed in.
    pub received: u64,
    /// Bytes pushed in.
    pub received_bytes: u64,
    /// Packets handed out (duplicates included).
    pub delivered: u64,
    /// Bytes handed out.
    pub delivered_bytes: u64,
    /// Dropped by random or burst loss.
    pub lost: u64,
    /// Dropped because the rate limiter's queue was full.
    pub queue_dropped: u64,
    /// Dropped during a blackhole.
    pub blackholed: u64,
    /// Held back to be reordered.
    pub reordered: u64,
    /// Duplicated.
    pub duplicated: u64,
    /// Corrupted.
    pub corrupted: u64,
}

impl std::fmt::Display for ImpairStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "in {} packets / {} bytes, out {} packets / {} bytes; lost {}, queue drops {}, blackholed {}, reordered {}, duplicated {}, corrupted {}",
            self.received,
            self.received_bytes,
            self.delivered,
            self.delivered_bytes,
            self.lost,
            self.queue_dropped,
            self.blackholed,
            self.reordered,
            self.duplicated,
            self.corrupted
        )
    }
}

#[derive(Debug)]
struct Queued<T> {
    at: Instant,
    seq: u64,
    data: Vec<u8>,
    tag: T,
}

impl<T> PartialEq for Queued<T> {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl<T> Eq for Queued<T> {}
impl<T> PartialOrd for Queued<T> {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl<T> Ord for Queued<T> {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(o.at, o.seq))
    }
}

/// One direction of an impaired link. `T` is whatever the caller needs to
/// route the packet when it comes out (an address, say).
#[derive(Debug)]
pub struct Impairment<T> {
    config: ImpairConfig,
    rng: StdRng,
    start: Option<Instant>,
    link_free_at: Option<Instant>,
    serialising: std::collections::VecDeque<Instant>,
    last_delivery: Option<Instant>,
    ge_bad: bool,
    forced_blackhole: bool,
    seq: u64,
    heap: BinaryHeap<Reverse<Queued<T>>>,
    stats: ImpairStats,
}

impl<T: Clone> Impairment<T> {
    /// A link with the given behaviour.
    pub fn new(config: ImpairConfig) -> Self {
        Self {
            rng: StdRng::seed_from_u64(config.seed),
            config,
            start: None,
            link_free_at: None,
            serialising: Default::default(),
            last_delivery: None,
            ge_bad: false,
            forced_blackhole: false,
            seq: 0,
            heap: BinaryHeap::new(),
            stats: ImpairStats::default(),
        }
    }

    /// What happened so far.
    pub fn stats(&self) -> &ImpairStats {
        &self.stats
    }

    /// Packets waiting inside the link.
    pub fn in_flight(&self) -> usize {
        self.heap.len()
    }

    /// Switches a blackhole on or off by hand, on top of the schedule.
    pub fn force_blackhole(&mut self, on: bool) {
        self.forced_blackhole = on;
    }

    /// Whether the link is in a blackhole at `now`.
    pub fn in_blackhole(&self, now: Instant) -> bool {
        if self.forced_blackhole {
            return true;
        }
        let (Some(b), Some(start)) = (self.config.blackhole, self.start) else {
            return false;
        };
        let period = b.on + b.off;
        if period.is_zero() {
            return false;
        }
        let t = now.saturating_duration_since(start).as_nanos() % period.as_nanos();
        t >= b.off.as_nanos()
    }

    /// A packet enters the link at `now`.
    pub fn push(&mut self, now: Instant, mut data: Vec<u8>, tag: T) {
        let start = *self.start.get_or_insert(now);
        let _ = start;
        self.stats.received += 1;
        self.stats.received_bytes += data.len() as u64;
        if self.in_blackhole(now) {
            self.stats.blackholed += 1;
            return;
        }
        // Rate limiter with a drop-tail queue.
        let mut at = now;
        if let Some(rate) = self.config.rate_bps.filter(|&r| r > 0) {
            while self.serialising.front().is_some_and(|&t| t <= now) {
                self.serialising.pop_front();
            }
            if self.serialising.len() >= self.config.queue_packets.max(1) {
                self.stats.queue_dropped += 1;
                return;
            }
            let tx = Duration::from_secs_f64(data.len() as f64 * 8.0 / rate as f64);
            let begin = self.link_free_at.map_or(now, |f| f.max(now));
            at = begin + tx;
            self.link_free_at = Some(at);
            self.serialising.push_back(at);
        }
        // Loss.
        let mut p = self.config.loss;
        if let Some(ge) = self.config.gilbert {
            let flip = if self.ge_bad {
                ge.p_bad_to_good
            } else {
                ge.p_good_to_bad
            };
            if self.rng.gen_bool(flip.clamp(0.0, 1.0)) {
                self.ge_bad = !self.ge_bad;
            }
            let q = if self.ge_bad {
                ge.loss_bad
            } else {
                ge.loss_good
            };
            p = 1.0 - (1.0 - p) * (1.0 - q);
        }
        if p > 0.0 && self.rng.gen_bool(p.clamp(0.0, 1.0)) {
            self.stats.lost += 1;
            return;
        }
        if self.config.corrupt > 0.0
            && !data.is_empty()
            && self.rng.gen_bool(self.config.corrupt.clamp(0.0, 1.0))
        {
            let i = self.rng.gen_range(0..data.len());
            data[i] ^= 1 << self.rng.gen_range(0..8);
            self.stats.corrupted += 1;
        }
        // Delay and jitter, kept in order.
        let mut d = self.config.delay;
        if !self.config.jitter.is_zero() {
            let j = self.config.jitter.as_secs_f64();
            let off = self.rng.gen_range(-j..=j);
            d = Duration::from_secs_f64((d.as_secs_f64() + off).max(0.0));
        }
        let mut when = at + d;
        if let Some(l) = self.last_delivery {
            when = when.max(l);
        }
        self.last_delivery = Some(when);
        if self.config.reorder > 0.0 && self.rng.gen_bool(self.config.reorder.clamp(0.0, 1.0)) {
            let gap = if self.config.reorder_gap.is_zero() {
                self.config.delay.max(Duration::from_millis(5))
            } else {
                self.config.reorder_gap
            };
            when += gap;
            self.stats.reordered += 1;
        }
        if self.config.duplicate > 0.0 && self.rng.gen_bool(self.config.duplicate.clamp(0.0, 1.0)) {
            self.stats.duplicated += 1;
            self.enqueue(when, data.clone(), tag.clone());
        }
        self.enqueue(when, data, tag);
    }

    fn enqueue(&mut self, at: Instant, data: Vec<u8>, tag: T) {
        self.seq += 1;
        self.heap.push(Reverse(Queued {
            at,
            seq: self.seq,
            data,
            tag,
        }));
    }

    /// The next packet due at or before `now`.
    pub fn poll(&mut self, now: Instant) -> Option<(Vec<u8>, T)> {
        if self.heap.peek().is_some_and(|q| q.0.at <= now) {
            let q = self.heap.pop()?.0;
            self.stats.delivered += 1;
            self.stats.delivered_bytes += q.data.len() as u64;
            return Some((q.data, q.tag));
        }
        None
    }

    /// When the next packet is due.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.heap.peek().map(|q| q.0.at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        cfg: ImpairConfig,
        n: usize,
        gap: Duration,
    ) -> (Vec<(Instant, Vec<u8>)>, ImpairStats, Instant) {
        let t0 = Instant::now();
        let mut link = Impairment::new(cfg);
        let mut out = Vec::new();
        let mut now = t0;
        for i in 0..n {
            link.push(now, (i as u32).to_be_bytes().repeat(250), ());
            now += gap;
            while let Some((d, ())) = link.poll(now) {
                out.push((now, d));
            }
        }
        for _ in 0..100_000 {
            let Some(t) = link.next_deadline() else { break };
            now = now.max(t);
            while let Some((d, ())) = link.poll(now) {
                out.push((now, d));
            }
        }
        (out, link.stats().clone(), t0)
    }

    #[test]
    fn loss_rate_close_to_configured_and_seeded() {
        let cfg = ImpairConfig {
            loss: 0.1,
            seed: 42,
            ..Default::default()
        };
        let (a, s, _) = run(cfg.clone(), 10_000, Duration::from_micros(10));
        let (b, _, _) = run(cfg, 10_000, Duration::from_micros(10));
        assert_eq!(
            a.iter().map(|x| &x.1).collect::<Vec<_>>(),
            b.iter().map(|x| &x.1).collect::<Vec<_>>()
        );
        assert!((900..1100).contains(&s.lost), "{}", s.lost);
        assert_eq!(s.delivered as usize, a.len());
    }

    #[test]
    fn rate_limit_spaces_packets_and_drops_tail() {
        let cfg = ImpairConfig {
            rate_bps: Some(8_000_000), // 1000-byte packets: 1 ms each
            queue_packets: 10,
            ..Default::default()
        };
        let (out, s, t0) = run(cfg, 100, Duration::ZERO);
        assert_eq!(out.len(), 10);
        assert_eq!(s.queue_dropped, 90);
        let last = out.last().unwrap().0 - t0;
        assert!(
            last >= Duration::from_millis(10) && last < Duration::from_millis(11),
            "{last:?}"
        );
    }

    #[test]
    fn delay_reorder_duplicate_corrupt() {
        let cfg = ImpairConfig {
            delay: Duration::from_millis(10),
            reorder: 0.2,
            duplicate: 0.1,
            corrupt: 0.1,
            seed: 3,
            ..Default::default()
        };
        let (out, s, t0) = run(cfg, 1000, Duration::from_millis(1));
        assert_eq!(out.len() as u64, 1000 + s.duplicated);
        assert!(out
            .iter()
            .all(|(t, _)| *t - t0 >= Duration::from_millis(10)));
        let ids: Vec<u32> = out
            .iter()
            .map(|(_, d)| u32::from_be_bytes([d[0], d[1], d[2], d[3]]))
            .collect();
        assert!(ids.windows(2).any(|w| w[1] < w[0]), "reordered");
        assert!(s.reordered > 100 && s.duplicated > 50 && s.corrupted > 50);
        let bad = out
            .iter()
            .filter(|(_, d)| d.chunks(4).any(|c| c != &d[..4]))
            .count() as u64;
        assert!(bad > 0 && bad <= s.corrupted * 2);
    }

    #[test]
    fn blackhole_and_bursts() {
        let cfg = ImpairConfig {
            blackhole: Some(Blackhole {
                on: Duration::from_millis(100),
                off: Duration::from_millis(400),
            }),
            ..Default::default()
        };
        let (_, s, _) = run(cfg, 1000, Duration::from_millis(1));
        assert_eq!(s.blackholed, 200);
        let cfg = ImpairConfig {
            gilbert: Some(GilbertElliott {
                p_good_to_bad: 0.01,
                p_bad_to_good: 0.1,
                loss_bad: 0.5,
                loss_good: 0.0,
            }),
            seed: 5,
            ..Default::default()
        };
        let (out, s, _) = run(cfg, 20_000, Duration::from_micros(1));
        // Stationary bad share 1/11, half lost there: about 4.5%.
        assert!((600..1300).contains(&s.lost), "{}", s.lost);
        assert_eq!(out.len() as u64, 20_000 - s.lost);
    }
}
