//! The `salt` template object: `salt['pillar.get']('a:b')`,
//! `salt.pillar.get('a:b')`, `'pkg.version' in salt`.
//!
//! Every lookup goes to [`Host`]: a template reaches only the functions the
//! host registers, arguments and results cross as JSON data, and a function
//! the host does not have is an error naming it.

use std::fmt;
use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectRepr, Value};
use minijinja::{Error, ErrorKind, State};

use crate::Host;
use crate::methods::split_kwargs;
use crate::pyrepr;
use crate::value::{PyDict, from_json, to_json};

/// The `salt` global.
pub struct SaltObject {
    host: Arc<dyn Host>,
}

impl SaltObject {
    /// The object over `host`.
    pub fn new(host: Arc<dyn Host>) -> SaltObject {
        SaltObject { host }
    }
}

impl fmt::Debug for SaltObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SaltObject")
    }
}

impl Object for SaltObject {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let name = key.as_str()?;
        if name.contains('.') {
            if !self.host.has_function(name) {
                return None;
            }
            Some(Value::from_object(SaltFunction {
                host: self.host.clone(),
                name: name.to_owned(),
            }))
        } else {
            Some(Value::from_object(SaltModule {
                host: self.host.clone(),
                module: name.to_owned(),
            }))
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::NonEnumerable
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<salt functions>")
    }
}

/// One host function as a template value (for globals that are execution
/// functions in Salt, such as `ifelse`, which is `match.ifelse`).
pub fn function(host: Arc<dyn Host>, name: &str) -> Value {
    Value::from_object(SaltFunction {
        host,
        name: name.to_owned(),
    })
}

/// `salt.<module>`: attribute access gives its functions.
struct SaltModule {
    host: Arc<dyn Host>,
    module: String,
}

impl fmt::Debug for SaltModule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SaltModule({})", self.module)
    }
}

impl Object for SaltModule {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let name = format!("{}.{}", self.module, key.as_str()?);
        if !self.host.has_function(&name) {
            return None;
        }
        Some(Value::from_object(SaltFunction {
            host: self.host.clone(),
            name,
        }))
    }

    fn call_method(
        self: &Arc<Self>,
        state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let name = format!("{}.{method}", self.module);
        let _ = state;
        call(&*self.host, &name, args)
    }

    fn call(self: &Arc<Self>, _state: &mut State<'_, '_>, _args: &[Value]) -> Result<Value, Error> {
        Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("salt.{} is a module, not a function", self.module),
        ))
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<salt module {}>", self.module)
    }
}

/// One execution function, callable from the template.
struct SaltFunction {
    host: Arc<dyn Host>,
    name: String,
}

impl fmt::Debug for SaltFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SaltFunction({})", self.name)
    }
}

impl Object for SaltFunction {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn call(self: &Arc<Self>, state: &mut State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        let _ = state;
        call(&*self.host, &self.name, args)
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<salt function {}>", self.name)
    }
}

/// Marker at the start of the detail of errors raised by salt functions, so
/// that `error.rs` words them as Salt does.
pub const CALL_ERROR_PREFIX: &str = "Problem running salt function in Jinja template: ";

fn call(host: &dyn Host, name: &str, args: &[Value]) -> Result<Value, Error> {
    if !host.has_function(name) {
        return Err(Error::new(
            ErrorKind::UnknownFunction,
            format!("'{name}' is not available."),
        ));
    }
    let (pos, kwargs) = split_kwargs(args);
    let mut json_args = Vec::with_capacity(pos.len());
    for a in pos {
        json_args.push(to_json(a).map_err(|e| arg_error(name, e))?);
    }
    let mut json_kwargs = serde_json::Map::new();
    for (k, v) in &kwargs {
        json_kwargs.insert(
            pyrepr::str_of(k),
            to_json(v).map_err(|e| arg_error(name, e))?,
        );
    }
    match host.call(name, json_args, json_kwargs) {
        Ok(v) => {
            let result = from_json(&v);
            write_back_in_place(name, pos, &kwargs, &result);
            Ok(result)
        }
        Err(msg) => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("{CALL_ERROR_PREFIX}{msg}"),
        )),
    }
}

/// Functions that change their first argument in place in Salt
/// (`in_place=True` by default), with the position of `in_place`.
const IN_PLACE: [(&str, usize); 2] = [("defaults.merge", 3), ("defaults.update", 3)];

/// Arguments cross to the host as data, so an in-place change made there is
/// copied back into the template's dict here: after
/// `{% do salt['defaults.merge'](a, b) %}`, `a` holds the merge, as in Salt.
fn write_back_in_place(name: &str, pos: &[Value], kwargs: &[(Value, Value)], result: &Value) {
    let Some((_, in_place_at)) = IN_PLACE.iter().find(|(n, _)| *n == name) else {
        return;
    };
    let kw = |k: &str| {
        kwargs
            .iter()
            .find(|(key, _)| key.as_str() == Some(k))
            .map(|(_, v)| v)
    };
    let in_place = kw("in_place")
        .or_else(|| pos.get(*in_place_at))
        .is_none_or(Value::is_true);
    if !in_place {
        return;
    }
    let dest = kw("dest").or_else(|| pos.first());
    if let (Some(dest), Some(new)) = (
        dest.and_then(|d| d.downcast_object_ref::<PyDict>()),
        result.downcast_object_ref::<PyDict>(),
    ) {
        let entries = new.snapshot();
        let mut items = dest.lock();
        items.clear();
        items.extend(entries);
    }
}

fn arg_error(name: &str, e: Error) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!(
            "{CALL_ERROR_PREFIX}bad argument to {name}: {}",
            e.detail().unwrap_or("")
        ),
    )
}
