//! `state.*`: apply SLS files and the highstate, and show what they compile
//! to. The work is in `crate::highstate`; these are the argument structs.
//!
//! As in Salt, only one state run (apply, sls, highstate, single, sls_id,
//! test) runs at a time on a minion: a second one is refused with Salt's
//! message, or waits for the first with `queue=True`.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::highstate::{self, EX_STATE_COMPILER_ERROR, Job, RunArgs};
use crate::{Ctx, ExecError, ExecFn, Ret};

/// The keywords every state run takes (each function's struct spells
/// them out, so the registry's binder knows every accepted keyword).
#[derive(Debug, Default)]
struct Common {
    test: Option<bool>,
    pillar: Option<Value>,
    saltenv: Option<String>,
    pillarenv: Option<String>,
    exclude: Option<Value>,
    queue: bool,
}

impl Common {
    fn args(&self) -> Result<RunArgs, ExecError> {
        let pillar = match &self.pillar {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => Some(m.clone()),
            Some(_) => {
                return Err(ExecError::invocation(
                    "Pillar data must be formatted as a dictionary, unless pillar_enc is specified.",
                ));
            }
        };
        let exclude = match &self.exclude {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => split(s).into_iter().map(Value::from).collect(),
            Some(Value::Array(v)) => v.clone(),
            Some(other) => vec![other.clone()],
        };
        Ok(RunArgs {
            test: self.test,
            pillar,
            saltenv: self.saltenv.clone(),
            pillarenv: self.pillarenv.clone(),
            exclude,
        })
    }
}

/// Salt's `split_input`: a comma-separated string or a list.
fn split(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

fn mods_of(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => split(s),
        Value::Array(a) => a
            .iter()
            .map(|x| match x {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        Value::Null => Vec::new(),
        other => vec![other.to_string()],
    }
}

/// `state.apply` and `state.test`: the highstate without mods, else the
/// named SLS files.
fn apply_job(mods: &Value) -> Job {
    let mods = mods_of(mods);
    if mods.is_empty() {
        Job::Highstate
    } else {
        Job::Sls(mods)
    }
}

/// Salt's conflict check: another state run on this minion refuses this
/// one, unless `queue` makes it wait.
async fn wait_for_others(cx: &Ctx, queue: bool) -> Result<(), Ret<Value>> {
    loop {
        let other = cx
            .jobs
            .running()
            .into_iter()
            .find(|j| Some(j.jid) != cx.jid && RUNS.contains(&j.fun.as_str()));
        let Some(j) = other else { return Ok(()) };
        if !queue {
            return Err(Ret {
                value: Value::Array(vec![Value::from(format!(
                    "The function \"{}\" is running as PID {} and was started at {} with jid {}",
                    j.fun,
                    j.pid,
                    j.jid.start_time_text().unwrap_or_default(),
                    j.jid
                ))]),
                retcode: EX_STATE_COMPILER_ERROR,
            });
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            _ = cx.cancel.cancelled() => return Ok(()),
        }
    }
}

/// The functions that run states (and so exclude each other).
const RUNS: &[&str] = &[
    "state.apply",
    "state.highstate",
    "state.single",
    "state.sls",
    "state.sls_id",
    "state.test",
];

async fn run(
    cx: &Ctx,
    job: Job,
    common: &Common,
    exclusive: bool,
) -> Result<Ret<Value>, ExecError> {
    let args = common.args()?;
    if exclusive && let Err(r) = wait_for_others(cx, common.queue).await {
        return Ok(r);
    }
    highstate::run(cx, job, args).await
}

macro_rules! state_fns {
    ($(
        $(#[$doc:meta])* $name:ident { $($field:ident : $ty:ty),* $(,)? }
        positional = [$($pos:literal),*], required = $req:literal, doc = $text:literal,
        |$s:ident| $job:expr, exclusive = $ex:literal;
    )*) => {$(
        $(#[$doc])*
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $(#[serde(default)] $field: $ty,)*
            #[serde(default)]
            test: Option<bool>,
            #[serde(default)]
            pillar: Option<Value>,
            #[serde(default)]
            saltenv: Option<String>,
            #[serde(default)]
            pillarenv: Option<String>,
            #[serde(default)]
            exclude: Option<Value>,
            #[serde(default)]
            queue: bool,
        }

        impl ExecFn for $name {
            const POSITIONAL: &'static [&'static str] = &[$($pos),*];
            const REQUIRED: usize = $req;
            const DOC: &'static str = $text;
            type Output = Ret<Value>;

            async fn call(self, cx: &Ctx) -> Result<Ret<Value>, ExecError> {
                let job = {
                    let $s = &self;
                    $job
                };
                let common = Common {
                    test: self.test,
                    pillar: self.pillar,
                    saltenv: self.saltenv,
                    pillarenv: self.pillarenv,
                    exclude: self.exclude,
                    queue: self.queue,
                };
                run(cx, job, &common, $ex).await
            }
        }
    )*};
}

state_fns! {
    /// `state.apply [mods] [test=True] [pillar={...}] [saltenv=...] [exclude=...]`
    Apply { mods: Value }
    positional = ["mods"], required = 0,
    doc = "Apply the highstate (no mods) or the named SLS files (comma-separated or a list). test=True only reports what would change; pillar='{\"k\": \"v\"}' overrides pillar; saltenv picks the environment; exclude leaves out SLS or IDs; queue=True waits for another state run instead of refusing.\n\nCLI Example:\n\n    salt '*' state.apply\n    salt '*' state.apply web,db test=True\n",
    |s| apply_job(&s.mods),
    exclusive = true;

    /// `state.sls mods [test=True] ...`
    Sls { mods: Value }
    positional = ["mods"], required = 1,
    doc = "Apply the named SLS files (comma-separated or a list) from saltenv (default base).\n\nCLI Example:\n\n    salt '*' state.sls core,edit.vim test=True\n",
    |s| Job::Sls(mods_of(&s.mods)),
    exclusive = true;

    /// `state.highstate [test=True] ...`
    Highstate {}
    positional = [], required = 0,
    doc = "Apply every SLS the top file assigns to this minion.\n\nCLI Example:\n\n    salt '*' state.highstate test=True\n",
    |_s| Job::Highstate,
    exclusive = true;

    /// `state.test [mods]`: `state.apply test=True`
    Test { mods: Value }
    positional = ["mods"], required = 0,
    doc = "state.apply with test=True: report what would change, change nothing.\n\nCLI Example:\n\n    salt '*' state.test web\n",
    |s| apply_job(&s.mods),
    exclusive = true;

    /// `state.show_sls mods`
    ShowSls { mods: Value }
    positional = ["mods"], required = 1,
    doc = "Show the high data the named SLS files render to (with their includes), or the render errors.\n\nCLI Example:\n\n    salt '*' state.show_sls core,edit.vim\n",
    |s| Job::ShowSls(mods_of(&s.mods)),
    exclusive = false;

    /// `state.show_low_sls mods`
    ShowLowSls { mods: Value }
    positional = ["mods"], required = 1,
    doc = "Show the low chunks of the named SLS files (without extend, requisite-ins and excludes, as Salt shows them).\n\nCLI Example:\n\n    salt '*' state.show_low_sls web\n",
    |s| Job::ShowLowSls(mods_of(&s.mods)),
    exclusive = false;

    /// `state.show_highstate`
    ShowHighstate {}
    positional = [], required = 0,
    doc = "Show the high data of this minion's highstate.\n\nCLI Example:\n\n    salt '*' state.show_highstate\n",
    |_s| Job::ShowHighstate,
    exclusive = false;

    /// `state.show_lowstate`
    ShowLowstate {}
    positional = [], required = 0,
    doc = "Show the low chunks of this minion's highstate, in run order.\n\nCLI Example:\n\n    salt '*' state.show_lowstate\n",
    |_s| Job::ShowLowstate,
    exclusive = false;

    /// `state.show_top`
    ShowTop {}
    positional = [], required = 0,
    doc = "Show the SLS names the top file assigns to this minion, per saltenv.\n\nCLI Example:\n\n    salt '*' state.show_top\n",
    |_s| Job::ShowTop,
    exclusive = false;

    /// `state.sls_id id mods`
    SlsId { id_: Value, mods: Value }
    positional = ["id_", "mods"], required = 2,
    doc = "Run one state ID from the named SLS files, with whatever its requisites need.\n\nCLI Example:\n\n    salt '*' state.sls_id my_state my_module\n",
    |s| Job::SlsId { id: match &s.id_ { Value::String(x) => x.clone(), other => other.to_string() }, mods: mods_of(&s.mods) },
    exclusive = true;

    /// `state.show_graph [mods]` (salt-rs)
    ShowGraph { mods: Value }
    positional = ["mods"], required = 0,
    doc = "Print the requisite graph of the named SLS files (or the highstate) as Graphviz DOT. A salt-rs addition.\n\nCLI Example:\n\n    salt '*' state.show_graph web --out txt\n",
    |s| Job::ShowGraph(Some(mods_of(&s.mods)).filter(|m| !m.is_empty())),
    exclusive = false;
}

/// `state.single mod.fun name key=value...`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Single {
    fun: String,
    name: String,
    #[serde(default)]
    test: Option<bool>,
    #[serde(default)]
    pillar: Option<Value>,
    #[serde(default)]
    saltenv: Option<String>,
    #[serde(default)]
    queue: bool,
    kwargs: Map<String, Value>,
}

impl ExecFn for Single {
    const POSITIONAL: &'static [&'static str] = &["fun", "name"];
    const REQUIRED: usize = 2;
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Run one state function without an SLS file; the other key=value arguments are the state's.\n\nCLI Example:\n\n    salt '*' state.single pkg.installed name=vim\n";
    type Output = Ret<Value>;

    async fn call(self, cx: &Ctx) -> Result<Ret<Value>, ExecError> {
        let common = Common {
            test: self.test,
            pillar: self.pillar,
            saltenv: self.saltenv,
            queue: self.queue,
            ..Common::default()
        };
        let job = Job::Single {
            fun: self.fun,
            name: self.name,
            kwargs: self.kwargs,
        };
        run(cx, job, &common, true).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mods_are_split_like_salt() {
        assert_eq!(mods_of(&Value::from("a, b,c")), vec!["a", "b", "c"]);
        assert_eq!(mods_of(&serde_json::json!(["x", 1])), vec!["x", "1"]);
        assert!(mods_of(&Value::Null).is_empty());
    }
}
