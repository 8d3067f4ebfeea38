//! `salt-rs-call --local --file-root DIR cp.*` end to end: the built binary,
//! a throwaway config and file root, compared with Salt's output
//! (`tests/golden/cp.get_dir.txt`, see the README there).

use std::fs;
use std::path::Path;
use std::process::Command;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_salt-rs-call");
const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/cp.get_dir.txt");

/// A config dir, a file root with the salt-reference `keepalived/` files,
/// and a root_dir for the minion cache.
fn lab() -> tempfile::TempDir {
    let t = common::minion_dir();
    let base = t.path();
    fs::create_dir_all(base.join("srv/keepalived")).unwrap();
    fs::write(
        base.join("srv/keepalived/init.sls"),
        "keepalived:\n  pkg.installed: []\n",
    )
    .unwrap();
    let conf: String = (0..2000)
        .map(|i| format!("# line {i} of a compressible file\n"))
        .collect();
    fs::write(base.join("srv/keepalived/keepalived.conf"), conf).unwrap();
    fs::write(base.join("outside-secret"), "CANARY-outside").unwrap();
    t
}

fn call(base: &Path, args: &[&str]) -> (String, i32) {
    let out = Command::new(BIN)
        .arg("-c")
        .arg(base.join("conf"))
        .arg("--local")
        .arg("--file-root")
        .arg(base.join("srv"))
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (text, out.status.code().unwrap_or(-1))
}

#[test]
fn get_dir_with_gzip_prints_what_salt_prints_and_copies_the_files() {
    let t = lab();
    let base = t.path();
    let dest = base.join("out/cpdir");
    let golden = fs::read_to_string(GOLDEN).unwrap();
    let (want, want_code) = golden.rsplit_once("[exit code: ").unwrap();
    let want = want
        .replace("minion1:", "local:")
        .replace("/srv/out/cpdir", &dest.display().to_string());
    let want_code: i32 = want_code.trim_end().trim_end_matches(']').parse().unwrap();

    let (text, code) = call(
        base,
        &[
            "cp.get_dir",
            "salt://keepalived",
            &dest.display().to_string(),
            "makedirs=True",
            "gzip=9",
        ],
    );
    assert_eq!(text, want);
    assert_eq!(code, want_code);
    for f in ["init.sls", "keepalived.conf"] {
        assert_eq!(
            fs::read(dest.join("keepalived").join(f)).unwrap(),
            fs::read(base.join("srv/keepalived").join(f)).unwrap(),
            "{f}"
        );
    }
    // Second run: same answer, nothing to download.
    let (again, code) = call(
        base,
        &[
            "cp.get_dir",
            "salt://keepalived",
            &dest.display().to_string(),
            "gzip=9",
        ],
    );
    assert_eq!((again, code), (want, want_code));
}

#[test]
fn traversal_urls_fail_with_the_reason_and_exit_1() {
    let t = lab();
    let base = t.path();
    for url in [
        "salt://../outside-secret",
        "salt://%2e%2e/outside-secret",
        "salt://x?saltenv=../../",
    ] {
        let (text, code) = call(base, &["cp.get_file_str", url]);
        assert_eq!(code, 1, "{url}: {text}");
        assert!(
            text.contains("ERROR executing 'cp.get_file_str'"),
            "{url}: {text}"
        );
        assert!(!text.contains("CANARY"), "{url}: {text}");
    }
}

#[test]
fn file_roots_come_from_the_minion_config_without_file_root() {
    let t = lab();
    let base = t.path();
    fs::create_dir_all(base.join("dev")).unwrap();
    fs::write(base.join("dev/only-dev.txt"), "dev\n").unwrap();
    fs::write(
        base.join("conf/minion"),
        format!(
            "root_dir: {root}\nid: minion1\nfile_roots:\n  base:\n    - {srv}\n  dev:\n    - {dev}\n",
            root = base.join("root").display(),
            srv = base.join("srv").display(),
            dev = base.join("dev").display(),
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(BIN)
            .arg("-c")
            .arg(base.join("conf"))
            .arg("--local")
            .args(["--out", "json"])
            .args(args)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["local"].clone()
    };
    assert_eq!(
        run(&["cp.list_master"]),
        serde_json::json!(["keepalived/init.sls", "keepalived/keepalived.conf"])
    );
    assert_eq!(
        run(&["cp.list_master", "saltenv=dev"]),
        serde_json::json!(["only-dev.txt"])
    );
    assert_eq!(run(&["cp.envs"]), serde_json::json!(["base", "dev"]));
    let cached = run(&["cp.cache_file", "salt://only-dev.txt?saltenv=dev"]);
    let want = base.join("root/var/cache/salt-rs/minion/files/dev/only-dev.txt");
    assert_eq!(cached, serde_json::json!(want.display().to_string()));
}
