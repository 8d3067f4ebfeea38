//! The pillar top file: reading `top.sls` of each environment (and the
//! files its `include:` names), merging the top data as Salt's pillar does
//! (later top files replace a target's list; `order:` sorts targets;
//! `ignore_missing:` silences missing SLS), and picking the SLS names whose
//! targets match the minion.
//!
//! The pillar's top handling is its own, older than the state system's
//! `top_file_merging_strategy`: every environment's top file may name every
//! environment.

use std::collections::HashMap;

use indexmap::IndexMap;
use salt_render::{Context, render_sls};
use salt_target::{Facts, TargetError, confirm_top, take_includes, top_match_type};
use salt_yaml::pyrepr::{iter_items, truthy};
use serde_json::{Map, Value};

use crate::Compiler;
use crate::error::Problem;

/// Merged top data: environment -> target -> its items (`{match: ...}`
/// dicts first, then SLS names), targets sorted by `order`.
pub(crate) type Top = IndexMap<String, IndexMap<String, Vec<Value>>>;

/// The rendered top files, per environment, in reading order.
pub(crate) type Tops = IndexMap<String, Vec<Value>>;

impl Compiler<'_> {
    /// Salt's `Pillar.get_tops`: the top file of each environment read,
    /// then the files their `include:` lists name (one level, as in Salt).
    /// A failing top file stops the reading of the others.
    pub(crate) fn get_tops(&self, envs: &[String], problems: &mut Vec<Problem>) -> Tops {
        let mut tops: Tops = IndexMap::new();
        for env in envs {
            match self.roots.read(env, state_top(&self.cfg.state_top)) {
                Ok(Some((path, text))) => match self.render_top(env, &path, &text) {
                    Ok(data) => tops.entry(env.clone()).or_default().push(data),
                    Err(error) => {
                        problems.push(Problem::TopRender {
                            saltenv: env.clone(),
                            error,
                        });
                        break;
                    }
                },
                Ok(None) => {}
                Err(reason) => {
                    problems.push(Problem::Read {
                        sls: None,
                        saltenv: env.clone(),
                        reason,
                    });
                    break;
                }
            }
        }
        for (env, names) in take_includes(&mut tops) {
            let mut done: Vec<String> = Vec::new();
            for name in names {
                let Value::String(sls) = name else {
                    problems.push(Problem::TopMalformed {
                        reason: format!("the top file of '{env}' includes {name}, not an SLS name"),
                    });
                    continue;
                };
                if done.contains(&sls) {
                    continue;
                }
                // A missing file renders to nothing, silently, as in Salt.
                let data = match self.roots.find_sls(&env, &sls) {
                    Some((_, path)) => match std::fs::read_to_string(&path) {
                        Ok(text) => self.render_top(&env, &path, &text).map_err(|error| {
                            Problem::TopIncludeRender {
                                saltenv: env.clone(),
                                sls: sls.clone(),
                                error,
                            }
                        }),
                        Err(e) => Err(Problem::Read {
                            sls: Some(sls.clone()),
                            saltenv: env.clone(),
                            reason: format!("{}: {e}", path.display()),
                        }),
                    },
                    None => Ok(Value::Object(Map::new())),
                };
                match data {
                    Ok(data) => tops.entry(env.clone()).or_default().push(data),
                    Err(p) => problems.push(p),
                }
                done.push(sls);
            }
        }
        tops
    }

    /// Renders a top file: no SLS name (`sls` is `""`), the file's real
    /// path as `tplpath`, the minion's grains, an empty pillar.
    fn render_top(
        &self,
        env: &str,
        path: &std::path::Path,
        text: &str,
    ) -> Result<Value, salt_render::RenderError> {
        let cx = Context {
            grains: self.grains.clone(),
            pillar: Value::Object(Map::new()),
            opts: self.opts.clone(),
            saltenv: env.to_owned(),
            sls: Some(String::new()),
            tplpath: Some(path.to_string_lossy().into_owned()),
            extra: Map::new(),
        };
        render_sls(&self.host, &cx, text)
    }
}

/// `state_top` as a path under the root: `salt://top.sls` and `/top.sls`
/// are `top.sls`.
fn state_top(name: &str) -> &str {
    name.strip_prefix("salt://")
        .unwrap_or(name)
        .trim_start_matches('/')
}

/// Salt's `Pillar.merge_tops` + `sort_top_targets`. Returns the merged top
/// and, per environment, the SLS names whose targets said
/// `ignore_missing: True`. Data Salt trips over (a target list that is not
/// a list, a top that is not a dict) is an `Err` naming where: Salt then
/// drops the whole top.
pub(crate) fn merge_tops(tops: &Tops) -> Result<(Top, HashMap<String, Vec<String>>), String> {
    let mut top: Top = IndexMap::new();
    let mut orders: HashMap<(String, String), i64> = HashMap::new();
    let mut ignored: HashMap<String, Vec<String>> = HashMap::new();
    for (cenv, ctops) in tops {
        for ctop in ctops {
            let Value::Object(ctop) = ctop else {
                return Err(format!(
                    "the top file of '{cenv}' is {}, not a dictionary",
                    kind(ctop)
                ));
            };
            for (saltenv, targets) in ctop {
                if saltenv == "include" {
                    continue;
                }
                let targets = match targets {
                    Value::Object(t) => t,
                    Value::Array(a) if a.is_empty() => continue,
                    Value::String(s) if s.is_empty() => continue,
                    other => {
                        return Err(format!(
                            "the targets of '{saltenv}' in the top file of '{cenv}' are {}, not a dictionary",
                            kind(other)
                        ));
                    }
                };
                for (tgt, comps) in targets {
                    let comps = iter_items(comps).ok_or_else(|| {
                        format!(
                            "target '{tgt}' of '{saltenv}' in the top file of '{cenv}' is {}, not a list",
                            kind(comps)
                        )
                    })?;
                    let mut matches = Vec::new();
                    let mut states: Vec<String> = Vec::new();
                    let mut order = 0;
                    let mut ignore_missing = false;
                    for comp in &comps {
                        match comp {
                            Value::Object(m) => {
                                if m.contains_key("match") {
                                    matches.push(comp.clone());
                                }
                                if let Some(o) = m.get("order") {
                                    order = python_order(o).ok_or_else(|| {
                                        format!(
                                            "target '{tgt}' of '{saltenv}' has order {o}, not a number"
                                        )
                                    })?;
                                }
                                if m.get("ignore_missing").is_some_and(truthy) {
                                    ignore_missing = true;
                                }
                            }
                            Value::String(s) if !states.contains(s) => {
                                states.push(s.clone());
                            }
                            _ => {}
                        }
                    }
                    orders.insert((saltenv.clone(), tgt.clone()), order);
                    if ignore_missing {
                        ignored
                            .entry(saltenv.clone())
                            .or_default()
                            .extend(states.iter().cloned());
                    }
                    matches.extend(states.into_iter().map(Value::String));
                    top.entry(saltenv.clone())
                        .or_default()
                        .insert(tgt.clone(), matches);
                }
            }
        }
    }
    for (env, targets) in top.iter_mut() {
        let key = |t: &String| orders.get(&(env.clone(), t.clone())).copied().unwrap_or(0);
        targets.sort_by_cached_key(|t, _| key(t));
    }
    Ok((top, ignored))
}

/// Salt's `Pillar.top_matches`: per environment (only `pillarenv` when
/// set), the SLS names of every target that matches, in order, without
/// repeats.
pub(crate) fn top_matches(
    top: &Top,
    pillarenv: Option<&str>,
    nodegroups: &IndexMap<String, Value>,
    facts: &Facts<'_>,
) -> Result<IndexMap<String, Vec<String>>, Problem> {
    let mut out: IndexMap<String, Vec<String>> = IndexMap::new();
    for (env, body) in top {
        if pillarenv.is_some_and(|p| p != env) {
            continue;
        }
        for (tgt, data) in body {
            let matched = match confirm_top(tgt, top_match_type(data), nodegroups, facts) {
                Ok(m) => m,
                Err(TargetError::UnknownMatcher { name }) => {
                    return Err(Problem::UnknownMatcher {
                        saltenv: env.clone(),
                        target: tgt.clone(),
                        name,
                    });
                }
                Err(e) => {
                    // Salt logs these and matches nothing.
                    tracing::warn!(saltenv = %env, target = %tgt, "pillar top target skipped: {e}");
                    false
                }
            };
            if !matched {
                continue;
            }
            let names = out.entry(env.clone()).or_default();
            for item in data {
                if let Value::String(s) = item
                    && !names.contains(s)
                {
                    names.push(s.clone());
                }
            }
        }
    }
    Ok(out)
}

/// `int(order)` as Salt's pillar takes it: numbers truncate, text that is
/// not a number is 0; `None` and containers are errors (Salt's TypeError).
fn python_order(v: &Value) -> Option<i64> {
    match v {
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.trunc() as i64)),
        Value::String(s) => Some(s.trim().replace('_', "").parse().unwrap_or(0)),
        _ => None,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "empty",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a dictionary",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tops(v: Value) -> Tops {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn state_top_forms() {
        assert_eq!(state_top("salt://top.sls"), "top.sls");
        assert_eq!(state_top("/tops/main.sls"), "tops/main.sls");
        assert_eq!(state_top("top.sls"), "top.sls");
    }

    #[test]
    fn later_tops_replace_targets_and_order_sorts() {
        let t = tops(json!({
            "base": [{"base": {"*": ["a", "b", "a"], "web*": [{"match": "glob"}, "w", {"order": 1}]},
                      "dev": {"*": ["d"]}}],
            "dev": [{"dev": {"*": ["d2", {"order": "x"}]}, "base": {"late": ["l", {"order": -1}]}}],
        }));
        let (top, ignored) = merge_tops(&t).unwrap();
        assert_eq!(
            serde_json::to_value(&top).unwrap(),
            json!({
                "base": {"late": ["l"], "*": ["a", "b"], "web*": [{"match": "glob"}, "w"]},
                "dev": {"*": ["d2"]},
            })
        );
        assert!(ignored.is_empty());
        let k: Vec<&String> = top["base"].keys().collect();
        assert_eq!(k, ["late", "*", "web*"]);
    }

    #[test]
    fn python_iteration_quirks_and_errors() {
        let (top, ignored) = merge_tops(&tops(json!({
            "base": [{"base": {"*": "ab", "x": [{"ignore_missing": true}, "gone"]}}]
        })))
        .unwrap();
        assert_eq!(top["base"]["*"], [json!("a"), json!("b")]);
        assert_eq!(ignored["base"], ["gone"]);
        for bad in [
            json!({"base": [["not", "a", "dict"]]}),
            json!({"base": [{"base": ["*"]}]}),
            json!({"base": [{"base": null}]}),
            json!({"base": [{"base": {"*": null}}]}),
            json!({"base": [{"base": {"*": [{"order": null}]}}]}),
        ] {
            assert!(merge_tops(&tops(bad.clone())).is_err(), "{bad}");
        }
    }

    #[test]
    fn matches_dedupe_and_respect_pillarenv() {
        let t = tops(json!({"base": [{
            "base": {"*": ["a", "b"], "web1": ["b", "c"], "G@os:RedHat": ["r"]},
            "dev": {"web*": ["d"]},
        }]}));
        let (top, _) = merge_tops(&t).unwrap();
        let g = json!({"os": "Debian"});
        let f = Facts {
            id: "web1",
            grains: &g,
            pillar: None,
        };
        let m = top_matches(&top, None, &IndexMap::new(), &f).unwrap();
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            json!({"base": ["a", "b", "c"], "dev": ["d"]})
        );
        let m = top_matches(&top, Some("dev"), &IndexMap::new(), &f).unwrap();
        assert_eq!(serde_json::to_value(&m).unwrap(), json!({"dev": ["d"]}));
        let bogus = tops(json!({"base": [{"base": {"*": [{"match": "bogus"}, "a"]}}]}));
        let (top, _) = merge_tops(&bogus).unwrap();
        assert!(matches!(
            top_matches(&top, None, &IndexMap::new(), &f),
            Err(Problem::UnknownMatcher { .. })
        ));
    }
}
