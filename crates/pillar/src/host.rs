//! What pillar templates reach outside themselves: files under
//! `pillar_roots` (for `{% import %}`, `{% include %}`, `import_yaml`, ...)
//! and the functions the caller registers ([`Functions`]).

use std::sync::Arc;

use salt_render::Host;
use serde_json::{Map, Value};

use crate::roots::Roots;

/// The execution functions pillar templates may call (`salt['mod.fun']`).
///
/// On a Salt master these run on the master with the minion's grains as
/// `grains` and an empty pillar (the pillar is being compiled), so that
/// `salt['grains.filter_by'](...)` and `salt['grains.get']('os')` see the
/// minion; `salt['cmd.run']` runs on the master.
pub trait Functions: Send + Sync {
    /// Calls `fun`; an `Err` becomes a render error carrying its text.
    fn call(
        &self,
        fun: &str,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<Value, String>;

    /// Whether `fun` can be called (`'mod.fun' in salt`).
    fn has_function(&self, fun: &str) -> bool {
        let _ = fun;
        true
    }
}

/// A closure is a function table: `|fun, args, kwargs| ...`.
impl<F> Functions for F
where
    F: Fn(&str, Vec<Value>, Map<String, Value>) -> Result<Value, String> + Send + Sync,
{
    fn call(
        &self,
        fun: &str,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<Value, String> {
        self(fun, args, kwargs)
    }
}

/// No functions at all: every `salt[...]` call fails with Salt's
/// "'mod.fun' is not available." message.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFunctions;

impl Functions for NoFunctions {
    fn call(&self, fun: &str, _: Vec<Value>, _: Map<String, Value>) -> Result<Value, String> {
        Err(format!("'{fun}' is not available."))
    }

    fn has_function(&self, _: &str) -> bool {
        false
    }
}

/// The render [`Host`] of one pillar compilation.
pub(crate) struct PillarHost {
    pub(crate) roots: Arc<Roots>,
    pub(crate) functions: Arc<dyn Functions>,
}

impl Host for PillarHost {
    fn call(
        &self,
        fun: &str,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<Value, String> {
        self.functions.call(fun, args, kwargs)
    }

    fn has_function(&self, fun: &str) -> bool {
        self.functions.has_function(fun)
    }

    fn get_file(&self, saltenv: &str, path: &str) -> Result<Option<String>, String> {
        Ok(self.roots.read(saltenv, path)?.map(|(_, text)| text))
    }
}
