//! Compiles display filters read from standard input (one per line) against
//! the test field table (the fields of `../shared/filters/dev.txt` with their
//! Wireshark 4.0 types) and prints, for each, `OK` or the error as
//! `pos<TAB>len<TAB>message`, to compare with tshark's messages.

use std::io::BufRead;

use wirelab_filter as crate_resolver;
include!("../src/testfields.rs");

fn main() {
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        match wirelab_filter::compile_with(&line, &Fields) {
            Ok(_) => println!("{line}\tOK"),
            Err(e) => println!("{line}\t{}\t{}\t{}", e.pos, e.len, e.msg),
        }
    }
}
