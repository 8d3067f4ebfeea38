//! Mutable dicts and lists for templates, and conversions between template
//! values and `serde_json::Value`.
//!
//! Salt's formulas change dicts and lists in place (`{% do d.update(x) %}`,
//! `{% do l.append(x) %}`), and the change must be seen through every other
//! name for the same object, across loops, macros and imported templates, as
//! with Python objects. minijinja's own maps and lists are immutable, so every
//! dict and list a template can reach is one of the two objects here: data
//! from the context (grains, pillar, opts), results of `salt[...]` calls and
//! of Salt's filters, and the dict and list literals of the template itself
//! (the loader wraps those, see `rewrite.rs`). They keep insertion order and
//! behave like minijinja's own containers for iteration, `in`, equality,
//! `|tojson` and printing (which follows Python's `repr`, see `pyrepr.rs`).

use std::sync::{Arc, Mutex, MutexGuard};

use indexmap::IndexMap;
use minijinja::value::{Enumerator, Object, ObjectRepr, Value, ValueKind};
use minijinja::{Error, ErrorKind, State};

use crate::methods;
use crate::pyrepr;

/// A Python `dict`: insertion-ordered, changed in place by its methods.
#[derive(Debug, Default)]
pub struct PyDict {
    items: Mutex<IndexMap<Value, Value>>,
}

/// A Python `list`, changed in place by its methods.
#[derive(Debug, Default)]
pub struct PyList {
    items: Mutex<Vec<Value>>,
}

impl PyDict {
    /// A dict holding `items` in order.
    pub fn from_map(items: IndexMap<Value, Value>) -> PyDict {
        PyDict {
            items: Mutex::new(items),
        }
    }

    /// The entries, locked for reading or changing. A poisoned lock (a panic
    /// elsewhere while it was held) still yields the data.
    pub fn lock(&self) -> MutexGuard<'_, IndexMap<Value, Value>> {
        self.items.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A snapshot of the entries.
    pub fn snapshot(&self) -> Vec<(Value, Value)> {
        self.lock()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

impl PyList {
    /// A list holding `items`.
    pub fn from_vec(items: Vec<Value>) -> PyList {
        PyList {
            items: Mutex::new(items),
        }
    }

    /// The items, locked for reading or changing.
    pub fn lock(&self) -> MutexGuard<'_, Vec<Value>> {
        self.items.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A snapshot of the items.
    pub fn snapshot(&self) -> Vec<Value> {
        self.lock().clone()
    }
}

impl Object for PyDict {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        crate::methods::hashable(key).ok()?;
        self.lock().get(key).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.lock().keys().cloned().collect())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.lock().len())
    }

    fn call_method(
        self: &Arc<Self>,
        state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        methods::dict_method(state, self, method, args)
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&pyrepr::repr(&Value::from_dyn_object(self.clone())))
    }
}

impl Object for PyList {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let items = self.lock();
        let idx = key.as_i64()?;
        let len = i64::try_from(items.len()).ok()?;
        let idx = if idx < 0 { idx + len } else { idx };
        usize::try_from(idx)
            .ok()
            .and_then(|i| items.get(i))
            .cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.snapshot())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.lock().len())
    }

    fn call_method(
        self: &Arc<Self>,
        state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        methods::list_method(state, self, method, args)
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&pyrepr::repr(&Value::from_dyn_object(self.clone())))
    }
}

/// A mutable dict with these entries.
pub fn dict_from(items: IndexMap<Value, Value>) -> Value {
    Value::from_object(PyDict::from_map(items))
}

/// A mutable list with these items.
pub fn list_from(items: Vec<Value>) -> Value {
    Value::from_object(PyList::from_vec(items))
}

/// `value` as a mutable container when it is a map or a sequence that is not
/// one already (one level deep: nested literals are wrapped on their own);
/// anything else unchanged. Tuples stay tuples (immutable in Python too).
pub fn to_mutable(value: Value) -> Result<Value, Error> {
    if is_py_container(&value) || value.is_tuple() || value.is_kwargs() {
        return Ok(value);
    }
    match value.kind() {
        ValueKind::Map => Ok(dict_from(map_entries(&value)?.into_iter().collect())),
        ValueKind::Seq | ValueKind::Iterable => Ok(list_from(value.try_iter()?.collect())),
        _ => Ok(value),
    }
}

/// Whether `value` is one of our mutable containers.
pub fn is_py_container(value: &Value) -> bool {
    value.downcast_object_ref::<PyDict>().is_some()
        || value.downcast_object_ref::<PyList>().is_some()
}

/// The key/value pairs of any map value, in order.
pub fn map_entries(value: &Value) -> Result<Vec<(Value, Value)>, Error> {
    if let Some(d) = value.downcast_object_ref::<PyDict>() {
        return Ok(d.snapshot());
    }
    let obj = value.as_object().ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("expected a dict, got {}", pyrepr::type_name(value)),
        )
    })?;
    Ok(obj
        .try_iter_pairs()
        .map(|i| i.collect())
        .unwrap_or_default())
}

/// Template value of JSON data: objects and arrays become mutable containers.
pub fn from_json(value: &serde_json::Value) -> Value {
    match value {
        serde_json::Value::Null => Value::from(()),
        serde_json::Value::Bool(b) => Value::from(*b),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                Value::from(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(items) => list_from(items.iter().map(from_json).collect()),
        serde_json::Value::Object(map) => dict_from(
            map.iter()
                .map(|(k, v)| (Value::from(k.as_str()), from_json(v)))
                .collect(),
        ),
    }
}

/// JSON data of a template value. Map keys that are not strings become their
/// Python `str()`; undefined values and callables are errors.
pub fn to_json(value: &Value) -> Result<serde_json::Value, Error> {
    to_json_at(value, 0)
}

/// Deeper than this is a cycle (`d.update({'me': d})`) or hostile data.
const MAX_DEPTH: usize = 500;

fn to_json_at(value: &Value, depth: usize) -> Result<serde_json::Value, Error> {
    if depth > MAX_DEPTH {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "ValueError: Circular reference detected (or data nested too deep)",
        ));
    }
    Ok(match value.kind() {
        ValueKind::Undefined => {
            return Err(Error::new(
                ErrorKind::UndefinedError,
                "undefined value where data was expected",
            ));
        }
        ValueKind::None => serde_json::Value::Null,
        ValueKind::Bool => serde_json::Value::Bool(value.is_true()),
        ValueKind::Number => number_to_json(value)?,
        ValueKind::String => serde_json::Value::String(value.as_str().unwrap_or("").to_owned()),
        ValueKind::Bytes => serde_json::Value::String(
            String::from_utf8_lossy(value.as_bytes().unwrap_or(&[])).into_owned(),
        ),
        ValueKind::Map => {
            let mut out = serde_json::Map::new();
            for (k, v) in map_entries(value)? {
                out.insert(pyrepr::str_of(&k), to_json_at(&v, depth + 1)?);
            }
            serde_json::Value::Object(out)
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let mut out = Vec::new();
            for item in value.try_iter()? {
                out.push(to_json_at(&item, depth + 1)?);
            }
            serde_json::Value::Array(out)
        }
        ValueKind::Plain | ValueKind::Invalid => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("{} cannot be turned into data", pyrepr::type_name(value)),
            ));
        }
        _ => serde_json::Value::String(value.to_string()),
    })
}

fn number_to_json(value: &Value) -> Result<serde_json::Value, Error> {
    if value.is_integer() {
        if let Ok(i) = i64::try_from(value.clone()) {
            return Ok(i.into());
        }
        if let Ok(u) = u64::try_from(value.clone()) {
            return Ok(u.into());
        }
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("integer {value} is too large for data"),
        ));
    }
    let f = f64::try_from(value.clone())?;
    serde_json::Number::from_f64(f)
        .map(serde_json::Value::Number)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidOperation,
                format!("float {} cannot be turned into data", pyrepr::repr(value)),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_round_trip_keeps_order_and_types() {
        let data =
            json!({"z": 1, "a": [true, null, 1.5, "s", {"k": -3}], "m": 18446744073709551615u64});
        let v = from_json(&data);
        assert!(v.downcast_object_ref::<PyDict>().is_some());
        assert_eq!(to_json(&v).unwrap(), data);
        let keys: Vec<String> = v.try_iter().unwrap().map(|k| k.to_string()).collect();
        assert_eq!(keys, ["z", "a", "m"]);
    }

    #[test]
    fn self_references_do_not_deadlock() {
        let env = minijinja::Environment::new();
        let l = list_from(vec![Value::from(1)]);
        let d = dict_from(IndexMap::new());
        let mut state = env.empty_state();
        l.call_method(&mut state, "append", std::slice::from_ref(&l))
            .unwrap();
        assert_eq!(
            l.call_method(&mut state, "count", std::slice::from_ref(&l))
                .unwrap(),
            Value::from(1)
        );
        l.call_method(&mut state, "remove", std::slice::from_ref(&l))
            .unwrap();
        l.call_method(&mut state, "sort", &[]).unwrap();
        d.call_method(
            &mut state,
            "update",
            &[Value::from_iter([("me", d.clone())])],
        )
        .unwrap();
        assert!(
            d.call_method(&mut state, "get", std::slice::from_ref(&d))
                .is_err()
        );
        assert!(d.get_item(&d).unwrap().is_undefined());
        assert_eq!(crate::pyrepr::repr(&l), "[1]");
        assert!(to_json(&d).is_err());
    }

    #[test]
    fn list_negative_index() {
        let v = from_json(&json!([1, 2, 3]));
        assert_eq!(v.get_item(&Value::from(-1)).unwrap(), Value::from(3));
        assert!(v.get_item(&Value::from(5)).unwrap().is_undefined());
    }
}
