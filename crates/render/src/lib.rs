//! Salt's renderer pipeline for SLS files, pillar files and `file.managed`
//! templates: Jinja (minijinja 3 with a Salt layer), then YAML.
//!
//! A Salt user's templates must render here to the same data as under Salt
//! 3007. The Salt layer is:
//!
//! * the context variables (`grains`, `pillar`, `opts`, `saltenv`, `sls`,
//!   `slspath`, `sls_path`, `slsdotpath`, `slscolonpath`, `tpldir`,
//!   `tplpath`, `tplfile`, `tpldot`: [`Context`], [`sls_context`]) and the `salt` object
//!   calling the [`Host`]'s functions (`salt_obj.rs`);
//! * `{% include %}`, `{% import %}`, `{% from ... import ... %}` and
//!   Salt's `import_yaml`/`import_json`/`import_text` and
//!   `load_yaml`/`load_json`/`load_text` tags, read through
//!   [`Host::get_file`] (`./` and `../` relative to the importing file);
//! * Salt's filters and tests (`filters/`), mutable dicts and lists
//!   (`value.rs`, `methods.rs`), Python's printing of values (`pyrepr.rs`),
//!   strict undefined;
//! * errors with file, line, column and Salt's context block ([`RenderError`]).
//!
//! Data in grains and pillar is never rendered a second time: a pillar value
//! holding `{{ ... }}` prints as that text (CVE-2021-25283).
//!
//! Rendering does no I/O of its own: files come from [`Host::get_file`],
//! function calls go to [`Host::call`]. The host is passed as an
//! `Arc<dyn Host>` because minijinja's loader and template objects must own
//! what they call (`'static`).
//!
//! ```
//! use std::sync::Arc;
//! use serde_json::{json, Map, Value};
//! use salt_render::{Context, Host, render_sls};
//!
//! struct NoHost;
//! impl Host for NoHost {
//!     fn call(&self, fun: &str, _: Vec<Value>, _: Map<String, Value>) -> Result<Value, String> {
//!         Err(format!("'{fun}' is not available."))
//!     }
//!     fn get_file(&self, _: &str, _: &str) -> Result<Option<String>, String> {
//!         Ok(None)
//!     }
//! }
//!
//! let host: Arc<dyn Host> = Arc::new(NoHost);
//! let cx = Context {
//!     grains: json!({"os_family": "Debian"}),
//!     saltenv: "base".into(),
//!     sls: Some("web".into()),
//!     ..Context::default()
//! };
//! let text = "{% set pkgs = [] %}{% do pkgs.append('nginx') %}\nweb:\n  pkg.installed:\n    - pkgs: {{ pkgs }}\n    - os: {{ grains.os_family }}\n";
//! let data = render_sls(&host, &cx, text).unwrap();
//! assert_eq!(data, json!({"web": {"pkg.installed": [{"pkgs": ["nginx"]}, {"os": "Debian"}]}}));
//! ```

#![forbid(unsafe_code)]
// RenderError is a plain struct of owned fields (file, message, snippet,
// context) that callers read directly; errors are rare, so its size in
// `Result` costs nothing worth a Box in every signature.
#![allow(clippy::result_large_err)]

mod context;
pub mod data;
mod env;
mod error;
mod filters;
mod methods;
mod pipeline;
mod pyjson;
mod pyrepr;
mod rewrite;
mod salt_obj;
mod strmethods;
mod undefined;
mod value;
mod yaml;

use serde_json::{Map, Value};

pub use context::{Context, sls_context};
pub use error::{MARKER, RenderError, Stage, context_block};
pub use pipeline::{Renderer, render_pipe};

/// What templates can reach outside themselves; implemented by the state
/// system (execution function registry, file server).
pub trait Host: Send + Sync {
    /// `salt['mod.fun'](...)` / `salt.mod.fun(...)`. Only functions the host
    /// registers can be called; an `Err` becomes a render error carrying its
    /// text.
    fn call(
        &self,
        fun: &str,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<Value, String>;

    /// Whether `fun` can be called. `salt['no.such']` and
    /// `'no.such' in salt` ask this first; the default says yes and leaves
    /// the verdict to [`Host::call`].
    fn has_function(&self, fun: &str) -> bool {
        let _ = fun;
        true
    }

    /// A file from the file server for `{% include %}`, `{% import %}`,
    /// `{% from %}` and `import_yaml`/`import_json`/`import_text`: `path` is
    /// relative to the saltenv's root (already joined for `./` and `../`,
    /// `salt://` stripped). `Ok(None)` when there is no such file.
    fn get_file(&self, saltenv: &str, path: &str) -> Result<Option<String>, String>;
}

/// Renders an SLS or pillar file through its renderer pipe: the `#!` line
/// when it has one (`#!yaml`, `#!jinja|yaml`, `#!json`, `#!jinja|json`),
/// else `jinja|yaml`. Empty output is an empty dict, as in Salt.
pub fn render_sls(
    host: &std::sync::Arc<dyn Host>,
    cx: &Context,
    text: &str,
) -> Result<Value, RenderError> {
    pipeline::render_sls(host, cx, text)
}

/// Renders a text template with Jinja alone (`file.managed` with
/// `template: jinja`, `cp.get_template`).
pub fn render_template(
    host: &std::sync::Arc<dyn Host>,
    cx: &Context,
    text: &str,
) -> Result<String, RenderError> {
    env::render_jinja(host, cx, text)
}
