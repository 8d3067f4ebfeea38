//! Python 3's `repr()`, `str()`, `bool()` and type names of JSON-like values.
//!
//! Salt formats data into its messages, tags and outputs with Python's
//! formatting (`['a', 'b']`, `{'test': 'x'}`, `True`, `None`); reproducing it
//! keeps our texts byte-identical to Salt's. This is the one implementation,
//! shared by salt-output, salt-target, salt-state and the crates above them.
//!
//! Data reaches Salt as plain Python objects (dict, list, str, int, float,
//! bool, None); the shapes here mirror how Python prints them.

use serde_json::{Number, Value};

use crate::printable_table::NON_PRINTABLE;
pub use crate::pyfloat::float_repr;

/// Python `repr(value)`: dicts in insertion order as `{'k': v}`, lists as
/// `[a, b]`, `True`/`False`/`None`, ints, floats in shortest round-trip form.
pub fn repr(value: &Value) -> String {
    let mut out = String::new();
    write_repr(value, &mut out);
    out
}

/// Python `str(value)`: a string is itself, everything else is its `repr`.
pub fn str_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => repr(other),
    }
}

/// Python `repr()` of a `str`: single quotes unless the text holds a single
/// quote and no double quote; backslash escapes for quotes, backslashes,
/// `\t` `\n` `\r` and every character Python deems non-printable.
pub fn repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_printable(c) => out.push(c),
            c => {
                let cp = u32::from(c);
                if cp <= 0xff {
                    out.push_str(&format!("\\x{cp:02x}"));
                } else if cp <= 0xffff {
                    out.push_str(&format!("\\u{cp:04x}"));
                } else {
                    out.push_str(&format!("\\U{cp:08x}"));
                }
            }
        }
    }
    out.push(quote);
    out
}

/// Python `repr()` of a JSON number (int or float).
pub fn number_repr(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        float_repr(n.as_f64().unwrap_or(f64::NAN))
    }
}

/// Python `str.isprintable()` for one character (Unicode 14, as Python 3.11).
pub fn is_printable(c: char) -> bool {
    let cp = u32::from(c);
    NON_PRINTABLE
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_err()
}

/// Python `bool(value)`: `None`, `False`, zero and empty strings, lists and
/// dicts are false; everything else is true.
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
    }
}

/// What Python's `for x in value` gives: a list's items, a string's
/// characters, a dict's keys; `None` for what is not iterable.
pub fn iter_items(value: &Value) -> Option<Vec<Value>> {
    match value {
        Value::Array(a) => Some(a.clone()),
        Value::String(s) => Some(s.chars().map(|c| Value::String(c.into())).collect()),
        Value::Object(m) => Some(m.keys().map(|k| Value::String(k.clone())).collect()),
        _ => None,
    }
}

/// Python's name of the value's type (`str`, `int`, `list`, ...).
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

fn write_repr(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => out.push_str(&number_repr(n)),
        Value::String(s) => out.push_str(&repr_str(s)),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&repr_str(k));
                out.push_str(": ");
                write_repr(v, out);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn string_quoting_follows_python() {
        assert_eq!(repr_str("abc"), "'abc'");
        assert_eq!(repr_str(""), "''");
        assert_eq!(repr_str("it's"), "\"it's\"");
        assert_eq!(repr_str("say \"hi\""), "'say \"hi\"'");
        assert_eq!(repr_str("it's \"x\""), "'it\\'s \"x\"'");
        assert_eq!(repr_str("a\\b"), "'a\\\\b'");
        assert_eq!(repr_str("t\tn\nr\r"), "'t\\tn\\nr\\r'");
    }

    #[test]
    fn string_escapes_non_printable_like_python() {
        // Values checked against CPython 3.11 repr().
        assert_eq!(repr_str("\u{0}\u{1b}\u{7f}"), "'\\x00\\x1b\\x7f'");
        assert_eq!(repr_str("\u{a0}\u{ad}"), "'\\xa0\\xad'");
        assert_eq!(repr_str("\u{200b}\u{2028}"), "'\\u200b\\u2028'");
        assert_eq!(repr_str("\u{e000}"), "'\\ue000'");
        assert_eq!(repr_str("\u{f0000}"), "'\\U000f0000'");
        assert_eq!(repr_str("\u{e0001}"), "'\\U000e0001'");
        // Printable non-ASCII stays as is.
        assert_eq!(repr_str("é日本😀"), "'é日本😀'");
        assert_eq!(repr_str("\u{3000}"), "'\\u3000'");
    }

    #[test]
    fn floats_like_python_repr() {
        let cases = [
            (1.0, "1.0"),
            (-1.5, "-1.5"),
            (0.1, "0.1"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.2345e16, "1.2345e+16"),
            (123456789.125, "123456789.125"),
            (1e300, "1e+300"),
            (2.5e-300, "2.5e-300"),
            (45.787, "45.787"),
            (1.0 / 3.0, "0.3333333333333333"),
            (f64::MAX, "1.7976931348623157e+308"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (f, want) in cases {
            assert_eq!(float_repr(f), want, "{f:e}");
        }
    }

    #[test]
    fn containers_and_scalars() {
        let v = json!({"b": [1, 2.0, null, true, false], "a": {"x": "y"}, "e": {}, "l": []});
        assert_eq!(
            repr(&v),
            "{'b': [1, 2.0, None, True, False], 'a': {'x': 'y'}, 'e': {}, 'l': []}"
        );
        assert_eq!(repr(&json!(u64::MAX)), "18446744073709551615");
        assert_eq!(repr(&json!(-7)), "-7");
        assert_eq!(str_of(&json!("plain")), "plain");
        assert_eq!(str_of(&json!(["plain"])), "['plain']");
    }

    #[test]
    fn printable_table_edges() {
        assert!(is_printable(' '));
        assert!(is_printable('~'));
        assert!(!is_printable('\u{7f}'));
        assert!(!is_printable('\u{a0}'));
        assert!(is_printable('\u{a1}'));
        assert!(!is_printable('\u{10ffff}'));
    }

    #[test]
    fn truthiness_and_type_names() {
        assert!(!truthy(&json!(null)) && !truthy(&json!(0)) && !truthy(&json!("")));
        assert!(!truthy(&json!(0.0)) && !truthy(&json!([])) && !truthy(&json!({})));
        assert!(truthy(&json!("x")) && truthy(&json!(1)) && truthy(&json!({"a": 1})));
        assert_eq!(type_name(&json!(42)), "int");
        assert_eq!(type_name(&json!(1.5)), "float");
        assert_eq!(type_name(&json!([1])), "list");
        assert_eq!(type_name(&json!(null)), "NoneType");
        assert_eq!(iter_items(&json!("ab")), Some(vec![json!("a"), json!("b")]));
        assert_eq!(iter_items(&json!({"k": 1})), Some(vec![json!("k")]));
        assert_eq!(iter_items(&json!(1)), None);
    }
}
