//! The state top file: from the rendered `top.sls` of each saltenv to the
//! SLS names a highstate applies on one minion (`state.show_top`), as Salt
//! 3007's `BaseHighState` does it:
//!
//! - which top files are read ([`top_envs`]): the minion's `saltenv` alone
//!   when set, else `state_top_saltenv` alone when set, else every
//!   environment (`base`, then `file_roots` order, or `env_order`); an
//!   `include:` in a top file adds the (globbed) SLS files of its
//!   environment as more top files;
//! - how they merge (`top_file_merging_strategy`): `merge` (the default;
//!   `base` is authoritative, other environments' top files only count for
//!   their own section and only where `base` has none), `same` (each
//!   environment only from its own top file, `default_top`'s when it has
//!   none) or `merge_all` (every section of every top file, SLS lists
//!   joined);
//! - which targets match ([`top_matches`]): Salt's `confirm_top` on the
//!   minion's id, grains and pillar, with `subfilter` and `- env: sls`
//!   items; SLS names are kept as listed, repeats included.
//!
//! Rendering is the caller's ([`TopSource`]); this file does no I/O.

use indexmap::IndexMap;
use salt_target::{Facts, TargetError, confirm_top, take_includes, top_match_type};
use serde_json::{Map, Value};

use crate::pyrepr::py_str;
use crate::value::truthy;

mod merge;

/// Merged top data: saltenv -> target -> what the top file lists for it.
pub type Top = IndexMap<String, IndexMap<String, Value>>;

/// SLS names per saltenv: what `state.show_top` returns.
pub type TopMatches = IndexMap<String, Vec<String>>;

/// Where top files come from.
pub trait TopSource {
    /// The file server's environments (Salt's `client.envs()`; the roots
    /// backend lists `file_roots` sorted).
    fn envs(&self) -> Vec<String>;

    /// The SLS names of a saltenv, for `include:` globs; empty when the
    /// saltenv does not exist.
    fn available(&self, saltenv: &str) -> Vec<String>;

    /// Renders a top file of `saltenv`: the `state_top` file (`top.sls`)
    /// when `sls` is `None`, else the SLS file an `include:` names. Top
    /// files render without an SLS name (`sls` is `""` in Jinja).
    /// `Ok(None)` when the file does not exist; `Err` with the renderer's
    /// message.
    fn render_top(&self, saltenv: &str, sls: Option<&str>) -> Result<Option<Value>, String>;
}

/// The options that steer top file handling, with Salt's names.
#[derive(Debug, Clone)]
pub struct TopOptions {
    /// `top_file_merging_strategy`: `merge` (default), `same` or
    /// `merge_all`; anything else is `merge`, as in Salt.
    pub merging_strategy: String,
    /// `env_order`: the order top files are read in (and the only ones).
    pub env_order: Vec<String>,
    /// `default_top`: under `same`, where an environment without a top
    /// file takes its section from. Default `base`.
    pub default_top: String,
    /// `state_top_saltenv`: read only this environment's top file.
    pub state_top_saltenv: Option<String>,
    /// The minion's `saltenv` (config or `saltenv=`): read only its top
    /// file and apply only its section.
    pub saltenv: Option<String>,
    /// The `file_roots` environments in config order.
    pub file_roots_envs: Vec<String>,
    /// `nodegroups`, for `match: nodegroup` and `N@`.
    pub nodegroups: IndexMap<String, Value>,
}

impl Default for TopOptions {
    fn default() -> Self {
        TopOptions {
            merging_strategy: "merge".to_owned(),
            env_order: Vec::new(),
            default_top: "base".to_owned(),
            state_top_saltenv: None,
            saltenv: None,
            file_roots_envs: vec!["base".to_owned()],
            nodegroups: IndexMap::new(),
        }
    }
}

/// Why the top could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopError {
    /// A top file failed to render. (Salt logs "Unable to render top
    /// file" and goes on with an empty top; salt-rs reports it.)
    #[error("Unable to render top file: {message}")]
    Render {
        /// The environment of the top file.
        saltenv: String,
        /// The included SLS, for a top file named by `include:`.
        sls: Option<String>,
        /// The renderer's message (file, line, column).
        message: String,
    },
    /// `same` without a `default_top` (Salt logs it and uses an empty top).
    #[error(
        "top_file_merging_strategy set to 'same', but no default_top configuration option was set"
    )]
    NoDefaultTop,
    /// A section whose targets are not a dictionary (Salt's words).
    #[error("Unable to render top file. No targets found.")]
    NoTargets {
        /// The environment whose section it is.
        saltenv: String,
    },
    /// A top file that is not a dictionary at all.
    #[error("Top data was not formed as a dict")]
    NotADict {
        /// The environment of the top file.
        saltenv: String,
    },
    /// A target names a matcher Salt does not have (`KeyError:
    /// 'bogus_match.match'` in Salt).
    #[error("Unknown top file matcher '{name}' for target '{target}' in saltenv '{saltenv}'")]
    UnknownMatcher {
        /// The environment of the target.
        saltenv: String,
        /// The target.
        target: String,
        /// The matcher as given.
        name: String,
    },
    /// A `subfilter` item with nothing else in it (Salt fails with
    /// `KeyError: 'dictionary is empty'`).
    #[error("Target '{target}' in saltenv '{saltenv}' has a subfilter item with no match type")]
    BareSubfilter {
        /// The environment of the target.
        saltenv: String,
        /// The target.
        target: String,
    },
}

/// What `state.show_top` returns: the matches, or the top file's
/// structural errors (Salt's `verify_tops`; retcode 1).
#[derive(Debug, Clone, PartialEq)]
pub enum ShowTop {
    /// SLS names per saltenv.
    Matches(TopMatches),
    /// Why the top data is malformed, in Salt's words.
    Errors(Vec<String>),
}

/// `state.show_top` for one minion: the top read and merged
/// ([`get_top`]), checked ([`verify_tops`]) and matched ([`top_matches`]).
pub fn show_top(
    opts: &TopOptions,
    source: &dyn TopSource,
    facts: &Facts<'_>,
) -> Result<ShowTop, TopError> {
    let top = get_top(opts, source)?;
    let errors = verify_tops(&top);
    if !errors.is_empty() {
        return Ok(ShowTop::Errors(errors));
    }
    let avail = avail_envs(opts, source);
    top_matches(&top, opts, facts, &avail).map(ShowTop::Matches)
}

/// The environments Salt's `_get_envs` lists: `env_order` (limited to the
/// file server's environments when it has any), else `base`, the
/// `file_roots` environments and the file server's others.
pub fn avail_envs(opts: &TopOptions, source: &dyn TopSource) -> Vec<String> {
    let mut env_order: Vec<String> = Vec::new();
    for e in &opts.env_order {
        if !env_order.contains(e) {
            env_order.push(e.clone());
        }
    }
    let client = source.envs();
    if !env_order.is_empty() {
        if client.is_empty() {
            return env_order;
        }
        return env_order
            .into_iter()
            .filter(|e| client.contains(e))
            .collect();
    }
    let mut envs = vec!["base".to_owned()];
    for e in opts.file_roots_envs.iter().chain(client.iter()) {
        if !envs.contains(e) {
            envs.push(e.clone());
        }
    }
    envs
}

/// The environments whose top files are read, in order.
pub fn top_envs(opts: &TopOptions, source: &dyn TopSource) -> Vec<String> {
    if let Some(env) = &opts.saltenv {
        return vec![env.clone()];
    }
    if let Some(env) = opts.state_top_saltenv.as_ref().filter(|e| !e.is_empty()) {
        return vec![env.clone()];
    }
    avail_envs(opts, source)
}

/// Salt's `get_top`: every top file read (an absent one counts as `{}`),
/// with the top files their `include:` lists name, merged by
/// `top_file_merging_strategy`.
pub fn get_top(opts: &TopOptions, source: &dyn TopSource) -> Result<Top, TopError> {
    if opts.merging_strategy == "same" && opts.saltenv.is_none() && opts.default_top.is_empty() {
        return Err(TopError::NoDefaultTop);
    }
    let mut tops: IndexMap<String, Vec<Value>> = IndexMap::new();
    for env in top_envs(opts, source) {
        let data = source
            .render_top(&env, None)
            .map_err(|message| TopError::Render {
                saltenv: env.clone(),
                sls: None,
                message,
            })?
            .unwrap_or_else(|| Value::Object(Map::new()));
        tops.entry(env).or_default().push(data);
    }
    for (env, patterns) in take_includes(&mut tops) {
        let avail = source.available(&env);
        let mut done: Vec<String> = Vec::new();
        for pattern in patterns {
            let pattern = py_str(&pattern);
            for sls in avail
                .iter()
                .filter(|s| salt_target::fnmatchcase(s, &pattern))
            {
                if done.contains(sls) {
                    continue;
                }
                let data = source
                    .render_top(&env, Some(sls))
                    .map_err(|message| TopError::Render {
                        saltenv: env.clone(),
                        sls: Some(sls.clone()),
                        message,
                    })?
                    .unwrap_or_else(|| Value::Object(Map::new()));
                tops.entry(env.clone()).or_default().push(data);
                done.push(sls.clone());
            }
        }
    }
    merge_tops(&tops, opts)
}

/// Salt's `merge_tops` with the configured strategy.
pub fn merge_tops(tops: &IndexMap<String, Vec<Value>>, opts: &TopOptions) -> Result<Top, TopError> {
    match opts.merging_strategy.as_str() {
        "same" => merge::same(tops, &opts.default_top),
        "merge_all" => merge::all(tops),
        _ => merge::merge(tops),
    }
}

/// Salt's `verify_tops`: the structural errors of merged top data.
pub fn verify_tops(top: &Top) -> Vec<String> {
    let mut errors = Vec::new();
    for (saltenv, matches) in top {
        if saltenv == "include" {
            continue;
        }
        if saltenv.is_empty() {
            errors.push("Empty saltenv statement in top file".to_owned());
        }
        for slsmods in matches.values() {
            let Value::Array(slsmods) = slsmods else {
                errors
                    .push("Malformed topfile (state declarations not formed as a list)".to_owned());
                continue;
            };
            for slsmod in slsmods {
                match slsmod {
                    Value::Object(m) => {
                        for val in m.values() {
                            if !truthy(val) {
                                errors.push(format!(
                                    "Improperly formatted top file matcher in saltenv {}: {} file",
                                    ordered_repr(slsmod),
                                    py_str(val)
                                ));
                            }
                        }
                    }
                    Value::String(s) if s.is_empty() => {
                        errors.push(format!("Environment {saltenv} contains an empty sls index"))
                    }
                    _ => {}
                }
            }
        }
    }
    errors
}

/// Salt's `top_matches`: for each target that matches the minion, its SLS
/// names (in order, repeats kept), `- env: sls` items under that saltenv
/// (when it is `base` or one of `avail`), `subfilter` items matched in turn. Only
/// the minion's `saltenv` counts when it has one.
pub fn top_matches(
    top: &Top,
    opts: &TopOptions,
    facts: &Facts<'_>,
    avail: &[String],
) -> Result<TopMatches, TopError> {
    let mut matches = TopMatches::new();
    for (saltenv, body) in top {
        if opts.saltenv.as_ref().is_some_and(|s| s != saltenv) {
            continue;
        }
        for (tgt, data) in body {
            filter_matches(saltenv, tgt, data, opts, facts, avail, &mut matches)?;
        }
    }
    Ok(matches)
}

fn filter_matches(
    saltenv: &str,
    tgt: &str,
    data: &Value,
    opts: &TopOptions,
    facts: &Facts<'_>,
    avail: &[String],
    matches: &mut TopMatches,
) -> Result<(), TopError> {
    let items: Vec<Value> = match data {
        Value::String(_) => vec![data.clone()],
        other => python_iter(other),
    };
    let matched = match confirm_top(tgt, top_match_type(&items), &opts.nodegroups, facts) {
        Ok(m) => m,
        Err(TargetError::UnknownMatcher { name }) => {
            return Err(TopError::UnknownMatcher {
                saltenv: saltenv.to_owned(),
                target: tgt.to_owned(),
                name,
            });
        }
        // Salt logs a target it cannot read and matches nothing.
        Err(_) => false,
    };
    if !matched {
        return Ok(());
    }
    matches.entry(saltenv.to_owned()).or_default();
    for item in items {
        match item {
            Value::String(s) => matches.entry(saltenv.to_owned()).or_default().push(s),
            Value::Object(mut m) => {
                if let Some(sub) = m.shift_remove("subfilter") {
                    if let Value::Object(sub) = sub {
                        for (t, d) in &sub {
                            filter_matches(saltenv, t, d, opts, facts, avail, matches)?;
                        }
                    }
                    if m.is_empty() {
                        return Err(TopError::BareSubfilter {
                            saltenv: saltenv.to_owned(),
                            target: tgt.to_owned(),
                        });
                    }
                }
                // Python's `dict.popitem()`: the last pair.
                let last = m.keys().next_back().cloned();
                if let Some(env_key) = last
                    && let Some(inc) = m.shift_remove(&env_key)
                    && (env_key == "base" || avail.contains(&env_key))
                {
                    matches.entry(env_key).or_default().push(py_str(&inc));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Python's `for x in value`: list items, a string's characters, a dict's
/// keys; nothing for the rest.
pub(crate) fn python_iter(v: &Value) -> Vec<Value> {
    salt_yaml::pyrepr::iter_items(v).unwrap_or_default()
}

/// `repr()` of rendered data as Salt holds it: YAML mappings are
/// `OrderedDict`s (`OrderedDict([('match', '')])`).
fn ordered_repr(v: &Value) -> String {
    match v {
        Value::Object(m) if m.is_empty() => "OrderedDict()".to_owned(),
        Value::Object(m) => {
            let pairs: Vec<String> = m
                .iter()
                .map(|(k, v)| {
                    format!(
                        "({}, {})",
                        crate::pyrepr::py_repr(&Value::String(k.clone())),
                        ordered_repr(v)
                    )
                })
                .collect();
            format!("OrderedDict([{}])", pairs.join(", "))
        }
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(ordered_repr).collect();
            format!("[{}]", items.join(", "))
        }
        other => crate::pyrepr::py_repr(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct Fixed(IndexMap<String, Value>);

    impl TopSource for Fixed {
        fn envs(&self) -> Vec<String> {
            let mut e: Vec<String> = self
                .0
                .keys()
                .map(|k| k.split(':').next().unwrap_or("").to_owned())
                .collect();
            e.sort();
            e.dedup();
            e
        }
        fn available(&self, saltenv: &str) -> Vec<String> {
            self.0
                .keys()
                .filter_map(|k| k.strip_prefix(&format!("{saltenv}:")))
                .map(str::to_owned)
                .collect()
        }
        fn render_top(&self, saltenv: &str, sls: Option<&str>) -> Result<Option<Value>, String> {
            let key = format!("{saltenv}:{}", sls.unwrap_or("top"));
            Ok(self.0.get(&key).cloned())
        }
    }

    fn source(v: Value) -> Fixed {
        Fixed(serde_json::from_value(v).unwrap())
    }

    fn facts(g: &Value) -> Facts<'_> {
        Facts {
            id: "web1",
            grains: g,
            pillar: None,
        }
    }

    fn opts(strategy: &str) -> TopOptions {
        TopOptions {
            merging_strategy: strategy.into(),
            file_roots_envs: vec!["base".into(), "dev".into()],
            ..TopOptions::default()
        }
    }

    #[test]
    fn merge_base_is_authoritative() {
        let src = source(json!({
            "base:top": {"base": {"*": ["a"]}, "dev": {"web*": ["from_base"]}},
            "dev:top": {"dev": {"*": ["ignored"]}, "base": {"*": ["ignored"]}},
        }));
        let g = json!({});
        let got = show_top(&opts("merge"), &src, &facts(&g)).unwrap();
        assert_eq!(
            got,
            ShowTop::Matches(
                serde_json::from_value(json!({"base": ["a"], "dev": ["from_base"]})).unwrap()
            )
        );
        let got = show_top(&opts("same"), &src, &facts(&g)).unwrap();
        assert_eq!(
            got,
            ShowTop::Matches(
                serde_json::from_value(json!({"base": ["a"], "dev": ["ignored"]})).unwrap()
            )
        );
    }

    #[test]
    fn merge_all_joins_lists() {
        let src = source(json!({
            "base:top": {"base": {"*": ["a", "b"]}},
            "dev:top": {"base": {"*": [{"match": "glob"}, "b", "c"]}},
        }));
        let top = get_top(&opts("merge_all"), &src).unwrap();
        assert_eq!(top["base"]["*"], json!([{"match": "glob"}, "a", "b", "c"]));
    }

    #[test]
    fn items_subfilter_env_items_and_errors() {
        let src = source(json!({
            "base:top": {"base": {
                "*": ["a", "a", {"subfilter": {"web1": ["sub"], "x": ["no"]}, "match": "glob"}],
                "web*": ["b", {"dev": "devsls"}, {"nosuch": "x"}],
            }},
        }));
        let g = json!({});
        let got = show_top(&opts("merge"), &src, &facts(&g)).unwrap();
        assert_eq!(
            got,
            ShowTop::Matches(
                serde_json::from_value(json!({"base": ["a", "a", "sub", "b"], "dev": ["devsls"]}))
                    .unwrap()
            )
        );
        let bad = source(json!({"base:top": {"base": {"*": ["a", {"match": ""}, ""]}}}));
        assert_eq!(
            show_top(&opts("merge"), &bad, &facts(&g)).unwrap(),
            ShowTop::Errors(vec![
                "Improperly formatted top file matcher in saltenv OrderedDict([('match', '')]):  file".into(),
                "Environment base contains an empty sls index".into(),
            ])
        );
        let bad = source(json!({"base:top": {"base": ["a"]}}));
        assert_eq!(
            show_top(&opts("merge"), &bad, &facts(&g)).unwrap_err(),
            TopError::NoTargets {
                saltenv: "base".into()
            }
        );
        let bad = source(json!({"base:top": {"base": {"*": [{"subfilter": {"web1": ["s"]}}]}}}));
        assert!(matches!(
            show_top(&opts("merge"), &bad, &facts(&g)),
            Err(TopError::BareSubfilter { .. })
        ));
    }
}
