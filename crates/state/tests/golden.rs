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

/// Where Salt crashes instead of answering, our own answer.
#[test]
fn onfail_all_on_a_later_state_runs_it_first() {
    let case = common::case("onfail_all_later");
    let (got, code) = run_case(case.high().unwrap(), false, &case.dir);
    let got = normalize_run(&got);
    let summary: Vec<(String, Value, Value)> = got
        .as_object()
        .unwrap()
        .iter()
        .map(|(t, r)| (t.clone(), r["result"].clone(), r["__run_num__"].clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "test_|-defined_later_|-defined_later_|-fail_without_changes".into(),
                Value::Bool(false),
                0.into()
            ),
            (
                "test_|-handler_|-handler_|-succeed_with_changes".into(),
                Value::Bool(true),
                1.into()
            ),
            (
                "test_|-after_|-after_|-nop".into(),
                Value::Bool(true),
                2.into()
            ),
        ]
    );
    assert_eq!(code, 2);
}

/// Salt aborts the whole run on an unknown keyword (and prints the
/// docstring of state.sls); we fail only that state, naming the keywords.
#[test]
fn unknown_keywords_fail_only_their_state() {
    let case = common::case("invalid_kwarg");
    let (got, code) = run_case(case.high().unwrap(), false, &case.dir);
    let comments: Vec<(String, String)> = got
        .as_object()
        .unwrap()
        .iter()
        .map(|(t, r)| {
            (
                t.clone(),
                r["comment"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        comments,
        vec![
            ("test_|-first_|-first_|-nop".into(), "Success!".into()),
            (
                "test_|-bad_kwarg_|-bad_kwarg_|-configurable_test_state".into(),
                "An exception occurred in this state: SaltInvocationError: 'foo' is an invalid keyword argument for 'test.configurable_test_state'".into()
            ),
            (
                "test_|-two_bad_|-two_bad_|-configurable_test_state".into(),
                "An exception occurred in this state: SaltInvocationError: 'foo' and 'baz' are invalid keyword arguments for 'test.configurable_test_state'".into()
            ),
            ("test_|-after_|-after_|-nop".into(), "Success!".into()),
        ]
    );
    assert_eq!(code, 2);
}
