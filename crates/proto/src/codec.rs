//! MessagePack encoding of wire types, with a size limit checked before any
//! decoding happens, so an oversized message costs nothing but its length.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Default upper bound of one message (16 MiB), overridable in config.
pub const DEFAULT_MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// Deepest nesting of arrays, maps and enums accepted in one message.
/// Dynamic values (`serde_json::Value`) recurse once per level while
/// decoding; rmp-serde's own limit (1024) still overflows a 2 MiB thread
/// stack in debug builds at about 450 levels. Real messages stay far below.
pub const MAX_DEPTH: usize = 128;

#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("message of {len} bytes is over the limit of {limit} bytes")]
    TooLarge { len: usize, limit: usize },
    #[error("malformed message: {0}")]
    Decode(#[from] rmp_serde::decode::Error),
    #[error("cannot encode message: {0}")]
    Encode(#[from] rmp_serde::encode::Error),
}

/// Encodes with field names (robust against field reordering).
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, CodecError> {
    Ok(rmp_serde::to_vec_named(value)?)
}

/// Decodes `bytes` if they fit within `limit`.
pub fn decode<T: DeserializeOwned>(bytes: &[u8], limit: usize) -> Result<T, CodecError> {
    if bytes.len() > limit {
        return Err(CodecError::TooLarge {
            len: bytes.len(),
            limit,
        });
    }
    let mut de = rmp_serde::Deserializer::from_read_ref(bytes);
    de.set_max_depth(MAX_DEPTH);
    Ok(T::deserialize(&mut de)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_limit_is_checked_first() {
        let big = vec![0u8; 100];
        assert!(matches!(
            decode::<u8>(&big, 10),
            Err(CodecError::TooLarge {
                len: 100,
                limit: 10
            })
        ));
    }

    #[test]
    fn roundtrip_and_garbage() {
        let b = encode(&("a", 1u32)).unwrap();
        assert_eq!(decode::<(String, u32)>(&b, 1000).unwrap(), ("a".into(), 1));
        assert!(decode::<(String, u32)>(&[0xc1, 0xff, 0x00], 1000).is_err());
    }

    #[test]
    fn nesting_is_limited_before_the_stack_is() {
        let nested = |depth: usize| {
            let mut b = vec![0x91u8; depth];
            b.push(0xc0);
            b
        };
        assert!(decode::<serde_json::Value>(&nested(MAX_DEPTH - 1), 1 << 20).is_ok());
        assert!(decode::<serde_json::Value>(&nested(MAX_DEPTH), 1 << 20).is_err());
        assert!(decode::<serde_json::Value>(&nested(1 << 16), 1 << 20).is_err());
    }
}
