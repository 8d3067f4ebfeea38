//! `crates/state/tests/file_cases/*`: the `file.*` states, captured with
//! `scripts/capture-file-cases.sh` against a case directory
//! (`/tmp/filestates-case-<name>`, written `__DIR__` in the case files).
//! Here the case directory is a fresh temporary one, filled in the same
//! way; the calls run in Salt's order against it (test mode, a real run, a
//! second real run, test mode again), with umask 022 as the captures had,
//! and the directory left behind must list as Salt's did.

use std::path::{Path, PathBuf};

use salt_testkit::mask;

use super::support::{
    Capture, Checks, MAIN_TOP, Minion, Outcome, case_dirs, copy_tree, is_root, repo,
};

/// The captures of a case in the order they were made: file, call.
const STEPS: &[(&str, &[&str])] = &[
    ("pillar.json", &["pillar.items"]),
    ("high.json", &["state.show_sls", "main"]),
    (
        "test.json",
        &["--retcode-passthrough", "state.sls", "main", "test=True"],
    ),
    ("run.json", &["--retcode-passthrough", "state.sls", "main"]),
    ("run2.json", &["--retcode-passthrough", "state.sls", "main"]),
    (
        "test2.json",
        &["--retcode-passthrough", "state.sls", "main", "test=True"],
    ),
];

pub fn cases() -> Vec<(String, PathBuf)> {
    case_dirs(
        &repo().join("crates/state/tests/file_cases"),
        "captured/high.json",
    )
}

pub fn check(name: &str, case: &Path) -> Outcome {
    if case.join("needs-root").exists() && !is_root() {
        return Outcome::Skip("it changes owners, which needs root".into());
    }
    let salt_dir = format!("/tmp/filestates-case-{name}");
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("d");
    let ours = dir.display().to_string();
    let root = tmp.path().join("root");
    let pillar = tmp.path().join("pillar");
    let fill = |_: &Path, t: String| t.replace("__DIR__", &ours);
    // The script copies the regular files outside captured/ and pillar/,
    // without setup.sh and needs-root; the pillar directory as it is.
    let keep = |rel: &Path, is_dir: bool| {
        let top = rel.components().next().map(|c| c.as_os_str().to_owned());
        let top = top.as_deref().and_then(|t| t.to_str()).unwrap_or_default();
        let file = rel.file_name().and_then(|f| f.to_str()).unwrap_or_default();
        top != "captured"
            && top != "pillar"
            && (is_dir
                || (file != "setup.sh" && file != "needs-root" && !case.join(rel).is_symlink()))
    };
    if let Err(e) = copy_tree(case, &root, &keep, &fill) {
        return Outcome::Fail(format!("copying the case: {e}"));
    }
    std::fs::create_dir_all(&pillar).expect("pillar dir");
    if case.join("pillar").is_dir()
        && let Err(e) = copy_tree(&case.join("pillar"), &pillar, &|_, _| true, &fill)
    {
        return Outcome::Fail(format!("copying the pillar: {e}"));
    }
    std::fs::write(root.join("top.sls"), MAIN_TOP).expect("top.sls");
    std::fs::create_dir_all(&dir).expect("case dir");
    if case.join("setup.sh").exists() {
        let st = std::process::Command::new("bash")
            .arg(case.join("setup.sh"))
            .env("DIR", &dir)
            .current_dir(&dir)
            .status();
        if !st.as_ref().is_ok_and(|s| s.success()) {
            return Outcome::Fail(format!("setup.sh failed: {st:?}"));
        }
    }
    let mut minion = Minion::new(&tmp.path().join("minion"), "local", &root, &pillar, "");
    minion.umask = true;
    let mut checks = Checks::default();
    for (file, args) in STEPS {
        let path = case.join("captured").join(file);
        if !path.exists() {
            continue;
        }
        let want = match Capture::read(&path) {
            Ok(c) => c,
            Err(e) => return Outcome::Fail(e),
        };
        let (got, out) = minion.capture(args);
        if want.unparsed() {
            checks.check(Err(format!("{file}: Salt did not answer JSON")));
            continue;
        }
        let label = format!("{} ({file})", args.join(" "));
        let (w, g) = if file.starts_with("pillar") || file.starts_with("high") {
            (mask_dir(&want.ret, &salt_dir), mask_dir(&got.ret, &ours))
        } else {
            (
                mask::file_run(&want.ret, &salt_dir),
                mask::file_run(&got.ret, &ours),
            )
        };
        checks.check(mask::compare_json(&label, &w, &g));
        checks.exit_code(&label, want.retcode, &out);
    }
    if let Ok(want) = std::fs::read_to_string(case.join("captured/tree.txt")) {
        // Symlink targets name the directory.
        let got =
            salt_testkit::listing::tree_listing(&dir, &ours, &salt_dir).replace(&ours, "<DIR>");
        let want = want.replace(&salt_dir, "<DIR>");
        checks.check(mask::compare_text(
            "the case directory afterwards",
            want.trim_end(),
            got.trim_end(),
        ));
    }
    checks.outcome()
}

/// `dir` written `<DIR>` anywhere in `v`.
fn mask_dir(v: &serde_json::Value, dir: &str) -> serde_json::Value {
    let text = serde_json::to_string(v).unwrap_or_default();
    serde_json::from_str(&text.replace(dir, "<DIR>")).unwrap_or(serde_json::Value::Null)
}
