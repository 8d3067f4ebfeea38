//! The YAML side of rendering, over `salt-yaml`: loading rendered SLS text,
//! the `yaml`/`load_yaml`/`yaml_*` filters and `import_yaml`.

use minijinja::{Error, ErrorKind};
use serde_json::Value;

pub use salt_yaml::Error as YamlError;

/// Loads one YAML document as Salt's YAML renderer does.
pub fn load(text: &str) -> Result<Value, YamlError> {
    salt_yaml::load(text)
}

/// `load_yaml` / `import_yaml` inside a template: errors become template
/// errors in Salt's words (`Encountered error loading yaml: ...`) with the
/// position in the loaded text.
pub fn load_for_template(text: &str, name: &str) -> Result<Value, Error> {
    load(text).map_err(|e| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "Encountered error loading yaml: {} (line {}, column {} of the YAML from {name}: {})",
                e.message,
                e.line,
                e.col,
                e.snippet.trim()
            ),
        )
    })
}

/// Salt's `yaml` filter: `safe_dump` with `default_flow_style=flow_style`,
/// keys in the order given (callers sort plain dicts first).
pub fn format_yaml(value: &Value, flow_style: bool) -> String {
    salt_yaml::format_yaml(value, flow_style)
}

/// Salt's `yaml_dquote` filter.
pub fn dquote(s: &str) -> String {
    salt_yaml::yaml_dquote(s)
}

/// Salt's `yaml_squote` filter.
pub fn squote(s: &str) -> String {
    salt_yaml::yaml_squote(s)
}

/// Salt's `yaml_encode` filter.
pub fn encode(value: &Value) -> Result<String, String> {
    salt_yaml::yaml_encode(value).map_err(|e| e.to_string())
}
