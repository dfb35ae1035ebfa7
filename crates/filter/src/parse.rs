//! The parser: tokens to a syntax tree, with Wireshark 4.0's grammar and
//! precedence (`grammar.lemon`): `or` < `xor` < `and` < `not` < relations;
//! in arithmetic `&` < `+ -` < `* / %` < unary minus; relations are
//! comparisons (chainable: `a < b <= c`), `contains`, `matches`, `in` and
//! `not in`; an expression alone tests existence (or non-zero).

use crate::lex::{CmpOp, Tok, Token};
use crate::FilterError;

/// Where in a slice or layer list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeEnd {
    /// `[i:j]`: `j` bytes.
    Len(i64),
    /// `[i-j]`: through offset `j` inclusive.
    End(i64),
    /// `[i:]`: to the end.
    ToEnd,
}

/// One range of a slice: `[i:j]`, `[i-j]`, `[i]`, `[:j]`, `[i:]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RangeSpec {
    /// Start offset (negative: from the end).
    pub start: i64,
    /// End.
    pub end: RangeEnd,
}

/// An arithmetic operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
    /// `&`
    BitAnd,
}

impl ArOp {
    /// Wireshark's syntax-tree name.
    pub fn name(self) -> &'static str {
        match self {
            ArOp::Add => "OP_ADD",
            ArOp::Sub => "OP_SUBTRACT",
            ArOp::Mul => "OP_MULTIPLY",
            ArOp::Div => "OP_DIVIDE",
            ArOp::Mod => "OP_MODULO",
            ArOp::BitAnd => "OP_BITWISE_AND",
        }
    }
}

/// A value-producing expression and where it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Ent {
    /// What it is.
    pub kind: EntKind,
    /// Byte offset.
    pub pos: usize,
    /// Byte length.
    pub len: usize,
}

/// Kinds of [`Ent`].
#[derive(Clone, Debug, PartialEq)]
pub enum EntKind {
    /// An unparsed word: field name or literal.
    Word(String),
    /// A quoted string.
    Str(Vec<u8>),
    /// A character constant.
    Char(u32),
    /// `field#layer` or `field#[ranges]`.
    Layered(String, Vec<RangeSpec>),
    /// `${field}`.
    Ref(String),
    /// `entity[ranges]`.
    Slice(Box<Ent>, Vec<RangeSpec>),
    /// `name(args)`.
    Func(String, Vec<Ent>),
    /// Binary arithmetic.
    Arith(ArOp, Box<Ent>, Box<Ent>),
    /// Unary minus.
    Neg(Box<Ent>),
}

/// A logical expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// `a and b`
    And(Box<Node>, Box<Node>),
    /// `a or b`
    Or(Box<Node>, Box<Node>),
    /// `not a`
    Not(Box<Node>),
    /// An expression used as a test (existence or non-zero).
    Test(Ent),
    /// `a OP b`, with the operator's position.
    Cmp(CmpOp, Ent, Ent, usize, usize),
    /// `a contains b`
    Contains(Ent, Ent, usize, usize),
    /// `a matches b`
    Matches(Ent, Ent, usize, usize),
    /// `a in {…}` (elements: value or `lo..hi`).
    In(Ent, Vec<(Ent, Option<Ent>)>),
}

/// Parses a whole filter; `None` for an empty one.
pub fn parse(src: &str, toks: &[Token]) -> Result<Option<Node>, FilterError> {
    if toks.is_empty() {
        return Ok(None);
    }
    let mut p = Parser {
        src,
        toks,
        i: 0,
        depth: 0,
    };
    let n = p.expr()?;
    if p.i < toks.len() {
        return Err(p.unexpected());
    }
    Ok(Some(n))
}

/// How deeply expressions may nest (parentheses, `not`, unary minus,
/// braces, arithmetic chains, slices, function calls), so that no input can
/// exhaust the stack of the recursive stages.
pub const MAX_DEPTH: usize = 64;

struct Parser<'s> {
    src: &'s str,
    toks: &'s [Token],
    i: usize,
    depth: usize,
}

/// Joins terms of an associative operator into a balanced tree, so long
/// `a or b or c …` chains stay shallow.
fn balanced(mut v: Vec<Node>, mk: fn(Box<Node>, Box<Node>) -> Node) -> Option<Node> {
    if v.len() <= 1 {
        return v.pop();
    }
    let right = v.split_off(v.len() / 2);
    let l = balanced(v, mk)?;
    let r = balanced(right, mk)?;
    Some(mk(Box::new(l), Box::new(r)))
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|t| &t.tok)
    }

    fn peek2(&self) -> Option<&Tok> {
        self.toks.get(self.i + 1).map(|t| &t.tok)
    }

    fn bump(&mut self) -> Option<&Token> {
        let t = self.toks.get(self.i);
        if t.is_some() {
            self.i += 1;
        }
        t
    }

    fn descend(&mut self) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let (pos, len) = self
                .toks
                .get(self.i)
                .map(|t| (t.pos, t.len))
                .unwrap_or((self.src.len(), 0));
            return Err(FilterError::new(
                pos,
                len,
                format!("Filter expression is nested too deeply (more than {MAX_DEPTH} levels)."),
            ));
        }
        Ok(())
    }

    fn unexpected(&self) -> FilterError {
        match self.toks.get(self.i) {
            None => FilterError::new(self.src.len(), 0, "Unexpected end of filter expression."),
            Some(t) => {
                let text = self.src.get(t.pos..t.pos + t.len).unwrap_or("");
                FilterError::new(
                    t.pos,
                    t.len,
                    format!("\"{text}\" was unexpected in this context."),
                )
            }
        }
    }

    fn expect(&mut self, want: &Tok) -> Result<(), FilterError> {
        if self.peek() == Some(want) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn expr(&mut self) -> Result<Node, FilterError> {
        let mut v = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.i += 1;
            v.push(self.and()?);
        }
        balanced(v, Node::Or).ok_or_else(|| self.unexpected())
    }

    fn and(&mut self) -> Result<Node, FilterError> {
        let mut v = vec![self.not()?];
        while self.peek() == Some(&Tok::And) {
            self.i += 1;
            v.push(self.not()?);
        }
        balanced(v, Node::And).ok_or_else(|| self.unexpected())
    }

    fn not(&mut self) -> Result<Node, FilterError> {
        if self.peek() == Some(&Tok::Not) {
            self.i += 1;
            self.descend()?;
            let n = self.not()?;
            self.depth -= 1;
            return Ok(Node::Not(Box::new(n)));
        }
        self.relation()
    }

    fn relation(&mut self) -> Result<Node, FilterError> {
        if self.peek() == Some(&Tok::LParen) {
            self.i += 1;
            self.descend()?;
            let n = self.expr()?;
            self.expect(&Tok::RParen)?;
            self.depth -= 1;
            return Ok(n);
        }
        let lhs = self.arith()?;
        let is_entity = !matches!(lhs.kind, EntKind::Arith(..) | EntKind::Neg(..));
        match self.peek() {
            Some(Tok::Cmp(_)) => {
                let mut items = vec![lhs];
                let mut ops = Vec::new();
                while let Some(Tok::Cmp(op)) = self.peek() {
                    let op = *op;
                    let t = &self.toks[self.i];
                    ops.push((op, t.pos, t.len));
                    self.i += 1;
                    items.push(self.arith()?);
                }
                let cmps = ops
                    .into_iter()
                    .enumerate()
                    .map(|(k, (op, p, l))| {
                        Node::Cmp(op, items[k].clone(), items[k + 1].clone(), p, l)
                    })
                    .collect();
                balanced(cmps, Node::And).ok_or_else(|| self.unexpected())
            }
            Some(Tok::Contains) | Some(Tok::Matches) if is_entity => {
                let t = self.toks[self.i].clone();
                self.i += 1;
                let rhs = self.entity()?;
                Ok(if t.tok == Tok::Contains {
                    Node::Contains(lhs, rhs, t.pos, t.len)
                } else {
                    Node::Matches(lhs, rhs, t.pos, t.len)
                })
            }
            Some(Tok::In) if is_entity => {
                self.i += 1;
                let set = self.set()?;
                Ok(Node::In(lhs, set))
            }
            Some(Tok::Not) if is_entity && self.peek2() == Some(&Tok::In) => {
                self.i += 2;
                let set = self.set()?;
                Ok(Node::Not(Box::new(Node::In(lhs, set))))
            }
            Some(Tok::Not) => {
                // Only `in` may follow `not` here (Wireshark's grammar).
                self.i += 1;
                Err(self.unexpected())
            }
            Some(Tok::Contains) | Some(Tok::Matches) | Some(Tok::In) => Err(self.unexpected()),
            _ => Ok(Node::Test(lhs)),
        }
    }

    fn set(&mut self) -> Result<Vec<(Ent, Option<Ent>)>, FilterError> {
        self.expect(&Tok::LBrace)?;
        let mut out = Vec::new();
        loop {
            let lo = self.set_entity()?;
            let hi = if self.peek() == Some(&Tok::DotDot) {
                self.i += 1;
                Some(self.set_entity()?)
            } else {
                None
            };
            out.push((lo, hi));
            match self.peek() {
                Some(Tok::Comma) => self.i += 1,
                Some(Tok::RBrace) => {
                    self.i += 1;
                    return Ok(out);
                }
                _ => return Err(self.unexpected()),
            }
        }
    }

    fn set_entity(&mut self) -> Result<Ent, FilterError> {
        match self.peek() {
            Some(Tok::Minus) => {
                let pos = self.toks[self.i].pos;
                self.i += 1;
                let e = self.entity()?;
                let len = e.pos + e.len - pos;
                Ok(Ent {
                    kind: EntKind::Neg(Box::new(e)),
                    pos,
                    len,
                })
            }
            Some(Tok::Plus) => {
                self.i += 1;
                self.entity()
            }
            _ => self.entity(),
        }
    }

    fn binary(l: Ent, op: ArOp, r: Ent) -> Ent {
        let pos = l.pos;
        let len = (r.pos + r.len).saturating_sub(pos);
        Ent {
            kind: EntKind::Arith(op, Box::new(l), Box::new(r)),
            pos,
            len,
        }
    }

    fn arith(&mut self) -> Result<Ent, FilterError> {
        let mut l = self.additive()?;
        let d = self.depth;
        while self.peek() == Some(&Tok::BitAnd) {
            self.i += 1;
            self.descend()?;
            let r = self.additive()?;
            l = Self::binary(l, ArOp::BitAnd, r);
        }
        self.depth = d;
        Ok(l)
    }

    fn additive(&mut self) -> Result<Ent, FilterError> {
        let mut l = self.multiplicative()?;
        let d = self.depth;
        loop {
            let op = match self.peek() {
                Some(Tok::Plus) => ArOp::Add,
                Some(Tok::Minus) => ArOp::Sub,
                _ => {
                    self.depth = d;
                    return Ok(l);
                }
            };
            self.i += 1;
            self.descend()?;
            let r = self.multiplicative()?;
            l = Self::binary(l, op, r);
        }
    }

    fn multiplicative(&mut self) -> Result<Ent, FilterError> {
        let mut l = self.unary()?;
        let d = self.depth;
        loop {
            let op = match self.peek() {
                Some(Tok::Star) => ArOp::Mul,
                Some(Tok::Slash) => ArOp::Div,
                Some(Tok::Percent) => ArOp::Mod,
                _ => {
                    self.depth = d;
                    return Ok(l);
                }
            };
            self.i += 1;
            self.descend()?;
            let r = self.unary()?;
            l = Self::binary(l, op, r);
        }
    }

    fn unary(&mut self) -> Result<Ent, FilterError> {
        let d = self.depth;
        if matches!(self.peek(), Some(Tok::Minus | Tok::Plus | Tok::LBrace)) {
            self.descend()?;
        }
        let r = self.unary_inner();
        self.depth = d;
        r
    }

    fn unary_inner(&mut self) -> Result<Ent, FilterError> {
        match self.peek() {
            Some(Tok::Minus) => {
                let pos = self.toks[self.i].pos;
                self.i += 1;
                let e = self.unary()?;
                let len = e.pos + e.len - pos;
                Ok(Ent {
                    kind: EntKind::Neg(Box::new(e)),
                    pos,
                    len,
                })
            }
            Some(Tok::Plus) => {
                self.i += 1;
                self.unary()
            }
            Some(Tok::LBrace) => {
                self.i += 1;
                let e = self.arith()?;
                self.expect(&Tok::RBrace)?;
                Ok(e)
            }
            _ => self.entity(),
        }
    }

    fn ranges(&mut self) -> Result<Vec<RangeSpec>, FilterError> {
        // After '[': Range (Comma Range)* ']'
        let mut out = Vec::new();
        loop {
            let Some(t) = self.bump().cloned() else {
                return Err(self.unexpected());
            };
            match t.tok {
                Tok::Range(ref s) => out.push(parse_range(s, t.pos, t.len)?),
                _ => {
                    self.i -= 1;
                    return Err(self.unexpected());
                }
            }
            match self.peek() {
                Some(Tok::Comma) => self.i += 1,
                Some(Tok::RBracket) => {
                    self.i += 1;
                    return Ok(out);
                }
                _ => return Err(self.unexpected()),
            }
        }
    }

    fn entity(&mut self) -> Result<Ent, FilterError> {
        let d = self.depth;
        self.descend()?;
        let r = self.entity_inner();
        self.depth = d;
        r
    }

    fn entity_inner(&mut self) -> Result<Ent, FilterError> {
        let Some(t) = self.toks.get(self.i).cloned() else {
            return Err(self.unexpected());
        };
        let mut e = match t.tok {
            Tok::Str(v) => {
                self.i += 1;
                Ent {
                    kind: EntKind::Str(v),
                    pos: t.pos,
                    len: t.len,
                }
            }
            Tok::Char(c) => {
                self.i += 1;
                Ent {
                    kind: EntKind::Char(c),
                    pos: t.pos,
                    len: t.len,
                }
            }
            Tok::Word(w) => {
                self.i += 1;
                match self.peek() {
                    Some(Tok::LParen) => {
                        self.i += 1;
                        let mut args = Vec::new();
                        if self.peek() == Some(&Tok::RParen) {
                            self.i += 1;
                        } else {
                            loop {
                                args.push(self.arith()?);
                                match self.peek() {
                                    Some(Tok::Comma) => self.i += 1,
                                    Some(Tok::RParen) => {
                                        self.i += 1;
                                        break;
                                    }
                                    _ => return Err(self.unexpected()),
                                }
                            }
                        }
                        let end = self.toks[self.i - 1].pos + 1;
                        Ent {
                            kind: EntKind::Func(w, args),
                            pos: t.pos,
                            len: end - t.pos,
                        }
                    }
                    Some(Tok::Hash) => {
                        let hp = self.toks[self.i].pos;
                        match self.src[hp + 1..].chars().next() {
                            None => {
                                return Err(FilterError::new(
                                    self.src.len(),
                                    0,
                                    "The layer number or range was missing.",
                                ))
                            }
                            Some(c) if c.is_ascii_digit() || c == '[' => {}
                            Some(c) => {
                                return Err(FilterError::new(
                                    hp + 1,
                                    c.len_utf8(),
                                    format!("Expected digit or \"[\", not \"{c}\""),
                                ))
                            }
                        }
                        self.i += 1;
                        let layers = match self.bump().cloned() {
                            Some(Token {
                                tok: Tok::Word(n),
                                pos,
                                len,
                            }) if n.bytes().all(|c| c.is_ascii_digit()) => {
                                vec![parse_range(&n, pos, len)?]
                            }
                            Some(Token {
                                tok: Tok::LBracket, ..
                            }) => self.ranges()?,
                            Some(tk) => {
                                let text = self.src.get(tk.pos..tk.pos + tk.len).unwrap_or("");
                                return Err(FilterError::new(
                                    tk.pos,
                                    tk.len,
                                    format!("Expected digit or \"[\", not \"{text}\""),
                                ));
                            }
                            None => {
                                return Err(FilterError::new(
                                    self.src.len(),
                                    0,
                                    "The layer number or range was missing.",
                                ))
                            }
                        };
                        let end = self.toks[self.i - 1].pos + self.toks[self.i - 1].len;
                        Ent {
                            kind: EntKind::Layered(w, layers),
                            pos: t.pos,
                            len: end - t.pos,
                        }
                    }
                    _ => Ent {
                        kind: EntKind::Word(w),
                        pos: t.pos,
                        len: t.len,
                    },
                }
            }
            Tok::Dollar => {
                self.i += 1;
                self.expect(&Tok::LBrace)?;
                let Some(Token {
                    tok: Tok::Word(w),
                    pos,
                    len,
                }) = self.toks.get(self.i).cloned()
                else {
                    return Err(self.unexpected());
                };
                self.i += 1;
                self.expect(&Tok::RBrace)?;
                Ent {
                    kind: EntKind::Ref(w),
                    pos,
                    len,
                }
            }
            _ => return Err(self.unexpected()),
        };
        while self.peek() == Some(&Tok::LBracket) {
            self.i += 1;
            self.descend()?;
            let r = self.ranges()?;
            let end = self.toks[self.i - 1].pos + 1;
            let pos = e.pos;
            e = Ent {
                kind: EntKind::Slice(Box::new(e), r),
                pos,
                len: end - pos,
            };
        }
        Ok(e)
    }
}

fn parse_i64(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    s.parse::<i64>().ok()
}

/// Parses one range: `i:j`, `i-j`, `i`, `:j`, `i:` (Wireshark's drange).
pub fn parse_range(s: &str, pos: usize, len: usize) -> Result<RangeSpec, FilterError> {
    let num = |piece: &str| {
        parse_i64(piece).ok_or_else(|| {
            FilterError::new(
                pos,
                len,
                format!("\"{}\" is not a valid number.", piece.trim()),
            )
        })
    };
    if let Some((a, b)) = s.split_once(':') {
        let start = if a.trim().is_empty() { 0 } else { num(a)? };
        let end = if b.trim().is_empty() {
            RangeEnd::ToEnd
        } else {
            let l = num(b)?;
            if l <= 0 {
                return Err(FilterError::new(
                    pos,
                    len,
                    format!("Range {s} isn't valid because length {l} isn't positive"),
                ));
            }
            RangeEnd::Len(l)
        };
        return Ok(RangeSpec { start, end });
    }
    // "i-j" where i may itself be negative: split at a '-' that is not the first char.
    let dash = s
        .char_indices()
        .skip(1)
        .find(|&(_, c)| c == '-')
        .map(|(k, _)| k);
    if let Some(k) = dash {
        let start = num(&s[..k])?;
        let end = num(&s[k + 1..])?;
        return Ok(RangeSpec {
            start,
            end: RangeEnd::End(end),
        });
    }
    let start = num(s)?;
    Ok(RangeSpec {
        start,
        end: RangeEnd::Len(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex::lex;

    fn p(s: &str) -> Node {
        parse(s, &lex(s).unwrap()).unwrap().unwrap()
    }

    fn w(n: &Node) -> String {
        match n {
            Node::And(a, b) => format!("(and {} {})", w(a), w(b)),
            Node::Or(a, b) => format!("(or {} {})", w(a), w(b)),
            Node::Not(a) => format!("(not {})", w(a)),
            Node::Test(e) => e_(e),
            Node::Cmp(op, a, b, ..) => format!("({} {} {})", op.symbol(), e_(a), e_(b)),
            Node::Contains(a, b, ..) => format!("(contains {} {})", e_(a), e_(b)),
            Node::Matches(a, b, ..) => format!("(matches {} {})", e_(a), e_(b)),
            Node::In(a, s) => format!("(in {} {})", e_(a), s.len()),
        }
    }

    fn e_(e: &Ent) -> String {
        match &e.kind {
            EntKind::Word(s) => s.clone(),
            EntKind::Str(s) => format!("{:?}", String::from_utf8_lossy(s)),
            EntKind::Char(c) => format!("'{c}'"),
            EntKind::Layered(s, l) => format!("{s}#{}", l.len()),
            EntKind::Ref(s) => format!("${{{s}}}"),
            EntKind::Slice(a, r) => format!("{}[{}]", e_(a), r.len()),
            EntKind::Func(n, a) => {
                format!("{n}({})", a.iter().map(e_).collect::<Vec<_>>().join(","))
            }
            EntKind::Arith(op, a, b) => format!("[{} {} {}]", op.name(), e_(a), e_(b)),
            EntKind::Neg(a) => format!("-{}", e_(a)),
        }
    }

    #[test]
    fn precedence() {
        assert_eq!(w(&p("a or b and c")), "(or a (and b c))");
        assert_eq!(w(&p("a and b or c")), "(or (and a b) c)");
        assert_eq!(w(&p("not a and b")), "(and (not a) b)");
        assert_eq!(w(&p("!(a || b) && c")), "(and (not (or a b)) c)");
        assert_eq!(w(&p("a == 1 && b")), "(and (== a 1) b)");
    }

    #[test]
    fn arithmetic_precedence() {
        assert_eq!(w(&p("a + 1 * 2 > 3")), "(> [OP_ADD a [OP_MULTIPLY 1 2]] 3)");
        assert_eq!(
            w(&p("a & 0x12 == 0x12")),
            "(== [OP_BITWISE_AND a 0x12] 0x12)"
        );
        assert_eq!(
            w(&p("{a + 1} * 2 == -b")),
            "(== [OP_MULTIPLY [OP_ADD a 1] 2] -b)"
        );
        assert_eq!(
            w(&p("a - b % 2 == 0")),
            "(== [OP_SUBTRACT a [OP_MODULO b 2]] 0)"
        );
    }

    #[test]
    fn relations() {
        assert_eq!(w(&p("1 < a <= 3")), "(and (< 1 a) (<= a 3))");
        assert_eq!(w(&p("a in {1, 2..3}")), "(in a 2)");
        assert_eq!(w(&p("a not in {1}")), "(not (in a 1))");
        assert_eq!(w(&p("a[0:2,4] contains \"x\"")), "(contains a[2] \"x\")");
        assert_eq!(w(&p("lower(a) matches r\"x\"")), "(matches lower(a) \"x\")");
        assert_eq!(w(&p("ip.addr#2 == ${ip.src}")), "(== ip.addr#1 ${ip.src})");
        assert_eq!(w(&p("max(a, b, 3) > 1")), "(> max(a,b,3) 1)");
    }

    #[test]
    fn ranges() {
        let r = |s: &str| parse_range(s, 0, s.len()).unwrap();
        assert_eq!(
            r("1:2"),
            RangeSpec {
                start: 1,
                end: RangeEnd::Len(2)
            }
        );
        assert_eq!(
            r("1-2"),
            RangeSpec {
                start: 1,
                end: RangeEnd::End(2)
            }
        );
        assert_eq!(
            r("-4:"),
            RangeSpec {
                start: -4,
                end: RangeEnd::ToEnd
            }
        );
        assert_eq!(
            r(":3"),
            RangeSpec {
                start: 0,
                end: RangeEnd::Len(3)
            }
        );
        assert_eq!(
            r("-1"),
            RangeSpec {
                start: -1,
                end: RangeEnd::Len(1)
            }
        );
        assert_eq!(
            r("-4--2"),
            RangeSpec {
                start: -4,
                end: RangeEnd::End(-2)
            }
        );
        assert!(parse_range("x", 0, 1).is_err());
        assert!(parse_range("1:0", 0, 3).is_err());
        assert!(parse_range("é-1", 0, 4).is_err());
        assert!(parse_range("é*", 0, 3).is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        for s in [
            "(".repeat(5000) + "tcp" + &")".repeat(5000),
            "!".repeat(5000) + "tcp",
            "-".repeat(5000) + "a == 1",
            "{".repeat(5000) + "a" + &"}".repeat(5000) + " == 1",
            "a".to_string() + &"[0]".repeat(5000),
            "a".to_string() + &" + 1".repeat(5000) + " == 1",
            "len(".repeat(5000) + "a" + &")".repeat(5000),
        ] {
            let e = parse(&s, &lex(&s).unwrap()).unwrap_err();
            assert!(
                e.msg.starts_with("Filter expression is nested too deeply"),
                "{}",
                e.msg
            );
        }
        // Long flat chains are fine: they become balanced trees.
        let s = vec!["tcp"; 20000].join(" or ");
        let mut n = parse(&s, &lex(&s).unwrap()).unwrap().unwrap();
        let mut depth = 0;
        while let Node::Or(a, _) = n {
            n = *a;
            depth += 1;
        }
        assert!(depth <= 15, "{depth}");
        let s = vec!["a"; 60].join(" + ") + " == 1";
        assert!(parse(&s, &lex(&s).unwrap()).is_ok());
    }

    #[test]
    fn syntax_errors_are_located() {
        let err = |s: &str| {
            let t = lex(s).unwrap();
            parse(s, &t).unwrap_err()
        };
        let e = err("tcp.port ==");
        assert_eq!(
            (e.pos, e.len, e.msg.as_str()),
            (11, 0, "Unexpected end of filter expression.")
        );
        let e = err("tcp.port 80");
        assert_eq!(
            (e.pos, e.len, e.msg.as_str()),
            (9, 2, "\"80\" was unexpected in this context.")
        );
        let e = err("(tcp");
        assert_eq!(e.msg, "Unexpected end of filter expression.");
        let e = err("tcp)");
        assert_eq!(
            (e.pos, e.msg.as_str()),
            (3, "\")\" was unexpected in this context.")
        );
        let e = err("a in {1 2}");
        assert_eq!((e.pos, e.len), (8, 1));
    }
}
