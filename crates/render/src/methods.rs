//! Python's `dict` and `list` methods on the mutable containers.
//!
//! The in-place ones (`update`, `setdefault`, `pop`, `append`, `extend`, ...)
//! are what `{% do %}` in Salt formulas calls; the rest (`get`, `items`,
//! `keys`, `copy`, `index`, ...) answer as Python does. Mutators return
//! `None`, like Python. A method Python's type does not have is left to the
//! pycompat fallback, which reports it.

use std::sync::Arc;

use minijinja::value::{Tuple, Value, ValueKind};
use minijinja::{Error, ErrorKind, State};

use crate::pyrepr;
use crate::value::{PyDict, PyList, dict_from, list_from, map_entries};

/// `d.method(args)` on a mutable dict.
pub fn dict_method(
    _state: &mut State<'_, '_>,
    dict: &Arc<PyDict>,
    method: &str,
    args: &[Value],
) -> Result<Value, Error> {
    let (pos, kwargs) = split_kwargs(args);
    let none = Value::from(());
    if matches!(method, "get" | "setdefault" | "pop")
        && let Some(k) = pos.first()
    {
        hashable(k)?;
    }
    match method {
        "get" => {
            no_kwargs("dict.get", &kwargs)?;
            let (key, default) = match pos {
                [k] => (k, none),
                [k, d] => (k, d.clone()),
                _ => return Err(arity("dict.get", "1 or 2", pos.len())),
            };
            Ok(dict.lock().get(key).cloned().unwrap_or(default))
        }
        "keys" => {
            exact("dict.keys", pos, &kwargs, 0)?;
            Ok(Value::from(dict.lock().keys().cloned().collect::<Vec<_>>()))
        }
        "values" => {
            exact("dict.values", pos, &kwargs, 0)?;
            Ok(Value::from(
                dict.lock().values().cloned().collect::<Vec<_>>(),
            ))
        }
        "items" => {
            exact("dict.items", pos, &kwargs, 0)?;
            let items: Vec<Value> = dict
                .snapshot()
                .into_iter()
                .map(|(k, v)| Value::from(Tuple::from([k, v])))
                .collect();
            Ok(Value::from(items))
        }
        "update" => {
            if pos.len() > 1 {
                return Err(arity("dict.update", "at most 1", pos.len()));
            }
            let mut new = Vec::new();
            if let Some(other) = pos.first() {
                new.extend(pairs_of(other)?);
            }
            new.extend(kwargs);
            for (k, _) in &new {
                hashable(k)?;
            }
            let mut items = dict.lock();
            for (k, v) in new {
                items.insert(k, v);
            }
            Ok(none)
        }
        "setdefault" => {
            no_kwargs("dict.setdefault", &kwargs)?;
            let (key, default) = match pos {
                [k] => (k.clone(), none),
                [k, d] => (k.clone(), d.clone()),
                _ => return Err(arity("dict.setdefault", "1 or 2", pos.len())),
            };
            Ok(dict.lock().entry(key).or_insert(default).clone())
        }
        "pop" => {
            no_kwargs("dict.pop", &kwargs)?;
            let (key, default) = match pos {
                [k] => (k, None),
                [k, d] => (k, Some(d.clone())),
                _ => return Err(arity("dict.pop", "1 or 2", pos.len())),
            };
            match dict.lock().shift_remove(key) {
                Some(v) => Ok(v),
                None => default.ok_or_else(|| key_error(key)),
            }
        }
        "popitem" => {
            exact("dict.popitem", pos, &kwargs, 0)?;
            match dict.lock().pop() {
                Some((k, v)) => Ok(Value::from(Tuple::from([k, v]))),
                None => Err(Error::new(
                    ErrorKind::InvalidOperation,
                    "KeyError: 'popitem(): dictionary is empty'",
                )),
            }
        }
        "copy" => {
            exact("dict.copy", pos, &kwargs, 0)?;
            Ok(dict_from(dict.lock().clone()))
        }
        "clear" => {
            exact("dict.clear", pos, &kwargs, 0)?;
            dict.lock().clear();
            Ok(none)
        }
        _ => Err(Error::from(ErrorKind::UnknownMethod)),
    }
}

/// `l.method(args)` on a mutable list.
pub fn list_method(
    _state: &mut State<'_, '_>,
    list: &Arc<PyList>,
    method: &str,
    args: &[Value],
) -> Result<Value, Error> {
    let (pos, kwargs) = split_kwargs(args);
    let none = Value::from(());
    match method {
        "append" => {
            exact("list.append", pos, &kwargs, 1)?;
            list.lock().push(pos[0].clone());
            Ok(none)
        }
        "extend" => {
            exact("list.extend", pos, &kwargs, 1)?;
            let new: Vec<Value> = iterate(&pos[0], "list.extend")?;
            list.lock().extend(new);
            Ok(none)
        }
        "insert" => {
            exact("list.insert", pos, &kwargs, 2)?;
            let mut items = list.lock();
            let at = clamp_index(&pos[0], items.len())?;
            items.insert(at, pos[1].clone());
            Ok(none)
        }
        "remove" => {
            exact("list.remove", pos, &kwargs, 1)?;
            // Compare outside the lock: an item may be this very list.
            let found = list.snapshot().iter().position(|v| v == &pos[0]);
            match found {
                Some(i) => {
                    let mut items = list.lock();
                    if i < items.len() {
                        items.remove(i);
                    }
                    Ok(none)
                }
                None => Err(Error::new(
                    ErrorKind::InvalidOperation,
                    "ValueError: list.remove(x): x not in list",
                )),
            }
        }
        "pop" => {
            no_kwargs("list.pop", &kwargs)?;
            let mut items = list.lock();
            let len = items.len();
            let idx = match pos {
                [] => len.checked_sub(1),
                [i] => resolve_index(i, len)?,
                _ => return Err(arity("list.pop", "at most 1", pos.len())),
            };
            match idx {
                Some(i) if i < len => Ok(items.remove(i)),
                _ => Err(Error::new(
                    ErrorKind::InvalidOperation,
                    if len == 0 {
                        "IndexError: pop from empty list"
                    } else {
                        "IndexError: pop index out of range"
                    },
                )),
            }
        }
        "index" => {
            no_kwargs("list.index", &kwargs)?;
            let Some(needle) = pos.first() else {
                return Err(arity("list.index", "at least 1", 0));
            };
            match list.snapshot().iter().position(|v| v == needle) {
                Some(i) => Ok(Value::from(i)),
                None => Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!("ValueError: {} is not in list", pyrepr::repr(needle)),
                )),
            }
        }
        "count" => {
            exact("list.count", pos, &kwargs, 1)?;
            Ok(Value::from(
                list.snapshot().iter().filter(|v| *v == &pos[0]).count(),
            ))
        }
        "reverse" => {
            exact("list.reverse", pos, &kwargs, 0)?;
            list.lock().reverse();
            Ok(none)
        }
        "sort" => {
            if !pos.is_empty() {
                return Err(arity("list.sort", "no positional", pos.len()));
            }
            let mut reverse = false;
            for (k, v) in kwargs {
                match k.as_str() {
                    Some("reverse") => reverse = v.is_true(),
                    _ => {
                        return Err(Error::new(
                            ErrorKind::InvalidOperation,
                            format!("list.sort() got an unsupported argument {k}"),
                        ));
                    }
                }
            }
            let mut sorted = list.snapshot();
            sorted.sort();
            if reverse {
                sorted.reverse();
            }
            *list.lock() = sorted;
            Ok(none)
        }
        "copy" => {
            exact("list.copy", pos, &kwargs, 0)?;
            Ok(list_from(list.snapshot()))
        }
        "clear" => {
            exact("list.clear", pos, &kwargs, 0)?;
            list.lock().clear();
            Ok(none)
        }
        _ => Err(Error::from(ErrorKind::UnknownMethod)),
    }
}

/// Positional arguments and keyword arguments (in call order) of a call.
pub fn split_kwargs(args: &[Value]) -> (&[Value], Vec<(Value, Value)>) {
    match args.split_last() {
        Some((last, rest)) if last.is_kwargs() => {
            let kw = map_entries(last).unwrap_or_default();
            (rest, kw)
        }
        _ => (args, Vec::new()),
    }
}

/// The key/value pairs of a dict, or of a list of pairs (`dict.update` and
/// `dict()` accept both).
pub fn pairs_of(value: &Value) -> Result<Vec<(Value, Value)>, Error> {
    if value.kind() == ValueKind::Map {
        return map_entries(value);
    }
    let mut out = Vec::new();
    for item in iterate(value, "dict.update")? {
        let pair: Vec<Value> = iterate(&item, "dict.update")?;
        match <[Value; 2]>::try_from(pair) {
            Ok([k, v]) => out.push((k, v)),
            Err(p) => {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!(
                        "ValueError: dictionary update sequence element has length {}; 2 is required",
                        p.len()
                    ),
                ));
            }
        }
    }
    Ok(out)
}

/// The items of an iterable value; a clear error for anything else.
pub fn iterate(value: &Value, what: &str) -> Result<Vec<Value>, Error> {
    if value.is_undefined() || value.is_none() || value.kind() == ValueKind::Number {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "{what}(): '{}' object is not iterable",
                pyrepr::type_name(value)
            ),
        ));
    }
    Ok(value.try_iter()?.collect())
}

/// Python's dicts take only hashable keys; a dict or list as a key is a
/// `TypeError` (and hashing one here could reach a locked container).
pub fn hashable(key: &Value) -> Result<(), Error> {
    if matches!(key.kind(), ValueKind::Map) || (key.kind() == ValueKind::Seq && !key.is_tuple()) {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("TypeError: unhashable type: '{}'", pyrepr::type_name(key)),
        ));
    }
    Ok(())
}

fn key_error(key: &Value) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("KeyError: {}", pyrepr::repr(key)),
    )
}

fn no_kwargs(what: &str, kwargs: &[(Value, Value)]) -> Result<(), Error> {
    if kwargs.is_empty() {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::TooManyArguments,
            format!("{what}() takes no keyword arguments"),
        ))
    }
}

fn exact(what: &str, pos: &[Value], kwargs: &[(Value, Value)], n: usize) -> Result<(), Error> {
    no_kwargs(what, kwargs)?;
    if pos.len() == n {
        Ok(())
    } else {
        Err(arity(what, &n.to_string(), pos.len()))
    }
}

fn arity(what: &str, want: &str, got: usize) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("{what}() takes {want} argument(s) ({got} given)"),
    )
}

/// A Python index (negative counts from the end) into `0..len`, `None` when
/// it falls outside.
fn resolve_index(idx: &Value, len: usize) -> Result<Option<usize>, Error> {
    let i = idx.as_i64().ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "TypeError: list indices must be integers, not {}",
                pyrepr::type_name(idx)
            ),
        )
    })?;
    let len_i = i64::try_from(len).unwrap_or(i64::MAX);
    let i = if i < 0 { i + len_i } else { i };
    Ok(usize::try_from(i).ok().filter(|i| *i < len))
}

/// `list.insert` clamps its index into `0..=len` instead of failing.
fn clamp_index(idx: &Value, len: usize) -> Result<usize, Error> {
    let i = idx.as_i64().ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidOperation,
            "TypeError: list.insert() index must be an integer",
        )
    })?;
    let len_i = i64::try_from(len).unwrap_or(i64::MAX);
    let i = if i < 0 {
        (i + len_i).max(0)
    } else {
        i.min(len_i)
    };
    Ok(usize::try_from(i).unwrap_or(0))
}
