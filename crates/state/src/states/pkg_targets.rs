//! What `pkg.installed` has to do, as Salt's `_find_install_targets`
//! works it out: the desired packages, those to install, to reinstall, and
//! the early answers ("already installed", not found, bad arguments). Also
//! Salt's version-condition helpers (`>=1.2,<2`, globs, epochs), with the
//! ordering itself asked from `pkg.version_cmp`.

use indexmap::IndexMap;
use serde_json::{Value, json};

use super::calls::call;
use crate::module::RunCtx;
use crate::pyrepr::py_str;

/// Desired packages: name -> version condition (None: any).
pub(crate) type Desired = IndexMap<String, Option<String>>;
/// Installed packages: name -> versions.
pub(crate) type Installed = IndexMap<String, Vec<String>>;

/// The outcome of the target search.
pub(crate) enum Found {
    /// A final answer: (result, comment, warnings).
    Done(bool, String, Vec<String>),
    /// Work to do.
    Targets(Box<Plan>),
}

/// Work for `pkg.installed`.
pub(crate) struct Plan {
    pub desired: Desired,
    pub targets: Desired,
    pub to_reinstall: Desired,
    pub warnings: Vec<String>,
    pub cur: Installed,
    pub was_refreshed: bool,
}

/// The request, as `pkg.installed` normalised it.
pub(crate) struct Request<'a> {
    pub name: &'a str,
    pub pkgs: Option<&'a [Value]>,
    pub sources: Option<&'a [Value]>,
    pub skip_suggestions: bool,
    pub normalize: bool,
    pub ignore_epoch: Option<bool>,
    pub reinstall: bool,
    pub refresh: bool,
    pub allow_updates: bool,
}

/// `pkg.list_pkgs versions_as_list=True`.
pub(crate) fn list_pkgs(cx: &RunCtx<'_>) -> Result<Installed, String> {
    let v = call(
        cx,
        "pkg.list_pkgs",
        &[],
        &[("versions_as_list", json!(true))],
    )?;
    let mut out = Installed::new();
    if let Value::Object(m) = v {
        for (k, v) in m {
            let vs = match v {
                Value::Array(a) => a.iter().map(py_str).collect(),
                other => vec![py_str(&other)],
            };
            out.insert(k, vs);
        }
    }
    Ok(out)
}

fn normalize_name(cx: &RunCtx<'_>, n: &str, normalize: bool) -> String {
    if !normalize {
        return n.to_owned();
    }
    call(cx, "pkg.normalize_name", &[json!(n)], &[]).map_or_else(|_| n.to_owned(), |v| py_str(&v))
}

/// Salt's `_repack_pkgs`; `Err` with Salt's message on duplicates.
pub(crate) fn repack(cx: &RunCtx<'_>, pkgs: &[Value], normalize: bool) -> Result<Desired, String> {
    let mut out = Desired::new();
    for p in pkgs {
        let (n, v) = match p {
            Value::Object(m) if m.len() == 1 => {
                let (k, v) = crate::states::sole_entry(m);
                (k, if v.is_null() { None } else { Some(py_str(&v)) })
            }
            other => (py_str(other), None),
        };
        out.insert(normalize_name(cx, &n, normalize), v);
    }
    if out.len() != pkgs.len() {
        return Err(format!(
            "You are passing a list of packages that contains duplicated packages names: {}. This cannot be processed. In case you are targeting different versions of the same package, please target them individually",
            crate::pyrepr::py_repr(&Value::Array(pkgs.to_vec()))
        ));
    }
    Ok(out)
}

/// Salt's `pack_sources`: [{name: source}] -> {name: source}; empty when
/// badly shaped.
pub(crate) fn pack_sources(cx: &RunCtx<'_>, sources: &[Value], normalize: bool) -> Desired {
    let mut out = Desired::new();
    for s in sources {
        match s {
            Value::Object(m) if m.len() == 1 => {
                if let Some((k, v)) = m.iter().next() {
                    out.insert(normalize_name(cx, k, normalize), Some(py_str(v)));
                }
            }
            _ => return Desired::new(),
        }
    }
    out
}

/// `name[=version]` as Salt's comments show a desired package.
pub(crate) fn desired_pkg(name: &str, desired: &Desired) -> String {
    match desired.get(name).cloned().flatten() {
        None => name.to_owned(),
        Some(v) if v.is_empty() => name.to_owned(),
        Some(v) if v.starts_with(['<', '>', '=']) => format!("{name}{v}"),
        Some(v) => format!("{name}={v}"),
    }
}

/// Salt's `split_comparison` + `_get_comparison_spec`.
pub(crate) fn comparison_spec(v: &str) -> (String, String) {
    const OPS: [&str; 10] = ["<=>", "!=", ">=", "<=", ">>", "<<", "<>", ">", "<", "="];
    let v = v.trim();
    let mut oper = "";
    let mut ver = v;
    for op in OPS {
        if let Some(rest) = v.strip_prefix(op) {
            let rest = rest.strip_prefix(char::is_whitespace).unwrap_or(rest);
            if !rest.is_empty() && !rest.contains(['<', '>', '=']) {
                oper = op;
                ver = rest;
            }
            break;
        }
    }
    let oper = if oper.is_empty() || oper == "=" {
        "=="
    } else {
        oper
    };
    (oper.to_owned(), ver.to_owned())
}

/// `pkg.version_cmp` through the host.
fn version_cmp(cx: &RunCtx<'_>, a: &str, b: &str, ignore_epoch: bool) -> Option<i64> {
    call(
        cx,
        "pkg.version_cmp",
        &[json!(a), json!(b)],
        &[("ignore_epoch", json!(ignore_epoch))],
    )
    .ok()
    .and_then(|v| v.as_i64())
}

/// Salt's `salt.utils.versions.compare`.
pub(crate) fn compare(cx: &RunCtx<'_>, v1: &str, oper: &str, v2: &str, ignore_epoch: bool) -> bool {
    let Some(c) = version_cmp(cx, v1, v2, ignore_epoch) else {
        return false;
    };
    let c = c.clamp(-1, 1);
    match oper {
        "<" => c == -1,
        "<=" => c <= 0,
        "==" => c == 0,
        ">=" => c >= 0,
        ">" => c == 1,
        "!=" => c != 0,
        _ => false,
    }
}

/// Salt's `_fulfills_version_string`.
pub(crate) fn fulfills(
    cx: &RunCtx<'_>,
    installed: &[String],
    conditions: &str,
    ignore_epoch: Option<bool>,
    allow_updates: bool,
) -> bool {
    let conds: Vec<(String, String)> = if conditions.trim().is_empty() {
        Vec::new()
    } else {
        conditions.trim().split(',').map(comparison_spec).collect()
    };
    installed.iter().any(|iv| {
        conds.iter().all(|(op, ver)| {
            let op = if allow_updates && conds.len() == 1 && op == "==" {
                ">="
            } else {
                op.as_str()
            };
            let ign = ignore_epoch
                .unwrap_or(!op.contains('<') && !op.contains('>') && !ver.contains(':'));
            (op == "==" && salt_target::fnmatchcase(iv, ver)) || compare(cx, iv, op, ver, ign)
        })
    })
}

/// Salt's `_find_install_targets` (no `pkg_verify`, no capabilities).
pub(crate) fn find_install_targets(
    cx: &RunCtx<'_>,
    req: &Request<'_>,
    version: Option<&str>,
) -> Result<Found, String> {
    let pkgs = req.pkgs.filter(|p| !p.is_empty());
    let sources = req.sources.filter(|s| !s.is_empty());
    if pkgs.is_some() && sources.is_some() {
        return Ok(Found::Done(
            false,
            "Only one of \"pkgs\" and \"sources\" is permitted.".into(),
            vec![],
        ));
    }
    let cur = list_pkgs(cx)?;
    let desired = if let Some(p) = pkgs {
        repack(cx, p, req.normalize).map_err(|e| format!("SaltInvocationError: {e}"))?
    } else if let Some(s) = sources {
        pack_sources(cx, s, req.normalize)
    } else {
        let mut d = Desired::new();
        d.insert(
            normalize_name(cx, req.name, req.normalize),
            version.map(String::from),
        );
        let cver = cur.get(req.name).cloned().unwrap_or_default();
        if let Some(v) = version {
            if cver.iter().any(|c| c == v) && !req.reinstall {
                return Ok(Found::Done(
                    true,
                    format!("Version {v} of package '{}' is already installed", req.name),
                    vec![],
                ));
            }
        } else if !cver.is_empty() && !req.reinstall {
            return Ok(Found::Done(
                true,
                format!("Package {} is already installed", req.name),
                vec![],
            ));
        }
        d
    };
    if desired.is_empty() {
        let what = if pkgs.is_some() { "pkgs" } else { "sources" };
        return Ok(Found::Done(
            false,
            format!("Invalidly formatted '{what}' parameter. See minion log."),
            vec![],
        ));
    }
    let _ = req.skip_suggestions;
    let mut desired = desired;
    let mut was_refreshed = false;
    let wants_latest: Vec<String> = if sources.is_some() {
        Vec::new()
    } else {
        desired
            .iter()
            .filter(|(_, v)| v.as_deref() == Some("latest"))
            .map(|(k, _)| k.clone())
            .collect()
    };
    if !wants_latest.is_empty() {
        let args: Vec<Value> = wants_latest.iter().map(|n| json!(n)).collect();
        let v = call(
            cx,
            "pkg.latest_version",
            &args,
            &[("refresh", json!(req.refresh))],
        )?;
        was_refreshed = req.refresh;
        for n in &wants_latest {
            let got = if wants_latest.len() == 1 {
                py_str(&v)
            } else {
                v.get(n).map(py_str).unwrap_or_default()
            };
            let resolved = if got.is_empty() {
                cur.get(n).and_then(|c| c.last().cloned())
            } else {
                Some(got)
            };
            desired.insert(n.clone(), resolved);
        }
    }
    let mut targets = Desired::new();
    let mut to_reinstall = Desired::new();
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let mut version_spec = false;
    for (pkg, vstr) in &desired {
        let cver = cur.get(pkg).cloned().unwrap_or_default();
        if cver.is_empty() {
            targets.insert(pkg.clone(), vstr.clone());
            continue;
        }
        let verstr = if sources.is_some() {
            if req.reinstall {
                to_reinstall.insert(pkg.clone(), vstr.clone());
                continue;
            }
            let src = vstr.clone().unwrap_or_default();
            let cached = match call(cx, "cp.cache_file", &[json!(src), json!(cx.saltenv)], &[]) {
                Ok(p) if !py_str(&p).is_empty() => py_str(&p),
                Ok(_) => {
                    problems.push(format!("Unable to cache {src}: file not found"));
                    continue;
                }
                Err(e) => {
                    problems.push(format!("Unable to cache {src}: {e}"));
                    continue;
                }
            };
            if !cx.exec.path_exists(&cached) {
                problems.push(format!("{src} does not exist on minion"));
                continue;
            }
            match call(cx, "lowpkg.bin_pkg_info", &[json!(cached)], &[]) {
                Ok(info) if info.get("version").is_some() => py_str(&info["version"]),
                _ => {
                    warnings.push(format!("Failed to parse metadata for {src}"));
                    continue;
                }
            }
        } else {
            if req.reinstall {
                to_reinstall.insert(pkg.clone(), vstr.clone());
                continue;
            }
            match vstr {
                None => continue,
                Some(v) => v.clone(),
            }
        };
        version_spec = true;
        let allow = sources.is_none() && req.allow_updates;
        if !fulfills(cx, &cver, &verstr, req.ignore_epoch, allow) {
            targets.insert(pkg.clone(), vstr.clone());
        }
    }
    if !problems.is_empty() {
        return Ok(Found::Done(false, problems.join(" "), vec![]));
    }
    if targets.is_empty() && to_reinstall.is_empty() {
        let extra = if version_spec && sources.is_none() {
            " and are at the desired version"
        } else {
            ""
        };
        return Ok(Found::Done(
            true,
            format!("All specified packages are already installed{extra}"),
            warnings,
        ));
    }
    Ok(Found::Targets(Box::new(Plan {
        desired,
        targets,
        to_reinstall,
        warnings,
        cur,
        was_refreshed,
    })))
}

/// Salt's `_verify_install`: (ok, failed) names after installing.
pub(crate) fn verify_install(
    cx: &RunCtx<'_>,
    desired: &Desired,
    new: &Installed,
    ignore_epoch: Option<bool>,
    debian: bool,
) -> (Vec<String>, Vec<String>) {
    let (mut ok, mut failed) = (Vec::new(), Vec::new());
    for (name, want) in desired {
        let key = if debian {
            name.split('=').next().unwrap_or(name)
        } else {
            name.as_str()
        };
        let Some(cver) = new.get(key).filter(|c| !c.is_empty()) else {
            failed.push(name.clone());
            continue;
        };
        let good = match want.as_deref() {
            None | Some("") | Some("latest") => true,
            Some(w) if w.ends_with('*') && cver[0].starts_with(&w[..w.len() - 1]) => true,
            Some(w) => fulfills(cx, cver, w, ignore_epoch, false),
        };
        if good {
            ok.push(name.clone());
        } else {
            failed.push(name.clone());
        }
    }
    (ok, failed)
}

/// Salt's `_get_installable_versions`: {pkg: {new, old}} for test mode.
pub(crate) fn installable_versions(
    cx: &RunCtx<'_>,
    targets: &Desired,
    current: &IndexMap<String, String>,
) -> Result<serde_json::Map<String, Value>, String> {
    let mut found: IndexMap<String, String> = IndexMap::new();
    let latest: Vec<String> = targets
        .iter()
        .filter(|(_, v)| v.as_deref().is_none_or(str::is_empty))
        .map(|(k, _)| desired_pkg(k, targets))
        .collect();
    if !latest.is_empty() {
        let args: Vec<Value> = latest.iter().map(|n| json!(n)).collect();
        let v = call(cx, "pkg.latest_version", &args, &[])?;
        match v {
            Value::String(s) => {
                found.insert(latest[0].clone(), s);
            }
            Value::Object(m) => {
                for (k, v) in m {
                    found.insert(k, py_str(&v));
                }
            }
            _ => {}
        }
    }
    let explicit: Vec<String> = targets
        .keys()
        .filter(|x| !latest.contains(x))
        .map(|x| desired_pkg(x, targets))
        .collect();
    if !explicit.is_empty() {
        let args: Vec<Value> = explicit.iter().map(|n| json!(n)).collect();
        if let Value::Object(m) = call(cx, "pkg.list_repo_pkgs", &args, &[])? {
            for (k, v) in m {
                if let Some(first) = v.as_array().and_then(|a| a.first()) {
                    found.insert(k, py_str(first));
                }
            }
        }
    }
    let mut out = serde_json::Map::new();
    for x in targets.keys() {
        let new = found
            .get(x)
            .filter(|s| !s.is_empty())
            .cloned()
            .unwrap_or_else(|| "installed".into());
        out.insert(
            x.clone(),
            json!({"new": new, "old": current.get(x).cloned().unwrap_or_default()}),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_and_desired_names() {
        assert_eq!(comparison_spec(">= 1.2"), (">=".into(), "1.2".into()));
        assert_eq!(comparison_spec("=1.2"), ("==".into(), "1.2".into()));
        assert_eq!(comparison_spec("1.2"), ("==".into(), "1.2".into()));
        let mut d = Desired::new();
        d.insert("a".into(), None);
        d.insert("b".into(), Some("1.0".into()));
        d.insert("c".into(), Some(">=2".into()));
        assert_eq!(desired_pkg("a", &d), "a");
        assert_eq!(desired_pkg("b", &d), "b=1.0");
        assert_eq!(desired_pkg("c", &d), "c>=2");
    }
}
