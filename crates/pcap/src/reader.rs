//! The streaming reader: format detection (gzip, pcap variants, pcapng),
//! then one record per [`Reader::next_packet`] call.

use std::io::{self, Read};
use std::path::Path;

use crate::linktype::{max_cap_len, pseudo_header, wtap_encap};
use crate::source::Source;
use crate::{
    trim_nul, Error, Format, Interface, Options, Packet, PcapVariant, RecordKind, OPT_COMMENT,
};

// pcap magic numbers as read little-endian (pcap-savefile §"File Header").
const PCAP_MAGIC: u32 = 0xa1b2_c3d4;
const PCAP_NSEC_MAGIC: u32 = 0xa1b2_3c4d;
const PCAP_MODIFIED_MAGIC: u32 = 0xa1b2_cd34;
const PCAP_IXIAHW_MAGIC: u32 = 0x1c00_01ac;
const PCAP_IXIASW_MAGIC: u32 = 0x1c00_01ab;
/// pcapng Section Header Block type (pcapng §4.1), a byte palindrome.
const SHB: u32 = 0x0a0d_0d0a;
const BOM: u32 = 0x1a2b_3c4d;

// pcapng block types (pcapng §4 and §10.1).
const IDB: u32 = 1;
const OPB: u32 = 2;
const SPB: u32 = 3;
const EPB: u32 = 6;
const CB_COPY: u32 = 0x0000_0bad;
const CB_NOCOPY: u32 = 0x4000_0bad;

/// Largest pcapng block wiretap accepts (`MAX_BLOCK_SIZE`: an EPB holding
/// the largest D-Bus packet plus 128 KiB of options).
const MAX_BLOCK: u32 = 32 + 128 * 1024 * 1024 + 131_072;
/// More interfaces than any real capture has; a bound on memory.
const MAX_INTERFACES: usize = 1 << 20;

#[derive(Clone, Copy, PartialEq, Eq)]
enum LengthsSwapped {
    No,
    Yes,
    Maybe,
}

struct PcapState {
    big_endian: bool,
    nanos: bool,
    variant: PcapVariant,
    swapped: LengthsSwapped,
    linktype: u32,
}

struct Section {
    big_endian: bool,
    /// Global index of the section's first interface.
    first: usize,
}

enum State {
    Pcap(PcapState),
    Pcapng(Section),
}

/// A streaming capture reader over pcap or pcapng, plain or gzip.
pub struct Reader {
    src: Source,
    state: State,
    interfaces: Vec<Interface>,
    /// Units per second of each interface, parallel to `interfaces`.
    units: Vec<u64>,
    sections: usize,
    frames: u64,
    done: bool,
    custom: bool,
}

fn rd16(b: &[u8], at: usize, be: bool) -> u16 {
    let mut a = [0u8; 2];
    if let Some(s) = b.get(at..at + 2) {
        a.copy_from_slice(s);
    }
    if be {
        u16::from_be_bytes(a)
    } else {
        u16::from_le_bytes(a)
    }
}

fn rd32(b: &[u8], at: usize, be: bool) -> u32 {
    let mut a = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        a.copy_from_slice(s);
    }
    if be {
        u32::from_be_bytes(a)
    } else {
        u32::from_le_bytes(a)
    }
}

fn rd64(b: &[u8], at: usize, be: bool) -> u64 {
    let mut a = [0u8; 8];
    if let Some(s) = b.get(at..at + 8) {
        a.copy_from_slice(s);
    }
    if be {
        u64::from_be_bytes(a)
    } else {
        u64::from_le_bytes(a)
    }
}

/// The buffered bytes of a `Source` followed by the rest of its stream.
struct Prefixed {
    head: io::Cursor<Vec<u8>>,
    rest: Box<dyn Read + Send>,
}

impl Read for Prefixed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.head.read(buf)?;
        if n > 0 || buf.is_empty() {
            return Ok(n);
        }
        self.rest.read(buf)
    }
}

impl Reader {
    /// Opens a capture file; `-` reads stdin. Gzip is detected by its magic.
    pub fn open(path: &Path) -> Result<Reader, Error> {
        if path.as_os_str() == "-" {
            return Reader::new(Box::new(io::stdin()));
        }
        let f = std::fs::File::open(path).map_err(|source| Error::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Reader::new(Box::new(f))
    }

    /// Reads a capture from any byte stream (gzip detected by its magic)
    /// and parses its file header (and, for pcapng, its first section
    /// header).
    pub fn new(r: Box<dyn Read + Send>) -> Result<Reader, Error> {
        let io0 = |source| Error::Io {
            frame: 0,
            offset: 0,
            source,
        };
        let mut src = Source::new(r);
        let n = src.fill(4).map_err(io0)?;
        if n >= 2 && src.peek(2) == [0x1f, 0x8b] {
            let head = src.peek(n).to_vec();
            let rest = src.into_inner();
            let inner = Prefixed {
                head: io::Cursor::new(head),
                rest,
            };
            src = Source::new(Box::new(flate2::read::MultiGzDecoder::new(inner)));
        }
        let n = src.fill(4).map_err(io0)?;
        if n < 4 {
            return Err(Error::Truncated {
                frame: 0,
                offset: 0,
                what: "the file header",
                need: 4,
                have: n as u64,
            });
        }
        let m = src.peek(4);
        let magic_le = u32::from_le_bytes([m[0], m[1], m[2], m[3]]);
        let magic_be = u32::from_be_bytes([m[0], m[1], m[2], m[3]]);
        let mut reader = Reader {
            src,
            state: State::Pcapng(Section {
                big_endian: false,
                first: 0,
            }),
            interfaces: Vec::new(),
            units: Vec::new(),
            sections: 0,
            frames: 0,
            done: false,
            custom: false,
        };
        if magic_le == SHB {
            // The first block is read (and checked) now, so a file that is
            // not pcapng after all fails here.
            reader.read_shb()?;
            return Ok(reader);
        }
        let (big_endian, magic) = if is_pcap_magic(magic_le) {
            (false, magic_le)
        } else if is_pcap_magic(magic_be) {
            (true, magic_be)
        } else {
            return Err(Error::UnknownFormat { magic: magic_be });
        };
        reader.read_pcap_header(big_endian, magic)?;
        Ok(reader)
    }

    /// Also delivers pcapng Custom Blocks as records of kind
    /// [`RecordKind::Custom`], as tshark 4.0 shows them as frames.
    /// Off by default: custom blocks are skipped.
    pub fn deliver_custom_blocks(&mut self, yes: bool) {
        self.custom = yes;
    }

    /// The container format.
    pub fn format(&self) -> Format {
        match &self.state {
            State::Pcap(p) => Format::Pcap {
                nanos: p.nanos,
                big_endian: p.big_endian,
                variant: p.variant,
            },
            State::Pcapng(_) => Format::Pcapng,
        }
    }

    /// Interfaces seen so far (all sections; a pcap file has one).
    pub fn interfaces(&self) -> &[Interface] {
        &self.interfaces
    }

    /// pcapng sections seen so far (1 for pcap).
    pub fn sections(&self) -> usize {
        self.sections
    }

    /// Stream offset of the next record.
    pub fn position(&self) -> u64 {
        self.src.pos()
    }

    /// The next packet, borrowed from the reader's buffer; `Ok(None)` at the
    /// end. After an error the reader is finished and returns `Ok(None)`.
    pub fn next_packet(&mut self) -> Result<Option<Packet<'_>>, Error> {
        if self.done {
            return Ok(None);
        }
        let r = match self.state {
            State::Pcap(_) => self.next_pcap(),
            State::Pcapng(_) => self.next_pcapng(),
        };
        match r {
            Ok(Some(rec)) => {
                self.frames += 1;
                Ok(Some(self.packet(rec)))
            }
            Ok(None) => {
                self.done = true;
                Ok(None)
            }
            Err(e) => {
                self.done = true;
                Err(e)
            }
        }
    }

    fn packet(&self, r: Rec) -> Packet<'_> {
        let buf = self.src.buffer();
        Packet {
            data: &buf[r.data.clone()],
            pseudo_header: &buf[r.phdr.clone()],
            ts_secs: r.ts_secs,
            ts_nanos: r.ts_nanos,
            has_ts: r.has_ts,
            cap_len: r.cap_len,
            orig_len: r.orig_len,
            linktype: r.linktype,
            interface_id: r.interface_id,
            section_interface_id: r.local_id,
            section: self.sections.saturating_sub(1) as u32,
            offset: r.offset,
            kind: r.kind,
            options: Options::new(&buf[r.options.clone()], r.big_endian),
            interfaces: &self.interfaces,
        }
    }

    fn io_err(&self, source: io::Error) -> Error {
        Error::Io {
            frame: self.frames + 1,
            offset: self.src.pos(),
            source,
        }
    }

    fn malformed(&self, offset: u64, reason: String) -> Error {
        Error::Malformed {
            frame: self.frames + 1,
            offset,
            reason,
        }
    }

    fn fill(&mut self, n: usize) -> Result<usize, Error> {
        self.src.fill(n).map_err(|e| self.io_err(e))
    }

    // ---------------------------------------------------------------- pcap

    fn read_pcap_header(&mut self, big_endian: bool, magic: u32) -> Result<(), Error> {
        let ixia = magic == PCAP_IXIAHW_MAGIC || magic == PCAP_IXIASW_MAGIC;
        let hdr_len = if ixia { 28 } else { 24 };
        let n = self.fill(hdr_len)?;
        if n < hdr_len {
            return Err(Error::Truncated {
                frame: 0,
                offset: 0,
                what: "the pcap file header",
                need: hdr_len as u64,
                have: n as u64,
            });
        }
        let h = self.src.peek(hdr_len);
        let major = rd16(h, 4, big_endian);
        let minor = rd16(h, 6, big_endian);
        let snaplen = rd32(h, 16, big_endian);
        let mut network = rd32(h, 20, big_endian);
        self.src.consume(hdr_len);
        let unsupported = |reason: String| Error::Unsupported {
            frame: 0,
            offset: 0,
            reason,
        };
        if major < 2 {
            return Err(unsupported(format!(
                "pcap major version {major} unsupported"
            )));
        }
        let mut nanos = matches!(magic, PCAP_NSEC_MAGIC | PCAP_IXIAHW_MAGIC);
        let mut variant = match magic {
            PCAP_IXIAHW_MAGIC | PCAP_IXIASW_MAGIC => Some(PcapVariant::Ixia),
            PCAP_NSEC_MAGIC => Some(PcapVariant::Standard),
            _ => None,
        };
        // pcap-savefile: before 2.3 (and in DG/UX's 543.0) the two length
        // fields were in the other order; 2.3 files may have either.
        let swapped = match (major, minor) {
            (2, m) if m < 3 => LengthsSwapped::Yes,
            (2, 3) => LengthsSwapped::Maybe,
            (543, _) => LengthsSwapped::Yes,
            _ => LengthsSwapped::No,
        };
        if swapped != LengthsSwapped::No && variant.is_none() {
            variant = Some(PcapVariant::Standard);
        }
        if magic == PCAP_MAGIC && major == 2 && minor == 2 {
            // AIX: RFC 1573 ifType values instead of link types.
            let aix = match network {
                6 => Some(1),
                9 => Some(6),
                15 => Some(10),
                24 => Some(0),
                _ => None,
            };
            if let Some(lt) = aix {
                network = lt;
                variant = Some(PcapVariant::Aix);
                nanos = true;
            }
        }
        if network & 0x03ff_0000 != 0 {
            return Err(unsupported(format!(
                "pcap network type reserved field not zero ({:#010x})",
                network & 0x03ff_0000
            )));
        }
        let linktype = network & 0xffff;
        if wtap_encap(linktype).is_none() {
            return Err(unsupported(format!(
                "pcap network type {network} unknown or unsupported"
            )));
        }
        let fcslen = (network & 0x0400_0000 != 0).then(|| ((network >> 28) * 2) as u8);
        let mut state = PcapState {
            big_endian,
            nanos,
            variant: variant.unwrap_or(PcapVariant::Standard),
            swapped,
            linktype,
        };
        if magic == PCAP_MODIFIED_MAGIC {
            state.variant = self.guess_variant(
                &state,
                snaplen,
                &[PcapVariant::Ss991029, PcapVariant::Ss990915],
            )?;
        } else if magic == PCAP_MAGIC && variant.is_none() {
            state.variant = self.guess_variant(
                &state,
                snaplen,
                &[
                    PcapVariant::Standard,
                    PcapVariant::Ss990417,
                    PcapVariant::Nokia,
                ],
            )?;
        }
        let mut iface = Interface::new(linktype);
        iface.snaplen = snaplen;
        iface.tsresol = if nanos { 9 } else { 6 };
        iface.fcslen = fcslen;
        self.units
            .push(if nanos { 1_000_000_000 } else { 1_000_000 });
        self.interfaces.push(iface);
        self.sections = 1;
        self.state = State::Pcap(state);
        Ok(())
    }

    /// wiretap's variant heuristic (`libpcap_try_variants`): read up to
    /// three records as each variant, score what looks wrong, take the
    /// first perfect one or else the least bad.
    fn guess_variant(
        &mut self,
        st: &PcapState,
        snaplen: u32,
        variants: &[PcapVariant],
    ) -> Result<PcapVariant, Error> {
        let mut best = (u32::MAX, variants[0]);
        for &v in variants {
            let merit = self.try_variant(st, snaplen, v)?;
            if merit == 0 {
                return Ok(v);
            }
            if merit < best.0 {
                best = (merit, v);
            }
        }
        Ok(best.1)
    }

    fn try_variant(&mut self, st: &PcapState, snaplen: u32, v: PcapVariant) -> Result<u32, Error> {
        let be = st.big_endian;
        let mut merit = 0;
        let mut p = 0usize;
        let max = max_cap_len(st.linktype);
        for _ in 0..3 {
            // Read the header field by field, as wiretap does, so that a
            // short read scores the same.
            let hl = rec_hdr_len(v);
            let avail = self.fill(p + hl)?.saturating_sub(p);
            if avail == 0 {
                break;
            }
            let h = self.src.peek(p + hl).get(p..).unwrap_or(&[]);
            if avail < 8 {
                return Ok(merit + 1);
            }
            if rd32(h, 4, be) >= 1_000_000 {
                merit += 1;
            }
            if avail < 12 {
                return Ok(merit + 1);
            }
            let incl = rd32(h, 8, be);
            let incl_ok = incl <= max;
            if !incl_ok {
                merit += 1;
            }
            if incl > snaplen {
                merit += 1;
            }
            if avail < 16 {
                return Ok(merit + 1);
            }
            let orig = rd32(h, 12, be);
            if orig > 128 * 1024 * 1024 {
                merit += 1;
            }
            if incl > orig {
                merit += 1;
            }
            match v {
                PcapVariant::Ss990417 | PcapVariant::Ss990915 | PcapVariant::Ss991029 => {
                    if avail < 20 {
                        return Ok(merit + 1);
                    }
                    if rd32(h, 16, be) > 10_000 {
                        merit += 1;
                    }
                    if avail < 22 {
                        return Ok(merit + 1);
                    }
                    let proto = rd16(h, 20, be);
                    if !(proto >= 0x0600
                        || proto == 0x0060
                        || proto == 0x0200
                        || proto == 0x0400
                        || proto <= 0x0017)
                    {
                        merit += 1;
                    }
                    if avail < 23 {
                        return Ok(merit + 1);
                    }
                    if h.get(22).copied().unwrap_or(0) > 4 {
                        merit += 1;
                    }
                    if avail < hl {
                        return Ok(merit + 1);
                    }
                }
                PcapVariant::Nokia => {
                    if avail < 20 {
                        return Ok(merit + 1);
                    }
                    let ns = rd32(h, 16, be);
                    let ok = ns & 0x0fff_00f0 == 0x0fbf_0000
                        && matches!(ns & 0xf000_0000, 0x9000_0000 | 0xb000_0000)
                        && matches!(ns & 0x0000_f000, 0xb000 | 0xd000)
                        && matches!(ns & 0x0000_0f00, 0x0600 | 0x0900)
                        && matches!(ns & 0xf, 1 | 2);
                    if !ok {
                        merit += 1;
                    }
                }
                _ => {}
            }
            if !incl_ok {
                return Ok(merit);
            }
            let end = p + hl + incl as usize;
            if self.fill(end)? < end {
                return Ok(merit + 1);
            }
            p = end;
        }
        Ok(merit)
    }

    fn next_pcap(&mut self) -> Result<Option<Rec>, Error> {
        let State::Pcap(st) = &self.state else {
            return Ok(None);
        };
        let (be, variant, swapped, linktype, nanos) =
            (st.big_endian, st.variant, st.swapped, st.linktype, st.nanos);
        let offset = self.src.pos();
        let hl = rec_hdr_len(variant);
        let n = self.fill(hl)?;
        if n == 0 {
            return Ok(None);
        }
        if n < hl {
            return Err(Error::Truncated {
                frame: self.frames + 1,
                offset,
                what: "a record header",
                need: hl as u64,
                have: n as u64,
            });
        }
        let h = self.src.peek(hl);
        let ts_sec = rd32(h, 0, be);
        let ts_frac = rd32(h, 4, be);
        let mut incl = rd32(h, 8, be);
        let mut orig = rd32(h, 12, be);
        if swapped == LengthsSwapped::Yes || (swapped == LengthsSwapped::Maybe && incl > orig) {
            std::mem::swap(&mut incl, &mut orig);
        }
        let max = max_cap_len(linktype);
        if incl > max {
            return Err(self.malformed(
                offset,
                format!(
                    "record claims {incl} captured bytes, more than the maximum of {max} for link type {linktype}"
                ),
            ));
        }
        let total = hl + incl as usize;
        let n = self.fill(total)?;
        if n < total {
            return Err(Error::Truncated {
                frame: self.frames + 1,
                offset,
                what: "a packet's data",
                need: total as u64,
                have: n as u64,
            });
        }
        let r = self.src.consume(total);
        let mut data = r.start + hl..r.end;
        let mut cap = incl;
        if variant == PcapVariant::Aix && linktype == 10 {
            // AIX pads FDDI frames with 3 bytes, counted in both lengths.
            if cap < 3 {
                return Err(self.malformed(
                    offset,
                    format!("AIX FDDI record of {cap} bytes is shorter than its 3-byte padding"),
                ));
            }
            data.start += 3;
            cap -= 3;
            orig = orig.wrapping_sub(3);
        }
        let (phdr, data, cap, orig) = self.split_phdr(offset, linktype, data, cap, orig)?;
        let ts_nanos = if nanos {
            ts_frac
        } else {
            ts_frac.wrapping_mul(1000)
        };
        Ok(Some(Rec {
            data,
            phdr,
            options: 0..0,
            big_endian: be,
            ts_secs: i64::from(ts_sec),
            ts_nanos,
            has_ts: true,
            cap_len: cap,
            orig_len: orig,
            linktype,
            interface_id: 0,
            local_id: 0,
            offset,
            kind: RecordKind::Pcap,
        }))
    }

    /// Splits off the pseudo-header wiretap strips for this link type.
    #[allow(clippy::type_complexity)]
    // Inlined: most link types have no pseudo-header, and the call with
    // its large Result showed in the per-packet profile.
    #[inline]
    fn split_phdr(
        &self,
        offset: u64,
        linktype: u32,
        data: std::ops::Range<usize>,
        cap: u32,
        orig: u32,
    ) -> Result<(std::ops::Range<usize>, std::ops::Range<usize>, u32, u32), Error> {
        let Some(ph) = pseudo_header(linktype) else {
            return Ok((data.start..data.start, data, cap, orig));
        };
        if cap < ph.len {
            return Err(self.malformed(
                offset,
                format!(
                    "{} file has a {cap}-byte packet, too small to have even a {} pseudo-header",
                    ph.name, ph.name
                ),
            ));
        }
        let split = data.start + ph.len as usize;
        if let Some(proto) = ph.sll_protocol {
            let b = self.src.buffer();
            if rd16(b, data.start + 14, true) != proto {
                return Err(self.malformed(
                    offset,
                    format!(
                        "{} capture has a packet with an invalid sll_protocol field",
                        ph.name
                    ),
                ));
            }
        }
        Ok((
            data.start..split,
            split..data.end,
            cap - ph.len,
            orig.wrapping_sub(ph.len),
        ))
    }

    // -------------------------------------------------------------- pcapng

    /// Reads a Section Header Block at the current position (pcapng §4.1).
    fn read_shb(&mut self) -> Result<(), Error> {
        let offset = self.src.pos();
        let n = self.fill(12)?;
        if n < 12 {
            return Err(Error::Truncated {
                frame: self.frames + 1,
                offset,
                what: "a section header block",
                need: 12,
                have: n as u64,
            });
        }
        let h = self.src.peek(12);
        let big_endian = match rd32(h, 8, false) {
            BOM => false,
            x if x.swap_bytes() == BOM => true,
            x => {
                return Err(self.malformed(
                    offset,
                    format!("section header block has an unknown byte-order magic {x:#010x}"),
                ))
            }
        };
        let total = rd32(h, 4, big_endian);
        let r = self.read_block(offset, total, big_endian, 28)?;
        let b = self.src.buffer();
        let body = &b[r.start + 8..r.end - 4];
        let (major, minor) = (rd16(body, 4, big_endian), rd16(body, 6, big_endian));
        if !(major == 1 && (minor == 0 || minor == 2)) {
            return Err(Error::Unsupported {
                frame: self.frames + 1,
                offset,
                reason: format!("unknown pcapng section header version {major}.{minor}"),
            });
        }
        self.sections += 1;
        self.state = State::Pcapng(Section {
            big_endian,
            first: self.interfaces.len(),
        });
        Ok(())
    }

    /// Checks a block's lengths and buffers it whole; returns its range in
    /// the buffer (header and trailer included), consumed.
    fn read_block(
        &mut self,
        offset: u64,
        total: u32,
        be: bool,
        min: u32,
    ) -> Result<std::ops::Range<usize>, Error> {
        if total < min {
            return Err(self.malformed(
                offset,
                if min == 12 {
                    format!("block length {total} is shorter than a block header and trailer (12)")
                } else {
                    format!("block length {total} is shorter than the minimum {min} for its type")
                },
            ));
        }
        if total % 4 != 0 {
            return Err(self.malformed(
                offset,
                format!("block length {total} is not a multiple of 4"),
            ));
        }
        if total > MAX_BLOCK {
            return Err(self.malformed(
                offset,
                format!("block length {total} is larger than the maximum {MAX_BLOCK}"),
            ));
        }
        let total = total as usize;
        let n = self.fill(total)?;
        if n < total {
            return Err(Error::Truncated {
                frame: self.frames + 1,
                offset,
                what: "a block",
                need: total as u64,
                have: n as u64,
            });
        }
        let trailer = rd32(self.src.peek(total), total - 4, be);
        if trailer as usize != total {
            return Err(self.malformed(
                offset,
                format!("block length {total} does not match its trailing length {trailer}"),
            ));
        }
        Ok(self.src.consume(total))
    }

    fn next_pcapng(&mut self) -> Result<Option<Rec>, Error> {
        loop {
            let offset = self.src.pos();
            let n = self.fill(8)?;
            if n == 0 {
                return Ok(None);
            }
            if n < 8 {
                return Err(Error::Truncated {
                    frame: self.frames + 1,
                    offset,
                    what: "a block header",
                    need: 8,
                    have: n as u64,
                });
            }
            let State::Pcapng(sec) = &self.state else {
                return Ok(None);
            };
            let (be, first) = (sec.big_endian, sec.first);
            let h = self.src.peek(8);
            let btype = rd32(h, 0, be);
            let total = rd32(h, 4, be);
            if btype == SHB {
                self.read_shb()?;
                continue;
            }
            let min = match btype {
                IDB => 20,
                EPB | OPB => 32,
                SPB => 16,
                CB_COPY | CB_NOCOPY => 16,
                _ => 12,
            };
            let r = self.read_block(offset, total, be, min)?;
            let body = r.start + 8..r.end - 4;
            let count = self.interfaces.len() - first;
            match btype {
                IDB => {
                    self.read_idb(offset, body, be)?;
                }
                EPB | OPB => {
                    let b = self.src.buffer();
                    let bb = &b[body.clone()];
                    let (id, hi, lo, cap, orig) = if btype == EPB {
                        (
                            rd32(bb, 0, be),
                            rd32(bb, 4, be),
                            rd32(bb, 8, be),
                            rd32(bb, 12, be),
                            rd32(bb, 16, be),
                        )
                    } else {
                        (
                            u32::from(rd16(bb, 0, be)),
                            rd32(bb, 4, be),
                            rd32(bb, 8, be),
                            rd32(bb, 12, be),
                            rd32(bb, 16, be),
                        )
                    };
                    let name = if btype == EPB {
                        "enhanced packet block"
                    } else {
                        "packet block"
                    };
                    if id as usize >= count {
                        return Err(self.malformed(
                            offset,
                            format!("{name} refers to interface {id}, but its section has {count}"),
                        ));
                    }
                    let gid = first + id as usize;
                    let room = bb.len() - 20;
                    if cap as usize > room {
                        return Err(self.malformed(
                            offset,
                            format!(
                                "{name} claims {cap} captured bytes but the block holds only {room}"
                            ),
                        ));
                    }
                    let lt = self.interfaces[gid].linktype;
                    let max = max_cap_len(lt);
                    if cap > max {
                        return Err(self.malformed(
                            offset,
                            format!(
                                "{name} claims {cap} captured bytes, more than the maximum of {max} for link type {lt}"
                            ),
                        ));
                    }
                    let data = body.start + 20..body.start + 20 + cap as usize;
                    let opt_start = (body.start + 20 + ((cap as usize + 3) & !3)).min(body.end);
                    let (phdr, data, cap, orig) = self.split_phdr(offset, lt, data, cap, orig)?;
                    let ts = (u64::from(hi) << 32) | u64::from(lo);
                    let units = self.units[gid];
                    let secs = (ts / units) as i64;
                    let nanos = ((ts % units).wrapping_mul(1_000_000_000) / units) as u32;
                    return Ok(Some(Rec {
                        data,
                        phdr,
                        options: opt_start..body.end,
                        big_endian: be,
                        ts_secs: secs.wrapping_add(self.interfaces[gid].tsoffset),
                        ts_nanos: nanos,
                        has_ts: true,
                        cap_len: cap,
                        orig_len: orig,
                        linktype: lt,
                        interface_id: gid as u32,
                        local_id: id,
                        offset,
                        kind: if btype == EPB {
                            RecordKind::Enhanced
                        } else {
                            RecordKind::Obsolete
                        },
                    }));
                }
                SPB => {
                    if count == 0 {
                        return Err(self.malformed(
                            offset,
                            "simple packet block before any interface description block in its section".into(),
                        ));
                    }
                    let b = self.src.buffer();
                    let orig = rd32(&b[body.clone()], 0, be);
                    let iface = &self.interfaces[first];
                    let mut cap = orig;
                    if iface.snaplen != 0 && cap > iface.snaplen {
                        cap = iface.snaplen;
                    }
                    let room = body.len() - 4;
                    if cap as usize > room {
                        return Err(self.malformed(
                            offset,
                            format!(
                                "simple packet block of length {total} is too small for {cap} bytes of packet data"
                            ),
                        ));
                    }
                    let lt = iface.linktype;
                    let max = max_cap_len(lt);
                    if cap > max {
                        return Err(self.malformed(
                            offset,
                            format!(
                                "simple packet block has {cap} captured bytes, more than the maximum of {max} for link type {lt}"
                            ),
                        ));
                    }
                    let data = body.start + 4..body.start + 4 + cap as usize;
                    let (phdr, data, cap, orig) = self.split_phdr(offset, lt, data, cap, orig)?;
                    return Ok(Some(Rec {
                        data,
                        phdr,
                        options: 0..0,
                        big_endian: be,
                        ts_secs: 0,
                        ts_nanos: 0,
                        has_ts: false,
                        cap_len: cap,
                        orig_len: orig,
                        linktype: lt,
                        interface_id: first as u32,
                        local_id: 0,
                        offset,
                        kind: RecordKind::Simple,
                    }));
                }
                CB_COPY | CB_NOCOPY if self.custom => {
                    let b = self.src.buffer();
                    let pen = rd32(&b[body.clone()], 0, be);
                    let len = (body.len() - 4) as u32;
                    return Ok(Some(Rec {
                        data: body.start + 4..body.end,
                        phdr: body.start..body.start,
                        options: 0..0,
                        big_endian: be,
                        ts_secs: 0,
                        ts_nanos: 0,
                        has_ts: false,
                        cap_len: len,
                        orig_len: len,
                        linktype: 0,
                        interface_id: u32::MAX,
                        local_id: u32::MAX,
                        offset,
                        kind: RecordKind::Custom {
                            pen,
                            copy_allowed: btype == CB_COPY,
                        },
                    }));
                }
                // NRB, ISB, DSB, custom, systemd journal, unknown: skipped.
                _ => {}
            }
        }
    }

    /// Interface Description Block (pcapng §4.2).
    fn read_idb(
        &mut self,
        offset: u64,
        body: std::ops::Range<usize>,
        be: bool,
    ) -> Result<(), Error> {
        if self.interfaces.len() >= MAX_INTERFACES {
            return Err(self.malformed(
                offset,
                format!("more than {MAX_INTERFACES} interface description blocks"),
            ));
        }
        let b = &self.src.buffer()[body];
        let mut iface = Interface::new(u32::from(rd16(b, 0, be)));
        iface.snaplen = rd32(b, 4, be);
        iface.section = self.sections.saturating_sub(1);
        let text = |v: &[u8]| String::from_utf8_lossy(trim_nul(v)).into_owned();
        for (code, v) in Options::new(b.get(8..).unwrap_or(&[]), be) {
            match code {
                OPT_COMMENT => iface.comments.push(text(v)),
                2 => iface.name = Some(text(v)),
                3 => iface.description = Some(text(v)),
                8 if v.len() >= 8 => iface.speed = Some(rd64(v, 0, be)),
                9 if !v.is_empty() => iface.tsresol = v[0],
                11 if !v.is_empty() => iface.filter = Some(text(&v[1..])),
                12 => iface.os = Some(text(v)),
                13 if !v.is_empty() => iface.fcslen = Some(v[0]),
                14 if v.len() >= 8 => iface.tsoffset = rd64(v, 0, be) as i64,
                15 => iface.hardware = Some(text(v)),
                _ => {}
            }
            iface.options.push((code, v.to_vec()));
        }
        let Some(units) = iface.units_per_second() else {
            let (base, exp) = if iface.tsresol & 0x80 != 0 {
                ("2", iface.tsresol & 0x7f)
            } else {
                ("10", iface.tsresol)
            };
            return Err(Error::Unsupported {
                frame: self.frames + 1,
                offset,
                reason: format!(
                    "interface description block has a time stamp resolution of {base}^-{exp} seconds, too fine for 64-bit time stamps"
                ),
            });
        };
        self.units.push(units);
        self.interfaces.push(iface);
        Ok(())
    }
}

fn is_pcap_magic(m: u32) -> bool {
    matches!(
        m,
        PCAP_MAGIC | PCAP_NSEC_MAGIC | PCAP_MODIFIED_MAGIC | PCAP_IXIAHW_MAGIC | PCAP_IXIASW_MAGIC
    )
}

fn rec_hdr_len(v: PcapVariant) -> usize {
    match v {
        PcapVariant::Ss990417 | PcapVariant::Ss991029 => 24,
        PcapVariant::Ss990915 => 28,
        PcapVariant::Nokia => 20,
        _ => 16,
    }
}

/// A record located in the buffer, before it is lent out.
struct Rec {
    data: std::ops::Range<usize>,
    phdr: std::ops::Range<usize>,
    options: std::ops::Range<usize>,
    big_endian: bool,
    ts_secs: i64,
    ts_nanos: u32,
    has_ts: bool,
    cap_len: u32,
    orig_len: u32,
    linktype: u32,
    interface_id: u32,
    local_id: u32,
    offset: u64,
    kind: RecordKind,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(bytes: Vec<u8>) -> Result<Reader, Error> {
        Reader::new(Box::new(io::Cursor::new(bytes)))
    }

    /// pcap-savefile §"File Header": magic, 2.4, thiszone, sigfigs,
    /// snaplen, link type.
    fn pcap_header(magic: u32, be: bool, snaplen: u32, network: u32) -> Vec<u8> {
        let mut v = Vec::new();
        let w32 = |v: &mut Vec<u8>, x: u32| {
            v.extend_from_slice(&if be { x.to_be_bytes() } else { x.to_le_bytes() })
        };
        w32(&mut v, magic);
        v.extend_from_slice(&if be { [0, 2, 0, 4] } else { [2, 0, 4, 0] });
        w32(&mut v, 0);
        w32(&mut v, 0);
        w32(&mut v, snaplen);
        w32(&mut v, network);
        v
    }

    /// pcap-savefile §"Packet Record": ts secs, ts frac, caplen, len, data.
    fn pcap_record(
        be: bool,
        secs: u32,
        frac: u32,
        data: &[u8],
        orig: u32,
        extra: &[u8],
    ) -> Vec<u8> {
        let mut v = Vec::new();
        for x in [secs, frac, data.len() as u32, orig] {
            v.extend_from_slice(&if be { x.to_be_bytes() } else { x.to_le_bytes() });
        }
        v.extend_from_slice(extra);
        v.extend_from_slice(data);
        v
    }

    #[test]
    fn pcap_microseconds_little_endian() {
        let mut f = pcap_header(PCAP_MAGIC, false, 65535, 1);
        f.extend(pcap_record(
            false,
            1_700_000_000,
            123_456,
            &[1, 2, 3, 4],
            60,
            &[],
        ));
        f.extend(pcap_record(false, 1_700_000_001, 0, &[5], 1, &[]));
        let mut r = reader(f).unwrap();
        assert_eq!(
            r.format(),
            Format::Pcap {
                nanos: false,
                big_endian: false,
                variant: PcapVariant::Standard
            }
        );
        assert_eq!(r.interfaces().len(), 1);
        assert_eq!(r.interfaces()[0].snaplen, 65535);
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!(p.data, &[1, 2, 3, 4]);
        assert_eq!((p.ts_secs, p.ts_nanos), (1_700_000_000, 123_456_000));
        assert_eq!(
            (p.cap_len, p.orig_len, p.linktype, p.offset),
            (4, 60, 1, 24)
        );
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!((p.data, p.offset), (&[5u8][..], 44));
        assert!(r.next_packet().unwrap().is_none());
        assert!(r.next_packet().unwrap().is_none());
    }

    #[test]
    fn pcap_nanoseconds_big_endian() {
        let mut f = pcap_header(PCAP_NSEC_MAGIC, true, 0, 101);
        f.extend(pcap_record(true, 10, 999_999_999, &[0x45; 20], 20, &[]));
        let mut r = reader(f).unwrap();
        assert!(matches!(
            r.format(),
            Format::Pcap {
                nanos: true,
                big_endian: true,
                ..
            }
        ));
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!((p.ts_secs, p.ts_nanos, p.linktype), (10, 999_999_999, 101));
    }

    #[test]
    fn pcap_modified_kuznetzov_header() {
        // ss991029: 16-byte header + ifindex(4) + protocol(2) + pkt_type(1)
        // + pad(1), with the modified magic 0xa1b2cd34.
        let extra = [2, 0, 0, 0, 0x00, 0x08, 0, 0];
        let mut f = pcap_header(PCAP_MODIFIED_MAGIC, false, 96, 1);
        for i in 0..3u8 {
            f.extend(pcap_record(false, 1, 2, &[i; 14], 14, &extra));
        }
        let mut r = reader(f).unwrap();
        assert!(matches!(
            r.format(),
            Format::Pcap {
                variant: PcapVariant::Ss991029,
                ..
            }
        ));
        for i in 0..3u8 {
            let p = r.next_packet().unwrap().unwrap();
            assert_eq!(p.data, &[i; 14]);
        }
        assert!(r.next_packet().unwrap().is_none());
    }

    #[test]
    fn pcap_cut_short_delivers_then_errors() {
        let mut f = pcap_header(PCAP_MAGIC, false, 65535, 1);
        f.extend(pcap_record(false, 1, 0, &[7; 10], 10, &[]));
        f.extend(pcap_record(false, 2, 0, &[8; 10], 10, &[]));
        f.truncate(f.len() - 4);
        let mut r = reader(f).unwrap();
        assert!(r.next_packet().unwrap().is_some());
        let e = r.next_packet().unwrap_err();
        assert_eq!((e.frame(), e.offset()), (Some(2), Some(50)));
        assert_eq!(
            e.to_string(),
            "frame 2 at byte 50: file cut short in the middle of a packet's data: 26 bytes needed, 22 left"
        );
        assert!(r.next_packet().unwrap().is_none());
    }

    #[test]
    fn pcap_absurd_length_is_an_error_not_an_allocation() {
        let mut f = pcap_header(PCAP_MAGIC, false, 65535, 1);
        f.extend(pcap_record(false, 1, 0, &[], 0, &[]));
        f[24 + 8..24 + 12].copy_from_slice(&0x4000_0000u32.to_le_bytes());
        let mut r = reader(f).unwrap();
        let e = r.next_packet().unwrap_err();
        assert!(
            e.to_string().contains("more than the maximum of 262144"),
            "{e}"
        );
        assert!(r.src.buffer().len() <= crate::source::INITIAL);
    }

    #[test]
    fn pcap_unknown_linktype_and_bad_magic() {
        let e = reader(pcap_header(PCAP_MAGIC, false, 0, 182))
            .err()
            .unwrap();
        assert!(e
            .to_string()
            .contains("network type 182 unknown or unsupported"));
        let e = reader(vec![1, 2, 3, 4, 5]).err().unwrap();
        assert!(matches!(e, Error::UnknownFormat { magic: 0x0102_0304 }));
        let e = reader(vec![0xd4, 0xc3]).err().unwrap();
        assert!(matches!(e, Error::Truncated { .. }));
    }

    #[test]
    fn pcap_sunatm_pseudo_header_stripped() {
        let mut f = pcap_header(PCAP_MAGIC, false, 65535, 123);
        f.extend(pcap_record(
            false,
            1,
            0,
            &[0x80, 0, 0, 5, 0xaa, 0xbb],
            6,
            &[],
        ));
        let mut r = reader(f).unwrap();
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!(p.pseudo_header, &[0x80, 0, 0, 5]);
        assert_eq!((p.data, p.cap_len, p.orig_len), (&[0xaa, 0xbb][..], 2, 2));
    }

    /// pcapng block builder (draft-ietf-opsawg-pcapng §3.1): type, total
    /// length, body padded to 32 bits, total length.
    struct Ng {
        be: bool,
        out: Vec<u8>,
    }

    impl Ng {
        fn w32(&self, v: &mut Vec<u8>, x: u32) {
            v.extend_from_slice(&if self.be {
                x.to_be_bytes()
            } else {
                x.to_le_bytes()
            });
        }
        fn w16(&self, v: &mut Vec<u8>, x: u16) {
            v.extend_from_slice(&if self.be {
                x.to_be_bytes()
            } else {
                x.to_le_bytes()
            });
        }
        fn opt(&self, v: &mut Vec<u8>, code: u16, val: &[u8]) {
            self.w16(v, code);
            self.w16(v, val.len() as u16);
            v.extend_from_slice(val);
            v.resize(v.len() + (4 - val.len() % 4) % 4, 0);
        }
        fn block(&mut self, btype: u32, body: &[u8]) {
            let mut b = body.to_vec();
            b.resize(b.len() + (4 - b.len() % 4) % 4, 0);
            let total = b.len() as u32 + 12;
            let mut v = Vec::new();
            self.w32(&mut v, btype);
            self.w32(&mut v, total);
            v.extend_from_slice(&b);
            self.w32(&mut v, total);
            self.out.extend(v);
        }
        /// §4.1 SHB: byte-order magic, version 1.0, section length -1.
        fn shb(&mut self) {
            let mut b = Vec::new();
            self.w32(&mut b, BOM);
            self.w16(&mut b, 1);
            self.w16(&mut b, 0);
            b.extend_from_slice(&[0xff; 8]);
            self.block(SHB, &b);
        }
        /// §4.2 IDB with options.
        fn idb(&mut self, linktype: u16, snaplen: u32, opts: &[(u16, Vec<u8>)]) {
            let mut b = Vec::new();
            self.w16(&mut b, linktype);
            self.w16(&mut b, 0);
            self.w32(&mut b, snaplen);
            for (c, v) in opts {
                self.opt(&mut b, *c, v);
            }
            if !opts.is_empty() {
                self.opt(&mut b, 0, &[]);
            }
            self.block(IDB, &b);
        }
        /// §4.3 EPB.
        fn epb(&mut self, iface: u32, ts: u64, data: &[u8], orig: u32, comment: Option<&str>) {
            let mut b = Vec::new();
            self.w32(&mut b, iface);
            self.w32(&mut b, (ts >> 32) as u32);
            self.w32(&mut b, ts as u32);
            self.w32(&mut b, data.len() as u32);
            self.w32(&mut b, orig);
            b.extend_from_slice(data);
            b.resize(b.len() + (4 - data.len() % 4) % 4, 0);
            if let Some(c) = comment {
                self.opt(&mut b, 1, c.as_bytes());
                let mut flags = Vec::new();
                self.w32(&mut flags, 1); // inbound
                self.opt(&mut b, 2, &flags);
                self.opt(&mut b, 0, &[]);
            }
            self.block(EPB, &b);
        }
    }

    fn suite(be: bool) -> Vec<u8> {
        let mut n = Ng {
            be,
            out: Vec::new(),
        };
        n.shb();
        let i64b = |x: i64| if be { x.to_be_bytes() } else { x.to_le_bytes() }.to_vec();
        n.idb(
            1,
            4,
            &[
                (2, b"eth0".to_vec()),
                (3, b"first".to_vec()),
                (9, vec![0x80 | 10]), // 2^-10 s
                (14, i64b(100)),      // if_tsoffset
                (1, b"iface comment".to_vec()),
            ],
        );
        n.idb(101, 0, &[(9, vec![9])]);
        // EPB on interface 0: 1024 * 5 + 512 units = 5.5 s (+100 s offset);
        // 6 bytes captured, truncated to snaplen by the writer: keep as is.
        n.epb(0, 5 * 1024 + 512, &[1, 2, 3, 4, 5, 6], 60, Some("hello"));
        // §4.4 SPB: original length 10, snaplen 4 ⇒ 4 bytes captured.
        let mut spb = Vec::new();
        n.w32(&mut spb, 10);
        spb.extend_from_slice(&[9; 10]);
        n.block(SPB, &spb);
        // §4.5 NRB, §4.6 ISB, §4.7 DSB, §5.2 custom, unknown: skipped.
        n.block(4, &[0; 4]);
        n.block(5, &[0; 12]);
        n.block(10, &[0; 8]);
        let mut cb = Vec::new();
        n.w32(&mut cb, 32473);
        cb.extend_from_slice(b"custom!!");
        n.block(CB_COPY, &cb);
        n.block(0x0bad_beef, &[1, 2, 3, 4]);
        // Obsolete Packet Block (Appendix A): interface 1, drops, ts, lens.
        let mut opb = Vec::new();
        n.w16(&mut opb, 1);
        n.w16(&mut opb, 0);
        n.w32(&mut opb, 0);
        n.w32(&mut opb, 1_000_000_007);
        n.w32(&mut opb, 2);
        n.w32(&mut opb, 2);
        opb.extend_from_slice(&[0x45, 0]);
        n.block(OPB, &opb);
        // A second section with its own interface.
        n.shb();
        n.idb(1, 0, &[]);
        n.epb(0, 3_000_000, &[0xee], 1, None);
        n.out
    }

    #[test]
    fn pcapng_blocks_both_byte_orders() {
        for be in [false, true] {
            let mut r = reader(suite(be)).unwrap();
            assert_eq!(r.format(), Format::Pcapng);
            let p = r.next_packet().unwrap().unwrap();
            assert_eq!(p.kind, RecordKind::Enhanced);
            assert_eq!((p.ts_secs, p.ts_nanos), (105, 500_000_000));
            assert_eq!((p.cap_len, p.orig_len, p.linktype), (6, 60, 1));
            assert_eq!(p.comments().collect::<Vec<_>>(), vec!["hello"]);
            assert_eq!(p.flags(), Some(1));
            assert_eq!(p.interface().and_then(|i| i.name.as_deref()), Some("eth0"));
            let i = &p.known_interfaces()[0];
            assert_eq!((i.tsresol, i.tsoffset, i.snaplen), (0x8a, 100, 4));
            assert_eq!(i.description.as_deref(), Some("first"));
            assert_eq!(i.comments, vec!["iface comment".to_string()]);
            let p = r.next_packet().unwrap().unwrap();
            assert_eq!(p.kind, RecordKind::Simple);
            assert!(!p.has_ts);
            assert_eq!((p.data, p.orig_len), (&[9u8; 4][..], 10));
            let p = r.next_packet().unwrap().unwrap();
            assert_eq!(p.kind, RecordKind::Obsolete);
            assert_eq!((p.ts_secs, p.ts_nanos), (1, 7));
            assert_eq!((p.linktype, p.interface_id), (101, 1));
            let p = r.next_packet().unwrap().unwrap();
            assert_eq!(
                (p.interface_id, p.section_interface_id, p.section),
                (2, 0, 1)
            );
            assert_eq!((p.ts_secs, p.ts_nanos), (3, 0));
            assert!(r.next_packet().unwrap().is_none());
            assert_eq!(r.sections(), 2);
            assert_eq!(r.interfaces().len(), 3);
        }
    }

    #[test]
    fn pcapng_custom_blocks_on_request() {
        let mut r = reader(suite(false)).unwrap();
        r.deliver_custom_blocks(true);
        let kinds: Vec<_> =
            std::iter::from_fn(|| r.next_packet().unwrap().map(|p| p.kind)).collect();
        assert_eq!(
            kinds[2],
            RecordKind::Custom {
                pen: 32473,
                copy_allowed: true
            }
        );
        assert_eq!(kinds.len(), 5);
    }

    #[test]
    fn pcapng_bad_block_lengths() {
        let good = suite(false);
        let shb_len = 28;
        // The IDB's length set to 9: shorter than a block header.
        let mut f = good.clone();
        f[shb_len + 4..shb_len + 8].copy_from_slice(&9u32.to_le_bytes());
        let e = reader(f).unwrap().next_packet().unwrap_err();
        assert_eq!(
            e.to_string(),
            "frame 1 at byte 28: block length 9 is shorter than the minimum 20 for its type"
        );
        // Trailer disagreeing with the header.
        let mut f = good.clone();
        let idb_len = u32::from_le_bytes(f[shb_len + 4..shb_len + 8].try_into().unwrap()) as usize;
        f[shb_len + idb_len - 4] ^= 0x40;
        let e = reader(f).unwrap().next_packet().unwrap_err();
        assert!(
            e.to_string().contains("does not match its trailing length"),
            "{e}"
        );
        // Absurd length: an error, and no allocation of that size.
        let mut f = good.clone();
        f[shb_len + 4..shb_len + 8].copy_from_slice(&0x7fff_fff0u32.to_le_bytes());
        let mut r = reader(f).unwrap();
        assert!(r
            .next_packet()
            .unwrap_err()
            .to_string()
            .contains("larger than the maximum"));
        assert!(r.src.buffer().len() <= crate::source::INITIAL);
        // Cut in the middle of the second EPB: three frames, then the error.
        let mut f = good;
        f.truncate(f.len() - 6);
        let mut r = reader(f).unwrap();
        for _ in 0..3 {
            r.next_packet().unwrap().unwrap();
        }
        let e = r.next_packet().unwrap_err();
        assert_eq!(e.frame(), Some(4));
        assert!(e.to_string().contains("cut short"));
    }

    #[test]
    fn pcapng_interface_and_version_checks() {
        let mut n = Ng {
            be: false,
            out: Vec::new(),
        };
        n.shb();
        n.idb(1, 0, &[]);
        n.epb(1, 0, &[1], 1, None);
        let e = reader(n.out).unwrap().next_packet().unwrap_err();
        assert!(e
            .to_string()
            .contains("refers to interface 1, but its section has 1"));
        let mut n = Ng {
            be: true,
            out: Vec::new(),
        };
        n.shb();
        n.out[14..16].copy_from_slice(&[0, 1]); // version 1.1
        let e = reader(n.out).err().unwrap();
        assert!(e.to_string().contains("version 1.1"), "{e}");
        let mut n = Ng {
            be: false,
            out: Vec::new(),
        };
        n.shb();
        n.idb(1, 0, &[(9, vec![20])]); // 10^-20 s: too fine for 64 bits
        let e = reader(n.out).unwrap().next_packet().unwrap_err();
        assert!(matches!(e, Error::Unsupported { .. }), "{e}");
    }

    #[test]
    fn pcapng_timestamp_arithmetic_matches_wiretap() {
        // secs = ts / units; nanos = (ts % units) * 10^9 / units (u64).
        let mut n = Ng {
            be: false,
            out: Vec::new(),
        };
        n.shb();
        n.idb(1, 0, &[(9, vec![0x80 | 20])]); // 2^-20 s
        n.idb(1, 0, &[(9, vec![12])]); // picoseconds: the product wraps
        n.epb(0, (1 << 20) * 3 + (1 << 19), &[0], 1, None);
        let ps: u64 = 1_234_567_890_123_456_789;
        n.epb(1, ps, &[0], 1, None);
        let mut r = reader(n.out).unwrap();
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!((p.ts_secs, p.ts_nanos), (3, 500_000_000));
        let p = r.next_packet().unwrap().unwrap();
        let units = 1_000_000_000_000u64;
        let want = ((ps % units).wrapping_mul(1_000_000_000) / units) as u32;
        assert_eq!((p.ts_secs, p.ts_nanos), ((ps / units) as i64, want));
    }
}
