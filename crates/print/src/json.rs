//! `-T json`: tshark's JSON structure (`_source.layers`, one object per
//! protocol, `<field>_tree` objects for subtrees, values as strings).

use std::io::{self, Write};

use wirelab_dissect::{packet::HIDDEN, FieldType, Packet, NIL};

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
}

/// Writes one packet as an element of the top-level JSON array. `first`
/// tells whether to open the array (the caller closes it with `]`).
pub fn write_json(pkt: &Packet, frame: &[u8], first: bool, out: &mut impl Write) -> io::Result<()> {
    let mut s = String::new();
    s.push_str(if first { "[\n" } else { ",\n" });
    s.push_str("  {\n    \"_index\": \"packets\",\n    \"_type\": \"doc\",\n    \"_score\": null,\n    \"_source\": {\n      \"layers\": {\n");
    let roots: Vec<u32> = pkt.children(NIL).collect();
    let mut firstp = true;
    for r in roots {
        let n = &pkt.nodes[r as usize];
        if n.field.ftype != FieldType::Protocol {
            continue;
        }
        if !firstp {
            s.push_str(",\n");
        }
        firstp = false;
        s.push_str("        \"");
        escape(n.field.abbrev, &mut s);
        s.push_str("\": ");
        object(pkt, frame, r, 4, &mut s);
    }
    s.push_str("\n      }\n    }\n  }");
    out.write_all(s.as_bytes())
}

fn object(pkt: &Packet, frame: &[u8], id: u32, depth: usize, s: &mut String) {
    let pad = "  ".repeat(depth + 1);
    s.push_str("{\n");
    let mut first = true;
    let mut val = String::new();
    for c in pkt.children(id) {
        let n = &pkt.nodes[c as usize];
        if n.flags & HIDDEN != 0 && n.field.ftype == FieldType::None {
            continue;
        }
        if !first {
            s.push_str(",\n");
        }
        first = false;
        val.clear();
        let key = if n.field.ftype == FieldType::None || n.field.ftype == FieldType::Protocol {
            pkt.label_into(n, frame, &mut val);
            let k = std::mem::take(&mut val);
            val = k;
            None
        } else {
            pkt.fmt_value(frame, n, &mut val);
            Some(n.field.abbrev)
        };
        let has_children = n.first_child != NIL;
        match key {
            Some(k) => {
                s.push_str(&pad);
                s.push('"');
                escape(k, s);
                s.push_str("\": \"");
                escape(&val, s);
                s.push('"');
                if has_children {
                    s.push_str(",\n");
                    s.push_str(&pad);
                    s.push('"');
                    escape(k, s);
                    s.push_str("_tree\": ");
                    object(pkt, frame, c, depth + 1, s);
                }
            }
            None => {
                s.push_str(&pad);
                s.push('"');
                escape(&val, s);
                s.push_str("\": ");
                if has_children {
                    object(pkt, frame, c, depth + 1, s);
                } else {
                    s.push_str("\"\"");
                }
            }
        }
    }
    s.push('\n');
    s.push_str(&"  ".repeat(depth));
    s.push('}');
}
