//! Salt's highstate outputter, byte for byte: every case in
//! `tests/golden/highstate/` (see its README) is rendered from its
//! `NAME.json` with the options in `NAME.opts.json` and compared with
//! `NAME.txt`, which Salt 3007.8 printed for that very data.

use std::path::{Path, PathBuf};

use salt_output::highstate::{
    HighstateOptions, StateOutput, Tabular, render_all_retcode, split_list,
};
use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/highstate")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The options a capture ran with, from Salt's names.
fn options(case: &str, opts: &Value) -> (HighstateOptions, i32) {
    let mut o = HighstateOptions::default();
    let mut retcode = 0;
    let Some(map) = opts.as_object() else {
        panic!("{case}: options are not a dict");
    };
    let list = |v: &Value| match v {
        Value::String(s) => split_list(s),
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        other => panic!("{case}: bad list {other}"),
    };
    let flag = |v: &Value| {
        v.as_bool()
            .unwrap_or_else(|| panic!("{case}: {v} is not a bool"))
    };
    for (key, v) in map {
        match key.as_str() {
            "color" => o.color = flag(v),
            "retcode" => retcode = v.as_i64().and_then(|n| i32::try_from(n).ok()).unwrap_or(0),
            "state_output" => o.state_output = StateOutput::from_salt(v.as_str().unwrap_or("")),
            "state_verbose" => o.state_verbose = flag(v),
            "state_output_diff" => o.state_output_diff = flag(v),
            "state_output_profile" => o.state_output_profile = flag(v),
            "state_output_pct" => o.state_output_pct = flag(v),
            "state_compress_ids" => o.state_compress_ids = flag(v),
            "state_tabular" => {
                o.state_tabular = match v {
                    Value::Bool(true) => Tabular::Aligned,
                    Value::String(s) => Tabular::Format(s.clone()),
                    _ => Tabular::Off,
                }
            }
            "state_output_exclude" => o.state_output_exclude = list(v),
            "state_output_terse" => o.state_output_terse = list(v),
            other => panic!("{case}: unknown option {other}"),
        }
    }
    (o, retcode)
}

/// The first line where two texts differ, for a readable failure.
fn first_difference(got: &str, want: &str) -> String {
    let (g, w): (Vec<&str>, Vec<&str>) = (got.split('\n').collect(), want.split('\n').collect());
    for i in 0..g.len().max(w.len()) {
        let (a, b) = (g.get(i).copied(), w.get(i).copied());
        if a != b {
            return format!("line {}:\n   got: {a:?}\n  want: {b:?}", i + 1);
        }
    }
    "no line differs (trailing bytes?)".to_owned()
}

#[test]
fn salt_highstate_captures() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir())
        .expect("tests/golden/highstate")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".opts.json"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 100, "only {} cases found", cases.len());
    let mut failures = Vec::new();
    for opts_path in &cases {
        let file = opts_path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let case = file.trim_end_matches(".opts.json").to_owned();
        let opts: Value = serde_json::from_str(&read(opts_path)).expect("options JSON");
        let data: Value = serde_json::from_str(&read(&dir().join(format!("{case}.json"))))
            .unwrap_or_else(|e| panic!("{case}.json: {e}"));
        let want = read(&dir().join(format!("{case}.txt")));
        let (o, retcode) = options(&case, &opts);
        let got = render_all_retcode(&data, retcode, &o);
        if got != want {
            failures.push(format!("{case}: {}", first_difference(&got, &want)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from Salt:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
