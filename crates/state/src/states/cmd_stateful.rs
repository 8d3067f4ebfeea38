//! The `stateful` protocol of `cmd.run` and `cmd.script`: a command that
//! reports its own outcome on stdout, either as a JSON object or as a last
//! line of `name=value` words (`changed=yes comment="Updated the cache"`).
//! [`reinterpret`] turns the command's result into the state's the way
//! Salt's `_reinterpreted_state` does, quirks included (without changes
//! the output is not shown; with `name=value` output the last line is cut
//! from `stdout`).

use serde_json::{Map, Value};

use crate::module::{StateError, StateReturn};
use crate::pyrepr::py_str;
use crate::value::truthy;

/// Re-reads a command state's result through the `stateful` protocol.
pub fn reinterpret(mut state: StateReturn) -> Result<StateReturn, StateError> {
    let ret = state.changes().cloned().unwrap_or_default();
    state.set("changes", Value::Object(Map::new()));
    state.set("comment", Value::String(String::new()));
    let out = match ret.get("stdout") {
        Some(v) if truthy(v) => py_str(v),
        _ => {
            if let Some(err) = ret.get("stderr").filter(|e| truthy(e)) {
                state.set("comment", err.clone());
            }
            return Ok(state);
        }
    };
    // Python's `idx`: where the last line starts, in characters (-1: none).
    let mut cut_at = None;
    let (mut data, is_json) = match serde_json::from_str::<Value>(&out) {
        Ok(Value::Object(m)) => (m, true),
        Ok(_) => {
            return Ok(failout(
                state,
                "script JSON output must be a JSON object (e.g., {})!",
            ));
        }
        Err(_) => {
            let idx = out.trim_end().rfind('\n');
            cut_at = idx.map(|i| out[..i].chars().count());
            let last = idx.map_or(out.as_str(), |i| &out[i + 1..]);
            match pairs(last) {
                Some(m) => (m, false),
                None => {
                    let mut state = failout(
                        state,
                        "Failed parsing script output! Stdout must be JSON or a line of name=value pairs.",
                    );
                    state.set("changes", Value::Object(ret));
                    return Ok(state);
                }
            }
        }
    };
    let changed = is_true(
        data.get("changed")
            .cloned()
            .unwrap_or(Value::String("no".into())),
    )?;
    if let Some(c) = data.shift_remove("comment") {
        state.set("comment", c);
    }
    if changed {
        for (k, v) in &ret {
            data.entry(k.clone()).or_insert_with(|| v.clone());
        }
        let stdout = if is_json {
            String::new()
        } else {
            let s = data.get("stdout").map(py_str).unwrap_or_default();
            python_cut(&s, cut_at)
        };
        data.insert("stdout".into(), Value::String(stdout));
        state.set("changes", Value::Object(data));
    }
    Ok(state)
}

fn failout(mut state: StateReturn, msg: &str) -> StateReturn {
    state.set("comment", Value::String(msg.into()));
    state.set("result", Value::Bool(false));
    state
}

/// `s[:idx]` with Python's meaning of `idx == -1` (all but the last char).
fn python_cut(s: &str, idx: Option<usize>) -> String {
    let chars: Vec<char> = s.chars().collect();
    let end = match idx {
        Some(i) => i.min(chars.len()),
        None => chars.len().saturating_sub(1),
    };
    chars[..end].iter().collect()
}

/// `name=value` shell words; `None` when a word is not exactly one pair or
/// the quoting is broken.
fn pairs(line: &str) -> Option<Map<String, Value>> {
    let mut m = Map::new();
    for word in shell_words(line)? {
        let mut parts = word.split('=');
        let (Some(k), Some(v), None) = (parts.next(), parts.next(), parts.next()) else {
            return None;
        };
        m.insert(k.to_owned(), Value::String(v.to_owned()));
    }
    Some(m)
}

/// Salt's `_is_true`.
fn is_true(v: Value) -> Result<bool, StateError> {
    let text = py_str(&v).to_lowercase();
    if truthy(&v) && ["true", "yes", "1"].contains(&text.as_str()) {
        return Ok(true);
    }
    if ["false", "no", "0"].contains(&text.as_str()) {
        return Ok(false);
    }
    Err(StateError::Other(format!(
        "ValueError: Failed parsing boolean value: {}",
        py_str(&v)
    )))
}

/// POSIX shell words as Python's `shlex.split` gives them; `None` on an
/// unclosed quote or a trailing backslash.
pub(crate) fn shell_words(s: &str) -> Option<Vec<String>> {
    crate::shlex::split(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ran(stdout: &str, stderr: &str) -> StateReturn {
        let mut r = StateReturn::new("x", Some(true), "Command \"x\" run");
        let c = json!({"pid": 7, "retcode": 0, "stdout": stdout, "stderr": stderr});
        r.set("changes", c);
        r
    }

    #[test]
    fn json_and_pairs_with_and_without_changes() {
        let r = reinterpret(ran(
            "{\"changed\": true, \"comment\": \"did it\", \"extra\": 1}",
            "",
        ))
        .unwrap();
        assert_eq!(r.comment(), Some("did it"));
        assert_eq!(
            Value::Object(r.changes().unwrap().clone()),
            json!({"changed": true, "extra": 1, "pid": 7, "retcode": 0, "stdout": "", "stderr": ""})
        );
        let r = reinterpret(ran("working\nchanged=no comment='nothing to do'", "")).unwrap();
        assert_eq!(r.comment(), Some("nothing to do"));
        assert!(r.changes().unwrap().is_empty());
        let r = reinterpret(ran("line one\nchanged=yes", "")).unwrap();
        assert_eq!(r.changes().unwrap()["stdout"], json!("line one"));
        assert_eq!(r.changes().unwrap()["changed"], json!("yes"));
        // No newline: Python's [:-1] drops the last character.
        let r = reinterpret(ran("changed=yes", "")).unwrap();
        assert_eq!(r.changes().unwrap()["stdout"], json!("changed=ye"));
    }

    #[test]
    fn bad_output_fails() {
        let r = reinterpret(ran("[1, 2]", "")).unwrap();
        assert_eq!(r.result(), Some(false));
        assert_eq!(
            r.comment(),
            Some("script JSON output must be a JSON object (e.g., {})!")
        );
        let r = reinterpret(ran("just words", "")).unwrap();
        assert_eq!(r.result(), Some(false));
        assert_eq!(r.changes().unwrap()["stdout"], json!("just words"));
        let e = reinterpret(ran("changed=maybe", "")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "ValueError: Failed parsing boolean value: maybe"
        );
        let r = reinterpret(ran("", "only stderr")).unwrap();
        assert_eq!(r.comment(), Some("only stderr"));
    }

    #[test]
    fn words() {
        assert_eq!(
            shell_words("a='b c' \"d\\\"e\" f\\ g").unwrap(),
            ["a=b c", "d\"e", "f g"]
        );
        assert_eq!(shell_words("a 'b"), None);
    }
}
