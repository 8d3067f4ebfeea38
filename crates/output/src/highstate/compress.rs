//! `state_compress_ids` (`_compress_ids` in Salt): states of one ID, SLS,
//! function module and result (an ID with several `names`) are merged into
//! one entry tagged `mod_|-ID (N)_|-state_compressed_SLS_ID_RESULT_|-fun`,
//! with the lowest run number, the summed duration, the earliest start
//! and their changes keyed by name under `compressed changes`.
//!
//! As in Salt, the first entry of each group is updated in place, and any
//! surprise in the data (a minion whose return is not a dict of states, a
//! state without `__id__`...) stops the compression, leaving the data as
//! it is by then.

use serde_json::{Map, Value};

use super::py::{self, Fallback, Py};
use crate::pyrepr;

/// Which entry of the original data a compressed entry stands for:
/// (minion, compressed tag, original tag).
pub(crate) type Links = Vec<(String, String, String)>;

/// The compressed copy of `data` (minion -> states) and its links to the
/// original entries, or `None` when Salt's compression would raise (the
/// data is then printed as it is, with the merges done so far).
pub(crate) fn compress_ids(data: &mut Map<String, Value>) -> Option<(Map<String, Value>, Links)> {
    let mut hosts: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for (host, hostdata) in data.iter_mut() {
        hosts.push((host.clone(), compress_host(hostdata).ok()?));
    }
    let mut out = Map::new();
    let mut links = Links::new();
    for (host, tags) in hosts {
        let mut states = Map::new();
        if let Some(Value::Object(original)) = data.get(&host) {
            for (new_tag, old_tag) in tags {
                if let Some(info) = original.get(&old_tag) {
                    states.insert(new_tag.clone(), info.clone());
                    links.push((host.clone(), new_tag, old_tag));
                }
            }
        }
        out.insert(host, Value::Object(states));
    }
    Some((out, links))
}

/// In Salt the compressed entries are the original objects, so what the
/// outputter wrote into them shows in the original data too (and in the
/// nested fallback): copies them back.
pub(crate) fn write_back(
    data: &mut Map<String, Value>,
    compressed: &Map<String, Value>,
    links: &Links,
) {
    for (host, new_tag, old_tag) in links {
        let Some(info) = compressed.get(host).and_then(|h| h.get(new_tag)) else {
            continue;
        };
        if let Some(Value::Object(states)) = data.get_mut(host) {
            states.insert(old_tag.clone(), info.clone());
        }
    }
}

/// Merges one minion's states in place; returns (new tag, tag of the entry
/// that now holds the group) in output order.
fn compress_host(hostdata: &mut Value) -> Py<Vec<(String, String)>> {
    let Value::Object(states) = hostdata else {
        return Err(Fallback::new("AttributeError: no attribute 'items'"));
    };
    let mut group_keys = Vec::with_capacity(states.len());
    for (tag, info) in states.iter() {
        group_keys.push(group_key(tag, info)?);
    }
    let mut counts: Vec<(String, usize)> = Vec::new();
    for k in &group_keys {
        match counts.iter_mut().find(|(g, _)| g == k) {
            Some((_, n)) => *n += 1,
            None => counts.push((k.clone(), 1)),
        }
    }
    let count_of = |k: &str| counts.iter().find(|(g, _)| g == k).map_or(0, |(_, n)| *n);

    let tags: Vec<String> = states.keys().cloned().collect();
    let mut result: Vec<(String, String)> = Vec::new();
    for (tag, key) in tags.iter().zip(&group_keys) {
        let n = count_of(key);
        if n == 1 {
            result.push((tag.clone(), tag.clone()));
            continue;
        }
        let info = states.get(tag).cloned().unwrap_or(Value::Null);
        let mut comps: Vec<String> = py::split(tag, "_|-")
            .into_iter()
            .map(str::to_owned)
            .collect();
        if comps.len() < 3 {
            return Err(Fallback::new(
                "IndexError: list assignment index out of range",
            ));
        }
        let id = field_str(&info, "__id__")?;
        let sls = field_str(&info, "__sls__")?;
        let res = field_str(&info, "result")?;
        comps[2] = format!("state_compressed_{sls}_{id}_{res}");
        comps[1] = format!("{id} ({n})");
        let new_tag = comps.join("_|-");
        let Some((_, holder)) = result.iter().find(|(t, _)| *t == new_tag).cloned() else {
            result.push((new_tag, tag.clone()));
            continue;
        };
        let Some(Value::Object(first)) = states.get_mut(&holder) else {
            return Err(Fallback::new("TypeError: not a dict"));
        };
        merge(first, &info)?;
    }
    Ok(result)
}

/// `"_".join(map(str, [module, __id__, __sls__, result]))`.
fn group_key(tag: &str, info: &Value) -> Py<String> {
    let module = tag.split("_|-").next().unwrap_or("");
    Ok(format!(
        "{module}_{}_{}_{}",
        field_str(info, "__id__")?,
        field_str(info, "__sls__")?,
        field_str(info, "result")?
    ))
}

fn field<'a>(info: &'a Value, key: &str) -> Py<&'a Value> {
    match info {
        Value::Object(m) => m
            .get(key)
            .ok_or_else(|| Fallback::new(format!("KeyError: '{key}'"))),
        _ => Err(Fallback::new("TypeError: string indices must be integers")),
    }
}

fn field_str(info: &Value, key: &str) -> Py<String> {
    field(info, key).map(pyrepr::str_of)
}

/// Folds `info` into the group's first entry.
fn merge(first: &mut Map<String, Value>, info: &Value) -> Py<()> {
    let get = |m: &Map<String, Value>, k: &str| {
        m.get(k)
            .cloned()
            .ok_or_else(|| Fallback::new(format!("KeyError: '{k}'")))
    };
    let run_num = python_min(field(info, "__run_num__")?, &get(first, "__run_num__")?)?;
    first.insert("__run_num__".to_owned(), run_num);
    let duration = add_rounded(field(info, "duration")?, &get(first, "duration")?)?;
    first.insert("duration".to_owned(), duration);
    let start = python_min(field(info, "start_time")?, &get(first, "start_time")?)?;
    first.insert("start_time".to_owned(), start);

    let info_changes = info.get("changes").filter(|c| py::truthy(c)).cloned();
    let first_changes = first.get("changes").filter(|c| py::truthy(c)).cloned();
    let info_name = || info.get("name").map(pyrepr::str_of);
    match (first_changes, info_changes) {
        (Some(fc), Some(ic)) => {
            let already = match &fc {
                Value::Object(m) => m.get("compressed changes").is_some_and(py::truthy),
                _ => return Err(Fallback::new("AttributeError: no attribute 'get'")),
            };
            if !already {
                let name = first
                    .get("name")
                    .map(pyrepr::str_of)
                    .ok_or_else(|| Fallback::new("KeyError: 'name'"))?;
                let mut inner = Map::new();
                inner.insert(name, fc);
                let mut wrapper = Map::new();
                wrapper.insert("compressed changes".to_owned(), Value::Object(inner));
                first.insert("changes".to_owned(), Value::Object(wrapper));
            }
            let name = info_name().ok_or_else(|| Fallback::new("KeyError: 'name'"))?;
            let slot = first
                .get_mut("changes")
                .and_then(|c| c.get_mut("compressed changes"));
            match slot {
                Some(Value::Object(m)) => {
                    m.insert(name, ic);
                }
                _ => return Err(Fallback::new("AttributeError: no attribute 'update'")),
            }
        }
        (None, Some(ic)) => {
            let name = info_name().ok_or_else(|| Fallback::new("KeyError: 'name'"))?;
            let mut inner = Map::new();
            inner.insert(name, ic);
            let mut wrapper = Map::new();
            wrapper.insert("compressed changes".to_owned(), Value::Object(inner));
            first.insert("changes".to_owned(), Value::Object(wrapper));
        }
        _ => {}
    }
    Ok(())
}

/// `min(a, b)` / `sorted([a, b])[0]`: `a` unless `b` is smaller.
fn python_min(a: &Value, b: &Value) -> Py<Value> {
    let smaller = match (a, b) {
        (Value::String(x), Value::String(y)) => y < x,
        _ => match (number(a), number(b)) {
            (Some(x), Some(y)) => y < x,
            _ => return Err(Fallback::new("TypeError: '<' not supported")),
        },
    };
    Ok(if smaller { b.clone() } else { a.clone() })
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

/// `round(sum([a, b]), 3)`: ints stay ints, floats round to 3 places.
fn add_rounded(a: &Value, b: &Value) -> Py<Value> {
    let int = |v: &Value| match v {
        Value::Bool(x) => Some(i64::from(*x)),
        Value::Number(n) if !n.is_f64() => n.as_i64(),
        _ => None,
    };
    if let (Some(x), Some(y)) = (int(a), int(b)) {
        return Ok(Value::from(x + y));
    }
    match (number(a), number(b)) {
        (Some(x), Some(y)) => {
            let sum = 0.0 + x + y;
            let rounded: f64 = format!("{sum:.3}").parse().unwrap_or(sum);
            Ok(serde_json::Number::from_f64(rounded).map_or(Value::Null, Value::Number))
        }
        _ => Err(Fallback::new(
            "TypeError: unsupported operand type(s) for +",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn st(name: &str, run: u64, duration: f64, changes: Value) -> Value {
        let id = if name.starts_with('n') { "x" } else { name };
        json!({"name": name, "result": true, "changes": changes, "comment": "c",
               "__id__": id, "__sls__": "s", "__run_num__": run,
               "start_time": format!("10:0{run}"), "duration": duration})
    }

    #[test]
    fn one_id_with_several_names_becomes_one_entry() {
        let mut data = json!({"m": {
            "t_|-x_|-n1_|-f": st("n1", 1, 1.5, json!({})),
            "t_|-x_|-n2_|-f": st("n2", 0, 2.25, json!({"k": 1})),
            "t_|-y_|-y_|-f": st("y", 2, 1.0, json!({})),
        }});
        let Value::Object(map) = &mut data else {
            unreachable!()
        };
        let (out, links) = compress_ids(map).unwrap();
        let states = out["m"].as_object().unwrap();
        let keys: Vec<&String> = states.keys().collect();
        assert_eq!(
            keys,
            ["t_|-x (2)_|-state_compressed_s_x_True_|-f", "t_|-y_|-y_|-f"]
        );
        let merged = &states["t_|-x (2)_|-state_compressed_s_x_True_|-f"];
        assert_eq!(merged["__run_num__"], json!(0));
        assert_eq!(merged["duration"], json!(3.75));
        assert_eq!(merged["start_time"], json!("10:00"));
        assert_eq!(
            merged["changes"],
            json!({"compressed changes": {"n2": {"k": 1}}})
        );
        assert_eq!(links.len(), 2);
    }

    #[test]
    fn a_minion_without_states_stops_compression() {
        let mut data = json!({"m": ["compile error"]});
        let Value::Object(map) = &mut data else {
            unreachable!()
        };
        assert!(compress_ids(map).is_none());
    }
}
