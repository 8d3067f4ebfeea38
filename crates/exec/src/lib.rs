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
mod host;
mod jobs;
pub mod modules;
mod registry;
mod shlex;

use std::sync::Arc;

use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

pub use cli_args::{parse_cli_args, yamlify_arg};
pub use error::ExecError;
pub use jobs::{JobGuard, JobTable, RunningJob};
pub use registry::{ExecCall, ExecFn, IntoReturn, Ret, Returned, list_functions, parse_call};

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
