//! Whole-capture run of one statistic, the way `wirelab read -q -z SPEC`
//! runs it (same dissector settings, same tap), without building the CLI:
//!
//!     cargo bench -p wirelab-analysis --bench taps -- CAPTURE SPEC
//!
//! prints the statistic; `scripts/bench-stats` times `wirelab read` itself
//! against tshark. Without arguments (as `cargo bench` runs every bench) it
//! does nothing.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use wirelab_dissect::{Dissector, FieldRef, FrameMeta, Packet};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let (Some(file), Some(spec)) = (args.first(), args.get(1)) else {
        return;
    };
    if let Err(e) = run(Path::new(file), spec) {
        eprintln!("taps: {e}");
        std::process::exit(1);
    }
}

fn run(file: &Path, spec: &str) -> Result<(), Box<dyn std::error::Error>> {
    let mut tap = wirelab_analysis::tap(spec)?;
    let mut reader = wirelab_pcap::Reader::open(file)?;
    let mut dissector = Dissector::new();
    dissector.set_labels(false);
    if let wirelab_analysis::Want::Fields(f) = tap.want() {
        let mut want: Vec<FieldRef> = vec![&wirelab_dissect::proto::frame::TIME_RELATIVE];
        want.extend(f);
        dissector.set_wanted(Some(&want));
    }
    let mut pkt = Packet::new();
    let mut number = 0u64;
    while let Some(p) = reader.next_packet()? {
        number += 1;
        let meta = FrameMeta {
            number,
            ts_secs: p.ts_secs,
            ts_nanos: p.ts_nanos,
            cap_len: p.cap_len,
            orig_len: p.orig_len,
            linktype: p.linktype,
            interface_id: p.interface_id,
            no_ts: !p.has_ts,
            custom: None,
        };
        dissector.dissect(meta, p.data, &mut pkt);
        tap.packet(&pkt, p.data);
    }
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    tap.finish(&mut out)?;
    out.flush()?;
    Ok(())
}
