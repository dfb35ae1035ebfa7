//! `-V`: the detail tree, four spaces per level, hidden items left out.

use std::io::{self, Write};

use wirelab_dissect::{packet::HIDDEN, Packet, NIL};

/// Writes the whole tree of a packet followed by a blank line.
pub fn write_tree(pkt: &Packet, frame: &[u8], out: &mut impl Write) -> io::Result<()> {
    let mut line = String::new();
    // Iterative pre-order walk: (node, depth).
    let mut stack: Vec<(u32, usize)> = pkt.children(NIL).map(|c| (c, 0)).collect();
    stack.reverse();
    while let Some((id, depth)) = stack.pop() {
        let Some(n) = pkt.nodes.get(id as usize) else {
            continue;
        };
        if n.flags & HIDDEN != 0 {
            continue;
        }
        line.clear();
        for _ in 0..depth {
            line.push_str("    ");
        }
        pkt.label_into(n, frame, &mut line);
        line.push('\n');
        out.write_all(line.as_bytes())?;
        let start = stack.len();
        stack.extend(pkt.children(id).map(|c| (c, depth + 1)));
        stack[start..].reverse();
    }
    out.write_all(b"\n")
}
