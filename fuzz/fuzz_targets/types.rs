//! Fuzzes the identifier parsers of salt-types (`MinionId::parse`,
//! `Jid::parse`, `SafeRelPath::parse`, `Saltenv::parse`, `SaltUrl::parse`),
//! directly and through their MessagePack `Deserialize`. Asserts: no panic, and that what parses keeps
//! each type's promises (allowed characters, 20 digits, no way out of the
//! root).

#![no_main]

use std::path::{Component, Path};

use libfuzzer_sys::fuzz_target;
use salt_proto::codec;
use salt_rs_fuzz::LIMIT;
use salt_types::{Jid, MinionId, SafeRelPath, SaltUrl, Saltenv};

fuzz_target!(|data: &[u8]| {
    let _ = codec::decode::<MinionId>(data, LIMIT).map(|id| check_id(id.as_str(), &id));
    let _ = codec::decode::<Jid>(data, LIMIT).map(|j| check_jid(&j));
    let _ = codec::decode::<SafeRelPath>(data, LIMIT).map(|p| check_path(&p));
    let _ = codec::decode::<Saltenv>(data, LIMIT).map(|e| check_env(&e));
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
    if let Ok(e) = Saltenv::parse(s) {
        assert_eq!(e.as_str(), s);
        check_env(&e);
    }
    if let Ok(u) = SaltUrl::parse(s) {
        check_path(&u.path);
        if let Some(e) = &u.saltenv {
            check_env(e);
        }
        assert_eq!(SaltUrl::parse(&u.to_string()).as_ref(), Ok(&u));
    }
});

fn check_env(e: &Saltenv) {
    let s = e.as_str();
    assert!(!s.is_empty() && s.len() <= salt_types::MAX_SALTENV_LEN);
    assert!(!s.starts_with('.'), "{s} could be . or ..");
    assert!(
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.+@".contains(&b))
    );
    let dir = Path::new("/cache/files").join(s);
    assert_eq!(
        dir.parent(),
        Some(Path::new("/cache/files")),
        "{s} is not one component"
    );
}

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
