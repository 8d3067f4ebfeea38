//! `group.present` / `group.absent`: local groups, as Salt's `group`
//! state, through `group.info`, `getent`, `add`, `chgid`, `adduser`,
//! `deluser`, `members` and `delete`.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::calls::{call, call_bool};
use crate::module::{RunCtx, StateError, StateFn, StateReturn};
use crate::pyrepr::{py_repr, py_str};
use crate::value::truthy;

/// `group.present`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Present {
    name: String,
    #[serde(default)]
    gid: Value,
    #[serde(default)]
    system: bool,
    #[serde(default)]
    addusers: Option<Vec<Value>>,
    #[serde(default)]
    delusers: Option<Vec<Value>>,
    #[serde(default)]
    members: Option<Vec<Value>>,
    #[serde(default)]
    non_unique: bool,
    #[serde(default)]
    local: bool,
}

/// `group.absent`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Absent {
    name: String,
    #[serde(default)]
    local: bool,
}

/// One wanted change, in Salt's order of discovery.
#[derive(Debug, Clone)]
enum Change {
    Gid(Value),
    Members(Vec<String>),
    DelAll(Vec<String>),
    Add(Vec<String>),
    Del(Vec<String>),
    /// Salt's quirk for a gid that is not a number.
    Invalid,
}

plan_or_apply!(Present {
    const DOC: &'static str = "Makes sure a local group exists: `gid` (changed when it differs), `system: True` (groupadd -r), `members` (exactly these users), or `addusers` / `delusers` (these added / removed; not together with `members`), `non_unique` (allow a duplicate gid).\n\n    cheese:\n      group.present:\n        - gid: 7648\n        - system: True\n        - addusers:\n          - user1\n";
});

fn names(v: &Option<Vec<Value>>) -> Option<Vec<String>> {
    v.as_ref().map(|l| l.iter().map(py_str).collect())
}

impl Present {
    fn run(&self, cx: &RunCtx<'_>, test: bool) -> Result<StateReturn, StateError> {
        let name = self.name.as_str();
        let mut r = Ret::new(name, format!("Group {name} is present and up to date"));
        let (add, del, members) = (
            names(&self.addusers),
            names(&self.delusers),
            names(&self.members),
        );
        if members.is_some() && (add.is_some() || del.is_some()) {
            r.result = Value::Null;
            r.comment = "Error: Conflicting options \"members\" with \"addusers\" and/or \"delusers\" can not be used together. ".into();
            return Ok(r.done());
        }
        if let (Some(a), Some(d)) = (&add, &del)
            && !a.is_empty()
            && !d.is_empty()
            && a.iter().any(|u| d.contains(u))
        {
            r.result = Value::Null;
            r.comment = "Error. Same user(s) can not be added and deleted simultaneously".into();
            return Ok(r.done());
        }
        let changes = self.changes(cx)?;
        if let Some(changes) = changes.as_ref().filter(|c| !c.is_empty()) {
            r.comment = "The following group attributes are set to be changed:\n".into();
            r.comment.push_str(&describe(changes));
            if test {
                r.result = Value::Null;
                return Ok(r.done());
            }
            for c in changes {
                match c {
                    Change::Gid(_) => {
                        call(
                            cx,
                            "group.chgid",
                            &[json!(name), self.gid.clone()],
                            &[("non_unique", json!(self.non_unique))],
                        )
                        .map_err(StateError::Command)?;
                    }
                    Change::Add(users) => {
                        for u in users {
                            call(cx, "group.adduser", &[json!(name), json!(u)], &[])
                                .map_err(StateError::Command)?;
                        }
                    }
                    Change::Del(users) | Change::DelAll(users) => {
                        for u in users {
                            call(cx, "group.deluser", &[json!(name), json!(u)], &[])
                                .map_err(StateError::Command)?;
                        }
                    }
                    Change::Members(_) => {
                        let list = members.clone().unwrap_or_default().join(",");
                        call(cx, "group.members", &[json!(name), json!(list)], &[])
                            .map_err(StateError::Command)?;
                    }
                    Change::Invalid => {}
                }
            }
            let again = self.changes(cx)?.unwrap_or_default();
            if again.is_empty() {
                r.changes = json!({"Final": "All changes applied successfully"});
            } else {
                r.result = json!(false);
                r.comment.push_str("Some changes could not be applied");
                r.changes = json!({"Failed": changes_value(&again)});
            }
            return Ok(r.done());
        }
        if changes.is_some() {
            return Ok(r.done());
        }
        if test {
            r.result = Value::Null;
            r.comment = format!("Group {name} set to be added");
            return Ok(r.done());
        }
        if !self.gid.is_null() && !self.non_unique {
            let all = call(cx, "group.getent", &[], &[]).map_err(StateError::Command)?;
            let taken = all
                .as_array()
                .into_iter()
                .flatten()
                .find(|g| g.get("gid") == Some(&self.gid));
            if let Some(g) = taken {
                r.result = json!(false);
                r.comment = format!(
                    "Group {name} is not present but gid {} is already taken by group {}",
                    py_str(&self.gid),
                    g.get("name").map(py_str).unwrap_or_default()
                );
                return Ok(r.done());
            }
        }
        let added = call_bool(
            cx,
            "group.add",
            &[json!(name)],
            &[
                ("gid", self.gid.clone()),
                ("system", json!(self.system)),
                ("non_unique", json!(self.non_unique)),
                ("local", json!(self.local)),
            ],
        )
        .map_err(StateError::Command)?;
        if !added {
            r.result = json!(false);
            r.comment = format!("Failed to create new group {name}");
            return Ok(r.done());
        }
        let mut list = members
            .clone()
            .filter(|m| !m.is_empty())
            .map(|m| m.join(","));
        if let Some(a) = add.as_ref().filter(|a| !a.is_empty()) {
            list = Some(a.join(","));
        }
        if let Some(l) = list.filter(|l| !l.is_empty()) {
            call(cx, "group.members", &[json!(name), json!(l)], &[])
                .map_err(StateError::Command)?;
        }
        r.comment = format!("New group {name} created");
        r.changes = call(cx, "group.info", &[json!(name)], &[]).map_err(StateError::Command)?;
        let again = self.changes(cx)?.unwrap_or_default();
        if !again.is_empty() {
            r.result = json!(false);
            r.comment =
                format!("Group {name} has been created but, some changes could not be applied");
            r.changes = json!({"Failed": changes_value(&again)});
        }
        Ok(r.done())
    }

    /// Salt's `_changes`: `None` when the group does not exist.
    fn changes(&self, cx: &RunCtx<'_>) -> Result<Option<Vec<Change>>, StateError> {
        let info = call(cx, "group.info", &[json!(self.name)], &[]).map_err(StateError::Command)?;
        if !truthy(&info) {
            return Ok(None);
        }
        let current: Vec<String> = info
            .get("members")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(py_str).collect())
            .unwrap_or_default();
        let mut out = Vec::new();
        if truthy(&self.gid) {
            let gid = match &self.gid {
                Value::Number(n) if n.is_i64() => n.as_i64(),
                Value::String(s) => s.trim().parse::<i64>().ok(),
                Value::Bool(b) => Some(i64::from(*b)),
                _ => None,
            };
            match gid {
                Some(g) => {
                    if info.get("gid") != Some(&json!(g)) {
                        out.push(Change::Gid(json!(g)));
                    }
                }
                None => return Ok(Some(vec![Change::Invalid])),
            }
        }
        let differs = |want: &[String]| {
            current.iter().any(|m| !want.contains(m)) || want.iter().any(|m| !current.contains(m))
        };
        match names(&self.members) {
            Some(m) if m.is_empty() && differs(&m) => out.push(Change::DelAll(current.clone())),
            Some(m) if !m.is_empty() && differs(&m) => out.push(Change::Members(m)),
            _ => {}
        }
        if let Some(a) = names(&self.addusers) {
            let todo: Vec<String> = a.into_iter().filter(|u| !current.contains(u)).collect();
            if !todo.is_empty() {
                out.push(Change::Add(todo));
            }
        }
        if let Some(d) = names(&self.delusers) {
            let todo: Vec<String> = d.into_iter().filter(|u| current.contains(u)).collect();
            if !todo.is_empty() {
                out.push(Change::Del(todo));
            }
        }
        Ok(Some(out))
    }
}

/// The `key: value` lines of Salt's comment, values as Python prints them.
fn describe(changes: &[Change]) -> String {
    let mut s = String::new();
    for (k, v) in pairs(changes) {
        s.push_str(&format!("{k}: {}\n", py_str(&v)));
    }
    s
}

fn pairs(changes: &[Change]) -> Vec<(&'static str, Value)> {
    let mut out: Vec<(&'static str, Value)> = Vec::new();
    for c in changes {
        let (k, v) = match c {
            Change::Gid(g) => ("gid", g.clone()),
            Change::Members(m) => ("members", json!(m)),
            // Salt shows a Python set here.
            Change::DelAll(m) => ("delusers", Value::String(set_repr(m))),
            Change::Add(m) => ("addusers", json!(m)),
            Change::Del(m) => ("delusers", json!(m)),
            Change::Invalid => {
                out.push(("result", json!(false)));
                ("comment", json!("Invalid gid"))
            }
        };
        match out.iter_mut().find(|(x, _)| *x == k) {
            Some(slot) => slot.1 = v,
            None => out.push((k, v)),
        }
    }
    out
}

fn set_repr(m: &[String]) -> String {
    if m.is_empty() {
        return "set()".into();
    }
    let inner: Vec<String> = m.iter().map(|x| py_repr(&json!(x))).collect();
    format!("{{{}}}", inner.join(", "))
}

fn changes_value(changes: &[Change]) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs(changes) {
        m.insert(k.into(), v);
    }
    Value::Object(m)
}

plan_or_apply!(Absent {
    const DOC: &'static str = "Makes sure a local group does not exist (groupdel).\n\n    db_admin:\n      group.absent: []\n";
});

impl Absent {
    fn run(&self, cx: &RunCtx<'_>, test: bool) -> Result<StateReturn, StateError> {
        let name = self.name.as_str();
        let mut r = Ret::new(name, String::new());
        let info = call(cx, "group.info", &[json!(name)], &[]).map_err(StateError::Command)?;
        if !truthy(&info) {
            r.comment = "Group not present".into();
            return Ok(r.done());
        }
        if test {
            r.result = Value::Null;
            r.comment = format!("Group {name} is set for removal");
            return Ok(r.done());
        }
        let ok = call_bool(
            cx,
            "group.delete",
            &[json!(name)],
            &[("local", json!(self.local))],
        )
        .map_err(StateError::Command)?;
        r.result = json!(ok);
        if ok {
            r.changes = json!({ name: "" });
            r.comment = format!("Removed group {name}");
        } else {
            r.comment = format!("Failed to remove group {name}");
        }
        Ok(r.done())
    }
}

/// The return being built (name, changes, result, comment).
struct Ret {
    name: String,
    changes: Value,
    result: Value,
    comment: String,
}

impl Ret {
    fn new(name: &str, comment: String) -> Self {
        Self {
            name: name.into(),
            changes: json!({}),
            result: json!(true),
            comment,
        }
    }

    fn done(self) -> StateReturn {
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name));
        m.insert("changes".into(), self.changes);
        m.insert("result".into(), self.result);
        m.insert("comment".into(), json!(self.comment));
        StateReturn::from_map(m)
    }
}
