//! A real host for state tests: [`Exec`] over salt-exec's registry, the way
//! a minion runs states (every `cx.exec.call` reaches the real execution
//! function, commands really run). Only the file server is emulated:
//! `cp.cache_file` and `cp.get_template` serve `salt://` paths from the
//! case's own directory (copied to a cache directory, as a minion's cache
//! would hold them), rendering templates with salt-render.
//!
//! Errors of execution functions come back as `Err(message)`, worded as
//! Python's `str(exc)` ([`salt_exec::ExecError::message`]): what a Salt
//! state shows when it catches one.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value, json};

use salt_state::{CallReturn, Exec};

/// The host of one case.
pub struct RealHost {
    rt: tokio::runtime::Runtime,
    cx: salt_exec::Ctx,
    /// What `salt://` paths are relative to.
    file_root: PathBuf,
    /// Where fetched files go.
    cache: PathBuf,
}

impl RealHost {
    pub fn new(file_root: &Path, cache: &Path) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let cx = salt_exec::Ctx::local(
            salt_types::MinionId::parse("minion1").expect("valid id"),
            Arc::new(Map::new()),
        );
        Self {
            rt,
            cx,
            file_root: file_root.to_owned(),
            cache: cache.to_owned(),
        }
    }

    fn exec(
        &self,
        fun: &str,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<CallReturn, String> {
        let call = salt_exec::parse_call(fun, args, kwargs).map_err(|e| e.message())?;
        let r = self
            .rt
            .block_on(call.try_call(&self.cx))
            .map_err(|e| e.message())?;
        Ok(CallReturn {
            value: r.ret,
            retcode: r.retcode,
        })
    }

    /// `salt://path[?saltenv=x]` to the file in the case directory.
    fn served(&self, url: &str) -> Option<PathBuf> {
        let rel = url.strip_prefix("salt://")?;
        let rel = rel.split_once('?').map_or(rel, |(p, _)| p);
        let p = self.file_root.join(rel);
        p.is_file().then_some(p)
    }

    fn cache_file(&self, url: &str) -> Value {
        if !url.starts_with("salt://") {
            return json!(url.strip_prefix("file://").unwrap_or(url));
        }
        let Some(src) = self.served(url) else {
            return json!(false);
        };
        let rel = url.trim_start_matches("salt://");
        let dest = self.cache.join("files/base").join(rel);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).expect("cache dir");
        }
        std::fs::copy(&src, &dest).expect("copy to the cache");
        json!(dest.to_string_lossy())
    }

    fn get_template(&self, url: &str, kwargs: &Map<String, Value>) -> Value {
        let Some(src) = self.served(url).or_else(|| {
            let p = PathBuf::from(url);
            p.is_file().then_some(p)
        }) else {
            return json!("");
        };
        let text = std::fs::read_to_string(&src).expect("template text");
        let host: Arc<dyn salt_render::Host> = Arc::new(NoTemplateHost);
        let cx = salt_render::Context {
            grains: json!({}),
            pillar: json!({}),
            opts: json!({}),
            saltenv: "base".into(),
            sls: None,
            tplpath: Some(src.to_string_lossy().into_owned()),
            extra: kwargs
                .get("context")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
        };
        match salt_render::render_template(&host, &cx, &text) {
            Ok(out) => {
                let dest = self
                    .cache
                    .join("extrn_files")
                    .join(url.trim_start_matches("salt://"));
                if let Some(parent) = dest.parent() {
                    std::fs::create_dir_all(parent).expect("cache dir");
                }
                std::fs::write(&dest, out).expect("rendered template");
                json!(dest.to_string_lossy())
            }
            Err(_) => json!(""),
        }
    }
}

impl Exec for RealHost {
    fn run_cmd(&self, cmd: &str, opts: &Map<String, Value>) -> Result<i32, String> {
        let mut kwargs: Map<String, Value> = opts
            .iter()
            .filter(|(k, v)| !v.is_null() && !matches!(k.as_str(), "root" | "umask"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        kwargs.insert("cmd".into(), json!(cmd));
        kwargs.insert("python_shell".into(), json!(true));
        kwargs.insert("ignore_retcode".into(), json!(true));
        let r = self.exec("cmd.retcode", vec![], kwargs)?;
        Ok(r.value.as_i64().unwrap_or(1) as i32)
    }

    fn call(
        &self,
        fun: &str,
        args: &[Value],
        kwargs: &Map<String, Value>,
    ) -> Result<CallReturn, String> {
        let first = args
            .first()
            .or_else(|| kwargs.get("path"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let value = match fun {
            "cp.cache_file" => self.cache_file(&first),
            "cp.get_template" => self.get_template(&first, kwargs),
            _ => return self.exec(fun, args.to_vec(), kwargs.clone()),
        };
        Ok(CallReturn { value, retcode: 0 })
    }

    fn sleep(&self, _d: std::time::Duration) {}
}

/// Templates of these cases use only their context.
struct NoTemplateHost;

impl salt_render::Host for NoTemplateHost {
    fn call(&self, fun: &str, _: Vec<Value>, _: Map<String, Value>) -> Result<Value, String> {
        Err(format!("'{fun}' is not available."))
    }

    fn get_file(&self, _: &str, _: &str) -> Result<Option<String>, String> {
        Ok(None)
    }
}
