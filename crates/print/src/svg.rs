//! Standalone SVG pictures: ladder (sequence) diagrams of packets between
//! hosts, and I/O graphs (packets/s and bits/s over time).
//!
//! Hand-written SVG text: the pictures are simple (lines, paths, text) and
//! a drawing library would bring far more than it saves. All text is
//! escaped; no scripts, no external references.

use std::fmt::Write as _;

use wirelab_analysis::report::{Arrow, IoSeries};

/// Escapes text for XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => o.push('\u{fffd}'),
            c => o.push(c),
        }
    }
    o
}

/// A number with an SI prefix: `1.5 k`, `12 M`.
pub fn si(v: f64) -> String {
    let a = v.abs();
    let (d, p) = if a >= 1e9 {
        (1e9, " G")
    } else if a >= 1e6 {
        (1e6, " M")
    } else if a >= 1e3 {
        (1e3, " k")
    } else {
        (1.0, " ")
    };
    let x = v / d;
    let s = if x.abs() >= 100.0 || x.fract() == 0.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    };
    format!("{s}{p}").trim_end().to_string()
}

/// One row of a ladder diagram.
pub enum Row<'a> {
    /// A packet.
    Arrow(&'a Arrow),
    /// A heading for the conversation whose arrows follow.
    Group(String),
    /// Packets left out.
    Gap(String),
}

const ROW_H: f64 = 30.0;
const GROUP_H: f64 = 26.0;
const LEFT: f64 = 170.0;
const COL_W: f64 = 210.0;
const TOP: f64 = 70.0;

/// Draws a ladder diagram: one column per host (in order of first
/// appearance), one arrow per packet with its time, frame number and label.
pub fn ladder(title: &str, rows: &[Row<'_>]) -> String {
    let mut hosts: Vec<&str> = Vec::new();
    for r in rows {
        if let Row::Arrow(a) = r {
            for h in [a.src.as_str(), a.dst.as_str()] {
                if !hosts.contains(&h) {
                    hosts.push(h);
                }
            }
        }
    }
    let ncols = hosts.len().max(2);
    let width = LEFT + COL_W * ncols as f64 + 40.0;
    let body: f64 = rows
        .iter()
        .map(|r| match r {
            Row::Arrow(_) => ROW_H,
            _ => GROUP_H,
        })
        .sum();
    let height = TOP + body + 30.0;
    let x_of = |h: &str| -> f64 {
        let i = hosts.iter().position(|x| *x == h).unwrap_or(0);
        LEFT + COL_W * (i as f64 + 0.5)
    };
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12" role="img">"#,
        w = width,
        h = height
    );
    let _ = write!(s, "<title>{}</title>", escape(title));
    let _ = write!(
        s,
        r##"<rect x="0" y="0" width="{width:.0}" height="{height:.0}" fill="#ffffff"/>"##
    );
    let _ = write!(
        s,
        r##"<text x="10" y="20" font-size="14" font-weight="bold" fill="#222">{}</text>"##,
        escape(title)
    );
    let _ = write!(
        s,
        r##"<text x="10" y="{:.0}" fill="#555">time (s) · frame</text>"##,
        TOP - 12.0
    );
    // Host headers and life lines.
    for h in &hosts {
        let x = x_of(h);
        let _ = write!(
            s,
            r##"<rect x="{:.1}" y="30" width="{:.1}" height="24" rx="4" fill="#e8eef8" stroke="#4a6fa5"/>"##,
            x - COL_W / 2.0 + 10.0,
            COL_W - 20.0
        );
        let _ = write!(
            s,
            r##"<text x="{x:.1}" y="46" text-anchor="middle" font-weight="bold" fill="#1d3557">{}</text>"##,
            escape(h)
        );
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" y1="54" x2="{x:.1}" y2="{:.1}" stroke="#9aa9bd" stroke-dasharray="4 4"/>"##,
            height - 20.0
        );
    }
    let mut y = TOP;
    for r in rows {
        match r {
            Row::Group(name) => {
                let _ = write!(
                    s,
                    r##"<rect x="4" y="{:.1}" width="{:.1}" height="{:.1}" fill="#f3f0e6"/>"##,
                    y + 2.0,
                    width - 8.0,
                    GROUP_H - 4.0
                );
                let _ = write!(
                    s,
                    r##"<text x="10" y="{:.1}" font-style="italic" fill="#6b5b2a">{}</text>"##,
                    y + 17.0,
                    escape(name)
                );
                y += GROUP_H;
            }
            Row::Gap(text) => {
                let _ = write!(
                    s,
                    r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#888">⋮ {}</text>"##,
                    width / 2.0,
                    y + 17.0,
                    escape(text)
                );
                y += GROUP_H;
            }
            Row::Arrow(a) => {
                let x1 = x_of(&a.src);
                let x2 = x_of(&a.dst);
                let ay = y + ROW_H - 8.0;
                let color = if a.alert { "#c0392b" } else { "#1d3557" };
                let _ = write!(
                    s,
                    r##"<text x="10" y="{ay:.1}" fill="#333">{:.6} · #{}</text>"##,
                    a.time, a.frame
                );
                if (x1 - x2).abs() < 1.0 {
                    // To itself: a small loop.
                    let _ = write!(
                        s,
                        r#"<path d="M{x1:.1} {:.1} h30 v10 h-30" fill="none" stroke="{color}" stroke-width="1.5"/>"#,
                        ay - 10.0
                    );
                    let _ = write!(
                        s,
                        r#"<text x="{:.1}" y="{:.1}" fill="{color}">{}</text>"#,
                        x1 + 34.0,
                        ay - 2.0,
                        escape(&a.label)
                    );
                } else {
                    let dir = if x2 > x1 { 1.0 } else { -1.0 };
                    let _ = write!(
                        s,
                        r#"<line x1="{x1:.1}" y1="{ay:.1}" x2="{:.1}" y2="{ay:.1}" stroke="{color}" stroke-width="1.5"/>"#,
                        x2 - dir * 8.0
                    );
                    let _ = write!(
                        s,
                        r#"<path d="M{x2:.1} {ay:.1} L{:.1} {:.1} L{:.1} {:.1} Z" fill="{color}"/>"#,
                        x2 - dir * 9.0,
                        ay - 4.0,
                        x2 - dir * 9.0,
                        ay + 4.0
                    );
                    let _ = write!(
                        s,
                        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{color}">{}</text>"#,
                        (x1 + x2) / 2.0,
                        ay - 5.0,
                        escape(&a.label)
                    );
                    if a.sport != 0 || a.dport != 0 {
                        let anchor = if dir > 0.0 { "start" } else { "end" };
                        let _ = write!(
                            s,
                            r##"<text x="{:.1}" y="{:.1}" text-anchor="{anchor}" font-size="10" fill="#777">{}</text>"##,
                            x1 + dir * 4.0,
                            ay + 11.0,
                            a.sport
                        );
                        let anchor = if dir > 0.0 { "end" } else { "start" };
                        let _ = write!(
                            s,
                            r##"<text x="{:.1}" y="{:.1}" text-anchor="{anchor}" font-size="10" fill="#777">{}</text>"##,
                            x2 - dir * 4.0,
                            ay + 11.0,
                            a.dport
                        );
                    }
                }
                y += ROW_H;
            }
        }
    }
    s.push_str("</svg>\n");
    s
}

/// Round tick steps covering `max` with about `n` ticks.
fn ticks(max: f64, n: usize) -> Vec<f64> {
    if max.is_nan() || max <= 0.0 {
        return vec![0.0, 1.0];
    }
    let raw = max / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let mut v = Vec::new();
    let mut t = 0.0;
    while t <= max + step * 0.5 && v.len() < 50 {
        v.push(t);
        t += step;
    }
    if v.len() < 2 {
        v.push(step);
    }
    v
}

/// Draws an I/O graph: packets/s (bars, left axis) and bits/s (line,
/// right axis) per interval, with axes, ticks and labels.
pub fn io_graph(title: &str, io: &IoSeries) -> String {
    let (w, h) = (860.0, 340.0);
    let (l, r, t, b) = (70.0, 80.0, 40.0, 50.0);
    let pw = w - l - r;
    let ph = h - t - b;
    let n = io.packets.len().max(1);
    let iv = if io.interval > 0.0 { io.interval } else { 1.0 };
    let pps: Vec<f64> = io.packets.iter().map(|&p| p as f64 / iv).collect();
    let bps: Vec<f64> = io.bytes.iter().map(|&b| b as f64 * 8.0 / iv).collect();
    let pmax = pps.iter().cloned().fold(0.0, f64::max);
    let bmax = bps.iter().cloned().fold(0.0, f64::max);
    let pt = ticks(pmax, 5);
    let bt = ticks(bmax, 5);
    let ptop = *pt.last().unwrap_or(&1.0);
    let btop = *bt.last().unwrap_or(&1.0);
    let span = n as f64 * iv;
    let xt = ticks(span, 8);
    let xtop = xt.last().copied().unwrap_or(span).max(span);
    let x_of = |sec: f64| l + pw * sec / xtop;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12" role="img">"#
    );
    let _ = write!(s, "<title>{}</title>", escape(title));
    let _ = write!(
        s,
        r##"<rect x="0" y="0" width="{w:.0}" height="{h:.0}" fill="#ffffff"/>"##
    );
    let _ = write!(
        s,
        r##"<text x="{l:.0}" y="22" font-size="14" font-weight="bold" fill="#222">{}</text>"##,
        escape(title)
    );
    // Grid and left axis (packets/s).
    for v in &pt {
        let y = t + ph - ph * v / ptop;
        let _ = write!(
            s,
            r##"<line x1="{l:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e3e3e3"/>"##,
            l + pw
        );
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#2a6f97">{}</text>"##,
            l - 6.0,
            y + 4.0,
            si(*v)
        );
    }
    for v in &bt {
        let y = t + ph - ph * v / btop;
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" fill="#c44536">{}</text>"##,
            l + pw + 6.0,
            y + 4.0,
            si(*v)
        );
    }
    for v in &xt {
        let x = x_of(*v);
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#444"/>"##,
            t + ph,
            t + ph + 5.0
        );
        let label = if xtop < 0.1 {
            format!("{v:.3}")
        } else if xtop < 10.0 {
            format!("{v:.2}")
        } else {
            format!("{v:.0}")
        };
        let _ = write!(
            s,
            r##"<text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#333">{label}</text>"##,
            t + ph + 18.0
        );
    }
    // Bars: packets/s.
    let bw = (pw * iv / xtop).max(0.5);
    for (i, v) in pps.iter().enumerate() {
        if *v <= 0.0 {
            continue;
        }
        let x = x_of(i as f64 * iv);
        let hgt = ph * v / ptop;
        let _ = write!(
            s,
            r##"<rect x="{x:.2}" y="{:.2}" width="{:.2}" height="{hgt:.2}" fill="#2a6f97" fill-opacity="0.55"/>"##,
            t + ph - hgt,
            (bw - 0.5).max(0.5)
        );
    }
    // Line: bits/s.
    let mut d = String::new();
    for (i, v) in bps.iter().enumerate() {
        let x = x_of((i as f64 + 0.5) * iv);
        let y = t + ph - ph * v / btop;
        let _ = write!(d, "{}{x:.2} {y:.2} ", if i == 0 { "M" } else { "L" });
    }
    let _ = write!(
        s,
        r##"<path d="{}" fill="none" stroke="#c44536" stroke-width="2"/>"##,
        d.trim_end()
    );
    // Axes.
    let _ = write!(
        s,
        r##"<line x1="{l:.1}" y1="{t:.1}" x2="{l:.1}" y2="{:.1}" stroke="#444"/>"##,
        t + ph
    );
    let _ = write!(
        s,
        r##"<line x1="{l:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#444"/>"##,
        t + ph,
        l + pw,
        t + ph
    );
    let _ = write!(
        s,
        r##"<line x1="{:.1}" y1="{t:.1}" x2="{:.1}" y2="{:.1}" stroke="#444"/>"##,
        l + pw,
        l + pw,
        t + ph
    );
    let _ = write!(
        s,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#333">Time (s), {} s intervals</text>"##,
        l + pw / 2.0,
        h - 10.0,
        iv
    );
    let _ = write!(
        s,
        r##"<text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle" fill="#2a6f97">packets/s</text>"##,
        t + ph / 2.0
    );
    let _ = write!(
        s,
        r##"<text transform="translate({:.1} {:.1}) rotate(90)" text-anchor="middle" fill="#c44536">bits/s</text>"##,
        w - 12.0,
        t + ph / 2.0
    );
    // Legend.
    let lx = l + pw - 190.0;
    let _ = write!(
        s,
        r##"<rect x="{lx:.1}" y="10" width="12" height="12" fill="#2a6f97" fill-opacity="0.55"/><text x="{:.1}" y="20" fill="#333">packets/s</text>"##,
        lx + 16.0
    );
    let _ = write!(
        s,
        r##"<line x1="{:.1}" y1="16" x2="{:.1}" y2="16" stroke="#c44536" stroke-width="2"/><text x="{:.1}" y="20" fill="#333">bits/s</text>"##,
        lx + 95.0,
        lx + 115.0,
        lx + 119.0
    );
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrow(src: &str, dst: &str, label: &str) -> Arrow {
        Arrow {
            frame: 7,
            time: 0.5,
            src: src.into(),
            dst: dst.into(),
            sport: 68,
            dport: 67,
            label: label.into(),
            alert: false,
        }
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape(r#"a<b>&"c'"#), "a&lt;b&gt;&amp;&quot;c&#39;");
        let a = arrow("0.0.0.0", "255.255.255.255", "GET /x?a=1&b=<2>");
        let svg = ladder("t & t", &[Row::Arrow(&a)]);
        assert!(svg.contains("GET /x?a=1&amp;b=&lt;2&gt;"));
        assert!(!svg.contains("<2>"));
        assert!(svg.contains("<title>t &amp; t</title>"));
    }

    #[test]
    fn one_column_per_host_and_one_arrow_per_packet() {
        let a = arrow("10.0.0.1", "10.0.0.2", "SYN");
        let b = arrow("10.0.0.2", "10.0.0.1", "SYN/ACK");
        let svg = ladder(
            "x",
            &[Row::Group("TCP".into()), Row::Arrow(&a), Row::Arrow(&b)],
        );
        assert_eq!(svg.matches("stroke-dasharray").count(), 2);
        assert_eq!(svg.matches("<line x1").count(), 4);
        assert!(svg.contains(">SYN/ACK<"));
        assert!(svg.contains("0.500000 · #7"));
    }

    #[test]
    fn io_graph_has_axes_and_labels() {
        let io = IoSeries {
            interval: 0.1,
            packets: vec![1, 0, 5],
            bytes: vec![100, 0, 1500],
        };
        let svg = io_graph("I/O", &io);
        assert!(svg.contains("packets/s") && svg.contains("bits/s"));
        assert!(svg.contains("<path d=\"M"));
        assert_eq!(svg.matches("<rect x=").count(), 1 + 2 + 1);
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(ticks(10.0, 5), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(si(1500.0), "1.50 k");
        assert_eq!(si(12_000_000.0), "12 M");
    }
}
