//! `pkg.installed`, `pkg.latest`, `pkg.removed`, `pkg.purged` and
//! `pkg.mod_watch`, as Salt's `pkg` state, on the `pkg.*` execution
//! functions (apt on Debian/Ubuntu, dnf/yum on the RedHat family).
//! `sources` files are fetched with `cp.cache_file` first.
//!
//! `refresh` unset refreshes the package database at the first
//! `pkg.installed` / `pkg.latest` of a run that needs it, as Salt's refresh
//! tag does within a run.

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::calls::call;
use super::pkg_targets::{self as t, Desired, Found, Request};
use crate::module::{RunCtx, StateError, StateFn, StateReturn};
use crate::pyrepr::py_str;
use crate::value::truthy;

/// `pkg.installed`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Installed {
    name: String,
    #[serde(default)]
    version: Value,
    #[serde(default)]
    refresh: Option<bool>,
    #[serde(default)]
    fromrepo: Option<String>,
    #[serde(default)]
    skip_verify: bool,
    #[serde(default)]
    skip_suggestions: bool,
    #[serde(default)]
    pkgs: Option<Vec<Value>>,
    #[serde(default)]
    sources: Option<Vec<Value>>,
    #[serde(default)]
    allow_updates: bool,
    #[serde(default)]
    pkg_verify: Value,
    #[serde(default = "yes")]
    normalize: bool,
    #[serde(default)]
    ignore_epoch: Option<bool>,
    #[serde(default)]
    reinstall: bool,
    #[serde(default)]
    update_holds: bool,
    kwargs: Map<String, Value>,
}

fn yes() -> bool {
    true
}

/// `pkg.latest`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Latest {
    name: String,
    #[serde(default)]
    refresh: Option<bool>,
    #[serde(default)]
    fromrepo: Option<String>,
    #[serde(default)]
    skip_verify: bool,
    #[serde(default)]
    pkgs: Option<Vec<Value>>,
    #[serde(default = "yes")]
    #[allow(dead_code)]
    watch_flags: bool,
    kwargs: Map<String, Value>,
}

/// `pkg.removed`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Removed {
    name: String,
    #[serde(default)]
    version: Value,
    #[serde(default)]
    pkgs: Option<Vec<Value>>,
    #[serde(default = "yes")]
    normalize: bool,
    #[serde(default)]
    ignore_epoch: Option<bool>,
    #[allow(dead_code)]
    kwargs: Map<String, Value>,
}

/// `pkg.purged`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Purged(Removed);

/// `pkg.mod_watch`: runs the watching function again.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModWatch {
    name: String,
    #[serde(default)]
    sfun: Value,
    kwargs: Map<String, Value>,
}

/// Keyword arguments the states pass on to the execution functions.
const PASSED_ON: &[&str] = &[
    "install_recommends",
    "only_upgrade",
    "force_yes",
    "force_conf_new",
    "enablerepo",
    "disablerepo",
    "disableexcludes",
    "setopt",
];

fn passed_on(kwargs: &Map<String, Value>) -> Result<Vec<(&'static str, Value)>, StateError> {
    let mut out = Vec::new();
    for (k, v) in kwargs {
        match PASSED_ON.iter().find(|p| *p == k) {
            Some(p) => out.push((*p, v.clone())),
            None if k == "hold" => {
                return Err(StateError::Invocation(
                    "pkg: 'hold' is not supported by salt-rs yet".into(),
                ));
            }
            None if [
                "resolve_capabilities",
                "cache_valid_time",
                "saltenv",
                "diff_attr",
            ]
            .contains(&k.as_str()) => {}
            None => {
                return Err(StateError::Invocation(format!(
                    "'{k}' is an invalid keyword argument for 'pkg'"
                )));
            }
        }
    }
    Ok(out)
}

/// Salt's refresh tag within a run: unset means "refresh, unless an
/// earlier pkg.installed/pkg.latest of this run came first".
fn check_refresh(cx: &RunCtx<'_>, refresh: Option<bool>) -> bool {
    match refresh {
        Some(r) => r,
        None => !cx.running.keys().any(|tag| {
            tag.starts_with("pkg_|-")
                && (tag.ends_with("_|-installed") || tag.ends_with("_|-latest"))
        }),
    }
}

fn ret(name: &str, changes: Value, result: Value, comment: String) -> StateReturn {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    m.insert("changes".into(), changes);
    m.insert("result".into(), result);
    m.insert("comment".into(), json!(comment));
    StateReturn::from_map(m)
}

/// A return without changes.
fn no_changes(name: &str, result: bool, comment: impl Into<String>) -> StateReturn {
    ret(name, json!({}), json!(result), comment.into())
}

fn with_warnings(mut r: StateReturn, warnings: &[String]) -> StateReturn {
    if !warnings.is_empty() {
        r.set("warnings", json!(warnings));
    }
    r
}

/// Salt's key order for a failed install/remove: name, result, changes, comment.
fn failed(name: &str, changes: Value, comment: String) -> StateReturn {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    m.insert("result".into(), json!(false));
    m.insert("changes".into(), changes);
    m.insert("comment".into(), json!(comment));
    StateReturn::from_map(m)
}

/// Salt's `compare_dicts` of two `list_pkgs` (joined versions).
fn compare(old: &t::Installed, new: &t::Installed) -> Map<String, Value> {
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = Map::new();
    for k in keys {
        match (old.get(k), new.get(k)) {
            (None, Some(n)) => {
                out.insert(k.clone(), json!({"old": "", "new": n.join(",")}));
            }
            (Some(o), None) => {
                out.insert(k.clone(), json!({"new": "", "old": o.join(",")}));
            }
            (Some(o), Some(n)) if o != n => {
                out.insert(k.clone(), json!({"old": o.join(","), "new": n.join(",")}));
            }
            _ => {}
        }
    }
    out
}

plan_or_apply!(Installed {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Makes sure packages are installed: `name` (with `version`), or `pkgs` (names, or {name: version}; versions may be conditions like '>=1.2,<2' or globs), or `sources` ({name: salt://... or /path} .deb/.rpm files). `refresh` updates the package database first (default: once per run), `reinstall`, `fromrepo`, `skip_verify`, `allow_updates`, `ignore_epoch`, `normalize`; apt: `install_recommends`, `only_upgrade`, `force_yes`, `force_conf_new`; yum: `enablerepo`, `disablerepo`, `disableexcludes`, `setopt`. Not supported yet: `hold`, `pkg_verify`.\n\n    mypkgs:\n      pkg.installed:\n        - pkgs:\n          - foo\n          - bar: 1.2.3-4\n";
});

impl Installed {
    fn run(mut self, cx: &RunCtx<'_>, test: bool) -> Result<StateReturn, StateError> {
        let name = self.name.clone();
        let extra = passed_on(&self.kwargs)?;
        if self.pkgs.as_ref().is_some_and(Vec::is_empty) {
            return Ok(no_changes(&name, true, "No packages to install provided"));
        }
        let has = |v: &Option<Vec<Value>>| v.as_ref().is_some_and(|v| !v.is_empty());
        if !name.is_empty() && !has(&self.pkgs) && !has(&self.sources) {
            self.pkgs = Some(if self.version.is_null() || self.version == json!("") {
                vec![json!(name)]
            } else {
                vec![json!({ name.clone(): self.version.clone() })]
            });
            self.version = Value::Null;
        }
        let mut refresh = check_refresh(cx, self.refresh);
        if truthy(&self.pkg_verify) {
            return Ok(no_changes(&name, false, "pkg.verify not implemented"));
        }
        let version = (!self.version.is_null()).then(|| py_str(&self.version));
        let req = Request {
            name: &name,
            pkgs: self.pkgs.as_deref(),
            sources: self.sources.as_deref(),
            skip_suggestions: self.skip_suggestions,
            normalize: self.normalize,
            ignore_epoch: self.ignore_epoch,
            reinstall: self.reinstall,
            refresh,
            allow_updates: self.allow_updates,
        };
        let plan = match t::find_install_targets(cx, &req, version.as_deref()) {
            Err(e) if e.starts_with("SaltInvocationError: ") => {
                return Err(StateError::Invocation(
                    e["SaltInvocationError: ".len()..].to_owned(),
                ));
            }
            Err(e) => return Ok(ret(&name, json!({}), json!(false), e)),
            Ok(Found::Done(result, comment, warnings)) => {
                return Ok(with_warnings(
                    ret(&name, json!({}), json!(result), comment),
                    &warnings,
                ));
            }
            Ok(Found::Targets(p)) => p,
        };
        if plan.was_refreshed {
            refresh = false;
        }
        let sources = self.sources.as_ref().filter(|s| !s.is_empty());
        let mut comment: Vec<String> = Vec::new();
        let mut changes = Map::new();
        if test {
            if !plan.targets.is_empty() {
                let v = if sources.is_some() {
                    plan.targets
                        .keys()
                        .map(|x| (x.clone(), json!({"new": "installed", "old": ""})))
                        .collect()
                } else {
                    t::installable_versions(cx, &plan.targets, &IndexMap::new())
                        .map_err(StateError::Command)?
                };
                changes.extend(v);
                let summary: Vec<&str> = plan.targets.keys().map(String::as_str).collect();
                comment.push(format!(
                    "The following packages would be installed/updated: {}",
                    summary.join(", ")
                ));
            }
            if !plan.to_reinstall.is_empty() {
                let mut names = Vec::new();
                for p in plan.to_reinstall.keys() {
                    let s = if sources.is_some() {
                        p.clone()
                    } else {
                        t::desired_pkg(p, &plan.to_reinstall)
                    };
                    names.push(s);
                    for x in &names {
                        changes.insert(x.clone(), json!({"new": "installed", "old": ""}));
                    }
                }
                comment.push(format!(
                    "The following packages would be reinstalled: {}",
                    names.join(", ")
                ));
            }
            return Ok(with_warnings(
                ret(
                    &name,
                    Value::Object(changes),
                    Value::Null,
                    comment.join("\n"),
                ),
                &plan.warnings,
            ));
        }
        // What pkg.install gets: only the targets.
        let pkgs_arg: Option<Vec<Value>> = self.pkgs.as_ref().filter(|p| !p.is_empty()).map(|_| {
            plan.targets
                .iter()
                .chain(plan.to_reinstall.iter())
                .map(|(k, v)| json!({ k.clone(): v.clone().map_or(Value::Null, Value::String) }))
                .collect()
        });
        let sources_arg: Option<Vec<Value>> = match sources {
            Some(src) => {
                let mut out = Vec::new();
                for s in src {
                    let Some((k, v)) = s.as_object().and_then(|m| m.iter().next()) else {
                        continue;
                    };
                    if !plan.targets.contains_key(k) && !plan.to_reinstall.contains_key(k) {
                        continue;
                    }
                    let url = py_str(v);
                    let local = if url.contains("://") {
                        match call(cx, "cp.cache_file", &[json!(url), json!(cx.saltenv)], &[]) {
                            Ok(p) if !py_str(&p).is_empty() => py_str(&p),
                            Ok(_) => {
                                return Ok(failed(
                                    &name,
                                    json!({}),
                                    format!(
                                        "An error was encountered while installing package(s): Unable to cache {url}: file not found"
                                    ),
                                ));
                            }
                            Err(e) => {
                                return Ok(failed(
                                    &name,
                                    json!({}),
                                    format!(
                                        "An error was encountered while installing package(s): {e}"
                                    ),
                                ));
                            }
                        }
                    } else {
                        url
                    };
                    out.push(json!({ k.clone(): local }));
                }
                Some(out)
            }
            None => None,
        };
        let mut kw: Vec<(&str, Value)> = vec![
            ("refresh", json!(refresh)),
            (
                "fromrepo",
                self.fromrepo.clone().map_or(Value::Null, Value::String),
            ),
            ("skip_verify", json!(self.skip_verify)),
            ("reinstall", json!(!plan.to_reinstall.is_empty())),
            ("normalize", json!(self.normalize)),
            ("ignore_epoch", json!(self.ignore_epoch.unwrap_or(false))),
            ("saltenv", json!(cx.saltenv)),
        ];
        if let Some(p) = pkgs_arg {
            kw.push(("pkgs", Value::Array(p)));
        }
        if let Some(s) = sources_arg {
            kw.push(("sources", Value::Array(s)));
        }
        kw.extend(extra);
        let _ = self.update_holds;
        match call(cx, "pkg.install", &[], &kw) {
            Ok(Value::Object(m)) => changes.extend(m),
            Ok(Value::String(s)) => comment.push(s),
            Ok(_) => {}
            Err(e) => {
                let (ch, msg) = if e.contains("Additional info follows") {
                    let now = t::list_pkgs(cx).unwrap_or_default();
                    (Value::Object(compare(&plan.cur, &now)), e)
                } else {
                    (
                        json!({}),
                        format!("An error was encountered while installing package(s): {e}"),
                    )
                };
                return Ok(with_warnings(failed(&name, ch, msg), &plan.warnings));
            }
        }
        let (modified, not_modified, failures): (Vec<String>, Vec<String>, Vec<String>) = if sources
            .is_some()
        {
            let modified: Vec<String> = changes
                .keys()
                .filter(|x| plan.targets.contains_key(*x))
                .cloned()
                .collect();
            let not_mod = plan
                .desired
                .keys()
                .filter(|x| !plan.targets.contains_key(*x) && !plan.to_reinstall.contains_key(*x))
                .cloned()
                .collect();
            let failed = plan
                .targets
                .keys()
                .filter(|x| !modified.contains(x))
                .cloned()
                .collect();
            (modified, not_mod, failed)
        } else {
            let new = t::list_pkgs(cx).map_err(StateError::Command)?;
            let debian = call(cx, "grains.get", &[json!("os_family")], &[])
                .is_ok_and(|v| v == json!("Debian"));
            let (ok, bad) = t::verify_install(cx, &plan.desired, &new, self.ignore_epoch, debian);
            let modified = ok
                .iter()
                .filter(|x| plan.targets.contains_key(*x))
                .cloned()
                .collect();
            let not_mod = ok
                .iter()
                .filter(|x| !plan.targets.contains_key(*x) && !plan.to_reinstall.contains_key(*x))
                .cloned()
                .collect();
            let failed = bad
                .into_iter()
                .filter(|x| plan.targets.contains_key(x))
                .collect();
            (modified, not_mod, failed)
        };
        let show = |names: &[String]| -> String {
            if sources.is_some() {
                names.join(", ")
            } else {
                names
                    .iter()
                    .map(|x| t::desired_pkg(x, &plan.desired))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        if !modified.is_empty() {
            let summary = show(&modified);
            if summary.chars().count() < 20 {
                comment.push(format!(
                    "The following packages were installed/updated: {summary}"
                ));
            } else {
                let n = modified.len();
                comment.push(format!(
                    "{n} targeted package{} {} installed/updated.",
                    if n > 1 { "s" } else { "" },
                    if n > 1 { "were" } else { "was" }
                ));
            }
        }
        if !not_modified.is_empty() {
            let n = not_modified.len();
            if n <= 20 {
                comment.push(format!(
                    "The following packages were already installed: {}",
                    show(&not_modified)
                ));
            } else {
                comment.push(format!(
                    "{n} targeted package{} {} already installed",
                    if n > 1 { "s" } else { "" },
                    if n > 1 { "were" } else { "was" }
                ));
            }
        }
        let mut result = true;
        if !failures.is_empty() {
            comment.insert(
                0,
                format!(
                    "The following packages failed to install/update: {}",
                    show(&failures)
                ),
            );
            result = false;
        }
        for p in plan.to_reinstall.keys() {
            let s = if sources.is_some() {
                p.clone()
            } else {
                t::desired_pkg(p, &plan.desired)
            };
            if self.reinstall && changes.contains_key(p) {
                comment.push(format!("Package {s} was reinstalled."));
            } else if self.reinstall {
                comment.push(format!("Reinstall was not successful for package {s}."));
                result = false;
            }
        }
        Ok(with_warnings(
            ret(
                &name,
                Value::Object(changes),
                json!(result),
                comment.join("\n"),
            ),
            &plan.warnings,
        ))
    }
}

plan_or_apply!(Latest {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Makes sure packages are installed at the newest version the repositories offer (upgrading them): `name`, or `pkgs` (names). `refresh` updates the package database first (default: once per run); `fromrepo`, `skip_verify`, and the apt/yum options of pkg.installed.\n\n    mypkgs:\n      pkg.latest:\n        - pkgs:\n          - foo\n          - bar\n";
});

impl Latest {
    fn run(self, cx: &RunCtx<'_>, test: bool) -> Result<StateReturn, StateError> {
        let name = self.name.as_str();
        let refresh = check_refresh(cx, self.refresh);
        if self.kwargs.get("sources").is_some_and(truthy) {
            return Ok(no_changes(
                name,
                false,
                "The \"sources\" parameter is not supported.",
            ));
        }
        let mut kwargs = self.kwargs.clone();
        kwargs.remove("sources");
        let extra = passed_on(&kwargs)?;
        let desired: Vec<String> = match &self.pkgs {
            Some(p) if !p.is_empty() => t::repack(cx, p, true)
                .map_err(StateError::Invocation)?
                .keys()
                .cloned()
                .collect(),
            Some(_) => {
                return Ok(no_changes(name, true, "No packages to install provided"));
            }
            None => vec![name.to_owned()],
        };
        let args: Vec<Value> = desired.iter().map(|d| json!(d)).collect();
        let fromrepo = self.fromrepo.clone().map_or(Value::Null, Value::String);
        let avail = match call(
            cx,
            "pkg.latest_version",
            &args,
            &[("fromrepo", fromrepo.clone()), ("refresh", json!(refresh))],
        ) {
            Ok(v) => v,
            Err(e) => {
                return Ok(no_changes(
                    name,
                    false,
                    format!(
                        "An error was encountered while checking the newest available version of package(s): {e}"
                    ),
                ));
            }
        };
        let cur = match call(cx, "pkg.version", &args, &[]) {
            Ok(v) => v,
            Err(e) => return Ok(ret(name, json!({}), json!(false), e)),
        };
        let one = |v: &Value, k: &str| -> String {
            match v {
                Value::String(s) => s.clone(),
                Value::Object(m) => m.get(k).map(py_str).unwrap_or_default(),
                _ => String::new(),
            }
        };
        let mut targets = Desired::new();
        let mut problems = Vec::new();
        for p in &desired {
            let a = one(&avail, p);
            if a.is_empty() {
                if one(&cur, p).is_empty() {
                    problems.push(format!("No information found for '{p}'."));
                }
            } else {
                targets.insert(p.clone(), Some(a));
            }
        }
        if !problems.is_empty() {
            return Ok(ret(name, json!({}), json!(false), problems.join(" ")));
        }
        if targets.is_empty() {
            let comment = match desired.len() {
                n if n > 10 => format!("All {n} packages are up-to-date."),
                n if n > 1 => {
                    let mut s = desired.clone();
                    s.sort();
                    format!("All packages are up-to-date ({}).", s.join(", "))
                }
                _ => format!("Package {} is already up-to-date", desired[0]),
            };
            return Ok(ret(name, json!({}), json!(true), comment));
        }
        let mut sorted_targets: Vec<String> = targets.keys().cloned().collect();
        sorted_targets.sort();
        let mut up_to_date: Vec<String> = match &self.pkgs {
            Some(p) => p
                .iter()
                .map(py_str)
                .filter(|x| !targets.contains_key(x))
                .collect(),
            None => Vec::new(),
        };
        up_to_date.sort();
        if test {
            let mut comments = vec![format!(
                "The following packages would be installed/upgraded: {}",
                sorted_targets.join(", ")
            )];
            if !up_to_date.is_empty() {
                if up_to_date.len() <= 10 {
                    let list: Vec<String> = up_to_date
                        .iter()
                        .map(|x| format!("{x} ({})", one(&cur, x)))
                        .collect();
                    comments.push(format!(
                        "The following packages are already up-to-date: {}",
                        list.join(", ")
                    ));
                } else {
                    comments.push(format!(
                        "{} packages are already up-to-date",
                        up_to_date.len()
                    ));
                }
            }
            let current: IndexMap<String, String> =
                desired.iter().map(|d| (d.clone(), one(&cur, d))).collect();
            let changes =
                t::installable_versions(cx, &targets, &current).map_err(StateError::Command)?;
            return Ok(ret(
                name,
                Value::Object(changes),
                Value::Null,
                comments.join("\n"),
            ));
        }
        let pkgs: Vec<Value> = targets.keys().map(|k| json!(k)).collect();
        let mut kw: Vec<(&str, Value)> = vec![
            ("refresh", json!(false)),
            ("fromrepo", fromrepo),
            ("skip_verify", json!(self.skip_verify)),
            ("pkgs", Value::Array(pkgs)),
            ("saltenv", json!(cx.saltenv)),
        ];
        kw.extend(extra);
        let changes = match call(cx, "pkg.install", &[], &kw) {
            Ok(v) => v,
            Err(e) => {
                return Ok(no_changes(
                    name,
                    false,
                    format!("An error was encountered while installing package(s): {e}"),
                ));
            }
        };
        if truthy(&changes) {
            let failed: Vec<String> = sorted_targets
                .iter()
                .filter(|x| {
                    let c = changes.get(x.as_str());
                    let want = targets
                        .get(x.as_str())
                        .cloned()
                        .flatten()
                        .unwrap_or_default();
                    c.is_none_or(|c| !truthy(c))
                        || c.and_then(|c| c.get("new"))
                            .and_then(Value::as_str)
                            .is_some_and(|n| !n.split(',').any(|v| v == want) && want != "latest")
                })
                .cloned()
                .collect();
            let ok: Vec<String> = sorted_targets
                .iter()
                .filter(|x| !failed.contains(x))
                .cloned()
                .collect();
            let mut comments = Vec::new();
            if !failed.is_empty() {
                comments.push(format!(
                    "The following packages failed to update: {}",
                    failed.join(", ")
                ));
            }
            if !ok.is_empty() {
                comments.push(format!(
                    "The following packages were successfully installed/upgraded: {}",
                    ok.join(", ")
                ));
            }
            if !up_to_date.is_empty() {
                comments.push(if up_to_date.len() <= 10 {
                    format!(
                        "The following packages were already up-to-date: {}",
                        up_to_date.join(", ")
                    )
                } else {
                    format!("{} packages were already up-to-date ", up_to_date.len())
                });
            }
            return Ok(ret(
                name,
                changes,
                json!(failed.is_empty()),
                comments.join(" "),
            ));
        }
        let mut comment = match targets.len() {
            n if n > 10 => {
                format!("{n} targeted packages failed to update. See debug log for details.")
            }
            n if n > 1 => format!(
                "The following targeted packages failed to update. See debug log for details: ({}).",
                sorted_targets.join(", ")
            ),
            _ => format!("Package {} failed to update.", sorted_targets[0]),
        };
        if !up_to_date.is_empty() {
            if up_to_date.len() <= 10 {
                comment.push_str(&format!(
                    " The following packages were already up-to-date: {}",
                    up_to_date.join(", ")
                ));
            } else {
                comment.push_str(&format!(
                    "{} packages were already up-to-date",
                    up_to_date.len()
                ));
            }
        }
        Ok(ret(name, changes, json!(false), comment))
    }
}

impl StateFn for Removed {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Makes sure packages are not installed (apt-get remove keeps their configuration): `name` (with `version`: only that version), or `pkgs` (names or {name: version}).\n\n    vim-enhanced:\n      pkg.removed: []\n";

    fn plan(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        self.uninstall(cx, "remove", true)
    }

    fn apply(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        self.uninstall(cx, "remove", false)
    }
}

impl StateFn for Purged {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Makes sure packages are not installed and their configuration is gone (apt-get purge; on yum the same as pkg.removed).\n\n    vim-enhanced:\n      pkg.purged: []\n";

    fn plan(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        self.0.uninstall(cx, "purge", true)
    }

    fn apply(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        self.0.uninstall(cx, "purge", false)
    }
}

impl Removed {
    /// Salt's `_uninstall` with `_find_remove_targets`.
    fn uninstall(
        self,
        cx: &RunCtx<'_>,
        action: &str,
        test: bool,
    ) -> Result<StateReturn, StateError> {
        let name = self.name.as_str();
        let version = (!self.version.is_null()).then(|| py_str(&self.version));
        let params: Desired = match self.pkgs.as_ref().filter(|p| !p.is_empty()) {
            Some(p) => t::repack(cx, p, self.normalize).map_err(StateError::Invocation)?,
            None => name
                .split(',')
                .map(|n| (n.to_owned(), version.clone()))
                .collect(),
        };
        let cur = t::list_pkgs(cx).map_err(StateError::Command)?;
        let mut targets: Vec<String> = Vec::new();
        let mut version_spec = false;
        let to_remove: Desired = match self.pkgs.as_ref().filter(|p| !p.is_empty()) {
            Some(_) => params.clone(),
            None => {
                let n = call(cx, "pkg.normalize_name", &[json!(name)], &[])
                    .map_or(name.to_owned(), |v| py_str(&v));
                std::iter::once((n, version.clone())).collect()
            }
        };
        for (p, want) in &to_remove {
            let Some(cver) = cur.get(p).filter(|c| !c.is_empty()) else {
                continue;
            };
            match want {
                None => targets.push(p.clone()),
                Some(w) => {
                    version_spec = true;
                    if t::fulfills(cx, cver, w, self.ignore_epoch, false) {
                        targets.push(p.clone());
                    }
                }
            }
        }
        let purge = action == "purge";
        let early = targets.is_empty();
        if early && !purge {
            let extra = if version_spec {
                " (matching specified versions)"
            } else {
                ""
            };
            return Ok(no_changes(
                name,
                true,
                format!("All specified packages{extra} are already absent"),
            ));
        }
        if early {
            targets.clear();
        }
        let removed_list = |cx: &RunCtx<'_>| -> Result<Map<String, Value>, StateError> {
            let v = call(
                cx,
                "pkg.list_pkgs",
                &[],
                &[("versions_as_list", json!(true)), ("removed", json!(true))],
            )
            .map_err(StateError::Command)?;
            Ok(v.as_object().cloned().unwrap_or_default())
        };
        if purge {
            let old_removed = removed_list(cx)?;
            targets.extend(
                params
                    .keys()
                    .filter(|x| old_removed.contains_key(*x))
                    .cloned(),
            );
        }
        targets.sort();
        if targets.is_empty() {
            let extra = if purge { " or partially installed" } else { "" };
            return Ok(no_changes(
                name,
                true,
                format!("None of the targeted packages are installed{extra}"),
            ));
        }
        if test {
            let changes: Map<String, Value> = targets
                .iter()
                .map(|x| (x.clone(), json!({"new": format!("{action}d"), "old": ""})))
                .collect();
            return Ok(ret(
                name,
                Value::Object(changes),
                Value::Null,
                format!(
                    "The following packages will be {action}d: {}.",
                    targets.join(", ")
                ),
            ));
        }
        let mut kw: Vec<(&str, Value)> = vec![("name", json!(name))];
        if let Some(p) = &self.pkgs {
            kw.push(("pkgs", json!(p)));
        }
        let changes = match call(cx, &format!("pkg.{action}"), &[], &kw) {
            Ok(v) => v,
            Err(e) => {
                let (ch, msg) = if e.contains("Additional info follows") {
                    let now = t::list_pkgs(cx).unwrap_or_default();
                    (Value::Object(compare(&cur, &now)), e)
                } else {
                    (
                        json!({}),
                        format!(
                            "An error was encountered while {}ing package(s): {e}",
                            if purge { "purg" } else { "remov" }
                        ),
                    )
                };
                return Ok(failed(name, ch, msg));
            }
        };
        let new = t::list_pkgs(cx).map_err(StateError::Command)?;
        let redhat = call(cx, "grains.get", &[json!("os_family")], &[])
            .is_ok_and(|v| ["Suse", "RedHat", "Windows"].iter().any(|f| v == json!(f)));
        let mut failures: Vec<String> = Vec::new();
        for (p, want) in &params {
            if redhat {
                match want {
                    None if new.contains_key(p) => failures.push(p.clone()),
                    Some(w) if new.get(p).is_some_and(|v| v.contains(w)) => {
                        failures.push(format!("{p}-{w}"))
                    }
                    _ => {}
                }
            } else if new.contains_key(p) {
                failures.push(p.clone());
            }
        }
        if purge {
            let new_removed = removed_list(cx)?;
            failures.extend(
                params
                    .keys()
                    .filter(|x| new_removed.contains_key(*x))
                    .cloned(),
            );
        }
        failures.sort();
        if !failures.is_empty() {
            return Ok(ret(
                name,
                changes,
                json!(false),
                format!(
                    "The following packages failed to {action}: {}.",
                    failures.join(", ")
                ),
            ));
        }
        let mut not_installed: Vec<String> = params
            .keys()
            .filter(|x| !targets.contains(x))
            .cloned()
            .collect();
        not_installed.sort();
        let comment = if not_installed.is_empty() {
            format!("All targeted packages were {action}d.")
        } else {
            format!(
                "The following packages were not installed: {} The following packages were {action}d: {}.",
                not_installed.join(", "),
                targets.join(", ")
            )
        };
        Ok(ret(name, changes, json!(true), comment))
    }
}

plan_or_apply!(ModWatch {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Run by `watch` / `listen` on a pkg state whose target changed: runs pkg.installed / pkg.latest / pkg.removed / pkg.purged again.\n\n    foo:\n      pkg.latest:\n        - watch:\n          - pkgrepo: myrepo\n";
});

impl ModWatch {
    fn run(self, cx: &RunCtx<'_>, test: bool) -> Result<StateReturn, StateError> {
        let sfun = py_str(&self.sfun);
        let mut args = self.kwargs.clone();
        args.insert("name".into(), json!(self.name));
        let de = |fields: &[&str]| -> Value {
            let mut m = Map::new();
            let mut kw = Map::new();
            for (k, v) in &args {
                if fields.contains(&k.as_str()) {
                    m.insert(k.clone(), v.clone());
                } else {
                    kw.insert(k.clone(), v.clone());
                }
            }
            m.insert("kwargs".into(), Value::Object(kw));
            Value::Object(m)
        };
        let bad = |e: serde_json::Error| StateError::Invocation(format!("pkg.{sfun}: {e}"));
        match sfun.as_str() {
            "installed" => {
                let f = [
                    "name",
                    "version",
                    "refresh",
                    "fromrepo",
                    "skip_verify",
                    "skip_suggestions",
                    "pkgs",
                    "sources",
                    "allow_updates",
                    "pkg_verify",
                    "normalize",
                    "ignore_epoch",
                    "reinstall",
                    "update_holds",
                ];
                let s: Installed = serde_json::from_value(de(&f)).map_err(bad)?;
                s.run(cx, test)
            }
            "latest" => {
                let f = [
                    "name",
                    "refresh",
                    "fromrepo",
                    "skip_verify",
                    "pkgs",
                    "watch_flags",
                ];
                let s: Latest = serde_json::from_value(de(&f)).map_err(bad)?;
                s.run(cx, test)
            }
            "removed" | "purged" => {
                let f = ["name", "version", "pkgs", "normalize", "ignore_epoch"];
                let s: Removed = serde_json::from_value(de(&f)).map_err(bad)?;
                s.uninstall(cx, if sfun == "purged" { "purge" } else { "remove" }, test)
            }
            other => {
                let mut m = Map::new();
                m.insert("name".into(), json!(self.name));
                m.insert("changes".into(), json!({}));
                m.insert(
                    "comment".into(),
                    json!(format!(
                        "pkg.{other} does not work with the watch requisite"
                    )),
                );
                m.insert("result".into(), json!(false));
                Ok(StateReturn::from_map(m))
            }
        }
    }
}
