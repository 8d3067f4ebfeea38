//! Fuzzes the identifier parsers of salt-types (`MinionId::parse`,
//! `Jid::parse`, `SafeRelPath::parse`), directly and through their
//! MessagePack `Deserialize`. Asserts: no panic, and that what parses keeps
//! each type's promises (allowed characters, 20 digits, no way out of the
//! root).

#![no_main]

use std::path::{Component, Path};

use libfuzzer_sys::fuzz_target;
use salt_proto::codec;
use salt_rs_fuzz::LIMIT;
use salt_types::{Jid, MinionId, SafeRelPath};

fuzz_target!(|data: &[u8]| {
    let _ = codec::decode::<MinionId>(data, LIMIT).map(|id| check_id(id.as_str(), &id));
    let _ = codec::decode::<Jid>(data, LIMIT).map(|j| check_jid(&j));
    let _ = codec::decode::<SafeRelPath>(data, LIMIT).map(|p| check_path(&p));
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(id) = MinionId::parse(s) {
        check_id(s, &id);
    }
    if let Ok(j) = Jid::parse(s) {
        assert_eq!(j.as_str(), s);
        check_jid(&j);
    }
    if let Ok(p) = SafeRelPath::parse(s) {
        check_path(&p);
    }
});

fn check_id(s: &str, id: &MinionId) {
    assert_eq!(id.as_str(), s);
    assert!(!s.is_empty() && s.len() <= 253);
    assert!(!s.starts_with('.') && !s.starts_with('-'));
    assert!(
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-_@".contains(&b))
    );
    assert_eq!(MinionId::parse(id.as_str()).as_ref(), Ok(id));
}

fn check_jid(j: &Jid) {
    assert_eq!(j.as_str().len(), 20);
    assert!(j.as_str().bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(Jid::parse(j.as_str()).as_ref(), Ok(j));
}

fn check_path(p: &SafeRelPath) {
    let root = Path::new("/srv/root");
    let full = p.resolve(root);
    assert!(full.starts_with(root), "{p} escapes the root");
    assert!(
        Path::new(p.as_str())
            .components()
            .all(|c| matches!(c, Component::Normal(_))),
        "{p} has a component that is not a plain name"
    );
    assert_eq!(SafeRelPath::parse(p.as_str()).as_ref(), Ok(p));
}
