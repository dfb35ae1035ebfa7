//! Evaluation speed of compiled filters on a prepared packet.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use wirelab_dissect::{FieldDef, FieldRef, FieldType as T, Packet, Value, NIL};
use wirelab_filter::{compile_with, Resolver};

static FRAME: FieldDef = FieldDef::proto("frame", "Frame");
static FRAME_LEN: FieldDef = FieldDef::new("frame.len", "Frame Length", T::U32);
static IP: FieldDef = FieldDef::proto("ip", "Internet Protocol Version 4");
static IP_SRC: FieldDef = FieldDef::new("ip.src", "Source Address", T::Ipv4);
static IP_DST: FieldDef = FieldDef::new("ip.dst", "Destination Address", T::Ipv4);
static UDP: FieldDef = FieldDef::proto("udp", "User Datagram Protocol");
static UDP_PORT: FieldDef = FieldDef::new("udp.port", "Port", T::U16);
static TCP: FieldDef = FieldDef::proto("tcp", "Transmission Control Protocol");
static TCP_PORT: FieldDef = FieldDef::new("tcp.port", "Port", T::U16);
static DNS: FieldDef = FieldDef::proto("dns", "Domain Name System");
static DNS_ID: FieldDef = FieldDef::new("dns.id", "Transaction ID", T::U16);
static DNS_QRY_NAME: FieldDef = FieldDef::new("dns.qry.name", "Name", T::String);
static DNS_QRY_TYPE: FieldDef = FieldDef::new("dns.qry.type", "Type", T::U16);
static ALL: &[&FieldDef] = &[
    &FRAME,
    &FRAME_LEN,
    &IP,
    &IP_SRC,
    &IP_DST,
    &UDP,
    &UDP_PORT,
    &TCP_PORT,
    &DNS,
    &DNS_ID,
    &DNS_QRY_NAME,
    &DNS_QRY_TYPE,
];

struct Fields;
impl Resolver for Fields {
    fn field(&self, name: &str) -> Option<FieldRef> {
        // Local fields with Wireshark 4.0's types, so the prepared packet's
        // nodes are the fields the filter names.
        ALL.iter().copied().find(|f| f.abbrev == name)
    }
}

/// A full-size TCP segment to port 80, as a dissector would build it.
fn tcp_packet() -> (Packet, Vec<u8>) {
    let frame = vec![0u8; 1514];
    let mut p = Packet::new();
    let f = p.add_under(NIL, &FRAME, 0, 0, 1514, Value::None);
    p.add_under(f, &FRAME_LEN, 0, 0, 0, Value::UInt(1514));
    let ip = p.add_under(NIL, &IP, 0, 14, 1500, Value::None);
    p.add_under(ip, &IP_SRC, 0, 26, 4, Value::Ipv4([10, 20, 30, 51]));
    p.add_under(ip, &IP_DST, 0, 30, 4, Value::Ipv4([10, 20, 30, 40]));
    let tcp = p.add_under(NIL, &TCP, 0, 34, 1480, Value::None);
    p.add_under(tcp, &TCP_PORT, 0, 34, 2, Value::UInt(49153));
    p.add_under(tcp, &TCP_PORT, 0, 36, 2, Value::UInt(80));
    (p, frame)
}

/// A DNS AAAA query over UDP/IPv4, as a dissector would build it.
fn dns_packet() -> (Packet, Vec<u8>) {
    let frame = vec![0u8; 75];
    let mut p = Packet::new();
    let f = p.add_under(NIL, &FRAME, 0, 0, 75, Value::None);
    p.add_under(f, &FRAME_LEN, 0, 0, 0, Value::UInt(75));
    let ip = p.add_under(NIL, &IP, 0, 14, 20, Value::None);
    p.add_under(ip, &IP_SRC, 0, 26, 4, Value::Ipv4([10, 20, 30, 51]));
    p.add_under(ip, &IP_DST, 0, 30, 4, Value::Ipv4([10, 20, 30, 40]));
    let udp = p.add_under(NIL, &UDP, 0, 34, 8, Value::None);
    p.add_under(udp, &UDP_PORT, 0, 34, 2, Value::UInt(40000));
    p.add_under(udp, &UDP_PORT, 0, 36, 2, Value::UInt(53));
    let dns = p.add_under(NIL, &DNS, 0, 42, 33, Value::None);
    p.add_under(dns, &DNS_ID, 0, 42, 2, Value::UInt(0x1234));
    let name = p.intern("example.com");
    p.add_under(dns, &DNS_QRY_NAME, 0, 54, 13, Value::Str(name));
    p.add_under(dns, &DNS_QRY_TYPE, 0, 67, 2, Value::UInt(28));
    (p, frame)
}

fn bench(c: &mut Criterion) {
    let tcp = tcp_packet();
    let dns = dns_packet();
    for expr in [
        "tcp.port == 80 && frame.len > 1000",
        "dns.qry.type == 28",
        "dns.qry.name matches \"example\\\\.com$\"",
    ] {
        let f = compile_with(expr, &Fields).expect("bench filter compiles");
        for (name, (p, frame)) in [("tcp", &tcp), ("dns", &dns)] {
            c.bench_function(&format!("matches {name} packet: {expr}"), |b| {
                b.iter(|| f.matches(black_box(p), black_box(frame)))
            });
        }
    }
    c.bench_function("compile: tcp.port == 80 && frame.len > 1000", |b| {
        b.iter(|| compile_with(black_box("tcp.port == 80 && frame.len > 1000"), &Fields))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
