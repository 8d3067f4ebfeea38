//! State modules, one file per Salt module, one struct per function
//! (`impl StateFn`), listed in `registry.rs`.

pub mod archive;
mod archive_fs;
mod archive_source;
mod archive_unpack;
pub mod cmd;
mod cmd_stateful;
pub mod file;
pub mod module;
pub mod test;
