//! Printers for dissected packets, in tshark's output formats: the packet
//! list, `-T fields`, the `-V` detail tree, the `-x` hex and ASCII dump, and
//! `-T json`; SVG pictures (ladder diagrams, I/O graphs) and the narrative
//! capture report (Markdown, HTML, text).
//!
//! Layering: above `wirelab-dissect` (and, as it grows, the analysis crate);
//! the printers write to any `std::io::Write` and keep their scratch buffers
//! between packets so printing a capture does not allocate per packet.
#![warn(missing_docs)]

pub mod fields;
pub mod hex;
pub mod json;
pub mod list;
pub mod report;
pub mod svg;
pub mod tree;

pub use fields::{FieldsOptions, FieldsPrinter, Occurrence};
