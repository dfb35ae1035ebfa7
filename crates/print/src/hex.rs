//! `-x`: hex and ASCII dump of the frame and of every other data source.

use std::io::{self, Write};

use wirelab_dissect::Packet;

/// Writes `data` as tshark's hex dump: offset, 16 bytes, their ASCII.
pub fn write_hex(data: &[u8], out: &mut impl Write) -> io::Result<()> {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut line = String::with_capacity(80);
    for (i, chunk) in data.chunks(16).enumerate() {
        line.clear();
        let off = i * 16;
        if data.len() > 0xffff {
            line.push_str(&format!("{off:08x}  "));
        } else {
            line.push_str(&format!("{off:04x}  "));
        }
        for k in 0..16 {
            match chunk.get(k) {
                Some(b) => {
                    line.push(H[(b >> 4) as usize] as char);
                    line.push(H[(b & 15) as usize] as char);
                    line.push(' ');
                }
                None => line.push_str("   "),
            }
        }
        line.push_str("  ");
        for &b in chunk {
            line.push(if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '.'
            });
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Writes the frame's bytes and then each extra data source with its name.
pub fn write_packet_hex(pkt: &Packet, frame: &[u8], out: &mut impl Write) -> io::Result<()> {
    if pkt.sources.is_empty() {
        write_hex(frame, out)?;
    } else {
        writeln!(out, "Frame ({} bytes):", frame.len())?;
        write_hex(frame, out)?;
        for (name, bytes) in &pkt.sources {
            writeln!(out, "{} ({} bytes):", name, bytes.len())?;
            write_hex(bytes, out)?;
        }
    }
    out.write_all(b"\n")
}
