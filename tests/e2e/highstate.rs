//! The state system end to end through the master (issue 4, done-when 2):
//! `../shared/salt-reference/tree` applied to minion2 with `salt-rs` gives
//! the text Salt 3007 printed for the same tree: test=True, the first run,
//! the second run and `--state-output=terse`, plus `show_sls`,
//! `show_lowstate`, `show_top` and a compile error.
//!
//! What differs between any two runs is masked on both sides: start
//! times, durations, pids, the total run time; the tree's `/srv/out` is a
//! directory of the test's own.

use std::path::{Path, PathBuf};

use salt_testkit::{Lab, Output, golden};

fn shared_tree() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/salt-reference/tree")
}

/// Copies `from` to `to`, replacing `/srv/out` in every file with `out`.
fn copy_tree(from: &Path, to: &Path, out: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_tree(&src, &dst, out);
        } else {
            let text = std::fs::read_to_string(&src).unwrap();
            std::fs::write(&dst, text.replace("/srv/out", out.to_str().unwrap())).unwrap();
        }
    }
}

/// Masks what changes from run to run (the masking every golden test
/// shares).
fn mask(text: &str) -> String {
    salt_testkit::mask::highstate_text(text)
}

fn same(out: &Output, name: &str, outdir: &Path) {
    let g = golden(name);
    let ours = mask(&out.stdout.replace(outdir.to_str().unwrap(), "/srv/out"));
    assert_eq!(ours, mask(&g.stdout), "{name}: {out:?}");
    assert_eq!(out.stderr, g.stderr, "{name}: {out:?}");
    assert_eq!(out.code, g.code, "{name}: {out:?}");
}

#[test]
fn the_reference_tree_applies_as_in_salt() {
    let tmp = tempfile::tempdir().unwrap();
    let outdir = tmp.path().join("srv-out");
    copy_tree(&shared_tree(), &tmp.path().join("tree"), &outdir);
    let lab = Lab::builder()
        .ids(&["minion2"])
        .minions(1)
        .master_config(&format!(
            "file_roots:\n  base:\n    - {t}/tree/salt\npillar_roots:\n  base:\n    - {t}/tree/pillar\n",
            t = tmp.path().display()
        ))
        .start();

    let out = lab.salt(&["minion2", "state.show_top"]);
    same(&out, "show_top.txt", &outdir);

    let out = lab.salt(&["minion2", "state.apply", "test=True"]);
    same(&out, "highstate.test.txt", &outdir);
    assert!(!outdir.exists(), "test=True changed nothing");

    let out = lab.salt(&["minion2", "state.apply"]);
    same(&out, "highstate.txt", &outdir);
    assert!(outdir.join("minion2/keepalived.conf").is_file());
    assert!(!outdir.join("minion2/never.txt").exists());

    let out = lab.salt(&["minion2", "state.apply"]);
    same(&out, "highstate.second-run.txt", &outdir);

    let out = lab.salt(&["minion2", "state.apply", "--state-output=terse"]);
    same(&out, "highstate.terse.txt", &outdir);

    // --out json: Salt's structure and key order, run-dependent values masked.
    let out = lab.salt(&["minion2", "state.apply", "--out", "json"]);
    let g = golden("highstate.json.txt");
    let ours = mask_json(&out.stdout.replace(outdir.to_str().unwrap(), "/srv/out"));
    assert_eq!(ours, mask_json(&g.stdout), "{out:?}");
    assert_eq!((out.stderr.as_str(), out.code), (g.stderr.as_str(), g.code));
}

/// Masks `start_time`, `duration` and `pid` values in indented JSON text.
fn mask_json(text: &str) -> String {
    text.lines()
        .map(|l| {
            for key in ["\"start_time\": ", "\"duration\": ", "\"pid\": "] {
                if let Some(i) = l.find(key) {
                    let comma = if l.trim_end().ends_with(',') { "," } else { "" };
                    return format!("{}<masked>{comma}\n", &l[..i + key.len()]);
                }
            }
            format!("{l}\n")
        })
        .collect()
}

#[test]
fn show_functions_and_compile_errors_match_salt() {
    let tmp = tempfile::tempdir().unwrap();
    let outdir = tmp.path().join("srv-out");
    copy_tree(&shared_tree(), &tmp.path().join("tree"), &outdir);
    let lab = Lab::builder()
        .ids(&["minion1", "minion2"])
        .minions(2)
        .master_config(&format!(
            "file_roots:\n  base:\n    - {t}/tree/salt\npillar_roots:\n  base:\n    - {t}/tree/pillar\n",
            t = tmp.path().display()
        ))
        .start();
    let out = lab.salt(&["minion1", "state.sls", "nosuchsls"]);
    same(&out, "render-error.txt", &outdir);
    for (args, name) in [
        (
            ["minion1", "state.show_sls", "keepalived"],
            "show_sls.json.txt",
        ),
        (
            ["minion1", "state.show_lowstate", ""],
            "show_lowstate.json.txt",
        ),
    ] {
        let args: Vec<&str> = args.iter().copied().filter(|a| !a.is_empty()).collect();
        let mut all = args.clone();
        all.extend(["--out", "json"]);
        let out = lab.salt(&all);
        let g = golden(name);
        let ours: serde_json::Value =
            serde_json::from_str(&out.stdout.replace(outdir.to_str().unwrap(), "/srv/out"))
                .unwrap_or_else(|e| panic!("{name}: {e}: {out:?}"));
        let want: serde_json::Value = serde_json::from_str(&g.stdout).unwrap();
        assert_eq!(ours, want, "{name}");
        assert_eq!(out.code, g.code, "{name}: {out:?}");
    }
}
