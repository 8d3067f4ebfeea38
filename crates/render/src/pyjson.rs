//! Python's `json.dumps` over template values, for Salt's `json` and
//! `tojson` filters: `", "` and `": "` separators (`","` between items when
//! indenting), optional key sorting, `ensure_ascii` escapes, floats as
//! Python's `repr`, `NaN`/`Infinity` as Python writes them.

use std::fmt::Write as _;

use minijinja::value::{Value, ValueKind};
use minijinja::{Error, ErrorKind};

use crate::pyrepr;
use crate::value::map_entries;

/// `json.dumps` options the filters use.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonOpts {
    /// `sort_keys=True`.
    pub sort_keys: bool,
    /// `indent=N`.
    pub indent: Option<usize>,
    /// `ensure_ascii=True`: every non-ASCII character as `\uXXXX`.
    pub ensure_ascii: bool,
}

/// `json.dumps(value, ...)`.
pub fn dumps(value: &Value, o: &JsonOpts) -> Result<String, Error> {
    let mut out = String::new();
    write_value(value, o, 0, &mut out)?;
    Ok(out)
}

/// A JSON string literal with Python's escapes.
pub fn quote(s: &str, ensure_ascii: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if ensure_ascii && !(' '..='~').contains(&c) => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn write_value(value: &Value, o: &JsonOpts, depth: usize, out: &mut String) -> Result<(), Error> {
    if depth > 500 {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "ValueError: Circular reference detected",
        ));
    }
    match value.kind() {
        ValueKind::Undefined => {
            return Err(Error::new(
                ErrorKind::UndefinedError,
                "undefined value cannot be serialized to JSON",
            ));
        }
        ValueKind::None => out.push_str("null"),
        ValueKind::Bool => out.push_str(if value.is_true() { "true" } else { "false" }),
        ValueKind::Number => {
            if value.is_integer() {
                out.push_str(&value.to_string());
            } else {
                let f = f64::try_from(value.clone())?;
                if f.is_nan() {
                    out.push_str("NaN");
                } else if f.is_infinite() {
                    out.push_str(if f > 0.0 { "Infinity" } else { "-Infinity" });
                } else {
                    out.push_str(&pyrepr::number_repr(value));
                }
            }
        }
        ValueKind::String => out.push_str(&quote(value.as_str().unwrap_or(""), o.ensure_ascii)),
        ValueKind::Map => {
            let mut entries = map_entries(value)?;
            if o.sort_keys {
                entries.sort_by(|a, b| a.0.cmp(&b.0));
            }
            if entries.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                separator(o, depth + 1, i, out);
                out.push_str(&quote(&key_text(k)?, o.ensure_ascii));
                out.push_str(": ");
                write_value(v, o, depth + 1, out)?;
            }
            close(o, depth, out);
            out.push('}');
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let items: Vec<Value> = value.try_iter()?.collect();
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                separator(o, depth + 1, i, out);
                write_value(v, o, depth + 1, out)?;
            }
            close(o, depth, out);
            out.push(']');
        }
        _ => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "TypeError: Object of type {} is not JSON serializable",
                    pyrepr::type_name(value)
                ),
            ));
        }
    }
    Ok(())
}

/// Python's JSON key conversion: strings as they are, `True` as `true`,
/// numbers as their text, `None` as `null`.
fn key_text(k: &Value) -> Result<String, Error> {
    Ok(match k.kind() {
        ValueKind::String => k.as_str().unwrap_or("").to_owned(),
        ValueKind::Bool => if k.is_true() { "true" } else { "false" }.to_owned(),
        ValueKind::None => "null".to_owned(),
        ValueKind::Number => pyrepr::number_repr(k),
        _ => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "TypeError: keys must be str, int, float, bool or None, not {}",
                    pyrepr::type_name(k)
                ),
            ));
        }
    })
}

fn separator(o: &JsonOpts, depth: usize, i: usize, out: &mut String) {
    match o.indent {
        Some(n) => {
            if i > 0 {
                out.push(',');
            }
            out.push('\n');
            out.push_str(&" ".repeat(n * depth));
        }
        None => {
            if i > 0 {
                out.push_str(", ");
            }
        }
    }
}

fn close(o: &JsonOpts, depth: usize, out: &mut String) {
    if let Some(n) = o.indent {
        out.push('\n');
        out.push_str(&" ".repeat(n * depth));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn like_python() {
        let v = crate::value::from_json(&json!({"b": [1, 2.5, null, true, "é"], "a": {}}));
        let o = JsonOpts {
            sort_keys: true,
            ..JsonOpts::default()
        };
        assert_eq!(
            dumps(&v, &o).unwrap(),
            r#"{"a": {}, "b": [1, 2.5, null, true, "é"]}"#
        );
        let o = JsonOpts {
            indent: Some(2),
            ensure_ascii: true,
            ..JsonOpts::default()
        };
        assert_eq!(
            dumps(&v, &o).unwrap(),
            "{\n  \"b\": [\n    1,\n    2.5,\n    null,\n    true,\n    \"\\u00e9\"\n  ],\n  \"a\": {}\n}"
        );
        assert_eq!(quote("😀", true), "\"\\ud83d\\ude00\"");
    }
}
