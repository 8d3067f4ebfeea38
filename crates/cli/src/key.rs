//! `salt-rs-key`: being written.
