//! `service.*` states on systemd, as Salt's `service` state module:
//! `running`/`dead` (with `enable`), `enabled`/`disabled`, and `mod_watch`
//! (what `watch` runs: restart, or reload with `reload: True`, or start a
//! stopped service). Every question goes to the `service.*` execution
//! functions. On a host without systemd the state fails naming the reason,
//! where Salt would refuse to load the module; with systemd installed but
//! not running ("offline", an image build) the states do nothing, as Salt's.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::calls::{Ret, call, call_bool, sls_of};
use crate::module::{RunCtx, StateError, StateFn, StateReturn};
use crate::value::truthy;

/// Arguments only systemd's functions take.
const SYSTEMD_ONLY: &[&str] = &["no_block", "unmask", "unmask_runtime"];

/// What `running`/`dead` were called with.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    name: String,
    #[serde(default)]
    enable: Value,
    #[serde(default)]
    sig: Value,
    #[serde(default)]
    init_delay: Value,
    kwargs: Map<String, Value>,
}

/// `service.running`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Running(Args);

/// `service.dead`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Dead(Args);

/// `service.enabled`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enabled {
    name: String,
    kwargs: Map<String, Value>,
}

/// `service.disabled`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Disabled(Enabled);

/// `service.mod_watch`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModWatch {
    name: String,
    #[serde(default)]
    sfun: Value,
    #[serde(default)]
    sig: Value,
    #[serde(default)]
    reload: Value,
    /// Accepted; systemd has no full restart (as in Salt, ignored).
    #[serde(default)]
    #[allow(dead_code)]
    full_restart: Value,
    #[serde(default)]
    init_delay: Value,
    #[serde(default)]
    force: Value,
    kwargs: Map<String, Value>,
}

plan_or_apply!(Running => running.0 {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Keeps a systemd service running: starts it when it is not (`no_block`, `unmask`, `unmask_runtime` passed to systemctl). `enable: True` / `False` also enables or disables it at boot. `init_delay: N` waits N seconds after starting. A `watch` on it restarts the service when the watched state changed (`reload: True` reloads instead, `force: True` with it force-reloads).\n\n    nginx:\n      service.running:\n        - enable: True\n        - reload: True\n        - watch:\n          - file: /etc/nginx/nginx.conf\n";
});

plan_or_apply!(Dead => dead.0 {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Keeps a systemd service stopped: stops it when it runs. `enable: True` / `False` also enables or disables it at boot; `init_delay: N` waits N seconds after stopping. A service that does not exist counts as stopped.\n\n    telnet:\n      service.dead:\n        - enable: False\n";
});

plan_or_apply!(Enabled => enabled {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Enables a systemd service at boot without starting or stopping it.\n\n    nginx:\n      service.enabled: []\n";
});

plan_or_apply!(Disabled => disabled.0 {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Disables a systemd service at boot without starting or stopping it.\n\n    telnet:\n      service.disabled: []\n";
});

plan_or_apply!(ModWatch => mod_watch {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Run by `watch` / `listen` on a service state whose target changed: for `service.running`, restarts the service (reloads with `reload: True`, force-reloads with `force: True` too; starts it if it was stopped); for `service.dead`, stops it.\n\n    nginx:\n      service.running:\n        - watch:\n          - file: /etc/nginx/nginx.conf\n";
});

/// Salt's `__virtual__` gate and offline mode: `Some(return)` when the
/// state must stop here.
fn gate(cx: &RunCtx<'_>, fun: &str, name: &str) -> Option<Ret> {
    match call_bool(cx, "service.offline", &[], &[]) {
        Ok(false) => None,
        Ok(true) => {
            let mut r = Ret::new(name);
            r.set(json!(true), "Running in OFFLINE mode. Nothing to do");
            Some(r)
        }
        Err(reason) => {
            let mut r = Ret::new(name);
            r.set(
                json!(false),
                format!(
                    "State 'service.{fun}' was not found in SLS '{}'\nReason: No service execution module loaded: {reason}",
                    sls_of(cx)
                ),
            );
            Some(r)
        }
    }
}

/// The systemd-only keyword arguments `fun_args` accepts, from `kwargs`.
fn systemd_kwargs(kwargs: &Map<String, Value>, fun_args: &[&str]) -> Vec<(&'static str, Value)> {
    SYSTEMD_ONLY
        .iter()
        .filter(|k| fun_args.contains(k))
        .filter_map(|k| kwargs.get(*k).map(|v| (*k, v.clone())))
        .collect()
}

const START_ARGS: &[&str] = &["no_block", "unmask", "unmask_runtime"];
const STOP_ARGS: &[&str] = &["no_block"];
const ENABLE_ARGS: &[&str] = &["no_block", "unmask", "unmask_runtime"];

/// `enable: "yes"` means True, as Salt's `is_true`.
fn tristate(v: &Value) -> Option<bool> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(*b),
        Value::String(s) => Some(matches!(
            s.to_lowercase().as_str(),
            "true" | "yes" | "1" | "on"
        )),
        Value::Number(n) => Some(n.as_f64().is_some_and(|f| f != 0.0)),
        other => Some(truthy(other)),
    }
}

/// Salt's `_available`: false (with the comment set) when systemd does
/// not know the unit; `Err` when asking failed.
fn available(cx: &RunCtx<'_>, name: &str, r: &mut Ret) -> Result<bool, String> {
    let ok = call_bool(cx, "service.available", &[json!(name)], &[])?;
    if !ok {
        r.set(
            json!(false),
            format!("The named service {name} is not available"),
        );
    }
    Ok(ok)
}

/// Salt's `_enable`, applied onto `r` (`started`: Some(true) running,
/// None "the desired state", Some(false) dead).
fn enable(
    cx: &RunCtx<'_>,
    r: &mut Ret,
    name: &str,
    started: Option<bool>,
    result: Value,
    kwargs: &Map<String, Value>,
    test: bool,
) {
    match available(cx, name, r) {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => return r.set(json!(false), e),
    }
    r.result = result;
    let kw = systemd_kwargs(kwargs, ENABLE_ARGS);
    let before = match call_bool(cx, "service.enabled", &[json!(name)], &kw) {
        Ok(b) => b,
        Err(e) => return r.set(json!(false), e),
    };
    if before {
        if started.is_none() {
            r.changes = Map::new();
        }
        r.comment = boot_comment(name, "is already enabled", started);
        return;
    }
    if test {
        return r.set(Value::Null, format!("Service {name} set to be enabled"));
    }
    let error = match call(cx, "service.enable", &[json!(name)], &kw) {
        Ok(v) if truthy(&v) => {
            r.changes = Map::new();
            let after = call_bool(cx, "service.enabled", &[json!(name)], &kw).unwrap_or(before);
            if before != after {
                r.changes.insert(name.to_owned(), json!(true));
            }
            r.comment = boot_comment(name, "has been enabled", started);
            return;
        }
        Ok(_) => None,
        Err(e) => Some(e),
    };
    r.result = json!(false);
    r.comment = match started {
        Some(true) => format!(
            "Failed when setting service {name} to start at boot, but the service is running"
        ),
        None => format!(
            "Failed when setting service {name} to start at boot, but the service was already running"
        ),
        Some(false) => {
            format!("Failed when setting service {name} to start at boot, and the service is dead")
        }
    };
    if let Some(e) = error.filter(|e| !e.is_empty()) {
        r.comment
            .push_str(&format!(". Additional information follows:\n\n{e}"));
    }
}

/// "Service NAME {done}, and ..." as `_enable`/`_disable` end it: "is
/// running" (`Some(true)`), "is in the desired state" (`None`), "is dead".
fn boot_comment(name: &str, done: &str, started: Option<bool>) -> String {
    let state = match started {
        Some(true) => "is running",
        None => "is in the desired state",
        Some(false) => "is dead",
    };
    format!("Service {name} {done}, and {state}")
}

/// `enable: True` / `False` of `running`/`dead`: Salt's `_enable` or
/// `_disable` onto `r`; nothing when `enable` was not given.
fn set_boot(
    cx: &RunCtx<'_>,
    r: &mut Ret,
    a: &Args,
    started: Option<bool>,
    result: Value,
    test: bool,
) {
    let name = a.name.as_str();
    match tristate(&a.enable) {
        Some(true) => enable(cx, r, name, started, result, &a.kwargs, test),
        Some(false) => disable(cx, r, name, started, result, &a.kwargs, test),
        None => {}
    }
}

/// Salt's `_disable`, applied onto `r`.
fn disable(
    cx: &RunCtx<'_>,
    r: &mut Ret,
    name: &str,
    started: Option<bool>,
    result: Value,
    kwargs: &Map<String, Value>,
    test: bool,
) {
    match available(cx, name, r) {
        Ok(true) => {}
        Ok(false) => {
            r.result = json!(true);
            return;
        }
        Err(e) => return r.set(json!(false), e),
    }
    r.result = result;
    let before = match call_bool(cx, "service.disabled", &[json!(name)], &[]) {
        Ok(b) => b,
        Err(e) => return r.set(json!(false), e),
    };
    if before {
        if started.is_none() {
            r.changes = Map::new();
        }
        r.comment = boot_comment(name, "is already disabled", started);
        return;
    }
    if test {
        return r.set(Value::Null, format!("Service {name} set to be disabled"));
    }
    let kw = systemd_kwargs(kwargs, STOP_ARGS);
    if call_bool(cx, "service.disable", &[json!(name)], &kw).unwrap_or(false) {
        r.changes = Map::new();
        let after = call_bool(cx, "service.disabled", &[json!(name)], &[]).unwrap_or(before);
        if before != after {
            r.changes.insert(name.to_owned(), json!(true));
        }
        r.comment = boot_comment(name, "has been disabled", started);
        return;
    }
    r.result = json!(false);
    r.comment = match started {
        Some(true) => {
            format!("Failed when setting service {name} to not start at boot, and is running")
        }
        None => format!(
            "Failed when setting service {name} to not start at boot, but the service was already running"
        ),
        Some(false) => format!(
            "Failed when setting service {name} to not start at boot, and the service is dead"
        ),
    };
}

/// `service.status NAME [SIG]`.
fn status(cx: &RunCtx<'_>, name: &str, sig: &Value) -> Result<bool, String> {
    let args = if sig.is_null() {
        vec![json!(name)]
    } else {
        vec![json!(name), sig.clone()]
    };
    call_bool(cx, "service.status", &args, &[])
}

fn sleep(cx: &RunCtx<'_>, secs: &Value) {
    if let Some(s) = secs
        .as_f64()
        .or_else(|| secs.as_str().and_then(|s| s.parse().ok()))
        && s > 0.0
        && s.is_finite()
    {
        cx.exec.sleep(std::time::Duration::from_secs_f64(s));
    }
}

fn delay_text(v: &Value) -> String {
    crate::pyrepr::py_str(v)
}

/// The `unmasked` state's work for `unmask: True` (its comment).
fn unmask(cx: &RunCtx<'_>, name: &str, runtime: bool, test: bool) -> String {
    let action = if runtime {
        "runtime unmasked"
    } else {
        "unmasked"
    };
    let masked = match call_bool(cx, "service.masked", &[json!(name), json!(runtime)], &[]) {
        Ok(m) => m,
        Err(e) => return e,
    };
    if !masked {
        return format!("Service {name} was already {action}");
    }
    if test {
        return format!("Service {name} would be {action}");
    }
    if let Err(e) = call(cx, "service.unmask", &[json!(name), json!(runtime)], &[]) {
        return e;
    }
    match call_bool(cx, "service.masked", &[json!(name), json!(runtime)], &[]) {
        Ok(false) => format!("Service {name} was {action}"),
        Ok(true) => format!("Failed to unmask service {name}"),
        Err(e) => e,
    }
}

fn joined(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

/// What `running` and `dead` (`fun`) first ask: the return so far, whether
/// the service runs, and whether it is enabled; `Err` when the state
/// ends there (a misspelt `enabled`, no service module, offline, no such
/// service, or its status unknown).
fn begin(
    a: &Args,
    cx: &RunCtx<'_>,
    fun: &str,
    test: bool,
) -> Result<(Ret, bool, bool), StateReturn> {
    let name = a.name.as_str();
    let mut r = Ret::new(name);
    if a.kwargs.contains_key("enabled") {
        r.set(json!(false), format!("Service {name} uses non-existent option \"enabled\".  Perhaps \"enable\" option was intended?"));
        return Err(r.done());
    }
    if let Some(g) = gate(cx, fun, name) {
        return Err(g.done());
    }
    match available(cx, name, &mut r) {
        Ok(true) => {}
        Ok(false) => {
            let (verb, gone_ok) = if fun == "dead" {
                ("stopped", true)
            } else {
                ("started", false)
            };
            if test {
                r.set(Value::Null, format!("Service {name} not present; if created in this state run, it would have been {verb}"));
            } else if gone_ok {
                r.result = json!(true);
            }
            return Err(r.done());
        }
        Err(e) => {
            r.set(json!(false), e);
            return Err(r.done());
        }
    }
    let before = match status(cx, name, &a.sig) {
        Ok(s) => s,
        Err(e) => {
            r.set(json!(false), e);
            return Err(r.done());
        }
    };
    let before_enabled = call_bool(cx, "service.enabled", &[json!(name)], &[]).unwrap_or(false);
    Ok((r, before, before_enabled))
}

fn running(a: &Args, cx: &RunCtx<'_>, test: bool) -> StateReturn {
    let name = a.name.as_str();
    let (mut r, before, before_enabled) = match begin(a, cx, "running", test) {
        Ok(found) => found,
        Err(done) => return done,
    };
    let unmask_comment = if a.kwargs.get("unmask").is_some_and(truthy) {
        let runtime = a.kwargs.get("unmask_runtime").is_some_and(truthy);
        unmask(cx, name, runtime, test)
    } else {
        String::new()
    };
    if before {
        r.comment = joined(&[
            &format!("The service {name} is already running"),
            &unmask_comment,
        ]);
        if tristate(&a.enable).is_some_and(|want| want != before_enabled) {
            set_boot(cx, &mut r, a, None, json!(true), test);
        }
        return r.done();
    }
    if test {
        r.set(
            Value::Null,
            joined(&[&format!("Service {name} is set to start"), &unmask_comment]),
        );
        return r.done();
    }
    let kw = systemd_kwargs(&a.kwargs, START_ARGS);
    match call(cx, "service.start", &[json!(name)], &kw) {
        Err(e) => {
            r.set(json!(false), e);
            return r.done();
        }
        Ok(v) if !truthy(&v) => {
            r.set(json!(false), format!("Service {name} failed to start"));
            set_boot(cx, &mut r, a, Some(false), json!(false), test);
            return r.done();
        }
        Ok(_) => {}
    }
    if truthy(&a.init_delay) {
        sleep(cx, &a.init_delay);
    }
    let after = status(cx, name, &a.sig).unwrap_or(false);
    let after_enabled = call_bool(cx, "service.enabled", &[json!(name)], &[]).unwrap_or(false);
    if (before_enabled != after_enabled || before != after) && r.changes.is_empty() {
        r.changes.insert(name.to_owned(), json!(after));
    }
    if after {
        r.comment = format!("Started service {name}");
    } else {
        r.set(json!(false), format!("Service {name} failed to start"));
    }
    set_boot(cx, &mut r, a, Some(after), json!(after), test);
    if truthy(&a.init_delay) {
        r.comment = format!(
            "{}\nDelayed return for {} seconds",
            r.comment,
            delay_text(&a.init_delay)
        );
    }
    if a.kwargs.get("unmask").is_some_and(truthy) {
        r.comment = format!("{}\n{unmask_comment}", r.comment);
    }
    r.done()
}

fn dead(a: &Args, cx: &RunCtx<'_>, test: bool) -> StateReturn {
    let name = a.name.as_str();
    let (mut r, before, before_enabled) = match begin(a, cx, "dead", test) {
        Ok(found) => found,
        Err(done) => return done,
    };
    if !before {
        r.comment = format!("The service {name} is already dead");
        if tristate(&a.enable).is_some_and(|want| want != before_enabled) {
            set_boot(cx, &mut r, a, None, json!(true), test);
        }
        return r.done();
    }
    if test {
        r.set(Value::Null, format!("Service {name} is set to be killed"));
        return r.done();
    }
    let kw = systemd_kwargs(&a.kwargs, STOP_ARGS);
    if !call_bool(cx, "service.stop", &[json!(name)], &kw).unwrap_or(false) {
        r.set(json!(false), format!("Service {name} failed to die"));
        set_boot(cx, &mut r, a, Some(true), json!(false), test);
        return r.done();
    }
    if truthy(&a.init_delay) {
        sleep(cx, &a.init_delay);
    }
    let after = call_bool(cx, "service.status", &[json!(name)], &[]).unwrap_or(false);
    let after_enabled = call_bool(cx, "service.enabled", &[json!(name)], &[]).unwrap_or(false);
    if (before_enabled != after_enabled || before != after) && r.changes.is_empty() {
        r.changes.insert(name.to_owned(), json!(after));
    }
    if after {
        r.set(json!(false), format!("Service {name} failed to die"));
    } else {
        r.comment = format!("Service {name} was killed");
    }
    set_boot(cx, &mut r, a, Some(after), json!(!after), test);
    r.done()
}

fn enabled(a: &Enabled, cx: &RunCtx<'_>, test: bool) -> StateReturn {
    let name = a.name.as_str();
    if let Some(g) = gate(cx, "enabled", name) {
        return g.done();
    }
    let mut r = Ret::new(name);
    enable(cx, &mut r, name, None, json!(true), &a.kwargs, test);
    if test && r.comment == format!("The named service {name} is not available") {
        r.set(Value::Null, format!("Service {name} not present; if created in this state run, it would have been enabled"));
    }
    r.done()
}

fn disabled(a: &Enabled, cx: &RunCtx<'_>, test: bool) -> StateReturn {
    let name = a.name.as_str();
    if let Some(g) = gate(cx, "disabled", name) {
        return g.done();
    }
    let mut r = Ret::new(name);
    disable(cx, &mut r, name, None, json!(true), &a.kwargs, test);
    r.done()
}

fn mod_watch(a: &ModWatch, cx: &RunCtx<'_>, test: bool) -> StateReturn {
    let name = a.name.as_str();
    let mut r = Ret::new(name);
    if let Some(g) = gate(cx, "mod_watch", name) {
        return g.done();
    }
    let sfun = crate::pyrepr::py_str(&a.sfun);
    let running_now = || status(cx, name, &a.sig).unwrap_or(false);
    let (fun, verb, past): (&str, &str, String) = match sfun.as_str() {
        "dead" => {
            if !running_now() {
                r.set(json!(true), "Service is already stopped");
                return r.done();
            }
            ("service.stop", "stop", "stopped".into())
        }
        "running" => {
            if running_now() {
                if truthy(&a.reload) {
                    if truthy(&a.force) {
                        (
                            "service.force_reload",
                            "forcefully reload",
                            "forcefully reloaded".into(),
                        )
                    } else {
                        ("service.reload", "reload", "reloaded".into())
                    }
                } else {
                    ("service.restart", "restart", "restarted".into())
                }
            } else {
                ("service.start", "start", "started".into())
            }
        }
        other => {
            r.set(
                json!(false),
                format!("Unable to trigger watch for service.{other}"),
            );
            return r.done();
        }
    };
    if test {
        r.set(Value::Null, format!("Service is set to be {past}"));
        return r.done();
    }
    if verb == "start" {
        let _ = call(cx, "service.stop", &[json!(name)], &[]);
    }
    let args: &[&str] = match fun {
        "service.stop" => STOP_ARGS,
        _ => START_ARGS,
    };
    let kw = systemd_kwargs(&a.kwargs, args);
    let result = match call(cx, fun, &[json!(name)], &kw) {
        Ok(v) => truthy(&v),
        Err(e) => {
            r.set(json!(false), e);
            return r.done();
        }
    };
    if truthy(&a.init_delay) {
        sleep(cx, &a.init_delay);
    }
    r.changes = Map::new();
    r.changes.insert(name.to_owned(), json!(result));
    r.result = json!(result);
    r.comment = if result {
        format!("Service {past}")
    } else {
        format!("Failed to {verb} the service")
    };
    r.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LowChunk;
    use crate::module::{CallReturn, Exec, Running as Results};

    /// A host whose `service.*` answers are fixed by name.
    struct Fake(Vec<(&'static str, CallReturn)>);

    impl Exec for Fake {
        fn run_cmd(&self, _: &str, _: &Map<String, Value>) -> Result<i32, String> {
            Ok(0)
        }

        fn call(
            &self,
            fun: &str,
            _: &[Value],
            _: &Map<String, Value>,
        ) -> Result<CallReturn, String> {
            self.0
                .iter()
                .find(|(f, _)| *f == fun)
                .map(|(_, r)| r.clone())
                .ok_or_else(|| format!("'{fun}' is not available."))
        }
    }

    fn ok(v: Value) -> CallReturn {
        CallReturn {
            value: v,
            retcode: 0,
        }
    }

    fn run(exec: &Fake, test: bool) -> Map<String, Value> {
        let low = LowChunk::from_map(
            json!({"state": "service", "fun": "running", "name": "nginx", "__id__": "nginx", "__sls__": "web", "order": 1})
                .as_object()
                .cloned()
                .unwrap(),
        )
        .unwrap();
        let running = Results::new();
        let cx = RunCtx {
            test,
            exec,
            saltenv: "base",
            low: &low,
            running: &running,
            reqs: None,
            lowstate: &[],
        };
        let s: Running = serde_json::from_value(json!({"name": "nginx", "kwargs": {}})).unwrap();
        let r = if test { s.plan(&cx) } else { s.apply(&cx) };
        r.unwrap().into_map()
    }

    #[test]
    fn without_systemd_the_state_names_the_reason() {
        let exec = Fake(vec![(
            "service.offline",
            CallReturn {
                value: json!(format!(
                    "ERROR: {}",
                    "The systemd execution module failed to load: only available on Linux systems which have been booted with systemd."
                )),
                retcode: 1,
            },
        )]);
        let r = run(&exec, false);
        assert_eq!(r["result"], json!(false));
        assert_eq!(
            r["comment"],
            "State 'service.running' was not found in SLS 'web'\nReason: No service execution module loaded: The systemd execution module failed to load: only available on Linux systems which have been booted with systemd."
        );
    }

    #[test]
    fn offline_hosts_do_nothing() {
        let exec = Fake(vec![("service.offline", ok(json!(true)))]);
        let r = run(&exec, true);
        assert_eq!(
            (r["result"].clone(), r["comment"].clone()),
            (json!(true), json!("Running in OFFLINE mode. Nothing to do"))
        );
    }

    #[test]
    fn a_failed_start_reports_systemctls_error() {
        let exec = Fake(vec![
            ("service.offline", ok(json!(false))),
            ("service.available", ok(json!(true))),
            ("service.status", ok(json!(false))),
            ("service.enabled", ok(json!(false))),
            (
                "service.start",
                CallReturn {
                    value: json!(
                        "ERROR: Failed to start nginx.service: Unit nginx.service is masked."
                    ),
                    retcode: 1,
                },
            ),
        ]);
        let r = run(&exec, false);
        assert_eq!(r["result"], json!(false));
        assert_eq!(
            r["comment"],
            "Failed to start nginx.service: Unit nginx.service is masked."
        );
        let r = run(&exec, true);
        assert_eq!(
            (r["result"].clone(), r["comment"].clone()),
            (Value::Null, json!("Service nginx is set to start"))
        );
    }
}
