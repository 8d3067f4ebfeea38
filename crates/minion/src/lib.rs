//! The minion daemon as a library: auth state machine, one task per job

#![forbid(unsafe_code)]
