//! RFC 1035 section 5 master-file parser.
//!
//! Written here rather than taken from `hickory_proto::serialize::txt::Parser`
//! because that parser (0.26) reports errors without a line or column, rejects
//! `$INCLUDE file origin`, has no RFC 3597 `\# len hex` generic RDATA and
//! returns the records in a map that loses their order. This one turns each
//! record into RFC 1035 wire form and hands it to hickory-proto's decoder, so
//! every record the server serves went through hickory's RDATA checks.
//!
//! Supported: `$ORIGIN`, `$TTL`, `$INCLUDE file [origin]` (the origin and the
//! last owner are restored after the included file, RFC 1035 section 5.1),
//! `@`, relative names, a blank owner meaning the previous owner, TTL and class
//! in either order, TTL units (`1h30m`, RFC 2308 / BIND), parentheses over
//! lines, `;` comments, quoted strings, `\X` and `\DDD` escapes, the types A,
//! AAAA, NS, CNAME, PTR, MX, SOA, TXT, SRV, CAA in presentation form, and any
//! type (`TYPEnnn` or a mnemonic) in the RFC 3597 generic form.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use hickory_proto::rr::{Name, Record, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};

/// Where in which file a zone-file error is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pos {
    /// The file (or `<built-in>` for text without a file).
    pub file: PathBuf,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in bytes).
    pub col: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

/// A zone-file error: what is wrong and where.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ZoneFileError {
    /// The file (or an included one) could not be read.
    #[error("{file}: cannot read zone file: {source}")]
    Io {
        /// The file.
        file: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The text is not a valid zone file.
    #[error("{pos}: {msg}")]
    Syntax {
        /// Where.
        pos: Pos,
        /// What.
        msg: String,
    },
}

/// The most nested `$INCLUDE` levels accepted (a loop guard).
const MAX_INCLUDE_DEPTH: usize = 16;

/// One lexical token with its position.
#[derive(Debug, Clone)]
struct Token {
    /// Raw text, escapes kept (quotes removed for quoted strings).
    text: String,
    quoted: bool,
    line: u32,
    col: u32,
}

/// One logical entry (a line, or several lines joined by parentheses).
#[derive(Debug)]
struct Entry {
    /// The entry began with white space: the owner is the previous one.
    blank_owner: bool,
    tokens: Vec<Token>,
    line: u32,
}

struct Lexer<'a> {
    src: &'a [u8],
    i: usize,
    line: u32,
    col: u32,
    file: &'a Path,
}

impl<'a> Lexer<'a> {
    fn err(&self, line: u32, col: u32, msg: impl Into<String>) -> ZoneFileError {
        ZoneFileError::Syntax {
            pos: Pos {
                file: self.file.to_path_buf(),
                line,
                col,
            },
            msg: msg.into(),
        }
    }

    fn bump(&mut self) -> Option<u8> {
        let c = *self.src.get(self.i)?;
        self.i += 1;
        if c == b'\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.i).copied()
    }

    /// The next logical entry, or `None` at the end of the input.
    fn entry(&mut self) -> Result<Option<Entry>, ZoneFileError> {
        loop {
            if self.i >= self.src.len() {
                return Ok(None);
            }
            let line = self.line;
            let blank_owner = matches!(self.peek(), Some(b' ' | b'\t'));
            let mut tokens = Vec::new();
            let mut depth = 0u32;
            let (mut open_line, mut open_col) = (0, 0);
            loop {
                match self.peek() {
                    None => {
                        if depth > 0 {
                            return Err(self.err(open_line, open_col, "unclosed '('"));
                        }
                        break;
                    }
                    Some(b'\n') => {
                        self.bump();
                        if depth == 0 {
                            break;
                        }
                    }
                    Some(b' ' | b'\t' | b'\r') => {
                        self.bump();
                    }
                    Some(b';') => {
                        while !matches!(self.peek(), None | Some(b'\n')) {
                            self.bump();
                        }
                    }
                    Some(b'(') => {
                        if depth == 0 {
                            open_line = self.line;
                            open_col = self.col;
                        }
                        depth += 1;
                        self.bump();
                    }
                    Some(b')') => {
                        if depth == 0 {
                            return Err(self.err(self.line, self.col, "')' without '('"));
                        }
                        depth -= 1;
                        self.bump();
                    }
                    Some(b'"') => {
                        let (l, c) = (self.line, self.col);
                        self.bump();
                        let mut text = String::new();
                        loop {
                            match self.bump() {
                                None => return Err(self.err(l, c, "unterminated quoted string")),
                                Some(b'"') => break,
                                Some(b'\\') => {
                                    text.push('\\');
                                    match self.bump() {
                                        None => {
                                            return Err(self.err(
                                                l,
                                                c,
                                                "unterminated quoted string",
                                            ))
                                        }
                                        Some(e) => push_byte(&mut text, e),
                                    }
                                }
                                Some(b) => push_byte(&mut text, b),
                            }
                        }
                        tokens.push(Token {
                            text,
                            quoted: true,
                            line: l,
                            col: c,
                        });
                    }
                    Some(_) => {
                        let (l, c) = (self.line, self.col);
                        let mut text = String::new();
                        while let Some(b) = self.peek() {
                            if matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b';' | b'(' | b')' | b'"')
                            {
                                break;
                            }
                            self.bump();
                            push_byte(&mut text, b);
                            if b == b'\\' {
                                match self.bump() {
                                    None => return Err(self.err(l, c, "escape at end of file")),
                                    Some(e) => push_byte(&mut text, e),
                                }
                            }
                        }
                        tokens.push(Token {
                            text,
                            quoted: false,
                            line: l,
                            col: c,
                        });
                    }
                }
            }
            if !tokens.is_empty() {
                return Ok(Some(Entry {
                    blank_owner,
                    tokens,
                    line,
                }));
            }
        }
    }
}

/// Bytes outside ASCII are kept as `\DDD` escapes so that `String` stays
/// valid UTF-8 and the value round-trips byte for byte.
fn push_byte(s: &mut String, b: u8) {
    if b.is_ascii() {
        s.push(b as char);
    } else {
        s.push_str(&format!("\\{b:03}"));
    }
}

/// Decodes the escapes of a token into bytes (RFC 1035 section 5.1).
fn unescape(t: &Token) -> Result<Vec<u8>, String> {
    let s = t.text.as_bytes();
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c == b'\\' {
            let d = &s[i + 1..];
            if d.len() >= 3 && d[..3].iter().all(u8::is_ascii_digit) {
                let v = u32::from(d[0] - b'0') * 100
                    + u32::from(d[1] - b'0') * 10
                    + u32::from(d[2] - b'0');
                let v = u8::try_from(v).map_err(|_| format!("escape \\{v} is above 255"))?;
                out.push(v);
                i += 4;
            } else if let Some(&e) = d.first() {
                out.push(e);
                i += 2;
            } else {
                return Err("escape at end of token".into());
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    Ok(out)
}

/// Parses a domain name in presentation form into wire form (uncompressed),
/// appending `origin` (wire form) to relative names.
fn parse_name(t: &Token, origin: Option<&[u8]>) -> Result<Vec<u8>, String> {
    if t.text == "@" {
        return origin
            .map(<[u8]>::to_vec)
            .ok_or_else(|| "'@' used before any $ORIGIN".to_string());
    }
    if t.text == "." {
        return Ok(vec![0]);
    }
    let s = t.text.as_bytes();
    let mut wire = Vec::with_capacity(s.len() + 2);
    let mut label: Vec<u8> = Vec::new();
    let mut absolute = false;
    let mut i = 0;
    let flush = |wire: &mut Vec<u8>, label: &mut Vec<u8>| -> Result<(), String> {
        if label.is_empty() {
            return Err("empty label in name".into());
        }
        if label.len() > 63 {
            return Err(format!("label of {} bytes is over 63", label.len()));
        }
        wire.push(label.len() as u8);
        wire.append(label);
        Ok(())
    };
    while i < s.len() {
        match s[i] {
            b'\\' => {
                let d = &s[i + 1..];
                if d.len() >= 3 && d[..3].iter().all(u8::is_ascii_digit) {
                    let v = u32::from(d[0] - b'0') * 100
                        + u32::from(d[1] - b'0') * 10
                        + u32::from(d[2] - b'0');
                    label.push(u8::try_from(v).map_err(|_| format!("escape \\{v} above 255"))?);
                    i += 4;
                } else if let Some(&e) = d.first() {
                    label.push(e);
                    i += 2;
                } else {
                    return Err("escape at end of name".into());
                }
            }
            b'.' => {
                flush(&mut wire, &mut label)?;
                i += 1;
                if i == s.len() {
                    absolute = true;
                }
            }
            c => {
                label.push(c);
                i += 1;
            }
        }
    }
    if !label.is_empty() {
        flush(&mut wire, &mut label)?;
    }
    if absolute {
        wire.push(0);
    } else {
        let origin = origin.ok_or_else(|| {
            format!(
                "relative name '{}' with no $ORIGIN (end it with '.')",
                t.text
            )
        })?;
        wire.extend_from_slice(origin);
    }
    if wire.len() > 255 {
        return Err(format!("name of {} bytes is over 255", wire.len()));
    }
    Ok(wire)
}

/// Parses a TTL: seconds, or units `w d h m s` (as BIND and RFC 2308 examples).
fn parse_ttl(s: &str) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    let mut total: u64 = 0;
    let mut num: Option<u64> = None;
    for b in s.bytes() {
        match b {
            b'0'..=b'9' => {
                num = Some(
                    num.unwrap_or(0)
                        .checked_mul(10)?
                        .checked_add(u64::from(b - b'0'))?,
                )
            }
            _ => {
                let mult = match b.to_ascii_lowercase() {
                    b'w' => 604_800,
                    b'd' => 86_400,
                    b'h' => 3_600,
                    b'm' => 60,
                    b's' => 1,
                    _ => return None,
                };
                total = total.checked_add(num.take()?.checked_mul(mult)?)?;
            }
        }
    }
    if num.is_some() {
        return None; // "1h30" is ambiguous: reject, as BIND does
    }
    u32::try_from(total).ok()
}

fn parse_rtype(s: &str) -> Option<RecordType> {
    let up = s.to_ascii_uppercase();
    if let Some(n) = up.strip_prefix("TYPE") {
        if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) {
            return n.parse::<u16>().ok().map(RecordType::from);
        }
    }
    match up.parse::<RecordType>() {
        Ok(RecordType::Unknown(_)) | Err(_) => None,
        Ok(t) => Some(t),
    }
}

fn is_class(s: &str) -> bool {
    let up = s.to_ascii_uppercase();
    matches!(up.as_str(), "IN" | "CH" | "HS" | "CS" | "NONE" | "ANY")
        || up
            .strip_prefix("CLASS")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// A record as read from a zone file, in hickory form, with where it was read.
#[derive(Debug, Clone)]
pub struct ZoneRecord {
    /// The record.
    pub record: Record,
    /// Where its entry began.
    pub pos: Pos,
}

/// Parses a zone file (following `$INCLUDE`s) into records in file order.
/// `origin` is the initial `$ORIGIN` (the zone's name), if known.
pub fn parse_file(path: &Path, origin: Option<&Name>) -> Result<Vec<ZoneRecord>, ZoneFileError> {
    let text = std::fs::read(path).map_err(|source| ZoneFileError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    let origin = origin.map(name_wire);
    let mut st = State {
        out: Vec::new(),
        default_ttl: None,
        last_ttl: None,
    };
    st.parse(&text, path, origin, None, 0)?;
    Ok(st.out)
}

/// Parses zone text that has no file (e.g. the built-in zone).
pub fn parse_str(
    text: &str,
    label: &Path,
    origin: Option<&Name>,
) -> Result<Vec<ZoneRecord>, ZoneFileError> {
    let origin = origin.map(name_wire);
    let mut st = State {
        out: Vec::new(),
        default_ttl: None,
        last_ttl: None,
    };
    st.parse(text.as_bytes(), label, origin, None, 0)?;
    Ok(st.out)
}

fn name_wire(n: &Name) -> Vec<u8> {
    let mut w = Vec::with_capacity(n.len() + 1);
    for l in n.iter() {
        w.push(l.len() as u8);
        w.extend_from_slice(l);
    }
    w.push(0);
    w
}

struct State {
    out: Vec<ZoneRecord>,
    default_ttl: Option<u32>,
    last_ttl: Option<u32>,
}

impl State {
    fn parse(
        &mut self,
        text: &[u8],
        file: &Path,
        mut origin: Option<Vec<u8>>,
        mut owner: Option<Vec<u8>>,
        depth: usize,
    ) -> Result<(), ZoneFileError> {
        let mut lx = Lexer {
            src: text,
            i: 0,
            line: 1,
            col: 1,
            file,
        };
        let err = |t: &Token, msg: String| ZoneFileError::Syntax {
            pos: Pos {
                file: file.to_path_buf(),
                line: t.line,
                col: t.col,
            },
            msg,
        };
        while let Some(e) = lx.entry()? {
            let first = &e.tokens[0];
            if !e.blank_owner && first.text.starts_with('$') && !first.quoted {
                let dir = first.text.to_ascii_uppercase();
                let arg = e.tokens.get(1);
                match dir.as_str() {
                    "$ORIGIN" => {
                        let a =
                            arg.ok_or_else(|| err(first, "$ORIGIN needs a name".to_string()))?;
                        let n = parse_name(a, origin.as_deref()).map_err(|m| err(a, m))?;
                        origin = Some(n);
                        if let Some(x) = e.tokens.get(2) {
                            return Err(err(x, format!("unexpected '{}' after $ORIGIN", x.text)));
                        }
                    }
                    "$TTL" => {
                        let a = arg.ok_or_else(|| err(first, "$TTL needs a value".to_string()))?;
                        let v = parse_ttl(&a.text)
                            .ok_or_else(|| err(a, format!("bad TTL '{}'", a.text)))?;
                        self.default_ttl = Some(v);
                        if let Some(x) = e.tokens.get(2) {
                            return Err(err(x, format!("unexpected '{}' after $TTL", x.text)));
                        }
                    }
                    "$INCLUDE" => {
                        let a = arg
                            .ok_or_else(|| err(first, "$INCLUDE needs a file name".to_string()))?;
                        if depth >= MAX_INCLUDE_DEPTH {
                            return Err(err(
                                first,
                                format!("$INCLUDE nested deeper than {MAX_INCLUDE_DEPTH}"),
                            ));
                        }
                        let rel = PathBuf::from(&a.text);
                        let inc = if rel.is_absolute() {
                            rel
                        } else {
                            file.parent().unwrap_or(Path::new(".")).join(rel)
                        };
                        let inc_origin = match e.tokens.get(2) {
                            Some(o) => {
                                Some(parse_name(o, origin.as_deref()).map_err(|m| err(o, m))?)
                            }
                            None => origin.clone(),
                        };
                        if let Some(x) = e.tokens.get(3) {
                            return Err(err(x, format!("unexpected '{}' after $INCLUDE", x.text)));
                        }
                        let body = std::fs::read(&inc).map_err(|source| ZoneFileError::Syntax {
                            pos: Pos {
                                file: file.to_path_buf(),
                                line: a.line,
                                col: a.col,
                            },
                            msg: format!("cannot read included file {}: {source}", inc.display()),
                        })?;
                        // RFC 1035 5.1: origin and owner return to their
                        // values before the $INCLUDE afterwards.
                        self.parse(&body, &inc, inc_origin, owner.clone(), depth + 1)?;
                    }
                    _ => return Err(err(first, format!("unknown directive {}", first.text))),
                }
                continue;
            }
            self.record(&e, file, origin.as_deref(), &mut owner)?;
        }
        Ok(())
    }

    fn record(
        &mut self,
        e: &Entry,
        file: &Path,
        origin: Option<&[u8]>,
        owner: &mut Option<Vec<u8>>,
    ) -> Result<(), ZoneFileError> {
        let err = |t: &Token, msg: String| ZoneFileError::Syntax {
            pos: Pos {
                file: file.to_path_buf(),
                line: t.line,
                col: t.col,
            },
            msg,
        };
        let mut toks = e.tokens.iter().peekable();
        let first = &e.tokens[0];
        if !e.blank_owner {
            let t = toks.next().unwrap_or(first);
            *owner = Some(parse_name(t, origin).map_err(|m| err(t, m))?);
        }
        let owner_wire = owner
            .clone()
            .ok_or_else(|| err(first, "record with no owner name before it".into()))?;
        let mut ttl = None;
        let mut rtype = None;
        let mut last = first;
        for t in toks.by_ref() {
            last = t;
            if ttl.is_none() && t.text.bytes().next().is_some_and(|b| b.is_ascii_digit()) {
                ttl = Some(
                    parse_ttl(&t.text).ok_or_else(|| err(t, format!("bad TTL '{}'", t.text)))?,
                );
            } else if is_class(&t.text) {
                if !t.text.eq_ignore_ascii_case("IN") {
                    return Err(err(t, format!("class {} is not served (only IN)", t.text)));
                }
            } else if let Some(rt) = parse_rtype(&t.text) {
                rtype = Some(rt);
                break;
            } else {
                return Err(err(t, format!("unknown record type '{}'", t.text)));
            }
        }
        let rtype = rtype.ok_or_else(|| err(last, "record has no type".into()))?;
        let ttl = match ttl.or(self.default_ttl).or(self.last_ttl) {
            Some(t) => t,
            None if rtype == RecordType::SOA => 0, // fixed below from MINIMUM
            None => return Err(err(first, "no TTL and no $TTL before this record".into())),
        };
        let rdata_toks: Vec<&Token> = toks.collect();
        let rdata = rdata_wire(rtype, &rdata_toks, origin).map_err(|(i, m)| {
            let t = rdata_toks.get(i).copied().unwrap_or(last);
            err(t, m)
        })?;
        let mut ttl = ttl;
        if rtype == RecordType::SOA && self.default_ttl.is_none() && self.last_ttl.is_none() {
            // RFC 1035: with no TTL anywhere, the SOA MINIMUM is the default.
            if rdata.len() >= 4 {
                let m = &rdata[rdata.len() - 4..];
                ttl = u32::from_be_bytes([m[0], m[1], m[2], m[3]]);
            }
        }
        self.last_ttl = Some(ttl);
        let len = u16::try_from(rdata.len())
            .map_err(|_| err(last, format!("RDATA of {} bytes is too long", rdata.len())))?;
        let mut wire = owner_wire;
        wire.extend_from_slice(&u16::from(rtype).to_be_bytes());
        wire.extend_from_slice(&1u16.to_be_bytes());
        wire.extend_from_slice(&ttl.to_be_bytes());
        wire.extend_from_slice(&len.to_be_bytes());
        wire.extend_from_slice(&rdata);
        let mut dec = BinDecoder::new(&wire);
        let record = Record::read(&mut dec)
            .map_err(|x| err(first, format!("invalid {rtype} record: {x}")))?;
        if !dec.is_empty() {
            return Err(err(
                first,
                format!("invalid {rtype} record: trailing RDATA"),
            ));
        }
        self.out.push(ZoneRecord {
            record,
            pos: Pos {
                file: file.to_path_buf(),
                line: e.line,
                col: first.col,
            },
        });
        Ok(())
    }
}

/// Error in RDATA: the index of the token at fault and a message.
type RdErr = (usize, String);

fn rdata_wire(rtype: RecordType, t: &[&Token], origin: Option<&[u8]>) -> Result<Vec<u8>, RdErr> {
    let need = |n: usize| -> Result<(), RdErr> {
        if t.len() < n {
            Err((
                t.len(),
                format!("{rtype} needs {n} RDATA fields, found {}", t.len()),
            ))
        } else if t.len() > n && !matches!(rtype, RecordType::TXT) {
            Err((n, format!("unexpected '{}' after {rtype} RDATA", t[n].text)))
        } else {
            Ok(())
        }
    };
    let name = |i: usize| parse_name(t[i], origin).map_err(|m| (i, m));
    let num = |i: usize, max: u64| -> Result<u64, RdErr> {
        t[i].text
            .parse::<u64>()
            .ok()
            .filter(|v| *v <= max)
            .ok_or_else(|| (i, format!("'{}' is not a number up to {max}", t[i].text)))
    };
    let mut out = Vec::new();
    // RFC 3597 section 5: generic form for any type.
    if t.first().is_some_and(|x| x.text == "\\#" && !x.quoted) {
        if t.len() < 2 {
            return Err((1, "\\# needs a length".into()));
        }
        let len = num(1, 65535)? as usize;
        let hex: String = t[2..].iter().map(|x| x.text.as_str()).collect();
        if hex.len() % 2 != 0 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err((2, "\\# data is not an even number of hex digits".into()));
        }
        for k in (0..hex.len()).step_by(2) {
            out.push(u8::from_str_radix(&hex[k..k + 2], 16).map_err(|e| (2, e.to_string()))?);
        }
        if out.len() != len {
            return Err((1, format!("\\# says {len} bytes, data has {}", out.len())));
        }
        return Ok(out);
    }
    match rtype {
        RecordType::A => {
            need(1)?;
            let a: Ipv4Addr = t[0]
                .text
                .parse()
                .map_err(|_| (0, format!("'{}' is not an IPv4 address", t[0].text)))?;
            out.extend_from_slice(&a.octets());
        }
        RecordType::AAAA => {
            need(1)?;
            let a: Ipv6Addr = t[0]
                .text
                .parse()
                .map_err(|_| (0, format!("'{}' is not an IPv6 address", t[0].text)))?;
            out.extend_from_slice(&a.octets());
        }
        RecordType::NS | RecordType::CNAME | RecordType::PTR => {
            need(1)?;
            out = name(0)?;
        }
        RecordType::MX => {
            need(2)?;
            out.extend_from_slice(&(num(0, 65535)? as u16).to_be_bytes());
            out.extend(name(1)?);
        }
        RecordType::SOA => {
            need(7)?;
            out.extend(name(0)?);
            out.extend(name(1)?);
            out.extend_from_slice(&(num(2, u64::from(u32::MAX))? as u32).to_be_bytes());
            for (i, tok) in t.iter().enumerate().take(7).skip(3) {
                let v = parse_ttl(&tok.text)
                    .ok_or_else(|| (i, format!("bad time value '{}'", tok.text)))?;
                out.extend_from_slice(&v.to_be_bytes());
            }
        }
        RecordType::TXT => {
            if t.is_empty() {
                return Err((0, "TXT needs at least one string".into()));
            }
            for (i, s) in t.iter().enumerate() {
                let b = unescape(s).map_err(|m| (i, m))?;
                let l = u8::try_from(b.len())
                    .map_err(|_| (i, format!("string of {} bytes is over 255", b.len())))?;
                out.push(l);
                out.extend(b);
            }
        }
        RecordType::SRV => {
            need(4)?;
            for i in 0..3 {
                out.extend_from_slice(&(num(i, 65535)? as u16).to_be_bytes());
            }
            out.extend(name(3)?);
        }
        RecordType::CAA => {
            need(3)?;
            out.push(num(0, 255)? as u8);
            let tag = &t[1].text;
            if tag.is_empty() || tag.len() > 255 || !tag.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                return Err((
                    1,
                    format!("CAA tag '{tag}' is not 1-255 letters and digits"),
                ));
            }
            out.push(tag.len() as u8);
            out.extend_from_slice(tag.as_bytes());
            out.extend(unescape(t[2]).map_err(|m| (2, m))?);
        }
        other => {
            return Err((
                0,
                format!(
                    "{other} in presentation form is not supported; write it as \\# (RFC 3597)"
                ),
            ))
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::RData;

    fn parse(s: &str) -> Result<Vec<ZoneRecord>, ZoneFileError> {
        parse_str(s, Path::new("t.zone"), None)
    }

    #[test]
    fn rfc1035_features() {
        let z = parse(
            "$ORIGIN ex.\n$TTL 1h\n@ IN SOA ns admin ( 1 2 3 4\n 5 ) ; c\n  NS ns\nns 60 IN A 192.0.2.1\n \
             AAAA 2001:db8::1\na\\.b TXT \"x \\\"y\\\"\" \\065z\n*.w CNAME ns.ex.\n",
        )
        .unwrap();
        assert_eq!(z.len(), 6);
        assert_eq!(z[0].record.ttl, 3600);
        assert_eq!(z[1].record.name.to_ascii(), "ex.");
        assert_eq!(z[3].record.name.to_ascii(), "ns.ex.");
        assert_eq!(z[3].record.ttl, 3600);
        assert_eq!(z[2].record.ttl, 60);
        match &z[4].record.data {
            RData::TXT(t) => {
                let v: Vec<&[u8]> = t.txt_data.iter().map(|b| &b[..]).collect();
                assert_eq!(v, vec![&b"x \"y\""[..], b"Az"]);
            }
            o => panic!("{o:?}"),
        }
        assert_eq!(z[4].record.name.iter().next().unwrap(), b"a.b");
        assert_eq!(z[5].record.name.to_ascii(), "*.w.ex.");
    }

    #[test]
    fn rfc3597_generic() {
        let z =
            parse("$ORIGIN ex.\n$TTL 1\nu TYPE65280 \\# 3 abcdef\nv A \\# 4 c0000201\n").unwrap();
        assert_eq!(u16::from(z[0].record.record_type()), 65280);
        assert_eq!(z[1].record.data, RData::A("192.0.2.1".parse().unwrap()));
        assert!(parse("$ORIGIN ex.\n$TTL 1\nu TYPE1 \\# 3 abcdef\n").is_err());
    }

    #[test]
    fn errors_have_line_and_column() {
        let e = parse("$ORIGIN ex.\n$TTL 1\nok A 1.2.3.4\nbad A 1.2.3\n").unwrap_err();
        assert_eq!(e.to_string(), "t.zone:4:7: '1.2.3' is not an IPv4 address");
        let e = parse("$ORIGIN ex.\n$TTL 1\nx BOGUS 1\n").unwrap_err();
        assert!(e.to_string().starts_with("t.zone:3:3:"), "{e}");
        let e = parse("$TTL 1\nx A 1.2.3.4\n").unwrap_err();
        assert!(e.to_string().contains("no $ORIGIN"), "{e}");
        let e = parse("$ORIGIN ex.\n$TTL 1\nx TXT (\"a\"\n").unwrap_err();
        assert!(e.to_string().contains("unclosed '('"), "{e}");
        let long = "a".repeat(64);
        let e = parse(&format!("$ORIGIN ex.\n$TTL 1\n{long} A 1.2.3.4\n")).unwrap_err();
        assert!(e.to_string().contains("over 63"), "{e}");
    }

    #[test]
    fn ttl_units() {
        assert_eq!(parse_ttl("1h30m"), Some(5400));
        assert_eq!(parse_ttl("1W"), Some(604800));
        assert_eq!(parse_ttl("1h30"), None);
        assert_eq!(parse_ttl("99999999999"), None);
    }
}
