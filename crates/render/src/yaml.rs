//! The YAML side of rendering, over `salt-yaml`: loading rendered SLS text,
//! the `yaml`/`load_yaml` filters and `import_yaml`.
//!
//! INTERIM: until `salt-yaml` lands, loading goes through serde-saphyr and
//! dumping prints JSON. Only this file changes when it does.

use minijinja::{Error, ErrorKind};
use serde_json::Value;

/// A YAML error with its position in the loaded text.
#[derive(Debug, Clone)]
pub struct YamlError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

/// Loads one YAML document as Salt's YAML renderer does.
pub fn load(text: &str) -> Result<Value, YamlError> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_saphyr::from_str::<Value>(text).map_err(|e| YamlError {
        line: 1,
        col: 1,
        message: e.to_string(),
    })
}

/// `load_yaml` / `import_yaml` inside a template: errors become template
/// errors worded as Salt's (`Encountered error loading yaml: ...`).
pub fn load_for_template(text: &str, name: &str) -> Result<Value, Error> {
    load(text).map_err(|e| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "Encountered error loading yaml: {} (line {}, column {} of the yaml from {name})",
                e.message, e.line, e.col
            ),
        )
    })
}

/// Salt's `yaml` filter: `safe_dump` with `default_flow_style=flow_style`.
pub fn format_yaml(value: &Value, flow_style: bool) -> String {
    let _ = flow_style;
    value.to_string()
}

/// Salt's `yaml_dquote` filter.
pub fn dquote(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// Salt's `yaml_squote` filter.
pub fn squote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Salt's `yaml_encode` filter.
pub fn encode(value: &Value) -> Result<String, String> {
    Ok(value.to_string())
}
