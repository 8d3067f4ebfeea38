//! The few Python value semantics Salt's highstate outputter leans on:
//! truthiness, `float()` of a duration, `str.strip()`, `str.split()`, and
//! the dict key a state's `result` counts under (Python's `1 == True`).
//!
//! Where Python would raise an exception that Salt's `try_printout` catches
//! (KeyError, AttributeError, TypeError), these return [`Fallback`], and the
//! whole return is printed by the nested outputter instead.

use serde_json::Value;

use crate::pyrepr;

/// Salt's highstate outputter failed on this data; Salt prints it with the
/// nested outputter instead. The text says what Python would have raised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fallback(pub(crate) String);

impl Fallback {
    pub(crate) fn new(why: impl Into<String>) -> Self {
        Fallback(why.into())
    }
}

pub(crate) type Py<T> = Result<T, Fallback>;

/// Python `bool(value)`.
pub(crate) use salt_yaml::pyrepr::truthy;

/// Python `len(value)` for the containers that have one.
pub(crate) fn len(value: &Value) -> Py<usize> {
    match value {
        Value::String(s) => Ok(s.chars().count()),
        Value::Array(a) => Ok(a.len()),
        Value::Object(m) => Ok(m.len()),
        other => Err(Fallback::new(format!(
            "TypeError: object of type {} has no len()",
            type_name(other)
        ))),
    }
}

/// Python's type name, for messages.
pub(crate) use salt_yaml::pyrepr::type_name;

/// `float(value)`: `Ok(None)` where Python raises ValueError (a string that
/// is not a number), an error where it raises TypeError.
pub(crate) fn float(value: &Value) -> Py<Option<f64>> {
    match value {
        Value::Bool(b) => Ok(Some(if *b { 1.0 } else { 0.0 })),
        Value::Number(n) => Ok(n.as_f64()),
        Value::String(s) => Ok(parse_float(s)),
        other => Err(Fallback::new(format!(
            "TypeError: float() argument must be a string or a real number, not '{}'",
            type_name(other)
        ))),
    }
}

/// Python `float(str)`: surrounding whitespace allowed, `_` between digits,
/// `inf`/`infinity`/`nan` in any case.
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    let t = strip(s);
    let chars: Vec<char> = t.chars().collect();
    let mut clean = String::with_capacity(t.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            let before = i > 0 && chars[i - 1].is_ascii_digit();
            let after = chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
            if !(before && after) {
                return None;
            }
        } else {
            clean.push(c);
        }
    }
    let negative = clean.starts_with('-');
    let body = clean.strip_prefix(['+', '-']).unwrap_or(&clean);
    match body.to_ascii_lowercase().as_str() {
        "nan" => return Some(f64::NAN),
        "inf" | "infinity" if negative => return Some(f64::NEG_INFINITY),
        "inf" | "infinity" => return Some(f64::INFINITY),
        _ => {}
    }
    // Only digits, one sign and an exponent: Rust's parser is otherwise close.
    if body.is_empty()
        || !body
            .chars()
            .all(|c| c.is_ascii_digit() || "eE.+-".contains(c))
    {
        return None;
    }
    clean.parse::<f64>().ok()
}

/// Python `str.strip()` (whitespace as `str.isspace()` sees it).
pub(crate) fn strip(s: &str) -> &str {
    s.trim_matches(pyrepr::is_space)
}

/// Python `str.lstrip()`.
pub(crate) fn lstrip(s: &str) -> &str {
    s.trim_start_matches(pyrepr::is_space)
}

/// Python `str.split(sep)`: always at least one piece.
pub(crate) fn split<'a>(s: &'a str, sep: &str) -> Vec<&'a str> {
    s.split(sep).collect()
}

/// Python `"sep".join(value)` over what iterating `value` gives: the items of
/// a list, the characters of a string, the keys of a dict; each must be a str.
pub(crate) fn join(sep: &str, value: &Value) -> Py<String> {
    let items: Vec<String> = match value {
        Value::String(s) => s.chars().map(String::from).collect(),
        Value::Object(m) => m.keys().cloned().collect(),
        Value::Array(a) => a
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(Fallback::new(format!(
                    "TypeError: sequence item: expected str instance, {} found",
                    type_name(other)
                ))),
            })
            .collect::<Py<_>>()?,
        other => {
            return Err(Fallback::new(format!(
                "TypeError: can only join an iterable, not '{}'",
                type_name(other)
            )));
        }
    };
    Ok(items.join(sep))
}

/// The key a `result` counts under in Salt's `rcounts` dict. Python merges
/// `1`/`1.0` with `True` and `0`/`0.0` with `False`; the string `"warnings"`
/// shares the bucket Salt counts warnings in.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ResultKey {
    True,
    False,
    None,
    Number(f64),
    Str(String),
}

impl ResultKey {
    pub(crate) const WARNINGS: &'static str = "warnings";

    pub(crate) fn of(result: &Value) -> Py<ResultKey> {
        Ok(match result {
            Value::Null => ResultKey::None,
            Value::Bool(true) => ResultKey::True,
            Value::Bool(false) => ResultKey::False,
            Value::Number(n) => match n.as_f64() {
                Some(1.0) => ResultKey::True,
                Some(0.0) => ResultKey::False,
                Some(f) => ResultKey::Number(f),
                None => ResultKey::Number(f64::NAN),
            },
            Value::String(s) => ResultKey::Str(s.clone()),
            other => {
                return Err(Fallback::new(format!(
                    "TypeError: unhashable type: '{}'",
                    type_name(other)
                )));
            }
        })
    }

    pub(crate) fn warnings() -> ResultKey {
        ResultKey::Str(Self::WARNINGS.to_owned())
    }
}

/// Python's `dict` of counts keyed by [`ResultKey`], in insertion order.
#[derive(Debug, Default)]
pub(crate) struct Counts(Vec<(ResultKey, u64)>);

impl Counts {
    pub(crate) fn add(&mut self, key: ResultKey, n: u64) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, count)) => *count += n,
            None => self.0.push((key, n)),
        }
    }

    /// `setdefault(key, 0)`: the key exists from now on, even at zero.
    pub(crate) fn touch(&mut self, key: ResultKey) {
        self.add(key, 0);
    }

    pub(crate) fn get(&self, key: &ResultKey) -> u64 {
        self.0.iter().find(|(k, _)| k == key).map_or(0, |(_, c)| *c)
    }

    pub(crate) fn sum(&self) -> u64 {
        self.0.iter().map(|(_, c)| c).sum()
    }

    /// The widest count, in digits (0 when there are none).
    pub(crate) fn max_width(&self) -> usize {
        self.0
            .iter()
            .map(|(_, c)| c.to_string().len())
            .max()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn truthiness_follows_python() {
        for v in [
            json!(null),
            json!(false),
            json!(0),
            json!(0.0),
            json!(""),
            json!([]),
            json!({}),
        ] {
            assert!(!truthy(&v), "{v}");
        }
        for v in [
            json!(true),
            json!(2),
            json!(-0.5),
            json!(" "),
            json!([0]),
            json!({"a": 0}),
        ] {
            assert!(truthy(&v), "{v}");
        }
    }

    #[test]
    fn float_accepts_what_python_accepts() {
        assert_eq!(parse_float(" 1_000.5 "), Some(1000.5));
        assert_eq!(parse_float("1e3"), Some(1000.0));
        assert_eq!(parse_float("-Infinity"), Some(f64::NEG_INFINITY));
        assert!(parse_float("nan").is_some_and(f64::is_nan));
        assert_eq!(parse_float(".5"), Some(0.5));
        for bad in ["", "1__0", "_1", "1_", "7 ms", "fast", "0x10", "in f"] {
            assert_eq!(parse_float(bad), None, "{bad}");
        }
        assert_eq!(float(&json!(true)), Ok(Some(1.0)));
        assert!(float(&json!(null)).is_err());
    }

    #[test]
    fn join_iterates_like_python() {
        assert_eq!(join("\n", &json!(["a", "b"])).unwrap(), "a\nb");
        assert_eq!(join("-", &json!("abc")).unwrap(), "a-b-c");
        assert_eq!(join(",", &json!({"k": 1, "j": 2})).unwrap(), "k,j");
        assert!(join(",", &json!([1])).is_err());
        assert!(join(",", &json!(null)).is_err());
    }

    #[test]
    fn result_keys_merge_like_python_dict_keys() {
        let mut c = Counts::default();
        c.add(ResultKey::of(&json!(true)).unwrap(), 1);
        c.add(ResultKey::of(&json!(1)).unwrap(), 1);
        c.add(ResultKey::of(&json!(0.0)).unwrap(), 1);
        c.add(ResultKey::of(&json!("warnings")).unwrap(), 1);
        c.touch(ResultKey::warnings());
        assert_eq!(c.get(&ResultKey::True), 2);
        assert_eq!(c.get(&ResultKey::False), 1);
        assert_eq!(c.get(&ResultKey::warnings()), 1);
        assert_eq!(c.sum(), 4);
        assert!(ResultKey::of(&json!([])).is_err());
    }
}
