//! Shared helpers of the golden tests: loading cases and captures,
//! normalizing what legitimately differs between two runs, comparing with
//! key order, and an [`Exec`] that runs commands with `sh -c`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Map, Value};

use salt_state::{CallReturn, Exec, HighData};

/// One case directory.
pub struct Case {
    pub name: String,
    pub dir: PathBuf,
}

/// A capture: salt-call's exit code and the `local` part of its output.
pub struct Captured {
    pub retcode: i32,
    pub ret: Value,
}

impl Case {
    /// A capture; `None` when missing or when Salt crashed (it then prints
    /// a docstring instead of JSON).
    pub fn captured(&self, file: &str) -> Option<Captured> {
        let text = std::fs::read_to_string(self.dir.join("captured").join(file)).ok()?;
        let v: Value = serde_json::from_str(&text).ok()?;
        let ret = v.get("return")?.clone();
        if ret.get("__unparsed__").is_some() {
            return None;
        }
        let retcode = v.get("retcode").and_then(Value::as_i64).unwrap_or(0) as i32;
        Some(Captured { retcode, ret })
    }

    /// Salt's `state.show_sls main` when it is high data (not errors).
    pub fn high(&self) -> Option<HighData> {
        let c = self.captured("high.json")?;
        c.ret
            .is_object()
            .then(|| HighData::from_value(c.ret).ok())
            .flatten()
    }
}

/// Runs `f` on every case (or on `SALT_STATE_CASE` only) and fails with
/// every problem found.
pub fn for_each_case(f: impl Fn(&Case) -> Result<(), String>) {
    let only = std::env::var("SALT_STATE_CASE").ok();
    let dirs = case_dirs("cases", "captured", 40);
    let mut failures = Vec::new();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if only.as_ref().is_some_and(|o| *o != name) {
            continue;
        }
        let case = Case {
            name: name.clone(),
            dir,
        };
        if let Err(e) = f(&case) {
            failures.push(format!("--- case {name}:\n{e}"));
        }
    }
    assert_no_failures(&failures);
}

/// The case directories under `tests/<sub>` that hold `marker` (the
/// captures, a file or a directory), sorted; at least `min` of them, or the
/// checkout is missing its captures.
pub fn case_dirs(sub: &str, marker: &str, min: usize) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(sub);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("tests/{sub}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join(marker).exists())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= min,
        "expected the captured cases under {}",
        root.display()
    );
    dirs
}

/// Fails with every `--- case NAME:` problem collected, if there are any.
pub fn assert_no_failures(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} case(s) differ from Salt:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// One case by name.
pub fn case(name: &str) -> Case {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases")
        .join(name);
    assert!(dir.is_dir(), "no case {name}");
    Case {
        name: name.to_owned(),
        dir,
    }
}

/// Values compare as their JSON text, so key order counts.
pub fn canonical(v: &Value) -> Value {
    v.clone()
}

/// Ok when equal (key order included); else every difference with its
/// path (the masking and comparison every golden test shares).
#[allow(unused_imports)]
pub use salt_testkit::mask::compare_json as compare;

/// Masks times, reduces tracebacks to their exception, sorts the
/// failed-requisite list (a Python set): `salt_testkit::mask::state_run`.
#[allow(unused_imports)]
pub use salt_testkit::mask::state_run as normalize_run;

/// Commands through `sh -c`; a few execution functions from a table;
/// `pillar.get` from the case's captured `pillar.items`.
pub struct TestExec {
    dir: PathBuf,
    pillar: Value,
}

impl TestExec {
    pub fn new(dir: &Path) -> Self {
        let pillar = std::fs::read_to_string(dir.join("captured/pillar.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .and_then(|v| v.get("return").cloned())
            .unwrap_or(Value::Object(Map::new()));
        Self {
            dir: dir.to_owned(),
            pillar,
        }
    }

    fn pillar_get(&self, key: &str, default: Value) -> Value {
        let mut cur = &self.pillar;
        for part in key.split(':') {
            let next = match cur {
                Value::Object(m) => m.get(part),
                Value::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get(i)),
                _ => None,
            };
            match next {
                Some(n) => cur = n,
                None => return default,
            }
        }
        cur.clone()
    }
}

impl Exec for TestExec {
    fn run_cmd(&self, cmd: &str, _opts: &Map<String, Value>) -> Result<i32, String> {
        let status = Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .current_dir(&self.dir)
            .status()
            .map_err(|e| e.to_string())?;
        Ok(status.code().unwrap_or(1))
    }

    fn call(
        &self,
        fun: &str,
        args: &[Value],
        kwargs: &Map<String, Value>,
    ) -> Result<CallReturn, String> {
        let value = match fun {
            "test.true" => Value::Bool(true),
            "test.false" => Value::Bool(false),
            "test.echo" => args.first().cloned().unwrap_or(Value::Null),
            "test.arg" => serde_json::json!({"args": args, "kwargs": kwargs}),
            "pillar.get" => {
                let key = args.first().and_then(Value::as_str).unwrap_or_default();
                self.pillar_get(
                    key,
                    args.get(1).cloned().unwrap_or(Value::String(String::new())),
                )
            }
            other => return Err(format!("'{other}' is not available.")),
        };
        Ok(CallReturn { value, retcode: 0 })
    }

    fn sleep(&self, _d: std::time::Duration) {}
}
