//! Execution modules, one file each, and the registry that dispatches them

#![forbid(unsafe_code)]
