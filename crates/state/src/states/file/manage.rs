//! The work behind `file.managed` once its arguments are checked, in the
//! steps of Salt's execution helpers: fetch or render the source
//! (`get_managed`), predict the changes (`check_managed_changes`,
//! `check_file_meta`) or make them (`manage_file`), with Salt's change keys
//! (`newfile`, `diff`, `user`, `group`, `mode`) and comments.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::Ret;
use super::fsops::{self, Backup, diff_bytes, hash_bytes, makedirs_parents, replace_file, umask};
use super::perms::{check_perms, normalize_mode_str, stats};
use super::source::{
    REMOTE_PROTOS, Rendered, SourceSum, cache_file, call, local_path, master_hash, render, scheme,
    source_list, source_sum,
};
use crate::module::{RunCtx, StateError, StateReturn};
use crate::pyrepr::py_str;
use crate::value::truthy;

/// A checked `file.managed` call.
#[derive(Clone)]
pub(super) struct Job {
    pub name: String,
    pub source: Value,
    pub source_hash: Value,
    pub user: Value,
    pub group: Value,
    pub mode: Option<String>,
    pub template: Option<String>,
    pub makedirs: bool,
    pub dir_mode: Option<String>,
    /// A dict (`{}` when not given).
    pub context: Value,
    pub defaults: Value,
    pub show_changes: bool,
    /// The text to write (from `contents*`, already rendered).
    pub contents: Option<String>,
    pub follow_symlinks: bool,
    pub skip_verify: bool,
    pub backup: Backup,
    /// Other keywords: Salt hands them to the template as variables.
    pub kwargs: Map<String, Value>,
    /// `check_cmd`: run on the new contents (in a temporary file, in
    /// `tmp_dir` with suffix `tmp_ext`) before they replace the file.
    pub check_cmd: Option<String>,
    pub tmp_dir: Option<String>,
    pub tmp_ext: String,
}

/// The new contents: not fetched yet, a local or cached file, or rendered
/// text (Salt's `sfn`).
enum Sfn {
    Empty,
    Path(PathBuf),
    Data(Vec<u8>),
}

impl Sfn {
    fn read(&self) -> std::io::Result<Option<Vec<u8>>> {
        match self {
            Sfn::Empty => Ok(None),
            Sfn::Path(p) => std::fs::read(p).map(Some),
            Sfn::Data(d) => Ok(Some(d.clone())),
        }
    }

    fn is_empty(&self) -> bool {
        matches!(self, Sfn::Empty)
    }
}

/// How `get_managed` ends when it cannot provide the source: a comment the
/// state fails with, or an exception.
enum GetError {
    Comment(String),
    Raise(String),
    /// A template that does not render: an exception in test mode, a
    /// comment ("Unable to manage file: ...") in real mode, as in Salt.
    Render(String),
}

/// `backup:` as Salt's `config.backup_mode` reads it: `minion` (or `both`)
/// copies into `<cachedir>/file_backup` (`config.get cachedir`); `master`
/// does nothing (as in Salt, where it is unimplemented).
pub(super) fn resolve_backup(cx: &RunCtx<'_>, backup: &Value) -> Result<Backup, String> {
    match backup {
        Value::String(s) if s == "minion" || s == "both" => {
            let dir = call(
                cx,
                "config.get",
                vec![Value::String("cachedir".into())],
                Map::new(),
            )
            .map_err(|e| format!("backup: minion needs the minion's cachedir: {e}"))?;
            match dir {
                Value::String(d) if !d.is_empty() => {
                    Ok(Backup::Minion(Path::new(&d).join("file_backup")))
                }
                _ => Err(
                    "backup: minion needs the minion's cachedir (config.get cachedir gave none)"
                        .into(),
                ),
            }
        }
        _ => Ok(Backup::None),
    }
}

/// Test mode: `file.check_managed_changes` and the comments `file.managed`
/// makes of it.
pub(super) fn check_managed_changes(
    cx: &RunCtx<'_>,
    job: &Job,
    mut ret: Ret,
) -> Result<StateReturn, StateError> {
    let name = job.name.clone();
    let (source, _hash) = match resolve_sources(cx, job) {
        Ok(s) => s,
        Err(e) => return Ok(unable(ret, &e)),
    };
    let (mut sfn, sum) = if job.contents.is_none() {
        match get_managed(cx, job, source.as_deref(), &_hash) {
            Ok(x) => x,
            Err(GetError::Comment(c)) => {
                ret.set_result(Some(false));
                ret.set_comment(c);
                return Ok(ret.done());
            }
            Err(GetError::Raise(e)) => return Err(StateError::Other(e)),
            Err(GetError::Render(e)) => {
                return Err(StateError::Other(format!("SaltRenderError: {e}")));
            }
        }
    } else {
        (Sfn::Empty, None)
    };
    let mut changes = check_file_meta(cx, job, &mut sfn, source.as_deref(), sum.as_ref());
    if changes.is_empty() {
        ret.set_result(Some(true));
        ret.set_comment(format!("The file {name} is in the correct state"));
        return Ok(ret.done());
    }
    if changes.contains_key("diff") && !job.show_changes {
        changes.insert("diff".into(), Value::String("<show_changes=False>".into()));
    }
    *ret.changes() = changes;
    ret.set_result(None);
    ret.set_comment(format!(
        "The file {name} is set to be changed\nNote: No changes made, actual changes may\nbe different due to other states."
    ));
    Ok(ret.done())
}

/// Real mode: `check_cmd` on a temporary copy first when given (Salt's
/// order: the copy is managed like the file; if that changes it, the
/// command must accept it), then the file itself.
pub(super) fn manage_file(cx: &RunCtx<'_>, job: &Job, ret: Ret) -> Result<StateReturn, StateError> {
    let Some(cmd) = &job.check_cmd else {
        return manage_one(cx, job, ret);
    };
    let dir = job
        .tmp_dir
        .clone()
        .map_or_else(std::env::temp_dir, PathBuf::from);
    let tmp = tempfile::Builder::new()
        .prefix("__salt.tmp.")
        .suffix(&job.tmp_ext)
        .tempfile_in(&dir)
        .map_err(|e| {
            StateError::Command(format!(
                "Unable to create a temporary file in {}: {e}",
                dir.display()
            ))
        })?;
    let tmp_path = tmp.path().to_string_lossy().into_owned();
    if Path::new(&job.name).is_file()
        && let Err(e) = std::fs::copy(&job.name, tmp.path())
    {
        return Ok(ret.error(format!(
            "Unable to copy file {} to {tmp_path}: {e}",
            job.name
        )));
    }
    let mut trial = job.clone();
    trial.name = tmp_path.clone();
    trial.backup = Backup::None;
    trial.check_cmd = None;
    let tried = manage_one(cx, &trial, Ret::new(super::Order::Managed, &tmp_path))?;
    let changed = tried.changes().is_some_and(|c| !c.is_empty());
    if changed {
        let out = call(
            cx,
            "cmd.run_all",
            vec![Value::String(format!("{cmd} {tmp_path}"))],
            Map::new(),
        )?;
        let code = out.get("retcode").and_then(Value::as_i64).unwrap_or(1);
        if code != 0 {
            let mut comment = String::from("check_cmd execution failed");
            for k in ["stdout", "stderr"] {
                if let Some(t) = out.get(k).and_then(Value::as_str).filter(|t| !t.is_empty()) {
                    comment.push('\n');
                    comment.push_str(t);
                }
            }
            let mut r = Ret::new(super::Order::Managed, &job.name);
            r.set_comment(comment);
            r.set_result(Some(false));
            r.map().insert("skip_watch".into(), Value::Bool(true));
            return Ok(r.done());
        }
    }
    drop(tmp);
    manage_one(cx, job, ret)
}

/// `file.source_list`, `file.get_managed`, `file.manage_file` for one path.
fn manage_one(cx: &RunCtx<'_>, job: &Job, mut ret: Ret) -> Result<StateReturn, StateError> {
    let (source, source_hash) = match resolve_sources(cx, job) {
        Ok(s) => s,
        Err(e) => return Ok(unable(ret, &e)),
    };
    let (mut sfn, mut sum) = match get_managed(cx, job, source.as_deref(), &source_hash) {
        Ok(x) => x,
        Err(GetError::Comment(c)) if job.contents.is_none() => return Ok(ret.error(c)),
        Err(GetError::Comment(_)) => (Sfn::Empty, None),
        Err(GetError::Raise(e) | GetError::Render(e)) => {
            ret.changes().clear();
            return Ok(ret.error(format!("Unable to manage file: {e}")));
        }
    };
    let name = job.name.as_str();
    let path = Path::new(name);
    let check_web_hash = source.as_deref().is_some_and(|s| scheme(s) != "salt") && !job.skip_verify;
    let htype = sum
        .as_ref()
        .map_or("sha256".to_owned(), |s| s.hash_type.clone());
    if let Some(src) = source.as_deref()
        && sfn.is_empty()
    {
        match fetch(cx, src) {
            Some(p) => sfn = Sfn::Path(p),
            None => return Ok(ret.error(format!("Source file '{src}' not found"))),
        }
        if let Ok(Some(data)) = sfn.read() {
            let recomputed = hash_bytes(&data, &htype).unwrap_or_default();
            if !check_web_hash {
                sum = Some(SourceSum {
                    hash_type: htype.clone(),
                    hsum: recomputed,
                });
            }
        }
    }
    let new_data = match sfn.read() {
        Ok(d) => d,
        Err(e) => return Ok(ret.error(format!("Failed to commit change: {e}"))),
    };
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if path.is_file() || is_link {
        let real = if is_link && job.follow_symlinks {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
        } else {
            path.to_owned()
        };
        let old = std::fs::read(&real).ok();
        if let (Some(src), Some(data)) = (source.as_deref(), new_data.as_deref()) {
            let want = sum.as_ref().map(|s| s.hsum.clone()).unwrap_or_default();
            // Salt does not compare a link it does not follow: it is replaced.
            let have = if is_link && !job.follow_symlinks {
                None
            } else {
                old.as_deref().and_then(|o| hash_bytes(o, &htype))
            };
            if have.as_deref() != Some(want.as_str()) {
                if check_web_hash && let Some(bad) = mismatch(data, sum.as_ref()) {
                    return Ok(ret_mismatch(ret, src, &bad, true));
                }
                let diff = if !job.show_changes {
                    "<show_changes=False>".to_owned()
                } else {
                    diff_bytes(old.as_deref().unwrap_or_default(), data)
                };
                if !diff.is_empty() {
                    ret.change("diff", diff);
                }
                if let Err(e) = replace_file(&real, data, &job.backup) {
                    return Ok(ret.error(format!("Failed to commit change: {e}")));
                }
            }
        }
        if let Some(text) = &job.contents {
            let data = text.as_bytes();
            let differs = old.as_deref() != Some(data);
            if differs {
                let diff = if !job.show_changes {
                    "<show_changes=False>".to_owned()
                } else {
                    diff_bytes(old.as_deref().unwrap_or_default(), data)
                };
                ret.change("diff", diff);
                if let Err(e) = replace_file(&real, data, &job.backup) {
                    return Ok(ret.error(format!("Failed to commit change: {e}")));
                }
            }
        }
        let still_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        if still_link && !job.follow_symlinks {
            let Some(data) = new_data.as_deref() else {
                return Ok(ret.error(format!(
                    "Source file '{}' not found",
                    source.as_deref().unwrap_or("None")
                )));
            };
            let _ = std::fs::remove_file(path);
            if let Err(e) = replace_file(path, data, &job.backup) {
                return Ok(ret.error(format!("Failed to commit change: {e}")));
            }
            ret.change("diff", "Replace symbolic link with regular file");
        }
        check_perms(
            false,
            path,
            ret.map(),
            &job.user,
            &job.group,
            job.mode.as_deref(),
            job.follow_symlinks,
        )
        .map_err(StateError::Command)?;
        if ret.has_changes() {
            ret.set_comment(format!("File {name} updated"));
        } else if ret.result_is_true() {
            ret.set_comment(format!("File {name} is in the correct state"));
        }
        return Ok(ret.done());
    }
    // A new file.
    let parent = fsops::dirname(name).to_owned();
    if let (Some(src), Some(data)) = (source.as_deref(), new_data.as_deref()) {
        if check_web_hash && let Some(bad) = mismatch(data, sum.as_ref()) {
            let _ = src;
            return Ok(ret_mismatch(ret, name, &bad, false));
        }
        ret.change("diff", "New file");
    }
    if !Path::new(&parent).is_dir() {
        if job.makedirs {
            let dir_mode = job
                .dir_mode
                .clone()
                .or_else(|| job.mode.as_deref().map(exec_bits_dir_mode));
            if let Err(e) = makedirs_parents(name, &job.user, &job.group, dir_mode.as_deref()) {
                return Ok(ret.error(e));
            }
        } else {
            ret.changes().remove("diff");
            return Ok(ret.error("Parent directory not present"));
        }
    }
    if source.is_none() {
        if let Err(e) = touch_new(path, job.mode.is_some()) {
            let what = if job.contents.is_none() {
                "Empty file"
            } else {
                "File"
            };
            let _ = e;
            return Ok(ret.error(format!("{what} {name} not created")));
        }
        if job.contents.is_none() {
            ret.change("new", format!("file {name} created"));
            ret.set_comment("Empty file");
        } else {
            ret.change("diff", "New file");
        }
    }
    let write = match (&job.contents, new_data.as_deref()) {
        (Some(text), _) => Some(text.as_bytes()),
        (None, Some(data)) if source.is_some() => Some(data),
        _ => None,
    };
    if let Some(data) = write
        && let Err(e) = replace_file(path, data, &job.backup)
    {
        return Ok(ret.error(format!("Failed to commit change: {e}")));
    }
    let mode = job
        .mode
        .clone()
        .unwrap_or_else(|| normalize_mode_str(&format!("0o{:o}", (0o777 ^ umask()) & 0o666)));
    check_perms(
        false,
        path,
        ret.map(),
        &job.user,
        &job.group,
        Some(&mode),
        false,
    )
    .map_err(StateError::Command)?;
    if ret.comment().is_empty() {
        ret.set_comment(format!("File {name} updated"));
    }
    if !ret.has_changes() && ret.result_is_true() {
        ret.set_comment(format!("File {name} is in the correct state"));
    }
    Ok(ret.done())
}

/// The source to use: the first existing one of a list (`Err`: none was).
fn resolve_sources(cx: &RunCtx<'_>, job: &Job) -> Result<(Option<String>, Value), String> {
    let (source, hash) = source_list(cx, &job.source, &job.source_hash)?;
    let source = match source {
        Value::Null => None,
        v if !truthy(&v) => None,
        v => Some(py_str(&v)),
    };
    Ok((source, hash))
}

fn unable(mut ret: Ret, e: &str) -> StateReturn {
    ret.set_result(Some(false));
    ret.set_comment(format!("Unable to manage file: {e}"));
    ret.done()
}

/// `cp.cache_file` of a source (a local path is its own copy).
fn fetch(cx: &RunCtx<'_>, source: &str) -> Option<PathBuf> {
    cache_file(cx, source, cx.saltenv).ok().flatten()
}

/// Salt's `file.get_managed`: the source's contents (rendered when a
/// template) and the hash they must have.
fn get_managed(
    cx: &RunCtx<'_>,
    job: &Job,
    source: Option<&str>,
    source_hash: &Value,
) -> Result<(Sfn, Option<SourceSum>), GetError> {
    let Some(source) = source else {
        return Ok((Sfn::Empty, None));
    };
    let saltenv = cx.saltenv;
    let proto = scheme(source);
    let local = matches!(proto, "" | "file");
    let mut sfn = Sfn::Empty;
    if local {
        let p = local_path(source);
        if !Path::new(&p).exists() {
            return Err(GetError::Comment(format!(
                "Local file source {p} does not exist"
            )));
        }
        sfn = Sfn::Path(PathBuf::from(p));
    }
    let mut sum = None;
    if proto == "salt" {
        match master_hash(cx, source, saltenv) {
            Ok(Some((hsum, hash_type))) => sum = Some(SourceSum { hash_type, hsum }),
            Ok(None) => {
                return Err(GetError::Comment(format!(
                    "Source file {source} not found in saltenv '{saltenv}'"
                )));
            }
            Err(StateError::Command(e) | StateError::Invocation(e) | StateError::Other(e)) => {
                return Err(GetError::Raise(e));
            }
        }
    } else if !truthy(source_hash) && local {
        let p = local_path(source);
        let data = std::fs::read(&p).map_err(|e| GetError::Raise(e.to_string()))?;
        sum = hash_bytes(&data, "sha256").map(|hsum| SourceSum {
            hash_type: "sha256".into(),
            hsum,
        });
    } else if !job.skip_verify {
        if truthy(source_hash) {
            match source_sum(cx, source, &py_str(source_hash), saltenv) {
                Ok(s) => sum = Some(s),
                Err(e) => return Err(GetError::Comment(e)),
            }
        } else {
            return Err(GetError::Comment(format!(
                "Unable to verify upstream hash of source file {source}, please set source_hash or set skip_verify to True"
            )));
        }
    }
    if job.template.is_some() || REMOTE_PROTOS.contains(&proto) {
        let cached = match cache_file(cx, source, saltenv) {
            Ok(c) => c,
            Err(e) => return Err(GetError::Comment(format!("Failed to cache {source}: {e}"))),
        };
        let Some(cached) = cached else {
            return Err(GetError::Comment(format!(
                "Source file '{source}' not found"
            )));
        };
        if cached == Path::new(&job.name) {
            return Err(GetError::Raise(
                "SaltInvocationError: Source file cannot be the same as destination".into(),
            ));
        }
        sfn = Sfn::Path(cached.clone());
        if let Some(t) = &job.template {
            let bytes = std::fs::read(&cached).map_err(|e| GetError::Raise(e.to_string()))?;
            let Ok(text) = String::from_utf8(bytes.clone()) else {
                // Salt hands a binary template over unrendered.
                return Ok((Sfn::Data(bytes), sum));
            };
            let mut ctx = Map::new();
            ctx.insert("name".into(), Value::String(job.name.clone()));
            ctx.insert("source".into(), Value::String(source.to_owned()));
            ctx.insert("user".into(), job.user.clone());
            ctx.insert("group".into(), job.group.clone());
            ctx.insert(
                "mode".into(),
                job.mode.clone().map_or(Value::Null, Value::String),
            );
            ctx.insert("attrs".into(), Value::Null);
            for (k, v) in &job.kwargs {
                ctx.insert(k.clone(), v.clone());
            }
            for layer in [&job.defaults, &job.context] {
                if let Value::Object(m) = layer {
                    for (k, v) in m {
                        ctx.insert(k.clone(), v.clone());
                    }
                }
            }
            match render(cx, &text, t, &Value::Object(ctx), &Value::Null) {
                Ok(Rendered::Text(out)) => {
                    let data = out.into_bytes();
                    sum = hash_bytes(&data, "sha256").map(|hsum| SourceSum {
                        hash_type: "sha256".into(),
                        hsum,
                    });
                    sfn = Sfn::Data(data);
                }
                Ok(Rendered::Failed(_, comment)) => return Err(GetError::Comment(comment)),
                Err(e) => return Err(GetError::Render(e)),
            }
        }
    }
    Ok((sfn, sum))
}

/// Salt's `file.check_file_meta`: what would change, by Salt's keys.
fn check_file_meta(
    cx: &RunCtx<'_>,
    job: &Job,
    sfn: &mut Sfn,
    source: Option<&str>,
    sum: Option<&SourceSum>,
) -> Map<String, Value> {
    let mut changes = Map::new();
    let name = Path::new(&job.name);
    let Some(lstats) = stats(name, job.follow_symlinks) else {
        changes.insert("newfile".into(), Value::String(job.name.clone()));
        return changes;
    };
    let old = std::fs::read(name).ok();
    if let Some(sum) = sum {
        let have = old.as_deref().and_then(|o| hash_bytes(o, &sum.hash_type));
        if have.as_deref() != Some(sum.hsum.as_str()) {
            if sfn.is_empty()
                && let Some(src) = source
                && let Some(p) = fetch(cx, src)
            {
                *sfn = Sfn::Path(p);
            }
            match sfn.read() {
                Ok(Some(new)) => {
                    let diff = diff_bytes(old.as_deref().unwrap_or_default(), &new);
                    changes.insert("diff".into(), Value::String(diff));
                }
                _ => {
                    changes.insert("sum".into(), Value::String("Checksum differs".into()));
                }
            }
        }
    }
    if let Some(text) = &job.contents {
        let diff = diff_bytes(old.as_deref().unwrap_or_default(), text.as_bytes());
        if !diff.is_empty() {
            changes.insert("diff".into(), Value::String(diff));
        }
    }
    if !job.user.is_null() && !lstats.owned_by(&job.user) {
        changes.insert("user".into(), job.user.clone());
    }
    if !job.group.is_null() && !lstats.in_group(&job.group) {
        changes.insert("group".into(), job.group.clone());
    }
    if let Some(m) = &job.mode
        && *m != lstats.mode
    {
        changes.insert("mode".into(), Value::String(m.clone()));
    }
    changes
}

/// The hash of downloaded data when it is not the one asked for.
fn mismatch(data: &[u8], sum: Option<&SourceSum>) -> Option<(String, String, String)> {
    let sum = sum?;
    let got = hash_bytes(data, &sum.hash_type)?;
    (got != sum.hsum).then(|| (sum.hash_type.clone(), sum.hsum.clone(), got))
}

fn ret_mismatch(
    mut ret: Ret,
    what: &str,
    bad: &(String, String, String),
    existing: bool,
) -> StateReturn {
    let (t, want, got) = bad;
    let mut c = format!(
        "Specified {t} checksum for {what} ({want}) does not match actual checksum ({got})"
    );
    if existing {
        c.push_str(". If the 'source_hash' value refers to a remote file with multiple possible matches, then it may be necessary to set 'source_hash_name'.");
    }
    ret.set_comment(c);
    ret.set_result(Some(false));
    ret.done()
}

/// The directory mode `makedirs` uses when only `mode` is given: each
/// non-zero digit of the last three gains the execute bit.
fn exec_bits_dir_mode(mode: &str) -> String {
    let digits: Vec<char> = mode.chars().collect();
    let tail = &digits[digits.len().saturating_sub(3)..];
    tail.iter()
        .map(|c| match c.to_digit(8) {
            Some(0) | None => *c,
            Some(d) => char::from_digit(d | 1, 8).unwrap_or(*c),
        })
        .collect()
}

/// Creates an empty file the way Salt's `touch` does inside
/// `set_umask(0o077 if mode else None)`: owner-only when a mode will be set.
fn touch_new(path: &Path, private: bool) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let bits = if private { 0o600 } else { 0o666 };
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(bits)
        .open(path)
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_modes_gain_execute_bits() {
        assert_eq!(exec_bits_dir_mode("0644"), "755");
        assert_eq!(exec_bits_dir_mode("0600"), "700");
        assert_eq!(exec_bits_dir_mode("0640"), "750");
    }
}
