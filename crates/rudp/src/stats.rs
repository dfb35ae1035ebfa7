//! Per-connection statistics.

use std::fmt;
use std::time::Duration;

/// Counters and estimates of one connection (see [`Connection::stats`](crate::Connection::stats)).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Packets sent (every transmission, including acknowledgements).
    pub packets_sent: u64,
    /// UDP payload bytes sent.
    pub bytes_sent: u64,
    /// Packets received and accepted.
    pub packets_received: u64,
    /// UDP payload bytes received and accepted.
    pub bytes_received: u64,
    /// Packets dropped on receipt (wrong address, malformed, wrong state).
    pub packets_dropped: u64,
    /// Packets received twice (same packet number).
    pub duplicates_received: u64,
    /// Packets that carried retransmitted stream bytes.
    pub packets_retransmitted: u64,
    /// Stream bytes sent again.
    pub bytes_retransmitted: u64,
    /// Packets declared lost.
    pub packets_lost: u64,
    /// Bytes of the packets declared lost.
    pub bytes_lost: u64,
    /// Packets declared lost that were acknowledged afterwards.
    pub spurious_retransmissions: u64,
    /// Retransmission timeouts found spurious (and undone).
    pub spurious_timeouts: u64,
    /// Congestion events (loss episodes reported to the controller).
    pub congestion_events: u64,
    /// Probe timeouts that fired.
    pub pto_expirations: u64,
    /// Retransmission timeouts that fired.
    pub rto_expirations: u64,
    /// Received stream bytes beyond the advertised window (dropped).
    pub flow_control_violations: u64,
    /// New stream bytes sent (first transmissions).
    pub stream_bytes_sent: u64,
    /// Stream bytes delivered in order.
    pub stream_bytes_received: u64,
    /// Smoothed RTT.
    pub srtt: Duration,
    /// RTT variation.
    pub rttvar: Duration,
    /// Minimum RTT.
    pub min_rtt: Duration,
    /// Congestion window in bytes.
    pub cwnd: u64,
    /// Bytes in flight.
    pub bytes_in_flight: u64,
    /// Pacing rate in bytes per second.
    pub pacing_rate: f64,
    /// Congestion controller name.
    pub congestion: &'static str,
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "sent {} packets / {} bytes, received {} packets / {} bytes ({} dropped, {} duplicate)",
            self.packets_sent,
            self.bytes_sent,
            self.packets_received,
            self.bytes_received,
            self.packets_dropped,
            self.duplicates_received
        )?;
        writeln!(
            f,
            "stream: {} bytes sent, {} bytes received; retransmitted {} packets / {} bytes",
            self.stream_bytes_sent,
            self.stream_bytes_received,
            self.packets_retransmitted,
            self.bytes_retransmitted
        )?;
        writeln!(
            f,
            "lost {} packets / {} bytes, {} spurious; {} congestion events, {} PTO, {} RTO ({} spurious)",
            self.packets_lost,
            self.bytes_lost,
            self.spurious_retransmissions,
            self.congestion_events,
            self.pto_expirations,
            self.rto_expirations,
            self.spurious_timeouts
        )?;
        write!(
            f,
            "rtt srtt {:.1?} rttvar {:.1?} min {:.1?}; {} cwnd {} bytes, in flight {}, pacing {:.1} Mbit/s",
            self.srtt,
            self.rttvar,
            self.min_rtt,
            self.congestion,
            self.cwnd,
            self.bytes_in_flight,
            self.pacing_rate * 8.0 / 1e6
        )
    }
}
