//! The facts a capture report tells, extracted from dissected packets:
//! DHCP transactions, DNS queries and their answers, TCP connections
//! (handshake, transfer, analysis findings, teardown), HTTP exchanges,
//! reliable-UDP application signals, expert findings, the phases of the
//! capture, a ladder of arrows per phase and an I/O series.
//!
//! Every field is looked up by its name in the registry, so a protocol
//! whose dissector is missing simply contributes nothing (the `rudp.*` and
//! `rudpapp.*` fields light up when that dissector exists).

use std::collections::{BTreeMap, HashMap, VecDeque};

use wirelab_dissect::packet::Severity;
use wirelab_dissect::{registry, FieldRef, Node, Packet, Value};

use crate::flow::{rel_time, tcp_flags_str, uint};

/// Arrows kept at the start of each conversation for its ladder.
const HEAD_ARROWS: usize = 12;
/// Arrows kept at the end of each conversation (its teardown).
const TAIL_ARROWS: usize = 4;
/// Frame numbers listed for one kind of TCP finding.
const MAX_LISTED: usize = 20;
/// Expert findings listed one by one (the rest are counted).
const MAX_EXPERT: usize = 200;

/// One arrow of a ladder diagram.
#[derive(Clone, Debug)]
pub struct Arrow {
    /// Frame number.
    pub frame: u64,
    /// Seconds since the first frame.
    pub time: f64,
    /// Source host.
    pub src: String,
    /// Destination host.
    pub dst: String,
    /// Source port (0: none).
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
    /// A short label: `SYN`, `DHCP Discover`, `GET /x`, `200 OK`.
    pub label: String,
    /// The frame has an expert warning or error.
    pub alert: bool,
}

/// The packets of one conversation, for a ladder diagram.
#[derive(Clone, Debug, Default)]
pub struct Conversation {
    /// What it is (`TCP 10.0.0.1:40000 ↔ 10.0.0.2:80`).
    pub name: String,
    /// Phase kind it belongs to.
    pub kind: String,
    /// First frame.
    pub first_frame: u64,
    /// Last frame.
    pub last_frame: u64,
    /// Packets in it.
    pub packets: u64,
    /// The first arrows.
    pub head: Vec<Arrow>,
    /// The last arrows (not in `head`).
    pub tail: Vec<Arrow>,
}

/// One DHCP message.
#[derive(Clone, Debug, Default)]
pub struct DhcpMessage {
    /// Frame number.
    pub frame: u64,
    /// Seconds since the first frame.
    pub time: f64,
    /// Message type (`Discover`, `Offer`…; `BOOTP` without option 53).
    pub kind: String,
    /// IP source and destination.
    pub src: String,
    /// IP destination.
    pub dst: String,
    /// Client hardware address.
    pub client_mac: String,
    /// `ciaddr`.
    pub ciaddr: String,
    /// `yiaddr`: the address offered or assigned.
    pub yiaddr: String,
    /// Option 54.
    pub server_id: String,
    /// Option 50.
    pub requested_ip: String,
    /// Option 1.
    pub subnet_mask: String,
    /// Option 3.
    pub routers: Vec<String>,
    /// Option 6.
    pub dns_servers: Vec<String>,
    /// Option 51, seconds.
    pub lease_time: Option<u64>,
    /// Option 56.
    pub message: String,
    /// Every option as the detail tree shows it.
    pub options: Vec<String>,
}

/// The messages of one DHCP transaction id.
#[derive(Clone, Debug, Default)]
pub struct DhcpTransaction {
    /// Transaction id.
    pub xid: u32,
    /// Messages in capture order.
    pub messages: Vec<DhcpMessage>,
}

/// A DNS query and its response.
#[derive(Clone, Debug, Default)]
pub struct DnsQuery {
    /// Frame of the query.
    pub query_frame: u64,
    /// Frame of the response.
    pub response_frame: Option<u64>,
    /// Transaction id.
    pub id: u16,
    /// Client address.
    pub client: String,
    /// Server address.
    pub server: String,
    /// Name asked.
    pub name: String,
    /// Type asked (`A`, `AAAA`).
    pub qtype: String,
    /// Answers (`A 10.20.30.40`).
    pub answers: Vec<String>,
    /// Response code name.
    pub rcode: String,
    /// Seconds between query and response.
    pub time: Option<f64>,
    /// Query sent at (seconds since the first frame).
    pub sent: f64,
}

/// What TCP analysis found on a connection.
#[derive(Clone, Debug, Default)]
pub struct TcpFindings {
    /// Retransmissions (all kinds), frames.
    pub retransmissions: Vec<u64>,
    /// Duplicate ACKs.
    pub dup_acks: Vec<u64>,
    /// Zero windows.
    pub zero_windows: Vec<u64>,
    /// Keep-alives.
    pub keep_alives: Vec<u64>,
    /// Out-of-order segments.
    pub out_of_order: Vec<u64>,
    /// Lost segments (previous segment not captured).
    pub lost_segments: Vec<u64>,
    /// Window full.
    pub window_full: Vec<u64>,
    /// Total counts (the lists stop at a few frames).
    pub counts: [u64; 7],
}

impl TcpFindings {
    /// Names of the kinds, in `counts` order.
    pub const NAMES: [&'static str; 7] = [
        "retransmissions",
        "duplicate ACKs",
        "zero windows",
        "keep-alives",
        "out-of-order segments",
        "previous segments not captured",
        "window full",
    ];

    fn lists(&mut self) -> [&mut Vec<u64>; 7] {
        [
            &mut self.retransmissions,
            &mut self.dup_acks,
            &mut self.zero_windows,
            &mut self.keep_alives,
            &mut self.out_of_order,
            &mut self.lost_segments,
            &mut self.window_full,
        ]
    }

    /// The frames of kind `i` (as listed).
    pub fn list(&self, i: usize) -> &[u64] {
        match i {
            0 => &self.retransmissions,
            1 => &self.dup_acks,
            2 => &self.zero_windows,
            3 => &self.keep_alives,
            4 => &self.out_of_order,
            5 => &self.lost_segments,
            _ => &self.window_full,
        }
    }
}

/// One TCP connection (a `tcp.stream`).
#[derive(Clone, Debug, Default)]
pub struct TcpConnection {
    /// `tcp.stream`.
    pub stream: u64,
    /// Client (who sent the SYN, else the first packet): `addr:port`.
    pub client: String,
    /// Server.
    pub server: String,
    /// Server port.
    pub server_port: u16,
    /// Application protocol seen on it (`HTTP`), if any.
    pub app: String,
    /// SYN frame.
    pub syn: Option<u64>,
    /// SYN/ACK frame.
    pub syn_ack: Option<u64>,
    /// The ACK that completes the handshake.
    pub ack: Option<u64>,
    /// First and last frame.
    pub first_frame: u64,
    /// Last frame.
    pub last_frame: u64,
    /// First and last time.
    pub start: f64,
    /// Last time.
    pub end: f64,
    /// Payload bytes client → server.
    pub bytes_c2s: u64,
    /// Payload bytes server → client.
    pub bytes_s2c: u64,
    /// Segments with payload client → server.
    pub segs_c2s: u64,
    /// Segments with payload server → client.
    pub segs_s2c: u64,
    /// Packets in all.
    pub packets: u64,
    /// First and last frame carrying payload.
    pub data_first: Option<(u64, f64)>,
    /// Last frame carrying payload.
    pub data_last: Option<(u64, f64)>,
    /// FIN frames, with who sent it (`true`: client).
    pub fins: Vec<(u64, bool)>,
    /// RST frames, with who sent it.
    pub rsts: Vec<(u64, bool)>,
    /// The last ACK after both FINs.
    pub final_ack: Option<u64>,
    /// Analysis findings.
    pub findings: TcpFindings,
    /// Initial RTT (`tcp.analysis.initial_rtt`), seconds.
    pub initial_rtt: Option<f64>,
    client_key: (String, u16),
}

impl TcpConnection {
    /// Seconds from the first data byte to the last.
    pub fn transfer_time(&self) -> f64 {
        match (self.data_first, self.data_last) {
            (Some((_, a)), Some((_, b))) if b > a => b - a,
            _ => 0.0,
        }
    }

    /// Payload bits per second over the transfer time (0 when instant).
    pub fn throughput_bps(&self) -> f64 {
        let t = self.transfer_time();
        if t > 0.0 {
            (self.bytes_c2s + self.bytes_s2c) as f64 * 8.0 / t
        } else {
            0.0
        }
    }
}

/// An HTTP request and its response.
#[derive(Clone, Debug, Default)]
pub struct HttpExchange {
    /// `tcp.stream`.
    pub stream: u64,
    /// Request frame.
    pub request_frame: u64,
    /// Method.
    pub method: String,
    /// URI.
    pub uri: String,
    /// Host header.
    pub host: String,
    /// Response frame.
    pub response_frame: Option<u64>,
    /// Status code.
    pub status: Option<u64>,
    /// Reason phrase.
    pub phrase: String,
    /// Content-Length.
    pub content_length: Option<u64>,
    /// Content-Type.
    pub content_type: String,
    /// Bytes of the reassembled response (`tcp.reassembled.length`; the
    /// segment's payload when it fits in one).
    pub response_bytes: Option<u64>,
    /// Frames the response was carried in.
    pub response_frames: Vec<u64>,
    /// Seconds from request to response (`http.time`).
    pub time: Option<f64>,
    /// Request sent at.
    pub sent: f64,
}

/// One reliable-UDP packet with its application message, if any.
#[derive(Clone, Debug, Default)]
pub struct RudpSignal {
    /// Frame number.
    pub frame: u64,
    /// Seconds since the first frame.
    pub time: f64,
    /// Source `addr:port`.
    pub src: String,
    /// Destination.
    pub dst: String,
    /// The application command (`NEW`, `ECHO`, `ECHOREPLY`…) if any.
    pub command: String,
    /// The application text or the Info column.
    pub text: String,
    /// The RUDP analysis marks it as a retransmission.
    pub retransmission: bool,
    /// For a reply: the request frame and the round trip, seconds.
    pub reply_to: Option<(u64, f64)>,
}

/// An expert finding.
#[derive(Clone, Debug)]
pub struct ExpertEntry {
    /// Frame.
    pub frame: u64,
    /// Severity.
    pub severity: Severity,
    /// Group name.
    pub group: &'static str,
    /// Protocol.
    pub protocol: &'static str,
    /// Message.
    pub message: String,
}

/// A phase of the capture.
#[derive(Clone, Debug, Default)]
pub struct Phase {
    /// Name (`DHCP`, `DNS`, a packet comment…).
    pub name: String,
    /// Where the name comes from: `comment` or `protocol`.
    pub source: &'static str,
    /// First frame.
    pub first_frame: u64,
    /// Last frame.
    pub last_frame: u64,
    /// Start, seconds since the first frame.
    pub start: f64,
    /// End.
    pub end: f64,
    /// Packets.
    pub packets: u64,
    /// Bytes on the wire.
    pub bytes: u64,
    /// Indexes into [`Report::conversations`] shown in its ladder.
    pub conversations: Vec<usize>,
}

impl Phase {
    /// Duration in seconds.
    pub fn duration(&self) -> f64 {
        (self.end - self.start).max(0.0)
    }

    /// Bits per second on the wire over the phase (0 when instant).
    pub fn throughput_bps(&self) -> f64 {
        let d = self.duration();
        if d > 0.0 {
            self.bytes as f64 * 8.0 / d
        } else {
            0.0
        }
    }
}

/// Packets and bytes per interval.
#[derive(Clone, Debug, Default)]
pub struct IoSeries {
    /// Interval length, seconds.
    pub interval: f64,
    /// Packets per interval.
    pub packets: Vec<u64>,
    /// Bytes per interval.
    pub bytes: Vec<u64>,
}

/// A pcapng packet comment.
#[derive(Clone, Debug)]
pub struct Comment {
    /// Frame.
    pub frame: u64,
    /// Seconds since the first frame.
    pub time: f64,
    /// Text.
    pub text: String,
}

/// Everything a report says about a capture.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The capture's name.
    pub title: String,
    /// Frames.
    pub packets: u64,
    /// Bytes on the wire.
    pub bytes: u64,
    /// Seconds from the first frame to the last.
    pub duration: f64,
    /// Absolute time of the first frame (seconds since the epoch).
    pub first_epoch: Option<f64>,
    /// Packets per protocol column.
    pub protocols: Vec<(String, u64)>,
    /// Packet comments.
    pub comments: Vec<Comment>,
    /// DHCP transactions, by first appearance.
    pub dhcp: Vec<DhcpTransaction>,
    /// DNS queries.
    pub dns: Vec<DnsQuery>,
    /// DNS responses whose query was not captured.
    pub dns_unsolicited: Vec<u64>,
    /// TCP connections.
    pub tcp: Vec<TcpConnection>,
    /// HTTP exchanges.
    pub http: Vec<HttpExchange>,
    /// Reliable-UDP packets.
    pub rudp: Vec<RudpSignal>,
    /// Reliable-UDP retransmissions counted.
    pub rudp_retransmissions: u64,
    /// Expert findings of severity warning and above (first ones).
    pub expert: Vec<ExpertEntry>,
    /// Expert items per severity (comment, chat, note, warning, error).
    pub expert_counts: [u64; 5],
    /// Malformed frames.
    pub malformed: Vec<u64>,
    /// Conversations, for ladders.
    pub conversations: Vec<Conversation>,
    /// Phases in time order.
    pub phases: Vec<Phase>,
    /// Packets and bytes over time.
    pub io: IoSeries,
}

struct F {
    udp: Option<FieldRef>,
    tcp: Option<FieldRef>,
    udp_sport: Option<FieldRef>,
    udp_dport: Option<FieldRef>,
    tcp_sport: Option<FieldRef>,
    tcp_dport: Option<FieldRef>,
    tcp_stream: Option<FieldRef>,
    tcp_flags: Option<FieldRef>,
    tcp_len: Option<FieldRef>,
    tcp_reasm_len: Option<FieldRef>,
    tcp_segment: Option<FieldRef>,
    tcp_rtt: Option<FieldRef>,
    tcp_findings: [Vec<FieldRef>; 7],
    time_rel: Option<FieldRef>,
    malformed: Option<FieldRef>,
    dhcp: Option<FieldRef>,
    dhcp_id: Option<FieldRef>,
    dhcp_type: Option<FieldRef>,
    dhcp_msg: Option<FieldRef>,
    dhcp_mac: Option<FieldRef>,
    dhcp_ciaddr: Option<FieldRef>,
    dhcp_yiaddr: Option<FieldRef>,
    dhcp_server_id: Option<FieldRef>,
    dhcp_requested: Option<FieldRef>,
    dhcp_mask: Option<FieldRef>,
    dhcp_router: Option<FieldRef>,
    dhcp_dns: Option<FieldRef>,
    dhcp_lease: Option<FieldRef>,
    dhcp_message: Option<FieldRef>,
    dhcp_option: Option<FieldRef>,
    dns: Option<FieldRef>,
    dns_id: Option<FieldRef>,
    dns_response: Option<FieldRef>,
    dns_qname: Option<FieldRef>,
    dns_qtype: Option<FieldRef>,
    dns_rcode: Option<FieldRef>,
    dns_answers: Option<FieldRef>,
    dns_response_to: Option<FieldRef>,
    dns_rdata: Vec<(&'static str, FieldRef)>,
    http: Option<FieldRef>,
    http_method: Option<FieldRef>,
    http_uri: Option<FieldRef>,
    http_host: Option<FieldRef>,
    http_code: Option<FieldRef>,
    http_phrase: Option<FieldRef>,
    http_clen: Option<FieldRef>,
    http_ctype: Option<FieldRef>,
    http_request_in: Option<FieldRef>,
    http_time: Option<FieldRef>,
}

impl F {
    fn new() -> Self {
        let r = registry();
        let g = |n: &str| r.get(n);
        let many = |names: &[&str]| names.iter().filter_map(|n| r.get(n)).collect::<Vec<_>>();
        let dns_rdata = [
            ("A", "dns.a"),
            ("AAAA", "dns.aaaa"),
            ("CNAME", "dns.cname"),
            ("NS", "dns.ns"),
            ("PTR", "dns.ptr.domain_name"),
            ("MX", "dns.mx.mail_exchange"),
            ("TXT", "dns.txt"),
            ("SRV", "dns.srv.target"),
            ("SOA", "dns.soa.mname"),
        ]
        .iter()
        .filter_map(|(t, n)| r.get(n).map(|f| (*t, f)))
        .collect();
        F {
            udp: g("udp"),
            tcp: g("tcp"),
            udp_sport: g("udp.srcport"),
            udp_dport: g("udp.dstport"),
            tcp_sport: g("tcp.srcport"),
            tcp_dport: g("tcp.dstport"),
            tcp_stream: g("tcp.stream"),
            tcp_flags: g("tcp.flags"),
            tcp_len: g("tcp.len"),
            tcp_reasm_len: g("tcp.reassembled.length"),
            tcp_segment: g("tcp.segment"),
            tcp_rtt: g("tcp.analysis.initial_rtt"),
            tcp_findings: [
                many(&[
                    "tcp.analysis.retransmission",
                    "tcp.analysis.fast_retransmission",
                    "tcp.analysis.spurious_retransmission",
                ]),
                many(&["tcp.analysis.duplicate_ack"]),
                many(&["tcp.analysis.zero_window"]),
                many(&["tcp.analysis.keep_alive"]),
                many(&["tcp.analysis.out_of_order"]),
                many(&["tcp.analysis.lost_segment"]),
                many(&["tcp.analysis.window_full"]),
            ],
            time_rel: g("frame.time_relative"),
            malformed: g("_ws.malformed"),
            dhcp: g("dhcp"),
            dhcp_id: g("dhcp.id"),
            dhcp_type: g("dhcp.type"),
            dhcp_msg: g("dhcp.option.dhcp"),
            dhcp_mac: g("dhcp.hw.mac_addr"),
            dhcp_ciaddr: g("dhcp.ip.client"),
            dhcp_yiaddr: g("dhcp.ip.your"),
            dhcp_server_id: g("dhcp.option.dhcp_server_id"),
            dhcp_requested: g("dhcp.option.requested_ip_address"),
            dhcp_mask: g("dhcp.option.subnet_mask"),
            dhcp_router: g("dhcp.option.router"),
            dhcp_dns: g("dhcp.option.domain_name_server"),
            dhcp_lease: g("dhcp.option.ip_address_lease_time"),
            dhcp_message: g("dhcp.option.message"),
            dhcp_option: g("dhcp.option.type"),
            dns: g("dns"),
            dns_id: g("dns.id"),
            dns_response: g("dns.flags.response"),
            dns_qname: g("dns.qry.name"),
            dns_qtype: g("dns.qry.type"),
            dns_rcode: g("dns.flags.rcode"),
            dns_answers: g("dns.count.answers"),
            dns_response_to: g("dns.response_to"),
            dns_rdata,
            http: g("http"),
            http_method: g("http.request.method"),
            http_uri: g("http.request.uri"),
            http_host: g("http.host"),
            http_code: g("http.response.code"),
            http_phrase: g("http.response.phrase"),
            http_clen: g("http.content_length"),
            http_ctype: g("http.content_type"),
            http_request_in: g("http.request_in"),
            http_time: g("http.time"),
        }
    }
}

fn has(pkt: &Packet, f: Option<FieldRef>) -> bool {
    f.is_some_and(|f| pkt.has(f))
}

fn text_of(pkt: &Packet, data: &[u8], n: &Node) -> String {
    let mut s = String::new();
    pkt.fmt_value(data, n, &mut s);
    s
}

fn string(pkt: &Packet, data: &[u8], f: Option<FieldRef>) -> Option<String> {
    let f = f?;
    pkt.find(f).next().map(|n| text_of(pkt, data, n))
}

fn strings(pkt: &Packet, data: &[u8], f: Option<FieldRef>) -> Vec<String> {
    match f {
        Some(f) => pkt.find(f).map(|n| text_of(pkt, data, n)).collect(),
        None => Vec::new(),
    }
}

fn value_name(pkt: &Packet, f: Option<FieldRef>) -> Option<String> {
    let v = uint(pkt, f)?;
    let f = f?;
    Some(match f.value_name(v) {
        Some(n) => n.to_string(),
        None => v.to_string(),
    })
}

fn time_of(pkt: &Packet, f: Option<FieldRef>) -> Option<f64> {
    pkt.find(f?).find_map(|n| match n.value {
        Value::Time { secs, nanos } => Some(secs as f64 + nanos as f64 / 1e9),
        _ => None,
    })
}

/// How a packet is classified into a phase when there are no comments.
fn kind_of(pkt: &Packet, f: &F, sport: u16, dport: u16) -> String {
    let p = &pkt.protocols;
    let port = |x: u16| sport == x || dport == x;
    if has(pkt, f.dhcp) || p.contains(":dhcp") || p.contains(":bootp") {
        "DHCP".into()
    } else if has(pkt, f.dns) || p.contains(":dns") {
        "DNS".into()
    } else if p.contains(":rudp") || (has(pkt, f.udp) && port(49152)) {
        "Application (RUDP)".into()
    } else if has(pkt, f.tcp) && port(49153) {
        "Catalog".into()
    } else if has(pkt, f.http) || (has(pkt, f.tcp) && (port(80) || port(8080))) {
        "HTTP".into()
    } else if has(pkt, f.tcp) && port(5001) {
        "Echo".into()
    } else if p.contains(":arp") {
        "ARP".into()
    } else if p.contains(":icmp") {
        "ICMP".into()
    } else if has(pkt, f.tcp) {
        format!("TCP port {}", sport.min(dport))
    } else if has(pkt, f.udp) {
        format!("UDP port {}", sport.min(dport))
    } else {
        let proto = pkt.cols.protocol.clone();
        if proto.is_empty() {
            "Other".into()
        } else {
            proto
        }
    }
}

/// Short label for a ladder arrow.
fn short_label(pkt: &Packet, f: &F, data_label: Option<&str>) -> String {
    let info = pkt.cols.info.trim();
    let proto = pkt.cols.protocol.as_str();
    if proto.starts_with("DHCP") || proto == "BOOTP" {
        let head = info.split(" - ").next().unwrap_or(info);
        return head.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    if proto.starts_with("HTTP") {
        if let Some(rest) = info
            .strip_prefix("HTTP/1.1 ")
            .or(info.strip_prefix("HTTP/1.0 "))
        {
            return rest.split("  ").next().unwrap_or(rest).trim().to_string();
        }
        let mut it = info.split_whitespace();
        if let (Some(m), Some(u)) = (it.next(), it.next()) {
            return format!("{m} {u}");
        }
    }
    if has(pkt, f.tcp) && !proto.starts_with("HTTP") {
        let flags = uint(pkt, f.tcp_flags).unwrap_or(0);
        let mut s = tcp_flags_str(flags).replace(", ", "/");
        if let Some(len) = uint(pkt, f.tcp_len).filter(|l| *l > 0) {
            s.push_str(&format!(" len={len}"));
        }
        if let Some(d) = data_label {
            s = format!("{d} {s}");
        }
        return s;
    }
    let mut s: String = info.chars().take(48).collect();
    if info.chars().count() > 48 {
        s.push('…');
    }
    s
}

#[derive(Default)]
struct ConvAcc {
    conv: Conversation,
    tail: VecDeque<Arrow>,
}

/// Builds a [`Report`] packet by packet.
pub struct Builder {
    f: F,
    r: Report,
    first_epoch: Option<f64>,
    last_time: f64,
    frames: Vec<(f64, u32, u32)>, // time, wire length, phase-kind index
    kinds: Vec<String>,
    kind_index: HashMap<String, u32>,
    protocols: HashMap<String, u64>,
    dhcp_index: HashMap<u32, usize>,
    dns_pending: HashMap<(u16, String, String), usize>,
    dns_by_frame: HashMap<u64, usize>,
    tcp_index: HashMap<u64, usize>,
    http_by_frame: HashMap<u64, usize>,
    http_pending: HashMap<u64, VecDeque<usize>>,
    convs: Vec<ConvAcc>,
    conv_index: HashMap<String, usize>,
    rudp_pending: HashMap<(String, String), (u64, f64)>,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

fn endpoint(addr: &str, port: u16) -> String {
    if addr.contains(':') {
        format!("[{addr}]:{port}")
    } else {
        format!("{addr}:{port}")
    }
}

impl Builder {
    /// A builder for a new capture.
    pub fn new() -> Self {
        Builder {
            f: F::new(),
            r: Report::default(),
            first_epoch: None,
            last_time: 0.0,
            frames: Vec::new(),
            kinds: Vec::new(),
            kind_index: HashMap::new(),
            protocols: HashMap::new(),
            dhcp_index: HashMap::new(),
            dns_pending: HashMap::new(),
            dns_by_frame: HashMap::new(),
            tcp_index: HashMap::new(),
            http_by_frame: HashMap::new(),
            http_pending: HashMap::new(),
            convs: Vec::new(),
            conv_index: HashMap::new(),
            rudp_pending: HashMap::new(),
        }
    }

    /// Takes one dissected packet (with the whole tree and labels) and the
    /// comments its record carries.
    pub fn packet(&mut self, pkt: &Packet, data: &[u8], comments: &[String]) {
        let f = &self.f;
        let frame = pkt.meta.number;
        let (time, _) = rel_time(pkt, f.time_rel);
        if self.first_epoch.is_none() && !pkt.meta.no_ts {
            self.first_epoch = Some(pkt.meta.ts_secs as f64 + pkt.meta.ts_nanos as f64 / 1e9);
        }
        self.last_time = self.last_time.max(time);
        self.r.packets += 1;
        self.r.bytes += pkt.meta.orig_len as u64;
        *self.protocols.entry(pkt.cols.protocol.clone()).or_default() += 1;
        for c in comments {
            self.r.comments.push(Comment {
                frame,
                time,
                text: c.clone(),
            });
        }
        // Expert findings and malformed frames.
        let mut alert = false;
        for e in &pkt.expert {
            let i = match e.severity {
                Severity::Comment => 0,
                Severity::Chat => 1,
                Severity::Note => 2,
                Severity::Warning => 3,
                Severity::Error => 4,
            };
            self.r.expert_counts[i] += 1;
            if e.severity >= Severity::Warning {
                alert = true;
                if self.r.expert.len() < MAX_EXPERT {
                    self.r.expert.push(ExpertEntry {
                        frame,
                        severity: e.severity,
                        group: e.group.name(),
                        protocol: e.protocol,
                        message: pkt.span_str(data, e.msg).into_owned(),
                    });
                }
            }
        }
        if has(pkt, f.malformed) {
            self.r.malformed.push(frame);
        }
        let is_tcp = has(pkt, f.tcp);
        let (sport, dport) = if is_tcp {
            (uint(pkt, f.tcp_sport), uint(pkt, f.tcp_dport))
        } else {
            (uint(pkt, f.udp_sport), uint(pkt, f.udp_dport))
        };
        let (sport, dport) = (sport.unwrap_or(0) as u16, dport.unwrap_or(0) as u16);
        let src = pkt.cols.src().to_string();
        let dst = pkt.cols.dst().to_string();
        let mut kind = kind_of(pkt, f, sport, dport);
        let stream = if is_tcp {
            uint(pkt, f.tcp_stream)
        } else {
            None
        };
        // A TCP connection keeps the kind of its first packet (a SYN to
        // port 80 is HTTP before any HTTP is seen).
        if let Some(s) = stream {
            if let Some(&ci) = self.conv_index.get(&format!("tcp {s}")) {
                kind = self.convs[ci].conv.kind.clone();
            }
        }
        let ki = match self.kind_index.get(&kind) {
            Some(&k) => k,
            None => {
                self.kinds.push(kind.clone());
                let k = (self.kinds.len() - 1) as u32;
                self.kind_index.insert(kind.clone(), k);
                k
            }
        };
        self.frames.push((time, pkt.meta.orig_len, ki));

        let (is_dhcp, is_dns) = (has(pkt, f.dhcp), has(pkt, f.dns));
        let mut dhcp_xid = None;
        if is_dhcp {
            dhcp_xid = self.dhcp(pkt, data, time, &src, &dst);
        }
        if is_dns {
            self.dns(pkt, data, time, &src, &dst);
        }
        if let Some(s) = stream {
            self.tcp(pkt, s, time, &src, &dst, sport, dport);
        }
        let mut data_label = None;
        if has(pkt, self.f.http) {
            data_label = self.http(pkt, data, time, stream.unwrap_or(0));
        }
        if pkt
            .protocols
            .split(':')
            .any(|p| p == "rudp" || p == "rudpapp")
        {
            self.rudp(pkt, data, time, &src, &dst, sport, dport);
        }
        // The ladder.
        let key = if let Some(x) = dhcp_xid {
            format!("dhcp {x:08x}")
        } else if let Some(s) = stream {
            format!("tcp {s}")
        } else {
            let (a, b) = if (src.as_str(), sport) <= (dst.as_str(), dport) {
                (endpoint(&src, sport), endpoint(&dst, dport))
            } else {
                (endpoint(&dst, dport), endpoint(&src, sport))
            };
            format!("{} {a} {b}", pkt.cols.protocol)
        };
        let arrow = Arrow {
            frame,
            time,
            src: src.clone(),
            dst: dst.clone(),
            sport,
            dport,
            label: short_label(pkt, &self.f, data_label.as_deref()),
            alert,
        };
        let ci = match self.conv_index.get(&key) {
            Some(&i) => i,
            None => {
                let name = if let Some(x) = dhcp_xid {
                    format!("DHCP transaction 0x{x:08x}")
                } else if let Some(s) = stream {
                    format!(
                        "TCP stream {s}: {} ↔ {}",
                        endpoint(&src, sport),
                        endpoint(&dst, dport)
                    )
                } else if sport != 0 || dport != 0 {
                    format!(
                        "{} {} ↔ {}",
                        pkt.cols.protocol,
                        endpoint(&src, sport),
                        endpoint(&dst, dport)
                    )
                } else {
                    format!("{} {src} ↔ {dst}", pkt.cols.protocol)
                };
                self.convs.push(ConvAcc {
                    conv: Conversation {
                        name,
                        kind: kind.clone(),
                        first_frame: frame,
                        ..Default::default()
                    },
                    tail: VecDeque::new(),
                });
                self.conv_index.insert(key, self.convs.len() - 1);
                self.convs.len() - 1
            }
        };
        let c = &mut self.convs[ci];
        c.conv.packets += 1;
        c.conv.last_frame = frame;
        if c.conv.head.len() < HEAD_ARROWS {
            c.conv.head.push(arrow);
        } else {
            if c.tail.len() == TAIL_ARROWS {
                c.tail.pop_front();
            }
            c.tail.push_back(arrow);
        }
    }

    fn dhcp(&mut self, pkt: &Packet, data: &[u8], time: f64, src: &str, dst: &str) -> Option<u32> {
        let f = &self.f;
        let xid = uint(pkt, f.dhcp_id)? as u32;
        let kind = value_name(pkt, f.dhcp_msg).unwrap_or_else(|| match uint(pkt, f.dhcp_type) {
            Some(1) => "BOOTP Request".into(),
            Some(2) => "BOOTP Reply".into(),
            _ => "BOOTP".into(),
        });
        let options = match f.dhcp_option {
            Some(o) => pkt
                .nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| std::ptr::eq(n.field, o))
                .map(|(id, n)| {
                    let mut s = String::new();
                    pkt.label_into(n, data, &mut s);
                    // The option's value lines, without its length.
                    let id = id as u32;
                    let mut vals = Vec::new();
                    for c in pkt.children(id) {
                        let Some(cn) = pkt.nodes.get(c as usize) else {
                            continue;
                        };
                        if matches!(cn.field.abbrev, "dhcp.option.length" | "dhcp.option.value")
                            || cn.flags & wirelab_dissect::packet::HIDDEN != 0
                        {
                            continue;
                        }
                        let mut l = String::new();
                        pkt.label_into(cn, data, &mut l);
                        vals.push(l);
                    }
                    if !vals.is_empty() {
                        s.push_str(": ");
                        s.push_str(&vals.join("; "));
                    }
                    s
                })
                .collect(),
            None => Vec::new(),
        };
        let msg = DhcpMessage {
            frame: pkt.meta.number,
            time,
            kind,
            src: src.to_string(),
            dst: dst.to_string(),
            client_mac: string(pkt, data, f.dhcp_mac).unwrap_or_default(),
            ciaddr: string(pkt, data, f.dhcp_ciaddr).unwrap_or_default(),
            yiaddr: string(pkt, data, f.dhcp_yiaddr).unwrap_or_default(),
            server_id: string(pkt, data, f.dhcp_server_id).unwrap_or_default(),
            requested_ip: string(pkt, data, f.dhcp_requested).unwrap_or_default(),
            subnet_mask: string(pkt, data, f.dhcp_mask).unwrap_or_default(),
            routers: strings(pkt, data, f.dhcp_router),
            dns_servers: strings(pkt, data, f.dhcp_dns),
            lease_time: uint(pkt, f.dhcp_lease),
            message: string(pkt, data, f.dhcp_message).unwrap_or_default(),
            options,
        };
        let i = *self.dhcp_index.entry(xid).or_insert_with(|| {
            self.r.dhcp.push(DhcpTransaction {
                xid,
                messages: Vec::new(),
            });
            self.r.dhcp.len() - 1
        });
        self.r.dhcp[i].messages.push(msg);
        Some(xid)
    }

    fn dns(&mut self, pkt: &Packet, data: &[u8], time: f64, src: &str, dst: &str) {
        let f = &self.f;
        let Some(id) = uint(pkt, f.dns_id) else {
            return;
        };
        let id = id as u16;
        let frame = pkt.meta.number;
        let response = uint(pkt, f.dns_response).unwrap_or(0) != 0;
        if !response {
            let q = DnsQuery {
                query_frame: frame,
                id,
                client: src.to_string(),
                server: dst.to_string(),
                name: string(pkt, data, f.dns_qname).unwrap_or_default(),
                qtype: value_name(pkt, f.dns_qtype).unwrap_or_default(),
                sent: time,
                ..Default::default()
            };
            self.r.dns.push(q);
            let i = self.r.dns.len() - 1;
            self.dns_pending
                .insert((id, src.to_string(), dst.to_string()), i);
            self.dns_by_frame.insert(frame, i);
            return;
        }
        // The dissector's own matching first, then id and addresses.
        let i = uint(pkt, f.dns_response_to)
            .and_then(|q| self.dns_by_frame.get(&q).copied())
            .or_else(|| {
                self.dns_pending
                    .remove(&(id, dst.to_string(), src.to_string()))
            });
        let Some(i) = i else {
            self.r.dns_unsolicited.push(frame);
            return;
        };
        let q = &mut self.r.dns[i];
        if q.response_frame.is_some() {
            return;
        }
        q.response_frame = Some(frame);
        q.time = Some(time - q.sent);
        q.rcode = value_name(pkt, f.dns_rcode).unwrap_or_default();
        let n = uint(pkt, f.dns_answers).unwrap_or(0) as usize;
        // Record data in tree order; the first `n` are the answers.
        let mut rdata: Vec<(u32, String)> = Vec::new();
        for (t, fr) in &f.dns_rdata {
            for (idx, node) in pkt.nodes.iter().enumerate() {
                if std::ptr::eq(node.field, *fr) {
                    rdata.push((idx as u32, format!("{t} {}", text_of(pkt, data, node))));
                }
            }
        }
        rdata.sort_by_key(|(i, _)| *i);
        q.answers = rdata.into_iter().take(n).map(|(_, s)| s).collect();
        self.dns_pending
            .remove(&(id, dst.to_string(), src.to_string()));
    }

    #[allow(clippy::too_many_arguments)]
    fn tcp(
        &mut self,
        pkt: &Packet,
        stream: u64,
        time: f64,
        src: &str,
        dst: &str,
        sport: u16,
        dport: u16,
    ) {
        let f = &self.f;
        let frame = pkt.meta.number;
        let flags = uint(pkt, f.tcp_flags).unwrap_or(0);
        let (syn, ack, fin, rst) = (
            flags & 0x02 != 0,
            flags & 0x10 != 0,
            flags & 0x01 != 0,
            flags & 0x04 != 0,
        );
        let i = *self.tcp_index.entry(stream).or_insert_with(|| {
            // The client is the SYN's sender; a SYN/ACK's receiver; else
            // the first sender.
            let client_is_src = !(syn && ack);
            let (c, cp, s, sp) = if client_is_src {
                (src, sport, dst, dport)
            } else {
                (dst, dport, src, sport)
            };
            self.r.tcp.push(TcpConnection {
                stream,
                client: endpoint(c, cp),
                server: endpoint(s, sp),
                server_port: sp,
                first_frame: frame,
                start: time,
                client_key: (c.to_string(), cp),
                ..Default::default()
            });
            self.r.tcp.len() - 1
        });
        let c = &mut self.r.tcp[i];
        let from_client = c.client_key.0 == src && c.client_key.1 == sport;
        c.packets += 1;
        c.last_frame = frame;
        c.end = time;
        if syn && !ack && c.syn.is_none() {
            c.syn = Some(frame);
        } else if syn && ack && c.syn_ack.is_none() {
            c.syn_ack = Some(frame);
        } else if !syn && ack && from_client && c.syn_ack.is_some() && c.ack.is_none() {
            c.ack = Some(frame);
        }
        let len = uint(pkt, f.tcp_len).unwrap_or(0);
        if len > 0 {
            if from_client {
                c.bytes_c2s += len;
                c.segs_c2s += 1;
            } else {
                c.bytes_s2c += len;
                c.segs_s2c += 1;
            }
            if c.data_first.is_none() {
                c.data_first = Some((frame, time));
            }
            c.data_last = Some((frame, time));
        }
        if fin {
            c.fins.push((frame, from_client));
        }
        if rst {
            c.rsts.push((frame, from_client));
        }
        if !fin && !rst && ack && len == 0 {
            let senders: Vec<bool> = c.fins.iter().map(|x| x.1).collect();
            if senders.contains(&true) && senders.contains(&false) && c.final_ack.is_none() {
                c.final_ack = Some(frame);
            }
        }
        if c.initial_rtt.is_none() {
            c.initial_rtt = time_of(pkt, f.tcp_rtt);
        }
        for (k, fields) in f.tcp_findings.iter().enumerate() {
            if fields.iter().any(|x| pkt.has(x)) {
                c.findings.counts[k] += 1;
                let l = &mut c.findings.lists()[k];
                if l.len() < MAX_LISTED {
                    l.push(frame);
                }
            }
        }
        if has(pkt, f.http) && c.app.is_empty() {
            c.app = "HTTP".into();
        }
    }

    /// Records a request or response; returns a label prefix for the arrow.
    fn http(&mut self, pkt: &Packet, data: &[u8], time: f64, stream: u64) -> Option<String> {
        let f = &self.f;
        let frame = pkt.meta.number;
        if let Some(method) = string(pkt, data, f.http_method) {
            let x = HttpExchange {
                stream,
                request_frame: frame,
                method,
                uri: string(pkt, data, f.http_uri).unwrap_or_default(),
                host: string(pkt, data, f.http_host).unwrap_or_default(),
                sent: time,
                ..Default::default()
            };
            self.r.http.push(x);
            let i = self.r.http.len() - 1;
            self.http_by_frame.insert(frame, i);
            self.http_pending.entry(stream).or_default().push_back(i);
            return None;
        }
        let code = uint(pkt, f.http_code)?;
        let i = uint(pkt, f.http_request_in)
            .and_then(|r| self.http_by_frame.get(&r).copied())
            .or_else(|| {
                self.http_pending
                    .get_mut(&stream)
                    .and_then(|q| q.pop_front())
            });
        let i = match i {
            Some(i) => {
                if let Some(q) = self.http_pending.get_mut(&stream) {
                    q.retain(|&x| x != i);
                }
                i
            }
            None => {
                // A response without a captured request.
                self.r.http.push(HttpExchange {
                    stream,
                    sent: time,
                    ..Default::default()
                });
                self.r.http.len() - 1
            }
        };
        let mut frames: Vec<u64> = match f.tcp_segment {
            Some(s) => pkt
                .find(s)
                .filter_map(|n| match n.value {
                    Value::UInt(v) => Some(v),
                    _ => None,
                })
                .collect(),
            None => Vec::new(),
        };
        if frames.is_empty() {
            frames.push(frame);
        }
        let bytes = uint(pkt, f.tcp_reasm_len).or_else(|| uint(pkt, f.tcp_len));
        let x = &mut self.r.http[i];
        if x.response_frame.is_some() {
            return None;
        }
        x.response_frame = Some(frame);
        x.status = Some(code);
        x.phrase = string(pkt, data, f.http_phrase).unwrap_or_default();
        x.content_length = uint(pkt, f.http_clen);
        x.content_type = string(pkt, data, f.http_ctype).unwrap_or_default();
        x.response_bytes = bytes;
        x.response_frames = frames;
        x.time = time_of(pkt, f.http_time).or(Some(time - x.sent));
        None
    }

    #[allow(clippy::too_many_arguments)]
    fn rudp(
        &mut self,
        pkt: &Packet,
        data: &[u8],
        time: f64,
        src: &str,
        dst: &str,
        sport: u16,
        dport: u16,
    ) {
        let frame = pkt.meta.number;
        // Any field of the RUDP analysis that says "retransmission".
        let retransmission = pkt.nodes.iter().any(|n| {
            let a = n.field.abbrev;
            a.starts_with("rudp.") && a.contains("retrans")
        });
        if retransmission {
            self.r.rudp_retransmissions += 1;
        }
        // The application message: the first text field of `rudpapp`.
        let app_text = pkt
            .nodes
            .iter()
            .find(|n| n.field.abbrev.starts_with("rudpapp.") && matches!(n.value, Value::Str(_)))
            .map(|n| text_of(pkt, data, n));
        let text = app_text
            .clone()
            .unwrap_or_else(|| pkt.cols.info.trim().to_string());
        let command = app_text
            .as_deref()
            .map(|t| t.split([' ', ':', ';']).next().unwrap_or("").to_string())
            .filter(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_uppercase()))
            .unwrap_or_default();
        let s = endpoint(src, sport);
        let d = endpoint(dst, dport);
        let mut reply_to = None;
        const PAIRS: [(&str, &str); 5] = [
            ("NEW", "ACK"),
            ("ECHO", "ECHOREPLY"),
            ("STAT", "STATREPLY"),
            ("GET", "ACKGET"),
            ("FETCH", "FETCHREPLY"),
        ];
        if let Some((req, _)) = PAIRS.iter().find(|(_, rep)| *rep == command) {
            if let Some((f0, t0)) = self.rudp_pending.remove(&(format!("{d} {req}"), s.clone())) {
                reply_to = Some((f0, time - t0));
            }
        }
        if PAIRS.iter().any(|(req, _)| *req == command) && !retransmission {
            self.rudp_pending
                .insert((format!("{s} {command}"), d.clone()), (frame, time));
        }
        self.r.rudp.push(RudpSignal {
            frame,
            time,
            src: s,
            dst: d,
            command,
            text,
            retransmission,
            reply_to,
        });
    }

    /// Ends the capture and returns the report.
    pub fn finish(mut self) -> Report {
        let mut r = std::mem::take(&mut self.r);
        r.duration = self.last_time;
        r.first_epoch = self.first_epoch;
        let mut protocols: Vec<(String, u64)> = self.protocols.into_iter().collect();
        protocols.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        r.protocols = protocols;
        r.conversations = self
            .convs
            .into_iter()
            .map(|mut c| {
                c.conv.tail = c.tail.into_iter().collect();
                c.conv
            })
            .collect();
        // I/O series: about 100 intervals of a round length.
        let dur = self.last_time.max(0.0);
        let steps = [
            0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0,
            120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0, 21600.0, 86400.0,
        ];
        let interval = steps
            .iter()
            .copied()
            .find(|s| dur / s <= 100.0)
            .unwrap_or(86400.0);
        let n = ((dur / interval).floor() as usize)
            .saturating_add(1)
            .min(100_000);
        let mut io = IoSeries {
            interval,
            packets: vec![0; n],
            bytes: vec![0; n],
        };
        for &(t, len, _) in &self.frames {
            let b = ((t.max(0.0) / interval).floor() as usize).min(n - 1);
            io.packets[b] += 1;
            io.bytes[b] += len as u64;
        }
        r.io = io;
        r.phases = phases(&r, &self.frames, &self.kinds);
        r
    }
}

/// Phases: between packet comments when there are any, otherwise one per
/// kind of traffic (first to last frame of that kind), in time order.
fn phases(r: &Report, frames: &[(f64, u32, u32)], kinds: &[String]) -> Vec<Phase> {
    let mut out = Vec::new();
    if frames.is_empty() {
        return out;
    }
    if !r.comments.is_empty() {
        let mut bounds: Vec<(u64, String)> = Vec::new();
        for c in &r.comments {
            match bounds.last_mut() {
                Some(last) if last.0 == c.frame => {
                    last.1.push_str(" / ");
                    last.1.push_str(&c.text);
                }
                _ => bounds.push((c.frame, c.text.clone())),
            }
        }
        if bounds[0].0 > 1 {
            bounds.insert(0, (1, "Before the first comment".to_string()));
        }
        for (k, (first, name)) in bounds.iter().enumerate() {
            let last = bounds
                .get(k + 1)
                .map(|b| b.0 - 1)
                .unwrap_or(frames.len() as u64);
            out.push(make_phase(
                name.clone(),
                "comment",
                *first,
                last,
                frames,
                |_| true,
            ));
        }
    } else {
        let mut spans: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
        for (i, &(_, _, k)) in frames.iter().enumerate() {
            let fr = i as u64 + 1;
            let e = spans.entry(k).or_insert((fr, fr));
            e.1 = fr;
        }
        for (k, (first, last)) in spans {
            let name = kinds.get(k as usize).cloned().unwrap_or_default();
            out.push(make_phase(name, "protocol", first, last, frames, |x| {
                x == k
            }));
        }
        out.sort_by_key(|p| p.first_frame);
    }
    for p in &mut out {
        p.conversations = r
            .conversations
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                let overlaps = c.first_frame <= p.last_frame && c.last_frame >= p.first_frame;
                overlaps && (p.source == "comment" || c.kind == p.name)
            })
            .map(|(i, _)| i)
            .collect();
    }
    out
}

fn make_phase(
    name: String,
    source: &'static str,
    first: u64,
    last: u64,
    frames: &[(f64, u32, u32)],
    take: impl Fn(u32) -> bool,
) -> Phase {
    let mut p = Phase {
        name,
        source,
        first_frame: first,
        last_frame: last,
        start: f64::MAX,
        end: 0.0,
        ..Default::default()
    };
    let lo = (first.saturating_sub(1) as usize).min(frames.len());
    let hi = (last as usize).min(frames.len()).max(lo);
    for &(t, len, k) in &frames[lo..hi] {
        if take(k) {
            p.packets += 1;
            p.bytes += len as u64;
            p.start = p.start.min(t);
            p.end = p.end.max(t);
        }
    }
    if p.start == f64::MAX {
        p.start = 0.0;
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(kinds: &[u32]) -> Vec<(f64, u32, u32)> {
        kinds
            .iter()
            .enumerate()
            .map(|(i, &k)| (i as f64, 100, k))
            .collect()
    }

    #[test]
    fn phases_follow_protocols_in_time_order() {
        let r = Report::default();
        let kinds = vec!["DNS".to_string(), "DHCP".to_string(), "HTTP".to_string()];
        let p = phases(&r, &frames(&[1, 1, 0, 1, 2, 2]), &kinds);
        let names: Vec<&str> = p.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["DHCP", "DNS", "HTTP"]);
        assert_eq!((p[0].first_frame, p[0].last_frame, p[0].packets), (1, 4, 3));
        assert_eq!(p[2].bytes, 200);
        assert_eq!(p[2].duration(), 1.0);
        assert_eq!(p[2].throughput_bps(), 1600.0);
    }

    #[test]
    fn comments_bound_phases() {
        let r = Report {
            comments: vec![
                Comment {
                    frame: 2,
                    time: 1.0,
                    text: "dhcp".into(),
                },
                Comment {
                    frame: 4,
                    time: 3.0,
                    text: "dns".into(),
                },
            ],
            ..Default::default()
        };
        let p = phases(&r, &frames(&[0, 0, 0, 0, 0]), &["X".to_string()]);
        let spans: Vec<(u64, u64)> = p.iter().map(|p| (p.first_frame, p.last_frame)).collect();
        assert_eq!(spans, [(1, 1), (2, 3), (4, 5)]);
        assert_eq!(p[1].name, "dhcp");
    }

    #[test]
    fn a_report_of_nothing_is_empty() {
        let r = Builder::new().finish();
        assert_eq!(r.packets, 0);
        assert!(r.phases.is_empty());
        assert_eq!(r.io.packets, vec![0]);
    }
}
