//! Grain and pillar matching: `key:subkey:pattern` against nested data.
//!
//! This reproduces the behaviour of Salt's `subdict_match` (used by `-G`,
//! `-P`, `-I`, `-J`, `pillar_exact` and their compound letters), which users'
//! targets and top files depend on:
//!
//! * the expression is split at every delimiter and the split points are
//!   tried from the deepest key to the shallowest, so `ipv6:::1` finds the
//!   value `::1` under `ipv6`, and `a:b:c` matches `{"a": {"b": "c"}}` first
//!   and `{"a": "b:c"}` second;
//! * a list value matches when any member matches; lists of dicts are
//!   searched by key, and numeric keys index lists (negative from the end);
//! * a dict value matches when the pattern is `*` or names one of its keys,
//!   or (recursively, with `:`) a `key:pattern` below it; a leading `*:`
//!   searches every key;
//! * values are compared by their Python `str()` form (`True`, `None`,
//!   `['a', 'b']`), lowercased on both sides: globs and exact matches are
//!   case-insensitive, and regexes are compiled case-insensitive and
//!   anchored at the start only (Python `re.match`).
//!
//! Patterns are compiled once per possible split point at compile time, so
//! matching never parses or fails.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use regex::{Regex, RegexBuilder};
use serde_json::{Map, Value};

use crate::error::TargetError;
use crate::fnmatch;

/// How the last part of the expression is compared with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// fnmatch wildcards, case-insensitive.
    Glob,
    /// Regular expression anchored at the start, case-insensitive.
    Regex,
    /// Whole-string equality, case-insensitive (`pillar_exact`).
    Exact,
}

/// Most delimiters (and colons) one grain or pillar expression may hold.
/// Real keys are a few levels deep; values such as MAC or IPv6 addresses add
/// up to 8. The bound keeps compile time and recursion depth small.
pub(crate) const MAX_SPLITS: usize = 64;

/// A compiled `key<delim>...<delim>pattern` expression.
#[derive(Debug, Clone)]
pub(crate) struct SubdictMatcher {
    expr: String,
    delimiter: String,
    /// Compiled pattern for every byte offset at which a pattern may start.
    leaves: BTreeMap<usize, Leaf>,
}

#[derive(Debug, Clone)]
enum Leaf {
    Glob(fnmatch::Pattern),
    /// `None` when this particular suffix is not a valid regex: Salt logs
    /// and treats it as no match.
    Regex(Option<Regex>),
    Exact(String),
}

impl SubdictMatcher {
    /// Compile `expr` for `kind` (`grain`, `pillar_pcre`, ... used in errors).
    pub(crate) fn new(
        kind: &'static str,
        expr: &str,
        delimiter: &str,
        mode: Mode,
    ) -> Result<Self, TargetError> {
        if delimiter.is_empty() {
            return Err(TargetError::EmptyDelimiter);
        }
        if !expr.contains(delimiter) {
            return Err(TargetError::MissingDelimiter {
                kind,
                target: expr.to_owned(),
                delimiter: delimiter.to_owned(),
            });
        }
        // Every offset right after a delimiter or a colon (the nested
        // recursion splits on `:`), plus the start.
        let offsets: Vec<usize> = std::iter::once(0)
            .chain((1..=expr.len()).filter(|&i| {
                expr.is_char_boundary(i)
                    && (expr[..i].ends_with(delimiter) || expr[..i].ends_with(':'))
            }))
            .collect();
        if offsets.len() > MAX_SPLITS + 1 {
            return Err(TargetError::TooComplex {
                target: expr.to_owned(),
                reason: format!("more than {MAX_SPLITS} delimiters"),
            });
        }
        let mut leaves = BTreeMap::new();
        for &off in &offsets {
            let pat = &expr[off..];
            let leaf = match mode {
                Mode::Glob => Leaf::Glob(fnmatch::Pattern::new(&pat.to_lowercase())),
                Mode::Exact => Leaf::Exact(pat.to_lowercase()),
                Mode::Regex => Leaf::Regex(compile_match_regex(pat, true).ok()),
            };
            leaves.insert(off, leaf);
        }
        let matcher = SubdictMatcher {
            expr: expr.to_owned(),
            delimiter: delimiter.to_owned(),
            leaves,
        };
        if mode == Mode::Regex {
            matcher.check_some_regex_compiles()?;
        }
        Ok(matcher)
    }

    /// True if `data` (grains or pillar) matches the expression.
    pub(crate) fn matches(&self, data: &Value) -> bool {
        let mut walk = Walk {
            m: self,
            memo: HashMap::new(),
        };
        walk.subdict(data, 0, &self.delimiter)
    }

    /// A regex target is refused when none of the patterns it could mean
    /// (the text after each top-level delimiter) is a valid regex; the
    /// error names the text after the last delimiter.
    fn check_some_regex_compiles(&self) -> Result<(), TargetError> {
        let starts = split_starts(&self.expr, 0, &self.delimiter);
        // `*` (and a `*:` prefix) are not regexes but key tests on dict
        // values, checked before any regex is tried.
        let any_ok = starts.iter().skip(1).any(|&off| {
            let pat = &self.expr[off..];
            pat == "*"
                || pat.starts_with("*:")
                || matches!(self.leaves.get(&off), Some(Leaf::Regex(Some(_))))
        });
        if any_ok {
            return Ok(());
        }
        let last = starts.last().copied().unwrap_or(0);
        let pattern = &self.expr[last..];
        match compile_match_regex(pattern, true) {
            Err(e) => Err(e),
            Ok(_) => Err(TargetError::BadRegex {
                pattern: pattern.to_owned(),
                reason: "does not compile".into(),
            }),
        }
    }
}

/// Compile `pat` with Python `re.match` semantics (anchored at the start,
/// not at the end). The raw pattern is checked on its own first so that
/// the anchoring group cannot make an unbalanced pattern valid.
pub(crate) fn compile_match_regex(pat: &str, case_insensitive: bool) -> Result<Regex, TargetError> {
    let bad = |e: regex::Error| TargetError::BadRegex {
        pattern: pat.to_owned(),
        reason: e.to_string(),
    };
    Regex::new(pat).map_err(bad)?;
    RegexBuilder::new(&format!(r"\A(?:{pat})"))
        .case_insensitive(case_insensitive)
        .build()
        .map_err(bad)
}

/// Python's `str()` of a JSON value: strings as-is, `True`/`False`/`None`,
/// and the repr of lists and dicts.
pub(crate) fn python_str(v: &Value) -> Cow<'_, str> {
    match v {
        Value::String(s) => Cow::Borrowed(s),
        other => Cow::Owned(salt_yaml::pyrepr::repr(other)),
    }
}

/// One evaluation: borrows the matcher and memoizes (value, offset) results
/// so crafted data and expressions cannot make the search exponential.
struct Walk<'m> {
    m: &'m SubdictMatcher,
    memo: HashMap<(usize, usize, bool), bool>,
}

impl Walk<'_> {
    /// Salt's `subdict_match(data, expr[off..], delimiter)`.
    fn subdict(&mut self, data: &Value, off: usize, delim: &str) -> bool {
        let key = (std::ptr::from_ref(data) as usize, off, delim == ":");
        if let Some(&known) = self.memo.get(&key) {
            return known;
        }
        let result = self.subdict_uncached(data, off, delim);
        self.memo.insert(key, result);
        result
    }

    fn subdict_uncached(&mut self, data: &Value, off: usize, delim: &str) -> bool {
        let expr = self.m.expr.as_str();
        let starts = split_starts(expr, off, delim);
        if starts.len() < 2 {
            return false;
        }
        // Deepest key first: with parts p0..pn, try key p0..p(n-1) and
        // pattern pn, then key p0..p(n-2) and pattern p(n-1)+pn, ...
        for &pat_off in starts[1..].iter().rev() {
            let key = &expr[off..pat_off - delim.len()];
            let (node, match_off) = if key == "*" {
                (Some(data), off)
            } else {
                (traverse(data, key, delim), pat_off)
            };
            let Some(node) = node else { continue };
            match node {
                Value::Object(map) if map.is_empty() => continue,
                Value::Object(map) => {
                    if self.dict_match(node, map, match_off) {
                        return true;
                    }
                }
                Value::Array(items) => {
                    for member in items {
                        if let Value::Object(map) = member
                            && self.dict_match(member, map, match_off)
                        {
                            return true;
                        }
                        if self.leaf_match(member, match_off) {
                            return true;
                        }
                    }
                }
                scalar => {
                    if self.leaf_match(scalar, match_off) {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// Salt's `_dict_match`: a dict value against the pattern at `off`.
    fn dict_match(&mut self, value: &Value, map: &Map<String, Value>, off: usize) -> bool {
        let expr = self.m.expr.as_str();
        let wildcard = expr[off..].starts_with("*:");
        let off = if wildcard { off + 2 } else { off };
        let pattern = &expr[off..];
        if pattern == "*" || map.contains_key(pattern) {
            return true;
        }
        if self.subdict(value, off, ":") {
            return true;
        }
        if wildcard {
            for child in map.values() {
                let hit = match child {
                    Value::Object(inner) => self.dict_match(child, inner, off),
                    Value::Array(items) => items.iter().any(|item| self.leaf_match(item, off)),
                    scalar => self.leaf_match(scalar, off),
                };
                if hit {
                    return true;
                }
            }
        }
        false
    }

    /// Salt's `_match`: a value's string form against the pattern at `off`.
    fn leaf_match(&self, value: &Value, off: usize) -> bool {
        let text = python_str(value);
        match self.m.leaves.get(&off) {
            Some(Leaf::Glob(p)) => p.matches(&text.to_lowercase()),
            Some(Leaf::Exact(p)) => text.to_lowercase() == *p,
            Some(Leaf::Regex(Some(re))) => re.is_match(&text),
            Some(Leaf::Regex(None)) | None => false,
        }
    }
}

/// Byte offsets where each part of `expr[off..].split(delim)` starts.
fn split_starts(expr: &str, off: usize, delim: &str) -> Vec<usize> {
    std::iter::once(off)
        .chain(
            expr[off..]
                .match_indices(delim)
                .map(|(i, d)| off + i + d.len()),
        )
        .collect()
}

/// Salt's `traverse_dict_and_list`: follow `key` split at `delim` through
/// dicts and lists. `None` when the path does not exist.
fn traverse<'v>(data: &'v Value, key: &str, delim: &str) -> Option<&'v Value> {
    let mut ptr = data;
    for part in key.split(delim) {
        ptr = match ptr {
            Value::Object(map) => map.get(part)?,
            Value::Array(items) => match python_int(part) {
                // JSON dicts cannot have integer keys, so a numeric part
                // only ever indexes the list.
                Some(idx) => list_index(items, idx)?,
                None => items
                    .iter()
                    .find_map(|item| item.as_object().and_then(|m| m.get(part)))?,
            },
            _ => return None,
        };
    }
    Some(ptr)
}

/// Python list indexing: negative indexes count from the end.
fn list_index(items: &[Value], idx: i64) -> Option<&Value> {
    let len = i64::try_from(items.len()).ok()?;
    let idx = if idx < 0 { idx.checked_add(len)? } else { idx };
    items.get(usize::try_from(idx).ok()?)
}

/// Python `int(s)` for decimal strings: surrounding whitespace, a sign, and
/// single underscores between digits are allowed.
fn python_int(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
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

    fn m(expr: &str, mode: Mode, data: &Value) -> bool {
        SubdictMatcher::new("grain", expr, ":", mode)
            .unwrap()
            .matches(data)
    }

    fn glob(expr: &str, data: &Value) -> bool {
        m(expr, Mode::Glob, data)
    }

    #[test]
    fn scalar_glob_is_case_insensitive() {
        let g = json!({"os": "Debian", "num_cpus": 2, "virtual": "physical"});
        assert!(glob("os:Debian", &g));
        assert!(glob("os:debian", &g));
        assert!(glob("os:DEB*", &g));
        assert!(!glob("os:Ubuntu", &g));
        assert!(glob("num_cpus:2", &g));
        assert!(!glob("missing:*", &g));
    }

    #[test]
    fn nested_keys_and_deepest_first() {
        let g = json!({"a": {"b": {"c": "leaf"}}, "x": "y:z"});
        assert!(glob("a:b:c:leaf", &g));
        assert!(glob("a:b:c:l*", &g));
        assert!(!glob("a:b:c:other", &g));
        // The value itself contains the delimiter.
        assert!(glob("x:y:z", &g));
        assert!(glob("x:y:*", &g));
    }

    #[test]
    fn delimiter_inside_value_ipv6() {
        let g = json!({"ipv6": ["::1", "fd00::2"], "ip6_gw": "fd00::1"});
        assert!(glob("ipv6:::1", &g));
        assert!(glob("ipv6:fd00::2", &g));
        assert!(glob("ip6_gw:fd00::1", &g));
        assert!(!glob("ipv6:::3", &g));
    }

    #[test]
    fn lists_and_dicts_in_lists() {
        let g = json!({
            "roles": ["web", "db"],
            "disks": [{"name": "sda", "size": 10}, {"name": "sdb"}],
            "kernelparams": [["quiet", null], ["console", "ttyS0"]],
        });
        assert!(glob("roles:web", &g));
        assert!(glob("roles:d*", &g));
        assert!(!glob("roles:cache", &g));
        // Dict in a list: the path `disks:name` finds the first dict
        // having the key; failing that, each dict is tried as `name:sdb`.
        assert!(glob("disks:name:sda", &g));
        assert!(glob("disks:name:sdb", &g));
        assert!(!glob("disks:name:sdc", &g));
        // Numeric parts index the list, negative from the end.
        assert!(glob("disks:1:name:sdb", &g));
        assert!(glob("disks:-1:name:sdb", &g));
        assert!(glob("roles:0:web", &g));
        // A dict member matches when the pattern names one of its keys.
        assert!(glob("disks:size", &g));
        // Nested lists compare by their Python repr.
        assert!(glob("kernelparams:*'quiet', none*", &g));
    }

    #[test]
    fn dict_values() {
        let g = json!({"dns": {"nameservers": ["10.0.0.53"], "domain": ""}, "empty": {}});
        assert!(glob("dns:*", &g));
        assert!(glob("dns:domain", &g));
        assert!(glob("dns:nameservers:10.0.0.*", &g));
        assert!(!glob("dns:other", &g));
        // An empty dict is skipped entirely.
        assert!(!glob("empty:*", &g));
        // `*:` searches under every key.
        assert!(glob("*:nameservers:10.0.0.53", &g));
        assert!(glob("dns:*:10.0.0.53", &g));
        assert!(glob("*:10.0.0.53", &json!({"a": "10.0.0.53"})));
        // The `*:` search looks one level down only, as in Salt.
        assert!(!glob("*:10.0.0.53", &json!({"a": {"b": "10.0.0.53"}})));
    }

    #[test]
    fn python_string_forms() {
        let g = json!({"ok": true, "none": null, "f": 1.0, "big": 1e20, "small": 0.00001});
        assert!(glob("ok:True", &g));
        assert!(glob("ok:true", &g));
        assert!(glob("none:None", &g));
        assert!(glob("f:1.0", &g));
        assert!(glob("big:1e+20", &g));
        assert!(glob("small:1e-05", &g));
    }

    #[test]
    fn regex_mode_is_anchored_at_start_only() {
        let g = json!({"os": "Debian", "osrelease": "12"});
        assert!(m("os:Deb", Mode::Regex, &g));
        assert!(m("os:(RedHat|Debian)", Mode::Regex, &g));
        assert!(m("os:debian$", Mode::Regex, &g));
        assert!(!m("os:ebian", Mode::Regex, &g));
        assert!(m("osrelease:1[0-9]", Mode::Regex, &g));
    }

    #[test]
    fn exact_mode() {
        let g = json!({"role": "web*", "name": "Web"});
        assert!(m("role:web*", Mode::Exact, &g));
        assert!(m("name:web", Mode::Exact, &g));
        assert!(!m("name:w*", Mode::Exact, &g));
    }

    #[test]
    fn custom_delimiter() {
        let g = json!({"a": {"b": "c:d"}});
        let sm = SubdictMatcher::new("grain", "a|b|c:d", "|", Mode::Glob).unwrap();
        assert!(sm.matches(&g));
        let sm = SubdictMatcher::new("grain", "a|b|c*", "|", Mode::Glob).unwrap();
        assert!(sm.matches(&g));
    }

    #[test]
    fn compile_errors() {
        assert!(matches!(
            SubdictMatcher::new("grain", "os", ":", Mode::Glob),
            Err(TargetError::MissingDelimiter { .. })
        ));
        assert_eq!(
            SubdictMatcher::new("grain", "os:x", "", Mode::Glob).unwrap_err(),
            TargetError::EmptyDelimiter
        );
        match SubdictMatcher::new("grain_pcre", "os:Deb(ian", ":", Mode::Regex) {
            Err(TargetError::BadRegex { pattern, .. }) => assert_eq!(pattern, "Deb(ian"),
            other => panic!("{other:?}"),
        }
        // `*` tests for a key on dict values, even in regex mode.
        assert!(m("a:*", Mode::Regex, &json!({"a": {"b": 1}})));
        assert!(!m("a:*", Mode::Regex, &json!({"a": "x"})));
        // One candidate split compiles: fine.
        assert!(SubdictMatcher::new("grain_pcre", "a:b(:c)", ":", Mode::Regex).is_ok());
        let long = format!("a{}", ":b".repeat(100));
        assert!(matches!(
            SubdictMatcher::new("grain", &long, ":", Mode::Glob),
            Err(TargetError::TooComplex { .. })
        ));
    }

    #[test]
    fn non_dict_data_never_matches() {
        assert!(!glob("os:*", &Value::Null));
        assert!(!glob("os:*", &json!("os:x")));
        assert!(!glob("os:x:*", &json!({"os": "plain"})));
    }

    #[test]
    fn deep_recursion_stays_fast() {
        let mut data = json!("leaf");
        for _ in 0..60 {
            data = json!({"a": data});
        }
        let expr = format!("{}:nomatch", vec!["a"; 60].join(":"));
        let sm = SubdictMatcher::new("grain", &expr, ":", Mode::Glob).unwrap();
        let start = std::time::Instant::now();
        assert!(!sm.matches(&data));
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn python_int_forms() {
        assert_eq!(python_int(" 1 "), Some(1));
        assert_eq!(python_int("-2"), Some(-2));
        assert_eq!(python_int("1_0"), Some(10));
        assert_eq!(python_int("1__0"), None);
        assert_eq!(python_int("x"), None);
        assert_eq!(python_int(""), None);
    }
}
