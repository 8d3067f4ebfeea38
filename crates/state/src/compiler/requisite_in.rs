//! Requisite-ins and argument borrowing, turned into extensions of the
//! states they point at (Salt's `requisite_in`): `require_in`, `watch_in`,
//! `onchanges_in`, `onfail_in` put the matching requisite on the target;
//! `prereq` and `prereq_in` add the hidden `prerequired` back-link the
//! runner needs; `use` and `use_in` copy arguments. The result is merged
//! with the strict extend rules, so a missing target is reported as
//! "Cannot extend ID ...".
//!
//! Salt's quirks are kept because `show_lowstate` shows them: a list of
//! several targets re-applies the earlier ones (duplicated entries), and a
//! dotted module name is reported but still used.

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use super::extend::{find_name, reconcile_extend};
use super::high::{HighData, first_key, sls_of, state_keys};
use crate::error::CompileError;
use crate::pyrepr::py_str;

/// The arguments handled here.
const REQ_IN: &[&str] = &[
    "require_in",
    "watch_in",
    "onfail_in",
    "onchanges_in",
    "use",
    "use_in",
    "prereq",
    "prereq_in",
];

/// Arguments `use` never copies (besides the user's own and name/names).
const REQ_IN_ALL_EXTRA: &[&str] = &["require", "watch", "onfail", "onfail_stop", "onchanges"];

/// Applies requisite-ins and `use`; returns the errors of the merge.
pub fn requisite_in(high: &mut HighData) -> Vec<CompileError> {
    let mut b = Builder {
        high: &high.0,
        extend: IndexMap::new(),
        errors: Vec::new(),
    };
    for (id, body) in high.0.iter() {
        let Value::Object(body) = body else { continue };
        for (state, run) in body {
            if state.starts_with("__") {
                continue;
            }
            for arg in run.as_array().into_iter().flatten() {
                let Value::Object(arg) = arg else { continue };
                let Some(key) = first_key(arg) else { continue };
                if !REQ_IN.contains(&key) {
                    continue;
                }
                b.requisite_arg(id, state, body, key, &arg[key]);
            }
        }
    }
    let Builder { extend, errors, .. } = b;
    let mut errors = errors;
    let ext: Vec<Value> = extend
        .into_iter()
        .map(|(k, v)| {
            let mut m = Map::new();
            m.insert(k, Value::Object(v));
            Value::Object(m)
        })
        .collect();
    high.0.insert("__extend__".into(), Value::Array(ext));
    errors.extend(reconcile_extend(high, true));
    errors
}

struct Builder<'a> {
    high: &'a Map<String, Value>,
    extend: IndexMap<String, Map<String, Value>>,
    errors: Vec<CompileError>,
}

impl Builder<'_> {
    fn requisite_arg(
        &mut self,
        id: &str,
        state: &str,
        body: &Map<String, Value>,
        key: &str,
        items: &Value,
    ) {
        let rkey = key.split('_').next().unwrap_or(key);
        match items {
            Value::Object(items) => {
                for (target_state, name) in items {
                    let name = py_str(name);
                    let target_state = self.undotted(rkey, target_state, &name, body);
                    self.add_requisite(&name, &target_state, rkey, state, id, body);
                }
            }
            Value::Array(items) => {
                let mut hinges: Vec<(String, String)> = Vec::new();
                for ind in items {
                    let Some((pstate, pname)) = self.resolve_target(ind) else {
                        continue;
                    };
                    if pstate == "sls" {
                        hinges = find_sls_ids(&pname, self.high);
                    } else {
                        hinges.push((pname.clone(), pstate.clone()));
                    }
                    self.undotted(rkey, &pstate, &pname, body);
                    for (name, target_state) in hinges.clone() {
                        self.apply_hinge(key, rkey, id, state, body, &name, &target_state);
                    }
                }
            }
            _ => {}
        }
    }

    /// A list entry as `(module, target)`: maps as they are, a bare ID as
    /// its first module, a bare name as the state carrying that `name:`.
    fn resolve_target(&self, ind: &Value) -> Option<(String, String)> {
        match ind {
            Value::Object(m) => m.iter().next().map(|(k, v)| (k.clone(), py_str(v))),
            other => {
                let wanted = py_str(other);
                if let Some(Value::Object(body)) = self.high.get(&wanted) {
                    let first = state_keys(body).next()?;
                    return Some((first.clone(), wanted));
                }
                let mut found = None;
                for (nid, body) in self.high {
                    let Value::Object(body) = body else { continue };
                    for st8 in state_keys(body) {
                        for j in body[st8].as_array().into_iter().flatten() {
                            if j.get("name") == Some(other) {
                                found = Some((st8.clone(), nid.clone()));
                            }
                        }
                    }
                }
                found
            }
        }
    }

    /// Reports a dotted module (`test.nop`) and returns the module part.
    fn undotted(
        &mut self,
        rkey: &str,
        state: &str,
        name: &str,
        body: &Map<String, Value>,
    ) -> String {
        match state.split_once('.') {
            Some((module, _)) => {
                self.errors.push(CompileError::RequisiteInDotted {
                    kind: rkey.to_owned(),
                    state: state.to_owned(),
                    name: name.to_owned(),
                    sls: sls_of(body),
                    suggest: module.to_owned(),
                });
                module.to_owned()
            }
            None => state.to_owned(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn apply_hinge(
        &mut self,
        key: &str,
        rkey: &str,
        id: &str,
        state: &str,
        body: &Map<String, Value>,
        name: &str,
        target_state: &str,
    ) {
        match key {
            "prereq_in" => {
                self.decl(id, state)
                    .push(json!({"prerequired": [{target_state: name}]}));
            }
            "prereq" => {
                for (ext_id, req_state) in find_name(name, target_state, self.high, true) {
                    self.decl(&ext_id, &req_state)
                        .push(json!({"prerequired": [{state: id}]}));
                }
                return;
            }
            "use_in" => {
                for (ext_id, req_state) in find_name(name, target_state, self.high, true) {
                    let ignore = state_args(&ext_id, target_state, self.high);
                    let copied = borrowed_args(self.high, id, state, &ignore);
                    self.decl(&ext_id, &req_state).extend(copied);
                }
                return;
            }
            "use" => {
                for (ext_id, req_state) in find_name(name, target_state, self.high, true) {
                    let ignore = state_args(id, state, self.high);
                    let copied = borrowed_args(self.high, &ext_id, &req_state, &ignore);
                    self.decl(id, state).extend(copied);
                }
                return;
            }
            _ => {}
        }
        self.add_requisite(name, target_state, rkey, state, id, body);
    }

    /// Adds `{rkey: [{state: id}]}` to the extension of `name`.
    fn add_requisite(
        &mut self,
        name: &str,
        target_state: &str,
        rkey: &str,
        state: &str,
        id: &str,
        body: &Map<String, Value>,
    ) {
        let ext = self.extend.entry(name.to_owned()).or_default();
        ext.entry(target_state.to_owned())
            .or_insert_with(|| Value::Array(Vec::new()));
        ext.insert(
            "__env__".into(),
            body.get("__env__").cloned().unwrap_or(Value::Null),
        );
        ext.insert(
            "__sls__".into(),
            body.get("__sls__").cloned().unwrap_or(Value::Null),
        );
        let Some(Value::Array(decl)) = ext.get_mut(target_state) else {
            return;
        };
        let mut found = false;
        for entry in decl.iter_mut() {
            if let Value::Object(entry) = entry
                && first_key(entry) == Some(rkey)
                && let Some(Value::Array(list)) = entry.get_mut(rkey)
            {
                list.push(json!({state: id}));
                found = true;
            }
        }
        if !found {
            decl.push(json!({rkey: [{state: id}]}));
        }
    }

    /// The extension list of `id`'s `state` declaration.
    fn decl(&mut self, id: &str, state: &str) -> &mut Vec<Value> {
        let ext = self.extend.entry(id.to_owned()).or_default();
        let slot = ext
            .entry(state.to_owned())
            .or_insert_with(|| Value::Array(Vec::new()));
        if !slot.is_array() {
            *slot = Value::Array(Vec::new());
        }
        match slot {
            Value::Array(list) => list,
            _ => unreachable!("just made an array"),
        }
    }
}

/// Every `(id, module)` of an SLS (Salt's `find_sls_ids`).
fn find_sls_ids(sls: &str, high: &Map<String, Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (nid, item) in high {
        let Value::Object(item) = item else { continue };
        if item.get("__sls__").and_then(Value::as_str) == Some(sls) {
            for st in state_keys(item) {
                out.push((nid.clone(), st.clone()));
            }
        }
    }
    out
}

/// The argument names a declaration sets itself (Salt's `state_args`).
fn state_args(id: &str, state: &str, high: &Map<String, Value>) -> Vec<String> {
    let Some(Value::Array(args)) = high.get(id).and_then(|b| b.get(state)) else {
        return Vec::new();
    };
    args.iter()
        .filter_map(Value::as_object)
        .filter(|a| a.len() == 1)
        .filter_map(|a| first_key(a).map(str::to_owned))
        .collect()
}

/// The arguments of `id`'s `state` that `use` copies: single-key maps that
/// are not requisites, not name/names and not already set (`ignore`).
fn borrowed_args(
    high: &Map<String, Value>,
    id: &str,
    state: &str,
    ignore: &[String],
) -> Vec<Value> {
    let Some(Value::Array(args)) = high.get(id).and_then(|b| b.get(state)) else {
        return Vec::new();
    };
    args.iter()
        .filter(|a| {
            let Some(m) = a.as_object() else { return false };
            if m.len() != 1 {
                return false;
            }
            let k = first_key(m).unwrap_or_default();
            !(REQ_IN.contains(&k)
                || REQ_IN_ALL_EXTRA.contains(&k)
                || ignore.iter().any(|i| i == k)
                || k == "name"
                || k == "names")
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(v: Value) -> (Value, Vec<String>) {
        let mut h = HighData::from_value(v).unwrap();
        let e = requisite_in(&mut h);
        (h.into_value(), e.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn require_in_becomes_require_on_the_target() {
        let (h, e) = run(json!({
            "a": {"test": ["nop", {"require_in": [{"test": "b"}]}], "__sls__": "s", "__env__": "base"},
            "b": {"test": ["nop"], "__sls__": "s", "__env__": "base"},
        }));
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(h["b"]["test"], json!(["nop", {"require": [{"test": "a"}]}]));
    }

    #[test]
    fn prereq_adds_prerequired_to_the_target() {
        let (h, _) = run(json!({
            "a": {"test": ["nop", {"prereq": [{"test": "b"}]}], "__sls__": "s", "__env__": "base"},
            "b": {"test": ["nop"], "__sls__": "s", "__env__": "base"},
        }));
        assert_eq!(
            h["b"]["test"],
            json!(["nop", {"prerequired": [{"test": "a"}]}])
        );
    }

    #[test]
    fn use_copies_plain_args_only() {
        let (h, _) = run(json!({
            "a": {"test": ["nop", {"use": [{"test": "b"}]}, {"x": 0}], "__sls__": "s", "__env__": "base"},
            "b": {"test": ["nop", {"x": 1}, {"y": 2}, {"name": "n"}, {"require": ["c"]}], "__sls__": "s", "__env__": "base"},
        }));
        assert_eq!(
            h["a"]["test"],
            json!(["nop", {"use": [{"test": "b"}]}, {"x": 0}, {"y": 2}])
        );
    }
}
