//! The file server end to end: minions fetch `salt://` files from the
//! master over their own encrypted session (chunked, gzip on request,
//! cached by content hash), and what a minion asks is parsed and resolved
//! under `file_roots`: traversal attempts are refused without the master
//! reading anything outside its roots.

use std::path::Path;

use salt_testkit::{Lab, golden};

fn reference_tree() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/salt-reference/tree/salt")
}

#[test]
fn minions_fetch_salt_urls_from_the_master() {
    let roots = tempfile::tempdir().unwrap();
    let salt = roots.path().join("salt");
    std::fs::create_dir_all(salt.join("keepalived")).unwrap();
    for f in ["init.sls", "keepalived.conf"] {
        std::fs::copy(
            reference_tree().join("keepalived").join(f),
            salt.join("keepalived").join(f),
        )
        .unwrap();
    }
    // A secret beside the root, and a link in the root pointing at it.
    std::fs::write(roots.path().join("secret.txt"), "CANARY-7f3a\n").unwrap();
    std::os::unix::fs::symlink(roots.path().join("secret.txt"), salt.join("leak.txt")).unwrap();
    let lab = Lab::builder()
        .minions(2)
        .master_config(&format!("file_roots:\n  base:\n    - {}\n", salt.display()))
        .start();
    let out_dir = lab.root().join("out");
    let dest = out_dir.join("cpdir");
    let out = lab.salt(&[
        "minion1",
        "cp.get_dir",
        "salt://keepalived",
        dest.to_str().unwrap(),
        "makedirs=True",
        "gzip=9",
    ]);
    // Salt's output with its /srv/out replaced by this lab's directory.
    let g = golden("cp.get_dir.txt");
    let want = g.stdout.replace("/srv/out", out_dir.to_str().unwrap());
    assert_eq!(
        (out.stdout.as_str(), out.code),
        (want.as_str(), g.code),
        "{out:?}"
    );
    let copied = std::fs::read(dest.join("keepalived/keepalived.conf")).unwrap();
    assert_eq!(
        copied,
        std::fs::read(salt.join("keepalived/keepalived.conf")).unwrap()
    );

    // Every other cp function a state tree leans on.
    let out = lab.salt(&["minion2", "cp.list_master", "--out", "json", "--static"]);
    assert_eq!(
        out.json()["minion2"],
        serde_json::json!(["keepalived/init.sls", "keepalived/keepalived.conf"]),
        "the escaping link is not listed: {out:?}"
    );
    let out = lab.salt(&[
        "minion2",
        "cp.get_file_str",
        "salt://keepalived/init.sls",
        "--out",
        "json",
        "--static",
    ]);
    assert_eq!(
        out.json()["minion2"].as_str().unwrap(),
        std::fs::read_to_string(salt.join("keepalived/init.sls")).unwrap()
    );
    let out = lab.salt(&[
        "minion2",
        "cp.hash_file",
        "salt://keepalived/init.sls",
        "--out",
        "json",
        "--static",
    ]);
    assert_eq!(out.json()["minion2"]["hash_type"], "sha256", "{out:?}");

    // Traversal: each refused, the canary never read out.
    for url in [
        "salt://../secret.txt",
        "salt:///etc/passwd",
        "salt://%2e%2e/secret.txt",
        "salt://keepalived/init.sls?saltenv=../../",
        "salt://leak.txt",
    ] {
        let out = lab.salt(&[
            "minion1",
            "cp.get_file_str",
            url,
            "--out",
            "json",
            "--static",
        ]);
        assert!(!out.stdout.contains("CANARY"), "{url}: {out:?}");
        assert!(!out.stdout.contains("root:x:0"), "{url}: {out:?}");
    }
}
