//! Execution modules (`test.ping`, `cmd.run`, `grains.get`, ...) and the
//! registry that turns a function name plus arguments into a typed call.
//!
//! Salt looks functions up by name in a dictionary filled by its loader and
//! hands them whatever keyword arguments arrived. Here the set of functions is
//! closed: [`parse_call`] matches the name once against the list in
//! `registry.rs`, binds positional and keyword arguments to that function's
//! typed, `deny_unknown_fields` argument struct, and returns an [`ExecCall`].
//! Executing the call needs a [`Ctx`]: the minion's id, grains, the job id,
//! the table of running jobs and a cancellation token. Nothing is global.
//!
//! Adding a module: see `docs/adding-a-module.md`.

#![forbid(unsafe_code)]

mod cli_args;
pub mod de;
mod error;
pub mod highstate;
pub mod host;
mod jobs;
mod machine;
pub mod master;
pub mod modules;
pub mod pillar_host;
mod registry;
use salt_state::shlex;

use std::sync::Arc;

use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

pub use cli_args::{parse_cli_args, yamlify_arg};
pub use error::ExecError;
pub use jobs::{JobGuard, JobTable, RunningJob};
pub use master::{Asked, MasterClient};
pub use registry::{
    ExecCall, ExecFn, IntoReturn, Ret, Returned, list_functions, parse_call, truthy,
};

/// Everything a function may know about where it runs. Passed to every call;
/// there are no injected globals.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub id: salt_types::MinionId,
    pub grains: Arc<Map<String, Value>>,
    /// `None` for `salt-rs-call --local`.
    pub jid: Option<salt_types::Jid>,
    /// Running jobs on this minion (read and signalled by `saltutil.*`).
    pub jobs: Arc<JobTable>,
    /// Cancelled by `saltutil.kill_job` or minion shutdown. Long calls
    /// (`cmd.*`, `test.sleep`) stop and kill their process group. The minion
    /// passes the same token here and in the job's [`RunningJob`].
    pub cancel: CancellationToken,
    /// Where `event.send` puts events: the link to the master that sent
    /// the job. `None` for `salt-rs-call --local`.
    pub events: Option<EventSink>,
    /// The minion's pillar as the master compiled it for this minion
    /// (`pillar.get`, `pillar.item`, `pillar.raw`, templates). Empty when
    /// the minion has none yet.
    pub pillar: Arc<Map<String, Value>>,
    /// Where `pillar.items` gets a freshly compiled pillar (the master, or
    /// local compilation for `salt-rs-call --local`). `None`: those
    /// functions read `pillar` instead.
    pub pillar_source: Option<Arc<dyn PillarSource>>,
    /// The master that sent the job, for questions (fresh pillar). `None`
    /// for `salt-rs-call --local`.
    pub master: Option<MasterClient>,
    /// The minion's pillar between jobs: `saltutil.refresh_pillar` puts a
    /// fresh one here for the jobs that follow. `None` outside a minion.
    pub pillar_cell: Option<PillarCell>,
    /// The minion's options as Salt's `__opts__` shows them to functions
    /// and templates (`id`, `cachedir`, `renderer`, `test`, ...).
    pub opts: Arc<Map<String, Value>>,
    /// The file server as `cp.*` (and states fetching `salt://` sources)
    /// reach it: `file_roots` in-process for `salt-rs-call --local`, the
    /// master through the minion's link otherwise. `None`: no file server
    /// (the `cp.*` functions say so).
    pub files: Option<salt_fileserver::FileClient>,
}

impl Ctx {
    /// A context for running functions on this host outside any job:
    /// no jid, no master, empty pillar, a fresh job table and token. The
    /// minion and salt-rs-call fill in what they have with struct update
    /// syntax (`Ctx { jid: Some(j), ..Ctx::local(id, grains) }`).
    pub fn local(id: salt_types::MinionId, grains: Arc<Map<String, Value>>) -> Self {
        Ctx {
            id,
            grains,
            jid: None,
            jobs: Arc::new(JobTable::new()),
            cancel: CancellationToken::new(),
            events: None,
            pillar: Arc::new(Map::new()),
            pillar_source: None,
            master: None,
            pillar_cell: None,
            files: None,
            opts: Arc::new(Map::new()),
        }
    }
}

/// The minion's current pillar, shared by its jobs.
pub type PillarCell = Arc<std::sync::RwLock<Arc<Map<String, Value>>>>;

/// A freshly compiled pillar, on request: Salt's `pillar.items` asks the
/// master to compile the minion's pillar again each time.
pub trait PillarSource: Send + Sync + std::fmt::Debug {
    /// Compiles the minion's pillar now. A pillar that failed to compile
    /// is `Ok` with only `_errors` in it (what the master sends); `Err` is
    /// for a master that could not be asked.
    fn fresh(&self, req: FreshPillar) -> FreshFuture<'_>;
}

/// What [`PillarSource::fresh`] returns: the compiled pillar, later.
pub type FreshFuture<'a> =
    std::pin::Pin<Box<dyn Future<Output = Result<Map<String, Value>, String>> + Send + 'a>>;

/// What a fresh pillar is asked for with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FreshPillar {
    /// `pillar='{...}'`: merged over the compiled pillar.
    pub overrides: Option<Map<String, Value>>,
    /// `pillarenv=`: compile only this pillar environment.
    pub pillarenv: Option<String>,
    /// `saltenv=` (the pillarenv with `pillarenv_from_saltenv`).
    pub saltenv: Option<String>,
}

/// Events (tag, data) on their way from a job to the master.
pub type EventSink = tokio::sync::mpsc::Sender<(String, Value)>;

/// What a call returns to the minion: the value, the job's retcode and
/// whether it succeeded (`retcode == 0`), as in Salt's job return.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ExecResult {
    pub ret: Value,
    pub retcode: i32,
    pub success: bool,
}
