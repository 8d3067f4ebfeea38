//! `file.symlink`: a symbolic link to a target, owned by a user and group
//! (by default the minion's user and that user's primary group, as in
//! Salt), replacing a wrong link, and with `force`/`backupname` a file or
//! directory in the way.

use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::fsops::{dirname, expanduser, makedirs_parents, normpath, remove};
use super::perms::{
    current_user, gid_to_group, group_to_gid, normalize_mode, primary_group, uid_to_user,
    user_to_uid,
};
use super::{Order, Ret, yes};
use crate::module::{RunCtx, StateError, StateFn, StateReturn};
use crate::pyrepr::py_str;
use crate::value::truthy;

/// `file.symlink`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Symlink {
    pub(super) name: String,
    pub(super) target: String,
    #[serde(default)]
    pub(super) force: Value,
    #[serde(default)]
    backupname: Value,
    #[serde(default)]
    pub(super) makedirs: Value,
    #[serde(default)]
    pub(super) user: Value,
    #[serde(default)]
    pub(super) group: Value,
    #[serde(default)]
    pub(super) mode: Value,
    #[serde(default)]
    win_owner: Value,
    #[serde(default)]
    win_perms: Value,
    #[serde(default)]
    win_deny_perms: Value,
    #[serde(default)]
    win_inheritance: Value,
    #[serde(default)]
    atomic: Value,
    #[serde(default)]
    disallow_copy_and_unlink: Value,
    #[serde(default)]
    inherit_user_and_group: Value,
    #[serde(default = "yes")]
    follow_symlinks: Value,
    #[serde(default)]
    pub(super) kwargs: Map<String, Value>,
}

plan_or_apply!(Symlink {
    const REQUIRED: &'static [&'static str] = &["name", "target"];
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Makes `name` a symbolic link to `target`, owned by `user`/`group` (default: the minion's user and its primary group). A link to another target is replaced; a file or directory in the way is an error unless `force: True` (removed) or `backupname` (renamed there; an absolute path or a name in the same directory). `makedirs` creates missing parent directories (with `mode`); `atomic` swaps the link in with a rename; `inherit_user_and_group` keeps an existing link's owner.\n\n    /usr/local/bin/kubectl:\n      file.symlink:\n        - target: /opt/kubernetes/bin/kubectl\n";
});

impl Symlink {
    pub(super) fn run(self, _cx: &RunCtx<'_>, test: bool) -> Result<StateReturn, StateError> {
        let name = expanduser(&self.name);
        let target = self.target.clone();
        let mut ret = Ret::new(Order::Standard, &name);
        if name.is_empty() {
            return Ok(ret.error("Must provide name to file.symlink"));
        }
        let _ = (
            &self.win_owner,
            &self.win_perms,
            &self.win_deny_perms,
            &self.win_inheritance,
            &self.disallow_copy_and_unlink,
        );
        let follow = truthy(&self.follow_symlinks);
        let path = Path::new(&name);
        let exists = |p: &Path| {
            if follow {
                p.exists()
            } else {
                std::fs::symlink_metadata(p).is_ok()
            }
        };
        let mode = normalize_mode(&self.mode);
        let mut user = if truthy(&self.user) {
            self.user.clone()
        } else {
            self.kwargs
                .get("owner")
                .cloned()
                .unwrap_or(self.user.clone())
        };
        let mut group = self.group.clone();
        if truthy(&self.inherit_user_and_group)
            && (user.is_null() || group.is_null())
            && is_link(path)
        {
            let (u, g) = link_owner(path);
            if user.is_null() {
                user = u;
            }
            if group.is_null() {
                group = g;
            }
        }
        if user.is_null() {
            user = current_user();
        }
        if group.is_null() {
            group = primary_group(&user);
        }
        let mut errors = Vec::new();
        if user_to_uid(&user).is_none() {
            errors.push(format!("User {} does not exist", py_str(&user)));
        }
        if group_to_gid(&group).is_none() {
            errors.push(format!("Group {} does not exist", py_str(&group)));
        }
        if !name.starts_with('/') {
            errors.push(format!("Specified file {name} is not an absolute path"));
        }
        if !errors.is_empty() {
            let mut msg = errors.join(". ");
            if errors.len() > 1 {
                msg.push('.');
            }
            return Ok(ret.error(msg));
        }
        let (u, g) = (py_str(&user), py_str(&group));
        let (tresult, mut tcomment, tchanges) =
            self.check(path, &name, &target, &user, &group, exists(path));
        let parent = dirname(&name).to_owned();
        if !Path::new(&parent).is_dir() {
            if truthy(&self.makedirs) {
                if test {
                    tcomment.push_str(&format!("\n{parent} will be created"));
                } else if let Err(e) = makedirs_parents(&name, &user, &group, mode.as_deref()) {
                    return Ok(ret.error(e));
                }
            } else if test {
                tcomment.push_str(&format!("\nDirectory {parent} for symlink is not present"));
            } else {
                return Ok(ret.error(format!("Directory {parent} for symlink is not present")));
            }
        }
        if test {
            ret.set_result(tresult);
            ret.set_comment(tcomment);
            *ret.changes() = tchanges;
            return Ok(ret.done());
        }
        if is_link(path) {
            let current = std::fs::read_link(path)
                .map(|t| t.to_string_lossy().into_owned())
                .unwrap_or_default();
            if normpath(&current) != normpath(&target) {
                let _ = remove(path);
            } else {
                if owned(path, &user, &group) {
                    ret.set_comment(format!("Symlink {name} is present and owned by {u}:{g}"));
                } else if set_owner(path, &user, &group) {
                    ret.set_comment(format!("Set ownership of symlink {name} to {u}:{g}"));
                    ret.change("ownership", format!("{u}:{g}"));
                } else {
                    ret.set_result(Some(false));
                    let c = format!(
                        "{}Failed to set ownership of symlink {name} to {u}:{g}",
                        ret.comment()
                    );
                    ret.set_comment(c);
                }
                return Ok(ret.done());
            }
        } else if exists(path) {
            if let Value::String(b) = &self.backupname {
                let backup = if b.starts_with('/') {
                    b.clone()
                } else if !b.contains('/') {
                    format!("{}/{b}", dirname(&normpath(&name)))
                } else {
                    return Ok(ret.error(format!(
                        "Backupname must be an absolute path or a file name: {b}"
                    )));
                };
                if std::fs::symlink_metadata(&backup).is_ok() {
                    if !truthy(&self.force) {
                        return Ok(ret.error(format!(
                            "Symlink & backup dest exists and Force not set. {name} -> {target} - backup: {backup}"
                        )));
                    }
                    let _ = remove(Path::new(&backup));
                }
                if let Err(e) = std::fs::rename(path, &backup) {
                    ret.changes().clear();
                    return Ok(ret.error(format!(
                        "Unable to rename {name} to backup {backup} -> : {e}"
                    )));
                }
            } else if !truthy(&self.force) && !truthy(&self.atomic) {
                let kind = if path.is_file() {
                    "File"
                } else if path.is_dir() {
                    "Directory"
                } else {
                    "File system entry"
                };
                return Ok(ret.error(format!("{kind} exists where the symlink {name} should be")));
            }
        }
        if let Err(e) = make_link(
            path,
            &target,
            truthy(&self.force),
            truthy(&self.atomic),
            follow,
        ) {
            ret.set_result(Some(false));
            ret.set_comment(format!(
                "Unable to create new symlink {name} -> {target}: {e}"
            ));
            return Ok(ret.done());
        }
        ret.set_comment(format!("Created new symlink {name} -> {target}"));
        ret.change("new", name.as_str());
        if !owned(path, &user, &group) && !set_owner(path, &user, &group) {
            ret.set_result(Some(false));
            let c = format!(
                "{}, but was unable to set ownership to {u}:{g}",
                ret.comment()
            );
            ret.set_comment(c);
        }
        Ok(ret.done())
    }

    /// Salt's `_symlink_check`: the test-mode verdict.
    fn check(
        &self,
        path: &Path,
        name: &str,
        target: &str,
        user: &Value,
        group: &Value,
        exists: bool,
    ) -> (Option<bool>, String, Map<String, Value>) {
        let mut changes = Map::new();
        if !exists && !is_link(path) {
            changes.insert("new".into(), Value::String(name.to_owned()));
            return (
                None,
                format!("Symlink {name} to {target} is set for creation"),
                changes,
            );
        }
        if is_link(path) {
            let current = std::fs::read_link(path)
                .map(|t| t.to_string_lossy().into_owned())
                .unwrap_or_default();
            if current != target {
                changes.insert("change".into(), Value::String(name.to_owned()));
                return (
                    None,
                    format!("Link {name} target is set to be changed to {target}"),
                    changes,
                );
            }
            let mut msg = format!("The symlink {name} is present");
            if !owned(path, user, group) {
                let (cu, cg) = link_owner(path);
                changes.insert(
                    "ownership".into(),
                    Value::String(format!("{}:{}", py_str(&cu), py_str(&cg))),
                );
                msg.push_str(&format!(
                    ", but the ownership of the symlink would be changed from {}:{} to {}:{}",
                    py_str(&cu),
                    py_str(&cg),
                    py_str(user),
                    py_str(group)
                ));
                return (None, msg, changes);
            }
            return (Some(true), msg, changes);
        }
        if truthy(&self.force) {
            return (
                None,
                format!(
                    "The file or directory {name} is set for removal to make way for a new symlink targeting {target}"
                ),
                changes,
            );
        }
        (
            Some(false),
            format!(
                "File or directory exists where the symlink {name} should be. Did you mean to use force?"
            ),
            changes,
        )
    }
}

fn is_link(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
}

/// The link's own owner and group, as names (or ids without names).
fn link_owner(p: &Path) -> (Value, Value) {
    use std::os::unix::fs::MetadataExt;
    match std::fs::symlink_metadata(p) {
        Ok(md) => (uid_to_user(md.uid()), gid_to_group(md.gid())),
        Err(_) => (Value::Bool(false), Value::Bool(false)),
    }
}

/// Salt's `_check_symlink_ownership`: names compared as given.
fn owned(p: &Path, user: &Value, group: &Value) -> bool {
    let (u, g) = link_owner(p);
    u == *user && g == *group
}

fn set_owner(p: &Path, user: &Value, group: &Value) -> bool {
    let _ = std::os::unix::fs::lchown(p, user_to_uid(user), group_to_gid(group));
    owned(p, user, group)
}

/// Salt's `file.symlink` execution function.
fn make_link(
    path: &Path,
    target: &str,
    force: bool,
    atomic: bool,
    follow: bool,
) -> Result<(), String> {
    let exists = if follow {
        path.exists()
    } else {
        std::fs::symlink_metadata(path).is_ok()
    };
    let could_not = || format!("Could not create '{}'", path.display());
    if is_link(path) {
        let current = std::fs::read_link(path)
            .map(|t| t.to_string_lossy().into_owned())
            .unwrap_or_default();
        if normpath(&current) == normpath(target) {
            return Ok(());
        }
        if !force && !atomic {
            return Err(format!("Found existing symlink: {}", path.display()));
        }
    }
    if exists && !force && !atomic {
        return Err(format!(
            "Existing path is not a symlink: {}",
            path.display()
        ));
    }
    if atomic {
        let dir = path.parent().unwrap_or(Path::new("/"));
        for attempt in 0..5 {
            let tmp = dir.join(format!(".{}.tmp{}{attempt}", std::process::id(), nonce()));
            if std::os::unix::fs::symlink(target, &tmp).is_ok() {
                return std::fs::rename(&tmp, path).map_err(|_| {
                    let _ = std::fs::remove_file(&tmp);
                    could_not()
                });
            }
        }
        return Err(could_not());
    }
    if (is_link(path) || exists) && force {
        std::fs::remove_file(path).map_err(|e| {
            format!(
                "[Errno {}] {}: '{}'",
                e.raw_os_error().unwrap_or(0),
                os_text(&e),
                path.display()
            )
        })?;
    }
    std::os::unix::fs::symlink(target, path).map_err(|_| could_not())
}

/// The system's text of an I/O error without Rust's "(os error N)".
fn os_text(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

fn nonce() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}
