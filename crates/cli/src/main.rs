//! The `wirelab` binary: one subcommand per role.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod capture;
mod read;
mod report;

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
    /// Read a capture file and print it, as tshark -r does.
    Read(read::ReadArgs),
    /// Explain a capture: DHCP, DNS, TCP, HTTP, RUDP phases with frame numbers (md, html, text).
    Report(report::ReportArgs),
    /// Check a display filter and print its compiled form (like dftest).
    Filter(read::FilterArgs),
    /// List the fields the analyzer knows (like `tshark -G fields`).
    Fields,
    /// Authoritative DNS server with a forwarding cache (UDP and TCP).
    Dns(wirelab_services::dns::DnsArgs),
    /// DHCP server (`wirelab dhcp --interface IF`; `wirelab dhcp leases` lists leases).
    Dhcp(wirelab_services::dhcp::DhcpArgs),
    /// DHCP client: obtain, renew and release a lease on an interface.
    DhcpClient(wirelab_services::dhcp::ClientArgs),
    /// UDP relay with loss, delay, jitter, reordering, rate limit… (netem's job).
    Link(wirelab_lab::link::LinkArgs),
    /// Run the whole scenario on a virtual network; leave a capture and a report.
    Lab(wirelab_lab::LabArgs),
    /// Static HTTP/1.1 file server (`--generate-demo-files DIR` writes the scenario's files).
    Http(wirelab_services::http::HttpArgs),
    /// TCP echo server (`echo serve`) and client (`echo client --connect ADDR`).
    Echo(wirelab_services::echo::EchoArgs),
    /// File catalog (TCP 49153): lists the HTTP server's files with sizes and SHA-256.
    Catalog(wirelab_services::catalog::CatalogArgs),
    /// Application server on RUDP (UDP 49152): NEW, ECHO, STAT, GET, FETCH, BYE.
    App(wirelab_services::app::AppArgs),
    /// The scenario's client: DHCP, DNS, RUDP signals, downloads, TCP echo, summary.
    Client(wirelab_services::client::ClientArgs),
    /// Capture live packets (AF_PACKET rings; NETNS/IF for other namespaces), as tshark does.
    Capture(capture::CaptureArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let r = match cli.cmd {
        Cmd::Read(a) => read::run(a),
        Cmd::Report(a) => report::run(a),
        Cmd::Filter(a) => read::check_filter(a),
        Cmd::Fields => {
            for f in wirelab_dissect::registry().all() {
                println!("{}\t{}\t{}", f.abbrev, f.name, f.ftype.wireshark_name());
            }
            Ok(())
        }
        Cmd::Dns(args) => serve(wirelab_services::dns::run(args)),
        Cmd::Dhcp(a) => serve(wirelab_services::dhcp::run(a)),
        Cmd::DhcpClient(a) => serve(wirelab_services::dhcp::run_client(a)),
        Cmd::Lab(a) => wirelab_lab::run(a),
        Cmd::Http(a) => serve(wirelab_services::http::run(a)),
        Cmd::Echo(a) => serve(wirelab_services::echo::run(a)),
        Cmd::Capture(a) => capture::run(a),
        Cmd::Link(args) => {
            serve(async move { wirelab_lab::link::run_link(args).await.map(|_| ()) })
        }
        Cmd::Catalog(a) => serve(wirelab_services::catalog::run(a)),
        Cmd::App(a) => serve(wirelab_services::app::run(a)),
        Cmd::Client(a) => serve(wirelab_services::client::run(a)),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed pipe (`| head`) is not a failure.
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            if let Some(u) = e.downcast_ref::<read::Usage>() {
                eprintln!("wirelab: {u}");
                return ExitCode::from(2);
            }
            eprintln!("wirelab: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Runs a service or client on a tokio runtime until it ends.
fn serve(f: impl std::future::Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    tokio::runtime::Runtime::new()?.block_on(f)
}
