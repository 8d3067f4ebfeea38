//! Golden tests against the real Salt: every directory under
//! `tests/cases/` is an SLS tree whose `captured/` files hold what Salt
//! 3007.8 answered (see `tests/README.md` and
//! `scripts/capture-state-cases.sh`). The captured high data goes in; our
//! low chunks, compile errors and run results (real and test mode) must
//! equal Salt's, key order included. Only times (`start_time`,
//! `duration`) are masked; tracebacks are reduced to their last line, and
//! the failed-requisite list (a Python set, so unordered) is sorted.

mod common;

use std::path::Path;

use serde_json::Value;

use common::{Case, TestExec, canonical, compare, normalize_run};
use salt_state::{HighData, RunOptions, compile, compile_low_sls, run_chunks, run_succeeded};

#[test]
fn low_chunks_match_salt() {
    common::for_each_case(|case| {
        let Some(high) = case.high() else {
            return Ok(());
        };
        let mut problems = Vec::new();
        if let Some(want) = case.captured("lowstate.json") {
            let got = match compile(high.clone()) {
                Ok(c) => serde_json::to_value(&c.chunks).unwrap(),
                Err(e) => serde_json::to_value(&e).unwrap(),
            };
            if let Err(p) = compare("show_lowstate", &canonical(&want.ret), &canonical(&got)) {
                problems.push(p);
            }
        }
        if let Some(want) = case.captured("low_sls.json") {
            let got = match compile_low_sls(&high) {
                Ok(c) => serde_json::to_value(&c).unwrap(),
                Err(e) => serde_json::to_value(&e).unwrap(),
            };
            if let Err(p) = compare("show_low_sls", &canonical(&want.ret), &canonical(&got)) {
                problems.push(p);
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n"))
        }
    });
}

#[test]
fn run_results_match_salt() {
    common::for_each_case(|case| check_run(case, false, "run.json"));
}

#[test]
fn test_mode_results_match_salt() {
    common::for_each_case(|case| check_run(case, true, "test.json"));
}

fn check_run(case: &Case, test: bool, file: &str) -> Result<(), String> {
    let (Some(high), Some(want)) = (case.high(), case.captured(file)) else {
        return Ok(());
    };
    let (got, retcode) = run_case(high, test, &case.dir);
    let label = if test {
        "state.sls test=True"
    } else {
        "state.sls"
    };
    compare(label, &normalize_run(&want.ret), &normalize_run(&got))?;
    if retcode != want.retcode {
        return Err(format!("{label}: retcode {retcode}, Salt {}", want.retcode));
    }
    Ok(())
}

/// Runs like `salt-call --retcode-passthrough state.sls`: the return and
/// the exit code (1 compile error, 2 failed state).
fn run_case(high: HighData, test: bool, dir: &Path) -> (Value, i32) {
    let opts = RunOptions {
        test,
        ..RunOptions::default()
    };
    let exec = TestExec::new(dir);
    match compile(high) {
        Err(e) => (serde_json::to_value(&e).unwrap(), 1),
        Ok(c) => {
            let running = run_chunks(c.chunks, &opts, &exec);
            let code = if run_succeeded(&running, Some(&c.high)) {
                0
            } else {
                2
            };
            (serde_json::to_value(&running).unwrap(), code)
        }
    }
}
