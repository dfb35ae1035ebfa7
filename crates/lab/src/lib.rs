//! wirelab's lab: the pieces that put the services on a (virtual) network
//! and run the scenario on it.
//!
//! - [`topo`]: the topology, one network namespace per host joined by veth
//!   pairs to a bridge, named `wl<pid>-<role>`; removed on drop, and stale
//!   ones of crashed labs removed on the next start.
//! - [`proc`]: child processes in their own process groups, inside a
//!   namespace, logged to files, stopped group-wide on drop.
//! - [`scenario`]: the scenario's parameters (flags, `lab.toml`, defaults)
//!   and the generated zone and DHCP configuration.
//! - [`annotate`]: packet comments at the first packet of each phase.
//! - [`link`]: the impairment link, a UDP relay that runs the seeded
//!   impairment model of [`wirelab_rudp::impair`] in both directions,
//!   standing in for kernel netem (not available here).
//! - [`run`](mod@run): `wirelab lab`, which ties them together.
//!
//! Layering: above `wirelab-rudp`, `wirelab-pcap` and (through their
//! command lines only) the services, below the CLI. This crate does I/O:
//! processes, namespaces, sockets, signals and the clock. Every resource it
//! makes is owned by a Drop guard, and SIGINT/SIGTERM unwind through the
//! same guards as any error.
#![warn(missing_docs)]

pub mod annotate;
pub mod link;
pub mod proc;
pub mod run;
pub mod scenario;
pub mod signal;
pub mod topo;

pub use run::run;
pub use scenario::LabArgs;
