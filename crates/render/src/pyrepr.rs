//! Python's `repr()` and `str()` of template values.
//!
//! SLS files print data straight into YAML (`{{ pillar['users'] }}`,
//! `{{ some_list }}`), and what lands there is Python's text for the value:
//! `{'a': 1}`, `['x', 'y']`, `True`, `None`. The string and float rules come
//! from `salt_output::pyrepr`, shared with the outputters.

use minijinja::value::{Value, ValueKind};
use salt_output::pyrepr::{float_repr, repr_str};

/// Python `repr(value)`.
pub fn repr(value: &Value) -> String {
    let mut out = String::new();
    write_repr(value, &mut out, 0);
    out
}

/// Python `str(value)`: strings as they are, everything else its `repr`.
pub fn str_of(value: &Value) -> String {
    match (value.kind(), value.as_str()) {
        (ValueKind::String, Some(s)) => s.to_owned(),
        _ => repr(value),
    }
}

/// The Python type name of a value, for error messages (`dict`, `list`, ...).
pub fn type_name(value: &Value) -> &'static str {
    match value.kind() {
        ValueKind::Undefined => "undefined",
        ValueKind::None => "NoneType",
        ValueKind::Bool => "bool",
        ValueKind::Number if value.is_integer() => "int",
        ValueKind::Number => "float",
        ValueKind::String => "str",
        ValueKind::Bytes => "bytes",
        ValueKind::Seq if value.is_tuple() => "tuple",
        ValueKind::Seq => "list",
        ValueKind::Map => "dict",
        ValueKind::Iterable => "iterator",
        _ => "object",
    }
}

/// Python `repr()` of a number value.
pub fn number_repr(value: &Value) -> String {
    if value.is_integer() {
        value.to_string()
    } else {
        match f64::try_from(value.clone()) {
            Ok(f) => float_repr(f),
            Err(_) => value.to_string(),
        }
    }
}

/// Deeper nesting than this prints `...`, as Python does for cycles: a dict
/// that contains itself (possible with `d.update({'me': d})`) stays finite.
const MAX_DEPTH: usize = 100;

fn write_repr(value: &Value, out: &mut String, depth: usize) {
    if depth > MAX_DEPTH {
        out.push_str("...");
        return;
    }
    match value.kind() {
        ValueKind::Undefined => {}
        ValueKind::None => out.push_str("None"),
        ValueKind::Bool => out.push_str(if value.is_true() { "True" } else { "False" }),
        ValueKind::Number => out.push_str(&number_repr(value)),
        ValueKind::String => out.push_str(&repr_str(value.as_str().unwrap_or(""))),
        ValueKind::Bytes => {
            out.push('b');
            let text = String::from_utf8_lossy(value.as_bytes().unwrap_or(&[])).into_owned();
            out.push_str(&repr_str(&text));
        }
        ValueKind::Map => {
            out.push('{');
            let entries = crate::value::map_entries(value).unwrap_or_default();
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(k, out, depth + 1);
                out.push_str(": ");
                write_repr(v, out, depth + 1);
            }
            out.push('}');
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let tuple = value.is_tuple();
            out.push(if tuple { '(' } else { '[' });
            let items: Vec<Value> = value.try_iter().map(|i| i.collect()).unwrap_or_default();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(item, out, depth + 1);
            }
            if tuple && items.len() == 1 {
                out.push(',');
            }
            out.push(if tuple { ')' } else { ']' });
        }
        _ => out.push_str(&value.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn containers_print_like_python() {
        let v = crate::value::from_json(&json!({"a": [1, "x", true, null, 1.5e16], "b": {}}));
        assert_eq!(repr(&v), "{'a': [1, 'x', True, None, 1.5e+16], 'b': {}}");
        assert_eq!(str_of(&Value::from("it's")), "it's");
        assert_eq!(repr(&Value::from("it's")), "\"it's\"");
        let t = Value::from(vec![Value::from(1)]);
        assert_eq!(repr(&t), "[1]");
    }
}
