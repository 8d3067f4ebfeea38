//! Evaluating a chunk's requisites against what has run (Salt's
//! `check_requisite`). Targets are matched by glob on ID or name, by
//! module, or by `sls:`; each requisite kind reads the target results its
//! own way (`onchanges` looks at changes, `onfail` at failures, `prereq` at
//! the test-mode look-ahead) and the kinds combine into one verdict.

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;
use serde_json::Value;

use super::Runner;
use crate::LowChunk;
use crate::registry::has_state;
use crate::value::truthy;
use salt_target::fnmatchcase as fnmatch;

/// What a chunk's requisites say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    /// Run it.
    Met,
    /// Some targets have not run yet (or do not exist).
    Unmet,
    /// A target failed.
    Fail,
    /// A `prereq` target would not change: skip.
    Pre,
    /// No `onfail` target failed: skip.
    OnFail,
    /// No `onchanges` target changed: skip.
    OnChanges,
    /// A `watch` target changed: run, then `mod_watch` if nothing changed.
    Change,
}

/// Matching target chunks (indices) by requisite kind, in Salt's order.
pub(super) type ReqIdx = IndexMap<&'static str, Vec<usize>>;

/// Requisite kinds in the order Salt checks them.
pub(super) const KINDS: &[&str] = &[
    "require",
    "require_any",
    "watch",
    "watch_any",
    "prereq",
    "onfail",
    "onfail_any",
    "onfail_all",
    "onchanges",
    "onchanges_any",
];

/// The `(module or id or sls, target)` of one requisite entry: a bare
/// string is an ID, a dotted module (`test.nop: x`) loses its function.
pub(super) fn normalize(req: &Value) -> Option<(String, Value)> {
    match req {
        Value::String(s) => Some(("id".to_owned(), Value::String(s.clone()))),
        Value::Object(m) => {
            let (k, v) = m.iter().next()?;
            let k = k.split('.').next().unwrap_or(k);
            Some((k.to_owned(), v.clone()))
        }
        _ => None,
    }
}

/// The entries of a requisite argument (a lone entry counts as a list).
pub(super) fn entries(v: Option<&Value>) -> Vec<Value> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(other) => vec![other.clone()],
    }
}

/// Chunks by ID and by name, so that plain (non-glob) requisite targets
/// are found without scanning every chunk.
#[derive(Debug, Default)]
pub(super) struct TargetIndex {
    by_text: HashMap<String, Vec<usize>>,
}

impl TargetIndex {
    pub(super) fn new(chunks: &[LowChunk]) -> Self {
        let mut by_text: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in chunks.iter().enumerate() {
            by_text.entry(c.id().to_owned()).or_default().push(i);
            let name = c.name_str();
            if name != c.id() {
                by_text.entry(name).or_default().push(i);
            }
        }
        Self { by_text }
    }

    /// The chunks the requisite `(key, val)` matches, in chunk order.
    pub(super) fn find(&self, chunks: &[LowChunk], key: &str, val: &Value) -> Vec<usize> {
        let plain = val.as_str().filter(|v| !v.contains(['*', '?', '[']));
        match plain {
            Some(v) if key != "sls" => {
                let mut hits: Vec<usize> = self.by_text.get(v).cloned().unwrap_or_default();
                hits.sort_unstable();
                hits.dedup();
                hits.retain(|j| targets(&chunks[*j], key, val));
                hits
            }
            _ => (0..chunks.len())
                .filter(|j| targets(&chunks[*j], key, val))
                .collect(),
        }
    }
}

/// Whether `chunk` is a target of the requisite `(key, val)`.
pub(super) fn targets(chunk: &LowChunk, key: &str, val: &Value) -> bool {
    if key == "sls" {
        let Some(val) = val.as_str() else {
            return false;
        };
        let included = chunk
            .get("__sls_included_from__")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|s| s.as_str() == Some(val)));
        return fnmatch(chunk.sls().unwrap_or(""), val) || included;
    }
    let Some(val) = val.as_str() else {
        return false;
    };
    (fnmatch(&chunk.name_str(), val) || fnmatch(chunk.id(), val))
        && (key == "id" || chunk.state() == key)
}

impl Runner<'_> {
    /// Salt's `check_requisite`; `pre` also checks `prerequired`.
    pub(super) fn check_requisite(&mut self, idx: usize, pre: bool) -> (Status, ReqIdx) {
        let present = self.fold_watch(idx);
        if !present {
            return (Status::Met, ReqIdx::new());
        }
        let mut reqs: ReqIdx = KINDS.iter().map(|k| (*k, Vec::new())).collect();
        if pre {
            reqs.insert("prerequired", Vec::new());
        }
        let kinds: Vec<&'static str> = reqs.keys().copied().collect();
        for kind in kinds {
            for req in entries(self.chunks[idx].get(kind)) {
                let Some((key, val)) = normalize(&req) else {
                    continue;
                };
                if val.is_null() {
                    continue;
                }
                let found = self.index.find(&self.chunks, &key, &val);
                if found.is_empty() {
                    return (Status::Unmet, ReqIdx::new());
                }
                if let Some(list) = reqs.get_mut(kind) {
                    list.extend(found);
                }
            }
        }
        let status = self.verdict(&reqs);
        (status, reqs)
    }

    /// Turns `watch` into `require` for modules without `mod_watch` (on the
    /// chunk, as Salt does) and tells whether any requisite is present.
    fn fold_watch(&mut self, idx: usize) -> bool {
        let low = &mut self.chunks[idx];
        let has_mod_watch = has_state(&format!("{}.mod_watch", low.state()));
        let mut present = false;
        for (watch, require) in [("watch", "require"), ("watch_any", "require_any")] {
            if !low.contains(watch) {
                continue;
            }
            if has_mod_watch {
                present = true;
                continue;
            }
            let moved = entries(low.remove(watch).as_ref());
            let mut list = entries(low.get(require));
            list.extend(moved);
            low.set(require, Value::Array(list));
        }
        present
            || [
                "require",
                "require_any",
                "prerequired",
                "prereq",
                "onfail",
                "onfail_any",
                "onfail_all",
                "onchanges",
                "onchanges_any",
            ]
            .iter()
            .any(|k| low.contains(k))
    }

    fn verdict(&self, reqs: &ReqIdx) -> Status {
        let mut fun_stats: HashSet<&'static str> = HashSet::new();
        for (r_state, list) in reqs {
            let r_state = *r_state;
            let lookahead = r_state.starts_with("prereq") && !r_state.starts_with("prerequired");
            let run_dict = if lookahead { &self.pre } else { &self.running };
            let mut stats: HashSet<&'static str> = HashSet::new();
            for j in list {
                let Some(ret) = run_dict.get(&self.chunks[*j].tag()) else {
                    stats.insert("unmet");
                    continue;
                };
                let result = ret.get("result").unwrap_or(&Value::Null);
                if r_state.starts_with("onfail") {
                    if *result == Value::Bool(true) {
                        stats.insert("onfail");
                        continue;
                    }
                } else if *result == Value::Bool(false) {
                    stats.insert("fail");
                    continue;
                }
                let changed = ret.get("changes").is_some_and(truthy);
                if r_state.starts_with("onchanges") {
                    stats.insert(if changed { "onchangesmet" } else { "onchanges" });
                    continue;
                }
                if r_state.starts_with("watch") && changed {
                    stats.insert("change");
                    continue;
                }
                let prereq = r_state.starts_with("prereq");
                let prerequired = r_state.starts_with("prerequired");
                if prereq && result.is_null() && !prerequired {
                    stats.insert("premet");
                }
                if prereq && !result.is_null() {
                    if !prerequired {
                        stats.insert("pre");
                    }
                } else if ret.get("__state_ran__").is_none_or(truthy) {
                    stats.insert("met");
                }
            }
            if r_state.ends_with("_any") || r_state == "onfail" {
                if stats.contains("met") || stats.contains("change") {
                    stats.remove("fail");
                }
                if stats.contains("onchangesmet") {
                    stats.remove("onchanges");
                    stats.remove("fail");
                }
                if stats.contains("onfail") && stats.contains("met") {
                    stats.remove("onfail");
                }
            }
            if r_state.ends_with("_all") && stats.contains("onfail") && stats.contains("met") {
                stats.remove("met");
            }
            fun_stats.extend(stats);
        }
        let has = |s: &str| fun_stats.contains(s);
        if has("unmet") {
            Status::Unmet
        } else if has("fail") {
            Status::Fail
        } else if has("pre") {
            if has("premet") {
                Status::Met
            } else {
                Status::Pre
            }
        } else if has("onfail") && !has("onchangesmet") {
            Status::OnFail
        } else if has("onchanges") && !has("onchangesmet") {
            Status::OnChanges
        } else if has("change") {
            Status::Change
        } else if has("onfail") {
            Status::OnFail
        } else {
            Status::Met
        }
    }
}

/// For each entry of the chunk's `kind` requisite: its text (`test: web`)
/// and the indices of the chunks it matches (what `show_graph` draws).
pub(crate) fn requisite_targets(
    chunks: &[LowChunk],
    chunk: &LowChunk,
    kind: &str,
) -> Vec<(String, Vec<usize>)> {
    entries(chunk.get(kind))
        .iter()
        .filter_map(normalize)
        .filter(|(_, val)| !val.is_null())
        .map(|(key, val)| {
            let found = (0..chunks.len())
                .filter(|j| targets(&chunks[*j], &key, &val))
                .collect();
            (format!("{key}: {}", crate::pyrepr::py_str(&val)), found)
        })
        .collect()
}
