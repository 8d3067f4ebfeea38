//! The three `top_file_merging_strategy`s: how the top files read from
//! several saltenvs become one top (Salt's `_merge_tops_merge`,
//! `_merge_tops_same`, `_merge_tops_merge_all`).

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::{Top, TopError, python_iter};

/// `merge`: `base` first and authoritative for every section it has; other
/// environments' top files count only for their own section, and only when
/// `base` had none.
pub(super) fn merge(tops: &IndexMap<String, Vec<Value>>) -> Result<Top, TopError> {
    let mut top = Top::new();
    for ctop in tops.get("base").into_iter().flatten() {
        for (saltenv, targets) in sections(ctop, "base")? {
            copy_targets(&mut top, saltenv, targets)?;
        }
    }
    for (cenv, ctops) in tops {
        if cenv == "base" {
            continue;
        }
        for ctop in ctops {
            for (saltenv, targets) in sections(ctop, cenv)? {
                if saltenv != cenv || top.contains_key(saltenv) {
                    continue;
                }
                copy_targets(&mut top, saltenv, targets)?;
            }
        }
    }
    Ok(top)
}

/// `same`: each environment only from its own top file; one without a top
/// file takes its section from `default_top`'s.
pub(super) fn same(
    tops: &IndexMap<String, Vec<Value>>,
    default_top: &str,
) -> Result<Top, TopError> {
    let mut top = Top::new();
    let empty = |v: &Value| v.as_object().is_some_and(Map::is_empty);
    for (cenv, ctops) in tops {
        if ctops.iter().all(empty) {
            let fallback = tops.get(default_top).map(Vec::as_slice).unwrap_or(&[]);
            if fallback.iter().all(empty) {
                continue;
            }
            for ctop in fallback {
                if let Some((saltenv, targets)) = sections(ctop, default_top)?
                    .into_iter()
                    .find(|(e, _)| *e == cenv)
                {
                    copy_targets(&mut top, saltenv, targets)?;
                }
            }
            continue;
        }
        for ctop in ctops {
            for (saltenv, targets) in sections(ctop, cenv)? {
                if saltenv == cenv {
                    copy_targets(&mut top, saltenv, targets)?;
                }
            }
        }
    }
    Ok(top)
}

/// `merge_all`: every section of every top file; a target seen again gets
/// the later match type (or the earlier one) and the SLS names of both.
pub(super) fn all(tops: &IndexMap<String, Vec<Value>>) -> Result<Top, TopError> {
    let mut top = Top::new();
    for (cenv, ctops) in tops {
        for ctop in ctops {
            for (saltenv, targets) in sections(ctop, cenv)? {
                for (tgt, data) in targets_of(saltenv, targets)? {
                    let env = top.entry(saltenv.to_owned()).or_default();
                    let Some(old) = env.get(&tgt) else {
                        env.insert(tgt, data.clone());
                        continue;
                    };
                    let (type1, states1) = read_tgt(old);
                    let (type2, states2) = read_tgt(data);
                    let mut merged: Vec<Value> = Vec::new();
                    if let Some(t) = type2.or(type1) {
                        merged.push(t);
                    }
                    merged.extend(states1);
                    for s in states2 {
                        if !merged.contains(&s) {
                            merged.push(s);
                        }
                    }
                    env.insert(tgt, Value::Array(merged));
                }
            }
        }
    }
    Ok(top)
}

/// The sections of one top file (`include` left out).
fn sections<'a>(ctop: &'a Value, cenv: &str) -> Result<Vec<(&'a str, &'a Value)>, TopError> {
    match ctop {
        Value::Object(m) => Ok(m
            .iter()
            .filter(|(k, _)| k.as_str() != "include")
            .map(|(k, v)| (k.as_str(), v))
            .collect()),
        _ => Err(TopError::NotADict {
            saltenv: cenv.to_owned(),
        }),
    }
}

/// The targets of a section: a dictionary, or nothing for an empty list
/// or string; anything else is Salt's "No targets found".
fn targets_of<'a>(saltenv: &str, targets: &'a Value) -> Result<Vec<(String, &'a Value)>, TopError> {
    match targets {
        Value::Object(t) => Ok(t.iter().map(|(k, v)| (k.clone(), v)).collect()),
        Value::Array(a) if a.is_empty() => Ok(Vec::new()),
        Value::String(s) if s.is_empty() => Ok(Vec::new()),
        _ => Err(TopError::NoTargets {
            saltenv: saltenv.to_owned(),
        }),
    }
}

fn copy_targets(top: &mut Top, saltenv: &str, targets: &Value) -> Result<(), TopError> {
    for (tgt, data) in targets_of(saltenv, targets)? {
        top.entry(saltenv.to_owned())
            .or_default()
            .insert(tgt, data.clone());
    }
    Ok(())
}

/// `merge_all`'s `_read_tgt`: the last dict item and the SLS names.
fn read_tgt(data: &Value) -> (Option<Value>, Vec<Value>) {
    let mut match_type = None;
    let mut states = Vec::new();
    for item in python_iter(data) {
        match item {
            Value::Object(_) => match_type = Some(item),
            Value::String(_) => states.push(item),
            _ => {}
        }
    }
    (match_type, states)
}
