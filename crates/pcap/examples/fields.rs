//! Prints each frame of a capture like
//! `tshark -T fields -e frame.time_epoch -e frame.interface_id -e frame.cap_len -e frame.len -e frame.encap_type`.
//!
//! Usage: `cargo run -p wirelab-pcap --example fields -- FILE...`

use wirelab_pcap::{linktype, Reader, RecordKind};

fn main() {
    let mut status = 0;
    for arg in std::env::args_os().skip(1) {
        let mut r = match Reader::open(arg.as_ref()) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{}: {e}", arg.to_string_lossy());
                status = 1;
                continue;
            }
        };
        r.deliver_custom_blocks(true);
        loop {
            match r.next_packet() {
                Ok(Some(p)) => {
                    if let RecordKind::Custom { .. } = p.kind {
                        println!("\t\t{}\t{}\t", p.cap_len, p.orig_len);
                        continue;
                    }
                    let time = if p.has_ts {
                        let n = p.ts_nanos as i32;
                        if p.ts_secs < 0 || n < 0 {
                            format!("-{}.{:09}", p.ts_secs.unsigned_abs(), n.unsigned_abs())
                        } else {
                            format!("{}.{n:09}", p.ts_secs)
                        }
                    } else {
                        String::new()
                    };
                    // tshark shows no interface for pcap records, and encapsulation 0
                    // for a pcapng link type it does not know.
                    let iface = if p.kind == RecordKind::Pcap {
                        String::new()
                    } else {
                        p.section_interface_id.to_string()
                    };
                    let encap = linktype::wtap_encap(p.linktype).unwrap_or(0).to_string();
                    println!("{time}\t{}\t{}\t{}\t{encap}", iface, p.cap_len, p.orig_len);
                }
                Ok(None) => break,
                Err(e) => {
                    eprintln!("{}: {e}", arg.to_string_lossy());
                    status = 1;
                    break;
                }
            }
        }
    }
    std::process::exit(status);
}
