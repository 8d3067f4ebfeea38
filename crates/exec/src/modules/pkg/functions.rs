//! The `pkg.*` execution functions (argument structs and dispatch to the
//! backend); see the parent module.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{
    Backend, InstallReq, PkgList, Targets, apt, cache_sources, normalize_name, repack, str_list,
    version, with_backend, yum,
};
use crate::error::py_str;
use crate::machine::Host;
use crate::{Ctx, ExecError, ExecFn, de};

fn yes() -> bool {
    true
}

async fn installed(host: &Host<'_>, b: Backend, which: apt::Which) -> Result<PkgList, ExecError> {
    match b {
        Backend::Apt => apt::list_pkgs(host, which).await,
        Backend::Yum if which == apt::Which::Installed => yum::list_pkgs(host).await,
        Backend::Yum => Ok(PkgList::new()),
    }
}

fn shape(l: PkgList, as_list: bool) -> Value {
    let mut m = Map::new();
    for (k, v) in l {
        m.insert(
            k,
            if as_list {
                json!(v)
            } else {
                json!(v.join(","))
            },
        );
    }
    Value::Object(m)
}

/// `pkg.list_pkgs [versions_as_list] [removed] [purge_desired]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListPkgs {
    #[serde(default)]
    versions_as_list: bool,
    #[serde(default)]
    removed: bool,
    #[serde(default)]
    purge_desired: bool,
    #[allow(dead_code)]
    kwargs: Map<String, Value>,
}

impl ExecFn for ListPkgs {
    const POSITIONAL: &'static [&'static str] = &["versions_as_list", "removed", "purge_desired"];
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Return the installed packages as {name: version} (several versions joined with commas; lists with versions_as_list=True). removed=True: packages removed but not purged (Debian); purge_desired=True: marked for purge but still installed.\n\nCLI Example:\n\n    salt '*' pkg.list_pkgs\n    salt '*' pkg.list_pkgs versions_as_list=True\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        with_backend(cx, async |host, b| {
            let which = if self.removed {
                apt::Which::Removed
            } else if self.purge_desired {
                apt::Which::PurgeDesired
            } else {
                apt::Which::Installed
            };
            Ok(shape(
                installed(host, b, which).await?,
                self.versions_as_list,
            ))
        })
        .await
    }
}

/// `pkg.version *names`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Version {
    args: Vec<Value>,
    #[serde(default)]
    versions_as_list: bool,
    #[allow(dead_code)]
    kwargs: Map<String, Value>,
}

impl ExecFn for Version {
    const POSITIONAL: &'static [&'static str] = &[];
    const VARARGS: bool = true;
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Return the installed version of a package (\"\" when not installed); for several names (or a glob), {name: version}.\n\nCLI Example:\n\n    salt '*' pkg.version hello\n    salt '*' pkg.version hello tree\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        with_backend(cx, async |host, b| {
            let pkgs = installed(host, b, apt::Which::Installed).await?;
            let mut ret = Map::new();
            let mut glob = false;
            for n in self.args.iter().map(py_str) {
                if n.contains('*') {
                    glob = true;
                    for (k, v) in pkgs.iter().filter(|(k, _)| crate::registry::fnmatch(&n, k)) {
                        ret.insert(k.clone(), json!(v));
                    }
                } else {
                    ret.insert(n.clone(), json!(pkgs.get(&n).cloned().unwrap_or_default()));
                }
            }
            if !self.versions_as_list {
                for v in ret.values_mut() {
                    let joined = v
                        .as_array()
                        .map(|a| a.iter().map(py_str).collect::<Vec<_>>().join(","))
                        .unwrap_or_default();
                    *v = Value::String(joined);
                }
            }
            if ret.len() == 1 && !glob {
                return Ok(ret.into_iter().next().map(|(_, v)| v).unwrap_or(json!("")));
            }
            Ok(Value::Object(ret))
        })
        .await
    }
}

/// `pkg.latest_version *names [refresh] [fromrepo]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatestVersion {
    args: Vec<Value>,
    #[serde(default = "yes")]
    refresh: bool,
    #[serde(default)]
    show_installed: bool,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    fromrepo: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    cache_valid_time: Value,
    #[serde(default)]
    enablerepo: Value,
    #[serde(default)]
    disablerepo: Value,
}

impl ExecFn for LatestVersion {
    const POSITIONAL: &'static [&'static str] = &[];
    const VARARGS: bool = true;
    const DOC: &'static str = "Return the newest version of a package available to install or upgrade to, \"\" when the newest is installed (or none exists); for several names, {name: version}. refresh (default True) updates the package database first.\n\nCLI Example:\n\n    salt '*' pkg.latest_version hello\n    salt '*' pkg.latest_version hello tree refresh=False\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        with_backend(cx, async |host, b| {
            let names: Vec<String> = self.args.iter().map(py_str).collect();
            if names.is_empty() {
                return Ok(json!(""));
            }
            let ret = match b {
                Backend::Apt => {
                    apt::latest_version(
                        host,
                        &names,
                        self.refresh,
                        self.show_installed,
                        self.fromrepo.as_deref(),
                    )
                    .await?
                }
                Backend::Yum => {
                    let req = InstallReq {
                        fromrepo: self.fromrepo.clone(),
                        enablerepo: str_list(&self.enablerepo),
                        disablerepo: str_list(&self.disablerepo),
                        ..InstallReq::default()
                    };
                    yum::latest_version(host, &names, self.refresh, &yum::options(&req)).await?
                }
            };
            if names.len() == 1 {
                return Ok(ret.get(&names[0]).cloned().unwrap_or(json!("")));
            }
            Ok(Value::Object(ret))
        })
        .await
    }
}

/// `pkg.upgrade_available name`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpgradeAvailable {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
    #[allow(dead_code)]
    kwargs: Map<String, Value>,
}

impl ExecFn for UpgradeAvailable {
    const POSITIONAL: &'static [&'static str] = &["name"];
    const REQUIRED: usize = 1;
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Whether a newer version of an installed package is available.\n\nCLI Example:\n\n    salt '*' pkg.upgrade_available hello\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        let names = vec![self.name.clone()];
        let ret = with_backend(cx, async |host, b| match b {
            Backend::Apt => apt::latest_version(host, &names, true, false, None).await,
            Backend::Yum => yum::latest_version(host, &names, true, &[]).await,
        })
        .await?;
        Ok(ret
            .get(&self.name)
            .and_then(Value::as_str)
            .is_some_and(|v| !v.is_empty()))
    }
}

/// `pkg.refresh_db`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshDb {
    #[serde(default)]
    #[allow(dead_code)]
    cache_valid_time: Value,
    #[serde(default)]
    #[allow(dead_code)]
    failhard: bool,
    #[allow(dead_code)]
    kwargs: Map<String, Value>,
}

impl ExecFn for RefreshDb {
    const POSITIONAL: &'static [&'static str] = &["cache_valid_time", "failhard"];
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Update the package database (apt-get update; yum/dnf clean expire-cache + check-update). apt: {source: True (fetched) / None (unchanged) / False (failed)}; yum: True when updates are available, None when not.\n\nCLI Example:\n\n    salt '*' pkg.refresh_db\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        with_backend(cx, async |host, b| match b {
            Backend::Apt => apt::refresh_db(host).await,
            Backend::Yum => yum::refresh_db(host, &[]).await,
        })
        .await
    }
}

/// `pkg.install [name] [pkgs=[...]] [sources=[...]] [version] [refresh] ...`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Install {
    #[serde(default, deserialize_with = "de::opt_string_like")]
    name: Option<String>,
    #[serde(default)]
    refresh: bool,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    fromrepo: Option<String>,
    #[serde(default)]
    skip_verify: bool,
    #[serde(default)]
    pkgs: Option<Vec<Value>>,
    #[serde(default)]
    sources: Option<Vec<Value>>,
    #[serde(default)]
    reinstall: bool,
    #[serde(default)]
    version: Value,
    #[serde(default)]
    ignore_epoch: bool,
    #[serde(default = "yes")]
    normalize: bool,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    saltenv: Option<String>,
    #[serde(default)]
    install_recommends: Option<bool>,
    #[serde(default)]
    only_upgrade: bool,
    #[serde(default)]
    force_yes: bool,
    #[serde(default)]
    force_conf_new: bool,
    #[serde(default)]
    enablerepo: Value,
    #[serde(default)]
    disablerepo: Value,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    disableexcludes: Option<String>,
    #[serde(default)]
    setopt: Value,
}

impl ExecFn for Install {
    const POSITIONAL: &'static [&'static str] = &["name", "refresh", "fromrepo", "skip_verify"];
    const DOC: &'static str = "Install packages: one name (with version=), pkgs=[name, {name: version}, ...] or sources=[{name: salt://... or /path.deb|.rpm}]. Returns {name: {old, new}} for what changed. refresh=True updates the package database first; reinstall=True reinstalls what is installed; versions may be '>=1.2' etc.\n\nCLI Example:\n\n    salt '*' pkg.install hello\n    salt '*' pkg.install pkgs='[\"hello\", {\"tree\": \"2.1.0-1\"}]'\n    salt '*' pkg.install sources='[{\"foo\": \"salt://pkgs/foo_1.0_all.deb\"}]'\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        let saltenv = self.saltenv.clone().unwrap_or_else(|| "base".into());
        let cached = match &self.sources {
            Some(s) if !s.is_empty() => Some(cache_sources(cx, s, &saltenv).await?),
            _ => None,
        };
        with_backend(cx, async |host, b| {
            let version = if self.version.is_null() {
                None
            } else {
                Some(py_str(&self.version))
            };
            let norm = |n: &str| {
                if self.normalize {
                    normalize_name(host, b, n)
                } else {
                    n.to_owned()
                }
            };
            let targets = if let (Some(p), Some(_)) = (&self.pkgs, &self.sources) {
                let _ = p;
                return Err(ExecError::invocation(
                    "Only one of \"pkgs\" and \"sources\" can be used.",
                ));
            } else if let Some(p) = self.pkgs.as_ref().filter(|p| !p.is_empty()) {
                Targets::Repo(repack(p, norm)?)
            } else if let Some(c) = cached {
                Targets::Files(c.into_iter().map(|(_, p)| p).collect())
            } else if let Some(n) = &self.name {
                Targets::Repo(n.split(',').map(|x| (norm(x), version.clone())).collect())
            } else {
                return Ok(json!({}));
            };
            let req = InstallReq {
                name: self.name.clone(),
                version,
                pkgs: self.pkgs.clone(),
                refresh: self.refresh,
                fromrepo: self.fromrepo.clone(),
                skip_verify: self.skip_verify,
                reinstall: self.reinstall,
                ignore_epoch: self.ignore_epoch,
                install_recommends: self.install_recommends,
                only_upgrade: self.only_upgrade,
                force_yes: self.force_yes,
                force_conf_new: self.force_conf_new,
                enablerepo: str_list(&self.enablerepo),
                disablerepo: str_list(&self.disablerepo),
                disableexcludes: self.disableexcludes.clone(),
                setopt: str_list(&self.setopt),
            };
            let changes = match b {
                Backend::Apt => apt::install(host, &req, targets).await?,
                Backend::Yum => yum::install(host, &req, targets).await?,
            };
            Ok(Value::Object(changes))
        })
        .await
    }
}

/// `pkg.remove [name] [pkgs=[...]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Remove {
    #[serde(default, deserialize_with = "de::opt_string_like")]
    name: Option<String>,
    #[serde(default)]
    pkgs: Option<Vec<Value>>,
    #[allow(dead_code)]
    kwargs: Map<String, Value>,
}

/// `pkg.purge [name] [pkgs=[...]]`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Purge(Remove);

impl Remove {
    fn targets(
        &self,
        host: &Host<'_>,
        b: Backend,
    ) -> Result<Vec<(String, Option<String>)>, ExecError> {
        let norm = |n: &str| normalize_name(host, b, n);
        if let Some(p) = self.pkgs.as_ref().filter(|p| !p.is_empty()) {
            return repack(p, norm);
        }
        Ok(self
            .name
            .as_deref()
            .map(|n| n.split(',').map(|x| (norm(x), None)).collect())
            .unwrap_or_default())
    }
}

impl ExecFn for Remove {
    const POSITIONAL: &'static [&'static str] = &["name", "pkgs"];
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Remove packages (apt-get remove, keeping configuration; yum/dnf remove): name, comma-separated names, or pkgs=[...]. Returns {name: {new: \"\", old}}.\n\nCLI Example:\n\n    salt '*' pkg.remove hello\n    salt '*' pkg.remove pkgs='[\"hello\", \"tree\"]'\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        with_backend(cx, async |host, b| {
            let t = self.targets(host, b)?;
            match b {
                Backend::Apt => apt::remove(host, &t, false).await,
                Backend::Yum => yum::remove(host, &t).await,
            }
        })
        .await
    }
}

impl ExecFn for Purge {
    const POSITIONAL: &'static [&'static str] = &["name", "pkgs"];
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Remove packages with their configuration (apt-get purge; on yum the same as pkg.remove). apt returns {removed: {...}, installed: {...}}.\n\nCLI Example:\n\n    salt '*' pkg.purge hello\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        with_backend(cx, async |host, b| {
            let t = self.0.targets(host, b)?;
            match b {
                Backend::Apt => apt::remove(host, &t, true).await,
                Backend::Yum => yum::remove(host, &t).await,
            }
        })
        .await
    }
}

/// `pkg.version_cmp pkg1 pkg2 [ignore_epoch]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionCmp {
    #[serde(deserialize_with = "de::string_like")]
    pkg1: String,
    #[serde(deserialize_with = "de::string_like")]
    pkg2: String,
    #[serde(default)]
    ignore_epoch: bool,
    #[allow(dead_code)]
    kwargs: Map<String, Value>,
}

impl ExecFn for VersionCmp {
    const POSITIONAL: &'static [&'static str] = &["pkg1", "pkg2", "ignore_epoch"];
    const REQUIRED: usize = 2;
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Compare two package versions as the package manager orders them (dpkg or rpm): -1, 0 or 1.\n\nCLI Example:\n\n    salt '*' pkg.version_cmp '0.2.4-0ubuntu1' '0.2.4.1-0ubuntu1'\n";
    type Output = i64;

    async fn call(self, cx: &Ctx) -> Result<i64, ExecError> {
        with_backend(cx, async |_, b| {
            Ok(i64::from(version::version_cmp(
                b.scheme(),
                &self.pkg1,
                &self.pkg2,
                self.ignore_epoch,
            )))
        })
        .await
    }
}

/// `pkg.list_repo_pkgs *names`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListRepoPkgs {
    args: Vec<Value>,
    #[allow(dead_code)]
    kwargs: Map<String, Value>,
}

impl ExecFn for ListRepoPkgs {
    const POSITIONAL: &'static [&'static str] = &[];
    const VARARGS: bool = true;
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Return {name: [versions]} of what the repositories offer for the named packages (every package without names on apt).\n\nCLI Example:\n\n    salt '*' pkg.list_repo_pkgs hello tree\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        let names: Vec<String> = self.args.iter().map(py_str).collect();
        let m = with_backend(cx, async |host, b| match b {
            Backend::Apt => apt::list_repo_pkgs(host, &names).await,
            Backend::Yum => yum::list_repo_pkgs(host, &names, &[]).await,
        })
        .await?;
        Ok(Value::Object(m))
    }
}

/// `pkg.normalize_name name`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NormalizeName {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
}

impl ExecFn for NormalizeName {
    const POSITIONAL: &'static [&'static str] = &["name"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Strip the host's own architecture from a package name (zsh:amd64 -> zsh; on yum zsh.x86_64 -> zsh).\n\nCLI Example:\n\n    salt '*' pkg.normalize_name zsh:amd64\n";
    type Output = String;

    async fn call(self, cx: &Ctx) -> Result<String, ExecError> {
        with_backend(cx, async |host, b| Ok(normalize_name(host, b, &self.name))).await
    }
}
