//! `slsutil.merge` and `slsutil.update`: dictionary merges with Salt's
//! strategies (`smart`, `recurse`, `overwrite`, `aggregate`, `list`,
//! `none`), the ones pillar merging uses too; `slsutil.renderer`: what a
//! file renders to, as the state system sees it before compiling.

use serde::Deserialize;
use serde_json::{Map, Value};

use salt_render::data::{self, Strategy};

use crate::de;
use crate::{Ctx, ExecError, ExecFn};
use salt_types::{SaltUrl, Saltenv};

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

/// `slsutil.renderer path=None string=None default_renderer='jinja|yaml' **kwargs`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Renderer {
    #[serde(default, deserialize_with = "de::opt_string_like")]
    path: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    string: Option<String>,
    #[serde(default = "jinja_yaml", deserialize_with = "de::string_like")]
    default_renderer: String,
    /// `saltenv=` (default base), and more template variables.
    kwargs: Map<String, Value>,
}

impl ExecFn for Renderer {
    const POSITIONAL: &'static [&'static str] = &["path", "string", "default_renderer"];
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Render a file (PATH: salt:// or a local path) or STRING through its renderer pipe (its #! line, else DEFAULT_RENDERER: jinja|yaml, yaml, json, jinja|json, or jinja for text) with the minion's grains, pillar and opts, and return the result; other keyword arguments are template variables.\n\nCLI Example:\n\n    salt '*' slsutil.renderer salt://path/to/file.sls\n    salt '*' slsutil.renderer string='Hello, {{ name }}.' default_renderer=jinja name=world\n";
    type Output = Value;

    async fn call(mut self, cx: &Ctx) -> Result<Value, ExecError> {
        let saltenv = match self.kwargs.remove("saltenv") {
            None | Some(Value::Null) => Saltenv::base(),
            Some(Value::String(s)) if s.is_empty() => Saltenv::base(),
            Some(v) => {
                let s = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                Saltenv::parse(&s).map_err(|e| ExecError::invocation(e.to_string()))?
            }
        };
        let (text, tplpath) = match (self.path, self.string) {
            (None, None) => return Err(ExecError::invocation("Must pass either path or string")),
            (Some(_), Some(_)) => {
                return Err(ExecError::invocation("Must not pass both path and string"));
            }
            (None, Some(s)) => (s, None),
            (Some(p), None) => {
                let local = if p.starts_with("salt://") {
                    let url =
                        SaltUrl::parse(&p).map_err(|e| ExecError::invocation(e.to_string()))?;
                    let files = cx.files.as_ref().ok_or_else(|| {
                        ExecError::Command("no file server is available here".into())
                    })?;
                    files
                        .cache_file(url.saltenv_or(&saltenv), &url.path, None)
                        .await
                        .map_err(|e| ExecError::Command(e.to_string()))?
                        .ok_or_else(|| {
                            ExecError::Command(format!("{p} is not on the file server"))
                        })?
                } else {
                    std::path::PathBuf::from(&p)
                };
                let text = std::fs::read_to_string(&local)
                    .map_err(|e| ExecError::Command(format!("{}: {e}", local.display())))?;
                (text, Some(local.display().to_string()))
            }
        };
        let text = match self.default_renderer.as_str() {
            "jinja|yaml" | "jinja" => text,
            pipe @ ("yaml" | "json" | "jinja|json") if !text.starts_with("#!") => {
                format!("#!{pipe}\n{text}")
            }
            "yaml" | "json" | "jinja|json" => text,
            other => {
                return Err(ExecError::invocation(format!(
                    "default_renderer {other:?} is not available: salt-rs renders jinja|yaml, yaml, json, jinja|json and jinja"
                )));
            }
        };
        let mut rcx = crate::host::template_context(cx, &saltenv, self.kwargs);
        rcx.tplpath = tplpath;
        let text_only = self.default_renderer == "jinja" && !text.starts_with("#!");
        let host: std::sync::Arc<dyn salt_render::Host> =
            std::sync::Arc::new(crate::host::ExecHost::new(cx.clone()));
        let rendered = tokio::task::spawn_blocking(move || {
            if text_only {
                salt_render::render_template(&host, &rcx, &text).map(Value::String)
            } else {
                salt_render::render_sls(&host, &rcx, &text)
            }
            .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| ExecError::Command(format!("rendering stopped: {e}")))?;
        rendered.map_err(ExecError::Command)
    }
}

fn jinja_yaml() -> String {
    "jinja|yaml".into()
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
    async fn renderer_renders_strings_and_files() {
        let cx = test_ctx();
        let r = run_in(
            &cx,
            "slsutil.renderer",
            json!([]),
            json!({"string": "a: {{ name }}\nb: [1, yes]\n", "name": "x"}),
        )
        .await;
        assert_eq!(r.ret, json!({"a": "x", "b": [1, true]}));
        let r = run_in(
            &cx,
            "slsutil.renderer",
            json!([]),
            json!({"string": "Hi {{ name }}", "default_renderer": "jinja", "name": "y"}),
        )
        .await;
        assert_eq!(r.ret, json!("Hi y"));
        let r = run_in(
            &cx,
            "slsutil.renderer",
            json!([]),
            json!({"string": "{\"k\": 1}", "default_renderer": "json"}),
        )
        .await;
        assert_eq!(r.ret, json!({"k": 1}));
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("x.sls");
        std::fs::write(&f, "#!yaml\nk: '{{ not rendered }}'\n").unwrap();
        let r = run_in(
            &cx,
            "slsutil.renderer",
            json!([f.to_str().unwrap()]),
            json!({}),
        )
        .await;
        assert_eq!(r.ret, json!({"k": "{{ not rendered }}"}));
        let r = run_in(&cx, "slsutil.renderer", json!([]), json!({})).await;
        assert!(!r.success);
        assert!(
            r.ret
                .as_str()
                .unwrap()
                .contains("Must pass either path or string"),
            "{r:?}"
        );
    }

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
