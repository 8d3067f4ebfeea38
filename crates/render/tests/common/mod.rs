//! Test support: the case file format and a test [`Host`] with the
//! execution functions templates call most (the real ones are exec
//! modules; these call the same `salt_render::data` functions).

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use salt_render::data::{self, PillarGet, Strategy};
use salt_render::{Context, Host};

/// One golden case: `--- meta` JSON and `--- file PATH` sections, in the
/// format `scripts/render-capture.py` reads.
pub use salt_testkit::case::Case;

/// What a render case says beyond its files.
pub trait RenderCase {
    /// The first file: `(path, text)` of what is rendered.
    fn main(&self) -> (&str, &str);
    /// `sls` (the default) or `template`.
    fn mode(&self) -> &str;
    /// The context Salt's capture used, from `_defaults.json` and the meta.
    fn context(&self, defaults: &Value) -> Context;
}

impl RenderCase for Case {
    fn main(&self) -> (&str, &str) {
        let (n, t) = &self.files[0];
        (n, t)
    }

    fn mode(&self) -> &str {
        self.meta
            .get("mode")
            .and_then(Value::as_str)
            .unwrap_or("sls")
    }

    fn context(&self, defaults: &Value) -> Context {
        let grains = merged(&defaults["grains"], self.meta.get("grains"));
        let pillar = merged(&defaults["pillar"], self.meta.get("pillar"));
        let opts = merged(&default_opts(), self.meta.get("opts"));
        let saltenv = self
            .meta
            .get("saltenv")
            .and_then(Value::as_str)
            .unwrap_or("base")
            .to_owned();
        let (main, _) = self.main();
        let tplpath = format!("/var/cache/salt/minion/files/{saltenv}/{main}");
        let mut cx = Context {
            grains,
            pillar,
            opts,
            saltenv,
            sls: None,
            tplpath: Some(tplpath),
            extra: Map::new(),
        };
        if self.mode() == "sls" {
            cx.sls = Some(
                self.meta
                    .get("sls")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_else(|| default_sls(main)),
            );
        } else {
            let name = self
                .meta
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("/tmp/managed");
            cx.extra.insert("name".into(), json!(name));
            cx.extra
                .insert("source".into(), json!(format!("salt://{main}")));
            for k in ["user", "group", "mode", "attrs"] {
                cx.extra.insert(k.into(), Value::Null);
            }
            if let Some(Value::Object(extra)) = self.meta.get("extra") {
                cx.extra.extend(extra.clone());
            }
        }
        cx
    }
}

/// The opts keys test templates read; the capture had Salt's full opts.
pub fn default_opts() -> Value {
    json!({
        "id": "minion1",
        "file_client": "local",
        "renderer": "jinja|yaml",
        "cachedir": "/var/cache/salt/minion",
        "pillar_merge_lists": false,
        "pillar_raise_on_missing": false,
        "saltenv": null,
        "test": false
    })
}

fn default_sls(path: &str) -> String {
    let p = path.strip_suffix(".sls").unwrap_or(path);
    let p = p.strip_suffix("/init").unwrap_or(p);
    p.replace('/', ".")
}

fn merged(base: &Value, over: Option<&Value>) -> Value {
    let mut out = base.clone();
    if let (Value::Object(o), Some(Value::Object(u))) = (&mut out, over) {
        data::dict_update(o, u, false);
    }
    out
}

/// A [`Host`] over a case's files and its grains and pillar.
pub struct TestHost {
    pub files: HashMap<String, String>,
    pub grains: Value,
    pub pillar: Value,
    pub opts: Value,
}

impl TestHost {
    pub fn for_case(case: &Case, cx: &Context) -> Arc<dyn Host> {
        Arc::new(TestHost {
            files: case.files.iter().cloned().collect(),
            grains: cx.grains.clone(),
            pillar: cx.pillar.clone(),
            opts: cx.opts.clone(),
        })
    }
}

const FUNCTIONS: &[&str] = &[
    "pillar.get",
    "grains.get",
    "grains.filter_by",
    "config.get",
    "defaults.merge",
    "defaults.deepcopy",
    "slsutil.merge",
    "mine.get",
    "test.echo",
    "cmd.run",
    "cmd.shell",
];

/// Positional-or-keyword argument `i`/`name`.
fn arg<'a>(
    args: &'a [Value],
    kwargs: &'a Map<String, Value>,
    i: usize,
    name: &str,
) -> Option<&'a Value> {
    kwargs.get(name).or_else(|| args.get(i))
}

fn as_str<'a>(v: Option<&'a Value>, default: &'a str) -> &'a str {
    v.and_then(Value::as_str).unwrap_or(default)
}

fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
    }
}

impl Host for TestHost {
    fn call(
        &self,
        fun: &str,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<Value, String> {
        let a = |i, n| arg(&args, &kwargs, i, n);
        match fun {
            "pillar.get" => {
                let o = PillarGet {
                    default: a(1, "default").cloned(),
                    merge: truthy(a(2, "merge")),
                    merge_nested_lists: a(3, "merge_nested_lists").and_then(Value::as_bool),
                    delimiter: as_str(a(4, "delimiter"), ":").to_owned(),
                    ..PillarGet::default()
                };
                data::pillar_get(&self.pillar, as_str(a(0, "key"), ""), &o)
            }
            "grains.get" => {
                let default = a(1, "default").cloned().unwrap_or(json!(""));
                let delimiter = as_str(a(2, "delimiter"), ":");
                Ok(data::traverse(
                    &self.grains,
                    as_str(a(0, "key"), ""),
                    default,
                    delimiter,
                ))
            }
            "config.get" => {
                let key = as_str(a(0, "key"), "");
                let default = a(1, "default").cloned().unwrap_or(json!(""));
                const MISSING: &str = "\u{0}missing";
                for src in [&self.opts, &self.grains, &self.pillar] {
                    let v = data::traverse(src, key, json!(MISSING), ":");
                    if v.as_str() != Some(MISSING) {
                        return Ok(v);
                    }
                }
                Ok(default)
            }
            "grains.filter_by" => {
                let Some(Value::Object(lookup)) = a(0, "lookup_dict") else {
                    return Err("grains.filter_by: lookup_dict must be a dict".into());
                };
                data::filter_by(
                    lookup,
                    as_str(a(1, "grain"), "os_family"),
                    &self.grains,
                    a(2, "merge"),
                    as_str(a(3, "default"), "default"),
                    a(4, "base").and_then(Value::as_str),
                )
            }
            "defaults.merge" => data::defaults_merge(
                a(0, "dest").unwrap_or(&Value::Null),
                a(1, "src").unwrap_or(&Value::Null),
                truthy(a(2, "merge_lists")),
                a(4, "convert_none").is_none_or(|v| truthy(Some(v))),
            ),
            "defaults.deepcopy" => Ok(a(0, "source").cloned().unwrap_or(Value::Null)),
            "slsutil.merge" => {
                let (Some(Value::Object(x)), Some(Value::Object(y))) =
                    (a(0, "obj_a"), a(1, "obj_b"))
                else {
                    return Err("slsutil.merge needs two dicts".into());
                };
                let strategy = Strategy::from_name(
                    as_str(a(2, "strategy"), "smart"),
                    as_str(a(3, "renderer"), "yaml"),
                );
                Ok(Value::Object(data::merge(
                    x,
                    y,
                    strategy,
                    truthy(a(4, "merge_lists")),
                )))
            }
            "mine.get" => Ok(json!({})),
            "test.echo" => Ok(a(0, "text").cloned().unwrap_or(Value::Null)),
            "cmd.run" | "cmd.shell" => {
                let cmd = as_str(a(0, "cmd"), "");
                match cmd.strip_prefix("echo ") {
                    Some(rest) => Ok(json!(rest)),
                    None => Err(format!("test host runs only `echo`, not {cmd:?}")),
                }
            }
            other => Err(format!("'{other}' is not available.")),
        }
    }

    fn has_function(&self, fun: &str) -> bool {
        FUNCTIONS.contains(&fun)
    }

    fn get_file(&self, _saltenv: &str, path: &str) -> Result<Option<String>, String> {
        Ok(self.files.get(path).cloned())
    }
}
