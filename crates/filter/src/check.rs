//! The type checker: resolves names, gives every literal the type of the
//! field it meets, checks that each operator applies to its operands, and
//! produces the compiled tree the evaluator walks.

use std::fmt::Write as _;

use regex::bytes::{Regex, RegexBuilder};
use wirelab_dissect::{FieldRef, FieldType};

use crate::lex::CmpOp;
use crate::parse::{ArOp, Ent, EntKind, Node, RangeEnd, RangeSpec};
use crate::FilterError;

/// Finds fields by their filter name (`ip.src`). Implemented for the
/// dissector's [`wirelab_dissect::Registry`]; tests supply their own.
pub trait Resolver {
    /// The field or protocol called `name`, if any.
    fn field(&self, name: &str) -> Option<FieldRef>;
}

/// The value class of an expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    Proto,
    None,
    Bool,
    Int,
    Float,
    RelTime,
    AbsTime,
    Ether,
    V4,
    V6,
    Bytes,
    Str,
}

impl Ty {
    fn of(ft: FieldType) -> Ty {
        match ft {
            FieldType::Protocol => Ty::Proto,
            FieldType::None => Ty::None,
            FieldType::Bool => Ty::Bool,
            FieldType::Float | FieldType::Double => Ty::Float,
            FieldType::AbsTime => Ty::AbsTime,
            FieldType::RelTime => Ty::RelTime,
            FieldType::Ether => Ty::Ether,
            FieldType::Ipv4 => Ty::V4,
            FieldType::Ipv6 => Ty::V6,
            FieldType::Bytes => Ty::Bytes,
            FieldType::String => Ty::Str,
            t if t.is_integer() => Ty::Int,
            _ => Ty::Bytes,
        }
    }

    fn ws_name(self) -> &'static str {
        match self {
            Ty::Proto => "FT_PROTOCOL",
            Ty::None => "FT_NONE",
            Ty::Bool => "FT_BOOLEAN",
            Ty::Int => "FT_INT64",
            Ty::Float => "FT_DOUBLE",
            Ty::RelTime => "FT_RELATIVE_TIME",
            Ty::AbsTime => "FT_ABSOLUTE_TIME",
            Ty::Ether => "FT_ETHER",
            Ty::V4 => "FT_IPv4",
            Ty::V6 => "FT_IPv6",
            Ty::Bytes => "FT_BYTES",
            Ty::Str => "FT_STRING",
        }
    }

    fn bytes_like(self) -> bool {
        matches!(self, Ty::Proto | Ty::Bytes | Ty::Ether | Ty::Str)
    }
}

fn compatible(a: Ty, b: Ty) -> bool {
    use Ty::*;
    match (a, b) {
        (Int, Int) | (Bool, Bool) => true,
        (Float, Float) => true,
        (Int, Float) | (Float, Int) => true,
        (Bytes | Ether | Proto, Bytes | Ether | Proto) => true,
        (Str, Str) => true,
        _ => a == b,
    }
}

/// A constant value, converted to the type it is compared with.
#[derive(Clone, Debug)]
pub(crate) enum CVal {
    Int(i128),
    Float(f64),
    V4(u32, u32),
    V6([u8; 16], u8),
    Bytes(Vec<u8>),
    Str(Vec<u8>),
    Time(i128),
}

/// A constant and how dftest shows it.
#[derive(Clone, Debug)]
pub(crate) struct Const {
    pub v: CVal,
    pub ft: &'static str,
}

/// A function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Func {
    Len,
    Count,
    Lower,
    Upper,
    String,
    Max,
    Min,
    Abs,
}

impl Func {
    fn name(self) -> &'static str {
        match self {
            Func::Len => "len",
            Func::Count => "count",
            Func::Lower => "lower",
            Func::Upper => "upper",
            Func::String => "string",
            Func::Max => "max",
            Func::Min => "min",
            Func::Abs => "abs",
        }
    }
}

/// A value-producing compiled expression (zero or more values per packet).
#[derive(Clone, Debug)]
pub(crate) enum Expr {
    Field(FieldRef, Option<Vec<RangeSpec>>),
    Ref(FieldRef),
    Const(Const),
    Slice(Box<Expr>, Vec<RangeSpec>),
    Func(Func, Vec<Expr>),
    Arith(ArOp, Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
}

/// A compiled test.
#[derive(Clone, Debug)]
pub(crate) enum Test {
    Exists(FieldRef, Option<Vec<RangeSpec>>),
    Not(Box<Test>),
    And(Box<Test>, Box<Test>),
    Or(Box<Test>, Box<Test>),
    Cmp(CmpOp, Expr, Expr),
    Contains(Expr, Expr),
    Matches(Expr, Box<Regex>, String),
    In(Expr, Vec<(Expr, Option<Expr>)>),
    Truthy(Expr),
}

enum Typed {
    /// A typed expression; the field when it is a plain field (for value
    /// names, booleans' names and integer bounds).
    Known(Expr, Ty, Option<FieldRef>),
    /// A literal waiting for a type.
    Lit(Ent),
}

struct Ck<'a> {
    src: &'a str,
    r: &'a dyn Resolver,
    fields: &'a mut Vec<FieldRef>,
}

/// Type-checks a syntax tree into a compiled test.
pub(crate) fn check(
    src: &str,
    n: &Node,
    r: &dyn Resolver,
    fields: &mut Vec<FieldRef>,
) -> Result<Test, FilterError> {
    let mut ck = Ck { src, r, fields };
    ck.test(n)
}

fn err(e: &Ent, msg: impl Into<String>) -> FilterError {
    FilterError::new(e.pos, e.len, msg)
}

/// Wireshark's descriptive name of a field type (`ftype_pretty_name`).
fn pretty(ft: FieldType) -> &'static str {
    match ft {
        FieldType::Protocol => "Protocol",
        FieldType::None => "Label",
        FieldType::Bool => "Boolean",
        FieldType::U8 => "Unsigned integer (1 byte)",
        FieldType::U16 => "Unsigned integer (2 bytes)",
        FieldType::U24 => "Unsigned integer (3 bytes)",
        FieldType::U32 => "Unsigned integer (4 bytes)",
        FieldType::U64 => "Unsigned integer (8 bytes)",
        FieldType::I8 => "Signed integer (1 byte)",
        FieldType::I16 => "Signed integer (2 bytes)",
        FieldType::I32 => "Signed integer (4 bytes)",
        FieldType::I64 => "Signed integer (8 bytes)",
        FieldType::FrameNum => "Frame number",
        FieldType::Float => "Floating point (single-precision)",
        FieldType::Double => "Floating point (double-precision)",
        FieldType::AbsTime => "Date and time",
        FieldType::RelTime => "Time offset",
        FieldType::Ether => "Ethernet or other MAC address",
        FieldType::Ipv4 => "IPv4 address",
        FieldType::Ipv6 => "IPv6 address",
        FieldType::Bytes => "Byte sequence",
        FieldType::String => "Character string",
        _ => "Unknown",
    }
}

impl Ty {
    fn pretty(self) -> &'static str {
        match self {
            Ty::Proto => "Protocol",
            Ty::None => "Label",
            Ty::Bool => "Boolean",
            Ty::Int => "Signed integer (8 bytes)",
            Ty::Float => "Floating point (double-precision)",
            Ty::RelTime => "Time offset",
            Ty::AbsTime => "Date and time",
            Ty::Ether => "Ethernet or other MAC address",
            Ty::V4 => "IPv4 address",
            Ty::V6 => "IPv6 address",
            Ty::Bytes => "Byte sequence",
            Ty::Str => "Character string",
        }
    }
}

fn is_unsigned(h: Option<FieldRef>) -> bool {
    h.is_some_and(|f| {
        matches!(
            f.ftype,
            FieldType::U8
                | FieldType::U16
                | FieldType::U24
                | FieldType::U32
                | FieldType::U64
                | FieldType::FrameNum
        )
    })
}

fn sym(op: ArOp) -> &'static str {
    match op {
        ArOp::Add => "+",
        ArOp::Sub => "-",
        ArOp::Mul => "*",
        ArOp::Div => "/",
        ArOp::Mod => "%",
        ArOp::BitAnd => "&",
    }
}

impl Ck<'_> {
    /// The filter text of a syntax node, as written.
    fn text(&self, e: &Ent) -> String {
        self.src.get(e.pos..e.pos + e.len).unwrap_or("").to_string()
    }

    fn neither(&self, e: &Ent) -> FilterError {
        let name = match &e.kind {
            EntKind::Word(w) => w.clone(),
            EntKind::Layered(w, _) => w.clone(),
            EntKind::Str(s) => format!("\"{}\"", String::from_utf8_lossy(s)),
            _ => self.text(e),
        };
        err(e, format!("{name} is neither a field nor a protocol name."))
    }

    fn resolve(&mut self, name: &str) -> Option<FieldRef> {
        let f = self.r.field(name)?;
        if !self.fields.iter().any(|g| std::ptr::eq(*g, f)) {
            self.fields.push(f);
        }
        Some(f)
    }

    fn name_of(&self, x: &Expr, e: &Ent) -> String {
        match x {
            Expr::Field(f, None) | Expr::Ref(f) => f.abbrev.to_string(),
            _ => self.text(e),
        }
    }

    /// Descriptive type of an operand: the field's own type for a field.
    fn ptype(x: &Expr, t: Ty) -> &'static str {
        match x {
            Expr::Field(f, _) | Expr::Ref(f) => pretty(f.ftype),
            _ => t.pretty(),
        }
    }

    /// `FT_…` name of an operand.
    fn ftname(x: &Expr, t: Ty) -> &'static str {
        match x {
            Expr::Field(f, _) | Expr::Ref(f) => f.ftype.wireshark_name(),
            _ => t.ws_name(),
        }
    }

    fn test(&mut self, n: &Node) -> Result<Test, FilterError> {
        Ok(match n {
            Node::And(a, b) => Test::And(Box::new(self.test(a)?), Box::new(self.test(b)?)),
            Node::Or(a, b) => Test::Or(Box::new(self.test(a)?), Box::new(self.test(b)?)),
            Node::Not(a) => Test::Not(Box::new(self.test(a)?)),
            Node::Test(e) => self.exists(e)?,
            Node::Cmp(op, a, b, p, l) => {
                let opname = self.src.get(*p..*p + *l).unwrap_or(op.symbol()).to_string();
                let (x, t, h) = self.lhs(a, &opname, true)?;
                let y = self.rhs(&x, t, h, a, b, &opname)?;
                Test::Cmp(*op, x, y)
            }
            Node::Contains(a, b, ..) => self.contains(a, b)?,
            Node::Matches(a, b, ..) => self.matches(a, b)?,
            Node::In(a, set) => self.member(a, set)?,
        })
    }

    fn exists(&mut self, e: &Ent) -> Result<Test, FilterError> {
        match &e.kind {
            EntKind::Word(w) => match self.resolve(w) {
                Some(f) => Ok(Test::Exists(f, None)),
                None => Err(self.neither(e)),
            },
            EntKind::Layered(w, l) => match self.resolve(w) {
                Some(f) => Ok(Test::Exists(f, Some(l.clone()))),
                None => Err(self.neither(e)),
            },
            EntKind::Str(_) | EntKind::Char(_) => Err(self.neither(e)),
            EntKind::Func(name, _) => Err(FilterError::new(
                e.pos,
                name.len(),
                "You cannot test whether a function is present.",
            )),
            _ => match self.infer(e)? {
                Typed::Known(x, ..) => Ok(Test::Truthy(x)),
                Typed::Lit(l) => Err(err(&l, "Constant expression is invalid.")),
            },
        }
    }

    /// The left side of a relation: a field, function, slice or arithmetic.
    fn lhs(
        &mut self,
        a: &Ent,
        opname: &str,
        quoted: bool,
    ) -> Result<(Expr, Ty, Option<FieldRef>), FilterError> {
        match self.infer(a)? {
            Typed::Known(x, t, h) => {
                if t == Ty::None {
                    return Err(err(
                        a,
                        format!(
                            "{} (type={}) cannot participate in {opname} comparison.",
                            self.name_of(&x, a),
                            Self::ptype(&x, t)
                        ),
                    ));
                }
                Ok((x, t, h))
            }
            Typed::Lit(l) => {
                Err(err(
                    &l,
                    if quoted {
                        format!("Left side of \"{opname}\" expression must be a field or function, not {}.", self.text(&l))
                    } else {
                        format!(
                            "Left side of {opname} expression must be a field or function, not {}.",
                            self.text(&l)
                        )
                    },
                ))
            }
        }
    }

    /// The right side of a comparison with a left side of type `t`.
    fn rhs(
        &mut self,
        x: &Expr,
        t: Ty,
        h: Option<FieldRef>,
        a: &Ent,
        b: &Ent,
        opname: &str,
    ) -> Result<Expr, FilterError> {
        match self.infer(b)? {
            Typed::Lit(l) => Ok(Expr::Const(self.literal(&l, t, h)?)),
            Typed::Known(y, t2, _) => {
                if t2 == Ty::None {
                    return Err(err(
                        b,
                        format!(
                            "{} (type={}) cannot participate in {opname} comparison.",
                            self.name_of(&y, b),
                            Self::ptype(&y, t2)
                        ),
                    ));
                }
                if !compatible(t, t2) {
                    return Err(err(
                        b,
                        format!(
                            "{} and {} are not of compatible types.",
                            self.name_of(x, a),
                            self.name_of(&y, b)
                        ),
                    ));
                }
                Ok(y)
            }
        }
    }

    fn infer(&mut self, e: &Ent) -> Result<Typed, FilterError> {
        Ok(match &e.kind {
            EntKind::Word(w) => match self.resolve(w) {
                Some(f) => Typed::Known(Expr::Field(f, None), Ty::of(f.ftype), Some(f)),
                None => Typed::Lit(e.clone()),
            },
            EntKind::Str(_) | EntKind::Char(_) => Typed::Lit(e.clone()),
            EntKind::Layered(w, l) => match self.resolve(w) {
                Some(f) => Typed::Known(Expr::Field(f, Some(l.clone())), Ty::of(f.ftype), Some(f)),
                None => return Err(self.neither(e)),
            },
            EntKind::Ref(w) => match self.resolve(w) {
                Some(f) => Typed::Known(Expr::Ref(f), Ty::of(f.ftype), Some(f)),
                None => return Err(err(e, format!("macro '{w}' does not exist"))),
            },
            EntKind::Slice(inner, r) => {
                let (x, t) = match self.infer(inner)? {
                    Typed::Known(x, t, _) => (x, t),
                    Typed::Lit(l) => {
                        return Err(match &l.kind {
                            EntKind::Word(_) => self.neither(&l),
                            _ => err(
                                &l,
                                format!("Range is not supported for entity {}", self.text(&l)),
                            ),
                        })
                    }
                };
                // As tshark 4.0: byte-like values slice; numbers, labels
                // and times do not.
                let field_like = matches!(x, Expr::Field(..) | Expr::Ref(..));
                let ok = match t {
                    Ty::Proto | Ty::Bytes | Ty::Str | Ty::Ether => true,
                    Ty::V4 | Ty::V6 => field_like,
                    _ => false,
                };
                if !ok {
                    return Err(err(
                        inner,
                        format!(
                            "\"{}\" is a {} and cannot be sliced into a sequence of bytes.",
                            self.name_of(&x, inner),
                            Self::ptype(&x, t)
                        ),
                    ));
                }
                Typed::Known(Expr::Slice(Box::new(x), r.clone()), Ty::Bytes, None)
            }
            EntKind::Func(name, args) => self.func(e, name, args)?,
            EntKind::Neg(inner) => match self.infer(inner)? {
                Typed::Lit(_) => Typed::Lit(e.clone()),
                Typed::Known(x, t, _) => {
                    if !matches!(t, Ty::Int | Ty::Bool | Ty::Float | Ty::RelTime) {
                        return Err(err(inner, format!("{} cannot -.", Self::ftname(&x, t))));
                    }
                    let t = if t == Ty::Bool { Ty::Int } else { t };
                    Typed::Known(Expr::Neg(Box::new(x)), t, None)
                }
            },
            EntKind::Arith(op, a, b) => {
                let ta = self.infer(a)?;
                let tb = self.infer(b)?;
                let (xa, xb, t) = match (ta, tb) {
                    (Typed::Lit(l), Typed::Lit(_)) => {
                        return Err(match &l.kind {
                            EntKind::Word(w) if !w.starts_with(|c: char| c.is_ascii_digit()) => {
                                self.neither(&l)
                            }
                            _ => err(e, "Constant expression is invalid."),
                        })
                    }
                    (Typed::Known(x, t, h), Typed::Lit(l)) => {
                        self.arith_ok(*op, &x, t, a)?;
                        let c = self.literal(&l, t, h)?;
                        (x, Expr::Const(c), t)
                    }
                    (Typed::Lit(l), Typed::Known(x, t, h)) => {
                        self.arith_ok(*op, &x, t, b)?;
                        let c = self.literal(&l, t, h)?;
                        (Expr::Const(c), x, t)
                    }
                    (Typed::Known(x, t1, _), Typed::Known(y, t2, _)) => {
                        self.arith_ok(*op, &x, t1, a)?;
                        self.arith_ok(*op, &y, t2, b)?;
                        let num = |t: Ty| matches!(t, Ty::Int | Ty::Bool | Ty::Float);
                        let same = (num(t1) && num(t2))
                            || (t1 == Ty::RelTime && t2 == Ty::RelTime)
                            || (t1.bytes_like() && t2.bytes_like());
                        if !same {
                            return Err(err(
                                b,
                                format!(
                                    "{} and {} are not type compatible.",
                                    self.name_of(&x, a),
                                    self.name_of(&y, b)
                                ),
                            ));
                        }
                        let t = if t1 == Ty::Float || t2 == Ty::Float {
                            Ty::Float
                        } else {
                            t1
                        };
                        (x, y, t)
                    }
                };
                let t = match t {
                    Ty::Bool => Ty::Int,
                    Ty::Ether | Ty::Proto | Ty::Str => Ty::Bytes,
                    t => t,
                };
                Typed::Known(Expr::Arith(*op, Box::new(xa), Box::new(xb)), t, None)
            }
        })
    }

    fn arith_ok(&self, op: ArOp, x: &Expr, t: Ty, e: &Ent) -> Result<(), FilterError> {
        let ok = match t {
            Ty::Int | Ty::Bool | Ty::Float => true,
            Ty::RelTime => matches!(op, ArOp::Add | ArOp::Sub),
            Ty::Bytes | Ty::Ether | Ty::Proto => op == ArOp::BitAnd,
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(err(
                e,
                format!("{} cannot {}.", Self::ftname(x, t), sym(op)),
            ))
        }
    }

    fn func(&mut self, e: &Ent, name: &str, args: &[Ent]) -> Result<Typed, FilterError> {
        let at_name = |msg: String| FilterError::new(e.pos, name.len(), msg);
        let f = match name {
            "len" => Func::Len,
            "count" => Func::Count,
            "lower" => Func::Lower,
            "upper" => Func::Upper,
            "string" => Func::String,
            "max" => Func::Max,
            "min" => Func::Min,
            "abs" => Func::Abs,
            _ => return Err(at_name(format!("Function '{name}' does not exist"))),
        };
        let max = match f {
            Func::Max | Func::Min => usize::MAX,
            _ => 1,
        };
        if args.is_empty() {
            return Err(at_name(format!(
                "Function {name} needs at least 1 arguments."
            )));
        }
        if args.len() > max {
            return Err(at_name(format!(
                "Function {name} can only accept {max} arguments."
            )));
        }
        if matches!(f, Func::Max | Func::Min) {
            let mut typed = Vec::with_capacity(args.len());
            for a in args {
                typed.push((self.infer(a)?, a));
            }
            let Some(t0) = typed.iter().find_map(|(t, _)| match t {
                Typed::Known(_, t, _) => Some(*t),
                _ => None,
            }) else {
                return Err(err(&args[0], "Constant expression is invalid."));
            };
            let mut xs = Vec::with_capacity(typed.len());
            for (t, a) in typed {
                match t {
                    Typed::Known(x, ty, _) => {
                        if ty == Ty::None || ty == Ty::Proto || !compatible(ty, t0) {
                            return Err(err(
                                a,
                                format!("'{}' is not a valid argument to '{name}'()", self.text(a)),
                            ));
                        }
                        xs.push(x);
                    }
                    Typed::Lit(l) => xs.push(Expr::Const(self.literal(&l, t0, None)?)),
                }
            }
            let t = if t0 == Ty::Bool { Ty::Int } else { t0 };
            return Ok(Typed::Known(Expr::Func(f, xs), t, None));
        }
        let a0 = &args[0];
        let typed = self.infer(a0)?;
        let only_fields = || {
            let (pos, len) = match &a0.kind {
                EntKind::Func(n, _) => (a0.pos, n.len()),
                _ => (a0.pos, a0.len),
            };
            FilterError::new(
                pos,
                len,
                format!("Only fields can be used as parameter for {name}()"),
            )
        };
        let (x, t) = match typed {
            Typed::Known(x, t, _) => (x, t),
            Typed::Lit(l) => {
                return Err(match f {
                    Func::Lower | Func::Upper => err(
                        &l,
                        format!("Only string type fields can be used as parameter for {name}()"),
                    ),
                    Func::Abs => err(
                        &l,
                        format!(
                            "Type {} is not valid for abs",
                            if matches!(l.kind, EntKind::Str(_)) {
                                "STRING"
                            } else {
                                "LITERAL"
                            }
                        ),
                    ),
                    _ => only_fields(),
                })
            }
        };
        let out = match f {
            Func::Len => {
                if !matches!(x, Expr::Field(..) | Expr::Ref(..)) {
                    return Err(only_fields());
                }
                Ty::Int
            }
            Func::Count => {
                if !matches!(x, Expr::Field(..)) {
                    return Err(only_fields());
                }
                Ty::Int
            }
            Func::Lower | Func::Upper => {
                if t != Ty::Str {
                    return Err(err(
                        a0,
                        format!("Only string type fields can be used as parameter for {name}()"),
                    ));
                }
                Ty::Str
            }
            Func::String => {
                let (Expr::Field(fld, _) | Expr::Ref(fld)) = &x else {
                    return Err(only_fields());
                };
                if matches!(t, Ty::Str | Ty::Proto | Ty::None | Ty::Bytes) {
                    return Err(err(
                        a0,
                        format!(
                            "String conversion for field \"{}\" is not supported",
                            fld.abbrev
                        ),
                    ));
                }
                Ty::Str
            }
            _ => {
                if !matches!(t, Ty::Int | Ty::Bool | Ty::Float | Ty::RelTime) {
                    return Err(err(
                        a0,
                        format!("'{}' is not a valid argument to 'abs'()", self.text(a0)),
                    ));
                }
                if t == Ty::Bool {
                    Ty::Int
                } else {
                    t
                }
            }
        };
        Ok(Typed::Known(Expr::Func(f, vec![x]), out, None))
    }

    fn contains(&mut self, a: &Ent, b: &Ent) -> Result<Test, FilterError> {
        let (x, t, _) = self.lhs(a, "contains", false)?;
        if !t.bytes_like() {
            return Err(err(
                a,
                format!(
                    "{} (type={}) cannot participate in contains comparison.",
                    self.name_of(&x, a),
                    Self::ptype(&x, t)
                ),
            ));
        }
        let y = match self.infer(b)? {
            Typed::Lit(m) => {
                let want = if t == Ty::Str { Ty::Str } else { Ty::Proto };
                Expr::Const(self.literal(&m, want, None)?)
            }
            Typed::Known(y, t2, _) => {
                if !t2.bytes_like() {
                    return Err(err(
                        b,
                        format!(
                            "{} and {} are not of compatible types.",
                            self.name_of(&x, a),
                            self.name_of(&y, b)
                        ),
                    ));
                }
                y
            }
        };
        Ok(Test::Contains(x, y))
    }

    fn matches(&mut self, a: &Ent, b: &Ent) -> Result<Test, FilterError> {
        let (x, t, _) = self.lhs(a, "matches", false)?;
        if !matches!(t, Ty::Proto | Ty::Str | Ty::Bytes) {
            return Err(err(
                a,
                format!(
                    "{} (type={}) cannot participate in matches comparison.",
                    self.name_of(&x, a),
                    Self::ptype(&x, t)
                ),
            ));
        }
        let EntKind::Str(pat) = &b.kind else {
            return Err(err(
                b,
                "Matches requires a double quoted string on the right side.",
            ));
        };
        let pat = String::from_utf8_lossy(pat).into_owned();
        let re = RegexBuilder::new(&pat)
            .case_insensitive(true)
            .unicode(false)
            .size_limit(1 << 22)
            .build()
            .or_else(|_| {
                RegexBuilder::new(&pat)
                    .case_insensitive(true)
                    .size_limit(1 << 22)
                    .build()
            })
            .map_err(|e| {
                let detail = e.to_string();
                let last = detail
                    .lines()
                    .rfind(|l| !l.trim().is_empty())
                    .unwrap_or("")
                    .trim();
                let last = last.strip_prefix("error: ").unwrap_or(last);
                err(b, format!("Regex compilation error: {last}."))
            })?;
        Ok(Test::Matches(x, Box::new(re), pat))
    }

    fn member(&mut self, a: &Ent, set: &[(Ent, Option<Ent>)]) -> Result<Test, FilterError> {
        let (x, t, h) = match self.infer(a)? {
            Typed::Known(x, t, h) => (x, t, h),
            Typed::Lit(l) => {
                return Err(err(
                    &l,
                    "Only a field may be tested for membership in a set.",
                ))
            }
        };
        if t == Ty::None {
            return Err(err(
                a,
                format!(
                    "{} (type={}) cannot participate in in comparison.",
                    self.name_of(&x, a),
                    Self::ptype(&x, t)
                ),
            ));
        }
        let mut out = Vec::with_capacity(set.len());
        for (lo, hi) in set {
            let lo_x = self.rhs(&x, t, h, a, lo, "in")?;
            let hi_x = match hi {
                Some(hi) => Some(self.rhs(&x, t, h, a, hi, "in")?),
                None => None,
            };
            out.push((lo_x, hi_x));
        }
        Ok(Test::In(x, out))
    }

    /// Converts a literal to type `t` (for the field `h` when given).
    fn literal(&self, l: &Ent, t: Ty, h: Option<FieldRef>) -> Result<Const, FilterError> {
        let ft = h
            .map(|f| f.ftype.wireshark_name())
            .unwrap_or_else(|| t.ws_name());
        let ptype = h.map(|f| pretty(f.ftype)).unwrap_or_else(|| t.pretty());
        let v = match &l.kind {
            EntKind::Char(c) => {
                let v = *c as i128;
                match t {
                    Ty::Int | Ty::Bool => CVal::Int(v),
                    Ty::Float => CVal::Float(v as f64),
                    Ty::Bytes | Ty::Proto | Ty::Ether if *c <= 0xff => CVal::Bytes(vec![*c as u8]),
                    Ty::Str => CVal::Str(
                        char::from_u32(*c)
                            .unwrap_or('\u{fffd}')
                            .to_string()
                            .into_bytes(),
                    ),
                    _ => {
                        return Err(err(
                            l,
                            format!("{ptype} cannot be converted from a character constant."),
                        ))
                    }
                }
            }
            EntKind::Str(bytes) => {
                let s = String::from_utf8_lossy(bytes);
                match t {
                    Ty::Int | Ty::Bool => match named_value(&s, t, h) {
                        Some(v) => CVal::Int(v),
                        None if t == Ty::Bool || h.is_some_and(|f| f.strings.is_some()) => {
                            return Err(err(l, not_among(&s, h)));
                        }
                        None => {
                            return Err(err(
                                l,
                                format!("{ptype} cannot be converted from a string (\"{s}\")."),
                            ));
                        }
                    },
                    Ty::AbsTime => {
                        CVal::Time(parse_abs_time(&s).ok_or_else(|| err(l, bad_time(&s)))?)
                    }
                    Ty::Bytes | Ty::Proto => CVal::Bytes(bytes.clone()),
                    Ty::Str => CVal::Str(bytes.clone()),
                    _ => {
                        return Err(err(
                            l,
                            format!("{ptype} cannot be converted from a string (\"{s}\")."),
                        ))
                    }
                }
            }
            EntKind::Word(_) | EntKind::Neg(_) => {
                let text = match &l.kind {
                    EntKind::Word(w) => w.clone(),
                    _ => self.text(l),
                };
                let text = text.as_str();
                match t {
                    Ty::Int | Ty::Bool => CVal::Int(int_literal(l, text, t, h)?),
                    Ty::Float => CVal::Float(
                        parse_float(text).ok_or_else(|| err(l, format!("\"{text}\" is not a valid number.")))?,
                    ),
                    Ty::RelTime => CVal::Time(
                        parse_rel_time(text).ok_or_else(|| err(l, format!("\"{text}\" is not a valid time.")))?,
                    ),
                    Ty::AbsTime => CVal::Time(parse_abs_time(text).ok_or_else(|| err(l, bad_time(text)))?),
                    Ty::V4 => {
                        let (a, m) = parse_v4(text).map_err(|m| err(l, m))?;
                        CVal::V4(a, m)
                    }
                    Ty::V6 => {
                        let (a, p) = parse_v6(text).map_err(|m| err(l, m))?;
                        CVal::V6(a, p)
                    }
                    Ty::Ether => match parse_bytes(text) {
                        Some(b) if b.len() == 6 => CVal::Bytes(b),
                        Some(b) if b.len() < 6 => {
                            return Err(err(
                                l,
                                format!("\"{text}\" contains too few bytes to be a valid Ethernet address."),
                            ))
                        }
                        Some(_) => {
                            return Err(err(
                                l,
                                format!("\"{text}\" contains too many bytes to be a valid Ethernet address."),
                            ))
                        }
                        None => return Err(err(l, format!("\"{text}\" is not a valid Ethernet address."))),
                    },
                    Ty::Bytes => CVal::Bytes(
                        parse_bytes(text).ok_or_else(|| err(l, format!("\"{text}\" is not a valid byte string.")))?,
                    ),
                    Ty::Proto => CVal::Bytes(parse_bytes(text).unwrap_or_else(|| text.as_bytes().to_vec())),
                    Ty::Str => CVal::Str(text.as_bytes().to_vec()),
                    Ty::None => return Err(err(l, format!("\"{text}\" cannot be compared with a field of type Label."))),
                }
            }
            _ => return Err(err(l, "Constant expression is invalid.")),
        };
        Ok(Const { v, ft })
    }
}

fn bad_time(s: &str) -> String {
    format!(
        "\"{s}\" is not a valid absolute time. Example: \"Nov 12, 1999 08:55:44.123\" or \"2011-07-04 12:34:56\""
    )
}

fn not_among(s: &str, h: Option<FieldRef>) -> String {
    let name = h.map(|f| f.abbrev).unwrap_or("the field");
    format!("\"{s}\" cannot be found among the possible values for {name}.")
}

/// A value name of an integer field, or a name of a boolean's values.
fn named_value(s: &str, t: Ty, h: Option<FieldRef>) -> Option<i128> {
    if t == Ty::Bool {
        let (tn, fnm) = h.and_then(|f| f.tfs).unwrap_or(("True", "False"));
        if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case(tn) {
            return Some(1);
        }
        if s.eq_ignore_ascii_case("false") || s.eq_ignore_ascii_case(fnm) {
            return Some(0);
        }
        return None;
    }
    let strings = h?.strings?;
    strings
        .iter()
        .find(|(_, n)| n.eq_ignore_ascii_case(s))
        .map(|(v, _)| *v as i128)
}

fn int_bounds(h: Option<FieldRef>) -> (i128, i128) {
    let Some(f) = h else {
        return (i64::MIN as i128, u64::MAX as i128);
    };
    match f.ftype {
        FieldType::U8 => (0, u8::MAX as i128),
        FieldType::U16 => (0, u16::MAX as i128),
        FieldType::U24 => (0, 0xff_ffff),
        FieldType::U32 | FieldType::FrameNum => (0, u32::MAX as i128),
        FieldType::U64 => (0, u64::MAX as i128),
        FieldType::I8 => (i8::MIN as i128, i8::MAX as i128),
        FieldType::I16 => (i16::MIN as i128, i16::MAX as i128),
        FieldType::I32 => (i32::MIN as i128, i32::MAX as i128),
        FieldType::I64 => (i64::MIN as i128, i64::MAX as i128),
        _ => (i64::MIN as i128, u64::MAX as i128),
    }
}

/// An integer literal: decimal, `0x` hex, `0` octal, `0b` binary, a value
/// name of the field, or (booleans) a name of its true/false values. A
/// negative literal for an unsigned field wraps to 64 bits, as in tshark.
fn int_literal(l: &Ent, text: &str, t: Ty, h: Option<FieldRef>) -> Result<i128, FilterError> {
    match parse_int(text) {
        Ok(v) => {
            if t == Ty::Bool {
                return Ok((v != 0) as i128);
            }
            let (min, max) = int_bounds(h);
            if v < 0 && is_unsigned(h) {
                return Ok((v as i64 as u64) as i128);
            }
            if v > max {
                return Err(err(
                    l,
                    format!("\"{text}\" too big for this field, maximum {max}."),
                ));
            }
            if v < min {
                return Err(err(
                    l,
                    format!("\"{text}\" too small for this field, minimum {min}."),
                ));
            }
            Ok(v)
        }
        Err(IntErr::Overflow) => Err(err(l, format!("\"{text}\" causes an integer overflow."))),
        Err(IntErr::Invalid) => {
            if let Some(v) = named_value(text, t, h) {
                return Ok(v);
            }
            if t == Ty::Bool || h.is_some_and(|f| f.strings.is_some()) {
                return Err(err(l, not_among(text, h)));
            }
            Err(err(l, format!("\"{text}\" is not a valid number.")))
        }
    }
}

/// Why a text is not an integer.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum IntErr {
    /// Not a number.
    Invalid,
    /// A number too large for 64 bits.
    Overflow,
}

pub(crate) fn parse_int(s: &str) -> Result<i128, IntErr> {
    let (neg, t) = match s.strip_prefix('-') {
        Some(t) => (true, t),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (digits, radix) = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (h, 16)
    } else if let Some(b) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
        (b, 2)
    } else if t.len() > 1 && t.starts_with('0') {
        (&t[1..], 8)
    } else {
        (t, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(IntErr::Invalid);
    }
    let v = u64::from_str_radix(digits, radix).map_err(|_| IntErr::Overflow)? as i128;
    Ok(if neg { -v } else { v })
}

fn parse_float(s: &str) -> Option<f64> {
    if let Ok(v) = parse_int(s) {
        return Some(v as f64);
    }
    let ok = s
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E'));
    if !ok {
        return None;
    }
    s.parse::<f64>().ok()
}

/// A relative time: `[-]seconds[.fraction]`, nanoseconds.
fn parse_rel_time(s: &str) -> Option<i128> {
    let (neg, t) = match s.strip_prefix('-') {
        Some(t) => (true, t),
        None => (false, s),
    };
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    if !whole.bytes().all(|c| c.is_ascii_digit())
        || !frac.bytes().all(|c| c.is_ascii_digit())
        || frac.len() > 9
    {
        return None;
    }
    let secs: i128 = if whole.is_empty() {
        0
    } else {
        whole.parse::<u64>().ok()? as i128
    };
    let mut nanos: i128 = 0;
    for (k, c) in frac.bytes().enumerate() {
        nanos += (c - b'0') as i128 * 10i128.pow(8 - k as u32);
    }
    let v = secs * 1_000_000_000 + nanos;
    Some(if neg { -v } else { v })
}

fn parse_v4(s: &str) -> Result<(u32, u32), String> {
    let (addr, bits) = match s.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let a: std::net::Ipv4Addr = addr
        .parse()
        .map_err(|_| format!("\"{s}\" is not a valid hostname or IPv4 address."))?;
    let mask = match bits {
        None => u32::MAX,
        Some(b) => {
            let n: u32 = b
                .parse()
                .map_err(|_| format!("\"{s}\" is not a valid hostname or IPv4 address."))?;
            if n > 32 {
                return Err(format!(
                    "Netmask bits in a CIDR IPv4 address should be <= 32, not {n}"
                ));
            }
            if n == 0 {
                0
            } else {
                u32::MAX << (32 - n)
            }
        }
    };
    Ok((u32::from(a), mask))
}

fn parse_v6(s: &str) -> Result<([u8; 16], u8), String> {
    let (addr, bits) = match s.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let a: std::net::Ipv6Addr = addr
        .parse()
        .map_err(|_| format!("\"{s}\" is not a valid hostname or IPv6 address."))?;
    let p = match bits {
        None => 128,
        Some(b) => {
            let n: u32 = b
                .parse()
                .map_err(|_| format!("\"{s}\" is not a valid hostname or IPv6 address."))?;
            if n > 128 {
                return Err(format!(
                    "Prefix in a IPv6 address should be <= 128, not {n}"
                ));
            }
            n as u8
        }
    };
    Ok((a.octets(), p))
}

/// A byte string: `aa:bb:cc`, `aa-bb`, `aa.bb`, `aabb.ccdd.eeff`, plain
/// hex of even length, or a single byte `a`/`aa`/`0xaa`.
pub(crate) fn parse_bytes(s: &str) -> Option<Vec<u8>> {
    let hex = |p: &str| -> Option<Vec<u8>> {
        if p.is_empty() || !p.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        if p.len() == 1 {
            return u8::from_str_radix(p, 16).ok().map(|b| vec![b]);
        }
        if p.len() % 2 != 0 {
            return None;
        }
        (0..p.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&p[i..i + 2], 16).ok())
            .collect()
    };
    // tshark 4.0 also takes one byte written as `0xNN`.
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return if h.len() == 2 { hex(h) } else { None };
    }
    let sep = s.bytes().find(|c| matches!(c, b':' | b'-' | b'.'));
    match sep {
        None => hex(s),
        Some(sep) => {
            let parts: Vec<&str> = s.split(sep as char).collect();
            if s.bytes()
                .any(|c| matches!(c, b':' | b'-' | b'.') && c != sep)
            {
                return None;
            }
            // aabb.ccdd.eeff (Cisco MAC form)
            if sep == b'.' && parts.len() == 3 && parts.iter().all(|p| p.len() == 4) {
                return hex(&parts.concat());
            }
            let mut out = Vec::with_capacity(parts.len());
            for p in parts {
                if p.is_empty() || p.len() > 2 {
                    return None;
                }
                out.extend(hex(p)?);
            }
            Some(out)
        }
    }
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// An absolute time in UTC: `2011-07-04 12:34:56[.frac]`, with `T` or a
/// trailing `Z` allowed, or `Nov 12, 1999 08:55:44[.frac]`; nanoseconds
/// since the epoch.
fn parse_abs_time(s: &str) -> Option<i128> {
    let s = s.trim().trim_end_matches('Z').trim_end_matches(" UTC");
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let (date, time) = if s.len() > 3 && s.as_bytes()[..3].iter().all(|c| c.is_ascii_alphabetic()) {
        let m = MONTHS.iter().position(|m| s[..3].eq_ignore_ascii_case(m))? as i64 + 1;
        let rest = s[3..].trim_start();
        let (d, rest) = rest.split_once(',')?;
        let rest = rest.trim_start();
        let (y, t) = rest.split_once(' ').unwrap_or((rest, "00:00:00"));
        (
            (
                y.trim().parse::<i64>().ok()?,
                m,
                d.trim().parse::<i64>().ok()?,
            ),
            t.trim(),
        )
    } else {
        let (d, t) = s.split_once([' ', 'T']).unwrap_or((s, "00:00:00"));
        let mut it = d.split('-');
        let y = it.next()?.parse::<i64>().ok()?;
        let m = it.next()?.parse::<i64>().ok()?;
        let dd = it.next()?.parse::<i64>().ok()?;
        if it.next().is_some() {
            return None;
        }
        ((y, m, dd), t.trim())
    };
    let (y, m, d) = date;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(0..=9999).contains(&y) {
        return None;
    }
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut it = hms.split(':');
    let hh = it.next()?.parse::<i64>().ok()?;
    let mm = it.next().unwrap_or("0").parse::<i64>().ok()?;
    let ss = it.next().unwrap_or("0").parse::<i64>().ok()?;
    if it.next().is_some() || hh > 23 || mm > 59 || ss > 60 || hh < 0 || mm < 0 || ss < 0 {
        return None;
    }
    if frac.len() > 9 || !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut nanos: i128 = 0;
    for (k, c) in frac.bytes().enumerate() {
        nanos += (c - b'0') as i128 * 10i128.pow(8 - k as u32);
    }
    let secs = days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
    Some(secs as i128 * 1_000_000_000 + nanos)
}

// ---- dftest ----

fn indent(depth: usize, s: &mut String) {
    s.extend(std::iter::repeat_n(' ', 1 + 2 * depth));
    let _ = write!(s, "{depth} ");
}

fn ranges_text(r: &[RangeSpec]) -> String {
    let mut s = String::new();
    for (i, x) in r.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        match x.end {
            RangeEnd::Len(l) => {
                let _ = write!(s, "{}:{}", x.start, l);
            }
            RangeEnd::End(e) => {
                let _ = write!(s, "{}-{}", x.start, e);
            }
            RangeEnd::ToEnd => {
                let _ = write!(s, "{}:", x.start);
            }
        }
    }
    s
}

pub(crate) fn const_text(c: &CVal, s: &mut String) {
    match c {
        CVal::Int(v) => {
            let _ = write!(s, "{v}");
        }
        CVal::Float(v) => {
            let _ = write!(s, "{v}");
        }
        CVal::V4(a, m) => {
            let _ = write!(s, "{}", std::net::Ipv4Addr::from(*a));
            if *m != u32::MAX {
                let _ = write!(s, "/{}", m.count_ones());
            }
        }
        CVal::V6(a, p) => {
            let _ = write!(s, "{}", std::net::Ipv6Addr::from(*a));
            if *p != 128 {
                let _ = write!(s, "/{p}");
            }
        }
        CVal::Bytes(b) => {
            for (i, x) in b.iter().enumerate() {
                if i > 0 {
                    s.push(':');
                }
                let _ = write!(s, "{x:02x}");
            }
        }
        CVal::Str(b) => {
            let _ = write!(s, "{:?}", String::from_utf8_lossy(b));
        }
        CVal::Time(ns) => {
            let neg = *ns < 0;
            let a = ns.unsigned_abs();
            let _ = write!(
                s,
                "{}{}.{:09}",
                if neg { "-" } else { "" },
                a / 1_000_000_000,
                a % 1_000_000_000
            );
        }
    }
}

fn dump_expr(x: &Expr, depth: usize, s: &mut String) {
    indent(depth, s);
    match x {
        Expr::Field(f, layer) => {
            let _ = write!(s, "FIELD({}", f.abbrev);
            if let Some(l) = layer {
                let _ = write!(s, "#[{}]", ranges_text(l));
            }
            let _ = writeln!(s, " <{}>)", f.ftype.wireshark_name());
        }
        Expr::Ref(f) => {
            let _ = writeln!(
                s,
                "REFERENCE(${{{}}} <{}>)",
                f.abbrev,
                f.ftype.wireshark_name()
            );
        }
        Expr::Const(c) => {
            s.push_str("FVALUE(");
            const_text(&c.v, s);
            let _ = writeln!(s, " <{}>)", c.ft);
        }
        Expr::Slice(inner, r) => {
            let _ = writeln!(s, "SLICE[{}]:", ranges_text(r));
            dump_expr(inner, depth + 1, s);
        }
        Expr::Func(f, args) => {
            let _ = writeln!(s, "FUNCTION({}):", f.name());
            for a in args {
                dump_expr(a, depth + 1, s);
            }
        }
        Expr::Arith(op, a, b) => {
            let _ = writeln!(s, "{}:", op.name());
            dump_expr(a, depth + 1, s);
            dump_expr(b, depth + 1, s);
        }
        Expr::Neg(a) => {
            s.push_str("OP_UNARY_MINUS:\n");
            dump_expr(a, depth + 1, s);
        }
    }
}

/// Writes the compiled tree the way Wireshark's dftest shows its syntax tree.
pub(crate) fn dump(t: &Test, depth: usize, s: &mut String) {
    indent(depth, s);
    match t {
        Test::Exists(f, layer) => {
            let _ = write!(s, "FIELD({}", f.abbrev);
            if let Some(l) = layer {
                let _ = write!(s, "#[{}]", ranges_text(l));
            }
            let _ = writeln!(s, " <{}>)", f.ftype.wireshark_name());
        }
        Test::Not(a) => {
            s.push_str("TEST_NOT:\n");
            dump(a, depth + 1, s);
        }
        Test::And(a, b) | Test::Or(a, b) => {
            s.push_str(if matches!(t, Test::And(..)) {
                "TEST_AND:\n"
            } else {
                "TEST_OR:\n"
            });
            dump(a, depth + 1, s);
            dump(b, depth + 1, s);
        }
        Test::Cmp(op, a, b) => {
            let _ = writeln!(s, "{}:", op.test_name());
            dump_expr(a, depth + 1, s);
            dump_expr(b, depth + 1, s);
        }
        Test::Contains(a, b) => {
            s.push_str("TEST_CONTAINS:\n");
            dump_expr(a, depth + 1, s);
            dump_expr(b, depth + 1, s);
        }
        Test::Matches(a, _, pat) => {
            s.push_str("TEST_MATCHES:\n");
            dump_expr(a, depth + 1, s);
            indent(depth + 1, s);
            let _ = writeln!(s, "PCRE({pat})");
        }
        Test::In(a, set) => {
            s.push_str("TEST_IN:\n");
            dump_expr(a, depth + 1, s);
            indent(depth + 1, s);
            s.push_str("SET(");
            let n = s.len();
            for (i, (lo, hi)) in set.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                set_item(lo, s);
                if let Some(hi) = hi {
                    s.push_str("..");
                    set_item(hi, s);
                }
            }
            let _ = n;
            s.push_str(")\n");
        }
        Test::Truthy(x) => {
            s.push_str("TEST_NONZERO:\n");
            dump_expr(x, depth + 1, s);
        }
    }
}

fn set_item(x: &Expr, s: &mut String) {
    match x {
        Expr::Const(c) => {
            const_text(&c.v, s);
            let _ = write!(s, " <{}>", c.ft);
        }
        Expr::Field(f, _) | Expr::Ref(f) => s.push_str(f.abbrev),
        _ => s.push_str("<expr>"),
    }
}
