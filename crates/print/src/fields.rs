//! `-T fields`: chosen field values, one line per packet.

use std::io::{self, Write};

use wirelab_dissect::{FieldRef, Packet, Registry};

/// Which occurrences of a repeated field to print (`-E occurrence=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Occurrence {
    /// All of them, joined by the aggregator.
    All,
    /// The first.
    First,
    /// The last.
    Last,
    /// The n-th (1-based); negative counts from the end.
    Nth(i32),
}

/// `-E` options.
#[derive(Clone, Debug)]
pub struct FieldsOptions {
    /// Between fields (`separator=`).
    pub separator: String,
    /// Between occurrences (`aggregator=`).
    pub aggregator: String,
    /// Which occurrences.
    pub occurrence: Occurrence,
    /// Print a header line with the field names.
    pub header: bool,
    /// Quote character, if any (`quote=d|s|n`).
    pub quote: Option<char>,
}

impl Default for FieldsOptions {
    fn default() -> Self {
        FieldsOptions {
            separator: "\t".into(),
            aggregator: ",".into(),
            occurrence: Occurrence::All,
            header: false,
            quote: None,
        }
    }
}

impl FieldsOptions {
    /// Applies one `-E key=value` option; returns an error text for a bad one.
    pub fn apply(&mut self, opt: &str) -> Result<(), String> {
        let (k, v) = opt
            .split_once('=')
            .ok_or_else(|| format!("invalid -E option \"{opt}\": expected key=value"))?;
        let unescape = |s: &str| -> String {
            match s {
                "/t" => "\t".into(),
                "/s" => " ".into(),
                "/n" => "\n".into(),
                "/r" => "\r".into(),
                _ => s.into(),
            }
        };
        match k {
            "separator" => self.separator = unescape(v),
            "aggregator" => self.aggregator = unescape(v),
            "header" => {
                self.header = match v {
                    "y" => true,
                    "n" => false,
                    _ => return Err(format!("invalid -E header value \"{v}\": expected y or n")),
                }
            }
            "quote" => {
                self.quote = match v {
                    "d" => Some('"'),
                    "s" => Some('\''),
                    "n" => None,
                    _ => {
                        return Err(format!(
                            "invalid -E quote value \"{v}\": expected d, s or n"
                        ))
                    }
                }
            }
            "occurrence" => {
                self.occurrence = match v {
                    "a" => Occurrence::All,
                    "f" => Occurrence::First,
                    "l" => Occurrence::Last,
                    n => match n.parse::<i32>() {
                        Ok(0) | Err(_) => {
                            return Err(format!(
                                "invalid -E occurrence value \"{v}\": expected f, l, a or a number"
                            ))
                        }
                        Ok(i) => Occurrence::Nth(i),
                    },
                }
            }
            "bom" | "escape" => {}
            _ => return Err(format!("invalid -E option \"{k}\"")),
        }
        Ok(())
    }
}

/// A column pseudo-field (`_ws.col.Info`).
#[derive(Clone, Copy, Debug)]
enum Col {
    Number,
    Time,
    Source,
    Destination,
    Protocol,
    Length,
    Info,
}

#[derive(Clone, Copy, Debug)]
enum Item {
    Field(FieldRef),
    Col(Col),
}

/// Prints chosen fields; resolves names once.
pub struct FieldsPrinter {
    names: Vec<String>,
    items: Vec<Item>,
    opts: FieldsOptions,
    buf: String,
    val: String,
}

impl FieldsPrinter {
    /// Resolves the field names; an unknown name is an error naming it.
    pub fn new(names: &[String], reg: &Registry, opts: FieldsOptions) -> Result<Self, String> {
        let mut items = Vec::new();
        for n in names {
            let item = match n.as_str() {
                "_ws.col.No." | "_ws.col.number" => Item::Col(Col::Number),
                "_ws.col.Time" | "_ws.col.cls_time" => Item::Col(Col::Time),
                "_ws.col.Source" | "_ws.col.def_src" => Item::Col(Col::Source),
                "_ws.col.Destination" | "_ws.col.def_dst" => Item::Col(Col::Destination),
                "_ws.col.Protocol" | "_ws.col.protocol" => Item::Col(Col::Protocol),
                "_ws.col.Length" | "_ws.col.packet_length" => Item::Col(Col::Length),
                "_ws.col.Info" | "_ws.col.info" => Item::Col(Col::Info),
                _ => match reg.get(n) {
                    Some(f) => Item::Field(f),
                    None => return Err(format!("Some fields aren't valid:\n\t{n}")),
                },
            };
            items.push(item);
        }
        Ok(FieldsPrinter {
            names: names.to_vec(),
            items,
            opts,
            buf: String::new(),
            val: String::new(),
        })
    }

    /// The fields the printer reads (for dissecting only what is needed).
    pub fn fields(&self) -> impl Iterator<Item = FieldRef> + '_ {
        self.items.iter().filter_map(|i| match i {
            Item::Field(f) => Some(*f),
            Item::Col(_) => None,
        })
    }

    /// Whether the printer reads the Info column (`_ws.col.Info`), which
    /// the dissector can otherwise leave unbuilt.
    pub fn reads_info(&self) -> bool {
        self.items.iter().any(|i| matches!(i, Item::Col(Col::Info)))
    }

    /// Writes the header line, if `-E header=y`.
    pub fn write_header(&self, out: &mut impl Write) -> io::Result<()> {
        if self.opts.header {
            writeln!(out, "{}", self.names.join(&self.opts.separator))?;
        }
        Ok(())
    }

    /// Writes one packet's line.
    pub fn write(&mut self, pkt: &Packet, frame: &[u8], out: &mut impl Write) -> io::Result<()> {
        self.buf.clear();
        for (i, item) in self.items.iter().enumerate() {
            if i > 0 {
                self.buf.push_str(&self.opts.separator);
            }
            let q = self.opts.quote;
            match *item {
                Item::Col(c) => {
                    if let Some(q) = q {
                        self.buf.push(q);
                    }
                    write_col(pkt, c, &mut self.buf);
                    if let Some(q) = q {
                        self.buf.push(q);
                    }
                }
                Item::Field(f) => {
                    let total = pkt.find(f).count();
                    if total == 0 {
                        continue;
                    }
                    let pick = |k: usize| -> bool {
                        match self.opts.occurrence {
                            Occurrence::All => true,
                            Occurrence::First => k == 0,
                            Occurrence::Last => k + 1 == total,
                            Occurrence::Nth(n) if n > 0 => k + 1 == n as usize,
                            Occurrence::Nth(n) => (total as i64 + n as i64) == k as i64,
                        }
                    };
                    let mut first = true;
                    for (k, n) in pkt.find(f).enumerate() {
                        if !pick(k) {
                            continue;
                        }
                        if !first {
                            self.buf.push_str(&self.opts.aggregator);
                        }
                        first = false;
                        if let Some(q) = q {
                            self.buf.push(q);
                        }
                        self.val.clear();
                        pkt.fmt_value(frame, n, &mut self.val);
                        self.buf.push_str(&self.val);
                        if let Some(q) = q {
                            self.buf.push(q);
                        }
                    }
                }
            }
        }
        self.buf.push('\n');
        out.write_all(self.buf.as_bytes())
    }
}

fn write_col(pkt: &Packet, c: Col, out: &mut String) {
    use std::fmt::Write as _;
    match c {
        Col::Number => {
            let _ = write!(out, "{}", pkt.meta.number);
        }
        Col::Time => {
            if let Some(wirelab_dissect::Value::Time { secs, nanos }) = pkt
                .find(&wirelab_dissect::proto::frame::TIME_RELATIVE)
                .next()
                .map(|n| n.value)
            {
                wirelab_dissect::packet::fmt_time(secs, nanos, out);
            }
        }
        Col::Source => out.push_str(pkt.cols.src()),
        Col::Destination => out.push_str(pkt.cols.dst()),
        Col::Protocol => out.push_str(&pkt.cols.protocol),
        Col::Length => {
            let _ = write!(out, "{}", pkt.meta.orig_len);
        }
        Col::Info => out.push_str(&pkt.cols.info),
    }
}
