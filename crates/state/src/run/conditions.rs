//! The global conditions `onlyif`, `unless`, `creates` (Salt's
//! `_run_check`) and `check_cmd`. Commands go to [`Exec::run_cmd`],
//! `fun:` entries to [`Exec::call`], paths to [`Exec::path_exists`]; the
//! answers, comments and `skip_watch` are Salt's.
//!
//! [`Exec::run_cmd`]: crate::Exec::run_cmd
//! [`Exec::call`]: crate::Exec::call
//! [`Exec::path_exists`]: crate::Exec::path_exists

use serde_json::{Map, Value, json};

use super::Runner;
use crate::LowChunk;
use crate::pyrepr::py_repr;
use crate::value::truthy;

/// Options of the state passed on to condition commands.
const CMD_ARGS: &[&str] = &[
    "cwd",
    "root",
    "runas",
    "env",
    "prepend_path",
    "umask",
    "timeout",
    "success_retcodes",
];

impl Runner<'_> {
    /// `onlyif`, `unless`, `creates` combined. `result: true` means skip
    /// the state. `Err` is an exception of a `fun:` call.
    pub(super) fn run_check(&self, low: &LowChunk) -> Result<Map<String, Value>, String> {
        let mut ret = identity(low);
        ret.shift_remove("result");
        let mut out = Map::new();
        out.insert("result".into(), json!(false));
        out.insert("comment".into(), json!([]));
        out.extend(ret);
        let mut ret = out;
        let opts = cmd_opts(low);
        let mut comments = Vec::new();
        if let Some(onlyif) = low.get("onlyif") {
            let r = self.check_onlyif(low, onlyif, &opts)?;
            ret.insert(
                "result".into(),
                r.get("result").cloned().unwrap_or(json!(false)),
            );
            comments.push(r.get("comment").cloned().unwrap_or(Value::Null));
            if let Some(sw) = r.get("skip_watch") {
                ret.insert("skip_watch".into(), sw.clone());
            }
        }
        if let Some(unless) = low.get("unless") {
            let r = self.check_unless(low, unless, &opts)?;
            merge_or(&mut ret, &r, &mut comments);
        }
        if let Some(creates) = low.get("creates") {
            let r = self.check_creates(low, creates);
            merge_or(&mut ret, &r, &mut comments);
        }
        ret.insert("comment".into(), Value::Array(comments));
        Ok(ret)
    }

    fn check_onlyif(
        &self,
        low: &LowChunk,
        onlyif: &Value,
        opts: &Map<String, Value>,
    ) -> Result<Map<String, Value>, String> {
        let mut ret = identity(low);
        // false: not decided yet; the comment says why not.
        let check = |ret: &mut Map<String, Value>, code: i64| -> bool {
            if code != 0 && ret.get("result") == Some(&json!(false)) {
                ret.insert("comment".into(), json!("onlyif condition is false"));
                ret.insert("skip_watch".into(), json!(true));
                ret.insert("result".into(), json!(true));
                return false;
            } else if code == 0 {
                ret.insert("comment".into(), json!("onlyif condition is true"));
                ret.insert("result".into(), json!(false));
            }
            true
        };
        for entry in as_list(onlyif) {
            match entry {
                Value::String(cmd) => {
                    let code = self.exec.run_cmd(cmd, opts).map(i64::from).unwrap_or(100);
                    if !check(&mut ret, code) {
                        return Ok(ret);
                    }
                }
                Value::Object(m) => {
                    if !m.contains_key("fun") {
                        ret.insert(
                            "comment".into(),
                            json!(format!("no `fun` argument in onlyif: {}", py_repr(entry))),
                        );
                        return Ok(ret);
                    }
                    let (value, retcode) = self.run_check_function(m)?;
                    if retcode != 0 {
                        if !check(&mut ret, retcode) {
                            return Ok(ret);
                        }
                    } else if !truthy(&value) {
                        ret.insert("comment".into(), json!("onlyif condition is false"));
                        ret.insert("skip_watch".into(), json!(true));
                        ret.insert("result".into(), json!(true));
                        return Ok(ret);
                    } else {
                        ret.insert("comment".into(), json!("onlyif condition is true"));
                        ret.insert("result".into(), json!(false));
                    }
                }
                _ => {
                    ret.insert(
                        "comment".into(),
                        json!("onlyif execution failed, bad type passed"),
                    );
                    ret.insert("result".into(), json!(false));
                    return Ok(ret);
                }
            }
        }
        Ok(ret)
    }

    fn check_unless(
        &self,
        low: &LowChunk,
        unless: &Value,
        opts: &Map<String, Value>,
    ) -> Result<Map<String, Value>, String> {
        let mut ret = identity(low);
        // true: decided, the state runs.
        let check = |ret: &mut Map<String, Value>, code: i64| -> bool {
            if code == 0 {
                ret.insert("comment".into(), json!("unless condition is true"));
                ret.insert("skip_watch".into(), json!(true));
                ret.insert("result".into(), json!(true));
                false
            } else {
                ret.shift_remove("skip_watch");
                ret.insert("comment".into(), json!("unless condition is false"));
                ret.insert("result".into(), json!(false));
                true
            }
        };
        for entry in as_list(unless) {
            match entry {
                Value::String(cmd) => {
                    let code = self.exec.run_cmd(cmd, opts).map(i64::from).unwrap_or(0);
                    if check(&mut ret, code) {
                        return Ok(ret);
                    }
                }
                Value::Object(m) => {
                    if !m.contains_key("fun") {
                        ret.insert(
                            "comment".into(),
                            json!(format!("no `fun` argument in unless: {}", py_repr(entry))),
                        );
                        return Ok(ret);
                    }
                    let (value, retcode) = self.run_check_function(m)?;
                    if retcode != 0 {
                        if check(&mut ret, retcode) {
                            return Ok(ret);
                        }
                    } else if truthy(&value) {
                        ret.insert("comment".into(), json!("unless condition is true"));
                        ret.insert("skip_watch".into(), json!(true));
                        ret.insert("result".into(), json!(true));
                    } else {
                        ret.insert("comment".into(), json!("unless condition is false"));
                        ret.insert("result".into(), json!(false));
                        return Ok(ret);
                    }
                }
                _ => {
                    ret.insert(
                        "comment".into(),
                        json!("unless condition is false, bad type passed"),
                    );
                    ret.insert("result".into(), json!(false));
                }
            }
        }
        Ok(ret)
    }

    fn check_creates(&self, low: &LowChunk, creates: &Value) -> Map<String, Value> {
        let mut ret = identity(low);
        let exists = |p: &Value| p.as_str().is_some_and(|p| self.exec.path_exists(p));
        match creates {
            Value::String(path) if exists(creates) => {
                ret.insert("comment".into(), json!(format!("{path} exists")));
                ret.insert("result".into(), json!(true));
                ret.insert("skip_watch".into(), json!(true));
            }
            Value::Array(paths) if paths.iter().all(exists) => {
                ret.insert("comment".into(), json!("All files in creates exist"));
                ret.insert("result".into(), json!(true));
                ret.insert("skip_watch".into(), json!(true));
            }
            _ => {
                ret.insert("comment".into(), json!("Creates files not found"));
                ret.insert("result".into(), json!(false));
            }
        }
        ret
    }

    /// A `fun:` entry: `args` positional, the rest keyword arguments,
    /// `get_return` picks a part of the return (`a:b:0`).
    fn run_check_function(&self, entry: &Map<String, Value>) -> Result<(Value, i64), String> {
        let fun = entry
            .get("fun")
            .map(crate::pyrepr::py_str)
            .unwrap_or_default();
        let args: Vec<Value> = match entry.get("args") {
            Some(Value::Array(a)) => a.clone(),
            Some(other) => vec![other.clone()],
            None => Vec::new(),
        };
        let kwargs: Map<String, Value> = entry
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "fun" | "args" | "get_return"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let ret = self.exec.call(&fun, &args, &kwargs)?;
        let value = match entry.get("get_return") {
            Some(path) if truthy(path) => traverse(&ret.value, &crate::pyrepr::py_str(path)),
            _ => ret.value,
        };
        Ok((value, i64::from(ret.retcode)))
    }

    /// `check_cmd`: after the state ran, commands decide its result.
    pub(super) fn run_check_cmd(&self, low: &LowChunk) -> Map<String, Value> {
        let mut ret = identity(low);
        let mut opts = Map::new();
        if let Some(shell) = low.get("shell") {
            opts.insert("shell".into(), shell.clone());
        }
        for entry in as_list(low.get("check_cmd").unwrap_or(&Value::Null)) {
            let Some(cmd) = entry.as_str() else { continue };
            let code = self.exec.run_cmd(cmd, &opts).unwrap_or(1);
            if code == 0 && ret.get("result") == Some(&json!(false)) {
                ret.insert(
                    "comment".into(),
                    json!("check_cmd determined the state succeeded"),
                );
                ret.insert("result".into(), json!(true));
            } else if code != 0 {
                ret.insert(
                    "comment".into(),
                    json!("check_cmd determined the state failed"),
                );
                ret.insert("result".into(), json!(false));
                return ret;
            }
        }
        ret
    }
}

/// `{result: false, __sls__, __id__, name}` of a check.
fn identity(low: &LowChunk) -> Map<String, Value> {
    let mut ret = Map::new();
    ret.insert("result".into(), json!(false));
    for key in ["__sls__", "__id__", "name"] {
        ret.insert(key.into(), low.get(key).cloned().unwrap_or(Value::Null));
    }
    ret
}

/// The command options a condition inherits from the state.
fn cmd_opts(low: &LowChunk) -> Map<String, Value> {
    let exclude: Vec<Value> = match low.get("cmd_opts_exclude") {
        Some(Value::Array(a)) => a.clone(),
        Some(v) => vec![v.clone()],
        None => Vec::new(),
    };
    let excluded = |k: &str| exclude.iter().any(|e| e.as_str() == Some(k));
    let mut opts = Map::new();
    for k in CMD_ARGS {
        if !excluded(k) {
            opts.insert((*k).into(), low.get(k).cloned().unwrap_or(Value::Null));
        }
    }
    if let Some(shell) = low.get("shell")
        && !excluded("shell")
    {
        opts.insert("shell".into(), shell.clone());
    }
    opts
}

/// `unless`/`creates` results: either true wins; comments collect.
fn merge_or(ret: &mut Map<String, Value>, r: &Map<String, Value>, comments: &mut Vec<Value>) {
    let now = r.get("result").is_some_and(truthy) || ret.get("result").is_some_and(truthy);
    ret.insert("result".into(), Value::Bool(now));
    comments.push(r.get("comment").cloned().unwrap_or(Value::Null));
    if r.get("skip_watch").is_some_and(truthy) {
        ret.insert("skip_watch".into(), json!(true));
    }
}

fn as_list(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

/// Salt's `traverse_dict_and_list` with `:`: map keys; in lists an index
/// (negative from the end) or else the first embedded map with that key.
pub(crate) fn traverse(data: &Value, path: &str) -> Value {
    let mut cur = data;
    for part in path.split(':') {
        let next = match cur {
            Value::Object(m) => m.get(part),
            Value::Array(a) => match part.trim().parse::<i64>() {
                Ok(i) => {
                    let i = if i < 0 { a.len() as i64 + i } else { i };
                    usize::try_from(i).ok().and_then(|i| a.get(i))
                }
                Err(_) => a
                    .iter()
                    .filter_map(Value::as_object)
                    .find_map(|m| m.get(part)),
            },
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            None => return Value::Null,
        }
    }
    cur.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traverse_maps_and_lists() {
        let v = json!({"a": {"b": [10, {"c": true}]}});
        assert_eq!(traverse(&v, "a:b:1:c"), json!(true));
        assert_eq!(traverse(&v, "a:x"), Value::Null);
        assert_eq!(traverse(&v, "a:b:-2"), json!(10));
        assert_eq!(traverse(&v, "a:b:c"), json!(true));
        assert_eq!(traverse(&v, "a:b:5"), Value::Null);
    }
}
