//! The table of jobs running on this minion, shared by the minion (which
//! registers each job for as long as it runs) and `saltutil.running`,
//! `find_job` and `kill_job` (which read it and cancel entries).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use salt_types::Jid;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

/// Running jobs, in start order of their jids.
#[derive(Debug, Default)]
pub struct JobTable {
    inner: Arc<Mutex<BTreeMap<(Jid, u64), RunningJob>>>,
    next: AtomicU64,
}

/// One running job, as `saltutil.running` reports it.
#[derive(Debug, Clone)]
pub struct RunningJob {
    pub jid: Jid,
    pub fun: String,
    pub arg: Vec<Value>,
    pub pid: u32,
    pub tgt: Value,
    pub tgt_type: String,
    pub user: String,
    /// Cancelling it stops the job; the same token goes into the job's `Ctx`.
    pub cancel: CancellationToken,
}

/// Keeps a job listed; dropping it removes the entry.
#[derive(Debug)]
pub struct JobGuard {
    table: Arc<Mutex<BTreeMap<(Jid, u64), RunningJob>>>,
    key: (Jid, u64),
}

impl JobTable {
    pub fn new() -> Self {
        Self::default()
    }

    /// Lists the job until the returned guard is dropped.
    pub fn start(&self, info: RunningJob) -> JobGuard {
        let key = (info.jid, self.next.fetch_add(1, Ordering::Relaxed));
        lock(&self.inner).insert(key, info);
        JobGuard {
            table: Arc::clone(&self.inner),
            key,
        }
    }

    pub fn running(&self) -> Vec<RunningJob> {
        lock(&self.inner).values().cloned().collect()
    }

    pub fn find(&self, jid: &Jid) -> Option<RunningJob> {
        lock(&self.inner)
            .iter()
            .find(|((j, _), _)| j == jid)
            .map(|(_, job)| job.clone())
    }

    /// Cancels every running job with this jid; false if there was none.
    pub fn kill(&self, jid: &Jid) -> bool {
        let table = lock(&self.inner);
        let mut found = false;
        for job in table
            .iter()
            .filter(|((j, _), _)| j == jid)
            .map(|(_, job)| job)
        {
            job.cancel.cancel();
            found = true;
        }
        found
    }
}

impl RunningJob {
    /// The dict Salt's `saltutil.running` lists for a job.
    pub fn info(&self) -> Value {
        json!({
            "jid": self.jid.as_str(),
            "fun": self.fun,
            "arg": self.arg,
            "pid": self.pid,
            "tgt": self.tgt,
            "tgt_type": self.tgt_type,
            "user": self.user,
        })
    }
}

impl Drop for JobGuard {
    fn drop(&mut self) {
        lock(&self.table).remove(&self.key);
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn job(jid: &str, fun: &str) -> RunningJob {
        RunningJob {
            jid: Jid::parse(jid).unwrap(),
            fun: fun.into(),
            arg: vec![],
            pid: 42,
            tgt: Value::from("*"),
            tgt_type: "glob".into(),
            user: "root".into(),
            cancel: CancellationToken::new(),
        }
    }

    #[test]
    fn guard_lists_and_unlists() {
        let t = JobTable::new();
        let j = Jid::parse("20250101000000000001").unwrap();
        {
            let _g = t.start(job(j.as_str(), "test.sleep"));
            assert_eq!(t.running().len(), 1);
            assert_eq!(t.find(&j).map(|r| r.fun), Some("test.sleep".to_string()));
        }
        assert!(t.running().is_empty());
        assert!(t.find(&j).is_none());
    }

    #[test]
    fn kill_cancels_the_token_of_that_jid_only() {
        let t = JobTable::new();
        let a = job("20250101000000000001", "test.sleep");
        let b = job("20250101000000000002", "test.sleep");
        let (ta, tb) = (a.cancel.clone(), b.cancel.clone());
        let _ga = t.start(a);
        let _gb = t.start(b);
        assert!(t.kill(&Jid::parse("20250101000000000001").unwrap()));
        assert!(ta.is_cancelled() && !tb.is_cancelled());
        assert!(!t.kill(&Jid::parse("20250101000000000009").unwrap()));
    }

    #[test]
    fn info_has_salts_keys() {
        let v = job("20250101000000000001", "test.ping").info();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["jid", "fun", "arg", "pid", "tgt", "tgt_type", "user"]
        );
    }
}
