//! `-z io,phs[,FILTER]`: protocol hierarchy statistics.
//!
//! As tshark counts it: every top-level item of a packet's tree after
//! `frame` (protocols, and items such as `tcp.segments` or
//! `_ws.malformed` that dissectors put at the top) is one level deeper than
//! the one before it; each level counts the frames and their wire bytes.
//! Siblings keep the order in which they were first seen.

use std::io::{self, Write};

use wirelab_dissect::{FieldRef, Packet, NIL};
use wirelab_filter::Filter;

use crate::{util, Error, Needs, Tap, Want};

struct Level {
    field: FieldRef,
    frames: u64,
    bytes: u64,
    first_child: u32,
    next: u32,
}

/// The protocol hierarchy tap.
pub(crate) struct Phs {
    levels: Vec<Level>,
    root: u32,
    filter: Option<Filter>,
    filter_text: String,
    /// The packet's top-level items in tshark's order (reused).
    order: Vec<u32>,
}

impl Phs {
    pub(crate) fn new(spec: &str) -> Result<Self, Error> {
        let rest = spec.strip_prefix("io,phs").unwrap_or("");
        let (filter, filter_text) = match rest.strip_prefix(',') {
            Some(f) if !f.is_empty() => (Some(util::filter(spec, f)?), f.to_string()),
            Some(_) => (None, String::new()),
            None if rest.is_empty() => (None, String::new()),
            None => return Err(Error::bad_spec(spec, "expected io,phs[,FILTER]")),
        };
        Ok(Phs {
            levels: Vec::new(),
            root: NIL,
            filter,
            filter_text,
            order: Vec::new(),
        })
    }

    fn draw(&self, first: u32, indent: usize, out: &mut dyn Write) -> io::Result<()> {
        let mut cur = first;
        while let Some(l) = self.levels.get(cur as usize) {
            let mut s = String::new();
            for i in 0..indent {
                if i > 15 {
                    s.push_str("...");
                    break;
                }
                s.push_str("  ");
            }
            s.push_str(l.field.abbrev);
            // tshark builds the name in an 80-byte buffer.
            s.truncate(79);
            writeln!(out, "{:<40} frames:{} bytes:{}", s, l.frames, l.bytes)?;
            self.draw(l.first_child, indent + 1, out)?;
            cur = l.next;
        }
        Ok(())
    }
}

impl Tap for Phs {
    fn want(&self) -> Want {
        // Every top-level item counts, whatever its field: the layers (see
        // `needs`), and what the filter reads.
        Want::Fields(
            self.filter
                .as_ref()
                .map(|f| f.fields().to_vec())
                .unwrap_or_default(),
        )
    }

    fn needs(&self) -> Needs {
        Needs {
            columns: self.filter.is_some(),
            app_layers: true,
            layers: true,
        }
    }

    fn packet(&mut self, pkt: &Packet, data: &[u8]) {
        if !util::accepts(&self.filter, pkt, data) {
            return;
        }
        let len = pkt.meta.orig_len as u64;
        self.order.clear();
        self.order.extend(pkt.children(NIL));
        // The levels start after the `frame` item (and anything before it,
        // such as a packet comment tree).
        // (Skipped by slicing rather than draining: no copy per packet.)
        let start = self
            .order
            .iter()
            .position(|&id| {
                pkt.nodes
                    .get(id as usize)
                    .is_some_and(|n| n.field.abbrev == "frame")
            })
            .map_or(0, |i| i + 1);
        let order = &mut self.order[start..];
        // tshark's tree has a reassembly item (`tcp.segments`) after the
        // protocols dissected from the reassembled bytes, not before them.
        let mut i = 0;
        while i < order.len() {
            let Some(n) = pkt.nodes.get(order[i] as usize) else {
                break;
            };
            if n.field.abbrev == "tcp.segments" {
                let ds = n.ds;
                let mut j = i + 1;
                while j < order.len()
                    && pkt.nodes.get(order[j] as usize).is_some_and(|m| {
                        m.ds == ds && m.field.ftype == wirelab_dissect::FieldType::Protocol
                    })
                {
                    j += 1;
                }
                order[i..j].rotate_left(1);
                i = j;
            } else {
                i += 1;
            }
        }
        let mut parent = NIL;
        let mut in_icmp = false;
        for &id in &self.order[start..] {
            let Some(n) = pkt.nodes.get(id as usize) else {
                break;
            };
            // tshark keeps what ICMP carries inside the ICMP item; only the
            // `_ws.*` markers stay at the top.
            if in_icmp && !n.field.abbrev.starts_with("_ws.") {
                continue;
            }
            in_icmp |= util::is_icmp(n.field);
            let head = if parent == NIL {
                self.root
            } else {
                self.levels[parent as usize].first_child
            };
            let mut cur = head;
            let mut last = NIL;
            while let Some(l) = self.levels.get(cur as usize) {
                if std::ptr::eq(l.field, n.field) {
                    break;
                }
                last = cur;
                cur = l.next;
            }
            if cur == NIL {
                cur = self.levels.len() as u32;
                self.levels.push(Level {
                    field: n.field,
                    frames: 0,
                    bytes: 0,
                    first_child: NIL,
                    next: NIL,
                });
                if last != NIL {
                    self.levels[last as usize].next = cur;
                } else if parent == NIL {
                    self.root = cur;
                } else {
                    self.levels[parent as usize].first_child = cur;
                }
            }
            let l = &mut self.levels[cur as usize];
            l.frames += 1;
            l.bytes += len;
            parent = cur;
        }
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        const SEP: &str = "===================================================================";
        writeln!(out, "\n{SEP}\nProtocol Hierarchy Statistics")?;
        writeln!(out, "Filter: {}\n", self.filter_text)?;
        self.draw(self.root, 0, out)?;
        writeln!(out, "{SEP}")
    }
}
