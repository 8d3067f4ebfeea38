//! State modules, one file per Salt module, one struct per function
//! (`impl StateFn`), listed in `registry.rs`. `calls.rs` is how the system
//! modules call execution functions.

/// `impl StateFn` for a state that plans (`test`) and works in one
/// function, given the associated consts (`DOC`, ...): `Ty { consts }`
/// runs `self.run(cx, test)`; `Ty => fun { consts }` runs
/// `Ok(fun(&self, cx, test))`, and `Ty => fun.0 { consts }` passes
/// `&self.0` (a newtype over another state's arguments). `StateFn`,
/// `RunCtx`, `StateReturn` and `StateError` are the caller's imports.
macro_rules! plan_or_apply {
    ($ty:ident { $($consts:tt)* }) => {
        impl StateFn for $ty {
            $($consts)*

            fn plan(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
                self.run(cx, true)
            }

            fn apply(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
                self.run(cx, false)
            }
        }
    };
    ($ty:ident => $fun:ident $(.$inner:tt)? { $($consts:tt)* }) => {
        impl StateFn for $ty {
            $($consts)*

            fn plan(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
                Ok($fun(&self$(.$inner)?, cx, true))
            }

            fn apply(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
                Ok($fun(&self$(.$inner)?, cx, false))
            }
        }
    };
}

pub mod archive;
mod archive_fs;
mod archive_source;
mod archive_unpack;
mod calls;
pub mod cmd;
mod cmd_stateful;
pub mod file;
pub mod group;
pub mod kmod;
pub mod module;
pub mod pkg;
mod pkg_targets;
pub mod pkgrepo;
pub mod service;
pub mod sysctl;
pub mod test;
pub mod user;

/// The arguments of a state that acts only through its `mod_watch`
/// (`cmd.wait`, `cmd.wait_script`, `module.wait`).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct WatchOnly {
    name: serde_json::Value,
    #[allow(dead_code)]
    kwargs: serde_json::Map<String, serde_json::Value>,
}

/// A [`WatchOnly`] state run by itself: it succeeds doing nothing.
fn watch_only(
    a: &WatchOnly,
    _cx: &crate::module::RunCtx<'_>,
    _test: bool,
) -> crate::module::StateReturn {
    crate::module::StateReturn::new(a.name.clone(), Some(true), "")
}

/// The key and value of a one-key map (`- name: value` in an SLS list).
pub(crate) fn sole_entry(
    m: &serde_json::Map<String, serde_json::Value>,
) -> (String, serde_json::Value) {
    m.iter()
        .next()
        .map(|(k, v)| (k.clone(), v.clone()))
        .unwrap_or_default()
}
