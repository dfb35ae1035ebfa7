//! Round-trip time estimation: the smoothed estimator of RFC 9002 §5 (which
//! is RFC 6298's with ack-delay correction) and the retransmission timeout
//! of RFC 6298 §2.
//!
//! Karn's rule (RFC 6298 §3) forbids RTT samples from retransmitted
//! segments because their acknowledgement is ambiguous. RUDP never reuses a
//! packet number — retransmitted bytes travel in a new packet — so every
//! acknowledgement names exactly one transmission and every sample is
//! unambiguous; the other half of Karn's rule, keeping the backed-off RTO
//! until a new sample arrives, is kept by [`Rtt::rto`] taking the backoff
//! from the connection, which resets it only on a newly acknowledged packet.

use std::time::Duration;

/// Clock granularity assumed for timers (RFC 9002 kGranularity).
pub const GRANULARITY: Duration = Duration::from_millis(1);

/// RTT estimator.
#[derive(Debug, Clone, Copy)]
pub struct Rtt {
    latest: Duration,
    smoothed: Option<Duration>,
    var: Duration,
    min: Duration,
    initial: Duration,
}

impl Rtt {
    /// A fresh estimator assuming `initial` before the first sample.
    pub fn new(initial: Duration) -> Self {
        Self {
            latest: initial,
            smoothed: None,
            var: initial / 2,
            min: Duration::MAX,
            initial,
        }
    }

    /// Feeds one sample and the peer's reported ack delay (RFC 9002 §5.3).
    pub fn update(&mut self, sample: Duration, ack_delay: Duration) {
        self.latest = sample;
        self.min = self.min.min(sample);
        match self.smoothed {
            None => {
                self.smoothed = Some(sample);
                self.var = sample / 2;
            }
            Some(srtt) => {
                let adjusted = if sample >= self.min + ack_delay {
                    sample - ack_delay
                } else {
                    sample
                };
                let diff = srtt.abs_diff(adjusted);
                self.var = (self.var * 3 + diff) / 4;
                self.smoothed = Some((srtt * 7 + adjusted) / 8);
            }
        }
    }

    /// Whether any sample was taken.
    pub fn has_sample(&self) -> bool {
        self.smoothed.is_some()
    }
    /// Most recent sample.
    pub fn latest(&self) -> Duration {
        self.latest
    }
    /// Smoothed RTT (the initial guess before any sample).
    pub fn smoothed(&self) -> Duration {
        self.smoothed.unwrap_or(self.initial)
    }
    /// RTT variation.
    pub fn var(&self) -> Duration {
        self.var
    }
    /// Minimum RTT seen (the initial guess before any sample).
    pub fn min(&self) -> Duration {
        if self.min == Duration::MAX {
            self.initial
        } else {
            self.min
        }
    }

    /// Probe timeout before backoff: srtt + max(4·rttvar, G) + max_ack_delay
    /// (RFC 9002 §6.2.1).
    pub fn pto_base(&self, max_ack_delay: Duration) -> Duration {
        self.smoothed() + (self.var * 4).max(GRANULARITY) + max_ack_delay
    }

    /// RFC 6298 §2 retransmission timeout, `srtt + max(G, 4·rttvar)`,
    /// clamped to `[min, max]`, doubled `backoff` times (§5.5).
    pub fn rto(&self, min: Duration, max: Duration, backoff: u32) -> Duration {
        let base = match self.smoothed {
            // §2.1: before the first measurement RTO is the initial value.
            None => self.initial * 2,
            Some(s) => s + (self.var * 4).max(GRANULARITY),
        };
        let base = base.clamp(min, max);
        base.checked_mul(1u32 << backoff.min(16))
            .unwrap_or(max)
            .min(max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_sample_then_smoothing_rfc6298() {
        let mut r = Rtt::new(Duration::from_millis(333));
        r.update(Duration::from_millis(100), Duration::ZERO);
        assert_eq!(r.smoothed(), Duration::from_millis(100));
        assert_eq!(r.var(), Duration::from_millis(50));
        r.update(Duration::from_millis(200), Duration::ZERO);
        // rttvar = 3/4·50 + 1/4·|100-200| = 62.5; srtt = 7/8·100 + 1/8·200 = 112.5
        assert_eq!(r.var(), Duration::from_micros(62_500));
        assert_eq!(r.smoothed(), Duration::from_micros(112_500));
        assert_eq!(r.min(), Duration::from_millis(100));
    }

    #[test]
    fn rto_backoff_and_clamp() {
        let mut r = Rtt::new(Duration::from_millis(100));
        let (lo, hi) = (Duration::from_millis(200), Duration::from_secs(2));
        assert_eq!(r.rto(lo, hi, 0), Duration::from_millis(200));
        r.update(Duration::from_millis(100), Duration::ZERO);
        // 100 + 4·50 = 300 ms
        assert_eq!(r.rto(lo, hi, 0), Duration::from_millis(300));
        assert_eq!(r.rto(lo, hi, 1), Duration::from_millis(600));
        assert_eq!(r.rto(lo, hi, 10), hi);
    }

    #[test]
    fn ack_delay_not_subtracted_below_min() {
        let mut r = Rtt::new(Duration::from_millis(10));
        r.update(Duration::from_millis(10), Duration::ZERO);
        r.update(Duration::from_millis(12), Duration::from_millis(5));
        // 12 - 5 < min 10, so the raw 12 is used.
        assert_eq!(r.smoothed(), Duration::from_micros(10_250));
    }
}
