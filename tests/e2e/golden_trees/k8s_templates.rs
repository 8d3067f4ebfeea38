//! `tests/golden/tree/<host>/rendered/` and `variants/<name>/`: every
//! Jinja template a `file.managed` state of the bundled tree names, as
//! Salt rendered it (`scripts/render-tree-templates.py`: `cp.get_template`
//! of the state's `source`, with its `defaults` overlaid by its `context`,
//! and the variant's pillar override as `pillar`). The same call through
//! `salt-rs-call --local --id <host>` must write the same bytes: this is
//! what `file.managed` would write on that host, which `test=True` never
//! shows for a new file.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use salt_testkit::mask;

use super::k8s_tree::host_minion;
use super::support::{Checks, Outcome, repo};

/// The templates of one host, or of one of its pillar variants.
pub struct Renders {
    host: String,
    /// `None`: the host's highstate (`rendered/`); else the variant name.
    variant: Option<String>,
}

pub fn cases() -> Vec<(String, Renders)> {
    let golden = repo().join("tests/golden/tree");
    let mut out = Vec::new();
    let mut hosts: Vec<PathBuf> = std::fs::read_dir(&golden)
        .unwrap_or_else(|e| panic!("{}: {e}", golden.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("rendered").is_dir())
        .collect();
    hosts.sort();
    for dir in hosts {
        let host = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.push((
            format!("{host} rendered"),
            Renders {
                host: host.clone(),
                variant: None,
            },
        ));
        let mut names: Vec<String> = variant_lines(&dir)
            .into_iter()
            .map(|(name, _, _)| name)
            .collect();
        names.sort();
        names.dedup();
        for name in names {
            if dir.join("variants").join(&name).is_dir() {
                out.push((
                    format!("{host} variants/{name}"),
                    Renders {
                        host: host.clone(),
                        variant: Some(name),
                    },
                ));
            }
        }
    }
    out
}

pub fn check(r: &Renders) -> Outcome {
    let dir = repo().join("tests/golden/tree").join(&r.host);
    let tmp = tempfile::tempdir().expect("temp dir");
    let minion = match host_minion(&r.host, tmp.path()) {
        Ok(m) => m,
        Err(e) => return Outcome::Fail(e),
    };
    let (chunks, override_, want_dir) = match &r.variant {
        None => (
            read_json(&dir.join("show_lowstate.json"))
                .map(|v| v["local"].as_array().cloned().unwrap_or_default()),
            None,
            dir.join("rendered"),
        ),
        Some(name) => {
            let lines: Vec<(String, String, String)> = variant_lines(&dir)
                .into_iter()
                .filter(|(n, _, _)| n == name)
                .collect();
            let mut chunks = Vec::new();
            for (_, sls, _) in &lines {
                match read_json(&dir.join(format!("show_sls/{sls}@{name}.json"))) {
                    Ok(v) => chunks.extend(chunks_of_high(&v["local"])),
                    Err(e) => return Outcome::Fail(e),
                }
            }
            let pillar = lines.first().map(|(_, _, p)| p.clone());
            (Ok(chunks), pillar, dir.join("variants").join(name))
        }
    };
    let chunks = match chunks {
        Ok(c) => c,
        Err(e) => return Outcome::Fail(e),
    };
    // The variant's pillar as the template sees it: the host's pillar with
    // the override merged in (what the capture hands over as `pillar`).
    let pillar = match &override_ {
        None => None,
        Some(o) => {
            let (got, out) = minion.capture(&["pillar.items", &format!("pillar={o}")]);
            if out.code != 0 {
                return Outcome::Fail(format!("pillar.items pillar={o}: {out:?}"));
            }
            Some(got.ret)
        }
    };
    let out_dir = tmp.path().join("out");
    let mut checks = Checks::default();
    for c in &chunks {
        if c["state"] != "file" || c["fun"] != "managed" || c["template"] != "jinja" {
            continue;
        }
        let (Some(source), Some(name)) = (c["source"].as_str(), c["name"].as_str()) else {
            continue;
        };
        let mut context = c["defaults"].as_object().cloned().unwrap_or_default();
        if let Some(m) = c["context"].as_object() {
            context.extend(m.clone());
        }
        if let Some(p) = &pillar {
            context.entry("pillar").or_insert_with(|| p.clone());
        }
        let dest = out_dir.join(name.trim_start_matches('/'));
        let dest_s = dest.display().to_string();
        let ctx = format!("context={}", Value::Object(context));
        let (got, out) = minion.capture(&[
            "cp.get_template",
            source,
            &dest_s,
            "jinja",
            "makedirs=True",
            &ctx,
        ]);
        let label = format!("cp.get_template {source} ({name})");
        if got.ret != json!(dest_s) {
            checks.check(Err(format!(
                "{label}: returned {}, not the destination\n  stderr: {}",
                got.ret,
                out.stderr.trim_end()
            )));
        }
    }
    // Every file Salt wrote, byte for byte, and nothing else.
    let (want_files, got_files) = (files_under(&want_dir), files_under(&out_dir));
    checks.check(mask::compare_json(
        "the rendered files",
        &json!(want_files),
        &json!(got_files),
    ));
    for f in want_files.iter().filter(|f| got_files.contains(f)) {
        let (w, g) = (
            std::fs::read_to_string(want_dir.join(f)).unwrap_or_default(),
            std::fs::read_to_string(out_dir.join(f)).unwrap_or_default(),
        );
        checks.check(mask::compare_text(&format!("/{f}"), &w, &g));
    }
    checks.outcome()
}

/// `variants.txt`: `(name, sls, pillar JSON)` per line.
fn variant_lines(dir: &Path) -> Vec<(String, String, String)> {
    std::fs::read_to_string(dir.join("variants.txt"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut p = l.splitn(3, ' ');
            Some((
                p.next()?.to_owned(),
                p.next()?.to_owned(),
                p.next()?.to_owned(),
            ))
        })
        .collect()
}

/// Low chunks of `show_sls` high data, as the render script makes them:
/// the function name and every argument of each declaration, `name`
/// defaulting to the ID.
fn chunks_of_high(high: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    let Some(high) = high.as_object() else {
        return out;
    };
    for (id, body) in high {
        let Some(body) = body.as_object() else {
            continue;
        };
        for (module, items) in body {
            if module.starts_with("__") {
                continue;
            }
            let mut chunk = Map::new();
            chunk.insert("state".into(), json!(module));
            chunk.insert("__id__".into(), json!(id));
            chunk.insert("name".into(), json!(id));
            for item in items.as_array().into_iter().flatten() {
                match item {
                    Value::String(f) => {
                        chunk.insert("fun".into(), json!(f));
                    }
                    Value::Object(m) => chunk.extend(m.clone()),
                    _ => {}
                }
            }
            out.push(Value::Object(chunk));
        }
    }
    out
}

/// The files under `dir`, relative, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else if let Ok(rel) = p.strip_prefix(dir) {
                out.push(rel.display().to_string());
            }
        }
    }
    out.sort();
    out
}

fn read_json(p: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))
}
