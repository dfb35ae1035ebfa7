//! Tests of the whole pipeline with test-local fields typed as in
//! Wireshark 4.0, and hand-built packets.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::{compile_with, Filter, FilterError};
use wirelab_dissect::{Packet, Span, Src, Value, NIL};

use crate as crate_resolver;
include!("testfields.rs");

fn c(s: &str) -> crate::Filter {
    match compile_with(s, &Fields) {
        Ok(f) => f,
        Err(e) => panic!("{s:?} did not compile: {}", e.render(s)),
    }
}

fn bad(s: &str) -> FilterError {
    match compile_with(s, &Fields) {
        Ok(_) => panic!("{s:?} compiled but should not"),
        Err(e) => e,
    }
}

/// An Ethernet/IPv4/TCP frame carrying an HTTP request, and its tree.
fn http_packet() -> (Packet, Vec<u8>) {
    let mut f = Vec::new();
    f.extend_from_slice(&[0xff; 6]); // dst: broadcast
    f.extend_from_slice(&[0x00, 0x00, 0x5e, 0x00, 0x53, 0x01]); // src
    f.extend_from_slice(&[0x08, 0x00]);
    let ip_start = f.len();
    f.extend_from_slice(&[
        0x45, 0x00, 0x00, 0x00, 0x12, 0x34, 0x40, 0x00, 64, 6, 0, 0, 10, 1, 2, 3, 192, 168, 7, 9,
    ]);
    let tcp_start = f.len();
    f.extend_from_slice(&[
        0x30, 0x39, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0x18, 0x01, 0x00, 0, 0, 0, 0,
    ]);
    let pl_start = f.len();
    f.extend_from_slice(b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
    let total = f.len() as u32;
    let ip_len = total - ip_start as u32;
    f[ip_start + 2] = (ip_len >> 8) as u8;
    f[ip_start + 3] = ip_len as u8;

    let mut p = Packet::new();
    let fr = p.add_under(NIL, &FRAME, 0, 0, total, Value::None);
    p.add_under(fr, &FRAME_LEN, 0, 0, 0, Value::UInt(total as u64));
    p.add_under(fr, &FRAME_NUMBER, 0, 0, 0, Value::UInt(7));
    p.add_under(
        fr,
        &FRAME_TIME_REL,
        0,
        0,
        0,
        Value::Time {
            secs: 1,
            nanos: 500_000_000,
        },
    );
    p.add_under(
        fr,
        &FRAME_TIME,
        0,
        0,
        0,
        Value::Time {
            secs: 1_310_000_000,
            nanos: 0,
        },
    );
    let eth = p.add_under(NIL, &ETH, 0, 0, 14, Value::None);
    let dst = [0xff; 6];
    let src = [0x00, 0x00, 0x5e, 0x00, 0x53, 0x01];
    p.add_under(eth, &ETH_DST, 0, 0, 6, Value::Ether(dst));
    p.add_under(eth, &ETH_ADDR, 0, 0, 6, Value::Ether(dst));
    p.add_under(eth, &ETH_SRC, 0, 6, 6, Value::Ether(src));
    p.add_under(eth, &ETH_ADDR, 0, 6, 6, Value::Ether(src));
    p.add_under(eth, &ETH_TYPE, 0, 12, 2, Value::UInt(0x0800));
    let ip = p.add_under(NIL, &IP, 0, ip_start as u32, 20, Value::None);
    let s = ip_start as u32;
    p.add_under(ip, &IP_LEN, 0, s + 2, 2, Value::UInt(ip_len as u64));
    p.add_under(ip, &IP_ID, 0, s + 4, 2, Value::UInt(0x1234));
    p.add_under(ip, &IP_FLAGS_DF, 0, s + 6, 1, Value::UInt(1));
    p.add_under(ip, &IP_TTL, 0, s + 8, 1, Value::UInt(64));
    p.add_under(ip, &IP_PROTO, 0, s + 9, 1, Value::UInt(6));
    p.add_under(ip, &IP_SRC, 0, s + 12, 4, Value::Ipv4([10, 1, 2, 3]));
    p.add_under(ip, &IP_ADDR, 0, s + 12, 4, Value::Ipv4([10, 1, 2, 3]));
    p.add_under(ip, &IP_DST, 0, s + 16, 4, Value::Ipv4([192, 168, 7, 9]));
    p.add_under(ip, &IP_ADDR, 0, s + 16, 4, Value::Ipv4([192, 168, 7, 9]));
    let t = tcp_start as u32;
    let tcp = p.add_under(NIL, &TCP, 0, t, total - t, Value::None);
    p.add_under(tcp, &TCP_SRCPORT, 0, t, 2, Value::UInt(12345));
    p.add_under(tcp, &TCP_DSTPORT, 0, t + 2, 2, Value::UInt(80));
    p.add_under(tcp, &TCP_PORT, 0, t, 2, Value::UInt(12345));
    p.add_under(tcp, &TCP_PORT, 0, t + 2, 2, Value::UInt(80));
    p.add_under(tcp, &TCP_FLAGS, 0, t + 12, 2, Value::UInt(0x018));
    p.add_under(tcp, &TCP_FLAGS_SYN, 0, t + 12, 2, Value::UInt(0));
    p.add_under(tcp, &TCP_FLAGS_ACK, 0, t + 12, 2, Value::Bool(true));
    p.add_under(
        tcp,
        &TCP_LEN,
        0,
        0,
        0,
        Value::UInt((total - pl_start as u32) as u64),
    );
    p.add_under(tcp, &TCP_AN_FLAGS, 0, 0, 0, Value::None);
    p.add_under(
        tcp,
        &TCP_PAYLOAD,
        0,
        pl_start as u32,
        total - pl_start as u32,
        Value::Bytes(Span {
            src: Src::Data(0),
            start: pl_start as u32,
            len: total - pl_start as u32,
        }),
    );
    let http = p.add_under(
        NIL,
        &HTTP,
        0,
        pl_start as u32,
        total - pl_start as u32,
        Value::None,
    );
    p.add_under(http, &HTTP_REQUEST, 0, 0, 0, Value::None);
    let m = Span {
        src: Src::Data(0),
        start: pl_start as u32,
        len: 3,
    };
    p.add_under(http, &HTTP_METHOD, 0, pl_start as u32, 3, Value::Str(m));
    let host = p.intern("example.com");
    p.add_under(
        http,
        &HTTP_HOST,
        0,
        pl_start as u32 + 22,
        11,
        Value::Str(host),
    );
    (p, f)
}

/// A DNS response with two A records and an AAAA record.
fn dns_packet() -> (Packet, Vec<u8>) {
    let f = vec![0u8; 80];
    let mut p = Packet::new();
    let fr = p.add_under(NIL, &FRAME, 0, 0, 80, Value::None);
    p.add_under(fr, &FRAME_LEN, 0, 0, 0, Value::UInt(80));
    let ip = p.add_under(NIL, &IP, 0, 14, 20, Value::None);
    p.add_under(ip, &IP_SRC, 0, 26, 4, Value::Ipv4([10, 0, 0, 53]));
    let udp = p.add_under(NIL, &UDP, 0, 34, 8, Value::None);
    p.add_under(udp, &UDP_PORT, 0, 34, 2, Value::UInt(53));
    let dns = p.add_under(NIL, &DNS, 0, 42, 38, Value::None);
    p.add_under(dns, &DNS_RESPONSE, 0, 44, 2, Value::UInt(1));
    p.add_under(dns, &DNS_RCODE, 0, 44, 2, Value::UInt(0));
    let name = p.intern("www.Example.COM");
    p.add_under(dns, &DNS_QRY_NAME, 0, 54, 17, Value::Str(name));
    p.add_under(dns, &DNS_QRY_TYPE, 0, 71, 2, Value::UInt(28));
    p.add_under(dns, &DNS_COUNT_ANSWERS, 0, 48, 2, Value::UInt(3));
    p.add_under(dns, &DNS_A, 0, 0, 4, Value::Ipv4([10, 9, 8, 7]));
    p.add_under(dns, &DNS_A, 0, 0, 4, Value::Ipv4([93, 184, 216, 34]));
    p.add_under(
        dns,
        &DNS_AAAA,
        0,
        0,
        16,
        Value::Ipv6(
            "2001:db8::1"
                .parse::<std::net::Ipv6Addr>()
                .unwrap()
                .octets(),
        ),
    );
    p.add_under(dns, &DNS_RESP_TTL, 0, 0, 4, Value::Int(-5));
    p.add_under(dns, &RTT, 0, 0, 0, Value::Double(0.25));
    (p, f)
}

fn check_all(p: &Packet, f: &[u8], cases: &[(&str, bool)]) {
    let mut wrong = Vec::new();
    for (expr, want) in cases {
        let flt = c(expr);
        if flt.matches(p, f) != *want {
            wrong.push(format!("{expr:?}: expected {want}"));
        }
    }
    assert!(wrong.is_empty(), "wrong results:\n{}", wrong.join("\n"));
}

#[test]
fn evaluates_existence_logic_and_comparisons() {
    let (p, f) = http_packet();
    check_all(
        &p,
        &f,
        &[
            ("", true),
            ("tcp", true),
            ("udp", false),
            ("!udp", true),
            ("not tcp", false),
            ("tcp and not udp", true),
            ("udp or tcp", true),
            ("udp || !tcp", false),
            ("tcp.analysis.flags", true),
            ("http.request && !http.response", true),
            ("ip && !tcp && !udp", false),
            ("tcp.port == 80", true),
            ("tcp.port eq 80", true),
            ("tcp.port == 81", false),
            ("tcp.port != 80", false),
            ("tcp.port != 81", true),
            ("tcp.port ne 81", true),
            ("tcp.port ~= 80", true),
            ("tcp.port !== 80", true),
            ("tcp.port === 80", false),
            ("tcp.dstport === 80", true),
            ("tcp.port > 10000", true),
            ("tcp.port < 80", false),
            ("tcp.port <= 80", true),
            ("tcp.port ge 12345", true),
            ("tcp.port gt 12345", false),
            ("tcp.port lt 81 && tcp.port le 80", true),
            ("udp.port != 53", false),
            ("tcp.srcport > tcp.dstport", true),
            ("ip.src == ip.dst", false),
            ("ip.ttl == 64", true),
            ("ip.ttl == 0x40", true),
            ("ip.ttl == 0100", true),
            ("ip.ttl == 0b1000000", true),
            ("ip.ttl == '@'", true),
            ("ip.proto == TCP", true),
            ("ip.proto == \"tcp\"", true),
            ("ip.flags.df == 1", true),
            ("ip.flags.df == True", true),
            ("ip.flags.df == Set", true),
            ("ip.flags.df == 0", false),
            ("tcp.flags.syn == 1", false),
            ("tcp.flags.syn == 1 && tcp.flags.ack == 0", false),
            ("tcp.flags.ack == 1", true),
            ("tcp.flags == 0x018", true),
            ("tcp.flags & 0x12 == 0x12", false),
            ("tcp.flags & 0x10", true),
            ("tcp.flags & 0x02", false),
            ("ip.ttl > 1 && ip.ttl <= 64", true),
            ("tcp.srcport > tcp.dstport >= 80", true),
            ("tcp.srcport > tcp.dstport > 80", false),
            ("ip.addr == ip.src == ip.addr", true),
            ("frame.number <= 20", true),
            ("frame.number in {1, 3, 5, 7, 11}", true),
            ("frame.number in {10..20}", false),
            ("frame.number in {1..7}", true),
            ("frame.number not in {7}", false),
            ("tcp.port in {80, 443, 8080}", true),
            ("tcp.port in {20..25}", false),
            ("frame.time_relative > 1.5", false),
            ("frame.time_relative >= 1.5", true),
            ("frame.time_relative <= 0.001", false),
            ("frame.time == \"2011-07-07 00:53:20\"", true),
            ("frame.time > \"Jul 7, 2011 00:53:19.5\"", true),
        ],
    );
}

#[test]
fn evaluates_addresses_bytes_and_strings() {
    let (p, f) = http_packet();
    check_all(
        &p,
        &f,
        &[
            ("ip.src == 10.1.2.3", true),
            ("ip.addr == 192.168.7.9", true),
            ("ip.addr == 10.0.0.0/8", true),
            (
                "ip.src == 192.168.0.0/16 && ip.dst == 192.168.0.0/16",
                false,
            ),
            ("ip.dst == 192.168.0.0/16", true),
            ("ip.addr != 10.1.2.3", false),
            ("!(ip.addr == 10.1.2.3)", false),
            ("ip.dst != 255.255.255.255", true),
            ("ip.src > 10.1.2.2", true),
            ("eth.dst == ff:ff:ff:ff:ff:ff", true),
            ("eth.dst == ff-ff-ff-ff-ff-ff", true),
            ("eth.dst == ffff.ffff.ffff", true),
            ("eth.addr == 00:00:00:00:00:00", false),
            ("eth.src[0:3] == 00:00:5e", true),
            ("eth.src[:3] == 00.00.5e", true),
            ("eth.src[3:] == 00:53:01", true),
            ("eth.src[-1] == 01", true),
            ("eth.src[-2:2] == 53:01", true),
            ("eth.src[1-2] == 00:5e", true),
            ("eth.src[0:2,5] == 00:00:01", true),
            ("eth.src[4:5] == 00", false),
            ("eth.dst[0] & 1", true),
            ("eth.dst[0] & 0x01", true),
            ("eth.dst[0] == 0xff", true),
            ("eth.src[0] & 1", false),
            ("eth.type == 0x0800", true),
            ("frame contains \"GET\"", true),
            ("frame contains 47:45:54", true),
            ("frame contains \"POST\"", false),
            ("tcp contains \"Host\"", true),
            ("ip contains \"Host\"", false),
            ("tcp.payload contains \"HTTP/1.1\"", true),
            ("tcp.payload contains 48:54", true),
            ("tcp.payload[0:3] == \"GET\"", true),
            ("ip.src[0] == 0a", true),
            ("frame matches \"host:\"", true),
            ("frame matches \"(?-i)host:\"", false),
            ("frame matches \"(?i)HOST:\"", true),
            ("http.request.method == \"GET\"", true),
            ("http.request.method == GET", true),
            ("http.request.method == \"get\"", false),
            ("http.request.method in {\"GET\", \"HEAD\"}", true),
            ("http.request.method > \"FOO\"", true),
            ("http.host contains \".\"", true),
            ("http.host matches \"^EXAMPLE\\\\.\"", true),
            ("http.host matches r\"\\.com$\"", true),
            ("http.host ~ \"org\"", false),
            ("http.host[0:7] == \"example\"", true),
            ("len(http.host) == 11", true),
            ("len(tcp.payload) > 10", true),
            ("len(eth.src) == 6", true),
            ("count(ip.addr) == 2", true),
            ("count(tcp.port) >= 3", false),
            ("count(udp.port) == 0", true),
            ("upper(http.host) == \"EXAMPLE.COM\"", true),
            ("lower(upper(http.host)) contains \"ample\"", true),
            ("string(tcp.dstport) == \"80\"", true),
            ("string(ip.src) == \"10.1.2.3\"", true),
            ("string(eth.type) contains \"2048\"", true),
            // As tshark 4.0: string() of an integer is decimal.
            ("string(tcp.flags) == \"24\"", true),
            ("string(tcp.flags) == \"0x018\"", false),
        ],
    );
}

#[test]
fn evaluates_arithmetic_and_functions() {
    let (p, f) = http_packet();
    check_all(
        &p,
        &f,
        &[
            ("ip.ttl + 1 > 64", true),
            ("ip.ttl + 1 == 65", true),
            ("ip.ttl - 65 == -1", true),
            ("frame.len - ip.len == 14", true),
            ("frame.len - ip.len > 14", false),
            ("tcp.dstport % 2 == 0", true),
            ("tcp.dstport / 3 == 26", true),
            ("tcp.dstport * 2 == 160", true),
            ("{ip.ttl + 1} * 2 == 130", true),
            ("ip.ttl + ip.ttl * 2 == 192", true),
            ("-ip.ttl == -64", true),
            ("abs(-ip.ttl) == 64", true),
            ("max(tcp.port) == 12345", true),
            ("min(tcp.port) == 80", true),
            ("max(ip.ttl, tcp.dstport, 3) == 80", true),
            ("min(ip.ttl, 3) == 3", true),
            ("tcp.dstport / 0 == 1", false),
            ("ip.ttl & 0x40 == 0x40", true),
            ("ip.ttl bitwise_and 0x40", true),
            ("frame.time_relative + 1.0 > 2.4", true),
        ],
    );
}

#[test]
fn evaluates_dns_values() {
    let (p, f) = dns_packet();
    check_all(
        &p,
        &f,
        &[
            ("dns", true),
            ("dns.flags.response == 1", true),
            ("dns.flags.response == 0", false),
            ("dns.flags.rcode != 0", false),
            ("dns.flags.rcode == \"No error\"", true),
            ("dns.qry.type == 28", true),
            ("dns.qry.type == AAAA", true),
            ("dns.qry.type == aaaa", true),
            ("dns.qry.type == A", false),
            ("dns.qry.type in {12, 15, 16, 33}", false),
            ("dns.qry.type in {A, AAAA}", true),
            ("dns.qry.name == \"www.Example.COM\"", true),
            ("dns.qry.name == \"www.example.com\"", false),
            ("dns.qry.name contains \"Example\"", true),
            ("dns.qry.name contains \"example\"", false),
            ("dns.qry.name matches \"^www\\\\.\"", true),
            ("dns.qry.name matches \"com$\"", true),
            ("len(dns.qry.name) > 20", false),
            ("len(dns.qry.name) == 15", true),
            ("lower(dns.qry.name) contains \"example\"", true),
            ("upper(dns.qry.name) contains \"WWW\"", true),
            ("lower(dns.qry.name) == \"www.example.com\"", true),
            ("dns.count.answers > 1", true),
            ("count(dns.a) >= 2", true),
            ("dns.a", true),
            ("dns.aaaa", true),
            ("dns.cname", false),
            ("dns.a == 10.0.0.0/8", true),
            ("dns.a == 93.184.216.34", true),
            ("dns.a != 10.9.8.7", false),
            ("dns.a ~= 10.9.8.7", true),
            ("dns.a === 10.0.0.0/8", false),
            ("dns.aaaa == 2001:db8::/32", true),
            ("dns.aaaa == 2001:db9::/32", false),
            ("dns.aaaa == 2001:db8::1", true),
            ("dns.resp.ttl < 0", true),
            ("dns.resp.ttl == -5", true),
            ("abs(dns.resp.ttl) == 5", true),
            ("x.rtt > 0.2", true),
            ("x.rtt == 0.25", true),
            ("x.rtt * 4 == 1.0", true),
            ("dns.resp.ttl in {-10..-1}", true),
            ("udp.port == 53 && !(ip.src == 127.0.0.1)", true),
        ],
    );
}

#[test]
fn layers_and_references() {
    // IP in IP: ip.src appears in two layers.
    let f = vec![0u8; 60];
    let mut p = Packet::new();
    let a = p.add_under(NIL, &IP, 0, 0, 40, Value::None);
    p.add_under(a, &IP_SRC, 0, 12, 4, Value::Ipv4([1, 1, 1, 1]));
    let b = p.add_under(a, &IP, 0, 20, 20, Value::None);
    p.add_under(b, &IP_SRC, 0, 32, 4, Value::Ipv4([2, 2, 2, 2]));
    check_all(
        &p,
        &f,
        &[
            ("ip.src#1 == 1.1.1.1", true),
            ("ip.src#2 == 1.1.1.1", false),
            ("ip.src#2 == 2.2.2.2", true),
            ("ip.src#[1-2] == 2.2.2.2", true),
            ("ip#2", true),
            ("ip#3", false),
            ("count(ip.src#2) == 1", true),
            ("ip.src == ${ip.src}", false),
        ],
    );
    let flt = c("ip.src == ${ip.src}");
    let (r, rf) = dns_packet();
    assert!(!flt.matches_with_reference(&p, &f, (&r, &rf)));
    let flt = c("ip.src != ${ip.src}");
    assert!(flt.matches_with_reference(&p, &f, (&r, &rf)));
    let flt = c("${ip.src} == 10.0.0.53");
    assert!(flt.matches_with_reference(&p, &f, (&r, &rf)));
}

#[test]
fn fields_lists_what_the_filter_reads() {
    let flt = c("tcp.port == 80 && frame.len > 1000 || tcp.port == 443");
    let names: Vec<&str> = flt.fields().iter().map(|f| f.abbrev).collect();
    assert_eq!(names, ["tcp.port", "frame.len"]);
    assert!(c("").is_empty());
    assert!(c("").fields().is_empty());
}

/// (filter, byte offset, length, message). The messages and positions are
/// those tshark 4.0.17 prints for the same filters, except: regular
/// expression errors (the `regex` crate words them differently from PCRE2),
/// malformed addresses and byte strings that tshark's scanner already splits
/// (`fe80:::1`, `00:zz`, `10/8`, `10.0.0.0/8/8`), unterminated input (tshark
/// draws one caret past the end; here `len` is 0), and `eth.type == 0800`
/// (the test field has no value names).
const INVALID: &[(&str, usize, usize, &str)] = &[
    ("foo", 0, 3, "foo is neither a field nor a protocol name."),
    ("frame[0:2] == 0xffff", 14, 6, "\"0xffff\" is not a valid byte string."),
    ("frame[20:1] & 0x1", 14, 3, "\"0x1\" is not a valid byte string."),
    ("ip.ttl[0] == 40", 0, 6, "\"ip.ttl\" is a Unsigned integer (1 byte) and cannot be sliced into a sequence of bytes."),
    ("icmp.type == \"Echo (ping) request\"", 13, 21, "Unsigned integer (1 byte) cannot be converted from a string (\"Echo (ping) request\")."),
    ("tcp.port in {\"80\"}", 13, 4, "Unsigned integer (2 bytes) cannot be converted from a string (\"80\")."),
    ("foo == 1", 0, 3, "Left side of \"==\" expression must be a field or function, not foo."),
    ("tcp.prot == 80", 0, 8, "Left side of \"==\" expression must be a field or function, not tcp.prot."),
    ("tcp && udpp", 7, 4, "udpp is neither a field nor a protocol name."),
    ("tcp.port == 80 &&", 17, 0, "Unexpected end of filter expression."),
    ("tcp.port ==", 11, 0, "Unexpected end of filter expression."),
    ("== 80", 0, 2, "\"==\" was unexpected in this context."),
    ("tcp.port 80", 9, 2, "\"80\" was unexpected in this context."),
    ("(tcp.port == 80", 15, 0, "Unexpected end of filter expression."),
    ("tcp.port == 80)", 14, 1, "\")\" was unexpected in this context."),
    ("tcp and and udp", 8, 3, "\"and\" was unexpected in this context."),
    ("tcp.port = 80", 9, 1, "\"=\" was unexpected in this context."),
    ("tcp.port in {80 443}", 16, 3, "\"443\" was unexpected in this context."),
    ("tcp.port in {80, 443", 20, 0, "Unexpected end of filter expression."),
    ("tcp.port in {}", 13, 1, "\"}\" was unexpected in this context."),
    ("tcp.port == foo", 12, 3, "\"foo\" is not a valid number."),
    ("tcp.port == 70000", 12, 5, "\"70000\" too big for this field, maximum 65535."),
    ("ip.ttl == 1.5", 10, 3, "\"1.5\" is not a valid number."),
    ("ip.src == 10.0.0.256", 10, 10, "\"10.0.0.256\" is not a valid hostname or IPv4 address."),
    ("ip.src == 10.0.0.0/33", 10, 11, "Netmask bits in a CIDR IPv4 address should be <= 32, not 33"),
    ("ip.src == example.com", 10, 11, "\"example.com\" is not a valid hostname or IPv4 address."),
    ("ipv6.addr == fe80:::1", 13, 8, "\"fe80:::1\" is not a valid hostname or IPv6 address."),
    ("ipv6.addr == ::1/129", 13, 7, "Prefix in a IPv6 address should be <= 128, not 129"),
    ("eth.dst == ff:ff:ff", 11, 8, "\"ff:ff:ff\" contains too few bytes to be a valid Ethernet address."),
    ("eth.src[0:3] == 00:zz", 16, 5, "\"00:zz\" is not a valid byte string."),
    ("dns.qry.type == AAAAA", 16, 5, "\"AAAAA\" cannot be found among the possible values for dns.qry.type."),
    ("ip.flags.df == maybe", 15, 5, "\"maybe\" cannot be found among the possible values for ip.flags.df."),
    ("ip.src == ip.ttl", 10, 6, "ip.src and ip.ttl are not of compatible types."),
    ("ip.src contains 10", 0, 6, "ip.src (type=IPv4 address) cannot participate in contains comparison."),
    ("tcp.port matches \"8\"", 0, 8, "tcp.port (type=Unsigned integer (2 bytes)) cannot participate in matches comparison."),
    ("tcp.analysis.flags == 1", 0, 18, "tcp.analysis.flags (type=Label) cannot participate in == comparison."),
    ("dns.qry.name matches foo", 21, 3, "Matches requires a double quoted string on the right side."),
    ("dns.qry.name matches \"(\"", 21, 3, "Regex compilation error: unclosed group."),
    ("dns.qry.name == \"abc", 20, 0, "The final quote was missing from a quoted string."),
    ("frame[0:2 == 1", 14, 0, "The right bracket was missing from a slice."),
    ("frame[x] == 1", 6, 1, "\"x\" is not a valid number."),
    ("frame[1:0] == 1", 6, 3, "Range 1:0 isn't valid because length 0 isn't positive"),
    ("foo(tcp.port) == 1", 0, 3, "Function 'foo' does not exist"),
    ("len() == 1", 0, 3, "Function len needs at least 1 arguments."),
    ("len(tcp.port, ip.ttl) == 1", 0, 3, "Function len can only accept 1 arguments."),
    ("lower(tcp.port) == \"x\"", 6, 8, "Only string type fields can be used as parameter for lower()"),
    ("ip.src + 1 == 2", 0, 6, "FT_IPv4 cannot +."),
    ("1 == 1", 0, 1, "Left side of \"==\" expression must be a field or function, not 1."),
    ("\"abc\"", 0, 5, "\"abc\" is neither a field nor a protocol name."),
    ("${nosuch.field} == 1", 2, 12, "macro 'nosuch.field' does not exist"),
    ("ip.src# == 1.1.1.1", 7, 1, "Expected digit or \"[\", not \" \""),
    ("dns.qry.name == \"\\q\"", 17, 2, "\\q is not a valid character escape sequence"),
    ("ip.ttl == 'ab'", 10, 4, "'ab' is too long to be a valid character constant."),
    ("tcp.port in {80..foo}", 17, 3, "\"foo\" is not a valid number."),
    ("count(1) == 1", 6, 1, "Only fields can be used as parameter for count()"),
    ("ip.src[0:2] & ip.ttl", 14, 6, "ip.src[0:2] and ip.ttl are not type compatible."),
    ("frame.len ! 3", 12, 1, "\"3\" was unexpected in this context."),
    ("tcp.port == 80 || || udp", 18, 2, "\"||\" was unexpected in this context."),
    ("frame.time == \"yesterday\"", 14, 11, "\"yesterday\" is not a valid absolute time. Example: \"Nov 12, 1999 08:55:44.123\" or \"2011-07-04 12:34:56\""),
    ("tcp ^^ udp", 4, 1, "\"^\" was unexpected in this context."),
    ("a.b.c", 0, 5, "a.b.c is neither a field nor a protocol name."),
    ("80 == tcp.port", 0, 2, "Left side of \"==\" expression must be a field or function, not 80."),
    ("1 < ip.ttl <= 64", 0, 1, "Left side of \"<\" expression must be a field or function, not 1."),
    ("tcp.port == 80 xor udp", 15, 3, "\"xor\" was unexpected in this context."),
    ("len(frame)", 0, 3, "You cannot test whether a function is present."),
    ("tcp.port == 80 && frame.len-ip.len > 3", 18, 16, "Left side of \">\" expression must be a field or function, not frame.len-ip.len."),
    ("ip.addr == 10.0.0.1 10.0.0.2", 20, 8, "\"10.0.0.2\" was unexpected in this context."),
    ("eth.type == 0800", 12, 4, "\"0800\" is not a valid number."),
    ("ip.proto == tcp", 12, 3, "ip.proto and tcp are not of compatible types."),
    ("frame.time == 1", 14, 1, "\"1\" is not a valid absolute time. Example: \"Nov 12, 1999 08:55:44.123\" or \"2011-07-04 12:34:56\""),
    ("ip.src == 10.0.0.1/32 or ip.dst == 10/8", 35, 4, "\"10/8\" is not a valid hostname or IPv4 address."),
    ("upper(1) == \"x\"", 6, 1, "Only string type fields can be used as parameter for upper()"),
    ("tcp.port contains 80", 0, 8, "tcp.port (type=Unsigned integer (2 bytes)) cannot participate in contains comparison."),
    ("len(foo) == 1", 4, 3, "Only fields can be used as parameter for len()"),
    ("count(ip.ttl, ip.ttl) == 1", 0, 5, "Function count can only accept 1 arguments."),
    ("ip.src > \"abc\"", 9, 5, "IPv4 address cannot be converted from a string (\"abc\")."),
    ("ip.src == \"10.0.0.1\"", 10, 10, "IPv4 address cannot be converted from a string (\"10.0.0.1\")."),
    ("tcp.port == \"80\"", 12, 4, "Unsigned integer (2 bytes) cannot be converted from a string (\"80\")."),
    ("eth.dst == \"ff:ff:ff:ff:ff:ff\"", 11, 19, "Ethernet or other MAC address cannot be converted from a string (\"ff:ff:ff:ff:ff:ff\")."),
    ("frame contains ip.src", 15, 6, "frame and ip.src are not of compatible types."),
    ("tcp.port in {80, foo}", 17, 3, "\"foo\" is not a valid number."),
    ("lower(http.host, 1) == \"x\"", 0, 5, "Function lower can only accept 1 arguments."),
    ("tcp.analysis.flags contains 1", 0, 18, "tcp.analysis.flags (type=Label) cannot participate in contains comparison."),
    ("ip.ttl == 0x", 10, 2, "\"0x\" is not a valid number."),
    ("ip.ttl == 99999999999999999999999", 10, 23, "\"99999999999999999999999\" causes an integer overflow."),
    ("min() == 1", 0, 3, "Function min needs at least 1 arguments."),
    ("max(ip.src) == 1", 15, 1, "\"1\" is not a valid hostname or IPv4 address."),
    ("abs(\"x\") == 1", 4, 3, "Type STRING is not valid for abs"),
    ("ip.src#x == 1.1.1.1", 7, 1, "Expected digit or \"[\", not \"x\""),
    ("frame[", 6, 0, "The right bracket was missing from a slice."),
    ("frame]", 5, 1, "\"]\" was unexpected in this context."),
    ("tcp.port in 80", 12, 2, "\"80\" was unexpected in this context."),
    ("tcp.port in {80..}", 17, 1, "\"}\" was unexpected in this context."),
    ("!", 1, 0, "Unexpected end of filter expression."),
    ("()", 1, 1, "\")\" was unexpected in this context."),
    ("tcp and ()", 9, 1, "\")\" was unexpected in this context."),
    ("r\"x\"", 0, 4, "\"x\" is neither a field nor a protocol name."),
    ("\"a\\x\"", 2, 2, "\\x is not a valid character escape sequence"),
    ("'a", 2, 0, "The final quote was missing from a character constant."),
    ("tcp.port == 80 80", 15, 2, "\"80\" was unexpected in this context."),
    ("tcp.port == 1e3", 12, 3, "\"1e3\" is not a valid number."),
    ("frame.time_relative == 1e3", 23, 3, "\"1e3\" is not a valid time."),
    ("tcp.port == 80.0", 12, 4, "\"80.0\" is not a valid number."),
    ("ip.flags.df == ip.ttl", 15, 6, "ip.flags.df and ip.ttl are not of compatible types."),
    ("http.request.uri matches \"a{2,1}\"", 25, 8, "Regex compilation error: invalid repetition count range, the start must be <= the end."),
    ("ip.src == 1.1.1.1 === 1", 10, 7, "Left side of \"===\" expression must be a field or function, not 1.1.1.1."),
    ("ip.src == 10.0.0.0/8/8", 10, 12, "\"10.0.0.0/8/8\" is not a valid hostname or IPv4 address."),
    ("string(http.host) == \"x\"", 7, 9, "String conversion for field \"http.host\" is not supported"),
    ("string(1) == \"x\"", 7, 1, "Only fields can be used as parameter for string()"),
    ("string(frame) contains \"x\"", 7, 5, "String conversion for field \"frame\" is not supported"),
    ("foo eq 1", 0, 3, "Left side of \"eq\" expression must be a field or function, not foo."),
    ("\"abc\" contains x", 0, 5, "Left side of contains expression must be a field or function, not \"abc\"."),
    ("foo in {1}", 0, 3, "Only a field may be tested for membership in a set."),
    ("foo contains \"x\"", 0, 3, "Left side of contains expression must be a field or function, not foo."),
    ("foo matches \"x\"", 0, 3, "Left side of matches expression must be a field or function, not foo."),
    ("eth.dst == ff:ff:ff:ff:ff:ff:ff", 11, 20, "\"ff:ff:ff:ff:ff:ff:ff\" contains too many bytes to be a valid Ethernet address."),
    ("abs(ip.src) == 1", 4, 6, "'ip.src' is not a valid argument to 'abs'()"),
    ("string(tcp.payload) contains \"x\"", 7, 11, "String conversion for field \"tcp.payload\" is not supported"),
    ("string(tcp.analysis.flags) == \"1\"", 7, 18, "String conversion for field \"tcp.analysis.flags\" is not supported"),
    ("len(tcp.payload[0:3]) == 3", 4, 16, "Only fields can be used as parameter for len()"),
    ("len(lower(http.host)) == 3", 4, 5, "Only fields can be used as parameter for len()"),
    ("tcp.flags.syn == \"maybe\"", 17, 7, "\"maybe\" cannot be found among the possible values for tcp.flags.syn."),
    ("frame.time_relative == \"1\"", 23, 3, "Time offset cannot be converted from a string (\"1\")."),
    ("ip.ttl + 1.5 > 3", 9, 3, "\"1.5\" is not a valid number."),
    ("frame.time_relative * 2 > 3", 0, 19, "FT_RELATIVE_TIME cannot *."),
    ("len(ip.ttl + 1) == 1", 4, 10, "Only fields can be used as parameter for len()"),
    ("ip.src == 10.0.0.1 or or", 22, 2, "\"or\" was unexpected in this context."),
    ("tcp.port == 80 and (udp or)", 26, 1, "\")\" was unexpected in this context."),
];

#[test]
fn invalid_filters_are_rejected_at_the_right_place() {
    let mut wrong = Vec::new();
    for (expr, pos, len, msg) in INVALID {
        let e = bad(expr);
        if (e.pos, e.len, e.msg.as_str()) != (*pos, *len, *msg) {
            wrong.push(format!(
                "{expr:?}: got ({}, {}, {:?}), want ({pos}, {len}, {msg:?})",
                e.pos, e.len, e.msg
            ));
        }
    }
    assert!(INVALID.len() >= 100);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn errors_render_like_tshark() {
    let e = bad("tcp.port == 80 && foo");
    assert_eq!(
        e.render("tcp.port == 80 && foo"),
        "foo is neither a field nor a protocol name.\n    tcp.port == 80 && foo\n                      ^~~"
    );
    let e = bad("tcp.port ==");
    assert_eq!(
        e.render("tcp.port =="),
        "Unexpected end of filter expression.\n    tcp.port ==\n               ^"
    );
    // Positions count characters, not bytes, when drawing the caret.
    let s = "dns.qry.name == \"é\" && bogus";
    let e = bad(s);
    let want = format!("\n    {}^~~~~", " ".repeat(23));
    assert!(e.render(s).ends_with(&want), "{}", e.render(s));
}

fn dev_filters() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/filters/dev.txt"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!("cannot read {path} (the shared filter list beside the repository): {e}")
    });
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

#[test]
fn every_dev_filter_compiles() {
    let filters = dev_filters();
    assert!(
        filters.len() > 100,
        "only {} filters in dev.txt",
        filters.len()
    );
    let mut failed = Vec::new();
    for f in &filters {
        if let Err(e) = compile_with(f, &Fields) {
            failed.push(e.render(f));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} failed:\n{}",
        failed.len(),
        filters.len(),
        failed.join("\n")
    );
}

#[test]
fn dftest_forms() {
    let cases: &[(&str, &str)] = &[
        ("tcp", " 0 FIELD(tcp <FT_PROTOCOL>)\n"),
        ("tcp.port == 80", " 0 TEST_ANY_EQ:\n   1 FIELD(tcp.port <FT_UINT16>)\n   1 FVALUE(80 <FT_UINT16>)\n"),
        ("ip.addr != 10.0.0.1", " 0 TEST_ALL_NE:\n   1 FIELD(ip.addr <FT_IPv4>)\n   1 FVALUE(10.0.0.1 <FT_IPv4>)\n"),
        ("ip.addr == 10.0.0.0/8", " 0 TEST_ANY_EQ:\n   1 FIELD(ip.addr <FT_IPv4>)\n   1 FVALUE(10.0.0.0/8 <FT_IPv4>)\n"),
        ("ipv6.src == fe80::/10", " 0 TEST_ANY_EQ:\n   1 FIELD(ipv6.src <FT_IPv6>)\n   1 FVALUE(fe80::/10 <FT_IPv6>)\n"),
        (
            "dns && !(udp.port == 53)",
            " 0 TEST_AND:\n   1 FIELD(dns <FT_PROTOCOL>)\n   1 TEST_NOT:\n     2 TEST_ANY_EQ:\n       3 FIELD(udp.port <FT_UINT16>)\n       3 FVALUE(53 <FT_UINT16>)\n",
        ),
        (
            "eth.src[0:3] == 00:00:5e",
            " 0 TEST_ANY_EQ:\n   1 SLICE[0:3]:\n     2 FIELD(eth.src <FT_ETHER>)\n   1 FVALUE(00:00:5e <FT_BYTES>)\n",
        ),
        (
            "tcp.flags & 0x12 == 0x12",
            " 0 TEST_ANY_EQ:\n   1 OP_BITWISE_AND:\n     2 FIELD(tcp.flags <FT_UINT16>)\n     2 FVALUE(18 <FT_UINT16>)\n   1 FVALUE(18 <FT_INT64>)\n",
        ),
        (
            "frame.number in {10..20}",
            " 0 TEST_IN:\n   1 FIELD(frame.number <FT_UINT32>)\n   1 SET(10 <FT_UINT32>..20 <FT_UINT32>)\n",
        ),
        (
            "dns.qry.name matches \"^www\\\\.\"",
            " 0 TEST_MATCHES:\n   1 FIELD(dns.qry.name <FT_STRING>)\n   1 PCRE(^www\\.)\n",
        ),
        (
            "frame contains 47:45:54",
            " 0 TEST_CONTAINS:\n   1 FIELD(frame <FT_PROTOCOL>)\n   1 FVALUE(47:45:54 <FT_PROTOCOL>)\n",
        ),
        (
            "len(dns.qry.name) > 20",
            " 0 TEST_GT:\n   1 FUNCTION(len):\n     2 FIELD(dns.qry.name <FT_STRING>)\n   1 FVALUE(20 <FT_INT64>)\n",
        ),
        (
            "http.request.method == \"GET\"",
            " 0 TEST_ANY_EQ:\n   1 FIELD(http.request.method <FT_STRING>)\n   1 FVALUE(\"GET\" <FT_STRING>)\n",
        ),
        (
            "frame.time_relative > 1.5",
            " 0 TEST_GT:\n   1 FIELD(frame.time_relative <FT_RELATIVE_TIME>)\n   1 FVALUE(1.500000000 <FT_RELATIVE_TIME>)\n",
        ),
        (
            "ip.ttl + 1 > 64",
            " 0 TEST_GT:\n   1 OP_ADD:\n     2 FIELD(ip.ttl <FT_UINT8>)\n     2 FVALUE(1 <FT_UINT8>)\n   1 FVALUE(64 <FT_INT64>)\n",
        ),
        ("dns.qry.type == AAAA", " 0 TEST_ANY_EQ:\n   1 FIELD(dns.qry.type <FT_UINT16>)\n   1 FVALUE(28 <FT_UINT16>)\n"),
    ];
    for (expr, tree) in cases {
        let got = c(expr).dftest();
        let want = format!("Filter:\n    {expr}\n\nSyntax tree:\n{tree}");
        assert_eq!(got, want, "dftest of {expr:?}");
    }
}

#[test]
fn global_registry_compiles_frame_fields() {
    let f = crate::compile("frame.len > 1000 && frame").unwrap();
    assert_eq!(f.fields().len(), 2);
    let d = crate::dftest("frame.number == 3").unwrap();
    assert!(d.contains("FIELD(frame.number <FT_UINT32>)"), "{d}");
    let e = crate::compile("frame && frame.lenn").unwrap_err();
    assert_eq!(e.msg, "frame.lenn is neither a field nor a protocol name.");
}

// ---- property tests (seeded, bounded) ----

const ALPHABET: &[&str] = &[
    " ",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ",",
    "..",
    ":",
    "-",
    "#",
    "$",
    "!",
    "=",
    "==",
    "!=",
    "===",
    "~",
    "~=",
    "<",
    ">=",
    "&&",
    "||",
    "^^",
    "&",
    "|",
    "+",
    "*",
    "/",
    "%",
    "\"",
    "'",
    "\\",
    "r\"",
    "tcp",
    "tcp.port",
    "ip.src",
    "frame",
    "dns.qry.name",
    "eth.src",
    "and",
    "or",
    "not",
    "in",
    "contains",
    "matches",
    "len",
    "count",
    "lower",
    "max",
    "0",
    "1",
    "80",
    "0x1f",
    "-1",
    "10.0.0.1",
    "/8",
    "ff:ff",
    "::1",
    "é",
    "\u{0}",
    "1.5",
    "a",
    "${",
    "xor",
    "string",
];

/// The bounded default count, or `WIRELAB_FUZZ_SCALE` times it for a
/// longer run (e.g. `WIRELAB_FUZZ_SCALE=100 cargo test --release`).
fn iterations(default: usize) -> usize {
    let scale = std::env::var("WIRELAB_FUZZ_SCALE")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, 10_000);
    default * scale
}

#[test]
fn random_strings_never_panic() {
    let mut rng = StdRng::seed_from_u64(0x5eed_f117);
    let mut bytes = StdRng::seed_from_u64(7);
    for i in 0..iterations(4000) {
        let mut s = String::new();
        let n = rng.gen_range(0..12);
        for _ in 0..n {
            s.push_str(ALPHABET[rng.gen_range(0..ALPHABET.len())]);
        }
        if i % 4 == 0 {
            // Arbitrary printable ASCII too.
            let k = bytes.gen_range(0..16);
            let raw: Vec<u8> = (0..k).map(|_| bytes.gen_range(0x20..0x7f)).collect();
            s.push_str(&String::from_utf8_lossy(&raw));
        }
        if i % 7 == 0 {
            // And arbitrary characters anywhere.
            let k = bytes.gen_range(0..6);
            for _ in 0..k {
                let c = char::from_u32(bytes.gen_range(0..0x11000)).unwrap_or('\u{fffd}');
                let at = bytes.gen_range(0..=s.len());
                let at = (0..=at).rev().find(|&j| s.is_char_boundary(j)).unwrap_or(0);
                s.insert(at, c);
            }
        }
        match compile_with(&s, &Fields) {
            Ok(f) => {
                let (p, fr) = http_packet();
                let _ = f.matches(&p, &fr);
                let _ = f.dftest();
            }
            Err(e) => {
                assert!(e.pos <= s.len(), "{s:?}: error past the end: {e:?}");
                assert!(e.pos + e.len <= s.len(), "{s:?}: error past the end: {e:?}");
                let _ = e.render(&s);
            }
        }
    }
}

fn literal_for(rng: &mut StdRng, f: FieldRef) -> String {
    if f.bitmask != 0 && f.ftype != T::Bool {
        return rng
            .gen_range(0..=f.bitmask >> f.bitmask.trailing_zeros())
            .to_string();
    }
    match f.ftype {
        T::Bool => ["0", "1", "True", "False"][rng.gen_range(0..4)].to_string(),
        T::U8 => rng.gen_range(0..=255u32).to_string(),
        T::U16 => format!("0x{:x}", rng.gen_range(0..=0xffffu32)),
        T::I32 | T::I16 => format!("{}", rng.gen_range(-100..100)),
        T::U32 | T::U64 | T::FrameNum => rng.gen_range(0..100000u32).to_string(),
        T::Double | T::RelTime => format!("{}.{}", rng.gen_range(0..10), rng.gen_range(0..1000)),
        T::AbsTime => "\"2020-01-01 00:00:00\"".to_string(),
        T::Ipv4 => format!("10.{}.0.0/{}", rng.gen_range(0..256), rng.gen_range(0..33)),
        T::Ipv6 => format!(
            "2001:db8::{:x}/{}",
            rng.gen_range(0..0xffff),
            rng.gen_range(0..129)
        ),
        T::Ether => "00:00:5e:00:53:01".to_string(),
        T::String => format!(
            "\"{}\"",
            ["www", "GET", "example.com", ""][rng.gen_range(0..4)]
        ),
        _ => "aa:bb".to_string(),
    }
}

fn gen_test(rng: &mut StdRng, depth: u32) -> String {
    let valued: Vec<FieldRef> = ALL
        .iter()
        .copied()
        .filter(|f| !matches!(f.ftype, T::None | T::Protocol | T::Bytes))
        .collect();
    let f = valued[rng.gen_range(0..valued.len())];
    if depth > 0 && rng.gen_bool(0.45) {
        let a = gen_test(rng, depth - 1);
        let b = gen_test(rng, depth - 1);
        return match rng.gen_range(0..5) {
            0 => format!("{a} && {b}"),
            1 => format!("({a}) || {b}"),
            2 => format!("!({a})"),
            3 => format!("{a} or not {b}"),
            _ => format!("not {a} and ({b})"),
        };
    }
    let ops = ["==", "!=", "===", "!==", "<", "<=", ">", ">="];
    match rng.gen_range(0..9) {
        0 => ALL[rng.gen_range(0..ALL.len())].abbrev.to_string(),
        1 if f.ftype.is_integer() => format!(
            "{} {} {}",
            f.abbrev,
            ops[rng.gen_range(0..8)],
            literal_for(rng, f)
        ),
        2 if f.ftype.is_integer() && f.bitmask == 0 => {
            let lo = rng.gen_range(0..50);
            format!(
                "{} in {{{}, {}..{}}}",
                f.abbrev,
                literal_for(rng, f),
                lo,
                lo + rng.gen_range(0..50)
            )
        }
        3 => format!(
            "frame[{}:{}] {} {:02x}",
            rng.gen_range(-20..80),
            rng.gen_range(1..4),
            ops[rng.gen_range(0..2)],
            rng.gen_range(0..256)
        ),
        4 => format!(
            "frame contains \"{}\"",
            ["GET", "Host", "x"][rng.gen_range(0..3)]
        ),
        5 if f.ftype == T::String => format!("lower({}) matches \"^w\"", f.abbrev),
        6 if f.ftype.is_integer() && f.bitmask == 0 => {
            format!(
                "{} + {} > {}",
                f.abbrev,
                rng.gen_range(0..9),
                rng.gen_range(0..300)
            )
        }
        7 => format!("len({}) >= {}", f.abbrev, rng.gen_range(0..20)),
        _ => format!(
            "{} {} {}",
            f.abbrev,
            ops[rng.gen_range(0..2)],
            literal_for(rng, f)
        ),
    }
}

fn random_packet(rng: &mut StdRng) -> (Packet, Vec<u8>) {
    let n = rng.gen_range(0..120usize);
    let frame: Vec<u8> = (0..n).map(|_| rng.gen()).collect();
    let mut p = Packet::new();
    let mut parent = NIL;
    for _ in 0..rng.gen_range(0..40) {
        let f = ALL[rng.gen_range(0..ALL.len())];
        let start = rng.gen_range(0..140u32);
        let len = rng.gen_range(0..30u32);
        let v = match f.ftype {
            T::Protocol | T::None => Value::None,
            T::Bool => Value::UInt(rng.gen_range(0..2)),
            T::I16 | T::I32 => Value::Int(rng.gen_range(-1000..1000)),
            t if t.is_integer() => Value::UInt(rng.gen_range(0..70000)),
            T::Double => Value::Double(rng.gen_range(-5.0..5.0)),
            T::AbsTime | T::RelTime => Value::Time {
                secs: rng.gen_range(-5..2_000_000_000),
                nanos: rng.gen_range(0..1_000_000_000),
            },
            T::Ipv4 => Value::Ipv4(rng.gen()),
            T::Ipv6 => Value::Ipv6(rng.gen()),
            T::Ether => Value::Ether(rng.gen()),
            T::String => {
                if rng.gen_bool(0.5) {
                    p.str_value(["www.example.com", "GET", "", "Ünïcode"][rng.gen_range(0..4)])
                } else {
                    Value::Str(Span {
                        src: Src::Data(rng.gen_range(0..3)),
                        start,
                        len,
                    })
                }
            }
            _ => Value::Bytes(Span {
                src: Src::Data(0),
                start,
                len,
            }),
        };
        let id = p.add_under(parent, f, rng.gen_range(0..2), start, len, v);
        if f.ftype == T::Protocol && rng.gen_bool(0.5) {
            parent = id;
        }
    }
    (p, frame)
}

#[test]
fn random_well_formed_filters_compile_and_evaluate() {
    let mut rng = StdRng::seed_from_u64(42);
    let mut hits = 0;
    for _ in 0..iterations(1500) {
        let expr = gen_test(&mut rng, 3);
        let flt = match compile_with(&expr, &Fields) {
            Ok(f) => f,
            Err(e) => panic!("generated filter failed: {}", e.render(&expr)),
        };
        for _ in 0..4 {
            let (p, fr) = random_packet(&mut rng);
            if flt.matches(&p, &fr) {
                hits += 1;
            }
        }
    }
    // The generator and packets are varied enough that some filters pass.
    assert!(hits > 100, "only {hits} matches");
}

#[test]
fn nesting_at_the_limit_compiles_and_evaluates() {
    let d = crate::parse::MAX_DEPTH - 2;
    let (p, fr) = http_packet();
    for (s, want) in [
        ("(".repeat(d) + "tcp" + &")".repeat(d), true),
        ("!".repeat(d) + "tcp", true),
        ("-".repeat(d) + "ip.ttl == 64", true),
        ("{".repeat(d) + "ip.ttl" + &"}".repeat(d) + " == 64", true),
        (
            "frame".to_string() + &"[0:]".repeat(d - 1) + " contains \"GET\"",
            true,
        ),
        ("ip.ttl".to_string() + &" + 1".repeat(d - 1) + " > 64", true),
        (
            "lower(".repeat(d - 1) + "http.host" + &")".repeat(d - 1) + " == \"example.com\"",
            true,
        ),
        (vec!["udp"; 5000].join(" or ") + " or tcp", true),
        (vec!["tcp"; 5000].join(" && ") + " && udp", false),
    ] {
        let f = compile_with(&s, &Fields).unwrap_or_else(|e| panic!("{}", e.render(&s)));
        assert_eq!(f.matches(&p, &fr), want, "{}", &s[..s.len().min(60)]);
        let _ = f.dftest();
    }
}

#[test]
fn filters_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Filter>();
    let f = std::sync::Arc::new(c("tcp.port == 80 && frame contains \"GET\""));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let f = f.clone();
            std::thread::spawn(move || {
                let (p, fr) = http_packet();
                (0..100).all(|_| f.matches(&p, &fr))
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().unwrap());
    }
}

#[test]
fn mutated_dev_filters_never_panic() {
    let filters = dev_filters();
    let mut rng = StdRng::seed_from_u64(0xd3f_7e57);
    let (hp, hf) = http_packet();
    let (dp, df) = dns_packet();
    for _ in 0..iterations(3000) {
        let mut s = filters[rng.gen_range(0..filters.len())].clone();
        for _ in 0..rng.gen_range(1..4) {
            let at = rng.gen_range(0..=s.len());
            let at = (0..=at).rev().find(|&j| s.is_char_boundary(j)).unwrap_or(0);
            match rng.gen_range(0..3) {
                0 => s.insert_str(at, ALPHABET[rng.gen_range(0..ALPHABET.len())]),
                1 if at < s.len() => {
                    s.remove(at);
                }
                _ => {
                    let end = (at + rng.gen_range(0..6)).min(s.len());
                    let end = (end..=s.len())
                        .find(|&j| s.is_char_boundary(j))
                        .unwrap_or(s.len());
                    s.replace_range(at..end, "");
                }
            }
        }
        match compile_with(&s, &Fields) {
            Ok(f) => {
                let _ = f.matches(&hp, &hf);
                let _ = f.matches(&dp, &df);
                let _ = f.dftest();
            }
            Err(e) => {
                assert!(e.pos + e.len <= s.len(), "{s:?}: {e:?}");
                assert!(!e.msg.is_empty());
                let _ = e.render(&s);
            }
        }
    }
}
