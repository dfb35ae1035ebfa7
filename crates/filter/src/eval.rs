//! The evaluator: walks a compiled test over a packet's nodes.
//!
//! Values are produced by callbacks (`each`), one occurrence at a time, so
//! nothing is collected; values computed at run time (concatenated slices,
//! `lower()`, `string()`, bitwise-and of byte strings) go into one scratch
//! arena per thread that is cleared, never freed, between packets.

use std::cell::RefCell;
use std::cmp::Ordering;

use wirelab_dissect::{FieldRef, FieldType, Node, Packet, Value, NIL};

use crate::check::{CVal, Expr, Func, Test};
use crate::lex::CmpOp;
use crate::parse::{ArOp, RangeEnd, RangeSpec};

thread_local! {
    static SCRATCH: RefCell<(Vec<u8>, String)> = const { RefCell::new((Vec::new(), String::new())) };
}

/// A value during evaluation. Byte values borrow the packet, the frame or
/// the filter's constants, or live in the arena (`A…`: start, length).
#[derive(Clone, Copy, Debug)]
enum V<'a> {
    Int(i128),
    Float(f64),
    V4(u32, u32),
    V6(&'a [u8; 16], u8),
    Bytes(&'a [u8]),
    Str(&'a [u8]),
    ABytes(usize, usize),
    AStr(usize, usize),
    Time(i128),
}

struct Cx<'a> {
    pkt: &'a Packet,
    frame: &'a [u8],
    reference: Option<(&'a Packet, &'a [u8])>,
    arena: Vec<u8>,
    fmt: String,
}

impl Cx<'_> {
    fn bytes<'s>(&'s self, v: &V<'s>) -> Option<&'s [u8]> {
        match *v {
            V::Bytes(b) | V::Str(b) => Some(b),
            V::ABytes(s, l) | V::AStr(s, l) => self.arena.get(s..s.checked_add(l)?),
            _ => None,
        }
    }
}

/// Evaluates `t` on a packet.
pub(crate) fn run(
    t: &Test,
    pkt: &Packet,
    frame: &[u8],
    reference: Option<(&Packet, &[u8])>,
) -> bool {
    SCRATCH.with(|s| {
        let (arena, fmt) = match s.try_borrow_mut() {
            Ok(mut b) => (std::mem::take(&mut b.0), std::mem::take(&mut b.1)),
            Err(_) => (Vec::new(), String::new()),
        };
        let mut cx = Cx {
            pkt,
            frame,
            reference,
            arena,
            fmt,
        };
        let r = test(t, &mut cx);
        cx.arena.clear();
        cx.fmt.clear();
        if let Ok(mut b) = s.try_borrow_mut() {
            b.0 = cx.arena;
            b.1 = cx.fmt;
        }
        r
    })
}

fn range_bytes<'a>(pkt: &'a Packet, frame: &'a [u8], n: &Node) -> &'a [u8] {
    let src = pkt.source(frame, n.ds);
    let s = n.start as usize;
    let e = s.saturating_add(n.len as usize).min(src.len());
    src.get(s.min(e)..e).unwrap_or(&[])
}

/// The bytes a slice, `contains` or `len()` sees for a node: a string's or
/// byte string's own bytes, otherwise the node's bytes in the packet.
fn raw_bytes<'a>(pkt: &'a Packet, frame: &'a [u8], n: &'a Node) -> &'a [u8] {
    match n.value {
        Value::Str(sp) | Value::Bytes(sp) => pkt.span_bytes(frame, sp),
        Value::Ether(ref a) => &a[..],
        _ => range_bytes(pkt, frame, n),
    }
}

fn node_val<'a>(pkt: &'a Packet, frame: &'a [u8], n: &'a Node) -> V<'a> {
    match n.value {
        Value::UInt(v) => V::Int(v as i128),
        Value::Int(v) => V::Int(v as i128),
        Value::Bool(b) => V::Int(b as i128),
        Value::Double(f) => V::Float(f),
        Value::Ipv4(a) => V::V4(u32::from_be_bytes(a), u32::MAX),
        Value::Ipv6(ref a) => V::V6(a, 128),
        Value::Ether(ref a) => V::Bytes(&a[..]),
        Value::Bytes(sp) => V::Bytes(pkt.span_bytes(frame, sp)),
        Value::Str(sp) => {
            if n.field.ftype == FieldType::String {
                V::Str(pkt.span_bytes(frame, sp))
            } else {
                V::Bytes(pkt.span_bytes(frame, sp))
            }
        }
        Value::Time { secs, nanos } => V::Time(secs as i128 * 1_000_000_000 + nanos as i128),
        Value::None => V::Bytes(range_bytes(pkt, frame, n)),
    }
}

/// Which occurrence of its protocol a node is in (1-based), as `#n` counts.
fn layer_of(pkt: &Packet, idx: usize) -> i64 {
    let mut i = idx as u32;
    let mut guard = pkt.nodes.len();
    let proto = loop {
        let Some(n) = pkt.nodes.get(i as usize) else {
            return 1;
        };
        if n.field.ftype == FieldType::Protocol {
            break i as usize;
        }
        if n.parent == NIL || guard == 0 {
            return 1;
        }
        guard -= 1;
        i = n.parent;
    };
    let pf = pkt.nodes[proto].field;
    1 + pkt.nodes[..proto]
        .iter()
        .filter(|n| std::ptr::eq(n.field, pf))
        .count() as i64
}

fn in_layers(l: i64, ranges: &[RangeSpec]) -> bool {
    ranges.iter().any(|r| match r.end {
        RangeEnd::Len(n) => l >= r.start && l < r.start.saturating_add(n),
        RangeEnd::End(e) => l >= r.start && l <= e,
        RangeEnd::ToEnd => l >= r.start,
    })
}

/// Receives nodes: the packet and frame they are in, and the node.
type NodeSink<'s, 'a> = &'s mut dyn FnMut(&mut Cx<'a>, &'a Packet, &'a [u8], &'a Node) -> bool;

type Sink<'s, 'a> = &'s mut dyn FnMut(&mut Cx<'a>, V<'a>) -> bool;

/// Calls `f` on each node of `fld` (in `layer`), with the packet it is in;
/// stops and returns true when `f` does.
fn each_node<'a>(
    fld: FieldRef,
    layer: Option<&[RangeSpec]>,
    reference: bool,
    cx: &mut Cx<'a>,
    f: NodeSink<'_, 'a>,
) -> bool {
    let (pkt, frame) = if reference {
        match cx.reference {
            Some(r) => r,
            None => return false,
        }
    } else {
        (cx.pkt, cx.frame)
    };
    for (i, n) in pkt.nodes.iter().enumerate() {
        if !std::ptr::eq(n.field, fld) {
            continue;
        }
        if let Some(l) = layer {
            if !in_layers(layer_of(pkt, i), l) {
                continue;
            }
        }
        if f(cx, pkt, frame, n) {
            return true;
        }
    }
    false
}

fn const_val(c: &CVal) -> V<'_> {
    match c {
        CVal::Int(v) => V::Int(*v),
        CVal::Float(v) => V::Float(*v),
        CVal::V4(a, m) => V::V4(*a, *m),
        CVal::V6(a, p) => V::V6(a, *p),
        CVal::Bytes(b) => V::Bytes(b),
        CVal::Str(b) => V::Str(b),
        CVal::Time(t) => V::Time(*t),
    }
}

/// The bytes of each value of `x` (raw bytes for fields), as byte values.
fn each_raw<'a>(x: &'a Expr, cx: &mut Cx<'a>, f: Sink<'_, 'a>) -> bool {
    match x {
        Expr::Field(fld, layer) => {
            each_node(fld, layer.as_deref(), false, cx, &mut |cx, p, fr, n| {
                f(cx, V::Bytes(raw_bytes(p, fr, n)))
            })
        }
        Expr::Ref(fld) => each_node(fld, None, true, cx, &mut |cx, p, fr, n| {
            f(cx, V::Bytes(raw_bytes(p, fr, n)))
        }),
        _ => each(x, cx, f),
    }
}

fn resolve_range(r: &RangeSpec, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let s = if r.start < 0 {
        len.checked_add(r.start)?
    } else {
        r.start
    };
    if s < 0 || s > len {
        return None;
    }
    let e = match r.end {
        RangeEnd::Len(n) => s.checked_add(n)?,
        RangeEnd::End(e) => (if e < 0 { len.checked_add(e)? } else { e }).checked_add(1)?,
        RangeEnd::ToEnd => len,
    };
    if e < s || e > len {
        return None;
    }
    Some((s as usize, e as usize))
}

fn slice<'a>(cx: &mut Cx<'a>, v: V<'a>, ranges: &[RangeSpec]) -> Option<V<'a>> {
    let total = cx.bytes(&v)?.len();
    if let [r] = ranges {
        let (s, e) = resolve_range(r, total)?;
        return Some(match v {
            V::Bytes(b) | V::Str(b) => V::Bytes(b.get(s..e)?),
            V::ABytes(a, _) | V::AStr(a, _) => V::ABytes(a + s, e - s),
            _ => return None,
        });
    }
    let start = cx.arena.len();
    for r in ranges {
        let Some((s, e)) = resolve_range(r, total) else {
            cx.arena.truncate(start);
            return None;
        };
        match v {
            V::Bytes(b) | V::Str(b) => cx.arena.extend_from_slice(b.get(s..e)?),
            V::ABytes(a, _) | V::AStr(a, _) => cx.arena.extend_from_within(a + s..a + e),
            _ => return None,
        }
    }
    Some(V::ABytes(start, cx.arena.len() - start))
}

fn arith<'a>(cx: &mut Cx<'a>, op: ArOp, a: V<'a>, b: V<'a>) -> Option<V<'a>> {
    let fl = |x: f64, y: f64| -> Option<V<'a>> {
        Some(V::Float(match op {
            ArOp::Add => x + y,
            ArOp::Sub => x - y,
            ArOp::Mul => x * y,
            ArOp::Div => x / y,
            ArOp::Mod => x % y,
            ArOp::BitAnd => return None,
        }))
    };
    match (a, b) {
        (V::Int(x), V::Int(y)) => Some(V::Int(match op {
            ArOp::Add => x.checked_add(y)?,
            ArOp::Sub => x.checked_sub(y)?,
            ArOp::Mul => x.checked_mul(y)?,
            ArOp::Div => x.checked_div(y)?,
            ArOp::Mod => x.checked_rem(y)?,
            ArOp::BitAnd => x & y,
        })),
        (V::Int(x), V::Float(y)) => fl(x as f64, y),
        (V::Float(x), V::Int(y)) => fl(x, y as f64),
        (V::Float(x), V::Float(y)) => fl(x, y),
        (V::Time(x), V::Time(y)) => Some(V::Time(match op {
            ArOp::Add => x.checked_add(y)?,
            ArOp::Sub => x.checked_sub(y)?,
            _ => return None,
        })),
        _ if op == ArOp::BitAnd => {
            let n = cx.bytes(&a)?.len().min(cx.bytes(&b)?.len());
            let start = cx.arena.len();
            for i in 0..n {
                let x = cx.bytes(&a).and_then(|s| s.get(i).copied()).unwrap_or(0);
                let y = cx.bytes(&b).and_then(|s| s.get(i).copied()).unwrap_or(0);
                cx.arena.push(x & y);
            }
            Some(V::ABytes(start, n))
        }
        _ => None,
    }
}

fn each<'a>(x: &'a Expr, cx: &mut Cx<'a>, f: Sink<'_, 'a>) -> bool {
    match x {
        Expr::Field(fld, layer) => {
            each_node(fld, layer.as_deref(), false, cx, &mut |cx, p, fr, n| {
                f(cx, node_val(p, fr, n))
            })
        }
        Expr::Ref(fld) => each_node(fld, None, true, cx, &mut |cx, p, fr, n| {
            f(cx, node_val(p, fr, n))
        }),
        Expr::Const(c) => f(cx, const_val(&c.v)),
        Expr::Slice(inner, ranges) => {
            each_raw(inner, cx, &mut |cx, v| match slice(cx, v, ranges) {
                Some(s) => f(cx, s),
                None => false,
            })
        }
        Expr::Arith(op, a, b) => each(a, cx, &mut |cx, va| {
            each(b, cx, &mut |cx, vb| match arith(cx, *op, va, vb) {
                Some(v) => f(cx, v),
                None => false,
            })
        }),
        Expr::Neg(a) => each(a, cx, &mut |cx, v| match v {
            V::Int(i) => f(cx, V::Int(-i)),
            V::Float(x) => f(cx, V::Float(-x)),
            V::Time(t) => f(cx, V::Time(-t)),
            _ => false,
        }),
        Expr::Func(func, args) => each_func(*func, args, cx, f),
    }
}

fn each_func<'a>(func: Func, args: &'a [Expr], cx: &mut Cx<'a>, f: Sink<'_, 'a>) -> bool {
    let Some(arg) = args.first() else {
        return false;
    };
    match func {
        Func::Len => each_raw(arg, cx, &mut |cx, v| {
            let n = cx.bytes(&v).map(|b| b.len()).unwrap_or(0);
            f(cx, V::Int(n as i128))
        }),
        Func::Count => {
            let mut n = 0i128;
            if let Expr::Field(fld, layer) = arg {
                each_node(fld, layer.as_deref(), false, cx, &mut |_, _, _, _| {
                    n += 1;
                    false
                });
            }
            f(cx, V::Int(n))
        }
        Func::Lower | Func::Upper => each(arg, cx, &mut |cx, v| {
            let start = cx.arena.len();
            let Some(len) = cx.bytes(&v).map(|b| b.len()) else {
                return false;
            };
            for i in 0..len {
                let c = cx.bytes(&v).and_then(|b| b.get(i).copied()).unwrap_or(0);
                cx.arena.push(if func == Func::Lower {
                    c.to_ascii_lowercase()
                } else {
                    c.to_ascii_uppercase()
                });
            }
            f(cx, V::AStr(start, len))
        }),
        Func::String => {
            let (fld, layer, reference) = match arg {
                Expr::Field(fld, layer) => (*fld, layer.as_deref(), false),
                Expr::Ref(fld) => (*fld, None, true),
                _ => return false,
            };
            each_node(fld, layer, reference, cx, &mut |cx, p, fr, n| {
                cx.fmt.clear();
                // tshark 4.0's string() shows integers in decimal whatever
                // their display base (string(tcp.flags) == "24").
                match n.value {
                    wirelab_dissect::Value::UInt(v)
                        if n.field.ftype != wirelab_dissect::FieldType::Bool =>
                    {
                        use std::fmt::Write as _;
                        let _ = write!(cx.fmt, "{v}");
                    }
                    wirelab_dissect::Value::Int(v) => {
                        use std::fmt::Write as _;
                        let _ = write!(cx.fmt, "{v}");
                    }
                    _ => p.fmt_value(fr, n, &mut cx.fmt),
                }
                let start = cx.arena.len();
                let Cx { arena, fmt, .. } = &mut *cx;
                arena.extend_from_slice(fmt.as_bytes());
                let len = fmt.len();
                f(cx, V::AStr(start, len))
            })
        }
        Func::Abs => each(arg, cx, &mut |cx, v| match v {
            V::Int(i) => f(cx, V::Int(i.abs())),
            V::Float(x) => f(cx, V::Float(x.abs())),
            V::Time(t) => f(cx, V::Time(t.abs())),
            _ => false,
        }),
        Func::Max | Func::Min => {
            let mut best: Option<V<'a>> = None;
            for a in args {
                each(a, cx, &mut |cx, v| {
                    let better = match best {
                        None => true,
                        Some(b) => match order(cx, &v, &b) {
                            Some(Ordering::Greater) => func == Func::Max,
                            Some(Ordering::Less) => func == Func::Min,
                            _ => false,
                        },
                    };
                    if better {
                        best = Some(v);
                    }
                    false
                });
            }
            match best {
                Some(b) => f(cx, b),
                None => false,
            }
        }
    }
}

fn v6_prefix_cmp(a: &[u8; 16], b: &[u8; 16], bits: u8) -> Ordering {
    let mut left = bits as u32;
    for i in 0..16 {
        if left == 0 {
            return Ordering::Equal;
        }
        let mask: u8 = if left >= 8 {
            0xff
        } else {
            0xffu8 << (8 - left)
        };
        let o = (a[i] & mask).cmp(&(b[i] & mask));
        if o != Ordering::Equal {
            return o;
        }
        left = left.saturating_sub(8);
    }
    Ordering::Equal
}

fn is_str(v: &V<'_>) -> bool {
    matches!(v, V::Str(_) | V::AStr(..))
}

fn order(cx: &Cx<'_>, a: &V<'_>, b: &V<'_>) -> Option<Ordering> {
    match (*a, *b) {
        (V::Int(x), V::Int(y)) => Some(x.cmp(&y)),
        (V::Int(x), V::Float(y)) => (x as f64).partial_cmp(&y),
        (V::Float(x), V::Int(y)) => x.partial_cmp(&(y as f64)),
        (V::Float(x), V::Float(y)) => x.partial_cmp(&y),
        (V::Time(x), V::Time(y)) => Some(x.cmp(&y)),
        (V::V4(x, mx), V::V4(y, my)) => {
            let m = mx & my;
            Some((x & m).cmp(&(y & m)))
        }
        (V::V6(x, px), V::V6(y, py)) => Some(v6_prefix_cmp(x, y, px.min(py))),
        _ => {
            let x = cx.bytes(a)?;
            let y = cx.bytes(b)?;
            if is_str(a) || is_str(b) {
                Some(x.cmp(y))
            } else {
                // Byte strings order by length first, as Wireshark's FT_BYTES.
                Some(x.len().cmp(&y.len()).then_with(|| x.cmp(y)))
            }
        }
    }
}

fn rel(op: CmpOp, o: Option<Ordering>) -> bool {
    match (op, o) {
        (_, None) => matches!(op, CmpOp::AllNe | CmpOp::AnyNe),
        (CmpOp::AnyEq | CmpOp::AllEq, Some(o)) => o == Ordering::Equal,
        (CmpOp::AllNe | CmpOp::AnyNe, Some(o)) => o != Ordering::Equal,
        (CmpOp::Gt, Some(o)) => o == Ordering::Greater,
        (CmpOp::Ge, Some(o)) => o != Ordering::Less,
        (CmpOp::Lt, Some(o)) => o == Ordering::Less,
        (CmpOp::Le, Some(o)) => o != Ordering::Greater,
    }
}

fn test<'a>(t: &'a Test, cx: &mut Cx<'a>) -> bool {
    match t {
        Test::Exists(f, layer) => each_node(f, layer.as_deref(), false, cx, &mut |_, _, _, _| true),
        Test::Not(a) => !test(a, cx),
        Test::And(a, b) => test(a, cx) && test(b, cx),
        Test::Or(a, b) => test(a, cx) || test(b, cx),
        Test::Cmp(op, a, b) => match op {
            CmpOp::AllNe | CmpOp::AllEq => {
                // Every pair must satisfy the relation, and there must be one.
                let mut seen = false;
                let failed = each(a, cx, &mut |cx, va| {
                    each(b, cx, &mut |cx, vb| {
                        seen = true;
                        !rel(*op, order(cx, &va, &vb))
                    })
                });
                seen && !failed
            }
            _ => each(a, cx, &mut |cx, va| {
                each(b, cx, &mut |cx, vb| rel(*op, order(cx, &va, &vb)))
            }),
        },
        Test::Contains(a, b) => each(a, cx, &mut |cx, va| {
            each(b, cx, &mut |cx, vb| match (cx.bytes(&va), cx.bytes(&vb)) {
                (Some(h), Some(n)) => memchr::memmem::find(h, n).is_some(),
                _ => false,
            })
        }),
        Test::Matches(a, re, _) => each(a, cx, &mut |cx, v| {
            cx.bytes(&v).is_some_and(|b| re.is_match(b))
        }),
        Test::In(a, set) => each(a, cx, &mut |cx, va| {
            for (lo, hi) in set {
                let hit = match hi {
                    None => each(lo, cx, &mut |cx, vl| rel(CmpOp::AnyEq, order(cx, &va, &vl))),
                    Some(hi) => {
                        each(lo, cx, &mut |cx, vl| rel(CmpOp::Ge, order(cx, &va, &vl)))
                            && each(hi, cx, &mut |cx, vh| rel(CmpOp::Le, order(cx, &va, &vh)))
                    }
                };
                if hit {
                    return true;
                }
            }
            false
        }),
        Test::Truthy(x) => match x {
            Expr::Field(..) | Expr::Ref(..) | Expr::Slice(..) => each(x, cx, &mut |_, _| true),
            _ => each(x, cx, &mut |cx, v| match v {
                V::Int(i) => i != 0,
                V::Float(f) => f != 0.0,
                V::Time(t) => t != 0,
                V::V4(a, _) => a != 0,
                V::V6(a, _) => a.iter().any(|&b| b != 0),
                V::Str(_) | V::AStr(..) => cx.bytes(&v).is_some_and(|b| !b.is_empty()),
                V::Bytes(_) | V::ABytes(..) => {
                    cx.bytes(&v).is_some_and(|b| b.iter().any(|&c| c != 0))
                }
            }),
        },
    }
}
