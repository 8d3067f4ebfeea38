//! What legitimately differs between two runs of the same states, masked
//! the same way on Salt's side and on ours, and comparisons that report
//! every difference readably. Every golden test that checks salt-rs
//! against captures of the real Salt uses these: salt-state's in-process
//! ones (`crates/state/tests/`) and the end-to-end harness
//! (`tests/e2e/golden_trees.rs`), so that both mask exactly the same.
//!
//! Masked: `start_time` / `duration` values, `pid` values, the times of
//! the highstate text; normalised: Python tracebacks reduced to the
//! exception and its message (salt-rs has no traceback to show), the list
//! of "One or more requisite failed: ..." sorted (Salt builds it from a
//! set). [`file_run`] adds what the `file.*` states need (paths under a
//! case directory, orders Salt takes from sets and directory walks).

use std::fmt::Write as _;

use serde_json::{Map, Value};

/// What masked times read as.
pub const TIME: &str = "<time>";

/// A state run's return (`tag -> result`) with times masked, tracebacks
/// reduced and failed-requisite lists sorted. Anything else (a list of
/// compile errors, a string) comes back unchanged.
pub fn state_run(v: &Value) -> Value {
    let Value::Object(m) = v else {
        return v.clone();
    };
    let mut out = Map::new();
    for (tag, ret) in m {
        let Value::Object(ret) = ret else {
            out.insert(tag.clone(), ret.clone());
            continue;
        };
        let mut r = Map::new();
        for (k, val) in ret {
            let val = match (k.as_str(), val) {
                ("start_time" | "duration", _) => Value::String(TIME.into()),
                ("comment", Value::String(c)) => Value::String(comment(c)),
                _ => val.clone(),
            };
            r.insert(k.clone(), val);
        }
        out.insert(tag.clone(), Value::Object(r));
    }
    Value::Object(out)
}

/// `pid` values (of `cmd.*` changes, anywhere in the value) masked.
pub fn pids(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, val)| {
                    let val = if k == "pid" && val.is_number() {
                        Value::String("<pid>".into())
                    } else {
                        pids(val)
                    };
                    (k.clone(), val)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(pids).collect()),
        other => other.clone(),
    }
}

/// [`state_run`] for the `file.*` states run in a case directory `dir`:
/// `dir` reads `<DIR>`, path-keyed entries of `changes` (and `removed`
/// lists) are sorted, and so are the `#### path ####` blocks of
/// `file.recurse` comments (Salt walks sets and directories in an order of
/// its own).
pub fn file_run(v: &Value, dir: &str) -> Value {
    let text = serde_json::to_string(&state_run(v))
        .unwrap_or_default()
        .replace(dir, "<DIR>");
    let mut v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        for r in m.values_mut() {
            if let Some(Value::Object(ch)) = r.get_mut("changes") {
                sort_paths(ch);
            }
            if let Some(Value::String(c)) = r.get_mut("comment")
                && c.starts_with("#### ")
            {
                *c = sort_blocks(c);
            }
        }
    }
    v
}

/// The highstate outputter's text with what changes from run to run
/// masked: start times, durations (also the tabular `[ 0.3 ms]` column),
/// the total run time, pids of `cmd.*` changes; failed-requisite lists
/// sorted. Works with and without colour codes.
pub fn highstate_text(text: &str) -> String {
    use std::sync::LazyLock;
    static RULES: LazyLock<Vec<(regex::Regex, &'static str)>> = LazyLock::new(|| {
        [
            (r"\d{2}:\d{2}:\d{2}\.\d{6}", "<T>"),
            (r"Duration: [0-9.,]+ ms", "Duration: <D>"),
            (r"Total run time: +[0-9.,]+ m?s", "Total run time: <D>"),
            (r"\[ *[0-9.,]+ ms\]", "[<D>]"),
            (
                r"(pid(?:\x1b\[[0-9;]*m)*:\n *(?:\x1b\[[0-9;]*m)*)\d+",
                "${1}<PID>",
            ),
        ]
        .into_iter()
        .map(|(re, to)| (regex::Regex::new(re).expect("valid mask"), to))
        .collect()
    });
    let mut out = text.to_owned();
    for (re, to) in RULES.iter() {
        out = re.replace_all(&out, *to).into_owned();
    }
    out.split_inclusive('\n').map(sorted_failed_line).collect()
}

/// Ok when `got` equals `want` (key order included); else every
/// difference, one per line, with its JSON path (at most 40).
pub fn compare_json(label: &str, want: &Value, got: &Value) -> Result<(), String> {
    let mut diffs = Vec::new();
    json_diff("$", want, got, &mut diffs);
    if diffs.is_empty() {
        return Ok(());
    }
    let n = diffs.len();
    diffs.truncate(40);
    let mut msg = format!("{label}: {n} difference(s) from Salt\n");
    for d in &diffs {
        let _ = writeln!(msg, "  {d}");
    }
    if n > diffs.len() {
        let _ = writeln!(msg, "  ... and {} more", n - diffs.len());
    }
    Err(msg)
}

/// Ok when the texts are equal; else a unified diff (`-` Salt, `+` ours).
pub fn compare_text(label: &str, want: &str, got: &str) -> Result<(), String> {
    if want == got {
        return Ok(());
    }
    Err(format!(
        "{label}: the text differs from Salt's (- Salt, + ours)\n{}",
        unified_diff(want, got, 3)
    ))
}

/// A line diff of `a` (`-`) and `b` (`+`) with `context` lines around
/// each change, hunks headed `@@ line N @@`.
pub fn unified_diff(a: &str, b: &str, context: usize) -> String {
    let a: Vec<&str> = a.lines().collect();
    let b: Vec<&str> = b.lines().collect();
    let ops = diff_ops(&a, &b);
    // Keep the lines within `context` of a change.
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, o)| !matches!(o, Op::Same(..)))
        .map(|(i, _)| i)
        .collect();
    let mut keep = vec![false; ops.len()];
    for &i in &changed {
        let from = i.saturating_sub(context);
        let to = (i + context + 1).min(ops.len());
        keep[from..to].iter_mut().for_each(|k| *k = true);
    }
    let mut out = String::new();
    let mut last_kept = None;
    let mut shown = 0;
    for (i, op) in ops.iter().enumerate() {
        if !keep[i] {
            continue;
        }
        if last_kept != i.checked_sub(1) || last_kept.is_none() {
            let line = match op {
                Op::Same(x) | Op::Del(x) => x + 1,
                Op::Add(y) => *y + 1,
            };
            let _ = writeln!(out, "@@ line {line} @@");
        }
        last_kept = Some(i);
        shown += 1;
        if shown > 400 {
            out.push_str("... (diff cut at 400 lines)\n");
            break;
        }
        let _ = match op {
            Op::Same(x) => writeln!(out, " {}", a[*x]),
            Op::Del(x) => writeln!(out, "-{}", a[*x]),
            Op::Add(y) => writeln!(out, "+{}", b[*y]),
        };
    }
    out
}

fn comment(c: &str) -> String {
    const EXC: &str = "An exception occurred in this state: ";
    if let Some(tb) = c.strip_prefix(EXC).filter(|t| t.starts_with("Traceback")) {
        return format!("{EXC}{}", exception_of(tb));
    }
    sorted_failed(c).unwrap_or_else(|| c.to_owned())
}

/// The exception and its message (which may span lines, like a render
/// error's context block) at the end of a Python traceback, without
/// `salt.exceptions.`.
fn exception_of(tb: &str) -> String {
    let is_exc_line = |l: &str| {
        !l.starts_with(' ')
            && l.split(": ").next().is_some_and(|h| {
                l.contains(": ") && (h.ends_with("Error") || h.ends_with("Exception"))
            })
    };
    let lines: Vec<&str> = tb.lines().collect();
    let start = lines
        .iter()
        .rposition(|l| is_exc_line(l))
        .unwrap_or(lines.len().saturating_sub(1));
    let text = lines[start..].join("\n");
    text.trim_start_matches("salt.exceptions.").to_owned()
}

const FAILED: &str = "One or more requisite failed: ";

/// "One or more requisite failed: b, a" with the list sorted.
fn sorted_failed(c: &str) -> Option<String> {
    let list = c.strip_prefix(FAILED)?;
    let mut items: Vec<&str> = list.split(", ").collect();
    items.sort_unstable();
    Some(format!("{FAILED}{}", items.join(", ")))
}

/// A highstate text line holding a failed-requisite list, sorted (colour
/// codes and the line end kept).
fn sorted_failed_line(line: &str) -> String {
    let Some(at) = line.find(FAILED) else {
        return line.to_owned();
    };
    let (head, rest) = line.split_at(at);
    let body_end = rest
        .find('\x1b')
        .or_else(|| rest.find('\n'))
        .unwrap_or(rest.len());
    let (body, tail) = rest.split_at(body_end);
    let body = sorted_failed(body).unwrap_or_else(|| body.to_owned());
    format!("{head}{body}{tail}")
}

/// `#### path ####` blocks sorted, and each `removed` block's lines.
fn sort_blocks(c: &str) -> String {
    let body = c.trim_start_matches("#### ").to_owned();
    let mut blocks: Vec<String> = body
        .split("\n\n#### ")
        .map(|b| match b.trim_end().strip_prefix("removed ####\n") {
            Some(list) => {
                let mut l: Vec<&str> = list.lines().collect();
                l.sort_unstable();
                format!("removed ####\n{}", l.join("\n"))
            }
            None => b.trim_end().to_owned(),
        })
        .collect();
    blocks.sort_unstable();
    format!("#### {}", blocks.join("\n\n#### "))
}

/// Path keys (and `removed` lists) sorted; other keys stay where they are.
fn sort_paths(m: &mut Map<String, Value>) {
    let is_path = |k: &str| k.starts_with('/') || k.starts_with("<DIR>");
    let mut paths: Vec<(String, Value)> = m
        .iter()
        .filter(|(k, _)| is_path(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    paths.sort_by(|a, b| a.0.cmp(&b.0));
    let mut sorted = paths.into_iter();
    let mut out = Map::new();
    for (k, v) in m.iter() {
        if is_path(k) {
            if let Some((pk, pv)) = sorted.next() {
                out.insert(pk, pv);
            }
        } else {
            out.insert(k.clone(), v.clone());
        }
    }
    for v in out.values_mut() {
        match v {
            Value::Array(a) => a.sort_by_key(|x| x.to_string()),
            Value::Object(inner) => {
                if let Some(Value::Array(a)) = inner.get_mut("removed") {
                    a.sort_by_key(|x| x.to_string());
                }
            }
            _ => {}
        }
    }
    *m = out;
}

/// Appends one line per difference between `want` and `got` under `path`.
fn json_diff(path: &str, want: &Value, got: &Value, out: &mut Vec<String>) {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (k, wv) in w {
                let p = format!("{path}[{}]", Value::String(k.clone()));
                match g.get(k) {
                    Some(gv) => json_diff(&p, wv, gv, out),
                    None => out.push(format!("{p}: missing in ours (Salt: {})", short(wv))),
                }
            }
            for (k, gv) in g {
                if !w.contains_key(k) {
                    let p = format!("{path}[{}]", Value::String(k.clone()));
                    out.push(format!("{p}: only in ours: {}", short(gv)));
                }
            }
            let wk: Vec<&String> = w.keys().filter(|k| g.contains_key(*k)).collect();
            let gk: Vec<&String> = g.keys().filter(|k| w.contains_key(*k)).collect();
            if wk != gk {
                out.push(format!(
                    "{path}: key order differs\n      Salt: {}\n      ours: {}",
                    short_keys(&wk),
                    short_keys(&gk)
                ));
            }
        }
        (Value::Array(w), Value::Array(g)) => {
            if w.len() != g.len() {
                out.push(format!(
                    "{path}: {} item(s) in Salt's list, {} in ours",
                    w.len(),
                    g.len()
                ));
            }
            for (i, (wv, gv)) in w.iter().zip(g).enumerate() {
                json_diff(&format!("{path}[{i}]"), wv, gv, out);
            }
            for (i, wv) in w.iter().enumerate().skip(g.len()) {
                out.push(format!(
                    "{path}[{i}]: missing in ours (Salt: {})",
                    short(wv)
                ));
            }
            for (i, gv) in g.iter().enumerate().skip(w.len()) {
                out.push(format!("{path}[{i}]: only in ours: {}", short(gv)));
            }
        }
        (Value::String(w), Value::String(g))
            if w != g && (w.contains('\n') || g.contains('\n')) =>
        {
            let diff = unified_diff(w, g, 2);
            let diff: String = diff.lines().map(|l| format!("\n      {l}")).collect();
            out.push(format!("{path}: strings differ (- Salt, + ours):{diff}"));
        }
        _ if want != got => out.push(format!(
            "{path}:\n      Salt: {}\n      ours: {}",
            short(want),
            short(got)
        )),
        _ => {}
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 400 {
        let cut: String = s.chars().take(400).collect();
        format!("{cut}...")
    } else {
        s
    }
}

fn short_keys(k: &[&String]) -> String {
    short(&Value::Array(
        k.iter().map(|s| Value::String((*s).clone())).collect(),
    ))
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Same(usize),
    Del(usize),
    Add(usize),
}

/// The edit script of two line lists: the common prefix and suffix as
/// they are, the middle by longest common subsequence (or all removed and
/// added when it is too big for that).
fn diff_ops(a: &[&str], b: &[&str]) -> Vec<Op> {
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..]
        .iter()
        .rev()
        .zip(b[pre..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    let mut ops: Vec<Op> = (0..pre).map(Op::Same).collect();
    if am.len().saturating_mul(bm.len()) <= 4_000_000 {
        // lcs[i][j]: LCS length of am[i..] and bm[j..].
        let w = bm.len() + 1;
        let mut lcs = vec![0u32; (am.len() + 1) * w];
        for i in (0..am.len()).rev() {
            for j in (0..bm.len()).rev() {
                lcs[i * w + j] = if am[i] == bm[j] {
                    lcs[(i + 1) * w + j + 1] + 1
                } else {
                    lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < am.len() || j < bm.len() {
            if i < am.len() && j < bm.len() && am[i] == bm[j] {
                ops.push(Op::Same(pre + i));
                i += 1;
                j += 1;
            } else if i < am.len() && (j == bm.len() || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])
            {
                // Removals before additions, as diff prints them.
                ops.push(Op::Del(pre + i));
                i += 1;
            } else {
                ops.push(Op::Add(pre + j));
                j += 1;
            }
        }
    } else {
        ops.extend((0..am.len()).map(|i| Op::Del(pre + i)));
        ops.extend((0..bm.len()).map(|j| Op::Add(pre + j)));
    }
    let a0 = a.len() - suf;
    ops.extend((0..suf).map(|k| Op::Same(a0 + k)));
    ops
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn runs_mask_times_tracebacks_and_failed_lists() {
        let v = json!({"t": {"start_time": "10:00:00.1", "duration": 3.5,
            "comment": "One or more requisite failed: b, a",
            "changes": {"pid": 42}}});
        let got = pids(&state_run(&v));
        assert_eq!(
            got,
            json!({"t": {"start_time": TIME, "duration": TIME,
                "comment": "One or more requisite failed: a, b",
                "changes": {"pid": "<pid>"}}})
        );
        let tb = json!({"t": {"comment": "An exception occurred in this state: Traceback (most recent call last):\n  File \"x\", line 1\n    raise X\nsalt.exceptions.CommandExecutionError: bad\nthing\n"}});
        assert_eq!(
            state_run(&tb)["t"]["comment"],
            json!("An exception occurred in this state: CommandExecutionError: bad\nthing")
        );
    }

    #[test]
    fn highstate_text_masks_times_with_and_without_colour() {
        let t = "     Started: 16:22:32.271313\n    Duration: 0.319 ms\n\x1b[0;36m Started: 16:22:32.271313\x1b[0;0m\nTotal run time:   2.351 ms\n\x1b[0;36m16:22:36.826328 [  0.327 ms]  x\x1b[0;0m\n                  pid:\n                      4242\n Comment: One or more requisite failed: z, a\n";
        assert_eq!(
            highstate_text(t),
            "     Started: <T>\n    Duration: <D>\n\x1b[0;36m Started: <T>\x1b[0;0m\nTotal run time: <D>\n\x1b[0;36m<T> [<D>]  x\x1b[0;0m\n                  pid:\n                      <PID>\n Comment: One or more requisite failed: a, z\n"
        );
    }

    #[test]
    fn json_differences_are_all_listed_with_paths() {
        let want = json!({"a": 1, "b": [1, 2], "c": {"x": 1, "y": 2}, "d": "l1\nl2"});
        let got = json!({"a": 2, "b": [1], "c": {"y": 2, "x": 1}, "e": 0, "d": "l1\nl3"});
        let err = compare_json("show", &want, &got).unwrap_err();
        for part in [
            "$[\"a\"]:\n      Salt: 1\n      ours: 2",
            "$[\"b\"]: 2 item(s) in Salt's list, 1 in ours",
            "$[\"b\"][1]: missing in ours (Salt: 2)",
            "$[\"c\"]: key order differs",
            "$[\"e\"]: only in ours: 0",
            "-l2",
            "+l3",
        ] {
            assert!(err.contains(part), "{part:?} not in:\n{err}");
        }
        assert!(compare_json("same", &want, &want).is_ok());
    }

    #[test]
    fn unified_diff_shows_hunks_with_context() {
        let a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        assert_eq!(unified_diff(a, b, 1), "@@ line 4 @@\n 4\n-5\n+five\n 6\n");
    }

    #[test]
    fn file_runs_sort_paths_and_blocks() {
        let v = json!({"t": {"changes": {"/d/b": 1, "note": 0, "/d/a": 2},
            "comment": "#### /d/z ####\nx\n\n#### /d/a ####\ny"}});
        let got = file_run(&v, "/d");
        assert_eq!(
            serde_json::to_string(&got["t"]["changes"]).unwrap(),
            r#"{"<DIR>/a":2,"note":0,"<DIR>/b":1}"#
        );
        assert_eq!(
            got["t"]["comment"],
            json!("#### <DIR>/a ####\ny\n\n#### <DIR>/z ####\nx")
        );
    }
}
