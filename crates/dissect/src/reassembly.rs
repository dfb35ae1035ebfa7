//! IP fragment reassembly (RFC 791 §3.2, RFC 8200 §4.5), with bounded memory.
//!
//! Fragments are kept per datagram key until every byte from 0 to the end
//! announced by the last fragment has arrived; then the datagram is handed
//! back whole. Overlaps keep the first copy (as Wireshark does by default).
//! A datagram is dropped when it would grow past 64 KiB, and the table as a
//! whole holds at most [`MAX_BUFFERED`] bytes: the oldest datagrams go first.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

/// The most fragment bytes kept waiting at once.
pub const MAX_BUFFERED: usize = 32 << 20;
/// The most datagrams waiting for fragments at once.
pub const MAX_DATAGRAMS: usize = 4096;
/// The largest datagram reassembled.
pub const MAX_DATAGRAM: usize = 65_535 + 40;

/// Which datagram a fragment belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FragKey {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Protocol (IPv4) or next header (IPv6).
    pub proto: u8,
    /// Identification.
    pub id: u32,
}

/// One fragment as stored.
#[derive(Clone, Debug)]
pub struct Fragment {
    /// Offset of its first byte in the datagram.
    pub offset: usize,
    /// Its bytes.
    pub data: Vec<u8>,
    /// Frame it arrived in.
    pub frame: u64,
}

#[derive(Default, Debug)]
struct Pending {
    frags: Vec<Fragment>,
    total: Option<usize>,
    bytes: usize,
}

/// A reassembled datagram.
#[derive(Debug)]
pub struct Datagram {
    /// The payload, from offset 0.
    pub data: Vec<u8>,
    /// The fragments it was built from: (frame, offset, length), in offset order.
    pub parts: Vec<(u64, usize, usize)>,
}

/// Fragments waiting for their datagram to complete.
#[derive(Default, Debug)]
pub struct Reassembler {
    pending: HashMap<FragKey, Pending>,
    order: VecDeque<FragKey>,
    buffered: usize,
}

impl Reassembler {
    /// Adds a fragment; returns the datagram when this fragment completes it.
    pub fn add(
        &mut self,
        key: FragKey,
        offset: usize,
        data: &[u8],
        more: bool,
        frame: u64,
    ) -> Option<Datagram> {
        let end = offset.checked_add(data.len())?;
        if end > MAX_DATAGRAM {
            self.drop_key(&key);
            return None;
        }
        if !self.pending.contains_key(&key) {
            self.order.push_back(key);
        }
        let p = self.pending.entry(key).or_default();
        if !more {
            p.total = Some(end);
        }
        p.frags.push(Fragment {
            offset,
            data: data.to_vec(),
            frame,
        });
        p.bytes += data.len();
        self.buffered += data.len();
        let done = complete(p);
        if done.is_some() {
            self.drop_key(&key);
        }
        while self.buffered > MAX_BUFFERED || self.pending.len() > MAX_DATAGRAMS {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some(p) = self.pending.remove(&old) {
                self.buffered -= p.bytes;
            }
        }
        done
    }

    fn drop_key(&mut self, key: &FragKey) {
        if let Some(p) = self.pending.remove(key) {
            self.buffered -= p.bytes;
            self.order.retain(|k| k != key);
        }
    }
}

fn complete(p: &Pending) -> Option<Datagram> {
    let total = p.total?;
    let mut idx: Vec<usize> = (0..p.frags.len()).collect();
    idx.sort_by_key(|&i| (p.frags[i].offset, p.frags[i].frame));
    let mut have = 0usize;
    for &i in &idx {
        let f = &p.frags[i];
        if f.offset > have {
            return None;
        }
        have = have.max(f.offset + f.data.len());
    }
    if have < total {
        return None;
    }
    let mut data = vec![0u8; total];
    let mut filled = 0usize;
    let mut parts = Vec::new();
    for &i in &idx {
        let f = &p.frags[i];
        let end = (f.offset + f.data.len()).min(total);
        if end <= filled {
            continue;
        }
        // Keep the first copy of overlapping bytes.
        let from = filled.max(f.offset);
        data[from..end].copy_from_slice(&f.data[from - f.offset..end - f.offset]);
        filled = end;
        parts.push((f.frame, f.offset, f.data.len()));
    }
    Some(Datagram { data, parts })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> FragKey {
        FragKey {
            src: IpAddr::from([10, 0, 0, 1]),
            dst: IpAddr::from([10, 0, 0, 2]),
            proto: 17,
            id: 7,
        }
    }

    #[test]
    fn in_and_out_of_order() {
        let mut r = Reassembler::default();
        assert!(r.add(key(), 8, &[2; 8], false, 2).is_none());
        let d = r.add(key(), 0, &[1; 8], true, 1).expect("complete");
        assert_eq!(&d.data[..8], &[1; 8]);
        assert_eq!(&d.data[8..], &[2; 8]);
        assert_eq!(d.parts, vec![(1, 0, 8), (2, 8, 8)]);
        assert_eq!(r.buffered, 0);
    }

    #[test]
    fn overlap_keeps_first_and_gap_waits() {
        let mut r = Reassembler::default();
        assert!(r.add(key(), 0, &[1; 8], true, 1).is_none());
        assert!(r.add(key(), 16, &[3; 8], false, 3).is_none());
        let d = r.add(key(), 4, &[2; 12], true, 2).expect("complete");
        assert_eq!(&d.data[..8], &[1; 8]);
        assert_eq!(&d.data[8..16], &[2; 8]);
    }

    #[test]
    fn oversized_datagram_is_dropped() {
        let mut r = Reassembler::default();
        assert!(r.add(key(), 65_528, &[0; 200], false, 1).is_none());
        assert_eq!(r.buffered, 0);
    }
}
