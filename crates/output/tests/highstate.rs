//! Salt's highstate outputter, byte for byte: every case in
//! `tests/golden/highstate/` (see its README) is rendered from its
//! `NAME.json` with the options in `NAME.opts.json` and compared with
//! `NAME.txt`, which Salt 3007.8 printed for that very data.
//!
//! `reference/` holds the `salt` CLI captures of `shared/salt-reference`
//! with inputs rebuilt from what they show; their `ERROR: ...` and
//! `[exit code: N]` lines come from the CLI, not the outputter, and are
//! dropped before comparing.

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

/// Every case in `dir`; returns (cases run, failures).
fn run_cases(dir: &Path, cli_lines: bool) -> (usize, Vec<String>) {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".opts.json"))
        .collect();
    cases.sort();
    let mut failures = Vec::new();
    for opts_path in &cases {
        let file = opts_path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let case = file.trim_end_matches(".opts.json").to_owned();
        let opts: Value = serde_json::from_str(&read(opts_path)).expect("options JSON");
        let data: Value = serde_json::from_str(&read(&dir.join(format!("{case}.json"))))
            .unwrap_or_else(|e| panic!("{case}.json: {e}"));
        let mut want = read(&dir.join(format!("{case}.txt")));
        if cli_lines {
            want = want
                .split_inclusive('\n')
                .filter(|l| !l.starts_with("ERROR: ") && !l.starts_with("[exit code: "))
                .collect();
        }
        let (o, retcode) = options(&case, &opts);
        let got = render_all_retcode(&data, retcode, &o);
        if got != want {
            failures.push(format!("{case}: {}", first_difference(&got, &want)));
        }
    }
    (cases.len(), failures)
}

#[test]
fn salt_highstate_captures() {
    let (n, failures) = run_cases(&dir(), false);
    assert!(n >= 100, "only {n} cases found");
    assert!(
        failures.is_empty(),
        "{} of {n} cases differ from Salt:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn salt_cli_reference_captures() {
    let (n, failures) = run_cases(&dir().join("reference"), true);
    assert_eq!(n, 4, "highstate, second run, test=True, terse");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `--out highstate` through the common entry points: Salt's default
/// options, the colour from `Options`.
#[test]
fn format_highstate_uses_default_options() {
    let dir = dir();
    let data: Value = serde_json::from_str(&read(&dir.join("mixed.color.json"))).unwrap();
    let want = read(&dir.join("mixed.color.txt"));
    let o = salt_output::Options {
        color: true,
        ..Default::default()
    };
    let fmt: salt_output::Format = "highstate".parse().unwrap();
    assert_eq!(salt_output::render_all_retcode(fmt, &data, 2, &o), want);
    let ret = &data["local"];
    assert_eq!(salt_output::render_one(fmt, "local", ret, &o), want);
}
