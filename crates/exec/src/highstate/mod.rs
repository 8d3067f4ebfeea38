//! What the `state.*` execution functions do: gather a fresh pillar (the
//! master compiles it, or `pillar_roots` for `--local`), render the SLS and
//! top files through the file client ([`source::Files`]), compile them
//! with salt-state and run the chunks with this registry as the host
//! ([`host::StateExec`]). Returns and retcodes are Salt's: a result map and
//! 0, or 2 when a state failed (`EX_STATE_FAILURE`); a list of errors and
//! 1 when rendering or compiling failed (`EX_STATE_COMPILER_ERROR`); 5 when
//! the pillar failed to render (`EX_PILLAR_FAILURE`).
//!
//! Rendering, compiling and running are synchronous; they run on a blocking
//! thread, which drives the async calls they make (file fetches, `cmd.*`)
//! on the job's runtime.

pub mod host;
pub mod source;

use std::sync::Arc;

use serde_json::{Map, Value, json};
use tokio::runtime::Handle;

use salt_state::top::{ShowTop, TopOptions};
use salt_state::{CompileErrors, HighData, LowChunk, RunOptions, SlsCompiler};

use crate::registry::truthy;
use crate::{Ctx, ExecError, FreshPillar, Ret};

/// Salt's exit codes for state runs.
pub const EX_STATE_COMPILER_ERROR: i32 = 1;
pub const EX_STATE_FAILURE: i32 = 2;
pub const EX_PILLAR_FAILURE: i32 = 5;

/// The options every state function takes.
#[derive(Debug, Clone, Default)]
pub struct RunArgs {
    /// `test=True`: only plan. `None`: the minion's `test` option.
    pub test: Option<bool>,
    /// `pillar='{...}'`: merged over the compiled pillar.
    pub pillar: Option<Map<String, Value>>,
    pub saltenv: Option<String>,
    pub pillarenv: Option<String>,
    /// `exclude=`: SLS names or IDs left out (`state.sls`, `highstate`).
    pub exclude: Vec<Value>,
}

/// What to do.
#[derive(Debug, Clone)]
pub enum Job {
    Sls(Vec<String>),
    Highstate,
    ShowSls(Vec<String>),
    ShowLowSls(Vec<String>),
    ShowHighstate,
    ShowLowstate,
    ShowTop,
    /// `state.sls_id id mods`
    SlsId {
        id: String,
        mods: Vec<String>,
    },
    /// `state.single mod.fun name key=value...`
    Single {
        fun: String,
        name: String,
        kwargs: Map<String, Value>,
    },
    /// `state.show_graph [mods]`: the requisite graph as DOT (salt-rs).
    ShowGraph(Option<Vec<String>>),
}

/// Runs `job` for `cx`.
pub async fn run(cx: &Ctx, job: Job, args: RunArgs) -> Result<Ret<Value>, ExecError> {
    let pillar = match gather_pillar(cx, &args).await {
        Ok(p) => p,
        Err(e) => return Err(ExecError::Command(e)),
    };
    if let Some(errors) = pillar.get("_errors").and_then(Value::as_array) {
        // The show_* functions raise (CommandExecutionError), the others
        // return the messages with retcode 5.
        if job.shows() {
            return Err(ExecError::Command(pillar_failed(errors)));
        }
        let mut out = vec![Value::from(
            "Pillar failed to render with the following messages:",
        )];
        out.extend(errors.iter().cloned());
        return Ok(Ret {
            value: Value::Array(out),
            retcode: EX_PILLAR_FAILURE,
        });
    }
    let Some(client) = cx.files.clone() else {
        return Err(ExecError::Command(
            "no file server is available here (no file_roots for a masterless call and no master link)"
                .into(),
        ));
    };
    let mut cx = cx.clone();
    cx.pillar = Arc::new(pillar);
    let rt = Handle::current();
    let test = args
        .test
        .unwrap_or_else(|| cx.opts.get("test").is_some_and(truthy));
    tokio::task::spawn_blocking(move || {
        let host: Arc<dyn salt_render::Host> =
            Arc::new(crate::host::ExecHost::with_handle(cx.clone(), rt.clone()));
        let saltenv = args.saltenv.clone().unwrap_or_else(|| "base".into());
        let mut opts = (*cx.opts).clone();
        opts.insert("saltenv".into(), Value::from(saltenv.clone()));
        opts.insert("test".into(), Value::Bool(test));
        let files = source::Files {
            client,
            rt: rt.clone(),
            host,
            grains: Value::Object((*cx.grains).clone()),
            pillar: Value::Object((*cx.pillar).clone()),
            opts: Value::Object(opts),
            state_top: cx
                .opts
                .get("state_top")
                .and_then(Value::as_str)
                .unwrap_or("top.sls")
                .to_owned(),
        };
        let run = StateRun {
            files,
            exec: host::StateExec::new(cx.clone(), rt),
            cx,
            saltenv,
            test,
            exclude: args.exclude,
            explicit_saltenv: args.saltenv.is_some(),
        };
        run.job(job)
    })
    .await
    .map_err(|e| ExecError::Command(format!("the state run stopped: {e}")))
}

impl Job {
    /// Whether this only shows data (Salt's `show_*` functions).
    fn shows(&self) -> bool {
        match self {
            Job::ShowSls(_)
            | Job::ShowLowSls(_)
            | Job::ShowHighstate
            | Job::ShowLowstate
            | Job::ShowTop
            | Job::ShowGraph(_) => true,
            Job::Sls(_) | Job::Highstate | Job::SlsId { .. } | Job::Single { .. } => false,
        }
    }
}

/// Salt's `CommandExecutionError("Pillar failed to render", info=errors)`
/// as text: the errors as the nested outputter lists them.
fn pillar_failed(errors: &[Value]) -> String {
    let mut text = String::from("Pillar failed to render. Additional info follows:\n");
    for e in errors {
        let e = e
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| e.to_string());
        for (i, line) in e.lines().enumerate() {
            text.push('\n');
            text.push_str(if i == 0 { "- " } else { "  " });
            text.push_str(line);
        }
    }
    text
}

/// A fresh pillar for the run (Salt gathers one at every state run), with
/// the `pillar=` override merged over it.
async fn gather_pillar(cx: &Ctx, args: &RunArgs) -> Result<Map<String, Value>, String> {
    match &cx.pillar_source {
        Some(source) => {
            source
                .fresh(FreshPillar {
                    overrides: args.pillar.clone(),
                    pillarenv: args.pillarenv.clone(),
                    saltenv: args.saltenv.clone(),
                })
                .await
        }
        None => {
            let p = (*cx.pillar).clone();
            Ok(match &args.pillar {
                Some(o) => {
                    salt_render::data::merge(&p, o, salt_render::data::Strategy::Recurse, false)
                }
                None => p,
            })
        }
    }
}

/// One run's pieces.
struct StateRun {
    files: source::Files,
    exec: host::StateExec,
    cx: Ctx,
    saltenv: String,
    test: bool,
    exclude: Vec<Value>,
    explicit_saltenv: bool,
}

fn errors(e: CompileErrors) -> Ret<Value> {
    Ret {
        value: json!(e.to_strings()),
        retcode: EX_STATE_COMPILER_ERROR,
    }
}

fn list(v: Vec<String>) -> Ret<Value> {
    Ret {
        value: json!(v),
        retcode: EX_STATE_COMPILER_ERROR,
    }
}

fn ok(value: Value) -> Ret<Value> {
    Ret { value, retcode: 0 }
}

impl StateRun {
    fn job(&self, job: Job) -> Ret<Value> {
        match job {
            Job::Sls(mods) => match self.sls_high(&mods) {
                Ok(high) => self.run_high(high),
                Err(e) => errors(e),
            },
            Job::Highstate => match self.top_matches() {
                Err(r) => r,
                Ok(None) => self.no_states(
                    "No Top file or master_tops data matches found. Please see master log for details.",
                ),
                Ok(Some(matches)) => {
                    let (high, errs) = self.compiler().render_highstate(&matches);
                    if !errs.is_empty() {
                        return errors(errs.into());
                    }
                    self.run_high(high)
                }
            },
            Job::ShowSls(mods) => match self.compiler().show_sls(&self.saltenv, &mods) {
                Ok(high) => ok(high.into_value()),
                Err(e) => errors(e),
            },
            Job::ShowLowSls(mods) => match self.compiler().show_sls(&self.saltenv, &mods) {
                Ok(high) => match salt_state::compile_low_sls(&high) {
                    Ok(chunks) => ok(chunks_value(chunks)),
                    Err(e) => errors(e),
                },
                Err(e) => errors(e),
            },
            // Salt's `compile_highstate`: `{}` when the top file matches
            // nothing (a failed result for `_set_retcode`).
            Job::ShowHighstate => match self.highstate_rendered() {
                Ok(None) => Ret {
                    value: json!({}),
                    retcode: EX_STATE_FAILURE,
                },
                Ok(Some((_, errs))) if !errs.is_empty() => errors(errs.into()),
                Ok(Some((high, _))) => ok(high.into_value()),
                Err(r) => r,
            },
            // Salt's `compile_low_chunks`: every error of every step, and
            // no retcode for them (salt-call exits 0).
            Job::ShowLowstate => match self.highstate_rendered() {
                Ok(None) => ok(json!([])),
                Ok(Some((high, errs))) => match salt_state::compile_low_chunks(high, errs) {
                    Ok(chunks) => ok(chunks_value(chunks)),
                    Err(e) => ok(json!(e.to_strings())),
                },
                Err(r) => r,
            },
            Job::ShowTop => match self.show_top() {
                Ok(ShowTop::Matches(m)) => ok(json!(m)),
                Ok(ShowTop::Errors(e)) => list(e),
                Err(e) => list(vec![e]),
            },
            Job::SlsId { id, mods } => match self.sls_high(&mods) {
                Ok(high) => match salt_state::compile(high) {
                    Ok(c) => {
                        let running = salt_state::run_chunks_with_id(
                            c.chunks,
                            &id,
                            &self.run_options(),
                            &self.exec,
                        );
                        if running.is_empty() {
                            return list(vec![format!(
                                "No matches for ID '{id}' found in SLS '{}' within saltenv '{}'",
                                mods.join(","),
                                self.saltenv
                            )]);
                        }
                        self.finish(running, Some(&c.high))
                    }
                    Err(e) => errors(e),
                },
                Err(e) => errors(e),
            },
            Job::Single { fun, name, kwargs } => self.single(&fun, &name, kwargs),
            Job::ShowGraph(mods) => {
                let high = match mods {
                    Some(m) => self.sls_high(&m).map_err(errors),
                    None => self.highstate_high(),
                };
                match high.map(salt_state::compile) {
                    Ok(Ok(c)) => ok(Value::String(salt_state::graph::to_dot(&c.chunks))),
                    Ok(Err(e)) => errors(e),
                    Err(r) => r,
                }
            }
        }
    }

    fn compiler(&self) -> SlsCompiler<'_> {
        SlsCompiler::new(&self.files)
    }

    fn run_options(&self) -> RunOptions {
        RunOptions {
            test: self.test,
            failhard: self.cx.opts.get("failhard").is_some_and(truthy),
            utc_offset_seconds: None,
        }
    }

    /// The high data of `mods` with `exclude=` added.
    fn sls_high(&self, mods: &[String]) -> Result<HighData, CompileErrors> {
        let (mut high, errs) = self
            .compiler()
            .render_highstate(&[(self.saltenv.clone(), mods.to_vec())]);
        if !errs.is_empty() {
            return Err(errs.into());
        }
        self.add_exclude(&mut high);
        Ok(high)
    }

    fn add_exclude(&self, high: &mut HighData) {
        if self.exclude.is_empty() {
            return;
        }
        let m = high.as_map_mut();
        let entry = m
            .entry("__exclude__")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(v) = entry {
            v.extend(self.exclude.iter().cloned());
        }
    }

    fn top_options(&self) -> TopOptions {
        let mut o = TopOptions::default();
        if self.explicit_saltenv {
            o.saltenv = Some(self.saltenv.clone());
        }
        if let Some(s) = self
            .cx
            .opts
            .get("top_file_merging_strategy")
            .and_then(Value::as_str)
        {
            o.merging_strategy = s.to_owned();
        }
        o
    }

    fn show_top(&self) -> Result<ShowTop, String> {
        let grains = Value::Object((*self.cx.grains).clone());
        let pillar = Value::Object((*self.cx.pillar).clone());
        let facts = salt_target::Facts {
            id: self.cx.id.as_str(),
            grains: &grains,
            pillar: Some(&pillar),
        };
        salt_state::top::show_top(&self.top_options(), &self.files, &facts)
            .map_err(|e| e.to_string())
    }

    /// The top file's SLS names per saltenv: `None` when nothing matches.
    #[allow(clippy::type_complexity)]
    fn top_matches(&self) -> Result<Option<Vec<(String, Vec<String>)>>, Ret<Value>> {
        match self.show_top() {
            Ok(ShowTop::Matches(m)) if m.values().all(Vec::is_empty) => Ok(None),
            Ok(ShowTop::Matches(m)) => Ok(Some(m.into_iter().collect())),
            Ok(ShowTop::Errors(e)) => Err(list(e)),
            Err(e) => Err(self.no_states(&format!("Unable to render top file: {e}"))),
        }
    }

    /// The highstate's high data (with `exclude=`) and its render errors;
    /// `None` when the top file matches nothing.
    #[allow(clippy::type_complexity)]
    fn highstate_rendered(
        &self,
    ) -> Result<Option<(HighData, Vec<salt_state::CompileError>)>, Ret<Value>> {
        let Some(matches) = self.top_matches()? else {
            return Ok(None);
        };
        let (mut high, errs) = self.compiler().render_highstate(&matches);
        self.add_exclude(&mut high);
        Ok(Some((high, errs)))
    }

    fn highstate_high(&self) -> Result<HighData, Ret<Value>> {
        let Some(matches) = self.top_matches()? else {
            return Err(list(vec![
                "No Top file or master_tops data matches found. Please see master log for details."
                    .into(),
            ]));
        };
        let (mut high, errs) = self.compiler().render_highstate(&matches);
        if !errs.is_empty() {
            return Err(errors(errs.into()));
        }
        self.add_exclude(&mut high);
        Ok(high)
    }

    /// Salt's answer when a highstate finds nothing to do.
    fn no_states(&self, comment: &str) -> Ret<Value> {
        Ret {
            value: json!({"no_|-states_|-states_|-None": {
                "result": false,
                "comment": comment,
                "name": "No States",
                "changes": {},
                "__run_num__": 0,
            }}),
            retcode: EX_STATE_FAILURE,
        }
    }

    fn run_high(&self, high: HighData) -> Ret<Value> {
        match salt_state::compile(high) {
            Ok(c) => {
                let running = salt_state::run_chunks(c.chunks, &self.run_options(), &self.exec);
                self.finish(running, Some(&c.high))
            }
            Err(e) => errors(e),
        }
    }

    fn finish(&self, running: salt_state::Running, high: Option<&HighData>) -> Ret<Value> {
        let ok = salt_state::run_succeeded(&running, high);
        let value = Value::Object(
            running
                .into_iter()
                .map(|(k, v)| (k, Value::Object(v)))
                .collect(),
        );
        Ret {
            value,
            retcode: if ok { 0 } else { EX_STATE_FAILURE },
        }
    }

    /// `state.single`: one state, no SLS file.
    fn single(&self, fun: &str, name: &str, kwargs: Map<String, Value>) -> Ret<Value> {
        let Some((module, function)) = fun.split_once('.') else {
            return list(vec![format!(
                "Invalid function passed: {fun}; use module.function (e.g. file.managed)"
            )]);
        };
        let mut args = vec![Value::from(function)];
        for (k, v) in kwargs {
            let mut one = Map::new();
            one.insert(k, v);
            args.push(Value::Object(one));
        }
        let mut body = Map::new();
        body.insert(module.to_owned(), Value::Array(args));
        body.insert("__env__".into(), Value::from(self.saltenv.clone()));
        body.insert("__sls__".into(), Value::Null);
        let mut high = Map::new();
        high.insert(name.to_owned(), Value::Object(body));
        self.run_high(HighData::from_map(high))
    }
}

fn chunks_value(chunks: Vec<LowChunk>) -> Value {
    Value::Array(
        chunks
            .into_iter()
            .map(|c| Value::Object(c.into_map()))
            .collect(),
    )
}
