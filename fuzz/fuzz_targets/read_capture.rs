//! Arbitrary bytes as a capture file (pcap, pcapng, gzip): the reader must
//! never panic, must terminate, and what it delivers must survive a pcapng
//! write → read round trip unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Cursor;
use wirelab_pcap::{Reader, Writer};

fuzz_target!(|data: &[u8]| {
    let Ok(mut r) = Reader::new(Box::new(Cursor::new(data.to_vec()))) else {
        return;
    };
    r.deliver_custom_blocks(data.len() % 2 == 1);
    let mut w = Writer::pcapng(Vec::new()).expect("write to memory");
    let mut written = 0usize;
    let mut seen = Vec::new();
    let mut n = 0usize;
    while let Ok(Some(p)) = r.next_packet() {
        n += 1;
        // Every record consumes at least 8 bytes of the input.
        assert!(n <= data.len() / 8 + 1, "reader does not advance");
        assert_eq!(p.data.len(), p.cap_len as usize);
        let _ = p.comments().count();
        let _ = (p.flags(), p.drop_count(), p.packet_id(), p.queue());
        if p.interface().is_none() || !p.has_ts || p.ts_secs < 0 || p.ts_nanos >= 1_000_000_000 {
            continue;
        }
        while written <= p.interface_id as usize {
            w.add_interface(&p.known_interfaces()[written])
                .expect("interface");
            written += 1;
        }
        if w.write_record(p.interface_id, &p).is_ok() {
            let mut all = p.pseudo_header.to_vec();
            all.extend_from_slice(p.data);
            seen.push((p.ts_secs, p.ts_nanos, p.interface_id, all));
        }
    }
    let out = w.finish().expect("finish");
    let mut r = Reader::new(Box::new(Cursor::new(out))).expect("our own output reads");
    for (secs, nanos, iface, bytes) in seen {
        let p = r
            .next_packet()
            .expect("our own output reads")
            .expect("same count");
        let mut all = p.pseudo_header.to_vec();
        all.extend_from_slice(p.data);
        assert_eq!(
            (p.ts_secs, p.ts_nanos, p.interface_id, all),
            (secs, nanos, iface, bytes)
        );
    }
    assert!(r.next_packet().expect("no trailing garbage").is_none());
});
