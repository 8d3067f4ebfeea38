//! `machine`: how the system modules (`service`, `pkg`, `user`, `group`, `sysctl`,
//! `kmod`, `lowpkg`) reach the machine: system tools run through a
//! [`Runner`] (argv only, never a shell), files under a root directory
//! (`/` for real; a temp dir in tests). Tests swap in [`Script`], which
//! answers commands from canned outputs in the tools' formats, so the
//! RedHat code paths are tested without a RedHat machine.
//!
//! Commands run with Salt's locale reset (`LC_ALL=C`-style variables) in
//! their own process group, killed when the call is cancelled.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::Stdio;

use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use crate::{Ctx, ExecError};

/// What a command printed and how it exited.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub retcode: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A future returned by [`Runner::run`].
pub type RunFuture<'a> = Pin<Box<dyn Future<Output = Result<Outcome, ExecError>> + Send + 'a>>;

/// Runs system tools.
pub trait Runner: Send + Sync {
    /// Runs `argv` with extra environment `env`; `Err` only when the program
    /// could not be started (or the call was cancelled).
    fn run<'a>(&'a self, argv: &'a [String], env: &'a [(String, String)]) -> RunFuture<'a>;

    /// The full path of a program on `PATH` (plus the sbin directories, as
    /// Salt's `which` adds them), or `None`.
    fn which(&self, name: &str) -> Option<String>;
}

/// The machine a system module works on.
pub struct Host<'a> {
    pub runner: &'a dyn Runner,
    /// Prefix of every file path (`/` for the real machine).
    pub root: PathBuf,
    pub grains: &'a Map<String, Value>,
}

impl<'a> Host<'a> {
    /// The real machine, for a call running in `cx`.
    pub fn real(runner: &'a Real, cx: &'a Ctx) -> Self {
        Self {
            runner,
            root: PathBuf::from("/"),
            grains: &cx.grains,
        }
    }

    /// `abs` (an absolute path) under the root.
    pub fn path(&self, abs: &str) -> PathBuf {
        self.root.join(abs.trim_start_matches('/'))
    }

    /// A grain as text (`""` when missing).
    pub fn grain(&self, key: &str) -> String {
        match self.grains.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        }
    }

    /// Runs `argv` (the first word resolved with [`Runner::which`]).
    pub async fn cmd(&self, argv: &[&str]) -> Result<Outcome, ExecError> {
        self.cmd_env(argv, &[]).await
    }

    /// [`Host::cmd`] with extra environment variables.
    pub async fn cmd_env(&self, argv: &[&str], env: &[(&str, &str)]) -> Result<Outcome, ExecError> {
        let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.runner.run(&argv, &env).await
    }

    /// The program's path, or Salt's "Command 'x' cannot be found".
    pub fn which(&self, name: &str) -> Result<String, ExecError> {
        self.runner
            .which(name)
            .ok_or_else(|| ExecError::Command(format!("Command '{name}' cannot be found")))
    }

    /// Reads a file under the root (`None` when it cannot be read).
    pub fn read(&self, abs: &str) -> Option<String> {
        std::fs::read_to_string(self.path(abs)).ok()
    }

    pub fn exists(&self, abs: &str) -> bool {
        self.path(abs).exists()
    }
}

/// Runs real processes.
pub struct Real {
    cancel: CancellationToken,
}

impl Real {
    pub fn new(cx: &Ctx) -> Self {
        Self {
            cancel: cx.cancel.clone(),
        }
    }
}

/// The variables Salt's `reset_system_locale` sets for every command.
const LOCALE: &[(&str, &str)] = &[
    ("LC_CTYPE", "C"),
    ("LC_NUMERIC", "C"),
    ("LC_TIME", "C"),
    ("LC_COLLATE", "C"),
    ("LC_MONETARY", "C"),
    ("LC_MESSAGES", "C"),
    ("LC_PAPER", "C"),
    ("LC_NAME", "C"),
    ("LC_ADDRESS", "C"),
    ("LC_TELEPHONE", "C"),
    ("LC_MEASUREMENT", "C"),
    ("LC_IDENTIFICATION", "C"),
    ("LANGUAGE", "C"),
];

impl Runner for Real {
    fn run<'a>(&'a self, argv: &'a [String], env: &'a [(String, String)]) -> RunFuture<'a> {
        Box::pin(async move {
            let Some(prog) = argv.first() else {
                return Err(ExecError::Command("empty command".into()));
            };
            let prog = if prog.contains('/') {
                prog.clone()
            } else {
                self.which(prog).unwrap_or_else(|| prog.clone())
            };
            let shown = argv.join(" ");
            let mut cmd = tokio::process::Command::new(&prog);
            cmd.args(&argv[1..])
                .envs(LOCALE.iter().copied())
                .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .process_group(0)
                .kill_on_drop(true);
            let child = cmd.spawn().map_err(|e| {
                ExecError::Command(format!("Unable to run command '{shown}', reason: {e}"))
            })?;
            let pid = child.id().and_then(|p| i32::try_from(p).ok());
            tokio::select! {
                out = child.wait_with_output() => {
                    let out = out.map_err(|e| ExecError::Command(format!("Unable to run command '{shown}', reason: {e}")))?;
                    Ok(Outcome {
                        retcode: exit_code(out.status),
                        stdout: trim_end_newline(String::from_utf8_lossy(&out.stdout).into_owned()),
                        stderr: trim_end_newline(String::from_utf8_lossy(&out.stderr).into_owned()),
                    })
                }
                () = self.cancel.cancelled() => {
                    if let Some(pid) = pid {
                        let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
                    }
                    Err(ExecError::Cancelled)
                }
            }
        })
    }

    fn which(&self, name: &str) -> Option<String> {
        which_in(std::env::var("PATH").ok().as_deref(), name)
    }
}

/// Salt's `salt.utils.path.which`: `PATH`, then the usual bin and sbin
/// directories, first executable file wins.
pub fn which_in(path: Option<&str>, name: &str) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let extra = [
        "/bin",
        "/sbin",
        "/usr/bin",
        "/usr/sbin",
        "/usr/local/bin",
        "/usr/local/sbin",
    ];
    let dirs = path
        .unwrap_or("")
        .split(':')
        .filter(|d| !d.is_empty())
        .chain(extra);
    for d in dirs {
        let p = Path::new(d).join(name);
        if std::fs::metadata(&p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0) {
            return Some(p.display().to_string());
        }
    }
    None
}

/// Salt's `cmd.run_all` strips one trailing newline (`rstrip=True` strips
/// all trailing whitespace; the tools here end lines with `\n`).
fn trim_end_newline(s: String) -> String {
    s.trim_end().to_owned()
}

fn exit_code(s: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    s.code().or_else(|| s.signal().map(|sig| -sig)).unwrap_or(1)
}

/// Canned answers for tests: each rule matches a command by the words it
/// starts with and gives an outcome (the first unused matching rule, or the
/// last matching one once all are used). Every command run is recorded.
#[cfg(test)]
pub(crate) mod script {
    use std::sync::Mutex;

    use super::*;

    #[derive(Default)]
    pub struct Script {
        rules: Mutex<Vec<(Vec<String>, Outcome, bool)>>,
        pub calls: Mutex<Vec<String>>,
        programs: Vec<String>,
    }

    impl Script {
        /// Programs `which` finds (as `/usr/bin/NAME`).
        pub fn with_programs(programs: &[&str]) -> Self {
            Self {
                programs: programs.iter().map(|s| s.to_string()).collect(),
                ..Self::default()
            }
        }

        /// When a command starts with `prefix` (space-separated words),
        /// answer `stdout` with exit code `retcode`.
        pub fn on(self, prefix: &str, retcode: i32, stdout: &str) -> Self {
            self.on_err(prefix, retcode, stdout, "")
        }

        pub fn on_err(self, prefix: &str, retcode: i32, stdout: &str, stderr: &str) -> Self {
            let words = prefix.split_whitespace().map(String::from).collect();
            let out = Outcome {
                retcode,
                stdout: stdout.trim_end().to_owned(),
                stderr: stderr.trim_end().to_owned(),
            };
            self.rules
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((words, out, false));
            self
        }

        pub fn calls(&self) -> Vec<String> {
            self.calls.lock().unwrap_or_else(|e| e.into_inner()).clone()
        }
    }

    impl Runner for Script {
        fn run<'a>(&'a self, argv: &'a [String], _env: &'a [(String, String)]) -> RunFuture<'a> {
            Box::pin(async move {
                // Programs found by `which` are recorded by their bare name.
                let argv: Vec<String> = argv
                    .iter()
                    .map(|a| match a.strip_prefix("/usr/bin/") {
                        Some(p) if self.programs.iter().any(|q| q == p) => p.to_owned(),
                        _ => a.clone(),
                    })
                    .collect();
                self.calls
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(argv.join(" "));
                let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
                let matches = |w: &Vec<String>| argv.len() >= w.len() && argv[..w.len()] == w[..];
                if let Some(r) = rules.iter_mut().find(|(w, _, used)| !*used && matches(w)) {
                    r.2 = true;
                    return Ok(r.1.clone());
                }
                match rules.iter().rev().find(|(w, _, _)| matches(w)) {
                    Some(r) => Ok(r.1.clone()),
                    None => Err(ExecError::Command(format!(
                        "unscripted command: {}",
                        argv.join(" ")
                    ))),
                }
            })
        }

        fn which(&self, name: &str) -> Option<String> {
            self.programs
                .iter()
                .any(|p| p == name)
                .then(|| format!("/usr/bin/{name}"))
        }
    }

    /// A host over a script, files under `root`.
    pub fn host<'a>(s: &'a Script, root: &Path, grains: &'a Map<String, Value>) -> Host<'a> {
        Host {
            runner: s,
            root: root.to_path_buf(),
            grains,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_searches_path_then_sbin() {
        assert!(which_in(Some("/nonexistent"), "sh").is_some());
        assert_eq!(which_in(Some("/nonexistent"), "no-such-program-x"), None);
    }

    #[tokio::test]
    async fn real_runner_captures_output_and_exit_code() {
        let cx = crate::modules::test_ctx();
        let real = Real::new(&cx);
        let argv: Vec<String> = ["sh", "-c", "echo out; echo err >&2; exit 3"]
            .map(String::from)
            .to_vec();
        let out = real.run(&argv, &[]).await.unwrap();
        assert_eq!(
            out,
            Outcome {
                retcode: 3,
                stdout: "out".into(),
                stderr: "err".into()
            }
        );
        let argv = vec!["/nonexistent/prog".to_owned()];
        let e = real.run(&argv, &[]).await.unwrap_err();
        assert!(
            e.to_string()
                .contains("Unable to run command '/nonexistent/prog'"),
            "{e}"
        );
    }
}
