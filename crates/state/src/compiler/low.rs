//! Low chunks: one per state function call, what `state.show_lowstate`
//! prints. A chunk is Salt's flat map (`state`, `name`, `__sls__`,
//! `__env__`, `__id__`, the arguments in definition order, `fun`, `order`),
//! kept with its key order so that it prints exactly as Salt's; the core
//! fields have typed accessors.

use serde_json::{Map, Value};

use super::high::HighData;
use crate::pyrepr::py_str;

/// One state function call with its arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct LowChunk {
    data: Map<String, Value>,
}

impl LowChunk {
    /// A chunk from Salt's map; `state`, `__id__`, `fun` must be strings
    /// and `name` present (the checks of `state.low`).
    pub fn from_map(data: Map<String, Value>) -> Result<Self, String> {
        let mut missing = Vec::new();
        for key in ["state", "fun", "name"] {
            if !data.contains_key(key) {
                missing.push(format!("Missing \"{key}\" data"));
            }
        }
        if !missing.is_empty() {
            return Err(missing.join("\n"));
        }
        let mut data = data;
        if !data.contains_key("__id__") {
            let name = data["name"].clone();
            data.insert("__id__".into(), name);
        }
        Ok(Self { data })
    }

    /// The module part (`test` of `test.nop`).
    pub fn state(&self) -> &str {
        self.str_field("state")
    }

    /// The function part (`nop`).
    pub fn fun(&self) -> &str {
        self.str_field("fun")
    }

    /// `state.fun`.
    pub fn full(&self) -> String {
        format!("{}.{}", self.state(), self.fun())
    }

    /// The state ID.
    pub fn id(&self) -> &str {
        self.str_field("__id__")
    }

    /// The `name` argument as given (normally a string).
    pub fn name(&self) -> &Value {
        self.data.get("name").unwrap_or(&Value::Null)
    }

    /// The name as Python's `str()` prints it (tags, messages).
    pub fn name_str(&self) -> String {
        py_str(self.name())
    }

    /// The SLS the state came from.
    pub fn sls(&self) -> Option<&str> {
        self.data.get("__sls__").and_then(Value::as_str)
    }

    /// The saltenv the state came from.
    pub fn env(&self) -> Option<&str> {
        self.data.get("__env__").and_then(Value::as_str)
    }

    /// Salt's tag: `state_|-id_|-name_|-fun`.
    pub fn tag(&self) -> String {
        crate::tags::tag(self.state(), self.id(), &self.name_str(), self.fun())
    }

    /// An argument (or internal key) by name.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.data.get(key)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.data.contains_key(key)
    }

    /// The whole map, in Salt's key order.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.data
    }

    pub fn into_map(self) -> Map<String, Value> {
        self.data
    }

    pub(crate) fn set(&mut self, key: &str, value: Value) {
        self.data.insert(key.to_owned(), value);
    }

    pub(crate) fn remove(&mut self, key: &str) -> Option<Value> {
        self.data.shift_remove(key)
    }

    pub(crate) fn flag(&self, key: &str) -> bool {
        self.data.get(key).is_some_and(crate::value::truthy)
    }

    fn str_field(&self, key: &str) -> &str {
        self.data.get(key).and_then(Value::as_str).unwrap_or("")
    }
}

impl serde::Serialize for LowChunk {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.data.serialize(s)
    }
}

/// Turns verified high data into ordered low chunks (Salt's
/// `compile_high_data`): `names` fan out into one chunk each (with
/// per-name arguments), `name` defaults to the ID, then `order` sorts.
pub fn compile_high_data(high: &HighData, orchestration_jid: Option<&str>) -> Vec<LowChunk> {
    let mut chunks = Vec::new();
    for (id, body) in high.as_map() {
        if id.starts_with("__") {
            continue;
        }
        let Value::Object(body) = body else { continue };
        for (state, run) in body {
            if state.starts_with("__") {
                continue;
            }
            let Value::Array(run) = run else { continue };
            compile_declaration(id, state, body, run, orchestration_jid, &mut chunks);
        }
    }
    super::order::order_chunks(chunks)
}

fn compile_declaration(
    id: &str,
    state: &str,
    body: &Map<String, Value>,
    run: &[Value],
    orchestration_jid: Option<&str>,
    chunks: &mut Vec<LowChunk>,
) {
    let mut chunk = Map::new();
    chunk.insert("state".into(), Value::String(state.to_owned()));
    chunk.insert("name".into(), Value::String(id.to_owned()));
    if let Some(jid) = orchestration_jid {
        chunk.insert(
            "__orchestration_jid__".into(),
            Value::String(jid.to_owned()),
        );
    }
    for key in ["__sls__", "__env__", "__sls_included_from__"] {
        if let Some(v) = body.get(key) {
            chunk.insert(key.into(), v.clone());
        }
    }
    chunk.insert("__id__".into(), Value::String(id.to_owned()));
    let mut funs: Vec<&str> = Vec::new();
    let mut names: Vec<Value> = Vec::new();
    for arg in run {
        match arg {
            Value::String(f) if !funs.contains(&f.as_str()) => funs.push(f),
            Value::Object(arg) => {
                for (key, val) in arg {
                    match key.as_str() {
                        "names" => {
                            for n in val.as_array().into_iter().flatten() {
                                if !names.contains(n) {
                                    names.push(n.clone());
                                }
                            }
                        }
                        // A state override is never passed down.
                        "state" => {}
                        "name" if !val.is_string() => {
                            chunk.insert(key.clone(), Value::String(id.to_owned()));
                        }
                        _ => {
                            chunk.insert(key.clone(), val.clone());
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let emit = |live: &Map<String, Value>, chunks: &mut Vec<LowChunk>| {
        for fun in &funs {
            let mut c = live.clone();
            c.insert("fun".into(), Value::String((*fun).to_owned()));
            chunks.push(LowChunk { data: c });
        }
    };
    if names.is_empty() {
        emit(&chunk, chunks);
        return;
    }
    for (i, entry) in names.iter().enumerate() {
        let mut live = chunk.clone();
        match entry {
            Value::Object(m) if !m.is_empty() => {
                let (low_name, args) = m
                    .iter()
                    .next()
                    .map(|(k, v)| (k.clone(), v))
                    .unwrap_or_default();
                live.insert("name".into(), Value::String(low_name));
                for upd in args.as_array().into_iter().flatten() {
                    if let Value::Object(upd) = upd {
                        for (k, v) in upd {
                            live.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
            other => {
                live.insert("name".into(), other.clone());
            }
        }
        live.insert("name_order".into(), Value::from(i as u64 + 1));
        emit(&live, chunks);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn low(v: Value) -> Vec<Value> {
        let high = HighData::from_value(v).unwrap();
        compile_high_data(&high, None)
            .into_iter()
            .map(|c| Value::Object(c.into_map()))
            .collect()
    }

    #[test]
    fn name_defaults_to_id_and_keys_keep_salts_order() {
        let l = low(
            json!({"x": {"test": [{"a": 1}, "nop", {"name": "n"}], "__sls__": "s", "__env__": "base"}}),
        );
        let c = l[0].as_object().unwrap();
        let keys: Vec<&str> = c.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "state", "name", "__sls__", "__env__", "__id__", "a", "fun", "order"
            ]
        );
        assert_eq!(c["name"], "n");
        assert_eq!(c["order"], 1);
    }

    #[test]
    fn non_string_name_falls_back_to_id() {
        let l = low(json!({"x": {"test": ["nop", {"name": 42}], "__sls__": "s"}}));
        assert_eq!(l[0]["name"], "x");
    }

    #[test]
    fn names_fan_out_with_their_own_args() {
        let l = low(
            json!({"x": {"test": ["nop", {"order": 5}, {"names": ["a", {"b": [{"k": 1}]}, "a"]}], "__sls__": "s"}}),
        );
        assert_eq!(l.len(), 2);
        assert_eq!(l[0]["name"], "a");
        assert_eq!(l[0]["order"], json!(5.0001));
        assert_eq!(l[1]["name"], "b");
        assert_eq!(l[1]["k"], 1);
        assert!(l[1].get("name_order").is_none());
    }
}
