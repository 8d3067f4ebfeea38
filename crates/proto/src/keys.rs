//! Node key pairs: an ed25519 signing key and an X25519 key-agreement key,
//! stored in Salt's places (`master.pem`/`master.pub`, `minion.pem`/
//! `minion.pub`, the pinned `minion_master.pub`) in salt-rs's own PEM-like
//! text format.
//!
//! Public key file:
//! ```text
//! -----BEGIN SALT-RS PUBLIC KEY-----
//! base64(ed25519 verifying key (32) || x25519 public key (32))
//! -----END SALT-RS PUBLIC KEY-----
//! ```
//! The private file has the same shape with `SALT-RS PRIVATE KEY` and the two
//! 32-byte secrets; it is written with mode 0600.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use x25519_dalek::{PublicKey as DhPublic, StaticSecret};

const PUB_LABEL: &str = "SALT-RS PUBLIC KEY";
const PRIV_LABEL: &str = "SALT-RS PRIVATE KEY";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{what}: not a salt-rs {label} file ({why})")]
    Format {
        what: String,
        label: &'static str,
        why: &'static str,
    },
    #[error("invalid ed25519 public key")]
    BadVerifyingKey,
}

/// The public half of a node's keys.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKeys {
    pub sign: VerifyingKey,
    pub dh: DhPublic,
}

impl std::fmt::Debug for PublicKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKeys({})", self.fingerprint())
    }
}

/// A node's full key pair.
pub struct NodeKeys {
    pub sign: SigningKey,
    pub dh: StaticSecret,
}

impl std::fmt::Debug for NodeKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NodeKeys({})", self.public().fingerprint())
    }
}

impl NodeKeys {
    pub fn generate() -> Self {
        Self {
            sign: SigningKey::from_bytes(&crate::random_bytes::<32>()),
            dh: StaticSecret::from(crate::random_bytes::<32>()),
        }
    }

    pub fn public(&self) -> PublicKeys {
        PublicKeys {
            sign: self.sign.verifying_key(),
            dh: DhPublic::from(&self.dh),
        }
    }

    pub fn sign(&self, msg: &[u8]) -> Signature {
        self.sign.sign(msg)
    }

    pub fn to_private_pem(&self) -> String {
        let mut raw = [0u8; 64];
        raw[..32].copy_from_slice(self.sign.as_bytes());
        raw[32..].copy_from_slice(self.dh.as_bytes());
        let pem = armor(PRIV_LABEL, &raw);
        zeroize::Zeroize::zeroize(&mut raw);
        pem
    }

    pub fn from_private_pem(text: &str, what: &str) -> Result<Self, KeyError> {
        let raw = unarmor(text, PRIV_LABEL, what)?;
        let mut s = [0u8; 32];
        let mut d = [0u8; 32];
        s.copy_from_slice(&raw[..32]);
        d.copy_from_slice(&raw[32..]);
        Ok(Self {
            sign: SigningKey::from_bytes(&s),
            dh: StaticSecret::from(d),
        })
    }

    /// Loads `<dir>/<name>.pem`, or generates a pair and writes `<name>.pem`
    /// (0600) and `<name>.pub` (0644) atomically when none exists.
    pub fn load_or_generate(dir: &Path, name: &str) -> Result<Self, KeyError> {
        let priv_path = dir.join(format!("{name}.pem"));
        let pub_path = dir.join(format!("{name}.pub"));
        match fs::read_to_string(&priv_path) {
            Ok(text) => {
                let keys = Self::from_private_pem(&text, &priv_path.display().to_string())?;
                if !pub_path.exists() {
                    write_atomic(&pub_path, keys.public().to_pem().as_bytes(), 0o644)?;
                }
                Ok(keys)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let io = |source| KeyError::Io {
                    path: dir.to_path_buf(),
                    source,
                };
                fs::create_dir_all(dir).map_err(io)?;
                fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io)?;
                let keys = Self::generate();
                write_atomic(&priv_path, keys.to_private_pem().as_bytes(), 0o600)?;
                write_atomic(&pub_path, keys.public().to_pem().as_bytes(), 0o644)?;
                Ok(keys)
            }
            Err(source) => Err(KeyError::Io {
                path: priv_path,
                source,
            }),
        }
    }
}

impl PublicKeys {
    pub fn to_pem(&self) -> String {
        let mut raw = [0u8; 64];
        raw[..32].copy_from_slice(self.sign.as_bytes());
        raw[32..].copy_from_slice(self.dh.as_bytes());
        armor(PUB_LABEL, &raw)
    }

    pub fn from_pem(text: &str, what: &str) -> Result<Self, KeyError> {
        let raw = unarmor(text, PUB_LABEL, what)?;
        let mut s = [0u8; 32];
        let mut d = [0u8; 32];
        s.copy_from_slice(&raw[..32]);
        d.copy_from_slice(&raw[32..]);
        Ok(Self {
            sign: VerifyingKey::from_bytes(&s).map_err(|_| KeyError::BadVerifyingKey)?,
            dh: DhPublic::from(d),
        })
    }

    pub fn read(path: &Path) -> Result<Self, KeyError> {
        let text = fs::read_to_string(path).map_err(|source| KeyError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_pem(&text, &path.display().to_string())
    }

    /// Salt's `pem_finger`: sha256 over the armored body, colon-separated hex.
    pub fn fingerprint(&self) -> String {
        pem_fingerprint(&self.to_pem())
    }

    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = Signature::from_slice(sig) else {
            return false;
        };
        self.sign.verify_strict(msg, &sig).is_ok()
    }
}

/// Salt's `pem_finger` over any armored text: blank lines dropped, the
/// lines between the first and the last kept with their line endings
/// (CRLF read as LF), hashed with sha256, shown as `aa:bb:...`.
pub fn pem_fingerprint(text: &str) -> String {
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c');
    let lines: Vec<&str> = text
        .split_inclusive('\n')
        .filter(|l| !l.trim_matches(is_space).is_empty())
        .collect();
    let body = if lines.len() > 2 {
        lines[1..lines.len() - 1].concat()
    } else {
        String::new()
    };
    let digest = Sha256::digest(body.replace("\r\n", "\n").as_bytes());
    digest
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Writes a file atomically: temp file in the same directory, fsync, rename.
pub fn write_atomic(path: &Path, data: &[u8], mode: u32) -> Result<(), KeyError> {
    let io = |source| KeyError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("key"),
        std::process::id()
    ));
    {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&tmp)
            .map_err(io)?;
        f.write_all(data).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    fs::set_permissions(&tmp, fs::Permissions::from_mode(mode)).map_err(io)?;
    fs::rename(&tmp, path).map_err(io)?;
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn armor(label: &str, raw: &[u8]) -> String {
    let b = B64.encode(raw);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn unarmor(text: &str, label: &'static str, what: &str) -> Result<[u8; 64], KeyError> {
    let err = |why| KeyError::Format {
        what: what.to_owned(),
        label,
        why,
    };
    let lines: Vec<&str> = text.trim().lines().map(str::trim).collect();
    if lines.len() < 3 {
        return Err(err("too short"));
    }
    if lines[0] != format!("-----BEGIN {label}-----") {
        return Err(err("bad first line"));
    }
    if lines[lines.len() - 1] != format!("-----END {label}-----") {
        return Err(err("bad last line"));
    }
    let body = lines[1..lines.len() - 1].concat();
    let raw = B64.decode(body).map_err(|_| err("body is not base64"))?;
    raw.try_into().map_err(|_| err("body is not 64 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_roundtrip_and_fingerprint_shape() {
        let k = NodeKeys::generate();
        let pem = k.public().to_pem();
        let back = PublicKeys::from_pem(&pem, "t").unwrap();
        assert_eq!(back, k.public());
        let fp = back.fingerprint();
        assert_eq!(fp.len(), 32 * 3 - 1);
        assert_eq!(fp.matches(':').count(), 31);
        let k2 = NodeKeys::from_private_pem(&k.to_private_pem(), "t").unwrap();
        assert_eq!(k2.public(), k.public());
    }

    #[test]
    fn fingerprint_is_sha256_of_body_lines_with_newlines() {
        // sha256("ab\nc\n"), as Salt's pem_finger computes it.
        let text = "-----BEGIN X-----\nab\nc\n-----END X-----\n";
        let expected: String = {
            let d = Sha256::digest(b"ab\nc\n");
            d.iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(":")
        };
        assert_eq!(pem_fingerprint(text), expected);
        assert_eq!(pem_fingerprint(&text.replace('\n', "\r\n")), expected);
    }

    #[test]
    fn bad_files_are_errors_not_panics() {
        for bad in [
            "",
            "garbage",
            "-----BEGIN SALT-RS PUBLIC KEY-----\n!!!\n-----END SALT-RS PUBLIC KEY-----",
            "-----BEGIN SALT-RS PUBLIC KEY-----\nAAAA\n-----END SALT-RS PUBLIC KEY-----",
        ] {
            assert!(PublicKeys::from_pem(bad, "t").is_err());
        }
    }

    #[test]
    fn load_or_generate_persists_with_modes() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("pki");
        let a = NodeKeys::load_or_generate(&dir, "minion").unwrap();
        let b = NodeKeys::load_or_generate(&dir, "minion").unwrap();
        assert_eq!(a.public(), b.public());
        let mode = fs::metadata(dir.join("minion.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            PublicKeys::read(&dir.join("minion.pub")).unwrap(),
            a.public()
        );
    }

    #[test]
    fn signatures_verify_strictly() {
        let k = NodeKeys::generate();
        let sig = k.sign(b"hello");
        assert!(k.public().verify(b"hello", &sig.to_bytes()));
        assert!(!k.public().verify(b"hellO", &sig.to_bytes()));
        assert!(!k.public().verify(b"hello", &[0u8; 10]));
    }
}
