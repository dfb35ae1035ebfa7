//! `wirelab read`: tshark's reading mode — dissect a capture file and print
//! it as a packet list, fields, a detail tree, hex or JSON, or write the
//! packets to a new file.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use clap::Args;
use wirelab_dissect::{Dissector, FrameMeta, Packet};
use wirelab_print::{FieldsOptions, FieldsPrinter};

mod par;

/// Options of `wirelab read`, spelled as tshark's.
#[derive(Args, Debug)]
pub struct ReadArgs {
    /// Capture file to read (pcap or pcapng, gzip allowed; `-` for stdin).
    #[arg(short = 'r', value_name = "FILE")]
    pub file: PathBuf,
    /// Output format: text (default), fields, json.
    #[arg(short = 'T', value_name = "FORMAT")]
    pub format: Option<String>,
    /// Field to print with `-T fields` (repeatable).
    #[arg(short = 'e', value_name = "FIELD")]
    pub fields: Vec<String>,
    /// Fields options: separator=, aggregator=, occurrence=, header=, quote=.
    #[arg(short = 'E', value_name = "OPTION")]
    pub fields_opts: Vec<String>,
    /// Stop after reading this many packets (as tshark counts them: read,
    /// whether or not the display filter shows them).
    #[arg(short = 'c', value_name = "COUNT")]
    pub count: Option<u64>,
    /// Display filter: print (and write) only the packets it selects.
    #[arg(short = 'Y', value_name = "FILTER")]
    pub display_filter: Option<String>,
    /// Read filter (needs -2): packets it rejects are dropped in the first pass.
    #[arg(short = 'R', value_name = "FILTER")]
    pub read_filter: Option<String>,
    /// Two passes: dissect the whole file first, then print.
    #[arg(short = '2')]
    pub two_pass: bool,
    /// No name resolution (wirelab never resolves names; accepted for tshark compatibility).
    #[arg(short = 'n')]
    pub no_resolve: bool,
    /// Print nothing per packet (useful with -w or statistics).
    #[arg(short = 'q')]
    pub quiet: bool,
    /// Print the packet details tree.
    #[arg(short = 'V')]
    pub verbose: bool,
    /// Print the packet bytes as hex and ASCII.
    #[arg(short = 'x')]
    pub hex: bool,
    /// Write the packets to FILE (pcapng, or pcap with `-F pcap`), atomically.
    #[arg(short = 'w', value_name = "FILE")]
    pub write: Option<PathBuf>,
    /// Output file format for -w: pcapng (default) or pcap.
    #[arg(short = 'F', value_name = "FORMAT")]
    pub out_format: Option<String>,
    /// Statistics, as tshark's -z (repeatable): printed after the packets.
    #[arg(short = 'z', value_name = "STATISTIC")]
    pub stats: Vec<String>,
    /// Write the flow graph (ladder per conversation) and the I/O graph to
    /// FILE as one standalone SVG.
    #[arg(long = "export-svg", value_name = "FILE")]
    pub export_svg: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Fields,
    Json,
}

/// Runs `wirelab read`.
pub fn run(args: ReadArgs) -> Result<()> {
    let format = match args.format.as_deref() {
        None | Some("text") => Format::Text,
        Some("fields") => Format::Fields,
        Some("json") => Format::Json,
        Some(other) => {
            return Err(anyhow!(
                "invalid -T \"{other}\": wirelab read supports text, fields and json"
            ))
        }
    };
    let mut fopts = FieldsOptions::default();
    for o in &args.fields_opts {
        fopts.apply(o).map_err(|e| anyhow!(e))?;
    }
    let mut fields = if format == Format::Fields {
        if args.fields.is_empty() {
            return Err(anyhow!(
                "-T fields was specified, but no fields were specified with -e"
            ));
        }
        Some(
            FieldsPrinter::new(&args.fields, wirelab_dissect::registry(), fopts.clone())
                .map_err(|e| anyhow!(e))?,
        )
    } else {
        None
    };
    let display = compile_filter(args.display_filter.as_deref())?;
    let read_filter = compile_filter(args.read_filter.as_deref())?;
    if read_filter.is_some() && !args.two_pass {
        return Err(Usage(
            "-R without -2 is not allowed: use -Y for a display filter, or add -2".into(),
        )
        .into());
    }
    // Two passes: the first dissects every frame and keeps the numbers of
    // those the read filter accepts; the second prints them, renumbered.
    let keep = match (&read_filter, args.two_pass) {
        (Some(rf), true) => Some(first_pass(&args.file, rf)?),
        _ => None,
    };
    let mut taps = Vec::with_capacity(args.stats.len());
    for spec in &args.stats {
        taps.push(wirelab_analysis::tap(spec).map_err(|e| Usage(e.to_string()))?);
    }
    let mut reader = wirelab_pcap::Reader::open(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    reader.deliver_custom_blocks(true);
    let mut writer = match &args.write {
        Some(path) => Some(OutFile::create(path, args.out_format.as_deref(), &reader)?),
        None => None,
    };
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    if let Some(f) = &fields {
        f.write_header(&mut out)?;
    }
    let print =
        !args.quiet && (args.write.is_none() || args.verbose || args.hex || format != Format::Text);
    // Item text and the whole tree are only shown by -V and JSON; otherwise
    // only the fields printed or filtered on get tree nodes.
    let full_tree = args.verbose || format == Format::Json;
    // Protocol labels are read by -T fields (`-e ip`), filters (`string(ip)`)
    // and the SVG report; statistics without a filter of their own (two
    // words: `conv,tcp`, `io,phs`) never read them.
    let proto_labels = full_tree
        || fields.is_some()
        || display.is_some()
        || args.export_svg.is_some()
        || args.stats.iter().any(|s| s.split(',').count() > 2);
    let tap_fields: Option<Vec<wirelab_dissect::FieldRef>> =
        taps.iter()
            .try_fold(Vec::new(), |mut acc, t| match t.want() {
                wirelab_analysis::Want::Fields(f) => {
                    acc.extend(f);
                    Some(acc)
                }
                wirelab_analysis::Want::All => None,
            });
    let mut svg = args
        .export_svg
        .as_ref()
        .map(|_| wirelab_analysis::report::Builder::new());
    // What the taps read besides their fields; what is read by nobody (the
    // columns, the protocols above the transport) is not dissected.
    let needs = taps
        .iter()
        .fold(wirelab_analysis::Needs::NONE, |acc, t| acc.or(t.needs()));
    let per_packet = print || fields.is_some() || svg.is_some();
    let want: Option<Vec<wirelab_dissect::FieldRef>> =
        if !full_tree && tap_fields.is_some() && svg.is_none() {
            let mut want: Vec<wirelab_dissect::FieldRef> =
                vec![&wirelab_dissect::proto::frame::TIME_RELATIVE];
            if let Some(f) = &fields {
                want.extend(f.fields());
            }
            if let Some(f) = &display {
                want.extend_from_slice(f.fields());
            }
            want.extend(tap_fields.into_iter().flatten());
            Some(want)
        } else {
            None
        };
    // The Info column is read only by the packet list, `-e _ws.col.Info`,
    // statistics and the SVG report; `-T fields` otherwise skips its text.
    let info_needed = format != Format::Fields
        || args.verbose
        || args.hex
        || !taps.is_empty()
        || svg.is_some()
        || fields.as_ref().is_some_and(|f| f.reads_info());
    let new_dissector = || {
        let mut d = Dissector::new();
        d.set_labels(full_tree);
        d.set_protocol_labels(proto_labels);
        d.set_columns(per_packet || needs.columns);
        d.set_app_layers(per_packet || display.is_some() || needs.app_layers);
        d.set_wanted_layers(needs.layers);
        if want.is_some() {
            d.set_wanted(want.as_deref());
        }
        d.set_info_column(info_needed);
        d
    };
    let threads = par::threads()?;
    let parallel = threads > 1
        && print
        && !args.verbose
        && !args.hex
        && format != Format::Json
        && args.write.is_none()
        && taps.is_empty()
        && svg.is_none()
        && !args.two_pass
        && !fields.as_ref().is_some_and(|f| f.fields().any(cross_shard))
        && !display
            .as_ref()
            .is_some_and(|f| f.fields().iter().copied().any(cross_shard));
    if parallel {
        // Each worker may hold its part of the reassembly budget, but at
        // least one whole PDU of the largest size reassembled.
        let limit = (wirelab_dissect::proto::tcp::MAX_REASSEMBLY / threads)
            .max(wirelab_dissect::proto::tcp::MAX_PDU);
        let dissectors = (0..threads)
            .map(|_| {
                let mut d = new_dissector();
                d.set_reassembly_limit(limit);
                d
            })
            .collect();
        let filters = match args.display_filter.as_deref() {
            Some(_) => Some(
                (0..threads)
                    .map(|_| compile_filter(args.display_filter.as_deref()))
                    .filter_map(|f| f.transpose())
                    .collect::<Result<Vec<_>>>()?,
            ),
            None => None,
        };
        let print = match &fields {
            Some(_) => par::Print::Fields(
                (0..threads)
                    .map(|_| {
                        FieldsPrinter::new(&args.fields, wirelab_dissect::registry(), fopts.clone())
                            .map_err(|e| anyhow!(e))
                    })
                    .collect::<Result<Vec<_>>>()?,
            ),
            None => par::Print::List,
        };
        let job = par::Job {
            dissectors,
            filters,
            print,
            count: args.count,
        };
        let r = par::run(job, &mut reader, &args.file, &mut out);
        out.flush()?;
        return r;
    }
    let mut dissector = new_dissector();
    let mut pkt = Packet::new();
    let mut number = 0u64;
    let mut first_json = true;
    let result: Result<()> = (|| {
        let mut read = 0u64;
        loop {
            if args.count.is_some_and(|c| read >= c) {
                break;
            }
            let p = match reader.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) => break,
                Err(e) => return Err(anyhow!("{}: {e}", args.file.display())),
            };
            read += 1;
            if let Some(k) = &keep {
                if k.binary_search(&read).is_err() {
                    continue;
                }
            }
            number += 1;
            let meta = meta_of(&p, number);
            let data = p.data;
            dissector.dissect(meta, data, &mut pkt);
            // Statistics see every packet read, whatever -Y shows (as tshark).
            for t in taps.iter_mut() {
                t.packet(&pkt, data);
            }
            if let Some(b) = svg.as_mut() {
                b.packet(&pkt, data, &[]);
            }
            if let Some(f) = &display {
                if !f.matches(&pkt, data) {
                    continue;
                }
            }
            if let Some(w) = writer.as_mut() {
                w.write(&p)?;
            }
            if !print {
                continue;
            }
            match format {
                Format::Fields => {
                    if let Some(f) = fields.as_mut() {
                        f.write(&pkt, data, &mut out)?;
                    }
                }
                Format::Json => {
                    wirelab_print::json::write_json(&pkt, data, first_json, &mut out)?;
                    first_json = false;
                }
                Format::Text => {
                    if args.verbose {
                        wirelab_print::tree::write_tree(&pkt, data, &mut out)?;
                    } else {
                        wirelab_print::list::write_line(&pkt, &mut out)?;
                    }
                    if args.hex {
                        wirelab_print::hex::write_packet_hex(&pkt, data, &mut out)?;
                    }
                }
            }
        }
        Ok(())
    })();
    if format == Format::Json && print {
        if first_json {
            out.write_all(b"[\n")?;
        }
        out.write_all(b"\n]\n")?;
    }
    if result.is_ok() {
        for t in taps.iter_mut() {
            t.finish(&mut out)?;
        }
    }
    out.flush()?;
    if let Some(w) = writer {
        w.finish()?;
    }
    if let (Some(path), Some(b), true) = (&args.export_svg, svg, result.is_ok()) {
        let mut r = b.finish();
        r.title = args.file.display().to_string();
        std::fs::write(path, wirelab_print::report::capture_svg(&r))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    result
}

/// Whether a field's value depends on frames of other conversations (the
/// stream indexes count streams over the whole capture), so that the
/// parallel path ([`par`]), whose workers each see some conversations only,
/// cannot give it. The packet list, `-T fields` and `-Y` without these
/// fields go parallel; `-V`, `-x`, JSON, `-w`, `-z`, `-2` and the SVG
/// report always take the sequential path.
fn cross_shard(f: wirelab_dissect::FieldRef) -> bool {
    matches!(f.abbrev, "tcp.stream" | "udp.stream")
}

/// A capture being written: to a temporary file renamed into place at the
/// end, so a failure never leaves a half-written file under the real name.
struct OutFile {
    path: PathBuf,
    tmp: PathBuf,
    w: Writer,
    ifaces: Vec<Option<u32>>,
}

enum Writer {
    Pcapng(wirelab_pcap::Writer<BufWriter<std::fs::File>>),
    Pcap(wirelab_pcap::Writer<BufWriter<std::fs::File>>),
}

impl OutFile {
    fn create(path: &Path, format: Option<&str>, reader: &wirelab_pcap::Reader) -> Result<Self> {
        let tmp = tmp_name(path);
        let file = std::fs::File::create(&tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        let bw = BufWriter::with_capacity(1 << 16, file);
        let w = match format {
            None | Some("pcapng") => Writer::Pcapng(wirelab_pcap::Writer::pcapng(bw)?),
            Some("pcap") => {
                let (lt, snap) = reader
                    .interfaces()
                    .first()
                    .map(|i| (i.linktype, i.snaplen))
                    .unwrap_or((1, 262144));
                Writer::Pcap(wirelab_pcap::Writer::pcap(
                    bw,
                    lt,
                    if snap == 0 { 262144 } else { snap },
                    true,
                )?)
            }
            Some(other) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(anyhow!(
                    "invalid -F \"{other}\": wirelab writes pcapng and pcap"
                ));
            }
        };
        Ok(OutFile {
            path: path.to_path_buf(),
            tmp,
            w,
            ifaces: Vec::new(),
        })
    }

    fn write(&mut self, p: &wirelab_pcap::Packet<'_>) -> Result<()> {
        match &mut self.w {
            Writer::Pcap(w) => {
                w.write_packet(0, p.ts_secs, p.ts_nanos, p.orig_len, p.data, None)?
            }
            Writer::Pcapng(w) => {
                let idx = p.interface_id as usize;
                if self.ifaces.len() <= idx {
                    self.ifaces.resize(idx + 1, None);
                }
                let id = match self.ifaces[idx] {
                    Some(id) => id,
                    None => {
                        let iface = p
                            .interface()
                            .cloned()
                            .unwrap_or_else(|| wirelab_pcap::Interface::new(p.linktype));
                        let id = w.add_interface(&iface)?;
                        self.ifaces[idx] = Some(id);
                        id
                    }
                };
                let comment: Option<String> = p.comments().next().map(|c| c.into_owned());
                w.write_packet(
                    id,
                    p.ts_secs,
                    p.ts_nanos,
                    p.orig_len,
                    p.data,
                    comment.as_deref(),
                )?
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        let w = match self.w {
            Writer::Pcap(w) | Writer::Pcapng(w) => w.finish()?,
        };
        let file = w
            .into_inner()
            .map_err(|e| anyhow!("cannot write {}: {}", self.tmp.display(), e.error()))?;
        file.sync_all()
            .with_context(|| format!("cannot write {}", self.tmp.display()))?;
        std::fs::rename(&self.tmp, &self.path).with_context(|| {
            format!(
                "cannot rename {} to {}",
                self.tmp.display(),
                self.path.display()
            )
        })?;
        Ok(())
    }
}

fn tmp_name(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}

/// A command-line mistake: reported with exit status 2.
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// Compiles a filter, or explains where it is wrong as tshark does.
fn compile_filter(expr: Option<&str>) -> Result<Option<wirelab_filter::Filter>> {
    match expr {
        None => Ok(None),
        Some(e) => match wirelab_filter::compile(e) {
            Ok(f) => Ok(Some(f)),
            Err(err) => Err(Usage(err.render(e)).into()),
        },
    }
}

/// The first of two passes: numbers of the frames the read filter keeps.
fn first_pass(file: &Path, filter: &wirelab_filter::Filter) -> Result<Vec<u64>> {
    let mut reader = wirelab_pcap::Reader::open(file)
        .with_context(|| format!("cannot read {}", file.display()))?;
    reader.deliver_custom_blocks(true);
    let mut dissector = Dissector::new();
    dissector.set_labels(false);
    dissector.set_wanted(Some(filter.fields()));
    let mut pkt = Packet::new();
    let mut keep = Vec::new();
    let mut number = 0u64;
    while let Some(p) = reader
        .next_packet()
        .map_err(|e| anyhow!("{}: {e}", file.display()))?
    {
        number += 1;
        let meta = meta_of(&p, number);
        dissector.dissect(meta, p.data, &mut pkt);
        if filter.matches(&pkt, p.data) {
            keep.push(number);
        }
    }
    Ok(keep)
}

/// Arguments of `wirelab filter`.
#[derive(Args, Debug)]
pub struct FilterArgs {
    /// The display filter to check.
    pub expr: String,
}

/// `wirelab filter EXPR`: checks a display filter and prints its compiled
/// form, as Wireshark's dftest does.
pub fn check_filter(args: FilterArgs) -> Result<()> {
    match wirelab_filter::dftest(&args.expr) {
        Ok(text) => {
            print!("{text}");
            if !text.ends_with('\n') {
                println!();
            }
            Ok(())
        }
        Err(e) => Err(Usage(e.render(&args.expr)).into()),
    }
}

/// What the dissector needs to know of a record.
pub(crate) fn meta_of(p: &wirelab_pcap::Packet<'_>, number: u64) -> FrameMeta {
    FrameMeta {
        number,
        ts_secs: p.ts_secs,
        ts_nanos: p.ts_nanos,
        cap_len: p.cap_len,
        orig_len: p.orig_len,
        linktype: p.linktype,
        interface_id: p.interface_id,
        no_ts: !p.has_ts,
        custom: match p.kind {
            wirelab_pcap::RecordKind::Custom { pen, copy_allowed } => Some((pen, copy_allowed)),
            _ => None,
        },
    }
}
