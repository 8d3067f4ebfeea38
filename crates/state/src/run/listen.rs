//! `listen` and `listen_in` (Salt's `call_listen`): after every state ran,
//! each listener whose target changed gets its `mod_watch` called once, as
//! a chunk of its own with ID `listener_<id>`. Targets that do not exist
//! are reported as `Listen_Error` results at the end.

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use super::Runner;
use crate::LowChunk;
use crate::keywords::REQUISITE_KEYWORDS;
use crate::pyrepr::py_str;
use crate::tags::listen_error_tag;
use crate::value::truthy;

/// `(state, id, name)` of a chunk; Salt matches a target against any part.
type Cref = (String, String, String);

impl Runner<'_> {
    pub(super) fn call_listen(&mut self) {
        let mut crefs: IndexMap<Cref, usize> = IndexMap::new();
        let mut listeners: Vec<(Cref, Vec<Value>)> = Vec::new();
        for (i, chunk) in self.chunks.iter().enumerate() {
            let cref = cref_of(chunk);
            crefs.insert(cref.clone(), i);
            if let Some(listen) = chunk.get("listen") {
                listeners.push((cref, as_list(listen)));
            }
            for l_in in chunk.get("listen_in").map(as_list).unwrap_or_default() {
                let Value::Object(l_in) = l_in else { continue };
                for (key, val) in l_in {
                    let lookup = (key, py_str(&val), "lookup".to_owned());
                    listeners.push((lookup, vec![json!({chunk.state(): chunk.id()})]));
                }
            }
        }
        let matches = |state: &str, target: &str, cref: &Cref| {
            state == cref.0 && (target == cref.0 || target == cref.1 || target == cref.2)
        };
        let mut mod_watchers: Vec<LowChunk> = Vec::new();
        let mut errors: IndexMap<String, Map<String, Value>> = IndexMap::new();
        for (key, targets) in &listeners {
            for listen_to in targets {
                let listen_to = match listen_to {
                    Value::Object(m) => m.clone(),
                    other => {
                        let wanted = py_str(other);
                        let hit = self
                            .chunks
                            .iter()
                            .find(|c| c.id() == wanted || c.name_str() == wanted);
                        match hit {
                            Some(c) => {
                                let mut m = Map::new();
                                m.insert(c.state().to_owned(), Value::String(c.id().to_owned()));
                                m
                            }
                            None => continue,
                        }
                    }
                };
                for (lkey, lval) in &listen_to {
                    let lval = py_str(lval);
                    if !crefs.keys().any(|c| matches(lkey, &lval, c)) {
                        errors.insert(listen_error_tag(lkey, &lval), listen_error(lkey, &lval));
                        continue;
                    }
                    let to_tags: Vec<String> = crefs
                        .iter()
                        .filter(|(c, _)| matches(lkey, &lval, c))
                        .map(|(_, i)| self.chunks[*i].tag())
                        .collect();
                    for to_tag in to_tags {
                        let Some(ret) = self.running.get(&to_tag) else {
                            continue;
                        };
                        if !ret.get("changes").is_some_and(truthy) {
                            continue;
                        }
                        if !crefs.keys().any(|c| matches(&key.0, &key.1, c)) {
                            errors.insert(
                                listen_error_tag(&key.0, &key.1),
                                listen_error(&key.0, &key.1),
                            );
                            continue;
                        }
                        for (_, i) in crefs.iter().filter(|(c, _)| matches(&key.0, &key.1, c)) {
                            mod_watchers.push(watcher_of(&self.chunks[*i]));
                        }
                    }
                }
            }
        }
        let main_index = std::mem::replace(
            &mut self.index,
            super::requisite::TargetIndex::new(&mod_watchers),
        );
        let main_chunks = std::mem::replace(&mut self.chunks, mod_watchers);
        let main_running = std::mem::take(&mut self.running);
        self.failhard_hit = false;
        self.call_chunks();
        let watched = std::mem::replace(&mut self.running, main_running);
        self.chunks = main_chunks;
        self.index = main_index;
        self.running.extend(watched);
        for (tag, mut err) in errors {
            err.insert("__run_num__".into(), Value::from(self.next_run_num()));
            self.running.insert(tag, err);
        }
    }
}

fn cref_of(chunk: &LowChunk) -> Cref {
    (
        chunk.state().to_owned(),
        chunk.id().to_owned(),
        chunk.name_str(),
    )
}

/// The `mod_watch` chunk of a listener: no requisites, ID `listener_<id>`.
fn watcher_of(chunk: &LowChunk) -> LowChunk {
    let mut low = chunk.clone();
    let fun = low.fun().to_owned();
    low.set("sfun", Value::String(fun));
    low.set("fun", Value::String("mod_watch".into()));
    let id = format!("listener_{}", low.id());
    low.set("__id__", Value::String(id));
    for req in REQUISITE_KEYWORDS {
        low.remove(req);
    }
    low
}

fn listen_error(state: &str, id: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "comment".into(),
        json!(format!("Referenced state {state}: {id} does not exist")),
    );
    m.insert("name".into(), json!(format!("listen_{state}:{id}")));
    m.insert("result".into(), json!(false));
    m.insert("changes".into(), json!({}));
    m
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    }
}
