//! Golden tests of the state modules that act on the machine (`cmd.*`,
//! `archive.extracted`, `module.run`) against the real Salt: every
//! directory under `tests/cmd_cases/` is an SLS tree run four times in one
//! fresh temporary directory (`@TMP@` in the files): test mode, a real
//! run, a second real run, test mode again. Salt 3007.8's answers are in
//! each case's `captured/` (see `tests/cmd_cases/README.md` and
//! `scripts/capture-cmd-state-cases.sh`); ours must be equal, key order
//! included, once the directory, times and pids are masked.
//!
//! The host is real (`tests/host`): commands run, archives are unpacked,
//! execution functions are salt-exec's; only `salt://` is served from the
//! case directory.

mod common;
mod host;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use common::{compare, normalize_run};
use host::RealHost;
use salt_state::{HighData, RunOptions, compile, run_chunks, run_succeeded};
use salt_testkit::mask::pids as mask_pids;

/// How many captured cases there are at least (a guard against a lost
/// directory).
const MIN_CASES: usize = 12;

/// The four runs of a case, in order: capture file and test mode.
const RUNS: &[(&str, bool)] = &[
    ("test.json", true),
    ("run.json", false),
    ("rerun.json", false),
    ("retest.json", true),
];

#[test]
fn cmd_archive_module_states_match_salt() {
    let only = std::env::var("SALT_STATE_CASE").ok();
    let min = if only.is_some() { 0 } else { MIN_CASES };
    let dirs = common::case_dirs("cmd_cases", "captured", min);
    let mut failures = Vec::new();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if only.as_ref().is_some_and(|o| *o != name) {
            continue;
        }
        if let Err(e) = run_case(&dir) {
            failures.push(format!("--- case {name}:\n{e}"));
        }
    }
    common::assert_no_failures(&failures);
}

fn run_case(dir: &Path) -> Result<(), String> {
    let tmp = tempfile::Builder::new()
        .prefix("salt-case.")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let cache = tempfile::tempdir().map_err(|e| e.to_string())?;
    let tmp_s = tmp.path().to_string_lossy().into_owned();
    let cache_s = cache.path().to_string_lossy().into_owned();
    if dir.join("setup.sh").is_file() {
        let st = Command::new("sh")
            .arg(dir.join("setup.sh"))
            .current_dir(tmp.path())
            .env("T", &tmp_s)
            .env("FILES", dir)
            .status()
            .map_err(|e| e.to_string())?;
        if !st.success() {
            return Err(format!("setup.sh failed: {st}"));
        }
    }
    let high_text = std::fs::read_to_string(dir.join("captured/high.json"))
        .map_err(|e| e.to_string())?
        .replace("@TMP@", &tmp_s);
    let high: Value = serde_json::from_str(&high_text).map_err(|e| e.to_string())?;
    let high = HighData::from_value(high["return"].clone()).map_err(|e| format!("{e:?}"))?;
    let host = RealHost::new(dir, cache.path());
    let mut problems = Vec::new();
    for (file, test) in RUNS {
        let want: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("captured").join(file)).map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
        let (got, code) = run(&high, *test, &host);
        let got: Value = serde_json::from_str(
            &serde_json::to_string(&got)
                .unwrap()
                .replace(&tmp_s, "@TMP@")
                .replace(&cache_s, "@CACHE@"),
        )
        .unwrap();
        if let Err(p) = compare(
            file,
            &mask_pids(&normalize_run(&want["return"])),
            &mask_pids(&normalize_run(&got)),
        ) {
            problems.push(p);
            // Later runs depend on this one: stop at the first difference.
            break;
        }
        let want_code = want["retcode"].as_i64().unwrap_or(0) as i32;
        if code != want_code {
            problems.push(format!("{file}: retcode {code}, Salt {want_code}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// `salt-call --retcode-passthrough state.sls`: the return and exit code.
fn run(high: &HighData, test: bool, host: &RealHost) -> (Value, i32) {
    let opts = RunOptions {
        test,
        ..RunOptions::default()
    };
    match compile(high.clone()) {
        Err(e) => (serde_json::to_value(&e).unwrap(), 1),
        Ok(c) => {
            let running = run_chunks(c.chunks, &opts, host);
            let code = if run_succeeded(&running, Some(&c.high)) {
                0
            } else {
                2
            };
            (serde_json::to_value(&running).unwrap(), code)
        }
    }
}
