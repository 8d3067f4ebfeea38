//! The envelope every message travels in, and the proof type [`Verified`].
//!
//! An envelope names its sender and recipient, carries a timestamp, a
//! random 24-byte nonce and the id of the key that sealed the body, and is
//! signed by the sender's ed25519 key over all of that plus the body. Sealed
//! bodies use the header as associated data, so a body cannot be moved to
//! another header. Receivers check the signature first, then the
//! timestamp/nonce ([`crate::replay`]), then decrypt and decode into a closed
//! enum. Only this module builds a [`Verified`].

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

use crate::codec::{self, CodecError};
use crate::crypto::{self, SymKey};
use crate::keys::{NodeKeys, PublicKeys};

/// What the body is and how it is protected.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Minion -> master, clear body (`ClearRequest`), self-signed.
    Enroll,
    /// Master -> minion, clear body (`ClearReply`), signed by the master.
    EnrollReply,
    /// Either way inside a session: body sealed with the session key.
    Session,
    /// Master -> all minions on the PUB socket: sealed with the publish key.
    Publish,
}

/// The wire envelope.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub v: u8,
    pub kind: Kind,
    pub sender: String,
    pub recipient: String,
    /// Milliseconds since the epoch, set by the sender.
    pub ts: u64,
    pub nonce: ByteBuf,
    /// Session id (Session), publish key id (Publish), 0 otherwise.
    pub key_id: u64,
    pub body: ByteBuf,
    pub sig: ByteBuf,
}

/// A message that passed signature, freshness and decryption checks.
/// Only `salt-proto` can construct one.
#[derive(Debug, Clone)]
pub struct Verified<T> {
    inner: T,
    sender: String,
    nonce: [u8; 24],
    ts: u64,
}

impl<T> Verified<T> {
    pub fn into_inner(self) -> T {
        self.inner
    }
    pub fn sender(&self) -> &str {
        &self.sender
    }
    pub fn nonce(&self) -> &[u8; 24] {
        &self.nonce
    }
    pub fn ts(&self) -> u64 {
        self.ts
    }
}

impl<T> std::ops::Deref for Verified<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

/// Why an envelope was refused.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Codec(#[from] CodecError),
    #[error("unsupported protocol version {0}")]
    Version(u8),
    #[error("nonce is not 24 bytes")]
    NonceLength,
    #[error("expected a {expected:?} envelope, got {got:?}")]
    WrongKind { expected: Kind, got: Kind },
    #[error("bad signature from {0:?}")]
    BadSignature(String),
    #[error("decryption failed")]
    Decrypt,
    #[error("envelope for {got:?}, expected {expected:?}")]
    WrongRecipient { expected: String, got: String },
}

type Header<'a> = (u8, Kind, &'a str, &'a str, u64, &'a [u8], u64);

impl Envelope {
    /// Decodes the structure only; nothing in it is trusted yet.
    pub fn decode(bytes: &[u8], limit: usize) -> Result<Self, OpenError> {
        let env: Envelope = codec::decode(bytes, limit)?;
        if env.v != crate::PROTOCOL_VERSION {
            return Err(OpenError::Version(env.v));
        }
        if env.nonce.len() != 24 {
            return Err(OpenError::NonceLength);
        }
        Ok(env)
    }

    pub fn encode(&self) -> Vec<u8> {
        codec::encode(self).expect("an envelope always encodes")
    }

    /// Builds and signs an envelope whose body is the clear encoding of `msg`.
    pub fn clear<T: Serialize>(
        keys: &NodeKeys,
        kind: Kind,
        sender: &str,
        recipient: &str,
        msg: &T,
    ) -> Result<Self, CodecError> {
        let body = codec::encode(msg)?;
        Ok(Self::assemble(keys, kind, sender, recipient, 0, body, None))
    }

    /// Builds, encrypts under `key` and signs.
    pub fn sealed<T: Serialize>(
        keys: &NodeKeys,
        kind: Kind,
        sender: &str,
        recipient: &str,
        key_id: u64,
        key: &SymKey,
        msg: &T,
    ) -> Result<Self, CodecError> {
        let body = codec::encode(msg)?;
        Ok(Self::assemble(
            keys,
            kind,
            sender,
            recipient,
            key_id,
            body,
            Some(key),
        ))
    }

    fn assemble(
        keys: &NodeKeys,
        kind: Kind,
        sender: &str,
        recipient: &str,
        key_id: u64,
        body: Vec<u8>,
        key: Option<&SymKey>,
    ) -> Self {
        let nonce: [u8; 24] = crate::random_bytes();
        let mut env = Envelope {
            v: crate::PROTOCOL_VERSION,
            kind,
            sender: sender.to_owned(),
            recipient: recipient.to_owned(),
            ts: crate::now_ms(),
            nonce: ByteBuf::from(nonce.to_vec()),
            key_id,
            body: ByteBuf::new(),
            sig: ByteBuf::new(),
        };
        let body = match key {
            Some(k) => crypto::seal(k, &nonce, &env.header_bytes(), &body),
            None => body,
        };
        env.body = ByteBuf::from(body);
        env.sig = ByteBuf::from(keys.sign(&env.signed_bytes()).to_bytes().to_vec());
        env
    }

    fn header(&self) -> Header<'_> {
        (
            self.v,
            self.kind,
            &self.sender,
            &self.recipient,
            self.ts,
            &self.nonce,
            self.key_id,
        )
    }

    fn header_bytes(&self) -> Vec<u8> {
        codec::encode(&self.header()).expect("a header always encodes")
    }

    fn signed_bytes(&self) -> Vec<u8> {
        let mut b = self.header_bytes();
        b.extend_from_slice(&self.body);
        b
    }

    pub fn nonce_array(&self) -> [u8; 24] {
        let mut n = [0u8; 24];
        if self.nonce.len() == 24 {
            n.copy_from_slice(&self.nonce);
        }
        n
    }

    fn expect(&self, kind: Kind, recipient: Option<&str>) -> Result<(), OpenError> {
        if self.kind != kind {
            return Err(OpenError::WrongKind {
                expected: kind,
                got: self.kind,
            });
        }
        if let Some(r) = recipient
            && self.recipient != r
        {
            return Err(OpenError::WrongRecipient {
                expected: r.to_owned(),
                got: self.recipient.clone(),
            });
        }
        Ok(())
    }

    /// Checks the signature against `signer`.
    pub fn verify_signature(&self, signer: &PublicKeys) -> Result<(), OpenError> {
        if signer.verify(&self.signed_bytes(), &self.sig) {
            Ok(())
        } else {
            Err(OpenError::BadSignature(self.sender.clone()))
        }
    }

    /// Verifies the signature, then decodes the clear body.
    pub fn open_clear<T: DeserializeOwned>(
        &self,
        kind: Kind,
        recipient: Option<&str>,
        signer: &PublicKeys,
        limit: usize,
    ) -> Result<Verified<T>, OpenError> {
        self.expect(kind, recipient)?;
        self.verify_signature(signer)?;
        let inner = codec::decode(&self.body, limit)?;
        Ok(self.verified(inner))
    }

    /// Verifies the signature, decrypts with `key`, then decodes.
    pub fn open_sealed<T: DeserializeOwned>(
        &self,
        kind: Kind,
        recipient: Option<&str>,
        signer: &PublicKeys,
        key: &SymKey,
        limit: usize,
    ) -> Result<Verified<T>, OpenError> {
        self.expect(kind, recipient)?;
        self.verify_signature(signer)?;
        let plain = crypto::open(key, &self.nonce_array(), &self.header_bytes(), &self.body)
            .map_err(|_| OpenError::Decrypt)?;
        let inner = codec::decode(&plain, limit)?;
        Ok(self.verified(inner))
    }

    /// Decodes the clear body of an enrolment request or reply without any
    /// check, so that the key inside can be used to verify the envelope
    /// (proof of possession; the minion's first contact). The result is not
    /// `Verified`, and callers verify the envelope before acting on it.
    pub fn peek_clear<T: DeserializeOwned>(
        &self,
        kind: Kind,
        limit: usize,
    ) -> Result<T, OpenError> {
        if !matches!(kind, Kind::Enroll | Kind::EnrollReply) {
            return Err(OpenError::WrongKind {
                expected: Kind::Enroll,
                got: kind,
            });
        }
        self.expect(kind, None)?;
        Ok(codec::decode(&self.body, limit)?)
    }

    fn verified<T>(&self, inner: T) -> Verified<T> {
        Verified {
            inner,
            sender: self.sender.clone(),
            nonce: self.nonce_array(),
            ts: self.ts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit() -> usize {
        crate::DEFAULT_MAX_MESSAGE
    }

    #[test]
    fn sealed_roundtrip() {
        let k = NodeKeys::generate();
        let key = SymKey::random();
        let env = Envelope::sealed(&k, Kind::Session, "m1", "master", 9, &key, &"hi").unwrap();
        let bytes = env.encode();
        let env = Envelope::decode(&bytes, limit()).unwrap();
        let v: Verified<String> = env
            .open_sealed(Kind::Session, Some("master"), &k.public(), &key, limit())
            .unwrap();
        assert_eq!(v.as_str(), "hi");
        assert_eq!(v.sender(), "m1");
    }

    #[test]
    fn every_field_is_covered_by_the_signature() {
        let k = NodeKeys::generate();
        let key = SymKey::random();
        let env = Envelope::sealed(&k, Kind::Session, "m1", "master", 9, &key, &"hi").unwrap();
        let mutations: [fn(&mut Envelope); 7] = [
            |e| e.sender = "m2".into(),
            |e| e.recipient = "other".into(),
            |e| e.ts += 1,
            |e| e.nonce[0] ^= 1,
            |e| e.key_id += 1,
            |e| e.body[0] ^= 1,
            |e| e.sig[0] ^= 1,
        ];
        for m in mutations {
            let mut e = env.clone();
            m(&mut e);
            let r: Result<Verified<String>, _> =
                e.open_sealed(Kind::Session, None, &k.public(), &key, limit());
            assert!(r.is_err());
        }
    }

    #[test]
    fn wrong_signer_wrong_key_wrong_kind() {
        let k = NodeKeys::generate();
        let other = NodeKeys::generate();
        let key = SymKey::random();
        let env = Envelope::sealed(&k, Kind::Session, "m1", "master", 9, &key, &1u8).unwrap();
        assert!(matches!(
            env.open_sealed::<u8>(Kind::Session, None, &other.public(), &key, limit()),
            Err(OpenError::BadSignature(_))
        ));
        assert!(matches!(
            env.open_sealed::<u8>(Kind::Session, None, &k.public(), &SymKey::random(), limit()),
            Err(OpenError::Decrypt)
        ));
        assert!(matches!(
            env.open_sealed::<u8>(Kind::Publish, None, &k.public(), &key, limit()),
            Err(OpenError::WrongKind { .. })
        ));
        assert!(matches!(
            env.open_sealed::<u8>(Kind::Session, Some("m9"), &k.public(), &key, limit()),
            Err(OpenError::WrongRecipient { .. })
        ));
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed = 0x1234_5678_u64;
        for len in 0..2000usize {
            let bytes: Vec<u8> = (0..len % 300)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            let _ = Envelope::decode(&bytes, limit());
        }
        let k = NodeKeys::generate();
        let good = Envelope::clear(&k, Kind::Enroll, "m1", "master", &"x")
            .unwrap()
            .encode();
        for cut in 0..good.len() {
            assert!(Envelope::decode(&good[..cut], limit()).is_err());
        }
    }
}
