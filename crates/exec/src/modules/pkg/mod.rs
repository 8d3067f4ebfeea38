//! `pkg.*`: packages, as Salt's `aptpkg` (Debian family: `apt.rs`) and
//! `yumpkg` (RedHat family: `yum.rs`) modules, picked by the `os_family`
//! grain (or, without it, by which of apt-get / dnf / yum exists). Repository
//! definitions (`pkg.list_repos`, `get_repo`, `mod_repo`, `del_repo`) live in
//! `apt_repo.rs` and `yum_repo.rs`; version ordering in `version.rs`.
//!
//! Returns are Salt's: `list_pkgs` is `{name: "version[,version]"}` (lists
//! with `versions_as_list`), `install`/`remove` give {name: {old, new}} for
//! what changed. A failed install or remove is an error whose text is
//! Salt's message with the tools' errors ("Problem encountered installing
//! package(s). Additional info follows:\n\nerrors:\n    - ..."); the
//! changes made before the failure are not part of it (the states compute
//! them).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::error::py_str;
use crate::machine::Host;
use crate::{Ctx, ExecError};

pub(crate) mod apt;
pub(crate) mod apt_repo;
pub(crate) mod version;
pub(crate) mod yum;
pub(crate) mod yum_repo;

mod functions;
mod repo_functions;
pub use functions::*;
pub use repo_functions::*;

/// Installed packages: name -> versions (sorted as Salt sorts them).
pub(crate) type PkgList = BTreeMap<String, Vec<String>>;
/// {name: {old, new}} in name order.
pub(crate) type Changes = Map<String, Value>;

/// What to install: repository packages with optional versions, or files.
#[derive(Debug, Clone)]
pub(crate) enum Targets {
    Repo(Vec<(String, Option<String>)>),
    Files(Vec<String>),
}

/// The package manager of this host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Apt,
    Yum,
}

impl Backend {
    pub fn detect(host: &Host<'_>) -> Result<Self, ExecError> {
        match host.grain("os_family").as_str() {
            "Debian" => return Ok(Self::Apt),
            "RedHat" => return Ok(Self::Yum),
            "" => {}
            other => {
                return Err(ExecError::Command(format!(
                    "pkg: no package manager support for os_family {other} (salt-rs has apt for the Debian family and dnf/yum for the RedHat family)"
                )));
            }
        }
        if host.runner.which("apt-get").is_some() {
            Ok(Self::Apt)
        } else if yum::tool(host).is_some() {
            Ok(Self::Yum)
        } else {
            Err(ExecError::Command(
                "pkg: neither apt-get nor dnf/yum was found on this host".into(),
            ))
        }
    }

    pub fn scheme(self) -> version::Scheme {
        match self {
            Self::Apt => version::Scheme::Deb,
            Self::Yum => version::Scheme::Rpm,
        }
    }
}

/// Arguments of `pkg.install` that the backends read.
#[derive(Debug, Clone, Default)]
pub(crate) struct InstallReq {
    pub name: Option<String>,
    pub version: Option<String>,
    pub pkgs: Option<Vec<Value>>,
    pub refresh: bool,
    pub fromrepo: Option<String>,
    pub skip_verify: bool,
    pub reinstall: bool,
    pub ignore_epoch: bool,
    pub install_recommends: Option<bool>,
    pub only_upgrade: bool,
    pub force_yes: bool,
    pub force_conf_new: bool,
    pub enablerepo: Vec<String>,
    pub disablerepo: Vec<String>,
    pub disableexcludes: Option<String>,
    pub setopt: Vec<String>,
}

/// Salt's `compare_dicts` on the stringified lists: added `{old: "",
/// new}`, removed `{new: "", old}`, changed `{old, new}`.
pub(crate) fn compare_dicts(old: &PkgList, new: &PkgList) -> Changes {
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut ret = Changes::new();
    for k in keys {
        match (old.get(k), new.get(k)) {
            (None, Some(n)) => {
                ret.insert(k.clone(), json!({"old": "", "new": n.join(",")}));
            }
            (Some(o), None) => {
                ret.insert(k.clone(), json!({"new": "", "old": o.join(",")}));
            }
            (Some(o), Some(n)) if o != n => {
                ret.insert(k.clone(), json!({"old": o.join(","), "new": n.join(",")}));
            }
            _ => {}
        }
    }
    ret
}

/// Salt's CommandExecutionError text with `info={"errors": [...]}`.
pub(crate) fn nested_errors(msg: &str, errors: &[String]) -> ExecError {
    let mut text = msg.to_owned();
    if !text.ends_with(['.', '?', '!']) {
        text.push('.');
    }
    text.push_str(" Additional info follows:\n\nerrors:");
    for e in errors {
        for (i, line) in e.lines().enumerate() {
            text.push_str(if i == 0 { "\n    - " } else { "\n      " });
            text.push_str(line);
        }
    }
    ExecError::Command(text)
}

/// A changing command under `systemd-run --scope` (systemd >= 205 booted),
/// as Salt runs apt-get and yum.
pub(crate) async fn scoped(host: &Host<'_>, argv: &[String]) -> Vec<String> {
    let mut v = Vec::new();
    if host.exists("/run/systemd/system")
        && let Some(run) = host.runner.which("systemd-run")
    {
        let version = host
            .cmd(&["systemctl", "--version"])
            .await
            .ok()
            .and_then(|o| super::sysctl::systemd_version(&o.stdout));
        if version.is_some_and(|v| v >= 205) {
            v.extend([run, "--scope".into()]);
        }
    }
    v.extend(argv.iter().cloned());
    v
}

/// Names in `installed` matching each target (globs allowed).
pub(crate) fn match_wildcard(
    installed: &PkgList,
    targets: &[(String, Option<String>)],
) -> Vec<String> {
    match_wildcard_versions(installed, targets)
        .into_iter()
        .map(|(n, _)| n)
        .collect()
}

pub(crate) fn match_wildcard_versions(
    installed: &PkgList,
    targets: &[(String, Option<String>)],
) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for (t, v) in targets {
        if t.contains(['*', '?', '[']) {
            for n in installed.keys().filter(|n| crate::registry::fnmatch(t, n)) {
                out.push((n.clone(), v.clone()));
            }
        } else {
            out.push((t.clone(), v.clone()));
        }
    }
    out
}

/// Name and version inside a package file (`lowpkg.bin_pkg_info`).
pub(crate) async fn lowpkg_info(host: &Host<'_>, path: &str) -> Option<(String, String)> {
    let info = super::lowpkg::bin_pkg_info(host, path).await.ok()??;
    Some((
        info.get("name")?.as_str()?.to_owned(),
        info.get("version")?.as_str()?.to_owned(),
    ))
}

/// Salt's `_repack_pkgs`: names, or one-key maps {name: version}.
pub(crate) fn repack(
    pkgs: &[Value],
    normalize: impl Fn(&str) -> String,
) -> Result<Vec<(String, Option<String>)>, ExecError> {
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for p in pkgs {
        let (n, v) = match p {
            Value::Object(m) if m.len() == 1 => {
                let (k, v) = m
                    .iter()
                    .next()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .unwrap_or_default();
                (k, if v.is_null() { None } else { Some(py_str(&v)) })
            }
            other => (py_str(other), None),
        };
        let n = normalize(&n);
        if let Some(slot) = out.iter_mut().find(|(x, _)| *x == n) {
            slot.1 = v;
        } else {
            out.push((n, v));
        }
    }
    if out.len() != pkgs.len() {
        return Err(ExecError::invocation(format!(
            "You are passing a list of packages that contains duplicated packages names: {}. This cannot be processed. In case you are targeting different versions of the same package, please target them individually",
            py_str(&Value::Array(pkgs.to_vec()))
        )));
    }
    Ok(out)
}

/// Salt's `pkg.normalize_name` for the backend.
pub(crate) fn normalize_name(host: &Host<'_>, backend: Backend, name: &str) -> String {
    let osarch = host.grain("osarch");
    match backend {
        Backend::Apt => match name.rsplit_once(':') {
            Some((n, a)) if a == osarch || a == "all" || a == "any" => n.to_owned(),
            Some(_) => name.to_owned(),
            None => name.to_owned(),
        },
        Backend::Yum => yum::normalize_name(name, &osarch),
    }
}

/// A boxed, sendable future.
pub(crate) type BoxFuture<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// `salt://` sources fetched with `cp.cache_file` (absolute paths kept).
/// Boxed: it calls back into the registry, which holds `pkg.install`.
pub(crate) fn cache_sources<'a>(
    cx: &'a Ctx,
    sources: &'a [Value],
    saltenv: &'a str,
) -> BoxFuture<'a, Result<Vec<(String, String)>, ExecError>> {
    Box::pin(async move {
        let mut out = Vec::new();
        for s in sources {
            let shape =
                || ExecError::invocation("sources must be a list of one-key maps {name: source}");
            let Value::Object(m) = s else {
                return Err(shape());
            };
            let Some((name, src)) = m.iter().next().filter(|_| m.len() == 1) else {
                return Err(shape());
            };
            let src = py_str(src);
            let local = if src.contains("://") {
                let r = cache_file(cx, &src, saltenv).await?;
                match r.ret {
                    Value::String(p) if r.success && !p.is_empty() => p,
                    _ => {
                        return Err(ExecError::Command(format!(
                            "Unable to cache {src}: file not found"
                        )));
                    }
                }
            } else if src.starts_with('/') {
                src
            } else {
                return Err(ExecError::invocation(format!(
                    "Path {src} for package {name} is either not absolute or an invalid protocol"
                )));
            };
            out.push((name.clone(), local));
        }
        Ok(out)
    })
}

/// `cp.cache_file URL SALTENV` through the registry.
fn cache_file<'a>(
    cx: &'a Ctx,
    url: &str,
    saltenv: &str,
) -> BoxFuture<'a, Result<crate::ExecResult, ExecError>> {
    let call = crate::parse_call(
        "cp.cache_file",
        vec![json!(url), json!(saltenv)],
        Map::new(),
    );
    Box::pin(async move { Ok(call?.call(cx).await) })
}

/// The versions of `name` in `available` (what `list_repo_pkgs` returns).
pub(crate) fn candidates(available: &Map<String, Value>, name: &str) -> Vec<String> {
    available
        .get(name)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Salt's error for a version comparison (`>=1.2`) that none of `cands`
/// satisfies.
pub(crate) fn no_version_match(name: &str, v: &str, cands: &[String]) -> String {
    format!(
        "No version matching '{name}{v}' could be found (available: {})",
        if cands.is_empty() {
            "None".to_owned()
        } else {
            cands.join(", ")
        }
    )
}

/// Runs `f` with this machine and its package manager; fails as
/// [`Backend::detect`] does when there is none.
pub(crate) async fn with_backend<T>(
    cx: &Ctx,
    f: impl AsyncFnOnce(&Host<'_>, Backend) -> Result<T, ExecError>,
) -> Result<T, ExecError> {
    let real = crate::machine::Real::new(cx);
    let host = Host::real(&real, cx);
    let backend = Backend::detect(&host)?;
    f(&host, backend).await
}

/// Reads a string, list or comma-separated string as a list of strings.
pub(crate) fn str_list(v: &Value) -> Vec<String> {
    match v {
        Value::Null => Vec::new(),
        Value::String(s) => s
            .split(',')
            .map(|x| x.trim().to_owned())
            .filter(|x| !x.is_empty())
            .collect(),
        Value::Array(a) => a.iter().map(py_str).collect(),
        other => vec![py_str(other)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_have_salts_key_orders() {
        let mut old = PkgList::new();
        old.insert("gone".into(), vec!["1.0".into()]);
        old.insert("up".into(), vec!["1.0".into()]);
        let mut new = PkgList::new();
        new.insert("up".into(), vec!["1.1".into()]);
        new.insert("added".into(), vec!["2.0".into()]);
        let c = compare_dicts(&old, &new);
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"added":{"old":"","new":"2.0"},"gone":{"new":"","old":"1.0"},"up":{"old":"1.0","new":"1.1"}}"#
        );
    }

    #[test]
    fn repack_names_and_versions() {
        let r = repack(&[json!("a"), json!({"b": 1.1}), json!({"c": null})], |n| {
            n.to_owned()
        })
        .unwrap();
        assert_eq!(
            r,
            vec![
                ("a".into(), None),
                ("b".into(), Some("1.1".into())),
                ("c".into(), None)
            ]
        );
        let e = repack(&[json!("a"), json!("a")], |n| n.to_owned()).unwrap_err();
        assert!(e.to_string().contains("duplicated packages names"), "{e}");
    }

    #[test]
    fn error_text() {
        let e = nested_errors(
            "Problem encountered installing package(s)",
            &["E: Unable to locate package nosuch".into()],
        );
        assert_eq!(
            e.to_string(),
            "ERROR: Problem encountered installing package(s). Additional info follows:\n\nerrors:\n    - E: Unable to locate package nosuch"
        );
    }
}
