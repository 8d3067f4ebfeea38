//! Running low chunks in order with Salt's requisite semantics (Salt's
//! `call_chunks`, `call_chunk`, `check_requisite`, `call`, `call_listen`).
//!
//! Chunks run in their compiled order; a chunk whose requisites have not
//! run yet pulls them in first (depth first), so the result map's order is
//! the order things actually ran, and `__run_num__` counts every call.
//! `prereq` targets are first run in test mode into a side table (`pre`)
//! to learn whether they would change. `listen` fires its `mod_watch` calls
//! after everything else. The results are Salt's dicts, key order included.
//!
//! Submodules: `requisite.rs` evaluates a chunk's requisites, `chunk.rs`
//! decides what to do with a chunk, `call.rs` calls one state function
//! (argument checks, conditions, retry), `conditions.rs` runs `onlyif`,
//! `unless`, `creates` and `check_cmd`, `listen.rs` the listeners,
//! `retcode.rs` the overall verdict.

mod call;
mod chunk;
mod conditions;
mod listen;
mod requisite;
mod retcode;

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::LowChunk;
use crate::compiler::{Compiled, HighData, compile};
use crate::error::CompileErrors;
use crate::module::{Exec, Running};

pub(crate) use requisite::requisite_targets;
pub use retcode::run_succeeded;

/// Options of a run (Salt's `test` and `failhard` options).
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// `test=True`: every state only plans.
    pub test: bool,
    /// The minion's `failhard` option: stop at the first failure.
    pub failhard: bool,
    /// The local time's offset from UTC for `start_time`, when known
    /// (take it before threads start); else the time crate is asked.
    pub utc_offset_seconds: Option<i32>,
}

/// Compiles `high` and runs it (Salt's `call_high`): the result map by tag,
/// or the compile errors.
pub fn run_high(
    high: HighData,
    opts: &RunOptions,
    exec: &dyn Exec,
) -> Result<Running, CompileErrors> {
    let Compiled { chunks, .. } = compile(high)?;
    Ok(run_chunks(chunks, opts, exec))
}

/// How many requisites may be pulled in inside each other before the
/// innermost state fails (Salt stops near 330 with a Python
/// `RecursionError` that aborts the run).
pub const MAX_NESTING: usize = 2000;

/// The stack of the thread a run uses: deep requisite chains recurse.
const RUN_STACK_BYTES: usize = 256 << 20;

/// Runs compiled chunks, then the listeners. The run gets its own thread
/// with a large stack, so the caller's stack size does not matter.
pub fn run_chunks(chunks: Vec<LowChunk>, opts: &RunOptions, exec: &dyn Exec) -> Running {
    on_big_stack(move || {
        let mut r = Runner::new(chunks, opts, exec);
        r.call_chunks();
        r.call_listen();
        r.running
    })
}

/// `state.sls_id`: runs only the chunks whose ID is `id` (with whatever
/// their requisites pull in from `chunks`), as Salt's `call_chunk` on each;
/// no listeners. Empty when no chunk has that ID.
pub fn run_chunks_with_id(
    chunks: Vec<LowChunk>,
    id: &str,
    opts: &RunOptions,
    exec: &dyn Exec,
) -> Running {
    on_big_stack(move || {
        let mut r = Runner::new(chunks, opts, exec);
        for idx in 0..r.chunks.len() {
            if r.chunks[idx]
                .get("__id__")
                .and_then(serde_json::Value::as_str)
                != Some(id)
            {
                continue;
            }
            let tag = r.chunks[idx].tag();
            if !r.running.contains_key(&tag) {
                r.call_chunk(idx, 0);
            }
            r.active.clear();
        }
        r.running
    })
}

/// Runs `run` on a thread with [`RUN_STACK_BYTES`] of stack.
fn on_big_stack<F: FnOnce() -> Running + Send>(run: F) -> Running {
    std::thread::scope(|s| {
        let handle = std::thread::Builder::new()
            .name("salt-state-run".into())
            .stack_size(RUN_STACK_BYTES)
            .spawn_scoped(s, run);
        match handle {
            Ok(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            Err(e) => panic!("cannot start the state run thread: {e}"),
        }
    })
}

/// The run's mutable state: what Salt's `State` object carries.
struct Runner<'a> {
    opts: &'a RunOptions,
    exec: &'a dyn Exec,
    /// The chunks of the current pass; flags like `__prereq__` are set on
    /// them during the run, as in Salt.
    chunks: Vec<LowChunk>,
    running: Running,
    /// Results of `prereq` look-aheads (test mode), by tag.
    pre: Running,
    /// Tags being resolved in the current top-level chunk (cycle check).
    active: HashSet<String>,
    run_num: u64,
    /// Salt's `__FAILHARD__` marker.
    failhard_hit: bool,
    /// `call_chunk` frames on the stack.
    nesting: usize,
    /// Lookup of the current chunks by ID and name.
    index: requisite::TargetIndex,
}

impl<'a> Runner<'a> {
    fn new(chunks: Vec<LowChunk>, opts: &'a RunOptions, exec: &'a dyn Exec) -> Self {
        Self {
            opts,
            exec,
            index: requisite::TargetIndex::new(&chunks),
            chunks,
            running: Running::new(),
            pre: Running::new(),
            active: HashSet::new(),
            run_num: 0,
            failhard_hit: false,
            nesting: 0,
        }
    }

    /// Runs every chunk of the current pass once (Salt's `call_chunks`).
    fn call_chunks(&mut self) {
        for idx in 0..self.chunks.len() {
            if self.failhard_hit {
                self.failhard_hit = false;
                return;
            }
            let tag = self.chunks[idx].tag();
            if !self.running.contains_key(&tag) {
                self.call_chunk(idx, 0);
                if self.check_failhard(idx) {
                    return;
                }
            }
            self.active.clear();
        }
    }

    /// Whether the chunk failed and should stop the run.
    fn check_failhard(&self, idx: usize) -> bool {
        if self.opts.test {
            return false;
        }
        let low = &self.chunks[idx];
        let failhard = match low.get("failhard") {
            Some(v) => crate::value::truthy(v),
            None => self.opts.failhard,
        };
        if !failhard {
            return false;
        }
        match self.running.get(&low.tag()).map(|r| r.get("result")) {
            Some(Some(Value::Null)) | None => false,
            Some(result) => !result.is_some_and(crate::value::truthy),
        }
    }

    fn next_run_num(&mut self) -> u64 {
        let n = self.run_num;
        self.run_num += 1;
        n
    }
}

/// `__sls__`, `__id__`, `name` of a chunk appended to a synthesized result
/// (Salt's `for key in ("__sls__", "__id__", "name")`).
fn add_identity(ret: &mut Map<String, Value>, low: &LowChunk) {
    for key in ["__sls__", "__id__", "name"] {
        ret.insert(key.into(), low.get(key).cloned().unwrap_or(Value::Null));
    }
}

impl Runner<'_> {
    /// A result for a state that was decided without calling it.
    fn synthesized(&self, result: Value, comment: String, run_num: u64) -> Map<String, Value> {
        synthesized(result, comment, run_num, self.opts.utc_offset_seconds)
    }
}

fn synthesized(
    result: Value,
    comment: String,
    run_num: u64,
    offset: Option<i32>,
) -> Map<String, Value> {
    let (start_time, duration) = call::fake_duration(offset);
    let mut ret = Map::new();
    ret.insert("changes".into(), Value::Object(Map::new()));
    ret.insert("result".into(), result);
    ret.insert("duration".into(), duration);
    ret.insert("start_time".into(), start_time);
    ret.insert("comment".into(), Value::String(comment));
    ret.insert("__run_num__".into(), Value::from(run_num));
    ret
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::CallReturn;

    /// Records sleeps; commands `true`/`false` only; no functions.
    #[derive(Default)]
    struct Fake {
        sleeps: Mutex<Vec<Duration>>,
    }

    impl Exec for Fake {
        fn run_cmd(&self, cmd: &str, _opts: &Map<String, Value>) -> Result<i32, String> {
            Ok(i32::from(cmd != "true"))
        }
        fn call(
            &self,
            fun: &str,
            _: &[Value],
            _: &Map<String, Value>,
        ) -> Result<CallReturn, String> {
            Err(format!("'{fun}' is not available."))
        }
        fn sleep(&self, d: Duration) {
            self.sleeps.lock().unwrap().push(d);
        }
    }

    fn run(high: Value, opts: &RunOptions, exec: &Fake) -> Vec<(String, Value, String)> {
        let high = HighData::from_value(high).unwrap();
        let running = run_high(high, opts, exec).unwrap();
        running
            .into_iter()
            .map(|(t, r)| {
                (
                    t,
                    r["result"].clone(),
                    r["comment"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    fn state(fun: &str, extra: Value, order: u64) -> Value {
        let mut args = vec![json!(fun), json!({"order": order})];
        if let Value::Array(more) = extra {
            args.extend(more);
        }
        json!({"test": args, "__sls__": "s", "__env__": "base"})
    }

    #[test]
    fn global_failhard_stops_the_run_unless_the_state_says_otherwise() {
        let high = json!({
            "a": state("fail_without_changes", json!([{"failhard": false}]), 1),
            "b": state("fail_without_changes", json!([]), 2),
            "c": state("nop", json!([]), 3),
        });
        let opts = RunOptions {
            failhard: true,
            ..RunOptions::default()
        };
        let got = run(high.clone(), &opts, &Fake::default());
        let tags: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(
            tags,
            [
                "test_|-a_|-a_|-fail_without_changes",
                "test_|-b_|-b_|-fail_without_changes"
            ]
        );
        // Test mode never stops.
        let opts = RunOptions {
            failhard: true,
            test: true,
            ..RunOptions::default()
        };
        assert_eq!(run(high, &opts, &Fake::default()).len(), 3);
    }

    #[test]
    fn retry_waits_through_exec_between_attempts() {
        let high = json!({"a": state("fail_without_changes", json!([{"retry": {"attempts": 3, "interval": 7}}]), 1)});
        let exec = Fake::default();
        let got = run(high, &RunOptions::default(), &exec);
        assert_eq!(
            *exec.sleeps.lock().unwrap(),
            vec![Duration::from_secs(7); 2]
        );
        assert!(
            got[0]
                .2
                .starts_with("Attempt 1: Returned a result of \"False\""),
            "{}",
            got[0].2
        );
    }

    #[test]
    fn a_failing_condition_function_is_an_exception() {
        let high = json!({"a": state("succeed_with_changes", json!([{"onlyif": [{"fun": "no.such"}]}]), 1)});
        let got = run(high, &RunOptions::default(), &Fake::default());
        assert_eq!(got[0].1, json!(false));
        assert_eq!(
            got[0].2,
            "An exception occurred in this state: 'no.such' is not available."
        );
    }

    #[test]
    fn start_time_uses_the_given_offset() {
        let high = json!({"a": state("nop", json!([]), 1)});
        let opts = RunOptions {
            utc_offset_seconds: Some(0),
            ..RunOptions::default()
        };
        let running =
            run_high(HighData::from_value(high).unwrap(), &opts, &Fake::default()).unwrap();
        let r = &running["test_|-a_|-a_|-nop"];
        let keys: Vec<&str> = r.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "name",
                "changes",
                "result",
                "comment",
                "__sls__",
                "__run_num__",
                "start_time",
                "duration",
                "__id__"
            ]
        );
        let t = r["start_time"].as_str().unwrap();
        assert_eq!(&t[2..3], ":");
        assert!(r["duration"].as_f64().unwrap() >= 0.0);
    }

    #[test]
    fn requisite_chains_deeper_than_the_limit_fail_instead_of_overflowing() {
        let n = MAX_NESTING + 5;
        let mut high = Map::new();
        for i in 0..n {
            let req = if i + 1 < n {
                json!([{"require": [format!("s{}", i + 1)]}])
            } else {
                json!([])
            };
            high.insert(
                format!("s{i}"),
                state("succeed_without_changes", req, i as u64),
            );
        }
        let got = run(
            Value::Object(high),
            &RunOptions::default(),
            &Fake::default(),
        );
        assert_eq!(got.len(), n);
        let deep = &got[0];
        assert_eq!(
            deep.0,
            format!("test_|-s{MAX_NESTING}_|-s{MAX_NESTING}_|-succeed_without_changes")
        );
        assert!(
            deep.2.starts_with("The requisite chain is too deep"),
            "{}",
            deep.2
        );
        let top = got
            .iter()
            .find(|g| g.0 == "test_|-s0_|-s0_|-succeed_without_changes")
            .unwrap();
        assert_eq!(top.2, "One or more requisite failed: s.s1");
    }
}
