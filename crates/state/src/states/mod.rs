//! State modules, one file per Salt module, one struct per function
//! (`impl StateFn`), listed in `registry.rs`.

pub mod file;
pub mod test;
