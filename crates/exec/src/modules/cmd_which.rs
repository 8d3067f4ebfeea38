//! `cmd.which` and `cmd.has_exec`: whether a program is installed, as
//! formulas ask it from Jinja (`{% if salt['cmd.has_exec']('git') %}`)
//! before adding states that need it. The search is Salt's: a path that is
//! itself executable, else `PATH` and then the usual bin and sbin
//! directories.

use serde::Deserialize;
use serde_json::Value;

use crate::{Ctx, ExecError, ExecFn, de, machine};

/// `cmd.which cmd`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Which {
    cmd: Value,
}

impl ExecFn for Which {
    const POSITIONAL: &'static [&'static str] = &["cmd"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Return the path of an executable available on the minion, None otherwise.\n\nCLI Example:\n\n    salt '*' cmd.which cat\n";
    type Output = Value;

    async fn call(self, _cx: &Ctx) -> Result<Value, ExecError> {
        Ok(which(&self.cmd).map_or(Value::Null, Value::from))
    }
}

/// `cmd.has_exec cmd`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HasExec {
    cmd: Value,
}

impl ExecFn for HasExec {
    const POSITIONAL: &'static [&'static str] = &["cmd"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Return True if the executable is available on the minion, False otherwise.\n\nCLI Example:\n\n    salt '*' cmd.has_exec cat\n";
    type Output = bool;

    async fn call(self, _cx: &Ctx) -> Result<bool, ExecError> {
        Ok(which(&self.cmd).is_some())
    }
}

/// Salt's `salt.utils.path.which`; nothing for an empty name.
fn which(cmd: &Value) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let name = de::scalar_text(cmd).filter(|n| !n.is_empty())?;
    let executable =
        std::fs::metadata(&name).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    if name.contains('/') && executable {
        return Some(name);
    }
    machine::which_in(std::env::var("PATH").ok().as_deref(), &name)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::modules::{run_in, test_ctx};

    #[tokio::test]
    async fn finds_programs_on_the_path() {
        let cx = test_ctx();
        let r = run_in(&cx, "cmd.has_exec", json!(["sh"]), json!({})).await;
        assert_eq!(r.ret, json!(true));
        let r = run_in(
            &cx,
            "cmd.has_exec",
            json!(["no-such-program-here"]),
            json!({}),
        )
        .await;
        assert_eq!(r.ret, json!(false));
        let r = run_in(&cx, "cmd.which", json!(["no-such-program-here"]), json!({})).await;
        assert_eq!(r.ret, json!(null));
        let r = run_in(&cx, "cmd.which", json!(["sh"]), json!({})).await;
        assert!(r.ret.as_str().is_some_and(|p| p.ends_with("/sh")), "{r:?}");
        let r = run_in(&cx, "cmd.which", json!(["/bin/sh"]), json!({})).await;
        assert_eq!(r.ret, json!("/bin/sh"));
    }
}
