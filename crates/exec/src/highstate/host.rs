//! The state system's view of the host ([`salt_state::Exec`]): commands
//! (`onlyif`, `unless`) and execution functions (`cp.cache_file`,
//! `cmd.run_all`, `pillar.get`, ...) through this registry with the job's
//! [`Ctx`], driven from the state run's thread on the runtime it came from.
//!
//! A failed call is `Err(message)` with the message as Python's `str(exc)`
//! words it (the states put it into their comments, as Salt's do).

use serde_json::{Map, Value};
use tokio::runtime::Handle;

use crate::{Ctx, parse_call};
use salt_state::CallReturn;

/// The registry for one state run.
pub struct StateExec {
    cx: Ctx,
    rt: Handle,
}

impl StateExec {
    pub fn new(cx: Ctx, rt: Handle) -> Self {
        Self { cx, rt }
    }
}

impl salt_state::Exec for StateExec {
    fn run_cmd(&self, cmd: &str, opts: &Map<String, Value>) -> Result<i32, String> {
        let mut kwargs: Map<String, Value> = opts
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        kwargs.insert("python_shell".into(), Value::Bool(true));
        kwargs.insert("ignore_retcode".into(), Value::Bool(true));
        let r = self.call("cmd.retcode", &[Value::from(cmd)], &kwargs)?;
        Ok(r.value
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .unwrap_or(r.retcode))
    }

    fn call(
        &self,
        fun: &str,
        args: &[Value],
        kwargs: &Map<String, Value>,
    ) -> Result<CallReturn, String> {
        let call = parse_call(fun, args.to_vec(), kwargs.clone()).map_err(|e| e.message())?;
        let r = self
            .rt
            .block_on(call.try_call(&self.cx))
            .map_err(|e| e.message())?;
        Ok(CallReturn {
            value: r.ret,
            retcode: r.retcode,
        })
    }

    fn sleep(&self, d: std::time::Duration) {
        let cancel = self.cx.cancel.clone();
        self.rt.block_on(async move {
            tokio::select! {
                _ = tokio::time::sleep(d) => {}
                _ = cancel.cancelled() => {}
            }
        });
    }
}
