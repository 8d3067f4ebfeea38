//! The salt-rs wire protocol: the only crate that serializes wire types.
//!
//! Layers, bottom up:
//! - [`codec`]: MessagePack encoding with a size limit checked before decoding.
//! - [`keys`]: ed25519 + X25519 key pairs, their file format and fingerprints.
//! - [`crypto`]: XChaCha20-Poly1305 sealing and HKDF session derivation.
//! - [`envelope`]: the signed (and usually encrypted) envelope every message
//!   travels in, and [`Verified`], the proof that a message passed checks.
//! - [`messages`]: closed enums, one per trust level.
//! - [`replay`]: timestamp window and nonce memory.
//!
//! docs/protocol.md describes the exchange message by message.

#![forbid(unsafe_code)]

pub mod codec;
pub mod crypto;
pub mod envelope;
pub mod keys;
pub mod local;
pub mod messages;
pub mod replay;

pub use codec::{CodecError, DEFAULT_MAX_MESSAGE};
pub use envelope::{Envelope, Kind, OpenError, Verified};
pub use keys::{KeyError, NodeKeys, PublicKeys};

/// Protocol version carried in every envelope.
pub const PROTOCOL_VERSION: u8 = 1;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Fills a buffer from the OS random source.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("the OS random source is unavailable");
    b
}
