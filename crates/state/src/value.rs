//! Small helpers on JSON values with Python's meaning.

use serde_json::Value;

/// Python truthiness.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn truthiness() {
        assert!(!truthy(&json!(null)) && !truthy(&json!(0)) && !truthy(&json!("")));
        assert!(!truthy(&json!([])) && !truthy(&json!({})));
        assert!(truthy(&json!("x")) && truthy(&json!(1)) && truthy(&json!({"a": 1})));
    }
}
