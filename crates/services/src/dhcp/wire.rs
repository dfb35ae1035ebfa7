//! Checked view over a DHCPv4 datagram (RFC 2131 §2, RFC 2132), run before
//! `dhcproto` decodes it.
//!
//! `dhcproto` decodes leniently: it stops at the first option it cannot read
//! and keeps what it has, does not follow option overload (RFC 2132 §9.3),
//! and panics on a hardware address length above 16. This module walks the
//! fixed header and every option field with bounds checks first, so that a
//! short packet, a bad magic cookie, an option running past its field, an
//! overload loop or a wrong op code is rejected with the byte offset, and an
//! overloaded message is flattened into one options field before decoding.

use std::borrow::Cow;
use std::ops::Range;

use dhcproto::{v4, Decodable, Decoder};

/// The magic cookie that starts the options field (RFC 2131 §3).
pub const MAGIC_COOKIE: [u8; 4] = [99, 130, 83, 99];
/// Length of the fixed BOOTP header before the cookie (RFC 2131 §2).
pub const FIXED_LEN: usize = 236;
/// Offset of the first option, after the cookie.
pub const OPTIONS_OFFSET: usize = FIXED_LEN + 4;
const SNAME: Range<usize> = 44..108;
const FILE: Range<usize> = 108..236;
const OPT_PAD: u8 = 0;
const OPT_END: u8 = 255;
const OPT_OVERLOAD: u8 = 52;
const OPT_MSG_TYPE: u8 = 53;
/// Option 82, relay agent information (RFC 3046).
pub const OPT_RELAY_AGENT: u8 = 82;

/// BOOTP op code (RFC 2131 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// 1: client to server.
    Request,
    /// 2: server to client.
    Reply,
}

impl Op {
    fn code(self) -> u8 {
        match self {
            Op::Request => 1,
            Op::Reply => 2,
        }
    }
}

/// Why a datagram was rejected; each names the offset where it went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Malformed {
    /// Shorter than the header and the magic cookie.
    #[error("packet is {len} bytes, shorter than the 240-byte BOOTP header and magic cookie")]
    Short {
        /// Datagram length.
        len: usize,
    },
    /// The op code is not the one expected.
    #[error("op code {op} at offset 0 is not {expected}")]
    WrongOp {
        /// Op code seen.
        op: u8,
        /// Op code wanted.
        expected: u8,
    },
    /// Hardware address length above the 16 bytes of chaddr.
    #[error("hardware address length {hlen} at offset 2 exceeds the 16-byte chaddr field")]
    BadHlen {
        /// hlen seen.
        hlen: u8,
    },
    /// The magic cookie is wrong (BOOTP without DHCP, or garbage).
    #[error("magic cookie at offset 236 is {0:02x?}, not 63 82 53 63")]
    BadCookie([u8; 4]),
    /// An option's length runs past the end of its field.
    #[error("option {code} at offset {offset} runs past the end of its field")]
    OptionOverrun {
        /// Option code.
        code: u8,
        /// Offset of the option's code byte.
        offset: usize,
    },
    /// Option overload (52) inside sname/file, or twice.
    #[error("option overload (52) at offset {offset} repeats or sits inside an overloaded field")]
    OverloadLoop {
        /// Offset of the offending option.
        offset: usize,
    },
    /// Option overload with a value other than 1, 2 or 3, or a wrong length.
    #[error("option overload (52) at offset {offset} is malformed")]
    BadOverload {
        /// Offset of the option.
        offset: usize,
    },
    /// An option whose length is wrong for its type.
    #[error("option {code} at offset {offset} has length {len}, which its type does not allow")]
    BadOptionLength {
        /// Option code.
        code: u8,
        /// Offset of the option's code byte.
        offset: usize,
        /// Length byte seen.
        len: u8,
    },
    /// No DHCP message type option: plain BOOTP, which this server does not serve.
    #[error("no DHCP message type option (53)")]
    NoMessageType,
    /// `dhcproto` refused what the walk accepted.
    #[error("DHCP decoder failed at the options")]
    Decode,
}

/// A DHCP message that passed the checks, decoded, with the raw bytes of
/// option 82 kept for an exact echo (RFC 3046 §2.2).
#[derive(Debug, Clone)]
pub struct Checked {
    /// The decoded message.
    pub msg: v4::Message,
    /// Raw value of option 82, if present.
    pub relay_agent: Option<Vec<u8>>,
}

/// Minimum and maximum length of the options the server and client read.
fn length_ok(code: u8, len: usize) -> bool {
    match code {
        // subnet mask, requested address, server identifier, broadcast address
        1 | 28 | 50 | 54 => len == 4,
        // router, DNS, NTP: one or more addresses
        3 | 6 | 42 => len >= 4 && len % 4 == 0,
        // lease time, T1, T2
        51 | 58 | 59 => len == 4,
        // MTU, max message size
        26 | 57 => len == 2,
        OPT_OVERLOAD | OPT_MSG_TYPE => len == 1,
        // client identifier: type + at least one byte (RFC 2132 §9.14)
        61 => len >= 2,
        // host name, parameter request list, domain name
        12 | 55 | 15 => len >= 1,
        // relay agent information: at least one sub-option header
        OPT_RELAY_AGENT => len >= 2,
        _ => true,
    }
}

/// Walk one options field; push (code, value range) for every option.
/// Returns the overload value found in it, if any.
fn walk(
    buf: &[u8],
    field: Range<usize>,
    allow_overload: bool,
    out: &mut Vec<(u8, Range<usize>)>,
) -> Result<Option<u8>, Malformed> {
    let mut overload = None;
    let mut i = field.start;
    while i < field.end {
        let code = buf
            .get(i)
            .copied()
            .ok_or(Malformed::OptionOverrun { code: 0, offset: i })?;
        match code {
            OPT_PAD => {
                i += 1;
                continue;
            }
            OPT_END => break,
            _ => {}
        }
        let len_at = i + 1;
        if len_at >= field.end {
            return Err(Malformed::OptionOverrun { code, offset: i });
        }
        let len = buf[len_at];
        let start = len_at + 1;
        let end = start + len as usize;
        if end > field.end {
            return Err(Malformed::OptionOverrun { code, offset: i });
        }
        if !length_ok(code, len as usize) {
            return Err(Malformed::BadOptionLength {
                code,
                offset: i,
                len,
            });
        }
        if code == OPT_OVERLOAD {
            if !allow_overload || overload.is_some() {
                return Err(Malformed::OverloadLoop { offset: i });
            }
            let v = buf[start];
            if !(1..=3).contains(&v) {
                return Err(Malformed::BadOverload { offset: i });
            }
            overload = Some(v);
        } else {
            out.push((code, start..end));
        }
        i = end;
    }
    Ok(overload)
}

/// Check `buf` as a DHCP message with op code `op` and decode it.
pub fn check(buf: &[u8], op: Op) -> Result<Checked, Malformed> {
    if buf.len() < OPTIONS_OFFSET {
        return Err(Malformed::Short { len: buf.len() });
    }
    if buf[0] != op.code() {
        return Err(Malformed::WrongOp {
            op: buf[0],
            expected: op.code(),
        });
    }
    if buf[2] > 16 {
        return Err(Malformed::BadHlen { hlen: buf[2] });
    }
    let cookie = [buf[236], buf[237], buf[238], buf[239]];
    if cookie != MAGIC_COOKIE {
        return Err(Malformed::BadCookie(cookie));
    }
    let mut opts = Vec::new();
    let overload = walk(buf, OPTIONS_OFFSET..buf.len(), true, &mut opts)?;
    // RFC 2131 §4.1: options field first, then file, then sname.
    if let Some(v) = overload {
        if v & 1 != 0 {
            walk(buf, FILE, false, &mut opts)?;
        }
        if v & 2 != 0 {
            walk(buf, SNAME, false, &mut opts)?;
        }
    }
    if !opts.iter().any(|(c, _)| *c == OPT_MSG_TYPE) {
        return Err(Malformed::NoMessageType);
    }
    let relay_agent = opts
        .iter()
        .find(|(c, _)| *c == OPT_RELAY_AGENT)
        .and_then(|(_, r)| buf.get(r.clone()))
        .map(<[u8]>::to_vec);
    // Flatten: when overloaded, rebuild one options field so that the
    // decoder sees every option; otherwise decode the bytes as they are.
    let bytes: Cow<'_, [u8]> = match overload {
        None => Cow::Borrowed(buf),
        Some(v) => {
            let mut b = Vec::with_capacity(buf.len() + 64);
            b.extend_from_slice(&buf[..OPTIONS_OFFSET]);
            if v & 1 != 0 {
                b[FILE].fill(0);
            }
            if v & 2 != 0 {
                b[SNAME].fill(0);
            }
            for (code, r) in &opts {
                let val = &buf[r.clone()];
                b.push(*code);
                // `walk` checked the length fits in the original length byte
                b.push(u8::try_from(val.len()).map_err(|_| Malformed::Decode)?);
                b.extend_from_slice(val);
            }
            b.push(OPT_END);
            Cow::Owned(b)
        }
    };
    let msg = v4::Message::decode(&mut Decoder::new(&bytes)).map_err(|_| Malformed::Decode)?;
    if msg.opts().msg_type().is_none() {
        return Err(Malformed::Decode);
    }
    Ok(Checked { msg, relay_agent })
}

/// Encode a message, append option 82 (`relay_agent`, echoed byte for
/// byte as RFC 3046 §2.2 asks, and last as it requires) and pad to the
/// 300-byte BOOTP minimum (RFC 1542 §2.1) that some clients and relays
/// still expect.
///
/// The fixed header is written here in one pass (dhcproto fills sname and
/// file a byte at a time, a measurable share of the server's time); the
/// options are encoded by dhcproto. chaddr is written as `chaddr()` (hlen
/// bytes) padded with zeros, which is the whole field for any message built
/// with `set_chaddr`.
pub fn encode(msg: &v4::Message, relay_agent: Option<&[u8]>) -> Vec<u8> {
    use dhcproto::{Encodable, Encoder};
    let mut head = [0u8; OPTIONS_OFFSET];
    let chaddr = msg.chaddr();
    let chaddr = &chaddr[..chaddr.len().min(16)];
    head[0] = u8::from(msg.opcode());
    head[1] = u8::from(msg.htype());
    head[2] = msg.hlen();
    head[3] = msg.hops();
    head[4..8].copy_from_slice(&msg.xid().to_be_bytes());
    head[8..10].copy_from_slice(&msg.secs().to_be_bytes());
    head[10..12].copy_from_slice(&u16::from(msg.flags()).to_be_bytes());
    head[12..16].copy_from_slice(&msg.ciaddr().octets());
    head[16..20].copy_from_slice(&msg.yiaddr().octets());
    head[20..24].copy_from_slice(&msg.siaddr().octets());
    head[24..28].copy_from_slice(&msg.giaddr().octets());
    head[28..28 + chaddr.len()].copy_from_slice(chaddr);
    for (field, value) in [(SNAME, msg.sname()), (FILE, msg.fname())] {
        if let Some(v) = value {
            let v = &v[..v.len().min(field.len())];
            head[field.start..field.start + v.len()].copy_from_slice(v);
        }
    }
    head[FIXED_LEN..OPTIONS_OFFSET].copy_from_slice(&MAGIC_COOKIE);
    let mut buf = Vec::with_capacity(548);
    let mut e = Encoder::new(&mut buf);
    // Encoding into a Vec cannot run out of room; an error here would be a
    // dhcproto bug, and an empty datagram is dropped by the edge.
    if e.write_slice(&head).is_err() || msg.opts().encode(&mut e).is_err() {
        return Vec::new();
    }
    if let Some(ra) = relay_agent.filter(|r| r.len() <= 255) {
        if buf.last() == Some(&OPT_END) {
            buf.pop();
        }
        buf.push(OPT_RELAY_AGENT);
        buf.push(ra.len() as u8);
        buf.extend_from_slice(ra);
        buf.push(OPT_END);
    }
    if buf.len() < 300 {
        buf.resize(300, 0);
    }
    buf
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    /// A DHCPDISCOVER as udhcpc sends it: RFC 2131 §2 header, cookie,
    /// option 53 = 1, 61, 55, end.
    pub(crate) fn discover(mac: [u8; 6]) -> Vec<u8> {
        let mut b = vec![0u8; 240];
        b[0] = 1; // BOOTREQUEST
        b[1] = 1; // Ethernet
        b[2] = 6;
        b[4..8].copy_from_slice(&0x1234_5678u32.to_be_bytes());
        b[28..34].copy_from_slice(&mac);
        b[236..240].copy_from_slice(&MAGIC_COOKIE);
        b.extend_from_slice(&[53, 1, 1]);
        b.extend_from_slice(&[55, 4, 1, 3, 6, 15]);
        b.push(255);
        b
    }

    #[test]
    fn header_matches_dhcproto_encoder() {
        use dhcproto::{Encodable, Encoder};
        let mut m = v4::Message::default();
        m.set_opcode(v4::Opcode::BootReply)
            .set_chaddr(&[2, 0, 0, 0, 0, 9])
            .set_xid(0x1234_5678)
            .set_secs(513)
            .set_flags(v4::Flags::default().set_broadcast())
            .set_ciaddr(Ipv4Addr::new(10, 0, 0, 1))
            .set_yiaddr(Ipv4Addr::new(10, 0, 0, 2))
            .set_siaddr(Ipv4Addr::new(10, 0, 0, 3))
            .set_giaddr(Ipv4Addr::new(10, 0, 0, 4))
            .set_hops(2);
        m.opts_mut()
            .insert(v4::DhcpOption::MessageType(v4::MessageType::Offer));
        m.opts_mut().insert(v4::DhcpOption::AddressLeaseTime(3600));
        let mut named = m.clone();
        named.set_sname(b"server").set_fname(b"boot/file");
        let mut long_hw = m.clone();
        long_hw.set_chaddr(&[7; 16]);
        for msg in [m, named, long_hw] {
            let mut want = Vec::new();
            msg.encode(&mut Encoder::new(&mut want)).unwrap();
            want.resize(want.len().max(300), 0);
            assert_eq!(encode(&msg, None), want);
        }
    }

    #[test]
    fn accepts_discover() {
        let c = check(&discover([2, 0, 0, 0, 0, 1]), Op::Request).unwrap();
        assert_eq!(c.msg.opts().msg_type(), Some(v4::MessageType::Discover));
        assert_eq!(c.msg.chaddr(), &[2, 0, 0, 0, 0, 1]);
    }

    #[test]
    fn rejects_short_and_cookie_and_op() {
        let d = discover([2, 0, 0, 0, 0, 1]);
        assert_eq!(
            check(&d[..239], Op::Request).unwrap_err(),
            Malformed::Short { len: 239 }
        );
        let mut bad = d.clone();
        bad[238] = 0;
        assert!(matches!(
            check(&bad, Op::Request),
            Err(Malformed::BadCookie(_))
        ));
        assert_eq!(
            check(&d, Op::Reply).unwrap_err(),
            Malformed::WrongOp { op: 1, expected: 2 }
        );
        let mut hl = d;
        hl[2] = 17;
        assert_eq!(
            check(&hl, Op::Request).unwrap_err(),
            Malformed::BadHlen { hlen: 17 }
        );
    }

    #[test]
    fn rejects_overrun_and_bad_lengths() {
        let mut d = discover([2, 0, 0, 0, 0, 1]);
        d.pop(); // drop End
        d.extend_from_slice(&[12, 9, b'a']);
        assert_eq!(
            check(&d, Op::Request).unwrap_err(),
            Malformed::OptionOverrun {
                code: 12,
                offset: 249
            }
        );
        let mut d = discover([2, 0, 0, 0, 0, 1]);
        d[241] = 2; // message type with length 2
        d.insert(243, 1);
        assert!(matches!(
            check(&d, Op::Request),
            Err(Malformed::BadOptionLength {
                code: 53,
                offset: 240,
                len: 2
            })
        ));
    }

    /// RFC 2132 §9.3: with overload = 3, options continue in file then sname.
    #[test]
    fn follows_overload_and_rejects_loops() {
        let mut d = discover([2, 0, 0, 0, 0, 1]);
        d.pop();
        d.extend_from_slice(&[52, 1, 3, 255]);
        d[FILE.start..FILE.start + 6].copy_from_slice(&[50, 4, 10, 20, 30, 77]);
        d[FILE.start + 6] = 255;
        d[SNAME.start..SNAME.start + 3].copy_from_slice(&[12, 1, b'h']);
        d[SNAME.start + 3] = 255;
        let c = check(&d, Op::Request).unwrap();
        assert_eq!(
            c.msg.opts().get(v4::OptionCode::RequestedIpAddress),
            Some(&v4::DhcpOption::RequestedIpAddress([10, 20, 30, 77].into()))
        );
        assert_eq!(
            c.msg.opts().get(v4::OptionCode::Hostname),
            Some(&v4::DhcpOption::Hostname("h".into()))
        );
        assert!(c.msg.fname().is_none());
        // an overload option inside the overloaded file field is a loop
        d[FILE.start..FILE.start + 4].copy_from_slice(&[52, 1, 3, 255]);
        assert_eq!(
            check(&d, Op::Request).unwrap_err(),
            Malformed::OverloadLoop { offset: FILE.start }
        );
    }

    #[test]
    fn keeps_option_82_raw() {
        let mut d = discover([2, 0, 0, 0, 0, 1]);
        d.pop();
        d.extend_from_slice(&[82, 6, 1, 4, b'e', b't', b'h', b'0', 255]);
        let c = check(&d, Op::Request).unwrap();
        assert_eq!(
            c.relay_agent.as_deref(),
            Some(&[1, 4, b'e', b't', b'h', b'0'][..])
        );
    }

    #[test]
    fn no_message_type_is_bootp() {
        let mut d = discover([2, 0, 0, 0, 0, 1]);
        d[240] = 0; // turn option 53 into pads
        d[241] = 0;
        d[242] = 0;
        assert_eq!(
            check(&d, Op::Request).unwrap_err(),
            Malformed::NoMessageType
        );
    }

    /// Every truncation and every single-byte corruption of a valid message
    /// is either accepted or rejected, never a panic.
    #[test]
    fn never_panics_on_mutations() {
        let d = discover([2, 0, 0, 0, 0, 1]);
        for n in 0..d.len() {
            let _ = check(&d[..n], Op::Request);
        }
        for i in 0..d.len() {
            for v in [0u8, 1, 2, 3, 52, 53, 82, 255] {
                let mut m = d.clone();
                m[i] = v;
                let _ = check(&m, Op::Request);
            }
        }
    }
}
