//! `sysctl.present`: a kernel parameter set now and at boot, as Salt's
//! `sysctl` state: the value goes into the sysctl configuration file
//! (`/etc/sysctl.d/99-salt.conf` on systemd hosts, Salt's default) and into
//! the running kernel, through `sysctl.show`/`get`/`persist`.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::calls::call;
use crate::module::{RunCtx, StateError, StateFn, StateReturn};
use crate::pyrepr::py_str;

/// `sysctl.present`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Present {
    name: String,
    value: Value,
    #[serde(default)]
    config: Option<String>,
}

impl StateFn for Present {
    const REQUIRED: &'static [&'static str] = &["name", "value"];
    const DOC: &'static str = "Sets a kernel parameter in the running kernel and in the sysctl configuration file (`config`, default /etc/sysctl.d/99-salt.conf on hosts booted with systemd, /etc/sysctl.conf otherwise). Give `value` as sysctl prints it (tabs or spaces between the parts of a multi-value parameter).\n\n    net.ipv4.ip_forward:\n      sysctl.present:\n        - value: 1\n";

    fn plan(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        let config = self.config(cx)?;
        let value = py_str(&self.value);
        let configured = call(cx, "sysctl.show", &[], &[("config_file", json!(config))])
            .map_err(StateError::Command)?;
        if configured.is_null() {
            return Ok(self.ret(None, format!("Sysctl option {} might be changed, we failed to check config file at {config}. The file is either unreadable, or missing.", self.name)));
        }
        let in_file = configured
            .as_object()
            .is_some_and(|m| m.contains_key(&self.name));
        let current =
            call(cx, "sysctl.get", &[json!(self.name)], &[]).map_err(StateError::Command)?;
        let current = py_str(&current);
        let name = &self.name;
        if !current.is_empty() {
            if in_file {
                let want: Vec<&str> = value.split_whitespace().collect();
                if want == current.split_whitespace().collect::<Vec<_>>() {
                    return Ok(self.ret(
                        Some(true),
                        format!("Sysctl value {name} = {value} is already set"),
                    ));
                }
            } else if squeeze(&current) != squeeze(&value) {
                return Ok(self.ret(
                    None,
                    format!("Sysctl option {name} set to be changed to {value}"),
                ));
            } else {
                return Ok(self.ret(None, format!("Sysctl value is currently set on the running system but not in a config file. Sysctl option {name} set to be changed to {value} in config file.")));
            }
        } else if in_file {
            return Ok(self.ret(None, format!("Sysctl value {name} is present in configuration file but is not present in the running config. The value {name} is set to be changed to {value}")));
        }
        Ok(self.ret(
            None,
            format!("Sysctl option {name} would be changed to {value}"),
        ))
    }

    fn apply(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        let config = self.config(cx)?;
        let value = py_str(&self.value);
        let name = &self.name;
        match call(
            cx,
            "sysctl.persist",
            &[json!(name), self.value.clone(), json!(config)],
            &[],
        ) {
            Err(e) => Ok(self.ret(Some(false), format!("Failed to set {name} to {value}: {e}"))),
            Ok(Value::String(s)) if s == "Updated" => {
                let mut changes = Map::new();
                changes.insert(name.clone(), self.value.clone());
                let mut r = self.ret(Some(true), format!("Updated sysctl value {name} = {value}"));
                r.set("changes", Value::Object(changes));
                Ok(r)
            }
            Ok(Value::String(s)) if s == "Already set" => Ok(self.ret(
                Some(true),
                format!("Sysctl value {name} = {value} is already set"),
            )),
            Ok(_) => Ok(self.ret(Some(true), String::new())),
        }
    }
}

impl Present {
    fn config(&self, cx: &RunCtx<'_>) -> Result<String, StateError> {
        match &self.config {
            Some(c) => Ok(c.clone()),
            None => call(cx, "sysctl.default_config", &[], &[])
                .map(|v| py_str(&v))
                .map_err(StateError::Command),
        }
    }

    /// Salt's key order for this state: name, result, changes, comment.
    fn ret(&self, result: Option<bool>, comment: String) -> StateReturn {
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name));
        m.insert("result".into(), result.map_or(Value::Null, Value::Bool));
        m.insert("changes".into(), json!({}));
        m.insert("comment".into(), json!(comment));
        StateReturn::from_map(m)
    }
}

/// Salt's `re.sub(" +|\t+", " ", s)`: each run of spaces, and each run of
/// tabs, as one space.
fn squeeze(s: &str) -> String {
    let mut out = String::new();
    let mut prev: Option<char> = None;
    for c in s.chars() {
        if (c == ' ' || c == '\t') && prev == Some(c) {
            continue;
        }
        out.push(if c == '\t' { ' ' } else { c });
        prev = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squeeze_like_salts_regex() {
        assert_eq!(squeeze("4096\t\t87380  6291456"), "4096 87380 6291456");
        assert_eq!(squeeze("a \tb"), "a  b");
    }
}
