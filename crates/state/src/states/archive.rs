//! `archive.extracted`: unpack a tar or zip archive into a directory, once.
//!
//! The archive comes from a local path, `file://` or `salt://` (through the
//! host's `cp.cache_file`); its hash is checked with `file.get_source_sum`
//! and `file.check_hash`, its members listed with `archive.list`, and it is
//! unpacked with `archive.unzip`, `archive.untar` (tar without `options`)
//! or the `tar` command run by `cmd.run_all` (tar with `options`). Whether
//! extraction is needed comes from comparing the members with what is on
//! disk (`archive_fs.rs`). The checks before that (arguments, source,
//! hash, listing) are in `archive_source.rs`, unpacking in
//! `archive_unpack.rs`. Comments and changes are Salt 3007's, key order
//! included.
//!
//! Not supported (refused naming the argument): http(s)/ftp sources,
//! `password`, `use_cmd_unzip`, `options` for zip archives, rar archives,
//! `list_options`, `source_hash_update`, `skip_files_list_verify`,
//! `use_etag` and the signature arguments.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::archive_fs as fs;
use super::archive_source::{Prepared, Step, prepare};
use crate::module::{RunCtx, StateError, StateFn, StateReturn};
use crate::pyrepr::py_str;
use crate::value::truthy;

/// `archive.extracted`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extracted {
    pub(super) name: Value,
    pub(super) source: Value,
    #[serde(default)]
    pub(super) source_hash: Value,
    #[serde(default)]
    pub(super) source_hash_name: Value,
    #[serde(default)]
    pub(super) source_hash_update: Value,
    #[serde(default)]
    pub(super) skip_files_list_verify: Value,
    #[serde(default)]
    pub(super) skip_verify: Value,
    #[serde(default)]
    pub(super) password: Value,
    #[serde(default)]
    pub(super) options: Value,
    #[serde(default)]
    pub(super) list_options: Value,
    #[serde(default)]
    pub(super) force: Value,
    #[serde(default)]
    pub(super) overwrite: Value,
    #[serde(default)]
    pub(super) clean: Value,
    #[serde(default)]
    pub(super) clean_parent: Value,
    #[serde(default)]
    pub(super) user: Value,
    #[serde(default)]
    pub(super) group: Value,
    #[serde(default)]
    pub(super) if_missing: Value,
    #[serde(default)]
    pub(super) trim_output: Value,
    #[serde(default)]
    pub(super) use_cmd_unzip: Value,
    #[serde(default = "yes")]
    pub(super) extract_perms: Value,
    #[serde(default = "yes")]
    pub(super) enforce_toplevel: Value,
    #[serde(default)]
    pub(super) enforce_ownership_on: Value,
    #[serde(default)]
    pub(super) archive_format: Value,
    #[serde(default)]
    pub(super) use_etag: Value,
    #[serde(default)]
    pub(super) signature: Value,
    #[serde(default)]
    pub(super) source_hash_sig: Value,
    #[serde(default)]
    pub(super) signed_by_any: Value,
    #[serde(default)]
    pub(super) signed_by_all: Value,
    #[serde(default)]
    pub(super) keyring: Value,
    #[serde(default)]
    pub(super) gnupghome: Value,
    #[serde(default)]
    pub(super) keep_source: Option<Value>,
    #[serde(default)]
    pub(super) keep: Option<Value>,
}

fn yes() -> Value {
    Value::Bool(true)
}

impl StateFn for Extracted {
    const REQUIRED: &'static [&'static str] = &["name", "source"];
    const DOC: &'static str = "Unpack the tar (plain, gzip, bzip2, xz) or zip archive `source` (a local path, file:// or salt://) into the directory NAME, unless all its members are already there. `source_hash` (`<type>=<hex>`, a hash, or a hash file's path or salt:// URL; `source_hash_name` picks its line) is checked before extracting unless `skip_verify`; `if_missing` skips the state when that path exists; `enforce_toplevel` (default True) refuses archives without one top directory; `overwrite` extracts anyway; `clean` (or `clean_parent`) removes the archive's top-level paths (or NAME) first; `force` replaces members of the wrong type; `user`/`group` own the top-level paths afterwards (or `enforce_ownership_on`); `options` are tar command options (the tar command then runs); `archive_format` (tar or zip) when the name does not tell; `trim_output` (True or N) shortens the list of extracted files; `keep_source: False` removes the cached copy.\n\n    graylog2-server:\n      archive.extracted:\n        - name: /opt/\n        - source: salt://graylog/graylog2-server-0.9.6p1.tar.gz\n        - source_hash: sha256=0b2fc08e2bbc17e3ed5ebf3e7b0d5fd0c1e0a1b0a7a1da6f4f3b6c5cf5c8a6e2\n";

    fn plan(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        extracted(self, cx)
    }

    fn apply(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        extracted(self, cx)
    }
}

/// The state's return, built as Salt builds it (`name, result, changes,
/// comment`, then `warnings`).
pub(super) struct Ret(pub(super) Map<String, Value>);

impl Ret {
    pub(super) fn new(name: &Value) -> Self {
        let mut m = Map::new();
        m.insert("name".into(), name.clone());
        m.insert("result".into(), json!(false));
        m.insert("changes".into(), json!({}));
        m.insert("comment".into(), json!(""));
        Self(m)
    }

    pub(super) fn comment(mut self, c: impl Into<String>) -> Self {
        self.0.insert("comment".into(), Value::String(c.into()));
        self
    }

    pub(super) fn push_comment(&mut self, c: &str) {
        let mut cur = self.0.get("comment").map(py_str).unwrap_or_default();
        cur.push_str(c);
        self.0.insert("comment".into(), Value::String(cur));
    }

    pub(super) fn result(mut self, r: Value) -> Self {
        self.0.insert("result".into(), r);
        self
    }

    pub(super) fn set_result(&mut self, r: Value) {
        self.0.insert("result".into(), r);
    }

    pub(super) fn change(&mut self, k: &str, v: Value) {
        if let Some(Value::Object(c)) = self.0.get_mut("changes") {
            c.insert(k.into(), v);
        }
    }

    pub(super) fn removed(&mut self, path: String) {
        if let Some(Value::Object(c)) = self.0.get_mut("changes") {
            let list = c.entry("removed").or_insert_with(|| json!([]));
            if let Value::Array(a) = list {
                a.push(Value::String(path));
            }
        }
    }

    pub(super) fn warn(&mut self, w: &str) {
        let list = self.0.entry("warnings").or_insert_with(|| json!([]));
        if let Value::Array(a) = list {
            a.push(Value::String(w.into()));
        }
    }

    pub(super) fn done(self) -> Result<StateReturn, StateError> {
        Ok(StateReturn::from_map(self.0))
    }
}

pub(super) fn refuse(arg: &str) -> StateError {
    StateError::Invocation(format!(
        "archive.extracted: the '{arg}' argument is not supported by salt-rs"
    ))
}

/// Salt's `archive.extracted`, in its order of checks.
fn extracted(a: Extracted, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
    let (p, mut ret) = match prepare(&a, cx)? {
        Step::Ready(p, ret) => (p, ret),
        Step::Done(r) => return Ok(r),
    };
    let Prepared {
        name,
        trimmed,
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
    } = *p;
    let trimmed = trimmed.as_str();

    // Is extraction needed?
    let mut extraction_needed = truthy(&a.overwrite);
    let survey = fs::survey(&name, &contents.members).map_err(StateError::Command);
    let survey = match survey {
        Ok(s) => s,
        Err(e) => {
            return ret
                .comment(
                    e.to_string()
                        .trim_start_matches("CommandExecutionError: ")
                        .to_owned(),
                )
                .done();
        }
    };
    let contents_missing = survey.missing;
    extraction_needed |= survey.missing;
    if !survey.incorrect_type.is_empty() {
        let paths: String = survey
            .incorrect_type
            .iter()
            .map(|p| format!("\n- {p}"))
            .collect();
        let paths = format!("\n{paths}");
        let mut comment = format!(
            "The below paths (relative to {name}) exist, but are the incorrect type (file instead of directory, symlink instead of file, etc.)."
        );
        if cx.test && clean {
            comment.push_str(&format!(" Since the 'clean' option is enabled, the destination paths would be cleared and the archive would be extracted.{paths}"));
            return ret.result(Value::Null).comment(comment).done();
        }
        if cx.test && clean_parent {
            comment.push_str(" Since the 'clean_parent' option is enabled, the destination parent directory would be removed first and then re-created and the archive would be extracted");
            return ret.result(Value::Null).comment(comment).done();
        }
        if !clean {
            if !truthy(&a.force) {
                comment.push_str(&format!(" To proceed with extraction, set 'force' to True. Note that this will remove these paths before extracting.{paths}"));
                return ret.comment(comment).done();
            }
            let mut errors = Vec::new();
            for p in &survey.incorrect_type {
                let full = format!("{name}{p}");
                match fs::rm_rf(full.trim_end_matches('/')) {
                    Ok(()) => {
                        ret.removed(full);
                        extraction_needed = true;
                    }
                    Err(e) => errors.push(e),
                }
            }
            if !errors.is_empty() {
                let mut msg = "One or more paths existed by were the incorrect type (i.e. file instead of directory or vice-versa), but could not be removed. The following errors were observed:\n".to_owned();
                for e in errors {
                    msg.push_str(&format!("\n- {e}"));
                }
                return ret.comment(msg).done();
            }
        }
    }

    // Extract.
    let mut created_destdir = false;
    let mut files = Value::Array(vec![]);
    if extraction_needed {
        if source_is_local
            && let Some(sum) = &source_sum
            && !truthy(&a.skip_verify)
        {
            let hsum = sum.get("hsum").map(py_str).unwrap_or_default();
            let ok = cx
                .exec
                .call(
                    "file.check_hash",
                    &[json!(source_match), json!(hsum)],
                    &Map::new(),
                )
                .map_err(StateError::Command)?
                .value;
            ret.set_result(ok.clone());
            if !truthy(&ok) {
                return ret
                    .comment(format!(
                        "{source_match} does not match the desired source_hash {hsum}"
                    ))
                    .done();
            }
        }
        if cx.test {
            let mut comment = format!("Archive {source_match} would be extracted to {name}");
            if clean {
                comment.push_str(", after cleaning destination path(s)");
            }
            ret = ret.result(Value::Null).comment(comment);
            explain(&mut ret, contents_missing);
            return ret.done();
        }
        if clean_parent {
            match fs::rm_rf(trimmed) {
                Ok(()) => ret.change(
                    "removed",
                    json!(format!(
                        "Directory {name} was removed prior to the extraction"
                    )),
                ),
                Err(e) => {
                    return ret
                        .comment(format!("Unable to remove the directory {name}. The following errors were observed:\n\n- {e}"))
                        .done();
                }
            }
        }
        if clean {
            let mut errors = Vec::new();
            for p in contents.top_dirs.iter().chain(&contents.top_files) {
                let full = format!("{name}{p}");
                match fs::rm_rf(full.trim_end_matches('/')) {
                    Ok(()) => ret.removed(full),
                    Err(e) => errors.push(e),
                }
            }
            if !errors.is_empty() {
                let mut msg =
                    "One or more paths could not be cleaned. The following errors were observed:\n"
                        .to_owned();
                for e in errors {
                    msg.push_str(&format!("\n- {e}"));
                }
                return ret.comment(msg).done();
            }
        }
        if !fs::is_dir(&name) {
            fs::make_dest(&name, uid).map_err(StateError::Command)?;
            created_destdir = true;
        }
        let extract = super::archive_unpack::unpack(
            cx,
            &format,
            &cached,
            &name,
            options.as_deref(),
            &trim_output,
            truthy(&a.extract_perms),
        )?;
        match extract {
            super::archive_unpack::Unpacked::Files(f) => files = f,
            super::archive_unpack::Unpacked::Failed { changes, comment } => {
                if created_destdir {
                    fs::cleanup_dest(&name);
                }
                let mut r = ret.result(json!(false));
                if let Some(c) = changes {
                    r.0.insert("changes".into(), Value::Object(c));
                }
                if let Some(c) = comment {
                    r = r.comment(c);
                }
                return r.done();
            }
        }
    }

    // Ownership.
    let mut enforce_missing = Vec::new();
    let mut enforce_failed = Vec::new();
    if user.is_some() || group.is_some() {
        let (dirs, others) = match &enforce_on {
            Some(e) if fs::is_dir(e) => (vec![e.clone()], vec![]),
            Some(e) => (vec![], vec![e.clone()]),
            None => (
                contents.top_dirs.clone(),
                contents
                    .top_files
                    .iter()
                    .chain(&contents.top_links)
                    .cloned()
                    .collect(),
            ),
        };
        for d in dirs {
            let full = join(&name, &d);
            if !fs::is_dir(&full) {
                if !cx.test {
                    enforce_missing.push(full);
                }
                continue;
            }
            let owned = fs::own_tree(&full, uid, gid, cx.test);
            if owned.changed {
                ret.change("updated ownership", json!(true));
            }
            if owned.failed {
                enforce_failed.push(full);
            }
        }
        for f in others {
            let full = join(&name, &f);
            match fs::lstat(&full) {
                Err(missing) => {
                    if !cx.test {
                        if missing {
                            enforce_missing.push(full.clone());
                        }
                        enforce_failed.push(full);
                    }
                }
                Ok(m) => {
                    if fs::differs(&m, uid, gid) {
                        if cx.test || fs::lchown(&full, uid, gid) {
                            ret.change("updated ownership", json!(true));
                        } else {
                            enforce_failed.push(f.clone());
                        }
                    }
                }
            }
        }
    }

    // The verdict.
    if extraction_needed {
        let any = match &files {
            Value::Array(a) => !a.is_empty(),
            Value::String(s) => !s.is_empty(),
            _ => false,
        };
        if any {
            if created_destdir {
                ret.change("directories_created", json!([name]));
            }
            ret.change("extracted_files", files);
            ret = ret.comment(format!("{source_match} extracted to {name}"));
            explain(&mut ret, contents_missing);
            ret.push_comment(&format!(
                ". Output was trimmed to {} number of lines",
                py_str(&trim_output)
            ));
            ret.set_result(json!(true));
        } else {
            ret = ret
                .result(json!(false))
                .comment(format!("No files were extracted from {source_match}"));
        }
    } else {
        ret.set_result(json!(true));
        ret = ret.comment("All files in archive are already present");
        let updated = ret
            .0
            .get("changes")
            .and_then(|c| c.get("updated ownership"))
            .is_some_and(truthy);
        if cx.test && updated {
            ret.set_result(Value::Null);
            ret.push_comment(". Ownership would be updated on one or more files/directories.");
        }
    }
    if !enforce_missing.is_empty() {
        if if_missing.is_none() {
            ret.set_result(json!(false));
        }
        ret.push_comment(
            "\n\nWhile trying to enforce user/group ownership, the following paths were missing:\n",
        );
        for p in &enforce_missing {
            ret.push_comment(&format!("\n- {p}"));
        }
    }
    if !enforce_failed.is_empty() {
        ret.set_result(json!(false));
        ret.push_comment("\n\nWhile trying to enforce user/group ownership, Salt was unable to change ownership on the following paths:\n");
        for p in &enforce_failed {
            ret.push_comment(&format!("\n- {p}"));
        }
    }
    if !source_is_local
        && !keep_source
        && let Err(e) = fs::remove_cached(&cached)
    {
        ret.warn(&e);
    }
    ret.done()
}

/// Salt's `_add_explanation` (the `source_hash_update` trigger is not
/// supported, so only missing members explain).
fn explain(ret: &mut Ret, contents_missing: bool) {
    if contents_missing {
        ret.push_comment(", due to absence of one or more files/dirs");
    }
}

/// `os.path.join(name, p)` where `name` ends with `/`.
fn join(name: &str, p: &str) -> String {
    if p.starts_with('/') {
        p.to_owned()
    } else {
        format!("{name}{p}")
    }
}
