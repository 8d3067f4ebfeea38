//! `cp.*`: copy files from the file server (`salt://`) to the minion, with
//! Salt's signatures and return values (`cp.get_file` returns the
//! destination, `""` when the server has no such file and `False` when the
//! destination's directory is missing; `cp.get_dir` the sorted list of
//! what it wrote).
//!
//! Everything goes through `cx.files` (a [`salt_fileserver::FileClient`]):
//! the master in a minion, `file_roots` in `salt-rs-call --local`. URLs are
//! parsed into a [`salt_types::SaltUrl`] first; a path with `..`, an
//! absolute path, a `%` escape or a bad `?saltenv=` is an error naming the
//! URL (Salt answers `False` or `""` for those without saying why).
//!
//! Differences from Salt, on purpose: only the `jinja` template engine;
//! only `salt://` and local absolute paths (no `http://`, `s3://`, ...);
//! `cp.get_dir` honours a `?saltenv=` in its URL (Salt drops it).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value, json};

use salt_fileserver::wire::{HashType, ListKind};
use salt_fileserver::{Fetched, SafeRelPath};
use salt_types::Saltenv;

use crate::host::{render_blocking, template_context};
use crate::{Ctx, ExecError, ExecFn, de};

mod args;

use args::{
    Copy, Source, cache_salt, client, client_err, dest_for, include_exclude, jinja, list, patterns,
    saltenv_arg, source, url_and_env, write_atomic,
};

/// [`Copy::new`] with the fields `cp.get_file` and `cp.get_dir` both have.
macro_rules! copy_args {
    ($cx:expr, $a:expr) => {
        Copy::new(
            $cx,
            $a.saltenv.as_deref(),
            $a.gzip.as_ref(),
            $a.template.as_deref(),
            $a.pillar,
            $a.path,
            $a.dest,
        )
    };
}

/// `cp.get_file path dest saltenv=base makedirs=False template=None gzip=None`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetFile {
    #[serde(deserialize_with = "de::string_like")]
    path: String,
    #[serde(deserialize_with = "de::string_like")]
    dest: String,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    saltenv: Option<String>,
    #[serde(default)]
    makedirs: bool,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    template: Option<String>,
    #[serde(default)]
    gzip: Option<Value>,
    /// Pillar for rendering `path` and `dest` with `template`.
    #[serde(default)]
    pillar: Option<Map<String, Value>>,
}

impl ExecFn for GetFile {
    const POSITIONAL: &'static [&'static str] =
        &["path", "dest", "saltenv", "makedirs", "template", "gzip"];
    const REQUIRED: usize = 2;
    const DOC: &'static str = "Copy one file from the file server to the minion; returns the destination.\n\nDEST may be a directory (ending in '/'). makedirs=True creates missing parent directories; template=jinja renders PATH and DEST first; gzip=1..9 compresses the transfer. The saltenv may also be given as salt://path?saltenv=env.\n\nCLI Example:\n\n    salt '*' cp.get_file salt://path/to/file /minion/dest\n    salt '*' cp.get_file \"salt://{{grains.os}}/vimrc\" /etc/vimrc template=jinja\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        let c = copy_args!(cx, self).await?;
        let dest = dest_for(&c.dest, &c.url.path);
        let got = c
            .files
            .fetch(&c.env, &c.url.path, Path::new(&dest), self.makedirs, c.gzip)
            .await
            .map_err(client_err)?;
        Ok(match got {
            Fetched::Missing => json!(""),
            Fetched::NoDestDir => json!(false),
            Fetched::Unchanged(_) | Fetched::Written(_) => json!(dest),
        })
    }
}

/// `cp.get_dir path dest saltenv=base template=None gzip=None`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetDir {
    #[serde(deserialize_with = "de::string_like")]
    path: String,
    #[serde(deserialize_with = "de::string_like")]
    dest: String,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    saltenv: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    template: Option<String>,
    #[serde(default)]
    gzip: Option<Value>,
    /// Accepted for Salt compatibility: `cp.get_dir` always creates
    /// directories.
    #[serde(default)]
    #[allow(dead_code)]
    makedirs: Option<Value>,
    #[serde(default)]
    pillar: Option<Map<String, Value>>,
}

impl ExecFn for GetDir {
    const POSITIONAL: &'static [&'static str] = &["path", "dest", "saltenv", "template", "gzip"];
    const REQUIRED: usize = 2;
    const DOC: &'static str = "Copy a directory from the file server, recursively; returns the sorted list of files and empty directories written.\n\nsalt://a/b copied to DEST lands in DEST/b/...; directories are always created. template and gzip work as in cp.get_file.\n\nCLI Example:\n\n    salt '*' cp.get_dir salt://path/to/dir/ /minion/dest\n    salt '*' cp.get_dir salt://pkgs /tmp/pkgs gzip=9\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        let c = copy_args!(cx, self).await?;
        let (files, env, dest) = (c.files, &c.env, &c.dest);
        let dir = c.url.path.as_str();
        let parent = dir.rsplit_once('/').map_or("", |(p, _)| p);
        let below = |name: &SafeRelPath| {
            let n = name.as_str();
            (n.len() > dir.len() && n.starts_with(dir) && n.as_bytes()[dir.len()] == b'/')
                .then(|| n[parent.len()..].trim_start_matches('/').to_owned())
        };
        let mut out = Vec::new();
        for name in files
            .list(env, ListKind::Files, Some(&c.url.path))
            .await
            .map_err(client_err)?
        {
            let Some(rel) = below(&name) else { continue };
            let target = format!("{dest}/{rel}");
            let got = files
                .fetch(env, &name, Path::new(&target), true, c.gzip)
                .await
                .map_err(client_err)?;
            out.push(match got {
                Fetched::Missing => String::new(),
                _ => target,
            });
        }
        for name in files
            .list(env, ListKind::EmptyDirs, Some(&c.url.path))
            .await
            .map_err(client_err)?
        {
            let Some(rel) = below(&name) else { continue };
            let target = format!("{dest}/{rel}");
            std::fs::create_dir_all(&target)
                .map_err(|e| ExecError::Command(format!("{target}: {e}")))?;
            out.push(target);
        }
        out.sort();
        Ok(json!(out))
    }
}

/// `cp.get_template path dest template=jinja saltenv=base makedirs=False **kwargs`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetTemplate {
    #[serde(deserialize_with = "de::string_like")]
    path: String,
    #[serde(deserialize_with = "de::string_like")]
    dest: String,
    #[serde(default = "jinja", deserialize_with = "de::string_like")]
    template: String,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    saltenv: Option<String>,
    #[serde(default)]
    makedirs: bool,
    /// More template variables (`foo=bar` gives `{{ foo }}`); `grains`,
    /// `pillar`, `opts` given here replace the minion's. `context={...}`
    /// is a dict of more variables, which win over the other keywords (as
    /// in Salt; `cmd.script` passes its `defaults`/`context` this way).
    kwargs: Map<String, Value>,
}

/// The template variables of `cp.get_template`'s keywords: `context`'s
/// entries over the others.
fn template_vars(mut kwargs: Map<String, Value>) -> Result<Map<String, Value>, ExecError> {
    match kwargs.remove("context") {
        None | Some(Value::Null) => {}
        Some(Value::Object(context)) => kwargs.extend(context),
        Some(other) => {
            return Err(ExecError::invocation(format!(
                "context must be a dictionary, not {other}"
            )));
        }
    }
    Ok(kwargs)
}

impl ExecFn for GetTemplate {
    const POSITIONAL: &'static [&'static str] =
        &["path", "dest", "template", "saltenv", "makedirs"];
    const REQUIRED: usize = 2;
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Render a file from the file server as a Jinja template (with grains, pillar, saltenv and any extra keyword arguments as variables) and write it to DEST; returns DEST, or \"\" when the file is missing or DEST's directory is (without makedirs=True).\n\nCLI Example:\n\n    salt '*' cp.get_template salt://path/to/template /minion/dest\n    salt '*' cp.get_template salt://motd.j2 /etc/motd owner=ops\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        let files = client(cx)?;
        let env = saltenv_arg(self.saltenv.as_deref())?;
        let (url, env) = url_and_env(&self.path, &env)?;
        if self.template != "jinja" {
            return Err(ExecError::invocation(format!(
                "template engine '{}' is not supported; salt-rs renders jinja only",
                self.template
            )));
        }
        let Some(cached) = files
            .cache_file(&env, &url.path, None)
            .await
            .map_err(client_err)?
        else {
            return Ok(json!(""));
        };
        let text = std::fs::read(&cached)
            .map_err(|e| ExecError::Command(format!("{}: {e}", cached.display())))?;
        let text = String::from_utf8(text)
            .map_err(|_| ExecError::Command(format!("{url} is not UTF-8 text")))?;
        let mut rcx = template_context(cx, &env, template_vars(self.kwargs)?);
        rcx.tplpath = Some(cached.display().to_string());
        let rendered = render_blocking(cx, rcx, text)
            .await?
            .map_err(|e| ExecError::Command(format!("Failed to render template {url}: {e}")))?;
        let (dest, makedirs) = if self.dest.is_empty() {
            let p = url
                .path
                .resolve(&files.cachedir().join("extrn_files").join(env.as_str()));
            (p, true)
        } else {
            (PathBuf::from(&self.dest), self.makedirs)
        };
        if let Some(dir) = dest.parent().filter(|p| !p.as_os_str().is_empty())
            && !dir.is_dir()
        {
            if !makedirs {
                return Ok(json!(""));
            }
            std::fs::create_dir_all(dir)
                .map_err(|e| ExecError::Command(format!("{}: {e}", dir.display())))?;
        }
        write_atomic(&dest, rendered.as_bytes())?;
        Ok(json!(dest.display().to_string()))
    }
}

/// `cp.cache_file path saltenv=base source_hash=None verify_ssl=True use_etag=False`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheFile {
    #[serde(deserialize_with = "de::string_like")]
    path: String,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    saltenv: Option<String>,
    /// Accepted for Salt compatibility; used only for remote URLs, which
    /// salt-rs does not fetch.
    #[serde(default)]
    #[allow(dead_code)]
    source_hash: Option<Value>,
    #[serde(default)]
    #[allow(dead_code)]
    verify_ssl: Option<Value>,
    #[serde(default)]
    #[allow(dead_code)]
    use_etag: Option<Value>,
}

impl ExecFn for CacheFile {
    const POSITIONAL: &'static [&'static str] =
        &["path", "saltenv", "source_hash", "verify_ssl", "use_etag"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Cache one file from the file server in the minion's cache (downloading it only when the cached copy differs); returns the cached path, or False when the server has no such file. A local absolute path is returned as it is.\n\nCLI Example:\n\n    salt '*' cp.cache_file salt://path/to/file\n    salt '*' cp.cache_file salt://foo/bar.conf saltenv=config\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        let env = saltenv_arg(self.saltenv.as_deref())?;
        match source(&self.path)? {
            Source::Local(p) => Ok(json!(p)),
            Source::Salt(url) => Ok(match cache_salt(cx, &url, &env, &self.path).await? {
                Some(p) => json!(p.display().to_string()),
                None => json!(false),
            }),
        }
    }
}

/// `cp.cache_dir path saltenv=base include_empty=False include_pat=None exclude_pat=None`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheDir {
    #[serde(deserialize_with = "de::string_like")]
    path: String,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    saltenv: Option<String>,
    #[serde(default)]
    include_empty: bool,
    #[serde(default)]
    include_pat: Option<Value>,
    #[serde(default)]
    exclude_pat: Option<Value>,
}

impl ExecFn for CacheDir {
    const POSITIONAL: &'static [&'static str] = &[
        "path",
        "saltenv",
        "include_empty",
        "include_pat",
        "exclude_pat",
    ];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Cache every file under a directory of the file server; returns the cached paths. include_pat / exclude_pat take a glob, or a regex prefixed with E@ (one pattern or a list); include_empty=True also creates empty directories.\n\nCLI Example:\n\n    salt '*' cp.cache_dir salt://path/to/dir\n    salt '*' cp.cache_dir salt://path/to/dir include_pat='E@*.py$'\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        let files = client(cx)?;
        let env = saltenv_arg(self.saltenv.as_deref())?;
        let (url, env) = url_and_env(&self.path, &env)?;
        let include = patterns(self.include_pat.as_ref(), "include_pat")?;
        let exclude = patterns(self.exclude_pat.as_ref(), "exclude_pat")?;
        let dir = format!("{}/", url.path);
        let mut out = Vec::new();
        for name in files
            .list(&env, ListKind::Files, None)
            .await
            .map_err(client_err)?
        {
            if !name.as_str().starts_with(&dir)
                || !include_exclude(name.as_str(), &include, &exclude)
            {
                continue;
            }
            if let Some(p) = files
                .cache_file(&env, &name, None)
                .await
                .map_err(client_err)?
            {
                out.push(p.display().to_string());
            }
        }
        if self.include_empty {
            for name in files
                .list(&env, ListKind::EmptyDirs, None)
                .await
                .map_err(client_err)?
            {
                if name.as_str().starts_with(&dir) {
                    let p = files.cache_path(&env, &name);
                    std::fs::create_dir_all(&p)
                        .map_err(|e| ExecError::Command(format!("{}: {e}", p.display())))?;
                    out.push(p.display().to_string());
                }
            }
        }
        Ok(json!(out))
    }
}

/// The arguments of `cp.list_master` and `cp.list_master_dirs`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    #[serde(default, deserialize_with = "de::opt_string_like")]
    saltenv: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    prefix: Option<String>,
}

impl ListArgs {
    async fn list(self, cx: &Ctx, kind: ListKind) -> Result<Value, ExecError> {
        list(cx, self.saltenv.as_deref(), self.prefix.as_deref(), kind).await
    }
}

/// `cp.list_master saltenv=base prefix=''`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct ListMaster(ListArgs);

impl ExecFn for ListMaster {
    const POSITIONAL: &'static [&'static str] = &["saltenv", "prefix"];
    const DOC: &'static str = "List the files of an environment on the file server, sorted; prefix= keeps names starting with it.\n\nCLI Example:\n\n    salt '*' cp.list_master\n    salt '*' cp.list_master saltenv=dev prefix=k8s\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        self.0.list(cx, ListKind::Files).await
    }
}

/// `cp.list_master_dirs saltenv=base prefix=''`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct ListMasterDirs(ListArgs);

impl ExecFn for ListMasterDirs {
    const POSITIONAL: &'static [&'static str] = &["saltenv", "prefix"];
    const DOC: &'static str = "List the directories of an environment on the file server, sorted; prefix= keeps names starting with it.\n\nCLI Example:\n\n    salt '*' cp.list_master_dirs\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        self.0.list(cx, ListKind::Dirs).await
    }
}

/// `cp.list_states saltenv=base`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListStates {
    #[serde(default, deserialize_with = "de::opt_string_like")]
    saltenv: Option<String>,
}

impl ExecFn for ListStates {
    const POSITIONAL: &'static [&'static str] = &["saltenv"];
    const DOC: &'static str = "List the SLS names of an environment (a/b.sls and a/b/init.sls are both 'a.b'), sorted.\n\nCLI Example:\n\n    salt '*' cp.list_states\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        let env = saltenv_arg(self.saltenv.as_deref())?;
        let names = client(cx)?
            .list(&env, ListKind::Files, None)
            .await
            .map_err(client_err)?;
        Ok(json!(sls_names(&names)))
    }
}

/// The SLS names among served file names (`a/b.sls` and `a/b/init.sls`
/// are both `a.b`), sorted, each once.
pub(crate) fn sls_names(names: &[SafeRelPath]) -> Vec<String> {
    let mut out: Vec<String> = names
        .iter()
        .filter_map(|n| {
            let n = n.as_str();
            n.strip_suffix("/init.sls")
                .or_else(|| n.strip_suffix(".sls"))
                .map(|s| s.replace('/', "."))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// `cp.envs`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envs {}

impl ExecFn for Envs {
    const POSITIONAL: &'static [&'static str] = &[];
    const DOC: &'static str =
        "List the file server's environments, sorted.\n\nCLI Example:\n\n    salt '*' cp.envs\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        let envs = client(cx)?.envs().await.map_err(client_err)?;
        Ok(json!(envs.iter().map(Saltenv::as_str).collect::<Vec<_>>()))
    }
}

/// The arguments of `cp.hash_file`, `cp.get_file_str` and `cp.is_cached`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathArgs {
    #[serde(deserialize_with = "de::string_like")]
    path: String,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    saltenv: Option<String>,
}

/// `cp.hash_file path saltenv=base`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct HashFile(PathArgs);

impl ExecFn for HashFile {
    const POSITIONAL: &'static [&'static str] = &["path", "saltenv"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Return {hash_type, hsum} of a file on the file server (salt://...) or of a local file (an absolute path); \"\" when the server has no such file.\n\nCLI Example:\n\n    salt '*' cp.hash_file salt://path/to/file\n    salt '*' cp.hash_file /etc/hosts\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        let a = self.0;
        let env = saltenv_arg(a.saltenv.as_deref())?;
        match source(&a.path)? {
            Source::Local(p) => {
                let kind = HashType::default();
                // Salt's shapes: {hsum, hash_type} for a local file, the
                // pair [{}, null] for a missing one.
                Ok(match salt_fileserver::hash_path(kind, Path::new(&p)) {
                    Ok(hsum) => json!({"hsum": hsum, "hash_type": kind.as_str()}),
                    Err(_) => json!([{}, null]),
                })
            }
            Source::Salt(url) => {
                let env = url.saltenv_or(&env).clone();
                let h = client(cx)?
                    .hash(&env, &url.path)
                    .await
                    .map_err(client_err)?;
                Ok(match h {
                    Some(h) => json!({"hash_type": h.hash_type.as_str(), "hsum": h.hsum}),
                    None => json!(""),
                })
            }
        }
    }
}

/// `cp.get_file_str path saltenv=base`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct GetFileStr(PathArgs);

impl ExecFn for GetFileStr {
    const POSITIONAL: &'static [&'static str] = &["path", "saltenv"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Cache a file from the file server and return its contents as text; False when there is no such file.\n\nCLI Example:\n\n    salt '*' cp.get_file_str salt://my/file\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        let a = self.0;
        let env = saltenv_arg(a.saltenv.as_deref())?;
        let path = match source(&a.path)? {
            Source::Local(p) => PathBuf::from(p),
            Source::Salt(url) => match cache_salt(cx, &url, &env, &a.path).await? {
                Some(p) => p,
                None => return Ok(json!(false)),
            },
        };
        match std::fs::read(&path) {
            Ok(bytes) => Ok(json!(String::from_utf8_lossy(&bytes))),
            Err(_) => Ok(json!(false)),
        }
    }
}

/// `cp.is_cached path saltenv=base`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct IsCached(PathArgs);

impl ExecFn for IsCached {
    const POSITIONAL: &'static [&'static str] = &["path", "saltenv"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Return the cached copy's path of a salt:// file (or of a local file cached with cp.cache_local_file), \"\" when it is not cached.\n\nCLI Example:\n\n    salt '*' cp.is_cached salt://path/to/file\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        let a = self.0;
        let env = saltenv_arg(a.saltenv.as_deref())?;
        let files = client(cx)?;
        let found = match source(&a.path)? {
            Source::Salt(url) => files.cached(url.saltenv_or(&env), &url.path),
            Source::Local(p) => {
                let p = files
                    .cachedir()
                    .join("localfiles")
                    .join(p.trim_start_matches('/'));
                p.exists().then_some(p)
            }
        };
        Ok(json!(
            found.map(|p| p.display().to_string()).unwrap_or_default()
        ))
    }
}
