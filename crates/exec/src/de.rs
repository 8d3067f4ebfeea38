//! Serde helpers for argument fields. Command-line values arrive YAML-typed
//! (`cmd.run 3` gives the number 3, `timeout=5` the number 5), so string
//! parameters accept scalars and numeric parameters accept numeric strings,
//! the way Salt's Python functions coerce with `str()` / `int()`.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A scalar as text: strings as they are, numbers and booleans printed as
/// Python would (`True`), null refused.
pub fn string_like<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let v = Value::deserialize(d)?;
    scalar_text(&v).ok_or_else(|| serde::de::Error::custom(format!("expected a string, got {v}")))
}

/// Like [`string_like`] for an optional field; null means absent.
pub fn opt_string_like<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Value::deserialize(d)?;
    if v.is_null() {
        return Ok(None);
    }
    scalar_text(&v)
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("expected a string, got {v}")))
}

/// A number of seconds (or any non-negative number): a number or a numeric
/// string; null means absent.
pub fn opt_seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v = Value::deserialize(d)?;
    let f = match &v {
        Value::Null => return Ok(None),
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match f {
        Some(f) if f.is_finite() && f >= 0.0 => Ok(Some(f)),
        _ => Err(serde::de::Error::custom(format!(
            "expected a non-negative number, got {v}"
        ))),
    }
}

/// An integer, or a string holding one.
pub fn int_like<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let v = Value::deserialize(d)?;
    match &v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| serde::de::Error::custom(format!("expected an integer, got {v}")))
}

/// The text of a scalar, as Python's `str()` gives it.
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(true) => Some("True".into()),
        Value::Bool(false) => Some("False".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    struct S {
        #[serde(deserialize_with = "string_like")]
        s: String,
        #[serde(default, deserialize_with = "opt_seconds")]
        t: Option<f64>,
        #[serde(default, deserialize_with = "int_like")]
        i: i64,
    }

    #[test]
    fn scalars_coerce_like_python() {
        let v: S = serde_json::from_value(json!({"s": 3, "t": "1.5", "i": "7"})).unwrap();
        assert_eq!((v.s.as_str(), v.t, v.i), ("3", Some(1.5), 7));
        let v: S = serde_json::from_value(json!({"s": true})).unwrap();
        assert_eq!(v.s, "True");
        assert!(serde_json::from_value::<S>(json!({"s": [1]})).is_err());
        assert!(serde_json::from_value::<S>(json!({"s": "x", "t": -1})).is_err());
        assert!(serde_json::from_value::<S>(json!({"s": "x", "i": "x"})).is_err());
    }
}
