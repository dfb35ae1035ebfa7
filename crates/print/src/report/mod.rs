//! The narrative capture report, from a [`Report`]'s facts: phase by
//! phase, the way a careful student report explains a capture (frame
//! numbers everywhere), as Markdown, self-contained HTML (inline CSS and
//! SVG, no script, no external request) or plain text.
//!
//! The content is built once as a list of [`Block`]s and rendered by the
//! three writers, so they always say the same thing.

mod render;

use std::fmt::Write as _;

use wirelab_analysis::report::{Conversation, Phase, Report, TcpConnection};

pub use render::{html, markdown, text};

use crate::svg::{self, Row};

/// Arrows shown per ladder before the rest is summarized.
const MAX_LADDER_CONVS: usize = 12;
/// Rows of long tables (the rest is counted).
const MAX_ROWS: usize = 300;

/// A piece of the report.
#[derive(Clone, Debug)]
pub enum Block {
    /// A heading of level 1–3.
    Heading(u8, String),
    /// A paragraph.
    Para(String),
    /// A bulleted list.
    List(Vec<String>),
    /// A table: header and rows.
    Table(Vec<String>, Vec<Vec<String>>),
    /// A picture: file name (for Markdown) and the SVG text.
    Svg(String, String),
}

/// A duration: milliseconds with three decimals under a second, else
/// seconds with six.
fn ms(s: f64) -> String {
    if s.abs() < 1.0 {
        format!("{:.3} ms", s * 1000.0)
    } else {
        format!("{s:.6} s")
    }
}

/// A value with an SI prefix and a unit: `2 Mbit/s`, `500 bit/s`.
fn with_unit(v: f64, unit: &str) -> String {
    let s = svg::si(v);
    match s.split_once(' ') {
        Some((n, p)) => format!("{n} {p}{unit}"),
        None => format!("{s} {unit}"),
    }
}

/// Bits per second with an SI prefix.
fn bps(v: f64) -> String {
    with_unit(v, "bit/s")
}

/// Bytes, and with an SI prefix (powers of 10) past 1000.
fn bytes(v: u64) -> String {
    if v < 1000 {
        format!("{v} B")
    } else {
        format!("{v} B ({})", with_unit(v as f64, "B"))
    }
}

/// A list of frame numbers: `#1, #2, #3` (with "…" past a few).
fn frames(v: &[u64], total: u64) -> String {
    let mut s = v
        .iter()
        .take(12)
        .map(|f| format!("#{f}"))
        .collect::<Vec<_>>()
        .join(", ");
    if total as usize > v.len().min(12) {
        let _ = write!(s, " … ({total} in all)");
    }
    s
}

fn opt_frame(f: Option<u64>) -> String {
    f.map(|f| format!("#{f}")).unwrap_or_else(|| "—".into())
}

/// Days since 1970-01-01 to (year, month, day) (H. Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// An epoch time as `2024-05-01 12:00:00.123456 UTC`.
pub fn utc(t: f64) -> String {
    if !t.is_finite() {
        return "—".into();
    }
    let secs = t.floor() as i64;
    let micros = ((t - t.floor()) * 1e6).round().min(999_999.0) as u32;
    let (y, m, d) = civil(secs.div_euclid(86_400));
    let r = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{micros:06} UTC",
        r / 3600,
        r / 60 % 60,
        r % 60
    )
}

/// The ladder rows of some conversations: a group heading each, its first
/// arrows, a gap line, its last arrows.
fn ladder_rows<'a>(convs: &[&'a Conversation]) -> Vec<Row<'a>> {
    let mut rows = Vec::new();
    for c in convs {
        rows.push(Row::Group(format!(
            "{} — {} packet{}",
            c.name,
            c.packets,
            if c.packets == 1 { "" } else { "s" }
        )));
        rows.extend(c.head.iter().map(Row::Arrow));
        let shown = (c.head.len() + c.tail.len()) as u64;
        if c.packets > shown {
            rows.push(Row::Gap(format!(
                "{} more packets (frames #{}…#{})",
                c.packets - shown,
                c.head.last().map(|a| a.frame + 1).unwrap_or(0),
                c.tail
                    .first()
                    .map(|a| a.frame.saturating_sub(1))
                    .unwrap_or(c.last_frame)
            )));
        }
        rows.extend(c.tail.iter().map(Row::Arrow));
    }
    rows
}

/// The ladder of a phase as SVG (None when it has no packets).
pub fn phase_ladder(r: &Report, p: &Phase) -> Option<String> {
    let convs: Vec<&Conversation> = p
        .conversations
        .iter()
        .filter_map(|&i| r.conversations.get(i))
        .take(MAX_LADDER_CONVS)
        .collect();
    if convs.is_empty() {
        return None;
    }
    let mut rows = ladder_rows(&convs);
    if p.conversations.len() > MAX_LADDER_CONVS {
        rows.push(Row::Gap(format!(
            "{} more conversations",
            p.conversations.len() - MAX_LADDER_CONVS
        )));
    }
    Some(svg::ladder(&format!("Phase: {}", p.name), &rows))
}

/// One SVG with the ladder of the whole capture (every conversation, in
/// order) above its I/O graph: what `wirelab read --export-svg` writes.
pub fn capture_svg(r: &Report) -> String {
    let convs: Vec<&Conversation> = r.conversations.iter().take(40).collect();
    let mut rows = ladder_rows(&convs);
    if r.conversations.len() > 40 {
        rows.push(Row::Gap(format!(
            "{} more conversations",
            r.conversations.len() - 40
        )));
    }
    let flow = svg::ladder(&format!("Flow graph: {}", r.title), &rows);
    let io = svg::io_graph(&format!("I/O graph: {}", r.title), &r.io);
    let size = |s: &str, attr: &str| -> f64 {
        let key = format!("{attr}=\"");
        s.find(&key)
            .and_then(|i| {
                let rest = &s[i + key.len()..];
                rest.split('"').next()?.parse().ok()
            })
            .unwrap_or(0.0)
    };
    let (fw, fh) = (size(&flow, "width"), size(&flow, "height"));
    let (iw, ih) = (size(&io, "width"), size(&io, "height"));
    let w = fw.max(iw);
    let h = fh + ih + 20.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}">"#
    );
    let _ = write!(s, "<title>{}</title>", svg::escape(&r.title));
    // Nested <svg> elements keep each picture's own coordinates.
    s.push_str(&flow.replacen("<svg ", "<svg x=\"0\" y=\"0\" ", 1));
    s.push_str(&io.replacen("<svg ", &format!("<svg x=\"0\" y=\"{:.0}\" ", fh + 20.0), 1));
    s.push_str("</svg>\n");
    s
}

fn summary(r: &Report, out: &mut Vec<Block>) {
    out.push(Block::Heading(1, format!("Capture report: {}", r.title)));
    let mut items = vec![
        format!("{} frames, {} on the wire", r.packets, bytes(r.bytes)),
        format!("Duration: {:.6} s", r.duration),
    ];
    if let Some(t) = r.first_epoch {
        items.push(format!("First frame: {}", utc(t)));
    }
    if r.duration > 0.0 {
        items.push(format!(
            "Average rate: {:.1} packets/s, {}",
            r.packets as f64 / r.duration,
            bps(r.bytes as f64 * 8.0 / r.duration)
        ));
    }
    let found: Vec<String> = [
        (r.dhcp.len(), "DHCP transaction", "DHCP transactions"),
        (r.dns.len(), "DNS query", "DNS queries"),
        (r.tcp.len(), "TCP connection", "TCP connections"),
        (r.http.len(), "HTTP request", "HTTP requests"),
        (r.rudp.len(), "reliable-UDP packet", "reliable-UDP packets"),
    ]
    .iter()
    .filter(|(n, _, _)| *n > 0)
    .map(|(n, one, many)| format!("{n} {}", if *n == 1 { one } else { many }))
    .collect();
    if !found.is_empty() {
        items.push(format!("Found: {}", found.join(", ")));
    }
    out.push(Block::List(items));
    let rows = r
        .protocols
        .iter()
        .take(15)
        .map(|(p, n)| {
            vec![
                if p.is_empty() {
                    "(none)".into()
                } else {
                    p.clone()
                },
                n.to_string(),
                format!("{:.1}%", *n as f64 * 100.0 / r.packets.max(1) as f64),
            ]
        })
        .collect();
    out.push(Block::Table(
        vec![
            "Protocol (top layer)".into(),
            "Frames".into(),
            "Share".into(),
        ],
        rows,
    ));
}

fn phases(r: &Report, out: &mut Vec<Block>) {
    if r.phases.is_empty() {
        return;
    }
    out.push(Block::Heading(2, "Phases".into()));
    let how = if r.phases.iter().any(|p| p.source == "comment") {
        "The capture's packet comments mark where each phase begins."
    } else {
        "No packet comments: phases are inferred from the protocols, each from its first frame to its last, in time order."
    };
    out.push(Block::Para(how.into()));
    let rows = r
        .phases
        .iter()
        .enumerate()
        .map(|(i, p)| {
            vec![
                (i + 1).to_string(),
                p.name.clone(),
                format!("#{}–#{}", p.first_frame, p.last_frame),
                format!("{:.6}", p.start),
                ms(p.duration()),
                p.packets.to_string(),
                p.bytes.to_string(),
                bps(p.throughput_bps()),
            ]
        })
        .collect();
    out.push(Block::Table(
        [
            "#",
            "Phase",
            "Frames",
            "Start (s)",
            "Duration",
            "Packets",
            "Bytes",
            "Throughput",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        rows,
    ));
    for (i, p) in r.phases.iter().enumerate() {
        out.push(Block::Heading(3, format!("Phase {}: {}", i + 1, p.name)));
        out.push(Block::Para(format!(
            "Frames #{} to #{}, from {:.6} s to {:.6} s ({}): {} packets, {} bytes, {}.",
            p.first_frame,
            p.last_frame,
            p.start,
            p.end,
            ms(p.duration()),
            p.packets,
            p.bytes,
            bps(p.throughput_bps())
        )));
        if let Some(svg) = phase_ladder(r, p) {
            out.push(Block::Svg(format!("phase-{}.svg", i + 1), svg));
        }
    }
}

fn dhcp(r: &Report, out: &mut Vec<Block>) {
    if r.dhcp.is_empty() {
        return;
    }
    out.push(Block::Heading(2, "DHCP".into()));
    out.push(Block::Para(format!(
        "{} transaction{} by transaction id (xid). A client without an address broadcasts a Discover from 0.0.0.0:68 to 255.255.255.255:67; servers answer with an Offer, the client Requests the offered address and the chosen server ACKs it (or NAKs it).",
        r.dhcp.len(),
        if r.dhcp.len() == 1 { "" } else { "s" }
    )));
    for t in r.dhcp.iter().take(MAX_ROWS) {
        out.push(Block::Heading(3, format!("Transaction 0x{:08x}", t.xid)));
        let seq: Vec<String> = t
            .messages
            .iter()
            .map(|m| format!("{} #{}", m.kind, m.frame))
            .collect();
        out.push(Block::Para(format!("Sequence: {}.", seq.join(" → "))));
        let rows = t
            .messages
            .iter()
            .map(|m| {
                vec![
                    format!("#{}", m.frame),
                    format!("{:.6}", m.time),
                    m.kind.clone(),
                    format!("{} → {}", m.src, m.dst),
                    m.client_mac.clone(),
                    m.yiaddr.clone(),
                    m.server_id.clone(),
                    m.requested_ip.clone(),
                ]
            })
            .collect();
        out.push(Block::Table(
            [
                "Frame",
                "Time (s)",
                "Message",
                "Source → Destination",
                "Client MAC",
                "Your address",
                "Server id",
                "Requested",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            rows,
        ));
        // What the lease says: from the ACK, else the Offer.
        let lease = t
            .messages
            .iter()
            .rev()
            .find(|m| m.kind == "ACK")
            .or_else(|| t.messages.iter().find(|m| m.kind == "Offer"));
        if let Some(m) = lease {
            let mut items = vec![format!(
                "{} #{}: address {} for client {}",
                m.kind, m.frame, m.yiaddr, m.client_mac
            )];
            if !m.server_id.is_empty() {
                items.push(format!("Server identifier: {}", m.server_id));
            }
            if !m.subnet_mask.is_empty() {
                items.push(format!("Subnet mask: {}", m.subnet_mask));
            }
            if !m.routers.is_empty() {
                items.push(format!("Router: {}", m.routers.join(", ")));
            }
            if !m.dns_servers.is_empty() {
                items.push(format!("DNS servers: {}", m.dns_servers.join(", ")));
            }
            if let Some(l) = m.lease_time {
                items.push(format!("Lease time: {l} s ({:.1} h)", l as f64 / 3600.0));
            }
            out.push(Block::List(items));
        }
        for m in t
            .messages
            .iter()
            .filter(|m| m.kind == "NAK" || m.kind == "Decline")
        {
            out.push(Block::Para(format!(
                "{} #{} from {}{}.",
                m.kind,
                m.frame,
                m.src,
                if m.message.is_empty() {
                    String::new()
                } else {
                    format!(": \"{}\"", m.message)
                }
            )));
        }
        for m in &t.messages {
            if m.options.is_empty() {
                continue;
            }
            out.push(Block::Para(format!("Options of {} #{}:", m.kind, m.frame)));
            out.push(Block::List(m.options.clone()));
        }
    }
}

fn dns(r: &Report, out: &mut Vec<Block>) {
    if r.dns.is_empty() && r.dns_unsolicited.is_empty() {
        return;
    }
    out.push(Block::Heading(2, "DNS".into()));
    let answered = r.dns.iter().filter(|q| q.response_frame.is_some()).count();
    out.push(Block::Para(format!(
        "{} quer{}, {} answered. Each query is matched to its response by transaction id and addresses.",
        r.dns.len(),
        if r.dns.len() == 1 { "y" } else { "ies" },
        answered
    )));
    let rows = r
        .dns
        .iter()
        .take(MAX_ROWS)
        .map(|q| {
            vec![
                format!("#{}", q.query_frame),
                opt_frame(q.response_frame),
                format!("0x{:04x}", q.id),
                format!("{} → {}", q.client, q.server),
                q.name.clone(),
                q.qtype.clone(),
                if q.answers.is_empty() {
                    "—".into()
                } else {
                    q.answers.join(", ")
                },
                if q.response_frame.is_some() {
                    q.rcode.clone()
                } else {
                    "no response".into()
                },
                q.time.map(ms).unwrap_or_else(|| "—".into()),
            ]
        })
        .collect();
    out.push(Block::Table(
        [
            "Query",
            "Response",
            "Id",
            "Client → Server",
            "Name",
            "Type",
            "Answers",
            "Rcode",
            "Time",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        rows,
    ));
    let unanswered: Vec<u64> = r
        .dns
        .iter()
        .filter(|q| q.response_frame.is_none())
        .map(|q| q.query_frame)
        .collect();
    if !unanswered.is_empty() {
        out.push(Block::Para(format!(
            "Unanswered queries: {}.",
            frames(&unanswered, unanswered.len() as u64)
        )));
    }
    if !r.dns_unsolicited.is_empty() {
        out.push(Block::Para(format!(
            "Responses without a captured query: {}.",
            frames(&r.dns_unsolicited, r.dns_unsolicited.len() as u64)
        )));
    }
}

fn tcp_items(c: &TcpConnection) -> Vec<String> {
    let mut items = Vec::new();
    match (c.syn, c.syn_ack, c.ack) {
        (Some(a), Some(b), Some(d)) => items.push(format!(
            "Three-way handshake: SYN #{a}, SYN/ACK #{b}, ACK #{d}{}.",
            c.initial_rtt
                .map(|t| format!(" (initial RTT {})", ms(t)))
                .unwrap_or_default()
        )),
        (None, None, None) => {
            items.push("Handshake not captured (the connection was already open).".to_string())
        }
        (a, b, d) => items.push(format!(
            "Incomplete handshake: SYN {}, SYN/ACK {}, ACK {}.",
            opt_frame(a),
            opt_frame(b),
            opt_frame(d)
        )),
    }
    let mut t = format!(
        "Data: client → server {} bytes in {} segment{}, server → client {} bytes in {} segment{}",
        c.bytes_c2s,
        c.segs_c2s,
        if c.segs_c2s == 1 { "" } else { "s" },
        c.bytes_s2c,
        c.segs_s2c,
        if c.segs_s2c == 1 { "" } else { "s" },
    );
    if let (Some((f1, _)), Some((f2, _))) = (c.data_first, c.data_last) {
        let _ = write!(
            t,
            "; frames #{f1} to #{f2} over {}, {}",
            ms(c.transfer_time()),
            bps(c.throughput_bps())
        );
    }
    t.push('.');
    items.push(t);
    let mut found = Vec::new();
    for (k, name) in wirelab_analysis::report::TcpFindings::NAMES
        .iter()
        .enumerate()
    {
        let n = c.findings.counts[k];
        if n > 0 {
            found.push(format!("{n} {name} ({})", frames(c.findings.list(k), n)));
        }
    }
    if found.is_empty() {
        items.push(
            "TCP analysis: no retransmissions, duplicate ACKs, zero windows or keep-alives.".into(),
        );
    } else {
        items.push(format!("TCP analysis: {}.", found.join("; ")));
    }
    let who = |client: bool| if client { "client" } else { "server" };
    if !c.rsts.is_empty() {
        let l: Vec<String> = c
            .rsts
            .iter()
            .map(|(f, cl)| format!("#{f} ({})", who(*cl)))
            .collect();
        items.push(format!("Reset: RST {}.", l.join(", ")));
    }
    if !c.fins.is_empty() {
        let l: Vec<String> = c
            .fins
            .iter()
            .map(|(f, cl)| format!("#{f} ({})", who(*cl)))
            .collect();
        items.push(format!(
            "Teardown: FIN {}{}.",
            l.join(", "),
            c.final_ack
                .map(|f| format!(", last ACK #{f}"))
                .unwrap_or_default()
        ));
    } else if c.rsts.is_empty() {
        items.push("No FIN or RST captured: the connection was still open at the end.".into());
    }
    items
}

fn tcp(r: &Report, out: &mut Vec<Block>) {
    if r.tcp.is_empty() {
        return;
    }
    out.push(Block::Heading(2, "TCP".into()));
    out.push(Block::Para(format!(
        "{} connection{} (tcp.stream). For each: the handshake, the data transfer, what TCP analysis found, and the teardown.",
        r.tcp.len(),
        if r.tcp.len() == 1 { "" } else { "s" }
    )));
    for c in r.tcp.iter().take(MAX_ROWS) {
        out.push(Block::Heading(
            3,
            format!(
                "Stream {}: {} → {}{}",
                c.stream,
                c.client,
                c.server,
                if c.app.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", c.app)
                }
            ),
        ));
        out.push(Block::Para(format!(
            "{} packets, frames #{} to #{}, {:.6} s to {:.6} s.",
            c.packets, c.first_frame, c.last_frame, c.start, c.end
        )));
        out.push(Block::List(tcp_items(c)));
    }
    if r.tcp.len() > MAX_ROWS {
        out.push(Block::Para(format!(
            "… and {} more connections.",
            r.tcp.len() - MAX_ROWS
        )));
    }
}

fn http(r: &Report, out: &mut Vec<Block>) {
    if r.http.is_empty() {
        return;
    }
    out.push(Block::Heading(2, "HTTP".into()));
    out.push(Block::Para(
        "Each request matched to its response; bytes are those of the reassembled response (headers and body), carried in the frames listed.".into(),
    ));
    let rows = r
        .http
        .iter()
        .take(MAX_ROWS)
        .map(|x| {
            let fr = &x.response_frames;
            vec![
                if x.request_frame == 0 {
                    "—".into()
                } else {
                    format!("#{}", x.request_frame)
                },
                x.method.clone(),
                x.uri.clone(),
                opt_frame(x.response_frame),
                x.status
                    .map(|s| format!("{s} {}", x.phrase))
                    .unwrap_or_else(|| "no response".into()),
                x.content_length
                    .map(|l| l.to_string())
                    .unwrap_or_else(|| "—".into()),
                x.response_bytes
                    .map(|l| l.to_string())
                    .unwrap_or_else(|| "—".into()),
                match (fr.first(), fr.last()) {
                    (Some(a), Some(b)) if fr.len() > 1 => {
                        format!("{} (#{a}–#{b})", fr.len())
                    }
                    (Some(a), _) => format!("1 (#{a})"),
                    _ => "—".into(),
                },
                x.time.map(ms).unwrap_or_else(|| "—".into()),
            ]
        })
        .collect();
    out.push(Block::Table(
        [
            "Request",
            "Method",
            "URI",
            "Response",
            "Status",
            "Content-Length",
            "Bytes",
            "Frames",
            "Time",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        rows,
    ));
}

fn rudp(r: &Report, out: &mut Vec<Block>) {
    if r.rudp.is_empty() {
        return;
    }
    out.push(Block::Heading(2, "Reliable UDP application".into()));
    let rtts: Vec<String> = r
        .rudp
        .iter()
        .filter(|s| s.command == "ECHOREPLY")
        .filter_map(|s| {
            s.reply_to
                .map(|(f, t)| format!("#{f}→#{} {}", s.frame, ms(t)))
        })
        .collect();
    let mut p = format!(
        "{} packets, {} retransmission{} found by the RUDP analysis.",
        r.rudp.len(),
        r.rudp_retransmissions,
        if r.rudp_retransmissions == 1 { "" } else { "s" }
    );
    if !rtts.is_empty() {
        let _ = write!(p, " ECHO round trips: {}.", rtts.join(", "));
    }
    out.push(Block::Para(p));
    let rows = r
        .rudp
        .iter()
        .filter(|s| !s.command.is_empty() || s.retransmission)
        .take(MAX_ROWS)
        .map(|s| {
            vec![
                format!("#{}", s.frame),
                format!("{:.6}", s.time),
                format!("{} → {}", s.src, s.dst),
                if s.command.is_empty() {
                    "—".into()
                } else {
                    s.command.clone()
                },
                s.text.clone(),
                s.reply_to
                    .map(|(f, t)| format!("to #{f} after {}", ms(t)))
                    .unwrap_or_default(),
                if s.retransmission {
                    "yes".into()
                } else {
                    String::new()
                },
            ]
        })
        .collect::<Vec<_>>();
    if !rows.is_empty() {
        out.push(Block::Table(
            [
                "Frame",
                "Time (s)",
                "Source → Destination",
                "Signal",
                "Text",
                "Reply",
                "Retransmission",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            rows,
        ));
    }
}

fn expert(r: &Report, out: &mut Vec<Block>) {
    out.push(Block::Heading(
        2,
        "Malformed packets and expert findings".into(),
    ));
    let c = &r.expert_counts;
    out.push(Block::Para(format!(
        "Expert items: {} error{}, {} warning{}, {} note{}, {} chat. Malformed frames: {}.",
        c[4],
        if c[4] == 1 { "" } else { "s" },
        c[3],
        if c[3] == 1 { "" } else { "s" },
        c[2],
        if c[2] == 1 { "" } else { "s" },
        c[1],
        if r.malformed.is_empty() {
            "none".to_string()
        } else {
            frames(&r.malformed, r.malformed.len() as u64)
        }
    )));
    if !r.expert.is_empty() {
        let rows = r
            .expert
            .iter()
            .map(|e| {
                vec![
                    format!("#{}", e.frame),
                    e.severity.name().to_string(),
                    e.group.to_string(),
                    e.protocol.to_string(),
                    e.message.clone(),
                ]
            })
            .collect();
        out.push(Block::Table(
            ["Frame", "Severity", "Group", "Protocol", "Message"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            rows,
        ));
    }
}

fn comments(r: &Report, out: &mut Vec<Block>) {
    if r.comments.is_empty() {
        return;
    }
    out.push(Block::Heading(2, "Packet comments".into()));
    let rows = r
        .comments
        .iter()
        .map(|c| {
            vec![
                format!("#{}", c.frame),
                format!("{:.6}", c.time),
                c.text.clone(),
            ]
        })
        .collect();
    out.push(Block::Table(
        vec!["Frame".into(), "Time (s)".into(), "Comment".into()],
        rows,
    ));
}

/// The report as blocks, in reading order.
pub fn document(r: &Report) -> Vec<Block> {
    let mut out = Vec::new();
    summary(r, &mut out);
    phases(r, &mut out);
    dhcp(r, &mut out);
    dns(r, &mut out);
    tcp(r, &mut out);
    http(r, &mut out);
    rudp(r, &mut out);
    expert(r, &mut out);
    comments(r, &mut out);
    out.push(Block::Heading(2, "I/O graph".into()));
    out.push(Block::Para(format!(
        "Packets per second (bars) and bits per second (line) in {} s intervals.",
        r.io.interval
    )));
    out.push(Block::Svg(
        "io.svg".into(),
        svg::io_graph(&format!("I/O graph: {}", r.title), &r.io),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil() {
        assert_eq!(utc(0.0), "1970-01-01 00:00:00.000000 UTC");
        assert_eq!(utc(1_700_000_000.5), "2023-11-14 22:13:20.500000 UTC");
        assert_eq!(civil(-1), (1969, 12, 31));
    }

    #[test]
    fn sizes_and_rates_read_well() {
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1_500_000), "1500000 B (1.50 MB)");
        assert_eq!(bps(2_000_000.0), "2 Mbit/s");
        assert_eq!(frames(&[1, 2], 5), "#1, #2 … (5 in all)");
    }
}
