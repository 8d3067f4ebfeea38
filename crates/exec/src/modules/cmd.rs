//! `cmd.*`: run shell commands on the minion, as Salt's `cmdmod` does.
//!
//! Every command runs in its own process group (`process_group(0)`), so a
//! timeout, `saltutil.kill_job`, minion shutdown or a dropped call kills the
//! whole group with SIGKILL, background children included.
//!
//! `runas`: the command runs under `setpriv --reuid --regid --init-groups`
//! (util-linux), which sets the user's uid, primary gid and supplementary
//! groups like Salt's `chugid` and then execs the command in place (same pid,
//! same process group, so the group kill still reaches it). `HOME`, `USER`,
//! `LOGNAME` and `SHELL` are set from the passwd entry. This needs no unsafe
//! `pre_exec` (forbidden here) and, unlike std's `uid()`/`gid()`, keeps the
//! user's supplementary groups. If `runas` is the user the minion already
//! runs as, no switch happens.
//!
//! `python_shell` defaults to true (Salt's default for calls from the CLI,
//! which is where our calls come from): the command goes to `shell -c`.
//! With `python_shell=False` it is split with shell-word rules and executed
//! without a shell.

use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::{AccessFlags, Pid, User, access, geteuid};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use crate::error::py_str;
use crate::{Ctx, ExecError, ExecFn, Ret, de, shlex};

/// Options shared by every `cmd.*` function (Salt's names and defaults).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CmdOpts {
    #[serde(deserialize_with = "de::string_like")]
    cmd: String,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    cwd: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    stdin: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    runas: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    shell: Option<String>,
    #[serde(default)]
    python_shell: Option<bool>,
    /// A map, or a list of one-key maps, of environment variables.
    #[serde(default)]
    env: Option<Value>,
    #[serde(default)]
    clean_env: bool,
    #[serde(default = "yes")]
    rstrip: bool,
    /// Accepted and ignored: output is logged at debug level.
    #[serde(default)]
    #[allow(dead_code)]
    output_loglevel: Option<Value>,
    #[serde(default)]
    hide_output: bool,
    #[serde(default, deserialize_with = "de::opt_seconds")]
    timeout: Option<f64>,
    #[serde(default = "yes")]
    reset_system_locale: bool,
    #[serde(default)]
    ignore_retcode: bool,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    prepend_path: Option<String>,
    /// List of ints, one int, or "0,3".
    #[serde(default)]
    success_retcodes: Option<Value>,
    #[serde(default)]
    success_stdout: Option<Value>,
    #[serde(default)]
    success_stderr: Option<Value>,
    #[serde(default)]
    stdin_raw_newlines: bool,
}

/// `cmd.run cmd [cwd] [stdin] [runas] ...`: stdout and stderr interleaved
/// in one string; the exit code becomes the job's retcode.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Run(CmdOpts);

/// `cmd.shell`: `cmd.run` that always uses the shell.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Shell(CmdOpts);

/// `cmd.run_stdout`: only stdout.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct RunStdout(CmdOpts);

/// `cmd.run_all`: `{pid, retcode, stdout, stderr}`.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct RunAll(CmdOpts);

/// `cmd.retcode`: only the exit code.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Retcode(CmdOpts);

/// The options every `cmd.*` function takes, appended to each DOC.
macro_rules! options_doc {
    () => {
        "
Options: cwd (default: the user's home, or /), stdin (\\n becomes a newline
unless stdin_raw_newlines=True), runas (user name), shell (default $SHELL or
/bin/sh), python_shell (default True), env (map), clean_env, rstrip (True),
hide_output, timeout (seconds; the whole process group is killed),
reset_system_locale (True: LC_* and LANGUAGE default to C), ignore_retcode,
prepend_path, success_retcodes, success_stdout, success_stderr,
output_loglevel (ignored).
"
    };
}

macro_rules! cmd_fn {
    ($ty:ident, $mode:expr, $doc:literal) => {
        impl ExecFn for $ty {
            const POSITIONAL: &'static [&'static str] = &["cmd", "cwd", "stdin", "runas"];
            const REQUIRED: usize = 1;
            const DOC: &'static str = concat!($doc, options_doc!());
            type Output = Ret<Value>;

            async fn call(self, cx: &Ctx) -> Result<Ret<Value>, ExecError> {
                run_mode(self.0, $mode, &cx.cancel).await
            }
        }
    };
}

cmd_fn!(
    Run,
    Mode::Run,
    "Run CMD and return its output, stderr merged into stdout; the exit code is the job's retcode.\n\nCLI Example:\n\n    salt '*' cmd.run 'ls -l | grep foo'\n"
);
cmd_fn!(
    Shell,
    Mode::Shell,
    "Run CMD through the shell (python_shell is always true) and return its output.\n\nCLI Example:\n\n    salt '*' cmd.shell 'echo $HOME | tr a-z A-Z'\n"
);
cmd_fn!(
    RunStdout,
    Mode::RunStdout,
    "Run CMD and return only its stdout.\n\nCLI Example:\n\n    salt '*' cmd.run_stdout 'ls -l'\n"
);
cmd_fn!(
    RunAll,
    Mode::RunAll,
    "Run CMD and return {pid, retcode, stdout, stderr}.\n\nCLI Example:\n\n    salt '*' cmd.run_all 'ls -l /nonexistent'\n"
);
cmd_fn!(
    Retcode,
    Mode::Retcode,
    "Run CMD and return only its exit code.\n\nCLI Example:\n\n    salt '*' cmd.retcode 'test -f /etc/hosts'\n"
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Run,
    Shell,
    RunStdout,
    RunAll,
    Retcode,
}

/// What `prepare` resolved from the options.
#[derive(Debug)]
struct Prepared {
    argv: Vec<String>,
    /// The command as Salt names it in messages.
    display: String,
    cwd: PathBuf,
    env: Vec<(String, String)>,
    env_remove: Vec<String>,
    clean_env: bool,
    stdin: Option<Vec<u8>>,
    timeout: Option<Duration>,
    timeout_text: String,
}

/// The finished process.
#[derive(Debug)]
struct Outcome {
    pid: u32,
    retcode: i32,
    stdout: String,
    stderr: String,
    timed_out: bool,
}

pub(crate) async fn run_mode(
    opts: CmdOpts,
    mode: Mode,
    cancel: &CancellationToken,
) -> Result<Ret<Value>, ExecError> {
    let prepared = prepare(&opts, mode)?;
    let merge = matches!(mode, Mode::Run | Mode::Shell | Mode::Retcode);
    let mut out = execute(&prepared, merge, cancel).await?;
    if !out.timed_out {
        if opts.rstrip {
            out.stdout.truncate(out.stdout.trim_end().len());
            out.stderr.truncate(out.stderr.trim_end().len());
        }
        let ok_codes = success_retcodes(opts.success_retcodes.as_ref())?;
        let found_in = |needles: Option<&Value>, hay: &str| {
            strings(needles).iter().any(|n| hay.contains(n.as_str()))
        };
        if ok_codes.contains(&out.retcode)
            || found_in(opts.success_stdout.as_ref(), &out.stdout)
            || found_in(opts.success_stderr.as_ref(), &out.stderr)
        {
            out.retcode = 0;
        }
    }
    if out.retcode != 0 && !opts.ignore_retcode {
        tracing::error!(command = %prepared.display, retcode = out.retcode, "Command failed");
    }
    if opts.hide_output {
        out.stdout.clear();
        out.stderr.clear();
    }
    let value = match mode {
        Mode::Run | Mode::Shell | Mode::RunStdout => Value::String(out.stdout),
        // Salt builds the timed-out return in another order.
        Mode::RunAll if out.timed_out => json!({
            "stdout": out.stdout,
            "stderr": out.stderr,
            "retcode": out.retcode,
            "pid": out.pid,
        }),
        Mode::RunAll => json!({
            "pid": out.pid,
            "retcode": out.retcode,
            "stdout": out.stdout,
            "stderr": out.stderr,
        }),
        Mode::Retcode => Value::from(out.retcode),
    };
    let retcode = if opts.ignore_retcode { 0 } else { out.retcode };
    Ok(Ret { value, retcode })
}

fn prepare(o: &CmdOpts, mode: Mode) -> Result<Prepared, ExecError> {
    let python_shell = mode == Mode::Shell || o.python_shell.unwrap_or(true);
    let shell = o
        .shell
        .clone()
        .or_else(|| std::env::var("SHELL").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "/bin/sh".into());
    if !is_executable(Path::new(&shell)) {
        return Err(ExecError::Command(format!(
            "The shell {shell} is not available"
        )));
    }

    let user = match &o.runas {
        None => None,
        Some(name) => match User::from_name(name) {
            Ok(Some(u)) => Some(u),
            _ => {
                return Err(ExecError::Command(format!(
                    "User '{name}' is not available"
                )));
            }
        },
    };

    let cwd = match &o.cwd {
        Some(c) => PathBuf::from(c),
        None => {
            let home = match &user {
                Some(u) => u.dir.clone(),
                None => std::env::var_os("HOME").map_or_else(|| PathBuf::from("/"), PathBuf::from),
            };
            if access(&home, AccessFlags::R_OK).is_ok() {
                home
            } else {
                PathBuf::from("/")
            }
        }
    };
    if !cwd.is_absolute() || !cwd.is_dir() {
        return Err(ExecError::Command(format!(
            "Specified cwd '{}' either not absolute or does not exist",
            cwd.display()
        )));
    }

    let mut env = parse_env(o.env.as_ref())?;
    let has = |env: &[(String, String)], k: &str| env.iter().any(|(n, _)| n == k);
    if let Some(u) = &user {
        for (k, v) in [
            ("HOME", u.dir.display().to_string()),
            ("USER", u.name.clone()),
            ("LOGNAME", u.name.clone()),
            ("SHELL", u.shell.display().to_string()),
        ] {
            if !has(&env, k) {
                env.push((k.into(), v));
            }
        }
    }
    if o.reset_system_locale {
        for k in LOCALE_VARS {
            if !has(&env, k) {
                env.push(((*k).into(), "C".into()));
            }
        }
    }
    if let Some(pre) = &o.prepend_path {
        let base = env
            .iter()
            .find(|(k, _)| k == "PATH")
            .map(|(_, v)| v.clone())
            .or_else(|| {
                if o.clean_env {
                    None
                } else {
                    std::env::var("PATH").ok()
                }
            })
            .unwrap_or_default();
        env.retain(|(k, _)| k != "PATH");
        env.push(("PATH".into(), format!("{pre}:{base}")));
    }
    let env_remove = if has(&env, "NOTIFY_SOCKET") {
        vec![]
    } else {
        vec!["NOTIFY_SOCKET".to_owned()]
    };

    let (mut argv, display) = if python_shell {
        (vec![shell, "-c".into(), o.cmd.clone()], o.cmd.clone())
    } else {
        let words = shlex::split(&o.cmd).map_err(|e| ExecError::invocation(e.to_string()))?;
        let display = py_str(&Value::from(words.clone()));
        (words, display)
    };
    if argv.is_empty() {
        return Err(ExecError::Command(format!(
            "Unable to run command '{display}': it is empty"
        )));
    }
    if let Some(u) = &user
        && u.uid != geteuid()
    {
        let mut wrapped = vec![
            "setpriv".to_owned(),
            format!("--reuid={}", u.uid),
            format!("--regid={}", u.gid),
            "--init-groups".to_owned(),
            "--".to_owned(),
        ];
        wrapped.append(&mut argv);
        argv = wrapped;
    }

    let stdin = o.stdin.as_ref().map(|s| {
        if o.stdin_raw_newlines {
            s.clone()
        } else {
            s.replace("\\n", "\n")
        }
        .into_bytes()
    });
    let timeout = o.timeout.filter(|t| *t > 0.0).map(Duration::from_secs_f64);
    let timeout_text = o.timeout.map(seconds_text).unwrap_or_default();
    Ok(Prepared {
        argv,
        display,
        cwd,
        env,
        env_remove,
        clean_env: o.clean_env,
        stdin,
        timeout,
        timeout_text,
    })
}

const LOCALE_VARS: &[&str] = &[
    "LC_CTYPE",
    "LC_NUMERIC",
    "LC_TIME",
    "LC_COLLATE",
    "LC_MONETARY",
    "LC_MESSAGES",
    "LC_PAPER",
    "LC_NAME",
    "LC_ADDRESS",
    "LC_TELEPHONE",
    "LC_MEASUREMENT",
    "LC_IDENTIFICATION",
    "LANGUAGE",
];

async fn execute(
    p: &Prepared,
    merge: bool,
    cancel: &CancellationToken,
) -> Result<Outcome, ExecError> {
    let unable = |e: io::Error| {
        ExecError::Command(format!(
            "Unable to run command '{}', reason: {e}",
            p.display
        ))
    };
    let mut cmd = tokio::process::Command::new(&p.argv[0]);
    cmd.args(&p.argv[1..]).current_dir(&p.cwd).process_group(0);
    if p.clean_env {
        cmd.env_clear();
    }
    for k in &p.env_remove {
        cmd.env_remove(k);
    }
    cmd.envs(p.env.iter().map(|(k, v)| (k, v)));
    cmd.stdin(if p.stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let merged = if merge {
        let (reader, writer) = io::pipe().map_err(unable)?;
        cmd.stdout(writer.try_clone().map_err(unable)?);
        cmd.stderr(writer);
        Some(reader)
    } else {
        cmd.stdout(Stdio::piped());
        cmd.stderr(Stdio::piped());
        None
    };
    let spawned = cmd.spawn();
    // Our copies of the pipe's write end must close, or reading never ends.
    drop(cmd);
    let mut child = spawned.map_err(unable)?;
    let pid = child.id().unwrap_or(0);
    let mut group = GroupKill(i32::try_from(pid).ok().filter(|p| *p > 0));

    type Reader = Option<Box<dyn AsyncRead + Unpin + Send>>;
    let (out, err): (Reader, Reader) = match merged {
        Some(r) => {
            let rx = tokio::net::unix::pipe::Receiver::from_owned_fd(OwnedFd::from(r))
                .map_err(unable)?;
            (Some(Box::new(rx)), None)
        }
        None => (
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn AsyncRead + Unpin + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn AsyncRead + Unpin + Send>),
        ),
    };
    let stdin_pipe = child.stdin.take();
    let input = p.stdin.clone();
    let feed = async move {
        if let (Some(mut pipe), Some(bytes)) = (stdin_pipe, input) {
            // A command that does not read its stdin closes the pipe early.
            let _ = pipe.write_all(&bytes).await;
        }
    };

    enum End {
        Done(Vec<u8>, Vec<u8>, io::Result<ExitStatus>),
        TimedOut,
        Cancelled,
    }
    let end = {
        let work = async {
            let (o, e, (), status) = tokio::join!(read_all(out), read_all(err), feed, child.wait());
            (o, e, status)
        };
        let deadline = async {
            match p.timeout {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            (o, e, status) = work => End::Done(o, e, status),
            () = deadline => End::TimedOut,
            () = cancel.cancelled() => End::Cancelled,
        }
    };

    match end {
        End::Done(o, e, status) => {
            // Finished normally: what it left running on purpose stays.
            group.0 = None;
            let status = status.map_err(unable)?;
            Ok(Outcome {
                pid,
                retcode: exit_code(status),
                stdout: String::from_utf8_lossy(&o).into_owned(),
                stderr: String::from_utf8_lossy(&e).into_owned(),
                timed_out: false,
            })
        }
        End::TimedOut => {
            group.kill();
            let _ = child.wait().await;
            Ok(Outcome {
                pid,
                retcode: 1,
                stdout: format!("{} : Timed out after {} seconds", p.display, p.timeout_text),
                stderr: String::new(),
                timed_out: true,
            })
        }
        End::Cancelled => {
            group.kill();
            let _ = child.wait().await;
            Err(ExecError::Cancelled)
        }
    }
}

/// Kills the process group with SIGKILL when dropped while still armed, so
/// an abandoned call leaves nothing running.
struct GroupKill(Option<i32>);

impl GroupKill {
    fn kill(&mut self) {
        if let Some(pgid) = self.0.take() {
            let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
        }
    }
}

impl Drop for GroupKill {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn read_all(r: Option<Box<dyn AsyncRead + Unpin + Send>>) -> Vec<u8> {
    let mut buf = Vec::new();
    if let Some(mut r) = r {
        let _ = r.read_to_end(&mut buf).await;
    }
    buf
}

/// Python's `returncode`: the exit code, or minus the killing signal.
fn exit_code(s: ExitStatus) -> i32 {
    s.code().or_else(|| s.signal().map(|sig| -sig)).unwrap_or(1)
}

fn is_executable(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Python's `str(timeout)` for the timeout message.
fn seconds_text(t: f64) -> String {
    if t.fract() == 0.0 && t < 1e15 {
        format!("{t:.0}")
    } else {
        t.to_string()
    }
}

fn parse_env(env: Option<&Value>) -> Result<Vec<(String, String)>, ExecError> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |m: &serde_json::Map<String, Value>| {
        for (k, v) in m {
            let v = match v {
                Value::Null => String::new(),
                other => de::scalar_text(other).unwrap_or_else(|| other.to_string()),
            };
            out.retain(|(n, _)| n != k);
            out.push((k.clone(), v));
        }
    };
    match env {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => add(m),
        Some(Value::Array(items)) => {
            for item in items {
                match item {
                    Value::Object(m) => add(m),
                    other => {
                        return Err(ExecError::invocation(format!(
                            "env list items must be maps, got {other}"
                        )));
                    }
                }
            }
        }
        Some(other) => {
            return Err(ExecError::invocation(format!(
                "env must be a map, got {other}"
            )));
        }
    }
    Ok(out)
}

fn success_retcodes(v: Option<&Value>) -> Result<Vec<i32>, ExecError> {
    let bad = || ExecError::invocation("success_retcodes must be a list of integers");
    let mut codes = vec![0];
    for item in strings(v) {
        codes.push(item.trim().parse().map_err(|_| bad())?);
    }
    Ok(codes)
}

/// Salt's `split_input`: a list as is, anything else split on commas.
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| de::scalar_text(x).unwrap_or_else(|| x.to_string()))
            .collect(),
        Some(other) => de::scalar_text(other)
            .unwrap_or_else(|| other.to_string())
            .split(',')
            .map(|s| s.trim().to_owned())
            .collect(),
    }
}

fn yes() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::modules::{run_in, test_ctx};

    async fn run(fun: &str, args: Value, kwargs: Value) -> crate::ExecResult {
        run_in(&test_ctx(), fun, args, kwargs).await
    }

    #[tokio::test]
    async fn run_merges_stderr_and_sets_retcode() {
        let r = run(
            "cmd.run",
            json!(["echo out; echo err >&2; exit 3"]),
            json!({}),
        )
        .await;
        assert_eq!(r.ret, json!("out\nerr"));
        assert_eq!((r.retcode, r.success), (3, false));
        let r = run("cmd.run", json!(["echo hi | tr a-z A-Z"]), json!({})).await;
        assert_eq!((r.ret, r.retcode), (json!("HI"), 0));
    }

    #[tokio::test]
    async fn run_all_has_salts_keys_in_order() {
        let r = run(
            "cmd.run_all",
            json!(["echo out; echo err >&2; exit 3"]),
            json!({}),
        )
        .await;
        let keys: Vec<&str> = r
            .ret
            .as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(keys, ["pid", "retcode", "stdout", "stderr"]);
        assert_eq!(r.ret["retcode"], json!(3));
        assert_eq!(r.ret["stdout"], json!("out"));
        assert_eq!(r.ret["stderr"], json!("err"));
        assert!(r.ret["pid"].as_u64().is_some_and(|p| p > 0));
        assert_eq!(r.retcode, 3);
    }

    #[tokio::test]
    async fn run_stdout_retcode_and_success_retcodes() {
        let r = run(
            "cmd.run_stdout",
            json!(["echo out; echo err >&2"]),
            json!({}),
        )
        .await;
        assert_eq!(r.ret, json!("out"));
        let r = run("cmd.retcode", json!(["exit 4"]), json!({})).await;
        assert_eq!((r.ret, r.retcode), (json!(4), 4));
        let r = run(
            "cmd.run_all",
            json!(["exit 4"]),
            json!({"success_retcodes": [4]}),
        )
        .await;
        assert_eq!(
            (r.ret["retcode"].clone(), r.retcode, r.success),
            (json!(0), 0, true)
        );
        let r = run(
            "cmd.run_all",
            json!(["exit 4"]),
            json!({"ignore_retcode": true}),
        )
        .await;
        assert_eq!((r.ret["retcode"].clone(), r.retcode), (json!(4), 0));
        let r = run(
            "cmd.run",
            json!(["echo fine; exit 2"]),
            json!({"success_stdout": "fine"}),
        )
        .await;
        assert_eq!(r.retcode, 0);
    }

    #[tokio::test]
    async fn cwd_env_stdin_and_no_shell() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap().to_owned();
        let r = run("cmd.run", json!(["pwd", d.clone()]), json!({})).await;
        assert_eq!(r.ret, json!(d));
        let r = run(
            "cmd.run",
            json!(["echo $FOO-$N"]),
            json!({"env": {"FOO": "bar", "N": 3}}),
        )
        .await;
        assert_eq!(r.ret, json!("bar-3"));
        let r = run(
            "cmd.run",
            json!(["echo $A$B"]),
            json!({"env": [{"A": "x"}, {"B": "y"}]}),
        )
        .await;
        assert_eq!(r.ret, json!("xy"));
        let r = run("cmd.run", json!(["cat"]), json!({"stdin": "line1\\nline2"})).await;
        assert_eq!(r.ret, json!("line1\nline2"));
        let r = run(
            "cmd.run",
            json!(["echo $HOME | cat"]),
            json!({"python_shell": false}),
        )
        .await;
        assert_eq!(r.ret, json!("$HOME | cat"));
        let r = run("cmd.run", json!(["echo $LC_ALL$LC_CTYPE"]), json!({})).await;
        assert_eq!(r.ret, json!("C"));
        let r = run("cmd.run", json!(["true"]), json!({"cwd": "relative"})).await;
        assert_eq!(
            r.ret,
            json!("ERROR: Specified cwd 'relative' either not absolute or does not exist")
        );
        let r = run(
            "cmd.run",
            json!(["true"]),
            json!({"runas": "no-such-user-xyz"}),
        )
        .await;
        assert_eq!(
            r.ret,
            json!("ERROR: User 'no-such-user-xyz' is not available")
        );
        let r = run(
            "cmd.run",
            json!(["/no/such/binary"]),
            json!({"python_shell": false}),
        )
        .await;
        assert!(
            r.ret
                .as_str()
                .unwrap_or("")
                .starts_with("ERROR: Unable to run command '['/no/such/binary']'")
        );
        assert_eq!(r.retcode, 1);
    }

    #[tokio::test]
    async fn runas_switches_user_with_groups() {
        if !geteuid().is_root() || !is_executable(Path::new("/usr/bin/setpriv")) {
            return; // needs root and util-linux
        }
        let Ok(Some(nobody)) = User::from_name("nobody") else {
            return;
        };
        let r = run(
            "cmd.run",
            json!(["id -u; id -g; id -G; echo $HOME; pwd"]),
            json!({"runas": "nobody"}),
        )
        .await;
        let expect_cwd = if access(&nobody.dir, AccessFlags::R_OK).is_ok() {
            nobody.dir.display().to_string()
        } else {
            "/".into()
        };
        assert_eq!(
            r.ret,
            json!(format!(
                "{}\n{}\n{}\n{}\n{}",
                nobody.uid,
                nobody.gid,
                nobody.gid,
                nobody.dir.display(),
                expect_cwd
            ))
        );
    }

    /// Whether a pid is gone (or a zombie waiting to be reaped).
    fn dead(pid: i32) -> bool {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => true,
            Ok(stat) => stat
                .rsplit(')')
                .next()
                .is_some_and(|rest| rest.trim_start().starts_with('Z')),
        }
    }

    async fn wait_dead(pid: i32) -> bool {
        for _ in 0..50 {
            if dead(pid) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    #[tokio::test]
    async fn timeout_kills_the_whole_process_group() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("bg.pid");
        let script = format!("sleep 100 & echo $! > {}; sleep 100", pidfile.display());
        let started = Instant::now();
        let r = run(
            "cmd.run_all",
            json!([script.clone()]),
            json!({"timeout": 1}),
        )
        .await;
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(
            r.ret["stdout"],
            json!(format!("{script} : Timed out after 1 seconds"))
        );
        assert_eq!(r.retcode, 1);
        let shell_pid = i32::try_from(r.ret["pid"].as_i64().unwrap_or(0)).unwrap_or(0);
        let bg_pid: i32 = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(shell_pid > 0 && bg_pid > 0);
        assert!(wait_dead(shell_pid).await, "shell {shell_pid} survived");
        assert!(
            wait_dead(bg_pid).await,
            "background child {bg_pid} survived"
        );
    }

    #[tokio::test]
    async fn cancel_kills_the_group_and_returns_killed() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("bg.pid");
        let script = format!("sleep 100 & echo $! > {}; sleep 100", pidfile.display());
        let cx = test_ctx();
        let token = cx.cancel.clone();
        let started = Instant::now();
        let handle =
            tokio::spawn(async move { run_in(&cx, "cmd.run", json!([script]), json!({})).await });
        for _ in 0..100 {
            if std::fs::read_to_string(&pidfile).is_ok_and(|s| s.ends_with('\n')) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        token.cancel();
        let r = handle.await.unwrap();
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(r.retcode, 1);
        assert!(r.ret.as_str().unwrap_or("").contains("killed"));
        let bg_pid: i32 = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(
            wait_dead(bg_pid).await,
            "background child {bg_pid} survived"
        );
    }

    #[test]
    fn seconds_like_python_str() {
        assert_eq!(seconds_text(5.0), "5");
        assert_eq!(seconds_text(0.5), "0.5");
    }
}
