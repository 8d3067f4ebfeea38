//! Turns a YAML value into the Rust type a key needs, accepting what Salt
//! users write.
//!
//! Salt casts liberally (a port may be written `4505` or `"4505"`, `yes` is a
//! boolean, a master may be one string or a list); these functions accept the
//! same spellings and answer anything else with a message that says what was
//! expected and what was found. The message is completed with file, line and
//! key by the caller.

use std::path::PathBuf;

use indexmap::IndexMap;
use serde_json::{Map, Value};

/// The log levels Salt knows, lowest threshold first.
pub const LOG_LEVELS: &[&str] = &[
    "all", "garbage", "trace", "debug", "profile", "info", "warning", "error", "critical", "quiet",
];

/// Short description of a value for error messages: `'abc'`, `70000`,
/// `true`, `a list`, `a mapping`, `nothing`.
pub(crate) fn describe(v: &Value) -> String {
    match v {
        Value::Null => "nothing".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("'{s}'"),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "a mapping".to_owned(),
    }
}

/// `describe`, plus a hint when YAML turned an unquoted word into a boolean
/// where text was expected (`master: n` reads as false).
fn describe_text(v: &Value) -> String {
    match v {
        Value::Bool(_) => format!(
            "{} (unquoted yes/no/on/off/y/n are booleans in YAML; quote the word)",
            describe(v)
        ),
        _ => describe(v),
    }
}

/// A non-negative integer; numeric strings are accepted (Salt casts them).
pub(crate) fn uint(v: &Value) -> Result<u64, String> {
    let not_int = || format!("expected an integer, found {}", describe(v));
    match v {
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                Ok(u)
            } else if n.as_i64().is_some() {
                Err(format!("expected a non-negative integer, found {n}"))
            } else {
                match n.as_f64() {
                    // 0644 and 1e3 arrive as floats; a whole number is fine.
                    Some(f) if f.fract() == 0.0 && (0.0..9.007_199_254_740_992e15).contains(&f) => {
                        Ok(f as u64)
                    }
                    _ => Err(not_int()),
                }
            }
        }
        Value::String(s) => s.trim().parse::<u64>().map_err(|_| not_int()),
        _ => Err(not_int()),
    }
}

/// An integer of at least 1 (intervals and limits where 0 makes no sense).
pub(crate) fn positive(v: &Value) -> Result<u64, String> {
    match uint(v)? {
        0 => Err("expected an integer of at least 1, found 0".to_owned()),
        n => Ok(n),
    }
}

/// A TCP port. 0 is allowed (bind to any free port; used by tests).
pub(crate) fn port(v: &Value) -> Result<u16, String> {
    let n = uint(v)?;
    u16::try_from(n).map_err(|_| format!("expected a port number from 0 to 65535, found {n}"))
}

/// A byte count of at least 1.
pub(crate) fn size(v: &Value) -> Result<usize, String> {
    let n = positive(v)?;
    usize::try_from(n).map_err(|_| format!("{n} is too large for this machine"))
}

/// A boolean: YAML booleans, or the strings true/false/yes/no/on/off in any
/// case (Salt's YAML 1.1 reading of the unquoted words).
pub(crate) fn boolean(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" => Ok(true),
            "false" | "no" | "off" => Ok(false),
            _ => Err(format!("expected true or false, found {}", describe(v))),
        },
        _ => Err(format!("expected true or false, found {}", describe(v))),
    }
}

/// A string. Numbers are accepted and written out (Salt casts `id: 1234`).
pub(crate) fn string(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(format!("expected a string, found {}", describe_text(v))),
    }
}

/// A non-empty string naming a path.
pub(crate) fn path(v: &Value) -> Result<PathBuf, String> {
    match v {
        Value::String(s) if !s.is_empty() => Ok(PathBuf::from(s)),
        Value::String(_) => Err("expected a path, found an empty string".to_owned()),
        _ => Err(format!("expected a path, found {}", describe_text(v))),
    }
}

/// One string or a non-empty list of strings (the minion's `master`).
pub(crate) fn string_or_list(v: &Value) -> Result<Vec<String>, String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Ok(vec![s.trim().to_owned()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
                other => Err(format!(
                    "item {} of the list: expected a host name, found {}",
                    i + 1,
                    describe_text(other)
                )),
            })
            .collect(),
        Value::Array(_) => Err("expected at least one master, found an empty list".to_owned()),
        _ => Err(format!(
            "expected a host name or a list of host names, found {}",
            describe_text(v)
        )),
    }
}

/// A mapping of saltenv to a list of directories (`file_roots`,
/// `pillar_roots`).
pub(crate) fn roots(v: &Value) -> Result<IndexMap<String, Vec<PathBuf>>, String> {
    let Value::Object(map) = v else {
        return Err(format!(
            "expected a mapping of saltenv to a list of directories, found {}",
            describe(v)
        ));
    };
    let mut out = IndexMap::with_capacity(map.len());
    for (env, dirs) in map {
        let Value::Array(items) = dirs else {
            return Err(format!(
                "saltenv '{env}': expected a list of directories, found {}",
                describe(dirs)
            ));
        };
        let mut paths = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Value::String(s) if !s.is_empty() => paths.push(PathBuf::from(s)),
                other => {
                    return Err(format!(
                        "saltenv '{env}': expected a directory, found {}",
                        describe(other)
                    ));
                }
            }
        }
        out.insert(env.clone(), paths);
    }
    Ok(out)
}

/// Nodegroups: name to a compound target string or a list of minion ids.
/// Kept as JSON values, validated for shape only (the target crate parses
/// the expressions).
pub(crate) fn nodegroups(v: &Value) -> Result<IndexMap<String, Value>, String> {
    let Value::Object(map) = v else {
        return Err(format!(
            "expected a mapping of nodegroup names to targets, found {}",
            describe(v)
        ));
    };
    let mut out = IndexMap::with_capacity(map.len());
    for (name, target) in map {
        match target {
            Value::String(_) => {}
            Value::Array(items) => {
                if let Some((i, bad)) = items.iter().enumerate().find(|(_, x)| !x.is_string()) {
                    return Err(format!(
                        "nodegroup '{name}': item {} of the list: expected a minion id, found {}",
                        i + 1,
                        describe_text(bad)
                    ));
                }
            }
            _ => {
                return Err(format!(
                    "nodegroup '{name}': expected a compound target string or a list of minion ids, found {}",
                    describe(target)
                ));
            }
        }
        out.insert(name.clone(), target.clone());
    }
    Ok(out)
}

/// A mapping with any values (`grains`).
pub(crate) fn mapping(v: &Value) -> Result<Map<String, Value>, String> {
    match v {
        Value::Object(map) => Ok(map.clone()),
        _ => Err(format!("expected a mapping, found {}", describe(v))),
    }
}

/// A log level, case-insensitive, stored in lower case. `warn` is taken as
/// `warning`.
pub(crate) fn log_level(v: &Value) -> Result<String, String> {
    let s = string(v)?.trim().to_ascii_lowercase();
    let s = if s == "warn" { "warning".to_owned() } else { s };
    if LOG_LEVELS.contains(&s.as_str()) {
        Ok(s)
    } else {
        Err(format!(
            "expected one of {}, found {}",
            LOG_LEVELS.join(", "),
            describe(v)
        ))
    }
}

/// A string that must be one of `allowed`.
pub(crate) fn one_of(v: &Value, allowed: &[&str]) -> Result<String, String> {
    let s = string(v)?;
    if allowed.contains(&s.as_str()) {
        Ok(s)
    } else {
        Err(format!(
            "expected one of {}, found {}",
            allowed.join(", "),
            describe(v)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integers_from_numbers_and_strings() {
        assert_eq!(uint(&json!(5)), Ok(5));
        assert_eq!(uint(&json!("42")), Ok(42));
        assert_eq!(uint(&json!(" 7 ")), Ok(7));
        assert_eq!(uint(&json!(1000.0)), Ok(1000));
        assert_eq!(
            uint(&json!("abc")),
            Err("expected an integer, found 'abc'".to_owned())
        );
        assert_eq!(
            uint(&json!(-1)),
            Err("expected a non-negative integer, found -1".to_owned())
        );
        assert_eq!(
            uint(&json!(2.5)),
            Err("expected an integer, found 2.5".to_owned())
        );
        assert!(uint(&json!([1])).is_err());
        assert!(uint(&json!(true)).is_err());
    }

    #[test]
    fn positive_and_size_refuse_zero() {
        assert_eq!(positive(&json!(3)), Ok(3));
        assert!(positive(&json!(0)).unwrap_err().contains("at least 1"));
        assert_eq!(size(&json!(1024)), Ok(1024));
        assert!(size(&json!(0)).is_err());
    }

    #[test]
    fn ports_are_bounded() {
        assert_eq!(port(&json!("4505")), Ok(4505));
        assert_eq!(port(&json!(0)), Ok(0));
        assert_eq!(
            port(&json!(70000)),
            Err("expected a port number from 0 to 65535, found 70000".to_owned())
        );
    }

    #[test]
    fn booleans_accept_yaml11_words() {
        for (v, want) in [
            (json!(true), true),
            (json!("Yes"), true),
            (json!("off"), false),
            (json!("FALSE"), false),
        ] {
            assert_eq!(boolean(&v), Ok(want), "{v}");
        }
        assert_eq!(
            boolean(&json!(1)),
            Err("expected true or false, found 1".to_owned())
        );
        assert!(boolean(&json!("maybe")).is_err());
    }

    #[test]
    fn strings_and_paths() {
        assert_eq!(string(&json!(1234)), Ok("1234".to_owned()));
        assert!(string(&json!([])).is_err());
        assert!(
            string(&json!(false))
                .unwrap_err()
                .contains("quote the word")
        );
        assert!(
            string_or_list(&json!(false))
                .unwrap_err()
                .contains("quote the word")
        );
        assert_eq!(path(&json!("/a")), Ok(PathBuf::from("/a")));
        assert!(path(&json!("")).is_err());
        assert!(path(&json!(3)).is_err());
    }

    #[test]
    fn master_string_or_list() {
        assert_eq!(string_or_list(&json!("salt")), Ok(vec!["salt".to_owned()]));
        assert_eq!(
            string_or_list(&json!(["a", "b"])),
            Ok(vec!["a".to_owned(), "b".to_owned()])
        );
        assert!(string_or_list(&json!([])).is_err());
        assert!(string_or_list(&json!("")).is_err());
        assert!(
            string_or_list(&json!(["a", 1]))
                .unwrap_err()
                .contains("item 2")
        );
    }

    #[test]
    fn roots_shape() {
        let r = roots(&json!({"base": ["/srv/salt", "/x"], "dev": []})).unwrap();
        assert_eq!(
            r["base"],
            vec![PathBuf::from("/srv/salt"), PathBuf::from("/x")]
        );
        assert!(r["dev"].is_empty());
        assert!(
            roots(&json!({"base": "/srv/salt"}))
                .unwrap_err()
                .contains("saltenv 'base'")
        );
        assert!(roots(&json!({"base": [1]})).is_err());
        assert!(roots(&json!(["/srv"])).is_err());
    }

    #[test]
    fn nodegroups_shape() {
        let n = nodegroups(&json!({"web": "G@role:web or L@a,b", "db": ["db1", "db2"]})).unwrap();
        assert_eq!(n["web"], json!("G@role:web or L@a,b"));
        assert_eq!(n["db"], json!(["db1", "db2"]));
        assert!(
            nodegroups(&json!({"x": 1}))
                .unwrap_err()
                .contains("nodegroup 'x'")
        );
        assert!(
            nodegroups(&json!({"x": ["a", true]}))
                .unwrap_err()
                .contains("item 2 of the list: expected a minion id, found true")
        );
    }

    #[test]
    fn log_levels() {
        assert_eq!(log_level(&json!("INFO")), Ok("info".to_owned()));
        assert_eq!(log_level(&json!("warn")), Ok("warning".to_owned()));
        assert!(
            log_level(&json!("loud"))
                .unwrap_err()
                .contains("found 'loud'")
        );
    }

    #[test]
    fn one_of_lists_choices() {
        assert_eq!(
            one_of(&json!("str"), &["str", "failover"]),
            Ok("str".into())
        );
        assert_eq!(
            one_of(&json!("x"), &["str", "failover"]),
            Err("expected one of str, failover, found 'x'".to_owned())
        );
    }

    #[test]
    fn describe_values() {
        assert_eq!(describe(&json!(null)), "nothing");
        assert_eq!(describe(&json!({"a": 1})), "a mapping");
        assert_eq!(describe(&json!("a")), "'a'");
    }
}
