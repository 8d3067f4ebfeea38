//! Symmetric sealing (XChaCha20-Poly1305 with random 24-byte nonces) and the
//! HKDF-SHA256 derivation of per-minion session keys.

use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use hkdf::Hkdf;
use sha2::Sha256;
use x25519_dalek::{PublicKey as DhPublic, StaticSecret};
use zeroize::Zeroize;

/// A 256-bit symmetric key, wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct SymKey(pub [u8; 32]);

impl Drop for SymKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for SymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SymKey(..)")
    }
}

impl SymKey {
    pub fn random() -> Self {
        Self(crate::random_bytes::<32>())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("decryption failed (wrong key or tampered message)")]
pub struct SealError;

/// Encrypts `plain` under `key` with `nonce`, authenticating `aad` too.
pub fn seal(key: &SymKey, nonce: &[u8; 24], aad: &[u8], plain: &[u8]) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new(&key.0.into());
    cipher
        .encrypt(&(*nonce).into(), Payload { msg: plain, aad })
        .expect("XChaCha20-Poly1305 encryption of an in-memory buffer cannot fail")
}

/// Decrypts and authenticates.
pub fn open(key: &SymKey, nonce: &[u8; 24], aad: &[u8], ct: &[u8]) -> Result<Vec<u8>, SealError> {
    let cipher = XChaCha20Poly1305::new(&key.0.into());
    cipher
        .decrypt(&(*nonce).into(), Payload { msg: ct, aad })
        .map_err(|_| SealError)
}

/// Inputs of the session derivation; both sides compute the same key.
///
/// ikm = X25519(ephemeral_a, ephemeral_b) || X25519(static_a, static_b);
/// salt = the enrolment request nonce; info binds the minion id and the
/// session id. The ephemeral part gives forward secrecy, the static part
/// binds the key to the two enrolled identities.
pub fn derive_session_key(
    my_ephemeral: &StaticSecret,
    their_ephemeral: &DhPublic,
    my_static: &StaticSecret,
    their_static: &DhPublic,
    request_nonce: &[u8; 24],
    minion_id: &str,
    session_id: u64,
) -> SymKey {
    let mut ikm = [0u8; 64];
    ikm[..32].copy_from_slice(my_ephemeral.diffie_hellman(their_ephemeral).as_bytes());
    ikm[32..].copy_from_slice(my_static.diffie_hellman(their_static).as_bytes());
    let hk = Hkdf::<Sha256>::new(Some(request_nonce), &ikm);
    ikm.zeroize();
    let mut info = b"salt-rs/session/v1\0".to_vec();
    info.extend_from_slice(minion_id.as_bytes());
    info.push(0);
    info.extend_from_slice(&session_id.to_be_bytes());
    let mut okm = [0u8; 32];
    hk.expand(&info, &mut okm)
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    SymKey(okm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_tamper() {
        let k = SymKey::random();
        let n = crate::random_bytes::<24>();
        let ct = seal(&k, &n, b"hdr", b"secret");
        assert_eq!(open(&k, &n, b"hdr", &ct).unwrap(), b"secret");
        assert_eq!(open(&k, &n, b"hdx", &ct), Err(SealError));
        let mut bad = ct.clone();
        bad[0] ^= 1;
        assert_eq!(open(&k, &n, b"hdr", &bad), Err(SealError));
        assert_eq!(open(&SymKey::random(), &n, b"hdr", &ct), Err(SealError));
    }

    #[test]
    fn both_sides_derive_the_same_session_key() {
        let (ma, mb) = (
            StaticSecret::from(crate::random_bytes::<32>()),
            StaticSecret::from(crate::random_bytes::<32>()),
        );
        let (ea, eb) = (
            StaticSecret::from(crate::random_bytes::<32>()),
            StaticSecret::from(crate::random_bytes::<32>()),
        );
        let n = crate::random_bytes::<24>();
        let ka = derive_session_key(
            &ea,
            &DhPublic::from(&eb),
            &ma,
            &DhPublic::from(&mb),
            &n,
            "m1",
            7,
        );
        let kb = derive_session_key(
            &eb,
            &DhPublic::from(&ea),
            &mb,
            &DhPublic::from(&ma),
            &n,
            "m1",
            7,
        );
        assert_eq!(ka, kb);
        let kc = derive_session_key(
            &eb,
            &DhPublic::from(&ea),
            &mb,
            &DhPublic::from(&ma),
            &n,
            "m2",
            7,
        );
        assert_ne!(ka, kc);
    }
}
