//! `wirelab capture`: live capture as tshark/dumpcap do it — a packet list
//! line per packet, or one pcapng file with an interface per `-i` — until
//! `-c`, `-a duration:SECS`, SIGINT or SIGTERM.

use std::io::{self, BufWriter, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Args;
use wirelab_capture::{Capture, Direction, Frame, IfSpec, Options, PcapngFile, Sink};
use wirelab_dissect::{Dissector, FrameMeta, Packet};

use crate::read::Usage;

/// Options of `wirelab capture`, spelled as tshark's.
#[derive(Args, Debug)]
pub struct CaptureArgs {
    /// Interface to capture on: IF, or NETNS/IF for one inside the network
    /// namespace /run/netns/NETNS (repeatable).
    #[arg(short = 'i', value_name = "INTERFACE", required = true)]
    pub interfaces: Vec<String>,
    /// Write the packets to FILE (pcapng, one interface block per -i),
    /// atomically: a temporary file renamed at the end.
    #[arg(short = 'w', value_name = "FILE")]
    pub write: Option<PathBuf>,
    /// Display filter: print (or, with -w, write) only matching packets.
    #[arg(short = 'Y', value_name = "FILTER")]
    pub display_filter: Option<String>,
    /// Stop after this many packets (those the display filter passes).
    #[arg(short = 'c', value_name = "COUNT")]
    pub count: Option<u64>,
    /// Autostop condition: duration:SECS.
    #[arg(short = 'a', value_name = "CONDITION")]
    pub autostop: Vec<String>,
    /// Which packets to capture: in (received only), out, or both.
    #[arg(long, value_name = "DIR", default_value = "both")]
    pub direction: Direction,
    /// Put the interfaces in promiscuous mode.
    #[arg(long)]
    pub promisc: bool,
    /// Bytes to keep of each packet (0: all).
    #[arg(short = 's', value_name = "SNAPLEN", default_value_t = 0)]
    pub snaplen: u32,
    /// Print no packet lines (only the counts at the end).
    #[arg(short = 'q')]
    pub quiet: bool,
}

/// Runs `wirelab capture`.
pub fn run(args: CaptureArgs) -> Result<()> {
    let mut specs = Vec::with_capacity(args.interfaces.len());
    for i in &args.interfaces {
        specs.push(i.parse::<IfSpec>().map_err(|e| Usage(e.to_string()))?);
    }
    let mut deadline = None;
    for a in &args.autostop {
        let secs = a
            .strip_prefix("duration:")
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .ok_or_else(|| {
                Usage(format!(
                    "invalid autostop condition {a:?}: wirelab capture supports duration:SECS"
                ))
            })?;
        deadline = Some(Instant::now() + Duration::from_secs_f64(secs.min(1e9)));
    }
    let filter = match &args.display_filter {
        None => None,
        Some(e) => Some(wirelab_filter::compile(e).map_err(|err| Usage(err.render(e)))?),
    };
    let opts = Options {
        direction: args.direction,
        promiscuous: args.promisc,
        snaplen: args.snaplen,
        ..Options::default()
    };
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // The first signal stops the capture cleanly; a second one, while
        // it is finishing, ends the process at once.
        signal_hook::flag::register_conditional_shutdown(sig, 1, Arc::clone(&stop))
            .context("cannot install the signal handler")?;
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .context("cannot install the signal handler")?;
    }
    let mut cap = Capture::open(&specs, &opts)?;
    let file = match &args.write {
        Some(p) => Some(PcapngFile::create(p, cap.interfaces())?),
        None => None,
    };
    let names: Vec<String> = specs.iter().map(|s| format!("'{s}'")).collect();
    eprintln!("Capturing on {}", join_and(&names));
    let linktypes: Vec<u32> = cap.interfaces().iter().map(|i| i.linktype).collect();
    let print = file.is_none() && !args.quiet;
    let mut dissector = Dissector::new();
    dissector.set_labels(false);
    let mut want: Vec<wirelab_dissect::FieldRef> =
        vec![&wirelab_dissect::proto::frame::TIME_RELATIVE];
    if let Some(f) = &filter {
        want.extend_from_slice(f.fields());
    }
    dissector.set_wanted(Some(&want));
    let stdout = io::stdout();
    let mut sink = CliSink {
        dissect: print || filter.is_some(),
        dissector,
        pkt: Packet::new(),
        filter,
        file,
        out: BufWriter::with_capacity(1 << 16, stdout.lock()),
        print,
        linktypes,
        seen: 0,
        kept: 0,
        limit: args.count,
        closed: false,
    };
    let r = cap.run(&stop, deadline, &mut sink);
    let stats = cap.stats();
    let flushed = sink.out.flush();
    let kept = sink.kept;
    let file = sink.file.take();
    drop(sink);
    r?;
    if let Err(e) = flushed {
        if e.kind() != io::ErrorKind::BrokenPipe {
            return Err(e.into());
        }
    }
    if let Some(f) = file {
        f.finish_with_stats(&stats)?;
    }
    eprintln!("{kept} packet{} captured", if kept == 1 { "" } else { "s" });
    for (s, st) in specs.iter().zip(&stats) {
        let errs = if st.link_errors > 0 {
            format!(
                " ({} link error{}: the interface went down or away)",
                st.link_errors,
                if st.link_errors == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        eprintln!(
            "{s}: {} received / {} dropped by kernel{errs}",
            st.received, st.dropped
        );
    }
    Ok(())
}

/// `'a'`, `'a' and 'b'`, `'a', 'b' and 'c'` as tshark lists interfaces.
fn join_and(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

struct CliSink<'a> {
    dissect: bool,
    dissector: Dissector,
    pkt: Packet,
    filter: Option<wirelab_filter::Filter>,
    file: Option<PcapngFile>,
    out: BufWriter<io::StdoutLock<'a>>,
    print: bool,
    linktypes: Vec<u32>,
    seen: u64,
    kept: u64,
    limit: Option<u64>,
    closed: bool,
}

impl Sink for CliSink<'_> {
    fn packet(&mut self, f: &Frame<'_>) -> Result<ControlFlow<()>, wirelab_capture::Error> {
        if self.closed {
            return Ok(ControlFlow::Break(()));
        }
        self.seen += 1;
        if self.dissect {
            let meta = FrameMeta {
                number: self.seen,
                ts_secs: f.ts_secs,
                ts_nanos: f.ts_nanos,
                cap_len: f.data.len() as u32,
                orig_len: f.orig_len,
                linktype: self.linktypes.get(f.iface).copied().unwrap_or(1),
                interface_id: f.iface as u32,
                no_ts: false,
                custom: None,
            };
            self.dissector.dissect(meta, f.data, &mut self.pkt);
            if let Some(flt) = &self.filter {
                if !flt.matches(&self.pkt, f.data) {
                    return Ok(ControlFlow::Continue(()));
                }
            }
        }
        self.kept += 1;
        if let Some(file) = self.file.as_mut() {
            file.write(f)?;
        } else if self.print {
            let r = wirelab_print::list::write_line(&self.pkt, &mut self.out)
                .and_then(|_| self.out.flush());
            if let Err(e) = r {
                if e.kind() == io::ErrorKind::BrokenPipe {
                    // `| head`: stop quietly, as a closed pipe is no failure.
                    self.closed = true;
                    return Ok(ControlFlow::Break(()));
                }
                return Err(wirelab_capture::Error::Sink(format!("cannot print: {e}")));
            }
        }
        if self.limit.is_some_and(|l| self.kept >= l) {
            return Ok(ControlFlow::Break(()));
        }
        Ok(ControlFlow::Continue(()))
    }

    fn idle(&mut self) -> Result<(), wirelab_capture::Error> {
        if let Some(file) = self.file.as_mut() {
            file.idle()?;
        }
        Ok(())
    }
}
