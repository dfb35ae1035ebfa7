//! Congestion control behind the [`Controller`] trait: [`NewReno`]
//! (RFC 9002 §7), [`Cubic`] (RFC 9438) and [`Bbr`], a model-based
//! controller in the style of BBR v1 whose bandwidth estimate is
//! loss-filtered so that random, non-congestive loss does not lower its
//! rate.

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

use crate::rtt::Rtt;

/// Which controller a connection uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Algorithm {
    /// RFC 9002 NewReno.
    NewReno,
    /// RFC 9438 CUBIC.
    Cubic,
    /// Loss-tolerant model-based controller (the default).
    #[default]
    Bbr,
}

impl Algorithm {
    /// A fresh controller for a path with maximum datagram size `mss`.
    pub fn build(self, mss: u64) -> Box<dyn Controller> {
        match self {
            Algorithm::NewReno => Box::new(NewReno::new(mss)),
            Algorithm::Cubic => Box::new(Cubic::new(mss)),
            Algorithm::Bbr => Box::new(Bbr::new(mss)),
        }
    }
}

impl std::str::FromStr for Algorithm {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "newreno" | "reno" => Ok(Self::NewReno),
            "cubic" => Ok(Self::Cubic),
            "bbr" => Ok(Self::Bbr),
            _ => Err(format!(
                "unknown congestion controller {s:?} (newreno, cubic, bbr)"
            )),
        }
    }
}

/// A delivery-rate sample taken on an ACK (draft-cheng-iccrg-delivery-rate-estimation).
#[derive(Debug, Clone, Copy)]
pub struct RateSample {
    /// Bytes delivered over the interval.
    pub delivered: u64,
    /// Bytes declared lost over the interval.
    pub lost: u64,
    /// Length of the interval.
    pub interval: Duration,
    /// Connection's delivered counter when the sampled packet was sent.
    pub prior_delivered: u64,
    /// Connection's delivered counter now.
    pub total_delivered: u64,
    /// RTT of the sampled packet.
    pub rtt: Duration,
    /// Whether the sender was application-limited when the packet was sent.
    pub app_limited: bool,
    /// Bytes in flight after this ACK.
    pub bytes_in_flight: u64,
}

/// A congestion controller. The connection calls it; it never sees time
/// other than what it is given.
pub trait Controller: Send + fmt::Debug {
    /// Short name (`newreno`, `cubic`, `bbr`).
    fn name(&self) -> &'static str;
    /// A packet of `bytes` was acknowledged; it was sent at `sent`.
    fn on_ack(&mut self, now: Instant, sent: Instant, bytes: u64, rtt: &Rtt);
    /// A rate sample at the end of processing an ACK frame.
    fn on_rate_sample(&mut self, _now: Instant, _rs: &RateSample, _rtt: &Rtt) {}
    /// Packets were declared lost; the newest of them was sent at `sent`.
    /// `persistent` marks persistent congestion (RFC 9002 §7.6).
    fn on_congestion_event(
        &mut self,
        now: Instant,
        sent: Instant,
        lost_bytes: u64,
        persistent: bool,
    );
    /// The last persistent-congestion event (a retransmission timeout)
    /// turned out spurious: the packets it declared lost were acknowledged.
    /// Controllers restore the state they had before it (F-RTO style undo).
    fn on_spurious_timeout(&mut self) {}
    /// Congestion window in bytes.
    fn window(&self) -> u64;
    /// Pacing rate in bytes per second.
    fn pacing_rate(&self, rtt: &Rtt) -> f64 {
        // RFC 9002 §7.7: pace at N·cwnd/srtt with N = 1.25.
        let srtt = rtt.smoothed().max(Duration::from_micros(100));
        1.25 * self.window() as f64 / srtt.as_secs_f64()
    }
}

/// Minimum window in packets.
const MIN_WINDOW_PACKETS: u64 = 2;
/// Initial window in packets (RFC 9002 §7.2 uses 10).
const INITIAL_WINDOW_PACKETS: u64 = 10;
/// Initial window of the paced controller, in packets: Chromium QUIC's
/// default of 32. Pacing spreads it over the first round trip, so it does
/// not arrive as a burst.
const BBR_INITIAL_WINDOW_PACKETS: u64 = 32;

/// RFC 9002 §7 NewReno.
#[derive(Debug, Clone)]
pub struct NewReno {
    mss: u64,
    cwnd: u64,
    ssthresh: u64,
    recovery_start: Option<Instant>,
    acked_in_ca: u64,
    prior: Option<(u64, u64)>,
}

impl NewReno {
    /// A fresh controller.
    pub fn new(mss: u64) -> Self {
        Self {
            mss,
            cwnd: INITIAL_WINDOW_PACKETS * mss,
            ssthresh: u64::MAX,
            recovery_start: None,
            acked_in_ca: 0,
            prior: None,
        }
    }
}

impl Controller for NewReno {
    fn name(&self) -> &'static str {
        "newreno"
    }
    fn on_ack(&mut self, _now: Instant, sent: Instant, bytes: u64, _rtt: &Rtt) {
        if self.recovery_start.is_some_and(|r| sent <= r) {
            return;
        }
        if self.cwnd < self.ssthresh {
            self.cwnd += bytes;
        } else {
            self.acked_in_ca += bytes;
            if self.acked_in_ca >= self.cwnd {
                self.acked_in_ca -= self.cwnd;
                self.cwnd += self.mss;
            }
        }
    }
    fn on_congestion_event(&mut self, now: Instant, sent: Instant, _lost: u64, persistent: bool) {
        if persistent {
            self.prior = Some((self.cwnd, self.ssthresh));
            self.cwnd = MIN_WINDOW_PACKETS * self.mss;
            self.recovery_start = Some(now);
            return;
        }
        if self.recovery_start.is_some_and(|r| sent <= r) {
            return;
        }
        self.recovery_start = Some(now);
        self.ssthresh = (self.cwnd / 2).max(MIN_WINDOW_PACKETS * self.mss);
        self.cwnd = self.ssthresh;
        self.acked_in_ca = 0;
    }
    fn on_spurious_timeout(&mut self) {
        if let Some((cwnd, ssthresh)) = self.prior.take() {
            self.cwnd = self.cwnd.max(cwnd);
            self.ssthresh = ssthresh;
        }
    }
    fn window(&self) -> u64 {
        self.cwnd
    }
}

/// RFC 9438 CUBIC.
#[derive(Debug, Clone)]
pub struct Cubic {
    mss: u64,
    cwnd: u64,
    ssthresh: u64,
    w_max: f64,
    k: f64,
    epoch_start: Option<Instant>,
    w_est: f64,
    recovery_start: Option<Instant>,
    prior: Option<Box<Cubic>>,
}

/// RFC 9438 §4.6 C.
const CUBIC_C: f64 = 0.4;
/// RFC 9438 §4.6 β_cubic.
const CUBIC_BETA: f64 = 0.7;

impl Cubic {
    /// A fresh controller.
    pub fn new(mss: u64) -> Self {
        Self {
            mss,
            cwnd: INITIAL_WINDOW_PACKETS * mss,
            ssthresh: u64::MAX,
            w_max: 0.0,
            k: 0.0,
            epoch_start: None,
            w_est: 0.0,
            recovery_start: None,
            prior: None,
        }
    }
}

impl Controller for Cubic {
    fn name(&self) -> &'static str {
        "cubic"
    }
    fn on_ack(&mut self, now: Instant, sent: Instant, bytes: u64, rtt: &Rtt) {
        if self.recovery_start.is_some_and(|r| sent <= r) {
            return;
        }
        if self.cwnd < self.ssthresh {
            self.cwnd += bytes;
            return;
        }
        let mss = self.mss as f64;
        let cwnd = self.cwnd as f64 / mss;
        let start = *self.epoch_start.get_or_insert_with(|| {
            // §4.2: a new congestion-avoidance epoch.
            if self.w_max < cwnd {
                self.k = 0.0;
                self.w_max = cwnd;
            }
            self.w_est = cwnd;
            now
        });
        let t = (now.saturating_duration_since(start) + rtt.smoothed()).as_secs_f64();
        let target = CUBIC_C * (t - self.k).powi(3) + self.w_max;
        let target = target.clamp(cwnd, cwnd * 1.5);
        // §4.3 Reno-friendly region.
        let alpha = 3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA);
        self.w_est += alpha * (bytes as f64 / mss) / cwnd;
        let inc = if self.w_est > target {
            (self.w_est - cwnd).max(0.0) * (bytes as f64 / mss) / cwnd
        } else {
            (target - cwnd) * (bytes as f64 / mss) / cwnd
        };
        self.cwnd = ((cwnd + inc) * mss) as u64;
    }
    fn on_congestion_event(&mut self, now: Instant, sent: Instant, _lost: u64, persistent: bool) {
        if !persistent && self.recovery_start.is_some_and(|r| sent <= r) {
            return;
        }
        if persistent {
            let mut saved = self.clone();
            saved.prior = None;
            self.prior = Some(Box::new(saved));
        }
        self.recovery_start = Some(now);
        let mss = self.mss as f64;
        let cwnd = self.cwnd as f64 / mss;
        // §4.7 fast convergence.
        self.w_max = if cwnd < self.w_max {
            cwnd * (1.0 + CUBIC_BETA) / 2.0
        } else {
            cwnd
        };
        let new = ((cwnd * CUBIC_BETA * mss) as u64).max(MIN_WINDOW_PACKETS * self.mss);
        self.ssthresh = new;
        self.cwnd = if persistent {
            MIN_WINDOW_PACKETS * self.mss
        } else {
            new
        };
        self.k = (self.w_max * (1.0 - CUBIC_BETA) / CUBIC_C).cbrt();
        self.epoch_start = None;
    }
    fn on_spurious_timeout(&mut self) {
        if let Some(p) = self.prior.take() {
            *self = *p;
        }
    }
    fn window(&self) -> u64 {
        self.cwnd
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BbrState {
    Startup,
    Drain,
    ProbeBw,
    ProbeRtt,
}

/// 2/ln 2, BBR's startup gain.
const HIGH_GAIN: f64 = 2.885;
const PACING_CYCLE: [f64; 8] = [1.25, 0.75, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
const BW_WINDOW_ROUNDS: u64 = 10;
const MIN_RTT_WINDOW: Duration = Duration::from_secs(10);
const PROBE_RTT_TIME: Duration = Duration::from_millis(200);
/// Rounds over which the ACK-aggregation estimate is a windowed max
/// (draft-ietf-ccwg-bbr §5.5.9 uses 10 round trips).
const EXTRA_ACKED_WINDOW_ROUNDS: u64 = 10;
/// Largest ACK-aggregation allowance, in time at the bottleneck rate
/// (Linux BBR's `bbr_extra_acked_max_us`, 100 ms).
const EXTRA_ACKED_MAX: Duration = Duration::from_millis(100);
/// Largest send quantum (one GSO/TSO burst, draft-ietf-ccwg-bbr §5.6.2).
const MAX_SEND_QUANTUM: u64 = 64 * 1024;

/// A BBR-v1-style controller: bottleneck bandwidth from a windowed max of
/// delivery-rate samples, propagation delay from a windowed min of RTT,
/// pacing at a gain × bandwidth and a window of 2 × BDP.
///
/// Loss filtering: when a sample's RTT shows no standing queue (within
/// 50% + 5 ms of the minimum), its lost bytes are counted as carried by the
/// path — random loss on an uncongested path does not say the path is
/// slower. With a queue present, loss is treated as congestive and only
/// delivered bytes count.
#[derive(Debug, Clone)]
pub struct Bbr {
    mss: u64,
    state: BbrState,
    bw_samples: VecDeque<(u64, f64)>,
    btl_bw: f64,
    min_rtt: Option<Duration>,
    min_rtt_stamp: Option<Instant>,
    round: u64,
    next_round_delivered: u64,
    full_bw: f64,
    full_bw_count: u32,
    cycle_idx: usize,
    cycle_stamp: Option<Instant>,
    probe_rtt_done: Option<Instant>,
    pacing_gain: f64,
    cwnd_gain: f64,
    bytes_in_flight: u64,
    cwnd: u64,
    acked: u64,
    pacing_rate: f64,
    extra_acked_start: Option<Instant>,
    extra_acked_delivered: u64,
    extra_acked_samples: VecDeque<(u64, u64)>,
    extra_acked: u64,
    prior: Option<Box<Bbr>>,
}

impl Bbr {
    /// A fresh controller.
    pub fn new(mss: u64) -> Self {
        Self {
            mss,
            state: BbrState::Startup,
            bw_samples: VecDeque::new(),
            btl_bw: 0.0,
            min_rtt: None,
            min_rtt_stamp: None,
            round: 0,
            next_round_delivered: 0,
            full_bw: 0.0,
            full_bw_count: 0,
            cycle_idx: 0,
            cycle_stamp: None,
            probe_rtt_done: None,
            pacing_gain: HIGH_GAIN,
            cwnd_gain: HIGH_GAIN,
            bytes_in_flight: 0,
            cwnd: BBR_INITIAL_WINDOW_PACKETS * mss,
            acked: 0,
            pacing_rate: 0.0,
            extra_acked_start: None,
            extra_acked_delivered: 0,
            extra_acked_samples: VecDeque::new(),
            extra_acked: 0,
            prior: None,
        }
    }

    fn bdp(&self) -> Option<f64> {
        let rtt = self.min_rtt?;
        (self.btl_bw > 0.0).then_some(self.btl_bw * rtt.as_secs_f64())
    }

    fn enter_probe_bw(&mut self, now: Instant) {
        self.state = BbrState::ProbeBw;
        self.pacing_gain = PACING_CYCLE[2];
        self.cwnd_gain = 2.0;
        self.cycle_idx = 2;
        self.cycle_stamp = Some(now);
    }
}

impl Bbr {
    fn rate_sample(&mut self, now: Instant, rs: &RateSample, rtt: &Rtt) {
        self.update_model(now, rs);
        self.update_ack_aggregation(now, self.acked);
        // BBR v1 cwnd: grow by what was acknowledged, up to gain × BDP once
        // the pipe is full; before that, never shrink (slow-start-like).
        let acked = std::mem::take(&mut self.acked);
        let target = self.target_window();
        if self.state != BbrState::Startup {
            self.cwnd = (self.cwnd + acked).min(target);
        } else if self.cwnd < target || rs.total_delivered < BBR_INITIAL_WINDOW_PACKETS * self.mss {
            self.cwnd += acked;
        }
        self.cwnd = self.cwnd.max(4 * self.mss);
        // Pacing: gain × bandwidth; during startup it only goes up, and
        // keeps up with the window (2 × cwnd / srtt) so the early, small
        // bandwidth samples do not hold back the doubling.
        let mut rate = if self.btl_bw > 0.0 {
            self.pacing_gain * self.btl_bw
        } else {
            self.initial_pacing(rtt)
        };
        if self.state == BbrState::Startup {
            let srtt = rtt.smoothed().max(Duration::from_micros(100));
            rate = rate.max(2.0 * self.cwnd as f64 / srtt.as_secs_f64());
        }
        let current = if self.pacing_rate > 0.0 {
            self.pacing_rate
        } else {
            self.initial_pacing(rtt)
        };
        if self.state != BbrState::Startup || rate > current {
            self.pacing_rate = rate;
        } else {
            self.pacing_rate = current;
        }
    }
}

impl Bbr {
    /// The window: gain × BDP, plus the ACK-aggregation allowance, plus the
    /// offload budget of three send quanta (draft-ietf-ccwg-bbr §5.6.4.2,
    /// `BBRUpdateMaxInflight` and `BBRQuantizationBudget`; Linux BBR adds
    /// both the same way). At sub-millisecond RTTs the BDP is a few packets
    /// while the hosts deliver ACKs in bursts (batched I/O, scheduling), so
    /// without these terms the window, not the path, sets the rate.
    fn target_window(&self) -> u64 {
        match self.bdp() {
            Some(bdp) => ((self.cwnd_gain * bdp) as u64
                + self.aggregation_allowance()
                + 3 * self.send_quantum())
            .max(4 * self.mss),
            None => BBR_INITIAL_WINDOW_PACKETS * self.mss,
        }
    }

    /// The ACK-aggregation allowance added to the window: only once the
    /// pipe is full (Linux BBR's `bbr_full_bw_reached` check). In STARTUP
    /// the window already grows by every acknowledged byte, and the
    /// bandwidth estimate lags the ACK rate, so aggregation measured then
    /// is mostly the ramp itself and would only stand in the queue.
    fn aggregation_allowance(&self) -> u64 {
        if self.state == BbrState::Startup {
            0
        } else {
            self.extra_acked
        }
    }

    /// Bytes sent in one burst: 1 ms at the pacing rate, between two
    /// packets and 64 KiB (draft-ietf-ccwg-bbr §5.6.2 `BBRSetSendQuantum`).
    fn send_quantum(&self) -> u64 {
        ((self.pacing_rate * 1e-3) as u64).clamp(2 * self.mss, MAX_SEND_QUANTUM)
    }

    /// ACK aggregation (draft-ietf-ccwg-bbr §5.5.9): how many more bytes
    /// were acknowledged than the bottleneck rate explains since the start
    /// of the current aggregation epoch; a windowed max over 10 rounds,
    /// capped by the window and by 100 ms at the bottleneck rate.
    fn update_ack_aggregation(&mut self, now: Instant, newly_acked: u64) {
        if self.btl_bw <= 0.0 || newly_acked == 0 || self.state == BbrState::Startup {
            return;
        }
        let start = *self.extra_acked_start.get_or_insert(now);
        let interval = now.saturating_duration_since(start).as_secs_f64();
        let mut expected = self.btl_bw * interval;
        if self.extra_acked_delivered as f64 <= expected {
            // The ACK rate fell back to the bottleneck rate: a new epoch.
            self.extra_acked_delivered = 0;
            self.extra_acked_start = Some(now);
            expected = 0.0;
        }
        self.extra_acked_delivered += newly_acked;
        let extra = (self.extra_acked_delivered as f64 - expected).max(0.0) as u64;
        let cap = (self.btl_bw * EXTRA_ACKED_MAX.as_secs_f64()) as u64;
        let extra = extra.min(self.cwnd).min(cap);
        while self
            .extra_acked_samples
            .back()
            .is_some_and(|&(_, e)| e <= extra)
        {
            self.extra_acked_samples.pop_back();
        }
        self.extra_acked_samples.push_back((self.round, extra));
        while self
            .extra_acked_samples
            .front()
            .is_some_and(|&(r, _)| r + EXTRA_ACKED_WINDOW_ROUNDS < self.round)
        {
            self.extra_acked_samples.pop_front();
        }
        self.extra_acked = self.extra_acked_samples.front().map_or(0, |s| s.1);
    }

    fn initial_pacing(&self, rtt: &Rtt) -> f64 {
        let srtt = rtt.smoothed().max(Duration::from_micros(100));
        HIGH_GAIN * (BBR_INITIAL_WINDOW_PACKETS * self.mss) as f64 / srtt.as_secs_f64()
    }

    fn update_model(&mut self, now: Instant, rs: &RateSample) {
        self.bytes_in_flight = rs.bytes_in_flight;
        // Round counting.
        let mut round_start = false;
        if rs.prior_delivered >= self.next_round_delivered {
            self.next_round_delivered = rs.total_delivered;
            self.round += 1;
            round_start = true;
        }
        // Min RTT filter.
        let expired = self
            .min_rtt_stamp
            .is_some_and(|t| now.saturating_duration_since(t) > MIN_RTT_WINDOW);
        if self.min_rtt.is_none_or(|m| rs.rtt <= m) || expired {
            self.min_rtt = Some(rs.rtt);
            self.min_rtt_stamp = Some(now);
        }
        // Bandwidth sample, loss-filtered.
        if rs.interval > Duration::ZERO && rs.delivered > 0 {
            let min_rtt = self.min_rtt.unwrap_or(rs.rtt);
            let uncongested = rs.rtt <= min_rtt + min_rtt / 2 + Duration::from_millis(5);
            // Never count more lost than delivered bytes: at most 50% loss.
            let carried = if uncongested {
                rs.delivered + rs.lost.min(rs.delivered)
            } else {
                rs.delivered
            };
            let bw = carried as f64 / rs.interval.as_secs_f64();
            if !rs.app_limited || bw >= self.btl_bw {
                self.bw_samples.push_back((self.round, bw));
            }
            while self
                .bw_samples
                .front()
                .is_some_and(|&(r, _)| r + BW_WINDOW_ROUNDS < self.round)
            {
                self.bw_samples.pop_front();
            }
            self.btl_bw = self.bw_samples.iter().map(|s| s.1).fold(0.0, f64::max);
        }
        // Startup: has the pipe filled?
        if self.state == BbrState::Startup && round_start && !rs.app_limited {
            if self.btl_bw >= self.full_bw * 1.25 {
                self.full_bw = self.btl_bw;
                self.full_bw_count = 0;
            } else {
                self.full_bw_count += 1;
                if self.full_bw_count >= 3 {
                    self.state = BbrState::Drain;
                    self.pacing_gain = 1.0 / HIGH_GAIN;
                    self.cwnd_gain = HIGH_GAIN;
                }
            }
        }
        if self.state == BbrState::Drain
            && self
                .bdp()
                .is_some_and(|bdp| rs.bytes_in_flight as f64 <= bdp)
        {
            self.enter_probe_bw(now);
        }
        if self.state == BbrState::ProbeBw {
            let min_rtt = self.min_rtt.unwrap_or(rs.rtt);
            if self
                .cycle_stamp
                .is_some_and(|t| now.saturating_duration_since(t) > min_rtt)
            {
                self.cycle_idx = (self.cycle_idx + 1) % PACING_CYCLE.len();
                self.cycle_stamp = Some(now);
                self.pacing_gain = PACING_CYCLE[self.cycle_idx];
            }
        }
        // ProbeRTT when the min RTT estimate went stale.
        if expired && self.state != BbrState::ProbeRtt && self.state != BbrState::Startup {
            self.state = BbrState::ProbeRtt;
            self.pacing_gain = 1.0;
            self.probe_rtt_done = Some(now + PROBE_RTT_TIME);
        }
        if self.state == BbrState::ProbeRtt && self.probe_rtt_done.is_some_and(|t| now >= t) {
            self.min_rtt_stamp = Some(now);
            self.enter_probe_bw(now);
        }
    }
}

impl Controller for Bbr {
    fn name(&self) -> &'static str {
        "bbr"
    }

    fn on_ack(&mut self, _now: Instant, _sent: Instant, bytes: u64, _rtt: &Rtt) {
        self.acked += bytes;
    }

    fn on_rate_sample(&mut self, now: Instant, rs: &RateSample, rtt: &Rtt) {
        self.rate_sample(now, rs, rtt);
    }

    fn on_congestion_event(&mut self, _now: Instant, _sent: Instant, _lost: u64, persistent: bool) {
        if persistent {
            let mut saved = self.clone();
            saved.prior = None;
            self.prior = Some(Box::new(saved));
            // The path went away (blackhole, rerouting): start over.
            self.bw_samples.clear();
            self.btl_bw = 0.0;
            self.state = BbrState::Startup;
            self.pacing_gain = HIGH_GAIN;
            self.cwnd_gain = HIGH_GAIN;
            self.full_bw = 0.0;
            self.full_bw_count = 0;
            self.cwnd = BBR_INITIAL_WINDOW_PACKETS * self.mss;
            self.pacing_rate = 0.0;
            self.extra_acked_start = None;
            self.extra_acked_delivered = 0;
            self.extra_acked_samples.clear();
            self.extra_acked = 0;
        }
    }

    fn on_spurious_timeout(&mut self) {
        if let Some(p) = self.prior.take() {
            let (round, delivered) = (self.round, self.next_round_delivered);
            *self = *p;
            self.round = self.round.max(round);
            self.next_round_delivered = self.next_round_delivered.max(delivered);
        }
    }

    fn window(&self) -> u64 {
        if self.state == BbrState::ProbeRtt {
            return 4 * self.mss;
        }
        self.cwnd
    }

    fn pacing_rate(&self, rtt: &Rtt) -> f64 {
        if self.pacing_rate > 0.0 {
            self.pacing_rate
        } else {
            self.initial_pacing(rtt)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rtt() -> Rtt {
        let mut r = Rtt::new(Duration::from_millis(10));
        r.update(Duration::from_millis(10), Duration::ZERO);
        r
    }

    #[test]
    fn newreno_halves_once_per_recovery() {
        let t0 = Instant::now();
        let mut c = NewReno::new(1000);
        let r = rtt();
        for i in 0..10 {
            c.on_ack(t0, t0, 1000, &r);
            assert_eq!(c.window(), 11_000 + i * 1000);
        }
        let w = c.window();
        let now = t0 + Duration::from_millis(5);
        c.on_congestion_event(now, t0, 1000, false);
        assert_eq!(c.window(), w / 2);
        // A second loss from the same flight does not reduce again.
        c.on_congestion_event(now, t0, 1000, false);
        assert_eq!(c.window(), w / 2);
        c.on_congestion_event(now, now, 0, true);
        assert_eq!(c.window(), 2000);
    }

    #[test]
    fn cubic_reduces_by_beta_and_regrows() {
        let t0 = Instant::now();
        let mut c = Cubic::new(1000);
        let r = rtt();
        for _ in 0..90 {
            c.on_ack(t0, t0, 1000, &r);
        }
        assert_eq!(c.window(), 100_000);
        let t1 = t0 + Duration::from_millis(1);
        c.on_congestion_event(t1, t0, 1000, false);
        assert_eq!(c.window(), 70_000);
        let mut now = t1;
        for _ in 0..2000 {
            now += Duration::from_millis(1);
            c.on_ack(now, now, 1000, &r);
        }
        // After K ≈ cbrt(100·0.3/0.4) ≈ 4.2 s... with 2 s elapsed it has
        // grown but not yet past W_max by much.
        assert!(
            c.window() > 70_000 && c.window() < 200_000,
            "{}",
            c.window()
        );
    }

    #[test]
    fn bbr_random_loss_does_not_lower_estimate() {
        let t0 = Instant::now();
        let mut c = Bbr::new(1000);
        let r = rtt();
        let mut delivered = 0;
        let mut now = t0;
        for _ in 0..200 {
            now += Duration::from_millis(10);
            // 1 MB per 10 ms offered, 30% randomly lost, no queue.
            let rs = RateSample {
                delivered: 700_000,
                lost: 300_000,
                interval: Duration::from_millis(10),
                prior_delivered: delivered,
                total_delivered: delivered + 700_000,
                rtt: Duration::from_millis(10),
                app_limited: false,
                bytes_in_flight: 100_000,
            };
            delivered += 700_000;
            c.on_rate_sample(now, &rs, &r);
        }
        let rate = c.btl_bw;
        assert!((rate - 100e6).abs() < 1e6, "{rate}");
        assert_eq!(c.state, BbrState::ProbeBw);
    }

    #[test]
    fn bbr_no_aggregation_allowance_in_startup() {
        // 20 ms RTT; during STARTUP every round acknowledges twice what the
        // (lagging) bandwidth estimate explains. That is the ramp, not ACK
        // aggregation: no allowance is measured or added to the window.
        let t0 = Instant::now();
        let mut c = Bbr::new(1000);
        let mut r = Rtt::new(Duration::from_millis(20));
        r.update(Duration::from_millis(20), Duration::ZERO);
        let mut delivered = 0;
        let mut now = t0;
        let mut per_round = 32_000;
        for _ in 0..6 {
            now += Duration::from_millis(20);
            let rs = RateSample {
                delivered: per_round,
                lost: 0,
                interval: Duration::from_millis(20),
                prior_delivered: delivered,
                total_delivered: delivered + per_round,
                rtt: Duration::from_millis(20),
                app_limited: false,
                bytes_in_flight: per_round,
            };
            delivered += per_round;
            c.on_ack(now, now, per_round, &r);
            c.on_rate_sample(now, &rs, &r);
            assert_eq!(c.state, BbrState::Startup);
            assert_eq!(c.aggregation_allowance(), 0);
            assert!(c.extra_acked_samples.is_empty());
            per_round *= 2;
        }
    }

    #[test]
    fn bbr_window_covers_ack_bursts_at_sub_ms_rtt() {
        // 1 Gbit/s path with a 100 µs RTT (BDP 12.5 kB), but the ACKs come
        // in bursts: 1 MB acknowledged at once every 8 ms.
        let t0 = Instant::now();
        let mut c = Bbr::new(1000);
        let mut r = Rtt::new(Duration::from_millis(1));
        r.update(Duration::from_micros(100), Duration::ZERO);
        let mut delivered = 0;
        let mut now = t0;
        for _ in 0..50 {
            now += Duration::from_millis(8);
            let rs = RateSample {
                delivered: 1_000_000,
                lost: 0,
                interval: Duration::from_millis(8),
                prior_delivered: delivered,
                total_delivered: delivered + 1_000_000,
                rtt: Duration::from_micros(100),
                app_limited: false,
                bytes_in_flight: 0,
            };
            delivered += 1_000_000;
            c.on_ack(now, now, 1_000_000, &r);
            c.on_rate_sample(now, &rs, &r);
        }
        let bdp = c.bdp().unwrap();
        assert!(bdp < 20_000.0, "{bdp}");
        // The window holds a burst's worth, not just 2 × BDP + 3 packets.
        assert!(c.window() >= 500_000, "{}", c.window());
        // Capped by 100 ms at the bottleneck rate plus gain × BDP and the
        // offload budget.
        assert!(
            c.window() <= 12_500_000 + 3 * 64 * 1024 + 50_000,
            "{}",
            c.window()
        );
    }
}
