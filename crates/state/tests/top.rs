//! Golden tests of the state top file: every `tests/top/cases/*.case`
//! (a file tree of top files) must give the merged top and the
//! `state.show_top` answer the real Salt 3007 gave for it
//! (`tests/top/expected/*.json`, captured by `scripts/top-capture.sh`; see
//! tests/top/README.md).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use salt_render::{Context, Host, render_sls};
use salt_state::top::{ShowTop, TopError, TopOptions, TopSource, get_top, show_top};
use salt_target::Facts;
use salt_testkit::case::{Case, check_all};
use serde_json::{Map, Value, json};

/// No functions, no imports: the cases' top files need neither.
struct NoHost;

impl Host for NoHost {
    fn call(&self, fun: &str, _: Vec<Value>, _: Map<String, Value>) -> Result<Value, String> {
        Err(format!("'{fun}' is not available."))
    }
    fn get_file(&self, _: &str, _: &str) -> Result<Option<String>, String> {
        Ok(None)
    }
}

/// A file server over the case's directories, rendering with salt-render.
struct Tree {
    roots: IndexMap<String, Vec<PathBuf>>,
    grains: Value,
    pillar: Value,
}

impl Tree {
    fn find(&self, env: &str, rel: &str) -> Option<PathBuf> {
        self.roots
            .get(env)?
            .iter()
            .map(|r| r.join(rel))
            .find(|p| p.is_file())
    }
}

impl TopSource for Tree {
    fn envs(&self) -> Vec<String> {
        let mut e: Vec<String> = self.roots.keys().cloned().collect();
        e.sort();
        e
    }

    fn available(&self, saltenv: &str) -> Vec<String> {
        fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) {
            for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let rel = if prefix.is_empty() {
                    name
                } else {
                    format!("{prefix}/{name}")
                };
                if entry.path().is_dir() {
                    walk(&entry.path(), &rel, out);
                } else if let Some(stem) = rel.strip_suffix(".sls") {
                    let stem = stem.strip_suffix("/init").unwrap_or(stem);
                    out.push(stem.replace('/', "."));
                }
            }
        }
        let mut out = Vec::new();
        for root in self.roots.get(saltenv).into_iter().flatten() {
            walk(root, "", &mut out);
        }
        out.sort();
        out.dedup();
        out
    }

    fn render_top(&self, saltenv: &str, sls: Option<&str>) -> Result<Option<Value>, String> {
        let path = match sls {
            None => self.find(saltenv, "top.sls"),
            Some(s) => {
                let base = s.replace('.', "/");
                self.find(saltenv, &format!("{base}.sls"))
                    .or_else(|| self.find(saltenv, &format!("{base}/init.sls")))
            }
        };
        let Some(path) = path else { return Ok(None) };
        let text = fs::read_to_string(&path).map_err(|e| e.to_string())?;
        let host: Arc<dyn Host> = Arc::new(NoHost);
        let cx = Context {
            grains: self.grains.clone(),
            pillar: self.pillar.clone(),
            opts: json!({"renderer": "jinja|yaml"}),
            saltenv: saltenv.to_owned(),
            sls: Some(String::new()),
            tplpath: Some(path.to_string_lossy().into_owned()),
            extra: Map::new(),
        };
        render_sls(&host, &cx, &text)
            .map(Some)
            .map_err(|e| e.to_string())
    }
}

fn check(case_path: &Path, defaults: &Value) -> Result<(), String> {
    let name = case_path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("?");
    let (case, expected) = Case::load_with_expected(case_path)?;

    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    case.write_files(dir.path())?;
    let roots_meta = case
        .meta
        .get("roots")
        .cloned()
        .unwrap_or(json!({"base": ["base"]}));
    let roots: IndexMap<String, Vec<PathBuf>> = roots_meta
        .as_object()
        .unwrap()
        .iter()
        .map(|(env, dirs)| {
            let dirs = dirs
                .as_array()
                .unwrap()
                .iter()
                .map(|d| dir.path().join(d.as_str().unwrap()))
                .collect();
            (env.clone(), dirs)
        })
        .collect();

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
    let grains = Value::Object(grains);
    let pillar = case.meta.get("pillar").cloned().unwrap_or(json!({}));

    let mut opts = TopOptions {
        file_roots_envs: roots.keys().cloned().collect(),
        ..TopOptions::default()
    };
    for (k, v) in case
        .meta
        .get("opts")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        match k.as_str() {
            "top_file_merging_strategy" => opts.merging_strategy = v.as_str().unwrap().into(),
            "env_order" => {
                opts.env_order = v
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e.as_str().unwrap().into())
                    .collect()
            }
            "default_top" => opts.default_top = v.as_str().unwrap().into(),
            "state_top_saltenv" => opts.state_top_saltenv = Some(v.as_str().unwrap().into()),
            "saltenv" => opts.saltenv = Some(v.as_str().unwrap().into()),
            "nodegroups" => {
                opts.nodegroups = v
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            }
            other => panic!("{name}: case option {other} is not mapped to TopOptions"),
        }
    }
    let tree = Tree {
        roots,
        grains: grains.clone(),
        pillar: pillar.clone(),
    };
    let facts = Facts {
        id,
        grains: &grains,
        pillar: Some(&pillar),
    };

    if let Some(exc) = expected.get("salt_exception").and_then(Value::as_str) {
        return match show_top(&opts, &tree, &facts) {
            Err(e @ TopError::NoTargets { .. }) if exc.ends_with(&e.to_string()) => Ok(()),
            other => Err(format!(
                "{name}: Salt failed with {exc:?}, salt-rs gave {other:?}"
            )),
        };
    }
    let top = get_top(&opts, &tree).map_err(|e| format!("{name}: get_top failed: {e}"))?;
    let top = serde_json::to_value(&top).unwrap();
    if text(&top) != text(&expected["top"]) {
        return Err(format!(
            "{name}: merged top differs\n  salt:    {}\n  salt-rs: {top}",
            expected["top"]
        ));
    }
    let shown = match show_top(&opts, &tree, &facts).map_err(|e| format!("{name}: {e}"))? {
        ShowTop::Matches(m) => serde_json::to_value(m).unwrap(),
        ShowTop::Errors(e) => json!(e),
    };
    if text(&shown) != text(&expected["show_top"]) {
        return Err(format!(
            "{name}: show_top differs\n  salt:    {}\n  salt-rs: {shown}",
            expected["show_top"]
        ));
    }
    Ok(())
}

/// JSON text, key order included.
fn text(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

#[test]
fn top_cases_match_salt() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("top");
    check_all(&dir.join("cases"), &dir.join("_defaults.json"), 15, check);
}

/// Salt logs a top file that fails to render and shows an empty top;
/// salt-rs reports it (docs/differences.md).
#[test]
fn render_errors_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("base")).unwrap();
    fs::write(
        dir.path().join("base/top.sls"),
        "base:\n  '*':\n    - {{ nope.x }}\n",
    )
    .unwrap();
    let tree = Tree {
        roots: IndexMap::from([("base".to_owned(), vec![dir.path().join("base")])]),
        grains: json!({}),
        pillar: json!({}),
    };
    let g = json!({});
    let facts = Facts {
        id: "m",
        grains: &g,
        pillar: None,
    };
    let err = show_top(&TopOptions::default(), &tree, &facts).unwrap_err();
    let TopError::Render {
        saltenv, message, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(saltenv, "base");
    assert!(
        message.contains("'nope' is undefined") && message.contains("top.sls:3"),
        "{message}"
    );
}
