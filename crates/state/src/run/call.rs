//! Calling one state function (Salt's `State.call`): check the chunk,
//! evaluate `onlyif`/`unless`/`creates`, bind and run the function (plan in
//! test mode or during a prereq look-ahead), apply `check_cmd`, stamp
//! `__sls__`, `__run_num__`, times and `__id__`, and retry per `retry:`.
//! Every return then goes through Salt's output checks (a state must
//! return name/result/changes/comment; list comments are joined).

use std::time::{Duration, Instant};

use serde_json::{Map, Number, Value, json};

use super::Runner;
use crate::LowChunk;
use crate::module::{Reqs, RunCtx};
use crate::pyrepr::{py_repr, py_str, py_type_name};
use crate::registry::{bind_state, has_state, required_params};
use crate::value::truthy;
use salt_target::fnmatchcase as fnmatch;

/// `retry: attempts:` beyond this count as this (each attempt nests a
/// call, as in Salt).
pub const MAX_RETRY_ATTEMPTS: i64 = 1000;

impl Runner<'_> {
    /// Calls the chunk's function; the result as Salt's dict.
    pub(super) fn call(
        &mut self,
        low: &mut LowChunk,
        retries: u64,
        reqs: Option<&Reqs>,
    ) -> Map<String, Value> {
        let ret = self.call_unchecked(low, retries, reqs);
        unify(content_check(ret))
    }

    fn call_unchecked(
        &mut self,
        low: &mut LowChunk,
        retries: u64,
        reqs: Option<&Reqs>,
    ) -> Map<String, Value> {
        let started = Instant::now();
        let start_time = self.clock_now();
        let errors = verify_data(low);
        if !errors.is_empty() {
            let mut ret = Map::new();
            ret.insert("result".into(), Value::Bool(false));
            ret.insert("name".into(), low.name().clone());
            ret.insert("changes".into(), Value::Object(Map::new()));
            let comment: String = errors.iter().map(|e| format!("{e}\n")).collect();
            ret.insert("comment".into(), Value::String(comment));
            ret.insert("__run_num__".into(), Value::from(self.next_run_num()));
            return ret;
        }
        let in_prereq = low.flag("__prereq__");
        let test = self.opts.test || in_prereq;
        let mut ret = match self.invoke(low, test, reqs) {
            Ok(ret) => ret,
            Err(exc) => {
                let name = match low.name() {
                    v if truthy(v) => v.clone(),
                    _ => low.get("__id__").cloned().unwrap_or(Value::Null),
                };
                let mut ret = Map::new();
                ret.insert("result".into(), Value::Bool(false));
                ret.insert("name".into(), name);
                ret.insert("changes".into(), Value::Object(Map::new()));
                ret.insert(
                    "comment".into(),
                    Value::String(format!("An exception occurred in this state: {exc}")),
                );
                ret
            }
        };
        if in_prereq {
            low.set("__prereq__", Value::Bool(false));
            return ret;
        }
        ret.insert(
            "__sls__".into(),
            low.get("__sls__").cloned().unwrap_or(Value::Null),
        );
        ret.insert("__run_num__".into(), Value::from(self.next_run_num()));
        ret.insert("start_time".into(), Value::String(start_time));
        ret.insert("duration".into(), millis(started.elapsed()));
        ret.insert("__id__".into(), Value::String(low.id().to_owned()));
        if low.contains("retry") && !low.contains("parallel") {
            ret = self.retry(low, ret, retries, reqs);
        }
        ret
    }

    /// Conditions, the function itself, `check_cmd`. `Err` is an exception.
    fn invoke(
        &self,
        low: &LowChunk,
        test: bool,
        reqs: Option<&Reqs>,
    ) -> Result<Map<String, Value>, String> {
        let mut ret = Map::new();
        ret.insert("result".into(), Value::Bool(false));
        ret.insert("name".into(), low.name().clone());
        ret.insert("changes".into(), Value::Object(Map::new()));
        let has_conditions = ["unless", "onlyif", "creates"]
            .iter()
            .any(|k| low.contains(k));
        if has_conditions && !has_state(&format!("{}.mod_run_check", low.state())) {
            for (k, v) in self.run_check(low)? {
                ret.insert(k, v);
            }
        }
        if ret.get("result") == Some(&Value::Bool(false)) {
            let call = bind_state(&low.full(), low).map_err(|e| e.to_string())?;
            let saltenv = low
                .get("saltenv")
                .and_then(Value::as_str)
                .or_else(|| low.env())
                .unwrap_or("base");
            let cx = RunCtx {
                test,
                exec: self.exec,
                saltenv,
                low,
                running: &self.running,
                reqs,
                lowstate: &self.chunks,
            };
            ret = call.run(&cx).map_err(|e| e.to_string())?.into_map();
        }
        if low.contains("check_cmd") && !has_state(&format!("{}.mod_run_check_cmd", low.state())) {
            for (k, v) in self.run_check_cmd(low) {
                ret.insert(k, v);
            }
        }
        Ok(ret)
    }

    /// `retry:` (Salt's `verify_retry_data` and the re-run loop).
    fn retry(
        &mut self,
        low: &mut LowChunk,
        mut ret: Map<String, Value>,
        retries: u64,
        reqs: Option<&Reqs>,
    ) -> Map<String, Value> {
        let retry = verify_retry_data(low.get("retry").unwrap_or(&Value::Null));
        low.set("retry", Value::Object(retry.clone()));
        let num = |k: &str| retry.get(k).and_then(as_int).unwrap_or(0);
        let until = retry.get("until").cloned().unwrap_or(Value::Bool(true));
        if self.opts.test {
            let comment = ret
                .get("comment")
                .filter(|c| truthy(c))
                .map(py_str)
                .unwrap_or_default();
            let would = format!(
                "The state would be retried every {} seconds (with a splay of up to {} seconds) a maximum of {} times or until a result of {} is returned",
                py_str(retry.get("interval").unwrap_or(&Value::Null)),
                py_str(retry.get("splay").unwrap_or(&Value::Null)),
                py_str(retry.get("attempts").unwrap_or(&Value::Null)),
                py_str(&until),
            );
            ret.insert(
                "comment".into(),
                Value::String(format!("{comment}  {would}")),
            );
            return ret;
        }
        let result = ret.get("result").cloned().unwrap_or(Value::Null);
        let attempts = num("attempts").min(MAX_RETRY_ATTEMPTS);
        if until == result || attempts <= retries as i64 {
            return ret;
        }
        let mut interval = num("interval");
        if num("splay") > 0 {
            interval += splay(num("splay"));
        }
        self.exec.sleep(Duration::from_secs(interval.max(0) as u64));
        let orig = ret;
        let mut ret = self.call(low, retries + 1, reqs);
        let orig_comment = orig.get("comment").map(py_str).unwrap_or_default();
        let attempt = format!(
            "Attempt {retries}: Returned a result of \"{}\", with the following comment: \"{orig_comment}\"",
            py_str(orig.get("result").unwrap_or(&Value::Null)),
        );
        let now = ret
            .get("comment")
            .filter(|c| truthy(c))
            .map(py_str)
            .unwrap_or_default();
        ret.insert("comment".into(), Value::String(format!("{attempt}\n{now}")));
        let d = |m: &Map<String, Value>| m.get("duration").and_then(Value::as_f64).unwrap_or(0.0);
        let total = d(&ret) + d(&orig) + (interval * 1000) as f64;
        ret.insert("duration".into(), float(total));
        if retries == 1
            && let Some(st) = orig.get("start_time")
        {
            ret.insert("start_time".into(), st.clone());
        }
        ret
    }

    /// Local time of day as Python's `time.isoformat()` prints it.
    pub(super) fn clock_now(&self) -> String {
        clock_string(self.opts.utc_offset_seconds)
    }
}

/// A start time and a near-zero duration for results that ran nothing.
pub(super) fn fake_duration(offset: Option<i32>) -> (Value, Value) {
    let start = Instant::now();
    let t = clock_string(offset);
    (Value::String(t), millis(start.elapsed()))
}

fn clock_string(offset: Option<i32>) -> String {
    let now = time::OffsetDateTime::now_utc();
    let local = match offset.and_then(|s| time::UtcOffset::from_whole_seconds(s).ok()) {
        Some(off) => now.to_offset(off),
        None => time::OffsetDateTime::now_local().unwrap_or(now),
    };
    let micros = local.microsecond();
    if micros == 0 {
        format!(
            "{:02}:{:02}:{:02}",
            local.hour(),
            local.minute(),
            local.second()
        )
    } else {
        format!(
            "{:02}:{:02}:{:02}.{micros:06}",
            local.hour(),
            local.minute(),
            local.second()
        )
    }
}

/// Milliseconds with microsecond precision, as Salt reports `duration`.
fn millis(d: Duration) -> Value {
    float(d.as_micros() as f64 / 1000.0)
}

fn float(f: f64) -> Value {
    Number::from_f64(f)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

fn splay(max: i64) -> i64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u8(1);
    (h.finish() % (max as u64 + 1)) as i64
}

/// Salt's `verify_retry_data`: defaults for missing or mistyped values.
fn verify_retry_data(data: &Value) -> Map<String, Value> {
    let defaults = |attempts: i64| {
        let mut m = Map::new();
        m.insert("until".into(), json!(true));
        m.insert("attempts".into(), json!(attempts));
        m.insert("splay".into(), json!(0));
        m.insert("interval".into(), json!(30));
        m
    };
    match data {
        Value::Object(given) => {
            let d = defaults(2);
            let mut out = Map::new();
            for key in ["until", "attempts", "interval", "splay"] {
                let ok = match given.get(key) {
                    Some(Value::Bool(_)) => true,
                    Some(v) if key != "until" => v.as_i64().is_some(),
                    _ => false,
                };
                let v = if ok {
                    given[key].clone()
                } else {
                    d[key].clone()
                };
                out.insert(key.into(), v);
            }
            out
        }
        Value::Bool(true) => defaults(2),
        Value::Bool(false) => defaults(0),
        _ => defaults(2),
    }
}

/// Salt's `verify_data`: the errors that stop a chunk before its call.
fn verify_data(low: &mut LowChunk) -> Vec<String> {
    let mut errors = Vec::new();
    let sls_part = low
        .get("__sls__")
        .map(|s| format!("in SLS '{}' ", py_str(s)))
        .unwrap_or_default();
    let name = low.name().clone();
    if truthy(&name) && !name.is_string() {
        errors.push(format!(
            "ID '{}' {sls_part}is not formed as a string, but is a {}",
            py_str(&name),
            py_type_name(&name)
        ));
    }
    if let Some(umask) = low.remove("umask") {
        match i64::from_str_radix(&py_str(&umask), 8) {
            Ok(mask) => low.set("__umask__", Value::from(mask)),
            Err(_) => errors.push(format!("Invalid umask: {}", py_str(&umask))),
        }
    }
    if !errors.is_empty() {
        return errors;
    }
    let full = low.full();
    match required_params(&full) {
        None => match low.get("__sls__") {
            Some(sls) => {
                errors.push(format!(
                    "State '{full}' was not found in SLS '{}'",
                    py_str(sls)
                ));
                errors.push(format!("Reason: '{full}' is not available."));
            }
            None => errors.push(format!("Specified state '{full}' was not found")),
        },
        Some(required) => {
            for p in required {
                if !low.contains(p) {
                    errors.push(format!("Missing parameter {p} for state {full}"));
                }
            }
        }
    }
    let reqdec = recursive_require_key(low);
    if let Some(reqdec) = reqdec {
        for req in low
            .get(reqdec)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Value::Object(m) = req else { continue };
            let Some((first, target)) = m.iter().next() else {
                continue;
            };
            let Some(target) = target.as_str() else {
                continue;
            };
            if first == low.state()
                && (fnmatch(&low.name_str(), target) || fnmatch(low.id(), target))
            {
                errors.push(format!(
                    "Recursive require detected in SLS {} for require {} in ID {}",
                    low.get("__sls__")
                        .map(py_str)
                        .unwrap_or_else(|| "None".into()),
                    py_repr(req),
                    low.id()
                ));
            }
        }
    }
    errors
}

/// Which requisite list `verify_data` checks for self-requires; folds
/// `watch` into `require` for modules without `mod_watch`.
fn recursive_require_key(low: &mut LowChunk) -> Option<&'static str> {
    let mut reqdec = low.contains("require").then_some("require");
    if low.contains("watch") {
        if has_state(&format!("{}.mod_watch", low.state())) {
            reqdec = Some("watch");
        } else {
            let watch = super::requisite::entries(low.remove("watch").as_ref());
            let mut list = super::requisite::entries(low.get("require"));
            list.extend(watch);
            low.set("require", Value::Array(list));
            reqdec = Some("require");
        }
    }
    reqdec
}

/// Salt's `content_check`: a malformed return becomes a failure.
fn content_check(ret: Map<String, Value>) -> Map<String, Value> {
    let err = if !ret.get("changes").is_some_and(Value::is_object) {
        Some("'Changes' should be a dictionary.".to_owned())
    } else {
        let missing: Vec<&str> = ["name", "result", "changes", "comment"]
            .into_iter()
            .filter(|k| !ret.contains_key(*k))
            .collect();
        (!missing.is_empty()).then(|| {
            format!(
                "The following keys were not present in the state return: {}.",
                missing.join(", ")
            )
        })
    };
    let Some(err) = err else { return ret };
    let mut out = Map::new();
    out.insert("result".into(), Value::Bool(false));
    out.insert("name".into(), Value::String("later".into()));
    out.insert("changes".into(), Value::Object(Map::new()));
    out.insert(
        "comment".into(),
        Value::String(format!("An exception occurred in this state: {err}")),
    );
    out
}

/// Salt's `unify`: list comments joined by newlines, results made bool.
fn unify(mut ret: Map<String, Value>) -> Map<String, Value> {
    if let Some(Value::Array(items)) = ret.get("comment") {
        let joined: Vec<String> = items.iter().map(py_str).collect();
        ret.insert("comment".into(), Value::String(joined.join("\n")));
    }
    if let Some(r) = ret.get("result")
        && !r.is_null()
        && !r.is_boolean()
    {
        let b = truthy(r);
        ret.insert("result".into(), Value::Bool(b));
    }
    ret
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_data_defaults_and_types() {
        let r = verify_retry_data(&json!({"attempts": "two", "interval": 0}));
        assert_eq!(
            Value::Object(r),
            json!({"until": true, "attempts": 2, "interval": 0, "splay": 0})
        );
        let keys: Vec<String> = verify_retry_data(&json!(true)).keys().cloned().collect();
        assert_eq!(keys, ["until", "attempts", "splay", "interval"]);
        assert_eq!(verify_retry_data(&json!(false))["attempts"], 0);
    }

    #[test]
    fn malformed_returns_are_failures_and_comments_join() {
        let mut m = Map::new();
        m.insert("name".into(), json!("x"));
        m.insert("changes".into(), json!(false));
        let r = content_check(m);
        assert_eq!(r["name"], "later");
        assert_eq!(
            r["comment"],
            "An exception occurred in this state: 'Changes' should be a dictionary."
        );
        let mut m = Map::new();
        m.insert("comment".into(), json!(["a", "b"]));
        m.insert("result".into(), json!(1));
        let r = unify(m);
        assert_eq!(
            (r["comment"].as_str(), &r["result"]),
            (Some("a\nb"), &json!(true))
        );
    }

    #[test]
    fn clock_prints_like_python() {
        let t = clock_string(Some(0));
        assert!(t.len() == 8 || t.len() == 15, "{t}");
    }
}
