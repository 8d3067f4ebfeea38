//! Key store in Salt's layout (minions, minions_pre, minions_rejected, minions_denied), fingerprints, salt-rs-key

#![forbid(unsafe_code)]
