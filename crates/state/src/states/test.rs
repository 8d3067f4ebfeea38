//! `test.*`: states that do nothing but report a chosen outcome, for trying
//! out requisites, ordering and output. Results, comments and changes are
//! Salt's word for word.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::module::{RunCtx, StateError, StateFn, StateReturn};
use crate::pyrepr::py_str;
use crate::value::truthy;

/// The changes every "with changes" test state reports.
fn pretend_changes() -> Map<String, Value> {
    let v = json!({"testing": {"old": "Unchanged", "new": "Something pretended to change"}});
    v.as_object().cloned().unwrap_or_default()
}

fn ret(name: &str, changes: Map<String, Value>, result: Value, comment: Value) -> StateReturn {
    let mut m = Map::new();
    m.insert("name".into(), Value::String(name.to_owned()));
    m.insert("changes".into(), Value::Object(changes));
    m.insert("result".into(), result);
    m.insert("comment".into(), comment);
    StateReturn::from_map(m)
}

/// `comment` from the keyword arguments, or a default.
fn comment_or(kwargs: &Map<String, Value>, default: &str) -> Value {
    kwargs
        .get("comment")
        .cloned()
        .unwrap_or_else(|| Value::String(default.to_owned()))
}

/// `test.nop`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nop {
    name: String,
    #[allow(dead_code)]
    kwargs: Map<String, Value>,
}

impl StateFn for Nop {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Does nothing and succeeds without changes; any argument is accepted and ignored. Useful with `use` or to give a requisite a target.\n\n    placeholder:\n      test.nop:\n        - name: foo\n        - something: else\n";

    fn plan(self, _cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        Ok(ret(&self.name, Map::new(), json!(true), json!("Success!")))
    }

    fn apply(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        self.plan(cx)
    }
}

/// `test.succeed_without_changes`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SucceedWithoutChanges {
    name: String,
    kwargs: Map<String, Value>,
}

impl StateFn for SucceedWithoutChanges {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Succeeds without changes. `comment` replaces the comment (\"Success!\").\n\n    always-passes:\n      test.succeed_without_changes:\n        - name: foo\n";

    fn plan(self, _cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        let comment = comment_or(&self.kwargs, "Success!");
        Ok(ret(&self.name, Map::new(), json!(true), comment))
    }

    fn apply(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        self.plan(cx)
    }
}

/// `test.fail_without_changes`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailWithoutChanges {
    name: String,
    kwargs: Map<String, Value>,
}

impl StateFn for FailWithoutChanges {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Fails without changes, in test mode too. `comment` replaces the comment (\"Failure!\") outside test mode.\n\n    always-fails:\n      test.fail_without_changes:\n        - name: foo\n";

    fn plan(self, _cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        let comment = json!("If we weren't testing, this would be a failure!");
        Ok(ret(&self.name, Map::new(), json!(false), comment))
    }

    fn apply(self, _cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        let comment = comment_or(&self.kwargs, "Failure!");
        Ok(ret(&self.name, Map::new(), json!(false), comment))
    }
}

/// `test.succeed_with_changes`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SucceedWithChanges {
    name: String,
    kwargs: Map<String, Value>,
}

impl StateFn for SucceedWithChanges {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Succeeds and reports a pretend change (result None in test mode). `comment` replaces the comment (\"Success!\").\n\n    always-changes-and-succeeds:\n      test.succeed_with_changes:\n        - name: foo\n";

    fn plan(self, _cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        let comment = json!("If we weren't testing, this would be successful with changes");
        Ok(ret(&self.name, pretend_changes(), Value::Null, comment))
    }

    fn apply(self, _cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        let comment = comment_or(&self.kwargs, "Success!");
        Ok(ret(&self.name, pretend_changes(), json!(true), comment))
    }
}

/// `test.fail_with_changes`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailWithChanges {
    name: String,
    kwargs: Map<String, Value>,
}

impl StateFn for FailWithChanges {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Fails and reports a pretend change (result None in test mode). `comment` replaces the comment (\"Failure!\").\n\n    always-changes-and-fails:\n      test.fail_with_changes:\n        - name: foo\n";

    fn plan(self, _cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        let comment = json!("If we weren't testing, this would be failed with changes");
        Ok(ret(&self.name, pretend_changes(), Value::Null, comment))
    }

    fn apply(self, _cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        let comment = comment_or(&self.kwargs, "Failure!");
        Ok(ret(&self.name, pretend_changes(), json!(false), comment))
    }
}

/// `test.configurable_test_state`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigurableTestState {
    name: String,
    #[serde(default = "yes")]
    changes: Value,
    #[serde(default = "yes")]
    result: Value,
    #[serde(default = "empty")]
    comment: Value,
    #[serde(default)]
    warnings: Value,
    #[serde(default)]
    allow_test_mode_failure: Value,
}

fn yes() -> Value {
    Value::Bool(true)
}

fn empty() -> Value {
    Value::String(String::new())
}

impl StateFn for ConfigurableTestState {
    const DOC: &'static str = "Reports what it is told: `changes` (True, False or \"Random\"; default True), `result` (True, False or \"Random\"; default True), `comment` (default empty), `warnings` (a string or list of strings). In test mode the result is None when there are changes, True when there are none, and False only with `allow_test_mode_failure: True` and `result: False`; the comment defaults to \"This is a test\".\n\n    my-custom-combo:\n      test.configurable_test_state:\n        - name: foo\n        - changes: True\n        - result: False\n        - comment: bar.baz\n        - warnings: A warning\n";

    fn plan(self, _cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        let mut r = self.outcome()?;
        let test_result = if truthy(&self.allow_test_mode_failure) && self.result == json!(false) {
            self.result.clone()
        } else if self.changes == json!(false) {
            json!(true)
        } else {
            Value::Null
        };
        r.set("result", test_result);
        let comment = if truthy(&self.comment) {
            self.comment.clone()
        } else {
            json!("This is a test")
        };
        r.set("comment", comment);

        Ok(r)
    }

    fn apply(self, _cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        self.outcome()
    }
}

impl ConfigurableTestState {
    fn outcome(&self) -> Result<StateReturn, StateError> {
        let changes = match &self.changes {
            Value::Bool(true) => pretend_changes(),
            Value::Bool(false) => Map::new(),
            other if is_random(other) => {
                if coin() {
                    pretend_changes()
                } else {
                    Map::new()
                }
            }
            _ => {
                return Err(StateError::Invocation(
                    "You have specified the state option 'changes' with invalid arguments. It must be either True, False, or 'Random'".into(),
                ));
            }
        };
        let result = match &self.result {
            Value::Bool(b) => *b,
            other if is_random(other) => coin(),
            _ => {
                return Err(StateError::Invocation(
                    "You have specified the state option 'result' with invalid arguments. It must be either True, False, or 'Random'".into(),
                ));
            }
        };
        let mut r = ret(&self.name, changes, json!(result), self.comment.clone());
        match &self.warnings {
            Value::Null => {}
            Value::String(w) => r.set("warnings", json!([w])),
            Value::Array(w) => r.set("warnings", Value::Array(w.clone())),
            _ => {
                return Err(StateError::Invocation(
                    "You have specified the state option 'warnings' with invalid arguments. It must be a string or a list of strings".into(),
                ));
            }
        }
        Ok(r)
    }
}

fn is_random(v: &Value) -> bool {
    py_str(v).to_lowercase() == "random"
}

/// A fair coin from the standard library's randomly seeded hasher.
fn coin() -> bool {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u8(0);
    h.finish() & 1 == 1
}

/// `test.show_notification`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShowNotification {
    name: String,
    #[serde(default)]
    text: Value,
    #[allow(dead_code)]
    kwargs: Map<String, Value>,
}

impl StateFn for ShowNotification {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Succeeds without changes and shows `text` as the comment (required).\n\n    notice:\n      test.show_notification:\n        - text: The web tier is being rebuilt\n";

    fn plan(self, _cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        if !truthy(&self.text) {
            return Err(StateError::Invocation(
                "Missing required argument text.".into(),
            ));
        }
        Ok(ret(&self.name, Map::new(), json!(true), self.text))
    }

    fn apply(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        self.plan(cx)
    }
}

/// `test.mod_watch`: what a `watch` on a `test` state runs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModWatch {
    name: String,
    #[serde(default)]
    #[allow(dead_code)]
    sfun: Value,
    kwargs: Map<String, Value>,
}

impl StateFn for ModWatch {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Run when a watched state changed: succeeds with changes `{\"Requisites with changes\": [\"mod: id\", ...]}` and the comment \"Watch statement fired.\"; the state's own `result`, `comment` and `changes` arguments replace those.\n\n    watcher:\n      test.succeed_without_changes:\n        - watch:\n          - test: changer\n";

    fn plan(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        let mut has_changes = Vec::new();
        if let Some(reqs) = cx.reqs {
            for req in reqs.get("watch").into_iter().flatten() {
                let changed = cx
                    .running
                    .get(&req.tag())
                    .and_then(|r| r.get("changes"))
                    .is_some_and(truthy);
                if changed {
                    has_changes.push(Value::String(format!("{}: {}", req.state(), req.id())));
                }
            }
        }
        let kw = &self.kwargs;
        let mut m = Map::new();
        m.insert("name".into(), Value::String(self.name));
        m.insert(
            "result".into(),
            kw.get("result").cloned().unwrap_or(json!(true)),
        );
        m.insert(
            "comment".into(),
            kw.get("comment")
                .cloned()
                .unwrap_or(json!("Watch statement fired.")),
        );
        m.insert(
            "changes".into(),
            kw.get("changes")
                .cloned()
                .unwrap_or_else(|| json!({"Requisites with changes": has_changes})),
        );
        Ok(StateReturn::from_map(m))
    }

    fn apply(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        self.plan(cx)
    }
}

/// `test.check_pillar`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckPillar {
    name: String,
    #[serde(default)]
    present: Value,
    #[serde(default)]
    boolean: Value,
    #[serde(default)]
    integer: Value,
    #[serde(default)]
    string: Value,
    #[serde(default)]
    listing: Value,
    #[serde(default)]
    dictionary: Value,
    #[serde(default)]
    verbose: Value,
}

/// The type a `check_pillar` list asks for, named as Python prints it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum PillarType {
    Any,
    Bool,
    Int,
    Str,
    List,
    Dict,
}

impl PillarType {
    fn python(self) -> &'static str {
        match self {
            Self::Any => "None",
            Self::Bool => "<class 'bool'>",
            Self::Int => "<class 'int'>",
            Self::Str => "(<class 'str'>,)",
            Self::List => "<class 'list'>",
            Self::Dict => "<class 'dict'>",
        }
    }

    /// Python's `isinstance` (a bool is an int).
    fn holds(self, v: &Value) -> bool {
        match self {
            Self::Any => true,
            Self::Bool => v.is_boolean(),
            Self::Int => v.is_boolean() || v.is_i64() || v.is_u64(),
            Self::Str => v.is_string(),
            Self::List => v.is_array(),
            Self::Dict => v.is_object(),
        }
    }
}

impl StateFn for CheckPillar {
    const DOC: &'static str = "Checks that pillar keys exist (`present`) or exist with a type (`boolean`, `integer`, `string`, `listing`, `dictionary`); each takes a key or a list of keys, `a:b` for nested keys. Fails naming the keys that are missing or of another type; `verbose: True` also lists the keys that passed.\n\n    is-pillar-foo-present-and-bar-is-int:\n      test.check_pillar:\n        - present:\n            - foo\n        - integer:\n            - bar\n";

    fn plan(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        let lists = [
            (PillarType::Any, &self.present),
            (PillarType::Bool, &self.boolean),
            (PillarType::Int, &self.integer),
            (PillarType::Str, &self.string),
            (PillarType::List, &self.listing),
            (PillarType::Dict, &self.dictionary),
        ];
        if !lists.iter().any(|(_, v)| truthy(v)) {
            return Err(StateError::Invocation(
                "Missing required argument text.".into(),
            ));
        }
        let mut result = true;
        let mut failed: Vec<(String, Option<PillarType>)> = Vec::new();
        let mut fine: Vec<(String, PillarType)> = Vec::new();
        let verbose = truthy(&self.verbose);
        for (ty, keys) in lists {
            let keys = match keys {
                v if !truthy(v) => Vec::new(),
                Value::String(s) => vec![Value::String(s.clone())],
                Value::Array(a) => a.clone(),
                _ => return Err(StateError::Other("TypeError".into())),
            };
            for key in keys {
                let key = py_str(&key);
                let value = cx
                    .exec
                    .call(
                        "pillar.get",
                        &[Value::String(key.clone()), Value::Null],
                        &Map::new(),
                    )
                    .map_err(StateError::Command)?
                    .value;
                let verdict = if value.is_null() {
                    Some(None)
                } else if !ty.holds(&value) {
                    Some(Some(ty))
                } else {
                    None
                };
                match verdict {
                    Some(why) => {
                        result = false;
                        upsert(&mut failed, key, why);
                    }
                    None if verbose => upsert(&mut fine, key, ty),
                    None => {}
                }
            }
        }
        let mut comment = String::new();
        for (key, why) in &failed {
            match why {
                None => comment.push_str(&format!("Pillar key \"{key}\" is missing.\n")),
                Some(ty) => {
                    comment.push_str(&format!("Pillar key \"{key}\" is not {}.\n", ty.python()))
                }
            }
        }
        if verbose && !fine.is_empty() {
            comment.push_str("Those keys passed the check:\n");
            for (key, ty) in &fine {
                comment.push_str(&format!("- {key} ({})\n", ty.python()));
            }
        }
        Ok(ret(&self.name, Map::new(), json!(result), json!(comment)))
    }

    fn apply(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        self.plan(cx)
    }
}

/// Python's `d[key] = v` on an ordered dict.
fn upsert<T>(list: &mut Vec<(String, T)>, key: String, v: T) {
    match list.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = v,
        None => list.push((key, v)),
    }
}
