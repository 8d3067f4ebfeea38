//! File digests as Salt computes them for `hash_file` and download checks:
//! the lower-case hex digest of the whole content, in one of Salt's
//! `hash_type`s.

use std::io::{self, Read};

use sha2::Digest;

use crate::wire::HashType;

/// An incremental digest of one of the [`HashType`]s.
#[derive(Clone)]
pub struct Hasher(Inner);

#[derive(Clone)]
enum Inner {
    Md5(md5::Md5),
    Sha1(sha1::Sha1),
    Sha224(sha2::Sha224),
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher {
    pub fn new(kind: HashType) -> Self {
        Self(match kind {
            HashType::Md5 => Inner::Md5(md5::Md5::new()),
            HashType::Sha1 => Inner::Sha1(sha1::Sha1::new()),
            HashType::Sha224 => Inner::Sha224(sha2::Sha224::new()),
            HashType::Sha256 => Inner::Sha256(sha2::Sha256::new()),
            HashType::Sha384 => Inner::Sha384(sha2::Sha384::new()),
            HashType::Sha512 => Inner::Sha512(sha2::Sha512::new()),
        })
    }

    pub fn update(&mut self, data: &[u8]) {
        match &mut self.0 {
            Inner::Md5(h) => h.update(data),
            Inner::Sha1(h) => h.update(data),
            Inner::Sha224(h) => h.update(data),
            Inner::Sha256(h) => h.update(data),
            Inner::Sha384(h) => h.update(data),
            Inner::Sha512(h) => h.update(data),
        }
    }

    /// The lower-case hex digest.
    pub fn finish(self) -> String {
        match self.0 {
            Inner::Md5(h) => hex::encode(h.finalize()),
            Inner::Sha1(h) => hex::encode(h.finalize()),
            Inner::Sha224(h) => hex::encode(h.finalize()),
            Inner::Sha256(h) => hex::encode(h.finalize()),
            Inner::Sha384(h) => hex::encode(h.finalize()),
            Inner::Sha512(h) => hex::encode(h.finalize()),
        }
    }
}

/// The hex digest of everything `r` yields.
pub fn hash_reader(kind: HashType, mut r: impl Read) -> io::Result<String> {
    let mut h = Hasher::new(kind);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        h.update(&buf[..n]);
    }
    Ok(h.finish())
}

/// The hex digest of a local file (the minion's copy).
pub fn hash_path(kind: HashType, path: &std::path::Path) -> io::Result<String> {
    hash_reader(kind, std::fs::File::open(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_known_values() {
        // `printf 'top from a\n' | sha256sum` etc.
        let data = b"top from a\n";
        assert_eq!(
            hash_reader(HashType::Sha256, &data[..]).unwrap(),
            "053d4860d28f12857117cf9298170f95a7390f0aeb10911e5d3f3cc5a23e1b1c"
        );
        assert_eq!(
            hash_reader(HashType::Md5, &b""[..]).unwrap(),
            "d41d8cd98f00b204e9800998ecf8427e"
        );
        assert_eq!(
            hash_reader(HashType::Sha1, &b""[..]).unwrap(),
            "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        );
        for kind in [HashType::Sha224, HashType::Sha384, HashType::Sha512] {
            let mut h = Hasher::new(kind);
            h.update(b"top from ");
            h.update(b"a\n");
            assert_eq!(h.finish(), hash_reader(kind, &data[..]).unwrap());
        }
    }
}
