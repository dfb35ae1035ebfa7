//! Response-rate limiting (RRL) in the manner of NSD and Knot: responses
//! are counted per (client prefix, kind of response, name) in a fixed-size
//! table; past the rate, responses are dropped, and every `slip`-th one is
//! sent as an empty truncated answer so that a real client can retry over
//! TCP. I/O-free: the caller passes the time in seconds.

use std::net::IpAddr;

/// RRL settings.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RrlConfig {
    /// Responses per second per bucket; 0 turns limiting off.
    pub responses_per_second: u32,
    /// Every n-th limited response is sent truncated instead of dropped
    /// (0: never, 1: always).
    #[serde(default = "default_slip")]
    pub slip: u32,
    /// IPv4 clients are grouped by this prefix length.
    #[serde(default = "default_v4")]
    pub ipv4_prefix: u8,
    /// IPv6 clients are grouped by this prefix length.
    #[serde(default = "default_v6")]
    pub ipv6_prefix: u8,
    /// Buckets in the table (the memory bound).
    #[serde(default = "default_table")]
    pub table_size: usize,
}

fn default_slip() -> u32 {
    2
}
fn default_v4() -> u8 {
    24
}
fn default_v6() -> u8 {
    56
}
fn default_table() -> usize {
    65_536
}

/// What to do with a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Send it.
    Pass,
    /// Send nothing.
    Drop,
    /// Send an empty answer with TC set.
    Slip,
}

#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    key: u64,
    second: u64,
    tokens: u32,
    limited: u32,
}

/// The rate limiter's table.
#[derive(Debug)]
pub struct Rrl {
    cfg: RrlConfig,
    table: Vec<Bucket>,
}

fn prefix(ip: IpAddr, v4: u8, v6: u8) -> u128 {
    match ip {
        IpAddr::V4(a) => {
            let bits = u32::from(a);
            let mask = if v4 == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(v4.min(32)))
            };
            u128::from(bits & mask) | (1u128 << 127)
        }
        IpAddr::V6(a) => {
            let bits = u128::from(a);
            let mask = if v6 == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(v6.min(128)))
            };
            bits & mask
        }
    }
}

impl Rrl {
    /// A limiter with `cfg.table_size` buckets.
    pub fn new(cfg: RrlConfig) -> Self {
        let n = cfg.table_size.max(1);
        Self {
            table: vec![Bucket::default(); n],
            cfg,
        }
    }

    /// Counts one response of `class` (a hash of its kind and name) to
    /// `src` at time `second`.
    pub fn check(&mut self, src: IpAddr, class: u64, second: u64) -> Verdict {
        if self.cfg.responses_per_second == 0 {
            return Verdict::Pass;
        }
        let p = prefix(src, self.cfg.ipv4_prefix, self.cfg.ipv6_prefix);
        let mut k = class ^ 0x9e37_79b9_7f4a_7c15;
        for half in [(p >> 64) as u64, p as u64] {
            k = (k ^ half).wrapping_mul(0xff51_afd7_ed55_8ccd);
            k ^= k >> 33;
        }
        let len = self.table.len();
        let b = &mut self.table[(k % len as u64) as usize];
        if b.key != k || b.second != second {
            // New bucket (or a collision, which resets it), or a new second.
            if b.key != k {
                b.limited = 0;
            }
            b.key = k;
            b.second = second;
            b.tokens = self.cfg.responses_per_second;
        }
        if b.tokens > 0 {
            b.tokens -= 1;
            return Verdict::Pass;
        }
        b.limited = b.limited.wrapping_add(1);
        if self.cfg.slip > 0 && b.limited % self.cfg.slip == 0 {
            Verdict::Slip
        } else {
            Verdict::Drop
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_group_clients() {
        let cfg = RrlConfig {
            responses_per_second: 2,
            slip: 0,
            ipv4_prefix: 24,
            ipv6_prefix: 56,
            table_size: 4096,
        };
        let mut r = Rrl::new(cfg);
        let a: IpAddr = "198.51.100.1".parse().unwrap();
        let b: IpAddr = "198.51.100.200".parse().unwrap();
        assert_eq!(r.check(a, 1, 0), Verdict::Pass);
        assert_eq!(r.check(b, 1, 0), Verdict::Pass);
        assert_eq!(r.check(a, 1, 0), Verdict::Drop); // same /24, same class
        assert_eq!(r.check(a, 2, 0), Verdict::Pass); // other class
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(r.check(v6, 1, 0), Verdict::Pass);
        assert_eq!(r.check(a, 1, 1), Verdict::Pass); // next second
    }
}
