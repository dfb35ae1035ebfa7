//! tshark 4.0's HTTP statistics trees, one tick per HTTP message the HTTP
//! tap reports:
//!
//! - `-z http,tree` ("HTTP/Packet Counter"): messages, requests by method,
//!   responses by status class and code, other HTTP packets;
//! - `-z http_req,tree` ("HTTP/Requests"): requests by `Host` and URI;
//! - `-z http_srv,tree` ("HTTP/Load Distribution"): requests by server
//!   address and host, responses by server address ("OK" for 1xx-3xx
//!   codes, "KO" otherwise).
//!
//! Each takes an optional `,FILTER`.

use std::io::{self, Write};
use std::net::{Ipv4Addr, Ipv6Addr};

use wirelab_dissect::{FieldRef, Packet, Value};
use wirelab_filter::Filter;

use crate::sttree::{self, NodeId, StatsTree};
use crate::{util, Error, Tap, Want};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `http,tree`.
    Packets,
    /// `http_req,tree`.
    Requests,
    /// `http_srv,tree`.
    Servers,
}

/// One HTTP message as the tap sees it.
#[derive(Default)]
struct Msg {
    method: Option<String>,
    uri: Option<String>,
    host: Option<String>,
    code: u64,
    desc: Option<String>,
    src: Option<String>,
    dst: Option<String>,
}

enum Nodes {
    Packets {
        packets: NodeId,
        requests: NodeId,
        responses: NodeId,
        /// broken, 1xx, 2xx, 3xx, 4xx, 5xx.
        classes: [NodeId; 6],
        other: NodeId,
    },
    Requests {
        by_host: NodeId,
    },
    Servers {
        reqs: NodeId,
        by_addr: NodeId,
        by_host: NodeId,
        resps: NodeId,
    },
}

/// An HTTP statistics tree tap.
pub(crate) struct HttpTree {
    tree: StatsTree,
    nodes: Nodes,
    filter: Option<Filter>,
    want: Vec<FieldRef>,
    clock: util::RelClock,
}

const WANT: &[&str] = &[
    "http",
    "icmp",
    "icmpv6",
    "ip.src",
    "ip.dst",
    "ipv6.src",
    "ipv6.dst",
    "http.request.method",
    "http.request.uri",
    "http.host",
    "http.response.code",
    "http.response.code.desc",
];

impl HttpTree {
    pub(crate) fn new(spec: &str) -> Result<Self, Error> {
        let (kind, prefix, title) = if spec.starts_with("http,tree") {
            (Kind::Packets, "http,tree", "HTTP/Packet Counter")
        } else if spec.starts_with("http_req,tree") {
            (Kind::Requests, "http_req,tree", "HTTP/Requests")
        } else if spec.starts_with("http_srv,tree") {
            (Kind::Servers, "http_srv,tree", "HTTP/Load Distribution")
        } else {
            return Err(Error::bad_spec(
                spec,
                "expected http,tree, http_req,tree or http_srv,tree[,FILTER]",
            ));
        };
        let rest = &spec[prefix.len()..];
        let filter = match rest.strip_prefix(',') {
            Some(f) if !f.is_empty() => Some(util::filter(spec, f)?),
            Some(_) => None,
            None if rest.is_empty() => None,
            None => return Err(Error::bad_spec(spec, format!("expected {prefix}[,FILTER]"))),
        };
        let mut want = Vec::new();
        for w in WANT {
            want.extend(
                wirelab_dissect::registry()
                    .all()
                    .iter()
                    .copied()
                    .filter(|f| f.abbrev == *w),
            );
        }
        if let Some(f) = &filter {
            want.extend_from_slice(f.fields());
        }
        let mut t = StatsTree::new(title);
        let nodes = match kind {
            Kind::Packets => {
                let packets = t.node("Total HTTP Packets", None);
                let requests = t.node("HTTP Request Packets", Some(packets));
                let responses = t.node("HTTP Response Packets", Some(packets));
                let classes = [
                    t.node("???: broken", Some(responses)),
                    t.node("1xx: Informational", Some(responses)),
                    t.node("2xx: Success", Some(responses)),
                    t.node("3xx: Redirection", Some(responses)),
                    t.node("4xx: Client Error", Some(responses)),
                    t.node("5xx: Server Error", Some(responses)),
                ];
                let other = t.node("Other HTTP Packets", Some(packets));
                Nodes::Packets {
                    packets,
                    requests,
                    responses,
                    classes,
                    other,
                }
            }
            Kind::Requests => Nodes::Requests {
                by_host: t.node("HTTP Requests by HTTP Host", None),
            },
            Kind::Servers => {
                let reqs = t.node("HTTP Requests by Server", None);
                let by_addr = t.node("HTTP Requests by Server Address", Some(reqs));
                let by_host = t.node("HTTP Requests by HTTP Host", Some(reqs));
                let resps = t.node("HTTP Responses by Server Address", None);
                Nodes::Servers {
                    reqs,
                    by_addr,
                    by_host,
                    resps,
                }
            }
        };
        Ok(HttpTree {
            tree: t,
            nodes,
            filter,
            want,
            clock: util::RelClock::default(),
        })
    }

    /// The tree's packet function for one message.
    fn count(&mut self, m: &Msg) {
        let t = &mut self.tree;
        match &self.nodes {
            Nodes::Packets {
                packets,
                requests,
                responses,
                classes,
                other,
            } => {
                t.tick(*packets);
                if m.code != 0 {
                    t.tick(*responses);
                    let i = m.code;
                    let class = if !(100..600).contains(&i) {
                        0
                    } else {
                        (i / 100) as usize
                    };
                    let grp = classes[class];
                    t.tick(grp);
                    let desc = match m.desc.as_deref() {
                        Some(d) if d != "Unknown" => d.to_string(),
                        _ => format!("Unknown ({i})"),
                    };
                    let c = t.child(grp, &format!("{i} {desc}"));
                    t.tick(c);
                } else if let Some(method) = &m.method {
                    t.tick_pivot(*requests, method);
                } else {
                    t.tick(*other);
                }
            }
            Nodes::Requests { by_host } => {
                if m.method.is_some() {
                    t.tick(*by_host);
                    if let Some(host) = &m.host {
                        let h = t.child(*by_host, host);
                        t.tick(h);
                        if let Some(uri) = &m.uri {
                            let u = t.child(h, uri);
                            t.tick(u);
                        }
                    }
                }
            }
            Nodes::Servers {
                reqs,
                by_addr,
                by_host,
                resps,
            } => {
                if m.method.is_some() {
                    let ip = m.dst.as_deref().unwrap_or("");
                    t.tick(*reqs);
                    t.tick(*by_addr);
                    t.tick(*by_host);
                    let a = t.child(*by_addr, ip);
                    t.tick(a);
                    if let Some(host) = &m.host {
                        let h = t.child(*by_host, host);
                        t.tick(h);
                        let hi = t.child(h, ip);
                        t.tick(hi);
                        let ah = t.child(a, host);
                        t.tick(ah);
                    }
                } else if m.code != 0 {
                    let ip = m.src.as_deref().unwrap_or("");
                    t.tick(*resps);
                    let a = t.child(*resps, ip);
                    t.tick(a);
                    let r = if m.code > 100 && m.code < 400 {
                        "OK"
                    } else {
                        "KO"
                    };
                    let c = t.child(a, r);
                    t.tick(c);
                }
            }
        }
    }
}

fn addr(v: &Value) -> Option<String> {
    match *v {
        Value::Ipv4(a) => Some(Ipv4Addr::from(a).to_string()),
        Value::Ipv6(a) => Some(Ipv6Addr::from(a).to_string()),
        _ => None,
    }
}

impl Tap for HttpTree {
    fn want(&self) -> Want {
        Want::Fields(self.want.clone())
    }

    fn packet(&mut self, pkt: &Packet, data: &[u8]) {
        let rel = self.clock.rel(&pkt.meta);
        if !util::accepts(&self.filter, pkt, data) {
            return;
        }
        let mut msgs: Vec<Msg> = Vec::new();
        let mut cur: Option<Msg> = None;
        // The innermost network addresses seen so far (tshark's
        // pinfo->src and pinfo->dst when HTTP runs).
        let (mut src, mut dst) = (None, None);
        for n in &pkt.nodes {
            let a = n.field.abbrev;
            match a {
                "icmp" | "icmpv6" => break,
                "ip.src" | "ipv6.src" => src = addr(&n.value),
                "ip.dst" | "ipv6.dst" => dst = addr(&n.value),
                "http" => {
                    if let Some(m) = cur.take() {
                        msgs.push(m);
                    }
                    // Wireshark's HTTP dissector shows binary data after
                    // HTTP as a continuation and returns before its tap.
                    let first = pkt.source(data, n.ds).get(n.start as usize).copied();
                    if !first.is_some_and(|b| (0x20..0x7f).contains(&b)) {
                        continue;
                    }
                    cur = Some(Msg {
                        src: src.clone(),
                        dst: dst.clone(),
                        ..Msg::default()
                    });
                }
                _ => {
                    let Some(m) = cur.as_mut() else { continue };
                    let text = || match n.value {
                        Value::Str(sp) => Some(pkt.span_str(data, sp).into_owned()),
                        _ => None,
                    };
                    match a {
                        "http.request.method" if m.method.is_none() => m.method = text(),
                        "http.request.uri" if m.uri.is_none() => m.uri = text(),
                        "http.host" if m.host.is_none() => m.host = text(),
                        "http.response.code" if m.code == 0 => {
                            if let Value::UInt(c) = n.value {
                                m.code = c;
                            }
                        }
                        "http.response.code.desc" if m.desc.is_none() => m.desc = text(),
                        _ => {}
                    }
                }
            }
        }
        if let Some(m) = cur.take() {
            msgs.push(m);
        }
        for m in &msgs {
            self.tree.packet_at(sttree::ns_to_msec(rel));
            self.count(m);
        }
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.tree.write(out)
    }
}
