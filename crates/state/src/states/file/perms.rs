//! Owners and modes as Salt's `file` module sees them: user and group
//! names resolved with the system's passwd/group databases, modes as
//! Salt's four-digit strings (`644`, `0644`, `'0644'` and the integer 644
//! from YAML all mean `"0644"`), `file.stats`, and `file.check_perms`,
//! which every file state uses to predict and make owner/mode changes with
//! Salt's comments and change keys.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use nix::unistd::{Gid, Group, Uid, User};
use serde_json::{Map, Value};

use crate::pyrepr::py_str;
use crate::value::truthy;

/// Salt's `normalize_mode`: `None` stays `None`; anything else becomes its
/// text without `0o`, quotes and leading zeros, padded to four digits.
pub fn normalize_mode(mode: &Value) -> Option<String> {
    if mode.is_null() {
        return None;
    }
    Some(normalize_mode_str(&py_str(mode)))
}

/// [`normalize_mode`] of a string.
pub fn normalize_mode_str(mode: &str) -> String {
    let s = mode.replace("0o", "0");
    let s = s
        .trim_matches('"')
        .trim_matches('\'')
        .trim_start_matches('0');
    format!("{s:0>4}")
}

/// The permission bits a mode string means (Salt's `set_mode`: leading
/// `0`, `o`, `O` dropped, the rest octal). `None` when it is not octal.
pub fn mode_bits(mode: &str) -> Option<u32> {
    let s = mode.trim_start_matches(['0', 'o', 'O']);
    let s = if s.is_empty() { "0" } else { s };
    u32::from_str_radix(s, 8).ok()
}

/// A mode's text from permission bits, as `file.stats` reports it.
pub fn mode_string(bits: u32) -> String {
    normalize_mode_str(&format!("0o{:o}", bits & 0o7777))
}

/// `file.user_to_uid`: an integer is a uid already; a name is looked up;
/// `None` is the current user. `None` when there is no such user.
pub fn user_to_uid(user: &Value) -> Option<u32> {
    match user {
        Value::Null => Some(Uid::effective().as_raw()),
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => User::from_name(s).ok().flatten().map(|u| u.uid.as_raw()),
        _ => None,
    }
}

/// `file.group_to_gid`: an integer is a gid already, a name is looked up.
pub fn group_to_gid(group: &Value) -> Option<u32> {
    match group {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => Group::from_name(s).ok().flatten().map(|g| g.gid.as_raw()),
        _ => None,
    }
}

/// `file.uid_to_user`: the name, or the uid when it has none.
pub fn uid_to_user(uid: u32) -> Value {
    match User::from_uid(Uid::from_raw(uid)) {
        Ok(Some(u)) => Value::String(u.name),
        _ => Value::from(uid),
    }
}

/// `file.gid_to_group`: the name, or the gid when it has none.
pub fn gid_to_group(gid: u32) -> Value {
    match Group::from_gid(Gid::from_raw(gid)) {
        Ok(Some(g)) => Value::String(g.name),
        _ => Value::from(gid),
    }
}

/// The name of the user this process runs as (Salt's `__opts__["user"]`
/// on a minion running as that user).
pub fn current_user() -> Value {
    uid_to_user(Uid::effective().as_raw())
}

/// The primary group's name of a user (`user.info(user)["gid"]` turned
/// into a name, as `file.symlink` does it).
pub fn primary_group(user: &Value) -> Value {
    let gid = user_to_uid(user)
        .and_then(|uid| User::from_uid(Uid::from_raw(uid)).ok().flatten())
        .map(|u| u.gid.as_raw())
        .unwrap_or(0);
    gid_to_group(gid)
}

/// Salt's `_check_user`: the missing user and group, worded as Salt; empty
/// when both exist (and always in test mode, where Salt only logs it).
pub fn check_user(user: &Value, group: &Value, test: bool) -> String {
    let mut err = String::new();
    if truthy(user) && user_to_uid(user).is_none() {
        err.push_str(&format!("User {} is not available ", py_str(user)));
    }
    if truthy(group) && group_to_gid(group).is_none() {
        err.push_str(&format!("Group {} is not available", py_str(group)));
    }
    if test { String::new() } else { err }
}

/// What `file.stats` tells.
#[derive(Debug, Clone)]
pub struct Stats {
    pub uid: u32,
    pub gid: u32,
    pub user: Value,
    pub group: Value,
    pub mode: String,
    pub is_link: bool,
    pub atime: f64,
    pub mtime: f64,
}

impl Stats {
    /// Whether `user` (a name or a uid, as the state was given it) is the
    /// owner, by Python's `==` on either.
    pub fn owned_by(&self, user: &Value) -> bool {
        *user == self.user || user.as_u64() == Some(u64::from(self.uid))
    }

    pub fn in_group(&self, group: &Value) -> bool {
        *group == self.group || group.as_u64() == Some(u64::from(self.gid))
    }
}

/// `file.stats(path, follow_symlinks=...)`; `None` for "Path not found"
/// (a broken symlink still has stats).
pub fn stats(path: &Path, follow_symlinks: bool) -> Option<Stats> {
    let md = if follow_symlinks {
        std::fs::metadata(path).or_else(|_| std::fs::symlink_metadata(path))
    } else {
        std::fs::symlink_metadata(path)
    }
    .ok()?;
    let time = |s: i64, ns: i64| s as f64 + ns as f64 / 1e9;
    Some(Stats {
        uid: md.uid(),
        gid: md.gid(),
        user: uid_to_user(md.uid()),
        group: gid_to_group(md.gid()),
        mode: mode_string(md.mode()),
        is_link: md.file_type().is_symlink(),
        atime: time(md.atime(), md.atime_nsec()),
        mtime: time(md.mtime(), md.mtime_nsec()),
    })
}

/// What `check_perms` found before changing anything (Salt's `perms`).
#[derive(Debug, Clone, Default)]
pub struct Perms {
    /// The mode before (`lmode`).
    pub lmode: String,
}

/// Salt's `file.check_perms` on a return being built: predicts (test) or
/// makes the owner and mode changes, records them under `changes.user`,
/// `changes.group`, `changes.mode`, appends failures to the comment
/// (joined with `"; "` after any comment already there) and sets the
/// result (None in test mode when something would change). `Err` is
/// Salt's "Path not found: ...".
pub fn check_perms(
    test: bool,
    path: &Path,
    ret: &mut Map<String, Value>,
    user: &Value,
    group: &Value,
    mode: Option<&str>,
    follow_symlinks: bool,
) -> Result<Perms, String> {
    let orig_comment = ret.get("comment").map(py_str).unwrap_or_default();
    let mut comments: Vec<String> = Vec::new();
    let cur = stats(path, follow_symlinks)
        .ok_or_else(|| format!("Path not found: {}", path.display()))?;
    let perms = Perms {
        lmode: cur.mode.clone(),
    };
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let skip_mode = is_link && !follow_symlinks;
    let want_user = truthy(user) && !cur.owned_by(user);
    let want_group = truthy(group) && !cur.in_group(group);
    let mut chown_failed = false;
    if (want_user || want_group) && !test {
        let u = if user.is_null() { &cur.user } else { user };
        let g = if group.is_null() { &cur.group } else { group };
        match chown(path, u, g, is_link && !follow_symlinks) {
            Err(ChownError::Missing(e)) => comments.push(e),
            Err(ChownError::Os(_)) => chown_failed = true,
            Ok(()) if !is_link => {
                // chown clears setuid/setgid: put the old mode back first.
                let _ = set_mode(path, &cur.mode);
            }
            Ok(()) => {}
        }
    }
    let mut cmode = false;
    if let Some(m) = mode
        && !test
        && !skip_mode
        && m != cur.mode
    {
        cmode = true;
        let _ = set_mode(path, m);
    }
    let post = stats(path, follow_symlinks).unwrap_or(cur);
    let mut result_false = chown_failed || !comments.is_empty();
    let changes = ret
        .entry("changes")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(changes) = changes else {
        return Ok(perms);
    };
    if truthy(user) {
        result_false |= report_item(
            test,
            "user",
            user,
            post.owned_by(user),
            want_user,
            changes,
            &mut comments,
        );
    }
    if truthy(group) {
        result_false |= report_item(
            test,
            "group",
            group,
            post.in_group(group),
            want_group,
            changes,
            &mut comments,
        );
    }
    if let Some(m) = mode
        && !skip_mode
    {
        result_false |= report_item(
            test,
            "mode",
            &Value::String(m.to_owned()),
            m == post.mode,
            cmode,
            changes,
            &mut comments,
        );
    }
    let has_changes = !changes.is_empty();
    if result_false {
        ret.insert("result".into(), Value::Bool(false));
    }
    if !orig_comment.is_empty() {
        comments.insert(0, orig_comment);
    }
    ret.insert("comment".into(), Value::String(comments.join("; ")));
    if test && has_changes {
        ret.insert("result".into(), Value::Null);
    }
    Ok(perms)
}

/// One of `check_perms`' `user`/`group`/`mode` (`key`) set to `want`:
/// recorded in `changes` when it would change (test), or when it was
/// changed and now is right; `true` (with Salt's comment) when it should
/// have been changed but still is not.
fn report_item(
    test: bool,
    key: &str,
    want: &Value,
    now_right: bool,
    changed: bool,
    changes: &mut Map<String, Value>,
    comments: &mut Vec<String>,
) -> bool {
    if !now_right {
        if test {
            changes.insert(key.into(), want.clone());
        } else {
            comments.push(format!("Failed to change {key} to {}", py_str(want)));
            return true;
        }
    } else if changed {
        changes.insert(key.into(), want.clone());
    }
    false
}

/// Owner and mode on a path nobody reports on (`makedirs_perms`, backups):
/// [`check_perms`] on a scratch return.
pub fn set_perms(path: &Path, user: &Value, group: &Value, mode: Option<&str>) {
    let mut scratch = Map::new();
    scratch.insert("comment".into(), Value::String(String::new()));
    let _ = check_perms(false, path, &mut scratch, user, group, mode, false);
}

/// Why [`chown`] did not change the owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChownError {
    /// The user or group does not exist (Salt's words, as its `file.chown`
    /// returns them).
    Missing(String),
    /// The system refused.
    Os(String),
}

/// Salt's `file.chown`/`file.lchown`: a missing user or group is an error
/// worded as Salt's.
pub fn chown(path: &Path, user: &Value, group: &Value, nofollow: bool) -> Result<(), ChownError> {
    let mut err = String::new();
    let uid = match user_to_uid(user) {
        Some(u) => Some(u),
        None if truthy(user) => {
            err.push_str("User does not exist\n");
            None
        }
        None => None,
    };
    let gid = match group_to_gid(group) {
        Some(g) => Some(g),
        None if truthy(group) => {
            err.push_str("Group does not exist\n");
            None
        }
        None => None,
    };
    if !err.is_empty() {
        return Err(ChownError::Missing(err));
    }
    let r = if nofollow || !path.exists() {
        std::os::unix::fs::lchown(path, uid, gid)
    } else {
        std::os::unix::fs::chown(path, uid, gid)
    };
    r.map_err(|e| ChownError::Os(e.to_string()))
}

/// `chmod` with a mode string; `Err` for one that is not octal.
pub fn set_mode(path: &Path, mode: &str) -> Result<(), String> {
    let bits = mode_bits(mode).ok_or_else(|| format!("Invalid Mode {mode}"))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(bits)).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn modes_normalize_like_salt() {
        for (given, want) in [
            (json!(644), "0644"),
            (json!("644"), "0644"),
            (json!("0644"), "0644"),
            (json!("'0644'"), "0644"),
            (json!("00644"), "0644"),
            (json!("0o755"), "0755"),
            (json!(4755), "4755"),
            (json!(0), "0000"),
            (json!("keep"), "keep"),
        ] {
            assert_eq!(normalize_mode(&given).as_deref(), Some(want), "{given}");
        }
        assert_eq!(normalize_mode(&Value::Null), None);
        assert_eq!(mode_bits("0644"), Some(0o644));
        assert_eq!(mode_bits("0000"), Some(0));
        assert_eq!(mode_bits("0x9"), None);
        assert_eq!(mode_string(0o100644), "0644");
        assert_eq!(mode_string(0o41777), "1777");
    }

    #[test]
    fn owners_resolve_by_name_and_id() {
        assert_eq!(user_to_uid(&json!("root")), Some(0));
        assert_eq!(user_to_uid(&json!(0)), Some(0));
        assert_eq!(user_to_uid(&json!("no-such-user-xyz")), None);
        assert_eq!(group_to_gid(&json!("no-such-group-xyz")), None);
        assert_eq!(group_to_gid(&Value::Null), None);
        assert_eq!(uid_to_user(0), json!("root"));
        assert_eq!(
            check_user(
                &json!("no-such-user-xyz"),
                &json!("no-such-group-xyz"),
                false
            ),
            "User no-such-user-xyz is not available Group no-such-group-xyz is not available"
        );
        assert_eq!(
            check_user(&json!("no-such-user-xyz"), &Value::Null, true),
            ""
        );
    }

    #[test]
    fn check_perms_predicts_then_applies_a_mode() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, "x").unwrap();
        set_mode(&f, "0600").unwrap();
        let mut ret = Map::new();
        ret.insert("comment".into(), json!(""));
        ret.insert("result".into(), json!(true));
        let p = check_perms(
            true,
            &f,
            &mut ret,
            &Value::Null,
            &Value::Null,
            Some("0644"),
            true,
        )
        .unwrap();
        assert_eq!(p.lmode, "0600");
        assert_eq!(ret["changes"], json!({"mode": "0644"}));
        assert_eq!(ret["result"], Value::Null);
        let mut ret = Map::new();
        ret.insert("comment".into(), json!("before"));
        check_perms(
            false,
            &f,
            &mut ret,
            &Value::Null,
            &Value::Null,
            Some("0644"),
            true,
        )
        .unwrap();
        assert_eq!(ret["changes"], json!({"mode": "0644"}));
        assert_eq!(ret["comment"], json!("before"));
        assert_eq!(stats(&f, true).unwrap().mode, "0644");
        let e = check_perms(
            false,
            &dir.path().join("nope"),
            &mut ret,
            &Value::Null,
            &Value::Null,
            None,
            true,
        );
        assert!(e.unwrap_err().starts_with("Path not found: "));
    }
}
