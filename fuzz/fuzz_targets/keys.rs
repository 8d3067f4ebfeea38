//! Fuzzes the key file parsers `PublicKeys::from_pem` and
//! `NodeKeys::from_private_pem` (public keys also arrive inside enrolment
//! messages). Asserts: no panic; a parsed key writes out and parses back
//! to the same key.

#![no_main]

use libfuzzer_sys::fuzz_target;
use salt_proto::keys::pem_fingerprint;
use salt_proto::{NodeKeys, PublicKeys};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = pem_fingerprint(text);
    if let Ok(k) = PublicKeys::from_pem(text, "fuzz") {
        let back = PublicKeys::from_pem(&k.to_pem(), "again").expect("a written key parses");
        assert_eq!(back, k);
        assert_eq!(back.fingerprint().len(), 95);
        assert!(!k.verify(b"message", data));
    }
    if let Ok(k) = NodeKeys::from_private_pem(text, "fuzz") {
        let back =
            NodeKeys::from_private_pem(&k.to_private_pem(), "again").expect("a written key parses");
        assert_eq!(back.public(), k.public());
        let sig = k.sign(data);
        assert!(k.public().verify(data, &sig.to_bytes()));
    }
});
