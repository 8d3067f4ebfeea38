//! The renderer pipe of an SLS or pillar file: its `#!` line (Salt reads a
//! first line starting with `#!` but not `#!/`), else `jinja|yaml`; then each
//! renderer in turn, text to text (jinja) or text to data (yaml, json).
//!
//! Salt knows more renderers (py, mako, gpg, ...). A pipe naming one
//! salt-rs does not have is an error naming it; Salt would log the name and
//! render the file as empty.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::context::Context;
use crate::env::{self, STRING_NAME};
use crate::error::{RenderError, Stage};
use crate::{Host, yaml};

/// One renderer of a pipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renderer {
    /// Jinja: text to text.
    Jinja,
    /// YAML: text to data.
    Yaml,
    /// JSON: text to data.
    Json,
}

/// The renderer pipe a file asks for: its `#!` line, else `default`. Old
/// names (`yaml_jinja`, `json_jinja`) are read as Salt reads them.
pub fn render_pipe(text: &str, default: &str) -> Result<Vec<Renderer>, String> {
    let first = text.split_inclusive('\n').next().unwrap_or("");
    let pipe = if first.starts_with("#!") && !first.starts_with("#!/") {
        first.trim()[2..].to_owned()
    } else {
        default.to_owned()
    };
    let pipe = match pipe.as_str() {
        "yaml_jinja" => "jinja|yaml".to_owned(),
        "json_jinja" => "jinja|json".to_owned(),
        _ => pipe,
    };
    let mut out = Vec::new();
    for part in pipe.split('|').map(str::trim) {
        let (name, argline) = part.split_once(' ').unwrap_or((part, ""));
        let r = match name {
            "jinja" => {
                let arg = argline.trim();
                if !arg.is_empty() && arg != "-s" {
                    return Err(format!("Unknown renderer option: {arg}"));
                }
                Renderer::Jinja
            }
            "yaml" => Renderer::Yaml,
            "json" => Renderer::Json,
            other => {
                return Err(format!(
                    "The renderer \"{other}\" is not available (salt-rs renders jinja, yaml and json)"
                ));
            }
        };
        out.push(r);
    }
    if out.is_empty() {
        return Err("the renderer pipe is empty".to_owned());
    }
    Ok(out)
}

/// Text or data between renderers.
enum Stream {
    Text(String),
    Data(Value),
}

/// Runs an SLS or pillar file through its pipe (`opts['renderer']`, by
/// default `jinja|yaml`, when it has no `#!` line).
pub fn render_sls(host: &Arc<dyn Host>, cx: &Context, text: &str) -> Result<Value, RenderError> {
    let file = cx.template_name().unwrap_or_else(|| STRING_NAME.to_owned());
    if text.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let default = cx
        .opts
        .get("renderer")
        .and_then(Value::as_str)
        .unwrap_or("jinja|yaml");
    let pipe = render_pipe(text, default).map_err(|m| {
        RenderError::at(Stage::Shebang, &file, Some(text), Some(1), Some(1), m)
            .with_sls(cx.sls.as_deref())
    })?;
    let mut stream = Stream::Text(text.to_owned());
    for r in pipe {
        let input = match stream {
            Stream::Text(t) => t,
            Stream::Data(_) => {
                return Err(RenderError::at(
                    Stage::Shebang,
                    &file,
                    Some(text),
                    Some(1),
                    None,
                    format!(
                        "the {r:?} renderer needs text, but the renderer before it produced data"
                    ),
                )
                .with_sls(cx.sls.as_deref()));
            }
        };
        stream = match r {
            Renderer::Jinja => Stream::Text(env::render_jinja(host, cx, &input)?),
            Renderer::Yaml => Stream::Data(load_yaml(&input, &file, cx)?),
            Renderer::Json => Stream::Data(load_json(&input, &file, cx)?),
        };
    }
    Ok(match stream {
        Stream::Data(v) => v,
        // A pipe of text renderers only (`#!jinja`) gives the text itself.
        Stream::Text(t) => Value::String(t),
    })
}

fn load_yaml(text: &str, file: &str, cx: &Context) -> Result<Value, RenderError> {
    match yaml::load(text) {
        Ok(v) => Ok(empty_is_dict(v)),
        Err(e) => Err(RenderError::at(
            Stage::Yaml,
            file,
            Some(text),
            Some(e.line),
            Some(e.col),
            e.message,
        )
        .with_sls(cx.sls.as_deref())),
    }
}

fn load_json(text: &str, file: &str, cx: &Context) -> Result<Value, RenderError> {
    let body = if text.starts_with("#!") {
        // The shebang line is not JSON; keep the line count.
        match text.find('\n') {
            Some(i) => format!("\n{}", &text[i + 1..]),
            None => String::new(),
        }
    } else {
        text.to_owned()
    };
    if body.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_str::<Value>(&body).map_err(|e| {
        RenderError::at(
            Stage::Json,
            file,
            Some(text),
            Some(e.line()),
            Some(e.column()),
            e.to_string(),
        )
        .with_sls(cx.sls.as_deref())
    })
}

/// Salt's YAML renderer turns a document that is empty or false into `{}`.
fn empty_is_dict(v: Value) -> Value {
    let falsy = match &v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    };
    if falsy { Value::Object(Map::new()) } else { v }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebangs() {
        use Renderer::*;
        assert_eq!(render_pipe("a: 1\n", "jinja|yaml").unwrap(), [Jinja, Yaml]);
        assert_eq!(render_pipe("#!yaml\na: 1\n", "jinja|yaml").unwrap(), [Yaml]);
        assert_eq!(render_pipe("#!jinja | yaml\n", "x").unwrap(), [Jinja, Yaml]);
        assert_eq!(render_pipe("#!yaml_jinja\n", "x").unwrap(), [Jinja, Yaml]);
        assert_eq!(render_pipe("#!json\n{}", "x").unwrap(), [Json]);
        assert_eq!(
            render_pipe("#!/bin/sh\n", "jinja|yaml").unwrap(),
            [Jinja, Yaml]
        );
        let e = render_pipe("#!py\n", "jinja|yaml").unwrap_err();
        assert!(e.contains("\"py\""), "{e}");
        let e = render_pipe("#!jinja|mako|yaml\n", "jinja|yaml").unwrap_err();
        assert!(e.contains("\"mako\""), "{e}");
    }
}
