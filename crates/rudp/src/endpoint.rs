//! Many connections over one socket, told apart by connection id, and the
//! server's stateless cookie handshake.
//!
//! A server answers a SYN with a SYN-ACK carrying a cookie, a keyed hash
//! (SipHash-1-3, 128 bits) of the client's address, the client's
//! connection id and a time bucket, and keeps nothing. The SYN-ACK is never
//! more than three times the size of the SYN it answers. Only a DATA packet
//! that echoes a valid cookie from the same address creates a connection,
//! which proves the client receives at that address. Cookies from an older
//! bucket than the previous one, from another address or for another
//! connection id are refused; a cookie already used for a live or recent
//! connection does not create a second one.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::Hasher;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use siphasher::sip128::{Hasher128, SipHasher13};

use crate::connection::{Config, Connection, MIN_SYN_LEN};
use crate::wire::{self, Cookie, Frame, Header, PacketType};
use crate::Transmit;

/// Endpoint settings.
#[derive(Debug, Clone)]
pub struct EndpointConfig {
    /// Key of the cookie MAC. Keep it secret; a random one per process is fine.
    pub cookie_key: [u8; 16],
    /// Length of a cookie time bucket; cookies live one to two buckets.
    pub cookie_lifetime: Duration,
    /// Whether to accept incoming connections.
    pub server: bool,
    /// Seed for connection ids.
    pub seed: u64,
    /// Settings for every connection.
    pub connection: Config,
}

impl Default for EndpointConfig {
    fn default() -> Self {
        Self {
            cookie_key: [0; 16],
            cookie_lifetime: Duration::from_secs(10),
            server: false,
            seed: 0,
            connection: Config::default(),
        }
    }
}

/// Handle of a connection inside an endpoint (its local connection id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionHandle(pub u64);

/// Endpoint-level counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointStats {
    /// Datagrams that failed header checks (magic, version, checksum, length).
    pub invalid: u64,
    /// Datagrams for no known connection and without a valid cookie.
    pub unknown_connection: u64,
    /// SYNs answered with a cookie.
    pub cookies_sent: u64,
    /// SYNs ignored (too short, not a server, malformed).
    pub syns_ignored: u64,
    /// Cookie echoes refused (bad MAC, expired, replayed).
    pub cookies_rejected: u64,
    /// Connections accepted.
    pub accepted: u64,
    /// Bytes received by the stateless handshake path.
    pub handshake_bytes_received: u64,
    /// Bytes sent by the stateless handshake path.
    pub handshake_bytes_sent: u64,
}

/// A set of connections on one socket.
#[derive(Debug)]
pub struct Endpoint {
    config: EndpointConfig,
    epoch: Instant,
    rng: StdRng,
    connections: BTreeMap<u64, Connection>,
    transmits: VecDeque<Transmit>,
    incoming: VecDeque<ConnectionHandle>,
    recent_cookies: HashMap<u64, u32>,
    poll_cursor: u64,
    stats: EndpointStats,
}

impl Endpoint {
    /// A new endpoint; `now` starts the cookie clock.
    pub fn new(now: Instant, config: EndpointConfig) -> Self {
        Self {
            rng: StdRng::seed_from_u64(config.seed),
            config,
            epoch: now,
            connections: BTreeMap::new(),
            transmits: VecDeque::new(),
            incoming: VecDeque::new(),
            recent_cookies: HashMap::new(),
            poll_cursor: 0,
            stats: EndpointStats::default(),
        }
    }

    /// Endpoint counters.
    pub fn stats(&self) -> &EndpointStats {
        &self.stats
    }

    /// Number of connections held (the server's connection table).
    pub fn connection_count(&self) -> usize {
        self.connections.len()
    }

    /// Handles of every connection held.
    pub fn handles(&self) -> Vec<ConnectionHandle> {
        self.connections
            .keys()
            .map(|&k| ConnectionHandle(k))
            .collect()
    }

    /// Opens a connection to `remote`.
    pub fn connect(&mut self, now: Instant, remote: SocketAddr) -> ConnectionHandle {
        let cid = self.fresh_cid();
        let conn = Connection::new_client(now, cid, remote, self.config.connection.clone());
        self.connections.insert(cid, conn);
        ConnectionHandle(cid)
    }

    fn fresh_cid(&mut self) -> u64 {
        loop {
            let c = self.rng.next_u64();
            if c != 0 && !self.connections.contains_key(&c) {
                return c;
            }
        }
    }

    /// The next accepted connection, if any.
    pub fn accept(&mut self) -> Option<ConnectionHandle> {
        self.incoming.pop_front()
    }

    /// The connection behind `h`.
    pub fn connection(&mut self, h: ConnectionHandle) -> Option<&mut Connection> {
        self.connections.get_mut(&h.0)
    }

    /// The connection behind `h`, read-only.
    pub fn connection_ref(&self, h: ConnectionHandle) -> Option<&Connection> {
        self.connections.get(&h.0)
    }

    /// Forgets a connection (normally once it is closed and drained).
    pub fn remove(&mut self, h: ConnectionHandle) -> Option<Connection> {
        self.connections.remove(&h.0)
    }

    fn bucket(&self, now: Instant) -> u32 {
        let secs = now.saturating_duration_since(self.epoch).as_secs_f64();
        let len = self.config.cookie_lifetime.as_secs_f64().max(0.001);
        (secs / len) as u32
    }

    fn mac(&self, remote: SocketAddr, client_cid: u64, bucket: u32) -> [u8; 16] {
        let mut h = SipHasher13::new_with_key(&self.config.cookie_key);
        h.write(b"wirelab-rudp cookie v1");
        match remote.ip() {
            IpAddr::V4(a) => h.write(&a.octets()),
            IpAddr::V6(a) => h.write(&a.octets()),
        }
        h.write_u16(remote.port());
        h.write_u64(client_cid);
        h.write_u32(bucket);
        h.finish128().as_bytes()
    }

    fn server_cid(&self, mac: &[u8; 16]) -> u64 {
        let mut h = SipHasher13::new_with_key(&self.config.cookie_key);
        h.write(b"wirelab-rudp server cid");
        h.write(mac);
        h.finish().max(1)
    }

    /// Feeds one received datagram.
    pub fn handle(&mut self, now: Instant, remote: SocketAddr, bytes: &[u8]) {
        let (header, payload) = match Header::parse(bytes) {
            Ok(x) => x,
            Err(e) => {
                tracing::trace!(%remote, %e, "invalid datagram");
                self.stats.invalid += 1;
                return;
            }
        };
        match header.ptype {
            PacketType::Syn => self.handle_syn(remote, bytes.len(), payload, now),
            PacketType::SynAck | PacketType::Data | PacketType::Rst => {
                if let Some(c) = self.connections.get_mut(&header.dcid) {
                    c.handle(now, remote, &header, payload);
                } else if header.ptype == PacketType::Data && self.config.server {
                    self.handle_cookie_echo(now, remote, &header, payload);
                } else {
                    self.stats.unknown_connection += 1;
                }
            }
            PacketType::Unknown(_) => self.stats.invalid += 1,
        }
    }

    fn handle_syn(&mut self, remote: SocketAddr, len: usize, payload: &[u8], now: Instant) {
        self.stats.handshake_bytes_received += len as u64;
        if !self.config.server || len < MIN_SYN_LEN {
            self.stats.syns_ignored += 1;
            return;
        }
        let Ok(frames) = wire::parse_frames(payload) else {
            self.stats.syns_ignored += 1;
            return;
        };
        let Some(client_cid) = frames.iter().find_map(|f| match f {
            Frame::Syn { client_cid, .. } => Some(*client_cid),
            _ => None,
        }) else {
            self.stats.syns_ignored += 1;
            return;
        };
        let bucket = self.bucket(now);
        let mac = self.mac(remote, client_cid, bucket);
        let mut out = Vec::with_capacity(64);
        Header {
            ptype: PacketType::SynAck,
            dcid: client_cid,
            pn: 0,
        }
        .emit(&mut out);
        Frame::SynAck {
            server_cid: self.server_cid(&mac),
            max_data: self.config.connection.recv_window,
            cookie: Cookie { bucket, mac },
        }
        .emit(&mut out);
        wire::seal(&mut out);
        // Anti-amplification: never more than 3× what was received.
        if out.len() > 3 * len {
            self.stats.syns_ignored += 1;
            return;
        }
        self.stats.cookies_sent += 1;
        self.stats.handshake_bytes_sent += out.len() as u64;
        self.transmits.push_back(Transmit {
            destination: remote,
            contents: out,
        });
    }

    fn handle_cookie_echo(
        &mut self,
        now: Instant,
        remote: SocketAddr,
        header: &Header,
        payload: &[u8],
    ) {
        let Ok(frames) = wire::parse_frames(payload) else {
            self.stats.unknown_connection += 1;
            return;
        };
        let Some((client_cid, max_data, cookie)) = frames.iter().find_map(|f| match f {
            Frame::CookieEcho {
                client_cid,
                max_data,
                cookie,
            } => Some((*client_cid, *max_data, *cookie)),
            _ => None,
        }) else {
            self.stats.unknown_connection += 1;
            return;
        };
        let bucket = self.bucket(now);
        let fresh = cookie.bucket == bucket || cookie.bucket.checked_add(1) == Some(bucket);
        let expected = self.mac(remote, client_cid, cookie.bucket);
        // Constant-time comparison of the MAC.
        let same = expected
            .iter()
            .zip(cookie.mac.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
        let server_cid = self.server_cid(&cookie.mac);
        // Forget cookies too old to be accepted anyway.
        self.recent_cookies
            .retain(|_, b| b.checked_add(1).is_some_and(|b1| b1 >= bucket));
        if !fresh
            || !same
            || header.dcid != server_cid
            || self.recent_cookies.contains_key(&server_cid)
        {
            self.stats.cookies_rejected += 1;
            return;
        }
        self.recent_cookies.insert(server_cid, cookie.bucket);
        let mut conn = Connection::new_server(
            now,
            server_cid,
            client_cid,
            remote,
            max_data,
            self.config.connection.clone(),
        );
        conn.handle(now, remote, header, payload);
        self.connections.insert(server_cid, conn);
        self.incoming.push_back(ConnectionHandle(server_cid));
        self.stats.accepted += 1;
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Transmit> {
        if let Some(t) = self.transmits.pop_front() {
            return Some(t);
        }
        // Round-robin over connections, starting after the last one served.
        let cursor = self.poll_cursor;
        for (&k, c) in self.connections.range_mut(cursor.saturating_add(1)..) {
            if let Some(t) = c.poll_transmit(now) {
                self.poll_cursor = k;
                return Some(t);
            }
        }
        for (&k, c) in self.connections.range_mut(..=cursor) {
            if let Some(t) = c.poll_transmit(now) {
                self.poll_cursor = k;
                return Some(t);
            }
        }
        None
    }

    /// The earliest instant any connection wants a timeout.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.connections
            .values()
            .filter_map(|c| c.poll_timeout())
            .min()
    }

    /// Runs every expired timer.
    pub fn handle_timeout(&mut self, now: Instant) {
        for c in self.connections.values_mut() {
            if c.poll_timeout().is_some_and(|t| t <= now) {
                c.handle_timeout(now);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn syn_gets_stateless_cookie_within_3x() {
        let t0 = Instant::now();
        let mut server = Endpoint::new(
            t0,
            EndpointConfig {
                server: true,
                cookie_key: [9; 16],
                ..Default::default()
            },
        );
        let mut client = Endpoint::new(t0, EndpointConfig::default());
        let c = client.connect(t0, addr("127.0.0.1:1"));
        let syn = client.poll_transmit(t0).unwrap();
        assert!(syn.contents.len() >= MIN_SYN_LEN);
        server.handle(t0, addr("127.0.0.1:2"), &syn.contents);
        assert_eq!(server.connection_count(), 0);
        let synack = server.poll_transmit(t0).unwrap();
        assert!(synack.contents.len() <= 3 * syn.contents.len());
        // A short SYN is ignored.
        server.handle(t0, addr("127.0.0.1:2"), &syn.contents[..MIN_SYN_LEN - 1]);
        assert!(server.poll_transmit(t0).is_none());
        client.handle(t0, addr("127.0.0.1:1"), &synack.contents);
        assert!(client.connection(c).unwrap().is_established());
    }
}
