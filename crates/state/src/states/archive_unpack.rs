//! Unpacking for `archive.extracted`, through the host: `archive.unzip`
//! for zip, `archive.untar` for tar without `options`, and the `tar`
//! command (run by `cmd.run_all`, without a shell) for tar with `options`,
//! built from them the way Salt builds it.

use serde_json::{Map, Value, json};

use super::cmd_stateful::shell_words;
use crate::module::{RunCtx, StateError};
use crate::pyrepr::py_str;

/// What unpacking gave.
#[derive(Debug)]
pub enum Unpacked {
    /// The extracted member names (or the text Salt puts there when the
    /// tar command printed nothing).
    Files(Value),
    /// The state fails with these changes and/or comment.
    Failed {
        changes: Option<Map<String, Value>>,
        comment: Option<String>,
    },
}

/// Unpacks `cached` into `dest` (which exists).
pub fn unpack(
    cx: &RunCtx<'_>,
    format: &str,
    cached: &str,
    dest: &str,
    options: Option<&str>,
    trim_output: &Value,
    extract_perms: bool,
) -> Result<Unpacked, StateError> {
    let failed = |comment: String| Unpacked::Failed {
        changes: None,
        comment: Some(comment),
    };
    if format == "zip" {
        let mut kw = Map::new();
        kw.insert("trim_output".into(), trim_output.clone());
        kw.insert("extract_perms".into(), json!(extract_perms));
        return Ok(
            match cx
                .exec
                .call("archive.unzip", &[json!(cached), json!(dest)], &kw)
            {
                Ok(r) if r.value.is_array() => Unpacked::Files(r.value),
                Ok(r) => failed(py_str(&r.value)),
                Err(e) => failed(e),
            },
        );
    }
    let trim = trim_output.as_u64().map(|n| n as usize);
    let Some(options) = options else {
        return Ok(
            match cx
                .exec
                .call("archive.untar", &[json!(cached), json!(dest)], &Map::new())
            {
                Ok(r) => match r.value {
                    Value::Array(mut names) => {
                        if let Some(n) = trim {
                            names.truncate(n);
                        }
                        Unpacked::Files(Value::Array(names))
                    }
                    other => failed(py_str(&other)),
                },
                Err(e) => failed(e),
            },
        );
    };
    let argv = tar_command(options, cached)
        .ok_or_else(|| StateError::Other("ValueError: No closing quotation".into()))?;
    let mut kw = Map::new();
    kw.insert("cmd".into(), json!(join_words(&argv)));
    kw.insert("cwd".into(), json!(dest));
    kw.insert("python_shell".into(), json!(false));
    let results = match cx.exec.call("cmd.run_all", &[], &kw) {
        Ok(r) => match r.value {
            Value::Object(m) => m,
            other => return Ok(failed(py_str(&other))),
        },
        Err(e) => return Ok(failed(e)),
    };
    if results.get("retcode") != Some(&json!(0)) {
        return Ok(Unpacked::Failed {
            changes: Some(results),
            comment: None,
        });
    }
    let stream = if is_bsdtar(cx) { "stderr" } else { "stdout" };
    let text = results.get(stream).map(py_str).unwrap_or_default();
    let mut files: Vec<Value> = text.lines().map(|l| json!(l)).collect();
    if let Some(n) = trim {
        files.truncate(n);
    }
    Ok(Unpacked::Files(if files.is_empty() {
        json!("no tar output so far")
    } else {
        Value::Array(files)
    }))
}

/// Salt's tar command line: `tar xv<short options> <long options> -f
/// <archive>`, verbose flags given by the user dropped.
fn tar_command(options: &str, cached: &str) -> Option<Vec<String>> {
    let opts: Vec<String> = shell_words(options)?
        .into_iter()
        .filter(|o| !matches!(o.as_str(), "v" | "-v" | "--verbose"))
        .collect();
    let mut short = String::from("xv");
    let mut long = Vec::new();
    for (i, o) in opts.into_iter().enumerate() {
        if o.starts_with('-') || i > 0 {
            long.push(o);
        } else {
            short.push_str(&o.replace(['x', 'f'], ""));
        }
    }
    let mut argv = vec!["tar".to_owned(), short];
    argv.extend(long);
    argv.push("-f".into());
    argv.push(cached.into());
    Some(argv)
}

/// Words joined so that `cmd.run_all` with `python_shell=False` splits
/// them back into the same argv.
fn join_words(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            if !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c))
            {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', "'\"'\"'"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `tar` is bsdtar (it lists extracted files on stderr).
fn is_bsdtar(cx: &RunCtx<'_>) -> bool {
    let mut kw = Map::new();
    kw.insert("python_shell".into(), json!(false));
    cx.exec
        .call("cmd.run", &[json!("tar --version")], &kw)
        .is_ok_and(|r| py_str(&r.value).contains("bsdtar"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tar_command_like_salt() {
        assert_eq!(
            tar_command("xzvf --strip-components=1", "/c/a.tgz").unwrap(),
            ["tar", "xvzv", "--strip-components=1", "-f", "/c/a.tgz"]
        );
        assert_eq!(
            tar_command("J v --exclude 'a b'", "/c/a.txz").unwrap(),
            ["tar", "xvJ", "--exclude", "a b", "-f", "/c/a.txz"]
        );
        assert_eq!(
            join_words(&["tar".into(), "a b".into(), "it's".into()]),
            "tar 'a b' 'it'\"'\"'s'"
        );
    }
}
