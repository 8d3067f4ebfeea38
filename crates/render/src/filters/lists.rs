//! Collection filters and tests: `unique`, `union`, `intersect`,
//! `difference`, `symmetric_difference`, `flatten`, `traverse`, `min`,
//! `max`, `avg`, `is_list`, `is_iter`, `sorted_ignorecase`,
//! `exactly_n_true`, `exactly_one_true`, `substring_in_list`,
//! `compare_lists`, `compare_dicts`, `json_query`, `to_entries`,
//! `from_entries`, `method_call`, and the `list` test. Results are mutable
//! lists and dicts, as in Python.

use indexmap::IndexMap;
use minijinja::value::{Value, ValueKind};
use minijinja::{Environment, Error, State};

use super::{Args, fail, flag, params, text_of};
use crate::methods::{iterate, split_kwargs};
use crate::pyrepr;
use crate::value::{dict_from, from_json, list_from, map_entries, to_json};

pub fn register(env: &mut Environment<'static>) {
    env.add_filter("unique", |v: Value| -> Result<Value, Error> {
        Ok(list_from(unique(items(&v)?)))
    });
    env.add_filter("union", |a: Value, b: Value| set_op(&a, &b, Op::Union));
    env.add_filter("intersect", |a: Value, b: Value| {
        set_op(&a, &b, Op::Intersect)
    });
    env.add_filter("difference", |a: Value, b: Value| {
        set_op(&a, &b, Op::Difference)
    });
    env.add_filter("symmetric_difference", |a: Value, b: Value| {
        set_op(&a, &b, Op::Symmetric)
    });
    env.add_filter("flatten", flatten_filter);
    env.add_filter("traverse", traverse);
    env.add_filter("min", |v: Value| extreme(&v, true));
    env.add_filter("max", |v: Value| extreme(&v, false));
    env.add_filter("avg", avg);
    env.add_filter("is_list", |v: Value| is_list(&v));
    env.add_test("list", |v: Value| is_list(&v));
    env.add_filter("is_iter", |v: Value| is_iter(&v));
    env.add_filter("sorted_ignorecase", sorted_ignorecase);
    env.add_filter("exactly_n_true", exactly_n_true);
    env.add_filter("exactly_one_true", |v: Value| exactly_n(&v, 1));
    env.add_filter("substring_in_list", substring_in_list);
    env.add_filter("compare_lists", compare_lists);
    env.add_filter("compare_dicts", compare_dicts);
    env.add_filter("json_query", json_query);
    env.add_filter("to_entries", to_entries);
    env.add_filter("from_entries", from_entries);
    env.add_filter("method_call", method_call);
}

fn items(v: &Value) -> Result<Vec<Value>, Error> {
    iterate(v, "filter")
}

/// First occurrences, in order (Python `x not in ret`).
fn unique(values: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(values.len());
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

#[derive(Clone, Copy)]
enum Op {
    Union,
    Intersect,
    Difference,
    Symmetric,
}

fn set_op(a: &Value, b: &Value, op: Op) -> Result<Value, Error> {
    let (a, b) = (items(a)?, items(b)?);
    let out = match op {
        Op::Union => unique(a.iter().chain(b.iter()).cloned().collect()),
        Op::Intersect => unique(a.iter().filter(|x| b.contains(x)).cloned().collect()),
        Op::Difference => unique(a.iter().filter(|x| !b.contains(x)).cloned().collect()),
        Op::Symmetric => {
            let union = unique(a.iter().chain(b.iter()).cloned().collect());
            let inter = unique(a.iter().filter(|x| b.contains(x)).cloned().collect());
            unique(union.into_iter().filter(|x| !inter.contains(x)).collect())
        }
    };
    Ok(list_from(out))
}

/// Salt's `is_iter`: iterable and not a string.
fn is_iter(v: &Value) -> bool {
    matches!(
        v.kind(),
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable
    )
}

/// `isinstance(value, list)`.
fn is_list(v: &Value) -> bool {
    v.kind() == ValueKind::Seq && !v.is_tuple()
}

/// `flatten(levels=None, preserve_nulls=False)`: nested lists (and dicts'
/// keys) spliced in; `None`, `'None'` and `'null'` dropped unless kept.
fn flatten_filter(v: Value, args: Args) -> Result<Value, Error> {
    let p = params("flatten", &args, &["levels", "preserve_nulls"])?;
    let levels = match &p[0] {
        Some(l) if !l.is_none() => Some(
            l.as_i64()
                .ok_or_else(|| fail("flatten(): levels must be an integer"))?,
        ),
        _ => None,
    };
    let mut out = Vec::new();
    flatten(&v, levels, flag(&p[1], false), 0, &mut out)?;
    Ok(list_from(out))
}

fn flatten(
    v: &Value,
    levels: Option<i64>,
    keep_nulls: bool,
    depth: usize,
    out: &mut Vec<Value>,
) -> Result<(), Error> {
    if depth > 100 {
        return Err(fail(
            "RecursionError: Reference cycle detected. Check input list.",
        ));
    }
    for el in items(v)? {
        let nullish = el.is_none() || matches!(el.as_str(), Some("None") | Some("null"));
        if !keep_nulls && nullish {
            continue;
        }
        if is_iter(&el) {
            match levels {
                None => flatten(&el, None, keep_nulls, depth + 1, out)?,
                Some(l) if l >= 1 => flatten(&el, Some(l - 1), keep_nulls, depth + 1, out)?,
                Some(_) => out.push(el),
            }
        } else {
            out.push(el);
        }
    }
    Ok(())
}

/// `data | traverse('a:b:0', default=None, delimiter=':')`: Salt's
/// `traverse_dict_and_list` on the live values (the result is the same
/// object, so changing it changes the data).
fn traverse(data: Value, key: Value, args: Args) -> Result<Value, Error> {
    let p = params("traverse", &args, &["default", "delimiter"])?;
    let default = p[0].clone().unwrap_or(Value::from(()));
    let delim = p[1].as_ref().map(text_of).unwrap_or_else(|| ":".to_owned());
    let key = text_of(&key);
    let mut ptr = data;
    for part in key.split(delim.as_str()) {
        match ptr.kind() {
            ValueKind::Seq => {
                let list = items(&ptr)?;
                let embedded = list
                    .iter()
                    .filter(|x| x.kind() == ValueKind::Map)
                    .find_map(|m| {
                        m.get_item(&Value::from(part))
                            .ok()
                            .filter(|v| !v.is_undefined())
                    });
                if let Some(v) = embedded {
                    ptr = v;
                    continue;
                }
                let Ok(idx) = part.trim().parse::<i64>() else {
                    return Ok(default);
                };
                match ptr.get_item(&Value::from(idx)) {
                    Ok(v) if !v.is_undefined() => ptr = v,
                    _ => return Ok(default),
                }
            }
            ValueKind::Map => match ptr.get_item(&Value::from(part)) {
                Ok(v) if !v.is_undefined() => ptr = v,
                _ => return Ok(default),
            },
            _ => return Ok(default),
        }
    }
    Ok(ptr)
}

fn extreme(v: &Value, min: bool) -> Result<Value, Error> {
    let all = items(v)?;
    let best = if min {
        all.into_iter().min()
    } else {
        all.into_iter().max()
    };
    best.ok_or_else(|| {
        fail(format!(
            "ValueError: {}() arg is an empty sequence",
            if min { "min" } else { "max" }
        ))
    })
}

/// `avg`: `float(sum(lst) / len(lst))`.
fn avg(v: Value) -> Result<Value, Error> {
    if v.kind() == ValueKind::Number {
        return Ok(Value::from(f64::try_from(v)?));
    }
    let all = items(&v)?;
    if all.is_empty() {
        return Err(fail("ZeroDivisionError: division by zero"));
    }
    let mut sum = 0.0;
    for x in &all {
        sum += f64::try_from(x.clone())
            .map_err(|_| fail(format!("TypeError: cannot add {}", pyrepr::type_name(x))))?;
    }
    Ok(Value::from(sum / all.len() as f64))
}

fn sorted_ignorecase(v: Value) -> Result<Value, Error> {
    let mut all = items(&v)?;
    all.sort_by_key(|x| text_of(x).to_lowercase());
    Ok(list_from(all))
}

fn exactly_n_true(v: Value, args: Args) -> Result<bool, Error> {
    let p = params("exactly_n_true", &args, &["amount"])?;
    let n = p[0].as_ref().and_then(Value::as_usize).unwrap_or(1);
    exactly_n(&v, n)
}

fn exactly_n(v: &Value, n: usize) -> Result<bool, Error> {
    Ok(items(v)?.iter().filter(|x| x.is_true()).count() == n)
}

fn substring_in_list(s: Value, list: Value) -> Result<bool, Error> {
    let needle = text_of(&s);
    Ok(items(&list)?.iter().any(|x| text_of(x).contains(&needle)))
}

/// `old | compare_lists(new)`: `{'new': [...], 'old': [...]}`.
fn compare_lists(old: Value, new: Value) -> Result<Value, Error> {
    let (old, new) = (items(&old)?, items(&new)?);
    let mut out = IndexMap::new();
    let added: Vec<Value> = new.iter().filter(|x| !old.contains(x)).cloned().collect();
    let removed: Vec<Value> = old.iter().filter(|x| !new.contains(x)).cloned().collect();
    if !added.is_empty() {
        out.insert(Value::from("new"), list_from(added));
    }
    if !removed.is_empty() {
        out.insert(Value::from("old"), list_from(removed));
    }
    Ok(dict_from(out))
}

/// `old | compare_dicts(new)`: changed keys as `{'old': ..., 'new': ...}`
/// (`''` for a missing side). Salt's key order is a set's; here it is the
/// new dict's, then the old one's.
fn compare_dicts(old: Value, new: Value) -> Result<Value, Error> {
    let (old, new): (IndexMap<Value, Value>, IndexMap<Value, Value>) = (
        map_entries(&old)?.into_iter().collect(),
        map_entries(&new)?.into_iter().collect(),
    );
    let mut keys: Vec<Value> = new.keys().cloned().collect();
    keys.extend(old.keys().filter(|k| !new.contains_key(*k)).cloned());
    let mut out = IndexMap::new();
    let pair = |o: Value, n: Value, old_first: bool| {
        let mut m = IndexMap::new();
        if old_first {
            m.insert(Value::from("old"), o);
            m.insert(Value::from("new"), n);
        } else {
            m.insert(Value::from("new"), n);
            m.insert(Value::from("old"), o);
        }
        dict_from(m)
    };
    for k in keys {
        match (old.get(&k), new.get(&k)) {
            (None, Some(n)) => {
                out.insert(k, pair(Value::from(""), n.clone(), true));
            }
            (Some(o), None) => {
                out.insert(k, pair(o.clone(), Value::from(""), false));
            }
            (Some(o), Some(n)) if o != n => {
                out.insert(k, pair(o.clone(), n.clone(), true));
            }
            _ => {}
        }
    }
    Ok(dict_from(out))
}

/// `data | json_query(expr)`: JMESPath.
fn json_query(data: Value, expr: Value) -> Result<Value, Error> {
    let expr = text_of(&expr);
    let compiled = jmespath::compile(&expr).map_err(|e| fail(format!("jmespath: {e}")))?;
    let json = to_json(&data)?;
    let var =
        jmespath::Variable::from_serializable(&json).map_err(|e| fail(format!("jmespath: {e}")))?;
    let result = compiled
        .search(var)
        .map_err(|e| fail(format!("jmespath: {e}")))?;
    let back = serde_json::to_value(&*result).map_err(|e| fail(format!("jmespath: {e}")))?;
    Ok(from_json(&back))
}

fn entry(k: Value, v: Value) -> Value {
    let mut m = IndexMap::new();
    m.insert(Value::from("key"), k);
    m.insert(Value::from("value"), v);
    dict_from(m)
}

fn to_entries(data: Value) -> Result<Value, Error> {
    match data.kind() {
        ValueKind::Map => Ok(list_from(
            map_entries(&data)?
                .into_iter()
                .map(|(k, v)| entry(k, v))
                .collect(),
        )),
        ValueKind::Seq if !data.is_tuple() => Ok(list_from(
            items(&data)?
                .into_iter()
                .enumerate()
                .map(|(i, v)| entry(Value::from(i), v))
                .collect(),
        )),
        _ => Err(fail("Input data must be a dict or list")),
    }
}

/// `from_entries`: `key` (or `name`, any case) -> `value`.
fn from_entries(entries: Value) -> Result<Value, Error> {
    let mut out = IndexMap::new();
    for e in items(&entries)? {
        let pairs = map_entries(&e)?;
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k.as_str().is_some_and(|s| s.eq_ignore_ascii_case(name)))
                .map(|(_, v)| v.clone())
        };
        let value = get("value").unwrap_or(Value::from(()));
        for key in ["key", "name"] {
            if let Some(k) = get(key).filter(Value::is_true) {
                out.insert(k, value.clone());
            }
        }
    }
    Ok(dict_from(out))
}

/// `obj | method_call('name', *args, **kwargs)`.
fn method_call(
    state: &mut State<'_, '_>,
    obj: Value,
    name: Value,
    args: Args,
) -> Result<Value, Error> {
    let args = super::vals(&args);
    let (pos, kw) = split_kwargs(&args);
    let mut call_args: Vec<Value> = pos.to_vec();
    if !kw.is_empty() {
        let kwargs: minijinja::value::Kwargs =
            kw.into_iter().map(|(k, v)| (text_of(&k), v)).collect();
        call_args.push(Value::from(kwargs));
    }
    obj.call_method(state, &text_of(&name), &call_args)
}
