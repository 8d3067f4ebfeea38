//! Nodegroup expansion, done on the master before a target is published.
//!
//! A nodegroup (`nodegroups:` in the master config) is a compound string or
//! a list of words; `-N group` and `N@group` inside a compound are replaced
//! by its definition, recursively. Minions never see nodegroups: the
//! published target is always plain compound.
//!
//! As in Salt, a definition without operators, globs or `X@` matchers is a
//! list of ids (`L@a,b`), or an id regex (`E@...`) when one of its words
//! holds a regex character. Unlike Salt, an unknown group or a cycle is an
//! error naming the group (Salt logs and drops the word), and every
//! multi-word expansion is wrapped in `( ... )`, so `N@g and x` keeps its
//! meaning when `g` is `a or b` (Salt splices the words in bare at the top
//! level, giving `a or (b and x)`).

use indexmap::IndexMap;
use serde_json::Value;

use crate::error::TargetError;
use crate::subdict::python_str;
use crate::{Target, TargetExpr, TargetType};

/// Most words an expansion may produce; nested groups that each include
/// another several times grow exponentially.
pub(crate) const MAX_WORDS: usize = 10_000;

/// See [`crate::expand_nodegroups`].
pub(crate) fn expand(t: &Target, groups: &IndexMap<String, Value>) -> Result<Target, TargetError> {
    let mut out = Vec::new();
    let mut stack = Vec::new();
    match t.tgt_type {
        TargetType::Nodegroup => {
            let name = match &t.tgt {
                TargetExpr::One(name) => name.trim(),
                TargetExpr::Many(_) => return Err(TargetError::NotAString { kind: "nodegroup" }),
            };
            expand_group(name, groups, &mut stack, &mut out)?;
        }
        TargetType::Compound => {
            let words = t.tgt.words();
            if !words.iter().any(|w| is_group_ref(w)) {
                return Ok(t.clone());
            }
            for w in words {
                match w.strip_prefix("N@") {
                    Some(name) if !name.is_empty() => {
                        expand_group(name, groups, &mut stack, &mut out)?;
                    }
                    _ => out.push(w.to_owned()),
                }
            }
        }
        _ => return Ok(t.clone()),
    }
    let tgt = if out.iter().any(|w| w.chars().any(char::is_whitespace)) {
        TargetExpr::Many(out)
    } else {
        TargetExpr::One(out.join(" "))
    };
    Ok(Target {
        tgt,
        tgt_type: TargetType::Compound,
        delimiter: t.delimiter.clone(),
    })
}

fn is_group_ref(word: &str) -> bool {
    word.len() > 2 && word.starts_with("N@")
}

/// Append the expansion of group `name` to `out`.
fn expand_group(
    name: &str,
    groups: &IndexMap<String, Value>,
    stack: &mut Vec<String>,
    out: &mut Vec<String>,
) -> Result<(), TargetError> {
    if stack.iter().any(|g| g == name) {
        let mut chain = stack.clone();
        chain.push(name.to_owned());
        return Err(TargetError::NodegroupCycle {
            name: name.to_owned(),
            chain,
        });
    }
    let def = groups
        .get(name)
        .ok_or_else(|| TargetError::UnknownNodegroup {
            name: name.to_owned(),
        })?;
    let words: Vec<String> = match def {
        Value::String(s) => s.split_whitespace().map(str::to_owned).collect(),
        Value::Array(items) => items.iter().map(|v| python_str(v).into_owned()).collect(),
        _ => {
            return Err(TargetError::BadNodegroup {
                name: name.to_owned(),
            });
        }
    };
    if words.is_empty() {
        return Err(TargetError::BadNodegroup {
            name: name.to_owned(),
        });
    }
    if let Some(shorthand) = id_shorthand(&words) {
        out.push(shorthand);
        return check_size(name, out);
    }
    stack.push(name.to_owned());
    let wrap = words.len() > 1;
    if wrap {
        out.push("(".into());
    }
    for w in &words {
        match w.strip_prefix("N@") {
            Some(inner) if !inner.is_empty() => expand_group(inner, groups, stack, out)?,
            _ => out.push(w.clone()),
        }
        check_size(name, out)?;
    }
    if wrap {
        out.push(")".into());
    }
    stack.pop();
    Ok(())
}

/// Salt's reading of a definition made only of plain words: a list of ids,
/// or an id regex when a word holds a regex character.
fn id_shorthand(words: &[String]) -> Option<String> {
    const OPERATORS: [&str; 5] = ["and", "or", "not", "(", ")"];
    const REGEX_CHARS: [char; 8] = ['(', '[', '{', '\\', '?', '}', ']', ')'];
    let plain = words
        .iter()
        .all(|w| !OPERATORS.contains(&w.as_str()) && !w.contains('*') && !has_engine_prefix(w));
    if !plain {
        return None;
    }
    let prefix = if words.iter().any(|w| w.contains(REGEX_CHARS)) {
        "E@"
    } else {
        "L@"
    };
    Some(format!("{prefix}{}", words.join(",")))
}

fn has_engine_prefix(w: &str) -> bool {
    let b = w.as_bytes();
    b.len() >= 2 && b[0].is_ascii_uppercase() && b[1] == b'@'
}

fn check_size(name: &str, out: &[String]) -> Result<(), TargetError> {
    if out.len() > MAX_WORDS {
        return Err(TargetError::TooComplex {
            target: format!("N@{name}"),
            reason: format!("nodegroup expansion exceeds {MAX_WORDS} words"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn groups(v: Value) -> IndexMap<String, Value> {
        serde_json::from_value(v).unwrap()
    }

    fn ng(name: &str) -> Target {
        Target::new(name, TargetType::Nodegroup)
    }

    fn one(t: &Target) -> &str {
        match &t.tgt {
            TargetExpr::One(s) => s,
            TargetExpr::Many(_) => panic!("expected a string: {t:?}"),
        }
    }

    #[test]
    fn list_and_string_definitions() {
        let g = groups(json!({
            "ids": ["minion1", "minion2"],
            "single": "minion3",
            "debian": "G@os:Debian and not minion3",
            "webs": "web*",
            "re": "web[0-9]",
        }));
        let t = expand(&ng("ids"), &g).unwrap();
        assert_eq!(t.tgt_type, TargetType::Compound);
        assert_eq!(one(&t), "L@minion1,minion2");
        assert_eq!(one(&expand(&ng("single"), &g).unwrap()), "L@minion3");
        assert_eq!(
            one(&expand(&ng("debian"), &g).unwrap()),
            "( G@os:Debian and not minion3 )"
        );
        assert_eq!(one(&expand(&ng("webs"), &g).unwrap()), "web*");
        assert_eq!(one(&expand(&ng("re"), &g).unwrap()), "E@web[0-9]");
    }

    #[test]
    fn nested_groups_in_compound() {
        let g = groups(json!({
            "a": "L@m1,m2 or N@b",
            "b": ["m3", "m4"],
            "c": "N@a and not N@b",
        }));
        let t = Target::new("N@c or m9", TargetType::Compound);
        let out = expand(&t, &g).unwrap();
        assert_eq!(
            one(&out),
            "( ( L@m1,m2 or L@m3,m4 ) and not L@m3,m4 ) or m9"
        );
        // Compound without N@ comes back unchanged.
        let plain = Target::new("m1 or m2", TargetType::Compound);
        assert_eq!(expand(&plain, &g).unwrap(), plain);
        // Other target types are left alone.
        let glob = Target::new("N@a", TargetType::Glob);
        assert_eq!(expand(&glob, &g).unwrap(), glob);
    }

    #[test]
    fn cycles_are_errors_naming_the_group() {
        let g = groups(json!({
            "a": "m1 or N@b",
            "b": "m2 or N@c",
            "c": "N@a",
            "self": "N@self",
        }));
        match expand(&ng("a"), &g) {
            Err(TargetError::NodegroupCycle { name, chain }) => {
                assert_eq!(name, "a");
                assert_eq!(chain, ["a", "b", "c", "a"]);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            expand(&ng("self"), &g),
            Err(TargetError::NodegroupCycle { name, .. }) if name == "self"
        ));
        // The same group twice side by side is not a cycle.
        let g = groups(json!({"x": "N@y or N@y", "y": "m1"}));
        assert_eq!(one(&expand(&ng("x"), &g).unwrap()), "( L@m1 or L@m1 )");
    }

    #[test]
    fn unknown_and_malformed_groups() {
        let g = groups(json!({"num": 5, "empty": "", "inner": "N@missing"}));
        assert!(matches!(
            expand(&ng("nope"), &g),
            Err(TargetError::UnknownNodegroup { name }) if name == "nope"
        ));
        assert!(matches!(
            expand(&ng("inner"), &g),
            Err(TargetError::UnknownNodegroup { name }) if name == "missing"
        ));
        assert!(matches!(
            expand(&ng("num"), &g),
            Err(TargetError::BadNodegroup { name }) if name == "num"
        ));
        assert!(matches!(
            expand(&ng("empty"), &g),
            Err(TargetError::BadNodegroup { .. })
        ));
        let many = Target {
            tgt: TargetExpr::Many(vec!["a".into()]),
            tgt_type: TargetType::Nodegroup,
            delimiter: ":".into(),
        };
        assert!(matches!(
            expand(&many, &g),
            Err(TargetError::NotAString { .. })
        ));
    }

    #[test]
    fn exponential_growth_is_bounded() {
        let mut defs = serde_json::Map::new();
        for i in 0..30 {
            defs.insert(
                format!("g{i}"),
                json!(format!("N@g{} or N@g{}", i + 1, i + 1)),
            );
        }
        defs.insert("g30".into(), json!("m1"));
        let g = groups(Value::Object(defs));
        assert!(matches!(
            expand(&ng("g0"), &g),
            Err(TargetError::TooComplex { .. })
        ));
    }
}
