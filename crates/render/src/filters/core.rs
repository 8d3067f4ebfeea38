//! Jinja builtins whose minijinja version differs from Jinja2 in a way Salt
//! templates notice: `default` with `boolean=`, `list` and `dict` giving
//! mutable containers, `int`/`float` falling back to their default instead
//! of failing, `truncate` with positional arguments, and Salt's `odict` and
//! `raise` globals.

use indexmap::IndexMap;
use minijinja::value::{Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State};

use super::{Args, vals};
use crate::methods::{iterate, pairs_of, split_kwargs};
use crate::value::{dict_from, list_from};

pub fn register(env: &mut Environment<'static>) {
    env.add_filter("default", default);
    env.add_filter("d", default);
    env.add_filter("list", list);
    env.add_filter("int", int_filter);
    env.add_filter("truncate", truncate);
    env.add_filter("float", float_filter);
    env.add_function("dict", dict);
    env.add_function("odict", dict);
    env.add_function("raise", raise);
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

/// Jinja2's `int(value, default=0, base=10)`: a string in `base`, else
/// truncating a float (`'42.23'` is 42), else `default`.
fn int_filter(value: Value, args: Args) -> Result<Value, Error> {
    let p = super::params("int", &args, &["default", "base"])?;
    let default = p[0].clone().unwrap_or(Value::from(0));
    let base = p[1].as_ref().and_then(Value::as_i64).unwrap_or(10);
    if value.kind() == ValueKind::Bool {
        return Ok(Value::from(i64::from(value.is_true())));
    }
    if value.is_integer() {
        return Ok(value);
    }
    if value.kind() == ValueKind::Number {
        let f = f64::try_from(value)?;
        return Ok(Value::from(f.trunc() as i64));
    }
    let Some(s) = value.as_str() else {
        return Ok(default);
    };
    let t = s.trim();
    let digits = t.replace('_', "");
    let (neg, body) = match digits.strip_prefix('-') {
        Some(b) => (true, b.to_owned()),
        None => (false, digits.trim_start_matches('+').to_owned()),
    };
    let body = match base {
        16 => body
            .trim_start_matches("0x")
            .trim_start_matches("0X")
            .to_owned(),
        8 => body
            .trim_start_matches("0o")
            .trim_start_matches("0O")
            .to_owned(),
        2 => body
            .trim_start_matches("0b")
            .trim_start_matches("0B")
            .to_owned(),
        _ => body,
    };
    if let Ok(radix) = u32::try_from(base)
        && (2..=36).contains(&radix)
        && let Ok(n) = i64::from_str_radix(&body, radix)
    {
        return Ok(Value::from(if neg { -n } else { n }));
    }
    match super::text::parse_py_float(t) {
        Some(f) if f.is_finite() => Ok(Value::from(f.trunc() as i64)),
        _ => Ok(default),
    }
}

/// Jinja2's `truncate(s, length=255, killwords=False, end='...', leeway=5)`
/// with positional arguments (minijinja-contrib's takes keywords only).
fn truncate(state: &mut State<'_, '_>, value: Value, args: Args) -> Result<Value, Error> {
    let names = ["length", "killwords", "end", "leeway"];
    let p = super::params("truncate", &args, &names)?;
    let kwargs: minijinja::value::Kwargs = names
        .iter()
        .zip(p)
        .filter_map(|(n, v)| v.map(|v| ((*n).to_owned(), v)))
        .collect();
    minijinja_contrib::filters::truncate(state, &value, kwargs)
}

/// Jinja2's `float(value, default=0.0)`.
fn float_filter(value: Value, args: Args) -> Result<Value, Error> {
    let p = super::params("float", &args, &["default"])?;
    let default = p[0].clone().unwrap_or(Value::from(0.0));
    if value.kind() == ValueKind::Number || value.kind() == ValueKind::Bool {
        return Ok(Value::from(f64::try_from(value).unwrap_or(0.0)));
    }
    match value
        .as_str()
        .and_then(|s| super::text::parse_py_float(s.trim()))
    {
        Some(f) => Ok(Value::from(f)),
        None => Ok(default),
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
