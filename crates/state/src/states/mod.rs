//! State modules, one file per Salt module, one struct per function
//! (`impl StateFn`), listed in `registry.rs`. `calls.rs` is how the system
//! modules call execution functions.

pub mod archive;
mod archive_fs;
mod archive_source;
mod archive_unpack;
mod calls;
pub mod cmd;
mod cmd_stateful;
pub mod file;
pub mod group;
pub mod kmod;
pub mod module;
pub mod pkg;
mod pkg_targets;
pub mod pkgrepo;
pub mod service;
pub mod sysctl;
pub mod test;
pub mod user;
