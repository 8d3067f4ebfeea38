//! `pkgrepo.managed`: a package repository configured, as Salt's `pkgrepo`
//! state, on `pkg.get_repo` / `expand_repo_def` / `mod_repo`: an apt line
//! in `/etc/apt/sources.list(.d)` on the Debian family (`name` is the whole
//! line), a section of a `/etc/yum.repos.d` file on the RedHat family
//! (`name` is the repository id). Key fetching (`keyid`, `key_url`,
//! `key_text`) is not supported yet: use `signed-by=` with a key file
//! managed by a file state.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::calls::call;
use crate::module::{RunCtx, StateError, StateFn, StateReturn};
use crate::pyrepr::py_str;
use crate::value::truthy;

/// `pkgrepo.managed`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Managed {
    name: String,
    #[serde(default)]
    ppa: Value,
    #[serde(default)]
    copr: Value,
    #[serde(default = "yes")]
    aptkey: bool,
    kwargs: Map<String, Value>,
}

fn yes() -> bool {
    true
}

fn ret(name: &str, changes: Map<String, Value>, result: Value, comment: String) -> StateReturn {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    m.insert("changes".into(), Value::Object(changes));
    m.insert("result".into(), result);
    m.insert("comment".into(), json!(comment));
    StateReturn::from_map(m)
}

/// Salt's `is_true`.
fn is_true(v: &Value) -> bool {
    match v {
        Value::String(s) => matches!(s.to_lowercase().as_str(), "true" | "yes" | "1" | "on"),
        other => truthy(other),
    }
}

plan_or_apply!(Managed {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Makes sure a package repository is configured. Debian family: `name` is the whole sources line ('deb [signed-by=/etc/apt/keyrings/x.gpg] http://... bookworm main'), with `file` (default /etc/apt/sources.list), `comps`, `architectures`, `refresh` (default True: apt-get update after a change). RedHat family: `name` is the repository id, with `humanname`, `baseurl`/`mirrorlist`/`metalink`, `gpgcheck`, `gpgkey`, `enabled`/`disabled`, any other yum option. Not supported yet: `ppa`, `copr`, `keyid`/`keyserver`, `key_url`, `key_text`.\n\n    example:\n      pkgrepo.managed:\n        - name: deb [signed-by=/etc/apt/keyrings/example.gpg] http://deb.example.com/debian bookworm main\n        - file: /etc/apt/sources.list.d/example.list\n";
});

impl Managed {
    fn run(self, cx: &RunCtx<'_>, test: bool) -> Result<StateReturn, StateError> {
        let name = self.name.clone();
        if !self.ppa.is_null() || !self.copr.is_null() {
            return Err(StateError::Invocation(
                "pkgrepo.managed: 'ppa' and 'copr' are not supported by salt-rs yet".into(),
            ));
        }
        let mut kwargs = self.kwargs.clone();
        // Conflicting key arguments fail the state, but Salt goes on (and its
        // later comment replaces the one naming the conflict).
        let has = |k: &str| kwargs.contains_key(k);
        let conflict = (has("key_url") && (has("keyid") || has("keyserver")))
            || (has("key_text") && (has("keyid") || has("keyserver")))
            || (has("key_text") && has("key_url"));
        let result = if conflict { json!(false) } else { Value::Null };
        if has("repo") {
            return Ok(ret(&name, Map::new(), json!(false), "'repo' is not a supported argument for this state. The 'name' argument is probably what was intended.".into()));
        }
        let enabled = kwargs.remove("enabled");
        let disabled = kwargs.remove("disabled");
        let (enabled, disabled) = match (enabled, disabled) {
            (Some(_), Some(_)) => {
                return Ok(ret(
                    &name,
                    Map::new(),
                    json!(false),
                    "Only one of enabled/disabled is allowed".into(),
                ));
            }
            (None, None) => (Some(json!(true)), None),
            other => other,
        };
        let family = call(cx, "grains.get", &[json!("os_family")], &[])
            .map(|v| py_str(&v))
            .unwrap_or_default();
        let os = call(cx, "grains.get", &[json!("os")], &[])
            .map(|v| py_str(&v))
            .unwrap_or_default();
        let debian = family == "Debian";
        kwargs.insert("name".into(), json!(name));
        if os == "Ubuntu" || os == "Mint" {
            let d = match (&enabled, &disabled) {
                (Some(e), _) => !is_true(e),
                (None, Some(d)) => is_true(d),
                _ => false,
            };
            kwargs.insert("disabled".into(), json!(d));
        } else if family == "RedHat" || family == "Suse" {
            if let Some(h) = kwargs.remove("humanname") {
                kwargs.insert("name".into(), h);
            }
            let e = match (&disabled, &enabled) {
                (Some(d), _) => !is_true(d),
                (None, Some(e)) => is_true(e),
                _ => true,
            };
            kwargs.insert("enabled".into(), json!(e));
        }
        let kw: Vec<(&str, Value)> = kwargs
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        let mut get_kw = kw.clone();
        get_kw.retain(|(k, _)| *k != "name");
        let pre = match call(cx, "pkg.get_repo", &[json!(name)], &get_kw) {
            Ok(v) => v,
            Err(e) => {
                return Ok(ret(
                    &name,
                    Map::new(),
                    json!(false),
                    format!("Failed to examine repo '{name}': {e}"),
                ));
            }
        };
        let mut sanitized: Map<String, Value> = if debian {
            call(cx, "pkg.expand_repo_def", &[json!(name)], &get_kw)
                .map_err(StateError::Command)?
                .as_object()
                .cloned()
                .unwrap_or_default()
        } else {
            kwargs.clone()
        };
        let mut pre = pre.as_object().cloned().unwrap_or_default();
        if !pre.is_empty() {
            pre.remove("file");
            sanitized.remove("file");
            if self.configured(&sanitized, &pre, &kwargs, &family) {
                return Ok(ret(
                    &name,
                    Map::new(),
                    json!(true),
                    format!("Package repo '{name}' already configured"),
                ));
            }
        }
        let mut changes = Map::new();
        if test {
            let comment = format!(
                "Package repo '{name}' would be configured. This may cause pkg states to behave differently than stated if this action is repeated without test=True, due to the differences in the configured repositories."
            );
            if pre.is_empty() {
                changes.insert("repo".into(), json!(name));
            } else {
                for (k, v) in &sanitized {
                    let old = pre.get(k).cloned().unwrap_or(Value::Null);
                    if *v != old {
                        changes.insert(k.clone(), json!({"new": v, "old": old}));
                    }
                }
            }
            return Ok(ret(&name, changes, result, comment));
        }
        if kwargs.get("clean_file").is_some_and(truthy)
            && let Some(f) = kwargs.get("file").map(py_str)
        {
            cx.exec
                .run_cmd(&format!(": > '{}'", f.replace('\'', "'\\''")), &Map::new())
                .map_err(StateError::Command)?;
        }
        let mut mod_kw = get_kw.clone();
        if debian {
            mod_kw.push(("saltenv", json!(cx.saltenv)));
            mod_kw.push(("aptkey", json!(self.aptkey)));
        }
        if family != "Debian" {
            mod_kw.push(("name", kwargs["name"].clone()));
        }
        if let Err(e) = call(cx, "pkg.mod_repo", &[json!(name)], &mod_kw) {
            return Ok(ret(
                &name,
                Map::new(),
                json!(false),
                format!("Failed to configure repo '{name}': {e}"),
            ));
        }
        match call(cx, "pkg.get_repo", &[json!(name)], &get_kw) {
            Ok(post) => {
                if pre.is_empty() {
                    changes.insert("repo".into(), json!(name));
                } else {
                    for k in sanitized.keys() {
                        let (new, old) = (
                            post.get(k).cloned().unwrap_or(Value::Null),
                            pre.get(k).cloned().unwrap_or(Value::Null),
                        );
                        if new != old {
                            changes.insert(k.clone(), json!({"new": new, "old": old}));
                        }
                    }
                }
                Ok(ret(
                    &name,
                    changes,
                    json!(true),
                    format!("Configured package repo '{name}'"),
                ))
            }
            Err(e) => Ok(ret(
                &name,
                changes,
                json!(false),
                format!("Failed to confirm config of repo '{name}': {e}"),
            )),
        }
    }

    /// Salt's comparison loop: true when nothing differs.
    fn configured(
        &self,
        sanitized: &Map<String, Value>,
        pre: &Map<String, Value>,
        kwargs: &Map<String, Value>,
        family: &str,
    ) -> bool {
        let redhat = family == "RedHat" || family == "Suse";
        for (k, want) in sanitized {
            let Some(have) = pre.get(k) else {
                if k == "enabled" && (!redhat || is_true(want)) {
                    if !redhat {
                        return false;
                    }
                    continue;
                }
                return false;
            };
            let strs = |v: &Value| -> Vec<String> {
                let mut l: Vec<String> = v
                    .as_array()
                    .map(|a| a.iter().map(py_str).collect())
                    .unwrap_or_default();
                l.sort();
                l
            };
            match k.as_str() {
                "comps" | "key_url" => {
                    if strs(want) != strs(have) {
                        return false;
                    }
                }
                "line" if family == "Debian" => {
                    if !sanitized.get("disabled").is_some_and(truthy) {
                        let split = |s: &str| -> Vec<String> {
                            let mut w: Vec<String> =
                                s.split_whitespace().map(String::from).collect();
                            if w.len() > 3 {
                                w[3..].sort();
                            }
                            w
                        };
                        let have_s = py_str(have);
                        let (body, _, pre_comments) = partition(&have_s, '#');
                        if split(&py_str(want)) != split(body.trim()) {
                            return false;
                        }
                        if let Some(c) = kwargs.get("comments") {
                            let post = match c {
                                Value::Array(a) => {
                                    a.iter().map(py_str).collect::<Vec<_>>().join(" ")
                                }
                                other => py_str(other),
                            };
                            if pre_comments.trim() != post.trim() {
                                return false;
                            }
                        }
                    }
                }
                "architectures" if truthy(want) => {
                    if strs(want) != strs(have) {
                        return false;
                    }
                }
                _ => {
                    if redhat && (want.is_boolean() || have.is_boolean()) {
                        if is_true(want) != is_true(have) {
                            return false;
                        }
                    } else if py_str(want) != py_str(have) {
                        return false;
                    }
                }
            }
        }
        true
    }
}

/// Python's `str.partition`.
fn partition(s: &str, sep: char) -> (&str, &str, &str) {
    match s.find(sep) {
        Some(i) => (&s[..i], &s[i..=i], &s[i + 1..]),
        None => (s, "", ""),
    }
}
