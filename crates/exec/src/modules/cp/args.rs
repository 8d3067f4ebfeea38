//! What the `cp.*` functions share: reading their arguments the way Salt
//! does (saltenv defaults, `gzip=` levels, include/exclude patterns, local
//! paths versus `salt://` URLs), rendering file names for `template=`,
//! listings, and atomic writes.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use salt_fileserver::wire::{GzipLevel, ListKind};
use salt_fileserver::{AtomicFile, ClientError, FileClient, SafeRelPath};
use salt_types::{SaltUrl, Saltenv};

use crate::host::{NO_FILE_SERVER, render_blocking, template_context};
use crate::registry::fnmatch;
use crate::{Ctx, ExecError, de};

/// Where a path argument points.
pub(super) enum Source {
    Salt(SaltUrl),
    /// An absolute local path (`/x` or `file:///x`).
    Local(String),
}

pub(super) fn source(path: &str) -> Result<Source, ExecError> {
    if SaltUrl::is_salt_url(path) {
        return parse_url(path).map(Source::Salt);
    }
    let local = path.strip_prefix("file://").unwrap_or(path);
    if local.starts_with('/') {
        return Ok(Source::Local(local.to_owned()));
    }
    if let Some((scheme, _)) = path.split_once("://") {
        return Err(ExecError::Command(format!(
            "'{scheme}://' URLs are not supported; use salt:// or a local absolute path"
        )));
    }
    Err(ExecError::Command(format!("Path '{path}' is not absolute")))
}

pub(super) fn client(cx: &Ctx) -> Result<&FileClient, ExecError> {
    cx.files
        .as_ref()
        .ok_or_else(|| ExecError::Command(NO_FILE_SERVER.into()))
}

pub(super) fn client_err(e: ClientError) -> ExecError {
    ExecError::Command(e.to_string())
}

pub(super) fn parse_url(s: &str) -> Result<SaltUrl, ExecError> {
    SaltUrl::parse(s).map_err(|e| ExecError::invocation(e.to_string()))
}

/// `path` as a salt:// URL, and the saltenv to read it from: the URL's
/// `?saltenv=` over `env`.
pub(super) fn url_and_env(path: &str, env: &Saltenv) -> Result<(SaltUrl, Saltenv), ExecError> {
    let url = parse_url(path)?;
    let env = url.saltenv_or(env).clone();
    Ok((url, env))
}

/// Caches `url` (its `?saltenv=` over `env`) from the file server; `None`,
/// logged as Salt logs it, when the server has no such file. `path` is the
/// argument as given, for the log.
pub(super) async fn cache_salt(
    cx: &Ctx,
    url: &SaltUrl,
    env: &Saltenv,
    path: &str,
) -> Result<Option<PathBuf>, ExecError> {
    let env = url.saltenv_or(env).clone();
    let got = client(cx)?
        .cache_file(&env, &url.path, None)
        .await
        .map_err(client_err)?;
    if got.is_none() {
        tracing::error!("Unable to cache file '{path}' from saltenv '{env}'.");
    }
    Ok(got)
}

/// `saltenv=` with Salt's default: unset or empty means `base`.
pub(super) fn saltenv_arg(s: Option<&str>) -> Result<Saltenv, ExecError> {
    match s {
        None | Some("") => Ok(Saltenv::base()),
        Some(s) => Saltenv::parse(s).map_err(|e| ExecError::invocation(e.to_string())),
    }
}

/// `gzip=`: 1..9; unset, 0, False or null mean no compression; True is 1
/// (Python's `int(True)`).
pub(super) fn gzip_arg(v: Option<&Value>) -> Result<Option<GzipLevel>, ExecError> {
    let n = match v {
        None | Some(Value::Null) | Some(Value::Bool(false)) => return Ok(None),
        Some(Value::Bool(true)) => 1,
        Some(Value::Number(n)) => n.as_i64().unwrap_or(-1),
        Some(Value::String(s)) => s.trim().parse::<i64>().unwrap_or(-1),
        Some(_) => -1,
    };
    if n == 0 {
        return Ok(None);
    }
    u8::try_from(n)
        .map_err(|_| format!("gzip level {n} is out of range: use 1 (fastest) to 9 (smallest)"))
        .and_then(GzipLevel::new)
        .map(Some)
        .map_err(ExecError::invocation)
}

/// `dest`, or `dest/<file name>` when `dest` is a directory or ends in `/`.
pub(super) fn dest_for(dest: &str, path: &SafeRelPath) -> String {
    if dest.ends_with('/') || Path::new(dest).is_dir() {
        let name = path.as_str().rsplit('/').next().unwrap_or(path.as_str());
        Path::new(dest).join(name).display().to_string()
    } else {
        dest.to_owned()
    }
}

/// The arguments `cp.get_file` and `cp.get_dir` share, read in Salt's
/// order: the file client, `gzip=`, and the source URL, the saltenv to read
/// it from and the destination, after `template=`.
pub(super) struct Copy<'c> {
    pub files: &'c FileClient,
    pub gzip: Option<GzipLevel>,
    pub url: SaltUrl,
    pub env: Saltenv,
    pub dest: String,
}

impl<'c> Copy<'c> {
    pub async fn new(
        cx: &'c Ctx,
        saltenv: Option<&str>,
        gzip: Option<&Value>,
        template: Option<&str>,
        pillar: Option<Map<String, Value>>,
        path: String,
        dest: String,
    ) -> Result<Self, ExecError> {
        let files = client(cx)?;
        let env = saltenv_arg(saltenv)?;
        let gzip = gzip_arg(gzip)?;
        let (path, dest) = render_names(cx, &env, template, pillar, path, dest).await?;
        let (url, env) = url_and_env(&path, &env)?;
        Ok(Self {
            files,
            gzip,
            url,
            env,
            dest,
        })
    }
}

/// `template=jinja` on `cp.get_file` / `cp.get_dir`: renders the source and
/// destination names (not the file) with grains, pillar and saltenv.
async fn render_names(
    cx: &Ctx,
    env: &Saltenv,
    template: Option<&str>,
    pillar: Option<Map<String, Value>>,
    path: String,
    dest: String,
) -> Result<(String, String), ExecError> {
    let Some(engine) = template.filter(|t| !t.is_empty()) else {
        return Ok((path, dest));
    };
    if engine != "jinja" {
        return Err(ExecError::Command(format!(
            "Attempted to render file paths with unavailable engine {engine}"
        )));
    }
    let mut extra = Map::new();
    if let Some(p) = pillar {
        extra.insert("pillar".into(), Value::Object(p));
    }
    let mut out = Vec::with_capacity(2);
    for text in [path, dest] {
        let rcx = template_context(cx, env, extra.clone());
        let r = render_blocking(cx, rcx, text).await?.map_err(|e| {
            ExecError::Command(format!("Failed to render file path with error: {e}"))
        })?;
        out.push(r);
    }
    let dest = out.pop().unwrap_or_default();
    let path = out.pop().unwrap_or_default();
    Ok((path, dest))
}

pub(super) async fn list(
    cx: &Ctx,
    saltenv: Option<&str>,
    prefix: Option<&str>,
    kind: ListKind,
) -> Result<Value, ExecError> {
    let env = saltenv_arg(saltenv)?;
    let prefix = prefix
        .map(|p| p.trim_matches('/'))
        .filter(|p| !p.is_empty());
    let prefix = match prefix.map(SafeRelPath::parse) {
        None => None,
        Some(Ok(p)) => Some(p),
        // No served name can start with it.
        Some(Err(_)) => return Ok(json!([])),
    };
    let names = client(cx)?
        .list(&env, kind, prefix.as_ref())
        .await
        .map_err(client_err)?;
    Ok(json!(
        names.iter().map(SafeRelPath::as_str).collect::<Vec<_>>()
    ))
}

/// An include/exclude pattern: a glob, or a regex after `E@`.
pub(super) enum Pattern {
    Glob(String),
    Regex(regex::Regex),
}

pub(super) fn patterns(v: Option<&Value>, what: &str) -> Result<Vec<Pattern>, ExecError> {
    let items: Vec<String> = match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) if s.is_empty() => Vec::new(),
        Some(Value::Array(a)) => a.iter().filter_map(de::scalar_text).collect(),
        Some(other) => de::scalar_text(other).into_iter().collect(),
    };
    items
        .into_iter()
        .map(|p| match p.strip_prefix("E@") {
            Some(re) => regex::Regex::new(re)
                .map(Pattern::Regex)
                .map_err(|e| ExecError::invocation(format!("{what}: bad regex {re:?}: {e}"))),
            None => Ok(Pattern::Glob(p)),
        })
        .collect()
}

/// Salt's `check_include_exclude`: with includes, one must match; with
/// excludes, none may.
pub(super) fn include_exclude(name: &str, include: &[Pattern], exclude: &[Pattern]) -> bool {
    let hit = |p: &Pattern| match p {
        Pattern::Glob(g) => fnmatch(g, name),
        Pattern::Regex(r) => r.is_match(name),
    };
    (include.is_empty() || include.iter().any(hit)) && !exclude.iter().any(hit)
}

pub(super) fn write_atomic(dest: &Path, data: &[u8]) -> Result<(), ExecError> {
    use std::io::Write;
    let err = |e: std::io::Error| ExecError::Command(format!("{}: {e}", dest.display()));
    let mut f = AtomicFile::create(dest).map_err(err)?;
    f.write_all(data).map_err(err)?;
    f.commit().map_err(err)?;
    Ok(())
}

pub(super) fn jinja() -> String {
    "jinja".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_levels_as_salt_reads_them() {
        assert_eq!(gzip_arg(None).unwrap(), None);
        assert_eq!(gzip_arg(Some(&json!(0))).unwrap(), None);
        assert_eq!(gzip_arg(Some(&json!(false))).unwrap(), None);
        assert_eq!(
            gzip_arg(Some(&json!(true))).unwrap().map(GzipLevel::get),
            Some(1)
        );
        assert_eq!(
            gzip_arg(Some(&json!(9))).unwrap().map(GzipLevel::get),
            Some(9)
        );
        assert_eq!(
            gzip_arg(Some(&json!("5"))).unwrap().map(GzipLevel::get),
            Some(5)
        );
        assert!(gzip_arg(Some(&json!(10))).is_err());
        assert!(gzip_arg(Some(&json!(-1))).is_err());
        assert!(gzip_arg(Some(&json!("x"))).is_err());
    }

    #[test]
    fn include_exclude_as_salt() {
        let inc = patterns(Some(&json!("*.conf")), "include_pat").unwrap();
        let exc = patterns(Some(&json!("E@.*sls$")), "exclude_pat").unwrap();
        assert!(include_exclude("k/a.conf", &inc, &[]));
        assert!(!include_exclude("k/init.sls", &inc, &[]));
        assert!(!include_exclude("k/init.sls", &[], &exc));
        assert!(include_exclude("k/a.conf", &inc, &exc));
        assert!(include_exclude("anything", &[], &[]));
        assert!(patterns(Some(&json!("E@(")), "include_pat").is_err());
    }

    #[test]
    fn sources_are_salt_urls_or_absolute_paths() {
        assert!(matches!(source("salt://a/b").unwrap(), Source::Salt(_)));
        assert!(matches!(source("/etc/hosts").unwrap(), Source::Local(p) if p == "/etc/hosts"));
        assert!(
            matches!(source("file:///etc/hosts").unwrap(), Source::Local(p) if p == "/etc/hosts")
        );
        assert_eq!(
            source("relative/x").err().unwrap().to_string(),
            "ERROR: Path 'relative/x' is not absolute"
        );
        assert!(source("https://example.com/x").is_err());
        assert!(source("salt://../x").is_err());
    }
}
