//! `file.directory`: a directory with owner and mode, optionally applied
//! to everything below it (`recurse`), and emptied of what no file state
//! manages (`clean`). Salt reports planned changes per path
//! (`{"/d": {"mode": "0755"}}`) and, in real mode, also the top directory's
//! own owner/mode changes as `user`/`group`/`mode` keys.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::fsops::{dirname, expanduser, makedirs_parents, makedirs_perms, remove};
use super::perms::{check_perms, check_user, group_to_gid, normalize_mode, stats, user_to_uid};
use super::tree::{clean_dir, include_exclude, join, keep_files, relpath, walk};
use super::{Order, Ret, yes};
use crate::module::{RunCtx, StateError, StateFn, StateReturn};
use crate::pyrepr::py_str;
use crate::value::truthy;

/// `file.directory`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Directory {
    pub(super) name: String,
    #[serde(default)]
    pub(super) user: Value,
    #[serde(default)]
    pub(super) group: Value,
    #[serde(default)]
    pub(super) recurse: Value,
    #[serde(default)]
    max_depth: Value,
    #[serde(default)]
    pub(super) dir_mode: Value,
    #[serde(default)]
    file_mode: Value,
    #[serde(default)]
    pub(super) makedirs: Value,
    #[serde(default)]
    clean: Value,
    #[serde(default)]
    require: Value,
    #[serde(default)]
    exclude_pat: Value,
    #[serde(default)]
    follow_symlinks: Value,
    #[serde(default)]
    force: Value,
    #[serde(default)]
    backupname: Value,
    #[serde(default = "yes")]
    allow_symlink: Value,
    #[serde(default)]
    children_only: Value,
    #[serde(default)]
    win_owner: Value,
    #[serde(default)]
    win_perms: Value,
    #[serde(default)]
    win_deny_perms: Value,
    #[serde(default)]
    win_inheritance: Value,
    #[serde(default)]
    win_perms_reset: Value,
    #[serde(default)]
    pub(super) kwargs: Map<String, Value>,
}

plan_or_apply!(Directory {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Makes sure a directory exists with an owner (`user`, `group`) and mode (`dir_mode`, or `mode`). `makedirs` creates missing parents. `recurse` (a list of `user`, `group`, `mode`, `ignore_files`, `ignore_dirs`, `silent`) applies owner and modes below it too (`file_mode` for files, `max_depth` limits the depth). `clean: True` removes everything inside that no `require`d file state manages (`exclude_pat` keeps what matches). A file in the way fails unless `force` (removed) or `backupname` (renamed); `allow_symlink: False` refuses a symlink to a directory.\n\n    /srv/app:\n      file.directory:\n        - user: app\n        - group: app\n        - dir_mode: 755\n        - file_mode: 644\n        - recurse:\n          - user\n          - group\n          - mode\n";
});

/// The recurse options Salt accepts.
const RECURSE_TYPES: &[&str] = &[
    "user",
    "group",
    "mode",
    "ignore_files",
    "ignore_dirs",
    "silent",
];

impl Directory {
    pub(super) fn called(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            allow_symlink: yes(),
            ..Self::default()
        }
    }

    pub(super) fn run(mut self, cx: &RunCtx<'_>, test: bool) -> Result<StateReturn, StateError> {
        let mut name = expanduser(&self.name);
        let mut ret = Ret::new(Order::Standard, &name);
        if name.is_empty() {
            return Ok(ret.error("Must provide name to file.directory"));
        }
        if name.len() > 1 && name.ends_with('/') {
            name.pop();
        }
        let max_depth = match &self.max_depth {
            Value::Null => None,
            v => Some(v.as_u64().map(|n| n as usize).ok_or_else(|| {
                StateError::Other(format!(
                    "TypeError: max_depth must be an integer, not {}",
                    py_str(v)
                ))
            })?),
        };
        let clean = truthy(&self.clean);
        if max_depth.is_some() && clean {
            return Ok(ret.error("Cannot specify both max_depth and clean"));
        }
        let _ = (
            &self.win_owner,
            &self.win_perms,
            &self.win_deny_perms,
            &self.win_inheritance,
            &self.win_perms_reset,
        );
        let mut user = if truthy(&self.user) {
            self.user.clone()
        } else {
            self.kwargs
                .get("owner")
                .cloned()
                .unwrap_or(self.user.clone())
        };
        let mut group = self.group.clone();
        if let Some(m) = self.kwargs.get("mode")
            && !truthy(&self.dir_mode)
        {
            self.dir_mode = m.clone();
        }
        if !truthy(&self.file_mode) {
            self.file_mode = self.dir_mode.clone();
        }
        let mut dir_mode = normalize_mode(&self.dir_mode);
        let mut file_mode = normalize_mode(&self.file_mode);
        let u_check = check_user(&user, &group, test);
        if !u_check.is_empty() {
            return Ok(ret.error(u_check));
        }
        if !name.starts_with('/') {
            return Ok(ret.error(format!("Specified file {name} is not an absolute path")));
        }
        let path = Path::new(&name);
        let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        let force = truthy(&self.force);
        if path.is_file() || (!truthy(&self.allow_symlink) && is_link) || (force && is_link) {
            if let Value::String(backup) = &self.backupname {
                if std::fs::symlink_metadata(backup).is_ok() {
                    if !force {
                        return Ok(ret.error(format!(
                            "File exists where the backup target {backup} should go"
                        )));
                    }
                    if test {
                        ret.change(
                            "forced",
                            format!("Existing file at backup path {backup} would be removed"),
                        );
                    } else {
                        let _ = remove(Path::new(backup));
                    }
                }
                if test {
                    ret.change("backup", format!("{name} would be renamed to {backup}"));
                    ret.change(&name, dir_new());
                    ret.set_comment(format!(
                        "{name} would be backed up and replaced with a new directory"
                    ));
                    ret.set_result(None);
                    return Ok(ret.done());
                }
                std::fs::rename(path, backup)
                    .map_err(|e| StateError::Other(format!("OSError: {e}")))?;
            } else if force {
                let what = if path.is_file() {
                    "File"
                } else if is_link {
                    "Symlink"
                } else {
                    "Directory"
                };
                if test {
                    ret.change("forced", format!("{what} would be forcibly replaced"));
                } else {
                    let _ = remove(path);
                    ret.change("forced", format!("{what} was forcibly replaced"));
                }
            } else if path.is_file() {
                return Ok(ret.error(format!("Specified location {name} exists and is a file")));
            } else if is_link {
                return Ok(ret.error(format!("Specified location {name} exists and is a symlink")));
            }
        }
        let follow = truthy(&self.follow_symlinks);
        let children_only = truthy(&self.children_only);
        let (tresult, tcomment, tchanges) = self.check(
            cx,
            &name,
            &user,
            &group,
            dir_mode.as_deref(),
            file_mode.as_deref(),
            max_depth,
        );
        for (k, v) in tchanges {
            ret.change(&k, v);
        }
        if test {
            ret.set_result(tresult);
            ret.set_comment(tcomment);
            return Ok(ret.done());
        }
        if !ret.has_changes() {
            ret.set_result(tresult);
            ret.set_comment(tcomment);
            return Ok(ret.done());
        }
        if !path.is_dir() {
            if !Path::new(dirname(&name)).is_dir() {
                if truthy(&self.makedirs) {
                    if let Err(e) = makedirs_parents(&name, &user, &group, dir_mode.as_deref()) {
                        return Ok(ret.error(e));
                    }
                } else {
                    return Ok(ret.error(format!("No directory to create {name} in")));
                }
            }
            if !path.is_dir() {
                let _ = makedirs_perms(path, &user, &group, dir_mode.as_deref());
            }
            if !path.is_dir() {
                return Ok(ret.error(format!("Failed to create directory {name}")));
            }
            ret.change(&name, dir_new());
            return Ok(ret.done());
        }
        if !children_only {
            check_perms(
                false,
                path,
                ret.map(),
                &user,
                &group,
                dir_mode.as_deref(),
                follow,
            )
            .map_err(StateError::Command)?;
        }
        let mut errors = Vec::new();
        let walked = if truthy(&self.recurse) || clean {
            Some(walk(&name, max_depth))
        } else {
            None
        };
        let recurse_set = if truthy(&self.recurse) {
            match recurse_set(&self.recurse) {
                Ok(s) => Some(s),
                Err(e) => {
                    ret.set_result(Some(false));
                    ret.set_comment(e);
                    None
                }
            }
        } else {
            None
        };
        if let Some(set) = recurse_set.filter(|s| !s.is_empty()) {
            if set.contains("user") {
                if truthy(&user) || user.is_number() {
                    if user_to_uid(&user).is_none() {
                        ret.set_result(Some(false));
                        ret.set_comment(format!(
                            "Failed to enforce ownership for user {} (user does not exist)",
                            py_str(&user)
                        ));
                    }
                } else {
                    ret.set_result(Some(false));
                    ret.set_comment("user not specified, but configured as a target for recursive ownership management");
                }
            } else {
                user = Value::Null;
            }
            if set.contains("group") {
                if truthy(&group) || group.is_number() {
                    if group_to_gid(&group).is_none() {
                        ret.set_result(Some(false));
                        ret.set_comment(format!(
                            "Failed to enforce group ownership for group {}",
                            py_str(&group)
                        ));
                    }
                } else {
                    ret.set_result(Some(false));
                    ret.set_comment("group not specified, but configured as a target for recursive ownership management");
                }
            } else {
                group = Value::Null;
            }
            if !set.contains("mode") {
                file_mode = None;
                dir_mode = None;
            }
            if set.contains("silent") {
                let mut m = Map::new();
                m.insert("recursion".into(), Value::String("Changes silenced".into()));
                *ret.changes() = m;
            }
            for w in walked.iter().flatten() {
                let mut entries = Vec::new();
                if !set.contains("ignore_files") {
                    entries.extend(w.files.iter().map(|f| (f, file_mode.as_deref())));
                }
                if !set.contains("ignore_dirs") {
                    entries.extend(w.dirs.iter().map(|d| (d, dir_mode.as_deref())));
                }
                for (n, m) in entries {
                    let full = join(&w.root, n);
                    if let Err(e) =
                        check_perms(false, Path::new(&full), ret.map(), &user, &group, m, follow)
                        && !e.starts_with("Path not found")
                    {
                        errors.push(e);
                    }
                }
            }
        }
        if clean {
            let keep = keep_files(&name, &self.require, cx.lowstate, None, &|_| Vec::new());
            let removed = clean_dir(&name, &keep, &self.exclude_pat, false);
            if !removed.is_empty() {
                ret.change("removed", Value::from(removed));
                ret.set_comment(format!("Files cleaned from directory {name}"));
            }
        }
        if ret.comment().is_empty() {
            if children_only {
                ret.set_comment(format!("Directory {name}/* updated"));
            } else if ret.has_changes() {
                ret.set_comment(format!("Directory {name} updated"));
            }
        }
        if !ret.has_changes() && ret.result_is_true() {
            let orig = ret.comment().to_owned();
            let mut c = format!("Directory {name} is in the correct state");
            if !orig.is_empty() {
                c = format!("{c}\n{orig}");
            }
            ret.set_comment(c);
        }
        if !errors.is_empty() {
            ret.set_result(Some(false));
            let mut c = format!(
                "{}\n\nThe following errors were encountered:\n",
                ret.comment()
            );
            for e in errors {
                c.push_str(&format!("\n- {e}"));
            }
            ret.set_comment(c);
        }
        Ok(ret.done())
    }

    /// Salt's `_check_directory`: the verdict, its comment and the planned
    /// changes by path.
    #[allow(clippy::too_many_arguments)]
    fn check(
        &self,
        cx: &RunCtx<'_>,
        name: &str,
        user: &Value,
        group: &Value,
        dir_mode: Option<&str>,
        file_mode: Option<&str>,
        max_depth: Option<usize>,
    ) -> (Option<bool>, String, Map<String, Value>) {
        let mut changes = Map::new();
        let follow = truthy(&self.follow_symlinks);
        let clean = truthy(&self.clean);
        let walked = if truthy(&self.recurse) || clean {
            Some(walk(name, max_depth))
        } else {
            None
        };
        let (mut user, mut group) = (user.clone(), group.clone());
        let (mut dir_mode, mut file_mode) =
            (dir_mode.map(str::to_owned), file_mode.map(str::to_owned));
        if truthy(&self.recurse) {
            let set = match recurse_set(&self.recurse) {
                Ok(s) => s,
                Err(e) => return (Some(false), e, changes),
            };
            if !set.contains("user") {
                user = Value::Null;
            }
            if !set.contains("group") {
                group = Value::Null;
            }
            if !set.contains("mode") {
                dir_mode = None;
                file_mode = None;
            }
            for w in walked.iter().flatten() {
                if !set.contains("ignore_files") {
                    for f in &w.files {
                        let p = join(&w.root, f);
                        let c =
                            meta_changes(&p, &user, &group, file_mode.as_deref(), follow, false);
                        if !c.is_empty() {
                            changes.insert(p, Value::Object(c));
                        }
                    }
                }
                if !set.contains("ignore_dirs") {
                    for d in &w.dirs {
                        let p = join(&w.root, d);
                        let c = meta_changes(&p, &user, &group, dir_mode.as_deref(), follow, true);
                        if !c.is_empty() {
                            changes.insert(p, Value::Object(c));
                        }
                    }
                }
            }
        }
        if !truthy(&self.children_only) {
            let c = meta_changes(name, &user, &group, dir_mode.as_deref(), follow, true);
            if !c.is_empty() {
                changes.insert(name.to_owned(), Value::Object(c));
            }
        }
        if clean {
            let keep: BTreeSet<String> =
                keep_files(name, &self.require, cx.lowstate, walked.as_deref(), &|_| {
                    Vec::new()
                });
            for w in walked.iter().flatten() {
                for n in w.files.iter().chain(&w.dirs) {
                    let p = join(&w.root, n);
                    if keep.contains(&p)
                        || !include_exclude(&relpath(&p, name), &Value::Null, &self.exclude_pat)
                    {
                        continue;
                    }
                    let mut m = Map::new();
                    m.insert(
                        "removed".into(),
                        Value::String("Removed due to clean".into()),
                    );
                    changes.insert(p, Value::Object(m));
                }
            }
        }
        if !Path::new(name).is_dir() {
            changes.insert(name.to_owned(), dir_new());
        }
        if changes.is_empty() {
            return (
                Some(true),
                format!("The directory {name} is in the correct state"),
                changes,
            );
        }
        let mut comment = String::from("The following files will be changed:\n");
        for (path, c) in &changes {
            if let Value::Object(c) = c {
                for (k, v) in c {
                    comment.push_str(&format!("{path}: {k} - {}\n", py_str(v)));
                }
            }
        }
        (None, comment, changes)
    }
}

/// `{"directory": "new"}`
fn dir_new() -> Value {
    let mut m = Map::new();
    m.insert("directory".into(), Value::String("new".into()));
    Value::Object(m)
}

/// Salt's `_check_dir_meta` (and the same check on files while recursing):
/// owner and mode changes of one path; `{"directory": "new"}` for a
/// missing directory.
fn meta_changes(
    path: &str,
    user: &Value,
    group: &Value,
    mode: Option<&str>,
    follow: bool,
    is_dir: bool,
) -> Map<String, Value> {
    let mut c = Map::new();
    let Some(st) = stats(Path::new(path), follow) else {
        if is_dir {
            c.insert("directory".into(), Value::String("new".into()));
        }
        return c;
    };
    if !user.is_null() && !st.owned_by(user) {
        c.insert("user".into(), user.clone());
    }
    if !group.is_null() && !st.in_group(group) {
        c.insert("group".into(), group.clone());
    }
    if let Some(m) = mode
        && m != st.mode
        && (follow || !st.is_link)
    {
        c.insert("mode".into(), Value::String(m.to_owned()));
    }
    c
}

/// Salt's `_get_recurse_set`, with its error messages.
fn recurse_set(recurse: &Value) -> Result<BTreeSet<String>, String> {
    let Value::Array(items) = recurse else {
        return Err("\"recurse\" must be formed as a list of strings".into());
    };
    let mut set = BTreeSet::new();
    for i in items {
        match i {
            Value::String(s) if RECURSE_TYPES.contains(&s.as_str()) => {
                set.insert(s.clone());
            }
            _ => {
                let names: Vec<String> = RECURSE_TYPES.iter().map(|t| format!("\"{t}\"")).collect();
                return Err(format!(
                    "Types for \"recurse\" limited to {}.",
                    names.join(", ")
                ));
            }
        }
    }
    if set.contains("ignore_files") && set.contains("ignore_dirs") {
        return Err("Must not specify \"recurse\" options \"ignore_files\" and \"ignore_dirs\" at the same time.".into());
    }
    Ok(set)
}
