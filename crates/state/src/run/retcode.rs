//! Whether a run succeeded (Salt's `check_result`, which decides
//! `salt-call`'s exit code 2): every result must be non-false, except that
//! a failure handled by an `onfail` state marked `onfail_stop: False`
//! counts as success when its handler succeeded.

use serde_json::{Map, Value};

use crate::compiler::HighData;
use crate::module::Running;
use crate::tags::split_tag;

/// True when the run reports no failure.
pub fn run_succeeded(running: &Running, high: Option<&HighData>) -> bool {
    if running.is_empty() {
        return false;
    }
    for (tag, ret) in running {
        let failed = ret.get("result") == Some(&Value::Bool(false));
        if failed && !onfail_handled(tag, running, high) {
            return false;
        }
    }
    true
}

/// Salt's `check_onfail_requisites`: the failure of `tag` is handled when
/// `onfail_stop: False` handlers watch it and none of them failed.
fn onfail_handled(tag: &str, running: &Running, high: Option<&HighData>) -> bool {
    let Some(high) = high else { return false };
    let (state, id) = match split_tag(tag) {
        Some((s, id, _, _)) => (Some(s), id),
        None => (None, tag),
    };
    let handlers = handlers_of(id, state, high.as_map());
    if handlers.is_empty() {
        return false;
    }
    let mut verdict = None;
    for (hid, hmod) in handlers {
        for (rtag, ret) in running {
            let Some((rstate, rid, _, _)) = split_tag(rtag) else {
                continue;
            };
            if rstate == hmod
                && rid == hid
                && let Some(Value::Bool(b)) = ret.get("result")
            {
                verdict = Some(*b);
                if !b {
                    break;
                }
            }
        }
    }
    verdict.unwrap_or(false)
}

/// `(id, module)` of declarations with `onfail_stop: False` whose `onfail`
/// names `id` (Salt's `search_onfail_requisites`).
fn handlers_of(id: &str, state: Option<&str>, high: &Map<String, Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (fid, body) in high {
        if fid == id {
            continue;
        }
        let Value::Object(body) = body else { continue };
        for (module, decl) in body {
            if module.starts_with("__") {
                continue;
            }
            let Value::Array(args) = decl else { continue };
            let handled = args
                .iter()
                .filter_map(Value::as_object)
                .any(|a| a.get("onfail_stop") == Some(&Value::Bool(false)));
            if !handled {
                continue;
            }
            for arg in args.iter().filter_map(Value::as_object) {
                for req in arg
                    .get("onfail")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let Value::Object(req) = req else { continue };
                    for (fmod, fid_target) in req {
                        let same_mod = state.is_none_or(|s| s == fmod);
                        if fid_target.as_str() == Some(id) && same_mod {
                            out.push((fid.clone(), module.clone()));
                        }
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn running(v: Value) -> Running {
        v.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_object().cloned().unwrap()))
            .collect()
    }

    #[test]
    fn failures_fail_unless_handled_with_onfail_stop_false() {
        let ok = running(
            json!({"test_|-a_|-a_|-nop": {"result": true}, "test_|-b_|-b_|-nop": {"result": null}}),
        );
        assert!(run_succeeded(&ok, None));
        let bad = running(
            json!({"test_|-a_|-a_|-fail_without_changes": {"result": false},
            "test_|-h_|-h_|-nop": {"result": true}}),
        );
        assert!(!run_succeeded(&bad, None));
        let high = HighData::from_value(json!({
            "h": {"test": ["nop", {"onfail_stop": false}, {"onfail": [{"test": "a"}]}], "__sls__": "s"},
        }))
        .unwrap();
        assert!(run_succeeded(&bad, Some(&high)));
        assert!(!run_succeeded(&Running::new(), None));
    }
}
