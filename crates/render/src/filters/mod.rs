//! Salt's Jinja filters, tests and globals, registered on the shared base
//! environment, one file per family:
//!
//! * `core.rs`: builtins whose minijinja version differs from Jinja2 in a
//!   way Salt templates notice (`default(boolean=)`, `list`, `dict`, ...);
//! * `serial.rs`: `yaml`, `json`, `tojson`, `python`, `load_*`, `yaml_*`;
//! * `text.rs`: regexes, hashes, base64, `to_bool`, `to_num`, paths, dates,
//!   case conversion;
//! * `lists.rs`: `unique`, set operations, `flatten`, `traverse`, `min`,
//!   `json_query` and the other collection filters;
//! * `net.rs`: `ipaddr`, `ipv4`, `ipv6`, `is_ip`, `network_hosts`, ....
//!
//! Arguments are taken Python's way, by position or by keyword ([`params`]).

use minijinja::value::{Rest, Value, ValueOrKwargs};
use minijinja::{Environment, Error, ErrorKind};

use crate::methods::split_kwargs;

mod core;
mod lists;
mod net;
mod serial;
mod text;

/// Registers every Salt filter, test and global function on `env`.
pub fn register(env: &mut Environment<'static>) {
    // Jinja2 builtins minijinja keeps in contrib (truncate, wordcount, ...).
    minijinja_contrib::add_to_environment(env);
    core::register(env);
    serial::register(env);
    text::register(env);
    lists::register(env);
    net::register(env);
}

/// A filter's or function's arguments after the first, keyword arguments
/// included (as a trailing kwargs value).
pub type Args = Rest<ValueOrKwargs>;

/// The arguments as plain values (the kwargs value last, if any).
pub fn vals(args: &Args) -> Vec<Value> {
    args.iter().map(|v| Value::clone(v)).collect()
}

/// Binds a call's arguments to parameter `names` the way Python does
/// (positionally, then by keyword); unknown keywords and extra positional
/// arguments are errors naming `func`.
pub fn params(func: &str, args: &Args, names: &[&str]) -> Result<Vec<Option<Value>>, Error> {
    let args = vals(args);
    let (pos, kwargs) = split_kwargs(&args);
    if pos.len() > names.len() {
        return Err(Error::new(
            ErrorKind::TooManyArguments,
            format!(
                "{func}() takes at most {} arguments ({} given)",
                names.len(),
                pos.len()
            ),
        ));
    }
    let mut out: Vec<Option<Value>> = names.iter().map(|_| None).collect();
    for (slot, v) in out.iter_mut().zip(pos) {
        *slot = Some(v.clone());
    }
    for (k, v) in kwargs {
        let key = k.as_str().unwrap_or("");
        match names.iter().position(|n| *n == key) {
            Some(i) => out[i] = Some(v),
            None => {
                return Err(Error::new(
                    ErrorKind::TooManyArguments,
                    format!("{func}() got an unexpected keyword argument '{key}'"),
                ));
            }
        }
    }
    Ok(out)
}

/// A parameter's truth value, `default` when not given.
pub fn flag(v: &Option<Value>, default: bool) -> bool {
    v.as_ref().map(Value::is_true).unwrap_or(default)
}

/// A string argument (Python `str()` of other values).
pub fn text_of(v: &Value) -> String {
    crate::pyrepr::str_of(v)
}

/// An error from a filter, in Python's exception wording.
pub fn fail(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}
