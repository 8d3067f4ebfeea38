//! Running jobs: the target check against the minion's own id and grains,
//! at-most-once per jid, one task per job, the return handed back to the
//! link of the master that sent the job. [`dispatch`] says what it did, for
//! the link's acknowledgement to the master.

use std::sync::Arc;

use salt_exec::{Ctx, EventSink, MasterClient, RunningJob};
use salt_proto::messages::{AckStatus, JobReturn, Publish};
use salt_target::Facts;
use serde_json::Value;

use crate::Minion;
use crate::outbox::ReturnSink;

/// Whether this minion is targeted by `p`.
pub fn targeted(minion: &Minion, p: &Publish) -> bool {
    let compiled = match p.target.compile() {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(jid = %p.jid, error = %e, "publish with a bad target ignored");
            return false;
        }
    };
    let grains = Value::Object((*minion.grains).clone());
    let pillar = compiled
        .needs_pillar()
        .then(|| Value::Object((*minion.pillar()).clone()));
    compiled.matches(&Facts {
        id: minion.id.as_str(),
        grains: &grains,
        pillar: pillar.as_ref(),
    })
}

/// Where a job's return and events go: the link of the master that sent it.
#[derive(Clone)]
pub struct JobSinks {
    pub returns: ReturnSink,
    pub events: EventSink,
    /// Questions for that master (fresh pillar).
    pub master: MasterClient,
    /// That master's file server (`salt://`), cached under the cachedir.
    pub files: salt_fileserver::FileClient,
}

/// Checks target, expiry and duplicates, then runs the job in its own
/// task; says which of these happened.
pub fn dispatch(minion: &Arc<Minion>, p: Publish, sinks: JobSinks) -> AckStatus {
    if !targeted(minion, &p) {
        return AckStatus::NotTargeted;
    }
    let now = salt_proto::now_ms();
    if p.expires_ms < now {
        tracing::debug!(jid = %p.jid, "expired job ignored");
        return AckStatus::Expired;
    }
    if !minion.seen.first_time(p.jid, p.expires_ms, now) {
        tracing::debug!(jid = %p.jid, "job already run here");
        return AckStatus::AlreadyRun;
    }
    tracing::info!(jid = %p.jid, fun = %p.fun, "running job");
    let m = minion.clone();
    let returns = sinks.returns.clone();
    minion.job_tasks.spawn(async move {
        let ret = run_job(&m, &p, sinks).await;
        returns.deliver(ret).await;
    });
    AckStatus::Accepted
}

async fn run_job(m: &Arc<Minion>, p: &Publish, sinks: JobSinks) -> JobReturn {
    let JobSinks {
        events,
        master,
        files,
        ..
    } = sinks;
    let cancel = m.shutdown.child_token();
    let tgt = serde_json::to_value(&p.target.tgt).unwrap_or(Value::Null);
    let tgt_type = serde_json::to_value(p.target.tgt_type)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let _guard = m.jobs.start(RunningJob {
        jid: p.jid,
        fun: p.fun.clone(),
        arg: p.arg.clone(),
        pid: std::process::id(),
        tgt,
        tgt_type,
        user: p.user.clone(),
        cancel: cancel.clone(),
    });
    let cx = Ctx {
        jid: Some(p.jid),
        jobs: m.jobs.clone(),
        cancel,
        events: Some(events),
        pillar: m.pillar(),
        pillar_source: Some(Arc::new(master.clone())),
        master: Some(master),
        pillar_cell: Some(m.pillar.clone()),
        files: Some(files),
        opts: m.opts.clone(),
        ..Ctx::local(m.id.clone(), m.grains.clone())
    };
    let res = match salt_exec::parse_call(&p.fun, p.arg.clone(), p.kwarg.clone()) {
        Ok(call) => call.call(&cx).await,
        Err(e) => e.into_result(),
    };
    JobReturn {
        jid: p.jid,
        fun: p.fun.clone(),
        fun_args: p.arg.clone(),
        ret: res.ret,
        retcode: res.retcode,
        success: res.success,
    }
}
