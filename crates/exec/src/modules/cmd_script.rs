//! `cmd.script` and `cmd.script_retcode`: fetch a script, run it, remove it.
//!
//! The script is copied to a private temporary file (`__salt.tmp.XXXXXXXX`
//! plus the source's extension, mode 0500, owned by `runas`) in `cwd` (or
//! the temporary directory), run with `args`, and removed afterwards, as
//! Salt does. A local path (or `file://` URL) is used as it is; `salt://`
//! and other URLs are fetched through `cp.cache_file`, or rendered through
//! `cp.get_template` when `template` is set, both called through the
//! registry. A source that cannot be fetched gives Salt's
//! `{pid: 0, retcode: 1, stdout: "", stderr: "", cache_error: true}`.
//!
//! `args` reach the script as the shell splits them (the documented
//! behaviour; Salt 3007 on Linux drops them when the shell is used).

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::cmd::{Mode, run_mode};
use crate::registry::call_boxed;
use crate::{Ctx, ExecError, ExecFn, Ret, de, shlex};

/// `cmd.script source [args] [cwd] [stdin] [runas] ...`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Script(ScriptOpts);

/// `cmd.script_retcode`: `cmd.script` returning only the exit code.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct ScriptRetcode(ScriptOpts);

/// The arguments of both functions (Salt's names and defaults).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptOpts {
    #[serde(deserialize_with = "de::string_like")]
    source: String,
    /// A string of shell words, or a list of words.
    #[serde(default)]
    args: Option<Value>,
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
    #[serde(default)]
    env: Option<Value>,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    template: Option<String>,
    /// Template variables (`cp.get_template`'s `context`).
    #[serde(default)]
    context: Option<Map<String, Value>>,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    saltenv: Option<String>,
    #[serde(default)]
    timeout: Option<Value>,
    #[serde(default)]
    hide_output: bool,
    #[serde(default)]
    output_loglevel: Option<Value>,
    #[serde(default)]
    reset_system_locale: Option<bool>,
    #[serde(default)]
    ignore_retcode: bool,
    #[serde(default)]
    success_retcodes: Option<Value>,
    #[serde(default)]
    success_stdout: Option<Value>,
    #[serde(default)]
    success_stderr: Option<Value>,
}

macro_rules! script_doc {
    () => {
        "
Options: args (a string of shell words or a list), cwd (where the temporary
copy is made and the script runs), stdin, runas, shell, python_shell, env,
template (jinja: rendered through cp.get_template with context), saltenv,
timeout, hide_output, reset_system_locale, ignore_retcode, success_retcodes,
success_stdout, success_stderr, output_loglevel (ignored).
"
    };
}

impl ExecFn for Script {
    const POSITIONAL: &'static [&'static str] = &["source", "args", "cwd", "stdin", "runas"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = concat!(
        "Fetch the script SOURCE (salt://, file:// or a local path), run it with ARGS and return {pid, retcode, stdout, stderr}; {..., cache_error: True} when it cannot be fetched.\n\nCLI Example:\n\n    salt '*' cmd.script salt://scripts/runme.sh\n    salt '*' cmd.script salt://scripts/runme.sh 'arg1 \"arg two\"'\n",
        script_doc!()
    );
    type Output = Ret<Value>;

    async fn call(self, cx: &Ctx) -> Result<Ret<Value>, ExecError> {
        script(self.0, cx).await
    }
}

impl ExecFn for ScriptRetcode {
    const POSITIONAL: &'static [&'static str] = &["source", "args", "cwd", "stdin", "runas"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = concat!(
        "Like cmd.script, but return only the script's exit code.\n\nCLI Example:\n\n    salt '*' cmd.script_retcode salt://scripts/runme.sh\n",
        script_doc!()
    );
    type Output = Ret<Value>;

    async fn call(self, cx: &Ctx) -> Result<Ret<Value>, ExecError> {
        let r = script(self.0, cx).await?;
        let code = r.value.get("retcode").cloned().unwrap_or(json!(1));
        Ok(Ret {
            value: code,
            retcode: r.retcode,
        })
    }
}

/// What a source that could not be fetched gives (Salt's words).
fn cache_error() -> Ret<Value> {
    Ret {
        value: json!({"pid": 0, "retcode": 1, "stdout": "", "stderr": "", "cache_error": true}),
        retcode: 1,
    }
}

async fn script(o: ScriptOpts, cx: &Ctx) -> Result<Ret<Value>, ExecError> {
    let saltenv = o.saltenv.clone().unwrap_or_else(|| "base".into());
    let (path_part, _) = split_env(&o.source);
    let ext = Path::new(path_part)
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let dir = match &o.cwd {
        Some(c) => PathBuf::from(c),
        None => std::env::temp_dir(),
    };
    if !dir.is_absolute() || !dir.is_dir() {
        return Err(ExecError::Command(format!(
            "Specified cwd '{}' either not absolute or does not exist",
            dir.display()
        )));
    }
    let Some(fetched) = fetch(&o, &saltenv, cx).await? else {
        return Ok(cache_error());
    };
    let Ok(bytes) = std::fs::read(&fetched) else {
        return Ok(cache_error());
    };
    let tmp = private_copy(&dir, &ext, &bytes, o.runas.as_deref())?;

    let path = tmp.to_string_lossy().into_owned();
    let use_shell = o.python_shell.unwrap_or(true);
    let cmd = command_line(&path, o.args.as_ref(), use_shell)?;
    let mut opts = Map::new();
    opts.insert("cmd".into(), Value::String(cmd));
    opts.insert("python_shell".into(), Value::Bool(use_shell));
    let optional = [
        ("cwd", o.cwd.map(Value::String)),
        ("stdin", o.stdin.map(Value::String)),
        ("runas", o.runas.map(Value::String)),
        ("shell", o.shell.map(Value::String)),
        ("env", o.env),
        ("timeout", o.timeout),
        ("output_loglevel", o.output_loglevel),
        (
            "reset_system_locale",
            o.reset_system_locale.map(Value::Bool),
        ),
        ("success_retcodes", o.success_retcodes),
        ("success_stdout", o.success_stdout),
        ("success_stderr", o.success_stderr),
    ];
    for (k, v) in optional {
        if let Some(v) = v {
            opts.insert(k.into(), v);
        }
    }
    opts.insert("hide_output".into(), Value::Bool(o.hide_output));
    opts.insert("ignore_retcode".into(), Value::Bool(o.ignore_retcode));
    let cmd_opts = serde_json::from_value(Value::Object(opts))
        .map_err(|e| ExecError::invocation(e.to_string()))?;
    let out = run_mode(cmd_opts, Mode::RunAll, &cx.cancel).await;
    let _ = std::fs::remove_file(&tmp);
    out
}

/// The local file to run: the source itself, or what `cp.*` fetched.
async fn fetch(o: &ScriptOpts, saltenv: &str, cx: &Ctx) -> Result<Option<PathBuf>, ExecError> {
    if let Some(template) = &o.template {
        let mut kwargs = Map::new();
        if let Some(c) = &o.context {
            kwargs.insert("context".into(), Value::Object(c.clone()));
        }
        let args = vec![
            Value::String(o.source.clone()),
            Value::String(String::new()),
            Value::String(template.clone()),
            Value::String(saltenv.to_owned()),
        ];
        return Ok(fetched_path(
            call_boxed("cp.get_template", args, kwargs, cx).await,
        ));
    }
    if let Some(local) = local_path(&o.source) {
        return Ok(Some(PathBuf::from(local)));
    }
    let args = vec![
        Value::String(o.source.clone()),
        Value::String(saltenv.to_owned()),
    ];
    Ok(fetched_path(
        call_boxed("cp.cache_file", args, Map::new(), cx).await,
    ))
}

/// A `cp.*` answer as a path; failures and false answers are "not fetched".
fn fetched_path(r: Result<crate::Returned, ExecError>) -> Option<PathBuf> {
    match r {
        Ok(r) => match r.ret {
            Value::String(s) if !s.is_empty() => Some(PathBuf::from(s)),
            _ => None,
        },
        Err(e) => {
            tracing::error!(error = %e, "cmd.script: unable to fetch the script");
            None
        }
    }
}

/// A local absolute path or `file://` URL, without its `?saltenv=`.
fn local_path(source: &str) -> Option<&str> {
    let (path, _) = split_env(source);
    if let Some(rest) = path.strip_prefix("file://") {
        return Some(rest);
    }
    path.starts_with('/').then_some(path)
}

/// Salt's `url.split_env`: `salt://x?saltenv=dev` -> (`salt://x`, `dev`).
fn split_env(source: &str) -> (&str, Option<&str>) {
    match source.split_once("?saltenv=") {
        Some((p, env)) => (p, Some(env)),
        None => (source, None),
    }
}

/// Writes the private copy (mode 0500, owned by `runas`) and closes it, so
/// that it can be executed.
fn private_copy(
    dir: &Path,
    ext: &str,
    bytes: &[u8],
    runas: Option<&str>,
) -> Result<PathBuf, ExecError> {
    let fail = |e: std::io::Error| {
        ExecError::Command(format!(
            "Unable to write the script to {}: {e}",
            dir.display()
        ))
    };
    let mut f = tempfile::Builder::new()
        .prefix("__salt.tmp.")
        .suffix(ext)
        .tempfile_in(dir)
        .map_err(fail)?;
    f.write_all(bytes).map_err(fail)?;
    let path = f.into_temp_path().keep().map_err(|e| fail(e.error))?;
    let cleanup = |e: ExecError| {
        let _ = std::fs::remove_file(&path);
        e
    };
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o500))
        .map_err(|e| cleanup(fail(e)))?;
    if let Some(user) = runas {
        let u = match nix::unistd::User::from_name(user) {
            Ok(Some(u)) => u,
            _ => {
                return Err(cleanup(ExecError::Command(format!(
                    "User '{user}' is not available"
                ))));
            }
        };
        nix::unistd::chown(&path, Some(u.uid), None)
            .map_err(|e| cleanup(fail(std::io::Error::from(e))))?;
    }
    Ok(path)
}

/// The command that runs the copy: shell words when a shell is used, else
/// words that `cmd.*` splits back into the same argv.
fn command_line(path: &str, args: Option<&Value>, use_shell: bool) -> Result<String, ExecError> {
    let mut line = shlex::quote(path);
    match args {
        None | Some(Value::Null) => {}
        Some(Value::Array(words)) => {
            for w in words {
                let w = de::scalar_text(w).unwrap_or_else(|| w.to_string());
                line.push(' ');
                line.push_str(&shlex::quote(&w));
            }
        }
        Some(other) => {
            let text = de::scalar_text(other).unwrap_or_else(|| other.to_string());
            if text.is_empty() {
                return Ok(line);
            }
            if use_shell {
                line.push(' ');
                line.push_str(&text);
            } else {
                let words =
                    shlex::split(&text).map_err(|e| ExecError::invocation(e.to_string()))?;
                for w in words {
                    line.push(' ');
                    line.push_str(&shlex::quote(&w));
                }
            }
        }
    }
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::{run_in, test_ctx};

    fn write_script(dir: &Path, name: &str, body: &str) -> String {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        p.to_string_lossy().into_owned()
    }

    #[tokio::test]
    async fn runs_a_local_script_with_shell_split_args_and_removes_the_copy() {
        let src = tempfile::tempdir().unwrap();
        let work = tempfile::tempdir().unwrap();
        let script = write_script(
            src.path(),
            "s.sh",
            "#!/bin/sh\necho \"$# [$1] [$2] $(pwd)\"\necho oops >&2\nexit 3\n",
        );
        let cwd = work.path().to_string_lossy().into_owned();
        let r = run_in(
            &test_ctx(),
            "cmd.script",
            json!([script, "a 'b c'"]),
            json!({"cwd": cwd}),
        )
        .await;
        assert_eq!(r.ret["stdout"], json!(format!("2 [a] [b c] {cwd}")));
        assert_eq!(r.ret["stderr"], json!("oops"));
        assert_eq!(r.ret["retcode"], json!(3));
        assert_eq!(r.retcode, 3);
        let left: Vec<_> = std::fs::read_dir(work.path()).unwrap().collect();
        assert!(left.is_empty(), "temporary copy left behind: {left:?}");

        let r = run_in(
            &test_ctx(),
            "cmd.script",
            json!([script]),
            json!({"args": ["x y", "z"], "python_shell": false, "cwd": cwd}),
        )
        .await;
        assert_eq!(r.ret["stdout"], json!(format!("2 [x y] [z] {cwd}")));
        let r = run_in(
            &test_ctx(),
            "cmd.script_retcode",
            json!([format!("file://{script}")]),
            json!({}),
        )
        .await;
        assert_eq!((r.ret, r.retcode), (json!(3), 3));
    }

    #[tokio::test]
    async fn the_copy_keeps_the_extension_and_is_private() {
        let src = tempfile::tempdir().unwrap();
        let script = write_script(
            src.path(),
            "t.py.sh",
            "#!/bin/sh\nbasename \"$0\" | sed 's/.*\\.//'\nstat -c %a \"$0\"\n",
        );
        let r = run_in(&test_ctx(), "cmd.script", json!([script]), json!({})).await;
        assert_eq!(r.ret["stdout"], json!("sh\n500"));
    }

    #[tokio::test]
    async fn unfetchable_sources_are_cache_errors() {
        let r = run_in(
            &test_ctx(),
            "cmd.script",
            json!(["/no/such/script.sh"]),
            json!({}),
        )
        .await;
        assert_eq!(
            r.ret,
            json!({"pid": 0, "retcode": 1, "stdout": "", "stderr": "", "cache_error": true})
        );
        let r = run_in(
            &test_ctx(),
            "cmd.script",
            json!(["salt://nowhere.sh"]),
            json!({}),
        )
        .await;
        assert_eq!(r.ret["cache_error"], json!(true));
        let r = run_in(
            &test_ctx(),
            "cmd.script",
            json!(["/bin/true"]),
            json!({"cwd": "/no/such/dir"}),
        )
        .await;
        assert_eq!(
            r.ret,
            json!("ERROR: Specified cwd '/no/such/dir' either not absolute or does not exist")
        );
    }

    #[test]
    fn command_lines() {
        assert_eq!(
            command_line("/t/a b.sh", Some(&json!("x 'y z'")), true).unwrap(),
            "'/t/a b.sh' x 'y z'"
        );
        assert_eq!(
            command_line("/t/a.sh", Some(&json!("x 'y z'")), false).unwrap(),
            "/t/a.sh x 'y z'"
        );
        assert_eq!(
            command_line("/t/a.sh", Some(&json!(5)), true).unwrap(),
            "/t/a.sh 5"
        );
        assert_eq!(local_path("file:///x/y?saltenv=dev"), Some("/x/y"));
        assert_eq!(local_path("salt://x"), None);
    }
}
