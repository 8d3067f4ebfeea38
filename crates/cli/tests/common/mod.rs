//! What the `salt-rs-call` tests share: a throwaway directory with a
//! minion config (`conf/minion`: id `minion1`, `root_dir` under it).

use std::fs;

/// A temp dir holding `conf/minion`; the caller adds its roots.
pub fn minion_dir() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let base = t.path();
    fs::create_dir_all(base.join("conf")).unwrap();
    fs::write(
        base.join("conf/minion"),
        format!("root_dir: {}\nid: minion1\n", base.join("root").display()),
    )
    .unwrap();
    t
}
