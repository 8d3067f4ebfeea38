//! `file.append`: text added at the end of a file unless already there
//! (by default ignoring differences in whitespace, as Salt's
//! whitespace-split pattern does), from `text` or rendered `source`s.

use std::io::Write;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::blockreplace::{jinja, template_texts, unify_sources};
use super::diff::unified_diff_lines;
use super::fsops::{dirname, expanduser, is_text, makedirs_parents};
use super::managed::{py_splitlines, str_list};
use super::paths::Touch;
use super::pyre::escape;
use super::replace::search;
use super::{Order, Ret, yes};
use crate::module::{RunCtx, StateError, StateFn, StateReturn};
use crate::value::truthy;

/// `file.append`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Append {
    name: String,
    #[serde(default)]
    text: Value,
    #[serde(default)]
    makedirs: Value,
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
    #[serde(default = "yes")]
    ignore_whitespace: Value,
}

plan_or_apply!(Append {
    const DOC: &'static str = "Appends `text` (a string or a list of strings; or the rendered `source`/`sources`) to a file, each piece only if the file does not contain it yet (`ignore_whitespace: True`, the default, treats runs of blanks and line breaks as equal). A missing file is created (`makedirs` for missing parent directories).\n\n    /etc/motd:\n      file.append:\n        - text:\n          - Trust no one unless you have eaten much salt with him.\n";
});

impl Append {
    fn run(self, cx: &RunCtx<'_>, test: bool) -> Result<StateReturn, StateError> {
        let mut ret = Ret::new(Order::FailFirst, &self.name);
        if self.name.is_empty() {
            return Ok(ret.error("Must provide name to file.append"));
        }
        let name = expanduser(&self.name);
        let sources = match unify_sources(
            &self.source,
            &self.source_hash,
            &self.sources,
            &self.source_hashes,
        ) {
            Ok(s) => s,
            Err(e) => return Ok(ret.error(e)),
        };
        let makedirs = self.makedirs == Value::Bool(true);
        if makedirs {
            let dir = dirname(&name).to_owned();
            if test {
                ret.set_comment(format!("Directory {dir} is set to be updated"));
                ret.set_result(None);
            } else if !Path::new(&dir).is_dir()
                && let Err(e) = makedirs_parents(&name, &Value::Null, &Value::Null, None)
            {
                return Ok(ret.error(e));
            }
        }
        let check = if !name.starts_with('/') {
            Some(format!("Specified file {name} is not an absolute path"))
        } else if !Path::new(&name).exists() {
            Some(format!("{name}: file not found"))
        } else {
            None
        };
        if let Some(msg) = check {
            let touch = Touch {
                name: name.clone(),
                makedirs: self.makedirs.clone(),
                ..Touch::default()
            };
            let touched = if test {
                touch.plan(cx)?
            } else {
                touch.apply(cx)?
            };
            if test {
                return Ok(touched);
            }
            if !Path::new(&name).exists() {
                return Ok(ret.error(msg));
            }
        }
        let text = if sources.is_empty() {
            self.text.clone()
        } else {
            match template_texts(cx, &sources, &self.template, &self.defaults, &self.context)? {
                Ok(t) => Value::from(t),
                Err(failed) => return Ok(failed),
            }
        };
        let chunks = str_list(&text);
        let path = Path::new(&name);
        let before = read_lines(path)?;
        let mut append_lines: Vec<String> = Vec::new();
        for chunk in &chunks {
            let pattern = if truthy(&self.ignore_whitespace) {
                whitespace_split_regex(chunk)?
            } else {
                chunk.clone()
            };
            if search(&name, &pattern, true)? {
                continue;
            }
            append_lines.extend(py_splitlines(chunk).into_iter().map(str::to_owned));
        }
        if test {
            ret.set_comment(format!("File {name} is set to be updated"));
            ret.set_result(None);
            let mut after = before.clone();
            after.extend(append_lines);
            if before != after {
                ret.change("diff", diff(path, &before, &after));
            } else {
                ret.set_comment(format!("File {name} is in correct state"));
                ret.set_result(Some(true));
            }
            return Ok(ret.done());
        }
        if append_lines.is_empty() {
            ret.set_comment(format!("File {name} is in correct state"));
        } else {
            append(path, &append_lines).map_err(|e| StateError::Command(e.to_string()))?;
            ret.set_comment(format!("Appended {} lines", append_lines.len()));
        }
        let after = read_lines(path)?;
        if before != after {
            ret.change("diff", diff(path, &before, &after));
        }
        ret.set_result(Some(true));
        Ok(ret.done())
    }
}

fn read_lines(path: &Path) -> Result<Vec<String>, StateError> {
    let data = std::fs::read(path).map_err(|e| StateError::Command(e.to_string()))?;
    let text = String::from_utf8_lossy(&data);
    Ok(py_splitlines(&text)
        .into_iter()
        .map(str::to_owned)
        .collect())
}

/// `"\n".join(difflib.unified_diff(old, new))` on lines without endings, or
/// Salt's note for a binary file.
fn diff(path: &Path, old: &[String], new: &[String]) -> String {
    if !is_text(path) {
        return "Replace binary file".into();
    }
    let a: Vec<&str> = old.iter().map(String::as_str).collect();
    let b: Vec<&str> = new.iter().map(String::as_str).collect();
    unified_diff_lines(&a, &b, "", "", "\n").join("\n")
}

/// Salt's `file.append`: a newline first if the file does not end with
/// one, then each line and a newline.
fn append(path: &Path, lines: &[String]) -> std::io::Result<()> {
    let data = std::fs::read(path)?;
    let mut f = std::fs::OpenOptions::new().append(true).open(path)?;
    if !data.is_empty() && !data.ends_with(b"\n") {
        f.write_all(b"\n")?;
    }
    for l in lines {
        f.write_all(l.as_bytes())?;
        f.write_all(b"\n")?;
    }
    f.sync_all()
}

/// Salt's `build_whitespace_split_regex`: each line's words (split like
/// `shlex` with quotes kept) separated by optional whitespace, the whole
/// anchored to a line.
fn whitespace_split_regex(text: &str) -> Result<String, StateError> {
    let mut regex = String::new();
    for line in py_splitlines(text) {
        let parts: Vec<String> = shlex_words(line)?.iter().map(|w| escape(w)).collect();
        regex.push_str(&format!(
            r"(?:[\s]+)?{}(?:[\s]+)?",
            parts.join(r"(?:[\s]+)?")
        ));
    }
    Ok(format!("(?m)^{regex}$"))
}

/// `list(shlex.shlex(line))` with `whitespace_split` and no comments, as
/// Salt configures it: quotes keep their contents together (and stay in
/// the word); which quote characters count depends on which appear.
fn shlex_words(line: &str) -> Result<Vec<String>, StateError> {
    let quotes: &[char] = if line.contains("'\"") {
        &[]
    } else if line.contains('\'') {
        &['"']
    } else if line.contains('"') {
        &['\'']
    } else {
        &['\'', '"']
    };
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in line.chars() {
        if let Some(q) = quote {
            word.push(c);
            if c == q {
                quote = None;
                words.push(std::mem::take(&mut word));
                in_word = false;
            }
            continue;
        }
        if c.is_whitespace() && " \t\r\n".contains(c) {
            if in_word {
                words.push(std::mem::take(&mut word));
                in_word = false;
            }
        } else if !in_word && quotes.contains(&c) {
            word.push(c);
            quote = Some(c);
        } else {
            word.push(c);
            in_word = true;
        }
    }
    if quote.is_some() {
        return Err(StateError::Other("ValueError: No closing quotation".into()));
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shlex_like_salt() {
        assert_eq!(shlex_words("a  b\tc").unwrap(), ["a", "b", "c"]);
        // Only the quote character that does not appear counts as a quote.
        assert_eq!(
            shlex_words("say \"hi there\" now").unwrap(),
            ["say", "\"hi", "there\"", "now"]
        );
        assert_eq!(
            shlex_words("it's 'a b' x").unwrap(),
            ["it's", "'a", "b'", "x"]
        );
        assert_eq!(
            shlex_words("say \"it's\" x").unwrap(),
            ["say", "\"it's\"", "x"]
        );
        assert!(shlex_words("it's \"open").is_err());
        assert_eq!(
            whitespace_split_regex("a b").unwrap(),
            r"(?m)^(?:[\s]+)?a(?:[\s]+)?b(?:[\s]+)?$"
        );
    }
}
