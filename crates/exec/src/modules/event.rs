//! `event.*`: events from a minion to its master's event bus.
//!
//! The master files every event a minion sends under
//! `salt/minion/<id>/`, whatever tag is asked for (docs/security.md), so
//! `event.send myco/deploy/done` arrives as
//! `salt/minion/<id>/myco/deploy/done`.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::{Ctx, ExecError, ExecFn, de};

/// `event.send tag [data] [with_grains=...] [with_env=...] [key=value ...]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Send {
    #[serde(deserialize_with = "de::string_like")]
    tag: String,
    #[serde(default)]
    data: Option<Value>,
    /// `True` for all grains, or a list of grain names.
    #[serde(default)]
    with_grains: Option<Value>,
    /// `True` for the whole environment, or a list of variable names.
    #[serde(default)]
    with_env: Option<Value>,
    #[serde(default)]
    with_pillar: Option<Value>,
    kwargs: Map<String, Value>,
}

impl ExecFn for Send {
    const POSITIONAL: &'static [&'static str] = &["tag", "data"];
    const REQUIRED: usize = 1;
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Send an event with TAG to the master's event bus, filed under salt/minion/<id>/. DATA (a mapping) and extra key=value arguments become the event's data; with_grains / with_env add grains / environment variables (True for all, or a list of names). Returns True once the event is on its way, False with salt-rs-call --local.\n\nCLI Example:\n\n    salt '*' event.send myco/mytag foo=Foo bar=Bar\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        let mut data = Map::new();
        if let Some(sel) = self.with_env.filter(truthy) {
            let env: Map<String, Value> = std::env::vars().map(|(k, v)| (k, v.into())).collect();
            data.insert("environ".into(), Value::Object(subset(&sel, &env)));
        }
        if let Some(sel) = self.with_grains.filter(truthy) {
            data.insert("grains".into(), Value::Object(subset(&sel, &cx.grains)));
        }
        if self.with_pillar.as_ref().is_some_and(truthy) {
            return Err(ExecError::invocation(
                "with_pillar is not supported: this minion has no pillar yet",
            ));
        }
        data.extend(self.kwargs);
        match self.data {
            None | Some(Value::Null) => {}
            Some(Value::Object(m)) => data.extend(m),
            Some(other) => {
                return Err(ExecError::invocation(format!(
                    "data must be a mapping, not {other}"
                )));
            }
        }
        let Some(sink) = &cx.events else {
            tracing::warn!(tag = %self.tag, "local mode: the event is not sent to any master");
            return Ok(false);
        };
        sink.send((self.tag, Value::Object(data)))
            .await
            .map_err(|_| ExecError::Command("the link to the master is gone".into()))?;
        Ok(true)
    }
}

fn truthy(v: &Value) -> bool {
    !matches!(v, Value::Null | Value::Bool(false)) && !matches!(v, Value::Array(a) if a.is_empty())
}

/// All of `from` for `True`, else the keys a list names.
fn subset(sel: &Value, from: &Map<String, Value>) -> Map<String, Value> {
    match sel {
        Value::Array(names) => names
            .iter()
            .filter_map(Value::as_str)
            .filter_map(|n| from.get(n).map(|v| (n.to_owned(), v.clone())))
            .collect(),
        _ => from.clone(),
    }
}

#[cfg(test)]
mod tests {
    use crate::modules::{run_in, test_ctx};
    use serde_json::json;

    #[tokio::test]
    async fn sends_data_kwargs_and_chosen_grains() {
        let (tx, mut rx) = tokio::sync::mpsc::channel(4);
        let cx = crate::Ctx {
            events: Some(tx),
            ..test_ctx()
        };
        let r = run_in(
            &cx,
            "event.send",
            json!(["myco/deploy", {"version": 3}]),
            json!({"stage": "prod", "with_grains": ["os", "nope"]}),
        )
        .await;
        assert_eq!(r.ret, json!(true), "{r:?}");
        let (tag, data) = rx.recv().await.unwrap();
        assert_eq!(tag, "myco/deploy");
        assert_eq!(
            data,
            json!({"grains": {"os": "Debian"}, "stage": "prod", "version": 3})
        );
    }

    #[tokio::test]
    async fn local_mode_sends_nothing_and_bad_data_is_refused() {
        let cx = test_ctx();
        let r = run_in(&cx, "event.send", json!(["a/b"]), json!({})).await;
        assert_eq!(r.ret, json!(false));
        let r = run_in(&cx, "event.send", json!(["a/b", [1, 2]]), json!({})).await;
        assert_eq!(r.retcode, 1, "{r:?}");
        let r = run_in(&cx, "event.send", json!([]), json!({})).await;
        assert_eq!(r.retcode, 1, "tag is required: {r:?}");
    }
}
