//! Golden tests: every `tests/inputs/*.case` rendered here must give what
//! the real Salt 3007 gave for it (`tests/expected/*.json`, captured by
//! `scripts/render-capture.sh`; see tests/README.md).

mod common;

use std::fs;
use std::path::Path;

use serde_json::Value;

use common::{Case, RenderCase, TestHost};

fn check(case_path: &Path, defaults: &Value) -> Result<(), String> {
    let name = case_path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("?");
    let (case, expected) = Case::load_with_expected(case_path)?;
    let cx = case.context(defaults);
    let host = TestHost::for_case(&case, &cx);
    let (_, text) = case.main();
    let got: Result<Value, salt_render::RenderError> = if case.mode() == "sls" {
        salt_render::render_sls(&host, &cx, text)
    } else {
        salt_render::render_template(&host, &cx, text).map(Value::String)
    };
    // A deliberate difference from Salt (docs/differences.md): salt-rs
    // must fail with `error_contains` where Salt did something else.
    if let Some(why) = case.meta.get("salt_differs").and_then(Value::as_str) {
        let want = case
            .meta
            .get("error_contains")
            .and_then(Value::as_str)
            .unwrap_or("");
        return match got {
            Err(e) if e.to_string().contains(want) => Ok(()),
            other => Err(format!(
                "{name}: expected an error containing {want:?} ({why}), got {other:?}"
            )),
        };
    }
    match (expected.get("ok"), got) {
        (Some(want), Ok(got)) => {
            let (w, g) = (
                serde_json::to_string_pretty(want).unwrap_or_default(),
                serde_json::to_string_pretty(&got).unwrap_or_default(),
            );
            if w == g {
                return Ok(());
            }
            if let (Some(ws), Some(gs)) = (want.as_str(), got.as_str()) {
                // Text output: show the differing lines.
                let mut diff = String::new();
                let (wl, gl): (Vec<&str>, Vec<&str>) = (ws.lines().collect(), gs.lines().collect());
                for i in 0..wl.len().max(gl.len()) {
                    let (a, b) = (wl.get(i), gl.get(i));
                    if a != b {
                        diff.push_str(&format!(
                            "line {}:\n  salt:    {:?}\n  salt-rs: {:?}\n",
                            i + 1,
                            a,
                            b
                        ));
                    }
                }
                return Err(format!("{name}: output differs\n{diff}"));
            }
            Err(format!(
                "{name}: output differs\n--- salt\n{w}\n--- salt-rs\n{g}"
            ))
        }
        (Some(_), Err(e)) => Err(format!("{name}: salt rendered it, salt-rs failed: {e}")),
        (None, Ok(got)) => Err(format!(
            "{name}: salt failed ({}), salt-rs rendered {got}",
            expected["error"]
        )),
        (None, Err(e)) => {
            if std::env::var_os("GOLDEN_VERBOSE").is_some() {
                eprintln!("{name}: {e}\n");
            }
            // Salt reports no line (or 0) for some errors whose message
            // names one; the case's `expect_line` says which line that is.
            let salt_line = case
                .meta
                .get("expect_line")
                .or_else(|| expected.get("line"))
                .and_then(Value::as_u64)
                .filter(|l| *l > 0);
            if let Some(line) = salt_line
                && e.line != usize::try_from(line).ok()
            {
                return Err(format!(
                    "{name}: salt reports line {line}, salt-rs {:?}: {e}\n(salt: {})",
                    e.line, expected["error"]
                ));
            }
            if let Some(want) = case.meta.get("error_contains").and_then(Value::as_str)
                && !e.to_string().contains(want)
            {
                return Err(format!("{name}: error lacks {want:?}: {e}"));
            }
            Ok(())
        }
    }
}

#[test]
fn golden_cases_match_salt() {
    let inputs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/inputs");
    let defaults: Value =
        serde_json::from_str(&fs::read_to_string(inputs.join("_defaults.json")).unwrap()).unwrap();
    let cases = salt_testkit::case::case_files(&inputs);
    assert!(!cases.is_empty());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| check(c, &defaults).err())
        .collect();
    for f in &failures {
        eprintln!("{f}\n");
    }
    eprintln!("{} golden cases, {} differ", cases.len(), failures.len());
    assert!(
        failures.is_empty(),
        "{} of {} golden cases differ from Salt",
        failures.len(),
        cases.len()
    );
}
