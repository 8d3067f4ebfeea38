//! The Debian/Ubuntu backend of `pkg.*` (Salt's `aptpkg`): dpkg-query for
//! what is installed, `apt-cache policy` for candidates, `apt-get` to
//! install and remove, `dpkg -i` for package files.

use serde_json::{Map, Value, json};

use super::version::{Scheme, compare, split_comparison};
use super::{
    Changes, InstallReq, PkgList, Targets, candidates, compare_dicts, nested_errors,
    no_version_match, scoped,
};
use crate::ExecError;
use crate::machine::Host;

/// What Salt sets for every dpkg run.
const DPKG_ENV: &[(&str, &str)] = &[
    ("APT_LISTBUGS_FRONTEND", "none"),
    ("APT_LISTCHANGES_FRONTEND", "none"),
    ("DEBIAN_FRONTEND", "noninteractive"),
    ("UCF_FORCE_CONFFOLD", "1"),
];

/// Which of dpkg's package lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Which {
    /// Installed plus "purge desired but still installed" (Salt's default).
    Installed,
    Removed,
    PurgeDesired,
}

/// Parses `dpkg-query -W` output in Salt's format (`${Status} ${Package}
/// ${Version} ${Architecture}`): installed, removed, purge-desired lists.
pub(crate) fn parse_dpkg_query(out: &str, grains: &Map<String, Value>) -> [PkgList; 3] {
    let mut installed = PkgList::new();
    let mut removed = PkgList::new();
    let mut purge = PkgList::new();
    let x86 = grains.get("cpuarch").is_some_and(|a| a == "x86_64");
    let osarch = grains.get("osarch").and_then(Value::as_str).unwrap_or("");
    for line in out.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() < 6 {
            continue;
        }
        let (linetype, status, version, arch) = (cols[0], cols[2], cols[4], cols[5]);
        let mut name = cols[3].to_owned();
        if x86 && arch != "all" && osarch == "amd64" && osarch != arch {
            name = format!("{name}:{arch}");
        }
        let list = if (linetype.contains("install") || linetype.contains("hold"))
            && status.contains("installed")
        {
            &mut installed
        } else if linetype.contains("deinstall") {
            &mut removed
        } else if linetype.contains("purge") && status == "installed" {
            &mut purge
        } else {
            continue;
        };
        list.entry(name).or_default().push(version.to_owned());
    }
    for l in [&mut installed, &mut removed, &mut purge] {
        for v in l.values_mut() {
            v.sort();
            v.dedup();
        }
    }
    [installed, removed, purge]
}

pub(crate) async fn list_pkgs(host: &Host<'_>, which: Which) -> Result<PkgList, ExecError> {
    let out = host
        .cmd(&[
            "dpkg-query",
            "--showformat",
            "${Status} ${Package} ${Version} ${Architecture}\n",
            "-W",
        ])
        .await?;
    let [installed, removed, mut purge] = parse_dpkg_query(&out.stdout, host.grains);
    Ok(match which {
        Which::Removed => removed,
        Which::PurgeDesired => purge,
        Which::Installed => {
            purge.extend(installed);
            purge
        }
    })
}

/// `Candidate:` versions of `apt-cache policy` output, by package.
pub(crate) fn parse_policy(out: &str, names: &[String]) -> Map<String, Value> {
    let short: Vec<&str> = names
        .iter()
        .map(|n| n.split(':').next().unwrap_or(n))
        .collect();
    let mut candidates = Map::new();
    let mut this = String::new();
    for line in out.lines() {
        let line = line.trim();
        if let Some(head) = line.strip_suffix(':') {
            if !line.starts_with("Version table")
                && (names.iter().any(|n| n == head)
                    || short.contains(&head.split(':').next().unwrap_or(head)))
            {
                this = head.to_owned();
            }
        } else if line.starts_with("Candidate") {
            let mut cand = line.split_whitespace().last().unwrap_or("").to_owned();
            if line.split_whitespace().count() < 2 || cand.eq_ignore_ascii_case("(none)") {
                cand = String::new();
            }
            candidates.insert(this.clone(), Value::String(cand));
        }
    }
    candidates
}

pub(crate) async fn latest_version(
    host: &Host<'_>,
    names: &[String],
    refresh: bool,
    show_installed: bool,
    fromrepo: Option<&str>,
) -> Result<Map<String, Value>, ExecError> {
    let mut ret = Map::new();
    if names.is_empty() {
        return Ok(ret);
    }
    let pkgs = list_pkgs(host, Which::Installed).await?;
    if refresh {
        refresh_db(host).await?;
    }
    let mut argv = vec!["apt-cache".to_owned(), "-q".into(), "policy".into()];
    argv.extend(names.iter().cloned());
    if let Some(r) = fromrepo {
        argv.extend(["-o".into(), format!("APT::Default-Release={r}")]);
    }
    let out = run(host, &argv).await?;
    let candidates = parse_policy(&out.stdout, names);
    for name in names {
        let cand = candidates
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let installed = pkgs.get(name).cloned().unwrap_or_default();
        // Not installed (or asked): the candidate; installed: the
        // candidate only when it is newer than every installed version.
        let upgrade = !cand.is_empty()
            && !installed
                .iter()
                .any(|x| compare(Scheme::Deb, x, ">=", &cand, false));
        let v = if installed.is_empty() || show_installed || upgrade {
            cand
        } else {
            String::new()
        };
        ret.insert(name.clone(), Value::String(v));
    }
    Ok(ret)
}

/// `apt-get -q update`: {source line: True (fetched) / None (hit) / False}.
pub(crate) async fn refresh_db(host: &Host<'_>) -> Result<Value, ExecError> {
    let out = host.cmd(&["apt-get", "-q", "update"]).await?;
    if out.retcode != 0 {
        return Err(ExecError::Command(out.stderr));
    }
    Ok(Value::Object(parse_update(&out.stdout)))
}

pub(crate) fn parse_update(out: &str) -> Map<String, Value> {
    let mut ret = Map::new();
    for line in out.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let Some(first) = cols.first() else { continue };
        let mut ident = cols[1..].join(" ");
        let v = if first.contains("Get") {
            if let Some(i) = ident.rfind(" [")
                && ident.ends_with("B]")
            {
                ident.truncate(i);
            }
            Value::Bool(true)
        } else if first.contains("Ign") || first.contains("Err") {
            Value::Bool(false)
        } else if first.contains("Hit") {
            Value::Null
        } else {
            continue;
        };
        ret.insert(ident, v);
    }
    ret
}

/// `apt-cache show NAMES`: every version of each, as listed.
pub(crate) async fn list_repo_pkgs(
    host: &Host<'_>,
    names: &[String],
) -> Result<Map<String, Value>, ExecError> {
    let mut argv = vec!["apt-cache".to_owned()];
    if names.is_empty() {
        argv.push("dump".into());
    } else {
        argv.push("show".into());
        argv.extend(names.iter().cloned());
    }
    let out = run(host, &argv).await?;
    let mut ret: Map<String, Value> = Map::new();
    let mut pkg = String::new();
    for line in out.stdout.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if let Some(p) = line.strip_prefix("Package: ")
            && p != pkg
        {
            pkg = p.to_owned();
            continue;
        }
        let mut comps = line.trim().splitn(2, char::is_whitespace);
        if comps.next() == Some("Version:") {
            let v = comps.next().unwrap_or("").trim().to_owned();
            if let Value::Array(a) = ret.entry(pkg.clone()).or_insert_with(|| json!([])) {
                a.push(Value::String(v));
            }
        }
    }
    Ok(ret)
}

/// Salt's `aptpkg.install`.
pub(crate) async fn install(
    host: &Host<'_>,
    req: &InstallReq,
    targets: Targets,
) -> Result<Changes, ExecError> {
    let mut refresh = req.refresh;
    if refresh {
        if let (Some(v), Some(name)) = (&req.version, &req.name) {
            let latest =
                latest_version(host, std::slice::from_ref(name), false, true, None).await?;
            refresh = latest.get(name).and_then(Value::as_str) != Some(v.as_str());
        }
        if let Targets::Repo(t) = &targets
            && req.pkgs.is_some()
        {
            refresh = false;
            for (name, v) in t {
                match v {
                    Some(v) => {
                        let latest =
                            latest_version(host, std::slice::from_ref(name), false, true, None)
                                .await?;
                        if latest.get(name).and_then(Value::as_str) != Some(v.as_str()) {
                            refresh = true;
                        }
                    }
                    None => refresh = true,
                }
            }
        }
    }
    let old = list_pkgs(host, Which::Installed).await?;
    let mut to_install: Vec<String> = Vec::new();
    let mut downgrade: Vec<String> = Vec::new();
    let mut reinstall: Vec<(String, String)> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    match &targets {
        Targets::Repo(t) => {
            let comparing: Vec<String> = t
                .iter()
                .filter(|(_, v)| v.as_deref().is_some_and(|v| v.starts_with(['<', '>'])))
                .map(|(n, _)| n.clone())
                .collect();
            let available = if comparing.is_empty() {
                Map::new()
            } else {
                list_repo_pkgs(host, &comparing).await?
            };
            for (name, version) in t {
                let version = if req.name.is_some() && req.pkgs.is_none() && t.len() == 1 {
                    req.version.clone().or_else(|| version.clone())
                } else {
                    version.clone()
                };
                let Some(version) = version else {
                    if req.reinstall && old.contains_key(name) {
                        reinstall.push((name.clone(), name.clone()));
                    } else {
                        to_install.push(name.clone());
                    }
                    continue;
                };
                let mut v = version.trim_start_matches('=').to_owned();
                if comparing.contains(name) {
                    let cands = candidates(&available, name);
                    match match_version(&v, &cands, req.ignore_epoch) {
                        Some(m) => v = m,
                        None => {
                            errors.push(no_version_match(name, &v, &cands));
                            continue;
                        }
                    }
                }
                let pkgstr = format!("{name}={v}");
                classify(
                    &old,
                    name,
                    &v,
                    pkgstr,
                    req.reinstall,
                    &mut to_install,
                    &mut downgrade,
                    &mut reinstall,
                );
            }
        }
        Targets::Files(files) => {
            for path in files {
                match super::lowpkg_info(host, path).await {
                    Some((name, v)) => classify(
                        &old,
                        &name,
                        &v,
                        path.clone(),
                        req.reinstall,
                        &mut to_install,
                        &mut downgrade,
                        &mut reinstall,
                    ),
                    None => to_install.push(path.clone()),
                }
            }
        }
    }

    let mut prefix: Vec<String> = ["apt-get", "-q", "-y"].map(String::from).to_vec();
    if req.force_yes {
        prefix.push("--force-yes".into());
    }
    if req.force_conf_new {
        prefix.extend(["-o".into(), "DPkg::Options::=--force-confnew".into()]);
    } else {
        prefix.extend(["-o".into(), "DPkg::Options::=--force-confold".into()]);
        prefix.extend(["-o".into(), "DPkg::Options::=--force-confdef".into()]);
    }
    match req.install_recommends {
        Some(false) => prefix.push("--no-install-recommends".into()),
        Some(true) => prefix.push("--install-recommends".into()),
        None => {}
    }
    if req.only_upgrade {
        prefix.push("--only-upgrade".into());
    }
    if req.skip_verify {
        prefix.push("--allow-unauthenticated".into());
    }
    if let (Some(r), Targets::Repo(_)) = (&req.fromrepo, &targets) {
        prefix.extend(["-t".into(), r.clone()]);
    }
    prefix.push("install".into());

    let mut cmds: Vec<Vec<String>> = Vec::new();
    if !to_install.is_empty() {
        let mut c = prefix.clone();
        c.extend(to_install.iter().cloned());
        cmds.push(c);
    }
    if !downgrade.is_empty() {
        let mut c = prefix.clone();
        if matches!(targets, Targets::Repo(_)) && !c.contains(&"--force-yes".to_owned()) {
            let at = c.len() - 1;
            c.insert(at, "--force-yes".into());
        }
        c.extend(downgrade.iter().cloned());
        cmds.push(c);
    }
    if !reinstall.is_empty() {
        let mut c = prefix.clone();
        if matches!(targets, Targets::Repo(_)) {
            c.push("--reinstall".into());
        }
        c.extend(reinstall.iter().map(|(_, s)| s.clone()));
        cmds.push(c);
    }
    let mut changes = Changes::new();
    if !cmds.is_empty() {
        if refresh {
            refresh_db(host).await?;
        }
        for c in &cmds {
            let argv = scoped(host, c).await;
            let refs: Vec<&str> = argv.iter().map(String::as_str).collect();
            let out = host.cmd_env(&refs, DPKG_ENV).await?;
            if out.retcode != 0 && !out.stderr.is_empty() {
                errors.push(out.stderr);
            }
        }
        let new = list_pkgs(host, Which::Installed).await?;
        changes = compare_dicts(&old, &new);
        for (name, _) in &reinstall {
            if !changes.contains_key(name) || old.contains_key(name) {
                changes.insert(
                    name.clone(),
                    json!({"old": joined(&old, name), "new": joined(&new, name)}),
                );
            }
        }
    }
    if !errors.is_empty() {
        return Err(nested_errors(
            "Problem encountered installing package(s)",
            &errors,
        ));
    }
    Ok(changes)
}

/// Install, downgrade or reinstall, by the installed version.
#[allow(clippy::too_many_arguments)]
fn classify(
    old: &PkgList,
    name: &str,
    version: &str,
    pkgstr: String,
    reinstall_wanted: bool,
    to_install: &mut Vec<String>,
    downgrade: &mut Vec<String>,
    reinstall: &mut Vec<(String, String)>,
) {
    let cver = old.get(name).map(|v| v.join(",")).unwrap_or_default();
    if reinstall_wanted && !cver.is_empty() && compare(Scheme::Deb, version, "==", &cver, false) {
        reinstall.push((name.to_owned(), pkgstr));
    } else if cver.is_empty() || compare(Scheme::Deb, version, ">=", &cver, false) {
        to_install.push(pkgstr);
    } else {
        downgrade.push(pkgstr);
    }
}

/// Salt's `match_version`: the first candidate satisfying `>=1.0` etc.
pub(crate) fn match_version(desired: &str, cands: &[String], ignore_epoch: bool) -> Option<String> {
    let (op, v) = split_comparison(desired);
    let op = if op.is_empty() { "==" } else { op };
    cands
        .iter()
        .find(|c| compare(Scheme::Deb, c, op, v, ignore_epoch))
        .cloned()
}

fn joined(l: &PkgList, name: &str) -> String {
    l.get(name).map(|v| v.join(",")).unwrap_or_default()
}

/// `apt-get -q -y remove|purge NAMES`.
pub(crate) async fn remove(
    host: &Host<'_>,
    targets: &[(String, Option<String>)],
    purge: bool,
) -> Result<Value, ExecError> {
    let old = list_pkgs(host, Which::Installed).await?;
    let old_removed = list_pkgs(host, Which::Removed).await?;
    let mut names: Vec<String> = super::match_wildcard(&old, targets)
        .into_iter()
        .filter(|n| old.contains_key(n))
        .collect();
    if purge {
        names.extend(
            super::match_wildcard(&old_removed, targets)
                .into_iter()
                .filter(|n| old_removed.contains_key(n)),
        );
    }
    if names.is_empty() {
        return Ok(json!({}));
    }
    let mut argv: Vec<String> = [
        "apt-get",
        "-q",
        "-y",
        if purge { "purge" } else { "remove" },
    ]
    .map(String::from)
    .to_vec();
    argv.extend(names);
    let argv = scoped(host, &argv).await;
    let refs: Vec<&str> = argv.iter().map(String::as_str).collect();
    let out = host.cmd_env(&refs, DPKG_ENV).await?;
    let new = list_pkgs(host, Which::Installed).await?;
    let changes = compare_dicts(&old, &new);
    let ret = if purge {
        let new_removed = list_pkgs(host, Which::Removed).await?;
        json!({"removed": compare_dicts(&old_removed, &new_removed), "installed": changes})
    } else {
        Value::Object(changes)
    };
    if out.retcode != 0 && !out.stderr.is_empty() {
        return Err(nested_errors(
            "Problem encountered removing package(s)",
            &[out.stderr],
        ));
    }
    Ok(ret)
}

async fn run(host: &Host<'_>, argv: &[String]) -> Result<crate::machine::Outcome, ExecError> {
    let refs: Vec<&str> = argv.iter().map(String::as_str).collect();
    host.cmd(&refs).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUERY: &str = "install ok installed hello 2.10-3 amd64\ndeinstall ok config-files tree 2.1.0-1 amd64\ninstall ok installed libc6 2.36-9 i386\npurge ok installed old 1.0 all\nunknown ok not-installed gone 1.0 all\n";

    #[test]
    fn dpkg_query_lists() {
        let grains = json!({"cpuarch": "x86_64", "osarch": "amd64"})
            .as_object()
            .cloned()
            .unwrap();
        let [inst, rem, purge] = parse_dpkg_query(QUERY, &grains);
        assert_eq!(inst.keys().collect::<Vec<_>>(), ["hello", "libc6:i386"]);
        assert_eq!(rem["tree"], ["2.1.0-1"]);
        assert_eq!(purge["old"], ["1.0"]);
    }

    #[test]
    fn policy_candidates() {
        let out = "hello:\n  Installed: (none)\n  Candidate: 2.10-3\n  Version table:\n     2.10-3 500\n        500 file:/srv/lab-repo ./ Packages\nnope:\n  Installed: (none)\n  Candidate: (none)\n";
        let c = parse_policy(out, &["hello".into(), "nope".into()]);
        assert_eq!(Value::Object(c), json!({"hello": "2.10-3", "nope": ""}));
    }

    #[test]
    fn update_lines() {
        let out = "Get:1 file:/srv/lab-repo ./ InRelease [1,234 B]\nHit:2 http://deb.debian.org/debian bookworm InRelease\nIgn:3 http://x y Release\nReading package lists...\n";
        assert_eq!(
            Value::Object(parse_update(out)),
            json!({"file:/srv/lab-repo ./ InRelease": true, "http://deb.debian.org/debian bookworm InRelease": null, "http://x y Release": false})
        );
    }
}
