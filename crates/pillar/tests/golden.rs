//! Golden tests: every `tests/cases/*.case` compiled here must give what
//! the real Salt 3007 master compiled for it (`tests/expected/*.json`,
//! captured by `scripts/pillar-capture.sh`; see tests/README.md).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use salt_pillar::{Functions, PillarConfig, PillarRequest, compile, compile_all};
use salt_render::data::{self, PillarGet};
use salt_testkit::case::{Case, check_all};
use serde_json::{Map, Value, json};

/// The pure functions pillar templates of the cases call, over the
/// minion's grains and an empty pillar (what a master's functions see).
struct TestFunctions {
    grains: Value,
}

impl Functions for TestFunctions {
    fn call(
        &self,
        fun: &str,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<Value, String> {
        let a = |i: usize, n: &str| kwargs.get(n).or_else(|| args.get(i)).cloned();
        let s = |v: Option<Value>, d: &str| {
            v.and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or(d.to_owned())
        };
        match fun {
            "grains.get" => Ok(data::traverse(
                &self.grains,
                &s(a(0, "key"), ""),
                a(1, "default").unwrap_or(json!("")),
                &s(a(2, "delimiter"), ":"),
            )),
            "grains.filter_by" => {
                let Some(Value::Object(lookup)) = a(0, "lookup_dict") else {
                    return Err("lookup_dict must be a dict".into());
                };
                data::filter_by(
                    &lookup,
                    &s(a(1, "grain"), "os_family"),
                    &self.grains,
                    a(2, "merge").as_ref(),
                    &s(a(3, "default"), "default"),
                    a(4, "base").as_ref().and_then(Value::as_str),
                )
            }
            "pillar.get" => data::pillar_get(
                &json!({}),
                &s(a(0, "key"), ""),
                &PillarGet {
                    default: a(1, "default"),
                    ..PillarGet::default()
                },
            ),
            other => Err(format!("'{other}' is not available.")),
        }
    }
}

fn config(case: &Case, root: &Path) -> PillarConfig {
    let mut cfg = PillarConfig::default();
    let roots = case
        .meta
        .get("roots")
        .cloned()
        .unwrap_or(json!({"base": ["base"]}));
    cfg.pillar_roots = roots
        .as_object()
        .expect("roots is a map")
        .iter()
        .map(|(env, dirs)| {
            let dirs: Vec<PathBuf> = dirs
                .as_array()
                .expect("roots are lists")
                .iter()
                .map(|d| root.join(d.as_str().expect("a root is a string")))
                .collect();
            (env.clone(), dirs)
        })
        .collect();
    let opts = case
        .meta
        .get("opts")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (k, v) in &opts {
        match k.as_str() {
            "pillar_source_merging_strategy" => cfg.merge_strategy = v.as_str().unwrap().into(),
            "pillar_merge_lists" => cfg.merge_lists = v.as_bool().unwrap(),
            "pillar_includes_override_sls" => cfg.includes_override_sls = v.as_bool().unwrap(),
            "pillar_safe_render_error" => cfg.safe_render_error = v.as_bool().unwrap(),
            "pillarenv_from_saltenv" => cfg.pillarenv_from_saltenv = v.as_bool().unwrap(),
            "nodegroups" => {
                cfg.nodegroups = v
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect::<IndexMap<_, _>>()
            }
            other => panic!("case option {other} is not mapped to PillarConfig"),
        }
    }
    cfg.opts.insert("renderer".into(), json!("jinja|yaml"));
    cfg
}

fn check(case_path: &Path, defaults: &Value) -> Result<(), String> {
    let name = case_path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("?");
    let (case, expected) = Case::load_with_expected(case_path)?;

    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let root = fs::canonicalize(dir.path()).map_err(|e| e.to_string())?;
    case.write_files(&root)?;
    let cfg = config(&case, &root);
    let id = case
        .meta
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("minion1");
    let mut grains = defaults["grains"].as_object().cloned().unwrap();
    if let Some(Value::Object(g)) = case.meta.get("grains") {
        grains.extend(g.clone());
    }
    grains.insert("id".into(), json!(id));
    let overrides = case
        .meta
        .get("overrides")
        .and_then(Value::as_object)
        .cloned();
    let mut req = PillarRequest::new(
        id,
        &grains,
        Arc::new(TestFunctions {
            grains: Value::Object(grains.clone()),
        }),
    );
    req.saltenv = case.meta.get("saltenv").and_then(Value::as_str);
    req.pillarenv = case.meta.get("pillarenv").and_then(Value::as_str);
    req.overrides = overrides.as_ref();

    let compiled = compile_all(&cfg, &req);
    let text = serde_json::to_string(&compiled.pillar).map_err(|e| e.to_string())?;
    let root_text = root.to_string_lossy();
    let mut got: Value = serde_json::from_str(&text.replace(root_text.as_ref(), "ROOT"))
        .map_err(|e| e.to_string())?;
    let mut want = expected.clone();

    // `_errors`: equal, except for render errors, whose text after
    // Salt's "render error:" line is the renderer's own wording.
    let got_errors = got.as_object_mut().and_then(|m| m.shift_remove("_errors"));
    let want_errors = want.as_object_mut().and_then(|m| m.shift_remove("_errors"));
    match (&want_errors, &got_errors) {
        (None, None) => {}
        (Some(Value::Array(w)), Some(Value::Array(g))) if w.len() == g.len() => {
            for (w, g) in w.iter().zip(g) {
                let (w, g) = (w.as_str().unwrap_or(""), g.as_str().unwrap_or(""));
                let head = |s: &str| s.lines().next().unwrap_or("").to_owned();
                let same = if w.contains("render error:") {
                    head(w) == head(g)
                } else {
                    w == g
                };
                if !same {
                    return Err(format!(
                        "{name}: error differs\n  salt:    {w:?}\n  salt-rs: {g:?}"
                    ));
                }
            }
        }
        _ => {
            return Err(format!(
                "{name}: errors differ\n  salt:    {want_errors:?}\n  salt-rs: {got_errors:?}"
            ));
        }
    }
    // `compile` must refuse exactly when Salt reports errors.
    match (compile(&cfg, &req), &want_errors) {
        (Ok(_), None) | (Err(_), Some(_)) => {}
        (Ok(_), Some(_)) => return Err(format!("{name}: compile() succeeded, Salt had _errors")),
        (Err(e), None) => return Err(format!("{name}: compile() failed: {e}")),
    }
    // Salt reads the top files of several environments in the order of a
    // Python set; where that shows in key order, compare without it.
    let unordered = case.meta.get("key_order_varies").and_then(Value::as_bool) == Some(true);
    let (w, g) = if unordered {
        (sorted(&want).to_string(), sorted(&got).to_string())
    } else {
        (
            serde_json::to_string_pretty(&want).unwrap(),
            serde_json::to_string_pretty(&got).unwrap(),
        )
    };
    if w != g {
        return Err(format!(
            "{name}: pillar differs\n--- salt\n{w}\n--- salt-rs\n{g}"
        ));
    }
    Ok(())
}

/// `v` with every dict's keys sorted.
fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&m[k])))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

#[test]
fn golden_cases_match_salt() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("cases");
    check_all(&dir, &dir.join("_defaults.json"), 40, check);
}
