//! How the system state modules (`service`, `pkg`, `user`, ...) call
//! execution functions through [`Exec`](crate::Exec) and tell a value from
//! an error. An execution function that fails reports a non-zero retcode
//! and Salt's error text as its value (`ERROR: <message>`, or `ERROR
//! executing 'fun': <message>` for bad arguments); [`call`] turns that back
//! into the bare message, which is what Salt's states show (its
//! `exc.strerror`).

use serde_json::{Map, Value, json};

use crate::module::{RunCtx, StateReturn};

/// Calls `fun` with positional `args` and keyword `kwargs`; `Err` holds the
/// function's error message.
pub(crate) fn call(
    cx: &RunCtx<'_>,
    fun: &str,
    args: &[Value],
    kwargs: &[(&str, Value)],
) -> Result<Value, String> {
    let kw: Map<String, Value> = kwargs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    let r = cx.exec.call(fun, args, &kw)?;
    if r.retcode == 0 {
        return Ok(r.value);
    }
    Err(error_text(&r.value))
}

/// The message inside an execution error return.
pub(crate) fn error_text(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Object(m) => m
            .values()
            .next_back()
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        other => other.to_string(),
    };
    if let Some(rest) = s.strip_prefix("ERROR executing '")
        && let Some((_, msg)) = rest.split_once("': ")
    {
        return msg.to_owned();
    }
    s.strip_prefix("ERROR: ").map(str::to_owned).unwrap_or(s)
}

/// A call whose value must be a boolean (Python truthiness otherwise).
pub(crate) fn call_bool(
    cx: &RunCtx<'_>,
    fun: &str,
    args: &[Value],
    kwargs: &[(&str, Value)],
) -> Result<bool, String> {
    call(cx, fun, args, kwargs).map(|v| crate::value::truthy(&v))
}

/// The SLS a chunk came from (`__sls__`).
pub(crate) fn sls_of(cx: &RunCtx<'_>) -> String {
    cx.low
        .as_map()
        .get("__sls__")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_texts() {
        assert_eq!(error_text(&json!("ERROR: boom")), "boom");
        assert_eq!(
            error_text(&json!("ERROR executing 'pkg.install': bad")),
            "bad"
        );
        assert_eq!(
            error_text(&json!("'x.y' is not available.")),
            "'x.y' is not available."
        );
    }
}

/// The return a system state builds (`service`, `user`); Salt's key
/// order: name, changes, result, comment.
#[derive(Debug, Clone)]
pub(crate) struct Ret {
    pub(crate) name: String,
    pub(crate) changes: Map<String, Value>,
    pub(crate) result: Value,
    pub(crate) comment: String,
}

impl Ret {
    /// Result True, no changes, no comment.
    pub(crate) fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            changes: Map::new(),
            result: json!(true),
            comment: String::new(),
        }
    }

    pub(crate) fn set(&mut self, result: Value, comment: impl Into<String>) {
        self.result = result;
        self.comment = comment.into();
    }

    pub(crate) fn done(self) -> StateReturn {
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name));
        m.insert("changes".into(), Value::Object(self.changes));
        m.insert("result".into(), self.result);
        m.insert("comment".into(), json!(self.comment));
        StateReturn::from_map(m)
    }
}
