//! `grains.*`: read the minion's grains, with Salt's `a:b:0` paths into
//! nested maps and lists.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::de;
use crate::{Ctx, ExecError, ExecFn};

/// `grains.items`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Items {}

impl ExecFn for Items {
    const POSITIONAL: &'static [&'static str] = &[];
    const DOC: &'static str = "Return all grains.\n\nCLI Example:\n\n    salt '*' grains.items\n";
    type Output = Map<String, Value>;

    async fn call(self, cx: &Ctx) -> Result<Map<String, Value>, ExecError> {
        Ok((*cx.grains).clone())
    }
}

/// `grains.item *keys default="" delimiter=":"`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    args: Vec<Value>,
    #[serde(default = "empty_string")]
    default: Value,
    #[serde(default = "colon", deserialize_with = "de::string_like")]
    delimiter: String,
}

impl ExecFn for Item {
    const POSITIONAL: &'static [&'static str] = &[];
    const VARARGS: bool = true;
    const DOC: &'static str = "Return {key: value} for each named grain; nested keys as 'a:b', list items by index.\n\nCLI Example:\n\n    salt '*' grains.item os osrelease\n";
    type Output = Map<String, Value>;

    async fn call(self, cx: &Ctx) -> Result<Map<String, Value>, ExecError> {
        let mut out = Map::new();
        for key in &self.args {
            let key = de::scalar_text(key).ok_or_else(|| {
                ExecError::invocation(format!("grain names are strings, got {key}"))
            })?;
            let v = traverse(&cx.grains, &key, &self.delimiter)
                .cloned()
                .unwrap_or_else(|| self.default.clone());
            out.insert(key, v);
        }
        Ok(out)
    }
}

/// `grains.get key default="" delimiter=":"`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Get {
    #[serde(deserialize_with = "de::string_like")]
    key: String,
    #[serde(default = "empty_string")]
    default: Value,
    #[serde(default = "colon", deserialize_with = "de::string_like")]
    delimiter: String,
    /// Accepted for Salt compatibility; grains keep their order either way.
    #[serde(default)]
    #[allow(dead_code)]
    ordered: Option<bool>,
}

impl ExecFn for Get {
    const POSITIONAL: &'static [&'static str] = &["key", "default", "delimiter", "ordered"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Return one grain, walking nested maps and lists with 'a:b:0'; DEFAULT (\"\") if absent.\n\nCLI Example:\n\n    salt '*' grains.get pkg:apache\n    salt '*' grains.get abc::def|ghi delimiter='|'\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        Ok(traverse(&cx.grains, &self.key, &self.delimiter)
            .cloned()
            .unwrap_or(self.default))
    }
}

/// `grains.ls`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ls {}

impl ExecFn for Ls {
    const POSITIONAL: &'static [&'static str] = &[];
    const DOC: &'static str =
        "Return the sorted list of grain names.\n\nCLI Example:\n\n    salt '*' grains.ls\n";
    type Output = Vec<String>;

    async fn call(self, cx: &Ctx) -> Result<Vec<String>, ExecError> {
        let mut keys: Vec<String> = cx.grains.keys().cloned().collect();
        keys.sort_unstable();
        Ok(keys)
    }
}

/// `grains.filter_by lookup_dict grain="os_family" merge=None
/// default="default" base=None`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterBy {
    lookup_dict: Value,
    #[serde(default = "os_family", deserialize_with = "de::string_like")]
    grain: String,
    #[serde(default)]
    merge: Option<Value>,
    #[serde(default = "default_key", deserialize_with = "de::string_like")]
    default: String,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    base: Option<String>,
}

impl ExecFn for FilterBy {
    const POSITIONAL: &'static [&'static str] =
        &["lookup_dict", "grain", "merge", "default", "base"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Look up the value of grain GRAIN (os_family; each value of a list grain) among LOOKUP_DICT's keys (shell patterns); DEFAULT's entry when none matches, BASE's entry underneath, MERGE (a dict) on top.\n\nCLI Example:\n\n    salt '*' grains.filter_by '{Debian: Debheads rule, RedHat: I love my hat}'\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        filter_by(
            &self.lookup_dict,
            &self.grain,
            &cx.grains,
            self.merge.as_ref(),
            &self.default,
            self.base.as_deref(),
        )
    }
}

/// `grains.filter_by` and `pillar.filter_by`: `key` of `data` looked up
/// among the keys of `lookup_dict`, which must be a dictionary.
pub(crate) fn filter_by(
    lookup_dict: &Value,
    key: &str,
    data: &Map<String, Value>,
    merge: Option<&Value>,
    default: &str,
    base: Option<&str>,
) -> Result<Value, ExecError> {
    let Value::Object(lookup) = lookup_dict else {
        return Err(ExecError::invocation("lookup_dict must be a dictionary"));
    };
    salt_render::data::filter_by(lookup, key, data, merge, default, base)
        .map_err(ExecError::Command)
}

fn os_family() -> String {
    "os_family".into()
}

pub(crate) fn default_key() -> String {
    "default".into()
}

/// Salt's `traverse_dict_and_list`: split `key` on `delimiter` and walk.
/// In a list, a numeric part first names a key of an embedded map, else an
/// index (negative counts from the end); a non-numeric part names a key of
/// the first embedded map that has it. `None` when the path is absent.
pub fn traverse<'a>(data: &'a Map<String, Value>, key: &str, delimiter: &str) -> Option<&'a Value> {
    let mut parts = if delimiter.is_empty() {
        vec![key]
    } else {
        key.split(delimiter).collect()
    };
    let first = parts.remove(0);
    let mut ptr = data.get(first)?;
    for part in parts {
        ptr = match ptr {
            Value::Object(m) => m.get(part)?,
            Value::Array(items) => {
                let embedded = items
                    .iter()
                    .filter_map(Value::as_object)
                    .find_map(|m| m.get(part));
                match (embedded, part.trim().parse::<i64>()) {
                    (Some(v), _) => v,
                    (None, Ok(i)) => {
                        let len = i64::try_from(items.len()).ok()?;
                        let idx = if i < 0 { len + i } else { i };
                        items.get(usize::try_from(idx).ok()?)?
                    }
                    (None, Err(_)) => return None,
                }
            }
            _ => return None,
        };
    }
    Some(ptr)
}

fn empty_string() -> Value {
    Value::String(String::new())
}

fn colon() -> String {
    ":".into()
}

#[cfg(test)]
mod tests {
    use crate::modules::{run_in, test_ctx};
    use serde_json::json;

    #[tokio::test]
    async fn get_walks_maps_and_lists() {
        let cx = test_ctx();
        let get = |k: &'static str| {
            let cx = cx.clone();
            async move { run_in(&cx, "grains.get", json!([k]), json!({})).await.ret }
        };
        assert_eq!(get("os").await, json!("Debian"));
        assert_eq!(get("ip4_interfaces:eth0:1").await, json!("192.0.2.11"));
        assert_eq!(get("ip4_interfaces:eth0:-1").await, json!("192.0.2.11"));
        assert_eq!(get("osrelease_info:0").await, json!(12));
        assert_eq!(get("roles:web:port").await, json!(80));
        assert_eq!(get("ip4_interfaces:eth0:7").await, json!(""));
        assert_eq!(get("nope").await, json!(""));
        assert_eq!(get("os:deeper").await, json!(""));
        let r = run_in(&cx, "grains.get", json!(["nope", "dflt"]), json!({})).await;
        assert_eq!(r.ret, json!("dflt"));
        let r = run_in(
            &cx,
            "grains.get",
            json!(["ip4_interfaces|lo|0"]),
            json!({"delimiter": "|"}),
        )
        .await;
        assert_eq!(r.ret, json!("127.0.0.1"));
    }

    #[tokio::test]
    async fn item_items_ls() {
        let cx = test_ctx();
        let r = run_in(
            &cx,
            "grains.item",
            json!(["os", "id", "missing"]),
            json!({}),
        )
        .await;
        assert_eq!(
            r.ret,
            json!({"os": "Debian", "id": "minion1", "missing": ""})
        );
        let r = run_in(&cx, "grains.items", json!([]), json!({})).await;
        assert_eq!(r.ret["os"], json!("Debian"));
        let r = run_in(&cx, "grains.ls", json!([]), json!({})).await;
        assert_eq!(
            r.ret,
            json!(["id", "ip4_interfaces", "os", "osrelease_info", "roles"])
        );
        let r = run_in(
            &cx,
            "grains.get",
            json!([]),
            json!({"key": "os", "sanitize": true}),
        )
        .await;
        assert!(r.ret.as_str().unwrap_or("").contains("sanitize=True"));
    }
}
