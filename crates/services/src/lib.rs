//! wirelab's network services, each a module with its own configuration:
//! a TOML file (`--config`) whose every setting has a built-in default for
//! the scenario in `../shared/DESIGN.md`, and clap arguments the `wirelab`
//! binary exposes as a subcommand.
//!
//! Layering: above `wirelab-rudp`, below `wirelab-lab` and the CLI. This is
//! the I/O edge: sockets, files and the clock live here, while the protocol
//! logic of each service is kept in plain functions that the tests drive
//! directly.
#![warn(missing_docs)]

pub mod app;
pub mod catalog;
pub mod client;
pub mod dhcp;
pub mod dns;
pub mod echo;
pub mod http;
