//! Command-line arguments to (args, kwargs) the way Salt's `parse_input`
//! and `yamlify_arg` do it, so `salt-rs '*' fun a b=1` sends what
//! `salt '*' fun a b=1` sends.
//!
//! `key=value` is a keyword when `key` looks like an identifier
//! (`[^\d\W][\w.-]*`) and the value does not start with `=`; everything else
//! is positional. Values are YAML-typed with Salt's exceptions: blank
//! strings, digit-and-underscore strings and 20-digit job ids stay strings,
//! maps and lists only count when written in flow style (`{...}`, `[...]`),
//! `None` is null, a `#` never eats text, and YAML types Salt does not keep
//! (dates, ...) fall back to the original string.

use serde_json::{Map, Value};

use crate::ExecError;

/// Splits raw CLI words into positional values and keyword arguments.
pub fn parse_cli_args(raw: &[String]) -> Result<(Vec<Value>, Map<String, Value>), ExecError> {
    let mut args = Vec::new();
    let mut kwargs = Map::new();
    for word in raw {
        match split_kwarg(word) {
            Some((k, v)) => {
                kwargs.insert(k.to_owned(), yamlify_arg(v));
            }
            None => args.push(yamlify_arg(word)),
        }
    }
    Ok((args, kwargs))
}

/// One CLI value, typed as Salt types it.
pub fn yamlify_arg(arg: &str) -> Value {
    let original = || Value::String(arg.to_owned());
    if arg.trim().is_empty() || is_jid(arg) {
        return original();
    }
    if arg.contains('_') && arg.trim().chars().all(|c| c.is_ascii_digit() || c == '_') {
        return original();
    }
    if arg == "None" {
        return Value::Null;
    }
    let Some(parsed) = yaml_load(arg) else {
        return original();
    };
    if arg.contains('#') {
        return match parsed {
            Value::String(_) | Value::Null => original(),
            v => v,
        };
    }
    match parsed {
        Value::Object(_) if !arg.starts_with('{') => original(),
        Value::Array(_) if !arg.starts_with('[') => original(),
        Value::String(s) if s.is_empty() && (arg == "|" || arg == "!") => original(),
        Value::Null if arg.trim().starts_with('#') || arg == "!" => original(),
        v => v,
    }
}

/// `key=value` split as Salt's `KWARG_REGEX` does; `None` if not a kwarg.
fn split_kwarg(word: &str) -> Option<(&str, &str)> {
    let (key, value) = word.split_once('=')?;
    let mut chars = key.chars();
    let first = chars.next()?;
    let first_ok = (first.is_alphabetic() || first == '_') && !first.is_numeric();
    let rest_ok = chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'));
    // Python's `.` stops at a newline, so a value spanning lines is no kwarg.
    let value_ok = !value.starts_with('=') && !value.contains('\n');
    (first_ok && rest_ok && value_ok).then_some((key, value))
}

/// Salt's `is_jid`: 20 digits, optionally followed by `_suffix`.
fn is_jid(s: &str) -> bool {
    let b = s.as_bytes();
    (b.len() == 20 || (b.len() > 21 && b[20] == b'_'))
        && b.len() >= 20
        && b[..20].iter().all(u8::is_ascii_digit)
}

/// PyYAML-compatible typing of a single document as Salt's loader reads it
/// (`salt_yaml`: `yes` is true, `y` stays a string, `0644` is 644, `1e3`
/// stays a string), `None` where Salt would keep the original text (parse
/// errors, YAML types JSON cannot hold).
fn yaml_load(s: &str) -> Option<Value> {
    let v = salt_yaml::load(s).ok()?;
    // What JSON cannot hold comes back as text standing for it ("inf",
    // big integers); Salt would have a float or int there, so keep the
    // argument as typed rather than guess.
    match &v {
        Value::String(t) if t != s.trim() && !s.trim_start().starts_with(['"', '\'']) => None,
        _ => Some(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn y(s: &str) -> Value {
        yamlify_arg(s)
    }

    #[test]
    fn pyyaml_words_and_numbers() {
        // PyYAML: y/n/on-off words differ from YAML 1.2; leading zeros are
        // decimal in Salt's loader; 1:30 is sexagesimal 90.
        assert_eq!(y("y"), json!("y"));
        assert_eq!(y("n"), json!("n"));
        assert_eq!(y("on"), json!(true));
        assert_eq!(y("0644"), json!(644));
        assert_eq!(y("1:30"), json!(90));
        assert_eq!(y("1e3"), json!("1e3"));
        assert_eq!(y("1.0e+3"), json!(1000.0));
        assert_eq!(y("'yes'"), json!("yes"));
        assert_eq!(y("{a: 1}"), json!({"a": 1}));
    }

    #[test]
    fn scalars_are_typed_as_salt_types_them() {
        assert_eq!(y("true"), json!(true));
        assert_eq!(y("True"), json!(true));
        assert_eq!(y("yes"), json!(true));
        assert_eq!(y("off"), json!(false));
        assert_eq!(y("3"), json!(3));
        assert_eq!(y("-3"), json!(-3));
        assert_eq!(y("1.5"), json!(1.5));
        assert_eq!(y("null"), json!(null));
        assert_eq!(y("~"), json!(null));
        assert_eq!(y("None"), json!(null));
        assert_eq!(y("hello"), json!("hello"));
        assert_eq!(y("hello world"), json!("hello world"));
        assert_eq!(y("/etc/hosts"), json!("/etc/hosts"));
        assert_eq!(y("'quoted 3'"), json!("quoted 3"));
    }

    #[test]
    fn salts_exceptions_stay_strings() {
        assert_eq!(y(""), json!(""));
        assert_eq!(y("   "), json!("   "));
        assert_eq!(y("1_000"), json!("1_000"));
        assert_eq!(y("20250101000000000001"), json!("20250101000000000001"));
        assert_eq!(y("a: b"), json!("a: b"));
        assert_eq!(y("- a"), json!("- a"));
        assert_eq!(y("#"), json!("#"));
        assert_eq!(y("a #b"), json!("a #b"));
        assert_eq!(y("|"), json!("|"));
        assert_eq!(y("!"), json!("!"));
        assert_eq!(y("1e3"), json!("1e3"));
        assert_eq!(y("2024-01-01"), json!("2024-01-01"));
        assert_eq!(y(".inf"), json!(".inf"));
        assert_eq!(y("[unclosed"), json!("[unclosed"));
    }

    #[test]
    fn leading_zero_numbers_are_decimal_as_in_salts_loader() {
        assert_eq!(y("0644"), json!(644));
        assert_eq!(y("-007"), json!(-7));
        assert_eq!(y("+5"), json!(5));
        assert_eq!(y("0x1F"), json!(31));
        assert_eq!(y("1.5e+3"), json!(1500.0));
    }

    #[test]
    fn flow_collections_become_lists_and_maps() {
        assert_eq!(y("[1, 2]"), json!([1, 2]));
        assert_eq!(y("[a, true, 1.5]"), json!(["a", true, 1.5]));
        assert_eq!(y("{a: 1, b: [x]}"), json!({"a": 1, "b": ["x"]}));
        assert_eq!(y("[1, 2] # c"), json!([1, 2]));
    }

    #[test]
    fn kwargs_split_only_on_identifier_keys() {
        let raw: Vec<String> = [
            "a",
            "b=1",
            "c.d-e=x y",
            "1x=2",
            "k==v",
            "=v",
            "x=",
            "name=a=b",
            "ü=1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let (args, kwargs) = parse_cli_args(&raw).unwrap();
        assert_eq!(
            args,
            vec![json!("a"), json!("1x=2"), json!("k==v"), json!("=v")]
        );
        assert_eq!(
            Value::Object(kwargs),
            json!({"b": 1, "c.d-e": "x y", "x": "", "name": "a=b", "ü": 1})
        );
    }
}
