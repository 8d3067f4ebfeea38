//! `file.*`: files, directories and links as Salt's `file` state module
//! manages them, with Salt's comments, change keys and test-mode
//! predictions (checked against Salt 3007 in `tests/file_states.rs`).
//!
//! Unlike the rest of this crate, these states touch the file system
//! themselves (they run on the minion); what lives on the master or in the
//! minion's data (`salt://` files, templates, pillar) they ask through
//! [`RunCtx::exec`](crate::RunCtx), see `source.rs`. One file per state
//! function (or two close ones); shared pieces: `perms.rs` (owners, modes,
//! `check_perms`), `fsops.rs` (atomic writes, makedirs, hashes, diffs of
//! files), `diff.rs` (difflib's unified diff), `source.rs`.

pub mod diff;
mod fsops;
mod perms;
mod source;

mod append;
mod blockreplace;
mod directory;
mod line;
mod manage;
mod managed;
mod paths;
mod pyre;
mod recurse;
mod replace;
mod symlink;
mod tree;

pub use append::Append;
pub use blockreplace::BlockReplace;
pub use directory::Directory;
pub use line::Line;
pub use managed::{Managed, ModRunCheckCmd};
pub use paths::{Absent, Exists, Missing, Touch};
pub use recurse::Recurse;
pub use replace::Replace;
pub use symlink::Symlink;

use serde_json::{Map, Value};

use crate::module::StateReturn;

/// The key order of a state's return dict, which differs between Salt's
/// functions and shows in `--out json`.
#[derive(Debug, Clone, Copy)]
enum Order {
    /// `{changes, comment, name, result: True}` (`file.managed`).
    Managed,
    /// `{name, changes, result: True, comment}` (most).
    Standard,
    /// `{name, changes, result: False, comment}` (`blockreplace`, `append`).
    FailFirst,
}

/// A return being built.
#[derive(Debug, Clone)]
struct Ret(Map<String, Value>);

impl Ret {
    fn new(order: Order, name: &str) -> Self {
        let mut m = Map::new();
        let name = Value::String(name.to_owned());
        let changes = Value::Object(Map::new());
        let empty = Value::String(String::new());
        match order {
            Order::Managed => {
                m.insert("changes".into(), changes);
                m.insert("comment".into(), empty);
                m.insert("name".into(), name);
                m.insert("result".into(), Value::Bool(true));
            }
            Order::Standard | Order::FailFirst => {
                m.insert("name".into(), name);
                m.insert("changes".into(), changes);
                m.insert(
                    "result".into(),
                    Value::Bool(matches!(order, Order::Standard)),
                );
                m.insert("comment".into(), empty);
            }
        }
        Self(m)
    }

    fn changes(&mut self) -> &mut Map<String, Value> {
        let v = self
            .0
            .entry("changes")
            .or_insert_with(|| Value::Object(Map::new()));
        if !v.is_object() {
            *v = Value::Object(Map::new());
        }
        match v {
            Value::Object(m) => m,
            _ => unreachable!("changes was just made an object"),
        }
    }

    fn has_changes(&self) -> bool {
        self.0
            .get("changes")
            .and_then(Value::as_object)
            .is_some_and(|m| !m.is_empty())
    }

    fn change(&mut self, key: &str, v: impl Into<Value>) {
        self.changes().insert(key.to_owned(), v.into());
    }

    fn comment(&self) -> &str {
        self.0.get("comment").and_then(Value::as_str).unwrap_or("")
    }

    fn set_comment(&mut self, c: impl Into<String>) {
        self.0.insert("comment".into(), Value::String(c.into()));
    }

    fn result(&self) -> Option<bool> {
        self.0.get("result").and_then(Value::as_bool)
    }

    fn result_is_true(&self) -> bool {
        self.result() == Some(true)
    }

    fn set_result(&mut self, r: Option<bool>) {
        self.0
            .insert("result".into(), r.map_or(Value::Null, Value::Bool));
    }

    /// Salt's `_error`: result False and this comment.
    fn error(mut self, msg: impl Into<String>) -> StateReturn {
        self.set_result(Some(false));
        self.set_comment(msg);
        self.done()
    }

    fn done(self) -> StateReturn {
        StateReturn::from_map(self.0)
    }

    /// The end of an in-place edit (`line`, `replace`, `blockreplace`):
    /// with a `diff`, changes `{diff}` and `would` (test mode) or "Changes
    /// were made"; without, "No changes needed to be made".
    fn edited(mut self, diff: Option<Value>, test: bool, would: &str) -> StateReturn {
        match diff {
            Some(diff) => {
                self.change("diff", diff);
                if test {
                    self.set_result(None);
                    self.set_comment(would);
                } else {
                    self.set_result(Some(true));
                    self.set_comment("Changes were made");
                }
            }
            None => {
                self.set_result(Some(true));
                self.set_comment("No changes needed to be made");
            }
        }
        self.done()
    }

    fn map(&mut self) -> &mut Map<String, Value> {
        &mut self.0
    }
}

/// An absent argument (Salt's `None` default).
fn none() -> Value {
    Value::Null
}

fn yes() -> Value {
    Value::Bool(true)
}
