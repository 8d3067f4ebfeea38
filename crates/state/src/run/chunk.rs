//! What to do with one chunk (Salt's `call_chunk`): run its requisites
//! first when they have not run, report missing targets and cycles, then
//! call it, skip it, or report the failed requisites, per the verdict.

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use super::requisite::{KINDS, ReqIdx, Status, entries, normalize};
use super::{Runner, add_identity};
use crate::module::Reqs;
use crate::pyrepr::py_str;
use crate::value::truthy;

/// Requisites whose targets are pulled in (and reported when missing):
/// all kinds. Salt leaves `onfail_all` out and then crashes on a target
/// defined later (UnboundLocalError); we pull it like the others.
const PULLED: &[&str] = KINDS;

impl Runner<'_> {
    pub(super) fn call_chunk(&mut self, idx: usize, depth: u32) {
        if self.nesting >= super::MAX_NESTING {
            let n = self.next_run_num();
            let comment = format!(
                "The requisite chain is too deep: more than {} states pulled in inside each other",
                super::MAX_NESTING
            );
            let mut ret = self.synthesized(json!(false), comment, n);
            add_identity(&mut ret, &self.chunks[idx]);
            self.running.insert(self.chunks[idx].tag(), ret);
            return;
        }
        self.nesting += 1;
        self.call_chunk_nested(idx, depth);
        self.nesting -= 1;
    }

    fn call_chunk_nested(&mut self, idx: usize, depth: u32) {
        let tag = self.chunks[idx].tag();
        if !self.chunks[idx].flag("prerequired") {
            self.active.insert(tag.clone());
        }
        let in_prereq = self.chunks[idx].flag("__prereq__");
        let (status, reqs) = self.check_requisite(idx, !in_prereq);
        match status {
            Status::Unmet => {
                if self.pull_requisites(idx, &tag, in_prereq, depth) {
                    return;
                }
            }
            Status::Met => self.store_call(idx, &tag, None),
            Status::Fail => self.requisite_failed(idx, &tag, &reqs),
            Status::Change if !in_prereq => {
                let mut low = self.chunks[idx].clone();
                let mut ret = self.call(&mut low, 1, None);
                self.chunks[idx] = low;
                let skip_watch = ret.get("skip_watch").is_some_and(truthy);
                if !ret.get("changes").is_some_and(truthy) && !skip_watch {
                    let mut watch = self.chunks[idx].clone();
                    let fun = watch.fun().to_owned();
                    watch.set("sfun", Value::String(fun));
                    watch.set("fun", Value::String("mod_watch".into()));
                    let reqs = self.reqs_chunks(&reqs);
                    ret = self.call(&mut watch, 1, Some(&reqs));
                }
                self.running.insert(tag.clone(), ret);
            }
            Status::Change => self.store_call(idx, &tag, None),
            Status::Pre => {
                let n = self.next_run_num();
                let mut ret = self.synthesized(json!(true), "No changes detected".into(), n);
                add_identity(&mut ret, &self.chunks[idx]);
                self.running.insert(tag.clone(), ret.clone());
                self.pre.insert(tag.clone(), ret);
            }
            Status::OnFail | Status::OnChanges => {
                let comment = if status == Status::OnFail {
                    "State was not run because onfail req did not change"
                } else {
                    "State was not run because none of the onchanges reqs changed"
                };
                let n = self.next_run_num();
                let mut ret = self.synthesized(json!(true), comment.into(), n);
                ret.shift_remove("__run_num__");
                ret.insert("__state_ran__".into(), Value::Bool(false));
                ret.insert("__run_num__".into(), Value::from(n));
                add_identity(&mut ret, &self.chunks[idx]);
                self.running.insert(tag.clone(), ret);
            }
        }
        if let Some(ret) = self.running.get_mut(&tag) {
            // Sub-state results are not supported; drop the marker like
            // Salt drops it after expanding them.
            ret.shift_remove("sub_state_run");
        }
    }

    /// Calls the chunk and stores the result (`pre` during a look-ahead).
    fn store_call(&mut self, idx: usize, tag: &str, reqs: Option<&Reqs>) {
        let in_prereq = self.chunks[idx].flag("__prereq__");
        let mut low = self.chunks[idx].clone();
        let ret = self.call(&mut low, 1, reqs);
        self.chunks[idx] = low;
        if in_prereq {
            self.pre.insert(tag.to_owned(), ret);
        } else {
            self.running.insert(tag.to_owned(), ret);
        }
    }

    /// The unmet branch: report missing targets, or run the targets and
    /// look again. Returns true when the caller must stop here.
    fn pull_requisites(&mut self, idx: usize, tag: &str, in_prereq: bool, depth: u32) -> bool {
        let mut kinds: Vec<&str> = PULLED.to_vec();
        if !in_prereq {
            kinds.push("prerequired");
        }
        let mut lost: IndexMap<&str, Vec<(String, Value)>> = IndexMap::new();
        let mut pulled: Vec<usize> = Vec::new();
        // Salt's leaked loop variable: the chunk failhard is checked on.
        let mut last_chunk: Option<usize> = None;
        for kind in kinds {
            lost.insert(kind, Vec::new());
            for req in entries(self.chunks[idx].get(kind)) {
                let Some((key, val)) = normalize(&req) else {
                    continue;
                };
                let mut found = false;
                if !self.chunks.is_empty() {
                    last_chunk = Some(self.chunks.len() - 1);
                }
                let hits = if val.is_null() {
                    Vec::new()
                } else {
                    self.index.find(&self.chunks, &key, &val)
                };
                for j in hits {
                    if kind == "prereq" {
                        self.chunks[j].set("__prereq__", Value::Bool(true));
                    } else if kind == "prerequired" && key != "sls" {
                        self.chunks[j].set("__prerequired__", Value::Bool(true));
                    }
                    pulled.push(j);
                    found = true;
                }
                if !found {
                    lost.get_mut(kind)
                        .into_iter()
                        .for_each(|l| l.push((key.clone(), val.clone())));
                }
            }
        }
        if lost.values().any(|l| !l.is_empty()) {
            let mut comment = String::from("The following requisites were not found:\n");
            for (kind, reqs) in &lost {
                if reqs.is_empty() {
                    continue;
                }
                comment.push_str(&format!("{}{kind}:\n", " ".repeat(19)));
                for (key, val) in reqs {
                    comment.push_str(&format!("{}{key}: {}\n", " ".repeat(23), py_str(val)));
                }
            }
            let n = self.next_run_num();
            let mut ret = self.synthesized(json!(false), comment, n);
            add_identity(&mut ret, &self.chunks[idx]);
            if self.chunks[idx].flag("__prereq__") {
                self.pre.insert(tag.to_owned(), ret);
            } else {
                self.running.insert(tag.to_owned(), ret);
            }
            return true;
        }
        for j in pulled {
            last_chunk = Some(j);
            let ctag = self.chunks[j].tag();
            if self.running.contains_key(&ctag) {
                continue;
            }
            if self.active.contains(&ctag) {
                if self.chunks[j].flag("__prerequired__") {
                    // A prereq cycle: run this chunk as the look-ahead.
                    if !self.pre.contains_key(tag) {
                        self.chunks[idx].set("__prereq__", Value::Bool(true));
                        let mut low = self.chunks[idx].clone();
                        let ret = self.call(&mut low, 1, None);
                        self.chunks[idx] = low;
                        self.pre.insert(ctag, ret);
                    }
                    return true;
                }
                let n = self.run_num;
                let mut ret = Map::new();
                ret.insert("changes".into(), Value::Object(Map::new()));
                ret.insert("result".into(), Value::Bool(false));
                ret.insert("comment".into(), "Recursive requisite found".into());
                ret.insert("__run_num__".into(), Value::from(n));
                add_identity(&mut ret, &self.chunks[idx]);
                self.running.insert(tag.to_owned(), ret);
                self.run_num += 1;
                return true;
            }
            self.call_chunk(j, 0);
            if self.check_failhard(j) {
                self.failhard_hit = true;
                return true;
            }
        }
        if self.chunks[idx].flag("__prereq__") {
            let (status, _) = self.check_requisite(idx, false);
            let mut low = self.chunks[idx].clone();
            let mut ret = self.call(&mut low, 1, None);
            self.chunks[idx] = low;
            if !ret.get("changes").is_some_and(truthy) && status == Status::Change {
                ret.insert("changes".into(), json!({"watch": "watch"}));
                ret.insert("result".into(), Value::Null);
            }
            self.pre.insert(tag.to_owned(), ret);
        } else if depth + 1 >= 20 {
            let mut ret = Map::new();
            ret.insert("changes".into(), Value::Object(Map::new()));
            ret.insert("result".into(), Value::Bool(false));
            ret.insert("comment".into(), "Recursive requisite found".into());
            ret.insert("__run_num__".into(), Value::from(self.run_num));
            add_identity(&mut ret, &self.chunks[idx]);
            self.running.insert(tag.to_owned(), ret);
        } else {
            self.call_chunk(idx, depth + 1);
        }
        if let Some(j) = last_chunk
            && self.check_failhard(j)
        {
            self.failhard_hit = true;
            return true;
        }
        false
    }

    /// A target failed: the look-ahead's result (without its predicted
    /// changes) for a prereq'd chunk, else "One or more requisite failed".
    fn requisite_failed(&mut self, idx: usize, tag: &str, reqs: &ReqIdx) {
        if let Some(mut ret) = self.pre.get(tag).cloned() {
            if ret.get("changes").is_some_and(truthy) {
                ret.insert("changes".into(), Value::Object(Map::new()));
            }
            ret.insert("__run_num__".into(), Value::from(self.run_num));
            add_identity(&mut ret, &self.chunks[idx]);
            self.pre.insert(tag.to_owned(), ret.clone());
            self.running.insert(tag.to_owned(), ret);
        } else {
            let mut failed: Vec<String> = Vec::new();
            for j in reqs.values().flatten() {
                let req = &self.chunks[*j];
                let req_tag = req.tag();
                let Some(ret) = self
                    .pre
                    .get(&req_tag)
                    .or_else(|| self.running.get(&req_tag))
                else {
                    continue;
                };
                if ret.get("result") == Some(&Value::Bool(false)) {
                    let key = format!(
                        "{}.{}",
                        req.get("__sls__")
                            .map(py_str)
                            .unwrap_or_else(|| "None".into()),
                        req.id()
                    );
                    if !failed.contains(&key) {
                        failed.push(key);
                    }
                }
            }
            let comment = format!("One or more requisite failed: {}", failed.join(", "));
            let mut ret = self.synthesized(json!(false), comment, self.run_num);
            add_identity(&mut ret, &self.chunks[idx]);
            self.running.insert(tag.to_owned(), ret.clone());
            self.pre.insert(tag.to_owned(), ret);
        }
        self.run_num += 1;
    }

    /// The requisite targets as chunks, for `mod_watch` (Salt's `__reqs__`).
    fn reqs_chunks(&self, reqs: &ReqIdx) -> Reqs {
        reqs.iter()
            .map(|(k, list)| (*k, list.iter().map(|j| self.chunks[*j].clone()).collect()))
            .collect()
    }
}
