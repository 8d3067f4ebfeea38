//! `cmd.*`: run commands and scripts as states. The work goes through the
//! host's execution functions (`cmd.run_all`, `cmd.script`, `cp.cache_file`,
//! `cp.get_template`); results, comments and changes are Salt's word for
//! word: `changes` is the command's `{pid, retcode, stdout, stderr}`, the
//! result is False on a non-zero exit code, `stateful` commands report
//! their own outcome (`cmd_stateful.rs`), and `cmd.wait`/`cmd.wait_script`
//! only run from a `watch` (through `cmd.mod_watch`).
//!
//! `onlyif`, `unless` and `creates` are the runner's, as in Salt 3007.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::cmd_stateful::reinterpret;
use super::{WatchOnly, watch_only};
use crate::module::{RunCtx, StateError, StateFn, StateReturn};
use crate::pyrepr::py_str;
use crate::registry::bind_state;
use crate::value::truthy;

/// `cmd.run`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Run {
    name: Value,
    #[serde(default)]
    cwd: Value,
    #[serde(default)]
    root: Value,
    #[serde(default)]
    runas: Value,
    #[serde(default)]
    shell: Value,
    #[serde(default)]
    env: Value,
    #[serde(default)]
    prepend_path: Value,
    #[serde(default)]
    stateful: Value,
    #[serde(default)]
    output_loglevel: Value,
    #[serde(default)]
    hide_output: Value,
    #[serde(default)]
    timeout: Value,
    #[serde(default)]
    ignore_timeout: Value,
    #[serde(default)]
    use_vt: Value,
    #[serde(default)]
    success_retcodes: Value,
    #[serde(default)]
    success_stdout: Value,
    #[serde(default)]
    success_stderr: Value,
    /// Other options of `cmd.run_all` (`stdin`, `python_shell`, ...).
    kwargs: Map<String, Value>,
}

impl StateFn for Run {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Run the command NAME through the shell. Changes are the command's pid, retcode, stdout and stderr; a non-zero exit code fails the state (unless listed in `success_retcodes`). Arguments: `cwd`, `runas`, `shell`, `env` (map or list of maps), `prepend_path`, `timeout` (with `ignore_timeout: True` a timeout is a success), `hide_output`, `output_loglevel`, `success_retcodes`, `success_stdout`, `success_stderr`, `stateful` (the command reports `changed=yes comment=...` or a JSON object on stdout; `[{test_name: CMD}]` runs CMD in test mode instead), and any option of `cmd.run_all` (`stdin`, `umask`, ...). In test mode: result None, \"would have been executed\". `onlyif`, `unless` and `creates` decide whether it runs.\n\n    get-data:\n      cmd.run:\n        - name: curl -fsSo /srv/data.json https://example.com/data.json\n        - creates: /srv/data.json\n";

    fn plan(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        self.run(cx)
    }

    fn apply(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        self.run(cx)
    }
}

impl Run {
    fn run(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        let (stateful, test_name) = stateful_of(&self.stateful);
        // The result keeps the name given, even when `test_name` runs.
        let mut ret = StateReturn::new(self.name.clone(), Some(false), "");
        let mut name = py_str(&self.name);
        if cx.test
            && let Some(t) = &test_name
        {
            name = t.clone();
        }
        if !env_ok(&self.env) {
            ret.set(
                "comment",
                json!("Invalidly-formatted 'env' parameter. See documentation."),
            );
            return Ok(ret);
        }
        unsupported("cmd.run", "root", &self.root)?;
        unsupported("cmd.run", "use_vt", &self.use_vt)?;
        if cx.test && test_name.is_none() {
            ret.set("result", Value::Null);
            ret.set(
                "comment",
                json!(format!("Command \"{name}\" would have been executed")),
            );
            ret.set("changes", json!({"cmd": name}));
            return if stateful { reinterpret(ret) } else { Ok(ret) };
        }
        if let Some(comment) = missing_cwd(&self.cwd) {
            ret.set("comment", Value::String(comment));
            return Ok(ret);
        }
        let mut kwargs = self.kwargs.clone();
        kwargs.insert("cmd".into(), Value::String(name.clone()));
        kwargs.insert("python_shell".into(), Value::Bool(true));
        put_given(
            &mut kwargs,
            [
                ("timeout", &self.timeout),
                ("cwd", &self.cwd),
                ("runas", &self.runas),
                ("shell", &self.shell),
                ("env", &self.env),
                ("prepend_path", &self.prepend_path),
                ("output_loglevel", &self.output_loglevel),
                ("hide_output", &self.hide_output),
                ("success_retcodes", &self.success_retcodes),
                ("success_stdout", &self.success_stdout),
                ("success_stderr", &self.success_stderr),
            ],
        );
        let mut cmd_all = match run_all(cx, "cmd.run_all", &kwargs) {
            Ok(m) => m,
            Err(msg) => {
                ret.set("comment", Value::String(msg));
                return Ok(ret);
            }
        };
        let retcode = cmd_all.get("retcode").cloned().unwrap_or(json!(1));
        let mut result = !truthy(&retcode);
        if truthy(&self.ignore_timeout) {
            let timed_out = cmd_all.get("retcode") == Some(&json!(1))
                && cmd_all
                    .get("stdout")
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.contains("Timed out after"));
            if timed_out {
                cmd_all.insert("retcode".into(), json!(0));
                result = true;
            }
        }
        ret.set("changes", Value::Object(cmd_all));
        ret.set("result", Value::Bool(result));
        ret.set("comment", json!(format!("Command \"{name}\" run")));
        finish(ret, cx, stateful, &retcode)
    }
}

/// `cmd.wait`: `cmd.run`, but only when a watched state changed.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Wait(WatchOnly);

plan_or_apply!(Wait => watch_only.0 {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Like `cmd.run`, but the command runs only when a state in its `watch` list reports changes (through `cmd.mod_watch`); otherwise it succeeds doing nothing. Takes `cmd.run`'s arguments.\n\n    reload-daemon:\n      cmd.wait:\n        - name: systemctl daemon-reload\n        - watch:\n          - file: /etc/systemd/system/app.service\n";
});

/// `cmd.wait_script`: `cmd.script`, but only when a watched state changed.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct WaitScript(WatchOnly);

plan_or_apply!(WaitScript => watch_only.0 {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Like `cmd.script`, but the script runs only when a state in its `watch` list reports changes (through `cmd.mod_watch`). Takes `cmd.script`'s arguments.\n\n    rebuild-index:\n      cmd.wait_script:\n        - source: salt://scripts/reindex.sh\n        - watch:\n          - file: /srv/data\n";
});

/// `cmd.script`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    name: Value,
    #[serde(default)]
    source: Value,
    #[serde(default)]
    template: Value,
    #[serde(default)]
    cwd: Value,
    #[serde(default)]
    runas: Value,
    #[serde(default)]
    password: Value,
    #[serde(default)]
    shell: Value,
    #[serde(default)]
    env: Value,
    #[serde(default)]
    stateful: Value,
    #[serde(default)]
    timeout: Value,
    #[serde(default)]
    use_vt: Value,
    #[serde(default)]
    output_loglevel: Value,
    #[serde(default)]
    hide_output: Value,
    #[serde(default)]
    defaults: Value,
    #[serde(default)]
    context: Value,
    #[serde(default)]
    success_retcodes: Value,
    #[serde(default)]
    success_stdout: Value,
    #[serde(default)]
    success_stderr: Value,
    /// Other options of `cmd.script` (`args`, `stdin`, ...).
    kwargs: Map<String, Value>,
}

impl StateFn for Script {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Fetch a script (`source`: salt://, file:// or a local path; NAME when not given) and run it with `args` (shell words; words after the first in NAME when `args` is not given). `template: jinja` renders it first with `defaults` and `context`. Changes, result and `stateful` are as for `cmd.run`; also `cwd`, `runas`, `shell`, `env`, `timeout`, `hide_output`, `success_retcodes`, `success_stdout`, `success_stderr`. A script that cannot be fetched fails with \"Unable to cache script ...\".\n\n    setup-db:\n      cmd.script:\n        - source: salt://scripts/setup_db.sh\n        - args: \"--force 'my db'\"\n        - cwd: /srv\n";

    fn plan(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        self.run(cx)
    }

    fn apply(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        self.run(cx)
    }
}

impl Script {
    fn run(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        let (stateful, test_name) = stateful_of(&self.stateful);
        let mut name = py_str(&self.name);
        if cx.test
            && let Some(t) = &test_name
        {
            name = t.clone();
        }
        let mut ret = StateReturn::new(Value::String(name.clone()), Some(false), "");
        if !env_ok(&self.env) {
            ret.set(
                "comment",
                json!("Invalidly-formatted 'env' parameter. See documentation."),
            );
            return Ok(ret);
        }
        if truthy(&self.context) && !self.context.is_object() {
            ret.set(
                "comment",
                json!("Invalidly-formatted 'context' parameter. Must be formed as a dict."),
            );
            return Ok(ret);
        }
        if truthy(&self.defaults) && !self.defaults.is_object() {
            ret.set(
                "comment",
                json!("Invalidly-formatted 'defaults' parameter. Must be formed as a dict."),
            );
            return Ok(ret);
        }
        unsupported("cmd.script", "password", &self.password)?;
        unsupported("cmd.script", "use_vt", &self.use_vt)?;
        let mut tmpctx = self.defaults.as_object().cloned().unwrap_or_default();
        if let Some(c) = self.context.as_object() {
            tmpctx.extend(c.clone());
        }
        let source = if self.source.is_null() {
            name.clone()
        } else {
            py_str(&self.source)
        };
        let mut kwargs = self.kwargs.clone();
        if !kwargs.get("args").is_some_and(truthy) && name.split_whitespace().count() > 1 {
            let args = name.split_once(' ').map(|(_, a)| a).unwrap_or_default();
            kwargs.insert("args".into(), Value::String(args.to_owned()));
        }
        if cx.test && test_name.is_none() {
            ret.set("result", Value::Null);
            ret.set(
                "comment",
                json!(format!("Command '{name}' would have been executed")),
            );
            return if stateful { reinterpret(ret) } else { Ok(ret) };
        }
        if let Some(comment) = missing_cwd(&self.cwd) {
            ret.set("comment", Value::String(comment));
            return Ok(ret);
        }
        let cmd_all = match fetch_script(cx, &source, &self.template, tmpctx)? {
            None => {
                json!({"pid": 0, "retcode": 1, "stdout": "", "stderr": "", "cache_error": true})
                    .as_object()
                    .cloned()
                    .unwrap_or_default()
            }
            Some(local) => {
                kwargs.insert("source".into(), Value::String(local));
                kwargs.insert("python_shell".into(), Value::Bool(true));
                kwargs.insert("saltenv".into(), Value::String(cx.saltenv.to_owned()));
                put_given(
                    &mut kwargs,
                    [
                        ("runas", &self.runas),
                        ("shell", &self.shell),
                        ("env", &self.env),
                        ("cwd", &self.cwd),
                        ("timeout", &self.timeout),
                        ("output_loglevel", &self.output_loglevel),
                        ("hide_output", &self.hide_output),
                        ("success_retcodes", &self.success_retcodes),
                        ("success_stdout", &self.success_stdout),
                        ("success_stderr", &self.success_stderr),
                    ],
                );
                match run_all(cx, "cmd.script", &kwargs) {
                    Ok(m) => m,
                    Err(msg) => {
                        ret.set("comment", Value::String(msg));
                        return Ok(ret);
                    }
                }
            }
        };
        let retcode = cmd_all.get("retcode").cloned().unwrap_or(json!(1));
        ret.set("result", Value::Bool(!truthy(&retcode)));
        let comment = if cmd_all.get("cache_error").is_some_and(truthy) {
            format!(
                "Unable to cache script {source} from saltenv '{}'",
                cx.saltenv
            )
        } else {
            format!("Command '{name}' run")
        };
        ret.set("comment", Value::String(comment));
        ret.set("changes", Value::Object(cmd_all));
        finish(ret, cx, stateful, &retcode)
    }
}

/// `cmd.mod_watch`: what a `watch` runs for `cmd.run`, `cmd.wait`,
/// `cmd.script` and `cmd.wait_script`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModWatch {
    name: Value,
    #[serde(default)]
    sfun: Value,
    #[allow(dead_code)]
    kwargs: Map<String, Value>,
}

impl StateFn for ModWatch {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Run when a watched state changed: `cmd.run`/`cmd.wait` run their command, `cmd.script`/`cmd.wait_script` their script, with the state's own arguments.\n\n    restart-app:\n      cmd.wait:\n        - name: /usr/local/bin/app-restart\n        - watch:\n          - file: /etc/app.conf\n";

    fn plan(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        self.fire(cx)
    }

    fn apply(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        self.fire(cx)
    }
}

impl ModWatch {
    fn fire(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        let sfun = py_str(&self.sfun);
        let target = match sfun.as_str() {
            "wait" | "run" | "watch" => "cmd.run",
            "wait_script" | "script" => "cmd.script",
            _ => {
                let mut m = Map::new();
                m.insert("name".into(), self.name);
                m.insert("changes".into(), json!({}));
                m.insert(
                    "comment".into(),
                    json!(format!(
                        "cmd.{sfun} does not work with the watch requisite, please use cmd.wait or cmd.wait_script"
                    )),
                );
                m.insert("result".into(), json!(false));
                return Ok(StateReturn::from_map(m));
            }
        };
        let mut low = cx.low.clone();
        low.remove("sfun");
        let stateful = low.get("stateful").is_some_and(truthy);
        if stateful {
            low.remove("stateful");
        }
        let ret = bind_state(target, &low)?.run(cx)?;
        if stateful { reinterpret(ret) } else { Ok(ret) }
    }
}

/// `stateful` as Salt reads it: `True`, or `[{test_name: CMD}]`.
fn stateful_of(v: &Value) -> (bool, Option<String>) {
    match v {
        Value::Array(items) => {
            let test_name = items.first().and_then(|f| f.get("test_name")).map(py_str);
            (test_name.is_some(), test_name)
        }
        other => (*other == Value::Bool(true), None),
    }
}

/// Refuses an argument salt-rs does not implement, naming it.
fn unsupported(fun: &str, arg: &str, v: &Value) -> Result<(), StateError> {
    if truthy(v) {
        return Err(StateError::Invocation(format!(
            "{fun}: the '{arg}' argument is not supported by salt-rs"
        )));
    }
    Ok(())
}

/// Calls `cmd.run_all`/`cmd.script`; the result map, or the error's text.
fn run_all(
    cx: &RunCtx<'_>,
    fun: &str,
    kwargs: &Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    match cx.exec.call(fun, &[], kwargs) {
        Ok(r) => match r.value {
            Value::Object(m) => Ok(m),
            other => Err(py_str(&other)),
        },
        Err(e) => Err(e),
    }
}

/// The local path of the script: the source itself, what `cp.cache_file`
/// fetched, or what `cp.get_template` rendered. `None` when it could not
/// be had (Salt's `cache_error`).
fn fetch_script(
    cx: &RunCtx<'_>,
    source: &str,
    template: &Value,
    context: Map<String, Value>,
) -> Result<Option<String>, StateError> {
    let path_part = source.split_once("?saltenv=").map_or(source, |(p, _)| p);
    let got = if truthy(template) {
        let mut kw = Map::new();
        kw.insert("context".into(), Value::Object(context));
        let args = [
            json!(source),
            json!(""),
            template.clone(),
            json!(cx.saltenv),
        ];
        cx.exec.call("cp.get_template", &args, &kw)
    } else if path_part.starts_with('/') || path_part.starts_with("file://") {
        return Ok(Some(source.to_owned()));
    } else {
        cx.exec.call(
            "cp.cache_file",
            &[json!(source), json!(cx.saltenv)],
            &Map::new(),
        )
    };
    Ok(match got {
        Ok(r) => match r.value {
            Value::String(p) if !p.is_empty() => Some(p),
            _ => None,
        },
        Err(_) => None,
    })
}

/// Sets each option that was given (not null) in the call's keywords.
fn put_given<'a>(
    kwargs: &mut Map<String, Value>,
    options: impl IntoIterator<Item = (&'static str, &'a Value)>,
) {
    for (k, v) in options {
        if !v.is_null() {
            kwargs.insert(k.into(), v.clone());
        }
    }
}

/// `env` must be a map or a list of maps (or not given).
fn env_ok(env: &Value) -> bool {
    env.is_null() || env.is_array() || env.is_object()
}

/// The comment when `cwd` is given but is not a directory.
fn missing_cwd(cwd: &Value) -> Option<String> {
    let cwd = cwd.as_str().filter(|c| !c.is_empty())?;
    if std::path::Path::new(cwd).is_dir() {
        None
    } else {
        Some(format!(
            "Desired working directory \"{cwd}\" is not available"
        ))
    }
}

/// The end of `cmd.run`/`cmd.script`: a `stateful` command's own report,
/// and in test mode (a `test_name` ran) result None when it made changes.
fn finish(
    mut ret: StateReturn,
    cx: &RunCtx<'_>,
    stateful: bool,
    retcode: &Value,
) -> Result<StateReturn, StateError> {
    if stateful {
        ret = reinterpret(ret)?;
    }
    if cx.test && *retcode == json!(0) && ret.changes().is_some_and(|c| !c.is_empty()) {
        ret.set("result", Value::Null);
    }
    Ok(ret)
}
