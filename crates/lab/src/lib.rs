//! wirelab's lab: the pieces that put the services on a (virtual) network.
//!
//! For now this is the impairment link ([`link`]): a UDP relay that runs
//! the seeded impairment model of [`wirelab_rudp::impair`] in both
//! directions, standing in for kernel netem (not available here). The
//! namespace topology and the scenario runner will join it.
//!
//! Layering: above `wirelab-rudp` (and later `wirelab-services`), below the
//! CLI. This crate does I/O: sockets, signals and the clock.
#![warn(missing_docs)]

pub mod link;
