//! `slsutil.merge` and `slsutil.update`: dictionary merges with Salt's
//! strategies (`smart`, `recurse`, `overwrite`, `aggregate`, `list`,
//! `none`), the ones pillar merging uses too.

use serde::Deserialize;
use serde_json::{Map, Value};

use salt_render::data::{self, Strategy};

use crate::de;
use crate::{Ctx, ExecError, ExecFn};

/// `slsutil.merge obj_a obj_b strategy="smart" renderer="yaml"
/// merge_lists=False`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Merge {
    obj_a: Value,
    obj_b: Value,
    #[serde(default = "smart", deserialize_with = "de::string_like")]
    strategy: String,
    #[serde(default = "yaml", deserialize_with = "de::string_like")]
    renderer: String,
    #[serde(default)]
    merge_lists: Option<Value>,
}

impl ExecFn for Merge {
    const POSITIONAL: &'static [&'static str] =
        &["obj_a", "obj_b", "strategy", "renderer", "merge_lists"];
    const REQUIRED: usize = 2;
    const DOC: &'static str = "Merge dict OBJ_B into dict OBJ_A with STRATEGY (smart, recurse, overwrite, aggregate, list, none) and return the result.\n\nCLI Example:\n\n    salt '*' slsutil.merge '{foo: Foo}' '{bar: Bar}'\n";
    type Output = Map<String, Value>;

    async fn call(self, _cx: &Ctx) -> Result<Map<String, Value>, ExecError> {
        let (a, b) = dicts(&self.obj_a, &self.obj_b)?;
        let strategy = Strategy::from_name(&self.strategy, &self.renderer);
        Ok(data::merge(a, b, strategy, flag(self.merge_lists.as_ref())))
    }
}

/// `slsutil.update dest upd recursive_update=True merge_lists=False`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Update {
    dest: Value,
    upd: Value,
    #[serde(default)]
    recursive_update: Option<Value>,
    #[serde(default)]
    merge_lists: Option<Value>,
}

impl ExecFn for Update {
    const POSITIONAL: &'static [&'static str] = &["dest", "upd", "recursive_update", "merge_lists"];
    const REQUIRED: usize = 2;
    const DOC: &'static str = "Merge dict UPD into dict DEST (recursively unless recursive_update=False; merge_lists=True merges lists) and return the result.\n\nCLI Example:\n\n    salt '*' slsutil.update '{foo: Foo}' '{bar: Bar}'\n";
    type Output = Map<String, Value>;

    async fn call(self, _cx: &Ctx) -> Result<Map<String, Value>, ExecError> {
        let (dest, upd) = dicts(&self.dest, &self.upd)?;
        let mut out = dest.clone();
        if self
            .recursive_update
            .as_ref()
            .is_none_or(crate::registry::truthy)
        {
            data::dict_update(&mut out, upd, flag(self.merge_lists.as_ref()));
        } else {
            for (k, v) in upd {
                out.insert(k.clone(), v.clone());
            }
        }
        Ok(out)
    }
}

type Dict = Map<String, Value>;

fn dicts<'a>(a: &'a Value, b: &'a Value) -> Result<(&'a Dict, &'a Dict), ExecError> {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => Ok((a, b)),
        _ => Err(ExecError::InvalidArgs {
            fun: String::new(),
            reason: "Cannot update using non-dict types in dictupdate.update()".into(),
            doc: "",
        }),
    }
}

fn flag(v: Option<&Value>) -> bool {
    v.is_some_and(crate::registry::truthy)
}

fn smart() -> String {
    "smart".into()
}

fn yaml() -> String {
    "yaml".into()
}

#[cfg(test)]
mod tests {
    use crate::modules::{run_in, test_ctx};
    use serde_json::json;

    #[tokio::test]
    async fn strategies() {
        let cx = test_ctx();
        let (a, b) = (json!({"k": {"a": 1}}), json!({"k": {"b": 2}}));
        let r = run_in(&cx, "slsutil.merge", json!([a, b]), json!({})).await;
        assert_eq!(r.ret, json!({"k": {"a": 1, "b": 2}}));
        let r = run_in(
            &cx,
            "slsutil.merge",
            json!([a, b]),
            json!({"strategy": "overwrite"}),
        )
        .await;
        assert_eq!(r.ret, json!({"k": {"b": 2}}));
        let r = run_in(
            &cx,
            "slsutil.update",
            json!([a, b]),
            json!({"recursive_update": false}),
        )
        .await;
        assert_eq!(r.ret, json!({"k": {"b": 2}}));
    }
}
