//! Structural checks of high data before compiling it (Salt's
//! `verify_high`): bodies are maps, declarations are lists, exactly one
//! function per declaration, requisites are lists of single-key maps, and
//! no two states require each other directly. Every problem is collected,
//! in Salt's order and words.

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::high::{HighData, first_key, sls_of};
use crate::error::CompileError;
use crate::pyrepr::py_str;

/// All structural errors of `high`, empty when it can be compiled.
pub fn verify_high(high: &HighData) -> Vec<CompileError> {
    let mut errors = Vec::new();
    // id -> {"state": declaring module, target -> requisite module}
    let mut reqs: IndexMap<String, IndexMap<String, String>> = IndexMap::new();
    for (name, body) in high.as_map() {
        if name.starts_with("__") {
            continue;
        }
        let Value::Object(body) = body else {
            errors.push(CompileError::BodyNotDict {
                id: name.clone(),
                body: py_str(body),
            });
            continue;
        };
        for (state, decl) in body {
            if state.starts_with("__") {
                continue;
            }
            verify_declaration(name, state, decl, body, &mut reqs, &mut errors);
        }
    }
    errors
}

fn verify_declaration(
    name: &str,
    state: &str,
    decl: &Value,
    body: &Map<String, Value>,
    reqs: &mut IndexMap<String, IndexMap<String, String>>,
    errors: &mut Vec<CompileError>,
) {
    let sls = sls_of(body);
    let args = match decl {
        Value::Null => {
            errors.push(CompileError::TrailingColon {
                id: name.to_owned(),
                sls,
                state: state.to_owned(),
            });
            return;
        }
        Value::Array(args) => args,
        _ => {
            errors.push(CompileError::StateNotList {
                id: name.to_owned(),
                sls,
            });
            return;
        }
    };
    let mut funs = usize::from(state.contains('.'));
    for arg in args {
        match arg {
            Value::String(fun) => {
                funs += 1;
                if fun.trim().contains(' ') {
                    errors.push(CompileError::FunctionWhitespace {
                        fun: fun.clone(),
                        id: name.to_owned(),
                        sls: sls.clone(),
                    });
                }
            }
            Value::Object(arg) => verify_arg(name, state, arg, &sls, reqs, errors),
            _ => {}
        }
    }
    if funs == 0 {
        if state == "require" || state == "watch" {
            return;
        }
        errors.push(CompileError::NoFunction {
            id: name.to_owned(),
            sls,
        });
    } else if funs > 1 {
        let mut names: Vec<String> = state
            .split_once('.')
            .map(|(_, f)| vec![f.to_owned()])
            .unwrap_or_default();
        names.extend(args.iter().filter_map(|a| a.as_str().map(str::to_owned)));
        errors.push(CompileError::TooManyFunctions {
            id: name.to_owned(),
            sls,
            funs: names,
        });
    }
}

fn verify_arg(
    name: &str,
    state: &str,
    arg: &Map<String, Value>,
    sls: &str,
    reqs: &mut IndexMap<String, IndexMap<String, String>>,
    errors: &mut Vec<CompileError>,
) {
    let Some(argfirst) = first_key(arg) else {
        return;
    };
    let value = &arg[argfirst];
    if argfirst == "names" && !value.is_array() {
        errors.push(CompileError::NamesNotList {
            id: name.to_owned(),
            sls: sls.to_owned(),
        });
    }
    if !matches!(argfirst, "require" | "watch" | "prereq" | "onchanges") {
        return;
    }
    match value {
        Value::Array(list) => {
            let mut mine = IndexMap::new();
            mine.insert("state".to_owned(), state.to_owned());
            reqs.insert(name.to_owned(), mine);
            for req in list {
                verify_requisite(name, state, req, sls, reqs, errors);
            }
        }
        _ => errors.push(CompileError::RequisiteNotList {
            kind: argfirst.to_owned(),
            id: name.to_owned(),
            sls: sls.to_owned(),
        }),
    }
    if arg.len() != 1 {
        errors.push(CompileError::MultipleDicts {
            id: name.to_owned(),
            sls: sls.to_owned(),
        });
    }
}

fn verify_requisite(
    name: &str,
    state: &str,
    req: &Value,
    sls: &str,
    reqs: &mut IndexMap<String, IndexMap<String, String>>,
    errors: &mut Vec<CompileError>,
) {
    let (req_key, req_val) = match req {
        Value::String(s) => ("id".to_owned(), Value::String(s.clone())),
        Value::Object(m) => match m.iter().next() {
            Some((k, v)) => (k.clone(), v.clone()),
            None => return,
        },
        other => {
            errors.push(CompileError::RequisiteNotSingleKey {
                req: py_str(other),
                sls: sls.to_owned(),
            });
            return;
        }
    };
    if let Some(dot) = req_key.find('.') {
        errors.push(CompileError::RequisiteTypeDotted {
            key: req_key.clone(),
            id: name.to_owned(),
            sls: sls.to_owned(),
            suggest: req_key[..dot].to_owned(),
        });
    }
    if req_val.is_array() || req_val.is_object() {
        errors.push(CompileError::IllegalRequisite(py_str(&req_val)));
        return;
    }
    let target = hash_key(&req_val);
    if let Some(mine) = reqs.get_mut(name) {
        mine.insert(target.clone(), req_key);
    }
    let Some(theirs) = reqs.get(&target) else {
        return;
    };
    let mine = &reqs[name];
    if theirs.get(name).map(String::as_str) == Some(state)
        && theirs.get("state") == mine.get(&target)
    {
        errors.push(CompileError::RecursiveRequisite {
            sls: sls.to_owned(),
            id: name.to_owned(),
            req: py_str(&req_val),
        });
    }
}

/// A dictionary key for a hashable requisite value: strings as they are,
/// other scalars tagged so `42` never equals `"42"` (as in Python).
fn hash_key(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => format!("\u{0}{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errs(v: Value) -> Vec<String> {
        let high = HighData::from_value(v).unwrap();
        verify_high(&high).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn direct_mutual_require_is_found_once() {
        let e = errs(json!({
            "a": {"test": ["nop", {"require": [{"test": "b"}]}], "__sls__": "s"},
            "b": {"test": ["nop", {"require": [{"test": "a"}]}], "__sls__": "s"},
        }));
        assert_eq!(
            e,
            vec![r#"A recursive requisite was found, SLS "s" ID "b" ID "a""#]
        );
    }

    #[test]
    fn multi_key_requisite_args_are_reported_but_other_args_are_not() {
        let e = errs(json!({
            "a": {"test": ["nop", {"name": "x", "other": 1}], "__sls__": "s"},
            "b": {"test": ["nop", {"require": ["a"], "other": 1}], "__sls__": "s"},
        }));
        assert_eq!(
            e,
            vec!["Multiple dictionaries defined in argument of state 'b' in SLS 's'"]
        );
    }

    #[test]
    fn illegal_requisite_value() {
        let e = errs(json!({"a": {"test": ["nop", {"watch": [{"test": ["x"]}]}], "__sls__": "s"}}));
        assert_eq!(
            e,
            vec!["Illegal requisite \"['x']\", please check your syntax.\n"]
        );
    }
}
