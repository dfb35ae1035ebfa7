//! Evaluating a compiled filter does not allocate: a counting global
//! allocator (per thread, so parallel tests do not disturb it) checks that
//! `Filter::matches` makes zero allocations once warmed up.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use wirelab_dissect::{FieldDef, FieldRef, FieldType as T, Packet, Span, Src, Value, NIL};
use wirelab_filter::{compile_with, Resolver};

struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn bump() {
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: forwards every call to the system allocator unchanged; it only
// counts calls in a thread-local counter that needs no allocation.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        bump();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        bump();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        bump();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

static FRAME: FieldDef = FieldDef::proto("frame", "Frame");
static FRAME_LEN: FieldDef = FieldDef::new("frame.len", "Frame Length", T::U32);
static IP: FieldDef = FieldDef::proto("ip", "Internet Protocol Version 4");
static IP_ADDR: FieldDef = FieldDef::new("ip.addr", "Address", T::Ipv4);
static TCP: FieldDef = FieldDef::proto("tcp", "Transmission Control Protocol");
static TCP_PORT: FieldDef = FieldDef::new("tcp.port", "Port", T::U16);
static TCP_PAYLOAD: FieldDef = FieldDef::new("tcp.payload", "TCP payload", T::Bytes);
static DNS: FieldDef = FieldDef::proto("dns", "Domain Name System");
static DNS_QRY_TYPE: FieldDef = FieldDef::new("dns.qry.type", "Type", T::U16);
static DNS_QRY_NAME: FieldDef = FieldDef::new("dns.qry.name", "Name", T::String);
static ALL: &[&FieldDef] = &[
    &FRAME,
    &FRAME_LEN,
    &IP,
    &IP_ADDR,
    &TCP,
    &TCP_PORT,
    &TCP_PAYLOAD,
    &DNS,
    &DNS_QRY_TYPE,
    &DNS_QRY_NAME,
];

struct Fields;
impl Resolver for Fields {
    fn field(&self, name: &str) -> Option<FieldRef> {
        ALL.iter().copied().find(|f| f.abbrev == name)
    }
}

fn packet() -> (Packet, Vec<u8>) {
    let mut frame = vec![0u8; 54];
    frame.extend_from_slice(b"GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n");
    frame.resize(1200, b'x');
    let n = frame.len() as u32;
    let mut p = Packet::new();
    let f = p.add_under(NIL, &FRAME, 0, 0, n, Value::None);
    p.add_under(f, &FRAME_LEN, 0, 0, 0, Value::UInt(n as u64));
    let ip = p.add_under(NIL, &IP, 0, 14, n - 14, Value::None);
    p.add_under(ip, &IP_ADDR, 0, 26, 4, Value::Ipv4([10, 0, 0, 1]));
    p.add_under(ip, &IP_ADDR, 0, 30, 4, Value::Ipv4([10, 0, 0, 2]));
    let tcp = p.add_under(ip, &TCP, 0, 34, n - 34, Value::None);
    p.add_under(tcp, &TCP_PORT, 0, 34, 2, Value::UInt(49152));
    p.add_under(tcp, &TCP_PORT, 0, 36, 2, Value::UInt(80));
    let sp = Span {
        src: Src::Data(0),
        start: 54,
        len: n - 54,
    };
    p.add_under(tcp, &TCP_PAYLOAD, 0, 54, n - 54, Value::Bytes(sp));
    let dns = p.add_under(NIL, &DNS, 0, 0, 0, Value::None);
    p.add_under(dns, &DNS_QRY_TYPE, 0, 0, 2, Value::UInt(28));
    let name = p.intern("www.Example.com");
    p.add_under(dns, &DNS_QRY_NAME, 0, 0, 0, Value::Str(name));
    (p, frame)
}

#[test]
fn evaluation_allocates_nothing() {
    // The counter sees this thread's allocations.
    let before = ALLOCS.with(|c| c.get());
    let v = std::hint::black_box(vec![1u8; 16]);
    assert_eq!(ALLOCS.with(|c| c.get()) - before, 1);
    drop(v);

    let (p, frame) = packet();
    let cases: &[(&str, bool)] = &[
        ("tcp.port == 80 && frame.len > 1000", true),
        ("dns.qry.type == 28", true),
        ("ip.addr != 10.0.0.0/8", false),
        ("tcp.port in {20..25, 443, 8080}", false),
        ("frame contains \"Host:\"", true),
        ("tcp.payload matches \"^get /\"", true),
        ("lower(dns.qry.name) == \"www.example.com\"", true),
        ("upper(dns.qry.name) contains \"EXAMPLE\"", true),
        ("string(tcp.port) == \"80\"", true),
        ("tcp.payload[0:3,4] == \"GET/\"", true),
        ("frame[-2:] & ff:00 == 78:00", true),
        ("len(tcp.payload) > 1000 && count(tcp.port) == 2", true),
        ("max(tcp.port) - min(tcp.port) == 49072", true),
        ("tcp.port#1 == 80 && !ip", false),
    ];
    for (expr, want) in cases {
        let f = compile_with(expr, &Fields).unwrap_or_else(|e| panic!("{}", e.render(expr)));
        // Warm up: the thread's scratch buffers and the regex cache grow once.
        for _ in 0..3 {
            assert_eq!(f.matches(&p, &frame), *want, "{expr}");
        }
        let before = ALLOCS.with(|c| c.get());
        let mut hits = 0;
        for _ in 0..1000 {
            hits += f.matches(&p, &frame) as usize;
        }
        let after = ALLOCS.with(|c| c.get());
        assert_eq!(hits, if *want { 1000 } else { 0 }, "{expr}");
        assert_eq!(
            after - before,
            0,
            "{expr}: {} allocations in 1000 evaluations",
            after - before
        );
    }
}
