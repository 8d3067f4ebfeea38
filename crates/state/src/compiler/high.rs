//! High data: what `state.show_sls` prints. One entry per state ID,
//! `{id: {module: [function, {arg: value}, ...], __sls__, __env__}}`, plus
//! `__extend__` (a list of `{id: body}` extensions) and `__exclude__` (a list
//! of SLS names or `{sls: x}` / `{id: x}` maps) when an SLS declared them.
//!
//! The data stays Salt-shaped (an ordered JSON map) through extend,
//! requisite-in and exclude, because those steps are defined as edits of
//! that shape and their quirks are visible in `show_lowstate`; it becomes
//! typed [`LowChunk`](crate::LowChunk)s at the end of compilation.

use serde_json::{Map, Value};

use crate::error::CompileError;

/// Merged high data of one run, keys in definition order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HighData(pub(crate) Map<String, Value>);

impl HighData {
    /// Takes high data as the renderer and SLS merge produce it.
    pub fn from_value(v: Value) -> Result<Self, CompileError> {
        match v {
            Value::Object(m) => Ok(Self(m)),
            _ => Err(CompileError::HighNotDict),
        }
    }

    pub fn from_map(m: Map<String, Value>) -> Self {
        Self(m)
    }

    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    pub fn as_map_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.0
    }

    pub fn into_value(self) -> Value {
        Value::Object(self.0)
    }

    /// Appends excludes (the `exclude=` argument of `state.sls`).
    pub fn add_excludes(&mut self, excludes: impl IntoIterator<Item = Value>) {
        let entry = self
            .0
            .entry("__exclude__")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = entry {
            list.extend(excludes);
        }
    }
}

impl serde::Serialize for HighData {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// The first key of a map (Salt's `next(iter(d))`).
pub(crate) fn first_key(m: &Map<String, Value>) -> Option<&str> {
    m.keys().next().map(String::as_str)
}

/// A body's `__sls__` as Salt formats it into messages.
pub(crate) fn sls_of(body: &Map<String, Value>) -> String {
    body.get("__sls__")
        .map(crate::pyrepr::py_str)
        .unwrap_or_else(|| "None".to_owned())
}

/// A body's `__env__` (`base` when missing, as Salt's messages assume).
pub(crate) fn env_of(body: &Map<String, Value>) -> String {
    body.get("__env__")
        .map(crate::pyrepr::py_str)
        .unwrap_or_else(|| "base".to_owned())
}

/// State declarations of a body: keys not starting with `__`.
pub(crate) fn state_keys(body: &Map<String, Value>) -> impl Iterator<Item = &String> {
    body.keys().filter(|k| !k.starts_with("__"))
}
