//! Data-driven comparisons with what Salt 3007 itself makes of YAML.
//!
//! `tests/golden/load/<topic>.cases` hold the inputs (`=== name` sections);
//! `<topic>.json` beside them hold what Salt's YAML renderer loaded from each
//! (or the error it raised), captured by `scripts/capture-yaml-golden.py`
//! (see `tests/golden/README.md`). `tests/golden/dump/` does the same for the
//! dumper and the Jinja filters. The `.cases` files are parsed here too, so a
//! capture that is older than its inputs fails the test.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Load cases where salt-rs words an error differently on purpose: (case,
/// the start of our message).
const MESSAGE_DIFFERS: &[(&str, &str)] = &[
    // PyYAML prints the key's node list; we say what kind of key it was.
    ("sequence-key", "found unacceptable key: a sequence"),
    ("mapping-key", "found unacceptable key: a mapping"),
    ("complex-key-sequence", "found unacceptable key: a sequence"),
    (
        "jinja-leftover",
        "found unacceptable key: a mapping cannot be a mapping key (Jinja's",
    ),
    // libyaml: "found duplicate anchor; first occurrence" ... "second occurrence".
    (
        "anchor-twice",
        "found duplicate anchor 'x'; first occurrence at line 1, column 4",
    ),
];

/// Load cases whose outcome differs from Salt's on purpose (see
/// docs/differences.md): (case, the start of our error message).
const OUTCOME_DIFFERS: &[(&str, &str)] = &[
    // Salt builds a self-containing list; JSON data cannot hold one.
    ("recursive-alias", "found a recursive alias"),
    // Salt gives bytes; only UTF-8 text has a JSON form.
    ("binary-not-utf8", "!!binary data that is not UTF-8 text"),
    // Salt keeps 1 and "1" as two keys; JSON keys are text.
    (
        "int-and-str-keys",
        "found conflicting ID '1': keys 1 and '1'",
    ),
];

/// Documents Salt refuses and salt-rs reads (granit-parser follows YAML
/// 1.2 here, libyaml 1.1): (case, why).
const LENIENT: &[(&str, &str)] = &[
    ("only-document-end", "a lone `...` is an empty stream"),
    (
        "surrogate-pair-escape",
        "`\\ud83d\\ude00` is one emoji, as in JSON",
    ),
    (
        "reserved-directive",
        "unknown `%` directives are ignored, as YAML says",
    ),
    (
        "unicode-line-separator",
        "U+2028 is not a line break in YAML 1.2",
    ),
    ("nel-line-break", "U+0085 is not a line break in YAML 1.2"),
];

/// Syntax errors the parser (granit-parser, not libyaml) reports at another
/// place: (case, our line, our column).
const POSITION_DIFFERS: &[(&str, usize, usize)] = &[
    // libyaml reports the end of the text; we report the bracket left open.
    ("unclosed-flow-sequence", 1, 4),
    ("unclosed-flow-mapping", 1, 1),
    ("unexpected-end-flow", 1, 4),
    // libyaml reports the end of the text; we report the quote that is
    // never closed.
    ("unclosed-double-quote", 1, 4),
    ("unclosed-single-quote", 1, 4),
    ("key-too-long-line", 2, 4),
];

#[test]
fn load_matches_salt() {
    let mut failures = Vec::new();
    let mut used = BTreeSet::new();
    let mut count = 0;
    for path in files("load", ".json") {
        let capture = read_json(&path);
        let inputs = parse_cases(&path.with_extension("cases"));
        let cases = capture["cases"].as_object().expect("cases");
        let names: Vec<&String> = cases.keys().collect();
        let input_names: Vec<&String> = inputs.iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            input_names,
            "{}: recapture (scripts/capture-yaml-golden.py)",
            path.display()
        );
        for ((name, case), (_, input)) in cases.iter().zip(&inputs) {
            count += 1;
            assert_eq!(
                case["input"].as_str(),
                Some(input.as_str()),
                "{name}: input changed, recapture"
            );
            if let Err(why) = check_load(name, case, input, &mut used) {
                failures.push(format!("{}/{name}: {why}\n  input: {input:?}", stem(&path)));
            }
        }
    }
    for (name, ..) in MESSAGE_DIFFERS.iter().map(|(n, m)| (n, m)) {
        assert!(
            used.contains(*name),
            "MESSAGE_DIFFERS names unknown case {name}"
        );
    }
    for (name, _) in OUTCOME_DIFFERS {
        assert!(
            used.contains(*name),
            "OUTCOME_DIFFERS names unknown case {name}"
        );
    }
    for (name, _) in LENIENT {
        assert!(used.contains(*name), "LENIENT names unknown case {name}");
    }
    for (name, ..) in POSITION_DIFFERS {
        assert!(
            used.contains(*name),
            "POSITION_DIFFERS names unknown case {name}"
        );
    }
    assert!(count > 100, "only {count} load cases");
    assert!(
        failures.is_empty(),
        "{} of {count} cases differ from Salt:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn check_load(
    name: &str,
    case: &Value,
    input: &str,
    used: &mut BTreeSet<String>,
) -> Result<(), String> {
    let got = salt_yaml::load(input);
    if let Some((_, msg)) = OUTCOME_DIFFERS.iter().find(|(n, _)| *n == name) {
        used.insert(name.to_owned());
        return match got {
            Err(e) if e.message.starts_with(msg) => Ok(()),
            other => Err(format!("expected our error {msg:?}, got {other:?}")),
        };
    }
    if LENIENT.iter().any(|(n, _)| *n == name) {
        used.insert(name.to_owned());
        assert!(case.get("error").is_some(), "{name}: Salt loads it now");
        return got
            .map(|_| ())
            .map_err(|e| format!("expected data, got {e}"));
    }
    if let Some(want) = case.get("value") {
        let got = got.map_err(|e| format!("Salt loads {}, we fail: {e}", case["repr"]))?;
        return same(want, &got)
            .map_err(|why| format!("{why}\n  salt: {}\n  ours: {got}", case["repr"]));
    }
    let want = &case["error"];
    let Err(e) = got else {
        return Err(format!(
            "Salt fails ({want}), we load {}",
            got.unwrap_or_default()
        ));
    };
    let kind = want["type"].as_str().unwrap_or("");
    let (line, col) = (want["line"].as_u64(), want["col"].as_u64());
    match kind {
        "ConstructorError" | "ComposerError" => {
            let problem = want["problem"].as_str().unwrap_or("");
            let context = want["context"].as_str().unwrap_or("");
            // libyaml's composer puts its words in the context.
            let salt_msg =
                if problem == "second occurrence" || problem == "but found another document" {
                    context
                } else {
                    problem
                };
            let expected = match MESSAGE_DIFFERS.iter().find(|(n, _)| *n == name) {
                Some((_, ours)) => {
                    used.insert(name.to_owned());
                    *ours
                }
                None => salt_msg,
            };
            if !e.message.starts_with(expected) {
                return Err(format!("message {:?}, Salt says {salt_msg:?}", e.message));
            }
            position(name, &e, line, col, true, used)
        }
        "ScannerError" | "ParserError" => position(name, &e, line, col, false, used),
        // Python exceptions Salt lets escape (IndexError, ValueError, ...):
        // any clear error of ours will do.
        _ => Ok(()),
    }
}

fn position(
    name: &str,
    e: &salt_yaml::Error,
    line: Option<u64>,
    col: Option<u64>,
    exact: bool,
    used: &mut BTreeSet<String>,
) -> Result<(), String> {
    if let Some((_, l, c)) = POSITION_DIFFERS.iter().find(|(n, ..)| *n == name) {
        used.insert(name.to_owned());
        return if (e.line, e.col) == (*l, *c) {
            Ok(())
        } else {
            Err(format!(
                "at {}:{}, expected our {l}:{c}: {}",
                e.line, e.col, e.message
            ))
        };
    }
    let want_line = line.and_then(|l| usize::try_from(l).ok());
    let want_col = col.and_then(|c| usize::try_from(c).ok());
    if want_line != Some(e.line) || (exact && want_col != Some(e.col)) {
        return Err(format!(
            "at {}:{}, Salt at {}:{}: {}",
            e.line,
            e.col,
            line.unwrap_or(0),
            col.unwrap_or(0),
            e.message
        ));
    }
    Ok(())
}

/// Whether our value is what Salt loaded, mapping the Python objects JSON
/// cannot hold (tagged `$py` by the capture) to salt-rs's documented forms.
fn same(salt: &Value, ours: &Value) -> Result<(), String> {
    match (salt, ours) {
        (Value::Object(m), _) if m.contains_key("$py") => {
            let kind = m["$py"].as_str().unwrap_or("");
            let want = match kind {
                "float" | "int" => m["repr"].clone(),
                "bytes" => m["utf8"].clone(),
                "set" => {
                    let Value::Object(got) = ours else {
                        return Err(format!("set: expected a mapping, got {ours}"));
                    };
                    let mut keys: Vec<&String> = got.keys().collect();
                    keys.sort();
                    let items: Vec<&str> = m["items"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    let nulls = got.values().all(Value::is_null);
                    return if keys == items && nulls {
                        Ok(())
                    } else {
                        Err(format!("set {items:?} vs {ours}"))
                    };
                }
                other => return Err(format!("no salt-rs form for Python {other}")),
            };
            if &want == ours {
                Ok(())
            } else {
                Err(format!("{kind}: want {want}, got {ours}"))
            }
        }
        (Value::Object(a), Value::Object(b)) => {
            let ka: Vec<&String> = a.keys().collect();
            let kb: Vec<&String> = b.keys().collect();
            if ka != kb {
                return Err(format!("keys {ka:?} vs {kb:?}"));
            }
            a.iter()
                .try_for_each(|(k, v)| same(v, &b[k]).map_err(|e| format!("{k}: {e}")))
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return Err(format!("{} items vs {}", a.len(), b.len()));
            }
            a.iter()
                .zip(b)
                .enumerate()
                .try_for_each(|(i, (x, y))| same(x, y).map_err(|e| format!("[{i}]: {e}")))
        }
        (Value::Number(a), Value::Number(b)) => {
            // Ints stay ints, floats floats (1 and 1.0 differ in Salt).
            let same_kind = a.is_f64() == b.is_f64();
            if same_kind && a.as_f64() == b.as_f64() && a.to_string() == b.to_string() {
                Ok(())
            } else {
                Err(format!("{a} vs {b}"))
            }
        }
        (a, b) if a == b => Ok(()),
        (a, b) => Err(format!("{a} vs {b}")),
    }
}

#[test]
fn dump_matches_salt() {
    let mut failures = Vec::new();
    let mut count = 0;
    for path in files("dump", ".json") {
        if path.to_string_lossy().ends_with(".cases.json") {
            continue;
        }
        let capture = read_json(&path);
        let inputs = read_json(&PathBuf::from(
            path.to_string_lossy().replace(".json", ".cases.json"),
        ));
        let cases = capture["cases"].as_object().expect("cases");
        assert_eq!(
            cases.keys().collect::<Vec<_>>(),
            inputs
                .as_object()
                .expect("inputs")
                .keys()
                .collect::<Vec<_>>(),
            "{}: recapture",
            path.display()
        );
        for (name, case) in cases {
            let input = &inputs[name];
            assert_eq!(&case["input"], input, "{name}: input changed, recapture");
            for (variant, got) in dump_variants(input) {
                count += 1;
                let want = case.pointer(&variant);
                let want_text = want.and_then(Value::as_str);
                if want_text != got.as_deref() {
                    failures.push(format!(
                        "{name} {variant}:\n  salt: {want:?}\n  ours: {got:?}"
                    ));
                }
            }
        }
    }
    assert!(count > 50, "only {count} dump checks");
    assert!(
        failures.is_empty(),
        "{} of {count} dumps differ from Salt:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every way of writing `v` the captures hold, as (JSON pointer into the
/// capture, our text).
fn dump_variants(v: &Value) -> Vec<(String, Option<String>)> {
    use salt_yaml::{DumpOptions, DumpStyle, dump, dump_with, format_yaml};
    let mut out = Vec::new();
    for (name, style) in [
        ("default", DumpStyle::Default),
        ("flow", DumpStyle::Flow),
        ("block", DumpStyle::Block),
    ] {
        out.push((format!("/dict/{name}"), Some(dump(v, style))));
        let ordered = DumpOptions {
            style,
            sort_keys: false,
            ..DumpOptions::default()
        };
        out.push((format!("/ordered/{name}"), Some(dump_with(v, &ordered))));
    }
    out.push(("/dict/yaml_filter".into(), Some(format_yaml(v, true))));
    out.push((
        "/dict/yaml_filter_false".into(),
        Some(format_yaml(v, false)),
    ));
    match salt_yaml::yaml_encode(v) {
        Ok(text) => out.push(("/dict/yaml_encode".into(), Some(text))),
        Err(e) => out.push(("/dict/yaml_encode_error".into(), Some(e.to_string()))),
    }
    if let Value::String(s) = v {
        out.push(("/dict/yaml_dquote".into(), Some(salt_yaml::yaml_dquote(s))));
        out.push(("/dict/yaml_squote".into(), Some(salt_yaml::yaml_squote(s))));
    }
    out
}

fn golden_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(kind)
}

fn files(kind: &str, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(golden_dir(kind))
        .expect("golden dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(ext))
        .collect();
    out.sort();
    out
}

fn stem(p: &Path) -> String {
    p.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn read_json(p: &Path) -> Value {
    let text = fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The `.cases` format (see the capture script): `=== name [escaped] [-eol]`
/// headers, each followed by its text.
fn parse_cases(p: &Path) -> Vec<(String, String)> {
    let text = fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut out: Vec<(String, String)> = Vec::new();
    let mut current: Option<(String, Vec<String>, String)> = None;
    let finish = |c: Option<(String, Vec<String>, String)>, out: &mut Vec<(String, String)>| {
        if let Some((name, flags, mut body)) = c {
            if flags.iter().any(|f| f == "-eol") && body.ends_with('\n') {
                body.pop();
            }
            if flags.iter().any(|f| f == "escaped") {
                body = unescape(&body);
            }
            out.push((name, body));
        }
    };
    for line in text.split_inclusive('\n') {
        if let Some(header) = line.strip_prefix("=== ") {
            finish(current.take(), &mut out);
            let mut words = header.split_whitespace().map(str::to_owned);
            let name = words.next().unwrap_or_default();
            current = Some((name, words.collect(), String::new()));
        } else if let Some((_, _, body)) = current.as_mut() {
            body.push_str(line);
        }
    }
    finish(current, &mut out);
    out
}

/// Python's `unicode_escape` for the escapes the case files use.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some('0') => out.push('\0'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                out.push(
                    u32::from_str_radix(&hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('\u{fffd}'),
                );
            }
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                out.push(
                    u32::from_str_radix(&hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('\u{fffd}'),
                );
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}
