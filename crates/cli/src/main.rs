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
    /// DHCP server (`wirelab dhcp --interface IF`; `wirelab dhcp leases` lists leases).
    Dhcp(wirelab_services::dhcp::DhcpArgs),
    /// DHCP client: obtain, renew and release a lease on an interface.
    DhcpClient(wirelab_services::dhcp::ClientArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Fields => {
            for f in wirelab_dissect::registry().all() {
                println!("{}\t{}\t{}", f.abbrev, f.name, f.ftype.wireshark_name());
            }
        }
        Cmd::Dhcp(a) => tokio::runtime::Runtime::new()?.block_on(wirelab_services::dhcp::run(a))?,
        Cmd::DhcpClient(a) => {
            tokio::runtime::Runtime::new()?.block_on(wirelab_services::dhcp::run_client(a))?
        }
    }
    Ok(())
}
