//! [`ExecHost`]: the [`salt_render::Host`] for templates that execution
//! modules render (`cp.get_template`, `template=jinja` on `cp.get_file`
//! names). `salt['mod.fun'](...)` in the template runs a registered
//! execution function with the caller's [`Ctx`]; `{% include %}`,
//! `{% import %}` and `import_yaml` read through the caller's file client.
//!
//! Rendering is synchronous and execution functions are async, so the host
//! drives them with the runtime handle it was made with: render on a
//! blocking thread ([`render_blocking`] does that), never on a runtime
//! worker (`Handle::block_on` panics there).

use std::sync::Arc;

use serde_json::{Map, Value};
use tokio::runtime::Handle;

use salt_render::{Context, Host, RenderError};
use salt_types::{SafeRelPath, Saltenv};

use crate::{Ctx, ExecError, list_functions, parse_call};

/// Largest file a template may include or import (the whole file is read
/// into memory).
pub const MAX_TEMPLATE_FILE: u64 = 64 * 1024 * 1024;

/// Templates' view of an execution context.
#[derive(Debug)]
pub struct ExecHost {
    cx: Ctx,
    rt: Handle,
}

impl ExecHost {
    /// A host for `cx`, driving calls on the current runtime.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn new(cx: Ctx) -> Self {
        Self::with_handle(cx, Handle::current())
    }

    pub fn with_handle(cx: Ctx, rt: Handle) -> Self {
        Self { cx, rt }
    }
}

impl Host for ExecHost {
    fn call(
        &self,
        fun: &str,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<Value, String> {
        // In templates `salt['cmd.run']` runs through the shell, as Salt's
        // does (`python_shell` defaults to True outside the CLI there).
        let fun = if fun == "cmd.run" { "cmd.shell" } else { fun };
        let call = parse_call(fun, args, kwargs).map_err(|e| e.to_string())?;
        self.rt
            .block_on(call.try_call(&self.cx))
            .map(|r| r.ret)
            .map_err(|e| e.to_string())
    }

    fn has_function(&self, fun: &str) -> bool {
        list_functions().contains(&fun)
    }

    fn get_file(&self, saltenv: &str, path: &str) -> Result<Option<String>, String> {
        let files = self
            .cx
            .files
            .as_ref()
            .ok_or_else(|| NO_FILE_SERVER.to_owned())?;
        let env = Saltenv::parse(saltenv).map_err(|e| e.to_string())?;
        let path = SafeRelPath::parse(path).map_err(|e| e.to_string())?;
        let Some(bytes) = self
            .rt
            .block_on(files.read_all(&env, &path, MAX_TEMPLATE_FILE))
            .map_err(|e| e.to_string())?
        else {
            return Ok(None);
        };
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| format!("salt://{path} is not UTF-8 text"))
    }
}

/// Why `cp.*` cannot reach files.
pub(crate) const NO_FILE_SERVER: &str =
    "no file server is available here (no file_roots for a masterless call and no master link)";

/// Renders `text` with Jinja alone (`salt_render::render_template`) on a
/// blocking thread, with an [`ExecHost`] for `cx`.
pub async fn render_blocking(
    cx: &Ctx,
    rcx: Context,
    text: String,
) -> Result<Result<String, Box<RenderError>>, ExecError> {
    let host: Arc<dyn Host> = Arc::new(ExecHost::new(cx.clone()));
    tokio::task::spawn_blocking(move || {
        salt_render::render_template(&host, &rcx, &text).map_err(Box::new)
    })
    .await
    .map_err(|e| ExecError::Command(format!("template rendering stopped: {e}")))
}

/// The render context Salt gives a template rendered by an execution
/// module: `grains`, `pillar`, `opts` (the minion's options, as state
/// files see them), `saltenv`, plus the caller's extra variables, which win
/// over those.
pub fn template_context(cx: &Ctx, saltenv: &Saltenv, extra: Map<String, Value>) -> Context {
    let mut opts = (*cx.opts).clone();
    opts.insert("id".into(), Value::String(cx.id.to_string()));
    Context {
        grains: Value::Object((*cx.grains).clone()),
        pillar: pillar_of(cx),
        opts: Value::Object(opts),
        saltenv: saltenv.to_string(),
        sls: None,
        tplpath: None,
        extra,
    }
}

/// The minion's pillar as templates see it.
fn pillar_of(cx: &Ctx) -> Value {
    Value::Object((*cx.pillar).clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::test_ctx;
    use serde_json::json;

    #[tokio::test]
    async fn cmd_run_in_a_template_goes_through_the_shell() {
        let cx = test_ctx();
        let rcx = template_context(&cx, &Saltenv::base(), Map::new());
        let out = render_blocking(&cx, rcx, "{{ salt['cmd.run']('echo a | tr a b') }}".into())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(out, "b");
    }

    #[tokio::test]
    async fn templates_call_registered_functions_and_see_grains() {
        let cx = test_ctx();
        let rcx = template_context(&cx, &Saltenv::base(), Map::new());
        let out = render_blocking(
            &cx,
            rcx,
            "{{ salt['test.echo']('hi') }} {{ grains.os }} {{ saltenv }} {{ opts.id }}".into(),
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(out, "hi Debian base minion1");
        let rcx = template_context(&cx, &Saltenv::base(), Map::new());
        let err = render_blocking(&cx, rcx, "{{ salt['no.such']() }}".into())
            .await
            .unwrap()
            .unwrap_err();
        assert!(err.to_string().contains("no.such"), "{err}");
    }

    #[tokio::test]
    async fn extra_variables_win() {
        let cx = test_ctx();
        let mut extra = Map::new();
        extra.insert("pillar".into(), json!({"a": 1}));
        extra.insert("foo".into(), json!("bar"));
        let rcx = template_context(&cx, &Saltenv::base(), extra);
        let out = render_blocking(&cx, rcx, "{{ pillar.a }} {{ foo }}".into())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(out, "1 bar");
    }
}
