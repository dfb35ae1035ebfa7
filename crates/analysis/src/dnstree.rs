//! `-z dns,tree[,FILTER]`: tshark 4.0's "DNS" statistics tree.
//!
//! One tick per DNS message Wireshark's DNS tap reports: every message of
//! plain DNS (not mDNS or LLMNR), not one quoted inside an ICMP error, and
//! not one whose dissection ended in an exception (a malformed or cut
//! message). Per message: rcode, opcode, query/response, the first
//! question's type and class, the message size; for queries the first
//! name's length and label count; for responses the record counts, the
//! request-response time, unsolicited responses and retransmissions. The
//! record counts of a solicited response are added twice, as tshark 4.0's
//! tap does.

use std::borrow::Cow;
use std::io::{self, Write};

use wirelab_dissect::{FieldRef, Packet, Value};
use wirelab_filter::Filter;

use crate::sttree::{self, NodeId, StatsTree};
use crate::{util, Error, Tap, Want};

/// One DNS message, as the fields of the tree give it.
#[derive(Default)]
struct Msg {
    flags: Option<u16>,
    counts: [Option<u32>; 4],
    qtype: Option<u64>,
    qclass: Option<u64>,
    name_len: Option<u64>,
    labels: Option<u64>,
    size: u32,
    rrt: Option<f32>,
    response_to: bool,
    retransmission: bool,
}

struct Nodes {
    packets: NodeId,
    qr: NodeId,
    qtypes: NodeId,
    qclasses: NodeId,
    rcodes: NodeId,
    opcodes: NodeId,
    size: NodeId,
    qname_len: NodeId,
    levels: [NodeId; 4],
    nquestions: NodeId,
    nanswers: NodeId,
    nauthorities: NodeId,
    nadditionals: NodeId,
    unsolicited: NodeId,
    retransmission: NodeId,
    rrt: NodeId,
}

/// The DNS statistics tree tap.
pub(crate) struct DnsTree {
    tree: StatsTree,
    n: Nodes,
    filter: Option<Filter>,
    want: Vec<FieldRef>,
    clock: util::RelClock,
    qtype_names: FieldRef,
    class_names: FieldRef,
    rcode_names: FieldRef,
    opcode_names: FieldRef,
    /// The messages of the current packet (reused).
    msgs: Vec<Msg>,
}

/// Every registered field called `name` (mDNS and DNS share abbreviations).
fn fields(spec: &str, name: &str) -> Result<Vec<FieldRef>, Error> {
    let all: Vec<FieldRef> = wirelab_dissect::registry()
        .all()
        .iter()
        .copied()
        .filter(|f| f.abbrev == name)
        .collect();
    if all.is_empty() {
        return Err(Error::bad_spec(
            spec,
            format!("wirelab has no field \"{name}\""),
        ));
    }
    Ok(all)
}

const WANT: &[&str] = &[
    "dns",
    "mdns",
    "llmnr",
    "icmp",
    "icmpv6",
    "_ws.malformed",
    "_ws.short",
    "dns.flags",
    "dns.count.queries",
    "dns.count.zones",
    "dns.count.answers",
    "dns.count.prerequisites",
    "dns.count.auth_rr",
    "dns.count.updates",
    "dns.count.add_rr",
    "dns.qry.type",
    "dns.qry.class",
    "dns.qry.name.len",
    "dns.count.labels",
    "dns.time",
    "dns.response_to",
    "dns.retransmission",
];

impl DnsTree {
    pub(crate) fn new(spec: &str) -> Result<Self, Error> {
        let rest = spec
            .strip_prefix("dns,tree")
            .ok_or_else(|| Error::bad_spec(spec, "expected dns,tree[,FILTER]"))?;
        let filter = match rest.strip_prefix(',') {
            Some(f) if !f.is_empty() => Some(util::filter(spec, f)?),
            Some(_) => None,
            None if rest.is_empty() => None,
            None => return Err(Error::bad_spec(spec, "expected dns,tree[,FILTER]")),
        };
        let mut want = Vec::new();
        for w in WANT {
            want.extend(fields(spec, w)?);
        }
        if let Some(f) = &filter {
            want.extend_from_slice(f.fields());
        }
        let mut t = StatsTree::new("DNS");
        let packets = t.node("Total Packets", None);
        let qr = t.node("Query/Response", Some(packets));
        let qtypes = t.node("Query Type", Some(packets));
        let qclasses = t.node("Class", Some(packets));
        let rcodes = t.node("rcode", Some(packets));
        let opcodes = t.node("opcodes", Some(packets));
        let size = t.node("Payload size", None);
        let qstats = t.node("Query Stats", None);
        let qname_len = t.node("Qname Len", Some(qstats));
        let domains = t.node("Label Stats", Some(qstats));
        let levels = [
            t.node("1st Level", Some(domains)),
            t.node("2nd Level", Some(domains)),
            t.node("3rd Level", Some(domains)),
            t.node("4th Level or more", Some(domains)),
        ];
        let rstats = t.node("Response Stats", None);
        let nquestions = t.node("no. of questions", Some(rstats));
        let nanswers = t.node("no. of answers", Some(rstats));
        let nauthorities = t.node("no. of authorities", Some(rstats));
        let nadditionals = t.node("no. of additionals", Some(rstats));
        let sstats = t.node("Service Stats", None);
        let unsolicited = t.node("no. of unsolicited responses", Some(sstats));
        let retransmission = t.node("no. of retransmissions", Some(sstats));
        let rrt = t.node("request-response time (msec)", Some(sstats));
        Ok(DnsTree {
            tree: t,
            n: Nodes {
                packets,
                qr,
                qtypes,
                qclasses,
                rcodes,
                opcodes,
                size,
                qname_len,
                levels,
                nquestions,
                nanswers,
                nauthorities,
                nadditionals,
                unsolicited,
                retransmission,
                rrt,
            },
            filter,
            want,
            clock: util::RelClock::default(),
            qtype_names: util::field(spec, "dns.qry.type")?,
            class_names: util::field(spec, "dns.qry.class")?,
            rcode_names: util::field(spec, "dns.flags.rcode")?,
            opcode_names: util::field(spec, "dns.flags.opcode")?,
            msgs: Vec::new(),
        })
    }

    /// Wireshark's `dns_stats_tree_packet` for one message.
    fn count(&mut self, m: &Msg) {
        let Some(flags) = m.flags else { return };
        let qr = flags >> 15;
        let opcode = (flags >> 11) & 0xf;
        let rcode = flags & 0xf;
        let n = &self.n;
        let t = &mut self.tree;
        t.tick(n.packets);
        // Known values take no allocation.
        let name = |f: FieldRef, v: u64, what: &str| -> Cow<'static, str> {
            match f.value_name(v) {
                Some(s) => Cow::Borrowed(s),
                None => Cow::Owned(format!("Unknown {what} ({v})")),
            }
        };
        t.tick_pivot(n.qr, if qr == 0 { "Query" } else { "Response" });
        let qtype = m.qtype.unwrap_or(0);
        t.tick_pivot(n.qtypes, &name(self.qtype_names, qtype, "packet type"));
        let qclass = m.qclass.unwrap_or(0);
        t.tick_pivot(n.qclasses, &name(self.class_names, qclass, "class"));
        t.tick_pivot(n.rcodes, &name(self.rcode_names, rcode as u64, "rcode"));
        t.tick_pivot(n.opcodes, &name(self.opcode_names, opcode as u64, "opcode"));
        t.tick_avg_int(n.size, m.size as i32);
        let [quest, ans, auth, add] = m.counts.map(|c| c.unwrap_or(0) as i32);
        if qr == 0 {
            t.tick_avg_int(n.qname_len, m.name_len.unwrap_or(0) as i32);
            let level = match m.labels.unwrap_or(0) {
                1 => 0,
                2 => 1,
                3 => 2,
                _ => 3,
            };
            t.tick(n.levels[level]);
        } else {
            let record_counts = |t: &mut StatsTree| {
                t.tick_avg_int(n.nquestions, quest);
                t.tick_avg_int(n.nanswers, ans);
                t.tick_avg_int(n.nauthorities, auth);
                t.tick_avg_int(n.nadditionals, add);
            };
            record_counts(t);
            let unsolicited = !m.response_to && !m.retransmission;
            if unsolicited {
                t.tick(n.unsolicited);
            } else {
                // tshark 4.0 adds a solicited response's counts again.
                record_counts(t);
                if m.retransmission {
                    t.tick(n.retransmission);
                } else {
                    t.tick_avg_float(n.rrt, m.rrt.unwrap_or(0.0));
                }
            }
        }
    }
}

fn uint(v: &Value) -> Option<u64> {
    match *v {
        Value::UInt(u) => Some(u),
        Value::Int(i) => u64::try_from(i).ok(),
        _ => None,
    }
}

impl Tap for DnsTree {
    fn want(&self) -> Want {
        Want::Fields(self.want.clone())
    }

    fn packet(&mut self, pkt: &Packet, data: &[u8]) {
        let rel = self.clock.rel(&pkt.meta);
        if !util::accepts(&self.filter, pkt, data) {
            return;
        }
        // The messages of the packet, in the order the dissector added
        // them; a message ends at the next protocol item.
        let mut msgs = std::mem::take(&mut self.msgs);
        msgs.clear();
        let mut cur: Option<Msg> = None;
        for n in &pkt.nodes {
            let a = n.field.abbrev;
            match a {
                "dns" => {
                    if let Some(m) = cur.take() {
                        msgs.push(m);
                    }
                    cur = Some(Msg {
                        size: n.len,
                        ..Msg::default()
                    });
                    continue;
                }
                // A message cut short by an exception is not tapped; what
                // an ICMP error quotes, mDNS and LLMNR are not either.
                "_ws.malformed" | "_ws.short" | "icmp" | "icmpv6" | "mdns" | "llmnr" => {
                    cur = None;
                    if matches!(a, "icmp" | "icmpv6") {
                        break;
                    }
                    continue;
                }
                _ => {}
            }
            let Some(m) = cur.as_mut() else { continue };
            match a {
                "dns.flags" if m.flags.is_none() => m.flags = uint(&n.value).map(|v| v as u16),
                "dns.count.queries" | "dns.count.zones" => {
                    m.counts[0] = uint(&n.value).map(|v| v as u32)
                }
                "dns.count.answers" | "dns.count.prerequisites" => {
                    m.counts[1] = uint(&n.value).map(|v| v as u32)
                }
                "dns.count.auth_rr" | "dns.count.updates" => {
                    m.counts[2] = uint(&n.value).map(|v| v as u32)
                }
                "dns.count.add_rr" => m.counts[3] = uint(&n.value).map(|v| v as u32),
                "dns.qry.type" if m.qtype.is_none() => m.qtype = uint(&n.value),
                "dns.qry.class" if m.qclass.is_none() => m.qclass = uint(&n.value),
                "dns.qry.name.len" if m.name_len.is_none() => m.name_len = uint(&n.value),
                "dns.count.labels" if m.labels.is_none() => m.labels = uint(&n.value),
                "dns.response_to" => m.response_to = true,
                "dns.retransmission" => m.retransmission = true,
                "dns.time" => {
                    if let Value::Time { secs, nanos } = n.value {
                        m.rrt = Some((secs as f64 * 1000.0 + nanos as f64 / 1_000_000.0) as f32);
                    }
                }
                _ => {}
            }
        }
        if let Some(m) = cur.take() {
            msgs.push(m);
        }
        // One tap call per message, each at the packet's time.
        for m in &msgs {
            self.tree.packet_at(sttree::ns_to_msec(rel));
            self.count(m);
        }
        self.msgs = msgs;
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.tree.write(out)
    }
}
