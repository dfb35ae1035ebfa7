//! Arbitrary bytes as one frame: the first byte chooses the link type
//! (its value, except 0xfe = LINKTYPE_LINUX_SLL2 (276)), the rest is the
//! frame. Dissection must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelab_dissect::{Dissector, FrameMeta, Packet};

fuzz_target!(|data: &[u8]| {
    let Some((&first, frame)) = data.split_first() else {
        return;
    };
    let linktype = match first {
        0xfe => 276,
        b => u32::from(b),
    };
    let len = frame.len() as u32;
    let meta = FrameMeta {
        number: 1,
        cap_len: len,
        orig_len: len,
        linktype,
        ..FrameMeta::default()
    };
    let mut pkt = Packet::new();
    Dissector::new().dissect(meta, frame, &mut pkt);
});
