//! Salt's `json` outputter: Python's `json.dumps(data, default=repr,
//! indent=N, ensure_ascii=False)`, written by hand because Python's layout
//! differs from serde_json's (`", "`/`": "` separators when compact, `1e+16`
//! style floats, non-ASCII kept as is).

use serde_json::Value;

use crate::pyrepr;

/// Serialises like Python's `json.dumps`. `indent` is `None` for the single
/// line form, `Some(n)` for `n` spaces per level (`Some(0)` puts every item on
/// its own line without indentation, as Python does).
pub(crate) fn dumps(value: &Value, indent: Option<usize>) -> String {
    let mut out = String::new();
    write(value, indent, 0, &mut out);
    out
}

fn write(value: &Value, indent: Option<usize>, level: usize, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => string(s, out),
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                separator(i, indent, level + 1, out);
                write(item, indent, level + 1, out);
            }
            close(indent, level, out);
            out.push(']');
        }
        Value::Object(map) => {
            if map.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                separator(i, indent, level + 1, out);
                string(k, out);
                out.push_str(": ");
                write(v, indent, level + 1, out);
            }
            close(indent, level, out);
            out.push('}');
        }
    }
}

fn separator(index: usize, indent: Option<usize>, level: usize, out: &mut String) {
    match indent {
        None => {
            if index > 0 {
                out.push_str(", ");
            }
        }
        Some(width) => {
            if index > 0 {
                out.push(',');
            }
            out.push('\n');
            out.push_str(&" ".repeat(width * level));
        }
    }
}

fn close(indent: Option<usize>, level: usize, out: &mut String) {
    if let Some(width) = indent {
        out.push('\n');
        out.push_str(&" ".repeat(width * level));
    }
}

fn number(n: &serde_json::Number) -> String {
    if n.is_f64() {
        let f = n.as_f64().unwrap_or(f64::NAN);
        if f.is_nan() {
            "NaN".to_owned()
        } else if f.is_infinite() {
            if f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
        } else {
            pyrepr::float_repr(f)
        }
    } else {
        pyrepr::number_repr(n)
    }
}

fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn indented_layout_matches_python() {
        let v = json!({"a": [1, {"b": null}], "c": {}, "d": [], "e": "x"});
        assert_eq!(
            dumps(&v, Some(4)),
            "{\n    \"a\": [\n        1,\n        {\n            \"b\": null\n        }\n    ],\n    \"c\": {},\n    \"d\": [],\n    \"e\": \"x\"\n}"
        );
    }

    #[test]
    fn compact_uses_python_separators() {
        let v = json!({"a": [1, 2], "b": {"c": true}});
        assert_eq!(dumps(&v, None), "{\"a\": [1, 2], \"b\": {\"c\": true}}");
    }

    #[test]
    fn zero_indent_breaks_lines_without_spaces() {
        let v = json!({"a": [1, 2]});
        assert_eq!(dumps(&v, Some(0)), "{\n\"a\": [\n1,\n2\n]\n}");
    }

    #[test]
    fn strings_escape_like_python_without_ascii_escaping() {
        let v = json!("q\" b\\ \n\r\t\u{8}\u{c}\u{1}\u{7f} é 😀");
        assert_eq!(
            dumps(&v, None),
            "\"q\\\" b\\\\ \\n\\r\\t\\b\\f\\u0001\u{7f} é 😀\""
        );
    }

    #[test]
    fn numbers_like_python() {
        let v = json!([1.0, 1e16, 0.00001, -3, 18446744073709551615u64, 45.787]);
        assert_eq!(
            dumps(&v, None),
            "[1.0, 1e+16, 1e-05, -3, 18446744073709551615, 45.787]"
        );
    }
}
