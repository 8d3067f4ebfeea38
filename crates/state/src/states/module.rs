//! `module.run`: call execution functions as a state, through the host's
//! registry (`cx.exec.call`). Both syntaxes Salt 3007 accepts:
//!
//! ```yaml
//! new-style:            # every key with a dot is a function; its list holds
//!   module.run:         # positional values and one-key maps of keywords
//!     - test.echo:
//!       - text: hello
//!     - cmd.run:
//!       - echo hi
//! legacy:               # `name` is the function, other keys its keywords
//!   module.run:         # (`m_name` for its `name`), `args`/`kwargs` for *args/**kwargs
//!     - name: test.echo
//!     - text: hello
//! ```
//!
//! A call fails the state when it returns False, or a map with
//! `result: False` or a non-zero `retcode` at any depth, as in Salt.
//! Whether a function exists is asked from `sys.list_functions`.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{WatchOnly, watch_only};
use crate::module::{RunCtx, StateError, StateFn, StateReturn};
use crate::pyrepr::py_str;

/// `module.run` (and `module.mod_watch`, the same function).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Run {
    name: Value,
    kwargs: Map<String, Value>,
}

impl StateFn for Run {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Call execution functions. New syntax: each argument whose name has a dot is a function, its value a list of positional values and one-key maps of keyword arguments; the changes hold each function's return, the state fails when one returns False or a map with `result: False` or a non-zero `retcode`. Legacy syntax: `name` is the function and the other arguments are its keywords (`m_name`, `m_fun`, `m_names`, `m_state`, `m_saltenv` for parameters of those names; `args` a list of positional values, `kwargs` a map). Test mode reports what would be called.\n\n    run-things:\n      module.run:\n        - test.echo:\n          - text: hello\n        - cmd.run:\n          - echo hi\n";

    fn plan(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        self.dispatch(cx)
    }

    fn apply(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        self.dispatch(cx)
    }
}

/// `module.wait` / `module.watch`: `module.run`, only from a `watch`.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Wait(WatchOnly);

plan_or_apply!(Wait => watch_only.0 {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Does nothing by itself; when a state in its `watch` list changes, `module.run` runs with these arguments (deprecated in Salt: use `module.run` with `onchanges`).\n\n    reload-units:\n      module.wait:\n        - name: service.systemctl_reload\n        - watch:\n          - file: /etc/systemd/system/app.service\n";
});

impl Run {
    fn dispatch(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        let keys: Vec<&String> = self
            .kwargs
            .keys()
            .filter(|k| !matches!(k.as_str(), "__reqs__" | "sfun"))
            .collect();
        let legacy =
            keys.iter().any(|k| !k.contains('.')) || (keys.is_empty() && self.kwargs.is_empty());
        if legacy {
            legacy_run(cx, self.name, self.kwargs)
        } else {
            new_run(cx, self.kwargs)
        }
    }
}

fn new_run(cx: &RunCtx<'_>, kwargs: Map<String, Value>) -> Result<StateReturn, StateError> {
    let mut names: Vec<Value> = kwargs.keys().map(|k| Value::String(k.clone())).collect();
    if cx.reqs.is_some() {
        // Salt hands `mod_watch` its requisites as the keyword `__reqs__`.
        names.push(json!("__reqs__"));
    }
    let mut ret = Map::new();
    ret.insert("name".into(), Value::Array(names));
    ret.insert("changes".into(), json!({}));
    ret.insert("comment".into(), json!(""));
    ret.insert("result".into(), Value::Null);
    let functions: Vec<&String> = kwargs.keys().filter(|k| k.contains('.')).collect();
    if functions.is_empty() {
        ret.insert("comment".into(), json!("No function provided."));
        ret.insert("result".into(), json!(false));
        return Ok(StateReturn::from_map(ret));
    }
    let mut missing = Vec::new();
    let mut tests = Vec::new();
    for func in &functions {
        let base = base_name(func);
        if !available(cx, base)? {
            missing.push(base.to_owned());
        } else if cx.test {
            tests.push(base.to_owned());
        }
    }
    if !missing.is_empty() || !tests.is_empty() {
        // Salt formats `len(...) > 1 or ''`, so a plural prints "True".
        let plural = |n: usize| if n > 1 { "True" } else { "" };
        let mut parts = Vec::new();
        if !missing.is_empty() {
            parts.push(format!(
                "Unavailable function{}: {}.",
                plural(missing.len()),
                missing.join(", ")
            ));
        } else {
            parts.push(String::new());
        }
        if !tests.is_empty() {
            parts.push(format!(
                "Function{} {} to be executed.",
                plural(tests.len()),
                tests.join(", ")
            ));
        } else {
            parts.push(String::new());
        }
        ret.insert("comment".into(), json!(parts.join(" ").trim()));
        if !missing.is_empty() {
            ret.insert("result".into(), json!(false));
        }
        return Ok(StateReturn::from_map(ret));
    }
    let mut failures = Vec::new();
    let mut success = Vec::new();
    let mut changes = Map::new();
    for func in functions {
        let (args, kw) = split_args(kwargs.get(func.as_str()));
        match cx.exec.call(base_name(func), &args, &kw) {
            Err(e) => failures.push(format!("'{func}' failed: {}", salt_arg_error(&e, false))),
            Ok(r) => {
                let value = r.value;
                if !get_result(&value) {
                    if let Value::Object(m) = &value {
                        let why = m
                            .get("comment")
                            .map(py_str)
                            .unwrap_or_else(|| "(error message N/A)".into());
                        failures.push(format!("'{func}' failed: {why}"));
                    }
                    if value == Value::Bool(false) {
                        failures.push(format!("'{func}': False"));
                    }
                } else {
                    let shown = match &value {
                        Value::Object(m) => m
                            .get("comment")
                            .map(py_str)
                            .unwrap_or_else(|| "Success".into()),
                        other => py_str(other),
                    };
                    success.push(format!("{func}: {shown}"));
                    changes.insert(func.clone(), value);
                }
            }
        }
    }
    let all: Vec<String> = failures.iter().chain(&success).cloned().collect();
    ret.insert("changes".into(), Value::Object(changes));
    ret.insert("comment".into(), json!(all.join(", ")));
    ret.insert("result".into(), json!(failures.is_empty()));
    Ok(StateReturn::from_map(ret))
}

fn legacy_run(
    cx: &RunCtx<'_>,
    name: Value,
    mut kwargs: Map<String, Value>,
) -> Result<StateReturn, StateError> {
    let fun = py_str(&name);
    let mut ret = Map::new();
    ret.insert("name".into(), name);
    ret.insert("changes".into(), json!({}));
    ret.insert("comment".into(), json!(""));
    ret.insert("result".into(), Value::Null);
    let done = |mut ret: Map<String, Value>, comment: String, result: Value| {
        ret.insert("comment".into(), Value::String(comment));
        ret.insert("result".into(), result);
        Ok(StateReturn::from_map(ret))
    };
    if !available(cx, &fun)? {
        return done(
            ret,
            format!("Module function {fun} is not available"),
            json!(false),
        );
    }
    if cx.test {
        return done(
            ret,
            format!("Module function {fun} is set to execute"),
            Value::Null,
        );
    }
    kwargs.remove("__reqs__");
    kwargs.remove("sfun");
    kwargs.remove("returner");
    let mut call_kwargs = Map::new();
    let mut args = Vec::new();
    for (k, v) in kwargs {
        match k.as_str() {
            "m_name" | "m_fun" | "m_names" | "m_state" | "m_saltenv" => {
                call_kwargs.insert(k[2..].to_owned(), v);
            }
            "args" if v.is_array() => args = v.as_array().cloned().unwrap_or_default(),
            "kwargs" if v.is_object() => {
                for (kk, vv) in v.as_object().cloned().unwrap_or_default() {
                    call_kwargs.insert(kk, vv);
                }
            }
            "kwargs" => return done(ret, "'kwargs' must be a dict.".into(), json!(false)),
            _ => {
                call_kwargs.insert(k, v);
            }
        }
    }
    match cx.exec.call(&fun, &args, &call_kwargs) {
        Err(e) => {
            let msg = salt_arg_error(&e, true);
            let comment = if msg.starts_with("The following arguments are missing:") {
                msg
            } else {
                format!("Module function {fun} threw an exception. Exception: {msg}")
            };
            done(ret, comment, json!(false))
        }
        Ok(r) => {
            let result = get_result(&r.value);
            ret.insert("changes".into(), json!({"ret": r.value}));
            done(
                ret,
                format!("Module function {fun} executed"),
                json!(result),
            )
        }
    }
}

/// `mod.fun:anything` names `mod.fun`.
fn base_name(func: &str) -> &str {
    func.split(':').next().unwrap_or(func)
}

/// Whether the host has `fun`, asked from `sys.list_functions`.
fn available(cx: &RunCtx<'_>, fun: &str) -> Result<bool, StateError> {
    let r = cx
        .exec
        .call("sys.list_functions", &[json!(fun)], &Map::new())
        .map_err(StateError::Command)?;
    Ok(r.value
        .as_array()
        .is_some_and(|a| a.iter().any(|f| f.as_str() == Some(fun))))
}

/// A new-style argument list: plain values are positional, maps are
/// keyword arguments.
fn split_args(v: Option<&Value>) -> (Vec<Value>, Map<String, Value>) {
    let mut args = Vec::new();
    let mut kwargs = Map::new();
    match v {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for item in items {
                match item {
                    Value::Object(m) => kwargs.extend(m.clone()),
                    other => args.push(other.clone()),
                }
            }
        }
        Some(Value::Object(m)) => kwargs.extend(m.clone()),
        Some(other) => args.push(other.clone()),
    }
    (args, kwargs)
}

/// Salt's words for missing arguments (`Missing arguments: text`, or the
/// legacy `The following arguments are missing: text`), from the host's
/// `f() missing 1 required positional argument: 'text'`; other errors as
/// they are.
fn salt_arg_error(e: &str, legacy: bool) -> String {
    let Some((_, list)) = e
        .split_once(" required positional argument: ")
        .or_else(|| e.split_once(" required positional arguments: "))
    else {
        return e.to_owned();
    };
    let list = list.lines().next().unwrap_or_default();
    let names: Vec<&str> = list
        .split(['\'', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "and")
        .map(|s| s.trim_start_matches("and ").trim())
        .collect();
    if legacy {
        let mut out = String::from("The following arguments are missing:");
        for n in names {
            out.push(' ');
            out.push_str(n);
        }
        out
    } else {
        format!("Missing arguments: {}", names.join(", "))
    }
}

/// Salt's `_get_result`.
fn get_result(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Object(m) => dict_result(m),
        _ => true,
    }
}

fn dict_result(m: &Map<String, Value>) -> bool {
    for (k, v) in m {
        if (k == "result" && *v == Value::Bool(false)) || (k == "retcode" && !is_zero(v)) {
            return false;
        }
        if let Value::Object(inner) = v
            && !dict_result(inner)
        {
            return false;
        }
    }
    true
}

/// Python's `v == 0` (True == 1, False == 0).
fn is_zero(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Bool(b) => !b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_like_salt() {
        assert!(get_result(&json!("x")) && get_result(&json!(null)));
        assert!(!get_result(&json!(false)));
        assert!(!get_result(&json!({"a": {"retcode": 2}})));
        assert!(!get_result(&json!({"result": false})));
        assert!(get_result(&json!({"result": 0, "retcode": false})));
    }

    #[test]
    fn argument_errors_in_salts_words() {
        let e = "Passed invalid arguments to test.echo: echo() missing 1 required positional argument: 'text'\ndoc";
        assert_eq!(salt_arg_error(e, false), "Missing arguments: text");
        assert_eq!(
            salt_arg_error(
                "f() missing 3 required positional arguments: 'a', 'b', and 'c'",
                true
            ),
            "The following arguments are missing: a b c"
        );
        assert_eq!(salt_arg_error("boom", true), "boom");
        let (a, k) = split_args(Some(&json!(["x", {"k": 1}, 2])));
        assert_eq!((json!(a), json!(k)), (json!(["x", 2]), json!({"k": 1})));
    }
}
