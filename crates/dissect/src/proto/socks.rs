//! SOCKS on TCP port 1080, shown as Wireshark 4.0's `packet-socks.c` shows
//! it: SOCKS 4 and 4a requests and replies, SOCKS 5 (RFC 1928) method
//! negotiation, username/password authentication (RFC 1929) and
//! request/reply with their address types; after the handshake the
//! payload goes to the dissector of the remote port.
//!
//! Like Wireshark, the version is taken from the first byte of the first
//! payload of the conversation; a conversation that does not start with 4
//! or 5 is shown as `Socks`, Info `Unknown`, for its whole life.

use crate::field::{Base, FieldDef, FieldRef, FieldType, ValueStrings};
use crate::packet::{Span, Src, Value};
use crate::state::ConvKey;
use crate::tvb::{Tvb, R};
use crate::Cx;

/// The TCP port Wireshark registers SOCKS on.
pub const PORT: u16 = 1080;

static COMMANDS: ValueStrings = &[
    (1, "Connect"),
    (2, "Bind"),
    (3, "UdpAssociate"),
    (0x80, "Ping"),
    (0x81, "Traceroute"),
];
static ADDRESS_TYPES: ValueStrings = &[(1, "IPv4"), (3, "Domain Name"), (4, "IPv6")];
static RESULTS_V4: ValueStrings = &[
    (90, "Granted"),
    (91, "Rejected or Failed"),
    (
        92,
        "Rejected because SOCKS server cannot connect to identd on the client",
    ),
    (
        93,
        "Rejected because the client program and identd report different user-ids",
    ),
];
/// RFC 1928 section 6.
static RESULTS_V5: ValueStrings = &[
    (0, "Succeeded"),
    (1, "General SOCKS server failure"),
    (2, "Connection not allowed by ruleset"),
    (3, "Network unreachable"),
    (4, "Host unreachable"),
    (5, "Connection refused"),
    (6, "TTL expired"),
    (7, "Command not supported"),
    (8, "Address type not supported"),
];

/// `socks`.
pub static PROTO: FieldDef = FieldDef::proto("socks", "Socks Protocol");
/// `socks.version`.
pub static VERSION: FieldDef = FieldDef::new("socks.version", "Version", FieldType::U8);
/// `socks.dst`.
pub static DST: FieldDef = FieldDef::new("socks.dst", "Remote Address", FieldType::Ipv4);
/// `socks.dstV6`.
pub static DST_V6: FieldDef = FieldDef::new("socks.dstV6", "Remote Address(ipv6)", FieldType::Ipv6);
/// `socks.v4a_dns_name`.
pub static V4A_DNS_NAME: FieldDef = FieldDef::new(
    "socks.v4a_dns_name",
    "SOCKS v4a Remote Domain Name",
    FieldType::String,
)
.with_base(Base::None);
/// `socks.dstport`.
pub static DSTPORT: FieldDef = FieldDef::new("socks.dstport", "Remote Port", FieldType::U16);
/// `socks.command`.
pub static COMMAND: FieldDef =
    FieldDef::new("socks.command", "Command", FieldType::U8).with_strings(COMMANDS);
/// `socks.results` (SOCKS 4 result codes; SOCKS 5 replies are labelled
/// `Results(V5)` with their own names, under the same name as Wireshark's).
pub static RESULTS: FieldDef =
    FieldDef::new("socks.results", "Results(V4)", FieldType::U8).with_strings(RESULTS_V4);
/// `socks.auth_method_count`.
pub static AUTH_METHOD_COUNT: FieldDef = FieldDef::new(
    "socks.auth_method_count",
    "Authentication Method Count",
    FieldType::U8,
);
/// `socks.auth_method`.
pub static AUTH_METHOD: FieldDef = FieldDef::new("socks.auth_method", "Method", FieldType::U8);
/// `socks.reserved`.
pub static RESERVED: FieldDef = FieldDef::new("socks.reserved", "Reserved", FieldType::U8);
/// `socks.port`.
pub static PORT_FIELD: FieldDef = FieldDef::new("socks.port", "Port", FieldType::U16);
/// `socks.auth_accepted_method`.
pub static AUTH_ACCEPTED_METHOD: FieldDef = FieldDef::new(
    "socks.auth_accepted_method",
    "Accepted Auth Method",
    FieldType::U8,
);
/// `socks.auth_status`.
pub static AUTH_STATUS: FieldDef = FieldDef::new("socks.auth_status", "Status", FieldType::U8);
/// `socks.remote_host_port`.
pub static REMOTE_HOST_PORT: FieldDef =
    FieldDef::new("socks.remote_host_port", "Remote Host Port", FieldType::U16);
/// `socks.subnegotiation_version`.
pub static SUBNEGOTIATION_VERSION: FieldDef = FieldDef::new(
    "socks.subnegotiation_version",
    "Subnegotiation Version",
    FieldType::U8,
);
/// `socks.username`.
pub static USERNAME: FieldDef =
    FieldDef::new("socks.username", "User name", FieldType::String).with_base(Base::None);
/// `socks.password`.
pub static PASSWORD: FieldDef =
    FieldDef::new("socks.password", "Password", FieldType::String).with_base(Base::None);
/// `socks.remote_name`.
pub static REMOTE_NAME: FieldDef =
    FieldDef::new("socks.remote_name", "Remote name", FieldType::String).with_base(Base::None);
/// `socks.address_type`.
pub static ADDRESS_TYPE: FieldDef =
    FieldDef::new("socks.address_type", "Address Type", FieldType::U8).with_strings(ADDRESS_TYPES);

/// Fields of this module.
pub static FIELDS: &[FieldRef] = &[
    &PROTO,
    &VERSION,
    &DST,
    &DST_V6,
    &V4A_DNS_NAME,
    &DSTPORT,
    &COMMAND,
    &RESULTS,
    &AUTH_METHOD_COUNT,
    &AUTH_METHOD,
    &RESERVED,
    &PORT_FIELD,
    &AUTH_ACCEPTED_METHOD,
    &AUTH_STATUS,
    &REMOTE_HOST_PORT,
    &SUBNEGOTIATION_VERSION,
    &USERNAME,
    &PASSWORD,
    &REMOTE_NAME,
    &ADDRESS_TYPE,
];

/// Where the client is in the handshake.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Client {
    #[default]
    Start,
    /// SOCKS 5: greeting sent, waiting for the method selection.
    WaitMethod,
    /// SOCKS 5: username/password to send (RFC 1929).
    UserPass,
    /// SOCKS 5: waiting for the authentication status.
    WaitAuth,
    /// SOCKS 5: the request to send.
    Command,
    Done,
}

/// Where the server is in the handshake.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Server {
    #[default]
    Start,
    /// SOCKS 5: the authentication status to send.
    AuthReply,
    /// The reply to the request to send.
    CommandReply,
    Done,
}

/// One conversation's SOCKS state.
#[derive(Clone, Debug, Default)]
pub struct Conversation {
    /// First byte of the first payload.
    version: u8,
    /// The port the client spoke to.
    server_port: u16,
    client: Client,
    server: Server,
    method: u8,
    command: u8,
    /// Remote port of the request.
    port: u16,
    /// Frame of the reply that ended the handshake.
    done_frame: Option<u64>,
}

/// SOCKS conversations of the capture, keyed by transport endpoints.
#[derive(Default, Debug)]
pub struct Conversations {
    map: std::collections::HashMap<ConvKey, Conversation>,
}

fn name(strings: ValueStrings, v: u8) -> &'static str {
    crate::field::val_to_str(strings, v.into()).unwrap_or("Unknown")
}

/// RFC 1928 section 3 method names (Wireshark's `get_auth_method_name`).
fn auth_method_name(m: u8) -> &'static str {
    match m {
        0 => "No authentication",
        1 => "GSSAPI",
        2 => "Username/Password",
        3 => "Chap",
        4..=0x7f => "IANA assigned",
        0x80..=0xfe => "private method",
        0xff => "no acceptable method",
    }
}

/// SOCKS on a TCP segment (port 1080).
pub fn dissect(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<()> {
    cx.current_proto = "Socks";
    let key = crate::state::packet_conv(cx).0;
    let mut conv = match cx.state.socks.map.remove(&key) {
        Some(c) => c,
        None => Conversation {
            version: tvb.u8(0)?,
            server_port: cx.l4.dport,
            ..Default::default()
        },
    };
    let r = dissect_conv(cx, &tvb, &mut conv);
    cx.state.socks.map.insert(key, conv);
    r
}

fn dissect_conv(cx: &mut Cx<'_>, tvb: &Tvb<'_>, conv: &mut Conversation) -> R<()> {
    let num = cx.pkt.meta.number;
    cx.pkt.cols.set_protocol("Socks");
    cx.pkt.cols.clear_info();
    if conv.version == 4 || conv.version == 5 {
        cx.pkt
            .cols
            .set_info(format_args!("Version: {}", conv.version));
    } else {
        cx.pkt.cols.set_info(format_args!("Unknown"));
    }
    match conv.command {
        0x80 => cx.pkt.cols.append_info(format_args!(", Ping Req")),
        0x81 => cx.pkt.cols.append_info(format_args!(", Traceroute Req")),
        _ => {}
    }
    cx.pkt.layer("socks");
    cx.pkt.open(&PROTO, tvb, 0, tvb.reported_len(), Value::None);
    let from_client = cx.l4.dport == conv.server_port;
    let past = conv.done_frame.is_some_and(|d| num > d);
    let r = if past {
        Ok(())
    } else {
        match conv.version {
            4 => v4(cx, tvb, conv, from_client),
            5 => v5(cx, tvb, conv, from_client),
            _ => Ok(()),
        }
    };
    if let Err(e) = r {
        cx.pkt.close();
        return Err(e);
    }
    if past {
        for (f, v) in [
            (&VERSION, u64::from(conv.version)),
            (&COMMAND, u64::from(conv.command)),
            // Wireshark 4.0 shows the remote port as `socks.dstport`.
            (&DSTPORT, u64::from(conv.port)),
        ] {
            let n = cx.pkt.add(f, tvb, 0, 0, Value::UInt(v));
            cx.pkt.set_generated(n);
        }
        // The payload handed on, as TCP's port lookup shows it again.
        let len = tvb.reported_len();
        if len > 0 {
            let sp = Span {
                src: Src::Data(tvb.ds()),
                start: tvb.base(),
                len: tvb.len() as u32,
            };
            let n = cx
                .pkt
                .add(&crate::proto::tcp::PAYLOAD, tvb, 0, len, Value::Bytes(sp));
            cx.pkt
                .set_label(n, format_args!("TCP payload ({len} bytes)"));
        }
    }
    cx.pkt.close();
    if past && conv.port != PORT && cx.pkt.app_layers {
        // The payload goes to the remote port's dissector, the SOCKS
        // server's port replaced by it (Wireshark's call_next_dissector).
        let (s, d) = if from_client {
            (cx.l4.sport, conv.port)
        } else {
            (conv.port, cx.l4.dport)
        };
        if let Some(r) = crate::proto::tcp_app(cx, *tvb, s, d) {
            return r;
        }
    }
    Ok(())
}

fn add_u8(cx: &mut Cx<'_>, tvb: &Tvb<'_>, off: usize, f: FieldRef) -> R<u8> {
    let v = tvb.u8(off)?;
    cx.pkt.add(f, tvb, off, 1, Value::UInt(v.into()));
    Ok(v)
}

fn add_u16(cx: &mut Cx<'_>, tvb: &Tvb<'_>, off: usize, f: FieldRef) -> R<u16> {
    let v = tvb.u16(off)?;
    cx.pkt.add(f, tvb, off, 2, Value::UInt(v.into()));
    Ok(v)
}

/// A NUL-terminated string at `off`: its text and the offset after it.
fn stringz(tvb: &Tvb<'_>, off: usize) -> R<(String, usize)> {
    let rest = tvb.rest(off)?;
    let Some(nul) = memchr::memchr(0, rest) else {
        // No terminator: the read runs past the end, as Wireshark's does.
        tvb.ensure(off, tvb.reported_len().saturating_sub(off) + 1)?;
        return Ok((String::new(), tvb.reported_len()));
    };
    Ok((
        String::from_utf8_lossy(&rest[..nul]).into_owned(),
        off + nul + 1,
    ))
}

/// SOCKS 4 and 4a: the request and its reply.
fn v4(cx: &mut Cx<'_>, tvb: &Tvb<'_>, conv: &mut Conversation, from_client: bool) -> R<()> {
    if from_client && conv.client == Client::Start {
        add_u8(cx, tvb, 0, &VERSION)?;
        conv.command = add_u8(cx, tvb, 1, &COMMAND)?;
        conv.port = add_u16(cx, tvb, 2, &DSTPORT)?;
        let ip = tvb.ipv4(4)?;
        cx.pkt.add(&DST, tvb, 4, 4, Value::Ipv4(ip));
        let (user, next) = stringz(tvb, 8)?;
        let v = cx.pkt.str_value(&user);
        cx.pkt.add(&USERNAME, tvb, 8, next - 8, v);
        // SOCKS 4a: 0.0.0.x (x non-zero) means a host name follows.
        if ip[..3] == [0, 0, 0] && ip[3] != 0 {
            let (host, end) = stringz(tvb, next)?;
            let v = cx.pkt.str_value(&host);
            cx.pkt.add(&V4A_DNS_NAME, tvb, next, end - next, v);
        }
        conv.client = Client::Done;
    } else if !from_client && conv.server == Server::Start {
        add_u8(cx, tvb, 0, &VERSION)?;
        add_u8(cx, tvb, 1, &RESULTS)?;
        add_u16(cx, tvb, 2, &DSTPORT)?;
        let ip = tvb.ipv4(4)?;
        cx.pkt.add(&DST, tvb, 4, 4, Value::Ipv4(ip));
        conv.server = Server::Done;
        conv.done_frame = Some(cx.pkt.meta.number);
    }
    Ok(())
}

/// RFC 1928 section 5: address type, address; the offset after it.
fn address(cx: &mut Cx<'_>, tvb: &Tvb<'_>, off: usize) -> R<usize> {
    let ty = add_u8(cx, tvb, off, &ADDRESS_TYPE)?;
    let off = off + 1;
    Ok(match ty {
        1 => {
            let ip = tvb.ipv4(off)?;
            cx.pkt.add(&DST, tvb, off, 4, Value::Ipv4(ip));
            off + 4
        }
        3 => {
            let len = tvb.u8(off)? as usize;
            let b = tvb.bytes(off + 1, len)?;
            let v = Value::Str(Span {
                src: Src::Data(tvb.ds()),
                start: tvb.base() + off as u32 + 1,
                len: len as u32,
            });
            let _ = b;
            cx.pkt.add(&REMOTE_NAME, tvb, off, len + 1, v);
            off + 1 + len
        }
        4 => {
            let ip = tvb.ipv6(off)?;
            cx.pkt.add(&DST_V6, tvb, off, 16, Value::Ipv6(ip));
            off + 16
        }
        _ => off,
    })
}

/// SOCKS 5 (RFC 1928), with RFC 1929 username/password authentication.
fn v5(cx: &mut Cx<'_>, tvb: &Tvb<'_>, conv: &mut Conversation, from_client: bool) -> R<()> {
    if from_client {
        match conv.client {
            Client::Start => {
                // Section 3: VER, NMETHODS, METHODS.
                add_u8(cx, tvb, 0, &VERSION)?;
                let count = tvb.u8(1)?;
                let t = cx.pkt.open(
                    &crate::proto::dns::TEXT,
                    tvb,
                    1,
                    1 + count as usize,
                    Value::None,
                );
                cx.pkt
                    .set_label(t, format_args!("Client Authentication Methods"));
                let r = (|| -> R<()> {
                    add_u8(cx, tvb, 1, &AUTH_METHOD_COUNT)?;
                    for i in 0..count as usize {
                        let m = tvb.u8(2 + i)?;
                        let n = cx
                            .pkt
                            .add(&AUTH_METHOD, tvb, 2 + i, 1, Value::UInt(m.into()));
                        let s = auth_method_name(m);
                        cx.pkt.set_label(n, format_args!("Method[{i}]: {m} ({s})"));
                    }
                    Ok(())
                })();
                cx.pkt.close();
                r?;
                cx.pkt
                    .cols
                    .append_info(format_args!(" Connect to server request"));
                conv.client = Client::WaitMethod;
            }
            Client::UserPass => {
                // RFC 1929 section 2: VER, ULEN, UNAME, PLEN, PASSWD.
                add_u8(cx, tvb, 0, &SUBNEGOTIATION_VERSION)?;
                let mut off = 1;
                for f in [&USERNAME, &PASSWORD] {
                    let len = tvb.u8(off)? as usize;
                    let b = tvb.bytes(off + 1, len)?;
                    let v = cx.pkt.str_value(&String::from_utf8_lossy(b));
                    cx.pkt.add(f, tvb, off, len + 1, v);
                    off += 1 + len;
                }
                conv.client = Client::WaitAuth;
            }
            Client::Command => {
                // Section 4: VER, CMD, RSV, ATYP, DST.ADDR, DST.PORT.
                add_u8(cx, tvb, 0, &VERSION)?;
                conv.command = add_u8(cx, tvb, 1, &COMMAND)?;
                let c = name(COMMANDS, conv.command);
                cx.pkt
                    .cols
                    .append_info(format_args!(" Command Request - {c}"));
                add_u8(cx, tvb, 2, &RESERVED)?;
                let off = address(cx, tvb, 3)?;
                conv.port = add_u16(cx, tvb, off, &PORT_FIELD)?;
                conv.client = Client::Done;
            }
            Client::WaitMethod | Client::WaitAuth | Client::Done => {}
        }
    } else {
        match conv.server {
            Server::Start if conv.client == Client::WaitMethod => {
                // Section 3: VER, METHOD.
                add_u8(cx, tvb, 0, &VERSION)?;
                let m = tvb.u8(1)?;
                let n = cx
                    .pkt
                    .add(&AUTH_ACCEPTED_METHOD, tvb, 1, 1, Value::UInt(m.into()));
                let s = auth_method_name(m);
                cx.pkt
                    .set_label(n, format_args!("Accepted Auth Method: {m:#x} ({s})"));
                cx.pkt
                    .cols
                    .append_info(format_args!(" Connect to server response"));
                conv.method = m;
                if m == 2 {
                    conv.client = Client::UserPass;
                    conv.server = Server::AuthReply;
                } else {
                    conv.client = Client::Command;
                    conv.server = Server::CommandReply;
                }
            }
            Server::AuthReply if conv.client == Client::WaitAuth => {
                // RFC 1929 section 2: VER, STATUS.
                add_u8(cx, tvb, 0, &SUBNEGOTIATION_VERSION)?;
                add_u8(cx, tvb, 1, &AUTH_STATUS)?;
                conv.client = Client::Command;
                conv.server = Server::CommandReply;
            }
            Server::CommandReply if conv.client == Client::Done => {
                // Section 6: VER, REP, RSV, ATYP, BND.ADDR, BND.PORT.
                add_u8(cx, tvb, 0, &VERSION)?;
                let rep = tvb.u8(1)?;
                let n = cx.pkt.add(&RESULTS, tvb, 1, 1, Value::UInt(rep.into()));
                let s = name(RESULTS_V5, rep);
                cx.pkt
                    .set_label(n, format_args!("Results(V5): {s} ({rep})"));
                let c = name(COMMANDS, conv.command);
                cx.pkt
                    .cols
                    .append_info(format_args!(" Command Response - {c}"));
                add_u8(cx, tvb, 2, &RESERVED)?;
                let off = address(cx, tvb, 3)?;
                add_u16(cx, tvb, off, &PORT_FIELD)?;
                conv.server = Server::Done;
                conv.done_frame = Some(cx.pkt.meta.number);
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::dns::test_util::*;
    use crate::State;

    /// A TCP segment between 10.0.0.1:50000 (client) and 10.0.0.2:PORT.
    fn seg(st: &mut State, n: u64, from_client: bool, payload: &[u8]) -> crate::Packet {
        tcp_segment(st, n, from_client, (50000, PORT), payload, dissect)
    }

    #[test]
    fn socks5_connect_by_name() {
        let mut st = State::default();
        // RFC 1928 section 3: version 5, one method, "no authentication".
        let p = seg(&mut st, 1, true, &[5, 1, 0]);
        assert_eq!(p.cols.protocol, "Socks");
        assert_eq!(p.cols.info, "Version: 5 Connect to server request");
        assert_eq!(values(&p, &[5, 1, 0], "socks.auth_method"), ["0"]);
        let p = seg(&mut st, 2, false, &[5, 0]);
        assert_eq!(p.cols.info, "Version: 5 Connect to server response");
        // Section 4: CONNECT to the domain name www.google.com port 443.
        let mut req = vec![5, 1, 0, 3, 14];
        req.extend_from_slice(b"www.google.com");
        req.extend_from_slice(&443u16.to_be_bytes());
        let p = seg(&mut st, 3, true, &req);
        assert_eq!(p.cols.info, "Version: 5 Command Request - Connect");
        assert_eq!(values(&p, &req, "socks.remote_name"), ["www.google.com"]);
        assert_eq!(values(&p, &req, "socks.port"), ["443"]);
        // Section 6: succeeded, bound to 0.0.0.0:443.
        let rep = [5, 0, 0, 1, 0, 0, 0, 0, 1, 187];
        let p = seg(&mut st, 4, false, &rep);
        assert_eq!(p.cols.info, "Version: 5 Command Response - Connect");
        assert_eq!(values(&p, &rep, "socks.dst"), ["0.0.0.0"]);
        assert_eq!(values(&p, &rep, "socks.results"), ["0"]);
        // After the handshake the conversation carries the remote protocol.
        let p = seg(&mut st, 5, true, b"hello");
        assert_eq!(values(&p, b"hello", "socks.dstport"), ["443"]);
        assert_eq!(values(&p, b"hello", "socks.command"), ["1"]);
    }

    #[test]
    fn socks4a_request_and_reply() {
        let mut st = State::default();
        // SOCKS 4a: CONNECT port 80 to 0.0.0.1, user "u", host "example.com".
        let mut req = vec![4, 1, 0, 80, 0, 0, 0, 1, b'u', 0];
        req.extend_from_slice(b"example.com\0");
        let p = seg(&mut st, 1, true, &req);
        assert_eq!(p.cols.info, "Version: 4");
        assert_eq!(values(&p, &req, "socks.dstport"), ["80"]);
        assert_eq!(values(&p, &req, "socks.username"), ["u"]);
        assert_eq!(values(&p, &req, "socks.v4a_dns_name"), ["example.com"]);
        let rep = [0, 90, 0, 80, 1, 2, 3, 4];
        let p = seg(&mut st, 2, false, &rep);
        assert_eq!(values(&p, &rep, "socks.results"), ["90"]);
    }

    #[test]
    fn cut_messages_never_panic() {
        let mut req = vec![5, 1, 0, 3, 14];
        req.extend_from_slice(b"www.google.com");
        req.extend_from_slice(&443u16.to_be_bytes());
        for cut in 1..req.len() {
            let mut st = State::default();
            seg(&mut st, 1, true, &[5, 1, 0]);
            seg(&mut st, 2, false, &[5, 0]);
            let p = seg(&mut st, 3, true, &req[..cut]);
            assert_eq!(p.cols.protocol, "Socks");
            assert!(
                p.cols.info.ends_with("[Malformed Packet]"),
                "{}",
                p.cols.info
            );
        }
    }

    #[test]
    fn other_first_bytes_are_unknown() {
        let mut st = State::default();
        let p = seg(&mut st, 1, false, b"POST / HTTP/1.1\r\n\r\n");
        assert_eq!(p.cols.protocol, "Socks");
        assert_eq!(p.cols.info, "Unknown");
        let p = seg(&mut st, 2, true, &[5, 1, 0]);
        assert_eq!(p.cols.info, "Unknown");
    }
}
