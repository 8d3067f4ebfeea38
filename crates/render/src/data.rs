//! Pure data functions behind execution functions that templates call all
//! the time: `pillar.get`'s `:` traversal ([`traverse`], [`pillar_get`]),
//! `grains.filter_by` ([`filter_by`]), `defaults.merge` ([`defaults_merge`])
//! and `slsutil.merge` with Salt's merge strategies ([`merge`]). The exec
//! modules call these with the minion's data; the renderer itself does not
//! (the `traverse` filter excepted).

use serde_json::{Map, Value};
// Python `str()`, `bool()` and type names, as `filter_by` and friends use them.
use salt_yaml::pyrepr::{str_of as py_str, truthy as is_truthy, type_name as type_of};

/// Salt's `traverse_dict_and_list`: follows `key` split at `delimiter`
/// through dicts and lists. A list step takes a numeric part as an index
/// (unless a dict in the list has it as a key) and a name as a key of the
/// first dict in the list that has it. `default` when a step fails.
///
/// `data` is a [`Value`] or a bare map (a minion's pillar or grains as the
/// execution context holds them: no need to copy all of it into a `Value`
/// to read one key). Only what is found is cloned.
pub fn traverse<R: Root + ?Sized>(data: &R, key: &str, default: Value, delimiter: &str) -> Value {
    data.lookup(key, delimiter).cloned().unwrap_or(default)
}

/// Where [`traverse`], [`pillar_get`] and [`filter_by`] start walking: a
/// [`Value`], or a `Map` standing for the dict it would be.
pub trait Root {
    /// The value at `key` split at `delimiter`; `None` when a step fails.
    fn lookup(&self, key: &str, delimiter: &str) -> Option<&Value>;
}

impl Root for Value {
    fn lookup(&self, key: &str, delimiter: &str) -> Option<&Value> {
        walk(self, key.split(delimiter))
    }
}

impl Root for Map<String, Value> {
    fn lookup(&self, key: &str, delimiter: &str) -> Option<&Value> {
        // The first step is the one a dict root takes in `walk`.
        let mut parts = key.split(delimiter);
        let first = self.get(parts.next()?)?;
        walk(first, parts)
    }
}

fn walk<'a, 'k>(mut ptr: &'a Value, parts: impl Iterator<Item = &'k str>) -> Option<&'a Value> {
    for part in parts {
        match ptr {
            Value::Array(items) => {
                let embedded = items
                    .iter()
                    .filter_map(Value::as_object)
                    .find_map(|m| m.get(part));
                if let Some(v) = embedded {
                    ptr = v;
                    continue;
                }
                let idx = python_int(part)?;
                let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
                let i = if idx < 0 { idx + len } else { idx };
                ptr = usize::try_from(i).ok().and_then(|i| items.get(i))?;
            }
            Value::Object(map) => ptr = map.get(part)?,
            _ => return None,
        }
    }
    Some(ptr)
}

/// Options of `pillar.get` beyond the key.
#[derive(Debug, Clone)]
pub struct PillarGet {
    /// `default=`; `None` when not given (then `""`, or an error with
    /// `pillar_raise_on_missing`).
    pub default: Option<Value>,
    /// `merge=True`: merge the found value into the default.
    pub merge: bool,
    /// `merge_nested_lists=`; `None` takes `pillar_merge_lists`.
    pub merge_nested_lists: Option<bool>,
    /// `delimiter=`, `:` by default.
    pub delimiter: String,
    /// The minion's `pillar_merge_lists`.
    pub pillar_merge_lists: bool,
    /// The minion's `pillar_raise_on_missing`.
    pub raise_on_missing: bool,
}

impl Default for PillarGet {
    fn default() -> Self {
        PillarGet {
            default: None,
            merge: false,
            merge_nested_lists: None,
            delimiter: ":".to_owned(),
            pillar_merge_lists: false,
            raise_on_missing: false,
        }
    }
}

/// `pillar.get(key, ...)` over `pillar`.
pub fn pillar_get<R: Root + ?Sized>(pillar: &R, key: &str, o: &PillarGet) -> Result<Value, String> {
    if o.merge {
        let merge_lists = o.merge_nested_lists.unwrap_or(o.pillar_merge_lists);
        match &o.default {
            Some(Value::Object(default)) => {
                let found = traverse(pillar, key, Value::Object(Map::new()), &o.delimiter);
                if let Value::Object(found) = found {
                    let mut dest = default.clone();
                    dict_update(&mut dest, &found, merge_lists);
                    return Ok(Value::Object(dest));
                }
            }
            Some(Value::Array(default)) => {
                let found = traverse(pillar, key, Value::Array(Vec::new()), &o.delimiter);
                if let Value::Array(found) = found {
                    let mut out = default.clone();
                    out.extend(found.into_iter().filter(|x| !default.contains(x)));
                    return Ok(Value::Array(out));
                }
            }
            _ => {}
        }
    }
    match &o.default {
        Some(d) => Ok(traverse(pillar, key, d.clone(), &o.delimiter)),
        None => match pillar.lookup(key, &o.delimiter) {
            Some(v) => Ok(v.clone()),
            None if o.raise_on_missing => Err(format!("Pillar key not found: {key}")),
            None => Ok(Value::String(String::new())),
        },
    }
}

/// `grains.filter_by(lookup_dict, grain, merge, default, base)` over
/// `grains`: the first key of `lookup` that the grain's value (or one of its
/// values, for a list grain) matches as a shell pattern, else
/// `lookup[default]`; `lookup[base]` underneath; `merge` on top.
pub fn filter_by<R: Root + ?Sized>(
    lookup: &Map<String, Value>,
    grain: &str,
    grains: &R,
    merge: Option<&Value>,
    default: &str,
    base: Option<&str>,
) -> Result<Value, String> {
    let val = traverse(grains, grain, Value::Array(Vec::new()), ":");
    let values: Vec<Value> = match val {
        Value::Array(items) => items,
        other => vec![other],
    };
    let mut ret: Option<Value> = None;
    'outer: for each in &values {
        let text = py_str(each);
        for (key, v) in lookup {
            if salt_target::fnmatchcase(&text, key) {
                ret = Some(v.clone());
                if !v.is_null() {
                    break 'outer;
                }
                break;
            }
        }
    }
    let mut ret = match ret {
        Some(Value::Null) | None => lookup.get(default).cloned(),
        some => some,
    };
    if let Some(base) = base.filter(|b| !b.is_empty())
        && let Some(base_values) = lookup.get(base)
    {
        match (&ret, base_values) {
            (None | Some(Value::Null), _) => ret = Some(base_values.clone()),
            (Some(Value::Object(r)), Value::Object(b)) => {
                let mut merged = b.clone();
                dict_update(&mut merged, r, false);
                ret = Some(Value::Object(merged));
            }
            (Some(_), Value::Object(_)) => {
                return Err(
                    "filter_by default and look-up values must both be dictionaries.".into(),
                );
            }
            _ => {}
        }
    }
    if let Some(m) = merge.filter(|m| is_truthy(m)) {
        let Value::Object(m) = m else {
            return Err("filter_by merge argument must be a dictionary.".into());
        };
        match &mut ret {
            None | Some(Value::Null) => ret = Some(Value::Object(m.clone())),
            Some(Value::Object(r)) => dict_update(r, m, false),
            Some(_) => {
                return Err("Cannot update using non-dict types in dictupdate.update()".into());
            }
        }
    }
    Ok(ret.unwrap_or(Value::Null))
}

/// Salt's `dictupdate.update(dest, upd, merge_lists=...)`: nested dicts
/// merge, lists are replaced (or, with `merge_lists`, extended by the items
/// they lack), everything else is replaced.
pub fn dict_update(dest: &mut Map<String, Value>, upd: &Map<String, Value>, merge_lists: bool) {
    for (k, v) in upd {
        match (dest.get_mut(k), v) {
            (Some(Value::Object(d)), Value::Object(u)) => dict_update(d, u, merge_lists),
            (Some(Value::Array(d)), Value::Array(u)) if merge_lists => {
                let new: Vec<Value> = u.iter().filter(|x| !d.contains(x)).cloned().collect();
                d.extend(new);
            }
            _ => {
                dest.insert(k.clone(), v.clone());
            }
        }
    }
}

/// `defaults.merge(dest, src, merge_lists=False, in_place=True,
/// convert_none=True)`: `src` merged into a copy of `dest` (the caller
/// writes it back into `dest` for `in_place`). `None` on either side is an
/// empty dict with `convert_none`.
pub fn defaults_merge(
    dest: &Value,
    src: &Value,
    merge_lists: bool,
    convert_none: bool,
) -> Result<Value, String> {
    let as_map = |v: &Value, what: &str| -> Result<Map<String, Value>, String> {
        match v {
            Value::Object(m) => Ok(m.clone()),
            Value::Null if convert_none => Ok(Map::new()),
            other => Err(format!(
                "Cannot update using non-dict types in dictupdate.update() ({what} is {})",
                type_of(other)
            )),
        }
    };
    let mut merged = as_map(dest, "dest")?;
    let src = as_map(src, "src")?;
    dict_update(&mut merged, &src, merge_lists);
    Ok(Value::Object(merged))
}

/// Salt's merge strategies, for `slsutil.merge` and pillar merging
/// (`pillar_source_merging_strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// `recurse` (what `smart` picks unless the renderer is yamlex): nested
    /// dicts merge, lists are replaced (extended with `merge_lists`).
    Recurse,
    /// Pairs of values where both sides have a key; keys only `b` has are
    /// dropped.
    List,
    /// yamlex's aggregation at level 1. On plain data (every renderer
    /// salt-rs has; only yamlex marks values as aggregates) a top-level key
    /// both sides have takes `b`'s value whole, as in Salt.
    Aggregate,
    /// A top-level key both sides have takes `b`'s value whole.
    Overwrite,
    /// `none`: `recurse` without `merge_lists` (the pillar reads a single
    /// top file with it).
    None,
}

impl Strategy {
    /// The strategy a name and renderer select (`smart` by renderer;
    /// unknown names fall back to `recurse`, as in Salt).
    pub fn from_name(name: &str, renderer: &str) -> Strategy {
        match name {
            "smart" => {
                if renderer.rsplit('|').next() == Some("yamlex") || renderer.starts_with("yamlex_")
                {
                    Strategy::Aggregate
                } else {
                    Strategy::Recurse
                }
            }
            "list" => Strategy::List,
            "aggregate" => Strategy::Aggregate,
            "overwrite" => Strategy::Overwrite,
            "none" => Strategy::None,
            _ => Strategy::Recurse,
        }
    }
}

/// `slsutil.merge(obj_a, obj_b, strategy, renderer, merge_lists)` /
/// `dictupdate.merge`.
pub fn merge(
    a: &Map<String, Value>,
    b: &Map<String, Value>,
    strategy: Strategy,
    merge_lists: bool,
) -> Map<String, Value> {
    match strategy {
        Strategy::Recurse => {
            let mut out = a.clone();
            dict_update(&mut out, b, merge_lists);
            out
        }
        Strategy::None => {
            let mut out = a.clone();
            dict_update(&mut out, b, false);
            out
        }
        Strategy::List => {
            let mut out = Map::new();
            for (k, v) in a {
                match b.get(k) {
                    Some(bv) => out.insert(k.clone(), Value::Array(vec![v.clone(), bv.clone()])),
                    None => out.insert(k.clone(), v.clone()),
                };
            }
            out
        }
        // Salt's `merge_overwrite` replaces shared keys and then recurses,
        // which changes nothing more; `merge_aggregate` on unmarked data
        // keeps `b`'s value below the top level. Both come to this.
        Strategy::Aggregate | Strategy::Overwrite => {
            let mut out = a.clone();
            for (k, v) in b {
                out.insert(k.clone(), v.clone());
            }
            out
        }
    }
}

/// Python's `int(s)` for a traversal step (`" 1 "`, `+1`, `-2`, `1_0`).
fn python_int(s: &str) -> Option<i64> {
    let t = s.trim();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.chars().all(|c| c.is_ascii_digit() || c == '_')
    {
        return None;
    }
    let n: i64 = digits.replace('_', "").parse().ok()?;
    Some(if neg { -n } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn traverse_dicts_lists_and_embedded_dicts() {
        let d = json!({"a": {"b": [10, {"c": 3}, {"d": 4}]}, "s": "str"});
        assert_eq!(traverse(&d, "a:b:0", json!(null), ":"), json!(10));
        assert_eq!(traverse(&d, "a:b:-1", json!(null), ":"), json!({"d": 4}));
        assert_eq!(traverse(&d, "a:b:d", json!(null), ":"), json!(4));
        assert_eq!(traverse(&d, "a:b:9", json!("x"), ":"), json!("x"));
        assert_eq!(traverse(&d, "a:b:zz", json!("x"), ":"), json!("x"));
        assert_eq!(traverse(&d, "s:x", json!("x"), ":"), json!("x"));
        assert_eq!(traverse(&d, "a|b|0", json!(null), "|"), json!(10));
    }

    #[test]
    fn a_bare_map_root_walks_like_the_dict_value_it_stands_for() {
        let d = json!({"a": {"b": [10, {"c": 3}]}, "s": "str", "": 1, "l": [5, 6]});
        let m = d.as_object().unwrap();
        for key in [
            "a:b:0", "a:b:c", "a:b:-1", "a:b:7", "s", "s:x", "", "nope", "l:1", "a:",
        ] {
            assert_eq!(
                traverse(m, key, json!("dflt"), ":"),
                traverse(&d, key, json!("dflt"), ":"),
                "{key}"
            );
        }
        let o = PillarGet::default();
        assert_eq!(pillar_get(m, "a:b:c", &o).unwrap(), json!(3));
        assert_eq!(pillar_get(m, "missing", &o).unwrap(), json!(""));
        let lookup = json!({"str": {"x": 1}}).as_object().unwrap().clone();
        assert_eq!(
            filter_by(&lookup, "s", m, None, "default", None).unwrap(),
            json!({"x": 1})
        );
    }

    #[test]
    fn pillar_get_defaults_and_merge() {
        let p = json!({"app": {"port": 80, "l": [1, 2]}});
        let o = PillarGet::default();
        assert_eq!(pillar_get(&p, "app:port", &o).unwrap(), json!(80));
        assert_eq!(pillar_get(&p, "nope", &o).unwrap(), json!(""));
        let o = PillarGet {
            default: Some(json!({"port": 1, "host": "h"})),
            merge: true,
            ..PillarGet::default()
        };
        assert_eq!(
            pillar_get(&p, "app", &o).unwrap(),
            json!({"port": 80, "host": "h", "l": [1, 2]})
        );
        let o = PillarGet {
            default: Some(json!([0, 1])),
            merge: true,
            ..PillarGet::default()
        };
        assert_eq!(pillar_get(&p, "app:l", &o).unwrap(), json!([0, 1, 2]));
        let o = PillarGet {
            raise_on_missing: true,
            ..PillarGet::default()
        };
        assert!(pillar_get(&p, "nope", &o).is_err());
    }

    #[test]
    fn filter_by_patterns_default_base_merge() {
        let grains = json!({"os_family": "Debian", "roles": ["web", "db"]});
        let lookup = json!({"Deb*": {"pkg": "apache2", "x": {"y": 1}}, "RedHat": {"pkg": "httpd"}, "default": {"pkg": "apache"}});
        let lookup = lookup.as_object().unwrap();
        let r = filter_by(
            lookup,
            "os_family",
            &grains,
            Some(&json!({"x": {"z": 2}})),
            "default",
            None,
        )
        .unwrap();
        assert_eq!(r, json!({"pkg": "apache2", "x": {"y": 1, "z": 2}}));
        let r = filter_by(lookup, "nope", &grains, None, "default", None).unwrap();
        assert_eq!(r, json!({"pkg": "apache"}));
        let roles = json!({"db": "d", "web": "w"});
        let r = filter_by(
            roles.as_object().unwrap(),
            "roles",
            &grains,
            None,
            "default",
            None,
        )
        .unwrap();
        assert_eq!(r, json!("w"));
        let base = json!({"common": {"a": 1, "pkg": "none"}, "Debian": {"pkg": "deb"}});
        let r = filter_by(
            base.as_object().unwrap(),
            "os_family",
            &grains,
            None,
            "default",
            Some("common"),
        )
        .unwrap();
        assert_eq!(r, json!({"a": 1, "pkg": "deb"}));
        assert!(
            filter_by(
                lookup,
                "os_family",
                &grains,
                Some(&json!([1])),
                "default",
                None
            )
            .is_err()
        );
    }

    #[test]
    fn merge_strategies() {
        let a = json!({"k": {"a": 1, "l": [1]}, "only_a": 1});
        let b = json!({"k": {"b": 2, "l": [2]}, "only_b": 2});
        let (a, b) = (a.as_object().unwrap(), b.as_object().unwrap());
        assert_eq!(
            Value::Object(merge(a, b, Strategy::Recurse, false)),
            json!({"k": {"a": 1, "l": [2], "b": 2}, "only_a": 1, "only_b": 2})
        );
        assert_eq!(
            Value::Object(merge(a, b, Strategy::Recurse, true)),
            json!({"k": {"a": 1, "l": [1, 2], "b": 2}, "only_a": 1, "only_b": 2})
        );
        // Captured from Salt 3007.8: `slsutil.merge` of these two dicts.
        let top_replaced = json!({"k": {"b": 2, "l": [2]}, "only_a": 1, "only_b": 2});
        assert_eq!(
            Value::Object(merge(a, b, Strategy::Aggregate, false)),
            top_replaced
        );
        assert_eq!(
            Value::Object(merge(a, b, Strategy::Overwrite, true)),
            top_replaced
        );
        assert_eq!(
            Value::Object(merge(a, b, Strategy::None, true)),
            json!({"k": {"a": 1, "l": [2], "b": 2}, "only_a": 1, "only_b": 2})
        );
        assert_eq!(Strategy::from_name("none", "yaml"), Strategy::None);
        assert_eq!(
            Value::Object(merge(a, b, Strategy::List, false)),
            json!({"k": [{"a": 1, "l": [1]}, {"b": 2, "l": [2]}], "only_a": 1})
        );
        assert_eq!(
            Strategy::from_name("smart", "jinja|yamlex"),
            Strategy::Aggregate
        );
    }
}
