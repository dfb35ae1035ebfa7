//! The DHCP server's protocol logic, free of I/O: [`Server::handle`] takes
//! the time, a datagram and where it came from, and returns the replies to
//! send and the lease records to make durable first (RFC 2131 §4.3).

use std::collections::{BTreeSet, HashMap};
use std::net::{Ipv4Addr, SocketAddrV4};

use dhcproto::v4::{self, DhcpOption, MessageType, OptionCode, UnknownOption};

use super::config::Config;
use super::wire::{self, Malformed, Op};

/// Who a lease belongs to: `1 ‖ client identifier` when the client sent
/// option 61, else `0 ‖ htype ‖ chaddr` (RFC 2131 §4.2).
pub type ClientKey = Box<[u8]>;

/// State of an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseState {
    /// Offered, not yet requested (never written to disk).
    Offered,
    /// Bound: ACKed.
    Bound,
    /// Declined by a client; out of use until `expires` (probation).
    Declined,
    /// Released by the client; kept so the client gets it back.
    Released,
}

impl LeaseState {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            LeaseState::Offered => "offered",
            LeaseState::Bound => "bound",
            LeaseState::Declined => "declined",
            LeaseState::Released => "released",
        }
    }
}

/// One address binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The address.
    pub ip: Ipv4Addr,
    /// Owner.
    pub client: ClientKey,
    /// Hardware type.
    pub htype: u8,
    /// Hardware address.
    pub chaddr: Vec<u8>,
    /// State.
    pub state: LeaseState,
    /// Unix time the state ends.
    pub expires: u64,
    /// Host name the client sent (option 12).
    pub hostname: Option<String>,
}

/// Where a reply goes (RFC 2131 §4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// To the relay agent at giaddr, port 67.
    Relay(SocketAddrV4),
    /// To the client's address (ciaddr), port 68.
    Unicast(SocketAddrV4),
    /// To 255.255.255.255:68.
    Broadcast,
    /// To yiaddr at the client's hardware address (the client has no
    /// address yet and did not set the broadcast bit).
    Hardware {
        /// yiaddr.
        ip: Ipv4Addr,
        /// Hardware type.
        htype: u8,
        /// Hardware address.
        chaddr: Vec<u8>,
    },
}

/// One datagram to send.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Where.
    pub to: Destination,
    /// Encoded message.
    pub bytes: Vec<u8>,
    /// Send only after the output's records are durable.
    pub durable: bool,
    /// Message type, for counters and logs.
    pub kind: MessageType,
}

/// What handling datagrams produced; the edge drains it each loop turn.
#[derive(Debug, Default)]
pub struct Output {
    /// Replies.
    pub replies: Vec<Reply>,
    /// Lease records to append to the log.
    pub records: Vec<Lease>,
}

/// Where a datagram came from.
#[derive(Debug, Clone, Copy)]
pub struct Arrival {
    /// Source address and port.
    pub src: SocketAddrV4,
}

/// Why a datagram got no reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Ignored {
    /// Malformed: see [`Malformed`].
    #[error("malformed: {0}")]
    Malformed(#[from] Malformed),
    /// A well-formed message this server does not answer.
    #[error("{0}")]
    NotAnswered(&'static str),
    /// No free address.
    #[error("no free address in the pool")]
    PoolExhausted,
}

/// Counters the edge prints.
#[derive(Debug, Default, Clone)]
pub struct Counters {
    /// Datagrams handled.
    pub received: u64,
    /// Dropped as malformed.
    pub malformed: u64,
    /// Well-formed but not answered.
    pub not_answered: u64,
    /// OFFERs.
    pub offers: u64,
    /// ACKs.
    pub acks: u64,
    /// NAKs.
    pub naks: u64,
    /// DECLINEs accepted.
    pub declines: u64,
    /// RELEASEs accepted.
    pub releases: u64,
    /// INFORMs answered.
    pub informs: u64,
    /// DISCOVERs with no address left.
    pub exhausted: u64,
}

#[derive(Debug, Default)]
struct Table {
    by_ip: HashMap<u32, Lease>,
    by_client: HashMap<ClientKey, u32>,
    free: BTreeSet<u32>,
    expiry: BTreeSet<(u64, u32)>,
}

impl Table {
    fn get(&self, ip: Ipv4Addr) -> Option<&Lease> {
        self.by_ip.get(&u32::from(ip))
    }

    fn remove(&mut self, ip: u32, cfg: &Config) -> Option<Lease> {
        let l = self.by_ip.remove(&ip)?;
        self.expiry.remove(&(l.expires, ip));
        if self.by_client.get(&l.client) == Some(&ip) {
            self.by_client.remove(&l.client);
        }
        if cfg.in_pool(l.ip) {
            self.free.insert(ip);
        }
        Some(l)
    }

    /// Put `lease` in place. If its client was mapped to another address,
    /// that binding is dropped (offered) or released (bound), and a released
    /// one is returned so that the caller records it.
    fn insert(&mut self, lease: Lease, now: u64, cfg: &Config) -> Option<Lease> {
        let ip = u32::from(lease.ip);
        if let Some(old) = self.by_ip.remove(&ip) {
            self.expiry.remove(&(old.expires, ip));
            if self.by_client.get(&old.client) == Some(&ip) {
                self.by_client.remove(&old.client);
            }
        }
        self.free.remove(&ip);
        let mut displaced = None;
        if lease.state != LeaseState::Declined {
            if let Some(prev) = self.by_client.insert(lease.client.clone(), ip) {
                if prev != ip {
                    displaced = self.retire(prev, &lease.client, now, cfg);
                }
            }
        }
        self.expiry.insert((lease.expires, ip));
        self.by_ip.insert(ip, lease);
        displaced
    }

    fn retire(&mut self, ip: u32, client: &[u8], now: u64, cfg: &Config) -> Option<Lease> {
        let l = self.by_ip.get(&ip)?;
        if &*l.client != client {
            return None;
        }
        match l.state {
            LeaseState::Offered => {
                self.remove(ip, cfg);
                None
            }
            LeaseState::Bound => {
                let mut l = self.by_ip.remove(&ip)?;
                self.expiry.remove(&(l.expires, ip));
                l.state = LeaseState::Released;
                l.expires = now;
                self.expiry.insert((now, ip));
                self.by_ip.insert(ip, l.clone());
                Some(l)
            }
            _ => None,
        }
    }

    /// Change state and expiry of the lease at `ip`; returns the new lease.
    fn update(&mut self, ip: u32, state: LeaseState, expires: u64) -> Option<Lease> {
        let mut l = self.by_ip.remove(&ip)?;
        self.expiry.remove(&(l.expires, ip));
        l.state = state;
        l.expires = expires;
        if state == LeaseState::Declined && self.by_client.get(&l.client) == Some(&ip) {
            self.by_client.remove(&l.client);
        }
        self.expiry.insert((expires, ip));
        self.by_ip.insert(ip, l.clone());
        Some(l)
    }
}

/// The request as the server sees it after the checks.
struct Req {
    msg: v4::Message,
    relay_agent: Option<Vec<u8>>,
    key: ClientKey,
    client_id: Option<Vec<u8>>,
}

impl Req {
    fn opt_ip(&self, code: OptionCode) -> Option<Ipv4Addr> {
        match self.msg.opts().get(code) {
            Some(DhcpOption::RequestedIpAddress(a)) | Some(DhcpOption::ServerIdentifier(a)) => {
                Some(*a)
            }
            _ => None,
        }
    }
    fn hostname(&self) -> Option<String> {
        match self.msg.opts().get(OptionCode::Hostname) {
            Some(DhcpOption::Hostname(h)) => Some(h.chars().take(63).collect()),
            _ => None,
        }
    }
}

/// The DHCP server state machine.
#[derive(Debug)]
pub struct Server {
    cfg: Config,
    table: Table,
    /// Counters.
    pub counters: Counters,
}

impl Server {
    /// A server with `cfg` and the leases replayed from the store (in log
    /// order: a later record for an address replaces an earlier one).
    pub fn new(cfg: Config, leases: Vec<Lease>) -> Self {
        let mut table = Table {
            free: cfg.pool_addresses(),
            ..Table::default()
        };
        for l in leases {
            if l.state == LeaseState::Offered {
                continue;
            }
            let ip = u32::from(l.ip);
            if let Some(old) = table.by_ip.remove(&ip) {
                table.expiry.remove(&(old.expires, ip));
                if table.by_client.get(&old.client) == Some(&ip) {
                    table.by_client.remove(&old.client);
                }
            }
            table.free.remove(&ip);
            if l.state != LeaseState::Declined {
                table.by_client.insert(l.client.clone(), ip);
            }
            table.expiry.insert((l.expires, ip));
            table.by_ip.insert(ip, l);
        }
        Server {
            cfg,
            table,
            counters: Counters::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Every lease worth keeping on disk (all but offers), for compaction.
    pub fn durable_leases(&self) -> impl Iterator<Item = &Lease> {
        self.table
            .by_ip
            .values()
            .filter(|l| l.state != LeaseState::Offered)
    }

    /// The lease on `ip`, if any.
    pub fn lease(&self, ip: Ipv4Addr) -> Option<&Lease> {
        self.table.get(ip)
    }

    /// Handle one datagram received at `now` (unix seconds).
    pub fn handle(
        &mut self,
        now: u64,
        bytes: &[u8],
        arrival: Arrival,
        out: &mut Output,
    ) -> Result<(), Ignored> {
        self.counters.received += 1;
        let r = self.handle_inner(now, bytes, arrival, out);
        match &r {
            Err(Ignored::Malformed(_)) => self.counters.malformed += 1,
            Err(Ignored::PoolExhausted) => self.counters.exhausted += 1,
            Err(Ignored::NotAnswered(_)) => self.counters.not_answered += 1,
            Ok(()) => {}
        }
        r
    }

    fn handle_inner(
        &mut self,
        now: u64,
        bytes: &[u8],
        _arrival: Arrival,
        out: &mut Output,
    ) -> Result<(), Ignored> {
        let checked = wire::check(bytes, Op::Request)?;
        let msg = checked.msg;
        let client_id = match msg.opts().get(OptionCode::ClientIdentifier) {
            Some(DhcpOption::ClientIdentifier(c)) => Some(c.clone()),
            _ => None,
        };
        let key: ClientKey = match &client_id {
            Some(c) => [&[1u8][..], c].concat().into_boxed_slice(),
            None => {
                if msg.chaddr().is_empty() {
                    return Err(Ignored::NotAnswered("no client identifier and no chaddr"));
                }
                [&[0u8, u8::from(msg.htype())][..], msg.chaddr()]
                    .concat()
                    .into_boxed_slice()
            }
        };
        let giaddr = msg.giaddr();
        if !giaddr.is_unspecified() && !self.cfg.in_subnet(giaddr) {
            return Err(Ignored::NotAnswered(
                "relayed from a subnet this server does not serve",
            ));
        }
        let req = Req {
            msg,
            relay_agent: checked.relay_agent,
            key,
            client_id,
        };
        match req.msg.opts().msg_type() {
            Some(MessageType::Discover) => self.discover(now, &req, out),
            Some(MessageType::Request) => self.request(now, &req, out),
            Some(MessageType::Decline) => self.decline(now, &req, out),
            Some(MessageType::Release) => self.release(now, &req, out),
            Some(MessageType::Inform) => self.inform(&req, out),
            _ => Err(Ignored::NotAnswered(
                "message type a server does not answer",
            )),
        }
    }

    fn reservation(&self, req: &Req) -> Option<Ipv4Addr> {
        if let Some(c) = &req.client_id {
            if let Some(ip) = self.cfg.by_client_id.get(c) {
                return Some(*ip);
            }
        }
        if u8::from(req.msg.htype()) == 1 {
            return self.cfg.by_mac.get(req.msg.chaddr()).copied();
        }
        None
    }

    /// Whether `ip` may be given to `key` now.
    fn usable(&self, ip: Ipv4Addr, key: &[u8], now: u64) -> bool {
        match self.table.get(ip) {
            None => true,
            Some(l) if &*l.client == key => l.state != LeaseState::Declined || l.expires <= now,
            Some(l) => l.expires <= now,
        }
    }

    fn pick(&mut self, now: u64, req: &Req) -> Option<Ipv4Addr> {
        let key = &req.key;
        if let Some(ip) = self.reservation(req) {
            if self.usable(ip, key, now) {
                return Some(ip);
            }
        }
        if let Some(&ip) = self.table.by_client.get(key) {
            let ip = Ipv4Addr::from(ip);
            if self.cfg.in_pool(ip) && self.usable(ip, key, now) {
                return Some(ip);
            }
        }
        if let Some(ip) = req.opt_ip(OptionCode::RequestedIpAddress) {
            if self.cfg.in_pool(ip) && self.usable(ip, key, now) {
                return Some(ip);
            }
        }
        if let Some(ip) = self.table.free.pop_first() {
            return Some(Ipv4Addr::from(ip));
        }
        // reuse the address whose lease ended longest ago
        let victim = self
            .table
            .expiry
            .iter()
            .take_while(|(exp, _)| *exp <= now)
            .take(256)
            .map(|(_, ip)| *ip)
            .find(|ip| self.cfg.in_pool(Ipv4Addr::from(*ip)))?;
        self.table.remove(victim, &self.cfg);
        self.table.free.remove(&victim);
        Some(Ipv4Addr::from(victim))
    }

    fn lease_time(&self, req: &Req) -> (u32, u32, u32) {
        let asked = match req.msg.opts().get(OptionCode::AddressLeaseTime) {
            Some(DhcpOption::AddressLeaseTime(t)) => Some(*t),
            _ => None,
        };
        match asked {
            Some(t) if (60..self.cfg.lease_time).contains(&t) => {
                (t, t / 2, (t as u64 * 7 / 8) as u32)
            }
            _ => (self.cfg.lease_time, self.cfg.t1, self.cfg.t2),
        }
    }

    fn discover(&mut self, now: u64, req: &Req, out: &mut Output) -> Result<(), Ignored> {
        let ip = self.pick(now, req).ok_or(Ignored::PoolExhausted)?;
        let keep_bound = matches!(self.table.get(ip),
            Some(l) if l.client == req.key && l.state == LeaseState::Bound && l.expires > now);
        if !keep_bound {
            let lease = Lease {
                ip,
                client: req.key.clone(),
                htype: u8::from(req.msg.htype()),
                chaddr: req.msg.chaddr().to_vec(),
                state: LeaseState::Offered,
                expires: now + self.cfg.offer_hold as u64,
                hostname: req.hostname(),
            };
            if let Some(d) = self.table.insert(lease, now, &self.cfg) {
                out.records.push(d);
            }
        }
        let times = self.lease_time(req);
        let m = self.reply(req, MessageType::Offer, ip, Some(times));
        self.counters.offers += 1;
        self.send(req, m, MessageType::Offer, false, out);
        Ok(())
    }

    fn nak(&mut self, req: &Req, out: &mut Output) -> Result<(), Ignored> {
        let mut m = self.reply(req, MessageType::Nak, Ipv4Addr::UNSPECIFIED, None);
        m.set_ciaddr(Ipv4Addr::UNSPECIFIED);
        if !req.msg.giaddr().is_unspecified() {
            // RFC 2131 §4.3.2: a NAK through a relay has the broadcast bit set
            m.set_flags(m.flags().set_broadcast());
        }
        self.counters.naks += 1;
        self.send(req, m, MessageType::Nak, false, out);
        Ok(())
    }

    fn bind(&mut self, now: u64, req: &Req, ip: Ipv4Addr, out: &mut Output) {
        let (lease_time, t1, t2) = self.lease_time(req);
        let lease = Lease {
            ip,
            client: req.key.clone(),
            htype: u8::from(req.msg.htype()),
            chaddr: req.msg.chaddr().to_vec(),
            state: LeaseState::Bound,
            expires: now + lease_time as u64,
            hostname: req.hostname(),
        };
        if let Some(d) = self.table.insert(lease.clone(), now, &self.cfg) {
            out.records.push(d);
        }
        out.records.push(lease);
        let mut m = self.reply(req, MessageType::Ack, ip, Some((lease_time, t1, t2)));
        m.set_ciaddr(req.msg.ciaddr());
        self.counters.acks += 1;
        self.send(req, m, MessageType::Ack, true, out);
    }

    /// RFC 2131 §4.3.2: SELECTING, INIT-REBOOT, RENEWING, REBINDING.
    fn request(&mut self, now: u64, req: &Req, out: &mut Output) -> Result<(), Ignored> {
        let server_id = req.opt_ip(OptionCode::ServerIdentifier);
        let requested = req.opt_ip(OptionCode::RequestedIpAddress);
        let ciaddr = req.msg.ciaddr();
        let owned = |s: &Self, ip: Ipv4Addr| matches!(s.table.get(ip), Some(l) if l.client == req.key && l.state != LeaseState::Declined);
        if let Some(sid) = server_id {
            // SELECTING
            if sid != self.cfg.server_id {
                // the client chose another server: withdraw our offer
                if let Some(&ip) = self.table.by_client.get(&req.key) {
                    if self.table.by_ip.get(&ip).map(|l| l.state) == Some(LeaseState::Offered) {
                        self.table.remove(ip, &self.cfg);
                    }
                }
                return Err(Ignored::NotAnswered("REQUEST for another server"));
            }
            let ip = requested.unwrap_or(ciaddr);
            if ip.is_unspecified() {
                return self.nak(req, out);
            }
            let reserved_elsewhere = self.reservation(req).is_some_and(|r| r != ip);
            let ok = !reserved_elsewhere
                && (owned(self, ip) || (self.cfg.in_pool(ip) && self.usable(ip, &req.key, now)));
            if ok {
                self.bind(now, req, ip, out);
                return Ok(());
            }
            return self.nak(req, out);
        }
        if let (Some(ip), true) = (requested, ciaddr.is_unspecified()) {
            // INIT-REBOOT: verify the address the client remembers
            if !self.cfg.in_subnet(ip) {
                return self.nak_if_authoritative(req, out, "INIT-REBOOT for another subnet");
            }
            if let Some(r) = self.reservation(req) {
                if r != ip {
                    return self.nak_if_authoritative(req, out, "INIT-REBOOT off its reservation");
                }
            }
            if owned(self, ip) {
                self.bind(now, req, ip, out);
                return Ok(());
            }
            if !self.usable(ip, &req.key, now) {
                return self.nak_if_authoritative(req, out, "INIT-REBOOT for a leased address");
            }
            if self.reservation(req) == Some(ip) {
                self.bind(now, req, ip, out);
                return Ok(());
            }
            if self.cfg.reserved().contains(&u32::from(ip)) {
                return self.nak_if_authoritative(req, out, "INIT-REBOOT for a reserved address");
            }
            if let Some(&other) = self.table.by_client.get(&req.key) {
                if other != u32::from(ip) {
                    return self.nak_if_authoritative(req, out, "INIT-REBOOT for a stale address");
                }
            }
            // RFC 2131 §4.3.2: no record of this client: remain silent
            return Err(Ignored::NotAnswered(
                "INIT-REBOOT from a client with no record",
            ));
        }
        if !ciaddr.is_unspecified() {
            // RENEWING (unicast) or REBINDING (broadcast)
            if !self.cfg.in_subnet(ciaddr) {
                return self.nak_if_authoritative(req, out, "RENEW for another subnet");
            }
            if owned(self, ciaddr) {
                self.bind(now, req, ciaddr, out);
                return Ok(());
            }
            if !self.usable(ciaddr, &req.key, now) {
                return self.nak_if_authoritative(
                    req,
                    out,
                    "RENEW of an address leased to another",
                );
            }
            return Err(Ignored::NotAnswered("RENEW from a client with no record"));
        }
        Err(Ignored::NotAnswered(
            "REQUEST with neither server id, requested address nor ciaddr",
        ))
    }

    fn nak_if_authoritative(
        &mut self,
        req: &Req,
        out: &mut Output,
        why: &'static str,
    ) -> Result<(), Ignored> {
        if self.cfg.authoritative {
            self.nak(req, out)
        } else {
            Err(Ignored::NotAnswered(why))
        }
    }

    fn ours(&self, req: &Req) -> bool {
        req.opt_ip(OptionCode::ServerIdentifier)
            .is_none_or(|s| s == self.cfg.server_id)
    }

    fn decline(&mut self, now: u64, req: &Req, out: &mut Output) -> Result<(), Ignored> {
        if !self.ours(req) {
            return Err(Ignored::NotAnswered("DECLINE for another server"));
        }
        let ip = req
            .opt_ip(OptionCode::RequestedIpAddress)
            .ok_or(Ignored::NotAnswered("DECLINE without requested address"))?;
        match self.table.get(ip) {
            Some(l) if l.client == req.key => {}
            _ => {
                return Err(Ignored::NotAnswered(
                    "DECLINE of an address not leased to the client",
                ))
            }
        }
        let until = now + self.cfg.decline_probation as u64;
        if let Some(l) = self
            .table
            .update(u32::from(ip), LeaseState::Declined, until)
        {
            out.records.push(l);
        }
        self.counters.declines += 1;
        Ok(())
    }

    fn release(&mut self, now: u64, req: &Req, out: &mut Output) -> Result<(), Ignored> {
        if !self.ours(req) {
            return Err(Ignored::NotAnswered("RELEASE for another server"));
        }
        let ip = req.msg.ciaddr();
        match self.table.get(ip) {
            Some(l) if l.client == req.key && l.state == LeaseState::Bound => {}
            _ => {
                return Err(Ignored::NotAnswered(
                    "RELEASE of an address not bound to the client",
                ))
            }
        }
        if let Some(l) = self.table.update(u32::from(ip), LeaseState::Released, now) {
            out.records.push(l);
        }
        self.counters.releases += 1;
        Ok(())
    }

    fn inform(&mut self, req: &Req, out: &mut Output) -> Result<(), Ignored> {
        let ciaddr = req.msg.ciaddr();
        if ciaddr.is_unspecified() && req.msg.giaddr().is_unspecified() {
            return Err(Ignored::NotAnswered("INFORM without ciaddr"));
        }
        if !ciaddr.is_unspecified() && !self.cfg.in_subnet(ciaddr) {
            return Err(Ignored::NotAnswered("INFORM from another subnet"));
        }
        let mut m = self.reply(req, MessageType::Ack, Ipv4Addr::UNSPECIFIED, None);
        m.set_ciaddr(ciaddr);
        self.counters.informs += 1;
        self.send(req, m, MessageType::Ack, false, out);
        Ok(())
    }

    fn reply(
        &self,
        req: &Req,
        ty: MessageType,
        yiaddr: Ipv4Addr,
        times: Option<(u32, u32, u32)>,
    ) -> v4::Message {
        let q = &req.msg;
        let mut m = v4::Message::default();
        m.set_opcode(v4::Opcode::BootReply)
            .set_htype(q.htype())
            .set_chaddr(q.chaddr())
            .set_xid(q.xid())
            .set_flags(q.flags())
            .set_yiaddr(yiaddr)
            .set_giaddr(q.giaddr());
        let o = m.opts_mut();
        o.insert(DhcpOption::MessageType(ty));
        o.insert(DhcpOption::ServerIdentifier(self.cfg.server_id));
        if let Some(c) = &req.client_id {
            // RFC 6842: echo the client identifier
            o.insert(DhcpOption::ClientIdentifier(c.clone()));
        }
        if ty == MessageType::Nak {
            o.insert(DhcpOption::Message(
                "requested address is not available".into(),
            ));
            return m;
        }
        if let Some((lease, t1, t2)) = times {
            o.insert(DhcpOption::AddressLeaseTime(lease));
            o.insert(DhcpOption::Renewal(t1));
            o.insert(DhcpOption::Rebinding(t2));
        }
        let prl: Option<&[OptionCode]> = match q.opts().get(OptionCode::ParameterRequestList) {
            Some(DhcpOption::ParameterRequestList(l)) => Some(l),
            _ => None,
        };
        for (code, val) in &self.cfg.options {
            let standard = matches!(code, 1 | 3 | 6 | 15 | 26 | 28 | 42);
            let asked = prl.is_none_or(|p| p.iter().any(|c| u8::from(*c) == *code));
            if standard || asked {
                o.insert(DhcpOption::Unknown(UnknownOption::new(
                    OptionCode::from(*code),
                    val.clone(),
                )));
            }
        }
        m
    }

    fn send(&self, req: &Req, m: v4::Message, kind: MessageType, durable: bool, out: &mut Output) {
        let q = &req.msg;
        let to = if !q.giaddr().is_unspecified() {
            Destination::Relay(SocketAddrV4::new(q.giaddr(), 67))
        } else if kind == MessageType::Nak {
            Destination::Broadcast
        } else if !q.ciaddr().is_unspecified() {
            Destination::Unicast(SocketAddrV4::new(q.ciaddr(), 68))
        } else if q.flags().broadcast() || m.yiaddr().is_unspecified() {
            Destination::Broadcast
        } else {
            Destination::Hardware {
                ip: m.yiaddr(),
                htype: u8::from(q.htype()),
                chaddr: q.chaddr().to_vec(),
            }
        };
        let bytes = wire::encode(&m, req.relay_agent.as_deref());
        if !bytes.is_empty() {
            out.replies.push(Reply {
                to,
                bytes,
                durable,
                kind,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dhcp::wire::encode;

    const MAC: [u8; 6] = [2, 0, 0, 0, 0, 1];
    const MAC2: [u8; 6] = [2, 0, 0, 0, 0, 2];
    const SID: Ipv4Addr = Ipv4Addr::new(10, 20, 30, 40);
    const T0: u64 = 1_700_000_000;

    fn arrival() -> Arrival {
        Arrival {
            src: SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 68),
        }
    }

    fn msg(ty: MessageType, mac: [u8; 6]) -> v4::Message {
        let mut m = v4::Message::default();
        m.set_chaddr(&mac).set_xid(7);
        m.opts_mut().insert(DhcpOption::MessageType(ty));
        m.opts_mut().insert(DhcpOption::ParameterRequestList(vec![
            OptionCode::SubnetMask,
            OptionCode::Router,
        ]));
        m
    }

    fn run(s: &mut Server, now: u64, m: &v4::Message) -> (Output, Result<(), Ignored>) {
        let mut out = Output::default();
        let r = s.handle(now, &encode(m, None), arrival(), &mut out);
        (out, r)
    }

    fn parse(r: &Reply) -> v4::Message {
        wire::check(&r.bytes, Op::Reply).unwrap().msg
    }

    fn dora(s: &mut Server, mac: [u8; 6], now: u64) -> Ipv4Addr {
        let (out, r) = run(s, now, &msg(MessageType::Discover, mac));
        r.unwrap();
        let offer = parse(&out.replies[0]);
        assert_eq!(offer.opts().msg_type(), Some(MessageType::Offer));
        let mut req = msg(MessageType::Request, mac);
        req.opts_mut().insert(DhcpOption::ServerIdentifier(SID));
        req.opts_mut()
            .insert(DhcpOption::RequestedIpAddress(offer.yiaddr()));
        let (out, r) = run(s, now, &req);
        r.unwrap();
        let ack = parse(&out.replies[0]);
        assert_eq!(ack.opts().msg_type(), Some(MessageType::Ack));
        assert!(out.replies[0].durable);
        assert_eq!(out.records.last().unwrap().state, LeaseState::Bound);
        ack.yiaddr()
    }

    /// RFC 2131 §3.1: DISCOVER → OFFER → REQUEST → ACK, with the scenario's
    /// options, replies unicast to chaddr (no broadcast bit, no address).
    #[test]
    fn full_exchange() {
        let mut s = Server::new(Config::scenario(), vec![]);
        let (out, _) = run(&mut s, T0, &msg(MessageType::Discover, MAC));
        let r = &out.replies[0];
        assert!(!r.durable);
        assert!(out.records.is_empty());
        let offer = parse(r);
        assert_eq!(offer.yiaddr(), Ipv4Addr::new(10, 20, 30, 50));
        assert_eq!(
            r.to,
            Destination::Hardware {
                ip: offer.yiaddr(),
                htype: 1,
                chaddr: MAC.to_vec()
            }
        );
        let o = offer.opts();
        assert_eq!(
            o.get(OptionCode::ServerIdentifier),
            Some(&DhcpOption::ServerIdentifier(SID))
        );
        assert_eq!(
            o.get(OptionCode::AddressLeaseTime),
            Some(&DhcpOption::AddressLeaseTime(3600))
        );
        assert_eq!(o.get(OptionCode::Renewal), Some(&DhcpOption::Renewal(1800)));
        assert_eq!(
            o.get(OptionCode::SubnetMask),
            Some(&DhcpOption::SubnetMask(Ipv4Addr::new(255, 255, 255, 0)))
        );
        assert_eq!(
            o.get(OptionCode::Router),
            Some(&DhcpOption::Router(vec![Ipv4Addr::new(10, 20, 30, 1)]))
        );
        let ip = dora(&mut s, MAC, T0);
        assert_eq!(ip, offer.yiaddr());
        // a second client gets another address
        assert_eq!(dora(&mut s, MAC2, T0), Ipv4Addr::new(10, 20, 30, 51));
    }

    #[test]
    fn broadcast_bit_and_relay_and_option_82() {
        let mut s = Server::new(Config::scenario(), vec![]);
        let mut m = msg(MessageType::Discover, MAC);
        m.set_flags(v4::Flags::default().set_broadcast());
        let (out, _) = run(&mut s, T0, &m);
        assert_eq!(out.replies[0].to, Destination::Broadcast);
        // relayed, with relay agent information to echo back byte for byte
        let mut m = msg(MessageType::Discover, MAC2);
        m.set_giaddr(Ipv4Addr::new(10, 20, 30, 2)).set_hops(1);
        let mut b = encode(&m, Some(&[1, 3, b'p', b'1', b'7']));
        b.truncate(b.iter().rposition(|x| *x == 255).unwrap() + 1);
        let mut out = Output::default();
        s.handle(T0, &b, arrival(), &mut out).unwrap();
        let r = &out.replies[0];
        assert_eq!(
            r.to,
            Destination::Relay(SocketAddrV4::new(Ipv4Addr::new(10, 20, 30, 2), 67))
        );
        let c = wire::check(&r.bytes, Op::Reply).unwrap();
        assert_eq!(
            c.relay_agent.as_deref(),
            Some(&[1, 3, b'p', b'1', b'7'][..])
        );
        assert_eq!(c.msg.giaddr(), Ipv4Addr::new(10, 20, 30, 2));
        // a relay from a foreign subnet is not served
        m.set_giaddr(Ipv4Addr::new(192, 0, 2, 1));
        let (out, r) = run(&mut s, T0, &m);
        assert!(out.replies.is_empty());
        assert!(matches!(r, Err(Ignored::NotAnswered(_))));
    }

    #[test]
    fn selecting_another_server_withdraws_offer() {
        let mut s = Server::new(Config::scenario(), vec![]);
        let (out, _) = run(&mut s, T0, &msg(MessageType::Discover, MAC));
        let ip = parse(&out.replies[0]).yiaddr();
        let mut req = msg(MessageType::Request, MAC);
        req.opts_mut()
            .insert(DhcpOption::ServerIdentifier(Ipv4Addr::new(10, 20, 30, 99)));
        req.opts_mut().insert(DhcpOption::RequestedIpAddress(ip));
        let (out, r) = run(&mut s, T0, &req);
        assert!(out.replies.is_empty() && r.is_err());
        assert!(s.lease(ip).is_none());
    }

    /// RFC 2131 §4.3.2: INIT-REBOOT for a wrong address gets a NAK,
    /// broadcast; for the client's own address an ACK.
    #[test]
    fn init_reboot_ack_and_nak() {
        let mut s = Server::new(Config::scenario(), vec![]);
        let ip = dora(&mut s, MAC, T0);
        let mut req = msg(MessageType::Request, MAC);
        req.opts_mut().insert(DhcpOption::RequestedIpAddress(ip));
        let (out, _) = run(&mut s, T0 + 10, &req);
        assert_eq!(
            parse(&out.replies[0]).opts().msg_type(),
            Some(MessageType::Ack)
        );
        // another client asking for that address
        let mut req2 = msg(MessageType::Request, MAC2);
        req2.opts_mut().insert(DhcpOption::RequestedIpAddress(ip));
        let (out, _) = run(&mut s, T0 + 10, &req2);
        assert_eq!(
            parse(&out.replies[0]).opts().msg_type(),
            Some(MessageType::Nak)
        );
        assert_eq!(out.replies[0].to, Destination::Broadcast);
        // an address from another network
        let mut req3 = msg(MessageType::Request, MAC);
        req3.opts_mut()
            .insert(DhcpOption::RequestedIpAddress(Ipv4Addr::new(
                192, 168, 1, 5,
            )));
        let (out, _) = run(&mut s, T0 + 10, &req3);
        assert_eq!(
            parse(&out.replies[0]).opts().msg_type(),
            Some(MessageType::Nak)
        );
        // a client with no record: silent
        let mut req4 = msg(MessageType::Request, [2, 0, 0, 0, 0, 9]);
        req4.opts_mut()
            .insert(DhcpOption::RequestedIpAddress(Ipv4Addr::new(
                10, 20, 30, 150,
            )));
        let (out, r) = run(&mut s, T0 + 10, &req4);
        assert!(out.replies.is_empty() && r.is_err());
    }

    #[test]
    fn renew_rebind_release_decline() {
        let mut s = Server::new(Config::scenario(), vec![]);
        let ip = dora(&mut s, MAC, T0);
        let mut renew = msg(MessageType::Request, MAC);
        renew.set_ciaddr(ip);
        let (out, _) = run(&mut s, T0 + 1800, &renew);
        let r = &out.replies[0];
        assert_eq!(r.to, Destination::Unicast(SocketAddrV4::new(ip, 68)));
        assert_eq!(parse(r).yiaddr(), ip);
        assert_eq!(s.lease(ip).unwrap().expires, T0 + 1800 + 3600);
        // renewing somebody else's address
        let mut bad = msg(MessageType::Request, MAC2);
        bad.set_ciaddr(ip);
        let (out, _) = run(&mut s, T0 + 1800, &bad);
        assert_eq!(
            parse(&out.replies[0]).opts().msg_type(),
            Some(MessageType::Nak)
        );
        // release, then the same client gets the same address back
        let mut rel = msg(MessageType::Release, MAC);
        rel.set_ciaddr(ip);
        rel.opts_mut().insert(DhcpOption::ServerIdentifier(SID));
        let (out, _) = run(&mut s, T0 + 1900, &rel);
        assert!(out.replies.is_empty());
        assert_eq!(out.records[0].state, LeaseState::Released);
        assert_eq!(dora(&mut s, MAC, T0 + 2000), ip);
        // decline: the address goes on probation and the client moves on
        let mut dec = msg(MessageType::Decline, MAC);
        dec.opts_mut().insert(DhcpOption::RequestedIpAddress(ip));
        dec.opts_mut().insert(DhcpOption::ServerIdentifier(SID));
        let (out, _) = run(&mut s, T0 + 2001, &dec);
        assert_eq!(out.records[0].state, LeaseState::Declined);
        let next = dora(&mut s, MAC, T0 + 2002);
        assert_ne!(next, ip);
        assert_eq!(s.lease(ip).unwrap().state, LeaseState::Declined);
        // the client's earlier binding was written as released when it moved
        assert_eq!(s.counters.declines, 1);
    }

    #[test]
    fn inform_gets_options_without_lease() {
        let mut s = Server::new(Config::scenario(), vec![]);
        let mut m = msg(MessageType::Inform, MAC);
        m.set_ciaddr(Ipv4Addr::new(10, 20, 30, 9));
        let (out, _) = run(&mut s, T0, &m);
        let r = &out.replies[0];
        assert_eq!(
            r.to,
            Destination::Unicast(SocketAddrV4::new(Ipv4Addr::new(10, 20, 30, 9), 68))
        );
        let a = parse(r);
        assert_eq!(a.opts().msg_type(), Some(MessageType::Ack));
        assert!(a.opts().get(OptionCode::AddressLeaseTime).is_none());
        assert!(a.opts().get(OptionCode::Router).is_some());
    }

    #[test]
    fn reservations_exclusions_and_expiry_reuse() {
        let cfg = Config::parse(
            r#"
            pools = ["10.20.30.50-10.20.30.52"]
            exclude = ["10.20.30.50"]
            lease_time = 100
            [[reservations]]
            mac = "02:00:00:00:00:07"
            ip = "10.20.30.7"
            [[reservations]]
            client_id = "ff00000001"
            ip = "10.20.30.8"
            "#,
        )
        .unwrap();
        let mut s = Server::new(cfg, vec![]);
        assert_eq!(
            dora(&mut s, [2, 0, 0, 0, 0, 7], T0),
            Ipv4Addr::new(10, 20, 30, 7)
        );
        let mut d = msg(MessageType::Discover, [2, 0, 0, 0, 0, 3]);
        d.opts_mut()
            .insert(DhcpOption::ClientIdentifier(vec![0xff, 0, 0, 0, 1]));
        let (out, _) = run(&mut s, T0, &d);
        assert_eq!(
            parse(&out.replies[0]).yiaddr(),
            Ipv4Addr::new(10, 20, 30, 8)
        );
        assert_eq!(
            parse(&out.replies[0])
                .opts()
                .get(OptionCode::ClientIdentifier),
            Some(&DhcpOption::ClientIdentifier(vec![0xff, 0, 0, 0, 1]))
        );
        let a = dora(&mut s, [2, 0, 0, 0, 0, 1], T0);
        let b = dora(&mut s, [2, 0, 0, 0, 0, 2], T0);
        assert_eq!(
            (a, b),
            (Ipv4Addr::new(10, 20, 30, 51), Ipv4Addr::new(10, 20, 30, 52))
        );
        // pool full
        let (out, r) = run(
            &mut s,
            T0 + 1,
            &msg(MessageType::Discover, [2, 0, 0, 0, 0, 4]),
        );
        assert!(out.replies.is_empty());
        assert_eq!(r, Err(Ignored::PoolExhausted));
        // after expiry the oldest lease is reused
        assert_eq!(dora(&mut s, [2, 0, 0, 0, 0, 4], T0 + 101), a);
    }

    #[test]
    fn replay_restores_bindings() {
        let mut s = Server::new(Config::scenario(), vec![]);
        let ip = dora(&mut s, MAC, T0);
        let leases: Vec<Lease> = s.durable_leases().cloned().collect();
        let mut s2 = Server::new(Config::scenario(), leases);
        assert_eq!(s2.lease(ip).unwrap().state, LeaseState::Bound);
        // the same client gets its address, another client does not
        assert_eq!(dora(&mut s2, MAC, T0 + 5), ip);
        assert_ne!(dora(&mut s2, MAC2, T0 + 5), ip);
    }

    /// RFC 2131 §4.3.2: a REQUEST in SELECTING for an address other than
    /// the one offered is NAKed; through a relay the NAK goes to giaddr with
    /// the broadcast bit set.
    #[test]
    fn selecting_wrong_address_nak_via_relay() {
        let mut s = Server::new(Config::scenario(), vec![]);
        let ip = dora(&mut s, MAC, T0);
        let mut req = msg(MessageType::Request, MAC2);
        req.set_giaddr(Ipv4Addr::new(10, 20, 30, 2));
        req.opts_mut().insert(DhcpOption::ServerIdentifier(SID));
        req.opts_mut().insert(DhcpOption::RequestedIpAddress(ip));
        let (out, _) = run(&mut s, T0, &req);
        let r = &out.replies[0];
        assert_eq!(
            r.to,
            Destination::Relay(SocketAddrV4::new(Ipv4Addr::new(10, 20, 30, 2), 67))
        );
        let nak = parse(r);
        assert_eq!(nak.opts().msg_type(), Some(MessageType::Nak));
        assert!(nak.flags().broadcast());
        assert_eq!(nak.yiaddr(), Ipv4Addr::UNSPECIFIED);
        assert!(nak.opts().get(OptionCode::AddressLeaseTime).is_none());
        assert!(out.records.is_empty());
    }

    /// Standard options always; an option by code only when the client asks
    /// for it (or sends no parameter request list).
    #[test]
    fn custom_options_follow_the_request_list() {
        let cfg = Config::parse(
            "mtu = 1400\n[[options]]\ncode = 66\ntext = \"tftp.lab\"\n[[options]]\ncode = 252\ntext = \"http://wpad/\"\n",
        )
        .unwrap();
        let mut s = Server::new(cfg, vec![]);
        let mut d = msg(MessageType::Discover, MAC);
        d.opts_mut().insert(DhcpOption::ParameterRequestList(vec![
            OptionCode::SubnetMask,
            OptionCode::from(66u8),
        ]));
        let (out, _) = run(&mut s, T0, &d);
        let raw = &out.replies[0].bytes;
        let has = |code: u8, val: &[u8]| {
            raw.windows(val.len() + 2)
                .any(|w| w[0] == code && w[1] as usize == val.len() && &w[2..] == val)
        };
        assert!(has(66, b"tftp.lab"));
        assert!(!has(252, b"http://wpad/"));
        assert!(has(26, &1400u16.to_be_bytes()));
    }

    /// Every truncation and single-byte change of a relayed REQUEST with
    /// options is handled without a panic, by a server holding leases.
    #[test]
    fn never_panics_on_mutated_requests() {
        let mut s = Server::new(Config::scenario(), vec![]);
        dora(&mut s, MAC, T0);
        let mut req = msg(MessageType::Request, MAC);
        req.set_giaddr(Ipv4Addr::new(10, 20, 30, 2));
        req.opts_mut().insert(DhcpOption::ServerIdentifier(SID));
        req.opts_mut()
            .insert(DhcpOption::RequestedIpAddress(Ipv4Addr::new(
                10, 20, 30, 50,
            )));
        req.opts_mut()
            .insert(DhcpOption::ClientIdentifier(vec![1, 2, 0, 0, 0, 0, 1]));
        req.opts_mut().insert(DhcpOption::Hostname("host".into()));
        let b = encode(&req, Some(&[1, 2, 0xaa, 0xbb]));
        let mut out = Output::default();
        for n in 0..b.len() {
            let _ = s.handle(T0, &b[..n], arrival(), &mut out);
        }
        for i in 0..b.len() {
            for v in [0u8, 1, 2, 4, 16, 50, 52, 53, 54, 61, 82, 200, 255] {
                let mut m = b.clone();
                m[i] = v;
                let _ = s.handle(T0, &m, arrival(), &mut out);
            }
        }
        assert!(s.counters.malformed > 0 && s.counters.acks > 1);
    }

    #[test]
    fn malformed_counted_never_answered() {
        let mut s = Server::new(Config::scenario(), vec![]);
        let mut out = Output::default();
        for junk in [&[][..], &[1u8; 100][..], &[2u8; 300][..]] {
            assert!(matches!(
                s.handle(T0, junk, arrival(), &mut out),
                Err(Ignored::Malformed(_))
            ));
        }
        assert!(out.replies.is_empty());
        assert_eq!(s.counters.malformed, 3);
    }
}
