//! The RedHat-family backend of `pkg.*` (Salt's `yumpkg`): `rpm -qa` for
//! what is installed, `dnf`/`yum list available` for candidates, `dnf -y
//! install`/`remove`. Which of dnf5, dnf, tdnf or yum is the first found on
//! `PATH`, as in Salt. Tested with a scripted runner on outputs in the
//! tools' formats (no RedHat host here): see the tests at the bottom.

use serde_json::{Map, Value, json};

use super::version::{Scheme, compare, rpm_evr_cmp, split_comparison};
use super::{
    Changes, InstallReq, PkgList, Targets, candidates, compare_dicts, nested_errors,
    no_version_match, scoped,
};
use crate::ExecError;
use crate::machine::Host;

/// Salt's `QUERYFORMAT` with the repository left out, as `list_pkgs` asks.
const QUERYFORMAT: &str =
    "%{NAME}_|-%{EPOCH}_|-%{VERSION}_|-%{RELEASE}_|-%{ARCH}_|-(none)_|-%{INSTALLTIME}\n";

const ARCHES: &[&str] = &[
    "x86_64",
    "athlon",
    "amd64",
    "ia32e",
    "ia64",
    "geode",
    "i386",
    "i486",
    "i586",
    "i686",
    "ppc",
    "ppc64",
    "ppc64le",
    "ppc64iseries",
    "ppc64pseries",
    "s390",
    "s390x",
    "alpha",
    "alphaev4",
    "alphaev45",
    "alphaev5",
    "alphaev56",
    "alphapca56",
    "alphaev6",
    "alphaev67",
    "alphaev68",
    "alphaev7",
    "armv5tel",
    "armv5tejl",
    "armv6l",
    "armv6hl",
    "armv7l",
    "armv7hl",
    "armv7hnl",
    "aarch64",
    "sh3",
    "sh4",
    "sh4a",
];
const ARCHES_32: &[&str] = &["i386", "i486", "i586", "i686"];
const ARCHES_ARM_32: &[&str] = &[
    "armv5tel",
    "armv5tejl",
    "armv6l",
    "armv6hl",
    "armv7l",
    "armv7hl",
    "armv7hnl",
];

/// The package tool: dnf5, dnf, tdnf or yum.
pub(crate) fn tool(host: &Host<'_>) -> Option<String> {
    ["dnf5", "dnf", "tdnf", "yum"]
        .into_iter()
        .find(|t| host.runner.which(t).is_some())
        .map(String::from)
}

fn osarch(host: &Host<'_>) -> String {
    host.grain("osarch")
}

fn check_32(arch: &str, osarch: &str) -> bool {
    (ARCHES_32.contains(&arch) && ARCHES_32.contains(&osarch))
        || (ARCHES_ARM_32.contains(&arch) && ARCHES_ARM_32.contains(&osarch))
}

/// `name.arch` for packages of a foreign architecture, as Salt names them.
fn resolve_name(name: &str, arch: &str, osarch: &str) -> String {
    if !check_32(arch, osarch) && arch != osarch && arch != "noarch" {
        format!("{name}.{arch}")
    } else {
        name.to_owned()
    }
}

/// `rpm -qa --queryformat` lines to {name: ["[epoch:]version-release"]}.
pub(crate) fn parse_rpm_qa(out: &str, osarch: &str) -> PkgList {
    let mut ret = PkgList::new();
    let mut raw: Vec<(String, String, String)> = Vec::new();
    for line in out.lines() {
        let f: Vec<&str> = line.split("_|-").collect();
        let [name, epoch, version, release, arch, _repo, _time] = f[..] else {
            continue;
        };
        let name = resolve_name(name, arch, osarch);
        let mut full = version.to_owned();
        if !release.is_empty() {
            full = format!("{full}-{release}");
        }
        if epoch != "(none)" && epoch != "0" {
            full = format!("{epoch}:{full}");
        }
        raw.push((name, version.to_owned(), full));
    }
    // Salt sorts each package's entries by the bare version string.
    raw.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    for (name, _, full) in raw {
        ret.entry(name).or_default().push(full);
    }
    ret
}

pub(crate) async fn list_pkgs(host: &Host<'_>) -> Result<PkgList, ExecError> {
    let out = host
        .cmd(&[
            "rpm",
            "-qa",
            "--nodigest",
            "--nosignature",
            "--queryformat",
            QUERYFORMAT,
        ])
        .await?;
    Ok(parse_rpm_qa(&out.stdout, &osarch(host)))
}

/// `yum list` output: (name, arch, version, repo) per package, headers
/// skipped; long names wrap their fields onto the next line, so the
/// words are read three at a time.
pub(crate) fn parse_yum_list(out: &str, osarch: &str) -> Vec<(String, String, String, String)> {
    let mut words = Vec::new();
    for line in out.lines() {
        let l = line.trim();
        if l.is_empty()
            || l.starts_with("Available Packages")
            || l.starts_with("Installed Packages")
            || l.starts_with("Last metadata expiration")
            || l.ends_with("Packages")
        {
            continue;
        }
        words.extend(l.split_whitespace().map(String::from));
    }
    words
        .chunks(3)
        .filter(|c| c.len() == 3)
        .map(|c| {
            let (name, arch) = match c[0].rsplit_once('.') {
                Some((n, a)) => (n.to_owned(), a.to_owned()),
                None => (c[0].clone(), osarch.to_owned()),
            };
            (
                resolve_name(&name, &arch, osarch),
                arch,
                c[1].trim_end_matches('-').to_owned(),
                c[2].trim_start_matches('@').to_owned(),
            )
        })
        .collect()
}

/// The `--disablerepo`/`--enablerepo` options of a request.
pub(crate) fn options(req: &InstallReq) -> Vec<String> {
    let mut ret = Vec::new();
    if let Some(r) = &req.fromrepo {
        ret.extend(["--disablerepo=*".to_owned(), format!("--enablerepo={r}")]);
    } else {
        ret.extend(req.disablerepo.iter().map(|r| format!("--disablerepo={r}")));
        ret.extend(req.enablerepo.iter().map(|r| format!("--enablerepo={r}")));
    }
    if let Some(d) = &req.disableexcludes {
        ret.push(format!("--disableexcludes={d}"));
    }
    ret.extend(req.setopt.iter().map(|s| format!("--setopt={s}")));
    ret
}

async fn call(host: &Host<'_>, args: &[String]) -> Result<crate::machine::Outcome, ExecError> {
    let tool =
        tool(host).ok_or_else(|| ExecError::Command("Command 'yum' cannot be found".into()))?;
    let mut argv = vec![tool];
    argv.extend(args.iter().cloned());
    let argv = scoped(host, &argv).await;
    let refs: Vec<&str> = argv.iter().map(String::as_str).collect();
    host.cmd(&refs).await
}

pub(crate) async fn refresh_db(host: &Host<'_>, opts: &[String]) -> Result<Value, ExecError> {
    let mut clean: Vec<String> = ["--quiet", "--assumeyes", "clean", "expire-cache"]
        .map(String::from)
        .to_vec();
    clean.extend(opts.iter().cloned());
    call(host, &clean).await?;
    let mut update: Vec<String> = ["--quiet", "--assumeyes", "check-update"]
        .map(String::from)
        .to_vec();
    if host.grain("os_family") == "RedHat" && host.grain("osmajorrelease") == "7" {
        update.push("--setopt=autocheck_running_kernel=false".into());
    }
    update.extend(opts.iter().cloned());
    Ok(match call(host, &update).await?.retcode {
        100 => Value::Bool(true),
        0 => Value::Null,
        _ => Value::Bool(false),
    })
}

pub(crate) async fn latest_version(
    host: &Host<'_>,
    names: &[String],
    refresh: bool,
    opts: &[String],
) -> Result<Map<String, Value>, ExecError> {
    let mut ret = Map::new();
    if names.is_empty() {
        return Ok(ret);
    }
    if refresh {
        refresh_db(host, opts).await?;
    }
    let cur = list_pkgs(host).await?;
    let mut args = vec!["--quiet".to_owned()];
    args.extend(opts.iter().cloned());
    args.extend(["list".into(), "available".into()]);
    args.extend(names.iter().cloned());
    let out = call(host, &args).await?;
    let osarch = osarch(host);
    let mut updates = if out.retcode == 0 {
        parse_yum_list(&out.stdout, &osarch)
    } else {
        Vec::new()
    };
    updates.sort_by(|a, b| rpm_evr_cmp(&b.2, &a.2));
    for name in names {
        let arch = name
            .rsplit_once('.')
            .map(|(_, a)| a)
            .filter(|a| ARCHES.contains(a))
            .map_or(osarch.clone(), String::from);
        let found = updates.iter().find(|(n, a, v, _)| {
            n == name
                && (a == "noarch" || *a == arch || check_32(a, &osarch))
                && !cur.get(n).is_some_and(|inst| {
                    inst.iter().any(|i| compare(Scheme::Rpm, i, ">=", v, false))
                })
        });
        ret.insert(
            name.clone(),
            Value::String(found.map_or(String::new(), |f| f.2.clone())),
        );
    }
    Ok(ret)
}

/// Every version the enabled repositories offer, newest first.
pub(crate) async fn list_repo_pkgs(
    host: &Host<'_>,
    names: &[String],
    opts: &[String],
) -> Result<Map<String, Value>, ExecError> {
    let mut args = vec!["--quiet".to_owned(), "--showduplicates".into()];
    args.extend(opts.iter().cloned());
    args.extend(["list".into(), "available".into()]);
    args.extend(names.iter().cloned());
    let out = call(host, &args).await?;
    let mut by: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (n, _, v, _) in parse_yum_list(&out.stdout, &osarch(host)) {
        let e = by.entry(n).or_default();
        if !e.contains(&v) {
            e.push(v);
        }
    }
    let mut ret = Map::new();
    for (n, mut v) in by {
        v.sort_by(|a, b| rpm_evr_cmp(b, a));
        ret.insert(n, json!(v));
    }
    Ok(ret)
}

/// Salt's `yumpkg.install`.
pub(crate) async fn install(
    host: &Host<'_>,
    req: &InstallReq,
    targets: Targets,
) -> Result<Changes, ExecError> {
    let opts = options(req);
    if req.refresh {
        refresh_db(host, &opts).await?;
    }
    let old = list_pkgs(host).await?;
    let tool = tool(host).unwrap_or_else(|| "yum".into());
    let mut to_install = Vec::new();
    let mut downgrade = Vec::new();
    let mut reinstall: Vec<(String, String)> = Vec::new();
    let mut errors = Vec::new();
    match &targets {
        Targets::Repo(t) => {
            let comparing: Vec<String> = t
                .iter()
                .filter(|(_, v)| {
                    v.as_deref()
                        .is_some_and(|v| v.contains('*') || v.starts_with(['<', '>']))
                })
                .map(|(n, _)| n.clone())
                .collect();
            let available = if comparing.is_empty() {
                Map::new()
            } else {
                list_repo_pkgs(host, &comparing, &opts).await?
            };
            for (name, version) in t {
                let Some(version) = version else {
                    if req.reinstall && old.contains_key(name) {
                        reinstall.push((name.clone(), name.clone()));
                    } else {
                        to_install.push(name.clone());
                    }
                    continue;
                };
                let cands = candidates(&available, name);
                let mut v = version.trim_start_matches('=').to_owned();
                if v.starts_with(['<', '>']) {
                    let (op, want) = split_comparison(&v);
                    match cands
                        .iter()
                        .find(|c| compare(Scheme::Rpm, c, op, want, req.ignore_epoch))
                    {
                        Some(m) => v = m.clone(),
                        None => {
                            errors.push(no_version_match(name, &v, &cands));
                            continue;
                        }
                    }
                }
                if tool == "yum" && req.ignore_epoch {
                    v = v.split_once(':').map_or(v.clone(), |(_, r)| r.to_owned());
                }
                let (mut pkgname, mut arch) = (name.clone(), String::new());
                if let Some((n, a)) = name.rsplit_once('.')
                    && ARCHES.contains(&a)
                {
                    arch = format!(".{a}");
                    pkgname = n.to_owned();
                }
                if v.contains('*') {
                    match cands.iter().find(|c| crate::registry::fnmatch(&v, c)) {
                        Some(m) => v = m.clone(),
                        None => {
                            errors.push(format!(
                                "No version matching '{v}' found for package '{pkgname}' (available: {})",
                                if cands.is_empty() { "none".to_owned() } else { cands.join(", ") }
                            ));
                            continue;
                        }
                    }
                }
                let bare = if req.ignore_epoch {
                    v.clone()
                } else {
                    v.split_once(':').map_or(v.clone(), |(_, r)| r.to_owned())
                };
                let pkgstr = format!("{pkgname}-{bare}{arch}");
                let cver = old.get(&pkgname).cloned().unwrap_or_default();
                if req.reinstall && !cver.is_empty() {
                    if cver
                        .iter()
                        .any(|c| compare(Scheme::Rpm, &v, "==", c, req.ignore_epoch))
                    {
                        reinstall.push((pkgname, pkgstr));
                    }
                } else if cver.is_empty()
                    || cver
                        .iter()
                        .any(|c| compare(Scheme::Rpm, &v, ">=", c, req.ignore_epoch))
                    // Kernels install side by side: never a downgrade.
                    || pkgname == "kernel"
                    || pkgname == "kernel-devel"
                {
                    to_install.push(pkgstr);
                } else {
                    downgrade.push(pkgstr);
                }
            }
        }
        Targets::Files(files) => {
            for path in files {
                match super::lowpkg_info(host, path).await {
                    Some((name, v)) => {
                        let cver = old.get(&name).cloned().unwrap_or_default();
                        if req.reinstall
                            && cver
                                .iter()
                                .any(|c| compare(Scheme::Rpm, &v, "==", c, false))
                        {
                            reinstall.push((name, path.clone()));
                        } else if cver.is_empty()
                            || cver
                                .iter()
                                .any(|c| compare(Scheme::Rpm, &v, ">=", c, false))
                        {
                            to_install.push(path.clone());
                        } else {
                            downgrade.push(path.clone());
                        }
                    }
                    None => to_install.push(path.clone()),
                }
            }
        }
    }
    let common = |c: &mut Vec<String>| {
        c.extend(opts.iter().cloned());
        if req.skip_verify {
            c.push("--nogpgcheck".into());
        }
    };
    let mut runs: Vec<Vec<String>> = Vec::new();
    if !to_install.is_empty() {
        let mut c = vec!["-y".to_owned()];
        if tool == "dnf" {
            c.extend(["--best".into(), "--allowerasing".into()]);
        }
        common(&mut c);
        c.push("install".into());
        if tool == "dnf5" {
            c.extend(["--best".into(), "--allowerasing".into()]);
        }
        c.extend(to_install);
        runs.push(c);
    }
    if !downgrade.is_empty() {
        let mut c = vec!["-y".to_owned()];
        common(&mut c);
        c.push("downgrade".into());
        c.extend(downgrade);
        runs.push(c);
    }
    if !reinstall.is_empty() {
        let mut c = vec!["-y".to_owned()];
        common(&mut c);
        c.push("reinstall".into());
        c.extend(reinstall.iter().map(|(_, s)| s.clone()));
        runs.push(c);
    }
    for c in &runs {
        let out = call(host, c).await?;
        if out.retcode != 0 {
            // Salt runs these with stderr redirected into stdout.
            errors.push(if out.stderr.is_empty() {
                out.stdout
            } else {
                format!("{}\n{}", out.stdout, out.stderr).trim().to_owned()
            });
        }
    }
    let new = list_pkgs(host).await?;
    let mut changes = compare_dicts(&old, &new);
    for (name, _) in &reinstall {
        if !changes.contains_key(name) || old.contains_key(name) {
            let j = |l: &PkgList| l.get(name).map(|v| v.join(",")).unwrap_or_default();
            changes.insert(name.clone(), json!({"old": j(&old), "new": j(&new)}));
        }
    }
    if !errors.is_empty() {
        let what = if reinstall.is_empty() {
            "Error occurred installing package(s)"
        } else {
            "Error occurred installing/reinstalling package(s)"
        };
        return Err(nested_errors(what, &errors));
    }
    Ok(changes)
}

/// `yum -y remove TARGETS`.
pub(crate) async fn remove(
    host: &Host<'_>,
    targets: &[(String, Option<String>)],
) -> Result<Value, ExecError> {
    let old = list_pkgs(host).await?;
    let mut names = Vec::new();
    for (t, version) in super::match_wildcard_versions(&old, targets) {
        let Some(have) = old.get(&t) else { continue };
        match version {
            None => names.push(t.clone()),
            Some(v) if have.contains(&v) => {
                let (mut pkgname, mut arch) = (t.clone(), String::new());
                if let Some((n, a)) = t.rsplit_once('.')
                    && ARCHES.contains(&a)
                {
                    arch = format!(".{a}");
                    pkgname = n.to_owned();
                }
                let bare = v.split_once(':').map_or(v.as_str(), |(_, r)| r);
                names.push(format!("{pkgname}-{bare}{arch}"));
            }
            Some(_) => {}
        }
    }
    if names.is_empty() {
        return Ok(json!({}));
    }
    let mut args = vec!["-y".to_owned(), "remove".into()];
    args.extend(names);
    let out = call(host, &args).await?;
    let new = list_pkgs(host).await?;
    let changes = compare_dicts(&old, &new);
    if out.retcode != 0 && !out.stderr.is_empty() {
        return Err(nested_errors(
            "Error occurred removing package(s)",
            &[out.stderr],
        ));
    }
    Ok(Value::Object(changes))
}

/// Salt's `yumpkg.normalize_name`: drops `.ARCH` for the host's own arch.
pub(crate) fn normalize_name(name: &str, osarch: &str) -> String {
    match name.rsplit_once('.') {
        Some((n, a))
            if (ARCHES.contains(&a) || a == "noarch")
                && (a == osarch || a == "noarch" || check_32(a, osarch)) =>
        {
            n.to_owned()
        }
        _ => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::script::{Script, host};

    /// Output in the format of Salt's `rpm -qa --queryformat ...` (hand-made
    /// for the test, with an el9 package set; no RedHat host here).
    const RPM_QA: &str = "bash_|-(none)_|-5.1.8_|-9.el9_|-x86_64_|-(none)_|-1700000000\n\
        tree_|-(none)_|-1.8.0_|-10.el9_|-x86_64_|-(none)_|-1700000100\n\
        glibc_|-(none)_|-2.34_|-100.el9_|-i686_|-(none)_|-1700000200\n\
        perl-Git_|-(none)_|-2.39.3_|-1.el9_|-noarch_|-(none)_|-1700000300\n\
        openssl_|-1_|-3.0.7_|-27.el9_|-x86_64_|-(none)_|-1700000400\n\
        gpg-pubkey_|-(none)_|-3228467c_|-613798eb_|-(none)_|-(none)_|-1700000500\n";

    /// Output in the format of `dnf --quiet list available NAMES`, where a
    /// long name wraps its fields onto the next line (hand-made).
    const LIST_AVAILABLE: &str = "Available Packages\n\
        httpd.x86_64                     2.4.57-8.el9                     appstream\n\
        python3-some-really-long-package-name.noarch\n\
        \x20                                1.2-3.el9                        epel\n\
        tree.x86_64                      1.8.0-10.el9                     baseos\n";

    fn grains() -> Map<String, Value> {
        json!({"os_family": "RedHat", "osarch": "x86_64", "osmajorrelease": 9})
            .as_object()
            .cloned()
            .unwrap()
    }

    #[test]
    fn rpm_qa_names_versions_and_foreign_arches() {
        let l = parse_rpm_qa(RPM_QA, "x86_64");
        assert_eq!(l["bash"], ["5.1.8-9.el9"]);
        assert_eq!(l["glibc.i686"], ["2.34-100.el9"]);
        assert_eq!(l["perl-Git"], ["2.39.3-1.el9"]);
        assert_eq!(l["openssl"], ["1:3.0.7-27.el9"]);
        assert!(l.contains_key("gpg-pubkey.(none)"));
    }

    #[test]
    fn yum_list_wrapped_lines() {
        let l = parse_yum_list(LIST_AVAILABLE, "x86_64");
        assert_eq!(l.len(), 3);
        assert_eq!(
            l[1],
            (
                "python3-some-really-long-package-name".into(),
                "noarch".into(),
                "1.2-3.el9".into(),
                "epel".into()
            )
        );
        assert_eq!(normalize_name("tree.x86_64", "x86_64"), "tree");
        assert_eq!(normalize_name("glibc.i686", "x86_64"), "glibc.i686");
    }

    #[tokio::test]
    async fn install_runs_dnf_and_reports_rpm_changes() {
        let dir = tempfile::tempdir().unwrap();
        let g = grains();
        let after =
            format!("{RPM_QA}httpd_|-(none)_|-2.4.57_|-8.el9_|-x86_64_|-(none)_|-1700000600\n");
        let s = Script::with_programs(&["dnf", "rpm"])
            .on("rpm -qa", 0, RPM_QA)
            .on("rpm -qa", 0, &after)
            .on(
                "dnf -y --best --allowerasing install httpd-2.4.57-8.el9",
                0,
                "Complete!",
            );
        let h = host(&s, dir.path(), &g);
        let req = InstallReq::default();
        let t = vec![("httpd".to_owned(), Some("2.4.57-8.el9".to_owned()))];
        let changes = install(&h, &req, Targets::Repo(t)).await.unwrap();
        assert_eq!(
            Value::Object(changes),
            json!({"httpd": {"old": "", "new": "2.4.57-8.el9"}})
        );
    }

    #[tokio::test]
    async fn install_failure_is_salts_error() {
        let dir = tempfile::tempdir().unwrap();
        let g = grains();
        let s = Script::with_programs(&["yum", "rpm"])
            .on("rpm -qa", 0, RPM_QA)
            .on_err(
                "yum -y install nosuch",
                1,
                "No package nosuch available.",
                "Error: Nothing to do",
            );
        let h = host(&s, dir.path(), &g);
        let t = vec![("nosuch".to_owned(), None)];
        let e = install(&h, &InstallReq::default(), Targets::Repo(t))
            .await
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "ERROR: Error occurred installing package(s). Additional info follows:\n\nerrors:\n    - No package nosuch available.\n      Error: Nothing to do"
        );
    }

    #[tokio::test]
    async fn latest_version_skips_what_is_installed() {
        let dir = tempfile::tempdir().unwrap();
        let g = grains();
        let s = Script::with_programs(&["dnf", "rpm"])
            .on("rpm -qa", 0, RPM_QA)
            .on("dnf --quiet list available", 0, LIST_AVAILABLE);
        let h = host(&s, dir.path(), &g);
        let l = latest_version(
            &h,
            &["httpd".into(), "tree".into(), "nope".into()],
            false,
            &[],
        )
        .await
        .unwrap();
        assert_eq!(
            Value::Object(l),
            json!({"httpd": "2.4.57-8.el9", "tree": "", "nope": ""})
        );
    }

    #[tokio::test]
    async fn remove_by_version() {
        let dir = tempfile::tempdir().unwrap();
        let g = grains();
        let after: String = RPM_QA
            .lines()
            .filter(|l| !l.starts_with("tree_"))
            .map(|l| format!("{l}\n"))
            .collect();
        let s = Script::with_programs(&["dnf", "rpm"])
            .on("rpm -qa", 0, RPM_QA)
            .on("rpm -qa", 0, &after)
            .on("dnf -y remove tree-1.8.0-10.el9", 0, "Complete!");
        let h = host(&s, dir.path(), &g);
        let ret = remove(&h, &[("tree".into(), Some("1.8.0-10.el9".into()))])
            .await
            .unwrap();
        assert_eq!(ret, json!({"tree": {"new": "", "old": "1.8.0-10.el9"}}));
    }
}
