//! The RUDP wire format: a checked view over a packet's bytes
//! ([`Packet`]), plain values ([`Header`], [`Frame`]) with `parse`/`emit`,
//! and the QUIC variable-length integer codec (RFC 9000 §16) the frames use.
//!
//! The byte layout is drawn in the crate documentation. Nothing here can
//! panic on any input: every read goes through [`Reader`], which returns
//! [`Error::Truncated`] or [`Error::Malformed`] naming the field and offset.

use crate::Error;

/// First byte of every RUDP packet (`'R'`), so a dissector can recognise it.
pub const MAGIC: u8 = 0x52;
/// The wire-format version this crate speaks.
pub const VERSION: u8 = 1;
/// Length of the fixed header.
pub const HEADER_LEN: usize = 24;
/// Length of a handshake cookie: a 32-bit time bucket and a 128-bit MAC.
pub const COOKIE_LEN: usize = 20;

/// Byte ranges of the header fields (smoltcp style).
mod field {
    use core::ops::Range;
    pub const MAGIC: usize = 0;
    pub const VERSION: usize = 1;
    pub const TYPE: usize = 2;
    pub const RESERVED: usize = 3;
    pub const CHECKSUM: Range<usize> = 4..8;
    pub const DCID: Range<usize> = 8..16;
    pub const PN: Range<usize> = 16..24;
}

/// Packet type (header byte 2). Unknown values are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketType {
    /// Client's opening packet (carries a [`Frame::Syn`]).
    Syn,
    /// Server's stateless answer (carries a [`Frame::SynAck`] with the cookie).
    SynAck,
    /// Every packet of an established connection.
    Data,
    /// Abort: the receiver drops the connection named by the destination id.
    Rst,
    /// A type this version does not know.
    Unknown(u8),
}

impl From<u8> for PacketType {
    fn from(v: u8) -> Self {
        match v {
            1 => Self::Syn,
            2 => Self::SynAck,
            3 => Self::Data,
            4 => Self::Rst,
            other => Self::Unknown(other),
        }
    }
}

impl From<PacketType> for u8 {
    fn from(v: PacketType) -> u8 {
        match v {
            PacketType::Syn => 1,
            PacketType::SynAck => 2,
            PacketType::Data => 3,
            PacketType::Rst => 4,
            PacketType::Unknown(other) => other,
        }
    }
}

impl core::fmt::Display for PacketType {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Syn => f.write_str("SYN"),
            Self::SynAck => f.write_str("SYN-ACK"),
            Self::Data => f.write_str("DATA"),
            Self::Rst => f.write_str("RST"),
            Self::Unknown(v) => write!(f, "Unknown({v})"),
        }
    }
}

/// A checked view over the bytes of one packet. After [`Packet::new_checked`]
/// no accessor can panic.
#[derive(Debug, Clone, Copy)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` after checking it holds at least a header.
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        let len = buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(Error::Truncated {
                what: "header",
                offset: len,
            });
        }
        Ok(Self { buffer })
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// The magic byte (should be [`MAGIC`]).
    pub fn magic(&self) -> u8 {
        self.b()[field::MAGIC]
    }
    /// The version byte.
    pub fn version(&self) -> u8 {
        self.b()[field::VERSION]
    }
    /// The packet type.
    pub fn packet_type(&self) -> PacketType {
        PacketType::from(self.b()[field::TYPE])
    }
    /// The reserved byte (sent as zero).
    pub fn reserved(&self) -> u8 {
        self.b()[field::RESERVED]
    }
    /// The checksum field as sent.
    pub fn checksum(&self) -> u32 {
        u32::from_be_bytes(take4(&self.b()[field::CHECKSUM]))
    }
    /// Destination connection id.
    pub fn dcid(&self) -> u64 {
        u64::from_be_bytes(take8(&self.b()[field::DCID]))
    }
    /// Packet number.
    pub fn packet_number(&self) -> u64 {
        u64::from_be_bytes(take8(&self.b()[field::PN]))
    }
    /// The frames that follow the header.
    pub fn payload(&self) -> &[u8] {
        &self.b()[HEADER_LEN..]
    }
    /// CRC32C (Castagnoli) over the whole packet with the checksum field
    /// taken as zero.
    pub fn compute_checksum(&self) -> u32 {
        let b = self.b();
        let c = crc32c::crc32c(&b[..field::CHECKSUM.start]);
        let c = crc32c::crc32c_append(c, &[0; 4]);
        crc32c::crc32c_append(c, &b[field::CHECKSUM.end..])
    }
    /// Whether the checksum field matches the contents.
    pub fn verify_checksum(&self) -> bool {
        self.checksum() == self.compute_checksum()
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Writes the checksum field from the current contents.
    pub fn fill_checksum(&mut self) {
        let c = self.compute_checksum();
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&c.to_be_bytes());
    }
}

fn take4(s: &[u8]) -> [u8; 4] {
    let mut a = [0; 4];
    a.copy_from_slice(s);
    a
}
fn take8(s: &[u8]) -> [u8; 8] {
    let mut a = [0; 8];
    a.copy_from_slice(s);
    a
}

/// The header as plain values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Packet type.
    pub ptype: PacketType,
    /// Destination connection id.
    pub dcid: u64,
    /// Packet number (never reused within a connection and direction).
    pub pn: u64,
}

impl Header {
    /// Parses and validates the header of `bytes` (magic, version, checksum).
    pub fn parse(bytes: &[u8]) -> Result<(Header, &[u8]), Error> {
        let p = Packet::new_checked(bytes)?;
        if p.magic() != MAGIC {
            return Err(Error::BadMagic(p.magic()));
        }
        if p.version() != VERSION {
            return Err(Error::UnsupportedVersion(p.version()));
        }
        if !p.verify_checksum() {
            return Err(Error::BadChecksum {
                expected: p.compute_checksum(),
                found: p.checksum(),
            });
        }
        let h = Header {
            ptype: p.packet_type(),
            dcid: p.dcid(),
            pn: p.packet_number(),
        };
        Ok((h, &bytes[HEADER_LEN..]))
    }

    /// Appends the header (checksum zero) to `out`; call [`seal`] once the
    /// frames are written.
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.push(MAGIC);
        out.push(VERSION);
        out.push(self.ptype.into());
        out.push(0);
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&self.dcid.to_be_bytes());
        out.extend_from_slice(&self.pn.to_be_bytes());
    }
}

/// Fills the checksum of a packet built with [`Header::emit`] + frames.
pub fn seal(packet: &mut [u8]) {
    if let Ok(mut p) = Packet::new_checked(packet) {
        p.fill_checksum();
    }
}

/// A stateless handshake cookie: time bucket + keyed MAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cookie {
    /// Time bucket the cookie was minted in.
    pub bucket: u32,
    /// Keyed hash of (client address, client cid, bucket).
    pub mac: [u8; 16],
}

/// Frame type codes.
pub mod frame_type {
    /// Padding (one zero byte each).
    pub const PADDING: u8 = 0x00;
    /// Acknowledgement with ranges.
    pub const ACK: u8 = 0x01;
    /// Stream data.
    pub const STREAM: u8 = 0x02;
    /// Stream data that ends the stream (FIN).
    pub const STREAM_FIN: u8 = 0x03;
    /// Receive window update.
    pub const MAX_DATA: u8 = 0x04;
    /// Keep-alive / probe.
    pub const PING: u8 = 0x05;
    /// Connection close.
    pub const CLOSE: u8 = 0x06;
    /// Client's handshake parameters.
    pub const SYN: u8 = 0x07;
    /// Server's handshake parameters and cookie.
    pub const SYNACK: u8 = 0x08;
    /// Client's echo of the cookie (proves its address).
    pub const COOKIE_ECHO: u8 = 0x09;
}

/// An ACK frame: packet-number ranges received, highest first
/// (QUIC encoding, RFC 9000 §19.3).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AckFrame {
    /// Delay between receiving the largest packet and sending this ACK.
    pub ack_delay_us: u64,
    /// Inclusive ranges `(lo, hi)`, descending and disjoint.
    pub ranges: Vec<(u64, u64)>,
}

impl AckFrame {
    /// Largest acknowledged packet number.
    pub fn largest(&self) -> Option<u64> {
        self.ranges.first().map(|r| r.1)
    }
}

/// One frame, borrowing data from the packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A run of padding bytes.
    Padding(usize),
    /// Acknowledgement.
    Ack(AckFrame),
    /// Stream bytes at `offset`; `fin` marks the end of the stream.
    Stream {
        /// Byte offset in the stream.
        offset: u64,
        /// The bytes.
        data: &'a [u8],
        /// Whether the stream ends after these bytes.
        fin: bool,
    },
    /// The highest stream offset the sender may send up to.
    MaxData(u64),
    /// Ask for an acknowledgement.
    Ping,
    /// Connection close with an application code and reason.
    Close {
        /// Error code (0 = graceful).
        code: u64,
        /// Human-readable reason.
        reason: &'a [u8],
    },
    /// Client's handshake parameters.
    Syn {
        /// The id the client wants its packets addressed to.
        client_cid: u64,
        /// Initial receive window.
        max_data: u64,
    },
    /// Server's handshake answer.
    SynAck {
        /// The id the server's connection will use.
        server_cid: u64,
        /// Initial receive window.
        max_data: u64,
        /// The cookie the client must echo.
        cookie: Cookie,
    },
    /// Client's cookie echo (carried until the server acknowledges).
    CookieEcho {
        /// The client's id.
        client_cid: u64,
        /// Client's initial receive window.
        max_data: u64,
        /// The cookie from the SYN-ACK.
        cookie: Cookie,
    },
    /// A frame type this version does not know; the rest of the packet.
    Unknown {
        /// The type byte.
        ftype: u8,
        /// Everything after it.
        raw: &'a [u8],
    },
}

/// Most ranges accepted in one ACK frame.
pub const MAX_ACK_RANGES: usize = 1024;

impl<'a> Frame<'a> {
    /// Parses one frame from `r`.
    pub fn parse(r: &mut Reader<'a>) -> Result<Frame<'a>, Error> {
        let ftype = r.u8("frame type")?;
        Ok(match ftype {
            frame_type::PADDING => {
                let mut n = 1;
                while r.peek() == Some(0) {
                    r.u8("padding")?;
                    n += 1;
                }
                Frame::Padding(n)
            }
            frame_type::ACK => {
                let largest = r.varint("ack largest")?;
                let ack_delay_us = r.varint("ack delay")?;
                let count = r.varint("ack range count")?;
                if count as usize >= MAX_ACK_RANGES {
                    return Err(r.malformed("ack range count"));
                }
                let first = r.varint("ack first range")?;
                let lo = largest
                    .checked_sub(first)
                    .ok_or_else(|| r.malformed("ack first range"))?;
                let mut ranges = Vec::with_capacity(count as usize + 1);
                ranges.push((lo, largest));
                let mut smallest = lo;
                for _ in 0..count {
                    let gap = r.varint("ack gap")?;
                    let len = r.varint("ack range length")?;
                    let hi = smallest
                        .checked_sub(gap)
                        .and_then(|v| v.checked_sub(2))
                        .ok_or_else(|| r.malformed("ack gap"))?;
                    let lo = hi
                        .checked_sub(len)
                        .ok_or_else(|| r.malformed("ack range length"))?;
                    ranges.push((lo, hi));
                    smallest = lo;
                }
                Frame::Ack(AckFrame {
                    ack_delay_us,
                    ranges,
                })
            }
            frame_type::STREAM | frame_type::STREAM_FIN => {
                let offset = r.varint("stream offset")?;
                let len = r.varint("stream length")?;
                if offset.checked_add(len).is_none_or(|e| e >= 1 << 62) {
                    return Err(r.malformed("stream length"));
                }
                let data = r.bytes(len as usize, "stream data")?;
                Frame::Stream {
                    offset,
                    data,
                    fin: ftype == frame_type::STREAM_FIN,
                }
            }
            frame_type::MAX_DATA => Frame::MaxData(r.varint("max data")?),
            frame_type::PING => Frame::Ping,
            frame_type::CLOSE => {
                let code = r.varint("close code")?;
                let len = r.varint("close reason length")?;
                let reason = r.bytes(len as usize, "close reason")?;
                Frame::Close { code, reason }
            }
            frame_type::SYN => Frame::Syn {
                client_cid: r.u64("syn client cid")?,
                max_data: r.varint("syn max data")?,
            },
            frame_type::SYNACK => Frame::SynAck {
                server_cid: r.u64("synack server cid")?,
                max_data: r.varint("synack max data")?,
                cookie: r.cookie()?,
            },
            frame_type::COOKIE_ECHO => Frame::CookieEcho {
                client_cid: r.u64("cookie echo client cid")?,
                max_data: r.varint("cookie echo max data")?,
                cookie: r.cookie()?,
            },
            other => Frame::Unknown {
                ftype: other,
                raw: r.rest(),
            },
        })
    }

    /// Appends the frame's encoding to `out`.
    pub fn emit(&self, out: &mut Vec<u8>) {
        match self {
            Frame::Padding(n) => out.resize(out.len() + n, 0),
            Frame::Ack(a) => {
                emit_ack(a, usize::MAX, out);
            }
            Frame::Stream { offset, data, fin } => {
                out.push(if *fin {
                    frame_type::STREAM_FIN
                } else {
                    frame_type::STREAM
                });
                put_varint(out, *offset);
                put_varint(out, data.len() as u64);
                out.extend_from_slice(data);
            }
            Frame::MaxData(v) => {
                out.push(frame_type::MAX_DATA);
                put_varint(out, *v);
            }
            Frame::Ping => out.push(frame_type::PING),
            Frame::Close { code, reason } => {
                out.push(frame_type::CLOSE);
                put_varint(out, *code);
                put_varint(out, reason.len() as u64);
                out.extend_from_slice(reason);
            }
            Frame::Syn {
                client_cid,
                max_data,
            } => {
                out.push(frame_type::SYN);
                out.extend_from_slice(&client_cid.to_be_bytes());
                put_varint(out, *max_data);
            }
            Frame::SynAck {
                server_cid,
                max_data,
                cookie,
            } => {
                out.push(frame_type::SYNACK);
                out.extend_from_slice(&server_cid.to_be_bytes());
                put_varint(out, *max_data);
                put_cookie(out, cookie);
            }
            Frame::CookieEcho {
                client_cid,
                max_data,
                cookie,
            } => {
                out.push(frame_type::COOKIE_ECHO);
                out.extend_from_slice(&client_cid.to_be_bytes());
                put_varint(out, *max_data);
                put_cookie(out, cookie);
            }
            Frame::Unknown { ftype, raw } => {
                out.push(*ftype);
                out.extend_from_slice(raw);
            }
        }
    }
}

fn put_cookie(out: &mut Vec<u8>, c: &Cookie) {
    out.extend_from_slice(&c.bucket.to_be_bytes());
    out.extend_from_slice(&c.mac);
}

/// Emits an ACK frame using at most `budget` bytes: the highest ranges are
/// kept, older ones dropped. Returns how many ranges were written (0 if
/// not even the first fits, in which case nothing is written).
pub fn emit_ack(a: &AckFrame, budget: usize, out: &mut Vec<u8>) -> usize {
    let Some(&(lo0, hi0)) = a.ranges.first() else {
        return 0;
    };
    let mut body = Vec::with_capacity(64);
    let mut count = 0u64;
    let mut smallest = lo0;
    let head_len = 1 + varint_len(hi0) + varint_len(a.ack_delay_us) + varint_len(hi0 - lo0) + 2; /* range count, usually 1-2 bytes */
    if head_len > budget {
        return 0;
    }
    for &(lo, hi) in a.ranges.iter().skip(1) {
        if hi + 2 > smallest || lo > hi || count as usize + 1 >= MAX_ACK_RANGES {
            break;
        }
        let gap = smallest - hi - 2;
        let len = hi - lo;
        if head_len + body.len() + varint_len(gap) + varint_len(len) > budget {
            break;
        }
        put_varint(&mut body, gap);
        put_varint(&mut body, len);
        smallest = lo;
        count += 1;
    }
    out.push(frame_type::ACK);
    put_varint(out, hi0);
    put_varint(out, a.ack_delay_us);
    put_varint(out, count);
    put_varint(out, hi0 - lo0);
    out.extend_from_slice(&body);
    count as usize + 1
}

/// Parses every frame of a payload.
pub fn parse_frames(payload: &[u8]) -> Result<Vec<Frame<'_>>, Error> {
    let mut r = Reader::new(payload, HEADER_LEN);
    let mut frames = Vec::new();
    while !r.is_empty() {
        frames.push(Frame::parse(&mut r)?);
    }
    Ok(frames)
}

/// Encoded length of a QUIC varint.
pub fn varint_len(v: u64) -> usize {
    match v {
        0..=63 => 1,
        64..=16383 => 2,
        16384..=1_073_741_823 => 4,
        _ => 8,
    }
}

/// Appends a QUIC varint (RFC 9000 §16); values above 2^62-1 are clamped.
pub fn put_varint(out: &mut Vec<u8>, v: u64) {
    let v = v.min((1 << 62) - 1);
    match varint_len(v) {
        1 => out.push(v as u8),
        2 => out.extend_from_slice(&((v as u16) | 0x4000).to_be_bytes()),
        4 => out.extend_from_slice(&((v as u32) | 0x8000_0000).to_be_bytes()),
        _ => out.extend_from_slice(&(v | 0xc000_0000_0000_0000).to_be_bytes()),
    }
}

/// A checked cursor over untrusted bytes.
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// A cursor over `buf`, whose first byte sits at `base` in the packet
    /// (used in error offsets).
    pub fn new(buf: &'a [u8], base: usize) -> Self {
        Self { buf, pos: 0, base }
    }
    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }
    fn offset(&self) -> usize {
        self.base + self.pos
    }
    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }
    fn malformed(&self, what: &'static str) -> Error {
        Error::Malformed {
            what,
            offset: self.offset(),
        }
    }
    /// Reads `n` bytes.
    pub fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], Error> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        match end {
            Some(end) => {
                let s = &self.buf[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => Err(Error::Truncated {
                what,
                offset: self.offset(),
            }),
        }
    }
    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        let s = self.buf.get(self.pos..).unwrap_or(&[]);
        self.pos = self.buf.len();
        s
    }
    /// One byte.
    pub fn u8(&mut self, what: &'static str) -> Result<u8, Error> {
        Ok(self.bytes(1, what)?[0])
    }
    /// A big-endian u64.
    pub fn u64(&mut self, what: &'static str) -> Result<u64, Error> {
        Ok(u64::from_be_bytes(take8(self.bytes(8, what)?)))
    }
    fn cookie(&mut self) -> Result<Cookie, Error> {
        let b = self.bytes(COOKIE_LEN, "cookie")?;
        let mut mac = [0; 16];
        mac.copy_from_slice(&b[4..]);
        Ok(Cookie {
            bucket: u32::from_be_bytes(take4(&b[..4])),
            mac,
        })
    }
    /// A QUIC varint.
    pub fn varint(&mut self, what: &'static str) -> Result<u64, Error> {
        let first = self.peek().ok_or(Error::Truncated {
            what,
            offset: self.offset(),
        })?;
        let len = 1usize << (first >> 6);
        let b = self.bytes(len, what)?;
        let mut v = u64::from(b[0] & 0x3f);
        for &x in &b[1..] {
            v = (v << 8) | u64::from(x);
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_vectors_rfc9000_appendix_a1() {
        // RFC 9000 Appendix A.1 sample encodings.
        let cases: [(&[u8], u64); 4] = [
            (
                &[0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c],
                151_288_809_941_952_652,
            ),
            (&[0x9d, 0x7f, 0x3e, 0x7d], 494_878_333),
            (&[0x7b, 0xbd], 15_293),
            (&[0x25], 37),
        ];
        for (bytes, v) in cases {
            assert_eq!(Reader::new(bytes, 0).varint("v").unwrap(), v);
            let mut out = Vec::new();
            put_varint(&mut out, v);
            assert_eq!(out, bytes);
        }
        // The two-byte encoding of 37 (0x40 0x25) also decodes.
        assert_eq!(Reader::new(&[0x40, 0x25], 0).varint("v").unwrap(), 37);
    }

    #[test]
    fn crc32c_check_value() {
        // RFC 3720 B.4: CRC32C of 32 zero bytes is 0x8a9136aa.
        assert_eq!(crc32c::crc32c(&[0u8; 32]), 0x8a91_36aa);
    }

    #[test]
    fn header_layout_and_checksum() {
        let mut out = Vec::new();
        Header {
            ptype: PacketType::Data,
            dcid: 0x0102_0304_0506_0708,
            pn: 9,
        }
        .emit(&mut out);
        Frame::Ping.emit(&mut out);
        seal(&mut out);
        assert_eq!(&out[..4], &[0x52, 1, 3, 0]);
        assert_eq!(&out[8..16], &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(&out[16..24], &[0, 0, 0, 0, 0, 0, 0, 9]);
        let (h, payload) = Header::parse(&out).unwrap();
        assert_eq!(h.pn, 9);
        assert_eq!(parse_frames(payload).unwrap(), vec![Frame::Ping]);
        // Any single bit flip is caught.
        for i in 0..out.len() * 8 {
            let mut c = out.clone();
            c[i / 8] ^= 1 << (i % 8);
            assert!(Header::parse(&c).is_err(), "bit {i}");
        }
    }

    #[test]
    fn frames_round_trip() {
        let cookie = Cookie {
            bucket: 7,
            mac: [3; 16],
        };
        let frames = vec![
            Frame::Ack(AckFrame {
                ack_delay_us: 250,
                ranges: vec![(90, 100), (50, 80), (10, 10), (0, 5)],
            }),
            Frame::Stream {
                offset: 1 << 40,
                data: b"hello",
                fin: true,
            },
            Frame::MaxData(1 << 30),
            Frame::Ping,
            Frame::Close {
                code: 0,
                reason: b"bye",
            },
            Frame::Syn {
                client_cid: 42,
                max_data: 1000,
            },
            Frame::SynAck {
                server_cid: 43,
                max_data: 2000,
                cookie,
            },
            Frame::CookieEcho {
                client_cid: 42,
                max_data: 1000,
                cookie,
            },
            Frame::Padding(3),
            Frame::Unknown {
                ftype: 0x77,
                raw: &[1, 2, 3],
            },
        ];
        let mut out = Vec::new();
        for f in &frames {
            f.emit(&mut out);
        }
        assert_eq!(parse_frames(&out).unwrap(), frames);
    }

    #[test]
    fn ack_budget_keeps_highest_ranges() {
        let ranges: Vec<(u64, u64)> = (0..100).rev().map(|i| (i * 10, i * 10 + 5)).collect();
        let a = AckFrame {
            ack_delay_us: 0,
            ranges,
        };
        let mut out = Vec::new();
        let n = emit_ack(&a, 40, &mut out);
        assert!(out.len() <= 40 && n > 3, "{n} {}", out.len());
        match &parse_frames(&out).unwrap()[0] {
            Frame::Ack(p) => assert_eq!(p.ranges, a.ranges[..n]),
            f => panic!("{f:?}"),
        }
    }

    #[test]
    fn random_bytes_never_panic() {
        use rand::{Rng, RngCore, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(99);
        for _ in 0..20_000 {
            let len = rng.gen_range(0..200);
            let mut b = vec![0u8; len];
            rng.fill_bytes(&mut b);
            // Half of them get a valid header so the frame parser runs.
            if len >= HEADER_LEN && rng.gen_bool(0.5) {
                b[0] = MAGIC;
                b[1] = VERSION;
                b[24..].iter_mut().take(1).for_each(|x| *x %= 12);
                seal(&mut b);
            }
            if let Ok((_, payload)) = Header::parse(&b) {
                if let Ok(frames) = parse_frames(payload) {
                    // Whatever parses re-emits to something that parses the same.
                    let mut out = Vec::new();
                    for f in &frames {
                        f.emit(&mut out);
                    }
                    let again = parse_frames(&out).unwrap();
                    assert_eq!(again.len(), frames.len());
                }
            }
        }
    }

    #[test]
    fn truncated_and_malformed_never_panic() {
        assert!(matches!(
            Header::parse(&[0x52, 1, 3]),
            Err(Error::Truncated { .. })
        ));
        // ACK whose first range goes below zero.
        assert!(matches!(
            parse_frames(&[1, 5, 0, 0, 9]),
            Err(Error::Malformed { .. })
        ));
        // Stream length past the end.
        assert!(matches!(
            parse_frames(&[2, 0, 10, 1, 2]),
            Err(Error::Truncated { .. })
        ));
        // Every prefix of a valid payload either parses or errors.
        let mut out = Vec::new();
        Frame::Ack(AckFrame {
            ack_delay_us: 1,
            ranges: vec![(5, 9), (0, 2)],
        })
        .emit(&mut out);
        for n in 0..out.len() {
            let _ = parse_frames(&out[..n]);
        }
    }
}
