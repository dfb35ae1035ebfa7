//! `-z expert[,error|warn|note|chat|comment][,FILTER]`: expert items counted
//! by severity, then by protocol and summary, as tshark prints them.

use std::collections::HashMap;
use std::io::{self, Write};

use wirelab_dissect::packet::{Group, Severity};
use wirelab_dissect::{FieldRef, Packet};
use wirelab_filter::Filter;

use crate::{util, Error, Tap, Want};

struct Entry {
    group: Group,
    protocol: String,
    summary: String,
    frequency: u64,
}

/// The expert tap.
pub(crate) struct ExpertStat {
    lowest: Severity,
    filter: Option<Filter>,
    malformed: FieldRef,
    /// Entries by severity (index: [`sev_index`]), in first-seen order.
    entries: [Vec<Entry>; 5],
    index: HashMap<String, usize>,
    scratch: String,
}

fn sev_index(s: Severity) -> usize {
    match s {
        Severity::Comment => 0,
        Severity::Chat => 1,
        Severity::Note => 2,
        Severity::Warning => 3,
        Severity::Error => 4,
    }
}

/// Wireshark's short protocol name (`pinfo->current_proto`) for the
/// protocol that raised an item.
fn short_name(abbrev: &str) -> &str {
    match abbrev {
        "arp" => "ARP/RARP",
        "dhcp" => "DHCP/BOOTP",
        "dns" => "DNS",
        "eth" => "Ethernet",
        "http" => "HTTP",
        "icmp" => "ICMP",
        "icmpv6" => "ICMPv6",
        "ip" => "IPv4",
        "ipv6" => "IPv6",
        "nbns" => "NBNS",
        "tcp" => "TCP",
        "tls" => "TLS",
        "udp" => "UDP",
        "vlan" => "VLAN",
        "sll" => "SLL",
        "null" => "NULL",
        other => other,
    }
}

impl ExpertStat {
    pub(crate) fn new(spec: &str) -> Result<Self, Error> {
        let mut rest = spec.strip_prefix("expert").unwrap_or("");
        if !rest.is_empty() && !rest.starts_with(',') {
            return Err(Error::bad_spec(spec, "expected expert[,LEVEL][,FILTER]"));
        }
        rest = rest.strip_prefix(',').unwrap_or(rest);
        let mut lowest = Severity::Comment;
        let (first, after) = match rest.split_once(',') {
            Some((a, b)) => (a, Some(b)),
            None => (rest, None),
        };
        let level = match first {
            "error" => Some(Severity::Error),
            "warn" => Some(Severity::Warning),
            "note" => Some(Severity::Note),
            "chat" => Some(Severity::Chat),
            "comment" => Some(Severity::Comment),
            _ => None,
        };
        let filter_text = match level {
            Some(l) => {
                lowest = l;
                after.unwrap_or("")
            }
            None => rest,
        };
        let filter = if filter_text.is_empty() {
            None
        } else {
            Some(util::filter(spec, filter_text)?)
        };
        Ok(ExpertStat {
            lowest,
            filter,
            malformed: util::field(spec, "_ws.malformed")?,
            entries: Default::default(),
            index: HashMap::new(),
            scratch: String::new(),
        })
    }
}

impl Tap for ExpertStat {
    fn want(&self) -> Want {
        let mut f = vec![self.malformed];
        if let Some(flt) = &self.filter {
            f.extend_from_slice(flt.fields());
        }
        Want::Fields(f)
    }

    fn packet(&mut self, pkt: &Packet, data: &[u8]) {
        if pkt.expert.is_empty() || !util::accepts(&self.filter, pkt, data) {
            return;
        }
        let mut malformed = pkt.find(self.malformed);
        for e in &pkt.expert {
            let protocol = if e.protocol == "_ws.malformed" {
                // `[Malformed Packet: ARP/RARP]`: the protocol being
                // dissected when the packet ran out.
                malformed
                    .next()
                    .and_then(|n| pkt.custom_label(n))
                    .and_then(|l| l.strip_prefix("[Malformed Packet: "))
                    .and_then(|l| l.strip_suffix(']'))
                    // Without item labels (statistics alone build none):
                    // the last layer, where dissection stopped.
                    .or_else(|| {
                        pkt.protocols
                            .rsplit(':')
                            .next()
                            .filter(|l| !l.is_empty())
                            .map(short_name)
                    })
                    .unwrap_or("Malformed")
            } else {
                short_name(e.protocol)
            };
            if e.severity < self.lowest {
                continue;
            }
            let summary = pkt.span_str(data, e.msg);
            let sev = sev_index(e.severity);
            self.scratch.clear();
            self.scratch.push((b'0' + sev as u8) as char);
            self.scratch.push_str(protocol);
            self.scratch.push('\0');
            self.scratch.push_str(&summary);
            match self.index.get(&self.scratch) {
                Some(&i) => self.entries[sev][i].frequency += 1,
                None => {
                    self.index
                        .insert(self.scratch.clone(), self.entries[sev].len());
                    self.entries[sev].push(Entry {
                        group: e.group,
                        protocol: protocol.to_string(),
                        summary: summary.into_owned(),
                        frequency: 1,
                    });
                }
            }
        }
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        for (sev, label) in [
            (4, "Errors"),
            (3, "Warns"),
            (2, "Notes"),
            (1, "Chats"),
            (0, "Comments"),
        ] {
            let items = &self.entries[sev];
            if items.is_empty() {
                continue;
            }
            let total: u64 = items.iter().map(|e| e.frequency).sum();
            writeln!(out, "\n{label} ({total})\n=============")?;
            writeln!(out, "   Frequency      Group           Protocol  Summary")?;
            for e in items {
                writeln!(
                    out,
                    "{:>12} {:>10} {:>18}  {}",
                    e.frequency,
                    e.group.name(),
                    e.protocol,
                    e.summary
                )?;
            }
        }
        Ok(())
    }
}
