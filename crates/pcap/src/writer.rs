//! Writing pcapng (nanosecond timestamps, interfaces, comments) and pcap.

use std::io::Write;

use crate::{Error, Interface, Packet};

enum Kind {
    Pcapng {
        ifaces: u32,
    },
    Pcap {
        linktype: u32,
        snaplen: u32,
        nanos: bool,
    },
}

/// Writes a capture: pcapng (one section, little-endian, every interface at
/// nanosecond resolution) or pcap.
///
/// The writer does not buffer: give it a `BufWriter` for files.
pub struct Writer<W: Write> {
    w: W,
    kind: Kind,
    /// Scratch space for block headers and options, reused.
    scratch: Vec<u8>,
}

fn put16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}
fn put32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

/// Appends one pcapng option (pcapng §3.5), padded to 4 bytes.
fn put_opt(v: &mut Vec<u8>, code: u16, value: &[u8]) -> Result<(), Error> {
    let len = u16::try_from(value.len())
        .map_err(|_| Error::InvalidInput(format!("option {code} is longer than 65535 bytes")))?;
    put16(v, code);
    put16(v, len);
    v.extend_from_slice(value);
    v.resize(v.len() + pad(value.len()), 0);
    Ok(())
}

fn pad(n: usize) -> usize {
    (4 - n % 4) % 4
}

impl<W: Write> Writer<W> {
    /// Starts a pcapng file: writes its Section Header Block.
    pub fn pcapng(w: W) -> Result<Self, Error> {
        let mut me = Writer {
            w,
            kind: Kind::Pcapng { ifaces: 0 },
            scratch: Vec::with_capacity(256),
        };
        let mut b = Vec::with_capacity(64);
        put32(&mut b, 0x0a0d_0d0a);
        put32(&mut b, 0); // length, patched below
        put32(&mut b, 0x1a2b_3c4d);
        put16(&mut b, 1);
        put16(&mut b, 0);
        b.extend_from_slice(&(-1i64).to_le_bytes()); // section length unknown
        put_opt(&mut b, 4, b"wirelab")?; // shb_userappl
        put_opt(&mut b, 0, &[])?;
        me.finish_block(b)?;
        Ok(me)
    }

    /// Starts a pcap file (version 2.4, little-endian) with one interface.
    /// `snaplen` 0 means the maximum, 262144; packets are cut to it.
    pub fn pcap(mut w: W, linktype: u32, snaplen: u32, nanos: bool) -> Result<Self, Error> {
        let snaplen = if snaplen == 0 { 262_144 } else { snaplen };
        let mut b = Vec::with_capacity(24);
        put32(&mut b, if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 });
        put16(&mut b, 2);
        put16(&mut b, 4);
        put32(&mut b, 0); // thiszone
        put32(&mut b, 0); // sigfigs
        put32(&mut b, snaplen);
        put32(&mut b, linktype);
        w.write_all(&b).map_err(Error::Write)?;
        Ok(Writer {
            w,
            kind: Kind::Pcap {
                linktype,
                snaplen,
                nanos,
            },
            scratch: Vec::new(),
        })
    }

    /// Patches the total length into a block built in `b` (header and
    /// body), appends the trailer and writes it.
    fn finish_block(&mut self, mut b: Vec<u8>) -> Result<(), Error> {
        let total = u32::try_from(b.len() + 4)
            .map_err(|_| Error::InvalidInput("block larger than 4 GiB".into()))?;
        b[4..8].copy_from_slice(&total.to_le_bytes());
        put32(&mut b, total);
        self.w.write_all(&b).map_err(Error::Write)
    }

    /// Declares an interface and returns its index. pcapng: writes an
    /// Interface Description Block with the link type, snaplen, name,
    /// description, filter, OS, hardware, speed, FCS length and comments,
    /// and `if_tsresol` = 9 (nanoseconds; timestamps are absolute, so no
    /// `if_tsoffset`). pcap: only the file's own link type is accepted
    /// (index 0).
    pub fn add_interface(&mut self, iface: &Interface) -> Result<u32, Error> {
        let ifaces = match &mut self.kind {
            Kind::Pcap { linktype, .. } => {
                return if iface.linktype == *linktype {
                    Ok(0)
                } else {
                    Err(Error::InvalidInput(format!(
                        "pcap holds one link type ({linktype}); interface has {}",
                        iface.linktype
                    )))
                };
            }
            Kind::Pcapng { ifaces } => ifaces,
        };
        let id = *ifaces;
        let lt = u16::try_from(iface.linktype).map_err(|_| {
            Error::InvalidInput(format!(
                "link type {} does not fit pcapng's 16 bits",
                iface.linktype
            ))
        })?;
        let mut b = Vec::with_capacity(128);
        put32(&mut b, 1);
        put32(&mut b, 0);
        put16(&mut b, lt);
        put16(&mut b, 0);
        put32(&mut b, iface.snaplen);
        for c in &iface.comments {
            put_opt(&mut b, 1, c.as_bytes())?;
        }
        if let Some(n) = &iface.name {
            put_opt(&mut b, 2, n.as_bytes())?;
        }
        if let Some(d) = &iface.description {
            put_opt(&mut b, 3, d.as_bytes())?;
        }
        if let Some(s) = iface.speed {
            put_opt(&mut b, 8, &s.to_le_bytes())?;
        }
        put_opt(&mut b, 9, &[9])?;
        if let Some(f) = &iface.filter {
            let mut v = Vec::with_capacity(f.len() + 1);
            v.push(0); // libpcap filter string
            v.extend_from_slice(f.as_bytes());
            put_opt(&mut b, 11, &v)?;
        }
        if let Some(o) = &iface.os {
            put_opt(&mut b, 12, o.as_bytes())?;
        }
        if let Some(f) = iface.fcslen {
            put_opt(&mut b, 13, &[f])?;
        }
        if let Some(h) = &iface.hardware {
            put_opt(&mut b, 15, h.as_bytes())?;
        }
        put_opt(&mut b, 0, &[])?;
        self.finish_block(b)?;
        if let Kind::Pcapng { ifaces } = &mut self.kind {
            *ifaces += 1;
        }
        Ok(id)
    }

    /// Writes one packet on interface `iface` (an index from
    /// [`Writer::add_interface`]; 0 for pcap). pcap cannot hold comments
    /// and drops them; it needs `ts_secs` within 0..2^32.
    pub fn write_packet(
        &mut self,
        iface: u32,
        ts_secs: i64,
        ts_nanos: u32,
        orig_len: u32,
        data: &[u8],
        comment: Option<&str>,
    ) -> Result<(), Error> {
        self.write_parts(
            iface,
            ts_secs,
            ts_nanos,
            orig_len,
            &[data],
            comment.into_iter(),
            None,
        )
    }

    /// Writes a packet as read, on interface `iface` of this writer: its
    /// pseudo-header and data, its lengths (pseudo-header counted back in),
    /// its comments and `epb_flags`.
    pub fn write_record(&mut self, iface: u32, p: &Packet<'_>) -> Result<(), Error> {
        let ph = p.pseudo_header.len() as u32;
        let comments: Vec<_> = p.comments().collect();
        self.write_parts(
            iface,
            p.ts_secs,
            p.ts_nanos,
            p.orig_len.wrapping_add(ph),
            &[p.pseudo_header, p.data],
            comments.iter().map(|c| c.as_ref()),
            p.flags(),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn write_parts<'c>(
        &mut self,
        iface: u32,
        ts_secs: i64,
        ts_nanos: u32,
        orig_len: u32,
        parts: &[&[u8]],
        comments: impl Iterator<Item = &'c str>,
        flags: Option<u32>,
    ) -> Result<(), Error> {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        match self.kind {
            Kind::Pcap { snaplen, nanos, .. } => {
                if iface != 0 {
                    return Err(Error::InvalidInput(format!(
                        "pcap has only interface 0, not {iface}"
                    )));
                }
                let secs = u32::try_from(ts_secs).map_err(|_| {
                    Error::InvalidInput(format!("time {ts_secs} s does not fit pcap's 32 bits"))
                })?;
                let frac = if nanos { ts_nanos } else { ts_nanos / 1000 };
                let cap = len.min(snaplen as usize);
                let mut h = [0u8; 16];
                h[0..4].copy_from_slice(&secs.to_le_bytes());
                h[4..8].copy_from_slice(&frac.to_le_bytes());
                h[8..12].copy_from_slice(&(cap as u32).to_le_bytes());
                h[12..16].copy_from_slice(&orig_len.to_le_bytes());
                self.w.write_all(&h).map_err(Error::Write)?;
                let mut left = cap;
                for p in parts {
                    let k = p.len().min(left);
                    self.w.write_all(&p[..k]).map_err(Error::Write)?;
                    left -= k;
                }
                Ok(())
            }
            Kind::Pcapng { ifaces } => {
                if iface >= ifaces {
                    return Err(Error::InvalidInput(format!(
                        "interface {iface} was not added (there are {ifaces})"
                    )));
                }
                let ts = u64::try_from(ts_secs)
                    .ok()
                    .and_then(|s| s.checked_mul(1_000_000_000))
                    .and_then(|s| s.checked_add(u64::from(ts_nanos)))
                    .ok_or_else(|| {
                        Error::InvalidInput(format!(
                            "time {ts_secs}.{ts_nanos:09} does not fit pcapng's 64-bit nanoseconds"
                        ))
                    })?;
                let cap = u32::try_from(len).map_err(|_| {
                    Error::InvalidInput(format!("packet of {len} bytes is too large"))
                })?;
                let mut opts = std::mem::take(&mut self.scratch);
                opts.clear();
                let mut any = false;
                for c in comments {
                    put_opt(&mut opts, 1, c.as_bytes())?;
                    any = true;
                }
                if let Some(f) = flags {
                    put_opt(&mut opts, 2, &f.to_le_bytes())?;
                    any = true;
                }
                if any {
                    put_opt(&mut opts, 0, &[])?;
                }
                let total = 32 + len + pad(len) + opts.len();
                let total32 = u32::try_from(total).map_err(|_| {
                    Error::InvalidInput(format!("packet of {len} bytes is too large"))
                })?;
                let mut h = [0u8; 28];
                h[0..4].copy_from_slice(&6u32.to_le_bytes());
                h[4..8].copy_from_slice(&total32.to_le_bytes());
                h[8..12].copy_from_slice(&iface.to_le_bytes());
                h[12..16].copy_from_slice(&((ts >> 32) as u32).to_le_bytes());
                h[16..20].copy_from_slice(&(ts as u32).to_le_bytes());
                h[20..24].copy_from_slice(&cap.to_le_bytes());
                h[24..28].copy_from_slice(&orig_len.to_le_bytes());
                let r = (|| {
                    self.w.write_all(&h)?;
                    for p in parts {
                        self.w.write_all(p)?;
                    }
                    self.w.write_all(&[0u8; 3][..pad(len)])?;
                    self.w.write_all(&opts)?;
                    self.w.write_all(&total32.to_le_bytes())
                })();
                self.scratch = opts;
                r.map_err(Error::Write)
            }
        }
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(mut self) -> Result<W, Error> {
        self.w.flush().map_err(Error::Write)?;
        Ok(self.w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Format, Reader};

    #[test]
    fn pcapng_epb_layout() {
        // pcapng §4.3: EPB = type 6, length, interface, ts high, ts low,
        // captured length, original length, data padded to 32 bits,
        // options, length.
        let mut w = Writer::pcapng(Vec::new()).unwrap();
        let mut i = Interface::new(1);
        i.name = Some("eth0".into());
        assert_eq!(w.add_interface(&i).unwrap(), 0);
        w.write_packet(0, 1, 2, 5, &[1, 2, 3], None).unwrap();
        let out = w.finish().unwrap();
        let shb_len = u32::from_le_bytes(out[4..8].try_into().unwrap()) as usize;
        let idb_len =
            u32::from_le_bytes(out[shb_len + 4..shb_len + 8].try_into().unwrap()) as usize;
        let epb = &out[shb_len + idb_len..];
        assert_eq!(
            epb,
            &[
                6, 0, 0, 0, 36, 0, 0, 0, // type, length
                0, 0, 0, 0, // interface 0
                0, 0, 0, 0, 0x02, 0xca, 0x9a, 0x3b, // 1 s + 2 ns = 1000000002 ns
                3, 0, 0, 0, 5, 0, 0, 0, // lengths
                1, 2, 3, 0, // data + padding
                36, 0, 0, 0
            ][..]
        );
    }

    #[test]
    fn pcap_header_and_truncation() {
        let mut w = Writer::pcap(Vec::new(), 1, 2, false).unwrap();
        w.write_packet(0, 7, 8000, 3, &[9, 9, 9], Some("dropped"))
            .unwrap();
        assert!(w.write_packet(1, 0, 0, 1, &[0], None).is_err());
        assert!(w.write_packet(0, -1, 0, 1, &[0], None).is_err());
        let out = w.finish().unwrap();
        assert_eq!(&out[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
        assert_eq!(
            &out[24..],
            &[7, 0, 0, 0, 8, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 9, 9]
        );
        let mut r = Reader::new(Box::new(std::io::Cursor::new(out))).unwrap();
        assert!(matches!(r.format(), Format::Pcap { nanos: false, .. }));
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!(
            (p.ts_secs, p.ts_nanos, p.cap_len, p.orig_len),
            (7, 8000, 2, 3)
        );
    }

    #[test]
    fn unknown_interface_rejected() {
        let mut w = Writer::pcapng(Vec::new()).unwrap();
        assert!(w.write_packet(0, 0, 0, 0, &[], None).is_err());
    }
}
