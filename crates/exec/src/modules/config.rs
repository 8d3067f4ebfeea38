//! `config.*`: a setting by name from the minion's options, then its
//! pillar, then its grains, as Salt's `config.get` looks them up.

use serde::Deserialize;
use serde_json::Value;

use salt_render::data::traverse;

use crate::{Ctx, ExecError, ExecFn, de};

/// `config.get key [default] [delimiter=:]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Get {
    #[serde(deserialize_with = "de::string_like")]
    key: String,
    #[serde(default = "empty")]
    default: Value,
    #[serde(default = "colon", deserialize_with = "de::string_like")]
    delimiter: String,
    #[serde(default)]
    omit_opts: bool,
    #[serde(default)]
    omit_pillar: bool,
    #[serde(default)]
    omit_grains: bool,
}

fn empty() -> Value {
    Value::String(String::new())
}

fn colon() -> String {
    ":".into()
}

impl ExecFn for Get {
    const POSITIONAL: &'static [&'static str] = &["key", "default", "delimiter"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Return the value of KEY from the minion's options, else its pillar, else its grains (nested keys joined by delimiter, default ':'), else DEFAULT (\"\").\n\nCLI Example:\n\n    salt '*' config.get cachedir\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        // A value that cannot occur in data marks "not found".
        let missing = Value::String("\u{0}salt-rs:missing\u{0}".into());
        let sources: [(bool, Value); 3] = [
            (self.omit_opts, Value::Object((*cx.opts).clone())),
            (self.omit_pillar, Value::Object((*cx.pillar).clone())),
            (self.omit_grains, Value::Object((*cx.grains).clone())),
        ];
        for (omit, data) in sources {
            if omit {
                continue;
            }
            let v = traverse(&data, &self.key, missing.clone(), &self.delimiter);
            if v != missing {
                return Ok(v);
            }
        }
        Ok(self.default)
    }
}

#[cfg(test)]
mod tests {
    use crate::modules::{run_in, test_ctx};
    use serde_json::json;
    use std::sync::Arc;

    #[tokio::test]
    async fn opts_then_pillar_then_grains() {
        let mut cx = test_ctx();
        cx.opts = Arc::new(
            json!({"cachedir": "/c", "os": "fromopts"})
                .as_object()
                .cloned()
                .unwrap(),
        );
        cx.pillar = Arc::new(json!({"app": {"port": 80}}).as_object().cloned().unwrap());
        let get = |k: &'static str| {
            let cx = cx.clone();
            async move { run_in(&cx, "config.get", json!([k]), json!({})).await.ret }
        };
        assert_eq!(get("cachedir").await, json!("/c"));
        assert_eq!(get("app:port").await, json!(80));
        assert_eq!(get("os").await, json!("fromopts"));
        assert_eq!(get("osrelease_info").await, json!([12, 4]));
        assert_eq!(get("nope").await, json!(""));
        let r = run_in(&cx, "config.get", json!(["nope", 7]), json!({})).await;
        assert_eq!(r.ret, json!(7));
    }
}
