//! `file.line`: line-oriented edits (`ensure`, `replace`, `delete`,
//! `insert`) located by `match`, `before`, `after` or `location`. Salt's
//! `file.line` has many quirks (where indentation and line endings come
//! from, what counts as already present); they are reproduced here step
//! by step because users' files end up the way Salt leaves them.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use sha2::Digest;

use super::diff::{split_lines_keep, unified_diff};
use super::fsops::{Backup, expanduser, replace_file};
use super::managed::Managed;
use super::pyre::PyRegex;
use super::{Order, Ret, yes};
use crate::module::{RunCtx, StateError, StateFn, StateReturn};
use crate::pyrepr::py_str;
use crate::value::truthy;

/// `file.line`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    name: String,
    #[serde(default)]
    content: Value,
    #[serde(default)]
    r#match: Value,
    #[serde(default)]
    mode: Value,
    #[serde(default)]
    location: Value,
    #[serde(default)]
    before: Value,
    #[serde(default)]
    after: Value,
    #[serde(default = "yes")]
    show_changes: Value,
    #[serde(default)]
    backup: Value,
    #[serde(default)]
    quiet: Value,
    #[serde(default = "yes")]
    indent: Value,
    #[serde(default)]
    create: Value,
    #[serde(default)]
    user: Value,
    #[serde(default)]
    group: Value,
    #[serde(default)]
    file_mode: Value,
}

plan_or_apply!(Line {
    const DOC: &'static str = "Edits one line of a file. `mode`: `ensure` (the `content` line is between `after` and `before`, or right before/after one of them), `replace` (the line found by `match`, or equal to `content`, becomes `content`), `delete` (removes the line found), `insert` (adds `content` at `location: start|end` or before/after a line). `match`, `before` and `after` are regular expressions or plain text; `indent` keeps the neighbour's indentation; `create: True` makes a missing file first (with `user`, `group`, `file_mode`); `backup: True` keeps a timestamped copy.\n\n    /etc/ssh/sshd_config:\n      file.line:\n        - mode: replace\n        - match: ^#?PasswordAuthentication\n        - content: PasswordAuthentication no\n";
});

type Res<T> = Result<T, StateError>;

fn cee(msg: impl Into<String>) -> StateError {
    StateError::Command(msg.into())
}

impl Line {
    fn run(self, cx: &RunCtx<'_>, test: bool) -> Res<StateReturn> {
        let name = expanduser(&self.name);
        let ret = Ret::new(Order::Standard, &name);
        if name.is_empty() {
            return Ok(ret.error("Must provide name to file.line"));
        }
        let mut m = Managed::called(&name);
        m.create = self.create.clone();
        m.user = self.user.clone();
        m.group = self.group.clone();
        m.mode = self.file_mode.clone();
        m.replace = Value::Bool(false);
        m.run(cx, test)?;
        if !name.starts_with('/') {
            return Ok(ret.error(format!("Specified file {name} is not an absolute path")));
        }
        if !Path::new(&name).exists() {
            return Ok(ret.error(format!("{name}: file not found")));
        }
        let mode = match &self.mode {
            Value::Null => return Ok(ret.error("Mode was not defined. How to process the file?")),
            v if !truthy(v) => v.clone(),
            v => Value::String(py_str(v).to_lowercase()),
        };
        if mode != Value::String("delete".into()) && self.content.is_null() {
            return Ok(ret.error("Content can only be empty if mode is ['delete']"));
        }
        let changes = self.edit(&name, &py_str(&mode), test)?;
        Ok(ret.edited(changes, test, "Changes would be made"))
    }

    /// Salt's `file.line` execution function: the diff (or `True` without
    /// `show_changes`) when the file changes, `None` when it does not.
    fn edit(&self, name: &str, mode: &str, test: bool) -> Res<Option<Value>> {
        let path = std::fs::canonicalize(name).unwrap_or_else(|_| name.into());
        if !path.is_file() {
            if !truthy(&self.quiet) {
                return Err(cee(format!(
                    "File \"{}\" does not exists or is not a file.",
                    path.display()
                )));
            }
            return Ok(None);
        }
        if !["insert", "ensure", "delete", "replace"].contains(&mode) {
            return Err(cee(format!("Unknown mode: \"{mode}\"")));
        }
        let content = (!self.content.is_null()).then(|| py_str(&self.content));
        let opt = |v: &Value| (!v.is_null()).then(|| py_str(v));
        let (before, after) = (opt(&self.before), opt(&self.after));
        let mut matcher = opt(&self.r#match).filter(|m| !m.is_empty());
        if before.is_none() && after.is_none() && matcher.is_none() {
            matcher = content.clone();
        }
        let raw = std::fs::read(&path).map_err(|e| cee(e.to_string()))?;
        let text = universal_newlines(&String::from_utf8_lossy(&raw));
        let mut body: Vec<String> = split_lines_keep(&text)
            .into_iter()
            .map(str::to_owned)
            .collect();
        let body_before = sha(&body);
        if body.last().is_some_and(|l| !eol(l).is_empty()) {
            body.push(String::new());
        }
        if raw.is_empty() && (mode == "delete" || mode == "replace") {
            body.clear();
        }
        let location = opt(&self.location);
        let indent = truthy(&self.indent);
        let mut body = set_line(
            body,
            content.as_deref(),
            matcher.as_deref(),
            mode,
            location.as_deref(),
            before.as_deref(),
            after.as_deref(),
            indent,
        )?;
        if !body.is_empty() {
            for idx in 0..body.len() {
                if eol(&body[idx]).is_empty() && idx + 1 < body.len() {
                    let prev = if idx > 0 { idx - 1 } else { 1 };
                    body[idx] = set_eol(&body[prev], &body[idx]);
                }
            }
            if body.last().is_some_and(String::is_empty) {
                body.pop();
            }
        }
        if sha(&body) == body_before {
            return Ok(None);
        }
        if truthy(&self.backup) && !test {
            let stamp = time::OffsetDateTime::now_local()
                .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
                .format(time::macros::format_description!(
                    "[year]-[month]-[day]-[hour]-[minute]-[second]"
                ))
                .unwrap_or_default();
            let dest = format!("{}.{stamp}", path.display());
            std::fs::copy(&path, &dest).map_err(|e| {
                cee(format!(
                    "Unable to create the backup file of {}. Exception: {e}",
                    path.display()
                ))
            })?;
        }
        let mut diff = None;
        if truthy(&self.show_changes) {
            let old: Vec<&str> = split_lines_keep(&text);
            let new: Vec<&str> = body.iter().map(String::as_str).collect();
            diff = Some(unified_diff(&old, &new, "", ""));
        }
        if !test {
            replace_file(&path, body.concat().as_bytes(), &Backup::None)
                .map_err(|e| cee(e.to_string()))?;
        }
        Ok(Some(match diff {
            Some(d) if !d.is_empty() => Value::String(d),
            _ => Value::Bool(true),
        }))
    }
}

/// Python's text-mode reading: `\r\n` and `\r` become `\n`.
fn universal_newlines(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

fn sha(lines: &[String]) -> Vec<u8> {
    sha2::Sha256::digest(lines.concat().as_bytes()).to_vec()
}

/// Salt's `_get_eol`: the line's ending.
fn eol(line: &str) -> &str {
    if line.ends_with("\r\n") {
        "\r\n"
    } else if line.ends_with('\n') {
        "\n"
    } else if line.ends_with('\r') {
        "\r"
    } else {
        ""
    }
}

/// Salt's `_set_line_eol`: `line` without trailing blanks, with `src`'s
/// ending (or a newline).
fn set_eol(src: &str, line: &str) -> String {
    let e = match eol(src) {
        "" => "\n",
        e => e,
    };
    format!("{}{e}", line.trim_end())
}

/// Salt's `_set_line_indent`.
fn set_indent(src: &str, line: &str, indent: bool) -> String {
    if !indent {
        return line.to_owned();
    }
    let idt: String = src
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    format!("{idt}{}", line.trim_start())
}

/// Salt's `_regex_to_static`: the lines the expression (or text) finds.
fn find(lines: &[String], expr: Option<&str>) -> Res<Option<Vec<String>>> {
    let Some(expr) = expr.filter(|e| !e.is_empty()) else {
        return Ok(None);
    };
    if lines.is_empty() {
        return Ok(None);
    }
    let re = PyRegex::new(expr, 16).map_err(cee)?;
    Ok(Some(
        lines
            .iter()
            .filter(|l| re.is_match(l) || l.contains(expr))
            .cloned()
            .collect(),
    ))
}

/// Salt's `_assert_occurrence` for exactly one line.
fn one(probe: &[String], target: &str) -> Res<()> {
    let msg = match probe.len() {
        0 => "less than",
        1 => return Ok(()),
        _ => "more than",
    };
    Err(cee(format!(
        "Found {msg} expected occurrences in \"{target}\" expression"
    )))
}

fn index_of(lines: &[String], line: &str) -> usize {
    lines.iter().position(|l| l == line).unwrap_or(0)
}

/// Python's `lines[i]` where `i` may be -1.
fn at(lines: &[String], i: isize) -> &str {
    let n = lines.len() as isize;
    let i = if i < 0 { i + n } else { i };
    lines.get(i as usize).map_or("", String::as_str)
}

/// Salt's `_set_line`.
#[allow(clippy::too_many_arguments)]
fn set_line(
    mut lines: Vec<String>,
    content: Option<&str>,
    matcher: Option<&str>,
    mode: &str,
    location: Option<&str>,
    before: Option<&str>,
    after: Option<&str>,
    indent: bool,
) -> Res<Vec<String>> {
    let content_s = content.unwrap_or("");
    let matcher = match matcher {
        Some(m) if !m.is_empty() => Some(m),
        _ if before.is_none() && after.is_none() => content,
        other => other,
    };
    let after_l = find(&lines, after)?;
    let before_l = find(&lines, before)?;
    let match_l = find(&lines, matcher)?;
    let nonempty = |l: &Option<Vec<String>>| l.as_ref().is_some_and(|v| !v.is_empty());
    let strip_eol = |s: &str| s.trim_end_matches(['\r', '\n']).to_owned();
    if lines.is_empty() && (mode == "delete" || mode == "replace") {
        return Ok(Vec::new());
    }
    if mode == "delete" && nonempty(&match_l) {
        let m = match_l.as_ref().map(|v| v[0].clone()).unwrap_or_default();
        lines.retain(|l| *l != m);
    } else if mode == "replace" && nonempty(&match_l) {
        let m = match_l.as_ref().map(|v| v[0].clone()).unwrap_or_default();
        let idx = index_of(&lines, &m);
        let original = lines.remove(idx);
        lines.insert(idx, set_indent(&original, content_s, indent));
    } else if mode == "insert" {
        if before.is_none() && after.is_none() && location.is_none() {
            return Err(cee(
                "On insert either \"location\" or \"before/after\" conditions are required.",
            ));
        }
        if let Some(loc) = location.filter(|l| !l.is_empty()) {
            if loc == "end" {
                if lines.is_empty() {
                    lines.push(content_s.to_owned());
                } else {
                    let l = set_indent(at(&lines, -1), content_s, indent);
                    lines.push(l);
                }
            } else if loc == "start" {
                if lines.is_empty() {
                    lines = vec![format!("{content_s}\n")];
                } else {
                    let l = set_eol(&lines[0], content_s);
                    lines.insert(0, l);
                }
            }
        } else if nonempty(&before_l) && nonempty(&after_l) {
            let (b, a) = (before_l.unwrap_or_default(), after_l.unwrap_or_default());
            one(&b, "before")?;
            one(&a, "after")?;
            let last = index_of(&lines, &b[0]);
            let l = set_indent(&lines[last], content_s, indent);
            lines.insert(last, l);
        } else if nonempty(&after_l) {
            let a = after_l.unwrap_or_default();
            one(&a, "after")?;
            let idx = index_of(&lines, &a[0]);
            let next = lines.get(idx + 1).cloned();
            if next.is_none_or(|n| strip_eol(&n) != strip_eol(content_s)) {
                let l = set_indent(&lines[idx], content_s, indent);
                lines.insert(idx + 1, l);
            }
        } else if nonempty(&before_l) {
            let b = before_l.unwrap_or_default();
            one(&b, "before")?;
            let idx = index_of(&lines, &b[0]);
            let prev = at(&lines, idx as isize - 1).to_owned();
            if strip_eol(&prev) != strip_eol(content_s) {
                let l = set_indent(&lines[idx], content_s, indent);
                lines.insert(idx, l);
            }
        } else {
            return Err(cee("Neither before or after was found in file"));
        }
    } else if mode == "ensure" {
        if nonempty(&before_l) && nonempty(&after_l) {
            let (b, a) = (before_l.unwrap_or_default(), after_l.unwrap_or_default());
            one(&a, "after")?;
            one(&b, "before")?;
            let ai = index_of(&lines, &a[0]);
            let bi = index_of(&lines, &b[0]);
            let there = lines.iter().any(|l| l.trim_start() == content_s);
            if !there {
                if ai + 1 == bi {
                    let l = set_indent(&lines[ai], content_s, indent);
                    lines.insert(ai + 1, l);
                } else if ai + 2 == bi {
                    lines[ai + 1] = set_indent(&lines[ai], content_s, indent);
                } else {
                    return Err(cee(
                        "Found more than one line between boundaries \"before\" and \"after\".",
                    ));
                }
            }
        } else if nonempty(&before_l) {
            let b = before_l.unwrap_or_default();
            one(&b, "before")?;
            let bi = index_of(&lines, &b[0]);
            if bi == 0 || strip_eol(&lines[bi - 1]) != strip_eol(content_s) {
                let l = set_indent(at(&lines, bi as isize - 1), content_s, indent);
                lines.insert(bi, l);
            }
        } else if nonempty(&after_l) {
            let a = after_l.unwrap_or_default();
            one(&a, "after")?;
            let ai = index_of(&lines, &a[0]);
            let is_last = ai + 1 >= lines.len();
            if is_last || strip_eol(&lines[ai + 1]) != strip_eol(content_s) {
                let l = set_indent(&lines[ai], content_s, indent);
                lines.insert(ai + 1, l);
            }
        } else {
            return Err(cee(
                "Wrong conditions? Unable to ensure line without knowing where to put it before and/or after.",
            ));
        }
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &[&str]) -> Vec<String> {
        s.iter().map(|l| (*l).to_owned()).collect()
    }

    #[test]
    fn ensure_after_and_replace() {
        let got = set_line(
            lines(&["a\n", "b\n", ""]),
            Some("x"),
            None,
            "ensure",
            None,
            None,
            Some("^a"),
            true,
        )
        .unwrap();
        assert_eq!(got, lines(&["a\n", "x", "b\n", ""]));
        let got = set_line(
            lines(&["  a = 1\n", ""]),
            Some("a = 2"),
            Some("^\\s*a ="),
            "replace",
            None,
            None,
            None,
            true,
        )
        .unwrap();
        assert_eq!(got, lines(&["  a = 2", ""]));
        let e = set_line(
            lines(&["a\n", "a\n"]),
            Some("x"),
            None,
            "ensure",
            None,
            None,
            Some("a"),
            true,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("Found more than expected occurrences in \"after\" expression")
        );
    }
}
