//! The shape of a state function, the context it runs in, and the callback
//! through which the state system reaches the host.
//!
//! A state function is an argument struct implementing [`StateFn`]: the
//! struct is the signature (`deny_unknown_fields`; Python `**kwargs` is a
//! `kwargs` map field plus `VARKWARGS`), [`StateFn::plan`] answers
//! `test=True` (what would change, result `None` when something would) and
//! [`StateFn::apply`] makes the change. Each is listed once in
//! `registry.rs`. `mod_watch` (what `watch` triggers) is an ordinary entry
//! named `<module>.mod_watch`.
//!
//! Nothing here does I/O: commands of `onlyif`/`unless`, `fun:` conditions
//! and calls of execution functions go through [`Exec`], which the caller
//! (the minion, `salt-rs-call`, tests) implements.

use std::time::Duration;

use indexmap::IndexMap;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::LowChunk;

/// Results so far, by tag (Salt's `running` dict).
pub type Running = IndexMap<String, Map<String, Value>>;

/// The host: commands, execution functions, files, time.
pub trait Exec: Send + Sync {
    /// Runs `cmd` through the shell and returns its exit code (Salt's
    /// `cmd.retcode(cmd, python_shell=True, ignore_retcode=True, **opts)`).
    /// `opts` holds `cwd`, `runas`, `env`, `shell`, `timeout`, ... as the
    /// state gave them (`null` when not given). `Err` means the command
    /// could not be run at all.
    fn run_cmd(&self, cmd: &str, opts: &Map<String, Value>) -> Result<i32, String>;

    /// Calls an execution function (`onlyif: - fun: file.file_exists`,
    /// `module.run`). The retcode is what the function reported besides
    /// its value (Salt's `__context__["retcode"]`).
    fn call(
        &self,
        fun: &str,
        args: &[Value],
        kwargs: &Map<String, Value>,
    ) -> Result<CallReturn, String>;

    /// Whether a path exists (`creates:`).
    fn path_exists(&self, path: &str) -> bool {
        std::path::Path::new(path).exists()
    }

    /// Waits between `retry:` attempts.
    fn sleep(&self, d: Duration) {
        std::thread::sleep(d);
    }
}

/// What an execution function returned.
#[derive(Debug, Clone, PartialEq)]
pub struct CallReturn {
    pub value: Value,
    pub retcode: i32,
}

/// Requisite targets of the chunk being run, by requisite (`watch`,
/// `require`, ...): what `mod_watch` reads as Salt's `__reqs__`.
pub type Reqs = IndexMap<&'static str, Vec<LowChunk>>;

/// Everything a state function may know about its run.
pub struct RunCtx<'a> {
    /// `test=True` (or a `prereq` look-ahead): only plan.
    pub test: bool,
    pub exec: &'a dyn Exec,
    /// The saltenv the state came from (`__env__`).
    pub saltenv: &'a str,
    /// The chunk being run, with all its arguments (Salt's `__low__`).
    pub low: &'a LowChunk,
    /// Results of the states run so far (Salt's `__running__`).
    pub running: &'a Running,
    /// For `mod_watch` called by `watch`: the requisite targets.
    pub reqs: Option<&'a Reqs>,
    /// Every chunk of the run (Salt's `__lowstate__`), for states that look
    /// at others (`file.directory` with `clean` keeps what required file
    /// states manage).
    pub lowstate: &'a [LowChunk],
}

/// One state function. See the module docs.
pub trait StateFn: DeserializeOwned + Send + 'static {
    /// Parameters without a default, in Salt's order. A chunk missing one
    /// fails with "Missing parameter NAME for state MOD.FUN".
    const REQUIRED: &'static [&'static str] = &["name"];
    /// Python `**kwargs`: other keywords go to the field `kwargs` (a map)
    /// instead of being refused.
    const VARKWARGS: bool = false;
    /// The user documentation: what it does, its arguments, an SLS example.
    const DOC: &'static str;

    /// `test=True`: report what `apply` would do, change nothing.
    fn plan(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError>;

    /// Make it so.
    fn apply(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError>;
}

/// Why a state function could not produce a result; shown as
/// "An exception occurred in this state: ...".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// Bad arguments (Salt's `SaltInvocationError`).
    #[error("SaltInvocationError: {0}")]
    Invocation(String),
    /// The work failed (Salt's `CommandExecutionError`).
    #[error("CommandExecutionError: {0}")]
    Command(String),
    /// Any other exception, shown as given (`TypeError`).
    #[error("{0}")]
    Other(String),
}

/// What a state function returns: Salt's return dict, keys in the order
/// the function set them (it shows in `--out json`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StateReturn(Map<String, Value>);

impl StateReturn {
    /// `{name, changes: {}, result, comment}`, Salt's usual order.
    pub fn new(name: impl Into<Value>, result: Option<bool>, comment: impl Into<String>) -> Self {
        let mut m = Map::new();
        m.insert("name".into(), name.into());
        m.insert("changes".into(), Value::Object(Map::new()));
        m.insert("result".into(), result.map_or(Value::Null, Value::Bool));
        m.insert("comment".into(), Value::String(comment.into()));
        Self(m)
    }

    /// Any map (for functions whose key order differs, like `mod_watch`).
    pub fn from_map(m: Map<String, Value>) -> Self {
        Self(m)
    }

    pub fn with_changes(mut self, changes: Map<String, Value>) -> Self {
        self.0.insert("changes".into(), Value::Object(changes));
        self
    }

    pub fn set(&mut self, key: &str, value: Value) {
        self.0.insert(key.to_owned(), value);
    }

    pub fn result(&self) -> Option<bool> {
        self.0.get("result").and_then(Value::as_bool)
    }

    pub fn changes(&self) -> Option<&Map<String, Value>> {
        self.0.get("changes").and_then(Value::as_object)
    }

    pub fn comment(&self) -> Option<&str> {
        self.0.get("comment").and_then(Value::as_str)
    }

    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }
}
