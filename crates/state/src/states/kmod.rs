//! `kmod.present`: kernel modules loaded (and, with `persist`, listed in
//! `/etc/modules-load.d/salt_managed.conf`, or `/etc/modules` without
//! systemd), as Salt's `kmod` state, through `kmod.mod_list`, `available`
//! and `load`. Salt computes its lists with Python sets, so the order of
//! several names in a comment is arbitrary there; here it is the order
//! given.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::calls::call;
use crate::module::{RunCtx, StateError, StateFn, StateReturn};
use crate::pyrepr::py_str;

/// `kmod.present`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Present {
    name: String,
    #[serde(default)]
    persist: bool,
    #[serde(default)]
    mods: Option<Vec<Value>>,
}

plan_or_apply!(Present {
    const DOC: &'static str = "Loads a kernel module (modprobe); `persist: True` also lists it for loading at boot (/etc/modules-load.d/salt_managed.conf on systemd hosts); `mods` loads several (`name` is then only a label).\n\n    kvm_amd:\n      kmod.present:\n        - persist: True\n";
});

impl Present {
    fn run(&self, cx: &RunCtx<'_>, test: bool) -> Result<StateReturn, StateError> {
        let mods: Vec<String> = match &self.mods {
            Some(m) => m.iter().map(py_str).collect(),
            None => vec![self.name.clone()],
        };
        let mut ret = Ret::new(&self.name);
        let list = |persist: bool| -> Result<Vec<String>, StateError> {
            let v =
                call(cx, "kmod.mod_list", &[json!(persist)], &[]).map_err(StateError::Command)?;
            Ok(strings(&v))
        };
        let mut loaded = list(false)?;
        if self.persist {
            let persisted = list(true)?;
            loaded.retain(|m| persisted.contains(m));
        }
        let already: Vec<&String> = mods.iter().filter(|m| loaded.contains(m)).collect();
        match already.as_slice() {
            [] => {}
            [one] => ret.append(&format!("Kernel module {one} is already present")),
            many => ret.append(&format!(
                "Kernel modules {} are already present",
                join(many)
            )),
        }
        if already.len() == mods.len() {
            return Ok(ret.done());
        }
        let not_loaded: Vec<&String> = mods.iter().filter(|m| !loaded.contains(m)).collect();
        if test {
            ret.result = Value::Null;
            if !ret.comment.is_empty() {
                ret.comment.push('\n');
            }
            let c = match not_loaded.as_slice() {
                [one] => format!("Kernel module {one} is set to be loaded"),
                many => format!("Kernel modules {} are set to be loaded", join(many)),
            };
            ret.append(&c);
            return Ok(ret.done());
        }
        let available =
            strings(&call(cx, "kmod.available", &[], &[]).map_err(StateError::Command)?);
        let unavailable: Vec<&String> = not_loaded
            .iter()
            .copied()
            .filter(|m| !available.contains(m))
            .collect();
        if !unavailable.is_empty() {
            let c = match unavailable.as_slice() {
                [one] => format!("Kernel module {one} is unavailable"),
                many => format!("Kernel modules {} are unavailable", join(many)),
            };
            ret.append(&c);
            ret.result = json!(false);
        }
        let (mut yes, mut no, mut failed) = (Vec::new(), Vec::new(), Vec::new());
        let mut by_dependency: Vec<String> = Vec::new();
        for m in not_loaded.into_iter().filter(|m| !unavailable.contains(m)) {
            if by_dependency.contains(m) {
                yes.push(m.clone());
                continue;
            }
            match call(cx, "kmod.load", &[json!(m), json!(self.persist)], &[]) {
                Ok(Value::Array(list)) if !list.is_empty() => {
                    for module in list.iter().map(py_str) {
                        ret.changes.insert(module.clone(), json!("loaded"));
                        if module != *m {
                            by_dependency.push(module);
                        }
                    }
                    yes.push(m.clone());
                }
                Ok(Value::Array(_)) => {
                    ret.result = json!(false);
                    no.push(m.clone());
                }
                Ok(other) => {
                    ret.result = json!(false);
                    failed.push((m.clone(), py_str(&other)));
                }
                Err(e) => {
                    ret.result = json!(false);
                    failed.push((m.clone(), e));
                }
            }
        }
        match yes.as_slice() {
            [] => {}
            [one] => ret.append(&format!("Loaded kernel module {one}")),
            many => ret.append(&format!("Loaded kernel modules {}", many.join(", "))),
        }
        match no.as_slice() {
            [] => {}
            [one] => ret.append(&format!("Failed to load kernel module {one}")),
            many => ret.append(&format!(
                "Failed to load kernel modules {}",
                many.join(", ")
            )),
        }
        for (m, msg) in failed {
            ret.append(&format!("Failed to load kernel module {m}: {msg}"));
        }
        Ok(ret.done())
    }
}

/// The return being built, in Salt's key order (name, result, changes, comment).
struct Ret {
    name: String,
    result: Value,
    changes: Map<String, Value>,
    comment: String,
}

impl Ret {
    fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            result: json!(true),
            changes: Map::new(),
            comment: String::new(),
        }
    }

    /// Salt's `_append_comment`.
    fn append(&mut self, c: &str) {
        if self.comment.is_empty() {
            self.comment = c.to_owned();
        } else {
            self.comment = format!("{}\n{c}", self.comment.trim_end());
        }
    }

    fn done(self) -> StateReturn {
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name));
        m.insert("result".into(), self.result);
        m.insert("changes".into(), Value::Object(self.changes));
        m.insert("comment".into(), json!(self.comment));
        StateReturn::from_map(m)
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(py_str).collect())
        .unwrap_or_default()
}

fn join(v: &[&String]) -> String {
    v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}
