//! `crates/state/tests/cases/*`: small YAML state trees (every requisite,
//! ordering, names, extend/exclude, compile errors) captured with
//! `scripts/capture-state-cases.sh`. Each case is laid out as the script
//! laid it out (the case's SLS files plus a generated `top.sls` as the only
//! file root, the case's `pillar/` or an empty directory as pillar root)
//! and the same calls go through `salt-rs-call --local`, in the same order:
//! `slsutil.renderer` of every SLS file, then the `show_*` functions and
//! the runs.

use std::path::{Path, PathBuf};

use salt_testkit::mask;

use super::support::{Capture, Checks, MAIN_TOP, Minion, Outcome, case_dirs, copy_tree, repo};

/// One capture: its file, the call, and whether it is a state run (masked
/// as such) or a `show_*`/`pillar.items` answer (exact).
const STEPS: &[(&str, &[&str], bool)] = &[
    ("pillar.json", &["pillar.items"], false),
    ("high.json", &["state.show_sls", "main"], false),
    ("low_sls.json", &["state.show_low_sls", "main"], false),
    ("lowstate.json", &["state.show_lowstate"], false),
    (
        "run.json",
        &["--retcode-passthrough", "state.sls", "main"],
        true,
    ),
    (
        "test.json",
        &["--retcode-passthrough", "state.sls", "main", "test=True"],
        true,
    ),
];

pub fn cases() -> Vec<(String, PathBuf)> {
    case_dirs(&repo().join("crates/state/tests/cases"), "captured")
}

pub fn check(name: &str, dir: &Path) -> Outcome {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().join(name);
    // The script copies the `*.sls` files outside captured/ and pillar/.
    let keep = |rel: &Path, is_dir: bool| {
        let top = rel.components().next().map(|c| c.as_os_str().to_owned());
        let top = top.as_deref().and_then(|t| t.to_str()).unwrap_or_default();
        top != "captured" && top != "pillar" && (is_dir || is_sls(rel))
    };
    if let Err(e) = copy_tree(dir, &root, &keep, &|_, t| t) {
        return Outcome::Fail(format!("copying the case: {e}"));
    }
    std::fs::write(root.join("top.sls"), MAIN_TOP).expect("top.sls");
    let pillar = if dir.join("pillar").is_dir() {
        dir.join("pillar")
    } else {
        let p = tmp.path().join("pillar");
        std::fs::create_dir_all(&p).expect("pillar dir");
        p
    };
    let minion = Minion::new(tmp.path(), "local", &root, &pillar, "");
    let mut checks = Checks::default();
    // What each SLS file renders to (`slsutil.renderer`), captured first.
    for (sls, path) in rendered_captures(dir) {
        let rel = sls.replace('.', "/");
        let file = if root.join(format!("{rel}.sls")).is_file() {
            format!("{rel}.sls")
        } else {
            format!("{rel}/init.sls")
        };
        let want = match Capture::read(&path) {
            Ok(c) => c,
            Err(e) => return Outcome::Fail(e),
        };
        let url = format!("salt://{file}");
        let (got, out) = minion.capture(&["slsutil.renderer", &url]);
        let label = format!("slsutil.renderer {url} (rendered/{sls}.json)");
        checks.check(mask::compare_json(&label, &want.ret, &got.ret));
        checks.exit_code(&label, want.retcode, &out);
    }
    for (file, args, is_run) in STEPS {
        let path = dir.join("captured").join(file);
        if !path.exists() {
            continue;
        }
        let want = match Capture::read(&path) {
            Ok(c) => c,
            Err(e) => return Outcome::Fail(e),
        };
        let (got, out) = minion.capture(args);
        if want.unparsed() {
            // Salt crashed (it printed a traceback or a docstring): the
            // in-process tests hold our own expectation for these; here
            // ours must at least answer.
            checks.check(if got.unparsed() {
                Err(format!("{}: no JSON answer: {out:?}", args.join(" ")))
            } else {
                Ok(())
            });
            continue;
        }
        let label = format!("{} ({file})", args.join(" "));
        let (w, g) = if *is_run {
            (
                mask::pids(&mask::state_run(&want.ret)),
                mask::pids(&mask::state_run(&got.ret)),
            )
        } else {
            (want.ret.clone(), got.ret.clone())
        };
        checks.check(mask::compare_json(&label, &w, &g));
        checks.exit_code(&label, want.retcode, &out);
    }
    checks.outcome()
}

/// `captured/rendered/<sls>.json`, sorted by SLS name.
fn rendered_captures(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(dir.join("captured/rendered"))
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter_map(|p| {
                    let sls = p.file_name()?.to_str()?.strip_suffix(".json")?.to_owned();
                    Some((sls, p))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn is_sls(rel: &Path) -> bool {
    rel.extension().is_some_and(|e| e == "sls")
}
