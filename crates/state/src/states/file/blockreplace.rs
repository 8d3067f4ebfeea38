//! `file.blockreplace`: the lines between two marker lines replaced by
//! `content` (or text rendered from `source`/`sources`), the block added
//! at the start, the end or next to a matching line when the markers are
//! missing. Line endings follow the file's first line, as in Salt.

use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::diff::unified_diff;
use super::fsops::{Backup, expanduser, replace_file};
use super::managed::str_list;
use super::pyre::PyRegex;
use super::replace::dot_bak;
use super::source::{Rendered, cache_file, render};
use super::{Order, Ret, yes};
use crate::module::{RunCtx, StateError, StateFn, StateReturn};
use crate::pyrepr::py_str;
use crate::value::truthy;

/// `file.blockreplace`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockReplace {
    name: String,
    #[serde(default = "start_marker")]
    marker_start: Value,
    #[serde(default = "end_marker")]
    marker_end: Value,
    #[serde(default)]
    source: Value,
    #[serde(default)]
    source_hash: Value,
    #[serde(default = "jinja")]
    template: Value,
    #[serde(default)]
    sources: Value,
    #[serde(default)]
    source_hashes: Value,
    #[serde(default)]
    defaults: Value,
    #[serde(default)]
    context: Value,
    #[serde(default = "empty")]
    content: Value,
    #[serde(default)]
    append_if_not_found: Value,
    #[serde(default)]
    prepend_if_not_found: Value,
    #[serde(default = "dot_bak")]
    backup: Value,
    #[serde(default = "yes")]
    show_changes: Value,
    #[serde(default)]
    append_newline: Value,
    #[serde(default)]
    insert_before_match: Value,
    #[serde(default)]
    insert_after_match: Value,
}

fn start_marker() -> Value {
    Value::String("#-- start managed zone --".into())
}

fn end_marker() -> Value {
    Value::String("#-- end managed zone --".into())
}

pub(super) fn jinja() -> Value {
    Value::String("jinja".into())
}

fn empty() -> Value {
    Value::String(String::new())
}

plan_or_apply!(BlockReplace {
    const DOC: &'static str = "Keeps the lines between `marker_start` and `marker_end` (lines containing them) equal to `content`, or to the text rendered from `source`/`sources` (`template` default jinja, `defaults`, `context`). Without markers in the file it fails, unless `append_if_not_found`, `prepend_if_not_found`, `insert_before_match` or `insert_after_match` (a regular expression) says where to put the block. The old file is kept as `<name>.bak` (`backup: False` to not keep it); `append_newline` ends the content with a newline.\n\n    /etc/hosts:\n      file.blockreplace:\n        - marker_start: \"# BEGIN cluster\"\n        - marker_end: \"# END cluster\"\n        - content: |\n            10.0.0.1 master\n        - append_if_not_found: True\n";
});

impl BlockReplace {
    fn run(self, cx: &RunCtx<'_>, test: bool) -> Result<StateReturn, StateError> {
        let name = expanduser(&self.name);
        let mut ret = Ret::new(Order::FailFirst, &name);
        if name.is_empty() {
            return Ok(ret.error("Must provide name to file.blockreplace"));
        }
        let sources = match unify_sources(
            &self.source,
            &self.source_hash,
            &self.sources,
            &self.source_hashes,
        ) {
            Ok(s) => s,
            Err(e) => return Ok(ret.error(e)),
        };
        if !name.starts_with('/') {
            return Ok(ret.error(format!("Specified file {name} is not an absolute path")));
        }
        if !Path::new(&name).exists() {
            return Ok(ret.error(format!("{name}: file not found")));
        }
        let mut content = py_str(&self.content);
        if !sources.is_empty() {
            match template_texts(cx, &sources, &self.template, &self.defaults, &self.context)? {
                Ok(texts) => content.extend(texts),
                Err(failed) => return Ok(failed),
            }
        }
        let args = Block {
            path: &name,
            marker_start: py_str(&self.marker_start),
            marker_end: py_str(&self.marker_end),
            content,
            append_if_not_found: truthy(&self.append_if_not_found),
            prepend_if_not_found: truthy(&self.prepend_if_not_found),
            insert_before_match: (!self.insert_before_match.is_null())
                .then(|| self.insert_before_match.clone()),
            insert_after_match: (!self.insert_after_match.is_null())
                .then(|| self.insert_after_match.clone()),
            backup: match &self.backup {
                Value::Bool(false) => None,
                Value::String(s) if s.is_empty() => None,
                v => Some(py_str(v)),
            },
            dry_run: test,
            show_changes: truthy(&self.show_changes),
            append_newline: match &self.append_newline {
                Value::Null => None,
                v => Some(truthy(v)),
            },
        };
        match blockreplace(&args) {
            Err(e) => {
                ret.set_comment(format!(
                    "Encountered error managing block: {e}. See the log for details."
                ));
                Ok(ret.done())
            }
            Ok(diff) => Ok(ret.edited(diff, test, "Changes would be made")),
        }
    }
}

/// Salt's `_unify_sources_and_hashes`: the sources with their hashes.
pub(super) fn unify_sources(
    source: &Value,
    source_hash: &Value,
    sources: &Value,
    source_hashes: &Value,
) -> Result<Vec<String>, String> {
    if truthy(source) && truthy(sources) {
        return Err("source and sources are mutually exclusive".into());
    }
    if truthy(source_hash) && truthy(source_hashes) {
        return Err("source_hash and source_hashes are mutually exclusive".into());
    }
    if truthy(source) {
        return Ok(vec![py_str(source)]);
    }
    Ok(match sources {
        Value::Null => Vec::new(),
        v => str_list(v),
    })
}

/// Salt's `_get_template_texts`: each source fetched and rendered
/// (`cp.cache_file` + `file.apply_template_on_contents`). `Err` holds the
/// failed return Salt gives back (named after the source).
pub(super) fn template_texts(
    cx: &RunCtx<'_>,
    sources: &[String],
    template: &Value,
    defaults: &Value,
    context: &Value,
) -> Result<Result<Vec<String>, StateReturn>, StateError> {
    let mut out = Vec::new();
    for src in sources {
        let fail = |msg: String| {
            let mut m = Map::new();
            m.insert("name".into(), Value::String(src.clone()));
            m.insert("changes".into(), Value::Object(Map::new()));
            m.insert("result".into(), Value::Bool(false));
            m.insert("comment".into(), Value::String(msg));
            m.insert("data".into(), Value::Array(Vec::new()));
            StateReturn::from_map(m)
        };
        let Some(path) = cache_file(cx, src, cx.saltenv).map_err(StateError::Command)? else {
            return Ok(Err(fail(format!("Failed to load template file {src}"))));
        };
        let text =
            std::fs::read_to_string(&path).map_err(|e| StateError::Command(e.to_string()))?;
        let rendered = if truthy(template) {
            let mut ctx = Map::new();
            for layer in [defaults, context] {
                if let Value::Object(m) = layer {
                    ctx.extend(m.clone());
                }
            }
            match render(
                cx,
                &text,
                &py_str(template),
                &Value::Object(ctx),
                &Value::Null,
            ) {
                Ok(Rendered::Text(t)) => t,
                Ok(Rendered::Failed(..)) | Err(_) => {
                    return Ok(Err(fail(format!("Failed to load template file {src}"))));
                }
            }
        } else {
            text
        };
        if rendered.is_empty() {
            return Ok(Err(fail(format!(
                "Failed to read rendered template file {} ({src})",
                path.display()
            ))));
        }
        out.push(rendered);
    }
    Ok(Ok(out))
}

/// The arguments of Salt's `file.blockreplace` execution function.
struct Block<'a> {
    path: &'a str,
    marker_start: String,
    marker_end: String,
    content: String,
    append_if_not_found: bool,
    prepend_if_not_found: bool,
    insert_before_match: Option<Value>,
    insert_after_match: Option<Value>,
    backup: Option<String>,
    dry_run: bool,
    show_changes: bool,
    append_newline: Option<bool>,
}

/// Salt's `file.blockreplace`: the diff (or `True` without `show_changes`)
/// when the file changes (would change); `Err` is the error text.
fn blockreplace(a: &Block<'_>) -> Result<Option<Value>, String> {
    let exclusive = [
        a.append_if_not_found,
        a.prepend_if_not_found,
        a.insert_before_match.as_ref().is_some_and(truthy),
        a.insert_after_match.as_ref().is_some_and(truthy),
    ];
    if exclusive.iter().filter(|b| **b).count() > 1 {
        return Err("Only one of append_if_not_found, prepend_if_not_found, insert_before_match, and insert_after_match is permitted".into());
    }
    let path = Path::new(a.path);
    let data = std::fs::read(path).map_err(|_| format!("File not found: {}", a.path))?;
    let Ok(text) = String::from_utf8(data) else {
        return Err(format!(
            "Cannot perform string replacements on a binary file: {}",
            a.path
        ));
    };
    if text.contains('\0') {
        return Err(format!(
            "Cannot perform string replacements on a binary file: {}",
            a.path
        ));
    }
    let matcher = match (&a.insert_before_match, &a.insert_after_match) {
        (Some(v), _) if truthy(v) => Some((v, true)),
        (_, Some(v)) if truthy(v) => Some((v, false)),
        _ => None,
    };
    if let Some((v, before)) = matcher
        && !v.is_string()
    {
        let which = if before {
            "insert_before_match"
        } else {
            "insert_after_match"
        };
        return Err(format!("RegEx expected in {which} parameter."));
    }
    let append_newline = a.append_newline.unwrap_or(!a.content.ends_with('\n'));
    let split: Vec<&str> = a
        .content
        .split("\r\n")
        .flat_map(|l| l.split('\n'))
        .collect();
    let mut orig: Vec<String> = Vec::new();
    let mut new: Vec<String> = Vec::new();
    let mut in_block = false;
    let mut found = false;
    let mut linesep: Option<&str> = None;
    let add = |sep: &str, lines: &mut Vec<String>, with_start: bool, end_line: Option<&str>| {
        let end = format!(
            "{}{sep}",
            end_line
                .unwrap_or(&a.marker_end)
                .trim_end_matches(['\r', '\n'])
        );
        if with_start {
            lines.push(format!("{}{sep}", a.marker_start));
        }
        for (i, l) in split.iter().enumerate() {
            if i + 1 != split.len() {
                lines.push(format!("{l}{sep}"));
            } else if append_newline {
                lines.push(format!("{l}{sep}"));
                lines.push(end.clone());
            } else {
                lines.push(format!("{l}{end}"));
            }
        }
    };
    for line in super::diff::split_lines_keep(&text) {
        let mut keep_line = true;
        if linesep.is_none() {
            linesep = Some(if line.ends_with("\r\n") { "\r\n" } else { "\n" });
        }
        if line.contains(&a.marker_start) {
            in_block = true;
        } else if in_block {
            keep_line = false;
            if let Some(pos) = line.find(&a.marker_end) {
                in_block = false;
                found = true;
                add(linesep.unwrap_or("\n"), &mut new, false, Some(&line[pos..]));
            }
        }
        orig.push(line.to_owned());
        if keep_line {
            new.push(line.to_owned());
        }
    }
    let sep = linesep.unwrap_or("\n");
    if in_block {
        return Err("Unterminated marked block. End of file reached before marker_end.".into());
    }
    if !found {
        if a.prepend_if_not_found {
            let mut block = Vec::new();
            add(sep, &mut block, true, None);
            block.extend(new);
            new = block;
            found = true;
        } else if a.append_if_not_found {
            if let Some(last) = new.last_mut()
                && !last.ends_with(sep)
            {
                last.push_str(sep);
            }
            add(sep, &mut new, true, None);
            found = true;
        } else if let Some((v, before)) = matcher {
            let re = PyRegex::new(&py_str(v), 0)?;
            if let Some(mut idx) = orig.iter().position(|l| re.is_match(l)) {
                let mut block = Vec::new();
                add(sep, &mut block, true, None);
                for l in block {
                    if !before {
                        idx += 1;
                    }
                    new.insert(idx, l);
                    if before {
                        idx += 1;
                    }
                }
                found = true;
            }
        }
    }
    if !found {
        return Err("Cannot edit marked block. Markers were not found in file.".into());
    }
    let o: Vec<&str> = orig.iter().map(String::as_str).collect();
    let n: Vec<&str> = new.iter().map(String::as_str).collect();
    let diff = unified_diff(&o, &n, "", "");
    let changed = !diff.is_empty();
    if changed && !a.dry_run {
        if let Some(b) = &a.backup {
            std::fs::copy(path, format!("{}{b}", a.path)).map_err(|e| e.to_string())?;
        }
        replace_file(path, new.concat().as_bytes(), &Backup::None).map_err(|e| e.to_string())?;
    }
    if a.show_changes {
        return Ok(changed.then_some(Value::String(diff)));
    }
    Ok(changed.then_some(Value::Bool(true)))
}
