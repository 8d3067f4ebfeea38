//! `salt-rs-call --local state.*` when the pillar does not render: the
//! `show_*` functions fail as salt-call prints a `CommandExecutionError`
//! (a message on stderr, nothing on stdout, exit code 1), the runs return
//! the messages (Salt 3007.8 does both; the texts below are its own).

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_salt-rs-call");

/// A config dir, a file root with one SLS, and a pillar whose top-level
/// key appears twice (a YAML error Salt reports as a conflicting ID).
fn lab() -> tempfile::TempDir {
    let t = common::minion_dir();
    let base = t.path();
    fs::create_dir_all(base.join("srv/web")).unwrap();
    fs::write(base.join("srv/web/init.sls"), "web:\n  test.nop: []\n").unwrap();
    fs::create_dir_all(base.join("pillar")).unwrap();
    fs::write(base.join("pillar/top.sls"), "base:\n  '*':\n    - app\n").unwrap();
    fs::write(
        base.join("pillar/app.sls"),
        "app:\n  port: 80\n\napp:\n  port: 81\n",
    )
    .unwrap();
    t
}

fn call(base: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("-c")
        .arg(base.join("conf"))
        .arg("--local")
        .arg("--file-root")
        .arg(base.join("srv"))
        .arg("--pillar-root")
        .arg(base.join("pillar"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn show_sls_with_a_broken_pillar_is_an_error_on_stderr() {
    let t = lab();
    let out = call(t.path(), &["--out", "json", "state.show_sls", "web"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{stderr}");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.ends_with(
            "Error running 'state.show_sls': Pillar failed to render. Additional info follows:\n\n\
             - Rendering SLS 'app' failed. Please see master log for details.\n"
        ),
        "{stderr}"
    );
    // The log names the file and line of the duplicate key.
    assert!(stderr.contains("found conflicting ID 'app'"), "{stderr}");
    assert!(stderr.contains("(app.sls:4:1)"), "{stderr}");
}

#[test]
fn sls_with_a_broken_pillar_returns_the_messages() {
    let t = lab();
    let out = call(
        t.path(),
        &["--out", "json", "state.sls", "web", "test=True"],
    );
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"local": [
            "Pillar failed to render with the following messages:",
            "Rendering SLS 'app' failed. Please see master log for details."
        ]})
    );
}
