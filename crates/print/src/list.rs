//! The packet list: No., Time, Source, Destination, Protocol, Length, Info.

use std::io::{self, Write};

use wirelab_dissect::Packet;

/// Time since the first frame as the list shows it (microseconds).
fn rel_time(pkt: &Packet) -> (i64, u32) {
    for n in pkt.find(&wirelab_dissect::proto::frame::TIME_RELATIVE) {
        if let wirelab_dissect::Value::Time { secs, nanos } = n.value {
            return (secs, nanos);
        }
    }
    (0, 0)
}

/// Writes one line of the packet list, laid out as tshark's default output.
pub fn write_line(pkt: &Packet, out: &mut impl Write) -> io::Result<()> {
    let (s, n) = rel_time(pkt);
    let t = s as f64 + n as f64 / 1e9;
    let c = &pkt.cols;
    writeln!(
        out,
        "{:>5} {:>12.6} {} → {} {} {} {}",
        pkt.meta.number,
        t,
        c.src(),
        c.dst(),
        c.protocol,
        pkt.meta.orig_len,
        c.info
    )
}
