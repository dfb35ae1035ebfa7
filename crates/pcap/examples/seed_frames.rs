//! Writes the first frames of captures as fuzz seeds for `fuzz/`'s
//! `dissect_frame` target: one file per frame, `<link-type byte><bytes>`.
//!
//! Usage: `cargo run -p wirelab-pcap --example seed_frames -- OUTDIR FILE...`

use std::path::Path;
use wirelab_pcap::Reader;

/// Frames taken from each capture.
const PER_FILE: usize = 16;

fn main() {
    let mut args = std::env::args_os().skip(1);
    let Some(out) = args.next() else {
        eprintln!("usage: seed_frames OUTDIR FILE...");
        std::process::exit(2);
    };
    let out = Path::new(&out);
    let mut total = 0;
    for (i, f) in args.enumerate() {
        let Ok(mut r) = Reader::open(f.as_ref()) else {
            continue;
        };
        for n in 0..PER_FILE {
            let Ok(Some(p)) = r.next_packet() else { break };
            // dissect_frame maps 0xfe to LINKTYPE_LINUX_SLL2 (276); other
            // link types above 255 are not representable and skipped.
            let first = match p.linktype {
                276 => 0xfe,
                lt => match u8::try_from(lt) {
                    Ok(b) if b != 0xfe => b,
                    _ => continue,
                },
            };
            let mut v = Vec::with_capacity(p.data.len() + 1);
            v.push(first);
            v.extend_from_slice(p.data);
            if std::fs::write(out.join(format!("f{i:04}_{n:02}")), v).is_ok() {
                total += 1;
            }
        }
    }
    eprintln!("{total} frames written to {}", out.display());
}
