//! What `archive.extracted` extracts: its arguments checked in Salt's
//! order, the source picked and fetched (`cp.cache_file`), the expected
//! hash (`file.get_source_sum`), and the archive's members
//! (`archive.list`). The result is a [`Prepared`] extraction, or the
//! state's final answer when a check fails.

use serde_json::{Map, Value, json};

use super::archive::{Extracted, Ret, refuse};
use super::archive_fs::{self as fs, Kind};
use crate::module::{RunCtx, StateError, StateReturn};
use crate::pyrepr::{py_repr, py_str};
use crate::value::truthy;

/// Where `prepare` got to.
pub(super) enum Step {
    /// Checked and listed: go on.
    Ready(Box<Prepared>, Ret),
    /// The state's answer (a failed check, `if_missing`, test mode).
    Done(StateReturn),
}

/// A checked extraction.
pub(super) struct Prepared {
    /// The destination, ending with `/`.
    pub name: String,
    /// The destination without its trailing `/`.
    pub trimmed: String,
    /// The source as comments name it (a local source resolved).
    pub source_match: String,
    pub source_is_local: bool,
    /// The local copy to read.
    pub cached: String,
    /// `tar` or `zip`.
    pub format: String,
    /// tar command options.
    pub options: Option<String>,
    /// `false` or a number of lines.
    pub trim_output: Value,
    pub contents: Contents,
    pub clean: bool,
    pub clean_parent: bool,
    pub if_missing: Option<String>,
    pub enforce_on: Option<String>,
    pub user: Option<String>,
    pub group: Option<String>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub source_sum: Option<Map<String, Value>>,
    pub keep_source: bool,
}

/// Everything `archive.extracted` checks before looking at the
/// destination, in Salt's order: arguments, owners, the source, the
/// format, the expected hash, a local copy, the archive's members.
pub(super) fn prepare(a: &Extracted, cx: &RunCtx<'_>) -> Result<Step, StateError> {
    let mut ret = Ret::new(&a.name);
    if truthy(&a.skip_files_list_verify) && truthy(&a.skip_verify) {
        return ret
            .comment(
                "Only one of \"skip_files_list_verify\" and \"skip_verify\" can be set to True",
            )
            .done()
            .map(Step::Done);
    }
    for (arg, v) in [
        ("password", &a.password),
        ("use_cmd_unzip", &a.use_cmd_unzip),
        ("source_hash_update", &a.source_hash_update),
        ("skip_files_list_verify", &a.skip_files_list_verify),
        ("use_etag", &a.use_etag),
        ("list_options", &a.list_options),
        ("signature", &a.signature),
        ("source_hash_sig", &a.source_hash_sig),
        ("signed_by_any", &a.signed_by_any),
        ("signed_by_all", &a.signed_by_all),
        ("keyring", &a.keyring),
        ("gnupghome", &a.gnupghome),
    ] {
        if truthy(v) {
            return Err(refuse(arg));
        }
    }
    let keep_source = match (&a.keep_source, &a.keep) {
        (Some(ks), Some(_)) => {
            ret.warn("Both 'keep_source' and 'keep' were used. Since these both do the same thing, 'keep' was ignored.");
            truthy(ks)
        }
        (Some(ks), None) => truthy(ks),
        (None, Some(k)) => truthy(k),
        (None, None) => true,
    };

    // The destination.
    let Value::String(raw_name) = &a.name else {
        return ret
            .comment(format!("{} is not an absolute path", py_str(&a.name)))
            .done()
            .map(Step::Done);
    };
    if !raw_name.starts_with('/') {
        return ret
            .comment(format!("{raw_name} is not an absolute path"))
            .done()
            .map(Step::Done);
    }
    let trimmed = raw_name.trim_end_matches('/');
    if fs::is_file(trimmed) {
        return ret
            .comment(format!("{trimmed} exists and is not a directory"))
            .done()
            .map(Step::Done);
    }
    let name = format!("{trimmed}/");
    let if_missing = opt_str(&a.if_missing);
    if if_missing.as_ref().is_some_and(|p| !p.starts_with('/')) {
        return ret
            .comment("Value for 'if_missing' is not an absolute path")
            .done()
            .map(Step::Done);
    }
    let enforce_on = opt_str(&a.enforce_ownership_on);
    if let Some(e) = &enforce_on {
        if !e.starts_with('/') {
            return ret
                .comment("Value for 'enforce_ownership_on' is not an absolute path")
                .done()
                .map(Step::Done);
        }
        if !within(e, &name) {
            return ret
                .comment(format!(
                    "Value for 'enforce_ownership_on' must be within {name}"
                ))
                .done()
                .map(Step::Done);
        }
    }
    if let Some(p) = &if_missing
        && fs::exists(p)
    {
        return ret
            .result(json!(true))
            .comment(format!("Path {p} exists"))
            .done()
            .map(Step::Done);
    }

    // Owners.
    let user = opt_str(&a.user);
    let group = opt_str(&a.group);
    let uid = match &user {
        Some(u) => match lookup(cx, "file.user_to_uid", u)? {
            Some(id) => Some(id),
            None => {
                return ret
                    .comment(format!("User {u} does not exist"))
                    .done()
                    .map(Step::Done);
            }
        },
        None => None,
    };
    let gid = match &group {
        Some(g) => match lookup(cx, "file.group_to_gid", g)? {
            Some(id) => Some(id),
            None => {
                return ret
                    .comment(format!("Group {g} does not exist"))
                    .done()
                    .map(Step::Done);
            }
        },
        None => None,
    };

    // The source.
    let source_match = match pick_source(cx, &a.source)? {
        Ok(s) => s,
        Err(comment) => return ret.comment(comment).done().map(Step::Done),
    };
    let url = Url::parse(&source_match);
    let hash_basename = if url.path.is_empty() {
        url.netloc.clone()
    } else {
        url.path.clone()
    };
    let source_is_local = url.scheme.is_empty() || url.scheme == "file";
    let source_match = if source_is_local {
        let real = std::fs::canonicalize(&url.path)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| url.path.clone());
        if !fs::is_file(&real) {
            return ret
                .comment(format!("Source file '{real}' does not exist"))
                .done()
                .map(Step::Done);
        }
        real
    } else if url.scheme != "salt" {
        return ret
            .comment(format!(
                "Unable to fetch {source_match}: salt-rs extracts archives from salt://, file:// and local paths only"
            ))
            .done().map(Step::Done);
    } else {
        source_match
    };

    // The format and options.
    let format = match opt_str(&a.archive_format) {
        Some(f) => f.to_lowercase(),
        None => match guess_archive_type(&hash_basename) {
            Some(f) => f.to_owned(),
            None => {
                return ret
                    .comment("Could not guess archive_format from the value of the 'source' argument. Please set this archive_format to one of the following: tar, rar, zip")
                    .done().map(Step::Done);
            }
        },
    };
    if !["tar", "rar", "zip"].contains(&format.as_str()) {
        return ret
            .comment(format!("Invalid archive_format '{format}'. Either set it to a supported value (tar, rar, zip) or remove this argument and the archive format will be guessed based on file extension."))
            .done().map(Step::Done);
    }
    let options = match &a.options {
        Value::Null => None,
        v => Some(py_str(v)),
    };
    let strip_components = match (&options, format.as_str()) {
        (Some(o), "tar") => strip_components_of(o),
        _ => None,
    };
    if format == "zip" && options.as_ref().is_some_and(|o| !o.is_empty()) {
        return Err(StateError::Invocation(
            "archive.extracted: the 'options' argument is not supported by salt-rs for zip archives (it needs the unzip command, use_cmd_unzip)".into(),
        ));
    }
    if format == "rar" {
        return Err(StateError::Invocation(
            "archive.extracted: rar archives are not supported by salt-rs".into(),
        ));
    }
    let trim_output = match &a.trim_output {
        Value::Bool(true) => json!(100),
        Value::Bool(false) | Value::Null => json!(false),
        v @ Value::Number(_) => v.clone(),
        Value::String(s) => match s.trim().parse::<i64>() {
            Ok(n) => json!(n),
            Err(_) => {
                return Err(StateError::Other(format!(
                    "ValueError: invalid literal for int() with base 10: {}",
                    py_repr(&a.trim_output)
                )));
            }
        },
        _ => {
            return ret
                .comment("Invalid value for trim_output, must be True/False or an integer")
                .done()
                .map(Step::Done);
        }
    };

    // The expected hash.
    let source_sum = if truthy(&a.source_hash) {
        match source_sum(cx, a, &source_match)? {
            Ok(sum) => Some(sum),
            Err(comment) => return ret.comment(comment).done().map(Step::Done),
        }
    } else {
        None
    };

    // A local copy.
    let cached = if source_is_local {
        source_match.clone()
    } else {
        if cx.test {
            return ret
                .result(Value::Null)
                .comment(format!("Archive {source_match} would be cached (if necessary) and checked to discover if extraction is needed"))
                .done().map(Step::Done);
        }
        match cache_source(
            cx,
            &source_match,
            source_sum.as_ref(),
            truthy(&a.skip_verify),
        )? {
            Ok(p) => p,
            Err(failed) => return Ok(Step::Done(StateReturn::from_map(failed))),
        }
    };

    // What the archive holds.
    if format == "zip" {
        let enc = cx
            .exec
            .call("archive.is_encrypted", &[json!(cached)], &Map::new());
        if let Ok(r) = enc
            && r.value == json!(true)
        {
            return ret
                .comment(format!("Archive {source_match} is password-protected, but no password was specified. Please set the 'password' argument."))
                .done().map(Step::Done);
        }
    }
    let contents = match list(cx, &cached, &format, strip_components) {
        Ok(c) => c,
        Err(msg) => {
            let mut errors = Vec::new();
            if if_missing.is_none() {
                errors.push("'if_missing' must be set");
            }
            if enforce_on.is_none() && (user.is_some() || group.is_some()) {
                errors.push("Ownership cannot be managed without setting 'enforce_ownership_on'.");
            }
            let mut msg = msg;
            if !errors.is_empty() {
                msg.push_str("\n\n");
                if format == "tar" {
                    msg.push_str("If the source archive is a tar archive compressed using a compression type not natively supported by the tar command, then setting the 'list_options' argument may allow the contents to be listed. Otherwise, if Salt is unable to determine the files/directories in the archive, the following workaround(s) would need to be used for this state to proceed");
                } else {
                    msg.push_str(
                        "The following workarounds must be used for this state to proceed",
                    );
                }
                msg.push_str(&format!(
                    " (assuming the source file is a valid {format} archive):\n"
                ));
                for e in errors {
                    msg.push_str(&format!("\n- {e}"));
                }
            }
            return ret.comment(msg).done().map(Step::Done);
        }
    };
    if truthy(&a.enforce_toplevel)
        && (contents.top_dirs.len() > 1 || !contents.top_files.is_empty())
    {
        return ret
            .comment(format!("Archive does not have a single top-level directory. To allow this archive to be extracted, set 'enforce_toplevel' to False. To avoid a '{format}-bomb' it may also be advisable to set a top-level directory by adding it to the 'name' value (for example, setting 'name' to {name}some_dir instead of {name})."))
            .done().map(Step::Done);
    }
    let clean = truthy(&a.clean);
    let clean_parent = truthy(&a.clean_parent);
    if clean && clean_parent {
        return ret
            .comment("Only one of 'clean' and 'clean_parent' can be set to True")
            .result(json!(false))
            .done()
            .map(Step::Done);
    }

    Ok(Step::Ready(
        Box::new(Prepared {
            name,
            trimmed: trimmed.to_owned(),
            source_match,
            source_is_local,
            cached,
            format,
            options,
            trim_output,
            contents,
            clean,
            clean_parent,
            if_missing,
            enforce_on,
            user,
            group,
            uid,
            gid,
            source_sum,
            keep_source,
        }),
        ret,
    ))
}

fn opt_str(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        other => Some(py_str(other)),
    }
}

/// Whether `path` is inside `dir` (`os.path.relpath` not starting `../`).
fn within(path: &str, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    path == dir || path.starts_with(&format!("{dir}/"))
}

/// `file.user_to_uid` / `file.group_to_gid`; `None` for an unknown name.
fn lookup(cx: &RunCtx<'_>, fun: &str, name: &str) -> Result<Option<u32>, StateError> {
    let v = cx
        .exec
        .call(fun, &[json!(name)], &Map::new())
        .map_err(StateError::Command)?
        .value;
    Ok(v.as_u64().and_then(|n| u32::try_from(n).ok()))
}

/// The parts of a URL the state looks at (Python's `urlparse`).
struct Url {
    scheme: String,
    netloc: String,
    /// `os.path.join(netloc, path)` without a trailing `/`.
    path: String,
}

impl Url {
    fn parse(s: &str) -> Self {
        let (scheme, rest) = match s.split_once("://") {
            Some((sch, rest))
                if !sch.is_empty()
                    && sch
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
            {
                (sch.to_lowercase(), rest)
            }
            _ => (String::new(), s),
        };
        let (netloc, path) = if scheme.is_empty() {
            (String::new(), rest.to_owned())
        } else {
            match rest.find('/') {
                Some(i) => (rest[..i].to_owned(), rest[i..].to_owned()),
                None => (rest.to_owned(), String::new()),
            }
        };
        let path = path.split(['?', '#']).next().unwrap_or_default().to_owned();
        // os.path.join(netloc, path): an absolute path wins.
        let joined = if path.is_empty() {
            netloc.clone()
        } else if path.starts_with('/') || netloc.is_empty() {
            path
        } else {
            format!("{netloc}/{path}")
        };
        Self {
            scheme,
            netloc,
            path: joined.trim_end_matches('/').to_owned(),
        }
    }
}

/// Salt's `guess_archive_type`.
fn guess_archive_type(name: &str) -> Option<&'static str> {
    let name = name.to_lowercase();
    const TARS: &[&str] = &[
        "tar", "tar.gz", "tgz", "tar.bz2", "tbz2", "tbz", "tar.xz", "txz", "tar.lzma", "tlz",
    ];
    if TARS.iter().any(|e| name.ends_with(&format!(".{e}"))) {
        return Some("tar");
    }
    ["zip", "rar"]
        .into_iter()
        .find(|e| name.ends_with(&format!(".{e}")))
}

/// `--strip-components=N` (or `--strip N`, quoted or not) in tar options.
fn strip_components_of(options: &str) -> Option<i64> {
    let mut rest = options;
    while let Some(i) = rest.find("--strip") {
        let mut s = &rest[i + "--strip".len()..];
        s = s.strip_prefix("-components").unwrap_or(s);
        let sep = s.len() - s.trim_start().len();
        let s = if sep > 0 {
            &s[sep..]
        } else if let Some(t) = s.strip_prefix('=') {
            t
        } else {
            rest = &rest[i + 1..];
            continue;
        };
        let s = s.trim_start_matches(['"', '\'']);
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse() {
            return Some(n);
        }
        rest = &rest[i + 1..];
    }
    None
}

/// Salt's `file.source_list`: the first source that exists. A list may
/// hold URLs, paths and `{url: hash}` maps.
fn pick_source(cx: &RunCtx<'_>, source: &Value) -> Result<Result<String, String>, StateError> {
    let Value::Array(items) = source else {
        return Ok(match source {
            Value::String(s) if !s.is_empty() => Ok(s.clone()),
            other => Err(format!("Invalid source \"{}\"", py_str(other))),
        });
    };
    for item in items {
        let s = match item {
            Value::Object(m) if m.len() == 1 => m.keys().next().cloned().unwrap_or_default(),
            Value::String(s) => s.clone(),
            _ => continue,
        };
        let url = Url::parse(&s);
        let found = match url.scheme.as_str() {
            "" | "file" => fs::exists(&url.path),
            "salt" => cx
                .exec
                .call("cp.cache_file", &[json!(s), json!(cx.saltenv)], &Map::new())
                .is_ok_and(|r| truthy(&r.value)),
            _ => false,
        };
        if found {
            return Ok(Ok(s));
        }
    }
    Ok(Err("none of the specified sources were found".into()))
}

/// `{hash_type, hsum}` from `source_hash`, a hash file fetched through
/// `cp.cache_file` first when it is a URL.
fn source_sum(
    cx: &RunCtx<'_>,
    a: &Extracted,
    source: &str,
) -> Result<Result<Map<String, Value>, String>, StateError> {
    let mut source_hash = a.source_hash.clone();
    if let Value::String(h) = &a.source_hash {
        let url = Url::parse(h);
        if !url.scheme.is_empty() && url.scheme != "file" {
            let got = cx
                .exec
                .call("cp.cache_file", &[json!(h), json!(cx.saltenv)], &Map::new());
            match got.map(|r| r.value) {
                Ok(Value::String(p)) if !p.is_empty() => source_hash = json!(p),
                _ => return Ok(Err(format!("Source hash file {h} not found"))),
            }
        }
    }
    let mut kw = Map::new();
    kw.insert("source".into(), json!(source));
    kw.insert("source_hash".into(), source_hash);
    kw.insert("source_hash_name".into(), a.source_hash_name.clone());
    kw.insert("saltenv".into(), json!(cx.saltenv));
    Ok(match cx.exec.call("file.get_source_sum", &[], &kw) {
        Ok(r) => match r.value {
            Value::Object(m) => Ok(m),
            other => Err(py_str(&other)),
        },
        Err(e) => Err(e),
    })
}

/// Fetches a remote source and checks its hash (Salt runs the
/// `file.cached` state). `Err` is the whole failed result, worded and
/// ordered as `file.cached` returns it.
fn cache_source(
    cx: &RunCtx<'_>,
    source: &str,
    sum: Option<&Map<String, Value>>,
    skip_verify: bool,
) -> Result<Result<String, Map<String, Value>>, StateError> {
    let failed = |comment: String| {
        let mut m = Map::new();
        m.insert("changes".into(), json!({}));
        m.insert("comment".into(), json!(comment));
        m.insert("name".into(), json!(source));
        m.insert("result".into(), json!(false));
        m
    };
    let got = cx.exec.call(
        "cp.cache_file",
        &[json!(source), json!(cx.saltenv)],
        &Map::new(),
    );
    let path = match got.map(|r| r.value) {
        Ok(Value::String(p)) if !p.is_empty() => p,
        _ => {
            return Ok(Err(failed(format!(
                "Failed to cache {source}, check minion log for more information"
            ))));
        }
    };
    if let Some(sum) = sum
        && !skip_verify
    {
        let hash_type = sum.get("hash_type").map(py_str).unwrap_or_default();
        let hsum = sum.get("hsum").map(py_str).unwrap_or_default();
        let real = cx
            .exec
            .call(
                "file.get_hash",
                &[json!(path), json!(hash_type)],
                &Map::new(),
            )
            .map_err(StateError::Command)?
            .value;
        let real = py_str(&real);
        if real != hsum {
            return Ok(Err(failed(format!(
                "File is cached to {path}, but the hash ({real}) does not match the specified hash ({hsum})"
            ))));
        }
    }
    Ok(Ok(path))
}

/// The listing `archive.list verbose=True` gives, by kind.
pub(super) struct Contents {
    pub members: Vec<(Kind, String)>,
    pub top_dirs: Vec<String>,
    pub top_files: Vec<String>,
    pub top_links: Vec<String>,
}

fn list(
    cx: &RunCtx<'_>,
    cached: &str,
    format: &str,
    strip_components: Option<i64>,
) -> Result<Contents, String> {
    let mut kw = Map::new();
    kw.insert("archive_format".into(), json!(format));
    kw.insert("verbose".into(), json!(true));
    if let Some(n) = strip_components {
        kw.insert("strip_components".into(), json!(n));
    }
    let v = cx.exec.call("archive.list", &[json!(cached)], &kw)?.value;
    let Value::Object(m) = v else {
        return Err(py_str(&v));
    };
    let strings = |k: &str| -> Vec<String> {
        m.get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().map(py_str).collect())
            .unwrap_or_default()
    };
    let mut members = Vec::new();
    for (kind, key) in [
        (Kind::Dir, "dirs"),
        (Kind::File, "files"),
        (Kind::Link, "links"),
    ] {
        members.extend(strings(key).into_iter().map(|p| (kind, p)));
    }
    Ok(Contents {
        members,
        top_dirs: strings("top_level_dirs"),
        top_files: strings("top_level_files"),
        top_links: strings("top_level_links"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_like_pythons_urlparse() {
        let u = Url::parse("salt://pkgs/app.tar.gz");
        assert_eq!(
            (u.scheme.as_str(), u.netloc.as_str(), u.path.as_str()),
            ("salt", "pkgs", "/app.tar.gz")
        );
        let u = Url::parse("salt://app.zip");
        assert_eq!((u.netloc.as_str(), u.path.as_str()), ("app.zip", "app.zip"));
        let u = Url::parse("/srv/app.tgz");
        assert_eq!((u.scheme.as_str(), u.path.as_str()), ("", "/srv/app.tgz"));
        let u = Url::parse("file:///srv/app.zip");
        assert_eq!(
            (u.scheme.as_str(), u.path.as_str()),
            ("file", "/srv/app.zip")
        );
    }

    #[test]
    fn strip_components_from_options() {
        assert_eq!(strip_components_of("--strip-components=2"), Some(2));
        assert_eq!(strip_components_of("xz --strip 1"), Some(1));
        assert_eq!(strip_components_of("--strip-components='3'"), Some(3));
        assert_eq!(strip_components_of("--stripper"), None);
        assert_eq!(strip_components_of("v"), None);
        assert!(within("/a/b/c", "/a/b/") && !within("/a/bc", "/a/b/"));
        assert_eq!(guess_archive_type("x.TXZ"), Some("tar"));
    }
}
