//! What `salt['mod.fun']` reaches in pillar templates compiled on the
//! master: the execution-module registry, run on the master with the
//! minion's id and grains and an empty pillar (the pillar is being
//! compiled), as Salt's master does. So `salt['grains.filter_by'](...)`
//! and `salt['grains.get']('os')` see the minion; `salt['cmd.run']` runs on
//! the master.
//!
//! Compilation is synchronous (a blocking task); each call is driven on the
//! master's runtime from there.

use std::sync::Arc;

use salt_exec::Ctx;
use salt_types::MinionId;
use serde_json::{Map, Value};

/// The registry, for one minion's pillar.
pub struct MasterFunctions {
    cx: Ctx,
    rt: tokio::runtime::Handle,
}

impl MasterFunctions {
    /// Must be made on the master's runtime (it keeps a handle to it).
    pub fn new(id: MinionId, grains: Map<String, Value>) -> Self {
        Self {
            cx: Ctx::local(id, Arc::new(grains)),
            rt: tokio::runtime::Handle::current(),
        }
    }
}

impl salt_pillar::Functions for MasterFunctions {
    fn call(
        &self,
        fun: &str,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<Value, String> {
        let call = salt_exec::parse_call(fun, args, kwargs).map_err(|e| e.to_string())?;
        let res = self.rt.block_on(call.call(&self.cx));
        if res.success {
            Ok(res.ret)
        } else {
            Err(match res.ret {
                Value::String(s) => s,
                other => other.to_string(),
            })
        }
    }

    fn has_function(&self, fun: &str) -> bool {
        salt_exec::list_functions().contains(&fun)
    }
}
