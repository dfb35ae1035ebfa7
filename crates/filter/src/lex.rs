//! The scanner: filter text to tokens with byte positions.
//!
//! It follows Wireshark 4.0's `scanner.l`: punctuation and operators, quoted
//! strings (with C escapes, `r"…"` raw strings), character constants, and
//! "unparsed" words (`[alnum_:][alnum_:/-]*` with dots between runs), which
//! the type checker later reads as a field name or as a literal of the type
//! the other side of a comparison calls for. Text inside `[…]` is kept as raw
//! range text, as Wireshark's `RANGE` start condition does.

use crate::FilterError;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`, `eq`, `any_eq`: some value equal.
    AnyEq,
    /// `!=`, `ne`, `all_ne`: every value different (4.0: `!(a == b)` for present fields).
    AllNe,
    /// `===`, `all_eq`: every value equal.
    AllEq,
    /// `!==`, `~=`, `any_ne`: some value different.
    AnyNe,
    /// `>`, `gt`.
    Gt,
    /// `>=`, `ge`.
    Ge,
    /// `<`, `lt`.
    Lt,
    /// `<=`, `le`.
    Le,
}

impl CmpOp {
    /// Wireshark's syntax-tree name (`TEST_ANY_EQ`).
    pub fn test_name(self) -> &'static str {
        match self {
            CmpOp::AnyEq => "TEST_ANY_EQ",
            CmpOp::AllNe => "TEST_ALL_NE",
            CmpOp::AllEq => "TEST_ALL_EQ",
            CmpOp::AnyNe => "TEST_ANY_NE",
            CmpOp::Gt => "TEST_GT",
            CmpOp::Ge => "TEST_GE",
            CmpOp::Lt => "TEST_LT",
            CmpOp::Le => "TEST_LE",
        }
    }

    /// The C-like spelling, for messages.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::AnyEq => "==",
            CmpOp::AllNe => "!=",
            CmpOp::AllEq => "===",
            CmpOp::AnyNe => "!==",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
        }
    }
}

/// A token.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `..`
    DotDot,
    /// `$`
    Dollar,
    /// `#`
    Hash,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// The text of one range inside `[…]`, e.g. `0:3`.
    Range(String),
    /// A comparison.
    Cmp(CmpOp),
    /// `contains`
    Contains,
    /// `matches`, `~`
    Matches,
    /// `not`, `!`
    Not,
    /// `and`, `&&`
    And,
    /// `or`, `||`
    Or,
    /// `in`
    In,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `%`
    Percent,
    /// `&`, `bitand`, `bitwise_and`
    BitAnd,
    /// A double-quoted string, escapes applied.
    Str(Vec<u8>),
    /// A character constant `'a'`.
    Char(u32),
    /// An unparsed word: a field name or a literal.
    Word(String),
}

/// A token and where it is in the filter text (bytes).
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    /// The token.
    pub tok: Tok,
    /// Byte offset.
    pub pos: usize,
    /// Byte length.
    pub len: usize,
}

fn start_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b':'
}

fn word_char(c: u8) -> bool {
    start_char(c) || c == b'/' || c == b'-'
}

fn keyword(w: &str) -> Option<Tok> {
    Some(match w {
        "eq" | "any_eq" => Tok::Cmp(CmpOp::AnyEq),
        "ne" | "all_ne" => Tok::Cmp(CmpOp::AllNe),
        "all_eq" => Tok::Cmp(CmpOp::AllEq),
        "any_ne" => Tok::Cmp(CmpOp::AnyNe),
        "gt" => Tok::Cmp(CmpOp::Gt),
        "ge" => Tok::Cmp(CmpOp::Ge),
        "lt" => Tok::Cmp(CmpOp::Lt),
        "le" => Tok::Cmp(CmpOp::Le),
        "contains" => Tok::Contains,
        "matches" => Tok::Matches,
        "not" => Tok::Not,
        "and" => Tok::And,
        "or" => Tok::Or,
        "in" => Tok::In,
        "bitand" | "bitwise_and" => Tok::BitAnd,
        _ => return None,
    })
}

/// Splits the filter into tokens.
pub fn lex(s: &str) -> Result<Vec<Token>, FilterError> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let two = b.get(i..i + 2).unwrap_or(&[]);
        let three = b.get(i..i + 3).unwrap_or(&[]);
        let (tok, n) = match c {
            b'(' => (Tok::LParen, 1),
            b')' => (Tok::RParen, 1),
            b',' => (Tok::Comma, 1),
            b'{' => (Tok::LBrace, 1),
            b'}' => (Tok::RBrace, 1),
            b'$' => (Tok::Dollar, 1),
            b'#' => (Tok::Hash, 1),
            b'.' if two == b".." => (Tok::DotDot, 2),
            b'=' if three == b"===" => (Tok::Cmp(CmpOp::AllEq), 3),
            b'=' if two == b"==" => (Tok::Cmp(CmpOp::AnyEq), 2),
            b'!' if three == b"!==" => (Tok::Cmp(CmpOp::AnyNe), 3),
            b'!' if two == b"!=" => (Tok::Cmp(CmpOp::AllNe), 2),
            b'!' => (Tok::Not, 1),
            b'~' if two == b"~=" => (Tok::Cmp(CmpOp::AnyNe), 2),
            b'~' => (Tok::Matches, 1),
            b'<' if two == b"<=" => (Tok::Cmp(CmpOp::Le), 2),
            b'<' => (Tok::Cmp(CmpOp::Lt), 1),
            b'>' if two == b">=" => (Tok::Cmp(CmpOp::Ge), 2),
            b'>' => (Tok::Cmp(CmpOp::Gt), 1),
            b'&' if two == b"&&" => (Tok::And, 2),
            b'&' => (Tok::BitAnd, 1),
            b'|' if two == b"||" => (Tok::Or, 2),
            b'+' => (Tok::Plus, 1),
            b'-' => (Tok::Minus, 1),
            b'*' => (Tok::Star, 1),
            b'/' => (Tok::Slash, 1),
            b'%' => (Tok::Percent, 1),
            b'[' => {
                out.push(Token {
                    tok: Tok::LBracket,
                    pos: i,
                    len: 1,
                });
                i = lex_ranges(s, i + 1, &mut out)?;
                continue;
            }
            b'"' => {
                let (v, end) = lex_string(s, i + 1, false)?;
                (Tok::Str(v), end - start)
            }
            b'r' | b'R' if b.get(i + 1) == Some(&b'"') => {
                let (v, end) = lex_string(s, i + 2, true)?;
                (Tok::Str(v), end - start)
            }
            b'\'' => {
                let (v, end) = lex_char(s, i + 1, start)?;
                (Tok::Char(v), end - start)
            }
            c if start_char(c) => {
                let mut j = i + 1;
                loop {
                    match b.get(j) {
                        Some(&c) if word_char(c) => j += 1,
                        Some(b'.') if b.get(j + 1).is_some_and(|&c| word_char(c)) => j += 1,
                        _ => break,
                    }
                }
                let w = &s[i..j];
                let tok = keyword(w).unwrap_or_else(|| Tok::Word(w.to_string()));
                (tok, j - i)
            }
            _ => {
                let ch = s[i..].chars().next().unwrap_or('?');
                return Err(FilterError::new(
                    i,
                    ch.len_utf8(),
                    format!("\"{ch}\" was unexpected in this context."),
                ));
            }
        };
        out.push(Token {
            tok,
            pos: start,
            len: n,
        });
        i = start + n;
    }
    Ok(out)
}

/// Reads range texts after `[` up to `]`; returns the index after `]`.
fn lex_ranges(s: &str, mut i: usize, out: &mut Vec<Token>) -> Result<usize, FilterError> {
    let b = s.as_bytes();
    let mut seg = i;
    loop {
        match b.get(i) {
            None => {
                return Err(FilterError::new(
                    s.len(),
                    0,
                    "The right bracket was missing from a slice.",
                ));
            }
            Some(b']') | Some(b',') => {
                let raw = &s[seg..i];
                let t = raw.trim();
                if !t.is_empty() {
                    let lead = raw.len() - raw.trim_start().len();
                    out.push(Token {
                        tok: Tok::Range(t.to_string()),
                        pos: seg + lead,
                        len: t.len(),
                    });
                }
                let tok = if b[i] == b']' {
                    Tok::RBracket
                } else {
                    Tok::Comma
                };
                let done = b[i] == b']';
                out.push(Token {
                    tok,
                    pos: i,
                    len: 1,
                });
                i += 1;
                seg = i;
                if done {
                    return Ok(i);
                }
            }
            Some(_) => i += 1,
        }
    }
}

fn hexval(c: u8) -> Option<u32> {
    (c as char).to_digit(16)
}

/// Reads a quoted string from `i` (after the opening quote); returns the
/// bytes and the index after the closing quote.
fn lex_string(s: &str, mut i: usize, raw: bool) -> Result<(Vec<u8>, usize), FilterError> {
    let b = s.as_bytes();
    let mut v = Vec::new();
    loop {
        let Some(&c) = b.get(i) else {
            return Err(FilterError::new(
                s.len(),
                0,
                "The final quote was missing from a quoted string.",
            ));
        };
        match c {
            b'"' => return Ok((v, i + 1)),
            b'\\' => {
                let esc_start = i;
                let Some(&e) = b.get(i + 1) else {
                    return Err(FilterError::new(
                        s.len(),
                        0,
                        "The final quote was missing from a quoted string.",
                    ));
                };
                if raw {
                    // Raw strings keep backslashes; only \" and \\ do not end the string.
                    v.push(b'\\');
                    v.push(e);
                    i += 2;
                    continue;
                }
                i += 2;
                match e {
                    b'a' => v.push(7),
                    b'b' => v.push(8),
                    b'f' => v.push(12),
                    b'n' => v.push(b'\n'),
                    b'r' => v.push(b'\r'),
                    b't' => v.push(b'\t'),
                    b'v' => v.push(11),
                    b'\\' | b'"' | b'\'' | b'?' => v.push(e),
                    b'0'..=b'7' => {
                        let mut val = (e - b'0') as u32;
                        let mut k = 0;
                        while k < 2 {
                            match b.get(i) {
                                Some(&d @ b'0'..=b'7') => {
                                    val = val * 8 + (d - b'0') as u32;
                                    i += 1;
                                    k += 1;
                                }
                                _ => break,
                            }
                        }
                        if val > 255 {
                            return Err(FilterError::new(
                                esc_start,
                                i - esc_start,
                                format!("{} is larger than 255.", &s[esc_start..i]),
                            ));
                        }
                        v.push(val as u8);
                    }
                    b'x' => {
                        let mut val = 0u32;
                        let mut k = 0;
                        while k < 2 {
                            match b.get(i).and_then(|&d| hexval(d)) {
                                Some(d) => {
                                    val = val * 16 + d;
                                    i += 1;
                                    k += 1;
                                }
                                None => break,
                            }
                        }
                        if k == 0 {
                            return Err(FilterError::new(
                                esc_start,
                                2,
                                "\\x is not a valid character escape sequence",
                            ));
                        }
                        v.push(val as u8);
                    }
                    b'u' | b'U' => {
                        let want = if e == b'u' { 4 } else { 8 };
                        let mut val = 0u32;
                        let mut k = 0;
                        while k < want {
                            match b.get(i).and_then(|&d| hexval(d)) {
                                Some(d) => {
                                    val = val.wrapping_mul(16).wrapping_add(d);
                                    i += 1;
                                    k += 1;
                                }
                                None => break,
                            }
                        }
                        let ch = if k == want { char::from_u32(val) } else { None };
                        match ch {
                            Some(ch) => {
                                let mut buf = [0u8; 4];
                                v.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                            }
                            None => {
                                return Err(FilterError::new(
                                    esc_start,
                                    i - esc_start,
                                    format!(
                                        "{} is not a valid universal character name",
                                        &s[esc_start..i]
                                    ),
                                ))
                            }
                        }
                    }
                    _ => {
                        let ch = s[esc_start + 1..].chars().next().unwrap_or('?');
                        return Err(FilterError::new(
                            esc_start,
                            1 + ch.len_utf8(),
                            format!("\\{ch} is not a valid character escape sequence"),
                        ));
                    }
                }
                // A multi-byte character after a backslash: i now points into
                // it only if e was not ASCII, which the arms above reject.
            }
            _ => {
                v.push(c);
                i += 1;
            }
        }
    }
}

/// Reads a character constant from `i` (after the `'`).
fn lex_char(s: &str, i: usize, open: usize) -> Result<(u32, usize), FilterError> {
    let b = s.as_bytes();
    let mut j = i;
    let end = loop {
        match b.get(j) {
            None => {
                return Err(FilterError::new(
                    s.len(),
                    0,
                    "The final quote was missing from a character constant.",
                ))
            }
            Some(b'\\') => j += 2,
            Some(b'\'') => break j,
            Some(_) => j += 1,
        }
    };
    let body = &s[i..end];
    let bad = || {
        FilterError::new(
            open,
            end + 1 - open,
            format!("{} is not a valid character constant.", &s[open..end + 1]),
        )
    };
    let val = if let Some(esc) = body.strip_prefix('\\') {
        let eb = esc.as_bytes();
        match eb {
            [b'a'] => 7,
            [b'b'] => 8,
            [b'f'] => 12,
            [b'n'] => 10,
            [b'r'] => 13,
            [b't'] => 9,
            [b'v'] => 11,
            [b'\\'] => 92,
            [b'\''] => 39,
            [b'"'] => 34,
            [b'x', rest @ ..] if !rest.is_empty() && rest.len() <= 2 => {
                u32::from_str_radix(std::str::from_utf8(rest).map_err(|_| bad())?, 16)
                    .map_err(|_| bad())?
            }
            [b'0'..=b'7', ..] if eb.len() <= 3 => {
                let v = u32::from_str_radix(esc, 8).map_err(|_| bad())?;
                if v > 255 {
                    return Err(bad());
                }
                v
            }
            _ => return Err(bad()),
        }
    } else {
        let mut it = body.chars();
        match (it.next(), it.next()) {
            (Some(c), None) => c as u32,
            (Some(_), Some(_)) => {
                return Err(FilterError::new(
                    open,
                    end + 1 - open,
                    format!(
                        "{} is too long to be a valid character constant.",
                        &s[open..end + 1]
                    ),
                ))
            }
            _ => return Err(bad()),
        }
    };
    Ok((val, end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn words_and_operators() {
        assert_eq!(
            toks("tcp.port==80&&!ip"),
            vec![
                Tok::Word("tcp.port".into()),
                Tok::Cmp(CmpOp::AnyEq),
                Tok::Word("80".into()),
                Tok::And,
                Tok::Not,
                Tok::Word("ip".into())
            ]
        );
        assert_eq!(
            toks("a === b !== c ~= d ~ e"),
            vec![
                Tok::Word("a".into()),
                Tok::Cmp(CmpOp::AllEq),
                Tok::Word("b".into()),
                Tok::Cmp(CmpOp::AnyNe),
                Tok::Word("c".into()),
                Tok::Cmp(CmpOp::AnyNe),
                Tok::Word("d".into()),
                Tok::Matches,
                Tok::Word("e".into())
            ]
        );
        assert_eq!(
            toks("y xor z || w bitwise_and 1"),
            vec![
                Tok::Word("y".into()),
                // tshark 4.0 has no xor: it is an ordinary word.
                Tok::Word("xor".into()),
                Tok::Word("z".into()),
                Tok::Or,
                Tok::Word("w".into()),
                Tok::BitAnd,
                Tok::Word("1".into())
            ]
        );
    }

    #[test]
    fn literals_stay_whole() {
        assert_eq!(toks("10.0.0.0/8"), vec![Tok::Word("10.0.0.0/8".into())]);
        assert_eq!(toks("fe80::/10"), vec![Tok::Word("fe80::/10".into())]);
        assert_eq!(toks("::1"), vec![Tok::Word("::1".into())]);
        assert_eq!(toks("aa:bb-cc.dd"), vec![Tok::Word("aa:bb-cc.dd".into())]);
        assert_eq!(
            toks("{10..20}"),
            vec![
                Tok::LBrace,
                Tok::Word("10".into()),
                Tok::DotDot,
                Tok::Word("20".into()),
                Tok::RBrace
            ]
        );
        assert_eq!(toks("1.5"), vec![Tok::Word("1.5".into())]);
    }

    #[test]
    fn slices_are_raw_ranges() {
        assert_eq!(
            toks("eth.src[0:3, -1 ,2-4]"),
            vec![
                Tok::Word("eth.src".into()),
                Tok::LBracket,
                Tok::Range("0:3".into()),
                Tok::Comma,
                Tok::Range("-1".into()),
                Tok::Comma,
                Tok::Range("2-4".into()),
                Tok::RBracket
            ]
        );
        let e = lex("frame[1:2").unwrap_err();
        assert_eq!(
            (e.pos, e.msg.as_str()),
            (9, "The right bracket was missing from a slice.")
        );
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(
            toks(r#""a\tb\x41\101\u00e9\"""#),
            vec![Tok::Str(b"a\tbAA\xc3\xa9\"".to_vec())]
        );
        assert_eq!(toks(r#"r"a\.b\"""#), vec![Tok::Str(br#"a\.b\""#.to_vec())]);
        assert_eq!(
            toks(r"'a' '\n' '\x41'"),
            vec![Tok::Char(97), Tok::Char(10), Tok::Char(65)]
        );
        let e = lex(r#"x == "abc"#).unwrap_err();
        assert_eq!((e.pos, e.len), (9, 0));
        assert_eq!(e.msg, "The final quote was missing from a quoted string.");
        let e = lex(r#""\q""#).unwrap_err();
        assert_eq!((e.pos, e.len), (1, 2));
        assert_eq!(e.msg, "\\q is not a valid character escape sequence");
        let e = lex(r#""\777""#).unwrap_err();
        assert_eq!(e.msg, "\\777 is larger than 255.");
    }

    #[test]
    fn bad_characters_are_located() {
        let e = lex("tcp.port = 80").unwrap_err();
        assert_eq!((e.pos, e.len), (9, 1));
        assert_eq!(e.msg, "\"=\" was unexpected in this context.");
        let e = lex("a | b").unwrap_err();
        assert_eq!(e.pos, 2);
        let e = lex("é").unwrap_err();
        assert_eq!((e.pos, e.len), (0, 2));
    }
}
