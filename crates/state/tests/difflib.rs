//! `unified_diff` against Python's `difflib.unified_diff` on the inputs in
//! `tests/data/difflib.json` (written by `scripts/capture-difflib-cases.py`
//! with the Python of salt-lab): Salt shows file changes as difflib's text,
//! so hunks must be placed exactly where difflib places them.

use serde_json::Value;

use salt_state::states::file::diff::unified_diff_lines;

#[test]
fn unified_diff_matches_python_difflib() {
    let text = include_str!("data/difflib.json");
    let data: Value = serde_json::from_str(text).unwrap();
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() > 100);
    let lines = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_owned())
            .collect()
    };
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let (a, b, want) = (lines(&case["a"]), lines(&case["b"]), lines(&case["diff"]));
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let b: Vec<&str> = b.iter().map(String::as_str).collect();
        let term = case["lineterm"].as_str().unwrap();
        let got = unified_diff_lines(&a, &b, "", "", term);
        if got != want {
            failures.push(format!(
                "case {i}:\n== difflib:\n{}\n== ours:\n{}",
                want.concat(),
                got.concat()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
