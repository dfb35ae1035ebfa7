//! Reading speed on large synthetic captures held in memory (pcapng with
//! comments every 64th packet, and pcap), reported as packets per second
//! (criterion's "elements/s").
//!
//! `cargo bench -p wirelab-pcap --bench read`

use std::io::Cursor;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wirelab_pcap::{Interface, Reader, Writer};

const PACKETS: u64 = 200_000;

/// Frame sizes cycling through a typical mix (ACKs, DNS, MTU-sized).
fn size(i: u64) -> usize {
    [54, 60, 66, 74, 120, 590, 1514, 1514][(i % 8) as usize]
}

fn synthetic(pcapng: bool) -> &'static [u8] {
    let frame = vec![0x5a; 1514];
    let out = Vec::with_capacity(200 << 20);
    let bytes = if pcapng {
        let mut w = Writer::pcapng(out).unwrap();
        let mut eth = Interface::new(1);
        eth.name = Some("eth0".into());
        w.add_interface(&eth).unwrap();
        w.add_interface(&Interface::new(101)).unwrap();
        for i in 0..PACKETS {
            let n = size(i);
            let comment = (i % 64 == 0).then_some("synthetic");
            w.write_packet(
                (i % 2) as u32,
                1_700_000_000 + (i / 1000) as i64,
                (i % 1000) as u32 * 1_000_000,
                n as u32,
                &frame[..n],
                comment,
            )
            .unwrap();
        }
        w.finish().unwrap()
    } else {
        let mut w = Writer::pcap(out, 1, 0, true).unwrap();
        for i in 0..PACKETS {
            let n = size(i);
            w.write_packet(0, 1_700_000_000, i as u32, n as u32, &frame[..n], None)
                .unwrap();
        }
        w.finish().unwrap()
    };
    Box::leak(bytes.into_boxed_slice())
}

fn read_all(bytes: &'static [u8]) -> (u64, u64) {
    let mut r = Reader::new(Box::new(Cursor::new(bytes))).unwrap();
    let (mut n, mut sum) = (0u64, 0u64);
    while let Some(p) = r.next_packet().unwrap() {
        n += 1;
        sum = sum.wrapping_add(u64::from(p.cap_len) + p.ts_nanos as u64);
    }
    (n, sum)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("read");
    g.throughput(Throughput::Elements(PACKETS));
    g.sample_size(10);
    for (name, pcapng) in [("pcapng", true), ("pcap", false)] {
        let bytes = synthetic(pcapng);
        assert_eq!(read_all(bytes).0, PACKETS);
        g.bench_function(name, |b| b.iter(|| read_all(std::hint::black_box(bytes))));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
