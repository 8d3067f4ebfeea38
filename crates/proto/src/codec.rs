//! MessagePack encoding of wire types, with a size limit checked before any
//! decoding happens, so an oversized message costs nothing but its length.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Default upper bound of one message (16 MiB), overridable in config.
pub const DEFAULT_MAX_MESSAGE: usize = 16 * 1024 * 1024;

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
    Ok(rmp_serde::from_slice(bytes)?)
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
}
