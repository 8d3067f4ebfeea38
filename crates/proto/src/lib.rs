//! Wire types, envelope signing and encryption, the codec with its size limit

#![forbid(unsafe_code)]
