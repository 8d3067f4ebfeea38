//! `pillar.*`: read the minion's pillar (`Ctx::pillar`, what the master
//! compiled for this minion), with Salt's `a:b:0` paths, defaults and
//! merges.
//!
//! `pillar.items` (and `pillar.data`, `pillar.ls`, `pillar.obfuscate`)
//! ask for a freshly compiled pillar, as Salt's do, through
//! `Ctx::pillar_source`; without one (a context that cannot reach a master)
//! they read `Ctx::pillar`, with `pillar=` overrides merged over it.
//! `pillar.get` and `pillar.item` read `Ctx::pillar`, or a fresh pillar when
//! given `pillarenv` or `saltenv`.
//!
//! Not here: `pillar.ext` (salt-rs has no ext_pillar), `pillar.file_exists`
//! (master only), `pillar_enc` (refused with an error naming it).

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{Map, Value};

use salt_render::data::{self, PillarGet, Strategy};

use crate::de;
use crate::{Ctx, ExecError, ExecFn, FreshPillar};

/// `pillar.get key default=NOT_SET merge=False merge_nested_lists=None
/// delimiter=":" pillarenv=None saltenv=None`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Get {
    #[serde(deserialize_with = "de::string_like")]
    key: String,
    #[serde(default, deserialize_with = "present")]
    default: Option<Value>,
    #[serde(default, deserialize_with = "truthy")]
    merge: bool,
    #[serde(default)]
    merge_nested_lists: Option<Value>,
    #[serde(default = "colon", deserialize_with = "de::string_like")]
    delimiter: String,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    pillarenv: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    saltenv: Option<String>,
}

impl ExecFn for Get {
    const POSITIONAL: &'static [&'static str] = &[
        "key",
        "default",
        "merge",
        "merge_nested_lists",
        "delimiter",
        "pillarenv",
        "saltenv",
    ];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Return one pillar value, walking nested maps and lists with 'a:b:0'; DEFAULT (\"\") when absent. merge=True merges the value into a dict or list DEFAULT (merge_nested_lists: lists too). pillarenv/saltenv read a freshly compiled pillar of that environment.\n\nCLI Example:\n\n    salt '*' pillar.get pkg:apache\n    salt '*' pillar.get abc::def|ghi delimiter='|'\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        let pillar = pillar_for(cx, self.pillarenv, self.saltenv).await?;
        let o = PillarGet {
            default: self.default,
            merge: self.merge,
            merge_nested_lists: self.merge_nested_lists.as_ref().map(is_truthy),
            delimiter: self.delimiter,
            pillar_merge_lists: false,
            raise_on_missing: false,
        };
        data::pillar_get(&*pillar, &self.key, &o).map_err(ExecError::Command)
    }
}

/// `pillar.fetch`: `pillar.get` under the name templates may call.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Fetch(Get);

impl ExecFn for Fetch {
    const POSITIONAL: &'static [&'static str] = Get::POSITIONAL;
    const REQUIRED: usize = Get::REQUIRED;
    const DOC: &'static str =
        "The same as pillar.get.\n\nCLI Example:\n\n    salt '*' pillar.fetch pkg:apache\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        self.0.call(cx).await
    }
}

/// `pillar.item *keys default="" delimiter=":" pillarenv=None saltenv=None`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    args: Vec<Value>,
    #[serde(default)]
    default: Option<Value>,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    delimiter: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    pillarenv: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    saltenv: Option<String>,
}

impl ExecFn for Item {
    const POSITIONAL: &'static [&'static str] = &[];
    const VARARGS: bool = true;
    const DOC: &'static str = "Return {key: value} for each named pillar key ('a:b' walks nested data; DEFAULT, \"\", when absent).\n\nCLI Example:\n\n    salt '*' pillar.item foo\n    salt '*' pillar.item foo:bar\n    salt '*' pillar.item foo bar baz\n";
    type Output = Map<String, Value>;

    async fn call(self, cx: &Ctx) -> Result<Map<String, Value>, ExecError> {
        let pillar = pillar_for(cx, self.pillarenv, self.saltenv).await?;
        items_of(&pillar, &self.args, self.default, self.delimiter)
    }
}

/// `pillar.items *args pillar=None pillar_enc=None pillarenv=None
/// saltenv=None`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Items {
    args: Vec<Value>,
    #[serde(default)]
    pillar: Option<Value>,
    #[serde(default)]
    pillar_enc: Option<Value>,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    pillarenv: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    saltenv: Option<String>,
}

impl ExecFn for Items {
    const POSITIONAL: &'static [&'static str] = &[];
    const VARARGS: bool = true;
    const DOC: &'static str = "Return the pillar, freshly compiled by the master. pillar='{...}' overrides values for this call; pillarenv= compiles one environment only. With key arguments, the same as pillar.item.\n\nCLI Example:\n\n    salt '*' pillar.items\n";
    type Output = Map<String, Value>;

    async fn call(self, cx: &Ctx) -> Result<Map<String, Value>, ExecError> {
        items(cx, self).await
    }
}

/// `pillar.data`: `pillar.items` under its old name.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Data(Items);

impl ExecFn for Data {
    const POSITIONAL: &'static [&'static str] = &[];
    const VARARGS: bool = true;
    const DOC: &'static str =
        "The same as pillar.items.\n\nCLI Example:\n\n    salt '*' pillar.data\n";
    type Output = Map<String, Value>;

    async fn call(self, cx: &Ctx) -> Result<Map<String, Value>, ExecError> {
        items(cx, self.0).await
    }
}

/// `pillar.ls`: the top-level keys of `pillar.items`.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Ls(Items);

impl ExecFn for Ls {
    const POSITIONAL: &'static [&'static str] = &[];
    const VARARGS: bool = true;
    const DOC: &'static str = "Return the top-level pillar keys of a freshly compiled pillar (arguments as pillar.items).\n\nCLI Example:\n\n    salt '*' pillar.ls\n";
    type Output = Vec<String>;

    async fn call(self, cx: &Ctx) -> Result<Vec<String>, ExecError> {
        Ok(items(cx, self.0).await?.keys().cloned().collect())
    }
}

/// `pillar.obfuscate`: `pillar.items` with every value replaced by its
/// type (`<str>`, `<int>`, ...), keys kept.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Obfuscate(Items);

impl ExecFn for Obfuscate {
    const POSITIONAL: &'static [&'static str] = &[];
    const VARARGS: bool = true;
    const DOC: &'static str = "Return pillar.items with each value replaced by its type ('<str>', '<int>', ...); dict keys are kept.\n\nCLI Example:\n\n    salt '*' pillar.obfuscate\n";
    type Output = Map<String, Value>;

    async fn call(self, cx: &Ctx) -> Result<Map<String, Value>, ExecError> {
        let all = items(cx, self.0).await?;
        Ok(all.into_iter().map(|(k, v)| (k, obfuscate(&v))).collect())
    }
}

/// `pillar.raw key=None`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Raw {
    #[serde(default)]
    key: Option<Value>,
}

impl ExecFn for Raw {
    const POSITIONAL: &'static [&'static str] = &["key"];
    const DOC: &'static str = "Return the pillar the minion holds now (not recompiled); with key=, that top-level key ({} when absent).\n\nCLI Example:\n\n    salt '*' pillar.raw\n    salt '*' pillar.raw key='roles'\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        match self.key.filter(is_truthy) {
            Some(k) => {
                let k = de::scalar_text(&k).unwrap_or_default();
                Ok(cx
                    .pillar
                    .get(&k)
                    .cloned()
                    .unwrap_or_else(|| Value::Object(Map::new())))
            }
            None => Ok(Value::Object((*cx.pillar).clone())),
        }
    }
}

/// `pillar.keys key delimiter=":"`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keys {
    #[serde(deserialize_with = "de::string_like")]
    key: String,
    #[serde(default = "colon", deserialize_with = "de::string_like")]
    delimiter: String,
}

impl ExecFn for Keys {
    const POSITIONAL: &'static [&'static str] = &["key", "delimiter"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Return the keys of the pillar dict at KEY ('a:b' walks nested data).\n\nCLI Example:\n\n    salt '*' pillar.keys web:sites\n";
    type Output = Vec<String>;

    async fn call(self, cx: &Ctx) -> Result<Vec<String>, ExecError> {
        const MISSING: &str = "\u{0}missing";
        match data::traverse(
            &*cx.pillar,
            &self.key,
            Value::String(MISSING.into()),
            &self.delimiter,
        ) {
            Value::Object(m) => Ok(m.keys().cloned().collect()),
            Value::String(s) if s == MISSING => Err(ExecError::Command(format!(
                "Pillar key not found: {}",
                self.key
            ))),
            _ => Err(ExecError::Command(format!(
                "Pillar value in key {} is not a dict",
                self.key
            ))),
        }
    }
}

/// `pillar.filter_by lookup_dict pillar merge=None default="default"
/// base=None`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterBy {
    lookup_dict: Value,
    #[serde(deserialize_with = "de::string_like")]
    pillar: String,
    #[serde(default)]
    merge: Option<Value>,
    #[serde(
        default = "super::grains::default_key",
        deserialize_with = "de::string_like"
    )]
    default: String,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    base: Option<String>,
}

impl ExecFn for FilterBy {
    const POSITIONAL: &'static [&'static str] =
        &["lookup_dict", "pillar", "merge", "default", "base"];
    const REQUIRED: usize = 2;
    const DOC: &'static str = "Look up the value of pillar key PILLAR (or each of its values, for a list) among LOOKUP_DICT's keys (shell patterns); DEFAULT's entry when none matches, BASE's entry underneath, MERGE on top.\n\nCLI Example:\n\n    salt '*' pillar.filter_by '{web: Serve it up, db: I query, default: x_x}' role\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        super::grains::filter_by(
            &self.lookup_dict,
            &self.pillar,
            &cx.pillar,
            self.merge.as_ref(),
            &self.default,
            self.base.as_deref(),
        )
    }
}

/// The pillar `pillar.get`/`pillar.item` read: the minion's (borrowed:
/// templates call `pillar.get` often, and a pillar can be large), or a
/// fresh one of the environment asked for.
async fn pillar_for(
    cx: &Ctx,
    pillarenv: Option<String>,
    saltenv: Option<String>,
) -> Result<Cow<'_, Map<String, Value>>, ExecError> {
    if pillarenv.is_none() && saltenv.is_none() {
        return Ok(Cow::Borrowed(&cx.pillar));
    }
    let req = FreshPillar {
        overrides: None,
        pillarenv,
        saltenv,
    };
    fresh(cx, req).await.map(Cow::Owned)
}

async fn items(cx: &Ctx, a: Items) -> Result<Map<String, Value>, ExecError> {
    if a.pillar_enc.as_ref().is_some_and(is_truthy) {
        return Err(ExecError::invocation(
            "pillar_enc is not supported by salt-rs (pillar overrides are not decrypted)",
        ));
    }
    if !a.args.is_empty() {
        let pillar = pillar_for(cx, a.pillarenv, a.saltenv).await?;
        return items_of(&pillar, &a.args, None, None);
    }
    let overrides = match a.pillar {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(m),
        // Salt logs "Pillar data must be a dictionary" and ignores it.
        Some(_) => None,
    };
    let req = FreshPillar {
        overrides,
        pillarenv: a.pillarenv,
        saltenv: a.saltenv,
    };
    fresh(cx, req).await
}

/// A freshly compiled pillar from `Ctx::pillar_source`; without a source,
/// the minion's pillar with the overrides merged over it.
async fn fresh(cx: &Ctx, req: FreshPillar) -> Result<Map<String, Value>, ExecError> {
    if let Some(source) = &cx.pillar_source {
        return source.fresh(req).await.map_err(ExecError::Command);
    }
    let mut pillar = (*cx.pillar).clone();
    if let Some(o) = &req.overrides {
        pillar = data::merge(&pillar, o, Strategy::Recurse, false);
    }
    Ok(pillar)
}

fn items_of(
    pillar: &Map<String, Value>,
    keys: &[Value],
    default: Option<Value>,
    delimiter: Option<String>,
) -> Result<Map<String, Value>, ExecError> {
    let default = default
        .filter(|d| !d.is_null())
        .unwrap_or_else(|| Value::String(String::new()));
    let delimiter = delimiter.unwrap_or_else(colon);
    let mut out = Map::new();
    for key in keys {
        let key = de::scalar_text(key)
            .ok_or_else(|| ExecError::invocation(format!("pillar keys are strings, got {key}")))?;
        let v = data::traverse(pillar, &key, default.clone(), &delimiter);
        out.insert(key, v);
    }
    Ok(out)
}

/// Salt's `_obfuscate_inner`: containers kept, leaves replaced by
/// `<type name>`.
fn obfuscate(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), obfuscate(v))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(obfuscate).collect()),
        Value::Null => Value::String("<NoneType>".into()),
        Value::Bool(_) => Value::String("<bool>".into()),
        Value::Number(n) if n.is_f64() => Value::String("<float>".into()),
        Value::Number(_) => Value::String("<int>".into()),
        Value::String(_) => Value::String("<str>".into()),
    }
}

/// A field given at all (even as null) is `Some`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// Python truthiness of an argument (`merge=True`, `merge=1`).
fn truthy<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Value::deserialize(d).map(|v| is_truthy(&v))
}

fn is_truthy(v: &Value) -> bool {
    crate::registry::truthy(v)
}

fn colon() -> String {
    ":".into()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::modules::{run_in, test_ctx};
    use serde_json::json;

    fn ctx() -> crate::Ctx {
        let mut cx = test_ctx();
        let p = json!({"app": {"port": 80, "tags": ["a"]}, "role": "web", "n": null});
        cx.pillar = Arc::new(p.as_object().cloned().unwrap());
        cx
    }

    #[tokio::test]
    async fn get_item_raw_keys() {
        let cx = ctx();
        let r = run_in(&cx, "pillar.get", json!(["app:port"]), json!({})).await;
        assert_eq!(r.ret, json!(80));
        let r = run_in(&cx, "pillar.get", json!(["nope"]), json!({"default": null})).await;
        assert_eq!(r.ret, json!(null));
        let r = run_in(&cx, "pillar.get", json!(["nope"]), json!({})).await;
        assert_eq!(r.ret, json!(""));
        let r = run_in(
            &cx,
            "pillar.get",
            json!(["app"]),
            json!({"merge": true, "default": {"host": "h", "tags": ["z"]}, "merge_nested_lists": true}),
        )
        .await;
        assert_eq!(r.ret, json!({"host": "h", "tags": ["z", "a"], "port": 80}));
        let r = run_in(
            &cx,
            "pillar.item",
            json!(["role", "x"]),
            json!({"default": "d"}),
        )
        .await;
        assert_eq!(r.ret, json!({"role": "web", "x": "d"}));
        let r = run_in(&cx, "pillar.raw", json!([]), json!({"key": "app"})).await;
        assert_eq!(r.ret, json!({"port": 80, "tags": ["a"]}));
        let r = run_in(&cx, "pillar.keys", json!(["app"]), json!({})).await;
        assert_eq!(r.ret, json!(["port", "tags"]));
        let r = run_in(&cx, "pillar.keys", json!(["role"]), json!({})).await;
        assert_eq!(
            (r.retcode, r.ret),
            (1, json!("ERROR: Pillar value in key role is not a dict"))
        );
    }

    #[tokio::test]
    async fn items_without_a_source_merge_overrides() {
        let cx = ctx();
        let r = run_in(
            &cx,
            "pillar.items",
            json!([]),
            json!({"pillar": {"role": "db", "new": 1}}),
        )
        .await;
        assert_eq!(
            r.ret,
            json!({"app": {"port": 80, "tags": ["a"]}, "role": "db", "n": null, "new": 1})
        );
        let r = run_in(&cx, "pillar.ls", json!([]), json!({})).await;
        assert_eq!(r.ret, json!(["app", "role", "n"]));
        let r = run_in(&cx, "pillar.obfuscate", json!([]), json!({})).await;
        assert_eq!(
            r.ret,
            json!({"app": {"port": "<int>", "tags": ["<str>"]}, "role": "<str>", "n": "<NoneType>"})
        );
        let r = run_in(&cx, "pillar.items", json!([]), json!({"pillar_enc": "gpg"})).await;
        assert_eq!(r.retcode, 1);
    }
}
