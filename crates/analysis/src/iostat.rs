//! `-z io,stat,INTERVAL[,COLUMN]…`: frames and bytes, or a calculation
//! over a field, per time interval, laid out as tshark 4.0 draws its table.
//!
//! A COLUMN is a display filter (frames and bytes of the packets it
//! accepts; empty: every packet), or `COUNT(field)FILTER`, `SUM(…)`,
//! `MIN(…)`, `MAX(…)` or `AVG(…)` over the field's values in the packets
//! the filter accepts. INTERVAL is in seconds; 0 means the whole capture.
//! Intervals only move forward: a packet older than the current interval is
//! counted in it, as tshark counts it. Only intervals that saw a packet are
//! stored, so a long capture with a short interval costs no memory for its
//! empty rows.

use std::io::{self, Write};

use wirelab_dissect::{FieldRef, FieldType, Packet, Value};
use wirelab_filter::Filter;

use crate::{util, Error, Tap, Want};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Calc {
    FramesBytes,
    Count,
    Sum,
    Min,
    Max,
    Avg,
}

impl Calc {
    fn name(self) -> &'static str {
        match self {
            Calc::FramesBytes => "FRAMES BYTES",
            Calc::Count => "COUNT",
            Calc::Sum => "SUM",
            Calc::Min => "MIN",
            Calc::Max => "MAX",
            Calc::Avg => "AVG",
        }
    }
}

/// How a field's values are added up.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Num {
    Unsigned,
    Signed,
    Float,
    Double,
    /// Relative time, counted in nanoseconds.
    Time,
}

#[derive(Clone, Copy, Default)]
struct Item {
    frames: u64,
    num: u64,
    counter: u64,
    fcounter: f32,
    dcounter: f64,
}

struct Column {
    text: Option<String>,
    calc: Calc,
    field: Option<FieldRef>,
    num: Num,
    filter: Option<Filter>,
    /// Intervals that saw a packet: (interval index, totals), in order.
    items: Vec<(u64, Item)>,
    max_frames: u64,
    max_vals: u64,
    /// Whether tshark would have the field's items in its tree.
    field_seen: bool,
}

/// The I/O statistics tap.
pub(crate) struct IoStat {
    /// Interval in microseconds (`u64::MAX`: the whole capture).
    interval: u64,
    invl_prec: u32,
    cols: Vec<Column>,
    clock: util::RelClock,
    last_rel_us: u64,
    /// Latest relative time seen (tshark's elapsed time), in nanoseconds.
    elapsed: i128,
}

fn magnitude(mut v: u64, max_w: u32) -> u32 {
    let mut mag = 0;
    for _ in 0..max_w {
        mag += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    mag
}

fn num_of(t: FieldType) -> Option<Num> {
    Some(match t {
        FieldType::U8 | FieldType::U16 | FieldType::U24 | FieldType::U32 | FieldType::U64 => {
            Num::Unsigned
        }
        FieldType::I8 | FieldType::I16 | FieldType::I32 | FieldType::I64 => Num::Signed,
        FieldType::Float => Num::Float,
        FieldType::Double => Num::Double,
        FieldType::RelTime => Num::Time,
        _ => return None,
    })
}

impl IoStat {
    pub(crate) fn new(spec: &str) -> Result<Self, Error> {
        let usage = "expected io,stat,INTERVAL[,FILTER|CALC(field)FILTER]…";
        let rest = spec
            .strip_prefix("io,stat,")
            .ok_or_else(|| Error::bad_spec(spec, usage))?;
        if rest.ends_with(',') {
            return Err(Error::bad_spec(spec, usage));
        }
        let mut parts = rest.split(',');
        let invl_text = parts.next().unwrap_or("");
        let secs: f64 = invl_text
            .parse()
            .map_err(|_| Error::bad_spec(spec, format!("bad interval \"{invl_text}\"")))?;
        if secs.is_nan() || secs < 0.0 || !secs.is_finite() {
            return Err(Error::bad_spec(
                spec,
                "the interval must be 0 or more seconds",
            ));
        }
        let (interval, invl_prec) = if secs == 0.0 {
            (u64::MAX, 0)
        } else {
            let us = (secs * 1_000_000.0 + 0.5) as u64;
            if us == 0 {
                return Err(Error::bad_spec(spec, "the interval must be at least 1 µs"));
            }
            let mut prec = 6u32;
            let mut i = 10u64;
            while i < 10_000_000 {
                if us % i > 0 {
                    break;
                }
                prec -= 1;
                i *= 10;
            }
            if prec == 0 {
                // "1.00": as many decimals as written.
                if let Some((_, frac)) = invl_text.split_once('.') {
                    prec = frac.len().min(6) as u32;
                }
            }
            (us, prec)
        };
        let mut cols = Vec::new();
        let col_texts: Vec<&str> = parts.collect();
        if col_texts.is_empty() {
            cols.push(Column::new(spec, None)?);
        }
        for t in col_texts {
            cols.push(Column::new(spec, Some(t))?);
        }
        // tshark builds only the tree items some filter refers to (its
        // "fake" tree), so a calculation sees a field's values only when a
        // column's filter names that field; otherwise it counts nothing.
        let referenced: Vec<FieldRef> = cols
            .iter()
            .filter_map(|c| c.filter.as_ref())
            .flat_map(|f| f.fields().iter().copied())
            .collect();
        for c in cols.iter_mut() {
            if let Some(f) = c.field {
                if !referenced.iter().any(|r| std::ptr::eq(*r, f)) {
                    c.field_seen = false;
                }
            }
        }
        Ok(IoStat {
            interval,
            invl_prec,
            cols,
            clock: util::RelClock::default(),
            last_rel_us: 0,
            elapsed: 0,
        })
    }
}

impl Column {
    fn new(spec: &str, text: Option<&str>) -> Result<Self, Error> {
        let mut calc = Calc::FramesBytes;
        let mut field = None;
        let mut flt = text.unwrap_or("");
        for (name, c) in [
            ("COUNT", Calc::Count),
            ("SUM", Calc::Sum),
            ("MIN", Calc::Min),
            ("MAX", Calc::Max),
            ("AVG", Calc::Avg),
        ] {
            if let Some(r) = flt.strip_prefix(name) {
                calc = c;
                if let Some(r) = r.strip_prefix('(') {
                    let (f, after) = r.split_once(')').ok_or_else(|| {
                        Error::bad_spec(
                            spec,
                            "closing parenthesis missing from calculated expression",
                        )
                    })?;
                    if f.is_empty() {
                        return Err(Error::bad_spec(
                            spec,
                            format!("you didn't specify a field name for {name}(*)"),
                        ));
                    }
                    field = Some(util::field(spec, f)?);
                    flt = after;
                }
                break;
            }
        }
        let num = match (calc, field) {
            (Calc::FramesBytes, _) => Num::Unsigned,
            (_, None) => {
                return Err(Error::bad_spec(spec, "a calculation needs a field: CALC(field)"))
            }
            (Calc::Count, Some(f)) => num_of(f.ftype).unwrap_or(Num::Unsigned),
            (_, Some(f)) => num_of(f.ftype).ok_or_else(|| {
                Error::bad_spec(
                    spec,
                    format!(
                        "{} doesn't have integral values, so {}(*) calculations are not supported on it",
                        f.abbrev,
                        calc.name()
                    ),
                )
            })?,
        };
        let filter = if flt.is_empty() {
            None
        } else {
            Some(util::filter(spec, flt)?)
        };
        Ok(Column {
            text: text.filter(|t| !t.is_empty()).map(str::to_string),
            calc,
            field,
            num,
            filter,
            items: Vec::new(),
            max_frames: 0,
            max_vals: 0,
            field_seen: true,
        })
    }

    fn add(&mut self, bin: u64, pkt: &Packet) {
        // Intervals only move forward (tshark keeps adding to its last one).
        let bin = match self.items.last() {
            Some(&(b, _)) if b >= bin => b,
            _ => {
                self.items.push((bin, Item::default()));
                bin
            }
        };
        let _ = bin;
        let Some((_, it)) = self.items.last_mut() else {
            return;
        };
        it.frames += 1;
        let first_in_bin = it.frames == 1;
        match self.calc {
            Calc::FramesBytes => it.counter += pkt.meta.orig_len as u64,
            _ => {
                let Some(f) = self.field.filter(|_| self.field_seen) else {
                    return;
                };
                for (i, n) in pkt.find(f).enumerate() {
                    let first = first_in_bin && i == 0;
                    if self.calc == Calc::Count {
                        it.counter += 1;
                        continue;
                    }
                    let (u, d) = match n.value {
                        Value::UInt(v) => (v, v as f64),
                        Value::Int(v) => (v as u64, v as f64),
                        Value::Bool(b) => (b as u64, b as u8 as f64),
                        Value::Double(v) => (v as u64, v),
                        Value::Time { secs, nanos } => {
                            let ns = (secs as i128 * 1_000_000_000 + nanos as i128) as u64;
                            (ns, ns as f64)
                        }
                        _ => continue,
                    };
                    let (fc, dc, c) = (it.fcounter, it.dcounter, it.counter);
                    match (self.calc, self.num) {
                        (Calc::Sum | Calc::Avg, Num::Float) => it.fcounter += d as f32,
                        (Calc::Sum | Calc::Avg, Num::Double) => it.dcounter += d,
                        (Calc::Sum | Calc::Avg, _) => it.counter = it.counter.wrapping_add(u),
                        (Calc::Min, Num::Float) if first || (d as f32) < fc => {
                            it.fcounter = d as f32
                        }
                        (Calc::Min, Num::Double) if first || d < dc => it.dcounter = d,
                        (Calc::Min, Num::Signed) if first || (u as i64) < (c as i64) => {
                            it.counter = u
                        }
                        (Calc::Min, Num::Unsigned | Num::Time) if first || u < c => it.counter = u,
                        (Calc::Max, Num::Float) if d as f32 > fc => it.fcounter = d as f32,
                        (Calc::Max, Num::Double) if d > dc => it.dcounter = d,
                        (Calc::Max, Num::Signed) if (u as i64) > (c as i64) => it.counter = u,
                        (Calc::Max, Num::Unsigned | Num::Time) if u > c => it.counter = u,
                        _ => {}
                    }
                    if self.calc == Calc::Avg {
                        it.num += 1;
                    }
                }
            }
        }
        // The widest value decides the column's width.
        let it = *it;
        match self.calc {
            Calc::FramesBytes => {
                self.max_frames = self.max_frames.max(it.frames);
                self.max_vals = self.max_vals.max(it.counter);
            }
            Calc::Count => self.max_vals = self.max_vals.max(it.counter),
            Calc::Sum | Calc::Min | Calc::Max => {
                let v = match self.num {
                    Num::Float => (it.fcounter + 0.5) as u64,
                    Num::Double => (it.dcounter + 0.5) as u64,
                    _ => it.counter,
                };
                self.max_vals = self.max_vals.max(v);
            }
            Calc::Avg => {
                let n = it.num;
                let v = match self.num {
                    Num::Float => (it.fcounter as u64).checked_div(n),
                    Num::Double => (it.dcounter as u64).checked_div(n),
                    Num::Time => it
                        .counter
                        .checked_div(n)
                        .map(|a| a.saturating_add(500_000_000) / 1_000_000_000),
                    _ => it.counter.checked_div(n),
                };
                if let Some(v) = v {
                    self.max_vals = self.max_vals.max(v);
                }
            }
        }
    }
}

/// tshark's `printcenter`: a label centred in a column header.
fn printcenter(label: &str, lenval: i64, numpad: i64, out: &mut String) {
    const SPACES: &str = "      ";
    let lenlab = label.len() as i64;
    // C's division truncates toward zero.
    let len = SPACES.len() as i64 - ((lenval - lenlab) / 2 + numpad);
    if len > 0 && len < 6 {
        let sp = &SPACES[len as usize..];
        if (lenval - lenlab) % 2 == 0 {
            out.push_str(&format!("{sp}{label}{sp}|"));
        } else {
            out.push_str(&format!(" {sp}{label}{sp}|"));
        }
    } else if len > 0 && len <= 15 {
        out.push_str(&format!("{label}|"));
    }
}

/// `"%*s"` of `"|"` in a field `w` wide.
fn right_bar(w: i64) -> String {
    format!("{:>w$}", "|", w = w.max(1) as usize)
}

impl Tap for IoStat {
    fn want(&self) -> Want {
        let mut f = Vec::new();
        for c in &self.cols {
            f.extend(c.field);
            if let Some(flt) = &c.filter {
                f.extend_from_slice(flt.fields());
            }
        }
        Want::Fields(f)
    }

    fn packet(&mut self, pkt: &Packet, data: &[u8]) {
        let rel = self.clock.rel(&pkt.meta);
        if rel > self.elapsed {
            self.elapsed = rel;
        }
        let rel_us = if rel >= 0 {
            let v = ((rel / 1_000_000_000) as u64)
                .saturating_mul(1_000_000)
                .saturating_add(((rel % 1_000_000_000) as u64 + 500) / 1000);
            self.last_rel_us = v;
            v
        } else {
            self.last_rel_us
        };
        let bin = rel_us / self.interval;
        for c in self.cols.iter_mut() {
            if util::accepts(&c.filter, pkt, data) {
                c.add(bin, pkt);
            }
        }
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let el = self.elapsed.max(0);
        let el_us =
            (el / 1_000_000_000) as u64 * 1_000_000 + ((el % 1_000_000_000) as u64 + 500) / 1000;
        let mut duration = el_us;
        let whole = self.interval > duration || self.interval == u64::MAX;
        let mut interval = if whole { duration } else { self.interval };
        let mut dur_secs = duration / 1_000_000;
        let mut dur_mag = magnitude(dur_secs, 5);
        let invl_mag = magnitude(interval / 1_000_000, 5);
        let prec;
        let mut borderlen: i64;
        if interval == duration {
            prec = if dur_mag >= 2 {
                1
            } else if dur_mag == 1 {
                3
            } else {
                6
            };
            borderlen = 30 + dur_mag as i64 + if prec == 0 { 0 } else { prec as i64 + 1 };
        } else {
            prec = self.invl_prec;
            borderlen =
                25 + invl_mag.max(dur_mag) as i64 + if prec == 0 { 0 } else { prec as i64 + 1 };
        }
        let mut dv = 1_000_000u64;
        for _ in 0..prec {
            dv /= 10;
        }
        if duration % dv > 5 * (dv / 10) {
            duration += 5 * (dv / 10);
            duration = (duration / dv) * dv;
            dur_secs = duration / 1_000_000;
            dur_mag = magnitude(dur_secs, 5);
        }
        if whole {
            interval = duration;
        }
        let dm = dur_mag as usize;
        let p = prec as usize;
        let mut invl_col_w: i64 = if prec == 0 {
            2 * dur_mag as i64 + 8
        } else {
            2 * dur_mag as i64 + 2 * prec as i64 + 10
        };
        invl_col_w = invl_col_w.max(12);
        // Column widths.
        struct W {
            fr: i64,
            val: i64,
        }
        let mut widths = Vec::with_capacity(self.cols.len());
        let mut tabrow_w = invl_col_w;
        for c in &mut self.cols {
            let namelen = if c.calc == Calc::FramesBytes {
                5
            } else {
                c.calc.name().len() as u32
            };
            let w = match c.calc {
                Calc::FramesBytes => {
                    let fr = magnitude(c.max_frames, 15).max(6) as i64;
                    let val = magnitude(c.max_vals, 15).max(5) as i64;
                    tabrow_w += fr + 3 + val + 3;
                    W { fr, val }
                }
                Calc::Count => {
                    let val = magnitude(c.max_vals, 15).max(5) as i64;
                    tabrow_w += val + 3;
                    W { fr: 0, val }
                }
                _ => {
                    let val = match c.num {
                        Num::Float | Num::Double => magnitude(c.max_vals, 15) as i64 + 7,
                        Num::Time => {
                            if c.calc != Calc::Avg {
                                c.max_vals = (c.max_vals + 500_000_000) / 1_000_000_000;
                            }
                            magnitude(c.max_vals, 15) as i64 + 7
                        }
                        _ => magnitude(c.max_vals, 15).max(namelen) as i64,
                    };
                    tabrow_w += val + 3;
                    W { fr: 0, val }
                }
            };
            widths.push(w);
        }
        borderlen = borderlen.max(tabrow_w);
        let maxfltr_w = self
            .cols
            .iter()
            .map(|c| c.text.as_ref().map_or(26, |t| t.len() as i64 + 11))
            .max()
            .unwrap_or(0);
        if maxfltr_w > borderlen && borderlen < 102 {
            borderlen = maxfltr_w.min(102);
        }
        if borderlen - tabrow_w == 1 {
            borderlen += 1;
        }
        let bl = borderlen as usize;
        let mut s = String::new();
        // Header.
        s.push('\n');
        s.push_str(&"=".repeat(bl));
        s.push_str(&format!("\n|{:<w$}|\n", " IO Statistics", w = bl - 2));
        s.push_str(&format!("|{:<w$}|\n", "", w = bl - 2));
        let dur_w = dm + if p == 0 { 0 } else { p + 1 };
        let dur_txt = if prec == 0 {
            format!("{}.{:06}", el_us / 1_000_000, el_us % 1_000_000)
        } else {
            format!(
                "{}.{:0p$}",
                duration / 1_000_000,
                (duration % 1_000_000) / dv
            )
        };
        let line = format!("| Duration: {dur_txt:>dur_w$} secs");
        s.push_str(&format!(
            "{line}{}\n",
            right_bar(borderlen - line.len() as i64)
        ));
        let invl_txt = if prec == 0 {
            format!("{}", interval / 1_000_000)
        } else {
            format!(
                "{}.{:0p$}",
                interval / 1_000_000,
                (interval % 1_000_000) / dv
            )
        };
        let line = format!("| Interval: {invl_txt:>dur_w$} secs");
        s.push_str(&format!(
            "{line}{}\n",
            right_bar(borderlen - line.len() as i64)
        ));
        s.push_str(&format!("|{:<w$}|\n", "", w = bl - 2));
        for (j, c) in self.cols.iter().enumerate() {
            let mut fs = if j == 0 {
                "| Col ".to_string()
            } else {
                "|     ".to_string()
            };
            fs.push_str(&format!("{}: ", j + 1));
            match &c.text {
                None => fs.push_str("Frames and bytes"),
                Some(t) => {
                    let max_w = bl.saturating_sub(11).max(1);
                    let mut f: &str = t;
                    while f.len() > max_w {
                        let head = &f.as_bytes()[..max_w];
                        let (len, next) = match head.iter().rposition(|&b| b == b' ') {
                            Some(pos) => (pos, pos + 1),
                            None => (max_w, max_w),
                        };
                        let (Some(a), Some(b)) = (f.get(..len), f.get(next..)) else {
                            break;
                        };
                        fs.push_str(a);
                        let pad = borderlen - fs.len() as i64;
                        fs.push_str(&right_bar(pad));
                        s.push_str(&fs);
                        s.push('\n');
                        fs = "|         ".to_string();
                        f = b;
                    }
                    fs.push_str(f);
                }
            }
            let pad = borderlen - fs.len() as i64;
            fs.push_str(&right_bar(pad));
            s.push_str(&fs);
            s.push('\n');
        }
        s.push_str(&format!("|-{}|\n", "-".repeat(bl.saturating_sub(3))));
        // Column header rows.
        let filler = if tabrow_w < borderlen {
            right_bar(borderlen - tabrow_w)
        } else {
            String::new()
        };
        s.push_str(&format!("|{:>w$}", "|", w = (invl_col_w - 1) as usize));
        for (j, c) in self.cols.iter().enumerate() {
            let w = &widths[j];
            let padding = match c.calc {
                Calc::FramesBytes => w.fr + w.val + 3,
                _ => w.val,
            };
            s.push_str(&format!("{:<2}{:w$}|", j + 1, "", w = padding as usize));
        }
        s.push_str(&filler);
        s.push('\n');
        s.push_str(&format!(
            "| Interval{:>w$}",
            "|",
            w = (invl_col_w - 10).max(1) as usize
        ));
        for (j, c) in self.cols.iter().enumerate() {
            let w = &widths[j];
            match c.calc {
                Calc::FramesBytes => {
                    printcenter("Frames", w.fr, 1, &mut s);
                    printcenter("Bytes", w.val, 1, &mut s);
                }
                _ => printcenter(c.calc.name(), w.val, 1, &mut s),
            }
        }
        s.push_str(&filler);
        s.push_str(&format!(
            "\n|-{}|",
            "-".repeat((tabrow_w - 3).max(0) as usize)
        ));
        s.push_str(&filler);
        s.push('\n');
        out.write_all(s.as_bytes())?;
        // Rows.
        let mut next_item = vec![0usize; self.cols.len()];
        let mut t = 0u64;
        let mut row = 0u64;
        let dbl = prec == 0 && dur_mag == 1;
        while t < duration && interval > 0 {
            let mut s = String::new();
            let mut invl_end = t.saturating_add(interval);
            let last = invl_end >= duration;
            if last {
                invl_end = duration;
            }
            if prec == 0 {
                if last {
                    let maxw = if dur_mag >= 3 { dm + 1 } else { 3 };
                    let sp = if dur_mag == 1 { " " } else { "" };
                    s.push_str(&format!(
                        "| {sp}{:>dm$} <> {:<maxw$}|",
                        t / 1_000_000,
                        "Dur"
                    ));
                } else if dbl {
                    s.push_str(&format!(
                        "|  {:>dm$} <> {:>dm$}  |",
                        t / 1_000_000,
                        invl_end / 1_000_000
                    ));
                } else {
                    s.push_str(&format!(
                        "| {:>dm$} <> {:>dm$} |",
                        t / 1_000_000,
                        invl_end / 1_000_000
                    ));
                }
            } else {
                s.push_str(&format!(
                    "| {:>dm$}.{:0p$} <> {:>dm$}.{:0p$} |",
                    t / 1_000_000,
                    (t % 1_000_000) / dv,
                    invl_end / 1_000_000,
                    (invl_end % 1_000_000) / dv
                ));
            }
            for (j, c) in self.cols.iter().enumerate() {
                let w = &widths[j];
                let it = match c.items.get(next_item[j]) {
                    Some(&(b, it)) if b == row => {
                        next_item[j] += 1;
                        it
                    }
                    _ => Item::default(),
                };
                let v = w.val as usize;
                match c.calc {
                    Calc::FramesBytes => s.push_str(&format!(
                        " {:>fr$} | {:>v$} |",
                        it.frames,
                        it.counter,
                        fr = w.fr as usize
                    )),
                    Calc::Count => s.push_str(&format!(" {:>v$} |", it.counter)),
                    calc => {
                        let n = if it.num == 0 { 1 } else { it.num };
                        let avg = calc == Calc::Avg;
                        match c.num {
                            Num::Float => {
                                let x = if avg {
                                    it.fcounter / n as f32
                                } else {
                                    it.fcounter
                                };
                                s.push_str(&format!(" {:>v$.6} |", x, v = v - 7));
                            }
                            Num::Double => {
                                let x = if avg {
                                    it.dcounter / n as f64
                                } else {
                                    it.dcounter
                                };
                                s.push_str(&format!(" {:>v$.6} |", x, v = v - 7));
                            }
                            Num::Time => {
                                let ns = if avg { it.counter / n } else { it.counter };
                                let us = (ns + 500) / 1000;
                                s.push_str(&format!(
                                    " {:>v$}.{:06} |",
                                    us / 1_000_000,
                                    us % 1_000_000,
                                    v = v - 7
                                ));
                            }
                            Num::Signed => {
                                let x = if avg {
                                    (it.counter / n) as i64
                                } else {
                                    it.counter as i64
                                };
                                s.push_str(&format!(" {:>v$} |", x));
                            }
                            Num::Unsigned => {
                                let x = if avg { it.counter / n } else { it.counter };
                                s.push_str(&format!(" {:>v$} |", x));
                            }
                        }
                    }
                }
            }
            if tabrow_w < borderlen {
                s.push_str(&right_bar(borderlen - tabrow_w));
            }
            s.push('\n');
            out.write_all(s.as_bytes())?;
            if last {
                break;
            }
            t = invl_end;
            row += 1;
        }
        writeln!(out, "{}", "=".repeat(bl))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_centred_as_tshark_centres_them() {
        let mut s = String::new();
        printcenter("MIN", 8, 1, &mut s);
        assert_eq!(s, "    MIN   |");
        s.clear();
        printcenter("Frames", 6, 1, &mut s);
        assert_eq!(s, " Frames |");
        s.clear();
        // Too wide a column: tshark prints nothing at all.
        printcenter("SUM", 20, 1, &mut s);
        assert_eq!(s, "");
    }

    #[test]
    fn interval_precision_follows_what_was_written() {
        let p = |z: &str| IoStat::new(z).map(|s| (s.interval, s.invl_prec)).ok();
        assert_eq!(p("io,stat,1"), Some((1_000_000, 0)));
        assert_eq!(p("io,stat,0.5"), Some((500_000, 1)));
        assert_eq!(p("io,stat,1.00"), Some((1_000_000, 2)));
        assert_eq!(p("io,stat,0"), Some((u64::MAX, 0)));
        assert_eq!(p("io,stat,1,"), None);
        assert_eq!(p("io,stat,1,SUM(frame.protocols)"), None);
        assert_eq!(magnitude(0, 5), 1);
        assert_eq!(magnitude(123456, 5), 5);
    }
}
