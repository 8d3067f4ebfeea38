//! From rendered SLS files to high data (Salt's `render_state`,
//! `render_highstate` and their `_handle_*` helpers). The renderer hands
//! over each file's data (a map, as `slsutil.renderer` shows it); here
//! short declarations (`id: pkg.installed`) are padded, `mod.fun:` keys
//! split, `__sls__`/`__env__` stamped, `extend:` and `exclude:` lifted to
//! `__extend__`/`__exclude__`, `include:` followed (see `include.rs`),
//! definition order numbered (`state_auto_order`), and files merged with
//! the duplicate-ID check.

use serde_json::{Map, Value};

use super::high::{HighData, first_key};
use crate::error::CompileError;
use salt_target::fnmatchcase as fnmatch;

/// Where SLS files come from: the file server plus the renderer.
pub trait SlsSource {
    /// The SLS names of a saltenv (`web.nginx`, ...); `None` when the
    /// saltenv does not exist.
    fn available(&self, saltenv: &str) -> Option<Vec<String>>;

    /// Renders one SLS: `Ok(None)` when it does not exist, `Err` with the
    /// renderer's message when rendering failed.
    fn render(&self, sls: &str, saltenv: &str) -> Result<Option<Rendered>, String>;
}

/// One rendered SLS file.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// What the renderer produced (normally a map).
    pub data: Value,
    /// The file was `<dir>/init.sls` (relative includes start one level deeper).
    pub from_init: bool,
}

/// Renders SLS files into one high data, as `state.sls` / `state.show_sls`
/// do. Holds the definition-order counter across files.
pub struct SlsCompiler<'a> {
    pub(super) source: &'a dyn SlsSource,
    /// Salt's `state_auto_order` (default true).
    pub auto_order: bool,
    pub(super) iorder: u64,
}

impl<'a> SlsCompiler<'a> {
    pub fn new(source: &'a dyn SlsSource) -> Self {
        Self {
            source,
            auto_order: true,
            iorder: 10000,
        }
    }

    /// Renders the requested SLS names (globs allowed) per saltenv, in
    /// order, with their includes. Returns the merged high data and every
    /// render error (Salt's `render_highstate`).
    pub fn render_highstate(
        &mut self,
        matches: &[(String, Vec<String>)],
    ) -> (HighData, Vec<CompileError>) {
        let mut high = Map::new();
        let mut all_errors = Vec::new();
        let mut mods: Vec<String> = Vec::new();
        let mut statefiles: Vec<String> = Vec::new();
        for (saltenv, states) in matches {
            for sls_match in states {
                match self.avail(saltenv) {
                    Some(avail) => {
                        statefiles = avail
                            .into_iter()
                            .filter(|s| fnmatch(s, sls_match))
                            .collect();
                    }
                    None => all_errors.push(CompileError::NoSuchSaltenv(saltenv.clone())),
                }
                if statefiles.is_empty() {
                    statefiles = vec![sls_match.clone()];
                }
                for sls in statefiles.clone() {
                    if mods.contains(&format!("{saltenv}:{sls}")) {
                        continue;
                    }
                    let (state, mut errors) = self.render_state(&sls, saltenv, &mut mods, matches);
                    if !state.is_empty() {
                        merge_included_states(&mut high, state, &mut errors);
                    }
                    for e in &mut errors {
                        if let CompileError::SlsNotAvailable { sls, saltenv: env } = e
                            && sls == sls_match
                        {
                            *e = CompileError::NoMatchingSls {
                                sls: sls_match.clone(),
                                saltenv: env.clone(),
                            };
                        }
                    }
                    all_errors.extend(errors);
                }
            }
        }
        clean_duplicate_extends(&mut high);
        (HighData::from_map(high), all_errors)
    }

    /// The SLS names of a saltenv, falling back to the dynamic `__env__`.
    pub(super) fn avail(&self, saltenv: &str) -> Option<Vec<String>> {
        self.source
            .available(saltenv)
            .or_else(|| self.source.available("__env__"))
    }

    /// Numbers declarations without `order` in definition order.
    pub(super) fn handle_iorder(&mut self, state: &mut Map<String, Value>) {
        if !self.auto_order {
            return;
        }
        for body in state.values_mut() {
            let Value::Object(body) = body else { continue };
            for (s_dec, decl) in body.iter_mut() {
                if s_dec.starts_with('_') {
                    continue;
                }
                let Value::Array(args) = decl else { continue };
                let found = args
                    .iter()
                    .any(|a| a.as_object().and_then(first_key) == Some("order"));
                if !found {
                    let mut m = Map::new();
                    m.insert("order".into(), Value::from(self.iorder));
                    args.push(Value::Object(m));
                    self.iorder += 1;
                }
            }
        }
    }
}

/// Lifts `extend:` into `__extend__` (Salt's `_handle_extend`).
pub(super) fn handle_extend(
    state: &mut Map<String, Value>,
    sls: &str,
    saltenv: &str,
    errors: &mut Vec<CompileError>,
) {
    let Some(ext) = state.shift_remove("extend") else {
        return;
    };
    let Value::Object(mut ext) = ext else {
        errors.push(CompileError::ExtendNotDict(sls.to_owned()));
        return;
    };
    for (name, body) in ext.iter_mut() {
        let Value::Object(body) = body else {
            errors.push(CompileError::ExtendNameNotDict {
                name: name.clone(),
                sls: sls.to_owned(),
            });
            continue;
        };
        body.entry("__sls__")
            .or_insert_with(|| Value::String(sls.to_owned()));
        body.entry("__env__")
            .or_insert_with(|| Value::String(saltenv.to_owned()));
        let keys: Vec<String> = body.keys().cloned().collect();
        for key in keys {
            if key.starts_with('_') || !body[&key].is_array() {
                continue;
            }
            if let Some((module, fun)) = split_dotted(&key) {
                let mut decl = body.shift_remove(&key).unwrap_or(Value::Null);
                if let Value::Array(args) = &mut decl {
                    args.push(Value::String(fun));
                }
                body.insert(module, decl);
            }
        }
    }
    push_list(state, "__extend__", vec![Value::Object(ext)]);
}

/// Lifts `exclude:` into `__exclude__` (Salt's `_handle_exclude`).
pub(super) fn handle_exclude(
    state: &mut Map<String, Value>,
    sls: &str,
    errors: &mut Vec<CompileError>,
) {
    let Some(exc) = state.shift_remove("exclude") else {
        return;
    };
    let items = match exc {
        Value::Array(items) => items,
        other => {
            errors.push(CompileError::ExcludeNotList(sls.to_owned()));
            match other {
                Value::Object(m) => m.keys().map(|k| Value::String(k.clone())).collect(),
                Value::String(s) => s.chars().map(|c| Value::String(c.to_string())).collect(),
                _ => Vec::new(),
            }
        }
    };
    push_list(state, "__exclude__", items);
}

/// Pads short declarations, splits `mod.fun` keys, stamps `__sls__` and
/// `__env__` (Salt's `_handle_state_decls`).
pub(super) fn handle_state_decls(
    state: &mut Map<String, Value>,
    sls: &str,
    saltenv: &str,
    errors: &mut Vec<CompileError>,
) {
    for (name, body) in state.iter_mut() {
        let Value::Object(body) = body else {
            if name == "__extend__" || name == "__exclude__" {
                continue;
            }
            if let Value::String(short) = body
                && let Some((module, fun)) = split_dotted(short)
            {
                let mut m = Map::new();
                m.insert("__sls__".into(), Value::String(sls.to_owned()));
                m.insert("__env__".into(), Value::String(saltenv.to_owned()));
                m.insert(module, Value::Array(vec![Value::String(fun)]));
                *body = Value::Object(m);
                continue;
            }
            errors.push(CompileError::IdNotDict {
                id: name.clone(),
                sls: sls.to_owned(),
            });
            continue;
        };
        let mut skeys: Vec<String> = Vec::new();
        let keys: Vec<String> = body.keys().cloned().collect();
        for key in keys {
            if key.starts_with('_') || !body.get(&key).is_some_and(Value::is_array) {
                continue;
            }
            if let Some((module, fun)) = split_dotted(&key) {
                if skeys.contains(&module) {
                    errors.push(CompileError::MultipleDeclarations {
                        id: name.clone(),
                        sls: sls.to_owned(),
                    });
                    continue;
                }
                let mut decl = body.shift_remove(&key).unwrap_or(Value::Null);
                if let Value::Array(args) = &mut decl {
                    args.push(Value::String(fun));
                }
                body.insert(module.clone(), decl);
                skeys.push(module);
                continue;
            }
            skeys.push(key);
        }
        body.entry("__sls__")
            .or_insert_with(|| Value::String(sls.to_owned()));
        body.entry("__env__")
            .or_insert_with(|| Value::String(saltenv.to_owned()));
    }
}

/// Merges one file's states into the accumulated ones; an ID defined
/// differently twice is an error (Salt's `merge_included_states`).
pub(super) fn merge_included_states(
    high: &mut Map<String, Value>,
    mut state: Map<String, Value>,
    errors: &mut Vec<CompileError>,
) {
    for key in ["__extend__", "__exclude__"] {
        if let Some(Value::Array(items)) = state.shift_remove(key) {
            push_list(high, key, items);
        }
    }
    for (id, body) in &state {
        if let Some(existing) = high.get(id)
            && existing != body
        {
            let part = |v: &Value, k: &str| v.get(k).map(crate::pyrepr::py_str).unwrap_or_default();
            errors.push(CompileError::ConflictingId {
                id: id.clone(),
                env_a: part(existing, "__env__"),
                sls_a: part(existing, "__sls__"),
                env_b: part(body, "__env__"),
                sls_b: part(body, "__sls__"),
            });
        }
    }
    for (id, body) in state {
        high.insert(id, body);
    }
}

/// Drops repeated extensions (Salt's `clean_duplicate_extends`).
fn clean_duplicate_extends(high: &mut Map<String, Value>) {
    let Some(Value::Array(ext)) = high.get_mut("__extend__") else {
        return;
    };
    let mut seen: Vec<(String, Value)> = Vec::new();
    for item in ext.iter() {
        for (k, v) in item.as_object().into_iter().flatten() {
            let pair = (k.clone(), v.clone());
            if !seen.contains(&pair) {
                seen.push(pair);
            }
        }
    }
    *ext = seen
        .into_iter()
        .map(|(k, v)| {
            let mut m = Map::new();
            m.insert(k, v);
            Value::Object(m)
        })
        .collect();
}

/// `mod.fun` -> `(mod, fun)`; only the first two parts count, as in Salt.
fn split_dotted(key: &str) -> Option<(String, String)> {
    let mut parts = key.split('.');
    let module = parts.next()?;
    let fun = parts.next()?;
    Some((module.to_owned(), fun.to_owned()))
}

/// Appends to a list-valued key, creating it (Salt's `setdefault(k, []).extend`).
pub(super) fn push_list(m: &mut Map<String, Value>, key: &str, items: Vec<Value>) {
    let slot = m.entry(key).or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(list) = slot {
        list.extend(items);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decls(v: Value) -> (Value, Vec<String>) {
        let mut state = v.as_object().cloned().unwrap();
        let mut errors = Vec::new();
        handle_state_decls(&mut state, "s", "base", &mut errors);
        (
            Value::Object(state),
            errors.iter().map(ToString::to_string).collect(),
        )
    }

    #[test]
    fn short_declarations_and_dotted_keys() {
        let (s, e) = decls(
            json!({"a": "pkg.installed", "b": {"file.managed": [{"x": 1}], "cmd": ["run"]}, "c": "nodot"}),
        );
        assert_eq!(
            s["a"],
            json!({"__sls__": "s", "__env__": "base", "pkg": ["installed"]})
        );
        let keys: Vec<&String> = s["b"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["cmd", "file", "__sls__", "__env__"]);
        assert_eq!(s["b"]["file"], json!([{"x": 1}, "managed"]));
        assert_eq!(e, ["ID c in SLS s is not a dictionary"]);
    }

    #[test]
    fn duplicate_ids_conflict_unless_equal() {
        let mut high = Map::new();
        let mut errors = Vec::new();
        let a = json!({"x": {"__sls__": "a", "__env__": "base", "test": ["nop"]}});
        merge_included_states(&mut high, a.as_object().cloned().unwrap(), &mut errors);
        merge_included_states(&mut high, a.as_object().cloned().unwrap(), &mut errors);
        assert!(errors.is_empty());
        let b = json!({"x": {"__sls__": "b", "__env__": "base", "test": ["nop"]}});
        merge_included_states(&mut high, b.as_object().cloned().unwrap(), &mut errors);
        assert!(
            errors[0]
                .to_string()
                .contains("found in SLS 'base:a' and SLS 'base:b'")
        );
    }
}
