//! Rendering the pillar SLS files a minion's top matched, following their
//! `include:` lists, and merging everything into one pillar, step for step
//! as Salt's `Pillar.render_pillar` / `render_pstate` do:
//!
//! - top-file names are shell globs over the environment's SLS names;
//! - an include is `- name`, `- .relative` or `- name: {key: 'a:b',
//!   defaults: {...}}` (`key` nests the included data under `a: b:`,
//!   `defaults` become template variables of the included file and, as in
//!   Salt, of the plain includes after it);
//! - included files merge first and the including file last, so its values
//!   win (`pillar_includes_override_sls: True` turns that around);
//! - a file is rendered once per environment and reused from there.

use std::collections::HashMap;

use salt_render::{Context, render_sls};
use salt_yaml::pyrepr::truthy;
use serde_json::{Map, Value};

use crate::Compiler;
use crate::error::Problem;

/// SLS already rendered in one environment: name -> data (`None` when it
/// failed). Salt's `mods`.
pub(crate) type Mods = HashMap<String, Option<Value>>;

impl Compiler<'_> {
    /// Salt's `render_pillar`: the pillar from the matched SLS names,
    /// merged over `pillar` (the overrides).
    pub(crate) fn render_pillar(
        &self,
        matches: &indexmap::IndexMap<String, Vec<String>>,
        mut pillar: Map<String, Value>,
        problems: &mut Vec<Problem>,
    ) -> Map<String, Value> {
        for (env, patterns) in matches {
            let mut files: Vec<String> = Vec::new();
            for pattern in patterns {
                let found = match self.avail.get(env) {
                    Some(avail) => glob(avail, pattern),
                    None => {
                        problems.push(Problem::NoEnvironment {
                            saltenv: env.clone(),
                        });
                        Vec::new()
                    }
                };
                if found.is_empty() {
                    files.push(pattern.clone());
                } else {
                    files.extend(found);
                }
            }
            let mut mods = Mods::new();
            for sls in files {
                if let Some(Value::Object(data)) =
                    self.render_pstate(&sls, env, &mut mods, &Map::new(), problems)
                {
                    pillar = self.merge(&pillar, &data);
                }
            }
        }
        pillar
    }

    /// Salt's `render_pstate`: one SLS and, recursively, what it includes.
    /// `None` when the file is missing or fails to render.
    fn render_pstate(
        &self,
        sls: &str,
        env: &str,
        mods: &mut Mods,
        defaults: &Map<String, Value>,
        problems: &mut Vec<Problem>,
    ) -> Option<Value> {
        let Some((rel, path)) = self.roots.find_sls(env, sls) else {
            let ignored = self
                .ignored
                .get(env)
                .is_some_and(|i| i.iter().any(|s| s == sls));
            if !ignored && self.roots.has_dirs(env) {
                problems.push(Problem::Missing {
                    sls: sls.to_owned(),
                    saltenv: env.to_owned(),
                });
            }
            // Salt only logs a missing SLS of an environment without roots.
            return None;
        };
        let rendered = match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => {
                    let cx = Context {
                        grains: self.grains.clone(),
                        pillar: Value::Object(Map::new()),
                        opts: self.opts.clone(),
                        saltenv: env.to_owned(),
                        sls: Some(sls.to_owned()),
                        tplpath: Some(path.to_string_lossy().into_owned()),
                        extra: defaults.clone(),
                    };
                    render_sls(&self.host, &cx, &text).map_err(|error| Problem::SlsRender {
                        sls: sls.to_owned(),
                        saltenv: env.to_owned(),
                        error,
                    })
                }
                Err(_) => Err(read_problem(sls, env, &path, "the file is not UTF-8 text")),
            },
            Err(e) => Err(read_problem(sls, env, &path, &e.to_string())),
        };
        let mut state = match rendered {
            Ok(v) => v,
            Err(p) => {
                problems.push(p);
                mods.insert(sls.to_owned(), None);
                return None;
            }
        };
        if !truthy(&state) {
            mods.insert(sls.to_owned(), Some(state.clone()));
            return Some(state);
        }
        let Value::Object(map) = &mut state else {
            problems.push(Problem::NotADict {
                sls: sls.to_owned(),
                saltenv: env.to_owned(),
            });
            mods.insert(sls.to_owned(), Some(state.clone()));
            return Some(state);
        };
        let includes = match map.get("include") {
            None => None,
            Some(Value::Array(_)) => match map.shift_remove("include") {
                Some(Value::Array(items)) => Some(items),
                _ => None,
            },
            Some(_) => {
                // Salt leaves the key in the data and merges it as it is.
                problems.push(Problem::IncludeNotAList {
                    sls: sls.to_owned(),
                    saltenv: env.to_owned(),
                });
                None
            }
        };
        // Recorded before the includes render, so that a cycle back to this
        // file reuses it instead of recursing.
        mods.insert(sls.to_owned(), Some(state.clone()));
        let Some(includes) = includes else {
            return Some(state);
        };
        let mut defaults = defaults.clone();
        let mut include_states: Vec<Value> = Vec::new();
        let override_sls = self.cfg.includes_override_sls;
        for item in includes {
            let (sub, key) = match self.include_item(&item, sls, env, &mut defaults) {
                Ok(x) => x,
                Err(p) => {
                    problems.push(p);
                    continue;
                }
            };
            let (resolved, mut matched) = match self.avail.get(env) {
                Some(avail) => {
                    let mut m = glob(avail, &sub.trim_start_matches('.').replace('/', "."));
                    let resolved = if let Some(tail) = sub.strip_prefix('.') {
                        let parts: Vec<&str> = sls.split('.').collect();
                        let keep = if format!("salt://{rel}").ends_with("/init.sls") {
                            parts.len()
                        } else {
                            parts.len().saturating_sub(1)
                        };
                        let mut joined: Vec<&str> = parts[..keep].to_vec();
                        joined.push(tail);
                        joined.join(".")
                    } else {
                        sub.clone()
                    };
                    m.extend(glob(avail, &resolved));
                    (resolved, m)
                }
                None => {
                    problems.push(Problem::NoEnvironment {
                        saltenv: env.to_owned(),
                    });
                    (sub.clone(), vec![sub.clone()])
                }
            };
            if matched.is_empty() {
                matched.push(resolved);
            }
            for m in matched {
                let nstate = match mods.get(&m) {
                    Some(done) => done.clone(),
                    None => self.render_pstate(&m, env, mods, &defaults, problems),
                };
                let Some(mut nstate) = nstate.filter(truthy) else {
                    continue;
                };
                if let Some(key) = &key {
                    for fragment in key.split(':').rev() {
                        nstate = Value::Object(Map::from_iter([(fragment.to_owned(), nstate)]));
                    }
                }
                if override_sls {
                    if let (Value::Object(s), Value::Object(n)) = (&state, &nstate) {
                        state = Value::Object(self.merge(s, n));
                    }
                } else {
                    include_states.push(nstate);
                }
            }
        }
        if !override_sls {
            include_states.push(state);
            let mut acc: Option<Value> = None;
            for s in include_states {
                acc = Some(match (acc, s) {
                    (None, s) => s,
                    (Some(Value::Object(a)), Value::Object(b)) => Value::Object(self.merge(&a, &b)),
                    // Salt fails on these (TypeError in dictupdate); the
                    // NotADict problem is already recorded.
                    (Some(a), _) => a,
                });
            }
            state = acc.unwrap_or(Value::Null);
        }
        Some(state)
    }

    /// One `include:` item: its SLS name and `key`. A dict item's
    /// `defaults` replace `defaults` (for this and the following items).
    fn include_item(
        &self,
        item: &Value,
        sls: &str,
        env: &str,
        defaults: &mut Map<String, Value>,
    ) -> Result<(String, Option<String>), Problem> {
        let bad = |reason: String| Problem::BadInclude {
            sls: sls.to_owned(),
            saltenv: env.to_owned(),
            reason,
        };
        match item {
            Value::String(s) => Ok((s.clone(), None)),
            Value::Object(m) => {
                let Some((name, opts)) = m.iter().next() else {
                    return Err(bad("an empty dictionary".into()));
                };
                let Value::Object(opts) = opts else {
                    return Err(bad(format!(
                        "the options of '{name}' must be a dictionary (key, defaults)"
                    )));
                };
                match opts.get("defaults") {
                    None => defaults.clear(),
                    Some(Value::Object(d)) => *defaults = d.clone(),
                    Some(other) => {
                        return Err(bad(format!(
                            "the defaults of '{name}' must be a dictionary, not {other}"
                        )));
                    }
                }
                let key = match opts.get("key") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(k)) => Some(k.clone()),
                    Some(other) => {
                        return Err(bad(format!(
                            "the key of '{name}' must be a string, not {other}"
                        )));
                    }
                };
                Ok((name.clone(), key))
            }
            other => Err(bad(format!("{other} is not an SLS name"))),
        }
    }

    /// Two pillar dicts merged with the configured strategy.
    pub(crate) fn merge(
        &self,
        a: &Map<String, Value>,
        b: &Map<String, Value>,
    ) -> Map<String, Value> {
        salt_render::data::merge(a, b, self.strategy, self.cfg.merge_lists)
    }
}

/// `fnmatch.filter(names, pattern)`: the names the shell pattern matches,
/// in their (sorted) order.
fn glob(names: &[String], pattern: &str) -> Vec<String> {
    names
        .iter()
        .filter(|n| salt_target::fnmatchcase(n, pattern))
        .cloned()
        .collect()
}

fn read_problem(sls: &str, env: &str, path: &std::path::Path, why: &str) -> Problem {
    Problem::Read {
        sls: Some(sls.to_owned()),
        saltenv: env.to_owned(),
        reason: format!("{}: {why}", path.display()),
    }
}
