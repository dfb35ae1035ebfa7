//! `-z conv,TYPE[,FILTER]` and `-z endpoints,TYPE[,FILTER]` for TYPE `eth`,
//! `ip`, `ipv6`, `tcp` and `udp`.
//!
//! As tshark 4.0 builds its conversation table: each header of the type (an
//! IP-in-IP packet has two; headers quoted inside ICMP errors do not count)
//! is one frame of one conversation. "A" is the source of the conversation's
//! first packet, `->` counts frames from A to B; TCP and UDP conversations are also told apart by
//! their stream index. Rows are sorted by total frames, most first, ties in
//! the order the conversations were first seen. Keys are small fixed-size
//! values, so counting a packet allocates nothing.

use std::collections::HashMap;
use std::io::{self, Write};

use wirelab_dissect::{FieldRef, Packet, Value};
use wirelab_filter::Filter;

use crate::{util, Error, Needs, Tap, Want};

/// Which table to print.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Table {
    Conversations,
    Endpoints,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Eth,
    Ip,
    Ipv6,
    Tcp,
    Udp,
}

/// An address, ordered as Wireshark's `cmp_address` orders two addresses of
/// the same type (byte by byte).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
enum Addr {
    Eth([u8; 6]),
    V4([u8; 4]),
    V6([u8; 16]),
}

impl Addr {
    fn of(v: &Value) -> Option<Addr> {
        match *v {
            Value::Ether(a) => Some(Addr::Eth(a)),
            Value::Ipv4(a) => Some(Addr::V4(a)),
            Value::Ipv6(a) => Some(Addr::V6(a)),
            _ => None,
        }
    }

    fn text(&self) -> String {
        let mut s = String::new();
        match self {
            Addr::Eth(a) => wirelab_dissect::packet::fmt_ether(a, &mut s),
            Addr::V4(a) => wirelab_dissect::packet::fmt_ipv4(a, &mut s),
            Addr::V6(a) => wirelab_dissect::packet::fmt_ipv6(a, &mut s),
        }
        s
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct ConvKey {
    a: Addr,
    b: Addr,
    pa: u32,
    pb: u32,
    id: u32,
}

struct ConvItem {
    key: ConvKey,
    tx_frames: u64,
    tx_bytes: u64,
    rx_frames: u64,
    rx_bytes: u64,
    start: i128,
    stop: i128,
}

struct EpItem {
    addr: Addr,
    port: u32,
    tx_frames: u64,
    tx_bytes: u64,
    rx_frames: u64,
    rx_bytes: u64,
}

#[derive(Clone, Copy)]
enum Role {
    Src,
    Dst,
    SPort,
    DPort,
    Stream,
}

/// The conversations or endpoints tap.
pub(crate) struct Conv {
    table: Table,
    kind: Kind,
    roles: Vec<(FieldRef, Role)>,
    filter: Option<Filter>,
    filter_text: Option<String>,
    clock: util::RelClock,
    convs: Vec<ConvItem>,
    conv_index: HashMap<ConvKey, u32>,
    eps: Vec<EpItem>,
    ep_index: HashMap<(Addr, u32), u32>,
}

/// "No conversation id" (Wireshark's `CONV_ID_UNSET`).
const NO_ID: u32 = u32::MAX;

impl Conv {
    pub(crate) fn new(spec: &str, table: Table) -> Result<Self, Error> {
        let mut parts = spec.splitn(3, ',');
        let _ = parts.next();
        let ty = parts.next().unwrap_or("");
        let kind = match ty {
            "eth" => Kind::Eth,
            "ip" => Kind::Ip,
            "ipv6" => Kind::Ipv6,
            "tcp" => Kind::Tcp,
            "udp" => Kind::Udp,
            _ => {
                return Err(Error::bad_spec(
                    spec,
                    "wirelab knows the types eth, ip, ipv6, tcp and udp",
                ))
            }
        };
        let (filter, filter_text) = match parts.next() {
            Some(f) if !f.is_empty() => (Some(util::filter(spec, f)?), Some(f.to_string())),
            _ => (None, None),
        };
        let f = |n| util::field(spec, n);
        let roles = match kind {
            Kind::Eth => vec![(f("eth.src")?, Role::Src), (f("eth.dst")?, Role::Dst)],
            Kind::Ip => vec![(f("ip.src")?, Role::Src), (f("ip.dst")?, Role::Dst)],
            Kind::Ipv6 => vec![(f("ipv6.src")?, Role::Src), (f("ipv6.dst")?, Role::Dst)],
            Kind::Tcp | Kind::Udp => {
                let p = if kind == Kind::Tcp { "tcp" } else { "udp" };
                vec![
                    (f("ip.src")?, Role::Src),
                    (f("ip.dst")?, Role::Dst),
                    (f("ipv6.src")?, Role::Src),
                    (f("ipv6.dst")?, Role::Dst),
                    (f(&format!("{p}.srcport"))?, Role::SPort),
                    (f(&format!("{p}.dstport"))?, Role::DPort),
                    (f(&format!("{p}.stream"))?, Role::Stream),
                ]
            }
        };
        Ok(Conv {
            table,
            kind,
            roles,
            filter,
            filter_text,
            clock: util::RelClock::default(),
            convs: Vec::new(),
            conv_index: HashMap::new(),
            eps: Vec::new(),
            ep_index: HashMap::new(),
        })
    }

    fn ported(&self) -> bool {
        matches!(self.kind, Kind::Tcp | Kind::Udp)
    }

    #[allow(clippy::too_many_arguments)]
    fn add(&mut self, src: Addr, sport: u32, dst: Addr, dport: u32, id: u32, len: u64, t: i128) {
        match self.table {
            Table::Conversations => self.add_conv(src, sport, dst, dport, id, len, t),
            Table::Endpoints => {
                self.add_ep(src, sport, true, len);
                self.add_ep(dst, dport, false, len);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add_conv(
        &mut self,
        src: Addr,
        sport: u32,
        dst: Addr,
        dport: u32,
        id: u32,
        len: u64,
        t: i128,
    ) {
        // Looked up whichever way the packet goes; "A" is the source of the
        // first packet seen.
        let key = if (src, sport) <= (dst, dport) {
            ConvKey {
                a: src,
                b: dst,
                pa: sport,
                pb: dport,
                id,
            }
        } else {
            ConvKey {
                a: dst,
                b: src,
                pa: dport,
                pb: sport,
                id,
            }
        };
        let idx = match self.conv_index.get(&key) {
            Some(&i) => i as usize,
            None => {
                let i = self.convs.len();
                self.convs.push(ConvItem {
                    key: ConvKey {
                        a: src,
                        b: dst,
                        pa: sport,
                        pb: dport,
                        id,
                    },
                    tx_frames: 0,
                    tx_bytes: 0,
                    rx_frames: 0,
                    rx_bytes: 0,
                    start: t,
                    stop: t,
                });
                self.conv_index.insert(key, i as u32);
                i
            }
        };
        let c = &mut self.convs[idx];
        if src == c.key.a && sport == c.key.pa {
            c.tx_frames += 1;
            c.tx_bytes += len;
        } else {
            c.rx_frames += 1;
            c.rx_bytes += len;
        }
        if t > c.stop {
            c.stop = t;
        } else if t < c.start {
            c.start = t;
        }
    }

    fn add_ep(&mut self, addr: Addr, port: u32, sender: bool, len: u64) {
        let idx = match self.ep_index.get(&(addr, port)) {
            Some(&i) => i as usize,
            None => {
                let i = self.eps.len();
                self.eps.push(EpItem {
                    addr,
                    port,
                    tx_frames: 0,
                    tx_bytes: 0,
                    rx_frames: 0,
                    rx_bytes: 0,
                });
                self.ep_index.insert((addr, port), i as u32);
                i
            }
        };
        let e = &mut self.eps[idx];
        if sender {
            e.tx_frames += 1;
            e.tx_bytes += len;
        } else {
            e.rx_frames += 1;
            e.rx_bytes += len;
        }
    }

    fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Eth => "Ethernet",
            Kind::Ip => "IPv4",
            Kind::Ipv6 => "IPv6",
            Kind::Tcp => "TCP",
            Kind::Udp => "UDP",
        }
    }

    fn name(&self, a: Addr, port: u32) -> String {
        if self.ported() {
            format!("{}:{}", a.text(), port)
        } else {
            a.text()
        }
    }

    fn draw_convs(&self, out: &mut dyn Write) -> io::Result<()> {
        let w = if self.ported() { 26 } else { 20 };
        let pad = " ".repeat(2 * w + 7);
        writeln!(out, "{pad}|       <-      | |       ->      | |     Total     |    Relative    |   Duration   |")?;
        writeln!(out, "{pad}| Frames  Bytes | | Frames  Bytes | | Frames  Bytes |      Start     |              |")?;
        let mut order: Vec<usize> = (0..self.convs.len()).collect();
        // Stable: ties keep the order of first appearance, as tshark's loop.
        order
            .sort_by_key(|&i| std::cmp::Reverse(self.convs[i].tx_frames + self.convs[i].rx_frames));
        for i in order {
            let c = &self.convs[i];
            let start = util::ns_to_sec(c.start);
            let dur = util::ns_to_sec(c.stop) - start;
            writeln!(
                out,
                "{:<w$} <-> {:<w$}  {:>6} {:<9}  {:>6} {:<9}  {:>6} {:<9}  {:>14.9}   {:>12.4}",
                self.name(c.key.a, c.key.pa),
                self.name(c.key.b, c.key.pb),
                c.rx_frames,
                util::format_size(c.rx_bytes),
                c.tx_frames,
                util::format_size(c.tx_bytes),
                c.rx_frames + c.tx_frames,
                util::format_size(c.rx_bytes + c.tx_bytes),
                start,
                dur,
            )?;
        }
        Ok(())
    }

    fn draw_eps(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.ported() {
            writeln!(out, "                       |  Port  ||  Packets  | |  Bytes  | | Tx Packets | | Tx Bytes | | Rx Packets | | Rx Bytes |")?;
        } else {
            writeln!(out, "                       |  Packets  | |  Bytes  | | Tx Packets | | Tx Bytes | | Rx Packets | | Rx Bytes |")?;
        }
        let mut order: Vec<usize> = (0..self.eps.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(self.eps[i].tx_frames + self.eps[i].rx_frames));
        for i in order {
            let e = &self.eps[i];
            let port = if self.ported() {
                format!("      {:>5}", e.port)
            } else {
                String::new()
            };
            writeln!(
                out,
                "{:<20}{port}     {:>6}     {:>9}  {:>6}       {:>9}  {:>6}       {:>9}   ",
                e.addr.text(),
                e.tx_frames + e.rx_frames,
                e.tx_bytes + e.rx_bytes,
                e.tx_frames,
                e.tx_bytes,
                e.rx_frames,
                e.rx_bytes,
            )?;
        }
        Ok(())
    }
}

impl Tap for Conv {
    fn want(&self) -> Want {
        let mut f: Vec<FieldRef> = self.roles.iter().map(|(f, _)| *f).collect();
        f.extend_from_slice(util::protocols());
        if let Some(flt) = &self.filter {
            f.extend_from_slice(flt.fields());
        }
        Want::Fields(f)
    }

    fn needs(&self) -> Needs {
        // Addresses, ports and stream indexes are all at or below the
        // transport header; a filter may name anything.
        if self.filter.is_some() {
            Needs::ALL
        } else {
            Needs::NONE
        }
    }

    fn packet(&mut self, pkt: &Packet, data: &[u8]) {
        let t = self.clock.rel(&pkt.meta);
        if !util::accepts(&self.filter, pkt, data) {
            return;
        }
        let len = pkt.meta.orig_len as u64;
        let ported = self.ported();
        let (mut src, mut dst) = (None, None);
        let (mut sport, mut dport, mut stream) = (None, None, None);
        for n in &pkt.nodes {
            if util::is_icmp(n.field) {
                // What follows is the packet an ICMP error quotes.
                break;
            }
            let Some(&(_, role)) = self.roles.iter().find(|(f, _)| std::ptr::eq(*f, n.field))
            else {
                continue;
            };
            if !util::in_top_level_protocol(pkt, n) {
                continue;
            }
            let uint = || match n.value {
                Value::UInt(v) => Some(v as u32),
                _ => None,
            };
            match role {
                Role::Src => src = Addr::of(&n.value),
                Role::Dst => dst = Addr::of(&n.value),
                Role::SPort => sport = uint(),
                Role::DPort => dport = uint(),
                Role::Stream => stream = uint(),
            }
            if ported {
                if let (Some(s), Some(d), Some(sp), Some(dp), Some(id)) =
                    (src, dst, sport, dport, stream)
                {
                    self.add(s, sp, d, dp, id, len, t);
                    (sport, dport, stream) = (None, None, None);
                }
            } else if let (Some(s), Some(d)) = (src, dst) {
                self.add(s, 0, d, 0, NO_ID, len, t);
                (src, dst) = (None, None);
            }
        }
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        const SEP: &str =
            "================================================================================";
        let what = match self.table {
            Table::Conversations => "Conversations",
            Table::Endpoints => "Endpoints",
        };
        writeln!(out, "{SEP}\n{} {what}", self.type_name())?;
        writeln!(
            out,
            "Filter:{}",
            self.filter_text.as_deref().unwrap_or("<No Filter>")
        )?;
        match self.table {
            Table::Conversations => self.draw_convs(out)?,
            Table::Endpoints => self.draw_eps(out)?,
        }
        writeln!(out, "{SEP}")
    }
}
