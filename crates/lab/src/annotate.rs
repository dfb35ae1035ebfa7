//! The capture's last pass: packets of all links in time order, with a
//! comment at the start of each phase of the scenario.
//!
//! A live capture of several interfaces writes each interface's packets in
//! order, but the interfaces only roughly interleaved; a packet list read
//! out of time order makes a TCP analysis see retransmissions that never
//! happened. So the packets are merged by timestamp (stable: within one
//! interface the file's order is kept). The client reports when each phase
//! began (DHCP, DNS, RUDP, HTTP, echo); each such time is matched to the
//! first packet captured at or after it, which gets the phase's name as its
//! comment (`pkt_comment`, shown by Wireshark and as `frame.comment`).
//!
//! Memory: 16 bytes per packet for the order, and one reader per
//! interface streaming through the file.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use anyhow::{bail, Context};
use wirelab_pcap::{Reader, Writer};

/// A comment to put on the first packet at or after a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// The moment, in nanoseconds since the Unix epoch.
    pub at_ns: i128,
    /// The comment.
    pub comment: String,
    /// Which packets may carry it.
    pub matches: Match,
    /// Only frames from or to this Ethernet address (the phase's host).
    pub host: Option<[u8; 6]>,
    /// Index (in the same list) of a mark this one must come after: the
    /// previous phase of the same client. A phase whose start is only
    /// estimated then still lands after the phase before it.
    pub after: Option<usize>,
}

impl Mark {
    fn accepts(&self, linktype: u32, frame: &[u8]) -> bool {
        if let Some(h) = self.host {
            let (Some(dst), Some(src)) = (frame.get(0..6), frame.get(6..12)) else {
                return false;
            };
            if linktype != 1 || (dst != h && src != h) {
                return false;
            }
        }
        self.matches.accepts(linktype, frame)
    }
}

/// The packets a phase's comment may land on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// Any packet.
    Any,
    /// IPv4 UDP from or to this port.
    Udp(u16),
    /// IPv4 TCP from or to this port.
    Tcp(u16),
}

impl Match {
    /// Whether an Ethernet frame (`linktype` 1) is one of these.
    pub fn accepts(self, linktype: u32, frame: &[u8]) -> bool {
        let (proto, port) = match self {
            Match::Any => return true,
            Match::Udp(p) => (17u8, p),
            Match::Tcp(p) => (6u8, p),
        };
        if linktype != 1 {
            return false;
        }
        ports(frame, proto).is_some_and(|(s, d)| s == port || d == port)
    }
}

/// Source and destination ports of an Ethernet II / IPv4 frame carrying
/// `proto` (RFC 791 header, RFC 768 / RFC 793 ports first), for the first
/// fragment only; `None` for anything else or anything cut short.
fn ports(frame: &[u8], proto: u8) -> Option<(u16, u16)> {
    let be16 = |b: &[u8], at: usize| -> Option<u16> {
        Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
    };
    let mut off = 12;
    let mut ethertype = be16(frame, off)?;
    if ethertype == 0x8100 {
        off += 4;
        ethertype = be16(frame, off)?;
    }
    if ethertype != 0x0800 {
        return None;
    }
    let ip = frame.get(off + 2..)?;
    let vihl = *ip.first()?;
    if vihl >> 4 != 4 || *ip.get(9)? != proto {
        return None;
    }
    if be16(ip, 6)? & 0x1fff != 0 {
        return None; // a later fragment has no ports
    }
    let l4 = ip.get(usize::from(vihl & 0x0f) * 4..)?;
    Some((be16(l4, 0)?, be16(l4, 2)?))
}

fn ts_ns(secs: i64, nanos: u32) -> i128 {
    i128::from(secs) * 1_000_000_000 + i128::from(nanos)
}

/// Copies the capture `input` to `output` (pcapng), packets in time order,
/// with a comment on the first packet at or after each mark. Returns, for
/// each mark, the frame number (from 1, in the output) it landed on, or
/// `None` when no packet came after it.
pub fn annotate(input: &Path, output: &Path, marks: &[Mark]) -> anyhow::Result<Vec<Option<u64>>> {
    let open = || Reader::open(input).with_context(|| format!("reading {}", input.display()));
    // Pass 1: each record's time and interface, and for each mark the
    // packets it accepts (as (time, record index)), at or after its moment.
    let mut order: Vec<(i128, u32)> = Vec::new();
    let mut cands: Vec<Vec<(i128, usize)>> = vec![Vec::new(); marks.len()];
    let mut r = open()?;
    while let Some(p) = r
        .next_packet()
        .with_context(|| format!("reading {}", input.display()))?
    {
        let t = if p.has_ts {
            ts_ns(p.ts_secs, p.ts_nanos)
        } else {
            // Untimed records stay where they were, relative to the last
            // timed one.
            order.last().map_or(i128::MIN, |&(t, _)| t)
        };
        for (m, c) in marks.iter().zip(cands.iter_mut()) {
            if p.has_ts && t >= m.at_ns && m.accepts(p.linktype, p.data) {
                c.push((t, order.len()));
            }
        }
        order.push((t, p.interface_id));
    }
    let ifaces = r.interfaces().to_vec();
    drop(r);
    // Sort (stably) by time, remembering where each record came from.
    let mut idx: Vec<usize> = (0..order.len()).collect();
    idx.sort_by_key(|&i| order[i].0);
    let mut new_pos = vec![0u64; order.len()];
    for (pos, &i) in idx.iter().enumerate() {
        new_pos[i] = pos as u64 + 1;
    }
    // Each mark: its first candidate in the final order, after the mark
    // it must follow.
    let mut landed: Vec<Option<(i128, usize)>> = vec![None; marks.len()];
    for (k, m) in marks.iter().enumerate() {
        let c = &mut cands[k];
        c.sort_unstable();
        let floor = m.after.and_then(|j| landed.get(j).copied().flatten());
        let from = match floor {
            Some(f) => c.partition_point(|&x| x <= f),
            None => 0,
        };
        landed[k] = c.get(from).copied();
    }
    drop(cands);
    let frames: Vec<Option<u64>> = landed.iter().map(|b| b.map(|(_, i)| new_pos[i])).collect();
    let order: Vec<(i128, u32)> = idx.iter().map(|&i| order[i]).collect();
    drop(new_pos);

    // Pass 2: one reader per interface, each skipping the others' packets.
    let f = File::create(output).with_context(|| format!("creating {}", output.display()))?;
    let mut w = Writer::pcapng(BufWriter::new(f))?;
    for i in &ifaces {
        w.add_interface(i)?;
    }
    let mut readers = Vec::with_capacity(ifaces.len());
    for _ in &ifaces {
        readers.push(open()?);
    }
    for (n, &(_, iface)) in order.iter().enumerate() {
        let frame = n as u64 + 1;
        let Some(r) = readers.get_mut(iface as usize) else {
            bail!(
                "{}: packet on undeclared interface {iface}",
                input.display()
            );
        };
        let p = loop {
            match r.next_packet()? {
                Some(p) if p.interface_id == iface => break p,
                Some(_) => continue,
                None => bail!("{}: changed while being read", input.display()),
            }
        };
        let mine: Vec<&str> = marks
            .iter()
            .zip(&frames)
            .filter(|(_, f)| **f == Some(frame))
            .map(|(m, _)| m.comment.as_str())
            .collect();
        if mine.is_empty() {
            w.write_record(iface, &p)?;
            continue;
        }
        // The writer takes one comment with raw packet bytes: join the
        // packet's own comments and ours.
        let mut all: Vec<String> = p.comments().map(|c| c.into_owned()).collect();
        all.extend(mine.iter().map(|s| s.to_string()));
        let mut data = Vec::with_capacity(p.pseudo_header.len() + p.data.len());
        data.extend_from_slice(p.pseudo_header);
        data.extend_from_slice(p.data);
        let orig = p.orig_len.saturating_add(p.pseudo_header.len() as u32);
        w.write_packet(
            iface,
            p.ts_secs,
            p.ts_nanos,
            orig,
            &data,
            Some(&all.join("\n")),
        )?;
    }
    w.finish()?;
    Ok(frames)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wirelab_pcap::Interface;

    #[test]
    fn packets_in_time_order_and_comments_on_the_first_packet_at_or_after_each_mark() {
        let dir = std::env::temp_dir().join(format!("wirelab-annotate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let inp = dir.join("in.pcapng");
        let out = dir.join("out.pcapng");
        {
            let mut w = Writer::pcapng(File::create(&inp).unwrap()).unwrap();
            let mut a = Interface::new(1);
            a.name = Some("sw/client".into());
            w.add_interface(&a).unwrap();
            let mut b = Interface::new(1);
            b.name = Some("sw/srv".into());
            w.add_interface(&b).unwrap();
            // Interface 1's packet at t=10.5 is written after interface
            // 0's packet at t=11: not in time order.
            w.write_packet(0, 10, 0, 60, &[1; 60], None).unwrap();
            w.write_packet(0, 11, 0, 60, &[2; 60], Some("own")).unwrap();
            w.write_packet(1, 10, 500_000_000, 60, &[3; 60], None)
                .unwrap();
            w.write_packet(1, 12, 0, 60, &[4; 60], None).unwrap();
            w.finish().unwrap();
        }
        let marks = [
            Mark {
                at_ns: ts_ns(10, 100),
                comment: "DNS".into(),
                matches: Match::Any,
                host: None,
                after: None,
            },
            Mark {
                at_ns: ts_ns(11, 0),
                comment: "RUDP".into(),
                matches: Match::Any,
                host: None,
                after: None,
            },
            Mark {
                at_ns: ts_ns(9, 0),
                comment: "DHCP".into(),
                matches: Match::Any,
                host: None,
                after: None,
            },
            Mark {
                at_ns: ts_ns(13, 0),
                comment: "late".into(),
                matches: Match::Any,
                host: None,
                after: None,
            },
        ];
        let got = annotate(&inp, &out, &marks).unwrap();
        // Time order: 10.0 (if 0), 10.5 (if 1), 11 (if 0), 12 (if 1).
        assert_eq!(got, vec![Some(2), Some(3), Some(1), None]);
        let mut r = Reader::open(&out).unwrap();
        let mut seen = Vec::new();
        while let Some(p) = r.next_packet().unwrap() {
            seen.push((
                p.interface_id,
                p.data[0],
                p.comments().map(|c| c.into_owned()).collect::<Vec<_>>(),
            ));
        }
        assert_eq!(r.interfaces().len(), 2);
        assert_eq!(r.interfaces()[1].name.as_deref(), Some("sw/srv"));
        assert_eq!(
            seen,
            vec![
                (0, 1, vec!["DHCP".to_string()]),
                (1, 3, vec!["DNS".to_string()]),
                (0, 2, vec!["own\nRUDP".to_string()]),
                (1, 4, vec![]),
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Ethernet II + IPv4 (IHL 5) + UDP 68 → 67: the start of a DHCP
    /// Discover (RFC 2131 §4.1 ports).
    fn dhcp_frame() -> Vec<u8> {
        let mut f = vec![0xff; 6];
        f.extend([2, 0, 0, 0, 1, 1, 0x08, 0x00]);
        f.extend([0x45, 0, 0, 48, 0, 0, 0, 0, 64, 17, 0, 0]);
        f.extend([0, 0, 0, 0, 255, 255, 255, 255]);
        f.extend([0, 68, 0, 67, 0, 28, 0, 0]);
        f
    }

    #[test]
    fn matches_by_transport_and_port() {
        let f = dhcp_frame();
        assert!(Match::Udp(67).accepts(1, &f));
        assert!(Match::Udp(68).accepts(1, &f));
        assert!(!Match::Udp(53).accepts(1, &f));
        assert!(!Match::Tcp(67).accepts(1, &f));
        assert!(!Match::Udp(67).accepts(113, &f)); // not Ethernet
        assert!(Match::Any.accepts(113, &[]));
        // Cut anywhere: never a panic; a match once both ports are there
        // (14 Ethernet + 20 IPv4 + 4 bytes).
        for n in 0..f.len() {
            assert_eq!(Match::Udp(67).accepts(1, &f[..n]), n >= 38, "{n}");
        }
        // A later fragment (offset 1) has no ports.
        let mut frag = f.clone();
        frag[21] = 1;
        assert!(!Match::Udp(67).accepts(1, &frag));
        // 802.1Q tag before the EtherType.
        let mut tagged = f[..12].to_vec();
        tagged.extend([0x81, 0x00, 0, 5]);
        tagged.extend(&f[12..]);
        assert!(Match::Udp(67).accepts(1, &tagged));
    }

    #[test]
    fn a_mark_skips_packets_it_does_not_accept() {
        let dir = std::env::temp_dir().join(format!("wirelab-annotate-m-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let inp = dir.join("in.pcapng");
        let out = dir.join("out.pcapng");
        {
            let mut w = Writer::pcapng(File::create(&inp).unwrap()).unwrap();
            w.add_interface(&Interface::new(1)).unwrap();
            w.write_packet(0, 10, 0, 42, &[0; 42], None).unwrap(); // ARP-ish
            let f = dhcp_frame();
            w.write_packet(0, 10, 5, f.len() as u32, &f, None).unwrap();
            w.finish().unwrap();
        }
        let marks = [Mark {
            at_ns: ts_ns(9, 0),
            comment: "phase dhcp".into(),
            matches: Match::Udp(67),
            host: None,
            after: None,
        }];
        assert_eq!(annotate(&inp, &out, &marks).unwrap(), vec![Some(2)]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn marks_follow_their_host_and_the_phase_before() {
        let dir = std::env::temp_dir().join(format!("wirelab-annotate-h-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let inp = dir.join("in.pcapng");
        let out = dir.join("out.pcapng");
        let a = dhcp_frame(); // from 02:00:00:00:01:01
        let mut b = dhcp_frame();
        b[11] = 2; // from 02:00:00:00:01:02
        {
            let mut w = Writer::pcapng(File::create(&inp).unwrap()).unwrap();
            w.add_interface(&Interface::new(1)).unwrap();
            for (t, f) in [(1, &b), (2, &a), (3, &a), (4, &b)] {
                w.write_packet(0, t, 0, f.len() as u32, f, None).unwrap();
            }
            w.finish().unwrap();
        }
        let host = |n| Some([2, 0, 0, 0, 1, n]);
        let mark = |host, after| Mark {
            at_ns: 0,
            comment: "x".into(),
            matches: Match::Udp(67),
            host,
            after,
        };
        // Client 1's two phases, client 2's two phases (same traffic class,
        // both estimated at time 0).
        let marks = [
            mark(host(1), None),
            mark(host(1), Some(0)),
            mark(host(2), None),
            mark(host(2), Some(2)),
        ];
        let got = annotate(&inp, &out, &marks).unwrap();
        assert_eq!(got, vec![Some(2), Some(3), Some(1), Some(4)]);
        // A phase with nothing after the one before it lands nowhere.
        let marks = [
            mark(host(1), None),
            mark(host(1), Some(0)),
            mark(host(1), Some(1)),
        ];
        assert_eq!(
            annotate(&inp, &out, &marks).unwrap(),
            vec![Some(2), Some(3), None]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
