//! Capture files for wirelab's analyzer: streaming, zero-copy reading of
//! pcap and pcapng (plain or gzip-compressed, from a file or stdin) and
//! writing of both.
//!
//! Layering: this is the bottom of the analyzer stack (`dissect` takes the
//! [`Packet`]s it yields). It does no I/O of its own beyond the file
//! adapters [`Reader::open`] and [`Writer`] over any [`std::io::Write`].
//!
//! Guarantees:
//!
//! * **Streaming, flat memory.** [`Reader`] keeps one read-ahead buffer and
//!   lends each packet out of it ([`Reader::next_packet`] is a lending
//!   iterator); nothing is allocated per packet. The buffer grows only to
//!   hold the largest record really present, never to a length the file
//!   merely claims.
//! * **tshark's numbers.** Timestamps (pcapng `if_tsresol` in powers of 10
//!   and 2, `if_tsoffset`), captured and original lengths (including the
//!   pseudo-headers wiretap strips, see [`linktype`]) and link types are
//!   computed as Wireshark 4.0's wiretap computes them; a packet carries
//!   both its global interface index and its index within its pcapng
//!   section (what tshark 4.0 shows as `frame.interface_id`). Files tshark
//!   rejects (unknown pcap link types, unknown pcapng versions) are
//!   rejected too. pcapng Custom Blocks, which tshark 4.0 shows as frames,
//!   are skipped unless [`Reader::deliver_custom_blocks`] asks for them.
//! * **Damage is an error, not a panic.** A file cut short, a bad block
//!   length or an absurd record length yields [`Error`] naming the frame
//!   number and byte offset (in the decompressed stream); every packet
//!   before it has been delivered first. No input makes the reader panic,
//!   loop forever or allocate a buffer sized by an unchecked length.
//!
//! Formats: pcap per draft-ietf-opsawg-pcap ("pcap-savefile"), including
//! the variants wiretap reads (nanosecond magic, Kuznetzov's modified
//! record headers `ss990417`/`ss990915`/`ss991029`, Nokia, AIX, Ixia);
//! pcapng per draft-ietf-opsawg-pcapng (SHB, IDB, EPB, SPB, OPB, NRB, ISB,
//! DSB, custom and unknown blocks).
#![warn(missing_docs)]

use std::borrow::Cow;
use std::io;
use std::path::PathBuf;

pub mod linktype;
mod reader;
mod source;
mod writer;

pub use reader::Reader;
pub use writer::Writer;

/// Everything that can go wrong reading or writing a capture.
///
/// Variants about file contents carry the byte offset (in the decompressed
/// stream) of the header, record or block at fault and, where it applies,
/// the 1-based number of the frame being read (0 for the file header).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be opened.
    #[error("cannot open {}: {source}", path.display())]
    Open {
        /// The path given.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// Reading failed (an I/O error, or corrupt gzip data).
    #[error("{}at byte {offset}: read error: {source}", frame_prefix(*frame))]
    Io {
        /// Frame being read.
        frame: u64,
        /// Stream offset reached.
        offset: u64,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// The stream is neither pcap nor pcapng.
    #[error("at byte 0: not a pcap or pcapng capture file (magic number {magic:#010x})")]
    UnknownFormat {
        /// The first four bytes, read big-endian.
        magic: u32,
    },
    /// The stream ended in the middle of a header, record or block.
    #[error("{}at byte {offset}: file cut short in the middle of {what}: {need} bytes needed, {have} left", frame_prefix(*frame))]
    Truncated {
        /// Frame being read.
        frame: u64,
        /// Offset of the header, record or block.
        offset: u64,
        /// What was being read.
        what: &'static str,
        /// Bytes it needs.
        need: u64,
        /// Bytes the stream still had.
        have: u64,
    },
    /// A header, record or block is malformed (bad length, bad magic, …).
    #[error("{}at byte {offset}: {reason}", frame_prefix(*frame))]
    Malformed {
        /// Frame being read.
        frame: u64,
        /// Offset of the header, record or block.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// Well-formed but not supported (as tshark 4.0 does not support it).
    #[error("{}at byte {offset}: unsupported: {reason}", frame_prefix(*frame))]
    Unsupported {
        /// Frame being read.
        frame: u64,
        /// Offset of the header, record or block.
        offset: u64,
        /// What is unsupported.
        reason: String,
    },
    /// Writing failed.
    #[error("write error: {0}")]
    Write(#[source] io::Error),
    /// The writer was asked for something the format cannot hold.
    #[error("cannot write: {0}")]
    InvalidInput(String),
}

fn frame_prefix(frame: u64) -> String {
    if frame == 0 {
        String::new()
    } else {
        format!("frame {frame} ")
    }
}

impl Error {
    /// Byte offset in the (decompressed) stream, for errors about contents.
    pub fn offset(&self) -> Option<u64> {
        match self {
            Error::Io { offset, .. }
            | Error::Truncated { offset, .. }
            | Error::Malformed { offset, .. }
            | Error::Unsupported { offset, .. } => Some(*offset),
            Error::UnknownFormat { .. } => Some(0),
            _ => None,
        }
    }

    /// 1-based frame number being read, for errors past the file header.
    pub fn frame(&self) -> Option<u64> {
        match self {
            Error::Io { frame, .. }
            | Error::Truncated { frame, .. }
            | Error::Malformed { frame, .. }
            | Error::Unsupported { frame, .. } => (*frame != 0).then_some(*frame),
            _ => None,
        }
    }
}

/// pcap dialects wiretap reads; see `wiretap/libpcap.c`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PcapVariant {
    /// Standard record header (16 bytes).
    Standard,
    /// AIX tcpdump: version 2.2, nanosecond stamps, RFC 1573 ifType link
    /// types (mapped to LINKTYPE_* values).
    Aix,
    /// Red Hat 6.1 patch (standard magic): 24-byte record header with
    /// ifindex, protocol and packet type.
    Ss990417,
    /// SuSE 6.3 patch (modified magic 0xa1b2cd34): 28-byte record header.
    Ss990915,
    /// Kuznetzov's later patch (modified magic 0xa1b2cd34): 24-byte header.
    Ss991029,
    /// Nokia IPSO: 20-byte record header.
    Nokia,
    /// Ixia lcap (magic 0x1c0001ab/0x1c0001ac): 4 more header bytes.
    Ixia,
}

/// The container format of a capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// pcap ("libpcap") file.
    Pcap {
        /// Timestamps in nanoseconds rather than microseconds.
        nanos: bool,
        /// Written big-endian.
        big_endian: bool,
        /// Record-header dialect.
        variant: PcapVariant,
    },
    /// pcapng file.
    Pcapng,
}

/// A capture interface: a pcapng Interface Description Block, or the one
/// synthetic interface of a pcap file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    /// LINKTYPE_* value (low 16 bits of the pcap link-type field).
    pub linktype: u32,
    /// Snapshot length (0: unlimited).
    pub snaplen: u32,
    /// `if_name`.
    pub name: Option<String>,
    /// `if_description`.
    pub description: Option<String>,
    /// `if_tsresol` as encoded in pcapng: bit 7 clear, 10^-n seconds; set,
    /// 2^-(n & 0x7f). 6 (microseconds) when absent; 9 for nanosecond pcap.
    pub tsresol: u8,
    /// `if_tsoffset`: seconds added to every timestamp.
    pub tsoffset: i64,
    /// FCS length in bytes (`if_fcslen`, or the pcap link-type field's FCS
    /// bits), if given.
    pub fcslen: Option<u8>,
    /// `if_filter` (the filter string, without its type byte).
    pub filter: Option<String>,
    /// `if_os`.
    pub os: Option<String>,
    /// `if_hardware`.
    pub hardware: Option<String>,
    /// `if_speed` in bits per second.
    pub speed: Option<u64>,
    /// `opt_comment`s.
    pub comments: Vec<String>,
    /// Every option of the IDB as `(code, raw value)` (pcapng only).
    pub options: Vec<(u16, Vec<u8>)>,
    /// Index of the pcapng section (from 0) the interface belongs to.
    pub section: usize,
}

impl Interface {
    /// An interface with this link type and defaults for the rest
    /// (microsecond resolution, no snapshot limit).
    pub fn new(linktype: u32) -> Self {
        Interface {
            linktype,
            snaplen: 0,
            name: None,
            description: None,
            tsresol: 6,
            tsoffset: 0,
            fcslen: None,
            filter: None,
            os: None,
            hardware: None,
            speed: None,
            comments: Vec::new(),
            options: Vec::new(),
            section: 0,
        }
    }

    /// Timestamp units per second for `tsresol`, or `None` when it does
    /// not fit in 64 bits (tshark rejects such an IDB).
    pub fn units_per_second(&self) -> Option<u64> {
        units_per_second(self.tsresol)
    }
}

pub(crate) fn units_per_second(tsresol: u8) -> Option<u64> {
    let exp = u32::from(tsresol & 0x7f);
    if tsresol & 0x80 != 0 {
        1u64.checked_shl(exp).filter(|_| exp < 64)
    } else {
        10u64.checked_pow(exp)
    }
}

/// What kind of record a [`Packet`] came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecordKind {
    /// A pcap record.
    Pcap,
    /// A pcapng Enhanced Packet Block.
    Enhanced,
    /// A pcapng Simple Packet Block: no timestamp, interface 0 of its
    /// section, `orig_len` from the block, `cap_len` clamped to the snaplen.
    Simple,
    /// A pcapng (obsolete) Packet Block.
    Obsolete,
    /// A pcapng Custom Block, delivered only after
    /// [`Reader::deliver_custom_blocks`]: `data` is the custom data and
    /// options after the Private Enterprise Number; no timestamp and no
    /// interface (`interface_id` is `u32::MAX`, `linktype` 0).
    Custom {
        /// Private Enterprise Number.
        pen: u32,
        /// Block type 0x00000BAD (may be copied) rather than 0x40000BAD.
        copy_allowed: bool,
    },
}

/// One record, borrowed from the reader's buffer.
#[derive(Clone, Copy, Debug)]
pub struct Packet<'a> {
    /// Captured bytes (after any pseudo-header wiretap strips).
    pub data: &'a [u8],
    /// The pseudo-header stripped from the front of the record for some
    /// link types (see [`linktype::pseudo_header`]); usually empty.
    pub pseudo_header: &'a [u8],
    /// Seconds since the epoch (if_tsresol and if_tsoffset applied).
    pub ts_secs: i64,
    /// Nanoseconds. Below 10^9 in any sound file; a damaged pcap file can
    /// give more, kept as wiretap keeps it (tshark shows it as an `i32`).
    pub ts_nanos: u32,
    /// The record has a timestamp (false for Simple Packet and Custom
    /// Blocks, whose `ts_*` are 0; tshark shows no time for them).
    pub has_ts: bool,
    /// Captured length (`data.len()`).
    pub cap_len: u32,
    /// Length on the wire (minus the pseudo-header, as tshark counts it).
    pub orig_len: u32,
    /// LINKTYPE_* of its interface.
    pub linktype: u32,
    /// Global interface index across sections: the index into
    /// [`Reader::interfaces`] (what newer Wireshark releases show).
    pub interface_id: u32,
    /// Index of the interface within its pcapng section: what tshark 4.0
    /// shows as `frame.interface_id` (it numbers interfaces per section).
    pub section_interface_id: u32,
    /// pcapng section (from 0) of the record; tshark's
    /// `frame.section_number` is this plus 1. 0 for pcap.
    pub section: u32,
    /// Byte offset of the record/block in the (decompressed) stream.
    pub offset: u64,
    /// Which kind of record it is.
    pub kind: RecordKind,
    options: Options<'a>,
    interfaces: &'a [Interface],
}

impl<'a> Packet<'a> {
    /// The packet's interface (`None` for custom blocks).
    pub fn interface(&self) -> Option<&'a Interface> {
        self.interfaces.get(self.interface_id as usize)
    }

    /// Every interface the reader knows at this packet (what
    /// [`Reader::interfaces`] returns, reachable while the packet is
    /// borrowed).
    pub fn known_interfaces(&self) -> &'a [Interface] {
        self.interfaces
    }

    /// The record's options (pcapng EPB/OPB; empty otherwise).
    pub fn options(&self) -> Options<'a> {
        self.options
    }

    /// `opt_comment` values (invalid UTF-8 replaced).
    pub fn comments(&self) -> impl Iterator<Item = Cow<'a, str>> + 'a {
        self.options
            .filter(|&(code, _)| code == OPT_COMMENT)
            .map(|(_, v)| String::from_utf8_lossy(trim_nul(v)))
    }

    /// `epb_flags` / `pack_flags` (direction, reception type, FCS length…).
    pub fn flags(&self) -> Option<u32> {
        self.option_uint(2, 4).map(|v| v as u32)
    }

    /// `epb_dropcount`.
    pub fn drop_count(&self) -> Option<u64> {
        match self.kind {
            RecordKind::Enhanced => self.option_uint(4, 8),
            _ => None,
        }
    }

    /// `epb_packetid`.
    pub fn packet_id(&self) -> Option<u64> {
        match self.kind {
            RecordKind::Enhanced => self.option_uint(5, 8),
            _ => None,
        }
    }

    /// `epb_queue`.
    pub fn queue(&self) -> Option<u32> {
        match self.kind {
            RecordKind::Enhanced => self.option_uint(6, 4).map(|v| v as u32),
            _ => None,
        }
    }

    fn option_uint(&self, code: u16, len: usize) -> Option<u64> {
        let mut options = self.options;
        let (_, v) = options.find(|&(c, _)| c == code)?;
        let v = v.get(..len)?;
        let mut x = 0u64;
        for (i, &b) in v.iter().enumerate() {
            if self.options.big_endian {
                x = (x << 8) | u64::from(b);
            } else {
                x |= u64::from(b) << (8 * i);
            }
        }
        Some(x)
    }
}

pub(crate) const OPT_ENDOFOPT: u16 = 0;
pub(crate) const OPT_COMMENT: u16 = 1;

fn trim_nul(v: &[u8]) -> &[u8] {
    let end = v.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    &v[..end]
}

/// Iterator over pcapng options (draft-ietf-opsawg-pcapng §3.5): `(code,
/// value)` pairs, stopping at `opt_endofopt` or at an option that overruns
/// the block.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options<'a> {
    data: &'a [u8],
    big_endian: bool,
}

impl<'a> Options<'a> {
    pub(crate) fn new(data: &'a [u8], big_endian: bool) -> Self {
        Options { data, big_endian }
    }

    fn u16_at(&self, i: usize) -> Option<u16> {
        let b: [u8; 2] = self.data.get(i..i + 2)?.try_into().ok()?;
        Some(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }
}

impl<'a> Iterator for Options<'a> {
    type Item = (u16, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let code = self.u16_at(0)?;
        let len = usize::from(self.u16_at(2)?);
        let value = self.data.get(4..4 + len);
        let padded = 4 + ((len + 3) & !3);
        match value {
            Some(v) if code != OPT_ENDOFOPT => {
                self.data = self.data.get(padded..).unwrap_or(&[]);
                Some((code, v))
            }
            _ => {
                self.data = &[];
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_iterate_and_stop() {
        // pcapng §3.5: comment "hi" padded to 4, then epb_flags, then end.
        let le = [
            1, 0, 2, 0, b'h', b'i', 0, 0, 2, 0, 4, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 9,
        ];
        let v: Vec<_> = Options::new(&le, false).collect();
        assert_eq!(v, vec![(1, &b"hi"[..]), (2, &[1u8, 0, 0, 0][..])]);
        // Overrunning option: stop, no panic.
        let bad = [1, 0, 200, 0, b'x'];
        assert_eq!(Options::new(&bad, false).count(), 0);
        let be = [0, 1, 0, 1, b'z', 0, 0, 0];
        assert_eq!(Options::new(&be, true).next(), Some((1, &b"z"[..])));
    }

    #[test]
    fn resolutions() {
        assert_eq!(units_per_second(6), Some(1_000_000));
        assert_eq!(units_per_second(9), Some(1_000_000_000));
        assert_eq!(units_per_second(0x80 | 10), Some(1024));
        assert_eq!(units_per_second(19), Some(10u64.pow(19)));
        assert_eq!(units_per_second(20), None);
        assert_eq!(units_per_second(0x80 | 64), None);
    }

    #[test]
    fn error_messages_name_frame_and_offset() {
        let e = Error::Malformed {
            frame: 12,
            offset: 4711,
            reason: "block length 9 is shorter than a block header".into(),
        };
        assert_eq!(
            e.to_string(),
            "frame 12 at byte 4711: block length 9 is shorter than a block header"
        );
        assert_eq!((e.frame(), e.offset()), (Some(12), Some(4711)));
        let e = Error::UnknownFormat { magic: 0x1234_5678 };
        assert!(e.to_string().contains("0x12345678"));
    }
}
