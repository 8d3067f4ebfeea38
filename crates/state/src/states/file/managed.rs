//! `file.managed`: a file with given contents (from `source`, a template,
//! `contents`, `contents_pillar` or `contents_grains`), owner and mode.
//! This file checks the arguments and assembles the contents in Salt's
//! order and with its messages; `manage.rs` compares and writes.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::fsops::{Backup, expanduser};
use super::manage::{Job, check_managed_changes, manage_file, resolve_backup};
use super::perms::{check_perms, check_user, normalize_mode};
use super::source::{Rendered, data_get, render};
use super::{Order, Ret, none, yes};
use crate::module::{RunCtx, StateError, StateFn, StateReturn};
use crate::pyrepr::py_str;
use crate::value::truthy;

/// `file.managed`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Managed {
    pub(super) name: String,
    #[serde(default)]
    pub(super) source: Value,
    #[serde(default)]
    pub(super) source_hash: Value,
    #[serde(default)]
    pub(super) source_hash_name: Value,
    #[serde(default = "yes")]
    pub(super) keep_source: Value,
    #[serde(default)]
    pub(super) user: Value,
    #[serde(default)]
    pub(super) group: Value,
    #[serde(default)]
    pub(super) mode: Value,
    #[serde(default)]
    pub(super) attrs: Value,
    #[serde(default)]
    pub(super) template: Value,
    #[serde(default)]
    pub(super) makedirs: Value,
    #[serde(default)]
    pub(super) dir_mode: Value,
    #[serde(default)]
    pub(super) context: Value,
    #[serde(default = "yes")]
    pub(super) replace: Value,
    #[serde(default)]
    pub(super) defaults: Value,
    #[serde(default)]
    pub(super) backup: Value,
    #[serde(default = "yes")]
    pub(super) show_changes: Value,
    #[serde(default = "yes")]
    pub(super) create: Value,
    #[serde(default)]
    pub(super) contents: Value,
    #[serde(default)]
    tmp_dir: Value,
    #[serde(default)]
    tmp_ext: Value,
    #[serde(default)]
    contents_pillar: Value,
    #[serde(default)]
    contents_grains: Value,
    #[serde(default = "yes")]
    contents_newline: Value,
    #[serde(default = "none")]
    contents_delimiter: Value,
    #[serde(default)]
    encoding: Value,
    #[serde(default)]
    encoding_errors: Value,
    #[serde(default = "yes")]
    allow_empty: Value,
    #[serde(default = "yes")]
    pub(super) follow_symlinks: Value,
    #[serde(default)]
    check_cmd: Value,
    #[serde(default)]
    pub(super) skip_verify: Value,
    #[serde(default)]
    selinux: Value,
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
    verify_ssl: Value,
    #[serde(default)]
    use_etag: Value,
    #[serde(default)]
    signature: Value,
    #[serde(default)]
    source_hash_sig: Value,
    #[serde(default)]
    signed_by_any: Value,
    #[serde(default)]
    signed_by_all: Value,
    #[serde(default)]
    keyring: Value,
    #[serde(default)]
    gnupghome: Value,
    #[serde(default)]
    pub(super) kwargs: Map<String, Value>,
}

plan_or_apply!(Managed {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Manages a file: its contents (`source`: a `salt://` URL, a local path, or a list of them, the first found wins; `template: jinja` with `defaults` and `context`; or `contents`, `contents_pillar`, `contents_grains`), its owner (`user`, `group`) and `mode`. `makedirs` creates missing parent directories (with `dir_mode`), `replace: False` only creates a missing file and fixes permissions, `create: False` leaves a missing file missing, `backup: minion` keeps the old version under the minion's cache dir, `show_changes: False` hides the diff, `check_cmd` must accept the new contents (given as a temporary file's path) before they replace the file. The file is replaced atomically. Changes show a unified diff (`diff`), or `New file`.\n\n    /etc/motd:\n      file.managed:\n        - source: salt://motd.j2\n        - template: jinja\n        - defaults:\n            owner: ops\n        - user: root\n        - mode: '0644'\n";
});

impl Managed {
    /// A `file.managed` call made by another state (`file.line`,
    /// `file.recurse`) with these arguments and Salt's defaults for the rest.
    pub(super) fn called(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            keep_source: yes(),
            replace: yes(),
            show_changes: yes(),
            create: yes(),
            contents_newline: yes(),
            allow_empty: yes(),
            follow_symlinks: yes(),
            ..Self::default()
        }
    }

    pub(super) fn run(self, cx: &RunCtx<'_>, test: bool) -> Result<StateReturn, StateError> {
        let name = expanduser(&self.name);
        let mut ret = Ret::new(Order::Managed, &name);
        if name.is_empty() {
            return Ok(ret.error("Destination file name is required"));
        }
        for (arg, v) in [
            ("attrs", &self.attrs),
            ("selinux", &self.selinux),
            ("signature", &self.signature),
            ("source_hash_sig", &self.source_hash_sig),
            ("signed_by_any", &self.signed_by_any),
            ("signed_by_all", &self.signed_by_all),
            ("keyring", &self.keyring),
            ("gnupghome", &self.gnupghome),
            ("use_etag", &self.use_etag),
            ("encoding", &self.encoding),
        ] {
            if truthy(v) {
                return Ok(ret.error(format!(
                    "The '{arg}' option of file.managed is not supported by salt-rs"
                )));
            }
        }
        let _ = (
            &self.win_owner,
            &self.win_perms,
            &self.win_deny_perms,
            &self.win_inheritance,
            &self.win_perms_reset,
            &self.verify_ssl,
            &self.encoding_errors,
            &self.source_hash_name,
            &self.keep_source,
        );
        let keep_mode = self
            .mode
            .as_str()
            .is_some_and(|m| m.eq_ignore_ascii_case("keep"));
        if keep_mode {
            return Ok(
                ret.error("The 'mode: keep' option of file.managed is not supported by salt-rs")
            );
        }
        let mode = normalize_mode(&self.mode);
        let given = [&self.contents, &self.contents_pillar, &self.contents_grains];
        let contents_count = given.iter().filter(|v| !v.is_null()).count();
        let source = self.source.clone();
        if truthy(&source) && contents_count > 0 {
            return Ok(ret.error(
                "'source' cannot be used in combination with 'contents', 'contents_pillar', or 'contents_grains'",
            ));
        }
        if contents_count > 1 {
            return Ok(ret.error(
                "Only one of 'contents', 'contents_pillar', and 'contents_grains' is permitted",
            ));
        }
        let mut replace = truthy(&self.replace);
        if !truthy(&source) && contents_count == 0 {
            replace = false;
        }
        if self.kwargs.contains_key("file_mode") {
            ret.map().insert(
                "warnings".into(),
                Value::Array(vec![Value::String(
                    "The 'file_mode' argument will be ignored.  Please use 'mode' instead to set file permissions."
                        .into(),
                )]),
            );
        }
        let delimiter = match &self.contents_delimiter {
            Value::Null => ":".to_owned(),
            v => py_str(v),
        };
        let use_contents = if !self.contents_pillar.is_null() {
            match self.lookup(
                cx,
                "pillar.get",
                "Pillar",
                &self.contents_pillar,
                &delimiter,
            )? {
                Ok(v) => Some(v),
                Err(msg) => return Ok(ret.error(msg)),
            }
        } else if !self.contents_grains.is_null() {
            match self.lookup(cx, "grains.get", "Grain", &self.contents_grains, &delimiter)? {
                Ok(v) => Some(v),
                Err(msg) => return Ok(ret.error(msg)),
            }
        } else if !self.contents.is_null() {
            Some(self.contents.clone())
        } else {
            None
        };
        let template = match &self.template {
            Value::Null => None,
            v if !truthy(v) => None,
            v => Some(py_str(v)),
        };
        let mut contents = None;
        if let Some(uc) = use_contents {
            if !truthy(&self.allow_empty) && !truthy(&uc) {
                let id = if truthy(&self.contents_pillar) {
                    format!("contents_pillar {}", py_str(&self.contents_pillar))
                } else if truthy(&self.contents_grains) {
                    format!("contents_grains {}", py_str(&self.contents_grains))
                } else {
                    "'contents'".into()
                };
                return Ok(ret.error(format!(
                    "{id} value would result in empty contents. Set allow_empty to True to allow the managed file to be empty."
                )));
            }
            let parts = str_list(&uc);
            if parts.is_empty() {
                return Ok(ret.error(
                    "Contents specified by contents/contents_pillar/contents_grains is not a string or list of strings, and is not binary data. SLS is likely malformed.",
                ));
            }
            let mut text = String::new();
            for part in &parts {
                for line in py_splitlines(part) {
                    text.push_str(line.trim_end_matches('\n').trim_end_matches('\r'));
                    text.push('\n');
                }
            }
            if !truthy(&self.contents_newline) {
                text = text
                    .trim_end_matches('\n')
                    .trim_end_matches('\r')
                    .to_owned();
            }
            if let Some(t) = &template {
                match render(cx, &text, t, &self.context, &self.defaults) {
                    Ok(Rendered::Text(s)) => text = s,
                    Ok(Rendered::Failed(result, comment)) => {
                        ret.map().insert("result".into(), result);
                        ret.set_comment(comment);
                        return Ok(ret.done());
                    }
                    Err(e) => return Err(StateError::Other(format!("SaltRenderError: {e}"))),
                }
            }
            contents = Some(text);
        }
        let user = if truthy(&self.user) {
            self.user.clone()
        } else {
            self.kwargs
                .get("owner")
                .cloned()
                .unwrap_or(self.user.clone())
        };
        let path = std::path::Path::new(&name);
        if !truthy(&self.create) && !path.is_file() {
            ret.set_comment(format!(
                "File {name} is not present and is not set for creation"
            ));
            return Ok(ret.done());
        }
        let u_check = check_user(&user, &self.group, test);
        if !u_check.is_empty() {
            return Ok(ret.error(u_check));
        }
        if !name.starts_with('/') {
            return Ok(ret.error(format!("Specified file {name} is not an absolute path")));
        }
        if path.is_dir() {
            ret.set_comment(format!("Specified target {name} is a directory"));
            ret.set_result(Some(false));
            return Ok(ret.done());
        }
        let context = match &self.context {
            Value::Null => Value::Object(Map::new()),
            v @ Value::Object(_) => v.clone(),
            _ => return Ok(ret.error("Context must be formed as a dict")),
        };
        if truthy(&self.defaults) && !self.defaults.is_object() {
            return Ok(ret.error("Defaults must be formed as a dict"));
        }
        let follow = truthy(&self.follow_symlinks);
        if !replace && std::fs::symlink_metadata(path).is_ok() && path.exists() {
            let perms = check_perms(
                test,
                path,
                ret.map(),
                &user,
                &self.group,
                mode.as_deref(),
                follow,
            )
            .map_err(StateError::Command)?;
            if test {
                match &mode {
                    Some(m) if *m != perms.lmode => ret.set_comment(format!(
                        "File {name} will be updated with permissions {m} from its current state of {}",
                        perms.lmode
                    )),
                    _ => ret.set_comment(format!("File {name} not updated")),
                }
            } else if !ret.has_changes() && ret.result_is_true() {
                ret.set_comment(format!(
                    "File {name} exists with proper permissions. No changes made."
                ));
            }
            return Ok(ret.done());
        }
        let backup = if test {
            Backup::None
        } else {
            match resolve_backup(cx, &self.backup) {
                Ok(b) => b,
                Err(e) => return Ok(ret.error(e)),
            }
        };
        let job = Job {
            name,
            source,
            source_hash: self.source_hash.clone(),
            user,
            group: self.group.clone(),
            mode,
            template,
            makedirs: truthy(&self.makedirs),
            dir_mode: normalize_mode(&self.dir_mode),
            context,
            defaults: self.defaults.clone(),
            show_changes: truthy(&self.show_changes),
            contents,
            follow_symlinks: follow,
            skip_verify: truthy(&self.skip_verify),
            backup,
            kwargs: self.kwargs.clone(),
            check_cmd: truthy(&self.check_cmd).then(|| py_str(&self.check_cmd)),
            tmp_dir: truthy(&self.tmp_dir).then(|| py_str(&self.tmp_dir)),
            tmp_ext: if truthy(&self.tmp_ext) {
                py_str(&self.tmp_ext)
            } else {
                String::new()
            },
        };
        if test {
            return check_managed_changes(cx, &job, ret);
        }
        manage_file(cx, &job, ret)
    }

    /// `contents_pillar` / `contents_grains`: the value, or each value of a
    /// list joined with newlines; `Err` names the missing key as Salt does.
    fn lookup(
        &self,
        cx: &RunCtx<'_>,
        fun: &str,
        what: &str,
        key: &Value,
        delimiter: &str,
    ) -> Result<Result<Value, String>, StateError> {
        if let Value::Array(keys) = key {
            let mut parts = Vec::new();
            for k in keys {
                match data_get(cx, fun, &py_str(k), delimiter)? {
                    Some(v) => parts.push(py_str(&v)),
                    None => return Ok(Err(format!("{what} {} does not exist", py_str(k)))),
                }
            }
            return Ok(Ok(Value::String(parts.join("\n"))));
        }
        Ok(match data_get(cx, fun, &py_str(key), delimiter)? {
            Some(v) => Ok(v),
            None => Err(format!("{what} {} does not exist", py_str(key))),
        })
    }
}

/// `file.mod_run_check_cmd`: registered so that the runner leaves a file
/// state's `check_cmd` to the state (`file.managed` runs it on the new
/// contents before they replace the file, as Salt does).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModRunCheckCmd {
    #[allow(dead_code)]
    kwargs: Map<String, Value>,
}

impl StateFn for ModRunCheckCmd {
    const REQUIRED: &'static [&'static str] = &[];
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Internal: how `check_cmd` of a file state is run (by the state itself, on the new contents). Not a state to call.";

    fn plan(self, _cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        Err(StateError::Invocation(
            "file.mod_run_check_cmd is run by file states for their check_cmd, not called as a state".into(),
        ))
    }

    fn apply(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        self.plan(cx)
    }
}

/// Salt's `_validate_str_list`: a string as one item, a list's items as
/// text, anything else as its text.
pub(super) fn str_list(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().map(py_str).collect(),
        other => vec![py_str(other)],
    }
}

/// Python's `str.splitlines()` (no line ends kept).
pub(super) fn py_splitlines(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let is_break = matches!(
            c,
            '\n' | '\r'
                | '\x0b'
                | '\x0c'
                | '\x1c'
                | '\x1d'
                | '\x1e'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if !is_break {
            continue;
        }
        out.push(&s[start..i]);
        let mut end = i + c.len_utf8();
        if c == '\r'
            && let Some(&(j, '\n')) = chars.peek()
        {
            chars.next();
            end = j + 1;
        }
        start = end;
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn splitlines_like_python() {
        assert_eq!(py_splitlines("a\nb\r\nc\rd"), ["a", "b", "c", "d"]);
        assert_eq!(py_splitlines("a\n\nb\n"), ["a", "", "b"]);
        assert_eq!(py_splitlines(""), Vec::<&str>::new());
        assert_eq!(py_splitlines("x\x0cy"), ["x", "y"]);
    }

    #[test]
    fn str_lists() {
        assert_eq!(str_list(&json!("a")), ["a"]);
        assert_eq!(str_list(&json!(["a", 1, true])), ["a", "1", "True"]);
        assert_eq!(str_list(&json!(5)), ["5"]);
        assert_eq!(str_list(&json!({"k": "v"})), ["{'k': 'v'}"]);
        assert!(str_list(&json!([])).is_empty());
    }
}
