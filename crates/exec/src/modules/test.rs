//! `test.*`: functions for checking that minions answer and that arguments,
//! return codes and job control work end to end.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::de;
use crate::{Ctx, ExecError, ExecFn, Ret};

/// `test.ping`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ping {}

impl ExecFn for Ping {
    const POSITIONAL: &'static [&'static str] = &[];
    const DOC: &'static str =
        "Return True: the minion is up and answering.\n\nCLI Example:\n\n    salt '*' test.ping\n";
    type Output = bool;

    async fn call(self, _cx: &Ctx) -> Result<bool, ExecError> {
        Ok(true)
    }
}

/// `test.echo text`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Echo {
    text: Value,
}

impl ExecFn for Echo {
    const POSITIONAL: &'static [&'static str] = &["text"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Return the argument unchanged (after the command line typed it).\n\nCLI Example:\n\n    salt '*' test.echo 'foo bar baz quo qux'\n";
    type Output = Value;

    async fn call(self, _cx: &Ctx) -> Result<Value, ExecError> {
        Ok(self.text)
    }
}

/// `test.true`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct True {}

impl ExecFn for True {
    const POSITIONAL: &'static [&'static str] = &[];
    const DOC: &'static str = "Always return True (for `onlyif`/`unless` checks with `fun:`).\n\nCLI Example:\n\n    salt '*' test.true\n";
    type Output = bool;

    async fn call(self, _cx: &Ctx) -> Result<bool, ExecError> {
        Ok(true)
    }
}

/// `test.false`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct False {}

impl ExecFn for False {
    const POSITIONAL: &'static [&'static str] = &[];
    const DOC: &'static str = "Always return False (for `onlyif`/`unless` checks with `fun:`).\n\nCLI Example:\n\n    salt '*' test.false\n";
    type Output = bool;

    async fn call(self, _cx: &Ctx) -> Result<bool, ExecError> {
        Ok(false)
    }
}

/// `test.sleep length`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sleep {
    #[serde(deserialize_with = "de::opt_seconds")]
    length: Option<f64>,
}

impl ExecFn for Sleep {
    const POSITIONAL: &'static [&'static str] = &["length"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Sleep for LENGTH seconds, then return True. saltutil.kill_job stops it.\n\nCLI Example:\n\n    salt '*' test.sleep 20\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        let length = Duration::try_from_secs_f64(self.length.unwrap_or(0.0))
            .map_err(|e| ExecError::invocation(format!("bad length: {e}")))?;
        tokio::select! {
            () = tokio::time::sleep(length) => Ok(true),
            () = cx.cancel.cancelled() => Err(ExecError::Cancelled),
        }
    }
}

/// `test.version`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Version {}

impl ExecFn for Version {
    const POSITIONAL: &'static [&'static str] = &[];
    const DOC: &'static str =
        "Return the salt-rs version of the minion.\n\nCLI Example:\n\n    salt '*' test.version\n";
    type Output = String;

    async fn call(self, _cx: &Ctx) -> Result<String, ExecError> {
        Ok(salt_types::VERSION.to_owned())
    }
}

/// `test.arg *args **kwargs`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arg {
    args: Vec<Value>,
    kwargs: Map<String, Value>,
}

impl ExecFn for Arg {
    const POSITIONAL: &'static [&'static str] = &[];
    const VARARGS: bool = true;
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Return the positional and keyword arguments as received: {\"args\": [...], \"kwargs\": {...}}.\n\nCLI Example:\n\n    salt '*' test.arg 1 \"two\" 3.1 txt=\"hello\" wow='{a: 1, b: \"hello\"}'\n";
    type Output = Value;

    async fn call(self, _cx: &Ctx) -> Result<Value, ExecError> {
        Ok(json!({ "args": self.args, "kwargs": self.kwargs }))
    }
}

/// `test.retcode code=42`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retcode {
    #[serde(default = "default_code", deserialize_with = "de::int_like")]
    code: i64,
}

fn default_code() -> i64 {
    42
}

impl ExecFn for Retcode {
    const POSITIONAL: &'static [&'static str] = &["code"];
    const DOC: &'static str = "Return True and set the job's retcode to CODE (default 42).\n\nCLI Example:\n\n    salt '*' test.retcode 42\n";
    type Output = Ret<bool>;

    async fn call(self, _cx: &Ctx) -> Result<Ret<bool>, ExecError> {
        let retcode = i32::try_from(self.code)
            .map_err(|_| ExecError::invocation("code must fit in 32 bits"))?;
        Ok(Ret {
            value: true,
            retcode,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Instant;

    use super::*;
    use crate::modules::{run_in, test_ctx};
    use crate::{JobTable, RunningJob};
    use salt_types::Jid;
    use tokio_util::sync::CancellationToken;

    #[tokio::test]
    async fn ping_echo_version() {
        let cx = test_ctx();
        let r = run_in(&cx, "test.ping", json!([]), json!({})).await;
        assert_eq!((r.ret, r.retcode, r.success), (json!(true), 0, true));
        assert_eq!(
            run_in(&cx, "test.echo", json!([42]), json!({})).await.ret,
            json!(42)
        );
        assert_eq!(
            run_in(&cx, "test.echo", json!([]), json!({"text": "hi"}))
                .await
                .ret,
            json!("hi")
        );
        assert_eq!(
            run_in(&cx, "test.true", json!([]), json!({})).await.ret,
            json!(true)
        );
        let r = run_in(&cx, "test.false", json!([]), json!({})).await;
        assert_eq!((r.ret, r.retcode), (json!(false), 0));
        assert_eq!(
            run_in(&cx, "test.version", json!([]), json!({})).await.ret,
            json!(salt_types::VERSION)
        );
    }

    #[tokio::test]
    async fn arg_returns_salts_shape() {
        let r = run_in(
            &test_ctx(),
            "test.arg",
            json!([1, "two", 3.1]),
            json!({"txt": "hello"}),
        )
        .await;
        assert_eq!(
            r.ret,
            json!({"args": [1, "two", 3.1], "kwargs": {"txt": "hello"}})
        );
    }

    #[tokio::test]
    async fn retcode_sets_the_job_retcode() {
        let cx = test_ctx();
        let r = run_in(&cx, "test.retcode", json!([3]), json!({})).await;
        assert_eq!((r.ret, r.retcode, r.success), (json!(true), 3, false));
        let r = run_in(&cx, "test.retcode", json!([]), json!({})).await;
        assert_eq!(r.retcode, 42);
        let r = run_in(&cx, "test.retcode", json!(["0"]), json!({})).await;
        assert!(r.success);
    }

    #[tokio::test]
    async fn echo_without_text_is_an_argument_error() {
        let r = run_in(&test_ctx(), "test.echo", json!([]), json!({})).await;
        assert_eq!(r.retcode, 1);
        assert!(
            r.ret
                .as_str()
                .unwrap_or("")
                .starts_with("Passed invalid arguments to test.echo: ")
        );
    }

    #[tokio::test]
    async fn kill_job_cancels_a_running_sleep() {
        let jobs = Arc::new(JobTable::new());
        let jid = Jid::parse("20250101000000000007").unwrap();
        let token = CancellationToken::new();
        let _guard = jobs.start(RunningJob {
            jid,
            fun: "test.sleep".into(),
            arg: vec![json!(30)],
            pid: std::process::id(),
            tgt: json!("*"),
            tgt_type: "glob".into(),
            user: "root".into(),
            cancel: token.clone(),
        });
        let sleeper_cx = Ctx {
            jid: Some(jid),
            jobs: Arc::clone(&jobs),
            cancel: token,
            ..test_ctx()
        };
        let started = Instant::now();
        let sleeper =
            tokio::spawn(
                async move { run_in(&sleeper_cx, "test.sleep", json!([30]), json!({})).await },
            );

        let killer_cx = Ctx {
            jobs: Arc::clone(&jobs),
            ..test_ctx()
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        let running = run_in(&killer_cx, "saltutil.running", json!([]), json!({})).await;
        assert_eq!(running.ret[0]["fun"], json!("test.sleep"));
        let k = run_in(
            &killer_cx,
            "saltutil.kill_job",
            json!([jid.as_str()]),
            json!({}),
        )
        .await;
        assert!(
            k.ret
                .as_str()
                .unwrap_or("")
                .starts_with("Signal 9 sent to job 20250101000000000007"),
            "{k:?}"
        );

        let r = tokio::time::timeout(Duration::from_secs(5), sleeper)
            .await
            .expect("sleep stopped")
            .unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!((r.retcode, r.success), (1, false));
        assert!(r.ret.as_str().unwrap_or("").contains("killed"));
    }

    #[tokio::test]
    async fn sleep_finishes_with_true() {
        let r = run_in(&test_ctx(), "test.sleep", json!([0.05]), json!({})).await;
        assert_eq!(r.ret, json!(true));
    }
}
