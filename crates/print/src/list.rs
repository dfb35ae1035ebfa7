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

/// Appends `v` right-aligned in `width` columns (as `{:>width$}`).
fn push_padded(line: &mut [u8; 64], at: &mut usize, v: u64, width: usize) {
    let mut b = itoa::Buffer::new();
    let d = b.format(v).as_bytes();
    for _ in d.len()..width {
        line[*at] = b' ';
        *at += 1;
    }
    // Byte by byte: for at most 20 digits a memcpy call costs more than
    // the copy.
    for &c in d {
        line[*at] = c;
        *at += 1;
    }
}

/// Writes one line of the packet list, laid out as tshark's default output.
pub fn write_line(pkt: &Packet, out: &mut impl Write) -> io::Result<()> {
    let (s, n) = rel_time(pkt);
    let c = &pkt.cols;
    // No. and Time are laid out in a stack buffer (at most 20 + 1 + 20 +
    // 1 + 6 + 1 bytes), the columns copied after it.
    let mut line = [0u8; 64];
    let mut at = 0;
    push_padded(&mut line, &mut at, pkt.meta.number, 5);
    line[at] = b' ';
    at += 1;
    // Integer formatting where it is sure to print what `{:>12.6}` of the
    // f64 prints; ties at half a microsecond and negative times go through
    // the float as before.
    if (0..1_000_000).contains(&s) && n % 1000 != 500 && n < 1_000_000_000 {
        let mut us = (n + 500) / 1000;
        let mut secs = s as u64;
        if us == 1_000_000 {
            us = 0;
            secs += 1;
        }
        push_padded(&mut line, &mut at, secs, 5);
        line[at] = b'.';
        let mut u = us;
        for i in (1..=6).rev() {
            line[at + i] = b'0' + (u % 10) as u8;
            u /= 10;
        }
        at += 7;
        out.write_all(&line[..at])?;
    } else {
        out.write_all(&line[..at])?;
        let t = s as f64 + n as f64 / 1e9;
        write!(out, "{t:>12.6}")?;
    }
    out.write_all(b" ")?;
    out.write_all(c.src().as_bytes())?;
    out.write_all(" → ".as_bytes())?;
    out.write_all(c.dst().as_bytes())?;
    out.write_all(b" ")?;
    out.write_all(c.protocol.as_bytes())?;
    out.write_all(b" ")?;
    let mut b = itoa::Buffer::new();
    out.write_all(b.format(pkt.meta.orig_len).as_bytes())?;
    out.write_all(b" ")?;
    out.write_all(c.info.as_bytes())?;
    out.write_all(b"\n")
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
            (999_999, 999_999_999),
            (1_000_000, 1),
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
                number: 2 + secs as u64,
                ts_secs: 1_000 + secs,
                ts_nanos: nanos,
                ..base
            };
            d.dissect(meta, &frame, &mut pkt);
            let mut out = Vec::new();
            write_line(&pkt, &mut out).unwrap();
            let line = String::from_utf8(out).unwrap();
            let t = secs as f64 + nanos as f64 / 1e9;
            let want = format!(
                "{:>5} {:>12.6} {} → {} {} {} {}\n",
                2 + secs as u64,
                t,
                pkt.cols.src(),
                pkt.cols.dst(),
                pkt.cols.protocol,
                60,
                pkt.cols.info
            );
            assert_eq!(line, want);
        }
    }
}
