//! Pillar compilation on the master: one minion's pillar from
//! `pillar_roots`, as Salt 3007 compiles it.
//!
//! ```text
//! top.sls of each pillar environment (rendered with the minion's grains)
//!   -> merged top data -> the SLS names whose targets match the minion
//!   -> each SLS rendered (globs, includes with key:/defaults:)
//!   -> merged with pillar_source_merging_strategy / pillar_merge_lists
//!   -> the `pillar=` overrides merged over it
//! ```
//!
//! Salt hands a minion whatever compiled plus an `_errors` list; salt-rs
//! does not. [`compile`] returns the pillar only when nothing went wrong,
//! else a [`PillarError`] carrying every [`Problem`] with Salt's message
//! ([`PillarError::salt_errors`], what Salt puts into `_errors`) and the
//! full one naming file, line and column (for the master's log). What the
//! minion then gets is [`PillarError::error_pillar`]: `_errors` alone, on
//! which its state runs refuse to start, as Salt's do.
//! [`compile_all`] gives Salt's own return (partial pillar and `_errors`)
//! for comparisons with Salt.
//!
//! Templates read files only under `pillar_roots` (through
//! [`salt_types::SafeRelPath`]) and call only the caller's [`Functions`].
//! Not supported (each is a master option salt-rs does not read):
//! `ext_pillar` and `ext_pillar_first`, `pillar_opts`, `decrypt_pillar`,
//! `pillar_cache`, renderers other than jinja, yaml and json.
//!
//! ```
//! use std::sync::Arc;
//! use salt_pillar::{NoFunctions, PillarConfig, PillarRequest, compile};
//!
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("top.sls"), "base:\n  'web*':\n    - web\n").unwrap();
//! std::fs::write(dir.path().join("web.sls"), "port: {{ 80 if grains.os == 'Debian' else 8080 }}\n").unwrap();
//!
//! let mut cfg = PillarConfig::default();
//! cfg.pillar_roots.insert("base".into(), vec![dir.path().to_owned()]);
//! let grains = serde_json::json!({"os": "Debian"});
//! let req = PillarRequest::new("web1", grains.as_object().unwrap(), Arc::new(NoFunctions));
//! let pillar = compile(&cfg, &req).unwrap();
//! assert_eq!(pillar["port"], 80);
//! ```

#![forbid(unsafe_code)]
// RenderError (inside Problem) is a plain struct of owned fields; errors are
// rare, so its size in `Result` costs nothing worth a Box.
#![allow(clippy::result_large_err)]

mod error;
mod host;
mod roots;
mod sls;
mod top;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use indexmap::IndexMap;
use salt_render::data::Strategy;
use serde_json::{Map, Value};

pub use error::{PillarError, Problem};
pub use host::{Functions, NoFunctions};
pub use roots::Roots;

/// The master options pillar compilation reads, with Salt's names and
/// defaults.
#[derive(Debug, Clone)]
pub struct PillarConfig {
    /// `pillar_roots`: environment -> directories, searched in order.
    /// Default `{base: [/srv/pillar]}`. `__env__` stands for the
    /// environment asked for.
    pub pillar_roots: IndexMap<String, Vec<PathBuf>>,
    /// `state_top`: the top file's name in each environment (`top.sls`;
    /// a `salt://` or `/` prefix is dropped).
    pub state_top: String,
    /// `renderer`: the pipe for files without a `#!` line (`jinja|yaml`).
    pub renderer: String,
    /// `pillar_source_merging_strategy`: `smart` (default), `recurse`,
    /// `aggregate`, `overwrite`, `list` or `none` (which also reads only
    /// the top file of the minion's saltenv, `base` by default).
    pub merge_strategy: String,
    /// `pillar_merge_lists`: lists merge instead of being replaced.
    pub merge_lists: bool,
    /// `pillar_includes_override_sls`: included files win over the
    /// including one.
    pub includes_override_sls: bool,
    /// `pillar_safe_render_error` (default true): render errors reach the
    /// minion only as "Rendering SLS 'x' failed. Please see master log for
    /// details.".
    pub safe_render_error: bool,
    /// `pillarenv`: the only environment to read, unless the minion asks
    /// for one.
    pub pillarenv: Option<String>,
    /// `pillarenv_from_saltenv`: a minion's saltenv is its pillarenv.
    pub pillarenv_from_saltenv: bool,
    /// `nodegroups`, for `match: nodegroup` and `N@` targets.
    pub nodegroups: IndexMap<String, Value>,
    /// What templates see as `opts` (the master's options); `id`,
    /// `grains`, `saltenv` and `pillarenv` are set per minion.
    pub opts: Map<String, Value>,
}

impl Default for PillarConfig {
    fn default() -> Self {
        PillarConfig {
            pillar_roots: IndexMap::from([("base".to_owned(), vec![PathBuf::from("/srv/pillar")])]),
            state_top: "top.sls".to_owned(),
            renderer: "jinja|yaml".to_owned(),
            merge_strategy: "smart".to_owned(),
            merge_lists: false,
            includes_override_sls: false,
            safe_render_error: true,
            pillarenv: None,
            pillarenv_from_saltenv: false,
            nodegroups: IndexMap::new(),
            opts: Map::new(),
        }
    }
}

/// One minion's request: who it is and what it asked for.
#[derive(Clone)]
pub struct PillarRequest<'a> {
    /// The minion id (top targets match it; `grains.id` is set to it, as
    /// Salt's master does).
    pub id: &'a str,
    /// The minion's grains.
    pub grains: &'a Map<String, Value>,
    /// The minion's `saltenv`, if it set one.
    pub saltenv: Option<&'a str>,
    /// The `pillarenv` asked for (minion config or `pillarenv=`).
    pub pillarenv: Option<&'a str>,
    /// `pillar='{...}'` from the command line: merged first and again
    /// last, so it wins.
    pub overrides: Option<&'a Map<String, Value>>,
    /// What `salt['mod.fun']` reaches in pillar templates.
    pub functions: Arc<dyn Functions>,
}

impl<'a> PillarRequest<'a> {
    /// A request with no saltenv, pillarenv or overrides.
    pub fn new(id: &'a str, grains: &'a Map<String, Value>, functions: Arc<dyn Functions>) -> Self {
        PillarRequest {
            id,
            grains,
            saltenv: None,
            pillarenv: None,
            overrides: None,
            functions,
        }
    }
}

/// What Salt itself would return: the pillar as far as it compiled, with
/// `_errors` when something failed, and the problems behind them.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// Salt's pillar, `_errors` included (Salt's `compile_pillar()`).
    pub pillar: Map<String, Value>,
    /// Every problem, in Salt's order of `_errors`.
    pub problems: Vec<Problem>,
}

/// Compiles the pillar of one minion. `Err` whenever Salt would have put
/// `_errors` into it: no partial pillar leaves this function.
pub fn compile(
    cfg: &PillarConfig,
    req: &PillarRequest<'_>,
) -> Result<Map<String, Value>, PillarError> {
    let c = compile_all(cfg, req);
    if c.problems.is_empty() {
        Ok(c.pillar)
    } else {
        Err(PillarError {
            problems: c.problems,
            safe_render_error: cfg.safe_render_error,
        })
    }
}

/// Compiles the pillar of one minion the way Salt's `Pillar.compile_pillar`
/// does, errors and all.
pub fn compile_all(cfg: &PillarConfig, req: &PillarRequest<'_>) -> Compiled {
    // Salt's Pillar.__init__ and __gen_opts.
    let pillarenv: Option<String> = match req.pillarenv {
        Some(p) => Some(p.to_owned()),
        None if cfg.pillarenv_from_saltenv => req.saltenv.map(str::to_owned),
        None => cfg.pillarenv.clone(),
    };
    let saltenv: Option<String> = req.saltenv.map(str::to_owned).or_else(|| {
        cfg.opts
            .get("saltenv")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let env_for_placeholder = pillarenv
        .clone()
        .or_else(|| saltenv.clone())
        .unwrap_or_else(|| "base".to_owned());
    let roots = Arc::new(Roots::new(&cfg.pillar_roots, &env_for_placeholder));

    let mut grains = req.grains.clone();
    grains.insert("id".into(), Value::String(req.id.to_owned()));
    let grains = Value::Object(grains);
    let mut opts = cfg.opts.clone();
    opts.insert("id".into(), Value::String(req.id.to_owned()));
    opts.insert("minion_id".into(), Value::String(req.id.to_owned()));
    opts.insert("grains".into(), grains.clone());
    opts.insert(
        "saltenv".into(),
        saltenv.clone().map_or(Value::Null, Value::String),
    );
    opts.insert(
        "pillarenv".into(),
        pillarenv.clone().map_or(Value::Null, Value::String),
    );
    opts.insert("renderer".into(), Value::String(cfg.renderer.clone()));

    // `_get_envs`: base, then the configured environments.
    let mut envs = vec!["base".to_owned()];
    envs.extend(
        roots
            .env_names()
            .filter(|e| *e != "base")
            .map(str::to_owned),
    );
    let avail: IndexMap<String, Vec<String>> = envs
        .iter()
        .map(|e| (e.clone(), roots.list_states(e)))
        .collect();

    let host: Arc<dyn salt_render::Host> = Arc::new(host::PillarHost {
        roots: roots.clone(),
        functions: req.functions.clone(),
    });
    let mut compiler = Compiler {
        cfg,
        roots: roots.clone(),
        host,
        grains,
        opts: Value::Object(opts),
        avail,
        ignored: HashMap::new(),
        strategy: Strategy::from_name(&cfg.merge_strategy, &cfg.renderer),
    };

    // get_tops: which environments' top files are read.
    let top_envs: Vec<String> = match &pillarenv {
        Some(p) => {
            if roots.env_names().any(|e| e == p) {
                vec![p.clone()]
            } else {
                tracing::debug!(pillarenv = %p, "pillarenv not found in pillar_roots");
                Vec::new()
            }
        }
        None if cfg.merge_strategy == "none" => {
            let only = req.saltenv.unwrap_or("base");
            envs.iter().filter(|e| *e == only).cloned().collect()
        }
        None => envs.clone(),
    };
    let mut top_problems = Vec::new();
    let tops = compiler.get_tops(&top_envs, &mut top_problems);
    let top = match top::merge_tops(&tops) {
        Ok((top, ignored)) => {
            compiler.ignored = ignored;
            top
        }
        Err(reason) => {
            top_problems.push(Problem::TopMalformed { reason });
            IndexMap::new()
        }
    };

    let facts = salt_target::Facts {
        id: req.id,
        grains: &compiler.grains,
        // The master has no pillar while compiling one: `match: pillar`
        // in a pillar top file matches nothing, as in Salt.
        pillar: None,
    };
    let matches = match top::top_matches(&top, pillarenv.as_deref(), &cfg.nodegroups, &facts) {
        Ok(m) => m,
        Err(p) => {
            top_problems.push(p);
            IndexMap::new()
        }
    };

    let overrides = req.overrides.cloned().unwrap_or_default();
    let mut problems = Vec::new();
    let mut pillar = compiler.render_pillar(&matches, overrides.clone(), &mut problems);
    // Salt merges the overrides again in its ext_pillar step and once more
    // after adding `_errors`.
    if !overrides.is_empty() {
        pillar = compiler.merge(&pillar, &overrides);
    }
    problems.extend(top_problems);
    if !problems.is_empty() {
        let errors = problems
            .iter()
            .map(|p| Value::String(p.salt_message(cfg.safe_render_error)))
            .collect();
        pillar.insert("_errors".into(), Value::Array(errors));
    }
    if !overrides.is_empty() {
        pillar = compiler.merge(&pillar, &overrides);
    }
    for p in &problems {
        tracing::error!(minion = %req.id, "Pillar render error: {p}");
    }
    Compiled { pillar, problems }
}

/// The state of one compilation.
pub(crate) struct Compiler<'a> {
    pub(crate) cfg: &'a PillarConfig,
    pub(crate) roots: Arc<Roots>,
    pub(crate) host: Arc<dyn salt_render::Host>,
    pub(crate) grains: Value,
    pub(crate) opts: Value,
    /// SLS names per environment (`_get_envs` order).
    pub(crate) avail: IndexMap<String, Vec<String>>,
    /// SLS names whose missing file is no error (`ignore_missing`).
    pub(crate) ignored: HashMap<String, Vec<String>>,
    pub(crate) strategy: Strategy,
}
