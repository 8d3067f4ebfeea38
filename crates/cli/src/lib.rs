//! Shared plumbing for the salt-rs binaries: logging setup and the local
//! client that talks to the master's Unix socket.

#![forbid(unsafe_code)]

pub mod key;
