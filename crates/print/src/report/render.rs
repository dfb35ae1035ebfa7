//! The three writers of a report: Markdown, HTML and plain text.

use std::fmt::Write as _;

use super::Block;
use crate::svg::escape;

/// Escapes text for a Markdown table cell or paragraph.
fn md_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '\\' => {
                o.push('\\');
                o.push(c);
            }
            '\n' => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// Markdown; pictures are referenced by file name (written next to it).
pub fn markdown(blocks: &[Block]) -> String {
    let mut o = String::new();
    for b in blocks {
        match b {
            Block::Heading(l, t) => {
                let _ = writeln!(o, "{} {}\n", "#".repeat(*l as usize), md_escape(t));
            }
            Block::Para(t) => {
                let _ = writeln!(o, "{}\n", md_escape(t));
            }
            Block::List(items) => {
                for i in items {
                    let _ = writeln!(o, "- {}", md_escape(i));
                }
                o.push('\n');
            }
            Block::Table(h, rows) => {
                let _ = writeln!(
                    o,
                    "| {} |",
                    h.iter()
                        .map(|c| md_escape(c))
                        .collect::<Vec<_>>()
                        .join(" | ")
                );
                let _ = writeln!(o, "|{}", "---|".repeat(h.len()));
                for r in rows {
                    let _ = writeln!(
                        o,
                        "| {} |",
                        r.iter()
                            .map(|c| md_escape(c))
                            .collect::<Vec<_>>()
                            .join(" | ")
                    );
                }
                o.push('\n');
            }
            Block::Svg(name, _) => {
                let _ = writeln!(o, "![{}]({})\n", md_escape(name), name);
            }
        }
    }
    o
}

const CSS: &str = "body{font-family:-apple-system,'Segoe UI',Roboto,'DejaVu Sans',Arial,sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222;line-height:1.45}\
h1{border-bottom:2px solid #4a6fa5;padding-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #ccd;padding-bottom:.15em;color:#1d3557}h3{color:#2a4a75}\
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.9em}th,td{border:1px solid #ccd;padding:.25em .6em;text-align:left;vertical-align:top}\
th{background:#e8eef8}tr:nth-child(even) td{background:#f7f9fc}\
figure{margin:1em 0;overflow-x:auto}figure svg{max-width:none;border:1px solid #dde}\
nav ul{columns:2}";

/// Self-contained HTML: inline CSS and SVG, no script, no external request.
pub fn html(title: &str, blocks: &[Block]) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        escape(title)
    );
    // Table of contents from the level-2 headings.
    let toc: Vec<(usize, &String)> = blocks
        .iter()
        .enumerate()
        .filter_map(|(i, b)| match b {
            Block::Heading(2, t) => Some((i, t)),
            _ => None,
        })
        .collect();
    let mut toc_done = false;
    for (i, b) in blocks.iter().enumerate() {
        if !toc_done && matches!(b, Block::Heading(2, _)) {
            o.push_str("<nav><ul>\n");
            for (j, t) in &toc {
                let _ = writeln!(o, "<li><a href=\"#s{j}\">{}</a></li>", escape(t));
            }
            o.push_str("</ul></nav>\n");
            toc_done = true;
        }
        match b {
            Block::Heading(l, t) => {
                let _ = writeln!(o, "<h{l} id=\"s{i}\">{}</h{l}>", escape(t));
            }
            Block::Para(t) => {
                let _ = writeln!(o, "<p>{}</p>", escape(t));
            }
            Block::List(items) => {
                o.push_str("<ul>\n");
                for it in items {
                    let _ = writeln!(o, "<li>{}</li>", escape(it));
                }
                o.push_str("</ul>\n");
            }
            Block::Table(h, rows) => {
                o.push_str("<table>\n<thead><tr>");
                for c in h {
                    let _ = write!(o, "<th>{}</th>", escape(c));
                }
                o.push_str("</tr></thead>\n<tbody>\n");
                for r in rows {
                    o.push_str("<tr>");
                    for c in r {
                        let _ = write!(o, "<td>{}</td>", escape(c));
                    }
                    o.push_str("</tr>\n");
                }
                o.push_str("</tbody>\n</table>\n");
            }
            Block::Svg(_, svg) => {
                o.push_str("<figure>\n");
                o.push_str(svg);
                o.push_str("</figure>\n");
            }
        }
    }
    o.push_str("</body>\n</html>\n");
    o
}

/// Plain text: headings underlined, tables aligned, pictures named.
pub fn text(blocks: &[Block]) -> String {
    let mut o = String::new();
    for b in blocks {
        match b {
            Block::Heading(l, t) => {
                let ch = match l {
                    1 => '=',
                    2 => '-',
                    _ => '~',
                };
                let _ = writeln!(o, "{t}\n{}\n", ch.to_string().repeat(t.chars().count()));
            }
            Block::Para(t) => {
                let _ = writeln!(o, "{}\n", wrap(t, 100));
            }
            Block::List(items) => {
                for i in items {
                    let _ = writeln!(o, "  * {i}");
                }
                o.push('\n');
            }
            Block::Table(h, rows) => {
                let mut w: Vec<usize> = h.iter().map(|c| c.chars().count()).collect();
                for r in rows {
                    for (i, c) in r.iter().enumerate() {
                        if let Some(x) = w.get_mut(i) {
                            *x = (*x).max(c.chars().count());
                        }
                    }
                }
                let line = |cells: &[String], o: &mut String| {
                    let mut l = String::new();
                    for (i, c) in cells.iter().enumerate() {
                        let pad = w.get(i).copied().unwrap_or(0);
                        let _ = write!(l, "{c:<pad$}  ");
                    }
                    let _ = writeln!(o, "  {}", l.trim_end());
                };
                line(h, &mut o);
                let rule: Vec<String> = w.iter().map(|n| "-".repeat(*n)).collect();
                line(&rule, &mut o);
                for r in rows {
                    line(r, &mut o);
                }
                o.push('\n');
            }
            Block::Svg(name, _) => {
                let _ = writeln!(o, "  [picture: {name}]\n");
            }
        }
    }
    o
}

fn wrap(t: &str, width: usize) -> String {
    let mut o = String::new();
    let mut col = 0;
    for word in t.split(' ') {
        let n = word.chars().count();
        if col > 0 && col + 1 + n > width {
            o.push('\n');
            col = 0;
        } else if col > 0 {
            o.push(' ');
            col += 1;
        }
        o.push_str(word);
        col += n;
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Vec<Block> {
        vec![
            Block::Heading(1, "R <1>".into()),
            Block::Heading(2, "DNS".into()),
            Block::Para("a | b".into()),
            Block::Table(
                vec!["A".into(), "B".into()],
                vec![vec!["x&y".into(), "1".into()]],
            ),
            Block::Svg("io.svg".into(), "<svg></svg>".into()),
        ]
    }

    #[test]
    fn html_escapes_and_inlines() {
        let h = html("t", &doc());
        assert!(h.contains("<h1 id=\"s0\">R &lt;1&gt;</h1>"));
        assert!(h.contains("<td>x&amp;y</td>"));
        assert!(h.contains("<figure>\n<svg></svg></figure>"));
        assert!(!h.contains("<script") && !h.contains("http://") && !h.contains("https://"));
    }

    #[test]
    fn markdown_tables_and_pictures() {
        let m = markdown(&doc());
        assert!(m.contains("| A | B |\n|---|---|\n| x&y | 1 |"));
        assert!(m.contains("a \\| b"));
        assert!(m.contains("![io.svg](io.svg)"));
    }

    #[test]
    fn text_tables_are_aligned() {
        let t = text(&doc());
        assert!(t.contains("  A    B\n  ---  -\n  x&y  1\n"));
        assert!(t.contains("DNS\n---\n"));
    }
}
