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
    let c = &pkt.cols;
    write!(out, "{:>5} ", pkt.meta.number)?;
    // Integer formatting where it is sure to print what `{:>12.6}` of the
    // f64 prints; ties at half a microsecond and negative times go through
    // the float as before.
    if (0..1_000_000).contains(&s) && n % 1000 != 500 && n < 1_000_000_000 {
        let mut us = (n + 500) / 1000;
        let mut secs = s;
        if us == 1_000_000 {
            us = 0;
            secs += 1;
        }
        write!(out, "{secs:>5}.{us:06}")?;
    } else {
        let t = s as f64 + n as f64 / 1e9;
        write!(out, "{t:>12.6}")?;
    }
    writeln!(
        out,
        " {} → {} {} {} {}",
        c.src(),
        c.dst(),
        c.protocol,
        pkt.meta.orig_len,
        c.info
    )
}

#[cfg(test)]
mod tests {
    use super::write_line;
    use wirelab_dissect::{Dissector, FrameMeta, Packet};

    /// The integer time path prints what the float path printed.
    #[test]
    fn time_column_matches_float_formatting() {
        let frame = [0u8; 60];
        for (secs, nanos) in [
            (0i64, 0u32),
            (0, 499),
            (0, 501),
            (1, 999_999_499),
            (1, 999_999_501),
            (12, 345_678_900),
            (123_456, 1),
        ] {
            let mut d = Dissector::new();
            let mut pkt = Packet::new();
            let base = FrameMeta {
                number: 1,
                ts_secs: 1_000,
                cap_len: 60,
                orig_len: 60,
                linktype: 1,
                ..Default::default()
            };
            d.dissect(base, &frame, &mut pkt);
            let meta = FrameMeta {
                number: 2,
                ts_secs: 1_000 + secs,
                ts_nanos: nanos,
                ..base
            };
            d.dissect(meta, &frame, &mut pkt);
            let mut out = Vec::new();
            write_line(&pkt, &mut out).unwrap();
            let line = String::from_utf8(out).unwrap();
            let t = secs as f64 + nanos as f64 / 1e9;
            let want = format!("{:>5} {:>12.6} ", 2, t);
            assert!(line.starts_with(&want), "{line:?} vs {want:?}");
        }
    }
}
