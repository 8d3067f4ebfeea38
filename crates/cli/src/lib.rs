//! Shared plumbing for the salt-rs binaries: logging, the local client that
//! talks to the master's Unix socket, and one module per command. Each
//! binary in `src/bin/` only calls the command's `main`.

#![forbid(unsafe_code)]

pub mod call;
pub mod client;
pub mod daemon;
pub mod key;
pub mod logging;
pub mod publish;
pub mod salt;
