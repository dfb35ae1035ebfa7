//! The `wirelab` binary: one subcommand per role.

use clap::{Parser, Subcommand};

/// wirelab: network services, a client that walks through them, and an
/// analyzer that captures, dissects, filters and explains the traffic.
#[derive(Parser)]
#[command(name = "wirelab", version, about)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// List the fields the analyzer knows (like `tshark -G fields`).
    Fields,
    /// UDP relay with loss, delay, jitter, reordering, rate limit… (netem's job).
    Link(wirelab_lab::link::LinkArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Fields => {
            for f in wirelab_dissect::registry().all() {
                println!("{}\t{}\t{}", f.abbrev, f.name, f.ftype.wireshark_name());
            }
        }
        Cmd::Link(args) => {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(wirelab_lab::link::run_link(args))?;
        }
    }
    Ok(())
}
