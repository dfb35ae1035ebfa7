//! `wirelab dhcp-client`: obtain a lease (DISCOVER/OFFER/REQUEST/ACK with
//! the retransmission of RFC 2131 §4.1), configure the interface with `ip`,
//! renew at T1 (unicast), rebind at T2 (broadcast), release on exit.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

use clap::Args;
use dhcproto::v4::{self, DhcpOption, MessageType, OptionCode};
use rand::Rng;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;
use tokio::time::{sleep_until, timeout_at, Instant};

use super::wire::{self, Op};
use super::Error;

/// `wirelab dhcp-client`.
#[derive(Debug, Args)]
pub struct ClientArgs {
    /// Interface to configure.
    #[arg(long, short = 'i')]
    pub interface: String,
    /// Print the lease but leave the interface alone (renewals are unicast to
    /// the leased address, so without it they are not received: use with --once).
    #[arg(long)]
    pub no_configure: bool,
    /// Exit once bound (after releasing, with --release).
    #[arg(long)]
    pub once: bool,
    /// Release the lease before exiting (after --once, or on SIGINT/SIGTERM).
    #[arg(long)]
    pub release: bool,
    /// First retransmission timeout in seconds (RFC 2131 §4.1: 4; doubled
    /// each try, randomised by a quarter of this either way).
    #[arg(long, default_value_t = 4.0)]
    pub retransmit_base: f64,
    /// Longest retransmission timeout in seconds (RFC 2131 §4.1: 64).
    #[arg(long, default_value_t = 64.0)]
    pub retransmit_max: f64,
    /// Transmissions of DISCOVER (and of REQUEST) before giving up on a round.
    #[arg(long, default_value_t = 5)]
    pub tries: u32,
    /// Shortest wait between RENEW/REBIND retransmissions (RFC 2131 §4.4.5: 60).
    #[arg(long, default_value_t = 60.0)]
    pub renew_retransmit_min: f64,
    /// Host name to send (option 12).
    #[arg(long)]
    pub hostname: Option<String>,
    /// Log level.
    #[arg(long, default_value = "info")]
    pub log_level: String,
}

/// A lease as the client holds it.
#[derive(Debug, Clone)]
pub struct Lease {
    /// Address.
    pub ip: Ipv4Addr,
    /// Prefix length from the subnet mask.
    pub prefix: u8,
    /// Server identifier.
    pub server: Ipv4Addr,
    /// Routers.
    pub routers: Vec<Ipv4Addr>,
    /// DNS servers.
    pub dns: Vec<Ipv4Addr>,
    /// Domain name.
    pub domain: Option<String>,
    /// Lease time, T1, T2 in seconds.
    pub times: (u32, u32, u32),
    /// When the lease (re)started.
    pub start: Instant,
}

impl Lease {
    fn from_ack(m: &v4::Message, start: Instant) -> Option<Lease> {
        let o = m.opts();
        let server = match o.get(OptionCode::ServerIdentifier) {
            Some(DhcpOption::ServerIdentifier(a)) => *a,
            _ => return None,
        };
        let lease = match o.get(OptionCode::AddressLeaseTime) {
            Some(DhcpOption::AddressLeaseTime(t)) => *t,
            _ => return None,
        };
        let t1 = match o.get(OptionCode::Renewal) {
            Some(DhcpOption::Renewal(t)) if *t < lease => *t,
            _ => lease / 2,
        };
        let t2 = match o.get(OptionCode::Rebinding) {
            Some(DhcpOption::Rebinding(t)) if *t < lease && *t > t1 => *t,
            _ => (lease as u64 * 7 / 8) as u32,
        };
        let prefix = match o.get(OptionCode::SubnetMask) {
            Some(DhcpOption::SubnetMask(m)) => u32::from(*m).leading_ones() as u8,
            _ => 24,
        };
        let ips = |c| match o.get(c) {
            Some(DhcpOption::Router(v)) | Some(DhcpOption::DomainNameServer(v)) => v.clone(),
            _ => vec![],
        };
        let domain = match o.get(OptionCode::DomainName) {
            Some(DhcpOption::DomainName(d)) => Some(d.clone()),
            _ => None,
        };
        Some(Lease {
            ip: m.yiaddr(),
            prefix,
            server,
            routers: ips(OptionCode::Router),
            dns: ips(OptionCode::DomainNameServer),
            domain,
            times: (lease, t1, t2),
            start,
        })
    }

    fn describe(&self) -> String {
        let list = |v: &[Ipv4Addr]| {
            if v.is_empty() {
                "-".to_string()
            } else {
                v.iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            }
        };
        format!(
            "address={}/{} server={} lease={} t1={} t2={} router={} dns={} domain={}",
            self.ip,
            self.prefix,
            self.server,
            self.times.0,
            self.times.1,
            self.times.2,
            list(&self.routers),
            list(&self.dns),
            self.domain.as_deref().unwrap_or("-")
        )
    }

    fn at(&self, secs: u32) -> Instant {
        self.start + Duration::from_secs(secs as u64)
    }
}

struct Client {
    args: ClientArgs,
    sock: UdpSocket,
    mac: [u8; 6],
    rng: rand::rngs::ThreadRng,
}

fn read_mac(iface: &str) -> Result<[u8; 6], Error> {
    let path = format!("/sys/class/net/{iface}/address");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::Net(format!("interface `{iface}`: {path}: {e}")))?;
    let bytes: Vec<u8> = text
        .trim()
        .split(':')
        .filter_map(|h| u8::from_str_radix(h, 16).ok())
        .collect();
    <[u8; 6]>::try_from(bytes.as_slice()).map_err(|_| {
        Error::Net(format!(
            "interface `{iface}` has no Ethernet address ({path})"
        ))
    })
}

fn open_socket(iface: &str) -> Result<UdpSocket, Error> {
    let e =
        |what: &str, err: std::io::Error| Error::Net(format!("{what} ({iface}, port 68): {err}"));
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))
        .map_err(|x| e("create UDP socket", x))?;
    s.set_reuse_address(true)
        .map_err(|x| e("SO_REUSEADDR", x))?;
    s.bind_device(Some(iface.as_bytes()))
        .map_err(|x| e("bind to interface", x))?;
    s.set_broadcast(true).map_err(|x| e("SO_BROADCAST", x))?;
    let any = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 68));
    s.bind(&any.into()).map_err(|x| e("bind", x))?;
    s.set_nonblocking(true).map_err(|x| e("non-blocking", x))?;
    UdpSocket::from_std(s.into()).map_err(|x| e("register socket", x))
}

async fn ip_cmd(args: &[String]) -> Result<(), Error> {
    let out = tokio::process::Command::new("ip")
        .args(args)
        .output()
        .await
        .map_err(|e| Error::Net(format!("run `ip {}`: {e}", args.join(" "))))?;
    if !out.status.success() {
        return Err(Error::Net(format!(
            "`ip {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

/// RFC 2131 §4.1: the `attempt`-th timeout (from 0) is `base · 2^attempt`,
/// at most `max`, randomised by `base / 4` either way (±1 s for the
/// standard 4 s).
pub fn backoff(base: f64, max: f64, attempt: u32, rng: &mut impl Rng) -> Duration {
    let nominal = (base * 2f64.powi(attempt.min(16) as i32)).min(max);
    let jitter = base / 4.0;
    let d = if jitter > 0.0 {
        nominal + rng.gen_range(-jitter..=jitter)
    } else {
        nominal
    };
    Duration::from_secs_f64(d.max(0.05))
}

enum Phase {
    Renewing,
    Rebinding,
}

impl Client {
    fn backoff(&mut self, attempt: u32) -> Duration {
        backoff(
            self.args.retransmit_base,
            self.args.retransmit_max,
            attempt,
            &mut self.rng,
        )
    }

    fn message(&self, ty: MessageType, xid: u32) -> v4::Message {
        let mut m = v4::Message::default();
        m.set_chaddr(&self.mac).set_xid(xid);
        let o = m.opts_mut();
        o.insert(DhcpOption::MessageType(ty));
        o.insert(DhcpOption::ClientIdentifier(
            [&[1u8][..], &self.mac].concat(),
        ));
        if matches!(ty, MessageType::Discover | MessageType::Request) {
            o.insert(DhcpOption::ParameterRequestList(vec![
                OptionCode::SubnetMask,
                OptionCode::Router,
                OptionCode::DomainNameServer,
                OptionCode::DomainName,
                OptionCode::InterfaceMtu,
                OptionCode::BroadcastAddr,
                OptionCode::NtpServers,
                OptionCode::AddressLeaseTime,
                OptionCode::ServerIdentifier,
                OptionCode::Renewal,
                OptionCode::Rebinding,
            ]));
            o.insert(DhcpOption::MaxMessageSize(1500));
            if let Some(h) = &self.args.hostname {
                o.insert(DhcpOption::Hostname(h.clone()));
            }
        }
        m
    }

    async fn send(&self, m: &v4::Message, to: SocketAddrV4) -> Result<(), Error> {
        let bytes = wire::encode(m, None);
        self.sock
            .send_to(&bytes, to)
            .await
            .map(|_| ())
            .map_err(|e| Error::Net(format!("send to {to} on {}: {e}", self.args.interface)))
    }

    /// Wait until `deadline` for a reply with `xid` whose type is in `want`.
    async fn recv(&self, xid: u32, want: &[MessageType], deadline: Instant) -> Option<v4::Message> {
        let mut buf = vec![0u8; 2048];
        loop {
            let (n, from) = match timeout_at(deadline, self.sock.recv_from(&mut buf)).await {
                Err(_) => return None,
                Ok(Err(e)) => {
                    tracing::warn!("receive on {}: {e}", self.args.interface);
                    sleep_until(deadline.min(Instant::now() + Duration::from_millis(100))).await;
                    continue;
                }
                Ok(Ok(x)) => x,
            };
            let Some(data) = buf.get(..n) else { continue };
            match wire::check(data, Op::Reply) {
                Ok(c) if c.msg.xid() == xid && c.msg.chaddr() == self.mac => {
                    match c.msg.opts().msg_type() {
                        Some(t) if want.contains(&t) => return Some(c.msg),
                        _ => {}
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::debug!("ignored reply from {from}: {e}"),
            }
        }
    }

    /// INIT → SELECTING → REQUESTING → BOUND.
    async fn obtain(&mut self) -> Result<Lease, Error> {
        let bcast = SocketAddrV4::new(Ipv4Addr::BROADCAST, 67);
        let tries = self.args.tries.max(1);
        'restart: for _round in 0..3 {
            let xid: u32 = self.rng.gen();
            let started = std::time::Instant::now();
            let mut offer = None;
            for attempt in 0..tries {
                let mut d = self.message(MessageType::Discover, xid);
                d.set_flags(v4::Flags::default().set_broadcast());
                d.set_secs(started.elapsed().as_secs().min(u16::MAX as u64) as u16);
                self.send(&d, bcast).await?;
                let deadline = Instant::now() + self.backoff(attempt);
                if let Some(o) = self.recv(xid, &[MessageType::Offer], deadline).await {
                    offer = Some(o);
                    break;
                }
                tracing::info!("no DHCPOFFER yet (try {} of {tries})", attempt + 1);
            }
            let Some(offer) = offer else {
                return Err(Error::NoLease(format!(
                    "no DHCPOFFER on {} after {tries} DHCPDISCOVERs",
                    self.args.interface
                )));
            };
            let sid = match offer.opts().get(OptionCode::ServerIdentifier) {
                Some(DhcpOption::ServerIdentifier(a)) => *a,
                _ => {
                    tracing::warn!("DHCPOFFER without server identifier; starting over");
                    continue 'restart;
                }
            };
            tracing::info!("DHCPOFFER of {} from {sid}", offer.yiaddr());
            for attempt in 0..tries {
                let mut r = self.message(MessageType::Request, xid);
                r.set_flags(v4::Flags::default().set_broadcast());
                r.set_secs(started.elapsed().as_secs().min(u16::MAX as u64) as u16);
                r.opts_mut().insert(DhcpOption::ServerIdentifier(sid));
                r.opts_mut()
                    .insert(DhcpOption::RequestedIpAddress(offer.yiaddr()));
                let sent = Instant::now();
                self.send(&r, bcast).await?;
                let deadline = sent + self.backoff(attempt);
                match self
                    .recv(xid, &[MessageType::Ack, MessageType::Nak], deadline)
                    .await
                {
                    Some(a) if a.opts().msg_type() == Some(MessageType::Ack) => {
                        return Lease::from_ack(&a, sent).ok_or_else(|| {
                            Error::NoLease(format!("DHCPACK from {sid} without lease time"))
                        });
                    }
                    Some(_) => {
                        tracing::warn!("DHCPNAK from {sid}; starting over");
                        continue 'restart;
                    }
                    None => {}
                }
            }
            tracing::warn!("no DHCPACK from {sid}; starting over");
        }
        Err(Error::NoLease(format!(
            "no lease on {} after 3 rounds",
            self.args.interface
        )))
    }

    /// RENEWING / REBINDING until a reply or the phase ends.
    async fn extend(&mut self, lease: &Lease, phase: Phase) -> Result<Option<Lease>, Error> {
        let (to, end) = match phase {
            Phase::Renewing => (SocketAddrV4::new(lease.server, 67), lease.at(lease.times.2)),
            Phase::Rebinding => (
                SocketAddrV4::new(Ipv4Addr::BROADCAST, 67),
                lease.at(lease.times.0),
            ),
        };
        let xid: u32 = self.rng.gen();
        while Instant::now() < end {
            let mut r = self.message(MessageType::Request, xid);
            r.set_ciaddr(lease.ip);
            let sent = Instant::now();
            if let Err(e) = self.send(&r, to).await {
                tracing::warn!("{e}");
            }
            // RFC 2131 §4.4.5: wait half the time left, at least the minimum
            let half = end.saturating_duration_since(sent) / 2;
            let wait = half.max(Duration::from_secs_f64(
                self.args.renew_retransmit_min.max(0.05),
            ));
            let deadline = (sent + wait).min(end);
            match self
                .recv(xid, &[MessageType::Ack, MessageType::Nak], deadline)
                .await
            {
                Some(a)
                    if a.opts().msg_type() == Some(MessageType::Ack) && a.yiaddr() == lease.ip =>
                {
                    return Ok(Lease::from_ack(&a, sent));
                }
                Some(a) if a.opts().msg_type() == Some(MessageType::Nak) => return Ok(None),
                _ => {}
            }
        }
        Ok(None)
    }

    async fn configure(&self, l: &Lease) -> Result<(), Error> {
        if self.args.no_configure {
            return Ok(());
        }
        let iface = self.args.interface.clone();
        let life = l.times.0.to_string();
        ip_cmd(&[
            "addr".into(),
            "replace".into(),
            format!("{}/{}", l.ip, l.prefix),
            "broadcast".into(),
            "+".into(),
            "dev".into(),
            iface.clone(),
            "valid_lft".into(),
            life.clone(),
            "preferred_lft".into(),
            life,
        ])
        .await?;
        if let Some(r) = l.routers.first() {
            ip_cmd(&[
                "route".into(),
                "replace".into(),
                "default".into(),
                "via".into(),
                r.to_string(),
                "dev".into(),
                iface,
            ])
            .await?;
        }
        Ok(())
    }

    async fn deconfigure(&self, l: &Lease) {
        if self.args.no_configure {
            return;
        }
        let r = ip_cmd(&[
            "addr".into(),
            "del".into(),
            format!("{}/{}", l.ip, l.prefix),
            "dev".into(),
            self.args.interface.clone(),
        ])
        .await;
        if let Err(e) = r {
            tracing::warn!("{e}");
        }
    }

    async fn release(&mut self, l: &Lease) -> Result<(), Error> {
        let xid: u32 = self.rng.gen();
        let mut m = self.message(MessageType::Release, xid);
        m.set_ciaddr(l.ip);
        m.opts_mut().insert(DhcpOption::ServerIdentifier(l.server));
        self.send(&m, SocketAddrV4::new(l.server, 67)).await?;
        self.deconfigure(l).await;
        println!("released address={}/{} server={}", l.ip, l.prefix, l.server);
        Ok(())
    }
}

/// Obtains one lease on `args.interface` (DISCOVER/OFFER/REQUEST/ACK) and
/// configures the interface with it unless `args.no_configure`; for callers
/// such as `wirelab client` that go on with other work. Nothing is renewed.
pub async fn obtain_lease(args: ClientArgs) -> anyhow::Result<Lease> {
    let mac = read_mac(&args.interface)?;
    let sock = open_socket(&args.interface)?;
    let mut c = Client {
        args,
        sock,
        mac,
        rng: rand::thread_rng(),
    };
    let lease = c.obtain().await?;
    c.configure(&lease).await?;
    Ok(lease)
}

async fn stop_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

pub(super) async fn run(args: ClientArgs) -> anyhow::Result<()> {
    let mac = read_mac(&args.interface)?;
    let sock = open_socket(&args.interface)?;
    let mut c = Client {
        args,
        sock,
        mac,
        rng: rand::thread_rng(),
    };
    let stop = stop_signal();
    tokio::pin!(stop);
    loop {
        let lease = tokio::select! {
            l = c.obtain() => l?,
            _ = &mut stop => return Ok(()),
        };
        c.configure(&lease).await?;
        println!("bound {}", lease.describe());
        if c.args.once {
            if c.args.release {
                c.release(&lease).await?;
            }
            return Ok(());
        }
        let mut lease = lease;
        loop {
            let t1 = lease.at(lease.times.1);
            tokio::select! {
                _ = sleep_until(t1) => {}
                _ = &mut stop => {
                    if c.args.release {
                        c.release(&lease).await?;
                    }
                    return Ok(());
                }
            }
            let renewed = tokio::select! {
                r = c.extend(&lease, Phase::Renewing) => r?,
                _ = &mut stop => {
                    if c.args.release { c.release(&lease).await?; }
                    return Ok(());
                }
            };
            let (next, how) = match renewed {
                Some(l) => (Some(l), "renewed"),
                None if Instant::now() < lease.at(lease.times.2) => (None, "after a DHCPNAK"),
                None => {
                    let r = tokio::select! {
                        r = c.extend(&lease, Phase::Rebinding) => r?,
                        _ = &mut stop => {
                            if c.args.release { c.release(&lease).await?; }
                            return Ok(());
                        }
                    };
                    let how = if r.is_some() { "rebound" } else { "expired" };
                    (r, how)
                }
            };
            match next {
                Some(l) => {
                    c.configure(&l).await?;
                    println!("{how} {}", l.describe());
                    lease = l;
                }
                None => {
                    c.deconfigure(&lease).await;
                    println!("lost address={}/{} ({how})", lease.ip, lease.prefix);
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_64_with_one_second_jitter() {
        let mut rng = rand::thread_rng();
        for (attempt, nominal) in [
            (0, 4.0),
            (1, 8.0),
            (2, 16.0),
            (3, 32.0),
            (4, 64.0),
            (9, 64.0),
        ] {
            for _ in 0..50 {
                let d = backoff(4.0, 64.0, attempt, &mut rng).as_secs_f64();
                assert!(
                    (nominal - 1.0..=nominal + 1.0).contains(&d),
                    "try {attempt}: {d}"
                );
            }
        }
    }

    /// An ACK as RFC 2131 §3.1 step 5 describes; T1/T2 default to 1/2 and
    /// 7/8 of the lease when absent (§4.4.5).
    #[test]
    fn lease_from_ack() {
        let mut m = v4::Message::default();
        m.set_opcode(v4::Opcode::BootReply)
            .set_yiaddr(Ipv4Addr::new(10, 20, 30, 51));
        let o = m.opts_mut();
        o.insert(DhcpOption::MessageType(MessageType::Ack));
        o.insert(DhcpOption::ServerIdentifier(Ipv4Addr::new(10, 20, 30, 40)));
        o.insert(DhcpOption::AddressLeaseTime(3600));
        o.insert(DhcpOption::SubnetMask(Ipv4Addr::new(255, 255, 255, 0)));
        o.insert(DhcpOption::Router(vec![Ipv4Addr::new(10, 20, 30, 1)]));
        o.insert(DhcpOption::DomainNameServer(vec![Ipv4Addr::new(
            10, 20, 30, 40,
        )]));
        let l = Lease::from_ack(&m, Instant::now()).unwrap();
        assert_eq!(l.times, (3600, 1800, 3150));
        assert_eq!(l.prefix, 24);
        assert_eq!(
            l.describe(),
            "address=10.20.30.51/24 server=10.20.30.40 lease=3600 t1=1800 t2=3150 \
             router=10.20.30.1 dns=10.20.30.40 domain=-"
        );
        m.opts_mut().remove(OptionCode::AddressLeaseTime);
        assert!(Lease::from_ack(&m, Instant::now()).is_none());
    }
}
