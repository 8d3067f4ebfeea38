//! Jinja builtins whose minijinja version differs from Jinja2 in a way Salt
//! templates notice: `default` with `boolean=`, `list` and `dict` giving
//! mutable containers, `odict`, `raise`, `ifelse`.

use indexmap::IndexMap;
use minijinja::value::Value;
use minijinja::{Environment, Error, ErrorKind, State};

use super::{Args, vals};
use crate::methods::{iterate, pairs_of, split_kwargs};
use crate::value::{dict_from, list_from};

pub fn register(env: &mut Environment<'static>) {
    env.add_filter("default", default);
    env.add_filter("d", default);
    env.add_filter("list", list);
    env.add_function("dict", dict);
    env.add_function("odict", dict);
    env.add_function("raise", raise);
    env.add_function("ifelse", ifelse);
}

/// `default(value, default_value='', boolean=False)`.
fn default(state: &State<'_, '_>, value: Value, args: Args) -> Result<Value, Error> {
    let args = vals(&args);
    let (pos, kwargs) = split_kwargs(&args);
    let mut other = pos.first().cloned();
    let mut boolean = pos.get(1).map(Value::is_true);
    if pos.len() > 2 {
        return Err(Error::new(
            ErrorKind::TooManyArguments,
            "default() takes at most 2 arguments",
        ));
    }
    for (k, v) in kwargs {
        match k.as_str() {
            Some("default_value") => other = Some(v),
            Some("boolean") => boolean = Some(v.is_true()),
            _ => {
                return Err(Error::new(
                    ErrorKind::TooManyArguments,
                    format!("default() got an unexpected keyword argument '{k}'"),
                ));
            }
        }
    }
    let _ = state;
    let other = other.unwrap_or_else(|| Value::from(""));
    if value.is_undefined() || (boolean.unwrap_or(false) && !value.is_true()) {
        Ok(other)
    } else {
        Ok(value)
    }
}

/// `list(value)`: a new mutable list of the items (a string's characters,
/// a dict's keys).
fn list(value: Value) -> Result<Value, Error> {
    Ok(list_from(iterate(&value, "list")?))
}

/// `dict(mapping_or_pairs, **kwargs)`: a new mutable dict.
fn dict(args: Args) -> Result<Value, Error> {
    let args = vals(&args);
    let (pos, kwargs) = split_kwargs(&args);
    let mut out: IndexMap<Value, Value> = IndexMap::new();
    match pos {
        [] => {}
        [src] => out.extend(pairs_of(src)?),
        _ => {
            return Err(Error::new(
                ErrorKind::TooManyArguments,
                "dict expected at most 1 argument",
            ));
        }
    }
    out.extend(kwargs);
    Ok(dict_from(out))
}

/// `raise('message')`: fails the render with that message.
fn raise(msg: Value) -> Result<Value, Error> {
    Err(Error::new(ErrorKind::InvalidOperation, msg.to_string()))
}

/// `ifelse('os_family', 'Debian', 'debian-value', 'RedHat', ..., default)`:
/// Salt's `salt.utils.data.ifelse` is not a template-only global; kept for
/// the few formulas that call it through grains.
fn ifelse(_args: Args) -> Result<Value, Error> {
    Err(Error::new(
        ErrorKind::InvalidOperation,
        "ifelse() is not supported by salt-rs yet",
    ))
}
