//! Top-file matching (Salt's `confirm_top`): whether one target of a
//! `top.sls` (`'web*':`, `'os:Debian':` with `- match: grain`, ...) selects
//! a minion. The state top file and the pillar top file both read targets
//! this way.
//!
//! The matcher is named by a `- match: TYPE` item of the target's list; the
//! last one wins, and without one the target is a compound expression (so a
//! plain word is an id glob and `G@os:Debian` works without `match:`).
//! `nodegroup` looks the name up in the master's `nodegroups`; compound
//! targets may use `N@group` too.

use indexmap::IndexMap;
use serde_json::Value;

use crate::error::TargetError;
use crate::{Facts, Target, TargetType, expand_nodegroups};

/// The matcher a top-file target's list names: the `match` value of its
/// last `{match: TYPE}` item, `None` (compound) without one.
pub fn top_match_type(items: &[Value]) -> Option<&str> {
    items
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|m| m.get("match"))
        .next_back()
        .and_then(Value::as_str)
}

/// Salt's first step with top files' `include:` lists: takes the `include`
/// key out of every top file and collects what it lists (iterated as Python
/// does, so a bare string gives its characters) per saltenv, in order.
pub fn take_includes(tops: &mut IndexMap<String, Vec<Value>>) -> IndexMap<String, Vec<Value>> {
    let mut include: IndexMap<String, Vec<Value>> = IndexMap::new();
    for (env, ctops) in tops.iter_mut() {
        for ctop in ctops.iter_mut() {
            if let Value::Object(m) = ctop
                && let Some(inc) = m.shift_remove("include")
            {
                include
                    .entry(env.clone())
                    .or_default()
                    .extend(salt_yaml::pyrepr::iter_items(&inc).unwrap_or_default());
            }
        }
    }
    include
}

/// Whether the top-file target `tgt`, read with `match_type` (`None`:
/// compound, Salt's default), matches the minion `facts` describes.
///
/// As in Salt, a nodegroup that is not defined (or no nodegroups at all)
/// matches nothing. Errors are targets Salt would fail on or log and skip:
/// an unknown matcher name (Salt raises `KeyError: 'bogus_match.match'`),
/// a bad regex, CIDR or compound expression; callers decide whether that
/// skips the target or fails the top file.
pub fn confirm_top(
    tgt: &str,
    match_type: Option<&str>,
    nodegroups: &IndexMap<String, Value>,
    facts: &Facts<'_>,
) -> Result<bool, TargetError> {
    let name = match_type.unwrap_or("compound");
    let tt: TargetType = name
        .parse()
        .map_err(|_| TargetError::UnknownMatcher { name: name.into() })?;
    let target = match tt {
        TargetType::Nodegroup => {
            if !nodegroups.contains_key(tgt) {
                return Ok(false);
            }
            expand_nodegroups(&Target::new(tgt, tt), nodegroups)?
        }
        TargetType::Compound => expand_nodegroups(&Target::new(tgt, tt), nodegroups)?,
        // Salt's grain and pillar matchers log and refuse a target without
        // the delimiter; so does `compile`, as MissingDelimiter.
        _ => Target::new(tgt, tt),
    };
    Ok(target.compile()?.matches(facts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn facts<'a>(grains: &'a Value, pillar: &'a Value) -> Facts<'a> {
        Facts {
            id: "web1",
            grains,
            pillar: Some(pillar),
        }
    }

    #[test]
    fn match_type_is_the_last_match_item() {
        let items = vec![
            json!({"match": "grain"}),
            json!("a"),
            json!({"match": "pcre"}),
        ];
        assert_eq!(top_match_type(&items), Some("pcre"));
        assert_eq!(top_match_type(&[json!("a"), json!({"order": 1})]), None);
    }

    #[test]
    fn default_is_compound() {
        let (g, p) = (json!({"os": "Debian"}), json!({"role": "web"}));
        let f = facts(&g, &p);
        let none = IndexMap::new();
        assert!(confirm_top("web*", None, &none, &f).unwrap());
        assert!(confirm_top("G@os:Debian and I@role:web", None, &none, &f).unwrap());
        assert!(!confirm_top("db*", None, &none, &f).unwrap());
        assert!(confirm_top("os:Deb*", Some("grain"), &none, &f).unwrap());
        assert!(confirm_top("role:web", Some("pillar"), &none, &f).unwrap());
        assert!(confirm_top("^web\\d$", Some("pcre"), &none, &f).unwrap());
        assert!(confirm_top("db1,web1", Some("list"), &none, &f).unwrap());
        assert!(confirm_top("web1", Some("glob"), &none, &f).unwrap());
    }

    #[test]
    fn nodegroups_and_unknown_matchers() {
        let (g, p) = (json!({"os": "Debian"}), json!({}));
        let f = facts(&g, &p);
        let groups: IndexMap<String, Value> = [
            ("webs".to_owned(), json!("web* or db1")),
            ("dbs".to_owned(), json!("G@os:RedHat")),
        ]
        .into_iter()
        .collect();
        assert!(confirm_top("webs", Some("nodegroup"), &groups, &f).unwrap());
        assert!(!confirm_top("dbs", Some("nodegroup"), &groups, &f).unwrap());
        assert!(!confirm_top("nope", Some("nodegroup"), &groups, &f).unwrap());
        assert!(!confirm_top("webs", Some("nodegroup"), &IndexMap::new(), &f).unwrap());
        assert!(confirm_top("N@webs and G@os:Debian", None, &groups, &f).unwrap());
        assert_eq!(
            confirm_top("x", Some("bogus"), &groups, &f).unwrap_err(),
            TargetError::UnknownMatcher {
                name: "bogus".into()
            }
        );
        assert!(confirm_top("nodelimiter", Some("grain"), &groups, &f).is_err());
    }
}
