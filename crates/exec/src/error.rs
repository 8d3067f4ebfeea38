//! The errors a call can end with, worded as Salt's minion words them, so
//! that users see the same messages and the same retcodes (Salt's
//! `EX_GENERIC`, 1, for all of them).

use serde_json::Value;

use crate::ExecResult;

/// Salt's `EX_GENERIC`: the retcode of every failed call.
pub const EX_GENERIC: i32 = 1;

/// Why a call could not be made or did not complete.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExecError {
    /// No function of that name is registered.
    #[error("'{0}' is not available.")]
    NotAvailable(String),
    /// Keyword arguments the function does not take (Salt's
    /// `SaltInvocationError` from `load_args_and_kwargs`).
    #[error("ERROR executing '{fun}': The following keyword arguments are not valid: {}", .invalid.join(", "))]
    InvalidKwargs { fun: String, invalid: Vec<String> },
    /// Missing, surplus or mistyped arguments (Salt's `TypeError` branch,
    /// which appends the function's documentation).
    #[error("Passed invalid arguments to {fun}: {reason}\n{doc}")]
    InvalidArgs {
        fun: String,
        reason: String,
        doc: &'static str,
    },
    /// The arguments were well-formed but unusable (`SaltInvocationError`).
    /// Modules leave `fun` empty; the registry fills it in.
    #[error("ERROR executing '{fun}': {msg}")]
    Invocation { fun: String, msg: String },
    /// The work itself failed (`CommandExecutionError`).
    #[error("ERROR: {0}")]
    Command(String),
    /// `saltutil.kill_job` or minion shutdown cancelled the call.
    #[error("ERROR: the job was killed (saltutil.kill_job or minion shutdown)")]
    Cancelled,
}

impl ExecError {
    /// A `SaltInvocationError` raised inside a module.
    pub fn invocation(msg: impl Into<String>) -> Self {
        Self::Invocation {
            fun: String::new(),
            msg: msg.into(),
        }
    }

    /// The return the minion sends for this error: the message as `ret`,
    /// retcode 1, success false. For an unknown function whose name is the
    /// prefix of registered ones (`test.pin`), Salt returns their docs plus
    /// the message under the unknown name; so do we.
    pub fn into_result(self) -> ExecResult {
        let ret = match &self {
            Self::NotAvailable(name) => {
                let mut docs = crate::registry::docs_matching(&format!("{name}*"));
                if docs.is_empty() {
                    Value::String(self.to_string())
                } else {
                    docs.insert(name.clone(), Value::String(self.to_string()));
                    Value::Object(docs)
                }
            }
            _ => Value::String(self.to_string()),
        };
        ExecResult {
            ret,
            retcode: EX_GENERIC,
            success: false,
        }
    }

    /// The error as Python's `str(exc)` words it: what a Salt state shows
    /// when it catches the exception (`ret["comment"] = str(err)`), without
    /// the `ERROR: ` prefix of the job return.
    pub fn message(&self) -> String {
        match self {
            Self::Command(m) => m.clone(),
            Self::Invocation { msg, .. } => msg.clone(),
            Self::InvalidArgs { reason, .. } => reason.clone(),
            Self::InvalidKwargs { invalid, .. } => format!(
                "The following keyword arguments are not valid: {}",
                invalid.join(", ")
            ),
            Self::NotAvailable(_) | Self::Cancelled => self.to_string(),
        }
    }

    /// Names the function in errors that mention it.
    pub(crate) fn in_fun(mut self, name: &str) -> Self {
        match &mut self {
            Self::Invocation { fun, .. }
            | Self::InvalidKwargs { fun, .. }
            | Self::InvalidArgs { fun, .. }
                if fun.is_empty() =>
            {
                *fun = name.to_owned();
            }
            _ => {}
        }
        self
    }
}

/// A value the way Python's `str()` prints it, for messages that quote
/// arguments (`foo=True`, `x=['a', 1]`).
pub(crate) use salt_yaml::pyrepr::str_of as py_str;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn not_available_message_is_salts() {
        let e = ExecError::NotAvailable("no.such_function".into());
        assert_eq!(e.to_string(), "'no.such_function' is not available.");
        let r = e.into_result();
        assert_eq!(r.ret, json!("'no.such_function' is not available."));
        assert_eq!(r.retcode, 1);
        assert!(!r.success);
    }

    #[test]
    fn not_available_with_prefix_returns_docs_of_the_near_names() {
        let r = ExecError::NotAvailable("test.pin".into()).into_result();
        let m = r.ret.as_object().expect("a docs map");
        assert!(m.contains_key("test.ping"));
        assert_eq!(m["test.pin"], json!("'test.pin' is not available."));
        assert_eq!(r.retcode, 1);
    }

    #[test]
    fn python_str_of_values() {
        assert_eq!(py_str(&json!("bar")), "bar");
        assert_eq!(py_str(&json!(true)), "True");
        assert_eq!(py_str(&json!(null)), "None");
        assert_eq!(py_str(&json!(2.0)), "2.0");
        assert_eq!(py_str(&json!(["a", 1])), "['a', 1]");
        assert_eq!(py_str(&json!({"a": false})), "{'a': False}");
        assert_eq!(py_str(&json!(["it's"])), "[\"it's\"]");
    }

    #[test]
    fn in_fun_fills_only_empty_names() {
        let e = ExecError::invocation("bad").in_fun("cmd.run");
        assert_eq!(e.to_string(), "ERROR executing 'cmd.run': bad");
        let e = ExecError::Command("x".into()).in_fun("cmd.run");
        assert_eq!(e.to_string(), "ERROR: x");
    }
}
