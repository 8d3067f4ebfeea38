//! The repository functions of `pkg.*` (`list_repos`, `get_repo`,
//! `expand_repo_def`, `mod_repo`, `del_repo`): argument structs and
//! dispatch to `apt_repo.rs` / `yum_repo.rs`.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{Backend, apt_repo, with_backend, yum_repo};
use crate::{Ctx, ExecError, ExecFn, de};

/// `pkg.list_repos`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListRepos {
    #[serde(default, deserialize_with = "de::opt_string_like")]
    basedir: Option<String>,
    #[allow(dead_code)]
    kwargs: Map<String, Value>,
}

impl ExecFn for ListRepos {
    const POSITIONAL: &'static [&'static str] = &["basedir"];
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Return the configured repositories: apt {uri: [entries]}, yum {id: {options, file}}.\n\nCLI Example:\n\n    salt '*' pkg.list_repos\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        with_backend(cx, async |host, b| {
            Ok(Value::Object(match b {
                Backend::Apt => apt_repo::list_repos(host),
                Backend::Yum => yum_repo::list_repos(host, self.basedir.as_deref()),
            }))
        })
        .await
    }
}

/// The arguments of `pkg.get_repo` and `pkg.del_repo`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepoArgs {
    #[serde(deserialize_with = "de::string_like")]
    repo: String,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    basedir: Option<String>,
    #[allow(dead_code)]
    kwargs: Map<String, Value>,
}

/// `pkg.get_repo repo`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct GetRepo(RepoArgs);

impl ExecFn for GetRepo {
    const POSITIONAL: &'static [&'static str] = &["repo", "basedir"];
    const REQUIRED: usize = 1;
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Return one repository's definition ({} when it is not configured): apt takes the whole line ('deb http://... bookworm main'), yum the repository id.\n\nCLI Example:\n\n    salt '*' pkg.get_repo \"deb http://deb.debian.org/debian bookworm main\"\n    salt '*' pkg.get_repo epel\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        let a = self.0;
        with_backend(cx, async |host, b| match b {
            Backend::Apt => apt_repo::get_repo(host, &a.repo),
            Backend::Yum => Ok(yum_repo::get_repo(host, &a.repo, a.basedir.as_deref())),
        })
        .await
    }
}

/// `pkg.expand_repo_def repo`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpandRepoDef {
    #[serde(deserialize_with = "de::string_like")]
    repo: String,
    kwargs: Map<String, Value>,
}

impl ExecFn for ExpandRepoDef {
    const POSITIONAL: &'static [&'static str] = &["repo"];
    const REQUIRED: usize = 1;
    const VARKWARGS: bool = true;
    const DOC: &'static str = "apt only: the repository entry as it would be written (file, comps, disabled, dist, type, uri, line, architectures, signedby), with file/comps/architectures/disabled overrides.\n\nCLI Example:\n\n    salt '*' pkg.expand_repo_def repo=\"deb http://deb.debian.org/debian bookworm main\"\n";
    type Output = Value;

    async fn call(self, _cx: &Ctx) -> Result<Value, ExecError> {
        Ok(apt_repo::expand_repo_def(&self.repo, &self.kwargs))
    }
}

/// `pkg.mod_repo repo [options]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModRepo {
    #[serde(deserialize_with = "de::string_like")]
    repo: String,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    #[allow(dead_code)]
    saltenv: Option<String>,
    #[serde(default = "yes")]
    aptkey: bool,
    kwargs: Map<String, Value>,
}

fn yes() -> bool {
    true
}

impl ExecFn for ModRepo {
    const POSITIONAL: &'static [&'static str] = &["repo", "saltenv", "aptkey"];
    const REQUIRED: usize = 1;
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Add or change a repository. apt: the whole line as repo, with file, comps, architectures, disabled/enabled, refresh (default True: apt-get update after); yum: the id as repo, with baseurl/mirrorlist/metalink, humanname, enabled, gpgcheck, gpgkey, ... (booleans written 1/0), basedir.\n\nCLI Example:\n\n    salt '*' pkg.mod_repo 'deb [signed-by=/etc/apt/keyrings/x.gpg] http://x/debian bookworm main' file=/etc/apt/sources.list.d/x.list\n    salt '*' pkg.mod_repo epel baseurl=https://x/epel/9 enabled=True\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        with_backend(cx, async |host, b| match b {
            Backend::Apt => apt_repo::mod_repo(host, &self.repo, &self.kwargs, self.aptkey).await,
            Backend::Yum => yum_repo::mod_repo(host, &self.repo, &self.kwargs),
        })
        .await
    }
}

/// `pkg.del_repo repo`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct DelRepo(RepoArgs);

impl ExecFn for DelRepo {
    const POSITIONAL: &'static [&'static str] = &["repo", "basedir"];
    const REQUIRED: usize = 1;
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Remove a repository (apt: every entry with that type, uri and dist; yum: the section).\n\nCLI Example:\n\n    salt '*' pkg.del_repo epel\n";
    type Output = String;

    async fn call(self, cx: &Ctx) -> Result<String, ExecError> {
        let a = self.0;
        with_backend(cx, async |host, b| match b {
            Backend::Apt => apt_repo::del_repo(host, &a.repo),
            Backend::Yum => yum_repo::del_repo(host, &a.repo, a.basedir.as_deref()),
        })
        .await
    }
}
