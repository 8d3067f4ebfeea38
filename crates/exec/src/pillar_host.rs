//! Pillar compilation's view of this registry: [`RegistryFunctions`] is
//! what `salt['mod.fun']` reaches in pillar templates, run with the
//! minion's id and grains and an empty pillar (the pillar is being
//! compiled), as Salt's master does: `salt['grains.filter_by'](...)` sees
//! the minion, `salt['cmd.run']` runs where the compilation runs (the
//! master, or the host of `salt-rs-call --local`). [`LocalPillar`] compiles
//! `pillar_roots` in-process for `salt-rs-call --local`.
//!
//! Compilation is synchronous (a blocking task); each call is driven on the
//! caller's runtime from there.

use std::sync::Arc;

use crate::{Ctx, FreshFuture, FreshPillar, PillarSource};
use salt_types::MinionId;
use serde_json::{Map, Value};

/// The registry, for one minion's pillar.
pub struct RegistryFunctions {
    cx: Ctx,
    rt: tokio::runtime::Handle,
}

impl RegistryFunctions {
    /// Must be made on a runtime (it keeps a handle to it).
    pub fn new(id: MinionId, grains: Map<String, Value>) -> Self {
        Self {
            cx: Ctx::local(id, Arc::new(grains)),
            rt: tokio::runtime::Handle::current(),
        }
    }
}

impl salt_pillar::Functions for RegistryFunctions {
    fn call(
        &self,
        fun: &str,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<Value, String> {
        let call = crate::parse_call(fun, args, kwargs).map_err(|e| e.to_string())?;
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
        crate::list_functions().contains(&fun)
    }
}

/// `pillar_roots` compiled here, for `salt-rs-call --local`.
#[derive(Debug)]
pub struct LocalPillar {
    pub config: salt_pillar::PillarConfig,
    pub id: MinionId,
    pub grains: Map<String, Value>,
}

impl LocalPillar {
    /// Compiles now (blocking work on a blocking thread); a pillar that
    /// fails to compile is `{"_errors": [...]}` alone, as a master sends.
    pub async fn compile(&self, req: FreshPillar) -> Result<Map<String, Value>, String> {
        let cfg = self.config.clone();
        let id = self.id.clone();
        let grains = self.grains.clone();
        let functions = RegistryFunctions::new(id.clone(), grains.clone());
        tokio::task::spawn_blocking(move || {
            let mut r = salt_pillar::PillarRequest::new(id.as_str(), &grains, Arc::new(functions));
            r.saltenv = req.saltenv.as_deref();
            r.pillarenv = req.pillarenv.as_deref();
            r.overrides = req.overrides.as_ref();
            match salt_pillar::compile(&cfg, &r) {
                Ok(p) => p,
                Err(e) => {
                    tracing::error!("pillar did not compile: {e:#}");
                    e.error_pillar()
                }
            }
        })
        .await
        .map_err(|e| format!("pillar compilation failed: {e}"))
    }
}

impl PillarSource for LocalPillar {
    fn fresh(&self, req: FreshPillar) -> FreshFuture<'_> {
        Box::pin(self.compile(req))
    }
}
