//! `file.apply_template_on_contents`: render text with a template engine
//! and the minion's grains, pillar and opts (what `file.managed` with
//! `template:` and `contents:` does to its contents).

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::host::{render_blocking, template_context};
use crate::{Ctx, ExecError, ExecFn, de};
use salt_types::Saltenv;

/// `file.apply_template_on_contents contents template context defaults saltenv`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplyTemplateOnContents {
    #[serde(deserialize_with = "de::string_like")]
    contents: String,
    #[serde(deserialize_with = "de::string_like")]
    template: String,
    #[serde(default)]
    context: Option<Value>,
    #[serde(default)]
    defaults: Option<Value>,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    saltenv: Option<String>,
}

impl ExecFn for ApplyTemplateOnContents {
    const POSITIONAL: &'static [&'static str] =
        &["contents", "template", "context", "defaults", "saltenv"];
    const REQUIRED: usize = 5;
    const DOC: &'static str = "Render CONTENTS with TEMPLATE (jinja) and the minion's grains, pillar and opts; DEFAULTS updated by CONTEXT are extra variables. Returns the text, or {result: False, comment} for an engine salt-rs does not have.\n\nCLI Example:\n\n    salt '*' file.apply_template_on_contents contents='This is a {{ template }} string.' template=jinja \"context={}\" \"defaults={'template': 'cool'}\" saltenv=base\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        if self.template != "jinja" {
            return Ok(json!({
                "result": false,
                "comment": format!("Specified template format {} is not supported", self.template),
            }));
        }
        let mut extra = Map::new();
        for part in [self.defaults, self.context].into_iter().flatten() {
            match part {
                Value::Object(m) => extra.extend(m),
                Value::Null => {}
                other => {
                    return Err(ExecError::invocation(format!(
                        "context and defaults must be mappings, not {other}"
                    )));
                }
            }
        }
        let env = match self.saltenv.as_deref() {
            None | Some("") => Saltenv::base(),
            Some(s) => Saltenv::parse(s).map_err(|e| ExecError::invocation(e.to_string()))?,
        };
        let rcx = template_context(cx, &env, extra);
        match render_blocking(cx, rcx, self.contents).await? {
            Ok(text) => Ok(Value::String(text)),
            // Salt's SaltRenderError text: the message, the line, the
            // context block.
            Err(e) => {
                let mut msg = e.message.clone();
                if let Some(l) = e.line {
                    msg.push_str(&format!("; line {l}"));
                }
                if let Some(c) = &e.context {
                    msg.push_str(&format!("\n\n{c}"));
                }
                Err(ExecError::Command(msg))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::modules::{run_in, test_ctx};
    use serde_json::json;

    #[tokio::test]
    async fn renders_with_defaults_and_context() {
        let cx = test_ctx();
        let r = run_in(
            &cx,
            "file.apply_template_on_contents",
            json!([]),
            json!({"contents": "{{ a }}-{{ b }}-{{ grains.os }}", "template": "jinja",
                   "context": {"b": 2}, "defaults": {"a": 1, "b": 9}, "saltenv": "base"}),
        )
        .await;
        assert_eq!(r.ret, json!("1-2-Debian"), "{r:?}");
        let r = run_in(
            &cx,
            "file.apply_template_on_contents",
            json!(["x", "mako", {}, {}, "base"]),
            json!({}),
        )
        .await;
        assert_eq!(r.ret["result"], json!(false));
        let r = run_in(
            &cx,
            "file.apply_template_on_contents",
            json!(["{{ nope.x }}", "jinja", {}, {}, "base"]),
            json!({}),
        )
        .await;
        assert_eq!(r.retcode, 1);
        assert!(r.ret.as_str().unwrap().contains("line 1"), "{r:?}");
    }
}
