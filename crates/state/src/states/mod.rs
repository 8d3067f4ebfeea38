//! State modules, one file per Salt module, one struct per function
//! (`impl StateFn`), listed in `registry.rs`. `calls.rs` is how the system
//! modules call execution functions.

mod calls;
pub mod group;
pub mod kmod;
pub mod pkg;
mod pkg_targets;
pub mod pkgrepo;
pub mod service;
pub mod sysctl;
pub mod test;
pub mod user;
