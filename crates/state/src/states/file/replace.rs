//! `file.replace`: a regular-expression substitution over a whole file
//! (Python's `re.subn` semantics and replacement syntax), optionally
//! appending or prepending the text when the pattern is not found; the
//! old file can be kept as `<name><backup>`. Also Salt's `file.search`,
//! which `file.append` uses to see whether text is already present.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::diff::{split_newlines_keep, unified_diff};
use super::fsops::{Backup, expanduser, is_text_bytes, replace_file};
use super::pyre::{MULTILINE_FLAG, PyRegex, escape, flag_bits};
use super::{Order, Ret, yes};
use crate::module::{RunCtx, StateError, StateFn, StateReturn};
use crate::pyrepr::py_str;
use crate::value::truthy;

/// `file.replace`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replace {
    name: String,
    pattern: Value,
    repl: Value,
    #[serde(default)]
    count: Value,
    #[serde(default = "eight")]
    flags: Value,
    #[serde(default)]
    bufsize: Value,
    #[serde(default)]
    append_if_not_found: Value,
    #[serde(default)]
    prepend_if_not_found: Value,
    #[serde(default)]
    not_found_content: Value,
    #[serde(default = "dot_bak")]
    backup: Value,
    #[serde(default = "yes")]
    show_changes: Value,
    #[serde(default)]
    ignore_if_missing: Value,
    #[serde(default)]
    backslash_literal: Value,
}

fn eight() -> Value {
    Value::from(8)
}

pub(super) fn dot_bak() -> Value {
    Value::String(".bak".into())
}

plan_or_apply!(Replace {
    const REQUIRED: &'static [&'static str] = &["name", "pattern", "repl"];
    const DOC: &'static str = "Replaces what a regular expression (`pattern`, Python syntax; `flags` default MULTILINE) matches in a file with `repl` (`\\1`, `\\g<name>` refer to groups; `count` limits the replacements, 0 = all). `append_if_not_found` / `prepend_if_not_found` add `not_found_content` (default `repl`) when nothing matched and it is not there yet. The old file is kept as `<name>.bak` (`backup: False` to not keep it); `ignore_if_missing` succeeds on a missing file.\n\n    /etc/default/grub:\n      file.replace:\n        - pattern: ^GRUB_TIMEOUT=.*$\n        - repl: GRUB_TIMEOUT=2\n";
});

impl Replace {
    fn run(self, _cx: &RunCtx<'_>, test: bool) -> Result<StateReturn, StateError> {
        let name = expanduser(&self.name);
        let mut ret = Ret::new(Order::Standard, &name);
        if name.is_empty() {
            return Ok(ret.error("Must provide name to file.replace"));
        }
        if !name.starts_with('/') {
            return Ok(ret.error(format!("Specified file {name} is not an absolute path")));
        }
        if !Path::new(&name).exists() {
            if truthy(&self.ignore_if_missing) {
                ret.set_comment("No changes needed to be made");
                return Ok(ret.done());
            }
            return Ok(ret.error(format!("{name}: file not found")));
        }
        let _ = &self.bufsize;
        let changes = replace(&ReplaceArgs {
            path: &name,
            pattern: &py_str(&self.pattern),
            repl: &py_str(&self.repl),
            count: self.count.as_u64().unwrap_or(0) as usize,
            flags: flag_bits(&self.flags).map_err(StateError::Command)?,
            append_if_not_found: truthy(&self.append_if_not_found),
            prepend_if_not_found: truthy(&self.prepend_if_not_found),
            not_found_content: (!self.not_found_content.is_null())
                .then(|| py_str(&self.not_found_content)),
            backup: match &self.backup {
                v if !truthy(v) => None,
                v => Some(py_str(v)),
            },
            dry_run: test,
            show_changes: truthy(&self.show_changes),
            backslash_literal: truthy(&self.backslash_literal),
            search_only: false,
        })?;
        Ok(ret.edited(changes, test, "Changes would have been made"))
    }
}

/// The arguments of Salt's `file.replace` execution function.
pub(super) struct ReplaceArgs<'a> {
    pub path: &'a str,
    pub pattern: &'a str,
    pub repl: &'a str,
    pub count: usize,
    pub flags: u32,
    pub append_if_not_found: bool,
    pub prepend_if_not_found: bool,
    pub not_found_content: Option<String>,
    pub backup: Option<String>,
    pub dry_run: bool,
    pub show_changes: bool,
    pub backslash_literal: bool,
    pub search_only: bool,
}

fn invocation(msg: String) -> StateError {
    StateError::Invocation(msg)
}

/// Salt's `file.replace` execution function: the diff (or `True` without
/// `show_changes`) when something changed (would change), `None` when not.
/// With `search_only`, `Some(True)` when the pattern is found.
pub(super) fn replace(a: &ReplaceArgs<'_>) -> Result<Option<Value>, StateError> {
    let path = std::fs::canonicalize(a.path).unwrap_or_else(|_| a.path.into());
    let data = std::fs::read(&path)
        .map_err(|_| invocation(format!("File not found: {}", path.display())))?;
    if !is_text_bytes(&data) {
        return Err(invocation(format!(
            "Cannot perform string replacements on a binary file: {}",
            path.display()
        )));
    }
    if a.search_only && (a.append_if_not_found || a.prepend_if_not_found) {
        return Err(invocation(
            "search_only cannot be used with append/prepend_if_not_found".into(),
        ));
    }
    if a.append_if_not_found && a.prepend_if_not_found {
        return Err(invocation(
            "Only one of append and prepend_if_not_found is permitted".into(),
        ));
    }
    let re = PyRegex::new(a.pattern, a.flags).map_err(StateError::Other)?;
    let text = String::from_utf8_lossy(&data).into_owned();
    if a.search_only {
        return Ok(re.is_match(&text).then_some(Value::Bool(true)));
    }
    let repl = if a.backslash_literal {
        a.repl.replace('\\', "\\\\")
    } else {
        a.repl.to_owned()
    };
    let (result, nrepl) = re.subn(&text, &repl, a.count).map_err(StateError::Other)?;
    let mut found = nrepl > 0;
    let mut has_changes = found && a.pattern != a.repl;
    let content = match &a.not_found_content {
        Some(c) if a.prepend_if_not_found || a.append_if_not_found => c.clone(),
        _ => a.repl.to_owned(),
    };
    if a.prepend_if_not_found || a.append_if_not_found {
        let probe = PyRegex::new(&format!("^{}($|(?=\r\n))", escape(&content)), a.flags);
        if probe.is_ok_and(|p| p.is_match(&text)) {
            found = true;
        }
    }
    let orig: Vec<&str> = split_newlines_keep(&text);
    let mut new: Vec<String> = split_newlines_keep(&result)
        .into_iter()
        .map(str::to_owned)
        .collect();
    if orig.iter().copied().eq(new.iter().map(String::as_str)) {
        has_changes = false;
    }
    let mut out = result.clone();
    if !found && (a.append_if_not_found || a.prepend_if_not_found) {
        let nfc = a
            .not_found_content
            .clone()
            .unwrap_or_else(|| a.repl.to_owned());
        if a.prepend_if_not_found {
            new.insert(0, format!("{nfc}\n"));
        } else {
            if let Some(last) = new.last_mut()
                && !last.ends_with('\n')
            {
                last.push('\n');
            }
            new.push(format!("{nfc}\n"));
        }
        has_changes = true;
        out = new.concat();
    }
    if has_changes && !a.dry_run {
        if let Some(b) = &a.backup {
            let dest = format!("{}{b}", path.display());
            std::fs::copy(&path, &dest).map_err(|e| {
                StateError::Command(format!(
                    "Unable to move the temp file '{}' to the backup file '{dest}'. Exception: {e}",
                    path.display()
                ))
            })?;
        }
        replace_file(&path, out.as_bytes(), &Backup::None)
            .map_err(|e| StateError::Command(format!("Exception: {e}")))?;
    }
    let new_refs: Vec<&str> = new.iter().map(String::as_str).collect();
    let diff = unified_diff(&orig, &new_refs, "", "");
    if a.show_changes {
        return Ok((!diff.is_empty()).then_some(Value::String(diff)));
    }
    Ok((has_changes && !diff.is_empty()).then_some(Value::Bool(true)))
}

/// Salt's `file.search(path, pattern, multiline=...)`: whether the pattern
/// is in the file.
pub(super) fn search(path: &str, pattern: &str, multiline: bool) -> Result<bool, StateError> {
    let flags = if multiline { 8 | MULTILINE_FLAG } else { 8 };
    let found = replace(&ReplaceArgs {
        path,
        pattern,
        repl: "",
        count: 0,
        flags,
        append_if_not_found: false,
        prepend_if_not_found: false,
        not_found_content: None,
        backup: None,
        dry_run: true,
        show_changes: false,
        backslash_literal: false,
        search_only: true,
    })?;
    Ok(found.is_some())
}
