//! `extend:` and `exclude:`. Extensions are merged into the states they
//! name (requisites are appended to, other arguments replaced, a function
//! name swaps the function); excludes drop whole SLS files or single IDs.
//! Requisite-ins are applied as extensions too (see `requisite_in.rs`).

use serde_json::{Map, Value};

use super::high::{HighData, env_of, first_key};
use crate::error::CompileError;
use crate::keywords::is_requisite;
use salt_target::fnmatchcase as fnmatch;

/// Merges `__extend__` into the states (Salt's `reconcile_extend`). With
/// `strict`, a target found by `name:` must also declare the module.
pub fn reconcile_extend(high: &mut HighData, strict: bool) -> Vec<CompileError> {
    let mut errors = Vec::new();
    let Some(ext) = high.0.shift_remove("__extend__") else {
        return errors;
    };
    let Value::Array(ext) = ext else {
        errors.push(CompileError::Malformed("__extend__ is not a list".into()));
        return errors;
    };
    let sls_excludes = excluded_sls(&high.0);
    for ext_chunk in ext {
        let Value::Object(ext_chunk) = ext_chunk else {
            continue;
        };
        for (name, body) in ext_chunk {
            let Value::Object(body) = body else {
                continue;
            };
            let Some(state_type) = body.keys().find(|k| !k.starts_with("__")).cloned() else {
                errors.push(CompileError::Malformed(format!(
                    "the extension of '{name}' declares no state"
                )));
                continue;
            };
            let declared = high
                .0
                .get(&name)
                .and_then(Value::as_object)
                .is_some_and(|b| b.contains_key(&state_type));
            let name = if declared {
                name
            } else {
                let ids = find_name(&name, &state_type, &high.0, strict);
                if ids.len() != 1 {
                    errors.push(CompileError::CannotExtend {
                        id: name,
                        env: env_of(&body),
                        sls: body
                            .get("__sls__")
                            .map(crate::pyrepr::py_str)
                            .unwrap_or_else(|| "base".into()),
                    });
                    continue;
                }
                ids[0].0.clone()
            };
            if let Some(sls) = body.get("__sls__").and_then(Value::as_str)
                && sls_excludes.iter().any(|e| e == sls)
            {
                continue;
            }
            let Some(Value::Object(target)) = high.0.get_mut(&name) else {
                continue;
            };
            for (state, run) in body {
                if state.starts_with("__") {
                    continue;
                }
                merge_declaration(target, state, run);
            }
        }
    }
    errors
}

/// Drops the excluded SLS files and IDs (Salt's `apply_exclude`).
pub fn apply_exclude(high: &mut HighData) {
    let Some(exclude) = high.0.shift_remove("__exclude__") else {
        return;
    };
    let mut ex_sls = Vec::new();
    let mut ex_id = Vec::new();
    for exc in exclude.as_array().into_iter().flatten() {
        match exc {
            Value::String(s) => ex_sls.push(s.clone()),
            Value::Object(m) if m.len() == 1 => match m.iter().next() {
                Some((k, Value::String(v))) if k == "sls" => ex_sls.push(v.clone()),
                Some((k, Value::String(v))) if k == "id" => ex_id.push(v.clone()),
                _ => {}
            },
            _ => {}
        }
    }
    if !ex_sls.is_empty() {
        for (name, body) in &high.0 {
            if name.starts_with("__") {
                continue;
            }
            let sls = body.get("__sls__").and_then(Value::as_str).unwrap_or("");
            if sls.is_empty() {
                continue;
            }
            if ex_sls.iter().any(|ex| fnmatch(sls, ex)) {
                ex_id.push(name.clone());
            }
        }
    }
    for id in ex_id {
        high.0.shift_remove(&id);
    }
}

/// IDs (with the module found) that `name` refers to for module `state`:
/// the ID itself, every ID of an SLS when `state` is `sls`, or the IDs
/// whose `name:` argument is `name` (Salt's `find_name`).
pub(crate) fn find_name(
    name: &str,
    state: &str,
    high: &Map<String, Value>,
    strict: bool,
) -> Vec<(String, String)> {
    let body_of = |id: &str| high.get(id).and_then(Value::as_object);
    let check2 = !strict || body_of(name).is_some_and(|b| b.contains_key(state));
    if high.contains_key(name) && check2 {
        return vec![(name.to_owned(), state.to_owned())];
    }
    let mut found = Vec::new();
    if state == "sls" {
        for (nid, item) in high {
            let Value::Object(item) = item else { continue };
            if item.get("__sls__").and_then(Value::as_str) == Some(name)
                && let Some(first) = first_key(item)
            {
                found.push((nid.clone(), first.to_owned()));
            }
        }
        return found;
    }
    for (nid, item) in high {
        let Some(Value::Array(args)) = item.as_object().and_then(|b| b.get(state)) else {
            continue;
        };
        for arg in args {
            let Value::Object(arg) = arg else { continue };
            if arg.len() == 1 && arg.values().next().and_then(Value::as_str) == Some(name) {
                found.push((nid.clone(), state.to_owned()));
            }
        }
    }
    found
}

/// SLS names excluded by `__exclude__` (strings and `{sls: x}` maps).
fn excluded_sls(high: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    for exc in high
        .get("__exclude__")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match exc {
            Value::String(s) => out.push(s.clone()),
            Value::Object(m) => {
                if let Some(Value::String(s)) = m.get("sls")
                    && !s.is_empty()
                {
                    out.push(s.clone());
                }
            }
            _ => {}
        }
    }
    out
}

/// Merges one extension declaration into the target body.
fn merge_declaration(target: &mut Map<String, Value>, state: String, run: Value) {
    let Some(Value::Array(existing)) = target.get_mut(&state) else {
        target.insert(state, run);
        return;
    };
    let Value::Array(run) = run else {
        return;
    };
    for arg in run {
        let mut update = false;
        let mut append_name = None;
        for hind in 0..existing.len() {
            match (&arg, &mut existing[hind]) {
                (Value::String(_), Value::String(_)) => {
                    existing[hind] = arg.clone();
                    update = true;
                }
                (Value::Object(new), Value::Object(old)) => {
                    let (Some(argfirst), Some(oldfirst)) = (first_key(new), first_key(old)) else {
                        continue;
                    };
                    let (argfirst, oldfirst) = (argfirst.to_owned(), oldfirst.to_owned());
                    if argfirst == oldfirst {
                        if is_requisite(&argfirst) {
                            extend_requisite(old, &argfirst, &new[&argfirst]);
                        } else {
                            existing[hind] = arg.clone();
                        }
                        update = true;
                    }
                    if argfirst == "name" && oldfirst == "names" {
                        // Salt replaces `names` with the `name` and still
                        // appends the argument below.
                        append_name = Some(hind);
                    }
                }
                _ => {}
            }
            if let Some(i) = append_name.take() {
                existing[i] = arg.clone();
            }
        }
        if !update {
            existing.push(arg);
        }
    }
}

/// Appends an extension's requisite entries to the existing list.
fn extend_requisite(old: &mut Map<String, Value>, key: &str, new: &Value) {
    let Some(slot) = old.get_mut(key) else { return };
    let additions: Vec<Value> = match new {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    match slot {
        Value::Array(list) => list.extend(additions),
        other => {
            let mut list = vec![other.take()];
            list.extend(additions);
            *other = Value::Array(list);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn high(v: Value) -> HighData {
        HighData::from_value(v).unwrap()
    }

    #[test]
    fn extension_appends_requisites_replaces_args_and_functions() {
        let mut h = high(json!({
            "a": {"test": ["nop", {"comment": "x"}, {"require": [{"test": "b"}]}], "__sls__": "s", "__env__": "base"},
            "__extend__": [{"a": {"test": ["succeed_with_changes", {"comment": "y"}, {"require": [{"test": "c"}]}, {"new": 1}], "__sls__": "t"}}],
        }));
        assert!(reconcile_extend(&mut h, false).is_empty());
        assert_eq!(
            h.as_map()["a"]["test"],
            json!(["succeed_with_changes", {"comment": "y"}, {"require": [{"test": "b"}, {"test": "c"}]}, {"new": 1}])
        );
    }

    #[test]
    fn name_replaces_names_and_is_also_appended() {
        let mut h = high(json!({
            "a": {"test": ["nop", {"names": ["x", "y"]}], "__sls__": "s"},
            "__extend__": [{"a": {"test": [{"name": "z"}]}}],
        }));
        reconcile_extend(&mut h, false);
        assert_eq!(
            h.as_map()["a"]["test"],
            json!(["nop", {"name": "z"}, {"name": "z"}])
        );
    }

    #[test]
    fn missing_target_is_an_error() {
        let mut h = high(json!({
            "__extend__": [{"x": {"test": [{"a": 1}], "__sls__": "s", "__env__": "dev"}}],
        }));
        let e = reconcile_extend(&mut h, false);
        assert!(
            e[0].to_string()
                .starts_with("Cannot extend ID 'x' in 'dev:s'."),
            "{}",
            e[0]
        );
    }

    #[test]
    fn exclude_by_sls_glob_and_id() {
        let mut h = high(json!({
            "a": {"__sls__": "lib.one", "test": ["nop"]},
            "b": {"__sls__": "lib.two", "test": ["nop"]},
            "c": {"__sls__": "main", "test": ["nop"]},
            "d": {"__sls__": "main", "test": ["nop"]},
            "__exclude__": ["lib.*", {"id": "d"}],
        }));
        apply_exclude(&mut h);
        assert_eq!(h.as_map().keys().collect::<Vec<_>>(), vec!["c"]);
    }
}
