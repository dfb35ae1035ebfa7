//! Wireshark's display-filter language, compiled once and evaluated fast.
//!
//! Layering: this crate sits on `wirelab-dissect` (its field registry and its
//! dissected [`Packet`]s) and under the analysis and print crates and the
//! CLI's `-Y`/`-R`. A filter goes through four stages:
//!
//! 1. [`lex`]: text to tokens with byte positions (Wireshark 4.0's scanner:
//!    unparsed words, quoted and raw strings, character constants, slices);
//! 2. [`parse`]: tokens to a syntax tree with Wireshark's precedence;
//! 3. the type checker (`compile`): every name is resolved through a
//!    [`Resolver`] (the global registry by default), every literal is read as
//!    the type of the field it is compared with (integers, value names,
//!    booleans, IPv4/IPv6 with CIDR prefixes, MAC and byte strings, strings,
//!    times), regular expressions are compiled, type errors are reported;
//! 4. the evaluator ([`Filter::matches`]): walks the compiled tree over a
//!    packet's nodes without allocating (after a first warm-up call on a
//!    thread, its scratch buffer is reused).
//!
//! Semantics follow tshark 4.0: `==` is true if any occurrence is equal;
//! `!=` is `all_ne` (true when the field is present and no occurrence is
//! equal); `===` is `all_eq`; `!==`/`~=` is `any_ne`; `matches` is
//! case-insensitive unless the pattern says `(?-i)`; slices and `contains`
//! on a field read its raw bytes in the packet.
//!
//! Guarantees: no input makes the compiler or the evaluator panic; every
//! error names what is wrong and where ([`FilterError::pos`], `len`), and
//! [`FilterError::render`] shows it under the filter as tshark does.
#![warn(missing_docs)]

mod check;
mod eval;
pub mod lex;
pub mod parse;

use wirelab_dissect::{FieldRef, Packet, Registry};

pub use check::Resolver;

/// Why a filter was rejected, and where (byte offset and length in the text).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{msg}")]
#[non_exhaustive]
pub struct FilterError {
    /// Byte offset of the offending text.
    pub pos: usize,
    /// Byte length of the offending text (0: at the end).
    pub len: usize,
    /// The message, in tshark 4.0's wording where it has one.
    pub msg: String,
}

impl FilterError {
    /// An error at `pos..pos+len`.
    pub fn new(pos: usize, len: usize, msg: impl Into<String>) -> Self {
        FilterError {
            pos,
            len,
            msg: msg.into(),
        }
    }

    /// The message, the filter, and a caret line under the offending text:
    ///
    /// ```text
    /// "foo" is neither a field nor a protocol name.
    ///     foo == 1
    ///     ^~~
    /// ```
    pub fn render(&self, expr: &str) -> String {
        let pos = floor_boundary(expr, self.pos.min(expr.len()));
        let end = floor_boundary(expr, self.pos.saturating_add(self.len).min(expr.len()));
        let before = expr[..pos].chars().count();
        let width = expr[pos..end.max(pos)].chars().count().max(1);
        let mut s = String::with_capacity(expr.len() * 2 + self.msg.len() + 16);
        s.push_str(&self.msg);
        s.push_str("\n    ");
        s.push_str(expr);
        s.push_str("\n    ");
        s.extend(std::iter::repeat_n(' ', before));
        s.push('^');
        s.extend(std::iter::repeat_n('~', width - 1));
        s
    }
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl Resolver for &Registry {
    fn field(&self, name: &str) -> Option<FieldRef> {
        self.get(name)
    }
}

impl Resolver for Registry {
    fn field(&self, name: &str) -> Option<FieldRef> {
        self.get(name)
    }
}

/// A compiled display filter.
#[derive(Debug)]
pub struct Filter {
    text: String,
    root: Option<check::Test>,
    fields: Vec<FieldRef>,
}

/// Compiles a filter against the global field registry.
pub fn compile(expr: &str) -> Result<Filter, FilterError> {
    compile_with(expr, &wirelab_dissect::registry())
}

/// Compiles a filter, resolving names through `r`.
pub fn compile_with(expr: &str, r: &dyn Resolver) -> Result<Filter, FilterError> {
    let toks = lex::lex(expr)?;
    let ast = parse::parse(expr, &toks)?;
    let mut fields = Vec::new();
    let root = match ast {
        Some(n) => Some(check::check(expr, &n, r, &mut fields)?),
        None => None,
    };
    Ok(Filter {
        text: expr.to_string(),
        root,
        fields,
    })
}

/// The compiled form of a filter as text, like Wireshark's `dftest`: the
/// filter, then its syntax tree after type checking (fields with their
/// types, literals converted to the field's type).
pub fn dftest(expr: &str) -> Result<String, FilterError> {
    compile(expr).map(|f| f.dftest())
}

impl Filter {
    /// Whether the dissected packet `pkt` (of frame bytes `frame`) passes.
    /// An empty filter passes every packet. Allocation-free once the
    /// thread's scratch buffer has grown (after the first calls).
    pub fn matches(&self, pkt: &Packet, frame: &[u8]) -> bool {
        match &self.root {
            None => true,
            Some(t) => eval::run(t, pkt, frame, None),
        }
    }

    /// Like [`matches`](Self::matches), with `${field}` references read from
    /// a reference packet (Wireshark's selected packet). Without one, a
    /// reference has no value and comparisons with it are false.
    pub fn matches_with_reference(
        &self,
        pkt: &Packet,
        frame: &[u8],
        reference: (&Packet, &[u8]),
    ) -> bool {
        match &self.root {
            None => true,
            Some(t) => eval::run(t, pkt, frame, Some(reference)),
        }
    }

    /// The fields and protocols the filter reads, each once.
    pub fn fields(&self) -> &[FieldRef] {
        &self.fields
    }

    /// The filter text it was compiled from.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the filter is empty (passes everything).
    pub fn is_empty(&self) -> bool {
        self.root.is_none()
    }

    /// The `dftest` form of the compiled filter.
    pub fn dftest(&self) -> String {
        let mut s = String::new();
        s.push_str("Filter:\n    ");
        s.push_str(&self.text);
        s.push_str("\n\nSyntax tree:\n");
        match &self.root {
            None => s.push_str(" (empty: passes every packet)\n"),
            Some(t) => check::dump(t, 0, &mut s),
        }
        s
    }
}

#[cfg(test)]
mod tests;
