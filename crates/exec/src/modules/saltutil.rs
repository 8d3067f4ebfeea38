//! `saltutil.*` job control: list, find and kill the jobs running on this
//! minion, through the shared [`crate::JobTable`].

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::{Ctx, ExecError, ExecFn, de};
use salt_types::Jid;

/// `saltutil.running`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Running {}

impl ExecFn for Running {
    const POSITIONAL: &'static [&'static str] = &[];
    const DOC: &'static str = "Return the jobs running on the minion: jid, fun, arg, pid, tgt, tgt_type, user.\n\nCLI Example:\n\n    salt '*' saltutil.running\n";
    type Output = Vec<Value>;

    async fn call(self, cx: &Ctx) -> Result<Vec<Value>, ExecError> {
        // As in Salt, the job asking is not listed: an idle minion says [].
        Ok(cx
            .jobs
            .running()
            .iter()
            .filter(|j| Some(j.jid) != cx.jid)
            .map(|j| j.info())
            .collect())
    }
}

/// `saltutil.find_job jid`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindJob {
    #[serde(deserialize_with = "de::string_like")]
    jid: String,
}

impl ExecFn for FindJob {
    const POSITIONAL: &'static [&'static str] = &["jid"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Return the data of the running job JID, or {} if it is not running.\n\nCLI Example:\n\n    salt '*' saltutil.find_job <job id>\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        Ok(Jid::parse(&self.jid)
            .ok()
            .and_then(|j| cx.jobs.find(&j))
            .map_or_else(|| Value::Object(Map::new()), |j| j.info()))
    }
}

/// `saltutil.kill_job jid`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KillJob {
    #[serde(deserialize_with = "de::string_like")]
    jid: String,
}

impl ExecFn for KillJob {
    const POSITIONAL: &'static [&'static str] = &["jid"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Stop the running job JID (its processes are killed); returns \"\" if it is not running.\n\nCLI Example:\n\n    salt '*' saltutil.kill_job <job id>\n";
    type Output = String;

    async fn call(self, cx: &Ctx) -> Result<String, ExecError> {
        let Ok(jid) = Jid::parse(&self.jid) else {
            return Ok(String::new());
        };
        let Some(job) = cx.jobs.find(&jid) else {
            return Ok(String::new());
        };
        cx.jobs.kill(&jid);
        Ok(format!("Signal 9 sent to job {jid} at pid {}", job.pid))
    }
}

/// `saltutil.refresh_pillar [wait=False] [timeout=30] [clean_cache=True]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshPillar {
    #[serde(default)]
    #[allow(dead_code)]
    wait: bool,
    #[serde(default, deserialize_with = "de::opt_seconds")]
    timeout: Option<f64>,
    #[serde(default)]
    #[allow(dead_code)]
    clean_cache: Option<bool>,
}

impl ExecFn for RefreshPillar {
    const POSITIONAL: &'static [&'static str] = &["wait", "timeout", "clean_cache"];
    const DOC: &'static str = "Fetch this minion's pillar from the master again and use it for the jobs that follow; returns True once it is in place (salt-rs always waits for it, within timeout seconds, default 30).\n\nCLI Example:\n\n    salt '*' saltutil.refresh_pillar\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        let (Some(source), Some(cell)) = (&cx.pillar_source, &cx.pillar_cell) else {
            // salt-call --local: the pillar is compiled for every call anyway.
            return Ok(true);
        };
        let secs = self.timeout.unwrap_or(30.0).max(0.0);
        let fresh = tokio::time::timeout(
            std::time::Duration::from_secs_f64(secs),
            source.fresh(crate::FreshPillar::default()),
        )
        .await
        .map_err(|_| ExecError::Command(format!("no pillar from the master within {secs} s")))?
        .map_err(ExecError::Command)?;
        match cell.write() {
            Ok(mut g) => *g = std::sync::Arc::new(fresh),
            Err(e) => *e.into_inner() = std::sync::Arc::new(fresh),
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RunningJob;
    use crate::modules::{run_in, test_ctx};
    use serde_json::json;
    use tokio_util::sync::CancellationToken;

    #[tokio::test]
    async fn running_leaves_out_the_asking_job() {
        let cx = test_ctx();
        let own = Jid::parse("20250101000000000005").unwrap();
        let other = Jid::parse("20250101000000000006").unwrap();
        let job = |jid| RunningJob {
            jid,
            fun: "test.sleep".into(),
            arg: vec![json!(30)],
            pid: 77,
            tgt: json!("*"),
            tgt_type: "glob".into(),
            user: "root".into(),
            cancel: CancellationToken::new(),
        };
        let _own = cx.jobs.start(job(own));
        let asking = Ctx {
            jid: Some(own),
            ..cx
        };
        let r = run_in(&asking, "saltutil.running", json!([]), json!({})).await;
        assert_eq!(r.ret, json!([]));
        let _other = asking.jobs.start(job(other));
        let r = run_in(&asking, "saltutil.running", json!([]), json!({})).await;
        let jids: Vec<&Value> = r
            .ret
            .as_array()
            .unwrap()
            .iter()
            .map(|j| &j["jid"])
            .collect();
        assert_eq!(jids, [&json!(other.as_str())]);
    }

    #[tokio::test]
    async fn find_job_returns_the_dict_or_empty() {
        let cx = test_ctx();
        let jid = Jid::parse("20250101000000000003").unwrap();
        let _g = cx.jobs.start(RunningJob {
            jid,
            fun: "cmd.run".into(),
            arg: vec![json!("sleep 9")],
            pid: 77,
            tgt: json!("minion1"),
            tgt_type: "list".into(),
            user: "root".into(),
            cancel: CancellationToken::new(),
        });
        let r = run_in(&cx, "saltutil.find_job", json!([jid.as_str()]), json!({})).await;
        assert_eq!(
            r.ret,
            json!({"jid": "20250101000000000003", "fun": "cmd.run", "arg": ["sleep 9"], "pid": 77,
                   "tgt": "minion1", "tgt_type": "list", "user": "root"})
        );
        let r = run_in(
            &cx,
            "saltutil.find_job",
            json!(["20250101000000000004"]),
            json!({}),
        )
        .await;
        assert_eq!(r.ret, json!({}));
        let r = run_in(&cx, "saltutil.kill_job", json!(["garbage"]), json!({})).await;
        assert_eq!(r.ret, json!(""));
        let r = run_in(
            &cx,
            "saltutil.kill_job",
            json!(["20250101000000000004"]),
            json!({}),
        )
        .await;
        assert_eq!(r.ret, json!(""));
    }
}
