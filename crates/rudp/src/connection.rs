//! One RUDP connection as a sans-I/O state machine.
//!
//! The owner (normally an [`Endpoint`](crate::Endpoint)) feeds it received
//! packets and the current time, and asks it for packets to send and for
//! the next instant it wants to be woken at. It owns one reliable, ordered
//! byte stream in each direction.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::cc::{Algorithm, Controller, RateSample};
use crate::range_set::RangeSet;
use crate::rtt::Rtt;
use crate::stats::Stats;
use crate::wire::{self, AckFrame, Cookie, Frame, Header, PacketType, HEADER_LEN};
use crate::{Error, Transmit};

/// Connection settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest UDP payload sent (default 1452, quinn's path-MTU ceiling: fits a
    /// 1500-byte Ethernet MTU with IPv6 and UDP headers).
    pub mtu: usize,
    /// Receive window: bytes the peer may send beyond what the application read.
    pub recv_window: u64,
    /// Most unacknowledged bytes the application may queue for sending.
    pub send_buffer: u64,
    /// Close after this long without hearing from the peer.
    pub idle_timeout: Duration,
    /// Send a PING after this long without sending (None: never).
    pub keep_alive: Option<Duration>,
    /// Longest the receiver delays an ACK.
    pub max_ack_delay: Duration,
    /// RTT assumed before the first sample. The default, 100 ms, suits the
    /// lab's LAN-like paths: a lost SYN is resent after 200 ms. RFC 9002
    /// §6.2.2 uses 333 ms for the open Internet.
    pub initial_rtt: Duration,
    /// RFC 6298 lower bound on the RTO.
    pub min_rto: Duration,
    /// Upper bound on PTO and RTO after backoff.
    pub max_rto: Duration,
    /// Give up connecting after this long.
    pub handshake_timeout: Duration,
    /// Congestion controller.
    pub congestion: Algorithm,
    /// Whether to pace sends.
    pub pacing: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            mtu: 1452,
            recv_window: 16 << 20,
            send_buffer: 16 << 20,
            idle_timeout: Duration::from_secs(30),
            keep_alive: Some(Duration::from_secs(5)),
            max_ack_delay: Duration::from_millis(5),
            initial_rtt: Duration::from_millis(100),
            min_rto: Duration::from_millis(200),
            max_rto: Duration::from_secs(2),
            handshake_timeout: Duration::from_secs(20),
            congestion: Algorithm::default(),
            pacing: true,
        }
    }
}

/// Smallest SYN a server answers (client pads to it): the SYN-ACK is then
/// well under three times what the server received.
pub const MIN_SYN_LEN: usize = 200;

/// Received packet-number ranges remembered (and repeated in every ACK).
const MAX_RECV_RANGES: usize = 128;

/// Something that happened on a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The handshake completed.
    Connected,
    /// Stream data (or the end of the stream) can be read.
    Readable,
    /// Send buffer space freed up.
    Writable,
    /// The connection is closed; no more packets will be sent or accepted.
    Closed(CloseReason),
}

/// Why a connection closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseReason {
    /// This side called [`Connection::close`].
    Local {
        /// Code given.
        code: u64,
    },
    /// The peer sent CLOSE.
    Remote {
        /// Peer's code.
        code: u64,
        /// Peer's reason text.
        reason: String,
    },
    /// The peer sent RST.
    Reset,
    /// Nothing heard from the peer for the idle timeout.
    IdleTimeout,
    /// The handshake did not complete in time.
    HandshakeTimeout,
}

impl std::fmt::Display for CloseReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Local { code } => write!(f, "closed locally (code {code})"),
            Self::Remote { code, reason } => write!(f, "closed by peer (code {code}: {reason})"),
            Self::Reset => f.write_str("reset by peer"),
            Self::IdleTimeout => f.write_str("idle timeout"),
            Self::HandshakeTimeout => f.write_str("handshake timeout"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Handshake,
    Established,
    Closing { until: Instant },
    Draining { until: Instant },
    Closed,
}

/// Which end this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Opened with `connect`.
    Client,
    /// Accepted.
    Server,
}

#[derive(Debug, Clone)]
struct SentPacket {
    time: Instant,
    size: u64,
    ack_eliciting: bool,
    stream: Vec<(u64, u64)>,
    fin: bool,
    max_data: bool,
    // Delivery-rate state at send time.
    delivered: u64,
    delivered_time: Instant,
    first_sent_time: Instant,
    lost_at_send: u64,
    app_limited: bool,
}

/// One RUDP connection.
#[derive(Debug)]
pub struct Connection {
    side: Side,
    state: State,
    config: Config,
    local_cid: u64,
    remote_cid: u64,
    remote: SocketAddr,
    close_reason: Option<CloseReason>,
    events: VecDeque<Event>,
    stats: Stats,
    created: Instant,
    last_recv: Instant,
    last_sent: Instant,

    // Handshake.
    syn_sent: u32,
    syn_first_sent: Option<Instant>,
    syn_due: Option<Instant>,
    cookie: Option<Cookie>,
    handshake_confirmed: bool,

    // Sending.
    next_pn: u64,
    sent: BTreeMap<u64, SentPacket>,
    lost_recent: BTreeMap<u64, (Instant, u64, bool)>,
    send_buf: VecDeque<u8>,
    send_base: u64,
    send_next: u64,
    retransmit: RangeSet,
    acked: RangeSet,
    fin_requested: bool,
    fin_sent: bool,
    fin_acked: bool,
    peer_max_data: u64,
    probes: u32,
    ping_pending: bool,
    close_to_send: Option<(u64, Vec<u8>)>,
    close_sends_allowed: u32,
    close_resend_at: Option<Instant>,
    close_when_done: Option<u64>,
    acks_since_eliciting: u32,

    // Receiving.
    recv_pns: RangeSet,
    largest_recv: Option<(u64, Instant)>,
    ack_eliciting_unacked: u32,
    ack_now: bool,
    ack_deadline: Option<Instant>,
    chunks: BTreeMap<u64, Vec<u8>>,
    readable: VecDeque<u8>,
    recv_off: u64,
    read_off: u64,
    fin_offset: Option<u64>,
    fin_reported: bool,
    max_data_sent: u64,
    max_data_pending: bool,

    // Recovery and congestion control.
    rtt: Rtt,
    cc: Box<dyn Controller>,
    bytes_in_flight: u64,
    largest_acked: Option<u64>,
    last_ack_eliciting_sent: Option<Instant>,
    pto_count: u32,
    rto_backoff: u32,
    rto_deadline: Option<Instant>,
    loss_time: Option<Instant>,
    pkt_threshold: u64,
    time_threshold: f64,
    pacer_next: Instant,
    delivered: u64,
    delivered_time: Instant,
    first_sent_time: Instant,
    total_lost: u64,
    app_limited_until: Option<u64>,
}

impl Connection {
    fn new(
        side: Side,
        now: Instant,
        local_cid: u64,
        remote_cid: u64,
        remote: SocketAddr,
        config: Config,
    ) -> Self {
        let mss = config.mtu as u64;
        let cc = config.congestion.build(mss);
        let rtt = Rtt::new(config.initial_rtt);
        let window = config.recv_window;
        Self {
            side,
            state: State::Handshake,
            local_cid,
            remote_cid,
            remote,
            close_reason: None,
            events: VecDeque::new(),
            stats: Stats::default(),
            created: now,
            last_recv: now,
            last_sent: now,
            syn_sent: 0,
            syn_first_sent: None,
            syn_due: Some(now),
            cookie: None,
            handshake_confirmed: false,
            next_pn: 0,
            sent: BTreeMap::new(),
            lost_recent: BTreeMap::new(),
            send_buf: VecDeque::new(),
            send_base: 0,
            send_next: 0,
            retransmit: RangeSet::new(),
            acked: RangeSet::new(),
            fin_requested: false,
            fin_sent: false,
            fin_acked: false,
            peer_max_data: 0,
            probes: 0,
            ping_pending: false,
            close_to_send: None,
            close_sends_allowed: 0,
            close_resend_at: None,
            close_when_done: None,
            acks_since_eliciting: 0,
            recv_pns: RangeSet::new(),
            largest_recv: None,
            ack_eliciting_unacked: 0,
            ack_now: false,
            ack_deadline: None,
            chunks: BTreeMap::new(),
            readable: VecDeque::new(),
            recv_off: 0,
            read_off: 0,
            fin_offset: None,
            fin_reported: false,
            max_data_sent: window,
            max_data_pending: false,
            rtt,
            cc,
            bytes_in_flight: 0,
            largest_acked: None,
            last_ack_eliciting_sent: None,
            pto_count: 0,
            rto_backoff: 0,
            rto_deadline: None,
            loss_time: None,
            pkt_threshold: 3,
            time_threshold: 9.0 / 8.0,
            pacer_next: now,
            delivered: 0,
            delivered_time: now,
            first_sent_time: now,
            total_lost: 0,
            app_limited_until: None,
            config,
        }
    }

    /// A client connection that will send SYN on the first `poll_transmit`.
    pub fn new_client(now: Instant, local_cid: u64, remote: SocketAddr, config: Config) -> Self {
        Self::new(Side::Client, now, local_cid, 0, remote, config)
    }

    /// A server connection created from a validated cookie echo.
    pub fn new_server(
        now: Instant,
        local_cid: u64,
        remote_cid: u64,
        remote: SocketAddr,
        peer_max_data: u64,
        config: Config,
    ) -> Self {
        let mut c = Self::new(Side::Server, now, local_cid, remote_cid, remote, config);
        c.state = State::Established;
        c.syn_due = None;
        c.peer_max_data = peer_max_data;
        c.handshake_confirmed = true;
        c.events.push_back(Event::Connected);
        c
    }

    /// Which end this is.
    pub fn side(&self) -> Side {
        self.side
    }
    /// This side's connection id.
    pub fn local_cid(&self) -> u64 {
        self.local_cid
    }
    /// The peer's address.
    pub fn remote(&self) -> SocketAddr {
        self.remote
    }
    /// Whether the handshake completed and the connection is not closing.
    pub fn is_established(&self) -> bool {
        self.state == State::Established
    }
    /// Whether the connection is fully closed.
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }
    /// Why it closed, once it has.
    pub fn close_reason(&self) -> Option<&CloseReason> {
        self.close_reason.as_ref()
    }
    fn push_event(&mut self, e: Event) {
        if !self.events.contains(&e) {
            self.events.push_back(e);
        }
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
    /// Counters and estimates.
    pub fn stats(&self) -> Stats {
        let mut s = self.stats.clone();
        s.srtt = self.rtt.smoothed();
        s.rttvar = self.rtt.var();
        s.min_rtt = self.rtt.min();
        s.cwnd = self.cc.window();
        s.pacing_rate = self.cc.pacing_rate(&self.rtt);
        s.bytes_in_flight = self.bytes_in_flight;
        s.congestion = self.cc.name();
        s
    }

    // ----------------------------------------------------------------- API

    /// Queues bytes on the stream; returns how many were accepted (limited
    /// by the send buffer).
    pub fn write(&mut self, data: &[u8]) -> Result<usize, Error> {
        if self.fin_requested
            || matches!(
                self.state,
                State::Closing { .. } | State::Draining { .. } | State::Closed
            )
        {
            return Err(Error::StreamClosed);
        }
        let room = self
            .config
            .send_buffer
            .saturating_sub(self.send_buf.len() as u64);
        let n = data.len().min(room as usize);
        self.send_buf.extend(&data[..n]);
        Ok(n)
    }

    /// Free room in the send buffer.
    pub fn send_capacity(&self) -> usize {
        self.config
            .send_buffer
            .saturating_sub(self.send_buf.len() as u64) as usize
    }

    /// Ends the stream after the queued bytes (FIN).
    pub fn finish(&mut self) {
        self.fin_requested = true;
    }

    /// Whether everything written, and the FIN, was acknowledged.
    pub fn is_send_complete(&self) -> bool {
        self.fin_acked
    }

    /// Reads stream bytes: `Some(n)` with `n > 0` bytes, `Some(0)` at the
    /// end of the stream, `None` when nothing is available yet.
    pub fn read(&mut self, buf: &mut [u8]) -> Option<usize> {
        if self.readable.is_empty() {
            return self.fin_offset.filter(|&f| f == self.read_off).map(|_| 0);
        }
        let n = buf.len().min(self.readable.len());
        // Two memcpys (the ring's two halves), not a byte-wise drain.
        let (a, b) = self.readable.as_slices();
        let na = n.min(a.len());
        buf[..na].copy_from_slice(&a[..na]);
        buf[na..n].copy_from_slice(&b[..n - na]);
        self.readable.drain(..n);
        self.read_off += n as u64;
        let limit = self.read_off + self.config.recv_window;
        if limit - self.max_data_sent >= self.config.recv_window / 4 {
            self.max_data_sent = limit;
            self.max_data_pending = true;
        }
        Some(n)
    }

    /// Bytes ready to read.
    pub fn readable_len(&self) -> usize {
        self.readable.len()
    }

    /// Whether the peer's stream ended and everything was read.
    pub fn is_recv_finished(&self) -> bool {
        self.fin_offset == Some(self.read_off)
    }

    /// Closes gracefully: sends CLOSE with `code` and `reason`, lingers for
    /// three PTOs to answer stray packets, then is closed.
    pub fn close(&mut self, now: Instant, code: u64, reason: &[u8]) {
        match self.state {
            State::Closed | State::Closing { .. } | State::Draining { .. } => return,
            State::Handshake => {
                self.set_closed(CloseReason::Local { code });
                return;
            }
            State::Established => {}
        }
        let pto = self.pto();
        let until = now + pto * 3;
        self.state = State::Closing { until };
        self.close_to_send = Some((code, reason.to_vec()));
        self.close_sends_allowed = 1;
        // CLOSE is not acknowledged: send it again after one PTO, so an
        // idle peer learns of the close even if the first copy is lost.
        self.close_resend_at = Some(now + pto);
        self.close_reason = Some(CloseReason::Local { code });
    }

    /// Graceful close after delivery: ends the stream (FIN) and closes with
    /// `code` once everything written has been acknowledged.
    pub fn close_when_done(&mut self, code: u64) {
        self.fin_requested = true;
        self.close_when_done = Some(code);
    }

    /// Aborts: returns an RST packet for the peer and closes at once.
    pub fn reset(&mut self) -> Option<Transmit> {
        if self.state == State::Closed {
            return None;
        }
        let t = (self.remote_cid != 0).then(|| {
            let mut out = Vec::with_capacity(HEADER_LEN);
            Header {
                ptype: PacketType::Rst,
                dcid: self.remote_cid,
                pn: self.next_pn,
            }
            .emit(&mut out);
            wire::seal(&mut out);
            Transmit {
                destination: self.remote,
                contents: out,
            }
        });
        self.next_pn += 1;
        self.set_closed(CloseReason::Local { code: 0 });
        t
    }

    fn set_closed(&mut self, reason: CloseReason) {
        if self.state == State::Closed {
            return;
        }
        self.state = State::Closed;
        if self.close_reason.is_none() {
            self.close_reason = Some(reason);
        }
        let r = self.close_reason.clone().unwrap_or(CloseReason::Reset);
        self.push_event(Event::Closed(r));
        self.push_event(Event::Readable);
        self.push_event(Event::Writable);
    }

    // ------------------------------------------------------------ receiving

    /// Feeds a packet addressed to this connection (header already parsed
    /// and checksum-verified by the endpoint).
    pub fn handle(&mut self, now: Instant, remote: SocketAddr, header: &Header, payload: &[u8]) {
        if remote != self.remote || self.state == State::Closed {
            self.stats.packets_dropped += 1;
            return;
        }
        let size = (payload.len() + HEADER_LEN) as u64;
        match header.ptype {
            PacketType::Rst => {
                self.stats.packets_received += 1;
                self.close_reason = Some(CloseReason::Reset);
                self.set_closed(CloseReason::Reset);
                return;
            }
            PacketType::SynAck => {
                self.stats.packets_received += 1;
                self.stats.bytes_received += size;
                self.handle_synack(now, payload);
                return;
            }
            PacketType::Data => {}
            _ => {
                self.stats.packets_dropped += 1;
                return;
            }
        }
        if self.state == State::Handshake {
            // Data before SYN-ACK cannot be ours yet.
            self.stats.packets_dropped += 1;
            return;
        }
        let frames = match wire::parse_frames(payload) {
            Ok(f) => f,
            Err(e) => {
                tracing::debug!(%e, "dropping malformed packet");
                self.stats.packets_dropped += 1;
                return;
            }
        };
        self.stats.packets_received += 1;
        self.stats.bytes_received += size;
        self.last_recv = now;
        let pn = header.pn;
        let ack_eliciting = frames
            .iter()
            .any(|f| !matches!(f, Frame::Ack(_) | Frame::Padding(_) | Frame::Close { .. }));
        if self.recv_pns.contains(pn) {
            self.stats.duplicates_received += 1;
            if ack_eliciting {
                self.ack_now = true;
            }
            return;
        }
        let out_of_order = self.largest_recv.is_some_and(|(l, _)| pn != l + 1);
        if ack_eliciting {
            // Only ack-eliciting packets are acknowledged (RFC 9002 §2).
            self.recv_pns.insert(pn..pn + 1);
            self.recv_pns.truncate_low(MAX_RECV_RANGES);
        }
        if self.largest_recv.is_none_or(|(l, _)| pn > l) {
            self.largest_recv = Some((pn, now));
        }
        if let State::Closing { .. } = self.state {
            // Answer stray packets with the CLOSE again, a few times.
            if self.close_sends_allowed < 3 {
                self.close_sends_allowed += 1;
            }
            return;
        }
        for f in frames {
            match f {
                Frame::Ack(a) => self.on_ack_frame(now, &a),
                Frame::Stream { offset, data, fin } => self.on_stream(offset, data, fin),
                Frame::MaxData(v) => {
                    if v > self.peer_max_data {
                        self.peer_max_data = v;
                    }
                }
                Frame::Close { code, reason } => {
                    let reason = String::from_utf8_lossy(reason).into_owned();
                    self.close_reason = Some(CloseReason::Remote { code, reason });
                    self.state = State::Draining {
                        until: now + self.pto() * 3,
                    };
                    self.push_event(Event::Readable);
                    return;
                }
                Frame::CookieEcho { .. }
                | Frame::Ping
                | Frame::Padding(_)
                | Frame::Syn { .. }
                | Frame::SynAck { .. }
                | Frame::Unknown { .. } => {}
            }
        }
        if ack_eliciting {
            self.ack_eliciting_unacked += 1;
            if out_of_order || self.ack_eliciting_unacked >= 2 {
                self.ack_now = true;
            } else if self.ack_deadline.is_none() {
                self.ack_deadline = Some(now + self.config.max_ack_delay);
            }
        }
    }

    fn handle_synack(&mut self, now: Instant, payload: &[u8]) {
        if self.side != Side::Client || self.state != State::Handshake {
            return;
        }
        let Ok(frames) = wire::parse_frames(payload) else {
            return;
        };
        for f in frames {
            if let Frame::SynAck {
                server_cid,
                max_data,
                cookie,
            } = f
            {
                self.remote_cid = server_cid;
                self.peer_max_data = max_data;
                self.cookie = Some(cookie);
                self.state = State::Established;
                self.syn_due = None;
                self.last_recv = now;
                // Karn's rule: only an unretransmitted SYN gives a sample.
                if let (1, Some(t)) = (self.syn_sent, self.syn_first_sent) {
                    self.rtt
                        .update(now.saturating_duration_since(t), Duration::ZERO);
                }
                self.ping_pending = true;
                self.push_event(Event::Connected);
                return;
            }
        }
    }

    fn on_stream(&mut self, offset: u64, data: &[u8], fin: bool) {
        let end = offset + data.len() as u64;
        if end > self.read_off + self.config.recv_window + self.config.mtu as u64 {
            // Beyond the window we advertised: drop (the peer will resend).
            self.stats.flow_control_violations += 1;
            return;
        }
        if fin {
            self.fin_offset = Some(end);
        }
        if offset <= self.recv_off && end > self.recv_off && self.chunks.is_empty() {
            // In order: straight to the readable buffer.
            let skip = (self.recv_off - offset) as usize;
            self.readable.extend(&data[skip..]);
            self.stats.stream_bytes_received += end - self.recv_off;
            self.recv_off = end;
        } else if end > self.recv_off && !data.is_empty() {
            let skip = self.recv_off.saturating_sub(offset) as usize;
            let off = offset.max(self.recv_off);
            let slot = self.chunks.entry(off).or_default();
            if slot.len() < data.len() - skip {
                *slot = data[skip..].to_vec();
            }
            // Deliver what became contiguous.
            while let Some(entry) = self.chunks.first_entry() {
                if *entry.key() > self.recv_off {
                    break;
                }
                let (o, chunk) = entry.remove_entry();
                let cend = o + chunk.len() as u64;
                if cend > self.recv_off {
                    let from = (self.recv_off - o) as usize;
                    self.readable.extend(&chunk[from..]);
                    self.stats.stream_bytes_received += cend - self.recv_off;
                    self.recv_off = cend;
                }
            }
        }
        if !self.readable.is_empty() || self.fin_offset == Some(self.recv_off) {
            if self.fin_offset == Some(self.recv_off) {
                if self.fin_reported {
                    return;
                }
                self.fin_reported = true;
            }
            self.push_event(Event::Readable);
        }
    }

    fn on_ack_frame(&mut self, now: Instant, ack: &AckFrame) {
        let Some(largest) = ack.largest() else {
            return;
        };
        if largest >= self.next_pn {
            return; // acknowledges something never sent
        }
        let mut newly: Vec<(u64, SentPacket)> = Vec::new();
        let mut spurious_timeout = false;
        let floor = match (self.sent.keys().next(), self.lost_recent.keys().next()) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) | (None, Some(&a)) => a,
            (None, None) => u64::MAX,
        };
        for &(lo, hi) in &ack.ranges {
            if hi < floor {
                break; // ranges are descending: nothing below is tracked
            }
            let pns: Vec<u64> = self.sent.range(lo..=hi).map(|(&pn, _)| pn).collect();
            for pn in pns {
                if let Some(p) = self.sent.remove(&pn) {
                    newly.push((pn, p));
                }
            }
            // Spurious loss: a packet we declared lost was received after all.
            let spurious: Vec<(u64, (Instant, u64, bool))> = self
                .lost_recent
                .range(lo..=hi)
                .map(|(&k, &v)| (k, v))
                .collect();
            for (pn, (_, largest_at_loss, by_timeout)) in spurious {
                self.lost_recent.remove(&pn);
                self.stats.spurious_retransmissions += 1;
                if by_timeout {
                    spurious_timeout = true;
                    continue; // lost ACKs or a stall, not reordering
                }
                // RFC 8985 §6.2 style adaptation: a packet reordered by
                // `dist` widens the packet threshold to cover it, and the
                // time threshold grows by a quarter RTT (up to 2 RTT).
                let dist = largest_at_loss.saturating_sub(pn) + 1;
                self.pkt_threshold = self.pkt_threshold.max(dist).min(64);
                self.time_threshold = (self.time_threshold + 0.25).min(2.0);
            }
        }
        if spurious_timeout {
            self.stats.spurious_timeouts += 1;
            self.cc.on_spurious_timeout();
            // Only the newest timeout can be undone, once.
            for v in self.lost_recent.values_mut() {
                v.2 = false;
            }
        }
        if newly.is_empty() {
            return;
        }
        if self.largest_acked.is_none_or(|l| largest > l) {
            self.largest_acked = Some(largest);
        }
        self.handshake_confirmed = true;
        newly.sort_by_key(|(pn, _)| *pn);
        // RTT sample from the largest if it is newly acknowledged.
        if let Some((pn, p)) = newly.last() {
            if *pn == largest && p.ack_eliciting {
                let delay = Duration::from_micros(ack.ack_delay_us).min(self.config.max_ack_delay);
                self.rtt
                    .update(now.saturating_duration_since(p.time), delay);
            }
        }
        let mut sample_from: Option<SentPacket> = None;
        for (_, p) in &newly {
            if p.ack_eliciting {
                self.bytes_in_flight = self.bytes_in_flight.saturating_sub(p.size);
            }
            self.cc.on_ack(now, p.time, p.size, &self.rtt);
            self.delivered += p.size;
            for &(o, l) in &p.stream {
                self.acked.insert(o..o + l);
                self.retransmit.remove(o..o + l);
            }
            if p.fin {
                self.fin_acked = true;
            }
            if sample_from.as_ref().is_none_or(|s| p.time >= s.time) {
                sample_from = Some(p.clone());
            }
        }
        self.delivered_time = now;
        self.pto_count = 0;
        self.rto_backoff = 0;
        self.rto_deadline = if self.bytes_in_flight > 0 {
            Some(now + self.rto())
        } else {
            None
        };
        self.advance_send_base();
        self.detect_lost(now);
        if let Some(p) = sample_from {
            self.first_sent_time = p.time;
            let send_elapsed = p.time.saturating_duration_since(p.first_sent_time);
            let ack_elapsed = now.saturating_duration_since(p.delivered_time);
            let rs = RateSample {
                delivered: self.delivered - p.delivered,
                lost: self.total_lost - p.lost_at_send,
                interval: send_elapsed.max(ack_elapsed),
                prior_delivered: p.delivered,
                total_delivered: self.delivered,
                rtt: now.saturating_duration_since(p.time),
                app_limited: p.app_limited,
                bytes_in_flight: self.bytes_in_flight,
            };
            if self.app_limited_until.is_some_and(|d| self.delivered > d) {
                self.app_limited_until = None;
            }
            self.cc.on_rate_sample(now, &rs, &self.rtt);
        }
        // Forget old spurious-loss candidates.
        let horizon = self.rtt.smoothed().max(self.rtt.latest()) * 4;
        while let Some((&pn, &(t, _, _))) = self.lost_recent.first_key_value() {
            if now.saturating_duration_since(t) > horizon || self.lost_recent.len() > 4096 {
                self.lost_recent.remove(&pn);
            } else {
                break;
            }
        }
    }

    fn advance_send_base(&mut self) {
        let mut advanced = false;
        while let Some(r) = self.acked.first() {
            if r.start > self.send_base {
                break;
            }
            let upto = r.end.min(self.send_base + self.send_buf.len() as u64);
            if upto <= self.send_base {
                break;
            }
            let n = (upto - self.send_base) as usize;
            self.send_buf.drain(..n);
            self.send_base = upto;
            self.acked.remove_below(upto);
            advanced = true;
        }
        if advanced {
            self.push_event(Event::Writable);
        }
    }

    fn loss_delay(&self) -> Duration {
        let base = self.rtt.smoothed().max(self.rtt.latest());
        base.mul_f64(self.time_threshold)
            .max(crate::rtt::GRANULARITY)
    }

    /// RFC 9002 §6.1 with the adaptive thresholds.
    fn detect_lost(&mut self, now: Instant) {
        self.loss_time = None;
        let Some(largest) = self.largest_acked else {
            return;
        };
        let delay = self.loss_delay();
        let mut lost: Vec<u64> = Vec::new();
        for (&pn, p) in self.sent.range(..largest) {
            if pn + self.pkt_threshold <= largest || p.time + delay <= now {
                lost.push(pn);
            } else {
                let t = p.time + delay;
                self.loss_time = Some(self.loss_time.map_or(t, |l: Instant| l.min(t)));
                break;
            }
        }
        if !lost.is_empty() {
            self.on_lost(now, &lost, largest, false);
        }
    }

    fn on_lost(&mut self, now: Instant, pns: &[u64], largest: u64, persistent: bool) {
        let mut newest: Option<Instant> = None;
        let mut lost_bytes = 0;
        for pn in pns {
            let Some(p) = self.sent.remove(pn) else {
                continue;
            };
            if p.ack_eliciting {
                self.bytes_in_flight = self.bytes_in_flight.saturating_sub(p.size);
            }
            self.stats.packets_lost += 1;
            self.stats.bytes_lost += p.size;
            self.total_lost += p.size;
            lost_bytes += p.size;
            newest = Some(newest.map_or(p.time, |n: Instant| n.max(p.time)));
            for &(o, l) in &p.stream {
                if !self.acked.contains_range(o..o + l) && o + l > self.send_base {
                    let start = o.max(self.send_base);
                    self.retransmit.insert(start..o + l);
                }
            }
            if p.fin && !self.fin_acked {
                self.fin_sent = false;
            }
            if p.max_data {
                self.max_data_pending = true;
            }
            self.lost_recent.insert(*pn, (p.time, largest, persistent));
        }
        if let Some(t) = newest {
            self.stats.congestion_events += 1;
            self.cc.on_congestion_event(now, t, lost_bytes, persistent);
        }
    }

    // -------------------------------------------------------------- timers

    fn pto(&self) -> Duration {
        let base = self.rtt.pto_base(self.config.max_ack_delay);
        base.checked_mul(1 << self.pto_count.min(16))
            .unwrap_or(self.config.max_rto)
            .min(self.config.max_rto)
    }

    fn rto(&self) -> Duration {
        self.rtt
            .rto(self.config.min_rto, self.config.max_rto, self.rto_backoff)
    }

    fn pto_deadline(&self) -> Option<Instant> {
        if self.bytes_in_flight == 0 || self.state != State::Established {
            return None;
        }
        self.last_ack_eliciting_sent.map(|t| t + self.pto())
    }

    fn keep_alive_deadline(&self) -> Option<Instant> {
        // With packets in flight the PTO and RTO timers keep things moving.
        if self.state != State::Established || self.bytes_in_flight > 0 {
            return None;
        }
        self.config
            .keep_alive
            .map(|k| self.last_sent.max(self.last_recv) + k)
    }

    fn idle_deadline(&self) -> Instant {
        // Never time out faster than three PTOs (RFC 9000 §10.1).
        self.last_recv + self.config.idle_timeout.max(self.pto() * 3)
    }

    /// The next instant the connection wants [`handle_timeout`](Self::handle_timeout).
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut t: Option<Instant> = None;
        let mut add = |x: Option<Instant>| {
            if let Some(x) = x {
                t = Some(t.map_or(x, |t| t.min(x)));
            }
        };
        match self.state {
            State::Closed => return None,
            State::Closing { until } => {
                return Some(self.close_resend_at.map_or(until, |r| r.min(until)));
            }
            State::Draining { until } => return Some(until),
            State::Handshake => {
                add(self.syn_due);
                add(Some(self.created + self.config.handshake_timeout));
                return t;
            }
            State::Established => {}
        }
        add(self.ack_deadline);
        add(self.loss_time);
        add(self.pto_deadline());
        add(self.rto_deadline);
        add(self.keep_alive_deadline());
        add(Some(self.idle_deadline()));
        if self.has_sendable() && self.cwnd_allows() && self.pacing_active() {
            add(Some(self.pacer_next));
        }
        t
    }

    /// Runs whatever timers expired by `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.state {
            State::Closed => return,
            State::Closing { until } | State::Draining { until } => {
                if self.close_resend_at.is_some_and(|t| now >= t) {
                    self.close_resend_at = None;
                    self.close_sends_allowed += 1;
                }
                if now >= until {
                    let r = self.close_reason.clone().unwrap_or(CloseReason::Reset);
                    self.set_closed(r);
                }
                return;
            }
            State::Handshake => {
                if now >= self.created + self.config.handshake_timeout {
                    self.set_closed(CloseReason::HandshakeTimeout);
                }
                return;
            }
            State::Established => {}
        }
        if now >= self.idle_deadline() {
            self.set_closed(CloseReason::IdleTimeout);
            return;
        }
        if self.loss_time.is_some_and(|t| now >= t) {
            self.detect_lost(now);
        }
        if self.rto_deadline.is_some_and(|t| now >= t) {
            // RFC 6298 §5.4–5.6: everything outstanding is presumed lost,
            // back off the timer; RFC 5681 §3.1: collapse the window.
            self.stats.rto_expirations += 1;
            let pns: Vec<u64> = self
                .sent
                .iter()
                .filter(|(_, p)| p.ack_eliciting)
                .map(|(&pn, _)| pn)
                .collect();
            let largest = self.largest_acked.unwrap_or(0);
            self.on_lost(now, &pns, largest, true);
            self.rto_backoff = (self.rto_backoff + 1).min(16);
            self.rto_deadline = None;
            self.probes = self.probes.max(1);
            if !self.has_sendable() {
                self.ping_pending = true;
            }
        } else if self.pto_deadline().is_some_and(|t| now >= t) {
            // RFC 9002 §6.2.4: send probes, declare nothing lost.
            self.stats.pto_expirations += 1;
            self.pto_count = (self.pto_count + 1).min(16);
            self.probes = 2;
            self.last_ack_eliciting_sent = Some(now);
        }
        if self.keep_alive_deadline().is_some_and(|t| now >= t) {
            self.ping_pending = true;
        }
    }

    // ------------------------------------------------------------- sending

    fn new_data_available(&self) -> u64 {
        let end = self.send_base + self.send_buf.len() as u64;
        let limit = end.min(self.peer_max_data);
        limit.saturating_sub(self.send_next)
    }

    fn fin_to_send(&self) -> bool {
        self.fin_requested
            && !self.fin_sent
            && self.send_next == self.send_base + self.send_buf.len() as u64
    }

    fn has_sendable(&self) -> bool {
        !self.retransmit.is_empty()
            || self.new_data_available() > 0
            || self.fin_to_send()
            || self.ping_pending
            || self.max_data_pending
    }

    fn cwnd_allows(&self) -> bool {
        self.bytes_in_flight + self.config.mtu as u64 <= self.cc.window()
    }

    /// The next packet to send, if any is due at `now`.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Transmit> {
        match self.state {
            State::Closed | State::Draining { .. } => None,
            State::Handshake => self.poll_syn(now),
            State::Closing { .. } => {
                if self.close_sends_allowed == 0 {
                    return None;
                }
                self.close_sends_allowed -= 1;
                let (code, reason) = self.close_to_send.clone().unwrap_or_default();
                let mut out = self.start_packet();
                Frame::Close {
                    code,
                    reason: &reason,
                }
                .emit(&mut out);
                Some(self.finish_packet(now, out, None))
            }
            State::Established => {
                if let (Some(code), true) = (self.close_when_done, self.fin_acked) {
                    self.close(now, code, b"");
                    return self.poll_transmit(now);
                }
                self.poll_data(now)
            }
        }
    }

    fn start_packet(&mut self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.config.mtu);
        Header {
            ptype: PacketType::Data,
            dcid: self.remote_cid,
            pn: self.next_pn,
        }
        .emit(&mut out);
        out
    }

    fn finish_packet(
        &mut self,
        now: Instant,
        mut out: Vec<u8>,
        record: Option<SentPacket>,
    ) -> Transmit {
        wire::seal(&mut out);
        let pn = self.next_pn;
        self.next_pn += 1;
        self.stats.packets_sent += 1;
        self.stats.bytes_sent += out.len() as u64;
        self.last_sent = now;
        if let Some(p) = record {
            if p.ack_eliciting {
                if self.bytes_in_flight == 0 {
                    // Rate sampling restarts after an idle period.
                    self.first_sent_time = now;
                    self.delivered_time = now;
                }
                self.bytes_in_flight += p.size;
                self.last_ack_eliciting_sent = Some(now);
                if self.rto_deadline.is_none() {
                    self.rto_deadline = Some(now + self.rto());
                }
            }
            self.sent.insert(pn, p);
        }
        Transmit {
            destination: self.remote,
            contents: out,
        }
    }

    fn poll_syn(&mut self, now: Instant) -> Option<Transmit> {
        if self.side != Side::Client || self.syn_due.is_none_or(|t| now < t) {
            return None;
        }
        let mut out = Vec::with_capacity(MIN_SYN_LEN);
        Header {
            ptype: PacketType::Syn,
            dcid: 0,
            pn: self.next_pn,
        }
        .emit(&mut out);
        Frame::Syn {
            client_cid: self.local_cid,
            max_data: self.config.recv_window,
        }
        .emit(&mut out);
        let pad = MIN_SYN_LEN.saturating_sub(out.len());
        Frame::Padding(pad).emit(&mut out);
        if self.syn_sent == 0 {
            self.syn_first_sent = Some(now);
        }
        let backoff = self.syn_sent.min(6);
        self.syn_sent += 1;
        // Exponential backoff from the initial RTO (RFC 6298 §5.5).
        self.syn_due = Some(
            now + self
                .rtt
                .rto(self.config.min_rto, self.config.max_rto, backoff),
        );
        Some(self.finish_packet(now, out, None))
    }

    fn pacing_active(&self) -> bool {
        // Without an RTT sample the rate would come from the 333 ms guess
        // and crawl: the window alone limits the first flight.
        self.config.pacing && self.rtt.has_sample()
    }

    fn pacer_allows(&mut self, now: Instant) -> bool {
        if !self.pacing_active() {
            return true;
        }
        let rate = self.cc.pacing_rate(&self.rtt).max(1.0);
        // Allow a burst worth max(2 packets, 2 ms) to cover timer granularity.
        let burst = Duration::from_secs_f64((2 * self.config.mtu) as f64 / rate)
            .max(Duration::from_millis(2));
        if let Some(floor) = now.checked_sub(burst) {
            if self.pacer_next < floor {
                self.pacer_next = floor;
            }
        }
        self.pacer_next <= now
    }

    fn poll_data(&mut self, now: Instant) -> Option<Transmit> {
        let ack_due = self.ack_now
            || self.ack_deadline.is_some_and(|t| now >= t)
            || (self.ack_eliciting_unacked > 0 && self.probes > 0);
        let probe = self.probes > 0;
        let may_send = probe || (self.cwnd_allows() && self.pacer_allows(now));
        let want = self.has_sendable() || probe;
        if !(ack_due || (may_send && want)) {
            return None;
        }
        let mtu = self.config.mtu;
        let mut out = self.start_packet();
        let mut eliciting = false;
        let mut rec = SentPacket {
            time: now,
            size: 0,
            ack_eliciting: false,
            stream: Vec::new(),
            fin: false,
            max_data: false,
            delivered: self.delivered,
            delivered_time: self.delivered_time,
            first_sent_time: self.first_sent_time,
            lost_at_send: self.total_lost,
            app_limited: self.app_limited_until.is_some(),
        };
        // ACK (repeating as many ranges as fit).
        if !self.recv_pns.is_empty() && (ack_due || self.ack_eliciting_unacked > 0) {
            let ranges: Vec<(u64, u64)> = self
                .recv_pns
                .iter()
                .rev()
                .map(|r| (r.start, r.end - 1))
                .collect();
            let delay = self.largest_recv.map_or(0, |(_, t)| {
                now.saturating_duration_since(t).as_micros() as u64
            });
            let budget = if may_send && want {
                400
            } else {
                mtu - HEADER_LEN
            };
            wire::emit_ack(
                &AckFrame {
                    ack_delay_us: delay,
                    ranges,
                },
                budget,
                &mut out,
            );
            self.ack_now = false;
            self.ack_deadline = None;
            self.ack_eliciting_unacked = 0;
        }
        if may_send {
            if self.side == Side::Client && !self.handshake_confirmed {
                if let Some(cookie) = self.cookie {
                    Frame::CookieEcho {
                        client_cid: self.local_cid,
                        max_data: self.config.recv_window,
                        cookie,
                    }
                    .emit(&mut out);
                    eliciting = true;
                }
            }
            if self.max_data_pending {
                Frame::MaxData(self.max_data_sent).emit(&mut out);
                self.max_data_pending = false;
                rec.max_data = true;
                eliciting = true;
            }
            let mut retransmitted = false;
            // Probes with nothing new to say resend the oldest in-flight data.
            if probe
                && self.retransmit.is_empty()
                && self.new_data_available() == 0
                && !self.fin_to_send()
            {
                if let Some(p) = self.sent.values().find(|p| !p.stream.is_empty()) {
                    for &(o, l) in &p.stream.clone() {
                        if !self.acked.contains_range(o..o + l) && o + l > self.send_base {
                            self.retransmit.insert(o.max(self.send_base)..o + l);
                        }
                    }
                }
            }
            // Stream data: retransmissions first, then new bytes.
            loop {
                // Exact room for the frame (type, offset and length varints,
                // data), so full packets are exactly `mtu` bytes long and a
                // run of them goes out as one GSO send.
                let next_off = self.retransmit.first().map_or(self.send_next, |r| r.start);
                let avail = mtu.saturating_sub(out.len() + 1 + wire::varint_len(next_off));
                let room = stream_room(avail);
                if room < 16 {
                    break;
                }
                let (off, len, is_retx) = if let Some(r) = self.retransmit.pop_min(room) {
                    (r.start, r.end - r.start, true)
                } else {
                    let n = self.new_data_available().min(room);
                    if n == 0 {
                        break;
                    }
                    let off = self.send_next;
                    self.send_next += n;
                    (off, n, false)
                };
                let end = off + len;
                let fin = self.fin_requested
                    && !self.fin_acked
                    && end == self.send_base + self.send_buf.len() as u64
                    && self.send_next == end;
                // STREAM frame written in place (same bytes as Frame::emit),
                // straight from the ring buffer without a temporary copy.
                out.push(if fin {
                    wire::frame_type::STREAM_FIN
                } else {
                    wire::frame_type::STREAM
                });
                wire::put_varint(&mut out, off);
                wire::put_varint(&mut out, len);
                let s = (off - self.send_base) as usize;
                let e = s + len as usize;
                let (a, b) = self.send_buf.as_slices();
                if s < a.len() {
                    out.extend_from_slice(&a[s..e.min(a.len())]);
                }
                if e > a.len() {
                    out.extend_from_slice(&b[s.saturating_sub(a.len())..e - a.len()]);
                }
                if fin {
                    self.fin_sent = true;
                    rec.fin = true;
                }
                rec.stream.push((off, len));
                eliciting = true;
                if is_retx {
                    retransmitted = true;
                    self.stats.bytes_retransmitted += len;
                } else {
                    self.stats.stream_bytes_sent += len;
                }
            }
            if self.fin_to_send() {
                Frame::Stream {
                    offset: self.send_next,
                    data: &[],
                    fin: true,
                }
                .emit(&mut out);
                self.fin_sent = true;
                rec.fin = true;
                rec.stream.push((self.send_next, 0));
                eliciting = true;
            }
            if retransmitted {
                self.stats.packets_retransmitted += 1;
            }
            if self.ping_pending || (probe && !eliciting) {
                Frame::Ping.emit(&mut out);
                eliciting = true;
            }
            self.ping_pending = false;
            if probe {
                self.probes -= 1;
            }
        }
        // A pure receiver would never get an RTT sample (ACK-only packets are
        // not acknowledged), leaving its PTO at the initial guess for its
        // first reply. Every 16th ACK-only packet asks for an ACK
        // (RFC 9000 §13.2.4 suggests the same).
        if !eliciting
            && out.len() > HEADER_LEN
            && self.acks_since_eliciting >= 16
            && self.cwnd_allows()
        {
            Frame::Ping.emit(&mut out);
            eliciting = true;
        }
        if eliciting {
            self.acks_since_eliciting = 0;
        } else {
            self.acks_since_eliciting = self.acks_since_eliciting.saturating_add(1);
        }
        if out.len() == HEADER_LEN {
            return None;
        }
        rec.size = out.len() as u64;
        rec.ack_eliciting = eliciting;
        if eliciting {
            if !self.has_sendable() && self.cwnd_allows() {
                // Nothing more to send while the window has room: the
                // samples until this is delivered are application-limited.
                self.app_limited_until = Some(self.delivered + self.bytes_in_flight + rec.size);
            }
            if self.pacing_active() {
                let rate = self.cc.pacing_rate(&self.rtt).max(1.0);
                self.pacer_next += Duration::from_secs_f64(rec.size as f64 / rate);
            }
            Some(self.finish_packet(now, out, Some(rec)))
        } else {
            Some(self.finish_packet(now, out, None))
        }
    }
}

/// Largest stream data length `len` with `len + varint_len(len) <= avail`.
fn stream_room(avail: usize) -> u64 {
    // For each varint width, the longest length it can encode that fits.
    [(1, 63), (2, 16_383), (4, (1 << 30) - 1), (8, (1 << 62) - 1)]
        .into_iter()
        .filter_map(|(width, max)| avail.checked_sub(width).map(|n| (n as u64).min(max)))
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_room_is_largest_fitting_length() {
        // len + varint_len(len) <= avail, and len + 1 would not fit.
        for avail in 0..20_000usize {
            let len = stream_room(avail);
            assert!(len + wire::varint_len(len) as u64 <= avail as u64 || len == 0);
            let more = len + 1;
            assert!(
                more + wire::varint_len(more) as u64 > avail as u64,
                "{avail}"
            );
        }
        assert_eq!(stream_room(1452 - 24 - 1 - 4), 1421);
        assert_eq!(stream_room(65), 63);
    }
}
