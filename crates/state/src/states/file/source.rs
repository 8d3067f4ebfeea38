//! Where file contents come from: `salt://` URLs (through the execution
//! functions `cp.hash_file`, `cp.cache_file`, `cp.list_master`,
//! `cp.list_master_dirs`), local paths and `file://` URLs, `source_hash`
//! expressions, templates (`file.apply_template_on_contents`), and pillar
//! or grain values (`pillar.get`, `grains.get`). Every call to the host
//! goes through [`RunCtx::exec`]; this file only decides what to ask, in
//! Salt's order, and words the failures as Salt does.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::fsops::HASH_TYPES;
use crate::module::{RunCtx, StateError};
use crate::pyrepr::py_str;

/// URL schemes Salt recognises in `source` (`salt.utils.files.VALID_PROTOS`).
const VALID_PROTOS: &[&str] = &["salt", "file", "http", "https", "ftp", "swift", "s3"];
/// The ones fetched from elsewhere than the master or this host.
pub const REMOTE_PROTOS: &[&str] = &["http", "https", "ftp", "swift", "s3"];

/// Python's `urllib.parse.urlparse(url).scheme` (lowercased), restricted
/// to the schemes Salt knows (others count as local paths, as in Salt).
pub fn scheme(url: &str) -> &'static str {
    let Some((head, _)) = url.split_once(':') else {
        return "";
    };
    let head = head.to_ascii_lowercase();
    VALID_PROTOS
        .iter()
        .find(|p| **p == head)
        .copied()
        .unwrap_or("")
}

/// Salt's `salt.utils.url.parse`: `salt://path?saltenv=env` to
/// `(path, Some(env))`; anything else unchanged with no saltenv.
pub fn parse_salt_url(url: &str) -> (String, Option<String>) {
    let Some(rest) = url.strip_prefix("salt://") else {
        return (url.to_owned(), None);
    };
    if let Some((p, e)) = rest.split_once("?saltenv=") {
        return (p.to_owned(), Some(e.to_owned()));
    }
    if let Some((p, e)) = rest.split_once("?env=") {
        return (p.to_owned(), Some(e.to_owned()));
    }
    (rest.to_owned(), None)
}

/// The local path of a `file://` URL or a plain path (Salt joins netloc
/// and path).
pub fn local_path(url: &str) -> String {
    match url.strip_prefix("file://") {
        Some(rest) => rest.trim_end_matches('/').to_owned(),
        None => url.to_owned(),
    }
}

/// Calls an execution function; its failure becomes the state's
/// exception, as an exception raised inside Salt's would.
pub fn call(
    cx: &RunCtx<'_>,
    fun: &str,
    args: Vec<Value>,
    kwargs: Map<String, Value>,
) -> Result<Value, StateError> {
    cx.exec
        .call(fun, &args, &kwargs)
        .map(|r| r.value)
        .map_err(StateError::Command)
}

/// `cp.cache_file(url, saltenv)`: the local copy, `None` when there is no
/// such file (Salt returns `""` or `False`). `Err` is the call's own
/// failure, as text.
pub fn cache_file(cx: &RunCtx<'_>, url: &str, saltenv: &str) -> Result<Option<PathBuf>, String> {
    if matches!(scheme(url), "" | "file") {
        let p = local_path(url);
        return Ok(Path::new(&p).exists().then(|| PathBuf::from(p)));
    }
    let v = cx
        .exec
        .call(
            "cp.cache_file",
            &[
                Value::String(url.to_owned()),
                Value::String(saltenv.to_owned()),
            ],
            &Map::new(),
        )
        .map_err(|e| e.to_string())?
        .value;
    Ok(match v {
        Value::String(s) if !s.is_empty() => Some(PathBuf::from(s)),
        _ => None,
    })
}

/// `cp.hash_file(url, saltenv)`: `(hsum, hash_type)` of a file on the
/// master, `None` when it has no such file.
pub fn master_hash(
    cx: &RunCtx<'_>,
    url: &str,
    saltenv: &str,
) -> Result<Option<(String, String)>, StateError> {
    let v = call(
        cx,
        "cp.hash_file",
        vec![
            Value::String(url.to_owned()),
            Value::String(saltenv.to_owned()),
        ],
        Map::new(),
    )?;
    let get = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    Ok(match (get("hsum"), get("hash_type")) {
        (Some(h), Some(t)) => Some((h.to_lowercase(), t)),
        _ => None,
    })
}

/// `cp.list_master(saltenv, prefix)` or `cp.list_master_dirs(...)`.
pub fn list_master(
    cx: &RunCtx<'_>,
    fun: &str,
    saltenv: &str,
    prefix: &str,
) -> Result<Vec<String>, StateError> {
    let mut kw = Map::new();
    kw.insert("saltenv".into(), Value::String(saltenv.to_owned()));
    kw.insert("prefix".into(), Value::String(prefix.to_owned()));
    let v = call(cx, fun, Vec::new(), kw)?;
    Ok(match v {
        Value::Array(items) => items.iter().map(py_str).collect(),
        _ => Vec::new(),
    })
}

/// Salt's `file.source_list`: for a list of sources, the first that exists
/// (on the master in its saltenv, or locally), with its own hash when the
/// entry is `{source: hash}`; a single source is returned unchecked.
pub fn source_list(
    cx: &RunCtx<'_>,
    source: &Value,
    source_hash: &Value,
) -> Result<(Value, Value), String> {
    let Value::Array(items) = source else {
        return Ok((source.clone(), source_hash.clone()));
    };
    let mut masters: Vec<(String, Vec<String>)> = Vec::new();
    let mut listing = |env: &str| -> Result<Vec<String>, String> {
        if let Some((_, l)) = masters.iter().find(|(e, _)| e == env) {
            return Ok(l.clone());
        }
        let mut all = list_master(cx, "cp.list_master", env, "").map_err(|e| e.to_string())?;
        all.extend(list_master(cx, "cp.list_master_dirs", env, "").map_err(|e| e.to_string())?);
        masters.push((env.to_owned(), all.clone()));
        Ok(all)
    };
    for item in items {
        let (url, hash) = match item {
            Value::Object(m) if m.len() == 1 => {
                let (k, v) = crate::states::sole_entry(m);
                let h = if crate::value::truthy(&v) {
                    v
                } else {
                    source_hash.clone()
                };
                (k, h)
            }
            Value::Object(_) => continue,
            Value::String(s) => (s.clone(), source_hash.clone()),
            _ => continue,
        };
        let found = match scheme(&url) {
            "salt" => {
                let (path, env) = parse_salt_url(&url);
                let env = env.unwrap_or_else(|| cx.saltenv.to_owned());
                listing(&env)?.contains(&path)
            }
            "file" | "" => {
                let p = local_path(&url);
                (p.starts_with('/') || scheme(&url) == "file") && Path::new(&p).exists()
            }
            _ => false,
        };
        if found {
            return Ok((Value::String(url), hash));
        }
    }
    Err("none of the specified sources were found".into())
}

/// A hash to check a source against (Salt's `source_sum`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSum {
    pub hash_type: String,
    pub hsum: String,
}

/// Salt's `file.get_source_sum` for a hash expression (`<hash>` or
/// `<type>=<hash>`) or a hash file (a local path or a `salt://` URL whose
/// lines hold `<hash>  <file name>`); errors worded as Salt's.
pub fn source_sum(
    cx: &RunCtx<'_>,
    source: &str,
    source_hash: &str,
    saltenv: &str,
) -> Result<SourceSum, String> {
    let invalid = || {
        let protos = VALID_PROTOS.join(", ");
        let lens: Vec<String> = {
            let mut v: Vec<(usize, &str)> = HASH_TYPES.iter().map(|(n, l)| (*l, *n)).collect();
            v.sort_unstable();
            v.iter().map(|(l, n)| format!("{n} ({l})")).collect()
        };
        format!(
            "Source hash {source_hash} format is invalid. The supported formats are: 1) a hash, 2) an expression in the format <hash_type>=<hash>, or 3) either a path to a local file containing hashes, or a URI of a remote hash file. Supported protocols for remote hash files are: {protos}. The hash may also not be of a valid length, the following are supported hash types and lengths: {}.",
            lens.join(", ")
        )
    };
    let hash_file = if source_hash.starts_with('/') {
        Some(PathBuf::from(source_hash))
    } else if !scheme(source_hash).is_empty() {
        match cache_file(cx, source_hash, saltenv)? {
            Some(p) => Some(p),
            None => return Err(format!("Source hash file {source_hash} not found")),
        }
    } else {
        None
    };
    if let Some(path) = hash_file {
        let text = std::fs::read_to_string(&path).map_err(|_| invalid())?;
        return extract_hash(&text, source).ok_or_else(invalid);
    }
    let (hash_type, hsum) = match source_hash.split_once('=') {
        Some((t, h)) => (t.trim().to_owned(), h.trim().to_owned()),
        None => {
            if source_hash.is_empty() || !source_hash.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(invalid());
            }
            match HASH_TYPES.iter().find(|(_, l)| *l == source_hash.len()) {
                Some((t, _)) => ((*t).to_owned(), source_hash.to_owned()),
                None => return Err(invalid()),
            }
        }
    };
    let Some((_, want_len)) = HASH_TYPES.iter().find(|(t, _)| *t == hash_type) else {
        let names: Vec<&str> = HASH_TYPES.iter().map(|(n, _)| *n).collect();
        return Err(format!(
            "Invalid hash type '{hash_type}'. Supported hash types are: {}. Either remove the hash type and simply use '{hsum}' as the source_hash, or change the hash type to a supported type.",
            names.join(", ")
        ));
    };
    match HASH_TYPES.iter().find(|(_, l)| *l == hsum.len()) {
        None => Err(invalid()),
        Some((right, _)) if hsum.len() != *want_len => Err(format!(
            "Invalid length ({}) for hash type '{hash_type}'. Either remove the hash type and simply use '{hsum}' as the source_hash, or change the hash type to '{right}'",
            hsum.len()
        )),
        Some(_) => Ok(SourceSum {
            hash_type,
            hsum: hsum.to_lowercase(),
        }),
    }
}

/// A hash for `source` from a hash file: the strongest hash on a line
/// naming the source's file name, else the first hash in the file.
fn extract_hash(text: &str, source: &str) -> Option<SourceSum> {
    let base = source.rsplit('/').next().unwrap_or(source);
    let hash_of = |word: &str| -> Option<SourceSum> {
        let w = word.trim_start_matches(|c: char| !c.is_ascii_hexdigit());
        HASH_TYPES
            .iter()
            .find(|(_, l)| *l == w.len() && w.chars().all(|c| c.is_ascii_hexdigit()))
            .map(|(t, _)| SourceSum {
                hash_type: (*t).to_owned(),
                hsum: w.to_lowercase(),
            })
    };
    let mut named: Option<SourceSum> = None;
    let mut first = None;
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let names_it = words
            .iter()
            .any(|w| w.trim_start_matches('*').rsplit('/').next() == Some(base));
        for w in &words {
            if let Some(s) = hash_of(w) {
                if first.is_none() {
                    first = Some(s.clone());
                }
                let stronger = named.as_ref().is_none_or(|n| n.hsum.len() < s.hsum.len());
                if names_it && stronger {
                    named = Some(s);
                }
            }
        }
    }
    named.or(first)
}

/// What rendering a template gave.
pub enum Rendered {
    Text(String),
    /// Salt's `{"result": ..., "comment": ...}` for an unsupported engine.
    Failed(Value, String),
}

/// `file.apply_template_on_contents(contents, template, context, defaults,
/// saltenv)`: the text rendered with the minion's grains, pillar and
/// `salt` functions plus `context` over `defaults`. A render error is the
/// call's `Err` text.
pub fn render(
    cx: &RunCtx<'_>,
    contents: &str,
    template: &str,
    context: &Value,
    defaults: &Value,
) -> Result<Rendered, String> {
    if template != "jinja" {
        return Ok(Rendered::Failed(
            Value::Bool(false),
            format!("Specified template format {template} is not supported"),
        ));
    }
    let mut kw = Map::new();
    kw.insert("contents".into(), Value::String(contents.to_owned()));
    kw.insert("template".into(), Value::String(template.to_owned()));
    kw.insert("context".into(), context.clone());
    kw.insert("defaults".into(), defaults.clone());
    kw.insert("saltenv".into(), Value::String(cx.saltenv.to_owned()));
    let v = cx
        .exec
        .call("file.apply_template_on_contents", &[], &kw)
        .map_err(|e| e.to_string())?
        .value;
    Ok(match v {
        Value::String(s) => Rendered::Text(s),
        Value::Object(m) => Rendered::Failed(
            m.get("result").cloned().unwrap_or(Value::Bool(false)),
            m.get("comment")
                .map(py_str)
                .unwrap_or_else(|| "Error while applying template on contents".into()),
        ),
        other => Rendered::Text(py_str(&other)),
    })
}

/// A unique default for `pillar.get`/`grains.get`, to tell "missing" from
/// any value (Salt passes a private sentinel object).
pub const NOT_FOUND: &str = "\u{0}salt-rs:not-found\u{0}";

/// `pillar.get(key, <not found>, delimiter=...)` or `grains.get(...)`:
/// `None` when the key is missing.
pub fn data_get(
    cx: &RunCtx<'_>,
    fun: &str,
    key: &str,
    delimiter: &str,
) -> Result<Option<Value>, StateError> {
    let mut kw = Map::new();
    kw.insert("delimiter".into(), Value::String(delimiter.to_owned()));
    let v = call(
        cx,
        fun,
        vec![
            Value::String(key.to_owned()),
            Value::String(NOT_FOUND.into()),
        ],
        kw,
    )?;
    Ok((v != Value::String(NOT_FOUND.into())).then_some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_schemes() {
        assert_eq!(scheme("salt://a/b"), "salt");
        assert_eq!(scheme("/etc/x"), "");
        assert_eq!(scheme("HTTPS://x"), "https");
        assert_eq!(scheme("c:x"), "");
        assert_eq!(
            parse_salt_url("salt://a/b?saltenv=dev"),
            ("a/b".into(), Some("dev".into()))
        );
        assert_eq!(parse_salt_url("salt://a"), ("a".into(), None));
        assert_eq!(local_path("file:///etc/x"), "/etc/x");
    }

    #[test]
    fn hash_files() {
        let text = "d41d8cd98f00b204e9800998ecf8427e  other.txt\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 *a.txt\n";
        let s = extract_hash(text, "salt://x/a.txt").unwrap();
        assert_eq!(s.hash_type, "sha256");
        let s = extract_hash(text, "salt://x/zzz").unwrap();
        assert_eq!(s.hash_type, "md5");
        assert!(extract_hash("no hashes", "a").is_none());
    }
}
