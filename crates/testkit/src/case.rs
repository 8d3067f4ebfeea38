//! The `.case` files of the golden tests that compare with a capture of the
//! real Salt (salt-pillar's, salt-render's and the state top file's; the
//! capture side is `scripts/capture_cases.py`): a `--- meta` JSON section
//! and `--- file PATH` sections, every line of a section ending with a
//! newline, the last one too. A case `DIR/cases/NAME.case` is compared with
//! `DIR/expected/NAME.json`.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// One case: its meta and its files, in order.
#[derive(Debug, Clone)]
pub struct Case {
    /// The `--- meta` JSON object (empty without one).
    pub meta: Map<String, Value>,
    /// `(path, text)` of each `--- file PATH` section.
    pub files: Vec<(String, String)>,
}

impl Case {
    /// Parses a case file's text. Panics on a meta section that is not a
    /// JSON object (a broken test input).
    pub fn parse(text: &str) -> Case {
        let mut meta_lines: Vec<&str> = Vec::new();
        let mut files: Vec<(String, Vec<&str>)> = Vec::new();
        let mut in_meta = false;
        let mut lines: Vec<&str> = text.split('\n').collect();
        if lines.last() == Some(&"") {
            lines.pop();
        }
        for line in lines {
            if line.starts_with("--- meta") {
                in_meta = true;
            } else if let Some(name) = line.strip_prefix("--- file ") {
                in_meta = false;
                files.push((name.trim().to_owned(), Vec::new()));
            } else if in_meta {
                meta_lines.push(line);
            } else if let Some((_, body)) = files.last_mut() {
                body.push(line);
            }
        }
        let meta = if meta_lines.is_empty() {
            Map::new()
        } else {
            serde_json::from_str::<Value>(&meta_lines.join("\n"))
                .expect("case meta is JSON")
                .as_object()
                .cloned()
                .expect("case meta is an object")
        };
        let files = files
            .into_iter()
            .map(|(n, body)| (n, body.iter().map(|l| format!("{l}\n")).collect()))
            .collect();
        Case { meta, files }
    }

    /// Reads the case at `case_path` and the capture it is compared with,
    /// `../expected/<name>.json` next to its directory.
    pub fn load_with_expected(case_path: &Path) -> Result<(Case, Value), String> {
        let name = case_path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("?");
        let case = Case::parse(&fs::read_to_string(case_path).map_err(|e| e.to_string())?);
        let expected_path = case_path
            .parent()
            .and_then(Path::parent)
            .map(|p| p.join("expected").join(format!("{name}.json")))
            .ok_or("no expected dir")?;
        let expected: Value = serde_json::from_str(
            &fs::read_to_string(&expected_path)
                .map_err(|e| format!("{}: {e}", expected_path.display()))?,
        )
        .map_err(|e| e.to_string())?;
        Ok((case, expected))
    }

    /// Writes every file of the case under `root`, making directories.
    pub fn write_files(&self, root: &Path) -> Result<(), String> {
        for (file, body) in &self.files {
            let p = root.join(file);
            if let Some(dir) = p.parent() {
                fs::create_dir_all(dir).map_err(|e| e.to_string())?;
            }
            fs::write(&p, body).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// The `*.case` files in `dir`, sorted.
pub fn case_files(dir: &Path) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "case"))
        .collect();
    cases.sort();
    cases
}

/// Runs `check(case, defaults)` on every case of `cases_dir` (there must be
/// at least `min`), `defaults` being the JSON of `defaults_path`, and fails
/// with every difference found.
pub fn check_all(
    cases_dir: &Path,
    defaults_path: &Path,
    min: usize,
    check: impl Fn(&Path, &Value) -> Result<(), String>,
) {
    let defaults: Value =
        serde_json::from_str(&fs::read_to_string(defaults_path).unwrap()).unwrap();
    let cases = case_files(cases_dir);
    assert!(cases.len() >= min, "only {} cases", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| check(c, &defaults).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from Salt:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_meta_and_files() {
        let c = Case::parse(
            "ignored\n--- meta\n{\"id\": \"m1\"}\n--- file base/top.sls\nbase:\n  '*': []\n--- file x.sls\n",
        );
        assert_eq!(c.meta.get("id"), Some(&json!("m1")));
        assert_eq!(
            c.files,
            vec![
                ("base/top.sls".to_owned(), "base:\n  '*': []\n".to_owned()),
                ("x.sls".to_owned(), String::new()),
            ]
        );
        assert!(Case::parse("--- file a\nx").meta.is_empty());
    }
}
