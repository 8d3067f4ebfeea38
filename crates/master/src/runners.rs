//! Master-side functions for `salt-rs-run` (`ClientRequest::Runner`),
//! answered from the job cache with the data shapes of Salt's `jobs` runner
//! so the client can print them with the usual outputters.

use std::sync::Arc;

use salt_jobs::{JobFilter, JobStore, PublishRecord};
use serde_json::{Map, Value};

use crate::state::Master;

/// Runs runner `fun`; the error is the message for the user.
pub async fn run(
    m: &Arc<Master>,
    fun: &str,
    arg: Vec<Value>,
    kwarg: Map<String, Value>,
) -> Result<Value, String> {
    if let Some(r) = crate::presence::manage(m, fun, &kwarg).await {
        return r;
    }
    let jobs = m.jobs.clone();
    let fun = fun.to_owned();
    tokio::task::spawn_blocking(move || dispatch(jobs.as_ref(), &fun, &arg, &kwarg))
        .await
        .map_err(|e| format!("runner failed: {e}"))?
}

/// Runs runner `fun` against `jobs` (blocking).
pub fn dispatch(
    jobs: &dyn JobStore,
    fun: &str,
    arg: &[Value],
    kwarg: &Map<String, Value>,
) -> Result<Value, String> {
    match fun {
        "jobs.lookup_jid" => {
            let jid = param(arg, kwarg, 0, "jid")
                .map(text)
                .ok_or("jobs.lookup_jid needs a jid")?;
            let missing = param(arg, kwarg, usize::MAX, "missing").is_some_and(truthy);
            lookup_jid(jobs, &jid, missing)
        }
        "jobs.list_jobs" => {
            if kwarg.contains_key("start_time") || kwarg.contains_key("end_time") {
                return Err("jobs.list_jobs: start_time and end_time are not supported yet".into());
            }
            let filter = JobFilter {
                search_function: kwarg.get("search_function").map(text),
                search_target: kwarg.get("search_target").map(text),
                ..JobFilter::default()
            };
            let list = jobs.list_jobs(&filter).map_err(|e| e.to_string())?;
            let mut out = Map::new();
            for job in list {
                out.insert(job.jid.clone(), summary(&job));
            }
            Ok(Value::Object(out))
        }
        other => Err(format!("'{other}' is not available.")),
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

fn param<'a>(
    arg: &'a [Value],
    kwarg: &'a Map<String, Value>,
    pos: usize,
    name: &str,
) -> Option<&'a Value> {
    kwarg.get(name).or_else(|| arg.get(pos))
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub(crate) fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::String(s) => matches!(s.to_ascii_lowercase().as_str(), "true" | "yes" | "1" | "on"),
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use salt_jobs::{ReturnRecord, SqliteJobStore};
    use serde_json::json;
    use time::OffsetDateTime;

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
        let v = dispatch(&store, "jobs.lookup_jid", &jid, &Map::new()).unwrap();
        assert_eq!(v, json!({"m1": true}));
        let mut kw = Map::new();
        kw.insert("missing".into(), json!("True"));
        let v = dispatch(&store, "jobs.lookup_jid", &jid, &kw).unwrap();
        assert_eq!(v, json!({"m1": true, "m2": "Minion did not return"}));
        assert!(dispatch(&store, "jobs.lookup_jid", &[], &Map::new()).is_err());
    }

    #[test]
    fn list_jobs_shape() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_job(dir.path());
        let v = dispatch(&store, "jobs.list_jobs", &[], &Map::new()).unwrap();
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
        assert_eq!(
            dispatch(&store, "jobs.list_jobs", &[], &kw).unwrap(),
            json!({})
        );
        assert!(dispatch(&store, "nope.nothing", &[], &Map::new()).is_err());
    }
}
