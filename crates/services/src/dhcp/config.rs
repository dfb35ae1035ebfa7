//! DHCP server configuration: TOML, every setting with a built-in default for
//! the scenario (server 10.20.30.40 on 10.20.30.0/24, pool .50–.200).
//!
//! ```toml
//! server_id = "10.20.30.40"
//! subnet = "10.20.30.0/24"
//! pools = ["10.20.30.50-10.20.30.200"]
//! exclude = ["10.20.30.99", "10.20.30.120-10.20.30.129"]
//! routers = ["10.20.30.1"]
//! dns_servers = ["10.20.30.40"]
//! domain_name = "lab"
//! lease_time = 3600          # renewal_time / rebinding_time default to 1/2 and 7/8
//! mtu = 1500
//! ntp_servers = ["10.20.30.40"]
//! decline_probation = 86400  # seconds a declined address stays out of use
//! authoritative = true       # NAK requests for addresses known to be wrong
//!
//! [[reservations]]
//! mac = "02:00:00:00:00:07"
//! ip = "10.20.30.7"
//!
//! [[reservations]]
//! client_id = "01:02:00:00:00:00:08"   # option 61, type byte first
//! ip = "10.20.30.8"
//!
//! [[options]]                # any option by code: hex, text, ips, u8, u16 or u32
//! code = 66
//! text = "tftp.lab"
//! ```

use std::collections::{BTreeSet, HashMap};
use std::net::Ipv4Addr;
use std::path::Path;

use serde::Deserialize;

use super::Error;

/// Default socket receive buffer: 2 MiB, enough to ride out the scheduling
/// stalls of a busy 2-CPU machine at several thousand packets a second
/// (the system's 208 KiB overflowed there). Much larger buffers made overload
/// worse under perfdhcp: the backlog they held came out as reply bursts that
/// overflowed perfdhcp's own buffer.
pub const RECV_BUFFER: u32 = 2 << 20;

/// An address range, inclusive on both ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// First address.
    pub start: Ipv4Addr,
    /// Last address.
    pub end: Ipv4Addr,
}

impl Range {
    /// Parse `A` or `A-B` (spaces allowed around the dash).
    pub fn parse(s: &str) -> Result<Self, String> {
        let (a, b) = match s.split_once('-') {
            Some((a, b)) => (a.trim(), b.trim()),
            None => (s.trim(), s.trim()),
        };
        let start: Ipv4Addr = a
            .parse()
            .map_err(|_| format!("`{a}` is not an IPv4 address"))?;
        let end: Ipv4Addr = b
            .parse()
            .map_err(|_| format!("`{b}` is not an IPv4 address"))?;
        if u32::from(start) > u32::from(end) {
            return Err(format!("range `{s}` ends before it starts"));
        }
        Ok(Range { start, end })
    }
    fn contains(&self, ip: u32) -> bool {
        (u32::from(self.start)..=u32::from(self.end)).contains(&ip)
    }
}

/// A static reservation: a fixed address for one client, by MAC or by
/// client identifier (option 61, hex bytes including the type byte).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reservation {
    /// Ethernet address `aa:bb:cc:dd:ee:ff`.
    pub mac: Option<String>,
    /// Client identifier as hex, e.g. `01aabbccddeeff` (colons allowed).
    pub client_id: Option<String>,
    /// The address to give.
    pub ip: Ipv4Addr,
}

/// Any option by code; exactly one of the value forms.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomOption {
    /// Option code, 1–254.
    pub code: u8,
    /// Raw value as hex.
    pub hex: Option<String>,
    /// Value as text (ASCII bytes).
    pub text: Option<String>,
    /// Value as a list of IPv4 addresses.
    pub ips: Option<Vec<Ipv4Addr>>,
    /// Value as one byte.
    pub u8: Option<u8>,
    /// Value as a 16-bit number.
    pub u16: Option<u16>,
    /// Value as a 32-bit number.
    pub u32: Option<u32>,
}

/// The TOML file, as written. See [`Config::scenario`] for the defaults.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConfigFile {
    /// Server identifier (option 54); also the source of unicast replies.
    pub server_id: Ipv4Addr,
    /// The subnet served, `A.B.C.D/LEN`.
    pub subnet: String,
    /// Pool ranges, `A-B`.
    pub pools: Vec<String>,
    /// Addresses or ranges never handed out from the pools.
    pub exclude: Vec<String>,
    /// Routers (option 3).
    pub routers: Vec<Ipv4Addr>,
    /// DNS servers (option 6).
    pub dns_servers: Vec<Ipv4Addr>,
    /// Domain name (option 15).
    pub domain_name: Option<String>,
    /// Lease time in seconds (option 51).
    pub lease_time: u32,
    /// T1 in seconds (option 58); default half the lease.
    pub renewal_time: Option<u32>,
    /// T2 in seconds (option 59); default 7/8 of the lease.
    pub rebinding_time: Option<u32>,
    /// Broadcast address (option 28); default from the subnet.
    pub broadcast_address: Option<Ipv4Addr>,
    /// Interface MTU (option 26).
    pub mtu: Option<u16>,
    /// NTP servers (option 42).
    pub ntp_servers: Vec<Ipv4Addr>,
    /// Seconds an offered address stays reserved for the client.
    pub offer_hold: u32,
    /// Seconds a declined address stays out of use (RFC 2131 §3.1.5).
    pub decline_probation: u32,
    /// NAK requests for addresses this server knows to be wrong.
    pub authoritative: bool,
    /// Unicast replies to clients without an address by writing an ARP
    /// entry for (yiaddr, chaddr) as RFC 2131 §4.1 prefers; when false, or
    /// when the entry cannot be written, such replies are broadcast.
    pub unicast_via_arp: bool,
    /// Receive buffer of the server socket in bytes (0: the system default).
    /// A large buffer absorbs bursts but turns a backlog into a burst of
    /// replies that can overflow a slow client's or relay's buffer.
    pub recv_buffer: u32,
    /// Static reservations.
    pub reservations: Vec<Reservation>,
    /// Further options by code.
    pub options: Vec<CustomOption>,
}

impl Default for ConfigFile {
    fn default() -> Self {
        ConfigFile {
            server_id: Ipv4Addr::new(10, 20, 30, 40),
            subnet: "10.20.30.0/24".into(),
            pools: vec!["10.20.30.50-10.20.30.200".into()],
            exclude: Vec::new(),
            routers: vec![Ipv4Addr::new(10, 20, 30, 1)],
            dns_servers: vec![Ipv4Addr::new(10, 20, 30, 40)],
            domain_name: Some("lab".into()),
            lease_time: 3600,
            renewal_time: None,
            rebinding_time: None,
            broadcast_address: None,
            mtu: None,
            ntp_servers: Vec::new(),
            offer_hold: 30,
            decline_probation: 86400,
            authoritative: true,
            unicast_via_arp: true,
            recv_buffer: RECV_BUFFER,
            reservations: Vec::new(),
            options: Vec::new(),
        }
    }
}

/// Validated configuration the server runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Server identifier.
    pub server_id: Ipv4Addr,
    /// Subnet network address.
    pub network: Ipv4Addr,
    /// Prefix length.
    pub prefix: u8,
    /// Pools.
    pub pools: Vec<Range>,
    /// Exclusions.
    pub exclude: Vec<Range>,
    /// Lease time.
    pub lease_time: u32,
    /// T1.
    pub t1: u32,
    /// T2.
    pub t2: u32,
    /// Offer hold.
    pub offer_hold: u32,
    /// Decline probation.
    pub decline_probation: u32,
    /// Authoritative.
    pub authoritative: bool,
    /// ARP-entry unicast.
    pub unicast_via_arp: bool,
    /// Socket receive buffer (0: system default).
    pub recv_buffer: u32,
    /// Reservations by hardware address.
    pub by_mac: HashMap<Vec<u8>, Ipv4Addr>,
    /// Reservations by client identifier.
    pub by_client_id: HashMap<Vec<u8>, Ipv4Addr>,
    /// Options sent with OFFER/ACK (code, value), in code order, without
    /// 51/54/58/59 which depend on the exchange.
    pub options: Vec<(u8, Vec<u8>)>,
    reserved: BTreeSet<u32>,
}

fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    let digits: String = s.chars().filter(|c| *c != ':' && *c != '-').collect();
    if digits.len() % 2 != 0 || digits.is_empty() {
        return Err(format!("`{s}` is not an even number of hex digits"));
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| {
            digits
                .get(i..i + 2)
                .and_then(|d| u8::from_str_radix(d, 16).ok())
                .ok_or_else(|| format!("`{s}` is not hex"))
        })
        .collect()
}

fn ips(v: &[Ipv4Addr]) -> Vec<u8> {
    v.iter().flat_map(|a| a.octets()).collect()
}

impl Config {
    /// The scenario's built-in configuration.
    pub fn scenario() -> Self {
        // The built-in file is valid by construction; the unit tests check it.
        Self::from_file(ConfigFile::default()).unwrap_or_else(|e| panic!("built-in config: {e}"))
    }

    /// Read and validate a TOML file.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
        Self::parse(&text).map_err(|e| Error::Config(format!("{}: {e}", path.display())))
    }

    /// Parse and validate TOML text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let f: ConfigFile = toml::from_str(text).map_err(|e| e.to_string())?;
        Self::from_file(f)
    }

    /// Validate a parsed file.
    pub fn from_file(f: ConfigFile) -> Result<Self, String> {
        let (net, len) = f
            .subnet
            .split_once('/')
            .ok_or_else(|| format!("subnet `{}` is not A.B.C.D/LEN", f.subnet))?;
        let network: Ipv4Addr = net
            .parse()
            .map_err(|_| format!("subnet `{}`: bad address", f.subnet))?;
        let prefix: u8 = len
            .parse()
            .ok()
            .filter(|p| (1..=30).contains(p))
            .ok_or_else(|| format!("subnet `{}`: prefix must be 1-30", f.subnet))?;
        let mask = u32::MAX << (32 - prefix);
        let network = Ipv4Addr::from(u32::from(network) & mask);
        let in_net = |a: Ipv4Addr| u32::from(a) & mask == u32::from(network);
        let pools = f
            .pools
            .iter()
            .map(|p| Range::parse(p))
            .collect::<Result<Vec<_>, _>>()?;
        for p in &pools {
            if !in_net(p.start) || !in_net(p.end) {
                return Err(format!(
                    "pool {}-{} is outside subnet {}",
                    p.start, p.end, f.subnet
                ));
            }
        }
        let exclude = f
            .exclude
            .iter()
            .map(|p| Range::parse(p))
            .collect::<Result<Vec<_>, _>>()?;
        if f.lease_time < 10 {
            return Err(format!("lease_time {} is below 10 seconds", f.lease_time));
        }
        let t1 = f.renewal_time.unwrap_or(f.lease_time / 2);
        let t2 = f
            .rebinding_time
            .unwrap_or((f.lease_time as u64 * 7 / 8) as u32);
        if !(t1 < t2 && t2 < f.lease_time) {
            return Err(format!(
                "need renewal_time ({t1}) < rebinding_time ({t2}) < lease_time ({})",
                f.lease_time
            ));
        }
        let mut by_mac = HashMap::new();
        let mut by_client_id = HashMap::new();
        for r in &f.reservations {
            if !in_net(r.ip) {
                return Err(format!(
                    "reservation {} is outside subnet {}",
                    r.ip, f.subnet
                ));
            }
            match (&r.mac, &r.client_id) {
                (Some(m), None) => {
                    let b = parse_hex(m)?;
                    if b.len() != 6 {
                        return Err(format!("reservation mac `{m}` is not 6 bytes"));
                    }
                    by_mac.insert(b, r.ip);
                }
                (None, Some(c)) => {
                    by_client_id.insert(parse_hex(c)?, r.ip);
                }
                _ => {
                    return Err(format!(
                        "reservation {} needs exactly one of mac, client_id",
                        r.ip
                    ))
                }
            }
        }
        let mut opts: Vec<(u8, Vec<u8>)> = vec![(1, mask.to_be_bytes().to_vec())];
        if !f.routers.is_empty() {
            opts.push((3, ips(&f.routers)));
        }
        if !f.dns_servers.is_empty() {
            opts.push((6, ips(&f.dns_servers)));
        }
        if let Some(d) = f.domain_name.as_ref().filter(|d| !d.is_empty()) {
            if d.len() > 255 {
                return Err("domain_name is longer than 255 bytes".into());
            }
            opts.push((15, d.as_bytes().to_vec()));
        }
        if let Some(m) = f.mtu {
            if m < 68 {
                return Err(format!("mtu {m} is below 68"));
            }
            opts.push((26, m.to_be_bytes().to_vec()));
        }
        let bcast = f
            .broadcast_address
            .unwrap_or(Ipv4Addr::from(u32::from(network) | !mask));
        opts.push((28, bcast.octets().to_vec()));
        if !f.ntp_servers.is_empty() {
            opts.push((42, ips(&f.ntp_servers)));
        }
        for o in &f.options {
            let forms = [
                o.hex.is_some(),
                o.text.is_some(),
                o.ips.is_some(),
                o.u8.is_some(),
                o.u16.is_some(),
                o.u32.is_some(),
            ];
            if forms.iter().filter(|x| **x).count() != 1 {
                return Err(format!("option {} needs exactly one value form", o.code));
            }
            if matches!(o.code, 0 | 255 | 50..=59 | 61 | 82) {
                return Err(format!("option {} is managed by the server", o.code));
            }
            let v = if let Some(h) = &o.hex {
                parse_hex(h)?
            } else if let Some(t) = &o.text {
                t.as_bytes().to_vec()
            } else if let Some(a) = &o.ips {
                ips(a)
            } else if let Some(x) = o.u8 {
                vec![x]
            } else if let Some(x) = o.u16 {
                x.to_be_bytes().to_vec()
            } else {
                o.u32.unwrap_or(0).to_be_bytes().to_vec()
            };
            if v.is_empty() || v.len() > 255 {
                return Err(format!("option {} value must be 1-255 bytes", o.code));
            }
            opts.retain(|(c, _)| *c != o.code);
            opts.push((o.code, v));
        }
        opts.sort_by_key(|(c, _)| *c);
        let reserved = by_mac
            .values()
            .chain(by_client_id.values())
            .map(|a| u32::from(*a))
            .collect();
        Ok(Config {
            reserved,
            server_id: f.server_id,
            network,
            prefix,
            pools,
            exclude,
            lease_time: f.lease_time,
            t1,
            t2,
            offer_hold: f.offer_hold.max(1),
            decline_probation: f.decline_probation,
            authoritative: f.authoritative,
            unicast_via_arp: f.unicast_via_arp,
            recv_buffer: f.recv_buffer,
            by_mac,
            by_client_id,
            options: opts,
        })
    }

    /// Whether `ip` is in the served subnet.
    pub fn in_subnet(&self, ip: Ipv4Addr) -> bool {
        let mask = u32::MAX << (32 - self.prefix);
        u32::from(ip) & mask == u32::from(self.network)
    }

    /// Whether `ip` may be handed out dynamically.
    pub fn in_pool(&self, ip: Ipv4Addr) -> bool {
        let n = u32::from(ip);
        self.pools.iter().any(|p| p.contains(n))
            && !self.exclude.iter().any(|p| p.contains(n))
            && ip != self.server_id
            && !self.reserved().contains(&n)
    }

    /// Addresses held by reservations.
    pub fn reserved(&self) -> BTreeSet<u32> {
        self.by_mac
            .values()
            .chain(self.by_client_id.values())
            .map(|a| u32::from(*a))
            .collect()
    }

    /// Every dynamic address, ascending.
    pub fn pool_addresses(&self) -> BTreeSet<u32> {
        let reserved = &self.reserved;
        let sid = u32::from(self.server_id);
        let mut set = BTreeSet::new();
        for p in &self.pools {
            for n in u32::from(p.start)..=u32::from(p.end) {
                if n != sid && !reserved.contains(&n) && !self.exclude.iter().any(|e| e.contains(n))
                {
                    set.insert(n);
                }
            }
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_defaults() {
        let c = Config::scenario();
        assert_eq!(c.server_id, Ipv4Addr::new(10, 20, 30, 40));
        assert_eq!(c.prefix, 24);
        assert_eq!((c.t1, c.t2), (1800, 3150));
        assert_eq!(c.pool_addresses().len(), 151);
        assert!(c.options.contains(&(3, vec![10, 20, 30, 1])));
        assert!(c.options.contains(&(28, vec![10, 20, 30, 255])));
    }

    #[test]
    fn parses_file_with_reservations_exclusions_options() {
        let c = Config::parse(
            r#"
            subnet = "10.20.30.0/24"
            pools = ["10.20.30.50 - 10.20.30.60"]
            exclude = ["10.20.30.55", "10.20.30.58-10.20.30.59"]
            lease_time = 600
            mtu = 1400
            ntp_servers = ["10.20.30.40"]
            [[reservations]]
            mac = "02:00:00:00:00:09"
            ip = "10.20.30.9"
            [[reservations]]
            client_id = "01:02:00:00:00:00:0a"
            ip = "10.20.30.52"
            [[options]]
            code = 66
            text = "tftp.lab"
            "#,
        )
        .unwrap();
        let pool = c.pool_addresses();
        assert_eq!(pool.len(), 11 - 3 - 1);
        assert!(!pool.contains(&u32::from(Ipv4Addr::new(10, 20, 30, 52))));
        assert_eq!(
            c.by_mac.get(&vec![2, 0, 0, 0, 0, 9]),
            Some(&Ipv4Addr::new(10, 20, 30, 9))
        );
        assert!(c.options.contains(&(66, b"tftp.lab".to_vec())));
        assert!(c.options.contains(&(26, vec![5, 120])));
    }

    #[test]
    fn rejects_bad_files() {
        assert!(Config::parse("subnet = \"10.0.0.0\"")
            .unwrap_err()
            .contains("A.B.C.D/LEN"));
        assert!(Config::parse("pools = [\"10.9.9.1-10.9.9.2\"]")
            .unwrap_err()
            .contains("outside"));
        assert!(Config::parse("bogus = 1").is_err());
        assert!(Config::parse("[[options]]\ncode = 53\nu8 = 1")
            .unwrap_err()
            .contains("managed"));
    }

    /// The example in the module documentation is a valid file.
    #[test]
    fn documented_example_parses() {
        let c = Config::parse(DOC_EXAMPLE).unwrap();
        assert_eq!(c.pool_addresses().len(), 151 - 1 - 10);
        assert_eq!(c.by_client_id.len(), 1);
    }

    const DOC_EXAMPLE: &str = r#"server_id = "10.20.30.40"
subnet = "10.20.30.0/24"
pools = ["10.20.30.50-10.20.30.200"]
exclude = ["10.20.30.99", "10.20.30.120-10.20.30.129"]
routers = ["10.20.30.1"]
dns_servers = ["10.20.30.40"]
domain_name = "lab"
lease_time = 3600          # renewal_time / rebinding_time default to 1/2 and 7/8
mtu = 1500
ntp_servers = ["10.20.30.40"]
decline_probation = 86400  # seconds a declined address stays out of use
authoritative = true       # NAK requests for addresses known to be wrong

[[reservations]]
mac = "02:00:00:00:00:07"
ip = "10.20.30.7"

[[reservations]]
client_id = "01:02:00:00:00:00:08"   # option 61, type byte first
ip = "10.20.30.8"

[[options]]                # any option by code: hex, text, ips, u8, u16 or u32
code = 66
text = "tftp.lab"
"#;
}
