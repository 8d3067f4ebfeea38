//! `defaults.*`: deep merges of dictionaries for formulas
//! (`salt['defaults.merge'](defaults, pillar_values)` in map.jinja).
//!
//! Salt merges in place by default; templates get that from salt-render
//! (which writes the result back into the first argument), so these
//! functions only return the merge.

use serde::Deserialize;
use serde_json::{Map, Value};

use salt_render::data;

use crate::{Ctx, ExecError, ExecFn};

/// `defaults.merge dest src merge_lists=False in_place=True
/// convert_none=True`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Merge {
    dest: Value,
    src: Value,
    #[serde(default)]
    merge_lists: Option<Value>,
    #[serde(default)]
    in_place: Option<Value>,
    #[serde(default)]
    convert_none: Option<Value>,
}

impl ExecFn for Merge {
    const POSITIONAL: &'static [&'static str] =
        &["dest", "src", "merge_lists", "in_place", "convert_none"];
    const REQUIRED: usize = 2;
    const DOC: &'static str = "Deep-merge dict SRC into dict DEST and return the result (merge_lists=True also merges lists; convert_none=True, the default, reads None as {}, except an in-place DEST).\n\nCLI Example:\n\n    salt '*' defaults.merge '{a: b}' '{d: e}'\n";
    type Output = Value;

    async fn call(self, _cx: &Ctx) -> Result<Value, ExecError> {
        let in_place = flag(self.in_place.as_ref(), true);
        let convert_none = flag(self.convert_none.as_ref(), true);
        merge(
            &self.dest,
            &self.src,
            flag(self.merge_lists.as_ref(), false),
            in_place,
            convert_none,
        )
    }
}

/// `defaults.update dest defaults merge_lists=True in_place=True
/// convert_none=True`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Update {
    dest: Value,
    defaults: Value,
    #[serde(default)]
    merge_lists: Option<Value>,
    #[serde(default)]
    in_place: Option<Value>,
    #[serde(default)]
    convert_none: Option<Value>,
}

impl ExecFn for Update {
    const POSITIONAL: &'static [&'static str] = &[
        "dest",
        "defaults",
        "merge_lists",
        "in_place",
        "convert_none",
    ];
    const REQUIRED: usize = 2;
    const DOC: &'static str = "For each entry of dict DEST, merge it over a copy of DEFAULTS (merge_lists=True by default) and return the result.\n\nCLI Example:\n\n    salt '*' defaults.update '{host01: {index: foo}}' '{enabled: True}'\n";
    type Output = Value;

    async fn call(self, _cx: &Ctx) -> Result<Value, ExecError> {
        let merge_lists = flag(self.merge_lists.as_ref(), true);
        let in_place = flag(self.in_place.as_ref(), true);
        let convert_none = flag(self.convert_none.as_ref(), true);
        let nodes = match &self.dest {
            Value::Null if in_place => {
                return Err(invalid("Can't perform in-place update into NoneType"));
            }
            Value::Null if convert_none => Map::new(),
            Value::Object(m) => m.clone(),
            other => {
                return Err(invalid(&format!(
                    "'{}' object has no attribute 'items'",
                    type_name(other)
                )));
            }
        };
        let defaults = match &self.defaults {
            Value::Null if convert_none => Value::Object(Map::new()),
            other => other.clone(),
        };
        let mut out = Map::new();
        for (name, vars) in nodes {
            let merged = merge(&defaults, &vars, merge_lists, true, convert_none)?;
            out.insert(name, merged);
        }
        Ok(Value::Object(out))
    }
}

/// `defaults.deepcopy source`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deepcopy {
    source: Value,
}

impl ExecFn for Deepcopy {
    const POSITIONAL: &'static [&'static str] = &["source"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Return a deep copy of SOURCE.\n\nCLI Example:\n\n    salt '*' defaults.deepcopy '{a: [1, 2]}'\n";
    type Output = Value;

    async fn call(self, _cx: &Ctx) -> Result<Value, ExecError> {
        Ok(self.source)
    }
}

/// Salt's `defaults.merge` on values.
fn merge(
    dest: &Value,
    src: &Value,
    merge_lists: bool,
    in_place: bool,
    convert_none: bool,
) -> Result<Value, ExecError> {
    if dest.is_null() && convert_none && in_place {
        return Err(invalid("Can't perform in-place merge into NoneType"));
    }
    match (dest, src) {
        (Value::Object(_) | Value::Null, Value::Object(_) | Value::Null) => {
            data::defaults_merge(dest, src, merge_lists, convert_none)
                .map_err(|_| invalid(NON_DICT))
        }
        _ => Err(invalid(NON_DICT)),
    }
}

const NON_DICT: &str = "Cannot update using non-dict types in dictupdate.update()";

/// Salt reports a `TypeError` from these functions as invalid arguments.
fn invalid(msg: &str) -> ExecError {
    ExecError::InvalidArgs {
        fun: String::new(),
        reason: msg.to_owned(),
        doc: "",
    }
}

fn flag(v: Option<&Value>, default: bool) -> bool {
    v.map_or(default, crate::registry::truthy)
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

#[cfg(test)]
mod tests {
    use crate::modules::{run_in, test_ctx};
    use serde_json::json;

    #[tokio::test]
    async fn merge_and_update() {
        let cx = test_ctx();
        let r = run_in(
            &cx,
            "defaults.merge",
            json!([{"a": {"x": 1}, "l": [1]}, {"a": {"y": 2}, "l": [2]}]),
            json!({}),
        )
        .await;
        assert_eq!(r.ret, json!({"a": {"x": 1, "y": 2}, "l": [2]}));
        let r = run_in(&cx, "defaults.merge", json!([null, {"a": 1}]), json!({})).await;
        assert_eq!(r.retcode, 1);
        assert!(
            r.ret
                .as_str()
                .unwrap()
                .contains("Can't perform in-place merge into NoneType")
        );
        let r = run_in(
            &cx,
            "defaults.update",
            json!([{"n1": {"a": 1, "l": [9]}}, {"a": 0, "c": 3, "l": [0]}]),
            json!({}),
        )
        .await;
        assert_eq!(r.ret, json!({"n1": {"a": 1, "c": 3, "l": [0, 9]}}));
    }
}
