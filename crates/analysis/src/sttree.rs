//! Wireshark's "stats tree": the counter tree behind `-z dns,tree`,
//! `-z http,tree`, `-z http_req,tree` and `-z http_srv,tree`, with the
//! columns tshark 4.0 prints (count, average, min, max, rate per
//! millisecond, percent of the parent, burst rate and burst start) and its
//! text layout.
//!
//! As in tshark: the rate divides a node's count by the milliseconds
//! between the first and the latest packet the statistic's tap saw; the
//! burst rate is the most ticks seen in any 100 ms window (5 ms buckets)
//! divided by 100, and the burst start is the time of that window's first
//! tick. Children print sorted by count, then by name, both descending;
//! the top-level nodes print in the order they were made.

use std::collections::{HashMap, VecDeque};
use std::io::{self, Write};

/// Wireshark's default burst resolution (`statistics.st_burst_resolution`), ms.
const BURST_RESOLUTION: f64 = 5.0;
/// Wireshark's default burst window (`statistics.st_burst_windowlen`), ms.
const BURST_WINDOW: f64 = 100.0;
/// Wireshark's `INDENT_MAX`.
const INDENT_MAX: usize = 32;
/// The numeric columns after "Topic / Item", each 12 wide plus 2.
const COLUMNS: [&str; 8] = [
    "Count",
    "Average",
    "Min Val",
    "Max Val",
    "Rate (ms)",
    "Percent",
    "Burst Rate",
    "Burst Start",
];

/// A node of the tree.
pub(crate) type NodeId = usize;

/// The values an averaging node keeps (Wireshark's `STAT_DT_INT` and
/// `STAT_DT_FLOAT`).
#[derive(Clone, Copy)]
enum Avg {
    None,
    Int { total: i64, min: i32, max: i32 },
    Float { total: f64, min: f32, max: f32 },
}

struct Bucket {
    no: f64,
    count: u64,
    start: f64,
}

struct Node {
    name: String,
    parent: Option<NodeId>,
    children: Vec<NodeId>,
    /// Children made on the fly (pivot values, hosts), by name.
    index: HashMap<String, NodeId>,
    counter: u64,
    avg: Avg,
    /// Burst buckets, oldest first (never empty: Wireshark starts with an
    /// empty bucket 0).
    buckets: VecDeque<Bucket>,
    bcount: u64,
    max_burst: u64,
    burst_time: f64,
}

/// One statistics tree.
pub(crate) struct StatsTree {
    title: String,
    nodes: Vec<Node>,
    roots: Vec<NodeId>,
    start: Option<f64>,
    now: f64,
    elapsed: f64,
}

impl StatsTree {
    /// An empty tree printed under `title` (e.g. "DNS", "HTTP/Requests").
    pub(crate) fn new(title: &str) -> Self {
        StatsTree {
            title: title.to_string(),
            nodes: Vec::new(),
            roots: Vec::new(),
            start: None,
            now: 0.0,
            elapsed: 0.0,
        }
    }

    /// Makes a node under `parent` (`None`: the top level).
    pub(crate) fn node(&mut self, name: &str, parent: Option<NodeId>) -> NodeId {
        let id = self.nodes.len();
        self.nodes.push(Node {
            name: name.to_string(),
            parent,
            children: Vec::new(),
            index: HashMap::new(),
            counter: 0,
            avg: Avg::None,
            buckets: VecDeque::from([Bucket {
                no: 0.0,
                count: 0,
                start: 0.0,
            }]),
            bcount: 0,
            max_burst: 0,
            burst_time: -1.0,
        });
        match parent {
            Some(p) => {
                self.nodes[p].children.push(id);
                self.nodes[p].index.insert(name.to_string(), id);
            }
            None => self.roots.push(id),
        }
        id
    }

    /// The child of `parent` called `name`, made if it does not exist yet.
    pub(crate) fn child(&mut self, parent: NodeId, name: &str) -> NodeId {
        match self.nodes[parent].index.get(name) {
            Some(&id) => id,
            None => self.node(name, Some(parent)),
        }
    }

    /// Starts a tapped packet: `rel_ms` is its time relative to the first
    /// packet of the capture, in milliseconds (Wireshark's
    /// `nstime_to_msec(&pinfo->rel_ts)`).
    pub(crate) fn packet_at(&mut self, rel_ms: f64) {
        self.now = rel_ms;
        let start = *self.start.get_or_insert(rel_ms);
        self.elapsed = rel_ms - start;
    }

    /// Adds one to a node's count.
    pub(crate) fn tick(&mut self, id: NodeId) {
        self.nodes[id].counter += 1;
        self.burst(id, 1);
    }

    /// Adds one to the child `name` of `parent`, and to `parent` itself
    /// (Wireshark's `stats_tree_tick_pivot`). Returns the child.
    pub(crate) fn tick_pivot(&mut self, parent: NodeId, name: &str) -> NodeId {
        self.tick(parent);
        let c = self.child(parent, name);
        self.tick(c);
        c
    }

    /// Ticks an averaging node with an integer value.
    pub(crate) fn tick_avg_int(&mut self, id: NodeId, v: i32) {
        self.tick(id);
        let n = &mut self.nodes[id];
        n.avg = match n.avg {
            Avg::Int { total, min, max } => Avg::Int {
                total: total + v as i64,
                min: min.min(v),
                max: max.max(v),
            },
            _ => Avg::Int {
                total: v as i64,
                min: v,
                max: v,
            },
        };
    }

    /// Ticks an averaging node with a floating-point value.
    pub(crate) fn tick_avg_float(&mut self, id: NodeId, v: f32) {
        self.tick(id);
        let n = &mut self.nodes[id];
        n.avg = match n.avg {
            Avg::Float { total, min, max } => Avg::Float {
                total: total + v as f64,
                min: min.min(v),
                // Wireshark starts the maximum at G_MINFLOAT, the smallest
                // positive float; it prints as 0.000000 like a zero would.
                max: max.max(v),
            },
            _ => Avg::Float {
                total: v as f64,
                min: v,
                max: v.max(f32::MIN_POSITIVE),
            },
        };
    }

    /// Wireshark's `update_burst_calc`: buckets of 5 ms, a window of 100 ms.
    fn burst(&mut self, id: NodeId, value: u64) {
        let now = self.now;
        let n = &mut self.nodes[id];
        let current = (now / BURST_RESOLUTION).floor();
        let window = BURST_WINDOW / BURST_RESOLUTION;
        let (Some(head), Some(tail)) = (n.buckets.front(), n.buckets.back()) else {
            return;
        };
        let (head_no, tail_no) = (head.no, tail.no);
        if current > tail_no {
            n.buckets.push_back(Bucket {
                no: current,
                count: value,
                start: now,
            });
            n.bcount += value;
            while n.buckets.front().is_some_and(|h| current >= h.no + window) {
                if let Some(h) = n.buckets.pop_front() {
                    n.bcount -= h.count;
                }
            }
        } else if current < head_no {
            if current + window > tail_no {
                n.buckets.push_front(Bucket {
                    no: current,
                    count: value,
                    start: now,
                });
                n.bcount += value;
            }
        } else {
            // Somewhere inside the window: the bucket itself or a new one.
            let pos = n.buckets.iter().rposition(|b| b.no <= current).unwrap_or(0);
            if n.buckets[pos].no == current {
                let b = &mut n.buckets[pos];
                b.count += value;
                if b.start > now {
                    b.start = now;
                }
            } else {
                n.buckets.insert(
                    pos + 1,
                    Bucket {
                        no: current,
                        count: value,
                        start: now,
                    },
                );
            }
            n.bcount += value;
        }
        if n.bcount > n.max_burst {
            n.max_burst = n.bcount;
            n.burst_time = n.buckets.front().map_or(now, |b| b.start);
        }
    }

    fn max_namelen(&self, id: NodeId, indent: usize) -> usize {
        let indent = indent.min(INDENT_MAX);
        let n = &self.nodes[id];
        let own = n.name.len() + indent;
        n.children
            .iter()
            .map(|&c| self.max_namelen(c, indent + 1))
            .fold(own, usize::max)
    }

    /// The nine values of a row, as `stats_tree_get_values_from_node`
    /// formats them (empty where tshark leaves the column blank).
    fn values(&self, id: NodeId) -> [String; 9] {
        let n = &self.nodes[id];
        let mut v: [String; 9] = Default::default();
        v[0] = n.name.clone();
        v[1] = n.counter.to_string();
        if n.counter > 0 {
            match n.avg {
                Avg::None => {}
                Avg::Int { total, min, max } => {
                    v[2] = format!("{:.2}", (total as f32 / n.counter as f32) as f64);
                    v[3] = min.to_string();
                    v[4] = max.to_string();
                }
                Avg::Float { total, min, max } => {
                    v[2] = format!("{:.2}", total / n.counter as f64);
                    v[3] = format!("{:.6}", min as f64);
                    v[4] = format!("{:.6}", max as f64);
                }
            }
        }
        if self.elapsed != 0.0 {
            v[5] = format!("{:.4}", (n.counter as f32 / self.elapsed as f32) as f64);
        }
        let parent_count = n.parent.map_or(0, |p| self.nodes[p].counter);
        if parent_count > 0 {
            v[6] = format!("{:.2}%", n.counter as f64 * 100.0 / parent_count as f64);
        } else if n.parent.is_none() {
            v[6] = "100%".to_string();
        }
        if n.max_burst > 0 {
            v[7] = format!("{:.4}", n.max_burst as f64 / BURST_WINDOW);
            v[8] = format!("{:.3}", n.burst_time / 1000.0);
        } else {
            v[7] = "-".to_string();
            v[8] = "-".to_string();
        }
        v
    }

    fn write_node(
        &self,
        id: NodeId,
        indent: usize,
        width: usize,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let v = self.values(id);
        let name_w = width.saturating_sub(indent);
        write!(out, "{:indent$}{:<name_w$}", "", v[0])?;
        for s in &v[1..] {
            write!(out, " {s:<13}")?;
        }
        writeln!(out)?;
        let mut kids = self.nodes[id].children.clone();
        // Count descending, then name descending (byte order).
        kids.sort_by(|&a, &b| {
            let (a, b) = (&self.nodes[a], &self.nodes[b]);
            b.counter
                .cmp(&a.counter)
                .then_with(|| b.name.as_bytes().cmp(a.name.as_bytes()))
        });
        let next = (indent + 1).min(INDENT_MAX);
        for c in kids {
            self.write_node(c, next, width, out)?;
        }
        Ok(())
    }

    /// Prints the tree as tshark's `-z …,tree` does.
    pub(crate) fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        // The root sits at indent 0 and its children at 1.
        let width = self
            .roots
            .iter()
            .map(|&r| self.max_namelen(r, 1))
            .fold(0, usize::max);
        let sep_len = width + COLUMNS.len() * 14;
        writeln!(out, "\n{}\n{}:", "=".repeat(sep_len), self.title)?;
        write!(out, "{:<width$}", "Topic / Item")?;
        for c in COLUMNS {
            write!(out, " {c:<13}")?;
        }
        writeln!(out, "\n{}", "-".repeat(sep_len))?;
        for &r in &self.roots {
            self.write_node(r, 0, width, out)?;
        }
        writeln!(out, "\n{}", "-".repeat(sep_len))
    }
}

/// Milliseconds of a relative time in nanoseconds, as Wireshark's
/// `nstime_to_msec` computes them.
pub(crate) fn ns_to_msec(ns: i128) -> f64 {
    let secs = ns / 1_000_000_000;
    let nsecs = ns % 1_000_000_000;
    secs as f64 * 1000.0 + nsecs as f64 / 1_000_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &StatsTree) -> String {
        let mut v = Vec::new();
        t.write(&mut v).unwrap();
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn children_sort_by_count_then_name_descending() {
        let mut t = StatsTree::new("T");
        let top = t.node("Top", None);
        t.packet_at(0.0);
        t.tick_pivot(top, "b");
        t.packet_at(10.0);
        t.tick_pivot(top, "a");
        t.tick_pivot(top, "a");
        t.tick_pivot(top, "c");
        let s = text(&t);
        let names: Vec<&str> = s
            .lines()
            .skip(5)
            .take_while(|l| !l.is_empty())
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert_eq!(names, ["Top", "a", "c", "b"]);
        // 4 ticks over 10 ms; "a" is half of its parent's.
        assert!(s.contains(" 0.4000 "), "{s}");
        assert!(s.contains(" 50.00% "), "{s}");
    }

    #[test]
    fn averages_and_bursts() {
        let mut t = StatsTree::new("T");
        let n = t.node("Size", None);
        // Three values in one 100 ms window, one far later.
        for (ms, v) in [(0.0, 28), (3.0, 59), (99.0, 40), (5000.0, 10)] {
            t.packet_at(ms);
            t.tick_avg_int(n, v);
        }
        let v = t.values(n);
        assert_eq!(v[1], "4");
        assert_eq!(v[2], "34.25");
        assert_eq!((v[3].as_str(), v[4].as_str()), ("10", "59"));
        assert_eq!(v[7], "0.0300");
        assert_eq!(v[8], "0.000");
        // A node never ticked: no rate of bursts, no percent under a
        // parent without count.
        let e = t.node("Empty", None);
        let c = t.node("Child", Some(e));
        assert_eq!(t.values(c)[6], "");
        assert_eq!(t.values(e)[6], "100%");
        assert_eq!(t.values(e)[7], "-");
    }

    #[test]
    fn burst_window_slides() {
        let mut t = StatsTree::new("T");
        let n = t.node("N", None);
        // 2 ticks at 0-5 ms, then 3 ticks at 200 ms: the later window wins
        // and starts at the first tick in it.
        for ms in [1.0, 2.0, 201.0, 202.0, 203.0] {
            t.packet_at(ms);
            t.tick(n);
        }
        let v = t.values(n);
        assert_eq!(v[7], "0.0300");
        assert_eq!(v[8], "0.201");
    }
}
