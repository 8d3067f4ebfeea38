//! `crates/state/tests/cmd_cases/*`: `cmd.*`, `module.run` and
//! `archive.extracted`, captured with `scripts/capture-cmd-state-cases.sh`.
//! Each case gets its own `/tmp/salt-case.XXXXXXXX` directory (`@TMP@` in
//! the SLS files and the captures), its files as the file root with `@TMP@`
//! filled in, `setup.sh` run there first, and every call made from inside
//! it; the minion's cache directory reads `@CACHE@`.

use std::path::{Path, PathBuf};

use salt_testkit::mask;

use super::support::{
    Capture, Checks, MAIN_TOP, Minion, Outcome, case_dirs, copy_tree, is_root, repo,
};

/// The captures in the order they were made.
const STEPS: &[(&str, &[&str])] = &[
    ("high.json", &["state.show_sls", "main"]),
    (
        "test.json",
        &["--retcode-passthrough", "state.sls", "main", "test=True"],
    ),
    ("run.json", &["--retcode-passthrough", "state.sls", "main"]),
    (
        "rerun.json",
        &["--retcode-passthrough", "state.sls", "main"],
    ),
    (
        "retest.json",
        &["--retcode-passthrough", "state.sls", "main", "test=True"],
    ),
];

/// Cases that need root, and why.
const NEEDS_ROOT: &[(&str, &str)] = &[
    ("archive_owner", "it changes owners (to nobody)"),
    (
        "cmd_script",
        "a script run with cwd: / is copied into / first, as Salt does",
    ),
];

pub fn cases() -> Vec<(String, PathBuf)> {
    case_dirs(&repo().join("crates/state/tests/cmd_cases"), "captured")
}

pub fn check(name: &str, case: &Path) -> Outcome {
    if let Some((_, why)) = NEEDS_ROOT.iter().find(|(n, _)| *n == name)
        && !is_root()
    {
        return Outcome::Skip(format!("{why}, which needs root"));
    }
    // The same name length as the capture's mktemp /tmp/salt-case.XXXXXXXX.
    let tmp = tempfile::Builder::new()
        .prefix("salt-case.")
        .rand_bytes(8)
        .tempdir_in("/tmp")
        .expect("temp dir");
    let work = tempfile::tempdir().expect("temp dir");
    let t = tmp.path().display().to_string();
    let root = work.path().join("root");
    let keep = |rel: &Path, is_dir: bool| {
        let top = rel.components().next().map(|c| c.as_os_str().to_owned());
        let top = top.as_deref().and_then(|t| t.to_str()).unwrap_or_default();
        top != "captured" && (is_dir || rel.file_name().is_some_and(|f| f != "setup.sh"))
    };
    let fill = |rel: &Path, text: String| {
        if rel.extension().is_some_and(|e| e == "sls") {
            text.replace("@TMP@", &t)
        } else {
            text
        }
    };
    if let Err(e) = copy_tree(case, &root, &keep, &fill) {
        return Outcome::Fail(format!("copying the case: {e}"));
    }
    std::fs::write(root.join("top.sls"), MAIN_TOP).expect("top.sls");
    let pillar = work.path().join("pillar");
    std::fs::create_dir_all(&pillar).expect("pillar dir");
    if case.join("setup.sh").is_file() {
        let st = std::process::Command::new("sh")
            .arg(case.join("setup.sh"))
            .current_dir(tmp.path())
            .env("T", &t)
            .env("FILES", &root)
            .status();
        if !st.as_ref().is_ok_and(|s| s.success()) {
            return Outcome::Fail(format!("setup.sh failed: {st:?}"));
        }
    }
    let mut minion = Minion::new(&work.path().join("minion"), "local", &root, &pillar, "");
    minion.cwd = tmp.path().to_owned();
    let cache = minion.cachedir().display().to_string();
    let mut checks = Checks::default();
    for (file, args) in STEPS {
        let want = match Capture::read(&case.join("captured").join(file)) {
            Ok(c) => c,
            Err(e) => return Outcome::Fail(e),
        };
        let (_, out) = minion.capture(args);
        let masked = salt_testkit::Output {
            stdout: out.stdout.replace(&cache, "@CACHE@").replace(&t, "@TMP@"),
            ..out.clone()
        };
        let got = Capture::of_output(&masked);
        let label = format!("{} ({file})", args.join(" "));
        let (w, g) = if *file == "high.json" {
            (want.ret.clone(), got.ret.clone())
        } else {
            (
                mask::pids(&mask::state_run(&want.ret)),
                mask::pids(&mask::state_run(&got.ret)),
            )
        };
        checks.check(mask::compare_json(&label, &w, &g));
        checks.exit_code(&label, want.retcode, &out);
    }
    checks.outcome()
}
