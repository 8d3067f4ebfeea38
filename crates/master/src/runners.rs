//! Master-side functions for `salt-rs-run` (`ClientRequest::Runner`),
//! answered from the job cache with the data shapes of Salt's `jobs` runner
//! so the client can print them with the usual outputters.

use std::sync::Arc;

use salt_jobs::{JobStore, PublishRecord};

use crate::runner_call::RunnerCall;
use serde_json::{Map, Value};

use crate::state::Master;

/// Runs runner `fun`; the error is the message for the user.
pub async fn run(
    m: &Arc<Master>,
    fun: &str,
    arg: Vec<Value>,
    kwarg: Map<String, Value>,
) -> Result<Value, String> {
    let call = RunnerCall::parse(fun, arg, kwarg)?;
    if let RunnerCall::Manage {
        fun,
        target,
        removekeys,
    } = &call
    {
        return crate::presence::manage(m, *fun, target, *removekeys).await;
    }
    let jobs = m.jobs.clone();
    tokio::task::spawn_blocking(move || dispatch(jobs.as_ref(), call))
        .await
        .map_err(|e| format!("runner failed: {e}"))?
}

/// Runs a job-cache runner against `jobs` (blocking).
pub fn dispatch(jobs: &dyn JobStore, call: RunnerCall) -> Result<Value, String> {
    match call {
        RunnerCall::LookupJid { jid, missing } => lookup_jid(jobs, &jid, missing),
        RunnerCall::ListJobs(l) => {
            let list = jobs.list_jobs(&l.filter).map_err(|e| e.to_string())?;
            let mut out = Map::new();
            // Job ids are their start times, so the window compares ids.
            for job in list {
                if l.start.as_ref().is_some_and(|s| job.jid < *s)
                    || l.end.as_ref().is_some_and(|e| job.jid > *e)
                {
                    continue;
                }
                out.insert(job.jid.clone(), summary(&job));
            }
            Ok(Value::Object(out))
        }
        RunnerCall::ListJob { jid } => list_job(jobs, &jid),
        RunnerCall::ExitSuccess { jid } => exit_success(jobs, &jid),
        RunnerCall::Active => {
            let since = time::OffsetDateTime::now_utc() - time::Duration::days(1);
            let mut out = Map::new();
            for job in jobs.active_jobs(since).map_err(|e| e.to_string())? {
                let mut s = summary(&job);
                if let (Value::Object(m), Some(found)) = (
                    &mut s,
                    jobs.lookup_jid(&job.jid).map_err(|e| e.to_string())?,
                ) {
                    m.insert(
                        "Returned".into(),
                        ids(found.returns.iter().map(|r| r.minion.clone())),
                    );
                    m.insert("Running".into(), ids(found.missing.into_iter()));
                }
                out.insert(job.jid.clone(), s);
            }
            Ok(Value::Object(out))
        }
        RunnerCall::LastRun(filter) => match jobs.last_run(&filter).map_err(|e| e.to_string())? {
            Some(job) => lookup_jid(jobs, &job.jid, false),
            None => Ok(Value::Bool(false)),
        },
        RunnerCall::Manage { .. } => Err("manage.* runners need the master's presence".into()),
    }
}

/// `jobs.lookup_jid`: each minion's return, and with `missing` the minions
/// that never answered as "Minion did not return".
fn lookup_jid(jobs: &dyn JobStore, jid: &str, missing: bool) -> Result<Value, String> {
    let mut out = Map::new();
    let Some(found) = jobs.lookup_jid(jid).map_err(|e| e.to_string())? else {
        return Ok(Value::Object(out));
    };
    for r in found.returns {
        out.insert(r.minion, r.ret);
    }
    if missing {
        for id in found.missing {
            out.insert(id, Value::from("Minion did not return"));
        }
    }
    Ok(Value::Object(out))
}

/// `jobs.list_job`: the job's summary, the minions it went to and each
/// minion's return under `Result`.
fn list_job(jobs: &dyn JobStore, jid: &str) -> Result<Value, String> {
    let Some(found) = jobs.lookup_jid(jid).map_err(|e| e.to_string())? else {
        return Ok(Value::Object(Map::new()));
    };
    let mut out = match &found.job {
        Some(job) => match summary(job) {
            Value::Object(m) => m,
            _ => Map::new(),
        },
        None => Map::new(),
    };
    out.insert("jid".into(), Value::from(jid));
    if let Some(job) = &found.job {
        out.insert("Minions".into(), ids(job.minions.iter().cloned()));
    }
    let mut result = Map::new();
    for r in found.returns {
        let mut one = Map::new();
        one.insert("return".into(), r.ret);
        one.insert("retcode".into(), Value::from(r.retcode));
        one.insert("success".into(), Value::from(r.success));
        result.insert(r.minion, Value::Object(one));
    }
    out.insert("Result".into(), Value::Object(result));
    Ok(Value::Object(out))
}

/// `jobs.exit_success`: per minion, whether it returned with retcode 0
/// (minions that never answered: false).
fn exit_success(jobs: &dyn JobStore, jid: &str) -> Result<Value, String> {
    let mut out = Map::new();
    if let Some(found) = jobs.lookup_jid(jid).map_err(|e| e.to_string())? {
        for r in found.returns {
            out.insert(r.minion, Value::from(r.retcode == 0));
        }
        for id in found.missing {
            out.insert(id, Value::from(false));
        }
    }
    Ok(Value::Object(out))
}

fn ids(it: impl Iterator<Item = String>) -> Value {
    Value::Array(it.map(Value::from).collect())
}

/// One job as `jobs.list_jobs` shows it.
fn summary(job: &PublishRecord) -> Value {
    let mut s = Map::new();
    s.insert("Function".into(), Value::from(job.fun.clone()));
    s.insert("Arguments".into(), Value::Array(job.arg.clone()));
    s.insert("Target".into(), job.tgt.clone());
    s.insert("Target-type".into(), Value::from(job.tgt_type.clone()));
    s.insert("User".into(), Value::from(job.user.clone()));
    s.insert(
        "StartTime".into(),
        Value::from(salt_jobs::jid_to_time(&job.jid).unwrap_or_default()),
    );
    Value::Object(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use salt_jobs::{ReturnRecord, SqliteJobStore};
    use serde_json::json;
    use time::OffsetDateTime;

    fn call(
        store: &SqliteJobStore,
        fun: &str,
        arg: &[Value],
        kwarg: &Map<String, Value>,
    ) -> Result<Value, String> {
        dispatch(store, RunnerCall::parse(fun, arg.to_vec(), kwarg.clone())?)
    }

    fn store_with_job(dir: &std::path::Path) -> SqliteJobStore {
        let store = SqliteJobStore::open(dir.join("jobs.sqlite")).unwrap();
        let now = OffsetDateTime::now_utc();
        drop(store.record_publish(PublishRecord {
            jid: "20261121210508967619".into(),
            fun: "test.ping".into(),
            arg: vec![],
            tgt: json!("*"),
            tgt_type: "glob".into(),
            user: "root".into(),
            start_time: now,
            minions: vec!["m1".into(), "m2".into()],
        }));
        drop(store.record_return(ReturnRecord {
            jid: "20261121210508967619".into(),
            minion: "m1".into(),
            retcode: 0,
            success: true,
            ret: json!(true),
            time: now,
        }));
        store.flush().unwrap();
        store
    }

    #[test]
    fn lookup_jid_shape_and_missing() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_job(dir.path());
        let jid = [json!("20261121210508967619")];
        let v = call(&store, "jobs.lookup_jid", &jid, &Map::new()).unwrap();
        assert_eq!(v, json!({"m1": true}));
        let mut kw = Map::new();
        kw.insert("missing".into(), json!("True"));
        let v = call(&store, "jobs.lookup_jid", &jid, &kw).unwrap();
        assert_eq!(v, json!({"m1": true, "m2": "Minion did not return"}));
        assert!(call(&store, "jobs.lookup_jid", &[], &Map::new()).is_err());
    }

    #[test]
    fn list_jobs_shape() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_job(dir.path());
        let v = call(&store, "jobs.list_jobs", &[], &Map::new()).unwrap();
        assert_eq!(
            v,
            json!({"20261121210508967619": {
                "Function": "test.ping", "Arguments": [], "Target": "*",
                "Target-type": "glob", "User": "root",
                "StartTime": "2026, Nov 21 21:05:08.967619"
            }})
        );
        let mut kw = Map::new();
        kw.insert("search_function".into(), json!("cmd.*"));
        assert_eq!(call(&store, "jobs.list_jobs", &[], &kw).unwrap(), json!({}));
        let window = |start: &str, end: &str| {
            let mut kw = Map::new();
            kw.insert("start_time".into(), json!(start));
            kw.insert("end_time".into(), json!(end));
            call(&store, "jobs.list_jobs", &[], &kw).map(|v| v.as_object().unwrap().len())
        };
        assert_eq!(window("2026, Nov 21 21:00", "2026-11-21 21:06"), Ok(1));
        assert_eq!(window("2026-11-21 21:06", "2026-11-22"), Ok(0));
        assert_eq!(window("2026-11-20", "2026, Nov 21 21:05"), Ok(0));
        assert!(
            window("last week", "2026-11-22")
                .unwrap_err()
                .contains("start_time")
        );
        assert!(call(&store, "nope.nothing", &[], &Map::new()).is_err());
    }

    #[test]
    fn list_job_exit_success_active_last_run() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_job(dir.path());
        let jid = [json!("20261121210508967619")];
        let v = call(&store, "jobs.list_job", &jid, &Map::new()).unwrap();
        assert_eq!(v["Minions"], json!(["m1", "m2"]));
        assert_eq!(
            v["Result"],
            json!({"m1": {"return": true, "retcode": 0, "success": true}})
        );
        assert_eq!(v["Function"], json!("test.ping"));
        let v = call(&store, "jobs.exit_success", &jid, &Map::new()).unwrap();
        assert_eq!(v, json!({"m1": true, "m2": false}));
        let v = call(&store, "jobs.active", &[], &Map::new()).unwrap();
        assert_eq!(v["20261121210508967619"]["Running"], json!(["m2"]));
        assert_eq!(v["20261121210508967619"]["Returned"], json!(["m1"]));
        let v = call(&store, "jobs.last_run", &[], &Map::new()).unwrap();
        assert_eq!(v, json!({"m1": true}));
        let mut kw = Map::new();
        kw.insert("function".into(), json!("cmd.run"));
        assert_eq!(
            call(&store, "jobs.last_run", &[], &kw).unwrap(),
            json!(false)
        );
    }
}
