//! Checked views over packet bytes.
//!
//! A [`Tvb`] ("testy virtual buffer", after Wireshark) is a window on the
//! bytes of one data source (the frame, or a reassembled buffer) that knows
//! both how many bytes were captured and how many the packet really had.
//! Every read is checked and returns a [`Bound`] error instead of panicking:
//! a read past the captured bytes but inside the reported length means the
//! capture was cut short by its snapshot length (`[Packet size limited during
//! capture]`); a read past the reported length means the packet itself lies
//! (`[Malformed Packet]`).

/// Why a read failed, and where (offset from the start of the data source).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Bound {
    /// The bytes exist on the wire but were not captured (snaplen).
    #[error("packet size limited during capture at offset {offset}")]
    Truncated {
        /// Offset in the data source of the first byte that was missing.
        offset: u32,
    },
    /// The packet is shorter than its own headers say.
    #[error("malformed packet: read past the end at offset {offset}")]
    Malformed {
        /// Offset in the data source of the first byte that was missing.
        offset: u32,
    },
}

/// Result of a checked read.
pub type R<T> = Result<T, Bound>;

/// A checked window over bytes.
#[derive(Clone, Copy, Debug)]
pub struct Tvb<'a> {
    data: &'a [u8],
    reported: usize,
    base: u32,
    ds: u8,
}

impl<'a> Tvb<'a> {
    /// A view of a whole data source: `data` captured of `reported` bytes.
    pub fn new(data: &'a [u8], reported: usize, ds: u8) -> Self {
        Tvb {
            data,
            reported: reported.max(data.len()),
            base: 0,
            ds,
        }
    }

    /// Bytes captured in this view.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether no byte was captured in this view.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Bytes the packet really had in this view (≥ `len()`).
    pub fn reported_len(&self) -> usize {
        self.reported
    }

    /// Offset of this view's first byte in its data source.
    pub fn base(&self) -> u32 {
        self.base
    }

    /// Index of the data source (0: the frame).
    pub fn ds(&self) -> u8 {
        self.ds
    }

    /// All captured bytes of the view.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// The error for a read of `len` bytes at `off` that does not fit.
    fn fault(&self, off: usize, len: usize) -> Bound {
        let end = off.saturating_add(len);
        if end <= self.reported {
            Bound::Truncated {
                offset: self.base + self.data.len() as u32,
            }
        } else {
            Bound::Malformed {
                offset: self
                    .base
                    .saturating_add(self.reported.min(u32::MAX as usize) as u32),
            }
        }
    }

    /// Checks that `len` bytes at `off` were captured.
    pub fn ensure(&self, off: usize, len: usize) -> R<()> {
        match off.checked_add(len) {
            Some(end) if end <= self.data.len() => Ok(()),
            _ => Err(self.fault(off, len)),
        }
    }

    /// `len` bytes at `off`.
    pub fn bytes(&self, off: usize, len: usize) -> R<&'a [u8]> {
        self.ensure(off, len)?;
        Ok(&self.data[off..off + len])
    }

    /// Captured bytes from `off` to the end (empty at the end).
    pub fn rest(&self, off: usize) -> R<&'a [u8]> {
        if off <= self.data.len() {
            Ok(&self.data[off..])
        } else {
            Err(self.fault(off, 0))
        }
    }

    /// The sub-view from `off` to the end.
    pub fn sub(&self, off: usize) -> R<Tvb<'a>> {
        if off > self.reported || (off > self.data.len()) {
            return Err(self.fault(off, 0));
        }
        Ok(Tvb {
            data: &self.data[off..],
            reported: self.reported - off,
            base: self.base + off as u32,
            ds: self.ds,
        })
    }

    /// The sub-view of `len` reported bytes at `off` (as many of them as were
    /// captured). Fails only when `off` itself lies past the end.
    pub fn sub_len(&self, off: usize, len: usize) -> R<Tvb<'a>> {
        if off > self.data.len() {
            return Err(self.fault(off, 0));
        }
        if off.saturating_add(len) > self.reported {
            return Err(self.fault(off, len));
        }
        let cap = len.min(self.data.len() - off);
        Ok(Tvb {
            data: &self.data[off..off + cap],
            reported: len,
            base: self.base + off as u32,
            ds: self.ds,
        })
    }

    /// A view cut to `len` reported bytes from the start, when a header says
    /// the payload is shorter than what follows (Ethernet padding). A longer
    /// `len` than the view leaves it unchanged.
    pub fn truncate(&self, len: usize) -> Tvb<'a> {
        Tvb {
            data: &self.data[..len.min(self.data.len())],
            reported: len.min(self.reported),
            base: self.base,
            ds: self.ds,
        }
    }

    /// One byte.
    pub fn u8(&self, off: usize) -> R<u8> {
        self.ensure(off, 1)?;
        Ok(self.data[off])
    }

    /// Big-endian 16-bit integer.
    pub fn u16(&self, off: usize) -> R<u16> {
        let b = self.bytes(off, 2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// Little-endian 16-bit integer.
    pub fn u16_le(&self, off: usize) -> R<u16> {
        let b = self.bytes(off, 2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    /// Big-endian 24-bit integer.
    pub fn u24(&self, off: usize) -> R<u32> {
        let b = self.bytes(off, 3)?;
        Ok(u32::from_be_bytes([0, b[0], b[1], b[2]]))
    }

    /// Big-endian 32-bit integer.
    pub fn u32(&self, off: usize) -> R<u32> {
        let b = self.bytes(off, 4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Little-endian 32-bit integer.
    pub fn u32_le(&self, off: usize) -> R<u32> {
        let b = self.bytes(off, 4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Big-endian 64-bit integer.
    pub fn u64(&self, off: usize) -> R<u64> {
        let b = self.bytes(off, 8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_be_bytes(a))
    }

    /// An IPv4 address.
    pub fn ipv4(&self, off: usize) -> R<[u8; 4]> {
        let b = self.bytes(off, 4)?;
        Ok([b[0], b[1], b[2], b[3]])
    }

    /// An IPv6 address.
    pub fn ipv6(&self, off: usize) -> R<[u8; 16]> {
        let b = self.bytes(off, 16)?;
        let mut a = [0u8; 16];
        a.copy_from_slice(b);
        Ok(a)
    }

    /// An Ethernet address.
    pub fn ether(&self, off: usize) -> R<[u8; 6]> {
        let b = self.bytes(off, 6)?;
        let mut a = [0u8; 6];
        a.copy_from_slice(b);
        Ok(a)
    }

    /// Offset of the first `needle` byte at or after `off`, in captured bytes.
    pub fn find(&self, off: usize, needle: u8) -> Option<usize> {
        let rest = self.data.get(off..)?;
        memchr::memchr(needle, rest).map(|i| off + i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_checked() {
        let b = [1u8, 2, 3, 4];
        let t = Tvb::new(&b, 6, 0);
        assert_eq!(t.u16(0), Ok(0x0102));
        assert_eq!(t.u32(0), Ok(0x01020304));
        assert_eq!(t.u16(3), Err(Bound::Truncated { offset: 4 }));
        assert_eq!(t.u32(4), Err(Bound::Malformed { offset: 6 }));
        assert_eq!(t.u8(usize::MAX), Err(Bound::Malformed { offset: 6 }));
        let s = t.sub(2).unwrap();
        assert_eq!(s.base(), 2);
        assert_eq!(s.u16(0), Ok(0x0304));
        assert_eq!(s.reported_len(), 4);
        assert!(t.sub(5).is_err());
        let p = t.truncate(3);
        assert_eq!(p.u16(2), Err(Bound::Malformed { offset: 3 }));
        let l = t.sub_len(1, 5).unwrap();
        assert_eq!(l.len(), 3);
        assert!(t.sub_len(1, 6).is_err());
    }
}
