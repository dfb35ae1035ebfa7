//! `wirelab report CAPTURE [--out DIR] [--format md|html|text]`: reads a
//! capture, extracts what a careful student report explains (DHCP, DNS,
//! TCP, HTTP, RUDP, expert findings, phases) and writes it as Markdown and
//! self-contained HTML with SVG pictures, printing the chosen version.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use clap::Args;
use wirelab_analysis::report::{Builder, Report};
use wirelab_dissect::{Dissector, Packet};
use wirelab_print::report as doc;

/// Options of `wirelab report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Capture file (pcap or pcapng, gzip allowed).
    pub capture: PathBuf,
    /// Directory for report.md, report.html and the SVG pictures.
    #[arg(long, value_name = "DIR", default_value = "report")]
    pub out: PathBuf,
    /// Version printed on stdout: text (default), md or html.
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub format: String,
}

/// Dissects the whole capture (full trees) and builds its report.
pub fn analyze(file: &Path) -> Result<Report> {
    let mut reader = wirelab_pcap::Reader::open(file)
        .with_context(|| format!("cannot read {}", file.display()))?;
    let mut dissector = Dissector::new();
    let mut pkt = Packet::new();
    let mut builder = Builder::new();
    let mut number = 0u64;
    let mut comments: Vec<String> = Vec::new();
    while let Some(p) = reader
        .next_packet()
        .map_err(|e| anyhow!("{}: {e}", file.display()))?
    {
        number += 1;
        let meta = crate::read::meta_of(&p, number);
        dissector.dissect(meta, p.data, &mut pkt);
        comments.clear();
        comments.extend(p.comments().map(|c| c.into_owned()));
        builder.packet(&pkt, p.data, &comments);
    }
    let mut r = builder.finish();
    r.title = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string());
    Ok(r)
}

/// Writes `text` to `path` through a temporary file renamed into place.
fn write_file(path: &Path, text: &str) -> Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))
}

/// Runs `wirelab report`.
pub fn run(args: ReportArgs) -> Result<()> {
    let format = match args.format.as_str() {
        "text" | "md" | "html" => args.format.as_str(),
        other => {
            return Err(crate::read::Usage(format!(
                "invalid --format \"{other}\": wirelab report prints text, md or html"
            ))
            .into())
        }
    };
    let r = analyze(&args.capture)?;
    let blocks = doc::document(&r);
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let md = doc::markdown(&blocks);
    let html = doc::html(&format!("Capture report: {}", r.title), &blocks);
    write_file(&args.out.join("report.md"), &md)?;
    write_file(&args.out.join("report.html"), &html)?;
    for b in &blocks {
        if let doc::Block::Svg(name, svg) = b {
            write_file(&args.out.join(name), svg)?;
        }
    }
    let shown = match format {
        "md" => md,
        "html" => html,
        _ => doc::text(&blocks),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(shown.as_bytes())?;
    out.flush()?;
    Ok(())
}
